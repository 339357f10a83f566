// fuzz_playbook_expr: the playbook expression language on untrusted text.
//
// Input: a template and an expression separated by the first NUL byte (no NUL: the whole input is
// both). Both are parsed; what parses is evaluated (rendered) against a fixed scope holding every
// kind of value, unknown markers included. Checks: nothing crashes or hangs; a parse is
// deterministic (the same text gives the same references); a syntax error's offset lies within
// the text; an evaluated value of an ASCII input is valid JSON (ToJson parses back) and known
// values have no unknown_ref.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "firebreak/core/text.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/response/expr.h"
#include "fuzz_common.h"

namespace {

using namespace firebreak;

constexpr const char* kScope = R"({
  "inputs": {"instance_id": "i-0abc", "name": "Web", "empty": "", "count": 3, "ratio": 1.5,
             "big": 9007199254740993, "neg": -1e-3, "flag": true, "nothing": null,
             "list": [1, 2, 3], "nested": [[1, 2], [3], []], "words": ["b", "a", "b"],
             "arn": "arn:aws:ec2:us-east-1:111:instance/i-0abc", "json": "{\"a\":[1,{}]}"},
  "steps": {
    "describe": {"result": {"Reservations": [{"Instances": [
      {"InstanceId": "i-1", "Tags": [{"Key": "Name", "Value": "web"}]},
      {"InstanceId": "i-2", "State": {"Name": "stopped"}}]}]}},
    "isolation-group": {"result": {"$unknown": "steps.isolation-group.result"}},
    "sg": {"result": {"$unknown": "steps.sg.result"}}
  },
  "finding": {"tags": {"owner": "team", "aws:autoscaling:groupName": "asg"}, "severity": 70},
  "run": {"items": [{"Id": "a"}, {"$unknown": "steps.x.result"}, 7, null]}
})";

const event::JsonValue& Scope() {
    static const event::JsonValue scope = *event::ParseJson(kScope);
    return scope;
}

void CheckValue(const response::Value& v, bool ascii, std::string_view input) {
    if (v.unknown) {
        return;
    }
    FIREBREAK_FUZZ_CHECK(v.unknown_ref.empty(),
                         "a known value with an unknown_ref: " + fuzz::Printable(input));
    if (ascii) {
        std::string json = event::ToJson(v.json);
        FIREBREAK_FUZZ_CHECK(event::ParseJson(json).has_value(),
                             "a value is not valid JSON: " + fuzz::Printable(json) + "\nfrom " +
                                     fuzz::Printable(input));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    size_t nul = input.find('\0');
    std::string_view tmpl_text = nul == std::string_view::npos ? input : input.substr(0, nul);
    std::string_view expr_text = nul == std::string_view::npos ? input : input.substr(nul + 1);
    bool ascii = IsAscii(input);

    auto expr = response::ParseExpression(expr_text);
    if (expr) {
        auto again = response::ParseExpression(expr->text());
        FIREBREAK_FUZZ_CHECK(again.has_value() && again->references() == expr->references(),
                             "parsing is not deterministic: " + fuzz::Printable(expr_text));
        auto v = response::Evaluate(*expr, Scope());
        if (v) {
            CheckValue(*v, ascii, expr_text);
            (void)response::Truthy(v->json);
            (void)response::ToText(v->json);
        }
    } else {
        FIREBREAK_FUZZ_CHECK(expr.error().offset <= expr_text.size(),
                             "syntax error offset past the end: " + fuzz::Printable(expr_text));
    }

    auto tmpl = response::ParseTemplate(tmpl_text);
    if (tmpl) {
        (void)tmpl->references();
        auto v = response::Render(*tmpl, Scope());
        if (v) {
            CheckValue(*v, ascii, tmpl_text);
        }
    } else {
        FIREBREAK_FUZZ_CHECK(tmpl.error().offset <= tmpl_text.size(),
                             "template error offset past the end: " + fuzz::Printable(tmpl_text));
    }
    return 0;
}
