// File: local_files.h (private to the evidence module)
//
// Objects stored as files: `<base>/<key>` with an optional JSON metadata sidecar `<key>.sig`
// (S3 user metadata: "signature", "signature-algorithm", and for the vault "retain-until",
// "retention-mode"). Shared by LocalFolderSource (reads CloudTrail copies) and LocalVaultBackend
// (the vault's write-once store).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/core/status.h"

namespace firebreak::evidence::internal {

inline constexpr std::string_view kSidecarSuffix = ".sig";

// `<base>/<key>`, or nullopt when the key is empty or has an empty, "." or ".." segment or a NUL
// (so a key can never reach outside `base`).
std::optional<std::filesystem::path> SafeJoin(const std::filesystem::path& base,
                                              std::string_view key);

// A sidecar's metadata: every string member of a JSON object, or a plain-text hex signature
// (the algorithm is then SHA256withRSA).
std::map<std::string, std::string> ParseSidecar(std::string_view text);

// {"name":"value",...}\n in the map's (sorted) order.
std::string SidecarJson(const std::map<std::string, std::string>& metadata);

// Keys under `base` starting with `prefix` (sidecars and names starting with ".fb-tmp-"
// excluded), sorted. nullopt when the folder walk fails midway; an absent folder lists nothing.
std::optional<std::vector<std::string>> ListKeys(const std::filesystem::path& base,
                                                 std::string_view prefix);

// Writes `bytes` to `path` (creating folders), replacing any file there.
Status WriteFileReplacing(const std::filesystem::path& path, std::string_view bytes);

// Creates `path` with `bytes` atomically and never over an existing file: a temporary file in the
// same folder is written and fsynced, then hard-linked to `path` (link(2) fails on an existing
// name) and removed; the folder is fsynced. kAlreadyExists when `path` exists. `mode` is applied
// to the file (0444 for write-once objects).
Status CreateFileOnce(const std::filesystem::path& path, std::string_view bytes, unsigned mode);

}  // namespace firebreak::evidence::internal
