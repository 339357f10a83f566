#include "firebreak/pipeline/live.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
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
        std::vector<std::string> ids;
        for (const LiveMatch& m : result.matches) {
            if (!m.finding.event_id.empty() &&
                std::find(ids.begin(), ids.end(), m.finding.event_id) == ids.end()) {
                ids.push_back(m.finding.event_id);
            }
        }
        std::vector<std::pair<std::string, std::string>> records = RecordsById(batch.payload, ids);
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

// The id a record is known by when it is `id`: CloudTrail's eventID, an unwrapped envelope's
// detail.eventID, or the EventBridge id.
bool RecordHasId(const event::JsonValue& record, std::string_view id) {
    if (!record.is_object()) {
        return false;
    }
    auto is = [&](const event::JsonValue* v) {
        return v != nullptr && v->is_string() && v->text == id;
    };
    const event::JsonValue* detail = record.Find("detail");
    return is(record.Find("eventID")) || is(record.Find("id")) ||
           (detail != nullptr && detail->is_object() && is(detail->Find("eventID")));
}

// Whether the object starting at `start` is the value of a "detail" member.
bool IsDetailValue(std::string_view text, size_t start) {
    size_t i = start;
    auto skip_space = [&] {
        while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\n' || text[i - 1] == '\r' ||
                         text[i - 1] == '\t')) {
            --i;
        }
    };
    skip_space();
    if (i == 0 || text[i - 1] != ':') {
        return false;
    }
    --i;
    skip_space();
    constexpr std::string_view kKey = "\"detail\"";
    return i >= kKey.size() && text.substr(i - kKey.size(), kKey.size()) == kKey;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> RecordsById(std::string_view payload,
                                                             const std::vector<std::string>& ids) {
    std::vector<std::pair<std::string, std::string>> out;
    if (ids.empty()) {
        return out;
    }
    std::string inflated;
    if (event::LooksGzipped(payload)) {
        Result<std::string> text = evidence::GzipDecompress(payload, 1u << 30);
        if (!text) {
            return out;
        }
        inflated = std::move(*text);
        payload = inflated;
    }

    // Where each id appears as a JSON string ("<id>"): findings are rare, so this is a few
    // searches, not a parse of the whole batch.
    struct Occurrence {
        size_t pos;
        size_t id;
        std::vector<size_t> enclosing;  // starts of the objects around it, innermost last
    };

    std::vector<Occurrence> occurrences;
    for (size_t i = 0; i < ids.size(); ++i) {
        std::string needle = "\"" + ids[i] + "\"";
        for (size_t at = payload.find(needle); at != std::string_view::npos;
             at = payload.find(needle, at + 1)) {
            occurrences.push_back(Occurrence{at, i, {}});
        }
    }
    if (occurrences.empty()) {
        return out;
    }
    std::sort(occurrences.begin(), occurrences.end(), [](const auto& a, const auto& b) {
        return a.pos < b.pos;
    });
    // One pass over the text, tracking strings and the stack of open objects: the objects that
    // enclose each occurrence, and where those objects end.
    std::vector<size_t> stack;
    std::unordered_map<size_t, size_t> ends;  // object start -> end (one past '}')
    size_t next = 0;
    bool in_string = false;
    for (size_t i = 0; i < payload.size(); ++i) {
        char c = payload[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        while (next < occurrences.size() && occurrences[next].pos < i) {
            ++next;  // inside a string: not a value of its own
        }
        if (next < occurrences.size() && occurrences[next].pos == i) {
            occurrences[next].enclosing = stack;
            for (size_t start : stack) {
                ends.emplace(start, 0);
            }
            ++next;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{') {
            stack.push_back(i);
        } else if (c == '}' && !stack.empty()) {
            auto it = ends.find(stack.back());
            if (it != ends.end()) {
                it->second = i + 1;
            }
            stack.pop_back();
        }
    }
    std::vector<bool> done(ids.size(), false);
    for (const Occurrence& occ : occurrences) {
        if (done[occ.id]) {
            continue;
        }
        // The record is the innermost enclosing object that has the id as its own, or the
        // envelope around it whose detail it is (an unwrapped envelope is matched whole).
        std::optional<event::JsonValue> record;
        size_t levels = 0;
        for (auto it = occ.enclosing.rbegin(); it != occ.enclosing.rend() && levels < 3;
             ++it, ++levels) {
            // Past a match, only an envelope whose "detail" the match is is worth a look (never
            // parse a whole {"Records": [...]} around it).
            if (record.has_value() && !IsDetailValue(payload, *(it - 1))) {
                break;
            }
            size_t end = ends[*it];
            if (end <= *it) {
                break;  // unterminated
            }
            Result<event::JsonValue> candidate = event::ParseJson(payload.substr(*it, end - *it));
            if (candidate && RecordHasId(*candidate, ids[occ.id])) {
                record = std::move(*candidate);
            } else if (record.has_value()) {
                break;
            }
        }
        if (record.has_value()) {
            out.emplace_back(ids[occ.id], event::ToJson(*record));
            done[occ.id] = true;
        }
    }
    return out;
}

}  // namespace firebreak::pipeline
