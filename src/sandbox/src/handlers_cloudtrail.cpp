// File: handlers_cloudtrail.cpp
//
// CloudTrail (JSON 1.1): StartLogging / StopLogging (a stopped trail really stops recording: the
// server delivers records only to trails whose is_logging is set), GetTrailStatus,
// DescribeTrails and LookupEvents (over World::event_history, which the server fills with every
// management event, logged or not, as CloudTrail's event history does). Errors are JSON 1.1
// `{"__type":..., "message":...}` with CloudTrail's codes (TrailNotFoundException "Unknown trail:
// NAME for the user: ACCOUNT", ...).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <optional>

#include "call.h"

namespace firebreak::sandbox {
namespace {

// Epoch seconds as a JSON number with millisecond fractions ("1793520000.25"), as CloudTrail's
// JSON timestamps are.
std::string EpochSeconds(Timestamp t) {
    long long ms = static_cast<long long>(t.time_since_epoch().count());
    long long seconds = ms / 1000;
    long long fraction = ms % 1000;
    if (fraction < 0) {
        fraction += 1000;
        seconds -= 1;
    }
    char buffer[48];
    std::snprintf(buffer, sizeof(buffer), "%lld.%03lld", seconds, fraction);
    std::string text = buffer;
    while (text.back() == '0' && text[text.size() - 2] != '.')
        text.pop_back();
    return text;
}

const char* Bool(bool value) {
    return value ? "true" : "false";
}

// The trail named by the request's "Name" (name or ARN), authorised for `action`. Writes the
// error or denial reply and returns nullptr when there is none to act on.
Trail* ResolveTrail(Call& call, std::string_view action) {
    const event::JsonValue* name_value = call.json.Find("Name");
    if (name_value != nullptr && name_value->type != event::JsonValue::Type::kNull &&
        !name_value->is_string()) {
        call.request_parameters.reset();
        call.Fail("SerializationException", "Expected a string value for Name");
        return nullptr;
    }
    std::string name = name_value != nullptr && name_value->is_string() ? name_value->text : "";
    call.request_parameters = "{\"name\":" + JsonText(name) + "}";
    if (name.empty()) {
        call.Fail("InvalidTrailNameException", "Trail name or ARN cannot be blank.");
        return nullptr;
    }
    bool is_arn = name.starts_with("arn:");
    if (is_arn &&
        (!name.starts_with("arn:aws:cloudtrail:") || name.find(":trail/") == std::string::npos)) {
        call.Fail("InvalidTrailNameException", "Invalid trail ARN: " + name);
        return nullptr;
    }
    std::string arn = is_arn ? name : TrailArn(call.region, call.account_id, name);
    Trail* trail = call.world->FindTrail(call.account_id, call.region, name);
    if (trail != nullptr)
        arn = trail->arn;
    if (!call.Authorize(action, arn))
        return nullptr;
    if (trail == nullptr) {
        call.Fail("TrailNotFoundException",
                  "Unknown trail: " + name + " for the user: " + call.account_id);
        return nullptr;
    }
    return trail;
}

// Start/StopLogging act on a trail only from its home region (other regions see a shadow trail).
bool RequireHomeRegion(Call& call, const Trail& trail) {
    if (trail.home_region == call.region)
        return true;
    call.Fail("InvalidHomeRegionException",
              "This operation must be called from the trail's home region, " + trail.home_region +
                      ". The trail " + trail.arn + " is a shadow trail in " + call.region + ".");
    return false;
}

void StartLogging(Call& call) {
    Trail* trail = ResolveTrail(call, "cloudtrail:StartLogging");
    if (trail == nullptr || !RequireHomeRegion(call, *trail))
        return;
    if (!trail->is_logging) {
        trail->is_logging = true;
        trail->start_logging_time = call.world->Now();
        call.mutated = true;
    }
    call.ReplyJson("{}");
}

void StopLogging(Call& call) {
    Trail* trail = ResolveTrail(call, "cloudtrail:StopLogging");
    if (trail == nullptr || !RequireHomeRegion(call, *trail))
        return;
    if (trail->is_logging) {
        trail->is_logging = false;
        trail->stop_logging_time = call.world->Now();
        call.mutated = true;
    }
    call.ReplyJson("{}");
}

void GetTrailStatus(Call& call) {
    Trail* trail = ResolveTrail(call, "cloudtrail:GetTrailStatus");
    if (trail == nullptr)
        return;
    std::string reply = "{\"IsLogging\":" + std::string(Bool(trail->is_logging));
    if (trail->start_logging_time)
        reply += ",\"StartLoggingTime\":" + EpochSeconds(*trail->start_logging_time);
    if (trail->stop_logging_time)
        reply += ",\"StopLoggingTime\":" + EpochSeconds(*trail->stop_logging_time);
    if (trail->start_logging_time) {
        reply +=
                ",\"TimeLoggingStarted\":" + JsonText(FormatIsoSeconds(*trail->start_logging_time));
    }
    if (trail->stop_logging_time) {
        reply += ",\"TimeLoggingStopped\":" + JsonText(FormatIsoSeconds(*trail->stop_logging_time));
    }
    call.ReplyJson(reply + "}");
}

std::string TrailJson(const Trail& trail) {
    std::string json =
            "{\"Name\":" + JsonText(trail.name) + ",\"S3BucketName\":" + JsonText(trail.s3_bucket);
    if (!trail.s3_key_prefix.empty())
        json += ",\"S3KeyPrefix\":" + JsonText(trail.s3_key_prefix);
    json += ",\"IncludeGlobalServiceEvents\":" +
            std::string(Bool(trail.include_global_service_events)) +
            ",\"IsMultiRegionTrail\":" + Bool(trail.is_multi_region) +
            ",\"HomeRegion\":" + JsonText(trail.home_region) +
            ",\"TrailARN\":" + JsonText(trail.arn) +
            ",\"LogFileValidationEnabled\":" + Bool(trail.log_file_validation) +
            ",\"HasCustomEventSelectors\":" + Bool(trail.event_selectors.has_value()) +
            ",\"HasInsightSelectors\":false,\"IsOrganizationTrail\":false}";
    return json;
}

void DescribeTrails(Call& call) {
    const event::JsonValue* names_value = call.json.Find("trailNameList");
    const event::JsonValue* shadow_value = call.json.Find("includeShadowTrails");
    bool names_ok = names_value == nullptr || names_value->type == event::JsonValue::Type::kNull ||
                    names_value->is_array();
    if (names_ok && names_value != nullptr && names_value->is_array()) {
        for (const event::JsonValue& item : names_value->items)
            names_ok = names_ok && item.is_string();
    }
    bool shadow_ok = shadow_value == nullptr ||
                     shadow_value->type == event::JsonValue::Type::kNull ||
                     shadow_value->type == event::JsonValue::Type::kBool;
    if (!names_ok || !shadow_ok) {
        call.Fail("SerializationException",
                  !names_ok ? "Expected a list of strings for trailNameList"
                            : "Expected a boolean for includeShadowTrails");
        return;
    }
    std::vector<std::string> names;
    if (names_value != nullptr && names_value->is_array()) {
        for (const event::JsonValue& item : names_value->items)
            names.push_back(item.text);
    }
    bool include_shadow = shadow_value == nullptr ||
                          shadow_value->type != event::JsonValue::Type::kBool ||
                          shadow_value->boolean;
    std::string request;
    if (names_value != nullptr && names_value->is_array()) {
        request += "\"trailNameList\":[";
        for (size_t i = 0; i < names.size(); ++i)
            request += (i > 0 ? "," : "") + JsonText(names[i]);
        request += "]";
    }
    if (shadow_value != nullptr && shadow_value->type == event::JsonValue::Type::kBool) {
        request += std::string(request.empty() ? "" : ",") +
                   "\"includeShadowTrails\":" + Bool(include_shadow);
    }
    if (!request.empty())
        call.request_parameters = "{" + request + "}";
    if (!call.Authorize("cloudtrail:DescribeTrails", "*"))
        return;

    std::vector<const Trail*> found;
    auto add = [&found](const Trail* trail) {
        for (const Trail* seen : found) {
            if (seen == trail)
                return;
        }
        found.push_back(trail);
    };
    for (const auto& [arn, trail] : call.world->trails) {
        if (trail.account_id != call.account_id)
            continue;
        if (names.empty()) {
            // The region's own trails, plus shadows of multi-region trails from elsewhere.
            if (trail.home_region == call.region || (include_shadow && trail.is_multi_region))
                add(&trail);
            continue;
        }
        for (const std::string& name : names) {
            // Names match the region's own trails; other regions' trails need their ARN.
            bool match = name.starts_with("arn:")
                                 ? trail.arn == name
                                 : trail.name == name && trail.home_region == call.region;
            if (match)
                add(&trail);
        }
    }
    std::string reply = "{\"trailList\":[";
    for (size_t i = 0; i < found.size(); ++i)
        reply += (i > 0 ? "," : "") + TrailJson(*found[i]);
    call.ReplyJson(reply + "]}");
}

// LookupEvents: newest first, at most one lookup attribute, time range, pages of up to 50.
void LookupEvents(Call& call) {
    std::string request = "{";
    const event::JsonValue* attributes = call.json.Find("LookupAttributes");
    std::string key;
    std::string value;
    if (attributes != nullptr && attributes->is_array()) {
        request += "\"lookupAttributes\":[";
        for (size_t i = 0; i < attributes->items.size(); ++i) {
            const event::JsonValue& item = attributes->items[i];
            const event::JsonValue* k = item.Find("AttributeKey");
            const event::JsonValue* v = item.Find("AttributeValue");
            std::string ks = k != nullptr && k->is_string() ? k->text : "";
            std::string vs = v != nullptr && v->is_string() ? v->text : "";
            if (i > 0) {
                request += ",";
            }
            request += "{\"attributeKey\":" + JsonText(ks) + ",\"attributeValue\":" + JsonText(vs) +
                       "}";
            key = ks;
            value = vs;
        }
        request += "]";
    }
    auto number = [&](const char* name) -> std::optional<double> {
        const event::JsonValue* n = call.json.Find(name);
        if (n == nullptr || !n->is_number()) {
            return std::nullopt;
        }
        return std::strtod(n->text.c_str(), nullptr);
    };
    std::optional<double> start = number("StartTime");
    std::optional<double> end = number("EndTime");
    std::optional<double> max_results = number("MaxResults");
    const event::JsonValue* token_value = call.json.Find("NextToken");
    std::string token = token_value != nullptr && token_value->is_string() ? token_value->text : "";
    if (max_results) {
        request += std::string(request.size() > 1 ? "," : "") +
                   "\"maxResults\":" + std::to_string(static_cast<int>(*max_results));
    }
    request += "}";
    call.request_parameters = request;
    if (!call.Authorize("cloudtrail:LookupEvents")) {
        return;
    }
    if (attributes != nullptr && attributes->is_array() && attributes->items.size() > 1) {
        call.Fail("InvalidLookupAttributesException",
                  "You cannot specify more than one lookup attribute.");
        return;
    }
    static constexpr std::string_view kKeys[] = {"EventId",
                                                 "EventName",
                                                 "ReadOnly",
                                                 "Username",
                                                 "ResourceType",
                                                 "ResourceName",
                                                 "EventSource",
                                                 "AccessKeyId"};
    if (!key.empty() && std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
        call.Fail("InvalidLookupAttributesException", "Invalid attribute key: " + key);
        return;
    }
    if (start && end && *start > *end) {
        call.Fail("InvalidTimeRangeException", "Start time must be before end time.");
        return;
    }
    int limit = max_results ? static_cast<int>(*max_results) : 50;
    if (limit < 1 || limit > 50) {
        call.Fail("InvalidMaxResultsException", "MaxResults must be between 1 and 50.");
        return;
    }
    size_t offset = 0;
    if (!token.empty()) {
        char* parse_end = nullptr;
        unsigned long long parsed =
                token.rfind("fb1:", 0) == 0 ? std::strtoull(token.c_str() + 4, &parse_end, 10) : 0;
        if (parse_end == nullptr || *parse_end != '\0') {
            call.Fail("InvalidNextTokenException", "Invalid NextToken.");
            return;
        }
        offset = static_cast<size_t>(parsed);
    }
    auto matches = [&](const RecordedEvent& e) {
        if (e.account_id != call.account_id || e.region != call.region) {
            return false;
        }
        double seconds = static_cast<double>(e.event_time.time_since_epoch().count()) / 1000.0;
        if ((start && seconds < *start) || (end && seconds > *end)) {
            return false;
        }
        if (key.empty()) {
            return true;
        }
        if (key == "EventId")
            return e.event_id == value;
        if (key == "EventName")
            return e.event_name == value;
        if (key == "ReadOnly")
            return (e.read_only ? "true" : "false") == value;
        if (key == "Username")
            return e.username == value;
        if (key == "EventSource")
            return e.event_source == value;
        if (key == "AccessKeyId")
            return e.access_key_id == value;
        const auto& list = key == "ResourceType" ? e.resource_types : e.resource_names;
        return std::find(list.begin(), list.end(), value) != list.end();
    };
    std::string events;
    size_t seen = 0;
    int written = 0;
    bool more = false;
    const auto& history = call.world->event_history;
    for (auto it = history.rbegin(); it != history.rend(); ++it) {
        if (!matches(*it)) {
            continue;
        }
        if (seen++ < offset) {
            continue;
        }
        if (written == limit) {
            more = true;
            break;
        }
        const RecordedEvent& e = *it;
        if (written++ > 0) {
            events += ",";
        }
        events += "{\"EventId\":" + JsonText(e.event_id) +
                  ",\"EventName\":" + JsonText(e.event_name) +
                  ",\"ReadOnly\":" + JsonText(e.read_only ? "true" : "false") +
                  ",\"AccessKeyId\":" + JsonText(e.access_key_id) +
                  ",\"EventTime\":" + EpochSeconds(e.event_time) +
                  ",\"EventSource\":" + JsonText(e.event_source) +
                  ",\"Username\":" + JsonText(e.username) + ",\"Resources\":[";
        for (size_t i = 0; i < e.resource_names.size(); ++i) {
            if (i > 0) {
                events += ",";
            }
            events += "{\"ResourceType\":" + JsonText(e.resource_types[i]) +
                      ",\"ResourceName\":" + JsonText(e.resource_names[i]) + "}";
        }
        events += "],\"CloudTrailEvent\":" + JsonText(e.record) + "}";
    }
    std::string reply = "{\"Events\":[" + events + "]";
    if (more) {
        reply += ",\"NextToken\":" +
                 JsonText("fb1:" + std::to_string(offset + static_cast<size_t>(written)));
    }
    reply += "}";
    call.ReplyJson(std::move(reply));
}

}  // namespace

void RegisterCloudTrailHandlers(HandlerTable* table) {
    (*table)[{Api::kCloudTrail, "StartLogging"}] = {StartLogging, false};
    (*table)[{Api::kCloudTrail, "StopLogging"}] = {StopLogging, false};
    (*table)[{Api::kCloudTrail, "GetTrailStatus"}] = {GetTrailStatus, true};
    (*table)[{Api::kCloudTrail, "DescribeTrails"}] = {DescribeTrails, true};
    (*table)[{Api::kCloudTrail, "LookupEvents"}] = {LookupEvents, true};
}

}  // namespace firebreak::sandbox
