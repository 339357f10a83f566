// File: notify_test.cpp
//
// Notification sinks: LoadSinks (valid sinks, every diagnostic with its position, ${ENV}),
// webhooks against an in-process cpp-httplib server on 127.0.0.1 (body and headers received,
// retry on 500 and 429, 400 final, connection refused, secrets absent from reports), the Slack
// body, the file sink (lines and offsets), and SNS Publish through a fake transport (region from
// the topic ARN, retry on a retryable error, a final error).
#include "firebreak/response/notify.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "firebreak/aws/client.h"
#include "firebreak/aws/config.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/aws/http.h"
#include "firebreak/core/diagnostics.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/rules/node.h"

namespace firebreak::response {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecretPath[] = "/services/T000/B000/sekrit-token-123";

std::vector<SinkConfig> Load(const std::string& yaml, Diagnostics* diags) {
    std::vector<rules::Node> docs = rules::ParseYamlDocuments(yaml, "sinks.yaml", diags);
    EXPECT_EQ(docs.size(), 1u);
    if (docs.empty())
        return {};
    const rules::Node* sinks = docs[0].Find("sinks");
    EXPECT_NE(sinks, nullptr);
    return sinks == nullptr ? std::vector<SinkConfig>{} : LoadSinks(*sinks, diags);
}

std::string Dump(const Diagnostics& diags) {
    std::string out;
    for (const Diagnostic& d : diags.items())
        out += d.ToString() + "\n";
    return out;
}

// The diagnostic with `code` at line:column, or nullptr.
const Diagnostic* FindDiag(const Diagnostics& diags, const std::string& code, int line, int col) {
    for (const Diagnostic& d : diags.items()) {
        if (d.code == code && d.pos.line == line && d.pos.column == col)
            return &d;
    }
    return nullptr;
}

NotifyMessage Message() {
    NotifyMessage message;
    message.subject = "Run run-0001 succeeded: ec2-containment";
    message.text = "Isolated i-0abc <prod> & snapshotted vol-1";
    Result<event::JsonValue> body = event::ParseJson(
            R"({"run":{"id":"run-0001","status":"succeeded"},"finding":{"Id":"f-1"},)"
            R"("actions":[{"key":"isolate","status":"succeeded","request_ids":["r-1"]}]})");
    EXPECT_TRUE(body.has_value());
    message.body = *body;
    return message;
}

TEST(LoadSinksTest, ValidSinks) {
    setenv("FB_NOTIFY_TEST_TOKEN", "tok-value-42", 1);
    setenv("FB_NOTIFY_TEST_HOST", "hooks.example.com", 1);
    Diagnostics diags;
    std::vector<SinkConfig> sinks = Load(R"(sinks:
  - name: slack-ir
    type: webhook
    url: "https://${FB_NOTIFY_TEST_HOST}/services/${FB_NOTIFY_TEST_TOKEN}"
    format: slack
    headers:
      Authorization: "Bearer ${FB_NOTIFY_TEST_TOKEN}"
      X-Team: ir
    timeout: 500ms
    max-attempts: 5
  - name: oncall
    type: sns
    topic-arn: arn:aws:sns:eu-west-1:111111111111:oncall
  - name: oncall-us
    type: sns
    topic-arn: arn:aws:sns:eu-west-1:111111111111:oncall
    region: us-east-1
  - name: journal
    type: file
    path: /var/log/firebreak/notify.jsonl
  - name: plain
    type: webhook
    url: http://127.0.0.1:8080/hook
    timeout: 2
)",
                                         &diags);
    EXPECT_EQ(diags.items().size(), 0u) << Dump(diags);
    ASSERT_EQ(sinks.size(), 5u);
    EXPECT_EQ(sinks[0].name, "slack-ir");
    EXPECT_EQ(sinks[0].type, SinkType::kWebhook);
    EXPECT_EQ(sinks[0].url, "https://hooks.example.com/services/tok-value-42");
    EXPECT_TRUE(sinks[0].slack);
    ASSERT_EQ(sinks[0].headers.size(), 2u);
    EXPECT_EQ(sinks[0].headers[0].first, "Authorization");
    EXPECT_EQ(sinks[0].headers[0].second, "Bearer tok-value-42");
    EXPECT_EQ(sinks[0].headers[1].second, "ir");
    EXPECT_EQ(sinks[0].timeout, milliseconds(500));
    EXPECT_EQ(sinks[0].max_attempts, 5);
    EXPECT_EQ(sinks[0].pos.line, 2);
    EXPECT_EQ(sinks[0].pos.file, "sinks.yaml");
    EXPECT_EQ(sinks[1].type, SinkType::kSns);
    EXPECT_EQ(sinks[1].topic_arn, "arn:aws:sns:eu-west-1:111111111111:oncall");
    EXPECT_EQ(sinks[1].region, "eu-west-1");
    EXPECT_EQ(sinks[1].max_attempts, 3);
    EXPECT_EQ(sinks[2].region, "us-east-1");
    EXPECT_EQ(sinks[3].type, SinkType::kFile);
    EXPECT_EQ(sinks[3].path, "/var/log/firebreak/notify.jsonl");
    EXPECT_FALSE(sinks[4].slack);
    EXPECT_EQ(sinks[4].timeout, milliseconds(2000));

    // An empty list is fine.
    Diagnostics empty_diags;
    EXPECT_TRUE(Load("sinks:\n", &empty_diags).empty());
    EXPECT_EQ(empty_diags.items().size(), 0u);
}

TEST(LoadSinksTest, DiagnosticsWithPositions) {
    unsetenv("FB_NOTIFY_TEST_UNSET");
    Diagnostics diags;
    std::vector<SinkConfig> sinks = Load(R"(sinks:
  - name: a
    type: webhook
    url: https://hooks.example.com/x
    colour: red
  - type: file
    path: /tmp/x
  - name: c
    type: mail
  - name: d
    type: webhook
    url: "https://hooks.example.com${FB_NOTIFY_TEST_UNSET}/very-secret-path"
  - name: e
    type: webhook
    url: https://hooks.example.com/x
    format: teams
    timeout: soon
    max-attempts: 11
  - name: a
    type: file
    path: /tmp/dup
  - name: f
    type: sns
    topic-arn: not-an-arn
  - name: g
    type: file
    path: /tmp/g
    url: https://hooks.example.com/x
  - name: h
    type: file
  - name: ok
    type: file
    path: /tmp/ok
  - name: i
    type: webhook
    url: ftp://hooks.example.com/x
  - name: j
    type: webhook
    url: http://hooks.example.com/x
  - name: k
    type: webhook
    url: https://hooks.example.com/x
    headers:
      Host: evil
      "bad header": x
  - just a string
)",
                                         &diags);
    std::string dump = Dump(diags);
    // Column numbers are those of the key (unknown-key) or the value.
    EXPECT_NE(FindDiag(diags, "unknown-key", 5, 5), nullptr) << dump;
    EXPECT_NE(FindDiag(diags, "missing-field", 6, 5), nullptr) << dump;
    EXPECT_NE(FindDiag(diags, "bad-value", 9, 11), nullptr) << dump;
    const Diagnostic* env = FindDiag(diags, "missing-env", 12, 10);
    ASSERT_NE(env, nullptr) << dump;
    EXPECT_THAT(env->message, HasSubstr("FB_NOTIFY_TEST_UNSET"));
    EXPECT_THAT(dump, Not(HasSubstr("very-secret-path")));
    EXPECT_NE(FindDiag(diags, "bad-value", 16, 13), nullptr) << dump;  // format
    EXPECT_NE(FindDiag(diags, "bad-value", 17, 14), nullptr) << dump;  // timeout
    EXPECT_NE(FindDiag(diags, "bad-value", 18, 19), nullptr) << dump;  // max-attempts
    const Diagnostic* dup = FindDiag(diags, "duplicate-sink", 19, 11);
    ASSERT_NE(dup, nullptr) << dump;
    EXPECT_THAT(dup->message, HasSubstr("sinks.yaml:2:11"));
    EXPECT_NE(FindDiag(diags, "bad-value", 24, 16), nullptr) << dump;     // topic-arn
    EXPECT_NE(FindDiag(diags, "unknown-key", 28, 5), nullptr) << dump;    // url on a file
    EXPECT_NE(FindDiag(diags, "missing-field", 29, 5), nullptr) << dump;  // no path
    EXPECT_NE(FindDiag(diags, "bad-value", 36, 10), nullptr) << dump;     // ftp
    const Diagnostic* insecure = FindDiag(diags, "insecure-url", 39, 10);
    ASSERT_NE(insecure, nullptr) << dump;
    EXPECT_EQ(insecure->severity, DiagSeverity::kWarning);
    EXPECT_NE(FindDiag(diags, "bad-value", 44, 7), nullptr) << dump;  // Host
    EXPECT_NE(FindDiag(diags, "bad-value", 45, 7), nullptr) << dump;  // "bad header"
    EXPECT_NE(FindDiag(diags, "bad-value", 46, 5), nullptr) << dump;  // not a mapping
    EXPECT_EQ(diags.error_count(), 15) << dump;

    // Only sinks without errors are kept: "ok" and "j" (a warning only).
    std::vector<std::string> names;
    for (const SinkConfig& s : sinks)
        names.push_back(s.name);
    EXPECT_THAT(names, ElementsAre("ok", "j"));
}

TEST(LoadSinksTest, NotAList) {
    Diagnostics diags;
    std::vector<SinkConfig> sinks = Load("sinks: {name: x}\n", &diags);
    EXPECT_TRUE(sinks.empty());
    ASSERT_EQ(diags.items().size(), 1u);
    EXPECT_EQ(diags.items()[0].code, "bad-value");
    EXPECT_EQ(diags.items()[0].pos.line, 1);
    EXPECT_EQ(diags.items()[0].pos.column, 8);
}

TEST(RedactUrlTest, ShowsOriginOnly) {
    EXPECT_EQ(RedactUrl("https://hooks.slack.com/services/T/B/secret"),
              "https://hooks.slack.com:443/…");
    EXPECT_EQ(RedactUrl("http://127.0.0.1:8080/x?token=abc"), "http://127.0.0.1:8080/…");
    EXPECT_EQ(RedactUrl("not a url /secret"), "<invalid URL>");
}

TEST(MessageJsonTest, SubjectTextThenBody) {
    NotifyMessage message = Message();
    Result<event::JsonValue> parsed = event::ParseJson(MessageJson(message));
    ASSERT_TRUE(parsed.has_value());
    ASSERT_GE(parsed->members.size(), 5u);
    EXPECT_EQ(parsed->members[0].first, "subject");
    EXPECT_EQ(parsed->members[0].second.text, message.subject);
    EXPECT_EQ(parsed->members[1].first, "text");
    EXPECT_EQ(parsed->members[1].second.text, message.text);
    EXPECT_EQ(parsed->members[2].first, "run");
    EXPECT_EQ(parsed->Find("run")->Find("id")->text, "run-0001");

    NotifyMessage bare;
    bare.subject = "s";
    EXPECT_EQ(MessageJson(bare), R"({"subject":"s","text":""})");
}

TEST(SlackBodyTest, EscapesAndSections) {
    NotifyMessage message = Message();
    Result<event::JsonValue> body = event::ParseJson(SlackBody(message));
    ASSERT_TRUE(body.has_value());
    EXPECT_EQ(body->Find("text")->text,
              "Run run-0001 succeeded: ec2-containment\nIsolated i-0abc &lt;prod&gt; &amp; "
              "snapshotted vol-1");
    const event::JsonValue* blocks = body->Find("blocks");
    ASSERT_NE(blocks, nullptr);
    ASSERT_EQ(blocks->items.size(), 2u);
    EXPECT_EQ(blocks->items[0].Find("type")->text, "section");
    EXPECT_EQ(blocks->items[0].Find("text")->Find("type")->text, "mrkdwn");
    EXPECT_EQ(blocks->items[0].Find("text")->Find("text")->text,
              "*Run run-0001 succeeded: ec2-containment*");
    EXPECT_EQ(blocks->items[1].Find("text")->Find("text")->text,
              "Isolated i-0abc &lt;prod&gt; &amp; snapshotted vol-1");
}

TEST(SlackBodyTest, LongTextIsSplitWithinLimits) {
    NotifyMessage message;
    message.subject = "big";
    std::string line = std::string(70, 'x') + " ünï & <b>\n";
    for (int i = 0; i < 100; ++i)
        message.text += line;
    message.text += std::string(7000, '&');  // one line far over the limit
    Result<event::JsonValue> body = event::ParseJson(SlackBody(message));
    ASSERT_TRUE(body.has_value());
    EXPECT_LE(body->Find("text")->text.size(), 3000u);
    const event::JsonValue* blocks = body->Find("blocks");
    ASSERT_NE(blocks, nullptr);
    ASSERT_GT(blocks->items.size(), 4u);
    EXPECT_LE(blocks->items.size(), 50u);
    std::string joined;
    for (size_t i = 1; i < blocks->items.size(); ++i) {
        const std::string& text = blocks->items[i].Find("text")->Find("text")->text;
        EXPECT_LE(text.size(), 3000u);
        EXPECT_FALSE(text.empty());
        // Never cut inside an escape.
        size_t amp = text.rfind('&');
        if (amp != std::string::npos) {
            EXPECT_NE(text.find(';', amp), std::string::npos) << i;
        }
        joined += text;
    }
    std::string expected;
    for (char c : message.text) {
        if (c == '&')
            expected += "&amp;";
        else if (c == '<')
            expected += "&lt;";
        else if (c == '>')
            expected += "&gt;";
        else
            expected += c;
    }
    EXPECT_EQ(joined, expected);

    NotifyMessage huge;
    huge.text = std::string(300000, 'y');
    Result<event::JsonValue> capped = event::ParseJson(SlackBody(huge));
    ASSERT_TRUE(capped.has_value());
    EXPECT_EQ(capped->Find("blocks")->items.size(), 50u);
}

// A loopback HTTP server recording what it receives; `reply` decides each answer.
class WebhookServer {
public:
    struct Received {
        std::string path;
        std::string query;
        std::string body;
        std::string content_type;
        std::string authorization;
    };

    explicit WebhookServer(std::function<int(int)> reply) : reply_(std::move(reply)) {
        server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
            int n;
            {
                std::lock_guard<std::mutex> lock(mu_);
                Received r;
                r.path = req.path;
                for (const auto& [k, v] : req.params)
                    r.query += k + "=" + v;
                r.body = req.body;
                r.content_type = req.get_header_value("Content-Type");
                r.authorization = req.get_header_value("Authorization");
                received_.push_back(std::move(r));
                n = static_cast<int>(received_.size());
            }
            res.status = reply_(n);
            res.set_content(res.status >= 400 ? "echo " + req.path : "ok", "text/plain");
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }

    ~WebhookServer() {
        server_.stop();
        thread_.join();
    }

    int port() const { return port_; }

    std::string Url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }

    std::vector<Received> received() {
        std::lock_guard<std::mutex> lock(mu_);
        return received_;
    }

private:
    std::function<int(int)> reply_;
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
    std::mutex mu_;
    std::vector<Received> received_;
};

SinkConfig Webhook(const std::string& url) {
    SinkConfig sink;
    sink.name = "hook";
    sink.type = SinkType::kWebhook;
    sink.url = url;
    sink.headers = {{"Authorization", "Bearer header-secret-77"}};
    sink.timeout = milliseconds(5000);
    return sink;
}

void ExpectNoSecrets(const DeliveryReport& report) {
    for (const DeliveryAttempt& a : report.attempts) {
        EXPECT_THAT(a.error, Not(HasSubstr("sekrit")));
        EXPECT_THAT(a.error, Not(HasSubstr("T000")));
        EXPECT_THAT(a.error, Not(HasSubstr("header-secret")));
        EXPECT_THAT(a.error, Not(HasSubstr("qtoken")));
    }
    EXPECT_THAT(report.message_id, Not(HasSubstr("sekrit")));
}

TEST(WebhookTest, DeliversJsonWithHeaders) {
    WebhookServer server([](int) { return 200; });
    Notifier notifier({Webhook(server.Url(std::string(kSecretPath) + "?k=qtoken"))},
                      aws::MakeCurlTransport({}),
                      std::nullopt);
    NotifyMessage message = Message();
    DeliveryReport report = notifier.Deliver("hook", message);
    EXPECT_TRUE(report.delivered);
    EXPECT_EQ(report.sink, "hook");
    EXPECT_EQ(report.message_id, "HTTP 200");
    ASSERT_EQ(report.attempts.size(), 1u);
    EXPECT_TRUE(report.attempts[0].ok);
    EXPECT_EQ(report.attempts[0].http_status, 200);
    auto received = server.received();
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received[0].path, kSecretPath);
    EXPECT_EQ(received[0].query, "k=qtoken");
    EXPECT_EQ(received[0].content_type, "application/json");
    EXPECT_EQ(received[0].authorization, "Bearer header-secret-77");
    EXPECT_EQ(received[0].body, MessageJson(message));
    EXPECT_TRUE(notifier.HasSink("hook"));
    EXPECT_FALSE(notifier.HasSink("nope"));
}

TEST(WebhookTest, SlackFormatAndOwnTransport) {
    WebhookServer server([](int) { return 200; });
    SinkConfig sink = Webhook(server.Url(kSecretPath));
    sink.slack = true;
    // No transport given: the notifier makes one per webhook sink with the sink's timeout.
    Notifier notifier({sink}, nullptr, std::nullopt);
    NotifyMessage message = Message();
    DeliveryReport report = notifier.Deliver("hook", message);
    EXPECT_TRUE(report.delivered) << (report.attempts.empty() ? "" : report.attempts[0].error);
    auto received = server.received();
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received[0].body, SlackBody(message));
    Result<event::JsonValue> body = event::ParseJson(received[0].body);
    ASSERT_TRUE(body.has_value());
    EXPECT_NE(body->Find("blocks"), nullptr);
}

TEST(WebhookTest, RetriesServerErrorsThenSucceeds) {
    WebhookServer server([](int n) { return n <= 2 ? 500 : 200; });
    Notifier notifier({Webhook(server.Url(kSecretPath))}, aws::MakeCurlTransport({}), std::nullopt);
    std::vector<milliseconds> sleeps;
    notifier.SetSleepForTesting([&](milliseconds d) { sleeps.push_back(d); });
    DeliveryReport report = notifier.Deliver("hook", Message());
    EXPECT_TRUE(report.delivered);
    ASSERT_EQ(report.attempts.size(), 3u);
    EXPECT_EQ(report.attempts[0].attempt, 1);
    EXPECT_FALSE(report.attempts[0].ok);
    EXPECT_EQ(report.attempts[0].http_status, 500);
    EXPECT_THAT(report.attempts[0].error, HasSubstr("HTTP 500"));
    EXPECT_THAT(report.attempts[0].error, HasSubstr("http://127.0.0.1:"));
    EXPECT_EQ(report.attempts[1].http_status, 500);
    EXPECT_TRUE(report.attempts[2].ok);
    EXPECT_EQ(report.attempts[2].attempt, 3);
    EXPECT_THAT(sleeps, ElementsAre(milliseconds(200), milliseconds(400)));
    EXPECT_EQ(server.received().size(), 3u);
    ExpectNoSecrets(report);
}

TEST(WebhookTest, TooManyRequestsIsRetriedUpToMaxAttempts) {
    WebhookServer server([](int) { return 429; });
    SinkConfig sink = Webhook(server.Url(kSecretPath));
    sink.max_attempts = 2;
    Notifier notifier({sink}, aws::MakeCurlTransport({}), std::nullopt);
    std::vector<milliseconds> sleeps;
    notifier.SetSleepForTesting([&](milliseconds d) { sleeps.push_back(d); });
    DeliveryReport report = notifier.Deliver("hook", Message());
    EXPECT_FALSE(report.delivered);
    ASSERT_EQ(report.attempts.size(), 2u);
    EXPECT_EQ(report.attempts[1].http_status, 429);
    EXPECT_THAT(sleeps, ElementsAre(milliseconds(200)));
    ExpectNoSecrets(report);
}

TEST(WebhookTest, ClientErrorIsFinal) {
    WebhookServer server([](int) { return 400; });
    Notifier notifier({Webhook(server.Url(kSecretPath))}, aws::MakeCurlTransport({}), std::nullopt);
    int slept = 0;
    notifier.SetSleepForTesting([&](milliseconds) { ++slept; });
    DeliveryReport report = notifier.Deliver("hook", Message());
    EXPECT_FALSE(report.delivered);
    ASSERT_EQ(report.attempts.size(), 1u);
    EXPECT_EQ(report.attempts[0].http_status, 400);
    EXPECT_THAT(report.attempts[0].error, HasSubstr("HTTP 400"));
    // The server echoed the path into its reply; the report does not repeat it.
    EXPECT_THAT(report.attempts[0].error, HasSubstr("echo …"));
    EXPECT_EQ(slept, 0);
    EXPECT_EQ(server.received().size(), 1u);
    ExpectNoSecrets(report);
}

TEST(WebhookTest, ConnectionRefusedIsAFailedReport) {
    // A port that was just free: bound, then closed without listening.
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    int port = ntohs(addr.sin_port);
    close(fd);

    std::string url = "http://127.0.0.1:" + std::to_string(port) + kSecretPath + "?t=qtoken";
    Notifier notifier({Webhook(url)}, aws::MakeCurlTransport({}), std::nullopt);
    std::vector<milliseconds> sleeps;
    notifier.SetSleepForTesting([&](milliseconds d) { sleeps.push_back(d); });
    DeliveryReport report = notifier.Deliver("hook", Message());
    EXPECT_FALSE(report.delivered);
    ASSERT_EQ(report.attempts.size(), 3u);
    for (const DeliveryAttempt& a : report.attempts) {
        EXPECT_FALSE(a.ok);
        EXPECT_EQ(a.http_status, 0);
        EXPECT_THAT(a.error, HasSubstr("127.0.0.1:" + std::to_string(port) + "/…"));
    }
    EXPECT_THAT(sleeps, ElementsAre(milliseconds(200), milliseconds(400)));
    ExpectNoSecrets(report);
}

TEST(NotifierTest, UnknownSinkIsAFailedReport) {
    Notifier notifier({}, nullptr, std::nullopt);
    DeliveryReport report = notifier.Deliver("ghost", Message());
    EXPECT_FALSE(report.delivered);
    EXPECT_EQ(report.sink, "ghost");
    ASSERT_EQ(report.attempts.size(), 1u);
    EXPECT_THAT(report.attempts[0].error, HasSubstr("no sink named \"ghost\""));
}

TEST(FileSinkTest, AppendsLinesWithOffsets) {
    fs::path dir = fs::path(::testing::TempDir()) / ("notify_file_" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    SinkConfig sink;
    sink.name = "journal";
    sink.type = SinkType::kFile;
    sink.path = (dir / "notify.jsonl").string();
    SinkConfig bad = sink;
    bad.name = "bad";
    bad.path = (dir / "missing" / "notify.jsonl").string();
    Notifier notifier({sink, bad}, nullptr, std::nullopt);

    NotifyMessage first = Message();
    NotifyMessage second = Message();
    second.subject = "second ✓\nline";
    DeliveryReport a = notifier.Deliver("journal", first);
    DeliveryReport b = notifier.Deliver("journal", second);
    ASSERT_TRUE(a.delivered);
    ASSERT_TRUE(b.delivered);
    std::string line1 = MessageJson(first);
    EXPECT_EQ(a.message_id, sink.path + ":0");
    EXPECT_EQ(b.message_id, sink.path + ":" + std::to_string(line1.size() + 1));

    std::ifstream in(sink.path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], line1);
    EXPECT_EQ(lines[1], MessageJson(second));
    Result<event::JsonValue> parsed = event::ParseJson(lines[1]);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->Find("subject")->text, "second ✓\nline");

    struct stat st {};

    ASSERT_EQ(stat(sink.path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    DeliveryReport failed = notifier.Deliver("bad", first);
    EXPECT_FALSE(failed.delivered);
    ASSERT_EQ(failed.attempts.size(), 1u);
    EXPECT_THAT(failed.attempts[0].error, HasSubstr("open " + bad.path));
    fs::remove_all(dir);
}

// A fake AWS endpoint: answers each Publish with `reply(n)` and records the requests.
class FakeSns : public aws::HttpTransport {
public:
    explicit FakeSns(std::function<aws::HttpResponse(int)> reply) : reply_(std::move(reply)) {}

    Result<aws::HttpResponse, aws::TransportError> Send(const aws::Endpoint&,
                                                        const aws::HttpRequest& request) override {
        std::lock_guard<std::mutex> lock(mu_);
        requests.push_back(request);
        return reply_(static_cast<int>(requests.size()));
    }

    std::vector<aws::HttpRequest> requests;

private:
    std::function<aws::HttpResponse(int)> reply_;
    std::mutex mu_;
};

aws::HttpResponse PublishOk() {
    aws::HttpResponse response;
    response.status = 200;
    response.body =
            "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult>"
            "<MessageId>msg-123</MessageId></PublishResult><ResponseMetadata><RequestId>req-1"
            "</RequestId></ResponseMetadata></PublishResponse>";
    return response;
}

aws::HttpResponse SnsError(int status, const std::string& code) {
    aws::HttpResponse response;
    response.status = status;
    response.body = "<ErrorResponse><Error><Type>Sender</Type><Code>" + code +
                    "</Code><Message>nope</Message></Error><RequestId>req-e</RequestId>"
                    "</ErrorResponse>";
    return response;
}

aws::AwsClient FakeClient(std::shared_ptr<FakeSns> transport) {
    aws::ResolvedConfig config;
    config.region = "us-west-2";
    config.region_source = "test";
    aws::Endpoint endpoint;
    endpoint.scheme = "http";
    endpoint.host = "127.0.0.1";
    endpoint.port = 9;
    for (std::optional<aws::Endpoint>& e : config.endpoints)
        e = endpoint;
    config.retry.max_attempts = 1;  // the notifier's own retries are under test
    aws::Credentials credentials;
    credentials.access_key_id = "AKIAEXAMPLE000000001";
    credentials.secret_access_key = "secret";
    aws::AwsClient client(
            std::move(config), aws::MakeStaticProvider(credentials, "test"), std::move(transport));
    client.SetSleepForTesting([](milliseconds) {});
    return client;
}

SinkConfig SnsSink() {
    SinkConfig sink;
    sink.name = "oncall";
    sink.type = SinkType::kSns;
    sink.topic_arn = "arn:aws:sns:eu-west-1:111111111111:oncall";
    return sink;
}

TEST(SnsSinkTest, PublishesToTheTopicsRegionAndRetries) {
    auto transport = std::make_shared<FakeSns>(
            [](int n) { return n == 1 ? SnsError(500, "InternalError") : PublishOk(); });
    Notifier notifier({SnsSink()}, nullptr, FakeClient(transport));
    std::vector<milliseconds> sleeps;
    notifier.SetSleepForTesting([&](milliseconds d) { sleeps.push_back(d); });
    NotifyMessage message = Message();
    message.subject = "line one\nline two " + std::string(200, 's');
    DeliveryReport report = notifier.Deliver("oncall", message);
    EXPECT_TRUE(report.delivered);
    EXPECT_EQ(report.message_id, "msg-123");
    ASSERT_EQ(report.attempts.size(), 2u);
    EXPECT_THAT(report.attempts[0].error, HasSubstr("InternalError"));
    EXPECT_TRUE(report.attempts[1].ok);
    EXPECT_THAT(sleeps, ElementsAre(milliseconds(200)));
    ASSERT_EQ(transport->requests.size(), 2u);
    const aws::HttpRequest& sent = transport->requests[1];
    const std::string* auth = sent.Header("Authorization");
    ASSERT_NE(auth, nullptr);
    EXPECT_THAT(*auth, HasSubstr("/eu-west-1/sns/aws4_request"));
    EXPECT_THAT(sent.body, HasSubstr("Action=Publish"));
    EXPECT_THAT(sent.body,
                HasSubstr("TopicArn=arn%3Aaws%3Asns%3Aeu-west-1%3A111111111111%3Aoncall"));
    // The subject lost its line break and was cut below 100 characters.
    EXPECT_THAT(sent.body, HasSubstr("Subject=line%20one%20line%20two%20sss"));
    EXPECT_THAT(sent.body, HasSubstr("Message=" + aws::UriEncode(MessageJson(message), false)));
    size_t subject = sent.body.find("Subject=");
    size_t end = sent.body.find('&', subject);
    std::string encoded = sent.body.substr(subject + 8, end - subject - 8);
    EXPECT_EQ(aws::UriDecode(encoded).size(), 99u);
}

TEST(SnsSinkTest, ExplicitRegionAndFinalError) {
    auto transport =
            std::make_shared<FakeSns>([](int) { return SnsError(403, "AuthorizationError"); });
    SinkConfig sink = SnsSink();
    sink.region = "ap-south-1";
    Notifier notifier({sink}, nullptr, FakeClient(transport));
    int slept = 0;
    notifier.SetSleepForTesting([&](milliseconds) { ++slept; });
    DeliveryReport report = notifier.Deliver("oncall", Message());
    EXPECT_FALSE(report.delivered);
    ASSERT_EQ(report.attempts.size(), 1u);
    EXPECT_THAT(report.attempts[0].error, HasSubstr("AuthorizationError"));
    EXPECT_EQ(slept, 0);
    ASSERT_EQ(transport->requests.size(), 1u);
    EXPECT_THAT(*transport->requests[0].Header("Authorization"), HasSubstr("/ap-south-1/sns/"));

    Notifier no_client({SnsSink()}, nullptr, std::nullopt);
    DeliveryReport none = no_client.Deliver("oncall", Message());
    EXPECT_FALSE(none.delivered);
    ASSERT_EQ(none.attempts.size(), 1u);
    EXPECT_THAT(none.attempts[0].error, HasSubstr("no AWS client"));
}

}  // namespace
}  // namespace firebreak::response
