// File: store.cpp
//
// FindingStore on SQLite's C API. One connection serialised by a mutex. The statements of the
// hot path (RecordBatch) and of the per-finding detail reads are prepared once at Open and reset
// after each use; List builds its WHERE clause from fixed fragments (no SQL text carries a
// value). Event times are kept twice: ISO text for display and filters, epoch seconds for the
// aggregation window.
#include "firebreak/findings/store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <iterator>
#include <mutex>
#include <utility>

#include <sqlite3.h>

#include "firebreak/core/crypto.h"
#include "firebreak/core/text.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::findings {

namespace {

constexpr int kSchemaVersion = 1;
constexpr size_t kMaxEventIds = 100;
constexpr size_t kMaxGlob = 1024;
constexpr size_t kMaxReason = 4096;

// Version 1. Constant text: nothing in it comes from input.
constexpr const char* kSchemaV1[] = {
        // seq is the rowid made explicit, so VACUUM keeps it (finding_json and the pending
        // order refer to it).
        "CREATE TABLE findings ("
        " seq INTEGER PRIMARY KEY,"
        " id TEXT NOT NULL UNIQUE,"
        " rule_id TEXT NOT NULL,"
        " rule_title TEXT NOT NULL DEFAULT '',"
        " severity TEXT NOT NULL DEFAULT '',"
        " account TEXT NOT NULL DEFAULT '',"
        " region TEXT NOT NULL DEFAULT '',"
        " principal TEXT NOT NULL DEFAULT '',"
        " resource TEXT NOT NULL DEFAULT '',"
        " status TEXT NOT NULL,"
        " count INTEGER NOT NULL DEFAULT 1,"
        " first_seen TEXT NOT NULL,"
        " last_seen TEXT NOT NULL,"
        " first_seen_s INTEGER NOT NULL,"
        " last_seen_s INTEGER NOT NULL,"
        " created_at TEXT NOT NULL,"
        " updated_at TEXT NOT NULL,"
        " status_note TEXT NOT NULL DEFAULT '',"
        " status_by TEXT NOT NULL DEFAULT '',"
        " response_pending INTEGER NOT NULL DEFAULT 0)",
        "CREATE INDEX findings_by_key ON findings(rule_id, account, principal, resource, "
        "first_seen_s)",
        // Aggregation rewrites last_seen on most events: only the status and time indexes
        // carry it (rule_id filters use findings_by_key's prefix).
        "CREATE INDEX findings_by_status ON findings(status, last_seen)",
        "CREATE INDEX findings_by_account ON findings(account)",
        "CREATE INDEX findings_by_last_seen ON findings(last_seen)",
        "CREATE INDEX findings_pending ON findings(created_at) WHERE response_pending = 1",
        // The first event's JSON, apart from the row aggregation rewrites on every event.
        "CREATE TABLE finding_json ("
        " finding_seq INTEGER PRIMARY KEY,"
        " asff_json TEXT NOT NULL DEFAULT '',"
        " event_json TEXT NOT NULL DEFAULT '')",
        "CREATE TABLE finding_events ("
        " seq INTEGER PRIMARY KEY,"
        " rule_id TEXT NOT NULL,"
        " event_id TEXT NOT NULL,"
        " finding_id TEXT NOT NULL,"
        " event_time TEXT NOT NULL DEFAULT '',"
        " UNIQUE (rule_id, event_id))",
        "CREATE INDEX finding_events_by_finding ON finding_events(finding_id, seq)",
        "CREATE TABLE finding_links ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " finding_id TEXT NOT NULL,"
        " kind TEXT NOT NULL,"
        " ref TEXT NOT NULL,"
        " created_at TEXT NOT NULL,"
        " UNIQUE (finding_id, kind, ref))",
        "CREATE TABLE suppressions ("
        " id TEXT PRIMARY KEY,"
        " rule TEXT NOT NULL DEFAULT '',"
        " account TEXT NOT NULL DEFAULT '',"
        " principal TEXT NOT NULL DEFAULT '',"
        " resource TEXT NOT NULL DEFAULT '',"
        " reason TEXT NOT NULL,"
        " created_by TEXT NOT NULL DEFAULT '',"
        " created_at TEXT NOT NULL,"
        " expires_at TEXT NOT NULL)",
        "CREATE INDEX suppressions_by_expiry ON suppressions(expires_at)",
        "CREATE TABLE status_history ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " finding_id TEXT NOT NULL,"
        " at TEXT NOT NULL,"
        " from_status TEXT NOT NULL,"
        " to_status TEXT NOT NULL,"
        " changed_by TEXT NOT NULL DEFAULT '',"
        " note TEXT NOT NULL DEFAULT '')",
        "CREATE INDEX status_history_by_finding ON status_history(finding_id, id)",
        "PRAGMA user_version = 1",
};

constexpr char kFindingColumns[] =
        "SELECT id, rule_id, rule_title, severity, account, region, principal, resource, status, "
        "count, first_seen, last_seen, created_at, updated_at, status_note, status_by, "
        "response_pending, j.asff_json, j.event_json FROM findings"
        " LEFT JOIN finding_json AS j ON j.finding_seq = findings.seq";

// The same columns with the two JSON texts left out (FindingFilter::summary).
constexpr char kSummaryColumns[] =
        "SELECT id, rule_id, rule_title, severity, account, region, principal, resource, status, "
        "count, first_seen, last_seen, created_at, updated_at, status_note, status_by, "
        "response_pending, '', '' FROM findings";

constexpr char kSuppressionColumns[] =
        "SELECT id, rule, account, principal, resource, reason, created_by, created_at, "
        "expires_at FROM suppressions";

Status SqliteStatus(sqlite3* db, int rc, std::string_view op) {
    std::string message(op);
    message += ": ";
    message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_IOERR:
            return Status(StatusCode::kUnavailable, std::move(message), /*retryable=*/true);
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return DataLoss(std::move(message));
        case SQLITE_FULL:
        case SQLITE_NOMEM:
        case SQLITE_TOOBIG:
            return Status(StatusCode::kResourceExhausted, std::move(message));
        case SQLITE_CANTOPEN:
        case SQLITE_PERM:
        case SQLITE_READONLY:
            return Status(StatusCode::kPermissionDenied, std::move(message));
        default:
            return Internal(std::move(message));
    }
}

// One use of a prepared statement: parameters are appended with <<, rows read with Next(). The
// statement is reset when the cursor goes away, so no read stays open between calls.
class Cursor {
public:
    Cursor(sqlite3* db, sqlite3_stmt* stmt, const char* op) : db_(db), stmt_(stmt), op_(op) {}

    Cursor(const Cursor&) = delete;
    Cursor& operator=(const Cursor&) = delete;

    ~Cursor() {
        if (stmt_ != nullptr) {
            sqlite3_reset(stmt_);
            sqlite3_clear_bindings(stmt_);
        }
    }

    Cursor& operator<<(std::string_view text) {
        const char* data = text.data() != nullptr ? text.data() : "";  // never SQL NULL
        Note(sqlite3_bind_text(
                stmt_, ++param_, data, static_cast<int>(text.size()), SQLITE_TRANSIENT));
        return *this;
    }

    Cursor& operator<<(const std::string& text) { return *this << std::string_view(text); }

    Cursor& operator<<(const char* text) { return *this << std::string_view(text); }

    Cursor& operator<<(int64_t value) {
        Note(sqlite3_bind_int64(stmt_, ++param_, value));
        return *this;
    }

    Cursor& operator<<(int value) { return *this << static_cast<int64_t>(value); }

    // true when a row is ready.
    Result<bool> Next() {
        if (bind_error_ != SQLITE_OK)
            return SqliteStatus(db_, bind_error_, op_);
        int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW)
            return true;
        if (rc == SQLITE_DONE)
            return false;
        return SqliteStatus(db_, rc, op_);
    }

    // For statements that return nothing.
    Status Exec() {
        Result<bool> row = Next();
        return row ? Status::Ok() : row.error();
    }

    std::string Str(int column) const {
        const unsigned char* text = sqlite3_column_text(stmt_, column);
        if (text == nullptr)
            return std::string();
        return std::string(reinterpret_cast<const char*>(text),
                           static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
    }

    int64_t Num(int column) const { return sqlite3_column_int64(stmt_, column); }

    int changes() const { return sqlite3_changes(db_); }

private:
    void Note(int rc) {
        if (bind_error_ == SQLITE_OK)
            bind_error_ = rc;
    }

    sqlite3* db_;
    sqlite3_stmt* stmt_;
    const char* op_;
    int param_ = 0;
    int bind_error_ = SQLITE_OK;
};

// A statement compiled once and used many times through Cursors.
class Prepared {
public:
    Prepared() = default;

    Prepared(const Prepared&) = delete;
    Prepared& operator=(const Prepared&) = delete;

    ~Prepared() { sqlite3_finalize(stmt_); }

    Status Compile(sqlite3* db, std::string_view sql, const char* op) {
        db_ = db;
        op_ = op;
        int rc = sqlite3_prepare_v3(db,
                                    sql.data(),
                                    static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT,
                                    &stmt_,
                                    nullptr);
        if (rc != SQLITE_OK)
            return SqliteStatus(db, rc, op);
        return Status::Ok();
    }

    Cursor Use() { return Cursor(db_, stmt_, op_); }

private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
    const char* op_ = "";
};

int64_t EpochSeconds(TimePoint time) {
    return std::chrono::floor<std::chrono::seconds>(time.time_since_epoch()).count();
}

bool IsJsonObjectOrEmpty(std::string_view text) {
    if (text.empty())
        return true;
    Result<event::JsonValue> parsed = event::ParseJson(text);
    return parsed.has_value() && parsed->is_object();
}

// `*` any run, `?` one character, `\` makes the next character literal; case-sensitive.
GlobPattern CompileGlob(std::string_view glob) {
    std::vector<GlobPattern::Token> tokens;
    std::string literal;
    auto flush = [&]() {
        if (literal.empty())
            return;
        GlobPattern::Token token;
        token.kind = GlobPattern::TokenKind::kLiteral;
        token.text = std::move(literal);
        tokens.push_back(std::move(token));
        literal.clear();
    };
    for (size_t i = 0; i < glob.size(); ++i) {
        char c = glob[i];
        if (c == '\\' && i + 1 < glob.size()) {
            literal += glob[++i];
            continue;
        }
        if (c != '*' && c != '?') {
            literal += c;
            continue;
        }
        flush();
        GlobPattern::Token token;
        token.kind = c == '*' ? GlobPattern::TokenKind::kAnyRun : GlobPattern::TokenKind::kAnyOne;
        tokens.push_back(std::move(token));
    }
    flush();
    return GlobPattern(tokens, /*case_insensitive=*/false);
}

// A suppression ready to test inputs against; an empty glob matches anything.
struct ActiveSuppression {
    std::string id;
    std::string reason;
    std::optional<GlobPattern> rule, account, principal, resource;

    static std::optional<GlobPattern> Field(const std::string& glob) {
        if (glob.empty())
            return std::nullopt;
        return CompileGlob(glob);
    }

    bool Matches(const FindingInput& in) const {
        auto ok = [](const std::optional<GlobPattern>& glob, const std::string& value) {
            return !glob || glob->Matches(value);
        };
        return ok(rule, in.rule_id) && ok(account, in.account) && ok(principal, in.principal) &&
               ok(resource, in.resource);
    }
};

Suppression ReadSuppression(const Cursor& c) {
    Suppression s;
    s.id = c.Str(0);
    s.rule = c.Str(1);
    s.account = c.Str(2);
    s.principal = c.Str(3);
    s.resource = c.Str(4);
    s.reason = c.Str(5);
    s.created_by = c.Str(6);
    s.created_at = c.Str(7);
    s.expires_at = c.Str(8);
    return s;
}

Result<StoredFinding> ReadFinding(const Cursor& c) {
    StoredFinding f;
    f.id = c.Str(0);
    f.rule_id = c.Str(1);
    f.rule_title = c.Str(2);
    f.severity = c.Str(3);
    f.account = c.Str(4);
    f.region = c.Str(5);
    f.principal = c.Str(6);
    f.resource = c.Str(7);
    std::string status = c.Str(8);
    std::optional<FindingStatus> parsed = ParseStatus(status);
    if (!parsed)
        return DataLoss("finding " + f.id + " has an unknown status \"" + status +
                        "\" in the finding store");
    f.status = *parsed;
    f.count = c.Num(9);
    f.first_seen = c.Str(10);
    f.last_seen = c.Str(11);
    f.created_at = c.Str(12);
    f.updated_at = c.Str(13);
    f.status_note = c.Str(14);
    f.status_by = c.Str(15);
    f.response_pending = c.Num(16) != 0;
    f.asff_json = c.Str(17);
    f.event_json = c.Str(18);
    return f;
}

bool IsLinkKind(std::string_view kind) {
    if (kind.empty() || kind.size() > 32)
        return false;
    for (char c : kind) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

}  // namespace

std::string_view StatusName(FindingStatus status) {
    switch (status) {
        case FindingStatus::kNew:
            return "NEW";
        case FindingStatus::kNotified:
            return "NOTIFIED";
        case FindingStatus::kInProgress:
            return "IN_PROGRESS";
        case FindingStatus::kResolved:
            return "RESOLVED";
        case FindingStatus::kSuppressed:
            return "SUPPRESSED";
    }
    return "UNKNOWN";
}

std::optional<FindingStatus> ParseStatus(std::string_view name) {
    for (size_t i = 0; i < kFindingStatusCount; ++i) {
        auto status = static_cast<FindingStatus>(i);
        if (StatusName(status) == name)
            return status;
    }
    return std::nullopt;
}

bool IsAllowedTransition(FindingStatus from, FindingStatus to) {
    using S = FindingStatus;
    if (from == to)
        return true;
    switch (from) {
        case S::kNew:
            return true;
        case S::kNotified:
            return to != S::kNew;
        case S::kInProgress:
            return to == S::kResolved || to == S::kSuppressed;
        case S::kResolved:
        case S::kSuppressed:
            return to == S::kNew;
    }
    return false;
}

std::string_view RecordOutcomeName(RecordOutcome outcome) {
    switch (outcome) {
        case RecordOutcome::kNew:
            return "new";
        case RecordOutcome::kAggregated:
            return "aggregated";
        case RecordOutcome::kDuplicate:
            return "duplicate";
        case RecordOutcome::kSuppressed:
            return "suppressed";
    }
    return "unknown";
}

FindingInput MakeFindingInput(const Finding& finding,
                              const matcher::CompiledRuleset& ruleset,
                              std::string_view asff_json,
                              std::string_view event_json) {
    FindingInput in;
    const rules::Rule* rule = finding.rule;
    if (rule == nullptr && finding.rule_index < ruleset.rule_count())
        rule = &ruleset.rule(finding.rule_index);
    if (rule != nullptr) {
        in.rule_id = rule->id;
        in.rule_title = rule->title;
        in.severity = std::string(rules::SeverityName(rule->severity));
    }
    in.account = finding.account;
    in.region = finding.region;
    in.principal = finding.principal;
    if (!finding.resources.empty())
        in.resource = finding.resources.front().id;
    in.event_id = finding.event_id;
    in.event_time = finding.event_time;
    in.event_name = finding.event_name;
    in.source_ip = finding.source_ip;
    in.asff_json = std::string(asff_json);
    in.event_json = std::string(event_json);
    return in;
}

struct FindingStore::Impl {
    sqlite3* db = nullptr;
    std::string path;
    StoreOptions options;
    std::mutex mu;

    // Declared after db so they are finalized before the connection closes.
    Prepared begin, commit, rollback;
    Prepared find_event, find_open, insert_finding, insert_json, insert_event, insert_history;
    Prepared absorb_later, absorb_earlier, absorb_within;
    Prepared active_suppressions;
    Prepared get_finding, get_event_ids, get_links, get_history;
    Prepared get_status, set_status, insert_link, touch, clear_pending, pending;

    // The Prepared members are finalized after this body runs; sqlite3_close_v2 keeps the
    // connection until the last of them is gone.
    ~Impl() { sqlite3_close_v2(db); }

    Status Exec(const char* sql, const char* op) {
        int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
        return rc == SQLITE_OK ? Status::Ok() : SqliteStatus(db, rc, op);
    }

    // Runs `body` as one IMMEDIATE transaction under the lock; rolls back when it fails.
    template <class Body>
    Status Transaction(Body body) {
        std::lock_guard<std::mutex> lock(mu);
        FIREBREAK_RETURN_IF_ERROR(begin.Use().Exec());
        Status status = body();
        if (status.ok())
            status = commit.Use().Exec();
        if (!status.ok() && sqlite3_get_autocommit(db) == 0)
            (void)rollback.Use().Exec();
        return status;
    }

    Status Open();
    Status PrepareAll();

    Result<std::vector<ActiveSuppression>> LoadActive(TimePoint now);
    Result<RecordResult> RecordOne(const FindingInput& in,
                                   const std::vector<ActiveSuppression>& active,
                                   TimePoint now,
                                   const std::string& now_text);
    Status LoadDetails(StoredFinding* finding);
    Status AddHistory(std::string_view id,
                      std::string_view at,
                      std::string_view from,
                      std::string_view to,
                      std::string_view by,
                      std::string_view note);
};

Status FindingStore::Impl::Open() {
    const char* op = "open finding store";
    FIREBREAK_RETURN_IF_ERROR(Exec("PRAGMA busy_timeout = 5000", op));
    int64_t found = 0;
    {
        Prepared version;
        FIREBREAK_RETURN_IF_ERROR(version.Compile(db, "PRAGMA user_version", op));
        Cursor c = version.Use();
        Result<bool> row = c.Next();
        if (!row)
            return row.error();
        found = *row ? c.Num(0) : 0;
    }
    if (found > kSchemaVersion)
        return Status(StatusCode::kFailedPrecondition,
                      "open finding store " + path + ": schema version " + std::to_string(found) +
                              " is newer than this firebreak supports (" +
                              std::to_string(kSchemaVersion) + ")");
    if (found < 0)
        return DataLoss("open finding store " + path + ": bad schema version " +
                        std::to_string(found));
    FIREBREAK_RETURN_IF_ERROR(Exec("PRAGMA journal_mode = WAL", op));
    FIREBREAK_RETURN_IF_ERROR(
            Exec(options.fsync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", op));
    // 16 MiB of page cache: the dedupe and aggregation lookups touch random index pages.
    FIREBREAK_RETURN_IF_ERROR(Exec("PRAGMA cache_size = -16384", op));
    if (found != kSchemaVersion) {
        const char* create = "create finding store schema";
        FIREBREAK_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE", create));
        Status status = Status::Ok();
        {
            // Another process may have created it between the check and the lock.
            Prepared again;
            status = again.Compile(db, "PRAGMA user_version", create);
            if (status.ok()) {
                Cursor c = again.Use();
                Result<bool> row = c.Next();
                if (!row)
                    status = row.error();
                else
                    found = *row ? c.Num(0) : 0;
            }
        }
        if (status.ok() && found != kSchemaVersion) {
            for (const char* sql : kSchemaV1) {
                status = Exec(sql, create);
                if (!status.ok())
                    break;
            }
        }
        if (status.ok())
            status = Exec("COMMIT", create);
        if (!status.ok()) {
            if (sqlite3_get_autocommit(db) == 0)
                (void)Exec("ROLLBACK", create);
            return status;
        }
    }
    return PrepareAll();
}

Status FindingStore::Impl::PrepareAll() {
    struct Item {
        Prepared* stmt;
        std::string sql;
        const char* op;
    };

    const std::string finding_by_id = std::string(kFindingColumns) + " WHERE id = ?";
    const std::string active =
            std::string(kSuppressionColumns) + " WHERE expires_at > ? ORDER BY created_at, id";
    const Item items[] = {
            {&begin, "BEGIN IMMEDIATE", "begin finding store transaction"},
            {&commit, "COMMIT", "commit finding store transaction"},
            {&rollback, "ROLLBACK", "roll back finding store transaction"},
            {&find_event,
             "SELECT finding_id FROM finding_events WHERE rule_id = ? AND event_id = ?",
             "record findings"},
            {&find_open,
             "SELECT id, first_seen_s, last_seen_s FROM findings WHERE rule_id = ?1 AND account = "
             "?2 AND principal = ?3 "
             "AND resource = ?4 AND status <> 'RESOLVED' AND first_seen_s BETWEEN ?5 AND ?6 "
             "ORDER BY abs(first_seen_s - ?7), first_seen_s, id LIMIT 1",
             "record findings"},
            // Three forms so an update names (and so rewrites the indexes of) only the columns
            // that change.
            {&absorb_later,
             "UPDATE findings SET count = count + 1, last_seen = ?, last_seen_s = ?,"
             " updated_at = ? WHERE id = ?",
             "record findings"},
            {&absorb_earlier,
             "UPDATE findings SET count = count + 1, first_seen = ?, first_seen_s = ?,"
             " updated_at = ? WHERE id = ?",
             "record findings"},
            {&absorb_within,
             "UPDATE findings SET count = count + 1, updated_at = ? WHERE id = ?",
             "record findings"},
            {&insert_finding,
             "INSERT OR IGNORE INTO findings (id, rule_id, rule_title, severity, account, region,"
             " principal, resource, status, count, first_seen, last_seen, first_seen_s,"
             " last_seen_s, created_at, updated_at, response_pending)"
             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10, ?10, ?11, ?11, ?12, ?12, ?13)",
             "record findings"},
            {&insert_json,
             "INSERT INTO finding_json (finding_seq, asff_json, event_json) VALUES (?, ?, ?)",
             "record findings"},
            {&insert_event,
             "INSERT INTO finding_events (rule_id, event_id, finding_id, event_time)"
             " VALUES (?, ?, ?, ?)",
             "record findings"},
            {&insert_history,
             "INSERT INTO status_history (finding_id, at, from_status, to_status, changed_by,"
             " note) VALUES (?, ?, ?, ?, ?, ?)",
             "record finding status"},
            {&active_suppressions, active, "read suppressions"},
            {&get_finding, finding_by_id, "read finding"},
            {&get_event_ids,
             "SELECT event_id FROM finding_events WHERE finding_id = ? ORDER BY seq LIMIT 100",
             "read finding events"},
            {&get_links,
             "SELECT kind, ref, created_at FROM finding_links WHERE finding_id = ? ORDER BY id",
             "read finding links"},
            {&get_history,
             "SELECT at, from_status, to_status, changed_by, note FROM status_history"
             " WHERE finding_id = ? ORDER BY id",
             "read finding history"},
            {&get_status, "SELECT status FROM findings WHERE id = ?", "update finding status"},
            {&set_status,
             "UPDATE findings SET status = ?1, status_note = ?2, status_by = ?3, updated_at = ?4,"
             " response_pending = CASE WHEN ?5 THEN 0 ELSE response_pending END WHERE id = ?6",
             "update finding status"},
            {&insert_link,
             "INSERT OR IGNORE INTO finding_links (finding_id, kind, ref, created_at)"
             " VALUES (?, ?, ?, ?)",
             "link finding"},
            {&touch, "UPDATE findings SET updated_at = ? WHERE id = ?", "link finding"},
            {&clear_pending,
             "UPDATE findings SET response_pending = 0 WHERE id = ?",
             "mark response dispatched"},
            {&pending,
             "SELECT id FROM findings WHERE response_pending = 1 ORDER BY created_at, seq",
             "list pending responses"},
    };
    for (const Item& item : items)
        FIREBREAK_RETURN_IF_ERROR(item.stmt->Compile(db, item.sql, item.op));
    return Status::Ok();
}

Result<std::vector<ActiveSuppression>> FindingStore::Impl::LoadActive(TimePoint now) {
    std::vector<ActiveSuppression> out;
    Cursor c = active_suppressions.Use();
    c << FormatIsoSeconds(now);
    while (true) {
        Result<bool> row = c.Next();
        if (!row)
            return row.error();
        if (!*row)
            return out;
        Suppression s = ReadSuppression(c);
        ActiveSuppression a;
        a.id = s.id;
        a.reason = s.reason;
        a.rule = ActiveSuppression::Field(s.rule);
        a.account = ActiveSuppression::Field(s.account);
        a.principal = ActiveSuppression::Field(s.principal);
        a.resource = ActiveSuppression::Field(s.resource);
        out.push_back(std::move(a));
    }
}

Status FindingStore::Impl::AddHistory(std::string_view id,
                                      std::string_view at,
                                      std::string_view from,
                                      std::string_view to,
                                      std::string_view by,
                                      std::string_view note) {
    Cursor c = insert_history.Use();
    c << id << at << from << to << by << note;
    return c.Exec();
}

Result<RecordResult> FindingStore::Impl::RecordOne(const FindingInput& in,
                                                   const std::vector<ActiveSuppression>& active,
                                                   TimePoint now,
                                                   const std::string& now_text) {
    RecordResult result;
    std::string event_id = in.event_id;
    if (event_id.empty()) {
        std::string basis = !in.event_json.empty() ? in.event_json : in.asff_json;
        if (basis.empty())
            basis = in.event_time + "|" + in.event_name + "|" + in.principal + "|" + in.resource +
                    "|" + in.source_ip;
        event_id = "sha256:" + Sha256Hex(basis);
    }
    {
        Cursor c = find_event.Use();
        c << in.rule_id << event_id;
        Result<bool> row = c.Next();
        if (!row)
            return row.error();
        if (*row) {
            result.outcome = RecordOutcome::kDuplicate;
            result.finding_id = c.Str(0);
            return result;
        }
    }
    std::optional<TimePoint> parsed = ParseIsoTime(in.event_time);
    TimePoint when = parsed ? *parsed : now;
    int64_t when_s = EpochSeconds(when);
    std::string when_text = FormatIsoSeconds(when);

    const ActiveSuppression* suppression = nullptr;
    for (const ActiveSuppression& s : active) {
        if (s.Matches(in)) {
            suppression = &s;
            break;
        }
    }
    if (suppression != nullptr)
        result.suppression_id = suppression->id;

    auto window = static_cast<int64_t>(options.aggregation_window.count());
    int64_t first_s = 0;
    int64_t last_s = 0;
    {
        Cursor c = find_open.Use();
        c << in.rule_id << in.account << in.principal << in.resource << when_s - window
          << when_s + window << when_s;
        Result<bool> row = c.Next();
        if (!row)
            return row.error();
        if (*row) {
            result.finding_id = c.Str(0);
            first_s = c.Num(1);
            last_s = c.Num(2);
        }
    }
    if (!result.finding_id.empty()) {
        if (when_s > last_s) {
            Cursor c = absorb_later.Use();
            c << when_text << when_s << now_text << result.finding_id;
            FIREBREAK_RETURN_IF_ERROR(c.Exec());
        } else if (when_s < first_s) {
            Cursor c = absorb_earlier.Use();
            c << when_text << when_s << now_text << result.finding_id;
            FIREBREAK_RETURN_IF_ERROR(c.Exec());
        } else {
            Cursor c = absorb_within.Use();
            c << now_text << result.finding_id;
            FIREBREAK_RETURN_IF_ERROR(c.Exec());
        }
        result.outcome =
                suppression != nullptr ? RecordOutcome::kSuppressed : RecordOutcome::kAggregated;
    } else {
        FindingStatus status =
                suppression != nullptr ? FindingStatus::kSuppressed : FindingStatus::kNew;
        std::string key = in.rule_id + "|" + in.account + "|" + in.principal + "|" + in.resource +
                          "|" + event_id;
        // A collision of the 96-bit id (or of the '|'-joined key) is not expected; a taken id
        // gets a counter in its hash rather than failing the batch.
        for (int attempt = 0; result.finding_id.empty(); ++attempt) {
            if (attempt > 16)
                return Internal("record findings: no free finding id for rule " + in.rule_id);
            std::string hashed = attempt == 0 ? key : key + "#" + std::to_string(attempt);
            std::string id = "fb-" + Sha256Hex(hashed).substr(0, 24);
            Cursor c = insert_finding.Use();
            c << id << in.rule_id << in.rule_title << in.severity << in.account << in.region
              << in.principal << in.resource << StatusName(status) << when_text << when_s
              << now_text << (status == FindingStatus::kNew ? 1 : 0);
            FIREBREAK_RETURN_IF_ERROR(c.Exec());
            if (c.changes() > 0)
                result.finding_id = id;
        }
        {
            Cursor c = insert_json.Use();
            c << static_cast<int64_t>(sqlite3_last_insert_rowid(db)) << in.asff_json
              << in.event_json;
            FIREBREAK_RETURN_IF_ERROR(c.Exec());
        }
        std::string note;
        if (suppression != nullptr)
            note = "suppressed by " + suppression->id + ": " + suppression->reason;
        FIREBREAK_RETURN_IF_ERROR(
                AddHistory(result.finding_id, now_text, "", StatusName(status), "firebreak", note));
        result.outcome = suppression != nullptr ? RecordOutcome::kSuppressed : RecordOutcome::kNew;
    }
    Cursor c = insert_event.Use();
    c << in.rule_id << event_id << result.finding_id << when_text;
    FIREBREAK_RETURN_IF_ERROR(c.Exec());
    return result;
}

Status FindingStore::Impl::LoadDetails(StoredFinding* finding) {
    {
        Cursor c = get_event_ids.Use();
        c << finding->id;
        while (true) {
            Result<bool> row = c.Next();
            if (!row)
                return row.error();
            if (!*row)
                break;
            if (finding->event_ids.size() < kMaxEventIds)
                finding->event_ids.push_back(c.Str(0));
        }
    }
    {
        Cursor c = get_links.Use();
        c << finding->id;
        while (true) {
            Result<bool> row = c.Next();
            if (!row)
                return row.error();
            if (!*row)
                break;
            FindingLink link;
            link.kind = c.Str(0);
            link.ref = c.Str(1);
            link.created_at = c.Str(2);
            finding->links.push_back(std::move(link));
        }
    }
    Cursor c = get_history.Use();
    c << finding->id;
    while (true) {
        Result<bool> row = c.Next();
        if (!row)
            return row.error();
        if (!*row)
            return Status::Ok();
        StatusChange change;
        change.at = c.Str(0);
        change.from = c.Str(1);
        change.to = c.Str(2);
        change.by = c.Str(3);
        change.note = c.Str(4);
        finding->history.push_back(std::move(change));
    }
}

Result<std::unique_ptr<FindingStore>> FindingStore::Open(const std::string& path,
                                                         const StoreOptions& options) {
    if (path.empty())
        return InvalidArgument("open finding store: empty path");
    if (options.aggregation_window.count() < 0)
        return InvalidArgument("open finding store: negative aggregation window");
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->options = options;
    if (path != ":memory:" && path.rfind("file:", 0) != 0) {
        // Findings name principals and resources: readable by the owner only (SQLite gives
        // the -wal and -shm files the same mode).
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0)
            ::close(fd);
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &impl->db, flags, nullptr);
    if (rc != SQLITE_OK)
        return SqliteStatus(impl->db, rc, "open finding store " + path);
    sqlite3_extended_result_codes(impl->db, 1);
    Status status = impl->Open();
    if (!status.ok()) {
        if (status.message().find(path) == std::string::npos)
            return Status(status.code(), status.message() + " (" + path + ")", status.retryable());
        return status;
    }
    return std::unique_ptr<FindingStore>(new FindingStore(std::move(impl)));
}

FindingStore::FindingStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FindingStore::~FindingStore() = default;

const std::string& FindingStore::path() const {
    return impl_->path;
}

Result<std::vector<RecordResult>> FindingStore::RecordBatch(std::span<const FindingInput> inputs,
                                                            TimePoint now) {
    for (size_t i = 0; i < inputs.size(); ++i) {
        const FindingInput& in = inputs[i];
        if (in.rule_id.empty())
            return InvalidArgument("record findings: input " + std::to_string(i) +
                                   " has no rule id");
        if (!IsJsonObjectOrEmpty(in.asff_json))
            return InvalidArgument("record findings: input " + std::to_string(i) + " (rule " +
                                   in.rule_id + "): asff_json is not a JSON object");
        if (!IsJsonObjectOrEmpty(in.event_json))
            return InvalidArgument("record findings: input " + std::to_string(i) + " (rule " +
                                   in.rule_id + "): event_json is not a JSON object");
    }
    std::vector<RecordResult> results;
    if (inputs.empty())
        return results;
    results.reserve(inputs.size());
    const std::string now_text = FormatIsoMillis(now);
    Status status = impl_->Transaction([&]() -> Status {
        results.clear();
        Result<std::vector<ActiveSuppression>> active = impl_->LoadActive(now);
        if (!active)
            return active.error();
        for (const FindingInput& in : inputs) {
            Result<RecordResult> one = impl_->RecordOne(in, *active, now, now_text);
            if (!one)
                return one.error();
            results.push_back(std::move(*one));
        }
        return Status::Ok();
    });
    if (!status.ok())
        return status;
    return results;
}

Result<std::vector<StoredFinding>> FindingStore::List(const FindingFilter& filter) const {
    if (filter.limit < 1 || filter.limit > 1000)
        return InvalidArgument("list findings: limit must be 1..1000, not " +
                               std::to_string(filter.limit));
    if (filter.offset < 0)
        return InvalidArgument("list findings: offset must not be negative");
    std::string since;
    if (!filter.since.empty()) {
        std::optional<TimePoint> parsed = ParseIsoTime(filter.since);
        if (!parsed)
            return InvalidArgument("list findings: since is not an ISO-8601 time: " + filter.since);
        since = FormatIsoSeconds(*parsed);
    }
    std::string sql = filter.summary ? kSummaryColumns : kFindingColumns;
    sql += " WHERE 1";
    if (filter.status)
        sql += " AND status = ?";
    if (!filter.rule_id.empty())
        sql += " AND rule_id = ?";
    if (!filter.account.empty())
        sql += " AND account = ?";
    if (!filter.severity.empty())
        sql += " AND severity = ?";
    if (!filter.principal.empty())
        sql += " AND principal = ?";
    if (!since.empty())
        sql += " AND last_seen >= ?";
    sql += " ORDER BY last_seen DESC, id LIMIT ? OFFSET ?";

    std::lock_guard<std::mutex> lock(impl_->mu);
    Prepared stmt;
    FIREBREAK_RETURN_IF_ERROR(stmt.Compile(impl_->db, sql, "list findings"));
    std::vector<StoredFinding> out;
    {
        Cursor c = stmt.Use();
        if (filter.status)
            c << StatusName(*filter.status);
        if (!filter.rule_id.empty())
            c << filter.rule_id;
        if (!filter.account.empty())
            c << filter.account;
        if (!filter.severity.empty())
            c << filter.severity;
        if (!filter.principal.empty())
            c << filter.principal;
        if (!since.empty())
            c << since;
        c << filter.limit << filter.offset;
        while (true) {
            Result<bool> row = c.Next();
            if (!row)
                return row.error();
            if (!*row)
                break;
            Result<StoredFinding> finding = ReadFinding(c);
            if (!finding)
                return finding.error();
            out.push_back(std::move(*finding));
        }
    }
    if (!filter.summary) {
        for (StoredFinding& finding : out)
            FIREBREAK_RETURN_IF_ERROR(impl_->LoadDetails(&finding));
    }
    return out;
}

Result<std::optional<StoredFinding>> FindingStore::Get(std::string_view id) const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    std::optional<StoredFinding> out;
    {
        Cursor c = impl_->get_finding.Use();
        c << id;
        Result<bool> row = c.Next();
        if (!row)
            return row.error();
        if (!*row)
            return out;
        Result<StoredFinding> finding = ReadFinding(c);
        if (!finding)
            return finding.error();
        out = std::move(*finding);
    }
    FIREBREAK_RETURN_IF_ERROR(impl_->LoadDetails(&*out));
    return out;
}

Status FindingStore::UpdateStatus(std::string_view id,
                                  FindingStatus status,
                                  std::string_view note,
                                  std::string_view by,
                                  TimePoint now) {
    const std::string now_text = FormatIsoMillis(now);
    return impl_->Transaction([&]() -> Status {
        std::string current_text;
        {
            Cursor c = impl_->get_status.Use();
            c << id;
            Result<bool> row = c.Next();
            if (!row)
                return row.error();
            if (!*row)
                return NotFound("update finding status: no finding " + std::string(id));
            current_text = c.Str(0);
        }
        std::optional<FindingStatus> current = ParseStatus(current_text);
        if (!current)
            return DataLoss("finding " + std::string(id) + " has an unknown status \"" +
                            current_text + "\" in the finding store");
        if (*current == status)
            return Status::Ok();
        if (!IsAllowedTransition(*current, status))
            return Status(StatusCode::kFailedPrecondition,
                          "update finding status: finding " + std::string(id) + " cannot go from " +
                                  current_text + " to " + std::string(StatusName(status)));
        bool closes = status == FindingStatus::kResolved || status == FindingStatus::kSuppressed;
        {
            Cursor c = impl_->set_status.Use();
            c << StatusName(status) << note << by << now_text << (closes ? 1 : 0) << id;
            FIREBREAK_RETURN_IF_ERROR(c.Exec());
        }
        return impl_->AddHistory(id, now_text, current_text, StatusName(status), by, note);
    });
}

Status FindingStore::AddLink(std::string_view finding_id,
                             std::string_view kind,
                             std::string_view ref,
                             TimePoint now) {
    if (!IsLinkKind(kind))
        return InvalidArgument("link finding: kind must be 1..32 of [a-z0-9_-], not " +
                               JsonQuote(kind));
    if (ref.empty())
        return InvalidArgument("link finding: empty ref");
    const std::string now_text = FormatIsoMillis(now);
    return impl_->Transaction([&]() -> Status {
        {
            Cursor c = impl_->get_status.Use();
            c << finding_id;
            Result<bool> row = c.Next();
            if (!row)
                return row.error();
            if (!*row)
                return NotFound("link finding: no finding " + std::string(finding_id));
        }
        Cursor c = impl_->insert_link.Use();
        c << finding_id << kind << ref << now_text;
        FIREBREAK_RETURN_IF_ERROR(c.Exec());
        if (c.changes() == 0)
            return Status::Ok();
        Cursor t = impl_->touch.Use();
        t << now_text << finding_id;
        return t.Exec();
    });
}

Status FindingStore::MarkResponseDispatched(std::string_view finding_id) {
    return impl_->Transaction([&]() -> Status {
        Cursor c = impl_->clear_pending.Use();
        c << finding_id;
        FIREBREAK_RETURN_IF_ERROR(c.Exec());
        if (c.changes() == 0)
            return NotFound("mark response dispatched: no finding " + std::string(finding_id));
        return Status::Ok();
    });
}

Result<std::vector<std::string>> FindingStore::PendingResponses() const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    std::vector<std::string> out;
    Cursor c = impl_->pending.Use();
    while (true) {
        Result<bool> row = c.Next();
        if (!row)
            return row.error();
        if (!*row)
            return out;
        out.push_back(c.Str(0));
    }
}

Result<Suppression> FindingStore::AddSuppression(Suppression suppression, TimePoint now) {
    if (suppression.reason.empty())
        return InvalidArgument("add suppression: a reason is required");
    if (suppression.reason.size() > kMaxReason)
        return InvalidArgument("add suppression: the reason is longer than " +
                               std::to_string(kMaxReason) + " bytes");
    if (suppression.expires_at.empty())
        return InvalidArgument("add suppression: expires_at is required");
    std::optional<TimePoint> expires = ParseIsoTime(suppression.expires_at);
    if (!expires)
        return InvalidArgument("add suppression: expires_at is not an ISO-8601 time: " +
                               JsonQuote(suppression.expires_at));
    if (*expires <= now)
        return InvalidArgument("add suppression: expires_at " + FormatIsoSeconds(*expires) +
                               " is not in the future");
    const std::string* globs[] = {
            &suppression.rule, &suppression.account, &suppression.principal, &suppression.resource};
    bool any = false;
    for (const std::string* glob : globs) {
        if (glob->size() > kMaxGlob)
            return InvalidArgument("add suppression: a glob is longer than " +
                                   std::to_string(kMaxGlob) + " bytes");
        any = any || !glob->empty();
    }
    if (!any)
        return InvalidArgument(
                "add suppression: give at least one of rule, account, principal, resource");
    char random[8];
    RandomBytes(random, sizeof random);
    suppression.id = "sup-" + HexEncode(std::string_view(random, sizeof random));
    suppression.created_at = FormatIsoMillis(now);
    suppression.expires_at = FormatIsoSeconds(*expires);
    Prepared insert;
    Status status = impl_->Transaction([&]() -> Status {
        FIREBREAK_RETURN_IF_ERROR(insert.Compile(
                impl_->db,
                "INSERT INTO suppressions (id, rule, account, principal, resource, reason,"
                " created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "add suppression"));
        Cursor c = insert.Use();
        c << suppression.id << suppression.rule << suppression.account << suppression.principal
          << suppression.resource << suppression.reason << suppression.created_by
          << suppression.created_at << suppression.expires_at;
        return c.Exec();
    });
    if (!status.ok())
        return status;
    return suppression;
}

Result<std::vector<Suppression>> FindingStore::ListSuppressions(bool include_expired,
                                                                TimePoint now) const {
    std::string sql = kSuppressionColumns;
    if (!include_expired)
        sql += " WHERE expires_at > ?";
    sql += " ORDER BY created_at, id";
    std::lock_guard<std::mutex> lock(impl_->mu);
    Prepared stmt;
    FIREBREAK_RETURN_IF_ERROR(stmt.Compile(impl_->db, sql, "list suppressions"));
    Cursor c = stmt.Use();
    if (!include_expired)
        c << FormatIsoSeconds(now);
    std::vector<Suppression> out;
    while (true) {
        Result<bool> row = c.Next();
        if (!row)
            return row.error();
        if (!*row)
            return out;
        out.push_back(ReadSuppression(c));
    }
}

Status FindingStore::DeleteSuppression(std::string_view id) {
    Prepared stmt;
    return impl_->Transaction([&]() -> Status {
        FIREBREAK_RETURN_IF_ERROR(stmt.Compile(
                impl_->db, "DELETE FROM suppressions WHERE id = ?", "delete suppression"));
        Cursor c = stmt.Use();
        c << id;
        FIREBREAK_RETURN_IF_ERROR(c.Exec());
        if (c.changes() == 0)
            return NotFound("delete suppression: no suppression " + std::string(id));
        return Status::Ok();
    });
}

Result<FindingCounts> FindingStore::Counts() const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    Prepared stmt;
    FIREBREAK_RETURN_IF_ERROR(stmt.Compile(
            impl_->db,
            "SELECT status, count(*), coalesce(sum(count), 0) FROM findings GROUP BY status",
            "count findings"));
    Cursor c = stmt.Use();
    FindingCounts counts;
    while (true) {
        Result<bool> row = c.Next();
        if (!row)
            return row.error();
        if (!*row)
            return counts;
        std::string name = c.Str(0);
        std::optional<FindingStatus> status = ParseStatus(name);
        if (!status)
            return DataLoss("count findings: unknown status \"" + name + "\" in the finding store");
        counts.by_status[static_cast<size_t>(*status)] += c.Num(1);
        counts.total += c.Num(1);
        counts.events += c.Num(2);
    }
}

namespace {

void AppendField(std::string_view key, std::string_view value, std::string* out) {
    AppendJsonString(key, out);
    out->push_back(':');
    AppendJsonString(value, out);
}

// Stored JSON objects are validated when written; "" renders as null.
void AppendRawObject(std::string_view key, std::string_view json, std::string* out) {
    AppendJsonString(key, out);
    out->push_back(':');
    out->append(json.empty() ? std::string_view("null") : json);
}

}  // namespace

std::string FindingJson(const StoredFinding& f) {
    std::string out;
    out.reserve(512 + f.asff_json.size() + f.event_json.size());
    out += '{';
    const std::pair<const char*, const std::string*> texts[] = {
            {"id", &f.id},
            {"rule_id", &f.rule_id},
            {"rule_title", &f.rule_title},
            {"severity", &f.severity},
            {"account", &f.account},
            {"region", &f.region},
            {"principal", &f.principal},
            {"resource", &f.resource},
    };
    for (const auto& text : texts) {
        AppendField(text.first, *text.second, &out);
        out += ',';
    }
    AppendField("status", StatusName(f.status), &out);
    out += ",\"count\":" + std::to_string(f.count) + ',';
    const std::pair<const char*, const std::string*> more[] = {
            {"first_seen", &f.first_seen},
            {"last_seen", &f.last_seen},
            {"created_at", &f.created_at},
            {"updated_at", &f.updated_at},
            {"status_note", &f.status_note},
            {"status_by", &f.status_by},
    };
    for (const auto& text : more) {
        AppendField(text.first, *text.second, &out);
        out += ',';
    }
    out += f.response_pending ? "\"response_pending\":true," : "\"response_pending\":false,";
    out += "\"event_ids\":[";
    for (size_t i = 0; i < f.event_ids.size(); ++i) {
        if (i > 0)
            out += ',';
        AppendJsonString(f.event_ids[i], &out);
    }
    out += "],\"links\":[";
    for (size_t i = 0; i < f.links.size(); ++i) {
        out += i > 0 ? ",{" : "{";
        AppendField("kind", f.links[i].kind, &out);
        out += ',';
        AppendField("ref", f.links[i].ref, &out);
        out += ',';
        AppendField("created_at", f.links[i].created_at, &out);
        out += '}';
    }
    out += "],\"history\":[";
    for (size_t i = 0; i < f.history.size(); ++i) {
        const StatusChange& h = f.history[i];
        out += i > 0 ? ",{" : "{";
        AppendField("at", h.at, &out);
        out += ',';
        AppendField("from", h.from, &out);
        out += ',';
        AppendField("to", h.to, &out);
        out += ',';
        AppendField("by", h.by, &out);
        out += ',';
        AppendField("note", h.note, &out);
        out += '}';
    }
    out += "],";
    AppendRawObject("asff", f.asff_json, &out);
    out += ',';
    AppendRawObject("event", f.event_json, &out);
    out += '}';
    return out;
}

std::string SuppressionJson(const Suppression& s) {
    std::string out = "{";
    const std::pair<const char*, const std::string*> fields[] = {
            {"id", &s.id},
            {"rule", &s.rule},
            {"account", &s.account},
            {"principal", &s.principal},
            {"resource", &s.resource},
            {"reason", &s.reason},
            {"created_by", &s.created_by},
            {"created_at", &s.created_at},
            {"expires_at", &s.expires_at},
    };
    for (size_t i = 0; i < std::size(fields); ++i) {
        if (i > 0)
            out += ',';
        AppendField(fields[i].first, *fields[i].second, &out);
    }
    out += '}';
    return out;
}

}  // namespace firebreak::findings
