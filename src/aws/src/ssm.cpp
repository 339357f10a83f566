// File: ssm.cpp
//
// SSM SendCommand: the JSON body built with the project's JSON escaping, the reply read from
// event::JsonValue with type checks on every member read.
#include "firebreak/aws/ssm.h"

#include <cmath>
#include <utility>

#include "firebreak/core/text.h"

namespace firebreak::aws::ssm {
namespace {

using event::JsonValue;

constexpr const char* kSendCommand = "ssm:SendCommand";

void AppendKey(std::string_view key, std::string* out) {
    if (out->back() != '{')
        out->push_back(',');
    AppendJsonString(key, out);
    out->push_back(':');
}

void AppendStringArray(const std::vector<std::string>& values, std::string* out) {
    out->push_back('[');
    for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0)
            out->push_back(',');
        AppendJsonString(values[i], out);
    }
    out->push_back(']');
}

// Reads members of a reply with type checks; the first mismatch becomes the parse error.
class ReplyReader {
public:
    const JsonValue* Get(const JsonValue& object, std::string_view key, JsonValue::Type type) {
        const JsonValue* value = object.Find(key);
        if (value == nullptr || value->type == JsonValue::Type::kNull)
            return nullptr;
        if (value->type != type) {
            Fail(std::string(key) + " has the wrong JSON type");
            return nullptr;
        }
        return value;
    }

    std::string String(const JsonValue& object, std::string_view key) {
        const JsonValue* value = Get(object, key, JsonValue::Type::kString);
        return value != nullptr ? value->text : std::string();
    }

    std::vector<std::string> Strings(const JsonValue& array, std::string_view what) {
        std::vector<std::string> out;
        for (const JsonValue& item : array.items) {
            if (!item.is_string()) {
                Fail(std::string(what) + " holds a non-string");
                break;
            }
            out.push_back(item.text);
        }
        return out;
    }

    // A JSON number within ±9e9: epoch seconds (fractions kept to the microsecond) or a count.
    std::optional<double> Number(const JsonValue& object, std::string_view key) {
        const JsonValue* value = Get(object, key, JsonValue::Type::kNumber);
        if (value == nullptr)
            return std::nullopt;
        ParsedNumber number;
        if (!ParseJsonNumber(value->text, &number) || !std::isfinite(number.value) ||
            std::fabs(number.value) > 9e9) {
            Fail(std::string(key) + " is out of range");
            return std::nullopt;
        }
        return number.value;
    }

    std::optional<TimePoint> Time(const JsonValue& object, std::string_view key) {
        std::optional<double> seconds = Number(object, key);
        if (!seconds)
            return std::nullopt;
        auto micros = std::chrono::microseconds(std::llround(*seconds * 1e6));
        return TimePoint(std::chrono::duration_cast<TimePoint::duration>(micros));
    }

    std::optional<int64_t> Int(const JsonValue& object, std::string_view key) {
        std::optional<double> number = Number(object, key);
        if (!number)
            return std::nullopt;
        if (std::trunc(*number) != *number) {
            Fail(std::string(key) + " is not an integer");
            return std::nullopt;
        }
        return static_cast<int64_t>(*number);
    }

    void Fail(std::string what) {
        if (!error_)
            error_ = std::move(what);
    }

    bool ok() const { return !error_.has_value(); }

    ApiError error() const {
        ApiError error = ClientError("InvalidResponse", "reply: " + error_.value_or("malformed"));
        error.operation = kSendCommand;
        return error;
    }

private:
    std::optional<std::string> error_;
};

}  // namespace

std::string EncodeSendCommandJson(const SendCommandRequest& request) {
    std::string out = "{";
    AppendKey("InstanceIds", &out);
    AppendStringArray(request.instance_ids, &out);
    AppendKey("DocumentName", &out);
    AppendJsonString(request.document_name, &out);
    if (request.timeout_seconds) {
        AppendKey("TimeoutSeconds", &out);
        out += std::to_string(*request.timeout_seconds);
    }
    if (!request.comment.empty()) {
        AppendKey("Comment", &out);
        AppendJsonString(request.comment, &out);
    }
    if (!request.parameters.empty()) {
        AppendKey("Parameters", &out);
        out.push_back('{');
        for (const auto& [name, values] : request.parameters) {
            AppendKey(name, &out);
            AppendStringArray(values, &out);
        }
        out.push_back('}');
    }
    out.push_back('}');
    return out;
}

Outcome<SendCommandResponse> ParseSendCommand(const JsonValue& reply) {
    ReplyReader reader;
    const JsonValue* command =
            reply.is_object() ? reader.Get(reply, "Command", JsonValue::Type::kObject) : nullptr;
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
    return out;
}

Outcome<SendCommandResponse> SendCommand(const AwsClient& client,
                                         const SendCommandRequest& request) {
    Outcome<JsonValue> reply =
            client.Json(ServiceId::kSsm, "SendCommand", EncodeSendCommandJson(request));
    if (!reply)
        return reply.error();
    return ParseSendCommand(*reply);
}

}  // namespace firebreak::aws::ssm
