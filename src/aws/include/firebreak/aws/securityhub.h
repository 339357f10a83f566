// File: securityhub.h
//
// AWS Security Hub's BatchImportFindings and GetFindings (REST-JSON, API version 2018-10-26,
// signing name "securityhub"): POST /findings/import with {"Findings":[ASFF...]} and POST
// /findings. Findings travel as ASFF JSON object texts (findings::ToAsffJson makes them).
//
// AWS's limits for BatchImportFindings: at most 100 findings and 6 MB per call, 240 KB per
// finding. ImportFindings() takes any number, splits them into calls within those limits and
// reports a finding over 240 KB as failed (code "FindingTooLarge") without sending it.
//
// Security Hub is not in AwsClient's service table (service.h), so these calls resolve their
// endpoint here: the client's endpoint override when every service has the same one
// (--endpoint-url, AWS_ENDPOINT_URL: the sandbox case), else
// https://securityhub.<region>.amazonaws.com; they are signed, sent through the client's
// transport and retried with the client's RetryPolicy like any other call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/aws/error.h"
#include "firebreak/aws/http.h"

namespace firebreak::aws::securityhub {

inline constexpr size_t kMaxFindingsPerBatch = 100;
inline constexpr size_t kMaxFindingBytes = 240 * 1024;
inline constexpr size_t kMaxBatchBytes = 6 * 1024 * 1024;

// Where Security Hub calls of `client` go (see the file comment).
Endpoint SecurityHubEndpoint(const AwsClient& client);

struct ImportFindingsError {
    std::string id;
    std::string error_code;
    std::string error_message;
};

struct BatchImportFindingsResponse {
    int64_t failed_count = 0;
    int64_t success_count = 0;
    std::vector<ImportFindingsError> failed_findings;
    std::string request_id;  // of the last call when ImportFindings made several
};

// {"Findings":[f1,f2,...]}; each finding is an ASFF JSON object text, inserted as it is.
std::string EncodeBatchImportFindings(std::span<const std::string> findings);

// Fails with InvalidResponse when FailedCount or SuccessCount is missing or not a number.
Outcome<BatchImportFindingsResponse> ParseBatchImportFindings(const JsonReply& reply);

// One call: at most kMaxFindingsPerBatch findings (more is refused locally with
// "InvalidInputException", as AWS would).
Outcome<BatchImportFindingsResponse> BatchImportFindings(const AwsClient& client,
                                                         std::span<const std::string> findings);

// Consecutive index ranges [begin, end) of `findings` with at most kMaxFindingsPerBatch findings
// and at most kMaxBatchBytes of request body each; findings over kMaxFindingBytes are left out
// (listed in `too_large`).
struct FindingBatches {
    struct Range {
        size_t begin = 0;
        size_t end = 0;
    };

    std::vector<Range> ranges;  // each non-empty; skipped findings split ranges
    std::vector<size_t> too_large;
};

FindingBatches SplitFindingBatches(std::span<const std::string> findings);

// Any number of findings: one BatchImportFindings call per batch, counts summed, failures
// collected (too-large findings included, with the Id read from the finding when it has one).
// The first failed call ends the import and is returned (findings of earlier calls stay
// imported; importing again is harmless: Security Hub upserts by Id and ProductArn).
Outcome<BatchImportFindingsResponse> ImportFindings(const AwsClient& client,
                                                    std::span<const std::string> findings);

struct GetFindingsRequest {
    std::string filters_json;  // the Filters object as JSON text; empty = none
    int max_results = 0;       // 1..100; 0 = the service default
    std::string next_token;
};

struct GetFindingsResponse {
    std::vector<std::string> findings;  // ASFF JSON object texts (compact)
    std::string next_token;
    std::string request_id;
};

Outcome<GetFindingsResponse> GetFindings(const AwsClient& client,
                                         const GetFindingsRequest& request);

}  // namespace firebreak::aws::securityhub
