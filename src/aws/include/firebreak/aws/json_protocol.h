// File: json_protocol.h
//
// What the typed JSON 1.1 operations (cloudtrail.h, ssm.h) share: appending members to a request
// body under construction, and JsonReplyReader, which reads a reply's members with a type check on
// every read and keeps the first mismatch as the parse error (an ApiError with code
// "InvalidResponse" carrying the reply's request id).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/aws/error.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::aws {

// Appends `"key":` to a JSON object under construction (`out` ends with '{' or a value), with a
// comma when needed.
void AppendJsonKey(std::string_view key, std::string* out);

// Appends ["a","b",...].
void AppendJsonStringArray(const std::vector<std::string>& values, std::string* out);

// Reads members of one reply with type checks; the first mismatch becomes the parse error.
// Not thread-safe; one reader per parse.
class JsonReplyReader {
public:
    using TimePoint = std::chrono::system_clock::time_point;

    // `operation` names the call in errors ("cloudtrail:GetTrailStatus").
    JsonReplyReader(std::string_view operation, std::string request_id);

    // The member when present with `type`; nullptr when absent or null; records a mismatch.
    const event::JsonValue* Get(const event::JsonValue& object,
                                std::string_view key,
                                event::JsonValue::Type type);

    // The string member; empty when absent.
    std::string String(const event::JsonValue& object, std::string_view key);

    // The boolean member; false when absent.
    bool Bool(const event::JsonValue& object, std::string_view key);

    // The items of `array`, each of which must be a string; `what` names the array in errors.
    std::vector<std::string> Strings(const event::JsonValue& array, std::string_view what);

    // Epoch seconds within ±9e9 (about year 2255, so the nanosecond clock cannot overflow),
    // fractions kept to the microsecond.
    std::optional<TimePoint> Time(const event::JsonValue& object, std::string_view key);

    // A whole number within ±9e9.
    std::optional<int64_t> Int(const event::JsonValue& object, std::string_view key);

    void Fail(std::string what);

    bool ok() const { return !error_.has_value(); }

    // The InvalidResponse error for the first failure ("malformed" when none was recorded).
    ApiError error() const;

private:
    // A number member within ±9e9; `problem` completes the error message otherwise.
    std::optional<double> Number(const event::JsonValue& object,
                                 std::string_view key,
                                 std::string_view problem);

    std::string operation_;
    std::string request_id_;
    std::optional<std::string> error_;
};

}  // namespace firebreak::aws
