// Hypothesis: the write-ahead log's group commit lets throughput scale with concurrent writers:
// one fdatasync costs about the same for one record as for a batch, so with 8 appenders each
// fdatasync is shared by several records and appends/s rise well above the single-writer rate
// (which is bounded by 1 / fdatasync latency). Compare BM_WalAppend/threads:1 with threads:8
// (fsync on); BM_WalAppendNoSync shows the cost without the disk (write + CRC only).
//
// The WAL lives in $FB_WAL_BENCH_DIR (default: the system temp folder). Put it on the disk you
// mean to measure: a tmpfs makes fdatasync free.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "firebreak/pipeline/wal.h"

namespace {

using namespace firebreak;            // NOLINT(google-build-using-namespace): benchmark file
using namespace firebreak::pipeline;  // NOLINT(google-build-using-namespace): benchmark file

std::unique_ptr<WriteAheadLog> g_wal;
std::string g_dir;

void OpenWal(bool fsync) {
    const char* base = std::getenv("FB_WAL_BENCH_DIR");
    g_dir = (std::filesystem::path(base ? base : std::filesystem::temp_directory_path().string()) /
             ("fb-wal-bench-" + std::to_string(::getpid())))
                    .string();
    std::filesystem::remove_all(g_dir);
    WalOptions options;
    options.fsync = fsync;
    Result<std::unique_ptr<WriteAheadLog>> wal = WriteAheadLog::Open(g_dir, options);
    if (!wal.has_value()) {
        std::abort();
    }
    g_wal = std::move(wal).value();
}

void SetupSync(const benchmark::State&) {
    OpenWal(true);
}

void SetupNoSync(const benchmark::State&) {
    OpenWal(false);
}

void Teardown(const benchmark::State&) {
    g_wal.reset();
    std::filesystem::remove_all(g_dir);
}

void Append(benchmark::State& state) {
    std::string payload(static_cast<size_t>(state.range(0)), 'e');
    std::string source = "bench:" + std::to_string(state.thread_index());
    for (auto _ : state) {
        Result<uint64_t> seq = g_wal->Append(source, payload);
        if (!seq.has_value()) {
            state.SkipWithError("append failed");
            break;
        }
        g_wal->MarkProcessed(*seq);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * state.range(0));
    if (state.thread_index() == 0) {
        WalStats stats = g_wal->stats();
        state.counters["records_per_fsync"] =
                stats.fsyncs == 0
                        ? 0.0
                        : static_cast<double>(stats.appended) / static_cast<double>(stats.fsyncs);
    }
}

void BM_WalAppend(benchmark::State& state) {
    Append(state);
}

void BM_WalAppendNoSync(benchmark::State& state) {
    Append(state);
}

BENCHMARK(BM_WalAppend)
        ->Setup(SetupSync)
        ->Teardown(Teardown)
        ->Arg(1024)
        ->Arg(64 << 10)
        ->Threads(1)
        ->Threads(8)
        ->UseRealTime();

BENCHMARK(BM_WalAppendNoSync)
        ->Setup(SetupNoSync)
        ->Teardown(Teardown)
        ->Arg(1024)
        ->Threads(1)
        ->Threads(8)
        ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
