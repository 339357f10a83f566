// fuzz_pattern: a differential fuzzer for the EventBridge pattern compiler and the compiled
// matcher.
//
// Input: EventBridge pattern JSON text, optionally followed by a NUL byte and one extra event (JSON
// object). The pattern goes to rules::CompilePatternJson; when it compiles, it is matched against
// a few fixed events (and the extra one) by
//   * the compiled matcher (CompiledRuleset::Match on what EventReader extracted), and
//   * the reference interpreter (matcher::ReferenceMatch on the JSON tree),
// with CloudTrail envelope unwrapping on and off, as a rule's `match` and as its `unless`.
// Any disagreement traps. Events with duplicate keys are not compared (their meaning is not
// specified); the fixed events have none.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/event/event_reader.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/matcher/compiled_ruleset.h"
#include "firebreak/matcher/reference.h"
#include "firebreak/rules/pattern.h"
#include "firebreak/rules/rule.h"
#include "fuzz_common.h"

namespace {

using namespace firebreak;

// Small events with the keys the conformance corpus and the seeds use (a, b, c, d, x, y, z, foo,
// bar, detail.*), arrays of objects, nested arrays, dotted keys, numbers written several ways,
// IP addresses, non-ASCII text, and both kinds of EventBridge envelope.
constexpr std::string_view kEvents[] = {
        R"({"a":"10.0.0.143","b":300,"c":"Child1","d":[{"a":1,"name":"alice","type":"user"},{"a":"x","name":"bob"}],"x":null,"y":true,"z":[0.1,-3,3.0e2],"foo":{"bar":["abc","ABC",""]},"x.y":"dotted","w":{"x.y":{"z":"deep"}}})",
        R"({"employees":[[{"firstName":"John","lastName":"Doe","ids":[1234,1000,9999]},{"firstName":"Anna","lastName":"Smith"}],[{"firstName":"Peter","lastName":"Jones","ids":[]}]],"a":[],"b":{},"c":[[1,2],[3,"3"]],"d":[{"a":[{"b":1},{"b":2,"c":3}]},{"a":{"b":4}}]})",
        R"({"version":"0","id":"ddddd4-aaaa-7777-4444-345dd43cc333","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"012345679012","time":"2017-10-02T16:24:49Z","region":"us-east-1","resources":["arn:aws:ec2:us-east-1:012345679012:instance/i-000000aaaaaa00000"],"detail":{"c.count":5,"d.count":3,"x.limit":301.8,"instance-id":"i-000000aaaaaa00000","state":"running","c":{"count":7}}})",
        R"({"version":"0","id":"e1","detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","account":"111122223333","time":"2026-11-02T12:25:02Z","region":"us-east-1","resources":["arn:aws:ec2:::r1"],"detail":{"eventVersion":"1.10","eventSource":"ec2.amazonaws.com","eventName":"AuthorizeSecurityGroupIngress","awsRegion":"us-east-1","sourceIPAddress":"2001:db8::1","userIdentity":{"type":"Root","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"},"resources":[{"ARN":"arn:aws:ec2:::r2","type":"AWS::EC2::SecurityGroup"}],"requestParameters":{"groupId":"sg-1","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"},{"cidrIp":"10.0.0.0/8"}]}},{"fromPort":443,"toPort":443,"ipRanges":{"items":[{"cidrIp":"192.168.1.0/24"}]}}]}},"responseElements":null,"readOnly":false}})",
        R"({"version":"0","id":"g1","detail-type":"GuardDuty Finding","source":"aws.guardduty","account":"111122223333","region":"us-east-1","resources":[],"detail":{"severity":8.5,"type":"Backdoor:EC2/C&CActivity.B","id":"abc","eventName":"nested","service":{"count":[1,2],"action":{"remoteIpDetails":{"ipAddressV4":"203.0.113.201"}}}}})",
        R"({"eventVersion":"1.08","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","sourceIPAddress":"203.0.113.66","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/ci","sessionContext":{"sessionIssuer":{"userName":"Admin"}}},"errorCode":"AccessDenied","requestParameters":{"userName":"backdoor","tags":[{"key":"k","value":"v"},{"key":"env","value":"prod"}]}})",
        R"({"a":"ǅungla straße ΣΑΣ","b":"x\u0000y\"","c":"a*b\\c","d":"1.2.3.4","e":"::ffff:10.0.0.1","f":1e400,"g":-0,"h":0.30000000000000004,"i":"","j":[null,true,false],"k":"0xA","l":1.0,"m":"10.0.0.01","n":"-5"})",
};

struct Fixed {
    std::vector<std::string> text;
    std::vector<event::JsonValue> tree;
};

const Fixed& FixedEvents() {
    static const Fixed fixed = [] {
        Fixed f;
        for (std::string_view e : kEvents) {
            auto tree = event::ParseJson(e);
            FIREBREAK_FUZZ_CHECK(tree.has_value() && tree->is_object() &&
                                         !firebreak::fuzz::HasDuplicateKeys(*tree),
                                 std::string("bad fixed event: ") + std::string(e));
            f.text.emplace_back(e);
            f.tree.push_back(std::move(*tree));
        }
        return f;
    }();
    return fixed;
}

// The IR a pattern compiles to: Or(ConsistentAnd(Field...)...) or a single ConsistentAnd.
void CheckShape(const rules::Expr& e) {
    auto check_conj = [](const rules::Expr& c) {
        FIREBREAK_FUZZ_CHECK(
                c.kind == rules::ExprKind::kConsistentAnd && !c.children.empty(),
                "pattern alternative is not a non-empty ConsistentAnd: " + c.ToCanonicalString());
        for (const rules::Expr& f : c.children) {
            FIREBREAK_FUZZ_CHECK(f.kind == rules::ExprKind::kField && !f.field.any_of.empty(),
                                 "ConsistentAnd child is not a field test");
        }
    };
    if (e.kind == rules::ExprKind::kOr) {
        FIREBREAK_FUZZ_CHECK(
                e.children.size() >= 2 && e.children.size() <= rules::kMaxOrCombinations,
                "bad $or expansion size");
        for (const rules::Expr& c : e.children) {
            check_conj(c);
        }
    } else {
        check_conj(e);
    }
}

void Compare(const matcher::CompiledRuleset& rs,
             const std::vector<rules::Expr>& conditions,
             std::string_view text,
             const event::JsonValue& tree,
             bool unwrap) {
    event::ReaderOptions options;
    options.unwrap_cloudtrail_envelopes = unwrap;
    event::EventReader reader(rs.plan(), options);
    matcher::MatchScratch scratch(rs);
    std::vector<uint32_t> matched;
    int events = 0;
    std::vector<event::ReadIssue> issues;
    reader.ReadBytes(
            text,
            [&](const event::ExtractedEvent& ev, uint64_t) {
                ++events;
                matched.clear();
                rs.Match(ev, scratch, &matched);
            },
            &issues);
    FIREBREAK_FUZZ_CHECK(events == 1 && issues.empty(),
                         "event not read as one event: " + firebreak::fuzz::Printable(text));
    for (size_t r = 0; r < conditions.size(); ++r) {
        bool compiled = false;
        for (uint32_t m : matched) {
            compiled |= m == r;
        }
        bool reference = matcher::ReferenceMatch(conditions[r], tree, unwrap);
        FIREBREAK_FUZZ_CHECK(compiled == reference,
                             "compiled matcher and reference disagree (compiled " +
                                     std::string(compiled ? "matches" : "does not match") +
                                     ", unwrap " + (unwrap ? "on" : "off") +
                                     ")\ncondition: " + conditions[r].ToCanonicalString() +
                                     "\nevent: " + firebreak::fuzz::Printable(text));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const Fixed& fixed = FixedEvents();
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string_view pattern_text = input;
    std::string_view extra_text;
    if (size_t nul = input.find('\0'); nul != std::string_view::npos) {
        pattern_text = input.substr(0, nul);
        extra_text = input.substr(nul + 1);
    }

    Diagnostics diags;
    std::optional<rules::Expr> expr = rules::CompilePatternJson(pattern_text, &diags);
    if (!expr) {
        FIREBREAK_FUZZ_CHECK(diags.has_errors(), "pattern refused without an error diagnostic");
        return 0;
    }
    FIREBREAK_FUZZ_CHECK(!diags.has_errors(), "pattern compiled but errors were reported");
    CheckShape(*expr);

    // Rule 0: the pattern as `match`. Rule 1: the pattern as `unless` of a rule whose `match` fires
    // on every fixed event (one of a, detail-type, eventName, employees exists), so the Not path
    // and the discriminant index are exercised too.
    std::vector<rules::Rule> rule_list;
    rules::Rule as_match;
    as_match.id = "as-match";
    as_match.match = *expr;
    rule_list.push_back(as_match);

    Diagnostics d2;
    auto anything = rules::CompilePatternJson(
            R"({"$or":[{"a":[{"exists":true}]},{"detail-type":[{"exists":true}]},{"eventName":[{"exists":true}]},{"employees":[{"exists":true}]}]})",
            &d2);
    FIREBREAK_FUZZ_CHECK(anything.has_value(), "fixed pattern failed to compile");
    rules::Rule as_unless;
    as_unless.id = "as-unless";
    as_unless.match = *anything;
    as_unless.unless.push_back(*expr);
    rule_list.push_back(as_unless);

    std::vector<rules::Expr> conditions;
    for (const rules::Rule& r : rule_list) {
        conditions.push_back(r.Condition());
    }
    auto ruleset = matcher::CompiledRuleset::Compile(std::move(rule_list));

    for (size_t i = 0; i < fixed.text.size(); ++i) {
        Compare(*ruleset, conditions, fixed.text[i], fixed.tree[i], true);
        Compare(*ruleset, conditions, fixed.text[i], fixed.tree[i], false);
    }
    if (!extra_text.empty()) {
        auto tree = event::ParseJson(extra_text);
        if (tree && tree->is_object() && tree->Find("Records") == nullptr &&
            !firebreak::fuzz::HasDuplicateKeys(*tree)) {
            Compare(*ruleset, conditions, extra_text, *tree, true);
            Compare(*ruleset, conditions, extra_text, *tree, false);
        }
    }
    return 0;
}
