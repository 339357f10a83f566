#include "firebreak/pipeline/responder.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "firebreak/core/time.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::pipeline {
namespace {

using event::JsonValue;
using response::RunReport;
using response::RunStatus;

bool AnyGlob(const std::vector<std::string>& globs, std::string_view text) {
    if (globs.empty()) {
        return true;
    }
    return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) {
        return response::GlobMatch(g, text);
    });
}

JsonValue ParseOrNull(const std::string& text) {
    if (text.empty()) {
        return JsonValue();
    }
    Result<JsonValue> v = event::ParseJson(text);
    return v ? std::move(*v) : JsonValue();
}

// The ASFF finding as the playbook sees it: Id is the stored (aggregated) finding's id, so runs,
// `set-finding-status` and links all name the finding the API shows.
JsonValue AsffFor(const findings::StoredFinding& finding) {
    JsonValue asff = ParseOrNull(finding.asff_json);
    if (!asff.is_object()) {
        return JsonValue();
    }
    for (auto& member : asff.members) {
        if (member.first == "Id") {
            member.second.type = JsonValue::Type::kString;
            member.second.text = finding.id;
        }
    }
    return asff;
}

std::map<std::string, std::string> InputsOf(const std::string& inputs_json) {
    std::map<std::string, std::string> out;
    JsonValue inputs = ParseOrNull(inputs_json);
    for (const auto& member : inputs.members) {
        if (member.second.is_string() || member.second.is_number()) {
            out[member.first] = member.second.text;
        } else if (member.second.type != JsonValue::Type::kNull) {
            out[member.first] = event::ToJson(member.second);
        }
    }
    return out;
}

}  // namespace

Responder::Responder(ResponderOptions options, ResponderDeps deps)
    : options_(std::move(options)),
      deps_(std::move(deps)) {}

Responder::~Responder() {
    Stop();
}

void Responder::Start() {
    unsigned n = std::max(1u, options_.workers);
    for (unsigned i = 0; i < n; ++i) {
        workers_.emplace_back([this] { Work(); });
    }
}

void Responder::Stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
    }
    has_work_.notify_all();
    for (std::thread& t : workers_) {
        if (t.joinable()) {
            t.join();
        }
    }
    workers_.clear();
}

void Responder::Enqueue(std::string finding_id) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (queue_.size() >= options_.max_queue) {
            counters_.queue_overflow.fetch_add(1, std::memory_order_relaxed);
            return;  // stays pending in the store
        }
        queue_.push_back(std::move(finding_id));
    }
    has_work_.notify_one();
}

size_t Responder::queue_depth() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
}

void Responder::Drain() {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [&] { return (queue_.empty() && in_flight_ == 0) || stopping_; });
}

void Responder::Log(const std::string& line) const {
    if (deps_.log) {
        deps_.log(line);
    }
}

Status Responder::Recover() {
    // Runs that were applying when the process died: finish them (finished steps are replayed
    // from the journal, the interrupted one is executed again, idempotently).
    Result<std::vector<response::RunRecord>> running =
            deps_.runs->ListRuns(100000, RunStatus::kRunning);
    if (!running) {
        return running.error();
    }
    for (const response::RunRecord& run : *running) {
        response::Engine engine(deps_.engine_options());
        Result<RunReport> resumed = engine.Resume(run.id, *deps_.actions);
        counters_.runs_resumed.fetch_add(1, std::memory_order_relaxed);
        if (!resumed) {
            counters_.errors.fetch_add(1, std::memory_order_relaxed);
            Log("serve: resuming " + run.id + ": " + resumed.error().message());
        } else {
            Log("serve: resumed " + run.id + " (" + run.playbook_id +
                "): " + std::string(response::RunStatusName(resumed->run.status)));
        }
    }
    Result<std::vector<std::string>> pending = deps_.findings->PendingResponses();
    if (!pending) {
        return pending.error();
    }
    for (std::string& id : *pending) {
        Enqueue(std::move(id));
    }
    return Status::Ok();
}

void Responder::Work() {
    for (;;) {
        std::string id;
        {
            std::unique_lock<std::mutex> lock(mu_);
            has_work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) {
                idle_.notify_all();
                return;  // what is queued stays pending in the store
            }
            id = std::move(queue_.front());
            queue_.pop_front();
            ++in_flight_;
        }
        Respond(id);
        {
            std::lock_guard<std::mutex> lock(mu_);
            --in_flight_;
        }
        idle_.notify_all();
    }
}

bool Responder::AutoApplyAllowed(std::string_view playbook,
                                 std::string_view account,
                                 std::string_view severity) const {
    const response::AccountInfo* info =
            deps_.accounts != nullptr ? deps_.accounts->Find(account) : nullptr;
    std::string environment = info != nullptr ? info->environment : "unknown";
    for (const AutoApplyRule& rule : options_.auto_apply) {
        if (response::GlobMatch(rule.playbook, playbook) && AnyGlob(rule.accounts, account) &&
            AnyGlob(rule.environments, environment) && AnyGlob(rule.severities, severity)) {
            return true;
        }
    }
    return false;
}

void Responder::Respond(const std::string& finding_id) {
    counters_.findings.fetch_add(1, std::memory_order_relaxed);
    Result<std::optional<findings::StoredFinding>> got = deps_.findings->Get(finding_id);
    if (!got || !got->has_value()) {
        counters_.errors.fetch_add(1, std::memory_order_relaxed);
        Log("serve: response for " + finding_id + ": " +
            (got ? std::string("no such finding") : got.error().message()));
        return;
    }
    const findings::StoredFinding& finding = **got;
    if (finding.status == findings::FindingStatus::kSuppressed ||
        finding.status == findings::FindingStatus::kResolved) {
        (void)deps_.findings->MarkResponseDispatched(finding_id);
        return;
    }
    JsonValue asff = AsffFor(finding);
    JsonValue ev = ParseOrNull(finding.event_json);
    std::shared_ptr<const response::PlaybookSet> playbooks = deps_.playbooks();
    bool ok = true;
    for (const std::shared_ptr<const response::Playbook>& pb : playbooks->playbooks) {
        if (!response::PlaybookTriggered(*pb, asff, ev)) {
            continue;
        }
        Result<RunReport> report = StartFor(finding, pb, asff, ev);
        if (!report) {
            ok = false;
            counters_.errors.fetch_add(1, std::memory_order_relaxed);
            Log("serve: " + pb->id + " for " + finding_id + ": " + report.error().message());
            continue;
        }
        AfterRun(finding, *report);
    }
    if (ok) {
        Status marked = deps_.findings->MarkResponseDispatched(finding_id);
        if (!marked.ok()) {
            Log("serve: " + finding_id + ": " + marked.message());
        }
    }
}

Result<RunReport> Responder::StartFor(const findings::StoredFinding& finding,
                                      const std::shared_ptr<const response::Playbook>& pb,
                                      const JsonValue& asff,
                                      const JsonValue& ev) {
    // A run this finding already has for this playbook (the process died after starting it and
    // before marking the response dispatched): not started twice.
    Result<std::vector<response::RunRecord>> recent = deps_.runs->ListRuns(1000, std::nullopt);
    if (!recent) {
        return recent.error();
    }
    const response::RunRecord* existing_plan = nullptr;
    for (const response::RunRecord& run : *recent) {
        if (run.finding_id != finding.id || run.playbook_id != pb->id) {
            continue;
        }
        if (run.apply) {
            (void)deps_.findings->AddLink(
                    finding.id, "run", run.id, std::chrono::system_clock::now());
            return response::Engine(deps_.engine_options()).Report(run.id);
        }
        if (existing_plan == nullptr) {
            existing_plan = &run;
        }
    }
    response::Engine engine(deps_.engine_options());
    response::RunRequest request;
    request.playbook = pb;
    request.finding = asff;
    request.event = ev;
    request.created_by = options_.created_by;
    request.apply = false;
    Result<RunReport> plan =
            existing_plan != nullptr ? engine.Report(existing_plan->id) : engine.Start(request);
    if (!plan) {
        return plan;
    }
    if (existing_plan == nullptr) {
        counters_.runs_started.fetch_add(1, std::memory_order_relaxed);
    }
    (void)deps_.findings->AddLink(
            finding.id, "run", plan->run.id, std::chrono::system_clock::now());
    if (plan->run.status != RunStatus::kPlanned) {
        return plan;  // refused by a guard or scope, or failed while reading
    }
    if (!AutoApplyAllowed(pb->id, plan->run.account, finding.severity)) {
        counters_.waiting_approval.fetch_add(1, std::memory_order_relaxed);
        NotifyWaiting(finding, *plan);
        return plan;
    }
    request.apply = true;
    request.case_id = plan->run.case_id;
    request.account = plan->run.account;
    request.region = plan->run.region;
    Result<RunReport> applied = engine.Start(request);
    if (!applied) {
        return applied;
    }
    counters_.runs_started.fetch_add(1, std::memory_order_relaxed);
    counters_.auto_applied.fetch_add(1, std::memory_order_relaxed);
    (void)deps_.findings->AddLink(
            finding.id, "run", applied->run.id, std::chrono::system_clock::now());
    return applied;
}

void Responder::NotifyWaiting(const findings::StoredFinding& finding, const RunReport& plan) {
    if (deps_.notifier == nullptr) {
        return;
    }
    response::NotifyMessage message;
    message.subject = "firebreak: approval needed: " + plan.run.playbook_id + " for " +
                      finding.rule_id + " in " + plan.run.account;
    if (message.subject.size() > 100) {
        message.subject.resize(100);
    }
    size_t changes = 0;
    for (const response::StepRecord& step : plan.steps) {
        if (step.status == response::StepStatus::kPlanned) {
            ++changes;
        }
    }
    message.text = "Finding " + finding.id + " (" + finding.rule_title + ", " + finding.severity +
                   ", account " + finding.account + ") triggered playbook " + plan.run.playbook_id +
                   ". The plan " + plan.run.id + " would make " + std::to_string(changes) +
                   " change(s); auto-apply is not allowed for this playbook, environment and "
                   "severity. Approve: POST /v1/runs/" +
                   plan.run.id + "/approve (or firebreak runs show " + plan.run.id + ").";
    JsonValue body;
    body.type = JsonValue::Type::kObject;
    auto add = [&](const char* key, const std::string& value) {
        JsonValue v;
        v.type = JsonValue::Type::kString;
        v.text = value;
        body.members.emplace_back(key, std::move(v));
    };
    add("kind", "approval-needed");
    add("finding_id", finding.id);
    add("rule_id", finding.rule_id);
    add("severity", finding.severity);
    add("account", plan.run.account);
    add("region", plan.run.region);
    add("playbook", plan.run.playbook_id);
    add("run_id", plan.run.id);
    add("case_id", plan.run.case_id);
    add("approve", "POST /v1/runs/" + plan.run.id + "/approve");
    message.body = std::move(body);
    std::vector<std::string> sinks = options_.notify;
    if (sinks.empty()) {
        for (const response::SinkConfig& sink : deps_.notifier->sinks()) {
            sinks.push_back(sink.name);
        }
    }
    for (const std::string& sink : sinks) {
        response::DeliveryReport delivery = deps_.notifier->Deliver(sink, message);
        if (!delivery.delivered) {
            Log("serve: approval notice for " + plan.run.id + " to " + sink + " failed");
        }
    }
}

void Responder::AfterRun(const findings::StoredFinding& finding, const RunReport& report) {
    auto now = std::chrono::system_clock::now();
    // A playbook's set-finding-status step wins; otherwise a run waiting for a human makes the
    // finding IN_PROGRESS and a delivered notification makes a NEW finding NOTIFIED.
    std::optional<findings::FindingStatus> next;
    Result<std::optional<response::FindingRecord>> recorded = deps_.runs->GetFinding(finding.id);
    if (recorded && recorded->has_value() && !(*recorded)->updated_by.empty()) {
        next = findings::ParseStatus((*recorded)->status);
    }
    bool waiting = report.run.status == RunStatus::kWaitingApproval ||
                   (report.run.status == RunStatus::kPlanned && !report.run.apply);
    bool notified = std::any_of(report.notifications.begin(),
                                report.notifications.end(),
                                [](const response::NotificationRecord& n) { return n.delivered; });
    if (!next.has_value()) {
        if (waiting) {
            next = findings::FindingStatus::kInProgress;
        } else if (notified && finding.status == findings::FindingStatus::kNew) {
            next = findings::FindingStatus::kNotified;
        }
    }
    if (next.has_value() && *next != finding.status) {
        Status updated = deps_.findings->UpdateStatus(
                finding.id,
                *next,
                "run " + report.run.id + " (" + report.run.playbook_id +
                        "): " + std::string(response::RunStatusName(report.run.status)),
                options_.created_by,
                now);
        if (!updated.ok() && updated.code() != StatusCode::kFailedPrecondition) {
            Log("serve: " + finding.id + ": " + updated.message());
        }
    }
    if (deps_.observe_latency && !waiting) {
        std::optional<TimePoint> created = ParseIsoTime(finding.created_at);
        if (created.has_value()) {
            deps_.observe_latency(std::chrono::duration<double>(now - *created).count());
        }
    }
}

Result<RunReport> Responder::Decide(const std::string& run_id,
                                    const std::string& step_key,
                                    bool approve,
                                    const std::string& by,
                                    const std::string& reason) {
    std::lock_guard<std::mutex> lock(decide_mu_);
    Result<std::optional<response::RunRecord>> found = deps_.runs->FindRun(run_id);
    if (!found) {
        return found.error();
    }
    if (!found->has_value()) {
        return Status(StatusCode::kNotFound, "no run " + run_id);
    }
    const response::RunRecord& run = **found;
    response::Engine engine(deps_.engine_options());
    if (run.status == RunStatus::kWaitingApproval) {
        std::string key = step_key;
        if (key.empty()) {
            Result<std::vector<response::ApprovalRecord>> approvals = deps_.runs->Approvals(run.id);
            if (!approvals) {
                return approvals.error();
            }
            for (const response::ApprovalRecord& a : *approvals) {
                if (a.decision.empty()) {
                    key = a.step_key;
                }
            }
        }
        return engine.Decide(run.id, key, approve, by, reason, *deps_.actions);
    }
    if (run.status != RunStatus::kPlanned || run.apply) {
        return Status(StatusCode::kFailedPrecondition,
                      "run " + run.id + " is " + std::string(response::RunStatusName(run.status)) +
                              "; there is nothing to approve or deny");
    }
    // A plan waiting for approval: applied at most once.
    Result<std::vector<response::RunRecord>> recent = deps_.runs->ListRuns(1000, std::nullopt);
    if (!recent) {
        return recent.error();
    }
    for (const response::RunRecord& other : *recent) {
        if (other.apply && other.case_id == run.case_id && other.playbook_id == run.playbook_id) {
            return Status(StatusCode::kFailedPrecondition,
                          "plan " + run.id + " was already applied as " + other.id);
        }
    }
    if (!approve) {
        Status denied = deps_.runs->UpdateRunStatus(
                run.id, RunStatus::kDenied, "plan denied by " + by + ": " + reason);
        if (!denied.ok()) {
            return denied;
        }
        return engine.Report(run.id);
    }
    // The plan the approver saw: the playbook source it was made from.
    Diagnostics diags;
    std::vector<response::Playbook> loaded = response::LoadPlaybooks(
            run.playbook_source, run.playbook_origin, *deps_.actions, &diags);
    if (loaded.empty()) {
        return Status(StatusCode::kFailedPrecondition,
                      "the playbook source of " + run.id + " no longer loads");
    }
    JsonValue context = ParseOrNull(run.context_json);
    response::RunRequest request;
    request.playbook = std::make_shared<const response::Playbook>(std::move(loaded.front()));
    if (const JsonValue* f = context.Find("finding")) {
        request.finding = *f;
    }
    if (const JsonValue* e = context.Find("event")) {
        request.event = *e;
    }
    request.inputs = InputsOf(run.inputs_json);
    request.account = run.account;
    request.region = run.region;
    request.case_id = run.case_id;
    request.apply = true;
    request.created_by = by;
    Result<RunReport> applied = engine.Start(request);
    if (applied && !run.finding_id.empty()) {
        auto now = std::chrono::system_clock::now();
        (void)deps_.findings->AddLink(run.finding_id, "run", applied->run.id, now);
        Result<std::optional<findings::StoredFinding>> finding =
                deps_.findings->Get(run.finding_id);
        if (finding && finding->has_value()) {
            AfterRun(**finding, *applied);
        }
    }
    return applied;
}

}  // namespace firebreak::pipeline
