// File: ec2.cpp
//
// EC2 operations: form encoding as botocore's EC2 serializer does it (names are the model's
// locationName with the first letter capitalised, lists flattened as Name.N) and parsing of the
// replies' <xSet><item> lists.
#include "firebreak/aws/ec2.h"

#include <string_view>
#include <utility>

#include "firebreak/core/crypto.h"

namespace firebreak::aws::ec2 {
namespace {

constexpr ServiceId kService = ServiceId::kEc2;

// ---- encoding ------------------------------------------------------------------------------

std::string Index(const std::string& prefix, size_t i) {
    return prefix + "." + std::to_string(i + 1);
}

void AddFilters(QueryParams* params, const std::vector<Filter>& filters) {
    for (size_t i = 0; i < filters.size(); ++i) {
        std::string prefix = Index("Filter", i);
        params->Add(prefix + ".Name", filters[i].name);
        params->AddList(prefix + ".Value", filters[i].values, false);
    }
}

// TagSpecification.1.ResourceType=<type>&TagSpecification.1.Tag.N.Key/Value, when there are tags.
void AddTagSpecification(QueryParams* params,
                         const std::string& resource_type,
                         const std::vector<Tag>& tags) {
    if (tags.empty()) {
        return;
    }
    params->Add("TagSpecification.1.ResourceType", resource_type);
    params->AddTags("TagSpecification.1.Tag", tags, false);
}

void AddPagination(QueryParams* params,
                   const std::optional<int>& max_results,
                   const std::string& next_token) {
    if (max_results) {
        params->AddInt("MaxResults", *max_results);
    }
    if (!next_token.empty()) {
        params->Add("NextToken", next_token);
    }
}

void AddRanges(QueryParams* params,
               const std::string& prefix,
               const char* cidr_name,
               const std::vector<IpRange>& ranges) {
    for (size_t i = 0; i < ranges.size(); ++i) {
        std::string range = Index(prefix, i);
        params->Add(range + "." + cidr_name, ranges[i].cidr);
        if (!ranges[i].description.empty()) {
            params->Add(range + ".Description", ranges[i].description);
        }
    }
}

void AddIpPermissions(QueryParams* params, const std::vector<IpPermission>& permissions) {
    for (size_t i = 0; i < permissions.size(); ++i) {
        const IpPermission& permission = permissions[i];
        std::string prefix = Index("IpPermissions", i);
        params->Add(prefix + ".IpProtocol", permission.ip_protocol);
        if (permission.from_port) {
            params->AddInt(prefix + ".FromPort", *permission.from_port);
        }
        if (permission.to_port) {
            params->AddInt(prefix + ".ToPort", *permission.to_port);
        }
        AddRanges(params, prefix + ".IpRanges", "CidrIp", permission.ipv4_ranges);
        AddRanges(params, prefix + ".Ipv6Ranges", "CidrIpv6", permission.ipv6_ranges);
        for (size_t g = 0; g < permission.groups.size(); ++g) {
            const GroupReference& group = permission.groups[g];
            std::string pair = Index(prefix + ".Groups", g);
            if (!group.group_id.empty()) {
                params->Add(pair + ".GroupId", group.group_id);
            }
            if (!group.group_name.empty()) {
                params->Add(pair + ".GroupName", group.group_name);
            }
            if (!group.user_id.empty()) {
                params->Add(pair + ".UserId", group.user_id);
            }
            if (!group.description.empty()) {
                params->Add(pair + ".Description", group.description);
            }
        }
        for (size_t p = 0; p < permission.prefix_lists.size(); ++p) {
            const PrefixListReference& list = permission.prefix_lists[p];
            std::string entry = Index(prefix + ".PrefixListIds", p);
            params->Add(entry + ".PrefixListId", list.prefix_list_id);
            if (!list.description.empty()) {
                params->Add(entry + ".Description", list.description);
            }
        }
    }
}

QueryParams EncodeIpPermissionsRequest(const IpPermissionsRequest& request) {
    QueryParams params;
    params.Add("GroupId", request.group_id);
    AddIpPermissions(&params, request.ip_permissions);
    return params;
}

// ---- parsing -------------------------------------------------------------------------------

// The <item> children of `node`'s child `set` (empty when the set is absent).
pugi::xml_object_range<pugi::xml_named_node_iterator> Items(const pugi::xml_node& node,
                                                            const char* set) {
    return node.child(set).children("item");
}

std::vector<Tag> ParseTags(const pugi::xml_node& node) {
    std::vector<Tag> tags;
    for (pugi::xml_node item : Items(node, "tagSet")) {
        tags.push_back({ChildText(item, "key"), ChildText(item, "value")});
    }
    return tags;
}

InstanceState ParseState(const pugi::xml_node& node) {
    return {ChildInt<int>(node, "code"), ChildText(node, "name")};
}

Instance ParseInstance(const pugi::xml_node& node) {
    Instance instance;
    instance.instance_id = ChildText(node, "instanceId");
    instance.image_id = ChildText(node, "imageId");
    instance.instance_type = ChildText(node, "instanceType");
    instance.state = ParseState(node.child("instanceState"));
    instance.launch_time = ChildTime(node, "launchTime");
    instance.availability_zone = ChildText(node.child("placement"), "availabilityZone");
    instance.subnet_id = ChildText(node, "subnetId");
    instance.vpc_id = ChildText(node, "vpcId");
    instance.private_ip_address = ChildText(node, "privateIpAddress");
    instance.public_ip_address = ChildText(node, "ipAddress");
    instance.key_name = ChildText(node, "keyName");
    for (pugi::xml_node item : Items(node, "groupSet")) {
        instance.security_groups.push_back(
                {ChildText(item, "groupId"), ChildText(item, "groupName")});
    }
    instance.tags = ParseTags(node);
    for (pugi::xml_node item : Items(node, "blockDeviceMapping")) {
        pugi::xml_node ebs = item.child("ebs");
        InstanceBlockDevice device;
        device.device_name = ChildText(item, "deviceName");
        device.volume_id = ChildText(ebs, "volumeId");
        device.status = ChildText(ebs, "status");
        device.attach_time = ChildTime(ebs, "attachTime");
        device.delete_on_termination = ChildBool(ebs, "deleteOnTermination");
        instance.block_devices.push_back(std::move(device));
    }
    instance.iam_instance_profile_arn = ChildText(node.child("iamInstanceProfile"), "arn");
    return instance;
}

Reservation ParseReservation(const pugi::xml_node& node) {
    Reservation reservation;
    reservation.reservation_id = ChildText(node, "reservationId");
    reservation.owner_id = ChildText(node, "ownerId");
    for (pugi::xml_node item : Items(node, "instancesSet")) {
        reservation.instances.push_back(ParseInstance(item));
    }
    return reservation;
}

std::vector<IpRange> ParseRanges(const pugi::xml_node& node, const char* set, const char* cidr) {
    std::vector<IpRange> ranges;
    for (pugi::xml_node item : Items(node, set)) {
        ranges.push_back({ChildText(item, cidr), ChildText(item, "description")});
    }
    return ranges;
}

IpPermission ParseIpPermission(const pugi::xml_node& node) {
    IpPermission permission;
    permission.ip_protocol = ChildText(node, "ipProtocol");
    permission.from_port = ChildInt<int>(node, "fromPort");
    permission.to_port = ChildInt<int>(node, "toPort");
    permission.ipv4_ranges = ParseRanges(node, "ipRanges", "cidrIp");
    permission.ipv6_ranges = ParseRanges(node, "ipv6Ranges", "cidrIpv6");
    for (pugi::xml_node item : Items(node, "groups")) {
        permission.groups.push_back({ChildText(item, "groupId"),
                                     ChildText(item, "userId"),
                                     ChildText(item, "groupName"),
                                     ChildText(item, "description")});
    }
    for (pugi::xml_node item : Items(node, "prefixListIds")) {
        permission.prefix_lists.push_back(
                {ChildText(item, "prefixListId"), ChildText(item, "description")});
    }
    return permission;
}

std::vector<IpPermission> ParseIpPermissions(const pugi::xml_node& node, const char* set) {
    std::vector<IpPermission> permissions;
    for (pugi::xml_node item : Items(node, set)) {
        permissions.push_back(ParseIpPermission(item));
    }
    return permissions;
}

SecurityGroupRule ParseSecurityGroupRule(const pugi::xml_node& node) {
    SecurityGroupRule rule;
    rule.rule_id = ChildText(node, "securityGroupRuleId");
    rule.group_id = ChildText(node, "groupId");
    rule.group_owner_id = ChildText(node, "groupOwnerId");
    rule.is_egress = ChildBool(node, "isEgress");
    rule.ip_protocol = ChildText(node, "ipProtocol");
    rule.from_port = ChildInt<int>(node, "fromPort");
    rule.to_port = ChildInt<int>(node, "toPort");
    rule.cidr_ipv4 = ChildText(node, "cidrIpv4");
    rule.cidr_ipv6 = ChildText(node, "cidrIpv6");
    rule.prefix_list_id = ChildText(node, "prefixListId");
    rule.referenced_group_id = ChildText(node.child("referencedGroupInfo"), "groupId");
    rule.description = ChildText(node, "description");
    return rule;
}

Snapshot ParseSnapshot(const pugi::xml_node& node) {
    Snapshot snapshot;
    snapshot.snapshot_id = ChildText(node, "snapshotId");
    snapshot.volume_id = ChildText(node, "volumeId");
    snapshot.state = ChildText(node, "status");
    snapshot.start_time = ChildTime(node, "startTime");
    snapshot.progress = ChildText(node, "progress");
    snapshot.owner_id = ChildText(node, "ownerId");
    snapshot.volume_size_gib = ChildInt<int64_t>(node, "volumeSize");
    snapshot.description = ChildText(node, "description");
    snapshot.encrypted = ChildBool(node, "encrypted");
    snapshot.kms_key_id = ChildText(node, "kmsKeyId");
    snapshot.tags = ParseTags(node);
    return snapshot;
}

Volume ParseVolume(const pugi::xml_node& node) {
    Volume volume;
    volume.volume_id = ChildText(node, "volumeId");
    volume.size_gib = ChildInt<int64_t>(node, "size");
    volume.snapshot_id = ChildText(node, "snapshotId");
    volume.availability_zone = ChildText(node, "availabilityZone");
    volume.state = ChildText(node, "status");
    volume.create_time = ChildTime(node, "createTime");
    for (pugi::xml_node item : Items(node, "attachmentSet")) {
        VolumeAttachment attachment;
        attachment.volume_id = ChildText(item, "volumeId");
        attachment.instance_id = ChildText(item, "instanceId");
        attachment.device = ChildText(item, "device");
        attachment.state = ChildText(item, "status");
        attachment.attach_time = ChildTime(item, "attachTime");
        attachment.delete_on_termination = ChildBool(item, "deleteOnTermination");
        volume.attachments.push_back(std::move(attachment));
    }
    volume.volume_type = ChildText(node, "volumeType");
    volume.encrypted = ChildBool(node, "encrypted");
    volume.kms_key_id = ChildText(node, "kmsKeyId");
    volume.tags = ParseTags(node);
    return volume;
}

// The instancesSet of StopInstances and TerminateInstances.
Outcome<std::vector<InstanceStateChange>> ParseStateChanges(const XmlReply& reply,
                                                            const char* operation) {
    if (!reply.result.child("instancesSet")) {
        return MissingElement(operation, reply.request_id, "instancesSet");
    }
    std::vector<InstanceStateChange> changes;
    for (pugi::xml_node item : Items(reply.result, "instancesSet")) {
        changes.push_back({ChildText(item, "instanceId"),
                           ParseState(item.child("currentState")),
                           ParseState(item.child("previousState"))});
    }
    return changes;
}

SecurityGroup ParseSecurityGroup(const pugi::xml_node& node) {
    SecurityGroup group;
    group.group_id = ChildText(node, "groupId");
    group.group_name = ChildText(node, "groupName");
    group.description = ChildText(node, "groupDescription");
    group.vpc_id = ChildText(node, "vpcId");
    group.owner_id = ChildText(node, "ownerId");
    group.ingress = ParseIpPermissions(node, "ipPermissions");
    group.egress = ParseIpPermissions(node, "ipPermissionsEgress");
    group.tags = ParseTags(node);
    return group;
}

Outcome<RevokeSecurityGroupRulesResponse> ParseRevoke(const XmlReply& reply,
                                                      std::string_view operation) {
    std::optional<bool> returned = ChildBool(reply.result, "return");
    if (!returned) {
        return MissingElement(operation, reply.request_id, "return");
    }
    RevokeSecurityGroupRulesResponse response;
    response.return_value = *returned;
    response.unknown_ip_permissions = ParseIpPermissions(reply.result, "unknownIpPermissionSet");
    response.request_id = reply.request_id;
    return response;
}

}  // namespace

// ---- DescribeInstances ---------------------------------------------------------------------

QueryParams EncodeDescribeInstances(const DescribeInstancesRequest& request) {
    QueryParams params;
    params.AddList("InstanceId", request.instance_ids, false);
    AddFilters(&params, request.filters);
    AddPagination(&params, request.max_results, request.next_token);
    return params;
}

Outcome<DescribeInstancesResponse> ParseDescribeInstances(const XmlReply& reply) {
    if (!reply.result.child("reservationSet")) {
        return MissingElement("ec2:DescribeInstances", reply.request_id, "reservationSet");
    }
    DescribeInstancesResponse response;
    for (pugi::xml_node item : Items(reply.result, "reservationSet")) {
        response.reservations.push_back(ParseReservation(item));
    }
    response.next_token = ChildText(reply.result, "nextToken");
    response.request_id = reply.request_id;
    return response;
}

Outcome<DescribeInstancesResponse> DescribeInstances(const AwsClient& client,
                                                     const DescribeInstancesRequest& request) {
    return CallQuery(client,
                     kService,
                     "DescribeInstances",
                     EncodeDescribeInstances(request),
                     &ParseDescribeInstances);
}

Outcome<DescribeInstancesResponse> DescribeAllInstances(const AwsClient& client,
                                                        const DescribeInstancesRequest& request) {
    DescribeInstancesRequest page_request = request;
    DescribeInstancesResponse all;
    for (;;) {
        Outcome<DescribeInstancesResponse> page = DescribeInstances(client, page_request);
        if (!page) {
            return page.error();
        }
        for (Reservation& reservation : page->reservations) {
            all.reservations.push_back(std::move(reservation));
        }
        all.request_id = page->request_id;
        if (page->next_token.empty()) {
            return all;
        }
        if (page->next_token == page_request.next_token) {
            ApiError error = ClientError(
                    "InvalidResponse",
                    "the reply repeated the NextToken it was sent: " + page->next_token);
            error.operation = "ec2:DescribeInstances";
            error.request_id = page->request_id;
            return error;
        }
        page_request.next_token = std::move(page->next_token);
    }
}

// ---- ModifyInstanceAttribute ---------------------------------------------------------------

QueryParams EncodeModifyInstanceAttribute(const ModifyInstanceAttributeRequest& request) {
    QueryParams params;
    params.Add("InstanceId", request.instance_id);
    if (request.disable_api_termination) {
        params.AddBool("DisableApiTermination.Value", *request.disable_api_termination);
    }
    params.AddList("GroupId", request.group_ids, false);
    return params;
}

Outcome<ModifyInstanceAttributeResponse> ParseModifyInstanceAttribute(const XmlReply& reply) {
    return ModifyInstanceAttributeResponse{reply.request_id};
}

Outcome<ModifyInstanceAttributeResponse> ModifyInstanceAttribute(
        const AwsClient& client, const ModifyInstanceAttributeRequest& request) {
    if (request.disable_api_termination.has_value() == !request.group_ids.empty()) {
        ApiError error = ClientError("InvalidParameterCombination",
                                     "ModifyInstanceAttribute changes exactly one attribute: set "
                                     "either disable_api_termination or group_ids");
        error.operation = "ec2:ModifyInstanceAttribute";
        return error;
    }
    return CallQuery(client,
                     kService,
                     "ModifyInstanceAttribute",
                     EncodeModifyInstanceAttribute(request),
                     &ParseModifyInstanceAttribute);
}

// ---- CreateSnapshot ------------------------------------------------------------------------

QueryParams EncodeCreateSnapshot(const CreateSnapshotRequest& request) {
    QueryParams params;
    params.Add("VolumeId", request.volume_id);
    if (!request.description.empty()) {
        params.Add("Description", request.description);
    }
    AddTagSpecification(&params, "snapshot", request.tags);
    return params;
}

Outcome<CreateSnapshotResponse> ParseCreateSnapshot(const XmlReply& reply) {
    if (!reply.result.child("snapshotId")) {
        return MissingElement("ec2:CreateSnapshot", reply.request_id, "snapshotId");
    }
    return CreateSnapshotResponse{ParseSnapshot(reply.result), reply.request_id};
}

Outcome<CreateSnapshotResponse> CreateSnapshot(const AwsClient& client,
                                               const CreateSnapshotRequest& request) {
    return CallQuery(client,
                     kService,
                     "CreateSnapshot",
                     EncodeCreateSnapshot(request),
                     &ParseCreateSnapshot);
}

// ---- DescribeVolumes -----------------------------------------------------------------------

QueryParams EncodeDescribeVolumes(const DescribeVolumesRequest& request) {
    QueryParams params;
    params.AddList("VolumeId", request.volume_ids, false);
    AddFilters(&params, request.filters);
    AddPagination(&params, request.max_results, request.next_token);
    return params;
}

Outcome<DescribeVolumesResponse> ParseDescribeVolumes(const XmlReply& reply) {
    if (!reply.result.child("volumeSet")) {
        return MissingElement("ec2:DescribeVolumes", reply.request_id, "volumeSet");
    }
    DescribeVolumesResponse response;
    for (pugi::xml_node item : Items(reply.result, "volumeSet")) {
        response.volumes.push_back(ParseVolume(item));
    }
    response.next_token = ChildText(reply.result, "nextToken");
    response.request_id = reply.request_id;
    return response;
}

Outcome<DescribeVolumesResponse> DescribeVolumes(const AwsClient& client,
                                                 const DescribeVolumesRequest& request) {
    return CallQuery(client,
                     kService,
                     "DescribeVolumes",
                     EncodeDescribeVolumes(request),
                     &ParseDescribeVolumes);
}

// ---- DescribeSnapshots ---------------------------------------------------------------------

QueryParams EncodeDescribeSnapshots(const DescribeSnapshotsRequest& request) {
    QueryParams params;
    params.AddList("SnapshotId", request.snapshot_ids, false);
    params.AddList("Owner", request.owner_ids, false);
    AddFilters(&params, request.filters);
    AddPagination(&params, request.max_results, request.next_token);
    return params;
}

Outcome<DescribeSnapshotsResponse> ParseDescribeSnapshots(const XmlReply& reply) {
    if (!reply.result.child("snapshotSet")) {
        return MissingElement("ec2:DescribeSnapshots", reply.request_id, "snapshotSet");
    }
    DescribeSnapshotsResponse response;
    for (pugi::xml_node item : Items(reply.result, "snapshotSet")) {
        response.snapshots.push_back(ParseSnapshot(item));
    }
    response.next_token = ChildText(reply.result, "nextToken");
    response.request_id = reply.request_id;
    return response;
}

Outcome<DescribeSnapshotsResponse> DescribeSnapshots(const AwsClient& client,
                                                     const DescribeSnapshotsRequest& request) {
    return CallQuery(client,
                     kService,
                     "DescribeSnapshots",
                     EncodeDescribeSnapshots(request),
                     &ParseDescribeSnapshots);
}

// ---- CreateTags ----------------------------------------------------------------------------

QueryParams EncodeCreateTags(const CreateTagsRequest& request) {
    QueryParams params;
    params.AddList("ResourceId", request.resource_ids, false);
    params.AddTags("Tag", request.tags, false);
    return params;
}

Outcome<CreateTagsResponse> ParseCreateTags(const XmlReply& reply) {
    return CreateTagsResponse{reply.request_id};
}

Outcome<CreateTagsResponse> CreateTags(const AwsClient& client, const CreateTagsRequest& request) {
    return CallQuery(client, kService, "CreateTags", EncodeCreateTags(request), &ParseCreateTags);
}

// ---- StopInstances -------------------------------------------------------------------------

QueryParams EncodeStopInstances(const StopInstancesRequest& request) {
    QueryParams params;
    params.AddList("InstanceId", request.instance_ids, false);
    if (request.hibernate) {
        params.AddBool("Hibernate", *request.hibernate);
    }
    if (request.force) {
        params.AddBool("Force", *request.force);
    }
    return params;
}

Outcome<StopInstancesResponse> ParseStopInstances(const XmlReply& reply) {
    auto changes = ParseStateChanges(reply, "ec2:StopInstances");
    if (!changes) {
        return changes.error();
    }
    return StopInstancesResponse{std::move(*changes), reply.request_id};
}

Outcome<StopInstancesResponse> StopInstances(const AwsClient& client,
                                             const StopInstancesRequest& request) {
    return CallQuery(
            client, kService, "StopInstances", EncodeStopInstances(request), &ParseStopInstances);
}

// ---- TerminateInstances --------------------------------------------------------------------

QueryParams EncodeTerminateInstances(const TerminateInstancesRequest& request) {
    QueryParams params;
    params.AddList("InstanceId", request.instance_ids, false);
    return params;
}

Outcome<TerminateInstancesResponse> ParseTerminateInstances(const XmlReply& reply) {
    auto changes = ParseStateChanges(reply, "ec2:TerminateInstances");
    if (!changes) {
        return changes.error();
    }
    return TerminateInstancesResponse{std::move(*changes), reply.request_id};
}

Outcome<TerminateInstancesResponse> TerminateInstances(const AwsClient& client,
                                                       const TerminateInstancesRequest& request) {
    return CallQuery(client,
                     kService,
                     "TerminateInstances",
                     EncodeTerminateInstances(request),
                     &ParseTerminateInstances);
}

// ---- CreateSecurityGroup -------------------------------------------------------------------

QueryParams EncodeCreateSecurityGroup(const CreateSecurityGroupRequest& request) {
    QueryParams params;
    params.Add("GroupName", request.group_name);
    params.Add("GroupDescription", request.description);
    if (!request.vpc_id.empty()) {
        params.Add("VpcId", request.vpc_id);
    }
    AddTagSpecification(&params, "security-group", request.tags);
    return params;
}

Outcome<CreateSecurityGroupResponse> ParseCreateSecurityGroup(const XmlReply& reply) {
    std::string group_id = ChildText(reply.result, "groupId");
    if (group_id.empty()) {
        return MissingElement("ec2:CreateSecurityGroup", reply.request_id, "groupId");
    }
    return CreateSecurityGroupResponse{
            std::move(group_id), ParseTags(reply.result), reply.request_id};
}

Outcome<CreateSecurityGroupResponse> CreateSecurityGroup(
        const AwsClient& client, const CreateSecurityGroupRequest& request) {
    return CallQuery(client,
                     kService,
                     "CreateSecurityGroup",
                     EncodeCreateSecurityGroup(request),
                     &ParseCreateSecurityGroup);
}

// ---- Security group rules ------------------------------------------------------------------

QueryParams EncodeAuthorizeSecurityGroupIngress(
        const AuthorizeSecurityGroupIngressRequest& request) {
    return EncodeIpPermissionsRequest(request);
}

Outcome<AuthorizeSecurityGroupIngressResponse> ParseAuthorizeSecurityGroupIngress(
        const XmlReply& reply) {
    std::optional<bool> returned = ChildBool(reply.result, "return");
    if (!returned) {
        return MissingElement("ec2:AuthorizeSecurityGroupIngress", reply.request_id, "return");
    }
    AuthorizeSecurityGroupIngressResponse response;
    response.return_value = *returned;
    for (pugi::xml_node item : Items(reply.result, "securityGroupRuleSet")) {
        response.rules.push_back(ParseSecurityGroupRule(item));
    }
    response.request_id = reply.request_id;
    return response;
}

Outcome<AuthorizeSecurityGroupIngressResponse> AuthorizeSecurityGroupIngress(
        const AwsClient& client, const AuthorizeSecurityGroupIngressRequest& request) {
    return CallQuery(client,
                     kService,
                     "AuthorizeSecurityGroupIngress",
                     EncodeAuthorizeSecurityGroupIngress(request),
                     &ParseAuthorizeSecurityGroupIngress);
}

QueryParams EncodeRevokeSecurityGroupIngress(const RevokeSecurityGroupIngressRequest& request) {
    return EncodeIpPermissionsRequest(request);
}

Outcome<RevokeSecurityGroupIngressResponse> ParseRevokeSecurityGroupIngress(const XmlReply& reply) {
    return ParseRevoke(reply, "ec2:RevokeSecurityGroupIngress");
}

Outcome<RevokeSecurityGroupIngressResponse> RevokeSecurityGroupIngress(
        const AwsClient& client, const RevokeSecurityGroupIngressRequest& request) {
    return CallQuery(client,
                     kService,
                     "RevokeSecurityGroupIngress",
                     EncodeRevokeSecurityGroupIngress(request),
                     &ParseRevokeSecurityGroupIngress);
}

QueryParams EncodeRevokeSecurityGroupEgress(const RevokeSecurityGroupEgressRequest& request) {
    return EncodeIpPermissionsRequest(request);
}

Outcome<RevokeSecurityGroupEgressResponse> ParseRevokeSecurityGroupEgress(const XmlReply& reply) {
    return ParseRevoke(reply, "ec2:RevokeSecurityGroupEgress");
}

Outcome<RevokeSecurityGroupEgressResponse> RevokeSecurityGroupEgress(
        const AwsClient& client, const RevokeSecurityGroupEgressRequest& request) {
    return CallQuery(client,
                     kService,
                     "RevokeSecurityGroupEgress",
                     EncodeRevokeSecurityGroupEgress(request),
                     &ParseRevokeSecurityGroupEgress);
}

// ---- RunInstances --------------------------------------------------------------------------

QueryParams EncodeRunInstances(const RunInstancesRequest& request) {
    QueryParams params;
    params.Add("ImageId", request.image_id);
    if (!request.instance_type.empty()) {
        params.Add("InstanceType", request.instance_type);
    }
    params.AddInt("MinCount", request.min_count);
    params.AddInt("MaxCount", request.max_count);
    if (!request.key_name.empty()) {
        params.Add("KeyName", request.key_name);
    }
    params.AddList("SecurityGroupId", request.security_group_ids, false);
    if (!request.subnet_id.empty()) {
        params.Add("SubnetId", request.subnet_id);
    }
    if (!request.user_data.empty()) {
        params.Add("UserData", Base64Encode(request.user_data));
    }
    if (request.disable_api_termination) {
        params.AddBool("DisableApiTermination", *request.disable_api_termination);
    }
    AddTagSpecification(&params, "instance", request.tags);
    return params;
}

Outcome<RunInstancesResponse> ParseRunInstances(const XmlReply& reply) {
    if (!reply.result.child("instancesSet")) {
        return MissingElement("ec2:RunInstances", reply.request_id, "instancesSet");
    }
    return RunInstancesResponse{ParseReservation(reply.result), reply.request_id};
}

Outcome<RunInstancesResponse> RunInstances(const AwsClient& client,
                                           const RunInstancesRequest& request) {
    return CallQuery(
            client, kService, "RunInstances", EncodeRunInstances(request), &ParseRunInstances);
}

// ---- DescribeSecurityGroups ----------------------------------------------------------------

QueryParams EncodeDescribeSecurityGroups(const DescribeSecurityGroupsRequest& request) {
    QueryParams params;
    params.AddList("GroupId", request.group_ids, false);
    params.AddList("GroupName", request.group_names, false);
    AddFilters(&params, request.filters);
    AddPagination(&params, request.max_results, request.next_token);
    return params;
}

Outcome<DescribeSecurityGroupsResponse> ParseDescribeSecurityGroups(const XmlReply& reply) {
    if (!reply.result.child("securityGroupInfo")) {
        return MissingElement("ec2:DescribeSecurityGroups", reply.request_id, "securityGroupInfo");
    }
    DescribeSecurityGroupsResponse response;
    for (pugi::xml_node item : Items(reply.result, "securityGroupInfo")) {
        response.groups.push_back(ParseSecurityGroup(item));
    }
    response.next_token = ChildText(reply.result, "nextToken");
    response.request_id = reply.request_id;
    return response;
}

Outcome<DescribeSecurityGroupsResponse> DescribeSecurityGroups(
        const AwsClient& client, const DescribeSecurityGroupsRequest& request) {
    return CallQuery(client,
                     kService,
                     "DescribeSecurityGroups",
                     EncodeDescribeSecurityGroups(request),
                     &ParseDescribeSecurityGroups);
}

}  // namespace firebreak::aws::ec2
