#include "serve_cmd.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "firebreak/aws/credentials.h"
#include "firebreak/aws/securityhub.h"
#include "firebreak/builtin_playbooks.h"
#include "firebreak/core/crypto.h"
#include "firebreak/core/file.h"
#include "firebreak/core/text.h"
#include "firebreak/core/time.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/evidence/vault_verify.h"
#include "firebreak/findings/store.h"
#include "firebreak/pipeline/folder_source.h"
#include "firebreak/pipeline/live.h"
#include "firebreak/pipeline/responder.h"
#include "firebreak/pipeline/sandbox_source.h"
#include "firebreak/pipeline/wal.h"
#include "firebreak/response/expr.h"
#include "firebreak/server/api.h"
#include "firebreak/server/http_server.h"
#include "firebreak/server/metrics.h"
#include "response_context.h"
#include "rule_loading.h"
#include "serve_config.h"

namespace firebreak::cli {
namespace {

namespace fs = std::filesystem;
using event::JsonValue;
using server::ApiRequest;
using server::ApiResponse;

constexpr int kExitOk = 0;
constexpr int kExitProblem = 1;
constexpr int kExitUsage = 2;

int64_t NowUnixMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
}

std::string NowIso() {
    return FormatIsoSeconds(std::chrono::system_clock::now());
}

// Why serve cannot start, on stderr; false.
bool StartFailed(const std::string& what, const std::string& why) {
    std::fprintf(stderr, "firebreak serve: %s: %s\n", what.c_str(), why.c_str());
    return false;
}

ApiResponse Json(int status, std::string body) {
    ApiResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

ApiResponse Error(int status, const std::string& message) {
    return Json(status, "{\"error\":" + JsonQuote(message) + "}");
}

int HttpStatusFor(const Status& status) {
    switch (status.code()) {
        case StatusCode::kNotFound:
            return 404;
        case StatusCode::kInvalidArgument:
            return 400;
        case StatusCode::kFailedPrecondition:
            return 409;
        default:
            return 500;
    }
}

ApiResponse Error(const Status& status) {
    return Error(HttpStatusFor(status), status.message());
}

std::string QueryValue(const ApiRequest& req, const std::string& key) {
    auto it = req.query.find(key);
    return it == req.query.end() ? std::string() : it->second;
}

// A JSON request body as an object; an empty body is an empty object.
Result<JsonValue> BodyObject(const ApiRequest& req) {
    if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return response::JsonObject();
    }
    Result<JsonValue> body = event::ParseJson(req.body);
    if (!body) {
        return InvalidArgument("request body: " + body.error().message());
    }
    if (!body->is_object()) {
        return InvalidArgument("request body: expected a JSON object");
    }
    return body;
}

std::string TextMember(const JsonValue& object, const char* key) {
    const JsonValue* v = object.Find(key);
    return v != nullptr && (v->is_string() || v->is_number()) ? v->text : std::string();
}

// EventBridge's PutEvents request body ({"Entries": [{Source, DetailType, Detail, ...}]}) as
// EventBridge would deliver the entries: one envelope per line. The envelope id is derived from
// the entry, so a client that retries the same body is recognised as a duplicate.
Result<std::string> PutEventsToEnvelopes(const JsonValue& body, size_t* bad) {
    const JsonValue* entries = body.Find("Entries");
    std::string out;
    size_t index = 0;
    for (const JsonValue& entry : entries->items) {
        ++index;
        std::string detail_text = TextMember(entry, "Detail");
        Result<JsonValue> detail = event::ParseJson(detail_text.empty() ? "{}" : detail_text);
        if (!entry.is_object() || TextMember(entry, "Source").empty() ||
            TextMember(entry, "DetailType").empty() || !detail || !detail->is_object()) {
            ++*bad;
            continue;
        }
        std::string id = Sha256Hex(event::ToJson(entry));
        id = id.substr(0, 8) + "-" + id.substr(8, 4) + "-" + id.substr(12, 4) + "-" +
             id.substr(16, 4) + "-" + id.substr(20, 12);
        JsonValue envelope = response::JsonObject();
        auto set = [&](const char* key, JsonValue value) {
            envelope.members.emplace_back(key, std::move(value));
        };
        set("version", response::JsonString("0"));
        set("id", response::JsonString(id));
        set("detail-type", response::JsonString(TextMember(entry, "DetailType")));
        set("source", response::JsonString(TextMember(entry, "Source")));
        std::string account = TextMember(*detail, "recipientAccountId");
        if (account.empty()) {
            account = TextMember(*detail, "accountId");
        }
        set("account", response::JsonString(account));
        std::string time = TextMember(entry, "Time");
        set("time", response::JsonString(time.empty() ? NowIso() : time));
        set("region", response::JsonString(TextMember(*detail, "awsRegion")));
        const JsonValue* resources = entry.Find("Resources");
        set("resources",
            resources != nullptr && resources->is_array() ? *resources : response::JsonArray({}));
        set("detail", std::move(*detail));
        out += event::ToJson(envelope);
        out.push_back('\n');
    }
    return out;
}

// ------------------------------------------------------------------------------------------------

class Service : public server::ServiceApi {
public:
    Service(ServeConfig config, Context* ctx, bool quiet)
        : config_(std::move(config)),
          ctx_(ctx),
          quiet_(quiet) {}

    ~Service() override { Shutdown(); }

    bool Init(const RuleFlags& rule_flags);
    bool StartServing(const std::string& port_file);
    void Shutdown();
    Status Reload(std::string* summary);
    void Log(const std::string& line) const;

    void SetSealAfterRuns(bool seal) { seal_after_runs_ = seal; }

    server::IngestReply Ingest(const server::IngestRequest& request) override;
    ApiResponse Handle(std::string_view route, const ApiRequest& request) override;

private:
    void RegisterMetrics();
    void OnBatch(pipeline::BatchResult& result);
    Status Deliver(std::string_view source, std::string_view payload, bool wait);
    Status AppendReserved(std::string_view source, std::string_view payload);
    void Tick();
    Result<std::shared_ptr<const matcher::CompiledRuleset>> LoadRules(Diagnostics* diags);
    std::shared_ptr<const response::PlaybookSet> LoadPlaybooks(Diagnostics* diags);

    std::shared_ptr<const response::PlaybookSet> Playbooks() const {
        return std::atomic_load(&playbooks_);
    }

    ApiResponse ListFindings(const ApiRequest& req);
    ApiResponse UpdateFinding(const ApiRequest& req);
    ApiResponse AddSuppression(const ApiRequest& req);
    ApiResponse ListRuns(const ApiRequest& req);
    ApiResponse DecideRun(const ApiRequest& req, bool approve);
    ApiResponse ListRules();
    ApiResponse ListPlaybooks();
    ApiResponse ListEvidence(const ApiRequest& req);
    ApiResponse VerifyEvidence();
    ApiResponse Stats();

    ServeConfig config_;
    Context* ctx_;
    bool quiet_;
    RuleFlags rule_flags_;

    server::Metrics metrics_;
    server::Counter* events_in_ = nullptr;
    server::Counter* events_skipped_ = nullptr;
    server::Counter* batches_in_ = nullptr;
    server::Counter* findings_new_ = nullptr;
    server::Counter* findings_aggregated_ = nullptr;
    server::Counter* findings_duplicate_ = nullptr;
    server::Counter* findings_suppressed_ = nullptr;
    server::Counter* ingest_refused_ = nullptr;
    server::Counter* ingest_rejected_ = nullptr;
    server::Counter* store_errors_ = nullptr;
    server::Counter* reloads_ = nullptr;
    server::LabeledCounter* rule_hits_ = nullptr;
    server::Histogram* ingest_to_finding_ = nullptr;
    server::Histogram* finding_to_response_ = nullptr;
    server::Gauge* events_per_second_ = nullptr;

    std::unique_ptr<pipeline::WriteAheadLog> wal_;
    std::unique_ptr<findings::FindingStore> store_;
    std::unique_ptr<pipeline::RulesetHolder> rules_;
    std::shared_ptr<const response::PlaybookSet> playbooks_;
    std::unique_ptr<pipeline::LivePipeline> pipeline_;
    std::unique_ptr<pipeline::Responder> responder_;
    std::vector<std::unique_ptr<pipeline::FolderSource>> folders_;
    std::vector<std::unique_ptr<pipeline::SandboxSource>> sandboxes_;
    std::unique_ptr<server::HttpServer> http_;
    std::mutex reload_mu_;

    // Security Hub export (findings.securityhub.enabled): new findings, imported each second.
    std::vector<std::pair<std::string, std::string>> export_queue_;  // (finding id, ASFF)
    std::mutex export_mu_;
    server::Counter* exported_ = nullptr;
    server::Counter* export_errors_ = nullptr;
    void ExportToSecurityHub();
    void SealEvidence(bool even_if_empty);
    void RecordEvidence();
    std::mutex evidence_mu_;
    std::vector<std::string> evidence_runs_;  // settled runs not yet in the vault
    // The config's evidence.seal-after-run: serve seals from its ticker instead of in the run.
    bool seal_after_runs_ = true;

    std::thread ticker_;
    std::mutex tick_mu_;
    std::condition_variable tick_cv_;
    bool stopping_ = false;
    bool shut_down_ = false;
    mutable std::mutex log_mu_;
};

void Service::Log(const std::string& line) const {
    std::lock_guard<std::mutex> lock(log_mu_);
    std::fprintf(stderr, "%s %s\n", NowIso().c_str(), line.c_str());
}

void Service::RegisterMetrics() {
    events_in_ = metrics_.AddCounter("firebreak_events_total", "Events read from accepted batches");
    events_skipped_ = metrics_.AddCounter("firebreak_events_skipped_total",
                                          "Records in accepted batches that could not be read");
    batches_in_ = metrics_.AddCounter("firebreak_batches_total",
                                      "Batches processed (requests, files, stream polls)");
    events_per_second_ = metrics_.AddGauge("firebreak_events_per_second",
                                           "Events processed per second over the last second");
    ingest_refused_ = metrics_.AddCounter(
            "firebreak_ingest_refused_total",
            "Ingest requests refused because the queue was full (503 with Retry-After)");
    ingest_rejected_ = metrics_.AddCounter(
            "firebreak_ingest_rejected_total",
            "Ingest requests rejected as unreadable (400): nothing in them was an event");
    findings_new_ = metrics_.AddCounter("firebreak_findings_new_total", "New findings");
    findings_aggregated_ = metrics_.AddCounter(
            "firebreak_findings_aggregated_total",
            "Rule matches folded into an open finding (same rule, principal, resource, window)");
    findings_duplicate_ = metrics_.AddCounter(
            "firebreak_findings_duplicate_total",
            "Rule matches on an event id already recorded for that rule (replays, resends)");
    findings_suppressed_ = metrics_.AddCounter("firebreak_findings_suppressed_total",
                                               "Rule matches a suppression rule covered");
    store_errors_ = metrics_.AddCounter("firebreak_store_errors_total",
                                        "Batches whose findings could not be stored (replayed "
                                        "at the next start)");
    reloads_ = metrics_.AddCounter("firebreak_reloads_total", "Rule and playbook reloads");
    exported_ = metrics_.AddCounter("firebreak_securityhub_imported_total",
                                    "Findings imported into Security Hub (BatchImportFindings)");
    export_errors_ = metrics_.AddCounter(
            "firebreak_securityhub_errors_total",
            "Security Hub imports that failed (retried at the next tick, up to 10,000 findings)");
    rule_hits_ = metrics_.AddLabeledCounter(
            "firebreak_rule_hits_total", "Rule matches per rule", "rule");
    std::vector<double> buckets = {
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    ingest_to_finding_ =
            metrics_.AddHistogram("firebreak_ingest_to_finding_seconds",
                                  "From a batch being accepted to its findings being stored",
                                  buckets);
    finding_to_response_ =
            metrics_.AddHistogram("firebreak_finding_to_response_seconds",
                                  "From a finding being stored to its automatic response settling",
                                  buckets);
    metrics_.AddGaugeFunction("firebreak_queue_batches", "Batches waiting for a worker", [this] {
        return pipeline_ ? static_cast<double>(pipeline_->queue_batches()) : 0.0;
    });
    metrics_.AddGaugeFunction("firebreak_queue_bytes", "Bytes waiting for a worker", [this] {
        return pipeline_ ? static_cast<double>(pipeline_->queue_bytes()) : 0.0;
    });
    metrics_.AddGaugeFunction("firebreak_queue_capacity_batches",
                              "The queue's bound in batches",
                              [this] { return static_cast<double>(config_.max_batches); });
    metrics_.AddGaugeFunction(
            "firebreak_response_queue", "Findings waiting for the responder", [this] {
                return responder_ ? static_cast<double>(responder_->queue_depth()) : 0.0;
            });
    metrics_.AddGaugeFunction(
            "firebreak_wal_checkpoint",
            "Lowest write-ahead log sequence not yet processed",
            [this] { return wal_ ? static_cast<double>(wal_->checkpoint()) : 0; });
    metrics_.AddGaugeFunction("firebreak_wal_last_seq",
                              "Last write-ahead log sequence assigned",
                              [this] { return wal_ ? static_cast<double>(wal_->last_seq()) : 0; });
    metrics_.AddGaugeFunction("firebreak_runs_started", "Playbook runs started by serve", [this] {
        return responder_ ? static_cast<double>(responder_->counters().runs_started.load()) : 0.0;
    });
    metrics_.AddGaugeFunction(
            "firebreak_runs_auto_applied", "Playbook runs applied automatically", [this] {
                return responder_ ? static_cast<double>(responder_->counters().auto_applied.load())
                                  : 0.0;
            });
    metrics_.AddGaugeFunction(
            "firebreak_runs_waiting_approval", "Plans left waiting for approval", [this] {
                return responder_
                               ? static_cast<double>(responder_->counters().waiting_approval.load())
                               : 0.0;
            });
    metrics_.AddGaugeFunction("firebreak_rules_loaded", "Rules in the current ruleset", [this] {
        return rules_ ? static_cast<double>(rules_->Get()->rule_count()) : 0.0;
    });
}

Result<std::shared_ptr<const matcher::CompiledRuleset>> Service::LoadRules(Diagnostics* diags) {
    std::vector<rules::Rule> loaded;
    LoadSummary summary;
    if (!LoadAllRules(rule_flags_, &loaded, diags, &summary)) {
        return InvalidArgument("the rules did not load");
    }
    if (loaded.empty()) {
        return InvalidArgument("no rules: enable builtin-rules or list rule files");
    }
    return matcher::CompiledRuleset::Compile(std::move(loaded));
}

std::shared_ptr<const response::PlaybookSet> Service::LoadPlaybooks(Diagnostics* diags) {
    std::vector<rules::RuleSource> builtin;
    if (config_.builtin_playbooks) {
        builtin = BuiltinPlaybookSources();
    }
    int before = diags->error_count();
    auto set = std::make_shared<response::PlaybookSet>(response::LoadPlaybookSet(
            config_.playbooks, builtin, response::ActionRegistry::Builtin(), diags));
    if (diags->error_count() != before) {
        return nullptr;
    }
    return set;
}

bool Service::Init(const RuleFlags& rule_flags) {
    rule_flags_ = rule_flags;
    RegisterMetrics();
    Diagnostics diags;
    Result<std::shared_ptr<const matcher::CompiledRuleset>> ruleset = LoadRules(&diags);
    std::shared_ptr<const response::PlaybookSet> playbooks = LoadPlaybooks(&diags);
    PrintDiagnostics(diags);
    if (!ruleset) {
        std::fprintf(stderr, "firebreak serve: %s\n", ruleset.error().message().c_str());
        return false;
    }
    if (playbooks == nullptr) {
        std::fprintf(stderr, "firebreak serve: the playbooks did not load\n");
        return false;
    }
    rules_ = std::make_unique<pipeline::RulesetHolder>(*ruleset);
    std::atomic_store(&playbooks_, playbooks);

    fs::path state(config_.state);
    std::error_code ec;
    fs::create_directories(state / "sources", ec);
    Result<std::unique_ptr<pipeline::WriteAheadLog>> wal =
            pipeline::WriteAheadLog::Open((state / "wal").string(), pipeline::WalOptions());
    if (!wal) {
        return StartFailed("write-ahead log " + (state / "wal").string(), wal.error().message());
    }
    wal_ = std::move(*wal);
    for (const std::string& issue : wal_->issues()) {
        Log("serve: write-ahead log: " + issue);
    }
    findings::StoreOptions store_options;
    store_options.aggregation_window = config_.aggregation_window;
    Result<std::unique_ptr<findings::FindingStore>> store =
            findings::FindingStore::Open((state / "findings.db").string(), store_options);
    if (!store) {
        return StartFailed("finding store " + (state / "findings.db").string(),
                           store.error().message());
    }
    store_ = std::move(*store);

    pipeline::LiveOptions live;
    live.workers = config_.workers;
    live.max_batches = config_.max_batches;
    live.max_bytes = config_.max_bytes;
    pipeline_ = std::make_unique<pipeline::LivePipeline>(
            live, rules_.get(), [this](pipeline::BatchResult& r) { OnBatch(r); });

    pipeline::ResponderOptions ro;
    ro.workers = config_.response_workers;
    ro.auto_apply = config_.auto_apply;
    ro.notify = config_.notify;
    pipeline::ResponderDeps deps;
    deps.findings = store_.get();
    deps.runs = ctx_->store.get();
    deps.accounts = &ctx_->accounts;
    deps.notifier = ctx_->notifier.get();
    deps.engine_options = [this] {
        return MakeEngineOptions(ctx_, /*quiet_progress=*/true);
    };
    deps.playbooks = [this] {
        return Playbooks();
    };
    deps.actions = &response::ActionRegistry::Builtin();
    deps.observe_latency = [this](double s) {
        finding_to_response_->Observe(s);
    };
    deps.log = [this](const std::string& line) {
        Log(line);
    };
    responder_ = std::make_unique<pipeline::Responder>(ro, deps);
    return true;
}

// Accepted bytes from any source: room is reserved, the batch is made durable, then queued.
Status Service::Deliver(std::string_view source, std::string_view payload, bool wait) {
    while (!pipeline_->TryReserve(payload.size())) {
        if (!wait) {
            return Status(StatusCode::kUnavailable, "the detection queue is full");
        }
        std::unique_lock<std::mutex> lock(tick_mu_);
        if (stopping_) {
            return Status(StatusCode::kUnavailable, "stopping");
        }
        tick_cv_.wait_for(lock, std::chrono::milliseconds(50));
    }
    return AppendReserved(source, payload);
}

// The batch's room in the queue is reserved: it is made durable, then queued.
Status Service::AppendReserved(std::string_view source, std::string_view payload) {
    Result<uint64_t> seq = wal_->Append(source, payload);
    if (!seq) {
        pipeline_->CancelReservation(payload.size());
        return seq.error();
    }
    pipeline::LiveBatch batch;
    batch.seq = *seq;
    batch.source = std::string(source);
    batch.payload = std::string(payload);
    batch.received_unix_ms = NowUnixMs();
    pipeline_->PushReserved(std::move(batch));
    return Status::Ok();
}

void Service::OnBatch(pipeline::BatchResult& result) {
    const pipeline::LiveBatch& batch = *result.batch;
    batches_in_->Inc();
    events_in_->Inc(result.read.events);
    events_skipped_->Inc(result.read.events_skipped);
    for (const event::ReadIssue& issue : result.issues) {
        Log("serve: " + batch.source + " (batch " + std::to_string(batch.seq) + "): byte " +
            std::to_string(issue.byte_offset) + ", record " + std::to_string(issue.record_index) +
            ": " + issue.message);
    }
    if (!result.matches.empty()) {
        std::vector<findings::FindingInput> inputs;
        inputs.reserve(result.matches.size());
        for (const pipeline::LiveMatch& m : result.matches) {
            inputs.push_back(findings::MakeFindingInput(
                    m.finding, *result.ruleset, m.asff_json, m.event_json));
        }
        Result<std::vector<findings::RecordResult>> recorded =
                store_->RecordBatch(inputs, std::chrono::system_clock::now());
        if (!recorded) {
            // Not marked processed: the batch is replayed from the log at the next start.
            store_errors_->Inc();
            Log("serve: storing the findings of batch " + std::to_string(batch.seq) + " (" +
                batch.source + "): " + recorded.error().message());
            return;
        }
        double latency = static_cast<double>(NowUnixMs() - batch.received_unix_ms) / 1000.0;
        for (size_t i = 0; i < recorded->size(); ++i) {
            const findings::RecordResult& r = (*recorded)[i];
            switch (r.outcome) {
                case findings::RecordOutcome::kNew:
                    findings_new_->Inc();
                    rule_hits_->Inc(inputs[i].rule_id);
                    ingest_to_finding_->Observe(latency);
                    if (!quiet_) {
                        Log("finding " + r.finding_id + " " + inputs[i].rule_id + " (" +
                            inputs[i].severity + ") " + inputs[i].principal + " in " +
                            inputs[i].account + " " + inputs[i].region);
                    }
                    responder_->Enqueue(r.finding_id);
                    if (config_.securityhub) {
                        std::lock_guard<std::mutex> lock(export_mu_);
                        if (export_queue_.size() < 10000) {
                            export_queue_.emplace_back(r.finding_id, inputs[i].asff_json);
                        }
                    }
                    break;
                case findings::RecordOutcome::kAggregated:
                    findings_aggregated_->Inc();
                    rule_hits_->Inc(inputs[i].rule_id);
                    ingest_to_finding_->Observe(latency);
                    break;
                case findings::RecordOutcome::kDuplicate:
                    findings_duplicate_->Inc();
                    break;
                case findings::RecordOutcome::kSuppressed:
                    findings_suppressed_->Inc();
                    rule_hits_->Inc(inputs[i].rule_id);
                    break;
            }
        }
    }
    wal_->MarkProcessed(batch.seq);
}

bool Service::StartServing(const std::string& port_file) {
    pipeline_->Start();
    // Runs interrupted by a crash are finished first, then findings whose response never
    // started; then the log's unprocessed batches are replayed before anything new is taken.
    Status recovered = responder_->Recover();
    if (!recovered.ok()) {
        Log("serve: recovering responses: " + recovered.message());
    }
    responder_->Start();
    if (ctx_->record_evidence) {
        // Runs that settled in the second before a crash: recorded now (idempotent).
        Result<std::vector<response::RunRecord>> recent = ctx_->store->ListRuns(200, std::nullopt);
        if (recent) {
            std::lock_guard<std::mutex> lock(evidence_mu_);
            for (const response::RunRecord& run : *recent) {
                if (run.status != response::RunStatus::kRunning) {
                    evidence_runs_.push_back(run.id);
                }
            }
        }
    }
    uint64_t replayed = 0;
    Status replay = wal_->Replay([&](const pipeline::WalRecord& record) {
        pipeline::LiveBatch batch;
        batch.seq = record.seq;
        batch.source = record.source;
        batch.payload = record.payload;
        batch.received_unix_ms = record.received_unix_ms;
        if (pipeline_->PushWait(std::move(batch))) {
            ++replayed;
        }
    });
    if (!replay.ok()) {
        Log("serve: replaying the write-ahead log: " + replay.message());
    }
    if (replayed > 0) {
        Log("serve: replaying " + std::to_string(replayed) +
            " batch(es) accepted before the last stop and not yet processed");
    }
    std::vector<std::string> pending = wal_->PendingSources();
    fs::path state(config_.state);
    size_t n = 0;
    for (const ServeSource& s : config_.sources) {
        ++n;
        auto deliver = [this](std::string_view source, std::string_view bytes) {
            return Deliver(source, bytes, /*wait=*/false);
        };
        if (s.type == ServeSource::Type::kFolder) {
            pipeline::FolderSourceOptions fo;
            fo.path = s.path;
            fo.poll = s.poll;
            fo.state_file =
                    (state / "sources" /
                     ("folder-" + Sha256Hex(fs::absolute(s.path).string()).substr(0, 16) + ".json"))
                            .string();
            Result<std::unique_ptr<pipeline::FolderSource>> folder =
                    pipeline::FolderSource::Open(fo, pending);
            if (!folder) {
                return StartFailed("source folder " + s.path, folder.error().message());
            }
            (*folder)->Start(deliver);
            Log("serve: watching " + s.path + " every " + std::to_string(s.poll.count()) + " ms");
            folders_.push_back(std::move(*folder));
        } else {
            pipeline::SandboxSourceOptions so;
            so.endpoint_url = s.url;
            so.region = s.region;
            so.wait = s.wait;
            so.state_file =
                    (state / "sources" / ("sandbox-" + Sha256Hex(s.url).substr(0, 16) + ".json"))
                            .string();
            if (!ctx_->base) {
                return StartFailed("source sandbox " + s.url, "no AWS client for its credentials");
            }
            aws::Outcome<aws::Credentials> creds = ctx_->base->credentials()->Resolve();
            if (!creds) {
                return StartFailed("source sandbox " + s.url,
                                   "credentials: " + creds.error().ToString());
            }
            so.credentials = *creds;
            so.log = [this](const std::string& line) {
                Log("serve: " + line);
            };
            Result<std::unique_ptr<pipeline::SandboxSource>> box =
                    pipeline::SandboxSource::Open(so, pending);
            if (!box) {
                return StartFailed("source sandbox " + s.url, box.error().message());
            }
            (*box)->Start(deliver);
            Log("serve: following the sandbox stream at " + s.url);
            sandboxes_.push_back(std::move(*box));
        }
    }
    server::HttpServerOptions ho;
    ho.host = config_.host;
    ho.port = config_.port;
    ho.token = config_.token;
    ho.hmac_secret = config_.hmac_secret;
    ho.max_body_bytes = config_.max_body;
    Result<std::unique_ptr<server::HttpServer>> http =
            server::HttpServer::Start(ho, this, &metrics_);
    if (!http) {
        return StartFailed("listen " + config_.host + ":" + std::to_string(config_.port),
                           http.error().message());
    }
    http_ = std::move(*http);
    ticker_ = std::thread([this] { Tick(); });
    Log("serve: listening on http://" + config_.host + ":" + std::to_string(http_->port()) + " (" +
        std::to_string(rules_->Get()->rule_count()) + " rules, " +
        std::to_string(Playbooks()->playbooks.size()) + " playbooks, " +
        std::to_string(pipeline_->worker_count()) + " detection workers)");
    if (!port_file.empty()) {
        std::ofstream(port_file) << http_->port() << "\n";
    }
    return true;
}

// Once a second: events per second; every seal-every: a periodic evidence digest.
void Service::Tick() {
    uint64_t last_events = events_in_->value();
    auto last = std::chrono::steady_clock::now();
    auto next_seal = last + config_.seal_every;
    std::unique_lock<std::mutex> lock(tick_mu_);
    while (!stopping_) {
        tick_cv_.wait_for(lock, std::chrono::seconds(1));
        if (stopping_) {
            break;
        }
        auto now = std::chrono::steady_clock::now();
        uint64_t events = events_in_->value();
        double seconds = std::chrono::duration<double>(now - last).count();
        if (seconds > 0) {
            events_per_second_->Set(static_cast<double>(events - last_events) / seconds);
        }
        last_events = events;
        last = now;
        if (config_.securityhub) {
            lock.unlock();
            ExportToSecurityHub();
            lock.lock();
        }
        // Evidence of the runs that settled since the last tick is recorded here, then a digest
        // over it is written, both off the response path (the vault fsyncs every object, and a
        // digest's end time must pass before the next one). Every seal-every, a digest even when
        // nothing happened.
        lock.unlock();
        RecordEvidence();
        lock.lock();
        bool periodic = config_.seal_every.count() > 0 && now >= next_seal;
        if (ctx_->record_evidence && (periodic || seal_after_runs_)) {
            if (periodic) {
                next_seal = now + config_.seal_every;
            }
            lock.unlock();
            SealEvidence(periodic);
            lock.lock();
        }
    }
}

// The stored finding's id replaces the first event's finding id, so Security Hub holds one
// finding per firebreak finding (re-imports upsert by Id and ProductArn).
void Service::ExportToSecurityHub() {
    std::vector<std::pair<std::string, std::string>> batch;
    {
        std::lock_guard<std::mutex> lock(export_mu_);
        batch.swap(export_queue_);
    }
    if (batch.empty() || !ctx_->base) {
        return;
    }
    std::vector<std::string> asff;
    for (const auto& [id, json] : batch) {
        Result<JsonValue> parsed = event::ParseJson(json);
        if (!parsed || !parsed->is_object()) {
            continue;
        }
        for (auto& member : parsed->members) {
            if (member.first == "Id") {
                member.second.text = id;
            }
        }
        asff.push_back(event::ToJson(*parsed));
    }
    aws::AwsClient client = config_.securityhub_region.empty()
                                    ? *ctx_->base
                                    : ctx_->base->WithRegion(config_.securityhub_region);
    aws::Outcome<aws::securityhub::BatchImportFindingsResponse> imported =
            aws::securityhub::ImportFindings(client, asff);
    if (!imported) {
        export_errors_->Inc();
        Log("serve: Security Hub import of " + std::to_string(asff.size()) +
            " finding(s): " + imported.error().ToString() + "; retrying at the next tick");
        std::lock_guard<std::mutex> lock(export_mu_);
        for (auto& item : batch) {
            if (export_queue_.size() < 10000) {
                export_queue_.push_back(std::move(item));
            }
        }
        return;
    }
    exported_->Inc(static_cast<uint64_t>(imported->success_count));
    for (const aws::securityhub::ImportFindingsError& failed : imported->failed_findings) {
        Log("serve: Security Hub refused finding " + failed.id + ": " + failed.error_code + ": " +
            failed.error_message);
    }
    auto now = std::chrono::system_clock::now();
    for (const auto& item : batch) {
        bool failed = false;
        for (const aws::securityhub::ImportFindingsError& f : imported->failed_findings) {
            failed = failed || f.id == item.first;
        }
        if (!failed) {
            (void)store_->AddLink(item.first, "securityhub", "imported", now);
        }
    }
}

// Settled runs into the vault (idempotent by ref: a run recorded twice adds nothing).
void Service::RecordEvidence() {
    std::vector<std::string> runs;
    {
        std::lock_guard<std::mutex> lock(evidence_mu_);
        runs.swap(evidence_runs_);
    }
    for (const std::string& run : runs) {
        RecordSettledRun(ctx_, run);
    }
}

void Service::SealEvidence(bool even_if_empty) {
    std::lock_guard<std::mutex> vault_lock(ctx_->vault_mu);
    if (!even_if_empty && (ctx_->vault == nullptr || ctx_->vault->uncovered_count() == 0)) {
        return;
    }
    Result<evidence::Vault*> vault = ContextVault(ctx_, /*create=*/true);
    if (!vault) {
        Log("serve: evidence digest: " + vault.error().message());
        return;
    }
    Result<std::optional<evidence::SealedDigest>> sealed =
            SealVault(ctx_->vault_settings,
                      **vault,
                      even_if_empty,
                      /*key_if_missing=*/true,
                      std::chrono::system_clock::now());
    if (!sealed) {
        Log("serve: evidence digest: " + sealed.error().message());
    } else if (sealed->has_value()) {
        Log("serve: evidence digest " + (*sealed)->key);
    }
}

void Service::Shutdown() {
    if (shut_down_) {
        return;
    }
    shut_down_ = true;
    {
        std::lock_guard<std::mutex> lock(tick_mu_);
        stopping_ = true;
    }
    tick_cv_.notify_all();
    if (http_) {
        http_->Stop();
    }
    for (auto& f : folders_) {
        f->Stop();
    }
    for (auto& s : sandboxes_) {
        s->Stop();
    }
    if (pipeline_) {
        pipeline_->Stop();  // processes what is queued
    }
    if (responder_) {
        responder_->Stop();  // what is not started stays pending in the store
    }
    if (ticker_.joinable()) {
        ticker_.join();
    }
    if (ctx_->record_evidence) {
        RecordEvidence();
        if (seal_after_runs_) {
            SealEvidence(false);  // what the last runs recorded
        }
    }
    if (wal_) {
        Status flushed = wal_->Flush();
        if (!flushed.ok()) {
            Log("serve: write-ahead log: " + flushed.message());
        }
    }
}

Status Service::Reload(std::string* summary) {
    std::lock_guard<std::mutex> lock(reload_mu_);
    Diagnostics diags;
    Result<std::shared_ptr<const matcher::CompiledRuleset>> ruleset = LoadRules(&diags);
    std::shared_ptr<const response::PlaybookSet> playbooks = LoadPlaybooks(&diags);
    std::string problems;
    for (const Diagnostic& d : diags.items()) {
        problems += d.ToString() + "\n";
    }
    if (!ruleset || playbooks == nullptr) {
        return InvalidArgument("reload refused, the running rules and playbooks stay:\n" +
                               problems);
    }
    size_t rule_count = (*ruleset)->rule_count();
    rules_->Set(std::move(*ruleset));
    std::atomic_store(&playbooks_, playbooks);
    reloads_->Inc();
    *summary = std::to_string(rule_count) + " rules, " +
               std::to_string(playbooks->playbooks.size()) + " playbooks (generation " +
               std::to_string(rules_->generation()) + ")";
    Log("serve: reloaded: " + *summary);
    return Status::Ok();
}

server::IngestReply Service::Ingest(const server::IngestRequest& request) {
    server::IngestReply reply;
    // Room first: under overload a request is refused before any parsing is spent on it.
    size_t reserved = request.body.size();
    auto busy = [this] {
        ingest_refused_->Inc();
        server::IngestReply r;
        r.status = 503;
        r.retry_after_seconds = 1;
        r.body = "{\"error\":\"the detection queue is full; retry later\"}";
        return r;
    };
    if (!pipeline_->TryReserve(reserved)) {
        return busy();
    }
    std::string_view payload = request.body;
    std::string converted;
    // Validate before accepting: a body in which nothing is an event is refused whole, with
    // where the problem is; readable events are accepted and bad records are counted.
    static thread_local std::unique_ptr<event::EventReader> reader;
    static thread_local event::FieldPlan empty_plan;
    if (reader == nullptr) {
        reader = std::make_unique<event::EventReader>(empty_plan, event::ReaderOptions());
    }
    size_t bad_entries = 0;
    if (!event::LooksGzipped(payload)) {
        size_t first = payload.find_first_not_of(" \t\r\n");
        if (first != std::string_view::npos && payload[first] == '{' &&
            payload.find("\"Entries\"") != std::string_view::npos) {
            Result<JsonValue> body = event::ParseJson(payload);
            const JsonValue* entries = body && body->is_object() ? body->Find("Entries") : nullptr;
            if (entries != nullptr && entries->is_array() && body->Find("Records") == nullptr) {
                Result<std::string> envelopes = PutEventsToEnvelopes(*body, &bad_entries);
                converted = std::move(*envelopes);
                payload = converted;
            }
        }
    }
    std::vector<event::ReadIssue> issues;
    event::ReadStats stats = reader->ReadBytes(
            payload, [](const event::ExtractedEvent&, uint64_t) {}, &issues);
    std::string issues_json = "[";
    for (size_t i = 0; i < issues.size() && i < 10; ++i) {
        if (i > 0) {
            issues_json += ",";
        }
        issues_json += "{\"byte_offset\":" + std::to_string(issues[i].byte_offset) +
                       ",\"record\":" + std::to_string(issues[i].record_index) +
                       ",\"message\":" + JsonQuote(issues[i].message) + "}";
    }
    issues_json += "]";
    if (stats.events == 0) {
        pipeline_->CancelReservation(reserved);
        ingest_rejected_->Inc();
        reply.status = 400;
        reply.body = "{\"error\":\"no event could be read from the body\",\"skipped\":" +
                     std::to_string(stats.events_skipped + bad_entries) +
                     ",\"issues\":" + issues_json + "}";
        return reply;
    }
    if (payload.size() != reserved) {  // a PutEvents body became envelopes
        pipeline_->CancelReservation(reserved);
        if (!pipeline_->TryReserve(payload.size())) {
            return busy();
        }
    }
    Status delivered = AppendReserved("http:" + request.remote, payload);
    if (!delivered.ok()) {
        reply.status = 500;
        reply.body = "{\"error\":" + JsonQuote("not accepted: " + delivered.message()) + "}";
        return reply;
    }
    reply.status = 202;
    reply.body = "{\"accepted\":" + std::to_string(stats.events) +
                 ",\"skipped\":" + std::to_string(stats.events_skipped + bad_entries) +
                 ",\"issues\":" + issues_json + "}";
    return reply;
}

// ---- REST API -------------------------------------------------------------------------------

ApiResponse Service::Handle(std::string_view route, const ApiRequest& req) {
    if (route == "health") {
        return Json(200, "{\"status\":\"ok\"}");
    }
    if (route == "metrics") {
        ApiResponse r;
        r.content_type = "text/plain; version=0.0.4";
        r.body = metrics_.Render();
        return r;
    }
    if (route == "findings.list") {
        return ListFindings(req);
    }
    if (route == "findings.get") {
        Result<std::optional<findings::StoredFinding>> f = store_->Get(req.path_params.at("id"));
        if (!f) {
            return Error(f.error());
        }
        if (!f->has_value()) {
            return Error(404, "no finding " + req.path_params.at("id"));
        }
        return Json(200, findings::FindingJson(**f));
    }
    if (route == "findings.update") {
        return UpdateFinding(req);
    }
    if (route == "suppressions.list") {
        Result<std::vector<findings::Suppression>> list = store_->ListSuppressions(
                QueryValue(req, "expired") == "true", std::chrono::system_clock::now());
        if (!list) {
            return Error(list.error());
        }
        std::string body = "{\"suppressions\":[";
        for (size_t i = 0; i < list->size(); ++i) {
            body += (i > 0 ? "," : "") + findings::SuppressionJson((*list)[i]);
        }
        return Json(200, body + "]}");
    }
    if (route == "suppressions.add") {
        return AddSuppression(req);
    }
    if (route == "suppressions.delete") {
        Status deleted = store_->DeleteSuppression(req.path_params.at("id"));
        if (!deleted.ok()) {
            return Error(deleted);
        }
        return Json(200, "{\"deleted\":" + JsonQuote(req.path_params.at("id")) + "}");
    }
    if (route == "runs.list") {
        return ListRuns(req);
    }
    if (route == "runs.get") {
        response::Engine engine(MakeEngineOptions(ctx_, true));
        Result<std::optional<response::RunRecord>> run =
                ctx_->store->FindRun(req.path_params.at("id"));
        if (!run) {
            return Error(run.error());
        }
        if (!run->has_value()) {
            return Error(404, "no run " + req.path_params.at("id"));
        }
        Result<response::RunReport> report = engine.Report((*run)->id);
        if (!report) {
            return Error(report.error());
        }
        return Json(200, event::ToJson(ReportJson(*report)));
    }
    if (route == "runs.approve" || route == "runs.deny") {
        return DecideRun(req, route == "runs.approve");
    }
    if (route == "rules.list") {
        return ListRules();
    }
    if (route == "playbooks.list") {
        return ListPlaybooks();
    }
    if (route == "reload") {
        std::string summary;
        Status reloaded = Reload(&summary);
        if (!reloaded.ok()) {
            return Error(422, reloaded.message());
        }
        return Json(200, "{\"reloaded\":" + JsonQuote(summary) + "}");
    }
    if (route == "evidence.list") {
        return ListEvidence(req);
    }
    if (route == "evidence.verify") {
        return VerifyEvidence();
    }
    if (route == "stats") {
        return Stats();
    }
    return Error(404, "no route " + std::string(route));
}

ApiResponse Service::ListFindings(const ApiRequest& req) {
    findings::FindingFilter filter;
    std::string status = QueryValue(req, "status");
    if (!status.empty()) {
        filter.status = findings::ParseStatus(status);
        if (!filter.status) {
            return Error(400,
                         "status: expected NEW, NOTIFIED, IN_PROGRESS, RESOLVED or SUPPRESSED");
        }
    }
    filter.rule_id = QueryValue(req, "rule");
    filter.account = QueryValue(req, "account");
    filter.severity = QueryValue(req, "severity");
    filter.principal = QueryValue(req, "principal");
    filter.since = QueryValue(req, "since");
    for (const char* key : {"limit", "offset"}) {
        std::string text = QueryValue(req, key);
        if (text.empty()) {
            continue;
        }
        char* end = nullptr;
        long n = std::strtol(text.c_str(), &end, 10);
        if (end == nullptr || *end != '\0' || n < 0 || n > 1000000) {
            return Error(400, std::string(key) + ": expected a whole number");
        }
        (std::string_view(key) == "limit" ? filter.limit : filter.offset) = static_cast<int>(n);
    }
    Result<std::vector<findings::StoredFinding>> list = store_->List(filter);
    if (!list) {
        return Error(list.error());
    }
    std::string body = "{\"findings\":[";
    for (size_t i = 0; i < list->size(); ++i) {
        body += (i > 0 ? "," : "") + findings::FindingJson((*list)[i]);
    }
    body += "],\"count\":" + std::to_string(list->size()) + "}";
    return Json(200, body);
}

ApiResponse Service::UpdateFinding(const ApiRequest& req) {
    Result<JsonValue> body = BodyObject(req);
    if (!body) {
        return Error(body.error());
    }
    std::optional<findings::FindingStatus> status =
            findings::ParseStatus(TextMember(*body, "status"));
    if (!status) {
        return Error(400, "status: expected NEW, NOTIFIED, IN_PROGRESS, RESOLVED or SUPPRESSED");
    }
    std::string by = TextMember(*body, "by");
    Status updated = store_->UpdateStatus(req.path_params.at("id"),
                                          *status,
                                          TextMember(*body, "note"),
                                          by.empty() ? "api" : by,
                                          std::chrono::system_clock::now());
    if (!updated.ok()) {
        return Error(updated);
    }
    Result<std::optional<findings::StoredFinding>> f = store_->Get(req.path_params.at("id"));
    if (!f || !f->has_value()) {
        return Error(500, "updated, but the finding could not be read back");
    }
    return Json(200, findings::FindingJson(**f));
}

ApiResponse Service::AddSuppression(const ApiRequest& req) {
    Result<JsonValue> body = BodyObject(req);
    if (!body) {
        return Error(body.error());
    }
    findings::Suppression s;
    s.rule = TextMember(*body, "rule");
    s.account = TextMember(*body, "account");
    s.principal = TextMember(*body, "principal");
    s.resource = TextMember(*body, "resource");
    s.reason = TextMember(*body, "reason");
    s.expires_at = TextMember(*body, "expires_at");
    s.created_by = TextMember(*body, "by");
    if (s.created_by.empty()) {
        s.created_by = "api";
    }
    Result<findings::Suppression> added =
            store_->AddSuppression(std::move(s), std::chrono::system_clock::now());
    if (!added) {
        return Error(added.error());
    }
    return Json(201, findings::SuppressionJson(*added));
}

ApiResponse Service::ListRuns(const ApiRequest& req) {
    std::optional<response::RunStatus> status;
    std::string status_text = QueryValue(req, "status");
    if (!status_text.empty()) {
        status = response::ParseRunStatus(status_text);
        if (!status) {
            return Error(400, "status: not a run status (planned, running, waiting-approval, ...)");
        }
    }
    int limit = 100;
    std::string limit_text = QueryValue(req, "limit");
    if (!limit_text.empty()) {
        limit = std::atoi(limit_text.c_str());
        if (limit < 1 || limit > 10000) {
            return Error(400, "limit: expected 1..10000");
        }
    }
    Result<std::vector<response::RunRecord>> runs = ctx_->store->ListRuns(limit, status);
    if (!runs) {
        return Error(runs.error());
    }
    std::string body = "{\"runs\":[";
    for (size_t i = 0; i < runs->size(); ++i) {
        const response::RunRecord& r = (*runs)[i];
        body += std::string(i > 0 ? "," : "") + "{\"id\":" + JsonQuote(r.id) +
                ",\"playbook\":" + JsonQuote(r.playbook_id) +
                ",\"apply\":" + (r.apply ? "true" : "false") +
                ",\"status\":" + JsonQuote(std::string(response::RunStatusName(r.status))) +
                ",\"case\":" + JsonQuote(r.case_id) + ",\"account\":" + JsonQuote(r.account) +
                ",\"region\":" + JsonQuote(r.region) + ",\"finding\":" + JsonQuote(r.finding_id) +
                ",\"created_at\":" + JsonQuote(r.created_at) +
                ",\"updated_at\":" + JsonQuote(r.updated_at) + ",\"error\":" + JsonQuote(r.error) +
                "}";
    }
    return Json(200, body + "]}");
}

ApiResponse Service::DecideRun(const ApiRequest& req, bool approve) {
    Result<JsonValue> body = BodyObject(req);
    if (!body) {
        return Error(body.error());
    }
    std::string by = TextMember(*body, "by");
    if (by.empty()) {
        return Error(400, "by: who decides (a name the playbook's approvers list, or yours)");
    }
    Result<response::RunReport> report = responder_->Decide(req.path_params.at("id"),
                                                            TextMember(*body, "step"),
                                                            approve,
                                                            by,
                                                            TextMember(*body, "reason"));
    if (!report) {
        return Error(report.error());
    }
    return Json(200, event::ToJson(ReportJson(*report)));
}

ApiResponse Service::ListRules() {
    std::shared_ptr<const matcher::CompiledRuleset> rs = rules_->Get();
    std::string body = "{\"generation\":" + std::to_string(rules_->generation()) + ",\"rules\":[";
    for (size_t i = 0; i < rs->rule_count(); ++i) {
        const rules::Rule& r = rs->rule(i);
        body += std::string(i > 0 ? "," : "") + "{\"id\":" + JsonQuote(r.id) +
                ",\"title\":" + JsonQuote(r.title) +
                ",\"severity\":" + JsonQuote(std::string(rules::SeverityName(r.severity))) +
                ",\"hits\":" + std::to_string(rule_hits_->value(r.id)) + "}";
    }
    return Json(200, body + "]}");
}

ApiResponse Service::ListPlaybooks() {
    std::shared_ptr<const response::PlaybookSet> set = Playbooks();
    std::string body = "{\"playbooks\":[";
    bool first = true;
    for (const auto& pb : set->playbooks) {
        body += std::string(first ? "" : ",") + "{\"id\":" + JsonQuote(pb->id) +
                ",\"title\":" + JsonQuote(pb->title) + ",\"origin\":" + JsonQuote(pb->origin) +
                ",\"triggers\":" + std::to_string(pb->triggers.size()) +
                ",\"steps\":" + std::to_string(pb->steps.size()) + "}";
        first = false;
    }
    return Json(200, body + "]}");
}

ApiResponse Service::ListEvidence(const ApiRequest& req) {
    std::lock_guard<std::mutex> lock(ctx_->vault_mu);
    Result<evidence::Vault*> vault = ContextVault(ctx_, /*create=*/true);
    if (!vault) {
        return Error(vault.error());
    }
    Status refreshed = (*vault)->Refresh();
    if (!refreshed.ok()) {
        return Error(refreshed);
    }
    std::string body = "{\"entries\":[";
    bool first = true;
    for (const evidence::EvidenceEntry* e : (*vault)->Entries(QueryValue(req, "case"))) {
        body += std::string(first ? "" : ",") + evidence::SerializeEntry(*e);
        first = false;
    }
    return Json(200, body + "]}");
}

ApiResponse Service::VerifyEvidence() {
    std::lock_guard<std::mutex> lock(ctx_->vault_mu);
    Result<evidence::Vault*> vault = ContextVault(ctx_, /*create=*/true);
    if (!vault) {
        return Error(vault.error());
    }
    Status refreshed = (*vault)->Refresh();
    if (!refreshed.ok()) {
        return Error(refreshed);
    }
    Result<std::string> keys_text =
            ReadFileToString(ctx_->vault_settings.keys + "/public-keys.json");
    if (!keys_text) {
        return Error(409, "no published keys yet (nothing sealed): " + keys_text.error().message());
    }
    Result<std::vector<evidence::PublishedKey>> keys = evidence::ParsePublishedKeys(*keys_text);
    if (!keys) {
        return Error(keys.error());
    }
    evidence::VaultVerifyOptions options;
    options.expected_head = RecordedHead(ctx_->vault_settings, **vault);
    evidence::VaultVerifyReport report =
            evidence::VerifyVault((*vault)->backend(), (*vault)->descriptor(), *keys, options);
    return Json(report.ok() ? 200 : 409, evidence::RenderVerifyJson(report));
}

ApiResponse Service::Stats() {
    const pipeline::LiveCounters& c = pipeline_->counters();
    pipeline::WalStats w = wal_->stats();
    const pipeline::ResponderCounters& r = responder_->counters();
    Result<findings::FindingCounts> counts = store_->Counts();
    std::string body = "{\"events\":" + std::to_string(c.events.load()) +
                       ",\"events_skipped\":" + std::to_string(c.events_skipped.load()) +
                       ",\"batches\":" + std::to_string(c.batches.load()) +
                       ",\"matches\":" + std::to_string(c.matches.load()) +
                       ",\"queue_batches\":" + std::to_string(pipeline_->queue_batches()) +
                       ",\"wal\":{\"appended\":" + std::to_string(w.appended) +
                       ",\"fsyncs\":" + std::to_string(w.fsyncs) +
                       ",\"checkpoint\":" + std::to_string(wal_->checkpoint()) +
                       ",\"last_seq\":" + std::to_string(wal_->last_seq()) +
                       "},\"responder\":{\"findings\":" + std::to_string(r.findings.load()) +
                       ",\"runs_started\":" + std::to_string(r.runs_started.load()) +
                       ",\"auto_applied\":" + std::to_string(r.auto_applied.load()) +
                       ",\"waiting_approval\":" + std::to_string(r.waiting_approval.load()) +
                       ",\"runs_resumed\":" + std::to_string(r.runs_resumed.load()) +
                       ",\"errors\":" + std::to_string(r.errors.load()) + "}";
    if (counts) {
        body += ",\"findings\":{\"total\":" + std::to_string(counts->total) +
                ",\"events\":" + std::to_string(counts->events);
        for (int i = 0; i < 5; ++i) {
            body += ",\"" +
                    std::string(findings::StatusName(static_cast<findings::FindingStatus>(i))) +
                    "\":" + std::to_string(counts->by_status[static_cast<size_t>(i)]);
        }
        body += "}";
    }
    return Json(200, body + "}");
}

}  // namespace

CLI::App* AddServeCommand(CLI::App& app, ServeFlags* flags) {
    CLI::App* cmd = app.add_subcommand(
            "serve",
            "Run the live pipeline: ingest (HTTP, CloudTrail folders, the sandbox stream), "
            "detect, respond with playbooks, notify, keep evidence; REST API and metrics");
    cmd->add_option("--config,-c", flags->config, "firebreak.yaml (see examples/firebreak.yaml)")
            ->required();
    cmd->add_option("--listen", flags->listen, "host:port to bind (overrides serve.listen)");
    cmd->add_option("--state", flags->state, "State folder (overrides serve.state)");
    cmd->add_option("--token-env",
                    flags->token_env,
                    "Read the API token from this environment variable (overrides serve.token)");
    cmd->add_option("--port-file", flags->port_file, "Write the bound port here once listening");
    cmd->add_option("--endpoint-url",
                    flags->endpoint_url,
                    "AWS endpoint for playbook calls (e.g. the sandbox)");
    cmd->add_option("--region", flags->region, "AWS region");
    cmd->add_option("--profile", flags->profile, "AWS profile");
    cmd->add_flag("--quiet,-q", flags->quiet, "No line per finding on stderr");
    return cmd;
}

int RunServe(const ServeFlags& flags) {
    // Signals are taken by one waiting thread: block them before any thread starts.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up is an error on its socket only

    ServeConfig config;
    Diagnostics diags;
    Context ctx;
    ResponseFlags rflags;
    rflags.endpoint_url = flags.endpoint_url;
    rflags.region = flags.region;
    rflags.profile = flags.profile;
    // The file is read once: the response sections into the context, serve's into `config`.
    // serve.state is only known then, so the run journal is opened after.
    bool loaded = LoadConfigFile(
            flags.config, &ctx, &diags, [&](const std::string& key, const rules::Node& value) {
                return LoadServeKey(key, value, &config, &diags);
            });
    if (!loaded) {
        PrintDiagnostics(diags);
        return kExitUsage;
    }
    if (!flags.state.empty()) {
        config.state = flags.state;
    }
    if (!flags.listen.empty() && !ParseListen(flags.listen, &config.host, &config.port)) {
        std::fprintf(stderr, "firebreak serve: --listen wants host:port\n");
        return kExitUsage;
    }
    if (!flags.token_env.empty()) {
        const char* token = std::getenv(flags.token_env.c_str());
        if (token == nullptr || *token == '\0') {
            std::fprintf(stderr,
                         "firebreak serve: --token-env: %s is not set\n",
                         flags.token_env.c_str());
            return kExitUsage;
        }
        config.token = token;
    }
    SourcePos file_pos;
    file_pos.file = flags.config;
    file_pos.line = 1;
    file_pos.column = 1;
    CheckServeConfig(config, file_pos, &diags);
    PrintDiagnostics(diags);
    if (diags.has_errors()) {
        return kExitUsage;
    }
    rflags.state = (fs::path(config.state) / "runs.db").string();
    if (!BuildContext(rflags, true, &ctx)) {  // the config is already in ctx
        return kExitUsage;
    }
    LearnCaller(&ctx);
    bool seal_after_runs = ctx.vault_settings.seal_after_run;
    ctx.vault_settings.seal_after_run = false;
    RuleFlags rule_flags;
    rule_flags.packs = config.rules;
    rule_flags.no_builtin = !config.builtin_rules;
    bool quiet = flags.quiet;
    auto service = std::make_unique<Service>(config, &ctx, quiet);
    service->SetSealAfterRuns(seal_after_runs);
    ctx.evidence_log = [svc = service.get()](const std::string& line) {
        svc->Log(line);
    };
    if (!service->Init(rule_flags)) {
        return kExitUsage;
    }
    if (!service->StartServing(flags.port_file)) {
        service->Shutdown();
        return kExitProblem;
    }
    for (;;) {
        int sig = 0;
        if (sigwait(&signals, &sig) != 0) {
            continue;
        }
        if (sig == SIGHUP) {
            std::string summary;
            Status reloaded = service->Reload(&summary);
            if (!reloaded.ok()) {
                service->Log("serve: SIGHUP: " + reloaded.message());
            }
            continue;
        }
        service->Log("serve: stopping (signal " + std::to_string(sig) +
                     "): finishing queued batches");
        break;
    }
    service->Shutdown();
    service->Log("serve: stopped");
    return kExitOk;
}

}  // namespace firebreak::cli
