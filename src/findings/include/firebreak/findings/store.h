// File: store.h
//
// FindingStore: the durable findings of `firebreak serve` in one SQLite file (WAL journal,
// synchronous=FULL, mode 0600). Rule matches come in as FindingInputs; the store
//   - recognises an event it has seen before for the same rule ((rule_id, event_id) is unique),
//     so the at-least-once replay of the write-ahead log never makes a second finding;
//   - aggregates matches of the same rule, account, principal and resource whose event times lie
//     within the aggregation window of an open finding's first_seen into that finding (count,
//     first_seen, last_seen);
//   - applies suppressions (globs over rule, account, principal and resource, with a reason and
//     a required expiry);
//   - keeps the workflow status (NEW, NOTIFIED, IN_PROGRESS, RESOLVED, SUPPRESSED) with an audit
//     trail of every change, the links from a finding to the playbook runs, evidence and
//     Security Hub imports it caused, and a "response pending" mark from creation until the
//     responder has dispatched it (a crash in between is recovered at start).
//
// Thread-safe: one connection behind a mutex, shared by the pipeline workers and the HTTP API.
// RecordBatch is one transaction with statements prepared once at Open. Errors are Status values
// naming the operation; nothing throws. A file that is not a SQLite database is DataLoss; a store
// written by a newer firebreak is FailedPrecondition.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/core/status.h"
#include "firebreak/core/time.h"
#include "firebreak/findings/finding.h"
#include "firebreak/matcher/compiled_ruleset.h"

namespace firebreak::findings {

// Workflow status. Allowed changes (anything else is FailedPrecondition; X -> X is a no-op):
//   NEW         -> NOTIFIED | IN_PROGRESS | RESOLVED | SUPPRESSED
//   NOTIFIED    -> IN_PROGRESS | RESOLVED | SUPPRESSED
//   IN_PROGRESS -> RESOLVED | SUPPRESSED   (not back to NOTIFIED: someone is already on it, so
//                                           an automatic "notified" must not demote it)
//   RESOLVED    -> NEW   (reopen)
//   SUPPRESSED  -> NEW   (unsuppress)
enum class FindingStatus : uint8_t { kNew, kNotified, kInProgress, kResolved, kSuppressed };

inline constexpr size_t kFindingStatusCount = 5;

std::string_view StatusName(FindingStatus status);  // "NEW", "NOTIFIED", "IN_PROGRESS", ...

std::optional<FindingStatus> ParseStatus(std::string_view name);  // exact, upper case

bool IsAllowedTransition(FindingStatus from, FindingStatus to);

// One rule match (built from findings::Finding by MakeFindingInput).
struct FindingInput {
    std::string rule_id;
    std::string rule_title;
    std::string severity;  // "high"
    std::string account;
    std::string region;
    std::string principal;
    std::string resource;  // first resource id or ""
    // The event's id (CloudTrail eventID, EventBridge id). When empty, "sha256:" + the SHA-256
    // of event_json stands in for it (of asff_json when that is empty too, and of time, name,
    // principal, resource and source IP when both are).
    std::string event_id;
    std::string event_time;  // ISO; when missing or unreadable the batch's `now` is used
    std::string event_name;
    std::string source_ip;
    std::string asff_json;   // ToAsffJson; a JSON object (or "")
    std::string event_json;  // the event as JSON object text, or ""
};

// The input for one finding: severity from the rule, resource = the first resource id.
FindingInput MakeFindingInput(const Finding& finding,
                              const matcher::CompiledRuleset& ruleset,
                              std::string_view asff_json,
                              std::string_view event_json);

enum class RecordOutcome : uint8_t { kNew, kAggregated, kDuplicate, kSuppressed };

std::string_view RecordOutcomeName(RecordOutcome outcome);  // "new", "aggregated", ...

struct RecordResult {
    RecordOutcome outcome = RecordOutcome::kNew;
    std::string finding_id;      // for kDuplicate: the finding that already holds the event
    std::string suppression_id;  // kSuppressed only
};

struct FindingLink {
    std::string kind;  // "run" | "evidence" | "securityhub" (any [a-z0-9_-]{1,32})
    std::string ref;
    std::string created_at;
};

// One entry of a finding's audit trail. The first entry records the creation ("" -> NEW or
// SUPPRESSED, by "firebreak").
struct StatusChange {
    std::string at;
    std::string from;  // StatusName, or "" at creation
    std::string to;
    std::string by;
    std::string note;
};

struct StoredFinding {
    std::string id;  // "fb-" + 24 hex digits
    std::string rule_id;
    std::string rule_title;
    std::string severity;
    std::string account;
    std::string region;
    std::string principal;
    std::string resource;
    FindingStatus status = FindingStatus::kNew;
    int64_t count = 0;
    std::string first_seen;  // ISO event times ("2024-01-01T00:00:00Z")
    std::string last_seen;
    std::string created_at;  // ISO store times with milliseconds
    std::string updated_at;
    std::string status_note;
    std::string status_by;
    std::string asff_json;   // of the first event ("" with FindingFilter::summary)
    std::string event_json;  // of the first event, or ""
    bool response_pending = false;
    std::vector<std::string> event_ids;  // up to the first 100, in arrival order
    std::vector<FindingLink> links;      // in creation order
    std::vector<StatusChange> history;   // oldest first
};

struct FindingFilter {
    std::optional<FindingStatus> status;
    std::string rule_id;    // exact; "" = any
    std::string account;    // exact
    std::string severity;   // exact ("high")
    std::string principal;  // exact
    std::string since;      // ISO; last_seen >= since
    int limit = 100;        // 1..1000
    int offset = 0;         // >= 0
    // true: leave out asff_json, event_json, event_ids, links and history (list views).
    bool summary = false;
};

struct Suppression {
    std::string id;  // assigned by AddSuppression: "sup-" + 16 hex digits
    // Globs with `*` (any run) and `?` (one character), case-sensitive; "" matches anything.
    // At least one must be given.
    std::string rule;
    std::string account;
    std::string principal;
    std::string resource;
    std::string reason;  // required
    std::string created_by;
    std::string created_at;  // set by AddSuppression
    std::string expires_at;  // ISO, required, in the future when added; normalised to seconds
};

struct FindingCounts {
    std::array<int64_t, kFindingStatusCount> by_status{};  // indexed by FindingStatus
    int64_t total = 0;                                     // findings
    int64_t events = 0;                                    // events recorded (sum of counts)
};

struct StoreOptions {
    std::chrono::seconds aggregation_window{3600};
    // false: synchronous=NORMAL (a power loss may lose the last commits; tests and benches only).
    bool fsync = true;
};

class FindingStore {
public:
    // Creates the file (and schema) when missing. ":memory:" is an in-memory store.
    static Result<std::unique_ptr<FindingStore>> Open(const std::string& path,
                                                      const StoreOptions& options);

    ~FindingStore();

    FindingStore(const FindingStore&) = delete;
    FindingStore& operator=(const FindingStore&) = delete;

    // One transaction; results parallel to `inputs`. Per input, in order:
    //   (rule_id, event_id) seen before (in the store or earlier in the batch) -> kDuplicate,
    //   nothing changes;
    //   an active suppression matches -> kSuppressed: aggregated into an open finding of the same
    //   key (which keeps its status) or a new finding with status SUPPRESSED;
    //   an open finding (not RESOLVED) of the same rule, account, principal and resource whose
    //   first_seen is within the window before or after the event time (the nearest when several
    //   are) -> kAggregated: count+1, first_seen = min, last_seen = max;
    //   else kNew: a new finding, status NEW, response pending.
    // Only the first event's asff_json and event_json are kept. An input with an empty rule_id,
    // or asff_json/event_json that are neither "" nor a JSON object, fails the whole batch with
    // InvalidArgument naming the input's index (nothing is recorded).
    Result<std::vector<RecordResult>> RecordBatch(std::span<const FindingInput> inputs,
                                                  TimePoint now);

    // Ordered by last_seen descending, then id. InvalidArgument for a bad limit, offset or since.
    Result<std::vector<StoredFinding>> List(const FindingFilter& filter) const;

    Result<std::optional<StoredFinding>> Get(std::string_view id) const;

    // NotFound for an unknown id; FailedPrecondition naming both statuses for a change the
    // workflow does not allow. A change to RESOLVED or SUPPRESSED also clears the response
    // pending mark (nobody should act on a closed finding after a restart).
    Status UpdateStatus(std::string_view id,
                        FindingStatus status,
                        std::string_view note,
                        std::string_view by,
                        TimePoint now);

    // Idempotent: the same (finding, kind, ref) again is OK and changes nothing. NotFound for an
    // unknown finding, InvalidArgument for a bad kind or an empty ref.
    Status AddLink(std::string_view finding_id,
                   std::string_view kind,
                   std::string_view ref,
                   TimePoint now);

    // Clears the response pending mark (idempotent). NotFound for an unknown finding.
    Status MarkResponseDispatched(std::string_view finding_id);

    // Ids of findings whose response is pending, oldest first (created_at, then insertion).
    Result<std::vector<std::string>> PendingResponses() const;

    // Validates (reason and expires_at required, expires_at a valid ISO time after `now`, at
    // least one glob given) and stores it; returns it with id, created_at and the normalised
    // expires_at filled in.
    Result<Suppression> AddSuppression(Suppression suppression, TimePoint now);

    // Ordered by created_at then id. Expired ones (expires_at <= now) only when asked.
    Result<std::vector<Suppression>> ListSuppressions(bool include_expired, TimePoint now) const;

    Status DeleteSuppression(std::string_view id);  // NotFound for an unknown id

    Result<FindingCounts> Counts() const;

    const std::string& path() const;

private:
    struct Impl;

    explicit FindingStore(std::unique_ptr<Impl> impl);

    std::unique_ptr<Impl> impl_;
};

// The REST API's JSON for one finding: snake_case keys id, rule_id, rule_title, severity, account,
// region, principal, resource, status, count, first_seen, last_seen, created_at, updated_at,
// status_note, status_by, response_pending, event_ids, links [{kind, ref, created_at}],
// history [{at, from, to, by, note}], asff (the object, or null), event (the object, or null).
std::string FindingJson(const StoredFinding& finding);

// {id, rule, account, principal, resource, reason, created_by, created_at, expires_at}.
std::string SuppressionJson(const Suppression& suppression);

}  // namespace firebreak::findings
