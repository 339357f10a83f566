// File: iam_policy_test.cpp
//
// Tests of IAM policy parsing and of the sandbox's authorisation decisions: a table of identity
// policy evaluations (allow, explicit deny wins, NotAction, wildcards, policy variables,
// conditions the sandbox supports and the conservative handling of those it does not) and the
// AssumeRole trust check, same-account and cross-account.
#include "firebreak/sandbox/iam_policy.h"

#include <gtest/gtest.h>

#include "firebreak/sandbox/world.h"

namespace firebreak::sandbox {
namespace {

std::string Render(const Diagnostics& diags) {
    std::string out;
    for (const Diagnostic& d : diags.items()) {
        out += d.ToString() + "\n";
    }
    return out;
}

constexpr std::string_view kAccount = "111111111111";

// Users and roles for the evaluation table. Keys with a colon are quoted for YAML.
constexpr std::string_view kWorld = R"(
time: 2026-11-01T00:00:00Z
accounts:
  - id: "111111111111"
    iam:
      users:
        - name: admin
          attached_policies: [AdministratorAccess]
        - name: reader
          attached_policies: [ReadOnlyAccess]
        - name: denied
          attached_policies: [AdministratorAccess, AWSDenyAll]
        - name: ops
          inline_policies:
            ops:
              Version: "2012-10-17"
              Statement:
                - {Sid: AllEc2, Effect: Allow, Action: "ec2:*", Resource: "*"}
                - {Sid: NoTerminate, Effect: Deny, Action: ec2:TerminateInstances, Resource: "*"}
        - name: notaction
          inline_policies:
            p: {Statement: {Effect: Allow, NotAction: ["iam:*", "sts:*"], Resource: "*"}}
        - name: notresource
          inline_policies:
            p: {Statement: {Effect: Allow, Action: "s3:*", NotResource: "arn:aws:s3:::secret*"}}
        - name: wild
          inline_policies:
            p:
              Statement:
                - {Effect: Allow, Action: "s3:Get?bject", Resource: "arn:aws:s3:::logs-*/*"}
        - name: selfservice
          inline_policies:
            p:
              Statement:
                Effect: Allow
                Action: "iam:*AccessKey*"
                Resource: "arn:aws:iam::111111111111:user/${aws:username}"
        - name: regional
          inline_policies:
            p:
              Statement:
                Effect: Allow
                Action: "ec2:*"
                Resource: "*"
                Condition:
                  StringEquals: {"aws:RequestedRegion": [us-east-1, eu-west-1]}
        - name: unsupported-allow
          inline_policies:
            p:
              Statement:
                Effect: Allow
                Action: "ec2:*"
                Resource: "*"
                Condition: {IpAddress: {"aws:SourceIp": 10.0.0.0/8}}
        - name: unsupported-deny
          attached_policies: [AdministratorAccess]
          inline_policies:
            p:
              Statement:
                Effect: Deny
                Action: "ec2:*"
                Resource: "*"
                Condition: {IpAddress: {"aws:SourceIp": 10.0.0.0/8}}
        - name: mfa-guard
          attached_policies: [AdministratorAccess]
          inline_policies:
            p:
              Statement:
                - Sid: BoolFalse
                  Effect: Deny
                  Action: "iam:*"
                  Resource: "*"
                  Condition: {Bool: {"aws:MultiFactorAuthPresent": false}}
                - Sid: IfExists
                  Effect: Deny
                  Action: "ec2:*"
                  Resource: "*"
                  Condition: {BoolIfExists: {"aws:MultiFactorAuthPresent": false}}
        - name: accounts
          inline_policies:
            p:
              Statement:
                - Effect: Allow
                  Action: "sns:Publish"
                  Resource: "*"
                  Condition: {StringLike: {"aws:PrincipalArn": "arn:aws:iam::*:user/acc*"}}
                - Effect: Deny
                  Action: "sns:Publish"
                  Resource: "*"
                  Condition: {StringNotEquals: {"aws:PrincipalAccount": "111111111111"}}
                - Effect: Allow
                  Action: "ssm:*"
                  Resource: "*"
                  Condition: {"ForAnyValue:StringEquals": {"aws:PrincipalAccount": "111111111111"}}
      roles:
        - name: mfa-role
          trusted_accounts: ["111111111111"]
          inline_policies:
            p:
              Statement:
                - {Effect: Allow, Action: "*", Resource: "*"}
                - Sid: NeedMfa
                  Effect: Deny
                  Action: "iam:*"
                  Resource: "*"
                  Condition: {Bool: {"aws:MultiFactorAuthPresent": "false"}}
        - name: named-trust
          trust:
            Statement:
              Effect: Allow
              Principal: {AWS: "arn:aws:iam::111111111111:user/ops"}
              Action: sts:AssumeRole
        - name: deny-trust
          trust:
            Statement:
              - {Effect: Allow, Principal: {AWS: "*"}, Action: "sts:*"}
              - Effect: Deny
                Principal: {AWS: ["arn:aws:iam::111111111111:user/admin"]}
                Action: sts:AssumeRole
        - name: mfa-trust
          trust:
            Statement:
              Effect: Allow
              Principal: {AWS: "111111111111"}
              Action: sts:AssumeRole
              Condition: {Bool: {"aws:MultiFactorAuthPresent": true}}
        - name: service-trust
          trust:
            Statement: {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}
        - name: notprincipal-trust
          trust:
            Statement:
              - {Effect: Allow, Principal: "*", Action: sts:AssumeRole}
              - {Effect: Deny, NotPrincipal: {AWS: "arn:aws:iam::111111111111:user/ops"}, Action: sts:AssumeRole}
)";

class IamTest : public ::testing::Test {
protected:
    void SetUp() override {
        Diagnostics diags;
        world_ = LoadWorldYaml(kWorld, "iam.yaml", &diags);
        ASSERT_TRUE(diags.items().empty()) << Render(diags);
        world_.clock = WorldClock::Fixed(*ParseIsoTime("2026-11-02T00:00:00Z"));
    }

    CallerIdentity User(std::string_view name) const {
        const IamUser* user = world_.FindUser(kAccount, name);
        EXPECT_NE(user, nullptr) << name;
        CallerIdentity id;
        id.type = CallerIdentity::Type::kIamUser;
        id.account_id = std::string(kAccount);
        id.user_name = std::string(name);
        id.arn = user != nullptr ? user->arn : "";
        id.principal_id = user != nullptr ? user->user_id : "";
        return id;
    }

    // A fresh STS session of `role_name`, resolved as the server would.
    CallerIdentity Session(std::string_view role_name, bool mfa) {
        const IamRole* role = world_.FindRole(kAccount, role_name);
        EXPECT_NE(role, nullptr) << role_name;
        const RoleSession& s = world_.IssueSession(*role, "s1", "", std::chrono::hours{1}, mfa);
        return world_.ResolveAccessKey(s.access_key_id, world_.Now())->identity;
    }

    World world_;
};

// ---------------------------------------------------------------------------------------------
// Parsing

TEST(PolicyParse, AcceptsTheUsualShapes) {
    Result<PolicyDocument> one = ParsePolicyDocument(
            R"({"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":"ec2:*",)"
            R"("Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":true},)"
            R"("StringEquals":{"aws:RequestedRegion":["us-east-1",7]}}}})",
            PolicyKind::kIdentity);
    ASSERT_TRUE(one.has_value()) << one.error().ToString();
    ASSERT_EQ(one->statements.size(), 1u);
    const PolicyStatement& s = one->statements[0];
    EXPECT_EQ(s.sid, "A");
    EXPECT_TRUE(s.allow);
    EXPECT_EQ(s.actions, std::vector<std::string>{"ec2:*"});
    EXPECT_EQ(s.resources, std::vector<std::string>{"*"});
    ASSERT_EQ(s.conditions.size(), 2u);
    EXPECT_EQ(s.conditions[0].op, "Bool");
    EXPECT_EQ(s.conditions[0].values, std::vector<std::string>{"true"});
    EXPECT_EQ(s.conditions[1].values, (std::vector<std::string>{"us-east-1", "7"}));

    Result<PolicyDocument> trust = ParsePolicyDocument(
            R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},)"
            R"({"Effect":"Deny","NotPrincipal":{"AWS":["1","2"],"Service":"ec2.amazonaws.com"},)"
            R"("NotAction":"sts:TagSession"}]})",
            PolicyKind::kTrust);
    ASSERT_TRUE(trust.has_value()) << trust.error().ToString();
    EXPECT_EQ(trust->statements[0].principals.at("AWS"), std::vector<std::string>{"*"});
    EXPECT_TRUE(trust->statements[1].not_principal);
    EXPECT_TRUE(trust->statements[1].not_action);
    EXPECT_EQ(trust->statements[1].principals.at("AWS"), (std::vector<std::string>{"1", "2"}));
}

TEST(PolicyParse, RejectsMalformedDocuments) {
    struct Case {
        const char* json;
        PolicyKind kind;
        const char* message;
    };

    const Case cases[] = {
            {"{", PolicyKind::kIdentity, "policy is not valid JSON"},
            {"[]", PolicyKind::kIdentity, "policy must be a JSON object"},
            {R"({"Version":"2012-10-17"})", PolicyKind::kIdentity, "policy has no Statement"},
            {R"({"Statement":[]})", PolicyKind::kIdentity, "Statement must be an object or a"},
            {R"({"Version":"2020-01-01","Statement":{}})", PolicyKind::kIdentity, "Version must"},
            {R"({"Statements":[]})",
             PolicyKind::kIdentity,
             "unknown policy element \"Statements\""},
            {R"({"Statement":{"Effect":"allow","Action":"a:b","Resource":"*"}})",
             PolicyKind::kIdentity,
             "Statement 1: Effect must be \"Allow\" or \"Deny\""},
            {R"({"Statement":{"Effect":"Allow","Resource":"*"}})",
             PolicyKind::kIdentity,
             "Statement 1: missing Action or NotAction"},
            {R"({"Statement":{"Effect":"Allow","Action":"a:b","NotAction":"c:d","Resource":"*"}})",
             PolicyKind::kIdentity,
             "use one of Action and NotAction"},
            {R"({"Statement":{"Effect":"Allow","Action":"StopInstances","Resource":"*"}})",
             PolicyKind::kIdentity,
             "must be prefaced by a vendor"},
            {R"({"Statement":{"Effect":"Allow","Action":"a:b"}})",
             PolicyKind::kIdentity,
             "missing Resource or NotResource"},
            {R"({"Statement":{"Effect":"Allow","Action":"a:b","Resource":[]}})",
             PolicyKind::kIdentity,
             "Resource must be a string or a non-empty list"},
            {R"({"Statement":{"Effect":"Allow","Action":"a:b","Resource":"*","Principal":"*"}})",
             PolicyKind::kIdentity,
             "cannot specify a principal"},
            {R"({"Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*",)"
             R"("Principal":"*"}})",
             PolicyKind::kTrust,
             "prohibited field Resource"},
            {R"({"Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}})",
             PolicyKind::kTrust,
             "missing Principal or NotPrincipal"},
            {R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",)"
             R"("Principal":{"Users":"x"}}})",
             PolicyKind::kResource,
             "unknown principal type \"Users\""},
            {R"({"Statement":{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":[]}})",
             PolicyKind::kIdentity,
             "Condition must be an object"},
            {R"({"Statement":{"Effect":"Allow","Action":"a:b","Resource":"*",)"
             R"("Condition":{"Bool":{"k":{"x":1}}}}})",
             PolicyKind::kIdentity,
             "must be a string or a list"},
            {R"({"Statement":{"Effect":"Allow","Action":"a:b","Resource":"*","Effects":1}})",
             PolicyKind::kIdentity,
             "unknown element \"Effects\""},
    };
    for (const Case& c : cases) {
        Result<PolicyDocument> doc = ParsePolicyDocument(c.json, c.kind);
        ASSERT_FALSE(doc.has_value()) << c.json;
        EXPECT_EQ(doc.error().code(), StatusCode::kInvalidArgument);
        EXPECT_NE(doc.error().message().find(c.message), std::string::npos)
                << c.json << " -> " << doc.error().message();
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation

struct EvalCase {
    const char* user;
    const char* action;
    const char* resource;
    const char* region;  // aws:RequestedRegion; "" = not in the request
    bool allowed;
    bool explicit_deny;
    const char* matched;  // exact Decision::matched
};

TEST_F(IamTest, EvaluationTable) {
    const std::string admin = R"(policy "arn:aws:iam::aws:policy/AdministratorAccess" statement 1)";
    const std::string read_only = R"(policy "arn:aws:iam::aws:policy/ReadOnlyAccess" statement 1)";
    const EvalCase cases[] = {
            // Managed policies.
            {"admin", "ec2:StopInstances", "*", "", true, false, admin.c_str()},
            {"admin",
             "iam:DeleteUser",
             "arn:aws:iam::111111111111:user/bob",
             "",
             true,
             false,
             admin.c_str()},
            {"reader", "ec2:DescribeInstances", "*", "", true, false, read_only.c_str()},
            {"reader", "iam:ListAccessKeys", "*", "", true, false, read_only.c_str()},
            {"reader", "sts:GetCallerIdentity", "*", "", true, false, read_only.c_str()},
            {"reader", "cloudtrail:LookupEvents", "*", "", true, false, read_only.c_str()},
            {"reader", "ec2:StopInstances", "*", "", false, false, ""},
            {"reader", "s3:PutObject", "arn:aws:s3:::b/k", "", false, false, ""},
            // Explicit deny beats allow (AWSDenyAll, and a Deny next to an Allow).
            {"denied",
             "ec2:DescribeInstances",
             "*",
             "",
             false,
             true,
             R"(policy "arn:aws:iam::aws:policy/AWSDenyAll" statement 1)"},
            {"ops",
             "ec2:StopInstances",
             "*",
             "",
             true,
             false,
             R"(inline policy "ops" of user ops statement 1 (Sid "AllEc2"))"},
            {"ops",
             "ec2:TerminateInstances",
             "*",
             "",
             false,
             true,
             R"(inline policy "ops" of user ops statement 2 (Sid "NoTerminate"))"},
            // Actions match case-insensitively.
            {"ops",
             "EC2:stopinstances",
             "*",
             "",
             true,
             false,
             R"(inline policy "ops" of user ops statement 1 (Sid "AllEc2"))"},
            {"ops", "s3:GetObject", "*", "", false, false, ""},
            // NotAction / NotResource.
            {"notaction",
             "ec2:RunInstances",
             "*",
             "",
             true,
             false,
             R"(inline policy "p" of user notaction statement 1)"},
            {"notaction", "iam:CreateUser", "*", "", false, false, ""},
            {"notaction", "STS:AssumeRole", "*", "", false, false, ""},
            {"notresource",
             "s3:GetObject",
             "arn:aws:s3:::public/x",
             "",
             true,
             false,
             R"(inline policy "p" of user notresource statement 1)"},
            {"notresource", "s3:GetObject", "arn:aws:s3:::secret-bucket/x", "", false, false, ""},
            // Wildcards: ? is one character; resources are case-sensitive.
            {"wild",
             "s3:GetObject",
             "arn:aws:s3:::logs-prod/a/b.gz",
             "",
             true,
             false,
             R"(inline policy "p" of user wild statement 1)"},
            {"wild", "s3:GetObjectAcl", "arn:aws:s3:::logs-prod/a", "", false, false, ""},
            {"wild", "s3:GetObject", "arn:aws:s3:::LOGS-prod/a", "", false, false, ""},
            {"wild", "s3:GetObject", "arn:aws:s3:::logs-prod", "", false, false, ""},
            {"wild", "s3:GetObject", "*", "", false, false, ""},
            // Policy variables.
            {"selfservice",
             "iam:CreateAccessKey",
             "arn:aws:iam::111111111111:user/selfservice",
             "",
             true,
             false,
             R"(inline policy "p" of user selfservice statement 1)"},
            {"selfservice",
             "iam:CreateAccessKey",
             "arn:aws:iam::111111111111:user/admin",
             "",
             false,
             false,
             ""},
            // Supported conditions.
            {"regional",
             "ec2:RunInstances",
             "*",
             "eu-west-1",
             true,
             false,
             R"(inline policy "p" of user regional statement 1)"},
            {"regional", "ec2:RunInstances", "*", "us-west-2", false, false, ""},
            {"regional", "ec2:RunInstances", "*", "", false, false, ""},
            {"accounts",
             "sns:Publish",
             "*",
             "",
             true,
             false,
             R"(inline policy "p" of user accounts statement 1)"},
            // Unsupported conditions: an Allow does not allow, a Deny denies.
            {"unsupported-allow", "ec2:DescribeInstances", "*", "", false, false, ""},
            {"accounts", "ssm:SendCommand", "*", "", false, false, ""},
            {"unsupported-deny",
             "ec2:StopInstances",
             "*",
             "",
             false,
             true,
             R"(inline policy "p" of user unsupported-deny statement 1 (its condition is not )"
             R"(evaluated by the sandbox; applied conservatively))"},
            {"unsupported-deny", "s3:GetObject", "*", "", true, false, admin.c_str()},
            // aws:MultiFactorAuthPresent is absent for long-term keys: "Bool false" misses them,
            // "BoolIfExists false" catches them.
            {"mfa-guard", "iam:CreateUser", "*", "", true, false, admin.c_str()},
            {"mfa-guard",
             "ec2:StopInstances",
             "*",
             "",
             false,
             true,
             R"(inline policy "p" of user mfa-guard statement 2 (Sid "IfExists"))"},
    };
    for (const EvalCase& c : cases) {
        RequestContext context;
        context.requested_region = c.region;
        Decision d = Evaluate(world_, User(c.user), c.action, c.resource, context);
        SCOPED_TRACE(std::string(c.user) + " " + c.action + " " + c.resource + " -> " + d.reason);
        EXPECT_EQ(d.allowed, c.allowed);
        EXPECT_EQ(d.explicit_deny, c.explicit_deny);
        EXPECT_EQ(d.matched, c.matched);
    }
}

TEST_F(IamTest, ReasonsExplainTheOutcome) {
    Decision none = Evaluate(world_, User("reader"), "ec2:StopInstances", "*");
    EXPECT_EQ(none.reason, "no identity-based policy allows the ec2:StopInstances action");
    Decision skipped = Evaluate(world_, User("unsupported-allow"), "ec2:DescribeInstances", "*");
    EXPECT_EQ(skipped.reason,
              "no identity-based policy allows the ec2:DescribeInstances action; inline policy "
              "\"p\" of user unsupported-allow statement 1 was not applied: its condition is not "
              "evaluated by the sandbox");
    Decision deny = Evaluate(world_, User("ops"), "ec2:TerminateInstances", "*");
    EXPECT_EQ(
            deny.reason,
            R"(explicitly denied by inline policy "ops" of user ops statement 2 (Sid "NoTerminate"))");
}

TEST_F(IamTest, RootIsAlwaysAllowedAndStrangersNever) {
    CallerIdentity root;
    root.type = CallerIdentity::Type::kRoot;
    root.account_id = std::string(kAccount);
    root.arn = "arn:aws:iam::111111111111:root";
    Decision d = Evaluate(world_, root, "cloudtrail:StopLogging", "*");
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.matched, "root user");

    CallerIdentity ghost;
    ghost.type = CallerIdentity::Type::kIamUser;
    ghost.account_id = std::string(kAccount);
    ghost.user_name = "deleted-user";
    ghost.arn = "arn:aws:iam::111111111111:user/deleted-user";
    EXPECT_FALSE(Evaluate(world_, ghost, "ec2:DescribeInstances", "*").allowed);
}

TEST_F(IamTest, RoleSessionsUseTheRolePoliciesAndCarryMfa) {
    CallerIdentity plain = Session("mfa-role", false);
    Decision denied = Evaluate(world_, plain, "iam:CreateUser", "*");
    EXPECT_FALSE(denied.allowed);
    EXPECT_TRUE(denied.explicit_deny);
    EXPECT_EQ(denied.matched, R"(inline policy "p" of role mfa-role statement 2 (Sid "NeedMfa"))");
    EXPECT_TRUE(Evaluate(world_, plain, "ec2:StopInstances", "*").allowed);
    CallerIdentity with_mfa = Session("mfa-role", true);
    Decision allowed = Evaluate(world_, with_mfa, "iam:CreateUser", "*");
    EXPECT_TRUE(allowed.allowed);
    EXPECT_EQ(allowed.matched, R"(inline policy "p" of role mfa-role statement 1)");
}

TEST_F(IamTest, AccessDeniedMessages) {
    CallerIdentity reader = User("reader");
    EXPECT_EQ(AccessDeniedMessage(reader,
                                  "ec2:StopInstances",
                                  "arn:aws:ec2:us-east-1:111111111111:instance/i-1",
                                  Evaluate(world_, reader, "ec2:StopInstances", "*")),
              "User: arn:aws:iam::111111111111:user/reader is not authorized to perform: "
              "ec2:StopInstances on resource: arn:aws:ec2:us-east-1:111111111111:instance/i-1 "
              "because no identity-based policy allows the ec2:StopInstances action");
    CallerIdentity denied = User("denied");
    EXPECT_EQ(AccessDeniedMessage(denied,
                                  "s3:GetObject",
                                  "arn:aws:s3:::b/k",
                                  Evaluate(world_, denied, "s3:GetObject", "arn:aws:s3:::b/k")),
              "User: arn:aws:iam::111111111111:user/denied is not authorized to perform: "
              "s3:GetObject on resource: arn:aws:s3:::b/k with an explicit deny in an "
              "identity-based policy");
}

// ---------------------------------------------------------------------------------------------
// AssumeRole trust

TEST_F(IamTest, TrustPoliciesSameAccount) {
    const Account& acct = world_.accounts.at(std::string(kAccount));
    const IamRole& named = acct.roles.at("named-trust");
    // Named by ARN in the same account: no identity permission needed.
    Decision ops = CanAssumeRole(world_, User("ops"), named);
    EXPECT_TRUE(ops.allowed) << ops.reason;
    EXPECT_EQ(ops.matched, "trust policy of role named-trust statement 1");
    Decision admin = CanAssumeRole(world_, User("admin"), named);
    EXPECT_FALSE(admin.allowed);
    EXPECT_FALSE(admin.explicit_deny);
    EXPECT_EQ(admin.reason,
              "the trust policy of role named-trust does not allow "
              "arn:aws:iam::111111111111:user/admin to assume it");

    const IamRole& deny_trust = acct.roles.at("deny-trust");
    Decision explicit_deny = CanAssumeRole(world_, User("admin"), deny_trust);
    EXPECT_FALSE(explicit_deny.allowed);
    EXPECT_TRUE(explicit_deny.explicit_deny);
    EXPECT_EQ(explicit_deny.matched, "trust policy of role deny-trust statement 2");
    // "*" trusts everyone, but then the caller's own policies must allow sts:AssumeRole.
    Decision reader = CanAssumeRole(world_, User("reader"), deny_trust);
    EXPECT_FALSE(reader.allowed);
    EXPECT_EQ(reader.reason,
              "the trust policy of role deny-trust allows the caller's account, but no "
              "identity-based policy allows the sts:AssumeRole action");
    Decision guard = CanAssumeRole(world_, User("mfa-guard"), deny_trust);
    EXPECT_TRUE(guard.allowed) << guard.reason;
    EXPECT_EQ(guard.matched,
              "trust policy of role deny-trust statement 1; policy "
              "\"arn:aws:iam::aws:policy/AdministratorAccess\" statement 1");

    // Conditions in trust policies: MFA comes only with sessions.
    const IamRole& mfa_trust = acct.roles.at("mfa-trust");
    EXPECT_FALSE(CanAssumeRole(world_, User("admin"), mfa_trust).allowed);
    EXPECT_FALSE(CanAssumeRole(world_, Session("mfa-role", false), mfa_trust).allowed);
    EXPECT_TRUE(CanAssumeRole(world_, Session("mfa-role", true), mfa_trust).allowed);

    // Service principals do not match AWS callers; NotPrincipal is applied conservatively.
    EXPECT_FALSE(CanAssumeRole(world_, User("admin"), acct.roles.at("service-trust")).allowed);
    Decision np = CanAssumeRole(world_, User("ops"), acct.roles.at("notprincipal-trust"));
    EXPECT_FALSE(np.allowed);
    EXPECT_TRUE(np.explicit_deny);
    EXPECT_NE(np.matched.find("applied conservatively"), std::string::npos);

    CallerIdentity root;
    root.type = CallerIdentity::Type::kRoot;
    root.account_id = std::string(kAccount);
    root.arn = "arn:aws:iam::111111111111:root";
    Decision r = CanAssumeRole(world_, root, acct.roles.at("mfa-role"));
    EXPECT_FALSE(r.allowed);
    EXPECT_EQ(r.reason, "the root user cannot call AssumeRole");
}

TEST(IamCrossAccount, CentralSecurityResponderAssumesMemberRoles) {
    Diagnostics diags;
    Result<World> loaded = LoadWorldFile(
            std::string(FIREBREAK_SOURCE_DIR) + "/examples/worlds/central-security.yaml", &diags);
    ASSERT_TRUE(loaded.has_value());
    ASSERT_TRUE(diags.items().empty()) << Render(diags);
    World& w = *loaded;
    w.clock = WorldClock::Fixed(*ParseIsoTime("2026-11-02T00:00:00Z"));
    const Timestamp now = w.Now();
    const CallerIdentity responder = w.ResolveAccessKey("AKIAEXAMPLERESPOND01", now)->identity;
    const CallerIdentity auditor = w.ResolveAccessKey("AKIAEXAMPLEAUDITOR01", now)->identity;
    const CallerIdentity deployer = w.ResolveAccessKey("AKIAEXAMPLEDEPLOY001", now)->identity;
    const IamRole& prod = *w.FindRole("111111111111", "FirebreakResponder");
    const IamRole& dev = *w.FindRole("222222222222", "FirebreakResponder");

    for (const IamRole* role : {&prod, &dev}) {
        Decision d = CanAssumeRole(w, responder, *role);
        EXPECT_TRUE(d.allowed) << role->arn << ": " << d.reason;
        EXPECT_EQ(d.matched,
                  "trust policy of role FirebreakResponder statement 1; policy "
                  "\"arn:aws:iam::999999999999:policy/AssumeResponderRoles\" statement 1 (Sid "
                  "\"AssumeIntoMembers\")");
    }
    // Trusted account, but no permission to call sts:AssumeRole on the role.
    Decision a = CanAssumeRole(w, auditor, prod);
    EXPECT_FALSE(a.allowed);
    EXPECT_FALSE(a.explicit_deny);
    // A member account's user is not trusted by the other member's role.
    Decision d = CanAssumeRole(w, deployer, dev);
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.reason,
              "the trust policy of role FirebreakResponder does not allow "
              "arn:aws:iam::111111111111:user/ci-deployer to assume it");

    // In the member account, the session's role policies apply: responders may not blind the
    // trail, may do the rest; AdministratorAccess in the dev account.
    const RoleSession& s =
            w.IssueSession(prod, "ir-1", responder.arn, std::chrono::hours{1}, false);
    const CallerIdentity session = w.ResolveAccessKey(s.access_key_id, now)->identity;
    EXPECT_EQ(session.account_id, "111111111111");
    Decision stop = Evaluate(w, session, "cloudtrail:StopLogging", "*");
    EXPECT_TRUE(stop.explicit_deny);
    EXPECT_EQ(stop.matched,
              R"(inline policy "incident-response" of role FirebreakResponder statement 2 )"
              R"((Sid "NeverBlindTheTrail"))");
    EXPECT_TRUE(Evaluate(w, session, "ec2:ModifyInstanceAttribute", "*").allowed);
    EXPECT_TRUE(Evaluate(w, session, "cloudtrail:StartLogging", "*").allowed);
    EXPECT_FALSE(Evaluate(w, session, "cloudtrail:DeleteEventDataStore", "*").allowed);
    // The session cannot hop on to the other member: the dev role trusts only 999999999999.
    EXPECT_FALSE(CanAssumeRole(w, session, dev).allowed);

    // The deployer's RunInstances is limited to us-east-1 by aws:RequestedRegion.
    RequestContext east;
    east.requested_region = "us-east-1";
    RequestContext west;
    west.requested_region = "eu-west-1";
    EXPECT_TRUE(Evaluate(w, deployer, "ec2:RunInstances", "*", east).allowed);
    EXPECT_FALSE(Evaluate(w, deployer, "ec2:RunInstances", "*", west).allowed);
}

}  // namespace
}  // namespace firebreak::sandbox
