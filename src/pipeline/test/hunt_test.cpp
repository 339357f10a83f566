#include "firebreak/pipeline/hunt.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "firebreak/builtin_rules.h"

namespace firebreak::pipeline {
namespace {

std::shared_ptr<const matcher::CompiledRuleset> Builtin() {
    Diagnostics d;
    auto loaded = rules::LoadRules(BuiltinRuleSources(), {}, &d);
    return matcher::CompiledRuleset::Compile(std::move(loaded.rules));
}

TEST(Hunt, SameFindingsForAnyThreadCount) {
    auto rs = Builtin();
    std::string archive = std::string(FIREBREAK_SOURCE_DIR) + "/examples/archive";
    HuntOptions one;
    one.threads = 1;
    HuntOptions two;
    two.threads = 2;
    auto a = RunHunt(*rs, {archive}, one, nullptr);
    auto b = RunHunt(*rs, {archive}, two, nullptr);
    ASSERT_EQ(a.findings.size(), b.findings.size());
    for (size_t i = 0; i < a.findings.size(); ++i) {
        EXPECT_EQ(a.findings[i].id, b.findings[i].id);
    }
    EXPECT_GT(a.stats.events, 5000u);
    EXPECT_EQ(a.stats.files_unusable, 0u);
}

TEST(Hunt, BadFilesAreCountedAndTheRestIsScanned) {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / "firebreak_hunt_bad";
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "garbage.bin") << "\x01\x02\x03 not json";
    std::ofstream(dir / "notct.json") << "{\"hello\": \"world\"}";
    std::ofstream(dir / "good.json")
            << R"({"Records":[{"eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","eventID":"x","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/a"},"requestParameters":{"name":"t"}}]})";
    auto rs = Builtin();
    auto r = RunHunt(*rs, {dir.string()}, {}, nullptr);
    EXPECT_EQ(r.stats.files_total, 3u);
    EXPECT_EQ(r.stats.files_unusable, 1u);
    EXPECT_EQ(r.stats.not_events, 1u);
    EXPECT_GE(r.findings.size(), 1u);
    EXPECT_GE(r.problems.size(), 2u);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace firebreak::pipeline
