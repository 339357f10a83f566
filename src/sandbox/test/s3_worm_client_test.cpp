// File: s3_worm_client_test.cpp
//
// firebreak's own S3 client (src/aws s3.h: the write-once operations the evidence vault uses)
// against the sandbox started in-process on 127.0.0.1: CreateBucket with Object Lock and a
// default retention, conditional PutObject, HeadObject, DeleteObject (delete markers, locked
// versions, the governance bypass), object retention and ListObjectVersions. Each test checks the
// typed answer, the world afterwards (Sandbox::Inspect) and, for the refusals, the CloudTrail
// record on the live stream. The world is written here: alice is an administrator, carol may do
// anything in S3 but s3:BypassGovernanceRetention; a trail logs S3 data events. Secrets are fake.
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "firebreak/aws/client.h"
#include "firebreak/aws/config.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/aws/s3.h"
#include "firebreak/core/diagnostics.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/sandbox/server.h"
#include "firebreak/sandbox/world.h"

namespace firebreak::sandbox {
namespace {

namespace fs = std::filesystem;
namespace s3 = aws::s3;
using std::chrono::milliseconds;

constexpr char kAliceId[] = "AKIAEXAMPLEALICE0001";
constexpr char kAliceSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEALIC";
constexpr char kCarolId[] = "AKIAEXAMPLECAROL0001";
constexpr char kCarolSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLECARO";
constexpr char kCarolArn[] = "arn:aws:iam::111111111111:user/carol";
constexpr char kLocked[] = "Access Denied because object protected by object lock.";
constexpr char kVault[] = "worm-vault";

constexpr char kWorld[] = R"(
version: 1
name: s3-worm-client
seed: 7
accounts:
  - id: "111111111111"
    iam:
      users:
        - name: alice
          access_keys: [{id: AKIAEXAMPLEALICE0001, secret: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEALIC}]
          attached_policies: [AdministratorAccess]
        - name: carol
          access_keys: [{id: AKIAEXAMPLECAROL0001, secret: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLECARO}]
          inline_policies:
            s3-without-bypass: |
              {"Version": "2012-10-17",
               "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                             {"Effect": "Deny", "Action": "s3:BypassGovernanceRetention",
                              "Resource": "*"}]}
    regions:
      us-east-1:
        trails:
          - name: all-events
            bucket: trail-logs
            event_selectors:
              - read_write: All
                management_events: true
                data_resources: [{type: "AWS::S3::Object", values: ["arn:aws:s3"]}]
    buckets:
      - name: trail-logs
      - name: worm-vault
        object_lock: true
)";

// 2099-01-01T00:00:00Z and 2100-01-01T00:00:00Z
const s3::TimePoint kFar{std::chrono::seconds(4070908800)};
const s3::TimePoint kFarther{std::chrono::seconds(4102444800)};

class S3WormClientTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "fb-s3-worm-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        Diagnostics diags;
        World world = LoadWorldYaml(kWorld, "s3-worm-client.yaml", &diags);
        for (const Diagnostic& d : diags.items())
            ADD_FAILURE() << d.ToString();
        SandboxOptions options;
        options.state_path = (dir_ / "world.json").string();
        options.trail_dir = (dir_ / "cloudtrail").string();
        options.trail_max_age = milliseconds(50);
        options.threads = 2;
        auto started = Sandbox::Start(std::move(options), std::move(world));
        ASSERT_TRUE(started.has_value()) << started.error().ToString();
        sandbox_ = std::move(started).value();
        events_ = sandbox_->Subscribe(10000);
        auto endpoint = aws::ParseEndpointUrl(sandbox_->endpoint_url());
        ASSERT_TRUE(endpoint.has_value()) << endpoint.error().ToString();
        endpoint_ = *endpoint;
        transport_ = aws::MakeCurlTransport({});
    }

    void TearDown() override {
        events_.reset();
        transport_.reset();  // closes keep-alive connections before the server stops
        if (sandbox_)
            sandbox_->Stop();
        sandbox_.reset();
        std::error_code ignored;
        if (!dir_.empty())
            fs::remove_all(dir_, ignored);
    }

    aws::AwsClient Client(const char* id, const char* secret) const {
        aws::Credentials credentials;
        credentials.access_key_id = id;
        credentials.secret_access_key = secret;
        aws::ResolvedConfig config;
        config.region = "us-east-1";
        config.region_source = "test";
        for (std::optional<aws::Endpoint>& endpoint : config.endpoints)
            endpoint = endpoint_;
        aws::AwsClient client(
                std::move(config), aws::MakeStaticProvider(credentials, "test keys"), transport_);
        client.SetSleepForTesting([](milliseconds) {});
        return client;
    }

    aws::AwsClient Alice() const { return Client(kAliceId, kAliceSecret); }

    aws::AwsClient Carol() const { return Client(kCarolId, kCarolSecret); }

    Bucket GetBucket(const std::string& name) const {
        Bucket out;
        sandbox_->Inspect([&](const World& world) {
            auto it = world.buckets.find(name);
            if (it != world.buckets.end())
                out = it->second;
        });
        return out;
    }

    // The record of the next `event_name` call on the live CloudTrail stream (others skipped).
    event::JsonValue NextRecord(std::string_view event_name) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (std::chrono::steady_clock::now() < deadline) {
            std::optional<std::string> text = events_->Next(milliseconds(200));
            if (!text)
                continue;
            auto parsed = event::ParseJson(*text);
            if (!parsed)
                continue;
            const event::JsonValue* detail = parsed->Find("detail");
            const event::JsonValue* name = detail ? detail->Find("eventName") : nullptr;
            if (name != nullptr && name->text == event_name)
                return *detail;
        }
        ADD_FAILURE() << "no " << event_name << " record on the stream";
        return {};
    }

    static std::string Text(const event::JsonValue& record, std::string_view key) {
        const event::JsonValue* value = record.is_object() ? record.Find(key) : nullptr;
        return value != nullptr ? value->text : "";
    }

    // Alice writes `key` to the vault under `mode` until 2099.
    std::string PutLocked(const std::string& key, s3::ObjectLockMode mode) {
        s3::PutObjectRequest put;
        put.bucket = kVault;
        put.key = key;
        put.body = "evidence " + key;
        put.object_lock_mode = mode;
        put.object_lock_retain_until = kFar;
        auto out = s3::PutObject(Alice(), put);
        EXPECT_TRUE(out.has_value()) << out.error().ToString();
        return out ? out->version_id : "";
    }

    fs::path dir_;
    std::unique_ptr<Sandbox> sandbox_;
    std::shared_ptr<Subscription> events_;
    aws::Endpoint endpoint_;
    std::shared_ptr<aws::HttpTransport> transport_;
};

TEST_F(S3WormClientTest, CreateBucketWithObjectLockAndWriteOnce) {
    aws::AwsClient alice = Alice();
    auto created = s3::CreateBucket(alice, {"case-vault", "", true});
    ASSERT_TRUE(created.has_value()) << created.error().ToString();
    EXPECT_EQ(created->location, "/case-vault");
    Bucket bucket = GetBucket("case-vault");
    EXPECT_TRUE(bucket.object_lock_enabled);
    EXPECT_EQ(bucket.versioning, Versioning::kEnabled);
    EXPECT_EQ(bucket.region, "us-east-1");
    EXPECT_EQ(bucket.owner_account, "111111111111");
    event::JsonValue record = NextRecord("CreateBucket");
    EXPECT_EQ(Text(record, "eventCategory"), "Management");

    auto again = s3::CreateBucket(alice, {"case-vault", "", true});
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, "BucketAlreadyOwnedByYou");
    EXPECT_EQ(again.error().http_status, 409);

    s3::PutObjectLockConfigurationRequest lock;
    lock.bucket = "case-vault";
    lock.default_mode = s3::ObjectLockMode::kGovernance;
    lock.days = 1;
    auto configured = s3::PutObjectLockConfiguration(alice, lock);
    ASSERT_TRUE(configured.has_value()) << configured.error().ToString();
    auto config = s3::GetObjectLockConfiguration(alice, {"case-vault"});
    ASSERT_TRUE(config.has_value()) << config.error().ToString();
    EXPECT_TRUE(config->object_lock_enabled);
    EXPECT_EQ(config->default_mode, s3::ObjectLockMode::kGovernance);
    EXPECT_EQ(config->days, 1);
    ASSERT_TRUE(GetBucket("case-vault").default_retention.has_value());
    EXPECT_EQ(GetBucket("case-vault").default_retention->days, 1);

    s3::PutObjectRequest put;
    put.bucket = "case-vault";
    put.key = "objects/ab/abcdef";
    put.body = "captured";
    put.if_none_match = true;
    auto first = s3::PutObject(alice, put);
    ASSERT_TRUE(first.has_value()) << first.error().ToString();
    put.body = "replaced";
    auto second = s3::PutObject(alice, put);
    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().code, "PreconditionFailed");
    EXPECT_EQ(second.error().http_status, 412);

    auto head = s3::HeadObject(alice, {"case-vault", "objects/ab/abcdef", ""});
    ASSERT_TRUE(head.has_value()) << head.error().ToString();
    EXPECT_EQ(head->content_length, 8);
    EXPECT_EQ(head->version_id, first->version_id);
    EXPECT_EQ(head->object_lock_mode, s3::ObjectLockMode::kGovernance);  // the default retention
    ASSERT_TRUE(head->object_lock_retain_until.has_value());
    EXPECT_GT(*head->object_lock_retain_until, std::chrono::system_clock::now());
    Bucket vault = GetBucket("case-vault");
    const ObjectVersion* stored = vault.Latest("objects/ab/abcdef");
    ASSERT_NE(stored, nullptr);
    EXPECT_EQ(stored->data, "captured");

    auto missing = s3::HeadObject(alice, {"case-vault", "objects/none", ""});
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, "NotFound");
    EXPECT_EQ(missing.error().http_status, 404);
}

TEST_F(S3WormClientTest, DeleteAddsAMarkerAndLockedVersionsStay) {
    aws::AwsClient alice = Alice();
    std::string version = PutLocked("case-1/disk.img", s3::ObjectLockMode::kCompliance);
    auto marked = s3::DeleteObject(alice, {kVault, "case-1/disk.img", "", false});
    ASSERT_TRUE(marked.has_value()) << marked.error().ToString();
    EXPECT_TRUE(marked->delete_marker);
    EXPECT_NE(marked->version_id, version);

    auto current = s3::HeadObject(alice, {kVault, "case-1/disk.img", ""});
    ASSERT_FALSE(current.has_value());
    EXPECT_EQ(current.error().code, "NotFound");
    auto of_marker = s3::HeadObject(alice, {kVault, "case-1/disk.img", marked->version_id});
    ASSERT_FALSE(of_marker.has_value());
    EXPECT_EQ(of_marker.error().code, "MethodNotAllowed");
    EXPECT_EQ(of_marker.error().http_status, 405);

    auto refused = s3::DeleteObject(alice, {kVault, "case-1/disk.img", version, true});
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, "AccessDenied");
    EXPECT_EQ(refused.error().message, kLocked);
    event::JsonValue record = NextRecord("DeleteObject");  // the marker
    EXPECT_EQ(Text(record, "eventCategory"), "Data");
    record = NextRecord("DeleteObject");  // the refusal
    EXPECT_EQ(Text(record, "errorCode"), "AccessDenied");
    EXPECT_EQ(Text(record, "errorMessage"), kLocked);

    auto listed = s3::ListObjectVersions(alice, {kVault, "case-1/", "", "", std::nullopt});
    ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
    ASSERT_EQ(listed->entries.size(), 2u);
    EXPECT_TRUE(listed->entries[0].delete_marker);
    EXPECT_TRUE(listed->entries[0].is_latest);
    EXPECT_EQ(listed->entries[0].version_id, marked->version_id);
    EXPECT_FALSE(listed->entries[1].delete_marker);
    EXPECT_EQ(listed->entries[1].version_id, version);
    EXPECT_EQ(listed->entries[1].size,
              static_cast<int64_t>(std::string("evidence case-1/disk.img").size()));

    auto unmarked = s3::DeleteObject(alice, {kVault, "case-1/disk.img", marked->version_id, false});
    ASSERT_TRUE(unmarked.has_value()) << unmarked.error().ToString();
    EXPECT_TRUE(unmarked->delete_marker);
    auto back = s3::GetObject(alice, {kVault, "case-1/disk.img", ""});
    ASSERT_TRUE(back.has_value()) << back.error().ToString();
    EXPECT_EQ(back->version_id, version);

    // What the sandbox persists round-trips, delete markers included.
    std::string saved;
    sandbox_->Inspect([&](const World& world) { saved = SerializeWorld(world); });
    Result<World> reloaded = ParseWorldJson(saved);
    ASSERT_TRUE(reloaded.has_value()) << reloaded.error().ToString();
    EXPECT_EQ(SerializeWorld(*reloaded), saved);
}

TEST_F(S3WormClientTest, GovernanceNeedsTheBypassAndThePermission) {
    std::string version = PutLocked("case-2/mem.lime", s3::ObjectLockMode::kGovernance);
    auto plain = s3::DeleteObject(Alice(), {kVault, "case-2/mem.lime", version, false});
    ASSERT_FALSE(plain.has_value());
    EXPECT_EQ(plain.error().message, kLocked);
    auto carol = s3::DeleteObject(Carol(), {kVault, "case-2/mem.lime", version, true});
    ASSERT_FALSE(carol.has_value());
    EXPECT_EQ(carol.error().code, "AccessDenied");
    EXPECT_NE(carol.error().message.find("s3:BypassGovernanceRetention"), std::string::npos);
    NextRecord("DeleteObject");
    event::JsonValue record = NextRecord("DeleteObject");
    const event::JsonValue* identity = record.is_object() ? record.Find("userIdentity") : nullptr;
    ASSERT_NE(identity, nullptr);
    EXPECT_EQ(Text(*identity, "arn"), kCarolArn);
    EXPECT_EQ(Text(record, "errorCode"), "AccessDenied");
    EXPECT_EQ(GetBucket(kVault).objects.at("case-2/mem.lime").size(), 1u);

    auto removed = s3::DeleteObject(Alice(), {kVault, "case-2/mem.lime", version, true});
    ASSERT_TRUE(removed.has_value()) << removed.error().ToString();
    EXPECT_EQ(removed->version_id, version);
    EXPECT_FALSE(removed->delete_marker);
    EXPECT_EQ(GetBucket(kVault).objects.count("case-2/mem.lime"), 0u);
}

TEST_F(S3WormClientTest, RetentionExtendsFreelyAndShortensOnlyWithTheBypass) {
    std::string version = PutLocked("case-3/ret.bin", s3::ObjectLockMode::kGovernance);
    s3::PutObjectRetentionRequest extend;
    extend.bucket = kVault;
    extend.key = "case-3/ret.bin";
    extend.version_id = version;
    extend.mode = s3::ObjectLockMode::kGovernance;
    extend.retain_until = kFarther;
    auto extended = s3::PutObjectRetention(Carol(), extend);
    ASSERT_TRUE(extended.has_value()) << extended.error().ToString();
    auto got = s3::GetObjectRetention(Carol(), {kVault, "case-3/ret.bin", version});
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    EXPECT_EQ(got->mode, s3::ObjectLockMode::kGovernance);
    EXPECT_EQ(got->retain_until, kFarther);

    s3::PutObjectRetentionRequest shorten = extend;
    shorten.retain_until = kFar;
    auto refused = s3::PutObjectRetention(Alice(), shorten);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().message, kLocked);
    shorten.bypass_governance_retention = true;
    auto carol = s3::PutObjectRetention(Carol(), shorten);
    ASSERT_FALSE(carol.has_value());
    EXPECT_EQ(carol.error().code, "AccessDenied");
    auto alice = s3::PutObjectRetention(Alice(), shorten);
    ASSERT_TRUE(alice.has_value()) << alice.error().ToString();

    s3::PutObjectRetentionRequest seal = shorten;
    seal.mode = s3::ObjectLockMode::kCompliance;
    ASSERT_TRUE(s3::PutObjectRetention(Alice(), seal).has_value());
    s3::PutObjectRetentionRequest weaken = seal;
    weaken.mode = s3::ObjectLockMode::kGovernance;
    weaken.retain_until = kFarther;
    auto weakened = s3::PutObjectRetention(Alice(), weaken);
    ASSERT_FALSE(weakened.has_value());
    EXPECT_EQ(weakened.error().message, kLocked);
    Bucket vault = GetBucket(kVault);
    const ObjectVersion* stored = vault.Latest("case-3/ret.bin");
    ASSERT_NE(stored, nullptr);
    EXPECT_EQ(stored->lock_mode, ObjectLockMode::kCompliance);
    EXPECT_EQ(stored->retain_until, Timestamp(std::chrono::milliseconds(4070908800000LL)));

    auto none = s3::GetObjectRetention(Alice(), {kVault, "case-3/none", ""});
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code, "NoSuchKey");
}

}  // namespace
}  // namespace firebreak::sandbox
