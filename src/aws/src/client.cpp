#include "firebreak/aws/client.h"

#include <algorithm>
#include <ctime>
#include <random>
#include <thread>

#include "firebreak/aws/credentials.h"
#include "firebreak/core/text.h"
#include "firebreak/core/time.h"

namespace firebreak::aws {
namespace {

thread_local CallStats g_last_call_stats;

constexpr std::string_view kUserAgent = "firebreak/0.1.0";

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int attempt) {
    // "Full jitter": uniform in [0, min(cap, base * 2^(attempt-1))].
    thread_local std::mt19937_64 rng(std::random_device{}());
    int64_t ceiling = policy.base_delay.count();
    for (int i = 1; i < attempt && ceiling < policy.max_delay.count(); ++i)
        ceiling *= 2;
    ceiling = std::min<int64_t>(ceiling, policy.max_delay.count());
    if (ceiling <= 0)
        return std::chrono::milliseconds(0);
    std::uniform_int_distribution<int64_t> dist(0, ceiling);
    return std::chrono::milliseconds(dist(rng));
}

std::string JsonErrorCode(std::string_view type) {
    // "com.amazonaws.cloudtrail.v20131101#TrailNotFoundException" or "Code:http://..."
    size_t hash = type.rfind('#');
    if (hash != std::string_view::npos)
        type = type.substr(hash + 1);
    size_t colon = type.find(':');
    if (colon != std::string_view::npos)
        type = type.substr(0, colon);
    return std::string(type);
}

void Classify(ApiError* error) {
    error->throttling = IsThrottlingCode(error->code) || error->http_status == 429;
    error->retryable = error->throttling || IsTransientCode(error->code) ||
                       error->http_status == 500 || error->http_status == 502 ||
                       error->http_status == 503 || error->http_status == 504;
}

std::string DefaultCodeForStatus(int status) {
    switch (status) {
        case 301:
            return "PermanentRedirect";
        case 304:
            return "NotModified";
        case 400:
            return "BadRequest";
        case 403:
            return "Forbidden";
        case 404:
            return "NotFound";
        case 412:
            return "PreconditionFailed";
        default:
            return "Http" + std::to_string(status);
    }
}

}  // namespace

QueryParams& QueryParams::Add(std::string name, std::string value) {
    items_.emplace_back(std::move(name), std::move(value));
    return *this;
}

QueryParams& QueryParams::AddBool(std::string name, bool value) {
    return Add(std::move(name), value ? "true" : "false");
}

QueryParams& QueryParams::AddInt(std::string name, int64_t value) {
    return Add(std::move(name), std::to_string(value));
}

QueryParams& QueryParams::AddList(const std::string& name,
                                  const std::vector<std::string>& values,
                                  bool member) {
    for (size_t i = 0; i < values.size(); ++i) {
        Add(name + (member ? ".member." : ".") + std::to_string(i + 1), values[i]);
    }
    return *this;
}

std::string QueryParams::Encode() const {
    std::string out;
    for (const auto& [name, value] : items_) {
        if (!out.empty())
            out.push_back('&');
        out += UriEncode(name, false);
        out.push_back('=');
        out += UriEncode(value, false);
    }
    return out;
}

AwsClient::AwsClient(ResolvedConfig config,
                     std::shared_ptr<CredentialsProvider> credentials,
                     std::shared_ptr<HttpTransport> transport)
    : state_(std::make_shared<State>()) {
    state_->config = std::move(config);
    state_->credentials = std::move(credentials);
    state_->transport = std::move(transport);
    state_->sleep = [](std::chrono::milliseconds d) {
        std::this_thread::sleep_for(d);
    };
    state_->clock = [] {
        return std::chrono::system_clock::now();
    };
}

AwsClient AwsClient::WithRegion(std::string region) const {
    auto state = std::make_shared<State>(*state_);
    state->config.region = std::move(region);
    state->config.region_source = "explicit";
    return AwsClient(std::move(state));
}

AwsClient AwsClient::WithCredentials(std::shared_ptr<CredentialsProvider> credentials) const {
    auto state = std::make_shared<State>(*state_);
    state->credentials = std::move(credentials);
    return AwsClient(std::move(state));
}

void AwsClient::SetSleepForTesting(std::function<void(std::chrono::milliseconds)> sleep) {
    state_->sleep = std::move(sleep);
}

void AwsClient::SetClockForTesting(std::function<std::chrono::system_clock::time_point()> clock) {
    state_->clock = std::move(clock);
}

CallStats AwsClient::LastCallStats() {
    return g_last_call_stats;
}

Endpoint AwsClient::EndpointFor(ServiceId service) const {
    const auto& override = state_->config.endpoints[static_cast<size_t>(service)];
    if (override)
        return *override;
    return DefaultEndpoint(service, state_->config.region);
}

Outcome<HttpResponse> AwsClient::Send(ServiceId service,
                                      std::string_view operation,
                                      HttpRequest request,
                                      const SendOptions& options) const {
    const ServiceInfo& info = GetService(service);
    std::string op_name = std::string(info.name) + ":" + std::string(operation);
    g_last_call_stats = CallStats{};
    auto fail = [&](ApiError error) {
        error.operation = op_name;
        return error;
    };
    if (state_->config.region.empty() && !info.global) {
        return fail(ClientError(
                "NoRegion",
                "no region configured: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, "
                "or set region in the profile"));
    }
    if (!state_->credentials) {
        return fail(ClientError("NoCredentials", "no credentials provider configured"));
    }
    Outcome<Credentials> credentials = state_->credentials->Resolve();
    if (!credentials)
        return fail(credentials.error());
    if (credentials->empty()) {
        return fail(ClientError("NoCredentials",
                                "no credentials found (" + state_->credentials->Describe() + ")"));
    }

    Endpoint endpoint = EndpointFor(service);
    endpoint.host = options.host_prefix + endpoint.host;
    request.path = endpoint.base_path + (request.path.empty() ? "/" : request.path);
    SetHeader(&request.headers, "Host", endpoint.HostHeader());
    if (!request.Header("User-Agent"))
        request.headers.emplace_back("User-Agent", std::string(kUserAgent));

    SigningOptions signing;
    signing.region = SigningRegion(service, state_->config.region);
    signing.service = std::string(info.signing_name);
    signing.s3 = options.s3;

    const RetryPolicy& policy = state_->config.retry;
    for (int attempt = 1;; ++attempt) {
        g_last_call_stats.attempts = attempt;
        HttpRequest signed_request = request;
        signing.time = state_->clock();
        SignRequest(&signed_request, *credentials, signing);
        auto sent = state_->transport->Send(endpoint, signed_request);
        ApiError error;
        if (!sent) {
            error.code = sent.error().timeout ? "RequestTimeout" : "NetworkingError";
            error.message = sent.error().message;
            error.retryable = true;
        } else if (sent->status >= 200 && sent->status < 300) {
            return std::move(sent).value();
        } else {
            error = ParseErrorResponse(info.protocol, *sent);
        }
        error.operation = op_name;
        if (!error.retryable || attempt >= policy.max_attempts)
            return error;
        std::chrono::milliseconds delay = BackoffDelay(policy, attempt);
        g_last_call_stats.slept += delay;
        state_->sleep(delay);
    }
}

Outcome<XmlReply> AwsClient::Query(ServiceId service,
                                   std::string_view action,
                                   const QueryParams& params) const {
    const ServiceInfo& info = GetService(service);
    HttpRequest request;
    request.method = "POST";
    request.path = "/";
    request.headers.emplace_back("Content-Type",
                                 "application/x-www-form-urlencoded; charset=utf-8");
    request.body =
            "Action=" + UriEncode(action, false) + "&Version=" + std::string(info.api_version);
    std::string encoded = params.Encode();
    if (!encoded.empty())
        request.body += "&" + encoded;
    Outcome<HttpResponse> response = Send(service, action, std::move(request));
    if (!response)
        return response.error();

    XmlReply reply;
    reply.doc = std::make_shared<pugi::xml_document>();
    pugi::xml_parse_result parsed =
            reply.doc->load_buffer(response->body.data(), response->body.size());
    if (!parsed) {
        ApiError error = ClientError("InvalidResponse",
                                     "reply is not XML: " + std::string(parsed.description()) +
                                             " at byte " + std::to_string(parsed.offset));
        error.operation = std::string(info.name) + ":" + std::string(action);
        return error;
    }
    pugi::xml_node root = reply.doc->document_element();
    if (info.protocol == Protocol::kEc2) {
        reply.result = root;
        reply.request_id = ChildText(root, "requestId");
    } else {
        std::string result_name = std::string(action) + "Result";
        pugi::xml_node result = root.child(result_name.c_str());
        reply.result = result ? result : root;
        reply.request_id = ChildText(root.child("ResponseMetadata"), "RequestId");
    }
    return reply;
}

Outcome<JsonReply> AwsClient::Json(ServiceId service,
                                   std::string_view operation,
                                   std::string body) const {
    const ServiceInfo& info = GetService(service);
    HttpRequest request;
    request.method = "POST";
    request.path = "/";
    request.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
    request.headers.emplace_back(
            "X-Amz-Target", std::string(info.json_target_prefix) + "." + std::string(operation));
    request.body = std::move(body);
    Outcome<HttpResponse> response = Send(service, operation, std::move(request));
    if (!response)
        return response.error();
    JsonReply reply;
    if (const std::string* id = response->Header("x-amzn-RequestId"))
        reply.request_id = *id;
    if (response->body.empty()) {
        reply.body.type = event::JsonValue::Type::kObject;
        return reply;
    }
    auto parsed = event::ParseJson(response->body);
    if (!parsed) {
        ApiError error =
                ClientError("InvalidResponse", "reply is not JSON: " + parsed.error().message());
        error.operation = std::string(info.name) + ":" + std::string(operation);
        error.request_id = std::move(reply.request_id);
        return error;
    }
    reply.body = std::move(parsed).value();
    return reply;
}

ApiError ParseErrorResponse(Protocol protocol, const HttpResponse& response) {
    ApiError error;
    error.http_status = response.status;
    for (const char* header : {"x-amzn-RequestId", "x-amz-request-id"}) {
        if (const std::string* id = response.Header(header)) {
            error.request_id = *id;
            break;
        }
    }
    if (protocol == Protocol::kJson11) {
        if (auto parsed = event::ParseJson(response.body); parsed && parsed->is_object()) {
            if (const auto* type = parsed->Find("__type"))
                error.code = JsonErrorCode(type->text);
            for (const char* key : {"message", "Message", "errorMessage"}) {
                if (const auto* message = parsed->Find(key); message && message->is_string()) {
                    error.message = message->text;
                    break;
                }
            }
        }
        if (error.code.empty()) {
            if (const std::string* type = response.Header("x-amzn-ErrorType"))
                error.code = JsonErrorCode(*type);
        }
    } else if (!response.body.empty()) {
        pugi::xml_document doc;
        if (doc.load_buffer(response.body.data(), response.body.size())) {
            pugi::xml_node root = doc.document_element();
            pugi::xml_node err;
            std::string root_name = root.name();
            if (root_name == "Response") {  // EC2
                err = root.child("Errors").child("Error");
                if (error.request_id.empty())
                    error.request_id = ChildText(root, "RequestID");
            } else if (root_name == "ErrorResponse") {  // query
                err = root.child("Error");
                if (error.request_id.empty())
                    error.request_id = ChildText(root, "RequestId");
            } else if (root_name == "Error") {  // S3
                err = root;
                if (error.request_id.empty())
                    error.request_id = ChildText(root, "RequestId");
            }
            if (err) {
                error.code = ChildText(err, "Code");
                error.message = ChildText(err, "Message");
            }
        }
    }
    if (error.code.empty()) {
        error.code = DefaultCodeForStatus(response.status);
        if (error.message.empty()) {
            // Bodies of non-AWS replies (a proxy's HTML page) are cut short, not echoed whole.
            std::string_view body = response.body;
            error.message = "HTTP " + std::to_string(response.status) +
                            (body.empty() ? "" : ": " + std::string(body.substr(0, 200)));
        }
    }
    Classify(&error);
    return error;
}

std::optional<std::chrono::system_clock::time_point> ParseIsoTime(std::string_view text) {
    return firebreak::ParseIsoTime(text);
}

std::string FormatIsoTime(std::chrono::system_clock::time_point time) {
    return FormatIsoSeconds(time);
}

std::string ChildText(const pugi::xml_node& node, const char* name) {
    return node.child(name).text().get();
}

std::optional<bool> ChildBool(const pugi::xml_node& node, const char* name) {
    std::string_view text = node.child(name).text().get();
    if (text == "true")
        return true;
    if (text == "false")
        return false;
    return std::nullopt;
}

std::optional<std::chrono::system_clock::time_point> ChildTime(const pugi::xml_node& node,
                                                               const char* name) {
    return ParseIsoTime(node.child(name).text().get());
}

ApiError InvalidResponse(std::string_view operation, std::string_view what) {
    ApiError error = ClientError("InvalidResponse", "reply: " + std::string(what));
    error.operation = std::string(operation);
    return error;
}

ApiError MissingElement(std::string_view operation,
                        const std::string& request_id,
                        std::string_view element) {
    ApiError error = ClientError("InvalidResponse",
                                 "the reply has no <" + std::string(element) + "> element");
    error.operation = std::string(operation);
    error.request_id = request_id;
    return error;
}

std::string XmlEscape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

}  // namespace firebreak::aws
