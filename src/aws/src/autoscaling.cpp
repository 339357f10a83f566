// File: autoscaling.cpp
//
// Auto Scaling operations: query-protocol form encoding (Name.member.N) and parsing of the
// <OpResult> element's <Name><member> lists.
#include "firebreak/aws/autoscaling.h"

#include <string_view>
#include <utility>

namespace firebreak::aws::autoscaling {
namespace {

constexpr ServiceId kService = ServiceId::kAutoScaling;

Activity ParseActivity(const pugi::xml_node& node) {
    Activity activity;
    activity.activity_id = ChildText(node, "ActivityId");
    activity.auto_scaling_group_name = ChildText(node, "AutoScalingGroupName");
    activity.description = ChildText(node, "Description");
    activity.cause = ChildText(node, "Cause");
    activity.start_time = ChildTime(node, "StartTime");
    activity.end_time = ChildTime(node, "EndTime");
    activity.status_code = ChildText(node, "StatusCode");
    activity.status_message = ChildText(node, "StatusMessage");
    activity.progress = ChildInt<int>(node, "Progress");
    activity.details = ChildText(node, "Details");
    return activity;
}

AutoScalingInstance ParseInstance(const pugi::xml_node& node) {
    AutoScalingInstance instance;
    instance.instance_id = ChildText(node, "InstanceId");
    instance.instance_type = ChildText(node, "InstanceType");
    instance.auto_scaling_group_name = ChildText(node, "AutoScalingGroupName");
    instance.availability_zone = ChildText(node, "AvailabilityZone");
    instance.lifecycle_state = ChildText(node, "LifecycleState");
    instance.health_status = ChildText(node, "HealthStatus");
    instance.protected_from_scale_in = ChildBool(node, "ProtectedFromScaleIn");
    instance.launch_configuration_name = ChildText(node, "LaunchConfigurationName");
    return instance;
}

}  // namespace

// ---- DetachInstances -----------------------------------------------------------------------

QueryParams EncodeDetachInstances(const DetachInstancesRequest& request) {
    QueryParams params;
    params.AddList("InstanceIds", request.instance_ids, true);
    params.Add("AutoScalingGroupName", request.auto_scaling_group_name);
    params.AddBool("ShouldDecrementDesiredCapacity", request.should_decrement_desired_capacity);
    return params;
}

Outcome<DetachInstancesResponse> ParseDetachInstances(const XmlReply& reply) {
    pugi::xml_node list = reply.result.child("Activities");
    if (!list) {
        return MissingElement("autoscaling:DetachInstances", reply.request_id, "Activities");
    }
    DetachInstancesResponse response;
    for (pugi::xml_node member : list.children("member")) {
        response.activities.push_back(ParseActivity(member));
    }
    response.request_id = reply.request_id;
    return response;
}

Outcome<DetachInstancesResponse> DetachInstances(const AwsClient& client,
                                                 const DetachInstancesRequest& request) {
    return CallQuery(client,
                     kService,
                     "DetachInstances",
                     EncodeDetachInstances(request),
                     &ParseDetachInstances);
}

// ---- DescribeAutoScalingInstances ----------------------------------------------------------

QueryParams EncodeDescribeAutoScalingInstances(const DescribeAutoScalingInstancesRequest& request) {
    QueryParams params;
    params.AddList("InstanceIds", request.instance_ids, true);
    if (request.max_records) {
        params.AddInt("MaxRecords", *request.max_records);
    }
    if (!request.next_token.empty()) {
        params.Add("NextToken", request.next_token);
    }
    return params;
}

Outcome<DescribeAutoScalingInstancesResponse> ParseDescribeAutoScalingInstances(
        const XmlReply& reply) {
    pugi::xml_node list = reply.result.child("AutoScalingInstances");
    if (!list) {
        return MissingElement("autoscaling:DescribeAutoScalingInstances",
                              reply.request_id,
                              "AutoScalingInstances");
    }
    DescribeAutoScalingInstancesResponse response;
    for (pugi::xml_node member : list.children("member")) {
        response.instances.push_back(ParseInstance(member));
    }
    response.next_token = ChildText(reply.result, "NextToken");
    response.request_id = reply.request_id;
    return response;
}

Outcome<DescribeAutoScalingInstancesResponse> DescribeAutoScalingInstances(
        const AwsClient& client, const DescribeAutoScalingInstancesRequest& request) {
    return CallQuery(client,
                     kService,
                     "DescribeAutoScalingInstances",
                     EncodeDescribeAutoScalingInstances(request),
                     &ParseDescribeAutoScalingInstances);
}

}  // namespace firebreak::aws::autoscaling
