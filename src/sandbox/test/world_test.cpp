// File: world_test.cpp
//
// Tests of the sandbox world model: the example world files, loader diagnostics with exact
// positions, deterministic ids, time formats, JSON persistence (exact round trip, atomic save)
// and access-key resolution.
#include "firebreak/sandbox/world.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace firebreak::sandbox {
namespace {

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string ExamplePath(std::string_view name) {
    return std::string(FIREBREAK_SOURCE_DIR) + "/examples/worlds/" + std::string(name);
}

std::string Render(const Diagnostics& diags) {
    std::string out;
    for (const Diagnostic& d : diags.items()) {
        out += d.ToString() + "\n";
    }
    return out;
}

World LoadExample(std::string_view name) {
    Diagnostics diags;
    Result<World> world = LoadWorldFile(ExamplePath(name), &diags);
    EXPECT_TRUE(world.has_value());
    EXPECT_TRUE(diags.items().empty()) << Render(diags);
    return world ? std::move(*world) : World{};
}

Timestamp At(std::string_view iso) {
    std::optional<Timestamp> t = ParseIsoTime(iso);
    EXPECT_TRUE(t.has_value()) << iso;
    return t.value_or(Timestamp{});
}

const Instance* InstanceNamed(const World& world, std::string_view name) {
    for (const auto& [id, inst] : world.instances) {
        auto tag = inst.tags.find("Name");
        if (tag != inst.tags.end() && tag->second == name) {
            return &inst;
        }
    }
    return nullptr;
}

const SecurityGroup* GroupNamed(const World& world,
                                std::string_view account,
                                std::string_view name) {
    for (const auto& [id, sg] : world.security_groups) {
        if (sg.account_id == account && sg.name == name) {
            return &sg;
        }
    }
    return nullptr;
}

// Whole-string POSIX extended regex match (gmock's; std::regex trips GCC 12's -O1
// -Wmaybe-uninitialized under -Werror).
bool Matches(const std::string& text, const char* pattern) {
    return ::testing::Value(text, ::testing::MatchesRegex(pattern));
}

// ---------------------------------------------------------------------------------------------
// Example worlds

TEST(WorldExamples, SingleAccountLoadsCleanly) {
    World w = LoadExample("single-account.yaml");
    EXPECT_EQ(w.name, "single-account");
    ASSERT_EQ(w.accounts.size(), 1u);
    const Account& acct = w.accounts.at("111111111111");
    EXPECT_EQ(acct.alias, "acme-prod");
    EXPECT_EQ(acct.regions, std::vector<std::string>{"us-east-1"});
    ASSERT_EQ(acct.root_keys.size(), 1u);
    EXPECT_EQ(acct.root_keys[0].id, "AKIAEXAMPLEROOT11111");

    const IamUser& alice = acct.users.at("alice");
    EXPECT_EQ(alice.arn, "arn:aws:iam::111111111111:user/alice");
    EXPECT_TRUE(Matches(alice.user_id, "AIDA[A-Z2-7]{16}"));
    EXPECT_TRUE(alice.has_login_profile);
    EXPECT_EQ(alice.attached_policy_arns,
              std::vector<std::string>{"arn:aws:iam::aws:policy/AdministratorAccess"});
    EXPECT_EQ(alice.create_date, At("2026-11-01T08:00:00Z"));
    const IamUser& bob = acct.users.at("bob");
    ASSERT_EQ(bob.access_keys.size(), 2u);
    EXPECT_EQ(bob.access_keys[1].status, KeyStatus::kInactive);
    EXPECT_EQ(bob.attached_policy_arns,
              std::vector<std::string>{"arn:aws:iam::111111111111:policy/EC2ReadOnly"});
    EXPECT_TRUE(bob.inline_policies.contains("read-trail-logs"));
    EXPECT_TRUE(acct.roles.contains("web-instance-role"));

    // EC2: one VPC with three subnets and its default group; four instances.
    EXPECT_EQ(w.vpcs.size(), 1u);
    EXPECT_EQ(w.subnets.size(), 3u);
    EXPECT_EQ(w.security_groups.size(), 4u);  // default, web-lb, web, dev-ssh
    ASSERT_EQ(w.instances.size(), 4u);
    const Instance* web1 = InstanceNamed(w, "web-1");
    const Instance* web2 = InstanceNamed(w, "web-2");
    const Instance* dev1 = InstanceNamed(w, "dev-1");
    const Instance* dev2 = InstanceNamed(w, "dev-2");
    ASSERT_TRUE(web1 && web2 && dev1 && dev2);
    EXPECT_TRUE(Matches(web1->id, "i-0[0-9a-f]{16}"));
    EXPECT_TRUE(Matches(web1->reservation_id, "r-0[0-9a-f]{16}"));
    EXPECT_EQ(web1->private_ip, "10.0.1.10");
    EXPECT_EQ(web2->private_ip, "10.0.2.10");
    EXPECT_EQ(web1->availability_zone, "us-east-1a");
    EXPECT_EQ(web2->availability_zone, "us-east-1b");
    EXPECT_EQ(web1->instance_type, "t3.medium");
    EXPECT_EQ(web1->image_id, "ami-0abcdef1234567890");
    EXPECT_EQ(web1->tags.at("env"), "prod");
    EXPECT_EQ(web1->tags.at("aws:autoscaling:groupName"), "web-asg");
    EXPECT_EQ(web1->iam_instance_profile_arn,
              "arn:aws:iam::111111111111:instance-profile/web-instance-role");
    EXPECT_EQ(dev1->tags.at("env"), "dev");
    EXPECT_EQ(InstanceStateCode(web1->state), 16);
    EXPECT_EQ(InstanceStateName(dev2->state), "stopped");
    EXPECT_EQ(InstanceStateCode(dev2->state), 80);
    EXPECT_EQ(dev1->private_ip, "10.0.10.10");
    EXPECT_EQ(dev2->private_ip, "10.0.10.11");

    // Volumes from sizes: a root volume each, dev-1 a second named one (and its snapshot).
    ASSERT_EQ(web1->block_devices.size(), 1u);
    const Volume& root = w.volumes.at(web1->block_devices[0].volume_id);
    EXPECT_EQ(root.size_gib, 8);
    EXPECT_EQ(root.state, VolumeState::kInUse);
    ASSERT_EQ(root.attachments.size(), 1u);
    EXPECT_EQ(root.attachments[0].instance_id, web1->id);
    EXPECT_EQ(root.attachments[0].device, "/dev/xvda");
    ASSERT_EQ(dev1->block_devices.size(), 2u);
    EXPECT_EQ(dev1->block_devices[1].device_name, "/dev/sdf");
    EXPECT_FALSE(dev1->block_devices[1].delete_on_termination);
    const Volume& data = w.volumes.at(dev1->block_devices[1].volume_id);
    EXPECT_EQ(data.size_gib, 50);
    EXPECT_EQ(data.volume_type, "gp2");
    ASSERT_EQ(w.snapshots.size(), 1u);
    const Snapshot& snap = w.snapshots.begin()->second;
    EXPECT_EQ(snap.volume_id, data.id);
    EXPECT_EQ(snap.volume_size_gib, 50);
    EXPECT_EQ(snap.owner_id, "111111111111");
    EXPECT_EQ(snap.start_time, At("2026-10-31T02:00:00Z"));

    // Security group rules: ids per range/group, references resolved by name.
    const SecurityGroup* web = GroupNamed(w, "111111111111", "web");
    const SecurityGroup* web_lb = GroupNamed(w, "111111111111", "web-lb");
    ASSERT_TRUE(web && web_lb);
    ASSERT_EQ(web->ingress.size(), 2u);
    ASSERT_EQ(web->ingress[0].groups.size(), 1u);
    EXPECT_EQ(web->ingress[0].groups[0].group_id, web_lb->id);
    EXPECT_EQ(web->ingress[0].groups[0].description, "from the load balancers");
    EXPECT_TRUE(Matches(web->ingress[0].groups[0].rule_id, "sgr-0[0-9a-f]{16}"));
    EXPECT_EQ(web->ingress[1].from_port, 22);
    EXPECT_EQ(web->ingress[1].ipv4_ranges[0].cidr, "203.0.113.0/24");
    EXPECT_EQ(web->ingress[1].ipv4_ranges[0].description, "office");
    ASSERT_EQ(web->egress.size(), 1u);  // AWS's default: all traffic out
    EXPECT_EQ(web->egress[0].protocol, "-1");
    EXPECT_EQ(web->egress[0].ipv4_ranges[0].cidr, "0.0.0.0/0");
    EXPECT_EQ(web1->security_group_ids, std::vector<std::string>{web->id});

    // The ASG registered its instances with the classic ELB and the target group.
    ASSERT_EQ(w.auto_scaling_groups.size(), 1u);
    const AutoScalingGroup& asg = w.auto_scaling_groups.begin()->second;
    EXPECT_EQ(asg.name, "web-asg");
    EXPECT_TRUE(Matches(asg.arn,
                        "arn:aws:autoscaling:us-east-1:111111111111:autoScalingGroup:"
                        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:"
                        "autoScalingGroupName/web-asg"));
    EXPECT_EQ(asg.min_size, 2);
    EXPECT_EQ(asg.max_size, 4);
    EXPECT_EQ(asg.desired_capacity, 2);
    EXPECT_EQ(asg.launch_template_name, "web-lt");
    ASSERT_EQ(asg.instances.size(), 2u);
    EXPECT_EQ(asg.instances[0].instance_id, web1->id);
    EXPECT_EQ(asg.instances[0].lifecycle_state, "InService");
    EXPECT_EQ(asg.availability_zones, (std::vector<std::string>{"us-east-1a", "us-east-1b"}));
    EXPECT_EQ(asg.load_balancer_names, std::vector<std::string>{"web-clb"});
    const ClassicLoadBalancer& clb = w.load_balancers.at(
            "arn:aws:elasticloadbalancing:us-east-1:111111111111:"
            "loadbalancer/web-clb");
    EXPECT_EQ(clb.instance_ids, (std::vector<std::string>{web1->id, web2->id}));
    EXPECT_EQ(clb.security_group_ids, std::vector<std::string>{web_lb->id});
    EXPECT_TRUE(clb.dns_name.ends_with(".us-east-1.elb.amazonaws.com"));
    ASSERT_EQ(w.target_groups.size(), 1u);
    const TargetGroup& tg = w.target_groups.begin()->second;
    EXPECT_TRUE(Matches(tg.arn,
                        "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/"
                        "web-tg/[0-9a-f]{16}"));
    ASSERT_EQ(tg.targets.size(), 2u);
    EXPECT_EQ(tg.targets[1].id, web2->id);
    EXPECT_EQ(tg.targets[1].port, 80);
    EXPECT_EQ(tg.targets[1].health_state, "healthy");
    EXPECT_EQ(asg.target_group_arns, std::vector<std::string>{tg.arn});

    // CloudTrail, SNS, S3.
    const Trail& trail =
            w.trails.at("arn:aws:cloudtrail:us-east-1:111111111111:trail/management-events");
    EXPECT_EQ(trail.s3_bucket, "org-cloudtrail-logs");
    EXPECT_TRUE(trail.is_logging);
    EXPECT_TRUE(trail.is_multi_region);
    EXPECT_TRUE(trail.log_file_validation);
    EXPECT_EQ(trail.start_logging_time, At("2026-11-01T08:00:00Z"));
    EXPECT_FALSE(trail.stop_logging_time.has_value());
    EXPECT_FALSE(trail.event_selectors.has_value());
    EXPECT_TRUE(w.topics.contains("arn:aws:sns:us-east-1:111111111111:security-alerts"));
    const Bucket& logs = w.buckets.at("org-cloudtrail-logs");
    EXPECT_EQ(logs.region, "us-east-1");
    EXPECT_EQ(logs.owner_account, "111111111111");
    EXPECT_EQ(logs.versioning, Versioning::kEnabled);
    ASSERT_TRUE(logs.public_access_block.has_value());
    EXPECT_TRUE(logs.public_access_block->restrict_public_buckets);
    const Bucket& assets = w.buckets.at("acme-marketing-assets");
    ASSERT_TRUE(assets.policy.has_value());
    EXPECT_NE(assets.policy->find(R"("Principal":"*")"), std::string::npos);
    EXPECT_FALSE(assets.public_access_block.has_value());
    const ObjectVersion* index = assets.Latest("index.html");
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(index->data, "<html><body>Acme</body></html>\n");
    EXPECT_EQ(index->etag, S3Etag(index->data));
    EXPECT_EQ(index->version_id, "null");
    EXPECT_EQ(index->content_type, "text/html");
    EXPECT_EQ(assets.Latest("exports/customers.csv")->metadata.at("exported-by"), "bob");

    // The three AWS-managed policies are always there.
    EXPECT_EQ(w.aws_managed_policies.size(), 3u);
    EXPECT_NE(w.FindManagedPolicy("arn:aws:iam::aws:policy/AWSDenyAll"), nullptr);
    EXPECT_NE(w.FindManagedPolicy("arn:aws:iam::111111111111:policy/EC2ReadOnly"), nullptr);
}

TEST(WorldExamples, CentralSecurityLoadsCleanly) {
    World w = LoadExample("central-security.yaml");
    ASSERT_EQ(w.accounts.size(), 3u);
    const IamUser* responder = w.FindUser("999999999999", "responder");
    ASSERT_NE(responder, nullptr);
    EXPECT_EQ(responder->arn, "arn:aws:iam::999999999999:user/security/responder");
    EXPECT_EQ(responder->path, "/security/");
    for (const char* member : {"111111111111", "222222222222"}) {
        const IamRole* role = w.FindRole(member, "FirebreakResponder");
        ASSERT_NE(role, nullptr) << member;
        EXPECT_EQ(role->arn, std::string("arn:aws:iam::") + member + ":role/FirebreakResponder");
        EXPECT_NE(role->trust_policy.find("arn:aws:iam::999999999999:root"), std::string::npos);
        EXPECT_EQ(w.FindRoleByArn(role->arn), role);
    }
    EXPECT_EQ(w.accounts.at("111111111111").regions,
              (std::vector<std::string>{"us-east-1", "eu-west-1"}));

    // Regions without VPCs get AWS's default VPC, subnet and security group.
    const Instance* batch = InstanceNamed(w, "batch-1");
    ASSERT_NE(batch, nullptr);
    EXPECT_EQ(batch->region, "eu-west-1");
    EXPECT_EQ(batch->availability_zone, "eu-west-1a");
    EXPECT_TRUE(w.vpcs.at(batch->vpc_id).is_default);
    EXPECT_EQ(w.vpcs.at(batch->vpc_id).cidr_block, "172.31.0.0/16");
    EXPECT_EQ(batch->private_ip, "172.31.0.10");
    EXPECT_TRUE(batch->disable_api_termination);
    ASSERT_EQ(batch->security_group_ids.size(), 1u);
    EXPECT_EQ(w.security_groups.at(batch->security_group_ids[0]).name, "default");

    // A terminated instance keeps no volumes that were deleted on termination.
    const Instance* old_build = InstanceNamed(w, "old-build");
    ASSERT_NE(old_build, nullptr);
    EXPECT_EQ(InstanceStateCode(old_build->state), 48);
    EXPECT_TRUE(old_build->block_devices.empty());

    // Member trails deliver to the locked central bucket; the dev trail is stopped.
    const Trail* dev_trail = w.FindTrail("222222222222", "eu-central-1", "dev-trail");
    EXPECT_EQ(dev_trail, nullptr);  // single-region trail, other region
    dev_trail = w.FindTrail("222222222222", "us-west-2", "dev-trail");
    ASSERT_NE(dev_trail, nullptr);
    EXPECT_FALSE(dev_trail->is_logging);
    EXPECT_EQ(dev_trail->stop_logging_time, At("2026-10-30T23:12:00Z"));
    EXPECT_NE(w.FindTrail("111111111111", "ap-south-1", "prod-trail"), nullptr);  // multi-region
    EXPECT_NE(w.FindTrail("111111111111",
                          "us-west-2",
                          "arn:aws:cloudtrail:us-east-1:111111111111:trail/prod-trail"),
              nullptr);
    const Bucket& central = w.buckets.at("acme-central-cloudtrail");
    EXPECT_EQ(central.owner_account, "999999999999");
    EXPECT_TRUE(central.object_lock_enabled);
    EXPECT_EQ(central.versioning, Versioning::kEnabled);
    ASSERT_TRUE(central.default_retention.has_value());
    EXPECT_EQ(central.default_retention->mode, ObjectLockMode::kCompliance);
    EXPECT_EQ(central.default_retention->days, 365);

    // Target group filled from the ASG.
    const TargetGroup* tg = w.FindTargetGroup("111111111111", "us-east-1", "app-tg");
    ASSERT_NE(tg, nullptr);
    EXPECT_EQ(tg->port, 8080);
    EXPECT_EQ(tg->targets.size(), 2u);
    EXPECT_EQ(w.FindTargetGroup("111111111111", "us-east-1", tg->arn), tg);
    EXPECT_EQ(w.FindTargetGroup("222222222222", "us-east-1", tg->arn), nullptr);
}

TEST(WorldExamples, LoadingIsDeterministic) {
    World a = LoadExample("central-security.yaml");
    World b = LoadExample("central-security.yaml");
    EXPECT_TRUE(a == b);
    EXPECT_EQ(SerializeWorld(a), SerializeWorld(b));
}

// ---------------------------------------------------------------------------------------------
// Loader diagnostics

TEST(WorldLoader, ReportsEachProblemWithItsPositionAndGoesOn) {
    const std::string text =
            "version: 1\n"                                     // 1
            "accounts:\n"                                      // 2
            "  - id: \"111111111111\"\n"                       // 3
            "    colour: blue\n"                               // 4
            "    iam:\n"                                       // 5
            "      users:\n"                                   // 6
            "        - name: eve\n"                            // 7
            "          access_keys: [{id: AKIA123}]\n"         // 8
            "          inline_policies:\n"                     // 9
            "            broken: '{\"Statement\": []}'\n"      // 10
            "          attached_policies: [NoSuchPolicy]\n"    // 11
            "    regions:\n"                                   // 12
            "      us-east-1:\n"                               // 13
            "        instances:\n"                             // 14
            "          - name: web\n"                          // 15
            "            subnet: nowhere\n"                    // 16
            "          - name: db\n"                           // 17
            "            state: exploded\n"                    // 18
            "          - image: ami-1\n"                       // 19
            "        trails:\n"                                // 20
            "          - {name: t, bucket: nobody-bucket}\n";  // 21
    Diagnostics diags;
    World w = LoadWorldYaml(text, "bad.yaml", &diags);
    EXPECT_EQ(Render(diags),
              "bad.yaml:4:5: error[unknown-key]: unknown key \"colour\" in account (expected one "
              "of: id, alias, root_keys, regions, iam, buckets)\n"
              "bad.yaml:8:30: error[bad-id]: \"AKIA123\" is not an access key id (AKIA + 16 "
              "uppercase letters or digits)\n"
              "bad.yaml:10:21: error[bad-policy]: inline policy \"broken\" of user eve: Statement "
              "must be an object or a non-empty list of objects\n"
              "bad.yaml:11:31: error[unknown-reference]: no managed policy \"NoSuchPolicy\" "
              "(define it under iam.policies, or use an AWS-managed policy: AdministratorAccess, "
              "ReadOnlyAccess, AWSDenyAll)\n"
              "bad.yaml:16:21: error[unknown-reference]: no subnet \"nowhere\" in us-east-1 of "
              "account 111111111111\n"
              "bad.yaml:18:20: error[bad-value]: \"state\" in instance must be pending, running, "
              "shutting-down, terminated, stopping or stopped\n"
              "bad.yaml:19:13: error[missing-key]: instance needs \"name\"\n"
              "bad.yaml:21:31: warning[unknown-bucket]: trail \"t\" logs to bucket "
              "\"nobody-bucket\", which this world does not define (deliveries to it will "
              "fail)\n");
    EXPECT_EQ(diags.error_count(), 7);
    // What was valid was loaded.
    const IamUser* eve = w.FindUser("111111111111", "eve");
    ASSERT_NE(eve, nullptr);
    EXPECT_TRUE(eve->access_keys.empty());
    EXPECT_TRUE(eve->inline_policies.empty());
    const Instance* db = InstanceNamed(w, "db");
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(db->state, InstanceState::kRunning);
    EXPECT_EQ(InstanceNamed(w, "web"), nullptr);
    EXPECT_EQ(w.trails.size(), 1u);
}

TEST(WorldLoader, YamlSyntaxErrorsAndEmptyFiles) {
    Diagnostics syntax;
    LoadWorldYaml("accounts:\n  - id: [unclosed\n", "s.yaml", &syntax);
    ASSERT_EQ(syntax.items().size(), 1u);
    EXPECT_EQ(syntax.items()[0].code, "yaml-syntax");
    EXPECT_EQ(syntax.items()[0].pos.file, "s.yaml");
    EXPECT_EQ(syntax.items()[0].pos.line, 3);

    Diagnostics empty;
    World w = LoadWorldYaml("", "e.yaml", &empty);
    EXPECT_EQ(Render(empty), "e.yaml:1:1: error[empty-world]: the world file is empty\n");
    EXPECT_EQ(w.aws_managed_policies.size(), 3u);
}

TEST(WorldLoader, TopLevelChecks) {
    Diagnostics diags;
    LoadWorldYaml("version: 2\nseed: -4\ntime: yesterday\n", "t.yaml", &diags);
    EXPECT_EQ(Render(diags),
              "t.yaml:1:10: error[bad-version]: world file version 2 is not supported (this "
              "build reads version 1)\n"
              "t.yaml:2:7: error[bad-value]: \"seed\" in the world file must be a non-negative "
              "integer\n"
              "t.yaml:3:7: error[bad-value]: \"time\" in the world file must be an ISO-8601 UTC "
              "time such as 2024-05-01T12:00:00Z\n"
              "t.yaml:1:1: error[missing-key]: the world file needs \"accounts\"\n");
}

TEST(WorldLoader, SettingsSnapshotCompletion) {
    Diagnostics diags;
    World w = LoadWorldYaml(
            "settings: {snapshot_completion_seconds: 0}\naccounts: [{id: \"111111111111\"}]\n",
            "t.yaml",
            &diags);
    EXPECT_EQ(Render(diags), "");
    EXPECT_EQ(w.settings.snapshot_completion_seconds, 0);
    EXPECT_EQ(World().settings.snapshot_completion_seconds, 2);  // the default

    Diagnostics bad;
    LoadWorldYaml(
            "settings: {snapshot_completion_seconds: -1, color: red}\n"
            "accounts: [{id: \"111111111111\"}]\n",
            "t.yaml",
            &bad);
    EXPECT_THAT(Render(bad), ::testing::HasSubstr("error[unknown-key]"));
    EXPECT_THAT(Render(bad), ::testing::HasSubstr("snapshot_completion_seconds"));
}

TEST(WorldSnapshots, PendingSnapshotCompletesLazilyAndPersists) {
    World w;
    w.settings.snapshot_completion_seconds = 5;
    Snapshot snap;
    snap.id = "snap-0123456789abcdef0";
    snap.state = SnapshotState::kPending;
    snap.start_time = At("2026-11-01T08:00:00Z");
    snap.completes_at = At("2026-11-01T08:00:05Z");
    w.snapshots[snap.id] = snap;
    EXPECT_EQ(World::SnapshotStateAt(snap, At("2026-11-01T08:00:04.999Z")),
              SnapshotState::kPending);
    EXPECT_EQ(World::SnapshotStateAt(snap, At("2026-11-01T08:00:05Z")), SnapshotState::kCompleted);
    // A pending snapshot without a completion time (a world file's) stays pending.
    Snapshot stuck = snap;
    stuck.completes_at.reset();
    EXPECT_EQ(World::SnapshotStateAt(stuck, At("2030-01-01T00:00:00Z")), SnapshotState::kPending);

    const std::string json = SerializeWorld(w);
    EXPECT_NE(json.find("\"completes_at\": \"2026-11-01T08:00:05.000Z\""), std::string::npos);
    EXPECT_NE(json.find("\"snapshot_completion_seconds\": 5"), std::string::npos);
    Result<World> back = ParseWorldJson(json);
    ASSERT_TRUE(back.has_value()) << back.error().ToString();
    EXPECT_TRUE(*back == w);
}

TEST(WorldLoader, DuplicatesAndAmbiguity) {
    const std::string text =
            "accounts:\n"             // 1
            "  - id: 111111111111\n"  // 2
            "    regions:\n"          // 3
            "      us-east-1:\n"      // 4
            "        vpcs:\n"         // 5
            "          - {name: a, cidr: 10.0.0.0/16, subnets: [{name: sa, cidr: 10.0.1.0/24}]}\n"
            "          - {name: b, cidr: 10.1.0.0/16, subnets: [{name: sb, cidr: 10.1.1.0/24}]}\n"
            "          - {name: c, cidr: 10.2.0.0/16, subnets: [{name: sc, cidr: 10.2.1.0/24}]}\n"
            "        security_groups:\n"                                            // 9
            "          - {name: web, vpc: a}\n"                                     // 10
            "          - {name: web, vpc: b}\n"                                     // 11
            "          - {name: web, vpc: b}\n"                                     // 12
            "        instances:\n"                                                  // 13
            "          - {name: x, subnet: sb, security_groups: [default, web]}\n"  // 14
            "          - {name: y, subnet: sc, security_groups: [web]}\n"           // 15
            "          - {name: x, subnet: sa}\n"                                   // 16
            "  - id: 111111111111\n"                                                // 17
            "  - id: 12345\n";                                                      // 18
    Diagnostics diags;
    World w = LoadWorldYaml(text, "d.yaml", &diags);
    EXPECT_EQ(Render(diags),
              "d.yaml:12:20: error[duplicate-name]: security group \"web\" appears twice in one "
              "VPC\n"
              "d.yaml:15:53: error[ambiguous-reference]: several security groups are named "
              "\"web\" in us-east-1; refer to one by id\n"
              "d.yaml:16:20: error[duplicate-name]: instance \"x\" appears twice\n"
              "d.yaml:17:9: error[duplicate-account]: account 111111111111 appears twice\n"
              "d.yaml:18:9: error[bad-id]: \"12345\" is not an account id (12 digits; quote ids "
              "with leading zeros)\n");
    // Names shared across VPCs resolve within the instance's VPC.
    ASSERT_EQ(w.instances.size(), 2u);
    const Instance* x = InstanceNamed(w, "x");
    ASSERT_NE(x, nullptr);
    ASSERT_EQ(x->security_group_ids.size(), 2u);
    for (const std::string& id : x->security_group_ids) {
        EXPECT_EQ(w.security_groups.at(id).vpc_id, x->vpc_id);
    }
    EXPECT_EQ(w.security_groups.at(x->security_group_ids[0]).name, "default");
    EXPECT_EQ(w.security_groups.at(x->security_group_ids[1]).name, "web");
}

TEST(WorldLoader, ExplicitIdsAreKeptAndChecked) {
    const std::string text =
            "accounts:\n"                                       // 1
            "  - id: \"111111111111\"\n"                        // 2
            "    regions:\n"                                    // 3
            "      us-east-1:\n"                                // 4
            "        instances:\n"                              // 5
            "          - {name: a, id: i-0123456789abcdef0}\n"  // 6
            "          - {name: b, id: i-0123456789abcdef0}\n"  // 7
            "          - {name: c, id: i-XYZ}\n";               // 8
    Diagnostics diags;
    World w = LoadWorldYaml(text, "i.yaml", &diags);
    EXPECT_EQ(Render(diags),
              "i.yaml:7:27: error[duplicate-id]: id \"i-0123456789abcdef0\" is already used\n"
              "i.yaml:8:27: error[bad-id]: \"i-XYZ\" is not a valid id for instance (expected i- "
              "+ 8 or 17 hex digits)\n");
    // The explicit id is kept; the others got generated ids and still loaded.
    EXPECT_EQ(w.instances.at("i-0123456789abcdef0").tags.at("Name"), "a");
    EXPECT_EQ(w.instances.size(), 3u);
    EXPECT_TRUE(Matches(InstanceNamed(w, "c")->id, "i-0[0-9a-f]{16}"));
}

TEST(WorldLoader, InvalidPoliciesAreRejected) {
    const std::string text =
            "accounts:\n"
            "  - id: \"111111111111\"\n"
            "    iam:\n"
            "      roles:\n"
            "        - name: r1\n"
            "          trust: {Statement: {Effect: Allow, Action: sts:AssumeRole, Resource: x}}\n"
            "        - name: r2\n"
            "          trusted_accounts: [\"999999999999\"]\n"
            "          inline_policies:\n"
            "            p: 'not json'\n"
            "    buckets:\n"
            "      - name: Bad_Bucket\n"
            "      - name: fine-bucket\n"
            "        policy: {Statement: [{Effect: Allow, Action: s3:GetObject, Resource: x}]}\n";
    Diagnostics diags;
    World w = LoadWorldYaml(text, "p.yaml", &diags);
    ASSERT_EQ(diags.items().size(), 4u) << Render(diags);
    EXPECT_EQ(diags.items()[0].code, "bad-policy");
    EXPECT_EQ(diags.items()[0].pos.line, 6);
    EXPECT_EQ(diags.items()[0].pos.column, 18);
    EXPECT_NE(diags.items()[0].message.find("prohibited field Resource"), std::string::npos);
    EXPECT_EQ(diags.items()[1].code, "bad-policy");
    EXPECT_EQ(diags.items()[1].pos.line, 10);
    EXPECT_NE(diags.items()[1].message.find("not valid JSON"), std::string::npos);
    EXPECT_EQ(diags.items()[2].code, "bad-value");
    EXPECT_EQ(diags.items()[2].pos.line, 12);
    EXPECT_EQ(diags.items()[3].code, "bad-policy");
    EXPECT_NE(diags.items()[3].message.find("missing Principal"), std::string::npos);
    // r1 had a bad trust policy and was skipped; r2 loaded without its bad inline policy.
    EXPECT_EQ(w.FindRole("111111111111", "r1"), nullptr);
    ASSERT_NE(w.FindRole("111111111111", "r2"), nullptr);
    EXPECT_TRUE(w.FindRole("111111111111", "r2")->inline_policies.empty());
    EXPECT_TRUE(w.buckets.contains("fine-bucket"));
    EXPECT_FALSE(w.buckets.at("fine-bucket").policy.has_value());
}

TEST(WorldLoader, SessionsAndObjectLockFromTheFile) {
    const std::string text =
            "time: 2026-01-01T00:00:00Z\n"
            "accounts:\n"
            "  - id: \"111111111111\"\n"
            "    iam:\n"
            "      roles:\n"
            "        - {name: ops, trusted_accounts: [\"111111111111\"]}\n"
            "      sessions:\n"
            "        - role: ops\n"
            "          name: leaked\n"
            "          access_key: ASIAEXAMPLESESSION01\n"
            "          secret: fake-secret\n"
            "          token: fake-token\n"
            "          duration: 7200\n"
            "    buckets:\n"
            "      - name: vault\n"
            "        region: eu-west-1\n"
            "        object_lock: {mode: GOVERNANCE, years: 1}\n"
            "        objects:\n"
            "          - {key: a.bin, content_base64: AAEC/w==, modified: 2024-02-29T10:00:00Z}\n"
            "          - {key: a.bin, content: second}\n";
    Diagnostics diags;
    World w = LoadWorldYaml(text, "s.yaml", &diags);
    ASSERT_FALSE(diags.has_errors()) << Render(diags);
    const RoleSession& s = w.sessions.at("ASIAEXAMPLESESSION01");
    EXPECT_EQ(s.role_arn, "arn:aws:iam::111111111111:role/ops");
    EXPECT_EQ(s.issued, At("2026-01-01T00:00:00Z"));
    EXPECT_EQ(s.expiration, At("2026-01-01T02:00:00Z"));
    const Bucket& vault = w.buckets.at("vault");
    EXPECT_EQ(vault.region, "eu-west-1");
    EXPECT_EQ(vault.versioning, Versioning::kEnabled);
    const std::vector<ObjectVersion>& versions = vault.objects.at("a.bin");
    ASSERT_EQ(versions.size(), 2u);
    EXPECT_EQ(versions[0].data, std::string("\x00\x01\x02\xff", 4));
    EXPECT_EQ(versions[0].etag, "\"0416dab819887333af831f8c765ac2ae\"") << "md5 of 00 01 02 ff";
    EXPECT_EQ(versions[0].lock_mode, ObjectLockMode::kGovernance);
    EXPECT_EQ(versions[0].retain_until, At("2025-02-28T10:00:00Z"));  // calendar year, clamped
    EXPECT_TRUE(Matches(versions[1].version_id, "[A-Za-z0-9._]{32}"));
    EXPECT_NE(versions[0].version_id, versions[1].version_id);
    EXPECT_EQ(vault.Latest("a.bin")->data, "second");
}

// ---------------------------------------------------------------------------------------------
// Ids and time

TEST(WorldIds, FormatsAreRealistic) {
    IdGenerator ids(7);
    EXPECT_TRUE(Matches(ids.Next(IdKind::kInstance), "i-0[0-9a-f]{16}"));
    EXPECT_TRUE(Matches(ids.Next(IdKind::kSecurityGroup), "sg-0[0-9a-f]{16}"));
    EXPECT_TRUE(Matches(ids.Next(IdKind::kSecurityGroupRule), "sgr-0[0-9a-f]{16}"));
    EXPECT_TRUE(Matches(ids.Next(IdKind::kVolume), "vol-0[0-9a-f]{16}"));
    EXPECT_TRUE(Matches(ids.Next(IdKind::kSnapshot), "snap-0[0-9a-f]{16}"));
    EXPECT_TRUE(Matches(ids.Next(IdKind::kReservation), "r-0[0-9a-f]{16}"));
    EXPECT_TRUE(Matches(ids.Next(IdKind::kAccessKey), "AKIA[A-Z2-7]{16}"));
    EXPECT_TRUE(Matches(ids.Next(IdKind::kSessionKey), "ASIA[A-Z2-7]{16}"));
    EXPECT_TRUE(Matches(ids.Next(IdKind::kUserId), "AIDA[A-Z2-7]{16}"));
    EXPECT_TRUE(Matches(ids.Next(IdKind::kRoleId), "AROA[A-Z2-7]{16}"));
    EXPECT_TRUE(Matches(ids.Next(IdKind::kUuid),
                        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
    EXPECT_TRUE(Matches(ids.NextSecret(), "[A-Za-z0-9+/]{40}"));
    EXPECT_GT(ids.NextSessionToken().size(), 200u);
    EXPECT_EQ(ids.counter(), 13u);
}

TEST(WorldIds, DeterministicAndUnique) {
    IdGenerator a(42);
    IdGenerator b(42);
    IdGenerator other(43);
    std::set<std::string> seen;
    for (int i = 0; i < 20000; ++i) {
        std::string id = a.Next(IdKind::kInstance);
        EXPECT_EQ(id, b.Next(IdKind::kInstance));
        EXPECT_TRUE(seen.insert(id).second) << id;
    }
    std::set<std::string> keys;
    for (int i = 0; i < 20000; ++i) {
        EXPECT_TRUE(keys.insert(a.Next(IdKind::kAccessKey)).second);
    }
    EXPECT_NE(IdGenerator(42).Next(IdKind::kVpc), other.Next(IdKind::kVpc));
}

TEST(WorldTime, FormatsAndParses) {
    Timestamp t = At("2024-08-02T08:20:52.123Z");
    EXPECT_EQ(FormatIsoSeconds(t), "2024-08-02T08:20:52Z");
    EXPECT_EQ(FormatIsoMillis(t), "2024-08-02T08:20:52.123Z");
    EXPECT_EQ(ParseIsoTime("2024-08-02T08:20:52+00:00"), At("2024-08-02T08:20:52Z"));
    EXPECT_EQ(ParseIsoTime("2024-08-02"), At("2024-08-02T00:00:00Z"));
    EXPECT_EQ(ParseIsoTime("2024-08-02T08:20:52.123456Z"), t);
    EXPECT_EQ(FormatIsoMillis(Timestamp{}), "1970-01-01T00:00:00.000Z");
    for (const char* bad : {"2024-02-30T00:00:00Z",
                            "2024-08-02T24:00:00Z",
                            "2024-08-02T08:20:52",
                            "2024-08-02T08:20:52.Z",
                            "2024-8-2",
                            "2024-08-02T08:20:52+01:00",
                            ""}) {
        EXPECT_FALSE(ParseIsoTime(bad).has_value()) << bad;
    }
}

TEST(WorldTime, ClockCanBeFrozen) {
    World w;
    w.clock = WorldClock::Fixed(At("2030-01-01T00:00:00Z"));
    EXPECT_EQ(w.Now(), At("2030-01-01T00:00:00Z"));
    World real;
    EXPECT_GT(real.Now(), At("2024-01-01T00:00:00Z"));
    EXPECT_TRUE(w.clock == real.clock);  // clocks are not state
}

// ---------------------------------------------------------------------------------------------
// Persistence

// A world touched in every corner: sessions, binary objects, SSM, SNS, selectors, optionals.
World BusyWorld() {
    World w = LoadExample("single-account.yaml");
    w.clock = WorldClock::Fixed(At("2026-11-02T09:30:00.250Z"));
    const IamRole& role = w.accounts.at("111111111111").roles.at("web-instance-role");
    w.IssueSession(role,
                   "i-0123",
                   "arn:aws:iam::111111111111:user/alice",
                   std::chrono::seconds{3600},
                   true,
                   "alice");
    Bucket* logs = w.FindBucket("org-cloudtrail-logs");
    w.PutObject(logs, "AWSLogs/x.json.gz", std::string("\x1f\x8b\x08\x00\xff", 5), "", {});
    w.PutObject(logs, "AWSLogs/x.json.gz", "again", "application/gzip", {{"signature", "ab"}});
    SsmCommand cmd;
    cmd.command_id = w.NewId(IdKind::kUuid);
    cmd.account_id = "111111111111";
    cmd.region = "us-east-1";
    cmd.document_name = "AWS-RunShellScript";
    cmd.instance_ids = {w.instances.begin()->first};
    cmd.parameters["commands"] = {"uname -a", "ps aux"};
    cmd.requested_time = w.Now();
    w.ssm_commands[cmd.command_id] = cmd;
    SnsTopic& topic = w.topics.begin()->second;
    topic.messages.push_back({w.NewId(IdKind::kUuid), "alert", "{\"x\":\"\\u00e9\"}", w.Now()});
    Trail& trail = w.trails.begin()->second;
    trail.event_selectors = std::vector<EventSelector>{
            {"WriteOnly", false, {{"AWS::S3::Object", {"arn:aws:s3:::acme-marketing-assets/"}}}}};
    trail.stop_logging_time = w.Now();
    w.accounts.at("111111111111").users.at("bob").tags["quote\"and\\slash"] = "line\nbreak";
    return w;
}

TEST(WorldPersistence, RoundTripIsExact) {
    for (World w : {BusyWorld(), LoadExample("central-security.yaml")}) {
        const std::string json = SerializeWorld(w);
        Result<World> back = ParseWorldJson(json);
        ASSERT_TRUE(back.has_value()) << back.error().ToString();
        EXPECT_TRUE(*back == w);
        EXPECT_EQ(SerializeWorld(*back), json);
    }
}

TEST(WorldPersistence, JsonHasVersionAndBase64Data) {
    const std::string json = SerializeWorld(BusyWorld());
    EXPECT_TRUE(
            json.starts_with("{\n  \"format\": \"firebreak-sandbox-world\",\n  \"version\": 1,"))
            << json.substr(0, 80);
    EXPECT_NE(json.find("\"data_base64\": \"H4sIAP8=\""), std::string::npos);
    EXPECT_NE(json.find("\"launch_time\": \"2026-11-01T08:00:00.000Z\""), std::string::npos);
}

TEST(WorldPersistence, IdsContinueAfterReload) {
    World original = LoadExample("single-account.yaml");
    const std::string first = original.NewId(IdKind::kInstance);
    Result<World> reloaded = ParseWorldJson(SerializeWorld(original));
    ASSERT_TRUE(reloaded.has_value());
    const std::string next = reloaded->NewId(IdKind::kInstance);
    EXPECT_NE(next, first);
    EXPECT_EQ(next, original.NewId(IdKind::kInstance));  // the same sequence, continued
    EXPECT_EQ(reloaded->ids.counter(), original.ids.counter());
    for (const auto& [id, inst] : reloaded->instances) {
        EXPECT_NE(id, next);
    }
}

TEST(WorldPersistence, RejectsForeignOrDamagedJson) {
    EXPECT_FALSE(ParseWorldJson("{").has_value());
    EXPECT_FALSE(ParseWorldJson("[]").has_value());
    EXPECT_FALSE(ParseWorldJson(R"({"version":1})").has_value());
    Result<World> future = ParseWorldJson(R"({"format":"firebreak-sandbox-world","version":2})");
    ASSERT_FALSE(future.has_value());
    EXPECT_NE(future.error().message().find("unsupported version"), std::string::npos);
    Result<World> bad = ParseWorldJson(R"({"format":"firebreak-sandbox-world","version":1,)"
                                       R"("instances":{"i-1":{"state":"melting"}}})");
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().message(),
              "world JSON: $.instances.i-1.state: expected a known enumeration value");
    Result<World> bad_time = ParseWorldJson(R"({"format":"firebreak-sandbox-world","version":1,)"
                                            R"("vpcs":{"vpc-1":{"tags":{"a":1}}}})");
    ASSERT_FALSE(bad_time.has_value());
    EXPECT_EQ(bad_time.error().message(), "world JSON: $.vpcs.vpc-1.tags.a: expected a string");
}

TEST(WorldPersistence, SaveIsAtomicAndReadable) {
    const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                      ("firebreak-world-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "world.json").string();
    World w = BusyWorld();
    ASSERT_TRUE(SaveWorldAtomically(w, path).ok());
    w.NewId(IdKind::kVpc);
    ASSERT_TRUE(SaveWorldAtomically(w, path).ok());  // replaces the previous file
    EXPECT_EQ(ReadFile(path), SerializeWorld(w));
    size_t files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) {
        ++files;
    }
    EXPECT_EQ(files, 1u);  // no temporary left behind
    Diagnostics diags;
    Result<World> loaded = LoadWorldFile(path, &diags);
    ASSERT_TRUE(loaded.has_value());
    EXPECT_TRUE(*loaded == w);
    Status missing_dir = SaveWorldAtomically(w, (dir / "no" / "such" / "w.json").string());
    EXPECT_FALSE(missing_dir.ok());
    EXPECT_FALSE(LoadWorldFile((dir / "absent.yaml").string(), &diags).has_value());
    std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Credentials

TEST(WorldCredentials, ResolvesEveryKindOfKey) {
    World w = LoadExample("single-account.yaml");
    const Timestamp now = At("2026-11-02T00:00:00Z");

    std::optional<ResolvedKey> root = w.ResolveAccessKey("AKIAEXAMPLEROOT11111", now);
    ASSERT_TRUE(root.has_value());
    EXPECT_EQ(root->identity.type, CallerIdentity::Type::kRoot);
    EXPECT_EQ(root->identity.arn, "arn:aws:iam::111111111111:root");
    EXPECT_EQ(root->identity.principal_id, "111111111111");
    EXPECT_EQ(root->identity.user_name, "acme-prod");
    EXPECT_EQ(root->secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEROOT");
    EXPECT_TRUE(root->session_token.empty());
    EXPECT_TRUE(root->usable());

    std::optional<ResolvedKey> alice = w.ResolveAccessKey("AKIAEXAMPLEALICE0001", now);
    ASSERT_TRUE(alice.has_value());
    EXPECT_EQ(alice->identity.type, CallerIdentity::Type::kIamUser);
    EXPECT_EQ(alice->identity.arn, "arn:aws:iam::111111111111:user/alice");
    EXPECT_EQ(alice->identity.user_name, "alice");
    EXPECT_EQ(alice->identity.account_id, "111111111111");
    EXPECT_EQ(alice->identity.access_key_id, "AKIAEXAMPLEALICE0001");
    EXPECT_EQ(alice->identity.principal_id, w.FindUser("111111111111", "alice")->user_id);
    EXPECT_FALSE(alice->identity.mfa_authenticated);
    EXPECT_TRUE(alice->usable());

    std::optional<ResolvedKey> inactive = w.ResolveAccessKey("AKIAEXAMPLEBOB000002", now);
    ASSERT_TRUE(inactive.has_value());
    EXPECT_TRUE(inactive->inactive);
    EXPECT_FALSE(inactive->usable());
    EXPECT_EQ(inactive->identity.user_name, "bob");

    EXPECT_FALSE(w.ResolveAccessKey("AKIAUNKNOWN000000000", now).has_value());

    w.clock = WorldClock::Fixed(At("2026-11-02T08:20:52Z"));
    const IamRole& role = w.accounts.at("111111111111").roles.at("web-instance-role");
    const RoleSession& session = w.IssueSession(role,
                                                "incident-42",
                                                "arn:aws:iam::111111111111:user/alice",
                                                std::chrono::minutes{15},
                                                true);
    EXPECT_TRUE(Matches(session.access_key_id, "ASIA[A-Z2-7]{16}"));
    EXPECT_EQ(session.expiration, At("2026-11-02T08:35:52Z"));
    std::optional<ResolvedKey> live = w.ResolveAccessKey(session.access_key_id, w.Now());
    ASSERT_TRUE(live.has_value());
    const CallerIdentity& id = live->identity;
    EXPECT_EQ(id.type, CallerIdentity::Type::kAssumedRole);
    EXPECT_EQ(id.arn, "arn:aws:sts::111111111111:assumed-role/web-instance-role/incident-42");
    EXPECT_EQ(id.principal_id, role.role_id + ":incident-42");
    EXPECT_EQ(id.role_arn, "arn:aws:iam::111111111111:role/web-instance-role");
    EXPECT_EQ(id.role_name, "web-instance-role");
    EXPECT_EQ(id.role_id, role.role_id);
    EXPECT_EQ(id.session_name, "incident-42");
    EXPECT_EQ(id.session_created, "2026-11-02T08:20:52Z");
    EXPECT_TRUE(id.mfa_authenticated);
    EXPECT_EQ(live->session_token, session.session_token);
    EXPECT_EQ(live->secret_access_key, session.secret);
    EXPECT_EQ(live->expiration, session.expiration);
    EXPECT_TRUE(live->usable());

    std::optional<ResolvedKey> expired =
            w.ResolveAccessKey(session.access_key_id, At("2026-11-02T08:35:52Z"));
    ASSERT_TRUE(expired.has_value());
    EXPECT_TRUE(expired->expired);
    EXPECT_FALSE(expired->usable());
}

TEST(WorldObjects, PutObjectFollowsVersioning) {
    World w;
    w.clock = WorldClock::Fixed(At("2026-03-01T00:00:00Z"));
    Bucket plain;
    plain.name = "plain";
    w.PutObject(&plain, "k", "one", "", {});
    w.PutObject(&plain, "k", "two", "", {});
    ASSERT_EQ(plain.objects.at("k").size(), 1u);  // "null" version replaced
    EXPECT_EQ(plain.Latest("k")->data, "two");
    EXPECT_EQ(plain.Latest("k")->content_type, "binary/octet-stream");
    EXPECT_EQ(plain.Latest("k")->etag,
              "\"" + std::string("b8a9f715dbb64fd5c56e7783c6820a61") + "\"");

    Bucket locked;
    locked.name = "locked";
    locked.versioning = Versioning::kEnabled;
    locked.object_lock_enabled = true;
    locked.default_retention = DefaultRetention{ObjectLockMode::kCompliance, 30, 0};
    const ObjectVersion& v1 = w.PutObject(&locked, "k", "one", "text/plain", {});
    EXPECT_EQ(v1.lock_mode, ObjectLockMode::kCompliance);
    EXPECT_EQ(v1.retain_until, At("2026-03-31T00:00:00Z"));
    w.PutObject(&locked, "k", "two", "", {});
    ASSERT_EQ(locked.objects.at("k").size(), 2u);
    locked.objects.at("k").push_back(ObjectVersion{});
    locked.objects.at("k").back().delete_marker = true;
    EXPECT_EQ(locked.Latest("k"), nullptr);
    EXPECT_EQ(locked.Latest("absent"), nullptr);
}

TEST(WorldArns, Builders) {
    EXPECT_EQ(UserArn("1", "/a/", "u"), "arn:aws:iam::1:user/a/u");
    EXPECT_EQ(RoleArn("1", "", "r"), "arn:aws:iam::1:role/r");
    EXPECT_EQ(AssumedRoleArn("1", "r", "s"), "arn:aws:sts::1:assumed-role/r/s");
    EXPECT_EQ(InstanceArn("us-east-1", "1", "i-1"), "arn:aws:ec2:us-east-1:1:instance/i-1");
    EXPECT_EQ(SnapshotArn("us-east-1", "snap-1"), "arn:aws:ec2:us-east-1::snapshot/snap-1");
    EXPECT_EQ(ObjectArn("b", "k/x"), "arn:aws:s3:::b/k/x");
    EXPECT_EQ(ArnAccountId("arn:aws:iam::123456789012:role/x"), "123456789012");
    EXPECT_EQ(ArnAccountId("arn:aws:s3:::bucket"), "");
    EXPECT_EQ(ArnAccountId("not-an-arn"), "");
}

}  // namespace
}  // namespace firebreak::sandbox
