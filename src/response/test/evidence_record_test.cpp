// Playbook runs recorded in the evidence vault (RecordRunEvidence): an applied run records its
// finding, every change it made (a failed call too) and its captures with the expected kinds,
// refs and bytes; recording again adds nothing; a plan records only the finding; a run resumed
// after an approval adds the approved steps and the decision (through the engine's
// on_run_settled hook, as the CLI wires it); the vault then seals and verifies.
#include "firebreak/response/evidence_record.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "firebreak/aws/credentials.h"
#include "firebreak/evidence/keystore.h"
#include "firebreak/evidence/vault_verify.h"
#include "firebreak/response/engine.h"
#include "firebreak/response/expr.h"

namespace firebreak::response {
namespace {

namespace fs = std::filesystem;
using event::JsonValue;
using ::testing::HasSubstr;

constexpr char kAccount[] = "111111111111";
constexpr char kCaller[] = "arn:aws:iam::111111111111:user/responder";
constexpr char kFindingId[] = "arn:aws:securityhub:us-east-1:111111111111:finding/f-1";

// A read, a change and a snapshot; `fail` makes an action answer with that error code.
ActionRegistry FakeActions(std::map<std::string, std::string>* fail) {
    ActionRegistry reg;
    auto add = [&](const std::string& name, bool mutates, std::vector<ActionParam> params) {
        ActionDef def;
        def.name = name;
        def.mutates = mutates;
        def.params = std::move(params);
        def.execute = [fail, name](const aws::AwsClient&,
                                   const JsonValue& p,
                                   const std::string&) -> aws::Outcome<ActionResult> {
            if (auto it = fail->find(name); it != fail->end()) {
                aws::ApiError err;
                err.code = it->second;
                err.message = "scripted failure";
                err.request_id = "req-failed";
                return err;
            }
            ActionResult r;
            r.request_ids.push_back("req-" + name.substr(5));
            r.result = JsonObject();
            SetMember(&r.result, "Echo", p);
            return r;
        };
        reg.Add(std::move(def));
    };
    add("test:Describe", false, {{"Id", ParamType::kString, true, ""}});
    add("test:Change", true, {{"Target", ParamType::kString, true, ""}});
    add("test:CreateSnapshot", true, {{"VolumeId", ParamType::kString, true, ""}});
    return reg;
}

constexpr char kContain[] = R"(
id: contain
title: Contain
inputs:
  target: {pattern: "i-*"}
steps:
  - id: describe
    action: test:Describe
    params: {Id: "{{ inputs.target }}"}
    capture: instance-metadata
  - id: isolate
    action: test:Change
    params: {Target: "{{ inputs.target }}"}
  - id: snapshot
    action: test:CreateSnapshot
    params: {VolumeId: vol-a}
    capture: snapshot-ids
  - id: memory
    capture: {name: command-output, value: "dumped {{ inputs.target }}"}
  - id: tag
    for-each: "{{ split('i-1,i-2', ',') }}"
    action: test:Change
    params: {Target: "tag-{{ item }}"}
)";

constexpr char kApproved[] = R"(
id: approved
title: Approved
inputs:
  target: {pattern: "i-*"}
steps:
  - id: isolate
    action: test:Change
    params: {Target: "{{ inputs.target }}"}
  - id: ok
    approve: {prompt: "stop {{ inputs.target }}?", approvers: [alice], timeout: 1h}
  - id: stop
    action: test:Change
    params: {Target: "stop-{{ inputs.target }}"}
)";

class EvidenceRecordTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::path(::testing::TempDir()) /
                ("evidence_record_" + std::to_string(::getpid()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::error_code ec;
        fs::remove_all(root_, ec);
        auto store = RunStore::Open(":memory:");
        ASSERT_TRUE(store) << store.error().message();
        store_ = std::move(*store);
        registry_ = FakeActions(&fail_);
        Result<std::unique_ptr<evidence::Vault>> vault = evidence::Vault::Open(
                std::make_unique<evidence::LocalVaultBackend>(root_ / "vault", "firebreak-vault"),
                "",
                true,
                evidence::VaultDescriptor{},
                Now());
        ASSERT_TRUE(vault) << vault.error().message();
        vault_ = std::move(*vault);
        Result<JsonValue> finding = event::ParseJson(
                std::string(R"({"SchemaVersion":"2018-10-08","Id":")") + kFindingId +
                R"(","AwsAccountId":"111111111111","Title":"GPU instance launched",)"
                R"("Resources":[{"Type":"AwsEc2Instance","Id":"i-1","Region":"us-east-1"}]})");
        ASSERT_TRUE(finding);
        finding_ = *finding;
    }

    void TearDown() override {
        vault_.reset();
        std::error_code ec;
        fs::remove_all(root_, ec);
    }

    static TimePoint Now() { return std::chrono::system_clock::now(); }

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
        options.client_for = [](const std::string&,
                                const std::string& region) -> Result<aws::AwsClient> {
            aws::ResolvedConfig config;
            config.region = region;
            return aws::AwsClient(
                    config, aws::MakeStaticProvider(aws::Credentials{}, "test"), nullptr);
        };
        options.sleep = [](std::chrono::milliseconds) {
        };
        options.on_run_settled = on_settled_;
        return Engine(std::move(options));
    }

    RunReport Run(const std::shared_ptr<const Playbook>& pb, bool apply) {
        Engine engine = MakeEngine();
        RunRequest req;
        req.playbook = pb;
        req.finding = finding_;
        req.apply = apply;
        req.account = kAccount;
        req.region = "us-east-1";
        req.inputs = {{"target", "i-1"}};
        req.created_by = kCaller;
        Result<RunReport> report = engine.Start(req);
        EXPECT_TRUE(report) << (report ? "" : report.error().message());
        return report ? *report : RunReport{};
    }

    RecordSummary Record(const std::string& run_id) {
        Result<RecordSummary> summary = RecordRunEvidence(*store_, run_id, *vault_, Now());
        EXPECT_TRUE(summary) << (summary ? "" : summary.error().message());
        return summary ? *summary : RecordSummary{};
    }

    const evidence::EvidenceEntry& Entry(const std::string& ref) {
        const evidence::EvidenceEntry* entry = vault_->FindByRef(ref);
        if (entry == nullptr) {
            ADD_FAILURE() << "no vault entry " << ref;
            static const evidence::EvidenceEntry kNone;
            return kNone;
        }
        return *entry;
    }

    std::string Bytes(const std::string& ref) {
        Result<std::string> bytes = vault_->ReadObject(Entry(ref));
        EXPECT_TRUE(bytes) << (bytes ? "" : bytes.error().message());
        return bytes ? *bytes : "";
    }

    JsonValue Document(const std::string& ref) {
        Result<JsonValue> doc = event::ParseJson(Bytes(ref));
        EXPECT_TRUE(doc);
        return doc ? *doc : JsonValue();
    }

    static std::string Text(const JsonValue& doc, std::string_view key) {
        const JsonValue* v = doc.Find(key);
        return v != nullptr ? v->text : "<absent>";
    }

    std::string FindingRef(const RunRecord& run) const {
        return "finding/" + run.case_id + "/" + kFindingId;
    }

    fs::path root_;
    std::map<std::string, std::string> fail_;
    ActionRegistry registry_;
    std::unique_ptr<RunStore> store_;
    std::unique_ptr<evidence::Vault> vault_;
    JsonValue finding_;
    std::function<void(const std::string&)> on_settled_;
};

TEST_F(EvidenceRecordTest, AppliedRunRecordsFindingActionsAndCaptures) {
    RunReport run = Run(Load(kContain), true);
    ASSERT_EQ(run.run.status, RunStatus::kSucceeded) << run.run.error;

    RecordSummary first = Record(run.run.id);
    EXPECT_EQ(first.case_id, run.run.case_id);
    // The finding, four changes (the read is not a change, a for-each is its items) and three
    // captures.
    EXPECT_EQ(first.added, 8u);
    EXPECT_EQ(first.already, 0u);
    EXPECT_EQ(vault_->entry_count(), 8u);

    const evidence::EvidenceEntry& finding = Entry(FindingRef(run.run));
    EXPECT_EQ(finding.kind, "finding");
    EXPECT_EQ(finding.case_id, run.run.case_id);
    Result<std::optional<FindingRecord>> stored = store_->GetFinding(kFindingId);
    ASSERT_TRUE(stored && stored->has_value());
    EXPECT_EQ(Bytes(FindingRef(run.run)), (*stored)->json);

    std::string isolate_ref = StepEvidenceRef(run.run.id, "isolate");
    EXPECT_EQ(isolate_ref, "run/" + run.run.id + "/step/isolate");
    const evidence::EvidenceEntry& isolate = Entry(isolate_ref);
    EXPECT_EQ(isolate.kind, "action");
    EXPECT_EQ(isolate.source, "test:Change 111111111111/us-east-1");
    EXPECT_EQ(isolate.collected_by,
              "playbook-run:" + run.run.id + " (contain) by " + std::string(kCaller));
    EXPECT_EQ(isolate.media_type, "application/json");
    JsonValue doc = Document(isolate_ref);
    EXPECT_EQ(Text(doc, "run"), run.run.id);
    EXPECT_EQ(Text(doc, "playbook"), "contain");
    EXPECT_EQ(Text(doc, "case"), run.run.case_id);
    EXPECT_EQ(Text(doc, "step"), "isolate");
    EXPECT_EQ(Text(doc, "action"), "test:Change");
    EXPECT_EQ(Text(doc, "account"), kAccount);
    EXPECT_EQ(Text(doc, "region"), "us-east-1");
    EXPECT_EQ(Text(doc, "status"), "succeeded");
    EXPECT_EQ(event::ToJson(*doc.Find("parameters")), R"({"Target":"i-1"})");
    EXPECT_EQ(event::ToJson(*doc.Find("result")), R"({"Echo":{"Target":"i-1"}})");
    EXPECT_EQ(event::ToJson(*doc.Find("request_ids")), R"(["req-Change"])");
    EXPECT_EQ(doc.Find("approved_by"), nullptr);
    EXPECT_FALSE(Text(doc, "finished_at").empty());
    EXPECT_EQ(Entry(StepEvidenceRef(run.run.id, "snapshot")).source,
              "test:CreateSnapshot 111111111111/us-east-1");
    // The read is evidence only through its capture.
    EXPECT_EQ(vault_->FindByRef(StepEvidenceRef(run.run.id, "describe")), nullptr);
    EXPECT_EQ(Text(Document(StepEvidenceRef(run.run.id, "tag[i-2]")), "step"), "tag[i-2]");
    EXPECT_EQ(vault_->FindByRef(StepEvidenceRef(run.run.id, "tag")), nullptr);

    const evidence::EvidenceEntry& metadata = Entry(CaptureEvidenceRef(run.run.id, "describe"));
    EXPECT_EQ(metadata.kind, "api-response");
    EXPECT_EQ(metadata.name, "instance-metadata.json");
    EXPECT_EQ(metadata.source, "test:Describe 111111111111/us-east-1 (instance-metadata)");
    EXPECT_EQ(Bytes(CaptureEvidenceRef(run.run.id, "describe")), R"({"Echo":{"Id":"i-1"}})");
    EXPECT_EQ(metadata.sha256, run.captures[0].sha256);
    EXPECT_EQ(Entry(CaptureEvidenceRef(run.run.id, "snapshot")).kind, "snapshot");
    EXPECT_EQ(Entry(CaptureEvidenceRef(run.run.id, "memory")).kind, "command-output");
    EXPECT_EQ(Bytes(CaptureEvidenceRef(run.run.id, "memory")), R"("dumped i-1")");

    // Again (a crash, a resume): nothing new.
    RecordSummary second = Record(run.run.id);
    EXPECT_EQ(second.added, 0u);
    EXPECT_EQ(second.already, 8u);
    EXPECT_EQ(vault_->entry_count(), 8u);
    EXPECT_EQ(RunEvidenceEntries(*vault_, run.run).size(), 8u);

    // Sealed, the vault verifies.
    Result<evidence::KeyStore> keys = evidence::KeyStore::Open((root_ / "keys").string());
    ASSERT_TRUE(keys);
    ASSERT_TRUE(keys->Rotate(Now() - std::chrono::minutes(1)));
    Result<evidence::PrivateKey> key = keys->Current();
    ASSERT_TRUE(key);
    Result<std::optional<evidence::SealedDigest>> sealed = vault_->Seal(*key, Now(), false);
    ASSERT_TRUE(sealed && sealed->has_value());
    EXPECT_EQ((*sealed)->entries, 8u);
    Result<std::string> published = keys->PublishedJson();
    ASSERT_TRUE(published);
    Result<std::vector<evidence::PublishedKey>> public_keys =
            evidence::ParsePublishedKeys(*published);
    ASSERT_TRUE(public_keys);
    evidence::VaultVerifyReport verified =
            evidence::VerifyVault(vault_->backend(), vault_->descriptor(), *public_keys);
    EXPECT_TRUE(verified.ok()) << verified.problems() << " problems";
    EXPECT_EQ(verified.entries_valid, 8u);
}

TEST_F(EvidenceRecordTest, AFailedCallIsEvidenceToo) {
    fail_["test:CreateSnapshot"] = "IncorrectState";
    RunReport run = Run(Load(kContain), true);
    ASSERT_EQ(run.run.status, RunStatus::kFailed);
    RecordSummary summary = Record(run.run.id);
    // The finding, the isolation, the failed snapshot and the describe capture.
    EXPECT_EQ(summary.added, 4u);
    JsonValue doc = Document(StepEvidenceRef(run.run.id, "snapshot"));
    EXPECT_EQ(Text(doc, "status"), "failed");
    EXPECT_THAT(Text(doc, "error"), HasSubstr("IncorrectState"));
    EXPECT_EQ(doc.Find("result"), nullptr);
    EXPECT_EQ(event::ToJson(*doc.Find("request_ids")), R"(["req-failed"])");
    EXPECT_EQ(vault_->FindByRef(CaptureEvidenceRef(run.run.id, "snapshot")), nullptr);
}

TEST_F(EvidenceRecordTest, APlanRecordsOnlyTheFinding) {
    auto pb = Load(kContain);
    RunReport plan = Run(pb, false);
    ASSERT_EQ(plan.run.status, RunStatus::kPlanned) << plan.run.error;
    ASSERT_FALSE(plan.captures.empty());  // the plan's reads captured, but nothing changed
    RecordSummary summary = Record(plan.run.id);
    EXPECT_EQ(summary.added, 1u);
    ASSERT_EQ(vault_->entry_count(), 1u);
    EXPECT_EQ(Entry(FindingRef(plan.run)).kind, "finding");

    // The apply of the same case finds the finding there.
    RunReport applied = Run(pb, true);
    EXPECT_EQ(applied.run.case_id, plan.run.case_id);
    RecordSummary after = Record(applied.run.id);
    EXPECT_EQ(after.already, 1u);
    EXPECT_EQ(after.added, 7u);
}

TEST_F(EvidenceRecordTest, ResumeAfterApprovalAddsTheApprovedStepsAndTheDecision) {
    std::vector<RecordSummary> settled;
    on_settled_ = [this, &settled](const std::string& run_id) {
        settled.push_back(Record(run_id));
    };
    RunReport run = Run(Load(kApproved), true);
    ASSERT_EQ(run.run.status, RunStatus::kWaitingApproval) << run.run.error;
    ASSERT_EQ(settled.size(), 1u);
    EXPECT_EQ(settled[0].added, 2u);  // the finding and the isolation
    EXPECT_EQ(vault_->FindByRef(StepEvidenceRef(run.run.id, "stop")), nullptr);
    EXPECT_EQ(vault_->FindByRef(ApprovalEvidenceRef(run.run.id, "ok")), nullptr);

    Engine engine = MakeEngine();
    Result<RunReport> resumed = engine.Decide(run.run.id, "ok", true, "alice", "go", registry_);
    ASSERT_TRUE(resumed) << resumed.error().message();
    EXPECT_EQ(resumed->run.status, RunStatus::kSucceeded) << resumed->run.error;
    ASSERT_EQ(settled.size(), 2u);
    EXPECT_EQ(settled[1].added, 2u);  // the decision and the stop
    EXPECT_EQ(settled[1].already, 2u);

    const evidence::EvidenceEntry& approval = Entry(ApprovalEvidenceRef(run.run.id, "ok"));
    EXPECT_EQ(approval.kind, "action");
    EXPECT_EQ(approval.source, "firebreak:Approve 111111111111/us-east-1");
    JsonValue decision = Document(ApprovalEvidenceRef(run.run.id, "ok"));
    EXPECT_EQ(Text(decision, "decision"), "approved");
    EXPECT_EQ(Text(decision, "decided_by"), "alice");
    EXPECT_EQ(Text(decision, "reason"), "go");
    EXPECT_EQ(Text(decision, "prompt"), "stop i-1?");
    EXPECT_FALSE(Text(decision, "decided_at").empty());

    JsonValue stop = Document(StepEvidenceRef(run.run.id, "stop"));
    EXPECT_EQ(event::ToJson(*stop.Find("parameters")), R"({"Target":"stop-i-1"})");
    const JsonValue* approved_by = stop.Find("approved_by");
    ASSERT_NE(approved_by, nullptr);
    ASSERT_EQ(approved_by->items.size(), 1u);
    EXPECT_EQ(Text(approved_by->items[0], "by"), "alice");
    EXPECT_EQ(Text(approved_by->items[0], "step"), "ok");
    // The change before the approval was not approved by anyone.
    EXPECT_EQ(Document(StepEvidenceRef(run.run.id, "isolate")).Find("approved_by"), nullptr);
}

TEST_F(EvidenceRecordTest, ADenialIsRecordedAndAnEventStartsACaseWithoutAFinding) {
    std::vector<RecordSummary> settled;
    on_settled_ = [this, &settled](const std::string& run_id) {
        settled.push_back(Record(run_id));
    };
    Result<JsonValue> event = event::ParseJson(
            R"({"eventID":"e-1","eventName":"RunInstances","recipientAccountId":"111111111111"})");
    ASSERT_TRUE(event);
    Engine engine = MakeEngine();
    RunRequest req;
    req.playbook = Load(kApproved);
    req.event = *event;
    req.apply = true;
    req.region = "us-east-1";
    req.inputs = {{"target", "i-2"}};
    Result<RunReport> run = engine.Start(req);
    ASSERT_TRUE(run) << run.error().message();
    ASSERT_EQ(run->run.status, RunStatus::kWaitingApproval);
    const evidence::EvidenceEntry* trigger = nullptr;
    for (const evidence::EvidenceEntry* e : vault_->Entries(run->run.case_id)) {
        if (e->ref.rfind("event/" + run->run.case_id + "/", 0) == 0) {
            trigger = e;
        }
    }
    ASSERT_NE(trigger, nullptr);
    EXPECT_EQ(trigger->kind, "log-file");
    EXPECT_EQ(trigger->collected_by, "playbook-run:" + run->run.id + " (approved)");

    Result<RunReport> denied = engine.Decide(run->run.id, "ok", false, "alice", "no", registry_);
    ASSERT_TRUE(denied) << denied.error().message();
    EXPECT_EQ(denied->run.status, RunStatus::kDenied);
    const evidence::EvidenceEntry& decision = Entry(ApprovalEvidenceRef(run->run.id, "ok"));
    EXPECT_EQ(decision.source, "firebreak:Deny 111111111111/us-east-1");
    EXPECT_EQ(Text(Document(ApprovalEvidenceRef(run->run.id, "ok")), "reason"), "no");
    EXPECT_EQ(vault_->FindByRef(StepEvidenceRef(run->run.id, "stop")), nullptr);
}

TEST_F(EvidenceRecordTest, AStepInterruptedMidCallIsRecordedOnceTheResumeFinishesIt) {
    RunReport run = Run(Load(kContain), true);
    ASSERT_EQ(run.run.status, RunStatus::kSucceeded) << run.run.error;
    // The process died while the snapshot ran: the journal says running.
    StepRecord snap;
    for (const StepRecord& s : run.steps) {
        if (s.key == "snapshot") {
            snap = s;
        }
    }
    snap.status = StepStatus::kRunning;
    snap.result_json.clear();
    snap.request_ids.clear();
    ASSERT_TRUE(store_->PutStep(snap).ok());
    ASSERT_TRUE(store_->UpdateRunStatus(run.run.id, RunStatus::kRunning, "").ok());
    RecordSummary before = Record(run.run.id);
    EXPECT_EQ(vault_->FindByRef(StepEvidenceRef(run.run.id, "snapshot")), nullptr);

    Engine engine = MakeEngine();
    Result<RunReport> resumed = engine.Resume(run.run.id, registry_);
    ASSERT_TRUE(resumed) << resumed.error().message();
    EXPECT_EQ(resumed->run.status, RunStatus::kSucceeded) << resumed->run.error;
    RecordSummary after = Record(run.run.id);
    EXPECT_EQ(after.added, 1u);  // only the snapshot step
    // (The re-run snapshot captured again under the same ref: the first capture stays.)
    EXPECT_EQ(after.already, before.added + 1);
    JsonValue doc = Document(StepEvidenceRef(run.run.id, "snapshot"));
    EXPECT_EQ(Text(doc, "status"), "succeeded");
    EXPECT_EQ(event::ToJson(*doc.Find("request_ids")), R"(["req-CreateSnapshot"])");
}

TEST_F(EvidenceRecordTest, CaptureKinds) {
    EXPECT_EQ(CaptureEvidenceKind("ssm:GetCommandInvocation", "memory"), "command-output");
    EXPECT_EQ(CaptureEvidenceKind("ec2:CreateSnapshot", "volumes"), "snapshot");
    EXPECT_EQ(CaptureEvidenceKind("", "Snapshot-Ids"), "snapshot");
    EXPECT_EQ(CaptureEvidenceKind("", "script-output"), "command-output");
    EXPECT_EQ(CaptureEvidenceKind("ec2:DescribeInstances", "instance-metadata"), "api-response");
}

TEST_F(EvidenceRecordTest, UnknownRunAndBadCaseAreErrors) {
    Result<RecordSummary> missing = RecordRunEvidence(*store_, "run-nope", *vault_, Now());
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);

    Engine engine = MakeEngine();
    RunRequest req;
    req.playbook = Load(kContain);
    req.finding = finding_;
    req.apply = true;
    req.case_id = "case with spaces";
    req.inputs = {{"target", "i-1"}};
    Result<RunReport> run = engine.Start(req);
    ASSERT_TRUE(run) << run.error().message();
    Result<RecordSummary> refused = RecordRunEvidence(*store_, run->run.id, *vault_, Now());
    ASSERT_FALSE(refused);
    EXPECT_THAT(refused.error().message(), HasSubstr("run " + run->run.id + ": finding"));
    EXPECT_THAT(refused.error().message(), HasSubstr("case id"));
}

}  // namespace
}  // namespace firebreak::response
