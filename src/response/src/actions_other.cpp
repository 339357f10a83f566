// File: actions_other.cpp
//
// The actions of every service but EC2: Auto Scaling, Elastic Load Balancing (classic and v2),
// CloudTrail, IAM, S3, SSM, SNS and STS. Same conventions as actions_ec2.cpp.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "action_util.h"
#include "firebreak/aws/autoscaling.h"
#include "firebreak/aws/cloudtrail.h"
#include "firebreak/aws/elb.h"
#include "firebreak/aws/iam.h"
#include "firebreak/aws/s3.h"
#include "firebreak/aws/sns.h"
#include "firebreak/aws/ssm.h"
#include "firebreak/aws/sts.h"
#include "firebreak/response/actions.h"

namespace firebreak::response::action_internal {
namespace {

using Outcome = aws::Outcome<ActionResult>;

// ---- Auto Scaling ------------------------------------------------------------------------------

JsonValue AsgInstanceJson(const aws::autoscaling::AutoScalingInstance& instance) {
    JsonValue out = Obj();
    PutStr(&out, "InstanceId", instance.instance_id);
    PutStr(&out, "InstanceType", instance.instance_type);
    PutStr(&out, "AutoScalingGroupName", instance.auto_scaling_group_name);
    PutStr(&out, "AvailabilityZone", instance.availability_zone);
    PutStr(&out, "LifecycleState", instance.lifecycle_state);
    PutStr(&out, "HealthStatus", instance.health_status);
    PutStr(&out, "LaunchConfigurationName", instance.launch_configuration_name);
    PutBool(&out, "ProtectedFromScaleIn", instance.protected_from_scale_in);
    return out;
}

// Every page of DescribeAutoScalingInstances for `instance_ids`.
aws::Outcome<std::vector<aws::autoscaling::AutoScalingInstance>> AllAsgInstances(
        const aws::AwsClient& client,
        const std::vector<std::string>& instance_ids,
        std::vector<std::string>* request_ids) {
    aws::autoscaling::DescribeAutoScalingInstancesRequest request;
    request.instance_ids = instance_ids;
    std::vector<aws::autoscaling::AutoScalingInstance> out;
    std::optional<aws::ApiError> error = FollowPages(
            "autoscaling:DescribeAutoScalingInstances",
            request_ids,
            [&](const std::string& token) {
                request.next_token = token;
                return aws::autoscaling::DescribeAutoScalingInstances(client, request);
            },
            [&](const aws::autoscaling::DescribeAutoScalingInstancesResponse& page) {
                out.insert(out.end(), page.instances.begin(), page.instances.end());
                return page.next_token;
            });
    if (error)
        return *error;
    return out;
}

Outcome DescribeAutoScalingInstances(const aws::AwsClient& client,
                                     const JsonValue& json,
                                     const std::string&) {
    Params params(json);
    ActionResult out;
    auto instances = AllAsgInstances(client, params.Strings("InstanceIds"), &out.request_ids);
    if (!instances)
        return instances.error();
    JsonValue list = Arr();
    for (const auto& instance : *instances)
        list.items.push_back(AsgInstanceJson(instance));
    out.result = Obj();
    Put(&out.result, "AutoScalingInstances", std::move(list));
    return out;
}

Outcome DetachInstances(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    aws::autoscaling::DetachInstancesRequest request;
    request.auto_scaling_group_name = params.String("AutoScalingGroupName");
    request.should_decrement_desired_capacity =
            params.Bool("ShouldDecrementDesiredCapacity").value_or(false);
    std::vector<std::string> wanted = params.Strings("InstanceIds");
    if (wanted.empty())
        return ParamError("autoscaling:DetachInstances",
                          "parameter 'InstanceIds': the list is empty");
    ActionResult out;
    auto members = AllAsgInstances(client, wanted, &out.request_ids);
    if (!members)
        return members.error();
    std::vector<std::string> gone;
    for (const std::string& id : wanted) {
        bool member = std::any_of(members->begin(), members->end(), [&](const auto& instance) {
            return instance.instance_id == id &&
                   instance.auto_scaling_group_name == request.auto_scaling_group_name &&
                   instance.lifecycle_state != "Detaching" &&
                   instance.lifecycle_state != "Detached";
        });
        (member ? request.instance_ids : gone).push_back(id);
    }
    out.result = Obj();
    if (request.instance_ids.empty()) {
        Put(&out.result, "Activities", Arr());
        out.already_done = true;
        out.note = "no longer in " + request.auto_scaling_group_name + ": " + gone.front() +
                   (gone.size() > 1 ? " and " + std::to_string(gone.size() - 1) + " more" : "");
        return out;
    }
    auto reply = aws::autoscaling::DetachInstances(client, request);
    if (!reply)
        return reply.error();
    out.request_ids.push_back(reply->request_id);
    JsonValue activities = Arr();
    for (const aws::autoscaling::Activity& activity : reply->activities) {
        JsonValue item = Obj();
        PutStr(&item, "ActivityId", activity.activity_id);
        PutStr(&item, "AutoScalingGroupName", activity.auto_scaling_group_name);
        PutStr(&item, "Description", activity.description);
        PutStr(&item, "Cause", activity.cause);
        PutTime(&item, "StartTime", activity.start_time);
        PutTime(&item, "EndTime", activity.end_time);
        PutStr(&item, "StatusCode", activity.status_code);
        PutStr(&item, "StatusMessage", activity.status_message);
        PutInt(&item, "Progress", activity.progress);
        PutStr(&item, "Details", activity.details);
        activities.items.push_back(std::move(item));
    }
    Put(&out.result, "Activities", std::move(activities));
    if (!gone.empty())
        out.note = "left out, no longer in the group: " + std::to_string(gone.size());
    return out;
}

// ---- Elastic Load Balancing --------------------------------------------------------------------

// Instances [{InstanceId}] and/or InstanceIds, in order, without repeats.
aws::Outcome<std::vector<std::string>> ElbInstanceIds(std::string_view action,
                                                      const Params& params) {
    std::vector<std::string> ids;
    if (const JsonValue* instances = params.Get("Instances")) {
        if (!instances->is_array())
            return ParamError(action,
                              "parameter 'Instances': expected [{InstanceId}], got " +
                                      std::string(JsonTypePhrase(*instances)));
        for (const JsonValue& item : instances->items) {
            const JsonValue* id = item.is_object() ? item.Find("InstanceId") : nullptr;
            if (id == nullptr || !id->is_string())
                return ParamError(action, "parameter 'Instances': each item needs an InstanceId");
            ids.push_back(id->text);
        }
    }
    for (std::string& id : params.Strings("InstanceIds"))
        ids.push_back(std::move(id));
    std::vector<std::string> unique;
    for (std::string& id : ids) {
        if (std::find(unique.begin(), unique.end(), id) == unique.end())
            unique.push_back(std::move(id));
    }
    if (unique.empty())
        return ParamError(action, "one of 'Instances' and 'InstanceIds' must name an instance");
    return unique;
}

JsonValue ElbInstancesJson(const std::vector<std::string>& ids) {
    JsonValue list = Arr();
    for (const std::string& id : ids) {
        JsonValue item = Obj();
        PutStr(&item, "InstanceId", id);
        list.items.push_back(std::move(item));
    }
    return list;
}

Outcome DescribeLoadBalancers(const aws::AwsClient& client,
                              const JsonValue& json,
                              const std::string&) {
    Params params(json);
    aws::elb::DescribeLoadBalancersRequest request;
    request.load_balancer_names = params.Strings("LoadBalancerNames");
    ActionResult out;
    JsonValue list = Arr();
    std::optional<aws::ApiError> error = FollowPages(
            "elasticloadbalancing:DescribeLoadBalancers",
            &out.request_ids,
            [&](const std::string& token) {
                request.marker = token;
                return aws::elb::DescribeLoadBalancers(client, request);
            },
            [&](const aws::elb::DescribeLoadBalancersResponse& page) {
                for (const aws::elb::LoadBalancerDescription& lb : page.load_balancers) {
                    JsonValue item = Obj();
                    PutStr(&item, "LoadBalancerName", lb.load_balancer_name);
                    PutStr(&item, "DNSName", lb.dns_name);
                    PutStr(&item, "VPCId", lb.vpc_id);
                    PutStr(&item, "Scheme", lb.scheme);
                    Put(&item, "Instances", ElbInstancesJson(lb.instance_ids));
                    Put(&item, "AvailabilityZones", StrList(lb.availability_zones));
                    Put(&item, "Subnets", StrList(lb.subnets));
                    Put(&item, "SecurityGroups", StrList(lb.security_groups));
                    list.items.push_back(std::move(item));
                }
                return page.next_marker;
            });
    if (error)
        return *error;
    out.result = Obj();
    Put(&out.result, "LoadBalancerDescriptions", std::move(list));
    return out;
}

// Looks first (DescribeLoadBalancers) which instances are registered: only those are
// deregistered (AWS refuses the whole call with InvalidInstance when one is not), and none is
// already done. The result's Instances are the ones still registered afterwards.
Outcome DeregisterInstancesFromLoadBalancer(const aws::AwsClient& client,
                                            const JsonValue& json,
                                            const std::string&) {
    constexpr std::string_view kAction = "elasticloadbalancing:DeregisterInstancesFromLoadBalancer";
    Params params(json);
    aws::elb::DeregisterInstancesFromLoadBalancerRequest request;
    request.load_balancer_name = params.String("LoadBalancerName");
    auto ids = ElbInstanceIds(kAction, params);
    if (!ids)
        return ids.error();
    ActionResult out;
    out.result = Obj();
    auto described =
            aws::elb::DescribeLoadBalancers(client, {{request.load_balancer_name}, std::string()});
    if (!described)
        return described.error();
    out.request_ids.push_back(described->request_id);
    std::vector<std::string> registered;
    for (const aws::elb::LoadBalancerDescription& lb : described->load_balancers) {
        if (lb.load_balancer_name == request.load_balancer_name)
            registered = lb.instance_ids;
    }
    std::vector<std::string> not_registered;
    for (std::string& id : *ids) {
        bool is_registered =
                std::find(registered.begin(), registered.end(), id) != registered.end();
        (is_registered ? request.instance_ids : not_registered).push_back(std::move(id));
    }
    if (!not_registered.empty()) {
        out.note = "not registered with " + request.load_balancer_name + ":";
        for (const std::string& id : not_registered)
            out.note += " " + id;
    }
    if (request.instance_ids.empty()) {
        Put(&out.result, "Instances", ElbInstancesJson(registered));
        out.already_done = true;
        return out;
    }
    auto reply = aws::elb::DeregisterInstancesFromLoadBalancer(client, request);
    if (!reply)
        return reply.error();
    out.request_ids.push_back(reply->request_id);
    Put(&out.result, "Instances", ElbInstancesJson(reply->remaining_instance_ids));
    return out;
}

// Targets [{Id, Port, AvailabilityZone}].
aws::Outcome<std::vector<aws::elbv2::TargetDescription>> ParseTargets(std::string_view action,
                                                                      const Params& params) {
    std::vector<aws::elbv2::TargetDescription> out;
    const JsonValue* targets = params.Get("Targets");
    if (targets == nullptr)
        return out;
    if (!targets->is_array())
        return ParamError(action,
                          "parameter 'Targets': expected [{Id, Port}], got " +
                                  std::string(JsonTypePhrase(*targets)));
    for (const JsonValue& item : targets->items) {
        const JsonValue* id = item.is_object() ? item.Find("Id") : nullptr;
        if (id == nullptr || !id->is_string())
            return ParamError(action, "parameter 'Targets': each item needs an Id string");
        aws::elbv2::TargetDescription target;
        target.id = id->text;
        if (const JsonValue* port = item.Find("Port");
            port != nullptr && port->type != JsonValue::Type::kNull) {
            std::optional<int64_t> number = JsonInteger(*port);
            if (!number || *number < 1 || *number > 65535)
                return ParamError(action, "parameter 'Targets': Port must be an integer 1-65535");
            target.port = static_cast<int>(*number);
        }
        if (const JsonValue* zone = item.Find("AvailabilityZone");
            zone != nullptr && zone->is_string()) {
            target.availability_zone = zone->text;
        }
        out.push_back(std::move(target));
    }
    return out;
}

JsonValue TargetHealthJson(const aws::elbv2::TargetHealth& health) {
    JsonValue target = Obj();
    PutStr(&target, "Id", health.id);
    PutInt(&target, "Port", health.port);
    PutStr(&target, "AvailabilityZone", health.availability_zone);
    JsonValue state = Obj();
    PutStr(&state, "State", health.state);
    PutStr(&state, "Reason", health.reason);
    PutStr(&state, "Description", health.description);
    JsonValue out = Obj();
    Put(&out, "Target", std::move(target));
    PutStr(&out, "HealthCheckPort", health.health_check_port);
    Put(&out, "TargetHealth", std::move(state));
    return out;
}

Outcome DescribeTargetHealth(const aws::AwsClient& client,
                             const JsonValue& json,
                             const std::string&) {
    Params params(json);
    aws::elbv2::DescribeTargetHealthRequest request;
    request.target_group_arn = params.String("TargetGroupArn");
    auto targets = ParseTargets("elasticloadbalancing:DescribeTargetHealth", params);
    if (!targets)
        return targets.error();
    request.targets = std::move(targets).value();
    auto reply = aws::elbv2::DescribeTargetHealth(client, request);
    if (!reply)
        return reply.error();
    ActionResult out = Done(Obj(), reply->request_id);
    JsonValue list = Arr();
    for (const aws::elbv2::TargetHealth& health : reply->targets)
        list.items.push_back(TargetHealthJson(health));
    Put(&out.result, "TargetHealthDescriptions", std::move(list));
    return out;
}

Outcome DescribeTargetGroups(const aws::AwsClient& client,
                             const JsonValue& json,
                             const std::string&) {
    Params params(json);
    aws::elbv2::DescribeTargetGroupsRequest request;
    request.target_group_arns = params.Strings("TargetGroupArns");
    request.names = params.Strings("Names");
    request.load_balancer_arn = params.String("LoadBalancerArn");
    ActionResult out;
    JsonValue groups = Arr();
    std::optional<aws::ApiError> error = FollowPages(
            "elasticloadbalancing:DescribeTargetGroups",
            &out.request_ids,
            [&](const std::string& token) {
                request.marker = token;
                return aws::elbv2::DescribeTargetGroups(client, request);
            },
            [&](const aws::elbv2::DescribeTargetGroupsResponse& page) {
                for (const aws::elbv2::TargetGroupDescription& group : page.target_groups) {
                    JsonValue item = Obj();
                    PutStr(&item, "TargetGroupArn", group.target_group_arn);
                    PutStr(&item, "TargetGroupName", group.target_group_name);
                    PutStr(&item, "Protocol", group.protocol);
                    PutInt(&item, "Port", group.port);
                    PutStr(&item, "VpcId", group.vpc_id);
                    PutStr(&item, "TargetType", group.target_type);
                    Put(&item, "LoadBalancerArns", StrList(group.load_balancer_arns));
                    groups.items.push_back(std::move(item));
                }
                return page.next_marker;
            });
    if (error)
        return *error;
    out.result = Obj();
    Put(&out.result, "TargetGroups", std::move(groups));
    return out;
}

Outcome DeregisterTargets(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    constexpr std::string_view kAction = "elasticloadbalancing:DeregisterTargets";
    Params params(json);
    auto targets = ParseTargets(kAction, params);
    if (!targets)
        return targets.error();
    if (targets->empty())
        return ParamError(kAction, "parameter 'Targets': the list is empty");
    ActionResult out;
    out.result = Obj();
    // Which of the targets are still registered (and not already draining)?
    aws::elbv2::DescribeTargetHealthRequest lookup;
    lookup.target_group_arn = params.String("TargetGroupArn");
    auto health = aws::elbv2::DescribeTargetHealth(client, lookup);
    if (!health)
        return health.error();
    out.request_ids.push_back(health->request_id);
    aws::elbv2::DeregisterTargetsRequest request;
    request.target_group_arn = lookup.target_group_arn;
    for (const aws::elbv2::TargetDescription& target : *targets) {
        bool registered = std::any_of(health->targets.begin(),
                                      health->targets.end(),
                                      [&](const aws::elbv2::TargetHealth& h) {
                                          return h.id == target.id &&
                                                 (!target.port || h.port == target.port) &&
                                                 h.state != "draining" && h.state != "unused";
                                      });
        if (registered)
            request.targets.push_back(target);
    }
    if (request.targets.empty()) {
        out.already_done = true;
        out.note = "none of the targets is registered with " + request.target_group_arn;
        return out;
    }
    auto reply = aws::elbv2::DeregisterTargets(client, request);
    if (!reply)
        return reply.error();
    out.request_ids.push_back(reply->request_id);
    return out;
}

// ---- CloudTrail --------------------------------------------------------------------------------

Outcome StartLogging(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    std::string name = params.String("Name");
    ActionResult out;
    out.result = Obj();
    auto status = aws::cloudtrail::GetTrailStatus(client, {name});
    if (!status)
        return status.error();
    out.request_ids.push_back(status->request_id);
    if (status->is_logging) {
        out.already_done = true;
        out.note = "trail " + name + " is already logging";
        return out;
    }
    auto reply = aws::cloudtrail::StartLogging(client, {name});
    if (!reply)
        return reply.error();
    out.request_ids.push_back(reply->request_id);
    return out;
}

Outcome GetTrailStatus(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    auto reply = aws::cloudtrail::GetTrailStatus(client, {params.String("Name")});
    if (!reply)
        return reply.error();
    ActionResult out = Done(Obj(), reply->request_id);
    JsonValue& r = out.result;
    Put(&r, "IsLogging", Bool(reply->is_logging));
    PutStr(&r, "LatestDeliveryError", reply->latest_delivery_error);
    PutStr(&r, "LatestNotificationError", reply->latest_notification_error);
    PutTime(&r, "LatestDeliveryTime", reply->latest_delivery_time);
    PutTime(&r, "LatestNotificationTime", reply->latest_notification_time);
    PutTime(&r, "StartLoggingTime", reply->start_logging_time);
    PutTime(&r, "StopLoggingTime", reply->stop_logging_time);
    PutStr(&r, "LatestCloudWatchLogsDeliveryError", reply->latest_cloud_watch_logs_delivery_error);
    PutTime(&r, "LatestCloudWatchLogsDeliveryTime", reply->latest_cloud_watch_logs_delivery_time);
    PutTime(&r, "LatestDigestDeliveryTime", reply->latest_digest_delivery_time);
    PutStr(&r, "LatestDigestDeliveryError", reply->latest_digest_delivery_error);
    return out;
}

// `described`: DescribeTrails' members; CreateTrail's reply has no HomeRegion or selector flags.
JsonValue TrailJson(const aws::cloudtrail::Trail& trail, bool described = true) {
    JsonValue out = Obj();
    PutStr(&out, "Name", trail.name);
    PutStr(&out, "S3BucketName", trail.s3_bucket_name);
    PutStr(&out, "S3KeyPrefix", trail.s3_key_prefix);
    PutStr(&out, "SnsTopicARN", trail.sns_topic_arn);
    Put(&out, "IncludeGlobalServiceEvents", Bool(trail.include_global_service_events));
    Put(&out, "IsMultiRegionTrail", Bool(trail.is_multi_region_trail));
    PutStr(&out, "HomeRegion", trail.home_region);
    PutStr(&out, "TrailARN", trail.trail_arn);
    Put(&out, "LogFileValidationEnabled", Bool(trail.log_file_validation_enabled));
    PutStr(&out, "CloudWatchLogsLogGroupArn", trail.cloud_watch_logs_log_group_arn);
    PutStr(&out, "KmsKeyId", trail.kms_key_id);
    if (described) {
        Put(&out, "HasCustomEventSelectors", Bool(trail.has_custom_event_selectors));
        Put(&out, "HasInsightSelectors", Bool(trail.has_insight_selectors));
    }
    Put(&out, "IsOrganizationTrail", Bool(trail.is_organization_trail));
    return out;
}

Outcome CreateTrail(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    aws::cloudtrail::CreateTrailRequest request;
    request.name = params.String("Name");
    request.s3_bucket_name = params.String("S3BucketName");
    request.s3_key_prefix = params.String("S3KeyPrefix");
    request.is_multi_region_trail = params.Bool("IsMultiRegionTrail");
    request.include_global_service_events = params.Bool("IncludeGlobalServiceEvents");
    request.enable_log_file_validation = params.Bool("EnableLogFileValidation");
    request.cloud_watch_logs_log_group_arn = params.String("CloudWatchLogsLogGroupArn");
    request.cloud_watch_logs_role_arn = params.String("CloudWatchLogsRoleArn");
    request.kms_key_id = params.String("KmsKeyId");
    ActionResult out;
    // A trail name is unique in the account: a trail with it is what an earlier attempt made.
    auto existing = [&]() -> aws::Outcome<std::optional<aws::cloudtrail::Trail>> {
        aws::cloudtrail::DescribeTrailsRequest lookup;
        lookup.trail_name_list = {request.name};
        lookup.include_shadow_trails = true;
        auto found = aws::cloudtrail::DescribeTrails(client, lookup);
        if (!found)
            return found.error();
        out.request_ids.push_back(found->request_id);
        for (const aws::cloudtrail::Trail& trail : found->trails) {
            if (trail.name == request.name || trail.trail_arn == request.name)
                return std::optional<aws::cloudtrail::Trail>(trail);
        }
        return std::optional<aws::cloudtrail::Trail>();
    };
    auto already = [&](const aws::cloudtrail::Trail& trail) {
        out.result = TrailJson(trail);
        out.already_done = true;
        out.note = "trail " + request.name + " exists already";
        return out;
    };
    auto found = existing();
    if (!found)
        return found.error();
    if (*found)
        return already(**found);
    auto reply = aws::cloudtrail::CreateTrail(client, request);
    if (!reply) {
        // Created between the look-up and the call (another attempt running concurrently).
        if (reply.error().code == "TrailAlreadyExistsException") {
            auto again = existing();
            if (again && *again)
                return already(**again);
        }
        return reply.error();
    }
    out.request_ids.push_back(reply->request_id);
    out.result = TrailJson(reply->trail, /*described=*/false);
    return out;
}

JsonValue EventSelectorsJson(const std::vector<aws::cloudtrail::EventSelector>& selectors) {
    JsonValue list = Arr();
    for (const aws::cloudtrail::EventSelector& selector : selectors) {
        JsonValue item = Obj();
        PutStr(&item, "ReadWriteType", selector.read_write_type);
        PutBool(&item, "IncludeManagementEvents", selector.include_management_events);
        JsonValue resources = Arr();
        for (const aws::cloudtrail::DataResource& resource : selector.data_resources) {
            JsonValue entry = Obj();
            PutStr(&entry, "Type", resource.type);
            Put(&entry, "Values", StrList(resource.values));
            resources.items.push_back(std::move(entry));
        }
        Put(&item, "DataResources", std::move(resources));
        Put(&item,
            "ExcludeManagementEventSources",
            StrList(selector.exclude_management_event_sources));
        list.items.push_back(std::move(item));
    }
    return list;
}

aws::Outcome<std::vector<aws::cloudtrail::EventSelector>> ParseEventSelectors(
        std::string_view action, const JsonValue* json) {
    auto fail = [&](const std::string& what) {
        return ParamError(action, "parameter 'EventSelectors': " + what);
    };
    if (json == nullptr || !json->is_array())
        return fail("expected [{ReadWriteType, IncludeManagementEvents, DataResources}]");
    std::vector<aws::cloudtrail::EventSelector> out;
    for (const JsonValue& item : json->items) {
        if (!item.is_object())
            return fail("each selector must be an object, got " +
                        std::string(JsonTypePhrase(item)));
        aws::cloudtrail::EventSelector selector;
        for (const auto& [name, value] : item.members) {
            if (name == "ReadWriteType" && value.is_string()) {
                selector.read_write_type = value.text;
            } else if (name == "IncludeManagementEvents" && value.type == JsonValue::Type::kBool) {
                selector.include_management_events = value.boolean;
            } else if (name == "ExcludeManagementEventSources" && JsonStrings(value)) {
                selector.exclude_management_event_sources = *JsonStrings(value);
            } else if (name == "DataResources" && value.is_array()) {
                for (const JsonValue& resource : value.items) {
                    const JsonValue* type = resource.is_object() ? resource.Find("Type") : nullptr;
                    const JsonValue* values =
                            resource.is_object() ? resource.Find("Values") : nullptr;
                    if (type == nullptr || !type->is_string() || values == nullptr ||
                        !JsonStrings(*values))
                        return fail("each DataResources item needs Type and Values strings");
                    selector.data_resources.push_back({type->text, *JsonStrings(*values)});
                }
            } else {
                return fail("'" + name + "' is unknown or has the wrong type (" +
                            std::string(JsonTypePhrase(value)) + ")");
            }
        }
        out.push_back(std::move(selector));
    }
    return out;
}

Outcome GetEventSelectors(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    auto reply = aws::cloudtrail::GetEventSelectors(client, {params.String("TrailName")});
    if (!reply)
        return reply.error();
    ActionResult out = Done(Obj(), reply->request_id);
    PutStr(&out.result, "TrailARN", reply->trail_arn);
    Put(&out.result, "EventSelectors", EventSelectorsJson(reply->event_selectors));
    if (reply->advanced_event_selector_count > 0) {
        out.note = "the trail also has " + std::to_string(reply->advanced_event_selector_count) +
                   " advanced event selectors (not shown)";
    }
    return out;
}

Outcome PutEventSelectors(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    constexpr std::string_view kAction = "cloudtrail:PutEventSelectors";
    Params params(json);
    auto selectors = ParseEventSelectors(kAction, params.Get("EventSelectors"));
    if (!selectors)
        return selectors.error();
    aws::cloudtrail::PutEventSelectorsRequest request;
    request.trail_name = params.String("TrailName");
    request.event_selectors = std::move(selectors).value();
    auto reply = aws::cloudtrail::PutEventSelectors(client, request);
    if (!reply)
        return reply.error();
    ActionResult out = Done(Obj(), reply->request_id);
    PutStr(&out.result, "TrailARN", reply->trail_arn);
    Put(&out.result, "EventSelectors", EventSelectorsJson(reply->event_selectors));
    return out;
}

Outcome DescribeTrails(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    aws::cloudtrail::DescribeTrailsRequest request;
    request.trail_name_list = params.Strings("TrailNameList");
    request.include_shadow_trails = params.Bool("IncludeShadowTrails");
    auto reply = aws::cloudtrail::DescribeTrails(client, request);
    if (!reply)
        return reply.error();
    ActionResult out = Done(Obj(), reply->request_id);
    JsonValue list = Arr();
    for (const aws::cloudtrail::Trail& trail : reply->trails)
        list.items.push_back(TrailJson(trail));
    Put(&out.result, "trailList", std::move(list));  // the API's own lower-case member name
    return out;
}

aws::Outcome<std::vector<aws::cloudtrail::LookupAttribute>> ParseLookupAttributes(
        std::string_view action, const Params& params) {
    std::vector<aws::cloudtrail::LookupAttribute> out;
    const JsonValue* list = params.Get("LookupAttributes");
    if (list == nullptr)
        return out;
    if (!list->is_array())
        return ParamError(action,
                          "parameter 'LookupAttributes': expected [{AttributeKey, "
                          "AttributeValue}], got " +
                                  std::string(JsonTypePhrase(*list)));
    for (const JsonValue& item : list->items) {
        const JsonValue* key = item.is_object() ? item.Find("AttributeKey") : nullptr;
        const JsonValue* value = item.is_object() ? item.Find("AttributeValue") : nullptr;
        if (key == nullptr || !key->is_string() || value == nullptr || !value->is_string())
            return ParamError(action,
                              "parameter 'LookupAttributes': each item needs AttributeKey and "
                              "AttributeValue strings");
        std::optional<aws::cloudtrail::LookupAttributeKey> parsed;
        std::string known;
        for (int k = 0; k <= static_cast<int>(aws::cloudtrail::LookupAttributeKey::kAccessKeyId);
             ++k) {
            auto candidate = static_cast<aws::cloudtrail::LookupAttributeKey>(k);
            std::string_view name = aws::cloudtrail::LookupAttributeKeyName(candidate);
            known += (known.empty() ? "" : ", ") + std::string(name);
            if (name == key->text)
                parsed = candidate;
        }
        if (!parsed)
            return ParamError(action,
                              "parameter 'LookupAttributes': unknown AttributeKey '" + key->text +
                                      "' (one of " + known + ")");
        out.push_back(aws::cloudtrail::LookupAttribute{*parsed, value->text});
    }
    return out;
}

JsonValue CloudTrailEventJson(const aws::cloudtrail::Event& event) {
    JsonValue out = Obj();
    PutStr(&out, "EventId", event.event_id);
    PutStr(&out, "EventName", event.event_name);
    Put(&out, "ReadOnly", Str(event.read_only ? "true" : "false"));  // a string, as AWS sends it
    PutStr(&out, "AccessKeyId", event.access_key_id);
    PutTime(&out, "EventTime", event.event_time);
    PutStr(&out, "EventSource", event.event_source);
    PutStr(&out, "Username", event.username);
    JsonValue resources = Arr();
    for (const aws::cloudtrail::EventResource& resource : event.resources) {
        JsonValue item = Obj();
        PutStr(&item, "ResourceType", resource.resource_type);
        PutStr(&item, "ResourceName", resource.resource_name);
        resources.items.push_back(std::move(item));
    }
    Put(&out, "Resources", std::move(resources));
    PutStr(&out, "CloudTrailEvent", event.cloud_trail_event);
    return out;
}

constexpr int64_t kDefaultLookupCap = 1000;

Outcome LookupEvents(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    constexpr std::string_view kAction = "cloudtrail:LookupEvents";
    Params params(json);
    aws::cloudtrail::LookupEventsRequest request;
    auto attributes = ParseLookupAttributes(kAction, params);
    if (!attributes)
        return attributes.error();
    request.lookup_attributes = std::move(attributes).value();
    for (const char* name : {"StartTime", "EndTime"}) {
        if (!params.Has(name))
            continue;
        auto time = aws::ParseIsoTime(params.String(name));
        if (!time)
            return ParamError(kAction,
                              "parameter '" + std::string(name) +
                                      "': expected an ISO-8601 time "
                                      "(2026-11-28T19:05:00Z), got '" +
                                      params.String(name) + "'");
        (std::string_view(name) == "StartTime" ? request.start_time : request.end_time) = *time;
    }
    int64_t cap = params.Int("MaxResults").value_or(kDefaultLookupCap);
    if (cap < 1)
        return ParamError(kAction, "parameter 'MaxResults': must be at least 1");
    ActionResult out;
    JsonValue events = Arr();
    bool more = false;
    std::optional<aws::ApiError> error = FollowPages(
            kAction,
            &out.request_ids,
            [&](const std::string& token) {
                request.next_token = token;
                int64_t left = cap - static_cast<int64_t>(events.items.size());
                request.max_results = static_cast<int>(std::min<int64_t>(50, left));
                return aws::cloudtrail::LookupEvents(client, request);
            },
            [&](const aws::cloudtrail::LookupEventsResponse& page) {
                for (const aws::cloudtrail::Event& event : page.events) {
                    if (static_cast<int64_t>(events.items.size()) < cap)
                        events.items.push_back(CloudTrailEventJson(event));
                }
                if (static_cast<int64_t>(events.items.size()) >= cap && !page.next_token.empty()) {
                    more = true;
                    return std::string();
                }
                return page.next_token;
            });
    if (error)
        return *error;
    out.result = Obj();
    Put(&out.result, "Events", std::move(events));
    if (more)
        out.note = "stopped at MaxResults " + std::to_string(cap) + "; more events match";
    return out;
}

// ---- IAM ---------------------------------------------------------------------------------------

Outcome UpdateAccessKey(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    aws::iam::UpdateAccessKeyRequest request;
    request.user_name = params.String("UserName");
    request.access_key_id = params.String("AccessKeyId");
    std::string status = params.String("Status");
    if (status == "Active")
        request.status = aws::iam::AccessKeyStatus::kActive;
    else if (status == "Inactive")
        request.status = aws::iam::AccessKeyStatus::kInactive;
    else
        return ParamError(
                "iam:UpdateAccessKey",
                "parameter 'Status': expected \"Active\" or \"Inactive\", got '" + status + "'");
    auto reply = aws::iam::UpdateAccessKey(client, request);
    if (!reply)
        return reply.error();
    return Done(Obj(), reply->request_id);
}

Outcome ListAccessKeys(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    aws::iam::ListAccessKeysRequest request;
    request.user_name = params.String("UserName");
    ActionResult out;
    JsonValue keys = Arr();
    std::optional<aws::ApiError> error = FollowPages(
            "iam:ListAccessKeys",
            &out.request_ids,
            [&](const std::string& token) {
                request.marker = token;
                return aws::iam::ListAccessKeys(client, request);
            },
            [&](const aws::iam::ListAccessKeysResponse& page) {
                for (const aws::iam::AccessKeyMetadata& key : page.access_key_metadata) {
                    JsonValue item = Obj();
                    PutStr(&item, "UserName", key.user_name);
                    PutStr(&item, "AccessKeyId", key.access_key_id);
                    PutStr(&item, "Status", key.status);
                    PutTime(&item, "CreateDate", key.create_date);
                    keys.items.push_back(std::move(item));
                }
                return page.is_truncated ? page.marker : std::string();
            });
    if (error)
        return *error;
    out.result = Obj();
    Put(&out.result, "AccessKeyMetadata", std::move(keys));
    return out;
}

Outcome GetAccessKeyLastUsed(const aws::AwsClient& client,
                             const JsonValue& json,
                             const std::string&) {
    Params params(json);
    aws::iam::GetAccessKeyLastUsedRequest request;
    request.access_key_id = params.String("AccessKeyId");
    auto reply = aws::iam::GetAccessKeyLastUsed(client, request);
    if (!reply)
        return reply.error();
    ActionResult out = Done(Obj(), reply->request_id);
    PutStr(&out.result, "UserName", reply->user_name);
    JsonValue used = Obj();
    PutTime(&used, "LastUsedDate", reply->access_key_last_used.last_used_date);
    PutStr(&used, "ServiceName", reply->access_key_last_used.service_name);
    PutStr(&used, "Region", reply->access_key_last_used.region);
    Put(&out.result, "AccessKeyLastUsed", std::move(used));
    return out;
}

Outcome ListAttachedUserPolicies(const aws::AwsClient& client,
                                 const JsonValue& json,
                                 const std::string&) {
    Params params(json);
    aws::iam::ListAttachedUserPoliciesRequest request;
    request.user_name = params.String("UserName");
    request.path_prefix = params.String("PathPrefix");
    ActionResult out;
    JsonValue policies = Arr();
    std::optional<aws::ApiError> error = FollowPages(
            "iam:ListAttachedUserPolicies",
            &out.request_ids,
            [&](const std::string& token) {
                request.marker = token;
                return aws::iam::ListAttachedUserPolicies(client, request);
            },
            [&](const aws::iam::ListAttachedUserPoliciesResponse& page) {
                for (const aws::iam::AttachedPolicy& policy : page.attached_policies) {
                    JsonValue item = Obj();
                    PutStr(&item, "PolicyName", policy.policy_name);
                    PutStr(&item, "PolicyArn", policy.policy_arn);
                    policies.items.push_back(std::move(item));
                }
                return page.is_truncated ? page.marker : std::string();
            });
    if (error)
        return *error;
    out.result = Obj();
    Put(&out.result, "AttachedPolicies", std::move(policies));
    return out;
}

Outcome DeleteLoginProfile(const aws::AwsClient& client,
                           const JsonValue& json,
                           const std::string&) {
    Params params(json);
    std::string user = params.String("UserName");
    auto reply = aws::iam::DeleteLoginProfile(client, {user});
    if (!reply) {
        if (reply.error().code == "NoSuchEntity") {
            ActionResult out = Done(Obj(), reply.error().request_id);
            out.already_done = true;
            out.note = "user " + user + " has no console password: " + reply.error().message;
            return out;
        }
        return reply.error();
    }
    return Done(Obj(), reply->request_id);
}

// ---- S3 ----------------------------------------------------------------------------------------

Outcome GetBucketPolicy(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    auto reply = aws::s3::GetBucketPolicy(client, {params.String("Bucket")});
    if (!reply)
        return reply.error();
    ActionResult out = Done(Obj(), reply->request_id);
    Put(&out.result, "Policy", Str(reply->policy));
    return out;
}

Outcome DeleteBucketPolicy(const aws::AwsClient& client,
                           const JsonValue& json,
                           const std::string&) {
    Params params(json);
    auto reply = aws::s3::DeleteBucketPolicy(client, {params.String("Bucket")});
    if (!reply)
        return reply.error();
    return Done(Obj(), reply->request_id);
}

Outcome PutBucketPolicy(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    const JsonValue* policy = params.Get("Policy");
    aws::s3::PutBucketPolicyRequest request;
    request.bucket = params.String("Bucket");
    if (policy != nullptr && policy->is_object())
        request.policy = event::ToJson(*policy);
    else if (policy != nullptr && policy->is_string())
        request.policy = policy->text;
    else
        return ParamError("s3:PutBucketPolicy",
                          "parameter 'Policy': expected a policy document (an object or its JSON "
                          "text), got " +
                                  std::string(policy ? JsonTypePhrase(*policy) : "nothing"));
    auto reply = aws::s3::PutBucketPolicy(client, request);
    if (!reply)
        return reply.error();
    return Done(Obj(), reply->request_id);
}

Outcome GetBucketPublicAccessBlock(const aws::AwsClient& client,
                                   const JsonValue& json,
                                   const std::string&) {
    Params params(json);
    auto reply = aws::s3::GetPublicAccessBlock(client, {params.String("Bucket")});
    if (!reply)
        return reply.error();
    JsonValue config = Obj();
    Put(&config, "BlockPublicAcls", Bool(reply->block_public_acls));
    Put(&config, "IgnorePublicAcls", Bool(reply->ignore_public_acls));
    Put(&config, "BlockPublicPolicy", Bool(reply->block_public_policy));
    Put(&config, "RestrictPublicBuckets", Bool(reply->restrict_public_buckets));
    ActionResult out = Done(Obj(), reply->request_id);
    Put(&out.result, "PublicAccessBlockConfiguration", std::move(config));
    return out;
}

Outcome DeleteBucketPublicAccessBlock(const aws::AwsClient& client,
                                      const JsonValue& json,
                                      const std::string&) {
    Params params(json);
    auto reply = aws::s3::DeletePublicAccessBlock(client, {params.String("Bucket")});
    if (!reply)
        return reply.error();
    return Done(Obj(), reply->request_id);
}

Outcome PutBucketPublicAccessBlock(const aws::AwsClient& client,
                                   const JsonValue& json,
                                   const std::string&) {
    constexpr std::string_view kAction = "s3:PutBucketPublicAccessBlock";
    Params params(json);
    const JsonValue* config = params.Get("PublicAccessBlockConfiguration");
    if (config == nullptr || !config->is_object())
        return ParamError(kAction,
                          "parameter 'PublicAccessBlockConfiguration': expected an object of "
                          "booleans");
    aws::s3::PutPublicAccessBlockRequest request;
    request.bucket = params.String("Bucket");
    // As in the API, a setting left out is false.
    std::pair<const char*, bool*> fields[] = {
            {"BlockPublicAcls", &request.block_public_acls},
            {"IgnorePublicAcls", &request.ignore_public_acls},
            {"BlockPublicPolicy", &request.block_public_policy},
            {"RestrictPublicBuckets", &request.restrict_public_buckets},
    };
    for (auto& [name, field] : fields)
        *field = false;
    // Not a structured binding: clang 14 cannot capture those in the lambda below.
    for (const auto& member : config->members) {
        const std::string& name = member.first;
        const JsonValue& value = member.second;
        auto field = std::find_if(std::begin(fields), std::end(fields), [&](const auto& f) {
            return name == f.first;
        });
        if (field == std::end(fields))
            return ParamError(kAction,
                              "parameter 'PublicAccessBlockConfiguration': unknown "
                              "member '" +
                                      name +
                                      "' (BlockPublicAcls, IgnorePublicAcls, "
                                      "BlockPublicPolicy, RestrictPublicBuckets)");
        if (value.type != JsonValue::Type::kBool)
            return ParamError(kAction,
                              "parameter 'PublicAccessBlockConfiguration': '" + name +
                                      "' must be a boolean, got " +
                                      std::string(JsonTypePhrase(value)));
        *field->second = value.boolean;
    }
    auto reply = aws::s3::PutPublicAccessBlock(client, request);
    if (!reply)
        return reply.error();
    return Done(Obj(), reply->request_id);
}

// ---- SSM ---------------------------------------------------------------------------------------

// SSM's limit on a command's Comment.
constexpr size_t kMaxCommentLength = 100;

// "<comment> [firebreak:<key>]", the comment cut (at a UTF-8 boundary) so the whole fits.
std::string CommentWithKey(const std::string& comment, const std::string& key) {
    std::string marker = "[firebreak:" + key + "]";
    if (comment.empty())
        return marker.substr(0, kMaxCommentLength);
    size_t room = marker.size() + 1 < kMaxCommentLength ? kMaxCommentLength - marker.size() - 1 : 0;
    std::string head = comment.substr(0, std::min(room, comment.size()));
    while (!head.empty() && head.size() < comment.size() &&
           (static_cast<unsigned char>(comment[head.size()]) & 0xC0) == 0x80) {
        head.pop_back();  // do not split a UTF-8 sequence
    }
    if (head.empty())
        return marker.substr(0, kMaxCommentLength);
    return head + " " + marker;
}

JsonValue CommandJson(const aws::ssm::Command& command) {
    JsonValue out = Obj();
    PutStr(&out, "CommandId", command.command_id);
    PutStr(&out, "DocumentName", command.document_name);
    PutStr(&out, "DocumentVersion", command.document_version);
    PutStr(&out, "Comment", command.comment);
    PutTime(&out, "ExpiresAfter", command.expires_after);
    JsonValue parameters = Obj();
    for (const auto& [name, values] : command.parameters)
        Put(&parameters, name, StrList(values));
    Put(&out, "Parameters", std::move(parameters));
    Put(&out, "InstanceIds", StrList(command.instance_ids));
    PutTime(&out, "RequestedDateTime", command.requested_date_time);
    PutStr(&out, "Status", command.status);
    PutStr(&out, "StatusDetails", command.status_details);
    Put(&out, "TargetCount", Int(command.target_count));
    Put(&out, "CompletedCount", Int(command.completed_count));
    Put(&out, "ErrorCount", Int(command.error_count));
    PutInt(&out, "TimeoutSeconds", command.timeout_seconds);
    return out;
}

Outcome SendCommand(const aws::AwsClient& client, const JsonValue& json, const std::string& key) {
    constexpr std::string_view kAction = "ssm:SendCommand";
    Params params(json);
    aws::ssm::SendCommandRequest request;
    request.instance_ids = params.Strings("InstanceIds");
    request.document_name = params.String("DocumentName");
    if (request.instance_ids.empty())
        return ParamError(kAction, "parameter 'InstanceIds': the list is empty");
    if (const JsonValue* parameters = params.Get("Parameters")) {
        if (!parameters->is_object())
            return ParamError(kAction,
                              "parameter 'Parameters': expected an object of string "
                              "lists, got " +
                                      std::string(JsonTypePhrase(*parameters)));
        for (const auto& [name, value] : parameters->members) {
            std::optional<std::vector<std::string>> values = JsonStrings(value);
            if (!values)
                return ParamError(kAction,
                                  "parameter 'Parameters': '" + name +
                                          "' must be a list of strings, got " +
                                          std::string(JsonTypePhrase(value)));
            request.parameters[name] = std::move(*values);
        }
    }
    if (std::optional<int64_t> timeout = params.Int("TimeoutSeconds")) {
        if (*timeout < 30 || *timeout > 2592000)
            return ParamError(kAction, "parameter 'TimeoutSeconds': must be 30..2592000");
        request.timeout_seconds = static_cast<int>(*timeout);
    }
    request.comment = params.String("Comment");
    if (!key.empty())
        request.comment = CommentWithKey(request.comment, key);
    ActionResult out;
    if (!key.empty()) {
        // An earlier attempt with this key sent a command whose comment carries the key: find it
        // (newest first, on the first instance) instead of running the script again.
        aws::ssm::ListCommandsRequest lookup;
        lookup.instance_id = request.instance_ids[0];
        std::optional<aws::ssm::Command> earlier;
        std::optional<aws::ApiError> error = FollowPages(
                "ssm:ListCommands",
                &out.request_ids,
                [&](const std::string& token) {
                    lookup.next_token = token;
                    return aws::ssm::ListCommands(client, lookup);
                },
                [&](const aws::ssm::ListCommandsResponse& page) {
                    for (const aws::ssm::Command& command : page.commands) {
                        if (!earlier && command.comment == request.comment)
                            earlier = command;
                    }
                    return earlier ? std::string() : page.next_token;
                });
        if (error)
            return *error;
        if (earlier) {
            out.already_done = true;
            out.note = "command " + earlier->command_id + " from an earlier attempt";
            out.result = Obj();
            Put(&out.result, "Command", CommandJson(*earlier));
            return out;
        }
    }
    auto reply = aws::ssm::SendCommand(client, request);
    if (!reply)
        return reply.error();
    out.request_ids.push_back(reply->request_id);
    out.result = Obj();
    Put(&out.result, "Command", CommandJson(reply->command));
    return out;
}

// ---- SNS, STS ----------------------------------------------------------------------------------

Outcome ListCommands(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    aws::ssm::ListCommandsRequest request;
    request.command_id = params.String("CommandId");
    request.instance_id = params.String("InstanceId");
    ActionResult out;
    JsonValue commands = Arr();
    std::optional<aws::ApiError> error = FollowPages(
            "ssm:ListCommands",
            &out.request_ids,
            [&](const std::string& token) {
                request.next_token = token;
                return aws::ssm::ListCommands(client, request);
            },
            [&](const aws::ssm::ListCommandsResponse& page) {
                for (const aws::ssm::Command& command : page.commands)
                    commands.items.push_back(CommandJson(command));
                return page.next_token;
            });
    if (error)
        return *error;
    out.result = Obj();
    Put(&out.result, "Commands", std::move(commands));
    return out;
}

Outcome Publish(const aws::AwsClient& client, const JsonValue& json, const std::string&) {
    Params params(json);
    aws::sns::PublishRequest request;
    request.topic_arn = params.String("TopicArn");
    request.subject = params.String("Subject");
    request.message = params.String("Message");
    auto reply = aws::sns::Publish(client, request);
    if (!reply)
        return reply.error();
    ActionResult out = Done(Obj(), reply->request_id);
    PutStr(&out.result, "MessageId", reply->message_id);
    return out;
}

Outcome GetCallerIdentity(const aws::AwsClient& client, const JsonValue&, const std::string&) {
    auto reply = aws::sts::GetCallerIdentity(client);
    if (!reply)
        return reply.error();
    ActionResult out = Done(Obj(), reply->request_id);
    PutStr(&out.result, "UserId", reply->user_id);
    PutStr(&out.result, "Account", reply->account);
    PutStr(&out.result, "Arn", reply->arn);
    return out;
}

}  // namespace

void AddOtherActions(ActionRegistry* registry) {
    using T = ParamType;
    // Auto Scaling
    registry->Add(MakeAction("autoscaling:DescribeAutoScalingInstances",
                             "Which Auto Scaling group each instance belongs to (every page).",
                             kReads,
                             {Param("InstanceIds", T::kStringList, kOptional, "instance ids")},
                             {},
                             DescribeAutoScalingInstances));
    registry->Add(MakeAction(
            "autoscaling:DetachInstances",
            "Detach instances from their Auto Scaling group; instances no longer in the group "
            "are left out, and none left is already done.",
            kMutates,
            {Param("InstanceIds", T::kStringList, kRequired, "instance ids"),
             Param("AutoScalingGroupName", T::kString, kRequired, "the group"),
             Param("ShouldDecrementDesiredCapacity",
                   T::kBool,
                   kRequired,
                   "false: the group launches a replacement")},
            {"InstanceIds"},
            DetachInstances));
    // Elastic Load Balancing
    registry->Add(MakeAction(
            "elasticloadbalancing:DescribeLoadBalancers",
            "Classic load balancers (the 2012-06-01 API, not ELBv2) and their instances.",
            kReads,
            {Param("LoadBalancerNames", T::kStringList, kOptional, "names (all when absent)")},
            {},
            DescribeLoadBalancers));
    registry->Add(MakeAction(
            "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
            "Take instances out of a classic load balancer.",
            kMutates,
            {Param("LoadBalancerName", T::kString, kRequired, "the classic load balancer"),
             Param("Instances", T::kJson, kOptional, "[{InstanceId}]"),
             Param("InstanceIds", T::kStringList, kOptional, "instance ids (shorthand)")},
            {"LoadBalancerName"},
            DeregisterInstancesFromLoadBalancer));
    registry->Add(
            MakeAction("elasticloadbalancing:DescribeTargetHealth",
                       "The targets of an ALB/NLB target group and their health.",
                       kReads,
                       {Param("TargetGroupArn", T::kString, kRequired, "the target group"),
                        Param("Targets", T::kJson, kOptional, "[{Id, Port}] (all when absent)")},
                       {},
                       DescribeTargetHealth));
    registry->Add(MakeAction(
            "elasticloadbalancing:DescribeTargetGroups",
            "ALB/NLB target groups (every page): all in the region, or by ARN, name or load "
            "balancer.",
            kReads,
            {Param("TargetGroupArns", T::kStringList, kOptional, "target group ARNs"),
             Param("Names", T::kStringList, kOptional, "target group names"),
             Param("LoadBalancerArn", T::kString, kOptional, "the groups of this load balancer")},
            {},
            DescribeTargetGroups));
    registry->Add(MakeAction(
            "elasticloadbalancing:DeregisterTargets",
            "Take targets out of an ALB/NLB target group; already done when none is registered.",
            kMutates,
            {Param("TargetGroupArn", T::kString, kRequired, "the target group"),
             Param("Targets", T::kJson, kRequired, "[{Id, Port}]")},
            {"TargetGroupArn"},
            DeregisterTargets));
    // CloudTrail
    registry->Add(MakeAction("cloudtrail:StartLogging",
                             "Start a trail's logging; already done when it is logging.",
                             kMutates,
                             {Param("Name", T::kString, kRequired, "trail name or ARN")},
                             {"Name"},
                             StartLogging));
    registry->Add(MakeAction("cloudtrail:GetTrailStatus",
                             "Whether a trail is logging.",
                             kReads,
                             {Param("Name", T::kString, kRequired, "trail name or ARN")},
                             {},
                             GetTrailStatus));
    registry->Add(MakeAction(
            "cloudtrail:DescribeTrails",
            "The trails of the region (result member trailList).",
            kReads,
            {Param("TrailNameList", T::kStringList, kOptional, "names or ARNs (all when absent)"),
             Param("IncludeShadowTrails",
                   T::kBool,
                   kOptional,
                   "include multi-region trails of other regions")},
            {},
            DescribeTrails));
    registry->Add(MakeAction(
            "cloudtrail:CreateTrail",
            "Create a trail (it logs after cloudtrail:StartLogging). Idempotent: a trail with "
            "that name is returned instead.",
            kMutates,
            {Param("Name", T::kString, kRequired, "trail name"),
             Param("S3BucketName", T::kString, kRequired, "delivery bucket"),
             Param("S3KeyPrefix", T::kString, kOptional, "key prefix"),
             Param("IsMultiRegionTrail", T::kBool, kOptional, "every region"),
             Param("IncludeGlobalServiceEvents", T::kBool, kOptional, "IAM, STS... (default true)"),
             Param("EnableLogFileValidation", T::kBool, kOptional, "digest files"),
             Param("CloudWatchLogsLogGroupArn", T::kString, kOptional, "log group"),
             Param("CloudWatchLogsRoleArn", T::kString, kOptional, "role for the log group"),
             Param("KmsKeyId", T::kString, kOptional, "SSE-KMS key")},
            {"Name"},
            CreateTrail));
    registry->Add(MakeAction("cloudtrail:GetEventSelectors",
                             "A trail's classic event selectors.",
                             kReads,
                             {Param("TrailName", T::kString, kRequired, "trail name or ARN")},
                             {},
                             GetEventSelectors));
    registry->Add(MakeAction(
            "cloudtrail:PutEventSelectors",
            "Replace a trail's classic event selectors.",
            kMutates,
            {Param("TrailName", T::kString, kRequired, "trail name or ARN"),
             Param("EventSelectors",
                   T::kJson,
                   kRequired,
                   "[{ReadWriteType, IncludeManagementEvents, DataResources[{Type, Values}], "
                   "ExcludeManagementEventSources}]")},
            {"TrailName"},
            PutEventSelectors));
    registry->Add(MakeAction(
            "cloudtrail:LookupEvents",
            "Search the 90-day management event history (every page up to MaxResults).",
            kReads,
            {Param("LookupAttributes",
                   T::kJson,
                   kOptional,
                   "[{AttributeKey, AttributeValue}] (CloudTrail takes one)"),
             Param("StartTime", T::kString, kOptional, "ISO-8601"),
             Param("EndTime", T::kString, kOptional, "ISO-8601"),
             Param("MaxResults", T::kInt, kOptional, "total events returned, default 1000")},
            {},
            LookupEvents));
    // IAM
    registry->Add(MakeAction(
            "iam:UpdateAccessKey",
            "Activate or deactivate an access key.",
            kMutates,
            {Param("UserName", T::kString, kOptional, "the key's user (the caller when absent)"),
             Param("AccessKeyId", T::kString, kRequired, "the key"),
             Param("Status", T::kString, kRequired, "Active | Inactive")},
            {"AccessKeyId"},
            UpdateAccessKey));
    registry->Add(MakeAction(
            "iam:ListAccessKeys",
            "A user's access keys (every page).",
            kReads,
            {Param("UserName", T::kString, kOptional, "the user (the caller when absent)")},
            {},
            ListAccessKeys));
    registry->Add(MakeAction("iam:GetAccessKeyLastUsed",
                             "Who owns an access key, and when, where and for which service it "
                             "was last used.",
                             kReads,
                             {Param("AccessKeyId", T::kString, kRequired, "the key")},
                             {},
                             GetAccessKeyLastUsed));
    registry->Add(MakeAction("iam:ListAttachedUserPolicies",
                             "The managed policies attached to a user.",
                             kReads,
                             {Param("UserName", T::kString, kRequired, "the user"),
                              Param("PathPrefix", T::kString, kOptional, "policy path prefix")},
                             {},
                             ListAttachedUserPolicies));
    registry->Add(MakeAction("iam:DeleteLoginProfile",
                             "Remove a user's console password; already done when there is none.",
                             kMutates,
                             {Param("UserName", T::kString, kRequired, "the user")},
                             {"UserName"},
                             DeleteLoginProfile));
    // S3
    registry->Add(
            MakeAction("s3:GetBucketPolicy",
                       "A bucket's policy text (NoSuchBucketPolicy is an error: there is none).",
                       kReads,
                       {Param("Bucket", T::kString, kRequired, "the bucket")},
                       {},
                       GetBucketPolicy));
    registry->Add(MakeAction("s3:DeleteBucketPolicy",
                             "Remove a bucket's policy.",
                             kMutates,
                             {Param("Bucket", T::kString, kRequired, "the bucket")},
                             {"Bucket"},
                             DeleteBucketPolicy));
    registry->Add(MakeAction("s3:PutBucketPolicy",
                             "Replace a bucket's policy.",
                             kMutates,
                             {Param("Bucket", T::kString, kRequired, "the bucket"),
                              Param("Policy",
                                    T::kJson,
                                    kRequired,
                                    "the policy document, as an object or as JSON text")},
                             {"Bucket"},
                             PutBucketPolicy));
    registry->Add(MakeAction(
            "s3:GetBucketPublicAccessBlock",
            "A bucket's public access block (NoSuchPublicAccessBlockConfiguration: none).",
            kReads,
            {Param("Bucket", T::kString, kRequired, "the bucket")},
            {},
            GetBucketPublicAccessBlock));
    registry->Add(MakeAction("s3:DeleteBucketPublicAccessBlock",
                             "Remove a bucket's public access block.",
                             kMutates,
                             {Param("Bucket", T::kString, kRequired, "the bucket")},
                             {"Bucket"},
                             DeleteBucketPublicAccessBlock));
    registry->Add(MakeAction(
            "s3:PutBucketPublicAccessBlock",
            "Set a bucket's public access block (settings left out are false, as in the API).",
            kMutates,
            {Param("Bucket", T::kString, kRequired, "the bucket"),
             Param("PublicAccessBlockConfiguration",
                   T::kJson,
                   kRequired,
                   "{BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, "
                   "RestrictPublicBuckets}")},
            {"Bucket"},
            PutBucketPublicAccessBlock));
    // SSM
    registry->Add(MakeAction(
            "ssm:SendCommand",
            "Run an SSM document on instances. The comment carries [firebreak:<key>]; a command "
            "an earlier attempt sent with the same key (ListCommands) is already done.",
            kMutates,
            {Param("InstanceIds", T::kStringList, kRequired, "instance ids"),
             Param("DocumentName", T::kString, kRequired, "\"AWS-RunShellScript\""),
             Param("Parameters", T::kJson, kOptional, "{name: [values]}"),
             Param("Comment", T::kString, kOptional, "free text (the key is appended)"),
             Param("TimeoutSeconds", T::kInt, kOptional, "delivery timeout, 30..2592000")},
            {"InstanceIds"},
            SendCommand));
    registry->Add(MakeAction("ssm:ListCommands",
                             "Commands sent with Run Command, newest first (every page).",
                             kReads,
                             {Param("CommandId", T::kString, kOptional, "one command"),
                              Param("InstanceId", T::kString, kOptional, "commands sent to it")},
                             {},
                             ListCommands));
    // SNS, STS
    registry->Add(MakeAction("sns:Publish",
                             "Publish a message to a topic.",
                             kMutates,
                             {Param("TopicArn", T::kString, kRequired, "the topic"),
                              Param("Subject", T::kString, kOptional, "subject (email endpoints)"),
                              Param("Message", T::kString, kRequired, "the message")},
                             {"TopicArn"},
                             Publish));
    registry->Add(MakeAction("sts:GetCallerIdentity",
                             "Who the credentials belong to.",
                             kReads,
                             {},
                             {},
                             GetCallerIdentity));
}

}  // namespace firebreak::response::action_internal
