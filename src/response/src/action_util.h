// File: action_util.h (private to src/response)
//
// What the action implementations (actions_ec2.cpp, actions_other.cpp) share: building JSON
// results in the AWS CLI's output shape, reading parameters that ValidateParams already checked,
// the parameter error every action returns, following NextToken pages, and the registration of
// an action with its parameter check.
//
// The JSON builders are local (not expr.h's JsonString...) so that the actions do not depend on
// the expression module being linked first; they only build values.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/aws/error.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/response/actions.h"

namespace firebreak::response::action_internal {

using event::JsonValue;

// The tag every resource an idempotent action creates carries, with the call's key as value.
inline constexpr char kIdempotencyTag[] = "firebreak:idempotency-key";

// At most this many pages are followed by one describe/list action.
inline constexpr int kMaxPages = 1000;

// ---- building results -------------------------------------------------------------------------

JsonValue Str(std::string text);
JsonValue Bool(bool value);
JsonValue Int(int64_t value);
JsonValue Arr();
JsonValue Obj();
JsonValue StrList(const std::vector<std::string>& items);

// Appends member `key` to `object` (results are built fresh, so no lookup for duplicates).
void Put(JsonValue* object, std::string_view key, JsonValue value);
// These leave the member out when the value is absent (empty string, nullopt), as the AWS CLI
// omits absent optional members.
void PutStr(JsonValue* object, std::string_view key, const std::string& value);
void PutBool(JsonValue* object, std::string_view key, std::optional<bool> value);
void PutInt(JsonValue* object, std::string_view key, std::optional<int64_t> value);
void PutTime(JsonValue* object,
             std::string_view key,
             std::optional<std::chrono::system_clock::time_point> value);
// Leaves the member out when `list` has no items.
void PutList(JsonValue* object, std::string_view key, JsonValue list);

// [{Key, Value}] from any list of structs with `key` and `value`.
template <class TagList>
JsonValue TagsJson(const TagList& tags) {
    JsonValue list = Arr();
    for (const auto& tag : tags) {
        JsonValue item = Obj();
        Put(&item, "Key", Str(tag.key));
        Put(&item, "Value", Str(tag.value));
        list.items.push_back(std::move(item));
    }
    return list;
}

// ---- reading parameters -----------------------------------------------------------------------

// ApiError code "InvalidParameter" with `message`, for `action`.
aws::ApiError ParamError(std::string_view action, std::string message);

// "a number", "a list", "an object" ... for messages.
std::string_view JsonTypePhrase(const JsonValue& value);

// Read access to parameters that ValidateParams accepted (wrong types read as absent, never
// crash). A JSON null counts as absent.
class Params {
public:
    explicit Params(const JsonValue& json) : json_(json) {}

    // nullptr when absent or null.
    const JsonValue* Get(std::string_view name) const;

    bool Has(std::string_view name) const { return Get(name) != nullptr; }

    std::string String(std::string_view name) const;
    // A single string reads as a list of one.
    std::vector<std::string> Strings(std::string_view name) const;
    std::optional<bool> Bool(std::string_view name) const;
    std::optional<int64_t> Int(std::string_view name) const;
    // [{Key, Value}] or {key: value}, in order.
    std::vector<std::pair<std::string, std::string>> Tags(std::string_view name) const;
    // [{Name, Values}] (Values may be a single string).
    std::vector<std::pair<std::string, std::vector<std::string>>> Filters(
            std::string_view name) const;

    template <class Tag>
    std::vector<Tag> TagsAs(std::string_view name) const {
        std::vector<Tag> out;
        for (auto& [key, value] : Tags(name)) {
            Tag tag;
            tag.key = std::move(key);
            tag.value = std::move(value);
            out.push_back(std::move(tag));
        }
        return out;
    }

private:
    const JsonValue& json_;
};

// Integer text of a JSON number (no fraction or exponent) in int64 range.
std::optional<int64_t> JsonInteger(const JsonValue& value);

// A list of strings from a string or a list of strings; nullopt for anything else.
std::optional<std::vector<std::string>> JsonStrings(const JsonValue& value);

// ---- calling ----------------------------------------------------------------------------------

// Calls `call(token)` from an empty token until `take(page)` (which consumes one page and
// returns its next token) returns "". Each page's request id goes to `request_ids`. A page that
// hands back the token it was asked with, or more than kMaxPages pages, is an "InvalidResponse"
// error for `operation`.
template <class Call, class Take>
std::optional<aws::ApiError> FollowPages(std::string_view operation,
                                         std::vector<std::string>* request_ids,
                                         Call call,
                                         Take take) {
    std::string token;
    for (int page = 0; page < kMaxPages; ++page) {
        auto reply = call(token);
        if (!reply)
            return reply.error();
        request_ids->push_back(reply->request_id);
        std::string next = take(*reply);
        if (next.empty())
            return std::nullopt;
        if (next == token)
            return aws::InvalidResponse(operation,
                                        "a page handed back the token it was asked with");
        token = std::move(next);
    }
    return aws::InvalidResponse(operation, "more than 1000 pages");
}

// The result {<member>: [...]} of a describe call followed over every page: `call(request)` makes
// one call (request.next_token set), `take(page, &list)` appends a page's items as JSON.
template <class Request, class Call, class Take>
aws::Outcome<ActionResult> AllPages(std::string_view operation,
                                    std::string_view member,
                                    Request request,
                                    Call call,
                                    Take take) {
    ActionResult out;
    JsonValue list = Arr();
    std::optional<aws::ApiError> error = FollowPages(
            operation,
            &out.request_ids,
            [&](const std::string& token) {
                request.next_token = token;
                return call(request);
            },
            [&](const auto& page) {
                take(page, &list);
                return page.next_token;
            });
    if (error)
        return *error;
    out.result = Obj();
    Put(&out.result, member, std::move(list));
    return out;
}

// A parameter declaration, for the registration tables.
inline ActionParam Param(std::string name, ParamType type, bool required, std::string description) {
    return ActionParam{std::move(name), type, required, std::move(description)};
}

inline constexpr bool kRequired = true;
inline constexpr bool kOptional = false;
inline constexpr bool kMutates = true;
inline constexpr bool kReads = false;

// The function an action implements after its parameters were checked.
using ExecuteFn = std::function<aws::Outcome<ActionResult>(
        const aws::AwsClient& client, const JsonValue& params, const std::string& idempotency_key)>;

// An ActionDef whose execute first runs ValidateParams (problems become one "InvalidParameter"
// ApiError listing them) and then `execute`.
ActionDef MakeAction(std::string name,
                     std::string description,
                     bool mutates,
                     std::vector<ActionParam> params,
                     std::vector<std::string> target_params,
                     ExecuteFn execute);

// ActionResult holding `result` and one request id.
ActionResult Done(JsonValue result, std::string request_id);

// The registrations, per file.
void AddEc2Actions(ActionRegistry* registry);
void AddOtherActions(ActionRegistry* registry);

}  // namespace firebreak::response::action_internal
