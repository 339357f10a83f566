// File: vault_test.cpp
//
// The vault end to end in a temporary folder: collect, seal, verify; write-once and retention
// refusals; key rotation with validity windows; and one kind of tampering per test (a changed
// byte, a deleted object, a deleted manifest entry, re-ordered digests, a forged signature, a
// digest slipped in beside the chain, an edited uncovered entry), each caught and named.
#include "firebreak/evidence/vault.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "firebreak/core/crypto.h"
#include "firebreak/core/file.h"
#include "firebreak/core/text.h"
#include "firebreak/core/time.h"
#include "firebreak/evidence/bundle.h"
#include "firebreak/evidence/gzip.h"
#include "firebreak/evidence/keystore.h"
#include "firebreak/evidence/vault_verify.h"
#include "firebreak/evidence/writer.h"

namespace firebreak::evidence {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kBucket = "evidence-vault";

TimePoint At(std::string_view iso) {
    return ParseIsoTime(iso).value();
}

void WriteRaw(const fs::path& path, std::string_view bytes) {
    ::chmod(path.c_str(), 0644);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string ReadRaw(const fs::path& path) {
    return ReadFileToString(path.string()).value();
}

class VaultTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::path(::testing::TempDir()) /
                ("vault_" + std::to_string(::getpid()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root_);
        Result<KeyStore> keys = KeyStore::Open((root_ / "keys").string());
        ASSERT_TRUE(keys.has_value());
        keys_ = std::make_unique<KeyStore>(std::move(*keys));
        ASSERT_TRUE(keys_->Rotate(At("2026-11-28T09:00:00Z"), 2048).has_value());
        Reopen();
    }

    void Reopen() {
        vault_.reset();
        VaultDescriptor defaults;
        defaults.account_id = "111122223333";
        defaults.region = "eu-west-1";
        defaults.name = "case-vault";
        defaults.retention_days = 30;
        Result<std::unique_ptr<Vault>> vault = Vault::Open(
                std::make_unique<LocalVaultBackend>(root_ / "vault", std::string(kBucket)),
                "",
                true,
                defaults,
                At("2026-11-28T10:00:00Z"));
        ASSERT_TRUE(vault.has_value()) << vault.error().message();
        vault_ = std::move(*vault);
        vault_->SetSleepForTesting([this](std::chrono::milliseconds d) { slept_ += d; });
    }

    EvidenceEntry Collect(std::string case_id,
                          std::string kind,
                          std::string bytes,
                          std::string_view at,
                          std::string ref = "") {
        EvidenceInput input;
        input.case_id = std::move(case_id);
        input.kind = std::move(kind);
        input.source = "ec2:DescribeInstances 111122223333/eu-west-1";
        input.collected_by = "playbook-run:r-1";
        input.collected_at = At(at);
        input.name = "item.json";
        input.media_type = "application/json";
        input.ref = std::move(ref);
        Result<EvidenceEntry> entry = vault_->Add(input, bytes, At(at));
        EXPECT_TRUE(entry.has_value()) << entry.error().message();
        return entry.has_value() ? *entry : EvidenceEntry{};
    }

    SealedDigest Seal(std::string_view at) {
        Result<PrivateKey> key = keys_->Current();
        EXPECT_TRUE(key.has_value());
        Result<std::optional<SealedDigest>> sealed = vault_->Seal(*key, At(at), true);
        EXPECT_TRUE(sealed.has_value()) << sealed.error().message();
        return sealed.has_value() && sealed->has_value() ? **sealed : SealedDigest{};
    }

    // Three cases over three digests.
    void Populate() {
        Collect("CASE-1", "finding", "{\"finding\":1}", "2026-11-28T10:01:00Z");
        Collect("CASE-1", "api-response", "{\"Reservations\":[]}", "2026-11-28T10:02:00Z");
        first_ = Seal("2026-11-28T11:00:00Z");
        Collect("CASE-2", "note", "suspicious login from 203.0.113.7", "2026-11-28T11:10:00Z");
        Collect("CASE-1",
                "log-file",
                GzipCompress("{\"Records\":[]}").value(),
                "2026-11-28T11:20:00Z");
        second_ = Seal("2026-11-28T12:00:00Z");
        Collect("CASE-1", "snapshot", "snap-0123456789abcdef0", "2026-11-28T12:30:00Z");
        third_ = Seal("2026-11-28T13:00:00Z");
    }

    VaultVerifyReport Verify(const VaultVerifyOptions& options = {}) {
        Result<std::vector<PublishedKey>> keys = ParsePublishedKeys(keys_->PublishedJson().value());
        EXPECT_TRUE(keys.has_value());
        LocalVaultBackend backend(root_ / "vault", std::string(kBucket));
        return VerifyVault(backend, vault_->descriptor(), *keys, options);
    }

    static const VerifyItem* Find(const VaultVerifyReport& report, std::string_view key) {
        for (const VerifyItem& item : report.items) {
            if (item.key == key) {
                return &item;
            }
        }
        return nullptr;
    }

    static std::string Dump(const VaultVerifyReport& report) {
        return RenderVerifyText(report, true);
    }

    fs::path Path(std::string_view key) const { return root_ / "vault" / std::string(key); }

    fs::path root_;
    std::unique_ptr<KeyStore> keys_;
    std::unique_ptr<Vault> vault_;
    SealedDigest first_, second_, third_;
    std::chrono::milliseconds slept_{0};
};

TEST_F(VaultTest, CollectSealVerify) {
    Populate();
    EXPECT_EQ(vault_->entry_count(), 5u);
    EXPECT_EQ(vault_->uncovered_count(), 0u);
    EXPECT_EQ(first_.entries, 2u);
    EXPECT_FALSE(first_.digest.previous_digest_s3_object.has_value());
    EXPECT_EQ(second_.digest.previous_digest_s3_object, first_.key);
    EXPECT_EQ(third_.digest.digest_start_time, "2026-11-28T12:00:00Z");
    EXPECT_EQ(first_.key,
              "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/11/28/"
              "111122223333_CloudTrail-Digest_eu-west-1_case-vault_eu-west-1_20261128T110000Z.json."
              "gz");
    // Each digest lists vault.json, every new entry and its object.
    EXPECT_EQ(first_.digest.log_files.size(), 5u);
    EXPECT_EQ(first_.digest.log_files[0].s3_object, "vault.json");
    EXPECT_EQ(vault_->Entries("CASE-1").size(), 4u);

    VaultVerifyReport report = Verify();
    EXPECT_TRUE(report.ok()) << Dump(report);
    EXPECT_EQ(report.digests, 3u);
    EXPECT_EQ(report.digests_valid, 3u);
    EXPECT_EQ(report.entries_valid, 5u);
    EXPECT_EQ(report.objects_valid, 6u);  // with vault.json
    EXPECT_EQ(report.oldest_start_time, "2026-11-28T10:00:00Z");
    EXPECT_EQ(report.newest_end_time, "2026-11-28T13:00:00Z");
}

TEST_F(VaultTest, GzipObjectsAreListedByTheirInflatedHash) {
    Populate();
    std::string gz = GzipCompress("{\"Records\":[]}").value();
    const EvidenceEntry* log = vault_->Entries("CASE-1")[2];
    EXPECT_EQ(log->kind, "log-file");
    EXPECT_EQ(log->sha256, Sha256Hex(gz));
    EXPECT_EQ(log->uncompressed_sha256, Sha256Hex("{\"Records\":[]}"));
    bool listed = false;
    for (const DigestLogFile& file : second_.digest.log_files) {
        listed |= file.s3_object == log->object_key && file.hash_value == log->uncompressed_sha256;
    }
    EXPECT_TRUE(listed);
}

TEST_F(VaultTest, ReopenedVaultChainsOnAndKeepsRefsIdempotent) {
    Collect("CASE-1",
            "action",
            "{\"StopInstances\":{}}",
            "2026-11-28T10:01:00Z",
            "run/r1/step/stop");
    Seal("2026-11-28T11:00:00Z");
    Reopen();
    EXPECT_EQ(vault_->entry_count(), 1u);
    EXPECT_EQ(vault_->uncovered_count(), 0u);
    EvidenceEntry again = Collect(
            "CASE-1", "action", "{\"other\":1}", "2026-11-28T11:05:00Z", "run/r1/step/stop");
    EXPECT_EQ(again.seq, 1u);
    EXPECT_EQ(vault_->entry_count(), 1u);
    EvidenceEntry next = Collect("CASE-1", "note", "n", "2026-11-28T11:06:00Z");
    EXPECT_EQ(next.seq, 2u);
    EXPECT_EQ(next.previous_entry_sha256, Sha256Hex(vault_->Entries()[0]->json));
    SealedDigest second = Seal("2026-11-28T11:00:00Z");  // same second: waits for the next
    EXPECT_EQ(second.digest.digest_end_time, "2026-11-28T11:00:01Z");
    EXPECT_EQ(slept_, std::chrono::seconds(1));
    EXPECT_EQ(second.entries, 1u);
    EXPECT_TRUE(second.digest.previous_digest_s3_object.has_value());
    EXPECT_TRUE(Verify().ok()) << Dump(Verify());
}

TEST_F(VaultTest, WriteOnceAndRetention) {
    Populate();
    const EvidenceEntry* entry = vault_->Entries()[0];
    LocalVaultBackend backend(root_ / "vault", std::string(kBucket));
    PutRequest same;
    same.key = entry->entry_key;
    same.bytes = entry->json;
    Result<PutResult> retried = backend.PutOnce(same);
    ASSERT_TRUE(retried.has_value());
    EXPECT_FALSE(retried->created);
    PutRequest other = same;
    std::string forged = entry->json + " ";
    other.bytes = forged;
    Result<PutResult> overwritten = backend.PutOnce(other);
    ASSERT_FALSE(overwritten.has_value());
    EXPECT_EQ(overwritten.error().code(), StatusCode::kAlreadyExists);
    EXPECT_NE(overwritten.error().message().find("written once"), std::string::npos);

    Status early = backend.Delete(entry->object_key, At("2026-12-01T00:00:00Z"));
    EXPECT_EQ(early.code(), StatusCode::kPermissionDenied);
    EXPECT_NE(early.message().find("COMPLIANCE until 2026-12-28T10:01:00Z"), std::string::npos)
            << early.message();
    EXPECT_TRUE(fs::exists(Path(entry->object_key)));
    EXPECT_TRUE(backend.Delete(entry->object_key, At("2026-12-28T10:01:01Z")).ok());
    EXPECT_FALSE(fs::exists(Path(entry->object_key)));
    EXPECT_EQ(backend.Delete(entry->object_key, At("2027-01-01T00:00:00Z")).code(),
              StatusCode::kNotFound);

    // Objects are stored read-only.
    struct stat st {};

    ASSERT_EQ(::stat(Path(vault_->Entries()[1]->object_key).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0444u);
}

TEST_F(VaultTest, RejectsBadInput) {
    EvidenceInput input;
    input.case_id = "CASE 1";
    input.kind = "note";
    input.source = "cli";
    input.collected_by = "alice";
    Result<EvidenceEntry> bad_case = vault_->Add(input, "x", At("2026-11-28T10:00:00Z"));
    ASSERT_FALSE(bad_case.has_value());
    EXPECT_NE(bad_case.error().message().find("case id \"CASE 1\""), std::string::npos);
    input.case_id = "CASE-1";
    input.kind = "photo";
    Result<EvidenceEntry> bad_kind = vault_->Add(input, "x", At("2026-11-28T10:00:00Z"));
    ASSERT_FALSE(bad_kind.has_value());
    EXPECT_NE(bad_kind.error().message().find("expected one of log-file"), std::string::npos);
    input.kind = "log-file";
    std::string broken_gzip = GzipCompress("{\"Records\":[]}").value();
    broken_gzip.resize(broken_gzip.size() - 6);
    Result<EvidenceEntry> bad_gzip = vault_->Add(input, broken_gzip, At("2026-11-28T10:00:00Z"));
    ASSERT_FALSE(bad_gzip.has_value());
    EXPECT_NE(bad_gzip.error().message().find("do not inflate"), std::string::npos);
    EXPECT_EQ(vault_->entry_count(), 0u);
}

TEST_F(VaultTest, TamperedObjectByteIsAHashMismatch) {
    Populate();
    const EvidenceEntry* entry = vault_->Entries("CASE-2")[0];
    std::string bytes = ReadRaw(Path(entry->object_key));
    bytes[3] ^= 1;
    WriteRaw(Path(entry->object_key), bytes);
    VaultVerifyReport report = Verify();
    EXPECT_FALSE(report.ok());
    const VerifyItem* item = Find(report, entry->object_key);
    ASSERT_NE(item, nullptr) << Dump(report);
    EXPECT_EQ(item->status, ItemStatus::kHashMismatch);
    EXPECT_EQ(report.problems(), 1u) << Dump(report);
    EXPECT_NE(RenderVerifyText(report, false).find("INVALID: hash mismatch"), std::string::npos);
    // The vault refuses to hand it out as evidence too.
    EXPECT_EQ(vault_->ReadObject(*entry).error().code(), StatusCode::kDataLoss);
}

TEST_F(VaultTest, DeletedObjectAndEntryAreMissing) {
    Populate();
    const EvidenceEntry* note = vault_->Entries("CASE-2")[0];
    fs::remove(Path(note->object_key));
    fs::remove(Path(vault_->Entries()[0]->entry_key));
    VaultVerifyReport report = Verify();
    EXPECT_FALSE(report.ok());
    ASSERT_NE(Find(report, note->object_key), nullptr);
    EXPECT_EQ(Find(report, note->object_key)->status, ItemStatus::kMissing);
    const VerifyItem* entry = Find(report, vault_->Entries()[0]->entry_key);
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->status, ItemStatus::kMissing);
    EXPECT_EQ(report.problems(), 2u) << Dump(report);
}

TEST_F(VaultTest, ReorderedDigestsAreCaught) {
    Populate();
    // Swap the first two digests (files and signatures).
    std::string a = ReadRaw(Path(first_.key));
    std::string a_sig = ReadRaw(Path(first_.key + ".sig"));
    WriteRaw(Path(first_.key), ReadRaw(Path(second_.key)));
    WriteRaw(Path(first_.key + ".sig"), ReadRaw(Path(second_.key + ".sig")));
    WriteRaw(Path(second_.key), a);
    WriteRaw(Path(second_.key + ".sig"), a_sig);
    VaultVerifyReport report = Verify();
    EXPECT_FALSE(report.ok());
    ASSERT_NE(Find(report, second_.key), nullptr) << Dump(report);
    EXPECT_EQ(Find(report, second_.key)->status, ItemStatus::kMoved) << Dump(report);
    EXPECT_EQ(Find(report, third_.key)->status, ItemStatus::kValid);
}

TEST_F(VaultTest, ForgedSignatureIsCaught) {
    Populate();
    // Rewrite the middle digest without the CASE-2 note, signed by an attacker's key but naming
    // the vault key's fingerprint.
    std::string json = GzipDecompress(ReadRaw(Path(second_.key))).value();
    DigestFile digest = ParseDigest(json).value();
    digest.log_files.erase(digest.log_files.begin(), digest.log_files.begin() + 2);
    std::string forged = SerializeDigest(digest);
    PrivateKey attacker = PrivateKey::Generate(2048).value();
    std::string signature = SignSha256Rsa(attacker, DataToSign(digest, Sha256Hex(forged))).value();
    WriteRaw(Path(second_.key), GzipCompress(forged).value());
    WriteRaw(Path(second_.key + ".sig"),
             "{\"signature\":\"" + signature + "\",\"signature-algorithm\":\"SHA256withRSA\"}");
    VaultVerifyReport report = Verify();
    EXPECT_FALSE(report.ok());
    ASSERT_NE(Find(report, second_.key), nullptr);
    EXPECT_EQ(Find(report, second_.key)->status, ItemStatus::kSignatureInvalid) << Dump(report);
}

TEST_F(VaultTest, DigestSlippedInBesideTheChainIsNotInChain) {
    Populate();
    // A validly signed but unchained digest (as if made with a stolen key) dated between two
    // real ones.
    DigestFile digest;
    digest.aws_account_id = "111122223333";
    digest.digest_start_time = "2026-11-28T11:00:00Z";
    digest.digest_end_time = "2026-11-28T11:30:00Z";
    digest.digest_s3_bucket = std::string(kBucket);
    digest.digest_s3_object = DigestObjectKey("",
                                              "111122223333",
                                              "eu-west-1",
                                              "case-vault",
                                              "eu-west-1",
                                              digest.digest_end_time)
                                      .value();
    digest.newest_event_time = digest.digest_end_time;
    SignedDigest signed_digest = SignDigest(digest, std::nullopt, keys_->Current().value()).value();
    LocalVaultBackend backend(root_ / "vault", std::string(kBucket));
    PutRequest put;
    put.key = digest.digest_s3_object;
    put.bytes = signed_digest.gzip;
    put.metadata["signature"] = signed_digest.signature_hex;
    put.metadata["signature-algorithm"] = "SHA256withRSA";
    ASSERT_TRUE(backend.PutOnce(put).has_value());
    VaultVerifyReport report = Verify();
    EXPECT_FALSE(report.ok());
    ASSERT_NE(Find(report, digest.digest_s3_object), nullptr) << Dump(report);
    EXPECT_EQ(Find(report, digest.digest_s3_object)->status, ItemStatus::kNotInChain);
    EXPECT_EQ(report.problems(), 1u) << Dump(report);
}

TEST_F(VaultTest, UncoveredAndEditedEntriesAreNamed) {
    Populate();
    EvidenceEntry late = Collect("CASE-3", "note", "late", "2026-11-28T13:10:00Z");
    VaultVerifyReport report = Verify();
    EXPECT_FALSE(report.ok());
    ASSERT_NE(Find(report, late.entry_key), nullptr);
    EXPECT_EQ(Find(report, late.entry_key)->status, ItemStatus::kNotCovered);
    EXPECT_EQ(Find(report, late.object_key)->status, ItemStatus::kNotCovered);
    EXPECT_NE(Find(report, late.object_key)->detail.find("its bytes match its name"),
              std::string::npos);
    // An uncovered entry rewritten: the manifest's own hash chain names it.
    std::string json = late.json;
    json.replace(json.find("\"previous_entry_sha256\":\"") + 25, 4, "0000");
    WriteRaw(Path(late.entry_key), json);
    report = Verify();
    EXPECT_EQ(Find(report, late.entry_key)->status, ItemStatus::kChainBroken) << Dump(report);
    // This writer still holds the entry as it wrote it, so its next digest lists the original
    // hash and the edit shows as a hash mismatch.
    Seal("2026-11-28T14:00:00Z");
    report = Verify();
    EXPECT_EQ(Find(report, late.entry_key)->status, ItemStatus::kHashMismatch) << Dump(report);
}

TEST_F(VaultTest, RotatedKeysVerifyWithinTheirWindows) {
    Collect("CASE-1", "note", "one", "2026-11-28T10:01:00Z");
    Seal("2026-11-28T11:00:00Z");
    Result<PrivateKey> old_key = keys_->Current();
    ASSERT_TRUE(keys_->Rotate(At("2026-11-28T11:30:00Z"), 2048).has_value());
    EXPECT_EQ(keys_->keys().size(), 2u);
    EXPECT_EQ(keys_->keys()[0].valid_until, "2026-11-28T11:30:00Z");
    Collect("CASE-1", "note", "two", "2026-11-28T11:40:00Z");
    SealedDigest second = Seal("2026-11-28T12:00:00Z");
    EXPECT_NE(second.digest.digest_public_key_fingerprint, keys_->keys()[0].fingerprint);
    EXPECT_TRUE(Verify().ok()) << Dump(Verify());
    // The retired key signs a digest after its window closed (a stolen old key).
    Collect("CASE-1", "note", "three", "2026-11-28T12:10:00Z");
    Result<std::optional<SealedDigest>> late =
            vault_->Seal(*old_key, At("2026-11-28T13:00:00Z"), true);
    ASSERT_TRUE(late.has_value());
    VaultVerifyReport report = Verify();
    EXPECT_FALSE(report.ok());
    const VerifyItem* item = Find(report, (*late)->key);
    ASSERT_NE(item, nullptr);
    EXPECT_EQ(item->status, ItemStatus::kSignatureInvalid);
    EXPECT_NE(item->detail.find("outside its validity period"), std::string::npos) << item->detail;
    // A crash between keys.json and public-keys.json: opening the store publishes again.
    fs::remove(root_ / "keys" / "public-keys.json");
    KeyStore reopened = KeyStore::Open((root_ / "keys").string()).value();
    EXPECT_EQ(ReadRaw(root_ / "keys" / "public-keys.json"), reopened.PublishedJson().value());
    // The published document carries both windows.
    std::vector<PublishedKey> published =
            ParsePublishedKeys(keys_->PublishedJson().value()).value();
    ASSERT_EQ(published.size(), 2u);
    EXPECT_EQ(published[0].valid_until, At("2026-11-28T11:30:00Z"));
    EXPECT_FALSE(published[1].valid_until.has_value());
}

TEST_F(VaultTest, ObjectWithoutAnEntryIsListedNotAProblem) {
    Populate();
    // As left by a process killed between writing an object and its manifest entry.
    LocalVaultBackend backend(root_ / "vault", std::string(kBucket));
    std::string bytes = "{\"interrupted\":true}";
    PutRequest put;
    put.key = ObjectKey("", Sha256Hex(bytes));
    put.bytes = bytes;
    ASSERT_TRUE(backend.PutOnce(put).has_value());
    VaultVerifyReport report = Verify();
    EXPECT_TRUE(report.ok()) << Dump(report);
    EXPECT_EQ(report.unreferenced, 1u);
    ASSERT_NE(Find(report, put.key), nullptr);
    EXPECT_EQ(Find(report, put.key)->status, ItemStatus::kUnreferenced);
}

TEST_F(VaultTest, EmptyVaultIsOkAndJsonIsMachineReadable) {
    VaultVerifyReport empty = Verify();
    EXPECT_TRUE(empty.ok());
    Collect("CASE-1", "note", "x", "2026-11-28T10:01:00Z");
    VaultVerifyReport uncovered = Verify();
    EXPECT_FALSE(uncovered.ok());
    std::string json = RenderVerifyJson(uncovered);
    EXPECT_NE(json.find("\"ok\":false"), std::string::npos);
    EXPECT_NE(json.find("\"status\":\"not covered\""), std::string::npos);
    EXPECT_NE(RenderVerifyText(uncovered, false).find("no valid digest"), std::string::npos);
}

class BundleTest : public VaultTest {
protected:
    ExportResult Export() {
        ExportOptions options;
        options.case_id = "CASE-1";
        options.out_dir = (root_ / "bundle").string();
        options.exported_by = "alice@example.com";
        options.published_keys_json = keys_->PublishedJson().value();
        Result<ExportResult> result =
                ExportCase(*vault_, keys_->Current().value(), options, At("2026-11-28T14:00:00Z"));
        EXPECT_TRUE(result.has_value()) << result.error().message();
        return result.has_value() ? std::move(*result) : ExportResult{};
    }

    BundleVerifyReport VerifyExported() {
        Result<BundleVerifyReport> report = VerifyBundle((root_ / "bundle").string(), {});
        EXPECT_TRUE(report.has_value()) << report.error().message();
        return report.has_value() ? std::move(*report) : BundleVerifyReport{};
    }

    fs::path BundlePath(std::string_view key) const { return root_ / "bundle" / std::string(key); }
};

TEST_F(BundleTest, ExportedCaseVerifiesOnItsOwn) {
    Populate();
    ExportResult result = Export();
    EXPECT_EQ(result.entries, 4u);
    EXPECT_EQ(result.objects, 4u);
    EXPECT_EQ(result.digests, 3u);
    EXPECT_EQ(result.omitted, 2u);  // CASE-2's entry and object
    EXPECT_TRUE(result.source_report.ok());
    EXPECT_TRUE(result.bundle_report.ok()) << RenderVerifyText(result.bundle_report, true);
    // The folder alone: the vault's own folder can go away.
    fs::remove_all(root_ / "vault");
    BundleVerifyReport report = VerifyExported();
    EXPECT_TRUE(report.ok()) << RenderBundleText(report, true);
    EXPECT_EQ(report.vault.omitted, 2u);
    EXPECT_EQ(report.vault.entries_valid, 4u);
    EXPECT_EQ(report.info.exported_by, "alice@example.com");
    std::string custody = ReadRaw(root_ / "bundle" / "custody-report.md");
    EXPECT_NE(custody.find("# Chain of custody: case CASE-1"), std::string::npos);
    EXPECT_NE(custody.find("| 5 | snapshot | item.json | 2026-11-28T12:30:00Z | playbook-run:r-1"),
              std::string::npos)
            << custody;
    EXPECT_NE(custody.find(keys_->keys()[0].fingerprint), std::string::npos);
    EXPECT_EQ(custody.find("suspicious login"), std::string::npos);  // nothing of CASE-2
}

TEST_F(BundleTest, ExportRefusesUncoveredEvidence) {
    Populate();
    Collect("CASE-1", "note", "late", "2026-11-28T13:30:00Z");
    ExportOptions options;
    options.case_id = "CASE-1";
    options.out_dir = (root_ / "bundle").string();
    options.published_keys_json = keys_->PublishedJson().value();
    Result<ExportResult> result =
            ExportCase(*vault_, keys_->Current().value(), options, At("2026-11-28T14:00:00Z"));
    ASSERT_FALSE(result.has_value());
    EXPECT_NE(result.error().message().find("not covered by a digest"), std::string::npos);
    options.case_id = "CASE-9";
    EXPECT_EQ(ExportCase(*vault_, keys_->Current().value(), options, At("2026-11-28T14:00:00Z"))
                      .error()
                      .code(),
              StatusCode::kNotFound);
}

TEST_F(BundleTest, DroppingAnItemAsOmittedIsCaught) {
    Populate();
    Export();
    const EvidenceEntry* snapshot = vault_->Entries("CASE-1")[3];
    // Remove the snapshot entry and list it as "omitted": bundle.json no longer verifies.
    fs::remove(BundlePath(snapshot->entry_key));
    std::string statement = ReadRaw(root_ / "bundle" / "bundle.json");
    size_t omitted = statement.find("\"omitted\":[");
    statement.insert(omitted + 11, "\n" + JsonQuote(snapshot->entry_key) + ",");
    WriteRaw(root_ / "bundle" / "bundle.json", statement);
    BundleVerifyReport report = VerifyExported();
    EXPECT_FALSE(report.ok());
    EXPECT_NE(report.statement_problem.find("signature does not verify"), std::string::npos)
            << report.statement_problem;
}

TEST_F(BundleTest, DroppedDigestIsCaught) {
    Populate();
    Export();
    fs::remove(BundlePath(third_.key));
    fs::remove(BundlePath(third_.key + ".sig"));
    BundleVerifyReport report = VerifyExported();
    EXPECT_FALSE(report.ok()) << RenderBundleText(report, true);
    EXPECT_GE(report.missing_included, 1u);
}

TEST_F(BundleTest, TamperedBundleItemsAreNamed) {
    Populate();
    Export();
    const EvidenceEntry* finding = vault_->Entries("CASE-1")[0];
    WriteRaw(BundlePath(finding->object_key), "{\"finding\":2}");
    std::string custody = ReadRaw(root_ / "bundle" / "custody-report.md");
    WriteRaw(root_ / "bundle" / "custody-report.md", custody + "\nCollected by: nobody\n");
    BundleVerifyReport report = VerifyExported();
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(report.statement_problem, "custody-report.md is missing or was edited");
    EXPECT_EQ(report.missing_included, 1u);
    const VerifyItem* item = Find(report.vault, finding->object_key);
    ASSERT_NE(item, nullptr);
    EXPECT_EQ(item->status, ItemStatus::kHashMismatch);
    // Someone else's keys: nothing verifies.
    KeyStore other = KeyStore::Open((root_ / "other-keys").string()).value();
    ASSERT_TRUE(other.Rotate(At("2026-11-28T09:00:00Z")).has_value());
    Result<BundleVerifyReport> foreign = VerifyBundle(
            (root_ / "bundle").string(), ParsePublishedKeys(other.PublishedJson().value()).value());
    ASSERT_TRUE(foreign.has_value());
    EXPECT_NE(foreign->statement_problem.find("unknown key"), std::string::npos);
    EXPECT_EQ(foreign->vault.digests_valid, 0u);
}

}  // namespace
}  // namespace firebreak::evidence
