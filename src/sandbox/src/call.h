// File: call.h (private to the sandbox)
//
// One API call being served: the parsed request, who is calling, the world, and what the handler
// decides (reply, error, CloudTrail fields). Handlers are plain functions registered per
// (service, action); they read parameters through Call's helpers and answer with the protocol's
// builders so every reply has AWS's exact shape.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/aws/http.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/sandbox/iam_policy.h"
#include "firebreak/sandbox/identity.h"
#include "firebreak/sandbox/trail.h"
#include "firebreak/sandbox/world.h"

namespace firebreak::sandbox {

// The API families the sandbox speaks; ELB classic and v2 share a host but not an API.
enum class Api : uint8_t {
    kEc2,
    kAutoScaling,
    kElb,
    kElbV2,
    kCloudTrail,
    kIam,
    kSts,
    kS3,
    kSsm,
    kSns,
    kSecurityHub
};

// kRestJson: HTTP method and path pick the operation, JSON bodies (Security Hub).
enum class WireProtocol : uint8_t { kEc2, kQuery, kJson, kRestXml, kRestJson };

struct ApiInfo {
    Api api;
    std::string_view event_source;  // "ec2.amazonaws.com"
    WireProtocol protocol;
    std::string_view api_version;
    std::string_view xml_namespace;
    std::string_view iam_prefix;  // "ec2", "elasticloadbalancing", "s3"...
};

const ApiInfo& GetApiInfo(Api api);

// Decoded form parameters (EC2 and query protocols), in order.
class FormParams {
public:
    // Parses application/x-www-form-urlencoded ('+' is a space). False on malformed escapes.
    bool Parse(std::string_view body);

    const std::string* Get(std::string_view name) const;

    std::string GetOr(std::string_view name, std::string_view fallback) const;

    // Name.1, Name.2, ... (EC2) until the first gap.
    std::vector<std::string> List(std::string_view name) const;

    // Name.member.1, ... (query protocol).
    std::vector<std::string> MemberList(std::string_view name) const;

    // Indexes N present for "Prefix.N." keys, ascending ("IpPermissions" -> {1, 2}).
    std::vector<int> Indexes(std::string_view prefix) const;

    const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

private:
    std::vector<std::pair<std::string, std::string>> items_;
};

// Where an S3 request goes and which operation it is (RouteS3, handlers_s3.cpp).
struct S3Target {
    std::string bucket;
    std::string key;     // decoded
    std::string action;  // CloudTrail eventName: "PutObject", "PutBucketPublicAccessBlock"...
};

S3Target RouteS3(const aws::HttpRequest& request);

struct Call {
    // --- request
    const aws::HttpRequest* http = nullptr;
    Api api = Api::kEc2;
    std::string action;  // "StopInstances"; for S3 the CloudTrail eventName ("PutObject")
    std::string region;
    std::string account_id;  // the caller's account: where resources are looked up
    CallerIdentity caller;
    FormParams params;
    event::JsonValue json;  // JSON 1.1 and REST-JSON body (an object)
    S3Target s3;
    std::string source_ip;
    std::string user_agent;
    World* world = nullptr;

    // --- reply
    int status = 200;
    aws::Headers headers;
    std::string body;
    std::string request_id;

    // --- CloudTrail
    std::optional<std::string> request_parameters;  // JSON; nullopt = null
    std::optional<std::string> response_elements;
    std::optional<std::string> additional_event_data;
    std::vector<TrailResource> resources;
    bool read_only = false;
    EventCategory category = EventCategory::kManagement;
    std::optional<std::string> error_code;  // as the API returned it
    std::optional<std::string> error_message;
    bool mutated = false;  // the world changed: persist it
    // A call that acts in another account (AssumeRole into a member account) is recorded there
    // too, with a shared event id, as CloudTrail does.
    std::string other_account_id;
    std::vector<TrailResource> other_account_resources;

    // Is the caller allowed `action` ("ec2:StopInstances") on `resource`? On a denial, sets the
    // protocol's AccessDenied/UnauthorizedOperation reply and returns false.
    bool Authorize(std::string_view iam_action, std::string_view resource = "*");

    // Error reply in the protocol's format; `status` 400 unless given.
    void Fail(std::string code, std::string message, int http_status = 400);

    // Success replies.
    void ReplyEc2(std::string_view inner_xml);  // <OpResponse><requestId/>inner
    void ReplyQuery(std::string_view inner_xml, bool has_result = true);  // <OpResponse><OpResult>
    void ReplyJson(std::string json);  // JSON 1.1 body (application/json for REST-JSON)
    void ReplyS3(int http_status, std::string body, std::string content_type = "application/xml");

    const ApiInfo& info() const { return GetApiInfo(api); }
};

using Handler = void (*)(Call& call);

struct HandlerEntry {
    Handler handler = nullptr;
    bool read_only = false;
};

// (api, action) -> handler. Each service file adds its own.
using HandlerTable = std::map<std::pair<Api, std::string>, HandlerEntry>;

void RegisterEc2Handlers(HandlerTable* table);
void RegisterAutoScalingAndElbHandlers(HandlerTable* table);
void RegisterIamHandlers(HandlerTable* table);
void RegisterStsHandlers(HandlerTable* table);
void RegisterCloudTrailHandlers(HandlerTable* table);
void RegisterSsmSnsHandlers(HandlerTable* table);
void RegisterS3Handlers(HandlerTable* table);
void RegisterSecurityHubHandlers(HandlerTable* table);

// The REST-JSON operation a Security Hub request names by method and path ("" when none).
std::string RouteSecurityHub(const aws::HttpRequest& request);

// CloudTrail ListPublicKeys answered with the sandbox's digest signing keys: the handler table's
// own entry knows no keys, so the server calls this one for that action (handlers_cloudtrail.cpp).
void ListPublicKeysWith(Call& call, const std::vector<DigestPublicKey>& keys);

// Helpers for handlers.
std::string NewUuid();
std::string XmlText(std::string_view text);   // escaped
std::string JsonText(std::string_view text);  // quoted and escaped JSON string

}  // namespace firebreak::sandbox
