// File: responder.h
//
// Automatic response in `firebreak serve`: new findings become playbook runs, on threads of
// their own so slow AWS calls never stall detection.
//
//   FindingStore (response pending) ─▶ Enqueue(finding id) ─▶ responder thread:
//     every playbook whose triggers match the finding (ASFF) or its event
//       ─▶ plan (Engine::Start, apply = false: reads for real, changes journaled as planned)
//       ─▶ auto-apply allowed for (playbook, account environment, severity)?
//            yes ─▶ apply with the plan's case id (idempotency keys <case>/<step>)
//            no  ─▶ the plan waits: notify, finding IN_PROGRESS; Approve() applies it later
//     links each run to the finding, marks the response dispatched
//
// Crash safety: a finding stays "response pending" in the store until its runs are started
// and linked; Recover() at start resumes runs that were running when the process died and
// dispatches pending findings again. The case id is deterministic (playbook, finding, account,
// region), so a run that was created but not linked is found by case id and not started
// twice; a resumed run re-executes only its unfinished step, and AWS actions are idempotent.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "firebreak/core/status.h"
#include "firebreak/findings/store.h"
#include "firebreak/response/engine.h"
#include "firebreak/response/playbook.h"

namespace firebreak::pipeline {

// Where auto-apply is allowed. Every listed dimension must match; an empty list matches all.
struct AutoApplyRule {
    std::string playbook = "*";             // glob over playbook ids
    std::vector<std::string> accounts;      // globs over account ids
    std::vector<std::string> environments;  // globs over the account registry's environment
    std::vector<std::string> severities;    // lower-case labels: low, medium, high, critical
};

struct ResponderOptions {
    unsigned workers = 1;
    size_t max_queue = 100000;  // findings waiting; beyond it they stay pending in the store
    std::vector<AutoApplyRule> auto_apply;
    // Sinks told about plans waiting for approval (empty: every configured sink).
    std::vector<std::string> notify;
    std::string created_by = "firebreak-serve";
};

struct ResponderCounters {
    std::atomic<uint64_t> findings{0};  // findings handled
    std::atomic<uint64_t> runs_started{0};
    std::atomic<uint64_t> auto_applied{0};
    std::atomic<uint64_t> waiting_approval{0};
    std::atomic<uint64_t> runs_resumed{0};
    std::atomic<uint64_t> errors{0};
    std::atomic<uint64_t> queue_overflow{0};
};

// What the responder needs from the daemon. All callbacks may be called from responder threads.
struct ResponderDeps {
    findings::FindingStore* findings = nullptr;
    response::RunStore* runs = nullptr;
    const response::AccountRegistry* accounts = nullptr;
    const response::Notifier* notifier = nullptr;  // may be null
    // Engine options (store, clients, on_run_settled, ...); copied per run.
    std::function<response::EngineOptions()> engine_options;
    // The current playbooks (swapped on reload).
    std::function<std::shared_ptr<const response::PlaybookSet>()> playbooks;
    const response::ActionRegistry* actions = nullptr;
    // Finding-to-response latency (seconds from the finding's creation to the run settling).
    std::function<void(double seconds)> observe_latency;
    std::function<void(const std::string& line)> log;
};

class Responder {
public:
    Responder(ResponderOptions options, ResponderDeps deps);

    ~Responder();

    Responder(const Responder&) = delete;
    Responder& operator=(const Responder&) = delete;

    void Start();

    void Stop();

    // Queues a finding for response. Never blocks: when the queue is full the finding stays
    // pending in the store and is picked up by the next Recover().
    void Enqueue(std::string finding_id);

    // At start (before Start): resumes runs that were running, then queues pending findings.
    Status Recover();

    // Waits until the queue is empty and no response is in flight (tests, shutdown).
    void Drain();

    // POST /v1/runs/{id}/approve|deny. For a plan waiting for approval (a planned run of a
    // finding whose policy did not allow auto-apply), approve applies it with the same case id
    // and deny closes it; for a run waiting at an approve step, the decision goes to that step
    // (step_key empty: the one pending approval).
    Result<response::RunReport> Decide(const std::string& run_id,
                                       const std::string& step_key,
                                       bool approve,
                                       const std::string& by,
                                       const std::string& reason);

    // Whether auto-apply is allowed for this playbook, account and severity.
    bool AutoApplyAllowed(std::string_view playbook,
                          std::string_view account,
                          std::string_view severity) const;

    const ResponderCounters& counters() const { return counters_; }

    size_t queue_depth() const;

private:
    void Work();
    void Respond(const std::string& finding_id);
    Result<response::RunReport> StartFor(const findings::StoredFinding& finding,
                                         const std::shared_ptr<const response::Playbook>& pb,
                                         const event::JsonValue& asff,
                                         const event::JsonValue& event);
    void AfterRun(const findings::StoredFinding& finding, const response::RunReport& report);
    void NotifyWaiting(const findings::StoredFinding& finding, const response::RunReport& plan);
    void Log(const std::string& line) const;

    ResponderOptions options_;
    ResponderDeps deps_;
    ResponderCounters counters_;

    mutable std::mutex mu_;
    std::condition_variable has_work_;
    std::condition_variable idle_;
    std::deque<std::string> queue_;
    size_t in_flight_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
    std::mutex decide_mu_;  // one decision at a time (a plan is applied once)
};

}  // namespace firebreak::pipeline
