// File: trail.h
//
// The sandbox's CloudTrail: every API call the sandbox answers becomes one CloudTrail record,
// built here exactly as AWS writes it (field order, userIdentity variants, error and data-event
// shapes; ../shared/notes/aws-wire-protocols.md §2), and is delivered two ways:
//   * as CloudTrail log files in the S3 delivery layout under a folder (TrailRecorder::Append),
//     gzipped {"Records":[...]} files written atomically (temp name, then rename);
//   * as a live stream of EventBridge envelopes ("AWS API Call via CloudTrail") to subscribers
//     with bounded queues (TrailRecorder::Subscribe / Publish).
// For trails with log file validation, TrailDigester makes CloudTrail's signed digest files
// (../shared/notes/aws-wire-protocols.md §3) over the log files delivered in each digest period.
// Which trails and subscribers an event goes to (trail state, selectors, EventBridge's read-only
// rule) is the caller's decision: the recorder delivers what it is given.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "firebreak/core/status.h"
#include "firebreak/evidence/keys.h"
#include "firebreak/evidence/validate.h"
#include "firebreak/evidence/writer.h"
#include "firebreak/sandbox/identity.h"

namespace firebreak::sandbox {

using TimePoint = std::chrono::system_clock::time_point;

// ---- Record builder --------------------------------------------------------------------------

// One entry of a record's `resources`. account_id is omitted when empty (S3 objects).
struct TrailResource {
    std::string arn;
    std::string account_id;
    std::string type;  // "AWS::IAM::Role", "AWS::S3::Object", ...
};

// `tlsDetails`; leave ApiCallRecord::tls_details empty when the sandbox is served over plain HTTP.
struct TlsDetails {
    std::string tls_version = "TLSv1.3";
    std::string cipher_suite = "TLS_AES_128_GCM_SHA256";
    std::string client_provided_host_header;  // "ec2.us-east-1.amazonaws.com"
};

// kData: S3 object calls and other data-plane events (`managementEvent` false).
enum class EventCategory : uint8_t { kManagement, kData };

// Everything one record says. JSON-valued fields are compact JSON text built by the handler
// (a programmer error, checked in debug builds, if they are not valid JSON).
struct ApiCallRecord {
    std::string event_version = "1.08";
    CallerIdentity identity;
    TimePoint event_time;      // written to the second
    std::string event_source;  // "ec2.amazonaws.com"
    std::string event_name;    // "RunInstances"
    std::string aws_region;    // "us-east-1" for IAM and global STS
    std::string source_ip_address;
    std::string user_agent;
    std::optional<std::string> error_code;     // as CloudTrail writes it (CloudTrailEc2ErrorCode)
    std::optional<std::string> error_message;  // written only with error_code
    std::optional<std::string> request_parameters;     // JSON; nullopt -> null
    std::optional<std::string> response_elements;      // JSON; nullopt -> null
    std::optional<std::string> additional_event_data;  // JSON; nullopt -> omitted
    std::string request_id;                            // omitted when empty
    std::string event_id;
    bool read_only = false;
    std::vector<TrailResource> resources;  // omitted when empty
    std::string event_type = "AwsApiCall";
    std::optional<std::string> api_version;
    EventCategory event_category = EventCategory::kManagement;
    std::string recipient_account_id;
    std::optional<std::string> shared_event_id;  // cross-account calls only
    std::optional<TlsDetails> tls_details;
};

// One compact JSON object, fields in AWS's order.
std::string BuildCloudTrailRecord(const ApiCallRecord& record);

// The record's `userIdentity` object alone (Root, IAMUser, AssumedRole).
std::string BuildUserIdentity(const CallerIdentity& identity);

// The EventBridge envelope carrying `record_json` (the text BuildCloudTrailRecord made of
// `record`): detail-type from the event type ("AWS API Call via CloudTrail", ...), source
// "aws.<service>", account = recipientAccountId, time = eventTime.
std::string BuildEventBridgeEnvelope(const ApiCallRecord& record,
                                     std::string_view record_json,
                                     std::string_view envelope_id);

// "aws.ec2" for "ec2.amazonaws.com".
std::string EventBridgeSource(std::string_view event_source);

// "AWS API Call via CloudTrail" for "AwsApiCall", and the other "... via CloudTrail" types.
std::string EventBridgeDetailType(std::string_view event_type);

// EC2's API error code as CloudTrail records it: "Client.UnauthorizedOperation", or "Server."
// for EC2's server-side codes (InternalError, InsufficientInstanceCapacity, ...). A code that
// already carries a prefix is returned unchanged.
std::string CloudTrailEc2ErrorCode(std::string_view api_code);

// "2024-08-01T11:45:22Z" (UTC, truncated to the second).
std::string IsoTime(TimePoint time);

// "Aug 1, 2024, 11:45:22 AM" (UTC): the Java-style timestamps IAM, STS and SSM records carry
// inside responseElements.
std::string JavaStyleTime(TimePoint time);

// ---- Log files and live stream ---------------------------------------------------------------

// Where a trail delivers one account's events of one region.
struct TrailDelivery {
    std::string account_id;  // AWSLogs/<account>
    std::string region;      // CloudTrail/<region>
    std::string bucket;
    std::string key_prefix;  // S3KeyPrefix; may be empty

    friend bool operator==(const TrailDelivery&, const TrailDelivery&) = default;
};

// A log file as written, handed to TrailRecorderOptions::on_file_written.
struct TrailLogFile {
    std::string path;        // on disk
    std::string bucket;      // the trail's bucket
    std::string object_key;  // [prefix/]AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<name>
    size_t record_count = 0;
    std::string_view gzip_bytes;  // the file's content; valid only during the callback
    TrailDelivery where;
    TimePoint oldest_event_time;
    TimePoint newest_event_time;
};

struct TrailRecorderOptions {
    std::string out_dir;  // files go to <out_dir>/<bucket>/<object_key>
    size_t max_records_per_file = 100;
    std::chrono::milliseconds max_age{5000};  // oldest buffered record waits at most this long
    // Called after each file is renamed into place, from the thread that wrote it (an Append
    // caller, Flush caller or the flusher thread): may run concurrently, must be thread-safe, and
    // must not call back into the recorder's Append/Flush.
    std::function<void(const TrailLogFile&)> on_file_written;
    // Envelopes the retained stream (TrailRecorder::stream()) keeps for pollers; at least 1.
    size_t stream_retain = 100000;
};

// One live subscriber's bounded queue of EventBridge envelopes. Thread-safe. Unsubscribe by
// Close() or by dropping the last shared_ptr.
class Subscription {
public:
    explicit Subscription(size_t max_queue);

    Subscription(const Subscription&) = delete;

    Subscription& operator=(const Subscription&) = delete;

    // The oldest queued envelope, waiting up to `timeout` for one. nullopt on timeout, or at once
    // when the subscription is closed and its queue is empty.
    std::optional<std::string> Next(std::chrono::milliseconds timeout);

    // Stops delivery and wakes waiters; what is already queued can still be taken.
    void Close();

    bool closed() const;

    uint64_t dropped() const;  // envelopes dropped because the queue was full (oldest first)

    uint64_t delivered() const;  // envelopes pushed to the queue, dropped ones included

    size_t queued() const;

private:
    friend class TrailRecorder;

    // False when closed.
    bool Push(const std::string& envelope);

    const size_t max_queue_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::string> queue_;
    uint64_t dropped_ = 0;
    uint64_t delivered_ = 0;
    bool closed_ = false;
};

// What one EventRing::Read returns (the body of GET /_firebreak/stream).
struct StreamBatch {
    std::string epoch;
    std::vector<std::string> events;  // envelopes (JSON objects), oldest first
    uint64_t next = 0;                // seq of the last event returned, else the (adjusted) cursor
    uint64_t oldest = 0;              // oldest retained seq; 0 when nothing is retained
    uint64_t lost = 0;                // events after the cursor already dropped from the ring
};

// The retained live stream: the last `retain` envelopes, numbered 1, 2, ... within an epoch (a
// random hex id made when the ring is made, so a restarted sandbox is a new epoch). Pollers read
// after a sequence number and may wait for new envelopes (long poll). Thread-safe.
class EventRing {
public:
    explicit EventRing(size_t retain);

    EventRing(const EventRing&) = delete;

    EventRing& operator=(const EventRing&) = delete;

    // Appends one envelope with the next sequence number; the oldest is dropped beyond `retain`.
    void Push(const std::string& envelope);

    // Up to `max` envelopes with seq > `after`, waiting up to `wait` when there are none yet.
    // A `client_epoch` that is not empty and differs from epoch() means the cursor belongs to
    // another epoch: the read starts at the beginning of this one and `lost` counts this epoch's
    // envelopes already dropped. Returns at once (maybe empty) after Close().
    StreamBatch Read(uint64_t after,
                     size_t max,
                     std::chrono::milliseconds wait,
                     std::string_view client_epoch);

    // Wakes every waiting Read and makes later ones return without waiting; Push still works.
    void Close();

    const std::string& epoch() const { return epoch_; }

    uint64_t last_seq() const;

    size_t retained() const;

private:
    const size_t retain_;
    const std::string epoch_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::string> events_;
    uint64_t first_seq_ = 1;  // seq of events_.front(), or of the next push when empty
    bool closed_ = false;
};

// Buffers records per delivery and writes CloudTrail log files; fans envelopes out to live
// subscribers. Thread-safe. A record appended is written by the size limit, the age limit (a
// background flusher thread), Flush(), Stop() or the destructor; a file that fails to write is
// retried (its records go back to the front of their buffer) after max_age.
class TrailRecorder {
public:
    explicit TrailRecorder(TrailRecorderOptions options);

    ~TrailRecorder();  // Stop(), then writes anything appended since

    TrailRecorder(const TrailRecorder&) = delete;

    TrailRecorder& operator=(const TrailRecorder&) = delete;

    // Buffers one record (compact JSON, as BuildCloudTrailRecord makes). The file's name and day
    // folder come from the newest event time in it.
    void Append(const TrailDelivery& where, std::string record_json, TimePoint event_time);

    // Writes every buffered record and waits for writes other threads have under way. Returns
    // the first write error (those records stay buffered for a retry).
    Status Flush();

    // Stops the flusher thread, flushes and closes every subscription (waking their waiters).
    // Idempotent. Append still works afterwards: such records are written by the size limit,
    // Flush() or the destructor.
    void Stop();

    // ---- live stream
    std::shared_ptr<Subscription> Subscribe(size_t max_queue);  // closed at once after Stop()

    void Publish(const std::string& envelope_json);

    size_t SubscriberCount() const;

    // The retained, numbered stream every published envelope also goes to (long polls).
    EventRing& stream() { return stream_; }

    // ---- stats
    uint64_t FileCount() const;                     // log files written
    uint64_t RecordCount() const;                   // records in them
    uint64_t PendingCount() const;                  // records buffered, not yet written
    uint64_t WriteErrors() const;                   // failed file writes (their records were kept)
    Status LastWriteError() const;                  // the latest failed write's error, or OK
    std::vector<std::string> WrittenFiles() const;  // every path so far, in the order written

private:
    using SteadyTime = std::chrono::steady_clock::time_point;

    struct Entry {
        std::string json;
        TimePoint event_time;
    };

    struct Buffer {
        TrailDelivery where;
        std::vector<Entry> entries;
        SteadyTime first_append{};
        SteadyTime not_before{};  // set after a failed write: no retry before then
    };

    // Records taken out of a buffer to be written (as files of at most max_records_per_file).
    struct Batch {
        std::string key;
        TrailDelivery where;
        std::vector<Entry> entries;
        uint64_t seq = 0;
    };

    using BufferMap = std::map<std::string, Buffer>;

    // Requires mu_: moves a buffer's records into a batch, marked in flight.
    Batch TakeLocked(BufferMap::iterator it);

    // Without mu_: writes the batch's files; on failure puts the unwritten records back at the
    // front of their buffer. Ends the batch's in-flight mark.
    Status WriteBatch(Batch batch);

    // Without mu_: writes one file of entries [begin, end) and returns its path.
    Result<std::string> WriteFile(const TrailDelivery& where,
                                  const Entry* begin,
                                  const Entry* end) const;

    void FlusherLoop();

    const TrailRecorderOptions options_;

    mutable std::mutex mu_;
    std::condition_variable flusher_cv_;  // a buffer became non-empty, a retry was set, or stop
    std::condition_variable idle_cv_;     // a batch finished
    BufferMap buffers_;
    std::set<uint64_t> in_flight_;  // batch sequence numbers being written
    uint64_t next_seq_ = 1;
    bool stopping_ = false;
    uint64_t pending_ = 0;
    uint64_t files_ = 0;
    uint64_t records_ = 0;
    uint64_t write_errors_ = 0;
    Status last_write_error_;
    std::vector<std::string> written_;

    std::mutex stop_mu_;  // serialises Stop()
    std::thread flusher_;

    mutable std::mutex subscribers_mu_;
    std::vector<std::weak_ptr<Subscription>> subscribers_;
    bool streaming_closed_ = false;
    EventRing stream_;
};

// ---- Digest files ----------------------------------------------------------------------------

// A trail whose log files are digested (log file validation on), as it stands at a digest round.
struct DigestTrail {
    std::string arn;
    std::string name;
    std::string account_id;
    std::string home_region;
    std::string bucket;
    std::string key_prefix;
    // False: the trail stopped logging; files still pending get one last digest, then its chains
    // end, and the next digest after logging resumes is a starting digest.
    bool logging = true;
};

// The newest digest of one trail and region: where the next digest's previous* fields point.
struct DigestChainTip {
    std::string bucket;
    std::string object_key;
    std::string json;  // uncompressed
    std::string signature_hex;
    std::string end_time;  // digestEndTime, "YYYY-MM-DDTHH:MM:SSZ"
};

// One digest file made by a round, for the caller to store (S3 object with metadata `signature`
// and `signature-algorithm`, and/or a local file with a sidecar).
struct DigestOutput {
    std::string trail_arn;
    std::string region;
    std::string bucket;
    std::string object_key;
    size_t log_file_count = 0;
    evidence::SignedDigest signed_digest;  // json, gzip, signature_hex
};

// The key under which the sandbox signs: ListPublicKeys' view of it.
struct DigestPublicKey {
    std::string value_base64;  // base64 of the PKCS#1 RSAPublicKey DER
    std::string fingerprint;
    TimePoint validity_start;
    TimePoint validity_end;
};

// Keeps the log files delivered since the last round and the tip of each (trail, region) chain,
// and makes one signed digest per chain per round, as CloudTrail does once an hour: the files of
// the period (an empty `logFiles` when there were none), chained to the chain's previous digest
// (a starting digest, previous* null, when there is none). Thread-safe.
class TrailDigester {
public:
    // `period_start`: the start time of the first digests.
    TrailDigester(evidence::PrivateKey key, TimePoint period_start);

    TrailDigester(const TrailDigester&) = delete;

    TrailDigester& operator=(const TrailDigester&) = delete;

    // A log file delivered (TrailRecorderOptions::on_file_written); the bytes are copied. A file
    // already pending (same bucket and key) is not added twice.
    void AddLogFile(const TrailLogFile& file);

    // Continues the (trail, region) chain from `tip` (after a restart) unless it already has one.
    void SetChainTip(const std::string& trail_arn, const std::string& region, DigestChainTip tip);

    std::optional<DigestChainTip> ChainTip(const std::string& trail_arn,
                                           const std::string& region) const;

    // One digest per trail of `trails` and region: the home region, every region with a chain,
    // and every region with pending files of the trail's delivery (account, bucket, prefix).
    // digestEndTime is `now` to the second, moved one second past the chain's previous end when
    // it is not later (so digest keys never repeat). Chains of trails absent from `trails` or not
    // logging end; pending files no trail digests are dropped. A digest that cannot be built is
    // skipped (its files stay pending) and counted in LastError().
    std::vector<DigestOutput> Round(const std::vector<DigestTrail>& trails, TimePoint now);

    size_t PendingCount() const;

    Status LastError() const;

    DigestPublicKey PublicKeyInfo(TimePoint validity_start, TimePoint validity_end) const;

private:
    struct PendingFile {
        evidence::LogFileInput input;
        TrailDelivery where;
    };

    const evidence::PrivateKey key_;
    mutable std::mutex mu_;
    std::vector<PendingFile> pending_;
    std::map<std::pair<std::string, std::string>, DigestChainTip> chains_;  // (ARN, region)
    TimePoint last_round_;
    Status last_error_;
};

// The newest digest per region of `trail` found in `source` (digest keys of the trail under
// `{prefix/}AWSLogs/{account}/CloudTrail-Digest/`, newest by key), each with its JSON, signature
// (metadata `signature`) and end time: where a chain continues after a restart. Digests that
// cannot be read or parsed are passed over for the next older one.
std::map<std::string, DigestChainTip> FindChainTips(evidence::ObjectSource& source,
                                                    const DigestTrail& trail);

}  // namespace firebreak::sandbox
