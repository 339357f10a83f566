// File: s3_backend.cpp
#include "firebreak/evidence_s3/s3_backend.h"

#include "firebreak/aws/s3.h"

namespace firebreak::evidence {

namespace {

std::string Url(const std::string& bucket, std::string_view key) {
    return "s3://" + bucket + "/" + std::string(key);
}

}  // namespace

std::optional<StoredObject> S3VaultBackend::Get(std::string_view bucket, std::string_view key) {
    if (bucket != bucket_) {
        return std::nullopt;
    }
    return source_.Get(bucket, key);
}

std::optional<std::vector<std::string>> S3VaultBackend::List(std::string_view bucket,
                                                             std::string_view prefix) {
    if (bucket != bucket_) {
        return std::nullopt;
    }
    return source_.List(bucket, prefix);
}

Result<PutResult> S3VaultBackend::PutOnce(const PutRequest& request) {
    aws::s3::PutObjectRequest put;
    put.bucket = bucket_;
    put.key = request.key;
    put.body = std::string(request.bytes);
    put.content_type =
            request.content_type.empty() ? "application/octet-stream" : request.content_type;
    put.metadata = request.metadata;
    put.if_none_match = true;
    if (request.retention.has_value()) {
        put.object_lock_mode = request.retention->mode == RetentionMode::kCompliance
                                       ? aws::s3::ObjectLockMode::kCompliance
                                       : aws::s3::ObjectLockMode::kGovernance;
        put.object_lock_retain_until = request.retention->until;
    }
    aws::Outcome<aws::s3::PutObjectResponse> reply = aws::s3::PutObject(client_, put);
    if (reply.has_value()) {
        PutResult result;
        result.version_id = reply->version_id;
        return result;
    }
    const aws::ApiError& error = reply.error();
    if (error.code == "PreconditionFailed" || error.code == "ConditionalRequestConflict") {
        std::optional<StoredObject> existing = source_.Get(bucket_, request.key);
        if (existing.has_value() && existing->bytes == request.bytes) {
            PutResult result;
            result.created = false;
            return result;
        }
        return Status(StatusCode::kAlreadyExists,
                      "refused: " + Url(bucket_, request.key) +
                              " already exists with other bytes (objects are written once)");
    }
    if (error.code == "InvalidRequest" && error.message.find("Object Lock") != std::string::npos) {
        return Status(StatusCode::kFailedPrecondition,
                      "the vault bucket " + bucket_ +
                              " has no Object Lock: create it with Object Lock enabled "
                              "(evidence is not kept without WORM): " +
                              error.ToString());
    }
    return error.ToStatus();
}

Status S3VaultBackend::Delete(std::string_view key, TimePoint now) {
    (void)now;  // S3 judges retention by its own clock
    aws::s3::HeadObjectRequest head;
    head.bucket = bucket_;
    head.key = std::string(key);
    aws::Outcome<aws::s3::HeadObjectResponse> current = aws::s3::HeadObject(client_, head);
    if (!current.has_value()) {
        if (current.error().code == "NotFound") {
            return NotFound("no object " + Url(bucket_, key) + " in the vault");
        }
        return current.error().ToStatus();
    }
    aws::s3::DeleteObjectRequest request;
    request.bucket = bucket_;
    request.key = std::string(key);
    request.version_id = current->version_id;
    aws::Outcome<aws::s3::DeleteObjectResponse> reply = aws::s3::DeleteObject(client_, request);
    if (reply.has_value()) {
        return Status::Ok();
    }
    if (reply.error().code == "AccessDenied") {
        return Status(StatusCode::kPermissionDenied,
                      "refused by S3: " + Url(bucket_, key) + " is retained by Object Lock (" +
                              reply.error().message + ")");
    }
    return reply.error().ToStatus();
}

}  // namespace firebreak::evidence
