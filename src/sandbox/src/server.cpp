// The sandbox's HTTP front: parse, authenticate (SigV4 against the world's keys), route, run the
// handler under the world lock, persist, record to CloudTrail. cpp-httplib serves the sockets.
#include "firebreak/sandbox/server.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include <httplib.h>

#include "call.h"
#include "firebreak/aws/sigv4.h"
#include "firebreak/core/crypto.h"
#include "firebreak/core/file.h"
#include "firebreak/core/text.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/evidence/digest.h"
#include "firebreak/evidence/gzip.h"

namespace firebreak::sandbox {

namespace {

constexpr std::string_view kDigestKeyFormat = "firebreak-sandbox-digest-key";
constexpr std::string_view kDigestKeyFile = "cloudtrail-digest-key.json";
constexpr std::string_view kStoredObjectType = "application/x-gzip";
// The live stream route and its limits (README "Live stream over HTTP").
constexpr std::string_view kStreamPath = "/_firebreak/stream";
constexpr uint64_t kStreamDefaultMax = 1000;
constexpr uint64_t kStreamMaxMax = 10000;
constexpr uint64_t kStreamMaxWaitMs = 20000;
// The signing key's ListPublicKeys validity window: from its creation, for ten years.
constexpr auto kDigestKeyValidity = std::chrono::hours(24 * 3653);

// The world's buckets as an evidence::ObjectSource (used under the world lock).
class WorldBucketSource : public evidence::ObjectSource {
public:
    explicit WorldBucketSource(World* world) : world_(world) {}

    std::optional<evidence::StoredObject> Get(std::string_view bucket,
                                              std::string_view key) override {
        const Bucket* b = world_->FindBucket(bucket);
        const ObjectVersion* latest = b != nullptr ? b->Latest(key) : nullptr;
        if (latest == nullptr) {
            return std::nullopt;
        }
        return evidence::StoredObject{latest->data, latest->metadata};
    }

    std::optional<std::vector<std::string>> List(std::string_view bucket,
                                                 std::string_view prefix) override {
        const Bucket* b = world_->FindBucket(bucket);
        if (b == nullptr) {
            return std::nullopt;
        }
        std::vector<std::string> keys;
        for (auto it = b->objects.lower_bound(std::string(prefix));
             it != b->objects.end() && it->first.starts_with(prefix);
             ++it) {
            if (b->Latest(it->first) != nullptr) {
                keys.push_back(it->first);
            }
        }
        return keys;
    }

private:
    World* world_;
};

// Writes `text` to `path` with mode 0600 through a temporary file renamed into place.
Status WritePrivateFile(const std::string& path, std::string_view text) {
    std::string temp = path + ".tmp";
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return Status(StatusCode::kUnavailable, temp + ": " + std::strerror(errno));
    }
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            ::close(fd);
            return Status(StatusCode::kUnavailable, temp + ": " + std::strerror(errno));
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        return Status(StatusCode::kUnavailable, temp + ": " + std::strerror(errno));
    }
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
        return Status(StatusCode::kUnavailable, path + ": " + ec.message());
    }
    return Status::Ok();
}

struct LoadedDigestKey {
    evidence::PrivateKey key;
    Timestamp created;
};

// Reads the digest key file, or makes a key (stored at `path` unless it is empty).
Result<LoadedDigestKey> LoadOrMakeDigestKey(const std::string& path, Timestamp now) {
    if (!path.empty() && std::filesystem::exists(path)) {
        Result<std::string> text = ReadFileToString(path);
        if (!text) {
            return text.error();
        }
        Result<event::JsonValue> json = event::ParseJson(*text);
        const event::JsonValue* format = json ? json->Find("format") : nullptr;
        const event::JsonValue* created = json ? json->Find("created") : nullptr;
        const event::JsonValue* pem = json ? json->Find("private_key_pem") : nullptr;
        if (format == nullptr || !format->is_string() || format->text != kDigestKeyFormat ||
            created == nullptr || !created->is_string() || pem == nullptr || !pem->is_string()) {
            return InvalidArgument(path + ": not a " + std::string(kDigestKeyFormat) + " file");
        }
        std::optional<Timestamp> when = ParseIsoTime(created->text);
        Result<evidence::PrivateKey> key = evidence::PrivateKey::FromPem(pem->text);
        if (!when || !key) {
            return InvalidArgument(path + ": unreadable created time or private key");
        }
        return LoadedDigestKey{std::move(*key), *when};
    }
    Result<evidence::PrivateKey> key = evidence::PrivateKey::Generate(2048);
    if (!key) {
        return key.error();
    }
    LoadedDigestKey loaded{std::move(*key), now};
    if (!path.empty()) {
        std::string text = "{\"format\":";
        AppendJsonString(kDigestKeyFormat, &text);
        text += ",\"created\":";
        AppendJsonString(FormatIsoSeconds(now), &text);
        text += ",\"private_key_pem\":";
        AppendJsonString(loaded.key.ToPem(), &text);
        text += "}\n";
        FIREBREAK_RETURN_IF_ERROR(WritePrivateFile(path, text));
    }
    return loaded;
}

// "20150830T123600Z" -> time point.
std::optional<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view text) {
    if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z')
        return std::nullopt;
    std::string iso = std::string(text.substr(0, 4)) + "-" + std::string(text.substr(4, 2)) + "-" +
                      std::string(text.substr(6, 2)) + "T" + std::string(text.substr(9, 2)) + ":" +
                      std::string(text.substr(11, 2)) + ":" + std::string(text.substr(13, 2)) + "Z";
    auto parsed = ParseIsoTime(iso);
    if (!parsed)
        return std::nullopt;
    return std::chrono::system_clock::time_point(parsed->time_since_epoch());
}

// Strips aws-chunked framing (<hex-len>[;chunk-signature=...]\r\n<data>\r\n ...
// 0\r\n<trailers>\r\n\r\n).
bool DecodeAwsChunked(std::string_view in, std::string* out) {
    out->clear();
    size_t pos = 0;
    while (pos < in.size()) {
        size_t eol = in.find("\r\n", pos);
        if (eol == std::string_view::npos)
            return false;
        std::string_view header = in.substr(pos, eol - pos);
        size_t semi = header.find(';');
        std::string_view hex = header.substr(0, semi);
        if (hex.empty() || hex.size() > 8)
            return false;
        size_t length = 0;
        for (char c : hex) {
            int d = (c >= '0' && c <= '9')   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
            if (d < 0)
                return false;
            length = length * 16 + static_cast<size_t>(d);
        }
        pos = eol + 2;
        if (length == 0)
            return true;  // trailers follow; ignored (checksums)
        if (pos + length + 2 > in.size())
            return false;
        out->append(in.substr(pos, length));
        pos += length + 2;
    }
    return false;
}

bool IsHex64(std::string_view text) {
    if (text.size() != 64)
        return false;
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

std::optional<Api> ApiForScope(std::string_view service, const FormParams& params) {
    if (service == "ec2")
        return Api::kEc2;
    if (service == "autoscaling")
        return Api::kAutoScaling;
    if (service == "elasticloadbalancing") {
        const std::string* version = params.Get("Version");
        if (version != nullptr && *version == "2015-12-01")
            return Api::kElbV2;
        return Api::kElb;
    }
    if (service == "cloudtrail")
        return Api::kCloudTrail;
    if (service == "iam")
        return Api::kIam;
    if (service == "sts")
        return Api::kSts;
    if (service == "s3")
        return Api::kS3;
    if (service == "ssm")
        return Api::kSsm;
    if (service == "sns")
        return Api::kSns;
    if (service == "securityhub")
        return Api::kSecurityHub;
    return std::nullopt;
}

// The errorCode CloudTrail writes: EC2's codes get a "Client."/"Server." prefix; IAM's model
// errors are recorded by their shape name (the API's NoSuchEntity is NoSuchEntityException).
std::string CloudTrailErrorCode(Api api, const std::string& code) {
    if (api == Api::kEc2) {
        return CloudTrailEc2ErrorCode(code);
    }
    if (api == Api::kIam &&
        (code == "NoSuchEntity" || code == "EntityAlreadyExists" || code == "LimitExceeded" ||
         code == "MalformedPolicyDocument" || code == "InvalidInput" || code == "DeleteConflict" ||
         code == "EntityTemporarilyUnmodifiable")) {
        return code + "Exception";
    }
    return code;
}

}  // namespace

class Sandbox::Impl {
public:
    Impl(SandboxOptions options, World world)
        : options_(std::move(options)),
          world_(std::move(world)) {
        RegisterEc2Handlers(&handlers_);
        RegisterAutoScalingAndElbHandlers(&handlers_);
        RegisterIamHandlers(&handlers_);
        RegisterStsHandlers(&handlers_);
        RegisterCloudTrailHandlers(&handlers_);
        RegisterSsmSnsHandlers(&handlers_);
        RegisterS3Handlers(&handlers_);
        RegisterSecurityHubHandlers(&handlers_);
        TrailRecorderOptions trail;
        trail.out_dir = options_.trail_dir;
        trail.max_records_per_file = options_.max_records_per_file;
        trail.max_age = options_.trail_max_age;
        trail.stream_retain = options_.stream_retain;
        trail.on_file_written = [this](const TrailLogFile& file) {
            OnLogFileWritten(file);
        };
        if (options_.digest_period < std::chrono::seconds(1)) {
            options_.digest_period = std::chrono::seconds(1);
        }
        if (options_.digest_key_path.empty() && !options_.state_path.empty()) {
            options_.digest_key_path = (std::filesystem::path(options_.state_path).parent_path() /
                                        std::string(kDigestKeyFile))
                                               .string();
        }
        digest_period_start_ = TimePoint(world_.Now().time_since_epoch());
        recorder_ = std::make_unique<TrailRecorder>(trail);
    }

    ~Impl() { Stop(); }

    Status Listen() {
        server_.new_task_queue = [n = options_.threads] {
            return new httplib::ThreadPool(static_cast<size_t>(n));
        };
        server_.set_payload_max_length(options_.max_body_bytes);
        server_.set_read_timeout(30, 0);
        // Idle keep-alive connections hold Stop() until they time out: keep that short.
        server_.set_keep_alive_timeout(1);
        auto handler = [this](const httplib::Request& req, httplib::Response& res) {
            Serve(req, res);
        };
        server_.Get(".*", handler);
        server_.Post(".*", handler);
        server_.Put(".*", handler);
        server_.Delete(".*", handler);
        server_.Patch(".*", handler);
        // Errors httplib raises itself (before a handler runs): an oversized body (this httplib
        // reports 400 for it, so the declared length decides) or a malformed HTTP request.
        // httplib 0.11 calls this for every status >= 400, also after a handler wrote its own
        // error reply: those have a body and are left alone.
        server_.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty())
                return;
            size_t declared = 0;
            if (req.has_header("Content-Length")) {
                declared = static_cast<size_t>(
                        std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10));
            }
            if (res.status == 413 || declared > options_.max_body_bytes) {
                WriteGenericError(req,
                                  res,
                                  "RequestEntityTooLarge",
                                  "Request body exceeds the sandbox limit of " +
                                          std::to_string(options_.max_body_bytes) + " bytes",
                                  413);
            } else if (res.status == 400) {
                WriteGenericError(req, res, "BadRequest", "The HTTP request is malformed");
            }
        });
        port_ = options_.port == 0
                        ? server_.bind_to_any_port(options_.host)
                        : (server_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
        if (port_ <= 0) {
            return Status(
                    StatusCode::kUnavailable,
                    "cannot listen on " + options_.host + ":" + std::to_string(options_.port));
        }
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        // httplib's stop() does nothing until the listener runs, so a Stop() right after Start()
        // would leave it accepting forever: wait until it is up (bounded; it is a loopback bind).
        for (int i = 0; i < 5000 && !server_.is_running(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        digest_thread_ = std::thread([this] { DigestLoop(); });
        return Status::Ok();
    }

    void Stop() {
        std::call_once(stop_once_, [this] {
            // Pending long polls of the stream hold httplib's workers: wake them first.
            recorder_->stream().Close();
            server_.stop();
            if (thread_.joinable())
                thread_.join();
            {
                std::lock_guard<std::mutex> loop_lock(digest_loop_mu_);
                digest_loop_stop_ = true;
            }
            digest_loop_cv_.notify_all();
            if (digest_thread_.joinable())
                digest_thread_.join();
            recorder_->Stop();
            std::lock_guard<std::mutex> lock(world_mu_);
            if (!options_.state_path.empty()) {
                Status saved = SaveWorldAtomically(world_, options_.state_path);
                if (!saved.ok())
                    Log("sandbox: saving the world failed: " + saved.ToString());
            }
            {
                std::lock_guard<std::mutex> wait_lock(wait_mu_);
                stopped_ = true;
            }
            wait_cv_.notify_all();
        });
    }

    void Wait() {
        std::unique_lock<std::mutex> lock(wait_mu_);
        wait_cv_.wait(lock, [this] { return stopped_; });
    }

    int port() const { return port_; }

    const SandboxOptions& options() const { return options_; }

    void Inspect(const std::function<void(const World&)>& f) const {
        std::lock_guard<std::mutex> lock(world_mu_);
        f(world_);
    }

    TrailRecorder& recorder() { return *recorder_; }

    SandboxStats stats() const {
        std::lock_guard<std::mutex> lock(stats_mu_);
        return stats_;
    }

    // One digest round: the validating trails and the time under the world lock (a restarted
    // chain's tip found in the bucket, or on disk when the world has no such bucket), the digests
    // built without it, then stored as S3 objects (world lock) and files with sidecars.
    Result<size_t> DeliverDigests() {
        std::lock_guard<std::mutex> round_lock(digest_round_mu_);
        std::vector<DigestTrail> trails;
        TimePoint now;
        TrailDigester* digester = nullptr;
        {
            std::lock_guard<std::mutex> lock(world_mu_);
            now = TimePoint(world_.Now().time_since_epoch());
            for (const auto& [arn, trail] : world_.trails) {
                if (!trail.log_file_validation)
                    continue;
                trails.push_back(DigestTrail{arn,
                                             trail.name,
                                             trail.account_id,
                                             trail.home_region,
                                             trail.s3_bucket,
                                             trail.s3_key_prefix,
                                             trail.is_logging});
            }
            if (trails.empty() && !HasDigester())
                return size_t{0};
            Result<TrailDigester*> made = Digester(world_.Now());
            if (!made)
                return made.error();
            digester = *made;
            for (const DigestTrail& trail : trails) {
                if (!trail.logging || !seeded_trails_.insert(trail.arn).second)
                    continue;
                WorldBucketSource in_world(&world_);
                evidence::LocalFolderSource on_disk(options_.trail_dir);
                evidence::ObjectSource& source =
                        world_.FindBucket(trail.bucket) != nullptr || options_.trail_dir.empty()
                                ? static_cast<evidence::ObjectSource&>(in_world)
                                : on_disk;
                for (auto& [region, tip] : FindChainTips(source, trail)) {
                    AddUndigestedLogFiles(trail, region, tip, digester);
                    digester->SetChainTip(trail.arn, region, std::move(tip));
                }
            }
        }
        std::vector<DigestOutput> outputs = digester->Round(trails, now);
        if (outputs.empty())
            return size_t{0};
        {
            std::lock_guard<std::mutex> lock(world_mu_);
            bool stored = false;
            for (const DigestOutput& out : outputs) {
                Bucket* bucket = world_.FindBucket(out.bucket);
                if (bucket == nullptr)
                    continue;
                world_.PutObject(
                        bucket,
                        out.object_key,
                        out.signed_digest.gzip,
                        std::string(kStoredObjectType),
                        {{"signature", out.signed_digest.signature_hex},
                         {"signature-algorithm", std::string(evidence::kSignatureAlgorithm)}});
                stored = true;
            }
            if (stored)
                SaveLocked();
        }
        Status first_error;
        if (!options_.trail_dir.empty()) {
            evidence::LocalFolderSource on_disk(options_.trail_dir);
            for (const DigestOutput& out : outputs) {
                Status written = on_disk.Put(out.bucket,
                                             out.object_key,
                                             out.signed_digest.gzip,
                                             out.signed_digest.signature_hex);
                if (!written.ok() && first_error.ok())
                    first_error = written;
            }
        }
        if (!first_error.ok())
            return first_error;
        return outputs.size();
    }

    Result<DigestPublicKey> DigestKey() {
        std::lock_guard<std::mutex> lock(world_mu_);
        return DigestKeyLocked();
    }

    // Requires world_mu_.
    Result<DigestPublicKey> DigestKeyLocked() {
        Result<TrailDigester*> digester = Digester(world_.Now());
        if (!digester)
            return digester.error();
        std::lock_guard<std::mutex> lock(digester_mu_);
        TimePoint start(digest_key_created_.time_since_epoch());
        return (*digester)->PublicKeyInfo(start, start + kDigestKeyValidity);
    }

private:
    bool HasDigester() {
        std::lock_guard<std::mutex> lock(digester_mu_);
        return digester_ != nullptr;
    }

    // The digester, made with the signing key (read or generated) on first use. Lock order:
    // world_mu_ (when held) before digester_mu_.
    Result<TrailDigester*> Digester(Timestamp now) {
        std::lock_guard<std::mutex> lock(digester_mu_);
        if (digester_ == nullptr) {
            Result<LoadedDigestKey> key = LoadOrMakeDigestKey(options_.digest_key_path, now);
            if (!key)
                return key.error();
            digest_key_created_ = key->created;
            digester_ = std::make_unique<TrailDigester>(std::move(key->key), digest_period_start_);
            for (EarlyLogFile& early : early_files_) {
                early.file.gzip_bytes = early.bytes;
                digester_->AddLogFile(early.file);
            }
            early_files_.clear();
        }
        return digester_.get();
    }

    void DigestLoop() {
        std::unique_lock<std::mutex> lock(digest_loop_mu_);
        while (!digest_loop_cv_.wait_for(
                lock, options_.digest_period, [this] { return digest_loop_stop_; })) {
            lock.unlock();
            Result<size_t> delivered = DeliverDigests();
            if (!delivered)
                Log("sandbox: digest delivery failed: " + delivered.error().ToString());
            lock.lock();
        }
    }

    // Requires world_mu_. After a restart: the log files in the trail's bucket delivered since
    // the chain's newest digest (written at or after its end time and not listed in it) were
    // pending when the sandbox stopped; they go into the next digest. Their event times are read
    // from their records.
    void AddUndigestedLogFiles(const DigestTrail& trail,
                               const std::string& region,
                               const DigestChainTip& tip,
                               TrailDigester* digester) {
        const Bucket* bucket = world_.FindBucket(trail.bucket);
        Result<evidence::DigestFile> digest = evidence::ParseDigest(tip.json);
        std::optional<Timestamp> end = ParseIsoTime(tip.end_time);
        if (bucket == nullptr || !digest || !end)
            return;
        std::set<std::string> listed;
        for (const evidence::DigestLogFile& file : digest->log_files)
            listed.insert(file.s3_object);
        std::string folder = tip.object_key.substr(0, tip.object_key.find("CloudTrail-Digest/"));
        folder += "CloudTrail/" + region + "/";
        for (auto it = bucket->objects.lower_bound(folder);
             it != bucket->objects.end() && it->first.starts_with(folder);
             ++it) {
            const ObjectVersion* latest = bucket->Latest(it->first);
            if (latest == nullptr || latest->last_modified < *end || listed.contains(it->first))
                continue;
            TrailLogFile file;
            file.bucket = trail.bucket;
            file.object_key = it->first;
            file.gzip_bytes = latest->data;
            file.where = TrailDelivery{trail.account_id, region, trail.bucket, trail.key_prefix};
            TimePoint written(latest->last_modified.time_since_epoch());
            file.oldest_event_time = written;
            file.newest_event_time = written;
            ReadEventTimes(latest->data, &file);
            digester->AddLogFile(file);
        }
    }

    // The oldest and newest eventTime of a gzipped {"Records":[...]} file, when it has any.
    static void ReadEventTimes(std::string_view gzip, TrailLogFile* file) {
        Result<std::string> text = evidence::GzipDecompress(gzip);
        Result<event::JsonValue> json =
                text ? event::ParseJson(*text) : Result<event::JsonValue>(text.error());
        const event::JsonValue* records =
                json && json->is_object() ? json->Find("Records") : nullptr;
        if (records == nullptr || !records->is_array())
            return;
        bool first = true;
        for (const event::JsonValue& record : records->items) {
            const event::JsonValue* time = record.is_object() ? record.Find("eventTime") : nullptr;
            std::optional<Timestamp> parsed =
                    time != nullptr && time->is_string() ? ParseIsoTime(time->text) : std::nullopt;
            if (!parsed)
                continue;
            TimePoint t(parsed->time_since_epoch());
            if (first || t < file->oldest_event_time)
                file->oldest_event_time = t;
            if (first || t > file->newest_event_time)
                file->newest_event_time = t;
            first = false;
        }
    }

    // The recorder wrote a log file: CloudTrail also puts it in the trail's bucket (not as a call
    // of anyone's, so it is not recorded), and a validating trail's next digest lists it.
    void OnLogFileWritten(const TrailLogFile& file) {
        bool digested = false;
        {
            std::lock_guard<std::mutex> lock(world_mu_);
            if (Bucket* bucket = world_.FindBucket(file.bucket)) {
                world_.PutObject(bucket,
                                 file.object_key,
                                 std::string(file.gzip_bytes),
                                 std::string(kStoredObjectType),
                                 {});
                // Not saved here (a whole-world save per log file would slow delivery): the next
                // changing call, digest round or Stop() saves it.
            }
            for (const auto& [arn, trail] : world_.trails) {
                if (trail.log_file_validation && trail.account_id == file.where.account_id &&
                    trail.s3_bucket == file.where.bucket &&
                    trail.s3_key_prefix == file.where.key_prefix) {
                    digested = true;
                }
            }
        }
        if (!digested)
            return;
        // The digester may not exist yet: making it means making a key, which is slow, so it is
        // left to the next digest round (or ListPublicKeys) and the file waits here.
        std::lock_guard<std::mutex> lock(digester_mu_);
        if (digester_ != nullptr) {
            digester_->AddLogFile(file);
        } else {
            early_files_.push_back({file, std::string(file.gzip_bytes)});
        }
    }

    // Requires world_mu_.
    void SaveLocked() {
        if (options_.state_path.empty())
            return;
        Status saved = SaveWorldAtomically(world_, options_.state_path);
        if (!saved.ok())
            Log("sandbox: saving the world failed: " + saved.ToString());
    }

    void Log(const std::string& line) {
        if (options_.access_log)
            options_.access_log(line);
    }

    void Count(uint64_t SandboxStats::*field) {
        std::lock_guard<std::mutex> lock(stats_mu_);
        ++(stats_.*field);
    }

    // Errors before a service is known are answered in the query format, which every SDK parses.
    void WriteGenericError(const httplib::Request&,
                           httplib::Response& res,
                           const std::string& code,
                           const std::string& message,
                           int status = 400) {
        std::string id = NewUuid();
        res.status = status;
        res.set_header("x-amzn-RequestId", id);
        res.set_content("<ErrorResponse><Error><Type>Sender</Type><Code>" + XmlText(code) +
                                "</Code><Message>" + XmlText(message) +
                                "</Message></Error><RequestId>" + id +
                                "</RequestId></ErrorResponse>",
                        "text/xml");
    }

    struct AuthFailure {
        std::string code;
        std::string message;
        int status = 403;
    };

    // Requires world_mu_. The SigV4 checks after the Authorization header parsed: the key is the
    // world's and active, an ASIA key's session token matches and has not expired, X-Amz-Date is
    // within the clock skew, the signature matches, a hex x-amz-content-sha256 matches the body.
    // `api` picks AWS's per-protocol codes (nullopt: the JSON services' codes). Fills `key`.
    std::optional<AuthFailure> CheckSignature(const aws::HttpRequest& http,
                                              const aws::AuthorizationHeader& auth,
                                              std::optional<Api> api,
                                              ResolvedKey* key) {
        bool s3 = api == Api::kS3;
        bool ec2 = api == Api::kEc2;
        auto fail = [](std::string code, std::string message, int status = 403) {
            return std::optional<AuthFailure>(
                    AuthFailure{std::move(code), std::move(message), status});
        };
        auto now = world_.Now();
        std::optional<ResolvedKey> resolved = world_.ResolveAccessKey(auth.access_key_id, now);
        std::string invalid_token_code = s3    ? "InvalidAccessKeyId"
                                         : ec2 ? "AuthFailure"
                                               : "InvalidClientTokenId";
        if (!resolved) {
            return fail(invalid_token_code,
                        s3 ? "The AWS Access Key Id you provided does not exist in our records."
                           : "The security token included in the request is invalid.");
        }
        if (resolved->inactive) {
            return fail(invalid_token_code,
                        "The security token included in the request is invalid.");
        }
        if (!resolved->session_token.empty()) {
            const std::string* token = http.Header("X-Amz-Security-Token");
            if (token == nullptr || *token != resolved->session_token) {
                return fail(invalid_token_code,
                            "The security token included in the request is invalid.");
            }
            if (resolved->expired) {
                return fail(ec2 ? "RequestExpired" : "ExpiredToken",
                            "The security token included in the request is expired");
            }
        }
        const std::string* amz_date = http.Header("X-Amz-Date");
        std::optional<std::chrono::system_clock::time_point> signed_at;
        if (amz_date != nullptr)
            signed_at = ParseAmzDate(*amz_date);
        if (!signed_at) {
            return fail(s3 ? "AccessDenied" : "IncompleteSignature",
                        "Authorization header requires existence of either a 'X-Amz-Date' or a "
                        "'Date' header.");
        }
        auto skew = std::chrono::abs(std::chrono::duration_cast<std::chrono::seconds>(
                std::chrono::time_point_cast<std::chrono::seconds>(*signed_at) -
                std::chrono::time_point_cast<std::chrono::seconds>(now)));
        if (skew > options_.max_clock_skew) {
            return fail(s3 ? "RequestTimeTooSkewed" : "SignatureDoesNotMatch",
                        "Signature expired: " + *amz_date +
                                " is now earlier or later than the allowed skew");
        }
        aws::SignatureCheck check =
                aws::VerifySignature(http, auth, *amz_date, resolved->secret_access_key);
        if (!check.match) {
            return fail("SignatureDoesNotMatch",
                        "The request signature we calculated does not match the signature you "
                        "provided. Check your "
                        "AWS Secret Access Key and signing method. Consult the service "
                        "documentation for details."
                        "\n\nThe Canonical String for this request should have been\n'" +
                                check.canonical_request +
                                "'\n\nThe String-to-Sign should have been\n'" +
                                check.string_to_sign + "'\n");
        }
        const std::string* content_sha = http.Header("x-amz-content-sha256");
        if (content_sha != nullptr && IsHex64(*content_sha) &&
            *content_sha != Sha256Hex(http.body)) {
            return fail(
                    "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                    400);
        }
        *key = std::move(*resolved);
        return std::nullopt;
    }

    // Errors of the stream route, in the JSON services' shape.
    static void WriteJsonError(httplib::Response& res,
                               const std::string& code,
                               const std::string& message,
                               int status) {
        std::string id = NewUuid();
        res.status = status;
        res.set_header("x-amzn-RequestId", id);
        res.set_header("x-amzn-ErrorType", code);
        res.set_content("{\"__type\":" + JsonText(code) + ",\"message\":" + JsonText(message) + "}",
                        "application/json");
    }

    // GET /_firebreak/stream: the retained envelopes after a sequence number, as a long poll.
    // Signed like any AWS call (any service name in the scope) but not an AWS API: not recorded.
    void ServeStream(const aws::HttpRequest& http, httplib::Response& res) {
        if (http.method != "GET") {
            WriteJsonError(res, "MethodNotAllowed", "The stream is read with GET", 405);
            return;
        }
        const std::string* authorization = http.Header("Authorization");
        if (authorization == nullptr) {
            Count(&SandboxStats::auth_failures);
            WriteJsonError(res,
                           "MissingAuthenticationTokenException",
                           "Missing Authentication Token",
                           403);
            return;
        }
        auto auth = aws::ParseAuthorizationHeader(*authorization);
        if (!auth) {
            Count(&SandboxStats::auth_failures);
            WriteJsonError(res, "IncompleteSignatureException", auth.error().message(), 403);
            return;
        }
        {
            std::lock_guard<std::mutex> lock(world_mu_);
            ResolvedKey key;
            if (std::optional<AuthFailure> failure =
                        CheckSignature(http, *auth, std::nullopt, &key)) {
                Count(&SandboxStats::auth_failures);
                WriteJsonError(res, failure->code, failure->message, failure->status);
                return;
            }
        }
        FormParams params;
        if (!params.Parse(http.query)) {
            WriteJsonError(res, "InvalidParameterValue", "The query string is malformed", 400);
            return;
        }
        uint64_t after = 0;
        uint64_t max = kStreamDefaultMax;
        uint64_t wait_ms = 0;
        for (auto [name, value, limit] : {std::tuple{"after", &after, UINT64_MAX},
                                          std::tuple{"max", &max, kStreamMaxMax},
                                          std::tuple{"wait", &wait_ms, kStreamMaxWaitMs}}) {
            const std::string* text = params.Get(name);
            if (text == nullptr) {
                continue;
            }
            auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), *value);
            if (text->empty() || ec != std::errc() || end != text->data() + text->size()) {
                WriteJsonError(res,
                               "InvalidParameterValue",
                               std::string(name) + " must be a whole number, not '" +
                                       text->substr(0, 40) + "'",
                               400);
                return;
            }
            *value = std::min(*value, limit);
        }
        StreamBatch batch =
                recorder_->stream().Read(after,
                                         static_cast<size_t>(std::max<uint64_t>(max, 1)),
                                         std::chrono::milliseconds(wait_ms),
                                         params.GetOr("epoch", ""));
        size_t bytes = 96;
        for (const std::string& event : batch.events) {
            bytes += event.size() + 1;
        }
        std::string body;
        body.reserve(bytes);
        body += "{\"epoch\":" + JsonText(batch.epoch) + ",\"events\":[";
        for (size_t i = 0; i < batch.events.size(); ++i) {
            if (i > 0) {
                body += ',';
            }
            body += batch.events[i];
        }
        body += "],\"next\":" + std::to_string(batch.next) +
                ",\"oldest\":" + std::to_string(batch.oldest) +
                ",\"lost\":" + std::to_string(batch.lost) + "}";
        res.status = 200;
        res.set_header("x-amzn-RequestId", NewUuid());
        res.set_content(std::move(body), "application/json");
    }

    void Serve(const httplib::Request& req, httplib::Response& res) {
        Count(&SandboxStats::requests);
        aws::HttpRequest http;
        http.method = req.method;
        std::string_view target = req.target;
        size_t q = target.find('?');
        http.path = std::string(target.substr(0, q));
        if (q != std::string_view::npos)
            http.query = std::string(target.substr(q + 1));
        for (const auto& [name, value] : req.headers) {
            if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
                name == "LOCAL_PORT") {
                continue;  // httplib's own bookkeeping entries
            }
            http.headers.emplace_back(name, value);
        }
        http.body = req.body;

        if (http.path == "/_sandbox/health") {
            res.set_content("{\"status\":\"ok\"}", "application/json");
            return;
        }
        if (http.path == kStreamPath) {
            ServeStream(http, res);
            Log(http.method + " " + std::string(kStreamPath) + " -> " + std::to_string(res.status));
            return;
        }

        Call call;
        call.http = &http;
        call.request_id = NewUuid();
        call.source_ip = req.remote_addr;
        if (const std::string* ua = http.Header("User-Agent"))
            call.user_agent = ua->substr(0, 1024);

        // Authentication: SigV4 header auth only (presigned URLs are not served).
        const std::string* authorization = http.Header("Authorization");
        if (authorization == nullptr) {
            Count(&SandboxStats::auth_failures);
            WriteGenericError(req,
                              res,
                              "MissingAuthenticationToken",
                              "Request is missing Authentication Token",
                              403);
            return;
        }
        auto auth = aws::ParseAuthorizationHeader(*authorization);
        if (!auth) {
            Count(&SandboxStats::auth_failures);
            WriteGenericError(req, res, "IncompleteSignature", auth.error().message(), 403);
            return;
        }
        // The payload: aws-chunked framing is removed before anything reads the body; the signature
        // covers the framed bytes (its x-amz-content-sha256 is a STREAMING-* marker).
        const std::string* content_sha = http.Header("x-amz-content-sha256");
        std::string decoded_body = http.body;
        const std::string* encoding = http.Header("Content-Encoding");
        if ((encoding != nullptr && encoding->find("aws-chunked") != std::string::npos) ||
            (content_sha != nullptr && content_sha->rfind("STREAMING-", 0) == 0)) {
            if (!DecodeAwsChunked(http.body, &decoded_body)) {
                WriteGenericError(req, res, "IncompleteBody", "The aws-chunked body is malformed");
                return;
            }
        }

        FormParams params;
        const std::string* content_type = http.Header("Content-Type");
        bool form = content_type != nullptr &&
                    content_type->find("x-www-form-urlencoded") != std::string::npos;
        if (auth->service != "s3" && form && !params.Parse(http.body)) {
            WriteGenericError(req,
                              res,
                              "MalformedQueryString",
                              "The request body is not valid form encoding");
            return;
        }
        if (auth->service != "s3" && !form && http.query.find("Action=") != std::string::npos &&
            !params.Parse(http.query)) {
            WriteGenericError(req,
                              res,
                              "MalformedQueryString",
                              "The query string is not valid form encoding");
            return;
        }
        std::optional<Api> api = ApiForScope(auth->service, params);
        if (!api) {
            WriteGenericError(req,
                              res,
                              "UnrecognizedClientException",
                              "The sandbox does not serve the service '" + auth->service + "'");
            return;
        }
        call.api = *api;
        call.region = auth->region;
        call.params = std::move(params);

        std::unique_lock<std::mutex> lock(world_mu_);
        call.world = &world_;
        ResolvedKey key;
        if (std::optional<AuthFailure> failure = CheckSignature(http, *auth, call.api, &key)) {
            Count(&SandboxStats::auth_failures);
            call.Fail(std::move(failure->code), std::move(failure->message), failure->status);
            return Finish(call, res, lock, /*record=*/false);
        }
        http.body = std::move(decoded_body);
        call.caller = key.identity;
        call.account_id = key.identity.account_id;

        // Routing to an operation.
        switch (call.info().protocol) {
            case WireProtocol::kEc2:
            case WireProtocol::kQuery: {
                const std::string* action = call.params.Get("Action");
                if (action == nullptr) {
                    call.Fail(
                            "MissingAction", "The request must contain the parameter Action", 400);
                    return Finish(call, res, lock, false);
                }
                call.action = *action;
                break;
            }
            case WireProtocol::kJson: {
                const std::string* target_header = http.Header("X-Amz-Target");
                if (target_header == nullptr) {
                    call.Fail("UnknownOperationException", "Missing X-Amz-Target", 400);
                    return Finish(call, res, lock, false);
                }
                size_t dot = target_header->rfind('.');
                call.action =
                        dot == std::string::npos ? *target_header : target_header->substr(dot + 1);
                auto parsed =
                        event::ParseJson(http.body.empty() ? std::string_view("{}") : http.body);
                if (!parsed || !parsed->is_object()) {
                    call.Fail("SerializationException",
                              parsed ? "The request body must be a JSON object"
                                     : parsed.error().message(),
                              400);
                    return Finish(call, res, lock, false);
                }
                call.json = std::move(parsed).value();
                break;
            }
            case WireProtocol::kRestXml:
                call.s3 = RouteS3(http);
                call.action = call.s3.action;
                break;
            case WireProtocol::kRestJson: {
                call.action = RouteSecurityHub(http);
                auto parsed =
                        event::ParseJson(http.body.empty() ? std::string_view("{}") : http.body);
                if (!call.action.empty() && (!parsed || !parsed->is_object())) {
                    call.Fail("InvalidInputException",
                              parsed ? "The request body must be a JSON object"
                                     : parsed.error().message(),
                              400);
                    return Finish(call, res, lock, false);
                }
                if (parsed)
                    call.json = std::move(parsed).value();
                break;
            }
        }
        auto it = handlers_.find({call.api, call.action});
        if (it == handlers_.end()) {
            switch (call.info().protocol) {
                case WireProtocol::kEc2:
                    call.Fail("InvalidAction",
                              "The action " + call.action + " is not valid for this web service.");
                    break;
                case WireProtocol::kQuery:
                    call.Fail("InvalidAction",
                              "Could not find operation " + call.action + " for version " +
                                      call.params.GetOr("Version", "(none)"));
                    break;
                case WireProtocol::kJson:
                    call.Fail("UnknownOperationException", "Unknown operation " + call.action);
                    break;
                case WireProtocol::kRestJson:
                    call.Fail("UnknownOperationException",
                              "No operation at " + http.method + " " + http.path,
                              404);
                    break;
                case WireProtocol::kRestXml:
                    call.Fail("NotImplemented",
                              "A header or query you provided implies functionality that is not "
                              "implemented",
                              501);
                    break;
            }
            return Finish(call, res, lock, false);
        }
        call.read_only = it->second.read_only;
        if (call.api == Api::kCloudTrail && call.action == "ListPublicKeys") {
            Result<DigestPublicKey> signing_key = DigestKeyLocked();
            if (!signing_key) {
                call.Fail("InternalFailure",
                          "The digest signing key: " + signing_key.error().message(),
                          500);
                return Finish(call, res, lock, true);
            }
            ListPublicKeysWith(call, {*signing_key});
            return Finish(call, res, lock, true);
        }
        // Trails logging when the call arrived: StopLogging is recorded by the trail it stops.
        logging_before_.clear();
        for (const auto& [arn, trail] : world_.trails) {
            if (trail.is_logging)
                logging_before_.insert(arn);
        }
        it->second.handler(call);
        return Finish(call, res, lock, true);
    }

    void Finish(Call& call,
                httplib::Response& res,
                std::unique_lock<std::mutex>& lock,
                bool record) {
        if (call.error_code) {
            if (call.error_code == "AccessDenied" || call.error_code == "UnauthorizedOperation" ||
                call.error_code == "AccessDeniedException") {
                Count(&SandboxStats::denied);
            } else {
                Count(&SandboxStats::errors);
            }
        }
        std::vector<std::pair<TrailDelivery, std::string>> deliveries;
        std::vector<std::string> envelopes;
        // Log files are named and foldered by event time, which is world time.
        auto event_time = std::chrono::system_clock::time_point(world_.Now().time_since_epoch());
        bool history_changed = false;
        if (record) {
            history_changed = BuildRecords(call, &deliveries, &envelopes);
        }
        if ((call.mutated || history_changed) && !options_.state_path.empty()) {
            Status saved = SaveWorldAtomically(world_, options_.state_path);
            if (!saved.ok()) {
                Log("sandbox: saving the world failed: " + saved.ToString());
            }
        }
        lock.unlock();

        for (auto& [where, json] : deliveries)
            recorder_->Append(where, std::move(json), event_time);
        for (const std::string& envelope : envelopes)
            recorder_->Publish(envelope);

        res.status = call.status;
        std::string content_type = "text/xml";
        for (const auto& [name, value] : call.headers) {
            if (EqualsIgnoreAsciiCase(name, "Content-Type")) {
                content_type = value;
            } else {
                res.set_header(name, value);
            }
        }
        if (call.http->method == "HEAD") {
            res.set_header("Content-Type", content_type);
            res.set_header("Content-Length", std::to_string(call.body.size()));
        } else {
            res.set_content(std::move(call.body), content_type);
        }
        Log(call.http->method + " " + std::string(call.info().event_source) + " " + call.action +
            " -> " + std::to_string(call.status) + (call.error_code ? " " + *call.error_code : ""));
    }

    // LookupEvents names resources as CloudTrail's event history does: by name or id
    // ("backdoor", "i-0abc", "my-bucket"), not by ARN. A record that lists no resources (IAM,
    // CloudTrail and most EC2 calls) gets them from its request and response, as the event
    // history derives them: the user, role, bucket, trail, group, key and instances it names.
    static void AddHistoryResources(const ApiCallRecord& record,
                                    const std::vector<TrailResource>& resources,
                                    RecordedEvent* event) {
        auto add = [event](std::string type, std::string_view name) {
            if (name.empty()) {
                return;
            }
            for (size_t i = 0; i < event->resource_names.size(); ++i) {
                if (event->resource_names[i] == name && event->resource_types[i] == type) {
                    return;
                }
            }
            event->resource_types.push_back(std::move(type));
            event->resource_names.emplace_back(name);
        };
        auto short_name = [](std::string_view arn) {
            if (!arn.starts_with("arn:")) {
                return arn;
            }
            size_t cut = arn.find_last_of('/');
            if (cut == std::string_view::npos) {
                cut = arn.find_last_of(':');
            }
            return arn.substr(cut + 1);
        };
        for (const TrailResource& resource : resources) {
            add(resource.type, short_name(resource.arn));
        }
        if (!resources.empty()) {
            return;
        }
        auto scalar = [](const event::JsonValue& o, std::string_view key) -> std::string_view {
            const event::JsonValue* v = o.is_object() ? o.Find(key) : nullptr;
            return v != nullptr && v->is_string() ? std::string_view(v->text) : std::string_view();
        };
        if (record.request_parameters) {
            Result<event::JsonValue> req = event::ParseJson(*record.request_parameters);
            if (req) {
                add("AWS::IAM::User", scalar(*req, "userName"));
                add("AWS::IAM::Role", scalar(*req, "roleName"));
                add("AWS::IAM::AccessKey", scalar(*req, "accessKeyId"));
                add("AWS::S3::Bucket", scalar(*req, "bucketName"));
                add("AWS::EC2::SecurityGroup", scalar(*req, "groupId"));
                add("AWS::EC2::Instance", scalar(*req, "instanceId"));
                if (record.event_source == "cloudtrail.amazonaws.com") {
                    add("AWS::CloudTrail::Trail", short_name(scalar(*req, "name")));
                    add("AWS::CloudTrail::Trail", short_name(scalar(*req, "trailName")));
                }
            }
        }
        if (record.response_elements) {
            Result<event::JsonValue> resp = event::ParseJson(*record.response_elements);
            const event::JsonValue* set =
                    resp && resp->is_object() ? resp->Find("instancesSet") : nullptr;
            const event::JsonValue* items =
                    set != nullptr && set->is_object() ? set->Find("items") : nullptr;
            if (items != nullptr && items->is_array()) {
                for (const event::JsonValue& item : items->items) {
                    add("AWS::EC2::Instance", scalar(item, "instanceId"));
                }
            }
        }
    }

    // CloudTrail's event history (LookupEvents): every management event, whether or not a trail
    // is logging, bounded to kMaxEventHistory.
    void AddToHistory(const Call& call,
                      const ApiCallRecord& record,
                      const std::string& recipient,
                      const std::string& region,
                      const std::vector<TrailResource>& resources,
                      const std::string& json) {
        RecordedEvent event;
        event.event_id = record.event_id;
        event.account_id = recipient;
        event.region = region;
        event.event_name = record.event_name;
        event.event_source = record.event_source;
        event.event_time = world_.Now();
        event.read_only = record.read_only;
        event.access_key_id = call.caller.access_key_id;
        switch (call.caller.type) {
            case CallerIdentity::Type::kRoot:
                event.username = "root";
                break;
            case CallerIdentity::Type::kAssumedRole:
                event.username = call.caller.session_name;
                break;
            case CallerIdentity::Type::kIamUser:
                event.username = call.caller.user_name;
                break;
        }
        AddHistoryResources(record, resources, &event);
        event.record = json;
        auto& history = world_.event_history;
        history.push_back(std::move(event));
        if (history.size() > kMaxEventHistory) {
            history.erase(history.begin(),
                          history.begin() +
                                  static_cast<std::ptrdiff_t>(history.size() - kMaxEventHistory));
        }
    }

    // CloudTrail event selectors: without any, a trail logs management events only; with them,
    // management events when a selector includes them, data events (S3 objects, SNS topics)
    // when a selector's data resource names their type and an ARN prefix of theirs (or the bare
    // type prefix, "arn:aws:s3"), each filtered by the selector's read/write type.
    static bool SelectedByTrail(const Trail& trail, const Call& call) {
        bool data = call.category == EventCategory::kData;
        if (!trail.event_selectors)
            return !data;
        std::string resource_arn;
        std::string resource_type;
        if (call.api == Api::kS3) {
            resource_type = "AWS::S3::Object";
            resource_arn = call.s3.key.empty() ? BucketArn(call.s3.bucket) + "/"
                                               : ObjectArn(call.s3.bucket, call.s3.key);
        } else if (call.api == Api::kSns) {
            resource_type = "AWS::SNS::Topic";
            resource_arn = call.params.GetOr("TopicArn", "");
        }
        for (const EventSelector& selector : *trail.event_selectors) {
            bool rw_ok = selector.read_write_type == "All" ||
                         (selector.read_write_type == "ReadOnly") == call.read_only;
            if (!rw_ok)
                continue;
            if (!data) {
                if (selector.include_management_events)
                    return true;
                continue;
            }
            for (const DataResource& resource : selector.data_resources) {
                if (resource.type != resource_type)
                    continue;
                for (const std::string& value : resource.values) {
                    if (value == "arn:aws:s3" || value == "arn:aws:s3:::" ||
                        resource_arn.rfind(value, 0) == 0) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    // Trails of `account` that log an event of `region` (global service events go to trails that
    // include them, recorded as us-east-1).
    bool BuildRecords(const Call& call,
                      std::vector<std::pair<TrailDelivery, std::string>>* deliveries,
                      std::vector<std::string>* envelopes) {
        bool history_changed = false;
        bool global = call.api == Api::kIam;
        std::string event_region = global ? "us-east-1" : call.region;
        auto record_for = [&](const std::string& recipient,
                              const std::vector<TrailResource>& resources,
                              const std::optional<std::string>& shared_id) {
            ApiCallRecord record;
            record.identity = call.caller;
            record.event_time =
                    std::chrono::system_clock::time_point(world_.Now().time_since_epoch());
            record.event_source = std::string(call.info().event_source);
            record.event_name = call.action;
            record.aws_region = event_region;
            record.source_ip_address = call.source_ip;
            record.user_agent = call.user_agent;
            if (call.error_code) {
                record.error_code = CloudTrailErrorCode(call.api, *call.error_code);
                record.error_message = call.error_message;
            }
            record.request_parameters = call.request_parameters;
            record.response_elements = call.error_code ? std::nullopt : call.response_elements;
            record.additional_event_data = call.additional_event_data;
            record.request_id = call.request_id;
            record.event_id = NewUuid();
            record.read_only = call.read_only;
            record.resources = resources;
            record.event_category = call.category;
            record.recipient_account_id = recipient;
            record.shared_event_id = shared_id;
            if (call.api == Api::kEc2 || call.api == Api::kAutoScaling || call.api == Api::kElb ||
                call.api == Api::kElbV2 || call.api == Api::kSns) {
                record.api_version = std::string(call.info().api_version);
            }
            std::string json = BuildCloudTrailRecord(record);
            if (call.category == EventCategory::kManagement) {
                AddToHistory(call, record, recipient, event_region, resources, json);
                history_changed = true;
            }
            bool logged = false;
            for (const auto& [arn, trail] : world_.trails) {
                if (trail.account_id != recipient ||
                    (!trail.is_logging && !logging_before_.contains(arn)))
                    continue;
                bool covers = trail.is_multi_region || trail.home_region == event_region;
                if (global && !trail.include_global_service_events)
                    covers = false;
                if (!covers || !SelectedByTrail(trail, call))
                    continue;
                deliveries->push_back(
                        {TrailDelivery{
                                 recipient, event_region, trail.s3_bucket, trail.s3_key_prefix},
                         json});
                logged = true;
            }
            if (logged) {
                envelopes->push_back(BuildEventBridgeEnvelope(record, json, NewUuid()));
                std::lock_guard<std::mutex> stats_lock(stats_mu_);
                ++stats_.records;
            }
        };
        std::optional<std::string> shared_id;
        if (!call.other_account_id.empty() && call.other_account_id != call.account_id)
            shared_id = NewUuid();
        record_for(call.account_id, call.resources, shared_id);
        if (shared_id)
            record_for(call.other_account_id, call.other_account_resources, shared_id);
        return history_changed;
    }

    SandboxOptions options_;
    mutable std::mutex world_mu_;
    World world_;
    HandlerTable handlers_;
    std::set<std::string> logging_before_;  // under world_mu_
    std::set<std::string> seeded_trails_;   // under world_mu_: chain tips looked up
    // Digest files: the digester (made with the key on first use) under digester_mu_; one round
    // at a time (digest_round_mu_); the period timer thread.
    std::mutex digester_mu_;
    std::unique_ptr<TrailDigester> digester_;

    // Log files of validating trails delivered before the digester was made (gzip_bytes points
    // into `bytes` once moved here).
    struct EarlyLogFile {
        TrailLogFile file;
        std::string bytes;
    };

    std::vector<EarlyLogFile> early_files_;
    Timestamp digest_key_created_{};
    TimePoint digest_period_start_;
    std::mutex digest_round_mu_;
    std::mutex digest_loop_mu_;
    std::condition_variable digest_loop_cv_;
    bool digest_loop_stop_ = false;
    std::thread digest_thread_;
    std::unique_ptr<TrailRecorder> recorder_;
    httplib::Server server_;
    std::thread thread_;
    int port_ = -1;
    std::once_flag stop_once_;
    std::mutex wait_mu_;
    std::condition_variable wait_cv_;
    bool stopped_ = false;
    mutable std::mutex stats_mu_;
    SandboxStats stats_;
};

Sandbox::Sandbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Sandbox::~Sandbox() {
    impl_->Stop();
}

Result<std::unique_ptr<Sandbox>> Sandbox::Start(SandboxOptions options, World world) {
    auto impl = std::make_unique<Impl>(std::move(options), std::move(world));
    Status listening = impl->Listen();
    if (!listening.ok())
        return listening;
    return std::unique_ptr<Sandbox>(new Sandbox(std::move(impl)));
}

int Sandbox::port() const {
    return impl_->port();
}

std::string Sandbox::endpoint_url() const {
    return "http://" + impl_->options().host + ":" + std::to_string(impl_->port());
}

void Sandbox::Stop() {
    impl_->Stop();
}

void Sandbox::Wait() {
    impl_->Wait();
}

void Sandbox::Inspect(const std::function<void(const World&)>& f) const {
    impl_->Inspect(f);
}

std::shared_ptr<Subscription> Sandbox::Subscribe(size_t max_queue) {
    return impl_->recorder().Subscribe(max_queue);
}

EventRing& Sandbox::stream() {
    return impl_->recorder().stream();
}

Status Sandbox::FlushTrail() {
    return impl_->recorder().Flush();
}

Result<size_t> Sandbox::DeliverDigests() {
    return impl_->DeliverDigests();
}

Result<DigestPublicKey> Sandbox::DigestKey() {
    return impl_->DigestKey();
}

SandboxStats Sandbox::stats() const {
    return impl_->stats();
}

}  // namespace firebreak::sandbox
