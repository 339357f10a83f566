#include "firebreak/pipeline/folder_source.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

namespace firebreak::pipeline {
namespace {

namespace fs = std::filesystem;

class FolderSourceTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/fb-folder-test-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        base_ = pattern;
        root_ = base_ + "/logs";
        fs::create_directories(root_);
        state_ = base_ + "/folder.state";
    }

    void TearDown() override {
        std::error_code ec;
        fs::remove_all(base_, ec);
    }

    void Write(const std::string& relative, const std::string& bytes) {
        fs::path path = fs::path(root_) / relative;
        fs::create_directories(path.parent_path());
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << bytes;
    }

    std::unique_ptr<FolderSource> OpenSource(const std::vector<std::string>& already = {},
                                             size_t max_file_bytes = 1 << 20) {
        FolderSourceOptions options;
        options.path = root_ + "/";
        options.state_file = state_;
        options.max_file_bytes = max_file_bytes;
        Result<std::unique_ptr<FolderSource>> source = FolderSource::Open(options, already);
        EXPECT_TRUE(source.has_value()) << (source.has_value() ? "" : source.error().ToString());
        return source.has_value() ? std::move(source).value() : nullptr;
    }

    // Polls once, collecting what is delivered.
    size_t Poll(FolderSource& source) {
        Result<size_t> n = source.PollOnce([this](std::string_view name, std::string_view bytes) {
            delivered_.emplace_back(name, bytes);
            return Status::Ok();
        });
        EXPECT_TRUE(n.has_value());
        return n.has_value() ? *n : 0;
    }

    std::vector<std::string> DeliveredNames() const {
        std::vector<std::string> names;
        for (const auto& entry : delivered_) {
            names.push_back(entry.first);
        }
        return names;
    }

    std::string Source(const std::string& relative) const {
        return "folder:" + root_ + "/" + relative;
    }

    std::string base_;
    std::string root_;
    std::string state_;
    std::vector<std::pair<std::string, std::string>> delivered_;
};

TEST_F(FolderSourceTest, DeliversStableEventFilesOnceInPathOrder) {
    Write("a.json", "{\"Records\":[]}");
    Write("AWSLogs/1/CloudTrail/us-east-1/b.json.gz", "gz-bytes");
    Write("c.jsonl", "{}\n");
    Write("notes.txt", "no");
    Write(".hidden.json", "no");
    Write("d.json.tmp", "no");
    Write("partial.tmp.json", "no");
    Write(".staging/e.json", "no");
    Write("AWSLogs/1/CloudTrail-Digest/us-east-1/digest.json.gz", "no");
    auto source = OpenSource();
    ASSERT_NE(source, nullptr);
    EXPECT_EQ(Poll(*source), 0u);  // seen once: not yet known to be complete
    EXPECT_EQ(Poll(*source), 3u);
    EXPECT_EQ(DeliveredNames(),
              (std::vector<std::string>{Source("AWSLogs/1/CloudTrail/us-east-1/b.json.gz"),
                                        Source("a.json"),
                                        Source("c.jsonl")}));
    EXPECT_EQ(delivered_[0].second, "gz-bytes");
    EXPECT_EQ(Poll(*source), 0u);
    FolderSourceStats stats = source->stats();
    EXPECT_EQ(stats.polls, 3u);
    EXPECT_EQ(stats.files_seen, 3u);
    EXPECT_EQ(stats.files_delivered, 3u);
    EXPECT_EQ(stats.bytes, 14u + 8u + 3u);
    EXPECT_TRUE(source->issues().empty());
}

TEST_F(FolderSourceTest, AGrowingFileWaitsAndARewrittenFileIsNewAgain) {
    Write("a.json", "{\"Records\":[");
    auto source = OpenSource();
    ASSERT_NE(source, nullptr);
    EXPECT_EQ(Poll(*source), 0u);
    Write("a.json", "{\"Records\":[]}");
    EXPECT_EQ(Poll(*source), 0u);  // changed since the last poll
    EXPECT_EQ(Poll(*source), 1u);
    EXPECT_EQ(delivered_.back().second, "{\"Records\":[]}");
    Write("a.json", "{\"Records\":[{}]}");
    EXPECT_EQ(Poll(*source), 0u);
    EXPECT_EQ(Poll(*source), 1u);
    EXPECT_EQ(delivered_.size(), 2u);
    EXPECT_EQ(delivered_.back().second, "{\"Records\":[{}]}");
}

TEST_F(FolderSourceTest, RefusedDeliveryIsRetriedNextPoll) {
    Write("a.json", "1");
    Write("b.json", "2");
    auto source = OpenSource();
    ASSERT_NE(source, nullptr);
    EXPECT_EQ(Poll(*source), 0u);
    int calls = 0;
    Result<size_t> n = source->PollOnce([&calls](std::string_view, std::string_view) {
        ++calls;
        return Status(StatusCode::kResourceExhausted, "queue full", true);
    });
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(*n, 0u);
    EXPECT_EQ(calls, 1);  // the scan stops at the first refusal
    EXPECT_EQ(source->stats().deliver_refusals, 1u);
    EXPECT_EQ(Poll(*source), 2u);
    EXPECT_EQ(DeliveredNames(), (std::vector<std::string>{Source("a.json"), Source("b.json")}));
}

TEST_F(FolderSourceTest, OversizedFilesAreReportedOnceAndNotRetried) {
    Write("big.json", std::string(20, 'x'));
    Write("small.json", "{}");
    auto source = OpenSource({}, 10);
    ASSERT_NE(source, nullptr);
    EXPECT_EQ(Poll(*source), 0u);
    EXPECT_EQ(Poll(*source), 1u);
    EXPECT_EQ(Poll(*source), 0u);
    EXPECT_EQ(DeliveredNames(), (std::vector<std::string>{Source("small.json")}));
    ASSERT_EQ(source->issues().size(), 1u);
    EXPECT_NE(source->issues()[0].find("big.json: 20 bytes is over the limit"), std::string::npos);
    EXPECT_EQ(source->stats().files_failed, 1u);
    // Done-with-error survives a restart too.
    source.reset();
    source = OpenSource({}, 10);
    EXPECT_EQ(Poll(*source), 0u);
    EXPECT_EQ(Poll(*source), 0u);
    EXPECT_EQ(source->stats().files_failed, 0u);
}

TEST_F(FolderSourceTest, RestartNeitherSkipsNorRepeats) {
    Write("a.json", "A");
    Write("b.json", "B");
    {
        auto source = OpenSource();
        ASSERT_NE(source, nullptr);
        Poll(*source);
        EXPECT_EQ(Poll(*source), 2u);
    }
    std::string state_before_c;
    {
        std::ifstream in(state_);
        state_before_c.assign(std::istreambuf_iterator<char>(in), {});
    }
    Write("c.json", "C");
    {
        auto source = OpenSource();
        ASSERT_NE(source, nullptr);
        Poll(*source);
        EXPECT_EQ(Poll(*source), 1u);
    }
    // "Crash" after c reached the WAL but before its state line: drop that line; the WAL still
    // lists c as pending.
    {
        std::ofstream out(state_, std::ios::trunc);
        out << state_before_c;
    }
    Write("d.json", "D");
    auto source = OpenSource({Source("c.json"), "http", "sandbox:1"});
    ASSERT_NE(source, nullptr);
    Poll(*source);
    EXPECT_EQ(Poll(*source), 1u);
    EXPECT_EQ(Poll(*source), 0u);
    EXPECT_EQ(source->stats().files_already, 1u);
    EXPECT_EQ(DeliveredNames(),
              (std::vector<std::string>{
                      Source("a.json"), Source("b.json"), Source("c.json"), Source("d.json")}));
    // c is now recorded: a further restart without `already` does not read it again.
    source.reset();
    source = OpenSource();
    Poll(*source);
    EXPECT_EQ(Poll(*source), 0u);
    EXPECT_EQ(delivered_.size(), 4u);
}

TEST_F(FolderSourceTest, DamagedStateLinesAreReportedAndThoseFilesAreNew) {
    Write("a.json", "A");
    {
        std::ofstream out(state_);
        out << "D 1 notanumber " << root_ << "/a.json\nD 5 7\n\n";
    }
    auto source = OpenSource();
    ASSERT_NE(source, nullptr);
    EXPECT_EQ(source->issues().size(), 2u);
    Poll(*source);
    EXPECT_EQ(Poll(*source), 1u);
}

TEST_F(FolderSourceTest, OpenRefusesMissingOptions) {
    FolderSourceOptions options;
    options.path = root_;
    Result<std::unique_ptr<FolderSource>> source = FolderSource::Open(options, {});
    ASSERT_FALSE(source.has_value());
    EXPECT_EQ(source.error().code(), StatusCode::kInvalidArgument);
}

TEST_F(FolderSourceTest, StartPollsOnItsOwnThreadUntilStop) {
    Write("a.json", "A");
    FolderSourceOptions options;
    options.path = root_;
    options.state_file = state_;
    options.poll = std::chrono::milliseconds(5);
    Result<std::unique_ptr<FolderSource>> source = FolderSource::Open(options, {});
    ASSERT_TRUE(source.has_value());
    std::mutex mu;
    std::vector<std::string> names;
    (*source)->Start([&mu, &names](std::string_view name, std::string_view) {
        std::lock_guard<std::mutex> lock(mu);
        names.emplace_back(name);
        return Status::Ok();
    });
    // Wait (generously) for the delivery; the test checks what happened, not how fast.
    for (int i = 0; i < 2000; ++i) {
        {
            std::lock_guard<std::mutex> lock(mu);
            if (!names.empty()) {
                break;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    (*source)->Stop();
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(names, (std::vector<std::string>{Source("a.json")}));
    EXPECT_GE((*source)->stats().polls, 2u);
}

}  // namespace
}  // namespace firebreak::pipeline
