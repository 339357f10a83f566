// File: handlers_iam.cpp
//
// IAM (query protocol, global per account): the containment steps a responder takes against a
// compromised user (deactivate access keys, remove the console password, attach a deny-all policy
// or put an inline deny) and the creation of a break-glass user with keys. Validation, error codes,
// messages and HTTP statuses follow IAM's; CloudTrail fields follow
// ../shared/notes/aws-wire-protocols.md 2.3 (responseElements null for no-output and read-only
// calls, Java-style dates, never a secret access key).
#include <algorithm>
#include <cctype>

#include "call.h"

namespace firebreak::sandbox {
namespace {

constexpr size_t kMaxAccessKeysPerUser = 2;
constexpr size_t kMaxAttachedPoliciesPerUser = 10;
constexpr size_t kMaxInlinePolicyBytesPerUser = 2048;  // non-whitespace characters, all documents

std::string JavaTime(Timestamp t) {
    return JavaStyleTime(std::chrono::system_clock::time_point(t.time_since_epoch()));
}

std::string MissingMessage(std::string_view member) {
    return "1 validation error detected: Value null at '" + std::string(member) +
           "' failed to satisfy constraint: Member must not be null";
}

bool IsWordChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// [\w+=,.@-]+ of 1..max_length characters: user, policy and other IAM entity names. Written out
// rather than with std::regex, whose GCC 12 instantiation trips -Wmaybe-uninitialized at -O1.
bool ValidEntityName(const std::string& name, size_t max_length) {
    if (name.empty() || name.size() > max_length) {
        return false;
    }
    for (char c : name) {
        if (!IsWordChar(c) && c != '+' && c != '=' && c != ',' && c != '.' && c != '@' &&
            c != '-') {
            return false;
        }
    }
    return true;
}

// A required name parameter: false (with a ValidationError reply) when it is missing or malformed.
bool RequireName(Call& call,
                 std::string_view param,
                 std::string_view member,
                 size_t max_length,
                 std::string* out) {
    const std::string* value = call.params.Get(param);
    if (value == nullptr) {
        call.Fail("ValidationError", MissingMessage(member));
        return false;
    }
    if (!ValidEntityName(*value, max_length)) {
        call.Fail("ValidationError",
                  "1 validation error detected: Value '" + *value + "' at '" + std::string(member) +
                          "' failed to satisfy constraint: Member must satisfy regular expression "
                          "pattern: [\\w+=,.@-]+");
        return false;
    }
    *out = *value;
    return true;
}

void FailNoSuchUser(Call& call, const std::string& name) {
    call.Fail("NoSuchEntity", "The user with name " + name + " cannot be found.", 404);
}

// The ARN a user-scoped action is authorised against: the user's real ARN (with its path) when it
// exists, else the ARN it would have under "/".
std::string UserResourceArn(const Call& call, const IamUser* user, const std::string& name) {
    return user != nullptr ? user->arn : UserArn(call.account_id, "/", name);
}

// MaxItems and Marker of IAM's list calls. Markers are the decimal index of the next item.
struct Page {
    size_t start = 0;
    size_t max_items = 100;
};

bool ParsePage(Call& call, Page* page) {
    auto parse = [](const std::string& text, size_t limit, size_t* out) {
        if (text.empty() || text.size() > 7)
            return false;
        size_t n = 0;
        for (char c : text) {
            if (c < '0' || c > '9')
                return false;
            n = n * 10 + static_cast<size_t>(c - '0');
        }
        if (n > limit)
            return false;
        *out = n;
        return true;
    };
    if (const std::string* max_items = call.params.Get("MaxItems")) {
        if (!parse(*max_items, 1000, &page->max_items) || page->max_items == 0) {
            call.Fail(
                    "ValidationError",
                    "1 validation error detected: Value '" + *max_items +
                            "' at 'maxItems' failed to satisfy constraint: Member must have value "
                            "between 1 and 1000");
            return false;
        }
    }
    if (const std::string* marker = call.params.Get("Marker")) {
        if (!parse(*marker, 1000000, &page->start)) {
            call.Fail("ValidationError", "Invalid Marker: " + *marker);
            return false;
        }
    }
    return true;
}

// "<IsTruncated>...</IsTruncated>[<Marker>...</Marker>]" for items [page.start, end) of `total`.
std::string PageTail(const Page& page, size_t total) {
    size_t end = std::min(total, page.start + page.max_items);
    if (end < total)
        return "<IsTruncated>true</IsTruncated><Marker>" + std::to_string(end) + "</Marker>";
    return "<IsTruncated>false</IsTruncated>";
}

std::string TagsXml(const Tags& tags) {
    if (tags.empty())
        return "";
    std::string xml = "<Tags>";
    for (const auto& [key, value] : tags) {
        xml += "<member><Key>" + XmlText(key) + "</Key><Value>" + XmlText(value) +
               "</Value></member>";
    }
    return xml + "</Tags>";
}

// --- Users -------------------------------------------------------------------------------------

bool ValidPath(const std::string& path) {
    if (path.empty() || path.size() > 512 || path.front() != '/' || path.back() != '/')
        return false;
    return std::all_of(path.begin(), path.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

bool SameNameIgnoringCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

void CreateUser(Call& call) {
    const std::string* name_param = call.params.Get("UserName");
    const std::string* path_param = call.params.Get("Path");
    std::vector<std::pair<std::string, std::string>> tags;
    for (int i : call.params.Indexes("Tags.member")) {
        std::string prefix = "Tags.member." + std::to_string(i);
        tags.emplace_back(call.params.GetOr(prefix + ".Key", ""),
                          call.params.GetOr(prefix + ".Value", ""));
    }
    std::string request = "{\"userName\":" + (name_param ? JsonText(*name_param) : "null");
    if (path_param != nullptr)
        request += ",\"path\":" + JsonText(*path_param);
    if (!tags.empty()) {
        request += ",\"tags\":[";
        for (size_t i = 0; i < tags.size(); ++i) {
            if (i > 0)
                request += ",";
            request += "{\"key\":" + JsonText(tags[i].first) +
                       ",\"value\":" + JsonText(tags[i].second) + "}";
        }
        request += "]";
    }
    call.request_parameters = request + "}";

    std::string name;
    if (!RequireName(call, "UserName", "userName", 64, &name))
        return;
    std::string path = path_param ? *path_param : "/";
    if (!ValidPath(path)) {
        call.Fail("ValidationError",
                  "The specified value for path is invalid. It must begin and end with / and "
                  "contain only "
                  "alphanumeric characters and/or / characters.");
        return;
    }
    Tags tag_map;
    for (const auto& [key, value] : tags) {
        if (key.empty() || key.size() > 128 || value.size() > 256) {
            call.Fail("ValidationError",
                      "1 validation error detected: Value '" + key +
                              "' at 'tags' failed to satisfy constraint: Member must satisfy "
                              "constraint: [Member must have length less than or equal to 128, "
                              "Member must have length greater than or equal to 1]");
            return;
        }
        if (tag_map.contains(key)) {
            call.Fail("InvalidInput",
                      "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
            return;
        }
        tag_map[key] = value;
    }
    if (tag_map.size() > 50) {
        call.Fail("LimitExceeded", "Cannot exceed quota for TagsPerUser: 50", 409);
        return;
    }
    std::string arn = UserArn(call.account_id, path, name);
    if (!call.Authorize("iam:CreateUser", arn))
        return;
    Account* account = call.world->FindAccount(call.account_id);
    if (account == nullptr) {
        call.Fail(
                "ServiceFailure", "The account of the caller is not in the sandbox's world.", 500);
        return;
    }
    for (const auto& [existing, user] : account->users) {
        if (SameNameIgnoringCase(existing, name)) {
            call.Fail("EntityAlreadyExists", "User with name " + name + " already exists.", 409);
            return;
        }
    }
    IamUser user;
    user.name = name;
    user.user_id = call.world->NewId(IdKind::kUserId);
    user.arn = arn;
    user.path = path;
    user.create_date = call.world->Now();
    user.tags = tag_map;
    const IamUser& stored = account->users[name] = std::move(user);
    call.mutated = true;

    call.ReplyQuery("<User><Path>" + XmlText(stored.path) + "</Path><UserName>" +
                    XmlText(stored.name) + "</UserName><UserId>" + stored.user_id +
                    "</UserId><Arn>" + XmlText(stored.arn) + "</Arn><CreateDate>" +
                    FormatIsoSeconds(stored.create_date) + "</CreateDate>" + TagsXml(stored.tags) +
                    "</User>");
    std::string response = "{\"user\":{\"path\":" + JsonText(stored.path) +
                           ",\"userName\":" + JsonText(stored.name) +
                           ",\"userId\":" + JsonText(stored.user_id) +
                           ",\"arn\":" + JsonText(stored.arn) +
                           ",\"createDate\":" + JsonText(JavaTime(stored.create_date));
    if (!tags.empty()) {
        response += ",\"tags\":[";
        for (size_t i = 0; i < tags.size(); ++i) {
            if (i > 0)
                response += ",";
            response += "{\"key\":" + JsonText(tags[i].first) +
                        ",\"value\":" + JsonText(tags[i].second) + "}";
        }
        response += "]";
    }
    call.response_elements = response + "}}";
}

// --- Access keys -------------------------------------------------------------------------------

// Whose keys a key call is about: a named user, or (UserName omitted) the caller itself, which is
// its IAM user or, for the root user, the account's root keys.
struct KeyOwner {
    IamUser* user = nullptr;                 // null for root keys
    std::vector<AccessKey>* keys = nullptr;  // the owner's keys
    std::string name;                        // user name; empty for root
    std::string arn;                         // what the action is authorised against
};

// Resolves the owner and authorises `action`. False when a reply (error or denial) was written.
bool ResolveKeyOwner(Call& call, std::string_view action, KeyOwner* owner) {
    const std::string* name_param = call.params.Get("UserName");
    if (name_param != nullptr) {
        if (!ValidEntityName(*name_param, 128)) {
            call.Fail("ValidationError",
                      "1 validation error detected: Value '" + *name_param +
                              "' at 'userName' failed to satisfy constraint: Member must satisfy "
                              "regular expression pattern: [\\w+=,.@-]+");
            return false;
        }
        owner->name = *name_param;
        owner->user = call.world->FindUser(call.account_id, owner->name);
        owner->arn = UserResourceArn(call, owner->user, owner->name);
        if (!call.Authorize(action, owner->arn))
            return false;
        if (owner->user == nullptr) {
            FailNoSuchUser(call, owner->name);
            return false;
        }
        owner->keys = &owner->user->access_keys;
        return true;
    }
    switch (call.caller.type) {
        case CallerIdentity::Type::kIamUser:
            owner->name = call.caller.user_name;
            owner->user = call.world->FindUser(call.account_id, owner->name);
            owner->arn = UserResourceArn(call, owner->user, owner->name);
            if (!call.Authorize(action, owner->arn))
                return false;
            if (owner->user == nullptr) {
                FailNoSuchUser(call, owner->name);
                return false;
            }
            owner->keys = &owner->user->access_keys;
            return true;
        case CallerIdentity::Type::kRoot: {
            owner->arn = call.caller.arn;
            if (!call.Authorize(action, owner->arn))
                return false;
            Account* account = call.world->FindAccount(call.account_id);
            if (account == nullptr) {
                call.Fail("ServiceFailure",
                          "The account of the caller is not in the sandbox's world.",
                          500);
                return false;
            }
            owner->keys = &account->root_keys;
            return true;
        }
        case CallerIdentity::Type::kAssumedRole:
            break;
    }
    call.Fail("ValidationError", "Must specify userName when calling with non-User credentials");
    return false;
}

// "<UserName>bob</UserName>" (nothing for root keys).
std::string OwnerXml(const KeyOwner& owner) {
    return owner.name.empty() ? "" : "<UserName>" + XmlText(owner.name) + "</UserName>";
}

std::string UserNameRequest(const Call& call) {
    const std::string* name = call.params.Get("UserName");
    return name ? "{\"userName\":" + JsonText(*name) + "}" : "";
}

void CreateAccessKey(Call& call) {
    std::string request = UserNameRequest(call);
    if (!request.empty())
        call.request_parameters = request;
    KeyOwner owner;
    if (!ResolveKeyOwner(call, "iam:CreateAccessKey", &owner))
        return;
    if (owner.keys->size() >= kMaxAccessKeysPerUser) {
        call.Fail("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409);
        return;
    }
    owner.keys->push_back(call.world->NewAccessKey());
    const AccessKey& key = owner.keys->back();
    call.mutated = true;
    call.ReplyQuery("<AccessKey>" + OwnerXml(owner) + "<AccessKeyId>" + key.id +
                    "</AccessKeyId><Status>" + std::string(KeyStatusName(key.status)) +
                    "</Status><SecretAccessKey>" + XmlText(key.secret) +
                    "</SecretAccessKey><CreateDate>" + FormatIsoSeconds(key.create_date) +
                    "</CreateDate></AccessKey>");
    // The secret access key never goes to CloudTrail.
    std::string response = "{\"accessKey\":{\"accessKeyId\":" + JsonText(key.id) +
                           ",\"status\":" + JsonText(KeyStatusName(key.status));
    if (!owner.name.empty())
        response += ",\"userName\":" + JsonText(owner.name);
    call.response_elements =
            response + ",\"createDate\":" + JsonText(JavaTime(key.create_date)) + "}}";
}

void UpdateAccessKey(Call& call) {
    const std::string* name_param = call.params.Get("UserName");
    const std::string* key_param = call.params.Get("AccessKeyId");
    const std::string* status_param = call.params.Get("Status");
    std::string request = "{";
    if (name_param != nullptr)
        request += "\"userName\":" + JsonText(*name_param) + ",";
    request += "\"accessKeyId\":" + (key_param ? JsonText(*key_param) : "null") +
               ",\"status\":" + (status_param ? JsonText(*status_param) : "null") + "}";
    call.request_parameters = request;
    if (key_param == nullptr) {
        call.Fail("ValidationError", MissingMessage("accessKeyId"));
        return;
    }
    if (status_param == nullptr) {
        call.Fail("ValidationError", MissingMessage("status"));
        return;
    }
    bool key_ok = key_param->size() >= 16 && key_param->size() <= 128 &&
                  std::all_of(key_param->begin(), key_param->end(), IsWordChar);
    if (!key_ok) {
        call.Fail("ValidationError",
                  "1 validation error detected: Value '" + *key_param +
                          "' at 'accessKeyId' failed to satisfy constraint: Member must satisfy "
                          "regular expression pattern: [\\w]+");
        return;
    }
    std::optional<KeyStatus> status = ParseKeyStatus(*status_param);
    if (!status) {
        call.Fail("ValidationError",
                  "1 validation error detected: Value '" + *status_param +
                          "' at 'status' failed to satisfy constraint: Member must satisfy enum "
                          "value set: [Active, Inactive]");
        return;
    }
    KeyOwner owner;
    if (!ResolveKeyOwner(call, "iam:UpdateAccessKey", &owner))
        return;
    auto key = std::find_if(owner.keys->begin(), owner.keys->end(), [&](const AccessKey& k) {
        return k.id == *key_param;
    });
    if (key == owner.keys->end()) {
        call.Fail(
                "NoSuchEntity", "The Access Key with id " + *key_param + " cannot be found.", 404);
        return;
    }
    if (key->status != *status) {
        key->status = *status;  // an Inactive key stops authenticating (World::ResolveAccessKey)
        call.mutated = true;
    }
    call.ReplyQuery("", false);
}

void ListAccessKeys(Call& call) {
    std::string request = UserNameRequest(call);
    if (!request.empty())
        call.request_parameters = request;
    Page page;
    if (!ParsePage(call, &page))
        return;
    KeyOwner owner;
    if (!ResolveKeyOwner(call, "iam:ListAccessKeys", &owner))
        return;
    std::string xml = "<AccessKeyMetadata>";
    for (size_t i = page.start; i < owner.keys->size() && i < page.start + page.max_items; ++i) {
        const AccessKey& key = (*owner.keys)[i];
        xml += "<member>" + OwnerXml(owner) + "<AccessKeyId>" + key.id + "</AccessKeyId><Status>" +
               std::string(KeyStatusName(key.status)) + "</Status><CreateDate>" +
               FormatIsoSeconds(key.create_date) + "</CreateDate></member>";
    }
    call.ReplyQuery(xml + "</AccessKeyMetadata>" + PageTail(page, owner.keys->size()));
}

// GetAccessKeyLastUsed: the key's owner and its last use, read from the event history (the last
// recorded call signed with the key; "N/A" and no date when there is none). A key that is not
// one of the caller's account is refused with AccessDenied, as AWS answers for unknown keys.
void GetAccessKeyLastUsed(Call& call) {
    const std::string* key_param = call.params.Get("AccessKeyId");
    call.request_parameters =
            "{\"accessKeyId\":" + (key_param ? JsonText(*key_param) : "null") + "}";
    if (key_param == nullptr) {
        call.Fail("ValidationError", MissingMessage("accessKeyId"));
        return;
    }
    if (key_param->size() < 16 || key_param->size() > 128 ||
        !std::all_of(key_param->begin(), key_param->end(), IsWordChar)) {
        call.Fail("ValidationError",
                  "1 validation error detected: Value '" + *key_param +
                          "' at 'accessKeyId' failed to satisfy constraint: Member must satisfy "
                          "regular expression pattern: [\\w]+");
        return;
    }
    auto has_key = [&](const std::vector<AccessKey>& keys) {
        return std::any_of(
                keys.begin(), keys.end(), [&](const AccessKey& k) { return k.id == *key_param; });
    };
    const IamUser* owner = nullptr;
    bool root_key = false;
    if (const Account* account = call.world->FindAccount(call.account_id)) {
        root_key = has_key(account->root_keys);
        for (const auto& [name, user] : account->users) {
            if (has_key(user.access_keys))
                owner = &user;
        }
    }
    if (owner == nullptr && !root_key) {
        call.Fail("AccessDenied",
                  "User: " + call.caller.arn +
                          " is not authorized to perform: iam:GetAccessKeyLastUsed on resource: "
                          "access key " +
                          *key_param,
                  403);
        return;
    }
    std::string resource = owner ? owner->arn : "arn:aws:iam::" + call.account_id + ":root";
    if (!call.Authorize("iam:GetAccessKeyLastUsed", resource))
        return;
    const RecordedEvent* last = nullptr;
    for (const RecordedEvent& e : call.world->event_history) {
        if (e.access_key_id == *key_param && (last == nullptr || e.event_time >= last->event_time))
            last = &e;
    }
    std::string xml = owner ? "<UserName>" + XmlText(owner->name) + "</UserName>" : "";
    xml += "<AccessKeyLastUsed>";
    if (last == nullptr) {
        xml += "<ServiceName>N/A</ServiceName><Region>N/A</Region>";
    } else {
        std::string service = last->event_source.substr(0, last->event_source.find('.'));
        xml += "<LastUsedDate>" + FormatIsoSeconds(last->event_time) + "</LastUsedDate>" +
               "<ServiceName>" + XmlText(service) + "</ServiceName><Region>" +
               XmlText(last->region) + "</Region>";
    }
    call.ReplyQuery(xml + "</AccessKeyLastUsed>");
}

// --- Login profile and policies ----------------------------------------------------------------

void DeleteLoginProfile(Call& call) {
    const std::string* name_param = call.params.Get("UserName");
    call.request_parameters =
            "{\"userName\":" + (name_param ? JsonText(*name_param) : "null") + "}";
    std::string name;
    if (!RequireName(call, "UserName", "userName", 64, &name))
        return;
    IamUser* user = call.world->FindUser(call.account_id, name);
    if (!call.Authorize("iam:DeleteLoginProfile", UserResourceArn(call, user, name)))
        return;
    if (user == nullptr) {
        FailNoSuchUser(call, name);
        return;
    }
    if (!user->has_login_profile) {
        call.Fail("NoSuchEntity", "Login Profile for User " + name + " cannot be found.", 404);
        return;
    }
    user->has_login_profile = false;
    call.mutated = true;
    call.ReplyQuery("", false);
}

void AttachUserPolicy(Call& call) {
    const std::string* name_param = call.params.Get("UserName");
    const std::string* arn_param = call.params.Get("PolicyArn");
    call.request_parameters = "{\"userName\":" + (name_param ? JsonText(*name_param) : "null") +
                              ",\"policyArn\":" + (arn_param ? JsonText(*arn_param) : "null") + "}";
    std::string name;
    if (!RequireName(call, "UserName", "userName", 128, &name))
        return;
    if (arn_param == nullptr) {
        call.Fail("ValidationError", MissingMessage("policyArn"));
        return;
    }
    const std::string& policy_arn = *arn_param;
    if (policy_arn.size() < 20 || policy_arn.size() > 2048 ||
        !policy_arn.starts_with("arn:aws:iam::") ||
        policy_arn.find(":policy/") == std::string::npos) {
        call.Fail("InvalidInput", "ARN " + policy_arn + " is not valid.");
        return;
    }
    IamUser* user = call.world->FindUser(call.account_id, name);
    if (!call.Authorize("iam:AttachUserPolicy", UserResourceArn(call, user, name)))
        return;
    if (user == nullptr) {
        FailNoSuchUser(call, name);
        return;
    }
    const ManagedPolicy* policy = call.world->FindManagedPolicy(policy_arn);
    // Customer-managed policies of another account are not attachable.
    if (policy == nullptr ||
        (!policy->aws_managed() && ArnAccountId(policy->arn) != call.account_id)) {
        call.Fail("NoSuchEntity",
                  "Policy " + policy_arn + " does not exist or is not attachable.",
                  404);
        return;
    }
    auto& attached = user->attached_policy_arns;
    if (std::find(attached.begin(), attached.end(), policy_arn) == attached.end()) {
        if (attached.size() >= kMaxAttachedPoliciesPerUser) {
            call.Fail("LimitExceeded", "Cannot exceed quota for PoliciesPerUser: 10", 409);
            return;
        }
        attached.push_back(policy_arn);
        call.mutated = true;
    }
    call.ReplyQuery("", false);
}

size_t NonWhitespaceSize(std::string_view text) {
    return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return c != ' ' && c != '\t' && c != '\n' && c != '\r';
    }));
}

void PutUserPolicy(Call& call) {
    const std::string* name_param = call.params.Get("UserName");
    const std::string* policy_param = call.params.Get("PolicyName");
    const std::string* document_param = call.params.Get("PolicyDocument");
    call.request_parameters =
            "{\"userName\":" + (name_param ? JsonText(*name_param) : "null") +
            ",\"policyName\":" + (policy_param ? JsonText(*policy_param) : "null") +
            ",\"policyDocument\":" + (document_param ? JsonText(*document_param) : "null") + "}";
    std::string name;
    std::string policy_name;
    if (!RequireName(call, "UserName", "userName", 128, &name))
        return;
    if (!RequireName(call, "PolicyName", "policyName", 128, &policy_name))
        return;
    if (document_param == nullptr) {
        call.Fail("ValidationError", MissingMessage("policyDocument"));
        return;
    }
    if (document_param->empty() || document_param->size() > 131072) {
        call.Fail("ValidationError",
                  "1 validation error detected: Value at 'policyDocument' failed to satisfy "
                  "constraint: Member must have length between 1 and 131072");
        return;
    }
    IamUser* user = call.world->FindUser(call.account_id, name);
    if (!call.Authorize("iam:PutUserPolicy", UserResourceArn(call, user, name)))
        return;
    if (user == nullptr) {
        FailNoSuchUser(call, name);
        return;
    }
    Result<PolicyDocument> parsed = ParsePolicyDocument(*document_param, PolicyKind::kIdentity);
    if (!parsed.has_value()) {
        call.Fail("MalformedPolicyDocument", parsed.error().message());
        return;
    }
    size_t total = NonWhitespaceSize(*document_param);
    for (const auto& [other_name, document] : user->inline_policies) {
        if (other_name != policy_name)
            total += NonWhitespaceSize(document);
    }
    if (total > kMaxInlinePolicyBytesPerUser) {
        call.Fail("LimitExceeded",
                  "Maximum policy size of 2048 bytes exceeded for user " + name,
                  409);
        return;
    }
    user->inline_policies[policy_name] = *document_param;
    call.mutated = true;
    call.ReplyQuery("", false);
}

void ListAttachedUserPolicies(Call& call) {
    const std::string* name_param = call.params.Get("UserName");
    const std::string* prefix_param = call.params.Get("PathPrefix");
    std::string request = "{\"userName\":" + (name_param ? JsonText(*name_param) : "null");
    if (prefix_param != nullptr)
        request += ",\"pathPrefix\":" + JsonText(*prefix_param);
    call.request_parameters = request + "}";
    std::string name;
    if (!RequireName(call, "UserName", "userName", 128, &name))
        return;
    std::string prefix = prefix_param ? *prefix_param : "/";
    if (prefix.empty() || prefix.front() != '/') {
        call.Fail("ValidationError",
                  "The specified value for pathPrefix is invalid. It must begin with / and "
                  "contain only alphanumeric characters and/or / characters.");
        return;
    }
    Page page;
    if (!ParsePage(call, &page))
        return;
    IamUser* user = call.world->FindUser(call.account_id, name);
    if (!call.Authorize("iam:ListAttachedUserPolicies", UserResourceArn(call, user, name)))
        return;
    if (user == nullptr) {
        FailNoSuchUser(call, name);
        return;
    }
    std::vector<std::pair<std::string, std::string>> matching;  // (name, arn)
    for (const std::string& arn : user->attached_policy_arns) {
        const ManagedPolicy* policy = call.world->FindManagedPolicy(arn);
        std::string policy_path = policy ? policy->path : "/";
        if (!policy_path.starts_with(prefix))
            continue;
        std::string policy_name = policy ? policy->name : arn.substr(arn.rfind('/') + 1);
        matching.emplace_back(std::move(policy_name), arn);
    }
    std::string xml = "<AttachedPolicies>";
    for (size_t i = page.start; i < matching.size() && i < page.start + page.max_items; ++i) {
        xml += "<member><PolicyName>" + XmlText(matching[i].first) + "</PolicyName><PolicyArn>" +
               XmlText(matching[i].second) + "</PolicyArn></member>";
    }
    call.ReplyQuery(xml + "</AttachedPolicies>" + PageTail(page, matching.size()));
}

}  // namespace

void RegisterIamHandlers(HandlerTable* table) {
    (*table)[{Api::kIam, "CreateUser"}] = {CreateUser, false};
    (*table)[{Api::kIam, "CreateAccessKey"}] = {CreateAccessKey, false};
    (*table)[{Api::kIam, "UpdateAccessKey"}] = {UpdateAccessKey, false};
    (*table)[{Api::kIam, "ListAccessKeys"}] = {ListAccessKeys, true};
    (*table)[{Api::kIam, "GetAccessKeyLastUsed"}] = {GetAccessKeyLastUsed, true};
    (*table)[{Api::kIam, "DeleteLoginProfile"}] = {DeleteLoginProfile, false};
    (*table)[{Api::kIam, "AttachUserPolicy"}] = {AttachUserPolicy, false};
    (*table)[{Api::kIam, "PutUserPolicy"}] = {PutUserPolicy, false};
    (*table)[{Api::kIam, "ListAttachedUserPolicies"}] = {ListAttachedUserPolicies, true};
}

}  // namespace firebreak::sandbox
