// File: file.h
//
// Whole-file reads for loaders (playbooks, account registries, config files), and the write loop
// of the durable writers (WAL, vault).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "firebreak/core/status.h"

namespace firebreak {

// Reads the file at `path`. NotFound when it does not exist; InvalidArgument when it is a
// directory or larger than `max_bytes`; the message names the path and the OS error.
Result<std::string> ReadFileToString(const std::string& path, size_t max_bytes = 64u << 20);

// Writes all of `bytes` to `fd`, retrying short writes and EINTR. Unavailable naming `path` and
// the error otherwise.
Status WriteAllToFd(int fd, std::string_view bytes, const std::string& path);

}  // namespace firebreak
