// File: sns.cpp
//
// SNS Publish: form parameters for Query() and the reader of <PublishResult>.
#include "firebreak/aws/sns.h"

namespace firebreak::aws::sns {

QueryParams EncodePublish(const PublishRequest& request) {
    QueryParams params;
    params.Add("TopicArn", request.topic_arn);
    if (!request.subject.empty())
        params.Add("Subject", request.subject);
    params.Add("Message", request.message);
    size_t index = 0;
    for (const auto& [name, attribute] : request.message_attributes) {
        std::string prefix = "MessageAttributes.entry." + std::to_string(++index);
        params.Add(prefix + ".Name", name);
        params.Add(prefix + ".Value.DataType", attribute.data_type);
        params.Add(prefix + ".Value.StringValue", attribute.string_value);
    }
    return params;
}

Outcome<PublishResponse> ParsePublish(const XmlReply& reply) {
    PublishResponse out;
    out.message_id = ChildText(reply.result, "MessageId");
    if (out.message_id.empty())
        return InvalidResponse("sns:Publish", "no MessageId");
    out.request_id = reply.request_id;
    return out;
}

Outcome<PublishResponse> Publish(const AwsClient& client, const PublishRequest& request) {
    return CallQuery(client, ServiceId::kSns, "Publish", EncodePublish(request), ParsePublish);
}

}  // namespace firebreak::aws::sns
