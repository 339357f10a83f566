// File: ssm.cpp
//
// SSM SendCommand: the JSON body built with the project's JSON escaping, the reply read from
// event::JsonValue with type checks on every member read.
#include "firebreak/aws/ssm.h"

#include <utility>

#include "firebreak/aws/json_protocol.h"
#include "firebreak/core/text.h"

namespace firebreak::aws::ssm {
namespace {

using event::JsonValue;

constexpr const char* kSendCommand = "ssm:SendCommand";

}  // namespace

std::string EncodeSendCommandJson(const SendCommandRequest& request) {
    std::string out = "{";
    AppendJsonKey("InstanceIds", &out);
    AppendJsonStringArray(request.instance_ids, &out);
    AppendJsonKey("DocumentName", &out);
    AppendJsonString(request.document_name, &out);
    if (request.timeout_seconds) {
        AppendJsonKey("TimeoutSeconds", &out);
        out += std::to_string(*request.timeout_seconds);
    }
    if (!request.comment.empty()) {
        AppendJsonKey("Comment", &out);
        AppendJsonString(request.comment, &out);
    }
    if (!request.parameters.empty()) {
        AppendJsonKey("Parameters", &out);
        out.push_back('{');
        for (const auto& [name, values] : request.parameters) {
            AppendJsonKey(name, &out);
            AppendJsonStringArray(values, &out);
        }
        out.push_back('}');
    }
    out.push_back('}');
    return out;
}

Outcome<SendCommandResponse> ParseSendCommand(const JsonReply& reply) {
    JsonReplyReader reader(kSendCommand, reply.request_id);
    const JsonValue* command = reply.body.is_object()
                                       ? reader.Get(reply.body, "Command", JsonValue::Type::kObject)
                                       : nullptr;
    if (command == nullptr) {
        reader.Fail("no Command object");
        return reader.error();
    }
    SendCommandResponse out;
    Command& c = out.command;
    c.command_id = reader.String(*command, "CommandId");
    c.document_name = reader.String(*command, "DocumentName");
    c.document_version = reader.String(*command, "DocumentVersion");
    c.comment = reader.String(*command, "Comment");
    if (const JsonValue* ids = reader.Get(*command, "InstanceIds", JsonValue::Type::kArray))
        c.instance_ids = reader.Strings(*ids, "InstanceIds");
    if (const JsonValue* params = reader.Get(*command, "Parameters", JsonValue::Type::kObject)) {
        for (const auto& [name, values] : params->members) {
            if (!values.is_array()) {
                reader.Fail("Parameters." + name + " is not an array");
                break;
            }
            c.parameters[name] = reader.Strings(values, "Parameters." + name);
        }
    }
    c.requested_date_time = reader.Time(*command, "RequestedDateTime");
    c.expires_after = reader.Time(*command, "ExpiresAfter");
    c.status = reader.String(*command, "Status");
    c.status_details = reader.String(*command, "StatusDetails");
    c.target_count = reader.Int(*command, "TargetCount").value_or(0);
    c.completed_count = reader.Int(*command, "CompletedCount").value_or(0);
    c.error_count = reader.Int(*command, "ErrorCount").value_or(0);
    c.timeout_seconds = reader.Int(*command, "TimeoutSeconds");
    if (reader.ok() && c.command_id.empty())
        reader.Fail("Command has no CommandId");
    if (!reader.ok())
        return reader.error();
    out.request_id = reply.request_id;
    return out;
}

Outcome<SendCommandResponse> SendCommand(const AwsClient& client,
                                         const SendCommandRequest& request) {
    return CallJson(client,
                    ServiceId::kSsm,
                    "SendCommand",
                    EncodeSendCommandJson(request),
                    ParseSendCommand);
}

}  // namespace firebreak::aws::ssm
