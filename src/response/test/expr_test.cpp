#include "firebreak/response/expr.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace firebreak::response {
namespace {

using event::JsonValue;

constexpr const char* kScope = R"({
  "inputs": {"instance_id": "i-0abc", "name": "Web", "empty": "", "count": 3, "ratio": 1.5,
             "flag": true, "nothing": null, "list": [1, 2, 3], "nested": [[1, 2], [3], []],
             "words": ["b", "a", "b", "c"], "arn": "arn:aws:ec2:us-east-1:111:instance/i-0abc"},
  "steps": {
    "describe": {"result": {"Reservations": [
      {"Instances": [
        {"InstanceId": "i-1", "State": {"Name": "running"},
         "Tags": [{"Key": "Name", "Value": "web"}, {"Key": "env", "Value": "prod"}]},
        {"InstanceId": "i-2", "State": {"Name": "stopped"}}]},
      {"Instances": [{"InstanceId": "i-3", "State": {"Name": "running"}}]}]}},
    "isolation-group": {"result": {"$unknown": "steps.isolation-group.result"}},
    "sg": {"result": {"$unknown": "steps.sg.result"}}
  },
  "finding": {"tags": {"aws:autoscaling:groupName": "asg-1", "owner": "team"}, "severity": 70,
              "num": 1.0, "exp": 1e0, "big": 9007199254740993},
  "event": {"detail": {"weird key": "w"}},
  "run": {"items": [{"Id": "a"}, {"$unknown": "steps.x.result"}]}
})";

const JsonValue& Scope() {
    static const JsonValue scope = *event::ParseJson(kScope);
    return scope;
}

// The result as compact JSON, "unknown(<ref>)", "error: <message>" or "syntax: <message>".
std::string Eval(std::string_view text) {
    auto expr = ParseExpression(text);
    if (!expr) {
        return "syntax: " + expr.error().message;
    }
    auto v = Evaluate(*expr, Scope());
    if (!v) {
        return "error: " + v.error();
    }
    if (v->unknown) {
        return "unknown(" + v->unknown_ref + ")";
    }
    return event::ToJson(v->json);
}

std::string RenderText(std::string_view text) {
    auto tmpl = ParseTemplate(text);
    if (!tmpl) {
        return "syntax: " + tmpl.error().message;
    }
    auto v = Render(*tmpl, Scope());
    if (!v) {
        return "error: " + v.error();
    }
    std::string out = event::ToJson(v->json);
    if (v->unknown) {
        out = "unknown(" + v->unknown_ref + ") " + out;
    }
    return out;
}

struct Case {
    const char* expr;
    const char* want;
};

void RunCases(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
        EXPECT_EQ(Eval(c.expr), c.want) << "expression: " << c.expr;
    }
}

TEST(ExprPaths, MembersIndexesAndMissing) {
    RunCases({
            {"inputs.instance_id", R"("i-0abc")"},
            {"inputs.missing", "null"},
            {"nope.x.y", "null"},
            {"inputs.instance_id.x", "null"},
            {"inputs.list.x", "null"},
            {"inputs.nothing", "null"},
            {"inputs.list[0]", "1"},
            {"inputs.list[-1]", "3"},
            {"inputs.list[-3]", "1"},
            {"inputs.list[-4]", "null"},
            {"inputs.list[3]", "null"},
            {"inputs.name[0]", "null"},
            {"finding.tags['aws:autoscaling:groupName']", R"("asg-1")"},
            {R"(event.detail["weird key"])", R"("w")"},
            {"[1, 2, 3][-1]", "3"},
            {"first(steps.describe.result.Reservations).Instances[1].InstanceId", R"("i-2")"},
            {"(inputs.list + [4])[3]", "4"},
            {"'abc'.x", "null"},
            {"finding.in", "null"},
    });
}

TEST(ExprPaths, Projections) {
    RunCases({
            {"steps.describe.result.Reservations[*].Instances[*].InstanceId",
             R"(["i-1","i-2","i-3"])"},
            {"len(steps.describe.result.Reservations[*].Instances)", "2"},
            {"steps.describe.result.Reservations[0].Instances[*].State.Name",
             R"(["running","stopped"])"},
            {"steps.describe.result.Reservations[*].Instances[*].Tags[*].Value",
             R"(["web","prod"])"},
            {"inputs.nested[*][0]", "[1,3]"},
            {"inputs.nested[*][*]", "[1,2,3]"},
            {"inputs.nested[*]", "[[1,2],[3],[]]"},
            {"inputs.instance_id[*]", "null"},
            {"inputs.missing[*].x", "null"},
            {"inputs.list[*].x", "[]"},
    });
}

TEST(ExprLiterals, StringsNumbersLists) {
    RunCases({
            {R"('it\'s')", R"("it's")"},
            {R"("say \"hi\"")", R"("say \"hi\"")"},
            {R"('a\u00e9')", "\"a\xc3\xa9\""},
            {R"('\ud83d\ude00')", "\"\xf0\x9f\x98\x80\""},
            {R"('tab\there')", R"("tab\there")"},
            {"1.5", "1.5"},
            {"-2", "-2"},
            {"1e3", "1e3"},
            {"0", "0"},
            {"true", "true"},
            {"null", "null"},
            {"[1, 'a', null, true]", R"([1,"a",null,true])"},
            {"[]", "[]"},
            {"[[1], []]", "[[1],[]]"},
    });
}

TEST(ExprOperators, Equality) {
    RunCases({
            {"1 == 1.0", "true"},
            {"1 == 1e0", "true"},
            {"100 == 1e2", "true"},
            {"finding.num == 1", "true"},
            {"finding.exp == finding.num", "true"},
            {"-0 == 0", "true"},
            {"1 != 2", "true"},
            {"1 != 1.0", "false"},
            {"'a' == 'a'", "true"},
            {"'1' == 1", "false"},
            {"true == 1", "false"},
            {"null == null", "true"},
            {"inputs.missing == null", "true"},
            {"inputs.empty == null", "false"},
            {"[1, 2] == [1.0, 2]", "true"},
            {"[1, 2] == [2, 1]", "false"},
            {R"(from_json('{"a":1,"b":[2]}') == from_json('{"b":[2.0],"a":1}'))", "true"},
            {R"(from_json('{"a":1}') == from_json('{"a":1,"b":2}'))", "false"},
            {"finding.big == 9007199254740993", "true"},
            {"finding.big == 9007199254740992", "false"},
            {"'\xc3\xa9' == '\xc3\xa9'", "true"},
    });
}

TEST(ExprOperators, Ordering) {
    RunCases({
            {"2 < 10", "true"},
            {"'2' < '10'", "false"},
            {"1.5 <= 1.5", "true"},
            {"inputs.count > 2", "true"},
            {"inputs.count >= 3.0", "true"},
            {"inputs.ratio > 1", "true"},
            {"-1 < 0", "true"},
            {"'b' > 'a'", "true"},
            {"'abc' >= 'abd'", "false"},
            {"1e2 > 99", "true"},
            {"'\xc3\xa9' < 'f'", "false"},
            {"1 < 'a'",
             "error: '<' needs two numbers or two strings, got number and string at offset 2 in "
             "`1 < 'a'`"},
            {"inputs.missing < 1",
             "error: '<' needs two numbers or two strings, got null and number at offset 15 in "
             "`inputs.missing < 1`"},
            {"[1] > [0]",
             "error: '>' needs two numbers or two strings, got list and list at "
             "offset 4 in `[1] > [0]`"},
    });
}

TEST(ExprOperators, Membership) {
    RunCases({
            {"2 in inputs.list", "true"},
            {"2.0 in inputs.list", "true"},
            {"5 in inputs.list", "false"},
            {"5 not in inputs.list", "true"},
            {"[1, 2] in inputs.nested", "true"},
            {"'web' in 'webserver'", "true"},
            {"'' in 'x'", "true"},
            {"'owner' in finding.tags", "true"},
            {"'team' in finding.tags", "false"},
            {"'x' in inputs.missing", "false"},
            {"'x' not in inputs.missing", "true"},
            {"1 in 'abc'",
             "error: membership in a string needs a string to look for, got number "
             "at offset 2 in `1 in 'abc'`"},
            {"'a' in 5",
             "error: membership needs a list, a string or an object, got number at "
             "offset 4 in `'a' in 5`"},
    });
}

TEST(ExprOperators, LogicAndPrecedence) {
    RunCases({
            {"true and false", "false"},
            {"true or false", "true"},
            {"not true", "false"},
            {"not inputs.empty", "true"},
            {"not inputs.list", "false"},
            {"not 0", "true"},
            {"not 0.0", "true"},
            {"not []", "true"},
            {"not from_json('{}')", "true"},
            {"1 and 'x'", "true"},
            {"inputs.missing or 'x'", "true"},
            {"false and (1 < 'a')", "false"},
            {"true or (1 < 'a')", "true"},
            {"not 1 == 2", "true"},
            {"not not inputs.flag", "true"},
            {"true or false and false", "true"},
            {"(true or false) and false", "false"},
            {"1 + 2 == 3", "true"},
            {"'a' + 'b' in 'xaby'", "true"},
            {"inputs.count > 2 and 'i-' in inputs.instance_id", "true"},
    });
    EXPECT_EQ(Eval("true and (1 < 'a')").substr(0, 7), "error: ");
}

TEST(ExprOperators, Addition) {
    RunCases({
            {"1 + 2", "3"},
            {"-5 + 2", "-3"},
            {"1.5 + 1", "2.5"},
            {"0.1 + 0.2", "0.30000000000000004"},
            {"9223372036854775807 + 1", "9223372036854775808"},
            {"'a' + 'b'", R"("ab")"},
            {"'n=' + 1", R"("n=1")"},
            {"1.50 + 'x'", R"("1.50x")"},
            {"[1] + [2, 3]", "[1,2,3]"},
            {"inputs.name + '-' + inputs.instance_id", R"("Web-i-0abc")"},
            {"1 + true",
             "error: '+' needs two numbers, two strings (or a string and a number) or "
             "two lists, got number and boolean at offset 2 in `1 + true`"},
            {"'a' + null",
             "error: '+' needs two numbers, two strings (or a string and a number) "
             "or two lists, got string and null at offset 4 in `'a' + null`"},
            {"1e308 + 1e308", "error: number addition overflows at offset 6 in `1e308 + 1e308`"},
    });
}

TEST(ExprFunctions, StringFunctions) {
    RunCases({
            {"len('h\xc3\xa9llo')", "6"},
            {"len(inputs.list)", "3"},
            {"len(finding.tags)", "2"},
            {"len(inputs.missing)", "0"},
            {"len(5)",
             "error: len() needs a string, a list or an object, got number at offset 0 in "
             "`len(5)`"},
            {"lower('\xc3\x80"
             "BC Stra\xc3\x9f"
             "e')",
             "\"\xc3\xa0"
             "bc stra\xc3\x9f"
             "e\""},
            {"upper('stra\xc3\x9f"
             "e \xc3\xa9')",
             "\"STRA\xc3\x9f"
             "E \xc3\x89\""},
            {"lower(inputs.missing)", "null"},
            {"lower(1)", "error: lower() needs a string, got number at offset 0 in `lower(1)`"},
            {"join(inputs.words, ',')", R"("b,a,b,c")"},
            {"join([1, 'a', null, [2], true], '-')", R"("1-a--[2]-true")"},
            {"join(inputs.missing, ',')", R"("")"},
            {"join([], ',')", R"("")"},
            {"join('abc', ',')",
             "error: join() needs a list, got string at offset 0 in `join('abc', ',')`"},
            {"split('a,b,,c', ',')", R"(["a","b","","c"])"},
            {"split('', ',')", R"([""])"},
            {"split('a--b', '--')", R"(["a","b"])"},
            {"split(inputs.missing, ',')", "[]"},
            {"split('a', '')",
             "error: split() needs a non-empty separator at offset 0 in `split('a', '')`"},
            {"startswith(inputs.instance_id, 'i-')", "true"},
            {"endswith('abc', 'bc')", "true"},
            {"endswith('c', 'abc')", "false"},
            {"startswith('abc', '')", "true"},
            {"startswith(inputs.missing, 'a')", "false"},
            {"startswith('a', 1)",
             "error: startswith() needs a string to look for, got number at "
             "offset 0 in `startswith('a', 1)`"},
            {"replace('a-b-c', '-', '+')", R"("a+b+c")"},
            {"replace('aaa', 'a', 'bb')", R"("bbbbbb")"},
            {"replace('abc', '', 'x')", R"("abc")"},
            {"replace(inputs.missing, 'a', 'b')", "null"},
            {"glob('i-0abc', 'i-*')", "true"},
            {"glob('i-0abc', 'I-*')", "false"},
            {"glob('abc', 'a?c')", "true"},
            {"glob('a\xc3\xa9"
             "c', 'a?c')",
             "true"},
            {"glob('abc', 'a?')", "false"},
            {"glob('', '*')", "true"},
            {"glob('a*b', 'a*b')", "true"},
            {"glob(inputs.missing, '*')", "false"},
    });
}

TEST(ExprFunctions, ArnResource) {
    RunCases({
            {"arn_resource(inputs.arn)", R"("i-0abc")"},
            {"arn_resource('arn:aws:s3:::my-bucket')", R"("my-bucket")"},
            {"arn_resource('arn:aws:iam::111122223333:role/path/Admin')", R"("Admin")"},
            {"arn_resource('arn:aws:sns:us-east-1:111:topic')", R"("topic")"},
            {"arn_resource('i-0abc')", R"("i-0abc")"},
            {"arn_resource('a/b')", R"("a/b")"},
            {"arn_resource(inputs.missing)", "null"},
    });
}

TEST(ExprFunctions, DefaultAndContains) {
    RunCases({
            {"default(inputs.missing, 'x')", R"("x")"},
            {"default(inputs.empty, 'x')", R"("x")"},
            {"default(inputs.name, 'x')", R"("Web")"},
            {"default(0, 1)", "0"},
            {"default(false, 1)", "false"},
            {"default([], 1)", "[]"},
            {"default(inputs.name, 1 < 'a')", R"("Web")"},
            {"contains(inputs.list, 2)", "true"},
            {"contains('abc', 'bc')", "true"},
            {"contains(finding.tags, 'owner')", "true"},
            {"contains(inputs.missing, 'x')", "false"},
    });
}

TEST(ExprFunctions, ListFunctions) {
    RunCases({
            {"first(inputs.list)", "1"},
            {"last(inputs.list)", "3"},
            {"first([])", "null"},
            {"last(inputs.missing)", "null"},
            {"first('abc')",
             "error: first() needs a list, got string at offset 0 in "
             "`first('abc')`"},
            {"unique(inputs.words)", R"(["b","a","c"])"},
            {"unique([1, 1.0, 1e0, 2, [1], [1.0], 0, -0, '1'])", R"([1,2,[1],0,"1"])"},
            {R"(unique([from_json('{"a":1,"b":2}'), from_json('{"b":2,"a":1.0}')]))",
             R"([{"a":1,"b":2}])"},
            {"unique([])", "[]"},
            {"flatten(inputs.nested)", "[1,2,3]"},
            {"flatten([1, [2, [3]]])", "[1,2,[3]]"},
            {"flatten(inputs.missing)", "[]"},
            {"keys(finding.tags)", R"(["aws:autoscaling:groupName","owner"])"},
            {R"(keys(from_json('{"a":1,"a":2,"b":3}')))", R"(["a","b"])"},
            {"keys(inputs.missing)", "[]"},
            {"keys(1)", "error: keys() needs an object, got number at offset 0 in `keys(1)`"},
    });
}

TEST(ExprFunctions, SelectCountTag) {
    RunCases({
            {"select(steps.describe.result.Reservations[0].Instances, 'InstanceId', "
             "'i-2')[0].State.Name",
             R"("stopped")"},
            {R"(len(select(steps.describe.result.Reservations[*].Instances[*], 'State', from_json('{"Name":"running"}'))))",
             "2"},
            {R"(count(steps.describe.result.Reservations[*].Instances[*], 'State', from_json('{"Name":"running"}')))",
             "2"},
            {"select([1, {'x': 1}], 'x', 1)", "syntax: unexpected character '{' at offset 11"},
            {R"(select(from_json('[1, {"x": 1}, {"x": 1.0}, {"x": 2}]'), 'x', 1))",
             R"([{"x":1},{"x":1.0}])"},
            {"count(inputs.list, 'x', 1)", "0"},
            {"count(inputs.missing, 'x', 1)", "0"},
            {"select(inputs.list, 1, 1)",
             "error: select() needs a string field name, got number "
             "at offset 0 in `select(inputs.list, 1, 1)`"},
            {"tag(steps.describe.result.Reservations[0].Instances[0].Tags, 'env')", R"("prod")"},
            {"tag(steps.describe.result.Reservations[0].Instances[0].Tags, 'nope')", "null"},
            {"tag(finding.tags, 'owner')", R"("team")"},
            {"tag(finding.tags, 'nope')", "null"},
            {"tag(inputs.missing, 'x')", "null"},
            {"tag('x', 'y')",
             "error: tag() needs a tag list or an object, got string at offset 0 "
             "in `tag('x', 'y')`"},
    });
}

TEST(ExprFunctions, Json) {
    RunCases({
            {"to_json([1, 'a', null])", R"("[1,\"a\",null]")"},
            {"to_json('x')", R"("\"x\"")"},
            {"to_json(inputs.missing)", R"("null")"},
            {"from_json('[1, 2]')", "[1,2]"},
            {"from_json('nope')", "null"},
            {"from_json('')", "null"},
            {"from_json('{\"a\": [1]}').a[0]", "1"},
            {"from_json(to_json(inputs.nested)) == inputs.nested", "true"},
    });
}

bool LooksLikeUtcTime(const std::string& json) {
    // "2026-11-28T19:05:00Z" with its quotes.
    if (json.size() != 22 || json[0] != '"' || json[21] != '"') {
        return false;
    }
    std::string t = json.substr(1, 20);
    for (size_t i = 0; i < t.size(); ++i) {
        char want = i == 4 || i == 7 ? '-' : i == 10 ? 'T' : i == 13 || i == 16 ? ':' : 0;
        if (i == 19) {
            want = 'Z';
        }
        if (want != 0 ? t[i] != want : (t[i] < '0' || t[i] > '9')) {
            return false;
        }
    }
    return true;
}

TEST(ExprFunctions, Time) {
    EXPECT_TRUE(LooksLikeUtcTime(Eval("now()"))) << Eval("now()");
    EXPECT_TRUE(LooksLikeUtcTime(Eval("ago(3600)"))) << Eval("ago(3600)");
    EXPECT_EQ(Eval("ago(86400) < now()"), "true");
    EXPECT_EQ(Eval("ago(-86400) > now()"), "true");
    EXPECT_EQ(Eval("ago('x')"),
              "error: ago() needs a number of seconds or a duration (30s, 10m, 24h, 7d), got "
              "string at offset 0 in `ago('x')`");
    EXPECT_EQ(Eval("ago('24h') == ago(86400)"), "true");
    EXPECT_EQ(Eval("ago('7d') < ago('1d')"), "true");
    EXPECT_EQ(Eval("ago('90') == ago(90)"), "true");
    EXPECT_EQ(Eval("ago(1e300)"),
              "error: ago() needs a number of seconds within 1e10 at offset 0 in `ago(1e300)`");
}

TEST(ExprUnknown, PathsAndOperators) {
    RunCases({
            {"steps.sg.result", "unknown(steps.sg.result)"},
            {"steps.sg.result.GroupId", "unknown(steps.sg.result.GroupId)"},
            {"steps.isolation-group.result['odd key'][0][*]",
             R"(unknown(steps.isolation-group.result["odd key"][0][*]))"},
            {"steps.sg", R"({"result":{"$unknown":"steps.sg.result"}})"},
            {"steps.sg.result.GroupId == 'x'", "unknown(steps.sg.result.GroupId)"},
            {"'x' == steps.sg.result.GroupId", "unknown(steps.sg.result.GroupId)"},
            {"steps.sg.result.A + steps.isolation-group.result.B", "unknown(steps.sg.result.A)"},
            {"not steps.sg.result", "unknown(steps.sg.result)"},
            {"[1, steps.sg.result]", "unknown(steps.sg.result)"},
            {"'a' in steps.sg.result.Names", "unknown(steps.sg.result.Names)"},
            {"run.items[*].Id", "unknown(steps.x.result.Id)"},
            {"run.items[0].Id", R"("a")"},
            {"len(run.items)", "2"},
    });
}

TEST(ExprUnknown, ShortCircuit) {
    RunCases({
            {"false and steps.sg.result", "false"},
            {"steps.sg.result and false", "false"},
            {"true or steps.sg.result", "true"},
            {"steps.sg.result or true", "true"},
            {"steps.sg.result and true", "unknown(steps.sg.result)"},
            {"true and steps.sg.result", "unknown(steps.sg.result)"},
            {"false or steps.sg.result.X", "unknown(steps.sg.result.X)"},
            {"steps.sg.result.A or steps.sg.result.B", "unknown(steps.sg.result.A)"},
            {"steps.sg.result and (1 < 'a')",
             "error: '<' needs two numbers or two strings, got number and string at offset 23 "
             "in `steps.sg.result and (1 < 'a')`"},
    });
}

TEST(ExprUnknown, Functions) {
    RunCases({
            {"default(steps.sg.result.GroupId, 'x')", "unknown(steps.sg.result.GroupId)"},
            {"default(inputs.name, steps.sg.result)", R"("Web")"},
            {"default(inputs.missing, steps.sg.result.Id)", "unknown(steps.sg.result.Id)"},
            {"len(steps.sg.result.Ids)", "unknown(steps.sg.result.Ids)"},
            {"first(steps.sg.result).Id", "unknown(steps.sg.result.Id)"},
            {"join(['a', steps.sg.result.X], ',')", "unknown(steps.sg.result.X)"},
            {"contains(steps.sg.result.L, steps.isolation-group.result.Y)",
             "unknown(steps.sg.result.L)"},
    });
}

TEST(ExprSyntax, ErrorsWithOffsets) {
    struct ErrorCase {
        const char* expr;
        size_t offset;
        const char* message;
    };

    const ErrorCase cases[] = {
            {"len(1", 5, "expected ',' or ')', found end of expression at offset 5"},
            {"(1 + 2", 6, "expected ')', found end of expression at offset 6"},
            {"lenn(x)", 0, "unknown function 'lenn' at offset 0"},
            {"a and lenn(x)", 6, "unknown function 'lenn' at offset 6"},
            {"len(1, 2)", 0, "function 'len' takes 1 argument, got 2 at offset 0"},
            {"now(1)", 0, "function 'now' takes 0 arguments, got 1 at offset 0"},
            {"default(1)", 0, "function 'default' takes 2 arguments, got 1 at offset 0"},
            {"'abc", 0, "unterminated string at offset 0"},
            {"a == 'x", 5, "unterminated string at offset 5"},
            {"'abc\\", 0, "unterminated string at offset 0"},
            {"a = 1", 2, "expected '==' (a single '=' is not an operator) at offset 2"},
            {"a ! b", 2, "expected '!=' (use 'not' for negation) at offset 2"},
            {"a - 1",
             2,
             "unexpected '-' (there is no subtraction; '-' only starts a negative number or "
             "continues a name) at offset 2"},
            {"1 2",
             2,
             "expected an operator or the end of the expression, found number 2 at offset 2"},
            {"a b", 2, "expected an operator or the end of the expression, found 'b' at offset 2"},
            {"a.[0]", 2, "expected a name after '.', found '[' at offset 2"},
            {"a[x", 3, "expected ']', found end of expression at offset 3"},
            {"a[1.5]", 2, "index must be an integer within 64 bits, found 1.5 at offset 2"},
            {"a[0", 3, "expected ']', found end of expression at offset 3"},
            {"01", 0, "invalid number (leading zero) at offset 0"},
            {"1e", 0, "invalid number (exponent without digits) at offset 0"},
            {"'\\q'", 1, "invalid escape '\\q' in string at offset 1"},
            {"'\\ud800'", 1, "invalid \\u escape (lone high surrogate) at offset 1"},
            {"'\\udc00'", 1, "invalid \\u escape (lone low surrogate) at offset 1"},
            {"'\\u12'", 1, "invalid \\u escape (expected four hex digits) at offset 1"},
            {"a & b", 2, "unexpected character '&' at offset 2"},
            {"a \x01", 2, "unexpected byte 0x01 at offset 2"},
            {"", 0, "empty expression at offset 0"},
            {"   ", 3, "empty expression at offset 3"},
            {"a ==", 4, "expected a value, found end of expression at offset 4"},
            {"[1, 2", 5, "expected ',' or ']', found end of expression at offset 5"},
            {"not", 3, "expected a value, found end of expression at offset 3"},
            {"a not b",
             2,
             "expected an operator or the end of the expression, found 'not' at offset 2"},
            {"a in", 4, "expected a value, found end of expression at offset 4"},
            {"()", 1, "expected a value, found ')' at offset 1"},
    };
    for (const ErrorCase& c : cases) {
        auto expr = ParseExpression(c.expr);
        ASSERT_FALSE(expr.has_value()) << c.expr;
        EXPECT_EQ(expr.error().offset, c.offset) << c.expr;
        EXPECT_EQ(expr.error().message, c.message) << c.expr;
    }
}

TEST(ExprSyntax, NamesWithHyphensAndKeywordsAfterDots) {
    RunCases({
            {"steps.isolation-group.result", "unknown(steps.isolation-group.result)"},
            {"a-1", "null"},
            {"inputs.list[-1]", "3"},
            {"finding.not", "null"},
    });
}

TEST(ExprLimits, Depth) {
    auto nested = [](int n) {
        return std::string(static_cast<size_t>(n), '(') + "1" +
               std::string(static_cast<size_t>(n), ')');
    };
    EXPECT_EQ(Eval(nested(kMaxExpressionDepth - 1)), "1");
    auto deep = ParseExpression(nested(kMaxExpressionDepth));
    ASSERT_FALSE(deep.has_value());
    EXPECT_EQ(deep.error().message,
              "expression nested too deeply (more than 64 levels) at offset 64");

    std::string nots;
    for (int i = 0; i < kMaxExpressionDepth - 1; ++i) {
        nots += "not ";
    }
    EXPECT_EQ(Eval(nots + "true"), "false");
    EXPECT_FALSE(ParseExpression("not " + nots + "true").has_value());

    std::string sum = "1";
    for (int i = 0; i < kMaxExpressionDepth - 1; ++i) {
        sum += "+1";
    }
    EXPECT_EQ(Eval(sum), "64");
    auto too_long_chain = ParseExpression(sum + "+1");
    ASSERT_FALSE(too_long_chain.has_value());
    EXPECT_NE(too_long_chain.error().message.find("nested too deeply"), std::string::npos);

    EXPECT_FALSE(ParseExpression(std::string(100000, '[')).has_value());
    EXPECT_FALSE(ParseExpression(std::string(4000, '(')).has_value());
}

TEST(ExprLimits, Length) {
    std::string ok = "1" + std::string(kMaxExpressionBytes - 1, ' ');
    EXPECT_EQ(Eval(ok), "1");
    auto long_expr = ParseExpression(ok + " ");
    ASSERT_FALSE(long_expr.has_value());
    EXPECT_EQ(long_expr.error().offset, kMaxExpressionBytes);
    EXPECT_EQ(long_expr.error().message, "expression longer than 4096 bytes at offset 4096");
}

TEST(ExprFunctions, LongNeedles) {
    // Needles longer than 32 bytes take the linear-time search.
    std::string needle(40, 'a');
    std::string hay = std::string(100, 'a') + "b" + needle + "c";
    EXPECT_EQ(Eval("'" + needle + "c' in '" + hay + "'"), "true");
    EXPECT_EQ(Eval("'" + needle + "b' in '" + hay + "'"), "true");
    EXPECT_EQ(Eval("'" + needle + "d' in '" + hay + "'"), "false");
    EXPECT_EQ(Eval("split('x" + needle + "y" + needle + "', '" + needle + "')"), R"(["x","y",""])");
    EXPECT_EQ(Eval("replace('1" + needle + "2" + needle + "3', '" + needle + "', '-')"),
              R"("1-2-3")");
}

TEST(ExprLimits, ResultSize) {
    // Each replace() squares the length: the evaluation stops at its size budget.
    std::string s = "'" + std::string(100, 'a') + "'";
    std::string e =
            "replace(replace(replace(" + s + ", 'a', " + s + "), 'a', " + s + "), 'a', " + s + ")";
    std::string got = Eval(e);
    EXPECT_EQ(got.substr(0, 27), "error: result too large (an") << got.substr(0, 200);

    std::string big = "glob(replace(replace('" + std::string(100, 'a') + "', 'a', '" +
                      std::string(100, 'a') + "'), 'a', '" + std::string(100, 'a') + "'), '" +
                      std::string(200, '*') + "b')";
    EXPECT_EQ(Eval(big).substr(0, 30), "error: glob() input too large ");
}

TEST(ExprReferences, LeadingSegments) {
    auto expr = ParseExpression(
            "inputs.a == steps.describe.result.x and account and "
            "len(steps['isolation-group'].result) > 0 and inputs.a and first(x).y and z[0].w");
    ASSERT_TRUE(expr.has_value());
    std::vector<std::vector<std::string>> want = {{"inputs", "a"},
                                                  {"steps", "describe"},
                                                  {"account"},
                                                  {"steps", "isolation-group"},
                                                  {"x"},
                                                  {"z"}};
    EXPECT_EQ(expr->references(), want);
    EXPECT_EQ(expr->text(),
              "inputs.a == steps.describe.result.x and account and "
              "len(steps['isolation-group'].result) > 0 and inputs.a and first(x).y "
              "and z[0].w");
    EXPECT_TRUE(ParseExpression("1 + len('a')")->references().empty());
}

TEST(ExprExpression, DefaultAndCopies) {
    Expression empty;
    EXPECT_EQ(empty.text(), "");
    EXPECT_TRUE(empty.references().empty());
    auto v = Evaluate(empty, Scope());
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error(), "empty expression");

    Expression copy = *ParseExpression("inputs.count + 1");
    Expression other = copy;
    EXPECT_EQ(other.text(), "inputs.count + 1");
    EXPECT_EQ(event::ToJson(Evaluate(other, Scope())->json), "4");
    // The scope need not be an object.
    EXPECT_EQ(event::ToJson(Evaluate(*ParseExpression("inputs.count == null"), JsonValue())->json),
              "true");
}

TEST(ExprTemplate, Rendering) {
    EXPECT_EQ(RenderText("{{ inputs.list }}"), "[1,2,3]");
    EXPECT_EQ(RenderText("  {{inputs.count}}\n"), "3");
    EXPECT_EQ(RenderText("{{ inputs.missing }}"), "null");
    EXPECT_EQ(RenderText("id={{ inputs.instance_id }}"), R"("id=i-0abc")");
    EXPECT_EQ(RenderText("n={{inputs.count}} ok={{inputs.flag}} none={{inputs.missing}} "
                         "l={{inputs.list}} r={{inputs.ratio}}"),
              R"("n=3 ok=true none= l=[1,2,3] r=1.5")");
    EXPECT_EQ(RenderText("{{'{{'}}x}}"), R"("{{x}}")");
    EXPECT_EQ(RenderText("{{ '}}' }}"), R"("}}")");
    EXPECT_EQ(RenderText("{{ \"a}}b\" + 'c' }}"), R"("a}}bc")");
    EXPECT_EQ(RenderText("plain text }} here { x }"), R"("plain text }} here { x }")");
    EXPECT_EQ(RenderText(""), R"("")");
    EXPECT_EQ(RenderText("{{1}}{{2}}"), R"("12")");
    EXPECT_EQ(RenderText("{{ 1 < 'a' }}"),
              "error: '<' needs two numbers or two strings, got number and string at offset 3 "
              "in ` 1 < 'a' `");
}

TEST(ExprTemplate, Structure) {
    auto literal = ParseTemplate("no holes }}");
    ASSERT_TRUE(literal.has_value());
    EXPECT_TRUE(literal->is_literal());
    EXPECT_FALSE(literal->is_single_expression());
    EXPECT_EQ(literal->text(), "no holes }}");

    auto single = ParseTemplate(" {{ a.b }} ");
    ASSERT_TRUE(single.has_value());
    EXPECT_FALSE(single->is_literal());
    EXPECT_TRUE(single->is_single_expression());
    ASSERT_EQ(single->pieces().size(), 3u);
    EXPECT_EQ(single->pieces()[1].offset, 3u);
    EXPECT_EQ(single->pieces()[1].expression.text(), " a.b ");

    auto mixed = ParseTemplate("x {{ inputs.a }} {{ steps.x.result }} {{ inputs.a }}");
    ASSERT_TRUE(mixed.has_value());
    EXPECT_FALSE(mixed->is_single_expression());
    std::vector<std::vector<std::string>> want = {{"inputs", "a"}, {"steps", "x"}};
    EXPECT_EQ(mixed->references(), want);
}

TEST(ExprTemplate, Unknown) {
    EXPECT_EQ(RenderText("{{ steps.sg.result }}"), "unknown(steps.sg.result) null");
    EXPECT_EQ(RenderText("a {{ steps.sg.result.GroupId }} b {{ steps.isolation-group.result }}"),
              "unknown(steps.sg.result.GroupId) "
              R"("a <steps.sg.result.GroupId> b <steps.isolation-group.result>")");
    EXPECT_EQ(RenderText("{{ default(inputs.name, steps.sg.result) }}!"), R"("Web!")");
}

TEST(ExprTemplate, SyntaxErrors) {
    struct ErrorCase {
        const char* text;
        size_t offset;
        const char* message;
    };

    const ErrorCase cases[] = {
            {"abc {{ x", 4, "unclosed '{{' at offset 4"},
            {"ab {{ x + }}", 10, "expected a value, found end of expression at offset 10"},
            {"{{ 'abc }}", 3, "unterminated string at offset 3"},
            {"{{ }}", 3, "empty expression at offset 3"},
            {"ok {{ a }} then {{ lenn(a) }}", 19, "unknown function 'lenn' at offset 19"},
    };
    for (const ErrorCase& c : cases) {
        auto tmpl = ParseTemplate(c.text);
        ASSERT_FALSE(tmpl.has_value()) << c.text;
        EXPECT_EQ(tmpl.error().offset, c.offset) << c.text;
        EXPECT_EQ(tmpl.error().message, c.message) << c.text;
    }
    std::string long_hole = "x {{" + std::string(kMaxExpressionBytes, ' ') + "1}}";
    auto tmpl = ParseTemplate(long_hole);
    ASSERT_FALSE(tmpl.has_value());
    EXPECT_EQ(tmpl.error().offset, 4 + kMaxExpressionBytes);
}

TEST(ExprHelpers, TextTruthyAndBuilders) {
    EXPECT_EQ(ToText(JsonString("a b")), "a b");
    EXPECT_EQ(ToText(JsonInt(-5)), "-5");
    EXPECT_EQ(ToText(JsonBool(true)), "true");
    EXPECT_EQ(ToText(JsonValue()), "");
    EXPECT_EQ(ToText(JsonArray({JsonString("x"), JsonInt(1)})), R"(["x",1])");

    EXPECT_FALSE(Truthy(JsonValue()));
    EXPECT_FALSE(Truthy(JsonBool(false)));
    EXPECT_FALSE(Truthy(JsonInt(0)));
    EXPECT_FALSE(Truthy(*event::ParseJson("0.0")));
    EXPECT_FALSE(Truthy(JsonString("")));
    EXPECT_FALSE(Truthy(JsonArray()));
    EXPECT_FALSE(Truthy(JsonObject()));
    EXPECT_TRUE(Truthy(JsonString("false")));
    EXPECT_TRUE(Truthy(JsonInt(-1)));
    EXPECT_TRUE(Truthy(JsonArray({JsonValue()})));

    JsonValue obj = JsonObject();
    SetMember(&obj, "a", JsonInt(1));
    SetMember(&obj, "b", JsonString("x"));
    SetMember(&obj, "a", JsonBool(false));
    EXPECT_EQ(event::ToJson(obj), R"({"a":false,"b":"x"})");
    JsonValue not_object = JsonInt(3);
    SetMember(&not_object, "k", JsonValue());
    EXPECT_EQ(event::ToJson(not_object), R"({"k":null})");
}

TEST(ExprPaths, BracketExpressions) {
    EXPECT_EQ(Eval("inputs.list[len(inputs.list) + -1]"), "3");
    EXPECT_EQ(Eval("inputs.words[inputs.list[0]]"), "\"a\"");
    EXPECT_EQ(Eval("finding.tags[inputs.name + '']"), "null");
    EXPECT_EQ(Eval("finding.tags['owner']"), "\"team\"");
    EXPECT_EQ(Eval("finding.tags[lower('OWNER')]"), "\"team\"");
    EXPECT_EQ(Eval("inputs.list[true]"), "null");
    EXPECT_EQ(Eval("inputs.list[inputs.ratio]"), "null");
    EXPECT_EQ(Eval("inputs.list[inputs.count + -2]"), "2");
    EXPECT_EQ(Eval("inputs.list[steps.sg.result.Index]"), "unknown(steps.sg.result.Index)");
    auto expr = ParseExpression("steps.describe.result.Reservations[inputs.count + -3].Instances");
    ASSERT_TRUE(expr);
    ASSERT_EQ(expr->references().size(), 2u);
    EXPECT_EQ(expr->references()[1], (std::vector<std::string>{"inputs", "count"}));
}

TEST(ExprFunctions, PublicStatements) {
    const char* policy =
            R"('{"Version":"2012-10-17","Statement":[{"Sid":"Pub","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"},{"Sid":"PubAws","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root","*"]},"Action":"s3:*","Resource":"*"},{"Sid":"Cond","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},{"Sid":"Deny","Effect":"Deny","Principal":"*","Action":"*","Resource":"*"},{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::2:root"},"Action":"s3:GetObject","Resource":"*"}]}')";
    EXPECT_EQ(Eval(std::string("public_statements(") + policy + ")[*].Sid"), R"(["Pub","PubAws"])");
    EXPECT_EQ(Eval(std::string("without_public_statements(") + policy + ").Statement[*].Sid"),
              R"(["Cond","Deny","Partner"])");
    EXPECT_EQ(Eval("public_statements(null)"), "[]");
    EXPECT_EQ(Eval("without_public_statements(null)"), "null");
    // A single statement written as an object.
    EXPECT_EQ(
            Eval(R"(without_public_statements('{"Statement":{"Effect":"Allow","Principal":"*"}}'))"),
            R"({"Statement":[]})");
    EXPECT_EQ(Eval("public_statements(from_json('{}'))"), "[]");
    EXPECT_EQ(Eval("public_statements('not json')").substr(0, 6), "error:");
    EXPECT_EQ(Eval("public_statements(3)").substr(0, 6), "error:");
}

TEST(ExprFunctions, OpenToWorld) {
    const char* perms =
            R"(from_json('[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"0.0.0.0/0","Description":"x"},{"CidrIp":"10.0.0.0/8"}],"UserIdGroupPairs":[{"GroupId":"sg-1"}]},{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]},{"IpProtocol":"tcp","FromPort":3000,"ToPort":4000,"Ipv6Ranges":[{"CidrIpv6":"::/0"}]},{"IpProtocol":"-1","IpRanges":[{"CidrIp":"0.0.0.0/0"}]},{"IpProtocol":"tcp","FromPort":3389,"ToPort":3389,"IpRanges":[{"CidrIp":"192.0.2.0/24"}]}]'))";
    EXPECT_EQ(
            Eval(std::string("open_to_world(") + perms + ", ['22', 3389, ' 3306 '])"),
            R"([{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]},)"
            R"({"IpProtocol":"tcp","FromPort":3000,"ToPort":4000,"Ipv6Ranges":[{"CidrIpv6":"::/0"}]},)"
            R"({"IpProtocol":"-1","IpRanges":[{"CidrIp":"0.0.0.0/0"}]}])");
    EXPECT_EQ(Eval(std::string("len(open_to_world(") + perms + ", null))"), "4");
    EXPECT_EQ(Eval(std::string("open_to_world(") + perms + ", [3306])[*].IpProtocol"),
              R"(["tcp","-1"])");
    EXPECT_EQ(Eval(std::string("open_to_world(") + perms + ", [3500])[0].Ipv6Ranges"),
              R"([{"CidrIpv6":"::/0"}])");
    EXPECT_EQ(Eval("open_to_world(null, [22])"), "[]");
    EXPECT_EQ(Eval("open_to_world([], ['x'])").substr(0, 6), "error:");
    EXPECT_EQ(Eval("open_to_world(3, [])").substr(0, 6), "error:");
}

}  // namespace
}  // namespace firebreak::response
