// Differential test: the compiled matcher (index, field plan, memoised predicates, array
// consistency) against the reference interpreter, on random patterns and random events.
#include <random>

#include <gtest/gtest.h>

#include "firebreak/event/event_reader.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/matcher/compiled_ruleset.h"
#include "firebreak/matcher/reference.h"
#include "firebreak/rules/pattern.h"

namespace firebreak::matcher {
namespace {

class Gen {
public:
    explicit Gen(uint32_t seed) : rng_(seed) {}

    int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

    std::string Key() {
        static const char* keys[] = {"eventName", "a", "b", "c", "detail", "items", "x.y"};
        return keys[Pick(7)];
    }

    std::string Scalar() {
        static const char* vals[] = {"\"StopLogging\"",
                                     "\"abc\"",
                                     "\"ABC\"",
                                     "\"10.0.0.1\"",
                                     "\"10.0.0.01\"",
                                     "5",
                                     "5.0",
                                     "-3",
                                     "true",
                                     "null",
                                     "\"\"",
                                     "\"a*c\"",
                                     "\"2001:db8::1\"",
                                     "300",
                                     "\"x.png\""};
        return vals[Pick(15)];
    }

    std::string Value(int depth) {
        int k = depth > 2 ? 0 : Pick(5);
        if (k <= 2) {
            return Scalar();
        }
        if (k == 3) {
            std::string s = "[";
            int n = Pick(3);
            for (int i = 0; i < n; ++i) {
                s += (i ? "," : "") + Value(depth + 1);
            }
            return s + "]";
        }
        return Object(depth + 1);
    }

    std::string Object(int depth) {
        std::string s = "{";
        int n = 1 + Pick(3);
        for (int i = 0; i < n; ++i) {
            s += (i ? "," : "") + std::string("\"") + Key() + "\":" + Value(depth);
        }
        return s + "}";
    }

    std::string Matcher() {
        switch (Pick(14)) {
            case 0:
                return R"({"prefix":"a"})";
            case 1:
                return R"({"suffix":"c"})";
            case 2:
                return R"({"equals-ignore-case":"abc"})";
            case 3:
                return R"({"wildcard":"a*c"})";
            case 4:
                return R"({"anything-but":"abc"})";
            case 5:
                return R"({"anything-but":[5,300]})";
            case 6:
                return R"({"numeric":[">",0,"<=",5]})";
            case 7:
                return R"({"exists":true})";
            case 8:
                return R"({"exists":false})";
            case 9:
                return R"({"cidr":"10.0.0.0/24"})";
            case 10:
                return R"({"anything-but":{"prefix":"a"}})";
            default:
                return Scalar();
        }
    }

    std::string Pattern(int depth) {
        std::string s = "{";
        int n = 1 + Pick(3);
        for (int i = 0; i < n; ++i) {
            s += i ? "," : "";
            if (depth < 2 && Pick(4) == 0) {
                s += "\"" + Key() + "\":" + Pattern(depth + 1);
            } else {
                s += "\"" + Key() + "\":[" + Matcher();
                if (Pick(3) == 0) {
                    s += "," + Matcher();
                }
                s += "]";
            }
        }
        if (depth == 0 && Pick(5) == 0) {
            s += ",\"$or\":[" + Pattern(1) + "," + Pattern(1) + "]";
        }
        return s + "}";
    }

private:
    std::mt19937 rng_;
};

TEST(Differential, CompiledMatcherAgreesWithReference) {
    Gen gen(12345);
    int compared = 0;
    int matches = 0;
    for (int round = 0; round < 300; ++round) {
        std::vector<rules::Rule> rs;
        std::vector<rules::Expr> exprs;
        for (int i = 0; i < 8; ++i) {
            Diagnostics d;
            auto e = rules::CompilePatternJson(gen.Pattern(0), &d);
            if (!e) {
                continue;
            }
            rules::Rule r;
            r.id = "r" + std::to_string(i);
            r.match = *e;
            if (gen.Pick(4) == 0) {
                auto u = rules::CompilePatternJson(gen.Pattern(1), &d);
                if (u) {
                    r.unless.push_back(*u);
                }
            }
            exprs.push_back(r.Condition());
            rs.push_back(std::move(r));
        }
        auto ruleset = CompiledRuleset::Compile(std::move(rs));
        event::EventReader reader(ruleset->plan(), {});
        MatchScratch scratch(*ruleset);
        for (int k = 0; k < 20; ++k) {
            std::string ev = gen.Object(0);
            auto tree = event::ParseJson(ev);
            ASSERT_TRUE(tree.has_value()) << ev;
            std::vector<uint32_t> fast;
            reader.ReadBytes(
                    ev,
                    [&](const event::ExtractedEvent& e, uint64_t) {
                        ruleset->Match(e, scratch, &fast);
                    },
                    nullptr);
            for (size_t r = 0; r < exprs.size(); ++r) {
                bool f = std::find(fast.begin(), fast.end(), r) != fast.end();
                bool ref = ReferenceMatch(exprs[r], *tree, true);
                ++compared;
                matches += ref ? 1 : 0;
                ASSERT_EQ(f, ref) << "rule " << exprs[r].ToCanonicalString() << "\nevent " << ev;
            }
        }
    }
    EXPECT_GT(compared, 10000);
    EXPECT_GT(matches, 100);  // the generator must produce matches, not only misses
}

}  // namespace
}  // namespace firebreak::matcher
