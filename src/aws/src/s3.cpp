// File: s3.cpp
//
// S3 operations: requests built with the payload hash, Content-MD5 and sorted sub-resources set
// here (the signer signs what is there), responses read from headers and XML bodies.
#include "firebreak/aws/s3.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>
#include <utility>

#include "firebreak/core/crypto.h"
#include "firebreak/core/text.h"

namespace firebreak::aws::s3 {
namespace {

constexpr std::string_view kMetaPrefix = "x-amz-meta-";
constexpr std::string_view kXmlNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";

ApiError InvalidArgument(std::string_view operation, std::string message) {
    ApiError error = ClientError("InvalidArgument", std::move(message));
    error.operation = "s3:" + std::string(operation);
    return error;
}

ApiError InvalidResponse(std::string_view operation, const std::string& what) {
    return aws::InvalidResponse("s3:" + std::string(operation), what);
}

bool IsTokenChar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// The checks every request makes before anything is built.
std::optional<ApiError> CheckBucket(std::string_view operation, std::string_view bucket) {
    if (bucket.empty())
        return InvalidArgument(operation, "bucket name is empty");
    if (bucket.find('/') != std::string_view::npos)
        return InvalidArgument(operation, "bucket name contains '/'");
    return std::nullopt;
}

std::optional<ApiError> CheckObject(std::string_view operation,
                                    std::string_view bucket,
                                    std::string_view key) {
    if (auto error = CheckBucket(operation, bucket))
        return error;
    if (key.empty())
        return InvalidArgument(operation, "object key is empty");
    return std::nullopt;
}

// "name=value&..." from pairs, sorted by name, every name and value RFC 3986 encoded; a
// parameter without a value is written "name=".
std::string SortedQuery(std::vector<std::pair<std::string, std::string>> params) {
    std::sort(params.begin(), params.end());
    QueryParams query;
    for (auto& [name, value] : params)
        query.Add(std::move(name), std::move(value));
    return query.Encode();
}

HttpRequest NewRequest(std::string method,
                       std::string_view bucket,
                       std::string_view key,
                       Addressing addressing) {
    HttpRequest request;
    request.method = std::move(method);
    request.path = RequestPath(bucket, key, addressing);
    return request;
}

// Sets the body with its SHA-256 (and its MD5 when `md5`), as S3 wants them.
void SetBody(HttpRequest* request, std::string body, std::string content_type, bool md5) {
    request->body = std::move(body);
    if (md5)
        request->headers.emplace_back("Content-MD5", Base64Encode(Md5(request->body)));
    request->headers.emplace_back("Content-Type", std::move(content_type));
    request->headers.emplace_back("x-amz-content-sha256", Sha256Hex(request->body));
}

void SetEmptyBody(HttpRequest* request) {
    request->headers.emplace_back("x-amz-content-sha256", std::string(kEmptyPayloadSha256));
}

std::string HeaderOrEmpty(const HttpResponse& response, std::string_view name) {
    const std::string* value = response.Header(name);
    return value != nullptr ? *value : std::string();
}

std::string RequestId(const HttpResponse& response) {
    return HeaderOrEmpty(response, "x-amz-request-id");
}

// S3's encoding-type=url writes spaces as '+' (botocore decodes with unquote_plus).
std::string UrlDecodePlus(std::string text) {
    std::replace(text.begin(), text.end(), '+', ' ');
    return UriDecode(text);
}

template <class Response, class Build, class Parse>
Outcome<Response> Call(const AwsClient& client,
                       std::string_view operation,
                       std::string_view bucket,
                       Build build,
                       Parse parse) {
    Addressing addressing = ChooseAddressing(client, bucket);
    Outcome<HttpRequest> request = build(addressing);
    if (!request)
        return request.error();
    Outcome<HttpResponse> response = client.Send(ServiceId::kS3,
                                                 operation,
                                                 std::move(request).value(),
                                                 MakeSendOptions(bucket, addressing));
    if (!response)
        return response.error();
    return parse(std::move(response).value());
}

}  // namespace

// ---- Addressing ---------------------------------------------------------------------------------

bool IsVirtualHostableBucket(std::string_view bucket) {
    if (bucket.size() < 3 || bucket.size() > 63)
        return false;
    auto alnum = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    };
    if (!alnum(bucket.front()) || !alnum(bucket.back()))
        return false;
    return std::all_of(bucket.begin(), bucket.end(), [&](char c) { return alnum(c) || c == '-'; });
}

Addressing ChooseAddressing(const AwsClient& client, std::string_view bucket) {
    if (client.HasEndpointOverride(ServiceId::kS3) || !IsVirtualHostableBucket(bucket))
        return Addressing::kPathStyle;
    return Addressing::kVirtualHosted;
}

SendOptions MakeSendOptions(std::string_view bucket, Addressing addressing) {
    SendOptions options;
    options.s3 = true;
    if (addressing == Addressing::kVirtualHosted)
        options.host_prefix = std::string(bucket) + ".";
    return options;
}

std::string RequestPath(std::string_view bucket, std::string_view key, Addressing addressing) {
    std::string path = "/";
    if (addressing == Addressing::kPathStyle) {
        path += UriEncode(bucket, false);
        if (key.empty())
            return path;
        path.push_back('/');
    }
    path += UriEncode(key, true);
    return path;
}

std::optional<TimePoint> ParseHttpDate(std::string_view text) {
    static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int day = 0;
    int year = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    char month_name[4] = {};
    char zone[4] = {};
    std::string copy(text);
    if (std::sscanf(copy.c_str(),
                    "%*3s, %2d %3s %4d %2d:%2d:%2d %3s",
                    &day,
                    month_name,
                    &year,
                    &hour,
                    &minute,
                    &second,
                    zone) != 7 ||
        std::string_view(zone) != "GMT") {
        return std::nullopt;
    }
    size_t month = kMonths.find(month_name);
    if (std::string_view(month_name).size() != 3 || month == std::string_view::npos ||
        month % 3 != 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = static_cast<int>(month / 3);
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// ---- Object Lock --------------------------------------------------------------------------------

std::string_view ObjectLockModeName(ObjectLockMode mode) {
    return mode == ObjectLockMode::kCompliance ? "COMPLIANCE" : "GOVERNANCE";
}

std::string_view LegalHoldName(LegalHold hold) {
    return hold == LegalHold::kOn ? "ON" : "OFF";
}

// ---- PutObject ----------------------------------------------------------------------------------

Outcome<HttpRequest> BuildPutObjectRequest(const PutObjectRequest& request, Addressing addressing) {
    constexpr std::string_view kOp = "PutObject";
    if (auto error = CheckObject(kOp, request.bucket, request.key))
        return *error;
    if (request.object_lock_mode.has_value() != request.object_lock_retain_until.has_value()) {
        return InvalidArgument(kOp,
                               "object lock mode and retain-until date must be given together");
    }
    std::set<std::string> lowered;
    for (const auto& [name, value] : request.metadata) {
        if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar))
            return InvalidArgument(kOp, "metadata name '" + name + "' is not an HTTP token");
        if (!lowered.insert(AsciiLower(name)).second)
            return InvalidArgument(kOp, "metadata names '" + name + "' collide (case)");
        // Printable ASCII only: no header injection, nothing S3 would have to MIME-encode.
        if (!std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c < 0x7f; }))
            return InvalidArgument(kOp, "metadata '" + name + "' has a non-printable value");
    }

    HttpRequest out = NewRequest("PUT", request.bucket, request.key, addressing);
    SetBody(&out,
            request.body,
            request.content_type.empty() ? "binary/octet-stream" : request.content_type,
            /*md5=*/true);
    if (request.object_lock_mode) {
        out.headers.emplace_back("x-amz-object-lock-mode",
                                 std::string(ObjectLockModeName(*request.object_lock_mode)));
        out.headers.emplace_back("x-amz-object-lock-retain-until-date",
                                 FormatIsoTime(*request.object_lock_retain_until));
    }
    if (request.legal_hold) {
        out.headers.emplace_back("x-amz-object-lock-legal-hold",
                                 std::string(LegalHoldName(*request.legal_hold)));
    }
    for (const auto& [name, value] : request.metadata)
        out.headers.emplace_back(std::string(kMetaPrefix) + name, value);
    return out;
}

Outcome<PutObjectResponse> ParsePutObject(const HttpResponse& response) {
    PutObjectResponse out;
    out.etag = HeaderOrEmpty(response, "ETag");
    out.version_id = HeaderOrEmpty(response, "x-amz-version-id");
    out.request_id = RequestId(response);
    return out;
}

Outcome<PutObjectResponse> PutObject(const AwsClient& client, const PutObjectRequest& request) {
    return Call<PutObjectResponse>(
            client,
            "PutObject",
            request.bucket,
            [&](Addressing addressing) { return BuildPutObjectRequest(request, addressing); },
            [](const HttpResponse& response) { return ParsePutObject(response); });
}

// ---- GetObject ----------------------------------------------------------------------------------

Outcome<HttpRequest> BuildGetObjectRequest(const GetObjectRequest& request, Addressing addressing) {
    if (auto error = CheckObject("GetObject", request.bucket, request.key))
        return *error;
    HttpRequest out = NewRequest("GET", request.bucket, request.key, addressing);
    if (!request.version_id.empty())
        out.query = SortedQuery({{"versionId", request.version_id}});
    SetEmptyBody(&out);
    return out;
}

Outcome<GetObjectResponse> ParseGetObject(HttpResponse response) {
    constexpr std::string_view kOp = "GetObject";
    GetObjectResponse out;
    out.etag = HeaderOrEmpty(response, "ETag");
    out.content_type = HeaderOrEmpty(response, "Content-Type");
    out.version_id = HeaderOrEmpty(response, "x-amz-version-id");
    out.request_id = RequestId(response);
    if (const std::string* modified = response.Header("Last-Modified"))
        out.last_modified = ParseHttpDate(*modified);
    if (const std::string* mode = response.Header("x-amz-object-lock-mode")) {
        if (*mode == "GOVERNANCE") {
            out.object_lock_mode = ObjectLockMode::kGovernance;
        } else if (*mode == "COMPLIANCE") {
            out.object_lock_mode = ObjectLockMode::kCompliance;
        } else {
            return InvalidResponse(kOp, "unknown x-amz-object-lock-mode '" + *mode + "'");
        }
    }
    if (const std::string* until = response.Header("x-amz-object-lock-retain-until-date")) {
        out.object_lock_retain_until = ParseIsoTime(*until);
        if (!out.object_lock_retain_until) {
            return InvalidResponse(
                    kOp, "malformed x-amz-object-lock-retain-until-date '" + *until + "'");
        }
    }
    if (const std::string* hold = response.Header("x-amz-object-lock-legal-hold")) {
        if (*hold == "ON") {
            out.legal_hold = LegalHold::kOn;
        } else if (*hold == "OFF") {
            out.legal_hold = LegalHold::kOff;
        } else {
            return InvalidResponse(kOp, "unknown x-amz-object-lock-legal-hold '" + *hold + "'");
        }
    }
    for (const auto& [name, value] : response.headers) {
        if (name.size() > kMetaPrefix.size() &&
            EqualsIgnoreAsciiCase(std::string_view(name).substr(0, kMetaPrefix.size()),
                                  kMetaPrefix)) {
            out.metadata[AsciiLower(std::string_view(name).substr(kMetaPrefix.size()))] = value;
        }
    }
    out.body = std::move(response.body);
    return out;
}

Outcome<GetObjectResponse> GetObject(const AwsClient& client, const GetObjectRequest& request) {
    return Call<GetObjectResponse>(
            client,
            "GetObject",
            request.bucket,
            [&](Addressing addressing) { return BuildGetObjectRequest(request, addressing); },
            [](HttpResponse response) { return ParseGetObject(std::move(response)); });
}

// ---- ListObjectsV2 ------------------------------------------------------------------------------

Outcome<HttpRequest> BuildListObjectsV2Request(const ListObjectsV2Request& request,
                                               Addressing addressing) {
    if (auto error = CheckBucket("ListObjectsV2", request.bucket))
        return *error;
    HttpRequest out = NewRequest("GET", request.bucket, "", addressing);
    std::vector<std::pair<std::string, std::string>> params = {{"list-type", "2"},
                                                               {"encoding-type", "url"}};
    if (!request.prefix.empty())
        params.emplace_back("prefix", request.prefix);
    if (!request.delimiter.empty())
        params.emplace_back("delimiter", request.delimiter);
    if (!request.continuation_token.empty())
        params.emplace_back("continuation-token", request.continuation_token);
    if (request.max_keys)
        params.emplace_back("max-keys", std::to_string(*request.max_keys));
    if (!request.start_after.empty())
        params.emplace_back("start-after", request.start_after);
    out.query = SortedQuery(std::move(params));
    SetEmptyBody(&out);
    return out;
}

Outcome<ListObjectsV2Response> ParseListObjectsV2(const HttpResponse& response) {
    constexpr std::string_view kOp = "ListObjectsV2";
    pugi::xml_document doc;
    pugi::xml_parse_result parsed = doc.load_buffer(response.body.data(), response.body.size());
    if (!parsed)
        return InvalidResponse(kOp, "not XML: " + std::string(parsed.description()));
    pugi::xml_node root = doc.document_element();
    if (std::string_view(root.name()) != "ListBucketResult")
        return InvalidResponse(kOp, "root element is not ListBucketResult");
    bool url_encoded = ChildText(root, "EncodingType") == "url";
    auto key_text = [&](const pugi::xml_node& node, const char* name) {
        std::string text = ChildText(node, name);
        return url_encoded ? UrlDecodePlus(std::move(text)) : text;
    };
    ListObjectsV2Response out;
    for (pugi::xml_node item : root.children("Contents")) {
        Object object;
        object.key = key_text(item, "Key");
        object.size = ChildInt(item, "Size").value_or(0);
        object.etag = ChildText(item, "ETag");
        object.last_modified = ChildTime(item, "LastModified");
        object.storage_class = ChildText(item, "StorageClass");
        out.contents.push_back(std::move(object));
    }
    for (pugi::xml_node item : root.children("CommonPrefixes"))
        out.common_prefixes.push_back(key_text(item, "Prefix"));
    out.is_truncated = ChildBool(root, "IsTruncated").value_or(false);
    out.next_continuation_token = ChildText(root, "NextContinuationToken");
    out.key_count = ChildInt(root, "KeyCount").value_or(0);
    out.request_id = RequestId(response);
    return out;
}

Outcome<ListObjectsV2Response> ListObjectsV2(const AwsClient& client,
                                             const ListObjectsV2Request& request) {
    return Call<ListObjectsV2Response>(
            client,
            "ListObjectsV2",
            request.bucket,
            [&](Addressing addressing) { return BuildListObjectsV2Request(request, addressing); },
            [](const HttpResponse& response) { return ParseListObjectsV2(response); });
}

// ---- PutPublicAccessBlock -----------------------------------------------------------------------

Outcome<HttpRequest> BuildPutPublicAccessBlockRequest(const PutPublicAccessBlockRequest& request,
                                                      Addressing addressing) {
    if (auto error = CheckBucket("PutPublicAccessBlock", request.bucket))
        return *error;
    HttpRequest out = NewRequest("PUT", request.bucket, "", addressing);
    out.query = SortedQuery({{"publicAccessBlock", ""}});
    auto element = [](std::string_view name, bool value) {
        std::string text = "<" + std::string(name) + ">";
        text += value ? "true" : "false";
        return text + "</" + std::string(name) + ">";
    };
    std::string body = "<PublicAccessBlockConfiguration xmlns=\"" + std::string(kXmlNamespace) +
                       "\">" + element("BlockPublicAcls", request.block_public_acls) +
                       element("IgnorePublicAcls", request.ignore_public_acls) +
                       element("BlockPublicPolicy", request.block_public_policy) +
                       element("RestrictPublicBuckets", request.restrict_public_buckets) +
                       "</PublicAccessBlockConfiguration>";
    SetBody(&out, std::move(body), "application/xml", /*md5=*/true);
    return out;
}

Outcome<PutPublicAccessBlockResponse> ParsePutPublicAccessBlock(const HttpResponse& response) {
    return PutPublicAccessBlockResponse{RequestId(response)};
}

Outcome<PutPublicAccessBlockResponse> PutPublicAccessBlock(
        const AwsClient& client, const PutPublicAccessBlockRequest& request) {
    return Call<PutPublicAccessBlockResponse>(
            client,
            "PutPublicAccessBlock",
            request.bucket,
            [&](Addressing addressing) {
                return BuildPutPublicAccessBlockRequest(request, addressing);
            },
            [](const HttpResponse& response) { return ParsePutPublicAccessBlock(response); });
}

// ---- GetBucketPolicy ----------------------------------------------------------------------------

Outcome<HttpRequest> BuildGetBucketPolicyRequest(const GetBucketPolicyRequest& request,
                                                 Addressing addressing) {
    if (auto error = CheckBucket("GetBucketPolicy", request.bucket))
        return *error;
    HttpRequest out = NewRequest("GET", request.bucket, "", addressing);
    out.query = SortedQuery({{"policy", ""}});
    SetEmptyBody(&out);
    return out;
}

Outcome<GetBucketPolicyResponse> ParseGetBucketPolicy(HttpResponse response) {
    GetBucketPolicyResponse out;
    out.request_id = RequestId(response);
    out.policy = std::move(response.body);
    return out;
}

Outcome<GetBucketPolicyResponse> GetBucketPolicy(const AwsClient& client,
                                                 const GetBucketPolicyRequest& request) {
    return Call<GetBucketPolicyResponse>(
            client,
            "GetBucketPolicy",
            request.bucket,
            [&](Addressing addressing) { return BuildGetBucketPolicyRequest(request, addressing); },
            [](HttpResponse response) { return ParseGetBucketPolicy(std::move(response)); });
}

// ---- DeleteBucketPolicy -------------------------------------------------------------------------

Outcome<HttpRequest> BuildDeleteBucketPolicyRequest(const DeleteBucketPolicyRequest& request,
                                                    Addressing addressing) {
    if (auto error = CheckBucket("DeleteBucketPolicy", request.bucket))
        return *error;
    HttpRequest out = NewRequest("DELETE", request.bucket, "", addressing);
    out.query = SortedQuery({{"policy", ""}});
    SetEmptyBody(&out);
    return out;
}

Outcome<DeleteBucketPolicyResponse> ParseDeleteBucketPolicy(const HttpResponse& response) {
    return DeleteBucketPolicyResponse{RequestId(response)};
}

Outcome<DeleteBucketPolicyResponse> DeleteBucketPolicy(const AwsClient& client,
                                                       const DeleteBucketPolicyRequest& request) {
    return Call<DeleteBucketPolicyResponse>(
            client,
            "DeleteBucketPolicy",
            request.bucket,
            [&](Addressing addressing) {
                return BuildDeleteBucketPolicyRequest(request, addressing);
            },
            [](const HttpResponse& response) { return ParseDeleteBucketPolicy(response); });
}

// ---- GetPublicAccessBlock -----------------------------------------------------------------------

Outcome<HttpRequest> BuildGetPublicAccessBlockRequest(const GetPublicAccessBlockRequest& request,
                                                      Addressing addressing) {
    if (auto error = CheckBucket("GetPublicAccessBlock", request.bucket))
        return *error;
    HttpRequest out = NewRequest("GET", request.bucket, "", addressing);
    out.query = SortedQuery({{"publicAccessBlock", ""}});
    SetEmptyBody(&out);
    return out;
}

Outcome<GetPublicAccessBlockResponse> ParseGetPublicAccessBlock(const HttpResponse& response) {
    constexpr std::string_view kOp = "GetPublicAccessBlock";
    pugi::xml_document doc;
    pugi::xml_parse_result parsed = doc.load_buffer(response.body.data(), response.body.size());
    if (!parsed)
        return InvalidResponse(kOp, "not XML: " + std::string(parsed.description()));
    pugi::xml_node root = doc.document_element();
    if (std::string_view(root.name()) != "PublicAccessBlockConfiguration")
        return InvalidResponse(kOp, "root element is not PublicAccessBlockConfiguration");
    GetPublicAccessBlockResponse out;
    out.block_public_acls = ChildBool(root, "BlockPublicAcls").value_or(false);
    out.ignore_public_acls = ChildBool(root, "IgnorePublicAcls").value_or(false);
    out.block_public_policy = ChildBool(root, "BlockPublicPolicy").value_or(false);
    out.restrict_public_buckets = ChildBool(root, "RestrictPublicBuckets").value_or(false);
    out.request_id = RequestId(response);
    return out;
}

Outcome<GetPublicAccessBlockResponse> GetPublicAccessBlock(
        const AwsClient& client, const GetPublicAccessBlockRequest& request) {
    return Call<GetPublicAccessBlockResponse>(
            client,
            "GetPublicAccessBlock",
            request.bucket,
            [&](Addressing addressing) {
                return BuildGetPublicAccessBlockRequest(request, addressing);
            },
            [](const HttpResponse& response) { return ParseGetPublicAccessBlock(response); });
}

// ---- DeletePublicAccessBlock --------------------------------------------------------------------

Outcome<HttpRequest> BuildDeletePublicAccessBlockRequest(
        const DeletePublicAccessBlockRequest& request, Addressing addressing) {
    if (auto error = CheckBucket("DeletePublicAccessBlock", request.bucket))
        return *error;
    HttpRequest out = NewRequest("DELETE", request.bucket, "", addressing);
    out.query = SortedQuery({{"publicAccessBlock", ""}});
    SetEmptyBody(&out);
    return out;
}

Outcome<DeletePublicAccessBlockResponse> ParseDeletePublicAccessBlock(
        const HttpResponse& response) {
    return DeletePublicAccessBlockResponse{RequestId(response)};
}

Outcome<DeletePublicAccessBlockResponse> DeletePublicAccessBlock(
        const AwsClient& client, const DeletePublicAccessBlockRequest& request) {
    return Call<DeletePublicAccessBlockResponse>(
            client,
            "DeletePublicAccessBlock",
            request.bucket,
            [&](Addressing addressing) {
                return BuildDeletePublicAccessBlockRequest(request, addressing);
            },
            [](const HttpResponse& response) { return ParseDeletePublicAccessBlock(response); });
}

// ---- PutBucketPolicy ----------------------------------------------------------------------------

Outcome<HttpRequest> BuildPutBucketPolicyRequest(const PutBucketPolicyRequest& request,
                                                 Addressing addressing) {
    if (auto error = CheckBucket("PutBucketPolicy", request.bucket))
        return *error;
    HttpRequest out = NewRequest("PUT", request.bucket, "", addressing);
    out.query = SortedQuery({{"policy", ""}});
    SetBody(&out, request.policy, "application/json", /*md5=*/true);
    return out;
}

Outcome<PutBucketPolicyResponse> ParsePutBucketPolicy(const HttpResponse& response) {
    return PutBucketPolicyResponse{RequestId(response)};
}

Outcome<PutBucketPolicyResponse> PutBucketPolicy(const AwsClient& client,
                                                 const PutBucketPolicyRequest& request) {
    return Call<PutBucketPolicyResponse>(
            client,
            "PutBucketPolicy",
            request.bucket,
            [&](Addressing addressing) { return BuildPutBucketPolicyRequest(request, addressing); },
            [](const HttpResponse& response) { return ParsePutBucketPolicy(response); });
}

}  // namespace firebreak::aws::s3
