// File: elb.h
//
// Typed load balancer operations on top of AwsClient::Query(): taking an instance out of
// service, for classic load balancers (namespace elb, ServiceId::kElb, API 2012-06-01) and for
// ALB/NLB target groups (namespace elbv2, ServiceId::kElbV2, API 2015-12-01). Both APIs share the
// elasticloadbalancing endpoint and signing name; AWS tells them apart by Version=.
//
// Each operation Op has EncodeOp (the form parameters botocore would send), ParseOp (typed
// reading of the reply's <OpResult> element) and Op (encode, send, parse); the halves are public
// for tests and the sandbox cloud.
//
// Wire rules (query protocol, ../shared/notes/aws-wire-protocols.md 1.2): lists are
// Name.member.N, structures in lists Name.member.N.Field. Replies: absent fields stay empty or
// std::nullopt (an unparsable number counts as absent); a reply without the list an operation
// returns is an ApiError "InvalidResponse" naming the element.
//
// All functions are thread-safe; they only read their arguments.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/aws/error.h"

namespace firebreak::aws::elb {

// ---- DeregisterInstancesFromLoadBalancer ---------------------------------------------------

struct DeregisterInstancesFromLoadBalancerRequest {
    std::string load_balancer_name;
    std::vector<std::string> instance_ids;  // Instances.member.N.InstanceId
};

struct DeregisterInstancesFromLoadBalancerResponse {
    std::vector<std::string> remaining_instance_ids;  // still registered after the call
    std::string request_id;
};

QueryParams EncodeDeregisterInstancesFromLoadBalancer(
        const DeregisterInstancesFromLoadBalancerRequest& request);
Outcome<DeregisterInstancesFromLoadBalancerResponse> ParseDeregisterInstancesFromLoadBalancer(
        const XmlReply& reply);  // needs Instances
Outcome<DeregisterInstancesFromLoadBalancerResponse> DeregisterInstancesFromLoadBalancer(
        const AwsClient& client, const DeregisterInstancesFromLoadBalancerRequest& request);

// ---- DescribeLoadBalancers -----------------------------------------------------------------

// `load_balancer_names` empty: every classic load balancer of the region. AWS fails the whole
// call with LoadBalancerNotFound when one named balancer does not exist.
struct DescribeLoadBalancersRequest {
    std::vector<std::string> load_balancer_names;
    std::string marker;  // the previous page's NextMarker
};

struct LoadBalancerDescription {
    std::string load_balancer_name;
    std::string dns_name;
    std::string vpc_id;
    std::string scheme;
    std::vector<std::string> instance_ids;  // Instances.member.N.InstanceId
    std::vector<std::string> availability_zones;
    std::vector<std::string> subnets;
    std::vector<std::string> security_groups;
};

struct DescribeLoadBalancersResponse {
    std::vector<LoadBalancerDescription> load_balancers;
    std::string next_marker;
    std::string request_id;
};

QueryParams EncodeDescribeLoadBalancers(const DescribeLoadBalancersRequest& request);
Outcome<DescribeLoadBalancersResponse> ParseDescribeLoadBalancers(
        const XmlReply& reply);  // needs LoadBalancerDescriptions
Outcome<DescribeLoadBalancersResponse> DescribeLoadBalancers(
        const AwsClient& client, const DescribeLoadBalancersRequest& request);

}  // namespace firebreak::aws::elb

namespace firebreak::aws::elbv2 {

// A target: an instance id, an IP address or a Lambda ARN. `port` defaults to the target group's
// port when absent; `availability_zone` is for IP targets outside the VPC ("all").
struct TargetDescription {
    std::string id;
    std::optional<int> port;
    std::string availability_zone;
};

// ---- DeregisterTargets ---------------------------------------------------------------------

struct DeregisterTargetsRequest {
    std::string target_group_arn;
    std::vector<TargetDescription> targets;
};

struct DeregisterTargetsResponse {
    std::string request_id;
};

QueryParams EncodeDeregisterTargets(const DeregisterTargetsRequest& request);
Outcome<DeregisterTargetsResponse> ParseDeregisterTargets(const XmlReply& reply);
Outcome<DeregisterTargetsResponse> DeregisterTargets(const AwsClient& client,
                                                     const DeregisterTargetsRequest& request);

// ---- DescribeTargetHealth ------------------------------------------------------------------

// `targets` empty: every target registered with the group.
struct DescribeTargetHealthRequest {
    std::string target_group_arn;
    std::vector<TargetDescription> targets;
};

struct TargetHealth {
    std::string id;
    std::optional<int> port;
    std::string availability_zone;
    std::string health_check_port;
    std::string state;        // initial | healthy | unhealthy | unused | draining | unavailable
    std::string reason;       // Target.DeregistrationInProgress, Elb.RegistrationInProgress ...
    std::string description;  // AWS's explanation of `reason`
};

struct DescribeTargetHealthResponse {
    std::vector<TargetHealth> targets;
    std::string request_id;
};

QueryParams EncodeDescribeTargetHealth(const DescribeTargetHealthRequest& request);
Outcome<DescribeTargetHealthResponse> ParseDescribeTargetHealth(
        const XmlReply& reply);  // needs TargetHealthDescriptions
Outcome<DescribeTargetHealthResponse> DescribeTargetHealth(
        const AwsClient& client, const DescribeTargetHealthRequest& request);

// ---- DescribeTargetGroups ------------------------------------------------------------------

// All selectors empty: every target group of the region. `load_balancer_arn` narrows to the
// groups a load balancer forwards to. AWS fails the whole call with TargetGroupNotFound when a
// named or listed group does not exist.
struct DescribeTargetGroupsRequest {
    std::vector<std::string> target_group_arns;
    std::vector<std::string> names;
    std::string load_balancer_arn;  // empty = not sent
    std::string marker;             // the previous page's NextMarker
    std::optional<int> page_size;   // 1..400
};

struct TargetGroupDescription {
    std::string target_group_arn;
    std::string target_group_name;
    std::string protocol;  // HTTP | HTTPS | TCP | UDP | TLS | TCP_UDP | GENEVE
    std::optional<int> port;
    std::string vpc_id;
    std::string target_type;  // instance | ip | lambda | alb
    std::vector<std::string> load_balancer_arns;
};

struct DescribeTargetGroupsResponse {
    std::vector<TargetGroupDescription> target_groups;
    std::string next_marker;
    std::string request_id;
};

QueryParams EncodeDescribeTargetGroups(const DescribeTargetGroupsRequest& request);
Outcome<DescribeTargetGroupsResponse> ParseDescribeTargetGroups(
        const XmlReply& reply);  // needs TargetGroups
Outcome<DescribeTargetGroupsResponse> DescribeTargetGroups(
        const AwsClient& client, const DescribeTargetGroupsRequest& request);

}  // namespace firebreak::aws::elbv2
