// File: run_store.cpp
//
// RunStore on SQLite's C API. One connection, serialised by a mutex; every statement is prepared
// with bound parameters (no SQL text carries a value); every write is one BEGIN IMMEDIATE ...
// COMMIT transaction. Lists of strings (request ids, approvers) are stored as JSON array text.
#include "firebreak/response/run_store.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <utility>

#include <sqlite3.h>

#include "firebreak/core/crypto.h"
#include "firebreak/core/text.h"
#include "firebreak/core/time.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::response {

namespace {

constexpr int kSchemaVersion = 1;

// The schema of version 1. Constant text: nothing in it comes from input.
constexpr const char* kSchemaV1[] = {
        "CREATE TABLE runs ("
        " id TEXT PRIMARY KEY,"
        " playbook_id TEXT NOT NULL DEFAULT '',"
        " playbook_sha256 TEXT NOT NULL DEFAULT '',"
        " playbook_source TEXT NOT NULL DEFAULT '',"
        " playbook_origin TEXT NOT NULL DEFAULT '',"
        " apply INTEGER NOT NULL DEFAULT 0,"
        " status TEXT NOT NULL,"
        " case_id TEXT NOT NULL DEFAULT '',"
        " account TEXT NOT NULL DEFAULT '',"
        " region TEXT NOT NULL DEFAULT '',"
        " finding_id TEXT NOT NULL DEFAULT '',"
        " inputs_json TEXT NOT NULL DEFAULT '',"
        " context_json TEXT NOT NULL DEFAULT '',"
        " created_by TEXT NOT NULL DEFAULT '',"
        " error TEXT NOT NULL DEFAULT '',"
        " created_at TEXT NOT NULL DEFAULT '',"
        " updated_at TEXT NOT NULL DEFAULT '')",
        "CREATE INDEX runs_by_created ON runs(created_at)",
        "CREATE INDEX runs_by_status ON runs(status, created_at)",
        "CREATE TABLE steps ("
        " run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
        " key TEXT NOT NULL,"
        " seq INTEGER NOT NULL,"
        " step_id TEXT NOT NULL DEFAULT '',"
        " kind TEXT NOT NULL DEFAULT '',"
        " action TEXT NOT NULL DEFAULT '',"
        " status TEXT NOT NULL,"
        " mutates INTEGER NOT NULL DEFAULT 0,"
        " params_json TEXT NOT NULL DEFAULT '',"
        " result_json TEXT NOT NULL DEFAULT '',"
        " request_ids TEXT NOT NULL DEFAULT '[]',"
        " already_done INTEGER NOT NULL DEFAULT 0,"
        " detail TEXT NOT NULL DEFAULT '',"
        " error TEXT NOT NULL DEFAULT '',"
        " started_at TEXT NOT NULL DEFAULT '',"
        " finished_at TEXT NOT NULL DEFAULT '',"
        " PRIMARY KEY (run_id, key))",
        "CREATE INDEX steps_by_seq ON steps(run_id, seq)",
        "CREATE TABLE approvals ("
        " run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
        " step_key TEXT NOT NULL,"
        " prompt TEXT NOT NULL DEFAULT '',"
        " approvers TEXT NOT NULL DEFAULT '[]',"
        " deadline TEXT NOT NULL DEFAULT '',"
        " default_decision TEXT NOT NULL DEFAULT '',"
        " decision TEXT NOT NULL DEFAULT '',"
        " decided_by TEXT NOT NULL DEFAULT '',"
        " reason TEXT NOT NULL DEFAULT '',"
        " decided_at TEXT NOT NULL DEFAULT '',"
        " PRIMARY KEY (run_id, step_key))",
        "CREATE TABLE notifications ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
        " step_key TEXT NOT NULL DEFAULT '',"
        " sink TEXT NOT NULL DEFAULT '',"
        " delivered INTEGER NOT NULL DEFAULT 0,"
        " attempts INTEGER NOT NULL DEFAULT 0,"
        " last_error TEXT NOT NULL DEFAULT '',"
        " message_id TEXT NOT NULL DEFAULT '',"
        " payload_json TEXT NOT NULL DEFAULT '',"
        " at TEXT NOT NULL DEFAULT '')",
        "CREATE INDEX notifications_by_run ON notifications(run_id, id)",
        "CREATE TABLE captures ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
        " step_key TEXT NOT NULL DEFAULT '',"
        " name TEXT NOT NULL DEFAULT '',"
        " sha256 TEXT NOT NULL DEFAULT '',"
        " content TEXT NOT NULL DEFAULT '',"
        " at TEXT NOT NULL DEFAULT '')",
        "CREATE INDEX captures_by_run ON captures(run_id, id)",
        "CREATE TABLE findings ("
        " id TEXT PRIMARY KEY,"
        " json TEXT NOT NULL DEFAULT '',"
        " status TEXT NOT NULL DEFAULT 'NEW',"
        " note TEXT NOT NULL DEFAULT '',"
        " updated_by TEXT NOT NULL DEFAULT '',"
        " updated_at TEXT NOT NULL DEFAULT '')",
        "PRAGMA user_version = 1",
};

constexpr char kRunColumns[] =
        "id, playbook_id, playbook_sha256, playbook_source, playbook_origin, apply, status, "
        "case_id, account, region, finding_id, inputs_json, context_json, created_by, error, "
        "created_at, updated_at";

constexpr char kStepColumns[] =
        "run_id, seq, key, step_id, kind, action, status, mutates, params_json, result_json, "
        "request_ids, already_done, detail, error, started_at, finished_at";

constexpr char kApprovalColumns[] =
        "run_id, step_key, prompt, approvers, deadline, default_decision, decision, decided_by, "
        "reason, decided_at";

Status SqliteError(sqlite3* db, int rc, std::string_view op) {
    std::string message(op);
    message += ": ";
    message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return Status(StatusCode::kUnavailable, std::move(message), /*retryable=*/true);
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return Status(StatusCode::kDataLoss, std::move(message));
        case SQLITE_FULL:
        case SQLITE_NOMEM:
        case SQLITE_TOOBIG:
            return Status(StatusCode::kResourceExhausted, std::move(message));
        case SQLITE_CANTOPEN:
        case SQLITE_PERM:
        case SQLITE_READONLY:
        case SQLITE_AUTH:
            return Status(StatusCode::kPermissionDenied, std::move(message));
        case SQLITE_IOERR:
            return Status(StatusCode::kUnavailable, std::move(message));
        default:
            return Status(StatusCode::kInternal, std::move(message));
    }
}

// A prepared statement whose parameters are bound in order by Text/Int/Bool.
class Statement {
public:
    static Result<Statement> Prepare(sqlite3* db, std::string_view sql, std::string_view op) {
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(stmt);
            return SqliteError(db, rc, op);
        }
        return Statement(db, stmt, op);
    }

    Statement(Statement&& other) noexcept
        : db_(other.db_),
          stmt_(std::exchange(other.stmt_, nullptr)),
          op_(other.op_),
          next_(other.next_),
          bind_rc_(other.bind_rc_) {}

    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;

    ~Statement() { sqlite3_finalize(stmt_); }

    Statement& Text(std::string_view value) {
        // A null pointer would bind SQL NULL; an empty view must stay the empty string.
        const char* data = value.data() != nullptr ? value.data() : "";
        Check(sqlite3_bind_text(
                stmt_, next_++, data, static_cast<int>(value.size()), SQLITE_TRANSIENT));
        return *this;
    }

    Statement& Int(int64_t value) {
        Check(sqlite3_bind_int64(stmt_, next_++, value));
        return *this;
    }

    Statement& Bool(bool value) { return Int(value ? 1 : 0); }

    // true: a row is available; false: done.
    Result<bool> Step() {
        if (bind_rc_ != SQLITE_OK)
            return SqliteError(db_, bind_rc_, op_);
        int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW)
            return true;
        if (rc == SQLITE_DONE)
            return false;
        return SqliteError(db_, rc, op_);
    }

    // Runs a statement that returns no rows.
    Status Run() {
        Result<bool> row = Step();
        if (!row)
            return row.error();
        return Status::Ok();
    }

    std::string ColText(int column) const {
        const auto* text = sqlite3_column_text(stmt_, column);
        int size = sqlite3_column_bytes(stmt_, column);
        if (text == nullptr)
            return "";
        return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
    }

    int64_t ColInt(int column) const { return sqlite3_column_int64(stmt_, column); }

    bool ColBool(int column) const { return ColInt(column) != 0; }

private:
    Statement(sqlite3* db, sqlite3_stmt* stmt, std::string_view op)
        : db_(db),
          stmt_(stmt),
          op_(op) {}

    void Check(int rc) {
        if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK)
            bind_rc_ = rc;
    }

    sqlite3* db_;
    sqlite3_stmt* stmt_;
    std::string_view op_;  // always a literal
    int next_ = 1;
    int bind_rc_ = SQLITE_OK;
};

std::string JsonStringArray(const std::vector<std::string>& values) {
    std::string out = "[";
    for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0)
            out += ',';
        AppendJsonString(values[i], &out);
    }
    out += ']';
    return out;
}

Result<std::vector<std::string>> ParseStringArray(std::string_view text, std::string_view what) {
    std::vector<std::string> out;
    if (text.empty())
        return out;
    Result<event::JsonValue> parsed = event::ParseJson(text);
    if (!parsed || !parsed->is_array())
        return DataLoss(std::string(what) + " is not a JSON array in the run store");
    for (const event::JsonValue& item : parsed->items) {
        if (!item.is_string())
            return DataLoss(std::string(what) + " holds a non-string in the run store");
        out.push_back(item.text);
    }
    return out;
}

// The smallest string greater than every string starting with `prefix` (byte order), or
// nullopt when there is none (the prefix is all 0xff bytes).
std::optional<std::string> PrefixUpperBound(std::string_view prefix) {
    std::string bound(prefix);
    while (!bound.empty()) {
        auto last = static_cast<unsigned char>(bound.back());
        if (last != 0xff) {
            bound.back() = static_cast<char>(last + 1);
            return bound;
        }
        bound.pop_back();
    }
    return std::nullopt;
}

Result<RunRecord> ReadRun(const Statement& s) {
    RunRecord run;
    run.id = s.ColText(0);
    run.playbook_id = s.ColText(1);
    run.playbook_sha256 = s.ColText(2);
    run.playbook_source = s.ColText(3);
    run.playbook_origin = s.ColText(4);
    run.apply = s.ColBool(5);
    std::string status = s.ColText(6);
    std::optional<RunStatus> parsed = ParseRunStatus(status);
    if (!parsed)
        return DataLoss("run " + run.id + " has an unknown status \"" + status +
                        "\" in the run store");
    run.status = *parsed;
    run.case_id = s.ColText(7);
    run.account = s.ColText(8);
    run.region = s.ColText(9);
    run.finding_id = s.ColText(10);
    run.inputs_json = s.ColText(11);
    run.context_json = s.ColText(12);
    run.created_by = s.ColText(13);
    run.error = s.ColText(14);
    run.created_at = s.ColText(15);
    run.updated_at = s.ColText(16);
    return run;
}

Result<StepRecord> ReadStep(const Statement& s) {
    StepRecord step;
    step.run_id = s.ColText(0);
    step.seq = static_cast<int>(s.ColInt(1));
    step.key = s.ColText(2);
    step.step_id = s.ColText(3);
    step.kind = s.ColText(4);
    step.action = s.ColText(5);
    std::string status = s.ColText(6);
    std::optional<StepStatus> parsed = ParseStepStatus(status);
    if (!parsed)
        return DataLoss("step " + step.key + " of " + step.run_id + " has an unknown status \"" +
                        status + "\" in the run store");
    step.status = *parsed;
    step.mutates = s.ColBool(7);
    step.params_json = s.ColText(8);
    step.result_json = s.ColText(9);
    Result<std::vector<std::string>> ids = ParseStringArray(s.ColText(10), "request_ids");
    if (!ids)
        return ids.error();
    step.request_ids = std::move(*ids);
    step.already_done = s.ColBool(11);
    step.detail = s.ColText(12);
    step.error = s.ColText(13);
    step.started_at = s.ColText(14);
    step.finished_at = s.ColText(15);
    return step;
}

Result<ApprovalRecord> ReadApproval(const Statement& s) {
    ApprovalRecord approval;
    approval.run_id = s.ColText(0);
    approval.step_key = s.ColText(1);
    approval.prompt = s.ColText(2);
    Result<std::vector<std::string>> approvers = ParseStringArray(s.ColText(3), "approvers");
    if (!approvers)
        return approvers.error();
    approval.approvers = std::move(*approvers);
    approval.deadline = s.ColText(4);
    approval.default_decision = s.ColText(5);
    approval.decision = s.ColText(6);
    approval.decided_by = s.ColText(7);
    approval.reason = s.ColText(8);
    approval.decided_at = s.ColText(9);
    return approval;
}

bool IsDecision(std::string_view decision) {
    return decision == "approved" || decision == "denied" || decision == "timed-out-approved" ||
           decision == "timed-out-denied";
}

bool IsWorkflowStatus(std::string_view status) {
    return status == "NEW" || status == "NOTIFIED" || status == "IN_PROGRESS" ||
           status == "RESOLVED" || status == "SUPPRESSED";
}

std::string OrNow(const std::string& time) {
    return time.empty() ? NowIso() : time;
}

}  // namespace

struct RunStore::Impl {
    sqlite3* db = nullptr;
    std::string path;
    std::mutex mu;
    uint64_t last_id_ms = 0;
    uint32_t last_id_random = 0;

    ~Impl() { sqlite3_close_v2(db); }

    Status Exec(const char* sql, std::string_view op) {
        int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK)
            return SqliteError(db, rc, op);
        return Status::Ok();
    }

    Result<Statement> Prepare(std::string_view sql, std::string_view op) {
        return Statement::Prepare(db, sql, op);
    }

    // Runs `body` in one transaction under the lock; rolls back when it fails.
    Status Write(std::string_view op, const std::function<Status()>& body) {
        std::lock_guard<std::mutex> lock(mu);
        FIREBREAK_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE", op));
        Status status = body();
        if (status.ok())
            status = Exec("COMMIT", op);
        if (!status.ok() && !sqlite3_get_autocommit(db))
            (void)Exec("ROLLBACK", op);
        return status;
    }

    // The first row of `s` read by `read`, or nullopt.
    template <class T, class Read>
    Result<std::optional<T>> One(Statement& s, Read read) {
        Result<bool> row = s.Step();
        if (!row)
            return row.error();
        if (!*row)
            return std::optional<T>();
        Result<T> value = read(s);
        if (!value)
            return value.error();
        return std::optional<T>(std::move(*value));
    }

    // Every row of `s` read by `read`.
    template <class T, class Read>
    Result<std::vector<T>> All(Statement& s, Read read) {
        std::vector<T> out;
        while (true) {
            Result<bool> row = s.Step();
            if (!row)
                return row.error();
            if (!*row)
                return out;
            Result<T> value = read(s);
            if (!value)
                return value.error();
            out.push_back(std::move(*value));
        }
    }

    // The FOREIGN KEY failure of a write for a run that does not exist, as NotFound.
    Status RequireRun(std::string_view run_id, std::string_view op) {
        Result<Statement> s = Prepare("SELECT 1 FROM runs WHERE id = ?", op);
        if (!s)
            return s.error();
        s->Text(run_id);
        Result<bool> row = s->Step();
        if (!row)
            return row.error();
        if (!*row)
            return NotFound(std::string(op) + ": no run " + std::string(run_id));
        return Status::Ok();
    }

    Status Open() {
        FIREBREAK_RETURN_IF_ERROR(Exec("PRAGMA busy_timeout = 5000", "open run store"));
        // Reading the schema first turns a file that is not a database into a clear error.
        int64_t found = 0;
        {
            // Scoped: an unfinished statement would hold a read transaction open.
            Result<Statement> version = Prepare("PRAGMA user_version", "open run store");
            if (!version)
                return version.error();
            Result<bool> row = version->Step();
            if (!row)
                return row.error();
            found = *row ? version->ColInt(0) : 0;
        }
        if (found > kSchemaVersion)
            return Status(StatusCode::kFailedPrecondition,
                          "open run store " + path + ": schema version " + std::to_string(found) +
                                  " is newer than this firebreak supports (" +
                                  std::to_string(kSchemaVersion) +
                                  "); use a newer firebreak or another store");
        if (found < 0)
            return DataLoss("open run store " + path + ": bad schema version " +
                            std::to_string(found));
        FIREBREAK_RETURN_IF_ERROR(Exec("PRAGMA journal_mode = WAL", "open run store"));
        FIREBREAK_RETURN_IF_ERROR(Exec("PRAGMA synchronous = FULL", "open run store"));
        FIREBREAK_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys = ON", "open run store"));
        if (found == kSchemaVersion)
            return Status::Ok();
        return Write("create run store schema", [&]() -> Status {
            // Another process may have created it between the check and the lock.
            {
                Result<Statement> again = Prepare("PRAGMA user_version", "create run store schema");
                if (!again)
                    return again.error();
                Result<bool> has = again->Step();
                if (!has)
                    return has.error();
                if (*has && again->ColInt(0) == kSchemaVersion)
                    return Status::Ok();
            }
            for (const char* sql : kSchemaV1)
                FIREBREAK_RETURN_IF_ERROR(Exec(sql, "create run store schema"));
            return Status::Ok();
        });
    }
};

std::string_view RunStatusName(RunStatus status) {
    switch (status) {
        case RunStatus::kPlanned:
            return "planned";
        case RunStatus::kRunning:
            return "running";
        case RunStatus::kWaitingApproval:
            return "waiting-approval";
        case RunStatus::kSucceeded:
            return "succeeded";
        case RunStatus::kFailed:
            return "failed";
        case RunStatus::kRefused:
            return "refused";
        case RunStatus::kDenied:
            return "denied";
    }
    return "unknown";
}

std::optional<RunStatus> ParseRunStatus(std::string_view name) {
    for (RunStatus status : {RunStatus::kPlanned,
                             RunStatus::kRunning,
                             RunStatus::kWaitingApproval,
                             RunStatus::kSucceeded,
                             RunStatus::kFailed,
                             RunStatus::kRefused,
                             RunStatus::kDenied}) {
        if (RunStatusName(status) == name)
            return status;
    }
    return std::nullopt;
}

std::string_view StepStatusName(StepStatus status) {
    switch (status) {
        case StepStatus::kPlanned:
            return "planned";
        case StepStatus::kRunning:
            return "running";
        case StepStatus::kSucceeded:
            return "succeeded";
        case StepStatus::kFailed:
            return "failed";
        case StepStatus::kSkipped:
            return "skipped";
        case StepStatus::kWaiting:
            return "waiting";
        case StepStatus::kApproved:
            return "approved";
        case StepStatus::kDenied:
            return "denied";
    }
    return "unknown";
}

std::optional<StepStatus> ParseStepStatus(std::string_view name) {
    for (StepStatus status : {StepStatus::kPlanned,
                              StepStatus::kRunning,
                              StepStatus::kSucceeded,
                              StepStatus::kFailed,
                              StepStatus::kSkipped,
                              StepStatus::kWaiting,
                              StepStatus::kApproved,
                              StepStatus::kDenied}) {
        if (StepStatusName(status) == name)
            return status;
    }
    return std::nullopt;
}

std::string NowIso() {
    return FormatIsoMillis(std::chrono::system_clock::now());
}

Result<std::unique_ptr<RunStore>> RunStore::Open(const std::string& path) {
    if (path.empty())
        return InvalidArgument("open run store: empty path");
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    bool file = path != ":memory:" && path.rfind("file:", 0) != 0;
    if (file) {
        // The journal holds playbook inputs and evidence: create it readable by its owner only
        // (SQLite gives its -wal and -shm files the same mode).
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0)
            ::close(fd);
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &impl->db, flags, nullptr);
    if (rc != SQLITE_OK)
        return SqliteError(impl->db, rc, "open run store " + path);
    sqlite3_extended_result_codes(impl->db, 1);
    Status status = impl->Open();
    if (!status.ok()) {
        if (status.message().find(path) == std::string::npos)
            return Status(status.code(), status.message() + " (" + path + ")", status.retryable());
        return status;
    }
    return std::unique_ptr<RunStore>(new RunStore(std::move(impl)));
}

RunStore::RunStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RunStore::~RunStore() = default;

std::string RunStore::NewRunId() {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    uint32_t random = 0;
    RandomBytes(reinterpret_cast<char*>(&random), sizeof random);
    auto ms = static_cast<uint64_t>(
            duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                    .count());
    ms &= 0xffffffffffffULL;  // 12 hex digits
    {
        // Within one millisecond (or when the clock steps back) stay after the previous id so
        // that ids issued by this store sort by creation.
        std::lock_guard<std::mutex> lock(impl_->mu);
        if (ms <= impl_->last_id_ms) {
            ms = impl_->last_id_ms;
            uint32_t next = impl_->last_id_random + 1 + (random & 0xffff);
            if (next <= impl_->last_id_random)
                ++ms;
            random = next;
        }
        impl_->last_id_ms = ms;
        impl_->last_id_random = random;
    }
    char buf[32];
    snprintf(buf,
             sizeof buf,
             "run-%012llx%08x",
             static_cast<unsigned long long>(ms),
             static_cast<unsigned>(random));
    return buf;
}

Status RunStore::CreateRun(const RunRecord& run) {
    if (run.id.empty())
        return InvalidArgument("create run: empty run id");
    return impl_->Write("create run", [&]() -> Status {
        Result<Statement> exists = impl_->Prepare("SELECT 1 FROM runs WHERE id = ?", "create run");
        if (!exists)
            return exists.error();
        exists->Text(run.id);
        Result<bool> row = exists->Step();
        if (!row)
            return row.error();
        if (*row)
            return Status(StatusCode::kAlreadyExists, "create run: run " + run.id + " exists");
        Result<Statement> s = impl_->Prepare(
                "INSERT INTO runs (id, playbook_id, playbook_sha256, playbook_source, "
                "playbook_origin, apply, status, case_id, account, region, finding_id, "
                "inputs_json, context_json, created_by, error, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "create run");
        if (!s)
            return s.error();
        std::string created = OrNow(run.created_at);
        s->Text(run.id)
                .Text(run.playbook_id)
                .Text(run.playbook_sha256)
                .Text(run.playbook_source)
                .Text(run.playbook_origin)
                .Bool(run.apply)
                .Text(RunStatusName(run.status))
                .Text(run.case_id)
                .Text(run.account)
                .Text(run.region)
                .Text(run.finding_id)
                .Text(run.inputs_json)
                .Text(run.context_json)
                .Text(run.created_by)
                .Text(run.error)
                .Text(created)
                .Text(run.updated_at.empty() ? created : run.updated_at);
        return s->Run();
    });
}

Status RunStore::UpdateRunStatus(std::string_view run_id,
                                 RunStatus status,
                                 std::string_view error) {
    return impl_->Write("update run status", [&]() -> Status {
        Result<Statement> s =
                impl_->Prepare("UPDATE runs SET status = ?, error = ?, updated_at = ? WHERE id = ?",
                               "update run status");
        if (!s)
            return s.error();
        s->Text(RunStatusName(status)).Text(error).Text(NowIso()).Text(run_id);
        FIREBREAK_RETURN_IF_ERROR(s->Run());
        if (sqlite3_changes(impl_->db) == 0)
            return NotFound("update run status: no run " + std::string(run_id));
        return Status::Ok();
    });
}

Result<std::optional<RunRecord>> RunStore::GetRun(std::string_view run_id) const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    Result<Statement> s = impl_->Prepare(
            std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?", "get run");
    if (!s)
        return s.error();
    s->Text(run_id);
    return impl_->One<RunRecord>(*s, ReadRun);
}

Result<std::optional<RunRecord>> RunStore::FindRun(std::string_view id_or_prefix) const {
    if (id_or_prefix.empty())
        return InvalidArgument("find run: empty run id");
    Result<std::optional<RunRecord>> exact = GetRun(id_or_prefix);
    if (!exact || exact->has_value())
        return exact;
    std::lock_guard<std::mutex> lock(impl_->mu);
    constexpr int kMaxListed = 10;
    std::optional<std::string> upper = PrefixUpperBound(id_or_prefix);
    std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs WHERE id >= ?" +
                      (upper ? " AND id < ?" : "") + " ORDER BY id LIMIT " +
                      std::to_string(kMaxListed + 1);
    Result<Statement> s = impl_->Prepare(sql, "find run");
    if (!s)
        return s.error();
    s->Text(id_or_prefix);
    if (upper)
        s->Text(*upper);
    Result<std::vector<RunRecord>> found = impl_->All<RunRecord>(*s, ReadRun);
    if (!found)
        return found.error();
    if (found->empty())
        return std::optional<RunRecord>();
    if (found->size() == 1)
        return std::optional<RunRecord>(std::move(found->front()));
    std::string message = "run id prefix \"" + std::string(id_or_prefix) + "\" is ambiguous: ";
    for (size_t i = 0; i < found->size() && i < kMaxListed; ++i) {
        if (i > 0)
            message += ", ";
        message += (*found)[i].id;
    }
    if (found->size() > kMaxListed)
        message += ", ...";
    return InvalidArgument(std::move(message));
}

Result<std::vector<RunRecord>> RunStore::ListRuns(int limit,
                                                  std::optional<RunStatus> status) const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs" +
                      (status ? " WHERE status = ?" : "") +
                      " ORDER BY created_at DESC, rowid DESC LIMIT ?";
    Result<Statement> s = impl_->Prepare(sql, "list runs");
    if (!s)
        return s.error();
    if (status)
        s->Text(RunStatusName(*status));
    s->Int(limit > 0 ? limit : -1);
    return impl_->All<RunRecord>(*s, ReadRun);
}

Status RunStore::PutStep(const StepRecord& step) {
    if (step.run_id.empty() || step.key.empty())
        return InvalidArgument("put step: empty run id or step key");
    if (step.seq < 0)
        return InvalidArgument("put step: negative seq");
    return impl_->Write("put step", [&]() -> Status {
        FIREBREAK_RETURN_IF_ERROR(impl_->RequireRun(step.run_id, "put step"));
        int64_t seq = step.seq;
        if (seq == 0) {
            Result<Statement> q = impl_->Prepare(
                    "SELECT COALESCE((SELECT seq FROM steps WHERE run_id = ?1 AND key = ?2), "
                    "(SELECT COALESCE(MAX(seq), 0) + 1 FROM steps WHERE run_id = ?1))",
                    "put step");
            if (!q)
                return q.error();
            q->Text(step.run_id).Text(step.key);
            Result<bool> row = q->Step();
            if (!row)
                return row.error();
            seq = *row ? q->ColInt(0) : 1;
        }
        Result<Statement> s =
                impl_->Prepare(std::string("INSERT OR REPLACE INTO steps (") + kStepColumns +
                                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               "put step");
        if (!s)
            return s.error();
        s->Text(step.run_id)
                .Int(seq)
                .Text(step.key)
                .Text(step.step_id)
                .Text(step.kind)
                .Text(step.action)
                .Text(StepStatusName(step.status))
                .Bool(step.mutates)
                .Text(step.params_json)
                .Text(step.result_json)
                .Text(JsonStringArray(step.request_ids))
                .Bool(step.already_done)
                .Text(step.detail)
                .Text(step.error)
                .Text(step.started_at)
                .Text(step.finished_at);
        return s->Run();
    });
}

Result<std::vector<StepRecord>> RunStore::Steps(std::string_view run_id) const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    Result<Statement> s = impl_->Prepare(std::string("SELECT ") + kStepColumns +
                                                 " FROM steps WHERE run_id = ? ORDER BY seq, key",
                                         "list steps");
    if (!s)
        return s.error();
    s->Text(run_id);
    return impl_->All<StepRecord>(*s, ReadStep);
}

Result<std::optional<StepRecord>> RunStore::FindStep(std::string_view run_id,
                                                     std::string_view key) const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    Result<Statement> s = impl_->Prepare(
            std::string("SELECT ") + kStepColumns + " FROM steps WHERE run_id = ? AND key = ?",
            "find step");
    if (!s)
        return s.error();
    s->Text(run_id).Text(key);
    return impl_->One<StepRecord>(*s, ReadStep);
}

Status RunStore::PutApproval(const ApprovalRecord& approval) {
    if (approval.run_id.empty() || approval.step_key.empty())
        return InvalidArgument("put approval: empty run id or step key");
    return impl_->Write("put approval", [&]() -> Status {
        FIREBREAK_RETURN_IF_ERROR(impl_->RequireRun(approval.run_id, "put approval"));
        Result<Statement> s =
                impl_->Prepare(std::string("INSERT OR REPLACE INTO approvals (") +
                                       kApprovalColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               "put approval");
        if (!s)
            return s.error();
        s->Text(approval.run_id)
                .Text(approval.step_key)
                .Text(approval.prompt)
                .Text(JsonStringArray(approval.approvers))
                .Text(approval.deadline)
                .Text(approval.default_decision)
                .Text(approval.decision)
                .Text(approval.decided_by)
                .Text(approval.reason)
                .Text(approval.decided_at);
        return s->Run();
    });
}

Result<std::optional<ApprovalRecord>> RunStore::GetApproval(std::string_view run_id,
                                                            std::string_view step_key) const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    Result<Statement> s =
            impl_->Prepare(std::string("SELECT ") + kApprovalColumns +
                                   " FROM approvals WHERE run_id = ? AND step_key = ?",
                           "get approval");
    if (!s)
        return s.error();
    s->Text(run_id).Text(step_key);
    return impl_->One<ApprovalRecord>(*s, ReadApproval);
}

Result<std::vector<ApprovalRecord>> RunStore::Approvals(std::string_view run_id) const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    Result<Statement> s = impl_->Prepare(std::string("SELECT ") + kApprovalColumns +
                                                 " FROM approvals WHERE run_id = ? ORDER BY rowid",
                                         "list approvals");
    if (!s)
        return s.error();
    s->Text(run_id);
    return impl_->All<ApprovalRecord>(*s, ReadApproval);
}

Status RunStore::Decide(std::string_view run_id,
                        std::string_view step_key,
                        std::string_view decision,
                        std::string_view decided_by,
                        std::string_view reason) {
    if (!IsDecision(decision))
        return InvalidArgument("decide: \"" + std::string(decision) +
                               "\" is not approved, denied, timed-out-approved or "
                               "timed-out-denied");
    std::string where = std::string(run_id) + " " + std::string(step_key);
    return impl_->Write("decide", [&]() -> Status {
        Result<Statement> s = impl_->Prepare(
                "UPDATE approvals SET decision = ?, decided_by = ?, reason = ?, decided_at = ? "
                "WHERE run_id = ? AND step_key = ? AND decision = ''",
                "decide");
        if (!s)
            return s.error();
        s->Text(decision).Text(decided_by).Text(reason).Text(NowIso()).Text(run_id).Text(step_key);
        FIREBREAK_RETURN_IF_ERROR(s->Run());
        if (sqlite3_changes(impl_->db) == 1)
            return Status::Ok();
        Result<Statement> q = impl_->Prepare(
                "SELECT decision, decided_by FROM approvals WHERE run_id = ? AND step_key = ?",
                "decide");
        if (!q)
            return q.error();
        q->Text(run_id).Text(step_key);
        Result<bool> row = q->Step();
        if (!row)
            return row.error();
        if (!*row)
            return NotFound("decide: no approval " + where);
        std::string by = q->ColText(1);
        return Status(StatusCode::kFailedPrecondition,
                      "decide: approval " + where + " was already decided: " + q->ColText(0) +
                              (by.empty() ? "" : " by " + by));
    });
}

Status RunStore::AddNotification(const NotificationRecord& n) {
    return impl_->Write("add notification", [&]() -> Status {
        FIREBREAK_RETURN_IF_ERROR(impl_->RequireRun(n.run_id, "add notification"));
        Result<Statement> s = impl_->Prepare(
                "INSERT INTO notifications (run_id, step_key, sink, delivered, attempts, "
                "last_error, message_id, payload_json, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "add notification");
        if (!s)
            return s.error();
        s->Text(n.run_id)
                .Text(n.step_key)
                .Text(n.sink)
                .Bool(n.delivered)
                .Int(n.attempts)
                .Text(n.last_error)
                .Text(n.message_id)
                .Text(n.payload_json)
                .Text(OrNow(n.at));
        return s->Run();
    });
}

Result<std::vector<NotificationRecord>> RunStore::Notifications(std::string_view run_id) const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    Result<Statement> s = impl_->Prepare(
            "SELECT run_id, step_key, sink, delivered, attempts, last_error, message_id, "
            "payload_json, at FROM notifications WHERE run_id = ? ORDER BY id",
            "list notifications");
    if (!s)
        return s.error();
    s->Text(run_id);
    return impl_->All<NotificationRecord>(*s,
                                          [](const Statement& st) -> Result<NotificationRecord> {
                                              NotificationRecord n;
                                              n.run_id = st.ColText(0);
                                              n.step_key = st.ColText(1);
                                              n.sink = st.ColText(2);
                                              n.delivered = st.ColBool(3);
                                              n.attempts = static_cast<int>(st.ColInt(4));
                                              n.last_error = st.ColText(5);
                                              n.message_id = st.ColText(6);
                                              n.payload_json = st.ColText(7);
                                              n.at = st.ColText(8);
                                              return n;
                                          });
}

Status RunStore::AddCapture(const CaptureRecord& capture) {
    return impl_->Write("add capture", [&]() -> Status {
        FIREBREAK_RETURN_IF_ERROR(impl_->RequireRun(capture.run_id, "add capture"));
        Result<Statement> s = impl_->Prepare(
                "INSERT INTO captures (run_id, step_key, name, sha256, content, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                "add capture");
        if (!s)
            return s.error();
        s->Text(capture.run_id)
                .Text(capture.step_key)
                .Text(capture.name)
                .Text(capture.sha256.empty() ? Sha256Hex(capture.content) : capture.sha256)
                .Text(capture.content)
                .Text(OrNow(capture.at));
        return s->Run();
    });
}

Result<std::vector<CaptureRecord>> RunStore::Captures(std::string_view run_id) const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    Result<Statement> s = impl_->Prepare(
            "SELECT run_id, step_key, name, sha256, content, at FROM captures WHERE run_id = ? "
            "ORDER BY id",
            "list captures");
    if (!s)
        return s.error();
    s->Text(run_id);
    return impl_->All<CaptureRecord>(*s, [](const Statement& st) -> Result<CaptureRecord> {
        CaptureRecord c;
        c.run_id = st.ColText(0);
        c.step_key = st.ColText(1);
        c.name = st.ColText(2);
        c.sha256 = st.ColText(3);
        c.content = st.ColText(4);
        c.at = st.ColText(5);
        return c;
    });
}

Status RunStore::UpsertFinding(std::string_view id, std::string_view json) {
    if (id.empty())
        return InvalidArgument("upsert finding: empty finding id");
    return impl_->Write("upsert finding", [&]() -> Status {
        Result<Statement> s = impl_->Prepare(
                "INSERT INTO findings (id, json, status, updated_at) VALUES (?, ?, 'NEW', ?) "
                "ON CONFLICT(id) DO UPDATE SET json = excluded.json",
                "upsert finding");
        if (!s)
            return s.error();
        s->Text(id).Text(json).Text(NowIso());
        return s->Run();
    });
}

Status RunStore::SetFindingStatus(std::string_view id,
                                  std::string_view status,
                                  std::string_view updated_by,
                                  std::string_view note) {
    if (!IsWorkflowStatus(status))
        return InvalidArgument("set finding status: \"" + std::string(status) +
                               "\" is not NEW, NOTIFIED, IN_PROGRESS, RESOLVED or SUPPRESSED");
    return impl_->Write("set finding status", [&]() -> Status {
        Result<Statement> s = impl_->Prepare(
                "UPDATE findings SET status = ?, updated_by = ?, note = ?, updated_at = ? "
                "WHERE id = ?",
                "set finding status");
        if (!s)
            return s.error();
        s->Text(status).Text(updated_by).Text(note).Text(NowIso()).Text(id);
        FIREBREAK_RETURN_IF_ERROR(s->Run());
        if (sqlite3_changes(impl_->db) == 0)
            return NotFound("set finding status: no finding " + std::string(id));
        return Status::Ok();
    });
}

Result<std::optional<FindingRecord>> RunStore::GetFinding(std::string_view id) const {
    std::lock_guard<std::mutex> lock(impl_->mu);
    Result<Statement> s = impl_->Prepare(
            "SELECT id, json, status, note, updated_by, updated_at FROM findings WHERE id = ?",
            "get finding");
    if (!s)
        return s.error();
    s->Text(id);
    return impl_->One<FindingRecord>(*s, [](const Statement& st) -> Result<FindingRecord> {
        FindingRecord f;
        f.id = st.ColText(0);
        f.json = st.ColText(1);
        f.status = st.ColText(2);
        f.note = st.ColText(3);
        f.updated_by = st.ColText(4);
        f.updated_at = st.ColText(5);
        return f;
    });
}

}  // namespace firebreak::response
