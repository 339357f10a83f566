// File: sandbox_source_test.cpp
//
// SandboxSource against a sandbox started in-process on 127.0.0.1
// (examples/worlds/single-account.yaml): records of AWS calls arrive in order as JSON Lines with
// the "sandbox:<epoch>:<a>-<b>" source; the state file (and the WAL's pending sources) continue a
// restarted source without repeats; a refused delivery is fetched again; a ring smaller than the
// backlog reports lost envelopes once; an unsigned request is refused; Stop during a long poll
// completes.
#include "firebreak/pipeline/sandbox_source.h"

#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "firebreak/aws/client.h"
#include "firebreak/aws/config.h"
#include "firebreak/aws/credentials.h"
#include "firebreak/aws/sts.h"
#include "firebreak/core/diagnostics.h"
#include "firebreak/core/file.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/sandbox/server.h"
#include "firebreak/sandbox/world.h"

namespace firebreak::pipeline {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// examples/worlds/single-account.yaml
constexpr char kAliceId[] = "AKIAEXAMPLEALICE0001";
constexpr char kAliceSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEALIC";

struct Delivery {
    std::string source;
    std::string payload;
};

// The eventName of every line of a JSON Lines payload.
std::vector<std::string> EventNames(std::string_view payload) {
    std::vector<std::string> names;
    while (!payload.empty()) {
        size_t end = payload.find('\n');
        std::string_view line = payload.substr(0, end);
        payload = end == std::string_view::npos ? std::string_view() : payload.substr(end + 1);
        auto json = event::ParseJson(line);
        const event::JsonValue* detail = json ? json->Find("detail") : nullptr;
        const event::JsonValue* name = detail != nullptr ? detail->Find("eventName") : nullptr;
        names.push_back(name != nullptr ? name->text : "?");
    }
    return names;
}

class SandboxSourceTest : public ::testing::Test {
protected:
    void StartSandbox(size_t retain) {
        std::string pattern = (fs::temp_directory_path() / "fb-sandbox-source-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        Diagnostics diags;
        Result<sandbox::World> world = sandbox::LoadWorldFile(
                std::string(FIREBREAK_SOURCE_DIR) + "/examples/worlds/single-account.yaml", &diags);
        ASSERT_TRUE(world.has_value()) << world.error().ToString();
        sandbox::SandboxOptions options;
        options.trail_dir = (dir_ / "cloudtrail").string();
        options.trail_max_age = milliseconds(50);
        options.threads = 4;
        options.stream_retain = retain;
        auto started = sandbox::Sandbox::Start(std::move(options), std::move(world).value());
        ASSERT_TRUE(started.has_value()) << started.error().ToString();
        sandbox_ = std::move(started).value();
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

    static aws::Credentials Alice() {
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
        auto endpoint = aws::ParseEndpointUrl(sandbox_->endpoint_url());
        ASSERT_TRUE(endpoint.has_value());
        for (std::optional<aws::Endpoint>& e : config.endpoints)
            e = *endpoint;
        aws::AwsClient client(
                std::move(config), aws::MakeStaticProvider(Alice(), "test keys"), transport_);
        auto who = aws::sts::GetCallerIdentity(client);
        ASSERT_TRUE(who.has_value()) << who.error().ToString();
    }

    SandboxSourceOptions Options(milliseconds wait = milliseconds(0)) {
        SandboxSourceOptions options;
        options.endpoint_url = sandbox_->endpoint_url();
        options.credentials = Alice();
        options.state_file = (dir_ / "sandbox-source.json").string();
        options.wait = wait;
        options.log = [this](const std::string& line) {
            log_.push_back(line);
        };
        return options;
    }

    std::unique_ptr<SandboxSource> Open(SandboxSourceOptions options,
                                        const std::vector<std::string>& already = {}) {
        auto opened = SandboxSource::Open(std::move(options), already);
        EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
        return opened ? std::move(opened).value() : nullptr;
    }

    SandboxDeliver Collect() {
        return [this](std::string_view source, std::string_view payload) {
            delivered_.push_back({std::string(source), std::string(payload)});
            return Status::Ok();
        };
    }

    std::string Epoch() const { return sandbox_->stream().epoch(); }

    fs::path dir_;
    std::unique_ptr<sandbox::Sandbox> sandbox_;
    std::shared_ptr<aws::HttpTransport> transport_;
    std::vector<Delivery> delivered_;
    std::vector<std::string> log_;
};

TEST_F(SandboxSourceTest, RecordsOfAwsCallsArriveInOrderAsJsonLines) {
    StartSandbox(100);
    MakeCall();
    MakeCall();
    MakeCall();
    auto source = Open(Options());
    ASSERT_NE(source, nullptr);
    Result<size_t> polled = source->PollOnce(Collect());
    ASSERT_TRUE(polled.has_value()) << polled.error().ToString();
    EXPECT_EQ(*polled, 3u);
    ASSERT_EQ(delivered_.size(), 1u);
    EXPECT_EQ(delivered_[0].source, "sandbox:" + Epoch() + ":1-3");
    EXPECT_EQ(EventNames(delivered_[0].payload),
              (std::vector<std::string>{
                      "GetCallerIdentity", "GetCallerIdentity", "GetCallerIdentity"}));
    EXPECT_EQ(delivered_[0].payload.back(), '\n');
    EXPECT_EQ(source->cursor().epoch, Epoch());
    EXPECT_EQ(source->cursor().seq, 3u);

    // Nothing new: the wait passes with nothing delivered.
    polled = source->PollOnce(Collect());
    ASSERT_TRUE(polled.has_value());
    EXPECT_EQ(*polled, 0u);
    EXPECT_EQ(delivered_.size(), 1u);

    MakeCall();
    ASSERT_TRUE(source->PollOnce(Collect()).has_value());
    ASSERT_EQ(delivered_.size(), 2u);
    EXPECT_EQ(delivered_[1].source, "sandbox:" + Epoch() + ":4-4");
    SandboxSourceStats stats = source->stats();
    EXPECT_EQ(stats.events, 4u);
    EXPECT_EQ(stats.batches, 2u);
    EXPECT_EQ(stats.polls, 3u);
    EXPECT_EQ(stats.lost, 0u);
    EXPECT_EQ(stats.errors, 0u);
}

TEST_F(SandboxSourceTest, ARestartContinuesFromTheStateFileWithoutRepeats) {
    StartSandbox(100);
    MakeCall();
    MakeCall();
    {
        auto first = Open(Options());
        ASSERT_NE(first, nullptr);
        ASSERT_TRUE(first->PollOnce(Collect()).has_value());
    }
    Result<std::string> state = ReadFileToString((dir_ / "sandbox-source.json").string());
    ASSERT_TRUE(state.has_value());
    EXPECT_NE(state->find("\"seq\":2"), std::string::npos) << *state;

    MakeCall();
    auto second = Open(Options());
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(second->cursor().seq, 2u);
    ASSERT_TRUE(second->PollOnce(Collect()).has_value());
    ASSERT_EQ(delivered_.size(), 2u);
    EXPECT_EQ(delivered_[1].source, "sandbox:" + Epoch() + ":3-3");
}

TEST_F(SandboxSourceTest, PendingWalSourcesRaiseTheCursor) {
    StartSandbox(100);
    for (int i = 0; i < 4; ++i)
        MakeCall();
    // Delivered into the WAL (1-3) but the state file was never written: a crash in between.
    std::vector<std::string> already = {
            "folder:/x.json", "sandbox:" + Epoch() + ":1-3", "sandbox:0000000000000000:1-99"};
    auto source = Open(Options(), already);
    ASSERT_NE(source, nullptr);
    EXPECT_EQ(source->cursor().seq, 3u);
    ASSERT_TRUE(source->PollOnce(Collect()).has_value());
    ASSERT_EQ(delivered_.size(), 1u);
    EXPECT_EQ(delivered_[0].source, "sandbox:" + Epoch() + ":4-4");
}

TEST_F(SandboxSourceTest, ARefusedDeliveryIsFetchedAgain) {
    StartSandbox(100);
    MakeCall();
    auto source = Open(Options());
    ASSERT_NE(source, nullptr);
    Result<size_t> refused = source->PollOnce([](std::string_view, std::string_view) -> Status {
        return Status(StatusCode::kResourceExhausted, "queue full", true);
    });
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(source->cursor().seq, 0u);
    EXPECT_EQ(source->stats().deliver_refusals, 1u);
    ASSERT_TRUE(source->PollOnce(Collect()).has_value());
    ASSERT_EQ(delivered_.size(), 1u);
    EXPECT_EQ(delivered_[0].source, "sandbox:" + Epoch() + ":1-1");
}

TEST_F(SandboxSourceTest, ARingSmallerThanTheBacklogReportsLostOnce) {
    StartSandbox(2);
    for (int i = 0; i < 5; ++i)
        MakeCall();
    auto source = Open(Options());
    ASSERT_NE(source, nullptr);
    // Refused first: the gap is seen twice but counted and logged once.
    ASSERT_FALSE(source->PollOnce([](std::string_view, std::string_view) {
                           return Status(StatusCode::kUnavailable, "not now");
                       }).has_value());
    ASSERT_TRUE(source->PollOnce(Collect()).has_value());
    ASSERT_EQ(delivered_.size(), 1u);
    EXPECT_EQ(delivered_[0].source, "sandbox:" + Epoch() + ":4-5");
    EXPECT_EQ(source->stats().lost, 3u);
    ASSERT_EQ(log_.size(), 1u);
    EXPECT_NE(log_[0].find("3 event(s) lost: seq 1-3"), std::string::npos) << log_[0];
}

TEST_F(SandboxSourceTest, AnUnsignedOrUnknownKeyIsRefused) {
    StartSandbox(100);
    SandboxSourceOptions options = Options();
    options.credentials.access_key_id = "AKIAEXAMPLEUNKNOWN01";
    auto source = Open(std::move(options));
    ASSERT_NE(source, nullptr);
    Result<size_t> polled = source->PollOnce(Collect());
    ASSERT_FALSE(polled.has_value());
    EXPECT_EQ(polled.error().code(), StatusCode::kPermissionDenied);
    EXPECT_NE(polled.error().message().find("InvalidClientTokenId"), std::string::npos);
    EXPECT_EQ(source->stats().errors, 1u);

    // Without a signature at all (not something SandboxSource sends): 403 too.
    aws::HttpRequest request;
    request.path = "/_firebreak/stream";
    request.query = "after=0";
    auto endpoint = aws::ParseEndpointUrl(sandbox_->endpoint_url());
    ASSERT_TRUE(endpoint.has_value());
    request.headers.emplace_back("Host", endpoint->HostHeader());
    auto sent = transport_->Send(*endpoint, request);
    ASSERT_TRUE(sent.has_value());
    EXPECT_EQ(sent->status, 403);
    EXPECT_NE(sent->body.find("MissingAuthenticationTokenException"), std::string::npos);
}

TEST_F(SandboxSourceTest, OpenRefusesMissingSettingsAndABadStateFile) {
    StartSandbox(100);
    SandboxSourceOptions no_state = Options();
    no_state.state_file.clear();
    EXPECT_FALSE(SandboxSource::Open(no_state, {}).has_value());
    SandboxSourceOptions bad = Options();
    std::ofstream(bad.state_file) << "not json";
    auto opened = SandboxSource::Open(bad, {});
    ASSERT_FALSE(opened.has_value());
    EXPECT_EQ(opened.error().code(), StatusCode::kDataLoss);
}

TEST_F(SandboxSourceTest, StartDeliversAndStopDuringALongPollCompletes) {
    StartSandbox(100);
    auto source = Open(Options(milliseconds(2000)));
    ASSERT_NE(source, nullptr);
    std::mutex mu;
    std::condition_variable cv;
    size_t events = 0;
    source->Start([&](std::string_view, std::string_view payload) {
        std::lock_guard<std::mutex> lock(mu);
        events += EventNames(payload).size();
        cv.notify_all();
        return Status::Ok();
    });
    MakeCall();
    {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return events >= 1; });
    }
    // Let the thread get into its next long poll, with nothing to read (not a timing assertion:
    // Stop must end in any order).
    std::this_thread::sleep_for(milliseconds(200));
    source->Stop();
    EXPECT_EQ(source->stats().events, 1u);
    EXPECT_EQ(source->cursor().seq, 1u);
}

}  // namespace
}  // namespace firebreak::pipeline
