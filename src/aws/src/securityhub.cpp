// Security Hub (REST-JSON): BatchImportFindings, GetFindings, batching within AWS's limits.
#include "firebreak/aws/securityhub.h"

#include <algorithm>
#include <random>
#include <thread>

#include "firebreak/aws/credentials.h"
#include "firebreak/aws/json_protocol.h"
#include "firebreak/aws/sigv4.h"
#include "firebreak/core/text.h"

namespace firebreak::aws::securityhub {
namespace {

constexpr std::string_view kSigningName = "securityhub";
constexpr std::string_view kUserAgent = "firebreak/0.1.0";
// {"Findings":[ ... ]} around the findings, and one comma between two.
constexpr size_t kEnvelopeBytes = 16;

std::chrono::milliseconds Backoff(const RetryPolicy& policy, int attempt) {
    thread_local std::mt19937_64 rng(std::random_device{}());
    int64_t ceiling = policy.base_delay.count();
    for (int i = 1; i < attempt && ceiling < policy.max_delay.count(); ++i)
        ceiling *= 2;
    ceiling = std::min<int64_t>(ceiling, policy.max_delay.count());
    if (ceiling <= 0)
        return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, ceiling)(rng));
}

// POST `path` with a JSON body, signed for Security Hub, retried as AwsClient::Send retries.
Outcome<JsonReply> PostJson(const AwsClient& client,
                            std::string_view operation,
                            std::string_view path,
                            std::string body) {
    std::string op_name = "securityhub:" + std::string(operation);
    auto fail = [&](ApiError error) {
        error.operation = op_name;
        return error;
    };
    if (client.region().empty()) {
        return fail(ClientError(
                "NoRegion",
                "no region configured: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, "
                "or set region in the profile"));
    }
    if (!client.credentials())
        return fail(ClientError("NoCredentials", "no credentials provider configured"));
    Outcome<Credentials> credentials = client.credentials()->Resolve();
    if (!credentials)
        return fail(credentials.error());
    if (credentials->empty()) {
        return fail(ClientError("NoCredentials",
                                "no credentials found (" + client.credentials()->Describe() + ")"));
    }
    Endpoint endpoint = SecurityHubEndpoint(client);
    HttpRequest request;
    request.method = "POST";
    request.path = endpoint.base_path + std::string(path);
    request.headers.emplace_back("Host", endpoint.HostHeader());
    request.headers.emplace_back("Content-Type", "application/json");
    request.headers.emplace_back("User-Agent", std::string(kUserAgent));
    request.body = std::move(body);
    SigningOptions signing;
    signing.region = client.region();
    signing.service = std::string(kSigningName);
    const RetryPolicy& policy = client.config().retry;
    for (int attempt = 1;; ++attempt) {
        HttpRequest signed_request = request;
        signing.time = std::chrono::system_clock::now();
        SignRequest(&signed_request, *credentials, signing);
        auto sent = client.transport()->Send(endpoint, signed_request);
        ApiError error;
        if (!sent) {
            error.code = sent.error().timeout ? "RequestTimeout" : "NetworkingError";
            error.message = sent.error().message;
            error.retryable = true;
        } else if (sent->status >= 200 && sent->status < 300) {
            JsonReply reply;
            if (const std::string* id = sent->Header("x-amzn-RequestId"))
                reply.request_id = *id;
            auto parsed = event::ParseJson(sent->body.empty() ? std::string_view("{}")
                                                              : std::string_view(sent->body));
            if (!parsed || !parsed->is_object()) {
                ApiError bad = ClientError(
                        "InvalidResponse",
                        "reply is not a JSON object" +
                                (parsed ? std::string() : ": " + parsed.error().message()));
                bad.request_id = reply.request_id;
                return fail(std::move(bad));
            }
            reply.body = std::move(parsed).value();
            return reply;
        } else {
            // REST-JSON errors carry the code in x-amzn-ErrorType and the body's "Code"/"__type",
            // the message in "Message": the JSON 1.1 reading covers them.
            error = ParseErrorResponse(Protocol::kJson11, *sent);
            if (error.code.rfind("Http", 0) == 0 || error.code == "BadRequest" ||
                error.code == "Forbidden" || error.code == "NotFound") {
                auto parsed = event::ParseJson(sent->body);
                const event::JsonValue* code =
                        parsed && parsed->is_object() ? parsed->Find("Code") : nullptr;
                if (code != nullptr && code->is_string() && !code->text.empty())
                    error.code = code->text;
            }
        }
        if (!error.retryable || attempt >= policy.max_attempts)
            return fail(std::move(error));
        std::this_thread::sleep_for(Backoff(policy, attempt));
    }
}

// The finding's "Id" member, or "" (for reporting a finding that was not sent).
std::string FindingId(std::string_view finding) {
    auto parsed = event::ParseJson(finding);
    const event::JsonValue* id = parsed && parsed->is_object() ? parsed->Find("Id") : nullptr;
    return id != nullptr && id->is_string() ? id->text : std::string();
}

}  // namespace

Endpoint SecurityHubEndpoint(const AwsClient& client) {
    const auto& overrides = client.config().endpoints;
    bool same = overrides[0].has_value();
    for (const auto& e : overrides) {
        same = same && e.has_value() && e->scheme == overrides[0]->scheme &&
               e->host == overrides[0]->host && e->port == overrides[0]->port &&
               e->base_path == overrides[0]->base_path;
    }
    if (same)
        return *overrides[0];
    Endpoint out;
    const std::string& region = client.region();
    out.host = "securityhub." + region + "." +
               (region.rfind("cn-", 0) == 0 ? "amazonaws.com.cn" : "amazonaws.com");
    return out;
}

std::string EncodeBatchImportFindings(std::span<const std::string> findings) {
    size_t bytes = kEnvelopeBytes;
    for (const std::string& finding : findings)
        bytes += finding.size() + 1;
    std::string body;
    body.reserve(bytes);
    body += "{\"Findings\":[";
    for (size_t i = 0; i < findings.size(); ++i) {
        if (i > 0)
            body.push_back(',');
        body += findings[i];
    }
    body += "]}";
    return body;
}

Outcome<BatchImportFindingsResponse> ParseBatchImportFindings(const JsonReply& reply) {
    JsonReplyReader read("securityhub:BatchImportFindings", reply.request_id);
    BatchImportFindingsResponse out;
    out.request_id = reply.request_id;
    std::optional<int64_t> failed = read.Int(reply.body, "FailedCount");
    std::optional<int64_t> succeeded = read.Int(reply.body, "SuccessCount");
    if (read.ok() && (!failed || !succeeded))
        read.Fail("FailedCount and SuccessCount are required");
    if (const event::JsonValue* list =
                read.Get(reply.body, "FailedFindings", event::JsonValue::Type::kArray)) {
        for (const event::JsonValue& item : list->items) {
            if (!item.is_object()) {
                read.Fail("FailedFindings holds a non-object");
                break;
            }
            ImportFindingsError error;
            error.id = read.String(item, "Id");
            error.error_code = read.String(item, "ErrorCode");
            error.error_message = read.String(item, "ErrorMessage");
            out.failed_findings.push_back(std::move(error));
        }
    }
    if (!read.ok())
        return read.error();
    out.failed_count = *failed;
    out.success_count = *succeeded;
    return out;
}

Outcome<BatchImportFindingsResponse> BatchImportFindings(const AwsClient& client,
                                                         std::span<const std::string> findings) {
    if (findings.size() > kMaxFindingsPerBatch) {
        ApiError error = ClientError("InvalidInputException",
                                     "BatchImportFindings takes at most 100 findings, not " +
                                             std::to_string(findings.size()));
        error.operation = "securityhub:BatchImportFindings";
        return error;
    }
    Outcome<JsonReply> reply = PostJson(
            client, "BatchImportFindings", "/findings/import", EncodeBatchImportFindings(findings));
    if (!reply)
        return reply.error();
    return ParseBatchImportFindings(*reply);
}

FindingBatches SplitFindingBatches(std::span<const std::string> findings) {
    FindingBatches out;
    size_t begin = 0;
    size_t bytes = kEnvelopeBytes;
    auto close = [&](size_t end) {
        if (end > begin)
            out.ranges.push_back({begin, end});
        begin = end;
        bytes = kEnvelopeBytes;
    };
    for (size_t i = 0; i < findings.size(); ++i) {
        if (findings[i].size() > kMaxFindingBytes) {
            close(i);
            out.too_large.push_back(i);
            begin = i + 1;
            continue;
        }
        if (i - begin >= kMaxFindingsPerBatch || bytes + findings[i].size() + 1 > kMaxBatchBytes)
            close(i);
        bytes += findings[i].size() + 1;
    }
    close(findings.size());
    return out;
}

Outcome<BatchImportFindingsResponse> ImportFindings(const AwsClient& client,
                                                    std::span<const std::string> findings) {
    BatchImportFindingsResponse total;
    FindingBatches batches = SplitFindingBatches(findings);
    for (size_t index : batches.too_large) {
        ImportFindingsError error;
        error.id = FindingId(findings[index]);
        error.error_code = "FindingTooLarge";
        error.error_message = "the finding is " + std::to_string(findings[index].size()) +
                              " bytes; Security Hub takes at most " +
                              std::to_string(kMaxFindingBytes);
        total.failed_findings.push_back(std::move(error));
        ++total.failed_count;
    }
    for (const FindingBatches::Range& range : batches.ranges) {
        Outcome<BatchImportFindingsResponse> one =
                BatchImportFindings(client, findings.subspan(range.begin, range.end - range.begin));
        if (!one)
            return one.error();
        total.failed_count += one->failed_count;
        total.success_count += one->success_count;
        total.request_id = one->request_id;
        for (ImportFindingsError& error : one->failed_findings)
            total.failed_findings.push_back(std::move(error));
    }
    return total;
}

Outcome<GetFindingsResponse> GetFindings(const AwsClient& client,
                                         const GetFindingsRequest& request) {
    std::string body = "{";
    if (!request.filters_json.empty()) {
        AppendJsonKey("Filters", &body);
        body += request.filters_json;
    }
    if (request.max_results > 0) {
        AppendJsonKey("MaxResults", &body);
        body += std::to_string(request.max_results);
    }
    if (!request.next_token.empty()) {
        AppendJsonKey("NextToken", &body);
        AppendJsonString(request.next_token, &body);
    }
    body += "}";
    Outcome<JsonReply> reply = PostJson(client, "GetFindings", "/findings", std::move(body));
    if (!reply)
        return reply.error();
    JsonReplyReader read("securityhub:GetFindings", reply->request_id);
    GetFindingsResponse out;
    out.request_id = reply->request_id;
    if (const event::JsonValue* list =
                read.Get(reply->body, "Findings", event::JsonValue::Type::kArray)) {
        for (const event::JsonValue& finding : list->items) {
            if (!finding.is_object()) {
                read.Fail("Findings holds a non-object");
                break;
            }
            out.findings.push_back(event::ToJson(finding));
        }
    }
    out.next_token = read.String(reply->body, "NextToken");
    if (!read.ok())
        return read.error();
    return out;
}

}  // namespace firebreak::aws::securityhub
