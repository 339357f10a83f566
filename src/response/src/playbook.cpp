#include "firebreak/response/playbook.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>
#include <string>
#include <utility>

#include "firebreak/core/crypto.h"
#include "firebreak/core/file.h"
#include "firebreak/core/text.h"
#include "firebreak/matcher/reference.h"
#include "firebreak/rules/pattern.h"
#include "firebreak/rules/rule.h"

namespace firebreak::response {
namespace {

using event::JsonValue;
using rules::Node;

constexpr const char* kRoots[] = {
        "inputs", "finding", "event", "account", "run", "steps", "item", "index"};

constexpr const char* kFindingStatuses[] = {
        "NEW", "NOTIFIED", "IN_PROGRESS", "RESOLVED", "SUPPRESSED"};

// The position of byte `offset` of a scalar's text (same line; a quoted scalar's text starts one
// column after its quote).
SourcePos At(const Node& node, size_t offset) {
    SourcePos pos = node.pos;
    if (pos.column > 0) {
        pos.column += static_cast<int>(offset) + (node.quoted ? 1 : 0);
    }
    return pos;
}

std::string Joined(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& s : items) {
        if (!out.empty()) {
            out += ", ";
        }
        out += s;
    }
    return out;
}

// State shared while one playbook document is collected.
class Collector {
public:
    Collector(const ActionRegistry& actions, Diagnostics* diags)
        : actions_(actions),
          diags_(diags) {}

    std::optional<Playbook> Collect(const Node& doc);

private:
    // ---- scalars --------------------------------------------------------------------------

    std::optional<std::string> Text(const Node& node, std::string_view what) {
        if (node.is_string() || node.is_number()) {
            return node.text;
        }
        if (node.is_bool()) {
            return std::string(node.boolean ? "true" : "false");
        }
        Error("bad-value",
              node.pos,
              std::string(what) + " must be text, not " + std::string(node.TypeName()));
        return std::nullopt;
    }

    std::vector<std::string> TextList(const Node& node, std::string_view what) {
        std::vector<std::string> out;
        if (!node.is_array()) {
            if (auto t = Text(node, what)) {
                out.push_back(*t);
            }
            return out;
        }
        for (const Node& item : node.items) {
            if (auto t = Text(item, what)) {
                out.push_back(*t);
            }
        }
        return out;
    }

    std::optional<bool> Bool(const Node& node, std::string_view what) {
        if (node.is_bool()) {
            return node.boolean;
        }
        Error("bad-value", node.pos, std::string(what) + " must be true or false");
        return std::nullopt;
    }

    std::optional<std::chrono::milliseconds> Duration(const Node& node, std::string_view what) {
        std::optional<std::string> text = Text(node, what);
        if (!text) {
            return std::nullopt;
        }
        std::optional<std::chrono::milliseconds> d = ParseDuration(*text);
        if (!d) {
            Error("bad-value",
                  node.pos,
                  std::string(what) + " '" + *text +
                          "' is not a duration (e.g. 30s, 500ms, 10m, 1h, 2d)");
        }
        return d;
    }

    // ---- expressions and templates ----------------------------------------------------------

    void CheckReferences(const std::vector<std::vector<std::string>>& refs,
                         const Node& node,
                         bool allow_item) {
        for (const std::vector<std::string>& ref : refs) {
            if (ref.empty()) {
                continue;
            }
            const std::string& root = ref[0];
            if (root == "result" && allow_result_) {
                continue;
            }
            if (std::find(std::begin(kRoots), std::end(kRoots), root) == std::end(kRoots)) {
                Error("unknown-name",
                      node.pos,
                      "unknown name '" + root +
                              "' (expressions read inputs, finding, event, account, run, "
                              "steps, item, index)");
            } else if ((root == "item" || root == "index") && !allow_item) {
                Error("unknown-name",
                      node.pos,
                      "'" + root + "' is only defined inside a step with for-each");
            } else if (root == "inputs" && ref.size() > 1 && !input_names_.count(ref[1])) {
                Error("unknown-input",
                      node.pos,
                      "'inputs." + ref[1] + "' is not declared under inputs");
            } else if (root == "steps" && ref.size() > 1 && !seen_steps_.count(ref[1])) {
                Error("unknown-step",
                      node.pos,
                      "'steps." + ref[1] +
                              "' does not name an earlier step (a step can read only the "
                              "results of steps before it)");
            }
        }
    }

    std::optional<Template> TemplateOf(const Node& node, std::string_view what, bool allow_item) {
        std::optional<std::string> text = Text(node, what);
        if (!text) {
            return std::nullopt;
        }
        Result<Template, ExprError> t = ParseTemplate(*text);
        if (!t) {
            Error("bad-expression", At(node, t.error().offset), t.error().message);
            return std::nullopt;
        }
        CheckReferences(t->references(), node, allow_item);
        return std::move(*t);
    }

    // A condition: a bare expression or one `{{ }}` hole.
    std::optional<Expression> ExpressionOf(const Node& node,
                                           std::string_view what,
                                           bool allow_item) {
        std::optional<std::string> text = Text(node, what);
        if (!text) {
            return std::nullopt;
        }
        std::string_view body = *text;
        size_t shift = 0;
        std::string_view trimmed = body;
        while (!trimmed.empty() && trimmed.front() == ' ') {
            trimmed.remove_prefix(1);
            ++shift;
        }
        while (!trimmed.empty() && trimmed.back() == ' ') {
            trimmed.remove_suffix(1);
        }
        if (trimmed.size() >= 4 && trimmed.substr(0, 2) == "{{" &&
            trimmed.substr(trimmed.size() - 2) == "}}") {
            body = trimmed.substr(2, trimmed.size() - 4);
            shift += 2;
        } else {
            shift = 0;
        }
        Result<Expression, ExprError> e = ParseExpression(body);
        if (!e) {
            Error("bad-expression", At(node, shift + e.error().offset), e.error().message);
            return std::nullopt;
        }
        CheckReferences(e->references(), node, allow_item);
        return std::move(*e);
    }

    std::optional<TemplateTree> Tree(const Node& node, bool allow_item) {
        TemplateTree out;
        out.type = node.type;
        switch (node.type) {
            case Node::Type::kNull:
                break;
            case Node::Type::kBool:
                out.boolean = node.boolean;
                break;
            case Node::Type::kNumber:
                out.number = node.text;
                break;
            case Node::Type::kString: {
                std::optional<Template> t = TemplateOf(node, "a parameter", allow_item);
                if (!t) {
                    return std::nullopt;
                }
                out.text = std::move(*t);
                break;
            }
            case Node::Type::kArray:
                for (const Node& item : node.items) {
                    std::optional<TemplateTree> sub = Tree(item, allow_item);
                    if (!sub) {
                        return std::nullopt;
                    }
                    out.items.push_back(std::move(*sub));
                }
                break;
            case Node::Type::kObject:
                for (const auto& [key, value] : node.members) {
                    std::optional<TemplateTree> sub = Tree(value, allow_item);
                    if (!sub) {
                        return std::nullopt;
                    }
                    out.members.emplace_back(key, std::move(*sub));
                }
                break;
        }
        return out;
    }

    // ---- sections ---------------------------------------------------------------------------

    void Triggers(const Node& node, Playbook* pb);
    void Inputs(const Node& node, Playbook* pb);
    void Scope(const Node& node, Playbook* pb);
    std::vector<Step> Steps(const Node& node, std::string_view where);
    std::optional<Step> OneStep(const Node& node);
    bool StepBody(const Node& node, Step* step);

    void Error(std::string code, SourcePos pos, std::string message) {
        diags_->Error(std::move(code), std::move(pos), std::move(message));
    }

    void Warning(std::string code, SourcePos pos, std::string message) {
        diags_->Warning(std::move(code), std::move(pos), std::move(message));
    }

    const ActionRegistry& actions_;
    Diagnostics* diags_;
    std::set<std::string> input_names_;
    std::set<std::string> seen_steps_;
    bool allow_result_ = false;
};

void Collector::Triggers(const Node& node, Playbook* pb) {
    if (!node.is_array()) {
        Error("bad-value", node.pos, "'triggers' must be a list");
        return;
    }
    for (const Node& item : node.items) {
        if (!item.is_object()) {
            Error("bad-value", item.pos, "a trigger must be a mapping");
            continue;
        }
        Trigger trigger;
        trigger.pos = item.pos;
        for (const auto& [key, value] : item.members) {
            if (key == "rules" || key == "rule") {
                trigger.rules = TextList(value, "'rules'");
            } else if (key == "finding-types") {
                trigger.finding_types = TextList(value, "'finding-types'");
            } else if (key == "severities" || key == "severity") {
                for (std::string& s : TextList(value, "'severities'")) {
                    std::optional<rules::Severity> sev = rules::ParseSeverity(s);
                    if (!sev) {
                        Error("bad-value",
                              value.pos,
                              "unknown severity '" + s +
                                      "' (informational, low, medium, high, critical)");
                        continue;
                    }
                    trigger.severities.emplace_back(rules::SeverityName(*sev));
                }
            } else if (key == "event") {
                Diagnostics local;
                trigger.event_pattern = rules::CompilePattern(value, &local);
                diags_->Append(local);
                trigger.event_pattern_json = value.ToJson();
            } else {
                Error("unknown-key",
                      value.key_pos,
                      "unknown trigger key '" + key +
                              "' (expected rules, finding-types, severities, event)");
            }
        }
        if (trigger.rules.empty() && trigger.finding_types.empty() && trigger.severities.empty() &&
            !trigger.event_pattern) {
            Error("empty-trigger",
                  item.pos,
                  "a trigger needs at least one of rules, finding-types, severities, event");
            continue;
        }
        pb->triggers.push_back(std::move(trigger));
    }
}

void Collector::Inputs(const Node& node, Playbook* pb) {
    if (!node.is_object()) {
        Error("bad-value", node.pos, "'inputs' must be a mapping of input names");
        return;
    }
    // Names first, so an input's `from` may not read other inputs but steps may read them all.
    for (const auto& [name, spec] : node.members) {
        input_names_.insert(name);
    }
    for (const auto& [name, spec] : node.members) {
        InputDef input;
        input.name = name;
        input.pos = spec.key_pos;
        if (spec.is_null()) {
            pb->inputs.push_back(std::move(input));
            continue;
        }
        if (!spec.is_object()) {
            Error("bad-value", spec.pos, "input '" + name + "' must be a mapping (or empty)");
            continue;
        }
        for (const auto& [key, value] : spec.members) {
            if (key == "description") {
                input.description = Text(value, "'description'").value_or("");
            } else if (key == "from") {
                input.from = TemplateOf(value, "'from'", false);
            } else if (key == "default") {
                input.default_value = Text(value, "'default'");
            } else if (key == "pattern") {
                input.pattern = Text(value, "'pattern'").value_or("");
            } else if (key == "required") {
                input.required = Bool(value, "'required'").value_or(true);
            } else {
                Error("unknown-key",
                      value.key_pos,
                      "unknown input key '" + key +
                              "' (expected description, from, default, pattern, required)");
            }
        }
        pb->inputs.push_back(std::move(input));
    }
}

void Collector::Scope(const Node& node, Playbook* pb) {
    if (!node.is_object()) {
        Error("bad-value", node.pos, "'scope' must be a mapping");
        return;
    }
    for (const auto& [key, value] : node.members) {
        if (key == "accounts") {
            pb->scope.accounts = TextList(value, "'accounts'");
        } else if (key == "regions") {
            pb->scope.regions = TextList(value, "'regions'");
        } else if (key == "environments") {
            pb->scope.environments = TextList(value, "'environments'");
        } else if (key == "max-resources") {
            int n = 0;
            auto [end, ec] =
                    std::from_chars(value.text.data(), value.text.data() + value.text.size(), n);
            if (!value.is_number() || ec != std::errc() ||
                end != value.text.data() + value.text.size() || n < 1) {
                Error("bad-value", value.pos, "'max-resources' must be a whole number >= 1");
                continue;
            }
            pb->scope.max_resources = n;
        } else {
            Error("unknown-key",
                  value.key_pos,
                  "unknown scope key '" + key +
                          "' (expected accounts, regions, environments, max-resources)");
        }
    }
}

std::vector<Step> Collector::Steps(const Node& node, std::string_view where) {
    std::vector<Step> out;
    if (!node.is_array()) {
        Error("bad-value", node.pos, "'" + std::string(where) + "' must be a list of steps");
        return out;
    }
    for (const Node& item : node.items) {
        std::optional<Step> step = OneStep(item);
        if (step) {
            out.push_back(std::move(*step));
        }
    }
    return out;
}

std::optional<Step> Collector::OneStep(const Node& node) {
    if (!node.is_object()) {
        Error("bad-value",
              node.pos,
              "a step must be a mapping, not " + std::string(node.TypeName()));
        return std::nullopt;
    }
    Step step;
    step.pos = node.pos;
    int errors_before = diags_->error_count();
    const Node* id = node.Find("id");
    if (id == nullptr) {
        Error("missing-field", node.pos, "a step needs an 'id'");
    } else if (auto text = Text(*id, "'id'")) {
        step.id = *text;
        bool valid = !step.id.empty() &&
                     (std::isalpha(static_cast<unsigned char>(step.id[0])) || step.id[0] == '_');
        for (char c : step.id) {
            valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
        }
        if (!valid) {
            Error("bad-value",
                  id->pos,
                  "step id '" + step.id +
                          "' must start with a letter and hold only letters, digits, - and _");
        } else if (seen_steps_.count(step.id)) {
            Error("duplicate-id",
                  id->pos,
                  "step id '" + step.id + "' is used twice (ids are unique in a playbook)");
        }
    }
    bool ok = StepBody(node, &step);
    if (!step.id.empty()) {
        seen_steps_.insert(step.id);  // after the body: a step cannot read its own result
    }
    if (!ok || diags_->error_count() != errors_before) {
        return std::nullopt;
    }
    return step;
}

bool Collector::StepBody(const Node& node, Step* step) {
    static const char* kKinds[] = {
            "action", "notify", "approve", "set-finding-status", "wait-until", "decide", "guard"};
    std::vector<std::string> kinds;
    for (const char* k : kKinds) {
        if (node.Find(k) != nullptr) {
            kinds.emplace_back(k);
        }
    }
    if (kinds.empty() && node.Find("capture") != nullptr) {
        kinds.emplace_back("capture");
    }
    if (kinds.size() != 1) {
        Error("bad-step",
              node.pos,
              kinds.empty() ? "a step needs one of action, notify, approve, capture, "
                              "set-finding-status, wait-until, decide, guard"
                            : "a step has exactly one kind; this one has " + Joined(kinds));
        return false;
    }
    const std::string& kind = kinds[0];
    bool has_for_each = node.Find("for-each") != nullptr;
    std::set<std::string> allowed = {"id", "description", "when", kind};

    if (const Node* d = node.Find("description")) {
        step->description = Text(*d, "'description'").value_or("");
    }
    if (const Node* f = node.Find("for-each")) {
        if (kind != "action") {
            Error("bad-step", f->key_pos, "for-each is only for action steps");
        } else {
            step->for_each = TemplateOf(*f, "'for-each'", false);
        }
    }
    if (const Node* w = node.Find("when")) {
        step->when = ExpressionOf(*w, "'when'", has_for_each);
    }

    if (kind == "action") {
        step->kind = StepKind::kAction;
        allowed.insert({"params", "for-each", "capture", "ok-errors", "compensate"});
        const Node& a = *node.Find("action");
        step->action = Text(a, "'action'").value_or("");
        step->def = actions_.Find(step->action);
        if (step->def == nullptr) {
            std::string known;
            for (const ActionDef& def : actions_.actions()) {
                if (def.name.substr(0, def.name.find(':')) ==
                    step->action.substr(0, step->action.find(':'))) {
                    known += (known.empty() ? "" : ", ") + def.name;
                }
            }
            Error("unknown-action",
                  a.pos,
                  "unknown action '" + step->action + "'" +
                          (known.empty() ? std::string(" (see `firebreak playbooks actions`)")
                                         : " (this service has: " + known + ")"));
        }
        if (const Node* p = node.Find("params")) {
            if (!p->is_object()) {
                Error("bad-value", p->pos, "'params' must be a mapping");
            } else {
                if (std::optional<TemplateTree> tree = Tree(*p, has_for_each)) {
                    step->params = std::move(*tree);
                }
                if (step->def != nullptr) {
                    // Not a structured binding: clang 14 cannot capture those in lambdas.
                    for (const auto& member : p->members) {
                        const std::string& name = member.first;
                        const Node& value = member.second;
                        bool known =
                                std::any_of(step->def->params.begin(),
                                            step->def->params.end(),
                                            [&](const ActionParam& ap) { return ap.name == name; });
                        if (!known) {
                            std::string names;
                            for (const ActionParam& ap : step->def->params) {
                                names += (names.empty() ? "" : ", ") + ap.name;
                            }
                            Error("unknown-param",
                                  value.key_pos,
                                  step->action + " has no parameter '" + name +
                                          "' (parameters: " + names + ")");
                        }
                    }
                }
            }
        } else {
            step->params.type = Node::Type::kObject;
        }
        if (step->def != nullptr) {
            const Node* p = node.Find("params");
            for (const ActionParam& ap : step->def->params) {
                if (ap.required && (p == nullptr || p->Find(ap.name) == nullptr)) {
                    Error("missing-param",
                          a.pos,
                          step->action + " needs parameter '" + ap.name + "'");
                }
            }
        }
        if (const Node* c = node.Find("capture")) {
            step->capture = Text(*c, "'capture'").value_or("");
        }
        if (const Node* e = node.Find("ok-errors")) {
            step->ok_errors = TextList(*e, "'ok-errors'");
        }
        if (const Node* c = node.Find("compensate")) {
            step->compensate = Steps(*c, "compensate");
        }
    } else if (kind == "notify") {
        step->kind = StepKind::kNotify;
        const Node& n = *node.Find("notify");
        if (!n.is_object()) {
            Error("bad-value", n.pos, "'notify' must be a mapping with to, subject, message");
            return false;
        }
        for (const auto& [key, value] : n.members) {
            if (key == "to") {
                step->notify_to = TextList(value, "'to'");
            } else if (key == "subject") {
                if (auto t = TemplateOf(value, "'subject'", false)) {
                    step->subject = std::move(*t);
                }
            } else if (key == "message") {
                if (auto t = TemplateOf(value, "'message'", false)) {
                    step->message = std::move(*t);
                }
            } else {
                Error("unknown-key",
                      value.key_pos,
                      "unknown notify key '" + key + "' (expected to, subject, message)");
            }
        }
        if (step->notify_to.empty()) {
            Error("missing-field", n.pos, "notify needs 'to' (sink names)");
        }
    } else if (kind == "approve") {
        step->kind = StepKind::kApprove;
        const Node& n = *node.Find("approve");
        if (!n.is_object()) {
            Error("bad-value", n.pos, "'approve' must be a mapping");
            return false;
        }
        for (const auto& [key, value] : n.members) {
            if (key == "prompt") {
                if (auto t = TemplateOf(value, "'prompt'", false)) {
                    step->prompt = std::move(*t);
                }
            } else if (key == "approvers") {
                step->approvers = TextList(value, "'approvers'");
            } else if (key == "timeout") {
                if (auto d = Duration(value, "'timeout'")) {
                    step->timeout = std::chrono::duration_cast<std::chrono::seconds>(*d);
                }
            } else if (key == "default") {
                std::string d = Text(value, "'default'").value_or("");
                if (d != "approve" && d != "deny") {
                    Error("bad-value", value.pos, "'default' is approve or deny");
                }
                step->default_approve = d == "approve";
            } else if (key == "notify") {
                step->notify_to = TextList(value, "'notify'");
            } else if (key == "on-deny") {
                std::string d = Text(value, "'on-deny'").value_or("");
                if (d != "stop" && d != "continue") {
                    Error("bad-value", value.pos, "'on-deny' is stop or continue");
                }
                step->continue_on_deny = d == "continue";
            } else {
                Error("unknown-key",
                      value.key_pos,
                      "unknown approve key '" + key +
                              "' (expected prompt, approvers, timeout, default, notify, on-deny)");
            }
        }
    } else if (kind == "capture") {
        step->kind = StepKind::kCapture;
        const Node& n = *node.Find("capture");
        const Node* name = n.is_object() ? n.Find("name") : nullptr;
        const Node* value = n.is_object() ? n.Find("value") : nullptr;
        if (name == nullptr || value == nullptr) {
            Error("bad-value", n.pos, "'capture' needs name and value");
            return false;
        }
        step->capture = Text(*name, "'name'").value_or("");
        if (auto t = Tree(*value, false)) {
            step->capture_value = std::move(*t);
        }
    } else if (kind == "set-finding-status") {
        step->kind = StepKind::kSetFindingStatus;
        const Node& n = *node.Find("set-finding-status");
        const Node* status = n.is_object() ? n.Find("status") : &n;
        if (status == nullptr) {
            Error("missing-field", n.pos, "set-finding-status needs 'status'");
            return false;
        }
        step->finding_status = Text(*status, "'status'").value_or("");
        if (std::find(std::begin(kFindingStatuses),
                      std::end(kFindingStatuses),
                      step->finding_status) == std::end(kFindingStatuses)) {
            Error("bad-value",
                  status->pos,
                  "finding status '" + step->finding_status +
                          "' is not one of NEW, NOTIFIED, IN_PROGRESS, RESOLVED, SUPPRESSED");
        }
        if (const Node* note = n.is_object() ? n.Find("note") : nullptr) {
            if (auto t = TemplateOf(*note, "'note'", false)) {
                step->note = std::move(*t);
            }
        }
    } else if (kind == "wait-until") {
        step->kind = StepKind::kWaitUntil;
        const Node& n = *node.Find("wait-until");
        if (!n.is_object()) {
            Error("bad-value", n.pos, "'wait-until' must be a mapping");
            return false;
        }
        bool have_condition = false;
        for (const auto& [key, value] : n.members) {
            if (key == "action") {
                step->action = Text(value, "'action'").value_or("");
                step->def = actions_.Find(step->action);
                if (step->def == nullptr) {
                    Error("unknown-action", value.pos, "unknown action '" + step->action + "'");
                } else if (step->def->mutates) {
                    Error("bad-value",
                          value.pos,
                          "wait-until polls with a read-only action; " + step->action +
                                  " changes things");
                }
            } else if (key == "params") {
                if (auto tree = Tree(value, false)) {
                    step->params = std::move(*tree);
                }
            } else if (key == "condition") {
                // `result` (the poll's result) is a root here.
                allow_result_ = true;
                std::optional<Expression> e = ExpressionOf(value, "'condition'", false);
                allow_result_ = false;
                if (e) {
                    step->condition = std::move(*e);
                    have_condition = true;
                }
            } else if (key == "interval") {
                step->interval = Duration(value, "'interval'").value_or(step->interval);
            } else if (key == "timeout") {
                step->wait_timeout = Duration(value, "'timeout'").value_or(step->wait_timeout);
            } else {
                Error("unknown-key",
                      value.key_pos,
                      "unknown wait-until key '" + key +
                              "' (expected action, params, condition, interval, timeout)");
            }
        }
        if (step->action.empty() || !have_condition) {
            Error("missing-field", n.pos, "wait-until needs 'action' and 'condition'");
        }
        if (step->params.type != Node::Type::kObject) {
            step->params.type = Node::Type::kObject;
        }
    } else if (kind == "decide") {
        step->kind = StepKind::kDecide;
        const Node& n = *node.Find("decide");
        if (!n.is_array() || n.items.empty()) {
            Error("bad-value", n.pos, "'decide' must be a list of cases");
            return false;
        }
        std::set<std::string> labels;
        for (size_t i = 0; i < n.items.size(); ++i) {
            const Node& c = n.items[i];
            if (!c.is_object()) {
                Error("bad-value", c.pos, "a decide case must be a mapping");
                continue;
            }
            DecideCase dc;
            dc.pos = c.pos;
            for (const auto& [key, value] : c.members) {
                if (key == "when") {
                    dc.when = ExpressionOf(value, "'when'", false);
                } else if (key == "label") {
                    dc.label = Text(value, "'label'").value_or("");
                } else if (key == "why") {
                    dc.why = Text(value, "'why'").value_or("");
                } else if (key == "steps") {
                    dc.steps = Steps(value, "steps");
                } else {
                    Error("unknown-key",
                          value.key_pos,
                          "unknown decide key '" + key + "' (expected when, label, why, steps)");
                }
            }
            if (dc.label.empty()) {
                dc.label = "case-" + std::to_string(i + 1);
            }
            if (!labels.insert(dc.label).second) {
                Error("duplicate-id", c.pos, "decide label '" + dc.label + "' is used twice");
            }
            if (!dc.when && i + 1 != n.items.size()) {
                Error("bad-step",
                      c.pos,
                      "a case without 'when' is the default and must be the last case");
            }
            step->cases.push_back(std::move(dc));
        }
    } else if (kind == "guard") {
        step->kind = StepKind::kGuard;
        const Node& n = *node.Find("guard");
        const Node* c = n.is_object() ? n.Find("condition") : nullptr;
        if (c == nullptr) {
            Error("missing-field", n.pos, "guard needs 'condition' (and a 'message')");
            return false;
        }
        if (auto e = ExpressionOf(*c, "'condition'", false)) {
            step->condition = std::move(*e);
        }
        if (const Node* m = n.Find("message")) {
            if (auto t = TemplateOf(*m, "'message'", false)) {
                step->guard_message = std::move(*t);
            }
        }
    }

    for (const auto& [key, value] : node.members) {
        if (!allowed.count(key)) {
            Error("unknown-key", value.key_pos, "unknown key '" + key + "' in a " + kind + " step");
        }
    }
    return true;
}

std::optional<Playbook> Collector::Collect(const Node& doc) {
    Playbook pb;
    pb.pos = doc.pos;
    int errors_before = diags_->error_count();
    if (!doc.is_object()) {
        Error("bad-value", doc.pos, "a playbook must be a mapping");
        return std::nullopt;
    }
    // Inputs before steps whatever the order in the file.
    if (const Node* inputs = doc.Find("inputs")) {
        Inputs(*inputs, &pb);
    }
    for (const auto& [key, value] : doc.members) {
        if (key == "id") {
            pb.id = Text(value, "'id'").value_or("");
        } else if (key == "title") {
            pb.title = Text(value, "'title'").value_or("");
        } else if (key == "description") {
            pb.description = Text(value, "'description'").value_or("");
        } else if (key == "triggers") {
            Triggers(value, &pb);
        } else if (key == "inputs") {
            continue;
        } else if (key == "scope") {
            Scope(value, &pb);
        } else if (key == "steps") {
            pb.steps = Steps(value, "steps");
        } else if (key == "on-failure") {
            continue;  // after steps: it may read any step
        } else {
            Error("unknown-key",
                  value.key_pos,
                  "unknown playbook key '" + key +
                          "' (expected id, title, description, triggers, inputs, scope, steps, "
                          "on-failure)");
        }
    }
    if (const Node* f = doc.Find("on-failure")) {
        pb.on_failure = Steps(*f, "on-failure");
    }
    if (pb.id.empty()) {
        Error("missing-field", doc.pos, "a playbook needs an 'id'");
    }
    if (doc.Find("steps") == nullptr) {
        Error("missing-field", doc.pos, "a playbook needs 'steps'");
    }
    if (diags_->error_count() != errors_before) {
        return std::nullopt;
    }
    return pb;
}

bool GlobAny(const std::vector<std::string>& patterns, std::string_view text) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
        return GlobMatch(p, text);
    });
}

std::string ScalarText(const JsonValue* v) {
    if (v == nullptr || v->is_object() || v->is_array()) {
        return "";
    }
    return v->type == JsonValue::Type::kBool ? (v->boolean ? "true" : "false") : v->text;
}

}  // namespace

std::string_view StepKindName(StepKind kind) {
    switch (kind) {
        case StepKind::kAction:
            return "action";
        case StepKind::kNotify:
            return "notify";
        case StepKind::kApprove:
            return "approve";
        case StepKind::kCapture:
            return "capture";
        case StepKind::kSetFindingStatus:
            return "set-finding-status";
        case StepKind::kWaitUntil:
            return "wait-until";
        case StepKind::kDecide:
            return "decide";
        case StepKind::kGuard:
            return "guard";
    }
    return "action";
}

bool Step::mutates() const {
    return kind == StepKind::kAction && def != nullptr && def->mutates;
}

const InputDef* Playbook::FindInput(std::string_view name) const {
    for (const InputDef& input : inputs) {
        if (input.name == name) {
            return &input;
        }
    }
    return nullptr;
}

std::vector<Playbook> LoadPlaybooks(std::string_view text,
                                    const std::string& origin,
                                    const ActionRegistry& actions,
                                    Diagnostics* diags) {
    std::vector<Playbook> out;
    std::vector<Node> docs = rules::ParseYamlDocuments(text, origin, diags);
    for (const Node& doc : docs) {
        if (doc.is_null()) {
            continue;  // an empty document (a trailing ---)
        }
        Collector collector(actions, diags);
        std::optional<Playbook> pb = collector.Collect(doc);
        if (pb) {
            pb->source = std::string(text);
            pb->origin = origin;
            pb->sha256 = Sha256Hex(text);
            out.push_back(std::move(*pb));
        }
    }
    return out;
}

const Playbook* PlaybookSet::Find(std::string_view id) const {
    for (const auto& pb : playbooks) {
        if (pb->id == id) {
            return pb.get();
        }
    }
    return nullptr;
}

PlaybookSet LoadPlaybookSet(const std::vector<std::string>& paths,
                            const std::vector<rules::RuleSource>& builtin,
                            const ActionRegistry& actions,
                            Diagnostics* diags) {
    PlaybookSet set;
    auto add = [&](std::string_view text, const std::string& origin) {
        for (Playbook& pb : LoadPlaybooks(text, origin, actions, diags)) {
            if (set.Find(pb.id) != nullptr) {
                diags->Error("duplicate-id",
                             pb.pos,
                             "playbook id '" + pb.id + "' is already defined by " +
                                     set.Find(pb.id)->origin);
                continue;
            }
            set.playbooks.push_back(std::make_shared<const Playbook>(std::move(pb)));
        }
    };
    for (const rules::RuleSource& source : builtin) {
        add(source.text, source.name);
    }
    for (const std::string& path : paths) {
        std::error_code ec;
        std::vector<std::string> files;
        if (std::filesystem::is_directory(path, ec)) {
            for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
                 !ec && it != std::filesystem::recursive_directory_iterator();
                 it.increment(ec)) {
                std::string ext = it->path().extension().string();
                if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
                    files.push_back(it->path().string());
                }
            }
            std::sort(files.begin(), files.end());
        } else {
            files.push_back(path);
        }
        for (const std::string& file : files) {
            Result<std::string> text = ReadFileToString(file);
            if (!text) {
                diags->Error("io", SourcePos{file, 0, 0}, text.error().message());
                continue;
            }
            add(*text, file);
        }
    }
    return set;
}

bool TriggerMatches(const Trigger& trigger, const JsonValue& finding, const JsonValue& event) {
    if (!trigger.rules.empty() || !trigger.finding_types.empty() || !trigger.severities.empty()) {
        if (!finding.is_object()) {
            return false;
        }
    }
    if (!trigger.rules.empty()) {
        std::string rule;
        if (const JsonValue* pf = finding.Find("ProductFields")) {
            rule = ScalarText(pf->Find("firebreak/RuleId"));
        }
        if (rule.empty()) {
            rule = ScalarText(finding.Find("GeneratorId"));
        }
        if (!GlobAny(trigger.rules, rule)) {
            return false;
        }
    }
    if (!trigger.finding_types.empty()) {
        const JsonValue* types = finding.Find("Types");
        bool any = false;
        if (types != nullptr && types->is_array()) {
            for (const JsonValue& t : types->items) {
                any = any || (t.is_string() && GlobAny(trigger.finding_types, t.text));
            }
        }
        if (!any) {
            return false;
        }
    }
    if (!trigger.severities.empty()) {
        const JsonValue* sev = finding.Find("Severity");
        std::string label = sev != nullptr ? ScalarText(sev->Find("Label")) : "";
        std::optional<rules::Severity> parsed = rules::ParseSeverity(label);
        if (!parsed || std::find(trigger.severities.begin(),
                                 trigger.severities.end(),
                                 rules::SeverityName(*parsed)) == trigger.severities.end()) {
            return false;
        }
    }
    if (trigger.event_pattern) {
        if (!event.is_object() ||
            !matcher::ReferenceMatch(*trigger.event_pattern, event, /*unwrap_cloudtrail=*/true)) {
            return false;
        }
    }
    return true;
}

bool PlaybookTriggered(const Playbook& playbook, const JsonValue& finding, const JsonValue& event) {
    return std::any_of(playbook.triggers.begin(), playbook.triggers.end(), [&](const Trigger& t) {
        return TriggerMatches(t, finding, event);
    });
}

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
    while (!text.empty() && text.front() == ' ') {
        text.remove_prefix(1);
    }
    while (!text.empty() && text.back() == ' ') {
        text.remove_suffix(1);
    }
    int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || n < 0 || end == text.data()) {
        return std::nullopt;
    }
    std::string_view unit(end, text.data() + text.size() - end);
    int64_t factor = 0;
    if (unit.empty() || unit == "s") {
        factor = 1000;
    } else if (unit == "ms") {
        factor = 1;
    } else if (unit == "m") {
        factor = 60 * 1000;
    } else if (unit == "h") {
        factor = 3600 * 1000;
    } else if (unit == "d") {
        factor = 86400 * 1000;
    } else {
        return std::nullopt;
    }
    if (n > (int64_t{1} << 40) / factor) {
        return std::nullopt;
    }
    return std::chrono::milliseconds(n * factor);
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
    // Iterative glob with one backtrack point: linear in practice, no recursion.
    size_t p = 0;
    size_t t = 0;
    size_t star = std::string_view::npos;
    size_t mark = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
            ++p;
            ++t;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') {
        ++p;
    }
    return p == pattern.size();
}

}  // namespace firebreak::response
