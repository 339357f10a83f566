// File: vault_backend.cpp
#include "firebreak/evidence/vault_backend.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "firebreak/core/file.h"
#include "firebreak/core/text.h"
#include "firebreak/core/time.h"
#include "local_files.h"

namespace firebreak::evidence {

namespace fs = std::filesystem;

std::string_view RetentionModeName(RetentionMode mode) {
    return mode == RetentionMode::kGovernance ? "GOVERNANCE" : "COMPLIANCE";
}

std::optional<RetentionMode> ParseRetentionMode(std::string_view text) {
    std::string upper = AsciiLower(text);
    if (upper == "governance") {
        return RetentionMode::kGovernance;
    }
    if (upper == "compliance") {
        return RetentionMode::kCompliance;
    }
    return std::nullopt;
}

std::string LocalVaultBackend::Identity() const {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(fs::absolute(root_, ec), ec);
    return ec ? root_.string() : canonical.string();
}

std::optional<StoredObject> LocalVaultBackend::Get(std::string_view bucket, std::string_view key) {
    if (bucket != bucket_) {
        return std::nullopt;
    }
    std::optional<fs::path> path = internal::SafeJoin(root_, key);
    std::error_code ec;
    // Only plain files: a symlink, FIFO or device planted in the vault is not an object.
    if (!path.has_value() || fs::symlink_status(*path, ec).type() != fs::file_type::regular) {
        return std::nullopt;
    }
    Result<std::string> bytes = ReadFileToString(path->string(), size_t{4} << 30);
    if (!bytes.has_value()) {
        return std::nullopt;
    }
    StoredObject object;
    object.bytes = std::move(*bytes);
    Result<std::string> sidecar =
            ReadFileToString(path->string() + std::string(internal::kSidecarSuffix));
    if (sidecar.has_value()) {
        object.metadata = internal::ParseSidecar(*sidecar);
    }
    return object;
}

std::optional<std::vector<std::string>> LocalVaultBackend::List(std::string_view bucket,
                                                                std::string_view prefix) {
    if (bucket != bucket_) {
        return std::nullopt;
    }
    return internal::ListKeys(root_, prefix);
}

Result<PutResult> LocalVaultBackend::PutOnce(const PutRequest& request) {
    std::optional<fs::path> path = internal::SafeJoin(root_, request.key);
    if (!path.has_value()) {
        return InvalidArgument("unusable object key: \"" + request.key + "\"");
    }
    std::map<std::string, std::string> metadata = request.metadata;
    if (request.retention.has_value()) {
        metadata[std::string(kMetaRetentionMode)] =
                std::string(RetentionModeName(request.retention->mode));
        metadata[std::string(kMetaRetainUntil)] = FormatIsoSeconds(request.retention->until);
    }
    // The sidecar first: an object is never visible without its retention. A sidecar left by a
    // write that failed before the object is replaced by the retry.
    fs::path sidecar_path = path->string() + std::string(internal::kSidecarSuffix);
    std::error_code ec;
    bool object_exists = fs::exists(*path, ec);
    if (!metadata.empty() && !object_exists) {
        FIREBREAK_RETURN_IF_ERROR(
                internal::WriteFileReplacing(sidecar_path, internal::SidecarJson(metadata)));
    }
    Status created = object_exists ? Status(StatusCode::kAlreadyExists, "exists")
                                   : internal::CreateFileOnce(*path, request.bytes, 0444);
    if (created.ok()) {
        return PutResult{};
    }
    if (created.code() != StatusCode::kAlreadyExists) {
        return created;
    }
    Result<std::string> existing = ReadFileToString(path->string(), size_t{4} << 30);
    if (existing.has_value() && *existing == request.bytes) {
        PutResult result;
        result.created = false;
        return result;
    }
    return Status(StatusCode::kAlreadyExists,
                  "refused: " + request.key + " already exists in the vault with other bytes (" +
                          "objects are written once)");
}

Status LocalVaultBackend::Delete(std::string_view key, TimePoint now) {
    std::optional<fs::path> path = internal::SafeJoin(root_, key);
    std::error_code ec;
    if (!path.has_value() || !fs::exists(*path, ec)) {
        return NotFound("no object " + std::string(key) + " in the vault");
    }
    fs::path sidecar_path = path->string() + std::string(internal::kSidecarSuffix);
    Result<std::string> sidecar = ReadFileToString(sidecar_path.string());
    if (sidecar.has_value()) {
        std::map<std::string, std::string> metadata = internal::ParseSidecar(*sidecar);
        auto until = metadata.find(std::string(kMetaRetainUntil));
        if (until != metadata.end()) {
            std::optional<TimePoint> t = ParseIsoTime(until->second);
            if (!t.has_value() || *t > now) {
                auto mode = metadata.find(std::string(kMetaRetentionMode));
                return Status(StatusCode::kPermissionDenied,
                              "refused: " + std::string(key) + " is retained (" +
                                      (mode == metadata.end() ? "" : mode->second + " ") +
                                      "until " + until->second + ")");
            }
        }
    }
    if (::unlink(path->c_str()) != 0) {
        return Status(StatusCode::kUnavailable,
                      "cannot delete " + path->string() + ": " + std::strerror(errno));
    }
    ::unlink(sidecar_path.c_str());
    return Status::Ok();
}

}  // namespace firebreak::evidence
