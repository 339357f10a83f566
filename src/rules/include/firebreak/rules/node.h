// File: node.h
//
// A positioned document tree: what rule files (YAML) and JSON patterns are read into before
// compilation, so every diagnostic can name file:line:column. YAML scalars are typed by YAML 1.2's
// core schema (plain 300 is a number, "300" a string, true/false/null literals).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "firebreak/core/diagnostics.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::rules {

struct Node {
    Node() = default;  // see JsonValue()

    using Type = event::JsonValue::Type;

    Type type = Type::kNull;
    bool boolean = false;
    std::string text;  // string value or number literal
    std::vector<Node> items;
    std::vector<std::pair<std::string, Node>> members;
    SourcePos pos;
    SourcePos key_pos;    // where this node's key is, when it is a mapping value
    bool quoted = false;  // a scalar written in quotes (its text starts one column later)

    bool is_object() const { return type == Type::kObject; }

    bool is_array() const { return type == Type::kArray; }

    bool is_string() const { return type == Type::kString; }

    bool is_number() const { return type == Type::kNumber; }

    bool is_bool() const { return type == Type::kBool; }

    bool is_null() const { return type == Type::kNull; }

    const Node* Find(std::string_view key) const;

    // JSON text of this subtree (for test events written as YAML).
    std::string ToJson() const;

    // Short description of the type for messages: "a string", "an object"...
    std::string_view TypeName() const;
};

Node FromJsonValue(const event::JsonValue& value, const SourcePos& pos);

// Parses every YAML document in `text`; on a YAML syntax error reports it and returns the
// documents read before it.
std::vector<Node> ParseYamlDocuments(std::string_view text,
                                     const std::string& file,
                                     Diagnostics* diags);

}  // namespace firebreak::rules
