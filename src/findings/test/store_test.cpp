// File: store_test.cpp
//
// FindingStore on real SQLite files in a per-test directory: the four record outcomes, the
// aggregation window's edges and out-of-order events, resolved findings, deterministic ids on a
// fresh store and on replay, concurrent writers with overlapping events, persistence across
// reopen, filters and paging, the status workflow and its history, suppressions and their expiry,
// links, pending responses, the JSON renderings (parsed back, hostile strings included) and bad
// files. RecordBatch's time for 100 inputs is printed, not asserted.
#include "firebreak/findings/store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "firebreak/event/event_reader.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/rules/rule.h"

namespace firebreak::findings {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

fs::path TestDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    fs::path dir = fs::path(::testing::TempDir()) /
                   (std::string("finding_store_") + info->name() + "_" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

TimePoint T(const char* iso) {
    std::optional<TimePoint> t = ParseIsoTime(iso);
    EXPECT_TRUE(t.has_value()) << iso;
    return t.value_or(TimePoint());
}

const TimePoint kNow = T("2026-11-02T13:00:00Z");

std::unique_ptr<FindingStore> OpenStore(const fs::path& path, StoreOptions options = {}) {
    Result<std::unique_ptr<FindingStore>> store = FindingStore::Open(path.string(), options);
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().ToString());
    if (!store)
        return nullptr;
    return std::move(*store);
}

FindingInput Input(const std::string& event_id,
                   const std::string& time = "2026-11-02T12:00:00Z",
                   const std::string& principal = "arn:aws:iam::111122223333:user/alice",
                   const std::string& rule = "cloudtrail-stopped") {
    FindingInput in;
    in.rule_id = rule;
    in.rule_title = "CloudTrail logging stopped";
    in.severity = "high";
    in.account = "111122223333";
    in.region = "us-east-1";
    in.principal = principal;
    in.resource = "arn:aws:cloudtrail:us-east-1:111122223333:trail/main";
    in.event_id = event_id;
    in.event_time = time;
    in.event_name = "StopLogging";
    in.source_ip = "203.0.113.7";
    in.asff_json = "{\"Id\":\"firebreak/" + rule + "/" + event_id + "\"}";
    in.event_json = "{\"eventID\":\"" + event_id + "\"}";
    return in;
}

std::vector<RecordResult> Record(FindingStore& store,
                                 const std::vector<FindingInput>& inputs,
                                 TimePoint now = kNow) {
    Result<std::vector<RecordResult>> r = store.RecordBatch(inputs, now);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().ToString());
    if (!r)
        return {};
    EXPECT_EQ(r->size(), inputs.size());
    return std::move(*r);
}

RecordResult RecordOne(FindingStore& store, const FindingInput& in, TimePoint now = kNow) {
    std::vector<RecordResult> r = Record(store, {in}, now);
    return r.empty() ? RecordResult() : r[0];
}

StoredFinding MustGet(const FindingStore& store, const std::string& id) {
    Result<std::optional<StoredFinding>> f = store.Get(id);
    EXPECT_TRUE(f.has_value()) << (f ? "" : f.error().ToString());
    if (!f || !f->has_value()) {
        ADD_FAILURE() << "no finding " << id;
        return StoredFinding();
    }
    return **f;
}

std::vector<StoredFinding> MustList(const FindingStore& store, const FindingFilter& filter) {
    Result<std::vector<StoredFinding>> r = store.List(filter);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().ToString());
    return r ? *r : std::vector<StoredFinding>();
}

std::vector<std::string> Ids(const std::vector<StoredFinding>& findings) {
    std::vector<std::string> ids;
    for (const StoredFinding& f : findings)
        ids.push_back(f.id);
    return ids;
}

Suppression MustSuppress(FindingStore& store, Suppression s, TimePoint now = kNow) {
    Result<Suppression> added = store.AddSuppression(std::move(s), now);
    EXPECT_TRUE(added.has_value()) << (added ? "" : added.error().ToString());
    return added ? *added : Suppression();
}

TEST(FindingStore, NewThenAggregatedThenDuplicate) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    RecordResult first = RecordOne(*store, Input("e-1", "2026-11-02T12:00:00Z"));
    EXPECT_EQ(first.outcome, RecordOutcome::kNew);
    EXPECT_THAT(first.finding_id, StartsWith("fb-"));
    EXPECT_EQ(first.finding_id.size(), 27u);
    EXPECT_TRUE(first.suppression_id.empty());

    RecordResult second = RecordOne(*store, Input("e-2", "2026-11-02T12:10:00Z"));
    EXPECT_EQ(second.outcome, RecordOutcome::kAggregated);
    EXPECT_EQ(second.finding_id, first.finding_id);

    RecordResult again = RecordOne(*store, Input("e-1", "2026-11-02T12:00:00Z"));
    EXPECT_EQ(again.outcome, RecordOutcome::kDuplicate);
    EXPECT_EQ(again.finding_id, first.finding_id);

    StoredFinding f = MustGet(*store, first.finding_id);
    EXPECT_EQ(f.count, 2);
    EXPECT_EQ(f.status, FindingStatus::kNew);
    EXPECT_EQ(f.first_seen, "2026-11-02T12:00:00Z");
    EXPECT_EQ(f.last_seen, "2026-11-02T12:10:00Z");
    EXPECT_EQ(f.created_at, "2026-11-02T13:00:00.000Z");
    EXPECT_EQ(f.rule_id, "cloudtrail-stopped");
    EXPECT_EQ(f.rule_title, "CloudTrail logging stopped");
    EXPECT_EQ(f.severity, "high");
    EXPECT_EQ(f.account, "111122223333");
    EXPECT_EQ(f.region, "us-east-1");
    EXPECT_EQ(f.resource, "arn:aws:cloudtrail:us-east-1:111122223333:trail/main");
    EXPECT_THAT(f.event_ids, ElementsAre("e-1", "e-2"));
    // Only the first event's JSON is kept.
    EXPECT_EQ(f.asff_json, "{\"Id\":\"firebreak/cloudtrail-stopped/e-1\"}");
    EXPECT_EQ(f.event_json, "{\"eventID\":\"e-1\"}");
    EXPECT_TRUE(f.response_pending);
    ASSERT_EQ(f.history.size(), 1u);
    EXPECT_EQ(f.history[0].from, "");
    EXPECT_EQ(f.history[0].to, "NEW");
    EXPECT_EQ(f.history[0].by, "firebreak");

    Result<FindingCounts> counts = store->Counts();
    ASSERT_TRUE(counts.has_value());
    EXPECT_EQ(counts->total, 1);
    EXPECT_EQ(counts->events, 2);
    EXPECT_EQ(counts->by_status[static_cast<size_t>(FindingStatus::kNew)], 1);
}

TEST(FindingStore, DuplicateWithinOneBatchAndSameEventUnderAnotherRule) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    FindingInput other = Input("e-1");
    other.rule_id = "root-activity";
    std::vector<RecordResult> r = Record(*store, {Input("e-1"), Input("e-1"), other});
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].outcome, RecordOutcome::kNew);
    EXPECT_EQ(r[1].outcome, RecordOutcome::kDuplicate);
    EXPECT_EQ(r[1].finding_id, r[0].finding_id);
    // The same event matched by another rule is that rule's finding.
    EXPECT_EQ(r[2].outcome, RecordOutcome::kNew);
    EXPECT_NE(r[2].finding_id, r[0].finding_id);
}

TEST(FindingStore, EachKeyFieldSeparatesFindings) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    FindingInput account = Input("e-2");
    account.account = "444455556666";
    FindingInput principal = Input("e-3");
    principal.principal = "arn:aws:iam::111122223333:user/bob";
    FindingInput resource = Input("e-4");
    resource.resource = "";
    FindingInput rule = Input("e-5");
    rule.rule_id = "other-rule";
    // Region is not part of the key.
    FindingInput region = Input("e-6");
    region.region = "eu-west-1";
    std::vector<RecordResult> r =
            Record(*store, {Input("e-1"), account, principal, resource, rule, region});
    ASSERT_EQ(r.size(), 6u);
    std::set<std::string> ids;
    for (size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(r[i].outcome, RecordOutcome::kNew) << i;
        ids.insert(r[i].finding_id);
    }
    EXPECT_EQ(ids.size(), 5u);
    EXPECT_EQ(r[5].outcome, RecordOutcome::kAggregated);
    EXPECT_EQ(r[5].finding_id, r[0].finding_id);
}

TEST(FindingStore, AggregationWindowEdgesAreInclusive) {
    StoreOptions options;
    options.aggregation_window = std::chrono::seconds(600);
    auto store = OpenStore(TestDir() / "f.db", options);
    ASSERT_NE(store, nullptr);
    RecordResult first = RecordOne(*store, Input("e-1", "2026-11-02T12:00:00Z"));
    RecordResult at_edge = RecordOne(*store, Input("e-2", "2026-11-02T12:10:00Z"));
    EXPECT_EQ(at_edge.outcome, RecordOutcome::kAggregated);
    EXPECT_EQ(at_edge.finding_id, first.finding_id);
    RecordResult past_edge = RecordOne(*store, Input("e-3", "2026-11-02T12:10:01Z"));
    EXPECT_EQ(past_edge.outcome, RecordOutcome::kNew);
    EXPECT_NE(past_edge.finding_id, first.finding_id);
    StoredFinding f = MustGet(*store, first.finding_id);
    EXPECT_EQ(f.count, 2);
    EXPECT_EQ(f.last_seen, "2026-11-02T12:10:00Z");

    // Before first_seen: the same edges (another principal, so a separate key).
    const std::string bob = "arn:aws:iam::111122223333:user/bob";
    RecordResult b1 = RecordOne(*store, Input("b-1", "2026-11-02T12:00:00Z", bob));
    RecordResult b_edge = RecordOne(*store, Input("b-2", "2026-11-02T11:50:00Z", bob));
    EXPECT_EQ(b_edge.outcome, RecordOutcome::kAggregated);
    EXPECT_EQ(b_edge.finding_id, b1.finding_id);
    const std::string carol = "arn:aws:iam::111122223333:user/carol";
    RecordResult c1 = RecordOne(*store, Input("c-1", "2026-11-02T12:00:00Z", carol));
    RecordResult c_past = RecordOne(*store, Input("c-2", "2026-11-02T11:49:59Z", carol));
    EXPECT_EQ(c_past.outcome, RecordOutcome::kNew);
    EXPECT_NE(c_past.finding_id, c1.finding_id);
}

TEST(FindingStore, OutOfOrderEventsMoveFirstSeenBack) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    RecordResult first = RecordOne(*store, Input("e-1", "2026-11-02T12:30:00Z"));
    EXPECT_EQ(RecordOne(*store, Input("e-0", "2026-11-02T12:00:00Z")).outcome,
              RecordOutcome::kAggregated);
    EXPECT_EQ(RecordOne(*store, Input("e-m", "2026-11-02T12:15:00Z")).outcome,
              RecordOutcome::kAggregated);
    StoredFinding f = MustGet(*store, first.finding_id);
    EXPECT_EQ(f.count, 3);
    EXPECT_EQ(f.first_seen, "2026-11-02T12:00:00Z");
    EXPECT_EQ(f.last_seen, "2026-11-02T12:30:00Z");
    // The kept JSON is still the first recorded event's.
    EXPECT_EQ(f.event_json, "{\"eventID\":\"e-1\"}");
    EXPECT_THAT(f.event_ids, ElementsAre("e-1", "e-0", "e-m"));
}

TEST(FindingStore, NearestOpenFindingAbsorbsWhenTwoAreInWindow) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    RecordResult a = RecordOne(*store, Input("e-a", "2026-11-02T10:00:00Z"));
    RecordResult b = RecordOne(*store, Input("e-b", "2026-11-02T11:30:00Z"));
    ASSERT_NE(a.finding_id, b.finding_id);
    RecordResult near_b = RecordOne(*store, Input("e-c", "2026-11-02T11:00:00Z"));
    EXPECT_EQ(near_b.finding_id, b.finding_id);
    RecordResult near_a = RecordOne(*store, Input("e-d", "2026-11-02T10:20:00Z"));
    EXPECT_EQ(near_a.finding_id, a.finding_id);
}

TEST(FindingStore, ResolvedFindingIsNotReusedAndTimesFallBackToNow) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    RecordResult first = RecordOne(*store, Input("e-1"));
    ASSERT_TRUE(
            store->UpdateStatus(first.finding_id, FindingStatus::kResolved, "fixed", "ann", kNow)
                    .ok());
    RecordResult next = RecordOne(*store, Input("e-2", "2026-11-02T12:05:00Z"));
    EXPECT_EQ(next.outcome, RecordOutcome::kNew);
    EXPECT_NE(next.finding_id, first.finding_id);
    EXPECT_EQ(MustGet(*store, first.finding_id).count, 1);

    // Missing and unreadable event times use the batch's now.
    FindingInput no_time = Input("e-3", "");
    no_time.principal = "p-none";
    FindingInput bad_time = Input("e-4", "yesterday-ish");
    bad_time.principal = "p-bad";
    std::vector<RecordResult> r = Record(*store, {no_time, bad_time}, T("2026-11-03T00:00:00Z"));
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(MustGet(*store, r[0].finding_id).first_seen, "2026-11-03T00:00:00Z");
    EXPECT_EQ(MustGet(*store, r[1].finding_id).last_seen, "2026-11-03T00:00:00Z");
}

std::vector<FindingInput> ReplayInputs() {
    std::vector<FindingInput> inputs;
    for (int i = 0; i < 60; ++i) {
        char time[32];
        std::snprintf(time, sizeof time, "2026-11-02T%02d:%02d:00Z", 10 + i / 20, (i * 7) % 60);
        inputs.push_back(Input("ev-" + std::to_string(i),
                               time,
                               "arn:aws:iam::111122223333:user/u" + std::to_string(i % 4),
                               i % 3 == 0 ? "rule-a" : "rule-b"));
    }
    return inputs;
}

TEST(FindingStore, IdsAreDeterministicOnAFreshStoreAndOnReplay) {
    fs::path dir = TestDir();
    std::vector<FindingInput> inputs = ReplayInputs();
    std::vector<RecordResult> a;
    std::vector<RecordResult> b;
    {
        auto store = OpenStore(dir / "a.db");
        ASSERT_NE(store, nullptr);
        a = Record(*store, inputs);
    }
    {
        auto store = OpenStore(dir / "b.db");
        ASSERT_NE(store, nullptr);
        // The same events in smaller batches, at another time.
        for (size_t i = 0; i < inputs.size(); i += 7) {
            std::vector<FindingInput> part(
                    inputs.begin() + static_cast<long>(i),
                    inputs.begin() + static_cast<long>(std::min(i + 7, inputs.size())));
            std::vector<RecordResult> r = Record(*store, part, T("2027-01-01T00:00:00Z"));
            b.insert(b.end(), r.begin(), r.end());
        }
    }
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].finding_id, b[i].finding_id) << i;
        EXPECT_EQ(a[i].outcome, b[i].outcome) << i;
    }
    // Replaying into the first store after a restart: every input is a duplicate of the same
    // finding.
    auto store = OpenStore(dir / "a.db");
    ASSERT_NE(store, nullptr);
    std::vector<RecordResult> replay = Record(*store, inputs);
    ASSERT_EQ(replay.size(), a.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(replay[i].outcome, RecordOutcome::kDuplicate) << i;
        EXPECT_EQ(replay[i].finding_id, a[i].finding_id) << i;
    }
    Result<FindingCounts> counts = store->Counts();
    ASSERT_TRUE(counts.has_value());
    EXPECT_EQ(counts->events, 60);
}

TEST(FindingStore, ConcurrentWritersWithOverlappingEvents) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    constexpr int kThreads = 4;
    constexpr int kPerThread = 500;
    constexpr int kPrincipals = 10;
    // Every thread records the same 500 events (in a different order and batching), plus 50
    // of its own; times stay within one window so each principal is one finding.
    std::vector<std::map<RecordOutcome, int>> outcomes(kThreads);
    std::vector<std::thread> threads;
    std::vector<std::string> errors(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&store, &outcomes, &errors, t]() {
            std::vector<FindingInput> all;
            for (int k = 0; k < kPerThread; ++k) {
                int i = (k * 7 + t * 131) % kPerThread;  // 7 is coprime to 500: a permutation
                char time[32];
                std::snprintf(time, sizeof time, "2026-11-02T12:%02d:%02dZ", i % 30, i % 60);
                all.push_back(Input("shared-" + std::to_string(i),
                                    time,
                                    "p-" + std::to_string(i % kPrincipals)));
            }
            for (int k = 0; k < 50; ++k)
                all.push_back(Input("own-" + std::to_string(t) + "-" + std::to_string(k),
                                    "2026-11-02T12:20:00Z",
                                    "p-" + std::to_string(k % kPrincipals)));
            size_t batch = static_cast<size_t>(13 + t * 10);
            for (size_t i = 0; i < all.size(); i += batch) {
                std::vector<FindingInput> part(
                        all.begin() + static_cast<long>(i),
                        all.begin() + static_cast<long>(std::min(i + batch, all.size())));
                Result<std::vector<RecordResult>> r = store->RecordBatch(part, kNow);
                if (!r) {
                    errors[static_cast<size_t>(t)] = r.error().ToString();
                    return;
                }
                for (const RecordResult& one : *r)
                    ++outcomes[static_cast<size_t>(t)][one.outcome];
            }
        });
    }
    for (std::thread& thread : threads)
        thread.join();
    std::map<RecordOutcome, int> total;
    for (int t = 0; t < kThreads; ++t) {
        EXPECT_EQ(errors[static_cast<size_t>(t)], "") << t;
        for (const auto& entry : outcomes[static_cast<size_t>(t)])
            total[entry.first] += entry.second;
    }
    const int events = kPerThread + kThreads * 50;
    EXPECT_EQ(total[RecordOutcome::kNew], kPrincipals);
    EXPECT_EQ(total[RecordOutcome::kAggregated], events - kPrincipals);
    EXPECT_EQ(total[RecordOutcome::kDuplicate], (kThreads - 1) * kPerThread);
    EXPECT_EQ(total[RecordOutcome::kSuppressed], 0);
    Result<FindingCounts> counts = store->Counts();
    ASSERT_TRUE(counts.has_value());
    EXPECT_EQ(counts->total, kPrincipals);
    EXPECT_EQ(counts->events, events);
    FindingFilter filter;
    filter.summary = true;
    int64_t sum = 0;
    for (const StoredFinding& f : MustList(*store, filter))
        sum += f.count;
    EXPECT_EQ(sum, events);
}

TEST(FindingStore, EverythingSurvivesReopen) {
    fs::path path = TestDir() / "f.db";
    std::string id;
    std::string sup_id;
    {
        auto store = OpenStore(path);
        ASSERT_NE(store, nullptr);
        id = RecordOne(*store, Input("e-1")).finding_id;
        RecordOne(*store, Input("e-2", "2026-11-02T12:01:00Z"));
        ASSERT_TRUE(
                store->UpdateStatus(id, FindingStatus::kInProgress, "looking", "ann", kNow).ok());
        ASSERT_TRUE(store->AddLink(id, "run", "run-0001", kNow).ok());
        Suppression s;
        s.rule = "noisy-*";
        s.reason = "known noise";
        s.expires_at = "2027-01-01T00:00:00Z";
        sup_id = MustSuppress(*store, s).id;
    }

    struct stat st {};

    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    auto store = OpenStore(path);
    ASSERT_NE(store, nullptr);
    StoredFinding f = MustGet(*store, id);
    EXPECT_EQ(f.count, 2);
    EXPECT_EQ(f.status, FindingStatus::kInProgress);
    EXPECT_EQ(f.status_note, "looking");
    EXPECT_EQ(f.status_by, "ann");
    ASSERT_EQ(f.links.size(), 1u);
    EXPECT_EQ(f.links[0].ref, "run-0001");
    ASSERT_EQ(f.history.size(), 2u);
    EXPECT_EQ(f.history[1].from, "NEW");
    EXPECT_EQ(f.history[1].to, "IN_PROGRESS");
    Result<std::vector<Suppression>> sups = store->ListSuppressions(false, kNow);
    ASSERT_TRUE(sups.has_value());
    ASSERT_EQ(sups->size(), 1u);
    EXPECT_EQ((*sups)[0].id, sup_id);
    EXPECT_EQ(RecordOne(*store, Input("e-2")).outcome, RecordOutcome::kDuplicate);
}

TEST(FindingStore, FiltersAndPaging) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    std::vector<FindingInput> inputs;
    for (int i = 0; i < 9; ++i) {
        char time[32];
        std::snprintf(time, sizeof time, "2026-11-0%dT12:00:00Z", i + 1);  // one day apart
        FindingInput in = Input("e-" + std::to_string(i), time, "p-" + std::to_string(i % 3));
        in.rule_id = i % 2 == 0 ? "rule-even" : "rule-odd";
        in.account = i < 5 ? "111111111111" : "222222222222";
        in.severity = i % 3 == 0 ? "critical" : "low";
        inputs.push_back(in);
    }
    std::vector<RecordResult> r = Record(*store, inputs);
    ASSERT_EQ(r.size(), 9u);
    std::vector<std::string> by_index;
    for (const RecordResult& one : r) {
        EXPECT_EQ(one.outcome, RecordOutcome::kNew);
        by_index.push_back(one.finding_id);
    }
    ASSERT_TRUE(store->UpdateStatus(by_index[2], FindingStatus::kResolved, "", "", kNow).ok());
    ASSERT_TRUE(store->UpdateStatus(by_index[7], FindingStatus::kResolved, "", "", kNow).ok());

    FindingFilter all;
    EXPECT_THAT(Ids(MustList(*store, all)),
                ElementsAre(by_index[8],
                            by_index[7],
                            by_index[6],
                            by_index[5],
                            by_index[4],
                            by_index[3],
                            by_index[2],
                            by_index[1],
                            by_index[0]));
    FindingFilter status;
    status.status = FindingStatus::kResolved;
    EXPECT_THAT(Ids(MustList(*store, status)), ElementsAre(by_index[7], by_index[2]));
    FindingFilter rule;
    rule.rule_id = "rule-odd";
    EXPECT_THAT(Ids(MustList(*store, rule)),
                ElementsAre(by_index[7], by_index[5], by_index[3], by_index[1]));
    FindingFilter account;
    account.account = "222222222222";
    account.severity = "critical";
    EXPECT_THAT(Ids(MustList(*store, account)), ElementsAre(by_index[6]));
    FindingFilter principal;
    principal.principal = "p-1";
    principal.since = "2026-11-05T00:00:00+00:00";
    EXPECT_THAT(Ids(MustList(*store, principal)), ElementsAre(by_index[7], by_index[4]));
    FindingFilter since;
    since.since = "2026-11-07T12:00:00Z";  // inclusive
    EXPECT_THAT(Ids(MustList(*store, since)), ElementsAre(by_index[8], by_index[7], by_index[6]));

    FindingFilter page;
    page.limit = 4;
    page.offset = 4;
    EXPECT_THAT(Ids(MustList(*store, page)),
                ElementsAre(by_index[4], by_index[3], by_index[2], by_index[1]));
    page.offset = 8;
    EXPECT_THAT(Ids(MustList(*store, page)), ElementsAre(by_index[0]));
    page.offset = 20;
    EXPECT_TRUE(MustList(*store, page).empty());

    FindingFilter summary;
    summary.summary = true;
    summary.limit = 1;
    std::vector<StoredFinding> brief = MustList(*store, summary);
    ASSERT_EQ(brief.size(), 1u);
    EXPECT_EQ(brief[0].asff_json, "");
    EXPECT_TRUE(brief[0].event_ids.empty());
    EXPECT_EQ(brief[0].count, 1);
    FindingFilter full;
    full.limit = 1;
    std::vector<StoredFinding> detailed = MustList(*store, full);
    ASSERT_EQ(detailed.size(), 1u);
    EXPECT_NE(detailed[0].asff_json, "");
    EXPECT_THAT(detailed[0].event_ids, ElementsAre("e-8"));

    for (int limit : {0, -1, 1001}) {
        FindingFilter bad;
        bad.limit = limit;
        Result<std::vector<StoredFinding>> refused = store->List(bad);
        ASSERT_FALSE(refused.has_value()) << limit;
        EXPECT_EQ(refused.error().code(), StatusCode::kInvalidArgument);
    }
    FindingFilter bad_offset;
    bad_offset.offset = -1;
    EXPECT_FALSE(store->List(bad_offset).has_value());
    FindingFilter bad_since;
    bad_since.since = "last tuesday";
    Result<std::vector<StoredFinding>> refused = store->List(bad_since);
    ASSERT_FALSE(refused.has_value());
    EXPECT_THAT(refused.error().message(), HasSubstr("since"));
    // Filter values are bound, never spliced into SQL.
    FindingFilter hostile;
    hostile.rule_id = "x' OR '1'='1";
    EXPECT_TRUE(MustList(*store, hostile).empty());
}

TEST(FindingStore, StatusWorkflowAndHistory) {
    using S = FindingStatus;
    const S all[] = {S::kNew, S::kNotified, S::kInProgress, S::kResolved, S::kSuppressed};
    const std::set<std::pair<S, S>> allowed = {
            {S::kNew, S::kNotified},
            {S::kNew, S::kInProgress},
            {S::kNew, S::kResolved},
            {S::kNew, S::kSuppressed},
            {S::kNotified, S::kInProgress},
            {S::kNotified, S::kResolved},
            {S::kNotified, S::kSuppressed},
            {S::kInProgress, S::kResolved},
            {S::kInProgress, S::kSuppressed},
            {S::kResolved, S::kNew},
            {S::kSuppressed, S::kNew},
    };
    for (S from : all) {
        for (S to : all) {
            bool expect = from == to || allowed.count({from, to}) > 0;
            EXPECT_EQ(IsAllowedTransition(from, to), expect)
                    << StatusName(from) << " -> " << StatusName(to);
        }
        EXPECT_EQ(ParseStatus(StatusName(from)), from);
    }
    EXPECT_EQ(ParseStatus("new"), std::nullopt);

    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    std::string id = RecordOne(*store, Input("e-1")).finding_id;
    const TimePoint t1 = T("2026-11-02T14:00:00Z");
    ASSERT_TRUE(store->UpdateStatus(id, S::kNotified, "paged on-call", "firebreak", t1).ok());
    // The same status again is a no-op: no history, note unchanged.
    ASSERT_TRUE(store->UpdateStatus(id, S::kNotified, "again", "someone", t1).ok());
    ASSERT_TRUE(store->UpdateStatus(id, S::kInProgress, "on it", "ann", t1).ok());
    Status back = store->UpdateStatus(id, S::kNotified, "", "firebreak", t1);
    EXPECT_EQ(back.code(), StatusCode::kFailedPrecondition);
    EXPECT_THAT(back.message(), HasSubstr("IN_PROGRESS"));
    EXPECT_THAT(back.message(), HasSubstr("NOTIFIED"));
    ASSERT_TRUE(store->UpdateStatus(id, S::kResolved, "trail re-enabled", "ann", t1).ok());
    Status skip = store->UpdateStatus(id, S::kInProgress, "", "ann", t1);
    EXPECT_EQ(skip.code(), StatusCode::kFailedPrecondition);
    ASSERT_TRUE(store->UpdateStatus(id, S::kNew, "it happened again", "bob", t1).ok());

    StoredFinding f = MustGet(*store, id);
    EXPECT_EQ(f.status, S::kNew);
    EXPECT_EQ(f.status_note, "it happened again");
    EXPECT_EQ(f.status_by, "bob");
    EXPECT_EQ(f.updated_at, "2026-11-02T14:00:00.000Z");
    ASSERT_EQ(f.history.size(), 5u);
    std::vector<std::string> path;
    for (const StatusChange& change : f.history)
        path.push_back(change.from + ">" + change.to);
    EXPECT_THAT(path,
                ElementsAre(">NEW",
                            "NEW>NOTIFIED",
                            "NOTIFIED>IN_PROGRESS",
                            "IN_PROGRESS>RESOLVED",
                            "RESOLVED>NEW"));
    EXPECT_EQ(f.history[1].note, "paged on-call");
    EXPECT_EQ(f.history[3].by, "ann");
    EXPECT_EQ(f.history[3].at, "2026-11-02T14:00:00.000Z");

    Status missing = store->UpdateStatus("fb-nope", S::kResolved, "", "", t1);
    EXPECT_EQ(missing.code(), StatusCode::kNotFound);
}

TEST(FindingStore, PendingResponses) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    std::string b =
            RecordOne(*store, Input("b", "2026-11-02T12:00:00Z", "p-b"), T("2026-11-02T13:00:01Z"))
                    .finding_id;
    std::vector<RecordResult> same_time = Record(
            *store,
            {Input("c", "2026-11-02T12:00:00Z", "p-c"), Input("a", "2026-11-02T12:00:00Z", "p-a")},
            T("2026-11-02T13:00:02Z"));
    ASSERT_EQ(same_time.size(), 2u);
    std::string c = same_time[0].finding_id;
    std::string a = same_time[1].finding_id;
    // Aggregation does not add a pending response.
    EXPECT_EQ(RecordOne(*store, Input("b2", "2026-11-02T12:00:01Z", "p-b")).outcome,
              RecordOutcome::kAggregated);
    Result<std::vector<std::string>> pending = store->PendingResponses();
    ASSERT_TRUE(pending.has_value());
    EXPECT_THAT(*pending, ElementsAre(b, c, a));

    ASSERT_TRUE(store->MarkResponseDispatched(c).ok());
    ASSERT_TRUE(store->MarkResponseDispatched(c).ok());  // idempotent
    EXPECT_EQ(store->MarkResponseDispatched("fb-none").code(), StatusCode::kNotFound);
    // Resolving a finding closes its pending response.
    ASSERT_TRUE(
            store->UpdateStatus(a, FindingStatus::kResolved, "false positive", "ann", kNow).ok());
    pending = store->PendingResponses();
    ASSERT_TRUE(pending.has_value());
    EXPECT_THAT(*pending, ElementsAre(b));
    EXPECT_FALSE(MustGet(*store, c).response_pending);
    EXPECT_TRUE(MustGet(*store, b).response_pending);
}

TEST(FindingStore, SuppressionValidation) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    Suppression good;
    good.principal = "arn:aws:iam::*:role/scanner";
    good.reason = "the scanner stops trails in its sandbox";
    good.created_by = "ann";
    good.expires_at = "2026-12-01T00:00:00.250+01:00";
    Suppression added = MustSuppress(*store, good);
    EXPECT_THAT(added.id, StartsWith("sup-"));
    EXPECT_EQ(added.id.size(), 20u);
    EXPECT_EQ(added.expires_at, "2026-11-30T23:00:00Z");
    EXPECT_EQ(added.created_at, "2026-11-02T13:00:00.000Z");
    EXPECT_EQ(added.created_by, "ann");

    struct Case {
        const char* name;
        Suppression s;
        const char* message;
    };

    std::vector<Case> cases;
    {
        Suppression s = good;
        s.reason = "";
        cases.push_back({"no reason", s, "reason"});
    }
    {
        Suppression s = good;
        s.expires_at = "";
        cases.push_back({"no expiry", s, "expires_at"});
    }
    {
        Suppression s = good;
        s.expires_at = "soon";
        cases.push_back({"bad expiry", s, "not an ISO-8601 time"});
    }
    {
        Suppression s = good;
        s.expires_at = "2026-11-02T13:00:00Z";  // == now
        cases.push_back({"expiry now", s, "not in the future"});
    }
    {
        Suppression s = good;
        s.principal = "";
        cases.push_back({"no globs", s, "at least one"});
    }
    {
        Suppression s = good;
        s.resource = std::string(2000, '*');
        cases.push_back({"long glob", s, "longer"});
    }
    for (Case& c : cases) {
        Result<Suppression> refused = store->AddSuppression(c.s, kNow);
        ASSERT_FALSE(refused.has_value()) << c.name;
        EXPECT_EQ(refused.error().code(), StatusCode::kInvalidArgument) << c.name;
        EXPECT_THAT(refused.error().message(), HasSubstr(c.message)) << c.name;
    }
    Result<std::vector<Suppression>> list = store->ListSuppressions(true, kNow);
    ASSERT_TRUE(list.has_value());
    EXPECT_EQ(list->size(), 1u);
    EXPECT_EQ(store->DeleteSuppression("sup-unknown").code(), StatusCode::kNotFound);
    ASSERT_TRUE(store->DeleteSuppression(added.id).ok());
    list = store->ListSuppressions(true, kNow);
    ASSERT_TRUE(list.has_value());
    EXPECT_TRUE(list->empty());
}

TEST(FindingStore, SuppressedEventsAndExpiry) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    Suppression s;
    s.rule = "cloudtrail-*";
    s.principal = "arn:aws:iam::11112222333?:role/scanner-*";
    s.reason = "scanner";
    s.expires_at = "2026-11-02T14:00:00Z";
    Suppression added = MustSuppress(*store, s);
    const std::string scanner = "arn:aws:iam::111122223333:role/scanner-eu";

    RecordResult first = RecordOne(*store, Input("s-1", "2026-11-02T12:00:00Z", scanner));
    EXPECT_EQ(first.outcome, RecordOutcome::kSuppressed);
    EXPECT_EQ(first.suppression_id, added.id);
    StoredFinding f = MustGet(*store, first.finding_id);
    EXPECT_EQ(f.status, FindingStatus::kSuppressed);
    EXPECT_FALSE(f.response_pending);
    ASSERT_EQ(f.history.size(), 1u);
    EXPECT_EQ(f.history[0].to, "SUPPRESSED");
    EXPECT_THAT(f.history[0].note, HasSubstr(added.id));
    EXPECT_THAT(f.history[0].note, HasSubstr("scanner"));

    // Another suppressed event aggregates into it, still kSuppressed.
    RecordResult second = RecordOne(*store, Input("s-2", "2026-11-02T12:01:00Z", scanner));
    EXPECT_EQ(second.outcome, RecordOutcome::kSuppressed);
    EXPECT_EQ(second.finding_id, first.finding_id);
    EXPECT_EQ(MustGet(*store, first.finding_id).count, 2);

    // Not matched: another rule, or a principal the glob's `?` does not fit.
    EXPECT_EQ(
            RecordOne(*store, Input("n-1", "2026-11-02T12:00:00Z", scanner, "root-login")).outcome,
            RecordOutcome::kNew);
    EXPECT_EQ(RecordOne(*store,
                        Input("n-2",
                              "2026-11-02T12:00:00Z",
                              "arn:aws:iam::1111222233334:role/scanner-eu"))
                      .outcome,
              RecordOutcome::kNew);

    // An open NEW finding of the same key absorbs a suppressed event and keeps its status.
    const std::string alice = "arn:aws:iam::111122223333:user/alice";
    RecordResult open = RecordOne(*store, Input("a-1", "2026-11-02T12:00:00Z", alice));
    Suppression alice_s;
    alice_s.principal = alice;
    alice_s.reason = "alice is testing";
    alice_s.expires_at = "2026-11-02T14:00:00Z";
    Suppression alice_added = MustSuppress(*store, alice_s, T("2026-11-02T13:00:01Z"));
    RecordResult absorbed = RecordOne(*store, Input("a-2", "2026-11-02T12:05:00Z", alice));
    EXPECT_EQ(absorbed.outcome, RecordOutcome::kSuppressed);
    EXPECT_EQ(absorbed.suppression_id, alice_added.id);
    EXPECT_EQ(absorbed.finding_id, open.finding_id);
    StoredFinding still_new = MustGet(*store, open.finding_id);
    EXPECT_EQ(still_new.status, FindingStatus::kNew);
    EXPECT_EQ(still_new.count, 2);

    // At and after expiry the suppression is ignored; the open SUPPRESSED finding still
    // aggregates (it is not RESOLVED) and keeps its status.
    const TimePoint expired = T("2026-11-02T14:00:00Z");
    RecordResult after = RecordOne(*store, Input("s-3", "2026-11-02T12:02:00Z", scanner), expired);
    EXPECT_EQ(after.outcome, RecordOutcome::kAggregated);
    EXPECT_EQ(after.finding_id, first.finding_id);
    EXPECT_TRUE(after.suppression_id.empty());
    EXPECT_EQ(MustGet(*store, first.finding_id).status, FindingStatus::kSuppressed);
    const std::string other_scanner = "arn:aws:iam::111122223333:role/scanner-us";
    EXPECT_EQ(
            RecordOne(*store, Input("s-4", "2026-11-02T12:00:00Z", other_scanner), expired).outcome,
            RecordOutcome::kNew);

    Result<std::vector<Suppression>> active = store->ListSuppressions(false, expired);
    ASSERT_TRUE(active.has_value());
    EXPECT_TRUE(active->empty());
    Result<std::vector<Suppression>> everything = store->ListSuppressions(true, expired);
    ASSERT_TRUE(everything.has_value());
    ASSERT_EQ(everything->size(), 2u);
    EXPECT_EQ((*everything)[0].id, added.id);

    Result<FindingCounts> counts = store->Counts();
    ASSERT_TRUE(counts.has_value());
    EXPECT_EQ(counts->by_status[static_cast<size_t>(FindingStatus::kSuppressed)], 1);
    EXPECT_EQ(counts->by_status[static_cast<size_t>(FindingStatus::kNew)], 4);
    EXPECT_EQ(counts->total, 5);
    EXPECT_EQ(counts->events, 8);
}

TEST(FindingStore, GlobEscapesAndUnsuppress) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    Suppression s;
    s.resource = "bucket\\*literal";
    s.reason = "escaped star";
    s.expires_at = "2027-01-01T00:00:00Z";
    MustSuppress(*store, s);
    FindingInput literal = Input("e-1");
    literal.resource = "bucket*literal";
    FindingInput other = Input("e-2");
    other.resource = "bucket-x-literal";
    std::vector<RecordResult> r = Record(*store, {literal, other});
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].outcome, RecordOutcome::kSuppressed);
    EXPECT_EQ(r[1].outcome, RecordOutcome::kNew);
    // Unsuppress: SUPPRESSED -> NEW.
    ASSERT_TRUE(store->UpdateStatus(r[0].finding_id, FindingStatus::kNew, "not noise", "ann", kNow)
                        .ok());
    EXPECT_EQ(MustGet(*store, r[0].finding_id).status, FindingStatus::kNew);
}

TEST(FindingStore, Links) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    std::string id = RecordOne(*store, Input("e-1")).finding_id;
    const TimePoint t1 = T("2026-11-02T15:00:00Z");
    ASSERT_TRUE(store->AddLink(id, "run", "run-00aa", t1).ok());
    ASSERT_TRUE(store->AddLink(id, "evidence", "manifest/000001.json", t1).ok());
    ASSERT_TRUE(store->AddLink(id, "securityhub", "firebreak/cloudtrail-stopped/e-1", t1).ok());
    // The same link again (a replay) changes nothing.
    ASSERT_TRUE(store->AddLink(id, "run", "run-00aa", T("2026-11-02T16:00:00Z")).ok());
    StoredFinding f = MustGet(*store, id);
    ASSERT_EQ(f.links.size(), 3u);
    EXPECT_EQ(f.links[0].kind, "run");
    EXPECT_EQ(f.links[0].ref, "run-00aa");
    EXPECT_EQ(f.links[0].created_at, "2026-11-02T15:00:00.000Z");
    EXPECT_EQ(f.links[1].kind, "evidence");
    EXPECT_EQ(f.links[2].kind, "securityhub");
    EXPECT_EQ(f.updated_at, "2026-11-02T15:00:00.000Z");

    EXPECT_EQ(store->AddLink("fb-missing", "run", "r", t1).code(), StatusCode::kNotFound);
    EXPECT_EQ(store->AddLink(id, "Run!", "r", t1).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store->AddLink(id, "", "r", t1).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store->AddLink(id, "run", "", t1).code(), StatusCode::kInvalidArgument);
}

TEST(FindingStore, EventIdsAreCappedAtOneHundred) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    std::vector<FindingInput> inputs;
    for (int i = 0; i < 130; ++i)
        inputs.push_back(Input("e-" + std::to_string(i)));
    std::vector<RecordResult> r = Record(*store, inputs);
    ASSERT_EQ(r.size(), 130u);
    StoredFinding f = MustGet(*store, r[0].finding_id);
    EXPECT_EQ(f.count, 130);
    ASSERT_EQ(f.event_ids.size(), 100u);
    EXPECT_EQ(f.event_ids[0], "e-0");
    EXPECT_EQ(f.event_ids[99], "e-99");
}

TEST(FindingStore, MissingEventIdFallsBackToTheEventsHash) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    FindingInput in = Input("");
    in.event_json = "{\"eventName\":\"StopLogging\",\"n\":1}";
    FindingInput other = in;
    other.event_json = "{\"eventName\":\"StopLogging\",\"n\":2}";
    std::vector<RecordResult> r = Record(*store, {in, in, other});
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].outcome, RecordOutcome::kNew);
    EXPECT_EQ(r[1].outcome, RecordOutcome::kDuplicate);
    EXPECT_EQ(r[2].outcome, RecordOutcome::kAggregated);
    StoredFinding f = MustGet(*store, r[0].finding_id);
    ASSERT_EQ(f.event_ids.size(), 2u);
    EXPECT_THAT(f.event_ids[0], StartsWith("sha256:"));
}

TEST(FindingStore, BatchWithInvalidInputRecordsNothing) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    const char* bad_json[] = {"[1,2]", "\"text\"", "{\"open\":", "{} trailing", "null"};
    for (const char* bad : bad_json) {
        FindingInput broken = Input("e-2");
        broken.asff_json = bad;
        std::vector<FindingInput> batch = {Input("e-1"), broken};
        Result<std::vector<RecordResult>> r = store->RecordBatch(batch, kNow);
        ASSERT_FALSE(r.has_value()) << bad;
        EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
        EXPECT_THAT(r.error().message(), HasSubstr("input 1"));
        EXPECT_THAT(r.error().message(), HasSubstr("asff_json"));
    }
    FindingInput bad_event = Input("e-3");
    bad_event.event_json = "[]";
    std::vector<FindingInput> one = {bad_event};
    Result<std::vector<RecordResult>> r = store->RecordBatch(one, kNow);
    ASSERT_FALSE(r.has_value());
    EXPECT_THAT(r.error().message(), HasSubstr("input 0"));
    EXPECT_THAT(r.error().message(), HasSubstr("event_json"));
    FindingInput no_rule = Input("e-4");
    no_rule.rule_id = "";
    one = {no_rule};
    EXPECT_FALSE(store->RecordBatch(one, kNow).has_value());

    Result<FindingCounts> counts = store->Counts();
    ASSERT_TRUE(counts.has_value());
    EXPECT_EQ(counts->total, 0);
    Result<std::vector<RecordResult>> empty = store->RecordBatch({}, kNow);
    ASSERT_TRUE(empty.has_value());
    EXPECT_TRUE(empty->empty());
}

TEST(FindingStore, FindingJsonParsesAndEscapesHostileStrings) {
    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    const std::string hostile = "\"},\"x\":1,\\ \n\r\t\x01\x1f </script> ünïcødé ✓ '; DROP TABLE";
    FindingInput in = Input("ev\"1\\");
    in.rule_title = hostile;
    in.principal = hostile;
    in.resource = std::string("nul\0byte", 8);
    in.event_json = "{\"eventID\":\"ev\\\"1\\\\\"}";
    in.asff_json = "{\"Title\":\"a \\\"quoted\\\" title\",\"n\":[1,2,{\"x\":null}]}";
    std::string id = RecordOne(*store, in).finding_id;
    ASSERT_TRUE(store->UpdateStatus(id, FindingStatus::kNotified, hostile, hostile, kNow).ok());
    ASSERT_TRUE(store->AddLink(id, "run", hostile, kNow).ok());
    StoredFinding f = MustGet(*store, id);
    EXPECT_EQ(f.principal, hostile);
    EXPECT_EQ(f.resource, std::string("nul\0byte", 8));

    std::string json = FindingJson(f);
    Result<event::JsonValue> parsed = event::ParseJson(json);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString() << "\n" << json;
    ASSERT_TRUE(parsed->is_object());
    EXPECT_EQ(parsed->Find("id")->text, id);
    EXPECT_EQ(parsed->Find("rule_title")->text, hostile);
    EXPECT_EQ(parsed->Find("principal")->text, hostile);
    EXPECT_EQ(parsed->Find("resource")->text, std::string("nul\0byte", 8));
    EXPECT_EQ(parsed->Find("status")->text, "NOTIFIED");
    EXPECT_EQ(parsed->Find("status_note")->text, hostile);
    EXPECT_EQ(parsed->Find("count")->text, "1");
    EXPECT_EQ(parsed->Find("response_pending")->type, event::JsonValue::Type::kBool);
    EXPECT_TRUE(parsed->Find("response_pending")->boolean);
    ASSERT_TRUE(parsed->Find("event_ids")->is_array());
    EXPECT_EQ(parsed->Find("event_ids")->items[0].text, "ev\"1\\");
    const event::JsonValue* links = parsed->Find("links");
    ASSERT_TRUE(links != nullptr && links->is_array());
    ASSERT_EQ(links->items.size(), 1u);
    EXPECT_EQ(links->items[0].Find("ref")->text, hostile);
    EXPECT_EQ(links->items[0].Find("kind")->text, "run");
    const event::JsonValue* history = parsed->Find("history");
    ASSERT_TRUE(history != nullptr && history->is_array());
    ASSERT_EQ(history->items.size(), 2u);
    EXPECT_EQ(history->items[1].Find("from")->text, "NEW");
    EXPECT_EQ(history->items[1].Find("to")->text, "NOTIFIED");
    EXPECT_EQ(history->items[1].Find("by")->text, hostile);
    const event::JsonValue* asff = parsed->Find("asff");
    ASSERT_TRUE(asff != nullptr && asff->is_object());
    EXPECT_EQ(asff->Find("Title")->text, "a \"quoted\" title");
    ASSERT_TRUE(parsed->Find("event")->is_object());
    for (const char* key : {"rule_id",
                            "severity",
                            "account",
                            "region",
                            "first_seen",
                            "last_seen",
                            "created_at",
                            "updated_at",
                            "status_by"}) {
        ASSERT_NE(parsed->Find(key), nullptr) << key;
        EXPECT_TRUE(parsed->Find(key)->is_string()) << key;
    }

    // Empty JSON texts render as null.
    StoredFinding bare;
    bare.id = "fb-x";
    Result<event::JsonValue> bare_parsed = event::ParseJson(FindingJson(bare));
    ASSERT_TRUE(bare_parsed.has_value());
    EXPECT_EQ(bare_parsed->Find("asff")->type, event::JsonValue::Type::kNull);
    EXPECT_EQ(bare_parsed->Find("event")->type, event::JsonValue::Type::kNull);
}

TEST(FindingStore, SuppressionJsonParses) {
    Suppression s;
    s.id = "sup-1";
    s.rule = "a\"*";
    s.principal = "\\?";
    s.reason = "line\nbreak </script>";
    s.created_by = "ann";
    s.created_at = "2026-11-02T13:00:00.000Z";
    s.expires_at = "2026-12-01T00:00:00Z";
    Result<event::JsonValue> parsed = event::ParseJson(SuppressionJson(s));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->Find("id")->text, "sup-1");
    EXPECT_EQ(parsed->Find("rule")->text, "a\"*");
    EXPECT_EQ(parsed->Find("account")->text, "");
    EXPECT_EQ(parsed->Find("principal")->text, "\\?");
    EXPECT_EQ(parsed->Find("reason")->text, "line\nbreak </script>");
    EXPECT_EQ(parsed->Find("expires_at")->text, "2026-12-01T00:00:00Z");
    EXPECT_EQ(parsed->Find("created_by")->text, "ann");
}

TEST(FindingStore, MakeFindingInputFromAMatch) {
    Diagnostics d;
    auto loaded = rules::LoadRules(
            {{"t.yaml",
              "id: trail-stopped\ntitle: Trail stopped\ndescription: d\nseverity: high\n"
              "match: {eventName: [StopLogging]}\n"
              "resources:\n  - type: AwsCloudTrailTrail\n    id: \"{requestParameters.name}\"\n"}},
            {},
            &d);
    ASSERT_EQ(loaded.rules.size(), 1u);
    auto ruleset = matcher::CompiledRuleset::Compile(std::move(loaded.rules));
    event::EventReader reader(ruleset->plan(), {});
    matcher::MatchScratch scratch(*ruleset);
    std::vector<Finding> found;
    const std::string event =
            R"({"eventTime":"2026-11-02T12:19:10Z","eventName":"StopLogging","eventSource":"cloudtrail.amazonaws.com","eventID":"e-77","recipientAccountId":"111122223333","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.66","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/mallory"},"requestParameters":{"name":"main-trail"}})";
    reader.ReadBytes(
            event,
            [&](const event::ExtractedEvent& e, uint64_t rec) {
                std::vector<uint32_t> m;
                ruleset->Match(e, scratch, &m);
                for (uint32_t r : m)
                    found.push_back(BuildFinding(*ruleset, r, e, "f.json", rec));
            },
            nullptr);
    ASSERT_EQ(found.size(), 1u);
    std::string asff = ToAsffJson(found[0], {});
    FindingInput in = MakeFindingInput(found[0], *ruleset, asff, event);
    EXPECT_EQ(in.rule_id, "trail-stopped");
    EXPECT_EQ(in.rule_title, "Trail stopped");
    EXPECT_EQ(in.severity, "high");
    EXPECT_EQ(in.account, "111122223333");
    EXPECT_EQ(in.region, "eu-west-1");
    EXPECT_EQ(in.principal, "arn:aws:iam::111122223333:user/mallory");
    EXPECT_EQ(in.resource, "main-trail");
    EXPECT_EQ(in.event_id, "e-77");
    EXPECT_EQ(in.event_time, "2026-11-02T12:19:10Z");
    EXPECT_EQ(in.event_name, "StopLogging");
    EXPECT_EQ(in.source_ip, "203.0.113.66");
    EXPECT_EQ(in.asff_json, asff);
    EXPECT_EQ(in.event_json, event);

    auto store = OpenStore(TestDir() / "f.db");
    ASSERT_NE(store, nullptr);
    RecordResult r = RecordOne(*store, in);
    EXPECT_EQ(r.outcome, RecordOutcome::kNew);
    StoredFinding f = MustGet(*store, r.finding_id);
    Result<event::JsonValue> parsed = event::ParseJson(FindingJson(f));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->Find("asff")->Find("GeneratorId")->text, "trail-stopped");
    EXPECT_EQ(parsed->Find("event")->Find("eventID")->text, "e-77");
}

TEST(FindingStore, BadFilesAreRefused) {
    fs::path dir = TestDir();
    {
        std::ofstream out(dir / "text.db");
        out << "this is not a database, just some text that is long enough to be read......\n";
    }
    Result<std::unique_ptr<FindingStore>> text = FindingStore::Open((dir / "text.db").string(), {});
    ASSERT_FALSE(text.has_value());
    EXPECT_EQ(text.error().code(), StatusCode::kDataLoss);

    {
        auto store = OpenStore(dir / "newer.db");
        ASSERT_NE(store, nullptr);
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "newer.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 9", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    Result<std::unique_ptr<FindingStore>> newer =
            FindingStore::Open((dir / "newer.db").string(), {});
    ASSERT_FALSE(newer.has_value());
    EXPECT_EQ(newer.error().code(), StatusCode::kFailedPrecondition);
    EXPECT_THAT(newer.error().message(), HasSubstr("newer"));

    EXPECT_FALSE(FindingStore::Open("", {}).has_value());
    StoreOptions negative;
    negative.aggregation_window = std::chrono::seconds(-1);
    EXPECT_FALSE(FindingStore::Open((dir / "n.db").string(), negative).has_value());
    Result<std::unique_ptr<FindingStore>> missing_dir =
            FindingStore::Open((dir / "no" / "such" / "dir.db").string(), {});
    EXPECT_FALSE(missing_dir.has_value());
}

TEST(FindingStore, InMemoryStoreWorks) {
    Result<std::unique_ptr<FindingStore>> store = FindingStore::Open(":memory:", {});
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    EXPECT_EQ(RecordOne(**store, Input("e-1")).outcome, RecordOutcome::kNew);
}

// Not a timing assertion: prints how long RecordBatch takes for batches of 100 inputs (all new
// findings, then all aggregated, then all duplicates), with and without fsync.
void PrintRecordBatchTime(bool fsync) {
    StoreOptions options;
    options.fsync = fsync;
    auto store = OpenStore(TestDir() / (fsync ? "fsync.db" : "nofsync.db"), options);
    ASSERT_NE(store, nullptr);
    std::string asff(1500, 'x');
    asff = "{\"Padding\":\"" + asff + "\"}";
    auto batch = [&](int round, bool distinct_keys) {
        std::vector<FindingInput> inputs;
        for (int i = 0; i < 100; ++i) {
            FindingInput in = Input("r" + std::to_string(round) + "-" + std::to_string(i),
                                    "2026-11-02T12:00:00Z",
                                    distinct_keys ? "p-" + std::to_string(round * 100 + i)
                                                  : "p-" + std::to_string(i));
            in.asff_json = asff;
            inputs.push_back(std::move(in));
        }
        return inputs;
    };
    const int kRounds = 20;
    auto time_rounds = [&](const char* what, auto make) {
        std::chrono::nanoseconds total{0};
        for (int round = 0; round < kRounds; ++round) {
            std::vector<FindingInput> inputs = make(round);
            auto start = std::chrono::steady_clock::now();
            Result<std::vector<RecordResult>> r = store->RecordBatch(inputs, kNow);
            total += std::chrono::steady_clock::now() - start;
            ASSERT_TRUE(r.has_value());
        }
        std::printf("RecordBatch(100) fsync=%d %-10s: %.3f ms per batch (mean of %d)\n",
                    fsync ? 1 : 0,
                    what,
                    std::chrono::duration<double, std::milli>(total).count() / kRounds,
                    kRounds);
    };
    time_rounds("new", [&](int round) { return batch(round, true); });
    time_rounds("aggregated", [&](int round) { return batch(kRounds + round, false); });
    time_rounds("duplicate", [&](int round) { return batch(kRounds + round, false); });
}

TEST(FindingStore, PrintsRecordBatchTime) {
    PrintRecordBatchTime(/*fsync=*/true);
    PrintRecordBatchTime(/*fsync=*/false);
}

}  // namespace
}  // namespace firebreak::findings
