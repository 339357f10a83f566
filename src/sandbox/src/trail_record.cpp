// File: trail_record.cpp
//
// Builds CloudTrail records and their EventBridge envelopes as AWS writes them: compact JSON,
// fields in the service's order (see examples/archive and aws-wire-protocols.md §2), plus the
// time and error-code spellings the handlers need for requestParameters/responseElements.
#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "firebreak/core/assert.h"
#include "firebreak/core/text.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/sandbox/trail.h"

namespace firebreak::sandbox {
namespace {

// Appends the members of one JSON object, with the commas between them.
class ObjectWriter {
public:
    explicit ObjectWriter(std::string* out) : out_(out) { out_->push_back('{'); }

    void String(std::string_view key, std::string_view value) {
        Key(key);
        AppendJsonString(value, out_);
    }

    void Bool(std::string_view key, bool value) {
        Key(key);
        out_->append(value ? "true" : "false");
    }

    // `json` is already JSON text (an object, array, literal or another writer's output).
    void Raw(std::string_view key, std::string_view json) {
        Key(key);
        out_->append(json);
    }

    // JSON text, or null.
    void RawOrNull(std::string_view key, const std::optional<std::string>& json) {
        FIREBREAK_ASSERT(!json || IsJsonText(*json));
        Raw(key, json ? std::string_view(*json) : std::string_view("null"));
    }

    // Starts a nested object member; the caller builds it with a new writer and ends it.
    void Key(std::string_view key) {
        if (!first_) {
            out_->push_back(',');
        }
        first_ = false;
        AppendJsonString(key, out_);
        out_->push_back(':');
    }

    void End() { out_->push_back('}'); }

private:
    [[maybe_unused]] static bool IsJsonText(std::string_view text) {
        return event::ParseJson(text).has_value();
    }

    std::string* out_;
    bool first_ = true;
};

// The `sessionContext` of an identity that holds a session (assumed role, or a user or root with
// a console/MFA session): the issuer's object is built by the caller.
void AppendSessionContext(const CallerIdentity& id,
                          std::string_view issuer_json,
                          std::string* out) {
    ObjectWriter ctx(out);
    ctx.Raw("sessionIssuer", issuer_json);
    ctx.Raw("webIdFederationData", "{}");
    ctx.Key("attributes");
    {
        ObjectWriter attributes(out);
        attributes.String("creationDate", id.session_created);
        attributes.String("mfaAuthenticated", id.mfa_authenticated ? "true" : "false");
        attributes.End();
    }
    ctx.End();
}

struct UtcFields {
    int year = 1970;
    unsigned month = 1;
    unsigned day = 1;
    int hour = 0;
    int minute = 0;
    int second = 0;
};

UtcFields ToUtcFields(TimePoint time) {
    using std::chrono::days;
    using std::chrono::floor;
    using std::chrono::seconds;
    const auto secs = floor<seconds>(time);
    const auto day = floor<days>(secs);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss hms{secs - day};
    UtcFields f;
    f.year = static_cast<int>(ymd.year());
    f.month = static_cast<unsigned>(ymd.month());
    f.day = static_cast<unsigned>(ymd.day());
    f.hour = static_cast<int>(hms.hours().count());
    f.minute = static_cast<int>(hms.minutes().count());
    f.second = static_cast<int>(hms.seconds().count());
    return f;
}

// EC2's server-side error codes (HTTP 5xx), which CloudTrail records with "Server.".
constexpr std::array<std::string_view, 11> kEc2ServerErrors = {
        "InsufficientAddressCapacity",
        "InsufficientCapacity",
        "InsufficientCapacityOnOutpost",
        "InsufficientHostCapacity",
        "InsufficientInstanceCapacity",
        "InsufficientReservedInstanceCapacity",
        "InsufficientVolumeCapacity",
        "InternalError",
        "InternalFailure",
        "ServiceUnavailable",
        "Unavailable",
};

}  // namespace

std::string IsoTime(TimePoint time) {
    const UtcFields f = ToUtcFields(time);
    char buf[48];
    std::snprintf(buf,
                  sizeof(buf),
                  "%04d-%02u-%02uT%02d:%02d:%02dZ",
                  f.year,
                  f.month,
                  f.day,
                  f.hour,
                  f.minute,
                  f.second);
    return buf;
}

std::string JavaStyleTime(TimePoint time) {
    static constexpr std::array<const char*, 12> kMonths = {
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const UtcFields f = ToUtcFields(time);
    const int hour12 = f.hour % 12 == 0 ? 12 : f.hour % 12;
    char buf[64];
    std::snprintf(buf,
                  sizeof(buf),
                  "%s %u, %d, %d:%02d:%02d %s",
                  kMonths[f.month - 1],
                  f.day,
                  f.year,
                  hour12,
                  f.minute,
                  f.second,
                  f.hour < 12 ? "AM" : "PM");
    return buf;
}

std::string CloudTrailEc2ErrorCode(std::string_view api_code) {
    if (api_code.starts_with("Client.") || api_code.starts_with("Server.")) {
        return std::string(api_code);
    }
    for (std::string_view server : kEc2ServerErrors) {
        if (api_code == server) {
            return "Server." + std::string(api_code);
        }
    }
    return "Client." + std::string(api_code);
}

std::string BuildUserIdentity(const CallerIdentity& id) {
    std::string out;
    ObjectWriter w(&out);
    switch (id.type) {
        case CallerIdentity::Type::kRoot:
            w.String("type", "Root");
            break;
        case CallerIdentity::Type::kIamUser:
            w.String("type", "IAMUser");
            break;
        case CallerIdentity::Type::kAssumedRole:
            w.String("type", "AssumedRole");
            break;
    }
    w.String("principalId", id.principal_id);
    w.String("arn", id.arn);
    w.String("accountId", id.account_id);
    w.String("accessKeyId", id.access_key_id);
    if (id.type == CallerIdentity::Type::kAssumedRole) {
        std::string issuer;
        ObjectWriter iw(&issuer);
        iw.String("type", "Role");
        iw.String("principalId", id.role_id);
        iw.String("arn", id.role_arn);
        iw.String("accountId", id.account_id);
        iw.String("userName", id.role_name);
        iw.End();
        w.Key("sessionContext");
        AppendSessionContext(id, issuer, &out);
    } else {
        // Root's userName is the account alias, when there is one.
        if (id.type == CallerIdentity::Type::kIamUser || !id.user_name.empty()) {
            w.String("userName", id.user_name);
        }
        // Session credentials (console, GetSessionToken with MFA) add the session attributes.
        if (!id.session_created.empty()) {
            w.Key("sessionContext");
            AppendSessionContext(id, "{}", &out);
        }
    }
    w.End();
    return out;
}

std::string BuildCloudTrailRecord(const ApiCallRecord& r) {
    std::string out;
    out.reserve(1024 + r.user_agent.size() +
                (r.request_parameters ? r.request_parameters->size() : 0) +
                (r.response_elements ? r.response_elements->size() : 0));
    ObjectWriter w(&out);
    w.String("eventVersion", r.event_version);
    w.Key("userIdentity");
    out += BuildUserIdentity(r.identity);
    w.String("eventTime", IsoTime(r.event_time));
    w.String("eventSource", r.event_source);
    w.String("eventName", r.event_name);
    w.String("awsRegion", r.aws_region);
    w.String("sourceIPAddress", r.source_ip_address);
    w.String("userAgent", r.user_agent);
    if (r.error_code) {
        w.String("errorCode", *r.error_code);
        if (r.error_message) {
            w.String("errorMessage", *r.error_message);
        }
    }
    w.RawOrNull("requestParameters", r.request_parameters);
    w.RawOrNull("responseElements", r.response_elements);
    if (r.additional_event_data) {
        w.RawOrNull("additionalEventData", r.additional_event_data);
    }
    if (!r.request_id.empty()) {
        w.String("requestID", r.request_id);
    }
    w.String("eventID", r.event_id);
    w.Bool("readOnly", r.read_only);
    if (!r.resources.empty()) {
        w.Key("resources");
        out.push_back('[');
        for (size_t i = 0; i < r.resources.size(); ++i) {
            if (i != 0) {
                out.push_back(',');
            }
            const TrailResource& res = r.resources[i];
            ObjectWriter rw(&out);
            if (!res.account_id.empty()) {
                rw.String("accountId", res.account_id);
            }
            rw.String("type", res.type);
            rw.String("ARN", res.arn);
            rw.End();
        }
        out.push_back(']');
    }
    w.String("eventType", r.event_type);
    if (r.api_version) {
        w.String("apiVersion", *r.api_version);
    }
    w.Bool("managementEvent", r.event_category == EventCategory::kManagement);
    w.String("recipientAccountId", r.recipient_account_id);
    if (r.shared_event_id) {
        w.String("sharedEventID", *r.shared_event_id);
    }
    w.String("eventCategory",
             r.event_category == EventCategory::kManagement ? "Management" : "Data");
    if (r.tls_details) {
        w.Key("tlsDetails");
        ObjectWriter tw(&out);
        tw.String("tlsVersion", r.tls_details->tls_version);
        tw.String("cipherSuite", r.tls_details->cipher_suite);
        tw.String("clientProvidedHostHeader", r.tls_details->client_provided_host_header);
        tw.End();
    }
    w.End();
    return out;
}

std::string EventBridgeSource(std::string_view event_source) {
    constexpr std::string_view kSuffix = ".amazonaws.com";
    std::string_view service = event_source;
    if (service.ends_with(kSuffix)) {
        service.remove_suffix(kSuffix.size());
    } else if (size_t dot = service.find('.'); dot != std::string_view::npos) {
        service = service.substr(0, dot);
    }
    return "aws." + std::string(service);
}

std::string EventBridgeDetailType(std::string_view event_type) {
    if (event_type == "AwsConsoleSignIn") {
        return "AWS Console Sign In via CloudTrail";
    }
    if (event_type == "AwsConsoleAction") {
        return "AWS Console Action via CloudTrail";
    }
    if (event_type == "AwsServiceEvent") {
        return "AWS Service Event via CloudTrail";
    }
    if (event_type == "AwsCloudTrailInsight") {
        return "AWS Insight via CloudTrail";
    }
    return "AWS API Call via CloudTrail";
}

std::string BuildEventBridgeEnvelope(const ApiCallRecord& record,
                                     std::string_view record_json,
                                     std::string_view envelope_id) {
    FIREBREAK_ASSERT(event::ParseJson(record_json).has_value());
    std::string out;
    out.reserve(record_json.size() + 256);
    ObjectWriter w(&out);
    w.String("version", "0");
    w.String("id", envelope_id);
    w.String("detail-type", EventBridgeDetailType(record.event_type));
    w.String("source", EventBridgeSource(record.event_source));
    w.String("account", record.recipient_account_id);
    w.String("time", IsoTime(record.event_time));
    w.String("region", record.aws_region);
    w.Raw("resources", "[]");
    w.Raw("detail", record_json);
    w.End();
    return out;
}

}  // namespace firebreak::sandbox
