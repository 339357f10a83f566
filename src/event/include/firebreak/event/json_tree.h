// File: json_tree.h
//
// A small owning JSON tree that keeps number literals as text. Used off the hot path: rule
// patterns written as JSON, rule test events, and the reference interpreter. Object members keep
// their order and duplicates (EventBridge patterns give the last duplicate precedence).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "firebreak/core/status.h"

namespace firebreak::event {

struct JsonValue {
    // Explicit: clang 14 with libstdc++ 12 cannot implicitly default-construct a struct holding
    // std::vector<std::pair<std::string, Self>> in C++20 mode.
    JsonValue() = default;

    enum class Type : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

    Type type = Type::kNull;
    bool boolean = false;
    std::string text;  // string value (unescaped) or the number's literal text
    std::vector<JsonValue> items;
    std::vector<std::pair<std::string, JsonValue>> members;

    bool is_object() const { return type == Type::kObject; }

    bool is_array() const { return type == Type::kArray; }

    bool is_string() const { return type == Type::kString; }

    bool is_number() const { return type == Type::kNumber; }

    // Last member with this key, or nullptr.
    const JsonValue* Find(std::string_view key) const;
};

// Parses exactly one JSON value (trailing content other than whitespace is an error).
// Errors name the byte offset.
Result<JsonValue> ParseJson(std::string_view text);

// Compact JSON text.
std::string ToJson(const JsonValue& value);

}  // namespace firebreak::event
