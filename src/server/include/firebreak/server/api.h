// File: api.h
//
// What the HTTP front (http_server.h) calls: a ServiceApi, implemented by `firebreak serve` on
// top of the pipeline, the finding store, the responder and the evidence vault. The server owns
// transport concerns (routing, authentication, limits, back-pressure, metrics of requests); the
// ServiceApi owns meaning (JSON bodies in and out, status codes of the operations).
//
// The routing table lives here, in one place, and is documented in src/server/README.md:
// Routes() lists it and MatchRoute() resolves a method and path against it.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace firebreak::server {

// One authenticated API call (every route except ingest), already routed.
struct ApiRequest {
    std::string method;                              // "GET", "POST", ... (HEAD arrives as "GET")
    std::string path;                                // decoded path, e.g. "/v1/findings/f-1"
    std::map<std::string, std::string> path_params;  // {"id": "f-1"}
    std::multimap<std::string, std::string> query;   // decoded query parameters
    std::string body;                                // identity-encoded bytes, at most max_body
    std::string principal;  // "token" (bearer); "" for the unauthenticated health route
};

struct ApiResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;  // JSON; the server appends a trailing newline when it is missing
    std::vector<std::pair<std::string, std::string>> headers;
};

// POST /v1/ingest after authentication and limits. The body is passed as received (possibly
// gzip: content_encoding says so) so the write-ahead log can keep the original bytes.
struct IngestRequest {
    std::string_view body;         // non-empty, at most max_body_bytes; valid during the call
    std::string content_encoding;  // "" (identity) or "gzip"
    std::string content_type;      // as sent, may be ""
    std::string auth;              // "token" | "hmac"
    std::string remote;            // "ip:port" of the peer
};

struct IngestReply {
    int status = 202;
    int retry_after_seconds = 0;  // > 0: sent as Retry-After (with 429 / 503)
    std::string body;             // JSON made by the implementation
};

class ServiceApi {
public:
    virtual ~ServiceApi() = default;

    // Called concurrently from the server's worker threads (at most max_inflight_ingest at once).
    virtual IngestReply Ingest(const IngestRequest& request) = 0;

    // `route` is a route name of Routes() other than "ingest", e.g. "findings.list". Called
    // concurrently. For "health" the server sends only {"status": <the "status" string of the
    // returned body>} (it is unauthenticated); for "metrics" the body is passed as is with the
    // returned content type ("text/plain; version=0.0.4").
    virtual ApiResponse Handle(std::string_view route, const ApiRequest& request) = 0;
};

struct RouteSpec {
    std::string_view method;   // "GET", "POST", "PATCH", "DELETE"
    std::string_view pattern;  // "/v1/findings/{id}": {id} is one path segment
    std::string_view route;    // "findings.get"; "ingest" goes to ServiceApi::Ingest
    bool auth = true;          // false only for health
};

// The whole routing table, in documentation order.
std::span<const RouteSpec> Routes();

struct RouteMatch {
    enum class Kind : uint8_t {
        kFound,
        kNotFound,          // no pattern has this path
        kMethodNotAllowed,  // the path exists with other methods: see `allow`
        kBadId,             // a {id} segment has characters outside [A-Za-z0-9._:-] or is too long
    };
    Kind kind = Kind::kNotFound;
    const RouteSpec* spec = nullptr;  // kFound
    std::map<std::string, std::string> path_params;
    std::string allow;  // kMethodNotAllowed: "GET, PATCH"
};

// HEAD is matched as GET. Ids: 1..256 characters of [A-Za-z0-9._:-], not "." or "..".
RouteMatch MatchRoute(std::string_view method, std::string_view path);

bool IsValidPathId(std::string_view id);

}  // namespace firebreak::server
