#include "firebreak/rules/coverage.h"

#include <gtest/gtest.h>

namespace firebreak::rules {
namespace {

constexpr const char* kTactics =
        "# test\nid\tshortname\tname\nTA0003\tpersistence\tPersistence\n"
        "TA0112\tdefense-impairment\tDefense Impairment\nTA0040\timpact\tImpact\n";
constexpr const char* kTechniques =
        "# ATT&CK version: Enterprise v99.1, made up\nid\tname\ttactics\treplaced_by\n"
        "T1098\tAccount Manipulation\tpersistence\t\n"
        "T1562\tImpair Defenses (revoked in v19)\tdefense-impairment\tT1685\n"
        "T1685\tDisable or Modify Tools\tdefense-impairment\t\n";

Rule WithMitre(std::string id, std::vector<std::string> mitre) {
    Rule r;
    r.id = std::move(id);
    r.mitre = std::move(mitre);
    return r;
}

TEST(Coverage, GroupsByTacticAndCountsRevokedUnderTheReplacement) {
    Diagnostics d;
    auto catalog = AttackCatalog::Parse("t.tsv", kTactics, "e.tsv", kTechniques, &d);
    ASSERT_FALSE(d.has_errors());
    EXPECT_EQ(catalog.version(), "Enterprise v99.1");
    auto report = BuildCoverage({WithMitre("a", {"T1098", "T1562"}),
                                 WithMitre("b", {"T1685"}),
                                 WithMitre("c", {"T9999"}),
                                 WithMitre("d", {})},
                                catalog);
    EXPECT_EQ(report.rule_count, 4u);
    EXPECT_EQ(report.rules_without_techniques, 1u);
    EXPECT_EQ(report.technique_count, 2u);
    ASSERT_EQ(report.tactics.size(), 3u);
    ASSERT_EQ(report.tactics[0].techniques.size(), 1u);
    EXPECT_EQ(report.tactics[0].techniques[0].id, "T1098");
    ASSERT_EQ(report.tactics[1].techniques.size(), 1u);
    const CoveredTechnique& t = report.tactics[1].techniques[0];
    EXPECT_EQ(t.id, "T1685");
    EXPECT_EQ(t.rule_ids, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(t.via, std::vector<std::string>{"T1562"});
    EXPECT_TRUE(report.tactics[2].techniques.empty());
    ASSERT_EQ(report.unknown.size(), 1u);
    EXPECT_EQ(report.unknown[0].id, "T9999");
    std::string table = RenderCoverageTable(report);
    EXPECT_NE(table.find("T1685      Disable or Modify Tools"), std::string::npos) << table;
    EXPECT_NE(table.find("2 (as revoked T1562)"), std::string::npos) << table;
    EXPECT_NE(table.find("impact                -          (no rule)"), std::string::npos);
    EXPECT_NE(table.find("2 of 3 tactics covered"), std::string::npos);
    std::string json = RenderCoverageJson(report);
    EXPECT_NE(json.find(R"({"id":"T1685","name":"Disable or Modify Tools","rules":["a","b"],)"
                        R"("via_revoked":["T1562"]})"),
              std::string::npos)
            << json;
}

TEST(Coverage, BadTableLinesAreDiagnosedWithTheirLine) {
    Diagnostics d;
    AttackCatalog::Parse(
            "t.tsv", kTactics, "e.tsv", "id\tname\ttactics\nT1\tX\tnope\nT2 only one column\n", &d);
    ASSERT_EQ(d.error_count(), 2);
    EXPECT_EQ(d.items()[0].pos.line, 2);
    EXPECT_NE(d.items()[0].message.find("unknown tactic \"nope\""), std::string::npos);
    EXPECT_EQ(d.items()[1].pos.line, 3);
}

}  // namespace
}  // namespace firebreak::rules
