// File: autoscaling.h
//
// Typed Auto Scaling operations on top of AwsClient::Query(): finding which group an instance
// belongs to and detaching it, so the group does not replace or terminate an instance under
// investigation.
//
// Each operation Op has EncodeOp (the form parameters botocore would send), ParseOp (typed
// reading of the reply's <OpResult> element) and Op (encode, send, parse); the halves are public
// for tests and the sandbox cloud.
//
// Wire rules (query protocol, ../shared/notes/aws-wire-protocols.md 1.2): lists are
// Name.member.N, structures in lists Name.member.N.Field, booleans "true"/"false". Replies:
// absent fields stay empty or std::nullopt (unparsable numbers, booleans and times count as
// absent); a reply without the list an operation returns is an ApiError "InvalidResponse" naming
// the element. Times are std::chrono::system_clock::time_point (UTC), parsed with ParseIsoTime.
//
// All functions are thread-safe; they only read their arguments.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/aws/error.h"

namespace firebreak::aws::autoscaling {

using Timestamp = std::optional<std::chrono::system_clock::time_point>;

// A scaling activity (what the group is doing about the request).
struct Activity {
    std::string activity_id;
    std::string auto_scaling_group_name;
    std::string description;
    std::string cause;
    Timestamp start_time;
    Timestamp end_time;
    std::string status_code;  // PreInService | InProgress | Successful | Failed | Cancelled ...
    std::string status_message;
    std::optional<int> progress;  // percent
    std::string details;          // JSON text
};

// ---- DetachInstances -----------------------------------------------------------------------

// ShouldDecrementDesiredCapacity is required by the API and always sent. With false the group
// launches a replacement, keeping capacity while the detached instance is examined.
struct DetachInstancesRequest {
    std::vector<std::string> instance_ids;
    std::string auto_scaling_group_name;
    bool should_decrement_desired_capacity = false;
};

struct DetachInstancesResponse {
    std::vector<Activity> activities;
    std::string request_id;
};

QueryParams EncodeDetachInstances(const DetachInstancesRequest& request);
Outcome<DetachInstancesResponse> ParseDetachInstances(const XmlReply& reply);  // needs Activities
Outcome<DetachInstancesResponse> DetachInstances(const AwsClient& client,
                                                 const DetachInstancesRequest& request);

// ---- DescribeAutoScalingInstances ----------------------------------------------------------

// Instances that belong to no group are simply absent from the reply.
struct DescribeAutoScalingInstancesRequest {
    std::vector<std::string> instance_ids;
    std::optional<int> max_records;
    std::string next_token;
};

struct AutoScalingInstance {
    std::string instance_id;
    std::string instance_type;
    std::string auto_scaling_group_name;
    std::string availability_zone;
    std::string lifecycle_state;  // InService, Pending, Terminating, Detaching, Standby ...
    std::string health_status;    // HEALTHY | UNHEALTHY
    std::optional<bool> protected_from_scale_in;
    std::string launch_configuration_name;
};

struct DescribeAutoScalingInstancesResponse {
    std::vector<AutoScalingInstance> instances;
    std::string next_token;  // empty on the last page
    std::string request_id;
};

QueryParams EncodeDescribeAutoScalingInstances(const DescribeAutoScalingInstancesRequest& request);
Outcome<DescribeAutoScalingInstancesResponse> ParseDescribeAutoScalingInstances(
        const XmlReply& reply);  // needs AutoScalingInstances
Outcome<DescribeAutoScalingInstancesResponse> DescribeAutoScalingInstances(
        const AwsClient& client, const DescribeAutoScalingInstancesRequest& request);

}  // namespace firebreak::aws::autoscaling
