// File: run_store.h
//
// RunStore: the durable journal of playbook runs in SQLite (one file, WAL, synchronous=FULL so a
// committed step survives kill -9 and power loss). It holds runs, their steps in execution
// order with rendered parameters, AWS request ids and results, approvals, notification
// deliveries, captured evidence (JSON with its SHA-256) and the status of the findings runs were
// started for. The engine writes a step before it calls AWS (status running) and again when
// the call returns, so a resumed run knows exactly what finished, what may have been
// interrupted, and what never started.
//
// Thread-safe: one connection behind a mutex (serve's workers share one store). Every method
// that writes is one transaction. Errors are Status values naming the operation and SQLite's
// message; nothing throws. A file that is not a SQLite database is DataLoss; a store written by a
// newer firebreak (PRAGMA user_version above 1) is FailedPrecondition. A new file is created
// with mode 0600.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/core/status.h"

namespace firebreak::response {

enum class RunStatus : uint8_t {
    kPlanned,          // plan only; nothing was changed
    kRunning,          // apply in progress (or interrupted: a process died while it ran)
    kWaitingApproval,  // paused at an approve step
    kSucceeded,
    kFailed,   // a step failed; `error` says which and why
    kRefused,  // a guard or scope check refused to act; nothing was changed after it
    kDenied,   // an approver said no (or an approval timed out with default deny)
};

enum class StepStatus : uint8_t {
    kPlanned,  // would run (plan mode), not executed
    kRunning,  // started; the process may have died before it finished
    kSucceeded,
    kFailed,
    kSkipped,  // `when` was false, or a branch not taken
    kWaiting,  // an approve step waiting for a decision
    kApproved,
    kDenied,
};

std::string_view RunStatusName(RunStatus status);  // "planned", "running", "waiting-approval", ...
std::optional<RunStatus> ParseRunStatus(std::string_view name);
std::string_view StepStatusName(StepStatus status);  // "planned", "running", "succeeded", ...
std::optional<StepStatus> ParseStepStatus(std::string_view name);

struct RunRecord {
    std::string id;  // "run-" + 20 hex digits (unique, sortable by creation)
    std::string playbook_id;
    std::string playbook_sha256;  // hex SHA-256 of playbook_source
    std::string playbook_source;  // the YAML the run was made from (resume uses it)
    std::string playbook_origin;  // file path or "builtin:<id>"
    bool apply = false;           // false: a plan
    RunStatus status = RunStatus::kPlanned;
    std::string case_id;
    std::string account;
    std::string region;
    std::string finding_id;    // empty when started from an event or explicit inputs
    std::string inputs_json;   // resolved inputs (object)
    std::string context_json;  // the scope the run started with: finding, event, account
    std::string created_by;    // the caller's principal ARN (sts:GetCallerIdentity) or user
    std::string error;         // why it failed, was refused or denied
    std::string created_at;    // ISO-8601 UTC with milliseconds
    std::string updated_at;
};

struct StepRecord {
    std::string run_id;
    int seq = 0;          // execution order within the run (assigned by PutStep when 0)
    std::string key;      // stable path: "isolate", "snapshot[vol-0abc]", "decide/prod/stop"
    std::string step_id;  // the playbook's id for the step
    std::string kind;     // action | notify | approve | capture | set-finding-status | wait-until |
                          // decide | guard
    std::string action;   // "ec2:CreateSnapshot" for action and wait-until steps
    StepStatus status = StepStatus::kPlanned;
    bool mutates = false;
    std::string params_json;  // rendered parameters (object), "" when none
    std::string result_json;  // the result, "" when none
    std::vector<std::string> request_ids;
    bool already_done = false;
    std::string detail;  // branch chosen and why, approval outcome, action note
    std::string error;
    std::string started_at;
    std::string finished_at;
};

struct ApprovalRecord {
    std::string run_id;
    std::string step_key;
    std::string prompt;
    std::vector<std::string> approvers;  // who may decide; empty = anyone
    std::string deadline;                // ISO-8601 UTC
    std::string default_decision;        // "approve" | "deny", applied at the deadline
    std::string decision;  // "" (pending) | "approved" | "denied" | "timed-out-approved" |
                           // "timed-out-denied"
    std::string decided_by;
    std::string reason;
    std::string decided_at;
};

struct NotificationRecord {
    std::string run_id;
    std::string step_key;
    std::string sink;
    bool delivered = false;
    int attempts = 0;
    std::string last_error;
    std::string message_id;  // SNS MessageId, HTTP status, or file offset
    std::string payload_json;
    std::string at;
};

struct CaptureRecord {
    std::string run_id;
    std::string step_key;
    std::string name;
    std::string sha256;   // hex SHA-256 of content
    std::string content;  // JSON text
    std::string at;
};

struct FindingRecord {
    std::string id;
    std::string json;  // the finding as given (ASFF)
    std::string
            status;  // ASFF Workflow.Status: NEW | NOTIFIED | IN_PROGRESS | RESOLVED | SUPPRESSED
    std::string note;
    std::string updated_by;  // the run that set it, or a user
    std::string updated_at;
};

class RunStore {
public:
    // Opens (creating the file and schema when missing) the store at `path`; ":memory:" for tests.
    static Result<std::unique_ptr<RunStore>> Open(const std::string& path);

    ~RunStore();
    RunStore(const RunStore&) = delete;
    RunStore& operator=(const RunStore&) = delete;

    // A new unique run id: "run-" + 12 hex digits of milliseconds since the epoch + 8 random
    // hex digits; ids from one store are strictly increasing.
    std::string NewRunId();

    // AlreadyExists when the id is taken. Empty created_at/updated_at are filled with NowIso().
    Status CreateRun(const RunRecord& run);
    // Sets status, error and updated_at; NotFound when there is no such run.
    Status UpdateRunStatus(std::string_view run_id, RunStatus status, std::string_view error);
    Result<std::optional<RunRecord>> GetRun(std::string_view run_id) const;
    // `id_or_prefix`: a whole id or a prefix matching exactly one run (an ambiguous prefix is an
    // InvalidArgument error listing the candidates).
    Result<std::optional<RunRecord>> FindRun(std::string_view id_or_prefix) const;
    // Newest first (created_at, then insertion order); `status` filters when set; limit <= 0
    // means all.
    Result<std::vector<RunRecord>> ListRuns(int limit, std::optional<RunStatus> status) const;

    // Inserts or replaces the step (run_id, key). seq 0: an existing step keeps its seq, a new
    // one gets max(seq) + 1 of the run. The run must exist (NotFound otherwise), as for
    // approvals, notifications and captures.
    Status PutStep(const StepRecord& step);
    Result<std::vector<StepRecord>> Steps(std::string_view run_id) const;  // by seq
    Result<std::optional<StepRecord>> FindStep(std::string_view run_id, std::string_view key) const;

    Status PutApproval(const ApprovalRecord& approval);  // insert or replace (run_id, step_key)
    Result<std::optional<ApprovalRecord>> GetApproval(std::string_view run_id,
                                                      std::string_view step_key) const;
    Result<std::vector<ApprovalRecord>> Approvals(std::string_view run_id) const;
    // Records a decision on a pending approval (an atomic check-and-set; decided_at = now);
    // FailedPrecondition when already decided, NotFound when there is no such approval,
    // InvalidArgument for a decision other than the four listed in ApprovalRecord.
    Status Decide(std::string_view run_id,
                  std::string_view step_key,
                  std::string_view decision,
                  std::string_view decided_by,
                  std::string_view reason);

    Status AddNotification(const NotificationRecord& notification);
    Result<std::vector<NotificationRecord>> Notifications(std::string_view run_id) const;

    // An empty sha256 is computed from content; an empty `at` is now (also for notifications).
    Status AddCapture(const CaptureRecord& capture);
    Result<std::vector<CaptureRecord>> Captures(std::string_view run_id) const;

    // Inserts the finding when new (status NEW); an existing finding keeps its status (its json
    // is replaced).
    Status UpsertFinding(std::string_view id, std::string_view json);
    // InvalidArgument for a status that is not an ASFF Workflow.Status; NotFound for a finding
    // never upserted.
    Status SetFindingStatus(std::string_view id,
                            std::string_view status,
                            std::string_view updated_by,
                            std::string_view note);
    Result<std::optional<FindingRecord>> GetFinding(std::string_view id) const;

    struct Impl;

private:
    explicit RunStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// ISO-8601 UTC with milliseconds, now.
std::string NowIso();

}  // namespace firebreak::response
