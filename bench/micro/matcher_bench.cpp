// Hypothesis: with the discriminant index and memoised predicates, matching an already extracted
// CloudTrail event against the whole built-in pack costs far less than reading it (decompress +
// parse), so the hunt is bound by input, not by rules. Compare BM_MatchBuiltinPack with
// BM_ReadOnly on the same events (same run, same machine).
#include <benchmark/benchmark.h>

#include "firebreak/builtin_rules.h"
#include "firebreak/event/event_reader.h"
#include "firebreak/matcher/compiled_ruleset.h"

namespace {

using namespace firebreak;  // NOLINT(google-build-using-namespace): benchmark file

std::string SampleRecords(int n) {
    std::string s = "{\"Records\":[";
    for (int i = 0; i < n; ++i) {
        s += (i ? "," : "") +
             std::string(
                     R"({"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:s","arn":"arn:aws:sts::111122223333:assumed-role/app/s","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE"},"eventTime":"2026-11-02T10:00:00Z","eventSource":"ec2.amazonaws.com","eventName":")") +
             (i % 3 == 0   ? "DescribeInstances"
              : i % 3 == 1 ? "RunInstances"
                           : "CreateTags") +
             R"(","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.13.0","requestParameters":{"instancesSet":{"items":[{"imageId":"ami-0a1b2c3d4e5f60718","minCount":1,"maxCount":1}]}},"responseElements":null,"requestID":"r","eventID":"e","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"})";
    }
    return s + "]}";
}

std::shared_ptr<const matcher::CompiledRuleset> Pack() {
    Diagnostics d;
    auto loaded = rules::LoadRules(BuiltinRuleSources(), {}, &d);
    return matcher::CompiledRuleset::Compile(std::move(loaded.rules));
}

void BM_ReadOnly(benchmark::State& state) {
    auto rs = Pack();
    std::string data = SampleRecords(1000);
    event::EventReader reader(rs->plan(), {});
    for (auto _ : state) {
        uint64_t n = 0;
        reader.ReadBytes(
                data, [&](const event::ExtractedEvent&, uint64_t) { ++n; }, nullptr);
        benchmark::DoNotOptimize(n);
    }
    state.SetItemsProcessed(state.iterations() * 1000);
}

BENCHMARK(BM_ReadOnly);

void BM_MatchBuiltinPack(benchmark::State& state) {
    auto rs = Pack();
    std::string data = SampleRecords(1000);
    event::EventReader reader(rs->plan(), {});
    matcher::MatchScratch scratch(*rs);
    std::vector<uint32_t> matched;
    for (auto _ : state) {
        reader.ReadBytes(
                data,
                [&](const event::ExtractedEvent& e, uint64_t) {
                    matched.clear();
                    rs->Match(e, scratch, &matched);
                },
                nullptr);
    }
    state.SetItemsProcessed(state.iterations() * 1000);
}

BENCHMARK(BM_MatchBuiltinPack);

}  // namespace

BENCHMARK_MAIN();
