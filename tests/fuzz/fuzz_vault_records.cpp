// fuzz_vault_records: the evidence vault's readers of files an attacker may have edited: manifest
// entries, the vault descriptor (vault.json) and published key lists (public-keys.json).
//
// Input: the first byte picks the reader, the rest is the file. Checks: nothing crashes; a parsed
// entry or descriptor serializes to text that parses back to the same serialization; every key of
// a parsed key list has a 32-hex-digit-or-longer fingerprint as given and a usable public key.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "firebreak/evidence/keystore.h"
#include "firebreak/evidence/vault.h"
#include "fuzz_common.h"

using namespace firebreak;
using namespace firebreak::evidence;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) {
        return 0;
    }
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 3) {
        case 0: {
            Result<EvidenceEntry> entry = ParseEntry(input);
            if (entry.has_value()) {
                std::string json = SerializeEntry(*entry);
                Result<EvidenceEntry> again = ParseEntry(json);
                FIREBREAK_FUZZ_CHECK(again.has_value(), "serialized entry does not parse: " + json);
                FIREBREAK_FUZZ_CHECK(SerializeEntry(*again) == json,
                                     "entry round trip differs: " + json);
                (void)EntryKey("p/", entry->seq);
                (void)ObjectKey("p/", entry->sha256);
            }
            break;
        }
        case 1: {
            Result<VaultDescriptor> descriptor = ParseDescriptor(input);
            if (descriptor.has_value()) {
                std::string json = SerializeDescriptor(*descriptor);
                Result<VaultDescriptor> again = ParseDescriptor(json);
                FIREBREAK_FUZZ_CHECK(again.has_value(),
                                     "serialized descriptor does not parse: " + json);
                FIREBREAK_FUZZ_CHECK(SerializeDescriptor(*again) == json,
                                     "descriptor round trip differs: " + json);
                (void)DigestFolder(*descriptor);
            }
            break;
        }
        default: {
            Result<std::vector<PublishedKey>> keys = ParsePublishedKeys(input);
            if (keys.has_value()) {
                for (const PublishedKey& key : *keys) {
                    FIREBREAK_FUZZ_CHECK(!key.fingerprint.empty(), "empty fingerprint accepted");
                    FIREBREAK_FUZZ_CHECK(key.key.Fingerprint().size() == 32,
                                         "a parsed key has no usable fingerprint");
                    (void)key.ValidAt(TimePoint{});
                }
            }
            break;
        }
    }
    return 0;
}
