#include "firebreak/event/json_tree.h"

#include <simdjson.h>

#include "firebreak/core/text.h"

namespace firebreak::event {
namespace {

namespace od = simdjson::ondemand;

simdjson::error_code Build(od::value value, JsonValue* out, int depth) {
    if (depth > 512) {
        return simdjson::DEPTH_ERROR;
    }
    od::json_type type;
    if (auto err = value.type().get(type)) {
        return err;
    }
    switch (type) {
        case od::json_type::object: {
            out->type = JsonValue::Type::kObject;
            od::object obj;
            if (auto err = value.get_object().get(obj)) {
                return err;
            }
            for (auto field : obj) {
                std::string_view key;
                if (auto err = field.unescaped_key().get(key)) {
                    return err;
                }
                out->members.emplace_back(std::string(key), JsonValue());
                if (auto err = Build(field.value(), &out->members.back().second, depth + 1)) {
                    return err;
                }
            }
            return simdjson::SUCCESS;
        }
        case od::json_type::array: {
            out->type = JsonValue::Type::kArray;
            od::array arr;
            if (auto err = value.get_array().get(arr)) {
                return err;
            }
            for (auto element : arr) {
                od::value v;
                if (auto err = element.get(v)) {
                    return err;
                }
                out->items.emplace_back();
                if (auto err = Build(v, &out->items.back(), depth + 1)) {
                    return err;
                }
            }
            return simdjson::SUCCESS;
        }
        case od::json_type::string: {
            out->type = JsonValue::Type::kString;
            std::string_view s;
            if (auto err = value.get_string().get(s)) {
                return err;
            }
            out->text = std::string(s);
            return simdjson::SUCCESS;
        }
        case od::json_type::number: {
            out->type = JsonValue::Type::kNumber;
            std::string_view raw = value.raw_json_token();
            while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' ||
                                    raw.back() == '\t')) {
                raw.remove_suffix(1);
            }
            ParsedNumber parsed;
            if (!ParseJsonNumber(raw, &parsed)) {
                return simdjson::NUMBER_ERROR;
            }
            out->text = std::string(raw);
            return simdjson::SUCCESS;
        }
        case od::json_type::boolean: {
            out->type = JsonValue::Type::kBool;
            bool b = false;
            if (auto err = value.get_bool().get(b)) {
                return err;
            }
            out->boolean = b;
            return simdjson::SUCCESS;
        }
        case od::json_type::null: {
            bool is_null = false;
            if (auto err = value.is_null().get(is_null)) {
                return err;
            }
            if (!is_null) {
                return simdjson::N_ATOM_ERROR;
            }
            out->type = JsonValue::Type::kNull;
            return simdjson::SUCCESS;
        }
    }
    return simdjson::TAPE_ERROR;
}

void Write(const JsonValue& v, std::string* out) {
    switch (v.type) {
        case JsonValue::Type::kNull:
            out->append("null");
            break;
        case JsonValue::Type::kBool:
            out->append(v.boolean ? "true" : "false");
            break;
        case JsonValue::Type::kNumber:
            out->append(v.text);
            break;
        case JsonValue::Type::kString:
            AppendJsonString(v.text, out);
            break;
        case JsonValue::Type::kArray: {
            out->push_back('[');
            bool first = true;
            for (const JsonValue& item : v.items) {
                if (!first) {
                    out->push_back(',');
                }
                first = false;
                Write(item, out);
            }
            out->push_back(']');
            break;
        }
        case JsonValue::Type::kObject: {
            out->push_back('{');
            bool first = true;
            for (const auto& [key, member] : v.members) {
                if (!first) {
                    out->push_back(',');
                }
                first = false;
                AppendJsonString(key, out);
                out->push_back(':');
                Write(member, out);
            }
            out->push_back('}');
            break;
        }
    }
}

}  // namespace

const JsonValue* JsonValue::Find(std::string_view key) const {
    const JsonValue* found = nullptr;
    for (const auto& [k, v] : members) {
        if (k == key) {
            found = &v;
        }
    }
    return found;
}

Result<JsonValue> ParseJson(std::string_view text) {
    simdjson::padded_string padded(text);
    od::parser parser;
    od::document doc;
    if (auto err = parser.iterate(padded).get(doc)) {
        return InvalidArgument(std::string("invalid JSON: ") + simdjson::error_message(err));
    }
    JsonValue root;
    bool scalar = false;
    if (auto err = doc.is_scalar().get(scalar)) {
        return InvalidArgument(std::string("invalid JSON: ") + simdjson::error_message(err));
    }
    if (scalar) {
        // Scalar documents: wrap through a one-element array parse for uniform handling.
        std::string wrapped = "[" + std::string(text) + "]";
        auto inner = ParseJson(wrapped);
        if (!inner) {
            return inner.error();
        }
        if (inner->items.size() != 1) {
            return InvalidArgument("invalid JSON: expected one value");
        }
        return std::move(inner->items[0]);
    }
    od::value value;
    if (auto err = doc.get_value().get(value)) {
        return InvalidArgument(std::string("invalid JSON: ") + simdjson::error_message(err));
    }
    if (auto err = Build(value, &root, 0)) {
        const char* loc = nullptr;
        std::string where;
        if (!doc.current_location().get(loc) && loc != nullptr) {
            where = " at byte " + std::to_string(loc - padded.data());
        }
        return InvalidArgument(std::string("invalid JSON") + where + ": " +
                               simdjson::error_message(err));
    }
    const char* rest = nullptr;
    if (!doc.current_location().get(rest) && rest != nullptr) {
        return InvalidArgument("invalid JSON: content after the top-level value at byte " +
                               std::to_string(rest - padded.data()));
    }
    return root;
}

std::string ToJson(const JsonValue& value) {
    std::string out;
    Write(value, &out);
    return out;
}

}  // namespace firebreak::event
