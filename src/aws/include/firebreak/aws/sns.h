// File: sns.h
//
// Typed SNS operations over AwsClient::Query() (query protocol, Version=2010-03-31): Publish, how
// a playbook notifies the on-call channel.
//
// The operation has a request and a response struct, the encoder of the form parameters botocore
// sends (../shared/notes/aws-wire-protocols.md 1.2), the parser of the reply and the call itself.
#pragma once

#include <map>
#include <string>

#include "firebreak/aws/client.h"
#include "firebreak/aws/error.h"

namespace firebreak::aws::sns {

struct MessageAttribute {
    std::string data_type = "String";  // "String", "Number", "String.Array"
    std::string string_value;
};

// ---- Publish ------------------------------------------------------------------------------------

struct PublishRequest {
    std::string topic_arn;
    std::string message;
    std::string subject;  // empty = not sent (email endpoints then use a default subject)
    // Sent in name order as MessageAttributes.entry.N.Name / .Value.DataType / .Value.StringValue.
    std::map<std::string, MessageAttribute> message_attributes;
};

struct PublishResponse {
    std::string message_id;
    std::string request_id;
};

QueryParams EncodePublish(const PublishRequest& request);

// Fails with InvalidResponse when the reply has no MessageId.
Outcome<PublishResponse> ParsePublish(const XmlReply& reply);

Outcome<PublishResponse> Publish(const AwsClient& client, const PublishRequest& request);

}  // namespace firebreak::aws::sns
