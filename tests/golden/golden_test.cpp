// Golden test: the ASFF findings for the shipped sample events (examples/events/) are compared
// byte for byte with tests/golden/examples_events.asff.jsonl. After an intended change, rewrite the
// expected file with FIREBREAK_UPDATE_GOLDEN=1 and review the diff.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "firebreak/builtin_rules.h"
#include "firebreak/pipeline/hunt.h"

namespace firebreak {
namespace {

void CompareWithGolden(std::vector<rules::Rule> loaded, const std::string& path) {
    auto rs = matcher::CompiledRuleset::Compile(std::move(loaded));
    pipeline::HuntOptions options;
    options.threads = 1;
    auto result = pipeline::RunHunt(*rs, {"examples/events"}, options, nullptr);
    std::string actual;
    for (const auto& f : result.findings) {
        actual += findings::ToAsffJson(f, {}) + "\n";
    }
    const char* update = std::getenv("FIREBREAK_UPDATE_GOLDEN");
    if (update != nullptr && std::string(update) == "1") {
        std::ofstream(path) << actual;
        GTEST_SKIP() << "rewrote " << path;
    }
    std::ifstream in(path);
    ASSERT_TRUE(in) << path << " missing; run with FIREBREAK_UPDATE_GOLDEN=1";
    std::stringstream expected;
    expected << in.rdbuf();
    EXPECT_EQ(actual, expected.str()) << "ASFF output changed; if intended, rerun with "
                                         "FIREBREAK_UPDATE_GOLDEN=1 and review the diff";
}

TEST(Golden, AsffForExampleEvents) {
    // Paths are relative to the source dir (the test's working directory) so the output is stable.
    Diagnostics d;
    auto loaded = rules::LoadRules(BuiltinRuleSources(), {}, &d);
    CompareWithGolden(std::move(loaded.rules), "tests/golden/examples_events.asff.jsonl");
}

// Findings of Sigma rules (the example rules): metadata mapping, description with false positives
// and references, Sigma product fields.
TEST(Golden, AsffForExampleEventsWithExampleSigmaRules) {
    Diagnostics d;
    rules::LoadOptions options;
    options.sigma_placeholders["IamAdmins"] = {"alice.admin", "terraform-ci"};
    auto loaded = rules::LoadRules(rules::ReadRuleSources({"examples/sigma"}, &d), options, &d);
    ASSERT_FALSE(d.has_errors());
    CompareWithGolden(std::move(loaded.rules), "tests/golden/examples_events_sigma.asff.jsonl");
}

}  // namespace
}  // namespace firebreak
