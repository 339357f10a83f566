// The engine's semantics with fake actions (no AWS): plan vs apply, unknown values in plans,
// for-each, decisions, approvals (approve, deny, timeout), guards, blast radius, failures with
// compensation and on-failure steps, and resuming a run from its journal without repeating what
// finished.
#include "firebreak/response/engine.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "firebreak/aws/credentials.h"
#include "firebreak/response/expr.h"

namespace firebreak::response {
namespace {

using event::JsonValue;
using ::testing::HasSubstr;

// Fake actions that record their calls and answer from scripted results.
struct FakeCloud {
    std::vector<std::string> calls;   // "name params-json"
    std::map<std::string, int> made;  // idempotency key -> times a create really made something
    std::map<std::string, std::string> fail;  // action name -> error code

    ActionRegistry Registry() {
        ActionRegistry reg;
        auto add = [&](std::string name,
                       bool mutates,
                       std::vector<ActionParam> params,
                       std::vector<std::string> targets,
                       std::function<JsonValue(const JsonValue&, const std::string&, bool*)> fn) {
            ActionDef def;
            def.name = name;
            def.mutates = mutates;
            def.params = std::move(params);
            def.target_params = std::move(targets);
            def.execute = [this, name, fn](const aws::AwsClient&,
                                           const JsonValue& p,
                                           const std::string& key) -> aws::Outcome<ActionResult> {
                calls.push_back(name + " " + event::ToJson(p));
                if (auto it = fail.find(name); it != fail.end()) {
                    aws::ApiError err;
                    err.code = it->second;
                    err.message = "scripted failure";
                    err.request_id = "req-fail";
                    return err;
                }
                ActionResult r;
                r.request_ids.push_back("req-" + std::to_string(calls.size()));
                r.result = fn(p, key, &r.already_done);
                return r;
            };
            reg.Add(std::move(def));
        };
        add("test:Describe",
            false,
            {{"Id", ParamType::kString, true, ""}},
            {},
            [](const JsonValue& p, const std::string&, bool*) {
                Result<JsonValue> v = event::ParseJson(
                        R"({"Vpc":"vpc-1","Volumes":["vol-a","vol-b"],"Tags":[{"Key":"Environment","Value":"prod"}],"Id":")" +
                        p.Find("Id")->text + "\"}");
                return *v;
            });
        add("test:Create",
            true,
            {{"Name", ParamType::kString, true, ""}},
            {"Name"},
            [this](const JsonValue& p, const std::string& key, bool* already) {
                if (made[key]++ > 0) {
                    *already = true;  // found what an earlier attempt made
                }
                JsonValue out = JsonObject();
                SetMember(&out, "GroupId", JsonString("sg-" + p.Find("Name")->text));
                return out;
            });
        add("test:Change",
            true,
            {{"Target", ParamType::kString, true, ""}, {"Value", ParamType::kJson, false, ""}},
            {"Target"},
            [](const JsonValue&, const std::string&, bool*) { return JsonObject(); });
        add("test:Undo",
            true,
            {{"Target", ParamType::kString, true, ""}},
            {"Target"},
            [](const JsonValue&, const std::string&, bool*) { return JsonObject(); });
        return reg;
    }
};

class EngineTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto store = RunStore::Open(":memory:");
        ASSERT_TRUE(store) << store.error().message();
        store_ = std::move(*store);
        registry_ = cloud_.Registry();
        accounts_.Add(
                AccountInfo{"111111111111", "prod", "production", "", "", {}, "", {}, {}, {}});
        accounts_.Add(
                AccountInfo{"222222222222", "dev", "development", "", "", {}, "", {}, {}, {}});
    }

    std::shared_ptr<const Playbook> Load(const std::string& yaml) {
        Diagnostics diags;
        std::vector<Playbook> pbs = LoadPlaybooks(yaml, "test.yaml", registry_, &diags);
        for (const Diagnostic& d : diags.items()) {
            ADD_FAILURE() << d.ToString();
        }
        if (pbs.size() != 1) {
            ADD_FAILURE() << "expected one playbook";
            return nullptr;
        }
        return std::make_shared<const Playbook>(std::move(pbs[0]));
    }

    Engine MakeEngine() {
        EngineOptions options;
        options.store = store_.get();
        options.accounts = &accounts_;
        options.client_for = [](const std::string&,
                                const std::string& region) -> Result<aws::AwsClient> {
            aws::ResolvedConfig config;
            config.region = region;
            return aws::AwsClient(
                    config, aws::MakeStaticProvider(aws::Credentials{}, "test"), nullptr);
        };
        options.clock = [this] {
            return now_;
        };
        options.sleep = [](std::chrono::milliseconds) {
        };
        return Engine(std::move(options));
    }

    RunReport Run(const std::shared_ptr<const Playbook>& pb,
                  bool apply,
                  std::string account = "111111111111",
                  std::map<std::string, std::string> inputs = {}) {
        Engine engine = MakeEngine();
        RunRequest req;
        req.playbook = pb;
        req.apply = apply;
        req.account = account;
        req.region = "us-east-1";
        req.inputs = std::move(inputs);
        Result<RunReport> report = engine.Start(req);
        EXPECT_TRUE(report) << (report ? "" : report.error().message());
        return report ? *report : RunReport{};
    }

    static const StepRecord* StepByKey(const RunReport& r, const std::string& key) {
        for (const StepRecord& s : r.steps) {
            if (s.key == key) {
                return &s;
            }
        }
        return nullptr;
    }

    FakeCloud cloud_;
    ActionRegistry registry_;
    AccountRegistry accounts_;
    std::unique_ptr<RunStore> store_;
    std::chrono::system_clock::time_point now_ = std::chrono::system_clock::now();
};

constexpr char kContain[] = R"(
id: contain
title: Contain
inputs:
  target: {pattern: "i-*"}
steps:
  - id: describe
    action: test:Describe
    params: {Id: "{{ inputs.target }}"}
  - id: group
    action: test:Create
    params: {Name: "iso-{{ steps.describe.Result.Vpc }}"}
  - id: isolate
    action: test:Change
    params: {Target: "{{ inputs.target }}", Value: "{{ steps.group.Result.GroupId }}"}
  - id: snapshot
    for-each: "{{ steps.describe.Result.Volumes }}"
    action: test:Create
    params: {Name: "snap-{{ item }}"}
  - id: env
    decide:
      - label: production
        when: "account.Environment == 'production'"
        steps:
          - id: ok
            approve: {prompt: "stop {{ inputs.target }}?", approvers: [alice], timeout: 1h}
          - id: stop
            action: test:Change
            params: {Target: "{{ inputs.target }}", Value: stopped}
      - label: development
        steps:
          - id: kill
            action: test:Change
            params: {Target: "{{ inputs.target }}", Value: terminated}
)";

TEST_F(EngineTest, PlanRunsReadsOnlyAndShowsEveryCallWithUnknownsNamed) {
    auto pb = Load(kContain);
    RunReport plan = Run(pb, false, "111111111111", {{"target", "i-1"}});
    EXPECT_EQ(plan.run.status, RunStatus::kPlanned) << plan.run.error;
    // Only the read happened.
    ASSERT_EQ(cloud_.calls.size(), 1u);
    EXPECT_EQ(cloud_.calls[0], R"(test:Describe {"Id":"i-1"})");
    const StepRecord* group = StepByKey(plan, "group");
    ASSERT_NE(group, nullptr);
    EXPECT_EQ(group->status, StepStatus::kPlanned);
    EXPECT_EQ(group->params_json, R"({"Name":"iso-vpc-1"})");
    const StepRecord* isolate = StepByKey(plan, "isolate");
    ASSERT_NE(isolate, nullptr);
    EXPECT_THAT(isolate->params_json, HasSubstr("<steps.group.Result.GroupId>"));
    EXPECT_THAT(isolate->detail, HasSubstr("steps.group.Result.GroupId"));
    // for-each over a known list: one planned call per volume.
    ASSERT_NE(StepByKey(plan, "snapshot[vol-a]"), nullptr);
    ASSERT_NE(StepByKey(plan, "snapshot[vol-b]"), nullptr);
    // The decision is made from the account registry, and the branch is planned.
    const StepRecord* env = StepByKey(plan, "env");
    ASSERT_NE(env, nullptr);
    EXPECT_THAT(env->detail, HasSubstr("chose production"));
    EXPECT_EQ(StepByKey(plan, "env/production/ok")->status, StepStatus::kPlanned);
    EXPECT_EQ(StepByKey(plan, "env/production/stop")->status, StepStatus::kPlanned);
    EXPECT_EQ(StepByKey(plan, "env/development/kill"), nullptr);
}

TEST_F(EngineTest, ApplyPausesForApprovalAndResumesOnApprove) {
    auto pb = Load(kContain);
    RunReport run = Run(pb, true, "111111111111", {{"target", "i-1"}});
    EXPECT_EQ(run.run.status, RunStatus::kWaitingApproval);
    size_t calls_before = cloud_.calls.size();
    EXPECT_EQ(calls_before, 5u);  // describe, group, isolate, 2 snapshots
    EXPECT_EQ(StepByKey(run, "isolate")->params_json, R"({"Target":"i-1","Value":"sg-iso-vpc-1"})");
    ASSERT_EQ(run.approvals.size(), 1u);
    EXPECT_EQ(run.approvals[0].step_key, "env/production/ok");

    Engine engine = MakeEngine();
    // Someone who is not an approver cannot decide.
    Result<RunReport> denied =
            engine.Decide(run.run.id, "env/production/ok", true, "mallory", "", registry_);
    ASSERT_FALSE(denied);
    EXPECT_EQ(denied.error().code(), StatusCode::kPermissionDenied);

    Result<RunReport> resumed =
            engine.Decide(run.run.id, "env/production/ok", true, "alice", "go", registry_);
    ASSERT_TRUE(resumed) << resumed.error().message();
    EXPECT_EQ(resumed->run.status, RunStatus::kSucceeded) << resumed->run.error;
    // Only the stop was added: nothing before the approval ran again.
    ASSERT_EQ(cloud_.calls.size(), calls_before + 1);
    EXPECT_EQ(cloud_.calls.back(), R"(test:Change {"Target":"i-1","Value":"stopped"})");
    EXPECT_EQ(StepByKey(*resumed, "env/production/ok")->status, StepStatus::kApproved);

    // A second decision is refused.
    Result<RunReport> again =
            engine.Decide(run.run.id, "env/production/ok", false, "alice", "", registry_);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code(), StatusCode::kFailedPrecondition);
}

TEST_F(EngineTest, DenyStopsTheRunAndTimeoutAppliesTheDefault) {
    auto pb = Load(kContain);
    RunReport run = Run(pb, true, "111111111111", {{"target", "i-1"}});
    Engine engine = MakeEngine();
    Result<RunReport> denied =
            engine.Decide(run.run.id, "env/production/ok", false, "alice", "not now", registry_);
    ASSERT_TRUE(denied);
    EXPECT_EQ(denied->run.status, RunStatus::kDenied);
    EXPECT_THAT(denied->run.error, HasSubstr("not now"));
    EXPECT_EQ(StepByKey(*denied, "env/production/stop"), nullptr);

    // Timeout: default deny once the deadline has passed.
    RunReport second = Run(pb, true, "111111111111", {{"target", "i-2"}});
    EXPECT_EQ(second.run.status, RunStatus::kWaitingApproval);
    Result<RunReport> still = engine.Resume(second.run.id, registry_);
    ASSERT_TRUE(still);
    EXPECT_EQ(still->run.status, RunStatus::kWaitingApproval);
    now_ += std::chrono::hours(2);
    Result<RunReport> timed_out = engine.Resume(second.run.id, registry_);
    ASSERT_TRUE(timed_out);
    EXPECT_EQ(timed_out->run.status, RunStatus::kDenied);
    ASSERT_EQ(timed_out->approvals.size(), 1u);
    EXPECT_EQ(timed_out->approvals[0].decision, "timed-out-denied");
}

TEST_F(EngineTest, DevelopmentBranchRunsWithoutApproval) {
    auto pb = Load(kContain);
    RunReport run = Run(pb, true, "222222222222", {{"target", "i-9"}});
    EXPECT_EQ(run.run.status, RunStatus::kSucceeded) << run.run.error;
    EXPECT_EQ(cloud_.calls.back(), R"(test:Change {"Target":"i-9","Value":"terminated"})");
    EXPECT_THAT(StepByKey(run, "env")->detail, HasSubstr("chose development"));
}

TEST_F(EngineTest, ResumeAfterACrashRepeatsNothingThatFinished) {
    auto pb = Load(kContain);
    RunReport run = Run(pb, true, "222222222222", {{"target", "i-3"}});
    ASSERT_EQ(run.run.status, RunStatus::kSucceeded);
    // Pretend the process died while the second snapshot ran and before the rest: mark it
    // running, drop everything after it from the journal, and flag the run as running.
    StepRecord snap = *StepByKey(run, "snapshot[vol-b]");
    snap.status = StepStatus::kRunning;
    ASSERT_TRUE(store_->PutStep(snap).ok());
    ASSERT_TRUE(store_->UpdateRunStatus(run.run.id, RunStatus::kRunning, "").ok());
    // (Steps after it stay journaled as finished; the walk reuses them. What matters is that
    // the interrupted create is re-run with the same idempotency key and finds its result.)
    size_t calls_before = cloud_.calls.size();
    Engine engine = MakeEngine();
    Result<RunReport> resumed = engine.Resume(run.run.id, registry_);
    ASSERT_TRUE(resumed) << resumed.error().message();
    EXPECT_EQ(resumed->run.status, RunStatus::kSucceeded) << resumed->run.error;
    ASSERT_EQ(cloud_.calls.size(), calls_before + 1);
    EXPECT_EQ(cloud_.calls.back(), R"(test:Create {"Name":"snap-vol-b"})");
    EXPECT_TRUE(StepByKey(*resumed, "snapshot[vol-b]")->already_done);
    for (const auto& [key, times] : cloud_.made) {
        EXPECT_LE(times, 2) << key;
    }
}

TEST_F(EngineTest, RerunningTheSameResponseReusesTheCaseAndFindsWhatItMade) {
    auto pb = Load(kContain);
    RunReport first = Run(pb, true, "222222222222", {{"target", "i-4"}});
    RunReport second = Run(pb, true, "222222222222", {{"target", "i-4"}});
    EXPECT_EQ(first.run.case_id, second.run.case_id);
    EXPECT_NE(first.run.id, second.run.id);
    EXPECT_TRUE(StepByKey(second, "group")->already_done);
    EXPECT_TRUE(StepByKey(second, "snapshot[vol-a]")->already_done);
}

TEST_F(EngineTest, GuardRefusesAndScopeAndBlastRadiusAreEnforced) {
    auto pb = Load(R"(
id: guarded
title: G
scope: {environments: [development], max-resources: 2}
inputs:
  targets: {}
steps:
  - id: not-exempt
    guard: {condition: "inputs.targets != 'i-exempt'", message: "{{ inputs.targets }} is exempt"}
  - id: touch
    for-each: "{{ split(inputs.targets, ',') }}"
    action: test:Change
    params: {Target: "{{ item }}"}
)");
    RunReport out_of_scope = Run(pb, false, "111111111111", {{"targets", "i-1"}});
    EXPECT_EQ(out_of_scope.run.status, RunStatus::kRefused);
    EXPECT_THAT(out_of_scope.run.error, HasSubstr("'production' account"));

    RunReport exempt = Run(pb, true, "222222222222", {{"targets", "i-exempt"}});
    EXPECT_EQ(exempt.run.status, RunStatus::kRefused);
    EXPECT_THAT(exempt.run.error, HasSubstr("i-exempt is exempt"));

    RunReport too_many = Run(pb, false, "222222222222", {{"targets", "i-1,i-2,i-3"}});
    EXPECT_EQ(too_many.run.status, RunStatus::kRefused);
    EXPECT_THAT(too_many.run.error,
                HasSubstr("3 resources, more than the playbook's max-resources (2)"));
    EXPECT_TRUE(cloud_.calls.empty());

    RunReport fine = Run(pb, true, "222222222222", {{"targets", "i-1,i-2"}});
    EXPECT_EQ(fine.run.status, RunStatus::kSucceeded) << fine.run.error;
    EXPECT_EQ(cloud_.calls.size(), 2u);
}

TEST_F(EngineTest, FailureRunsCompensationsInReverseThenOnFailure) {
    auto pb = Load(R"(
id: comp
title: C
steps:
  - id: first
    action: test:Change
    params: {Target: a}
    compensate:
      - id: undo-first
        action: test:Undo
        params: {Target: a}
  - id: second
    action: test:Change
    params: {Target: b}
    compensate:
      - id: undo-second
        action: test:Undo
        params: {Target: b}
  - id: boom
    action: test:Create
    params: {Name: x}
on-failure:
  - id: tell
    capture: {name: failure, value: "{{ run.FailedStep }}: {{ run.Error }}"}
)");
    cloud_.fail["test:Create"] = "InvalidVolume.NotFound";
    RunReport run = Run(pb, true);
    EXPECT_EQ(run.run.status, RunStatus::kFailed);
    EXPECT_THAT(run.run.error, HasSubstr("boom: test:Create: InvalidVolume.NotFound"));
    ASSERT_GE(cloud_.calls.size(), 5u);
    EXPECT_EQ(cloud_.calls[3], R"(test:Undo {"Target":"b"})");
    EXPECT_EQ(cloud_.calls[4], R"(test:Undo {"Target":"a"})");
    const StepRecord* tell = StepByKey(run, "on-failure/tell");
    ASSERT_NE(tell, nullptr);
    EXPECT_THAT(tell->result_json, HasSubstr("boom: boom: test:Create: InvalidVolume.NotFound"));
}

TEST_F(EngineTest, OkErrorsAndWhenSkips) {
    auto pb = Load(R"(
id: ok
title: O
steps:
  - id: maybe
    action: test:Create
    ok-errors: [NoSuchBucketPolicy]
    params: {Name: x}
  - id: skipped
    when: "steps.maybe.Result != null"
    action: test:Change
    params: {Target: y}
)");
    cloud_.fail["test:Create"] = "NoSuchBucketPolicy";
    RunReport run = Run(pb, true);
    EXPECT_EQ(run.run.status, RunStatus::kSucceeded) << run.run.error;
    EXPECT_EQ(StepByKey(run, "maybe")->status, StepStatus::kSucceeded);
    EXPECT_THAT(StepByKey(run, "maybe")->detail, HasSubstr("NoSuchBucketPolicy"));
    EXPECT_EQ(StepByKey(run, "skipped")->status, StepStatus::kSkipped);
}

TEST_F(EngineTest, MissingAndInvalidInputsAreClearErrors) {
    auto pb = Load(kContain);
    Engine engine = MakeEngine();
    RunRequest req;
    req.playbook = pb;
    req.account = "111111111111";
    Result<RunReport> missing = engine.Start(req);
    ASSERT_FALSE(missing);
    EXPECT_THAT(missing.error().message(), HasSubstr("input 'target' is required"));
    req.inputs["target"] = "sg-1";
    Result<RunReport> bad = engine.Start(req);
    ASSERT_FALSE(bad);
    EXPECT_THAT(bad.error().message(), HasSubstr("does not match i-*"));
    req.inputs = {{"nope", "1"}};
    Result<RunReport> unknown = engine.Start(req);
    ASSERT_FALSE(unknown);
    EXPECT_THAT(unknown.error().message(), HasSubstr("has no input 'nope'"));
}

}  // namespace
}  // namespace firebreak::response
