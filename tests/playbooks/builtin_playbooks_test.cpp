// Every built-in playbook, end to end against the sandbox cloud: the plan changes nothing, apply
// leaves the world in the state the runbook promises, and the sandbox's CloudTrail has the
// responder's own calls. The world is examples/worlds/single-account.yaml; the responder is
// alice (AdministratorAccess); notifications go to a file sink named "responders".
#include "firebreak/builtin_playbooks.h"

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "firebreak/aws/client.h"
#include "firebreak/aws/cloudtrail.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/aws/ec2.h"
#include "firebreak/aws/iam.h"
#include "firebreak/aws/s3.h"
#include "firebreak/response/engine.h"
#include "firebreak/sandbox/server.h"
#include "firebreak/sandbox/world.h"

namespace firebreak::response {
namespace {

namespace fs = std::filesystem;
using event::JsonValue;
using sandbox::World;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr char kAccount[] = "111111111111";

struct Keys {
    const char* id;
    const char* secret;
};

constexpr Keys kAlice{"AKIAEXAMPLEALICE0001", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEALIC"};
constexpr Keys kBob{"AKIAEXAMPLEBOB000001", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEBOB1"};
constexpr Keys kRoot{"AKIAEXAMPLEROOT11111", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEROOT"};

std::string Tag(const sandbox::Tags& tags, const std::string& key) {
    auto it = tags.find(key);
    return it == tags.end() ? "" : it->second;
}

class BuiltinPlaybooks : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "fb-playbooks-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        Diagnostics diags;
        Result<World> world = sandbox::LoadWorldFile(
                std::string(FIREBREAK_SOURCE_DIR) + "/examples/worlds/single-account.yaml", &diags);
        ASSERT_TRUE(world) << world.error().ToString();
        world->settings.snapshot_completion_seconds = 1;  // exercises wait-until's polling
        sandbox::SandboxOptions options;
        options.trail_dir = (dir_ / "cloudtrail").string();
        options.threads = 4;
        auto started = sandbox::Sandbox::Start(std::move(options), std::move(*world));
        ASSERT_TRUE(started) << started.error().ToString();
        sandbox_ = std::move(*started);
        auto endpoint = aws::ParseEndpointUrl(sandbox_->endpoint_url());
        ASSERT_TRUE(endpoint);
        endpoint_ = *endpoint;
        transport_ = aws::MakeCurlTransport({});

        auto store = RunStore::Open((dir_ / "runs.db").string());
        ASSERT_TRUE(store) << store.error().message();
        store_ = std::move(*store);
        accounts_.Add(AccountInfo{kAccount, "acme-prod", "production", "", "", {}, "", {}, {}, {}});
        SinkConfig sink;
        sink.name = "responders";
        sink.type = SinkType::kFile;
        sink.path = (dir_ / "notifications.jsonl").string();
        notifier_ = std::make_unique<Notifier>(
                std::vector<SinkConfig>{sink}, transport_, Client(kAlice));
        set_ = LoadPlaybookSet({}, BuiltinPlaybookSources(), ActionRegistry::Builtin(), &diags);
        for (const Diagnostic& d : diags.items()) {
            ADD_FAILURE() << d.ToString();
        }
    }

    void TearDown() override {
        notifier_.reset();
        transport_.reset();
        if (sandbox_) {
            sandbox_->Stop();
        }
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    aws::AwsClient Client(const Keys& keys) const {
        aws::Credentials credentials;
        credentials.access_key_id = keys.id;
        credentials.secret_access_key = keys.secret;
        aws::ResolvedConfig config;
        config.region = "us-east-1";
        for (std::optional<aws::Endpoint>& e : config.endpoints) {
            e = endpoint_;
        }
        aws::AwsClient client(
                std::move(config), aws::MakeStaticProvider(credentials, "test"), transport_);
        client.SetSleepForTesting([](std::chrono::milliseconds) {});
        return client;
    }

    Engine MakeEngine() {
        EngineOptions options;
        options.store = store_.get();
        options.accounts = &accounts_;
        options.notifier = notifier_.get();
        options.default_account = kAccount;
        options.default_region = "us-east-1";
        options.client_for = [this](const std::string&,
                                    const std::string&) -> Result<aws::AwsClient> {
            return Client(kAlice);
        };
        options.sleep = [](std::chrono::milliseconds d) {
            std::this_thread::sleep_for(std::min(d, std::chrono::milliseconds(300)));
        };
        return Engine(std::move(options));
    }

    RunReport Respond(const std::string& playbook,
                      bool apply,
                      std::map<std::string, std::string> inputs,
                      JsonValue event = {},
                      JsonValue finding = {}) {
        const Playbook* pb = set_.Find(playbook);
        EXPECT_NE(pb, nullptr) << playbook;
        if (pb == nullptr) {
            return {};
        }
        std::shared_ptr<const Playbook> shared;
        for (const auto& p : set_.playbooks) {
            if (p->id == playbook) {
                shared = p;
            }
        }
        Engine engine = MakeEngine();
        RunRequest req;
        req.playbook = shared;
        req.apply = apply;
        req.inputs = std::move(inputs);
        req.event = std::move(event);
        req.finding = std::move(finding);
        req.created_by = "arn:aws:iam::111111111111:user/alice";
        Result<RunReport> report = engine.Start(req);
        EXPECT_TRUE(report) << (report ? "" : report.error().message());
        return report ? *report : RunReport{};
    }

    template <class F>
    auto Read(F f) const {
        decltype(f(std::declval<const World&>())) out{};
        sandbox_->Inspect([&](const World& w) { out = f(w); });
        return out;
    }

    std::string InstanceId(const std::string& name) const {
        return Read([&](const World& w) {
            for (const auto& [id, instance] : w.instances) {
                if (Tag(instance.tags, "Name") == name) {
                    return id;
                }
            }
            return std::string();
        });
    }

    sandbox::Instance GetInstance(const std::string& id) const {
        return Read([&](const World& w) { return w.instances.at(id); });
    }

    // The world minus what reads change (event history, clock): plans must leave it equal.
    World Resources() const {
        return Read([](const World& w) {
            World copy = w;
            copy.event_history.clear();
            // CloudTrail's own deliveries (log and digest files under AWSLogs/) are not changes
            // a playbook made.
            for (auto& [name, bucket] : copy.buckets) {
                std::erase_if(bucket.objects, [](const auto& object) {
                    return object.first.find("AWSLogs/") != std::string::npos;
                });
            }
            return copy;
        });
    }

    // CloudTrail records made with `key` since `from` (an index into the event history).
    std::vector<std::string> CallsBy(const std::string& key, size_t from = 0) const {
        return Read([&](const World& w) {
            std::vector<std::string> out;
            for (size_t i = from; i < w.event_history.size(); ++i) {
                if (w.event_history[i].access_key_id == key) {
                    out.push_back(w.event_history[i].event_name);
                }
            }
            return out;
        });
    }

    size_t HistorySize() const {
        return Read([](const World& w) { return w.event_history.size(); });
    }

    // The newest CloudTrail record named `name`, as JSON.
    JsonValue LastRecord(const std::string& name) const {
        std::string text = Read([&](const World& w) {
            for (auto it = w.event_history.rbegin(); it != w.event_history.rend(); ++it) {
                if (it->event_name == name) {
                    return it->record;
                }
            }
            return std::string();
        });
        Result<JsonValue> v = event::ParseJson(text);
        EXPECT_TRUE(v) << name;
        return v ? *v : JsonValue();
    }

    std::string Notifications() const {
        std::ifstream in(dir_ / "notifications.jsonl");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    static const StepRecord* StepByKey(const RunReport& r, const std::string& key) {
        for (const StepRecord& s : r.steps) {
            if (s.key == key) {
                return &s;
            }
        }
        return nullptr;
    }

    fs::path dir_;
    std::unique_ptr<sandbox::Sandbox> sandbox_;
    aws::Endpoint endpoint_;
    std::shared_ptr<aws::HttpTransport> transport_;
    std::unique_ptr<RunStore> store_;
    AccountRegistry accounts_;
    std::unique_ptr<Notifier> notifier_;
    PlaybookSet set_;
};

TEST_F(BuiltinPlaybooks, Ec2ContainmentOfADevelopmentInstance) {
    std::string id = InstanceId("dev-1");
    ASSERT_FALSE(id.empty());
    World before = Resources();
    RunReport plan = Respond("ec2-containment", false, {{"instance_id", id}});
    ASSERT_EQ(plan.run.status, RunStatus::kPlanned) << plan.run.error;
    EXPECT_EQ(Resources(), before) << "a plan changed the world";
    EXPECT_THAT(StepByKey(plan, "environment")->detail, HasSubstr("chose development"));
    ASSERT_NE(StepByKey(plan, "environment/development/terminate"), nullptr);
    int snapshot_calls = 0;
    for (const StepRecord& s : plan.steps) {
        snapshot_calls += s.action == "ec2:CreateSnapshot" && s.key.find('[') != std::string::npos;
    }
    EXPECT_EQ(snapshot_calls, 2);  // the root volume and dev-1-data

    size_t history = HistorySize();
    RunReport run = Respond("ec2-containment", true, {{"instance_id", id}});
    ASSERT_EQ(run.run.status, RunStatus::kSucceeded) << run.run.error;
    sandbox::Instance after = GetInstance(id);
    EXPECT_EQ(sandbox::InstanceStateName(after.state), "terminated");
    EXPECT_EQ(Tag(after.tags, "Environment"), "Quarantine:" + run.run.case_id);
    ASSERT_EQ(after.security_group_ids.size(), 1u);
    sandbox::SecurityGroup isolation =
            Read([&](const World& w) { return w.security_groups.at(after.security_group_ids[0]); });
    EXPECT_EQ(isolation.name, "firebreak-isolation-" + after.vpc_id);
    EXPECT_TRUE(isolation.ingress.empty());
    EXPECT_TRUE(isolation.egress.empty());
    int snapshots = Read([&](const World& w) {
        int n = 0;
        for (const auto& [sid, snap] : w.snapshots) {
            n += snap.description.find(run.run.case_id) != std::string::npos &&
                 Tag(snap.tags, "firebreak:case") == run.run.case_id;
        }
        return n;
    });
    EXPECT_EQ(snapshots, 2);
    std::vector<std::string> calls = CallsBy(kAlice.id, history);
    for (const char* expected : {"DescribeInstances",
                                 "ModifyInstanceAttribute",
                                 "CreateSecurityGroup",
                                 "AuthorizeSecurityGroupIngress",
                                 "RevokeSecurityGroupEgress",
                                 "CreateSnapshot",
                                 "DescribeSnapshots",
                                 "CreateTags",
                                 "TerminateInstances"}) {
        EXPECT_THAT(calls, Contains(std::string(expected)));
    }
    EXPECT_THAT(Notifications(), HasSubstr("Contained " + id));
}

TEST_F(BuiltinPlaybooks, EveryPlaybookPlansWithoutChangingAnything) {
    // Set the scene for the event-driven ones first, then freeze the world.
    aws::cloudtrail::StopLoggingRequest stop;
    stop.name = "management-events";
    ASSERT_TRUE(aws::cloudtrail::StopLogging(Client(kAlice), stop));
    aws::ec2::CreateTagsRequest tag;
    tag.resource_ids = {InstanceId("dev-1")};
    tag.tags = {{"Response", "Isolate+MemoryCapture"}};
    ASSERT_TRUE(aws::ec2::CreateTags(Client(kAlice), tag));
    JsonValue stopped = LastRecord("StopLogging");
    JsonValue tagged = LastRecord("CreateTags");
    std::string dev_ssh = Read([](const World& w) {
        for (const auto& [gid, g] : w.security_groups) {
            if (g.name == "dev-ssh") {
                return gid;
            }
        }
        return std::string();
    });
    World before = Resources();

    struct Case {
        const char* playbook;
        std::map<std::string, std::string> inputs;
        JsonValue event;
    };

    std::vector<Case> cases = {
            {"ec2-containment", {{"instance_id", InstanceId("web-1")}}, {}},
            {"cloudtrail-reenable", {}, stopped},
            {"exposed-access-key", {{"access_key_id", kBob.id}}, {}},
            {"root-usage", {}, {}},
            {"public-bucket", {{"bucket", "acme-marketing-assets"}}, {}},
            {"security-group-open", {{"group_id", dev_ssh}}, {}},
            {"tag-isolate-memory-capture", {}, tagged},
    };
    ASSERT_EQ(cases.size(), set_.playbooks.size()) << "a built-in playbook without a plan test";
    for (const Case& c : cases) {
        RunReport plan = Respond(c.playbook, false, c.inputs, c.event);
        EXPECT_EQ(plan.run.status, RunStatus::kPlanned) << c.playbook << ": " << plan.run.error;
        int planned_changes = 0;
        for (const StepRecord& s : plan.steps) {
            EXPECT_NE(s.status, StepStatus::kFailed)
                    << c.playbook << " " << s.key << ": " << s.error;
            planned_changes += s.mutates && s.status == StepStatus::kPlanned;
        }
        if (std::string(c.playbook) != "root-usage") {
            EXPECT_GT(planned_changes, 0) << c.playbook;
        }
        EXPECT_EQ(Resources(), before) << c.playbook << "'s plan changed the world";
    }
}

TEST_F(BuiltinPlaybooks, Ec2ContainmentOfAProductionInstanceWaitsForApproval) {
    std::string id = InstanceId("web-1");
    RunReport run = Respond("ec2-containment", true, {{"instance_id", id}});
    ASSERT_EQ(run.run.status, RunStatus::kWaitingApproval) << run.run.error;
    sandbox::Instance now = GetInstance(id);
    EXPECT_EQ(sandbox::InstanceStateName(now.state), "running");
    EXPECT_TRUE(now.disable_api_termination);
    // Out of the Auto Scaling group, the classic load balancer and the target group.
    Read([&](const World& w) {
        for (const auto& [arn, asg] : w.auto_scaling_groups) {
            for (const sandbox::AsgInstance& i : asg.instances) {
                EXPECT_NE(i.instance_id, id) << "still in " << asg.name;
            }
        }
        for (const auto& [arn, lb] : w.load_balancers) {
            EXPECT_THAT(lb.instance_ids, ::testing::Not(Contains(id))) << lb.name;
        }
        for (const auto& [arn, tg] : w.target_groups) {
            for (const sandbox::Target& t : tg.targets) {
                // Deregistered targets drain before they go, as on AWS.
                EXPECT_TRUE(t.id != id || t.health_state == "draining") << tg.name;
            }
        }
        return 0;
    });
    EXPECT_THAT(Notifications(), HasSubstr("Approval needed"));
    ASSERT_EQ(run.approvals.size(), 1u);

    Engine engine = MakeEngine();
    Result<RunReport> done = engine.Decide(run.run.id,
                                           run.approvals[0].step_key,
                                           true,
                                           "alice",
                                           "confirmed compromise",
                                           ActionRegistry::Builtin());
    ASSERT_TRUE(done) << done.error().message();
    EXPECT_EQ(done->run.status, RunStatus::kSucceeded) << done->run.error;
    EXPECT_EQ(sandbox::InstanceStateName(GetInstance(id).state), "stopped");
}

TEST_F(BuiltinPlaybooks, Ec2ContainmentOfAMissingInstanceEndsCleanly) {
    RunReport run = Respond("ec2-containment", true, {{"instance_id", "i-0000000000000dead"}});
    EXPECT_EQ(run.run.status, RunStatus::kFailed);
    EXPECT_THAT(run.run.error, HasSubstr("InvalidInstanceID.NotFound"));
    EXPECT_THAT(Notifications(), HasSubstr("FAILED"));
}

TEST_F(BuiltinPlaybooks, CloudTrailReenableAfterStopLogging) {
    aws::AwsClient bob_admin = Client(kAlice);  // alice plays the attacker here
    aws::cloudtrail::StopLoggingRequest stop;
    stop.name = "management-events";
    ASSERT_TRUE(aws::cloudtrail::StopLogging(bob_admin, stop));
    JsonValue record = LastRecord("StopLogging");
    RunReport run = Respond("cloudtrail-reenable", true, {}, record);
    ASSERT_EQ(run.run.status, RunStatus::kSucceeded) << run.run.error;
    EXPECT_THAT(StepByKey(run, "state")->detail, HasSubstr("chose trail-exists"));
    bool logging = Read([](const World& w) {
        for (const auto& [arn, t] : w.trails) {
            if (t.name == "management-events") {
                return t.is_logging;
            }
        }
        return false;
    });
    EXPECT_TRUE(logging);
    EXPECT_THAT(Notifications(), HasSubstr("arn:aws:iam::111111111111:user/alice"));
}

TEST_F(BuiltinPlaybooks, CloudTrailReenableRecreatesADeletedTrail) {
    aws::cloudtrail::DeleteTrailRequest del;
    del.name = "management-events";
    ASSERT_TRUE(aws::cloudtrail::DeleteTrail(Client(kAlice), del));
    JsonValue record = LastRecord("DeleteTrail");
    RunReport run = Respond("cloudtrail-reenable", true, {}, record);
    // The world file's trail has no CreateTrail in the history: refused, with the reason.
    EXPECT_EQ(run.run.status, RunStatus::kRefused) << run.run.error;
    EXPECT_THAT(run.run.error, HasSubstr("no CreateTrail for management-events"));

    // A trail created through the API is recreated as it was.
    aws::cloudtrail::CreateTrailRequest create;
    create.name = "audit";
    create.s3_bucket_name = "org-cloudtrail-logs";
    create.is_multi_region_trail = true;
    create.enable_log_file_validation = true;
    ASSERT_TRUE(aws::cloudtrail::CreateTrail(Client(kAlice), create));
    del.name = "audit";
    ASSERT_TRUE(aws::cloudtrail::DeleteTrail(Client(kAlice), del));
    RunReport again = Respond("cloudtrail-reenable", true, {}, LastRecord("DeleteTrail"));
    ASSERT_EQ(again.run.status, RunStatus::kSucceeded) << again.run.error;
    sandbox::Trail audit = Read([](const World& w) {
        for (const auto& [arn, t] : w.trails) {
            if (t.name == "audit") {
                return t;
            }
        }
        return sandbox::Trail{};
    });
    EXPECT_EQ(audit.s3_bucket, "org-cloudtrail-logs");
    EXPECT_TRUE(audit.is_multi_region);
    EXPECT_TRUE(audit.log_file_validation);
    EXPECT_TRUE(audit.is_logging);
}

TEST_F(BuiltinPlaybooks, ExposedAccessKeyIsDeactivatedAndItsActivityKept) {
    aws::AwsClient bob = Client(kBob);
    ASSERT_TRUE(aws::ec2::DescribeInstances(bob, {}));
    ASSERT_TRUE(aws::ec2::DescribeSecurityGroups(bob, {}));
    RunReport plan = Respond("exposed-access-key", false, {{"access_key_id", kBob.id}});
    ASSERT_EQ(plan.run.status, RunStatus::kPlanned) << plan.run.error;
    RunReport run = Respond("exposed-access-key", true, {{"access_key_id", kBob.id}});
    ASSERT_EQ(run.run.status, RunStatus::kSucceeded) << run.run.error;
    sandbox::KeyStatus status = Read([](const World& w) {
        for (const sandbox::AccessKey& k : w.accounts.at(kAccount).users.at("bob").access_keys) {
            if (k.id == kBob.id) {
                return k.status;
            }
        }
        return sandbox::KeyStatus::kActive;
    });
    EXPECT_EQ(status, sandbox::KeyStatus::kInactive);
    const StepRecord* activity = StepByKey(run, "activity");
    ASSERT_NE(activity, nullptr);
    EXPECT_THAT(activity->result_json, HasSubstr("DescribeSecurityGroups"));
    Result<std::vector<CaptureRecord>> captures = store_->Captures(run.run.id);
    ASSERT_TRUE(captures);
    bool kept = false;
    for (const CaptureRecord& c : *captures) {
        kept = kept || (c.name == "key-activity" &&
                        c.content.find("DescribeInstances") != std::string::npos);
    }
    EXPECT_TRUE(kept);
    EXPECT_THAT(Notifications(), HasSubstr("Deactivated exposed key AKIAEXAMPLEBOB000001 of bob"));
}

TEST_F(BuiltinPlaybooks, RootUsageCollectsTheImpact) {
    aws::AwsClient root = Client(kRoot);
    aws::iam::CreateUserRequest create;
    create.user_name = "backdoor";
    ASSERT_TRUE(aws::iam::CreateUser(root, create));
    RunReport run = Respond("root-usage", true, {});
    ASSERT_EQ(run.run.status, RunStatus::kSucceeded) << run.run.error;
    const StepRecord* impact = StepByKey(run, "impact");
    ASSERT_NE(impact, nullptr);
    EXPECT_THAT(impact->result_json, HasSubstr("\"iam_users_created\":[\"backdoor\"]"));
    EXPECT_THAT(impact->result_json, HasSubstr("CreateUser"));
    EXPECT_THAT(Notifications(), HasSubstr("IAM users [backdoor]"));
}

TEST_F(BuiltinPlaybooks, PublicBucketIsClosedAndItsPolicyKept) {
    RunReport run = Respond("public-bucket", true, {{"bucket", "acme-marketing-assets"}});
    ASSERT_EQ(run.run.status, RunStatus::kSucceeded) << run.run.error;
    sandbox::Bucket b = Read([](const World& w) { return w.buckets.at("acme-marketing-assets"); });
    ASSERT_TRUE(b.public_access_block.has_value());
    EXPECT_TRUE(b.public_access_block->block_public_acls);
    EXPECT_TRUE(b.public_access_block->restrict_public_buckets);
    EXPECT_FALSE(b.policy.has_value()) << "the only statement was public: the policy goes";
    Result<std::vector<CaptureRecord>> captures = store_->Captures(run.run.id);
    ASSERT_TRUE(captures);
    bool kept = false;
    for (const CaptureRecord& c : *captures) {
        kept = kept || (c.name == "bucket-policy-before" &&
                        c.content.find("PublicRead") != std::string::npos);
    }
    EXPECT_TRUE(kept);
}

TEST_F(BuiltinPlaybooks, PublicBucketKeepsTheNonPublicStatements) {
    aws::s3::PutBucketPolicyRequest put;
    put.bucket = "acme-marketing-assets";
    put.policy = R"({"Version":"2012-10-17","Statement":[
        {"Sid":"PublicRead","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::acme-marketing-assets/*"},
        {"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::acme-marketing-assets/*"}]})";
    ASSERT_TRUE(aws::s3::PutBucketPolicy(Client(kAlice), put));
    RunReport run = Respond("public-bucket", true, {{"bucket", "acme-marketing-assets"}});
    ASSERT_EQ(run.run.status, RunStatus::kSucceeded) << run.run.error;
    sandbox::Bucket b = Read([](const World& w) { return w.buckets.at("acme-marketing-assets"); });
    ASSERT_TRUE(b.policy.has_value());
    EXPECT_THAT(*b.policy, HasSubstr("Partner"));
    EXPECT_THAT(*b.policy, ::testing::Not(HasSubstr("PublicRead")));
}

TEST_F(BuiltinPlaybooks, SecurityGroupOpenRevokesOnlyTheAdminPorts) {
    std::string dev_ssh = Read([](const World& w) {
        for (const auto& [gid, g] : w.security_groups) {
            if (g.name == "dev-ssh") {
                return gid;
            }
        }
        return std::string();
    });
    // Open 443 too: a web port stays open, SSH is revoked.
    aws::ec2::AuthorizeSecurityGroupIngressRequest open;
    open.group_id = dev_ssh;
    aws::ec2::IpPermission https;
    https.ip_protocol = "tcp";
    https.from_port = 443;
    https.to_port = 443;
    https.ipv4_ranges.push_back({"0.0.0.0/0", ""});
    open.ip_permissions.push_back(https);
    ASSERT_TRUE(aws::ec2::AuthorizeSecurityGroupIngress(Client(kAlice), open));

    RunReport run = Respond("security-group-open", true, {{"group_id", dev_ssh}});
    ASSERT_EQ(run.run.status, RunStatus::kSucceeded) << run.run.error;
    sandbox::SecurityGroup g = Read([&](const World& w) { return w.security_groups.at(dev_ssh); });
    ASSERT_EQ(g.ingress.size(), 1u);
    EXPECT_EQ(g.ingress[0].from_port, 443);
    EXPECT_THAT(Notifications(), HasSubstr("revoked 1 internet-wide permission"));
}

TEST_F(BuiltinPlaybooks, TagDrivenIsolationAndMemoryCapture) {
    std::string id = InstanceId("dev-1");
    aws::ec2::CreateTagsRequest tag;
    tag.resource_ids = {id};
    tag.tags = {{"Response", "Isolate+MemoryCapture"}};
    ASSERT_TRUE(aws::ec2::CreateTags(Client(kAlice), tag));
    JsonValue record = LastRecord("CreateTags");
    const Playbook* pb = set_.Find("tag-isolate-memory-capture");
    ASSERT_NE(pb, nullptr);
    EXPECT_TRUE(PlaybookTriggered(*pb, JsonValue(), record));

    RunReport run = Respond("tag-isolate-memory-capture", true, {}, record);
    ASSERT_EQ(run.run.status, RunStatus::kSucceeded) << run.run.error;
    sandbox::Instance after = GetInstance(id);
    ASSERT_EQ(after.security_group_ids.size(), 1u);
    std::vector<sandbox::SsmCommand> commands = Read([](const World& w) {
        std::vector<sandbox::SsmCommand> out;
        for (const auto& [cid, c] : w.ssm_commands) {
            out.push_back(c);
        }
        return out;
    });
    ASSERT_EQ(commands.size(), 1u);
    EXPECT_EQ(commands[0].document_name, "AWS-RunShellScript");
    EXPECT_THAT(commands[0].instance_ids, Contains(id));
    EXPECT_THAT(commands[0].parameters["commands"][1], HasSubstr("/opt/forensics/avml"));
    EXPECT_THAT(commands[0].comment, HasSubstr(run.run.case_id));

    // The same event again: the instance is no longer tagged for it, so nothing is repeated.
    RunReport again = Respond("tag-isolate-memory-capture", true, {}, record);
    EXPECT_EQ(again.run.status, RunStatus::kRefused) << again.run.error;
    EXPECT_EQ(Read([](const World& w) { return w.ssm_commands.size(); }), 1u);
}

}  // namespace
}  // namespace firebreak::response
