// File: actions.cpp
//
// The action registry, parameter validation, ActionTargets and the helpers the action files
// share (action_util.h). The actions themselves are in actions_ec2.cpp and actions_other.cpp.
#include "firebreak/response/actions.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "action_util.h"
#include "firebreak/aws/client.h"

namespace firebreak::response {

namespace action_internal {

JsonValue Str(std::string text) {
    JsonValue value;
    value.type = JsonValue::Type::kString;
    value.text = std::move(text);
    return value;
}

JsonValue Bool(bool flag) {
    JsonValue value;
    value.type = JsonValue::Type::kBool;
    value.boolean = flag;
    return value;
}

JsonValue Int(int64_t number) {
    JsonValue value;
    value.type = JsonValue::Type::kNumber;
    value.text = std::to_string(number);
    return value;
}

JsonValue Arr() {
    JsonValue value;
    value.type = JsonValue::Type::kArray;
    return value;
}

JsonValue Obj() {
    JsonValue value;
    value.type = JsonValue::Type::kObject;
    return value;
}

JsonValue StrList(const std::vector<std::string>& items) {
    JsonValue list = Arr();
    for (const std::string& item : items)
        list.items.push_back(Str(item));
    return list;
}

void Put(JsonValue* object, std::string_view key, JsonValue value) {
    object->members.emplace_back(std::string(key), std::move(value));
}

void PutStr(JsonValue* object, std::string_view key, const std::string& value) {
    if (!value.empty())
        Put(object, key, Str(value));
}

void PutBool(JsonValue* object, std::string_view key, std::optional<bool> value) {
    if (value)
        Put(object, key, Bool(*value));
}

void PutInt(JsonValue* object, std::string_view key, std::optional<int64_t> value) {
    if (value)
        Put(object, key, Int(*value));
}

void PutTime(JsonValue* object,
             std::string_view key,
             std::optional<std::chrono::system_clock::time_point> value) {
    if (value)
        Put(object, key, Str(aws::FormatIsoTime(*value)));
}

void PutList(JsonValue* object, std::string_view key, JsonValue list) {
    if (!list.items.empty())
        Put(object, key, std::move(list));
}

aws::ApiError ParamError(std::string_view action, std::string message) {
    aws::ApiError error = aws::ClientError("InvalidParameter", std::move(message));
    error.operation = std::string(action);
    return error;
}

std::string_view JsonTypePhrase(const JsonValue& value) {
    switch (value.type) {
        case JsonValue::Type::kNull:
            return "null";
        case JsonValue::Type::kBool:
            return "a boolean";
        case JsonValue::Type::kNumber:
            return "a number";
        case JsonValue::Type::kString:
            return "a string";
        case JsonValue::Type::kArray:
            return "a list";
        case JsonValue::Type::kObject:
            return "an object";
    }
    return "a value";
}

std::optional<int64_t> JsonInteger(const JsonValue& value) {
    if (!value.is_number())
        return std::nullopt;
    const std::string& text = value.text;
    int64_t number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return number;
}

std::optional<std::vector<std::string>> JsonStrings(const JsonValue& value) {
    if (value.is_string())
        return std::vector<std::string>{value.text};
    if (!value.is_array())
        return std::nullopt;
    std::vector<std::string> out;
    for (const JsonValue& item : value.items) {
        if (!item.is_string())
            return std::nullopt;
        out.push_back(item.text);
    }
    return out;
}

const JsonValue* Params::Get(std::string_view name) const {
    const JsonValue* value = json_.is_object() ? json_.Find(name) : nullptr;
    if (value == nullptr || value->type == JsonValue::Type::kNull)
        return nullptr;
    return value;
}

std::string Params::String(std::string_view name) const {
    const JsonValue* value = Get(name);
    return value != nullptr && value->is_string() ? value->text : std::string();
}

std::vector<std::string> Params::Strings(std::string_view name) const {
    const JsonValue* value = Get(name);
    if (value == nullptr)
        return {};
    return JsonStrings(*value).value_or(std::vector<std::string>());
}

std::optional<bool> Params::Bool(std::string_view name) const {
    const JsonValue* value = Get(name);
    if (value == nullptr || value->type != JsonValue::Type::kBool)
        return std::nullopt;
    return value->boolean;
}

std::optional<int64_t> Params::Int(std::string_view name) const {
    const JsonValue* value = Get(name);
    return value == nullptr ? std::nullopt : JsonInteger(*value);
}

std::vector<std::pair<std::string, std::string>> Params::Tags(std::string_view name) const {
    std::vector<std::pair<std::string, std::string>> out;
    const JsonValue* value = Get(name);
    if (value == nullptr)
        return out;
    if (value->is_object()) {
        for (const auto& [key, item] : value->members) {
            if (item.is_string())
                out.emplace_back(key, item.text);
        }
        return out;
    }
    if (!value->is_array())
        return out;
    for (const JsonValue& item : value->items) {
        const JsonValue* key = item.is_object() ? item.Find("Key") : nullptr;
        const JsonValue* text = item.is_object() ? item.Find("Value") : nullptr;
        if (key == nullptr || !key->is_string())
            continue;
        out.emplace_back(key->text, text != nullptr && text->is_string() ? text->text : "");
    }
    return out;
}

std::vector<std::pair<std::string, std::vector<std::string>>> Params::Filters(
        std::string_view name) const {
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    const JsonValue* value = Get(name);
    if (value == nullptr || !value->is_array())
        return out;
    for (const JsonValue& item : value->items) {
        const JsonValue* filter_name = item.is_object() ? item.Find("Name") : nullptr;
        const JsonValue* values = item.is_object() ? item.Find("Values") : nullptr;
        if (filter_name == nullptr || !filter_name->is_string())
            continue;
        std::vector<std::string> strings;
        if (values != nullptr)
            strings = JsonStrings(*values).value_or(std::vector<std::string>());
        out.emplace_back(filter_name->text, std::move(strings));
    }
    return out;
}

ActionDef MakeAction(std::string name,
                     std::string description,
                     bool mutates,
                     std::vector<ActionParam> params,
                     std::vector<std::string> target_params,
                     ExecuteFn execute) {
    ActionDef def;
    def.name = std::move(name);
    def.description = std::move(description);
    def.mutates = mutates;
    def.params = std::move(params);
    def.target_params = std::move(target_params);
    // The check needs the definition without its execute; a copy of the parameter list does.
    ActionDef shape;
    shape.name = def.name;
    shape.params = def.params;
    def.execute = [shape = std::move(shape), execute = std::move(execute)](
                          const aws::AwsClient& client,
                          const JsonValue& json,
                          const std::string& key) -> aws::Outcome<ActionResult> {
        std::vector<std::string> problems = ValidateParams(shape, json);
        if (!problems.empty()) {
            std::string message;
            for (const std::string& problem : problems)
                message += (message.empty() ? "" : "; ") + problem;
            return ParamError(shape.name, std::move(message));
        }
        return execute(client, json, key);
    };
    return def;
}

ActionResult Done(JsonValue result, std::string request_id) {
    ActionResult out;
    out.result = std::move(result);
    if (!request_id.empty())
        out.request_ids.push_back(std::move(request_id));
    return out;
}

}  // namespace action_internal

namespace {

using action_internal::JsonInteger;
using action_internal::JsonStrings;
using action_internal::JsonTypePhrase;
using event::JsonValue;

// "a list of strings", ... for messages.
std::string_view ExpectedPhrase(ParamType type) {
    switch (type) {
        case ParamType::kString:
            return "a string";
        case ParamType::kStringList:
            return "a list of strings";
        case ParamType::kBool:
            return "a boolean";
        case ParamType::kInt:
            return "an integer";
        case ParamType::kTags:
            return "tags ([{Key, Value}] or an object of strings)";
        case ParamType::kFilters:
            return "filters ([{Name, Values}])";
        case ParamType::kJson:
            return "JSON";
    }
    return "a value";
}

bool IsTagList(const JsonValue& value) {
    if (value.is_object()) {
        return std::all_of(value.members.begin(), value.members.end(), [](const auto& member) {
            return member.second.is_string();
        });
    }
    if (!value.is_array())
        return false;
    for (const JsonValue& item : value.items) {
        const JsonValue* key = item.is_object() ? item.Find("Key") : nullptr;
        const JsonValue* text = item.is_object() ? item.Find("Value") : nullptr;
        if (key == nullptr || !key->is_string() || (text != nullptr && !text->is_string()))
            return false;
        for (const auto& member : item.members) {
            if (member.first != "Key" && member.first != "Value")
                return false;
        }
    }
    return true;
}

bool IsFilterList(const JsonValue& value) {
    if (!value.is_array())
        return false;
    for (const JsonValue& item : value.items) {
        const JsonValue* name = item.is_object() ? item.Find("Name") : nullptr;
        const JsonValue* values = item.is_object() ? item.Find("Values") : nullptr;
        if (name == nullptr || !name->is_string() || values == nullptr || !JsonStrings(*values))
            return false;
        for (const auto& member : item.members) {
            if (member.first != "Name" && member.first != "Values")
                return false;
        }
    }
    return true;
}

bool HasType(const JsonValue& value, ParamType type) {
    switch (type) {
        case ParamType::kString:
            return value.is_string();
        case ParamType::kStringList:
            return JsonStrings(value).has_value();
        case ParamType::kBool:
            return value.type == JsonValue::Type::kBool;
        case ParamType::kInt:
            return JsonInteger(value).has_value();
        case ParamType::kTags:
            return IsTagList(value);
        case ParamType::kFilters:
            return IsFilterList(value);
        case ParamType::kJson:
            return true;
    }
    return false;
}

// What was given instead, for the message: "a number", "a list holding a number".
std::string GivenPhrase(const JsonValue& value, ParamType type) {
    if (type == ParamType::kStringList && value.is_array()) {
        for (const JsonValue& item : value.items) {
            if (!item.is_string())
                return "a list holding " + std::string(JsonTypePhrase(item));
        }
    }
    if (type == ParamType::kInt && value.is_number())
        return "the number " + value.text;
    if ((type == ParamType::kTags || type == ParamType::kFilters) &&
        (value.is_array() || value.is_object())) {
        return std::string(JsonTypePhrase(value)) + " of another shape";
    }
    return std::string(JsonTypePhrase(value));
}

char Lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Case-insensitive edit distance (insert, delete, substitute).
size_t EditDistance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t above = row[j];
            size_t cost = Lower(a[i - 1]) == Lower(b[j - 1]) ? 0 : 1;
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// The known parameter closest to `name`, when close enough to be a likely typo.
std::string ClosestParam(const ActionDef& def, std::string_view name) {
    std::string best;
    size_t best_distance = SIZE_MAX;
    for (const ActionParam& param : def.params) {
        size_t distance = EditDistance(name, param.name);
        if (distance < best_distance) {
            best_distance = distance;
            best = param.name;
        }
    }
    size_t limit = std::max<size_t>(2, name.size() / 3);
    return best_distance <= limit ? best : std::string();
}

}  // namespace

std::string_view ParamTypeName(ParamType type) {
    switch (type) {
        case ParamType::kString:
            return "string";
        case ParamType::kStringList:
            return "string list";
        case ParamType::kBool:
            return "boolean";
        case ParamType::kInt:
            return "integer";
        case ParamType::kTags:
            return "tags";
        case ParamType::kFilters:
            return "filters";
        case ParamType::kJson:
            return "json";
    }
    return "unknown";
}

std::vector<std::string> ValidateParams(const ActionDef& def, const JsonValue& params) {
    std::vector<std::string> problems;
    if (params.type != JsonValue::Type::kNull && !params.is_object()) {
        problems.push_back("parameters: expected an object, got " +
                           std::string(JsonTypePhrase(params)));
        return problems;
    }
    std::set<std::string_view> seen;
    // Not a structured binding: clang 14 cannot capture those in the lambda below.
    for (const auto& member : params.members) {
        const std::string& name = member.first;
        const JsonValue& value = member.second;
        auto param = std::find_if(def.params.begin(), def.params.end(), [&](const ActionParam& p) {
            return p.name == name;
        });
        if (param == def.params.end()) {
            std::string problem = "unknown parameter '" + name + "'";
            std::string closest = ClosestParam(def, name);
            if (!closest.empty())
                problem += " (did you mean '" + closest + "'?)";
            else if (def.params.empty())
                problem += " (" + def.name + " takes no parameters)";
            problems.push_back(std::move(problem));
            continue;
        }
        if (!seen.insert(param->name).second) {
            problems.push_back("parameter '" + name + "' is given twice");
            continue;
        }
        if (value.type == JsonValue::Type::kNull)
            continue;  // null counts as absent
        if (!HasType(value, param->type)) {
            problems.push_back("parameter '" + name + "': expected " +
                               std::string(ExpectedPhrase(param->type)) + ", got " +
                               GivenPhrase(value, param->type));
        }
    }
    for (const ActionParam& param : def.params) {
        if (!param.required)
            continue;
        const JsonValue* value = params.is_object() ? params.Find(param.name) : nullptr;
        if (value == nullptr || value->type == JsonValue::Type::kNull)
            problems.push_back("missing required parameter '" + param.name + "'");
    }
    return problems;
}

const ActionRegistry& ActionRegistry::Builtin() {
    static const ActionRegistry kRegistry = [] {
        ActionRegistry registry;
        action_internal::AddEc2Actions(&registry);
        action_internal::AddOtherActions(&registry);
        return registry;
    }();
    return kRegistry;
}

const ActionDef* ActionRegistry::Find(std::string_view name) const {
    for (const ActionDef& def : actions_) {
        if (def.name == name)
            return &def;
    }
    return nullptr;
}

void ActionRegistry::Add(ActionDef def) {
    for (ActionDef& existing : actions_) {
        if (existing.name == def.name) {
            existing = std::move(def);
            return;
        }
    }
    actions_.push_back(std::move(def));
}

std::vector<std::string> ActionTargets(const ActionDef& def, const JsonValue& params) {
    std::vector<std::string> out;
    std::set<std::string> seen;
    if (!params.is_object())
        return out;
    for (const std::string& name : def.target_params) {
        const JsonValue* value = params.Find(name);
        if (value == nullptr)
            continue;
        for (const std::string& item : JsonStrings(*value).value_or(std::vector<std::string>())) {
            std::string target = name + "=" + item;
            if (seen.insert(target).second)
                out.push_back(std::move(target));
        }
    }
    return out;
}

}  // namespace firebreak::response
