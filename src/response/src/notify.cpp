// File: notify.cpp
//
// Sink loading (positioned diagnostics, ${ENV} substitution) and delivery: webhook POSTs through
// an aws::HttpTransport, SNS Publish through the AWS client, and fsynced JSON lines in a file.
// Webhook URLs and header values are secrets: only RedactUrl's scheme://host:port/… reaches
// messages, and transport and HTTP error texts are scrubbed of the path, query and header values.
#include "firebreak/response/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <thread>

#include "action_util.h"
#include "firebreak/aws/sns.h"
#include "firebreak/core/text.h"
#include "firebreak/response/playbook.h"

namespace firebreak::response {

namespace {

using action_internal::Arr;
using action_internal::Obj;
using action_internal::Str;
using event::JsonValue;
using rules::Node;

constexpr int kMaxAttemptsLimit = 10;
constexpr std::chrono::milliseconds kFirstBackoff{200};
constexpr size_t kSlackSectionLimit = 3000;  // characters of a section's text
constexpr size_t kSlackMaxBlocks = 50;
constexpr size_t kSnsSubjectLimit = 99;  // "less than 100 characters"

std::string Quote(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

// ---- URLs ---------------------------------------------------------------------------------------

struct WebhookUrl {
    aws::Endpoint endpoint;
    std::string origin;  // scheme://host:port
    std::string path;    // "/..." ("/" when none)
    std::string query;   // without '?'
};

std::string OriginWithPort(const aws::Endpoint& endpoint) {
    int port = endpoint.port != 0 ? endpoint.port : (endpoint.scheme == "https" ? 443 : 80);
    bool v6 = endpoint.host.find(':') != std::string::npos;
    return endpoint.scheme + "://" + (v6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" +
           std::to_string(port);
}

// Splits a webhook URL. Error messages never repeat the URL (its path may hold a token).
Result<WebhookUrl> ParseWebhookUrl(std::string_view url) {
    size_t sep = url.find("://");
    if (sep == std::string_view::npos)
        return InvalidArgument("the webhook URL has no scheme (expected https:// or http://)");
    size_t authority_end = url.find_first_of("/?#", sep + 3);
    std::string_view origin = url.substr(0, authority_end);
    if (origin.find('@') != std::string_view::npos)
        return InvalidArgument("the webhook URL must not carry user information");
    Result<aws::Endpoint> endpoint = aws::ParseEndpointUrl(origin);
    if (!endpoint)
        return InvalidArgument(
                "the webhook URL is not a valid http(s) URL (expected "
                "https://host[:port]/path)");
    WebhookUrl out;
    out.endpoint = *endpoint;
    out.origin = OriginWithPort(out.endpoint);
    std::string_view rest =
            authority_end == std::string_view::npos ? "" : url.substr(authority_end);
    size_t hash = rest.find('#');
    if (hash != std::string_view::npos)
        rest = rest.substr(0, hash);
    size_t question = rest.find('?');
    out.path = std::string(rest.substr(0, question));
    if (question != std::string_view::npos)
        out.query = std::string(rest.substr(question + 1));
    if (out.path.empty())
        out.path = "/";
    for (char c : out.path) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            return InvalidArgument("the webhook URL's path has spaces or control characters");
    }
    return out;
}

bool IsLoopbackHost(std::string_view host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Replaces every occurrence of each secret in `text` by "…".
std::string Scrub(std::string text, const std::vector<std::string>& secrets) {
    for (const std::string& secret : secrets) {
        if (secret.size() < 2)
            continue;
        size_t at = 0;
        while ((at = text.find(secret, at)) != std::string::npos) {
            text.replace(at, secret.size(), "…");
            at += 3;
        }
    }
    return text;
}

// ---- ${ENV} -------------------------------------------------------------------------------------

// Expands each ${NAME}. On failure returns false with *problem set (naming the variable only).
bool ExpandEnv(std::string_view text, std::string* out, std::string* problem, bool* missing) {
    out->clear();
    *missing = false;
    size_t i = 0;
    while (i < text.size()) {
        size_t open = text.find("${", i);
        if (open == std::string_view::npos) {
            out->append(text.substr(i));
            break;
        }
        out->append(text.substr(i, open - i));
        size_t close = text.find('}', open + 2);
        if (close == std::string_view::npos) {
            *problem = "an unterminated \"${\"";
            return false;
        }
        std::string name(text.substr(open + 2, close - open - 2));
        bool valid =
                !name.empty() && (isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
        for (char c : name)
            valid = valid && (isalnum(static_cast<unsigned char>(c)) || c == '_');
        if (!valid) {
            *problem = "\"${" + name + "}\" is not an environment variable reference";
            return false;
        }
        const char* value = getenv(name.c_str());
        if (value == nullptr) {
            *problem = "environment variable " + name + " is not set";
            *missing = true;
            return false;
        }
        out->append(value);
        i = close + 1;
    }
    return true;
}

// ---- loading ------------------------------------------------------------------------------------

constexpr std::string_view kCommonKeys[] = {"name", "type", "max-attempts"};
constexpr std::string_view kWebhookKeys[] = {"url", "format", "headers", "timeout"};
constexpr std::string_view kSnsKeys[] = {"topic-arn", "region"};
constexpr std::string_view kFileKeys[] = {"path"};

template <size_t N>
bool Contains(const std::string_view (&keys)[N], std::string_view key) {
    return std::find(std::begin(keys), std::end(keys), key) != std::end(keys);
}

std::string_view TypeName(SinkType type) {
    switch (type) {
        case SinkType::kWebhook:
            return "webhook";
        case SinkType::kSns:
            return "sns";
        case SinkType::kFile:
            return "file";
    }
    return "file";
}

bool ValidSinkName(std::string_view name) {
    if (name.empty() || name.size() > 64)
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
}

bool ValidHeaderName(std::string_view name) {
    if (name.empty())
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return isalnum(static_cast<unsigned char>(c)) || strchr("!#$%&'*+-.^_`|~", c) != nullptr;
    });
}

// The region of an SNS topic ARN (arn:partition:sns:region:account:name), or nullopt when it is
// not one.
std::optional<std::string> TopicArnRegion(std::string_view arn) {
    std::vector<std::string_view> fields;
    size_t start = 0;
    for (int i = 0; i < 5; ++i) {
        size_t colon = arn.find(':', start);
        if (colon == std::string_view::npos)
            return std::nullopt;
        fields.push_back(arn.substr(start, colon - start));
        start = colon + 1;
    }
    std::string_view name = arn.substr(start);
    if (fields[0] != "arn" || fields[1].empty() || fields[2] != "sns" || fields[4].empty() ||
        name.empty() || name.find(':') != std::string_view::npos)
        return std::nullopt;
    return std::string(fields[3]);
}

class SinkLoader {
public:
    explicit SinkLoader(Diagnostics* diags) : diags_(diags) {}

    std::vector<SinkConfig> Load(const Node& sinks) {
        std::vector<SinkConfig> out;
        if (sinks.is_null())
            return out;
        if (!sinks.is_array()) {
            diags_->Error("bad-value",
                          sinks.pos,
                          "sinks must be a list of mappings, not " + std::string(sinks.TypeName()));
            return out;
        }
        for (const Node& item : sinks.items) {
            int errors = diags_->error_count();
            SinkConfig sink = LoadOne(item);
            if (!sink.name.empty()) {
                // Names are unique among all sinks written, valid or not.
                auto [seen, inserted] = names_.emplace(sink.name, sink.pos);
                if (!inserted) {
                    diags_->Error("duplicate-sink",
                                  sink.pos,
                                  "sink " + Quote(sink.name) + " is defined twice (first at " +
                                          seen->second.ToString() + ")");
                }
            }
            if (diags_->error_count() == errors)
                out.push_back(std::move(sink));
        }
        return out;
    }

private:
    // A string (or a number, as its text) value; reports bad-value otherwise.
    std::optional<std::string> Text(const Node& value, std::string_view key) {
        if (value.is_string() || value.is_number())
            return value.text;
        diags_->Error("bad-value",
                      value.pos,
                      Quote(key) + " must be a string, not " + std::string(value.TypeName()));
        return std::nullopt;
    }

    std::optional<std::string> NonEmpty(const Node& value, std::string_view key) {
        std::optional<std::string> text = Text(value, key);
        if (text && text->empty()) {
            diags_->Error("bad-value", value.pos, Quote(key) + " must not be empty");
            return std::nullopt;
        }
        return text;
    }

    // ${ENV} expansion of a secret-bearing value; reports without showing the value.
    std::optional<std::string> Expand(const Node& value, std::string_view key) {
        std::optional<std::string> text = NonEmpty(value, key);
        if (!text)
            return std::nullopt;
        std::string expanded;
        std::string problem;
        bool missing = false;
        if (!ExpandEnv(*text, &expanded, &problem, &missing)) {
            diags_->Error(
                    missing ? "missing-env" : "bad-value", value.pos, Quote(key) + ": " + problem);
            return std::nullopt;
        }
        return expanded;
    }

    SinkConfig LoadOne(const Node& node) {
        SinkConfig sink;
        sink.pos = node.pos;
        if (!node.is_object()) {
            diags_->Error("bad-value",
                          node.pos,
                          "a sink must be a mapping, not " + std::string(node.TypeName()));
            return sink;
        }
        std::map<std::string_view, const Node*> values;
        for (const auto& [key, value] : node.members) {
            bool known = Contains(kCommonKeys, key) || Contains(kWebhookKeys, key) ||
                         Contains(kSnsKeys, key) || Contains(kFileKeys, key);
            if (!known) {
                diags_->Error("unknown-key",
                              value.key_pos,
                              "unknown key " + Quote(key) +
                                      " in a sink (expected name, type, url, format, headers, "
                                      "timeout, topic-arn, region, path, max-attempts)");
            } else if (!values.emplace(key, &value).second) {
                diags_->Error("duplicate-key",
                              value.key_pos,
                              "key " + Quote(key) + " appears twice in a sink");
            }
        }
        auto get = [&](std::string_view key) -> const Node* {
            auto it = values.find(key);
            return it == values.end() ? nullptr : it->second;
        };

        if (const Node* name = get("name")) {
            if (std::optional<std::string> text = NonEmpty(*name, "name")) {
                if (ValidSinkName(*text)) {
                    sink.name = *text;
                    sink.pos = name->pos;
                } else {
                    diags_->Error("bad-value",
                                  name->pos,
                                  "sink name " + Quote(*text) +
                                          " must be 1-64 letters, digits, '-', '_' or '.'");
                }
            }
        } else {
            diags_->Error("missing-field", node.pos, "a sink needs a \"name\"");
        }
        std::string what = sink.name.empty() ? "a sink" : "sink " + Quote(sink.name);

        std::optional<SinkType> type;
        if (const Node* type_node = get("type")) {
            std::optional<std::string> text = Text(*type_node, "type");
            if (text && *text == "webhook")
                type = SinkType::kWebhook;
            else if (text && *text == "sns")
                type = SinkType::kSns;
            else if (text && *text == "file")
                type = SinkType::kFile;
            else if (text)
                diags_->Error(
                        "bad-value",
                        type_node->pos,
                        what + ": type " + Quote(*text) + " is not one of webhook, sns, file");
        } else {
            diags_->Error(
                    "missing-field", node.pos, what + " needs a \"type\" (webhook, sns or file)");
        }

        if (const Node* attempts = get("max-attempts")) {
            int n = 0;
            const std::string& text = attempts->text;
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
            if (!attempts->is_number() || ec != std::errc() || end != text.data() + text.size() ||
                n < 1 || n > kMaxAttemptsLimit) {
                diags_->Error("bad-value",
                              attempts->pos,
                              what + ": max-attempts must be a whole number from 1 to " +
                                      std::to_string(kMaxAttemptsLimit));
            } else {
                sink.max_attempts = n;
            }
        }
        if (!type)
            return sink;
        sink.type = *type;

        // Keys of another sink type.
        for (const auto& [key, value] : values) {
            bool applies = Contains(kCommonKeys, key) ||
                           (*type == SinkType::kWebhook && Contains(kWebhookKeys, key)) ||
                           (*type == SinkType::kSns && Contains(kSnsKeys, key)) ||
                           (*type == SinkType::kFile && Contains(kFileKeys, key));
            if (!applies)
                diags_->Error("unknown-key",
                              value->key_pos,
                              what + ": " + Quote(key) + " does not apply to " +
                                      std::string(TypeName(*type)) + " sinks");
        }

        switch (*type) {
            case SinkType::kWebhook:
                LoadWebhook(node, get, what, &sink);
                break;
            case SinkType::kSns:
                LoadSns(node, get, what, &sink);
                break;
            case SinkType::kFile:
                if (const Node* path = get("path")) {
                    if (std::optional<std::string> text = NonEmpty(*path, "path"))
                        sink.path = *text;
                } else {
                    diags_->Error("missing-field", node.pos, what + " needs a \"path\"");
                }
                break;
        }
        return sink;
    }

    template <class Get>
    void LoadWebhook(const Node& node, const Get& get, const std::string& what, SinkConfig* sink) {
        if (const Node* url = get("url")) {
            if (std::optional<std::string> text = Expand(*url, "url")) {
                Result<WebhookUrl> parsed = ParseWebhookUrl(*text);
                if (!parsed) {
                    diags_->Error("bad-value", url->pos, what + ": " + parsed.error().message());
                } else {
                    sink->url = *text;
                    if (parsed->endpoint.scheme == "http" &&
                        !IsLoopbackHost(parsed->endpoint.host)) {
                        diags_->Warning("insecure-url",
                                        url->pos,
                                        what + " posts to " + parsed->origin +
                                                "/… without TLS (use https://)");
                    }
                }
            }
        } else {
            diags_->Error("missing-field", node.pos, what + " needs a \"url\"");
        }
        if (const Node* format = get("format")) {
            std::optional<std::string> text = Text(*format, "format");
            if (text && *text == "slack")
                sink->slack = true;
            else if (text && *text != "json")
                diags_->Error("bad-value",
                              format->pos,
                              what + ": format " + Quote(*text) + " is not json or slack");
        }
        if (const Node* headers = get("headers")) {
            if (!headers->is_object()) {
                diags_->Error("bad-value",
                              headers->pos,
                              what + ": headers must be a mapping of names to values, not " +
                                      std::string(headers->TypeName()));
            }
            for (const auto& [name, value] : headers->members) {
                std::string lower = AsciiLower(name);
                if (!ValidHeaderName(name)) {
                    diags_->Error("bad-value",
                                  value.key_pos,
                                  what + ": " + Quote(name) + " is not a valid header name");
                    continue;
                }
                if (lower == "host" || lower == "content-length" || lower == "transfer-encoding") {
                    diags_->Error("bad-value",
                                  value.key_pos,
                                  what + ": header " + Quote(name) + " is set by firebreak");
                    continue;
                }
                std::optional<std::string> expanded = Expand(value, "headers." + name);
                if (!expanded)
                    continue;
                if (expanded->find_first_of("\r\n") != std::string::npos) {
                    diags_->Error("bad-value",
                                  value.pos,
                                  what + ": the value of header " + Quote(name) +
                                          " contains a line break");
                    continue;
                }
                sink->headers.emplace_back(name, std::move(*expanded));
            }
        }
        if (const Node* timeout = get("timeout")) {
            std::optional<std::chrono::milliseconds> parsed;
            if (timeout->is_string() || timeout->is_number())
                parsed = ParseDuration(timeout->text);
            if (!parsed || parsed->count() <= 0) {
                diags_->Error("bad-value",
                              timeout->pos,
                              what + ": timeout must be a duration such as 5s or 500ms, or a "
                                     "number of seconds, greater than zero");
            } else {
                sink->timeout = *parsed;
            }
        }
    }

    template <class Get>
    void LoadSns(const Node& node, const Get& get, const std::string& what, SinkConfig* sink) {
        if (const Node* region = get("region")) {
            if (std::optional<std::string> text = NonEmpty(*region, "region"))
                sink->region = *text;
        }
        const Node* arn = get("topic-arn");
        if (arn == nullptr) {
            diags_->Error("missing-field", node.pos, what + " needs a \"topic-arn\"");
            return;
        }
        std::optional<std::string> text = NonEmpty(*arn, "topic-arn");
        if (!text)
            return;
        std::optional<std::string> region = TopicArnRegion(*text);
        if (!region) {
            diags_->Error("bad-value",
                          arn->pos,
                          what + ": " + Quote(*text) +
                                  " is not an SNS topic ARN "
                                  "(arn:aws:sns:<region>:<account>:<topic>)");
            return;
        }
        if (region->empty() && sink->region.empty()) {
            diags_->Error("bad-value",
                          arn->pos,
                          what + ": the topic ARN has no region and no \"region\" is set");
            return;
        }
        sink->topic_arn = *text;
        if (sink->region.empty())
            sink->region = *region;
    }

    Diagnostics* diags_;
    std::map<std::string, SourcePos> names_;
};

// ---- message bodies -----------------------------------------------------------------------------

// The longest prefix of `text` of at most `max` bytes that does not cut a UTF-8 sequence.
std::string_view Utf8Prefix(std::string_view text, size_t max) {
    if (text.size() <= max)
        return text;
    size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80)
        --end;
    return text.substr(0, end);
}

std::string SlackEscape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// Escaped text cut into pieces of at most `limit` bytes, at line breaks when possible and never
// inside a UTF-8 sequence or an escape.
std::vector<std::string> SlackChunks(std::string_view text, size_t limit) {
    std::vector<std::string> chunks;
    std::string current;
    auto flush = [&] {
        if (!current.empty())
            chunks.push_back(std::move(current));
        current.clear();
    };
    size_t start = 0;
    while (start <= text.size() && !text.empty()) {
        size_t newline = text.find('\n', start);
        size_t end = newline == std::string_view::npos ? text.size() : newline + 1;
        std::string line = SlackEscape(text.substr(start, end - start));
        if (current.size() + line.size() > limit)
            flush();
        // A line longer than the limit is cut at code point and escape boundaries.
        while (line.size() > limit) {
            size_t cut = Utf8Prefix(line, limit).size();
            size_t amp = line.rfind('&', cut - 1);
            if (amp != std::string::npos && line.find(';', amp) >= cut && amp > 0)
                cut = amp;
            chunks.push_back(line.substr(0, cut));
            line.erase(0, cut);
        }
        current += line;
        if (end >= text.size())
            break;
        start = end;
    }
    flush();
    return chunks;
}

JsonValue Section(std::string mrkdwn) {
    JsonValue text = Obj();
    text.members.emplace_back("type", Str("mrkdwn"));
    text.members.emplace_back("text", Str(std::move(mrkdwn)));
    JsonValue block = Obj();
    block.members.emplace_back("type", Str("section"));
    block.members.emplace_back("text", std::move(text));
    return block;
}

// SNS subjects: no line breaks or control characters, under 100 characters.
std::string SnsSubject(std::string_view subject) {
    std::string clean;
    for (char c : subject) {
        auto u = static_cast<unsigned char>(c);
        clean += (u < 0x20 || u == 0x7f) ? ' ' : c;
    }
    while (!clean.empty() && clean.back() == ' ')
        clean.pop_back();
    size_t first = clean.find_first_not_of(' ');
    clean.erase(0, first == std::string::npos ? clean.size() : first);
    return std::string(Utf8Prefix(clean, kSnsSubjectLimit));
}

// ---- delivery -----------------------------------------------------------------------------------

struct AttemptResult {
    DeliveryAttempt attempt;
    bool retry = false;
    std::string message_id;
};

}  // namespace

std::vector<SinkConfig> LoadSinks(const rules::Node& sinks, Diagnostics* diags) {
    return SinkLoader(diags).Load(sinks);
}

std::string RedactUrl(std::string_view url) {
    Result<WebhookUrl> parsed = ParseWebhookUrl(url);
    if (!parsed)
        return "<invalid URL>";
    return parsed->origin + "/…";
}

std::string MessageJson(const NotifyMessage& message) {
    JsonValue out = Obj();
    const JsonValue& body = message.body;
    if (!body.is_object() || body.Find("subject") == nullptr)
        out.members.emplace_back("subject", Str(message.subject));
    if (!body.is_object() || body.Find("text") == nullptr)
        out.members.emplace_back("text", Str(message.text));
    if (body.is_object()) {
        out.members.insert(out.members.end(), body.members.begin(), body.members.end());
    } else if (body.type != JsonValue::Type::kNull) {
        out.members.emplace_back("body", body);
    }
    return event::ToJson(out);
}

std::string SlackBody(const NotifyMessage& message) {
    std::string fallback = message.subject;
    if (!message.text.empty())
        fallback += (fallback.empty() ? "" : "\n") + message.text;
    JsonValue out = Obj();
    std::string text = SlackEscape(Utf8Prefix(fallback, kSlackSectionLimit));
    if (text.size() > kSlackSectionLimit) {
        // Escapes made it longer: cut the escaped text without splitting an entity.
        std::vector<std::string> chunks = SlackChunks(fallback, kSlackSectionLimit);
        text = chunks.empty() ? "" : chunks.front();
    }
    out.members.emplace_back("text", Str(std::move(text)));
    JsonValue blocks = Arr();
    if (!message.subject.empty()) {
        std::string subject(Utf8Prefix(message.subject, kSlackSectionLimit - 10));
        blocks.items.push_back(Section("*" + SlackEscape(subject) + "*"));
    }
    for (std::string& chunk : SlackChunks(message.text, kSlackSectionLimit)) {
        if (blocks.items.size() + 1 == kSlackMaxBlocks) {
            blocks.items.push_back(Section("… (message truncated)"));
            break;
        }
        blocks.items.push_back(Section(std::move(chunk)));
    }
    out.members.emplace_back("blocks", std::move(blocks));
    return event::ToJson(out);
}

Notifier::Notifier(std::vector<SinkConfig> sinks,
                   std::shared_ptr<aws::HttpTransport> transport,
                   std::optional<aws::AwsClient> sns_client)
    : sinks_(std::move(sinks)),
      transport_(std::move(transport)),
      sns_client_(std::move(sns_client)),
      sleep_([](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }) {
    for (const SinkConfig& sink : sinks_) {
        std::shared_ptr<aws::HttpTransport> own;
        if (sink.type == SinkType::kWebhook) {
            own = transport_;
            if (own == nullptr) {
                aws::TransportOptions options;
                options.request_timeout = sink.timeout;
                options.connect_timeout = std::min(options.connect_timeout, sink.timeout);
                own = aws::MakeCurlTransport(options);
            }
        }
        sink_transports_.push_back(std::move(own));
    }
}

bool Notifier::HasSink(std::string_view name) const {
    return std::any_of(
            sinks_.begin(), sinks_.end(), [&](const SinkConfig& s) { return s.name == name; });
}

void Notifier::SetSleepForTesting(std::function<void(std::chrono::milliseconds)> sleep) {
    sleep_ = std::move(sleep);
}

namespace {

AttemptResult Failed(int n, std::string error, bool retry, int http_status = 0) {
    AttemptResult result;
    result.attempt.attempt = n;
    result.attempt.error = std::move(error);
    result.attempt.http_status = http_status;
    result.retry = retry;
    return result;
}

AttemptResult Succeeded(int n, std::string message_id, int http_status = 0) {
    AttemptResult result;
    result.attempt.attempt = n;
    result.attempt.ok = true;
    result.attempt.http_status = http_status;
    result.message_id = std::move(message_id);
    return result;
}

// A short, single-line excerpt of a reply body for an error message.
std::string BodyExcerpt(std::string_view body) {
    std::string out;
    for (char c : Utf8Prefix(body, 200)) {
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? ' ' : c;
    }
    if (body.size() > 200)
        out += "…";
    return out;
}

AttemptResult PostWebhook(const SinkConfig& sink,
                          aws::HttpTransport* transport,
                          const NotifyMessage& message,
                          int n) {
    Result<WebhookUrl> url = ParseWebhookUrl(sink.url);
    if (!url)
        return Failed(n, url.error().message(), false);
    std::vector<std::string> secrets = {sink.url, url->path + "?" + url->query, url->query};
    if (url->path != "/")
        secrets.push_back(url->path);
    for (const auto& header : sink.headers)
        secrets.push_back(header.second);
    std::sort(secrets.begin(), secrets.end(), [](const std::string& a, const std::string& b) {
        return a.size() > b.size();
    });
    std::string where = "POST " + url->origin + "/…";
    if (transport == nullptr)
        return Failed(n, where + ": no HTTP transport", false);

    aws::HttpRequest request;
    request.method = "POST";
    request.path = url->path;
    request.query = url->query;
    request.body = sink.slack ? SlackBody(message) : MessageJson(message);
    request.headers.emplace_back("Host", url->endpoint.HostHeader());
    request.headers.emplace_back("Content-Type", "application/json");
    request.headers.emplace_back("User-Agent", "firebreak");
    for (const auto& [name, value] : sink.headers)
        aws::SetHeader(&request.headers, name, value);

    Result<aws::HttpResponse, aws::TransportError> response =
            transport->Send(url->endpoint, request);
    if (!response) {
        const aws::TransportError& error = response.error();
        return Failed(
                n,
                Scrub(where + ": " + (error.timeout ? "timed out: " : "") + error.message, secrets),
                true);
    }
    int status = response->status;
    if (status >= 200 && status < 300)
        return Succeeded(n, "HTTP " + std::to_string(status), status);
    std::string error = where + ": HTTP " + std::to_string(status);
    std::string excerpt = BodyExcerpt(response->body);
    if (!excerpt.empty())
        error += ": " + excerpt;
    return Failed(n, Scrub(std::move(error), secrets), status == 429 || status >= 500, status);
}

AttemptResult PublishSns(const SinkConfig& sink,
                         const std::optional<aws::AwsClient>& client,
                         const NotifyMessage& message,
                         int n) {
    if (!client)
        return Failed(n, "sns sink " + sink.name + ": no AWS client configured", false);
    std::string region = sink.region;
    if (region.empty())
        region = TopicArnRegion(sink.topic_arn).value_or("");
    aws::sns::PublishRequest request;
    request.topic_arn = sink.topic_arn;
    request.subject = SnsSubject(message.subject);
    request.message = MessageJson(message);
    aws::Outcome<aws::sns::PublishResponse> published =
            aws::sns::Publish(region.empty() ? *client : client->WithRegion(region), request);
    if (!published)
        return Failed(n, published.error().ToString(), published.error().retryable);
    return Succeeded(n, published->message_id);
}

AttemptResult AppendFile(const SinkConfig& sink, const NotifyMessage& message, int n) {
    std::string line = MessageJson(message) + "\n";
    auto fail = [&](const char* what) {
        return Failed(n, std::string(what) + " " + sink.path + ": " + strerror(errno), false);
    };
    int fd = ::open(sink.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail("open");
    // The lock keeps lines whole and offsets right between threads and processes.
    int rc;
    while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR) {
    }
    if (rc != 0) {
        AttemptResult result = fail("lock");
        ::close(fd);
        return result;
    }
    off_t offset = lseek(fd, 0, SEEK_END);
    if (offset < 0) {
        AttemptResult result = fail("seek");
        ::close(fd);
        return result;
    }
    size_t written = 0;
    while (written < line.size()) {
        ssize_t w = ::write(fd, line.data() + written, line.size() - written);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            AttemptResult result = fail("write");
            // Takes a partial line back so the file stays one JSON document per line.
            if (ftruncate(fd, offset) != 0) {
                // The write error is the one to report.
            }
            ::close(fd);
            return result;
        }
        written += static_cast<size_t>(w);
    }
    if (fsync(fd) != 0) {
        AttemptResult result = fail("fsync");
        ::close(fd);
        return result;
    }
    ::close(fd);  // releases the lock
    return Succeeded(n, sink.path + ":" + std::to_string(static_cast<long long>(offset)));
}

}  // namespace

DeliveryReport Notifier::Deliver(std::string_view name, const NotifyMessage& message) const {
    DeliveryReport report;
    report.sink = std::string(name);
    size_t index = 0;
    while (index < sinks_.size() && sinks_[index].name != name)
        ++index;
    if (index == sinks_.size()) {
        DeliveryAttempt attempt;
        attempt.attempt = 1;
        attempt.error = "no sink named " + Quote(name);
        report.attempts.push_back(std::move(attempt));
        return report;
    }
    const SinkConfig& sink = sinks_[index];
    int max_attempts = std::clamp(sink.max_attempts, 1, kMaxAttemptsLimit);
    std::chrono::milliseconds backoff = kFirstBackoff;
    for (int n = 1; n <= max_attempts; ++n) {
        AttemptResult result;
        switch (sink.type) {
            case SinkType::kWebhook:
                result = PostWebhook(sink, sink_transports_[index].get(), message, n);
                break;
            case SinkType::kSns:
                result = PublishSns(sink, sns_client_, message, n);
                break;
            case SinkType::kFile:
                result = AppendFile(sink, message, n);
                break;
        }
        report.attempts.push_back(std::move(result.attempt));
        if (report.attempts.back().ok) {
            report.delivered = true;
            report.message_id = std::move(result.message_id);
            return report;
        }
        if (!result.retry || n == max_attempts)
            break;
        if (sleep_)
            sleep_(backoff);
        backoff *= 2;
    }
    return report;
}

}  // namespace firebreak::response
