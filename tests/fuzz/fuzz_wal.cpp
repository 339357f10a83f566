// fuzz_wal: the write-ahead log's Open/Replay over damaged files (a crash or a disk may leave
// anything in the WAL folder).
//
// Input: byte 0 bit 0 set = a checkpoint file is present; its length is byte 1 and its bytes
// follow. The rest is written as the segment wal-00000000000000000001.log. Checks: Open succeeds
// and never crashes; replayed seqs increase and are at or above the checkpoint; a record appended
// afterwards gets a seq above every replayed one and replays intact after a reopen.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "firebreak/pipeline/wal.h"
#include "fuzz_common.h"

using namespace firebreak;
using namespace firebreak::pipeline;

namespace {

void WriteFile(const std::string& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void OpenReplayAppendReopen(const std::string& dir);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) {
        return 0;
    }
    std::string_view input(reinterpret_cast<const char*>(data), size);
    bool with_checkpoint = (data[0] & 1) != 0;
    input.remove_prefix(1);
    std::string_view checkpoint;
    if (with_checkpoint && !input.empty()) {
        size_t length = std::min<size_t>(static_cast<unsigned char>(input[0]), input.size() - 1);
        checkpoint = input.substr(1, length);
        input.remove_prefix(1 + length);
    }

    char pattern[] = "/tmp/fuzz-wal-XXXXXX";
    if (mkdtemp(pattern) == nullptr) {
        return 0;
    }
    std::string dir = pattern;
    if (with_checkpoint) {
        WriteFile(dir + "/checkpoint", checkpoint);
    }
    WriteFile(dir + "/wal-00000000000000000001.log", input);

    OpenReplayAppendReopen(dir);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return 0;
}

namespace {

void OpenReplayAppendReopen(const std::string& dir) {
    WalOptions options;
    options.fsync = false;
    options.segment_bytes = 1 << 16;
    const std::string kPayload = "appended by the fuzzer";
    uint64_t appended = 0;
    {
        Result<std::unique_ptr<WriteAheadLog>> wal = WriteAheadLog::Open(dir, options);
        FIREBREAK_FUZZ_CHECK(wal.has_value(), "Open failed: " + wal.error().ToString());
        uint64_t checkpoint_seq = (*wal)->checkpoint();
        uint64_t previous = 0;
        size_t replayed = 0;
        (void)(*wal)->Replay([&](const WalRecord& record) {
            FIREBREAK_FUZZ_CHECK(record.seq > previous, "replay out of order");
            FIREBREAK_FUZZ_CHECK(record.seq >= checkpoint_seq, "replayed below the checkpoint");
            previous = record.seq;
            ++replayed;
        });
        FIREBREAK_FUZZ_CHECK((*wal)->PendingSources().size() == replayed,
                             "pending sources differ from the replay set");
        (void)(*wal)->issues();
        Result<uint64_t> seq = (*wal)->Append("fuzz", kPayload);
        if (!seq.has_value() && seq.error().code() == StatusCode::kResourceExhausted) {
            return;  // a checkpoint or record at the last usable seq (2^62)
        }
        FIREBREAK_FUZZ_CHECK(seq.has_value(), "Append failed: " + seq.error().ToString());
        FIREBREAK_FUZZ_CHECK(*seq > previous && *seq >= checkpoint_seq, "seq handed out again");
        appended = *seq;
    }
    {
        Result<std::unique_ptr<WriteAheadLog>> wal = WriteAheadLog::Open(dir, options);
        FIREBREAK_FUZZ_CHECK(wal.has_value(), "reopen failed: " + wal.error().ToString());
        bool found = false;
        (void)(*wal)->Replay([&](const WalRecord& record) {
            if (record.seq == appended) {
                FIREBREAK_FUZZ_CHECK(record.source == "fuzz" && record.payload == kPayload,
                                     "appended record changed");
                found = true;
            }
        });
        FIREBREAK_FUZZ_CHECK(found, "appended record " + std::to_string(appended) + " lost");
    }
}

}  // namespace
