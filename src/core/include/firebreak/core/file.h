// File: file.h
//
// Whole-file reads for loaders (playbooks, account registries, config files).
#pragma once

#include <cstddef>
#include <string>

#include "firebreak/core/status.h"

namespace firebreak {

// Reads the file at `path`. NotFound when it does not exist; InvalidArgument when it is a
// directory or larger than `max_bytes`; the message names the path and the OS error.
Result<std::string> ReadFileToString(const std::string& path, size_t max_bytes = 64u << 20);

}  // namespace firebreak
