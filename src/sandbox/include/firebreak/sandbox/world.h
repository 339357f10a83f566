// File: world.h
//
// The sandbox's model world: the AWS accounts, regions and resources that `firebreak sandbox`
// answers API calls about. Plain structs, one per resource kind, held in ordered maps inside one
// World value, so a world can be compared, copied, written to JSON and read back exactly.
//
// Layout: IAM is global per account (Account::users/roles/policies). Regional resources live in
// World-level maps keyed by their globally unique id (or ARN, or bucket name) and carry their
// account_id and region; the Find* helpers apply the account/region scoping AWS applies.
//
// Ids are deterministic: an IdGenerator (seed + counter, both persisted) produces unique,
// real-looking ids, so a reloaded world continues without collisions. Time comes from a
// WorldClock that tests can freeze.
//
// A World is not thread-safe: the server serialises access to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/core/diagnostics.h"
#include "firebreak/core/status.h"
#include "firebreak/sandbox/identity.h"

namespace firebreak::sandbox {

// ---------------------------------------------------------------------------------------------
// Time

// Millisecond precision: what AWS APIs show, and what makes persistence round-trip exactly.
using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

// "2024-01-01T00:00:00Z" (CloudTrail, IAM, STS, ASG).
std::string FormatIsoSeconds(Timestamp t);

// "2024-01-01T00:00:00.000Z" (EC2).
std::string FormatIsoMillis(Timestamp t);

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)" or a bare "YYYY-MM-DD" (midnight UTC). Fractions
// beyond milliseconds are truncated. nullopt on anything else.
std::optional<Timestamp> ParseIsoTime(std::string_view text);

// The world's clock. Defaults to the system clock; tests install a fixed or stepping function.
// Not part of the world's state: any two clocks compare equal.
class WorldClock {
public:
    using Function = std::function<Timestamp()>;

    WorldClock() = default;

    explicit WorldClock(Function now) : now_(std::move(now)) {}

    static WorldClock Fixed(Timestamp t) {
        return WorldClock([t] { return t; });
    }

    Timestamp Now() const;

    bool operator==(const WorldClock& /*other*/) const { return true; }

private:
    Function now_;
};

// ---------------------------------------------------------------------------------------------
// Ids

enum class IdKind : uint8_t {
    kInstance,           // i-0 + 16 hex
    kReservation,        // r-0 + 16 hex
    kVpc,                // vpc-0 + 16 hex
    kSubnet,             // subnet-0 + 16 hex
    kSecurityGroup,      // sg-0 + 16 hex
    kSecurityGroupRule,  // sgr-0 + 16 hex
    kVolume,             // vol-0 + 16 hex
    kSnapshot,           // snap-0 + 16 hex
    kImage,              // ami-0 + 16 hex
    kAccessKey,          // AKIA + 16 of [A-Z2-7]
    kSessionKey,         // ASIA + 16
    kUserId,             // AIDA + 16
    kRoleId,             // AROA + 16
    kPolicyId,           // ANPA + 16
    kHex16,              // 16 hex (target group ARN suffix)
    kUuid,               // 8-4-4-4-12 hex (SSM command ids, SNS message ids, ASG ARNs)
    kObjectVersion,      // 32 characters of [A-Za-z0-9._] (S3 version ids)
};

// Deterministic ids from a seed and a counter. Every call consumes one counter value; the part of
// an id that identifies it is a bijection of (counter, seed), so ids never repeat for one seed.
// Secrets and session tokens are derived the same way: this is a sandbox, not a vault.
class IdGenerator {
public:
    IdGenerator() = default;  // seed 1

    explicit IdGenerator(uint64_t seed) : seed_(seed) {}

    std::string Next(IdKind kind);

    std::string NextSecret();        // 40 characters, like an AWS secret access key
    std::string NextSessionToken();  // ~200 characters of base64

    uint64_t seed() const { return seed_; }

    uint64_t counter() const { return counter_; }

    // Continues a persisted generator.
    void Restore(uint64_t seed, uint64_t counter) {
        seed_ = seed;
        counter_ = counter;
    }

    bool operator==(const IdGenerator& other) const = default;

private:
    uint64_t NextValue();

    uint64_t seed_ = 1;
    uint64_t counter_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Accounts and IAM

using Tags = std::map<std::string, std::string>;

enum class KeyStatus : uint8_t { kActive, kInactive };
std::string_view KeyStatusName(KeyStatus status);  // "Active" | "Inactive"
std::optional<KeyStatus> ParseKeyStatus(std::string_view name);

struct AccessKey {
    std::string id;      // AKIA...
    std::string secret;  // 40 characters
    KeyStatus status = KeyStatus::kActive;
    Timestamp create_date{};

    bool operator==(const AccessKey& other) const = default;
};

struct IamUser {
    std::string name;
    std::string user_id;  // AIDA...
    std::string arn;      // arn:aws:iam::ACCT:user{path}{name}
    std::string path = "/";
    Timestamp create_date{};
    Tags tags;
    std::vector<AccessKey> access_keys;
    bool has_login_profile = false;
    std::map<std::string, std::string> inline_policies;  // policy name -> JSON document
    std::vector<std::string> attached_policy_arns;

    bool operator==(const IamUser& other) const = default;
};

struct IamRole {
    std::string name;
    std::string role_id;  // AROA...
    std::string arn;      // arn:aws:iam::ACCT:role{path}{name}
    std::string path = "/";
    std::string description;
    Timestamp create_date{};
    Tags tags;
    std::string trust_policy;  // JSON (AssumeRolePolicyDocument)
    std::map<std::string, std::string> inline_policies;
    std::vector<std::string> attached_policy_arns;
    int max_session_duration = 3600;  // seconds

    bool operator==(const IamRole& other) const = default;
};

struct ManagedPolicy {
    std::string arn;  // arn:aws:iam::ACCT:policy{path}{name} or arn:aws:iam::aws:policy/NAME
    std::string name;
    std::string policy_id;  // ANPA...
    std::string path = "/";
    std::string description;
    std::string document;  // JSON
    Timestamp create_date{};

    bool aws_managed() const { return arn.starts_with("arn:aws:iam::aws:"); }

    bool operator==(const ManagedPolicy& other) const = default;
};

// Temporary credentials issued by STS AssumeRole.
struct RoleSession {
    std::string access_key_id;  // ASIA...
    std::string secret;
    std::string session_token;
    Timestamp issued{};
    Timestamp expiration{};
    std::string account_id;  // the role's account
    std::string role_arn;
    std::string session_name;
    std::string source_identity;  // empty when not set
    std::string caller_arn;       // who called AssumeRole (empty for sessions from a world file)
    bool mfa_authenticated = false;

    bool operator==(const RoleSession& other) const = default;
};

struct Account {
    std::string id;  // 12 digits
    std::string alias;
    std::vector<AccessKey> root_keys;
    std::vector<std::string> regions;               // regions the world sets up for the account
    std::map<std::string, IamUser> users;           // by name
    std::map<std::string, IamRole> roles;           // by name
    std::map<std::string, ManagedPolicy> policies;  // customer-managed, by name

    bool operator==(const Account& other) const = default;
};

// ---------------------------------------------------------------------------------------------
// EC2

struct Vpc {
    std::string id;
    std::string account_id;
    std::string region;
    std::string cidr_block;
    bool is_default = false;
    Tags tags;

    bool operator==(const Vpc& other) const = default;
};

struct Subnet {
    std::string id;
    std::string account_id;
    std::string region;
    std::string vpc_id;
    std::string cidr_block;
    std::string availability_zone;
    Tags tags;

    bool operator==(const Subnet& other) const = default;
};

// One IPv4 range or referenced group of a permission is one security group rule (sgr-...).
struct IpRange {
    std::string cidr;
    std::string description;
    std::string rule_id;

    bool operator==(const IpRange& other) const = default;
};

struct GroupReference {
    std::string group_id;
    std::string owner_id;  // the referenced group's account
    std::string description;
    std::string rule_id;

    bool operator==(const GroupReference& other) const = default;
};

struct IpPermission {
    std::string protocol = "-1";  // "tcp", "udp", "icmp" or "-1" (all)
    int from_port = -1;           // -1 with protocol "-1"
    int to_port = -1;
    std::vector<IpRange> ipv4_ranges;
    std::vector<GroupReference> groups;

    bool operator==(const IpPermission& other) const = default;
};

struct SecurityGroup {
    std::string id;
    std::string account_id;
    std::string region;
    std::string name;
    std::string description;
    std::string vpc_id;
    std::vector<IpPermission> ingress;
    std::vector<IpPermission> egress;
    Tags tags;

    bool operator==(const SecurityGroup& other) const = default;
};

enum class InstanceState : uint8_t {
    kPending = 0,
    kRunning = 16,
    kShuttingDown = 32,
    kTerminated = 48,
    kStopping = 64,
    kStopped = 80,
};

inline int InstanceStateCode(InstanceState state) {
    return static_cast<int>(state);
}

std::string_view InstanceStateName(InstanceState state);  // "running", "shutting-down", ...
std::optional<InstanceState> ParseInstanceState(std::string_view name);

struct BlockDeviceMapping {
    std::string device_name;  // "/dev/xvda"
    std::string volume_id;
    bool delete_on_termination = true;
    Timestamp attach_time{};

    bool operator==(const BlockDeviceMapping& other) const = default;
};

struct Instance {
    std::string id;
    std::string account_id;
    std::string region;
    std::string reservation_id;
    std::string image_id;
    std::string instance_type = "t3.micro";
    InstanceState state = InstanceState::kRunning;
    Timestamp launch_time{};
    std::string availability_zone;
    std::string subnet_id;
    std::string vpc_id;
    std::string private_ip;
    std::vector<std::string> security_group_ids;
    Tags tags;
    bool disable_api_termination = false;
    std::string root_device_name = "/dev/xvda";
    std::vector<BlockDeviceMapping> block_devices;
    std::string iam_instance_profile_arn;  // empty: none

    bool operator==(const Instance& other) const = default;
};

enum class VolumeState : uint8_t { kCreating, kAvailable, kInUse, kDeleting, kDeleted, kError };
std::string_view VolumeStateName(VolumeState state);  // "available", "in-use", ...
std::optional<VolumeState> ParseVolumeState(std::string_view name);

struct VolumeAttachment {
    std::string instance_id;
    std::string device;
    std::string state = "attached";  // attaching | attached | detaching | detached
    Timestamp attach_time{};
    bool delete_on_termination = true;

    bool operator==(const VolumeAttachment& other) const = default;
};

struct Volume {
    std::string id;
    std::string account_id;
    std::string region;
    int size_gib = 8;
    std::string availability_zone;
    std::string volume_type = "gp3";
    VolumeState state = VolumeState::kAvailable;
    Timestamp create_time{};
    std::string snapshot_id;  // the snapshot it was created from, if any
    std::vector<VolumeAttachment> attachments;
    Tags tags;
    bool encrypted = false;

    bool operator==(const Volume& other) const = default;
};

enum class SnapshotState : uint8_t { kPending, kCompleted, kError };
std::string_view SnapshotStateName(SnapshotState state);  // "pending" | "completed" | "error"
std::optional<SnapshotState> ParseSnapshotState(std::string_view name);

struct Snapshot {
    std::string id;
    std::string account_id;
    std::string region;
    std::string volume_id;
    std::string description;
    SnapshotState state = SnapshotState::kCompleted;
    Timestamp start_time{};
    // A pending snapshot made by CreateSnapshot becomes completed when the world clock reaches
    // this time (World::SnapshotStateAt); nullopt: `state` stays as it is (world-file snapshots).
    std::optional<Timestamp> completes_at;
    std::string owner_id;
    int volume_size_gib = 0;
    Tags tags;
    bool encrypted = false;

    bool operator==(const Snapshot& other) const = default;
};

// ---------------------------------------------------------------------------------------------
// Auto Scaling and load balancing

struct AsgInstance {
    std::string instance_id;
    std::string lifecycle_state = "InService";  // InService, Standby, Detaching, Terminating...
    std::string health_status = "Healthy";      // Healthy | Unhealthy
    std::string availability_zone;
    bool protected_from_scale_in = false;

    bool operator==(const AsgInstance& other) const = default;
};

struct AutoScalingGroup {
    std::string name;
    std::string arn;  // arn:aws:autoscaling:R:ACCT:autoScalingGroup:UUID:autoScalingGroupName/NAME
    std::string account_id;
    std::string region;
    int min_size = 0;
    int max_size = 0;
    int desired_capacity = 0;
    std::string launch_template_name;
    std::vector<std::string> availability_zones;
    std::vector<std::string> subnet_ids;
    std::vector<AsgInstance> instances;
    std::vector<std::string> load_balancer_names;
    std::vector<std::string> target_group_arns;
    Timestamp created_time{};
    Tags tags;

    bool operator==(const AutoScalingGroup& other) const = default;
};

struct ClassicLoadBalancer {
    std::string name;
    std::string arn;  // arn:aws:elasticloadbalancing:R:ACCT:loadbalancer/NAME
    std::string account_id;
    std::string region;
    std::string dns_name;
    std::string vpc_id;
    std::vector<std::string> availability_zones;
    std::vector<std::string> subnet_ids;
    std::vector<std::string> security_group_ids;
    std::vector<std::string> instance_ids;  // registered instances
    Timestamp created_time{};

    bool operator==(const ClassicLoadBalancer& other) const = default;
};

struct Target {
    std::string id;  // instance id
    int port = 0;
    std::string health_state = "healthy";  // initial, healthy, unhealthy, unused, draining

    bool operator==(const Target& other) const = default;
};

struct TargetGroup {
    std::string arn;  // arn:aws:elasticloadbalancing:R:ACCT:targetgroup/NAME/16hex
    std::string name;
    std::string account_id;
    std::string region;
    std::string protocol = "HTTP";
    int port = 80;
    std::string vpc_id;
    std::string target_type = "instance";
    std::vector<Target> targets;
    std::vector<std::string> load_balancer_arns;

    bool operator==(const TargetGroup& other) const = default;
};

// ---------------------------------------------------------------------------------------------
// CloudTrail, S3, SNS, SSM

struct DataResource {
    std::string type;  // "AWS::S3::Object"
    std::vector<std::string> values;

    bool operator==(const DataResource& other) const = default;
};

struct EventSelector {
    std::string read_write_type = "All";  // ReadOnly | WriteOnly | All
    bool include_management_events = true;
    std::vector<DataResource> data_resources;

    bool operator==(const EventSelector& other) const = default;
};

struct Trail {
    std::string name;
    std::string arn;  // arn:aws:cloudtrail:HOME:ACCT:trail/NAME
    std::string account_id;
    std::string home_region;
    std::string s3_bucket;
    std::string s3_key_prefix;
    bool is_logging = false;
    bool is_multi_region = false;
    bool include_global_service_events = true;
    bool log_file_validation = false;
    std::string cloud_watch_logs_log_group_arn;  // empty: none
    std::string cloud_watch_logs_role_arn;
    std::string kms_key_id;  // empty: SSE-S3
    std::optional<Timestamp> start_logging_time;
    std::optional<Timestamp> stop_logging_time;
    std::optional<std::vector<EventSelector>> event_selectors;  // nullopt: the default selector

    bool operator==(const Trail& other) const = default;
};

struct PublicAccessBlock {
    bool block_public_acls = false;
    bool ignore_public_acls = false;
    bool block_public_policy = false;
    bool restrict_public_buckets = false;

    bool operator==(const PublicAccessBlock& other) const = default;
};

enum class ObjectLockMode : uint8_t { kNone, kGovernance, kCompliance };
std::string_view ObjectLockModeName(ObjectLockMode mode);  // "" | "GOVERNANCE" | "COMPLIANCE"
std::optional<ObjectLockMode> ParseObjectLockMode(std::string_view name);

struct DefaultRetention {
    ObjectLockMode mode = ObjectLockMode::kGovernance;
    int days = 0;  // exactly one of days and years is set
    int years = 0;

    bool operator==(const DefaultRetention& other) const = default;
};

// When an object version written at `written` under `retention` stops being locked (years are
// calendar years).
Timestamp RetainUntil(const DefaultRetention& retention, Timestamp written);

enum class Versioning : uint8_t { kDisabled, kEnabled, kSuspended };
std::string_view VersioningName(Versioning v);  // "" (never enabled) | "Enabled" | "Suspended"
std::optional<Versioning> ParseVersioning(std::string_view name);

struct ObjectVersion {
    std::string version_id = "null";  // "null" for objects written while unversioned
    std::string data;                 // the bytes
    std::string etag;                 // "\"<md5 hex>\"", quotes included
    Timestamp last_modified{};
    std::string content_type = "binary/octet-stream";
    std::map<std::string, std::string> metadata;  // x-amz-meta-* (names without the prefix)
    ObjectLockMode lock_mode = ObjectLockMode::kNone;
    std::optional<Timestamp> retain_until;
    bool legal_hold = false;
    bool delete_marker = false;

    bool operator==(const ObjectVersion& other) const = default;
};

// "\"<md5 hex of data>\"", as S3 returns in ETag for a single-part upload.
std::string S3Etag(std::string_view data);

struct Bucket {
    std::string name;
    std::string region;
    std::string owner_account;
    Timestamp create_date{};
    std::optional<std::string> policy;  // JSON
    std::optional<PublicAccessBlock> public_access_block;
    bool object_lock_enabled = false;
    std::optional<DefaultRetention> default_retention;
    Versioning versioning = Versioning::kDisabled;
    std::map<std::string, std::vector<ObjectVersion>> objects;  // key -> versions, oldest first

    // The current version of `key`: nullptr when absent or when the newest is a delete marker.
    const ObjectVersion* Latest(std::string_view key) const;

    bool operator==(const Bucket& other) const = default;
};

struct SnsMessage {
    std::string message_id;
    std::string subject;
    std::string message;
    Timestamp timestamp{};

    bool operator==(const SnsMessage& other) const = default;
};

struct SnsTopic {
    std::string arn;  // arn:aws:sns:R:ACCT:NAME
    std::string name;
    std::string account_id;
    std::string region;
    std::vector<SnsMessage> messages;  // everything published, oldest first

    bool operator==(const SnsTopic& other) const = default;
};

struct SsmCommand {
    std::string command_id;
    std::string account_id;
    std::string region;
    std::string document_name;
    std::vector<std::string> instance_ids;
    std::map<std::string, std::vector<std::string>> parameters;
    std::string comment;
    std::string status = "Pending";  // Pending, InProgress, Success, Failed, ...
    Timestamp requested_time{};

    bool operator==(const SsmCommand& other) const = default;
};

// A management event in CloudTrail's event history (what LookupEvents searches): kept for every
// authenticated management call whether or not a trail is logging, as AWS keeps 90 days of them.
struct RecordedEvent {
    std::string event_id;
    std::string account_id;  // recipient account
    std::string region;      // awsRegion (IAM: us-east-1)
    std::string event_name;
    std::string event_source;
    Timestamp event_time{};
    bool read_only = false;
    std::string access_key_id;
    std::string username;                     // user name, role session name, or "root"
    std::vector<std::string> resource_types;  // parallel to resource_names
    std::vector<std::string> resource_names;
    std::string record;  // the CloudTrail record JSON

    bool operator==(const RecordedEvent& other) const = default;
};

// The history keeps at most this many events (oldest dropped first).
inline constexpr size_t kMaxEventHistory = 20000;

// ---------------------------------------------------------------------------------------------
// ARNs (partition "aws")

// The account field of an ARN ("arn:aws:iam::ACCT:role/x" -> "ACCT"); empty when there is none.
std::string_view ArnAccountId(std::string_view arn);

std::string UserArn(std::string_view account, std::string_view path, std::string_view name);
std::string RoleArn(std::string_view account, std::string_view path, std::string_view name);
std::string PolicyArn(std::string_view account, std::string_view path, std::string_view name);
std::string AssumedRoleArn(std::string_view account,
                           std::string_view role_name,
                           std::string_view session_name);
std::string InstanceArn(std::string_view region, std::string_view account, std::string_view id);
std::string VolumeArn(std::string_view region, std::string_view account, std::string_view id);
std::string SnapshotArn(std::string_view region, std::string_view id);  // no account: AWS's form
std::string SecurityGroupArn(std::string_view region,
                             std::string_view account,
                             std::string_view id);
std::string TrailArn(std::string_view region, std::string_view account, std::string_view name);
std::string TopicArn(std::string_view region, std::string_view account, std::string_view name);
std::string BucketArn(std::string_view bucket);
std::string ObjectArn(std::string_view bucket, std::string_view key);

// S3's rules for a general purpose bucket name: 3 to 63 lowercase letters, digits, dots and
// hyphens, starting and ending with a letter or digit, no "..", ".-" or "-.", not formatted as an
// IP address, no reserved prefix ("xn--", "sthree-") or suffix ("-s3alias", "--ol-s3").
bool IsValidBucketName(std::string_view name);

// ---------------------------------------------------------------------------------------------
// The world

// The persisted JSON's "version"; ParseWorldJson refuses others.
inline constexpr int kWorldFormatVersion = 1;

// What an access key id stands for (World::ResolveAccessKey).
struct ResolvedKey {
    std::string secret_access_key;
    std::string session_token;  // ASIA keys: the token the request must carry; empty otherwise
    bool inactive = false;      // a long-term key whose status is Inactive
    bool expired = false;       // a session key at or past its expiration
    std::optional<Timestamp> expiration;  // sessions only
    CallerIdentity identity;

    bool usable() const { return !inactive && !expired; }
};

// How the world behaves (the world file's `settings:` mapping).
struct WorldSettings {
    // CreateSnapshot's snapshot is pending for this many seconds after its start time, then
    // completed; 0 completes it at once.
    int snapshot_completion_seconds = 2;

    bool operator==(const WorldSettings& other) const = default;
};

// A finding imported with Security Hub BatchImportFindings, kept per account and region and
// upserted by ProductArn + Id (SecurityHubFindingKey).
struct ImportedFinding {
    std::string account_id;  // the importing caller's account
    std::string region;
    std::string product_arn;
    std::string id;
    std::string finding;  // the ASFF object as last imported (compact JSON)
    Timestamp first_imported{};
    Timestamp last_imported{};

    bool operator==(const ImportedFinding& other) const = default;
};

// "<account>/<region>/<ProductArn>/<Id>": the key of World::securityhub_findings.
std::string SecurityHubFindingKey(std::string_view account_id,
                                  std::string_view region,
                                  std::string_view product_arn,
                                  std::string_view id);

struct World {
    std::string name;  // free text from the world file
    std::string description;
    WorldSettings settings;
    IdGenerator ids;
    WorldClock clock;

    std::map<std::string, Account> accounts;                      // by id
    std::map<std::string, ManagedPolicy> aws_managed_policies;    // by ARN
    std::map<std::string, Vpc> vpcs;                              // by id
    std::map<std::string, Subnet> subnets;                        // by id
    std::map<std::string, SecurityGroup> security_groups;         // by id
    std::map<std::string, Instance> instances;                    // by id
    std::map<std::string, Volume> volumes;                        // by id
    std::map<std::string, Snapshot> snapshots;                    // by id
    std::map<std::string, AutoScalingGroup> auto_scaling_groups;  // by ARN
    std::map<std::string, ClassicLoadBalancer> load_balancers;    // by ARN
    std::map<std::string, TargetGroup> target_groups;             // by ARN
    std::map<std::string, Trail> trails;                          // by ARN
    std::map<std::string, Bucket> buckets;                        // by name (global)
    std::map<std::string, SnsTopic> topics;                       // by ARN
    std::map<std::string, SsmCommand> ssm_commands;               // by command id
    std::map<std::string, RoleSession> sessions;                  // by access key id
    std::vector<RecordedEvent> event_history;                     // oldest first
    std::map<std::string, ImportedFinding> securityhub_findings;  // by SecurityHubFindingKey

    bool operator==(const World& other) const = default;

    Timestamp Now() const { return clock.Now(); }

    // The snapshot's state at `now`: a pending snapshot whose completes_at has come is
    // completed. Snapshots are settled lazily, when described, not by a timer.
    static SnapshotState SnapshotStateAt(const Snapshot& snapshot, Timestamp now);

    std::string NewId(IdKind kind) { return ids.Next(kind); }

    // Lookups: nullptr when absent or outside the given account/region.
    Account* FindAccount(std::string_view account_id);
    const Account* FindAccount(std::string_view account_id) const;
    IamUser* FindUser(std::string_view account_id, std::string_view name);
    const IamUser* FindUser(std::string_view account_id, std::string_view name) const;
    IamRole* FindRole(std::string_view account_id, std::string_view name);
    const IamRole* FindRole(std::string_view account_id, std::string_view name) const;
    const IamRole* FindRoleByArn(std::string_view arn) const;
    // AWS-managed (arn:aws:iam::aws:policy/...) or customer-managed policies.
    const ManagedPolicy* FindManagedPolicy(std::string_view arn) const;
    Instance* FindInstance(std::string_view account, std::string_view region, std::string_view id);
    Volume* FindVolume(std::string_view account, std::string_view region, std::string_view id);
    SecurityGroup* FindSecurityGroup(std::string_view account,
                                     std::string_view region,
                                     std::string_view id);
    AutoScalingGroup* FindAutoScalingGroup(std::string_view account,
                                           std::string_view region,
                                           std::string_view name);
    ClassicLoadBalancer* FindLoadBalancer(std::string_view account,
                                          std::string_view region,
                                          std::string_view name);
    TargetGroup* FindTargetGroup(std::string_view account,
                                 std::string_view region,
                                 std::string_view arn_or_name);
    // A trail of `account` by name or ARN, visible from `region` (its home region, or any region
    // for a multi-region trail).
    Trail* FindTrail(std::string_view account,
                     std::string_view region,
                     std::string_view name_or_arn);
    Bucket* FindBucket(std::string_view name);

    // Root keys, IAM user keys and STS session keys. nullopt for an unknown key id.
    std::optional<ResolvedKey> ResolveAccessKey(std::string_view access_key_id,
                                                Timestamp now) const;

    // A new Active long-term key (AKIA id, secret, create date now); the caller stores it.
    AccessKey NewAccessKey();

    // Issues and stores STS credentials for `role`; expiration = now + duration.
    const RoleSession& IssueSession(const IamRole& role,
                                    std::string session_name,
                                    std::string caller_arn,
                                    std::chrono::seconds duration,
                                    bool mfa_authenticated,
                                    std::string source_identity = {});

    // Stores an object version: etag, last_modified = now, a version id when versioning is
    // Enabled (else "null", replacing the previous "null" version), the bucket's default
    // retention when Object Lock is on.
    const ObjectVersion& PutObject(Bucket* bucket,
                                   const std::string& key,
                                   std::string data,
                                   std::string content_type,
                                   std::map<std::string, std::string> metadata);
};

// Adds AdministratorAccess, ReadOnlyAccess (approximated as *:Describe*, *:Get*, *:List* and
// cloudtrail:LookupEvents) and AWSDenyAll to world->aws_managed_policies.
void AddAwsManagedPolicies(World* world);

// ---------------------------------------------------------------------------------------------
// World files and persistence

// Loads a hand-written YAML world (schema: src/sandbox/README.md, "World file"). Every problem is
// a diagnostic with file:line:column and a stable code; loading goes on where it can, so the
// returned world holds everything that was valid. Check diags->has_errors().
World LoadWorldYaml(std::string_view text, const std::string& file, Diagnostics* diags);

// Reads `path`: a persisted world when it ends in ".json", a YAML world file otherwise. A read
// failure or unparsable JSON is the Result's error; YAML problems are diagnostics.
Result<World> LoadWorldFile(const std::string& path, Diagnostics* diags);

// The whole world as JSON (indented, deterministic: maps in key order). Object data is base64.
std::string SerializeWorld(const World& world);

// Inverse of SerializeWorld; ParseWorldJson(SerializeWorld(w)) == w. The clock is not persisted
// (the result has the system clock).
Result<World> ParseWorldJson(std::string_view json);

// Writes SerializeWorld(world) to a temporary file in path's directory, fsyncs it, renames it over
// `path` and fsyncs the directory, so `path` always holds a complete world.
Status SaveWorldAtomically(const World& world, const std::string& path);

}  // namespace firebreak::sandbox
