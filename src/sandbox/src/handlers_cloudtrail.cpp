// File: handlers_cloudtrail.cpp
//
// CloudTrail (JSON 1.1): StartLogging / StopLogging (a stopped trail really stops recording: the
// server delivers records only to trails whose is_logging is set), GetTrailStatus,
// DescribeTrails and LookupEvents (over World::event_history, which the server fills with every
// management event, logged or not, as CloudTrail's event history does), ListPublicKeys (the
// server passes its digest signing key to ListPublicKeysWith). Errors are JSON 1.1
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

// The trail named by the request's `key` member ("Name", or "TrailName"; a name or an ARN),
// authorised for `action`; requestParameters get {"name": ...} or {"trailName": ...}. Writes the
// error or denial reply and returns nullptr when there is none to act on.
Trail* ResolveTrail(Call& call, std::string_view action, std::string_view key = "Name") {
    const event::JsonValue* name_value = call.json.Find(key);
    if (name_value != nullptr && name_value->type != event::JsonValue::Type::kNull &&
        !name_value->is_string()) {
        call.request_parameters.reset();
        call.Fail("SerializationException", "Expected a string value for " + std::string(key));
        return nullptr;
    }
    std::string name = name_value != nullptr && name_value->is_string() ? name_value->text : "";
    std::string parameter(key);
    parameter[0] = static_cast<char>(parameter[0] - 'A' + 'a');
    call.request_parameters = "{" + JsonText(parameter) + ":" + JsonText(name) + "}";
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

// ,"CloudWatchLogsLogGroupArn":...,"CloudWatchLogsRoleArn":...,"KmsKeyId":... for those set;
// `camel` writes CloudTrail records' lower-camel names.
std::string OptionalMembers(const Trail& trail, bool camel) {
    std::string out;
    auto add = [&](std::string_view name, const std::string& value) {
        if (value.empty())
            return;
        std::string key(name);
        if (camel)
            key[0] = static_cast<char>(key[0] - 'A' + 'a');
        out += "," + JsonText(key) + ":" + JsonText(value);
    };
    add("CloudWatchLogsLogGroupArn", trail.cloud_watch_logs_log_group_arn);
    add("CloudWatchLogsRoleArn", trail.cloud_watch_logs_role_arn);
    add("KmsKeyId", trail.kms_key_id);
    return out;
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
            ",\"LogFileValidationEnabled\":" + Bool(trail.log_file_validation);
    json += OptionalMembers(trail, false);
    json += ",\"HasCustomEventSelectors\":" + std::string(Bool(trail.event_selectors.has_value())) +
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

// ---------------------------------------------------------------------------------------------
// CreateTrail, DeleteTrail

// CloudTrail's naming rules: 3..128 characters of letters, digits, '.', '_' and '-', starting
// and ending with a letter or digit, no two of '.', '_', '-' in a row, not an IP address.
bool ValidTrailName(std::string_view name) {
    if (name.size() < 3 || name.size() > 128)
        return false;
    auto alnum = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    };
    auto punct = [](char c) {
        return c == '.' || c == '_' || c == '-';
    };
    if (!alnum(name.front()) || !alnum(name.back()))
        return false;
    bool all_digits_and_dots = true;
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        if (!alnum(c) && !punct(c))
            return false;
        if (punct(c) && i > 0 && punct(name[i - 1]))
            return false;
        if (!(c == '.' || (c >= '0' && c <= '9')))
            all_digits_and_dots = false;
    }
    return !all_digits_and_dots;
}

// A JSON member of the request that must be a string (or absent/null).
bool StringMember(Call& call, std::string_view key, std::string* out) {
    const event::JsonValue* v = call.json.Find(key);
    if (v == nullptr || v->type == event::JsonValue::Type::kNull)
        return true;
    if (!v->is_string()) {
        call.Fail("SerializationException", "Expected a string value for " + std::string(key));
        return false;
    }
    *out = v->text;
    return true;
}

bool BoolMember(Call& call, std::string_view key, std::optional<bool>* out) {
    const event::JsonValue* v = call.json.Find(key);
    if (v == nullptr || v->type == event::JsonValue::Type::kNull)
        return true;
    if (v->type != event::JsonValue::Type::kBool) {
        call.Fail("SerializationException", "Expected a boolean value for " + std::string(key));
        return false;
    }
    *out = v->boolean;
    return true;
}

void CreateTrail(Call& call) {
    Trail trail;
    std::optional<bool> multi_region;
    std::optional<bool> global_events;
    std::optional<bool> validation;
    if (!StringMember(call, "Name", &trail.name) ||
        !StringMember(call, "S3BucketName", &trail.s3_bucket) ||
        !StringMember(call, "S3KeyPrefix", &trail.s3_key_prefix) ||
        !StringMember(call, "CloudWatchLogsLogGroupArn", &trail.cloud_watch_logs_log_group_arn) ||
        !StringMember(call, "CloudWatchLogsRoleArn", &trail.cloud_watch_logs_role_arn) ||
        !StringMember(call, "KmsKeyId", &trail.kms_key_id) ||
        !BoolMember(call, "IsMultiRegionTrail", &multi_region) ||
        !BoolMember(call, "IncludeGlobalServiceEvents", &global_events) ||
        !BoolMember(call, "EnableLogFileValidation", &validation)) {
        return;
    }
    std::string request =
            "{\"name\":" + JsonText(trail.name) + ",\"s3BucketName\":" + JsonText(trail.s3_bucket);
    if (!trail.s3_key_prefix.empty())
        request += ",\"s3KeyPrefix\":" + JsonText(trail.s3_key_prefix);
    if (global_events)
        request += ",\"includeGlobalServiceEvents\":" + std::string(Bool(*global_events));
    if (multi_region)
        request += ",\"isMultiRegionTrail\":" + std::string(Bool(*multi_region));
    if (validation)
        request += ",\"enableLogFileValidation\":" + std::string(Bool(*validation));
    request += OptionalMembers(trail, true) + "}";
    call.request_parameters = request;

    trail.account_id = call.account_id;
    trail.home_region = call.region;
    trail.arn = TrailArn(call.region, call.account_id, trail.name);
    trail.is_multi_region = multi_region.value_or(false);
    trail.include_global_service_events = global_events.value_or(true);
    trail.log_file_validation = validation.value_or(false);
    if (!call.Authorize("cloudtrail:CreateTrail", trail.arn))
        return;
    if (trail.name.empty()) {
        call.Fail("InvalidTrailNameException", "Trail name or ARN cannot be blank.");
        return;
    }
    if (!ValidTrailName(trail.name)) {
        call.Fail("InvalidTrailNameException",
                  "Trail name must starts with a letter or number, end with a letter or number, "
                  "be between 3 and 128 characters, have no adjacent periods, underscores or "
                  "dashes, and contain only ASCII letters (a-z, A-Z), numbers (0-9), periods "
                  "(.), underscores (_), or dashes (-).");
        return;
    }
    if (trail.s3_bucket.empty()) {
        call.Fail("InvalidS3BucketNameException", "S3 bucket name cannot be blank.");
        return;
    }
    if (trail.is_multi_region && !trail.include_global_service_events) {
        call.Fail("InvalidParameterCombinationException",
                  "Multi-Region trail must include global service events.");
        return;
    }
    if (trail.cloud_watch_logs_log_group_arn.empty() != trail.cloud_watch_logs_role_arn.empty()) {
        call.Fail("InvalidCloudWatchLogsRoleArnException",
                  "You must specify both a CloudWatch Logs log group ARN and a role ARN, or "
                  "neither.");
        return;
    }
    for (const auto& [arn, existing] : call.world->trails) {
        if (existing.account_id == call.account_id && existing.name == trail.name &&
            (existing.home_region == call.region || existing.is_multi_region ||
             trail.is_multi_region)) {
            call.Fail("TrailAlreadyExistsException",
                      "Trail " + trail.name + " already exists for customer: " + call.account_id);
            return;
        }
    }
    if (call.world->FindBucket(trail.s3_bucket) == nullptr) {
        call.Fail("S3BucketDoesNotExistException",
                  "S3 bucket " + trail.s3_bucket + " does not exist.");
        return;
    }
    // CreateTrail does not start logging; StartLogging does.
    trail.is_logging = false;
    call.world->trails[trail.arn] = trail;
    call.mutated = true;

    std::string reply =
            "{\"Name\":" + JsonText(trail.name) + ",\"S3BucketName\":" + JsonText(trail.s3_bucket);
    std::string response =
            "{\"name\":" + JsonText(trail.name) + ",\"s3BucketName\":" + JsonText(trail.s3_bucket);
    if (!trail.s3_key_prefix.empty()) {
        reply += ",\"S3KeyPrefix\":" + JsonText(trail.s3_key_prefix);
        response += ",\"s3KeyPrefix\":" + JsonText(trail.s3_key_prefix);
    }
    reply += ",\"IncludeGlobalServiceEvents\":" +
             std::string(Bool(trail.include_global_service_events)) +
             ",\"IsMultiRegionTrail\":" + Bool(trail.is_multi_region) +
             ",\"TrailARN\":" + JsonText(trail.arn) +
             ",\"LogFileValidationEnabled\":" + Bool(trail.log_file_validation) +
             OptionalMembers(trail, false) + ",\"IsOrganizationTrail\":false}";
    response += ",\"includeGlobalServiceEvents\":" +
                std::string(Bool(trail.include_global_service_events)) +
                ",\"isMultiRegionTrail\":" + Bool(trail.is_multi_region) +
                ",\"trailARN\":" + JsonText(trail.arn) +
                ",\"logFileValidationEnabled\":" + Bool(trail.log_file_validation) +
                OptionalMembers(trail, true) + ",\"isOrganizationTrail\":false}";
    call.response_elements = response;
    call.ReplyJson(reply);
}

void DeleteTrail(Call& call) {
    Trail* trail = ResolveTrail(call, "cloudtrail:DeleteTrail");
    if (trail == nullptr || !RequireHomeRegion(call, *trail))
        return;
    call.world->trails.erase(trail->arn);
    call.mutated = true;
    call.ReplyJson("{}");
}

// ---------------------------------------------------------------------------------------------
// Get/PutEventSelectors (classic selectors; advanced selectors are not modelled)

// The selectors as the API writes them (`camel`: as CloudTrail records do).
std::string SelectorsJson(const std::vector<EventSelector>& selectors, bool camel) {
    auto key = [camel](std::string_view name) {
        std::string k(name);
        if (camel)
            k[0] = static_cast<char>(k[0] - 'A' + 'a');
        return JsonText(k) + ":";
    };
    std::string out = "[";
    for (size_t i = 0; i < selectors.size(); ++i) {
        const EventSelector& s = selectors[i];
        out += std::string(i > 0 ? "," : "") + "{" + key("ReadWriteType") +
               JsonText(s.read_write_type) + "," + key("IncludeManagementEvents") +
               Bool(s.include_management_events) + "," + key("DataResources") + "[";
        for (size_t j = 0; j < s.data_resources.size(); ++j) {
            const DataResource& d = s.data_resources[j];
            out += std::string(j > 0 ? "," : "") + "{" + key("Type") + JsonText(d.type) + "," +
                   key("Values") + "[";
            for (size_t k = 0; k < d.values.size(); ++k)
                out += std::string(k > 0 ? "," : "") + JsonText(d.values[k]);
            out += "]}";
        }
        out += "]," + key("ExcludeManagementEventSources") + "[]}";
    }
    return out + "]";
}

// What a trail without custom selectors logs: all management events.
std::vector<EventSelector> EffectiveSelectors(const Trail& trail) {
    return trail.event_selectors ? *trail.event_selectors : std::vector<EventSelector>{{}};
}

void GetEventSelectors(Call& call) {
    Trail* trail = ResolveTrail(call, "cloudtrail:GetEventSelectors", "TrailName");
    if (trail == nullptr)
        return;
    call.ReplyJson("{\"TrailARN\":" + JsonText(trail->arn) +
                   ",\"EventSelectors\":" + SelectorsJson(EffectiveSelectors(*trail), false) + "}");
}

// Reads and checks EventSelectors; fails the call and returns nullopt on a bad one.
std::optional<std::vector<EventSelector>> ParseSelectors(Call& call) {
    const event::JsonValue* list = call.json.Find("EventSelectors");
    if (call.json.Find("AdvancedEventSelectors") != nullptr) {
        call.Fail("UnsupportedOperationException",
                  "The sandbox does not model advanced event selectors.");
        return std::nullopt;
    }
    if (list == nullptr || !list->is_array()) {
        call.Fail("InvalidEventSelectorsException",
                  "You must specify at least one event selector.");
        return std::nullopt;
    }
    if (list->items.empty() || list->items.size() > 5) {
        call.Fail("InvalidEventSelectorsException",
                  "A trail can have from 1 to 5 event selectors.");
        return std::nullopt;
    }
    auto bad = [&](const std::string& why) {
        call.Fail("InvalidEventSelectorsException", why);
        return std::nullopt;
    };
    std::vector<EventSelector> out;
    for (const event::JsonValue& item : list->items) {
        if (!item.is_object())
            return bad("Each event selector must be an object.");
        EventSelector selector;
        if (const event::JsonValue* rw = item.Find("ReadWriteType")) {
            if (!rw->is_string() ||
                (rw->text != "ReadOnly" && rw->text != "WriteOnly" && rw->text != "All")) {
                return bad("ReadWriteType must be ReadOnly, WriteOnly or All.");
            }
            selector.read_write_type = rw->text;
        }
        if (const event::JsonValue* mgmt = item.Find("IncludeManagementEvents")) {
            if (mgmt->type != event::JsonValue::Type::kBool)
                return bad("IncludeManagementEvents must be a boolean.");
            selector.include_management_events = mgmt->boolean;
        }
        if (const event::JsonValue* resources = item.Find("DataResources")) {
            if (!resources->is_array())
                return bad("DataResources must be a list.");
            for (const event::JsonValue& r : resources->items) {
                const event::JsonValue* type = r.is_object() ? r.Find("Type") : nullptr;
                const event::JsonValue* values = r.is_object() ? r.Find("Values") : nullptr;
                if (type == nullptr || !type->is_string() || !type->text.starts_with("AWS::"))
                    return bad("Each data resource needs a Type such as AWS::S3::Object.");
                DataResource data;
                data.type = type->text;
                if (values != nullptr && values->is_array()) {
                    for (const event::JsonValue& v : values->items) {
                        if (!v.is_string() || !v.text.starts_with("arn:"))
                            return bad("Data resource values must be ARNs or ARN prefixes.");
                        data.values.push_back(v.text);
                    }
                }
                if (data.values.empty())
                    return bad("Each data resource needs at least one value.");
                selector.data_resources.push_back(std::move(data));
            }
        }
        out.push_back(std::move(selector));
    }
    return out;
}

void PutEventSelectors(Call& call) {
    Trail* trail = ResolveTrail(call, "cloudtrail:PutEventSelectors", "TrailName");
    if (trail == nullptr || !RequireHomeRegion(call, *trail))
        return;
    std::optional<std::vector<EventSelector>> selectors = ParseSelectors(call);
    if (!selectors)
        return;
    std::string name = call.request_parameters->substr(0, call.request_parameters->size() - 1);
    call.request_parameters = name + ",\"eventSelectors\":" + SelectorsJson(*selectors, true) + "}";
    trail->event_selectors = *selectors;
    call.mutated = true;
    call.response_elements = "{\"trailARN\":" + JsonText(trail->arn) +
                             ",\"eventSelectors\":" + SelectorsJson(*selectors, true) + "}";
    call.ReplyJson("{\"TrailARN\":" + JsonText(trail->arn) +
                   ",\"EventSelectors\":" + SelectorsJson(*selectors, false) + "}");
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

// The table's ListPublicKeys: a sandbox without a signing key has none to list. The server
// answers with ListPublicKeysWith and its digest key instead.
void ListPublicKeys(Call& call) {
    ListPublicKeysWith(call, {});
}

}  // namespace

// ListPublicKeys: the keys whose validity window meets [StartTime, EndTime] (each defaulting to
// now, as CloudTrail's does), Value as base64 of the PKCS#1 DER.
void ListPublicKeysWith(Call& call, const std::vector<DigestPublicKey>& keys) {
    std::string request;
    std::optional<Timestamp> times[2];
    static constexpr std::string_view kNames[2] = {"StartTime", "EndTime"};
    for (int i = 0; i < 2; ++i) {
        const event::JsonValue* value = call.json.Find(kNames[i]);
        if (value == nullptr || value->type == event::JsonValue::Type::kNull) {
            continue;
        }
        if (!value->is_number()) {
            call.Fail("SerializationException",
                      "Expected a timestamp (epoch seconds) for " + std::string(kNames[i]));
            return;
        }
        double seconds = std::strtod(value->text.c_str(), nullptr);
        if (!(seconds > -9e9 && seconds < 9e9)) {
            call.Fail("InvalidTimeRangeException", "Time out of range: " + value->text);
            return;
        }
        times[i] = Timestamp(std::chrono::milliseconds(static_cast<long long>(seconds * 1000)));
        std::string name(kNames[i]);
        name[0] = static_cast<char>(name[0] - 'A' + 'a');
        request += std::string(request.empty() ? "{" : ",") + JsonText(name) + ":" +
                   JsonText(FormatIsoSeconds(*times[i]));
    }
    if (!request.empty()) {
        call.request_parameters = request + "}";
    }
    if (!call.Authorize("cloudtrail:ListPublicKeys")) {
        return;
    }
    Timestamp now = call.world->Now();
    Timestamp start = times[0].value_or(now);
    Timestamp end = times[1].value_or(now);
    if (times[0] && times[1] && start > end) {
        call.Fail("InvalidTimeRangeException", "Start time must be before end time.");
        return;
    }
    std::string reply = "{\"PublicKeyList\":[";
    bool first = true;
    for (const DigestPublicKey& key : keys) {
        Timestamp from = std::chrono::floor<std::chrono::milliseconds>(key.validity_start);
        Timestamp to = std::chrono::floor<std::chrono::milliseconds>(key.validity_end);
        if (from > end || to < start) {
            continue;
        }
        reply += std::string(first ? "" : ",") + "{\"Value\":" + JsonText(key.value_base64) +
                 ",\"ValidityStartTime\":" + EpochSeconds(from) +
                 ",\"ValidityEndTime\":" + EpochSeconds(to) +
                 ",\"Fingerprint\":" + JsonText(key.fingerprint) + "}";
        first = false;
    }
    call.ReplyJson(reply + "]}");
}

void RegisterCloudTrailHandlers(HandlerTable* table) {
    (*table)[{Api::kCloudTrail, "ListPublicKeys"}] = {ListPublicKeys, true};
    (*table)[{Api::kCloudTrail, "StartLogging"}] = {StartLogging, false};
    (*table)[{Api::kCloudTrail, "StopLogging"}] = {StopLogging, false};
    (*table)[{Api::kCloudTrail, "GetTrailStatus"}] = {GetTrailStatus, true};
    (*table)[{Api::kCloudTrail, "DescribeTrails"}] = {DescribeTrails, true};
    (*table)[{Api::kCloudTrail, "LookupEvents"}] = {LookupEvents, true};
    (*table)[{Api::kCloudTrail, "CreateTrail"}] = {CreateTrail, false};
    (*table)[{Api::kCloudTrail, "DeleteTrail"}] = {DeleteTrail, false};
    (*table)[{Api::kCloudTrail, "GetEventSelectors"}] = {GetEventSelectors, true};
    (*table)[{Api::kCloudTrail, "PutEventSelectors"}] = {PutEventSelectors, false};
}

}  // namespace firebreak::sandbox
