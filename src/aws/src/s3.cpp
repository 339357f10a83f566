// File: s3.cpp
//
// S3 operations: requests built with the payload hash, Content-MD5 and sorted sub-resources set
// here (the signer signs what is there), responses read from headers and XML bodies.
#include "firebreak/aws/s3.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <set>
#include <utility>

#include "firebreak/core/crypto.h"
#include "firebreak/core/text.h"
#include "firebreak/core/time.h"

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

std::optional<ObjectLockMode> ParseLockMode(std::string_view text) {
    if (text == "GOVERNANCE")
        return ObjectLockMode::kGovernance;
    if (text == "COMPLIANCE")
        return ObjectLockMode::kCompliance;
    return std::nullopt;
}

// Parses `body` into `doc` and returns its root element, which must be named `root_name`.
Outcome<pugi::xml_node> LoadRoot(std::string_view operation,
                                 const std::string& body,
                                 std::string_view root_name,
                                 pugi::xml_document* doc) {
    pugi::xml_parse_result parsed = doc->load_buffer(body.data(), body.size());
    if (!parsed)
        return InvalidResponse(operation, "not XML: " + std::string(parsed.description()));
    pugi::xml_node root = doc->document_element();
    if (std::string_view(root.name()) != root_name)
        return InvalidResponse(operation, "root element is not " + std::string(root_name));
    return root;
}

std::string XmlElement(std::string_view name, std::string_view text) {
    return "<" + std::string(name) + ">" + std::string(text) + "</" + std::string(name) + ">";
}

void SetBypassGovernance(HttpRequest* request, bool bypass) {
    if (bypass)
        request->headers.emplace_back("x-amz-bypass-governance-retention", "true");
}

// ?name= plus versionId when one is given.
std::string SubResourceQuery(std::string name, const std::string& version_id) {
    std::vector<std::pair<std::string, std::string>> params = {{std::move(name), ""}};
    if (!version_id.empty())
        params.emplace_back("versionId", version_id);
    return SortedQuery(std::move(params));
}

// The headers GetObject and HeadObject share (everything but the body).
Outcome<GetObjectResponse> ReadObjectHeaders(std::string_view operation,
                                             const HttpResponse& response) {
    GetObjectResponse out;
    out.etag = HeaderOrEmpty(response, "ETag");
    out.content_type = HeaderOrEmpty(response, "Content-Type");
    out.version_id = HeaderOrEmpty(response, "x-amz-version-id");
    out.request_id = RequestId(response);
    if (const std::string* length = response.Header("Content-Length")) {
        int64_t value = 0;
        auto [end, ec] = std::from_chars(length->data(), length->data() + length->size(), value);
        if (ec == std::errc() && end == length->data() + length->size() && value >= 0)
            out.content_length = value;
    }
    if (const std::string* modified = response.Header("Last-Modified"))
        out.last_modified = ParseHttpDate(*modified);
    if (const std::string* mode = response.Header("x-amz-object-lock-mode")) {
        out.object_lock_mode = ParseLockMode(*mode);
        if (!out.object_lock_mode)
            return InvalidResponse(operation, "unknown x-amz-object-lock-mode '" + *mode + "'");
    }
    if (const std::string* until = response.Header("x-amz-object-lock-retain-until-date")) {
        out.object_lock_retain_until = ParseIsoTime(*until);
        if (!out.object_lock_retain_until) {
            return InvalidResponse(
                    operation, "malformed x-amz-object-lock-retain-until-date '" + *until + "'");
        }
    }
    if (const std::string* hold = response.Header("x-amz-object-lock-legal-hold")) {
        if (*hold == "ON") {
            out.legal_hold = LegalHold::kOn;
        } else if (*hold == "OFF") {
            out.legal_hold = LegalHold::kOff;
        } else {
            return InvalidResponse(operation,
                                   "unknown x-amz-object-lock-legal-hold '" + *hold + "'");
        }
    }
    for (const auto& [name, value] : response.headers) {
        if (name.size() > kMetaPrefix.size() &&
            EqualsIgnoreAsciiCase(std::string_view(name).substr(0, kMetaPrefix.size()),
                                  kMetaPrefix)) {
            out.metadata[AsciiLower(std::string_view(name).substr(kMetaPrefix.size()))] = value;
        }
    }
    return out;
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
    return TimeFromEpochSeconds(static_cast<long long>(timegm(&tm)));
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
    if (request.if_none_match)
        out.headers.emplace_back("If-None-Match", "*");
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
    Outcome<GetObjectResponse> out = ReadObjectHeaders("GetObject", response);
    if (out)
        out->body = std::move(response.body);
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
    pugi::xml_document doc;
    Outcome<pugi::xml_node> loaded =
            LoadRoot("ListObjectsV2", response.body, "ListBucketResult", &doc);
    if (!loaded)
        return loaded.error();
    pugi::xml_node root = *loaded;
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
    pugi::xml_document doc;
    Outcome<pugi::xml_node> loaded =
            LoadRoot("GetPublicAccessBlock", response.body, "PublicAccessBlockConfiguration", &doc);
    if (!loaded)
        return loaded.error();
    pugi::xml_node root = *loaded;
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

// ---- HeadObject ---------------------------------------------------------------------------------

Outcome<HttpRequest> BuildHeadObjectRequest(const HeadObjectRequest& request,
                                            Addressing addressing) {
    if (auto error = CheckObject("HeadObject", request.bucket, request.key))
        return *error;
    HttpRequest out = NewRequest("HEAD", request.bucket, request.key, addressing);
    if (!request.version_id.empty())
        out.query = SortedQuery({{"versionId", request.version_id}});
    SetEmptyBody(&out);
    return out;
}

Outcome<HeadObjectResponse> ParseHeadObject(const HttpResponse& response) {
    return ReadObjectHeaders("HeadObject", response);
}

Outcome<HeadObjectResponse> HeadObject(const AwsClient& client, const HeadObjectRequest& request) {
    Outcome<HeadObjectResponse> out = Call<HeadObjectResponse>(
            client,
            "HeadObject",
            request.bucket,
            [&](Addressing addressing) { return BuildHeadObjectRequest(request, addressing); },
            [](const HttpResponse& response) { return ParseHeadObject(response); });
    // The bodiless 405 gets S3's code (the client's default would be "Http405").
    if (!out && out.error().http_status == 405 && out.error().code == "Http405") {
        ApiError error = out.error();
        error.code = "MethodNotAllowed";
        return error;
    }
    return out;
}

// ---- DeleteObject -------------------------------------------------------------------------------

Outcome<HttpRequest> BuildDeleteObjectRequest(const DeleteObjectRequest& request,
                                              Addressing addressing) {
    if (auto error = CheckObject("DeleteObject", request.bucket, request.key))
        return *error;
    HttpRequest out = NewRequest("DELETE", request.bucket, request.key, addressing);
    if (!request.version_id.empty())
        out.query = SortedQuery({{"versionId", request.version_id}});
    SetBypassGovernance(&out, request.bypass_governance_retention);
    SetEmptyBody(&out);
    return out;
}

Outcome<DeleteObjectResponse> ParseDeleteObject(const HttpResponse& response) {
    DeleteObjectResponse out;
    out.delete_marker = HeaderOrEmpty(response, "x-amz-delete-marker") == "true";
    out.version_id = HeaderOrEmpty(response, "x-amz-version-id");
    out.request_id = RequestId(response);
    return out;
}

Outcome<DeleteObjectResponse> DeleteObject(const AwsClient& client,
                                           const DeleteObjectRequest& request) {
    return Call<DeleteObjectResponse>(
            client,
            "DeleteObject",
            request.bucket,
            [&](Addressing addressing) { return BuildDeleteObjectRequest(request, addressing); },
            [](const HttpResponse& response) { return ParseDeleteObject(response); });
}

// ---- PutObjectRetention -------------------------------------------------------------------------

Outcome<HttpRequest> BuildPutObjectRetentionRequest(const PutObjectRetentionRequest& request,
                                                    Addressing addressing) {
    if (auto error = CheckObject("PutObjectRetention", request.bucket, request.key))
        return *error;
    HttpRequest out = NewRequest("PUT", request.bucket, request.key, addressing);
    out.query = SubResourceQuery("retention", request.version_id);
    SetBypassGovernance(&out, request.bypass_governance_retention);
    std::string body = "<Retention xmlns=\"" + std::string(kXmlNamespace) + "\">" +
                       XmlElement("Mode", ObjectLockModeName(request.mode)) +
                       XmlElement("RetainUntilDate", FormatIsoTime(request.retain_until)) +
                       "</Retention>";
    SetBody(&out, std::move(body), "application/xml", /*md5=*/true);
    return out;
}

Outcome<PutObjectRetentionResponse> ParsePutObjectRetention(const HttpResponse& response) {
    return PutObjectRetentionResponse{RequestId(response)};
}

Outcome<PutObjectRetentionResponse> PutObjectRetention(const AwsClient& client,
                                                       const PutObjectRetentionRequest& request) {
    return Call<PutObjectRetentionResponse>(
            client,
            "PutObjectRetention",
            request.bucket,
            [&](Addressing addressing) {
                return BuildPutObjectRetentionRequest(request, addressing);
            },
            [](const HttpResponse& response) { return ParsePutObjectRetention(response); });
}

// ---- GetObjectRetention -------------------------------------------------------------------------

Outcome<HttpRequest> BuildGetObjectRetentionRequest(const GetObjectRetentionRequest& request,
                                                    Addressing addressing) {
    if (auto error = CheckObject("GetObjectRetention", request.bucket, request.key))
        return *error;
    HttpRequest out = NewRequest("GET", request.bucket, request.key, addressing);
    out.query = SubResourceQuery("retention", request.version_id);
    SetEmptyBody(&out);
    return out;
}

Outcome<GetObjectRetentionResponse> ParseGetObjectRetention(const HttpResponse& response) {
    constexpr std::string_view kOp = "GetObjectRetention";
    pugi::xml_document doc;
    Outcome<pugi::xml_node> root = LoadRoot(kOp, response.body, "Retention", &doc);
    if (!root)
        return root.error();
    GetObjectRetentionResponse out;
    if (pugi::xml_node mode = root->child("Mode")) {
        out.mode = ParseLockMode(mode.text().get());
        if (!out.mode)
            return InvalidResponse(kOp, "unknown Mode '" + std::string(mode.text().get()) + "'");
    }
    if (pugi::xml_node until = root->child("RetainUntilDate")) {
        out.retain_until = ParseIsoTime(until.text().get());
        if (!out.retain_until) {
            return InvalidResponse(
                    kOp, "malformed RetainUntilDate '" + std::string(until.text().get()) + "'");
        }
    }
    out.request_id = RequestId(response);
    return out;
}

Outcome<GetObjectRetentionResponse> GetObjectRetention(const AwsClient& client,
                                                       const GetObjectRetentionRequest& request) {
    return Call<GetObjectRetentionResponse>(
            client,
            "GetObjectRetention",
            request.bucket,
            [&](Addressing addressing) {
                return BuildGetObjectRetentionRequest(request, addressing);
            },
            [](const HttpResponse& response) { return ParseGetObjectRetention(response); });
}

// ---- CreateBucket -------------------------------------------------------------------------------

Outcome<HttpRequest> BuildCreateBucketRequest(const CreateBucketRequest& request,
                                              Addressing addressing) {
    if (auto error = CheckBucket("CreateBucket", request.bucket))
        return *error;
    HttpRequest out = NewRequest("PUT", request.bucket, "", addressing);
    if (request.object_lock_enabled)
        out.headers.emplace_back("x-amz-bucket-object-lock-enabled", "true");
    if (request.region.empty() || request.region == "us-east-1") {
        SetEmptyBody(&out);
        return out;
    }
    std::string body = "<CreateBucketConfiguration xmlns=\"" + std::string(kXmlNamespace) + "\">" +
                       XmlElement("LocationConstraint", request.region) +
                       "</CreateBucketConfiguration>";
    SetBody(&out, std::move(body), "application/xml", /*md5=*/false);
    return out;
}

Outcome<CreateBucketResponse> ParseCreateBucket(const HttpResponse& response) {
    return CreateBucketResponse{HeaderOrEmpty(response, "Location"), RequestId(response)};
}

Outcome<CreateBucketResponse> CreateBucket(const AwsClient& client,
                                           const CreateBucketRequest& request) {
    CreateBucketRequest filled = request;
    if (filled.region.empty())
        filled.region = client.region();
    return Call<CreateBucketResponse>(
            client,
            "CreateBucket",
            request.bucket,
            [&](Addressing addressing) { return BuildCreateBucketRequest(filled, addressing); },
            [](const HttpResponse& response) { return ParseCreateBucket(response); });
}

// ---- PutObjectLockConfiguration -----------------------------------------------------------------

Outcome<HttpRequest> BuildPutObjectLockConfigurationRequest(
        const PutObjectLockConfigurationRequest& request, Addressing addressing) {
    constexpr std::string_view kOp = "PutObjectLockConfiguration";
    if (auto error = CheckBucket(kOp, request.bucket))
        return *error;
    std::string rule;
    if (request.default_mode) {
        if ((request.days > 0) == (request.years > 0) || request.days < 0 || request.years < 0) {
            return InvalidArgument(kOp,
                                   "a default retention needs exactly one of days and years > 0");
        }
        std::string period = request.days > 0 ? XmlElement("Days", std::to_string(request.days))
                                              : XmlElement("Years", std::to_string(request.years));
        rule = "<Rule><DefaultRetention>" +
               XmlElement("Mode", ObjectLockModeName(*request.default_mode)) + period +
               "</DefaultRetention></Rule>";
    } else if (request.days != 0 || request.years != 0) {
        return InvalidArgument(kOp, "days or years given without a default retention mode");
    }
    HttpRequest out = NewRequest("PUT", request.bucket, "", addressing);
    out.query = SortedQuery({{"object-lock", ""}});
    std::string body = "<ObjectLockConfiguration xmlns=\"" + std::string(kXmlNamespace) + "\">" +
                       XmlElement("ObjectLockEnabled", "Enabled") + rule +
                       "</ObjectLockConfiguration>";
    SetBody(&out, std::move(body), "application/xml", /*md5=*/true);
    return out;
}

Outcome<PutObjectLockConfigurationResponse> ParsePutObjectLockConfiguration(
        const HttpResponse& response) {
    return PutObjectLockConfigurationResponse{RequestId(response)};
}

Outcome<PutObjectLockConfigurationResponse> PutObjectLockConfiguration(
        const AwsClient& client, const PutObjectLockConfigurationRequest& request) {
    return Call<PutObjectLockConfigurationResponse>(
            client,
            "PutObjectLockConfiguration",
            request.bucket,
            [&](Addressing addressing) {
                return BuildPutObjectLockConfigurationRequest(request, addressing);
            },
            [](const HttpResponse& response) { return ParsePutObjectLockConfiguration(response); });
}

// ---- GetObjectLockConfiguration -----------------------------------------------------------------

Outcome<HttpRequest> BuildGetObjectLockConfigurationRequest(
        const GetObjectLockConfigurationRequest& request, Addressing addressing) {
    if (auto error = CheckBucket("GetObjectLockConfiguration", request.bucket))
        return *error;
    HttpRequest out = NewRequest("GET", request.bucket, "", addressing);
    out.query = SortedQuery({{"object-lock", ""}});
    SetEmptyBody(&out);
    return out;
}

Outcome<GetObjectLockConfigurationResponse> ParseGetObjectLockConfiguration(
        const HttpResponse& response) {
    constexpr std::string_view kOp = "GetObjectLockConfiguration";
    pugi::xml_document doc;
    Outcome<pugi::xml_node> root = LoadRoot(kOp, response.body, "ObjectLockConfiguration", &doc);
    if (!root)
        return root.error();
    GetObjectLockConfigurationResponse out;
    out.object_lock_enabled = ChildText(*root, "ObjectLockEnabled") == "Enabled";
    if (pugi::xml_node retention = root->child("Rule").child("DefaultRetention")) {
        std::string mode = ChildText(retention, "Mode");
        out.default_mode = ParseLockMode(mode);
        if (!out.default_mode)
            return InvalidResponse(kOp, "unknown default retention Mode '" + mode + "'");
        out.days = static_cast<int>(ChildInt(retention, "Days").value_or(0));
        out.years = static_cast<int>(ChildInt(retention, "Years").value_or(0));
    }
    out.request_id = RequestId(response);
    return out;
}

Outcome<GetObjectLockConfigurationResponse> GetObjectLockConfiguration(
        const AwsClient& client, const GetObjectLockConfigurationRequest& request) {
    return Call<GetObjectLockConfigurationResponse>(
            client,
            "GetObjectLockConfiguration",
            request.bucket,
            [&](Addressing addressing) {
                return BuildGetObjectLockConfigurationRequest(request, addressing);
            },
            [](const HttpResponse& response) { return ParseGetObjectLockConfiguration(response); });
}

// ---- ListObjectVersions -------------------------------------------------------------------------

Outcome<HttpRequest> BuildListObjectVersionsRequest(const ListObjectVersionsRequest& request,
                                                    Addressing addressing) {
    if (auto error = CheckBucket("ListObjectVersions", request.bucket))
        return *error;
    HttpRequest out = NewRequest("GET", request.bucket, "", addressing);
    std::vector<std::pair<std::string, std::string>> params = {{"versions", ""},
                                                               {"encoding-type", "url"}};
    if (!request.prefix.empty())
        params.emplace_back("prefix", request.prefix);
    if (!request.key_marker.empty())
        params.emplace_back("key-marker", request.key_marker);
    if (!request.version_id_marker.empty())
        params.emplace_back("version-id-marker", request.version_id_marker);
    if (request.max_keys)
        params.emplace_back("max-keys", std::to_string(*request.max_keys));
    out.query = SortedQuery(std::move(params));
    SetEmptyBody(&out);
    return out;
}

Outcome<ListObjectVersionsResponse> ParseListObjectVersions(const HttpResponse& response) {
    pugi::xml_document doc;
    Outcome<pugi::xml_node> root =
            LoadRoot("ListObjectVersions", response.body, "ListVersionsResult", &doc);
    if (!root)
        return root.error();
    bool url_encoded = ChildText(*root, "EncodingType") == "url";
    auto key_text = [&](const pugi::xml_node& node, const char* name) {
        std::string text = ChildText(node, name);
        return url_encoded ? UrlDecodePlus(std::move(text)) : text;
    };
    ListObjectVersionsResponse out;
    // Versions and delete markers are siblings, interleaved in S3's order.
    for (pugi::xml_node item : root->children()) {
        std::string_view name = item.name();
        if (name != "Version" && name != "DeleteMarker")
            continue;
        ObjectVersionEntry entry;
        entry.key = key_text(item, "Key");
        entry.version_id = ChildText(item, "VersionId");
        entry.is_latest = ChildBool(item, "IsLatest").value_or(false);
        entry.delete_marker = name == "DeleteMarker";
        entry.size = ChildInt(item, "Size").value_or(0);
        entry.etag = ChildText(item, "ETag");
        entry.last_modified = ChildTime(item, "LastModified");
        out.entries.push_back(std::move(entry));
    }
    out.is_truncated = ChildBool(*root, "IsTruncated").value_or(false);
    out.next_key_marker = key_text(*root, "NextKeyMarker");
    out.next_version_id_marker = ChildText(*root, "NextVersionIdMarker");
    out.request_id = RequestId(response);
    return out;
}

Outcome<ListObjectVersionsResponse> ListObjectVersions(const AwsClient& client,
                                                       const ListObjectVersionsRequest& request) {
    return Call<ListObjectVersionsResponse>(
            client,
            "ListObjectVersions",
            request.bucket,
            [&](Addressing addressing) {
                return BuildListObjectVersionsRequest(request, addressing);
            },
            [](const HttpResponse& response) { return ParseListObjectVersions(response); });
}

}  // namespace firebreak::aws::s3
