// File: client.h
//
// AwsClient: the one place firebreak talks to AWS (or the sandbox). It resolves the endpoint,
// signs with SigV4, sends through the transport, retries throttling, 5xx and transport failures
// with jittered exponential backoff (bounded by RetryPolicy), and turns each protocol's error
// body into an ApiError. Typed operations (ec2.h, iam.h, ...) are thin functions on top of Query(),
// Json() and Send().
//
// An AwsClient is cheap to copy (shared state behind pointers); WithRegion/WithCredentials give a
// client for another region or another account's role session.
#pragma once

#include <charconv>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "firebreak/aws/config.h"
#include "firebreak/aws/error.h"
#include "firebreak/aws/http.h"
#include "firebreak/aws/service.h"
#include "firebreak/aws/sigv4.h"
#include "firebreak/event/json_tree.h"

#include <pugixml.hpp>

namespace firebreak::aws {

class CredentialsProvider;

// Form parameters of an EC2 or query-protocol request, in insertion order.
class QueryParams {
public:
    QueryParams& Add(std::string name, std::string value);
    QueryParams& AddBool(std::string name, bool value);
    QueryParams& AddInt(std::string name, int64_t value);
    // Name.1, Name.2 ... (EC2 style) or Name.member.1 ... (query style) per `member`.
    QueryParams& AddList(const std::string& name,
                         const std::vector<std::string>& values,
                         bool member);

    // Name.N.Key / Name.N.Value (EC2 style) or Name.member.N.Key ... (query style) per
    // `member`, for each tag of `tags` (any list of structs with `key` and `value` strings).
    template <class TagList>
    QueryParams& AddTags(const std::string& name, const TagList& tags, bool member) {
        for (size_t i = 0; i < tags.size(); ++i) {
            std::string prefix = name + (member ? ".member." : ".") + std::to_string(i + 1);
            Add(prefix + ".Key", tags[i].key);
            Add(prefix + ".Value", tags[i].value);
        }
        return *this;
    }

    // application/x-www-form-urlencoded with RFC 3986 encoding (spaces as %20).
    std::string Encode() const;

    const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

private:
    std::vector<std::pair<std::string, std::string>> items_;
};

// A parsed XML reply. `result` is <OpResult> for the query protocol and the root element for EC2
// and S3.
struct XmlReply {
    std::shared_ptr<pugi::xml_document> doc;
    pugi::xml_node result;
    std::string request_id;
};

// A parsed JSON 1.1 reply (an empty body reads as {}) and its x-amzn-RequestId header.
struct JsonReply {
    event::JsonValue body;
    std::string request_id;
};

struct SendOptions {
    bool s3 = false;          // S3 signing rules (x-amz-content-sha256, path as sent)
    std::string host_prefix;  // prepended to the endpoint host: "bucket." (S3 virtual hosting)
};

struct CallStats {
    int attempts = 0;
    std::chrono::milliseconds slept{0};
};

class AwsClient {
public:
    AwsClient(ResolvedConfig config,
              std::shared_ptr<CredentialsProvider> credentials,
              std::shared_ptr<HttpTransport> transport);

    const ResolvedConfig& config() const { return state_->config; }

    const std::string& region() const { return state_->config.region; }

    AwsClient WithRegion(std::string region) const;

    AwsClient WithCredentials(std::shared_ptr<CredentialsProvider> credentials) const;

    const std::shared_ptr<CredentialsProvider>& credentials() const { return state_->credentials; }

    const std::shared_ptr<HttpTransport>& transport() const { return state_->transport; }

    // The endpoint this client sends `service` requests to.
    Endpoint EndpointFor(ServiceId service) const;

    // True when --endpoint-url, AWS_ENDPOINT_URL* or the config file points `service` elsewhere
    // (S3 then uses path-style addressing, as the AWS CLI does).
    bool HasEndpointOverride(ServiceId service) const {
        return state_->config.endpoints[static_cast<size_t>(service)].has_value();
    }

    // EC2 and query protocols: POST Action=<action>&Version=<api>&params.
    Outcome<XmlReply> Query(ServiceId service,
                            std::string_view action,
                            const QueryParams& params) const;

    // JSON 1.1: POST with X-Amz-Target <prefix>.<operation>. `body` is a JSON object text.
    Outcome<JsonReply> Json(ServiceId service, std::string_view operation, std::string body) const;

    // Any request (S3 REST-XML): fills Host, signs, retries. Non-2xx replies become ApiError.
    Outcome<HttpResponse> Send(ServiceId service,
                               std::string_view operation,
                               HttpRequest request,
                               const SendOptions& options = {}) const;

    // Tests: replace the sleep between retries and the clock used for signing.
    void SetSleepForTesting(std::function<void(std::chrono::milliseconds)> sleep);
    void SetClockForTesting(std::function<std::chrono::system_clock::time_point()> clock);

    // Attempts and backoff of the last call made on this thread (for logs and tests).
    static CallStats LastCallStats();

private:
    struct State {
        ResolvedConfig config;
        std::shared_ptr<CredentialsProvider> credentials;
        std::shared_ptr<HttpTransport> transport;
        std::function<void(std::chrono::milliseconds)> sleep;
        std::function<std::chrono::system_clock::time_point()> clock;
    };

    explicit AwsClient(std::shared_ptr<State> state) : state_(std::move(state)) {}

    std::shared_ptr<State> state_;
};

// Parses an error reply of `protocol` into an ApiError (code, message, request id, retryable).
ApiError ParseErrorResponse(Protocol protocol, const HttpResponse& response);

// ISO-8601 / RFC 3339 text ("2024-01-01T00:00:00Z", fractional seconds allowed) to a time point.
std::optional<std::chrono::system_clock::time_point> ParseIsoTime(std::string_view text);

// "2024-01-01T00:00:00Z"
std::string FormatIsoTime(std::chrono::system_clock::time_point time);

// Query() then `parse` on the reply: the body of every typed query-protocol and EC2 operation.
template <class Parse>
std::invoke_result_t<Parse&, const XmlReply&> CallQuery(const AwsClient& client,
                                                        ServiceId service,
                                                        std::string_view action,
                                                        const QueryParams& params,
                                                        Parse parse) {
    Outcome<XmlReply> reply = client.Query(service, action, params);
    if (!reply)
        return reply.error();
    return parse(*reply);
}

// Json() then `parse` on the reply: the body of every typed JSON 1.1 operation.
template <class Parse>
std::invoke_result_t<Parse&, const JsonReply&> CallJson(const AwsClient& client,
                                                        ServiceId service,
                                                        std::string_view operation,
                                                        std::string body,
                                                        Parse parse) {
    Outcome<JsonReply> reply = client.Json(service, operation, std::move(body));
    if (!reply)
        return reply.error();
    return parse(*reply);
}

// XML text helpers over pugixml: the text of child `name` (empty when absent).
std::string ChildText(const pugi::xml_node& node, const char* name);

// The integer text of child `name`; nullopt when absent, not a whole decimal number or out of
// `Int`'s range.
template <class Int = int64_t>
std::optional<Int> ChildInt(const pugi::xml_node& node, const char* name) {
    static_assert(std::is_integral_v<Int>);
    std::string_view text = node.child(name).text().get();
    Int value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

// Child `name` as xsd:boolean: "true" or "false"; nullopt for anything else or when absent.
std::optional<bool> ChildBool(const pugi::xml_node& node, const char* name);

// Child `name` as an ISO-8601 time (ParseIsoTime); nullopt when absent or malformed.
std::optional<std::chrono::system_clock::time_point> ChildTime(const pugi::xml_node& node,
                                                               const char* name);

// A reply firebreak cannot read: code "InvalidResponse", message "reply: <what>", for
// `operation` ("iam:CreateUser").
ApiError InvalidResponse(std::string_view operation, std::string_view what);

// A reply without a required element: code "InvalidResponse", message "the reply has no
// <element> element", with the reply's request id.
ApiError MissingElement(std::string_view operation,
                        const std::string& request_id,
                        std::string_view element);

// Escapes &, <, >, " and ' for XML text and attribute values.
std::string XmlEscape(std::string_view text);

}  // namespace firebreak::aws
