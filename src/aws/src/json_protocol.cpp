#include "firebreak/aws/json_protocol.h"

#include <cmath>
#include <utility>

#include "firebreak/core/text.h"

namespace firebreak::aws {

using event::JsonValue;

void AppendJsonKey(std::string_view key, std::string* out) {
    if (out->back() != '{')
        out->push_back(',');
    AppendJsonString(key, out);
    out->push_back(':');
}

void AppendJsonStringArray(const std::vector<std::string>& values, std::string* out) {
    out->push_back('[');
    for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0)
            out->push_back(',');
        AppendJsonString(values[i], out);
    }
    out->push_back(']');
}

JsonReplyReader::JsonReplyReader(std::string_view operation, std::string request_id)
    : operation_(operation),
      request_id_(std::move(request_id)) {}

const JsonValue* JsonReplyReader::Get(const JsonValue& object,
                                      std::string_view key,
                                      JsonValue::Type type) {
    const JsonValue* value = object.Find(key);
    if (value == nullptr || value->type == JsonValue::Type::kNull)
        return nullptr;
    if (value->type != type) {
        Fail(std::string(key) + " has the wrong JSON type");
        return nullptr;
    }
    return value;
}

std::string JsonReplyReader::String(const JsonValue& object, std::string_view key) {
    const JsonValue* value = Get(object, key, JsonValue::Type::kString);
    return value != nullptr ? value->text : std::string();
}

bool JsonReplyReader::Bool(const JsonValue& object, std::string_view key) {
    const JsonValue* value = Get(object, key, JsonValue::Type::kBool);
    return value != nullptr && value->boolean;
}

std::vector<std::string> JsonReplyReader::Strings(const JsonValue& array, std::string_view what) {
    std::vector<std::string> out;
    for (const JsonValue& item : array.items) {
        if (!item.is_string()) {
            Fail(std::string(what) + " holds a non-string");
            break;
        }
        out.push_back(item.text);
    }
    return out;
}

std::optional<double> JsonReplyReader::Number(const JsonValue& object,
                                              std::string_view key,
                                              std::string_view problem) {
    const JsonValue* value = Get(object, key, JsonValue::Type::kNumber);
    if (value == nullptr)
        return std::nullopt;
    ParsedNumber number;
    if (!ParseJsonNumber(value->text, &number) || !std::isfinite(number.value) ||
        std::fabs(number.value) > 9e9) {
        Fail(std::string(key) + " " + std::string(problem));
        return std::nullopt;
    }
    return number.value;
}

std::optional<JsonReplyReader::TimePoint> JsonReplyReader::Time(const JsonValue& object,
                                                                std::string_view key) {
    std::optional<double> seconds = Number(object, key, "is not an epoch-seconds timestamp");
    if (!seconds)
        return std::nullopt;
    auto micros = std::chrono::microseconds(std::llround(*seconds * 1e6));
    return TimePoint(std::chrono::duration_cast<TimePoint::duration>(micros));
}

std::optional<int64_t> JsonReplyReader::Int(const JsonValue& object, std::string_view key) {
    std::optional<double> number = Number(object, key, "is out of range");
    if (!number)
        return std::nullopt;
    if (std::trunc(*number) != *number) {
        Fail(std::string(key) + " is not an integer");
        return std::nullopt;
    }
    return static_cast<int64_t>(*number);
}

void JsonReplyReader::Fail(std::string what) {
    if (!error_)
        error_ = std::move(what);
}

ApiError JsonReplyReader::error() const {
    ApiError error = InvalidResponse(operation_, error_.value_or("malformed"));
    error.request_id = request_id_;
    return error;
}

}  // namespace firebreak::aws
