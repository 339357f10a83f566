// replay_main: runs a fuzz target's LLVMFuzzerTestOneInput over saved inputs, without libFuzzer.
//
// Linked with one fuzz target's source (both compiled with -DFIREBREAK_FUZZ_REPLAY) in the normal
// g++ build, it replays the regression inputs (inputs that once crashed or hung) and the seed
// corpus on every `ctest -L fuzz-regression` run:
//
//   fuzz_event_reader_replay [--no-fork] [--timeout=SECONDS] PATH...
//
// Each PATH is a file or a folder (read recursively; README* and dot files are skipped). Every
// input runs in a child process, so a crash, a sanitizer abort or a hang (SIGALRM after
// --timeout seconds, default 30) is counted, named, and does not stop the other inputs. With
// --no-fork inputs run in this process (for a debugger). Prints
//   fuzz replay: N inputs, M crashes
// and exits non-zero when M > 0 or when no input was found.
#ifndef FIREBREAK_FUZZ_REPLAY
#error "replay_main.cpp is built only with -DFIREBREAK_FUZZ_REPLAY (see tests/fuzz/replay.cmake)"
#endif

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

bool Skipped(const fs::path& p) {
    std::string name = p.filename().string();
    return name.empty() || name[0] == '.' || name.rfind("README", 0) == 0;
}

void Collect(const std::string& arg, std::vector<fs::path>* out, bool* missing) {
    std::error_code ec;
    if (fs::is_regular_file(arg, ec)) {
        out->emplace_back(arg);
        return;
    }
    if (!fs::is_directory(arg, ec)) {
        std::fprintf(stderr, "fuzz replay: no such file or folder: %s\n", arg.c_str());
        *missing = true;
        return;
    }
    std::vector<fs::path> files;
    for (fs::recursive_directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file() && !Skipped(it->path())) {
            files.push_back(it->path());
        }
    }
    std::sort(files.begin(), files.end());
    out->insert(out->end(), files.begin(), files.end());
}

bool ReadAll(const fs::path& p, std::vector<uint8_t>* bytes) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        return false;
    }
    bytes->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
}

void RunOne(const std::vector<uint8_t>& bytes) {
    // A copy in a buffer of exactly the input's size, as libFuzzer does, so reads past the end
    // are caught by ASan in sanitizer builds.
    std::vector<uint8_t> copy(bytes);
    LLVMFuzzerTestOneInput(copy.empty() ? nullptr : copy.data(), copy.size());
}

// Returns an empty string on success, else what went wrong.
std::string RunForked(const std::vector<uint8_t>& bytes, unsigned timeout) {
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        return std::string("fork failed: ") + std::strerror(errno);
    }
    if (pid == 0) {
        alarm(timeout);
        RunOne(bytes);
        std::exit(0);  // not _exit: let LeakSanitizer check the child in sanitizer builds
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return std::string("waitpid failed: ") + std::strerror(errno);
        }
    }
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status) == 0 ? std::string()
                                        : "exit status " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig == SIGALRM) {
            return "timeout (> " + std::to_string(timeout) + " s)";
        }
        return std::string("signal ") + std::to_string(sig) + " (" + strsignal(sig) + ")";
    }
    return "unknown wait status";
}

}  // namespace

int main(int argc, char** argv) {
    bool fork_each = true;
    unsigned timeout = 30;
    std::vector<std::string> paths;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--no-fork") {
            fork_each = false;
        } else if (a.rfind("--timeout=", 0) == 0) {
            timeout = static_cast<unsigned>(std::strtoul(a.c_str() + 10, nullptr, 10));
        } else if (a == "-h" || a == "--help") {
            std::printf("usage: %s [--no-fork] [--timeout=SECONDS] PATH...\n", argv[0]);
            return 0;
        } else {
            paths.push_back(a);
        }
    }
    if (LLVMFuzzerInitialize != nullptr) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    std::vector<fs::path> inputs;
    bool missing = false;
    for (const std::string& p : paths) {
        Collect(p, &inputs, &missing);
    }
    int crashes = 0;
    for (const fs::path& p : inputs) {
        std::vector<uint8_t> bytes;
        if (!ReadAll(p, &bytes)) {
            std::fprintf(stderr, "fuzz replay: cannot read %s\n", p.c_str());
            ++crashes;
            continue;
        }
        if (!fork_each) {
            RunOne(bytes);
            continue;
        }
        std::string problem = RunForked(bytes, timeout);
        if (!problem.empty()) {
            std::fprintf(stderr, "fuzz replay: CRASH %s: %s\n", p.c_str(), problem.c_str());
            ++crashes;
        }
    }
    std::printf("fuzz replay: %zu inputs, %d crashes\n", inputs.size(), crashes);
    return crashes > 0 || inputs.empty() || missing ? 1 : 0;
}
