// STS: GetCallerIdentity and AssumeRole (the central-security-account pattern: a responder in the
// security account assumes a role in a member account). AssumeRole is recorded in both accounts
// with a shared event id, and is a read-only event, as CloudTrail marks it.
#include "call.h"

namespace firebreak::sandbox {
namespace {

void GetCallerIdentity(Call& call) {
    call.ReplyQuery("<Arn>" + XmlText(call.caller.arn) + "</Arn><UserId>" +
                    XmlText(call.caller.principal_id) + "</UserId><Account>" +
                    XmlText(call.caller.account_id) + "</Account>");
}

// AWS's pattern for RoleSessionName: [\w+=,.@-]{2,64}. Written out rather than with std::regex,
// whose GCC 12 instantiation trips -Wmaybe-uninitialized at -O1.
bool ValidSessionName(const std::string& name) {
    if (name.size() < 2 || name.size() > 64) {
        return false;
    }
    for (char c : name) {
        bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_';
        if (!word && c != '+' && c != '=' && c != ',' && c != '.' && c != '@' && c != '-') {
            return false;
        }
    }
    return true;
}

void AssumeRole(Call& call) {
    std::string role_arn = call.params.GetOr("RoleArn", "");
    std::string session_name = call.params.GetOr("RoleSessionName", "");
    std::string duration_text = call.params.GetOr("DurationSeconds", "3600");
    std::string request =
            "{\"roleArn\":" + JsonText(role_arn) + ",\"roleSessionName\":" + JsonText(session_name);
    if (call.params.Get("DurationSeconds") != nullptr)
        request += ",\"durationSeconds\":" + duration_text;
    request += "}";
    call.request_parameters = request;
    if (role_arn.size() < 20 || session_name.empty()) {
        call.Fail("ValidationError",
                  "1 validation error detected: RoleArn and RoleSessionName are required");
        return;
    }
    if (!ValidSessionName(session_name)) {
        call.Fail("ValidationError",
                  "1 validation error detected: Value '" + session_name +
                          "' at 'roleSessionName' failed to satisfy constraint: Member must "
                          "satisfy regular expression pattern: [\\w+=,.@-]*");
        return;
    }
    int duration = 0;
    for (char c : duration_text) {
        if (c < '0' || c > '9' || duration > 100000) {
            duration = -1;
            break;
        }
        duration = duration * 10 + (c - '0');
    }
    if (duration < 900) {
        call.Fail("ValidationError",
                  "1 validation error detected: Value '" + duration_text +
                          "' at 'durationSeconds' failed to satisfy constraint: Member must have "
                          "value greater than or equal to 900");
        return;
    }
    const IamRole* role = call.world->FindRoleByArn(role_arn);
    std::string role_account(ArnAccountId(role_arn));
    TrailResource resource{role_arn, role_account, "AWS::IAM::Role"};
    call.resources = {resource};
    if (role == nullptr) {
        Decision none;
        call.Fail("AccessDenied",
                  AccessDeniedMessage(call.caller, "sts:AssumeRole", role_arn, none),
                  403);
        return;
    }
    RequestContext context;
    context.requested_region = call.region;
    Decision decision = CanAssumeRole(*call.world, call.caller, *role, context);
    if (!decision.allowed) {
        call.Fail("AccessDenied",
                  AccessDeniedMessage(call.caller, "sts:AssumeRole", role_arn, decision),
                  403);
        return;
    }
    if (duration > role->max_session_duration) {
        call.Fail(
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
        return;
    }
    const RoleSession& session = call.world->IssueSession(
            *role, session_name, call.caller.arn, std::chrono::seconds(duration), false);
    call.mutated = true;
    std::string assumed_arn = AssumedRoleArn(role_account, role->name, session_name);
    std::string assumed_id = role->role_id + ":" + session_name;
    call.ReplyQuery(
            "<AssumedRoleUser><Arn>" + XmlText(assumed_arn) + "</Arn><AssumedRoleId>" +
            XmlText(assumed_id) + "</AssumedRoleId></AssumedRoleUser><Credentials><AccessKeyId>" +
            session.access_key_id + "</AccessKeyId><SecretAccessKey>" + XmlText(session.secret) +
            "</SecretAccessKey><SessionToken>" + XmlText(session.session_token) +
            "</SessionToken><Expiration>" + FormatIsoSeconds(session.expiration) +
            "</Expiration></Credentials><PackedPolicySize>0" + "</PackedPolicySize>");
    // CloudTrail never carries the secret key.
    call.response_elements =
            "{\"credentials\":{\"accessKeyId\":" + JsonText(session.access_key_id) +
            ",\"sessionToken\":" + JsonText(session.session_token) + ",\"expiration\":" +
            JsonText(JavaStyleTime(
                    std::chrono::system_clock::time_point(session.expiration.time_since_epoch()))) +
            "},\"assumedRoleUser\":{\"assumedRoleId\":" + JsonText(assumed_id) +
            ",\"arn\":" + JsonText(assumed_arn) + "}}";
    call.other_account_id = role_account;
    call.other_account_resources = {resource};
}

}  // namespace

void RegisterStsHandlers(HandlerTable* table) {
    (*table)[{Api::kSts, "GetCallerIdentity"}] = {GetCallerIdentity, true};
    (*table)[{Api::kSts, "AssumeRole"}] = {AssumeRole, true};
}

}  // namespace firebreak::sandbox
