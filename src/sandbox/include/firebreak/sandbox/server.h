// File: server.h
//
// `firebreak sandbox`: an AWS-compatible server on loopback. It holds a World, serves the AWS
// APIs firebreak's responses use with AWS's own wire formats (EC2 and query XML, JSON 1.1,
// REST-XML for S3), checks SigV4 signatures against the world's keys, enforces the world's IAM
// policies, persists the world after every change, and writes a CloudTrail record for every
// authenticated call, as log files in the S3 layout and as a live stream of EventBridge envelopes.
// Log files are also stored as objects in the trail's bucket when the world has it, and trails
// with log file validation get signed digest files once per digest period (CloudTrail: hourly),
// signed with the sandbox's own RSA key (CloudTrail ListPublicKeys serves its public half).
//
// The same stream is served over HTTP, numbered and retained, as a long poll:
// GET /_firebreak/stream?after=<seq>&max=<n>&wait=<ms>&epoch=<id>, SigV4-signed by any key of the
// world (not an AWS API, so not recorded in CloudTrail; README "Live stream over HTTP").
//
// Routing is by the SigV4 credential scope's service name (one port serves every service, as an
// --endpoint-url user expects), then by Action / X-Amz-Target / the S3 method and path; classic
// ELB and ELBv2 share "elasticloadbalancing" and differ by Version.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "firebreak/core/status.h"
#include "firebreak/sandbox/trail.h"
#include "firebreak/sandbox/world.h"

namespace firebreak::sandbox {

struct SandboxOptions {
    std::string host = "127.0.0.1";  // loopback by default; anything else must be asked for
    int port = 0;                    // 0: the OS picks (tests), see Sandbox::port()
    std::string state_path;          // persisted world JSON; empty = in memory only
    std::string trail_dir;           // CloudTrail files go to <trail_dir>/<bucket>/AWSLogs/...
    size_t max_body_bytes = 16u << 20;
    std::chrono::minutes max_clock_skew{15};
    size_t max_records_per_file = 100;
    std::chrono::milliseconds trail_max_age{1000};
    // A digest round (one digest file per validating trail and region) runs this often; at least
    // one second (digest keys are named to the second).
    std::chrono::milliseconds digest_period{std::chrono::hours(1)};
    // The digest signing key (JSON: created time and PKCS#8 PEM), made on first use and kept
    // across restarts. Empty: "cloudtrail-digest-key.json" beside state_path, or in memory only
    // when state_path is empty too.
    std::string digest_key_path;
    // Envelopes the live stream keeps for GET /_firebreak/stream (oldest dropped beyond it).
    size_t stream_retain = 100000;
    int threads = 8;
    // Called for each served call after its response is decided: "GET /?... -> 200" style log
    // lines without secrets.
    std::function<void(const std::string&)> access_log;
};

struct SandboxStats {
    uint64_t requests = 0;
    uint64_t auth_failures = 0;  // unsigned, unknown key, bad signature (not in CloudTrail, as AWS)
    uint64_t denied = 0;         // IAM denials (recorded in CloudTrail)
    uint64_t errors = 0;         // other error replies
    uint64_t records = 0;        // CloudTrail records produced
};

class Sandbox {
public:
    // Binds and starts serving in background threads.
    static Result<std::unique_ptr<Sandbox>> Start(SandboxOptions options, World world);

    ~Sandbox();

    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    int port() const;

    std::string endpoint_url() const;  // http://127.0.0.1:<port>

    // Stops accepting, finishes in-flight calls, flushes CloudTrail files, saves the world.
    void Stop();

    // Blocks until Stop() (or a signal handler calling Stop()).
    void Wait();

    // Runs `f` on the world under the sandbox's lock (tests and the CLI's summary). `f` must not
    // call back into the sandbox (FlushTrail and DeliverDigests take that lock).
    void Inspect(const std::function<void(const World&)>& f) const;

    // Live CloudTrail stream (EventBridge envelopes) for in-process subscribers.
    std::shared_ptr<Subscription> Subscribe(size_t max_queue);

    // The same envelopes, numbered and retained (SandboxOptions::stream_retain), as
    // GET /_firebreak/stream serves them to signed pollers.
    EventRing& stream();

    // Writes buffered CloudTrail records now.
    Status FlushTrail();

    // Runs a digest round now (as the digest period does) and returns how many digest files it
    // wrote; the period timer keeps running.
    Result<size_t> DeliverDigests();

    // The digest signing key's public half as ListPublicKeys shows it (made now if needed).
    Result<DigestPublicKey> DigestKey();

    SandboxStats stats() const;

    class Impl;

private:
    explicit Sandbox(std::unique_ptr<Impl> impl);

    std::unique_ptr<Impl> impl_;
};

}  // namespace firebreak::sandbox
