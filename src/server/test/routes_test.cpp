#include <set>

#include <gtest/gtest.h>

#include "firebreak/server/api.h"

namespace firebreak::server {
namespace {

TEST(RoutesTest, MatchesEveryDocumentedRoute) {
    struct Case {
        const char* method;
        const char* path;
        const char* route;
    };

    const Case cases[] = {
            {"GET", "/healthz", "health"},
            {"GET", "/metrics", "metrics"},
            {"POST", "/v1/ingest", "ingest"},
            {"GET", "/v1/findings", "findings.list"},
            {"GET", "/v1/findings/f-1", "findings.get"},
            {"PATCH", "/v1/findings/f-1", "findings.update"},
            {"POST", "/v1/findings/f-1/status", "findings.update"},
            {"GET", "/v1/suppressions", "suppressions.list"},
            {"POST", "/v1/suppressions", "suppressions.add"},
            {"DELETE", "/v1/suppressions/sup-1", "suppressions.delete"},
            {"GET", "/v1/runs", "runs.list"},
            {"GET", "/v1/runs/run:1", "runs.get"},
            {"POST", "/v1/runs/r_1/approve", "runs.approve"},
            {"POST", "/v1/runs/r.1/deny", "runs.deny"},
            {"GET", "/v1/rules", "rules.list"},
            {"GET", "/v1/playbooks", "playbooks.list"},
            {"POST", "/v1/reload", "reload"},
            {"GET", "/v1/evidence", "evidence.list"},
            {"POST", "/v1/evidence/verify", "evidence.verify"},
            {"GET", "/v1/stats", "stats"},
            {"HEAD", "/v1/stats", "stats"},
    };
    for (const Case& c : cases) {
        RouteMatch match = MatchRoute(c.method, c.path);
        ASSERT_EQ(match.kind, RouteMatch::Kind::kFound) << c.method << " " << c.path;
        EXPECT_EQ(match.spec->route, c.route) << c.path;
    }
    EXPECT_EQ(Routes().size(), 20u);
    std::set<std::string_view> names;
    for (const RouteSpec& spec : Routes()) {
        names.insert(spec.route);
        EXPECT_EQ(spec.auth, spec.route != "health");
    }
    EXPECT_EQ(names.size(), 19u);  // findings.update has two routes
}

TEST(RoutesTest, ExtractsPathParameters) {
    RouteMatch match = MatchRoute("POST", "/v1/runs/run-2026.11:7/approve");
    ASSERT_EQ(match.kind, RouteMatch::Kind::kFound);
    EXPECT_EQ(match.path_params.at("id"), "run-2026.11:7");
    EXPECT_TRUE(MatchRoute("GET", "/v1/runs").path_params.empty());
}

TEST(RoutesTest, ReportsUnknownPathsWrongMethodsAndBadIds) {
    EXPECT_EQ(MatchRoute("GET", "/v2/findings").kind, RouteMatch::Kind::kNotFound);
    EXPECT_EQ(MatchRoute("GET", "/v1/findings/").kind, RouteMatch::Kind::kNotFound);
    EXPECT_EQ(MatchRoute("GET", "//v1/findings").kind, RouteMatch::Kind::kNotFound);
    EXPECT_EQ(MatchRoute("GET", "").kind, RouteMatch::Kind::kNotFound);
    EXPECT_EQ(MatchRoute("GET", "v1/findings").kind, RouteMatch::Kind::kNotFound);
    EXPECT_EQ(MatchRoute("GET", "/v1/findings/a/b").kind, RouteMatch::Kind::kNotFound);

    RouteMatch wrong = MatchRoute("PUT", "/v1/findings/f-1");
    EXPECT_EQ(wrong.kind, RouteMatch::Kind::kMethodNotAllowed);
    EXPECT_EQ(wrong.allow, "GET, PATCH");
    EXPECT_EQ(MatchRoute("DELETE", "/v1/ingest").allow, "POST");
    EXPECT_EQ(MatchRoute("POST", "/healthz").kind, RouteMatch::Kind::kMethodNotAllowed);

    EXPECT_EQ(MatchRoute("GET", "/v1/findings/a%20b").kind, RouteMatch::Kind::kBadId);
    EXPECT_EQ(MatchRoute("GET", "/v1/findings/a b").kind, RouteMatch::Kind::kBadId);
    EXPECT_EQ(MatchRoute("GET", "/v1/findings/..").kind, RouteMatch::Kind::kBadId);
    EXPECT_EQ(MatchRoute("GET", "/v1/findings/" + std::string(257, 'a')).kind,
              RouteMatch::Kind::kBadId);
    EXPECT_TRUE(IsValidPathId(std::string(256, 'a')));
    EXPECT_FALSE(IsValidPathId("a/b"));
    EXPECT_FALSE(IsValidPathId("\xc3\xa9"));
}

}  // namespace
}  // namespace firebreak::server
