// File: cloudtrail.cpp
//
// CloudTrail operations: JSON bodies built with the project's JSON escaping, replies read from
// event::JsonValue with type checks on every member read.
#include "firebreak/aws/cloudtrail.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "firebreak/core/text.h"

namespace firebreak::aws::cloudtrail {
namespace {

using event::JsonValue;

// Appends `"key":` to a JSON object under construction, with a comma when needed.
void AppendKey(std::string_view key, std::string* out) {
    if (out->back() != '{')
        out->push_back(',');
    AppendJsonString(key, out);
    out->push_back(':');
}

std::string NameBody(const std::string& name) {
    std::string out = "{";
    AppendKey("Name", &out);
    AppendJsonString(name, &out);
    out.push_back('}');
    return out;
}

int64_t EpochSeconds(TimePoint time) {
    return std::chrono::floor<std::chrono::seconds>(time.time_since_epoch()).count();
}

// Reads members of a reply with type checks; the first mismatch becomes the parse error.
class ReplyReader {
public:
    explicit ReplyReader(std::string operation) : operation_(std::move(operation)) {}

    // The member when present with `type`; nullptr when absent or null; records a mismatch.
    const JsonValue* Get(const JsonValue& object, std::string_view key, JsonValue::Type type) {
        const JsonValue* value = object.Find(key);
        if (value == nullptr || value->type == JsonValue::Type::kNull)
            return nullptr;
        if (value->type != type) {
            Fail(std::string(key) + " has the wrong JSON type");
            return nullptr;
        }
        return value;
    }

    std::string String(const JsonValue& object, std::string_view key) {
        const JsonValue* value = Get(object, key, JsonValue::Type::kString);
        return value != nullptr ? value->text : std::string();
    }

    bool Bool(const JsonValue& object, std::string_view key) {
        const JsonValue* value = Get(object, key, JsonValue::Type::kBool);
        return value != nullptr && value->boolean;
    }

    // Epoch seconds, fractions kept to the microsecond.
    std::optional<TimePoint> Time(const JsonValue& object, std::string_view key) {
        const JsonValue* value = Get(object, key, JsonValue::Type::kNumber);
        if (value == nullptr)
            return std::nullopt;
        ParsedNumber number;
        // Bounded (about year 2255) so the nanosecond clock cannot overflow.
        if (!ParseJsonNumber(value->text, &number) || !std::isfinite(number.value) ||
            std::fabs(number.value) > 9e9) {
            Fail(std::string(key) + " is not an epoch-seconds timestamp");
            return std::nullopt;
        }
        auto micros = std::chrono::microseconds(std::llround(number.value * 1e6));
        return TimePoint(std::chrono::duration_cast<TimePoint::duration>(micros));
    }

    void Fail(std::string what) {
        if (!error_)
            error_ = std::move(what);
    }

    bool ok() const { return !error_.has_value(); }

    ApiError error() const {
        ApiError error = ClientError("InvalidResponse", "reply: " + error_.value_or("malformed"));
        error.operation = operation_;
        return error;
    }

private:
    std::string operation_;
    std::optional<std::string> error_;
};

template <class Response, class Parse>
Outcome<Response> Call(const AwsClient& client,
                       std::string_view operation,
                       std::string body,
                       Parse parse) {
    Outcome<JsonValue> reply = client.Json(ServiceId::kCloudTrail, operation, std::move(body));
    if (!reply)
        return reply.error();
    return parse(*reply);
}

template <class Response>
Outcome<Response> ParseEmpty(const JsonValue& reply, std::string operation) {
    if (!reply.is_object()) {
        ReplyReader reader(std::move(operation));
        reader.Fail("not a JSON object");
        return reader.error();
    }
    return Response{};
}

}  // namespace

std::string EncodeStartLoggingJson(const StartLoggingRequest& request) {
    return NameBody(request.name);
}

Outcome<StartLoggingResponse> ParseStartLogging(const JsonValue& reply) {
    return ParseEmpty<StartLoggingResponse>(reply, "cloudtrail:StartLogging");
}

Outcome<StartLoggingResponse> StartLogging(const AwsClient& client,
                                           const StartLoggingRequest& request) {
    return Call<StartLoggingResponse>(
            client, "StartLogging", EncodeStartLoggingJson(request), ParseStartLogging);
}

std::string EncodeStopLoggingJson(const StopLoggingRequest& request) {
    return NameBody(request.name);
}

Outcome<StopLoggingResponse> ParseStopLogging(const JsonValue& reply) {
    return ParseEmpty<StopLoggingResponse>(reply, "cloudtrail:StopLogging");
}

Outcome<StopLoggingResponse> StopLogging(const AwsClient& client,
                                         const StopLoggingRequest& request) {
    return Call<StopLoggingResponse>(
            client, "StopLogging", EncodeStopLoggingJson(request), ParseStopLogging);
}

std::string EncodeGetTrailStatusJson(const GetTrailStatusRequest& request) {
    return NameBody(request.name);
}

Outcome<GetTrailStatusResponse> ParseGetTrailStatus(const JsonValue& reply) {
    ReplyReader reader("cloudtrail:GetTrailStatus");
    if (!reply.is_object()) {
        reader.Fail("not a JSON object");
        return reader.error();
    }
    GetTrailStatusResponse out;
    out.is_logging = reader.Bool(reply, "IsLogging");
    out.start_logging_time = reader.Time(reply, "StartLoggingTime");
    out.stop_logging_time = reader.Time(reply, "StopLoggingTime");
    out.latest_delivery_time = reader.Time(reply, "LatestDeliveryTime");
    out.latest_delivery_error = reader.String(reply, "LatestDeliveryError");
    out.latest_notification_time = reader.Time(reply, "LatestNotificationTime");
    out.latest_notification_error = reader.String(reply, "LatestNotificationError");
    out.latest_cloud_watch_logs_delivery_time =
            reader.Time(reply, "LatestCloudWatchLogsDeliveryTime");
    out.latest_cloud_watch_logs_delivery_error =
            reader.String(reply, "LatestCloudWatchLogsDeliveryError");
    out.latest_digest_delivery_time = reader.Time(reply, "LatestDigestDeliveryTime");
    out.latest_digest_delivery_error = reader.String(reply, "LatestDigestDeliveryError");
    if (!reader.ok())
        return reader.error();
    return out;
}

Outcome<GetTrailStatusResponse> GetTrailStatus(const AwsClient& client,
                                               const GetTrailStatusRequest& request) {
    return Call<GetTrailStatusResponse>(
            client, "GetTrailStatus", EncodeGetTrailStatusJson(request), ParseGetTrailStatus);
}

std::string EncodeDescribeTrailsJson(const DescribeTrailsRequest& request) {
    std::string out = "{";
    if (!request.trail_name_list.empty()) {
        AppendKey("trailNameList", &out);
        out.push_back('[');
        for (size_t i = 0; i < request.trail_name_list.size(); ++i) {
            if (i > 0)
                out.push_back(',');
            AppendJsonString(request.trail_name_list[i], &out);
        }
        out.push_back(']');
    }
    if (request.include_shadow_trails) {
        AppendKey("includeShadowTrails", &out);
        out += *request.include_shadow_trails ? "true" : "false";
    }
    out.push_back('}');
    return out;
}

Outcome<DescribeTrailsResponse> ParseDescribeTrails(const JsonValue& reply) {
    ReplyReader reader("cloudtrail:DescribeTrails");
    if (!reply.is_object()) {
        reader.Fail("not a JSON object");
        return reader.error();
    }
    DescribeTrailsResponse out;
    if (const JsonValue* list = reader.Get(reply, "trailList", JsonValue::Type::kArray)) {
        for (const JsonValue& item : list->items) {
            if (!item.is_object()) {
                reader.Fail("trailList holds a non-object");
                break;
            }
            Trail trail;
            trail.name = reader.String(item, "Name");
            trail.trail_arn = reader.String(item, "TrailARN");
            trail.s3_bucket_name = reader.String(item, "S3BucketName");
            trail.s3_key_prefix = reader.String(item, "S3KeyPrefix");
            trail.home_region = reader.String(item, "HomeRegion");
            trail.sns_topic_arn = reader.String(item, "SnsTopicARN");
            trail.cloud_watch_logs_log_group_arn = reader.String(item, "CloudWatchLogsLogGroupArn");
            trail.kms_key_id = reader.String(item, "KmsKeyId");
            trail.is_multi_region_trail = reader.Bool(item, "IsMultiRegionTrail");
            trail.is_organization_trail = reader.Bool(item, "IsOrganizationTrail");
            trail.log_file_validation_enabled = reader.Bool(item, "LogFileValidationEnabled");
            trail.include_global_service_events = reader.Bool(item, "IncludeGlobalServiceEvents");
            trail.has_custom_event_selectors = reader.Bool(item, "HasCustomEventSelectors");
            trail.has_insight_selectors = reader.Bool(item, "HasInsightSelectors");
            out.trails.push_back(std::move(trail));
        }
    }
    if (!reader.ok())
        return reader.error();
    return out;
}

Outcome<DescribeTrailsResponse> DescribeTrails(const AwsClient& client,
                                               const DescribeTrailsRequest& request) {
    return Call<DescribeTrailsResponse>(
            client, "DescribeTrails", EncodeDescribeTrailsJson(request), ParseDescribeTrails);
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
        AppendKey("LookupAttributes", &out);
        out.push_back('[');
        for (size_t i = 0; i < request.lookup_attributes.size(); ++i) {
            const LookupAttribute& attribute = request.lookup_attributes[i];
            if (i > 0)
                out.push_back(',');
            out.push_back('{');
            AppendKey("AttributeKey", &out);
            AppendJsonString(LookupAttributeKeyName(attribute.key), &out);
            AppendKey("AttributeValue", &out);
            AppendJsonString(attribute.value, &out);
            out.push_back('}');
        }
        out.push_back(']');
    }
    if (request.start_time) {
        AppendKey("StartTime", &out);
        out += std::to_string(EpochSeconds(*request.start_time));
    }
    if (request.end_time) {
        AppendKey("EndTime", &out);
        out += std::to_string(EpochSeconds(*request.end_time));
    }
    if (request.max_results) {
        AppendKey("MaxResults", &out);
        out += std::to_string(*request.max_results);
    }
    if (!request.next_token.empty()) {
        AppendKey("NextToken", &out);
        AppendJsonString(request.next_token, &out);
    }
    out.push_back('}');
    return out;
}

Outcome<LookupEventsResponse> ParseLookupEvents(const JsonValue& reply) {
    ReplyReader reader("cloudtrail:LookupEvents");
    if (!reply.is_object()) {
        reader.Fail("not a JSON object");
        return reader.error();
    }
    LookupEventsResponse out;
    if (const JsonValue* events = reader.Get(reply, "Events", JsonValue::Type::kArray)) {
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
    out.next_token = reader.String(reply, "NextToken");
    if (!reader.ok())
        return reader.error();
    return out;
}

Outcome<LookupEventsResponse> LookupEvents(const AwsClient& client,
                                           const LookupEventsRequest& request) {
    return Call<LookupEventsResponse>(
            client, "LookupEvents", EncodeLookupEventsJson(request), ParseLookupEvents);
}

Outcome<LookupEventsResponse> LookupAllEvents(const AwsClient& client,
                                              LookupEventsRequest request,
                                              int max_pages) {
    LookupEventsResponse all;
    for (int page = 0; page < std::max(max_pages, 1); ++page) {
        Outcome<LookupEventsResponse> reply = LookupEvents(client, request);
        if (!reply)
            return reply.error();
        for (Event& event : reply->events)
            all.events.push_back(std::move(event));
        all.next_token = std::move(reply->next_token);
        if (all.next_token.empty())
            break;
        request.next_token = all.next_token;
    }
    return all;
}

}  // namespace firebreak::aws::cloudtrail
