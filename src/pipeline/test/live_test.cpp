#include "firebreak/pipeline/live.h"

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <zlib.h>

#include "firebreak/event/json_tree.h"
#include "firebreak/rules/rule.h"

namespace firebreak::pipeline {
namespace {

std::shared_ptr<const matcher::CompiledRuleset> Rules(const std::string& text) {
    Diagnostics d;
    auto loaded = rules::LoadRules({rules::RuleSource{"test.yaml", text}}, {}, &d);
    EXPECT_FALSE(d.has_errors());
    return matcher::CompiledRuleset::Compile(std::move(loaded.rules));
}

constexpr const char* kStopLogging = R"(id: stop
title: Trail stopped
description: t
severity: high
match: {eventSource: [cloudtrail.amazonaws.com], eventName: [StopLogging]}
tests:
  - {name: a, expect: match, event: {eventSource: cloudtrail.amazonaws.com, eventName: StopLogging}}
  - {name: b, expect: no-match, event: {eventSource: cloudtrail.amazonaws.com, eventName: GetTrail}}
)";

std::string Record(const std::string& id, const std::string& name, const std::string& extra = "") {
    return R"({"eventSource":"cloudtrail.amazonaws.com","eventName":")" + name +
           R"(","eventID":")" + id +
           R"(","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/a"},"requestParameters":{"name":"t")" +
           extra + "}}";
}

std::string Gzip(const std::string& text) {
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&z, text.size()) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    z.avail_in = static_cast<uInt>(text.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

// The simple reference: parse everything, pick records by id.
std::map<std::string, std::string> Reference(const std::string& payload,
                                             const std::vector<std::string>& ids) {
    std::map<std::string, std::string> out;
    std::vector<event::JsonValue> records;
    auto add_doc = [&](const event::JsonValue& doc) {
        const event::JsonValue* r = doc.is_object() ? doc.Find("Records") : nullptr;
        if (doc.is_array()) {
            records.insert(records.end(), doc.items.begin(), doc.items.end());
        } else if (r != nullptr && r->is_array()) {
            records.insert(records.end(), r->items.begin(), r->items.end());
        } else {
            records.push_back(doc);
        }
    };
    Result<event::JsonValue> whole = event::ParseJson(payload);
    if (whole) {
        add_doc(*whole);
    } else {
        size_t start = 0;
        while (start < payload.size()) {
            size_t end = payload.find('\n', start);
            end = end == std::string::npos ? payload.size() : end;
            Result<event::JsonValue> line = event::ParseJson(payload.substr(start, end - start));
            if (line) {
                add_doc(*line);
            }
            start = end + 1;
        }
    }
    for (const std::string& id : ids) {
        for (const event::JsonValue& r : records) {
            const event::JsonValue* e = r.Find("eventID");
            const event::JsonValue* i = r.Find("id");
            const event::JsonValue* d = r.Find("detail");
            const event::JsonValue* de = d != nullptr ? d->Find("eventID") : nullptr;
            if ((e != nullptr && e->text == id) || (i != nullptr && i->text == id) ||
                (de != nullptr && de->text == id)) {
                out[id] = event::ToJson(r);
                break;
            }
        }
    }
    return out;
}

TEST(RecordsById, FindsRecordsInEveryShape) {
    std::string a = Record("id-a", "StopLogging");
    std::string b = Record("id-b", "GetTrail", R"(,"note":"mentions \"id-a\" and {braces}")");
    std::string envelope =
            R"({"version":"0","id":"env-1","detail-type":"AWS API Call via CloudTrail","source":"aws.cloudtrail","detail":)" +
            Record("id-c", "StopLogging") + "}";
    std::vector<std::string> payloads = {
            "{\"Records\":[" + a + "," + b + "]}",
            a + "\n" + b + "\n",
            "[" + b + "," + a + "]",
            a,
            envelope,
            "[" + envelope + "," + a + "]",
    };
    std::vector<std::string> ids = {"id-a", "id-b", "id-c", "env-1", "missing"};
    for (const std::string& p : payloads) {
        auto expected = Reference(p, ids);
        for (const std::string& payload : {p, Gzip(p)}) {
            auto got = RecordsById(payload, ids);
            std::map<std::string, std::string> map(got.begin(), got.end());
            EXPECT_EQ(map, expected) << p;
        }
    }
}

// Differential: random batches of records whose strings hold quotes, braces, backslashes and
// other records' ids; the one-pass scanner must agree with the full parse.
TEST(RecordsById, AgreesWithTheFullParseOnRandomBatches) {
    std::mt19937 rng(7);
    const char* noise[] = {R"(\")", "{", "}", R"(\\)", "[", "]", ":", ",", "x"};
    for (int round = 0; round < 300; ++round) {
        int n = 1 + static_cast<int>(rng() % 6);
        std::vector<std::string> ids;
        std::string records;
        for (int i = 0; i < n; ++i) {
            std::string id = "e" + std::to_string(round) + "-" + std::to_string(i);
            ids.push_back(id);
            std::string note;
            for (int k = 0; k < 6; ++k) {
                note += noise[rng() % 9];
                if (rng() % 4 == 0 && i > 0) {
                    note += R"(\")" + ids[rng() % i] + R"(\")";
                }
            }
            records += (i > 0 ? "," : "") +
                       Record(id, i % 2 ? "StopLogging" : "GetTrail", R"(,"note":")" + note + "\"");
        }
        std::string payload = rng() % 2 ? "{\"Records\":[" + records + "]}" : "[" + records + "]";
        ASSERT_TRUE(event::ParseJson(payload).has_value()) << payload;
        auto expected = Reference(payload, ids);
        auto got = RecordsById(payload, ids);
        std::map<std::string, std::string> map(got.begin(), got.end());
        ASSERT_EQ(map, expected) << payload;
    }
}

TEST(LivePipeline, MatchesBatchesAndHandsThemToTheSink) {
    RulesetHolder holder(Rules(kStopLogging));
    std::mutex mu;
    std::vector<std::string> found;
    std::set<uint64_t> seqs;
    LiveOptions options;
    options.workers = 2;
    LivePipeline pipeline(options, &holder, [&](BatchResult& r) {
        std::lock_guard<std::mutex> lock(mu);
        seqs.insert(r.batch->seq);
        for (const LiveMatch& m : r.matches) {
            found.push_back(m.finding.event_id);
            EXPECT_NE(m.event_json.find(m.finding.event_id), std::string::npos);
            EXPECT_NE(m.asff_json.find("\"GeneratorId\":\"stop\""), std::string::npos);
        }
    });
    pipeline.Start();
    for (uint64_t i = 1; i <= 50; ++i) {
        std::string id = "ev-" + std::to_string(i);
        LiveBatch batch;
        batch.seq = i;
        batch.source = "test";
        batch.payload = "{\"Records\":[" + Record(id, i % 2 ? "StopLogging" : "GetTrail") + "]}";
        ASSERT_TRUE(pipeline.PushWait(std::move(batch)));
    }
    pipeline.Stop();  // drains
    EXPECT_EQ(seqs.size(), 50u);
    EXPECT_EQ(found.size(), 25u);
    EXPECT_EQ(pipeline.counters().events.load(), 50u);
    EXPECT_EQ(pipeline.counters().matches.load(), 25u);
}

TEST(LivePipeline, RefusesWhenFullAndGivesRoomBack) {
    RulesetHolder holder(Rules(kStopLogging));
    std::atomic<bool> release{false};
    LiveOptions options;
    options.workers = 1;
    options.max_batches = 2;
    options.max_bytes = 1 << 20;
    LivePipeline pipeline(options, &holder, [&](BatchResult&) {
        while (!release.load()) {
            std::this_thread::yield();
        }
    });
    pipeline.Start();
    ASSERT_TRUE(pipeline.TryReserve(10));
    ASSERT_TRUE(pipeline.TryReserve(10));
    EXPECT_FALSE(pipeline.TryReserve(10)) << "two batches is the bound";
    pipeline.CancelReservation(10);
    EXPECT_TRUE(pipeline.TryReserve(10));
    EXPECT_EQ(pipeline.counters().refused_full.load(), 1u);
    for (int i = 0; i < 2; ++i) {
        LiveBatch b;
        b.seq = static_cast<uint64_t>(i + 1);
        b.payload = Record("x" + std::to_string(i), "GetTrail");
        pipeline.PushReserved(std::move(b));
    }
    release = true;
    pipeline.Stop();
    EXPECT_EQ(pipeline.counters().batches.load(), 2u);
    // A byte budget: one batch larger than it is still taken when nothing else is queued.
    options.max_bytes = 100;
    LivePipeline small(options, &holder, [](BatchResult&) {});
    EXPECT_TRUE(small.TryReserve(1000));
    EXPECT_FALSE(small.TryReserve(1));
}

TEST(LivePipeline, ReloadSwapsTheRulesetBetweenBatches) {
    RulesetHolder holder(Rules(kStopLogging));
    std::mutex mu;
    std::vector<std::string> rules_hit;
    LiveOptions options;
    options.workers = 1;
    LivePipeline pipeline(options, &holder, [&](BatchResult& r) {
        std::lock_guard<std::mutex> lock(mu);
        for (const LiveMatch& m : r.matches) {
            rules_hit.push_back(m.finding.rule->id);
        }
    });
    pipeline.Start();
    LiveBatch first;
    first.seq = 1;
    first.payload = Record("a", "GetTrail");
    ASSERT_TRUE(pipeline.PushWait(std::move(first)));
    for (;;) {
        if (pipeline.counters().batches.load() == 1) {
            break;
        }
        std::this_thread::yield();
    }
    holder.Set(Rules(std::string(R"(id: gett
title: GetTrail
description: t
severity: low
match: {eventSource: [cloudtrail.amazonaws.com], eventName: [GetTrail]}
tests:
  - {name: a, expect: match, event: {eventSource: cloudtrail.amazonaws.com, eventName: GetTrail}}
  - {name: b, expect: no-match, event: {eventSource: cloudtrail.amazonaws.com, eventName: StopLogging}}
)")));
    LiveBatch second;
    second.seq = 2;
    second.payload = Record("b", "GetTrail");
    ASSERT_TRUE(pipeline.PushWait(std::move(second)));
    pipeline.Stop();
    EXPECT_EQ(rules_hit, std::vector<std::string>{"gett"});
    EXPECT_EQ(pipeline.counters().ruleset_swaps.load(), 1u);
    EXPECT_EQ(holder.generation(), 2u);
}

}  // namespace
}  // namespace firebreak::pipeline
