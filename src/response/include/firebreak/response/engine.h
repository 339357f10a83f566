// File: engine.h
//
// The playbook engine: plan, apply, pause for approval, resume.
//
// A run is a deterministic walk over the playbook's steps with a durable journal (RunStore).
// Each step has a stable key ("isolate", "snapshot[vol-0abc]", "environment/production/stop");
// before a step calls AWS it is journaled as running, afterwards with its result. Resuming a run
// (after an approval, or after the process died) walks the playbook again from the top: steps
// the journal has finished are not executed again, their journaled results are put back into the
// scope, and the walk picks up at the first unfinished step. A step that was running when the
// process died is executed again; actions are idempotent (actions.h), so an interrupted run
// finishes without duplicating anything.
//
// Plan mode executes the read-only steps for real (so the plan shows the actual instance, its
// volumes, its groups) and journals every mutating call with its rendered parameters as
// `planned` without making it. Values that only a mutating call would produce are shown as
// <steps.x.result...>; a decision that depends on one is shown as undecided.
//
// Scope of the run:
//   inputs   resolved inputs            finding  the ASFF finding (or null)
//   event    the triggering event       account  the account registry entry (AccountInfo)
//   run      {Id, CaseId, Playbook, Apply, Account, Region, StartedAt}
//   steps    {<id>: {Status, Result, AlreadyDone, RequestIds, Approved, Label}} (for-each steps:
//            Result is the list of item results)
//   item, index   inside for-each
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/core/status.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/response/accounts.h"
#include "firebreak/response/notify.h"
#include "firebreak/response/playbook.h"
#include "firebreak/response/run_store.h"

namespace firebreak::response {

struct RunRequest {
    std::shared_ptr<const Playbook> playbook;
    event::JsonValue finding;                   // ASFF object or null
    event::JsonValue event;                     // CloudTrail record / EventBridge event or null
    std::map<std::string, std::string> inputs;  // given explicitly (win over `from`)
    std::string account;  // empty: from the finding/event, else the caller's account
    std::string region;   // empty: from the finding/event, else the client's region
    std::string case_id;  // empty: derived from the run id
    bool apply = false;
    std::string created_by;
};

// What happened, for printing: the run and its steps in order.
struct RunReport {
    RunRecord run;
    std::vector<StepRecord> steps;
    std::vector<ApprovalRecord> approvals;
    std::vector<NotificationRecord> notifications;
    std::vector<CaptureRecord> captures;
};

struct EngineOptions {
    RunStore* store = nullptr;                  // required
    const AccountRegistry* accounts = nullptr;  // optional
    const Notifier* notifier = nullptr;         // optional: notify steps then fail to deliver
    // A client for (account, region). Required.
    std::function<Result<aws::AwsClient>(const std::string& account, const std::string& region)>
            client_for;
    // The caller's account (sts:GetCallerIdentity), used when nothing else names one.
    std::string default_account;
    std::string default_region;
    // Progress lines while running (may be null).
    std::function<void(const StepRecord&)> on_step;
    // Called when a run has settled (finished, failed, refused, denied or paused for an
    // approval) in Start, Resume and Decide, once its status is journaled. The CLI records the
    // run in the evidence vault here (evidence_record.h). May be null.
    std::function<void(const std::string& run_id)> on_run_settled;
    // Tests: sleep between wait-until polls and the clock for approval deadlines.
    std::function<void(std::chrono::milliseconds)> sleep;
    std::function<std::chrono::system_clock::time_point()> clock;
    // Tests: the process exits (std::_Exit(86)) right after the Nth mutating AWS call returns,
    // before its result is journaled: a crash in the worst place. 0 = off. The CLI sets it from
    // FIREBREAK_TEST_CRASH_AFTER_MUTATIONS.
    int crash_after_mutations = 0;
};

class Engine {
public:
    explicit Engine(EngineOptions options);

    // Creates a run (plan or apply per request.apply) and executes it until it finishes,
    // is refused, fails or waits for an approval.
    Result<RunReport> Start(const RunRequest& request);

    // Continues an apply run that is running (interrupted) or waiting for an approval that has
    // been decided or has timed out. The playbook comes from the run's stored source. A run that
    // is finished is returned as it is.
    Result<RunReport> Resume(const std::string& run_id, const ActionRegistry& actions);

    // Records an approver's decision on a waiting approve step and resumes the run.
    // FailedPrecondition when the approver is not allowed, the step is not waiting, or it was
    // already decided.
    Result<RunReport> Decide(const std::string& run_id,
                             const std::string& step_key,
                             bool approve,
                             const std::string& by,
                             const std::string& reason,
                             const ActionRegistry& actions);

    Result<RunReport> Report(const std::string& run_id) const;

private:
    struct Walk;
    Result<RunReport> Execute(const RunRecord& run, const Playbook& playbook);

    EngineOptions options_;
    int mutations_ = 0;
};

// The finding's id, account, region, rule id and resources, for starting runs from ASFF.
std::string FindingId(const event::JsonValue& finding);

// Reads findings from text: one ASFF object, an array of them, {"Findings": [...]} (a
// BatchImportFindings body) or JSON Lines of any of these. Problems name the line.
Result<std::vector<event::JsonValue>> ParseFindings(std::string_view text);

}  // namespace firebreak::response
