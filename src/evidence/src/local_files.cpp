// File: local_files.cpp
#include "local_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "firebreak/core/crypto.h"
#include "firebreak/core/file.h"
#include "firebreak/core/text.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/evidence/digest.h"

namespace firebreak::evidence::internal {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTempPrefix = ".fb-tmp-";

Status ErrnoStatus(const std::string& what) {
    return Status(StatusCode::kUnavailable, what + ": " + std::strerror(errno));
}

void SyncFolder(const fs::path& folder) {
    int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace

std::optional<fs::path> SafeJoin(const fs::path& base, std::string_view key) {
    if (key.empty()) {
        return std::nullopt;
    }
    fs::path path = base;
    size_t start = 0;
    while (true) {
        size_t slash = key.find('/', start);
        std::string_view segment = key.substr(
                start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (segment.empty() || segment == "." || segment == ".." ||
            segment.find('\0') != std::string_view::npos) {
            return std::nullopt;
        }
        path /= std::string(segment);
        if (slash == std::string_view::npos) {
            return path;
        }
        start = slash + 1;
    }
}

std::map<std::string, std::string> ParseSidecar(std::string_view text) {
    std::map<std::string, std::string> metadata;
    Result<event::JsonValue> json = event::ParseJson(text);
    if (json.has_value() && json->is_object()) {
        for (const auto& [name, value] : json->members) {
            if (value.is_string()) {
                metadata[name] = value.text;
            }
        }
        return metadata;
    }
    size_t begin = text.find_first_not_of(" \t\r\n");
    size_t end = text.find_last_not_of(" \t\r\n");
    if (begin != std::string_view::npos) {
        metadata["signature"] = std::string(text.substr(begin, end - begin + 1));
        metadata["signature-algorithm"] = std::string(kSignatureAlgorithm);
    }
    return metadata;
}

std::string SidecarJson(const std::map<std::string, std::string>& metadata) {
    std::string out = "{";
    for (const auto& [name, value] : metadata) {
        if (out.size() > 1) {
            out.push_back(',');
        }
        AppendJsonString(name, &out);
        out.push_back(':');
        AppendJsonString(value, &out);
    }
    out.append("}\n");
    return out;
}

std::optional<std::vector<std::string>> ListKeys(const fs::path& base, std::string_view prefix) {
    std::vector<std::string> keys;
    std::error_code ec;
    fs::path start = base;
    size_t cut = prefix.rfind('/');
    if (cut != std::string_view::npos) {
        std::optional<fs::path> folder = SafeJoin(base, prefix.substr(0, cut));
        if (!folder.has_value()) {
            return keys;
        }
        start = *folder;
    }
    fs::recursive_directory_iterator it(start, ec);
    if (ec) {
        return keys;  // no such folder: nothing listed
    }
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) {
            return std::nullopt;
        }
        if (!it->is_regular_file(ec)) {
            continue;
        }
        std::string name = it->path().filename().string();
        if (name.starts_with(kTempPrefix) || name.ends_with(kSidecarSuffix)) {
            continue;
        }
        std::string key = it->path().lexically_relative(base).generic_string();
        if (key.compare(0, prefix.size(), prefix) == 0) {
            keys.push_back(std::move(key));
        }
    }
    std::sort(keys.begin(), keys.end());
    return keys;
}

Status WriteFileReplacing(const fs::path& path, std::string_view bytes) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) {
        return Status(StatusCode::kUnavailable,
                      "cannot create " + path.parent_path().string() + ": " + ec.message());
    }
    // A temporary file renamed over the name: a symlink planted there is replaced, never
    // followed.
    char random[8];
    RandomBytes(random, sizeof(random));
    fs::path temp =
            path.parent_path() / (std::string(kTempPrefix) + HexEncode({random, sizeof(random)}));
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        return ErrnoStatus("cannot create " + temp.string());
    }
    Status written = WriteAllToFd(fd, bytes, temp.string());
    ::close(fd);
    if (written.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
        written = ErrnoStatus("cannot write " + path.string());
    }
    if (!written.ok()) {
        ::unlink(temp.c_str());
    }
    return written;
}

Status CreateFileOnce(const fs::path& path, std::string_view bytes, unsigned mode) {
    std::error_code ec;
    fs::path folder = path.parent_path();
    fs::create_directories(folder, ec);
    if (ec) {
        return Status(StatusCode::kUnavailable,
                      "cannot create " + folder.string() + ": " + ec.message());
    }
    if (fs::exists(path, ec)) {
        return Status(StatusCode::kAlreadyExists, path.string() + " exists");
    }
    char random[8];
    RandomBytes(random, sizeof(random));
    fs::path temp = folder / (std::string(kTempPrefix) + HexEncode({random, sizeof(random)}));
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return ErrnoStatus("cannot create " + temp.string());
    }
    Status written = WriteAllToFd(fd, bytes, temp.string());
    if (written.ok() && ::fsync(fd) != 0) {
        written = ErrnoStatus("cannot sync " + temp.string());
    }
    if (written.ok() && ::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
        written = ErrnoStatus("cannot chmod " + temp.string());
    }
    ::close(fd);
    if (!written.ok()) {
        ::unlink(temp.c_str());
        return written;
    }
    if (::link(temp.c_str(), path.c_str()) != 0) {
        int error = errno;
        ::unlink(temp.c_str());
        if (error == EEXIST) {
            return Status(StatusCode::kAlreadyExists, path.string() + " exists");
        }
        errno = error;
        return ErrnoStatus("cannot create " + path.string());
    }
    ::unlink(temp.c_str());
    SyncFolder(folder);
    return Status::Ok();
}

}  // namespace firebreak::evidence::internal
