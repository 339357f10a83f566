// File: sandbox_client_test.cpp
//
// firebreak's own AWS client (aws::AwsClient over libcurl, our SigV4 signer, the typed operations
// of src/aws) against the sandbox cloud started in-process on 127.0.0.1: every typed operation is
// called as the responder would call it, and each test checks three things: the typed answer,
// the world's state afterwards (Sandbox::Inspect), and the CloudTrail record delivered on the live
// EventBridge stream (eventName, eventSource, readOnly, userIdentity.arn, errorCode). Also covered:
// IAM denials (recorded with their errorCode), authentication failures (not recorded), and the
// central-security pattern (RoleSessionCache assuming FirebreakResponder in a member account).
// S3 object calls, listings and SNS Publish are data events: they are checked on the stream with a
// trail given data-event selectors, and checked absent with the world's management-only trail.
//
// Worlds: examples/worlds/single-account.yaml (alice is an administrator, bob is read-only) and
// examples/worlds/central-security.yaml; their fake access keys are repeated below.
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "firebreak/aws/autoscaling.h"
#include "firebreak/aws/client.h"
#include "firebreak/aws/cloudtrail.h"
#include "firebreak/aws/config.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/aws/ec2.h"
#include "firebreak/aws/elb.h"
#include "firebreak/aws/http.h"
#include "firebreak/aws/iam.h"
#include "firebreak/aws/s3.h"
#include "firebreak/aws/sns.h"
#include "firebreak/aws/ssm.h"
#include "firebreak/aws/sts.h"
#include "firebreak/core/diagnostics.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/sandbox/server.h"
#include "firebreak/sandbox/trail.h"
#include "firebreak/sandbox/world.h"

namespace firebreak::sandbox {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Keys {
    const char* id;
    const char* secret;
};

// examples/worlds/single-account.yaml
constexpr char kProd[] = "111111111111";
constexpr Keys kAlice{"AKIAEXAMPLEALICE0001", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEALIC"};
constexpr Keys kBob{"AKIAEXAMPLEBOB000001", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEBOB1"};
constexpr Keys kBobInactive{"AKIAEXAMPLEBOB000002", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEBOB2"};
constexpr char kAliceArn[] = "arn:aws:iam::111111111111:user/alice";
constexpr char kBobArn[] = "arn:aws:iam::111111111111:user/bob";

// examples/worlds/central-security.yaml
constexpr char kSecurity[] = "999999999999";
constexpr Keys kResponder{"AKIAEXAMPLERESPOND01", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLERESP"};
constexpr char kResponderArn[] = "arn:aws:iam::999999999999:user/security/responder";
constexpr char kResponderRole[] = "arn:aws:iam::111111111111:role/FirebreakResponder";
constexpr char kEvidenceBucket[] = "acme-central-cloudtrail";

// The text at a dotted path of a JSON value: strings as they are, booleans and numbers as their
// JSON text; "" when absent.
std::string At(const event::JsonValue& value, std::string_view path) {
    const event::JsonValue* node = &value;
    while (!path.empty()) {
        size_t dot = path.find('.');
        std::string_view key = path.substr(0, dot);
        node = node->is_object() ? node->Find(key) : nullptr;
        if (node == nullptr)
            return "";
        path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    }
    switch (node->type) {
        case event::JsonValue::Type::kBool:
            return node->boolean ? "true" : "false";
        case event::JsonValue::Type::kString:
        case event::JsonValue::Type::kNumber:
            return node->text;
        default:
            return "";
    }
}

bool Has(const event::JsonValue& value, std::string_view path) {
    const event::JsonValue* node = &value;
    while (!path.empty()) {
        size_t dot = path.find('.');
        node = node->is_object() ? node->Find(path.substr(0, dot)) : nullptr;
        if (node == nullptr)
            return false;
        path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    }
    return true;
}

std::string TagValue(const Tags& tags, const std::string& key) {
    auto it = tags.find(key);
    return it == tags.end() ? "" : it->second;
}

std::string Ec2TagValue(const std::vector<aws::ec2::Tag>& tags, std::string_view key) {
    for (const aws::ec2::Tag& tag : tags) {
        if (tag.key == key)
            return tag.value;
    }
    return "";
}

class SandboxClientTest : public ::testing::Test {
protected:
    // Loads examples/worlds/<world_file>, lets `edit` adjust it, starts the sandbox on an
    // OS-chosen loopback port and subscribes to its CloudTrail stream.
    void Start(const std::string& world_file, const std::function<void(World*)>& edit = nullptr) {
        std::string pattern = (fs::temp_directory_path() / "fb-sandbox-client-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        Diagnostics diags;
        Result<World> world = LoadWorldFile(
                std::string(FIREBREAK_SOURCE_DIR) + "/examples/worlds/" + world_file, &diags);
        ASSERT_TRUE(world.has_value()) << world.error().ToString();
        for (const Diagnostic& d : diags.items())
            ADD_FAILURE() << d.ToString();
        if (edit)
            edit(&world.value());
        SandboxOptions options;
        options.port = 0;
        options.state_path = (dir_ / "world.json").string();
        options.trail_dir = (dir_ / "cloudtrail").string();
        options.trail_max_age = milliseconds(50);
        options.threads = 4;
        auto started = Sandbox::Start(std::move(options), std::move(world).value());
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
        // Closes the client's keep-alive connections first: the server would otherwise wait for
        // them to time out (5 s each) when it stops.
        transport_.reset();
        if (sandbox_)
            sandbox_->Stop();
        sandbox_.reset();
        std::error_code ignored;
        if (!dir_.empty())
            fs::remove_all(dir_, ignored);
    }

    // A client whose every service goes to the sandbox, signing with `keys`.
    aws::AwsClient Client(const Keys& keys, const std::string& region = "us-east-1") const {
        aws::Credentials credentials;
        credentials.access_key_id = keys.id;
        credentials.secret_access_key = keys.secret;
        return ClientWith(aws::MakeStaticProvider(credentials, "test keys"), region);
    }

    aws::AwsClient ClientWith(std::shared_ptr<aws::CredentialsProvider> credentials,
                              const std::string& region = "us-east-1") const {
        aws::ResolvedConfig config;
        config.region = region;
        config.region_source = "test";
        for (std::optional<aws::Endpoint>& endpoint : config.endpoints)
            endpoint = endpoint_;
        aws::AwsClient client(std::move(config), std::move(credentials), transport_);
        client.SetSleepForTesting([](milliseconds) {});
        return client;
    }

    // Reads the world under the sandbox's lock.
    template <class F>
    auto Read(F f) const {
        decltype(f(std::declval<const World&>())) out{};
        sandbox_->Inspect([&](const World& world) { out = f(world); });
        return out;
    }

    std::string InstanceId(const std::string& name) const {
        return Read([&](const World& w) {
            for (const auto& [id, instance] : w.instances) {
                if (TagValue(instance.tags, "Name") == name)
                    return id;
            }
            return std::string();
        });
    }

    Instance GetInstance(const std::string& id) const {
        return Read([&](const World& w) {
            auto it = w.instances.find(id);
            return it == w.instances.end() ? Instance() : it->second;
        });
    }

    std::string GroupId(const std::string& account, const std::string& name) const {
        return Read([&](const World& w) {
            for (const auto& [id, group] : w.security_groups) {
                if (group.account_id == account && group.name == name)
                    return id;
            }
            return std::string();
        });
    }

    SecurityGroup GetGroup(const std::string& id) const {
        return Read([&](const World& w) {
            auto it = w.security_groups.find(id);
            return it == w.security_groups.end() ? SecurityGroup() : it->second;
        });
    }

    std::string SubnetId(const std::string& name) const {
        return Read([&](const World& w) {
            for (const auto& [id, subnet] : w.subnets) {
                if (TagValue(subnet.tags, "Name") == name)
                    return id;
            }
            return std::string();
        });
    }

    std::string VpcId(const std::string& name) const {
        return Read([&](const World& w) {
            for (const auto& [id, vpc] : w.vpcs) {
                if (TagValue(vpc.tags, "Name") == name)
                    return id;
            }
            return std::string();
        });
    }

    Trail GetTrail(const std::string& account, const std::string& name) const {
        return Read([&](const World& w) {
            for (const auto& [arn, trail] : w.trails) {
                if (trail.account_id == account && trail.name == name)
                    return trail;
            }
            return Trail();
        });
    }

    Bucket GetBucket(const std::string& name) const {
        return Read([&](const World& w) {
            auto it = w.buckets.find(name);
            return it == w.buckets.end() ? Bucket() : it->second;
        });
    }

    IamUser GetUser(const std::string& account, const std::string& name) const {
        return Read([&](const World& w) {
            const IamUser* user = w.FindUser(account, name);
            return user == nullptr ? IamUser() : *user;
        });
    }

    // The next envelope on the live stream, or nullopt after `timeout`.
    std::optional<event::JsonValue> NextEnvelope(milliseconds timeout = milliseconds(5000)) {
        std::optional<std::string> text = events_->Next(timeout);
        if (!text)
            return std::nullopt;
        auto parsed = event::ParseJson(*text);
        EXPECT_TRUE(parsed.has_value()) << *text;
        if (!parsed)
            return std::nullopt;
        return std::move(parsed).value();
    }

    // The next envelope whose record is `event_name` (other events are skipped).
    event::JsonValue NextEvent(std::string_view event_name) {
        auto deadline = std::chrono::steady_clock::now() + seconds(5);
        while (std::chrono::steady_clock::now() < deadline) {
            std::optional<event::JsonValue> envelope = NextEnvelope(milliseconds(200));
            if (envelope && At(*envelope, "detail.eventName") == event_name)
                return *envelope;
        }
        ADD_FAILURE() << "no CloudTrail event " << event_name << " on the live stream";
        return {};
    }

    // Waits for `event_name`'s envelope and checks what every record must say.
    event::JsonValue ExpectEvent(std::string_view event_name,
                                 std::string_view event_source,
                                 bool read_only,
                                 std::string_view caller_arn,
                                 std::string_view error_code = "") {
        event::JsonValue envelope = NextEvent(event_name);
        EXPECT_EQ(At(envelope, "detail-type"), "AWS API Call via CloudTrail") << event_name;
        EXPECT_EQ(At(envelope, "source"),
                  "aws." + std::string(event_source.substr(0, event_source.find('.'))))
                << event_name;
        EXPECT_EQ(At(envelope, "detail.eventName"), event_name);
        EXPECT_EQ(At(envelope, "detail.eventSource"), event_source) << event_name;
        EXPECT_EQ(At(envelope, "detail.readOnly"), read_only ? "true" : "false") << event_name;
        EXPECT_EQ(At(envelope, "detail.userIdentity.arn"), caller_arn) << event_name;
        EXPECT_EQ(At(envelope, "detail.errorCode"), error_code) << event_name;
        EXPECT_EQ(Has(envelope, "detail.errorCode"), !error_code.empty()) << event_name;
        EXPECT_EQ(At(envelope, "detail.eventType"), "AwsApiCall") << event_name;
        EXPECT_FALSE(At(envelope, "detail.requestID").empty()) << event_name;
        return envelope;
    }

    // Makes a call that is certainly recorded and checks that it is the next event on the stream:
    // nothing was recorded since the last event taken.
    void ExpectNothingRecordedSince(const aws::AwsClient& client, std::string_view caller_arn) {
        auto marker = aws::sts::GetCallerIdentity(client);
        ASSERT_TRUE(marker.has_value()) << marker.error().ToString();
        std::optional<event::JsonValue> next = NextEnvelope();
        ASSERT_TRUE(next.has_value());
        EXPECT_EQ(At(*next, "detail.eventName"), "GetCallerIdentity");
        EXPECT_EQ(At(*next, "detail.userIdentity.arn"), caller_arn);
    }

    fs::path dir_;
    std::unique_ptr<Sandbox> sandbox_;
    std::shared_ptr<Subscription> events_;
    aws::Endpoint endpoint_;
    std::shared_ptr<aws::HttpTransport> transport_;
};

class SingleAccountTest : public SandboxClientTest {
protected:
    void SetUp() override { ASSERT_NO_FATAL_FAILURE(Start("single-account.yaml")); }
};

// ---- EC2 ------------------------------------------------------------------------------------

TEST_F(SingleAccountTest, DescribeInstancesFindsTheProductionFleet) {
    std::string web1 = InstanceId("web-1");
    std::string web2 = InstanceId("web-2");
    ASSERT_FALSE(web1.empty());
    aws::ec2::DescribeInstancesRequest request;
    request.filters = {{"tag:env", {"prod"}}};
    auto out = aws::ec2::DescribeInstances(Client(kAlice), request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_FALSE(out->request_id.empty());
    EXPECT_TRUE(out->next_token.empty());
    std::map<std::string, aws::ec2::Instance> found;
    for (const aws::ec2::Reservation& reservation : out->reservations) {
        EXPECT_EQ(reservation.owner_id, kProd);
        EXPECT_THAT(reservation.reservation_id, HasSubstr("r-"));
        for (const aws::ec2::Instance& instance : reservation.instances) {
            found[instance.instance_id] = instance;
        }
    }
    ASSERT_EQ(found.size(), 2u);
    ASSERT_TRUE(found.contains(web1) && found.contains(web2));

    Instance world = GetInstance(web1);
    const aws::ec2::Instance& got = found[web1];
    EXPECT_EQ(got.image_id, "ami-0abcdef1234567890");
    EXPECT_EQ(got.instance_type, "t3.medium");
    EXPECT_EQ(got.state.code, 16);
    EXPECT_EQ(got.state.name, "running");
    EXPECT_EQ(got.subnet_id, world.subnet_id);
    EXPECT_EQ(got.vpc_id, world.vpc_id);
    EXPECT_EQ(got.availability_zone, "us-east-1a");
    EXPECT_EQ(got.private_ip_address, world.private_ip);
    ASSERT_EQ(got.security_groups.size(), 1u);
    EXPECT_EQ(got.security_groups[0].group_id, GroupId(kProd, "web"));
    EXPECT_EQ(got.security_groups[0].group_name, "web");
    EXPECT_EQ(Ec2TagValue(got.tags, "env"), "prod");
    EXPECT_EQ(Ec2TagValue(got.tags, "Name"), "web-1");
    EXPECT_EQ(Ec2TagValue(got.tags, "aws:autoscaling:groupName"), "web-asg");
    EXPECT_EQ(got.iam_instance_profile_arn, world.iam_instance_profile_arn);
    EXPECT_FALSE(got.iam_instance_profile_arn.empty());
    ASSERT_EQ(got.block_devices.size(), world.block_devices.size());
    ASSERT_FALSE(got.block_devices.empty());
    EXPECT_EQ(got.block_devices[0].volume_id, world.block_devices[0].volume_id);
    EXPECT_EQ(got.block_devices[0].status, "attached");
    EXPECT_TRUE(got.launch_time.has_value());

    ExpectEvent("DescribeInstances", "ec2.amazonaws.com", true, kAliceArn);
}

TEST_F(SingleAccountTest, DescribeInstancesByIdOfAnUnknownInstanceIsNotFound) {
    aws::ec2::DescribeInstancesRequest request;
    request.instance_ids = {"i-0123456789abcdef0"};
    auto out = aws::ec2::DescribeInstances(Client(kAlice), request);
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "InvalidInstanceID.NotFound");
    EXPECT_EQ(out.error().http_status, 400);
    ExpectEvent("DescribeInstances",
                "ec2.amazonaws.com",
                true,
                kAliceArn,
                "Client.InvalidInstanceID.NotFound");
}

TEST_F(SingleAccountTest, ModifyInstanceAttributeReplacesSecurityGroups) {
    std::string web1 = InstanceId("web-1");
    std::string quarantine = GroupId(kProd, "dev-ssh");
    ASSERT_FALSE(quarantine.empty());
    aws::ec2::ModifyInstanceAttributeRequest request;
    request.instance_id = web1;
    request.group_ids = {quarantine};
    auto out = aws::ec2::ModifyInstanceAttribute(Client(kAlice), request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_FALSE(out->request_id.empty());
    EXPECT_THAT(GetInstance(web1).security_group_ids, ElementsAre(quarantine));
    event::JsonValue envelope =
            ExpectEvent("ModifyInstanceAttribute", "ec2.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.instanceId"), web1);

    // The new set is what DescribeInstances reports.
    aws::ec2::DescribeInstancesRequest describe;
    describe.instance_ids = {web1};
    auto described = aws::ec2::DescribeInstances(Client(kAlice), describe);
    ASSERT_TRUE(described.has_value()) << described.error().ToString();
    ASSERT_EQ(described->reservations.size(), 1u);
    ASSERT_EQ(described->reservations[0].instances.size(), 1u);
    ASSERT_EQ(described->reservations[0].instances[0].security_groups.size(), 1u);
    EXPECT_EQ(described->reservations[0].instances[0].security_groups[0].group_id, quarantine);
}

TEST_F(SingleAccountTest, ModifyInstanceAttributeSetsTerminationProtection) {
    std::string web2 = InstanceId("web-2");
    ASSERT_FALSE(GetInstance(web2).disable_api_termination);
    aws::ec2::ModifyInstanceAttributeRequest request;
    request.instance_id = web2;
    request.disable_api_termination = true;
    auto out = aws::ec2::ModifyInstanceAttribute(Client(kAlice), request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_TRUE(GetInstance(web2).disable_api_termination);
    EXPECT_EQ(GetInstance(web2).security_group_ids.size(), 1u);  // untouched
    ExpectEvent("ModifyInstanceAttribute", "ec2.amazonaws.com", false, kAliceArn);

    // Both attributes at once is refused by the client before anything is sent.
    request.group_ids = {GroupId(kProd, "web")};
    auto both = aws::ec2::ModifyInstanceAttribute(Client(kAlice), request);
    ASSERT_FALSE(both.has_value());
    EXPECT_EQ(both.error().code, "InvalidParameterCombination");
    EXPECT_EQ(both.error().http_status, 0);
}

TEST_F(SingleAccountTest, CreateSnapshotPreservesTheDataVolume) {
    std::string dev1 = InstanceId("dev-1");
    std::string volume_id = Read([&](const World& w) {
        for (const auto& [id, volume] : w.volumes) {
            if (volume.size_gib == 50 && !volume.attachments.empty() &&
                volume.attachments[0].instance_id == dev1) {
                return id;
            }
        }
        return std::string();
    });
    ASSERT_FALSE(volume_id.empty());
    aws::ec2::CreateSnapshotRequest request;
    request.volume_id = volume_id;
    request.description = "firebreak evidence IR-1";
    request.tags = {{"firebreak:case", "IR-1"}};
    auto out = aws::ec2::CreateSnapshot(Client(kAlice), request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const aws::ec2::Snapshot& snap = out->snapshot;
    EXPECT_TRUE(snap.snapshot_id.starts_with("snap-")) << snap.snapshot_id;
    EXPECT_EQ(snap.volume_id, volume_id);
    EXPECT_EQ(snap.state, "pending");  // for snapshot_completion_seconds (default 2)
    EXPECT_EQ(snap.progress, "0%");
    EXPECT_EQ(snap.volume_size_gib, 50);
    EXPECT_EQ(snap.owner_id, kProd);
    EXPECT_EQ(snap.description, "firebreak evidence IR-1");
    EXPECT_TRUE(snap.start_time.has_value());
    EXPECT_EQ(Ec2TagValue(snap.tags, "firebreak:case"), "IR-1");

    Snapshot world = Read([&](const World& w) {
        auto it = w.snapshots.find(snap.snapshot_id);
        return it == w.snapshots.end() ? Snapshot() : it->second;
    });
    EXPECT_EQ(world.id, snap.snapshot_id);
    EXPECT_EQ(world.volume_id, volume_id);
    EXPECT_EQ(world.account_id, kProd);
    EXPECT_EQ(world.description, "firebreak evidence IR-1");
    EXPECT_EQ(TagValue(world.tags, "firebreak:case"), "IR-1");
    EXPECT_EQ(world.state, SnapshotState::kPending);
    ASSERT_TRUE(world.completes_at.has_value());
    EXPECT_EQ(*world.completes_at, world.start_time + seconds(2));

    event::JsonValue envelope =
            ExpectEvent("CreateSnapshot", "ec2.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.volumeId"), volume_id);
    EXPECT_EQ(At(envelope, "detail.responseElements.snapshotId"), snap.snapshot_id);
}

// A world clock the test moves: real time (so signatures stay within the allowed skew) plus an
// offset.
struct SteppedClock {
    std::shared_ptr<std::atomic<int64_t>> offset_ms = std::make_shared<std::atomic<int64_t>>(0);

    WorldClock Clock() const {
        return WorldClock([offset = offset_ms] {
            return std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now()) +
                   milliseconds(offset->load());
        });
    }

    void Advance(milliseconds by) const { *offset_ms += by.count(); }
};

std::string DataVolumeOf(const World& w, const std::string& instance_id) {
    for (const auto& [id, volume] : w.volumes) {
        if (volume.size_gib == 50 && !volume.attachments.empty() &&
            volume.attachments[0].instance_id == instance_id) {
            return id;
        }
    }
    return "";
}

class SnapshotClockTest : public SandboxClientTest {
protected:
    void SetUp() override {
        ASSERT_NO_FATAL_FAILURE(Start("single-account.yaml", [this](World* w) {
            w->clock = clock_.Clock();
            w->settings.snapshot_completion_seconds = 30;
        }));
    }

    SteppedClock clock_;
};

TEST_F(SnapshotClockTest, DescribeSnapshotsSeesTheSnapshotComplete) {
    aws::AwsClient alice = Client(kAlice);
    std::string dev1 = InstanceId("dev-1");
    std::string volume_id = Read([&](const World& w) { return DataVolumeOf(w, dev1); });
    ASSERT_FALSE(volume_id.empty());
    aws::ec2::CreateSnapshotRequest create;
    create.volume_id = volume_id;
    create.description = "firebreak evidence IR-2";
    create.tags = {{"firebreak:case", "IR-2"}};
    auto created = aws::ec2::CreateSnapshot(alice, create);
    ASSERT_TRUE(created.has_value()) << created.error().ToString();
    const std::string snap_id = created->snapshot.snapshot_id;
    EXPECT_EQ(created->snapshot.state, "pending");

    aws::ec2::DescribeSnapshotsRequest by_id;
    by_id.snapshot_ids = {snap_id};
    auto pending = aws::ec2::DescribeSnapshots(alice, by_id);
    ASSERT_TRUE(pending.has_value()) << pending.error().ToString();
    ASSERT_EQ(pending->snapshots.size(), 1u);
    EXPECT_EQ(pending->snapshots[0].state, "pending");
    EXPECT_EQ(pending->snapshots[0].progress, "0%");
    EXPECT_EQ(pending->snapshots[0].volume_id, volume_id);
    EXPECT_EQ(pending->snapshots[0].description, "firebreak evidence IR-2");
    EXPECT_EQ(Ec2TagValue(pending->snapshots[0].tags, "firebreak:case"), "IR-2");
    event::JsonValue envelope =
            ExpectEvent("DescribeSnapshots", "ec2.amazonaws.com", true, kAliceArn);
    EXPECT_THAT(ToJson(envelope), HasSubstr(snap_id));

    // Filters: the world's nightly backup and the new snapshot are both of dev-1-data; only the
    // new one is pending, and only it has the case tag.
    aws::ec2::DescribeSnapshotsRequest of_volume;
    of_volume.owner_ids = {"self"};
    of_volume.filters = {{"volume-id", {volume_id}}};
    auto both = aws::ec2::DescribeSnapshots(alice, of_volume);
    ASSERT_TRUE(both.has_value()) << both.error().ToString();
    EXPECT_EQ(both->snapshots.size(), 2u);
    of_volume.filters.push_back({"status", {"pending"}});
    auto only_pending = aws::ec2::DescribeSnapshots(alice, of_volume);
    ASSERT_TRUE(only_pending.has_value()) << only_pending.error().ToString();
    ASSERT_EQ(only_pending->snapshots.size(), 1u);
    EXPECT_EQ(only_pending->snapshots[0].snapshot_id, snap_id);
    aws::ec2::DescribeSnapshotsRequest by_description;
    by_description.filters = {{"description", {"nightly*"}}, {"tag-key", {"firebreak:case"}}};
    auto none = aws::ec2::DescribeSnapshots(alice, by_description);
    ASSERT_TRUE(none.has_value()) << none.error().ToString();
    EXPECT_TRUE(none->snapshots.empty());
    aws::ec2::DescribeSnapshotsRequest other_owner;
    other_owner.owner_ids = {"222222222222"};
    auto foreign = aws::ec2::DescribeSnapshots(alice, other_owner);
    ASSERT_TRUE(foreign.has_value()) << foreign.error().ToString();
    EXPECT_TRUE(foreign->snapshots.empty());

    // Pagination as DescribeVolumes: MaxResults then NextToken.
    aws::ec2::DescribeSnapshotsRequest paged;
    paged.max_results = 5;
    auto page = aws::ec2::DescribeSnapshots(alice, paged);
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
    EXPECT_EQ(page->snapshots.size(), 2u);
    EXPECT_EQ(page->next_token, "");

    // Once the world clock passes start + 30 s, the snapshot is completed.
    clock_.Advance(seconds(31));
    auto completed = aws::ec2::DescribeSnapshots(alice, by_id);
    ASSERT_TRUE(completed.has_value()) << completed.error().ToString();
    ASSERT_EQ(completed->snapshots.size(), 1u);
    EXPECT_EQ(completed->snapshots[0].state, "completed");
    EXPECT_EQ(completed->snapshots[0].progress, "100%");
    aws::ec2::DescribeSnapshotsRequest tagged;
    tagged.filters = {{"tag:firebreak:case", {"IR-2"}}, {"status", {"completed"}}};
    auto by_tag = aws::ec2::DescribeSnapshots(alice, tagged);
    ASSERT_TRUE(by_tag.has_value()) << by_tag.error().ToString();
    ASSERT_EQ(by_tag->snapshots.size(), 1u);
    EXPECT_EQ(by_tag->snapshots[0].snapshot_id, snap_id);
}

TEST_F(SingleAccountTest, DescribeSnapshotsOfAnUnknownSnapshotIsNotFound) {
    aws::ec2::DescribeSnapshotsRequest request;
    request.snapshot_ids = {"snap-0123456789abcdef0"};
    auto out = aws::ec2::DescribeSnapshots(Client(kAlice), request);
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "InvalidSnapshot.NotFound");
    EXPECT_EQ(out.error().http_status, 400);
    ExpectEvent("DescribeSnapshots",
                "ec2.amazonaws.com",
                true,
                kAliceArn,
                "Client.InvalidSnapshot.NotFound");
}

class ImmediateSnapshotsTest : public SandboxClientTest {
protected:
    void SetUp() override {
        ASSERT_NO_FATAL_FAILURE(Start("single-account.yaml", [](World* w) {
            w->settings.snapshot_completion_seconds = 0;
        }));
    }
};

TEST_F(ImmediateSnapshotsTest, CreateSnapshotCompletesAtOnceWhenTheWorldSaysZero) {
    std::string dev1 = InstanceId("dev-1");
    std::string volume_id = Read([&](const World& w) { return DataVolumeOf(w, dev1); });
    auto out = aws::ec2::CreateSnapshot(Client(kAlice), {volume_id, "", {}});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_EQ(out->snapshot.state, "completed");
    EXPECT_EQ(out->snapshot.progress, "100%");
}

TEST_F(SingleAccountTest, TerminateInstancesTerminatesAndKeepsTheDataVolume) {
    aws::AwsClient alice = Client(kAlice);
    std::string dev1 = InstanceId("dev-1");
    std::string data_volume = Read([&](const World& w) { return DataVolumeOf(w, dev1); });
    ASSERT_FALSE(data_volume.empty());
    std::string root_volume = GetInstance(dev1).block_devices.at(0).volume_id;
    auto out = aws::ec2::TerminateInstances(alice, {{dev1}});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ASSERT_EQ(out->changes.size(), 1u);
    EXPECT_EQ(out->changes[0].instance_id, dev1);
    EXPECT_EQ(out->changes[0].previous_state.name, "running");
    EXPECT_EQ(out->changes[0].current_state.name, "shutting-down");
    EXPECT_EQ(out->changes[0].current_state.code, 32);
    EXPECT_EQ(GetInstance(dev1).state, InstanceState::kTerminated);
    Read([&](const World& w) {
        EXPECT_EQ(w.volumes.at(root_volume).state, VolumeState::kDeleted);  // delete on termination
        EXPECT_EQ(w.volumes.at(data_volume).state, VolumeState::kAvailable);
        EXPECT_TRUE(w.volumes.at(data_volume).attachments.empty());
        return 0;
    });
    event::JsonValue envelope =
            ExpectEvent("TerminateInstances", "ec2.amazonaws.com", false, kAliceArn);
    EXPECT_THAT(ToJson(envelope), HasSubstr("\"shutting-down\""));

    // Still describable, as terminated.
    aws::ec2::DescribeInstancesRequest describe;
    describe.instance_ids = {dev1};
    auto described = aws::ec2::DescribeInstances(alice, describe);
    ASSERT_TRUE(described.has_value()) << described.error().ToString();
    ASSERT_EQ(described->reservations.size(), 1u);
    ASSERT_EQ(described->reservations[0].instances.size(), 1u);
    EXPECT_EQ(described->reservations[0].instances[0].state.name, "terminated");
    EXPECT_EQ(described->reservations[0].instances[0].state.code, 48);
}

TEST_F(SingleAccountTest, TerminateInstancesRefusesAProtectedInstance) {
    aws::AwsClient alice = Client(kAlice);
    std::string web2 = InstanceId("web-2");
    aws::ec2::ModifyInstanceAttributeRequest protect;
    protect.instance_id = web2;
    protect.disable_api_termination = true;
    ASSERT_TRUE(aws::ec2::ModifyInstanceAttribute(alice, protect).has_value());
    auto out = aws::ec2::TerminateInstances(alice, {{web2}});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "OperationNotPermitted");
    EXPECT_THAT(out.error().message, HasSubstr("disableApiTermination"));
    EXPECT_EQ(GetInstance(web2).state, InstanceState::kRunning);
    ExpectEvent("TerminateInstances",
                "ec2.amazonaws.com",
                false,
                kAliceArn,
                "Client.OperationNotPermitted");

    // The read-only user is denied before anything else.
    auto denied = aws::ec2::TerminateInstances(Client(kBob), {{InstanceId("dev-1")}});
    ASSERT_FALSE(denied.has_value());
    EXPECT_EQ(denied.error().code, "UnauthorizedOperation");
}

TEST_F(SingleAccountTest, DescribeVolumesOfAnInstance) {
    std::string dev1 = InstanceId("dev-1");
    aws::ec2::DescribeVolumesRequest request;
    request.filters = {{"attachment.instance-id", {dev1}}};
    auto out = aws::ec2::DescribeVolumes(Client(kAlice), request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    std::multiset<int64_t> sizes;
    for (const aws::ec2::Volume& volume : out->volumes) {
        sizes.insert(volume.size_gib.value_or(-1));
        EXPECT_EQ(volume.state, "in-use");
        EXPECT_EQ(volume.availability_zone, "us-east-1a");
        ASSERT_EQ(volume.attachments.size(), 1u);
        EXPECT_EQ(volume.attachments[0].instance_id, dev1);
        EXPECT_EQ(volume.attachments[0].volume_id, volume.volume_id);
        EXPECT_EQ(volume.attachments[0].state, "attached");
        bool in_world = Read([&](const World& w) { return w.volumes.contains(volume.volume_id); });
        EXPECT_TRUE(in_world) << volume.volume_id;
        if (volume.size_gib == 50) {
            EXPECT_EQ(volume.volume_type, "gp2");
        }
    }
    EXPECT_EQ(sizes, (std::multiset<int64_t>{8, 50}));
    ExpectEvent("DescribeVolumes", "ec2.amazonaws.com", true, kAliceArn);
}

TEST_F(SingleAccountTest, CreateTagsMarksTheInstance) {
    std::string web1 = InstanceId("web-1");
    aws::ec2::CreateTagsRequest request;
    request.resource_ids = {web1};
    request.tags = {{"firebreak:status", "isolated"}, {"env", "quarantine"}};
    auto out = aws::ec2::CreateTags(Client(kAlice), request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    Instance world = GetInstance(web1);
    EXPECT_EQ(TagValue(world.tags, "firebreak:status"), "isolated");
    EXPECT_EQ(TagValue(world.tags, "env"), "quarantine");
    EXPECT_EQ(TagValue(world.tags, "app"), "web");  // other tags are kept
    event::JsonValue envelope = ExpectEvent("CreateTags", "ec2.amazonaws.com", false, kAliceArn);
    EXPECT_THAT(ToJson(envelope), HasSubstr(web1));
}

TEST_F(SingleAccountTest, StopInstancesStopsTheInstance) {
    std::string dev1 = InstanceId("dev-1");
    aws::ec2::StopInstancesRequest request;
    request.instance_ids = {dev1};
    auto out = aws::ec2::StopInstances(Client(kAlice), request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ASSERT_EQ(out->changes.size(), 1u);
    EXPECT_EQ(out->changes[0].instance_id, dev1);
    EXPECT_EQ(out->changes[0].previous_state.code, 16);
    EXPECT_EQ(out->changes[0].previous_state.name, "running");
    EXPECT_THAT(out->changes[0].current_state.name, ::testing::AnyOf("stopping", "stopped"));
    InstanceState state = GetInstance(dev1).state;
    EXPECT_TRUE(state == InstanceState::kStopping || state == InstanceState::kStopped)
            << InstanceStateName(state);
    event::JsonValue envelope = ExpectEvent("StopInstances", "ec2.amazonaws.com", false, kAliceArn);
    EXPECT_THAT(ToJson(envelope), HasSubstr(dev1));
}

TEST_F(SingleAccountTest, SecurityGroupIsolationLifecycle) {
    aws::AwsClient alice = Client(kAlice);
    std::string vpc = VpcId("prod-vpc");
    ASSERT_FALSE(vpc.empty());

    // CreateSecurityGroup: a new group has AWS's default allow-all egress rule.
    aws::ec2::CreateSecurityGroupRequest create;
    create.group_name = "firebreak-isolation";
    create.description = "firebreak: no traffic in or out";
    create.vpc_id = vpc;
    create.tags = {{"firebreak:case", "IR-7"}};
    auto created = aws::ec2::CreateSecurityGroup(alice, create);
    ASSERT_TRUE(created.has_value()) << created.error().ToString();
    std::string sg = created->group_id;
    EXPECT_TRUE(sg.starts_with("sg-")) << sg;
    EXPECT_EQ(Ec2TagValue(created->tags, "firebreak:case"), "IR-7");
    SecurityGroup group = GetGroup(sg);
    EXPECT_EQ(group.name, "firebreak-isolation");
    EXPECT_EQ(group.description, "firebreak: no traffic in or out");
    EXPECT_EQ(group.vpc_id, vpc);
    EXPECT_EQ(group.account_id, kProd);
    EXPECT_TRUE(group.ingress.empty());
    ASSERT_EQ(group.egress.size(), 1u);
    EXPECT_EQ(group.egress[0].protocol, "-1");
    ASSERT_EQ(group.egress[0].ipv4_ranges.size(), 1u);
    EXPECT_EQ(group.egress[0].ipv4_ranges[0].cidr, "0.0.0.0/0");
    event::JsonValue envelope =
            ExpectEvent("CreateSecurityGroup", "ec2.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.responseElements.groupId"), sg);

    // RevokeSecurityGroupEgress: the default egress rule goes.
    aws::ec2::IpPermission all_out;
    all_out.ip_protocol = "-1";
    all_out.ipv4_ranges = {{"0.0.0.0/0", ""}};
    auto revoked_egress = aws::ec2::RevokeSecurityGroupEgress(alice, {sg, {all_out}});
    ASSERT_TRUE(revoked_egress.has_value()) << revoked_egress.error().ToString();
    EXPECT_TRUE(revoked_egress->return_value);
    EXPECT_TRUE(revoked_egress->unknown_ip_permissions.empty());
    EXPECT_TRUE(GetGroup(sg).egress.empty());
    ExpectEvent("RevokeSecurityGroupEgress", "ec2.amazonaws.com", false, kAliceArn);

    // AuthorizeSecurityGroupIngress: SSH from the forensics workstation only.
    aws::ec2::IpPermission ssh;
    ssh.ip_protocol = "tcp";
    ssh.from_port = 22;
    ssh.to_port = 22;
    ssh.ipv4_ranges = {{"198.51.100.7/32", "forensics workstation"}};
    auto authorized = aws::ec2::AuthorizeSecurityGroupIngress(alice, {sg, {ssh}});
    ASSERT_TRUE(authorized.has_value()) << authorized.error().ToString();
    EXPECT_TRUE(authorized->return_value);
    ASSERT_EQ(authorized->rules.size(), 1u);
    const aws::ec2::SecurityGroupRule& rule = authorized->rules[0];
    EXPECT_TRUE(rule.rule_id.starts_with("sgr-")) << rule.rule_id;
    EXPECT_EQ(rule.group_id, sg);
    EXPECT_EQ(rule.group_owner_id, kProd);
    EXPECT_EQ(rule.is_egress, false);
    EXPECT_EQ(rule.ip_protocol, "tcp");
    EXPECT_EQ(rule.from_port, 22);
    EXPECT_EQ(rule.to_port, 22);
    EXPECT_EQ(rule.cidr_ipv4, "198.51.100.7/32");
    EXPECT_EQ(rule.description, "forensics workstation");
    group = GetGroup(sg);
    ASSERT_EQ(group.ingress.size(), 1u);
    EXPECT_EQ(group.ingress[0].protocol, "tcp");
    EXPECT_EQ(group.ingress[0].from_port, 22);
    ASSERT_EQ(group.ingress[0].ipv4_ranges.size(), 1u);
    EXPECT_EQ(group.ingress[0].ipv4_ranges[0].cidr, "198.51.100.7/32");
    EXPECT_EQ(group.ingress[0].ipv4_ranges[0].rule_id, rule.rule_id);
    ExpectEvent("AuthorizeSecurityGroupIngress", "ec2.amazonaws.com", false, kAliceArn);

    // RevokeSecurityGroupIngress takes it away again.
    auto revoked = aws::ec2::RevokeSecurityGroupIngress(alice, {sg, {ssh}});
    ASSERT_TRUE(revoked.has_value()) << revoked.error().ToString();
    EXPECT_TRUE(revoked->return_value);
    EXPECT_TRUE(revoked->unknown_ip_permissions.empty());
    EXPECT_TRUE(GetGroup(sg).ingress.empty());
    ExpectEvent("RevokeSecurityGroupIngress", "ec2.amazonaws.com", false, kAliceArn);

    // The isolation group is what DescribeSecurityGroups now shows: no rules either way.
    aws::ec2::DescribeSecurityGroupsRequest describe;
    describe.group_ids = {sg};
    auto described = aws::ec2::DescribeSecurityGroups(alice, describe);
    ASSERT_TRUE(described.has_value()) << described.error().ToString();
    ASSERT_EQ(described->groups.size(), 1u);
    EXPECT_TRUE(described->groups[0].ingress.empty());
    EXPECT_TRUE(described->groups[0].egress.empty());
}

TEST_F(SingleAccountTest, RevokeSecurityGroupIngressOfAWorldRule) {
    std::string web = GroupId(kProd, "web");
    aws::ec2::IpPermission office;
    office.ip_protocol = "tcp";
    office.from_port = 22;
    office.to_port = 22;
    office.ipv4_ranges = {{"203.0.113.0/24", ""}};
    auto out = aws::ec2::RevokeSecurityGroupIngress(Client(kAlice), {web, {office}});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_TRUE(out->return_value);
    SecurityGroup group = GetGroup(web);
    ASSERT_EQ(group.ingress.size(), 1u);  // only the rule from the load balancers is left
    EXPECT_EQ(group.ingress[0].from_port, 80);
    ExpectEvent("RevokeSecurityGroupIngress", "ec2.amazonaws.com", false, kAliceArn);
}

TEST_F(SingleAccountTest, DescribeSecurityGroupsShowsTheWorldsRules) {
    std::string web = GroupId(kProd, "web");
    std::string web_lb = GroupId(kProd, "web-lb");
    aws::ec2::DescribeSecurityGroupsRequest request;
    request.group_ids = {web};
    auto out = aws::ec2::DescribeSecurityGroups(Client(kAlice), request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ASSERT_EQ(out->groups.size(), 1u);
    const aws::ec2::SecurityGroup& group = out->groups[0];
    EXPECT_EQ(group.group_id, web);
    EXPECT_EQ(group.group_name, "web");
    EXPECT_EQ(group.description, "Web servers");
    EXPECT_EQ(group.vpc_id, VpcId("prod-vpc"));
    EXPECT_EQ(group.owner_id, kProd);
    ASSERT_EQ(group.ingress.size(), 2u);
    const aws::ec2::IpPermission* http = nullptr;
    const aws::ec2::IpPermission* ssh = nullptr;
    for (const aws::ec2::IpPermission& p : group.ingress) {
        if (p.from_port == 80)
            http = &p;
        if (p.from_port == 22)
            ssh = &p;
    }
    ASSERT_NE(http, nullptr);
    ASSERT_NE(ssh, nullptr);
    EXPECT_EQ(http->ip_protocol, "tcp");
    EXPECT_EQ(http->to_port, 80);
    ASSERT_EQ(http->groups.size(), 1u);
    EXPECT_EQ(http->groups[0].group_id, web_lb);
    EXPECT_EQ(http->groups[0].user_id, kProd);
    EXPECT_EQ(http->groups[0].description, "from the load balancers");
    ASSERT_EQ(ssh->ipv4_ranges.size(), 1u);
    EXPECT_EQ(ssh->ipv4_ranges[0].cidr, "203.0.113.0/24");
    EXPECT_EQ(ssh->ipv4_ranges[0].description, "office");
    ASSERT_EQ(group.egress.size(), 1u);
    EXPECT_EQ(group.egress[0].ip_protocol, "-1");
    ExpectEvent("DescribeSecurityGroups", "ec2.amazonaws.com", true, kAliceArn);
}

TEST_F(SingleAccountTest, RunInstancesLaunchesAForensicsHost) {
    std::string subnet = SubnetId("web-a");
    std::string sg = GroupId(kProd, "web");
    aws::ec2::RunInstancesRequest request;
    request.image_id = "ami-0abcdef1234567890";
    request.instance_type = "t3.large";
    request.subnet_id = subnet;
    request.security_group_ids = {sg};
    request.tags = {{"Name", "forensics-1"}, {"firebreak:case", "IR-1"}};
    request.user_data = "#!/bin/bash\necho collect\n";
    auto out = aws::ec2::RunInstances(Client(kAlice), request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_TRUE(out->reservation.reservation_id.starts_with("r-"));
    EXPECT_EQ(out->reservation.owner_id, kProd);
    ASSERT_EQ(out->reservation.instances.size(), 1u);
    const aws::ec2::Instance& launched = out->reservation.instances[0];
    EXPECT_TRUE(launched.instance_id.starts_with("i-")) << launched.instance_id;
    EXPECT_EQ(launched.image_id, "ami-0abcdef1234567890");
    EXPECT_EQ(launched.instance_type, "t3.large");
    EXPECT_EQ(launched.state.code, 0);
    EXPECT_EQ(launched.state.name, "pending");
    EXPECT_EQ(launched.subnet_id, subnet);
    EXPECT_EQ(launched.vpc_id, VpcId("prod-vpc"));
    ASSERT_EQ(launched.security_groups.size(), 1u);
    EXPECT_EQ(launched.security_groups[0].group_id, sg);
    EXPECT_EQ(Ec2TagValue(launched.tags, "Name"), "forensics-1");

    Instance world = GetInstance(launched.instance_id);
    EXPECT_EQ(world.id, launched.instance_id);
    EXPECT_EQ(world.account_id, kProd);
    EXPECT_EQ(world.region, "us-east-1");
    EXPECT_EQ(world.subnet_id, subnet);
    EXPECT_EQ(world.instance_type, "t3.large");
    EXPECT_EQ(TagValue(world.tags, "firebreak:case"), "IR-1");
    EXPECT_EQ(InstanceId("forensics-1"), launched.instance_id);

    event::JsonValue envelope = ExpectEvent("RunInstances", "ec2.amazonaws.com", false, kAliceArn);
    EXPECT_THAT(ToJson(envelope), HasSubstr(launched.instance_id));
    // The user data never reaches CloudTrail in clear.
    EXPECT_THAT(ToJson(envelope), ::testing::Not(HasSubstr("echo collect")));
}

// ---- Auto Scaling and load balancers --------------------------------------------------------

TEST_F(SingleAccountTest, DescribeAutoScalingInstancesNamesTheGroup) {
    std::string web1 = InstanceId("web-1");
    std::string dev1 = InstanceId("dev-1");
    aws::autoscaling::DescribeAutoScalingInstancesRequest request;
    request.instance_ids = {web1, dev1};
    auto out = aws::autoscaling::DescribeAutoScalingInstances(Client(kAlice), request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ASSERT_EQ(out->instances.size(), 1u);  // dev-1 belongs to no group
    const aws::autoscaling::AutoScalingInstance& got = out->instances[0];
    EXPECT_EQ(got.instance_id, web1);
    EXPECT_EQ(got.auto_scaling_group_name, "web-asg");
    EXPECT_EQ(got.availability_zone, "us-east-1a");
    EXPECT_EQ(got.lifecycle_state, "InService");
    EXPECT_EQ(got.health_status, "HEALTHY");
    EXPECT_EQ(got.instance_type, "t3.medium");
    EXPECT_EQ(got.protected_from_scale_in, false);
    ExpectEvent("DescribeAutoScalingInstances", "autoscaling.amazonaws.com", true, kAliceArn);
}

TEST_F(SingleAccountTest, DetachInstancesTakesTheInstanceOutOfTheGroup) {
    std::string web1 = InstanceId("web-1");
    aws::autoscaling::DetachInstancesRequest request;
    request.instance_ids = {web1};
    request.auto_scaling_group_name = "web-asg";
    request.should_decrement_desired_capacity = false;
    auto out = aws::autoscaling::DetachInstances(Client(kAlice), request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ASSERT_EQ(out->activities.size(), 1u);
    const aws::autoscaling::Activity& activity = out->activities[0];
    EXPECT_FALSE(activity.activity_id.empty());
    EXPECT_EQ(activity.auto_scaling_group_name, "web-asg");
    EXPECT_THAT(activity.description, HasSubstr(web1));
    EXPECT_FALSE(activity.status_code.empty());
    EXPECT_TRUE(activity.start_time.has_value());

    AutoScalingGroup group = Read([](const World& w) {
        for (const auto& [arn, g] : w.auto_scaling_groups) {
            if (g.name == "web-asg")
                return g;
        }
        return AutoScalingGroup();
    });
    std::vector<std::string> members;
    for (const AsgInstance& member : group.instances)
        members.push_back(member.instance_id);
    EXPECT_THAT(members, ::testing::Not(::testing::Contains(web1)));
    EXPECT_EQ(members.size(), 2u);  // a replacement keeps the capacity
    EXPECT_EQ(group.desired_capacity, 2);
    EXPECT_EQ(GetInstance(web1).state, InstanceState::kRunning);  // detached, not terminated

    event::JsonValue envelope =
            ExpectEvent("DetachInstances", "autoscaling.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.autoScalingGroupName"), "web-asg");

    // The instance no longer belongs to any group.
    aws::autoscaling::DescribeAutoScalingInstancesRequest describe;
    describe.instance_ids = {web1};
    auto described = aws::autoscaling::DescribeAutoScalingInstances(Client(kAlice), describe);
    ASSERT_TRUE(described.has_value()) << described.error().ToString();
    EXPECT_TRUE(described->instances.empty());
}

TEST_F(SingleAccountTest, DescribeLoadBalancersListsTheRegisteredInstances) {
    auto out = aws::elb::DescribeLoadBalancers(Client(kBob), {{"web-clb"}, ""});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ASSERT_EQ(out->load_balancers.size(), 1u);
    const aws::elb::LoadBalancerDescription& lb = out->load_balancers[0];
    EXPECT_EQ(lb.load_balancer_name, "web-clb");
    EXPECT_FALSE(lb.dns_name.empty());
    EXPECT_EQ(lb.vpc_id, VpcId("prod-vpc"));
    EXPECT_THAT(lb.instance_ids,
                ::testing::UnorderedElementsAre(InstanceId("web-1"), InstanceId("web-2")));
    EXPECT_EQ(lb.security_groups, std::vector<std::string>{GroupId(kProd, "web-lb")});
    event::JsonValue envelope = ExpectEvent(
            "DescribeLoadBalancers", "elasticloadbalancing.amazonaws.com", true, kBobArn);
    EXPECT_THAT(ToJson(envelope), HasSubstr("web-clb"));

    auto all = aws::elb::DescribeLoadBalancers(Client(kAlice), {});
    ASSERT_TRUE(all.has_value()) << all.error().ToString();
    EXPECT_EQ(all->load_balancers.size(), 1u);
    auto unknown = aws::elb::DescribeLoadBalancers(Client(kAlice), {{"no-such-lb"}, ""});
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, "LoadBalancerNotFound");
}

TEST_F(SingleAccountTest, DeregisterInstancesFromClassicLoadBalancer) {
    std::string web1 = InstanceId("web-1");
    std::string web2 = InstanceId("web-2");
    aws::elb::DeregisterInstancesFromLoadBalancerRequest request;
    request.load_balancer_name = "web-clb";
    request.instance_ids = {web1};
    auto out = aws::elb::DeregisterInstancesFromLoadBalancer(Client(kAlice), request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_THAT(out->remaining_instance_ids, ElementsAre(web2));
    std::vector<std::string> registered = Read([](const World& w) {
        for (const auto& [arn, lb] : w.load_balancers) {
            if (lb.name == "web-clb")
                return lb.instance_ids;
        }
        return std::vector<std::string>();
    });
    EXPECT_THAT(registered, ElementsAre(web2));
    event::JsonValue envelope = ExpectEvent("DeregisterInstancesFromLoadBalancer",
                                            "elasticloadbalancing.amazonaws.com",
                                            false,
                                            kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.loadBalancerName"), "web-clb");
}

TEST_F(SingleAccountTest, DeregisterTargetsDrainsTheTarget) {
    std::string web1 = InstanceId("web-1");
    std::string web2 = InstanceId("web-2");
    std::string tg_arn = Read([](const World& w) {
        for (const auto& [arn, tg] : w.target_groups) {
            if (tg.name == "web-tg")
                return arn;
        }
        return std::string();
    });
    ASSERT_FALSE(tg_arn.empty());
    aws::AwsClient alice = Client(kAlice);

    auto before = aws::elbv2::DescribeTargetHealth(alice, {tg_arn, {}});
    ASSERT_TRUE(before.has_value()) << before.error().ToString();
    std::map<std::string, aws::elbv2::TargetHealth> health;
    for (const aws::elbv2::TargetHealth& target : before->targets)
        health[target.id] = target;
    ASSERT_EQ(health.size(), 2u);
    EXPECT_EQ(health[web1].state, "healthy");
    EXPECT_EQ(health[web1].port, 80);
    EXPECT_EQ(health[web2].state, "healthy");
    ExpectEvent("DescribeTargetHealth", "elasticloadbalancing.amazonaws.com", true, kAliceArn);

    auto out = aws::elbv2::DeregisterTargets(alice, {tg_arn, {{web1, std::nullopt, ""}}});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_FALSE(out->request_id.empty());
    std::string world_state = Read([&](const World& w) {
        for (const Target& target : w.target_groups.at(tg_arn).targets) {
            if (target.id == web1)
                return target.health_state;
        }
        return std::string("(gone)");
    });
    EXPECT_THAT(world_state, ::testing::AnyOf("draining", "(gone)"));
    event::JsonValue envelope = ExpectEvent(
            "DeregisterTargets", "elasticloadbalancing.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.targetGroupArn"), tg_arn);

    auto after = aws::elbv2::DescribeTargetHealth(alice, {tg_arn, {{web1, std::nullopt, ""}}});
    ASSERT_TRUE(after.has_value()) << after.error().ToString();
    ASSERT_EQ(after->targets.size(), 1u);
    EXPECT_EQ(after->targets[0].id, web1);
    EXPECT_EQ(after->targets[0].state, "draining");
    EXPECT_EQ(after->targets[0].reason, "Target.DeregistrationInProgress");
}

TEST_F(SingleAccountTest, DescribeTargetGroupsByNameArnAndPage) {
    TargetGroup web = Read([](const World& w) {
        for (const auto& [arn, tg] : w.target_groups) {
            if (tg.name == "web-tg")
                return tg;
        }
        return TargetGroup();
    });
    ASSERT_FALSE(web.arn.empty());
    auto out = aws::elbv2::DescribeTargetGroups(Client(kBob), {{}, {"web-tg"}, "", "", 1});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ASSERT_EQ(out->target_groups.size(), 1u);
    const aws::elbv2::TargetGroupDescription& tg = out->target_groups[0];
    EXPECT_EQ(tg.target_group_arn, web.arn);
    EXPECT_EQ(tg.target_group_name, "web-tg");
    EXPECT_EQ(tg.protocol, web.protocol);
    EXPECT_EQ(tg.port, web.port);
    EXPECT_EQ(tg.vpc_id, web.vpc_id);
    EXPECT_EQ(tg.target_type, web.target_type);
    EXPECT_EQ(tg.load_balancer_arns, web.load_balancer_arns);
    EXPECT_EQ(out->next_marker, "");
    event::JsonValue envelope = ExpectEvent(
            "DescribeTargetGroups", "elasticloadbalancing.amazonaws.com", true, kBobArn);
    EXPECT_THAT(ToJson(envelope), HasSubstr("web-tg"));
    auto unknown =
            aws::elbv2::DescribeTargetGroups(Client(kAlice), {{}, {"no-such-tg"}, "", "", {}});
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, "TargetGroupNotFound");
    ExpectEvent("DescribeTargetGroups",
                "elasticloadbalancing.amazonaws.com",
                true,
                kAliceArn,
                "TargetGroupNotFound");

    size_t total = Read([](const World& w) {
        size_t n = 0;
        for (const auto& [arn, group] : w.target_groups)
            n += group.account_id == kProd && group.region == "us-east-1" ? 1 : 0;
        return n;
    });
    std::vector<std::string> paged;
    aws::elbv2::DescribeTargetGroupsRequest page;
    page.page_size = 1;
    for (size_t i = 0; i <= total; ++i) {
        auto part = aws::elbv2::DescribeTargetGroups(Client(kAlice), page);
        ASSERT_TRUE(part.has_value()) << part.error().ToString();
        for (const aws::elbv2::TargetGroupDescription& g : part->target_groups)
            paged.push_back(g.target_group_arn);
        if (part->next_marker.empty())
            break;
        page.marker = part->next_marker;
    }
    EXPECT_EQ(paged.size(), total);
    EXPECT_THAT(paged, ::testing::Contains(web.arn));

    auto by_arn = aws::elbv2::DescribeTargetGroups(Client(kAlice), {{web.arn}, {}, "", "", {}});
    ASSERT_TRUE(by_arn.has_value()) << by_arn.error().ToString();
    ASSERT_EQ(by_arn->target_groups.size(), 1u);
    EXPECT_EQ(by_arn->target_groups[0].target_group_name, "web-tg");
}

// ---- CloudTrail -----------------------------------------------------------------------------

TEST_F(SingleAccountTest, DescribeTrailsAndGetTrailStatus) {
    aws::AwsClient alice = Client(kAlice);
    auto trails = aws::cloudtrail::DescribeTrails(alice, {});
    ASSERT_TRUE(trails.has_value()) << trails.error().ToString();
    ASSERT_EQ(trails->trails.size(), 1u);
    const aws::cloudtrail::Trail& trail = trails->trails[0];
    EXPECT_EQ(trail.name, "management-events");
    EXPECT_EQ(trail.trail_arn, "arn:aws:cloudtrail:us-east-1:111111111111:trail/management-events");
    EXPECT_EQ(trail.s3_bucket_name, "org-cloudtrail-logs");
    EXPECT_EQ(trail.home_region, "us-east-1");
    EXPECT_TRUE(trail.is_multi_region_trail);
    EXPECT_TRUE(trail.log_file_validation_enabled);
    EXPECT_TRUE(trail.include_global_service_events);
    EXPECT_FALSE(trail.is_organization_trail);
    ExpectEvent("DescribeTrails", "cloudtrail.amazonaws.com", true, kAliceArn);

    auto status = aws::cloudtrail::GetTrailStatus(alice, {"management-events"});
    ASSERT_TRUE(status.has_value()) << status.error().ToString();
    EXPECT_TRUE(status->is_logging);
    EXPECT_TRUE(status->start_logging_time.has_value());
    EXPECT_FALSE(status->stop_logging_time.has_value());
    event::JsonValue envelope =
            ExpectEvent("GetTrailStatus", "cloudtrail.amazonaws.com", true, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.name"), "management-events");

    auto missing = aws::cloudtrail::GetTrailStatus(alice, {"no-such-trail"});
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, "TrailNotFoundException");
    EXPECT_EQ(missing.error().http_status, 400);
}

TEST_F(SingleAccountTest, StopLoggingThenStartLoggingAgain) {
    aws::AwsClient alice = Client(kAlice);
    const std::string arn = "arn:aws:cloudtrail:us-east-1:111111111111:trail/management-events";

    auto stopped = aws::cloudtrail::StopLogging(alice, {"management-events"});
    ASSERT_TRUE(stopped.has_value()) << stopped.error().ToString();
    Trail world = GetTrail(kProd, "management-events");
    EXPECT_FALSE(world.is_logging);
    EXPECT_TRUE(world.stop_logging_time.has_value());
    // CloudTrail records the StopLogging call itself: it is the evidence of the evasion.
    ExpectEvent("StopLogging", "cloudtrail.amazonaws.com", false, kAliceArn);

    auto status = aws::cloudtrail::GetTrailStatus(alice, {arn});
    ASSERT_TRUE(status.has_value()) << status.error().ToString();
    EXPECT_FALSE(status->is_logging);
    EXPECT_TRUE(status->stop_logging_time.has_value());

    // The responder turns it back on (by ARN).
    auto started = aws::cloudtrail::StartLogging(alice, {arn});
    ASSERT_TRUE(started.has_value()) << started.error().ToString();
    EXPECT_TRUE(GetTrail(kProd, "management-events").is_logging);
    ExpectEvent("StartLogging", "cloudtrail.amazonaws.com", false, kAliceArn);
    status = aws::cloudtrail::GetTrailStatus(alice, {"management-events"});
    ASSERT_TRUE(status.has_value()) << status.error().ToString();
    EXPECT_TRUE(status->is_logging);
}

TEST_F(SingleAccountTest, CreateTrailStartsNotLoggingAndDeleteTrailRemovesIt) {
    aws::AwsClient alice = Client(kAlice);
    aws::cloudtrail::CreateTrailRequest request;
    request.name = "ir-evidence";
    request.s3_bucket_name = "org-cloudtrail-logs";
    request.s3_key_prefix = "ir";
    request.enable_log_file_validation = true;
    auto created = aws::cloudtrail::CreateTrail(alice, request);
    ASSERT_TRUE(created.has_value()) << created.error().ToString();
    const std::string arn = "arn:aws:cloudtrail:us-east-1:111111111111:trail/ir-evidence";
    EXPECT_EQ(created->trail.name, "ir-evidence");
    EXPECT_EQ(created->trail.trail_arn, arn);
    EXPECT_EQ(created->trail.s3_bucket_name, "org-cloudtrail-logs");
    EXPECT_EQ(created->trail.s3_key_prefix, "ir");
    EXPECT_TRUE(created->trail.log_file_validation_enabled);
    EXPECT_TRUE(created->trail.include_global_service_events);
    EXPECT_FALSE(created->trail.is_multi_region_trail);
    Trail world = GetTrail(kProd, "ir-evidence");
    EXPECT_EQ(world.arn, arn);
    EXPECT_EQ(world.home_region, "us-east-1");
    EXPECT_FALSE(world.is_logging);  // CreateTrail does not start logging
    event::JsonValue envelope =
            ExpectEvent("CreateTrail", "cloudtrail.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.name"), "ir-evidence");
    EXPECT_EQ(At(envelope, "detail.requestParameters.s3BucketName"), "org-cloudtrail-logs");
    EXPECT_EQ(At(envelope, "detail.requestParameters.enableLogFileValidation"), "true");
    EXPECT_EQ(At(envelope, "detail.responseElements.trailARN"), arn);
    EXPECT_EQ(At(envelope, "detail.responseElements.logFileValidationEnabled"), "true");
    auto status = aws::cloudtrail::GetTrailStatus(alice, {"ir-evidence"});
    ASSERT_TRUE(status.has_value()) << status.error().ToString();
    EXPECT_FALSE(status->is_logging);

    auto again = aws::cloudtrail::CreateTrail(alice, request);
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, "TrailAlreadyExistsException");
    ExpectEvent("CreateTrail",
                "cloudtrail.amazonaws.com",
                false,
                kAliceArn,
                "TrailAlreadyExistsException");
    request.name = "elsewhere";
    request.s3_bucket_name = "no-such-bucket-here";
    auto no_bucket = aws::cloudtrail::CreateTrail(alice, request);
    ASSERT_FALSE(no_bucket.has_value());
    EXPECT_EQ(no_bucket.error().code, "S3BucketDoesNotExistException");
    request.name = "-bad";
    auto bad_name = aws::cloudtrail::CreateTrail(alice, request);
    ASSERT_FALSE(bad_name.has_value());
    EXPECT_EQ(bad_name.error().code, "InvalidTrailNameException");

    auto deleted = aws::cloudtrail::DeleteTrail(alice, {arn});
    ASSERT_TRUE(deleted.has_value()) << deleted.error().ToString();
    EXPECT_TRUE(GetTrail(kProd, "ir-evidence").arn.empty());
    envelope = ExpectEvent("DeleteTrail", "cloudtrail.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.name"), arn);
    auto gone = aws::cloudtrail::DeleteTrail(alice, {"ir-evidence"});
    ASSERT_FALSE(gone.has_value());
    EXPECT_EQ(gone.error().code, "TrailNotFoundException");
    ExpectEvent(
            "DeleteTrail", "cloudtrail.amazonaws.com", false, kAliceArn, "TrailNotFoundException");
}

TEST_F(SingleAccountTest, PutEventSelectorsAddsS3DataEvents) {
    aws::AwsClient alice = Client(kAlice);
    const std::string arn = "arn:aws:cloudtrail:us-east-1:111111111111:trail/management-events";
    auto before = aws::cloudtrail::GetEventSelectors(alice, {"management-events"});
    ASSERT_TRUE(before.has_value()) << before.error().ToString();
    EXPECT_EQ(before->trail_arn, arn);
    ASSERT_EQ(before->event_selectors.size(), 1u);  // the default: all management events
    EXPECT_EQ(before->event_selectors[0].read_write_type, "All");
    EXPECT_EQ(before->event_selectors[0].include_management_events, true);
    EXPECT_TRUE(before->event_selectors[0].data_resources.empty());
    event::JsonValue envelope =
            ExpectEvent("GetEventSelectors", "cloudtrail.amazonaws.com", true, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.trailName"), "management-events");

    aws::cloudtrail::EventSelector selector;
    selector.read_write_type = "All";
    selector.include_management_events = true;
    selector.data_resources = {{"AWS::S3::Object", {"arn:aws:s3:::acme-marketing-assets/"}}};
    auto put = aws::cloudtrail::PutEventSelectors(alice, {"management-events", {selector}});
    ASSERT_TRUE(put.has_value()) << put.error().ToString();
    EXPECT_EQ(put->trail_arn, arn);
    ASSERT_EQ(put->event_selectors.size(), 1u);
    EXPECT_EQ(put->event_selectors[0].data_resources, selector.data_resources);
    Trail world = GetTrail(kProd, "management-events");
    ASSERT_TRUE(world.event_selectors.has_value());
    ASSERT_EQ(world.event_selectors->size(), 1u);
    ASSERT_EQ((*world.event_selectors)[0].data_resources.size(), 1u);
    EXPECT_EQ((*world.event_selectors)[0].data_resources[0].values,
              std::vector<std::string>{"arn:aws:s3:::acme-marketing-assets/"});
    envelope = ExpectEvent("PutEventSelectors", "cloudtrail.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.trailName"), "management-events");
    EXPECT_EQ(At(envelope, "detail.responseElements.trailARN"), arn);
    EXPECT_THAT(ToJson(envelope), HasSubstr("arn:aws:s3:::acme-marketing-assets/"));
    auto after = aws::cloudtrail::GetEventSelectors(alice, {arn});
    ASSERT_TRUE(after.has_value()) << after.error().ToString();
    ASSERT_EQ(after->event_selectors.size(), 1u);
    EXPECT_EQ(after->event_selectors[0].data_resources, selector.data_resources);

    selector.read_write_type = "Sometimes";
    auto invalid = aws::cloudtrail::PutEventSelectors(alice, {"management-events", {selector}});
    ASSERT_FALSE(invalid.has_value());
    EXPECT_EQ(invalid.error().code, "InvalidEventSelectorsException");
    auto unknown = aws::cloudtrail::GetEventSelectors(alice, {"no-such-trail"});
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, "TrailNotFoundException");
}

TEST_F(SingleAccountTest, LookupEventsFindsWhoStoppedTheTrail) {
    aws::AwsClient alice = Client(kAlice);
    auto stopped = aws::cloudtrail::StopLogging(alice, {"management-events"});
    ASSERT_TRUE(stopped.has_value()) << stopped.error().ToString();
    ExpectEvent("StopLogging", "cloudtrail.amazonaws.com", false, kAliceArn);

    // While the trail is off nothing is delivered, but the event history still keeps the call.
    std::string dev1 = InstanceId("dev-1");
    auto stop = aws::ec2::StopInstances(alice, {{dev1}, std::nullopt, std::nullopt});
    ASSERT_TRUE(stop.has_value()) << stop.error().ToString();

    using aws::cloudtrail::LookupAttributeKey;
    aws::cloudtrail::LookupEventsRequest request;
    request.lookup_attributes = {{LookupAttributeKey::kEventName, "StopLogging"}};
    auto out = aws::cloudtrail::LookupEvents(alice, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ASSERT_EQ(out->events.size(), 1u);
    EXPECT_TRUE(out->next_token.empty());
    const aws::cloudtrail::Event& event = out->events[0];
    EXPECT_EQ(event.event_name, "StopLogging");
    EXPECT_EQ(event.event_source, "cloudtrail.amazonaws.com");
    EXPECT_EQ(event.username, "alice");
    EXPECT_EQ(event.access_key_id, kAlice.id);
    EXPECT_FALSE(event.read_only);
    EXPECT_TRUE(event.event_time.has_value());
    auto record = event::ParseJson(event.cloud_trail_event);
    ASSERT_TRUE(record.has_value()) << event.cloud_trail_event;
    EXPECT_EQ(At(*record, "eventName"), "StopLogging");
    EXPECT_EQ(At(*record, "eventID"), event.event_id);
    EXPECT_EQ(At(*record, "userIdentity.arn"), kAliceArn);
    EXPECT_EQ(At(*record, "requestParameters.name"), "management-events");
    bool in_history = Read([&](const World& w) {
        return std::any_of(w.event_history.begin(),
                           w.event_history.end(),
                           [&](const RecordedEvent& e) { return e.event_id == event.event_id; });
    });
    EXPECT_TRUE(in_history);

    request.lookup_attributes = {{LookupAttributeKey::kEventName, "StopInstances"}};
    auto missed = aws::cloudtrail::LookupEvents(alice, request);
    ASSERT_TRUE(missed.has_value()) << missed.error().ToString();
    ASSERT_EQ(missed->events.size(), 1u);
    EXPECT_THAT(missed->events[0].cloud_trail_event, HasSubstr(dev1));

    // Logging again: the next event on the stream is StartLogging (nothing leaked in between),
    // and the history pages newest first.
    auto started = aws::cloudtrail::StartLogging(alice, {"management-events"});
    ASSERT_TRUE(started.has_value()) << started.error().ToString();
    std::optional<event::JsonValue> next = NextEnvelope();
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(At(*next, "detail.eventName"), "StartLogging");

    request.lookup_attributes = {{LookupAttributeKey::kUsername, "alice"}};
    request.max_results = 2;
    auto page = aws::cloudtrail::LookupEvents(alice, request);
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
    ASSERT_EQ(page->events.size(), 2u);
    EXPECT_EQ(page->events[0].event_name, "StartLogging");
    EXPECT_EQ(page->events[1].event_name, "LookupEvents");
    EXPECT_FALSE(page->next_token.empty());
    event::JsonValue envelope =
            ExpectEvent("LookupEvents", "cloudtrail.amazonaws.com", true, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.maxResults"), "2");

    // Bob's read-only policies do not include cloudtrail:LookupEvents.
    auto denied = aws::cloudtrail::LookupEvents(Client(kBob), {});
    ASSERT_FALSE(denied.has_value());
    EXPECT_EQ(denied.error().code, "AccessDeniedException");
}

// ---- IAM ------------------------------------------------------------------------------------

TEST_F(SingleAccountTest, BreakGlassUserWithKeysThatCanBeDeactivated) {
    aws::AwsClient alice = Client(kAlice);

    aws::iam::CreateUserRequest create;
    create.user_name = "break-glass";
    create.path = "/firebreak/";
    create.tags = {{"purpose", "incident-response"}};
    auto user = aws::iam::CreateUser(alice, create);
    ASSERT_TRUE(user.has_value()) << user.error().ToString();
    EXPECT_EQ(user->user.user_name, "break-glass");
    EXPECT_EQ(user->user.path, "/firebreak/");
    EXPECT_EQ(user->user.arn, "arn:aws:iam::111111111111:user/firebreak/break-glass");
    EXPECT_TRUE(user->user.user_id.starts_with("AIDA")) << user->user.user_id;
    EXPECT_TRUE(user->user.create_date.has_value());
    IamUser world = GetUser(kProd, "break-glass");
    EXPECT_EQ(world.arn, user->user.arn);
    EXPECT_EQ(world.user_id, user->user.user_id);
    EXPECT_EQ(TagValue(world.tags, "purpose"), "incident-response");
    event::JsonValue envelope = ExpectEvent("CreateUser", "iam.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "region"), "us-east-1");
    EXPECT_EQ(At(envelope, "detail.requestParameters.userName"), "break-glass");

    auto key = aws::iam::CreateAccessKey(alice, {"break-glass"});
    ASSERT_TRUE(key.has_value()) << key.error().ToString();
    const aws::iam::AccessKey& created = key->access_key;
    EXPECT_EQ(created.user_name, "break-glass");
    EXPECT_TRUE(created.access_key_id.starts_with("AKIA")) << created.access_key_id;
    EXPECT_EQ(created.secret_access_key.size(), 40u);
    EXPECT_EQ(created.status, "Active");
    world = GetUser(kProd, "break-glass");
    ASSERT_EQ(world.access_keys.size(), 1u);
    EXPECT_EQ(world.access_keys[0].id, created.access_key_id);
    EXPECT_EQ(world.access_keys[0].status, KeyStatus::kActive);
    envelope = ExpectEvent("CreateAccessKey", "iam.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.responseElements.accessKey.accessKeyId"), created.access_key_id);
    EXPECT_THAT(ToJson(envelope), ::testing::Not(HasSubstr(created.secret_access_key)));

    // The new key works.
    std::string new_id = created.access_key_id;
    std::string new_secret = created.secret_access_key;
    Keys new_keys{new_id.c_str(), new_secret.c_str()};
    auto who = aws::sts::GetCallerIdentity(Client(new_keys));
    ASSERT_TRUE(who.has_value()) << who.error().ToString();
    EXPECT_EQ(who->arn, user->user.arn);
    ExpectEvent("GetCallerIdentity", "sts.amazonaws.com", true, user->user.arn);

    // UpdateAccessKey deactivates it ...
    aws::iam::UpdateAccessKeyRequest update;
    update.user_name = "break-glass";
    update.access_key_id = new_id;
    update.status = aws::iam::AccessKeyStatus::kInactive;
    auto updated = aws::iam::UpdateAccessKey(alice, update);
    ASSERT_TRUE(updated.has_value()) << updated.error().ToString();
    EXPECT_EQ(GetUser(kProd, "break-glass").access_keys.at(0).status, KeyStatus::kInactive);
    envelope = ExpectEvent("UpdateAccessKey", "iam.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.status"), "Inactive");

    auto listed = aws::iam::ListAccessKeys(alice, {"break-glass", "", std::nullopt});
    ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
    ASSERT_EQ(listed->access_key_metadata.size(), 1u);
    EXPECT_EQ(listed->access_key_metadata[0].access_key_id, new_id);
    EXPECT_EQ(listed->access_key_metadata[0].status, "Inactive");
    ExpectEvent("ListAccessKeys", "iam.amazonaws.com", true, kAliceArn);

    // ... after which AWS refuses it as an invalid token, and records nothing.
    auto refused = aws::sts::GetCallerIdentity(Client(new_keys));
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, "InvalidClientTokenId");
    EXPECT_EQ(refused.error().http_status, 403);
    ExpectNothingRecordedSince(alice, kAliceArn);
}

TEST_F(SingleAccountTest, ListAccessKeysShowsActiveAndInactiveKeys) {
    auto out = aws::iam::ListAccessKeys(Client(kAlice), {"bob", "", std::nullopt});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_FALSE(out->is_truncated);
    std::map<std::string, std::string> status;
    for (const aws::iam::AccessKeyMetadata& key : out->access_key_metadata) {
        EXPECT_EQ(key.user_name, "bob");
        EXPECT_TRUE(key.create_date.has_value());
        status[key.access_key_id] = key.status;
    }
    EXPECT_EQ(status,
              (std::map<std::string, std::string>{{kBob.id, "Active"},
                                                  {kBobInactive.id, "Inactive"}}));
    event::JsonValue envelope = ExpectEvent("ListAccessKeys", "iam.amazonaws.com", true, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.userName"), "bob");
}

TEST_F(SingleAccountTest, GetAccessKeyLastUsedNamesTheOwnerAndTheLastCall) {
    aws::AwsClient alice = Client(kAlice);
    auto unused = aws::iam::GetAccessKeyLastUsed(alice, {kBobInactive.id});
    ASSERT_TRUE(unused.has_value()) << unused.error().ToString();
    EXPECT_EQ(unused->user_name, "bob");
    EXPECT_EQ(unused->access_key_last_used.last_used_date, std::nullopt);
    EXPECT_EQ(unused->access_key_last_used.service_name, "N/A");
    EXPECT_EQ(unused->access_key_last_used.region, "N/A");
    event::JsonValue envelope =
            ExpectEvent("GetAccessKeyLastUsed", "iam.amazonaws.com", true, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.accessKeyId"), kBobInactive.id);

    auto looked = aws::ec2::DescribeInstances(Client(kBob), {});
    ASSERT_TRUE(looked.has_value()) << looked.error().ToString();
    ExpectEvent("DescribeInstances", "ec2.amazonaws.com", true, kBobArn);
    auto used = aws::iam::GetAccessKeyLastUsed(alice, {kBob.id});
    ASSERT_TRUE(used.has_value()) << used.error().ToString();
    EXPECT_EQ(used->user_name, "bob");
    EXPECT_TRUE(used->access_key_last_used.last_used_date.has_value());
    EXPECT_EQ(used->access_key_last_used.service_name, "ec2");
    EXPECT_EQ(used->access_key_last_used.region, "us-east-1");
    ExpectEvent("GetAccessKeyLastUsed", "iam.amazonaws.com", true, kAliceArn);

    auto unknown = aws::iam::GetAccessKeyLastUsed(alice, {"AKIAEXAMPLEUNKNOWN01"});
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, "AccessDenied");
    EXPECT_EQ(unknown.error().http_status, 403);
    ExpectEvent("GetAccessKeyLastUsed", "iam.amazonaws.com", true, kAliceArn, "AccessDenied");
}

TEST_F(SingleAccountTest, DeleteLoginProfileRemovesTheConsolePassword) {
    ASSERT_TRUE(GetUser(kProd, "alice").has_login_profile);
    aws::AwsClient alice = Client(kAlice);
    auto out = aws::iam::DeleteLoginProfile(alice, {"alice"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_FALSE(GetUser(kProd, "alice").has_login_profile);
    event::JsonValue envelope =
            ExpectEvent("DeleteLoginProfile", "iam.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.userName"), "alice");

    auto again = aws::iam::DeleteLoginProfile(alice, {"alice"});
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, "NoSuchEntity");
    EXPECT_EQ(again.error().http_status, 404);
    // CloudTrail writes IAM's modelled errors with an "Exception" suffix
    // ("NoSuchEntityException") while the API answers "NoSuchEntity"; the sandbox records the
    // API's code, so only the prefix is checked here.
    event::JsonValue failed = NextEvent("DeleteLoginProfile");
    EXPECT_THAT(At(failed, "detail.errorCode"), ::testing::StartsWith("NoSuchEntity"));
    EXPECT_EQ(At(failed, "detail.userIdentity.arn"), kAliceArn);
    EXPECT_FALSE(At(failed, "detail.errorMessage").empty());
}

TEST_F(SingleAccountTest, AttachUserPolicyDenyAllContainsTheUser) {
    aws::AwsClient alice = Client(kAlice);
    const std::string deny_all = "arn:aws:iam::aws:policy/AWSDenyAll";
    auto out = aws::iam::AttachUserPolicy(alice, {"bob", deny_all});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_THAT(GetUser(kProd, "bob").attached_policy_arns, ::testing::Contains(deny_all));
    event::JsonValue envelope =
            ExpectEvent("AttachUserPolicy", "iam.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.policyArn"), deny_all);

    auto listed = aws::iam::ListAttachedUserPolicies(alice, {"bob", "", "", std::nullopt});
    ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
    std::map<std::string, std::string> attached;
    for (const aws::iam::AttachedPolicy& policy : listed->attached_policies) {
        attached[policy.policy_name] = policy.policy_arn;
    }
    EXPECT_EQ(attached,
              (std::map<std::string, std::string>{
                      {"EC2ReadOnly", "arn:aws:iam::111111111111:policy/EC2ReadOnly"},
                      {"AWSDenyAll", deny_all}}));
    ExpectEvent("ListAttachedUserPolicies", "iam.amazonaws.com", true, kAliceArn);

    // Bob's read-only access is gone: the explicit deny wins.
    auto denied = aws::ec2::DescribeInstances(Client(kBob), {});
    ASSERT_FALSE(denied.has_value());
    EXPECT_EQ(denied.error().code, "UnauthorizedOperation");
    EXPECT_EQ(denied.error().http_status, 403);
    ExpectEvent("DescribeInstances",
                "ec2.amazonaws.com",
                true,
                kBobArn,
                "Client.UnauthorizedOperation");
}

TEST_F(SingleAccountTest, PutUserPolicyAddsAnInlineDeny) {
    const std::string document =
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]})";
    auto out = aws::iam::PutUserPolicy(Client(kAlice), {"bob", "firebreak-quarantine", document});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    IamUser bob = GetUser(kProd, "bob");
    ASSERT_TRUE(bob.inline_policies.contains("firebreak-quarantine"));
    auto stored = event::ParseJson(bob.inline_policies.at("firebreak-quarantine"));
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(ToJson(*stored), ToJson(event::ParseJson(document).value()));
    EXPECT_TRUE(bob.inline_policies.contains("read-trail-logs"));  // the others stay
    event::JsonValue envelope = ExpectEvent("PutUserPolicy", "iam.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.policyName"), "firebreak-quarantine");

    aws::s3::ListObjectsV2Request list;
    list.bucket = "org-cloudtrail-logs";
    auto denied = aws::s3::ListObjectsV2(Client(kBob), list);
    ASSERT_FALSE(denied.has_value());
    EXPECT_EQ(denied.error().code, "AccessDenied");
    EXPECT_EQ(denied.error().http_status, 403);
}

// ---- STS ------------------------------------------------------------------------------------

TEST_F(SingleAccountTest, GetCallerIdentityNamesTheUser) {
    auto out = aws::sts::GetCallerIdentity(Client(kAlice));
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_EQ(out->arn, kAliceArn);
    EXPECT_EQ(out->account, kProd);
    EXPECT_EQ(out->user_id, GetUser(kProd, "alice").user_id);
    EXPECT_FALSE(out->request_id.empty());
    event::JsonValue envelope =
            ExpectEvent("GetCallerIdentity", "sts.amazonaws.com", true, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.userIdentity.type"), "IAMUser");
    EXPECT_EQ(At(envelope, "detail.userIdentity.accessKeyId"), kAlice.id);
    EXPECT_EQ(At(envelope, "account"), kProd);
}

TEST_F(SingleAccountTest, AssumeRoleThatDoesNotTrustTheCallerIsDenied) {
    aws::sts::AssumeRoleRequest request;
    request.role_arn = "arn:aws:iam::111111111111:role/web-instance-role";
    request.role_session_name = "alice";
    auto out = aws::sts::AssumeRole(Client(kAlice), request);
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "AccessDenied");
    EXPECT_EQ(out.error().http_status, 403);
    EXPECT_TRUE(Read([](const World& w) { return w.sessions.empty(); }));
    ExpectEvent("AssumeRole", "sts.amazonaws.com", true, kAliceArn, "AccessDenied");
}

// ---- S3 -------------------------------------------------------------------------------------

// The single-account world with its trail also logging S3 object and SNS data events: without
// event selectors a trail logs management events only, as on AWS, and the object calls, listings
// and Publish are data events.
class DataEventsTest : public SandboxClientTest {
protected:
    void SetUp() override {
        ASSERT_NO_FATAL_FAILURE(Start("single-account.yaml", [](World* world) {
            EventSelector selector;
            selector.data_resources = {
                    {"AWS::S3::Object", {"arn:aws:s3:::acme-marketing-assets/"}},
                    {"AWS::SNS::Topic", {"arn:aws:sns:us-east-1:111111111111:security-alerts"}}};
            for (auto& [arn, trail] : world->trails) {
                trail.event_selectors = std::vector<EventSelector>{selector};
            }
        }));
    }
};

TEST_F(SingleAccountTest, DataEventsAreNotLoggedByTrailsWithoutDataSelectors) {
    aws::AwsClient alice = Client(kAlice);
    auto read = aws::s3::GetObject(alice, {"acme-marketing-assets", "index.html", ""});
    ASSERT_TRUE(read.has_value()) << read.error().ToString();
    aws::s3::ListObjectsV2Request list;
    list.bucket = "acme-marketing-assets";
    auto listed = aws::s3::ListObjectsV2(alice, list);
    ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
    auto published = aws::sns::Publish(
            alice, {"arn:aws:sns:us-east-1:111111111111:security-alerts", "hello", "", {}});
    ASSERT_TRUE(published.has_value()) << published.error().ToString();
    ExpectNothingRecordedSince(alice, kAliceArn);
}

TEST_F(DataEventsTest, ListObjectsV2ListsTheBucket) {
    aws::AwsClient alice = Client(kAlice);
    aws::s3::ListObjectsV2Request request;
    request.bucket = "acme-marketing-assets";
    auto out = aws::s3::ListObjectsV2(alice, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_FALSE(out->is_truncated);
    EXPECT_EQ(out->key_count, 2);
    ASSERT_EQ(out->contents.size(), 2u);
    EXPECT_EQ(out->contents[0].key, "exports/customers.csv");
    EXPECT_EQ(out->contents[1].key, "index.html");
    Bucket world = GetBucket("acme-marketing-assets");
    EXPECT_EQ(out->contents[1].size, static_cast<int64_t>(world.Latest("index.html")->data.size()));
    EXPECT_EQ(out->contents[1].etag, world.Latest("index.html")->etag);
    EXPECT_TRUE(out->contents[1].last_modified.has_value());
    event::JsonValue envelope = ExpectEvent("ListObjects", "s3.amazonaws.com", true, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.bucketName"), "acme-marketing-assets");

    aws::s3::ListObjectsV2Request grouped;
    grouped.bucket = "acme-marketing-assets";
    grouped.delimiter = "/";
    auto folders = aws::s3::ListObjectsV2(alice, grouped);
    ASSERT_TRUE(folders.has_value()) << folders.error().ToString();
    ASSERT_EQ(folders->contents.size(), 1u);
    EXPECT_EQ(folders->contents[0].key, "index.html");
    EXPECT_THAT(folders->common_prefixes, ElementsAre("exports/"));
}

TEST_F(DataEventsTest, GetObjectReadsContentAndMetadata) {
    auto out = aws::s3::GetObject(Client(kAlice),
                                  {"acme-marketing-assets", "exports/customers.csv", ""});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_EQ(out->body, "id,email\n1,jane@example.com\n");
    EXPECT_EQ(out->content_type, "text/csv");
    EXPECT_EQ(out->metadata, (std::map<std::string, std::string>{{"exported-by", "bob"}}));
    EXPECT_EQ(out->etag, S3Etag("id,email\n1,jane@example.com\n"));
    EXPECT_TRUE(out->last_modified.has_value());
    EXPECT_FALSE(out->object_lock_mode.has_value());
    event::JsonValue envelope = ExpectEvent("GetObject", "s3.amazonaws.com", true, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.key"), "exports/customers.csv");

    auto missing = aws::s3::GetObject(Client(kAlice), {"acme-marketing-assets", "nope.txt", ""});
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, "NoSuchKey");
    EXPECT_EQ(missing.error().http_status, 404);
}

TEST_F(DataEventsTest, PutObjectStoresTheObject) {
    aws::AwsClient alice = Client(kAlice);
    aws::s3::PutObjectRequest request;
    request.bucket = "acme-marketing-assets";
    request.key = "evidence/IR-1/notes.txt";
    request.body = "timeline: 08:02 key leaked\n";
    request.content_type = "text/plain";
    request.metadata = {{"case", "IR-1"}};
    auto out = aws::s3::PutObject(alice, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_EQ(out->etag, S3Etag(request.body));
    EXPECT_TRUE(out->version_id.empty());  // the bucket is not versioned
    Bucket world = GetBucket("acme-marketing-assets");
    const ObjectVersion* stored = world.Latest("evidence/IR-1/notes.txt");
    ASSERT_NE(stored, nullptr);
    EXPECT_EQ(stored->data, request.body);
    EXPECT_EQ(stored->content_type, "text/plain");
    EXPECT_EQ(stored->metadata, (std::map<std::string, std::string>{{"case", "IR-1"}}));
    event::JsonValue envelope = ExpectEvent("PutObject", "s3.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.key"), "evidence/IR-1/notes.txt");

    auto read = aws::s3::GetObject(alice, {request.bucket, request.key, ""});
    ASSERT_TRUE(read.has_value()) << read.error().ToString();
    EXPECT_EQ(read->body, request.body);
    EXPECT_EQ(read->metadata, request.metadata);
}

TEST_F(SingleAccountTest, PutPublicAccessBlockClosesTheBucket) {
    ASSERT_FALSE(GetBucket("acme-marketing-assets").public_access_block.has_value());
    auto out = aws::s3::PutPublicAccessBlock(Client(kAlice), {"acme-marketing-assets"});
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    std::optional<PublicAccessBlock> block = GetBucket("acme-marketing-assets").public_access_block;
    ASSERT_TRUE(block.has_value());
    EXPECT_TRUE(block->block_public_acls);
    EXPECT_TRUE(block->ignore_public_acls);
    EXPECT_TRUE(block->block_public_policy);
    EXPECT_TRUE(block->restrict_public_buckets);
    event::JsonValue envelope =
            ExpectEvent("PutBucketPublicAccessBlock", "s3.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.bucketName"), "acme-marketing-assets");
}

TEST_F(SingleAccountTest, GetAndDeleteBucketPolicy) {
    aws::AwsClient alice = Client(kAlice);
    auto policy = aws::s3::GetBucketPolicy(alice, {"acme-marketing-assets"});
    ASSERT_TRUE(policy.has_value()) << policy.error().ToString();
    auto parsed = event::ParseJson(policy->policy);
    ASSERT_TRUE(parsed.has_value()) << policy->policy;
    EXPECT_EQ(ToJson(*parsed),
              ToJson(event::ParseJson(*GetBucket("acme-marketing-assets").policy).value()));
    EXPECT_THAT(policy->policy, HasSubstr("PublicRead"));
    ExpectEvent("GetBucketPolicy", "s3.amazonaws.com", true, kAliceArn);

    auto deleted = aws::s3::DeleteBucketPolicy(alice, {"acme-marketing-assets"});
    ASSERT_TRUE(deleted.has_value()) << deleted.error().ToString();
    EXPECT_FALSE(GetBucket("acme-marketing-assets").policy.has_value());
    ExpectEvent("DeleteBucketPolicy", "s3.amazonaws.com", false, kAliceArn);

    auto gone = aws::s3::GetBucketPolicy(alice, {"acme-marketing-assets"});
    ASSERT_FALSE(gone.has_value());
    EXPECT_EQ(gone.error().code, "NoSuchBucketPolicy");
    EXPECT_EQ(gone.error().http_status, 404);
    ExpectEvent("GetBucketPolicy", "s3.amazonaws.com", true, kAliceArn, "NoSuchBucketPolicy");
}

TEST_F(SingleAccountTest, PutBucketPolicyReplacesThePublicPolicy) {
    aws::AwsClient alice = Client(kAlice);
    const std::string policy =
            R"({"Version":"2012-10-17","Statement":[{"Sid":"DenyAll","Effect":"Deny",)"
            R"("Principal":"*","Action":"s3:GetObject",)"
            R"("Resource":"arn:aws:s3:::acme-marketing-assets/*"}]})";
    auto put = aws::s3::PutBucketPolicy(alice, {"acme-marketing-assets", policy});
    ASSERT_TRUE(put.has_value()) << put.error().ToString();
    EXPECT_EQ(GetBucket("acme-marketing-assets").policy, policy);
    event::JsonValue envelope =
            ExpectEvent("PutBucketPolicy", "s3.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.bucketName"), "acme-marketing-assets");
    EXPECT_EQ(At(envelope, "detail.requestParameters.bucketPolicy.Version"), "2012-10-17");
    EXPECT_THAT(ToJson(envelope), HasSubstr("DenyAll"));

    auto malformed = aws::s3::PutBucketPolicy(alice, {"acme-marketing-assets", R"({"Version":1})"});
    ASSERT_FALSE(malformed.has_value());
    EXPECT_EQ(malformed.error().code, "MalformedPolicy");
    EXPECT_EQ(GetBucket("acme-marketing-assets").policy, policy);  // unchanged
    ExpectEvent("PutBucketPolicy", "s3.amazonaws.com", false, kAliceArn, "MalformedPolicy");
    auto not_json = aws::s3::PutBucketPolicy(alice, {"acme-marketing-assets", "allow all"});
    ASSERT_FALSE(not_json.has_value());
    EXPECT_EQ(not_json.error().code, "MalformedPolicy");
}

TEST_F(SingleAccountTest, GetAndDeletePublicAccessBlock) {
    aws::AwsClient alice = Client(kAlice);
    auto got = aws::s3::GetPublicAccessBlock(alice, {"org-cloudtrail-logs"});
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    EXPECT_TRUE(got->block_public_acls);
    EXPECT_TRUE(got->ignore_public_acls);
    EXPECT_TRUE(got->block_public_policy);
    EXPECT_TRUE(got->restrict_public_buckets);
    ExpectEvent("GetBucketPublicAccessBlock", "s3.amazonaws.com", true, kAliceArn);

    auto deleted = aws::s3::DeletePublicAccessBlock(alice, {"org-cloudtrail-logs"});
    ASSERT_TRUE(deleted.has_value()) << deleted.error().ToString();
    EXPECT_FALSE(GetBucket("org-cloudtrail-logs").public_access_block.has_value());
    event::JsonValue envelope =
            ExpectEvent("DeleteBucketPublicAccessBlock", "s3.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.bucketName"), "org-cloudtrail-logs");

    auto gone = aws::s3::GetPublicAccessBlock(alice, {"org-cloudtrail-logs"});
    ASSERT_FALSE(gone.has_value());
    EXPECT_EQ(gone.error().code, "NoSuchPublicAccessBlockConfiguration");
    auto no_bucket = aws::s3::DeletePublicAccessBlock(alice, {"no-such-bucket-anywhere"});
    ASSERT_FALSE(no_bucket.has_value());
    EXPECT_EQ(no_bucket.error().code, "NoSuchBucket");
}

// ---- SSM and SNS ----------------------------------------------------------------------------

TEST_F(SingleAccountTest, SendCommandRunsACollectionScript) {
    std::string web1 = InstanceId("web-1");
    aws::ssm::SendCommandRequest request;
    request.instance_ids = {web1};
    request.document_name = "AWS-RunShellScript";
    request.parameters = {{"commands", {"uname -a", "ps aux"}}};
    request.comment = "firebreak triage IR-1";
    request.timeout_seconds = 600;
    auto out = aws::ssm::SendCommand(Client(kAlice), request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    const aws::ssm::Command& command = out->command;
    EXPECT_FALSE(command.command_id.empty());
    EXPECT_EQ(command.document_name, "AWS-RunShellScript");
    EXPECT_THAT(command.instance_ids, ElementsAre(web1));
    EXPECT_EQ(command.comment, "firebreak triage IR-1");
    EXPECT_EQ(command.status, "Pending");
    EXPECT_EQ(command.target_count, 1);
    EXPECT_TRUE(command.requested_date_time.has_value());
    EXPECT_EQ(command.parameters, request.parameters);

    SsmCommand world = Read([&](const World& w) {
        auto it = w.ssm_commands.find(command.command_id);
        return it == w.ssm_commands.end() ? SsmCommand() : it->second;
    });
    EXPECT_EQ(world.command_id, command.command_id);
    EXPECT_EQ(world.account_id, kProd);
    EXPECT_EQ(world.region, "us-east-1");
    EXPECT_THAT(world.instance_ids, ElementsAre(web1));
    EXPECT_EQ(world.parameters, request.parameters);

    event::JsonValue envelope = ExpectEvent("SendCommand", "ssm.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.documentName"), "AWS-RunShellScript");
    EXPECT_THAT(ToJson(envelope), ::testing::Not(HasSubstr("ps aux")));  // hidden, as AWS does
}

TEST_F(SingleAccountTest, ListCommandsFindsTheSentCommandWithItsComment) {
    std::string web1 = InstanceId("web-1");
    aws::AwsClient alice = Client(kAlice);
    aws::ssm::SendCommandRequest request;
    request.instance_ids = {web1};
    request.document_name = "AWS-RunShellScript";
    request.parameters = {{"commands", {"uname -a"}}};
    request.comment = "triage [firebreak:k1]";
    auto sent = aws::ssm::SendCommand(alice, request);
    ASSERT_TRUE(sent.has_value()) << sent.error().ToString();
    const std::string id = sent->command.command_id;
    EXPECT_EQ(Read([&](const World& w) { return w.ssm_commands.at(id).comment; }),
              "triage [firebreak:k1]");

    auto listed = aws::ssm::ListCommands(alice, {"", web1, std::nullopt, "", {}});
    ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
    ASSERT_EQ(listed->commands.size(), 1u);
    const aws::ssm::Command& command = listed->commands[0];
    EXPECT_EQ(command.command_id, id);
    EXPECT_EQ(command.document_name, "AWS-RunShellScript");
    EXPECT_EQ(command.comment, "triage [firebreak:k1]");
    EXPECT_THAT(command.instance_ids, ElementsAre(web1));
    EXPECT_EQ(command.parameters, request.parameters);
    EXPECT_EQ(command.status, "Pending");
    EXPECT_EQ(command.requested_date_time, sent->command.requested_date_time);
    EXPECT_EQ(listed->next_token, "");
    event::JsonValue envelope = ExpectEvent("ListCommands", "ssm.amazonaws.com", true, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.instanceId"), web1);

    auto by_id = aws::ssm::ListCommands(alice, {id, "", std::nullopt, "", {}});
    ASSERT_TRUE(by_id.has_value()) << by_id.error().ToString();
    ASSERT_EQ(by_id->commands.size(), 1u);
    auto other_status =
            aws::ssm::ListCommands(alice, {"", "", std::nullopt, "", {{"Status", "Success"}}});
    ASSERT_TRUE(other_status.has_value()) << other_status.error().ToString();
    EXPECT_TRUE(other_status->commands.empty());
    ExpectEvent("ListCommands", "ssm.amazonaws.com", true, kAliceArn);
    ExpectEvent("ListCommands", "ssm.amazonaws.com", true, kAliceArn);

    auto unknown = aws::ssm::ListCommands(
            alice, {"00000000-0000-4000-8000-000000000000", "", std::nullopt, "", {}});
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, "InvalidCommandId");
    ExpectEvent("ListCommands", "ssm.amazonaws.com", true, kAliceArn, "InvalidCommandId");
}

TEST_F(DataEventsTest, PublishNotifiesTheTopic) {
    const std::string topic = "arn:aws:sns:us-east-1:111111111111:security-alerts";
    aws::sns::PublishRequest request;
    request.topic_arn = topic;
    request.subject = "firebreak: IR-1 opened";
    request.message = "Access key AKIA...0001 used from 203.0.113.99";
    request.message_attributes = {{"severity", {"String", "HIGH"}}};
    auto out = aws::sns::Publish(Client(kAlice), request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_FALSE(out->message_id.empty());
    SnsTopic world = Read([&](const World& w) { return w.topics.at(topic); });
    ASSERT_EQ(world.messages.size(), 1u);
    EXPECT_EQ(world.messages[0].message_id, out->message_id);
    EXPECT_EQ(world.messages[0].subject, request.subject);
    EXPECT_EQ(world.messages[0].message, request.message);
    event::JsonValue envelope = ExpectEvent("Publish", "sns.amazonaws.com", false, kAliceArn);
    EXPECT_EQ(At(envelope, "detail.requestParameters.topicArn"), topic);

    auto missing = aws::sns::Publish(
            Client(kAlice), {"arn:aws:sns:us-east-1:111111111111:no-such-topic", "x", "", {}});
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, "NotFound");
    EXPECT_EQ(missing.error().http_status, 404);
}

// ---- Denials and authentication failures ----------------------------------------------------

TEST_F(SingleAccountTest, ReadOnlyUserIsDeniedAndTheDenialIsRecorded) {
    std::string web1 = InstanceId("web-1");
    aws::AwsClient bob = Client(kBob);

    // Bob may look ...
    auto looked = aws::ec2::DescribeInstances(bob, {});
    ASSERT_TRUE(looked.has_value()) << looked.error().ToString();
    ExpectEvent("DescribeInstances", "ec2.amazonaws.com", true, kBobArn);

    // ... but not touch (EC2's UnauthorizedOperation) ...
    auto stopped = aws::ec2::StopInstances(bob, {{web1}, std::nullopt, std::nullopt});
    ASSERT_FALSE(stopped.has_value());
    EXPECT_EQ(stopped.error().code, "UnauthorizedOperation");
    EXPECT_EQ(stopped.error().http_status, 403);
    EXPECT_EQ(stopped.error().operation, "ec2:StopInstances");
    EXPECT_EQ(GetInstance(web1).state, InstanceState::kRunning);
    event::JsonValue envelope = ExpectEvent(
            "StopInstances", "ec2.amazonaws.com", false, kBobArn, "Client.UnauthorizedOperation");
    EXPECT_FALSE(At(envelope, "detail.errorMessage").empty());
    EXPECT_FALSE(Has(envelope, "detail.responseElements") &&
                 envelope.Find("detail")->Find("responseElements")->type !=
                         event::JsonValue::Type::kNull);

    // ... nor administer IAM (the query protocol's AccessDenied) ...
    auto created = aws::iam::CreateUser(bob, {"backdoor", "", {}});
    ASSERT_FALSE(created.has_value());
    EXPECT_EQ(created.error().code, "AccessDenied");
    EXPECT_EQ(created.error().http_status, 403);
    EXPECT_FALSE(GetUser(kProd, "backdoor").arn.size() > 0);
    ExpectEvent("CreateUser", "iam.amazonaws.com", false, kBobArn, "AccessDenied");

    // ... nor write to the trail's bucket (S3's AccessDenied; a data event, which the trail does
    // not log) ...
    aws::s3::PutObjectRequest forged;
    forged.bucket = "org-cloudtrail-logs";
    forged.key = "AWSLogs/forged.json";
    forged.body = "{}";
    auto put = aws::s3::PutObject(bob, forged);
    ASSERT_FALSE(put.has_value());
    EXPECT_EQ(put.error().code, "AccessDenied");
    EXPECT_EQ(put.error().http_status, 403);
    EXPECT_EQ(GetBucket("org-cloudtrail-logs").Latest("AWSLogs/forged.json"), nullptr);

    // ... nor open the trail's bucket (a management event: recorded).
    auto opened = aws::s3::DeleteBucketPolicy(bob, {"org-cloudtrail-logs"});
    ASSERT_FALSE(opened.has_value());
    EXPECT_EQ(opened.error().code, "AccessDenied");
    EXPECT_EQ(opened.error().http_status, 403);
    EXPECT_TRUE(GetBucket("org-cloudtrail-logs").policy.has_value());
    ExpectEvent("DeleteBucketPolicy", "s3.amazonaws.com", false, kBobArn, "AccessDenied");

    SandboxStats stats = sandbox_->stats();
    EXPECT_EQ(stats.denied, 4u);
    EXPECT_EQ(stats.auth_failures, 0u);
}

TEST_F(SingleAccountTest, WrongSecretIsSignatureDoesNotMatchAndNotRecorded) {
    Keys wrong{kAlice.id, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEWRNG"};
    auto out = aws::ec2::DescribeInstances(Client(wrong), {});
    ASSERT_FALSE(out.has_value());
    EXPECT_EQ(out.error().code, "SignatureDoesNotMatch");
    EXPECT_EQ(out.error().http_status, 403);
    EXPECT_FALSE(out.error().retryable);
    EXPECT_EQ(aws::AwsClient::LastCallStats().attempts, 1);
    auto sts = aws::sts::GetCallerIdentity(Client(wrong));
    ASSERT_FALSE(sts.has_value());
    EXPECT_EQ(sts.error().code, "SignatureDoesNotMatch");
    EXPECT_EQ(sts.error().http_status, 403);
    EXPECT_EQ(sandbox_->stats().auth_failures, 2u);
    ExpectNothingRecordedSince(Client(kAlice), kAliceArn);
}

TEST_F(SingleAccountTest, UnknownAndInactiveKeysAreInvalidClientTokenId) {
    auto inactive = aws::sts::GetCallerIdentity(Client(kBobInactive));
    ASSERT_FALSE(inactive.has_value());
    EXPECT_EQ(inactive.error().code, "InvalidClientTokenId");
    EXPECT_EQ(inactive.error().http_status, 403);

    Keys unknown{"AKIAEXAMPLEUNKNOWN01", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEUNKN"};
    auto iam = aws::iam::ListAccessKeys(Client(unknown), {});
    ASSERT_FALSE(iam.has_value());
    EXPECT_EQ(iam.error().code, "InvalidClientTokenId");
    EXPECT_EQ(iam.error().http_status, 403);
    ExpectNothingRecordedSince(Client(kAlice), kAliceArn);
}

// ---- The central security account -----------------------------------------------------------

class CentralSecurityTest : public SandboxClientTest {
protected:
    void SetUp() override {
        // The world's security account holds the Object Lock bucket. The evidence vault is added
        // here, as the world file leaves it out: the responder may write locked objects under
        // evidence/ (S3 wants s3:PutObjectRetention and s3:PutObjectLegalHold for the lock
        // headers), and the security account's trail logs the data events of that prefix.
        ASSERT_NO_FATAL_FAILURE(Start("central-security.yaml", [](World* world) {
            IamUser& responder = world->accounts.at(kSecurity).users.at("responder");
            responder.inline_policies["evidence-vault"] =
                    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
                    R"("Action":["s3:PutObject","s3:PutObjectRetention","s3:PutObjectLegalHold"],)"
                    R"("Resource":"arn:aws:s3:::acme-central-cloudtrail/evidence/*"}]})";
            EventSelector selector;
            selector.data_resources = {
                    {"AWS::S3::Object", {"arn:aws:s3:::acme-central-cloudtrail/evidence/"}}};
            for (auto& [arn, trail] : world->trails) {
                if (trail.account_id == kSecurity) {
                    trail.event_selectors = std::vector<EventSelector>{selector};
                }
            }
        }));
    }
};

TEST_F(CentralSecurityTest, AssumeRoleIntoAMemberAccountIsRecordedInBoth) {
    aws::sts::AssumeRoleRequest request;
    request.role_arn = kResponderRole;
    request.role_session_name = "ir-case-1";
    request.duration_seconds = 900;
    auto out = aws::sts::AssumeRole(Client(kResponder), request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_TRUE(out->credentials.access_key_id.starts_with("ASIA"))
            << out->credentials.access_key_id;
    EXPECT_FALSE(out->credentials.secret_access_key.empty());
    EXPECT_FALSE(out->credentials.session_token.empty());
    ASSERT_TRUE(out->credentials.expiration.has_value());
    auto left = *out->credentials.expiration - std::chrono::system_clock::now();
    EXPECT_GT(left, seconds(800));
    EXPECT_LE(left, seconds(905));
    EXPECT_EQ(out->assumed_role_user.arn,
              "arn:aws:sts::111111111111:assumed-role/FirebreakResponder/ir-case-1");
    EXPECT_THAT(out->assumed_role_user.assumed_role_id, ::testing::EndsWith(":ir-case-1"));

    RoleSession session = Read([&](const World& w) {
        auto it = w.sessions.find(out->credentials.access_key_id);
        return it == w.sessions.end() ? RoleSession() : it->second;
    });
    EXPECT_EQ(session.role_arn, kResponderRole);
    EXPECT_EQ(session.account_id, kProd);
    EXPECT_EQ(session.session_name, "ir-case-1");
    EXPECT_EQ(session.caller_arn, kResponderArn);

    // Recorded in the caller's account and in the role's, with one shared event id.
    event::JsonValue first = ExpectEvent("AssumeRole", "sts.amazonaws.com", true, kResponderArn);
    event::JsonValue second = ExpectEvent("AssumeRole", "sts.amazonaws.com", true, kResponderArn);
    EXPECT_EQ((std::set<std::string>{At(first, "account"), At(second, "account")}),
              (std::set<std::string>{kSecurity, kProd}));
    EXPECT_FALSE(At(first, "detail.sharedEventID").empty());
    EXPECT_EQ(At(first, "detail.sharedEventID"), At(second, "detail.sharedEventID"));
    EXPECT_NE(At(first, "detail.eventID"), At(second, "detail.eventID"));
    EXPECT_THAT(ToJson(first), ::testing::Not(HasSubstr(out->credentials.secret_access_key)));
}

TEST_F(CentralSecurityTest, RoleSessionCacheReachesIntoTheMemberAccount) {
    aws::RoleSessionCache cache(Client(kResponder), "firebreak-ir");
    aws::AwsClient prod = cache.ForAccount(kProd, "FirebreakResponder", "us-east-1");
    const std::string session_arn =
            "arn:aws:sts::111111111111:assumed-role/FirebreakResponder/firebreak-ir";

    auto who = aws::sts::GetCallerIdentity(prod);
    ASSERT_TRUE(who.has_value()) << who.error().ToString();
    EXPECT_EQ(who->arn, session_arn);
    EXPECT_EQ(who->account, kProd);
    ExpectEvent("AssumeRole", "sts.amazonaws.com", true, kResponderArn);
    event::JsonValue envelope =
            ExpectEvent("GetCallerIdentity", "sts.amazonaws.com", true, session_arn);
    EXPECT_EQ(At(envelope, "account"), kProd);
    EXPECT_EQ(At(envelope, "detail.userIdentity.type"), "AssumedRole");
    EXPECT_EQ(At(envelope, "detail.userIdentity.sessionContext.sessionIssuer.arn"), kResponderRole);

    // EC2 in the member account: its instances, not the security account's.
    auto described = aws::ec2::DescribeInstances(prod, {});
    ASSERT_TRUE(described.has_value()) << described.error().ToString();
    std::set<std::string> ids;
    for (const aws::ec2::Reservation& reservation : described->reservations) {
        EXPECT_EQ(reservation.owner_id, kProd);
        for (const aws::ec2::Instance& instance : reservation.instances)
            ids.insert(instance.instance_id);
    }
    EXPECT_EQ(ids, (std::set<std::string>{InstanceId("app-1"), InstanceId("app-2")}));
    envelope = ExpectEvent("DescribeInstances", "ec2.amazonaws.com", true, session_arn);
    EXPECT_EQ(At(envelope, "account"), kProd);

    std::string app1 = InstanceId("app-1");
    auto stopped = aws::ec2::StopInstances(prod, {{app1}, std::nullopt, std::nullopt});
    ASSERT_TRUE(stopped.has_value()) << stopped.error().ToString();
    InstanceState state = GetInstance(app1).state;
    EXPECT_TRUE(state == InstanceState::kStopping || state == InstanceState::kStopped);
    ExpectEvent("StopInstances", "ec2.amazonaws.com", false, session_arn);

    // Another region of the same account reuses the same session.
    aws::AwsClient ireland = cache.ForAccount(kProd, "FirebreakResponder", "eu-west-1");
    auto batch = aws::ec2::DescribeInstances(ireland, {});
    ASSERT_TRUE(batch.has_value()) << batch.error().ToString();
    ASSERT_EQ(batch->reservations.size(), 1u);
    ASSERT_EQ(batch->reservations[0].instances.size(), 1u);
    EXPECT_EQ(batch->reservations[0].instances[0].instance_id, InstanceId("batch-1"));

    // One AssumeRole for all of these calls.
    std::shared_ptr<aws::AssumeRoleProvider> provider = cache.Provider(kResponderRole);
    ASSERT_NE(provider, nullptr);
    EXPECT_EQ(provider->assume_count(), 1);
    EXPECT_EQ(Read([](const World& w) { return w.sessions.size(); }), 1u);

    // The role's explicit deny keeps the responder from blinding the member's trail.
    auto blind = aws::cloudtrail::StopLogging(prod, {"prod-trail"});
    ASSERT_FALSE(blind.has_value());
    EXPECT_EQ(blind.error().code, "AccessDeniedException");
    EXPECT_TRUE(GetTrail(kProd, "prod-trail").is_logging);
    ExpectEvent(
            "StopLogging", "cloudtrail.amazonaws.com", false, session_arn, "AccessDeniedException");
}

TEST_F(CentralSecurityTest, ObjectLockedEvidenceInTheSecurityAccount) {
    aws::AwsClient responder = Client(kResponder);
    auto retain = std::chrono::time_point_cast<seconds>(std::chrono::system_clock::now() +
                                                        std::chrono::hours(24 * 30));
    aws::s3::PutObjectRequest request;
    request.bucket = kEvidenceBucket;
    request.key = "evidence/IR-1/memory.lime.sha256";
    request.body = "5f2b...  memory.lime\n";
    request.content_type = "text/plain";
    request.object_lock_mode = aws::s3::ObjectLockMode::kCompliance;
    request.object_lock_retain_until = retain;
    request.legal_hold = aws::s3::LegalHold::kOn;
    auto out = aws::s3::PutObject(responder, request);
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    EXPECT_EQ(out->etag, S3Etag(request.body));
    EXPECT_FALSE(out->version_id.empty());  // Object Lock implies versioning

    Bucket bucket = GetBucket(kEvidenceBucket);
    EXPECT_TRUE(bucket.object_lock_enabled);
    const ObjectVersion* stored = bucket.Latest(request.key);
    ASSERT_NE(stored, nullptr);
    EXPECT_EQ(stored->version_id, out->version_id);
    EXPECT_EQ(stored->lock_mode, sandbox::ObjectLockMode::kCompliance);
    ASSERT_TRUE(stored->retain_until.has_value());
    EXPECT_EQ(std::chrono::time_point_cast<seconds>(*stored->retain_until).time_since_epoch(),
              retain.time_since_epoch());
    EXPECT_TRUE(stored->legal_hold);
    event::JsonValue envelope = ExpectEvent("PutObject", "s3.amazonaws.com", false, kResponderArn);
    EXPECT_EQ(At(envelope, "account"), kSecurity);
    EXPECT_EQ(At(envelope, "detail.requestParameters.bucketName"), kEvidenceBucket);

    auto read = aws::s3::GetObject(responder, {kEvidenceBucket, request.key, ""});
    ASSERT_TRUE(read.has_value()) << read.error().ToString();
    EXPECT_EQ(read->body, request.body);
    EXPECT_EQ(read->version_id, out->version_id);
    EXPECT_EQ(read->object_lock_mode, aws::s3::ObjectLockMode::kCompliance);
    ASSERT_TRUE(read->object_lock_retain_until.has_value());
    EXPECT_EQ(std::chrono::time_point_cast<seconds>(*read->object_lock_retain_until), retain);
    EXPECT_EQ(read->legal_hold, aws::s3::LegalHold::kOn);
    ExpectEvent("GetObject", "s3.amazonaws.com", true, kResponderArn);

    // Outside the evidence prefix the responder may not write.
    request.key = "AWSLogs/x.json";
    auto outside = aws::s3::PutObject(responder, request);
    ASSERT_FALSE(outside.has_value());
    EXPECT_EQ(outside.error().code, "AccessDenied");
}

}  // namespace
}  // namespace firebreak::sandbox
