// File: handlers_ssm_sns.cpp
//
// SSM SendCommand and ListCommands (JSON 1.1) and SNS Publish (query): the responder's "run this on
// the box" and "tell the team" calls.
//
// SendCommand stores an SsmCommand (status Pending: no agent runs in the sandbox) for running
// instances of the caller's account and region; documents are AWS-owned ("AWS-..." or
// "AWSSupport-..."), since the world holds no SSM documents. CloudTrail hides the parameters
// ("HIDDEN_DUE_TO_SECURITY_REASONS") in both requestParameters and responseElements.
//
// Publish appends an SnsMessage to the topic. It is a data event (eventCategory Data,
// managementEvent false); the message, subject and message attributes are hidden in the record.
#include <algorithm>

#include "call.h"

namespace firebreak::sandbox {
namespace {

constexpr std::string_view kHidden = "HIDDEN_DUE_TO_SECURITY_REASONS";

TimePoint ToTimePoint(Timestamp t) {
    return TimePoint(t.time_since_epoch());
}

// Epoch seconds with milliseconds, as JSON 1.1 timestamps are written ("1704067200.123").
std::string EpochSeconds(Timestamp t) {
    long long ms = t.time_since_epoch().count();
    std::string fraction = std::to_string(ms % 1000);
    fraction.insert(0, 3 - fraction.size(), '0');
    return std::to_string(ms / 1000) + "." + fraction;
}

std::string JsonStringArray(const std::vector<std::string>& items) {
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            out += ",";
        }
        out += JsonText(items[i]);
    }
    return out + "]";
}

// ---------------------------------------------------------------------------------------------
// SSM

std::string SsmNullMessage(std::string_view member) {
    return "1 validation error detected: Value null at '" + std::string(member) +
           "' failed to satisfy constraint: Member must not be null";
}

bool AwsOwnedDocument(const std::string& name) {
    return name.starts_with("AWS-") || name.starts_with("AWSSupport-") ||
           name.starts_with("AWSEC2-") || name.starts_with("AmazonCloudWatch-");
}

void SendCommand(Call& call) {
    const event::JsonValue* ids_value = call.json.Find("InstanceIds");
    const event::JsonValue* document_value = call.json.Find("DocumentName");
    const event::JsonValue* parameters_value = call.json.Find("Parameters");
    const event::JsonValue* comment_value = call.json.Find("Comment");
    const event::JsonValue* timeout_value = call.json.Find("TimeoutSeconds");

    // Shapes first: a wrongly typed member is a serialization error, as the service reports it.
    std::vector<std::string> instance_ids;
    if (ids_value != nullptr && ids_value->type != event::JsonValue::Type::kNull) {
        if (!ids_value->is_array()) {
            call.Fail("SerializationException", "InstanceIds must be a list of strings");
            return;
        }
        for (const event::JsonValue& item : ids_value->items) {
            if (!item.is_string()) {
                call.Fail("SerializationException", "InstanceIds must be a list of strings");
                return;
            }
            instance_ids.push_back(item.text);
        }
    }
    std::string document;
    if (document_value != nullptr && document_value->is_string()) {
        document = document_value->text;
    }
    std::map<std::string, std::vector<std::string>> parameters;
    if (parameters_value != nullptr && parameters_value->type != event::JsonValue::Type::kNull) {
        if (!parameters_value->is_object()) {
            call.Fail("SerializationException", "Parameters must be a map of string lists");
            return;
        }
        for (const auto& [name, values] : parameters_value->members) {
            if (!values.is_array()) {
                call.Fail("SerializationException", "Parameters must be a map of string lists");
                return;
            }
            std::vector<std::string>& list = parameters[name];
            for (const event::JsonValue& v : values.items) {
                if (!v.is_string()) {
                    call.Fail("SerializationException", "Parameters must be a map of string lists");
                    return;
                }
                list.push_back(v.text);
            }
        }
    }
    std::string comment;
    if (comment_value != nullptr && comment_value->is_string()) {
        comment = comment_value->text;
    }
    int timeout = 3600;
    bool timeout_given = false;
    if (timeout_value != nullptr && timeout_value->type != event::JsonValue::Type::kNull) {
        if (!timeout_value->is_number()) {
            call.Fail("SerializationException", "TimeoutSeconds must be a number");
            return;
        }
        const std::string& text = timeout_value->text;
        bool digits =
                !text.empty() && text.size() <= 9 &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
        timeout = digits ? std::stoi(text) : -1;
        timeout_given = true;
    }

    std::string request = "{\"instanceIds\":" + JsonStringArray(instance_ids);
    if (document_value != nullptr) {
        request += ",\"documentName\":" + JsonText(document);
    }
    if (!comment.empty()) {
        request += ",\"comment\":" + JsonText(comment);
    }
    if (timeout_given) {
        request += ",\"timeoutSeconds\":" + std::to_string(timeout);
    }
    request += ",\"interactive\":false";
    if (parameters_value != nullptr) {
        request += ",\"parameters\":" + JsonText(kHidden);
    }
    call.request_parameters = request + "}";

    if (document.empty()) {
        call.Fail("ValidationException", SsmNullMessage("documentName"));
        return;
    }
    if (instance_ids.empty()) {
        call.Fail("ValidationException", SsmNullMessage("instanceIds"));
        return;
    }
    if (instance_ids.size() > 50) {
        call.Fail("ValidationException",
                  "1 validation error detected: Value at 'instanceIds' failed to satisfy "
                  "constraint: Member must have length less than or equal to 50");
        return;
    }
    if (timeout_given && (timeout < 30 || timeout > 2592000)) {
        call.Fail("ValidationException",
                  "1 validation error detected: Value '" + timeout_value->text +
                          "' at 'timeoutSeconds' failed to satisfy constraint: Member must "
                          "have value between 30 and 2592000");
        return;
    }
    if (comment.size() > 100) {
        call.Fail("ValidationException",
                  "1 validation error detected: Value at 'comment' failed to satisfy "
                  "constraint: Member must have length less than or equal to 100");
        return;
    }
    std::string document_arn = "arn:aws:ssm:" + call.region + "::document/" + document;
    for (const std::string& id : instance_ids) {
        call.resources.push_back({InstanceArn(call.region, call.account_id, id),
                                  call.account_id,
                                  "AWS::EC2::Instance"});
    }
    call.resources.push_back({document_arn, call.account_id, "AWS::SSM::Document"});
    // SSM authorizes the document and every target instance.
    if (!call.Authorize("ssm:SendCommand", document_arn)) {
        return;
    }
    for (const std::string& id : instance_ids) {
        if (!call.Authorize("ssm:SendCommand", InstanceArn(call.region, call.account_id, id))) {
            return;
        }
    }
    if (!AwsOwnedDocument(document)) {
        call.Fail("InvalidDocument", "Document with name " + document + " does not exist.");
        return;
    }
    std::vector<std::string> unique_ids;
    std::string invalid;
    for (const std::string& id : instance_ids) {
        if (std::find(unique_ids.begin(), unique_ids.end(), id) != unique_ids.end()) {
            continue;
        }
        unique_ids.push_back(id);
        const Instance* instance = call.world->FindInstance(call.account_id, call.region, id);
        if (instance == nullptr || instance->state != InstanceState::kRunning) {
            invalid += std::string(invalid.empty() ? "" : ", ") + id;
        }
    }
    if (!invalid.empty()) {
        call.Fail("InvalidInstanceId",
                  "Instances [[" + invalid + "]] not in a valid state for account " +
                          call.account_id);
        return;
    }

    SsmCommand command;
    command.command_id = call.world->NewId(IdKind::kUuid);
    command.account_id = call.account_id;
    command.region = call.region;
    command.document_name = document;
    command.instance_ids = unique_ids;
    command.parameters = parameters;
    command.comment = comment;
    command.status = "Pending";
    command.requested_time = call.world->Now();
    Timestamp expires = command.requested_time + std::chrono::seconds(timeout);

    std::string params_json = "{";
    bool first = true;
    for (const auto& [name, values] : parameters) {
        params_json +=
                std::string(first ? "" : ",") + JsonText(name) + ":" + JsonStringArray(values);
        first = false;
    }
    params_json += "}";
    const std::string count = std::to_string(unique_ids.size());
    call.ReplyJson("{\"Command\":{\"CommandId\":" + JsonText(command.command_id) +
                   ",\"DocumentName\":" + JsonText(document) +
                   ",\"DocumentVersion\":\"$DEFAULT\",\"Comment\":" + JsonText(comment) +
                   ",\"ExpiresAfter\":" + EpochSeconds(expires) + ",\"Parameters\":" + params_json +
                   ",\"InstanceIds\":" + JsonStringArray(unique_ids) +
                   ",\"Targets\":[],\"RequestedDateTime\":" + EpochSeconds(command.requested_time) +
                   ",\"Status\":\"Pending\",\"StatusDetails\":\"Pending\",\"OutputS3Region\":" +
                   JsonText(call.region) +
                   ",\"OutputS3BucketName\":\"\",\"OutputS3KeyPrefix\":\"\",\"MaxConcurrency\":"
                   "\"50\",\"MaxErrors\":\"0\","
                   "\"TargetCount\":" +
                   count +
                   ",\"CompletedCount\":0,\"ErrorCount\":0,\"DeliveryTimedOutCount\":0,"
                   "\"ServiceRole\":\"\","
                   "\"NotificationConfig\":{\"NotificationArn\":\"\",\"NotificationEvents\":[],"
                   "\"NotificationType\":\"\"},"
                   "\"CloudWatchOutputConfig\":{\"CloudWatchLogGroupName\":\"\","
                   "\"CloudWatchOutputEnabled\":false},"
                   "\"TimeoutSeconds\":" +
                   std::to_string(timeout) + "}}");
    call.response_elements =
            "{\"command\":{\"commandId\":" + JsonText(command.command_id) +
            ",\"documentName\":" + JsonText(document) +
            ",\"documentVersion\":\"$DEFAULT\",\"comment\":" + JsonText(comment) +
            ",\"expiresAfter\":" + JsonText(JavaStyleTime(ToTimePoint(expires))) +
            ",\"parameters\":" + JsonText(kHidden) +
            ",\"instanceIds\":" + JsonStringArray(unique_ids) +
            ",\"targets\":[],\"requestedDateTime\":" +
            JsonText(JavaStyleTime(ToTimePoint(command.requested_time))) +
            ",\"status\":\"Pending\",\"statusDetails\":\"Pending\",\"outputS3Region\":" +
            JsonText(call.region) +
            ",\"outputS3BucketName\":\"\",\"outputS3KeyPrefix\":\"\",\"maxConcurrency\":\"50\","
            "\"maxErrors\":\"0\","
            "\"targetCount\":" +
            count +
            ",\"completedCount\":0,\"errorCount\":0,\"deliveryTimedOutCount\":0,\"serviceRole\":"
            "\"\","
            "\"notificationConfig\":{\"notificationArn\":\"\",\"notificationEvents\":[],"
            "\"notificationType\":\"\"},"
            "\"cloudWatchOutputConfig\":{\"cloudWatchLogGroupName\":\"\","
            "\"cloudWatchOutputEnabled\":false},"
            "\"timeoutSeconds\":" +
            std::to_string(timeout) + ",\"interactive\":false}}";
    call.world->ssm_commands[command.command_id] = std::move(command);
    call.mutated = true;
}

// A command as ListCommands lists it (the sandbox keeps no delivery timeout, so ExpiresAfter and
// TimeoutSeconds are left out).
std::string ListedCommandJson(const SsmCommand& command) {
    std::string params_json = "{";
    for (const auto& [name, values] : command.parameters) {
        params_json += std::string(params_json.size() > 1 ? "," : "") + JsonText(name) + ":" +
                       JsonStringArray(values);
    }
    const std::string count = std::to_string(command.instance_ids.size());
    return "{\"CommandId\":" + JsonText(command.command_id) +
           ",\"DocumentName\":" + JsonText(command.document_name) +
           ",\"DocumentVersion\":\"$DEFAULT\",\"Comment\":" + JsonText(command.comment) +
           ",\"Parameters\":" + params_json +
           "},\"InstanceIds\":" + JsonStringArray(command.instance_ids) +
           ",\"Targets\":[],\"RequestedDateTime\":" + EpochSeconds(command.requested_time) +
           ",\"Status\":" + JsonText(command.status) +
           ",\"StatusDetails\":" + JsonText(command.status) +
           ",\"OutputS3Region\":" + JsonText(command.region) +
           ",\"MaxConcurrency\":\"50\",\"MaxErrors\":\"0\"," + "\"TargetCount\":" + count +
           ",\"CompletedCount\":0,\"ErrorCount\":0}";
}

// A decimal of at most 7 digits; nullopt otherwise.
std::optional<size_t> ParseSmallNumber(const std::string& text) {
    if (text.empty() || text.size() > 7 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    return static_cast<size_t>(std::stoul(text));
}

// ListCommands: the caller's commands of the region, newest first, narrowed by CommandId,
// InstanceId and the Status / DocumentName filters. NextToken is the index of the page's first
// command. The InvokedAfter, InvokedBefore and ExecutionStage filter keys are not supported.
void ListCommands(Call& call) {
    auto text_member = [&](const char* name) -> const std::string* {
        const event::JsonValue* v = call.json.Find(name);
        return v != nullptr && v->is_string() ? &v->text : nullptr;
    };
    const std::string* command_id = text_member("CommandId");
    const std::string* instance_id = text_member("InstanceId");
    const std::string* next_token = text_member("NextToken");
    const event::JsonValue* max_value = call.json.Find("MaxResults");
    const event::JsonValue* filters_value = call.json.Find("Filters");
    std::vector<std::pair<std::string, std::string>> filters;
    if (filters_value != nullptr && filters_value->type != event::JsonValue::Type::kNull) {
        if (!filters_value->is_array()) {
            call.Fail("SerializationException", "Filters must be a list of filters");
            return;
        }
        for (const event::JsonValue& item : filters_value->items) {
            const event::JsonValue* key = item.is_object() ? item.Find("key") : nullptr;
            const event::JsonValue* value = item.is_object() ? item.Find("value") : nullptr;
            if (key == nullptr || value == nullptr || !key->is_string() || !value->is_string()) {
                call.Fail("SerializationException", "Filters must be a list of key/value pairs");
                return;
            }
            filters.emplace_back(key->text, value->text);
        }
    }
    size_t max_results = 50;
    bool max_given = max_value != nullptr && max_value->type != event::JsonValue::Type::kNull;
    if (max_given) {
        std::optional<size_t> n =
                max_value->is_number() ? ParseSmallNumber(max_value->text) : std::nullopt;
        max_results = n.value_or(0);
    }

    std::string request;
    if (command_id != nullptr)
        request += ",\"commandId\":" + JsonText(*command_id);
    if (instance_id != nullptr)
        request += ",\"instanceId\":" + JsonText(*instance_id);
    if (max_given)
        request += ",\"maxResults\":" + std::to_string(max_results);
    if (next_token != nullptr)
        request += ",\"nextToken\":" + JsonText(*next_token);
    if (!filters.empty()) {
        request += ",\"filters\":[";
        for (size_t i = 0; i < filters.size(); ++i) {
            request += std::string(i > 0 ? "," : "") + "{\"key\":" + JsonText(filters[i].first) +
                       ",\"value\":" + JsonText(filters[i].second) + "}";
        }
        request += "]";
    }
    if (!request.empty())
        call.request_parameters = "{" + request.substr(1) + "}";

    if (max_results < 1 || max_results > 50) {
        call.Fail("ValidationException",
                  "1 validation error detected: Value '" + max_value->text +
                          "' at 'maxResults' failed to satisfy constraint: Member must have "
                          "value less than or equal to 50");
        return;
    }
    for (const auto& [key, value] : filters) {
        if (key != "Status" && key != "DocumentName") {
            call.Fail("InvalidFilterKey", "The filter key " + key + " is not supported.");
            return;
        }
    }
    if (!call.Authorize("ssm:ListCommands"))
        return;
    std::vector<const SsmCommand*> selected;
    for (const auto& [id, command] : call.world->ssm_commands) {
        if (command.account_id != call.account_id || command.region != call.region)
            continue;
        if (command_id != nullptr && id != *command_id)
            continue;
        const std::vector<std::string>& ids = command.instance_ids;
        if (instance_id != nullptr && std::find(ids.begin(), ids.end(), *instance_id) == ids.end())
            continue;
        bool match = true;
        for (const auto& [key, value] : filters) {
            const std::string& field = key == "Status" ? command.status : command.document_name;
            match = match && field == value;
        }
        if (match)
            selected.push_back(&command);
    }
    if (command_id != nullptr && selected.empty()) {
        bool exists = false;
        for (const auto& [id, command] : call.world->ssm_commands) {
            exists = exists || (id == *command_id && command.account_id == call.account_id &&
                                command.region == call.region);
        }
        if (!exists) {
            call.Fail("InvalidCommandId", "");
            return;
        }
    }
    std::stable_sort(
            selected.begin(), selected.end(), [](const SsmCommand* a, const SsmCommand* b) {
                return a->requested_time > b->requested_time;
            });
    size_t start = 0;
    if (next_token != nullptr) {
        std::optional<size_t> index = ParseSmallNumber(*next_token);
        if (!index || *index > selected.size()) {
            call.Fail("InvalidNextToken", "The specified token is not valid.");
            return;
        }
        start = *index;
    }
    size_t end = std::min(selected.size(), start + max_results);
    std::string json = "{\"Commands\":[";
    for (size_t i = start; i < end; ++i)
        json += std::string(i > start ? "," : "") + ListedCommandJson(*selected[i]);
    json += "]";
    if (end < selected.size())
        json += ",\"NextToken\":" + JsonText(std::to_string(end));
    call.ReplyJson(json + "}");
}

// ---------------------------------------------------------------------------------------------
// SNS

// arn:aws:sns:REGION:ACCOUNT:NAME with a plausible topic name.
bool ValidTopicArn(std::string_view arn) {
    if (!arn.starts_with("arn:aws:sns:")) {
        return false;
    }
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (size_t i = 0; i <= arn.size(); ++i) {
        if (i == arn.size() || arn[i] == ':') {
            parts.push_back(arn.substr(start, i - start));
            start = i + 1;
        }
    }
    if (parts.size() != 6 || parts[3].empty() || parts[4].size() != 12) {
        return false;
    }
    std::string_view name = parts[5];
    if (name.empty() || name.size() > 256) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
    });
}

bool ValidSubject(const std::string& subject) {
    if (subject.empty() || subject.size() > 100) {
        return false;
    }
    for (unsigned char c : subject) {
        if (c < 0x20 || c >= 0x7f) {
            return false;  // ASCII text, no line breaks or control characters
        }
    }
    return subject.front() != ' ';
}

bool IsNumber(std::string_view text) {
    size_t i = 0;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
        ++i;
    }
    bool digits = false;
    bool dot = false;
    for (; i < text.size(); ++i) {
        if (text[i] >= '0' && text[i] <= '9') {
            digits = true;
        } else if (text[i] == '.' && !dot) {
            dot = true;
        } else {
            return false;
        }
    }
    return digits;
}

// MessageAttributes.entry.N.{Name, Value.DataType, Value.StringValue, Value.BinaryValue}; false
// (reply written) on an invalid attribute.
bool CheckMessageAttributes(Call& call, bool* any) {
    std::vector<int> indexes = call.params.Indexes("MessageAttributes.entry");
    *any = !indexes.empty();
    if (indexes.size() > 10) {
        call.Fail("InvalidParameter",
                  "Invalid parameter: MessageAttributes Reason: Number of message attributes [" +
                          std::to_string(indexes.size()) + "] exceeds the allowed maximum [10].");
        return false;
    }
    for (int index : indexes) {
        std::string prefix = "MessageAttributes.entry." + std::to_string(index);
        std::string name = call.params.GetOr(prefix + ".Name", "");
        std::string type = call.params.GetOr(prefix + ".Value.DataType", "");
        const std::string* string_value = call.params.Get(prefix + ".Value.StringValue");
        const std::string* binary_value = call.params.Get(prefix + ".Value.BinaryValue");
        if (name.empty() || name.size() > 256 || name.starts_with("AWS.") ||
            name.starts_with("Amazon.")) {
            call.Fail("InvalidParameter",
                      "Invalid parameter: MessageAttributes Reason: The message attribute name '" +
                              name + "' is invalid.");
            return false;
        }
        if (type.empty()) {
            call.Fail("ParameterValueInvalid",
                      "The message attribute '" + name +
                              "' must contain a non-empty message attribute type.");
            return false;
        }
        const bool is_string = type == "String" || type.starts_with("String.");
        const bool is_number = type == "Number" || type.starts_with("Number.");
        const bool is_binary = type == "Binary" || type.starts_with("Binary.");
        if (!is_string && !is_number && !is_binary) {
            call.Fail("ParameterValueInvalid",
                      "The message attribute '" + name +
                              "' has an invalid message attribute type, the set of supported type "
                              "prefixes is Binary, "
                              "Number, and String.");
            return false;
        }
        const std::string* value = is_binary ? binary_value : string_value;
        if (value == nullptr || value->empty()) {
            call.Fail("ParameterValueInvalid",
                      "The message attribute '" + name +
                              "' must contain non-empty message attribute value for message "
                              "attribute type '" +
                              (is_string   ? "String"
                               : is_number ? "Number"
                                           : "Binary") +
                              "'.");
            return false;
        }
        if (is_number && !IsNumber(*value)) {
            call.Fail("ParameterValueInvalid",
                      "Could not cast message attribute '" + name + "' value to number.");
            return false;
        }
    }
    return true;
}

void Publish(Call& call) {
    call.category = EventCategory::kData;
    const std::string* topic_arn = call.params.Get("TopicArn");
    const std::string* message = call.params.Get("Message");
    const std::string* subject = call.params.Get("Subject");
    const std::string* structure = call.params.Get("MessageStructure");
    bool has_attributes = !call.params.Indexes("MessageAttributes.entry").empty();
    std::string request = "{";
    if (topic_arn != nullptr) {
        request += "\"topicArn\":" + JsonText(*topic_arn) + ",";
    }
    if (message != nullptr) {
        request += "\"message\":" + JsonText(kHidden) + ",";
    }
    if (subject != nullptr) {
        request += "\"subject\":" + JsonText(kHidden) + ",";
    }
    if (structure != nullptr) {
        request += "\"messageStructure\":" + JsonText(*structure) + ",";
    }
    if (has_attributes) {
        request += "\"messageAttributes\":" + JsonText(kHidden) + ",";
    }
    if (request.size() > 1) {
        request.pop_back();
    }
    call.request_parameters = request + "}";

    if (topic_arn == nullptr || topic_arn->empty()) {
        call.Fail(
                "InvalidParameter",
                "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter");
        return;
    }
    if (!ValidTopicArn(*topic_arn)) {
        call.Fail("InvalidParameter", "Invalid parameter: TopicArn");
        return;
    }
    call.resources = {{*topic_arn, std::string(ArnAccountId(*topic_arn)), "AWS::SNS::Topic"}};
    if (!call.Authorize("sns:Publish", *topic_arn)) {
        return;
    }
    if (message == nullptr || message->empty()) {
        call.Fail("InvalidParameter", "Invalid parameter: Empty message");
        return;
    }
    if (message->size() > 262144) {
        call.Fail("InvalidParameter", "Invalid parameter: Message too long");
        return;
    }
    if (subject != nullptr && !ValidSubject(*subject)) {
        call.Fail("InvalidParameter", "Invalid parameter: Subject");
        return;
    }
    if (structure != nullptr) {
        if (*structure != "json") {
            call.Fail("InvalidParameter", "Invalid parameter: MessageStructure");
            return;
        }
        auto parsed = event::ParseJson(*message);
        if (!parsed || !parsed->is_object()) {
            call.Fail("InvalidParameter",
                      "Invalid parameter: Message Structure - JSON message body failed to parse");
            return;
        }
        const event::JsonValue* fallback = parsed->Find("default");
        if (fallback == nullptr || !fallback->is_string()) {
            call.Fail(
                    "InvalidParameter",
                    "Invalid parameter: Message Structure - No default entry in JSON message body");
            return;
        }
    }
    bool any_attributes = false;
    if (!CheckMessageAttributes(call, &any_attributes)) {
        return;
    }
    // Topics are looked up in the caller's account and region.
    auto topic = call.world->topics.find(*topic_arn);
    if (topic == call.world->topics.end() || topic->second.account_id != call.account_id ||
        topic->second.region != call.region) {
        call.Fail("NotFound", "Topic does not exist", 404);
        return;
    }
    SnsMessage stored;
    stored.message_id = call.world->NewId(IdKind::kUuid);
    stored.subject = subject != nullptr ? *subject : "";
    stored.message = *message;
    stored.timestamp = call.world->Now();
    std::string message_id = stored.message_id;
    topic->second.messages.push_back(std::move(stored));
    call.mutated = true;
    call.response_elements = "{\"messageId\":" + JsonText(message_id) + "}";
    call.ReplyQuery("<MessageId>" + message_id + "</MessageId>");
}

}  // namespace

void RegisterSsmSnsHandlers(HandlerTable* table) {
    (*table)[{Api::kSsm, "SendCommand"}] = {SendCommand, false};
    (*table)[{Api::kSsm, "ListCommands"}] = {ListCommands, true};
    (*table)[{Api::kSns, "Publish"}] = {Publish, false};
}

}  // namespace firebreak::sandbox
