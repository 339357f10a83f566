// File: error.h
//
// The AWS client's error type: what the service said (code, message, request id, HTTP status),
// parsed from each protocol's error body, or a transport failure. Whether a retry may help is
// decided once, here, from the code and status. Messages never carry credentials.
#pragma once

#include <string>
#include <string_view>

#include "firebreak/core/status.h"

namespace firebreak::aws {

struct ApiError {
    int http_status = 0;  // 0 = no HTTP response (transport failure) or a client-side error
    std::string code;     // "InvalidInstanceID.NotFound", "AccessDenied", "RequestTimeout"...
    std::string message;
    std::string request_id;  // x-amzn-RequestId / RequestID / x-amz-request-id
    bool retryable = false;  // throttling, 5xx, timeouts, connection failures
    bool throttling = false;
    std::string operation;  // "ec2:StopInstances", filled in by the client

    // "ec2:StopInstances: UnauthorizedOperation (HTTP 403, request 1234): You are not ..."
    std::string ToString() const;

    // For layers that speak Status: the code maps to a StatusCode; the text is ToString().
    Status ToStatus() const;
};

template <class T>
using Outcome = Result<T, ApiError>;

// An error raised by firebreak itself before or after the call (bad input, unparsable reply).
ApiError ClientError(std::string code, std::string message);

// Codes AWS documents as throttling or transient, across services.
bool IsThrottlingCode(std::string_view code);
bool IsTransientCode(std::string_view code);

}  // namespace firebreak::aws
