// File: actions_ec2.cpp
//
// The ec2:* actions: JSON parameters (AWS CLI input names) to the typed requests of
// firebreak/aws/ec2.h and the typed replies back to the AWS CLI's output shape.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "action_util.h"
#include "firebreak/aws/ec2.h"
#include "firebreak/response/actions.h"

namespace firebreak::response::action_internal {
namespace {

namespace ec2 = aws::ec2;

using Outcome = aws::Outcome<ActionResult>;

// ---- parameters --------------------------------------------------------------------------------

std::vector<ec2::Filter> FiltersOf(const Params& params, std::string_view name = "Filters") {
    std::vector<ec2::Filter> out;
    for (auto& [filter_name, values] : params.Filters(name))
        out.push_back(ec2::Filter{std::move(filter_name), std::move(values)});
    return out;
}

ec2::Filter MakeFilter(std::string name, std::string value) {
    return ec2::Filter{std::move(name), {std::move(value)}};
}

// An optional string member of an IpPermissions element; false when present but not a string.
bool ReadText(const JsonValue& object, std::string_view key, std::string* out) {
    const JsonValue* value = object.Find(key);
    if (value == nullptr || value->type == JsonValue::Type::kNull)
        return true;
    if (!value->is_string())
        return false;
    *out = value->text;
    return true;
}

// A list of objects each with the string members `keys`; `add` gets each object.
template <class Add>
std::optional<std::string> ReadObjectList(const JsonValue& permission,
                                          std::string_view list,
                                          Add add) {
    const JsonValue* value = permission.Find(list);
    if (value == nullptr || value->type == JsonValue::Type::kNull)
        return std::nullopt;
    if (!value->is_array())
        return std::string(list) + " must be a list, got " + std::string(JsonTypePhrase(*value));
    for (const JsonValue& item : value->items) {
        if (!item.is_object())
            return std::string(list) + " items must be objects, got " +
                   std::string(JsonTypePhrase(item));
        std::optional<std::string> problem = add(item);
        if (problem)
            return std::string(list) + ": " + *problem;
    }
    return std::nullopt;
}

// IpPermissions in the AWS CLI's JSON shape to the typed list; a message on a malformed entry.
aws::Outcome<std::vector<ec2::IpPermission>> ParseIpPermissions(std::string_view action,
                                                                const JsonValue* json) {
    auto fail = [&](size_t index, const std::string& what) {
        return ParamError(action,
                          "parameter 'IpPermissions'[" + std::to_string(index) + "]: " + what);
    };
    if (json == nullptr || !json->is_array())
        return ParamError(action,
                          "parameter 'IpPermissions': expected a list of permissions, got " +
                                  std::string(json ? JsonTypePhrase(*json) : "nothing"));
    std::vector<ec2::IpPermission> out;
    for (size_t i = 0; i < json->items.size(); ++i) {
        const JsonValue& item = json->items[i];
        if (!item.is_object())
            return fail(i, "expected an object, got " + std::string(JsonTypePhrase(item)));
        ec2::IpPermission permission;
        const JsonValue* protocol = item.Find("IpProtocol");
        if (protocol != nullptr && protocol->is_number())
            permission.ip_protocol = protocol->text;  // protocol numbers ("6") are allowed
        else if (!ReadText(item, "IpProtocol", &permission.ip_protocol))
            return fail(i, "IpProtocol must be a string");
        if (permission.ip_protocol.empty())
            return fail(i, "IpProtocol is required (\"tcp\", \"udp\", \"icmp\" or \"-1\")");
        for (const char* port : {"FromPort", "ToPort"}) {
            const JsonValue* value = item.Find(port);
            if (value == nullptr || value->type == JsonValue::Type::kNull)
                continue;
            std::optional<int64_t> number = JsonInteger(*value);
            if (!number || *number < -1 || *number > 65535)
                return fail(i, std::string(port) + " must be an integer from -1 to 65535");
            (std::string_view(port) == "FromPort" ? permission.from_port : permission.to_port) =
                    static_cast<int>(*number);
        }
        std::optional<std::string> problem;
        problem = ReadObjectList(item, "IpRanges", [&](const JsonValue& range) {
            ec2::IpRange out_range;
            if (!ReadText(range, "CidrIp", &out_range.cidr) || out_range.cidr.empty() ||
                !ReadText(range, "Description", &out_range.description))
                return std::optional<std::string>("each needs a CidrIp string");
            permission.ipv4_ranges.push_back(std::move(out_range));
            return std::optional<std::string>();
        });
        if (!problem) {
            problem = ReadObjectList(item, "Ipv6Ranges", [&](const JsonValue& range) {
                ec2::IpRange out_range;
                if (!ReadText(range, "CidrIpv6", &out_range.cidr) || out_range.cidr.empty() ||
                    !ReadText(range, "Description", &out_range.description))
                    return std::optional<std::string>("each needs a CidrIpv6 string");
                permission.ipv6_ranges.push_back(std::move(out_range));
                return std::optional<std::string>();
            });
        }
        if (!problem) {
            problem = ReadObjectList(item, "UserIdGroupPairs", [&](const JsonValue& pair) {
                ec2::GroupReference group;
                if (!ReadText(pair, "GroupId", &group.group_id) || group.group_id.empty() ||
                    !ReadText(pair, "UserId", &group.user_id) ||
                    !ReadText(pair, "GroupName", &group.group_name) ||
                    !ReadText(pair, "Description", &group.description))
                    return std::optional<std::string>("each needs a GroupId string");
                permission.groups.push_back(std::move(group));
                return std::optional<std::string>();
            });
        }
        if (!problem) {
            problem = ReadObjectList(item, "PrefixListIds", [&](const JsonValue& prefix) {
                ec2::PrefixListReference list;
                if (!ReadText(prefix, "PrefixListId", &list.prefix_list_id) ||
                    list.prefix_list_id.empty() ||
                    !ReadText(prefix, "Description", &list.description))
                    return std::optional<std::string>("each needs a PrefixListId string");
                permission.prefix_lists.push_back(std::move(list));
                return std::optional<std::string>();
            });
        }
        if (problem)
            return fail(i, *problem);
        out.push_back(std::move(permission));
    }
    if (out.empty())
        return ParamError(action, "parameter 'IpPermissions': the list is empty");
    return out;
}

// How many rules (ranges, groups, prefix lists) a permission list stands for.
size_t RuleCount(const std::vector<ec2::IpPermission>& permissions) {
    size_t count = 0;
    for (const ec2::IpPermission& p : permissions) {
        count += p.ipv4_ranges.size() + p.ipv6_ranges.size() + p.groups.size() +
                 p.prefix_lists.size();
    }
    return count;
}

// ---- results -----------------------------------------------------------------------------------

JsonValue StateJson(const ec2::InstanceState& state) {
    JsonValue out = Obj();
    PutInt(&out, "Code", state.code);
    PutStr(&out, "Name", state.name);
    return out;
}

JsonValue InstanceJson(const ec2::Instance& instance) {
    JsonValue out = Obj();
    PutStr(&out, "InstanceId", instance.instance_id);
    PutStr(&out, "ImageId", instance.image_id);
    PutStr(&out, "InstanceType", instance.instance_type);
    Put(&out, "State", StateJson(instance.state));
    PutTime(&out, "LaunchTime", instance.launch_time);
    if (!instance.availability_zone.empty()) {
        JsonValue placement = Obj();
        PutStr(&placement, "AvailabilityZone", instance.availability_zone);
        Put(&out, "Placement", std::move(placement));
    }
    PutStr(&out, "SubnetId", instance.subnet_id);
    PutStr(&out, "VpcId", instance.vpc_id);
    PutStr(&out, "PrivateIpAddress", instance.private_ip_address);
    PutStr(&out, "PublicIpAddress", instance.public_ip_address);
    PutStr(&out, "KeyName", instance.key_name);
    JsonValue groups = Arr();
    for (const ec2::GroupIdentifier& group : instance.security_groups) {
        JsonValue item = Obj();
        PutStr(&item, "GroupId", group.group_id);
        PutStr(&item, "GroupName", group.group_name);
        groups.items.push_back(std::move(item));
    }
    Put(&out, "SecurityGroups", std::move(groups));
    PutList(&out, "Tags", TagsJson(instance.tags));
    JsonValue devices = Arr();
    for (const ec2::InstanceBlockDevice& device : instance.block_devices) {
        JsonValue ebs = Obj();
        PutStr(&ebs, "VolumeId", device.volume_id);
        PutStr(&ebs, "Status", device.status);
        PutTime(&ebs, "AttachTime", device.attach_time);
        PutBool(&ebs, "DeleteOnTermination", device.delete_on_termination);
        JsonValue item = Obj();
        PutStr(&item, "DeviceName", device.device_name);
        Put(&item, "Ebs", std::move(ebs));
        devices.items.push_back(std::move(item));
    }
    Put(&out, "BlockDeviceMappings", std::move(devices));
    if (!instance.iam_instance_profile_arn.empty()) {
        JsonValue profile = Obj();
        PutStr(&profile, "Arn", instance.iam_instance_profile_arn);
        Put(&out, "IamInstanceProfile", std::move(profile));
    }
    return out;
}

JsonValue SnapshotJson(const ec2::Snapshot& snapshot) {
    JsonValue out = Obj();
    PutStr(&out, "SnapshotId", snapshot.snapshot_id);
    PutStr(&out, "VolumeId", snapshot.volume_id);
    PutStr(&out, "State", snapshot.state);
    PutTime(&out, "StartTime", snapshot.start_time);
    PutStr(&out, "Progress", snapshot.progress);
    PutStr(&out, "OwnerId", snapshot.owner_id);
    PutInt(&out, "VolumeSize", snapshot.volume_size_gib);
    PutStr(&out, "Description", snapshot.description);
    PutBool(&out, "Encrypted", snapshot.encrypted);
    PutStr(&out, "KmsKeyId", snapshot.kms_key_id);
    PutList(&out, "Tags", TagsJson(snapshot.tags));
    return out;
}

JsonValue VolumeJson(const ec2::Volume& volume) {
    JsonValue out = Obj();
    PutStr(&out, "VolumeId", volume.volume_id);
    PutInt(&out, "Size", volume.size_gib);
    PutStr(&out, "SnapshotId", volume.snapshot_id);
    PutStr(&out, "AvailabilityZone", volume.availability_zone);
    PutStr(&out, "State", volume.state);
    PutTime(&out, "CreateTime", volume.create_time);
    JsonValue attachments = Arr();
    for (const ec2::VolumeAttachment& attachment : volume.attachments) {
        JsonValue item = Obj();
        PutTime(&item, "AttachTime", attachment.attach_time);
        PutStr(&item, "Device", attachment.device);
        PutStr(&item, "InstanceId", attachment.instance_id);
        PutStr(&item, "State", attachment.state);
        PutStr(&item, "VolumeId", attachment.volume_id);
        PutBool(&item, "DeleteOnTermination", attachment.delete_on_termination);
        attachments.items.push_back(std::move(item));
    }
    Put(&out, "Attachments", std::move(attachments));
    PutStr(&out, "VolumeType", volume.volume_type);
    PutBool(&out, "Encrypted", volume.encrypted);
    PutStr(&out, "KmsKeyId", volume.kms_key_id);
    PutList(&out, "Tags", TagsJson(volume.tags));
    return out;
}

JsonValue RangesJson(const std::vector<ec2::IpRange>& ranges, std::string_view cidr_key) {
    JsonValue list = Arr();
    for (const ec2::IpRange& range : ranges) {
        JsonValue item = Obj();
        PutStr(&item, cidr_key, range.cidr);
        PutStr(&item, "Description", range.description);
        list.items.push_back(std::move(item));
    }
    return list;
}

JsonValue PermissionsJson(const std::vector<ec2::IpPermission>& permissions) {
    JsonValue list = Arr();
    for (const ec2::IpPermission& permission : permissions) {
        JsonValue item = Obj();
        PutStr(&item, "IpProtocol", permission.ip_protocol);
        PutInt(&item, "FromPort", permission.from_port);
        PutInt(&item, "ToPort", permission.to_port);
        Put(&item, "IpRanges", RangesJson(permission.ipv4_ranges, "CidrIp"));
        Put(&item, "Ipv6Ranges", RangesJson(permission.ipv6_ranges, "CidrIpv6"));
        JsonValue pairs = Arr();
        for (const ec2::GroupReference& group : permission.groups) {
            JsonValue pair = Obj();
            PutStr(&pair, "GroupId", group.group_id);
            PutStr(&pair, "GroupName", group.group_name);
            PutStr(&pair, "UserId", group.user_id);
            PutStr(&pair, "Description", group.description);
            pairs.items.push_back(std::move(pair));
        }
        Put(&item, "UserIdGroupPairs", std::move(pairs));
        JsonValue prefixes = Arr();
        for (const ec2::PrefixListReference& prefix : permission.prefix_lists) {
            JsonValue entry = Obj();
            PutStr(&entry, "PrefixListId", prefix.prefix_list_id);
            PutStr(&entry, "Description", prefix.description);
            prefixes.items.push_back(std::move(entry));
        }
        Put(&item, "PrefixListIds", std::move(prefixes));
        list.items.push_back(std::move(item));
    }
    return list;
}

JsonValue SecurityGroupJson(const ec2::SecurityGroup& group) {
    JsonValue out = Obj();
    PutStr(&out, "GroupId", group.group_id);
    PutStr(&out, "GroupName", group.group_name);
    PutStr(&out, "Description", group.description);
    PutStr(&out, "VpcId", group.vpc_id);
    PutStr(&out, "OwnerId", group.owner_id);
    Put(&out, "IpPermissions", PermissionsJson(group.ingress));
    Put(&out, "IpPermissionsEgress", PermissionsJson(group.egress));
    PutList(&out, "Tags", TagsJson(group.tags));
    return out;
}

JsonValue StateChangesJson(const std::vector<ec2::InstanceStateChange>& changes) {
    JsonValue list = Arr();
    for (const ec2::InstanceStateChange& change : changes) {
        JsonValue item = Obj();
        Put(&item, "CurrentState", StateJson(change.current_state));
        PutStr(&item, "InstanceId", change.instance_id);
        Put(&item, "PreviousState", StateJson(change.previous_state));
        list.items.push_back(std::move(item));
    }
    return list;
}

// True when every change's previous state is one of `names` (and there is at least one).
bool AllPreviously(const std::vector<ec2::InstanceStateChange>& changes,
                   std::initializer_list<std::string_view> names) {
    if (changes.empty())
        return false;
    for (const ec2::InstanceStateChange& change : changes) {
        bool match = false;
        for (std::string_view name : names)
            match = match || change.previous_state.name == name;
        if (!match)
            return false;
    }
    return true;
}

// ---- actions -----------------------------------------------------------------------------------

Outcome DescribeInstances(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    ec2::DescribeInstancesRequest request;
    request.instance_ids = params.Strings("InstanceIds");
    request.filters = FiltersOf(params);
    // Pages are followed here rather than by DescribeAllInstances, which keeps only the last
    // page's request id.
    return AllPages(
            "ec2:DescribeInstances",
            "Reservations",
            std::move(request),
            [&](const ec2::DescribeInstancesRequest& r) {
                return ec2::DescribeInstances(client, r);
            },
            [](const ec2::DescribeInstancesResponse& page, JsonValue* list) {
                for (const ec2::Reservation& reservation : page.reservations) {
                    JsonValue item = Obj();
                    PutStr(&item, "ReservationId", reservation.reservation_id);
                    PutStr(&item, "OwnerId", reservation.owner_id);
                    JsonValue instances = Arr();
                    for (const ec2::Instance& instance : reservation.instances)
                        instances.items.push_back(InstanceJson(instance));
                    Put(&item, "Instances", std::move(instances));
                    list->items.push_back(std::move(item));
                }
            });
}

Outcome ModifyInstanceAttribute(const aws::AwsClient& client,
                                const JsonValue& json,
                                const std::string&) {
    constexpr std::string_view kAction = "ec2:ModifyInstanceAttribute";
    Params params(json);
    ec2::ModifyInstanceAttributeRequest request;
    request.instance_id = params.String("InstanceId");
    if (const JsonValue* flag = params.Get("DisableApiTermination")) {
        const JsonValue* value = flag->is_object() ? flag->Find("Value") : flag;
        if (value == nullptr || value->type != JsonValue::Type::kBool) {
            return ParamError(kAction,
                              "parameter 'DisableApiTermination': expected a boolean or "
                              "{\"Value\": boolean}, got " +
                                      std::string(JsonTypePhrase(*flag)));
        }
        request.disable_api_termination = value->boolean;
    }
    request.group_ids = params.Strings("Groups");
    if (request.disable_api_termination.has_value() == params.Has("Groups")) {
        return ParamError(kAction,
                          "exactly one of 'DisableApiTermination' and 'Groups' must be given");
    }
    if (params.Has("Groups") && request.group_ids.empty())
        return ParamError(kAction, "parameter 'Groups': the list is empty");
    auto reply = ec2::ModifyInstanceAttribute(client, request);
    if (!reply)
        return reply.error();
    return Done(Obj(), reply->request_id);
}

Outcome CreateSnapshot(const aws::AwsClient& client,
                       const JsonValue& json,
                       const std::string& key) {
    Params params(json);
    ec2::CreateSnapshotRequest request;
    request.volume_id = params.String("VolumeId");
    request.description = params.String("Description");
    request.tags = params.TagsAs<ec2::Tag>("Tags");
    ActionResult out;
    if (!key.empty()) {
        ec2::DescribeSnapshotsRequest lookup;
        lookup.owner_ids = {"self"};
        lookup.filters = {MakeFilter("volume-id", request.volume_id),
                          MakeFilter(std::string("tag:") + kIdempotencyTag, key)};
        auto found = ec2::DescribeSnapshots(client, lookup);
        if (!found)
            return found.error();
        out.request_ids.push_back(found->request_id);
        if (!found->snapshots.empty()) {
            const ec2::Snapshot& earlier = found->snapshots.front();
            out.result = SnapshotJson(earlier);
            out.already_done = true;
            out.note = "snapshot " + earlier.snapshot_id + " of " + request.volume_id +
                       " from an earlier attempt";
            return out;
        }
        request.tags.push_back(ec2::Tag{kIdempotencyTag, key});
    }
    auto reply = ec2::CreateSnapshot(client, request);
    if (!reply)
        return reply.error();
    out.request_ids.push_back(reply->request_id);
    out.result = SnapshotJson(reply->snapshot);
    return out;
}

Outcome DescribeSnapshots(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    ec2::DescribeSnapshotsRequest request;
    request.snapshot_ids = params.Strings("SnapshotIds");
    request.owner_ids = params.Strings("OwnerIds");
    request.filters = FiltersOf(params);
    return AllPages(
            "ec2:DescribeSnapshots",
            "Snapshots",
            std::move(request),
            [&](const ec2::DescribeSnapshotsRequest& r) {
                return ec2::DescribeSnapshots(client, r);
            },
            [](const ec2::DescribeSnapshotsResponse& page, JsonValue* list) {
                for (const ec2::Snapshot& snapshot : page.snapshots)
                    list->items.push_back(SnapshotJson(snapshot));
            });
}

Outcome DescribeVolumes(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    ec2::DescribeVolumesRequest request;
    request.volume_ids = params.Strings("VolumeIds");
    request.filters = FiltersOf(params);
    return AllPages(
            "ec2:DescribeVolumes",
            "Volumes",
            std::move(request),
            [&](const ec2::DescribeVolumesRequest& r) { return ec2::DescribeVolumes(client, r); },
            [](const ec2::DescribeVolumesResponse& page, JsonValue* list) {
                for (const ec2::Volume& volume : page.volumes)
                    list->items.push_back(VolumeJson(volume));
            });
}

Outcome CreateTags(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    ec2::CreateTagsRequest request;
    request.resource_ids = params.Strings("Resources");
    request.tags = params.TagsAs<ec2::Tag>("Tags");
    if (request.resource_ids.empty() || request.tags.empty())
        return ParamError("ec2:CreateTags", "'Resources' and 'Tags' must not be empty");
    auto reply = ec2::CreateTags(client, request);
    if (!reply)
        return reply.error();
    return Done(Obj(), reply->request_id);
}

Outcome StopInstances(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    ec2::StopInstancesRequest request;
    request.instance_ids = params.Strings("InstanceIds");
    request.force = params.Bool("Force");
    request.hibernate = params.Bool("Hibernate");
    if (request.instance_ids.empty())
        return ParamError("ec2:StopInstances", "parameter 'InstanceIds': the list is empty");
    auto reply = ec2::StopInstances(client, request);
    if (!reply)
        return reply.error();
    ActionResult out = Done(Obj(), reply->request_id);
    Put(&out.result, "StoppingInstances", StateChangesJson(reply->changes));
    if (AllPreviously(reply->changes, {"stopped", "stopping"})) {
        out.already_done = true;
        out.note = "every instance was already stopped or stopping";
    }
    return out;
}

Outcome TerminateInstances(const aws::AwsClient& client,
                           const JsonValue& json,
                           const std::string&) {
    Params params(json);
    ec2::TerminateInstancesRequest request;
    request.instance_ids = params.Strings("InstanceIds");
    if (request.instance_ids.empty())
        return ParamError("ec2:TerminateInstances", "parameter 'InstanceIds': the list is empty");
    auto reply = ec2::TerminateInstances(client, request);
    if (!reply)
        return reply.error();
    ActionResult out = Done(Obj(), reply->request_id);
    Put(&out.result, "TerminatingInstances", StateChangesJson(reply->changes));
    if (AllPreviously(reply->changes, {"terminated", "shutting-down"})) {
        out.already_done = true;
        out.note = "every instance was already terminated or shutting down";
    }
    return out;
}

Outcome CreateSecurityGroup(const aws::AwsClient& client,
                            const JsonValue& json,
                            const std::string& key) {
    Params params(json);
    ec2::CreateSecurityGroupRequest request;
    request.group_name = params.String("GroupName");
    request.description = params.String("Description");
    request.vpc_id = params.String("VpcId");
    request.tags = params.TagsAs<ec2::Tag>("Tags");
    ActionResult out;
    // A group name is unique per VPC: an earlier attempt (or anyone) made it already.
    ec2::DescribeSecurityGroupsRequest lookup;
    lookup.filters.push_back(MakeFilter("group-name", request.group_name));
    if (!request.vpc_id.empty())
        lookup.filters.push_back(MakeFilter("vpc-id", request.vpc_id));
    auto found = ec2::DescribeSecurityGroups(client, lookup);
    if (!found)
        return found.error();
    out.request_ids.push_back(found->request_id);
    if (!found->groups.empty()) {
        const ec2::SecurityGroup& existing = found->groups.front();
        out.result = Obj();
        PutStr(&out.result, "GroupId", existing.group_id);
        PutList(&out.result, "Tags", TagsJson(existing.tags));
        out.already_done = true;
        bool ours = false;
        for (const ec2::Tag& tag : existing.tags)
            ours = ours || (tag.key == kIdempotencyTag && tag.value == key && !key.empty());
        out.note = "security group " + existing.group_id + " named " + request.group_name +
                   (ours ? " from an earlier attempt" : " already exists");
        return out;
    }
    if (!key.empty())
        request.tags.push_back(ec2::Tag{kIdempotencyTag, key});
    auto reply = ec2::CreateSecurityGroup(client, request);
    if (!reply)
        return reply.error();
    out.request_ids.push_back(reply->request_id);
    out.result = Obj();
    PutStr(&out.result, "GroupId", reply->group_id);
    PutList(&out.result, "Tags", TagsJson(reply->tags.empty() ? request.tags : reply->tags));
    return out;
}

Outcome DescribeSecurityGroups(const aws::AwsClient& client,
                               const JsonValue& json,
                               const std::string&) {
    Params params(json);
    ec2::DescribeSecurityGroupsRequest request;
    request.group_ids = params.Strings("GroupIds");
    request.group_names = params.Strings("GroupNames");
    request.filters = FiltersOf(params);
    return AllPages(
            "ec2:DescribeSecurityGroups",
            "SecurityGroups",
            std::move(request),
            [&](const ec2::DescribeSecurityGroupsRequest& r) {
                return ec2::DescribeSecurityGroups(client, r);
            },
            [](const ec2::DescribeSecurityGroupsResponse& page, JsonValue* list) {
                for (const ec2::SecurityGroup& group : page.groups)
                    list->items.push_back(SecurityGroupJson(group));
            });
}

// Revoke ingress or egress: already done when AWS knew none of the rules.
template <class Call>
Outcome Revoke(std::string_view action, const JsonValue& json, Call call) {
    Params params(json);
    auto permissions = ParseIpPermissions(action, params.Get("IpPermissions"));
    if (!permissions)
        return permissions.error();
    ec2::IpPermissionsRequest request;
    request.group_id = params.String("GroupId");
    request.ip_permissions = std::move(permissions).value();
    auto reply = call(request);
    if (!reply) {
        // VPC security groups answer a revoke of an absent rule with this error.
        if (reply.error().code == "InvalidPermission.NotFound") {
            ActionResult out = Done(Obj(), reply.error().request_id);
            Put(&out.result, "Return", Bool(true));
            out.already_done = true;
            out.note = "the rules were not in " + request.group_id + ": " + reply.error().message;
            return out;
        }
        return reply.error();
    }
    ActionResult out = Done(Obj(), reply->request_id);
    Put(&out.result, "Return", Bool(reply->return_value));
    PutList(&out.result, "UnknownIpPermissions", PermissionsJson(reply->unknown_ip_permissions));
    size_t requested = RuleCount(request.ip_permissions);
    if (!reply->unknown_ip_permissions.empty() &&
        RuleCount(reply->unknown_ip_permissions) >= requested) {
        out.already_done = true;
        out.note = "none of the rules were in " + request.group_id;
    }
    return out;
}

Outcome AuthorizeIngress(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    constexpr std::string_view kAction = "ec2:AuthorizeSecurityGroupIngress";
    Params params(json);
    auto permissions = ParseIpPermissions(kAction, params.Get("IpPermissions"));
    if (!permissions)
        return permissions.error();
    ec2::AuthorizeSecurityGroupIngressRequest request;
    request.group_id = params.String("GroupId");
    request.ip_permissions = std::move(permissions).value();
    auto reply = ec2::AuthorizeSecurityGroupIngress(client, request);
    if (!reply) {
        // With a single rule a duplicate means it is there already; with several, AWS refused
        // them all because of one, and the caller must know.
        if (reply.error().code == "InvalidPermission.Duplicate" &&
            RuleCount(request.ip_permissions) == 1) {
            ActionResult out = Done(Obj(), reply.error().request_id);
            Put(&out.result, "Return", Bool(true));
            out.already_done = true;
            out.note = "the rule is already in " + request.group_id;
            return out;
        }
        return reply.error();
    }
    ActionResult out = Done(Obj(), reply->request_id);
    Put(&out.result, "Return", Bool(reply->return_value));
    JsonValue rules = Arr();
    for (const ec2::SecurityGroupRule& rule : reply->rules) {
        JsonValue item = Obj();
        PutStr(&item, "SecurityGroupRuleId", rule.rule_id);
        PutStr(&item, "GroupId", rule.group_id);
        PutStr(&item, "GroupOwnerId", rule.group_owner_id);
        PutBool(&item, "IsEgress", rule.is_egress);
        PutStr(&item, "IpProtocol", rule.ip_protocol);
        PutInt(&item, "FromPort", rule.from_port);
        PutInt(&item, "ToPort", rule.to_port);
        PutStr(&item, "CidrIpv4", rule.cidr_ipv4);
        PutStr(&item, "CidrIpv6", rule.cidr_ipv6);
        PutStr(&item, "PrefixListId", rule.prefix_list_id);
        if (!rule.referenced_group_id.empty()) {
            JsonValue referenced = Obj();
            PutStr(&referenced, "GroupId", rule.referenced_group_id);
            Put(&item, "ReferencedGroupInfo", std::move(referenced));
        }
        PutStr(&item, "Description", rule.description);
        rules.items.push_back(std::move(item));
    }
    PutList(&out.result, "SecurityGroupRules", std::move(rules));
    return out;
}

}  // namespace

void AddEc2Actions(ActionRegistry* registry) {
    using T = ParamType;
    registry->Add(MakeAction("ec2:DescribeInstances",
                             "Describe instances (every page).",
                             kReads,
                             {Param("InstanceIds", T::kStringList, kOptional, "instance ids"),
                              Param("Filters", T::kFilters, kOptional, "[{Name, Values}]")},
                             {},
                             DescribeInstances));
    registry->Add(MakeAction(
            "ec2:ModifyInstanceAttribute",
            "Set one instance attribute: termination protection or the whole set of security "
            "groups.",
            kMutates,
            {Param("InstanceId", T::kString, kRequired, "the instance"),
             Param("DisableApiTermination", T::kJson, kOptional, "boolean or {Value: boolean}"),
             Param("Groups",
                   T::kStringList,
                   kOptional,
                   "security group ids replacing the instance's groups")},
            {"InstanceId"},
            ModifyInstanceAttribute));
    registry->Add(MakeAction(
            "ec2:CreateSnapshot",
            "Snapshot a volume. Idempotent: a snapshot of the volume tagged "
            "firebreak:idempotency-key=<key> from an earlier attempt is returned instead.",
            kMutates,
            {Param("VolumeId", T::kString, kRequired, "the volume"),
             Param("Description", T::kString, kOptional, "snapshot description"),
             Param("Tags", T::kTags, kOptional, "tags for the snapshot")},
            {"VolumeId"},
            CreateSnapshot));
    registry->Add(
            MakeAction("ec2:DescribeSnapshots",
                       "Describe snapshots (every page).",
                       kReads,
                       {Param("SnapshotIds", T::kStringList, kOptional, "snapshot ids"),
                        Param("OwnerIds", T::kStringList, kOptional, "account ids or \"self\""),
                        Param("Filters", T::kFilters, kOptional, "[{Name, Values}]")},
                       {},
                       DescribeSnapshots));
    registry->Add(MakeAction("ec2:DescribeVolumes",
                             "Describe EBS volumes (every page).",
                             kReads,
                             {Param("VolumeIds", T::kStringList, kOptional, "volume ids"),
                              Param("Filters", T::kFilters, kOptional, "[{Name, Values}]")},
                             {},
                             DescribeVolumes));
    registry->Add(MakeAction("ec2:CreateTags",
                             "Add or overwrite tags on EC2 resources.",
                             kMutates,
                             {Param("Resources", T::kStringList, kRequired, "resource ids"),
                              Param("Tags", T::kTags, kRequired, "the tags")},
                             {"Resources"},
                             CreateTags));
    registry->Add(MakeAction("ec2:StopInstances",
                             "Stop instances; already done when every one was stopped or stopping.",
                             kMutates,
                             {Param("InstanceIds", T::kStringList, kRequired, "instance ids"),
                              Param("Force", T::kBool, kOptional, "skip the OS shutdown"),
                              Param("Hibernate",
                                    T::kBool,
                                    kOptional,
                                    "hibernate (keeps memory on the root volume)")},
                             {"InstanceIds"},
                             StopInstances));
    registry->Add(MakeAction(
            "ec2:TerminateInstances",
            "Terminate instances; already done when every one was terminated or shutting down.",
            kMutates,
            {Param("InstanceIds", T::kStringList, kRequired, "instance ids")},
            {"InstanceIds"},
            TerminateInstances));
    registry->Add(MakeAction(
            "ec2:CreateSecurityGroup",
            "Create a security group. Idempotent: a group with that name (in that VPC) is "
            "returned instead; a created group is tagged firebreak:idempotency-key=<key>.",
            kMutates,
            {Param("GroupName", T::kString, kRequired, "group name"),
             Param("Description", T::kString, kRequired, "group description"),
             Param("VpcId", T::kString, kOptional, "the VPC (default VPC when absent)"),
             Param("Tags", T::kTags, kOptional, "tags for the group")},
            {"GroupName"},
            CreateSecurityGroup));
    registry->Add(
            MakeAction("ec2:DescribeSecurityGroups",
                       "Describe security groups and their rules (every page).",
                       kReads,
                       {Param("GroupIds", T::kStringList, kOptional, "group ids"),
                        Param("GroupNames", T::kStringList, kOptional, "group names (default VPC)"),
                        Param("Filters", T::kFilters, kOptional, "[{Name, Values}]")},
                       {},
                       DescribeSecurityGroups));
    std::vector<ActionParam> rule_params = {
            Param("GroupId", T::kString, kRequired, "the security group"),
            Param("IpPermissions",
                  T::kJson,
                  kRequired,
                  "[{IpProtocol, FromPort, ToPort, IpRanges[{CidrIp, Description}], "
                  "Ipv6Ranges[{CidrIpv6}], UserIdGroupPairs[{GroupId}], "
                  "PrefixListIds[{PrefixListId}]}]")};
    registry->Add(MakeAction(
            "ec2:RevokeSecurityGroupIngress",
            "Remove inbound rules; already done when AWS knew none of them.",
            kMutates,
            rule_params,
            {"GroupId"},
            [](const aws::AwsClient& client, const JsonValue& json, const std::string&) {
                return Revoke("ec2:RevokeSecurityGroupIngress",
                              json,
                              [&](const ec2::IpPermissionsRequest& request) {
                                  return ec2::RevokeSecurityGroupIngress(client, request);
                              });
            }));
    registry->Add(
            MakeAction("ec2:RevokeSecurityGroupEgress",
                       "Remove outbound rules; already done when AWS knew none of them.",
                       kMutates,
                       rule_params,
                       {"GroupId"},
                       [](const aws::AwsClient& client, const JsonValue& json, const std::string&) {
                           return Revoke("ec2:RevokeSecurityGroupEgress",
                                         json,
                                         [&](const ec2::IpPermissionsRequest& request) {
                                             return ec2::RevokeSecurityGroupEgress(client, request);
                                         });
                       }));
    registry->Add(
            MakeAction("ec2:AuthorizeSecurityGroupIngress",
                       "Add inbound rules; a single rule that already exists is already done.",
                       kMutates,
                       rule_params,
                       {"GroupId"},
                       AuthorizeIngress));
}

}  // namespace firebreak::response::action_internal
