// File: elb.cpp
//
// Classic ELB and ELBv2 operations: query-protocol form encoding (Name.member.N.Field) and
// parsing of the <OpResult> element's <Name><member> lists.
#include "firebreak/aws/elb.h"

#include <string_view>
#include <utility>

namespace firebreak::aws {
namespace {

// Targets.member.N.Id / .Port / .AvailabilityZone
void AddTargets(QueryParams* params, const std::vector<elbv2::TargetDescription>& targets) {
    for (size_t i = 0; i < targets.size(); ++i) {
        std::string prefix = "Targets.member." + std::to_string(i + 1);
        params->Add(prefix + ".Id", targets[i].id);
        if (targets[i].port) {
            params->AddInt(prefix + ".Port", *targets[i].port);
        }
        if (!targets[i].availability_zone.empty()) {
            params->Add(prefix + ".AvailabilityZone", targets[i].availability_zone);
        }
    }
}

}  // namespace

namespace elb {

QueryParams EncodeDeregisterInstancesFromLoadBalancer(
        const DeregisterInstancesFromLoadBalancerRequest& request) {
    QueryParams params;
    params.Add("LoadBalancerName", request.load_balancer_name);
    for (size_t i = 0; i < request.instance_ids.size(); ++i) {
        params.Add("Instances.member." + std::to_string(i + 1) + ".InstanceId",
                   request.instance_ids[i]);
    }
    return params;
}

Outcome<DeregisterInstancesFromLoadBalancerResponse> ParseDeregisterInstancesFromLoadBalancer(
        const XmlReply& reply) {
    pugi::xml_node list = reply.result.child("Instances");
    if (!list) {
        return MissingElement(
                "elb:DeregisterInstancesFromLoadBalancer", reply.request_id, "Instances");
    }
    DeregisterInstancesFromLoadBalancerResponse response;
    for (pugi::xml_node member : list.children("member")) {
        response.remaining_instance_ids.push_back(ChildText(member, "InstanceId"));
    }
    response.request_id = reply.request_id;
    return response;
}

Outcome<DeregisterInstancesFromLoadBalancerResponse> DeregisterInstancesFromLoadBalancer(
        const AwsClient& client, const DeregisterInstancesFromLoadBalancerRequest& request) {
    return CallQuery(client,
                     ServiceId::kElb,
                     "DeregisterInstancesFromLoadBalancer",
                     EncodeDeregisterInstancesFromLoadBalancer(request),
                     &ParseDeregisterInstancesFromLoadBalancer);
}

QueryParams EncodeDescribeLoadBalancers(const DescribeLoadBalancersRequest& request) {
    QueryParams params;
    params.AddList("LoadBalancerNames", request.load_balancer_names, true);
    if (!request.marker.empty()) {
        params.Add("Marker", request.marker);
    }
    return params;
}

Outcome<DescribeLoadBalancersResponse> ParseDescribeLoadBalancers(const XmlReply& reply) {
    pugi::xml_node list = reply.result.child("LoadBalancerDescriptions");
    if (!list) {
        return MissingElement(
                "elb:DescribeLoadBalancers", reply.request_id, "LoadBalancerDescriptions");
    }
    auto members = [](const pugi::xml_node& node, const char* name) {
        std::vector<std::string> out;
        for (pugi::xml_node member : node.child(name).children("member")) {
            out.emplace_back(member.text().get());
        }
        return out;
    };
    DescribeLoadBalancersResponse response;
    for (pugi::xml_node member : list.children("member")) {
        LoadBalancerDescription lb;
        lb.load_balancer_name = ChildText(member, "LoadBalancerName");
        lb.dns_name = ChildText(member, "DNSName");
        lb.vpc_id = ChildText(member, "VPCId");
        lb.scheme = ChildText(member, "Scheme");
        for (pugi::xml_node instance : member.child("Instances").children("member")) {
            lb.instance_ids.push_back(ChildText(instance, "InstanceId"));
        }
        lb.availability_zones = members(member, "AvailabilityZones");
        lb.subnets = members(member, "Subnets");
        lb.security_groups = members(member, "SecurityGroups");
        response.load_balancers.push_back(std::move(lb));
    }
    response.next_marker = ChildText(reply.result, "NextMarker");
    response.request_id = reply.request_id;
    return response;
}

Outcome<DescribeLoadBalancersResponse> DescribeLoadBalancers(
        const AwsClient& client, const DescribeLoadBalancersRequest& request) {
    return CallQuery(client,
                     ServiceId::kElb,
                     "DescribeLoadBalancers",
                     EncodeDescribeLoadBalancers(request),
                     &ParseDescribeLoadBalancers);
}

}  // namespace elb

namespace elbv2 {

QueryParams EncodeDeregisterTargets(const DeregisterTargetsRequest& request) {
    QueryParams params;
    params.Add("TargetGroupArn", request.target_group_arn);
    AddTargets(&params, request.targets);
    return params;
}

Outcome<DeregisterTargetsResponse> ParseDeregisterTargets(const XmlReply& reply) {
    return DeregisterTargetsResponse{reply.request_id};
}

Outcome<DeregisterTargetsResponse> DeregisterTargets(const AwsClient& client,
                                                     const DeregisterTargetsRequest& request) {
    return CallQuery(client,
                     ServiceId::kElbV2,
                     "DeregisterTargets",
                     EncodeDeregisterTargets(request),
                     &ParseDeregisterTargets);
}

QueryParams EncodeDescribeTargetHealth(const DescribeTargetHealthRequest& request) {
    QueryParams params;
    params.Add("TargetGroupArn", request.target_group_arn);
    AddTargets(&params, request.targets);
    return params;
}

Outcome<DescribeTargetHealthResponse> ParseDescribeTargetHealth(const XmlReply& reply) {
    pugi::xml_node list = reply.result.child("TargetHealthDescriptions");
    if (!list) {
        return MissingElement(
                "elbv2:DescribeTargetHealth", reply.request_id, "TargetHealthDescriptions");
    }
    DescribeTargetHealthResponse response;
    for (pugi::xml_node member : list.children("member")) {
        pugi::xml_node target = member.child("Target");
        pugi::xml_node health = member.child("TargetHealth");
        TargetHealth entry;
        entry.id = ChildText(target, "Id");
        entry.port = ChildInt<int>(target, "Port");
        entry.availability_zone = ChildText(target, "AvailabilityZone");
        entry.health_check_port = ChildText(member, "HealthCheckPort");
        entry.state = ChildText(health, "State");
        entry.reason = ChildText(health, "Reason");
        entry.description = ChildText(health, "Description");
        response.targets.push_back(std::move(entry));
    }
    response.request_id = reply.request_id;
    return response;
}

Outcome<DescribeTargetHealthResponse> DescribeTargetHealth(
        const AwsClient& client, const DescribeTargetHealthRequest& request) {
    return CallQuery(client,
                     ServiceId::kElbV2,
                     "DescribeTargetHealth",
                     EncodeDescribeTargetHealth(request),
                     &ParseDescribeTargetHealth);
}

QueryParams EncodeDescribeTargetGroups(const DescribeTargetGroupsRequest& request) {
    QueryParams params;
    if (!request.load_balancer_arn.empty()) {
        params.Add("LoadBalancerArn", request.load_balancer_arn);
    }
    params.AddList("TargetGroupArns", request.target_group_arns, true);
    params.AddList("Names", request.names, true);
    if (!request.marker.empty()) {
        params.Add("Marker", request.marker);
    }
    if (request.page_size) {
        params.AddInt("PageSize", *request.page_size);
    }
    return params;
}

Outcome<DescribeTargetGroupsResponse> ParseDescribeTargetGroups(const XmlReply& reply) {
    pugi::xml_node list = reply.result.child("TargetGroups");
    if (!list) {
        return MissingElement("elbv2:DescribeTargetGroups", reply.request_id, "TargetGroups");
    }
    DescribeTargetGroupsResponse response;
    for (pugi::xml_node member : list.children("member")) {
        TargetGroupDescription tg;
        tg.target_group_arn = ChildText(member, "TargetGroupArn");
        tg.target_group_name = ChildText(member, "TargetGroupName");
        tg.protocol = ChildText(member, "Protocol");
        tg.port = ChildInt<int>(member, "Port");
        tg.vpc_id = ChildText(member, "VpcId");
        tg.target_type = ChildText(member, "TargetType");
        for (pugi::xml_node arn : member.child("LoadBalancerArns").children("member")) {
            tg.load_balancer_arns.emplace_back(arn.text().get());
        }
        response.target_groups.push_back(std::move(tg));
    }
    response.next_marker = ChildText(reply.result, "NextMarker");
    response.request_id = reply.request_id;
    return response;
}

Outcome<DescribeTargetGroupsResponse> DescribeTargetGroups(
        const AwsClient& client, const DescribeTargetGroupsRequest& request) {
    return CallQuery(client,
                     ServiceId::kElbV2,
                     "DescribeTargetGroups",
                     EncodeDescribeTargetGroups(request),
                     &ParseDescribeTargetGroups);
}

}  // namespace elbv2
}  // namespace firebreak::aws
