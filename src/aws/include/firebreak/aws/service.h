// File: service.h
//
// The AWS services firebreak calls, with their wire protocol, API version, endpoint prefix,
// signing name and the names users configure them by (AWS_ENDPOINT_URL_<ID>, [services] keys).
// Facts from the botocore service models (see ../shared/notes/aws-wire-protocols.md, 1.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace firebreak::aws {

enum class Protocol : uint8_t {
    kEc2,      // form POST, lists flattened as Name.N, XML replies
    kQuery,    // form POST, lists as Name.member.N, XML replies wrapped in <OpResult>
    kJson11,   // JSON POST with X-Amz-Target
    kRestXml,  // S3: HTTP verbs and paths, XML bodies
};

enum class ServiceId : uint8_t {
    kEc2,
    kAutoScaling,
    kElb,
    kElbV2,
    kCloudTrail,
    kIam,
    kSts,
    kS3,
    kSsm,
    kSns
};

inline constexpr int kServiceCount = 10;

struct ServiceInfo {
    ServiceId id;
    std::string_view name;  // firebreak's and botocore's client name: "elbv2"
    Protocol protocol;
    std::string_view api_version;      // "2016-11-15"
    std::string_view endpoint_prefix;  // "elasticloadbalancing"
    std::string_view signing_name;     // SigV4 service name
    std::string_view env_suffix;       // AWS_ENDPOINT_URL_<suffix>: "ELASTIC_LOAD_BALANCING_V2"
    std::string_view config_key;     // key inside a [services] section: "elastic_load_balancing_v2"
    std::string_view xml_namespace;  // query/EC2 reply namespace; empty for JSON
    std::string_view
            json_target_prefix;  // "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"
    bool global = false;         // one endpoint for all regions, signed as us-east-1 (IAM)
};

const ServiceInfo& GetService(ServiceId id);

std::optional<ServiceId> ServiceByName(std::string_view name);

}  // namespace firebreak::aws
