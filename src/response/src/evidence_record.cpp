// File: evidence_record.cpp
#include "firebreak/response/evidence_record.h"

#include <map>
#include <optional>
#include <set>
#include <utility>

#include "firebreak/core/crypto.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/response/expr.h"

namespace firebreak::response {
namespace {

using event::JsonValue;

constexpr char kJson[] = "application/json";

bool Contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

bool ContainsFolded(std::string_view text, std::string_view lower_part) {
    std::string lower(text);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return Contains(lower, lower_part);
}

// A file name for exports: [A-Za-z0-9._-], everything else '_'.
std::string FileName(std::string_view prefix, std::string_view stem) {
    std::string out(prefix);
    for (char c : stem) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_';
        out.push_back(ok ? c : '_');
    }
    return out + ".json";
}

TimePoint TimeOr(std::string_view iso, std::string_view fallback, TimePoint now) {
    for (std::string_view text : {iso, fallback}) {
        if (!text.empty()) {
            if (std::optional<TimePoint> t = ParseIsoTime(text)) {
                return *t;
            }
        }
    }
    return now;
}

// Stored JSON text as a value (null when empty; a string when it does not parse, so nothing the
// journal kept is lost).
JsonValue Embedded(const std::string& json) {
    if (json.empty()) {
        return JsonValue();
    }
    Result<JsonValue> parsed = event::ParseJson(json);
    return parsed ? std::move(*parsed) : JsonString(json);
}

JsonValue Strings(const std::vector<std::string>& items) {
    std::vector<JsonValue> out;
    out.reserve(items.size());
    for (const std::string& s : items) {
        out.push_back(JsonString(s));
    }
    return JsonArray(std::move(out));
}

bool Approved(const ApprovalRecord& a) {
    return a.decision == "approved" || a.decision == "timed-out-approved";
}

// Adds items for one run, counting what was new.
class Recorder {
public:
    Recorder(evidence::Vault& vault, const RunRecord& run, TimePoint now)
        : vault_(vault),
          run_(run),
          now_(now) {
        collector_ = "playbook-run:" + run.id + " (" + run.playbook_id + ")";
        if (!run.created_by.empty()) {
            collector_ += " by " + run.created_by;
        }
        summary_.run_id = run.id;
        summary_.case_id = run.case_id;
    }

    Status Add(std::string_view what,
               std::string kind,
               std::string source,
               TimePoint collected_at,
               std::string name,
               std::string ref,
               std::string_view bytes) {
        if (vault_.FindByRef(ref) != nullptr) {
            ++summary_.already;
            return Status::Ok();
        }
        evidence::EvidenceInput input;
        input.case_id = run_.case_id;
        input.kind = std::move(kind);
        input.source = std::move(source);
        input.collected_by = collector_;
        input.collected_at = collected_at;
        input.name = std::move(name);
        input.media_type = kJson;
        input.ref = std::move(ref);
        Result<evidence::EvidenceEntry> entry = vault_.Add(input, bytes, now_);
        if (!entry) {
            return Status(
                    entry.error().code(),
                    "run " + run_.id + ": " + std::string(what) + ": " + entry.error().message());
        }
        ++summary_.added;
        return Status::Ok();
    }

    // The run's common fields of a document.
    JsonValue Document(std::string_view step_key) const {
        JsonValue doc = JsonObject();
        SetMember(&doc, "run", JsonString(run_.id));
        SetMember(&doc, "playbook", JsonString(run_.playbook_id));
        SetMember(&doc, "playbook_sha256", JsonString(run_.playbook_sha256));
        SetMember(&doc, "case", JsonString(run_.case_id));
        SetMember(&doc, "step", JsonString(std::string(step_key)));
        SetMember(&doc, "account", JsonString(run_.account));
        SetMember(&doc, "region", JsonString(run_.region));
        return doc;
    }

    std::string Where() const { return run_.account + "/" + run_.region; }

    RecordSummary summary() const { return summary_; }

private:
    evidence::Vault& vault_;
    const RunRecord& run_;
    TimePoint now_;
    std::string collector_;
    RecordSummary summary_;
};

// The finding that started the case (or, without one, the triggering event).
Status RecordTrigger(RunStore& store, const RunRecord& run, Recorder* rec) {
    std::string bytes;
    std::string id = run.finding_id;
    if (!id.empty()) {
        Result<std::optional<FindingRecord>> finding = store.GetFinding(id);
        if (!finding) {
            return finding.error();
        }
        if (finding->has_value()) {
            bytes = (*finding)->json;
        }
    }
    JsonValue context = Embedded(run.context_json);
    const JsonValue* from_context = context.is_object() ? context.Find("finding") : nullptr;
    if (bytes.empty() && from_context != nullptr && from_context->is_object()) {
        bytes = event::ToJson(*from_context);
    }
    TimePoint at = TimeOr(run.created_at, "", TimePoint{});
    if (!bytes.empty()) {
        if (id.empty()) {
            id = Sha256Hex(bytes);
        }
        return rec->Add("finding " + id,
                        "finding",
                        "finding " + id + " " + rec->Where(),
                        at,
                        "finding.json",
                        "finding/" + run.case_id + "/" + id,
                        bytes);
    }
    const JsonValue* event = context.is_object() ? context.Find("event") : nullptr;
    if (event == nullptr || !event->is_object()) {
        return Status::Ok();  // started from explicit inputs: nothing triggered it
    }
    bytes = event::ToJson(*event);
    std::string sha = Sha256Hex(bytes);
    return rec->Add("event",
                    "log-file",
                    "event " + rec->Where(),
                    at,
                    "event.json",
                    "event/" + run.case_id + "/" + sha,
                    bytes);
}

Status RecordAction(const StepRecord& step,
                    const std::vector<ApprovalRecord>& approvals,
                    Recorder* rec) {
    JsonValue doc = rec->Document(step.key);
    SetMember(&doc, "step_id", JsonString(step.step_id));
    SetMember(&doc, "action", JsonString(step.action));
    SetMember(&doc, "parameters", Embedded(step.params_json));
    SetMember(&doc, "status", JsonString(std::string(StepStatusName(step.status))));
    if (step.status == StepStatus::kFailed) {
        SetMember(&doc, "error", JsonString(step.error));
    } else {
        SetMember(&doc, "result", Embedded(step.result_json));
    }
    SetMember(&doc, "request_ids", Strings(step.request_ids));
    SetMember(&doc, "already_done", JsonBool(step.already_done));
    if (!step.detail.empty()) {
        SetMember(&doc, "detail", JsonString(step.detail));
    }
    SetMember(&doc, "started_at", JsonString(step.started_at));
    SetMember(&doc, "finished_at", JsonString(step.finished_at));
    // The approvals given before this step started (ISO times with milliseconds compare as text).
    std::vector<JsonValue> approved_by;
    for (const ApprovalRecord& a : approvals) {
        if (Approved(a) && !a.decided_at.empty() && a.decided_at <= step.started_at) {
            JsonValue j = JsonObject();
            SetMember(&j, "step", JsonString(a.step_key));
            SetMember(&j, "by", JsonString(a.decided_by));
            SetMember(&j, "decision", JsonString(a.decision));
            SetMember(&j, "at", JsonString(a.decided_at));
            approved_by.push_back(std::move(j));
        }
    }
    if (!approved_by.empty()) {
        SetMember(&doc, "approved_by", JsonArray(std::move(approved_by)));
    }
    return rec->Add("step " + step.key,
                    "action",
                    step.action + " " + rec->Where(),
                    TimeOr(step.finished_at, step.started_at, TimePoint{}),
                    FileName("step-", step.key),
                    StepEvidenceRef(step.run_id, step.key),
                    event::ToJson(doc));
}

Status RecordApproval(const ApprovalRecord& a, Recorder* rec) {
    JsonValue doc = rec->Document(a.step_key);
    SetMember(&doc, "prompt", JsonString(a.prompt));
    SetMember(&doc, "approvers", Strings(a.approvers));
    SetMember(&doc, "deadline", JsonString(a.deadline));
    SetMember(&doc, "default", JsonString(a.default_decision));
    SetMember(&doc, "decision", JsonString(a.decision));
    SetMember(&doc, "decided_by", JsonString(a.decided_by));
    SetMember(&doc, "decided_at", JsonString(a.decided_at));
    SetMember(&doc, "reason", JsonString(a.reason));
    std::string verb = Approved(a) ? "firebreak:Approve" : "firebreak:Deny";
    return rec->Add("approval " + a.step_key,
                    "action",
                    verb + " " + rec->Where(),
                    TimeOr(a.decided_at, "", TimePoint{}),
                    FileName("approval-", a.step_key),
                    ApprovalEvidenceRef(a.run_id, a.step_key),
                    event::ToJson(doc));
}

Status RecordCapture(const CaptureRecord& c, const StepRecord* step, Recorder* rec) {
    std::string action = step != nullptr && step->kind == "action" ? step->action : "";
    std::string source = (action.empty() ? std::string("firebreak:Capture") : action) + " " +
                         rec->Where() + " (" + c.name + ")";
    return rec->Add("capture " + c.step_key,
                    std::string(CaptureEvidenceKind(action, c.name)),
                    std::move(source),
                    TimeOr(c.at, "", TimePoint{}),
                    FileName("", c.name),
                    CaptureEvidenceRef(c.run_id, c.step_key),
                    c.content);
}

}  // namespace

std::string StepEvidenceRef(std::string_view run_id, std::string_view step_key) {
    return "run/" + std::string(run_id) + "/step/" + std::string(step_key);
}

std::string CaptureEvidenceRef(std::string_view run_id, std::string_view step_key) {
    return "run/" + std::string(run_id) + "/capture/" + std::string(step_key);
}

std::string ApprovalEvidenceRef(std::string_view run_id, std::string_view step_key) {
    return "run/" + std::string(run_id) + "/approval/" + std::string(step_key);
}

std::string_view CaptureEvidenceKind(std::string_view step_action, std::string_view name) {
    if (step_action.rfind("ssm:", 0) == 0 || ContainsFolded(name, "command") ||
        ContainsFolded(name, "output")) {
        return "command-output";
    }
    if (Contains(step_action, "Snapshot") || ContainsFolded(name, "snapshot")) {
        return "snapshot";
    }
    return "api-response";
}

Result<RecordSummary> RecordRunEvidence(RunStore& store,
                                        std::string_view run_id,
                                        evidence::Vault& vault,
                                        TimePoint now) {
    Result<std::optional<RunRecord>> found = store.FindRun(run_id);
    if (!found) {
        return found.error();
    }
    if (!found->has_value()) {
        return NotFound("no run " + std::string(run_id));
    }
    const RunRecord& run = **found;
    Recorder rec(vault, run, now);
    FIREBREAK_RETURN_IF_ERROR(RecordTrigger(store, run, &rec));
    if (!run.apply) {
        return rec.summary();  // a plan changed nothing
    }

    Result<std::vector<StepRecord>> steps = store.Steps(run.id);
    if (!steps) {
        return steps.error();
    }
    Result<std::vector<ApprovalRecord>> approvals = store.Approvals(run.id);
    if (!approvals) {
        return approvals.error();
    }
    Result<std::vector<CaptureRecord>> captures = store.Captures(run.id);
    if (!captures) {
        return captures.error();
    }
    std::map<std::string, std::vector<const CaptureRecord*>> captures_by_step;
    for (const CaptureRecord& c : *captures) {
        captures_by_step[c.step_key].push_back(&c);
    }
    std::map<std::string, const ApprovalRecord*> approval_by_step;
    for (const ApprovalRecord& a : *approvals) {
        approval_by_step[a.step_key] = &a;
    }

    // In execution order: each step's change, its decision, then what it captured.
    std::set<std::string> done_captures;
    std::set<std::string> done_approvals;
    for (const StepRecord& step : *steps) {
        bool finished = step.status == StepStatus::kSucceeded || step.status == StepStatus::kFailed;
        // A for-each step's own record only lists its items' results (each item is recorded
        // as a step): it is the one succeeded action record without rendered parameters.
        bool for_each_summary = step.status == StepStatus::kSucceeded && step.params_json.empty();
        if (step.kind == "action" && step.mutates && finished && !for_each_summary) {
            FIREBREAK_RETURN_IF_ERROR(RecordAction(step, *approvals, &rec));
        }
        if (auto it = approval_by_step.find(step.key);
            it != approval_by_step.end() && !it->second->decision.empty()) {
            FIREBREAK_RETURN_IF_ERROR(RecordApproval(*it->second, &rec));
            done_approvals.insert(step.key);
        }
        if (auto it = captures_by_step.find(step.key); it != captures_by_step.end()) {
            for (const CaptureRecord* c : it->second) {
                FIREBREAK_RETURN_IF_ERROR(RecordCapture(*c, &step, &rec));
            }
            done_captures.insert(step.key);
        }
    }
    // Anything the journal holds without a step (not expected, but nothing is left out).
    for (const ApprovalRecord& a : *approvals) {
        if (!a.decision.empty() && done_approvals.count(a.step_key) == 0) {
            FIREBREAK_RETURN_IF_ERROR(RecordApproval(a, &rec));
        }
    }
    for (const CaptureRecord& c : *captures) {
        if (done_captures.count(c.step_key) == 0) {
            FIREBREAK_RETURN_IF_ERROR(RecordCapture(c, nullptr, &rec));
        }
    }
    return rec.summary();
}

std::vector<const evidence::EvidenceEntry*> RunEvidenceEntries(const evidence::Vault& vault,
                                                               const RunRecord& run) {
    std::string own = "run/" + run.id + "/";
    std::string finding = "finding/" + run.case_id + "/";
    std::string event = "event/" + run.case_id + "/";
    std::vector<const evidence::EvidenceEntry*> out;
    for (const evidence::EvidenceEntry* e : vault.Entries(run.case_id)) {
        if (e->ref.rfind(own, 0) == 0 || e->ref.rfind(finding, 0) == 0 ||
            e->ref.rfind(event, 0) == 0) {
            out.push_back(e);
        }
    }
    return out;
}

}  // namespace firebreak::response
