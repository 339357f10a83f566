#include "firebreak/aws/sigv4.h"

#include <algorithm>
#include <ctime>

#include "firebreak/core/crypto.h"
#include "firebreak/core/text.h"

namespace firebreak::aws {
namespace {

bool IsSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Trims and collapses runs of whitespace to one space.
std::string CanonicalHeaderValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    bool pending_space = false;
    for (char c : value) {
        if (IsSpace(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) {
            out.push_back(' ');
            pending_space = false;
        }
        out.push_back(c);
    }
    return out;
}

// RFC 3986 section 5.2.4 dot-segment removal; empty segments ("//") collapse, as AWS's test
// suite (normalize-path/get-slashes) requires.
std::string RemoveDotSegments(std::string_view path) {
    std::vector<std::string_view> out;
    size_t start = path.empty() || path[0] != '/' ? 0 : 1;
    bool trailing_slash = false;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string_view::npos)
            end = path.size();
        std::string_view segment = path.substr(start, end - start);
        bool last = end == path.size();
        if (segment.empty()) {
            trailing_slash = last && !out.empty();
        } else if (segment == ".") {
            trailing_slash = last;
        } else if (segment == "..") {
            if (!out.empty())
                out.pop_back();
            trailing_slash = last;
        } else {
            out.push_back(segment);
            trailing_slash = false;
        }
        start = end + 1;
    }
    std::string result;
    for (std::string_view segment : out) {
        result.push_back('/');
        result.append(segment);
    }
    if (trailing_slash || result.empty())
        result.push_back('/');
    return result;
}

}  // namespace

std::string Credentials::RedactedKeyId() const {
    if (access_key_id.size() <= 8)
        return std::string(access_key_id.size(), '*');
    return access_key_id.substr(0, 4) + std::string(access_key_id.size() - 8, '*') +
           access_key_id.substr(access_key_id.size() - 4);
}

std::string AmzDate(std::chrono::system_clock::time_point time) {
    std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[20];
    std::strftime(buffer, sizeof(buffer), "%Y%m%dT%H%M%SZ", &tm);
    return buffer;
}

std::string CanonicalUri(std::string_view wire_path, bool s3) {
    if (wire_path.empty())
        return "/";
    if (s3)
        return std::string(wire_path);
    return UriEncode(RemoveDotSegments(wire_path), /*keep_slash=*/true);
}

std::string CanonicalQuery(std::string_view wire_query) {
    std::vector<std::pair<std::string, std::string>> params;
    size_t start = 0;
    while (start <= wire_query.size() && !wire_query.empty()) {
        size_t end = wire_query.find('&', start);
        if (end == std::string_view::npos)
            end = wire_query.size();
        std::string_view part = wire_query.substr(start, end - start);
        if (!part.empty()) {
            size_t eq = part.find('=');
            std::string_view name = part.substr(0, eq);
            std::string_view value = eq == std::string_view::npos ? "" : part.substr(eq + 1);
            params.emplace_back(UriEncode(UriDecode(name), false),
                                UriEncode(UriDecode(value), false));
        }
        start = end + 1;
    }
    std::sort(params.begin(), params.end());
    std::string out;
    for (const auto& [name, value] : params) {
        if (!out.empty())
            out.push_back('&');
        out += name;
        out.push_back('=');
        out += value;
    }
    return out;
}

std::string CanonicalHeaders(const Headers& headers, const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& name : names) {
        out += name;
        out.push_back(':');
        bool first = true;
        for (const auto& [header_name, value] : headers) {
            if (!EqualsIgnoreAsciiCase(header_name, name))
                continue;
            if (!first)
                out.push_back(',');
            out += CanonicalHeaderValue(value);
            first = false;
        }
        out.push_back('\n');
    }
    return out;
}

std::string CanonicalRequest(const HttpRequest& request,
                             const std::vector<std::string>& signed_names,
                             std::string_view payload_hash,
                             bool s3) {
    std::string out = request.method;
    out.push_back('\n');
    out += CanonicalUri(request.path, s3);
    out.push_back('\n');
    out += CanonicalQuery(request.query);
    out.push_back('\n');
    out += CanonicalHeaders(request.headers, signed_names);
    out.push_back('\n');
    for (size_t i = 0; i < signed_names.size(); ++i) {
        if (i > 0)
            out.push_back(';');
        out += signed_names[i];
    }
    out.push_back('\n');
    out += payload_hash;
    return out;
}

std::string CredentialScope(std::string_view date,
                            std::string_view region,
                            std::string_view service) {
    std::string out(date);
    out.push_back('/');
    out += region;
    out.push_back('/');
    out += service;
    out += "/aws4_request";
    return out;
}

std::string StringToSign(std::string_view amz_date,
                         std::string_view scope,
                         std::string_view canonical_request) {
    std::string out = "AWS4-HMAC-SHA256\n";
    out += amz_date;
    out.push_back('\n');
    out += scope;
    out.push_back('\n');
    out += Sha256Hex(canonical_request);
    return out;
}

std::string DeriveSigningKey(std::string_view secret,
                             std::string_view date,
                             std::string_view region,
                             std::string_view service) {
    std::string key = "AWS4";
    key += secret;
    std::string k_date = HmacSha256(key, date);
    std::string k_region = HmacSha256(k_date, region);
    std::string k_service = HmacSha256(k_region, service);
    return HmacSha256(k_service, "aws4_request");
}

std::string ComputeSignature(std::string_view secret,
                             std::string_view date,
                             std::string_view region,
                             std::string_view service,
                             std::string_view string_to_sign) {
    return HexEncode(HmacSha256(DeriveSigningKey(secret, date, region, service), string_to_sign));
}

void SignRequest(HttpRequest* request,
                 const Credentials& credentials,
                 const SigningOptions& options) {
    std::string amz_date = AmzDate(options.time);
    std::string date = amz_date.substr(0, 8);
    SetHeader(&request->headers, "X-Amz-Date", amz_date);
    if (!credentials.session_token.empty()) {
        SetHeader(&request->headers, "X-Amz-Security-Token", credentials.session_token);
    }
    std::string payload_hash;
    if (const std::string* given = request->Header("x-amz-content-sha256")) {
        payload_hash = *given;
    } else if (options.unsigned_payload) {
        payload_hash = std::string(kUnsignedPayload);
    } else {
        payload_hash = Sha256Hex(request->body);
    }
    if (options.s3 || options.unsigned_payload) {
        SetHeader(&request->headers, "x-amz-content-sha256", payload_hash);
    }
    RemoveHeader(&request->headers, "Authorization");

    std::vector<std::string> names;
    for (const auto& [name, value] : request->headers) {
        std::string lower = AsciiLower(name);
        if (lower == "user-agent" || lower == "expect" || lower == "x-amzn-trace-id")
            continue;
        names.push_back(std::move(lower));
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());

    std::string canonical = CanonicalRequest(*request, names, payload_hash, options.s3);
    std::string scope = CredentialScope(date, options.region, options.service);
    std::string signature = ComputeSignature(credentials.secret_access_key,
                                             date,
                                             options.region,
                                             options.service,
                                             StringToSign(amz_date, scope, canonical));
    std::string authorization = "AWS4-HMAC-SHA256 Credential=";
    authorization += credentials.access_key_id;
    authorization.push_back('/');
    authorization += scope;
    authorization += ", SignedHeaders=";
    for (size_t i = 0; i < names.size(); ++i) {
        if (i > 0)
            authorization.push_back(';');
        authorization += names[i];
    }
    authorization += ", Signature=";
    authorization += signature;
    request->headers.emplace_back("Authorization", std::move(authorization));
}

Result<AuthorizationHeader> ParseAuthorizationHeader(std::string_view value) {
    constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
    if (value.substr(0, kAlgorithm.size()) != kAlgorithm) {
        return InvalidArgument("Authorization header does not start with AWS4-HMAC-SHA256");
    }
    value.remove_prefix(kAlgorithm.size());
    AuthorizationHeader out;
    bool have_credential = false;
    bool have_signed = false;
    bool have_signature = false;
    while (!value.empty()) {
        while (!value.empty() && (value[0] == ' ' || value[0] == ','))
            value.remove_prefix(1);
        if (value.empty())
            break;
        size_t end = value.find(',');
        std::string_view part = value.substr(0, end);
        value = end == std::string_view::npos ? std::string_view() : value.substr(end + 1);
        while (!part.empty() && part.back() == ' ')
            part.remove_suffix(1);
        size_t eq = part.find('=');
        if (eq == std::string_view::npos) {
            return InvalidArgument("Authorization header component without '=': " +
                                   std::string(part));
        }
        std::string_view key = part.substr(0, eq);
        std::string_view val = part.substr(eq + 1);
        if (key == "Credential") {
            // AKID/date/region/service/aws4_request
            std::vector<std::string_view> pieces;
            size_t s = 0;
            while (true) {
                size_t slash = val.find('/', s);
                pieces.push_back(
                        val.substr(s, slash == std::string_view::npos ? val.npos : slash - s));
                if (slash == std::string_view::npos)
                    break;
                s = slash + 1;
            }
            if (pieces.size() != 5 || pieces[4] != "aws4_request" || pieces[0].empty()) {
                return InvalidArgument(
                        "Authorization header Credential is not "
                        "AKID/date/region/service/aws4_request");
            }
            out.access_key_id = pieces[0];
            out.date = pieces[1];
            out.region = pieces[2];
            out.service = pieces[3];
            have_credential = true;
        } else if (key == "SignedHeaders") {
            size_t s = 0;
            while (s <= val.size()) {
                size_t semi = val.find(';', s);
                if (semi == std::string_view::npos)
                    semi = val.size();
                if (semi > s)
                    out.signed_headers.emplace_back(AsciiLower(val.substr(s, semi - s)));
                s = semi + 1;
            }
            have_signed = !out.signed_headers.empty();
        } else if (key == "Signature") {
            out.signature = val;
            have_signature = !val.empty();
        } else {
            return InvalidArgument("Authorization header has an unknown component " +
                                   std::string(key));
        }
    }
    if (!have_credential)
        return InvalidArgument("Authorization header is missing Credential");
    if (!have_signed)
        return InvalidArgument("Authorization header is missing SignedHeaders");
    if (!have_signature)
        return InvalidArgument("Authorization header is missing Signature");
    return out;
}

SignatureCheck VerifySignature(const HttpRequest& request,
                               const AuthorizationHeader& auth,
                               std::string_view amz_date,
                               std::string_view secret) {
    SignatureCheck check;
    std::string payload_hash;
    if (const std::string* given = request.Header("x-amz-content-sha256")) {
        payload_hash = *given;
    } else {
        payload_hash = Sha256Hex(request.body);
    }
    bool s3 = auth.service == "s3";
    check.canonical_request = CanonicalRequest(request, auth.signed_headers, payload_hash, s3);
    check.string_to_sign = StringToSign(amz_date,
                                        CredentialScope(auth.date, auth.region, auth.service),
                                        check.canonical_request);
    check.expected_signature =
            ComputeSignature(secret, auth.date, auth.region, auth.service, check.string_to_sign);
    check.match = check.expected_signature == auth.signature;
    return check;
}

}  // namespace firebreak::aws
