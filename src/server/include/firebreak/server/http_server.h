// File: http_server.h
//
// The HTTP front of `firebreak serve` (cpp-httplib underneath): the routing table of api.h,
// bearer-token and HMAC authentication, body limits, back-pressure on ingest, protection against
// slow clients, and request metrics. Everything it understands about the service goes through
// a ServiceApi; it knows nothing of pipelines or stores.
//
// Authentication (every route but GET /healthz):
//   Authorization: Bearer <token>                     compared in constant time
//   POST /v1/ingest may sign instead, when hmac_secret is set:
//     X-Firebreak-Timestamp: <unix seconds>           within max_clock_skew_seconds of now
//     X-Firebreak-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//   Failures are 401 {"error": ...} with WWW-Authenticate: Bearer; no secret is logged or echoed.
//
// Limits: a declared Content-Length over max_body_bytes is answered 413 before the body is read
// (a chunked body is cut at the limit); Content-Encoding other than identity or gzip (gzip only
// for ingest) is 415; an empty ingest body is 400; more than max_inflight_ingest concurrent
// ingests is 429 with Retry-After: 1; an IngestReply's retry_after_seconds becomes Retry-After.
//
// Slow clients (slowloris): httplib's read timeout applies to each recv, so a client sending a
// byte every few seconds would hold a worker forever. The server therefore reads through its own
// stream with whole-request deadlines (see http_server.cpp): the request line and headers must
// arrive within read_timeout of the connection's accept (or, on a kept-alive connection, of the
// request's first byte), the body within request_deadline, and a response must be written within
// write_timeout. A connection that waited in the queue past its deadline gets only the bytes
// already received. Responses are JSON ending in a newline, except GET /metrics.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "firebreak/core/status.h"
#include "firebreak/server/api.h"
#include "firebreak/server/metrics.h"

namespace firebreak::server {

struct HttpServerOptions {
    std::string host = "127.0.0.1";  // loopback by default
    int port = 0;                    // 0: the OS picks one (tests); see HttpServer::port()
    std::string token;               // required: the bearer token
    std::string hmac_secret;         // optional: enables signed ingest
    size_t max_body_bytes = 16 << 20;
    // Request line + headers, from accept (or the first byte on a kept-alive connection).
    std::chrono::seconds read_timeout{5};
    // The whole response, from its first byte.
    std::chrono::seconds write_timeout{10};
    // The whole request including its body, from the same start as read_timeout.
    std::chrono::seconds request_deadline{30};
    size_t threads = 16;  // worker threads (one connection each at a time)
    size_t max_inflight_ingest = 64;
    int max_clock_skew_seconds = 300;
    // An idle kept-alive connection is closed after this, or at once when connections wait.
    std::chrono::seconds keep_alive_timeout{2};
    size_t max_requests_per_connection = 100;
};

class HttpServer {
public:
    // Binds, starts the workers and returns once the listener accepts. Refuses an empty token,
    // a null api, and zero threads. `metrics` (optional) gets firebreak_http_requests_total{code},
    // firebreak_http_rejected_total{reason} (auth, too_large, bad_request, busy, timeout) and
    // firebreak_ingest_bytes_total; it must outlive the server.
    static Result<std::unique_ptr<HttpServer>> Start(HttpServerOptions options,
                                                     ServiceApi* api,
                                                     Metrics* metrics);

    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    int port() const;

    // Stops accepting, closes open connections (requests inside ServiceApi calls finish first)
    // and joins the workers. Idempotent; the destructor calls it.
    void Stop();

    class Impl;

private:
    explicit HttpServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Constant-time equality of two secrets (compares SHA-256 digests, so the time does not depend
// on where they differ nor on their lengths).
bool SecretEquals(std::string_view a, std::string_view b);

// The X-Firebreak-Signature value for a body: "sha256=" + lowercase hex of
// HMAC-SHA256(secret, timestamp + "." + body). Senders and tests use it.
std::string IngestSignature(std::string_view secret,
                            std::string_view timestamp,
                            std::string_view body);

}  // namespace firebreak::server
