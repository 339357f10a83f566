#include "firebreak/event/event_reader.h"

#include <string>

#include <gtest/gtest.h>
#include <zlib.h>

namespace firebreak::event {
namespace {

std::string Gzip(const std::string& text) {
    z_stream zs{};
    deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&zs, text.size()) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    zs.avail_in = static_cast<uInt>(text.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

struct Collected {
    std::vector<std::string> names;
    std::vector<EventShape> shapes;
    std::vector<ReadIssue> issues;
    ReadStats stats;
};

Collected Read(const std::string& bytes, bool unwrap = true) {
    FieldPlan plan;
    FieldId name = plan.Intern("eventName");
    plan.Intern("eventSource");
    Collected c;
    ReaderOptions options;
    options.unwrap_cloudtrail_envelopes = unwrap;
    EventReader reader(plan, options);
    c.stats = reader.ReadBytes(
            bytes,
            [&](const ExtractedEvent& e, uint64_t) {
                c.names.emplace_back(e.FirstString(name));
                c.shapes.push_back(e.shape);
            },
            &c.issues);
    return c;
}

std::string Records(int n) {
    std::string s = "{\"Records\":[";
    for (int i = 0; i < n; ++i) {
        s += (i ? "," : "") +
             std::string(
                     "{\"eventVersion\":\"1.08\",\"eventSource\":\"iam.amazonaws.com\","
                     "\"eventName\":\"E") +
             std::to_string(i) + "\",\"requestParameters\":{\"policyDocument\":\"{\\\"a\\\":1}\"}}";
    }
    return s + "]}";
}

TEST(EventReader, ReadsCloudTrailFilesPlainAndGzipped) {
    auto plain = Read(Records(3));
    EXPECT_EQ(plain.names, (std::vector<std::string>{"E0", "E1", "E2"}));
    auto gz = Read(Gzip(Records(3)));
    EXPECT_EQ(gz.names, plain.names);
    EXPECT_TRUE(gz.issues.empty());
    EXPECT_EQ(gz.shapes[0], EventShape::kCloudTrailRecord);
}

TEST(EventReader, ReadsJsonLinesAndSingleEvents) {
    auto lines = Read("{\"eventName\":\"A\"}\n\n{\"eventName\":\"B\"}\n");
    EXPECT_EQ(lines.names, (std::vector<std::string>{"A", "B"}));
    auto pretty = Read("{\n  \"eventName\": \"A\"\n}\n");
    EXPECT_EQ(pretty.names, (std::vector<std::string>{"A"}));
    auto array = Read("[{\"eventName\":\"A\"},{\"eventName\":\"B\"}]");
    EXPECT_EQ(array.names.size(), 2u);
}

TEST(EventReader, BadLineInJsonLinesIsReportedAndTheRestIsRead) {
    auto c = Read("{\"eventName\":\"A\"}\n{\"eventName\": oops}\n{\"eventName\":\"C\"}\n");
    EXPECT_EQ(c.names, (std::vector<std::string>{"A", "C"}));
    ASSERT_EQ(c.issues.size(), 1u);
    EXPECT_NE(c.issues[0].message.find("line 2"), std::string::npos);
    EXPECT_EQ(c.stats.events_skipped, 1u);
}

TEST(EventReader, UnwrapsCloudTrailEnvelopesOnly) {
    std::string ct =
            R"({"detail-type":"AWS API Call via CloudTrail","source":"aws.iam","detail":{"eventName":"CreateUser"}})";
    auto c = Read(ct);
    EXPECT_EQ(c.names, (std::vector<std::string>{"CreateUser"}));
    EXPECT_EQ(c.shapes[0], EventShape::kUnwrappedEnvelope);
    auto off = Read(ct, false);
    EXPECT_EQ(off.names, (std::vector<std::string>{""}));
    auto gd = Read(R"({"detail-type":"GuardDuty Finding","detail":{"eventName":"x"}})");
    EXPECT_EQ(gd.names, (std::vector<std::string>{""}));
    EXPECT_EQ(gd.shapes[0], EventShape::kEnvelope);
}

TEST(EventReader, TruncatedGzipKeepsTheCompleteRecords) {
    std::string gz = Gzip(Records(2000));
    auto c = Read(gz.substr(0, gz.size() / 2));
    EXPECT_GT(c.names.size(), 100u);
    EXPECT_LT(c.names.size(), 2000u);
    EXPECT_TRUE(c.stats.truncated);
    ASSERT_FALSE(c.issues.empty());
    EXPECT_NE(c.issues[0].message.find("truncated"), std::string::npos);
}

TEST(EventReader, GarbageIsAClearIssueNotACrash) {
    std::string garbage;
    for (int i = 0; i < 5000; ++i) {
        garbage.push_back(static_cast<char>((i * 7919) % 256));
    }
    auto c = Read(garbage);
    EXPECT_TRUE(c.names.empty());
    EXPECT_TRUE(c.stats.input_unusable);
    ASSERT_FALSE(c.issues.empty());
    auto empty = Read("");
    EXPECT_TRUE(empty.stats.input_unusable);
    auto notct = Read("{\"Records\": 5}");
    EXPECT_TRUE(notct.stats.input_unusable);
}

TEST(EventReader, HugeSingleRecordIsRead) {
    std::string big(100u << 20, 'x');
    std::string ev = "{\"eventName\":\"Big\",\"requestParameters\":{\"blob\":\"" + big + "\"}}";
    auto c = Read(ev);
    EXPECT_EQ(c.names, (std::vector<std::string>{"Big"}));
}

TEST(EventReader, JsonLinesWithAHugeFirstLineAreAllRead) {
    std::string big(2u << 20, 'y');
    std::string text = "{\"eventName\":\"A\",\"blob\":\"" + big + "\"}\n{\"eventName\":\"B\"}\n" +
                       "{\"eventName\":\"C\"}";
    auto c = Read(text);
    EXPECT_EQ(c.names, (std::vector<std::string>{"A", "B", "C"}));
    EXPECT_TRUE(c.issues.empty());
}

TEST(EventReader, UnreadableFileIsOneIssue) {
    FieldPlan plan;
    EventReader reader(plan, {});
    std::vector<ReadIssue> issues;
    auto stats = reader.ReadFile(
            "/nonexistent/file.json.gz", [](const ExtractedEvent&, uint64_t) {}, &issues);
    EXPECT_TRUE(stats.input_unusable);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_NE(issues[0].message.find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace firebreak::event
