#include "firebreak/pipeline/wal.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>

namespace firebreak::pipeline {
namespace {

namespace fs = std::filesystem;

class WalTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/fb-wal-test-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }

    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    std::unique_ptr<WriteAheadLog> OpenWal(WalOptions options = {}) {
        Result<std::unique_ptr<WriteAheadLog>> wal = WriteAheadLog::Open(dir_, options);
        EXPECT_TRUE(wal.has_value()) << (wal.has_value() ? "" : wal.error().ToString());
        return wal.has_value() ? std::move(wal).value() : nullptr;
    }

    std::vector<WalRecord> ReplayAll(WriteAheadLog& wal) {
        std::vector<WalRecord> records;
        Status status = wal.Replay([&records](const WalRecord& r) { records.push_back(r); });
        EXPECT_TRUE(status.ok()) << status.ToString();
        return records;
    }

    std::vector<std::string> Segments() const {
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(dir_)) {
            std::string name = entry.path().filename().string();
            if (name.rfind("wal-", 0) == 0) {
                names.push_back(entry.path().string());
            }
        }
        std::sort(names.begin(), names.end());
        return names;
    }

    static std::string ReadBytes(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    static void WriteBytes(const std::string& path, const std::string& bytes) {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << bytes;
    }

    std::string dir_;
};

TEST_F(WalTest, AppendThenReplayAfterReopen) {
    std::string binary("\0\x01\xff gzip\n", 9);
    {
        auto wal = OpenWal();
        ASSERT_NE(wal, nullptr);
        EXPECT_EQ(wal->last_seq(), 0u);
        EXPECT_EQ(*wal->Append("http", "{\"Records\":[]}"), 1u);
        EXPECT_EQ(*wal->Append("folder:/logs/a.json.gz", binary), 2u);
        EXPECT_EQ(*wal->Append("sandbox:7", ""), 3u);
        EXPECT_EQ(wal->stats().appended, 3u);
        EXPECT_EQ(wal->stats().fsyncs, 3u);
        EXPECT_EQ(wal->checkpoint(), 1u);
    }
    auto wal = OpenWal();
    ASSERT_NE(wal, nullptr);
    EXPECT_TRUE(wal->issues().empty());
    std::vector<WalRecord> records = ReplayAll(*wal);
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].seq, 1u);
    EXPECT_EQ(records[0].source, "http");
    EXPECT_EQ(records[0].payload, "{\"Records\":[]}");
    EXPECT_GT(records[0].received_unix_ms, 1'600'000'000'000);
    EXPECT_EQ(records[1].source, "folder:/logs/a.json.gz");
    EXPECT_EQ(records[1].payload, binary);
    EXPECT_EQ(records[2].seq, 3u);
    EXPECT_EQ(records[2].payload, "");
    EXPECT_EQ(wal->stats().replayed, 3u);
    EXPECT_EQ(*wal->Append("http", "next"), 4u);
}

TEST_F(WalTest, OneWriterPerFolder) {
    auto wal = OpenWal();
    ASSERT_NE(wal, nullptr);
    Result<std::unique_ptr<WriteAheadLog>> second = WriteAheadLog::Open(dir_, {});
    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().code(), StatusCode::kFailedPrecondition);
    wal.reset();
    EXPECT_NE(OpenWal(), nullptr);
}

TEST_F(WalTest, LimitsAreRefused) {
    auto wal = OpenWal();
    ASSERT_NE(wal, nullptr);
    char byte = 'x';
    // Only the size is looked at before refusing, so a view over one byte is enough.
    std::string_view huge(&byte, kMaxWalPayloadBytes + 1);
    Result<uint64_t> too_big = wal->Append("http", huge);
    ASSERT_FALSE(too_big.has_value());
    EXPECT_EQ(too_big.error().code(), StatusCode::kInvalidArgument);
    Result<uint64_t> long_source = wal->Append(std::string(4097, 's'), "x");
    ASSERT_FALSE(long_source.has_value());
    EXPECT_EQ(long_source.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(*wal->Append(std::string(4096, 's'), "x"), 1u);
}

TEST_F(WalTest, CheckpointPersistsAndOnlyUnprocessedReplay) {
    {
        auto wal = OpenWal();
        ASSERT_NE(wal, nullptr);
        for (int i = 1; i <= 5; ++i) {
            ASSERT_TRUE(wal->Append("src" + std::to_string(i), "p").has_value());
        }
        wal->MarkProcessed(1);
        wal->MarkProcessed(2);
        wal->MarkProcessed(4);
        EXPECT_EQ(wal->checkpoint(), 3u);
        EXPECT_EQ(wal->PendingSources(), (std::vector<std::string>{"src3", "src5"}));
        ASSERT_TRUE(wal->Flush().ok());
    }
    auto wal = OpenWal();
    ASSERT_NE(wal, nullptr);
    EXPECT_EQ(wal->checkpoint(), 3u);
    // 4 was processed but lies above the checkpoint: it replays again (findings dedupe).
    std::vector<WalRecord> records = ReplayAll(*wal);
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].seq, 3u);
    EXPECT_EQ(records[1].seq, 4u);
    EXPECT_EQ(records[2].seq, 5u);
    EXPECT_EQ(wal->PendingSources(), (std::vector<std::string>{"src3", "src4", "src5"}));
    EXPECT_EQ(*wal->Append("src6", "p"), 6u);
}

TEST_F(WalTest, ReplaySkipsProcessedRecordsAndReportsRecordsDamagedAfterOpen) {
    {
        auto wal = OpenWal();
        ASSERT_NE(wal, nullptr);
        for (int i = 1; i <= 3; ++i) {
            ASSERT_TRUE(wal->Append("s" + std::to_string(i), std::string(10, 'p')));
        }
    }
    auto wal = OpenWal();
    ASSERT_NE(wal, nullptr);
    wal->MarkProcessed(1);
    std::vector<std::string> segments = Segments();
    ASSERT_EQ(segments.size(), 1u);
    std::string bytes = ReadBytes(segments[0]);
    bytes[bytes.size() - 1] ^= 0x40;  // the third record's payload
    WriteBytes(segments[0], bytes);
    std::vector<uint64_t> seqs;
    Status status = wal->Replay([&seqs](const WalRecord& r) { seqs.push_back(r.seq); });
    EXPECT_EQ(status.code(), StatusCode::kDataLoss);
    EXPECT_EQ(seqs, (std::vector<uint64_t>{2}));
    ASSERT_EQ(wal->issues().size(), 1u);
    EXPECT_NE(wal->issues()[0].find("seq 3 no longer reads back (CRC mismatch)"), std::string::npos)
            << wal->issues()[0];
    // The lost record no longer holds the checkpoint back.
    wal->MarkProcessed(2);
    EXPECT_EQ(wal->checkpoint(), 4u);
    EXPECT_TRUE(wal->PendingSources().empty());
}

TEST_F(WalTest, OutOfOrderMarksAdvanceOverContiguousRuns) {
    auto wal = OpenWal(WalOptions{.segment_bytes = 1 << 20, .fsync = true, .persist_every = 2});
    ASSERT_NE(wal, nullptr);
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(wal->Append("s", "p").has_value());
    }
    wal->MarkProcessed(3);
    wal->MarkProcessed(2);
    EXPECT_EQ(wal->checkpoint(), 1u);
    wal->MarkProcessed(1);
    EXPECT_EQ(wal->checkpoint(), 4u);
    wal->MarkProcessed(5);
    EXPECT_EQ(wal->checkpoint(), 4u);
    wal->MarkProcessed(99);  // unknown: ignored
    wal->MarkProcessed(1);   // twice: ignored
    wal->MarkProcessed(4);
    EXPECT_EQ(wal->checkpoint(), 6u);
    EXPECT_TRUE(wal->PendingSources().empty());
    // persist_every = 2: the checkpoint file was written without Flush.
    EXPECT_GE(wal->stats().checkpoint_writes, 2u);
    EXPECT_NE(ReadBytes(dir_ + "/checkpoint").find("firebreak-wal-checkpoint "), std::string::npos);
}

TEST_F(WalTest, TornTailIsTruncatedAndAppendsContinue) {
    {
        auto wal = OpenWal();
        ASSERT_NE(wal, nullptr);
        for (int i = 0; i < 3; ++i) {
            ASSERT_TRUE(wal->Append("http", "payload-" + std::to_string(i)).has_value());
        }
    }
    std::vector<std::string> segments = Segments();
    ASSERT_EQ(segments.size(), 1u);
    std::string bytes = ReadBytes(segments[0]);
    size_t intact = bytes.size();
    // Half of a copy of the last record, as a crash mid-write leaves it.
    size_t record = intact / 3;
    WriteBytes(segments[0], bytes + bytes.substr(intact - record, record / 2));
    {
        auto wal = OpenWal();
        ASSERT_NE(wal, nullptr);
        EXPECT_TRUE(wal->issues().empty());
        EXPECT_EQ(wal->stats().torn_tail_bytes_dropped, record / 2);
        EXPECT_EQ(ReplayAll(*wal).size(), 3u);
        EXPECT_EQ(*wal->Append("http", "after"), 4u);
    }
    // Garbage (zeros, as a filesystem may leave) after the records.
    WriteBytes(segments[0], ReadBytes(segments[0]) + std::string(100, '\0'));
    auto wal = OpenWal();
    ASSERT_NE(wal, nullptr);
    EXPECT_TRUE(wal->issues().empty());
    EXPECT_EQ(wal->stats().torn_tail_bytes_dropped, 100u);
    std::vector<WalRecord> records = ReplayAll(*wal);
    ASSERT_EQ(records.size(), 4u);
    EXPECT_EQ(records[3].payload, "after");
}

TEST_F(WalTest, FlippedByteIsReportedAndOtherSegmentsStillReplay) {
    WalOptions options;
    options.segment_bytes = 150;  // two 90-byte records per segment
    {
        auto wal = OpenWal(options);
        ASSERT_NE(wal, nullptr);
        for (int i = 1; i <= 6; ++i) {
            ASSERT_TRUE(wal->Append("http", std::string(54, static_cast<char>('a' + i))));
        }
        EXPECT_EQ(wal->stats().segments, 3u);
    }
    std::vector<std::string> segments = Segments();
    ASSERT_EQ(segments.size(), 3u);
    std::string bytes = ReadBytes(segments[0]);
    ASSERT_EQ(bytes.size(), 180u);
    bytes[60] ^= 0x20;  // inside the first record's payload
    WriteBytes(segments[0], bytes);

    auto wal = OpenWal(options);
    ASSERT_NE(wal, nullptr);
    std::vector<std::string> issues = wal->issues();
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_NE(issues[0].find(segments[0] + ": byte 0: CRC mismatch"), std::string::npos)
            << issues[0];
    EXPECT_NE(issues[0].find("(1 intact-looking records)"), std::string::npos) << issues[0];
    EXPECT_EQ(wal->stats().corrupt_bytes_skipped, 180u);
    EXPECT_EQ(wal->stats().corrupt_records_skipped, 1u);
    std::vector<WalRecord> records = ReplayAll(*wal);
    ASSERT_EQ(records.size(), 4u);
    EXPECT_EQ(records[0].seq, 3u);
    EXPECT_EQ(records[0].payload, std::string(54, 'd'));
    EXPECT_EQ(records[3].seq, 6u);
    EXPECT_EQ(*wal->Append("http", "x"), 7u);
}

TEST_F(WalTest, DamageInsideTheLastSegmentIsNotATornTail) {
    {
        auto wal = OpenWal();
        ASSERT_NE(wal, nullptr);
        for (int i = 1; i <= 4; ++i) {
            ASSERT_TRUE(wal->Append("http", std::string(54, 'x')));
        }
    }
    std::vector<std::string> segments = Segments();
    ASSERT_EQ(segments.size(), 1u);
    std::string bytes = ReadBytes(segments[0]);
    ASSERT_EQ(bytes.size(), 360u);
    bytes[90 + 14] ^= 0x01;  // the second record's seq
    WriteBytes(segments[0], bytes);
    {
        auto wal = OpenWal();
        ASSERT_NE(wal, nullptr);
        ASSERT_EQ(wal->issues().size(), 1u);
        EXPECT_NE(wal->issues()[0].find(": byte 90: CRC mismatch"), std::string::npos);
        EXPECT_EQ(wal->stats().torn_tail_bytes_dropped, 0u);
        EXPECT_EQ(wal->stats().corrupt_records_skipped, 2u);
        EXPECT_EQ(ReplayAll(*wal).size(), 1u);
        // The intact records after the damage used seqs 3 and 4: they are not handed out again,
        // and the damaged segment is left alone (a new one takes the appends).
        EXPECT_EQ(*wal->Append("http", "new"), 5u);
        EXPECT_EQ(Segments().size(), 2u);
    }
    EXPECT_EQ(ReadBytes(segments[0]), bytes);
    auto wal = OpenWal();
    ASSERT_NE(wal, nullptr);
    EXPECT_EQ(wal->issues().size(), 1u);
    std::vector<WalRecord> records = ReplayAll(*wal);
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[1].payload, "new");
}

TEST_F(WalTest, SegmentsRotateAndProcessedOnesAreDeleted) {
    WalOptions options;
    options.segment_bytes = 100;
    {
        auto wal = OpenWal(options);
        ASSERT_NE(wal, nullptr);
        for (int i = 1; i <= 10; ++i) {
            ASSERT_TRUE(wal->Append("http", std::string(60, 'r')));
        }
        EXPECT_EQ(wal->stats().segments, 5u);
        std::vector<std::string> names = Segments();
        ASSERT_EQ(names.size(), 5u);
        EXPECT_EQ(fs::path(names[0]).filename(), "wal-00000000000000000001.log");
        EXPECT_EQ(fs::path(names[1]).filename(), "wal-00000000000000000003.log");
        for (uint64_t seq = 1; seq <= 6; ++seq) {
            wal->MarkProcessed(seq);
        }
        ASSERT_TRUE(wal->Flush().ok());
        EXPECT_EQ(wal->stats().segments_deleted, 3u);
        EXPECT_EQ(Segments().size(), 2u);
        for (uint64_t seq = 7; seq <= 10; ++seq) {
            wal->MarkProcessed(seq);
        }
        ASSERT_TRUE(wal->Flush().ok());
        // The active segment stays.
        EXPECT_EQ(Segments().size(), 1u);
        EXPECT_EQ(wal->stats().segments, 1u);
    }
    auto wal = OpenWal(options);
    ASSERT_NE(wal, nullptr);
    EXPECT_TRUE(ReplayAll(*wal).empty());
    EXPECT_EQ(wal->checkpoint(), 11u);
    EXPECT_EQ(*wal->Append("http", "x"), 11u);
    wal->MarkProcessed(11);
    ASSERT_TRUE(wal->Flush().ok());
    // Reopened with everything processed and the old active segment now obsolete.
    wal.reset();
    wal = OpenWal(options);
    ASSERT_NE(wal, nullptr);
    EXPECT_EQ(wal->last_seq(), 11u);
    EXPECT_EQ(*wal->Append("http", "y"), 12u);
}

TEST_F(WalTest, SeqsNeverGoBelowTheCheckpoint) {
    {
        auto wal = OpenWal();
        ASSERT_NE(wal, nullptr);
        ASSERT_TRUE(wal->Append("http", "x"));
    }
    for (const std::string& segment : Segments()) {
        fs::remove(segment);
    }
    WriteBytes(dir_ + "/checkpoint", "firebreak-wal-checkpoint 40\n");
    auto wal = OpenWal();
    ASSERT_NE(wal, nullptr);
    EXPECT_EQ(wal->checkpoint(), 40u);
    EXPECT_EQ(*wal->Append("http", "x"), 40u);
}

TEST_F(WalTest, UnreadableCheckpointAndStrayFilesAreReported) {
    {
        auto wal = OpenWal();
        ASSERT_NE(wal, nullptr);
        ASSERT_TRUE(wal->Append("http", "a"));
        ASSERT_TRUE(wal->Append("http", "b"));
        wal->MarkProcessed(1);
        ASSERT_TRUE(wal->Flush().ok());
    }
    WriteBytes(dir_ + "/checkpoint", "firebreak-wal-checkpoint 9x\n");
    WriteBytes(dir_ + "/wal-12.log", "junk");
    WriteBytes(dir_ + "/notes.txt", "not ours");
    auto wal = OpenWal();
    ASSERT_NE(wal, nullptr);
    std::vector<std::string> issues = wal->issues();
    ASSERT_EQ(issues.size(), 2u);
    EXPECT_NE(issues[0].find("unreadable checkpoint"), std::string::npos);
    EXPECT_NE(issues[1].find("wal-12.log: byte 0: not a segment name"), std::string::npos);
    EXPECT_EQ(ReplayAll(*wal).size(), 2u);  // everything replays
}

TEST_F(WalTest, ConcurrentAppendersShareFsyncs) {
    constexpr int kThreads = 8;
    constexpr int kPerThread = 150;
    std::vector<std::vector<uint64_t>> seqs(kThreads);
    {
        auto wal = OpenWal();
        ASSERT_NE(wal, nullptr);
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&wal, &seqs, t] {
                for (int i = 0; i < kPerThread; ++i) {
                    Result<uint64_t> seq =
                            wal->Append("t" + std::to_string(t),
                                        "payload " + std::to_string(t) + "/" + std::to_string(i));
                    seqs[t].push_back(seq.has_value() ? *seq : 0);
                }
            });
        }
        for (std::thread& thread : threads) {
            thread.join();
        }
        WalStats stats = wal->stats();
        EXPECT_EQ(stats.appended, uint64_t{kThreads * kPerThread});
        EXPECT_LT(stats.fsyncs, stats.appended);
        EXPECT_EQ(stats.fsyncs, stats.batches);
    }
    std::set<uint64_t> all;
    std::map<uint64_t, std::string> expected;
    for (int t = 0; t < kThreads; ++t) {
        EXPECT_TRUE(std::is_sorted(seqs[t].begin(), seqs[t].end()));
        for (int i = 0; i < kPerThread; ++i) {
            all.insert(seqs[t][i]);
            expected[seqs[t][i]] = "payload " + std::to_string(t) + "/" + std::to_string(i);
        }
    }
    ASSERT_EQ(all.size(), size_t{kThreads * kPerThread});
    EXPECT_EQ(*all.begin(), 1u);
    EXPECT_EQ(*all.rbegin(), uint64_t{kThreads * kPerThread});
    auto wal = OpenWal();
    ASSERT_NE(wal, nullptr);
    std::vector<WalRecord> records = ReplayAll(*wal);
    ASSERT_EQ(records.size(), size_t{kThreads * kPerThread});
    for (size_t i = 0; i < records.size(); ++i) {
        EXPECT_EQ(records[i].seq, i + 1);
        EXPECT_EQ(records[i].payload, expected[records[i].seq]);
    }
}

std::string CrashPayload(uint64_t n) {
    return "record " + std::to_string(n) + " " +
           std::string(n % 3000, static_cast<char>('a' + n % 26));
}

// A child appends from 4 threads and reports each acknowledged (seq, n) through a pipe; it is
// killed with SIGKILL mid-stream. Every acknowledged record must be back, intact.
TEST_F(WalTest, EveryAcknowledgedAppendSurvivesSigkill) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(fds[0]);
        WalOptions options;
        options.segment_bytes = 64 << 10;
        Result<std::unique_ptr<WriteAheadLog>> wal = WriteAheadLog::Open(dir_, options);
        if (!wal.has_value()) {
            _exit(3);
        }
        std::atomic<uint64_t> counter{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&wal, &counter, &fds] {
                while (true) {
                    uint64_t n = counter++;
                    Result<uint64_t> seq = (*wal)->Append("child", CrashPayload(n));
                    if (!seq.has_value()) {
                        _exit(4);
                    }
                    uint64_t ack[2] = {*seq, n};
                    if (::write(fds[1], ack, sizeof(ack)) != sizeof(ack)) {
                        _exit(5);
                    }
                }
            });
        }
        for (std::thread& thread : threads) {
            thread.join();
        }
        _exit(0);
    }
    ::close(fds[1]);
    std::map<uint64_t, uint64_t> acked;
    std::string buffer;
    char chunk[4096];
    bool killed = false;
    while (true) {
        ssize_t n = ::read(fds[0], chunk, sizeof(chunk));
        if (n <= 0) {
            break;
        }
        buffer.append(chunk, static_cast<size_t>(n));
        if (!killed && buffer.size() / 16 >= 300) {
            ::kill(child, SIGKILL);
            killed = true;
        }
    }
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    for (size_t i = 0; i + 16 <= buffer.size(); i += 16) {
        uint64_t ack[2];
        std::memcpy(ack, buffer.data() + i, 16);
        acked[ack[0]] = ack[1];
    }
    ASSERT_GE(acked.size(), 300u);

    auto wal = OpenWal();
    ASSERT_NE(wal, nullptr);
    EXPECT_TRUE(wal->issues().empty());
    std::map<uint64_t, std::string> replayed;
    ASSERT_TRUE(wal->Replay([&replayed](const WalRecord& r) { replayed[r.seq] = r.payload; }).ok());
    for (const auto& [seq, n] : acked) {
        auto found = replayed.find(seq);
        ASSERT_NE(found, replayed.end()) << "acknowledged seq " << seq << " lost";
        EXPECT_EQ(found->second, CrashPayload(n)) << "seq " << seq;
    }
    // Replayed seqs are contiguous from 1 (no holes before the crash point).
    EXPECT_EQ(replayed.begin()->first, 1u);
    EXPECT_EQ(replayed.rbegin()->first, replayed.size());
    EXPECT_GT(*wal->Append("after", "x"), replayed.size());
}

}  // namespace
}  // namespace firebreak::pipeline
