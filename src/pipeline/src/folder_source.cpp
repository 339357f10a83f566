// File: folder_source.cpp
#include "firebreak/pipeline/folder_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "firebreak/core/file.h"
#include "firebreak/pipeline/wal.h"

namespace firebreak::pipeline {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxIssues = 100;
constexpr size_t kMaxStateBytes = size_t{1} << 30;

bool EndsWith(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool IsEventFileName(std::string_view name) {
    return EndsWith(name, ".json") || EndsWith(name, ".json.gz") || EndsWith(name, ".jsonl") ||
           EndsWith(name, ".jsonl.gz");
}

bool ParseNumber(std::string_view text, int64_t* out) {
    bool negative = !text.empty() && text.front() == '-';
    if (negative) {
        text.remove_prefix(1);
    }
    if (text.empty() || text.size() > 19) {
        return false;
    }
    int64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9' || value > (INT64_MAX - (c - '0')) / 10) {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    *out = negative ? -value : value;
    return true;
}

// "<D|E> <size> <mtime ns> <path>"
std::string StateLine(const std::string& path, uint64_t size, int64_t mtime_ns, bool error) {
    return std::string(error ? "E " : "D ") + std::to_string(size) + " " +
           std::to_string(mtime_ns) + " " + path + "\n";
}

}  // namespace

FolderSource::FolderSource(FolderSourceOptions options) : options_(std::move(options)) {}

FolderSource::~FolderSource() {
    Stop();
}

Result<std::unique_ptr<FolderSource>> FolderSource::Open(FolderSourceOptions options,
                                                         const std::vector<std::string>& already) {
    if (options.path.empty()) {
        return InvalidArgument("folder source: no path");
    }
    if (options.state_file.empty()) {
        return InvalidArgument("folder source: no state file");
    }
    std::error_code ec;
    fs::path root = fs::absolute(options.path, ec).lexically_normal();
    if (ec) {
        return InvalidArgument("folder source: bad path " + options.path);
    }
    std::string root_text = root.string();
    while (root_text.size() > 1 && root_text.back() == '/') {
        root_text.pop_back();
    }
    options.path = root_text;
    std::unique_ptr<FolderSource> source(new FolderSource(std::move(options)));
    for (const std::string& name : already) {
        if (name.substr(0, kSourcePrefix.size()) == kSourcePrefix) {
            source->already_.insert(name.substr(kSourcePrefix.size()));
        }
    }
    FIREBREAK_RETURN_IF_ERROR(source->LoadState());
    return source;
}

Status FolderSource::LoadState() {
    std::error_code ec;
    if (fs::exists(options_.state_file, ec)) {
        Result<std::string> text = ReadFileToString(options_.state_file, kMaxStateBytes);
        if (!text.has_value()) {
            return Status(StatusCode::kUnavailable,
                          "folder source: cannot read state file: " + text.error().message());
        }
        std::string_view rest = *text;
        size_t line_number = 0;
        while (!rest.empty()) {
            size_t end = rest.find('\n');
            std::string_view line = rest.substr(0, end);
            rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
            ++line_number;
            if (line.empty()) {
                continue;
            }
            // Fields: kind, size, mtime, then the path (which may contain spaces).
            size_t a = line.find(' ');
            size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
            size_t c = b == std::string_view::npos ? b : line.find(' ', b + 1);
            int64_t size = 0;
            int64_t mtime = 0;
            if (c == std::string_view::npos ||
                (line.substr(0, a) != "D" && line.substr(0, a) != "E") ||
                !ParseNumber(line.substr(a + 1, b - a - 1), &size) || size < 0 ||
                !ParseNumber(line.substr(b + 1, c - b - 1), &mtime) || c + 1 >= line.size()) {
                // A torn last line (crash mid-append) or damage: that file is new again.
                AddIssue(options_.state_file + ":" + std::to_string(line_number) +
                         ": unreadable state line ignored");
                continue;
            }
            DoneEntry entry;
            entry.state.size = static_cast<uint64_t>(size);
            entry.state.mtime_ns = mtime;
            entry.error = line.front() == 'E';
            done_[std::string(line.substr(c + 1))] = entry;
        }
    }
    // Rewrite compacted (one line per path, the last one wins).
    std::string compacted;
    for (const auto& [path, entry] : done_) {
        compacted += StateLine(path, entry.state.size, entry.state.mtime_ns, entry.error);
    }
    Status written = WriteFileDurably(options_.state_file, compacted);
    if (!written.ok()) {
        return Status(StatusCode::kUnavailable,
                      "folder source: cannot write state file: " + written.message());
    }
    return Status::Ok();
}

Status FolderSource::RecordDone(const std::string& path, const FileState& state, bool error) {
    done_[path] = DoneEntry{.state = state, .error = error};
    previous_.erase(path);
    if (path.find('\n') != std::string::npos) {
        return Status::Ok();  // cannot be a state line: remembered until restart only
    }
    std::string line = StateLine(path, state.size, state.mtime_ns, error);
    int fd = ::open(options_.state_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return Status(StatusCode::kUnavailable,
                      "folder source: cannot open state file " + options_.state_file + ": " +
                              std::strerror(errno));
    }
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
              ::fdatasync(fd) == 0;
    int saved = errno;
    ::close(fd);
    if (!ok) {
        return Status(StatusCode::kUnavailable,
                      "folder source: cannot append to state file " + options_.state_file + ": " +
                              std::strerror(saved));
    }
    return Status::Ok();
}

void FolderSource::AddIssue(std::string issue) {
    std::lock_guard<std::mutex> lock(mu_);
    if (issues_.size() >= kMaxIssues) {
        issues_.erase(issues_.begin());
    }
    issues_.push_back(std::move(issue));
}

Result<size_t> FolderSource::PollOnce(const FolderDeliver& deliver) {
    std::lock_guard<std::mutex> poll_lock(poll_mu_);
    {
        std::lock_guard<std::mutex> lock(mu_);
        stats_.polls += 1;
    }
    // 1. Walk the tree.
    std::vector<std::pair<std::string, FileState>> files;
    std::error_code ec;
    fs::recursive_directory_iterator it(
            options_.path, fs::directory_options::skip_permission_denied, ec);
    for (fs::recursive_directory_iterator end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        std::error_code type_ec;
        bool directory = it->is_directory(type_ec);
        if (name.empty() || name.front() == '.' || name.find(".tmp") != std::string::npos ||
            (directory && name == "CloudTrail-Digest")) {
            if (directory) {
                it.disable_recursion_pending();
            }
            continue;
        }
        if (directory || !it->is_regular_file(type_ec) || !IsEventFileName(name)) {
            continue;
        }

        struct stat st {};

        if (::stat(it->path().c_str(), &st) != 0) {
            continue;  // gone since listed
        }
        FileState state;
        state.size = static_cast<uint64_t>(st.st_size);
        state.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
        files.emplace_back(it->path().string(), state);
    }
    if (ec) {
        AddIssue(options_.path + ": cannot list: " + ec.message());
    }
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
        return a.first < b.first;
    });

    // 2. Classify: done, already in the WAL, stable (complete) or still changing.
    std::map<std::string, FileState> now_changing;
    std::vector<std::pair<std::string, FileState>> complete;
    for (const auto& [path, state] : files) {
        if (seen_.insert(path).second) {
            std::lock_guard<std::mutex> lock(mu_);
            stats_.files_seen += 1;
        }
        auto done = done_.find(path);
        if (done != done_.end() && done->second.state == state) {
            continue;
        }
        if (already_.erase(path) > 0) {
            FIREBREAK_RETURN_IF_ERROR(RecordDone(path, state, false));
            std::lock_guard<std::mutex> lock(mu_);
            stats_.files_already += 1;
            continue;
        }
        auto previous = previous_.find(path);
        if (previous != previous_.end() && previous->second == state) {
            complete.emplace_back(path, state);
        }
        now_changing[path] = state;
    }
    previous_ = std::move(now_changing);

    // 3. Deliver the complete files.
    size_t delivered = 0;
    for (const auto& [path, state] : complete) {
        if (state.size > options_.max_file_bytes) {
            AddIssue(path + ": " + std::to_string(state.size) + " bytes is over the limit of " +
                     std::to_string(options_.max_file_bytes) + "; skipped");
            FIREBREAK_RETURN_IF_ERROR(RecordDone(path, state, true));
            std::lock_guard<std::mutex> lock(mu_);
            stats_.files_failed += 1;
            continue;
        }
        Result<std::string> bytes = ReadFileToString(path, options_.max_file_bytes);
        if (!bytes.has_value()) {
            AddIssue(path + ": cannot read: " + bytes.error().message() + "; skipped");
            FIREBREAK_RETURN_IF_ERROR(RecordDone(path, state, true));
            std::lock_guard<std::mutex> lock(mu_);
            stats_.files_failed += 1;
            continue;
        }
        Status accepted = deliver(std::string(kSourcePrefix) + path, *bytes);
        if (!accepted.ok()) {
            std::lock_guard<std::mutex> lock(mu_);
            stats_.deliver_refusals += 1;
            break;  // retried next poll (still in previous_, so still complete)
        }
        FIREBREAK_RETURN_IF_ERROR(RecordDone(path, state, false));
        ++delivered;
        std::lock_guard<std::mutex> lock(mu_);
        stats_.files_delivered += 1;
        stats_.bytes += bytes->size();
    }
    return delivered;
}

void FolderSource::Start(FolderDeliver deliver) {
    Stop();
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = false;
    }
    thread_ = std::thread([this, deliver = std::move(deliver)] {
        std::unique_lock<std::mutex> lock(mu_);
        while (!stop_) {
            lock.unlock();
            Result<size_t> polled = PollOnce(deliver);
            if (!polled.has_value()) {
                AddIssue(polled.error().message());
            }
            lock.lock();
            stop_cv_.wait_for(lock, options_.poll, [this] { return stop_; });
        }
    });
}

void FolderSource::Stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
    }
    stop_cv_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

FolderSourceStats FolderSource::stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
}

std::vector<std::string> FolderSource::issues() const {
    std::lock_guard<std::mutex> lock(mu_);
    return issues_;
}

}  // namespace firebreak::pipeline
