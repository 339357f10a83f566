// The sandbox's HTTP front: parse, authenticate (SigV4 against the world's keys), route, run the
// handler under the world lock, persist, record to CloudTrail. cpp-httplib serves the sockets.
#include "firebreak/sandbox/server.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <set>
#include <thread>

#include <httplib.h>

#include "call.h"
#include "firebreak/aws/sigv4.h"
#include "firebreak/core/crypto.h"
#include "firebreak/core/text.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::sandbox {
namespace {

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
        TrailRecorderOptions trail;
        trail.out_dir = options_.trail_dir;
        trail.max_records_per_file = options_.max_records_per_file;
        trail.max_age = options_.trail_max_age;
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
        return Status::Ok();
    }

    void Stop() {
        std::call_once(stop_once_, [this] {
            server_.stop();
            if (thread_.joinable())
                thread_.join();
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

private:
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

        const std::string* amz_date = http.Header("X-Amz-Date");
        std::optional<std::chrono::system_clock::time_point> signed_at;
        if (amz_date != nullptr)
            signed_at = ParseAmzDate(*amz_date);

        std::unique_lock<std::mutex> lock(world_mu_);
        call.world = &world_;
        auto now = world_.Now();
        std::optional<ResolvedKey> key = world_.ResolveAccessKey(auth->access_key_id, now);
        std::string invalid_token_code = call.api == Api::kS3    ? "InvalidAccessKeyId"
                                         : call.api == Api::kEc2 ? "AuthFailure"
                                                                 : "InvalidClientTokenId";
        if (!key) {
            Count(&SandboxStats::auth_failures);
            call.Fail(invalid_token_code,
                      call.api == Api::kS3
                              ? "The AWS Access Key Id you provided does not exist in our records."
                              : "The security token included in the request is invalid.",
                      403);
            return Finish(call, res, lock, /*record=*/false);
        }
        if (key->inactive) {
            Count(&SandboxStats::auth_failures);
            call.Fail(invalid_token_code,
                      "The security token included in the request is invalid.",
                      403);
            return Finish(call, res, lock, false);
        }
        if (!key->session_token.empty()) {
            const std::string* token = http.Header("X-Amz-Security-Token");
            if (token == nullptr || *token != key->session_token) {
                Count(&SandboxStats::auth_failures);
                call.Fail(invalid_token_code,
                          "The security token included in the request is invalid.",
                          403);
                return Finish(call, res, lock, false);
            }
            if (key->expired) {
                Count(&SandboxStats::auth_failures);
                call.Fail(call.api == Api::kEc2 ? "RequestExpired" : "ExpiredToken",
                          "The security token included in the request is expired",
                          403);
                return Finish(call, res, lock, false);
            }
        }
        if (!signed_at) {
            Count(&SandboxStats::auth_failures);
            call.Fail(call.api == Api::kS3 ? "AccessDenied" : "IncompleteSignature",
                      "Authorization header requires existence of either a 'X-Amz-Date' or a "
                      "'Date' header.",
                      403);
            return Finish(call, res, lock, false);
        }
        auto skew = std::chrono::abs(std::chrono::duration_cast<std::chrono::seconds>(
                std::chrono::time_point_cast<std::chrono::seconds>(*signed_at) -
                std::chrono::time_point_cast<std::chrono::seconds>(now)));
        if (skew > options_.max_clock_skew) {
            Count(&SandboxStats::auth_failures);
            call.Fail(call.api == Api::kS3 ? "RequestTimeTooSkewed" : "SignatureDoesNotMatch",
                      "Signature expired: " + *amz_date +
                              " is now earlier or later than the allowed skew",
                      403);
            return Finish(call, res, lock, false);
        }
        aws::SignatureCheck check =
                aws::VerifySignature(http, *auth, *amz_date, key->secret_access_key);
        if (!check.match) {
            Count(&SandboxStats::auth_failures);
            call.Fail("SignatureDoesNotMatch",
                      "The request signature we calculated does not match the signature you "
                      "provided. Check your "
                      "AWS Secret Access Key and signing method. Consult the service documentation "
                      "for details."
                      "\n\nThe Canonical String for this request should have been\n'" +
                              check.canonical_request +
                              "'\n\nThe String-to-Sign should have been\n'" + check.string_to_sign +
                              "'\n",
                      403);
            return Finish(call, res, lock, false);
        }
        if (content_sha != nullptr && IsHex64(*content_sha) &&
            *content_sha != Sha256Hex(http.body)) {
            Count(&SandboxStats::auth_failures);
            call.Fail(
                    "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                    400);
            return Finish(call, res, lock, false);
        }
        http.body = std::move(decoded_body);
        call.caller = key->identity;
        call.account_id = key->identity.account_id;

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

Status Sandbox::FlushTrail() {
    return impl_->recorder().Flush();
}

SandboxStats Sandbox::stats() const {
    return impl_->stats();
}

}  // namespace firebreak::sandbox
