// File: wal.h
//
// The write-ahead log of `firebreak serve`: every accepted batch of events (an HTTP body, a
// CloudTrail file, a sandbox stream chunk) is appended here and fsynced before it is acknowledged,
// then processed; a restart replays what was not processed yet.
//
//   Append ─▶ current batch ─▶ one leader thread writes the whole batch (writev) + fdatasync
//            (group commit: concurrent appenders share one fdatasync) ─▶ each waiter returns
//   MarkProcessed(seq) ─▶ checkpoint = lowest unprocessed seq ─▶ persisted every N marks/Flush
//            (temp file + fsync + rename + fsync dir) ─▶ segments wholly below it deleted
//
// Files in `dir`: segments `wal-<20-digit first seq>.log`, `checkpoint`, and `lock` (flocked
// while open: one writer per folder). A segment is a sequence of records, each (little-endian):
//
//   magic u32 "FBW1" | crc32 u32 (zlib, over length..payload) | length u32 (bytes after it)
//   | seq u64 | received_unix_ms i64 | source length u32 | source | payload
//
// Open never crashes on damaged files: a torn tail (a short or bad record at the end of the last
// segment with no intact record after it: a crash mid-write) is truncated and counted; any other
// damage is listed in issues() with file and byte offset, and the rest of that segment is skipped
// and counted. A failed write or fdatasync makes the log refuse further appends (the kernel may
// have dropped the dirty pages; only a reopen knows what reached the disk).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/core/status.h"

namespace firebreak::pipeline {

inline constexpr size_t kMaxWalPayloadBytes = size_t{1} << 30;  // 1 GiB
inline constexpr size_t kMaxWalSourceBytes = 4096;

struct WalRecord {
    uint64_t seq = 0;              // assigned by Append, 1, 2, 3, ... (monotonic across restarts)
    std::string source;            // "http", "folder:/abs/path/file.json.gz", "sandbox:1234", ...
    std::string payload;           // the bytes as received (gzip or JSON text)
    int64_t received_unix_ms = 0;  // set by Append
};

struct WalOptions {
    uint64_t segment_bytes = 64 << 20;  // a new segment starts once the active one reaches this
    bool fsync = true;  // false: no fdatasync/fsync at all (fuzzing, benchmarks of the rest)
    uint32_t persist_every = 256;  // the checkpoint file is rewritten every N marks
};

struct WalStats {
    uint64_t appended = 0;  // records appended since Open
    uint64_t bytes = 0;     // record bytes written since Open (headers included)
    uint64_t fsyncs = 0;    // fdatasync calls for appends (one per group-commit batch)
    uint64_t batches = 0;   // group-commit batches written
    uint64_t segments = 0;  // segment files now in the folder
    uint64_t segments_deleted = 0;
    uint64_t torn_tail_bytes_dropped = 0;  // truncated at Open
    uint64_t corrupt_bytes_skipped = 0;    // damage not at the tail: bytes not read
    uint64_t corrupt_records_skipped = 0;  // intact-looking records inside the skipped bytes
    uint64_t replayed = 0;                 // records handed out by Replay
    uint64_t checkpoint_writes = 0;
};

// Atomically replaces `path` with `bytes`: a temp file beside it, fsync, rename, fsync of the
// folder (`sync` false: no fsyncs, still atomic against a crash of the process). Also used by the
// folder source for its state file.
Status WriteFileDurably(const std::string& path, std::string_view bytes, bool sync = true);

class WriteAheadLog {
public:
    // Creates `dir` if needed, scans the segments (see the file comment) and opens the last one
    // for appending. Errors only for I/O the log cannot work without (folder, active segment),
    // and FailedPrecondition when another WriteAheadLog has the folder open.
    static Result<std::unique_ptr<WriteAheadLog>> Open(const std::string& dir, WalOptions options);

    ~WriteAheadLog();  // Flush()es; appenders must have returned
    WriteAheadLog(const WriteAheadLog&) = delete;
    WriteAheadLog& operator=(const WriteAheadLog&) = delete;

    // Durable (fsynced) when it returns OK. Thread-safe; concurrent appenders share fsyncs
    // (group commit). Returns the record's seq. InvalidArgument for a payload over 1 GiB or a
    // source over 4 KiB; Unavailable once a write or fsync has failed.
    Result<uint64_t> Append(std::string_view source, std::string_view payload);

    // Records with seq >= checkpoint that were appended before Open (the replay set), in order,
    // except those marked processed since. Each record is read and its CRC checked again; a
    // record that no longer reads back is listed in issues() and skipped (the call then returns
    // DataLoss after handing out the rest).
    Status Replay(const std::function<void(const WalRecord&)>& fn);

    // Marks one seq processed (any order, thread-safe; unknown seqs are ignored). The checkpoint
    // (lowest unprocessed seq) advances over contiguous processed seqs and is persisted at most
    // every `persist_every` marks or on Flush(); segments wholly below it are deleted.
    void MarkProcessed(uint64_t seq);

    // Persists the checkpoint (if it moved) and deletes the segments it made obsolete.
    Status Flush();

    uint64_t checkpoint() const;
    uint64_t last_seq() const;  // the last seq assigned (0 when none ever was)
    WalStats stats() const;

    // Sources of records not yet processed (replay set + appended since open but unprocessed):
    // the folder watcher uses it so a file appended but not yet marked done is not re-read.
    std::vector<std::string> PendingSources() const;

    // What Open and Replay found damaged: "<file>: byte <offset>: <what>".
    std::vector<std::string> issues() const;

private:
    struct Segment {
        uint64_t first_seq = 0;
        std::string path;
    };

    struct ReplayEntry {
        uint64_t seq = 0;
        size_t segment = 0;  // index into replay_segments_
        uint64_t offset = 0;
        uint32_t length = 0;  // the record's length field
    };
    struct PendingAppend;  // one Append waiting in a batch (lives on the appender's stack)

    WriteAheadLog(std::string dir, WalOptions options);
    Status Scan();
    Status OpenActiveSegment(bool reuse_last);
    Status WriteBatch(const std::vector<PendingAppend*>& batch);
    Status PersistCheckpoint(bool force);

    const std::string dir_;
    const WalOptions options_;
    bool opened_ = false;  // Open succeeded: the destructor may persist the checkpoint

    // Set by Open, read-only afterwards.
    std::vector<std::string> replay_segments_;
    std::vector<ReplayEntry> replay_;

    mutable std::mutex mu_;
    std::condition_variable durable_cv_;
    uint64_t next_seq_ = 1;
    uint64_t durable_seq_ = 0;  // every seq <= this is written (and synced)
    bool writing_ = false;      // a leader is writing a batch
    Status failed_;             // sticky write/sync failure
    std::vector<PendingAppend*> batch_;
    std::map<uint64_t, std::string> pending_;  // unprocessed seq -> source
    std::vector<Segment> segments_;            // sorted by first_seq; the last is active
    uint32_t marks_since_persist_ = 0;
    WalStats stats_;
    std::vector<std::string> issues_;

    // Owned by the writing leader (writing_ == true) or by Open.
    int fd_ = -1;
    int lock_fd_ = -1;  // `lock`, flocked for the log's lifetime
    uint64_t active_bytes_ = 0;

    std::mutex checkpoint_mu_;  // serialises checkpoint files and segment deletion
    uint64_t persisted_checkpoint_ = 0;
};

}  // namespace firebreak::pipeline
