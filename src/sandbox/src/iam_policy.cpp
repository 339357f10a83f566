// File: iam_policy.cpp
//
// Policy parsing and validation, and the sandbox's IAM decisions: identity-policy evaluation
// (root allowed, explicit Deny wins, otherwise the first matching Allow, else implicit deny) and
// the AssumeRole trust check. Conditions are judged in three-valued logic (true, false, cannot
// tell), so a statement the sandbox cannot judge is applied conservatively.
#include "firebreak/sandbox/iam_policy.h"

#include <algorithm>

#include "firebreak/core/text.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::sandbox {
namespace {

using event::JsonValue;

// ---------------------------------------------------------------------------------------------
// Parsing

bool IsScalar(const JsonValue& v) {
    return v.is_string() || v.is_number() || v.type == JsonValue::Type::kBool;
}

std::string ScalarText(const JsonValue& v) {
    if (v.type == JsonValue::Type::kBool) {
        return v.boolean ? "true" : "false";
    }
    return v.text;
}

// A string or a non-empty array of strings.
Status ReadStringList(const JsonValue& v, std::string_view element, std::vector<std::string>* out) {
    if (v.is_string()) {
        out->push_back(v.text);
        return Status::Ok();
    }
    if (!v.is_array() || v.items.empty()) {
        return InvalidArgument(std::string(element) +
                               " must be a string or a non-empty list of strings");
    }
    for (const JsonValue& item : v.items) {
        if (!item.is_string()) {
            return InvalidArgument(std::string(element) + " must contain only strings");
        }
        out->push_back(item.text);
    }
    return Status::Ok();
}

bool IsValidAction(std::string_view action) {
    if (action == "*") {
        return true;
    }
    size_t colon = action.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == action.size()) {
        return false;
    }
    std::string_view vendor = action.substr(0, colon);
    return std::all_of(vendor.begin(), vendor.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '*' || c == '?';
    });
}

Status ReadPrincipal(const JsonValue& v,
                     std::string_view element,
                     std::map<std::string, std::vector<std::string>>* out) {
    if (v.is_string()) {
        if (v.text != "*") {
            return InvalidArgument(std::string(element) +
                                   " must be \"*\" or an object such as {\"AWS\": ...}");
        }
        (*out)["AWS"].push_back("*");
        return Status::Ok();
    }
    if (!v.is_object() || v.members.empty()) {
        return InvalidArgument(std::string(element) + " must be \"*\" or a non-empty object");
    }
    for (const auto& [type, values] : v.members) {
        if (type != "AWS" && type != "Service" && type != "Federated" && type != "CanonicalUser") {
            return InvalidArgument("unknown principal type \"" + type + "\" in " +
                                   std::string(element));
        }
        FIREBREAK_RETURN_IF_ERROR(
                ReadStringList(values, std::string(element) + "." + type, &(*out)[type]));
    }
    return Status::Ok();
}

Status ReadConditions(const JsonValue& v, std::vector<PolicyCondition>* out) {
    if (!v.is_object()) {
        return InvalidArgument("Condition must be an object of operators");
    }
    for (const auto& [op, block] : v.members) {
        if (!block.is_object()) {
            return InvalidArgument("Condition operator " + op + " must map keys to values");
        }
        for (const auto& [key, values] : block.members) {
            PolicyCondition c;
            c.op = op;
            c.key = key;
            if (IsScalar(values)) {
                c.values.push_back(ScalarText(values));
            } else if (values.is_array()) {
                for (const JsonValue& item : values.items) {
                    if (!IsScalar(item)) {
                        return InvalidArgument("Condition values of " + op + " " + key +
                                               " must be strings, numbers or booleans");
                    }
                    c.values.push_back(ScalarText(item));
                }
            } else {
                return InvalidArgument("Condition value of " + op + " " + key +
                                       " must be a string or a list");
            }
            out->push_back(std::move(c));
        }
    }
    return Status::Ok();
}

Status ReadStatement(const JsonValue& v, PolicyKind kind, size_t index, PolicyStatement* out) {
    const std::string where = "Statement " + std::to_string(index + 1);
    if (!v.is_object()) {
        return InvalidArgument(where + " is not an object");
    }
    bool have_effect = false;
    bool have_action = false;
    bool have_resource = false;
    bool have_principal = false;
    for (const auto& [key, value] : v.members) {
        const std::string at = where + ": ";
        if (key == "Sid") {
            if (!value.is_string()) {
                return InvalidArgument(at + "Sid must be a string");
            }
            out->sid = value.text;
        } else if (key == "Effect") {
            if (!value.is_string() || (value.text != "Allow" && value.text != "Deny")) {
                return InvalidArgument(at + "Effect must be \"Allow\" or \"Deny\"");
            }
            out->allow = value.text == "Allow";
            have_effect = true;
        } else if (key == "Action" || key == "NotAction") {
            if (have_action) {
                return InvalidArgument(at + "use one of Action and NotAction");
            }
            have_action = true;
            out->not_action = key == "NotAction";
            FIREBREAK_RETURN_IF_ERROR(ReadStringList(value, at + key, &out->actions));
            for (const std::string& action : out->actions) {
                if (!IsValidAction(action)) {
                    return InvalidArgument(at + "action \"" + action +
                                           "\" must be prefaced by a vendor, e.g. ec2:");
                }
            }
        } else if (key == "Resource" || key == "NotResource") {
            if (have_resource) {
                return InvalidArgument(at + "use one of Resource and NotResource");
            }
            if (kind == PolicyKind::kTrust) {
                return InvalidArgument(at + "a trust policy has the prohibited field " + key);
            }
            have_resource = true;
            out->not_resource = key == "NotResource";
            FIREBREAK_RETURN_IF_ERROR(ReadStringList(value, at + key, &out->resources));
        } else if (key == "Principal" || key == "NotPrincipal") {
            if (have_principal) {
                return InvalidArgument(at + "use one of Principal and NotPrincipal");
            }
            if (kind == PolicyKind::kIdentity) {
                return InvalidArgument(at + "an identity-based policy cannot specify a principal");
            }
            have_principal = true;
            out->not_principal = key == "NotPrincipal";
            FIREBREAK_RETURN_IF_ERROR(ReadPrincipal(value, at + key, &out->principals));
        } else if (key == "Condition") {
            FIREBREAK_RETURN_IF_ERROR(ReadConditions(value, &out->conditions));
        } else {
            return InvalidArgument(at + "unknown element \"" + key + "\"");
        }
    }
    if (!have_effect) {
        return InvalidArgument(where + ": missing Effect");
    }
    if (!have_action) {
        return InvalidArgument(where + ": missing Action or NotAction");
    }
    if (kind != PolicyKind::kTrust && !have_resource) {
        return InvalidArgument(where + ": missing Resource or NotResource");
    }
    if (kind != PolicyKind::kIdentity && !have_principal) {
        return InvalidArgument(where + ": missing Principal or NotPrincipal");
    }
    return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Matching

// IAM globs: `*` any run, `?` one character.
GlobPattern CompileGlob(std::string_view pattern, bool case_insensitive) {
    std::vector<GlobPattern::Token> tokens;
    std::string literal;
    auto flush = [&] {
        if (!literal.empty()) {
            tokens.push_back({GlobPattern::TokenKind::kLiteral, std::move(literal)});
            literal.clear();
        }
    };
    for (char c : pattern) {
        if (c == '*' || c == '?') {
            flush();
            tokens.push_back(
                    {c == '*' ? GlobPattern::TokenKind::kAnyRun : GlobPattern::TokenKind::kAnyOne,
                     {}});
        } else {
            literal += c;
        }
    }
    flush();
    return GlobPattern(tokens, case_insensitive);
}

bool GlobMatches(std::string_view pattern, std::string_view text, bool case_insensitive) {
    if (pattern == "*") {
        return true;
    }
    return CompileGlob(pattern, case_insensitive).Matches(text);
}

// Three-valued truth: a condition or variable the sandbox does not understand is kUnknown.
enum class Truth : uint8_t { kFalse, kTrue, kUnknown };

Truth And(Truth a, Truth b) {
    if (a == Truth::kFalse || b == Truth::kFalse) {
        return Truth::kFalse;
    }
    if (a == Truth::kUnknown || b == Truth::kUnknown) {
        return Truth::kUnknown;
    }
    return Truth::kTrue;
}

// A request-context key the sandbox supplies. `supported` false: the sandbox cannot tell.
struct ContextKey {
    bool supported = false;
    std::optional<std::string> value;  // nullopt: absent from this request's context
};

std::string PrincipalArnOf(const CallerIdentity& caller) {
    return caller.type == CallerIdentity::Type::kAssumedRole ? caller.role_arn : caller.arn;
}

ContextKey LookupContextKey(std::string_view key,
                            const CallerIdentity& caller,
                            const RequestContext& context) {
    const std::string k = AsciiLower(key);
    ContextKey out;
    out.supported = true;
    if (k == "aws:principalaccount") {
        out.value = caller.account_id;
    } else if (k == "aws:principalarn") {
        out.value = PrincipalArnOf(caller);
    } else if (k == "aws:principaltype") {
        switch (caller.type) {
            case CallerIdentity::Type::kRoot:
                out.value = "Account";
                break;
            case CallerIdentity::Type::kIamUser:
                out.value = "User";
                break;
            case CallerIdentity::Type::kAssumedRole:
                out.value = "AssumedRole";
                break;
        }
    } else if (k == "aws:userid") {
        out.value = caller.principal_id;
    } else if (k == "aws:username") {
        if (caller.type == CallerIdentity::Type::kIamUser) {
            out.value = caller.user_name;
        }
    } else if (k == "aws:requestedregion") {
        if (!context.requested_region.empty()) {
            out.value = context.requested_region;
        }
    } else if (k == "aws:multifactorauthpresent") {
        // Present only for temporary credentials; absent for long-term access keys (AWS's rule,
        // which makes "Bool false" Deny statements miss access-key calls).
        if (caller.type == CallerIdentity::Type::kAssumedRole) {
            out.value = caller.mfa_authenticated ? "true" : "false";
        }
    } else {
        out.supported = false;
    }
    return out;
}

Truth EvaluateCondition(const PolicyCondition& c,
                        const CallerIdentity& caller,
                        const RequestContext& context) {
    std::string_view op = c.op;
    if (op.find(':') != std::string_view::npos) {
        return Truth::kUnknown;  // ForAnyValue: / ForAllValues: set operators
    }
    bool if_exists = false;
    if (op.ends_with("IfExists")) {
        if_exists = true;
        op.remove_suffix(8);
    }
    for (const std::string& value : c.values) {
        if (value.find("${") != std::string::npos) {
            return Truth::kUnknown;  // policy variables in condition values
        }
    }
    ContextKey key = LookupContextKey(c.key, caller, context);
    if (!key.supported) {
        return Truth::kUnknown;
    }
    if (op == "Null" && !if_exists) {
        for (const std::string& v : c.values) {
            const bool want_absent = AsciiLower(v) == "true";
            if (want_absent == !key.value.has_value()) {
                return Truth::kTrue;
            }
        }
        return Truth::kFalse;
    }
    enum class Compare : uint8_t { kExact, kIgnoreCase, kLike, kBool };

    struct Operator {
        std::string_view name;
        Compare compare;
        bool negated;
    };

    static constexpr Operator kOperators[] = {
            {"StringEquals", Compare::kExact, false},
            {"StringNotEquals", Compare::kExact, true},
            {"StringEqualsIgnoreCase", Compare::kIgnoreCase, false},
            {"StringNotEqualsIgnoreCase", Compare::kIgnoreCase, true},
            {"StringLike", Compare::kLike, false},
            {"StringNotLike", Compare::kLike, true},
            {"ArnEquals", Compare::kLike, false},
            {"ArnLike", Compare::kLike, false},
            {"ArnNotEquals", Compare::kLike, true},
            {"ArnNotLike", Compare::kLike, true},
            {"Bool", Compare::kBool, false},
    };
    const Operator* found = nullptr;
    for (const Operator& candidate : kOperators) {
        if (candidate.name == op) {
            found = &candidate;
        }
    }
    if (found == nullptr) {
        return Truth::kUnknown;
    }
    if (!key.value) {
        // An absent key: ...IfExists and negated operators hold, the others do not.
        return if_exists || found->negated ? Truth::kTrue : Truth::kFalse;
    }
    const std::string& actual = *key.value;
    bool any = false;
    for (const std::string& expected : c.values) {
        switch (found->compare) {
            case Compare::kExact:
                any = actual == expected;
                break;
            case Compare::kIgnoreCase:
                any = AsciiLower(actual) == AsciiLower(expected);
                break;
            case Compare::kLike:
                any = GlobMatches(expected, actual, false);
                break;
            case Compare::kBool:
                any = AsciiLower(actual) == AsciiLower(expected);
                break;
        }
        if (any) {
            break;
        }
    }
    return any != found->negated ? Truth::kTrue : Truth::kFalse;
}

Truth EvaluateConditions(const PolicyStatement& s,
                         const CallerIdentity& caller,
                         const RequestContext& context) {
    Truth all = Truth::kTrue;
    for (const PolicyCondition& c : s.conditions) {
        all = And(all, EvaluateCondition(c, caller, context));
    }
    return all;
}

bool ActionMatches(const PolicyStatement& s, std::string_view action) {
    bool any = std::any_of(s.actions.begin(), s.actions.end(), [&](const std::string& pattern) {
        return GlobMatches(pattern, action, true);
    });
    return any != s.not_action;
}

// Expands the policy variables the sandbox knows in a Resource pattern. Returns kFalse when a
// variable is absent from the request (the pattern then matches nothing), kUnknown for
// variables the sandbox does not supply. ${*}, ${?} and ${$} stand for literal characters and
// become escaped tokens.
Truth MatchResourcePattern(std::string_view pattern,
                           std::string_view resource,
                           const CallerIdentity& caller,
                           const RequestContext& context) {
    if (pattern == "*") {
        return Truth::kTrue;
    }
    std::vector<GlobPattern::Token> tokens;
    std::string literal;
    auto flush = [&] {
        if (!literal.empty()) {
            tokens.push_back({GlobPattern::TokenKind::kLiteral, std::move(literal)});
            literal.clear();
        }
    };
    for (size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '$' && i + 1 < pattern.size() && pattern[i + 1] == '{') {
            const size_t close = pattern.find('}', i + 2);
            if (close == std::string_view::npos) {
                literal += c;
                continue;
            }
            const std::string_view name = pattern.substr(i + 2, close - i - 2);
            i = close;
            if (name == "*" || name == "?" || name == "$") {
                literal += name;
                continue;
            }
            ContextKey key = LookupContextKey(name, caller, context);
            if (!key.supported) {
                return Truth::kUnknown;
            }
            if (!key.value) {
                return Truth::kFalse;
            }
            literal += *key.value;
        } else if (c == '*' || c == '?') {
            flush();
            tokens.push_back(
                    {c == '*' ? GlobPattern::TokenKind::kAnyRun : GlobPattern::TokenKind::kAnyOne,
                     {}});
        } else {
            literal += c;
        }
    }
    flush();
    return GlobPattern(tokens, false).Matches(resource) ? Truth::kTrue : Truth::kFalse;
}

Truth ResourceMatches(const PolicyStatement& s,
                      std::string_view resource,
                      const CallerIdentity& caller,
                      const RequestContext& context) {
    Truth any = Truth::kFalse;
    for (const std::string& pattern : s.resources) {
        Truth t = MatchResourcePattern(pattern, resource, caller, context);
        if (t == Truth::kTrue) {
            any = Truth::kTrue;
            break;
        }
        if (t == Truth::kUnknown) {
            any = Truth::kUnknown;
        }
    }
    if (!s.not_resource || any == Truth::kUnknown) {
        return any;
    }
    return any == Truth::kTrue ? Truth::kFalse : Truth::kTrue;
}

std::string DescribeStatement(const std::string& policy_label,
                              const PolicyStatement& s,
                              size_t index) {
    std::string out = policy_label + " statement " + std::to_string(index + 1);
    if (!s.sid.empty()) {
        out += " (Sid \"" + s.sid + "\")";
    }
    return out;
}

constexpr std::string_view kConservativeNote =
        " (its condition is not evaluated by the sandbox; applied conservatively)";

struct LabelledPolicy {
    std::string label;
    std::string_view document;
};

void AddPolicies(const World& world,
                 std::string_view owner,
                 const std::map<std::string, std::string>& inline_policies,
                 const std::vector<std::string>& attached,
                 std::vector<LabelledPolicy>* out) {
    for (const auto& [name, document] : inline_policies) {
        out->push_back({"inline policy \"" + name + "\" of " + std::string(owner), document});
    }
    for (const std::string& arn : attached) {
        if (const ManagedPolicy* policy = world.FindManagedPolicy(arn)) {
            out->push_back({"policy \"" + arn + "\"", policy->document});
        }
    }
}

// Accumulates the outcome of statements: the first explicit Deny, the first Allow, and a note
// about Allows that could not be applied.
struct Tally {
    std::string deny;
    std::string allow;
    std::string skipped_allow;

    void Add(const PolicyStatement& s, Truth applies, const std::string& description) {
        if (applies == Truth::kFalse) {
            return;
        }
        if (!s.allow) {
            if (deny.empty()) {
                deny = description;
                if (applies == Truth::kUnknown) {
                    deny += kConservativeNote;
                }
            }
        } else if (applies == Truth::kTrue) {
            if (allow.empty()) {
                allow = description;
            }
        } else if (skipped_allow.empty()) {
            skipped_allow = description;
        }
    }
};

}  // namespace

Result<PolicyDocument> ParsePolicyDocument(std::string_view json, PolicyKind kind) {
    Result<JsonValue> parsed = event::ParseJson(json);
    if (!parsed) {
        return InvalidArgument("policy is not valid JSON: " + parsed.error().message());
    }
    const JsonValue& root = *parsed;
    if (!root.is_object()) {
        return InvalidArgument("policy must be a JSON object");
    }
    PolicyDocument doc;
    const JsonValue* statements = nullptr;
    for (const auto& [key, value] : root.members) {
        if (key == "Version") {
            if (!value.is_string() || (value.text != "2012-10-17" && value.text != "2008-10-17")) {
                return InvalidArgument("Version must be \"2012-10-17\" or \"2008-10-17\"");
            }
            doc.version = value.text;
        } else if (key == "Id") {
            if (!value.is_string()) {
                return InvalidArgument("Id must be a string");
            }
        } else if (key == "Statement") {
            statements = &value;
        } else {
            return InvalidArgument("unknown policy element \"" + key + "\"");
        }
    }
    if (statements == nullptr) {
        return InvalidArgument("policy has no Statement");
    }
    if (statements->is_object()) {
        PolicyStatement s;
        FIREBREAK_RETURN_IF_ERROR(ReadStatement(*statements, kind, 0, &s));
        doc.statements.push_back(std::move(s));
    } else if (statements->is_array() && !statements->items.empty()) {
        for (size_t i = 0; i < statements->items.size(); ++i) {
            PolicyStatement s;
            FIREBREAK_RETURN_IF_ERROR(ReadStatement(statements->items[i], kind, i, &s));
            doc.statements.push_back(std::move(s));
        }
    } else {
        return InvalidArgument("Statement must be an object or a non-empty list of objects");
    }
    return doc;
}

Decision Evaluate(const World& world,
                  const CallerIdentity& caller,
                  std::string_view action,
                  std::string_view resource_arn,
                  const RequestContext& context) {
    Decision decision;
    if (caller.type == CallerIdentity::Type::kRoot) {
        decision.allowed = true;
        decision.matched = "root user";
        decision.reason = "the account's root user may perform any action";
        return decision;
    }
    std::vector<LabelledPolicy> policies;
    if (caller.type == CallerIdentity::Type::kIamUser) {
        if (const IamUser* user = world.FindUser(caller.account_id, caller.user_name)) {
            AddPolicies(world,
                        "user " + user->name,
                        user->inline_policies,
                        user->attached_policy_arns,
                        &policies);
        }
    } else if (const IamRole* role = world.FindRole(caller.account_id, caller.role_name)) {
        AddPolicies(world,
                    "role " + role->name,
                    role->inline_policies,
                    role->attached_policy_arns,
                    &policies);
    }
    Tally tally;
    for (const LabelledPolicy& policy : policies) {
        Result<PolicyDocument> doc = ParsePolicyDocument(policy.document, PolicyKind::kIdentity);
        if (!doc) {
            continue;  // refused when stored; a document that slipped in grants nothing
        }
        for (size_t i = 0; i < doc->statements.size(); ++i) {
            const PolicyStatement& s = doc->statements[i];
            if (!ActionMatches(s, action)) {
                continue;
            }
            Truth applies = And(ResourceMatches(s, resource_arn, caller, context),
                                EvaluateConditions(s, caller, context));
            tally.Add(s, applies, DescribeStatement(policy.label, s, i));
        }
    }
    if (!tally.deny.empty()) {
        decision.explicit_deny = true;
        decision.matched = tally.deny;
        decision.reason = "explicitly denied by " + tally.deny;
    } else if (!tally.allow.empty()) {
        decision.allowed = true;
        decision.matched = tally.allow;
        decision.reason = "allowed by " + tally.allow;
    } else {
        decision.reason = "no identity-based policy allows the " + std::string(action) + " action";
        if (!tally.skipped_allow.empty()) {
            decision.reason += "; " + tally.skipped_allow +
                               " was not applied: its condition is not evaluated by the sandbox";
        }
    }
    return decision;
}

Decision CanAssumeRole(const World& world,
                       const CallerIdentity& caller,
                       const IamRole& role,
                       const RequestContext& context) {
    Decision decision;
    if (caller.type == CallerIdentity::Type::kRoot) {
        decision.reason = "the root user cannot call AssumeRole";
        return decision;
    }
    Result<PolicyDocument> trust = ParsePolicyDocument(role.trust_policy, PolicyKind::kTrust);
    if (!trust) {
        decision.reason = "the trust policy of role " + role.name +
                          " is not valid: " + trust.error().message();
        return decision;
    }
    const std::string_view role_account = ArnAccountId(role.arn);
    const std::string label = "trust policy of role " + role.name;
    Tally tally;
    bool exact_principal = false;
    for (size_t i = 0; i < trust->statements.size(); ++i) {
        const PolicyStatement& s = trust->statements[i];
        if (!ActionMatches(s, "sts:AssumeRole")) {
            continue;
        }
        Truth principal = Truth::kFalse;
        bool exact = false;
        if (s.not_principal) {
            principal = Truth::kUnknown;
        } else if (auto it = s.principals.find("AWS"); it != s.principals.end()) {
            for (const std::string& p : it->second) {
                if (p == "*" || p == caller.account_id ||
                    p == "arn:aws:iam::" + caller.account_id + ":root") {
                    principal = Truth::kTrue;
                } else if (p == caller.arn || (caller.type == CallerIdentity::Type::kAssumedRole &&
                                               p == caller.role_arn)) {
                    principal = Truth::kTrue;
                    exact = true;
                }
            }
        }
        Truth applies = And(principal, EvaluateConditions(s, caller, context));
        if (applies == Truth::kTrue && s.allow && exact) {
            exact_principal = true;
        }
        tally.Add(s, applies, DescribeStatement(label, s, i));
    }
    if (!tally.deny.empty()) {
        decision.explicit_deny = true;
        decision.matched = tally.deny;
        decision.reason = "explicitly denied by " + tally.deny;
        return decision;
    }
    if (tally.allow.empty()) {
        decision.reason = "the " + label + " does not allow " + caller.arn + " to assume it";
        if (!tally.skipped_allow.empty()) {
            decision.reason += "; " + tally.skipped_allow +
                               " was not applied: its condition is not evaluated by the sandbox";
        }
        return decision;
    }
    if (exact_principal && role_account == caller.account_id) {
        decision.allowed = true;
        decision.matched = tally.allow;
        decision.reason = "the " + label + " names the caller";
        return decision;
    }
    Decision identity = Evaluate(world, caller, "sts:AssumeRole", role.arn, context);
    decision.explicit_deny = identity.explicit_deny;
    decision.allowed = identity.allowed;
    if (identity.allowed) {
        decision.matched = tally.allow + "; " + identity.matched;
        decision.reason = "allowed by the " + label + " and by " + identity.matched;
    } else {
        decision.matched = identity.matched;
        decision.reason = "the " + label + " allows the caller's account, but " + identity.reason;
    }
    return decision;
}

std::string AccessDeniedMessage(const CallerIdentity& caller,
                                std::string_view action,
                                std::string_view resource_arn,
                                const Decision& decision) {
    std::string out = "User: " + caller.arn +
                      " is not authorized to perform: " + std::string(action) +
                      " on resource: " + std::string(resource_arn);
    if (decision.explicit_deny) {
        out += " with an explicit deny in an identity-based policy";
    } else {
        out += " because no identity-based policy allows the " + std::string(action) + " action";
    }
    return out;
}

}  // namespace firebreak::sandbox
