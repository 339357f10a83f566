// File: ec2.h
//
// Typed EC2 operations on top of AwsClient::Query(): the calls incident response needs to find,
// isolate, preserve and stop instances (describe, tag, snapshot, swap security groups, stop,
// launch a forensics host).
//
// Each operation Op has three parts, all public so that tests and the sandbox cloud can use the
// halves on their own:
//   QueryParams EncodeOp(const OpRequest&)             the form parameters botocore would send
//   Outcome<OpResponse> ParseOp(const XmlReply&)       the reply's root element, typed
//   Outcome<OpResponse> Op(const AwsClient&, const OpRequest&)   encode, send, parse
//
// Wire rules (EC2 protocol, ../shared/notes/aws-wire-protocols.md 1.2): lists are flattened as
// Name.N with no ".member.", nested structures use '.', booleans are "true"/"false". Optional
// request fields that are empty (or std::nullopt) are not sent.
//
// Replies: fields absent from a reply stay empty (strings, lists) or std::nullopt (numbers,
// booleans, times); a number, boolean or time that does not parse is treated as absent. A reply
// without the element an operation exists to return (CreateSecurityGroup's groupId, a describe
// call's set) is an ApiError with code "InvalidResponse" naming the element. Every response
// carries the reply's request id for the audit trail.
//
// Times are std::chrono::system_clock::time_point (UTC), parsed with ParseIsoTime.
//
// All functions are thread-safe; they only read their arguments.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/aws/error.h"

namespace firebreak::aws::ec2 {

using Timestamp = std::optional<std::chrono::system_clock::time_point>;

struct Tag {
    std::string key;
    std::string value;

    bool operator==(const Tag&) const = default;
};

// Filter.N.Name / Filter.N.Value.M: a resource matches when `name` has one of `values`.
struct Filter {
    std::string name;
    std::vector<std::string> values;
};

// Instance-state codes: 0 pending, 16 running, 32 shutting-down, 48 terminated, 64 stopping,
// 80 stopped.
struct InstanceState {
    std::optional<int> code;
    std::string name;
};

struct GroupIdentifier {
    std::string group_id;
    std::string group_name;
};

// An EBS volume attached to an instance (blockDeviceMapping/item).
struct InstanceBlockDevice {
    std::string device_name;
    std::string volume_id;
    std::string status;  // attaching | attached | detaching | detached
    Timestamp attach_time;
    std::optional<bool> delete_on_termination;
};

struct Instance {
    std::string instance_id;
    std::string image_id;
    std::string instance_type;
    InstanceState state;
    Timestamp launch_time;
    std::string availability_zone;
    std::string subnet_id;
    std::string vpc_id;
    std::string private_ip_address;
    std::string public_ip_address;
    std::string key_name;
    std::vector<GroupIdentifier> security_groups;
    std::vector<Tag> tags;
    std::vector<InstanceBlockDevice> block_devices;
    std::string iam_instance_profile_arn;  // empty when the instance has no profile
};

struct Reservation {
    std::string reservation_id;
    std::string owner_id;
    std::vector<Instance> instances;
};

// ---- DescribeInstances ---------------------------------------------------------------------

// AWS refuses max_results together with instance_ids.
struct DescribeInstancesRequest {
    std::vector<std::string> instance_ids;
    std::vector<Filter> filters;
    std::optional<int> max_results;  // 5..1000
    std::string next_token;
};

struct DescribeInstancesResponse {
    std::vector<Reservation> reservations;
    std::string next_token;  // empty on the last page
    std::string request_id;
};

QueryParams EncodeDescribeInstances(const DescribeInstancesRequest& request);
Outcome<DescribeInstancesResponse> ParseDescribeInstances(const XmlReply& reply);
Outcome<DescribeInstancesResponse> DescribeInstances(const AwsClient& client,
                                                     const DescribeInstancesRequest& request);

// Follows NextToken from `request.next_token` until the last page; the reservations of all pages
// in order, an empty next_token and the last page's request id. A page that hands back the token
// it was asked with is an "InvalidResponse" error rather than an endless loop.
Outcome<DescribeInstancesResponse> DescribeAllInstances(const AwsClient& client,
                                                        const DescribeInstancesRequest& request);

// ---- ModifyInstanceAttribute ---------------------------------------------------------------

// Exactly one attribute per call, as AWS requires: either `disable_api_termination`
// (DisableApiTermination.Value) or `group_ids` (GroupId.N, replacing the instance's whole set of
// security groups). ModifyInstanceAttribute() refuses a request with neither or both set, with
// a client-side "InvalidParameterCombination" error, before sending anything.
struct ModifyInstanceAttributeRequest {
    std::string instance_id;
    std::optional<bool> disable_api_termination;
    std::vector<std::string> group_ids;
};

struct ModifyInstanceAttributeResponse {
    std::string request_id;
};

QueryParams EncodeModifyInstanceAttribute(const ModifyInstanceAttributeRequest& request);
Outcome<ModifyInstanceAttributeResponse> ParseModifyInstanceAttribute(const XmlReply& reply);
Outcome<ModifyInstanceAttributeResponse> ModifyInstanceAttribute(
        const AwsClient& client, const ModifyInstanceAttributeRequest& request);

// ---- CreateSnapshot ------------------------------------------------------------------------

// `tags` are applied at creation (TagSpecification.1.ResourceType=snapshot).
struct CreateSnapshotRequest {
    std::string volume_id;
    std::string description;
    std::vector<Tag> tags;
};

struct Snapshot {
    std::string snapshot_id;
    std::string volume_id;
    std::string state;  // pending | completed | error (the reply's <status>)
    Timestamp start_time;
    std::string progress;  // "" or "100%"
    std::string owner_id;
    std::optional<int64_t> volume_size_gib;
    std::string description;
    std::optional<bool> encrypted;
    std::string kms_key_id;
    std::vector<Tag> tags;
};

struct CreateSnapshotResponse {
    Snapshot snapshot;
    std::string request_id;
};

QueryParams EncodeCreateSnapshot(const CreateSnapshotRequest& request);
Outcome<CreateSnapshotResponse> ParseCreateSnapshot(const XmlReply& reply);  // needs snapshotId
Outcome<CreateSnapshotResponse> CreateSnapshot(const AwsClient& client,
                                               const CreateSnapshotRequest& request);

// ---- DescribeVolumes -----------------------------------------------------------------------

struct DescribeVolumesRequest {
    std::vector<std::string> volume_ids;
    std::vector<Filter> filters;
    std::optional<int> max_results;
    std::string next_token;
};

struct VolumeAttachment {
    std::string volume_id;
    std::string instance_id;
    std::string device;
    std::string state;  // the reply's <status>
    Timestamp attach_time;
    std::optional<bool> delete_on_termination;
};

struct Volume {
    std::string volume_id;
    std::optional<int64_t> size_gib;
    std::string snapshot_id;
    std::string availability_zone;
    std::string state;  // the reply's <status>
    Timestamp create_time;
    std::vector<VolumeAttachment> attachments;
    std::string volume_type;
    std::optional<bool> encrypted;
    std::string kms_key_id;
    std::vector<Tag> tags;
};

struct DescribeVolumesResponse {
    std::vector<Volume> volumes;
    std::string next_token;
    std::string request_id;
};

QueryParams EncodeDescribeVolumes(const DescribeVolumesRequest& request);
Outcome<DescribeVolumesResponse> ParseDescribeVolumes(const XmlReply& reply);  // needs volumeSet
Outcome<DescribeVolumesResponse> DescribeVolumes(const AwsClient& client,
                                                 const DescribeVolumesRequest& request);

// ---- DescribeSnapshots ---------------------------------------------------------------------

// Filters the sandbox also understands: volume-id, status, description, tag:<key>, tag-key,
// snapshot-id, owner-id. `owner_ids` takes account ids or "self". AWS refuses max_results
// together with snapshot_ids.
struct DescribeSnapshotsRequest {
    std::vector<std::string> snapshot_ids;
    std::vector<std::string> owner_ids;
    std::vector<Filter> filters;
    std::optional<int> max_results;  // 5..1000
    std::string next_token;
};

struct DescribeSnapshotsResponse {
    std::vector<Snapshot> snapshots;
    std::string next_token;  // empty on the last page
    std::string request_id;
};

QueryParams EncodeDescribeSnapshots(const DescribeSnapshotsRequest& request);
Outcome<DescribeSnapshotsResponse> ParseDescribeSnapshots(
        const XmlReply& reply);  // needs snapshotSet
Outcome<DescribeSnapshotsResponse> DescribeSnapshots(const AwsClient& client,
                                                     const DescribeSnapshotsRequest& request);

// ---- CreateTags ----------------------------------------------------------------------------

struct CreateTagsRequest {
    std::vector<std::string> resource_ids;
    std::vector<Tag> tags;
};

struct CreateTagsResponse {
    std::string request_id;
};

QueryParams EncodeCreateTags(const CreateTagsRequest& request);
Outcome<CreateTagsResponse> ParseCreateTags(const XmlReply& reply);
Outcome<CreateTagsResponse> CreateTags(const AwsClient& client, const CreateTagsRequest& request);

// ---- StopInstances -------------------------------------------------------------------------

struct StopInstancesRequest {
    std::vector<std::string> instance_ids;
    std::optional<bool> force;      // Force: skip the OS shutdown (loses memory evidence)
    std::optional<bool> hibernate;  // Hibernate: keep RAM on the root volume when enabled
};

struct InstanceStateChange {
    std::string instance_id;
    InstanceState current_state;
    InstanceState previous_state;
};

struct StopInstancesResponse {
    std::vector<InstanceStateChange> changes;
    std::string request_id;
};

QueryParams EncodeStopInstances(const StopInstancesRequest& request);
Outcome<StopInstancesResponse> ParseStopInstances(const XmlReply& reply);  // needs instancesSet
Outcome<StopInstancesResponse> StopInstances(const AwsClient& client,
                                             const StopInstancesRequest& request);

// ---- TerminateInstances --------------------------------------------------------------------

// AWS refuses the whole call with "OperationNotPermitted" when any of the instances has
// termination protection (DisableApiTermination). Terminated instances stay describable for a
// while, in state "terminated".
struct TerminateInstancesRequest {
    std::vector<std::string> instance_ids;
};

struct TerminateInstancesResponse {
    std::vector<InstanceStateChange> changes;  // the reply's instancesSet
    std::string request_id;
};

QueryParams EncodeTerminateInstances(const TerminateInstancesRequest& request);
Outcome<TerminateInstancesResponse> ParseTerminateInstances(
        const XmlReply& reply);  // needs instancesSet
Outcome<TerminateInstancesResponse> TerminateInstances(const AwsClient& client,
                                                       const TerminateInstancesRequest& request);

// ---- CreateSecurityGroup -------------------------------------------------------------------

// `description` is sent as GroupDescription; `tags` via TagSpecification (security-group).
struct CreateSecurityGroupRequest {
    std::string group_name;
    std::string description;
    std::string vpc_id;
    std::vector<Tag> tags;
};

struct CreateSecurityGroupResponse {
    std::string group_id;
    std::vector<Tag> tags;
    std::string request_id;
};

QueryParams EncodeCreateSecurityGroup(const CreateSecurityGroupRequest& request);
Outcome<CreateSecurityGroupResponse> ParseCreateSecurityGroup(const XmlReply& reply);  // groupId
Outcome<CreateSecurityGroupResponse> CreateSecurityGroup(const AwsClient& client,
                                                         const CreateSecurityGroupRequest& request);

// ---- Security group rules ------------------------------------------------------------------

struct IpRange {
    std::string cidr;  // CidrIp (IPv4) or CidrIpv6, by the list it is in
    std::string description;
};

// A rule that names another security group (UserIdGroupPair; Groups.N on the wire).
struct GroupReference {
    std::string group_id;
    std::string user_id;     // replies only
    std::string group_name;  // replies only
    std::string description;
};

struct PrefixListReference {
    std::string prefix_list_id;
    std::string description;
};

// One IpPermissions.N entry. `ip_protocol` "-1" means all protocols (then no ports).
struct IpPermission {
    std::string ip_protocol;
    std::optional<int> from_port;
    std::optional<int> to_port;
    std::vector<IpRange> ipv4_ranges;
    std::vector<IpRange> ipv6_ranges;
    std::vector<GroupReference> groups;
    std::vector<PrefixListReference> prefix_lists;
};

// A rule as AuthorizeSecurityGroupIngress reports it created (securityGroupRuleSet/item).
struct SecurityGroupRule {
    std::string rule_id;  // sgr-...
    std::string group_id;
    std::string group_owner_id;
    std::optional<bool> is_egress;
    std::string ip_protocol;
    std::optional<int> from_port;
    std::optional<int> to_port;
    std::string cidr_ipv4;
    std::string cidr_ipv6;
    std::string prefix_list_id;
    std::string referenced_group_id;
    std::string description;
};

// The request of AuthorizeSecurityGroupIngress, RevokeSecurityGroupIngress and
// RevokeSecurityGroupEgress (GroupId + IpPermissions.N).
struct IpPermissionsRequest {
    std::string group_id;
    std::vector<IpPermission> ip_permissions;
};

using AuthorizeSecurityGroupIngressRequest = IpPermissionsRequest;
using RevokeSecurityGroupIngressRequest = IpPermissionsRequest;
using RevokeSecurityGroupEgressRequest = IpPermissionsRequest;

struct AuthorizeSecurityGroupIngressResponse {
    bool return_value = false;             // <return>; required
    std::vector<SecurityGroupRule> rules;  // the created rules with their ids
    std::string request_id;
};

// What a revoke reports: `return_value` (required in the reply) and the permissions AWS did not
// know (unknownIpPermissionSet; in a default VPC a revoke of an absent rule is not an error).
struct RevokeSecurityGroupRulesResponse {
    bool return_value = false;
    std::vector<IpPermission> unknown_ip_permissions;
    std::string request_id;
};

using RevokeSecurityGroupIngressResponse = RevokeSecurityGroupRulesResponse;
using RevokeSecurityGroupEgressResponse = RevokeSecurityGroupRulesResponse;

QueryParams EncodeAuthorizeSecurityGroupIngress(
        const AuthorizeSecurityGroupIngressRequest& request);
Outcome<AuthorizeSecurityGroupIngressResponse> ParseAuthorizeSecurityGroupIngress(
        const XmlReply& reply);
Outcome<AuthorizeSecurityGroupIngressResponse> AuthorizeSecurityGroupIngress(
        const AwsClient& client, const AuthorizeSecurityGroupIngressRequest& request);

QueryParams EncodeRevokeSecurityGroupIngress(const RevokeSecurityGroupIngressRequest& request);
Outcome<RevokeSecurityGroupIngressResponse> ParseRevokeSecurityGroupIngress(const XmlReply& reply);
Outcome<RevokeSecurityGroupIngressResponse> RevokeSecurityGroupIngress(
        const AwsClient& client, const RevokeSecurityGroupIngressRequest& request);

QueryParams EncodeRevokeSecurityGroupEgress(const RevokeSecurityGroupEgressRequest& request);
Outcome<RevokeSecurityGroupEgressResponse> ParseRevokeSecurityGroupEgress(const XmlReply& reply);
Outcome<RevokeSecurityGroupEgressResponse> RevokeSecurityGroupEgress(
        const AwsClient& client, const RevokeSecurityGroupEgressRequest& request);

// ---- RunInstances --------------------------------------------------------------------------

// `user_data` is the raw script or cloud-config; it is base64-encoded on the wire, as botocore
// does. `tags` are applied to the instances (TagSpecification.1.ResourceType=instance).
struct RunInstancesRequest {
    std::string image_id;
    std::string instance_type;
    int min_count = 1;
    int max_count = 1;
    std::vector<std::string> security_group_ids;
    std::string subnet_id;
    std::string key_name;
    std::vector<Tag> tags;
    std::string user_data;
    std::optional<bool> disable_api_termination;
};

struct RunInstancesResponse {
    Reservation reservation;
    std::string request_id;
};

QueryParams EncodeRunInstances(const RunInstancesRequest& request);
Outcome<RunInstancesResponse> ParseRunInstances(const XmlReply& reply);  // needs instancesSet
Outcome<RunInstancesResponse> RunInstances(const AwsClient& client,
                                           const RunInstancesRequest& request);

// ---- DescribeSecurityGroups ----------------------------------------------------------------

struct DescribeSecurityGroupsRequest {
    std::vector<std::string> group_ids;
    std::vector<std::string> group_names;  // default VPC / EC2-Classic names
    std::vector<Filter> filters;
    std::optional<int> max_results;
    std::string next_token;
};

struct SecurityGroup {
    std::string group_id;
    std::string group_name;
    std::string description;
    std::string vpc_id;
    std::string owner_id;
    std::vector<IpPermission> ingress;
    std::vector<IpPermission> egress;
    std::vector<Tag> tags;
};

struct DescribeSecurityGroupsResponse {
    std::vector<SecurityGroup> groups;
    std::string next_token;
    std::string request_id;
};

QueryParams EncodeDescribeSecurityGroups(const DescribeSecurityGroupsRequest& request);
Outcome<DescribeSecurityGroupsResponse> ParseDescribeSecurityGroups(
        const XmlReply& reply);  // needs securityGroupInfo
Outcome<DescribeSecurityGroupsResponse> DescribeSecurityGroups(
        const AwsClient& client, const DescribeSecurityGroupsRequest& request);

}  // namespace firebreak::aws::ec2
