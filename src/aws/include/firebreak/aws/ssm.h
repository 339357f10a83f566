// File: ssm.h
//
// Typed SSM operations over AwsClient::Json() (JSON 1.1, X-Amz-Target AmazonSSM.<Op>):
// SendCommand, how a playbook runs a collection script (memory or disk triage) on an instance,
// and ListCommands, how it finds the commands it already sent.
//
// The operation has a request and a response struct, the encoder of the JSON body botocore sends
// (../shared/notes/aws-wire-protocols.md 1.2), the parser of the reply and the call itself.
// Timestamps are epoch seconds on the wire. A reply whose known members have the wrong JSON type
// is an ApiError with code "InvalidResponse". The response and such errors carry the reply's
// x-amzn-RequestId.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/aws/error.h"
#include "firebreak/event/json_tree.h"

namespace firebreak::aws::ssm {

using TimePoint = std::chrono::system_clock::time_point;

// ---- SendCommand --------------------------------------------------------------------------------

struct SendCommandRequest {
    std::vector<std::string> instance_ids;
    std::string document_name;  // "AWS-RunShellScript"
    // Document parameters: {"commands": ["uname -a"]}. Empty = not sent.
    std::map<std::string, std::vector<std::string>> parameters;
    std::string comment;                 // empty = not sent
    std::optional<int> timeout_seconds;  // delivery timeout, 30..2592000
};

struct Command {
    std::string command_id;
    std::string document_name;
    std::string document_version;
    std::string comment;
    std::vector<std::string> instance_ids;
    std::map<std::string, std::vector<std::string>> parameters;
    std::optional<TimePoint> requested_date_time;
    std::optional<TimePoint> expires_after;
    std::string status;          // "Pending", "InProgress", "Success", ...
    std::string status_details;  // "Pending", "Delivery Timed Out", ...
    int64_t target_count = 0;
    int64_t completed_count = 0;
    int64_t error_count = 0;
    std::optional<int64_t> timeout_seconds;
};

struct SendCommandResponse {
    Command command;
    std::string request_id;
};

std::string EncodeSendCommandJson(const SendCommandRequest& request);

// Fails with InvalidResponse when the reply has no Command with a CommandId.
Outcome<SendCommandResponse> ParseSendCommand(const JsonReply& reply);

Outcome<SendCommandResponse> SendCommand(const AwsClient& client,
                                         const SendCommandRequest& request);

// ---- ListCommands -------------------------------------------------------------------------------

// Filter keys: InvokedAfter, InvokedBefore, Status, ExecutionStage, DocumentName.
struct CommandFilter {
    std::string key;
    std::string value;
};

// All empty: the commands requested in the last 30 days. `instance_id` narrows to commands that
// targeted the instance. An unknown `command_id` fails with InvalidCommandId.
struct ListCommandsRequest {
    std::string command_id;          // empty = not sent
    std::string instance_id;         // empty = not sent
    std::optional<int> max_results;  // 1..50
    std::string next_token;          // the previous page's NextToken
    std::vector<CommandFilter> filters;
};

struct ListCommandsResponse {
    std::vector<Command> commands;
    std::string next_token;  // empty on the last page
    std::string request_id;
};

std::string EncodeListCommandsJson(const ListCommandsRequest& request);

// Fails with InvalidResponse when the reply has no Commands array or a command has no CommandId.
Outcome<ListCommandsResponse> ParseListCommands(const JsonReply& reply);

Outcome<ListCommandsResponse> ListCommands(const AwsClient& client,
                                           const ListCommandsRequest& request);

}  // namespace firebreak::aws::ssm
