// File: cloudtrail.h
//
// Typed CloudTrail operations over AwsClient::Json() (JSON 1.1, X-Amz-Target
// com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Op>). Stopping a trail is a classic
// defence-evasion step, so the responder reads a trail's status, starts logging again and looks
// up who called StopLogging.
//
// ListPublicKeys gives the public keys that verify CloudTrail's digest files.
//
// Each operation has a request and a response struct, the encoder of the JSON body botocore sends
// (../shared/notes/aws-wire-protocols.md 1.2), the parser of the reply, and the call itself. The
// encoders and parsers are pure, so tests and the sandbox use them without a transport.
// Timestamps are epoch seconds on the wire (JSON numbers, possibly with fractions); requests send
// whole seconds, as botocore does. A reply whose known members have the wrong JSON type is an
// ApiError with code "InvalidResponse". Responses and such errors carry the reply's
// x-amzn-RequestId.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/aws/error.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::aws::cloudtrail {

using TimePoint = std::chrono::system_clock::time_point;

// ---- StartLogging -------------------------------------------------------------------------------

struct StartLoggingRequest {
    std::string name;  // trail name or trail ARN
};

struct StartLoggingResponse {
    std::string request_id;
};

std::string EncodeStartLoggingJson(const StartLoggingRequest& request);

Outcome<StartLoggingResponse> ParseStartLogging(const JsonReply& reply);

Outcome<StartLoggingResponse> StartLogging(const AwsClient& client,
                                           const StartLoggingRequest& request);

// ---- StopLogging --------------------------------------------------------------------------------

struct StopLoggingRequest {
    std::string name;  // trail name or trail ARN
};

struct StopLoggingResponse {
    std::string request_id;
};

std::string EncodeStopLoggingJson(const StopLoggingRequest& request);

Outcome<StopLoggingResponse> ParseStopLogging(const JsonReply& reply);

Outcome<StopLoggingResponse> StopLogging(const AwsClient& client,
                                         const StopLoggingRequest& request);

// ---- GetTrailStatus -----------------------------------------------------------------------------

struct GetTrailStatusRequest {
    std::string name;  // trail name or trail ARN
};

// The current members of the reply (the legacy string members TimeLoggingStarted/Stopped and
// Latest*Attempt* are not read). Absent times are nullopt, absent errors empty.
struct GetTrailStatusResponse {
    bool is_logging = false;
    std::optional<TimePoint> start_logging_time;
    std::optional<TimePoint> stop_logging_time;
    std::optional<TimePoint> latest_delivery_time;
    std::string latest_delivery_error;  // e.g. "AccessDenied" when the bucket policy changed
    std::optional<TimePoint> latest_notification_time;
    std::string latest_notification_error;
    std::optional<TimePoint> latest_cloud_watch_logs_delivery_time;
    std::string latest_cloud_watch_logs_delivery_error;
    std::optional<TimePoint> latest_digest_delivery_time;
    std::string latest_digest_delivery_error;
    std::string request_id;
};

std::string EncodeGetTrailStatusJson(const GetTrailStatusRequest& request);

Outcome<GetTrailStatusResponse> ParseGetTrailStatus(const JsonReply& reply);

Outcome<GetTrailStatusResponse> GetTrailStatus(const AwsClient& client,
                                               const GetTrailStatusRequest& request);

// ---- DescribeTrails -----------------------------------------------------------------------------

struct DescribeTrailsRequest {
    std::vector<std::string> trail_name_list;  // names or ARNs; empty = every trail of the region
    std::optional<bool>
            include_shadow_trails;  // AWS default: true (replicas of multi-region trails)
};

struct Trail {
    std::string name;
    std::string trail_arn;
    std::string s3_bucket_name;
    std::string s3_key_prefix;
    std::string home_region;
    std::string sns_topic_arn;
    std::string cloud_watch_logs_log_group_arn;
    std::string cloud_watch_logs_role_arn;
    std::string kms_key_id;
    bool is_multi_region_trail = false;
    bool is_organization_trail = false;
    bool log_file_validation_enabled = false;
    bool include_global_service_events = false;
    bool has_custom_event_selectors = false;
    bool has_insight_selectors = false;
};

struct DescribeTrailsResponse {
    std::vector<Trail> trails;
    std::string request_id;
};

// The model's member names are lower camel case here: {"trailNameList":[...],
// "includeShadowTrails":false}.
std::string EncodeDescribeTrailsJson(const DescribeTrailsRequest& request);

Outcome<DescribeTrailsResponse> ParseDescribeTrails(const JsonReply& reply);

Outcome<DescribeTrailsResponse> DescribeTrails(const AwsClient& client,
                                               const DescribeTrailsRequest& request);

// ---- CreateTrail --------------------------------------------------------------------------------

// A new trail does not log until StartLogging. Unset optionals are not sent (AWS defaults:
// IncludeGlobalServiceEvents true, the others false).
struct CreateTrailRequest {
    std::string name;
    std::string s3_bucket_name;
    std::string s3_key_prefix;
    std::optional<bool> is_multi_region_trail;
    std::optional<bool> include_global_service_events;
    std::optional<bool> enable_log_file_validation;
    std::string cloud_watch_logs_log_group_arn;
    std::string cloud_watch_logs_role_arn;
    std::string kms_key_id;
};

// The reply's members as DescribeTrails names them (LogFileValidationEnabled, TrailARN, ...);
// HomeRegion and the selector flags are not in a CreateTrail reply and stay empty / false.
struct CreateTrailResponse {
    Trail trail;
    std::string request_id;
};

std::string EncodeCreateTrailJson(const CreateTrailRequest& request);

Outcome<CreateTrailResponse> ParseCreateTrail(const JsonReply& reply);  // needs TrailARN

Outcome<CreateTrailResponse> CreateTrail(const AwsClient& client,
                                         const CreateTrailRequest& request);

// ---- DeleteTrail --------------------------------------------------------------------------------

struct DeleteTrailRequest {
    std::string name;  // trail name or trail ARN
};

struct DeleteTrailResponse {
    std::string request_id;
};

std::string EncodeDeleteTrailJson(const DeleteTrailRequest& request);

Outcome<DeleteTrailResponse> ParseDeleteTrail(const JsonReply& reply);

Outcome<DeleteTrailResponse> DeleteTrail(const AwsClient& client,
                                         const DeleteTrailRequest& request);

// ---- Get/PutEventSelectors ----------------------------------------------------------------------

// A classic data-event selector: Type "AWS::S3::Object" with ARN prefixes
// ("arn:aws:s3:::bucket/"), "AWS::Lambda::Function", ...
struct DataResource {
    std::string type;
    std::vector<std::string> values;

    bool operator==(const DataResource&) const = default;
};

struct EventSelector {
    std::string read_write_type;  // ReadOnly | WriteOnly | All; empty: not sent (AWS: All)
    std::optional<bool> include_management_events;  // not sent when unset (AWS: true)
    std::vector<DataResource> data_resources;
    std::vector<std::string> exclude_management_event_sources;

    bool operator==(const EventSelector&) const = default;
};

struct GetEventSelectorsRequest {
    std::string trail_name;  // name or ARN
};

// A trail has classic EventSelectors or AdvancedEventSelectors; the advanced ones are not typed
// here, only counted.
struct GetEventSelectorsResponse {
    std::string trail_arn;
    std::vector<EventSelector> event_selectors;
    size_t advanced_event_selector_count = 0;
    std::string request_id;
};

std::string EncodeGetEventSelectorsJson(const GetEventSelectorsRequest& request);

Outcome<GetEventSelectorsResponse> ParseGetEventSelectors(const JsonReply& reply);

Outcome<GetEventSelectorsResponse> GetEventSelectors(const AwsClient& client,
                                                     const GetEventSelectorsRequest& request);

// Replaces the trail's selectors (at most 5 classic selectors).
struct PutEventSelectorsRequest {
    std::string trail_name;  // name or ARN
    std::vector<EventSelector> event_selectors;
};

struct PutEventSelectorsResponse {
    std::string trail_arn;
    std::vector<EventSelector> event_selectors;
    std::string request_id;
};

std::string EncodePutEventSelectorsJson(const PutEventSelectorsRequest& request);

Outcome<PutEventSelectorsResponse> ParsePutEventSelectors(const JsonReply& reply);

Outcome<PutEventSelectorsResponse> PutEventSelectors(const AwsClient& client,
                                                     const PutEventSelectorsRequest& request);

// ---- LookupEvents -------------------------------------------------------------------------------

enum class LookupAttributeKey : uint8_t {
    kEventId,
    kEventName,
    kReadOnly,
    kUsername,
    kResourceType,
    kResourceName,
    kEventSource,
    kAccessKeyId,
};

// The wire name: "EventName", "AccessKeyId", ...
std::string_view LookupAttributeKeyName(LookupAttributeKey key);

struct LookupAttribute {
    LookupAttributeKey key = LookupAttributeKey::kEventName;
    std::string value;
};

struct LookupEventsRequest {
    // CloudTrail accepts at most one attribute per call; more are sent as given and refused by
    // the service.
    std::vector<LookupAttribute> lookup_attributes;
    std::optional<TimePoint> start_time;  // sent as whole epoch seconds
    std::optional<TimePoint> end_time;
    std::optional<int> max_results;  // 1..50 (service default 50)
    std::string next_token;
};

struct EventResource {
    std::string resource_type;  // "AWS::CloudTrail::Trail"
    std::string resource_name;
};

struct Event {
    std::string event_id;
    std::string event_name;
    bool read_only = false;  // the wire carries the STRING "true" / "false"
    std::string access_key_id;
    std::optional<TimePoint> event_time;
    std::string event_source;
    std::string username;
    std::vector<EventResource> resources;
    std::string cloud_trail_event;  // the whole CloudTrail record, as JSON text
};

struct LookupEventsResponse {
    std::vector<Event> events;
    std::string next_token;  // empty when there are no more pages
    std::string request_id;  // LookupAllEvents: the last page's
};

std::string EncodeLookupEventsJson(const LookupEventsRequest& request);

Outcome<LookupEventsResponse> ParseLookupEvents(const JsonReply& reply);

Outcome<LookupEventsResponse> LookupEvents(const AwsClient& client,
                                           const LookupEventsRequest& request);

// Follows NextToken from `request` for at most `max_pages` pages (at least one) and returns the
// events of all of them in order. `next_token` is set when the cap stopped the walk with more
// pages left, so a caller can resume. Any page's error fails the whole call.
Outcome<LookupEventsResponse> LookupAllEvents(const AwsClient& client,
                                              LookupEventsRequest request,
                                              int max_pages = 20);

// ---- ListPublicKeys -----------------------------------------------------------------------------

// The keys CloudTrail signs digest files with, for validating them. Unset times are not sent
// (CloudTrail then uses the current time).
struct ListPublicKeysRequest {
    std::optional<TimePoint> start_time;  // sent as whole epoch seconds
    std::optional<TimePoint> end_time;
    std::string next_token;
};

struct PublicKey {
    std::string value_base64;  // Value: base64 of the DER (PKCS#1 RSAPublicKey), as on the wire
    std::optional<TimePoint> validity_start_time;
    std::optional<TimePoint> validity_end_time;
    std::string fingerprint;
};

struct ListPublicKeysResponse {
    std::vector<PublicKey> public_keys;
    std::string next_token;
    std::string request_id;
};

std::string EncodeListPublicKeysJson(const ListPublicKeysRequest& request);

Outcome<ListPublicKeysResponse> ParseListPublicKeys(const JsonReply& reply);

Outcome<ListPublicKeysResponse> ListPublicKeys(const AwsClient& client,
                                               const ListPublicKeysRequest& request);

// ListPublicKeys following NextToken for at most `max_pages` pages.
Outcome<ListPublicKeysResponse> ListAllPublicKeys(const AwsClient& client,
                                                  ListPublicKeysRequest request,
                                                  int max_pages = 20);

}  // namespace firebreak::aws::cloudtrail
