// File: autoscaling.cpp
//
// Auto Scaling operations: query-protocol form encoding (Name.member.N) and parsing of the
// <OpResult> element's <Name><member> lists.
#include "firebreak/aws/autoscaling.h"

#include <charconv>
#include <string_view>
#include <utility>

namespace firebreak::aws::autoscaling {
namespace {

std::optional<int> ChildInt(const pugi::xml_node& node, const char* name) {
    std::string_view text = node.child(name).text().get();
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::optional<bool> ChildBool(const pugi::xml_node& node, const char* name) {
    std::string_view text = node.child(name).text().get();
    if (text == "true") {
        return true;
    }
    if (text == "false") {
        return false;
    }
    return std::nullopt;
}

ApiError MissingElement(const XmlReply& reply, std::string_view action, std::string_view element) {
    ApiError error = ClientError("InvalidResponse",
                                 "the reply has no <" + std::string(element) + "> element");
    error.operation = "autoscaling:" + std::string(action);
    error.request_id = reply.request_id;
    return error;
}

Activity ParseActivity(const pugi::xml_node& node) {
    Activity activity;
    activity.activity_id = ChildText(node, "ActivityId");
    activity.auto_scaling_group_name = ChildText(node, "AutoScalingGroupName");
    activity.description = ChildText(node, "Description");
    activity.cause = ChildText(node, "Cause");
    activity.start_time = ParseIsoTime(ChildText(node, "StartTime"));
    activity.end_time = ParseIsoTime(ChildText(node, "EndTime"));
    activity.status_code = ChildText(node, "StatusCode");
    activity.status_message = ChildText(node, "StatusMessage");
    activity.progress = ChildInt(node, "Progress");
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

template <class Response>
Outcome<Response> Call(const AwsClient& client,
                       std::string_view action,
                       const QueryParams& params,
                       Outcome<Response> (*parse)(const XmlReply&)) {
    Outcome<XmlReply> reply = client.Query(ServiceId::kAutoScaling, action, params);
    if (!reply) {
        return reply.error();
    }
    return parse(*reply);
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
        return MissingElement(reply, "DetachInstances", "Activities");
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
    return Call(client, "DetachInstances", EncodeDetachInstances(request), &ParseDetachInstances);
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
        return MissingElement(reply, "DescribeAutoScalingInstances", "AutoScalingInstances");
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
    return Call(client,
                "DescribeAutoScalingInstances",
                EncodeDescribeAutoScalingInstances(request),
                &ParseDescribeAutoScalingInstances);
}

}  // namespace firebreak::aws::autoscaling
