// File: iam_policy.h
//
// IAM policy documents and the sandbox's authorisation decision. Parsing validates a document the
// way IAM's MalformedPolicyDocument check does for the parts the sandbox understands; evaluation
// follows AWS's logic for identity-based policies (the root user is always allowed, an explicit
// Deny beats any Allow, no Allow is an implicit deny) and the role trust check of AssumeRole.
//
// Not modelled: SCPs, permissions boundaries, session policies, groups, resource-based policies
// in Evaluate. Conditions: see README.md "World model" for the supported operators and keys; a
// statement whose condition cannot be judged is applied conservatively (an Allow does not allow,
// a Deny does deny).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/core/status.h"
#include "firebreak/sandbox/identity.h"
#include "firebreak/sandbox/world.h"

namespace firebreak::sandbox {

enum class PolicyKind : uint8_t {
    kIdentity,  // user/role/managed policies: Resource or NotResource required, no Principal
    kTrust,     // role trust policies: Principal or NotPrincipal required, no Resource
    kResource,  // bucket policies: Principal and Resource required
};

struct PolicyCondition {
    std::string op;   // as written: "StringEquals", "BoolIfExists", "ForAnyValue:StringLike"
    std::string key;  // as written: "aws:MultiFactorAuthPresent"
    std::vector<std::string> values;  // booleans and numbers as their JSON text

    bool operator==(const PolicyCondition& other) const = default;
};

struct PolicyStatement {
    std::string sid;
    bool allow = true;
    bool not_action = false;  // `actions` came from NotAction
    std::vector<std::string> actions;
    bool not_resource = false;  // `resources` came from NotResource
    std::vector<std::string> resources;
    bool not_principal = false;  // `principals` came from NotPrincipal
    // Principal type ("AWS", "Service", "Federated", "CanonicalUser") -> values. "Principal": "*"
    // is stored as {"AWS": ["*"]}.
    std::map<std::string, std::vector<std::string>> principals;
    std::vector<PolicyCondition> conditions;

    bool operator==(const PolicyStatement& other) const = default;
};

struct PolicyDocument {
    std::string version;  // "2012-10-17", "2008-10-17" or empty
    std::vector<PolicyStatement> statements;

    bool operator==(const PolicyDocument& other) const = default;
};

// Parses and validates a policy. Errors (InvalidArgument) say what is wrong in IAM's words, for a
// MalformedPolicyDocument reply or a load diagnostic.
Result<PolicyDocument> ParsePolicyDocument(std::string_view json, PolicyKind kind);

// Request facts that conditions may read. Empty fields are absent from the request context.
struct RequestContext {
    std::string requested_region;  // aws:RequestedRegion
};

struct Decision {
    bool allowed = false;
    bool explicit_deny = false;
    // The statement that decided: `policy "arn:aws:iam::aws:policy/AdministratorAccess"
    // statement 1`, `inline policy "ops" of user alice statement 2 (Sid "DenyStop")`; for the root
    // user "root user"; empty for an implicit deny.
    std::string matched;
    // Why, in a sentence: for logs and the sandbox's own explanations.
    std::string reason;
};

// May `caller` perform `action` ("ec2:StopInstances") on `resource_arn` ("*" for actions without
// resource-level permissions)? Users: inline and attached policies; assumed-role sessions: the
// role's inline and attached policies. A principal missing from the world has no policies.
Decision Evaluate(const World& world,
                  const CallerIdentity& caller,
                  std::string_view action,
                  std::string_view resource_arn,
                  const RequestContext& context = {});

// May `caller` assume `role`? The role's trust policy must allow sts:AssumeRole for the caller
// (Principal AWS "*", the caller's account id or account root ARN, the user's ARN, the session's
// role ARN or assumed-role ARN) with no trust Deny. Unless the trust policy names the caller's own
// ARN in the same account, the caller's identity policies must also allow sts:AssumeRole on the
// role's ARN (always so across accounts). The root user cannot assume roles.
Decision CanAssumeRole(const World& world,
                       const CallerIdentity& caller,
                       const IamRole& role,
                       const RequestContext& context = {});

// AWS's denial text: "User: ARN is not authorized to perform: ACTION on resource: RESOURCE because
// no identity-based policy allows the ACTION action" (or "with an explicit deny in an
// identity-based policy").
std::string AccessDeniedMessage(const CallerIdentity& caller,
                                std::string_view action,
                                std::string_view resource_arn,
                                const Decision& decision);

}  // namespace firebreak::sandbox
