// File: ssm.cpp
//
// SSM SendCommand and ListCommands: the JSON body built with the project's JSON escaping, the reply
// read from event::JsonValue with type checks on every member read.
#include "firebreak/aws/ssm.h"

#include <utility>

#include "firebreak/aws/json_protocol.h"
#include "firebreak/core/text.h"

namespace firebreak::aws::ssm {
namespace {

using event::JsonValue;

constexpr const char* kSendCommand = "ssm:SendCommand";
constexpr const char* kListCommands = "ssm:ListCommands";

// Reads one Command object's members into `c`; type errors are left in `reader`.
void ReadCommand(JsonReplyReader& reader, const JsonValue& command, Command* out) {
    Command& c = *out;
    c.command_id = reader.String(command, "CommandId");
    c.document_name = reader.String(command, "DocumentName");
    c.document_version = reader.String(command, "DocumentVersion");
    c.comment = reader.String(command, "Comment");
    if (const JsonValue* ids = reader.Get(command, "InstanceIds", JsonValue::Type::kArray))
        c.instance_ids = reader.Strings(*ids, "InstanceIds");
    if (const JsonValue* params = reader.Get(command, "Parameters", JsonValue::Type::kObject)) {
        for (const auto& [name, values] : params->members) {
            if (!values.is_array()) {
                reader.Fail("Parameters." + name + " is not an array");
                break;
            }
            c.parameters[name] = reader.Strings(values, "Parameters." + name);
        }
    }
    c.requested_date_time = reader.Time(command, "RequestedDateTime");
    c.expires_after = reader.Time(command, "ExpiresAfter");
    c.status = reader.String(command, "Status");
    c.status_details = reader.String(command, "StatusDetails");
    c.target_count = reader.Int(command, "TargetCount").value_or(0);
    c.completed_count = reader.Int(command, "CompletedCount").value_or(0);
    c.error_count = reader.Int(command, "ErrorCount").value_or(0);
    c.timeout_seconds = reader.Int(command, "TimeoutSeconds");
}

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
    ReadCommand(reader, *command, &c);
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

std::string EncodeListCommandsJson(const ListCommandsRequest& request) {
    std::string out = "{";
    if (!request.command_id.empty()) {
        AppendJsonKey("CommandId", &out);
        AppendJsonString(request.command_id, &out);
    }
    if (!request.instance_id.empty()) {
        AppendJsonKey("InstanceId", &out);
        AppendJsonString(request.instance_id, &out);
    }
    if (request.max_results) {
        AppendJsonKey("MaxResults", &out);
        out += std::to_string(*request.max_results);
    }
    if (!request.next_token.empty()) {
        AppendJsonKey("NextToken", &out);
        AppendJsonString(request.next_token, &out);
    }
    if (!request.filters.empty()) {
        AppendJsonKey("Filters", &out);
        out.push_back('[');
        for (size_t i = 0; i < request.filters.size(); ++i) {
            out += i > 0 ? ",{" : "{";
            AppendJsonKey("key", &out);
            AppendJsonString(request.filters[i].key, &out);
            AppendJsonKey("value", &out);
            AppendJsonString(request.filters[i].value, &out);
            out.push_back('}');
        }
        out.push_back(']');
    }
    out.push_back('}');
    return out;
}

Outcome<ListCommandsResponse> ParseListCommands(const JsonReply& reply) {
    JsonReplyReader reader(kListCommands, reply.request_id);
    const JsonValue* commands =
            reply.body.is_object() ? reader.Get(reply.body, "Commands", JsonValue::Type::kArray)
                                   : nullptr;
    if (commands == nullptr) {
        reader.Fail("no Commands array");
        return reader.error();
    }
    ListCommandsResponse out;
    for (const JsonValue& item : commands->items) {
        if (!item.is_object()) {
            reader.Fail("Commands holds a non-object");
            break;
        }
        Command c;
        ReadCommand(reader, item, &c);
        if (reader.ok() && c.command_id.empty())
            reader.Fail("Command has no CommandId");
        if (!reader.ok())
            break;
        out.commands.push_back(std::move(c));
    }
    out.next_token = reader.String(reply.body, "NextToken");
    if (!reader.ok())
        return reader.error();
    out.request_id = reply.request_id;
    return out;
}

Outcome<ListCommandsResponse> ListCommands(const AwsClient& client,
                                           const ListCommandsRequest& request) {
    return CallJson(client,
                    ServiceId::kSsm,
                    "ListCommands",
                    EncodeListCommandsJson(request),
                    ParseListCommands);
}

}  // namespace firebreak::aws::ssm
