// File: stream_test.cpp
//
// The retained live stream: EventRing on its own (numbering, the retain limit, lost counts,
// epochs, Close waking waiters) and GET /_firebreak/stream on a sandbox started in-process on
// 127.0.0.1 with examples/worlds/single-account.yaml (SigV4 like any AWS call, never recorded in
// CloudTrail, long polls answered by a new record or by Stop()).
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "firebreak/aws/client.h"
#include "firebreak/aws/config.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/aws/http.h"
#include "firebreak/aws/sigv4.h"
#include "firebreak/aws/sts.h"
#include "firebreak/core/diagnostics.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/sandbox/server.h"
#include "firebreak/sandbox/trail.h"
#include "firebreak/sandbox/world.h"

namespace firebreak::sandbox {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// examples/worlds/single-account.yaml
constexpr char kAliceId[] = "AKIAEXAMPLEALICE0001";
constexpr char kAliceSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEALIC";

TEST(EventRingTest, NumbersEnvelopesFromOneAndReadsAfterACursor) {
    EventRing ring(10);
    EXPECT_EQ(ring.last_seq(), 0u);
    EXPECT_EQ(ring.epoch().size(), 16u);
    for (int i = 1; i <= 3; ++i)
        ring.Push("{\"n\":" + std::to_string(i) + "}");
    StreamBatch all = ring.Read(0, 100, milliseconds(0), "");
    EXPECT_EQ(all.epoch, ring.epoch());
    EXPECT_EQ(all.events, (std::vector<std::string>{"{\"n\":1}", "{\"n\":2}", "{\"n\":3}"}));
    EXPECT_EQ(all.next, 3u);
    EXPECT_EQ(all.oldest, 1u);
    EXPECT_EQ(all.lost, 0u);

    StreamBatch two = ring.Read(1, 1, milliseconds(0), ring.epoch());
    EXPECT_EQ(two.events, (std::vector<std::string>{"{\"n\":2}"}));
    EXPECT_EQ(two.next, 2u);

    StreamBatch none = ring.Read(3, 100, milliseconds(0), ring.epoch());
    EXPECT_TRUE(none.events.empty());
    EXPECT_EQ(none.next, 3u);
}

TEST(EventRingTest, DroppedEnvelopesAreCountedAsLost) {
    EventRing ring(2);
    for (int i = 1; i <= 5; ++i)
        ring.Push("{\"n\":" + std::to_string(i) + "}");
    EXPECT_EQ(ring.retained(), 2u);
    StreamBatch batch = ring.Read(1, 100, milliseconds(0), ring.epoch());
    EXPECT_EQ(batch.lost, 2u);  // 2 and 3
    EXPECT_EQ(batch.oldest, 4u);
    EXPECT_EQ(batch.events, (std::vector<std::string>{"{\"n\":4}", "{\"n\":5}"}));
    EXPECT_EQ(batch.next, 5u);
}

TEST(EventRingTest, AnotherEpochsCursorStartsOver) {
    EventRing ring(2);
    for (int i = 1; i <= 3; ++i)
        ring.Push("{\"n\":" + std::to_string(i) + "}");
    StreamBatch batch = ring.Read(2, 100, milliseconds(0), "0123456789abcdef");
    EXPECT_EQ(batch.lost, 1u);  // this epoch's first envelope is gone
    EXPECT_EQ(batch.events, (std::vector<std::string>{"{\"n\":2}", "{\"n\":3}"}));
    EXPECT_EQ(batch.next, 3u);
}

TEST(EventRingTest, AWaitingReadIsAnsweredByAPushOrByClose) {
    EventRing ring(10);
    std::optional<StreamBatch> got;
    std::thread reader([&] { got = ring.Read(0, 100, milliseconds(20000), ""); });
    ring.Push("{}");
    reader.join();
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->next, 1u);

    got.reset();
    std::thread waiter([&] { got = ring.Read(1, 100, milliseconds(20000), ""); });
    ring.Close();
    waiter.join();
    ASSERT_TRUE(got.has_value());
    EXPECT_TRUE(got->events.empty());
    EXPECT_EQ(got->next, 1u);
    ring.Push("{}");  // still accepted after Close
    EXPECT_EQ(ring.Read(1, 100, milliseconds(20000), "").next, 2u);
}

struct HttpReply {
    int status = 0;
    std::string body;
    std::string error_type;
    event::JsonValue json;
};

class StreamTest : public ::testing::Test {
protected:
    void Start(size_t retain) {
        std::string pattern = (fs::temp_directory_path() / "fb-sandbox-stream-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        Diagnostics diags;
        Result<World> world = LoadWorldFile(
                std::string(FIREBREAK_SOURCE_DIR) + "/examples/worlds/single-account.yaml", &diags);
        ASSERT_TRUE(world.has_value()) << world.error().ToString();
        SandboxOptions options;
        options.state_path = (dir_ / "world.json").string();
        options.trail_dir = (dir_ / "cloudtrail").string();
        options.trail_max_age = milliseconds(50);
        options.threads = 4;
        options.stream_retain = retain;
        auto started = Sandbox::Start(std::move(options), std::move(world).value());
        ASSERT_TRUE(started.has_value()) << started.error().ToString();
        sandbox_ = std::move(started).value();
        auto endpoint = aws::ParseEndpointUrl(sandbox_->endpoint_url());
        ASSERT_TRUE(endpoint.has_value());
        endpoint_ = *endpoint;
        transport_ = aws::MakeCurlTransport({});
    }

    void TearDown() override {
        transport_.reset();
        if (sandbox_)
            sandbox_->Stop();
        sandbox_.reset();
        std::error_code ignored;
        if (!dir_.empty())
            fs::remove_all(dir_, ignored);
    }

    aws::Credentials Alice() const {
        aws::Credentials credentials;
        credentials.access_key_id = kAliceId;
        credentials.secret_access_key = kAliceSecret;
        return credentials;
    }

    // One recorded AWS call (GetCallerIdentity as alice).
    void MakeCall() {
        aws::ResolvedConfig config;
        config.region = "us-east-1";
        config.region_source = "test";
        for (std::optional<aws::Endpoint>& endpoint : config.endpoints)
            endpoint = endpoint_;
        aws::AwsClient client(
                std::move(config), aws::MakeStaticProvider(Alice(), "test keys"), transport_);
        auto who = aws::sts::GetCallerIdentity(client);
        ASSERT_TRUE(who.has_value()) << who.error().ToString();
    }

    // GET /_firebreak/stream?<query>, signed with `credentials` when given.
    HttpReply Get(const std::string& query,
                  const std::optional<aws::Credentials>& credentials,
                  aws::HttpTransport* transport = nullptr) {
        aws::HttpRequest request;
        request.method = "GET";
        request.path = "/_firebreak/stream";
        request.query = query;
        request.headers.emplace_back("Host", endpoint_.HostHeader());
        if (credentials) {
            aws::SigningOptions signing;
            signing.region = "us-east-1";
            signing.service = "events";
            signing.time = std::chrono::system_clock::now();
            aws::SignRequest(&request, *credentials, signing);
        }
        HttpReply reply;
        auto sent = (transport != nullptr ? transport : transport_.get())->Send(endpoint_, request);
        if (!sent) {
            reply.body = sent.error().message;
            return reply;
        }
        reply.status = sent->status;
        reply.body = sent->body;
        if (const std::string* type = sent->Header("x-amzn-ErrorType"))
            reply.error_type = *type;
        auto json = event::ParseJson(sent->body);
        if (json)
            reply.json = std::move(json).value();
        return reply;
    }

    static std::string Text(const event::JsonValue& json, std::string_view key) {
        const event::JsonValue* v = json.is_object() ? json.Find(key) : nullptr;
        return v != nullptr && (v->is_string() || v->type == event::JsonValue::Type::kNumber)
                       ? v->text
                       : "";
    }

    static std::vector<std::string> EventNames(const event::JsonValue& json) {
        std::vector<std::string> names;
        const event::JsonValue* events = json.Find("events");
        if (events == nullptr || !events->is_array())
            return names;
        for (const event::JsonValue& envelope : events->items) {
            const event::JsonValue* detail = envelope.Find("detail");
            names.push_back(detail != nullptr ? Text(*detail, "eventName") : "");
        }
        return names;
    }

    fs::path dir_;
    std::unique_ptr<Sandbox> sandbox_;
    aws::Endpoint endpoint_;
    std::shared_ptr<aws::HttpTransport> transport_;
};

TEST_F(StreamTest, RecordsOfAwsCallsArriveInOrderWithSequenceNumbers) {
    Start(100);
    MakeCall();
    MakeCall();
    HttpReply reply = Get("after=0", Alice());
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(Text(reply.json, "epoch"), sandbox_->stream().epoch());
    EXPECT_EQ(EventNames(reply.json),
              (std::vector<std::string>{"GetCallerIdentity", "GetCallerIdentity"}));
    EXPECT_EQ(Text(reply.json, "next"), "2");
    EXPECT_EQ(Text(reply.json, "oldest"), "1");
    EXPECT_EQ(Text(reply.json, "lost"), "0");
    const event::JsonValue* events = reply.json.Find("events");
    ASSERT_NE(events, nullptr);
    EXPECT_EQ(Text(events->items[0], "detail-type"), "AWS API Call via CloudTrail");

    HttpReply rest = Get("after=1&max=5&epoch=" + sandbox_->stream().epoch(), Alice());
    ASSERT_EQ(rest.status, 200) << rest.body;
    EXPECT_EQ(EventNames(rest.json), (std::vector<std::string>{"GetCallerIdentity"}));
    EXPECT_EQ(Text(rest.json, "next"), "2");
}

TEST_F(StreamTest, ReadingTheStreamIsNotRecorded) {
    Start(100);
    size_t history = 0;
    sandbox_->Inspect([&](const World& world) { history = world.event_history.size(); });
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(Get("after=0", Alice()).status, 200);
    EXPECT_EQ(sandbox_->stream().last_seq(), 0u);
    sandbox_->Inspect([&](const World& world) { EXPECT_EQ(world.event_history.size(), history); });
    EXPECT_EQ(sandbox_->stats().records, 0u);
}

TEST_F(StreamTest, ASmallRingReportsLostEnvelopes) {
    Start(2);
    for (int i = 0; i < 5; ++i)
        MakeCall();
    HttpReply reply = Get("after=0", Alice());
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(Text(reply.json, "lost"), "3");
    EXPECT_EQ(Text(reply.json, "oldest"), "4");
    EXPECT_EQ(Text(reply.json, "next"), "5");
    EXPECT_EQ(EventNames(reply.json).size(), 2u);
}

TEST_F(StreamTest, UnsignedAndBadlySignedRequestsAreRefused) {
    Start(100);
    MakeCall();
    HttpReply unsigned_reply = Get("after=0", std::nullopt);
    EXPECT_EQ(unsigned_reply.status, 403);
    EXPECT_EQ(unsigned_reply.error_type, "MissingAuthenticationTokenException");
    EXPECT_EQ(Text(unsigned_reply.json, "__type"), "MissingAuthenticationTokenException");

    aws::Credentials wrong = Alice();
    wrong.secret_access_key = "not-the-secret";
    HttpReply bad = Get("after=0", wrong);
    EXPECT_EQ(bad.status, 403);
    EXPECT_EQ(bad.error_type, "SignatureDoesNotMatch");

    aws::Credentials unknown = Alice();
    unknown.access_key_id = "AKIAEXAMPLEUNKNOWN01";
    EXPECT_EQ(Get("after=0", unknown).error_type, "InvalidClientTokenId");
    EXPECT_GE(sandbox_->stats().auth_failures, 3u);

    HttpReply malformed = Get("after=abc", Alice());
    EXPECT_EQ(malformed.status, 400);
    EXPECT_EQ(malformed.error_type, "InvalidParameterValue");
}

TEST_F(StreamTest, ALongPollIsAnsweredByTheNextRecord) {
    Start(100);
    std::unique_ptr<aws::HttpTransport> poller = aws::MakeCurlTransport({});
    HttpReply reply;
    std::thread waiter([&] { reply = Get("after=0&wait=20000", Alice(), poller.get()); });
    // The poll is under way or not yet sent: either way the record is after 0 and answers it.
    MakeCall();
    waiter.join();
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(EventNames(reply.json), (std::vector<std::string>{"GetCallerIdentity"}));
}

TEST_F(StreamTest, StopDuringALongPollReturns) {
    Start(100);
    std::unique_ptr<aws::HttpTransport> poller = aws::MakeCurlTransport({});
    HttpReply reply;
    std::thread waiter([&] { reply = Get("after=0&wait=20000", Alice(), poller.get()); });
    // Give the poll a chance to be waiting (not a timing assertion: any order must end).
    std::this_thread::sleep_for(milliseconds(200));
    sandbox_->Stop();
    waiter.join();
    if (reply.status != 0) {
        EXPECT_EQ(reply.status, 200) << reply.body;
        EXPECT_TRUE(EventNames(reply.json).empty());
    }
}

}  // namespace
}  // namespace firebreak::sandbox
