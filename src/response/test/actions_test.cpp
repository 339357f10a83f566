// File: actions_test.cpp
//
// The action registry against the sandbox cloud started in-process on 127.0.0.1 with
// examples/worlds/single-account.yaml: for each action the result's shape (AWS CLI output
// names), the world afterwards (Sandbox::Inspect), idempotency (a second call with the same key
// is already_done and duplicates nothing), AWS errors passed through unchanged; and
// ValidateParams / ActionTargets on their own.
#include "firebreak/response/actions.h"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "firebreak/aws/client.h"
#include "firebreak/aws/config.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/aws/http.h"
#include "firebreak/core/diagnostics.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/sandbox/server.h"
#include "firebreak/sandbox/world.h"

namespace firebreak::response {
namespace {

namespace fs = std::filesystem;
using event::JsonValue;
using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// examples/worlds/single-account.yaml: alice is an administrator.
constexpr char kAliceId[] = "AKIAEXAMPLEALICE0001";
constexpr char kAliceSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEALIC";
constexpr char kAccount[] = "111111111111";

JsonValue Json(std::string_view text) {
    auto parsed = event::ParseJson(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed ? std::move(parsed).value() : JsonValue();
}

// The value at `path` ("Reservations[0].Instances[1].State.Name"); nullptr when absent.
const JsonValue* Node(const JsonValue& root, std::string_view path) {
    const JsonValue* node = &root;
    while (!path.empty() && node != nullptr) {
        if (path.front() == '.')
            path.remove_prefix(1);
        if (path.front() == '[') {
            size_t close = path.find(']');
            size_t index = std::stoul(std::string(path.substr(1, close - 1)));
            node = node->is_array() && index < node->items.size() ? &node->items[index] : nullptr;
            path.remove_prefix(close + 1);
            continue;
        }
        size_t end = path.find_first_of(".[");
        std::string_view key = path.substr(0, end);
        node = node->is_object() ? node->Find(key) : nullptr;
        path = end == std::string_view::npos ? std::string_view() : path.substr(end);
    }
    return node;
}

// Strings as they are, numbers and booleans as their JSON text, "" when absent.
std::string At(const JsonValue& root, std::string_view path) {
    const JsonValue* node = Node(root, path);
    if (node == nullptr)
        return "";
    if (node->type == JsonValue::Type::kBool)
        return node->boolean ? "true" : "false";
    return node->text;
}

size_t Count(const JsonValue& root, std::string_view path) {
    const JsonValue* node = Node(root, path);
    return node != nullptr && node->is_array() ? node->items.size() : 0;
}

std::string TagValue(const sandbox::Tags& tags, const std::string& key) {
    auto it = tags.find(key);
    return it == tags.end() ? "" : it->second;
}

// ---- ValidateParams, ActionTargets, the registry (no AWS) --------------------------------------

const ActionDef& Def(std::string_view name) {
    const ActionDef* def = ActionRegistry::Builtin().Find(name);
    EXPECT_NE(def, nullptr) << name;
    static const ActionDef kNone;
    return def != nullptr ? *def : kNone;
}

TEST(ActionRegistryTest, EveryActionIsNamedByServiceAndCallable) {
    const ActionRegistry& registry = ActionRegistry::Builtin();
    EXPECT_GE(registry.actions().size(), 30u);
    for (const ActionDef& def : registry.actions()) {
        EXPECT_NE(def.name.find(':'), std::string::npos) << def.name;
        EXPECT_TRUE(def.execute) << def.name;
        EXPECT_FALSE(def.description.empty()) << def.name;
        EXPECT_EQ(registry.Find(def.name), &def);
        for (const std::string& target : def.target_params) {
            EXPECT_TRUE(std::any_of(def.params.begin(),
                                    def.params.end(),
                                    [&](const ActionParam& p) { return p.name == target; }))
                    << def.name << " target " << target;
        }
    }
    EXPECT_EQ(registry.Find("ec2:Nonexistent"), nullptr);
    EXPECT_TRUE(Def("ec2:CreateSnapshot").mutates);
    EXPECT_FALSE(Def("ec2:DescribeInstances").mutates);
    EXPECT_THAT(Def("ec2:StopInstances").target_params, ElementsAre("InstanceIds"));
}

TEST(ActionRegistryTest, AddReplacesAnActionOfTheSameName) {
    ActionRegistry registry;
    ActionDef fake;
    fake.name = "ec2:StopInstances";
    fake.description = "first";
    registry.Add(fake);
    fake.description = "second";
    registry.Add(fake);
    ASSERT_EQ(registry.actions().size(), 1u);
    EXPECT_EQ(registry.Find("ec2:StopInstances")->description, "second");
}

TEST(ValidateParamsTest, AcceptsValidParameters) {
    EXPECT_THAT(ValidateParams(Def("ec2:DescribeInstances"), Json(R"({"InstanceIds": ["i-1", "i-2"],
                                        "Filters": [{"Name": "tag:env", "Values": ["prod"]}]})")),
                IsEmpty());
    // A single string is a list of one; null counts as absent; no parameters at all is fine.
    EXPECT_THAT(ValidateParams(Def("ec2:StopInstances"),
                               Json(R"({"InstanceIds": "i-1", "Force": null})")),
                IsEmpty());
    EXPECT_THAT(ValidateParams(Def("sts:GetCallerIdentity"), Json("{}")), IsEmpty());
    EXPECT_THAT(ValidateParams(Def("sts:GetCallerIdentity"), JsonValue()), IsEmpty());
    // Tags as a list or as a map.
    EXPECT_THAT(ValidateParams(Def("ec2:CreateTags"),
                               Json(R"({"Resources": ["i-1"], "Tags": {"a": "1"}})")),
                IsEmpty());
    EXPECT_THAT(ValidateParams(Def("ec2:CreateTags"), Json(R"({"Resources": ["i-1"],
                                        "Tags": [{"Key": "a", "Value": "1"}]})")),
                IsEmpty());
    EXPECT_THAT(ValidateParams(Def("cloudtrail:LookupEvents"), Json(R"({"MaxResults": 10})")),
                IsEmpty());
}

TEST(ValidateParamsTest, NamesEveryProblem) {
    EXPECT_THAT(ValidateParams(Def("ec2:StopInstances"), Json(R"({"InstanceIds": 5})")),
                ElementsAre("parameter 'InstanceIds': expected a list of strings, got a number"));
    EXPECT_THAT(ValidateParams(Def("ec2:StopInstances"), Json(R"({"InstanceIds": ["i-1", 2]})")),
                ElementsAre("parameter 'InstanceIds': expected a list of strings, got a list "
                            "holding a number"));
    EXPECT_THAT(ValidateParams(Def("ec2:StopInstances"), Json(R"({"InstanceID": "i-1"})")),
                ElementsAre("unknown parameter 'InstanceID' (did you mean 'InstanceIds'?)",
                            "missing required parameter 'InstanceIds'"));
    EXPECT_THAT(ValidateParams(Def("ec2:StopInstances"),
                               Json(R"({"InstanceIds": ["i-1"], "Zebra": 1})")),
                ElementsAre("unknown parameter 'Zebra'"));
    EXPECT_THAT(ValidateParams(Def("ec2:StopInstances"),
                               Json(R"({"InstanceIds": ["i-1"], "Force": "yes"})")),
                ElementsAre("parameter 'Force': expected a boolean, got a string"));
    EXPECT_THAT(ValidateParams(Def("cloudtrail:LookupEvents"), Json(R"({"MaxResults": 1.5})")),
                ElementsAre("parameter 'MaxResults': expected an integer, got the number 1.5"));
    EXPECT_THAT(ValidateParams(Def("ec2:CreateTags"),
                               Json(R"({"Resources": ["i-1"], "Tags": [{"Name": "a"}]})")),
                ElementsAre("parameter 'Tags': expected tags ([{Key, Value}] or an object of "
                            "strings), got a list of another shape"));
    EXPECT_THAT(ValidateParams(Def("ec2:DescribeInstances"),
                               Json(R"({"Filters": [{"Name": "x", "Values": [1]}]})")),
                ElementsAre("parameter 'Filters': expected filters ([{Name, Values}]), got a "
                            "list of another shape"));
    EXPECT_THAT(ValidateParams(Def("ec2:DescribeInstances"), Json("[1]")),
                ElementsAre("parameters: expected an object, got a list"));
    EXPECT_THAT(ValidateParams(Def("sts:GetCallerIdentity"), Json(R"({"Account": "1"})")),
                ElementsAre("unknown parameter 'Account' (sts:GetCallerIdentity takes no "
                            "parameters)"));
}

TEST(ActionTargetsTest, ListsDistinctTargetValues) {
    EXPECT_THAT(ActionTargets(Def("ec2:StopInstances"),
                              Json(R"({"InstanceIds": ["i-1", "i-2", "i-1"], "Force": true})")),
                ElementsAre("InstanceIds=i-1", "InstanceIds=i-2"));
    EXPECT_THAT(ActionTargets(Def("ec2:StopInstances"), Json(R"({"InstanceIds": "i-9"})")),
                ElementsAre("InstanceIds=i-9"));
    EXPECT_THAT(ActionTargets(Def("iam:UpdateAccessKey"),
                              Json(R"({"AccessKeyId": "AKIA1", "Status": "Inactive"})")),
                ElementsAre("AccessKeyId=AKIA1"));
    EXPECT_THAT(ActionTargets(Def("ec2:DescribeInstances"), Json(R"({"InstanceIds": ["i-1"]})")),
                IsEmpty());
    EXPECT_THAT(ActionTargets(Def("ec2:StopInstances"), Json("17")), IsEmpty());
}

// ---- against the sandbox -----------------------------------------------------------------------

class ActionsTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "fb-actions-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        Diagnostics diags;
        Result<sandbox::World> world = sandbox::LoadWorldFile(
                std::string(FIREBREAK_SOURCE_DIR) + "/examples/worlds/single-account.yaml", &diags);
        ASSERT_TRUE(world.has_value()) << world.error().ToString();
        sandbox::SandboxOptions options;
        options.port = 0;
        options.trail_dir = (dir_ / "cloudtrail").string();
        options.trail_max_age = milliseconds(50);
        options.threads = 4;
        auto started = sandbox::Sandbox::Start(std::move(options), std::move(world).value());
        ASSERT_TRUE(started.has_value()) << started.error().ToString();
        sandbox_ = std::move(started).value();
        auto endpoint = aws::ParseEndpointUrl(sandbox_->endpoint_url());
        ASSERT_TRUE(endpoint.has_value()) << endpoint.error().ToString();
        transport_ = aws::MakeCurlTransport({});
        aws::ResolvedConfig config;
        config.region = "us-east-1";
        config.region_source = "test";
        for (std::optional<aws::Endpoint>& slot : config.endpoints)
            slot = *endpoint;
        aws::Credentials credentials;
        credentials.access_key_id = kAliceId;
        credentials.secret_access_key = kAliceSecret;
        client_.emplace(
                std::move(config), aws::MakeStaticProvider(credentials, "test keys"), transport_);
        client_->SetSleepForTesting([](milliseconds) {});
    }

    void TearDown() override {
        client_.reset();
        transport_.reset();  // closes keep-alive connections before the server stops
        if (sandbox_)
            sandbox_->Stop();
        sandbox_.reset();
        std::error_code ignored;
        if (!dir_.empty())
            fs::remove_all(dir_, ignored);
    }

    aws::Outcome<ActionResult> Run(std::string_view action,
                                   std::string_view params,
                                   const std::string& key = "run-1/step/0") {
        const ActionDef* def = ActionRegistry::Builtin().Find(action);
        if (def == nullptr)
            return aws::ClientError("Test", "no action " + std::string(action));
        return def->execute(*client_, Json(params), key);
    }

    // Run() that must succeed.
    ActionResult Ok(std::string_view action,
                    std::string_view params,
                    const std::string& key = "run-1/step/0") {
        auto result = Run(action, params, key);
        EXPECT_TRUE(result.has_value()) << action << ": " << result.error().ToString();
        if (!result)
            return {};
        EXPECT_FALSE(result->request_ids.empty()) << action;
        for (const std::string& id : result->request_ids)
            EXPECT_FALSE(id.empty()) << action;
        return std::move(result).value();
    }

    template <class F>
    auto Read(F f) const {
        decltype(f(std::declval<const sandbox::World&>())) out{};
        sandbox_->Inspect([&](const sandbox::World& world) { out = f(world); });
        return out;
    }

    std::string InstanceId(const std::string& name) const {
        return Read([&](const sandbox::World& w) {
            for (const auto& [id, instance] : w.instances) {
                if (TagValue(instance.tags, "Name") == name)
                    return id;
            }
            return std::string();
        });
    }

    sandbox::Instance GetInstance(const std::string& id) const {
        return Read([&](const sandbox::World& w) {
            auto it = w.instances.find(id);
            return it == w.instances.end() ? sandbox::Instance() : it->second;
        });
    }

    std::string GroupId(const std::string& name) const {
        return Read([&](const sandbox::World& w) {
            for (const auto& [id, group] : w.security_groups) {
                if (group.name == name)
                    return id;
            }
            return std::string();
        });
    }

    std::string VolumeId(const std::string& name) const {
        return Read([&](const sandbox::World& w) {
            for (const auto& [id, volume] : w.volumes) {
                if (TagValue(volume.tags, "Name") == name)
                    return id;
            }
            return std::string();
        });
    }

    std::string VpcId() const {
        return Read([&](const sandbox::World& w) {
            return w.vpcs.empty() ? std::string() : w.vpcs.begin()->first;
        });
    }

    fs::path dir_;
    std::unique_ptr<sandbox::Sandbox> sandbox_;
    std::shared_ptr<aws::HttpTransport> transport_;
    std::optional<aws::AwsClient> client_;
};

TEST_F(ActionsTest, InvalidParametersAreRefusedBeforeAnyCall) {
    for (std::string_view params : {R"({"InstanceIds": 5})", "[]", "\"x\"", R"({"Bogus": {}})"}) {
        auto result = Run("ec2:StopInstances", params);
        ASSERT_FALSE(result.has_value()) << params;
        EXPECT_EQ(result.error().code, "InvalidParameter") << params;
        EXPECT_EQ(result.error().operation, "ec2:StopInstances");
    }
    auto result = Run("ec2:StopInstances", R"({"InstanceIds": 5})");
    EXPECT_THAT(result.error().message,
                HasSubstr("parameter 'InstanceIds': expected a list of strings, got a number"));
    // Nested shapes are checked by the action.
    result = Run("ec2:RevokeSecurityGroupIngress",
                 R"({"GroupId": "sg-1", "IpPermissions": [{"IpProtocol": "tcp",
                     "IpRanges": [{"Cidr": "1.2.3.4/32"}]}]})");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, "InvalidParameter");
    EXPECT_THAT(result.error().message, HasSubstr("IpRanges"));
    result = Run("ec2:ModifyInstanceAttribute",
                 R"({"InstanceId": "i-1", "DisableApiTermination": true, "Groups": ["sg-1"]})");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, "InvalidParameter");
    result = Run("iam:UpdateAccessKey", R"({"AccessKeyId": "AKIA1", "Status": "Off"})");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, "InvalidParameter");
}

TEST_F(ActionsTest, DescribeInstancesInTheCliShape) {
    std::string web1 = InstanceId("web-1");
    ActionResult out = Ok("ec2:DescribeInstances", R"({"InstanceIds": [")" + web1 + R"("]})");
    EXPECT_FALSE(out.already_done);
    ASSERT_EQ(Count(out.result, "Reservations"), 1u);
    EXPECT_EQ(At(out.result, "Reservations[0].OwnerId"), kAccount);
    EXPECT_THAT(At(out.result, "Reservations[0].ReservationId"), HasSubstr("r-"));
    const JsonValue& instance = *Node(out.result, "Reservations[0].Instances[0]");
    EXPECT_EQ(At(instance, "InstanceId"), web1);
    EXPECT_EQ(At(instance, "InstanceType"), "t3.medium");
    EXPECT_EQ(At(instance, "ImageId"), "ami-0abcdef1234567890");
    EXPECT_EQ(At(instance, "State.Code"), "16");
    EXPECT_EQ(At(instance, "State.Name"), "running");
    EXPECT_EQ(At(instance, "Placement.AvailabilityZone"), "us-east-1a");
    EXPECT_THAT(At(instance, "SubnetId"), HasSubstr("subnet-"));
    EXPECT_THAT(At(instance, "VpcId"), HasSubstr("vpc-"));
    EXPECT_THAT(At(instance, "PrivateIpAddress"), HasSubstr("10.0.1."));
    EXPECT_EQ(At(instance, "SecurityGroups[0].GroupName"), "web");
    EXPECT_EQ(At(instance, "SecurityGroups[0].GroupId"), GroupId("web"));
    EXPECT_THAT(At(instance, "IamInstanceProfile.Arn"), HasSubstr("web-instance-role"));
    EXPECT_THAT(At(instance, "BlockDeviceMappings[0].Ebs.VolumeId"), HasSubstr("vol-"));
    EXPECT_EQ(At(instance, "BlockDeviceMappings[0].Ebs.Status"), "attached");
    EXPECT_EQ(At(instance, "LaunchTime").size(), 20u);  // 2026-11-01T08:00:00Z
    EXPECT_EQ(At(instance, "LaunchTime").back(), 'Z');
    bool named = false;
    for (const JsonValue& tag : Node(instance, "Tags")->items)
        named = named || (At(tag, "Key") == "Name" && At(tag, "Value") == "web-1");
    EXPECT_TRUE(named);
    EXPECT_EQ(Node(instance, "KeyName"), nullptr);  // absent optional members are left out

    // Filters, every page.
    out = Ok("ec2:DescribeInstances", R"({"Filters": [{"Name": "tag:env", "Values": "dev"}]})");
    size_t instances = 0;
    for (const JsonValue& reservation : Node(out.result, "Reservations")->items)
        instances += Count(reservation, "Instances");
    EXPECT_EQ(instances, 2u);
}

TEST_F(ActionsTest, AwsErrorsPassThroughUnchanged) {
    auto result = Run("ec2:DescribeInstances", R"({"InstanceIds": ["i-0123456789abcdef0"]})");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, "InvalidInstanceID.NotFound");
    EXPECT_EQ(result.error().http_status, 400);
    EXPECT_FALSE(result.error().request_id.empty());
    result = Run("ec2:StopInstances", R"({"InstanceIds": ["i-0123456789abcdef0"]})");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, "InvalidInstanceID.NotFound");
}

TEST_F(ActionsTest, ModifyInstanceAttribute) {
    std::string web1 = InstanceId("web-1");
    std::string dev_ssh = GroupId("dev-ssh");
    ActionResult out = Ok("ec2:ModifyInstanceAttribute",
                          R"({"InstanceId": ")" + web1 + R"(", "Groups": [")" + dev_ssh + R"("]})");
    EXPECT_TRUE(out.result.is_object());
    EXPECT_THAT(GetInstance(web1).security_group_ids, ElementsAre(dev_ssh));
    Ok("ec2:ModifyInstanceAttribute",
       R"({"InstanceId": ")" + web1 + R"(", "DisableApiTermination": {"Value": true}})");
    EXPECT_TRUE(GetInstance(web1).disable_api_termination);
    Ok("ec2:ModifyInstanceAttribute",
       R"({"InstanceId": ")" + web1 + R"(", "DisableApiTermination": false})");
    EXPECT_FALSE(GetInstance(web1).disable_api_termination);
}

TEST_F(ActionsTest, CreateTags) {
    std::string dev1 = InstanceId("dev-1");
    Ok("ec2:CreateTags",
       R"({"Resources": [")" + dev1 + R"("], "Tags": {"quarantine": "yes", "case": "IR-7"}})");
    sandbox::Instance instance = GetInstance(dev1);
    EXPECT_EQ(TagValue(instance.tags, "quarantine"), "yes");
    EXPECT_EQ(TagValue(instance.tags, "case"), "IR-7");
}

TEST_F(ActionsTest, StopInstancesTwiceIsAlreadyDoneTheSecondTime) {
    std::string dev1 = InstanceId("dev-1");
    std::string params = R"({"InstanceIds": [")" + dev1 + R"("]})";
    ActionResult first = Ok("ec2:StopInstances", params);
    EXPECT_FALSE(first.already_done);
    EXPECT_EQ(At(first.result, "StoppingInstances[0].InstanceId"), dev1);
    EXPECT_EQ(At(first.result, "StoppingInstances[0].PreviousState.Name"), "running");
    EXPECT_EQ(At(first.result, "StoppingInstances[0].PreviousState.Code"), "16");
    EXPECT_FALSE(At(first.result, "StoppingInstances[0].CurrentState.Name").empty());
    ActionResult second = Ok("ec2:StopInstances", params);
    EXPECT_TRUE(second.already_done);
    EXPECT_FALSE(second.note.empty());
}

TEST_F(ActionsTest, DescribeVolumes) {
    std::string data = VolumeId("dev-1-data");
    ASSERT_FALSE(data.empty());
    ActionResult out = Ok("ec2:DescribeVolumes", R"({"VolumeIds": [")" + data + R"("]})");
    ASSERT_EQ(Count(out.result, "Volumes"), 1u);
    EXPECT_EQ(At(out.result, "Volumes[0].VolumeId"), data);
    EXPECT_EQ(At(out.result, "Volumes[0].Size"), "50");
    EXPECT_EQ(At(out.result, "Volumes[0].State"), "in-use");
    EXPECT_EQ(At(out.result, "Volumes[0].AvailabilityZone"), "us-east-1a");
    EXPECT_EQ(At(out.result, "Volumes[0].Attachments[0].InstanceId"), InstanceId("dev-1"));
    EXPECT_EQ(At(out.result, "Volumes[0].Attachments[0].VolumeId"), data);
    EXPECT_EQ(At(out.result, "Volumes[0].Attachments[0].State"), "attached");
    EXPECT_FALSE(At(out.result, "Volumes[0].Attachments[0].Device").empty());
    EXPECT_EQ(At(out.result, "Volumes[0].Encrypted"), "false");
}

TEST_F(ActionsTest, CreateSnapshotTwiceMakesOneSnapshot) {
    std::string data = VolumeId("dev-1-data");
    std::string params = R"({"VolumeId": ")" + data +
                         R"(", "Description": "IR-7 evidence", "Tags": [{"Key": "case",
                             "Value": "IR-7"}]})";
    auto snapshots_of_volume = [&] {
        return Read([&](const sandbox::World& w) {
            std::vector<sandbox::Snapshot> out;
            for (const auto& [id, snapshot] : w.snapshots) {
                if (snapshot.volume_id == data)
                    out.push_back(snapshot);
            }
            return out;
        });
    };
    size_t before = snapshots_of_volume().size();  // the world's nightly backup
    ActionResult first = Ok("ec2:CreateSnapshot", params, "run-1/preserve/0");
    EXPECT_FALSE(first.already_done);
    EXPECT_EQ(first.request_ids.size(), 2u);  // the lookup, then the creation
    std::string id = At(first.result, "SnapshotId");
    EXPECT_THAT(id, HasSubstr("snap-"));
    EXPECT_EQ(At(first.result, "VolumeId"), data);
    EXPECT_EQ(At(first.result, "Description"), "IR-7 evidence");
    EXPECT_FALSE(At(first.result, "State").empty());
    EXPECT_EQ(At(first.result, "StartTime").back(), 'Z');
    std::vector<sandbox::Snapshot> after = snapshots_of_volume();
    ASSERT_EQ(after.size(), before + 1);
    sandbox::Snapshot made = Read([&](const sandbox::World& w) { return w.snapshots.at(id); });
    EXPECT_EQ(TagValue(made.tags, "firebreak:idempotency-key"), "run-1/preserve/0");
    EXPECT_EQ(TagValue(made.tags, "case"), "IR-7");

    ActionResult second = Ok("ec2:CreateSnapshot", params, "run-1/preserve/0");
    EXPECT_TRUE(second.already_done);
    EXPECT_EQ(second.request_ids.size(), 1u);
    EXPECT_EQ(At(second.result, "SnapshotId"), id);
    EXPECT_THAT(second.note, HasSubstr(id));
    EXPECT_EQ(snapshots_of_volume().size(), before + 1);

    // Another key (another run) makes another snapshot.
    ActionResult other = Ok("ec2:CreateSnapshot", params, "run-2/preserve/0");
    EXPECT_FALSE(other.already_done);
    EXPECT_NE(At(other.result, "SnapshotId"), id);
    EXPECT_EQ(snapshots_of_volume().size(), before + 2);

    ActionResult described = Ok("ec2:DescribeSnapshots",
                                R"({"OwnerIds": ["self"], "Filters": [{"Name": "volume-id",
                                    "Values": [")" +
                                        data + R"("]}]})");
    EXPECT_EQ(Count(described.result, "Snapshots"), before + 2);
    described = Ok("ec2:DescribeSnapshots", R"({"SnapshotIds": [")" + id + R"("]})");
    ASSERT_EQ(Count(described.result, "Snapshots"), 1u);
    EXPECT_EQ(At(described.result, "Snapshots[0].SnapshotId"), id);
    EXPECT_EQ(At(described.result, "Snapshots[0].OwnerId"), kAccount);
    EXPECT_EQ(At(described.result, "Snapshots[0].VolumeSize"), "50");
}

TEST_F(ActionsTest, TerminateInstancesTwiceIsAlreadyDoneTheSecondTime) {
    std::string dev2 = InstanceId("dev-2");
    std::string params = R"({"InstanceIds": [")" + dev2 + R"("]})";
    ActionResult first = Ok("ec2:TerminateInstances", params);
    EXPECT_FALSE(first.already_done);
    EXPECT_EQ(At(first.result, "TerminatingInstances[0].InstanceId"), dev2);
    EXPECT_EQ(At(first.result, "TerminatingInstances[0].PreviousState.Name"), "stopped");
    ActionResult second = Ok("ec2:TerminateInstances", params);
    EXPECT_TRUE(second.already_done);
}

TEST_F(ActionsTest, CreateSecurityGroupTwiceMakesOneGroup) {
    std::string vpc = VpcId();
    std::string params = R"({"GroupName": "quarantine", "Description": "no traffic",
                             "VpcId": ")" +
                         vpc + R"(", "Tags": {"case": "IR-7"}})";
    ActionResult first = Ok("ec2:CreateSecurityGroup", params, "run-9/isolate/0");
    EXPECT_FALSE(first.already_done);
    std::string id = At(first.result, "GroupId");
    EXPECT_THAT(id, HasSubstr("sg-"));
    sandbox::SecurityGroup group = Read([&](const sandbox::World& w) {
        auto it = w.security_groups.find(id);
        return it == w.security_groups.end() ? sandbox::SecurityGroup() : it->second;
    });
    EXPECT_EQ(group.name, "quarantine");
    EXPECT_EQ(group.vpc_id, vpc);
    EXPECT_EQ(TagValue(group.tags, "firebreak:idempotency-key"), "run-9/isolate/0");
    EXPECT_EQ(TagValue(group.tags, "case"), "IR-7");

    ActionResult second = Ok("ec2:CreateSecurityGroup", params, "run-9/isolate/0");
    EXPECT_TRUE(second.already_done);
    EXPECT_EQ(At(second.result, "GroupId"), id);
    EXPECT_THAT(second.note, HasSubstr("earlier attempt"));
    size_t named = Read([&](const sandbox::World& w) {
        return static_cast<size_t>(std::count_if(
                w.security_groups.begin(), w.security_groups.end(), [](const auto& entry) {
                    return entry.second.name == "quarantine";
                }));
    });
    EXPECT_EQ(named, 1u);
}

TEST_F(ActionsTest, DescribeSecurityGroupsRules) {
    ActionResult out =
            Ok("ec2:DescribeSecurityGroups", R"({"GroupIds": [")" + GroupId("web") + R"("]})");
    ASSERT_EQ(Count(out.result, "SecurityGroups"), 1u);
    const JsonValue& group = *Node(out.result, "SecurityGroups[0]");
    EXPECT_EQ(At(group, "GroupName"), "web");
    EXPECT_EQ(At(group, "Description"), "Web servers");
    EXPECT_EQ(At(group, "OwnerId"), kAccount);
    EXPECT_THAT(At(group, "VpcId"), HasSubstr("vpc-"));
    bool from_lb = false;
    bool office = false;
    for (const JsonValue& permission : Node(group, "IpPermissions")->items) {
        EXPECT_EQ(At(permission, "IpProtocol"), "tcp");
        if (At(permission, "FromPort") == "80") {
            from_lb =
                    At(permission, "UserIdGroupPairs[0].GroupId") == GroupId("web-lb") &&
                    At(permission, "UserIdGroupPairs[0].Description") == "from the load balancers";
        }
        if (At(permission, "FromPort") == "22") {
            office = At(permission, "ToPort") == "22" &&
                     At(permission, "IpRanges[0].CidrIp") == "203.0.113.0/24" &&
                     At(permission, "IpRanges[0].Description") == "office";
        }
    }
    EXPECT_TRUE(from_lb);
    EXPECT_TRUE(office);
    EXPECT_NE(Node(group, "IpPermissionsEgress"), nullptr);
}

TEST_F(ActionsTest, AuthorizeAndRevokeIngress) {
    std::string group = GroupId("dev-ssh");
    std::string params = R"({"GroupId": ")" + group + R"(", "IpPermissions": [{"IpProtocol": "tcp",
        "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": "198.51.100.0/24",
        "Description": "game day"}]}]})";
    ActionResult added = Ok("ec2:AuthorizeSecurityGroupIngress", params);
    EXPECT_FALSE(added.already_done);
    EXPECT_EQ(At(added.result, "Return"), "true");
    auto has_rdp = [&] {
        return Read([&](const sandbox::World& w) {
            for (const sandbox::IpPermission& p : w.security_groups.at(group).ingress) {
                if (p.from_port == 3389)
                    return true;
            }
            return false;
        });
    };
    EXPECT_TRUE(has_rdp());

    ActionResult removed = Ok("ec2:RevokeSecurityGroupIngress", params);
    EXPECT_FALSE(removed.already_done);
    EXPECT_EQ(At(removed.result, "Return"), "true");
    EXPECT_FALSE(has_rdp());
    ActionResult again = Ok("ec2:RevokeSecurityGroupIngress", params);
    EXPECT_TRUE(again.already_done);
    EXPECT_FALSE(again.note.empty());
}

TEST_F(ActionsTest, RevokeEgress) {
    std::string group = GroupId("dev-ssh");
    std::string params = R"({"GroupId": ")" + group +
                         R"(", "IpPermissions": [{"IpProtocol": "-1",
                             "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]})";
    ActionResult out = Ok("ec2:RevokeSecurityGroupEgress", params);
    EXPECT_FALSE(out.already_done);
    EXPECT_TRUE(Read(
            [&](const sandbox::World& w) { return w.security_groups.at(group).egress.empty(); }));
    EXPECT_TRUE(Ok("ec2:RevokeSecurityGroupEgress", params).already_done);
}

TEST_F(ActionsTest, AutoScalingDescribeAndDetachOnce) {
    std::string web1 = InstanceId("web-1");
    ActionResult described = Ok("autoscaling:DescribeAutoScalingInstances",
                                R"({"InstanceIds": [")" + web1 + R"("]})");
    ASSERT_EQ(Count(described.result, "AutoScalingInstances"), 1u);
    EXPECT_EQ(At(described.result, "AutoScalingInstances[0].AutoScalingGroupName"), "web-asg");
    EXPECT_EQ(At(described.result, "AutoScalingInstances[0].InstanceId"), web1);
    EXPECT_EQ(At(described.result, "AutoScalingInstances[0].LifecycleState"), "InService");
    EXPECT_FALSE(At(described.result, "AutoScalingInstances[0].HealthStatus").empty());
    EXPECT_EQ(At(described.result, "AutoScalingInstances[0].AvailabilityZone"), "us-east-1a");

    std::string params = R"({"InstanceIds": [")" + web1 +
                         R"("], "AutoScalingGroupName": "web-asg",
                             "ShouldDecrementDesiredCapacity": false})";
    ActionResult first = Ok("autoscaling:DetachInstances", params);
    EXPECT_FALSE(first.already_done);
    EXPECT_EQ(Count(first.result, "Activities"), 1u);
    EXPECT_FALSE(At(first.result, "Activities[0].ActivityId").empty());
    EXPECT_EQ(At(first.result, "Activities[0].AutoScalingGroupName"), "web-asg");
    ActionResult second = Ok("autoscaling:DetachInstances", params);
    EXPECT_TRUE(second.already_done);
    EXPECT_EQ(Count(second.result, "Activities"), 0u);
    EXPECT_EQ(second.request_ids.size(), 1u);  // only the check was made
    auto missing = Run("autoscaling:DetachInstances",
                       R"({"InstanceIds": ["i-1"], "AutoScalingGroupName": "web-asg"})");
    ASSERT_FALSE(missing.has_value());
    EXPECT_THAT(missing.error().message,
                HasSubstr("missing required parameter 'ShouldDecrementDesiredCapacity'"));
}

TEST_F(ActionsTest, ClassicLoadBalancerDeregistration) {
    std::string web1 = InstanceId("web-1");
    std::string web2 = InstanceId("web-2");
    ActionResult out = Ok(
            "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
            R"({"LoadBalancerName": "web-clb", "Instances": [{"InstanceId": ")" + web1 + R"("}]})");
    ASSERT_EQ(Count(out.result, "Instances"), 1u);
    EXPECT_EQ(At(out.result, "Instances[0].InstanceId"), web2);
    std::vector<std::string> registered = Read([&](const sandbox::World& w) {
        for (const auto& [arn, lb] : w.load_balancers) {
            if (lb.name == "web-clb")
                return lb.instance_ids;
        }
        return std::vector<std::string>();
    });
    EXPECT_THAT(registered, ElementsAre(web2));

    // Again: web-1 is not registered any more.
    ActionResult again = Ok("elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
                            R"({"LoadBalancerName": "web-clb", "InstanceIds": [")" + web1 + "\"]}");
    EXPECT_TRUE(again.already_done);
    EXPECT_THAT(again.note, HasSubstr(web1));
    // Both: web-2 is deregistered, web-1 skipped.
    ActionResult both = Ok("elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
                           R"({"LoadBalancerName": "web-clb", "InstanceIds": [")" + web1 +
                                   R"(", ")" + web2 + "\"]}");
    EXPECT_FALSE(both.already_done);
    EXPECT_EQ(Count(both.result, "Instances"), 0u);
    EXPECT_NE(Node(both.result, "Instances"), nullptr);
    EXPECT_THAT(both.note, HasSubstr(web1));
    ActionResult described = Ok("elasticloadbalancing:DescribeLoadBalancers",
                                R"({"LoadBalancerNames": ["web-clb"]})");
    ASSERT_EQ(Count(described.result, "LoadBalancerDescriptions"), 1u);
    EXPECT_EQ(At(described.result, "LoadBalancerDescriptions[0].LoadBalancerName"), "web-clb");
    EXPECT_FALSE(At(described.result, "LoadBalancerDescriptions[0].DNSName").empty());
    EXPECT_EQ(Count(described.result, "LoadBalancerDescriptions[0].Instances"), 0u);
    auto unknown = Run("elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
                       R"({"LoadBalancerName": "no-such-lb", "InstanceIds": ["i-1"]})");
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, "LoadBalancerNotFound");
}

TEST_F(ActionsTest, TargetGroupHealthAndDeregistrationOnce) {
    std::string arn = Read([&](const sandbox::World& w) {
        return w.target_groups.empty() ? std::string() : w.target_groups.begin()->first;
    });
    std::string web1 = InstanceId("web-1");
    ActionResult health = Ok("elasticloadbalancing:DescribeTargetHealth",
                             R"({"TargetGroupArn": ")" + arn + "\"}");
    ASSERT_EQ(Count(health.result, "TargetHealthDescriptions"), 2u);
    EXPECT_EQ(At(health.result, "TargetHealthDescriptions[0].Target.Port"), "80");
    EXPECT_FALSE(At(health.result, "TargetHealthDescriptions[0].TargetHealth.State").empty());

    std::string params = R"({"TargetGroupArn": ")" + arn + R"(", "Targets": [{"Id": ")" + web1 +
                         R"(", "Port": 80}]})";
    ActionResult first = Ok("elasticloadbalancing:DeregisterTargets", params);
    EXPECT_FALSE(first.already_done);
    EXPECT_EQ(first.request_ids.size(), 2u);
    ActionResult second = Ok("elasticloadbalancing:DeregisterTargets", params);
    EXPECT_TRUE(second.already_done);
    EXPECT_EQ(second.request_ids.size(), 1u);
}

TEST_F(ActionsTest, CloudTrailStatusStartAndDescribe) {
    ActionResult status = Ok("cloudtrail:GetTrailStatus", R"({"Name": "management-events"})");
    EXPECT_EQ(At(status.result, "IsLogging"), "true");
    ActionResult start = Ok("cloudtrail:StartLogging", R"({"Name": "management-events"})");
    EXPECT_TRUE(start.already_done);

    ActionResult trails = Ok("cloudtrail:DescribeTrails", "{}");
    ASSERT_EQ(Count(trails.result, "trailList"), 1u);
    EXPECT_EQ(At(trails.result, "trailList[0].Name"), "management-events");
    EXPECT_EQ(At(trails.result, "trailList[0].S3BucketName"), "org-cloudtrail-logs");
    EXPECT_EQ(At(trails.result, "trailList[0].IsMultiRegionTrail"), "true");
    EXPECT_EQ(At(trails.result, "trailList[0].LogFileValidationEnabled"), "true");
    EXPECT_THAT(At(trails.result, "trailList[0].TrailARN"), HasSubstr(":trail/management-events"));

    auto missing = Run("cloudtrail:GetTrailStatus", R"({"Name": "nope"})");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, "TrailNotFoundException");
}

TEST_F(ActionsTest, CreateTrailTwiceMakesOneTrailAndSelectorsRoundTrip) {
    std::string params = R"({"Name": "ir-trail", "S3BucketName": "org-cloudtrail-logs",
                             "IsMultiRegionTrail": true, "EnableLogFileValidation": true})";
    ActionResult first = Ok("cloudtrail:CreateTrail", params);
    EXPECT_FALSE(first.already_done);
    EXPECT_EQ(At(first.result, "Name"), "ir-trail");
    EXPECT_EQ(At(first.result, "S3BucketName"), "org-cloudtrail-logs");
    EXPECT_EQ(At(first.result, "IsMultiRegionTrail"), "true");
    EXPECT_EQ(At(first.result, "LogFileValidationEnabled"), "true");
    EXPECT_THAT(At(first.result, "TrailARN"), HasSubstr(":trail/ir-trail"));
    ActionResult second = Ok("cloudtrail:CreateTrail", params);
    EXPECT_TRUE(second.already_done);
    EXPECT_EQ(At(second.result, "TrailARN"), At(first.result, "TrailARN"));
    size_t trails = Read([](const sandbox::World& w) {
        return static_cast<size_t>(
                std::count_if(w.trails.begin(), w.trails.end(), [](const auto& entry) {
                    return entry.second.name == "ir-trail";
                }));
    });
    EXPECT_EQ(trails, 1u);

    ActionResult put = Ok("cloudtrail:PutEventSelectors",
                          R"({"TrailName": "ir-trail", "EventSelectors": [{"ReadWriteType": "All",
                              "IncludeManagementEvents": true, "DataResources": [{
                              "Type": "AWS::S3::Object",
                              "Values": ["arn:aws:s3:::acme-marketing-assets/"]}]}]})");
    EXPECT_EQ(At(put.result, "TrailARN"), At(first.result, "TrailARN"));
    ActionResult got = Ok("cloudtrail:GetEventSelectors", R"({"TrailName": "ir-trail"})");
    ASSERT_EQ(Count(got.result, "EventSelectors"), 1u);
    EXPECT_EQ(At(got.result, "EventSelectors[0].ReadWriteType"), "All");
    EXPECT_EQ(At(got.result, "EventSelectors[0].IncludeManagementEvents"), "true");
    EXPECT_EQ(At(got.result, "EventSelectors[0].DataResources[0].Type"), "AWS::S3::Object");
    EXPECT_EQ(At(got.result, "EventSelectors[0].DataResources[0].Values[0]"),
              "arn:aws:s3:::acme-marketing-assets/");
    auto bad = Run("cloudtrail:PutEventSelectors",
                   R"({"TrailName": "ir-trail", "EventSelectors": [{"ReadWrite": "All"}]})");
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code, "InvalidParameter");
}

TEST_F(ActionsTest, LookupEventsFollowsPagesUpToTheCap) {
    for (int i = 0; i < 3; ++i)
        Ok("sts:GetCallerIdentity", "{}");
    Ok("iam:ListAccessKeys", R"({"UserName": "bob"})");
    ActionResult out = Ok("cloudtrail:LookupEvents",
                          R"({"LookupAttributes": [{"AttributeKey": "EventName",
                              "AttributeValue": "ListAccessKeys"}],
                              "StartTime": "2000-01-01T00:00:00Z"})");
    ASSERT_EQ(Count(out.result, "Events"), 1u);
    const JsonValue& event = *Node(out.result, "Events[0]");
    EXPECT_EQ(At(event, "EventName"), "ListAccessKeys");
    EXPECT_EQ(At(event, "EventSource"), "iam.amazonaws.com");
    EXPECT_EQ(At(event, "Username"), "alice");
    EXPECT_EQ(At(event, "AccessKeyId"), kAliceId);
    EXPECT_EQ(At(event, "ReadOnly"), "true");
    EXPECT_FALSE(At(event, "EventId").empty());
    EXPECT_EQ(At(event, "EventTime").back(), 'Z');
    auto record = event::ParseJson(At(event, "CloudTrailEvent"));
    ASSERT_TRUE(record.has_value());
    EXPECT_EQ(At(*record, "eventName"), "ListAccessKeys");

    ActionResult capped = Ok("cloudtrail:LookupEvents", R"({"MaxResults": 2})");
    EXPECT_EQ(Count(capped.result, "Events"), 2u);
    EXPECT_THAT(capped.note, HasSubstr("MaxResults"));

    auto bad = Run("cloudtrail:LookupEvents", R"({"StartTime": "yesterday"})");
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code, "InvalidParameter");
    bad = Run("cloudtrail:LookupEvents",
              R"({"LookupAttributes": [{"AttributeKey": "Color", "AttributeValue": "x"}]})");
    ASSERT_FALSE(bad.has_value());
    EXPECT_THAT(bad.error().message, HasSubstr("unknown AttributeKey 'Color'"));
}

TEST_F(ActionsTest, IamKeysPoliciesAndLoginProfile) {
    ActionResult keys = Ok("iam:ListAccessKeys", R"({"UserName": "bob"})");
    ASSERT_EQ(Count(keys.result, "AccessKeyMetadata"), 2u);
    EXPECT_EQ(At(keys.result, "AccessKeyMetadata[0].UserName"), "bob");
    EXPECT_EQ(At(keys.result, "AccessKeyMetadata[0].AccessKeyId"), "AKIAEXAMPLEBOB000001");
    EXPECT_EQ(At(keys.result, "AccessKeyMetadata[0].Status"), "Active");
    EXPECT_EQ(At(keys.result, "AccessKeyMetadata[0].CreateDate").back(), 'Z');

    Ok("iam:UpdateAccessKey",
       R"({"UserName": "bob", "AccessKeyId": "AKIAEXAMPLEBOB000001", "Status": "Inactive"})");
    keys = Ok("iam:ListAccessKeys", R"({"UserName": "bob"})");
    EXPECT_EQ(At(keys.result, "AccessKeyMetadata[0].Status"), "Inactive");

    ActionResult policies = Ok("iam:ListAttachedUserPolicies", R"({"UserName": "bob"})");
    ASSERT_EQ(Count(policies.result, "AttachedPolicies"), 1u);
    EXPECT_EQ(At(policies.result, "AttachedPolicies[0].PolicyName"), "EC2ReadOnly");
    EXPECT_THAT(At(policies.result, "AttachedPolicies[0].PolicyArn"), HasSubstr(":policy/"));

    ActionResult first = Ok("iam:DeleteLoginProfile", R"({"UserName": "alice"})");
    EXPECT_FALSE(first.already_done);
    EXPECT_FALSE(Read([](const sandbox::World& w) {
        return w.FindUser(kAccount, "alice")->has_login_profile;
    }));
    ActionResult second = Ok("iam:DeleteLoginProfile", R"({"UserName": "alice"})");
    EXPECT_TRUE(second.already_done);
}

TEST_F(ActionsTest, BucketPolicyAndPublicAccessBlock) {
    ActionResult policy = Ok("s3:GetBucketPolicy", R"({"Bucket": "acme-marketing-assets"})");
    auto document = event::ParseJson(At(policy.result, "Policy"));
    ASSERT_TRUE(document.has_value()) << At(policy.result, "Policy");
    EXPECT_EQ(At(*document, "Statement[0].Sid"), "PublicRead");

    Ok("s3:DeleteBucketPolicy", R"({"Bucket": "acme-marketing-assets"})");
    auto gone = Run("s3:GetBucketPolicy", R"({"Bucket": "acme-marketing-assets"})");
    ASSERT_FALSE(gone.has_value());
    EXPECT_EQ(gone.error().code, "NoSuchBucketPolicy");

    Ok("s3:PutBucketPublicAccessBlock",
       R"({"Bucket": "acme-marketing-assets", "PublicAccessBlockConfiguration": {
           "BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true}})");
    std::optional<sandbox::PublicAccessBlock> block = Read([](const sandbox::World& w) {
        return w.buckets.at("acme-marketing-assets").public_access_block;
    });
    ASSERT_TRUE(block.has_value());
    EXPECT_TRUE(block->block_public_acls);
    EXPECT_TRUE(block->block_public_policy);
    EXPECT_FALSE(block->restrict_public_buckets);  // left out: false, as in the API
    ActionResult got =
            Ok("s3:GetBucketPublicAccessBlock", R"({"Bucket": "acme-marketing-assets"})");
    EXPECT_EQ(At(got.result, "PublicAccessBlockConfiguration.BlockPublicAcls"), "true");
    EXPECT_EQ(At(got.result, "PublicAccessBlockConfiguration.RestrictPublicBuckets"), "false");

    // A policy as an object and as text.
    Ok("s3:PutBucketPolicy",
       R"({"Bucket": "acme-marketing-assets", "Policy": {"Version": "2012-10-17", "Statement": [
           {"Sid": "DenyAll", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::acme-marketing-assets/*"}]}})");
    policy = Ok("s3:GetBucketPolicy", R"({"Bucket": "acme-marketing-assets"})");
    document = event::ParseJson(At(policy.result, "Policy"));
    ASSERT_TRUE(document.has_value());
    EXPECT_EQ(At(*document, "Statement[0].Sid"), "DenyAll");
    Ok("s3:PutBucketPolicy",
       R"({"Bucket": "acme-marketing-assets", "Policy": "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Sid\": \"Text\", \"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::acme-marketing-assets/*\"}]}"})");
    policy = Ok("s3:GetBucketPolicy", R"({"Bucket": "acme-marketing-assets"})");
    document = event::ParseJson(At(policy.result, "Policy"));
    ASSERT_TRUE(document.has_value());
    EXPECT_EQ(At(*document, "Statement[0].Sid"), "Text");

    Ok("s3:DeleteBucketPublicAccessBlock", R"({"Bucket": "acme-marketing-assets"})");
    auto none = Run("s3:GetBucketPublicAccessBlock", R"({"Bucket": "acme-marketing-assets"})");
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code, "NoSuchPublicAccessBlockConfiguration");
}

TEST_F(ActionsTest, SendCommandCarriesTheKeyInItsComment) {
    std::string web1 = InstanceId("web-1");
    ActionResult out = Ok("ssm:SendCommand",
                          R"({"InstanceIds": [")" + web1 + R"("],
                              "DocumentName": "AWS-RunShellScript",
                              "Parameters": {"commands": ["uname -a"]},
                              "Comment": "triage", "TimeoutSeconds": 600})",
                          "run-3/collect/0");
    EXPECT_FALSE(out.already_done);
    EXPECT_FALSE(At(out.result, "Command.CommandId").empty());
    EXPECT_EQ(At(out.result, "Command.DocumentName"), "AWS-RunShellScript");
    EXPECT_EQ(At(out.result, "Command.Comment"), "triage [firebreak:run-3/collect/0]");
    EXPECT_EQ(At(out.result, "Command.InstanceIds[0]"), web1);
    EXPECT_FALSE(At(out.result, "Command.Status").empty());
    EXPECT_EQ(At(out.result, "Command.RequestedDateTime").back(), 'Z');
    std::string comment = Read([](const sandbox::World& w) {
        return w.ssm_commands.empty() ? std::string() : w.ssm_commands.begin()->second.comment;
    });
    EXPECT_EQ(comment, "triage [firebreak:run-3/collect/0]");

    // A long comment is cut so that the key survives within SSM's 100 characters.
    out = Ok("ssm:SendCommand",
             R"({"InstanceIds": [")" + web1 + R"("], "DocumentName": "AWS-RunShellScript",
                 "Comment": ")" +
                     std::string(150, 'x') + "\"}",
             "run-3/collect/1");
    std::string cut = At(out.result, "Command.Comment");
    EXPECT_EQ(cut.size(), 100u);
    EXPECT_THAT(cut, ::testing::EndsWith(" [firebreak:run-3/collect/1]"));
}

TEST_F(ActionsTest, SendCommandTwiceWithOneKeyRunsOnce) {
    std::string web1 = InstanceId("web-1");
    std::string params = R"({"InstanceIds": [")" + web1 + R"("],
                              "DocumentName": "AWS-RunShellScript",
                              "Parameters": {"commands": ["avml /tmp/mem.lime"]},
                              "Comment": "memory"})";
    ActionResult first = Ok("ssm:SendCommand", params, "case-1/memory");
    ActionResult second = Ok("ssm:SendCommand", params, "case-1/memory");
    EXPECT_FALSE(first.already_done);
    EXPECT_TRUE(second.already_done);
    EXPECT_EQ(At(second.result, "Command.CommandId"), At(first.result, "Command.CommandId"));
    EXPECT_EQ(Read([](const sandbox::World& w) { return w.ssm_commands.size(); }), 1u);
    // Another key is another command.
    ActionResult other = Ok("ssm:SendCommand", params, "case-2/memory");
    EXPECT_FALSE(other.already_done);
    EXPECT_EQ(Read([](const sandbox::World& w) { return w.ssm_commands.size(); }), 2u);

    ActionResult listed = Ok("ssm:ListCommands", R"({"InstanceId": ")" + web1 + R"("})");
    ASSERT_EQ(Count(listed.result, "Commands"), 2u);
    EXPECT_EQ(At(listed.result, "Commands[0].Comment"), "memory [firebreak:case-2/memory]");
}

TEST_F(ActionsTest, TargetGroupsAndAccessKeyOwner) {
    ActionResult groups = Ok("elasticloadbalancing:DescribeTargetGroups", "{}");
    ASSERT_EQ(Count(groups.result, "TargetGroups"), 1u);
    EXPECT_EQ(At(groups.result, "TargetGroups[0].TargetGroupName"), "web-tg");
    EXPECT_EQ(At(groups.result, "TargetGroups[0].Port"), "80");
    EXPECT_THAT(At(groups.result, "TargetGroups[0].TargetGroupArn"),
                HasSubstr(":targetgroup/web-tg/"));

    ActionResult owner =
            Ok("iam:GetAccessKeyLastUsed", R"({"AccessKeyId": "AKIAEXAMPLEBOB000001"})");
    EXPECT_EQ(At(owner.result, "UserName"), "bob");
    EXPECT_FALSE(At(owner.result, "AccessKeyLastUsed.ServiceName").empty());
}

TEST_F(ActionsTest, PublishAndCallerIdentity) {
    std::string topic = Read([](const sandbox::World& w) {
        return w.topics.empty() ? std::string() : w.topics.begin()->first;
    });
    ActionResult published = Ok("sns:Publish",
                                R"({"TopicArn": ")" + topic +
                                        R"(", "Subject": "IR-7",
                                                       "Message": "web-1 isolated"})");
    EXPECT_FALSE(At(published.result, "MessageId").empty());
    std::vector<sandbox::SnsMessage> messages =
            Read([&](const sandbox::World& w) { return w.topics.at(topic).messages; });
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0].subject, "IR-7");
    EXPECT_EQ(messages[0].message, "web-1 isolated");

    ActionResult identity = Ok("sts:GetCallerIdentity", "{}");
    EXPECT_EQ(At(identity.result, "Account"), kAccount);
    EXPECT_EQ(At(identity.result, "Arn"), "arn:aws:iam::111111111111:user/alice");
    EXPECT_FALSE(At(identity.result, "UserId").empty());
}

}  // namespace
}  // namespace firebreak::response
