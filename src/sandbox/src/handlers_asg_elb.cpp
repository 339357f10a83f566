// File: handlers_asg_elb.cpp
//
// Auto Scaling (DetachInstances, DescribeAutoScalingInstances), classic ELB
// (DeregisterInstancesFromLoadBalancer) and ELBv2 (DeregisterTargets, DescribeTargetHealth): the
// calls an incident responder makes to take an instance out of service without losing it.
//
// Modelling choices (the world has no background activity):
//   * DetachInstances removes the instances from the group and deregisters them from the group's
//     classic load balancers and target groups (target groups: `draining`), as Auto Scaling does.
//     Without ShouldDecrementDesiredCapacity the group launches one replacement per detached
//     instance at once: a running instance in the detached one's subnet with its image, type,
//     security groups, instance profile and an 8 GiB (or the detached root volume's size) root
//     volume, tagged with the group's tags and aws:autoscaling:groupName, InService, and
//     registered with the group's load balancers and target groups. Detached instances keep their
//     aws:autoscaling:groupName tag, as on AWS.
//   * DeregisterTargets leaves the target in the `draining` state (Target.DeregistrationInProgress)
//     for good: the sandbox does not model the deregistration delay, after which AWS drops it.
//     Deregistering an existing instance that is not registered (or on another port) is a
//     silent no-op, as on AWS; an instance id that does not exist is InvalidTarget.
#include <algorithm>
#include <cstdint>
#include <set>

#include "call.h"

namespace firebreak::sandbox {
namespace {

TimePoint ToTimePoint(Timestamp t) {
    return TimePoint(t.time_since_epoch());
}

std::string JsonStringArray(const std::vector<std::string>& items) {
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            out += ",";
        }
        out += JsonText(items[i]);
    }
    return out + "]";
}

std::string NullValueMessage(std::string_view member) {
    return "1 validation error detected: Value null at '" + std::string(member) +
           "' failed to satisfy constraint: Member must not be null";
}

// Strict non-negative decimal integer; nullopt on anything else.
std::optional<int> ParseCount(const std::string& text) {
    if (text.empty() || text.size() > 9) {
        return std::nullopt;
    }
    int value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

// ---------------------------------------------------------------------------------------------
// IPv4 helpers for the replacement instance's private address.

std::optional<uint32_t> ParseIpv4(std::string_view text) {
    uint32_t value = 0;
    int parts = 0;
    size_t i = 0;
    while (parts < 4) {
        if (i >= text.size() || text[i] < '0' || text[i] > '9') {
            return std::nullopt;
        }
        uint32_t octet = 0;
        size_t digits = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 4) {
            octet = octet * 10 + static_cast<uint32_t>(text[i] - '0');
            ++i;
            ++digits;
        }
        if (octet > 255) {
            return std::nullopt;
        }
        value = (value << 8) | octet;
        ++parts;
        if (parts < 4) {
            if (i >= text.size() || text[i] != '.') {
                return std::nullopt;
            }
            ++i;
        }
    }
    if (i != text.size()) {
        return std::nullopt;
    }
    return value;
}

std::string FormatIpv4(uint32_t value) {
    return std::to_string(value >> 24) + "." + std::to_string((value >> 16) & 255) + "." +
           std::to_string((value >> 8) & 255) + "." + std::to_string(value & 255);
}

// The first address of `subnet` no instance uses (AWS reserves the first four and the last).
std::string AllocatePrivateIp(const World& world, const Subnet& subnet) {
    size_t slash = subnet.cidr_block.find('/');
    if (slash == std::string::npos) {
        return "";
    }
    std::optional<uint32_t> base = ParseIpv4(std::string_view(subnet.cidr_block).substr(0, slash));
    std::optional<int> prefix = ParseCount(subnet.cidr_block.substr(slash + 1));
    if (!base || !prefix || *prefix < 16 || *prefix > 28) {
        return "";
    }
    uint32_t size = uint32_t{1} << (32 - *prefix);
    uint32_t network = *base & ~(size - 1);
    std::set<std::string> used;
    for (const auto& [id, instance] : world.instances) {
        if (instance.state != InstanceState::kTerminated) {
            used.insert(instance.private_ip);
        }
    }
    for (uint32_t offset = 4; offset + 1 < size; ++offset) {
        std::string candidate = FormatIpv4(network + offset);
        if (!used.contains(candidate)) {
            return candidate;
        }
    }
    return "";
}

// ---------------------------------------------------------------------------------------------
// Auto Scaling

std::string GroupArnPattern(const Call& call, std::string_view name) {
    return "arn:aws:autoscaling:" + call.region + ":" + call.account_id +
           ":autoScalingGroup:*:autoScalingGroupName/" + std::string(name);
}

void DeregisterFromGroupBalancers(Call& call,
                                  const AutoScalingGroup& group,
                                  const std::string& instance_id) {
    for (const std::string& lb_name : group.load_balancer_names) {
        ClassicLoadBalancer* lb =
                call.world->FindLoadBalancer(call.account_id, call.region, lb_name);
        if (lb == nullptr) {
            continue;
        }
        std::erase(lb->instance_ids, instance_id);
    }
    for (const std::string& tg_arn : group.target_group_arns) {
        TargetGroup* tg = call.world->FindTargetGroup(call.account_id, call.region, tg_arn);
        if (tg == nullptr) {
            continue;
        }
        for (Target& target : tg->targets) {
            if (target.id == instance_id) {
                target.health_state = "draining";
            }
        }
    }
}

// Launches the instance Auto Scaling starts in place of `detached`; returns its id.
std::string LaunchReplacement(Call& call, AutoScalingGroup& group, const Instance& detached) {
    World& world = *call.world;
    Timestamp now = world.Now();
    Instance instance;
    instance.id = world.NewId(IdKind::kInstance);
    instance.account_id = detached.account_id;
    instance.region = detached.region;
    instance.reservation_id = world.NewId(IdKind::kReservation);
    instance.image_id = detached.image_id;
    instance.instance_type = detached.instance_type;
    instance.state = InstanceState::kRunning;
    instance.launch_time = now;
    instance.subnet_id = detached.subnet_id;
    instance.vpc_id = detached.vpc_id;
    instance.availability_zone = detached.availability_zone;
    instance.security_group_ids = detached.security_group_ids;
    instance.iam_instance_profile_arn = detached.iam_instance_profile_arn;
    instance.root_device_name = detached.root_device_name;
    instance.tags = group.tags;
    instance.tags["aws:autoscaling:groupName"] = group.name;
    auto subnet = world.subnets.find(instance.subnet_id);
    if (subnet != world.subnets.end()) {
        instance.private_ip = AllocatePrivateIp(world, subnet->second);
    }

    int root_size = 8;
    std::string root_type = "gp3";
    for (const BlockDeviceMapping& mapping : detached.block_devices) {
        if (mapping.device_name != detached.root_device_name) {
            continue;
        }
        auto volume = world.volumes.find(mapping.volume_id);
        if (volume != world.volumes.end()) {
            root_size = volume->second.size_gib;
            root_type = volume->second.volume_type;
        }
    }
    Volume root;
    root.id = world.NewId(IdKind::kVolume);
    root.account_id = instance.account_id;
    root.region = instance.region;
    root.size_gib = root_size;
    root.availability_zone = instance.availability_zone;
    root.volume_type = root_type;
    root.state = VolumeState::kInUse;
    root.create_time = now;
    root.attachments.push_back({instance.id, instance.root_device_name, "attached", now, true});
    instance.block_devices.push_back({instance.root_device_name, root.id, true, now});
    world.volumes[root.id] = std::move(root);

    AsgInstance member;
    member.instance_id = instance.id;
    member.availability_zone = instance.availability_zone;
    group.instances.push_back(member);
    for (const std::string& lb_name : group.load_balancer_names) {
        ClassicLoadBalancer* lb = world.FindLoadBalancer(call.account_id, call.region, lb_name);
        if (lb != nullptr) {
            lb->instance_ids.push_back(instance.id);
        }
    }
    for (const std::string& tg_arn : group.target_group_arns) {
        TargetGroup* tg = world.FindTargetGroup(call.account_id, call.region, tg_arn);
        if (tg != nullptr) {
            tg->targets.push_back({instance.id, tg->port, "healthy"});
        }
    }
    std::string id = instance.id;
    world.instances[id] = std::move(instance);
    return id;
}

void DetachInstances(Call& call) {
    std::vector<std::string> instance_ids = call.params.MemberList("InstanceIds");
    const std::string* group_name = call.params.Get("AutoScalingGroupName");
    const std::string* decrement_text = call.params.Get("ShouldDecrementDesiredCapacity");
    std::string request = "{\"instanceIds\":" + JsonStringArray(instance_ids);
    if (group_name != nullptr) {
        request += ",\"autoScalingGroupName\":" + JsonText(*group_name);
    }
    if (decrement_text != nullptr) {
        request += ",\"shouldDecrementDesiredCapacity\":" +
                   std::string(*decrement_text == "true" ? "true" : "false");
    }
    call.request_parameters = request + "}";

    if (group_name == nullptr || group_name->empty()) {
        call.Fail("ValidationError", NullValueMessage("autoScalingGroupName"));
        return;
    }
    if (decrement_text == nullptr) {
        call.Fail("ValidationError", NullValueMessage("shouldDecrementDesiredCapacity"));
        return;
    }
    if (*decrement_text != "true" && *decrement_text != "false") {
        call.Fail("ValidationError",
                  "1 validation error detected: Value '" + *decrement_text +
                          "' at 'shouldDecrementDesiredCapacity' failed to satisfy constraint: "
                          "Member must be a boolean");
        return;
    }
    if (instance_ids.empty()) {
        call.Fail("ValidationError", NullValueMessage("instanceIds"));
        return;
    }
    if (instance_ids.size() > 20) {
        call.Fail("ValidationError",
                  "List exceeds the maximum number of instances to detach. Please retry your "
                  "request with fewer "
                  "instances.");
        return;
    }
    const bool decrement = *decrement_text == "true";
    AutoScalingGroup* group =
            call.world->FindAutoScalingGroup(call.account_id, call.region, *group_name);
    if (!call.Authorize("autoscaling:DetachInstances",
                        group != nullptr ? group->arn : GroupArnPattern(call, *group_name))) {
        return;
    }
    if (group == nullptr) {
        call.Fail(
                "ValidationError",
                "AutoScalingGroup name not found - AutoScalingGroup " + *group_name + " not found");
        return;
    }
    // Unique ids, in request order; every one must be an InService or Standby member.
    std::vector<std::string> detaching;
    for (const std::string& id : instance_ids) {
        if (std::find(detaching.begin(), detaching.end(), id) != detaching.end()) {
            continue;
        }
        auto member = std::find_if(group->instances.begin(),
                                   group->instances.end(),
                                   [&](const AsgInstance& m) { return m.instance_id == id; });
        if (member == group->instances.end()) {
            call.Fail("ValidationError",
                      "The instance " + id + " is not part of Auto Scaling group " + group->name +
                              ".");
            return;
        }
        if (member->lifecycle_state != "InService" && member->lifecycle_state != "Standby") {
            call.Fail("ValidationError", "The instance " + id + " is not in InService or Standby.");
            return;
        }
        detaching.push_back(id);
    }
    const int count = static_cast<int>(detaching.size());
    if (decrement && group->desired_capacity - count < group->min_size) {
        call.Fail("ValidationError",
                  "AutoScalingGroup " + group->name +
                          " has min-size=" + std::to_string(group->min_size) +
                          ", max-size=" + std::to_string(group->max_size) +
                          ", and desired-size=" + std::to_string(group->desired_capacity) +
                          ". To detach " + std::to_string(count) +
                          " instance, please update the AutoScalingGroup sizes appropriately.");
        return;
    }

    Timestamp now = call.world->Now();
    std::string start_iso = FormatIsoSeconds(now);
    std::string start_java = JavaStyleTime(ToTimePoint(now));
    std::string xml = "<Activities>";
    std::string elements = "{\"activities\":[";
    int capacity = group->desired_capacity;
    for (int i = 0; i < count; ++i) {
        const std::string& id = detaching[static_cast<size_t>(i)];
        std::erase_if(group->instances, [&](const AsgInstance& m) { return m.instance_id == id; });
        DeregisterFromGroupBalancers(call, *group, id);
        std::string cause = "At " + start_iso;
        cause += " instance " + id + " was detached in response to a user request";
        if (decrement) {
            cause += ", shrinking the capacity from " + std::to_string(capacity) + " to " +
                     std::to_string(capacity - 1) + ".";
            --capacity;
        } else {
            cause += ".";
        }
        std::string subnet_id;
        std::string zone;
        if (const Instance* instance = call.world->FindInstance(call.account_id, call.region, id)) {
            subnet_id = instance->subnet_id;
            zone = instance->availability_zone;
        }
        std::string details = "{\"Subnet ID\":" + JsonText(subnet_id) +
                              ",\"Availability Zone\":" + JsonText(zone) + "}";
        std::string activity_id = call.world->NewId(IdKind::kUuid);
        std::string description = "Detaching EC2 instance: " + id;
        xml += "<member><ActivityId>" + activity_id + "</ActivityId>";
        xml += "<AutoScalingGroupName>" + XmlText(group->name) + "</AutoScalingGroupName>";
        xml += "<Description>" + XmlText(description) + "</Description>";
        xml += "<Cause>" + XmlText(cause) + "</Cause><StartTime>" + start_iso + "</StartTime>";
        xml += "<StatusCode>InProgress</StatusCode><Progress>50</Progress>";
        xml += "<Details>" + XmlText(details) + "</Details></member>";
        if (i > 0) {
            elements += ",";
        }
        elements +=
                "{\"activityId\":" + JsonText(activity_id) +
                ",\"autoScalingGroupName\":" + JsonText(group->name) +
                ",\"description\":" + JsonText(description) + ",\"cause\":" + JsonText(cause) +
                ",\"startTime\":" + JsonText(start_java) +
                ",\"statusCode\":\"InProgress\",\"progress\":50,\"details\":" + JsonText(details) +
                "}";
    }
    xml += "</Activities>";
    elements += "]}";
    if (decrement) {
        group->desired_capacity -= count;
    } else {
        for (const std::string& id : detaching) {
            const Instance* detached = call.world->FindInstance(call.account_id, call.region, id);
            if (detached != nullptr) {
                Instance copy = *detached;  // LaunchReplacement inserts into world.instances
                LaunchReplacement(call, *group, copy);
            }
        }
    }
    call.mutated = true;
    call.response_elements = elements;
    call.ReplyQuery(xml);
}

std::string UpperAscii(std::string text) {
    for (char& c : text) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return text;
}

void DescribeAutoScalingInstances(Call& call) {
    std::vector<std::string> filter = call.params.MemberList("InstanceIds");
    const std::string* max_text = call.params.Get("MaxRecords");
    const std::string* token = call.params.Get("NextToken");
    std::string request;
    if (!filter.empty()) {
        request += "\"instanceIds\":" + JsonStringArray(filter);
    }
    if (max_text != nullptr) {
        std::optional<int> max = ParseCount(*max_text);
        request += std::string(request.empty() ? "" : ",") +
                   "\"maxRecords\":" + (max ? std::to_string(*max) : JsonText(*max_text));
    }
    if (token != nullptr) {
        request += std::string(request.empty() ? "" : ",") + "\"nextToken\":" + JsonText(*token);
    }
    if (!request.empty()) {
        call.request_parameters = "{" + request + "}";
    }

    if (!call.Authorize("autoscaling:DescribeAutoScalingInstances")) {
        return;
    }
    int max_records = 50;
    if (max_text != nullptr) {
        std::optional<int> max = ParseCount(*max_text);
        if (!max || *max < 1 || *max > 50) {
            call.Fail("ValidationError",
                      "1 validation error detected: Value '" + *max_text +
                              "' at 'maxRecords' failed to satisfy constraint: Member must have "
                              "value less than or equal to 50");
            return;
        }
        max_records = *max;
    }
    if (filter.size() > 50) {
        call.Fail("ValidationError",
                  "The number of instance ids that may be passed in is limited to 50");
        return;
    }
    size_t offset = 0;
    if (token != nullptr) {
        std::optional<int> parsed = ParseCount(*token);
        if (!parsed) {
            call.Fail("InvalidNextToken", "The token '" + *token + "' is invalid.");
            return;
        }
        offset = static_cast<size_t>(*parsed);
    }

    struct Row {
        const AutoScalingGroup* group;
        const AsgInstance* member;
    };

    std::vector<Row> rows;
    for (const auto& [arn, group] : call.world->auto_scaling_groups) {
        if (group.account_id != call.account_id || group.region != call.region) {
            continue;
        }
        for (const AsgInstance& member : group.instances) {
            if (!filter.empty() &&
                std::find(filter.begin(), filter.end(), member.instance_id) == filter.end()) {
                continue;
            }
            rows.push_back({&group, &member});
        }
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        return a.member->instance_id < b.member->instance_id;
    });
    std::string xml = "<AutoScalingInstances>";
    size_t end = std::min(rows.size(), offset + static_cast<size_t>(max_records));
    for (size_t i = offset; i < end; ++i) {
        const AutoScalingGroup& group = *rows[i].group;
        const AsgInstance& member = *rows[i].member;
        const Instance* instance =
                call.world->FindInstance(call.account_id, call.region, member.instance_id);
        xml += "<member><InstanceId>" + XmlText(member.instance_id) + "</InstanceId>";
        if (instance != nullptr) {
            xml += "<InstanceType>" + XmlText(instance->instance_type) + "</InstanceType>";
        }
        xml += "<AutoScalingGroupName>" + XmlText(group.name) +
               "</AutoScalingGroupName><AvailabilityZone>" + XmlText(member.availability_zone) +
               "</AvailabilityZone><LifecycleState>" + XmlText(member.lifecycle_state) +
               "</LifecycleState><HealthStatus>" + XmlText(UpperAscii(member.health_status)) +
               "</HealthStatus>";
        if (!group.launch_template_name.empty()) {
            xml += "<LaunchTemplate><LaunchTemplateName>" + XmlText(group.launch_template_name) +
                   "</LaunchTemplateName><Version>$Default</Version></LaunchTemplate>";
        }
        xml += "<ProtectedFromScaleIn>" +
               std::string(member.protected_from_scale_in ? "true" : "false") +
               "</ProtectedFromScaleIn></member>";
    }
    xml += "</AutoScalingInstances>";
    if (end < rows.size()) {
        xml += "<NextToken>" + std::to_string(end) + "</NextToken>";
    }
    call.ReplyQuery(xml);
}

// ---------------------------------------------------------------------------------------------
// Classic ELB

void DeregisterInstancesFromLoadBalancer(Call& call) {
    const std::string* lb_name = call.params.Get("LoadBalancerName");
    std::vector<std::string> ids;
    for (int index : call.params.Indexes("Instances.member")) {
        ids.push_back(
                call.params.GetOr("Instances.member." + std::to_string(index) + ".InstanceId", ""));
    }
    std::string request = "{";
    if (lb_name != nullptr) {
        request += "\"loadBalancerName\":" + JsonText(*lb_name) + ",";
    }
    request += "\"instances\":[";
    for (size_t i = 0; i < ids.size(); ++i) {
        request += std::string(i > 0 ? "," : "") + "{\"instanceId\":" + JsonText(ids[i]) + "}";
    }
    call.request_parameters = request + "]}";

    if (lb_name == nullptr || lb_name->empty()) {
        call.Fail("ValidationError", NullValueMessage("loadBalancerName"));
        return;
    }
    if (ids.empty()) {
        call.Fail("ValidationError", NullValueMessage("instances"));
        return;
    }
    std::string arn = "arn:aws:elasticloadbalancing:" + call.region + ":" + call.account_id +
                      ":loadbalancer/" + *lb_name;
    if (!call.Authorize("elasticloadbalancing:DeregisterInstancesFromLoadBalancer", arn)) {
        return;
    }
    ClassicLoadBalancer* lb = call.world->FindLoadBalancer(call.account_id, call.region, *lb_name);
    if (lb == nullptr) {
        call.Fail("LoadBalancerNotFound",
                  "There is no ACTIVE Load Balancer named '" + *lb_name + "'");
        return;
    }
    // All or nothing: one unknown instance fails the call and nothing is deregistered.
    for (const std::string& id : ids) {
        if (id.empty()) {
            call.Fail("ValidationError", NullValueMessage("instances.member.instanceId"));
            return;
        }
        if (std::find(lb->instance_ids.begin(), lb->instance_ids.end(), id) ==
            lb->instance_ids.end()) {
            call.Fail("InvalidInstance", "Could not find EC2 instance " + id + ".");
            return;
        }
    }
    for (const std::string& id : ids) {
        std::erase(lb->instance_ids, id);
    }
    call.mutated = true;
    std::string xml = "<Instances>";
    std::string elements = "{\"instances\":[";
    for (size_t i = 0; i < lb->instance_ids.size(); ++i) {
        xml += "<member><InstanceId>" + XmlText(lb->instance_ids[i]) + "</InstanceId></member>";
        elements += std::string(i > 0 ? "," : "") +
                    "{\"instanceId\":" + JsonText(lb->instance_ids[i]) + "}";
    }
    xml += "</Instances>";
    call.response_elements = elements + "]}";
    call.ReplyQuery(xml);
}

// DescribeLoadBalancers (classic): the region's balancers, or the named ones (all must exist).
void DescribeLoadBalancers(Call& call) {
    std::vector<std::string> names = call.params.MemberList("LoadBalancerNames");
    if (!names.empty()) {
        std::string request = "{\"loadBalancerNames\":[";
        for (size_t i = 0; i < names.size(); ++i)
            request += std::string(i > 0 ? "," : "") + JsonText(names[i]);
        call.request_parameters = request + "]}";
    }
    if (!call.Authorize("elasticloadbalancing:DescribeLoadBalancers"))
        return;
    std::vector<const ClassicLoadBalancer*> selected;
    if (names.empty()) {
        for (const auto& [arn, lb] : call.world->load_balancers) {
            if (lb.account_id == call.account_id && lb.region == call.region)
                selected.push_back(&lb);
        }
    } else {
        for (const std::string& name : names) {
            const ClassicLoadBalancer* lb =
                    call.world->FindLoadBalancer(call.account_id, call.region, name);
            if (lb == nullptr) {
                call.Fail("LoadBalancerNotFound",
                          "There is no ACTIVE Load Balancer named '" + name + "'");
                return;
            }
            selected.push_back(lb);
        }
    }
    auto members = [](const std::vector<std::string>& values) {
        std::string out;
        for (const std::string& v : values)
            out += "<member>" + XmlText(v) + "</member>";
        return out;
    };
    std::string xml = "<LoadBalancerDescriptions>";
    for (const ClassicLoadBalancer* lb : selected) {
        std::string instances;
        for (const std::string& id : lb->instance_ids)
            instances += "<member><InstanceId>" + XmlText(id) + "</InstanceId></member>";
        xml += "<member><LoadBalancerName>" + XmlText(lb->name) + "</LoadBalancerName><DNSName>" +
               XmlText(lb->dns_name) + "</DNSName><VPCId>" + XmlText(lb->vpc_id) +
               "</VPCId><Scheme>internet-facing</Scheme><Instances>" + instances +
               "</Instances><AvailabilityZones>" + members(lb->availability_zones) +
               "</AvailabilityZones><Subnets>" + members(lb->subnet_ids) +
               "</Subnets><SecurityGroups>" + members(lb->security_group_ids) +
               "</SecurityGroups><CreatedTime>" + FormatIsoMillis(lb->created_time) +
               "</CreatedTime></member>";
    }
    call.ReplyQuery(xml + "</LoadBalancerDescriptions>");
}

// ---------------------------------------------------------------------------------------------
// ELBv2

struct TargetSpec {
    std::string id;
    std::optional<int> port;
};

// Targets.member.N.Id/Port; false (reply written) on a malformed entry.
bool ReadTargets(Call& call, std::vector<TargetSpec>* out) {
    for (int index : call.params.Indexes("Targets.member")) {
        std::string prefix = "Targets.member." + std::to_string(index);
        TargetSpec spec;
        spec.id = call.params.GetOr(prefix + ".Id", "");
        if (const std::string* port_text = call.params.Get(prefix + ".Port")) {
            std::optional<int> port = ParseCount(*port_text);
            if (!port || *port < 1 || *port > 65535) {
                call.Fail("ValidationError",
                          "1 validation error detected: Value '" + *port_text + "' at 'targets." +
                                  std::to_string(index) +
                                  ".member.port' failed to satisfy constraint: Member must have "
                                  "value less than or equal to 65535");
                return false;
            }
            spec.port = port;
        }
        if (spec.id.empty()) {
            call.Fail("ValidationError",
                      NullValueMessage("targets." + std::to_string(index) + ".member.id"));
            return false;
        }
        out->push_back(std::move(spec));
    }
    return true;
}

std::string TargetsJson(const std::vector<TargetSpec>& targets) {
    std::string out = "[";
    for (size_t i = 0; i < targets.size(); ++i) {
        out += std::string(i > 0 ? "," : "") + "{\"id\":" + JsonText(targets[i].id);
        if (targets[i].port) {
            out += ",\"port\":" + std::to_string(*targets[i].port);
        }
        out += "}";
    }
    return out + "]";
}

// InvalidTarget for instance targets whose instance does not exist; false (reply written) then.
bool CheckInstancesExist(Call& call,
                         const TargetGroup& tg,
                         const std::vector<TargetSpec>& targets) {
    if (tg.target_type != "instance") {
        return true;
    }
    std::string missing;
    for (const TargetSpec& spec : targets) {
        if (call.world->FindInstance(call.account_id, call.region, spec.id) == nullptr) {
            missing += std::string(missing.empty() ? "" : ", ") + "'" + spec.id + "'";
        }
    }
    if (missing.empty()) {
        return true;
    }
    call.Fail("InvalidTarget", "The following instances do not exist: " + missing);
    return false;
}

void DeregisterTargets(Call& call) {
    const std::string* tg_arn = call.params.Get("TargetGroupArn");
    std::vector<TargetSpec> targets;
    bool targets_ok = ReadTargets(call, &targets);
    std::string request = "{";
    if (tg_arn != nullptr) {
        request += "\"targetGroupArn\":" + JsonText(*tg_arn) + ",";
    }
    call.request_parameters = request + "\"targets\":" + TargetsJson(targets) + "}";
    if (!targets_ok) {
        return;
    }
    if (tg_arn == nullptr || tg_arn->empty()) {
        call.Fail("ValidationError", NullValueMessage("targetGroupArn"));
        return;
    }
    if (targets.empty()) {
        call.Fail("ValidationError", NullValueMessage("targets"));
        return;
    }
    if (!call.Authorize("elasticloadbalancing:DeregisterTargets", *tg_arn)) {
        return;
    }
    TargetGroup* tg = call.world->FindTargetGroup(call.account_id, call.region, *tg_arn);
    if (tg == nullptr || tg->arn != *tg_arn) {
        call.Fail("TargetGroupNotFound", "One or more target groups not found");
        return;
    }
    if (!CheckInstancesExist(call, *tg, targets)) {
        return;
    }
    for (const TargetSpec& spec : targets) {
        int port = spec.port.value_or(tg->port);
        for (Target& target : tg->targets) {
            if (target.id == spec.id && target.port == port && target.health_state != "draining") {
                target.health_state = "draining";
                call.mutated = true;
            }
        }
    }
    call.ReplyQuery("");
}

struct HealthDetail {
    std::string state;
    std::string reason;
    std::string description;
};

HealthDetail DescribeHealth(const World& world, const Target& target) {
    if (target.health_state == "draining") {
        return {"draining",
                "Target.DeregistrationInProgress",
                "Target deregistration is in progress"};
    }
    auto instance = world.instances.find(target.id);
    if (instance != world.instances.end() && instance->second.state != InstanceState::kRunning &&
        instance->second.state != InstanceState::kPending) {
        return {"unused",
                "Target.InvalidState",
                "Target is in the " + std::string(InstanceStateName(instance->second.state)) +
                        " state"};
    }
    if (target.health_state == "initial") {
        return {"initial", "Elb.RegistrationInProgress", "Target registration is in progress"};
    }
    if (target.health_state == "unhealthy") {
        return {"unhealthy", "Target.FailedHealthChecks", "Health checks failed"};
    }
    if (target.health_state == "unused") {
        return {"unused",
                "Target.NotInUse",
                "Target group is not configured to receive traffic from the load balancer"};
    }
    return {target.health_state, "", ""};
}

std::string HealthXml(const std::string& id, int port, const HealthDetail& health) {
    std::string xml = "<member><Target><Id>" + XmlText(id) + "</Id><Port>" + std::to_string(port) +
                      "</Port></Target><HealthCheckPort>" + std::to_string(port) +
                      "</HealthCheckPort><TargetHealth>";
    if (!health.reason.empty()) {
        xml += "<Reason>" + XmlText(health.reason) + "</Reason>";
    }
    xml += "<State>" + XmlText(health.state) + "</State>";
    if (!health.description.empty()) {
        xml += "<Description>" + XmlText(health.description) + "</Description>";
    }
    return xml + "</TargetHealth></member>";
}

void DescribeTargetHealth(Call& call) {
    const std::string* tg_arn = call.params.Get("TargetGroupArn");
    std::vector<TargetSpec> targets;
    bool targets_ok = ReadTargets(call, &targets);
    std::string request = "{";
    if (tg_arn != nullptr) {
        request += "\"targetGroupArn\":" + JsonText(*tg_arn);
    }
    if (!targets.empty()) {
        request +=
                std::string(tg_arn != nullptr ? "," : "") + "\"targets\":" + TargetsJson(targets);
    }
    call.request_parameters = request + "}";
    if (!targets_ok) {
        return;
    }
    if (tg_arn == nullptr || tg_arn->empty()) {
        call.Fail("ValidationError", NullValueMessage("targetGroupArn"));
        return;
    }
    if (!call.Authorize("elasticloadbalancing:DescribeTargetHealth")) {
        return;
    }
    TargetGroup* tg = call.world->FindTargetGroup(call.account_id, call.region, *tg_arn);
    if (tg == nullptr || tg->arn != *tg_arn) {
        call.Fail("TargetGroupNotFound", "One or more target groups not found");
        return;
    }
    if (!CheckInstancesExist(call, *tg, targets)) {
        return;
    }
    std::string xml = "<TargetHealthDescriptions>";
    if (targets.empty()) {
        for (const Target& target : tg->targets) {
            xml += HealthXml(target.id, target.port, DescribeHealth(*call.world, target));
        }
    } else {
        for (const TargetSpec& spec : targets) {
            bool found = false;
            for (const Target& target : tg->targets) {
                if (target.id != spec.id || (spec.port && target.port != *spec.port)) {
                    continue;
                }
                xml += HealthXml(target.id, target.port, DescribeHealth(*call.world, target));
                found = true;
            }
            if (!found) {
                xml += HealthXml(spec.id,
                                 spec.port.value_or(tg->port),
                                 {"unused",
                                  "Target.NotRegistered",
                                  "Target is not registered to the target group"});
            }
        }
    }
    xml += "</TargetHealthDescriptions>";
    call.ReplyQuery(xml);
}

// A decimal index (Marker) or count (PageSize) of at most 7 digits; nullopt otherwise.
std::optional<size_t> ParseIndex(const std::string& text) {
    if (text.empty() || text.size() > 7) {
        return std::nullopt;
    }
    size_t n = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        n = n * 10 + static_cast<size_t>(c - '0');
    }
    return n;
}

// DescribeTargetGroups: the region's groups, the listed ones (all must exist), or those a load
// balancer forwards to. Marker is the index of the page's first group.
void DescribeTargetGroups(Call& call) {
    std::vector<std::string> arns = call.params.MemberList("TargetGroupArns");
    std::vector<std::string> names = call.params.MemberList("Names");
    const std::string* lb_arn = call.params.Get("LoadBalancerArn");
    const std::string* marker = call.params.Get("Marker");
    const std::string* page_size_text = call.params.Get("PageSize");
    auto json_list = [](const std::vector<std::string>& values) {
        std::string out = "[";
        for (size_t i = 0; i < values.size(); ++i)
            out += std::string(i > 0 ? "," : "") + JsonText(values[i]);
        return out + "]";
    };
    std::string request;
    if (!arns.empty())
        request += ",\"targetGroupArns\":" + json_list(arns);
    if (!names.empty())
        request += ",\"names\":" + json_list(names);
    if (lb_arn != nullptr)
        request += ",\"loadBalancerArn\":" + JsonText(*lb_arn);
    if (marker != nullptr)
        request += ",\"marker\":" + JsonText(*marker);
    std::optional<size_t> page_size = ParseIndex(page_size_text ? *page_size_text : "400");
    if (page_size_text != nullptr && page_size)
        request += ",\"pageSize\":" + std::to_string(*page_size);
    if (!request.empty())
        call.request_parameters = "{" + request.substr(1) + "}";
    if (!page_size || *page_size < 1 || *page_size > 400) {
        call.Fail("ValidationError",
                  "1 validation error detected: Value '" + *page_size_text +
                          "' at 'pageSize' failed to satisfy constraint: Member must have value "
                          "between 1 and 400");
        return;
    }
    int selectors = (arns.empty() ? 0 : 1) + (names.empty() ? 0 : 1) + (lb_arn ? 1 : 0);
    if (selectors > 1) {
        call.Fail("ValidationError",
                  "Target group names, target group ARNs, and a load balancer ARN cannot be "
                  "specified at the same time");
        return;
    }
    if (!call.Authorize("elasticloadbalancing:DescribeTargetGroups"))
        return;
    std::vector<const TargetGroup*> selected;
    if (!arns.empty() || !names.empty()) {
        for (const std::string& key : arns.empty() ? names : arns) {
            const TargetGroup* tg = call.world->FindTargetGroup(call.account_id, call.region, key);
            if (tg == nullptr || (!arns.empty() && tg->arn != key)) {
                call.Fail("TargetGroupNotFound", "One or more target groups not found");
                return;
            }
            selected.push_back(tg);
        }
    } else {
        bool lb_known = lb_arn == nullptr;
        for (const auto& [arn, tg] : call.world->target_groups) {
            if (tg.account_id != call.account_id || tg.region != call.region)
                continue;
            if (lb_arn != nullptr) {
                const auto& lbs = tg.load_balancer_arns;
                if (std::find(lbs.begin(), lbs.end(), *lb_arn) == lbs.end())
                    continue;
                lb_known = true;
            }
            selected.push_back(&tg);
        }
        if (!lb_known) {
            call.Fail("LoadBalancerNotFound", "One or more load balancers not found");
            return;
        }
    }
    size_t start = 0;
    if (marker != nullptr) {
        std::optional<size_t> index = ParseIndex(*marker);
        if (!index || *index > selected.size()) {
            call.Fail("ValidationError", "Invalid marker: " + *marker);
            return;
        }
        start = *index;
    }
    size_t end = std::min(selected.size(), start + *page_size);
    std::string xml = "<TargetGroups>";
    for (size_t i = start; i < end; ++i) {
        const TargetGroup* tg = selected[i];
        std::string lbs;
        for (const std::string& arn : tg->load_balancer_arns)
            lbs += "<member>" + XmlText(arn) + "</member>";
        xml += "<member><TargetGroupArn>" + XmlText(tg->arn) +
               "</TargetGroupArn><TargetGroupName>" + XmlText(tg->name) +
               "</TargetGroupName><Protocol>" + XmlText(tg->protocol) + "</Protocol><Port>" +
               std::to_string(tg->port) + "</Port><VpcId>" + XmlText(tg->vpc_id) +
               "</VpcId><HealthCheckProtocol>" + XmlText(tg->protocol) +
               "</HealthCheckProtocol><HealthCheckPort>traffic-port</HealthCheckPort>"
               "<HealthCheckEnabled>true</HealthCheckEnabled><LoadBalancerArns>" +
               lbs + "</LoadBalancerArns><TargetType>" + XmlText(tg->target_type) +
               "</TargetType></member>";
    }
    xml += "</TargetGroups>";
    if (end < selected.size())
        xml += "<NextMarker>" + std::to_string(end) + "</NextMarker>";
    call.ReplyQuery(xml);
}

}  // namespace

void RegisterAutoScalingAndElbHandlers(HandlerTable* table) {
    (*table)[{Api::kAutoScaling, "DetachInstances"}] = {DetachInstances, false};
    (*table)[{Api::kAutoScaling, "DescribeAutoScalingInstances"}] = {DescribeAutoScalingInstances,
                                                                     true};
    (*table)[{Api::kElb, "DescribeLoadBalancers"}] = {DescribeLoadBalancers, true};
    (*table)[{Api::kElb, "DeregisterInstancesFromLoadBalancer"}] = {
            DeregisterInstancesFromLoadBalancer, false};
    (*table)[{Api::kElbV2, "DeregisterTargets"}] = {DeregisterTargets, false};
    (*table)[{Api::kElbV2, "DescribeTargetHealth"}] = {DescribeTargetHealth, true};
    (*table)[{Api::kElbV2, "DescribeTargetGroups"}] = {DescribeTargetGroups, true};
}

}  // namespace firebreak::sandbox
