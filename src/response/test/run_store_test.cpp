// File: run_store_test.cpp
//
// RunStore: every record type round-trips with all its fields (unicode, empty strings, large
// JSON), run id prefixes, step sequence numbers, the approval check-and-set, a file-backed store
// reopened, concurrent writers, and files that are not (or are too new for) a run store.
#include "firebreak/response/run_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "firebreak/core/crypto.h"

namespace firebreak::response {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::unique_ptr<RunStore> OpenOrDie(const std::string& path) {
    Result<std::unique_ptr<RunStore>> store = RunStore::Open(path);
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().ToString());
    if (!store)
        return nullptr;
    return std::move(*store);
}

// A fresh directory under the test temp dir, named after the running test.
fs::path TestDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    fs::path dir = fs::path(::testing::TempDir()) /
                   (std::string("run_store_") + info->name() + "_" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

RunRecord FullRun(const std::string& id) {
    RunRecord run;
    run.id = id;
    run.playbook_id = "isolate-instance";
    run.playbook_source = "id: isolate-instance\nsteps: []\n# héllo ✓\n";
    run.playbook_sha256 = Sha256Hex(run.playbook_source);
    run.playbook_origin = "builtin:isolate-instance";
    run.apply = true;
    run.status = RunStatus::kRunning;
    run.case_id = "CASE-42";
    run.account = "111111111111";
    run.region = "eu-west-1";
    run.finding_id = "arn:aws:securityhub:eu-west-1:111111111111:finding/abc";
    run.inputs_json = R"({"instance":"i-0abc","note":"日本語 ünïcödé 🔥"})";
    run.context_json = R"({"finding":{"Id":"abc"},"event":null})";
    run.created_by = "arn:aws:iam::111111111111:user/alice";
    run.error = "";
    run.created_at = "2026-11-28T19:05:00.123Z";
    run.updated_at = "2026-11-28T19:05:01.456Z";
    return run;
}

void ExpectSameRun(const RunRecord& a, const RunRecord& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.playbook_id, b.playbook_id);
    EXPECT_EQ(a.playbook_sha256, b.playbook_sha256);
    EXPECT_EQ(a.playbook_source, b.playbook_source);
    EXPECT_EQ(a.playbook_origin, b.playbook_origin);
    EXPECT_EQ(a.apply, b.apply);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.case_id, b.case_id);
    EXPECT_EQ(a.account, b.account);
    EXPECT_EQ(a.region, b.region);
    EXPECT_EQ(a.finding_id, b.finding_id);
    EXPECT_EQ(a.inputs_json, b.inputs_json);
    EXPECT_EQ(a.context_json, b.context_json);
    EXPECT_EQ(a.created_by, b.created_by);
    EXPECT_EQ(a.error, b.error);
    EXPECT_EQ(a.created_at, b.created_at);
    EXPECT_EQ(a.updated_at, b.updated_at);
}

StepRecord FullStep(const std::string& run_id, const std::string& key) {
    StepRecord step;
    step.run_id = run_id;
    step.key = key;
    step.step_id = "snapshot";
    step.kind = "action";
    step.action = "ec2:CreateSnapshot";
    step.status = StepStatus::kSucceeded;
    step.mutates = true;
    step.params_json = R"({"VolumeId":"vol-0abc","Description":"firebreak «evidence»"})";
    step.result_json = R"({"SnapshotId":"snap-1"})";
    step.request_ids = {"req-1", "req \"2\"", "ünï"};
    step.already_done = true;
    step.detail = "created snapshot ✓";
    step.error = "";
    step.started_at = "2026-11-28T19:05:00.000Z";
    step.finished_at = "2026-11-28T19:05:02.000Z";
    return step;
}

void ExpectSameStep(const StepRecord& a, const StepRecord& b) {
    EXPECT_EQ(a.run_id, b.run_id);
    EXPECT_EQ(a.seq, b.seq);
    EXPECT_EQ(a.key, b.key);
    EXPECT_EQ(a.step_id, b.step_id);
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.action, b.action);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.mutates, b.mutates);
    EXPECT_EQ(a.params_json, b.params_json);
    EXPECT_EQ(a.result_json, b.result_json);
    EXPECT_EQ(a.request_ids, b.request_ids);
    EXPECT_EQ(a.already_done, b.already_done);
    EXPECT_EQ(a.detail, b.detail);
    EXPECT_EQ(a.error, b.error);
    EXPECT_EQ(a.started_at, b.started_at);
    EXPECT_EQ(a.finished_at, b.finished_at);
}

TEST(RunStatusTest, NamesRoundTrip) {
    for (RunStatus s : {RunStatus::kPlanned,
                        RunStatus::kRunning,
                        RunStatus::kWaitingApproval,
                        RunStatus::kSucceeded,
                        RunStatus::kFailed,
                        RunStatus::kRefused,
                        RunStatus::kDenied}) {
        EXPECT_EQ(ParseRunStatus(RunStatusName(s)), s);
    }
    for (StepStatus s : {StepStatus::kPlanned,
                         StepStatus::kRunning,
                         StepStatus::kSucceeded,
                         StepStatus::kFailed,
                         StepStatus::kSkipped,
                         StepStatus::kWaiting,
                         StepStatus::kApproved,
                         StepStatus::kDenied}) {
        EXPECT_EQ(ParseStepStatus(StepStatusName(s)), s);
    }
    EXPECT_EQ(RunStatusName(RunStatus::kWaitingApproval), "waiting-approval");
    EXPECT_EQ(ParseRunStatus("nope"), std::nullopt);
    EXPECT_EQ(ParseStepStatus(""), std::nullopt);
}

TEST(NowIsoTest, Shape) {
    std::string now = NowIso();
    ASSERT_EQ(now.size(), 24u) << now;
    EXPECT_EQ(now[4], '-');
    EXPECT_EQ(now[10], 'T');
    EXPECT_EQ(now[19], '.');
    EXPECT_EQ(now.back(), 'Z');
}

TEST(RunStoreTest, NewRunIdShapeAndOrder) {
    auto store = OpenOrDie(":memory:");
    ASSERT_NE(store, nullptr);
    std::vector<std::string> ids;
    for (int i = 0; i < 200; ++i)
        ids.push_back(store->NewRunId());
    for (const std::string& id : ids) {
        ASSERT_EQ(id.size(), 24u) << id;
        EXPECT_THAT(id, StartsWith("run-"));
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 4), std::string::npos) << id;
    }
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
}

TEST(RunStoreTest, RunRoundTripAndStatusUpdate) {
    auto store = OpenOrDie(":memory:");
    ASSERT_NE(store, nullptr);
    RunRecord run = FullRun(store->NewRunId());
    run.inputs_json = "{\"big\":\"" + std::string(1 << 20, 'x') + "\"}";
    ASSERT_TRUE(store->CreateRun(run).ok());
    auto got = store->GetRun(run.id);
    ASSERT_TRUE(got.has_value());
    ASSERT_TRUE(got->has_value());
    ExpectSameRun(**got, run);

    // An all-empty run keeps empty fields empty; timestamps are filled.
    RunRecord empty;
    empty.id = "run-empty";
    ASSERT_TRUE(store->CreateRun(empty).ok());
    auto e = store->GetRun("run-empty");
    ASSERT_TRUE(e.has_value() && e->has_value());
    EXPECT_EQ((*e)->playbook_id, "");
    EXPECT_EQ((*e)->inputs_json, "");
    EXPECT_FALSE((*e)->apply);
    EXPECT_EQ((*e)->status, RunStatus::kPlanned);
    EXPECT_EQ((*e)->created_at.size(), 24u);
    EXPECT_EQ((*e)->updated_at, (*e)->created_at);

    Status dup = store->CreateRun(run);
    EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists) << dup.ToString();
    EXPECT_EQ(store->CreateRun(RunRecord{}).code(), StatusCode::kInvalidArgument);

    ASSERT_TRUE(
            store->UpdateRunStatus(run.id, RunStatus::kFailed, "step isolate: AccessDenied").ok());
    got = store->GetRun(run.id);
    ASSERT_TRUE(got.has_value() && got->has_value());
    EXPECT_EQ((*got)->status, RunStatus::kFailed);
    EXPECT_EQ((*got)->error, "step isolate: AccessDenied");
    EXPECT_NE((*got)->updated_at, run.updated_at);
    EXPECT_EQ((*got)->created_at, run.created_at);

    EXPECT_EQ(store->UpdateRunStatus("run-missing", RunStatus::kFailed, "").code(),
              StatusCode::kNotFound);
    auto none = store->GetRun("run-missing");
    ASSERT_TRUE(none.has_value());
    EXPECT_FALSE(none->has_value());
}

TEST(RunStoreTest, FindRunByPrefix) {
    auto store = OpenOrDie(":memory:");
    ASSERT_NE(store, nullptr);
    for (const char* id : {"run-aaa111", "run-aaa222", "run-bbb333", "run-aaa1"})
        ASSERT_TRUE(store->CreateRun(FullRun(id)).ok());

    auto unique = store->FindRun("run-b");
    ASSERT_TRUE(unique.has_value());
    ASSERT_TRUE(unique->has_value());
    EXPECT_EQ((*unique)->id, "run-bbb333");

    // A whole id wins even when it is also a prefix of another id.
    auto exact = store->FindRun("run-aaa1");
    ASSERT_TRUE(exact.has_value() && exact->has_value());
    EXPECT_EQ((*exact)->id, "run-aaa1");

    auto ambiguous = store->FindRun("run-aaa");
    ASSERT_FALSE(ambiguous.has_value());
    EXPECT_EQ(ambiguous.error().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(ambiguous.error().message(), HasSubstr("ambiguous"));
    EXPECT_THAT(ambiguous.error().message(), HasSubstr("run-aaa111"));
    EXPECT_THAT(ambiguous.error().message(), HasSubstr("run-aaa222"));
    EXPECT_THAT(ambiguous.error().message(), HasSubstr("run-aaa1,"));

    auto none = store->FindRun("run-c");
    ASSERT_TRUE(none.has_value());
    EXPECT_FALSE(none->has_value());

    // LIKE wildcards are not wildcards here.
    auto percent = store->FindRun("run-%");
    ASSERT_TRUE(percent.has_value());
    EXPECT_FALSE(percent->has_value());
    EXPECT_FALSE(store->FindRun("").has_value());
    auto high = store->FindRun("\xff\xff");
    ASSERT_TRUE(high.has_value());
    EXPECT_FALSE(high->has_value());
}

TEST(RunStoreTest, ListRunsNewestFirstWithFilter) {
    auto store = OpenOrDie(":memory:");
    ASSERT_NE(store, nullptr);
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        RunRecord run = FullRun(store->NewRunId());
        run.created_at = "";  // filled by the store
        run.status = i % 2 == 0 ? RunStatus::kSucceeded : RunStatus::kFailed;
        ASSERT_TRUE(store->CreateRun(run).ok());
        ids.push_back(run.id);
    }
    auto all = store->ListRuns(0, std::nullopt);
    ASSERT_TRUE(all.has_value());
    ASSERT_EQ(all->size(), 5u);
    for (size_t i = 0; i < 5; ++i)
        EXPECT_EQ((*all)[i].id, ids[4 - i]);

    auto two = store->ListRuns(2, std::nullopt);
    ASSERT_TRUE(two.has_value());
    ASSERT_EQ(two->size(), 2u);
    EXPECT_EQ((*two)[0].id, ids[4]);
    EXPECT_EQ((*two)[1].id, ids[3]);

    auto failed = store->ListRuns(10, RunStatus::kFailed);
    ASSERT_TRUE(failed.has_value());
    ASSERT_EQ(failed->size(), 2u);
    EXPECT_EQ((*failed)[0].id, ids[3]);
    EXPECT_EQ((*failed)[1].id, ids[1]);

    auto denied = store->ListRuns(10, RunStatus::kDenied);
    ASSERT_TRUE(denied.has_value());
    EXPECT_TRUE(denied->empty());
}

TEST(RunStoreTest, StepsRoundTripAndSequence) {
    auto store = OpenOrDie(":memory:");
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateRun(FullRun("run-1")).ok());
    ASSERT_TRUE(store->CreateRun(FullRun("run-2")).ok());

    StepRecord a = FullStep("run-1", "isolate");
    StepRecord b = FullStep("run-1", "snapshot[vol-0abc]");
    b.params_json = "{\"big\":[" + std::string(100000, '1') + "]}";
    b.request_ids.clear();
    StepRecord c = FullStep("run-1", "decide/prod/stop");
    c.status = StepStatus::kRunning;
    ASSERT_TRUE(store->PutStep(a).ok());
    ASSERT_TRUE(store->PutStep(b).ok());
    ASSERT_TRUE(store->PutStep(c).ok());
    // Another run's numbering is its own.
    ASSERT_TRUE(store->PutStep(FullStep("run-2", "other")).ok());

    auto steps = store->Steps("run-1");
    ASSERT_TRUE(steps.has_value());
    ASSERT_EQ(steps->size(), 3u);
    a.seq = 1;
    b.seq = 2;
    c.seq = 3;
    ExpectSameStep((*steps)[0], a);
    ExpectSameStep((*steps)[1], b);
    ExpectSameStep((*steps)[2], c);

    // Rewriting an existing key with seq 0 keeps its place.
    StepRecord a2 = a;
    a2.seq = 0;
    a2.status = StepStatus::kFailed;
    a2.error = "AccessDenied";
    a2.request_ids = {"req-9"};
    ASSERT_TRUE(store->PutStep(a2).ok());
    auto found = store->FindStep("run-1", "isolate");
    ASSERT_TRUE(found.has_value() && found->has_value());
    EXPECT_EQ((*found)->seq, 1);
    EXPECT_EQ((*found)->status, StepStatus::kFailed);
    EXPECT_EQ((*found)->error, "AccessDenied");
    EXPECT_THAT((*found)->request_ids, ElementsAre("req-9"));

    // An explicit seq is kept (and ordering follows it).
    StepRecord c2 = c;
    c2.seq = 10;
    ASSERT_TRUE(store->PutStep(c2).ok());
    StepRecord d = FullStep("run-1", "notify");
    ASSERT_TRUE(store->PutStep(d).ok());
    auto d_found = store->FindStep("run-1", "notify");
    ASSERT_TRUE(d_found.has_value() && d_found->has_value());
    EXPECT_EQ((*d_found)->seq, 11);

    auto other = store->Steps("run-2");
    ASSERT_TRUE(other.has_value());
    ASSERT_EQ(other->size(), 1u);
    EXPECT_EQ((*other)[0].seq, 1);

    auto missing = store->FindStep("run-1", "nope");
    ASSERT_TRUE(missing.has_value());
    EXPECT_FALSE(missing->has_value());

    // Steps belong to a run that exists.
    Status orphan = store->PutStep(FullStep("run-none", "x"));
    EXPECT_EQ(orphan.code(), StatusCode::kNotFound) << orphan.ToString();
    EXPECT_EQ(store->PutStep(FullStep("run-1", "")).code(), StatusCode::kInvalidArgument);
}

TEST(RunStoreTest, ApprovalsAndDecide) {
    auto store = OpenOrDie(":memory:");
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateRun(FullRun("run-1")).ok());
    ApprovalRecord approval;
    approval.run_id = "run-1";
    approval.step_key = "approve-stop";
    approval.prompt = "Stop i-0abc in prod? ⚠";
    approval.approvers = {"alice", "arn:aws:iam::111111111111:user/bob"};
    approval.deadline = "2026-11-28T20:05:00.000Z";
    approval.default_decision = "deny";
    ASSERT_TRUE(store->PutApproval(approval).ok());
    ApprovalRecord open_all = approval;
    open_all.step_key = "approve-any";
    open_all.approvers.clear();
    ASSERT_TRUE(store->PutApproval(open_all).ok());

    auto got = store->GetApproval("run-1", "approve-stop");
    ASSERT_TRUE(got.has_value() && got->has_value());
    EXPECT_EQ((*got)->prompt, approval.prompt);
    EXPECT_EQ((*got)->approvers, approval.approvers);
    EXPECT_EQ((*got)->deadline, approval.deadline);
    EXPECT_EQ((*got)->default_decision, "deny");
    EXPECT_EQ((*got)->decision, "");

    ASSERT_TRUE(store->Decide("run-1", "approve-stop", "approved", "alice", "looks bad").ok());
    Status again = store->Decide("run-1", "approve-stop", "denied", "bob", "");
    EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition) << again.ToString();
    EXPECT_THAT(again.message(), HasSubstr("approved by alice"));
    EXPECT_EQ(store->Decide("run-1", "nope", "denied", "bob", "").code(), StatusCode::kNotFound);
    EXPECT_EQ(store->Decide("run-1", "approve-any", "", "bob", "").code(),
              StatusCode::kInvalidArgument);

    got = store->GetApproval("run-1", "approve-stop");
    ASSERT_TRUE(got.has_value() && got->has_value());
    EXPECT_EQ((*got)->decision, "approved");
    EXPECT_EQ((*got)->decided_by, "alice");
    EXPECT_EQ((*got)->reason, "looks bad");
    EXPECT_EQ((*got)->decided_at.size(), 24u);

    auto all = store->Approvals("run-1");
    ASSERT_TRUE(all.has_value());
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].step_key, "approve-stop");
    EXPECT_EQ((*all)[1].step_key, "approve-any");
    EXPECT_TRUE((*all)[1].approvers.empty());
}

TEST(RunStoreTest, DecideRacesHaveOneWinner) {
    auto store = OpenOrDie(":memory:");
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateRun(FullRun("run-1")).ok());
    ApprovalRecord approval;
    approval.run_id = "run-1";
    approval.step_key = "gate";
    ASSERT_TRUE(store->PutApproval(approval).ok());
    std::vector<Status> results(8);
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&, i] {
            results[i] = store->Decide(
                    "run-1", "gate", i % 2 ? "approved" : "denied", "user" + std::to_string(i), "");
        });
    }
    for (auto& t : threads)
        t.join();
    int ok = 0;
    for (const Status& s : results) {
        if (s.ok())
            ++ok;
        else
            EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
    }
    EXPECT_EQ(ok, 1);
}

TEST(RunStoreTest, NotificationsCapturesFindings) {
    auto store = OpenOrDie(":memory:");
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateRun(FullRun("run-1")).ok());

    NotificationRecord n;
    n.run_id = "run-1";
    n.step_key = "notify-oncall";
    n.sink = "slack-ir";
    n.delivered = true;
    n.attempts = 2;
    n.last_error = "HTTP 500 from https://hooks.example.com:443/…";
    n.message_id = "HTTP 200";
    n.payload_json = R"({"text":"Run ✓ für 日本"})";
    n.at = "2026-11-28T19:05:00.123Z";
    ASSERT_TRUE(store->AddNotification(n).ok());
    NotificationRecord n2;
    n2.run_id = "run-1";
    n2.sink = "file";
    ASSERT_TRUE(store->AddNotification(n2).ok());
    auto ns = store->Notifications("run-1");
    ASSERT_TRUE(ns.has_value());
    ASSERT_EQ(ns->size(), 2u);
    EXPECT_EQ((*ns)[0].step_key, n.step_key);
    EXPECT_EQ((*ns)[0].sink, n.sink);
    EXPECT_TRUE((*ns)[0].delivered);
    EXPECT_EQ((*ns)[0].attempts, 2);
    EXPECT_EQ((*ns)[0].last_error, n.last_error);
    EXPECT_EQ((*ns)[0].message_id, n.message_id);
    EXPECT_EQ((*ns)[0].payload_json, n.payload_json);
    EXPECT_EQ((*ns)[0].at, n.at);
    EXPECT_FALSE((*ns)[1].delivered);
    EXPECT_EQ((*ns)[1].at.size(), 24u);  // filled in

    CaptureRecord c;
    c.run_id = "run-1";
    c.step_key = "capture-sg";
    c.name = "security-groups";
    c.content = "{\"SecurityGroups\":[" + std::string(200000, ' ') + "]}";
    c.sha256 = Sha256Hex(c.content);
    c.at = "2026-11-28T19:05:00.123Z";
    ASSERT_TRUE(store->AddCapture(c).ok());
    CaptureRecord c2;
    c2.run_id = "run-1";
    c2.name = "no-hash-given";
    c2.content = "{}";
    ASSERT_TRUE(store->AddCapture(c2).ok());
    auto cs = store->Captures("run-1");
    ASSERT_TRUE(cs.has_value());
    ASSERT_EQ(cs->size(), 2u);
    EXPECT_EQ((*cs)[0].step_key, c.step_key);
    EXPECT_EQ((*cs)[0].name, c.name);
    EXPECT_EQ((*cs)[0].content, c.content);
    EXPECT_EQ((*cs)[0].sha256, c.sha256);
    EXPECT_EQ((*cs)[0].at, c.at);
    EXPECT_EQ((*cs)[1].sha256, Sha256Hex("{}"));

    EXPECT_EQ(store->AddCapture(CaptureRecord{}).code(), StatusCode::kNotFound);

    ASSERT_TRUE(store->UpsertFinding("f-1", R"({"Id":"f-1","Title":"ä"})").ok());
    auto f = store->GetFinding("f-1");
    ASSERT_TRUE(f.has_value() && f->has_value());
    EXPECT_EQ((*f)->status, "NEW");
    EXPECT_EQ((*f)->json, R"({"Id":"f-1","Title":"ä"})");
    ASSERT_TRUE(store->SetFindingStatus("f-1", "IN_PROGRESS", "run-1", "isolating").ok());
    ASSERT_TRUE(store->UpsertFinding("f-1", R"({"Id":"f-1","Title":"b"})").ok());
    f = store->GetFinding("f-1");
    ASSERT_TRUE(f.has_value() && f->has_value());
    EXPECT_EQ((*f)->id, "f-1");
    EXPECT_EQ((*f)->status, "IN_PROGRESS");  // kept by the upsert
    EXPECT_EQ((*f)->json, R"({"Id":"f-1","Title":"b"})");
    EXPECT_EQ((*f)->note, "isolating");
    EXPECT_EQ((*f)->updated_by, "run-1");
    EXPECT_EQ((*f)->updated_at.size(), 24u);
    EXPECT_EQ(store->SetFindingStatus("f-1", "DONE", "x", "").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store->SetFindingStatus("f-2", "RESOLVED", "x", "").code(), StatusCode::kNotFound);
    auto none = store->GetFinding("f-2");
    ASSERT_TRUE(none.has_value());
    EXPECT_FALSE(none->has_value());
}

TEST(RunStoreTest, FileBackedStoreSurvivesReopen) {
    fs::path dir = TestDir();
    std::string path = (dir / "runs.db").string();
    std::string id;
    {
        auto store = OpenOrDie(path);
        ASSERT_NE(store, nullptr);
        id = store->NewRunId();
        ASSERT_TRUE(store->CreateRun(FullRun(id)).ok());
        ASSERT_TRUE(store->PutStep(FullStep(id, "isolate")).ok());
        ApprovalRecord approval;
        approval.run_id = id;
        approval.step_key = "gate";
        ASSERT_TRUE(store->PutApproval(approval).ok());
        NotificationRecord n;
        n.run_id = id;
        n.sink = "s";
        ASSERT_TRUE(store->AddNotification(n).ok());
        CaptureRecord c;
        c.run_id = id;
        c.content = "{}";
        ASSERT_TRUE(store->AddCapture(c).ok());
        ASSERT_TRUE(store->UpsertFinding("f-1", "{}").ok());
    }
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::others_read, fs::perms::none);
    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    auto run = store->FindRun(id.substr(0, 12));
    ASSERT_TRUE(run.has_value() && run->has_value()) << (run ? "" : run.error().ToString());
    ExpectSameRun(**run, FullRun(id));
    auto step = store->FindStep(id, "isolate");
    ASSERT_TRUE(step.has_value() && step->has_value());
    StepRecord expected = FullStep(id, "isolate");
    expected.seq = 1;
    ExpectSameStep(**step, expected);
    auto approvals = store->Approvals(id);
    ASSERT_TRUE(approvals.has_value());
    EXPECT_EQ(approvals->size(), 1u);
    auto ns = store->Notifications(id);
    ASSERT_TRUE(ns.has_value());
    EXPECT_EQ(ns->size(), 1u);
    auto cs = store->Captures(id);
    ASSERT_TRUE(cs.has_value());
    EXPECT_EQ(cs->size(), 1u);
    auto f = store->GetFinding("f-1");
    ASSERT_TRUE(f.has_value());
    EXPECT_TRUE(f->has_value());
    // New ids after a reopen still sort after the old ones.
    EXPECT_GT(store->NewRunId(), id);
}

TEST(RunStoreTest, ConcurrentWritersAllLand) {
    fs::path dir = TestDir();
    auto store = OpenOrDie((dir / "runs.db").string());
    ASSERT_NE(store, nullptr);
    constexpr int kThreads = 4;
    constexpr int kSteps = 100;
    std::vector<std::string> ids;
    for (int t = 0; t < kThreads; ++t) {
        ids.push_back(store->NewRunId());
        ASSERT_TRUE(store->CreateRun(FullRun(ids.back())).ok());
    }
    ASSERT_TRUE(store->CreateRun(FullRun("run-shared")).ok());
    std::vector<int> failures(kThreads, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kSteps; ++i) {
                StepRecord own = FullStep(ids[t], "step-" + std::to_string(i));
                StepRecord shared =
                        FullStep("run-shared", "t" + std::to_string(t) + "-" + std::to_string(i));
                if (!store->PutStep(own).ok() || !store->PutStep(shared).ok())
                    ++failures[t];
            }
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_THAT(failures, ElementsAre(0, 0, 0, 0));
    for (const std::string& id : ids) {
        auto steps = store->Steps(id);
        ASSERT_TRUE(steps.has_value());
        ASSERT_EQ(steps->size(), static_cast<size_t>(kSteps));
        for (int i = 0; i < kSteps; ++i) {
            EXPECT_EQ((*steps)[i].seq, i + 1);
            EXPECT_EQ((*steps)[i].key, "step-" + std::to_string(i));
        }
    }
    auto shared = store->Steps("run-shared");
    ASSERT_TRUE(shared.has_value());
    ASSERT_EQ(shared->size(), static_cast<size_t>(kThreads * kSteps));
    std::set<int> seqs;
    for (const StepRecord& s : *shared)
        seqs.insert(s.seq);
    EXPECT_EQ(seqs.size(), static_cast<size_t>(kThreads * kSteps));
    EXPECT_EQ(*seqs.begin(), 1);
    EXPECT_EQ(*seqs.rbegin(), kThreads * kSteps);
}

TEST(RunStoreTest, GarbageFileIsAClearError) {
    fs::path dir = TestDir();
    std::string path = (dir / "garbage.db").string();
    {
        std::ofstream out(path, std::ios::binary);
        std::string junk;
        for (int i = 0; i < 8192; ++i)
            junk.push_back(static_cast<char>((i * 7919) & 0xff));
        out << junk;
    }
    auto store = RunStore::Open(path);
    ASSERT_FALSE(store.has_value());
    EXPECT_EQ(store.error().code(), StatusCode::kDataLoss) << store.error().ToString();
    EXPECT_THAT(store.error().message(), HasSubstr("not a database"));
    EXPECT_THAT(store.error().message(), HasSubstr(path));

    auto no_dir = RunStore::Open((dir / "missing" / "runs.db").string());
    ASSERT_FALSE(no_dir.has_value());
    EXPECT_THAT(no_dir.error().message(), HasSubstr("open run store"));
    EXPECT_FALSE(RunStore::Open("").has_value());
}

TEST(RunStoreTest, NewerSchemaIsRefused) {
    fs::path dir = TestDir();
    std::string path = (dir / "future.db").string();
    {
        auto store = OpenOrDie(path);
        ASSERT_NE(store, nullptr);
    }
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 2", nullptr, nullptr, nullptr),
                  SQLITE_OK);
        sqlite3_close(db);
    }
    auto store = RunStore::Open(path);
    ASSERT_FALSE(store.has_value());
    EXPECT_EQ(store.error().code(), StatusCode::kFailedPrecondition) << store.error().ToString();
    EXPECT_THAT(store.error().message(), HasSubstr("schema version 2"));
    EXPECT_THAT(store.error().message(), HasSubstr(path));
}

}  // namespace
}  // namespace firebreak::response
