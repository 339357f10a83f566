// fuzz_cloudtrail_digest: the evidence module's readers of untrusted digest and log files.
//
// Input: the bytes stored as the newest digest (gzip or JSON). Checks: nothing crashes;
// SerializeDigest of a parsed digest parses back to the same digest; the chain walk over an
// in-memory store holding only this object (no keys trusted) reports no valid digest, and
// its JSON report is valid JSON.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "firebreak/event/json_tree.h"
#include "firebreak/evidence/digest.h"
#include "firebreak/evidence/gzip.h"
#include "firebreak/evidence/validate.h"
#include "fuzz_common.h"

namespace {

using namespace firebreak;
using namespace firebreak::evidence;

constexpr std::string_view kBucket = "b";
constexpr std::string_view kKey = "AWSLogs/1/CloudTrail-Digest/r/2026/01/01/d.json.gz";

class OneObjectSource : public ObjectSource {
public:
    explicit OneObjectSource(std::string_view bytes) {
        object_.bytes = std::string(bytes);
        object_.metadata["signature"] = "00ff";
        object_.metadata["signature-algorithm"] = "SHA256withRSA";
    }

    std::optional<StoredObject> Get(std::string_view bucket, std::string_view key) override {
        if (bucket == kBucket && key == kKey) {
            return object_;
        }
        return std::nullopt;
    }

private:
    StoredObject object_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string text(input);
    if (IsGzip(input)) {
        Result<std::string> inflated = GzipDecompress(input, 1u << 20);
        if (!inflated.has_value()) {
            return 0;
        }
        text = std::move(*inflated);
    }
    Result<DigestFile> digest = ParseDigest(text);
    if (digest.has_value()) {
        std::string json = SerializeDigest(*digest);
        Result<DigestFile> again = ParseDigest(json);
        FIREBREAK_FUZZ_CHECK(again.has_value(), "serialized digest does not parse: " + json);
        FIREBREAK_FUZZ_CHECK(*again == *digest, "serialize/parse round trip differs: " + json);
        (void)DataToSign(*digest, "00");
    }

    OneObjectSource source(input);
    ValidateOptions options;
    options.require_gzip = false;
    ValidationReport report = ValidateChain(source,
                                            {std::string(kBucket), std::string(kKey)},
                                            std::map<std::string, PublicKey>(),
                                            options);
    FIREBREAK_FUZZ_CHECK(report.digests_invalid >= 1 && report.digests_valid == 0,
                         "a digest was valid without any trusted key");
    FIREBREAK_FUZZ_CHECK(!report.ok(), "a walk without keys reported ok");
    std::string rendered = RenderJson(report);
    FIREBREAK_FUZZ_CHECK(event::ParseJson(rendered).has_value(), "JSON report is not JSON");
    (void)RenderText(report, true);
    return 0;
}
