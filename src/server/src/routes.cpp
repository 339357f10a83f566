#include <array>

#include "firebreak/server/api.h"

namespace firebreak::server {

namespace {

constexpr size_t kMaxIdLength = 256;

RouteSpec Route(std::string_view method,
                std::string_view pattern,
                std::string_view route,
                bool auth = true) {
    RouteSpec spec;
    spec.method = method;
    spec.pattern = pattern;
    spec.route = route;
    spec.auth = auth;
    return spec;
}

const std::array<RouteSpec, 20>& Table() {
    static const std::array<RouteSpec, 20> table = {
            Route("GET", "/healthz", "health", /*auth=*/false),
            Route("GET", "/metrics", "metrics"),
            Route("POST", "/v1/ingest", "ingest"),
            Route("GET", "/v1/findings", "findings.list"),
            Route("GET", "/v1/findings/{id}", "findings.get"),
            Route("PATCH", "/v1/findings/{id}", "findings.update"),
            Route("POST", "/v1/findings/{id}/status", "findings.update"),
            Route("GET", "/v1/suppressions", "suppressions.list"),
            Route("POST", "/v1/suppressions", "suppressions.add"),
            Route("DELETE", "/v1/suppressions/{id}", "suppressions.delete"),
            Route("GET", "/v1/runs", "runs.list"),
            Route("GET", "/v1/runs/{id}", "runs.get"),
            Route("POST", "/v1/runs/{id}/approve", "runs.approve"),
            Route("POST", "/v1/runs/{id}/deny", "runs.deny"),
            Route("GET", "/v1/rules", "rules.list"),
            Route("GET", "/v1/playbooks", "playbooks.list"),
            Route("POST", "/v1/reload", "reload"),
            Route("GET", "/v1/evidence", "evidence.list"),
            Route("POST", "/v1/evidence/verify", "evidence.verify"),
            Route("GET", "/v1/stats", "stats"),
    };
    return table;
}

// Splits "/a/b/c" into {"a", "b", "c"}; false unless the path starts with '/'. Empty segments
// ("//", a trailing '/') are kept, so they match nothing.
bool SplitPath(std::string_view path, std::vector<std::string_view>* segments) {
    if (path.empty() || path[0] != '/')
        return false;
    size_t start = 1;
    while (true) {
        size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) {
            segments->push_back(path.substr(start));
            return true;
        }
        segments->push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
}

// Whether `segments` have the shape of `pattern`; fills the {name} segments.
bool MatchShape(std::string_view pattern,
                const std::vector<std::string_view>& segments,
                std::map<std::string, std::string>* params) {
    std::vector<std::string_view> parts;
    SplitPath(pattern, &parts);
    if (parts.size() != segments.size())
        return false;
    params->clear();
    for (size_t i = 0; i < parts.size(); ++i) {
        std::string_view part = parts[i];
        if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
            if (segments[i].empty())
                return false;
            (*params)[std::string(part.substr(1, part.size() - 2))] = std::string(segments[i]);
        } else if (part != segments[i]) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::span<const RouteSpec> Routes() {
    return Table();
}

bool IsValidPathId(std::string_view id) {
    if (id.empty() || id.size() > kMaxIdLength || id == "." || id == "..")
        return false;
    for (char c : id) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

RouteMatch MatchRoute(std::string_view method, std::string_view path) {
    RouteMatch match;
    std::vector<std::string_view> segments;
    if (!SplitPath(path, &segments))
        return match;
    if (method == "HEAD")
        method = "GET";
    bool shape_found = false;
    std::map<std::string, std::string> params;
    for (const RouteSpec& spec : Table()) {
        if (!MatchShape(spec.pattern, segments, &params))
            continue;
        shape_found = true;
        for (const auto& param : params) {
            if (!IsValidPathId(param.second)) {
                match.kind = RouteMatch::Kind::kBadId;
                return match;
            }
        }
        if (spec.method == method) {
            match.kind = RouteMatch::Kind::kFound;
            match.spec = &spec;
            match.path_params = std::move(params);
            match.allow.clear();
            return match;
        }
        if (!match.allow.empty())
            match.allow += ", ";
        match.allow += spec.method;
    }
    match.kind = shape_found ? RouteMatch::Kind::kMethodNotAllowed : RouteMatch::Kind::kNotFound;
    return match;
}

}  // namespace firebreak::server
