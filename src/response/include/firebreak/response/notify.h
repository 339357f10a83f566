// File: notify.h
//
// Notification sinks: where a playbook's `notify` steps (and the engine, when a run fails,
// waits for approval or is refused) send messages. Three kinds:
//   webhook  HTTP POST of the message as JSON to a URL; `format: slack` posts Slack's incoming
//            webhook shape ({"text": ..., "blocks": [...]}) instead of the full message
//   sns      sns:Publish to a topic ARN through the AWS client (Subject + Message, the JSON body
//            as the message)
//   file     one JSON line per message appended to a local file (flushed and fsynced)
// Every message carries the finding, the run (id, playbook, status, account, region), what was
// done so far (steps with their status and AWS request ids), and links/ids (console URL of the
// resource when known, the run id for `firebreak runs show`).
//
// Delivery is retried (max_attempts, exponential backoff from 200 ms) on transport errors,
// HTTP 429 and 5xx, and SNS throttling; the report lists every attempt. A delivery that still
// fails is reported, never thrown: the run goes on and the store records it.
//
// Secrets: a webhook URL (Slack's carries its token in the path) and header values are never
// written to logs, reports or errors; they are shown as scheme://host/… . Header values and the
// URL may be "${ENV_NAME}" to read them from the environment at load time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "firebreak/aws/client.h"
#include "firebreak/aws/http.h"
#include "firebreak/core/diagnostics.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/rules/node.h"

namespace firebreak::response {

enum class SinkType : uint8_t { kWebhook, kSns, kFile };

struct SinkConfig {
    std::string name;
    SinkType type = SinkType::kFile;
    // webhook
    std::string url;
    bool slack = false;
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::milliseconds timeout{5000};
    // sns
    std::string topic_arn;
    std::string region;  // default: the topic ARN's region
    // file
    std::string path;
    int max_attempts = 3;
    SourcePos pos;
};

// Reads a `sinks:` list (a sequence of mappings: name, type, url, format, headers, timeout,
// topic-arn, region, path, max-attempts). Problems are diagnostics at file:line:column; invalid
// sinks are left out. Codes: "bad-value" (wrong type or value), "unknown-key" (also a key of
// another sink type, e.g. `path` on a webhook), "duplicate-key", "missing-field",
// "duplicate-sink", "missing-env" (a "${NAME}" in url or a header value names an unset variable;
// the message names the variable, never a value) and the warning "insecure-url" (http:// to a
// host other than loopback). `timeout` is "5s", "500ms", ... or a number of seconds;
// `max-attempts` is 1..10 (default 3); an sns sink's region defaults to its topic ARN's.
std::vector<SinkConfig> LoadSinks(const rules::Node& sinks, Diagnostics* diags);

struct NotifyMessage {
    std::string subject;    // one line, at most 100 characters for SNS
    std::string text;       // human-readable summary
    event::JsonValue body;  // the full message (object): finding, run, actions, links
};

struct DeliveryAttempt {
    int attempt = 0;  // 1-based
    bool ok = false;
    int http_status = 0;  // webhook only
    std::string error;
};

struct DeliveryReport {
    std::string sink;
    bool delivered = false;
    std::vector<DeliveryAttempt> attempts;
    std::string message_id;  // SNS MessageId, "HTTP <status>", or "<path>:<byte offset>"
};

class Notifier {
public:
    // `sns_client` is used for sns sinks (its region is replaced by the sink's); `transport`
    // for webhooks. When `transport` is null, each webhook sink gets its own libcurl transport
    // whose request timeout is the sink's `timeout` (a given transport keeps its own timeouts).
    Notifier(std::vector<SinkConfig> sinks,
             std::shared_ptr<aws::HttpTransport> transport,
             std::optional<aws::AwsClient> sns_client);

    const std::vector<SinkConfig>& sinks() const { return sinks_; }

    bool HasSink(std::string_view name) const;

    // Delivers to sink `name`; an unknown sink is a failed report saying so (one attempt with
    // the error). Webhooks succeed on 2xx and retry on transport errors, 429 and 5xx; SNS retries
    // retryable errors; a file sink does not retry. Between attempts: 200 ms * 2^(attempt - 1).
    // Thread-safe (file sinks serialise appends with flock).
    DeliveryReport Deliver(std::string_view name, const NotifyMessage& message) const;

    // Tests: replace the sleep between attempts.
    void SetSleepForTesting(std::function<void(std::chrono::milliseconds)> sleep);

private:
    std::vector<SinkConfig> sinks_;
    std::shared_ptr<aws::HttpTransport> transport_;
    std::optional<aws::AwsClient> sns_client_;
    std::function<void(std::chrono::milliseconds)> sleep_;
    std::vector<std::shared_ptr<aws::HttpTransport>>
            sink_transports_;  // per sink; null for non-webhooks
};

// The Slack incoming-webhook body for `message` (text plus section blocks): {"text": subject and
// text (the notification fallback, at most 3000 bytes), "blocks": [a section with the subject in
// bold, sections of mrkdwn text of at most 3000 characters each (at most 50 blocks)]}, with &, <
// and > escaped as Slack requires.
std::string SlackBody(const NotifyMessage& message);

// The JSON document webhooks (format json), SNS (the Message) and files (one line) carry: an
// object with "subject" and "text" first (unless the body has them), then the body's members (a
// body that is not an object goes under "body").
std::string MessageJson(const NotifyMessage& message);

// A URL as it may be shown: "scheme://host:port/…" (path and query left out, as they may carry a
// token); "<invalid URL>" when it does not parse.
std::string RedactUrl(std::string_view url);

}  // namespace firebreak::response
