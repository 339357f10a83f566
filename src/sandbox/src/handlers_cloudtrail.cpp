// File: handlers_cloudtrail.cpp
//
// CloudTrail (JSON 1.1): StartLogging / StopLogging (a stopped trail really stops recording: the
// server delivers records only to trails whose is_logging is set), GetTrailStatus and
// DescribeTrails. Errors are JSON 1.1 `{"__type":..., "message":...}` with CloudTrail's codes
// (TrailNotFoundException "Unknown trail: NAME for the user: ACCOUNT", ...).
//
// LookupEvents is not served: it needs the history of recorded events, which the world model
// does not hold and a handler cannot see (records are built by the server after the handler).
#include <cstdio>

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

}  // namespace

void RegisterCloudTrailHandlers(HandlerTable* table) {
    (*table)[{Api::kCloudTrail, "StartLogging"}] = {StartLogging, false};
    (*table)[{Api::kCloudTrail, "StopLogging"}] = {StopLogging, false};
    (*table)[{Api::kCloudTrail, "GetTrailStatus"}] = {GetTrailStatus, true};
    (*table)[{Api::kCloudTrail, "DescribeTrails"}] = {DescribeTrails, true};
}

}  // namespace firebreak::sandbox
