// File: sandbox_source.h
//
// The sandbox source of `firebreak serve`: reads the live CloudTrail stream of a `firebreak
// sandbox` (GET /_firebreak/stream, a SigV4-signed long poll; src/sandbox/README.md "Live stream
// over HTTP") and hands each batch of EventBridge envelopes to the pipeline once.
//
//   poll: GET ?after=<seq>&max=<max_batch>&wait=<ms>&epoch=<epoch> ─▶ envelopes seq a..b
//         ─▶ deliver("sandbox:<epoch>:<a>-<b>", JSON Lines) ─▶ OK (durably in the WAL)
//         ─▶ cursor (epoch, b) written to the state file (temp file, fsync, rename)
//
// The cursor is the sandbox's epoch (a new one each time the sandbox starts) and the last
// sequence number delivered. At Open it is the state file's, raised to the highest seq named by
// `already` (WAL records not yet processed, WriteAheadLog::PendingSources) of the same epoch, so
// a crash between the WAL append and the state write neither skips nor repeats. Envelopes the
// sandbox dropped from its ring before they were read, and a sandbox restart (new epoch), are
// counted in `lost` and logged once per gap with the seq range.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "firebreak/aws/http.h"
#include "firebreak/aws/sigv4.h"
#include "firebreak/core/status.h"

namespace firebreak::pipeline {

struct SandboxSourceOptions {
    std::string endpoint_url;  // http://127.0.0.1:4566
    std::string region = "us-east-1";
    aws::Credentials credentials;           // any key the sandbox's world knows
    std::string state_file;                 // required: where the cursor is kept
    std::chrono::milliseconds wait{10000};  // long-poll wait (the sandbox caps it at 20 s)
    size_t max_batch = 1000;                // envelopes per poll (the sandbox caps it at 10000)
    // Where log lines go (lost envelopes, a sandbox restart, poll errors); stderr when empty.
    std::function<void(const std::string&)> log;
    // Tests: the transport to send through; a libcurl transport when null.
    std::shared_ptr<aws::HttpTransport> transport;
};

struct SandboxSourceStats {
    uint64_t polls = 0;             // requests made
    uint64_t events = 0;            // envelopes delivered (deliver returned OK)
    uint64_t batches = 0;           // deliver calls that returned OK
    uint64_t lost = 0;              // envelopes the sandbox dropped before they were read
    uint64_t errors = 0;            // failed polls (transport, HTTP status, unreadable reply)
    uint64_t deliver_refusals = 0;  // deliver() returned an error (fetched again next poll)
};

struct SandboxCursor {
    std::string epoch;  // empty before the first reply
    uint64_t seq = 0;   // last seq delivered in `epoch`
};

using SandboxDeliver = std::function<Status(std::string_view source, std::string_view payload)>;

class SandboxSource {
public:
    // InvalidArgument without an endpoint, credentials or state file; Unavailable when the state
    // file exists but cannot be read, DataLoss when it is not a cursor. Sources in `already` not
    // starting with "sandbox:" are ignored.
    static Result<std::unique_ptr<SandboxSource>> Open(SandboxSourceOptions options,
                                                       const std::vector<std::string>& already);

    ~SandboxSource();  // Stop()s
    SandboxSource(const SandboxSource&) = delete;
    SandboxSource& operator=(const SandboxSource&) = delete;

    // One long poll. When envelopes come back, calls deliver(source, payload) once with
    // source = "sandbox:<epoch>:<first seq>-<last seq>" and payload = the envelopes as JSON Lines
    // (one compact envelope per line, each ending in '\n'). OK from deliver: the cursor moves
    // past them and is saved; an error from deliver is returned and the same envelopes are
    // fetched again next time. Returns how many envelopes were delivered (0 when the wait passed
    // with none). Errors: the request failed or was refused (403: credentials), the reply is
    // unreadable, deliver refused, or the state file cannot be written.
    Result<size_t> PollOnce(const SandboxDeliver& deliver);

    // Polls on its own thread until Stop(); after an error waits (100 ms doubling to 30 s).
    void Start(SandboxDeliver deliver);

    // Stops the thread: returns once the poll under way ends (the sandbox answers within `wait`,
    // or at once when it stops).
    void Stop();

    SandboxSourceStats stats() const;
    SandboxCursor cursor() const;

    static constexpr std::string_view kSourcePrefix = "sandbox:";

private:
    explicit SandboxSource(SandboxSourceOptions options);
    Status LoadState();
    Status SaveState(const SandboxCursor& cursor);
    void Log(const std::string& line) const;

    SandboxSourceOptions options_;
    aws::Endpoint endpoint_;

    std::mutex poll_mu_;    // one poll at a time
    std::string last_gap_;  // "<epoch>:<first seq>" of the gap logged last (under poll_mu_)
    std::string last_epoch_change_;  // "<old>><new>" logged last (under poll_mu_)

    mutable std::mutex mu_;  // guards cursor_, stats_, stop_
    SandboxCursor cursor_;
    SandboxSourceStats stats_;
    std::condition_variable stop_cv_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace firebreak::pipeline
