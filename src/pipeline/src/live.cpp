#include "firebreak/pipeline/live.h"

#include <algorithm>
#include <utility>

#include "firebreak/event/json_tree.h"
#include "firebreak/evidence/gzip.h"

namespace firebreak::pipeline {

struct WorkerState {
    std::shared_ptr<const matcher::CompiledRuleset> ruleset;
    std::unique_ptr<event::EventReader> reader;
    std::unique_ptr<matcher::MatchScratch> scratch;
    std::vector<uint32_t> matched;
};

LivePipeline::LivePipeline(LiveOptions options, const RulesetHolder* rules, BatchSink sink)
    : options_(std::move(options)),
      rules_(rules),
      sink_(std::move(sink)) {
    if (options_.max_batches == 0) {
        options_.max_batches = 1;
    }
}

LivePipeline::~LivePipeline() {
    Stop();
}

void LivePipeline::Start() {
    unsigned n = options_.workers != 0 ? options_.workers : std::thread::hardware_concurrency();
    n = std::max(1u, n);
    for (unsigned i = 0; i < n; ++i) {
        workers_.emplace_back([this] { Work(); });
    }
}

bool LivePipeline::TryReserve(size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    // One batch larger than the byte budget is still taken when the queue is empty, so a big
    // log file is never refused forever.
    bool room = reserved_batches_ < options_.max_batches &&
                (reserved_bytes_ + bytes <= options_.max_bytes || reserved_batches_ == 0);
    if (stopping_ || !room) {
        counters_.refused_full.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    ++reserved_batches_;
    reserved_bytes_ += bytes;
    return true;
}

void LivePipeline::CancelReservation(size_t bytes) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        --reserved_batches_;
        reserved_bytes_ -= std::min(bytes, reserved_bytes_);
    }
    has_room_.notify_all();
}

void LivePipeline::PushReserved(LiveBatch batch) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        queued_bytes_ += batch.payload.size();
        queue_.push_back(std::move(batch));
    }
    has_work_.notify_one();
}

bool LivePipeline::PushWait(LiveBatch batch) {
    size_t bytes = batch.payload.size();
    {
        std::unique_lock<std::mutex> lock(mu_);
        has_room_.wait(lock, [&] {
            return stopping_ ||
                   (reserved_batches_ < options_.max_batches &&
                    (reserved_bytes_ + bytes <= options_.max_bytes || reserved_batches_ == 0));
        });
        if (stopping_) {
            return false;
        }
        ++reserved_batches_;
        reserved_bytes_ += bytes;
        queued_bytes_ += bytes;
        queue_.push_back(std::move(batch));
    }
    has_work_.notify_one();
    return true;
}

void LivePipeline::Stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_ && workers_.empty()) {
            return;
        }
        stopping_ = true;
    }
    has_work_.notify_all();
    has_room_.notify_all();
    for (std::thread& t : workers_) {
        if (t.joinable()) {
            t.join();
        }
    }
    workers_.clear();
}

size_t LivePipeline::queue_batches() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
}

size_t LivePipeline::queue_bytes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queued_bytes_;
}

void LivePipeline::Work() {
    WorkerState state;
    for (;;) {
        LiveBatch batch;
        {
            std::unique_lock<std::mutex> lock(mu_);
            has_work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) {
                return;  // stopping and drained
            }
            batch = std::move(queue_.front());
            queue_.pop_front();
            queued_bytes_ -= std::min(batch.payload.size(), queued_bytes_);
        }
        Process(batch, state);
        {
            std::lock_guard<std::mutex> lock(mu_);
            --reserved_batches_;
            reserved_bytes_ -= std::min(batch.payload.size(), reserved_bytes_);
        }
        has_room_.notify_all();
    }
}

void LivePipeline::Process(LiveBatch& batch, WorkerState& state) {
    std::shared_ptr<const matcher::CompiledRuleset> ruleset = rules_->Get();
    if (ruleset != state.ruleset) {
        if (state.ruleset != nullptr) {
            counters_.ruleset_swaps.fetch_add(1, std::memory_order_relaxed);
        }
        state.ruleset = ruleset;
        state.reader = std::make_unique<event::EventReader>(ruleset->plan(), options_.reader);
        state.scratch = std::make_unique<matcher::MatchScratch>(*ruleset);
    }
    BatchResult result;
    result.batch = &batch;
    result.ruleset = ruleset;
    std::vector<event::ReadIssue> issues;
    const matcher::CompiledRuleset& rs = *ruleset;
    auto on_event = [&](const event::ExtractedEvent& ev, uint64_t record) {
        state.matched.clear();
        rs.Match(ev, *state.scratch, &state.matched);
        for (uint32_t rule : state.matched) {
            LiveMatch m;
            m.finding = findings::BuildFinding(rs, rule, ev, batch.source, record);
            result.matches.push_back(std::move(m));
        }
    };
    result.read = state.reader->ReadBytes(batch.payload, on_event, &issues);
    if (issues.size() > options_.max_issues) {
        issues.resize(options_.max_issues);
    }
    result.issues = std::move(issues);
    if (!result.matches.empty()) {
        std::vector<std::pair<std::string, std::string>> records = RecordsById(batch.payload);
        for (LiveMatch& m : result.matches) {
            m.asff_json = findings::ToAsffJson(m.finding, options_.asff);
            for (const auto& record : records) {
                if (!m.finding.event_id.empty() && record.first == m.finding.event_id) {
                    m.event_json = record.second;
                    break;
                }
            }
        }
    }
    counters_.batches.fetch_add(1, std::memory_order_relaxed);
    counters_.events.fetch_add(result.read.events, std::memory_order_relaxed);
    counters_.events_skipped.fetch_add(result.read.events_skipped, std::memory_order_relaxed);
    counters_.matches.fetch_add(result.matches.size(), std::memory_order_relaxed);
    if (result.read.input_unusable) {
        counters_.batches_unusable.fetch_add(1, std::memory_order_relaxed);
    }
    sink_(result);
}

namespace {

void AddRecord(const event::JsonValue& record,
               std::vector<std::pair<std::string, std::string>>* out) {
    if (!record.is_object()) {
        return;
    }
    std::string json;
    auto add = [&](const event::JsonValue* id) {
        if (id != nullptr && id->is_string() && !id->text.empty()) {
            if (json.empty()) {
                json = event::ToJson(record);
            }
            out->emplace_back(id->text, json);
        }
    };
    add(record.Find("eventID"));
    const event::JsonValue* detail = record.Find("detail");
    if (detail != nullptr && detail->is_object()) {
        add(detail->Find("eventID"));
    }
    add(record.Find("id"));
}

void AddDocument(const event::JsonValue& doc,
                 std::vector<std::pair<std::string, std::string>>* out) {
    if (doc.is_array()) {
        for (const event::JsonValue& item : doc.items) {
            AddRecord(item, out);
        }
        return;
    }
    const event::JsonValue* records = doc.is_object() ? doc.Find("Records") : nullptr;
    if (records != nullptr && records->is_array()) {
        for (const event::JsonValue& item : records->items) {
            AddRecord(item, out);
        }
        return;
    }
    AddRecord(doc, out);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> RecordsById(std::string_view payload) {
    std::vector<std::pair<std::string, std::string>> out;
    std::string inflated;
    if (event::LooksGzipped(payload)) {
        Result<std::string> text = evidence::GzipDecompress(payload, 1u << 30);
        if (!text) {
            return out;
        }
        inflated = std::move(*text);
        payload = inflated;
    }
    Result<event::JsonValue> whole = event::ParseJson(payload);
    if (whole) {
        AddDocument(*whole, &out);
        return out;
    }
    // JSON Lines (or concatenated documents one per line).
    size_t start = 0;
    while (start < payload.size()) {
        size_t end = payload.find('\n', start);
        if (end == std::string_view::npos) {
            end = payload.size();
        }
        std::string_view line = payload.substr(start, end - start);
        start = end + 1;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
            continue;
        }
        Result<event::JsonValue> doc = event::ParseJson(line);
        if (doc) {
            AddDocument(*doc, &out);
        }
    }
    return out;
}

}  // namespace firebreak::pipeline
