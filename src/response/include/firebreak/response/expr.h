// File: expr.h
//
// The playbook expression language: conditions in decision trees and `when:`, and `{{ ... }}`
// templates in step parameters and messages. Expressions read a scope, a JSON object whose
// members are the roots (`inputs`, `steps`, `finding`, `event`, `account`, `run`, `item`...).
//
//   paths        inputs.instance_id   steps.describe.result.Reservations[0].Instances
//                tags['aws:autoscaling:groupName']   tags["k"]
//                list[-1] (negative indexes count from the end)
//                list[index] obj[key]: any expression in brackets; a number indexes a list, a
//                string names a member, anything else gives null
//                list[*].Field (projection: the rest of the path is applied to each element and
//                the non-null results are collected; when the rest projects again, e.g.
//                Reservations[*].Instances[*].InstanceId, the result is flattened one level)
//                Steps also apply to any value: first(list).Name, (a + b)[0].
//   names        [A-Za-z_][A-Za-z0-9_-]*: a hyphen may continue a name so that step ids such as
//                `isolation-group` work in paths (steps.isolation-group.result). Hence there is
//                no binary minus: `a-1` is the name "a-1", and `-` only starts a negative number.
//   keywords     and or not in true false null (still usable after a dot: x.in)
//   literals     'text' "text" (escapes \\ \' \" \n \t \r \b \f \/ \uXXXX), numbers in JSON
//                syntax (42 -1 1.5 1e3), true false null, lists [a, b]
//   operators    from loosest to tightest: or, and, not, comparisons (== != < <= > >= in,
//                not in), +, then path steps. Binary operators are left-associative.
//                == !=       deep JSON equality; numbers by value (1 == 1.0 == 1e0); object
//                            members in any order
//                < <= > >=   two numbers (by value) or two strings (by bytes); else an error
//                in, not in  element of a list (deep equality), substring of a string, key of
//                            an object; anything in null is false
//                and or not  short-circuit on Truthy(); the result is a boolean
//                +           numbers add (exact in 64-bit integers, else double); strings
//                            concatenate; a string and a number concatenate as text; lists
//                            concatenate; other mixes are an error
//
// Functions (the name and the number of arguments are checked at parse time; a null argument
// where a string or list is expected is treated as missing, as noted):
//   len(x)               bytes of a string, elements of a list, keys of an object; null -> 0
//   lower(s) upper(s)    simple Unicode case mapping per code point; null -> null
//   default(x, y)        y when x is null or ""; else x (y is not evaluated)
//   join(list, sep)      ToText of each element joined by sep; null -> ""
//   split(s, sep)        list of the parts of s between occurrences of sep (non-empty);
//                        null -> []
//   contains(a, b)       `b in a`
//   startswith(s, p)     endswith(s, p): byte prefix / suffix; null s -> false
//   arn_resource(s)      for an ARN, the part after the last '/' or, without '/', after the
//                        last ':' ("arn:aws:ec2:us-east-1:111:instance/i-0abc" -> "i-0abc");
//                        any other string unchanged; null -> null
//   first(list) last(list)  the first / last element; null when empty or null
//   unique(list)         elements without later duplicates (deep equality), order kept
//   flatten(list)        list elements spliced in, one level
//   keys(obj)            the object's keys in order; null -> []
//   select(list, field, value)  the elements that are objects whose member `field` equals value
//   count(list, field, value)   how many elements select() would return
//   tag(tags, key)       the value of tag `key` in an AWS tag list [{"Key":..,"Value":..}] or in
//                        a {key: value} object; null when absent
//   to_json(x)           compact JSON text
//   from_json(s)         the parsed value; null when s is not valid JSON
//   replace(s, old, new) every occurrence of old (non-empty; empty old changes nothing)
//   glob(s, pattern)     case-sensitive match with * (any run) and ? (one code point)
//   now()                current UTC time, ISO-8601 to the second: "2026-11-28T19:05:00Z"
//   ago(d)               the UTC time d before now, same format; d is a number of seconds or
//                        a duration text: "90", "30s", "10m", "24h", "7d"
//   public_statements(policy)  the statements of a bucket policy (object or JSON text; null ->
//                        []) that grant access to everyone: Effect Allow, Principal "*" or
//                        {"AWS": "*"} (alone or in a list) and no Condition
//   without_public_statements(policy)  the policy without those statements (null -> null)
//   open_to_world(permissions, ports)  of security group permissions in the AWS CLI shape, the
//                        internet-wide part (only 0.0.0.0/0 and ::/0 ranges) of each permission
//                        that covers one of `ports` (numbers or numeric strings; null or [] =
//                        any; IpProtocol "-1" covers all): what RevokeSecurityGroupIngress
//                        needs to close exactly that exposure
//
// Missing paths evaluate to null (so `default(x, 'y')` and `x == null` work), as does a path step
// on a value that is not an object (member) or a list (index, projection). Type errors (a number
// compared with a list, lower() of a list) are evaluation errors naming the expression and the
// offset of the operator or function. One evaluation produces at most 16 MiB of data.
//
// Unknown values: while planning, the results of steps that would change something are not
// known yet. The engine puts an object {"$unknown": "<ref>"} in their place; a path that walks
// into such an object evaluates to an unknown Value whose `unknown_ref` names what it waits for:
// the marker's ref followed by the rest of the path ("steps.isolation_group.result" + ".GroupId"),
// and any operator or function given an unknown operand is unknown too (except `default`, whose
// known first argument wins, and `and`/`or` when the known side decides).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/core/status.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::response {

// Limits: longer text or deeper nesting is a syntax error.
inline constexpr size_t kMaxExpressionBytes = 4096;
// Levels of the syntax tree and of parentheses; each operator of a chain `a or b or c` adds one.
inline constexpr int kMaxExpressionDepth = 64;
inline constexpr size_t kMaxTemplateBytes = size_t{1} << 20;

class Template;

// A syntax error: `offset` is the 0-based byte offset in the expression (or template) text. The
// message ends with " at offset N" ("expected ')', found end of expression at offset 17").
struct ExprError {
    size_t offset = 0;
    std::string message;
};

// An evaluation result. When `unknown`, `json` is null (for an expression) or, for a template
// that concatenates, the text with each unknown hole shown as "<ref>".
struct Value {
    event::JsonValue json;
    bool unknown = false;
    std::string unknown_ref;  // what the value waits for, when unknown
};

// A parsed expression (immutable, cheap to copy, thread-safe to evaluate).
class Expression {
public:
    const std::string& text() const;

    // Every path the expression reads, as its leading name segments (at most two):
    // {"steps", "describe"}, {"inputs", "instance_id"}, {"account"}. The loader checks that
    // roots exist and that `steps.X` names an earlier step.
    const std::vector<std::vector<std::string>>& references() const;

    struct Impl;

private:
    friend Result<Expression, ExprError> ParseExpression(std::string_view text);
    friend Result<Template, ExprError> ParseTemplate(std::string_view text);
    friend Result<Value, std::string> Evaluate(const Expression& expr,
                                               const event::JsonValue& scope);
    std::shared_ptr<const Impl> impl_;  // immutable, shared by copies; null when default-made
};

Result<Expression, ExprError> ParseExpression(std::string_view text);

Result<Value, std::string> Evaluate(const Expression& expr, const event::JsonValue& scope);

// Text with `{{ expression }}` holes. A template that is exactly one hole (surrounding whitespace
// allowed) renders to the expression's value with its JSON type (a list stays a list); otherwise
// the pieces are concatenated as text (ToText); an unknown hole makes the whole result unknown
// (unknown_ref of the first). `{{` can be written literally as `{{'{{'}}`; a lone `}}` outside a
// hole is literal text. The hole ends at the first `}}` outside a string literal; an unclosed
// `{{` is an error at its offset, and errors inside a hole carry offsets into the whole text.
class Template {
public:
    const std::string& text() const { return text_; }

    bool is_literal() const;  // no holes

    // Exactly one hole and only whitespace around it: Render gives the hole's typed value.
    bool is_single_expression() const { return single_; }

    // The union of the references of every hole.
    std::vector<std::vector<std::string>> references() const;

    struct Piece {
        std::string literal;
        bool is_expression = false;
        Expression expression;
        size_t offset = 0;  // of the hole's expression in text()
    };

    const std::vector<Piece>& pieces() const { return pieces_; }

private:
    friend Result<Template, ExprError> ParseTemplate(std::string_view text);
    std::string text_;
    std::vector<Piece> pieces_;
    bool single_ = false;
};

Result<Template, ExprError> ParseTemplate(std::string_view text);

// Evaluation errors name the hole's expression, with offsets within it.
Result<Value, std::string> Render(const Template& tmpl, const event::JsonValue& scope);

// Text of a value for concatenation: strings as they are, numbers as their literal, booleans as
// true/false, null as "", lists and objects as compact JSON.
std::string ToText(const event::JsonValue& value);

// false, null, 0, "", [] and {} are false; everything else is true.
bool Truthy(const event::JsonValue& value);

// JSON value helpers used by the engine and actions.
event::JsonValue JsonString(std::string text);
event::JsonValue JsonBool(bool value);
event::JsonValue JsonInt(int64_t value);
event::JsonValue JsonArray(std::vector<event::JsonValue> items = {});
event::JsonValue JsonObject();
// Appends (or replaces, when present) member `key` of an object; a non-object becomes {} first.
void SetMember(event::JsonValue* object, std::string_view key, event::JsonValue value);

}  // namespace firebreak::response
