// File: cloudtrail_keys.cpp
#include "firebreak/evidence_s3/cloudtrail_keys.h"

#include <utility>

namespace firebreak::evidence {

Result<std::map<std::string, PublicKey>> PublicKeysFromReply(
        const aws::cloudtrail::ListPublicKeysResponse& reply) {
    std::map<std::string, PublicKey> keys;
    for (const aws::cloudtrail::PublicKey& entry : reply.public_keys) {
        Result<PublicKey> key = PublicKey::FromDerBase64(entry.value_base64);
        if (!key) {
            return InvalidArgument("ListPublicKeys: the key with fingerprint " + entry.fingerprint +
                                   ": " + key.error().message());
        }
        keys.insert_or_assign(entry.fingerprint, std::move(*key));
    }
    return keys;
}

Result<std::map<std::string, PublicKey>> FetchCloudTrailPublicKeys(
        const aws::AwsClient& client,
        std::optional<std::chrono::system_clock::time_point> start,
        std::optional<std::chrono::system_clock::time_point> end) {
    aws::cloudtrail::ListPublicKeysRequest request;
    request.start_time = start;
    request.end_time = end;
    aws::Outcome<aws::cloudtrail::ListPublicKeysResponse> reply =
            aws::cloudtrail::ListAllPublicKeys(client, request);
    if (!reply) {
        return Status(StatusCode::kUnavailable, "ListPublicKeys: " + reply.error().ToString());
    }
    return PublicKeysFromReply(*reply);
}

}  // namespace firebreak::evidence
