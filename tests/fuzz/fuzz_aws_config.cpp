// fuzz_aws_config: the AWS client's text parsers on untrusted input.
//
// Input: up to four parts separated by NUL bytes: a shared `config` file, a `credentials` file, an
// Authorization header value and a URL query string/path. Checks: nothing crashes; the canonical
// query is a fixed point (canonicalising it again changes nothing); a request signed by
// SignRequest verifies with VerifySignature whatever its path, query and header values.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/aws/config.h"
#include "firebreak/aws/http.h"
#include "firebreak/aws/sigv4.h"
#include "fuzz_common.h"

namespace {

using namespace firebreak;

std::vector<std::string_view> Split(std::string_view data) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (parts.size() < 3) {
        size_t nul = data.find('\0', start);
        if (nul == std::string_view::npos)
            break;
        parts.push_back(data.substr(start, nul - start));
        start = nul + 1;
    }
    parts.push_back(data.substr(start));
    while (parts.size() < 4)
        parts.emplace_back();
    return parts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto parts = Split(std::string_view(reinterpret_cast<const char*>(data), size));
    Diagnostics diags;
    aws::SharedConfig shared =
            aws::ParseSharedConfig(parts[0], "config", parts[1], "credentials", &diags);
    for (const auto& [name, profile] : shared.profiles) {
        aws::ConfigOverrides overrides;
        overrides.profile = name;
        auto resolved = aws::ResolveConfig(
                overrides, shared, [](std::string_view) { return std::nullopt; });
        (void)resolved;
    }
    (void)aws::ParseAuthorizationHeader(parts[2]);
    (void)aws::ParseEndpointUrl(parts[2]);

    std::string query = aws::CanonicalQuery(parts[3]);
    FIREBREAK_FUZZ_CHECK(aws::CanonicalQuery(query) == query,
                         "canonical query is not a fixed point: " + query);
    (void)aws::CanonicalUri(parts[3], false);

    aws::HttpRequest request;
    request.method = "POST";
    size_t q = parts[3].find('?');
    request.path = "/" + std::string(parts[3].substr(0, q));
    if (q != std::string_view::npos)
        request.query = std::string(parts[3].substr(q + 1));
    request.headers = {{"Host", "127.0.0.1:4566"}, {"X-Custom", std::string(parts[2])}};
    request.body = std::string(parts[1]);
    aws::Credentials creds{"AKIDEXAMPLE", "secret", "", std::nullopt};
    for (bool s3 : {false, true}) {
        aws::HttpRequest signed_request = request;
        aws::SigningOptions options{
                "us-east-1", s3 ? "s3" : "ec2", std::chrono::system_clock::time_point{}, s3, false};
        aws::SignRequest(&signed_request, creds, options);
        auto auth = aws::ParseAuthorizationHeader(*signed_request.Header("Authorization"));
        FIREBREAK_FUZZ_CHECK(auth.has_value(), "our own Authorization header does not parse");
        auto check = aws::VerifySignature(
                signed_request, *auth, *signed_request.Header("X-Amz-Date"), "secret");
        FIREBREAK_FUZZ_CHECK(check.match,
                             "a signed request does not verify:\n" + check.canonical_request);
    }
    return 0;
}
