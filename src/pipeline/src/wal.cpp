// File: wal.cpp
#include "firebreak/pipeline/wal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <optional>

#include <zlib.h>

#include "firebreak/core/file.h"

namespace firebreak::pipeline {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[4] = {'F', 'B', 'W', '1'};
constexpr size_t kHeaderBytes = 12;     // magic, crc, length
constexpr size_t kFixedBodyBytes = 20;  // seq, received_unix_ms, source length
constexpr size_t kRecordPrefixBytes = kHeaderBytes + kFixedBodyBytes;
constexpr uint64_t kMaxBodyBytes = kFixedBodyBytes + kMaxWalSourceBytes + kMaxWalPayloadBytes;
constexpr uint64_t kMaxSeq = uint64_t{1} << 62;  // larger seqs in a file are damage
constexpr size_t kReadChunk = 1 << 20;
constexpr std::string_view kCheckpointName = "checkpoint";
constexpr std::string_view kLockName = "lock";
constexpr std::string_view kCheckpointPrefix = "firebreak-wal-checkpoint ";

void PutU32(char* out, uint32_t v) {
    for (int i = 0; i < 4; ++i) {
        out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    }
}

void PutU64(char* out, uint64_t v) {
    for (int i = 0; i < 8; ++i) {
        out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    }
}

uint32_t GetU32(const char* in) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) {
        v = (v << 8) | static_cast<unsigned char>(in[i]);
    }
    return v;
}

uint64_t GetU64(const char* in) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) {
        v = (v << 8) | static_cast<unsigned char>(in[i]);
    }
    return v;
}

uint32_t Crc(uint32_t crc, const char* data, size_t size) {
    return static_cast<uint32_t>(
            crc32_z(crc, reinterpret_cast<const Bytef*>(data), static_cast<z_size_t>(size)));
}

Status ErrnoStatus(const std::string& what) {
    return Status(StatusCode::kUnavailable, what + ": " + std::strerror(errno));
}

void SyncFolder(const std::string& folder) {
    int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

// Reads exactly `size` bytes at `offset`; false on a short read or an error.
bool ReadAt(int fd, uint64_t offset, char* out, size_t size) {
    size_t done = 0;
    while (done < size) {
        ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        done += static_cast<size_t>(n);
    }
    return true;
}

// Writes all of `iov` (modified as it goes), in calls of at most IOV_MAX entries.
bool WriteVector(int fd, std::vector<iovec>* iov) {
    size_t first = 0;
    while (first < iov->size()) {
        int count = static_cast<int>(std::min<size_t>(iov->size() - first, IOV_MAX));
        ssize_t n = ::writev(fd, iov->data() + first, count);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        size_t left = static_cast<size_t>(n);
        while (first < iov->size() && left >= (*iov)[first].iov_len) {
            left -= (*iov)[first].iov_len;
            ++first;
        }
        if (left > 0) {
            (*iov)[first].iov_base = static_cast<char*>((*iov)[first].iov_base) + left;
            (*iov)[first].iov_len -= left;
        }
    }
    return true;
}

std::string SegmentName(uint64_t first_seq) {
    std::string digits = std::to_string(first_seq);
    return "wal-" + std::string(20 - std::min<size_t>(20, digits.size()), '0') + digits + ".log";
}

// "wal-<20 digits>.log" -> first seq.
std::optional<uint64_t> ParseSegmentName(std::string_view name) {
    if (name.size() != 4 + 20 + 4 || name.substr(0, 4) != "wal-" || name.substr(24) != ".log") {
        return std::nullopt;
    }
    uint64_t seq = 0;
    for (char c : name.substr(4, 20)) {
        if (c < '0' || c > '9' || seq > kMaxSeq / 10) {
            return std::nullopt;
        }
        seq = seq * 10 + static_cast<uint64_t>(c - '0');
    }
    if (seq > kMaxSeq) {
        return std::nullopt;
    }
    return seq;
}

std::optional<uint64_t> ParseCheckpoint(std::string_view text) {
    if (text.substr(0, kCheckpointPrefix.size()) != kCheckpointPrefix) {
        return std::nullopt;
    }
    text.remove_prefix(kCheckpointPrefix.size());
    if (!text.empty() && text.back() == '\n') {
        text.remove_suffix(1);
    }
    if (text.empty() || text.size() > 19) {
        return std::nullopt;
    }
    uint64_t seq = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        seq = seq * 10 + static_cast<uint64_t>(c - '0');
    }
    if (seq == 0 || seq > kMaxSeq) {
        return std::nullopt;
    }
    return seq;
}

struct DecodedRecord {
    uint64_t seq = 0;
    int64_t received_unix_ms = 0;
    uint32_t length = 0;
    std::string source;
    std::string payload;  // only when asked for
};

// Reads and checks the record at `offset` of a file of `size` bytes. On damage returns false
// and says why in `*why`.
bool ReadRecord(int fd,
                uint64_t offset,
                uint64_t size,
                bool want_payload,
                DecodedRecord* out,
                std::string* why) {
    if (size < offset || size - offset < kHeaderBytes) {
        *why = "short record header";
        return false;
    }
    char header[kHeaderBytes];
    if (!ReadAt(fd, offset, header, kHeaderBytes)) {
        *why = "cannot read record header";
        return false;
    }
    if (std::memcmp(header, kMagic, 4) != 0) {
        *why = "bad record magic";
        return false;
    }
    uint32_t crc = GetU32(header + 4);
    uint32_t length = GetU32(header + 8);
    if (length < kFixedBodyBytes || length > kMaxBodyBytes) {
        *why = "bad record length " + std::to_string(length);
        return false;
    }
    if (size - offset - kHeaderBytes < length) {
        *why = "record of " + std::to_string(length) + " bytes runs past the end of the file";
        return false;
    }
    size_t head_size = std::min<size_t>(length, kFixedBodyBytes + kMaxWalSourceBytes);
    std::string head(head_size, '\0');
    if (!ReadAt(fd, offset + kHeaderBytes, head.data(), head_size)) {
        *why = "cannot read record";
        return false;
    }
    uint32_t source_size = GetU32(head.data() + 16);
    if (source_size > kMaxWalSourceBytes || kFixedBodyBytes + source_size > length) {
        *why = "bad source length " + std::to_string(source_size);
        return false;
    }
    uint32_t actual = Crc(0, header + 8, 4);
    actual = Crc(actual, head.data(), head.size());
    std::string payload;
    uint64_t payload_offset = offset + kHeaderBytes + kFixedBodyBytes + source_size;
    size_t payload_size = length - kFixedBodyBytes - source_size;
    size_t payload_in_head = head_size - kFixedBodyBytes - source_size;
    if (want_payload) {
        payload.resize(payload_size);
        std::memcpy(payload.data(), head.data() + kFixedBodyBytes + source_size, payload_in_head);
        if (!ReadAt(fd,
                    payload_offset + payload_in_head,
                    payload.data() + payload_in_head,
                    payload_size - payload_in_head)) {
            *why = "cannot read record payload";
            return false;
        }
        actual = Crc(actual, payload.data() + payload_in_head, payload_size - payload_in_head);
    } else {
        std::string chunk;
        uint64_t at = payload_offset + payload_in_head;
        size_t left = payload_size - payload_in_head;
        while (left > 0) {
            size_t n = std::min(left, kReadChunk);
            chunk.resize(n);
            if (!ReadAt(fd, at, chunk.data(), n)) {
                *why = "cannot read record payload";
                return false;
            }
            actual = Crc(actual, chunk.data(), n);
            at += n;
            left -= n;
        }
    }
    if (actual != crc) {
        *why = "CRC mismatch";
        return false;
    }
    out->seq = GetU64(head.data());
    out->received_unix_ms = static_cast<int64_t>(GetU64(head.data() + 8));
    out->length = length;
    out->source.assign(head.data() + kFixedBodyBytes, source_size);
    out->payload = std::move(payload);
    return true;
}

// Intact-looking records in [from, size): their count and highest seq (for the diagnostics and
// so no seq they used is handed out again).
void CountRecordsAfter(int fd, uint64_t from, uint64_t size, uint64_t* count, uint64_t* max_seq) {
    std::string chunk;
    uint64_t pos = from;
    while (pos + kHeaderBytes <= size) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(size - pos, kReadChunk));
        chunk.resize(n);
        if (!ReadAt(fd, pos, chunk.data(), n)) {
            return;
        }
        const char* hit = static_cast<const char*>(memmem(chunk.data(), n, kMagic, 4));
        if (hit == nullptr) {
            if (n <= 3) {
                return;
            }
            pos += n - 3;
            continue;
        }
        uint64_t candidate = pos + static_cast<uint64_t>(hit - chunk.data());
        DecodedRecord record;
        std::string why;
        if (ReadRecord(fd, candidate, size, false, &record, &why) && record.seq <= kMaxSeq) {
            ++*count;
            *max_seq = std::max(*max_seq, record.seq);
            pos = candidate + kHeaderBytes + record.length;
        } else {
            pos = candidate + 1;
        }
    }
}

int64_t NowUnixMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
}

}  // namespace

Status WriteFileDurably(const std::string& path, std::string_view bytes, bool sync) {
    std::string temp = path + ".tmp";
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return ErrnoStatus("cannot create " + temp);
    }
    Status written = WriteAllToFd(fd, bytes, temp);
    if (written.ok() && sync && ::fsync(fd) != 0) {
        written = ErrnoStatus("cannot fsync " + temp);
    }
    if (::close(fd) != 0 && written.ok()) {
        written = ErrnoStatus("cannot close " + temp);
    }
    if (written.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
        written = ErrnoStatus("cannot rename " + temp + " to " + path);
    }
    if (!written.ok()) {
        ::unlink(temp.c_str());
        return written;
    }
    if (sync) {
        SyncFolder(fs::path(path).parent_path().empty() ? "."
                                                        : fs::path(path).parent_path().string());
    }
    return Status::Ok();
}

// One Append waiting in a batch; it lives on the appender's stack until its seq is durable.
struct WriteAheadLog::PendingAppend {
    char header[kRecordPrefixBytes] = {};
    std::string_view source;
    std::string_view payload;
    uint64_t seq = 0;
};

WriteAheadLog::WriteAheadLog(std::string dir, WalOptions options)
    : dir_(std::move(dir)),
      options_(options) {}

WriteAheadLog::~WriteAheadLog() {
    if (opened_) {
        (void)Flush();
    }
    if (fd_ >= 0) {
        ::close(fd_);
    }
    if (lock_fd_ >= 0) {
        ::close(lock_fd_);  // releases the flock
    }
}

Result<std::unique_ptr<WriteAheadLog>> WriteAheadLog::Open(const std::string& dir,
                                                           WalOptions options) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir, ec)) {
        return Status(StatusCode::kUnavailable, "cannot create WAL folder " + dir);
    }
    if (options.segment_bytes == 0) {
        options.segment_bytes = 1;
    }
    if (options.persist_every == 0) {
        options.persist_every = 1;
    }
    std::unique_ptr<WriteAheadLog> wal(new WriteAheadLog(dir, options));
    // One process per folder: a second writer would interleave records and reuse seqs.
    std::string lock_path = (fs::path(dir) / kLockName).string();
    wal->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (wal->lock_fd_ < 0) {
        return ErrnoStatus("cannot open " + lock_path);
    }
    if (::flock(wal->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        return Status(StatusCode::kFailedPrecondition,
                      "WAL folder " + dir + " is in use by another writer (" + lock_path + ")");
    }
    FIREBREAK_RETURN_IF_ERROR(wal->Scan());
    FIREBREAK_RETURN_IF_ERROR(wal->PersistCheckpoint(false));
    wal->opened_ = true;
    return wal;
}

Status WriteAheadLog::Scan() {
    uint64_t checkpoint = 1;
    std::string checkpoint_path = (fs::path(dir_) / kCheckpointName).string();
    std::error_code ec;
    if (fs::exists(checkpoint_path, ec)) {
        Result<std::string> text = ReadFileToString(checkpoint_path, 4096);
        std::optional<uint64_t> parsed;
        if (text.has_value()) {
            parsed = ParseCheckpoint(*text);
        }
        if (parsed) {
            checkpoint = *parsed;
            persisted_checkpoint_ = checkpoint;
        } else {
            issues_.push_back(checkpoint_path +
                              ": byte 0: unreadable checkpoint; replaying every record");
        }
    }

    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (name.size() < 8 || name.substr(0, 4) != "wal-" ||
            name.substr(name.size() - 4) != ".log") {
            continue;
        }
        std::optional<uint64_t> first = ParseSegmentName(name);
        if (!first) {
            issues_.push_back(it->path().string() + ": byte 0: not a segment name; ignored");
            continue;
        }
        segments_.push_back(Segment{.first_seq = *first, .path = it->path().string()});
    }
    if (ec) {
        return Status(StatusCode::kUnavailable, "cannot list WAL folder " + dir_);
    }
    std::sort(segments_.begin(), segments_.end(), [](const Segment& a, const Segment& b) {
        return a.first_seq < b.first_seq;
    });

    uint64_t highest = 0;
    bool reuse_last = false;
    for (size_t i = 0; i < segments_.size(); ++i) {
        const Segment& segment = segments_[i];
        bool last = i + 1 == segments_.size();
        int fd = ::open(segment.path.c_str(), (last ? O_RDWR : O_RDONLY) | O_CLOEXEC);
        if (fd < 0) {
            issues_.push_back(segment.path + ": byte 0: cannot open: " + std::strerror(errno));
            continue;
        }

        struct stat st {};

        uint64_t size = ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
        uint64_t offset = 0;
        bool damaged = false;
        size_t replay_index = replay_segments_.size();
        bool used_for_replay = false;
        while (offset < size) {
            DecodedRecord record;
            std::string why;
            bool ok = ReadRecord(fd, offset, size, false, &record, &why);
            if (ok &&
                (record.seq <= highest || record.seq < segment.first_seq || record.seq > kMaxSeq ||
                 (!last && record.seq >= segments_[i + 1].first_seq))) {
                ok = false;
                why = "seq " + std::to_string(record.seq) + " out of order";
            }
            if (ok) {
                highest = record.seq;
                if (record.seq >= checkpoint) {
                    if (!used_for_replay) {
                        replay_segments_.push_back(segment.path);
                        used_for_replay = true;
                    }
                    replay_.push_back(ReplayEntry{.seq = record.seq,
                                                  .segment = replay_index,
                                                  .offset = offset,
                                                  .length = record.length});
                    pending_.emplace(record.seq, std::move(record.source));
                }
                offset += kHeaderBytes + record.length;
                continue;
            }
            uint64_t after = 0;
            uint64_t max_seq = 0;
            CountRecordsAfter(fd, offset + 1, size, &after, &max_seq);
            if (last && after == 0) {
                // A crash mid-write: drop the tail so appends continue after the last record.
                if (::ftruncate(fd, static_cast<off_t>(offset)) == 0) {
                    if (options_.fsync) {
                        ::fdatasync(fd);
                    }
                    stats_.torn_tail_bytes_dropped += size - offset;
                    size = offset;
                } else {
                    issues_.push_back(segment.path + ": byte " + std::to_string(offset) +
                                      ": cannot truncate torn tail: " + std::strerror(errno));
                    damaged = true;
                }
                break;
            }
            issues_.push_back(segment.path + ": byte " + std::to_string(offset) + ": " + why +
                              "; the remaining " + std::to_string(size - offset) + " bytes (" +
                              std::to_string(after) + " intact-looking records) are skipped");
            stats_.corrupt_bytes_skipped += size - offset;
            stats_.corrupt_records_skipped += after;
            highest = std::max(highest, max_seq);
            damaged = true;
            break;
        }
        ::close(fd);
        if (last) {
            active_bytes_ = size;
            reuse_last = !damaged && size < options_.segment_bytes;
        }
    }
    next_seq_ = std::max(highest + 1, checkpoint);
    if (!segments_.empty()) {
        uint64_t last_first = segments_.back().first_seq;
        next_seq_ = std::max(next_seq_, reuse_last ? last_first : last_first + 1);
    }
    durable_seq_ = next_seq_ - 1;
    return OpenActiveSegment(reuse_last);
}

Status WriteAheadLog::OpenActiveSegment(bool reuse_last) {
    if (reuse_last && !segments_.empty()) {
        fd_ = ::open(segments_.back().path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd_ >= 0) {
            return Status::Ok();
        }
    }
    std::string path = (fs::path(dir_) / SegmentName(next_seq_)).string();
    fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        return ErrnoStatus("cannot create WAL segment " + path);
    }
    if (options_.fsync) {
        SyncFolder(dir_);
    }
    segments_.push_back(Segment{.first_seq = next_seq_, .path = path});
    active_bytes_ = 0;
    return Status::Ok();
}

Result<uint64_t> WriteAheadLog::Append(std::string_view source, std::string_view payload) {
    if (payload.size() > kMaxWalPayloadBytes) {
        return InvalidArgument("WAL payload of " + std::to_string(payload.size()) +
                               " bytes is over the 1 GiB limit");
    }
    if (source.size() > kMaxWalSourceBytes) {
        return InvalidArgument("WAL source name of " + std::to_string(source.size()) +
                               " bytes is over the 4 KiB limit");
    }
    PendingAppend append;
    append.source = source;
    append.payload = payload;
    uint32_t length = static_cast<uint32_t>(kFixedBodyBytes + source.size() + payload.size());
    uint32_t tail_crc = Crc(Crc(0, source.data(), source.size()), payload.data(), payload.size());
    std::memcpy(append.header, kMagic, 4);
    PutU32(append.header + 8, length);
    PutU64(append.header + 20, static_cast<uint64_t>(NowUnixMs()));
    PutU32(append.header + 28, static_cast<uint32_t>(source.size()));

    std::unique_lock<std::mutex> lock(mu_);
    if (!failed_.ok()) {
        return failed_;
    }
    if (next_seq_ > kMaxSeq) {
        return Status(StatusCode::kResourceExhausted, "WAL seqs are used up");
    }
    append.seq = next_seq_++;
    PutU64(append.header + 12, append.seq);
    uint32_t prefix_crc = Crc(0, append.header + 8, kRecordPrefixBytes - 8);
    PutU32(append.header + 4,
           static_cast<uint32_t>(crc32_combine(
                   prefix_crc, tail_crc, static_cast<z_off_t>(source.size() + payload.size()))));
    pending_.emplace(append.seq, std::string(source));
    batch_.push_back(&append);
    while (durable_seq_ < append.seq && failed_.ok()) {
        if (writing_) {
            durable_cv_.wait(lock);
            continue;
        }
        // Leader: write everything queued so far, ours included, with one fdatasync.
        writing_ = true;
        std::vector<PendingAppend*> batch;
        batch.swap(batch_);
        lock.unlock();
        Status written = WriteBatch(batch);
        lock.lock();
        writing_ = false;
        if (written.ok()) {
            durable_seq_ = batch.back()->seq;
            stats_.appended += batch.size();
            stats_.batches += 1;
            stats_.fsyncs += options_.fsync ? 1 : 0;
        } else {
            failed_ = written;
            batch_.clear();  // nobody writes them now; their appenders return failed_
        }
        durable_cv_.notify_all();
    }
    if (durable_seq_ < append.seq) {
        pending_.erase(append.seq);
        return failed_;
    }
    return append.seq;
}

Status WriteAheadLog::WriteBatch(const std::vector<PendingAppend*>& batch) {
    if (active_bytes_ >= options_.segment_bytes) {
        std::string path = (fs::path(dir_) / SegmentName(batch.front()->seq)).string();
        int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            return ErrnoStatus("cannot create WAL segment " + path);
        }
        if (options_.fsync) {
            SyncFolder(dir_);
        }
        ::close(fd_);
        fd_ = fd;
        active_bytes_ = 0;
        std::lock_guard<std::mutex> lock(mu_);
        segments_.push_back(Segment{.first_seq = batch.front()->seq, .path = path});
    }
    std::vector<iovec> iov;
    iov.reserve(batch.size() * 3);
    uint64_t total = 0;
    for (PendingAppend* append : batch) {
        iov.push_back(iovec{append->header, kRecordPrefixBytes});
        if (!append->source.empty()) {
            iov.push_back(iovec{const_cast<char*>(append->source.data()), append->source.size()});
        }
        if (!append->payload.empty()) {
            iov.push_back(iovec{const_cast<char*>(append->payload.data()), append->payload.size()});
        }
        total += kRecordPrefixBytes + append->source.size() + append->payload.size();
    }
    if (!WriteVector(fd_, &iov)) {
        return ErrnoStatus("cannot write WAL segment in " + dir_);
    }
    if (options_.fsync && ::fdatasync(fd_) != 0) {
        return ErrnoStatus("cannot fdatasync WAL segment in " + dir_);
    }
    active_bytes_ += total;
    std::lock_guard<std::mutex> lock(mu_);
    stats_.bytes += total;
    return Status::Ok();
}

Status WriteAheadLog::Replay(const std::function<void(const WalRecord&)>& fn) {
    Status result;
    int fd = -1;
    size_t open_segment = SIZE_MAX;
    for (const ReplayEntry& entry : replay_) {
        {
            std::lock_guard<std::mutex> lock(mu_);
            if (pending_.count(entry.seq) == 0) {
                continue;  // processed since Open
            }
        }
        const std::string& path = replay_segments_[entry.segment];
        if (open_segment != entry.segment) {
            if (fd >= 0) {
                ::close(fd);
            }
            fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            open_segment = entry.segment;
        }
        DecodedRecord record;
        std::string why = "cannot open the segment";

        struct stat st {};

        bool ok =
                fd >= 0 && ::fstat(fd, &st) == 0 &&
                ReadRecord(
                        fd, entry.offset, static_cast<uint64_t>(st.st_size), true, &record, &why) &&
                record.seq == entry.seq;
        if (!ok) {
            std::lock_guard<std::mutex> lock(mu_);
            issues_.push_back(path + ": byte " + std::to_string(entry.offset) + ": seq " +
                              std::to_string(entry.seq) + " no longer reads back (" + why +
                              "); dropped");
            pending_.erase(entry.seq);
            result = DataLoss("WAL records were lost after open; see issues()");
            continue;
        }
        WalRecord out;
        out.seq = record.seq;
        out.source = std::move(record.source);
        out.payload = std::move(record.payload);
        out.received_unix_ms = record.received_unix_ms;
        fn(out);
        std::lock_guard<std::mutex> lock(mu_);
        stats_.replayed += 1;
    }
    if (fd >= 0) {
        ::close(fd);
    }
    return result;
}

void WriteAheadLog::MarkProcessed(uint64_t seq) {
    bool persist = false;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (pending_.erase(seq) == 0) {
            return;
        }
        persist = ++marks_since_persist_ >= options_.persist_every;
    }
    if (persist) {
        // A failure here is seen again (and returned) by the next Flush().
        (void)PersistCheckpoint(false);
    }
}

Status WriteAheadLog::Flush() {
    return PersistCheckpoint(true);
}

Status WriteAheadLog::PersistCheckpoint(bool force) {
    std::lock_guard<std::mutex> checkpoint_lock(checkpoint_mu_);
    uint64_t checkpoint = 0;
    {
        std::lock_guard<std::mutex> lock(mu_);
        marks_since_persist_ = 0;
        checkpoint = pending_.empty() ? next_seq_ : pending_.begin()->first;
    }
    if (checkpoint != persisted_checkpoint_ || (force && persisted_checkpoint_ == 0)) {
        std::string text = std::string(kCheckpointPrefix) + std::to_string(checkpoint) + "\n";
        FIREBREAK_RETURN_IF_ERROR(WriteFileDurably(
                (fs::path(dir_) / kCheckpointName).string(), text, options_.fsync));
        persisted_checkpoint_ = checkpoint;
        std::lock_guard<std::mutex> lock(mu_);
        stats_.checkpoint_writes += 1;
    }
    // Segments wholly below the persisted checkpoint (never the active, last one).
    std::vector<std::string> obsolete;
    {
        std::lock_guard<std::mutex> lock(mu_);
        size_t keep_from = 0;
        while (keep_from + 1 < segments_.size() &&
               segments_[keep_from + 1].first_seq <= persisted_checkpoint_) {
            obsolete.push_back(segments_[keep_from].path);
            ++keep_from;
        }
        segments_.erase(segments_.begin(), segments_.begin() + static_cast<long>(keep_from));
        stats_.segments_deleted += obsolete.size();
    }
    for (const std::string& path : obsolete) {
        ::unlink(path.c_str());
    }
    if (!obsolete.empty() && options_.fsync) {
        SyncFolder(dir_);
    }
    return Status::Ok();
}

uint64_t WriteAheadLog::checkpoint() const {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.empty() ? next_seq_ : pending_.begin()->first;
}

uint64_t WriteAheadLog::last_seq() const {
    std::lock_guard<std::mutex> lock(mu_);
    return next_seq_ - 1;
}

WalStats WriteAheadLog::stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    WalStats stats = stats_;
    stats.segments = segments_.size();
    return stats;
}

std::vector<std::string> WriteAheadLog::PendingSources() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> sources;
    sources.reserve(pending_.size());
    for (const auto& entry : pending_) {
        sources.push_back(entry.second);
    }
    return sources;
}

std::vector<std::string> WriteAheadLog::issues() const {
    std::lock_guard<std::mutex> lock(mu_);
    return issues_;
}

}  // namespace firebreak::pipeline
