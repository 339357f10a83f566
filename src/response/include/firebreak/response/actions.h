// File: actions.h
//
// The AWS actions a playbook step can call, by their IAM action name ("ec2:CreateSnapshot").
// Each ActionDef declares its parameters (named and shaped as in the AWS API reference and the
// AWS CLI's JSON input: InstanceIds, Filters[{Name, Values}], Tags[{Key, Value}]), whether it
// changes anything, and which parameters name the resources it acts on (for blast-radius
// guards). Execute() converts the JSON parameters to the typed request of src/aws, calls it and
// converts the typed response back to JSON in the AWS CLI's output shape (PascalCase members as
// in the API reference: Reservations[].Instances[].BlockDeviceMappings[].Ebs.VolumeId), so
// playbooks read results the way responders already read `aws ... --output json`.
//
// Idempotency ("safe to run multiple times in an unknown state"): every call gets an
// `idempotency_key` unique to the run, step and for-each item. Actions whose repetition would
// duplicate something look first for what an earlier attempt made and return it with
// `already_done` set instead of making another:
//   ec2:CreateSnapshot     a snapshot of the volume tagged firebreak:idempotency-key=<key>
//   ec2:CreateSecurityGroup  a group with that name in that VPC (the key is tagged on creation)
//   ssm:SendCommand        a command whose Comment carries the key (ListCommands)
//   cloudtrail:CreateTrail a trail with that name
// The rest are idempotent in AWS itself (setting an attribute, tagging, deactivating a key) or
// report already_done from what AWS says or a check made first: ec2:StopInstances /
// TerminateInstances when every instance already was stopped / terminated (PreviousState),
// ec2:RevokeSecurityGroupIngress/Egress when AWS knew none of the rules (UnknownIpPermissions or
// InvalidPermission.NotFound), ec2:AuthorizeSecurityGroupIngress of a single rule that exists
// (InvalidPermission.Duplicate), autoscaling:DetachInstances when the instances are no longer in
// the group (DescribeAutoScalingInstances first; only the remaining ones are detached),
// elasticloadbalancing:DeregisterTargets when no target is registered (DescribeTargetHealth
// first), cloudtrail:StartLogging when the trail is logging (GetTrailStatus first),
// iam:DeleteLoginProfile when there is no password (NoSuchEntity). An empty idempotency_key
// turns the look-ups by key off (CreateSecurityGroup still finds a group by name).
//
// Names: ELB classic and v2 share the IAM prefix elasticloadbalancing; the classic API's
// DescribeLoadBalancers is "elasticloadbalancing:DescribeLoadBalancers" (its result is the classic
// LoadBalancerDescriptions), the v2 calls keep their own names (DescribeTargetGroups,
// DescribeTargetHealth, DeregisterTargets).
//
// Errors: Execute() first checks the parameters (ValidateParams, then the nested shapes such as
// IpPermissions) and refuses bad ones with an ApiError whose code is "InvalidParameter" and whose
// message names the parameter, before any call. AWS errors are returned unchanged (code, message,
// request id): a missing instance is AWS's InvalidInstanceID.NotFound, a bucket without a policy
// NoSuchBucketPolicy. Execute never crashes on odd JSON.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/aws/error.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::response {

enum class ParamType : uint8_t {
    kString,
    kStringList,  // a list of strings; a single string is accepted as a list of one
    kBool,        // a JSON boolean
    kInt,         // a JSON number without fraction or exponent
    kTags,        // [{Key, Value}] or a {key: value} map of strings
    kFilters,     // [{Name, Values}]; Values may be a single string
    kJson,        // any JSON, checked by the action (IpPermissions, Targets, Parameters...)
};

std::string_view ParamTypeName(ParamType type);

struct ActionParam {
    std::string name;
    ParamType type = ParamType::kString;
    bool required = false;
    std::string description;
};

struct ActionResult {
    event::JsonValue result;               // AWS CLI output shape; {} for calls without output
    std::vector<std::string> request_ids;  // every AWS request id the action made, in order
    bool already_done = false;  // nothing changed: an earlier attempt or AWS state had it
    std::string note;           // e.g. "snapshot snap-... from an earlier attempt"
};

struct ActionDef {
    std::string name;  // "ec2:CreateSnapshot"
    std::string description;
    bool mutates = false;
    std::vector<ActionParam> params;
    // Parameters naming the resources acted on (their values are counted, distinct, against a
    // playbook's max-resources): "InstanceId", "InstanceIds", "GroupId", "Bucket", "AccessKeyId".
    std::vector<std::string> target_params;
    std::function<aws::Outcome<ActionResult>(const aws::AwsClient& client,
                                             const event::JsonValue& params,
                                             const std::string& idempotency_key)>
            execute;
};

// Checks `params` (an object; null counts as {}) against `def`: unknown parameters (with the
// closest known name when one is near: "unknown parameter 'InstanceID' (did you mean
// 'InstanceIds'?)"), missing required ones, and values of the wrong type ("parameter
// 'InstanceIds': expected a list of strings, got a number"). A member whose value is null counts
// as absent. One message per problem; empty when valid.
std::vector<std::string> ValidateParams(const ActionDef& def, const event::JsonValue& params);

class ActionRegistry {
public:
    // Every built-in action. Thread-safe, built once.
    static const ActionRegistry& Builtin();

    const ActionDef* Find(std::string_view name) const;  // nullptr when unknown

    const std::vector<ActionDef>& actions() const { return actions_; }

    // Tests register fakes. An action of the same name is replaced.
    void Add(ActionDef def);

private:
    std::vector<ActionDef> actions_;
};

// The resources named by `def.target_params` in `params`, as "<param>=<value>" strings, distinct,
// in order (a string list gives one per item). Values that are not strings are left out.
std::vector<std::string> ActionTargets(const ActionDef& def, const event::JsonValue& params);

}  // namespace firebreak::response
