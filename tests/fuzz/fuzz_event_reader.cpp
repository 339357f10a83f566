// fuzz_event_reader: arbitrary bytes (plain or gzip) -> EventReader::ReadBytes ->
// CompiledRuleset::Match.
//
// The field plan comes from a small fixed ruleset, so extraction walks real nested paths
// (userIdentity.type, requestParameters.ipPermissions.items.ipRanges.items.cidrIp,
// detail.severity, ...) and arrays of objects. Properties checked on every input:
//   * no sanitizer report (ASan, UBSan) and every delivered value is readable during the callback;
//   * Match returns ascending, distinct, in-range rule indexes;
//   * record indexes passed to the callback strictly increase; stats agree with the callbacks;
//   * issue offsets lie inside the decoded text;
//   * reading the same bytes again with the same (now warm) reader gives the same events,
//     matches, stats and issues;
//   * when the input is one valid JSON object (no "Records", no duplicate keys), the compiled
//     matcher agrees with the reference interpreter for every rule.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/event/event_reader.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/matcher/compiled_ruleset.h"
#include "firebreak/matcher/reference.h"
#include "firebreak/rules/rule.h"
#include "fuzz_common.h"

namespace {

using namespace firebreak;

// Fixed rules: their paths make up the field plan the reader extracts.
constexpr std::string_view kRules = R"yaml(
id: sg-open
title: t
description: d
severity: medium
match:
  eventSource: ["ec2.amazonaws.com"]
  eventName: ["AuthorizeSecurityGroupIngress"]
  requestParameters:
    $or:
      - ipPermissions:
          items:
            ipRanges:
              items:
                cidrIp: [{suffix: "/0"}]
      - ipPermissions:
          items:
            ipv6Ranges:
              items:
                cidrIpv6: [{suffix: "/0"}]
      - cidrIp: [{suffix: "/0"}]
---
id: sg-admin-port
title: t
description: d
severity: high
match:
  eventName: ["AuthorizeSecurityGroupIngress"]
  requestParameters:
    ipPermissions:
      items:
        fromPort: [{numeric: ["<=", 22]}]
        toPort: [{numeric: [">=", 22]}]
        ipRanges:
          items:
            cidrIp: ["0.0.0.0/0"]
---
id: root-activity
title: t
description: d
severity: high
match:
  userIdentity:
    type: ["Root"]
    invokedBy: [{exists: false}]
  eventType: [{anything-but: "AwsServiceEvent"}]
unless:
  - sourceIPAddress: [{cidr: "10.0.0.0/8"}]
---
id: stop-logging
title: t
description: d
severity: high
match:
  eventSource: ["cloudtrail.amazonaws.com"]
  eventName: ["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"]
---
id: console-login-no-mfa
title: t
description: d
severity: medium
match:
  eventName: [ConsoleLogin]
  additionalEventData:
    MFAUsed: [{equals-ignore-case: "no"}]
  responseElements:
    ConsoleLogin: ["Success"]
---
id: guardduty-high
title: t
description: d
severity: high
match:
  source: ["aws.guardduty"]
  detail-type: ["GuardDuty Finding"]
  detail:
    severity: [{numeric: [">=", 7]}]
    type: [{wildcard: "*Exfiltration*"}, {prefix: {equals-ignore-case: "backdoor:"}}]
---
id: access-key-created
title: t
description: d
severity: low
match:
  eventName: [CreateAccessKey]
  userIdentity:
    arn: [{anything-but: {suffix: ":root"}}]
    sessionContext:
      sessionIssuer:
        userName: [{exists: true}]
  errorCode: [{exists: false}]
---
id: dotted-and-null
title: t
description: d
severity: informational
match:
  requestParameters.bucketName: [{prefix: "prod-"}, null, true, 300]
  responseElements: [null]
---
id: s3-public
title: t
description: d
severity: critical
match:
  eventSource: [s3.amazonaws.com]
  requestParameters:
    $or:
      - AccessControlPolicy:
          AccessControlList:
            Grant:
              Grantee:
                URI: ["http://acs.amazonaws.com/groups/global/AllUsers"]
              Permission: [FULL_CONTROL, READ]
      - x-amz-acl: [public-read, public-read-write]
)yaml";

struct State {
    std::shared_ptr<const matcher::CompiledRuleset> ruleset;
    std::vector<rules::Expr> conditions;
};

const State& GetState() {
    static const State state = [] {
        State s;
        Diagnostics diags;
        rules::LoadResult loaded =
                rules::LoadRules({{"fuzz:rules.yaml", std::string(kRules)}}, {}, &diags);
        std::string why;
        for (const Diagnostic& d : diags.items()) {
            why += d.ToString() + "\n";
        }
        FIREBREAK_FUZZ_CHECK(loaded.ok && !diags.has_errors() && loaded.rules.size() == 9, why);
        for (const rules::Rule& r : loaded.rules) {
            s.conditions.push_back(r.Condition());
        }
        s.ruleset = matcher::CompiledRuleset::Compile(std::move(loaded.rules));
        return s;
    }();
    return state;
}

struct ReadOutcome {
    std::string digest;
    std::vector<std::vector<uint32_t>> matches;  // per delivered event
    event::ReadStats stats;
    std::vector<event::ReadIssue> issues;
};

ReadOutcome Read(event::EventReader& reader,
                 const matcher::CompiledRuleset& rs,
                 matcher::MatchScratch& scratch,
                 std::string_view bytes) {
    ReadOutcome out;
    const size_t fields = rs.plan().field_count();
    uint64_t callbacks = 0;
    int64_t last_index = -1;
    std::vector<uint32_t> matched;
    volatile uint64_t sink = 0;
    auto on_event = [&](const event::ExtractedEvent& ev, uint64_t record_index) {
        ++callbacks;
        FIREBREAK_FUZZ_CHECK(static_cast<int64_t>(record_index) > last_index,
                             "record index " + std::to_string(record_index) + " after " +
                                     std::to_string(last_index));
        last_index = static_cast<int64_t>(record_index);
        sink = sink + firebreak::fuzz::TouchEvent(ev, fields);
        matched.clear();
        rs.Match(ev, scratch, &matched);
        for (size_t k = 0; k < matched.size(); ++k) {
            FIREBREAK_FUZZ_CHECK(matched[k] < rs.rule_count(), "rule index out of range");
            FIREBREAK_FUZZ_CHECK(k == 0 || matched[k - 1] < matched[k],
                                 "matches not ascending and distinct");
        }
        out.digest += "#" + std::to_string(record_index) + " ";
        firebreak::fuzz::AppendEventDigest(ev, fields, &out.digest);
        out.digest += "matched";
        for (uint32_t m : matched) {
            out.digest += " " + std::to_string(m);
        }
        out.digest += "\n";
        out.matches.push_back(matched);
    };
    out.stats = reader.ReadBytes(bytes, on_event, &out.issues);
    FIREBREAK_FUZZ_CHECK(out.stats.events == callbacks, "stats.events != callbacks");
    FIREBREAK_FUZZ_CHECK(out.stats.bytes_in == bytes.size(), "bytes_in");
    if (!event::LooksGzipped(bytes)) {
        FIREBREAK_FUZZ_CHECK(out.stats.bytes_decoded == bytes.size(), "bytes_decoded (plain)");
    }
    FIREBREAK_FUZZ_CHECK(
            out.stats.events > 0 || out.stats.events_skipped > 0 || out.stats.input_unusable,
            "nothing read but the input is not marked unusable");
    for (const event::ReadIssue& issue : out.issues) {
        FIREBREAK_FUZZ_CHECK(
                issue.byte_offset >= -1 &&
                        issue.byte_offset <= static_cast<int64_t>(out.stats.bytes_decoded),
                "issue offset " + std::to_string(issue.byte_offset) +
                        " outside the decoded text (" + std::to_string(out.stats.bytes_decoded) +
                        " bytes): " + issue.message);
        FIREBREAK_FUZZ_CHECK(!issue.message.empty(), "empty issue message");
    }
    firebreak::fuzz::AppendStatsDigest(out.stats, out.issues, &out.digest);
    return out;
}

// One valid JSON object (not a CloudTrail log file): the reader must deliver it as one event, and
// the compiled matcher must agree with the reference interpreter on it.
void CheckAgainstReference(const State& state,
                           std::string_view bytes,
                           const ReadOutcome& got,
                           bool unwrap) {
    if (event::LooksGzipped(bytes)) {
        return;
    }
    auto tree = event::ParseJson(bytes);
    if (!tree || !tree->is_object() || tree->Find("Records") != nullptr ||
        firebreak::fuzz::HasDuplicateKeys(*tree)) {
        return;
    }
    FIREBREAK_FUZZ_CHECK(got.stats.events == 1 && got.issues.empty(),
                         "a valid JSON object was not read as exactly one event\n" + got.digest);
    for (size_t r = 0; r < state.conditions.size(); ++r) {
        bool compiled = false;
        for (uint32_t m : got.matches[0]) {
            compiled |= m == r;
        }
        bool reference = matcher::ReferenceMatch(state.conditions[r], *tree, unwrap);
        FIREBREAK_FUZZ_CHECK(compiled == reference,
                             "compiled matcher and reference disagree on rule " +
                                     state.ruleset->rule(r).id + " (compiled " +
                                     (compiled ? "matches" : "does not match") + ", unwrap " +
                                     (unwrap ? "on" : "off") +
                                     ")\ncondition: " + state.conditions[r].ToCanonicalString() +
                                     "\nevent: " + firebreak::fuzz::Printable(bytes));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const State& state = GetState();
    const matcher::CompiledRuleset& rs = *state.ruleset;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);

    {
        event::EventReader reader(rs.plan(), event::ReaderOptions{});
        matcher::MatchScratch scratch(rs);
        ReadOutcome first = Read(reader, rs, scratch, bytes);
        ReadOutcome again = Read(reader, rs, scratch, bytes);
        FIREBREAK_FUZZ_CHECK(first.digest == again.digest,
                             "a second read of the same bytes differs\n--- first\n" + first.digest +
                                     "--- again\n" + again.digest);
        CheckAgainstReference(state, bytes, first, true);
    }
    {
        event::ReaderOptions options;
        options.unwrap_cloudtrail_envelopes = false;
        event::EventReader reader(rs.plan(), options);
        matcher::MatchScratch scratch(rs);
        ReadOutcome raw = Read(reader, rs, scratch, bytes);
        CheckAgainstReference(state, bytes, raw, false);
    }
    return 0;
}
