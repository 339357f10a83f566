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

}  // namespace elbv2
}  // namespace firebreak::aws
