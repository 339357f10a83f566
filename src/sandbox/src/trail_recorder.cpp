// File: trail_recorder.cpp
//
// TrailRecorder: buffers CloudTrail records per delivery (bucket, prefix, account, region) and
// writes them as gzipped {"Records":[...]} log files in CloudTrail's S3 layout, by size, by age
// (a background flusher thread), on Flush() and at shutdown; and fans EventBridge envelopes out to
// live subscribers' bounded queues. TrailDigester: the signed digest files of log file
// validation, one per trail, region and digest period, chained per trail and region.
//
// Locking: mu_ guards the buffers and the file stats; files are compressed and written without
// it, so Append callers only wait for the file they themselves complete. Each Subscription has
// its own lock; subscribers_mu_ guards the subscriber list and is held while an envelope is pushed
// to every queue, so all subscribers see envelopes in the same order.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <string>
#include <system_error>
#include <utility>

#include <libdeflate.h>

#include "firebreak/core/assert.h"
#include "firebreak/core/crypto.h"
#include "firebreak/evidence/digest.h"
#include "firebreak/evidence/gzip.h"
#include "firebreak/sandbox/trail.h"
#include "firebreak/sandbox/world.h"

namespace firebreak::sandbox {
namespace {

namespace fs = std::filesystem;

// `count` characters from [A-Za-z0-9], uniformly (rejection sampling over random bytes).
std::string RandomAlnum(size_t count) {
    static constexpr std::string_view kAlphabet =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static constexpr unsigned kLimit = 256 - 256 % kAlphabet.size();  // 248
    std::string out;
    out.reserve(count);
    char bytes[32];
    while (out.size() < count) {
        RandomBytes(bytes, sizeof(bytes));
        for (char c : bytes) {
            auto v = static_cast<unsigned char>(c);
            if (v < kLimit && out.size() < count) {
                out.push_back(kAlphabet[v % kAlphabet.size()]);
            }
        }
    }
    return out;
}

// One path component for the local folder: the S3 key keeps every byte, but on disk "." and ".."
// would leave out_dir, and '/' or NUL would split or end a name, so those are percent-encoded.
std::string SafeComponent(std::string_view segment) {
    if (segment == ".") {
        return "%2E";
    }
    if (segment == "..") {
        return "%2E%2E";
    }
    std::string out;
    out.reserve(segment.size());
    for (char c : segment) {
        if (c == '/') {
            out += "%2F";
        } else if (c == '\0') {
            out += "%00";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// Appends each '/'-separated segment of `key` to `path` (empty segments are dropped, as a file
// system would).
void AppendKeyPath(std::string_view key, fs::path* path) {
    size_t start = 0;
    while (start <= key.size()) {
        size_t slash = key.find('/', start);
        size_t end = slash == std::string_view::npos ? key.size() : slash;
        if (end > start) {
            *path /= SafeComponent(key.substr(start, end - start));
        }
        if (slash == std::string_view::npos) {
            break;
        }
        start = slash + 1;
    }
}

Result<std::string> Gzip(std::string_view text) {
    libdeflate_compressor* compressor = libdeflate_alloc_compressor(6);
    if (compressor == nullptr) {
        return Internal("cannot allocate a gzip compressor");
    }
    std::string out(libdeflate_gzip_compress_bound(compressor, text.size()), '\0');
    size_t size =
            libdeflate_gzip_compress(compressor, text.data(), text.size(), out.data(), out.size());
    libdeflate_free_compressor(compressor);
    if (size == 0) {
        return Internal("gzip compression failed");
    }
    out.resize(size);
    return out;
}

Status WriteWholeFile(const fs::path& path, std::string_view bytes) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
        return Status(StatusCode::kUnavailable, "cannot create " + path.string(), true);
    }
    bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    ok = std::fclose(f) == 0 && ok;
    if (!ok) {
        std::error_code ec;
        fs::remove(path, ec);
        return Status(StatusCode::kUnavailable, "cannot write " + path.string(), true);
    }
    return Status::Ok();
}

}  // namespace

// ---- Subscription ----------------------------------------------------------------------------

Subscription::Subscription(size_t max_queue) : max_queue_(max_queue) {
    FIREBREAK_CHECK(max_queue >= 1);
}

std::optional<std::string> Subscription::Next(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [this] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) {
        return std::nullopt;
    }
    std::string envelope = std::move(queue_.front());
    queue_.pop_front();
    return envelope;
}

void Subscription::Close() {
    {
        std::lock_guard lock(mu_);
        closed_ = true;
    }
    cv_.notify_all();
}

bool Subscription::closed() const {
    std::lock_guard lock(mu_);
    return closed_;
}

uint64_t Subscription::dropped() const {
    std::lock_guard lock(mu_);
    return dropped_;
}

uint64_t Subscription::delivered() const {
    std::lock_guard lock(mu_);
    return delivered_;
}

size_t Subscription::queued() const {
    std::lock_guard lock(mu_);
    return queue_.size();
}

bool Subscription::Push(const std::string& envelope) {
    {
        std::lock_guard lock(mu_);
        if (closed_) {
            return false;
        }
        if (queue_.size() >= max_queue_) {
            queue_.pop_front();
            ++dropped_;
        }
        queue_.push_back(envelope);
        ++delivered_;
    }
    cv_.notify_one();
    return true;
}

// ---- EventRing -------------------------------------------------------------------------------

namespace {

std::string NewStreamEpoch() {
    char bytes[8];
    RandomBytes(bytes, sizeof(bytes));
    return HexEncode(std::string_view(bytes, sizeof(bytes)));
}

}  // namespace

EventRing::EventRing(size_t retain)
    : retain_(std::max<size_t>(retain, 1)),
      epoch_(NewStreamEpoch()) {}

void EventRing::Push(const std::string& envelope) {
    {
        std::lock_guard lock(mu_);
        events_.push_back(envelope);
        if (events_.size() > retain_) {
            events_.pop_front();
            ++first_seq_;
        }
    }
    cv_.notify_all();
}

StreamBatch EventRing::Read(uint64_t after,
                            size_t max,
                            std::chrono::milliseconds wait,
                            std::string_view client_epoch) {
    StreamBatch batch;
    batch.epoch = epoch_;
    if (!client_epoch.empty() && client_epoch != epoch_) {
        after = 0;
    }
    std::unique_lock lock(mu_);
    auto last = [this] {
        return first_seq_ + events_.size() - 1;
    };
    if (after + 1 < first_seq_) {
        batch.lost = first_seq_ - 1 - after;
        after = first_seq_ - 1;
    }
    if (max > 0 && after >= last() && !closed_) {
        cv_.wait_for(lock, wait, [&] { return closed_ || after < last(); });
    }
    batch.oldest = events_.empty() ? 0 : first_seq_;
    batch.next = after;
    if (after < last()) {
        size_t begin = static_cast<size_t>(after + 1 - first_seq_);
        size_t end = std::min(events_.size(), begin + max);
        batch.events.assign(events_.begin() + static_cast<std::ptrdiff_t>(begin),
                            events_.begin() + static_cast<std::ptrdiff_t>(end));
        batch.next = after + (end - begin);
    }
    return batch;
}

void EventRing::Close() {
    {
        std::lock_guard lock(mu_);
        closed_ = true;
    }
    cv_.notify_all();
}

uint64_t EventRing::last_seq() const {
    std::lock_guard lock(mu_);
    return first_seq_ + events_.size() - 1;
}

size_t EventRing::retained() const {
    std::lock_guard lock(mu_);
    return events_.size();
}

// ---- TrailRecorder ---------------------------------------------------------------------------

TrailRecorder::TrailRecorder(TrailRecorderOptions options)
    : options_(std::move(options)),
      stream_(options_.stream_retain) {
    FIREBREAK_CHECK(options_.max_records_per_file >= 1);
    FIREBREAK_CHECK(options_.max_age.count() > 0);
    flusher_ = std::thread([this] { FlusherLoop(); });
}

TrailRecorder::~TrailRecorder() {
    Stop();
    (void)Flush();  // records appended after an explicit Stop()
}

void TrailRecorder::Stop() {
    std::lock_guard stop_lock(stop_mu_);
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    flusher_cv_.notify_all();
    if (flusher_.joinable()) {
        flusher_.join();
    }
    (void)Flush();
    std::vector<std::shared_ptr<Subscription>> live;
    {
        std::lock_guard lock(subscribers_mu_);
        streaming_closed_ = true;
        for (const std::weak_ptr<Subscription>& weak : subscribers_) {
            if (std::shared_ptr<Subscription> sub = weak.lock()) {
                live.push_back(std::move(sub));
            }
        }
        subscribers_.clear();
    }
    for (const std::shared_ptr<Subscription>& sub : live) {
        sub->Close();
    }
    stream_.Close();
}

void TrailRecorder::Append(const TrailDelivery& where,
                           std::string record_json,
                           TimePoint event_time) {
    const auto now = std::chrono::steady_clock::now();
    std::string key;
    key.reserve(where.account_id.size() + where.region.size() + where.bucket.size() +
                where.key_prefix.size() + 3);
    // NUL cannot occur in any of the four, so the joined key is unambiguous.
    key.append(where.bucket).push_back('\0');
    key.append(where.key_prefix).push_back('\0');
    key.append(where.account_id).push_back('\0');
    key.append(where.region);

    std::optional<Batch> full;
    bool became_non_empty = false;
    {
        std::lock_guard lock(mu_);
        auto [it, inserted] = buffers_.try_emplace(std::move(key));
        Buffer& buffer = it->second;
        if (inserted) {
            buffer.where = where;
        }
        if (buffer.entries.empty()) {
            buffer.first_append = now;
            became_non_empty = true;
        }
        buffer.entries.push_back({std::move(record_json), event_time});
        ++pending_;
        if (buffer.entries.size() >= options_.max_records_per_file && now >= buffer.not_before) {
            full = TakeLocked(it);
        }
    }
    if (full) {
        (void)WriteBatch(std::move(*full));
    } else if (became_non_empty) {
        flusher_cv_.notify_one();
    }
}

Status TrailRecorder::Flush() {
    std::vector<Batch> batches;
    uint64_t last_taken = 0;
    {
        std::lock_guard lock(mu_);
        while (!buffers_.empty()) {
            batches.push_back(TakeLocked(buffers_.begin()));
        }
        last_taken = next_seq_ - 1;
    }
    Status first_error;
    for (Batch& batch : batches) {
        Status status = WriteBatch(std::move(batch));
        if (!status.ok() && first_error.ok()) {
            first_error = std::move(status);
        }
    }
    // Batches other threads took before this call must be on disk too.
    std::unique_lock lock(mu_);
    idle_cv_.wait(lock, [&] { return in_flight_.empty() || *in_flight_.begin() > last_taken; });
    return first_error;
}

TrailRecorder::Batch TrailRecorder::TakeLocked(BufferMap::iterator it) {
    Batch batch;
    batch.key = it->first;
    batch.where = std::move(it->second.where);
    batch.entries = std::move(it->second.entries);
    batch.seq = next_seq_++;
    in_flight_.insert(batch.seq);
    buffers_.erase(it);
    return batch;
}

Status TrailRecorder::WriteBatch(Batch batch) {
    const size_t per_file = options_.max_records_per_file;
    size_t done = 0;
    Status error;
    while (done < batch.entries.size()) {
        const size_t count = std::min(per_file, batch.entries.size() - done);
        const Entry* begin = batch.entries.data() + done;
        Result<std::string> path = WriteFile(batch.where, begin, begin + count);
        if (!path.has_value()) {
            error = path.error();
            break;
        }
        done += count;
        std::lock_guard lock(mu_);
        ++files_;
        records_ += count;
        pending_ -= count;
        written_.push_back(std::move(*path));
    }
    const bool failed = done < batch.entries.size();
    {
        std::lock_guard lock(mu_);
        if (failed) {
            // Keep the records, ahead of any appended since, and retry after max_age.
            const auto now = std::chrono::steady_clock::now();
            auto [it, inserted] = buffers_.try_emplace(batch.key);
            Buffer& buffer = it->second;
            if (inserted) {
                buffer.where = std::move(batch.where);
            }
            if (buffer.entries.empty()) {
                buffer.first_append = now;
            }
            buffer.entries.insert(
                    buffer.entries.begin(),
                    std::make_move_iterator(batch.entries.begin() + static_cast<ptrdiff_t>(done)),
                    std::make_move_iterator(batch.entries.end()));
            buffer.not_before = now + options_.max_age;
            ++write_errors_;
            last_write_error_ = error;
        }
        in_flight_.erase(batch.seq);
    }
    idle_cv_.notify_all();
    if (failed) {
        flusher_cv_.notify_one();
    }
    return error;
}

Result<std::string> TrailRecorder::WriteFile(const TrailDelivery& where,
                                             const Entry* begin,
                                             const Entry* end) const {
    TimePoint newest = begin->event_time;
    TimePoint oldest = begin->event_time;
    size_t text_size = 16;
    for (const Entry* e = begin; e != end; ++e) {
        newest = std::max(newest, e->event_time);
        oldest = std::min(oldest, e->event_time);
        text_size += e->json.size() + 1;
    }
    std::string text;
    text.reserve(text_size);
    text += "{\"Records\":[";
    for (const Entry* e = begin; e != end; ++e) {
        if (e != begin) {
            text.push_back(',');
        }
        text += e->json;
    }
    text += "]}";
    Result<std::string> gzip = Gzip(text);
    if (!gzip.has_value()) {
        return gzip.error();
    }

    // "YYYY-MM-DDTHH:MM:SSZ" of the newest event: the day folder and the delivery stamp.
    const std::string iso = IsoTime(newest);
    const std::string_view y(iso.data(), 4);
    const std::string_view mo(iso.data() + 5, 2);
    const std::string_view d(iso.data() + 8, 2);
    const std::string_view h(iso.data() + 11, 2);
    const std::string_view mi(iso.data() + 14, 2);
    std::string name;
    name.append(where.account_id).append("_CloudTrail_").append(where.region).append("_");
    name.append(y).append(mo).append(d).append("T").append(h).append(mi).append("Z_");
    name.append(RandomAlnum(16)).append(".json.gz");
    std::string key;
    if (!where.key_prefix.empty()) {
        key.append(where.key_prefix).append("/");
    }
    key.append("AWSLogs/").append(where.account_id).append("/CloudTrail/").append(where.region);
    key.append("/").append(y).append("/").append(mo).append("/").append(d).append("/");
    key.append(name);

    fs::path path = fs::path(options_.out_dir) / SafeComponent(where.bucket);
    AppendKeyPath(key, &path);
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) {
        return Status(StatusCode::kUnavailable,
                      "cannot create " + path.parent_path().string() + ": " + ec.message(),
                      true);
    }
    // Readers never see a partial file: write a hidden temporary, then rename it into place.
    fs::path temp = path.parent_path() / ("." + path.filename().string() + ".tmp");
    FIREBREAK_RETURN_IF_ERROR(WriteWholeFile(temp, *gzip));
    fs::rename(temp, path, ec);
    if (ec) {
        std::error_code ignored;
        fs::remove(temp, ignored);
        return Status(StatusCode::kUnavailable,
                      "cannot rename into " + path.string() + ": " + ec.message(),
                      true);
    }
    if (options_.on_file_written) {
        TrailLogFile file;
        file.path = path.string();
        file.bucket = where.bucket;
        file.object_key = key;
        file.record_count = static_cast<size_t>(end - begin);
        file.gzip_bytes = *gzip;
        file.where = where;
        file.oldest_event_time = oldest;
        file.newest_event_time = newest;
        options_.on_file_written(file);
    }
    return path.string();
}

void TrailRecorder::FlusherLoop() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
        const auto now = std::chrono::steady_clock::now();
        std::optional<SteadyTime> next;
        std::vector<Batch> due;
        for (auto it = buffers_.begin(); it != buffers_.end();) {
            const Buffer& buffer = it->second;
            const SteadyTime deadline =
                    std::max(buffer.first_append + options_.max_age, buffer.not_before);
            if (deadline <= now) {
                auto taken = it++;
                due.push_back(TakeLocked(taken));
                continue;
            }
            if (!next || deadline < *next) {
                next = deadline;
            }
            ++it;
        }
        if (!due.empty()) {
            lock.unlock();
            for (Batch& batch : due) {
                (void)WriteBatch(std::move(batch));
            }
            lock.lock();
            continue;
        }
        if (next) {
            flusher_cv_.wait_until(lock, *next);
        } else {
            flusher_cv_.wait(lock);
        }
    }
}

std::shared_ptr<Subscription> TrailRecorder::Subscribe(size_t max_queue) {
    auto sub = std::make_shared<Subscription>(max_queue);
    std::lock_guard lock(subscribers_mu_);
    if (streaming_closed_) {
        sub->Close();
    } else {
        subscribers_.push_back(sub);
    }
    return sub;
}

void TrailRecorder::Publish(const std::string& envelope_json) {
    stream_.Push(envelope_json);
    std::lock_guard lock(subscribers_mu_);
    std::erase_if(subscribers_, [&](const std::weak_ptr<Subscription>& weak) {
        std::shared_ptr<Subscription> sub = weak.lock();
        return !sub || !sub->Push(envelope_json);
    });
}

size_t TrailRecorder::SubscriberCount() const {
    std::lock_guard lock(subscribers_mu_);
    return static_cast<size_t>(
            std::count_if(subscribers_.begin(), subscribers_.end(), [](const auto& weak) {
                std::shared_ptr<Subscription> sub = weak.lock();
                return sub && !sub->closed();
            }));
}

uint64_t TrailRecorder::FileCount() const {
    std::lock_guard lock(mu_);
    return files_;
}

uint64_t TrailRecorder::RecordCount() const {
    std::lock_guard lock(mu_);
    return records_;
}

uint64_t TrailRecorder::PendingCount() const {
    std::lock_guard lock(mu_);
    return pending_;
}

uint64_t TrailRecorder::WriteErrors() const {
    std::lock_guard lock(mu_);
    return write_errors_;
}

Status TrailRecorder::LastWriteError() const {
    std::lock_guard lock(mu_);
    return last_write_error_;
}

std::vector<std::string> TrailRecorder::WrittenFiles() const {
    std::lock_guard lock(mu_);
    return written_;
}

// ---- TrailDigester ---------------------------------------------------------------------------

namespace {

constexpr std::string_view kDigestFolder = "CloudTrail-Digest/";

bool SameDelivery(const TrailDelivery& where, const DigestTrail& trail) {
    return where.account_id == trail.account_id && where.bucket == trail.bucket &&
           where.key_prefix == trail.key_prefix;
}

// `{prefix/}AWSLogs/{account}/CloudTrail-Digest/` (a trailing slash on the prefix not doubled).
std::string DigestFolder(const DigestTrail& trail) {
    std::string folder = trail.key_prefix;
    while (!folder.empty() && folder.back() == '/') {
        folder.pop_back();
    }
    if (!folder.empty()) {
        folder.push_back('/');
    }
    folder.append("AWSLogs/").append(trail.account_id).append("/").append(kDigestFolder);
    return folder;
}

std::optional<TimePoint> ParseEndTime(std::string_view iso) {
    std::optional<Timestamp> parsed = ParseIsoTime(iso);
    if (!parsed) {
        return std::nullopt;
    }
    return TimePoint(parsed->time_since_epoch());
}

}  // namespace

TrailDigester::TrailDigester(evidence::PrivateKey key, TimePoint period_start)
    : key_(std::move(key)),
      last_round_(std::chrono::floor<std::chrono::seconds>(period_start)) {}

void TrailDigester::AddLogFile(const TrailLogFile& file) {
    PendingFile pending;
    pending.where = file.where;
    pending.input.s3_bucket = file.bucket;
    pending.input.s3_object = file.object_key;
    pending.input.bytes = std::string(file.gzip_bytes);
    pending.input.newest_event_time = IsoTime(file.newest_event_time);
    pending.input.oldest_event_time = IsoTime(file.oldest_event_time);
    std::lock_guard lock(mu_);
    for (const PendingFile& existing : pending_) {
        if (existing.input.s3_bucket == pending.input.s3_bucket &&
            existing.input.s3_object == pending.input.s3_object) {
            return;
        }
    }
    pending_.push_back(std::move(pending));
}

void TrailDigester::SetChainTip(const std::string& trail_arn,
                                const std::string& region,
                                DigestChainTip tip) {
    std::lock_guard lock(mu_);
    chains_.try_emplace({trail_arn, region}, std::move(tip));
}

std::optional<DigestChainTip> TrailDigester::ChainTip(const std::string& trail_arn,
                                                      const std::string& region) const {
    std::lock_guard lock(mu_);
    auto it = chains_.find({trail_arn, region});
    if (it == chains_.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::vector<DigestOutput> TrailDigester::Round(const std::vector<DigestTrail>& trails,
                                               TimePoint now) {
    const TimePoint round_end = std::chrono::floor<std::chrono::seconds>(now);
    std::vector<DigestOutput> outputs;
    std::lock_guard lock(mu_);
    std::vector<bool> matched(pending_.size(), false);   // some trail digests it
    std::vector<bool> consumed(pending_.size(), false);  // listed in a digest made now
    std::set<std::string> logging_arns;
    for (const DigestTrail& trail : trails) {
        if (trail.logging) {
            logging_arns.insert(trail.arn);
        }
        std::set<std::string> regions = {trail.home_region};
        for (const auto& [key, tip] : chains_) {
            if (key.first == trail.arn) {
                regions.insert(key.second);
            }
        }
        for (size_t i = 0; i < pending_.size(); ++i) {
            if (SameDelivery(pending_[i].where, trail)) {
                regions.insert(pending_[i].where.region);
                matched[i] = true;
            }
        }
        for (const std::string& region : regions) {
            std::vector<size_t> files;
            for (size_t i = 0; i < pending_.size(); ++i) {
                if (SameDelivery(pending_[i].where, trail) && pending_[i].where.region == region) {
                    files.push_back(i);
                }
            }
            if (!trail.logging && files.empty()) {
                continue;
            }
            auto chain = chains_.find({trail.arn, region});
            TimePoint end = round_end;
            std::string start = IsoTime(last_round_);
            std::optional<evidence::PreviousDigest> previous;
            if (chain != chains_.end()) {
                const DigestChainTip& tip = chain->second;
                std::optional<TimePoint> previous_end = ParseEndTime(tip.end_time);
                if (previous_end && end <= *previous_end) {
                    end = *previous_end + std::chrono::seconds(1);
                }
                start = tip.end_time;
                previous = evidence::PreviousDigest{
                        tip.bucket, tip.object_key, tip.json, tip.signature_hex};
            }
            const std::string end_text = IsoTime(end);
            Result<std::string> object_key = evidence::DigestObjectKey(trail.key_prefix,
                                                                       trail.account_id,
                                                                       region,
                                                                       trail.name,
                                                                       trail.home_region,
                                                                       end_text);
            if (!object_key) {
                last_error_ = object_key.error();
                continue;
            }
            evidence::DigestHeader header;
            header.aws_account_id = trail.account_id;
            header.digest_start_time = start;
            header.digest_end_time = end_text;
            header.digest_s3_bucket = trail.bucket;
            header.digest_s3_object = *object_key;
            header.newest_event_time = end_text;
            std::vector<evidence::LogFileInput> inputs;
            inputs.reserve(files.size());
            for (size_t i : files) {
                inputs.push_back(pending_[i].input);
            }
            Result<evidence::SignedDigest> made =
                    evidence::BuildSignedDigest(header, inputs, previous, key_);
            if (!made) {
                last_error_ = made.error();
                continue;
            }
            for (size_t i : files) {
                consumed[i] = true;
            }
            DigestChainTip tip;
            tip.bucket = trail.bucket;
            tip.object_key = *object_key;
            tip.json = made->json;
            tip.signature_hex = made->signature_hex;
            tip.end_time = end_text;
            chains_.insert_or_assign({trail.arn, region}, std::move(tip));
            DigestOutput out;
            out.trail_arn = trail.arn;
            out.region = region;
            out.bucket = trail.bucket;
            out.object_key = std::move(*object_key);
            out.log_file_count = files.size();
            out.signed_digest = std::move(*made);
            outputs.push_back(std::move(out));
        }
    }
    std::erase_if(chains_,
                  [&](const auto& entry) { return !logging_arns.contains(entry.first.first); });
    std::vector<PendingFile> kept;
    for (size_t i = 0; i < pending_.size(); ++i) {
        if (matched[i] && !consumed[i]) {
            kept.push_back(std::move(pending_[i]));
        }
    }
    pending_ = std::move(kept);
    last_round_ = round_end;
    return outputs;
}

size_t TrailDigester::PendingCount() const {
    std::lock_guard lock(mu_);
    return pending_.size();
}

Status TrailDigester::LastError() const {
    std::lock_guard lock(mu_);
    return last_error_;
}

DigestPublicKey TrailDigester::PublicKeyInfo(TimePoint validity_start,
                                             TimePoint validity_end) const {
    evidence::PublicKey key = key_.GetPublicKey();
    return DigestPublicKey{key.ToDerBase64(), key.Fingerprint(), validity_start, validity_end};
}

std::map<std::string, DigestChainTip> FindChainTips(evidence::ObjectSource& source,
                                                    const DigestTrail& trail) {
    static constexpr size_t kStampAndSuffix = 16 + 8;  // "YYYYMMDDTHHMMSSZ" ".json.gz"
    const std::string folder = DigestFolder(trail);
    std::optional<std::vector<std::string>> keys = source.List(trail.bucket, folder);
    std::map<std::string, std::vector<std::string>> by_region;
    if (!keys) {
        return {};
    }
    for (const std::string& key : *keys) {
        if (!key.starts_with(folder)) {
            continue;
        }
        std::string_view rest = std::string_view(key).substr(folder.size());
        size_t slash = rest.find('/');
        size_t last = key.rfind('/');
        if (slash == std::string_view::npos || slash == 0) {
            continue;
        }
        std::string region(rest.substr(0, slash));
        std::string_view name = std::string_view(key).substr(last + 1);
        std::string expected = trail.account_id + "_CloudTrail-Digest_" + region + "_" +
                               trail.name + "_" + trail.home_region + "_";
        if (name.starts_with(expected) && name.size() == expected.size() + kStampAndSuffix &&
            name.ends_with(".json.gz")) {
            by_region[region].push_back(key);
        }
    }
    std::map<std::string, DigestChainTip> tips;
    for (auto& [region, candidates] : by_region) {
        // Same folder layout and name prefix: the newest stamp sorts last.
        std::sort(candidates.begin(), candidates.end(), std::greater<>());
        for (const std::string& key : candidates) {
            std::optional<evidence::StoredObject> object = source.Get(trail.bucket, key);
            if (!object) {
                continue;
            }
            auto signature = object->metadata.find("signature");
            if (signature == object->metadata.end() || signature->second.empty()) {
                continue;
            }
            std::string json = object->bytes;
            if (evidence::IsGzip(json)) {
                Result<std::string> text = evidence::GzipDecompress(json);
                if (!text) {
                    continue;
                }
                json = std::move(*text);
            }
            Result<evidence::DigestFile> digest = evidence::ParseDigest(json);
            if (!digest || digest->digest_s3_bucket != trail.bucket ||
                digest->digest_s3_object != key || !ParseEndTime(digest->digest_end_time)) {
                continue;
            }
            tips[region] = DigestChainTip{
                    trail.bucket, key, std::move(json), signature->second, digest->digest_end_time};
            break;
        }
    }
    return tips;
}

}  // namespace firebreak::sandbox
