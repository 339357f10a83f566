#include "firebreak/core/file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace firebreak {

Result<std::string> ReadFileToString(const std::string& path, size_t max_bytes) {
    struct stat st {};

    if (::stat(path.c_str(), &st) != 0) {
        int err = errno;
        std::string message = path + ": " + std::strerror(err);
        return err == ENOENT ? NotFound(message) : Status(StatusCode::kUnavailable, message);
    }
    if (S_ISDIR(st.st_mode)) {
        return InvalidArgument(path + ": is a directory");
    }
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                         &std::fclose);
    if (!file) {
        return Status(StatusCode::kUnavailable, path + ": " + std::strerror(errno));
    }
    std::string out;
    char buf[65536];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof(buf), file.get())) > 0) {
        if (out.size() + n > max_bytes) {
            return InvalidArgument(path + ": larger than " + std::to_string(max_bytes) + " bytes");
        }
        out.append(buf, n);
    }
    if (std::ferror(file.get())) {
        return Status(StatusCode::kUnavailable, path + ": read error");
    }
    return out;
}

Status WriteAllToFd(int fd, std::string_view bytes, const std::string& path) {
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return Status(StatusCode::kUnavailable,
                          "cannot write " + path + ": " + std::strerror(errno));
        }
        done += static_cast<size_t>(n);
    }
    return Status::Ok();
}

}  // namespace firebreak
