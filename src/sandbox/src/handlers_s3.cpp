// File: handlers_s3.cpp
//
// S3 (REST-XML, ../shared/notes/aws-wire-protocols.md 1.2-1.5, 2.3): RouteS3 names the operation
// of a request (path-style `/bucket/key` or virtual-hosted `bucket.s3...` / `bucket.localhost`
// addressing; sub-resources in the query such as `?policy` or `?publicAccessBlock` pick bucket
// operations), and the handlers serve objects (PutObject with Content-MD5/checksum verification
// and Object Lock, GetObject, HeadObject), listings (ListObjects v1 and v2, both recorded by
// CloudTrail as "ListObjects"), ListBuckets, the bucket public access block and the bucket
// policy.
//
// Object calls and listings are CloudTrail data events. Every S3 record carries S3's
// additionalEventData (signature version, bytes in and out). Buckets are global by name; a bucket
// of another account is refused (the sandbox does not evaluate bucket policies), and a request
// signed for another region than the bucket's gets S3's AuthorizationHeaderMalformed.
//
// Object Lock is honoured as WORM: with Object Lock on, versioning is Enabled, so a PutObject
// always adds a version and never replaces a locked one; a locked unversioned ("null") version is
// never overwritten either. PutObject honours If-None-Match: * (write once per key). DeleteObject
// adds delete markers (allowed over locked versions, as in S3) and removes a version only when no
// lock protects it (MayOverrideLock: legal hold and COMPLIANCE always refuse, GOVERNANCE gives
// way to the bypass header with s3:BypassGovernanceRetention); Put/GetObjectRetention change a
// version's retention under the same rule (extending is always allowed). CreateBucket (with
// Object Lock), Put/GetObjectLockConfiguration and ListObjectVersions complete what the evidence
// vault's S3 backend needs.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>

#include <zlib.h>

#include "call.h"
#include "firebreak/core/crypto.h"
#include "firebreak/core/text.h"
#include "firebreak/sandbox/iam_policy.h"

#include <pugixml.hpp>

namespace firebreak::sandbox {
namespace {

constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";
constexpr std::string_view kMalformedXml =
        "The XML you provided was not well-formed or did not validate against our published schema";
constexpr size_t kMaxMetadataBytes = 2048;
constexpr size_t kMaxKeyBytes = 1024;
constexpr int kMaxListKeys = 1000;
constexpr std::string_view kLockedMessage =
        "Access Denied because object protected by object lock.";
constexpr std::string_view kNoLockConfiguration = "Bucket is missing Object Lock Configuration";

// ---------------------------------------------------------------------------------------------
// Request parsing

int HexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// Percent-decoding; '+' is a space only in query strings. False on a malformed escape.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
    out->clear();
    for (size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size()) {
                return false;
            }
            int hi = HexValue(in[i + 1]);
            int lo = HexValue(in[i + 2]);
            if (hi < 0 || lo < 0) {
                return false;
            }
            out->push_back(static_cast<char>((hi << 4) | lo));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out->push_back(' ');
        } else {
            out->push_back(c);
        }
    }
    return true;
}

// Decodes `in`, keeping the raw text when it is not valid percent-encoding.
std::string Decoded(std::string_view in, bool plus_is_space) {
    std::string out;
    if (!PercentDecode(in, plus_is_space, &out)) {
        out = std::string(in);
    }
    return out;
}

using QueryItems = std::vector<std::pair<std::string, std::string>>;

QueryItems ParseQuery(std::string_view query) {
    QueryItems items;
    size_t start = 0;
    while (start < query.size()) {
        size_t end = query.find('&', start);
        if (end == std::string_view::npos) {
            end = query.size();
        }
        std::string_view part = query.substr(start, end - start);
        start = end + 1;
        if (part.empty()) {
            continue;
        }
        size_t eq = part.find('=');
        std::string name = Decoded(part.substr(0, eq), true);
        std::string value = eq == std::string_view::npos ? "" : Decoded(part.substr(eq + 1), true);
        items.emplace_back(std::move(name), std::move(value));
    }
    return items;
}

const std::string* QueryGet(const QueryItems& items, std::string_view name) {
    for (const auto& [k, v] : items) {
        if (k == name) {
            return &v;
        }
    }
    return nullptr;
}

// Query parameters that are operation arguments rather than sub-resources.
bool IsArgument(std::string_view name) {
    static constexpr std::string_view kArguments[] = {"list-type",
                                                      "prefix",
                                                      "delimiter",
                                                      "max-keys",
                                                      "continuation-token",
                                                      "start-after",
                                                      "encoding-type",
                                                      "fetch-owner",
                                                      "marker",
                                                      "x-id",
                                                      "versionId",
                                                      "key-marker",
                                                      "version-id-marker"};
    if (name.starts_with("response-")) {
        return true;
    }
    return std::find(std::begin(kArguments), std::end(kArguments), name) != std::end(kArguments);
}

std::string_view HostWithoutPort(std::string_view host) {
    if (!host.empty() && host.front() == '[') {
        size_t close = host.find(']');
        return close == std::string_view::npos ? host : host.substr(0, close + 1);
    }
    size_t colon = host.rfind(':');
    return colon == std::string_view::npos ? host : host.substr(0, colon);
}

// The bucket a virtual-hosted Host header names ("b.s3.us-east-1.amazonaws.com",
// "b.localhost:8080"), or "" for path-style hosts ("s3.amazonaws.com", "127.0.0.1:8080",
// "localhost").
std::string VirtualHostBucket(std::string_view host) {
    std::string lower = AsciiLower(HostWithoutPort(host));
    if (lower.find("s3-control") != std::string::npos) {
        return "";
    }
    constexpr std::string_view kLocal = ".localhost";
    if (lower.size() > kLocal.size() && lower.ends_with(kLocal)) {
        std::string bucket = lower.substr(0, lower.size() - kLocal.size());
        return bucket == "s3" ? "" : bucket;
    }
    size_t dot = lower.rfind(".s3.");
    size_t dash = lower.rfind(".s3-");
    size_t pos = std::string::npos;
    if (dot != std::string::npos && (dash == std::string::npos || dot > dash)) {
        pos = dot;
    } else if (dash != std::string::npos) {
        pos = dash;
    }
    return pos == std::string::npos || pos == 0 ? "" : lower.substr(0, pos);
}

// "publicAccessBlock" -> "PublicAccessBlock", "legal-hold" -> "LegalHold".
std::string Camel(std::string_view name) {
    std::string out;
    bool upper = true;
    for (char c : name) {
        if (c == '-' || c == '_') {
            upper = true;
            continue;
        }
        out.push_back(upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
        upper = false;
    }
    return out;
}

std::string MethodVerb(std::string_view method) {
    if (method == "GET") {
        return "Get";
    }
    if (method == "PUT") {
        return "Put";
    }
    if (method == "DELETE") {
        return "Delete";
    }
    if (method == "HEAD") {
        return "Head";
    }
    return "Post";
}

// The CloudTrail eventName of a request. Operations the sandbox does not serve still get their
// AWS name (GetBucketVersioning, CreateMultipartUpload...) so the server answers NotImplemented.
std::string ActionFor(const aws::HttpRequest& request, const S3Target& target) {
    QueryItems query = ParseQuery(request.query);
    std::string sub;
    for (const auto& [name, value] : query) {
        if (!IsArgument(name)) {
            sub = name;
            break;
        }
    }
    const std::string& method = request.method;
    if (target.bucket.empty()) {
        return method == "GET" ? "ListBuckets" : "Unsupported";
    }
    if (!target.key.empty()) {
        if (sub == "uploads") {
            return "CreateMultipartUpload";
        }
        if (sub == "uploadId") {
            return method == "PUT"      ? "UploadPart"
                   : method == "POST"   ? "CompleteMultipartUpload"
                   : method == "DELETE" ? "AbortMultipartUpload"
                                        : "ListParts";
        }
        if (!sub.empty()) {
            return MethodVerb(method) + "Object" + Camel(sub);
        }
        if (method == "PUT") {
            return request.Header("x-amz-copy-source") != nullptr ? "CopyObject" : "PutObject";
        }
        return MethodVerb(method) + "Object";
    }
    if (sub.empty()) {
        if (method == "GET") {
            return "ListObjects";
        }
        if (method == "PUT") {
            return "CreateBucket";
        }
        return MethodVerb(method) + "Bucket";
    }
    if (sub == "object-lock") {
        return MethodVerb(method) + "ObjectLockConfiguration";
    }
    if (sub == "versions" && method == "GET") {
        return "ListObjectVersions";
    }
    if (sub == "delete" && method == "POST") {
        return "DeleteObjects";
    }
    return MethodVerb(method) + "Bucket" + Camel(sub);
}

// ---------------------------------------------------------------------------------------------
// Reply helpers

std::string HostHeader(const Call& call) {
    const std::string* host = call.http->Header("Host");
    return host == nullptr ? "" : *host;
}

// {"bucketName":...,"Host":...[,"key":...]: the start of every S3 requestParameters.
std::string BaseParameters(const Call& call, bool with_key) {
    std::string out = "{\"bucketName\":" + JsonText(call.s3.bucket) +
                      ",\"Host\":" + JsonText(HostHeader(call));
    if (with_key) {
        out += ",\"key\":" + JsonText(call.s3.key);
    }
    return out;
}

// "Sun, 01 Nov 2026 08:00:00 GMT"
std::string HttpDate(Timestamp t) {
    using namespace std::chrono;
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    sys_days days = floor<std::chrono::days>(t);
    year_month_day ymd{days};
    weekday wd{days};
    hh_mm_ss<seconds> hms{floor<seconds>(t - days)};
    char buf[64];
    std::snprintf(buf,
                  sizeof(buf),
                  "%s, %02u %s %04d %02d:%02d:%02d GMT",
                  kDays[wd.c_encoding()],
                  static_cast<unsigned>(ymd.day()),
                  kMonths[static_cast<unsigned>(ymd.month()) - 1],
                  static_cast<int>(ymd.year()),
                  static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

// Adds <Name>value</Name> to an S3 error body, before its RequestId (S3's extra error fields:
// Region, VersionId...).
void AddErrorField(Call& call, std::string_view name, std::string_view value) {
    size_t at = call.body.find("<RequestId>");
    if (at == std::string::npos) {
        return;
    }
    call.body.insert(
            at, "<" + std::string(name) + ">" + XmlText(value) + "</" + std::string(name) + ">");
}

const std::string* RequestHeader(const Call& call, std::string_view name) {
    return call.http->Header(name);
}

std::string Trimmed(std::string_view text) {
    size_t b = text.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) {
        return "";
    }
    size_t e = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(b, e - b + 1));
}

// The local name of an element ("s3:BlockPublicAcls" -> "BlockPublicAcls").
std::string_view LocalName(const pugi::xml_node& node) {
    std::string_view name = node.name();
    size_t colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The bucket the request names, usable from the caller's region; answers NoSuchBucket or S3's
// wrong-region error otherwise.
Bucket* UsableBucket(Call& call) {
    Bucket* bucket = call.world->FindBucket(call.s3.bucket);
    if (bucket == nullptr) {
        call.Fail("NoSuchBucket", "The specified bucket does not exist", 404);
        return nullptr;
    }
    if (bucket->region != call.region) {
        call.Fail("AuthorizationHeaderMalformed",
                  "The authorization header is malformed; the region '" + call.region +
                          "' is wrong; expecting '" + bucket->region + "'",
                  400);
        AddErrorField(call, "Region", bucket->region);
        return nullptr;
    }
    return bucket;
}

// IAM check, then ownership: bucket policies are not evaluated, so another account's bucket is
// out of reach whatever the caller's own policies say.
bool AuthorizeOn(Call& call, const Bucket& bucket, std::string_view action, std::string_view arn) {
    if (!call.Authorize(action, arn)) {
        return false;
    }
    if (bucket.owner_account != call.account_id) {
        call.Fail("AccessDenied", "Access Denied", 403);
        return false;
    }
    return true;
}

void SetBucketResource(Call& call, const Bucket* bucket) {
    call.resources.push_back(
            {BucketArn(call.s3.bucket), bucket ? bucket->owner_account : "", "AWS::S3::Bucket"});
}

// The start of a bucket or object call: the usable bucket, its resource, the IAM check of
// `iam_action` on `resource` (empty: the bucket's ARN). nullptr after answering an error.
Bucket* StartBucketCall(Call& call, std::string_view iam_action, std::string_view resource = "") {
    Bucket* bucket = UsableBucket(call);
    SetBucketResource(call, bucket);
    if (bucket == nullptr ||
        !AuthorizeOn(
                call, *bucket, iam_action, resource.empty() ? BucketArn(bucket->name) : resource)) {
        return nullptr;
    }
    return bucket;
}

// CRC-32 (zlib's) of `data`, as S3's x-amz-checksum-crc32: base64 of the big-endian value.
std::string Crc32Base64(std::string_view data) {
    uLong crc = crc32(0L, Z_NULL, 0);
    size_t done = 0;
    while (done < data.size()) {
        uInt chunk = static_cast<uInt>(std::min<size_t>(data.size() - done, 1u << 30));
        crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data() + done), chunk);
        done += chunk;
    }
    char bytes[4] = {static_cast<char>((crc >> 24) & 0xff),
                     static_cast<char>((crc >> 16) & 0xff),
                     static_cast<char>((crc >> 8) & 0xff),
                     static_cast<char>(crc & 0xff)};
    return Base64Encode(std::string_view(bytes, sizeof(bytes)));
}

// Does the request carry an integrity header (Content-MD5, x-amz-checksum-*, or a checksum
// announced as an aws-chunked trailer)?
bool HasIntegrityHeader(const Call& call) {
    if (RequestHeader(call, "Content-MD5") != nullptr) {
        return true;
    }
    for (const auto& [name, value] : call.http->headers) {
        std::string lower = AsciiLower(name);
        if (lower.starts_with("x-amz-checksum-") && lower != "x-amz-checksum-mode") {
            return true;
        }
        if (lower == "x-amz-trailer" && AsciiLower(value).starts_with("x-amz-checksum-")) {
            return true;
        }
    }
    return false;
}

// Verifies Content-MD5 and the CRC32/SHA256 checksums when present (other algorithms are
// accepted unverified). False after answering InvalidDigest / BadDigest.
bool CheckIntegrity(Call& call, std::string_view body) {
    if (const std::string* md5 = RequestHeader(call, "Content-MD5")) {
        Result<std::string> digest = Base64Decode(Trimmed(*md5));
        if (!digest || digest->size() != 16) {
            call.Fail("InvalidDigest", "The Content-MD5 you specified was invalid.", 400);
            return false;
        }
        if (*digest != Md5(body)) {
            call.Fail("BadDigest",
                      "The Content-MD5 you specified did not match what we received.",
                      400);
            return false;
        }
    }
    if (const std::string* crc = RequestHeader(call, "x-amz-checksum-crc32")) {
        if (Trimmed(*crc) != Crc32Base64(body)) {
            call.Fail("BadDigest",
                      "The CRC32 you specified did not match the calculated checksum.",
                      400);
            return false;
        }
    }
    if (const std::string* sha = RequestHeader(call, "x-amz-checksum-sha256")) {
        if (Trimmed(*sha) != Base64Encode(Sha256(body))) {
            call.Fail("BadDigest",
                      "The SHA256 you specified did not match the calculated checksum.",
                      400);
            return false;
        }
    }
    return true;
}

bool IsLocked(const ObjectVersion& version, Timestamp now) {
    return version.legal_hold || (version.lock_mode != ObjectLockMode::kNone &&
                                  version.retain_until && *version.retain_until > now);
}

// The object version a request names: its versionId, or the current version. Answers
// NoSuchVersion, NoSuchKey (with the delete marker's headers when the current version is one) or,
// for a versionId naming a delete marker, MethodNotAllowed, and returns nullptr, when there is
// no such version.
ObjectVersion* TargetVersion(Call& call, Bucket* bucket, const std::string* version_id) {
    auto it = bucket->objects.find(call.s3.key);
    if (version_id == nullptr) {
        if (it == bucket->objects.end() || it->second.empty() || it->second.back().delete_marker) {
            call.Fail("NoSuchKey", "The specified key does not exist.", 404);
            if (it != bucket->objects.end() && !it->second.empty()) {
                call.headers.emplace_back("x-amz-delete-marker", "true");
                call.headers.emplace_back("x-amz-version-id", it->second.back().version_id);
            }
            return nullptr;
        }
        return &it->second.back();
    }
    ObjectVersion* version = nullptr;
    if (it != bucket->objects.end()) {
        for (ObjectVersion& v : it->second) {
            if (v.version_id == *version_id) {
                version = &v;
            }
        }
    }
    if (version == nullptr) {
        call.Fail("NoSuchVersion", "The specified version does not exist.", 404);
        AddErrorField(call, "VersionId", *version_id);
        return nullptr;
    }
    if (version->delete_marker) {
        call.Fail("MethodNotAllowed",
                  "The specified method is not allowed against this resource.",
                  405);
        call.headers.emplace_back("x-amz-delete-marker", "true");
        return nullptr;
    }
    return version;
}

bool BypassRequested(const Call& call) {
    const std::string* header = RequestHeader(call, "x-amz-bypass-governance-retention");
    return header != nullptr && AsciiLower(Trimmed(*header)) == "true";
}

// May this call remove `version`, or shorten or change its retention? A legal hold (when
// `hold_counts`: deletes, not retention changes) and an unexpired COMPLIANCE retention always
// refuse; an unexpired GOVERNANCE retention gives way to x-amz-bypass-governance-retention: true
// from a caller allowed s3:BypassGovernanceRetention. False after answering AccessDenied.
bool MayOverrideLock(Call& call,
                     const Bucket& bucket,
                     const ObjectVersion& version,
                     std::string_view object_arn,
                     bool hold_counts) {
    if (hold_counts && version.legal_hold) {
        call.Fail("AccessDenied", std::string(kLockedMessage), 403);
        return false;
    }
    bool retained = version.lock_mode != ObjectLockMode::kNone && version.retain_until &&
                    *version.retain_until > call.world->Now();
    if (!retained) {
        return true;
    }
    if (version.lock_mode == ObjectLockMode::kGovernance && BypassRequested(call)) {
        return AuthorizeOn(call, bucket, "s3:BypassGovernanceRetention", object_arn);
    }
    call.Fail("AccessDenied", std::string(kLockedMessage), 403);
    return false;
}

// BaseParameters with the key, plus the versionId when the request names one.
std::string ObjectParameters(const Call& call, const std::string* version_id) {
    std::string parameters = BaseParameters(call, true);
    if (version_id != nullptr) {
        parameters += ",\"versionId\":" + JsonText(*version_id);
    }
    return parameters;
}

// What an object call names once StartObjectCall has done the part every object call shares.
struct ObjectTarget {
    Bucket* bucket = nullptr;  // nullptr: the call has been answered (no bucket, denied...)
    std::string arn;           // the object's
    QueryItems query;
    std::optional<std::string> version_id;

    const std::string* version() const { return version_id ? &*version_id : nullptr; }
};

constexpr std::string_view kRetention = ",\"retention\":\"\"";

// The start of every object call: a data event on the object, requestParameters (bucket, host,
// key, versionId, then `extra_parameters`), the usable bucket, the IAM check (`versioned_action`
// when the request names a version and that is not empty) and, with `needs_object_lock`, the
// bucket's Object Lock (InvalidRequest without it).
ObjectTarget StartObjectCall(Call& call,
                             std::string_view action,
                             std::string_view versioned_action,
                             std::string_view extra_parameters = "",
                             bool needs_object_lock = false) {
    ObjectTarget out;
    call.category = EventCategory::kData;
    out.arn = ObjectArn(call.s3.bucket, call.s3.key);
    out.query = ParseQuery(call.http->query);
    if (const std::string* version_id = QueryGet(out.query, "versionId")) {
        out.version_id = *version_id;
    }
    call.request_parameters =
            ObjectParameters(call, out.version()) + std::string(extra_parameters) + "}";
    call.resources = {{out.arn, "", "AWS::S3::Object"}};
    bool versioned = out.version_id && !versioned_action.empty();
    Bucket* bucket = StartBucketCall(call, versioned ? versioned_action : action, out.arn);
    if (bucket == nullptr) {
        return out;
    }
    if (needs_object_lock && !bucket->object_lock_enabled) {
        call.Fail("InvalidRequest", std::string(kNoLockConfiguration), 400);
        return out;
    }
    out.bucket = bucket;
    return out;
}

// S3's canonical user id for an account (64 hex digits; the sandbox's own derivation).
std::string CanonicalUserId(std::string_view account_id) {
    return Sha256Hex("firebreak-canonical-user:" + std::string(account_id));
}

// ---------------------------------------------------------------------------------------------
// Objects

void PutObject(Call& call) {
    call.category = EventCategory::kData;
    const std::string& key = call.s3.key;
    std::string object_arn = ObjectArn(call.s3.bucket, key);
    call.request_parameters = BaseParameters(call, true) + "}";
    call.resources = {{object_arn, "", "AWS::S3::Object"}};
    Bucket* bucket = UsableBucket(call);
    SetBucketResource(call, bucket);
    if (bucket == nullptr) {
        return;
    }
    const std::string* mode_header = RequestHeader(call, "x-amz-object-lock-mode");
    const std::string* until_header = RequestHeader(call, "x-amz-object-lock-retain-until-date");
    const std::string* hold_header = RequestHeader(call, "x-amz-object-lock-legal-hold");
    if (!AuthorizeOn(call, *bucket, "s3:PutObject", object_arn)) {
        return;
    }
    if ((mode_header != nullptr || until_header != nullptr) &&
        !AuthorizeOn(call, *bucket, "s3:PutObjectRetention", object_arn)) {
        return;
    }
    if (hold_header != nullptr &&
        !AuthorizeOn(call, *bucket, "s3:PutObjectLegalHold", object_arn)) {
        return;
    }
    if (key.size() > kMaxKeyBytes) {
        call.Fail("KeyTooLongError", "Your key is too long", 400);
        return;
    }
    const std::string& body = call.http->body;
    if (!CheckIntegrity(call, body)) {
        return;
    }

    // Object Lock parameters.
    ObjectLockMode mode = ObjectLockMode::kNone;
    std::optional<Timestamp> retain_until;
    std::optional<bool> legal_hold;
    Timestamp now = call.world->Now();
    if (mode_header != nullptr || until_header != nullptr || hold_header != nullptr) {
        if (!bucket->object_lock_enabled) {
            call.Fail("InvalidRequest", std::string(kNoLockConfiguration), 400);
            return;
        }
        if ((mode_header == nullptr) != (until_header == nullptr)) {
            call.Fail("InvalidArgument",
                      "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be "
                      "supplied",
                      400);
            return;
        }
        if (mode_header != nullptr) {
            std::string mode_text = Trimmed(*mode_header);
            if (mode_text == "GOVERNANCE") {
                mode = ObjectLockMode::kGovernance;
            } else if (mode_text == "COMPLIANCE") {
                mode = ObjectLockMode::kCompliance;
            } else {
                call.Fail("InvalidArgument", "Unknown wormMode directive.", 400);
                return;
            }
            retain_until = ParseIsoTime(Trimmed(*until_header));
            if (!retain_until) {
                call.Fail("InvalidArgument",
                          "The retain until date must be provided in ISO 8601 format",
                          400);
                return;
            }
            if (*retain_until <= now) {
                call.Fail("InvalidArgument", "The retain until date must be in the future!", 400);
                return;
            }
        }
        if (hold_header != nullptr) {
            std::string hold_text = Trimmed(*hold_header);
            if (hold_text != "ON" && hold_text != "OFF") {
                call.Fail("InvalidArgument", "Legal Hold must be either of 'ON' or 'OFF'", 400);
                return;
            }
            legal_hold = hold_text == "ON";
        }
    }
    // S3 wants an integrity header on any upload that gets a retention period, explicit or from
    // the bucket's default retention.
    bool retained = mode != ObjectLockMode::kNone || hold_header != nullptr ||
                    (bucket->object_lock_enabled && bucket->default_retention);
    if (retained && !HasIntegrityHeader(call)) {
        call.Fail("InvalidRequest",
                  "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests "
                  "with Object Lock parameters",
                  400);
        return;
    }

    // User metadata (names are case-insensitive and stored lower-case, as S3 does).
    std::map<std::string, std::string> metadata;
    size_t metadata_bytes = 0;
    for (const auto& [name, value] : call.http->headers) {
        std::string lower = AsciiLower(name);
        if (!lower.starts_with("x-amz-meta-")) {
            continue;
        }
        std::string meta_name = lower.substr(11);
        metadata_bytes += meta_name.size() + value.size();
        metadata[meta_name] = value;
    }
    if (metadata_bytes > kMaxMetadataBytes) {
        call.Fail("MetadataTooLarge",
                  "Your metadata headers exceed the maximum allowed metadata size",
                  400);
        return;
    }

    // Conditional write: If-None-Match: * succeeds only when the key has no current version (a
    // delete marker is no version); other values are not implemented by S3 either.
    if (const std::string* condition = RequestHeader(call, "If-None-Match")) {
        if (Trimmed(*condition) != "*") {
            call.Fail("NotImplemented",
                      "A header you provided implies functionality that is not implemented",
                      501);
            AddErrorField(call, "Header", "If-None-Match");
            return;
        }
        if (bucket->Latest(key) != nullptr) {
            call.Fail("PreconditionFailed",
                      "At least one of the pre-conditions you specified did not hold",
                      412);
            AddErrorField(call, "Condition", "If-None-Match");
            return;
        }
    }

    // WORM: a locked unversioned version is never replaced in place. (With Object Lock the bucket
    // is versioned, so a new version is added and the locked one stays untouched.)
    if (bucket->versioning != Versioning::kEnabled) {
        auto it = bucket->objects.find(key);
        if (it != bucket->objects.end()) {
            for (const ObjectVersion& existing : it->second) {
                if (existing.version_id == "null" && IsLocked(existing, now)) {
                    call.Fail("AccessDenied", std::string(kLockedMessage), 403);
                    return;
                }
            }
        }
    }

    const std::string* content_type = RequestHeader(call, "Content-Type");
    call.world->PutObject(
            bucket, key, body, content_type ? *content_type : "", std::move(metadata));
    ObjectVersion& version = bucket->objects[key].back();
    if (mode != ObjectLockMode::kNone) {
        version.lock_mode = mode;
        version.retain_until = retain_until;
    }
    if (legal_hold) {
        version.legal_hold = *legal_hold;
    }
    call.mutated = true;

    call.ReplyS3(200, "");
    call.headers.emplace_back("ETag", version.etag);
    call.headers.emplace_back("x-amz-server-side-encryption", "AES256");
    std::string response = "{\"x-amz-server-side-encryption\":\"AES256\"";
    if (version.version_id != "null") {
        call.headers.emplace_back("x-amz-version-id", version.version_id);
        response += ",\"x-amz-version-id\":" + JsonText(version.version_id);
    }
    if (const std::string* crc = RequestHeader(call, "x-amz-checksum-crc32")) {
        call.headers.emplace_back("x-amz-checksum-crc32", Trimmed(*crc));
    }
    call.response_elements = response + "}";
}

// GetObject and HeadObject (HEAD: the server sends the headers and Content-Length only).
void GetObject(Call& call) {
    ObjectTarget target = StartObjectCall(call, "s3:GetObject", "s3:GetObjectVersion");
    Bucket* bucket = target.bucket;
    if (bucket == nullptr) {
        return;
    }
    const std::string& key = call.s3.key;
    const std::string* version_id = target.version();
    const QueryItems& query = target.query;
    if (version_id == nullptr && bucket->Latest(key) == nullptr) {
        // Without s3:ListBucket, S3 does not reveal whether a key exists.
        RequestContext context;
        context.requested_region = call.region;
        if (!Evaluate(*call.world, call.caller, "s3:ListBucket", BucketArn(bucket->name), context)
                     .allowed) {
            call.Fail("AccessDenied", "Access Denied", 403);
            return;
        }
    }
    const ObjectVersion* version = TargetVersion(call, bucket, version_id);
    if (version == nullptr) {
        return;
    }

    std::string content_type = version->content_type;
    if (const std::string* override_type = QueryGet(query, "response-content-type")) {
        content_type = *override_type;
    }
    call.ReplyS3(200, version->data, content_type);
    if (version->data.empty()) {
        call.headers.emplace_back("Content-Type", content_type);
    }
    call.headers.emplace_back("ETag", version->etag);
    call.headers.emplace_back("Last-Modified", HttpDate(version->last_modified));
    call.headers.emplace_back("Accept-Ranges", "bytes");
    call.headers.emplace_back("x-amz-server-side-encryption", "AES256");
    if (version->version_id != "null") {
        call.headers.emplace_back("x-amz-version-id", version->version_id);
    }
    for (const auto& [name, value] : version->metadata) {
        call.headers.emplace_back("x-amz-meta-" + name, value);
    }
    if (version->lock_mode != ObjectLockMode::kNone && version->retain_until) {
        call.headers.emplace_back("x-amz-object-lock-mode",
                                  std::string(ObjectLockModeName(version->lock_mode)));
        call.headers.emplace_back("x-amz-object-lock-retain-until-date",
                                  FormatIsoMillis(*version->retain_until));
    }
    if (version->legal_hold) {
        call.headers.emplace_back("x-amz-object-lock-legal-hold", "ON");
    }
    static constexpr std::pair<std::string_view, std::string_view> kOverrides[] = {
            {"response-content-language", "Content-Language"},
            {"response-expires", "Expires"},
            {"response-cache-control", "Cache-Control"},
            {"response-content-disposition", "Content-Disposition"},
            {"response-content-encoding", "Content-Encoding"}};
    for (const auto& [parameter, header] : kOverrides) {
        if (const std::string* value = QueryGet(query, parameter)) {
            call.headers.emplace_back(std::string(header), *value);
        }
    }
}

// A delete marker for `key`, the key's new current version.
const ObjectVersion& AddDeleteMarker(Call& call, Bucket* bucket, std::string version_id) {
    ObjectVersion marker;
    marker.version_id = std::move(version_id);
    marker.delete_marker = true;
    marker.last_modified = call.world->Now();
    std::vector<ObjectVersion>& versions = bucket->objects[call.s3.key];
    versions.push_back(std::move(marker));
    return versions.back();
}

// Removes the version at `index` of the request's key (and the key once it has no versions).
void RemoveVersion(Call& call, Bucket* bucket, size_t index) {
    auto it = bucket->objects.find(call.s3.key);
    it->second.erase(it->second.begin() + static_cast<std::ptrdiff_t>(index));
    if (it->second.empty()) {
        bucket->objects.erase(it);
    }
}

// DeleteObject. Without versionId: a versioned bucket gets a delete marker (allowed whatever the
// locks: nothing is destroyed), an unversioned one loses the object (refused while it is locked),
// a suspended one loses its "null" version and gets a "null" delete marker. With versionId that
// version is removed for good: a legal hold or an unexpired COMPLIANCE retention always refuses,
// GOVERNANCE only gives way to the bypass header with s3:BypassGovernanceRetention. Removing a
// version that does not exist succeeds, as in S3.
void DeleteObject(Call& call) {
    ObjectTarget target = StartObjectCall(call, "s3:DeleteObject", "s3:DeleteObjectVersion");
    Bucket* bucket = target.bucket;
    if (bucket == nullptr) {
        return;
    }
    const std::string& key = call.s3.key;
    const std::string* version_id = target.version();
    const std::string& object_arn = target.arn;
    std::vector<ObjectVersion>* versions = nullptr;
    if (auto it = bucket->objects.find(key); it != bucket->objects.end()) {
        versions = &it->second;
    }
    // The "null" version's index, or the named version's.
    std::string wanted = version_id != nullptr ? *version_id : "null";
    std::optional<size_t> index;
    for (size_t i = 0; versions != nullptr && i < versions->size(); ++i) {
        if ((*versions)[i].version_id == wanted) {
            index = i;
        }
    }
    bool marker = false;
    std::string reply_version;
    if (version_id != nullptr) {
        reply_version = *version_id;
        if (index) {
            const ObjectVersion& existing = (*versions)[*index];
            marker = existing.delete_marker;
            if (!marker && !MayOverrideLock(call, *bucket, existing, object_arn, true)) {
                return;
            }
            RemoveVersion(call, bucket, *index);
            call.mutated = true;
        }
    } else if (bucket->versioning == Versioning::kEnabled) {
        marker = true;
        reply_version =
                AddDeleteMarker(call, bucket, call.world->NewId(IdKind::kObjectVersion)).version_id;
        call.mutated = true;
    } else {
        if (index) {
            const ObjectVersion& existing = (*versions)[*index];
            if (!existing.delete_marker &&
                !MayOverrideLock(call, *bucket, existing, object_arn, true)) {
                return;
            }
            RemoveVersion(call, bucket, *index);
            call.mutated = true;
        }
        if (bucket->versioning == Versioning::kSuspended) {
            marker = true;
            reply_version = AddDeleteMarker(call, bucket, "null").version_id;
            call.mutated = true;
        }
    }
    call.ReplyS3(204, "");
    std::string response;
    if (marker) {
        call.headers.emplace_back("x-amz-delete-marker", "true");
        response += "\"x-amz-delete-marker\":\"true\"";
    }
    if (!reply_version.empty()) {
        call.headers.emplace_back("x-amz-version-id", reply_version);
        response += std::string(response.empty() ? "" : ",") +
                    "\"x-amz-version-id\":" + JsonText(reply_version);
    }
    if (!response.empty()) {
        call.response_elements = "{" + response + "}";
    }
}

// The Retention document of PutObjectRetention: both Mode and RetainUntilDate, or neither (which
// removes the retention). False when it is malformed.
bool ParseRetention(std::string_view body,
                    ObjectLockMode* mode,
                    std::optional<Timestamp>* until,
                    std::string* xmlns) {
    pugi::xml_document doc;
    if (!doc.load_buffer(body.data(), body.size())) {
        return false;
    }
    pugi::xml_node root = doc.document_element();
    if (!root || LocalName(root) != "Retention") {
        return false;
    }
    *xmlns = root.attribute("xmlns").value();
    *mode = ObjectLockMode::kNone;
    until->reset();
    bool has_mode = false;
    for (pugi::xml_node child : root.children()) {
        if (child.type() != pugi::node_element) {
            if (child.type() == pugi::node_pcdata && !Trimmed(child.value()).empty()) {
                return false;
            }
            continue;
        }
        std::string value = Trimmed(child.child_value());
        if (LocalName(child) == "Mode") {
            std::optional<ObjectLockMode> parsed = ParseObjectLockMode(value);
            if (!parsed || *parsed == ObjectLockMode::kNone) {
                return false;
            }
            *mode = *parsed;
            has_mode = true;
        } else if (LocalName(child) == "RetainUntilDate") {
            *until = ParseIsoTime(value);
            if (!*until) {
                return false;
            }
        } else {
            return false;
        }
    }
    return has_mode == until->has_value();
}

// Checks the body and integrity header a bucket or object configuration PUT must carry. False
// after answering MissingRequestBodyError / InvalidRequest / InvalidDigest / BadDigest.
bool CheckConfigurationBody(Call& call) {
    const std::string& body = call.http->body;
    if (Trimmed(body).empty()) {
        call.Fail("MissingRequestBodyError", "Request Body is empty", 400);
        return false;
    }
    if (!HasIntegrityHeader(call)) {
        call.Fail("InvalidRequest", "Missing required header for this request: Content-MD5", 400);
        return false;
    }
    return CheckIntegrity(call, body);
}

// PutObjectRetention: extending the retention (same mode, same or later date) is always allowed;
// shortening, removing or changing the mode goes through MayOverrideLock (never for COMPLIANCE;
// for GOVERNANCE with the bypass).
void PutObjectRetention(Call& call) {
    ObjectTarget target = StartObjectCall(call, "s3:PutObjectRetention", "", kRetention, true);
    Bucket* bucket = target.bucket;
    if (bucket == nullptr) {
        return;
    }
    const std::string* version_id = target.version();
    std::string base = ObjectParameters(call, version_id) + std::string(kRetention);
    if (!CheckConfigurationBody(call)) {
        return;
    }
    ObjectLockMode mode = ObjectLockMode::kNone;
    std::optional<Timestamp> until;
    std::string xmlns;
    if (!ParseRetention(call.http->body, &mode, &until, &xmlns)) {
        call.Fail("MalformedXML", std::string(kMalformedXml), 400);
        return;
    }
    std::string retention = "{";
    if (!xmlns.empty()) {
        retention += "\"xmlns\":" + JsonText(xmlns);
    }
    if (until) {
        retention += std::string(xmlns.empty() ? "" : ",") +
                     "\"Mode\":" + JsonText(ObjectLockModeName(mode)) +
                     ",\"RetainUntilDate\":" + JsonText(FormatIsoMillis(*until));
    }
    call.request_parameters = base + ",\"Retention\":" + retention + "}}";
    if (until && *until <= call.world->Now()) {
        call.Fail("InvalidArgument", "The retain until date must be in the future!", 400);
        return;
    }
    ObjectVersion* version = TargetVersion(call, bucket, version_id);
    if (version == nullptr) {
        return;
    }
    bool extends = until && mode == version->lock_mode && version->retain_until &&
                   *until >= *version->retain_until;
    if (!extends && !MayOverrideLock(call, *bucket, *version, target.arn, false)) {
        return;
    }
    version->lock_mode = mode;
    version->retain_until = until;
    call.mutated = true;
    call.ReplyS3(200, "");
}

void GetObjectRetention(Call& call) {
    ObjectTarget target = StartObjectCall(call, "s3:GetObjectRetention", "", kRetention, true);
    Bucket* bucket = target.bucket;
    if (bucket == nullptr) {
        return;
    }
    const ObjectVersion* version = TargetVersion(call, bucket, target.version());
    if (version == nullptr) {
        return;
    }
    if (version->lock_mode == ObjectLockMode::kNone || !version->retain_until) {
        call.Fail("NoSuchObjectLockConfiguration",
                  "The specified object does not have a ObjectLock configuration",
                  404);
        return;
    }
    call.ReplyS3(200,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Retention xmlns=\"" +
                         std::string(kS3Namespace) + "\"><Mode>" +
                         std::string(ObjectLockModeName(version->lock_mode)) +
                         "</Mode><RetainUntilDate>" + FormatIsoMillis(*version->retain_until) +
                         "</RetainUntilDate></Retention>");
}

// ---------------------------------------------------------------------------------------------
// Listing

// S3's encoding-type=url: everything but unreserved characters and '/' is percent-encoded.
std::string UrlEncodeKey(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : text) {
        unsigned char u = static_cast<unsigned char>(c);
        if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') ||
            u == '-' || u == '_' || u == '.' || u == '~' || u == '/') {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(kHex[u >> 4]);
            out.push_back(kHex[u & 0xf]);
        }
    }
    return out;
}

constexpr std::string_view kTokenPrefix = "fb1:";

// The requestParameters of a listing: the bucket, the host and every query parameter.
std::string ListParameters(const Call& call, const QueryItems& query) {
    std::string parameters = BaseParameters(call, false);
    for (const auto& [name, value] : query) {
        if (name != "x-id" && name != "bucketName" && name != "Host") {
            parameters += "," + JsonText(name) + ":" + JsonText(value);
        }
    }
    return parameters + "}";
}

// The arguments every listing shares: encoding-type (only "url") and max-keys (0..2^31-1,
// capped at 1000). False after answering InvalidArgument.
bool ParseListArguments(Call& call, const QueryItems& query, bool* url_encoding, int* max_keys) {
    *url_encoding = false;
    if (const std::string* encoding = QueryGet(query, "encoding-type")) {
        if (*encoding != "url") {
            call.Fail("InvalidArgument", "Invalid Encoding Method specified in Request", 400);
            return false;
        }
        *url_encoding = true;
    }
    *max_keys = kMaxListKeys;
    if (const std::string* text = QueryGet(query, "max-keys")) {
        long long value = -1;
        auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
        if (ec != std::errc() || end != text->data() + text->size() || text->empty() ||
            value > 2147483647LL) {
            call.Fail("InvalidArgument",
                      "Provided max-keys not an integer or within integer range",
                      400);
            return false;
        }
        if (value < 0) {
            call.Fail("InvalidArgument",
                      "Argument maxKeys must be an integer between 0 and 2147483647",
                      400);
            return false;
        }
        *max_keys = static_cast<int>(std::min<long long>(value, kMaxListKeys));
    }
    return true;
}

// <Owner> of a listing entry: the bucket owner's canonical id and alias (or account id).
std::string OwnerXml(const Call& call, const Bucket& bucket) {
    const Account* account = call.world->FindAccount(bucket.owner_account);
    return "<Owner><ID>" + CanonicalUserId(bucket.owner_account) + "</ID><DisplayName>" +
           XmlText(account && !account->alias.empty() ? account->alias : bucket.owner_account) +
           "</DisplayName></Owner>";
}

// ListObjects (v1) and ListObjectsV2 (list-type=2); CloudTrail names both "ListObjects".
void ListObjects(Call& call) {
    call.category = EventCategory::kData;
    QueryItems query = ParseQuery(call.http->query);
    call.request_parameters = ListParameters(call, query);
    Bucket* bucket = StartBucketCall(call, "s3:ListBucket");
    if (bucket == nullptr) {
        return;
    }
    const std::string* list_type = QueryGet(query, "list-type");
    if (list_type != nullptr && *list_type != "2") {
        call.Fail("InvalidArgument", "Invalid List Type specified", 400);
        return;
    }
    bool v2 = list_type != nullptr;
    std::string prefix = QueryGet(query, "prefix") ? *QueryGet(query, "prefix") : "";
    std::string delimiter = QueryGet(query, "delimiter") ? *QueryGet(query, "delimiter") : "";
    bool url_encoding = false;
    int max_keys = kMaxListKeys;
    if (!ParseListArguments(call, query, &url_encoding, &max_keys)) {
        return;
    }
    std::string start;
    const std::string* token = v2 ? QueryGet(query, "continuation-token") : nullptr;
    const std::string* start_after = v2 ? QueryGet(query, "start-after") : nullptr;
    const std::string* marker = v2 ? nullptr : QueryGet(query, "marker");
    if (token != nullptr) {
        Result<std::string> decoded = Base64Decode(*token);
        if (!decoded || !decoded->starts_with(kTokenPrefix)) {
            call.Fail("InvalidArgument", "The continuation token provided is incorrect", 400);
            return;
        }
        start = decoded->substr(kTokenPrefix.size());
    } else if (start_after != nullptr) {
        start = *start_after;
    } else if (marker != nullptr) {
        start = *marker;
    }

    struct Entry {
        std::string name;                        // key, or common prefix
        const ObjectVersion* version = nullptr;  // nullptr for a common prefix
    };

    std::vector<Entry> entries;
    bool truncated = false;
    if (max_keys > 0) {
        for (auto it = bucket->objects.lower_bound(prefix); it != bucket->objects.end(); ++it) {
            const std::string& key = it->first;
            if (!key.starts_with(prefix)) {
                break;
            }
            const ObjectVersion* latest = bucket->Latest(key);
            if (latest == nullptr || (!start.empty() && key <= start)) {
                continue;
            }
            Entry entry{key, latest};
            if (!delimiter.empty()) {
                size_t pos = key.find(delimiter, prefix.size());
                if (pos != std::string::npos) {
                    entry = Entry{key.substr(0, pos + delimiter.size()), nullptr};
                    if (entry.name == start ||
                        (!entries.empty() && entries.back().version == nullptr &&
                         entries.back().name == entry.name)) {
                        continue;
                    }
                }
            }
            if (static_cast<int>(entries.size()) == max_keys) {
                truncated = true;
                break;
            }
            entries.push_back(std::move(entry));
        }
    }

    auto text = [&](std::string_view value) {
        return XmlText(url_encoding ? UrlEncodeKey(value) : std::string(value));
    };
    std::string owner;
    bool with_owner =
            !v2 || (QueryGet(query, "fetch-owner") && *QueryGet(query, "fetch-owner") == "true");
    if (with_owner) {
        owner = OwnerXml(call, *bucket);
    }
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"" +
                      std::string(kS3Namespace) + "\"><Name>" + XmlText(bucket->name) +
                      "</Name><Prefix>" + text(prefix) + "</Prefix>";
    if (v2) {
        if (token != nullptr) {
            xml += "<ContinuationToken>" + XmlText(*token) + "</ContinuationToken>";
        }
        xml += "<KeyCount>" + std::to_string(entries.size()) + "</KeyCount>";
    } else {
        xml += "<Marker>" + text(marker ? *marker : "") + "</Marker>";
    }
    xml += "<MaxKeys>" + std::to_string(max_keys) + "</MaxKeys>";
    if (!delimiter.empty()) {
        xml += "<Delimiter>" + text(delimiter) + "</Delimiter>";
    }
    xml += std::string("<IsTruncated>") + (truncated ? "true" : "false") + "</IsTruncated>";
    if (truncated && !entries.empty()) {
        if (v2) {
            xml += "<NextContinuationToken>" +
                   Base64Encode(std::string(kTokenPrefix) + entries.back().name) +
                   "</NextContinuationToken>";
        } else {
            xml += "<NextMarker>" + text(entries.back().name) + "</NextMarker>";
        }
    }
    if (v2 && start_after != nullptr) {
        xml += "<StartAfter>" + text(*start_after) + "</StartAfter>";
    }
    for (const Entry& entry : entries) {
        if (entry.version == nullptr) {
            continue;
        }
        xml += "<Contents><Key>" + text(entry.name) + "</Key><LastModified>" +
               FormatIsoMillis(entry.version->last_modified) + "</LastModified><ETag>" +
               XmlText(entry.version->etag) + "</ETag><Size>" +
               std::to_string(entry.version->data.size()) + "</Size>" + owner +
               "<StorageClass>STANDARD</StorageClass></Contents>";
    }
    for (const Entry& entry : entries) {
        if (entry.version == nullptr) {
            xml += "<CommonPrefixes><Prefix>" + text(entry.name) + "</Prefix></CommonPrefixes>";
        }
    }
    if (url_encoding) {
        xml += "<EncodingType>url</EncodingType>";
    }
    xml += "</ListBucketResult>";
    call.ReplyS3(200, std::move(xml));
}

// ListObjectVersions: every version and delete marker, by key, newest first; key-marker (and
// version-id-marker) resume after an entry. Delimiters are not served (NotImplemented).
void ListObjectVersions(Call& call) {
    call.category = EventCategory::kData;
    QueryItems query = ParseQuery(call.http->query);
    call.request_parameters = ListParameters(call, query);
    Bucket* bucket = StartBucketCall(call, "s3:ListBucketVersions");
    if (bucket == nullptr) {
        return;
    }
    if (QueryGet(query, "delimiter") != nullptr) {
        call.Fail("NotImplemented",
                  "A header or query you provided implies functionality that is not implemented",
                  501);
        return;
    }
    bool url_encoding = false;
    int max_keys = kMaxListKeys;
    if (!ParseListArguments(call, query, &url_encoding, &max_keys)) {
        return;
    }
    auto argument = [&](std::string_view name) {
        const std::string* value = QueryGet(query, name);
        return value != nullptr ? *value : std::string();
    };
    std::string prefix = argument("prefix");
    std::string key_marker = argument("key-marker");
    std::string version_marker = argument("version-id-marker");
    if (!version_marker.empty() && key_marker.empty()) {
        call.Fail("InvalidArgument",
                  "A version-id marker cannot be specified without a key marker.",
                  400);
        return;
    }

    struct Entry {
        const std::string* key;
        const ObjectVersion* version;
        bool latest;
    };

    std::vector<Entry> entries;
    bool truncated = false;
    for (auto it = bucket->objects.lower_bound(std::max(prefix, key_marker));
         it != bucket->objects.end() && !truncated;
         ++it) {
        const std::string& key = it->first;
        if (!key.starts_with(prefix)) {
            break;
        }
        const std::vector<ObjectVersion>& versions = it->second;
        size_t skip = 0;  // newest-first entries of this key already listed
        if (key == key_marker) {
            skip = versions.size();
            for (size_t i = 0; !version_marker.empty() && i < versions.size(); ++i) {
                if (versions[versions.size() - 1 - i].version_id == version_marker) {
                    skip = i + 1;
                }
            }
        }
        for (size_t i = skip; i < versions.size(); ++i) {
            if (static_cast<int>(entries.size()) == max_keys) {
                truncated = true;
                break;
            }
            entries.push_back({&key, &versions[versions.size() - 1 - i], i == 0});
        }
    }

    auto text = [&](std::string_view value) {
        return XmlText(url_encoding ? UrlEncodeKey(value) : std::string(value));
    };
    std::string owner = OwnerXml(call, *bucket);
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListVersionsResult xmlns=\"" +
                      std::string(kS3Namespace) + "\"><Name>" + XmlText(bucket->name) +
                      "</Name><Prefix>" + text(prefix) + "</Prefix><KeyMarker>" + text(key_marker) +
                      "</KeyMarker><VersionIdMarker>" + XmlText(version_marker) +
                      "</VersionIdMarker>";
    if (truncated && !entries.empty()) {
        xml += "<NextKeyMarker>" + text(*entries.back().key) + "</NextKeyMarker>" +
               "<NextVersionIdMarker>" + XmlText(entries.back().version->version_id) +
               "</NextVersionIdMarker>";
    }
    xml += "<MaxKeys>" + std::to_string(max_keys) + "</MaxKeys><IsTruncated>" +
           (truncated ? "true" : "false") + "</IsTruncated>";
    for (const Entry& entry : entries) {
        const ObjectVersion& v = *entry.version;
        std::string common = "<Key>" + text(*entry.key) + "</Key><VersionId>" +
                             XmlText(v.version_id) + "</VersionId><IsLatest>" +
                             (entry.latest ? "true" : "false") + "</IsLatest><LastModified>" +
                             FormatIsoMillis(v.last_modified) + "</LastModified>";
        if (v.delete_marker) {
            xml += "<DeleteMarker>" + common + owner + "</DeleteMarker>";
        } else {
            xml += "<Version>" + common + "<ETag>" + XmlText(v.etag) + "</ETag><Size>" +
                   std::to_string(v.data.size()) + "</Size><StorageClass>STANDARD</StorageClass>" +
                   owner + "</Version>";
        }
    }
    if (url_encoding) {
        xml += "<EncodingType>url</EncodingType>";
    }
    xml += "</ListVersionsResult>";
    call.ReplyS3(200, std::move(xml));
}

// ---------------------------------------------------------------------------------------------
// Bucket configuration

std::string PublicAccessBlockXml(const PublicAccessBlock& block) {
    auto flag = [](bool b) {
        return b ? "true" : "false";
    };
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PublicAccessBlockConfiguration xmlns=\"" +
           std::string(kS3Namespace) + "\"><BlockPublicAcls>" + flag(block.block_public_acls) +
           "</BlockPublicAcls><IgnorePublicAcls>" + flag(block.ignore_public_acls) +
           "</IgnorePublicAcls><BlockPublicPolicy>" + flag(block.block_public_policy) +
           "</BlockPublicPolicy><RestrictPublicBuckets>" + flag(block.restrict_public_buckets) +
           "</RestrictPublicBuckets></PublicAccessBlockConfiguration>";
}

// Parses a PublicAccessBlockConfiguration document; false when it is malformed. `xmlns` gets the
// root's namespace attribute (empty when there is none).
bool ParsePublicAccessBlock(std::string_view body, PublicAccessBlock* block, std::string* xmlns) {
    pugi::xml_document doc;
    pugi::xml_parse_result parsed = doc.load_buffer(body.data(), body.size());
    if (!parsed) {
        return false;
    }
    pugi::xml_node root = doc.document_element();
    if (!root || LocalName(root) != "PublicAccessBlockConfiguration") {
        return false;
    }
    *xmlns = root.attribute("xmlns").value();
    for (pugi::xml_node child : root.children()) {
        if (child.type() == pugi::node_comment || child.type() == pugi::node_pi) {
            continue;
        }
        if (child.type() != pugi::node_element) {
            if (!Trimmed(child.value()).empty()) {
                return false;
            }
            continue;
        }
        std::string value = Trimmed(child.child_value());
        if (value != "true" && value != "false") {
            return false;
        }
        bool on = value == "true";
        std::string_view name = LocalName(child);
        if (name == "BlockPublicAcls") {
            block->block_public_acls = on;
        } else if (name == "IgnorePublicAcls") {
            block->ignore_public_acls = on;
        } else if (name == "BlockPublicPolicy") {
            block->block_public_policy = on;
        } else if (name == "RestrictPublicBuckets") {
            block->restrict_public_buckets = on;
        } else {
            return false;
        }
    }
    return true;
}

void PutBucketPublicAccessBlock(Call& call) {
    std::string base = "{\"publicAccessBlock\":\"\",\"bucketName\":" + JsonText(call.s3.bucket);
    call.request_parameters = base + ",\"Host\":" + JsonText(HostHeader(call)) + "}";
    Bucket* bucket = StartBucketCall(call, "s3:PutBucketPublicAccessBlock");
    if (bucket == nullptr) {
        return;
    }
    const std::string& body = call.http->body;
    if (Trimmed(body).empty()) {
        call.Fail("MissingRequestBodyError", "Request Body is empty", 400);
        return;
    }
    if (!HasIntegrityHeader(call)) {
        call.Fail("InvalidRequest", "Missing required header for this request: Content-MD5", 400);
        return;
    }
    if (!CheckIntegrity(call, body)) {
        return;
    }
    PublicAccessBlock block;
    std::string xmlns;
    if (!ParsePublicAccessBlock(body, &block, &xmlns)) {
        call.Fail("MalformedXML", std::string(kMalformedXml), 400);
        return;
    }
    auto flag = [](bool b) {
        return b ? "true" : "false";
    };
    std::string configuration = "{";
    if (!xmlns.empty()) {
        configuration += "\"xmlns\":" + JsonText(xmlns) + ",";
    }
    configuration += std::string("\"BlockPublicAcls\":") + flag(block.block_public_acls) +
                     ",\"IgnorePublicAcls\":" + flag(block.ignore_public_acls) +
                     ",\"BlockPublicPolicy\":" + flag(block.block_public_policy) +
                     ",\"RestrictPublicBuckets\":" + flag(block.restrict_public_buckets) + "}";
    call.request_parameters = base + ",\"PublicAccessBlockConfiguration\":" + configuration +
                              ",\"Host\":" + JsonText(HostHeader(call)) + "}";
    bucket->public_access_block = block;
    call.mutated = true;
    call.ReplyS3(200, "");
}

void GetBucketPublicAccessBlock(Call& call) {
    call.request_parameters =
            "{\"publicAccessBlock\":\"\",\"bucketName\":" + JsonText(call.s3.bucket) +
            ",\"Host\":" + JsonText(HostHeader(call)) + "}";
    Bucket* bucket = StartBucketCall(call, "s3:GetBucketPublicAccessBlock");
    if (bucket == nullptr) {
        return;
    }
    if (!bucket->public_access_block) {
        call.Fail("NoSuchPublicAccessBlockConfiguration",
                  "The public access block configuration was not found",
                  404);
        return;
    }
    call.ReplyS3(200, PublicAccessBlockXml(*bucket->public_access_block));
}

void GetBucketPolicy(Call& call) {
    call.request_parameters = BaseParameters(call, false) + ",\"policy\":\"\"}";
    Bucket* bucket = StartBucketCall(call, "s3:GetBucketPolicy");
    if (bucket == nullptr) {
        return;
    }
    if (!bucket->policy) {
        call.Fail("NoSuchBucketPolicy", "The bucket policy does not exist", 404);
        return;
    }
    call.ReplyS3(200, *bucket->policy, "application/json");
}

void DeleteBucketPolicy(Call& call) {
    call.request_parameters = BaseParameters(call, false) + ",\"policy\":\"\"}";
    Bucket* bucket = StartBucketCall(call, "s3:DeleteBucketPolicy");
    if (bucket == nullptr) {
        return;
    }
    if (bucket->policy) {
        bucket->policy.reset();
        call.mutated = true;
    }
    call.ReplyS3(204, "");
}

// PutBucketPolicy: the body must be a bucket policy (Principal and Resource in every statement);
// MalformedPolicy otherwise. The policy replaces any existing one, as stored text.
void PutBucketPolicy(Call& call) {
    call.request_parameters = BaseParameters(call, false) + ",\"policy\":\"\"}";
    Bucket* bucket = StartBucketCall(call, "s3:PutBucketPolicy");
    if (bucket == nullptr) {
        return;
    }
    const std::string& body = call.http->body;
    if (Trimmed(body).empty()) {
        call.Fail("MissingRequestBodyError", "Request Body is empty", 400);
        return;
    }
    if (!CheckIntegrity(call, body)) {
        return;
    }
    Result<PolicyDocument> parsed = ParsePolicyDocument(body, PolicyKind::kResource);
    if (!parsed) {
        call.Fail("MalformedPolicy", parsed.error().message(), 400);
        return;
    }
    // CloudTrail writes the policy itself as an object under bucketPolicy.
    call.request_parameters = BaseParameters(call, false) +
                              ",\"policy\":\"\",\"bucketPolicy\":" + std::string(Trimmed(body)) +
                              "}";
    bucket->policy = body;
    call.mutated = true;
    call.ReplyS3(204, "");
}

void DeleteBucketPublicAccessBlock(Call& call) {
    call.request_parameters = BaseParameters(call, false) + ",\"publicAccessBlock\":\"\"}";
    Bucket* bucket = StartBucketCall(call, "s3:PutBucketPublicAccessBlock");
    if (bucket == nullptr) {
        return;
    }
    if (bucket->public_access_block) {
        bucket->public_access_block.reset();
        call.mutated = true;
    }
    call.ReplyS3(204, "");
}

// The LocationConstraint of a CreateBucketConfiguration body ("" when the body is empty). False
// when the body is malformed.
bool ParseLocationConstraint(std::string_view body, std::string* constraint, std::string* xmlns) {
    constraint->clear();
    if (Trimmed(body).empty()) {
        return true;
    }
    pugi::xml_document doc;
    if (!doc.load_buffer(body.data(), body.size())) {
        return false;
    }
    pugi::xml_node root = doc.document_element();
    if (!root || LocalName(root) != "CreateBucketConfiguration") {
        return false;
    }
    *xmlns = root.attribute("xmlns").value();
    for (pugi::xml_node child : root.children()) {
        if (child.type() != pugi::node_element) {
            continue;
        }
        if (LocalName(child) != "LocationConstraint") {
            return false;
        }
        *constraint = Trimmed(child.child_value());
    }
    return true;
}

// CreateBucket in the region the request is signed for: the LocationConstraint must name that
// region (and be absent for us-east-1). x-amz-bucket-object-lock-enabled: true turns Object Lock
// on, and with it versioning (S3 also wants s3:PutBucketObjectLockConfiguration then).
void CreateBucket(Call& call) {
    std::string name = call.s3.bucket;
    std::string parameters = BaseParameters(call, false);
    const std::string* lock_header = RequestHeader(call, "x-amz-bucket-object-lock-enabled");
    bool object_lock = lock_header != nullptr && AsciiLower(Trimmed(*lock_header)) == "true";
    if (lock_header != nullptr) {
        parameters += ",\"x-amz-bucket-object-lock-enabled\":" + JsonText(Trimmed(*lock_header));
    }
    call.request_parameters = parameters + "}";
    call.resources = {{BucketArn(name), call.account_id, "AWS::S3::Bucket"}};
    if (!call.Authorize("s3:CreateBucket", BucketArn(name))) {
        return;
    }
    if (object_lock && !call.Authorize("s3:PutBucketObjectLockConfiguration", BucketArn(name))) {
        return;
    }
    if (!IsValidBucketName(name)) {
        call.Fail("InvalidBucketName", "The specified bucket is not valid.", 400);
        return;
    }
    std::string constraint;
    std::string xmlns;
    if (!ParseLocationConstraint(call.http->body, &constraint, &xmlns)) {
        call.Fail("MalformedXML", std::string(kMalformedXml), 400);
        return;
    }
    if (!Trimmed(call.http->body).empty()) {
        std::string configuration = "{";
        if (!xmlns.empty()) {
            configuration += "\"xmlns\":" + JsonText(xmlns) + ",";
        }
        configuration += "\"LocationConstraint\":" + JsonText(constraint) + "}";
        call.request_parameters =
                parameters + ",\"CreateBucketConfiguration\":" + configuration + "}";
    }
    if (const Bucket* existing = call.world->FindBucket(name)) {
        if (existing->owner_account == call.account_id) {
            call.Fail("BucketAlreadyOwnedByYou",
                      "Your previous request to create the named bucket succeeded and you already "
                      "own it.",
                      409);
        } else {
            call.Fail("BucketAlreadyExists",
                      "The requested bucket name is not available. The bucket namespace is shared "
                      "by all users of the system. Please select a different name and try again.",
                      409);
        }
        return;
    }
    if (constraint == "us-east-1") {
        call.Fail(
                "InvalidLocationConstraint", "The specified location-constraint is not valid", 400);
        AddErrorField(call, "LocationConstraint", constraint);
        return;
    }
    if (constraint.empty() ? call.region != "us-east-1" : constraint != call.region) {
        call.Fail("IllegalLocationConstraintException",
                  "The " + (constraint.empty() ? std::string("unspecified") : constraint) +
                          " location constraint is incompatible for the region specific endpoint "
                          "this request was sent to.",
                  400);
        return;
    }
    Bucket bucket;
    bucket.name = name;
    bucket.region = call.region;
    bucket.owner_account = call.account_id;
    bucket.create_date = call.world->Now();
    bucket.object_lock_enabled = object_lock;
    if (object_lock) {
        bucket.versioning = Versioning::kEnabled;
    }
    call.world->buckets.emplace(name, std::move(bucket));
    call.mutated = true;
    call.ReplyS3(200, "");
    call.headers.emplace_back("Location", "/" + name);
}

// The ObjectLockConfiguration document: ObjectLockEnabled must be "Enabled"; an optional
// Rule/DefaultRetention with a Mode and exactly one of Days and Years. Answers MalformedXML (or
// InvalidArgument for a period that is not positive) and returns false otherwise.
bool ParseObjectLockConfiguration(Call& call,
                                  std::optional<DefaultRetention>* rule,
                                  std::string* xmlns) {
    auto malformed = [&]() {
        call.Fail("MalformedXML", std::string(kMalformedXml), 400);
        return false;
    };
    const std::string& body = call.http->body;
    pugi::xml_document doc;
    if (!doc.load_buffer(body.data(), body.size())) {
        return malformed();
    }
    pugi::xml_node root = doc.document_element();
    if (!root || LocalName(root) != "ObjectLockConfiguration") {
        return malformed();
    }
    *xmlns = root.attribute("xmlns").value();
    rule->reset();
    bool enabled = false;
    for (pugi::xml_node child : root.children()) {
        if (child.type() != pugi::node_element) {
            continue;
        }
        if (LocalName(child) == "ObjectLockEnabled") {
            if (Trimmed(child.child_value()) != "Enabled") {
                return malformed();
            }
            enabled = true;
            continue;
        }
        if (LocalName(child) != "Rule") {
            return malformed();
        }
        pugi::xml_node retention = child.first_child();
        while (retention && retention.type() != pugi::node_element) {
            retention = retention.next_sibling();
        }
        if (!retention || LocalName(retention) != "DefaultRetention") {
            return malformed();
        }
        DefaultRetention parsed;
        bool has_mode = false;
        int periods = 0;
        for (pugi::xml_node field : retention.children()) {
            if (field.type() != pugi::node_element) {
                continue;
            }
            std::string value = Trimmed(field.child_value());
            std::string_view field_name = LocalName(field);
            if (field_name == "Mode") {
                std::optional<ObjectLockMode> mode = ParseObjectLockMode(value);
                if (!mode || *mode == ObjectLockMode::kNone) {
                    return malformed();
                }
                parsed.mode = *mode;
                has_mode = true;
                continue;
            }
            if (field_name != "Days" && field_name != "Years") {
                return malformed();
            }
            long long number = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
            if (ec != std::errc() || end != value.data() + value.size() || value.empty()) {
                return malformed();
            }
            if (number <= 0 || number > (field_name == "Days" ? 36500 : 100)) {
                call.Fail("InvalidArgument",
                          "Default retention period must be a positive integer value",
                          400);
                return false;
            }
            (field_name == "Days" ? parsed.days : parsed.years) = static_cast<int>(number);
            ++periods;
        }
        if (!has_mode || periods != 1) {
            return malformed();
        }
        *rule = parsed;
    }
    return enabled || malformed();
}

std::string DefaultRetentionXml(const DefaultRetention& rule) {
    return "<Rule><DefaultRetention><Mode>" + std::string(ObjectLockModeName(rule.mode)) +
           "</Mode>" +
           (rule.years > 0 ? "<Years>" + std::to_string(rule.years) + "</Years>"
                           : "<Days>" + std::to_string(rule.days) + "</Days>") +
           "</DefaultRetention></Rule>";
}

// PutObjectLockConfiguration: sets (or clears) the default retention. A bucket created without
// Object Lock gets it here only when its versioning is Enabled (and then for good).
void PutObjectLockConfiguration(Call& call) {
    std::string base = BaseParameters(call, false) + ",\"object-lock\":\"\"";
    call.request_parameters = base + "}";
    Bucket* bucket = StartBucketCall(call, "s3:PutBucketObjectLockConfiguration");
    if (bucket == nullptr) {
        return;
    }
    if (!CheckConfigurationBody(call)) {
        return;
    }
    std::optional<DefaultRetention> rule;
    std::string xmlns;
    if (!ParseObjectLockConfiguration(call, &rule, &xmlns)) {
        return;
    }
    std::string configuration = "{";
    if (!xmlns.empty()) {
        configuration += "\"xmlns\":" + JsonText(xmlns) + ",";
    }
    configuration += "\"ObjectLockEnabled\":\"Enabled\"";
    if (rule) {
        configuration += ",\"Rule\":{\"DefaultRetention\":{\"Mode\":" +
                         JsonText(ObjectLockModeName(rule->mode)) +
                         (rule->years > 0 ? ",\"Years\":" + std::to_string(rule->years)
                                          : ",\"Days\":" + std::to_string(rule->days)) +
                         "}}";
    }
    call.request_parameters = base + ",\"ObjectLockConfiguration\":" + configuration + "}}";
    if (!bucket->object_lock_enabled && bucket->versioning != Versioning::kEnabled) {
        call.Fail("InvalidBucketState",
                  "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
                  409);
        return;
    }
    bucket->object_lock_enabled = true;
    bucket->default_retention = rule;
    call.mutated = true;
    call.ReplyS3(200, "");
}

void GetObjectLockConfiguration(Call& call) {
    call.request_parameters = BaseParameters(call, false) + ",\"object-lock\":\"\"}";
    Bucket* bucket = StartBucketCall(call, "s3:GetBucketObjectLockConfiguration");
    if (bucket == nullptr) {
        return;
    }
    if (!bucket->object_lock_enabled) {
        call.Fail("ObjectLockConfigurationNotFoundError",
                  "Object Lock configuration does not exist for this bucket",
                  404);
        return;
    }
    call.ReplyS3(
            200,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ObjectLockConfiguration xmlns=\"" +
                    std::string(kS3Namespace) +
                    "\"><ObjectLockEnabled>Enabled</ObjectLockEnabled>" +
                    (bucket->default_retention ? DefaultRetentionXml(*bucket->default_retention)
                                               : std::string()) +
                    "</ObjectLockConfiguration>");
}

// ListBuckets: the caller's account's buckets, in every region.
void ListBuckets(Call& call) {
    call.request_parameters = "{\"Host\":" + JsonText(HostHeader(call)) + "}";
    if (!call.Authorize("s3:ListAllMyBuckets")) {
        return;
    }
    const Account* account = call.world->FindAccount(call.account_id);
    std::string xml =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult xmlns=\"" +
            std::string(kS3Namespace) + "\"><Owner><ID>" + CanonicalUserId(call.account_id) +
            "</ID><DisplayName>" +
            XmlText(account && !account->alias.empty() ? account->alias : call.account_id) +
            "</DisplayName></Owner><Buckets>";
    for (const auto& [name, bucket] : call.world->buckets) {
        if (bucket.owner_account == call.account_id) {
            xml += "<Bucket><Name>" + XmlText(name) + "</Name><CreationDate>" +
                   FormatIsoMillis(bucket.create_date) + "</CreationDate></Bucket>";
        }
    }
    xml += "</Buckets></ListAllMyBucketsResult>";
    call.ReplyS3(200, std::move(xml));
}

// Every S3 record carries S3's additionalEventData: signature version, authentication method and
// the bytes that crossed the wire each way.
template <void (*kHandler)(Call&)>
void WithEventData(Call& call) {
    kHandler(call);
    size_t out = call.http->method == "HEAD" ? 0 : call.body.size();
    call.additional_event_data =
            "{\"SignatureVersion\":\"SigV4\",\"AuthenticationMethod\":\"AuthHeader\","
            "\"bytesTransferredIn\":" +
            std::to_string(call.http->body.size()) +
            ",\"bytesTransferredOut\":" + std::to_string(out) +
            ",\"x-amz-id-2\":" + JsonText(call.request_id) + "}";
}

}  // namespace

S3Target RouteS3(const aws::HttpRequest& request) {
    S3Target target;
    std::string_view path = request.path;
    if (path.starts_with("/")) {
        path.remove_prefix(1);
    }
    if (path.starts_with("v20180820/")) {  // S3 Control (account-level): not an S3 bucket call
        target.action = "S3Control";
        return target;
    }
    const std::string* host = request.Header("Host");
    std::string virtual_bucket = host == nullptr ? "" : VirtualHostBucket(*host);
    if (!virtual_bucket.empty()) {
        target.bucket = virtual_bucket;
        target.key = Decoded(path, false);
    } else {
        size_t slash = path.find('/');
        target.bucket = Decoded(path.substr(0, slash), false);
        if (slash != std::string_view::npos) {
            target.key = Decoded(path.substr(slash + 1), false);
        }
    }
    target.action = ActionFor(request, target);
    return target;
}

void RegisterS3Handlers(HandlerTable* table) {
    (*table)[{Api::kS3, "PutObject"}] = {WithEventData<PutObject>, false};
    (*table)[{Api::kS3, "GetObject"}] = {WithEventData<GetObject>, true};
    (*table)[{Api::kS3, "HeadObject"}] = {WithEventData<GetObject>, true};
    (*table)[{Api::kS3, "ListBuckets"}] = {WithEventData<ListBuckets>, true};
    (*table)[{Api::kS3, "ListObjects"}] = {WithEventData<ListObjects>, true};
    (*table)[{Api::kS3, "PutBucketPublicAccessBlock"}] = {WithEventData<PutBucketPublicAccessBlock>,
                                                          false};
    (*table)[{Api::kS3, "GetBucketPublicAccessBlock"}] = {WithEventData<GetBucketPublicAccessBlock>,
                                                          true};
    (*table)[{Api::kS3, "GetBucketPolicy"}] = {WithEventData<GetBucketPolicy>, true};
    (*table)[{Api::kS3, "DeleteBucketPolicy"}] = {WithEventData<DeleteBucketPolicy>, false};
    (*table)[{Api::kS3, "PutBucketPolicy"}] = {WithEventData<PutBucketPolicy>, false};
    (*table)[{Api::kS3, "DeleteBucketPublicAccessBlock"}] = {
            WithEventData<DeleteBucketPublicAccessBlock>, false};
    (*table)[{Api::kS3, "DeleteObject"}] = {WithEventData<DeleteObject>, false};
    (*table)[{Api::kS3, "PutObjectRetention"}] = {WithEventData<PutObjectRetention>, false};
    (*table)[{Api::kS3, "GetObjectRetention"}] = {WithEventData<GetObjectRetention>, true};
    (*table)[{Api::kS3, "ListObjectVersions"}] = {WithEventData<ListObjectVersions>, true};
    (*table)[{Api::kS3, "CreateBucket"}] = {WithEventData<CreateBucket>, false};
    (*table)[{Api::kS3, "PutObjectLockConfiguration"}] = {WithEventData<PutObjectLockConfiguration>,
                                                          false};
    (*table)[{Api::kS3, "GetObjectLockConfiguration"}] = {WithEventData<GetObjectLockConfiguration>,
                                                          true};
}

}  // namespace firebreak::sandbox
