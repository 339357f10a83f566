#include "firebreak/response/engine.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "firebreak/core/crypto.h"
#include "firebreak/response/expr.h"

namespace firebreak::response {
namespace {

using event::JsonValue;

JsonValue* MutableMember(JsonValue* object, std::string_view key) {
    for (auto& [k, v] : object->members) {
        if (k == key) {
            return &v;
        }
    }
    object->members.emplace_back(std::string(key), JsonValue());
    return &object->members.back().second;
}

std::string Text(const JsonValue* v) {
    if (v == nullptr || v->is_object() || v->is_array()) {
        return "";
    }
    return ToText(*v);
}

// Text for the plan: a value, or when it waits for a planned change, the template's text with
// each unknown hole shown as <ref> (what Render gives for a partly known template).
std::string PlanText(const Value& v) {
    if (v.unknown && !v.json.is_string()) {
        return "<" + v.unknown_ref + ">";
    }
    return ToText(v.json);
}

JsonValue UnknownMarker(const std::string& ref) {
    JsonValue out = JsonObject();
    SetMember(&out, "$unknown", JsonString(ref));
    return out;
}

JsonValue ParseOrNull(const std::string& text) {
    if (text.empty()) {
        return JsonValue();
    }
    Result<JsonValue> parsed = event::ParseJson(text);
    return parsed ? std::move(*parsed) : JsonValue();
}

std::string ApiErrorText(const std::string& action, const aws::ApiError& error) {
    std::string out = action + ": " + error.code;
    if (!error.message.empty()) {
        out += ": " + error.message;
    }
    if (!error.request_id.empty()) {
        out += " (request id " + error.request_id + ")";
    }
    return out;
}

// A for-each item's part of a step key: its text when it is a short scalar, else its index.
std::string ItemKey(const JsonValue& item, size_t index) {
    if (!item.is_object() && !item.is_array()) {
        std::string text = ToText(item);
        bool plain = !text.empty() && text.size() <= 128;
        for (char c : text) {
            plain = plain && c != '[' && c != ']' && c != '/' &&
                    static_cast<unsigned char>(c) >= 0x20;
        }
        if (plain) {
            return text;
        }
    }
    return std::to_string(index);
}

// The `run` root of the scope, from the run record (the same for inputs' `from` and for steps).
JsonValue RunScopeJson(const RunRecord& run) {
    JsonValue out = JsonObject();
    SetMember(&out, "Id", JsonString(run.id));
    SetMember(&out, "CaseId", JsonString(run.case_id));
    SetMember(&out, "Playbook", JsonString(run.playbook_id));
    SetMember(&out, "Apply", JsonBool(run.apply));
    SetMember(&out, "Account", JsonString(run.account));
    SetMember(&out, "Region", JsonString(run.region));
    SetMember(&out, "StartedAt", JsonString(run.created_at));
    return out;
}

std::chrono::system_clock::time_point ParseTime(const std::string& iso) {
    return aws::ParseIsoTime(iso).value_or(std::chrono::system_clock::time_point{});
}

}  // namespace

// One execution pass over a run: the scope, the journal, the blast-radius count.
struct Engine::Walk {
    Engine* engine = nullptr;
    const Playbook* playbook = nullptr;
    RunRecord run;
    std::optional<aws::AwsClient> client;
    JsonValue scope;
    std::map<std::string, StepRecord> journal;
    std::set<std::string> targets;

    // Completed mutating steps with compensations, in order, with their item scope.
    struct Done {
        const Step* step;
        std::string key;
        JsonValue item;
    };

    std::vector<Done> compensable;
    RunStatus status = RunStatus::kRunning;
    std::string error;
    std::string failed_step;

    enum class Flow : uint8_t { kContinue, kStop };

    RunStore& store() { return *engine->options_.store; }

    std::chrono::system_clock::time_point Now() const {
        return engine->options_.clock ? engine->options_.clock() : std::chrono::system_clock::now();
    }

    void Record(StepRecord* rec) {
        rec->run_id = run.id;
        Status st = store().PutStep(*rec);
        if (!st.ok() && status == RunStatus::kRunning) {
            status = RunStatus::kFailed;
            error = "journal: " + st.message();
        }
        if (engine->options_.on_step && rec->status != StepStatus::kRunning) {
            engine->options_.on_step(*rec);
        }
    }

    StepRecord NewRecord(const Step& step, const std::string& key) {
        StepRecord rec;
        rec.key = key;
        rec.step_id = step.id;
        rec.kind = std::string(StepKindName(step.kind));
        rec.action = step.action;
        rec.mutates = step.mutates();
        rec.started_at = NowIso();
        if (auto it = journal.find(key); it != journal.end()) {
            rec.seq = it->second.seq;
        }
        return rec;
    }

    // steps.<id> in the scope.
    void Publish(const Step& step, const JsonValue& entry) {
        JsonValue* steps = MutableMember(&scope, "steps");
        if (!steps->is_object()) {
            *steps = JsonObject();
        }
        SetMember(steps, step.id, entry);
    }

    JsonValue Entry(const StepRecord& rec, JsonValue result) {
        JsonValue e = JsonObject();
        SetMember(&e, "Status", JsonString(std::string(StepStatusName(rec.status))));
        SetMember(&e, "Result", std::move(result));
        SetMember(&e, "AlreadyDone", JsonBool(rec.already_done));
        std::vector<JsonValue> ids;
        for (const std::string& id : rec.request_ids) {
            ids.push_back(JsonString(id));
        }
        SetMember(&e, "RequestIds", JsonArray(std::move(ids)));
        SetMember(&e, "Approved", JsonBool(rec.status == StepStatus::kApproved));
        std::string label;
        if (rec.kind == "decide") {
            label = Text(ParseOrNull(rec.result_json).Find("Label"));
        }
        SetMember(&e, "Label", JsonString(label));
        return e;
    }

    void Fail(const Step& step, const std::string& key, std::string message) {
        if (status == RunStatus::kRunning) {
            status = RunStatus::kFailed;
            error = step.id + ": " + message;
            failed_step = key;
        }
    }

    void Refuse(std::string message) {
        if (status == RunStatus::kRunning) {
            status = RunStatus::kRefused;
            error = std::move(message);
        }
    }

    // Evaluates a condition; unknown stays unknown. Errors fail the step.
    std::optional<Value> Condition(const Step& step,
                                   const std::string& key,
                                   const Expression& expr,
                                   const JsonValue& where) {
        Result<Value, std::string> v = Evaluate(expr, where);
        if (!v) {
            Fail(step, key, "cannot evaluate '" + expr.text() + "': " + v.error());
            return std::nullopt;
        }
        return std::move(*v);
    }

    std::optional<Value> RenderText(const Step& step, const std::string& key, const Template& t) {
        Result<Value, std::string> v = Render(t, scope);
        if (!v) {
            Fail(step, key, "cannot render '" + t.text() + "': " + v.error());
            return std::nullopt;
        }
        return std::move(*v);
    }

    // Renders a parameter tree. `unknown_ref` is set when some value is not known yet.
    std::optional<JsonValue> RenderTree(const TemplateTree& tree,
                                        std::string* unknown_ref,
                                        std::string* error) {
        JsonValue out;
        out.type = tree.type;
        switch (tree.type) {
            case JsonValue::Type::kNull:
                break;
            case JsonValue::Type::kBool:
                out.boolean = tree.boolean;
                break;
            case JsonValue::Type::kNumber:
                out.text = tree.number;
                break;
            case JsonValue::Type::kString: {
                Result<Value, std::string> v = Render(tree.text, scope);
                if (!v) {
                    *error = "cannot render '" + tree.text.text() + "': " + v.error();
                    return std::nullopt;
                }
                if (v->unknown) {
                    if (unknown_ref->empty()) {
                        *unknown_ref = v->unknown_ref;
                    }
                    return JsonString("<" + v->unknown_ref + ">");
                }
                return std::move(v->json);
            }
            case JsonValue::Type::kArray:
                for (const TemplateTree& item : tree.items) {
                    std::optional<JsonValue> sub = RenderTree(item, unknown_ref, error);
                    if (!sub) {
                        return std::nullopt;
                    }
                    // A hole that renders to a list inside a list is spliced in (so
                    // `[a, "{{ list }}"]` is flat), as responders expect of id lists.
                    if (item.type == JsonValue::Type::kString && sub->is_array()) {
                        for (JsonValue& x : sub->items) {
                            out.items.push_back(std::move(x));
                        }
                    } else {
                        out.items.push_back(std::move(*sub));
                    }
                }
                break;
            case JsonValue::Type::kObject:
                for (const auto& [k, sub_tree] : tree.members) {
                    std::optional<JsonValue> sub = RenderTree(sub_tree, unknown_ref, error);
                    if (!sub) {
                        return std::nullopt;
                    }
                    // Null parameters are left out, so `{{ default(x, null) }}` means "not sent".
                    if (sub->type != JsonValue::Type::kNull) {
                        out.members.emplace_back(k, std::move(*sub));
                    }
                }
                break;
        }
        return out;
    }

    Flow Steps(const std::vector<Step>& steps, const std::string& prefix) {
        for (const Step& step : steps) {
            if (RunOne(step, prefix + step.id) == Flow::kStop) {
                return Flow::kStop;
            }
        }
        return Flow::kContinue;
    }

    // A step the journal has finished: its result goes back into the scope.
    bool Replay(const Step& step, const std::string& key) {
        auto it = journal.find(key);
        if (it == journal.end()) {
            return false;
        }
        const StepRecord& rec = it->second;
        bool finished = rec.status == StepStatus::kSucceeded ||
                        rec.status == StepStatus::kSkipped || rec.status == StepStatus::kApproved ||
                        (rec.status == StepStatus::kDenied && step.continue_on_deny);
        if (!finished) {
            return false;
        }
        Publish(step, Entry(rec, ParseOrNull(rec.result_json)));
        return true;
    }

    Flow RunOne(const Step& step, const std::string& key) {
        if (status != RunStatus::kRunning) {
            return Flow::kStop;
        }
        if (step.kind != StepKind::kDecide && !step.for_each && Replay(step, key)) {
            if (step.mutates() && !step.compensate.empty()) {
                compensable.push_back({&step, key, JsonValue()});
            }
            return Flow::kContinue;
        }
        if (step.when && !step.for_each) {
            std::optional<Value> v = Condition(step, key, *step.when, scope);
            if (!v) {
                return Flow::kStop;
            }
            if (v->unknown) {
                StepRecord rec = NewRecord(step, key);
                rec.status = StepStatus::kPlanned;
                rec.detail = "runs only if " + step.when->text() + " (decided at apply: it reads " +
                             v->unknown_ref + ")";
                rec.finished_at = NowIso();
                Record(&rec);
                Publish(step, Entry(rec, UnknownMarker("steps." + step.id + ".Result")));
                return Flow::kContinue;
            }
            if (!Truthy(v->json)) {
                StepRecord rec = NewRecord(step, key);
                rec.status = StepStatus::kSkipped;
                rec.detail = "when " + step.when->text() + " is false";
                rec.finished_at = NowIso();
                Record(&rec);
                Publish(step, Entry(rec, JsonValue()));
                return Flow::kContinue;
            }
        }
        switch (step.kind) {
            case StepKind::kAction:
                return Action(step, key);
            case StepKind::kNotify:
                return Notify(step, key);
            case StepKind::kApprove:
                return Approve(step, key);
            case StepKind::kCapture:
                return Capture(step, key);
            case StepKind::kSetFindingStatus:
                return SetFindingStatus(step, key);
            case StepKind::kWaitUntil:
                return WaitUntil(step, key);
            case StepKind::kDecide:
                return Decide(step, key);
            case StepKind::kGuard:
                return Guard(step, key);
        }
        return Flow::kContinue;
    }

    // ---- action ---------------------------------------------------------------------------

    // Runs one call of an action step (one for-each item). Returns the result, or nullopt when
    // the run stops (failed, refused).
    std::optional<JsonValue> Call(const Step& step, const std::string& key, StepRecord* rec) {
        std::string unknown_ref;
        std::string render_error;
        std::optional<JsonValue> params = RenderTree(step.params, &unknown_ref, &render_error);
        if (!params) {
            rec->status = StepStatus::kFailed;
            rec->error = render_error;
            rec->finished_at = NowIso();
            Record(rec);
            Fail(step, key, render_error);
            return std::nullopt;
        }
        rec->params_json = event::ToJson(*params);
        if (unknown_ref.empty()) {
            std::vector<std::string> problems = ValidateParams(*step.def, *params);
            if (!problems.empty()) {
                std::string message = step.action + ": ";
                for (size_t i = 0; i < problems.size(); ++i) {
                    message += (i ? "; " : "") + problems[i];
                }
                rec->status = StepStatus::kFailed;
                rec->error = message;
                rec->finished_at = NowIso();
                Record(rec);
                Fail(step, key, message);
                return std::nullopt;
            }
        }
        if (step.def->mutates) {
            // Resources are counted by value: InstanceId=i-1 and Resources=i-1 are one resource.
            for (const std::string& t : ActionTargets(*step.def, *params)) {
                size_t eq = t.find('=');
                targets.insert(eq == std::string::npos ? t : t.substr(eq + 1));
            }
            if (static_cast<int>(targets.size()) > playbook->scope.max_resources) {
                std::string message = "blast radius: this run would act on " +
                                      std::to_string(targets.size()) +
                                      " resources, more than the playbook's max-resources (" +
                                      std::to_string(playbook->scope.max_resources) + ")";
                rec->status = StepStatus::kFailed;
                rec->error = message;
                rec->finished_at = NowIso();
                Record(rec);
                Refuse(step.id + ": " + message);
                return std::nullopt;
            }
        }
        if (step.def->mutates && !run.apply) {
            rec->status = StepStatus::kPlanned;
            if (!unknown_ref.empty()) {
                rec->detail = "parameters wait for " + unknown_ref;
            }
            rec->finished_at = NowIso();
            Record(rec);
            return UnknownMarker("steps." + step.id + ".Result");
        }
        if (!unknown_ref.empty()) {
            // A read-only call whose parameters wait for a planned change: planned too.
            rec->status = StepStatus::kPlanned;
            rec->detail = "parameters wait for " + unknown_ref;
            rec->finished_at = NowIso();
            Record(rec);
            return UnknownMarker("steps." + step.id + ".Result");
        }
        rec->status = StepStatus::kRunning;
        Record(rec);
        std::string idempotency_key = run.case_id + "/" + key;
        aws::Outcome<ActionResult> result = step.def->execute(*client, *params, idempotency_key);
        if (step.def->mutates && run.apply) {
            ++engine->mutations_;
            if (engine->options_.crash_after_mutations > 0 &&
                engine->mutations_ == engine->options_.crash_after_mutations) {
                std::_Exit(86);  // test hook: die before the result is journaled
            }
        }
        rec->finished_at = NowIso();
        if (!result) {
            const aws::ApiError& err = result.error();
            if (!err.request_id.empty()) {
                rec->request_ids.push_back(err.request_id);
            }
            if (std::find(step.ok_errors.begin(), step.ok_errors.end(), err.code) !=
                step.ok_errors.end()) {
                rec->status = StepStatus::kSucceeded;
                rec->detail = "AWS answered " + err.code + ", which this step accepts";
                Record(rec);
                return JsonValue();
            }
            rec->status = StepStatus::kFailed;
            rec->error = ApiErrorText(step.action, err);
            Record(rec);
            Fail(step, key, rec->error);
            return std::nullopt;
        }
        rec->status = StepStatus::kSucceeded;
        rec->request_ids = result->request_ids;
        rec->already_done = result->already_done;
        rec->detail = result->note;
        rec->result_json = event::ToJson(result->result);
        Record(rec);
        if (!step.capture.empty()) {
            SaveCapture(key, step.capture, rec->result_json);
        }
        return std::move(result->result);
    }

    void SaveCapture(const std::string& key, const std::string& name, const std::string& json) {
        CaptureRecord c;
        c.run_id = run.id;
        c.step_key = key;
        c.name = name;
        c.content = json;
        c.sha256 = Sha256Hex(json);
        c.at = NowIso();
        Status st = store().AddCapture(c);
        if (!st.ok() && status == RunStatus::kRunning) {
            status = RunStatus::kFailed;
            error = "journal: " + st.message();
        }
    }

    Flow Action(const Step& step, const std::string& key) {
        if (!step.for_each) {
            StepRecord rec = NewRecord(step, key);
            std::optional<JsonValue> result = Call(step, key, &rec);
            if (!result) {
                return Flow::kStop;
            }
            Publish(step, Entry(rec, std::move(*result)));
            if (rec.status == StepStatus::kSucceeded && step.mutates() &&
                !step.compensate.empty()) {
                compensable.push_back({&step, key, JsonValue()});
            }
            return Flow::kContinue;
        }
        // for-each: one journaled call per item, then the step itself with the list of results.
        StepRecord whole = NewRecord(step, key);
        std::optional<Value> list = RenderText(step, key, *step.for_each);
        if (!list) {
            return Flow::kStop;
        }
        if (list->unknown) {
            whole.status = StepStatus::kPlanned;
            whole.detail = "for each of " + list->unknown_ref + " (known at apply)";
            whole.finished_at = NowIso();
            Record(&whole);
            Publish(step, Entry(whole, UnknownMarker("steps." + step.id + ".Result")));
            return Flow::kContinue;
        }
        std::vector<JsonValue> items;
        if (list->json.is_array()) {
            items = std::move(list->json.items);
        } else if (list->json.type != JsonValue::Type::kNull) {
            items.push_back(std::move(list->json));
        }
        std::vector<JsonValue> results;
        bool any_planned = false;
        bool all_done = true;
        int called = 0;
        int skipped = 0;
        int reused = 0;
        std::set<std::string> used_keys;
        for (size_t i = 0; i < items.size(); ++i) {
            std::string item_key = key + "[" + ItemKey(items[i], i) + "]";
            if (!used_keys.insert(item_key).second) {
                item_key = key + "[" + std::to_string(i) + "]";
            }
            SetMember(&scope, "item", items[i]);
            SetMember(&scope, "index", JsonInt(static_cast<int64_t>(i)));
            if (auto it = journal.find(item_key);
                it != journal.end() && (it->second.status == StepStatus::kSucceeded ||
                                        it->second.status == StepStatus::kSkipped)) {
                results.push_back(ParseOrNull(it->second.result_json));
                ++reused;
                all_done = all_done && it->second.already_done;
                if (step.mutates() && !step.compensate.empty() &&
                    it->second.status == StepStatus::kSucceeded) {
                    compensable.push_back({&step, item_key, items[i]});
                }
                continue;
            }
            StepRecord rec = NewRecord(step, item_key);
            if (step.when) {
                std::optional<Value> v = Condition(step, item_key, *step.when, scope);
                if (!v) {
                    return Flow::kStop;
                }
                if (!v->unknown && !Truthy(v->json)) {
                    rec.status = StepStatus::kSkipped;
                    rec.detail = "when " + step.when->text() + " is false for this item";
                    rec.finished_at = NowIso();
                    Record(&rec);
                    results.emplace_back();
                    ++skipped;
                    continue;
                }
            }
            std::optional<JsonValue> result = Call(step, item_key, &rec);
            if (!result) {
                return Flow::kStop;
            }
            ++called;
            any_planned = any_planned || rec.status == StepStatus::kPlanned;
            all_done = all_done && rec.already_done;
            if (rec.status == StepStatus::kSucceeded && step.mutates() &&
                !step.compensate.empty()) {
                compensable.push_back({&step, item_key, items[i]});
            }
            results.push_back(std::move(*result));
        }
        scope.members.erase(std::remove_if(scope.members.begin(),
                                           scope.members.end(),
                                           [](const auto& m) {
                                               return m.first == "item" || m.first == "index";
                                           }),
                            scope.members.end());
        whole.status = any_planned                                    ? StepStatus::kPlanned
                       : items.size() == static_cast<size_t>(skipped) ? StepStatus::kSkipped
                                                                      : StepStatus::kSucceeded;
        whole.already_done = called + reused > 0 && all_done && !any_planned;
        whole.detail = std::to_string(items.size()) + " item" + (items.size() == 1 ? "" : "s");
        if (skipped > 0) {
            whole.detail += ", " + std::to_string(skipped) + " skipped";
        }
        if (reused > 0) {
            whole.detail += ", " + std::to_string(reused) + " finished earlier";
        }
        JsonValue list_result = JsonArray(std::move(results));
        whole.result_json = event::ToJson(list_result);
        whole.finished_at = NowIso();
        Record(&whole);
        Publish(step, Entry(whole, std::move(list_result)));
        return Flow::kContinue;
    }

    // ---- notify ---------------------------------------------------------------------------

    JsonValue MessageBody(const std::string& subject, const std::string& text) {
        JsonValue body = JsonObject();
        SetMember(&body, "subject", JsonString(subject));
        SetMember(&body, "text", JsonString(text));
        JsonValue r = JsonObject();
        SetMember(&r, "id", JsonString(run.id));
        SetMember(&r, "playbook", JsonString(run.playbook_id));
        SetMember(&r, "case", JsonString(run.case_id));
        SetMember(&r, "account", JsonString(run.account));
        SetMember(&r, "region", JsonString(run.region));
        SetMember(&r, "apply", JsonBool(run.apply));
        SetMember(&r, "status", JsonString(std::string(RunStatusName(status))));
        if (!error.empty()) {
            SetMember(&r, "error", JsonString(error));
        }
        SetMember(&body, "run", std::move(r));
        const JsonValue* finding = scope.Find("finding");
        if (finding != nullptr && finding->is_object()) {
            JsonValue f = JsonObject();
            for (const char* k : {"Id", "Title", "AwsAccountId", "GeneratorId"}) {
                if (const JsonValue* v = finding->Find(k)) {
                    SetMember(&f, k, *v);
                }
            }
            if (const JsonValue* sev = finding->Find("Severity")) {
                SetMember(&f, "Severity", *sev);
            }
            if (const JsonValue* res = finding->Find("Resources")) {
                SetMember(&f, "Resources", *res);
            }
            SetMember(&body, "finding", std::move(f));
        }
        std::vector<JsonValue> actions;
        Result<std::vector<StepRecord>> steps = store().Steps(run.id);
        if (steps) {
            for (const StepRecord& s : *steps) {
                // Action calls only (a for-each step's own record has no parameters).
                if (s.kind != "action" || s.params_json.empty()) {
                    continue;
                }
                if (s.status != StepStatus::kSucceeded && s.status != StepStatus::kPlanned &&
                    s.status != StepStatus::kFailed) {
                    continue;
                }
                JsonValue a = JsonObject();
                SetMember(&a, "step", JsonString(s.key));
                SetMember(&a, "action", JsonString(s.action));
                SetMember(&a, "status", JsonString(std::string(StepStatusName(s.status))));
                SetMember(&a, "changes", JsonBool(s.mutates));
                SetMember(&a, "already_done", JsonBool(s.already_done));
                std::vector<JsonValue> ids;
                for (const std::string& id : s.request_ids) {
                    ids.push_back(JsonString(id));
                }
                SetMember(&a, "request_ids", JsonArray(std::move(ids)));
                if (!s.error.empty()) {
                    SetMember(&a, "error", JsonString(s.error));
                }
                actions.push_back(std::move(a));
            }
        }
        SetMember(&body, "actions", JsonArray(std::move(actions)));
        JsonValue links = JsonObject();
        SetMember(&links, "run", JsonString("firebreak runs show " + run.id));
        std::string region = run.region.empty() ? "us-east-1" : run.region;
        SetMember(&links,
                  "cloudtrail",
                  JsonString("https://" + region +
                             ".console.aws.amazon.com/cloudtrail/home?region=" + region +
                             "#/events"));
        SetMember(&body, "links", std::move(links));
        return body;
    }

    // Sends to each sink and journals every delivery. Delivery failures never stop the run.
    std::string Deliver(const std::string& key,
                        const std::vector<std::string>& sinks,
                        const std::string& subject,
                        const std::string& text) {
        // The step's sinks plus the account registry's sinks for this account.
        std::vector<std::string> targets_to = sinks;
        if (const JsonValue* acct = scope.Find("account")) {
            if (const JsonValue* extra = acct->Find("Notify"); extra && extra->is_array()) {
                for (const JsonValue& s : extra->items) {
                    if (s.is_string() && std::find(targets_to.begin(), targets_to.end(), s.text) ==
                                                 targets_to.end()) {
                        targets_to.push_back(s.text);
                    }
                }
            }
        }
        NotifyMessage message;
        message.subject = subject;
        message.text = text;
        message.body = MessageBody(subject, text);
        std::string summary;
        for (const std::string& sink : targets_to) {
            DeliveryReport report;
            if (engine->options_.notifier == nullptr) {
                report.sink = sink;
                report.attempts.push_back({1, false, 0, "no notification sinks are configured"});
            } else {
                report = engine->options_.notifier->Deliver(sink, message);
            }
            NotificationRecord n;
            n.run_id = run.id;
            n.step_key = key;
            n.sink = sink;
            n.delivered = report.delivered;
            n.attempts = static_cast<int>(report.attempts.size());
            n.last_error = report.attempts.empty() ? "" : report.attempts.back().error;
            n.message_id = report.message_id;
            n.payload_json = event::ToJson(message.body);
            n.at = NowIso();
            (void)store().AddNotification(n);
            summary += (summary.empty() ? "" : "; ") + sink + ": " +
                       (report.delivered ? "delivered" : "FAILED (" + n.last_error + ")");
        }
        return summary;
    }

    Flow Notify(const Step& step, const std::string& key) {
        StepRecord rec = NewRecord(step, key);
        std::optional<Value> subject = RenderText(step, key, step.subject);
        std::optional<Value> message = RenderText(step, key, step.message);
        if (!subject || !message) {
            return Flow::kStop;
        }
        std::string subject_text = PlanText(*subject);
        std::string message_text = PlanText(*message);
        JsonValue params = JsonObject();
        std::vector<JsonValue> to;
        for (const std::string& s : step.notify_to) {
            to.push_back(JsonString(s));
        }
        SetMember(&params, "to", JsonArray(std::move(to)));
        SetMember(&params, "subject", JsonString(subject_text));
        SetMember(&params, "message", JsonString(message_text));
        rec.params_json = event::ToJson(params);
        if (!run.apply) {
            rec.status = StepStatus::kPlanned;
        } else {
            rec.status = StepStatus::kSucceeded;
            rec.detail = Deliver(key, step.notify_to, subject_text, message_text);
        }
        rec.finished_at = NowIso();
        Record(&rec);
        Publish(step, Entry(rec, JsonValue()));
        return Flow::kContinue;
    }

    // ---- approve --------------------------------------------------------------------------

    Flow Approve(const Step& step, const std::string& key) {
        StepRecord rec = NewRecord(step, key);
        std::optional<Value> prompt = RenderText(step, key, step.prompt);
        if (!prompt) {
            return Flow::kStop;
        }
        std::string prompt_text = PlanText(*prompt);
        rec.params_json = event::ToJson(JsonString(prompt_text));
        if (!run.apply) {
            rec.status = StepStatus::kPlanned;
            rec.detail = "waits for approval" +
                         (step.approvers.empty()
                                  ? std::string(" from anyone")
                                  : " from " +
                                            [&] {
                                                std::string a;
                                                for (const std::string& s : step.approvers) {
                                                    a += (a.empty() ? "" : ", ") + s;
                                                }
                                                return a;
                                            }()) +
                         "; default " + (step.default_approve ? "approve" : "deny") + " after " +
                         std::to_string(step.timeout.count()) + " s";
            rec.finished_at = NowIso();
            Record(&rec);
            Publish(step, Entry(rec, JsonValue()));
            return Flow::kContinue;
        }
        Result<std::optional<ApprovalRecord>> existing = store().GetApproval(run.id, key);
        if (!existing) {
            Fail(step, key, "journal: " + existing.error().message());
            return Flow::kStop;
        }
        if (!existing->has_value()) {
            ApprovalRecord a;
            a.run_id = run.id;
            a.step_key = key;
            a.prompt = prompt_text;
            a.approvers = step.approvers;
            a.deadline = aws::FormatIsoTime(
                    Now() +
                    std::chrono::duration_cast<std::chrono::system_clock::duration>(step.timeout));
            a.default_decision = step.default_approve ? "approve" : "deny";
            Status st = store().PutApproval(a);
            if (!st.ok()) {
                Fail(step, key, "journal: " + st.message());
                return Flow::kStop;
            }
            rec.status = StepStatus::kWaiting;
            rec.detail = "waiting for approval until " + a.deadline + " (firebreak runs approve " +
                         run.id + " " + key + ")";
            if (!step.notify_to.empty()) {
                status = RunStatus::kWaitingApproval;  // so the message says it waits
                rec.detail +=
                        "; " +
                        Deliver(key,
                                step.notify_to,
                                "Approval needed: " + playbook->title,
                                prompt_text + "\nApprove: firebreak runs approve " + run.id + " " +
                                        key + "\nDeny: firebreak runs deny " + run.id + " " + key);
            }
            Record(&rec);
            status = RunStatus::kWaitingApproval;
            return Flow::kStop;
        }
        ApprovalRecord a = **existing;
        if (a.decision.empty()) {
            if (Now() < ParseTime(a.deadline)) {
                status = RunStatus::kWaitingApproval;
                return Flow::kStop;
            }
            std::string decision =
                    a.default_decision == "approve" ? "timed-out-approved" : "timed-out-denied";
            Status st = store().Decide(run.id,
                                       key,
                                       decision,
                                       "firebreak (timeout)",
                                       "no decision before " + a.deadline);
            if (!st.ok() && st.code() != StatusCode::kFailedPrecondition) {
                Fail(step, key, "journal: " + st.message());
                return Flow::kStop;
            }
            Result<std::optional<ApprovalRecord>> again = store().GetApproval(run.id, key);
            if (!again || !again->has_value()) {
                Fail(step, key, "journal: approval vanished");
                return Flow::kStop;
            }
            a = **again;
        }
        bool approved = a.decision == "approved" || a.decision == "timed-out-approved";
        rec.status = approved ? StepStatus::kApproved : StepStatus::kDenied;
        rec.detail = a.decision + " by " + a.decided_by +
                     (a.reason.empty() ? std::string() : ": " + a.reason);
        rec.finished_at = NowIso();
        Record(&rec);
        Publish(step, Entry(rec, JsonValue()));
        if (!approved && !step.continue_on_deny) {
            if (status == RunStatus::kRunning) {
                status = RunStatus::kDenied;
                error = step.id + ": " + rec.detail;
            }
            return Flow::kStop;
        }
        return Flow::kContinue;
    }

    // ---- capture, finding status, guard ---------------------------------------------------

    Flow Capture(const Step& step, const std::string& key) {
        StepRecord rec = NewRecord(step, key);
        std::string unknown_ref;
        std::string render_error;
        std::optional<JsonValue> value =
                RenderTree(step.capture_value, &unknown_ref, &render_error);
        if (!value) {
            Fail(step, key, render_error);
            return Flow::kStop;
        }
        if (!unknown_ref.empty()) {
            rec.status = StepStatus::kPlanned;
            rec.detail = "captures " + step.capture + " once " + unknown_ref + " is known";
            rec.finished_at = NowIso();
            Record(&rec);
            Publish(step, Entry(rec, UnknownMarker("steps." + step.id + ".Result")));
            return Flow::kContinue;
        }
        rec.status = StepStatus::kSucceeded;
        rec.result_json = event::ToJson(*value);
        rec.detail = "captured " + step.capture + " (sha256 " +
                     Sha256Hex(rec.result_json).substr(0, 16) + "...)";
        rec.finished_at = NowIso();
        Record(&rec);
        SaveCapture(key, step.capture, rec.result_json);
        Publish(step, Entry(rec, std::move(*value)));
        return Flow::kContinue;
    }

    Flow SetFindingStatus(const Step& step, const std::string& key) {
        StepRecord rec = NewRecord(step, key);
        std::optional<Value> note = RenderText(step, key, step.note);
        if (!note) {
            return Flow::kStop;
        }
        std::string note_text = PlanText(*note);
        JsonValue params = JsonObject();
        SetMember(&params, "status", JsonString(step.finding_status));
        SetMember(&params, "note", JsonString(note_text));
        rec.params_json = event::ToJson(params);
        if (!run.apply) {
            rec.status = StepStatus::kPlanned;
        } else if (run.finding_id.empty()) {
            rec.status = StepStatus::kSucceeded;
            rec.detail = "no finding: the run was started without one";
        } else {
            Status st = store().SetFindingStatus(
                    run.finding_id, step.finding_status, run.id, note_text);
            if (!st.ok()) {
                rec.status = StepStatus::kFailed;
                rec.error = st.message();
                rec.finished_at = NowIso();
                Record(&rec);
                Fail(step, key, st.message());
                return Flow::kStop;
            }
            rec.status = StepStatus::kSucceeded;
            rec.detail = "finding " + run.finding_id + " is now " + step.finding_status;
        }
        rec.finished_at = NowIso();
        Record(&rec);
        Publish(step, Entry(rec, JsonValue()));
        return Flow::kContinue;
    }

    Flow Guard(const Step& step, const std::string& key) {
        StepRecord rec = NewRecord(step, key);
        std::optional<Value> v = Condition(step, key, step.condition, scope);
        if (!v) {
            return Flow::kStop;
        }
        if (v->unknown) {
            rec.status = StepStatus::kPlanned;
            rec.detail = "checks " + step.condition.text() + " at apply";
        } else if (Truthy(v->json)) {
            rec.status = StepStatus::kSucceeded;
            rec.detail = step.condition.text() + " holds";
        } else {
            std::optional<Value> message = RenderText(step, key, step.guard_message);
            std::string text = message && !message->unknown ? ToText(message->json) : "";
            if (text.empty()) {
                text = step.condition.text() + " is false";
            }
            rec.status = StepStatus::kFailed;
            rec.error = "refused: " + text;
            rec.finished_at = NowIso();
            Record(&rec);
            Refuse(step.id + ": " + text);
            return Flow::kStop;
        }
        rec.finished_at = NowIso();
        Record(&rec);
        Publish(step, Entry(rec, JsonValue()));
        return Flow::kContinue;
    }

    // ---- wait-until -----------------------------------------------------------------------

    Flow WaitUntil(const Step& step, const std::string& key) {
        StepRecord rec = NewRecord(step, key);
        std::string unknown_ref;
        std::string render_error;
        std::optional<JsonValue> params = RenderTree(step.params, &unknown_ref, &render_error);
        if (!params) {
            Fail(step, key, render_error);
            return Flow::kStop;
        }
        rec.params_json = event::ToJson(*params);
        if (!run.apply || !unknown_ref.empty()) {
            rec.status = StepStatus::kPlanned;
            rec.detail = "polls " + step.action + " every " +
                         std::to_string(step.interval.count()) + " ms until " +
                         step.condition.text() + " (at most " +
                         std::to_string(step.wait_timeout.count() / 1000) + " s)";
            rec.finished_at = NowIso();
            Record(&rec);
            Publish(step, Entry(rec, UnknownMarker("steps." + step.id + ".Result")));
            return Flow::kContinue;
        }
        std::vector<std::string> problems = ValidateParams(*step.def, *params);
        if (!problems.empty()) {
            Fail(step, key, step.action + ": " + problems[0]);
            return Flow::kStop;
        }
        rec.status = StepStatus::kRunning;
        Record(&rec);
        auto start = std::chrono::steady_clock::now();
        int polls = 0;
        while (true) {
            ++polls;
            aws::Outcome<ActionResult> result =
                    step.def->execute(*client, *params, run.case_id + "/" + key);
            if (!result) {
                rec.status = StepStatus::kFailed;
                rec.error = ApiErrorText(step.action, result.error());
                rec.finished_at = NowIso();
                Record(&rec);
                Fail(step, key, rec.error);
                return Flow::kStop;
            }
            for (const std::string& id : result->request_ids) {
                rec.request_ids.push_back(id);
            }
            JsonValue where = scope;
            SetMember(&where, "result", result->result);
            std::optional<Value> v = Condition(step, key, step.condition, where);
            if (!v) {
                return Flow::kStop;
            }
            if (!v->unknown && Truthy(v->json)) {
                rec.status = StepStatus::kSucceeded;
                rec.result_json = event::ToJson(result->result);
                rec.detail = step.condition.text() + " after " + std::to_string(polls) + " poll" +
                             (polls == 1 ? "" : "s");
                rec.finished_at = NowIso();
                Record(&rec);
                Publish(step, Entry(rec, std::move(result->result)));
                return Flow::kContinue;
            }
            auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start);
            if (waited + step.interval > step.wait_timeout) {
                rec.status = StepStatus::kFailed;
                rec.error = "timed out after " + std::to_string(polls) +
                            " polls: " + step.condition.text() + " is still false";
                rec.finished_at = NowIso();
                Record(&rec);
                Fail(step, key, rec.error);
                return Flow::kStop;
            }
            if (engine->options_.sleep) {
                engine->options_.sleep(step.interval);
            } else {
                std::this_thread::sleep_for(step.interval);
            }
        }
    }

    // ---- decide ---------------------------------------------------------------------------

    Flow Decide(const Step& step, const std::string& key) {
        const DecideCase* chosen = nullptr;
        auto it = journal.find(key);
        if (it != journal.end() && it->second.status == StepStatus::kSucceeded) {
            std::string label = Text(ParseOrNull(it->second.result_json).Find("Label"));
            for (const DecideCase& c : step.cases) {
                if (c.label == label) {
                    chosen = &c;
                }
            }
            Publish(step, Entry(it->second, ParseOrNull(it->second.result_json)));
        } else {
            StepRecord rec = NewRecord(step, key);
            std::string why;
            for (const DecideCase& c : step.cases) {
                if (!c.when) {
                    chosen = &c;
                    why = c.why.empty() ? "no earlier case applied" : c.why;
                    break;
                }
                std::optional<Value> v = Condition(step, key, *c.when, scope);
                if (!v) {
                    return Flow::kStop;
                }
                if (v->unknown) {
                    rec.status = StepStatus::kPlanned;
                    rec.detail = "undecided at plan time: case " + c.label + " (" + c.when->text() +
                                 ") reads " + v->unknown_ref;
                    rec.finished_at = NowIso();
                    Record(&rec);
                    Publish(step, Entry(rec, UnknownMarker("steps." + step.id + ".Result")));
                    return Flow::kContinue;
                }
                if (Truthy(v->json)) {
                    chosen = &c;
                    why = (c.why.empty() ? "" : c.why + ": ") + c.when->text() + " is true";
                    break;
                }
            }
            rec.status = StepStatus::kSucceeded;
            JsonValue result = JsonObject();
            SetMember(&result, "Label", JsonString(chosen ? chosen->label : ""));
            SetMember(&result, "Why", JsonString(why));
            rec.result_json = event::ToJson(result);
            rec.detail = chosen ? "chose " + chosen->label + ": " + why : "no case applies";
            rec.finished_at = NowIso();
            Record(&rec);
            Publish(step, Entry(rec, std::move(result)));
        }
        if (chosen == nullptr) {
            return Flow::kContinue;
        }
        return Steps(chosen->steps, key + "/" + chosen->label + "/");
    }

    // ---- failure handling -----------------------------------------------------------------

    void Compensate() {
        RunStatus saved_status = status;
        std::string saved_error = error;
        for (auto it = compensable.rbegin(); it != compensable.rend(); ++it) {
            if (it->item.type != JsonValue::Type::kNull) {
                SetMember(&scope, "item", it->item);
            }
            status = RunStatus::kRunning;
            Steps(it->step->compensate, "compensate/" + it->key + "/");
            if (status != RunStatus::kRunning) {
                saved_error += "; compensation of " + it->key + " failed: " + error;
            }
        }
        status = saved_status;
        error = saved_error;
    }

    void OnFailure() {
        if (playbook->on_failure.empty()) {
            return;
        }
        JsonValue* r = MutableMember(&scope, "run");
        SetMember(r, "Error", JsonString(error));
        SetMember(r, "FailedStep", JsonString(failed_step));
        RunStatus saved_status = status;
        std::string saved_error = error;
        status = RunStatus::kRunning;
        Steps(playbook->on_failure, "on-failure/");
        if (status != RunStatus::kRunning) {
            saved_error += "; on-failure: " + error;
        }
        status = saved_status;
        error = saved_error;
    }
};

Engine::Engine(EngineOptions options) : options_(std::move(options)) {
    FIREBREAK_CHECK(options_.store != nullptr);
}

namespace {

const JsonValue* Path(const JsonValue& root, std::initializer_list<std::string_view> keys) {
    const JsonValue* v = &root;
    for (std::string_view k : keys) {
        if (v == nullptr || !v->is_object()) {
            return nullptr;
        }
        v = v->Find(k);
    }
    return v;
}

std::string FirstText(const JsonValue& root,
                      std::initializer_list<std::initializer_list<std::string_view>> paths) {
    for (auto path : paths) {
        std::string text = Text(Path(root, path));
        if (!text.empty()) {
            return text;
        }
    }
    return "";
}

}  // namespace

std::string FindingId(const JsonValue& finding) {
    return Text(finding.is_object() ? finding.Find("Id") : nullptr);
}

Result<std::vector<JsonValue>> ParseFindings(std::string_view text) {
    std::vector<JsonValue> out;
    auto take = [&](JsonValue value) {
        if (value.is_array()) {
            for (JsonValue& v : value.items) {
                out.push_back(std::move(v));
            }
        } else if (const JsonValue* list = value.Find("Findings"); list && list->is_array()) {
            for (const JsonValue& v : list->items) {
                out.push_back(v);
            }
        } else {
            out.push_back(std::move(value));
        }
    };
    Result<JsonValue> whole = event::ParseJson(text);
    if (whole) {
        take(std::move(*whole));
    } else {
        size_t line_no = 0;
        size_t pos = 0;
        while (pos <= text.size()) {
            size_t end = text.find('\n', pos);
            if (end == std::string_view::npos) {
                end = text.size();
            }
            ++line_no;
            std::string_view line = text.substr(pos, end - pos);
            pos = end + 1;
            if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
                if (end == text.size()) {
                    break;
                }
                continue;
            }
            Result<JsonValue> v = event::ParseJson(line);
            if (!v) {
                return InvalidArgument("line " + std::to_string(line_no) + ": " +
                                       v.error().message());
            }
            take(std::move(*v));
            if (end == text.size()) {
                break;
            }
        }
    }
    for (size_t i = 0; i < out.size(); ++i) {
        if (!out[i].is_object()) {
            return InvalidArgument("finding " + std::to_string(i + 1) + " is not a JSON object");
        }
    }
    return out;
}

Result<RunReport> Engine::Start(const RunRequest& request) {
    FIREBREAK_CHECK(request.playbook != nullptr);
    const Playbook& pb = *request.playbook;

    // Account and region: flags, then the finding, then the event, then the caller's.
    std::string account = request.account;
    if (account.empty()) {
        account = FirstText(request.finding, {{"AwsAccountId"}});
    }
    if (account.empty()) {
        account =
                FirstText(request.event,
                          {{"recipientAccountId"}, {"detail", "recipientAccountId"}, {"account"}});
    }
    if (account.empty()) {
        account = options_.default_account;
    }
    std::string region = request.region;
    if (region.empty() && request.finding.is_object()) {
        const JsonValue* resources = request.finding.Find("Resources");
        if (resources != nullptr && resources->is_array() && !resources->items.empty()) {
            region = Text(resources->items[0].Find("Region"));
        }
    }
    if (region.empty()) {
        region = FirstText(request.event, {{"awsRegion"}, {"detail", "awsRegion"}, {"region"}});
    }
    if (region.empty()) {
        region = options_.default_region;
    }

    JsonValue account_json = UnregisteredAccountJson(account);
    if (options_.accounts != nullptr) {
        if (const AccountInfo* info = options_.accounts->Find(account)) {
            account_json = info->ToJson();
        }
    }

    RunRecord run;
    run.id = options_.store->NewRunId();
    run.playbook_id = pb.id;
    run.playbook_sha256 = pb.sha256;
    run.playbook_source = pb.source;
    run.playbook_origin = pb.origin;
    run.apply = request.apply;
    run.status = RunStatus::kRunning;
    run.account = account;
    run.region = region;
    run.finding_id = FindingId(request.finding);
    run.created_by = request.created_by;
    run.created_at = NowIso();
    run.updated_at = run.created_at;

    // Case id: given, else stable for this playbook and finding (or inputs), so running the same
    // response again finds what the first one made instead of making it again.
    run.case_id = request.case_id;
    if (run.case_id.empty()) {
        std::string basis = pb.id + "\n" + run.finding_id + "\n" + account + "\n" + region;
        for (const auto& [k, v] : request.inputs) {
            basis += "\n" + k + "=" + v;
        }
        if (run.finding_id.empty() && request.event.is_object()) {
            basis += "\n" + FirstText(request.event, {{"eventID"}, {"id"}, {"detail", "eventID"}});
        }
        run.case_id = "FB-" + Sha256Hex(basis).substr(0, 12);
    }

    JsonValue context = JsonObject();
    SetMember(&context, "finding", request.finding);
    SetMember(&context, "event", request.event);
    SetMember(&context, "account", account_json);

    // Inputs: explicit, then `from`, then `default`.
    for (const auto& [name, value] : request.inputs) {
        if (pb.FindInput(name) == nullptr) {
            std::string names;
            for (const InputDef& in : pb.inputs) {
                names += (names.empty() ? "" : ", ") + in.name;
            }
            return InvalidArgument("playbook " + pb.id + " has no input '" + name +
                                   "' (inputs: " + (names.empty() ? "none" : names) + ")");
        }
    }
    JsonValue scope = context;
    SetMember(&scope, "run", RunScopeJson(run));
    SetMember(&scope, "inputs", JsonObject());
    JsonValue inputs = JsonObject();
    for (const InputDef& in : pb.inputs) {
        std::string value;
        std::string source;
        if (auto it = request.inputs.find(in.name); it != request.inputs.end()) {
            value = it->second;
            source = "given";
        } else if (in.from) {
            Result<Value, std::string> v = Render(*in.from, scope);
            if (!v) {
                return InvalidArgument("input '" + in.name + "': cannot evaluate '" +
                                       in.from->text() + "': " + v.error());
            }
            if (!v->unknown && (v->json.is_string() || v->json.is_number())) {
                value = ToText(v->json);
            }
        }
        if (value.empty() && in.default_value) {
            value = *in.default_value;
        }
        if (value.empty()) {
            if (in.required) {
                return InvalidArgument(
                        "input '" + in.name + "' is required and " +
                        (in.from ? "the finding/event does not give it (" + in.from->text() + ")"
                                 : std::string("has no 'from'")) +
                        ": give it with --input " + in.name + "=...");
            }
            SetMember(&inputs, in.name, JsonValue());
            continue;
        }
        if (!in.pattern.empty() && !GlobMatch(in.pattern, value)) {
            return InvalidArgument("input '" + in.name + "' is '" + value +
                                   "', which does not match " + in.pattern);
        }
        SetMember(&inputs, in.name, JsonString(value));
    }
    run.inputs_json = event::ToJson(inputs);
    run.context_json = event::ToJson(context);

    Status st = options_.store->CreateRun(run);
    if (!st.ok()) {
        return st;
    }
    if (run.finding_id.empty() == false) {
        (void)options_.store->UpsertFinding(run.finding_id, event::ToJson(request.finding));
    }
    return Execute(run, pb);
}

Result<RunReport> Engine::Execute(const RunRecord& run, const Playbook& playbook) {
    Walk walk;
    walk.engine = this;
    walk.playbook = &playbook;
    walk.run = run;
    mutations_ = 0;

    JsonValue context = ParseOrNull(run.context_json);
    walk.scope = JsonObject();
    SetMember(&walk.scope, "inputs", ParseOrNull(run.inputs_json));
    SetMember(&walk.scope,
              "finding",
              context.is_object() && context.Find("finding") ? *context.Find("finding")
                                                             : JsonValue());
    SetMember(&walk.scope,
              "event",
              context.is_object() && context.Find("event") ? *context.Find("event") : JsonValue());
    SetMember(&walk.scope,
              "account",
              context.is_object() && context.Find("account")
                      ? *context.Find("account")
                      : UnregisteredAccountJson(run.account));
    SetMember(&walk.scope, "run", RunScopeJson(run));
    SetMember(&walk.scope, "steps", JsonObject());

    Result<std::vector<StepRecord>> journal = options_.store->Steps(run.id);
    if (!journal) {
        return journal.error();
    }
    for (StepRecord& rec : *journal) {
        walk.journal[rec.key] = std::move(rec);
    }

    // Scope checks before anything runs.
    const JsonValue* env = walk.scope.Find("account")->Find("Environment");
    std::string environment = Text(env);
    auto in = [](const std::vector<std::string>& globs, const std::string& v) {
        return globs.empty() || std::any_of(globs.begin(), globs.end(), [&](const std::string& g) {
                   return GlobMatch(g, v);
               });
    };
    if (!in(playbook.scope.accounts, run.account)) {
        walk.Refuse("account " + run.account + " is outside the playbook's scope");
    } else if (!in(playbook.scope.regions, run.region)) {
        walk.Refuse("region " + run.region + " is outside the playbook's scope");
    } else if (!in(playbook.scope.environments, environment)) {
        walk.Refuse("account " + run.account + " is a '" + environment +
                    "' account, outside the playbook's scope (environments)");
    }

    if (walk.status == RunStatus::kRunning) {
        Result<aws::AwsClient> client = options_.client_for(run.account, run.region);
        if (!client) {
            walk.status = RunStatus::kFailed;
            walk.error = "no AWS client for account " + run.account + " in " + run.region + ": " +
                         client.error().message();
        } else {
            walk.client = std::move(*client);
            walk.Steps(playbook.steps, "");
        }
    }

    if (walk.status == RunStatus::kFailed && run.apply) {
        walk.Compensate();
        walk.OnFailure();
    }
    RunStatus final_status = walk.status;
    if (final_status == RunStatus::kRunning) {
        final_status = run.apply ? RunStatus::kSucceeded : RunStatus::kPlanned;
    }
    Status st = options_.store->UpdateRunStatus(run.id, final_status, walk.error);
    if (!st.ok()) {
        return st;
    }
    if (options_.on_run_settled) {
        options_.on_run_settled(run.id);
    }
    return Report(run.id);
}

Result<RunReport> Engine::Resume(const std::string& run_id, const ActionRegistry& actions) {
    Result<std::optional<RunRecord>> found = options_.store->FindRun(run_id);
    if (!found) {
        return found.error();
    }
    if (!found->has_value()) {
        return NotFound("no run " + run_id);
    }
    RunRecord run = **found;
    if (!run.apply ||
        (run.status != RunStatus::kRunning && run.status != RunStatus::kWaitingApproval)) {
        return Report(run.id);
    }
    Diagnostics diags;
    std::vector<Playbook> loaded =
            LoadPlaybooks(run.playbook_source, run.playbook_origin, actions, &diags);
    const Playbook* pb = nullptr;
    for (const Playbook& p : loaded) {
        if (p.id == run.playbook_id) {
            pb = &p;
        }
    }
    if (pb == nullptr || Sha256Hex(run.playbook_source) != run.playbook_sha256) {
        std::string why = diags.items().empty() ? "" : ": " + diags.items()[0].ToString();
        return Status(StatusCode::kDataLoss,
                      "run " + run.id + ": its stored playbook " + run.playbook_id +
                              " no longer loads" + why);
    }
    Status st = options_.store->UpdateRunStatus(run.id, RunStatus::kRunning, "");
    if (!st.ok()) {
        return st;
    }
    return Execute(run, *pb);
}

Result<RunReport> Engine::Decide(const std::string& run_id,
                                 const std::string& step_key,
                                 bool approve,
                                 const std::string& by,
                                 const std::string& reason,
                                 const ActionRegistry& actions) {
    Result<std::optional<RunRecord>> found = options_.store->FindRun(run_id);
    if (!found) {
        return found.error();
    }
    if (!found->has_value()) {
        return NotFound("no run " + run_id);
    }
    const RunRecord& run = **found;
    Result<std::optional<ApprovalRecord>> approval = options_.store->GetApproval(run.id, step_key);
    if (!approval) {
        return approval.error();
    }
    if (!approval->has_value()) {
        Result<std::vector<ApprovalRecord>> all = options_.store->Approvals(run.id);
        std::string keys;
        if (all) {
            for (const ApprovalRecord& a : *all) {
                keys += (keys.empty() ? "" : ", ") + a.step_key;
            }
        }
        return NotFound("run " + run.id + " has no approval step '" + step_key + "'" +
                        (keys.empty() ? std::string(" (it has none)") : " (it has: " + keys + ")"));
    }
    const ApprovalRecord& a = **approval;
    if (!a.approvers.empty() &&
        std::find(a.approvers.begin(), a.approvers.end(), by) == a.approvers.end()) {
        std::string list;
        for (const std::string& s : a.approvers) {
            list += (list.empty() ? "" : ", ") + s;
        }
        return Status(StatusCode::kPermissionDenied,
                      by + " may not decide " + step_key + " (approvers: " + list + ")");
    }
    if (!a.decision.empty()) {
        return Status(StatusCode::kFailedPrecondition,
                      step_key + " was already decided: " + a.decision + " by " + a.decided_by);
    }
    Status st =
            options_.store->Decide(run.id, step_key, approve ? "approved" : "denied", by, reason);
    if (!st.ok()) {
        return st;
    }
    return Resume(run.id, actions);
}

Result<RunReport> Engine::Report(const std::string& run_id) const {
    Result<std::optional<RunRecord>> run = options_.store->FindRun(run_id);
    if (!run) {
        return run.error();
    }
    if (!run->has_value()) {
        return NotFound("no run " + run_id);
    }
    RunReport report;
    report.run = **run;
    Result<std::vector<StepRecord>> steps = options_.store->Steps(report.run.id);
    if (!steps) {
        return steps.error();
    }
    report.steps = std::move(*steps);
    Result<std::vector<ApprovalRecord>> approvals = options_.store->Approvals(report.run.id);
    if (approvals) {
        report.approvals = std::move(*approvals);
    }
    Result<std::vector<NotificationRecord>> notes = options_.store->Notifications(report.run.id);
    if (notes) {
        report.notifications = std::move(*notes);
    }
    Result<std::vector<CaptureRecord>> captures = options_.store->Captures(report.run.id);
    if (captures) {
        report.captures = std::move(*captures);
    }
    return report;
}

}  // namespace firebreak::response
