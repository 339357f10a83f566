// File: playbook.h
//
// Playbooks: runbooks as code. A playbook is a YAML document (in `playbooks/`, built into the
// binary, or any file) read like rule packs: YAML → positioned Node tree → collector → an
// immutable Playbook whose expressions and templates are parsed and whose actions are resolved
// against the ActionRegistry. Every problem is a diagnostic with file:line:column; a playbook
// with errors is not returned. The format is described in docs/playbooks.md.
//
//   id: ec2-containment
//   title: Contain a compromised EC2 instance
//   description: ...
//   triggers:                      # any entry matches (all conditions of an entry must hold)
//     - rules: [ec2-...]           # rule ids (globs)
//     - finding-types: ["TTPs/*"]  # ASFF Types (globs)
//       severities: [high, critical]
//     - event: {source: [aws.ec2], detail: {eventName: [CreateTags], ...}}   # EventBridge pattern
//   inputs:
//     instance_id:
//       description: The instance to contain
//       from: "{{ arn_resource(first(select(finding.Resources, 'Type', 'AwsEc2Instance')).Id) }}"
//       pattern: "i-*"             # glob the value must match
//       required: true             # default true
//       default: ...               # used when `from` gives nothing and none was given
//   scope:
//     accounts: ["*"]              # globs
//     regions: ["*"]
//     environments: ["*"]
//     max-resources: 20            # distinct resources mutating steps may act on per run
//   steps: [...]
//   on-failure: [...]              # steps run after a step failed (after compensations)
//
// Steps (each has `id`, optional `description`, `when`):
//   action: ec2:CreateSnapshot, params: {...}, for-each: "{{ list }}", capture: name,
//     ok-errors: [NoSuchBucketPolicy], compensate: [steps]
//   notify: {to: [sinks], subject: "...", message: "..."}
//   approve: {prompt: "...", approvers: [alice], timeout: 1h, default: deny, notify: [sinks],
//             on-deny: stop|continue}
//   capture: {name: x, value: "{{ ... }}" or a mapping/list of templates}
//   set-finding-status: {status: RESOLVED, note: "..."}
//   wait-until: {action: ec2:DescribeSnapshots, params: {...}, condition: "...", interval: 5s,
//                timeout: 10m}
//   decide: [{when: "...", label: production, why: "...", steps: [...]}, ..., {label: x, steps}]
//   guard: {condition: "...", message: "..."}   # false → the run is refused
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "firebreak/core/diagnostics.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/response/actions.h"
#include "firebreak/response/expr.h"
#include "firebreak/rules/ir.h"
#include "firebreak/rules/node.h"
#include "firebreak/rules/rule.h"

namespace firebreak::response {

// A parameter value: JSON whose strings may hold `{{ }}` templates.
struct TemplateTree {
    // Explicit, as for JsonValue: clang 14 with libstdc++ 12 cannot implicitly default-construct
    // a struct holding std::vector<std::pair<std::string, Self>> in C++20 mode.
    TemplateTree() = default;

    event::JsonValue::Type type = event::JsonValue::Type::kNull;
    bool boolean = false;
    std::string number;  // literal text of a number
    Template text;       // for strings
    std::vector<TemplateTree> items;
    std::vector<std::pair<std::string, TemplateTree>> members;
};

enum class StepKind : uint8_t {
    kAction,
    kNotify,
    kApprove,
    kCapture,
    kSetFindingStatus,
    kWaitUntil,
    kDecide,
    kGuard,
};

std::string_view StepKindName(StepKind kind);  // "action", "notify", ...

struct Step;

struct DecideCase {
    std::string label;
    std::optional<Expression> when;  // none: the default case (must be last)
    std::string why;                 // shown in the plan; default: the condition's text
    std::vector<Step> steps;
    SourcePos pos;
};

struct Step {
    std::string id;
    StepKind kind = StepKind::kAction;
    std::string description;
    SourcePos pos;
    std::optional<Expression> when;

    // action, wait-until
    std::string action;
    const ActionDef* def = nullptr;
    TemplateTree params;  // an object
    std::optional<Template> for_each;
    std::string capture;                 // save the result as evidence under this name
    std::vector<std::string> ok_errors;  // AWS error codes treated as success with null result
    std::vector<Step> compensate;

    // notify (also approve's notify list)
    std::vector<std::string> notify_to;
    Template subject;
    Template message;

    // approve
    Template prompt;
    std::vector<std::string> approvers;
    std::chrono::seconds timeout{3600};
    bool default_approve = false;
    bool continue_on_deny = false;

    // capture: any YAML value whose strings may hold templates
    TemplateTree capture_value;

    // set-finding-status
    std::string finding_status;  // NEW | NOTIFIED | IN_PROGRESS | RESOLVED | SUPPRESSED
    Template note;

    // wait-until
    Expression condition;  // also guard's condition
    std::chrono::milliseconds interval{5000};
    std::chrono::milliseconds wait_timeout{600000};

    // decide
    std::vector<DecideCase> cases;

    // guard
    Template guard_message;

    bool mutates() const;  // an action step whose action changes something
};

struct Trigger {
    std::vector<std::string> rules;          // globs over rule ids
    std::vector<std::string> finding_types;  // globs over ASFF Types
    std::vector<std::string> severities;     // lower-case labels
    std::optional<rules::Expr> event_pattern;
    std::string event_pattern_json;
    SourcePos pos;
};

struct InputDef {
    std::string name;
    std::string description;
    std::optional<Template> from;
    std::optional<std::string> default_value;
    std::string pattern;  // glob; empty = any
    bool required = true;
    SourcePos pos;
};

struct PlaybookScope {
    std::vector<std::string> accounts;      // globs; empty = any
    std::vector<std::string> regions;       // globs; empty = any
    std::vector<std::string> environments;  // globs; empty = any
    int max_resources = 20;
};

struct Playbook {
    std::string id;
    std::string title;
    std::string description;
    std::vector<Trigger> triggers;
    std::vector<InputDef> inputs;
    PlaybookScope scope;
    std::vector<Step> steps;
    std::vector<Step> on_failure;
    std::string source;  // the YAML text
    std::string origin;  // file path or "builtin:<file>"
    std::string sha256;  // of source
    SourcePos pos;

    const InputDef* FindInput(std::string_view name) const;
};

// Loads every playbook document in `text`. Documents with errors are reported and left out.
std::vector<Playbook> LoadPlaybooks(std::string_view text,
                                    const std::string& origin,
                                    const ActionRegistry& actions,
                                    Diagnostics* diags);

// Playbooks from files and folders (*.yaml, *.yml, recursively, sorted) plus, unless
// `include_builtin` is false, the built-in ones; a later playbook with an id already seen is a
// duplicate-id error.
struct PlaybookSet {
    std::vector<std::shared_ptr<const Playbook>> playbooks;

    const Playbook* Find(std::string_view id) const;
};

PlaybookSet LoadPlaybookSet(const std::vector<std::string>& paths,
                            const std::vector<rules::RuleSource>& builtin,
                            const ActionRegistry& actions,
                            Diagnostics* diags);

// Whether `trigger` matches the finding (ASFF object, may be null) or the event (may be null).
bool TriggerMatches(const Trigger& trigger,
                    const event::JsonValue& finding,
                    const event::JsonValue& event);

// Any trigger of the playbook.
bool PlaybookTriggered(const Playbook& playbook,
                       const event::JsonValue& finding,
                       const event::JsonValue& event);

// Parses "5s", "500ms", "10m", "1h", "2d" or a plain number of seconds.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

// Case-sensitive glob with * and ?.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace firebreak::response
