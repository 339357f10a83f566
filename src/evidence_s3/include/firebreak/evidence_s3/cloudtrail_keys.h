// File: cloudtrail_keys.h
//
// CloudTrail's digest signing keys fetched with ListPublicKeys, keyed by fingerprint for
// ValidateChain.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "firebreak/aws/client.h"
#include "firebreak/aws/cloudtrail.h"
#include "firebreak/core/status.h"
#include "firebreak/evidence/keys.h"

namespace firebreak::evidence {

// Keys of a ListPublicKeys reply by Fingerprint (as given: validate-logs compares it verbatim).
// An entry whose Value is not a base64 DER RSA key is an error naming its fingerprint.
Result<std::map<std::string, PublicKey>> PublicKeysFromReply(
        const aws::cloudtrail::ListPublicKeysResponse& reply);

// ListPublicKeys over [start, end] (unset: CloudTrail's default, the current time), every page.
Result<std::map<std::string, PublicKey>> FetchCloudTrailPublicKeys(
        const aws::AwsClient& client,
        std::optional<std::chrono::system_clock::time_point> start = std::nullopt,
        std::optional<std::chrono::system_clock::time_point> end = std::nullopt);

}  // namespace firebreak::evidence
