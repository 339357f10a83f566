// File: handlers_ec2.cpp
//
// EC2 handlers: the calls incident response makes to find, isolate, preserve and stop instances
// (DescribeInstances, ModifyInstanceAttribute, StopInstances, RunInstances, DescribeVolumes,
// CreateSnapshot, CreateTags, CreateSecurityGroup, DescribeSecurityGroups, Authorize/Revoke
// security group rules). Replies follow EC2's XML (../shared/notes/aws-wire-protocols.md 1.4),
// errors its codes (1.5), and CloudTrail records mirror the XML names with `…Set.items[]` (2.3).
//
// Every handler validates its parameters, authorizes (`ec2:<Op>` on the resource's ARN, or "*"
// for Describe* calls, which have no resource-level permissions), then looks resources up in the
// caller's account and region and acts. Authorization comes before the lookups, so a caller
// without permission learns nothing about which ids exist.
//
// The world keeps IPv6 rule ranges in IpPermission::ipv4_ranges (an IPv6 CIDR contains ':'),
// since the model has one list of ranges per permission; replies split them again.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "call.h"

namespace firebreak::sandbox {
namespace {

using TagList = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kSensitive = "<sensitiveDataRemoved>";

// ---------------------------------------------------------------------------------------------
// Builders

std::string Xml(std::string_view name, std::string_view text) {
    std::string out;
    out.reserve(name.size() * 2 + text.size() + 5);
    out += '<';
    out += name;
    out += '>';
    out += XmlText(text);
    out += "</";
    out += name;
    out += '>';
    return out;
}

// `inner` is already XML; an empty one becomes <name/>.
std::string XmlRaw(std::string_view name, std::string_view inner) {
    std::string out = "<" + std::string(name);
    if (inner.empty())
        return out + "/>";
    return out + ">" + std::string(inner) + "</" + std::string(name) + ">";
}

std::string BoolText(bool value) {
    return value ? "true" : "false";
}

std::string EpochMillis(Timestamp t) {
    return std::to_string(t.time_since_epoch().count());
}

// Compact JSON object, keys in insertion order.
class JsonObject {
public:
    JsonObject& Str(std::string_view key, std::string_view value) {
        return Raw(key, JsonText(value));
    }

    JsonObject& Int(std::string_view key, int64_t value) { return Raw(key, std::to_string(value)); }

    JsonObject& Bool(std::string_view key, bool value) { return Raw(key, BoolText(value)); }

    JsonObject& Raw(std::string_view key, std::string_view json) {
        if (!body_.empty())
            body_ += ',';
        body_ += JsonText(key);
        body_ += ':';
        body_ += json;
        return *this;
    }

    std::string Build() const { return "{" + body_ + "}"; }

private:
    std::string body_;
};

// EC2's CloudTrail list shape: {"items":[...]} or {} when empty.
std::string JsonItems(const std::vector<std::string>& items) {
    if (items.empty())
        return "{}";
    std::string out = "{\"items\":[";
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0)
            out += ',';
        out += items[i];
    }
    return out + "]}";
}

std::string JsonArray(const std::vector<std::string>& items) {
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0)
            out += ',';
        out += items[i];
    }
    return out + "]";
}

// A number when `text` is an integer, else the text as a string (CloudTrail echoes what it got).
std::string JsonNumberOrText(std::string_view text) {
    std::optional<int64_t> value;
    if (!text.empty() && text.size() < 12) {
        size_t i = text[0] == '-' ? 1 : 0;
        bool digits = i < text.size();
        int64_t n = 0;
        for (; i < text.size() && digits; ++i) {
            if (text[i] < '0' || text[i] > '9') {
                digits = false;
            } else {
                n = n * 10 + (text[i] - '0');
            }
        }
        if (digits)
            value = text[0] == '-' ? -n : n;
    }
    return value ? std::to_string(*value) : JsonText(text);
}

std::string TagSetXml(const Tags& tags) {
    if (tags.empty())
        return "";
    std::string items;
    for (const auto& [key, value] : tags) {
        items += "<item>" + Xml("key", key) + Xml("value", value) + "</item>";
    }
    return XmlRaw("tagSet", items);
}

std::string TagItemsJson(const TagList& tags) {
    std::vector<std::string> items;
    for (const auto& [key, value] : tags) {
        items.push_back(JsonObject().Str("key", key).Str("value", value).Build());
    }
    return JsonItems(items);
}

std::string TagsJson(const Tags& tags) {
    return TagItemsJson(TagList(tags.begin(), tags.end()));
}

// ---------------------------------------------------------------------------------------------
// Parameters

std::optional<int64_t> ParseInt(std::string_view text) {
    if (text.empty() || text.size() > 18)
        return std::nullopt;
    size_t i = text[0] == '-' ? 1 : 0;
    if (i == text.size())
        return std::nullopt;
    int64_t n = 0;
    for (; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9')
            return std::nullopt;
        n = n * 10 + (text[i] - '0');
    }
    return text[0] == '-' ? -n : n;
}

std::optional<bool> ParseBool(std::string_view text) {
    if (text == "true" || text == "True" || text == "TRUE")
        return true;
    if (text == "false" || text == "False" || text == "FALSE")
        return false;
    return std::nullopt;
}

bool IsTrue(const Call& call, std::string_view name) {
    const std::string* value = call.params.Get(name);
    return value != nullptr && ParseBool(*value).value_or(false);
}

void FailMissing(Call& call, std::string_view name) {
    call.Fail("MissingParameter", "The request must contain the parameter " + std::string(name));
}

// Validates an optional boolean parameter; false when it failed the call.
bool OptionalBool(Call& call, std::string_view name, std::optional<bool>* out) {
    const std::string* text = call.params.Get(name);
    if (text == nullptr)
        return true;
    *out = ParseBool(*text);
    if (!*out) {
        call.Fail("InvalidParameterValue",
                  "Value (" + *text + ") for parameter " + std::string(name) +
                          " is invalid. Expected: 'true' or 'false'.");
        return false;
    }
    return true;
}

// After a successful authorization: answers a DryRun request as AWS does. True when it did.
bool DryRun(Call& call) {
    if (!IsTrue(call, "DryRun"))
        return false;
    call.Fail("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);
    return true;
}

struct Filter {
    std::string name;
    std::vector<std::string> values;
};

std::vector<Filter> ParseFilters(const FormParams& params) {
    std::vector<Filter> out;
    for (int n : params.Indexes("Filter")) {
        std::string prefix = "Filter." + std::to_string(n);
        out.push_back({params.GetOr(prefix + ".Name", ""), params.List(prefix + ".Value")});
    }
    return out;
}

std::string FiltersJson(const std::vector<Filter>& filters) {
    std::vector<std::string> items;
    for (const Filter& f : filters) {
        std::vector<std::string> values;
        for (const std::string& v : f.values)
            values.push_back(JsonObject().Str("value", v).Build());
        items.push_back(
                JsonObject().Str("name", f.name).Raw("valueSet", JsonItems(values)).Build());
    }
    return JsonItems(items);
}

// EC2 filter values accept '*' (any run) and '?' (one character); '\' escapes either.
bool GlobMatch(std::string_view pattern, std::string_view text) {
    size_t p = 0;
    size_t t = 0;
    size_t star = std::string_view::npos;
    size_t star_text = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            star_text = t;
            continue;
        }
        if (p < pattern.size()) {
            bool escaped = pattern[p] == '\\' && p + 1 < pattern.size();
            char want = escaped ? pattern[p + 1] : pattern[p];
            if ((!escaped && want == '?') || want == text[t]) {
                p += escaped ? 2 : 1;
                ++t;
                continue;
            }
        }
        if (star == std::string_view::npos)
            return false;
        p = star + 1;
        t = ++star_text;
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

// Whether a resource whose filter field has `values` matches a filter.
bool FilterMatches(const Filter& filter, const std::vector<std::string>& values) {
    for (const std::string& want : filter.values) {
        for (const std::string& have : values) {
            if (GlobMatch(want, have))
                return true;
        }
    }
    return false;
}

// Adds the tag filters' values of `tags`; false when `name` is no tag filter.
bool TagFilterValues(const Tags& tags, std::string_view name, std::vector<std::string>* out) {
    if (name.starts_with("tag:")) {
        auto it = tags.find(std::string(name.substr(4)));
        if (it != tags.end())
            out->push_back(it->second);
        return true;
    }
    if (name == "tag-key") {
        for (const auto& entry : tags)
            out->push_back(entry.first);
        return true;
    }
    if (name == "tag-value") {
        for (const auto& entry : tags)
            out->push_back(entry.second);
        return true;
    }
    return false;
}

// `values(resource, name, out)` fills the field's values and is false for an unknown filter.
template <typename Resource, typename ValuesFn>
bool CheckFilterNames(Call& call, const std::vector<Filter>& filters, ValuesFn values) {
    Resource probe;
    for (const Filter& f : filters) {
        std::vector<std::string> ignored;
        if (f.name.empty()) {
            FailMissing(call, "Filter.N.Name");
            return false;
        }
        if (!values(probe, f.name, &ignored)) {
            call.Fail("InvalidParameterValue", "The filter '" + f.name + "' is invalid");
            return false;
        }
    }
    return true;
}

template <typename Resource, typename ValuesFn>
bool MatchesAll(const Resource& resource, const std::vector<Filter>& filters, ValuesFn values) {
    for (const Filter& f : filters) {
        std::vector<std::string> have;
        values(resource, f.name, &have);
        if (!FilterMatches(f, have))
            return false;
    }
    return true;
}

// MaxResults / NextToken over `total` items: [*begin, *end) and the next page's token.
bool Paginate(Call& call,
              size_t total,
              int64_t min,
              int64_t max,
              size_t* begin,
              size_t* end,
              std::string* next_token) {
    *begin = 0;
    *end = total;
    const std::string* token = call.params.Get("NextToken");
    if (token != nullptr && !token->empty()) {
        std::optional<int64_t> offset;
        if (token->starts_with("fbp1-"))
            offset = ParseInt(std::string_view(*token).substr(5));
        if (!offset || *offset < 0 || static_cast<size_t>(*offset) > total) {
            call.Fail("InvalidParameterValue", "Invalid value '" + *token + "' for nextToken");
            return false;
        }
        *begin = static_cast<size_t>(*offset);
    }
    const std::string* max_text = call.params.Get("MaxResults");
    if (max_text != nullptr) {
        std::optional<int64_t> max_results = ParseInt(*max_text);
        if (!max_results || *max_results < min || *max_results > max) {
            call.Fail("InvalidParameterValue",
                      "Value ( " + *max_text +
                              " ) for parameter maxResults is invalid. Expecting a "
                              "value between " +
                              std::to_string(min) + " and " + std::to_string(max) + ".");
            return false;
        }
        *end = std::min(total, *begin + static_cast<size_t>(*max_results));
    }
    if (*end < total)
        *next_token = "fbp1-" + std::to_string(*end);
    return true;
}

// One page of `selected` (MaxResults between 5 and `max`) as <set_name> items plus nextToken.
template <class T, class ToXml>
void ReplyPage(Call& call,
               const std::vector<const T*>& selected,
               int64_t max,
               const char* set_name,
               ToXml to_xml) {
    size_t begin = 0;
    size_t end = 0;
    std::string next_token;
    if (!Paginate(call, selected.size(), 5, max, &begin, &end, &next_token))
        return;
    std::string items;
    for (size_t i = begin; i < end; ++i)
        items += to_xml(*selected[i]);
    std::string reply = XmlRaw(set_name, items);
    if (!next_token.empty())
        reply += Xml("nextToken", next_token);
    call.ReplyEc2(reply);
}

// Tag.N.Key / Tag.N.Value under `prefix` ("Tag", "TagSpecification.1.Tag").
TagList ParseTags(const FormParams& params, const std::string& prefix) {
    TagList out;
    for (int n : params.Indexes(prefix)) {
        std::string item = prefix + "." + std::to_string(n);
        out.emplace_back(params.GetOr(item + ".Key", ""), params.GetOr(item + ".Value", ""));
    }
    return out;
}

bool CheckTags(Call& call, const TagList& tags) {
    for (const auto& [key, value] : tags) {
        if (key.empty()) {
            call.Fail("InvalidParameterValue", "Tag key cannot be empty");
            return false;
        }
        if (key.size() > 128) {
            call.Fail("InvalidParameterValue",
                      "Tag key exceeds the maximum length of 128 characters");
            return false;
        }
        if (value.size() > 256) {
            call.Fail("InvalidParameterValue",
                      "Tag value exceeds the maximum length of 256 characters");
            return false;
        }
        if (key.starts_with("aws:")) {
            call.Fail("InvalidParameterValue",
                      "Tag keys starting with 'aws:' are reserved for internal use");
            return false;
        }
    }
    return true;
}

struct TagSpec {
    std::string resource_type;
    TagList tags;
};

std::vector<TagSpec> ParseTagSpecs(const FormParams& params) {
    std::vector<TagSpec> out;
    for (int n : params.Indexes("TagSpecification")) {
        std::string prefix = "TagSpecification." + std::to_string(n);
        out.push_back(
                {params.GetOr(prefix + ".ResourceType", ""), ParseTags(params, prefix + ".Tag")});
    }
    return out;
}

std::string TagSpecsJson(const std::vector<TagSpec>& specs) {
    std::vector<std::string> items;
    for (const TagSpec& spec : specs) {
        std::vector<std::string> tags;
        for (const auto& [key, value] : spec.tags) {
            tags.push_back(JsonObject().Str("key", key).Str("value", value).Build());
        }
        items.push_back(JsonObject()
                                .Str("resourceType", spec.resource_type)
                                .Raw("tags", JsonArray(tags))
                                .Build());
    }
    return JsonItems(items);
}

// Checks every spec's resource type against `allowed` and its tags; the tags per type.
bool CheckTagSpecs(Call& call,
                   const std::vector<TagSpec>& specs,
                   const std::vector<std::string_view>& allowed,
                   std::map<std::string, Tags>* out) {
    for (const TagSpec& spec : specs) {
        if (std::find(allowed.begin(), allowed.end(), spec.resource_type) == allowed.end()) {
            call.Fail("InvalidParameterValue",
                      "'" + spec.resource_type +
                              "' is not a valid taggable resource type for this operation.");
            return false;
        }
        if (!CheckTags(call, spec.tags))
            return false;
        for (const auto& [key, value] : spec.tags)
            (*out)[spec.resource_type][key] = value;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Ids and lookups

bool WellFormedId(std::string_view id, std::string_view prefix) {
    if (!id.starts_with(prefix))
        return false;
    std::string_view rest = id.substr(prefix.size());
    if (rest.size() != 8 && rest.size() != 17)
        return false;
    return std::all_of(rest.begin(), rest.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
}

// InvalidInstanceID.Malformed and friends; false when it failed the call.
bool CheckIds(Call& call,
              const std::vector<std::string>& ids,
              std::string_view prefix,
              std::string_view code) {
    for (const std::string& id : ids) {
        if (!WellFormedId(id, prefix)) {
            call.Fail(std::string(code),
                      "Invalid id: \"" + id + "\" (expecting \"" + std::string(prefix) + "...\")");
            return false;
        }
    }
    return true;
}

std::string JoinIds(const std::vector<std::string>& ids) {
    std::string out;
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i > 0)
            out += ", ";
        out += ids[i];
    }
    return out;
}

void FailInstancesNotFound(Call& call, const std::vector<std::string>& missing) {
    call.Fail("InvalidInstanceID.NotFound",
              missing.size() == 1 ? "The instance ID '" + missing[0] + "' does not exist"
                                  : "The instance IDs '" + JoinIds(missing) + "' do not exist");
}

void FailVolumesNotFound(Call& call, const std::vector<std::string>& missing) {
    call.Fail("InvalidVolume.NotFound",
              missing.size() == 1 ? "The volume '" + missing[0] + "' does not exist."
                                  : "The volumes '" + JoinIds(missing) + "' do not exist.");
}

void FailGroupsNotFound(Call& call, const std::vector<std::string>& missing) {
    call.Fail("InvalidGroup.NotFound",
              missing.size() == 1 ? "The security group '" + missing[0] + "' does not exist"
                                  : "The security groups '" + JoinIds(missing) + "' do not exist");
}

bool InScope(const Call& call, const std::string& account, const std::string& region) {
    return account == call.account_id && region == call.region;
}

const Vpc* DefaultVpc(const Call& call) {
    for (const auto& [id, vpc] : call.world->vpcs) {
        if (InScope(call, vpc.account_id, vpc.region) && vpc.is_default)
            return &vpc;
    }
    return nullptr;
}

SecurityGroup* FindGroupByName(Call& call, std::string_view vpc_id, std::string_view name) {
    for (auto& [id, group] : call.world->security_groups) {
        if (InScope(call, group.account_id, group.region) && group.vpc_id == vpc_id &&
            group.name == name) {
            return &group;
        }
    }
    return nullptr;
}

std::string GroupName(const Call& call, const std::string& group_id) {
    auto it = call.world->security_groups.find(group_id);
    return it == call.world->security_groups.end() ? "" : it->second.name;
}

// ---------------------------------------------------------------------------------------------
// Instances: XML and JSON

std::string StateXml(std::string_view element, InstanceState state) {
    return XmlRaw(element,
                  Xml("code", std::to_string(InstanceStateCode(state))) +
                          Xml("name", InstanceStateName(state)));
}

std::string StateJson(InstanceState state) {
    return JsonObject()
            .Int("code", InstanceStateCode(state))
            .Str("name", InstanceStateName(state))
            .Build();
}

std::string PrivateDnsName(const Instance& instance) {
    if (instance.private_ip.empty())
        return "";
    std::string name = "ip-" + instance.private_ip;
    std::replace(name.begin(), name.end(), '.', '-');
    return name + (instance.region == "us-east-1" ? ".ec2.internal"
                                                  : "." + instance.region + ".compute.internal");
}

// One instancesSet item. `shown` is the state the reply reports (RunInstances: pending).
std::string InstanceXml(const Call& call,
                        const Instance& instance,
                        InstanceState shown,
                        int launch_index,
                        const std::string& key_name,
                        bool with_devices) {
    std::string out = "<item>" + Xml("instanceId", instance.id) +
                      Xml("imageId", instance.image_id) + StateXml("instanceState", shown) +
                      Xml("privateDnsName", PrivateDnsName(instance)) + Xml("dnsName", "");
    if (!key_name.empty())
        out += Xml("keyName", key_name);
    out += Xml("amiLaunchIndex", std::to_string(launch_index)) + "<productCodes/>" +
           Xml("instanceType", instance.instance_type) +
           Xml("launchTime", FormatIsoMillis(instance.launch_time)) +
           XmlRaw("placement",
                  Xml("availabilityZone", instance.availability_zone) + "<groupName/>" +
                          Xml("tenancy", "default")) +
           XmlRaw("monitoring", Xml("state", "disabled")) + Xml("subnetId", instance.subnet_id) +
           Xml("vpcId", instance.vpc_id) + Xml("privateIpAddress", instance.private_ip);
    std::string groups;
    for (const std::string& id : instance.security_group_ids) {
        groups += "<item>" + Xml("groupId", id) + Xml("groupName", GroupName(call, id)) + "</item>";
    }
    out += XmlRaw("groupSet", groups) + Xml("architecture", "x86_64") +
           Xml("rootDeviceType", "ebs") + Xml("rootDeviceName", instance.root_device_name);
    if (with_devices) {
        std::string devices;
        for (const BlockDeviceMapping& bd : instance.block_devices) {
            devices +=
                    "<item>" + Xml("deviceName", bd.device_name) +
                    XmlRaw("ebs",
                           Xml("volumeId", bd.volume_id) + Xml("status", "attached") +
                                   Xml("attachTime", FormatIsoMillis(bd.attach_time)) +
                                   Xml("deleteOnTermination", BoolText(bd.delete_on_termination))) +
                    "</item>";
        }
        out += XmlRaw("blockDeviceMapping", devices);
    }
    if (!instance.iam_instance_profile_arn.empty()) {
        out += XmlRaw("iamInstanceProfile", Xml("arn", instance.iam_instance_profile_arn));
    }
    out += Xml("virtualizationType", "hvm") + Xml("hypervisor", "xen") + TagSetXml(instance.tags) +
           "</item>";
    return out;
}

std::string InstanceJson(const Call& call,
                         const Instance& instance,
                         InstanceState shown,
                         int launch_index,
                         const std::string& key_name) {
    std::vector<std::string> groups;
    for (const std::string& id : instance.security_group_ids) {
        groups.push_back(
                JsonObject().Str("groupId", id).Str("groupName", GroupName(call, id)).Build());
    }
    JsonObject o;
    o.Str("instanceId", instance.id)
            .Str("imageId", instance.image_id)
            .Raw("instanceState", StateJson(shown))
            .Str("privateDnsName", PrivateDnsName(instance));
    if (!key_name.empty())
        o.Str("keyName", key_name);
    o.Int("amiLaunchIndex", launch_index)
            .Raw("productCodes", "{}")
            .Str("instanceType", instance.instance_type)
            .Raw("launchTime", EpochMillis(instance.launch_time))
            .Raw("placement",
                 JsonObject()
                         .Str("availabilityZone", instance.availability_zone)
                         .Str("tenancy", "default")
                         .Build())
            .Raw("monitoring", JsonObject().Str("state", "disabled").Build())
            .Str("subnetId", instance.subnet_id)
            .Str("vpcId", instance.vpc_id)
            .Str("privateIpAddress", instance.private_ip)
            .Raw("stateReason",
                 JsonObject().Str("code", "pending").Str("message", "pending").Build())
            .Str("architecture", "x86_64")
            .Str("rootDeviceType", "ebs")
            .Str("rootDeviceName", instance.root_device_name)
            .Raw("blockDeviceMapping", "{}")
            .Str("virtualizationType", "hvm")
            .Str("hypervisor", "xen")
            .Raw("groupSet", JsonItems(groups));
    if (!instance.tags.empty())
        o.Raw("tagSet", TagsJson(instance.tags));
    return o.Build();
}

bool InstanceValues(const Call& call,
                    const Instance& instance,
                    std::string_view name,
                    std::vector<std::string>* out) {
    if (TagFilterValues(instance.tags, name, out))
        return true;
    if (name == "instance-id") {
        out->push_back(instance.id);
    } else if (name == "instance-state-name") {
        out->emplace_back(InstanceStateName(instance.state));
    } else if (name == "instance-state-code") {
        out->push_back(std::to_string(InstanceStateCode(instance.state)));
    } else if (name == "vpc-id") {
        out->push_back(instance.vpc_id);
    } else if (name == "subnet-id") {
        out->push_back(instance.subnet_id);
    } else if (name == "image-id") {
        out->push_back(instance.image_id);
    } else if (name == "instance-type") {
        out->push_back(instance.instance_type);
    } else if (name == "availability-zone") {
        out->push_back(instance.availability_zone);
    } else if (name == "private-ip-address" ||
               name == "network-interface.addresses.private-ip-address") {
        out->push_back(instance.private_ip);
    } else if (name == "private-dns-name") {
        out->push_back(PrivateDnsName(instance));
    } else if (name == "reservation-id") {
        out->push_back(instance.reservation_id);
    } else if (name == "owner-id") {
        out->push_back(instance.account_id);
    } else if (name == "iam-instance-profile.arn") {
        out->push_back(instance.iam_instance_profile_arn);
    } else if (name == "root-device-name") {
        out->push_back(instance.root_device_name);
    } else if (name == "instance.group-id" || name == "group-id") {
        out->insert(
                out->end(), instance.security_group_ids.begin(), instance.security_group_ids.end());
    } else if (name == "instance.group-name" || name == "group-name") {
        for (const std::string& id : instance.security_group_ids)
            out->push_back(GroupName(call, id));
    } else if (name == "block-device-mapping.volume-id") {
        for (const BlockDeviceMapping& bd : instance.block_devices)
            out->push_back(bd.volume_id);
    } else if (name == "block-device-mapping.device-name") {
        for (const BlockDeviceMapping& bd : instance.block_devices)
            out->push_back(bd.device_name);
    } else {
        return false;
    }
    return true;
}

std::vector<std::string> InstanceIdItems(const std::vector<std::string>& ids) {
    std::vector<std::string> items;
    for (const std::string& id : ids)
        items.push_back(JsonObject().Str("instanceId", id).Build());
    return items;
}

// Every id exists in the caller's account and region; fails the call with the missing ones.
bool FindInstances(Call& call, const std::vector<std::string>& ids, std::vector<Instance*>* out) {
    std::vector<std::string> missing;
    for (const std::string& id : ids) {
        Instance* instance = call.world->FindInstance(call.account_id, call.region, id);
        if (instance == nullptr) {
            missing.push_back(id);
        } else {
            out->push_back(instance);
        }
    }
    if (!missing.empty()) {
        FailInstancesNotFound(call, missing);
        return false;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// DescribeInstances

// The shared start of the paged Describe* calls: MaxResults and NextToken join the CloudTrail
// request parameters, then come authorization, DryRun, AWS's refusal of ids (`id_set`) together
// with MaxResults, and the ids' syntax. False when the call has been answered.
bool StartDescribe(Call& call,
                   JsonObject request,
                   std::string_view action,
                   bool selects_by_id,
                   std::string_view id_set,
                   const std::vector<std::string>& ids,
                   std::string_view id_prefix,
                   std::string_view malformed_code) {
    if (const std::string* max = call.params.Get("MaxResults"))
        request.Raw("maxResults", JsonNumberOrText(*max));
    if (const std::string* token = call.params.Get("NextToken"))
        request.Str("nextToken", *token);
    call.request_parameters = request.Build();
    if (!call.Authorize(action, "*") || DryRun(call))
        return false;
    if (selects_by_id && call.params.Get("MaxResults") != nullptr) {
        call.Fail("InvalidParameterCombination",
                  "The parameter " + std::string(id_set) +
                          " cannot be used with the parameter maxResults");
        return false;
    }
    return CheckIds(call, ids, id_prefix, malformed_code);
}

void DescribeInstances(Call& call) {
    std::vector<std::string> ids = call.params.List("InstanceId");
    std::vector<Filter> filters = ParseFilters(call.params);
    JsonObject request;
    request.Raw("instancesSet", JsonItems(InstanceIdItems(ids)))
            .Raw("filterSet", FiltersJson(filters));
    if (!StartDescribe(call,
                       std::move(request),
                       "ec2:DescribeInstances",
                       !ids.empty(),
                       "instancesSet",
                       ids,
                       "i-",
                       "InvalidInstanceID.Malformed"))
        return;
    auto values = [&call](const Instance& i, std::string_view name, std::vector<std::string>* out) {
        return InstanceValues(call, i, name, out);
    };
    if (!CheckFilterNames<Instance>(call, filters, values))
        return;

    std::vector<const Instance*> selected;
    if (!ids.empty()) {
        std::vector<Instance*> found;
        if (!FindInstances(call, ids, &found))
            return;
        std::set<std::string> seen;
        for (const Instance* i : found) {
            if (seen.insert(i->id).second && MatchesAll(*i, filters, values))
                selected.push_back(i);
        }
    } else {
        for (const auto& [id, instance] : call.world->instances) {
            if (InScope(call, instance.account_id, instance.region) &&
                MatchesAll(instance, filters, values)) {
                selected.push_back(&instance);
            }
        }
    }
    size_t begin = 0;
    size_t end = 0;
    std::string next_token;
    if (!Paginate(call, selected.size(), 5, 1000, &begin, &end, &next_token))
        return;

    // Reservations in order of their first instance.
    std::vector<std::pair<std::string, std::vector<const Instance*>>> reservations;
    for (size_t i = begin; i < end; ++i) {
        const Instance* instance = selected[i];
        auto it = std::find_if(reservations.begin(), reservations.end(), [&](const auto& r) {
            return r.first == instance->reservation_id;
        });
        if (it == reservations.end()) {
            reservations.push_back({instance->reservation_id, {instance}});
        } else {
            it->second.push_back(instance);
        }
    }
    std::string items;
    for (const auto& [reservation_id, instances] : reservations) {
        std::string set;
        for (size_t i = 0; i < instances.size(); ++i) {
            set += InstanceXml(
                    call, *instances[i], instances[i]->state, static_cast<int>(i), "", true);
        }
        items += "<item>" + Xml("reservationId", reservation_id) + Xml("ownerId", call.account_id) +
                 "<groupSet/>" + XmlRaw("instancesSet", set) + "</item>";
    }
    std::string reply = XmlRaw("reservationSet", items);
    if (!next_token.empty())
        reply += Xml("nextToken", next_token);
    call.ReplyEc2(reply);
}

// ---------------------------------------------------------------------------------------------
// ModifyInstanceAttribute

void ModifyInstanceAttribute(Call& call) {
    const FormParams& p = call.params;
    std::string instance_id = p.GetOr("InstanceId", "");
    const std::string* legacy_attribute = p.Get("Attribute");
    const std::string* legacy_value = p.Get("Value");
    const std::string* termination = p.Get("DisableApiTermination.Value");
    const std::string* instance_type = p.Get("InstanceType.Value");
    std::vector<std::string> group_ids = p.List("GroupId");

    JsonObject request;
    request.Str("instanceId", instance_id);
    if (legacy_attribute != nullptr)
        request.Str("attribute", *legacy_attribute);
    if (legacy_value != nullptr)
        request.Str("value", kSensitive);
    if (termination != nullptr) {
        std::optional<bool> b = ParseBool(*termination);
        request.Raw("disableApiTermination",
                    JsonObject().Raw("value", b ? BoolText(*b) : JsonText(*termination)).Build());
    }
    if (instance_type != nullptr) {
        request.Raw("instanceType", JsonObject().Str("value", *instance_type).Build());
    }
    if (!group_ids.empty()) {
        std::vector<std::string> items;
        for (const std::string& id : group_ids)
            items.push_back(JsonObject().Str("groupId", id).Build());
        request.Raw("groupSet", JsonItems(items));
    }
    call.request_parameters = request.Build();

    if (instance_id.empty()) {
        FailMissing(call, "InstanceId");
        return;
    }
    // Which attribute, in either form.
    std::vector<std::string> kinds;
    std::string value;
    if (termination != nullptr) {
        kinds.push_back("disableApiTermination");
        value = *termination;
    }
    if (instance_type != nullptr) {
        kinds.push_back("instanceType");
        value = *instance_type;
    }
    if (!group_ids.empty())
        kinds.push_back("groupSet");
    if (legacy_attribute != nullptr) {
        if (*legacy_attribute != "groupSet") {
            kinds.push_back(*legacy_attribute);
            if (legacy_value == nullptr) {
                FailMissing(call, "Value");
                return;
            }
            value = *legacy_value;
        } else if (group_ids.empty()) {
            FailMissing(call, "GroupId");
            return;
        }
    }
    for (const auto& [name, v] : p.items()) {
        std::string_view n = name;
        bool known = n == "Action" || n == "Version" || n == "InstanceId" || n == "DryRun" ||
                     n == "Attribute" || n == "Value" || n == "DisableApiTermination.Value" ||
                     n == "InstanceType.Value" || n.starts_with("GroupId.");
        if (!known && n.find(".Value") != std::string_view::npos) {
            kinds.push_back(std::string(n.substr(0, n.find(".Value"))));
        }
    }
    if (kinds.empty()) {
        call.Fail("InvalidParameterCombination", "No attributes specified.");
        return;
    }
    if (kinds.size() > 1) {
        call.Fail("InvalidParameterCombination",
                  "Fields for multiple attribute types specified: " + JoinIds(kinds));
        return;
    }
    const std::string& kind = kinds[0];
    if (kind != "disableApiTermination" && kind != "groupSet" && kind != "instanceType") {
        call.Fail("UnsupportedOperation",
                  "The sandbox does not model the instance attribute '" + kind + "'.");
        return;
    }
    std::optional<bool> disable;
    if (kind == "disableApiTermination") {
        disable = ParseBool(value);
        if (!disable) {
            call.Fail("InvalidParameterValue",
                      "Value (" + value +
                              ") for parameter value is invalid. Expected: 'true' or "
                              "'false'.");
            return;
        }
    }
    if (!CheckIds(call, {instance_id}, "i-", "InvalidInstanceID.Malformed"))
        return;
    if (!CheckIds(call, group_ids, "sg-", "InvalidGroupId.Malformed"))
        return;

    if (!call.Authorize("ec2:ModifyInstanceAttribute",
                        InstanceArn(call.region, call.account_id, instance_id))) {
        return;
    }
    for (const std::string& id : group_ids) {
        if (!call.Authorize("ec2:ModifyInstanceAttribute",
                            SecurityGroupArn(call.region, call.account_id, id))) {
            return;
        }
    }
    if (DryRun(call))
        return;

    Instance* instance = call.world->FindInstance(call.account_id, call.region, instance_id);
    if (instance == nullptr) {
        FailInstancesNotFound(call, {instance_id});
        return;
    }
    if (instance->state == InstanceState::kTerminated ||
        instance->state == InstanceState::kShuttingDown) {
        call.Fail("IncorrectInstanceState",
                  "The instance '" + instance_id +
                          "' is not in a state from which it can be "
                          "modified.");
        return;
    }
    if (kind == "disableApiTermination") {
        instance->disable_api_termination = *disable;
    } else if (kind == "instanceType") {
        if (value.find('.') == std::string::npos || value.size() > 64) {
            call.Fail("InvalidInstanceAttributeValue",
                      "Value (" + value + ") for parameter instanceType is invalid.");
            return;
        }
        if (instance->state != InstanceState::kStopped) {
            call.Fail("IncorrectInstanceState",
                      "The instance '" + instance_id + "' is not in the 'stopped' state.");
            return;
        }
        instance->instance_type = value;
    } else {
        std::vector<std::string> missing;
        for (const std::string& id : group_ids) {
            const SecurityGroup* group =
                    call.world->FindSecurityGroup(call.account_id, call.region, id);
            if (group == nullptr) {
                missing.push_back(id);
            } else if (group->vpc_id != instance->vpc_id) {
                call.Fail("InvalidGroup.NotFound",
                          "The security group '" + id + "' does not exist in VPC '" +
                                  instance->vpc_id + "'");
                return;
            }
        }
        if (!missing.empty()) {
            FailGroupsNotFound(call, missing);
            return;
        }
        std::vector<std::string> unique;
        for (const std::string& id : group_ids) {
            if (std::find(unique.begin(), unique.end(), id) == unique.end())
                unique.push_back(id);
        }
        instance->security_group_ids = unique;
    }
    call.mutated = true;
    call.ReplyEc2("<return>true</return>");
    call.response_elements =
            JsonObject().Str("requestId", call.request_id).Bool("_return", true).Build();
}

// ---------------------------------------------------------------------------------------------
// StopInstances

void StopInstances(Call& call) {
    std::vector<std::string> ids = call.params.List("InstanceId");
    std::optional<bool> force;
    std::optional<bool> hibernate;
    JsonObject request;
    request.Raw("instancesSet", JsonItems(InstanceIdItems(ids)));
    {
        const std::string* f = call.params.Get("Force");
        std::optional<bool> parsed = f ? ParseBool(*f) : std::optional<bool>(false);
        request.Raw("force", parsed ? BoolText(*parsed) : JsonText(*f));
        if (const std::string* h = call.params.Get("Hibernate")) {
            std::optional<bool> hp = ParseBool(*h);
            request.Raw("hibernate", hp ? BoolText(*hp) : JsonText(*h));
        }
    }
    call.request_parameters = request.Build();

    if (ids.empty()) {
        FailMissing(call, "InstanceId");
        return;
    }
    if (!OptionalBool(call, "Force", &force) || !OptionalBool(call, "Hibernate", &hibernate))
        return;
    if (!CheckIds(call, ids, "i-", "InvalidInstanceID.Malformed"))
        return;
    for (const std::string& id : ids) {
        if (!call.Authorize("ec2:StopInstances", InstanceArn(call.region, call.account_id, id)))
            return;
    }
    if (DryRun(call))
        return;
    std::vector<Instance*> instances;
    if (!FindInstances(call, ids, &instances))
        return;
    for (const Instance* instance : instances) {
        if (instance->state == InstanceState::kTerminated ||
            instance->state == InstanceState::kShuttingDown) {
            call.Fail("IncorrectInstanceState",
                      "This instance '" + instance->id +
                              "' is not in a state from which it can be stopped.");
            return;
        }
        if (hibernate.value_or(false)) {
            call.Fail("UnsupportedHibernationConfiguration",
                      "The instance '" + instance->id +
                              "' does not have hibernation configured. Please ensure that the "
                              "instance was launched with hibernation enabled.");
            return;
        }
    }
    std::string xml;
    std::vector<std::string> json;
    std::set<std::string> done;
    for (Instance* instance : instances) {
        if (!done.insert(instance->id).second)
            continue;
        InstanceState previous = instance->state;
        InstanceState current = previous == InstanceState::kStopped ? InstanceState::kStopped
                                                                    : InstanceState::kStopping;
        // The stop completes at once in the world: later describes see it stopped.
        instance->state = InstanceState::kStopped;
        xml += "<item>" + Xml("instanceId", instance->id) + StateXml("currentState", current) +
               StateXml("previousState", previous) + "</item>";
        json.push_back(JsonObject()
                               .Str("instanceId", instance->id)
                               .Raw("currentState", StateJson(current))
                               .Raw("previousState", StateJson(previous))
                               .Build());
    }
    call.mutated = true;
    call.ReplyEc2(XmlRaw("instancesSet", xml));
    call.response_elements = JsonObject()
                                     .Str("requestId", call.request_id)
                                     .Raw("instancesSet", JsonItems(json))
                                     .Build();
}

// ---------------------------------------------------------------------------------------------
// TerminateInstances

// The instance's volumes go with it: those marked delete-on-termination are deleted, the others
// are detached and become available.
void ReleaseVolumes(Call& call, Instance* instance) {
    for (const BlockDeviceMapping& device : instance->block_devices) {
        Volume* volume = call.world->FindVolume(call.account_id, call.region, device.volume_id);
        if (volume == nullptr)
            continue;
        std::erase_if(volume->attachments,
                      [&](const VolumeAttachment& a) { return a.instance_id == instance->id; });
        if (device.delete_on_termination) {
            volume->state = VolumeState::kDeleted;
        } else if (volume->attachments.empty()) {
            volume->state = VolumeState::kAvailable;
        }
    }
    instance->block_devices.clear();
}

void TerminateInstances(Call& call) {
    std::vector<std::string> ids = call.params.List("InstanceId");
    call.request_parameters =
            JsonObject().Raw("instancesSet", JsonItems(InstanceIdItems(ids))).Build();

    if (ids.empty()) {
        FailMissing(call, "InstanceId");
        return;
    }
    if (!CheckIds(call, ids, "i-", "InvalidInstanceID.Malformed"))
        return;
    for (const std::string& id : ids) {
        if (!call.Authorize("ec2:TerminateInstances",
                            InstanceArn(call.region, call.account_id, id))) {
            return;
        }
    }
    if (DryRun(call))
        return;
    std::vector<Instance*> instances;
    if (!FindInstances(call, ids, &instances))
        return;
    for (const Instance* instance : instances) {
        if (instance->disable_api_termination && instance->state != InstanceState::kTerminated) {
            call.Fail("OperationNotPermitted",
                      "The instance '" + instance->id +
                              "' may not be terminated. Modify its 'disableApiTermination' "
                              "instance attribute and try again.");
            return;
        }
    }
    std::string xml;
    std::vector<std::string> json;
    std::set<std::string> done;
    for (Instance* instance : instances) {
        if (!done.insert(instance->id).second)
            continue;
        InstanceState previous = instance->state;
        InstanceState current = previous == InstanceState::kTerminated
                                        ? InstanceState::kTerminated
                                        : InstanceState::kShuttingDown;
        // The termination completes at once in the world: later describes see it terminated.
        instance->state = InstanceState::kTerminated;
        ReleaseVolumes(call, instance);
        xml += "<item>" + Xml("instanceId", instance->id) + StateXml("currentState", current) +
               StateXml("previousState", previous) + "</item>";
        json.push_back(JsonObject()
                               .Str("instanceId", instance->id)
                               .Raw("currentState", StateJson(current))
                               .Raw("previousState", StateJson(previous))
                               .Build());
    }
    call.mutated = true;
    call.ReplyEc2(XmlRaw("instancesSet", xml));
    call.response_elements = JsonObject()
                                     .Str("requestId", call.request_id)
                                     .Raw("instancesSet", JsonItems(json))
                                     .Build();
}

// ---------------------------------------------------------------------------------------------
// RunInstances

std::optional<uint32_t> ParseIpv4(std::string_view text) {
    uint32_t value = 0;
    int parts = 0;
    size_t i = 0;
    while (parts < 4) {
        size_t start = i;
        uint32_t octet = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3) {
            octet = octet * 10 + static_cast<uint32_t>(text[i] - '0');
            ++i;
        }
        if (i == start || octet > 255)
            return std::nullopt;
        value = (value << 8) | octet;
        ++parts;
        if (parts < 4) {
            if (i >= text.size() || text[i] != '.')
                return std::nullopt;
            ++i;
        }
    }
    if (i != text.size())
        return std::nullopt;
    return value;
}

std::string FormatIpv4(uint32_t value) {
    return std::to_string(value >> 24) + "." + std::to_string((value >> 16) & 255) + "." +
           std::to_string((value >> 8) & 255) + "." + std::to_string(value & 255);
}

// "a.b.c.d/n": the network and the prefix length.
std::optional<std::pair<uint32_t, int>> ParseIpv4Cidr(std::string_view text) {
    size_t slash = text.find('/');
    if (slash == std::string_view::npos)
        return std::nullopt;
    std::optional<uint32_t> base = ParseIpv4(text.substr(0, slash));
    std::optional<int64_t> bits = ParseInt(text.substr(slash + 1));
    if (!base || !bits || *bits < 0 || *bits > 32 || text.substr(slash + 1).starts_with("-")) {
        return std::nullopt;
    }
    return std::make_pair(*base, static_cast<int>(*bits));
}

bool ValidIpv6Cidr(std::string_view text) {
    size_t slash = text.find('/');
    if (slash == std::string_view::npos || text.find(':') >= slash)
        return false;
    std::optional<int64_t> bits = ParseInt(text.substr(slash + 1));
    if (!bits || *bits < 0 || *bits > 128)
        return false;
    return std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(slash), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
               c == ':' || c == '.';
    });
}

// The first free address of the subnet after AWS's four reserved ones.
std::optional<std::string> AllocatePrivateIp(const Call& call, const Subnet& subnet) {
    std::optional<std::pair<uint32_t, int>> cidr = ParseIpv4Cidr(subnet.cidr_block);
    if (!cidr || cidr->second > 28)
        return std::nullopt;
    uint32_t size = cidr->second == 0 ? 0 : (1u << (32 - cidr->second));
    uint32_t mask = cidr->second == 0 ? 0 : ~(size - 1);
    uint32_t network = cidr->first & mask;
    std::set<std::string> used;
    for (const auto& [id, instance] : call.world->instances) {
        if (instance.subnet_id == subnet.id && instance.state != InstanceState::kTerminated) {
            used.insert(instance.private_ip);
        }
    }
    for (uint32_t offset = 4; offset + 1 < size; ++offset) {
        std::string ip = FormatIpv4(network + offset);
        if (!used.contains(ip))
            return ip;
    }
    return std::nullopt;
}

bool ValidInstanceType(std::string_view type) {
    size_t dot = type.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == type.size() || type.size() > 32) {
        return false;
    }
    return std::all_of(type.begin(), type.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    });
}

constexpr int kMaxLaunch = 20;

void RunInstances(Call& call) {
    const FormParams& p = call.params;
    std::string image_id = p.GetOr("ImageId", "");
    std::string instance_type = p.GetOr("InstanceType", "m1.small");
    const std::string* min_text = p.Get("MinCount");
    const std::string* max_text = p.Get("MaxCount");
    std::vector<std::string> group_ids = p.List("SecurityGroupId");
    std::vector<std::string> group_names = p.List("SecurityGroup");
    const std::string* subnet_param = p.Get("SubnetId");
    std::string key_name = p.GetOr("KeyName", "");
    std::vector<TagSpec> specs = ParseTagSpecs(p);
    std::optional<bool> disable_termination;
    const std::string* profile_arn = p.Get("IamInstanceProfile.Arn");
    const std::string* profile_name = p.Get("IamInstanceProfile.Name");

    JsonObject item;
    item.Str("imageId", image_id);
    if (min_text != nullptr)
        item.Raw("minCount", JsonNumberOrText(*min_text));
    if (max_text != nullptr)
        item.Raw("maxCount", JsonNumberOrText(*max_text));
    if (!key_name.empty())
        item.Str("keyName", key_name);
    JsonObject request;
    request.Raw("instancesSet", JsonItems({item.Build()}));
    std::vector<std::string> group_items;
    for (const std::string& id : group_ids)
        group_items.push_back(JsonObject().Str("groupId", id).Build());
    for (const std::string& n : group_names)
        group_items.push_back(JsonObject().Str("groupName", n).Build());
    if (!group_items.empty())
        request.Raw("groupSet", JsonItems(group_items));
    if (p.Get("UserData") != nullptr)
        request.Str("userData", kSensitive);
    request.Str("instanceType", instance_type)
            .Raw("blockDeviceMapping", "{}")
            .Raw("monitoring", JsonObject().Bool("enabled", false).Build());
    if (subnet_param != nullptr)
        request.Str("subnetId", *subnet_param);
    {
        const std::string* text = p.Get("DisableApiTermination");
        std::optional<bool> parsed = text ? ParseBool(*text) : std::optional<bool>(false);
        request.Raw("disableApiTermination", parsed ? BoolText(*parsed) : JsonText(*text));
    }
    if (profile_arn != nullptr || profile_name != nullptr) {
        JsonObject profile;
        if (profile_arn != nullptr)
            profile.Str("arn", *profile_arn);
        if (profile_name != nullptr)
            profile.Str("name", *profile_name);
        request.Raw("iamInstanceProfile", profile.Build());
    }
    if (const std::string* token = p.Get("ClientToken"))
        request.Str("clientToken", *token);
    if (!specs.empty())
        request.Raw("tagSpecificationSet", TagSpecsJson(specs));
    call.request_parameters = request.Build();

    if (image_id.empty()) {
        FailMissing(call, "ImageId");
        return;
    }
    if (min_text == nullptr) {
        FailMissing(call, "MinCount");
        return;
    }
    if (max_text == nullptr) {
        FailMissing(call, "MaxCount");
        return;
    }
    std::optional<int64_t> min_count = ParseInt(*min_text);
    std::optional<int64_t> max_count = ParseInt(*max_text);
    if (!min_count || *min_count < 1) {
        call.Fail("InvalidParameterValue",
                  "Value (" + *min_text +
                          ") for parameter minCount is "
                          "invalid. Expected a positive integer.");
        return;
    }
    if (!max_count || *max_count < 1) {
        call.Fail("InvalidParameterValue",
                  "Value (" + *max_text +
                          ") for parameter maxCount is "
                          "invalid. Expected a positive integer.");
        return;
    }
    if (*min_count > *max_count) {
        call.Fail("InvalidParameterValue",
                  "Value (" + *min_text +
                          ") for parameter minCount is invalid. The minimum count "
                          "must be less than or equal to the maximum count.");
        return;
    }
    if (!WellFormedId(image_id, "ami-")) {
        call.Fail("InvalidAMIID.Malformed",
                  "Invalid id: \"" + image_id + "\" (expecting \"ami-...\")");
        return;
    }
    if (!ValidInstanceType(instance_type)) {
        call.Fail("InvalidParameterValue",
                  "Invalid value '" + instance_type + "' for InstanceType.");
        return;
    }
    if (!OptionalBool(call, "DisableApiTermination", &disable_termination))
        return;
    if (!CheckIds(call, group_ids, "sg-", "InvalidGroupId.Malformed"))
        return;
    std::map<std::string, Tags> spec_tags;
    if (!CheckTagSpecs(call, specs, {"instance", "volume"}, &spec_tags))
        return;

    if (!call.Authorize("ec2:RunInstances", InstanceArn(call.region, call.account_id, "*")))
        return;
    if (DryRun(call))
        return;

    if (*min_count > kMaxLaunch) {
        call.Fail(
                "InstanceLimitExceeded",
                "You have requested more instances (" + std::to_string(*min_count) +
                        ") than your current instance limit of " + std::to_string(kMaxLaunch) +
                        " allows for the specified instance type. Please visit "
                        "http://aws.amazon.com/contact-us/ec2-request to request an adjustment to "
                        "this limit.");
        return;
    }
    // Placement: the subnet, else the default VPC's first subnet.
    const Subnet* subnet = nullptr;
    if (subnet_param != nullptr) {
        auto it = call.world->subnets.find(*subnet_param);
        if (it != call.world->subnets.end() &&
            InScope(call, it->second.account_id, it->second.region)) {
            subnet = &it->second;
        }
        if (subnet == nullptr) {
            call.Fail("InvalidSubnetID.NotFound",
                      "The subnet ID '" + *subnet_param + "' does not exist");
            return;
        }
    } else {
        const Vpc* vpc = DefaultVpc(call);
        if (vpc != nullptr) {
            for (const auto& [id, s] : call.world->subnets) {
                if (s.vpc_id == vpc->id &&
                    (subnet == nullptr || s.availability_zone < subnet->availability_zone)) {
                    subnet = &s;
                }
            }
        }
        if (subnet == nullptr) {
            call.Fail("VPCIdNotSpecified",
                      "No default VPC for this user. GroupName is only "
                      "supported for EC2-Classic and default VPC.");
            return;
        }
    }
    std::vector<std::string> groups;
    {
        std::vector<std::string> missing;
        for (const std::string& id : group_ids) {
            const SecurityGroup* g =
                    call.world->FindSecurityGroup(call.account_id, call.region, id);
            if (g == nullptr) {
                missing.push_back(id);
            } else if (g->vpc_id != subnet->vpc_id) {
                call.Fail("InvalidParameter",
                          "Security group " + id + " and subnet " + subnet->id +
                                  " belong to different networks.");
                return;
            } else if (std::find(groups.begin(), groups.end(), id) == groups.end()) {
                groups.push_back(id);
            }
        }
        for (const std::string& name : group_names) {
            const SecurityGroup* g = FindGroupByName(call, subnet->vpc_id, name);
            if (g == nullptr) {
                missing.push_back(name);
            } else if (std::find(groups.begin(), groups.end(), g->id) == groups.end()) {
                groups.push_back(g->id);
            }
        }
        if (!missing.empty()) {
            FailGroupsNotFound(call, missing);
            return;
        }
        if (groups.empty()) {
            const SecurityGroup* g = FindGroupByName(call, subnet->vpc_id, "default");
            if (g != nullptr)
                groups.push_back(g->id);
        }
    }
    std::string profile;
    if (profile_arn != nullptr) {
        profile = *profile_arn;
    } else if (profile_name != nullptr) {
        profile = "arn:aws:iam::" + call.account_id + ":instance-profile/" + *profile_name;
    }

    const Timestamp now = call.world->Now();
    const std::string reservation_id = call.world->NewId(IdKind::kReservation);
    std::vector<std::string> launched;
    for (int64_t n = 0; n < std::min<int64_t>(*max_count, kMaxLaunch); ++n) {
        std::optional<std::string> ip = AllocatePrivateIp(call, *subnet);
        if (!ip)
            break;
        Instance instance;
        instance.id = call.world->NewId(IdKind::kInstance);
        instance.account_id = call.account_id;
        instance.region = call.region;
        instance.reservation_id = reservation_id;
        instance.image_id = image_id;
        instance.instance_type = instance_type;
        instance.state = InstanceState::kRunning;
        instance.launch_time = now;
        instance.availability_zone = subnet->availability_zone;
        instance.subnet_id = subnet->id;
        instance.vpc_id = subnet->vpc_id;
        instance.private_ip = *ip;
        instance.security_group_ids = groups;
        instance.tags = spec_tags["instance"];
        instance.disable_api_termination = disable_termination.value_or(false);
        instance.iam_instance_profile_arn = profile;
        Volume root;
        root.id = call.world->NewId(IdKind::kVolume);
        root.account_id = call.account_id;
        root.region = call.region;
        root.size_gib = 8;
        root.availability_zone = subnet->availability_zone;
        root.state = VolumeState::kInUse;
        root.create_time = now;
        root.attachments.push_back({instance.id, instance.root_device_name, "attached", now, true});
        root.tags = spec_tags["volume"];
        instance.block_devices.push_back({instance.root_device_name, root.id, true, now});
        launched.push_back(instance.id);
        call.world->volumes[root.id] = std::move(root);
        call.world->instances[instance.id] = std::move(instance);
    }
    if (launched.size() < static_cast<size_t>(*min_count)) {
        // Roll back: not enough addresses for the minimum.
        for (const std::string& id : launched) {
            call.world->volumes.erase(call.world->instances[id].block_devices[0].volume_id);
            call.world->instances.erase(id);
        }
        call.Fail("InsufficientFreeAddressesInSubnet",
                  "There are not enough free addresses in subnet '" + subnet->id +
                          "' to satisfy the requested number of instances.");
        return;
    }
    call.mutated = true;
    std::string xml;
    std::vector<std::string> json;
    for (size_t i = 0; i < launched.size(); ++i) {
        const Instance& instance = call.world->instances[launched[i]];
        xml += InstanceXml(
                call, instance, InstanceState::kPending, static_cast<int>(i), key_name, false);
        json.push_back(InstanceJson(
                call, instance, InstanceState::kPending, static_cast<int>(i), key_name));
    }
    call.ReplyEc2(Xml("reservationId", reservation_id) + Xml("ownerId", call.account_id) +
                  "<groupSet/>" + XmlRaw("instancesSet", xml));
    call.response_elements = JsonObject()
                                     .Str("requestId", call.request_id)
                                     .Str("reservationId", reservation_id)
                                     .Str("ownerId", call.account_id)
                                     .Raw("groupSet", "{}")
                                     .Raw("instancesSet", JsonItems(json))
                                     .Build();
}

// ---------------------------------------------------------------------------------------------
// Volumes and snapshots

std::string VolumeXml(const Volume& volume) {
    std::string attachments;
    for (const VolumeAttachment& a : volume.attachments) {
        attachments += "<item>" + Xml("volumeId", volume.id) + Xml("instanceId", a.instance_id) +
                       Xml("device", a.device) + Xml("status", a.state) +
                       Xml("attachTime", FormatIsoMillis(a.attach_time)) +
                       Xml("deleteOnTermination", BoolText(a.delete_on_termination)) + "</item>";
    }
    std::string out = "<item>" + Xml("volumeId", volume.id) +
                      Xml("size", std::to_string(volume.size_gib)) +
                      Xml("snapshotId", volume.snapshot_id) +
                      Xml("availabilityZone", volume.availability_zone) +
                      Xml("status", VolumeStateName(volume.state)) +
                      Xml("createTime", FormatIsoMillis(volume.create_time)) +
                      XmlRaw("attachmentSet", attachments) + TagSetXml(volume.tags) +
                      Xml("volumeType", volume.volume_type);
    if (volume.volume_type == "gp3") {
        out += Xml("iops", "3000") + Xml("throughput", "125");
    } else if (volume.volume_type == "gp2") {
        out += Xml("iops", std::to_string(std::clamp(volume.size_gib * 3, 100, 16000)));
    }
    out += Xml("encrypted", BoolText(volume.encrypted)) + Xml("multiAttachEnabled", "false") +
           "</item>";
    return out;
}

bool VolumeValues(const Volume& volume, std::string_view name, std::vector<std::string>* out) {
    if (TagFilterValues(volume.tags, name, out))
        return true;
    if (name == "volume-id") {
        out->push_back(volume.id);
    } else if (name == "status") {
        out->emplace_back(VolumeStateName(volume.state));
    } else if (name == "availability-zone") {
        out->push_back(volume.availability_zone);
    } else if (name == "size") {
        out->push_back(std::to_string(volume.size_gib));
    } else if (name == "volume-type") {
        out->push_back(volume.volume_type);
    } else if (name == "snapshot-id") {
        out->push_back(volume.snapshot_id);
    } else if (name == "encrypted") {
        out->push_back(BoolText(volume.encrypted));
    } else if (name == "create-time") {
        out->push_back(FormatIsoMillis(volume.create_time));
    } else if (name == "attachment.instance-id") {
        for (const VolumeAttachment& a : volume.attachments)
            out->push_back(a.instance_id);
    } else if (name == "attachment.device") {
        for (const VolumeAttachment& a : volume.attachments)
            out->push_back(a.device);
    } else if (name == "attachment.status") {
        for (const VolumeAttachment& a : volume.attachments)
            out->push_back(a.state);
    } else if (name == "attachment.delete-on-termination") {
        for (const VolumeAttachment& a : volume.attachments) {
            out->push_back(BoolText(a.delete_on_termination));
        }
    } else if (name == "attachment.attach-time") {
        for (const VolumeAttachment& a : volume.attachments) {
            out->push_back(FormatIsoMillis(a.attach_time));
        }
    } else {
        return false;
    }
    return true;
}

void DescribeVolumes(Call& call) {
    std::vector<std::string> ids = call.params.List("VolumeId");
    std::vector<Filter> filters = ParseFilters(call.params);
    std::vector<std::string> id_items;
    for (const std::string& id : ids)
        id_items.push_back(JsonObject().Str("volumeId", id).Build());
    JsonObject request;
    request.Raw("volumeSet", JsonItems(id_items)).Raw("filterSet", FiltersJson(filters));
    if (!StartDescribe(call,
                       std::move(request),
                       "ec2:DescribeVolumes",
                       !ids.empty(),
                       "volumeSet",
                       ids,
                       "vol-",
                       "InvalidVolumeID.Malformed"))
        return;
    if (!CheckFilterNames<Volume>(call, filters, VolumeValues))
        return;
    std::vector<const Volume*> selected;
    if (!ids.empty()) {
        std::vector<std::string> missing;
        std::set<std::string> seen;
        for (const std::string& id : ids) {
            const Volume* volume = call.world->FindVolume(call.account_id, call.region, id);
            if (volume == nullptr) {
                missing.push_back(id);
            } else if (seen.insert(id).second && MatchesAll(*volume, filters, VolumeValues)) {
                selected.push_back(volume);
            }
        }
        if (!missing.empty()) {
            FailVolumesNotFound(call, missing);
            return;
        }
    } else {
        for (const auto& [id, volume] : call.world->volumes) {
            if (InScope(call, volume.account_id, volume.region) &&
                volume.state != VolumeState::kDeleted &&
                MatchesAll(volume, filters, VolumeValues)) {
                selected.push_back(&volume);
            }
        }
    }
    ReplyPage(call, selected, 500, "volumeSet", VolumeXml);
}

// "100%" once completed, "0%" while pending, "" otherwise.
std::string SnapshotProgress(SnapshotState state) {
    switch (state) {
        case SnapshotState::kCompleted:
            return "100%";
        case SnapshotState::kPending:
            return "0%";
        default:
            return "";
    }
}

void CreateSnapshot(Call& call) {
    std::string volume_id = call.params.GetOr("VolumeId", "");
    const std::string* description = call.params.Get("Description");
    std::vector<TagSpec> specs = ParseTagSpecs(call.params);
    JsonObject request;
    request.Str("volumeId", volume_id);
    if (description != nullptr)
        request.Str("description", *description);
    if (!specs.empty())
        request.Raw("tagSpecificationSet", TagSpecsJson(specs));
    call.request_parameters = request.Build();

    if (volume_id.empty()) {
        FailMissing(call, "VolumeId");
        return;
    }
    if (!CheckIds(call, {volume_id}, "vol-", "InvalidVolumeID.Malformed"))
        return;
    if (description != nullptr && description->size() > 255) {
        call.Fail("InvalidParameterValue",
                  "Value for parameter description is invalid. Length must not exceed 255.");
        return;
    }
    std::map<std::string, Tags> spec_tags;
    if (!CheckTagSpecs(call, specs, {"snapshot"}, &spec_tags))
        return;
    if (!call.Authorize("ec2:CreateSnapshot", VolumeArn(call.region, call.account_id, volume_id))) {
        return;
    }
    if (DryRun(call))
        return;
    const Volume* volume = call.world->FindVolume(call.account_id, call.region, volume_id);
    if (volume == nullptr || volume->state == VolumeState::kDeleted) {
        FailVolumesNotFound(call, {volume_id});
        return;
    }
    Snapshot snapshot;
    snapshot.id = call.world->NewId(IdKind::kSnapshot);
    snapshot.account_id = call.account_id;
    snapshot.region = call.region;
    snapshot.volume_id = volume_id;
    snapshot.description = description ? *description : "";
    // Pending until settings.snapshot_completion_seconds have passed (0: completed at once).
    snapshot.start_time = call.world->Now();
    const int completion_seconds = call.world->settings.snapshot_completion_seconds;
    if (completion_seconds > 0) {
        snapshot.state = SnapshotState::kPending;
        snapshot.completes_at = snapshot.start_time + std::chrono::seconds(completion_seconds);
    } else {
        snapshot.state = SnapshotState::kCompleted;
    }
    snapshot.owner_id = call.account_id;
    snapshot.volume_size_gib = volume->size_gib;
    snapshot.tags = spec_tags["snapshot"];
    snapshot.encrypted = volume->encrypted;
    call.world->snapshots[snapshot.id] = snapshot;
    call.mutated = true;

    const std::string_view status = SnapshotStateName(snapshot.state);
    const std::string progress = SnapshotProgress(snapshot.state);
    call.ReplyEc2(Xml("snapshotId", snapshot.id) + Xml("volumeId", volume_id) +
                  Xml("status", status) + Xml("startTime", FormatIsoMillis(snapshot.start_time)) +
                  Xml("progress", progress) + Xml("ownerId", call.account_id) +
                  Xml("volumeSize", std::to_string(snapshot.volume_size_gib)) +
                  Xml("description", snapshot.description) +
                  Xml("encrypted", BoolText(snapshot.encrypted)) + TagSetXml(snapshot.tags));
    JsonObject response;
    response.Str("requestId", call.request_id)
            .Str("snapshotId", snapshot.id)
            .Str("volumeId", volume_id)
            .Str("status", status)
            .Raw("startTime", EpochMillis(snapshot.start_time))
            .Str("progress", progress)
            .Str("ownerId", call.account_id)
            .Int("volumeSize", snapshot.volume_size_gib);
    if (description != nullptr)
        response.Str("description", *description);
    response.Bool("encrypted", snapshot.encrypted);
    if (!snapshot.tags.empty())
        response.Raw("tagSet", TagsJson(snapshot.tags));
    call.response_elements = response.Build();
}

std::string SnapshotXml(const Snapshot& snapshot, SnapshotState state) {
    return "<item>" + Xml("snapshotId", snapshot.id) + Xml("volumeId", snapshot.volume_id) +
           Xml("status", SnapshotStateName(state)) +
           Xml("startTime", FormatIsoMillis(snapshot.start_time)) +
           Xml("progress", SnapshotProgress(state)) + Xml("ownerId", snapshot.owner_id) +
           Xml("volumeSize", std::to_string(snapshot.volume_size_gib)) +
           Xml("description", snapshot.description) +
           Xml("encrypted", BoolText(snapshot.encrypted)) + Xml("storageTier", "standard") +
           TagSetXml(snapshot.tags) + "</item>";
}

// Filter values of a snapshot; `state` is its state now (World::SnapshotStateAt).
bool SnapshotValues(const Snapshot& snapshot,
                    SnapshotState state,
                    std::string_view name,
                    std::vector<std::string>* out) {
    if (TagFilterValues(snapshot.tags, name, out))
        return true;
    if (name == "snapshot-id") {
        out->push_back(snapshot.id);
    } else if (name == "volume-id") {
        out->push_back(snapshot.volume_id);
    } else if (name == "status") {
        out->emplace_back(SnapshotStateName(state));
    } else if (name == "description") {
        out->push_back(snapshot.description);
    } else if (name == "owner-id") {
        out->push_back(snapshot.owner_id);
    } else if (name == "progress") {
        out->push_back(SnapshotProgress(state));
    } else if (name == "volume-size") {
        out->push_back(std::to_string(snapshot.volume_size_gib));
    } else if (name == "encrypted") {
        out->push_back(BoolText(snapshot.encrypted));
    } else if (name == "start-time") {
        out->push_back(FormatIsoMillis(snapshot.start_time));
    } else {
        return false;
    }
    return true;
}

// Owner.N: account ids or "self" (the caller's account); the sandbox shares no snapshots, so any
// other owner ("amazon", another account) selects nothing.
bool OwnedBy(const Call& call, const Snapshot& snapshot, const std::vector<std::string>& owners) {
    if (owners.empty())
        return true;
    for (const std::string& owner : owners) {
        if (owner == snapshot.owner_id || (owner == "self" && snapshot.owner_id == call.account_id))
            return true;
    }
    return false;
}

void DescribeSnapshots(Call& call) {
    std::vector<std::string> ids = call.params.List("SnapshotId");
    std::vector<std::string> owners = call.params.List("Owner");
    std::vector<Filter> filters = ParseFilters(call.params);
    std::vector<std::string> id_items;
    for (const std::string& id : ids)
        id_items.push_back(JsonObject().Str("snapshotId", id).Build());
    std::vector<std::string> owner_items;
    for (const std::string& owner : owners)
        owner_items.push_back(JsonObject().Str("owner", owner).Build());
    JsonObject request;
    request.Raw("snapshotSet", JsonItems(id_items))
            .Raw("ownersSet", JsonItems(owner_items))
            .Raw("sharedUsersSet", "{}")
            .Raw("filterSet", FiltersJson(filters));
    if (!StartDescribe(call,
                       std::move(request),
                       "ec2:DescribeSnapshots",
                       !ids.empty(),
                       "snapshotSet",
                       ids,
                       "snap-",
                       "InvalidSnapshotID.Malformed"))
        return;
    const Timestamp now = call.world->Now();
    auto values =
            [now](const Snapshot& snapshot, std::string_view name, std::vector<std::string>* out) {
                return SnapshotValues(snapshot, World::SnapshotStateAt(snapshot, now), name, out);
            };
    if (!CheckFilterNames<Snapshot>(call, filters, values))
        return;
    auto visible = [&](const Snapshot& snapshot) {
        return InScope(call, snapshot.account_id, snapshot.region);
    };
    std::vector<const Snapshot*> selected;
    if (!ids.empty()) {
        std::vector<std::string> missing;
        std::set<std::string> seen;
        for (const std::string& id : ids) {
            auto it = call.world->snapshots.find(id);
            if (it == call.world->snapshots.end() || !visible(it->second)) {
                missing.push_back(id);
            } else if (seen.insert(id).second && OwnedBy(call, it->second, owners) &&
                       MatchesAll(it->second, filters, values)) {
                selected.push_back(&it->second);
            }
        }
        if (!missing.empty()) {
            call.Fail("InvalidSnapshot.NotFound",
                      missing.size() == 1
                              ? "The snapshot '" + missing[0] + "' does not exist."
                              : "The snapshots '" + JoinIds(missing) + "' do not exist.");
            return;
        }
    } else {
        for (const auto& [id, snapshot] : call.world->snapshots) {
            if (visible(snapshot) && OwnedBy(call, snapshot, owners) &&
                MatchesAll(snapshot, filters, values)) {
                selected.push_back(&snapshot);
            }
        }
    }
    ReplyPage(call, selected, 1000, "snapshotSet", [now](const Snapshot& snapshot) {
        return SnapshotXml(snapshot, World::SnapshotStateAt(snapshot, now));
    });
}

// ---------------------------------------------------------------------------------------------
// CreateTags

void CreateTags(Call& call) {
    std::vector<std::string> ids = call.params.List("ResourceId");
    TagList tags = ParseTags(call.params, "Tag");
    std::vector<std::string> id_items;
    for (const std::string& id : ids)
        id_items.push_back(JsonObject().Str("resourceId", id).Build());
    call.request_parameters = JsonObject()
                                      .Raw("resourcesSet", JsonItems(id_items))
                                      .Raw("tagSet", TagItemsJson(tags))
                                      .Build();
    if (ids.empty()) {
        FailMissing(call, "resourceIdSet");
        return;
    }
    if (tags.empty()) {
        FailMissing(call, "tagSet");
        return;
    }
    if (!CheckTags(call, tags))
        return;
    // Each id's ARN by its prefix.
    std::vector<std::string> arns;
    for (const std::string& id : ids) {
        std::string arn;
        std::string_view kind;
        if (id.starts_with("i-")) {
            kind = "instance";
        } else if (id.starts_with("vol-")) {
            kind = "volume";
        } else if (id.starts_with("snap-")) {
            kind = "snapshot";
        } else if (id.starts_with("sg-")) {
            kind = "security-group";
        } else if (id.starts_with("vpc-")) {
            kind = "vpc";
        } else if (id.starts_with("subnet-")) {
            kind = "subnet";
        }
        size_t dash = id.find('-');
        if (kind.empty() || !WellFormedId(id, id.substr(0, dash + 1))) {
            call.Fail("InvalidID", "The ID '" + id + "' is not valid");
            return;
        }
        arns.push_back(kind == "snapshot" ? SnapshotArn(call.region, id)
                                          : "arn:aws:ec2:" + call.region + ":" + call.account_id +
                                                    ":" + std::string(kind) + "/" + id);
    }
    for (const std::string& arn : arns) {
        if (!call.Authorize("ec2:CreateTags", arn))
            return;
    }
    if (DryRun(call))
        return;
    // Every resource first, then the tags: a missing one changes nothing.
    std::vector<Tags*> targets;
    for (const std::string& id : ids) {
        Tags* target = nullptr;
        if (id.starts_with("i-")) {
            Instance* i = call.world->FindInstance(call.account_id, call.region, id);
            if (i == nullptr) {
                FailInstancesNotFound(call, {id});
                return;
            }
            target = &i->tags;
        } else if (id.starts_with("vol-")) {
            Volume* v = call.world->FindVolume(call.account_id, call.region, id);
            if (v == nullptr) {
                FailVolumesNotFound(call, {id});
                return;
            }
            target = &v->tags;
        } else if (id.starts_with("sg-")) {
            SecurityGroup* g = call.world->FindSecurityGroup(call.account_id, call.region, id);
            if (g == nullptr) {
                FailGroupsNotFound(call, {id});
                return;
            }
            target = &g->tags;
        } else if (id.starts_with("snap-")) {
            auto it = call.world->snapshots.find(id);
            if (it == call.world->snapshots.end() ||
                !InScope(call, it->second.account_id, it->second.region)) {
                call.Fail("InvalidSnapshot.NotFound", "The snapshot '" + id + "' does not exist.");
                return;
            }
            target = &it->second.tags;
        } else if (id.starts_with("vpc-")) {
            auto it = call.world->vpcs.find(id);
            if (it == call.world->vpcs.end() ||
                !InScope(call, it->second.account_id, it->second.region)) {
                call.Fail("InvalidVpcID.NotFound", "The vpc ID '" + id + "' does not exist");
                return;
            }
            target = &it->second.tags;
        } else {
            auto it = call.world->subnets.find(id);
            if (it == call.world->subnets.end() ||
                !InScope(call, it->second.account_id, it->second.region)) {
                call.Fail("InvalidSubnetID.NotFound", "The subnet ID '" + id + "' does not exist");
                return;
            }
            target = &it->second.tags;
        }
        targets.push_back(target);
    }
    for (Tags* target : targets) {
        for (const auto& [key, value] : tags)
            (*target)[key] = value;
    }
    call.mutated = true;
    call.ReplyEc2("<return>true</return>");
    call.response_elements =
            JsonObject().Str("requestId", call.request_id).Bool("_return", true).Build();
}

// ---------------------------------------------------------------------------------------------
// Security groups

bool IsIpv6(std::string_view cidr) {
    return cidr.find(':') != std::string_view::npos;
}

std::string PermissionXml(const IpPermission& permission) {
    std::string out = "<item>" + Xml("ipProtocol", permission.protocol);
    if (permission.protocol != "-1") {
        out += Xml("fromPort", std::to_string(permission.from_port)) +
               Xml("toPort", std::to_string(permission.to_port));
    }
    std::string groups;
    for (const GroupReference& g : permission.groups) {
        groups += "<item>" + Xml("userId", g.owner_id) + Xml("groupId", g.group_id);
        if (!g.description.empty())
            groups += Xml("description", g.description);
        groups += "</item>";
    }
    std::string v4;
    std::string v6;
    for (const IpRange& r : permission.ipv4_ranges) {
        std::string& list = IsIpv6(r.cidr) ? v6 : v4;
        list += "<item>" + Xml(IsIpv6(r.cidr) ? "cidrIpv6" : "cidrIp", r.cidr);
        if (!r.description.empty())
            list += Xml("description", r.description);
        list += "</item>";
    }
    return out + XmlRaw("groups", groups) + XmlRaw("ipRanges", v4) + XmlRaw("ipv6Ranges", v6) +
           "<prefixListIds/></item>";
}

std::string SecurityGroupXml(const SecurityGroup& group) {
    std::string ingress;
    for (const IpPermission& p : group.ingress)
        ingress += PermissionXml(p);
    std::string egress;
    for (const IpPermission& p : group.egress)
        egress += PermissionXml(p);
    return "<item>" + Xml("ownerId", group.account_id) + Xml("groupId", group.id) +
           Xml("groupName", group.name) + Xml("groupDescription", group.description) +
           Xml("vpcId", group.vpc_id) + XmlRaw("ipPermissions", ingress) +
           XmlRaw("ipPermissionsEgress", egress) + TagSetXml(group.tags) +
           Xml("securityGroupArn", SecurityGroupArn(group.region, group.account_id, group.id)) +
           "</item>";
}

void PermissionValues(const std::vector<IpPermission>& permissions,
                      std::string_view field,
                      std::vector<std::string>* out) {
    for (const IpPermission& p : permissions) {
        if (field == "cidr") {
            for (const IpRange& r : p.ipv4_ranges) {
                if (!IsIpv6(r.cidr))
                    out->push_back(r.cidr);
            }
        } else if (field == "ipv6-cidr") {
            for (const IpRange& r : p.ipv4_ranges) {
                if (IsIpv6(r.cidr))
                    out->push_back(r.cidr);
            }
        } else if (field == "protocol") {
            out->push_back(p.protocol);
        } else if (field == "from-port") {
            out->push_back(std::to_string(p.from_port));
        } else if (field == "to-port") {
            out->push_back(std::to_string(p.to_port));
        } else if (field == "group-id") {
            for (const GroupReference& g : p.groups)
                out->push_back(g.group_id);
        }
    }
}

bool SecurityGroupValues(const SecurityGroup& group,
                         std::string_view name,
                         std::vector<std::string>* out) {
    if (TagFilterValues(group.tags, name, out))
        return true;
    static constexpr std::string_view kFields[] = {
            "cidr", "ipv6-cidr", "protocol", "from-port", "to-port", "group-id"};
    for (std::string_view field : kFields) {
        if (name.starts_with("ip-permission.") && name.substr(14) == field) {
            PermissionValues(group.ingress, field, out);
            return true;
        }
        if (name.starts_with("egress.ip-permission.") && name.substr(21) == field) {
            PermissionValues(group.egress, field, out);
            return true;
        }
    }
    if (name == "group-name") {
        out->push_back(group.name);
    } else if (name == "group-id") {
        out->push_back(group.id);
    } else if (name == "vpc-id") {
        out->push_back(group.vpc_id);
    } else if (name == "description") {
        out->push_back(group.description);
    } else if (name == "owner-id") {
        out->push_back(group.account_id);
    } else {
        return false;
    }
    return true;
}

void DescribeSecurityGroups(Call& call) {
    std::vector<std::string> ids = call.params.List("GroupId");
    std::vector<std::string> names = call.params.List("GroupName");
    std::vector<Filter> filters = ParseFilters(call.params);
    std::vector<std::string> name_items;
    for (const std::string& n : names)
        name_items.push_back(JsonObject().Str("groupName", n).Build());
    std::vector<std::string> id_items;
    for (const std::string& id : ids)
        id_items.push_back(JsonObject().Str("groupId", id).Build());
    JsonObject request;
    request.Raw("securityGroupSet", JsonItems(name_items))
            .Raw("securityGroupIdSet", JsonItems(id_items))
            .Raw("filterSet", FiltersJson(filters));
    if (!StartDescribe(call,
                       std::move(request),
                       "ec2:DescribeSecurityGroups",
                       (!ids.empty() || !names.empty()),
                       "groupIdSet",
                       ids,
                       "sg-",
                       "InvalidGroupId.Malformed"))
        return;
    if (!CheckFilterNames<SecurityGroup>(call, filters, SecurityGroupValues))
        return;

    std::set<std::string> wanted;  // group ids named by GroupId.N or GroupName.N
    std::vector<std::string> missing;
    for (const std::string& id : ids) {
        if (call.world->FindSecurityGroup(call.account_id, call.region, id) == nullptr) {
            missing.push_back(id);
        } else {
            wanted.insert(id);
        }
    }
    if (!missing.empty()) {
        FailGroupsNotFound(call, missing);
        return;
    }
    if (!names.empty()) {
        // Names address groups of the default VPC only, as in AWS.
        const Vpc* vpc = DefaultVpc(call);
        if (vpc == nullptr) {
            call.Fail("VPCIdNotSpecified", "No default VPC for this user");
            return;
        }
        for (const std::string& n : names) {
            const SecurityGroup* g = FindGroupByName(call, vpc->id, n);
            if (g == nullptr) {
                call.Fail("InvalidGroup.NotFound",
                          "The security group '" + n + "' does not exist in default VPC '" +
                                  vpc->id + "'");
                return;
            }
            wanted.insert(g->id);
        }
    }
    std::vector<const SecurityGroup*> selected;
    for (const auto& [id, group] : call.world->security_groups) {
        if (!InScope(call, group.account_id, group.region))
            continue;
        if ((!ids.empty() || !names.empty()) && !wanted.contains(id))
            continue;
        if (MatchesAll(group, filters, SecurityGroupValues))
            selected.push_back(&group);
    }
    ReplyPage(call, selected, 1000, "securityGroupInfo", SecurityGroupXml);
}

void CreateSecurityGroup(Call& call) {
    const std::string* name = call.params.Get("GroupName");
    const std::string* description = call.params.Get("GroupDescription");
    const std::string* vpc_param = call.params.Get("VpcId");
    std::vector<TagSpec> specs = ParseTagSpecs(call.params);
    JsonObject request;
    if (name != nullptr)
        request.Str("groupName", *name);
    if (description != nullptr)
        request.Str("groupDescription", *description);
    if (vpc_param != nullptr)
        request.Str("vpcId", *vpc_param);
    if (!specs.empty())
        request.Raw("tagSpecificationSet", TagSpecsJson(specs));
    call.request_parameters = request.Build();

    if (name == nullptr || name->empty()) {
        FailMissing(call, "GroupName");
        return;
    }
    if (description == nullptr || description->empty()) {
        FailMissing(call, "GroupDescription");
        return;
    }
    if (name->size() > 255 || description->size() > 255) {
        call.Fail("InvalidParameterValue",
                  "Value for parameter " +
                          std::string(name->size() > 255 ? "groupName" : "groupDescription") +
                          " is invalid. Length must not exceed 255.");
        return;
    }
    if (name->starts_with("sg-")) {
        call.Fail("InvalidParameterValue", "Group names may not be in the format sg-*.");
        return;
    }
    if (*name == "default") {
        call.Fail("InvalidGroup.Reserved", "The security group 'default' is reserved");
        return;
    }
    std::map<std::string, Tags> spec_tags;
    if (!CheckTagSpecs(call, specs, {"security-group"}, &spec_tags))
        return;
    if (!call.Authorize("ec2:CreateSecurityGroup",
                        SecurityGroupArn(call.region, call.account_id, "*"))) {
        return;
    }
    if (DryRun(call))
        return;
    std::string vpc_id;
    if (vpc_param != nullptr) {
        auto it = call.world->vpcs.find(*vpc_param);
        if (it == call.world->vpcs.end() ||
            !InScope(call, it->second.account_id, it->second.region)) {
            call.Fail("InvalidVpcID.NotFound", "The vpc ID '" + *vpc_param + "' does not exist");
            return;
        }
        vpc_id = *vpc_param;
    } else {
        const Vpc* vpc = DefaultVpc(call);
        if (vpc == nullptr) {
            call.Fail("VPCIdNotSpecified", "No default VPC for this user");
            return;
        }
        vpc_id = vpc->id;
    }
    if (FindGroupByName(call, vpc_id, *name) != nullptr) {
        call.Fail("InvalidGroup.Duplicate",
                  "The security group '" + *name + "' already exists for VPC '" + vpc_id + "'");
        return;
    }
    SecurityGroup group;
    group.id = call.world->NewId(IdKind::kSecurityGroup);
    group.account_id = call.account_id;
    group.region = call.region;
    group.name = *name;
    group.description = *description;
    group.vpc_id = vpc_id;
    IpPermission all;  // AWS's default egress rule: all traffic out
    all.ipv4_ranges.push_back({"0.0.0.0/0", "", call.world->NewId(IdKind::kSecurityGroupRule)});
    group.egress.push_back(std::move(all));
    group.tags = spec_tags["security-group"];
    std::string id = group.id;
    std::string arn = SecurityGroupArn(call.region, call.account_id, id);
    Tags tags = group.tags;
    call.world->security_groups[id] = std::move(group);
    call.mutated = true;
    call.ReplyEc2("<return>true</return>" + Xml("groupId", id) + TagSetXml(tags) +
                  Xml("securityGroupArn", arn));
    JsonObject response;
    response.Str("requestId", call.request_id).Bool("_return", true).Str("groupId", id);
    if (!tags.empty())
        response.Raw("tagSet", TagsJson(tags));
    response.Str("securityGroupArn", arn);
    call.response_elements = response.Build();
}

// One rule of a request: a permission's protocol and ports with one source.
struct RuleSpec {
    std::string protocol;
    int from = -1;
    int to = -1;
    std::string cidr;  // IPv4 or IPv6; empty for a group source
    std::string group_id;
    std::string description;
};

struct RawGroupPair {
    std::string group_id;
    std::string group_name;
    std::string user_id;
    std::string description;
};

struct RawPermission {
    std::string protocol;
    const std::string* from = nullptr;
    const std::string* to = nullptr;
    std::vector<std::pair<std::string, std::string>> v4;  // cidr, description
    std::vector<std::pair<std::string, std::string>> v6;
    std::vector<RawGroupPair> groups;
    std::vector<std::string> prefix_lists;
};

std::vector<RawPermission> ReadPermissions(const FormParams& p) {
    std::vector<RawPermission> out;
    for (int n : p.Indexes("IpPermissions")) {
        std::string prefix = "IpPermissions." + std::to_string(n);
        RawPermission raw;
        raw.protocol = p.GetOr(prefix + ".IpProtocol", "");
        raw.from = p.Get(prefix + ".FromPort");
        raw.to = p.Get(prefix + ".ToPort");
        for (int m : p.Indexes(prefix + ".IpRanges")) {
            std::string r = prefix + ".IpRanges." + std::to_string(m);
            raw.v4.emplace_back(p.GetOr(r + ".CidrIp", ""), p.GetOr(r + ".Description", ""));
        }
        for (int m : p.Indexes(prefix + ".Ipv6Ranges")) {
            std::string r = prefix + ".Ipv6Ranges." + std::to_string(m);
            raw.v6.emplace_back(p.GetOr(r + ".CidrIpv6", ""), p.GetOr(r + ".Description", ""));
        }
        for (int m : p.Indexes(prefix + ".Groups")) {
            std::string r = prefix + ".Groups." + std::to_string(m);
            raw.groups.push_back({p.GetOr(r + ".GroupId", ""),
                                  p.GetOr(r + ".GroupName", ""),
                                  p.GetOr(r + ".UserId", ""),
                                  p.GetOr(r + ".Description", "")});
        }
        for (int m : p.Indexes(prefix + ".PrefixListIds")) {
            raw.prefix_lists.push_back(
                    p.GetOr(prefix + ".PrefixListIds." + std::to_string(m) + ".PrefixListId", ""));
        }
        out.push_back(std::move(raw));
    }
    return out;
}

bool HasLegacyPermission(const FormParams& p) {
    return p.Get("IpProtocol") != nullptr || p.Get("CidrIp") != nullptr ||
           p.Get("SourceSecurityGroupName") != nullptr || p.Get("SourceSecurityGroupId") != nullptr;
}

RawPermission ReadLegacyPermission(const FormParams& p) {
    RawPermission raw;
    raw.protocol = p.GetOr("IpProtocol", "-1");
    raw.from = p.Get("FromPort");
    raw.to = p.Get("ToPort");
    if (const std::string* cidr = p.Get("CidrIp"))
        raw.v4.emplace_back(*cidr, "");
    const std::string* source_name = p.Get("SourceSecurityGroupName");
    const std::string* source_id = p.Get("SourceSecurityGroupId");
    if (source_name != nullptr || source_id != nullptr) {
        raw.groups.push_back({source_id ? *source_id : "",
                              source_name ? *source_name : "",
                              p.GetOr("SourceSecurityGroupOwnerId", ""),
                              ""});
    }
    return raw;
}

// The request's CloudTrail shape (notes 2.3): IpPermissions.N, or the legacy flat form.
std::string PermissionsRequestJson(const FormParams& p) {
    JsonObject request;
    const std::string* group_id = p.Get("GroupId");
    const std::string* group_name = p.Get("GroupName");
    if (group_id != nullptr)
        request.Str("groupId", *group_id);
    if (group_name != nullptr)
        request.Str("groupName", *group_name);
    if (HasLegacyPermission(p)) {
        if (const std::string* v = p.Get("CidrIp"))
            request.Str("cidrIp", *v);
        if (const std::string* v = p.Get("SourceSecurityGroupName"))
            request.Str("sourceSecurityGroupName", *v);
        if (const std::string* v = p.Get("SourceSecurityGroupOwnerId")) {
            request.Str("sourceSecurityGroupOwnerId", *v);
        }
        if (const std::string* v = p.Get("IpProtocol"))
            request.Str("ipProtocol", *v);
        if (const std::string* v = p.Get("FromPort"))
            request.Raw("fromPort", JsonNumberOrText(*v));
        if (const std::string* v = p.Get("ToPort"))
            request.Raw("toPort", JsonNumberOrText(*v));
    }
    std::vector<std::string> items;
    for (const RawPermission& raw : ReadPermissions(p)) {
        JsonObject item;
        item.Str("ipProtocol", raw.protocol);
        if (raw.from != nullptr)
            item.Raw("fromPort", JsonNumberOrText(*raw.from));
        if (raw.to != nullptr)
            item.Raw("toPort", JsonNumberOrText(*raw.to));
        std::vector<std::string> groups;
        for (const RawGroupPair& g : raw.groups) {
            JsonObject pair;
            if (!g.group_id.empty())
                pair.Str("groupId", g.group_id);
            if (!g.group_name.empty())
                pair.Str("groupName", g.group_name);
            if (!g.user_id.empty())
                pair.Str("userId", g.user_id);
            if (!g.description.empty())
                pair.Str("description", g.description);
            groups.push_back(pair.Build());
        }
        auto ranges = [](const std::vector<std::pair<std::string, std::string>>& list,
                         std::string_view key) {
            std::vector<std::string> out;
            for (const auto& [cidr, description] : list) {
                JsonObject range;
                range.Str(key, cidr);
                if (!description.empty())
                    range.Str("description", description);
                out.push_back(range.Build());
            }
            return JsonItems(out);
        };
        std::vector<std::string> lists;
        for (const std::string& id : raw.prefix_lists) {
            lists.push_back(JsonObject().Str("prefixListId", id).Build());
        }
        item.Raw("groups", JsonItems(groups))
                .Raw("ipRanges", ranges(raw.v4, "cidrIp"))
                .Raw("ipv6Ranges", ranges(raw.v6, "cidrIpv6"))
                .Raw("prefixListIds", JsonItems(lists));
        items.push_back(item.Build());
    }
    request.Raw("ipPermissions", JsonItems(items));
    return request.Build();
}

// "tcp", "udp", "icmp", "icmpv6", "-1" or a protocol number; nullopt when invalid.
std::optional<std::string> NormalizeProtocol(std::string_view text) {
    std::string lower;
    for (char c : text)
        lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (lower == "tcp" || lower == "6")
        return "tcp";
    if (lower == "udp" || lower == "17")
        return "udp";
    if (lower == "icmp" || lower == "1")
        return "icmp";
    if (lower == "icmpv6" || lower == "58")
        return "icmpv6";
    if (lower == "-1" || lower == "all")
        return "-1";
    std::optional<int64_t> number = ParseInt(lower);
    if (number && *number >= 0 && *number <= 255)
        return std::to_string(*number);
    return std::nullopt;
}

// Validates one permission against `target` (whose VPC names resolve group names) and appends
// its rules; false when it failed the call.
bool ToRules(Call& call,
             const RawPermission& raw,
             const SecurityGroup& target,
             std::vector<RuleSpec>* out) {
    if (raw.protocol.empty()) {
        FailMissing(call, "IpPermissions.N.IpProtocol");
        return false;
    }
    std::optional<std::string> protocol = NormalizeProtocol(raw.protocol);
    if (!protocol) {
        call.Fail("InvalidParameterValue",
                  "Invalid value '" + raw.protocol + "' for IP protocol. Unknown protocol.");
        return false;
    }
    int from = -1;
    int to = -1;
    if (*protocol == "tcp" || *protocol == "udp") {
        std::optional<int64_t> f = raw.from ? ParseInt(*raw.from) : std::nullopt;
        std::optional<int64_t> t = raw.to ? ParseInt(*raw.to) : std::nullopt;
        if (!f || !t) {
            call.Fail("InvalidParameterValue",
                      "Invalid value 'Must specify both from and to ports with TCP/UDP.' for "
                      "portRange");
            return false;
        }
        if (*f < 0 || *f > 65535 || *t < 0 || *t > 65535 || *f > *t) {
            call.Fail("InvalidParameterValue",
                      "Invalid value '" + std::to_string(*f) + "-" + std::to_string(*t) +
                              "' for portRange. Ports must be between 0 and 65535 and from port "
                              "must not exceed to port.");
            return false;
        }
        from = static_cast<int>(*f);
        to = static_cast<int>(*t);
    } else if (*protocol == "icmp" || *protocol == "icmpv6") {
        std::optional<int64_t> f = raw.from ? ParseInt(*raw.from) : std::optional<int64_t>(-1);
        std::optional<int64_t> t = raw.to ? ParseInt(*raw.to) : std::optional<int64_t>(-1);
        if (!f || !t || *f < -1 || *f > 255 || *t < -1 || *t > 255) {
            call.Fail(
                    "InvalidParameterValue",
                    "Invalid value for portRange. ICMP type and code must be between -1 and 255.");
            return false;
        }
        from = static_cast<int>(*f);
        to = static_cast<int>(*t);
    }
    if (!raw.prefix_lists.empty()) {
        call.Fail(
                "InvalidParameterValue",
                "Prefix list rules are not supported by the sandbox (" + raw.prefix_lists[0] + ")");
        return false;
    }
    if (raw.v4.empty() && raw.v6.empty() && raw.groups.empty()) {
        call.Fail("MissingParameter",
                  "The request must contain the parameter IpRanges, Ipv6Ranges or Groups");
        return false;
    }
    auto check_description = [&call](const std::string& d) {
        if (d.size() > 255) {
            call.Fail("InvalidParameterValue",
                      "Invalid rule description. Length must not exceed 255 characters.");
            return false;
        }
        return true;
    };
    for (const auto& [cidr, description] : raw.v4) {
        if (!ParseIpv4Cidr(cidr)) {
            call.Fail("InvalidParameterValue", "CIDR block " + cidr + " is malformed");
            return false;
        }
        if (!check_description(description))
            return false;
        out->push_back({*protocol, from, to, cidr, "", description});
    }
    for (const auto& [cidr, description] : raw.v6) {
        if (!ValidIpv6Cidr(cidr)) {
            call.Fail("InvalidParameterValue", "CIDR block " + cidr + " is malformed");
            return false;
        }
        if (!check_description(description))
            return false;
        out->push_back({*protocol, from, to, cidr, "", description});
    }
    for (const RawGroupPair& g : raw.groups) {
        if (!check_description(g.description))
            return false;
        const SecurityGroup* source = nullptr;
        if (!g.group_id.empty()) {
            source = call.world->FindSecurityGroup(call.account_id, call.region, g.group_id);
        } else if (!g.group_name.empty()) {
            source = FindGroupByName(call, target.vpc_id, g.group_name);
        } else {
            FailMissing(call, "Groups.N.GroupId");
            return false;
        }
        if (source == nullptr) {
            FailGroupsNotFound(call, {g.group_id.empty() ? g.group_name : g.group_id});
            return false;
        }
        out->push_back({*protocol, from, to, "", source->id, g.description});
    }
    return true;
}

IpPermission* FindPermission(std::vector<IpPermission>* list, const RuleSpec& rule) {
    for (IpPermission& p : *list) {
        if (p.protocol == rule.protocol && p.from_port == rule.from && p.to_port == rule.to)
            return &p;
    }
    return nullptr;
}

bool RuleExists(std::vector<IpPermission>* list, const RuleSpec& rule) {
    IpPermission* p = FindPermission(list, rule);
    if (p == nullptr)
        return false;
    if (!rule.cidr.empty()) {
        return std::any_of(p->ipv4_ranges.begin(), p->ipv4_ranges.end(), [&](const IpRange& r) {
            return r.cidr == rule.cidr;
        });
    }
    return std::any_of(p->groups.begin(), p->groups.end(), [&](const GroupReference& g) {
        return g.group_id == rule.group_id;
    });
}

std::string RuleText(const RuleSpec& rule) {
    std::string protocol = rule.protocol == "-1" ? "ALL" : rule.protocol;
    for (char& c : protocol)
        c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    std::string out = "peer: " + (rule.cidr.empty() ? rule.group_id : rule.cidr) + ", " + protocol;
    if (rule.protocol != "-1") {
        out += ", from port: " + std::to_string(rule.from) +
               ", to port: " + std::to_string(rule.to);
    }
    return out + ", ALLOW";
}

// Parses GroupId (or GroupName in the default VPC) and the permissions of an authorize or revoke
// call, after authorizing `iam_action` on the group. nullptr when it failed the call.
SecurityGroup* PrepareRuleChange(Call& call,
                                 std::string_view iam_action,
                                 bool egress,
                                 std::vector<RuleSpec>* rules) {
    call.request_parameters = PermissionsRequestJson(call.params);
    const std::string* group_id = call.params.Get("GroupId");
    const std::string* group_name = call.params.Get("GroupName");
    if ((group_id == nullptr || group_id->empty()) && (egress || group_name == nullptr)) {
        FailMissing(call, "GroupId");
        return nullptr;
    }
    std::vector<RawPermission> raws = ReadPermissions(call.params);
    if (HasLegacyPermission(call.params))
        raws.push_back(ReadLegacyPermission(call.params));
    if (raws.empty()) {
        FailMissing(call, "IpPermissions");
        return nullptr;
    }
    if (group_id != nullptr && !CheckIds(call, {*group_id}, "sg-", "InvalidGroupId.Malformed")) {
        return nullptr;
    }
    SecurityGroup* group = nullptr;
    if (group_id != nullptr) {
        if (!call.Authorize(iam_action,
                            SecurityGroupArn(call.region, call.account_id, *group_id))) {
            return nullptr;
        }
        if (DryRun(call))
            return nullptr;
        group = call.world->FindSecurityGroup(call.account_id, call.region, *group_id);
        if (group == nullptr) {
            FailGroupsNotFound(call, {*group_id});
            return nullptr;
        }
    } else {
        const Vpc* vpc = DefaultVpc(call);
        group = vpc ? FindGroupByName(call, vpc->id, *group_name) : nullptr;
        std::string arn = SecurityGroupArn(call.region, call.account_id, group ? group->id : "*");
        if (!call.Authorize(iam_action, arn))
            return nullptr;
        if (DryRun(call))
            return nullptr;
        if (group == nullptr) {
            call.Fail("InvalidGroup.NotFound",
                      "The security group '" + *group_name + "' does not exist in default VPC '" +
                              (vpc ? vpc->id : std::string("none")) + "'");
            return nullptr;
        }
    }
    for (const RawPermission& raw : raws) {
        if (!ToRules(call, raw, *group, rules))
            return nullptr;
    }
    return group;
}

void AuthorizeSecurityGroupIngress(Call& call) {
    std::vector<RuleSpec> rules;
    SecurityGroup* group =
            PrepareRuleChange(call, "ec2:AuthorizeSecurityGroupIngress", false, &rules);
    if (group == nullptr)
        return;
    for (size_t i = 0; i < rules.size(); ++i) {
        bool repeated = false;
        for (size_t j = 0; j < i; ++j) {
            const RuleSpec& a = rules[i];
            const RuleSpec& b = rules[j];
            repeated = repeated || (a.protocol == b.protocol && a.from == b.from && a.to == b.to &&
                                    a.cidr == b.cidr && a.group_id == b.group_id);
        }
        if (repeated || RuleExists(&group->ingress, rules[i])) {
            call.Fail("InvalidPermission.Duplicate",
                      "the specified rule \"" + RuleText(rules[i]) + "\" already exists");
            return;
        }
    }
    std::string xml;
    std::vector<std::string> json;
    for (const RuleSpec& rule : rules) {
        IpPermission* permission = FindPermission(&group->ingress, rule);
        if (permission == nullptr) {
            IpPermission fresh;
            fresh.protocol = rule.protocol;
            fresh.from_port = rule.from;
            fresh.to_port = rule.to;
            group->ingress.push_back(std::move(fresh));
            permission = &group->ingress.back();
        }
        std::string rule_id = call.world->NewId(IdKind::kSecurityGroupRule);
        if (!rule.cidr.empty()) {
            permission->ipv4_ranges.push_back({rule.cidr, rule.description, rule_id});
        } else {
            permission->groups.push_back(
                    {rule.group_id, call.account_id, rule.description, rule_id});
        }
        xml += "<item>" + Xml("securityGroupRuleId", rule_id) + Xml("groupId", group->id) +
               Xml("groupOwnerId", call.account_id) + Xml("isEgress", "false") +
               Xml("ipProtocol", rule.protocol) + Xml("fromPort", std::to_string(rule.from)) +
               Xml("toPort", std::to_string(rule.to));
        JsonObject item;
        item.Str("groupOwnerId", call.account_id)
                .Bool("isEgress", false)
                .Str("groupId", group->id)
                .Str("securityGroupRuleId", rule_id)
                .Str("ipProtocol", rule.protocol)
                .Int("fromPort", rule.from)
                .Int("toPort", rule.to);
        if (rule.cidr.empty()) {
            xml += XmlRaw("referencedGroupInfo",
                          Xml("groupId", rule.group_id) + Xml("userId", call.account_id));
            item.Raw("referencedGroupInfo",
                     JsonObject()
                             .Str("groupId", rule.group_id)
                             .Str("userId", call.account_id)
                             .Build());
        } else if (IsIpv6(rule.cidr)) {
            xml += Xml("cidrIpv6", rule.cidr);
            item.Str("cidrIpv6", rule.cidr);
        } else {
            xml += Xml("cidrIpv4", rule.cidr);
            item.Str("cidrIpv4", rule.cidr);
        }
        if (!rule.description.empty()) {
            xml += Xml("description", rule.description);
            item.Str("description", rule.description);
        }
        xml += "</item>";
        json.push_back(item.Build());
    }
    call.mutated = true;
    call.ReplyEc2("<return>true</return>" + XmlRaw("securityGroupRuleSet", xml));
    call.response_elements = JsonObject()
                                     .Str("requestId", call.request_id)
                                     .Bool("_return", true)
                                     .Raw("securityGroupRuleSet", JsonItems(json))
                                     .Build();
}

void RevokeRules(Call& call, bool egress) {
    std::vector<RuleSpec> rules;
    SecurityGroup* group = PrepareRuleChange(
            call,
            egress ? "ec2:RevokeSecurityGroupEgress" : "ec2:RevokeSecurityGroupIngress",
            egress,
            &rules);
    if (group == nullptr)
        return;
    std::vector<IpPermission>* list = egress ? &group->egress : &group->ingress;
    for (const RuleSpec& rule : rules) {
        if (!RuleExists(list, rule)) {
            call.Fail("InvalidPermission.NotFound",
                      "The specified rule does not exist in this security group.");
            return;
        }
    }
    for (const RuleSpec& rule : rules) {
        IpPermission* p = FindPermission(list, rule);
        if (p == nullptr)
            continue;  // a rule named twice in the request
        if (!rule.cidr.empty()) {
            std::erase_if(p->ipv4_ranges, [&](const IpRange& r) { return r.cidr == rule.cidr; });
        } else {
            std::erase_if(p->groups,
                          [&](const GroupReference& g) { return g.group_id == rule.group_id; });
        }
    }
    std::erase_if(*list,
                  [](const IpPermission& p) { return p.ipv4_ranges.empty() && p.groups.empty(); });
    call.mutated = true;
    call.ReplyEc2("<return>true</return>");
    call.response_elements =
            JsonObject().Str("requestId", call.request_id).Bool("_return", true).Build();
}

void RevokeSecurityGroupIngress(Call& call) {
    RevokeRules(call, false);
}

void RevokeSecurityGroupEgress(Call& call) {
    RevokeRules(call, true);
}

}  // namespace

void RegisterEc2Handlers(HandlerTable* table) {
    (*table)[{Api::kEc2, "DescribeInstances"}] = {DescribeInstances, true};
    (*table)[{Api::kEc2, "ModifyInstanceAttribute"}] = {ModifyInstanceAttribute, false};
    (*table)[{Api::kEc2, "StopInstances"}] = {StopInstances, false};
    (*table)[{Api::kEc2, "TerminateInstances"}] = {TerminateInstances, false};
    (*table)[{Api::kEc2, "DescribeSnapshots"}] = {DescribeSnapshots, true};
    (*table)[{Api::kEc2, "RunInstances"}] = {RunInstances, false};
    (*table)[{Api::kEc2, "DescribeVolumes"}] = {DescribeVolumes, true};
    (*table)[{Api::kEc2, "CreateSnapshot"}] = {CreateSnapshot, false};
    (*table)[{Api::kEc2, "CreateTags"}] = {CreateTags, false};
    (*table)[{Api::kEc2, "DescribeSecurityGroups"}] = {DescribeSecurityGroups, true};
    (*table)[{Api::kEc2, "CreateSecurityGroup"}] = {CreateSecurityGroup, false};
    (*table)[{Api::kEc2, "AuthorizeSecurityGroupIngress"}] = {AuthorizeSecurityGroupIngress, false};
    (*table)[{Api::kEc2, "RevokeSecurityGroupIngress"}] = {RevokeSecurityGroupIngress, false};
    (*table)[{Api::kEc2, "RevokeSecurityGroupEgress"}] = {RevokeSecurityGroupEgress, false};
}

}  // namespace firebreak::sandbox
