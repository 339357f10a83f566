// File: cloudtrail.cpp
//
// CloudTrail operations: JSON bodies built with the project's JSON escaping, replies read from
// event::JsonValue with type checks on every member read.
#include "firebreak/aws/cloudtrail.h"

#include <algorithm>
#include <utility>

#include "firebreak/aws/json_protocol.h"
#include "firebreak/core/text.h"

namespace firebreak::aws::cloudtrail {
namespace {

using event::JsonValue;

std::string NameBody(const std::string& name) {
    std::string out = "{";
    AppendJsonKey("Name", &out);
    AppendJsonString(name, &out);
    out.push_back('}');
    return out;
}

int64_t EpochSeconds(TimePoint time) {
    return std::chrono::floor<std::chrono::seconds>(time.time_since_epoch()).count();
}

constexpr ServiceId kService = ServiceId::kCloudTrail;

// Fails unless the reply is a JSON object; the reader then reads its members.
JsonReplyReader ObjectReader(const JsonReply& reply, std::string_view operation) {
    JsonReplyReader reader(operation, reply.request_id);
    if (!reply.body.is_object())
        reader.Fail("not a JSON object");
    return reader;
}

template <class Response>
Outcome<Response> ParseEmpty(const JsonReply& reply, std::string_view operation) {
    JsonReplyReader reader = ObjectReader(reply, operation);
    if (!reader.ok())
        return reader.error();
    Response out;
    out.request_id = reply.request_id;
    return out;
}

// The members of a trail in DescribeTrails' trailList and CreateTrail's reply.
Trail ReadTrail(JsonReplyReader& reader, const JsonValue& item) {
    Trail trail;
    trail.name = reader.String(item, "Name");
    trail.trail_arn = reader.String(item, "TrailARN");
    trail.s3_bucket_name = reader.String(item, "S3BucketName");
    trail.s3_key_prefix = reader.String(item, "S3KeyPrefix");
    trail.home_region = reader.String(item, "HomeRegion");
    trail.sns_topic_arn = reader.String(item, "SnsTopicARN");
    trail.cloud_watch_logs_log_group_arn = reader.String(item, "CloudWatchLogsLogGroupArn");
    trail.cloud_watch_logs_role_arn = reader.String(item, "CloudWatchLogsRoleArn");
    trail.kms_key_id = reader.String(item, "KmsKeyId");
    trail.is_multi_region_trail = reader.Bool(item, "IsMultiRegionTrail");
    trail.is_organization_trail = reader.Bool(item, "IsOrganizationTrail");
    trail.log_file_validation_enabled = reader.Bool(item, "LogFileValidationEnabled");
    trail.include_global_service_events = reader.Bool(item, "IncludeGlobalServiceEvents");
    trail.has_custom_event_selectors = reader.Bool(item, "HasCustomEventSelectors");
    trail.has_insight_selectors = reader.Bool(item, "HasInsightSelectors");
    return trail;
}

void AppendOptionalString(std::string_view key, const std::string& value, std::string* out) {
    if (!value.empty()) {
        AppendJsonKey(key, out);
        AppendJsonString(value, out);
    }
}

void AppendOptionalBool(std::string_view key, const std::optional<bool>& value, std::string* out) {
    if (value) {
        AppendJsonKey(key, out);
        *out += *value ? "true" : "false";
    }
}

void AppendEventSelectors(const std::vector<EventSelector>& selectors, std::string* out) {
    out->push_back('[');
    for (size_t i = 0; i < selectors.size(); ++i) {
        const EventSelector& selector = selectors[i];
        if (i > 0)
            out->push_back(',');
        out->push_back('{');
        AppendOptionalString("ReadWriteType", selector.read_write_type, out);
        AppendOptionalBool("IncludeManagementEvents", selector.include_management_events, out);
        if (!selector.data_resources.empty()) {
            AppendJsonKey("DataResources", out);
            out->push_back('[');
            for (size_t j = 0; j < selector.data_resources.size(); ++j) {
                if (j > 0)
                    out->push_back(',');
                out->push_back('{');
                AppendJsonKey("Type", out);
                AppendJsonString(selector.data_resources[j].type, out);
                AppendJsonKey("Values", out);
                AppendJsonStringArray(selector.data_resources[j].values, out);
                out->push_back('}');
            }
            out->push_back(']');
        }
        if (!selector.exclude_management_event_sources.empty()) {
            AppendJsonKey("ExcludeManagementEventSources", out);
            AppendJsonStringArray(selector.exclude_management_event_sources, out);
        }
        out->push_back('}');
    }
    out->push_back(']');
}

std::vector<EventSelector> ReadEventSelectors(JsonReplyReader& reader, const JsonValue& body) {
    std::vector<EventSelector> selectors;
    const JsonValue* list = reader.Get(body, "EventSelectors", JsonValue::Type::kArray);
    if (list == nullptr)
        return selectors;
    for (const JsonValue& item : list->items) {
        if (!item.is_object()) {
            reader.Fail("EventSelectors holds a non-object");
            break;
        }
        EventSelector selector;
        selector.read_write_type = reader.String(item, "ReadWriteType");
        if (reader.Get(item, "IncludeManagementEvents", JsonValue::Type::kBool) != nullptr)
            selector.include_management_events = reader.Bool(item, "IncludeManagementEvents");
        if (const JsonValue* resources =
                    reader.Get(item, "DataResources", JsonValue::Type::kArray)) {
            for (const JsonValue& resource : resources->items) {
                if (!resource.is_object()) {
                    reader.Fail("DataResources holds a non-object");
                    break;
                }
                DataResource data;
                data.type = reader.String(resource, "Type");
                if (const JsonValue* values =
                            reader.Get(resource, "Values", JsonValue::Type::kArray)) {
                    data.values = reader.Strings(*values, "Values");
                }
                selector.data_resources.push_back(std::move(data));
            }
        }
        if (const JsonValue* sources =
                    reader.Get(item, "ExcludeManagementEventSources", JsonValue::Type::kArray)) {
            selector.exclude_management_event_sources =
                    reader.Strings(*sources, "ExcludeManagementEventSources");
        }
        selectors.push_back(std::move(selector));
    }
    return selectors;
}

// Follows NextToken from `request` for at most `max_pages` pages (at least one), appending each
// page's `items`; the result carries the last page's next_token and request id.
template <class Request, class Response, class Item>
Outcome<Response> AllPages(const AwsClient& client,
                           Request request,
                           int max_pages,
                           Outcome<Response> (*call)(const AwsClient&, const Request&),
                           std::vector<Item> Response::*items) {
    Response all;
    for (int page = 0; page < std::max(max_pages, 1); ++page) {
        Outcome<Response> reply = call(client, request);
        if (!reply)
            return reply.error();
        for (Item& item : (*reply).*items)
            (all.*items).push_back(std::move(item));
        all.next_token = std::move(reply->next_token);
        all.request_id = std::move(reply->request_id);
        if (all.next_token.empty())
            break;
        request.next_token = all.next_token;
    }
    return all;
}

}  // namespace

std::string EncodeStartLoggingJson(const StartLoggingRequest& request) {
    return NameBody(request.name);
}

Outcome<StartLoggingResponse> ParseStartLogging(const JsonReply& reply) {
    return ParseEmpty<StartLoggingResponse>(reply, "cloudtrail:StartLogging");
}

Outcome<StartLoggingResponse> StartLogging(const AwsClient& client,
                                           const StartLoggingRequest& request) {
    return CallJson(
            client, kService, "StartLogging", EncodeStartLoggingJson(request), ParseStartLogging);
}

std::string EncodeStopLoggingJson(const StopLoggingRequest& request) {
    return NameBody(request.name);
}

Outcome<StopLoggingResponse> ParseStopLogging(const JsonReply& reply) {
    return ParseEmpty<StopLoggingResponse>(reply, "cloudtrail:StopLogging");
}

Outcome<StopLoggingResponse> StopLogging(const AwsClient& client,
                                         const StopLoggingRequest& request) {
    return CallJson(
            client, kService, "StopLogging", EncodeStopLoggingJson(request), ParseStopLogging);
}

std::string EncodeGetTrailStatusJson(const GetTrailStatusRequest& request) {
    return NameBody(request.name);
}

Outcome<GetTrailStatusResponse> ParseGetTrailStatus(const JsonReply& reply) {
    JsonReplyReader reader = ObjectReader(reply, "cloudtrail:GetTrailStatus");
    if (!reader.ok())
        return reader.error();
    const JsonValue& body = reply.body;
    GetTrailStatusResponse out;
    out.is_logging = reader.Bool(body, "IsLogging");
    out.start_logging_time = reader.Time(body, "StartLoggingTime");
    out.stop_logging_time = reader.Time(body, "StopLoggingTime");
    out.latest_delivery_time = reader.Time(body, "LatestDeliveryTime");
    out.latest_delivery_error = reader.String(body, "LatestDeliveryError");
    out.latest_notification_time = reader.Time(body, "LatestNotificationTime");
    out.latest_notification_error = reader.String(body, "LatestNotificationError");
    out.latest_cloud_watch_logs_delivery_time =
            reader.Time(body, "LatestCloudWatchLogsDeliveryTime");
    out.latest_cloud_watch_logs_delivery_error =
            reader.String(body, "LatestCloudWatchLogsDeliveryError");
    out.latest_digest_delivery_time = reader.Time(body, "LatestDigestDeliveryTime");
    out.latest_digest_delivery_error = reader.String(body, "LatestDigestDeliveryError");
    if (!reader.ok())
        return reader.error();
    out.request_id = reply.request_id;
    return out;
}

Outcome<GetTrailStatusResponse> GetTrailStatus(const AwsClient& client,
                                               const GetTrailStatusRequest& request) {
    return CallJson(client,
                    kService,
                    "GetTrailStatus",
                    EncodeGetTrailStatusJson(request),
                    ParseGetTrailStatus);
}

std::string EncodeDescribeTrailsJson(const DescribeTrailsRequest& request) {
    std::string out = "{";
    if (!request.trail_name_list.empty()) {
        AppendJsonKey("trailNameList", &out);
        AppendJsonStringArray(request.trail_name_list, &out);
    }
    if (request.include_shadow_trails) {
        AppendJsonKey("includeShadowTrails", &out);
        out += *request.include_shadow_trails ? "true" : "false";
    }
    out.push_back('}');
    return out;
}

Outcome<DescribeTrailsResponse> ParseDescribeTrails(const JsonReply& reply) {
    JsonReplyReader reader = ObjectReader(reply, "cloudtrail:DescribeTrails");
    if (!reader.ok())
        return reader.error();
    const JsonValue& body = reply.body;
    DescribeTrailsResponse out;
    if (const JsonValue* list = reader.Get(body, "trailList", JsonValue::Type::kArray)) {
        for (const JsonValue& item : list->items) {
            if (!item.is_object()) {
                reader.Fail("trailList holds a non-object");
                break;
            }
            Trail trail = ReadTrail(reader, item);
            out.trails.push_back(std::move(trail));
        }
    }
    if (!reader.ok())
        return reader.error();
    out.request_id = reply.request_id;
    return out;
}

Outcome<DescribeTrailsResponse> DescribeTrails(const AwsClient& client,
                                               const DescribeTrailsRequest& request) {
    return CallJson(client,
                    kService,
                    "DescribeTrails",
                    EncodeDescribeTrailsJson(request),
                    ParseDescribeTrails);
}

std::string_view LookupAttributeKeyName(LookupAttributeKey key) {
    switch (key) {
        case LookupAttributeKey::kEventId:
            return "EventId";
        case LookupAttributeKey::kEventName:
            return "EventName";
        case LookupAttributeKey::kReadOnly:
            return "ReadOnly";
        case LookupAttributeKey::kUsername:
            return "Username";
        case LookupAttributeKey::kResourceType:
            return "ResourceType";
        case LookupAttributeKey::kResourceName:
            return "ResourceName";
        case LookupAttributeKey::kEventSource:
            return "EventSource";
        case LookupAttributeKey::kAccessKeyId:
            return "AccessKeyId";
    }
    return "EventName";
}

std::string EncodeLookupEventsJson(const LookupEventsRequest& request) {
    std::string out = "{";
    if (!request.lookup_attributes.empty()) {
        AppendJsonKey("LookupAttributes", &out);
        out.push_back('[');
        for (size_t i = 0; i < request.lookup_attributes.size(); ++i) {
            const LookupAttribute& attribute = request.lookup_attributes[i];
            if (i > 0)
                out.push_back(',');
            out.push_back('{');
            AppendJsonKey("AttributeKey", &out);
            AppendJsonString(LookupAttributeKeyName(attribute.key), &out);
            AppendJsonKey("AttributeValue", &out);
            AppendJsonString(attribute.value, &out);
            out.push_back('}');
        }
        out.push_back(']');
    }
    if (request.start_time) {
        AppendJsonKey("StartTime", &out);
        out += std::to_string(EpochSeconds(*request.start_time));
    }
    if (request.end_time) {
        AppendJsonKey("EndTime", &out);
        out += std::to_string(EpochSeconds(*request.end_time));
    }
    if (request.max_results) {
        AppendJsonKey("MaxResults", &out);
        out += std::to_string(*request.max_results);
    }
    if (!request.next_token.empty()) {
        AppendJsonKey("NextToken", &out);
        AppendJsonString(request.next_token, &out);
    }
    out.push_back('}');
    return out;
}

Outcome<LookupEventsResponse> ParseLookupEvents(const JsonReply& reply) {
    JsonReplyReader reader = ObjectReader(reply, "cloudtrail:LookupEvents");
    if (!reader.ok())
        return reader.error();
    const JsonValue& body = reply.body;
    LookupEventsResponse out;
    if (const JsonValue* events = reader.Get(body, "Events", JsonValue::Type::kArray)) {
        for (const JsonValue& item : events->items) {
            if (!item.is_object()) {
                reader.Fail("Events holds a non-object");
                break;
            }
            Event event;
            event.event_id = reader.String(item, "EventId");
            event.event_name = reader.String(item, "EventName");
            std::string read_only = reader.String(item, "ReadOnly");
            if (read_only == "true") {
                event.read_only = true;
            } else if (!read_only.empty() && read_only != "false") {
                reader.Fail("ReadOnly is neither \"true\" nor \"false\"");
            }
            event.access_key_id = reader.String(item, "AccessKeyId");
            event.event_time = reader.Time(item, "EventTime");
            event.event_source = reader.String(item, "EventSource");
            event.username = reader.String(item, "Username");
            if (const JsonValue* resources =
                        reader.Get(item, "Resources", JsonValue::Type::kArray)) {
                for (const JsonValue& resource : resources->items) {
                    if (!resource.is_object()) {
                        reader.Fail("Resources holds a non-object");
                        break;
                    }
                    event.resources.push_back({reader.String(resource, "ResourceType"),
                                               reader.String(resource, "ResourceName")});
                }
            }
            event.cloud_trail_event = reader.String(item, "CloudTrailEvent");
            out.events.push_back(std::move(event));
        }
    }
    out.next_token = reader.String(body, "NextToken");
    if (!reader.ok())
        return reader.error();
    out.request_id = reply.request_id;
    return out;
}

Outcome<LookupEventsResponse> LookupEvents(const AwsClient& client,
                                           const LookupEventsRequest& request) {
    return CallJson(
            client, kService, "LookupEvents", EncodeLookupEventsJson(request), ParseLookupEvents);
}

Outcome<LookupEventsResponse> LookupAllEvents(const AwsClient& client,
                                              LookupEventsRequest request,
                                              int max_pages) {
    return AllPages(
            client, std::move(request), max_pages, LookupEvents, &LookupEventsResponse::events);
}

// ---- CreateTrail / DeleteTrail ------------------------------------------------------------------

std::string EncodeCreateTrailJson(const CreateTrailRequest& request) {
    std::string out = "{";
    AppendJsonKey("Name", &out);
    AppendJsonString(request.name, &out);
    AppendJsonKey("S3BucketName", &out);
    AppendJsonString(request.s3_bucket_name, &out);
    AppendOptionalString("S3KeyPrefix", request.s3_key_prefix, &out);
    AppendOptionalBool("IncludeGlobalServiceEvents", request.include_global_service_events, &out);
    AppendOptionalBool("IsMultiRegionTrail", request.is_multi_region_trail, &out);
    AppendOptionalBool("EnableLogFileValidation", request.enable_log_file_validation, &out);
    AppendOptionalString("CloudWatchLogsLogGroupArn", request.cloud_watch_logs_log_group_arn, &out);
    AppendOptionalString("CloudWatchLogsRoleArn", request.cloud_watch_logs_role_arn, &out);
    AppendOptionalString("KmsKeyId", request.kms_key_id, &out);
    out.push_back('}');
    return out;
}

Outcome<CreateTrailResponse> ParseCreateTrail(const JsonReply& reply) {
    JsonReplyReader reader = ObjectReader(reply, "cloudtrail:CreateTrail");
    if (!reader.ok())
        return reader.error();
    CreateTrailResponse out;
    out.trail = ReadTrail(reader, reply.body);
    if (reader.ok() && out.trail.trail_arn.empty())
        reader.Fail("TrailARN is missing");
    if (!reader.ok())
        return reader.error();
    out.request_id = reply.request_id;
    return out;
}

Outcome<CreateTrailResponse> CreateTrail(const AwsClient& client,
                                         const CreateTrailRequest& request) {
    return CallJson(
            client, kService, "CreateTrail", EncodeCreateTrailJson(request), ParseCreateTrail);
}

std::string EncodeDeleteTrailJson(const DeleteTrailRequest& request) {
    return NameBody(request.name);
}

Outcome<DeleteTrailResponse> ParseDeleteTrail(const JsonReply& reply) {
    return ParseEmpty<DeleteTrailResponse>(reply, "cloudtrail:DeleteTrail");
}

Outcome<DeleteTrailResponse> DeleteTrail(const AwsClient& client,
                                         const DeleteTrailRequest& request) {
    return CallJson(
            client, kService, "DeleteTrail", EncodeDeleteTrailJson(request), ParseDeleteTrail);
}

// ---- Get/PutEventSelectors ----------------------------------------------------------------------

std::string EncodeGetEventSelectorsJson(const GetEventSelectorsRequest& request) {
    std::string out = "{";
    AppendJsonKey("TrailName", &out);
    AppendJsonString(request.trail_name, &out);
    out.push_back('}');
    return out;
}

Outcome<GetEventSelectorsResponse> ParseGetEventSelectors(const JsonReply& reply) {
    JsonReplyReader reader = ObjectReader(reply, "cloudtrail:GetEventSelectors");
    if (!reader.ok())
        return reader.error();
    GetEventSelectorsResponse out;
    out.trail_arn = reader.String(reply.body, "TrailARN");
    out.event_selectors = ReadEventSelectors(reader, reply.body);
    if (const JsonValue* advanced =
                reader.Get(reply.body, "AdvancedEventSelectors", JsonValue::Type::kArray)) {
        out.advanced_event_selector_count = advanced->items.size();
    }
    if (!reader.ok())
        return reader.error();
    out.request_id = reply.request_id;
    return out;
}

Outcome<GetEventSelectorsResponse> GetEventSelectors(const AwsClient& client,
                                                     const GetEventSelectorsRequest& request) {
    return CallJson(client,
                    kService,
                    "GetEventSelectors",
                    EncodeGetEventSelectorsJson(request),
                    ParseGetEventSelectors);
}

std::string EncodePutEventSelectorsJson(const PutEventSelectorsRequest& request) {
    std::string out = "{";
    AppendJsonKey("TrailName", &out);
    AppendJsonString(request.trail_name, &out);
    AppendJsonKey("EventSelectors", &out);
    AppendEventSelectors(request.event_selectors, &out);
    out.push_back('}');
    return out;
}

Outcome<PutEventSelectorsResponse> ParsePutEventSelectors(const JsonReply& reply) {
    JsonReplyReader reader = ObjectReader(reply, "cloudtrail:PutEventSelectors");
    if (!reader.ok())
        return reader.error();
    PutEventSelectorsResponse out;
    out.trail_arn = reader.String(reply.body, "TrailARN");
    out.event_selectors = ReadEventSelectors(reader, reply.body);
    if (!reader.ok())
        return reader.error();
    out.request_id = reply.request_id;
    return out;
}

Outcome<PutEventSelectorsResponse> PutEventSelectors(const AwsClient& client,
                                                     const PutEventSelectorsRequest& request) {
    return CallJson(client,
                    kService,
                    "PutEventSelectors",
                    EncodePutEventSelectorsJson(request),
                    ParsePutEventSelectors);
}

// ---- ListPublicKeys -----------------------------------------------------------------------------

std::string EncodeListPublicKeysJson(const ListPublicKeysRequest& request) {
    std::string out = "{";
    if (request.start_time) {
        AppendJsonKey("StartTime", &out);
        out += std::to_string(EpochSeconds(*request.start_time));
    }
    if (request.end_time) {
        AppendJsonKey("EndTime", &out);
        out += std::to_string(EpochSeconds(*request.end_time));
    }
    AppendOptionalString("NextToken", request.next_token, &out);
    out.push_back('}');
    return out;
}

Outcome<ListPublicKeysResponse> ParseListPublicKeys(const JsonReply& reply) {
    JsonReplyReader reader = ObjectReader(reply, "cloudtrail:ListPublicKeys");
    if (!reader.ok())
        return reader.error();
    const JsonValue& body = reply.body;
    ListPublicKeysResponse out;
    if (const JsonValue* list = reader.Get(body, "PublicKeyList", JsonValue::Type::kArray)) {
        for (const JsonValue& item : list->items) {
            if (!item.is_object()) {
                reader.Fail("PublicKeyList holds a non-object");
                break;
            }
            PublicKey key;
            key.value_base64 = reader.String(item, "Value");
            key.validity_start_time = reader.Time(item, "ValidityStartTime");
            key.validity_end_time = reader.Time(item, "ValidityEndTime");
            key.fingerprint = reader.String(item, "Fingerprint");
            out.public_keys.push_back(std::move(key));
        }
    }
    out.next_token = reader.String(body, "NextToken");
    if (!reader.ok())
        return reader.error();
    out.request_id = reply.request_id;
    return out;
}

Outcome<ListPublicKeysResponse> ListPublicKeys(const AwsClient& client,
                                               const ListPublicKeysRequest& request) {
    return CallJson(client,
                    kService,
                    "ListPublicKeys",
                    EncodeListPublicKeysJson(request),
                    ParseListPublicKeys);
}

Outcome<ListPublicKeysResponse> ListAllPublicKeys(const AwsClient& client,
                                                  ListPublicKeysRequest request,
                                                  int max_pages) {
    return AllPages(client,
                    std::move(request),
                    max_pages,
                    ListPublicKeys,
                    &ListPublicKeysResponse::public_keys);
}

}  // namespace firebreak::aws::cloudtrail
