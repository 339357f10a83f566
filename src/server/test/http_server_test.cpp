#include "firebreak/server/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>

namespace firebreak::server {
namespace {

constexpr const char* kToken = "test-token-0123456789";
constexpr const char* kSecret = "hmac-secret-abcdef";

struct RecordedCall {
    std::string route;
    ApiRequest request;
};

struct RecordedIngest {
    std::string body;
    std::string content_encoding;
    std::string content_type;
    std::string auth;
    std::string remote;
};

// A ServiceApi that records calls; Ingest can be made to block until released.
class FakeApi : public ServiceApi {
public:
    IngestReply Ingest(const IngestRequest& request) override {
        std::unique_lock<std::mutex> lock(mu_);
        RecordedIngest recorded;
        recorded.body = std::string(request.body);
        recorded.content_encoding = request.content_encoding;
        recorded.content_type = request.content_type;
        recorded.auth = request.auth;
        recorded.remote = request.remote;
        ingests_.push_back(recorded);
        ++entered_;
        cv_.notify_all();
        cv_.wait(lock, [this] { return !block_; });
        return reply_;
    }

    ApiResponse Handle(std::string_view route, const ApiRequest& request) override {
        std::lock_guard<std::mutex> lock(mu_);
        RecordedCall call;
        call.route = std::string(route);
        call.request = request;
        calls_.push_back(call);
        ApiResponse response;
        if (route == "health") {
            response.body = "{\"status\":\"ok\",\"version\":\"secret-build\",\"db\":\"/var/x\"}";
        } else if (route == "metrics") {
            response.content_type = "text/plain; version=0.0.4";
            response.body = "firebreak_up 1";
        } else {
            response.body = "{\"route\":\"" + std::string(route) + "\"}";
            response.headers.emplace_back("X-Route", std::string(route));
            response.headers.emplace_back("Content-Length", "1");  // ignored: reserved
        }
        return response;
    }

    void Block() {
        std::lock_guard<std::mutex> lock(mu_);
        block_ = true;
    }

    void Release() {
        std::lock_guard<std::mutex> lock(mu_);
        block_ = false;
        cv_.notify_all();
    }

    void WaitEntered(int n) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return entered_ >= n; });
    }

    void SetReply(IngestReply reply) {
        std::lock_guard<std::mutex> lock(mu_);
        reply_ = std::move(reply);
    }

    std::vector<RecordedCall> calls() {
        std::lock_guard<std::mutex> lock(mu_);
        return calls_;
    }

    std::vector<RecordedIngest> ingests() {
        std::lock_guard<std::mutex> lock(mu_);
        return ingests_;
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool block_ = false;
    int entered_ = 0;
    IngestReply reply_ = [] {
        IngestReply reply;
        reply.body = "{\"accepted\":true}";
        return reply;
    }();
    std::vector<RecordedCall> calls_;
    std::vector<RecordedIngest> ingests_;
};

std::string Now() {
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
}

int Connect(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        ::close(fd);
        return -1;
    }
    timeval tv{};
    tv.tv_sec = 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    return fd;
}

bool SendAll(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

std::string ReadUntilClose(int fd) {
    std::string out;
    char buf[4096];
    while (true) {
        ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

class HttpServerTest : public ::testing::Test {
protected:
    void StartServer(const std::function<void(HttpServerOptions*)>& adjust = nullptr) {
        HttpServerOptions options;
        options.token = kToken;
        options.hmac_secret = kSecret;
        if (adjust)
            adjust(&options);
        auto started = HttpServer::Start(options, &api_, &metrics_);
        ASSERT_TRUE(started.has_value()) << started.error().ToString();
        server_ = std::move(started).value();
        port_ = server_->port();
    }

    void TearDown() override {
        api_.Release();
        if (server_)
            server_->Stop();
    }

    std::unique_ptr<httplib::Client> Client() {
        auto client = std::make_unique<httplib::Client>("127.0.0.1", port_);
        client->set_read_timeout(30, 0);
        client->set_write_timeout(30, 0);
        client->set_connection_timeout(30, 0);
        return client;
    }

    static httplib::Headers Auth() { return {{"Authorization", std::string("Bearer ") + kToken}}; }

    uint64_t Rejected(const std::string& reason) {
        return metrics_.AddLabeledCounter("firebreak_http_rejected_total", "", "reason")
                ->value(reason);
    }

    FakeApi api_;
    Metrics metrics_;
    std::unique_ptr<HttpServer> server_;
    int port_ = 0;
};

TEST_F(HttpServerTest, StartRefusesAnEmptyTokenAndStopsRightAfterStart) {
    FakeApi api;
    HttpServerOptions options;
    auto refused = HttpServer::Start(options, &api, nullptr);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code(), StatusCode::kInvalidArgument);
    options.token = "t";
    for (int i = 0; i < 5; ++i) {
        auto started = HttpServer::Start(options, &api, nullptr);
        ASSERT_TRUE(started.has_value());
        EXPECT_GT((*started)->port(), 0);
        (*started)->Stop();
        (*started)->Stop();  // idempotent
    }
}

TEST_F(HttpServerTest, ASecondServerCannotTakeTheSamePort) {
    StartServer();
    HttpServerOptions options;
    options.token = "t";
    options.port = port_;
    auto second = HttpServer::Start(options, &api_, nullptr);
    ASSERT_FALSE(second.has_value());
    EXPECT_EQ(second.error().code(), StatusCode::kUnavailable);
    auto res = Client()->Get("/v1/stats", Auth());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
}

TEST_F(HttpServerTest, HealthNeedsNoTokenAndRevealsOnlyTheStatus) {
    StartServer();
    auto res = Client()->Get("/healthz");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "{\"status\":\"ok\"}\n");
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    ASSERT_EQ(api_.calls().size(), 1u);
    EXPECT_EQ(api_.calls()[0].route, "health");
    EXPECT_EQ(api_.calls()[0].request.principal, "");
}

TEST_F(HttpServerTest, ApiRoutesNeedTheBearerToken) {
    StartServer();
    auto client = Client();
    auto none = client->Get("/v1/stats");
    ASSERT_TRUE(none);
    EXPECT_EQ(none->status, 401);
    EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer");
    EXPECT_EQ(none->body, "{\"error\":\"authentication required\"}\n");

    auto wrong = client->Get("/v1/stats", {{"Authorization", "Bearer test-token-012345678"}});
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401);
    EXPECT_EQ(wrong->body.find("test-token"), std::string::npos);

    auto basic = client->Get("/v1/stats", {{"Authorization", std::string("Basic ") + kToken}});
    ASSERT_TRUE(basic);
    EXPECT_EQ(basic->status, 401);

    // Unknown paths are not revealed to anonymous callers either.
    auto unknown = client->Get("/v1/nothing");
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->status, 401);
    EXPECT_TRUE(api_.calls().empty());

    auto right = client->Get("/v1/stats", {{"Authorization", std::string("bearer  ") + kToken}});
    ASSERT_TRUE(right);
    EXPECT_EQ(right->status, 200);
    EXPECT_EQ(right->body, "{\"route\":\"stats\"}\n");
    EXPECT_EQ(right->get_header_value("X-Route"), "stats");
    ASSERT_EQ(api_.calls().size(), 1u);
    EXPECT_EQ(api_.calls()[0].request.principal, "token");
    EXPECT_EQ(Rejected("auth"), 4u);
}

TEST_F(HttpServerTest, RoutesWithPathParametersQueryAndBody) {
    StartServer();
    auto client = Client();
    auto get = client->Get("/v1/findings/f-1?status=NEW&rule=a%20b&status=NOTIFIED", Auth());
    ASSERT_TRUE(get);
    EXPECT_EQ(get->status, 200);
    auto patch = client->Patch(
            "/v1/findings/f-2", Auth(), "{\"status\":\"RESOLVED\"}", "application/json");
    ASSERT_TRUE(patch);
    EXPECT_EQ(patch->status, 200);
    auto post = client->Post("/v1/findings/f-3/status", Auth(), "{}", "application/json");
    ASSERT_TRUE(post);
    auto del = client->Delete("/v1/suppressions/sup-9", Auth());
    ASSERT_TRUE(del);
    EXPECT_EQ(del->status, 200);
    auto approve = client->Post("/v1/runs/run:7/approve", Auth(), "", "application/json");
    ASSERT_TRUE(approve);
    EXPECT_EQ(approve->status, 200);

    std::vector<RecordedCall> calls = api_.calls();
    ASSERT_EQ(calls.size(), 5u);
    EXPECT_EQ(calls[0].route, "findings.get");
    EXPECT_EQ(calls[0].request.method, "GET");
    EXPECT_EQ(calls[0].request.path, "/v1/findings/f-1");
    EXPECT_EQ(calls[0].request.path_params.at("id"), "f-1");
    EXPECT_EQ(calls[0].request.query.count("status"), 2u);
    EXPECT_EQ(calls[0].request.query.find("rule")->second, "a b");
    EXPECT_EQ(calls[1].route, "findings.update");
    EXPECT_EQ(calls[1].request.method, "PATCH");
    EXPECT_EQ(calls[1].request.body, "{\"status\":\"RESOLVED\"}");
    EXPECT_EQ(calls[2].route, "findings.update");
    EXPECT_EQ(calls[2].request.path_params.at("id"), "f-3");
    EXPECT_EQ(calls[3].route, "suppressions.delete");
    EXPECT_EQ(calls[3].request.path_params.at("id"), "sup-9");
    EXPECT_EQ(calls[4].route, "runs.approve");
    EXPECT_EQ(calls[4].request.path_params.at("id"), "run:7");
}

TEST_F(HttpServerTest, UnknownPathsWrongMethodsAndBadIds) {
    StartServer();
    auto client = Client();
    auto missing = client->Get("/v1/nothing", Auth());
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
    EXPECT_EQ(missing->body, "{\"error\":\"no such route\"}\n");
    auto wrong = client->Put("/v1/findings/f-1", Auth(), "{}", "application/json");
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 405);
    EXPECT_EQ(wrong->get_header_value("Allow"), "GET, PATCH");
    auto bad_id = client->Get("/v1/runs/a%2Fb%3Cscript%3E", Auth());
    ASSERT_TRUE(bad_id);
    EXPECT_TRUE(bad_id->status == 400 || bad_id->status == 404) << bad_id->status;
    auto bad_chars = client->Get("/v1/runs/a%3Cb", Auth());
    ASSERT_TRUE(bad_chars);
    EXPECT_EQ(bad_chars->status, 400);
    EXPECT_EQ(bad_chars->body, "{\"error\":\"invalid id in path\"}\n");
    auto health_post = client->Post("/healthz", "", "application/json");
    ASSERT_TRUE(health_post);
    EXPECT_EQ(health_post->status, 405);
    EXPECT_TRUE(api_.calls().empty());
}

TEST_F(HttpServerTest, MetricsRoutePassesTextThrough) {
    StartServer();
    auto res = Client()->Get("/metrics", Auth());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4");
    EXPECT_EQ(res->body, "firebreak_up 1");
    auto anonymous = Client()->Get("/metrics");
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401);
}

TEST_F(HttpServerTest, IngestWithTokenPassesTheBodyAsReceived) {
    StartServer();
    std::string gz("\x1f\x8b\x08\x00raw-bytes", 13);
    httplib::Headers headers = Auth();
    headers.emplace("Content-Encoding", "gzip");
    auto res = Client()->Post("/v1/ingest", headers, gz, "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 202);
    EXPECT_EQ(res->body, "{\"accepted\":true}\n");
    auto ingests = api_.ingests();
    ASSERT_EQ(ingests.size(), 1u);
    EXPECT_EQ(ingests[0].body, gz);
    EXPECT_EQ(ingests[0].content_encoding, "gzip");
    EXPECT_EQ(ingests[0].content_type, "application/json");
    EXPECT_EQ(ingests[0].auth, "token");
    EXPECT_EQ(ingests[0].remote.rfind("127.0.0.1:", 0), 0u);
    EXPECT_NE(metrics_.Render().find("firebreak_ingest_bytes_total 13\n"), std::string::npos);
}

TEST_F(HttpServerTest, IngestWithHmacSignature) {
    StartServer();
    auto client = Client();
    std::string body = "{\"detail-type\":\"AWS API Call via CloudTrail\"}";
    auto signed_headers = [&](const std::string& ts, const std::string& signed_body) {
        return httplib::Headers{
                {"X-Firebreak-Timestamp", ts},
                {"X-Firebreak-Signature", IngestSignature(kSecret, ts, signed_body)}};
    };
    std::string now = Now();
    auto right = client->Post("/v1/ingest", signed_headers(now, body), body, "application/json");
    ASSERT_TRUE(right);
    EXPECT_EQ(right->status, 202);

    auto wrong =
            client->Post("/v1/ingest", signed_headers(now, body + " "), body, "application/json");
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401);
    EXPECT_EQ(wrong->body, "{\"error\":\"invalid signature\"}\n");

    httplib::Headers wrong_key{{"X-Firebreak-Timestamp", now},
                               {"X-Firebreak-Signature", IngestSignature("other", now, body)}};
    auto other = client->Post("/v1/ingest", wrong_key, body, "application/json");
    ASSERT_TRUE(other);
    EXPECT_EQ(other->status, 401);

    std::string future = std::to_string(std::stoll(now) + 1000);
    auto skewed =
            client->Post("/v1/ingest", signed_headers(future, body), body, "application/json");
    ASSERT_TRUE(skewed);
    EXPECT_EQ(skewed->status, 401);

    // A correctly signed request replayed after the window is refused.
    std::string old = std::to_string(std::stoll(now) - 301);
    auto replayed = client->Post("/v1/ingest", signed_headers(old, body), body, "application/json");
    ASSERT_TRUE(replayed);
    EXPECT_EQ(replayed->status, 401);
    EXPECT_EQ(replayed->body,
              "{\"error\":\"X-Firebreak-Timestamp outside the allowed clock skew\"}\n");

    httplib::Headers no_ts{{"X-Firebreak-Signature", IngestSignature(kSecret, "", body)}};
    auto missing_ts = client->Post("/v1/ingest", no_ts, body, "application/json");
    ASSERT_TRUE(missing_ts);
    EXPECT_EQ(missing_ts->status, 401);

    // Signatures are for ingest only.
    auto api = client->Get("/v1/stats", signed_headers(now, ""));
    ASSERT_TRUE(api);
    EXPECT_EQ(api->status, 401);

    auto ingests = api_.ingests();
    ASSERT_EQ(ingests.size(), 1u);
    EXPECT_EQ(ingests[0].auth, "hmac");
    EXPECT_EQ(ingests[0].body, body);
}

TEST_F(HttpServerTest, HmacIsRefusedWhenNoSecretIsConfigured) {
    StartServer([](HttpServerOptions* options) { options->hmac_secret.clear(); });
    std::string now = Now();
    httplib::Headers headers{{"X-Firebreak-Timestamp", now},
                             {"X-Firebreak-Signature", IngestSignature("", now, "{}")}};
    auto res = Client()->Post("/v1/ingest", headers, "{}", "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401);
    EXPECT_TRUE(api_.ingests().empty());
}

TEST_F(HttpServerTest, HugeBodyWithContentLengthIsRefusedBeforeItIsRead) {
    StartServer();
    // Raw: only the headers are sent; the 413 arrives without the body.
    int fd = Connect(port_);
    ASSERT_GE(fd, 0);
    std::string head =
            std::string("POST /v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") + kToken +
            "\r\nContent-Length: 20971520\r\n\r\n";
    ASSERT_TRUE(SendAll(fd, head));
    std::string response = ReadUntilClose(fd);
    ::close(fd);
    EXPECT_EQ(response.rfind("HTTP/1.1 413", 0), 0u) << response;
    EXPECT_NE(response.find("Connection: close"), std::string::npos);

    // A client that sends everything still reads the 413.
    std::string body(20u << 20, 'x');
    auto res = Client()->Post("/v1/ingest", Auth(), body, "application/json");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 413);
    EXPECT_TRUE(api_.ingests().empty());
    EXPECT_GE(Rejected("too_large"), 2u);
}

TEST_F(HttpServerTest, ExpectContinueIsAnsweredWithTheRefusal) {
    StartServer();
    auto exchange = [this](const std::string& head) {
        int fd = Connect(port_);
        if (fd < 0)
            return std::string();
        SendAll(fd, head);
        char buf[1024];
        ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        ::close(fd);
        return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
    };
    std::string too_large =
            exchange(std::string("POST /v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") +
                     kToken + "\r\nExpect: 100-continue\r\nContent-Length: 20971520\r\n\r\n");
    EXPECT_EQ(too_large.rfind("HTTP/1.1 413", 0), 0u) << too_large;
    std::string anonymous = exchange(
            "POST /v1/ingest HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            "Content-Length: 10\r\n\r\n");
    EXPECT_EQ(anonymous.rfind("HTTP/1.1 401", 0), 0u) << anonymous;
    std::string accepted =
            exchange(std::string("POST /v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") +
                     kToken + "\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    EXPECT_EQ(accepted.rfind("HTTP/1.1 100", 0), 0u) << accepted;
    EXPECT_TRUE(api_.ingests().empty());
}

TEST_F(HttpServerTest, SlowHeadersGetARequestTimeout) {
    StartServer(
            [](HttpServerOptions* options) { options->read_timeout = std::chrono::seconds(1); });
    int fd = Connect(port_);
    ASSERT_GE(fd, 0);
    SendAll(fd, "GET /v1/stats HTTP/1.1\r\nHost: x\r\n");
    std::string response = ReadUntilClose(fd);
    ::close(fd);
    EXPECT_EQ(response.rfind("HTTP/1.1 408", 0), 0u) << response;
    EXPECT_NE(response.find("{\"error\":\"request timeout\"}\n"), std::string::npos);
    EXPECT_EQ(Rejected("timeout"), 1u);
}

TEST_F(HttpServerTest, HugeChunkedBodyIsCutAtTheLimit) {
    StartServer();
    const size_t total = 20u << 20;
    std::string chunk(64 * 1024, 'y');
    auto res = Client()->Post(
            "/v1/ingest",
            Auth(),
            [&](size_t offset, httplib::DataSink& sink) {
                if (offset >= total) {
                    sink.done();
                    return true;
                }
                return sink.write(chunk.data(), chunk.size());
            },
            "application/json");
    // The server answers 413 once the limit is passed; the client may or may not finish sending.
    if (res) {
        EXPECT_EQ(res->status, 413);
    }
    EXPECT_TRUE(api_.ingests().empty());
    // The server keeps serving.
    auto after = Client()->Get("/v1/stats", Auth());
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 200);
    EXPECT_GE(Rejected("too_large"), 1u);
}

TEST_F(HttpServerTest, ContentEncodingAndEmptyIngest) {
    StartServer();
    auto client = Client();
    httplib::Headers brotli = Auth();
    brotli.emplace("Content-Encoding", "br");
    auto br = client->Post("/v1/ingest", brotli, "{}", "application/json");
    ASSERT_TRUE(br);
    EXPECT_EQ(br->status, 415);
    httplib::Headers gzip_api = Auth();
    gzip_api.emplace("Content-Encoding", "gzip");
    auto api = client->Post("/v1/suppressions", gzip_api, "{}", "application/json");
    ASSERT_TRUE(api);
    EXPECT_EQ(api->status, 415);
    httplib::Headers identity = Auth();
    identity.emplace("Content-Encoding", "identity");
    auto plain = client->Post("/v1/ingest", identity, "{}", "application/json");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->status, 202);
    auto empty = client->Post("/v1/ingest", Auth(), "", "application/json");
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->status, 400);
    EXPECT_EQ(empty->body, "{\"error\":\"empty ingest body\"}\n");
    ASSERT_EQ(api_.ingests().size(), 1u);
    EXPECT_EQ(api_.ingests()[0].content_encoding, "");
}

TEST_F(HttpServerTest, TooManyConcurrentIngestsGet429) {
    StartServer([](HttpServerOptions* options) { options->max_inflight_ingest = 2; });
    api_.Block();
    std::vector<std::thread> senders;
    std::vector<int> statuses(2, 0);
    for (int i = 0; i < 2; ++i) {
        senders.emplace_back([this, i, &statuses] {
            auto res = Client()->Post("/v1/ingest", Auth(), "{\"n\":1}", "application/json");
            statuses[static_cast<size_t>(i)] = res ? res->status : -1;
        });
    }
    api_.WaitEntered(2);
    auto third = Client()->Post("/v1/ingest", Auth(), "{\"n\":3}", "application/json");
    ASSERT_TRUE(third);
    EXPECT_EQ(third->status, 429);
    EXPECT_EQ(third->get_header_value("Retry-After"), "1");
    api_.Release();
    for (auto& sender : senders) {
        sender.join();
    }
    EXPECT_EQ(statuses[0], 202);
    EXPECT_EQ(statuses[1], 202);
    EXPECT_EQ(api_.ingests().size(), 2u);
    EXPECT_EQ(Rejected("busy"), 1u);
}

TEST_F(HttpServerTest, ServiceUnavailablePassesRetryAfterThrough) {
    StartServer();
    IngestReply full;
    full.status = 503;
    full.retry_after_seconds = 7;
    full.body = "{\"error\":\"queue full\"}";
    api_.SetReply(full);
    auto res = Client()->Post("/v1/ingest", Auth(), "{}", "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 503);
    EXPECT_EQ(res->get_header_value("Retry-After"), "7");
    EXPECT_EQ(res->body, "{\"error\":\"queue full\"}\n");
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
    StartServer();
    auto client = Client();
    client->set_keep_alive(true);
    for (int i = 0; i < 5; ++i) {
        auto res = client->Get("/v1/rules", Auth());
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 200);
    }
    EXPECT_EQ(api_.calls().size(), 5u);
}

// Opens `count` connections that send the start of a request and then one more byte every
// 200 ms, asks for GET /v1/stats meanwhile, and returns its status (-1: no response).
int StatusWhileTrickling(int port, const std::function<std::string(int)>& start, int count) {
    std::vector<int> slow;
    for (int i = 0; i < count; ++i) {
        int fd = Connect(port);
        if (fd < 0)
            break;
        SendAll(fd, start(i));
        slow.push_back(fd);
    }
    std::atomic<bool> stop{false};
    std::thread trickler([&] {
        while (!stop.load()) {
            for (int fd : slow) {
                ::send(fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    });
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(60, 0);
    client.set_read_timeout(60, 0);
    auto res = client.Get("/v1/stats", {{"Authorization", std::string("Bearer ") + kToken}});
    stop.store(true);
    trickler.join();
    for (int fd : slow) {
        ::close(fd);
    }
    return res ? res->status : -1;
}

// N >= threads clients trickling headers or bodies must not stop a well-behaved client.
TEST_F(HttpServerTest, SlowClientsDoNotStarveOthers) {
    StartServer([](HttpServerOptions* options) {
        options->threads = 16;
        options->read_timeout = std::chrono::seconds(1);
        options->request_deadline = std::chrono::seconds(2);
    });
    int status = StatusWhileTrickling(
            port_,
            [](int i) {
                if (i % 2 == 0)
                    return std::string("GET /v1/stats HTTP/1.1\r\nHost: x\r\nX-Slow: ");
                return std::string(
                               "POST /v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") +
                       kToken + "\r\nContent-Length: 100000\r\n\r\n{";
            },
            40);
    EXPECT_EQ(status, 200);
    EXPECT_GE(Rejected("timeout"), 1u);
    EXPECT_TRUE(api_.ingests().empty());
}

// Anonymous senders claiming an HMAC signature do not get the whole request_deadline for their
// body (the signature can only be checked at its end).
TEST_F(HttpServerTest, SlowUnverifiedSignedBodiesDoNotStarveOthers) {
    StartServer([](HttpServerOptions* options) {
        options->threads = 4;
        options->read_timeout = std::chrono::seconds(1);
        options->request_deadline = std::chrono::seconds(600);
    });
    int status = StatusWhileTrickling(
            port_,
            [](int) {
                return "POST /v1/ingest HTTP/1.1\r\nHost: x\r\nX-Firebreak-Timestamp: " + Now() +
                       "\r\nX-Firebreak-Signature: sha256=00\r\nContent-Length: 1000\r\n\r\n{";
            },
            12);
    EXPECT_EQ(status, 200);
    EXPECT_GE(Rejected("timeout"), 1u);
    EXPECT_TRUE(api_.ingests().empty());
}

TEST_F(HttpServerTest, RandomGarbageNeverBreaksTheServer) {
    StartServer([](HttpServerOptions* options) {
        options->read_timeout = std::chrono::seconds(1);
        options->request_deadline = std::chrono::seconds(2);
        options->max_body_bytes = 4096;
    });
    std::mt19937 rng(20261129);
    const std::vector<std::string> seeds = {
            std::string("GET /v1/findings?status=NEW HTTP/1.1\r\nHost: x\r\nAuthorization: "
                        "Bearer ") +
                    kToken + "\r\n\r\n",
            std::string("POST /v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") + kToken +
                    "\r\nContent-Length: 2\r\n\r\n{}",
            std::string("POST /v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") + kToken +
                    "\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            "PATCH /v1/findings/abc HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: "
            "chunked\r\n\r\n",
            "GET /healthz HTTP/1.0\r\n\r\n",
            "POST /v1/ingest HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            "POST /v1/ingest HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            "POST /v1/suppressions HTTP/1.1\r\nContent-Type: multipart/form-data; "
            "boundary=x\r\nContent-Length: 10\r\n\r\n--x\r\n\r\n",
    };
    const std::string alphabet = "GETPOST /v1:\r\n%{}\"\x00\xff-0123456789abcdefHTTP/1.1";
    for (int i = 0; i < 1000; ++i) {
        std::string request;
        switch (rng() % 4) {
            case 0: {  // random bytes
                size_t n = rng() % 300;
                for (size_t k = 0; k < n; ++k) {
                    request += static_cast<char>(rng() % 256);
                }
                break;
            }
            case 1: {  // random tokens of HTTP-ish characters
                size_t n = rng() % 200;
                for (size_t k = 0; k < n; ++k) {
                    request += alphabet[rng() % alphabet.size()];
                }
                break;
            }
            default: {  // a valid request mutated
                request = seeds[rng() % seeds.size()];
                int edits = 1 + static_cast<int>(rng() % 4);
                for (int e = 0; e < edits && !request.empty(); ++e) {
                    size_t pos = rng() % request.size();
                    switch (rng() % 4) {
                        case 0:
                            request[pos] = static_cast<char>(rng() % 256);
                            break;
                        case 1:
                            request.erase(pos, 1 + rng() % 8);
                            break;
                        case 2:
                            request.insert(pos, std::string(1 + rng() % 3000, 'A'));
                            break;
                        default:
                            request.resize(pos);
                            break;
                    }
                }
                break;
            }
        }
        int fd = Connect(port_);
        ASSERT_GE(fd, 0) << "iteration " << i;
        SendAll(fd, request);
        ::shutdown(fd, SHUT_WR);
        std::string response = ReadUntilClose(fd);
        ::close(fd);
        if (!response.empty()) {
            EXPECT_EQ(response.rfind("HTTP/1.", 0), 0u) << "iteration " << i;
        }
    }
    auto res = Client()->Get("/v1/stats", Auth());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
}

TEST_F(HttpServerTest, RequestMetricsAreCounted) {
    StartServer();
    auto client = Client();
    ASSERT_TRUE(client->Get("/v1/stats", Auth()));
    ASSERT_TRUE(client->Get("/v1/stats", Auth()));
    ASSERT_TRUE(client->Get("/v1/stats"));
    ASSERT_TRUE(client->Get("/v1/nope", Auth()));
    std::string text = metrics_.Render();
    EXPECT_NE(text.find("firebreak_http_requests_total{code=\"200\"} 2\n"), std::string::npos)
            << text;
    EXPECT_NE(text.find("firebreak_http_requests_total{code=\"401\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("firebreak_http_requests_total{code=\"404\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("firebreak_http_rejected_total{reason=\"auth\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("firebreak_http_rejected_total{reason=\"bad_request\"} 1\n"),
              std::string::npos);
    EXPECT_EQ(text.find(kToken), std::string::npos);
}

TEST(SecretEqualsTest, ComparesWholeValues) {
    EXPECT_TRUE(SecretEquals("abc", "abc"));
    EXPECT_FALSE(SecretEquals("abc", "abd"));
    EXPECT_FALSE(SecretEquals("abc", "abcd"));
    EXPECT_FALSE(SecretEquals("", "a"));
    EXPECT_EQ(IngestSignature("key", "1", "body").rfind("sha256=", 0), 0u);
    EXPECT_EQ(IngestSignature("key", "1", "body").size(), 7u + 64u);
}

}  // namespace
}  // namespace firebreak::server
