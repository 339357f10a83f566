// File: http.h
//
// The HTTP messages the AWS client signs and sends and the sandbox receives, and the transport
// interface the client sends them through (CurlTransport in production, fakes in tests).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "firebreak/core/status.h"

namespace firebreak::aws {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive lookup of the first header with this name, or nullptr.
const std::string* FindHeader(const Headers& headers, std::string_view name);

// Replaces every header with this name (case-insensitive) by one with `value`.
void SetHeader(Headers* headers, std::string_view name, std::string value);

void RemoveHeader(Headers* headers, std::string_view name);

struct HttpRequest {
    std::string method = "GET";
    std::string path = "/";  // as sent on the wire (percent-encoded where needed)
    std::string query;       // as sent, without '?'; empty when none
    Headers headers;         // includes Host
    std::string body;

    const std::string* Header(std::string_view name) const { return FindHeader(headers, name); }
};

struct HttpResponse {
    int status = 0;
    Headers headers;
    std::string body;

    const std::string* Header(std::string_view name) const { return FindHeader(headers, name); }
};

// Where a request goes: scheme://host[:port] plus an optional base path from --endpoint-url.
struct Endpoint {
    std::string scheme = "https";
    std::string host;       // without port
    int port = 0;           // 0 = the scheme's default
    std::string base_path;  // "" or "/prefix" (no trailing slash)

    // "host" or "host:port" as the Host header must carry it.
    std::string HostHeader() const;

    // scheme://host[:port]
    std::string Origin() const;
};

// Parses "https://host[:port][/path]" (an --endpoint-url value). Errors name what is wrong.
Result<Endpoint> ParseEndpointUrl(std::string_view url);

struct TransportOptions {
    std::chrono::milliseconds connect_timeout{3000};
    std::chrono::milliseconds request_timeout{30000};
    std::string ca_bundle;  // AWS_CA_BUNDLE / --ca-bundle; empty = system store
    bool verify_tls = true;
};

// A transport failure (no HTTP response): connect refused, DNS, TLS, timeout.
struct TransportError {
    bool timeout = false;
    std::string message;
};

class HttpTransport {
public:
    virtual ~HttpTransport() = default;

    // Sends `request` (already signed; its path already includes endpoint.base_path) to
    // `endpoint`. Returns the response whatever its status.
    virtual Result<HttpResponse, TransportError> Send(const Endpoint& endpoint,
                                                      const HttpRequest& request) = 0;
};

// libcurl over OpenSSL. One easy handle per thread, reused (connection keep-alive).
std::unique_ptr<HttpTransport> MakeCurlTransport(const TransportOptions& options);

// RFC 3986 percent-encoding of everything but unreserved characters (A-Z a-z 0-9 - _ . ~);
// '/' is kept when `keep_slash`. Uppercase hex, as SigV4 requires.
std::string UriEncode(std::string_view text, bool keep_slash);

// Decodes %XX escapes ('+' is kept literally). Malformed escapes are kept as they are.
std::string UriDecode(std::string_view text);

}  // namespace firebreak::aws
