#include "firebreak/aws/error.h"

#include <array>

namespace firebreak::aws {

std::string ApiError::ToString() const {
    std::string out;
    if (!operation.empty())
        out = operation + ": ";
    out += code.empty() ? "error" : code;
    if (http_status != 0 || !request_id.empty()) {
        out += " (";
        if (http_status != 0)
            out += "HTTP " + std::to_string(http_status);
        if (!request_id.empty()) {
            if (http_status != 0)
                out += ", ";
            out += "request " + request_id;
        }
        out += ")";
    }
    if (!message.empty())
        out += ": " + message;
    return out;
}

Status ApiError::ToStatus() const {
    StatusCode status = StatusCode::kInternal;
    if (throttling) {
        status = StatusCode::kResourceExhausted;
    } else if (http_status == 0 && retryable) {
        status = StatusCode::kUnavailable;
    } else if (http_status == 403 || code == "AccessDenied" || code == "UnauthorizedOperation" ||
               code == "AccessDeniedException" || code == "InvalidClientTokenId" ||
               code == "SignatureDoesNotMatch") {
        status = StatusCode::kPermissionDenied;
    } else if (http_status == 404 || code.find("NotFound") != std::string::npos ||
               code == "NoSuchEntity" || code == "NoSuchKey" || code == "NoSuchBucket") {
        status = StatusCode::kNotFound;
    } else if (code.find("AlreadyExists") != std::string::npos ||
               code.find("Duplicate") != std::string::npos) {
        status = StatusCode::kAlreadyExists;
    } else if (http_status >= 500) {
        status = StatusCode::kUnavailable;
    } else if (http_status >= 400 || http_status == 0) {
        status = StatusCode::kInvalidArgument;
    }
    return Status(status, ToString(), retryable);
}

ApiError ClientError(std::string code, std::string message) {
    ApiError error;
    error.code = std::move(code);
    error.message = std::move(message);
    return error;
}

bool IsThrottlingCode(std::string_view code) {
    static constexpr std::array<std::string_view, 14> kCodes = {
            "Throttling",
            "ThrottlingException",
            "ThrottledException",
            "RequestThrottledException",
            "TooManyRequestsException",
            "ProvisionedThroughputExceededException",
            "TransactionInProgressException",
            "RequestLimitExceeded",
            "BandwidthLimitExceeded",
            "LimitExceededException",
            "RequestThrottled",
            "SlowDown",
            "PriorRequestNotComplete",
            "EC2ThrottledException"};
    for (std::string_view c : kCodes) {
        if (c == code)
            return true;
    }
    return false;
}

bool IsTransientCode(std::string_view code) {
    static constexpr std::array<std::string_view, 7> kCodes = {"RequestTimeout",
                                                               "RequestTimeoutException",
                                                               "InternalError",
                                                               "InternalFailure",
                                                               "ServiceUnavailable",
                                                               "InternalServerError",
                                                               "IDPCommunicationError"};
    for (std::string_view c : kCodes) {
        if (c == code)
            return true;
    }
    return false;
}

}  // namespace firebreak::aws
