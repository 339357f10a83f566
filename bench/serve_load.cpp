// firebreak_serve_load: a load generator for `firebreak serve` (issue 7), run from a second
// process on loopback. Not a test: bench/serve_load.sh drives it and bench/README.md ("serve:
// sustained ingest") holds the results.
//
// Each of --connections threads keeps one keep-alive HTTP client and POSTs CloudTrail batches
// ({"Records":[...]}, --batch records each) to /v1/ingest, closed loop (the next request as soon
// as the previous one is acknowledged) or open loop at --rate events/s in total. A fraction
// --match-ratio of the records are CreateUser calls by a principal never used before (the
// built-in rule iam-user-created fires on each, and each makes a new finding); the rest are
// DescribeInstances calls by an application role that no built-in rule flags (check with
// `--dump FILE` and `firebreak hunt FILE`). Every eventID is a fresh random UUID.
//
// Measured: acknowledged (202) events/s, request latency from send (open loop: from the
// scheduled send time, so a stalled server is not hidden) to 202, p50/p90/p99/max; 503 and 429
// answers (back-pressure; Retry-After is honoured and the same batch is sent again); errors.
// Then it waits until the server has processed everything (GET /v1/stats until wal.checkpoint >
// wal.last_seq), reports that drain time, and reads /metrics: firebreak_events_total and the
// quantiles of firebreak_ingest_to_finding_seconds (linear interpolation inside buckets).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <httplib.h>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string url = "http://127.0.0.1:8443";
    std::string token;
    std::string token_env = "FIREBREAK_TOKEN";
    int connections = 4;
    int batch = 100;
    double duration_s = 20;
    uint64_t events = 0;  // 0 = run for duration_s
    double rate = 0;      // 0 = closed loop
    double match_ratio = 0.01;
    double drain_timeout_s = 600;
    bool json = false;
    std::string dump;  // write one {"Records":[...]} file of `batch` records and exit
    std::string label;
    uint64_t seed = 0;  // 0 = from the clock
};

// ---- records --------------------------------------------------------------------------------

constexpr char kHex[] = "0123456789abcdef";

class RecordMaker {
public:
    RecordMaker(uint64_t seed, int thread_index) : rng_(seed), thread_index_(thread_index) {}

    std::string Uuid() {
        uint64_t hi = rng_();
        uint64_t lo = rng_();
        hi = (hi & ~0xf000ull) | 0x4000ull;            // version 4
        lo = (lo & ~(0xcull << 60)) | (0x8ull << 60);  // variant 10
        std::string out(36, '-');
        int pos = 0;
        for (int i = 0; i < 32; ++i) {
            if (i == 8 || i == 12 || i == 16 || i == 20) {
                ++pos;
            }
            uint64_t word = i < 16 ? hi : lo;
            int shift = 60 - 4 * (i % 16);
            out[static_cast<size_t>(pos++)] = kHex[(word >> shift) & 0xf];
        }
        return out;
    }

    std::string UpperHex(int digits) {
        std::string out;
        uint64_t word = rng_();
        for (int i = 0; i < digits; ++i) {
            if (i > 0 && i % 16 == 0) {
                word = rng_();
            }
            out += static_cast<char>(std::toupper(static_cast<unsigned char>(kHex[word & 0xf])));
            word >>= 4;
        }
        return out;
    }

    // An application role listing instances: read-only, private source address, SDK user agent.
    void AppendBenign(std::string* out, const std::string& when) {
        static const char* const kAccounts[] = {"123456789012", "210987654321", "111122223333"};
        static const char* const kRegions[] = {"us-east-1", "us-west-2", "eu-west-1"};
        const char* account = kAccounts[rng_() % 3];
        std::string role = "app-inventory-" + std::to_string(rng_() % 8);
        std::string session = "i-" + UpperHex(8) + "-" + std::to_string(rng_() % 1000);
        std::string role_id = "AROA" + UpperHex(17);
        *out += R"({"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":")";
        *out += role_id + ":" + session;
        *out += R"(","arn":"arn:aws:sts::)";
        *out += std::string(account) + ":assumed-role/" + role + "/" + session;
        *out += R"(","accountId":")";
        *out += account;
        *out += R"(","accessKeyId":"ASIA)";
        *out += UpperHex(16);
        *out += R"(","sessionContext":{"sessionIssuer":{"type":"Role","principalId":")";
        *out += role_id;
        *out += R"(","arn":"arn:aws:iam::)";
        *out += std::string(account) + ":role/" + role;
        *out += R"(","accountId":")";
        *out += account;
        *out += R"(","userName":")";
        *out += role;
        *out += R"("},"webIdFederationData":{},"attributes":{"creationDate":"2026-11-29T00:00:00Z",)"
                R"("mfaAuthenticated":"false"}}},"eventTime":")";
        *out += when;
        *out += R"(","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":")";
        *out += kRegions[rng_() % 3];
        *out += R"(","sourceIPAddress":"10.)";
        *out += std::to_string(rng_() % 256) + "." + std::to_string(rng_() % 256) + "." +
                std::to_string(1 + rng_() % 254);
        *out += R"(","userAgent":"aws-sdk-go-v2/1.21.0 os/linux lang/go#1.21.1 md/GOOS#linux )"
                R"(md/GOARCH#amd64 api/ec2#1.118.0","requestParameters":{"instancesSet":{},)"
                R"("filterSet":{"items":[{"name":"instance-state-name","valueSet":{"items":)"
                R"([{"value":"running"}]}}]}},"responseElements":null,"requestID":")";
        *out += Uuid();
        *out += R"(","eventID":")";
        *out += Uuid();
        *out += R"(","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,)"
                R"("recipientAccountId":")";
        *out += account;
        *out += R"(","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3",)"
                R"("cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":)"
                R"("ec2.us-east-1.amazonaws.com"}})";
    }

    // CreateUser by an IAM user never seen before: iam-user-created, one new finding each.
    void AppendMatch(std::string* out, const std::string& when) {
        std::string user = "ops-" + std::to_string(thread_index_) + "-" + std::to_string(next_++);
        std::string event_id = Uuid();
        *out += R"({"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDA)";
        *out += UpperHex(17);
        *out += R"(","arn":"arn:aws:iam::123456789012:user/)";
        *out += user;
        *out += R"(","accountId":"123456789012","accessKeyId":"AKIA)";
        *out += UpperHex(16);
        *out += R"(","userName":")";
        *out += user;
        *out += R"("},"eventTime":")";
        *out += when;
        *out += R"(","eventSource":"iam.amazonaws.com","eventName":"CreateUser",)"
                R"("awsRegion":"us-east-1","sourceIPAddress":"203.0.113.)";
        *out += std::to_string(1 + rng_() % 254);
        *out += R"(","userAgent":"aws-cli/2.13.0 Python/3.11.4 Linux/6.1 exe/x86_64.debian.12)"
                R"( prompt/off command/iam.create-user","requestParameters":{"userName":"svc-)";
        *out += event_id.substr(0, 8);
        *out += R"("},"responseElements":{"user":{"path":"/","userName":"svc-)";
        *out += event_id.substr(0, 8);
        *out += R"(","userId":"AIDA)";
        *out += UpperHex(17);
        *out += R"(","arn":"arn:aws:iam::123456789012:user/svc-)";
        *out += event_id.substr(0, 8);
        *out += R"(","createDate":"Nov 29, 2026, 3:00:00 AM"}},"requestID":")";
        *out += Uuid();
        *out += R"(","eventID":")";
        *out += event_id;
        *out += R"(","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,)"
                R"("recipientAccountId":"123456789012","eventCategory":"Management"})";
    }

    // One {"Records":[...]} body; `matches` counts the matching records in it.
    std::string Body(int records, double match_ratio, int* matches) {
        std::string when = NowIso();
        std::string out = "{\"Records\":[";
        out.reserve(static_cast<size_t>(records) * 1200 + 16);
        *matches = 0;
        for (int i = 0; i < records; ++i) {
            if (i > 0) {
                out += ',';
            }
            // Deterministic share: record k of this thread matches when floor((k+1)*r) grows.
            ++made_;
            bool match = std::floor(static_cast<double>(made_) * match_ratio) >
                         std::floor(static_cast<double>(made_ - 1) * match_ratio);
            if (match) {
                AppendMatch(&out, when);
                ++*matches;
            } else {
                AppendBenign(&out, when);
            }
        }
        out += "]}";
        return out;
    }

private:
    static std::string NowIso() {
        std::time_t now = std::time(nullptr);
        std::tm tm{};
        gmtime_r(&now, &tm);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return buf;
    }

    std::mt19937_64 rng_;
    int thread_index_;
    uint64_t next_ = 0;
    uint64_t made_ = 0;
};

// ---- load -----------------------------------------------------------------------------------

struct ThreadStats {
    std::vector<double> latency_ms;  // one per 202
    uint64_t acked_events = 0;
    uint64_t acked_requests = 0;
    uint64_t matches_sent = 0;
    uint64_t refused_503 = 0;
    uint64_t refused_429 = 0;
    uint64_t errors = 0;  // other statuses and transport failures
    uint64_t bytes_sent = 0;
    double backoff_s = 0;  // time spent sleeping for Retry-After
    std::string last_error;
};

struct Target {
    std::string host;
    int port = 0;
};

bool ParseUrl(const std::string& url, Target* target) {
    std::string_view rest = url;
    constexpr std::string_view kScheme = "http://";
    if (rest.substr(0, kScheme.size()) != kScheme) {
        return false;
    }
    rest.remove_prefix(kScheme.size());
    while (!rest.empty() && rest.back() == '/') {
        rest.remove_suffix(1);
    }
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        return false;
    }
    target->host = std::string(rest.substr(0, colon));
    int port = 0;
    for (char c : rest.substr(colon + 1)) {
        if (c < '0' || c > '9' || port > 65535) {
            return false;
        }
        port = port * 10 + (c - '0');
    }
    target->port = port;
    return port > 0 && port <= 65535;
}

httplib::Headers AuthHeaders(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
}

double RetryAfterSeconds(const httplib::Result& res) {
    std::string value = res->get_header_value("Retry-After");
    char* end = nullptr;
    double s = value.empty() ? 1.0 : std::strtod(value.c_str(), &end);
    if (value.empty() || end == value.c_str() || !(s >= 0) || s > 60) {
        return 1.0;
    }
    return s;
}

void RunConnection(const Options& options,
                   const Target& target,
                   int index,
                   uint64_t seed,
                   Clock::time_point start,
                   Clock::time_point stop_at,
                   std::atomic<uint64_t>* budget,
                   ThreadStats* stats) {
    httplib::Client client(target.host, target.port);
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);  // headers and body are separate writes: no Nagle delay
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(60, 0);
    client.set_write_timeout(60, 0);
    httplib::Headers headers = AuthHeaders(options.token);
    RecordMaker maker(seed, index);
    // Open loop: this connection's share of the rate, one request every `interval`.
    double interval_s = options.rate > 0 ? static_cast<double>(options.connections) *
                                                   static_cast<double>(options.batch) / options.rate
                                         : 0;
    uint64_t sent_requests = 0;
    stats->latency_ms.reserve(1 << 16);
    while (Clock::now() < stop_at) {
        int records = options.batch;
        if (options.events > 0) {
            uint64_t claimed = budget->fetch_add(static_cast<uint64_t>(records));
            if (claimed >= options.events) {
                break;
            }
            records = static_cast<int>(
                    std::min<uint64_t>(static_cast<uint64_t>(records), options.events - claimed));
        }
        Clock::time_point scheduled = Clock::now();
        if (interval_s > 0) {
            // Stagger the connections so their requests do not all leave together.
            scheduled = start +
                        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                interval_s * (static_cast<double>(sent_requests) +
                                              static_cast<double>(index) / options.connections)));
            if (scheduled >= stop_at) {
                break;
            }
            std::this_thread::sleep_until(scheduled);
        }
        ++sent_requests;
        int matches = 0;
        std::string body = maker.Body(records, options.match_ratio, &matches);
        for (;;) {  // the same batch again after 503/429, as a well-behaved sender does
            Clock::time_point sent = interval_s > 0 ? scheduled : Clock::now();
            httplib::Result res = client.Post("/v1/ingest", headers, body, "application/json");
            Clock::time_point done = Clock::now();
            stats->bytes_sent += body.size();
            if (res && res->status == 202) {
                stats->latency_ms.push_back(
                        std::chrono::duration<double, std::milli>(done - sent).count());
                stats->acked_events += static_cast<uint64_t>(records);
                stats->acked_requests += 1;
                stats->matches_sent += static_cast<uint64_t>(matches);
                break;
            }
            double wait_s = 0.05;
            if (res && (res->status == 503 || res->status == 429)) {
                (res->status == 503 ? stats->refused_503 : stats->refused_429) += 1;
                wait_s = RetryAfterSeconds(res);
            } else {
                stats->errors += 1;
                stats->last_error = res ? "HTTP " + std::to_string(res->status) + ": " +
                                                    res->body.substr(0, 200)
                                        : "transport: " + httplib::to_string(res.error());
                if (res && res->status >= 400 && res->status < 500) {
                    break;  // the server will not take this batch; do not loop on it
                }
            }
            if (Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(wait_s)) >=
                stop_at) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::duration<double>(wait_s));
            stats->backoff_s += wait_s;
        }
    }
}

// ---- server state ---------------------------------------------------------------------------

// The number after "\"key\":" in a flat JSON text (the first occurrence), or nullopt.
std::optional<double> JsonNumber(std::string_view json, std::string_view key) {
    std::string needle = "\"" + std::string(key) + "\":";
    size_t at = json.find(needle);
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    std::string tail(json.substr(at + needle.size(), 32));
    char* end = nullptr;
    double value = std::strtod(tail.c_str(), &end);
    if (end == tail.c_str()) {
        return std::nullopt;
    }
    return value;
}

struct Bucket {
    double le = 0;  // +inf for the last
    double cumulative = 0;
};

struct ServerMetrics {
    bool ok = false;
    double events_total = 0;
    double findings_new = 0;
    double ingest_refused = 0;
    double latency_count = 0;
    double latency_sum = 0;
    std::vector<Bucket> buckets;
};

// Prometheus text: "name value" or "name{le=\"0.005\"} value" lines.
ServerMetrics ParseMetrics(std::string_view text) {
    ServerMetrics m;
    constexpr std::string_view kHist = "firebreak_ingest_to_finding_seconds";
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (line.empty() || line[0] == '#') {
            continue;
        }
        size_t space = line.rfind(' ');
        if (space == std::string_view::npos) {
            continue;
        }
        std::string_view name = line.substr(0, space);
        std::string number(line.substr(space + 1));
        char* end = nullptr;
        double value = std::strtod(number.c_str(), &end);
        if (end == number.c_str()) {
            continue;
        }
        if (name == "firebreak_events_total") {
            m.events_total = value;
            m.ok = true;
        } else if (name == "firebreak_findings_new_total") {
            m.findings_new = value;
        } else if (name == "firebreak_ingest_refused_total") {
            m.ingest_refused = value;
        } else if (name.substr(0, kHist.size()) == kHist) {
            std::string_view suffix = name.substr(kHist.size());
            if (suffix == "_count") {
                m.latency_count = value;
            } else if (suffix == "_sum") {
                m.latency_sum = value;
            } else if (suffix.substr(0, 12) == "_bucket{le=\"") {
                std::string le(suffix.substr(12, suffix.find('"', 12) - 12));
                Bucket b;
                b.le = le == "+Inf" ? std::numeric_limits<double>::infinity()
                                    : std::strtod(le.c_str(), nullptr);
                b.cumulative = value;
                m.buckets.push_back(b);
            }
        }
    }
    return m;
}

// `after` -= `before`, bucket by bucket (same bucket layout: the same server).
void Subtract(const ServerMetrics& before, ServerMetrics* after) {
    after->events_total -= before.events_total;
    after->findings_new -= before.findings_new;
    after->ingest_refused -= before.ingest_refused;
    after->latency_count -= before.latency_count;
    after->latency_sum -= before.latency_sum;
    if (before.buckets.size() == after->buckets.size()) {
        for (size_t i = 0; i < before.buckets.size(); ++i) {
            after->buckets[i].cumulative -= before.buckets[i].cumulative;
        }
    }
}

// Quantile q of a cumulative histogram, linear inside the bucket; the last finite bound when
// the rank falls in +Inf; NaN when empty.
double HistogramQuantile(const std::vector<Bucket>& buckets, double q) {
    if (buckets.empty() || buckets.back().cumulative <= 0) {
        return std::nan("");
    }
    double rank = q * buckets.back().cumulative;
    double prev_le = 0;
    double prev_cum = 0;
    for (const Bucket& b : buckets) {
        if (b.cumulative >= rank) {
            if (std::isinf(b.le)) {
                return prev_le;
            }
            double width = b.cumulative - prev_cum;
            double fraction = width > 0 ? (rank - prev_cum) / width : 1.0;
            return prev_le + (b.le - prev_le) * fraction;
        }
        prev_le = b.le;
        prev_cum = b.cumulative;
    }
    return prev_le;
}

double Percentile(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) {
        return std::nan("");
    }
    size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::string Num(double v, int decimals) {
    if (std::isnan(v)) {
        return "null";
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string JsonString(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

int Run(const Options& options) {
    Target target;
    if (!ParseUrl(options.url, &target)) {
        std::fprintf(stderr, "serve_load: --url must be http://HOST:PORT\n");
        return 2;
    }
    uint64_t seed = options.seed != 0
                            ? options.seed
                            : static_cast<uint64_t>(Clock::now().time_since_epoch().count()) ^
                                      (static_cast<uint64_t>(::getpid()) << 32);
    httplib::Client control(target.host, target.port);
    control.set_read_timeout(30, 0);
    httplib::Headers headers = AuthHeaders(options.token);
    httplib::Result before = control.Get("/v1/stats", headers);
    if (!before || before->status != 200) {
        std::fprintf(stderr,
                     "serve_load: GET /v1/stats: %s\n",
                     before ? ("HTTP " + std::to_string(before->status)).c_str()
                            : httplib::to_string(before.error()).c_str());
        return 1;
    }
    std::optional<double> seq_before = JsonNumber(before->body, "last_seq");
    // The server may have run before this load: report the difference of its counters.
    ServerMetrics metrics_before;
    httplib::Result metrics_first = control.Get("/metrics", headers);
    if (metrics_first && metrics_first->status == 200) {
        metrics_before = ParseMetrics(metrics_first->body);
    }

    std::vector<ThreadStats> stats(static_cast<size_t>(options.connections));
    std::vector<std::thread> threads;
    std::atomic<uint64_t> budget{0};
    Clock::time_point start = Clock::now();
    Clock::time_point stop_at =
            options.events > 0 ? Clock::time_point::max()
                               : start + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(options.duration_s));
    for (int i = 0; i < options.connections; ++i) {
        threads.emplace_back(RunConnection,
                             std::cref(options),
                             std::cref(target),
                             i,
                             seed + static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ull,
                             start,
                             stop_at,
                             &budget,
                             &stats[static_cast<size_t>(i)]);
    }
    for (std::thread& t : threads) {
        t.join();
    }
    Clock::time_point load_end = Clock::now();
    double elapsed_s = std::chrono::duration<double>(load_end - start).count();

    ThreadStats total;
    for (ThreadStats& s : stats) {
        total.latency_ms.insert(total.latency_ms.end(), s.latency_ms.begin(), s.latency_ms.end());
        total.acked_events += s.acked_events;
        total.acked_requests += s.acked_requests;
        total.matches_sent += s.matches_sent;
        total.refused_503 += s.refused_503;
        total.refused_429 += s.refused_429;
        total.errors += s.errors;
        total.bytes_sent += s.bytes_sent;
        total.backoff_s += s.backoff_s;
        if (!s.last_error.empty()) {
            total.last_error = s.last_error;
        }
    }
    std::sort(total.latency_ms.begin(), total.latency_ms.end());

    // Drain: the server has processed everything once its checkpoint passes the last seq.
    double drain_s = std::nan("");
    double checkpoint = 0;
    double last_seq = 0;
    std::string stats_body;
    for (;;) {
        httplib::Result res = control.Get("/v1/stats", headers);
        double waited = std::chrono::duration<double>(Clock::now() - load_end).count();
        if (res && res->status == 200) {
            stats_body = res->body;
            checkpoint = JsonNumber(res->body, "checkpoint").value_or(0);
            last_seq = JsonNumber(res->body, "last_seq").value_or(0);
            if (checkpoint > last_seq) {
                drain_s = waited;
                break;
            }
        }
        if (waited > options.drain_timeout_s) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ServerMetrics metrics;
    httplib::Result metrics_res = control.Get("/metrics", headers);
    if (metrics_res && metrics_res->status == 200) {
        metrics = ParseMetrics(metrics_res->body);
        Subtract(metrics_before, &metrics);
    }

    double eps = elapsed_s > 0 ? static_cast<double>(total.acked_events) / elapsed_s : 0;
    double rps = elapsed_s > 0 ? static_cast<double>(total.acked_requests) / elapsed_s : 0;
    double p50 = Percentile(total.latency_ms, 0.50);
    double p90 = Percentile(total.latency_ms, 0.90);
    double p99 = Percentile(total.latency_ms, 0.99);
    double max = total.latency_ms.empty() ? std::nan("") : total.latency_ms.back();
    double f50 = HistogramQuantile(metrics.buckets, 0.50);
    double f90 = HistogramQuantile(metrics.buckets, 0.90);
    double f99 = HistogramQuantile(metrics.buckets, 0.99);
    double processed_eps = !std::isnan(drain_s) && elapsed_s + drain_s > 0
                                   ? metrics.events_total / (elapsed_s + drain_s)
                                   : std::nan("");
    double wal_records = seq_before ? last_seq - *seq_before : std::nan("");

    double fsyncs = JsonNumber(stats_body, "fsyncs").value_or(std::nan("")) -
                    JsonNumber(before->body, "fsyncs").value_or(0);
    double appended = JsonNumber(stats_body, "appended").value_or(std::nan("")) -
                      JsonNumber(before->body, "appended").value_or(0);
    if (options.json) {
        std::printf(
                "{\"label\":%s,\"connections\":%d,\"batch\":%d,\"rate\":%s,\"match_ratio\":%s,"
                "\"elapsed_s\":%s,\"acked_events\":%" PRIu64 ",\"acked_requests\":%" PRIu64
                ",\"events_per_s\":%s,\"requests_per_s\":%s,\"matches_sent\":%" PRIu64
                ",\"mb_per_s\":%s,\"latency_ms\":{\"p50\":%s,\"p90\":%s,\"p99\":%s,\"max\":%s},"
                "\"refused_503\":%" PRIu64 ",\"refused_429\":%" PRIu64 ",\"errors\":%" PRIu64
                ",\"last_error\":%s,\"backoff_s\":%s,\"drain_s\":%s,\"drained\":%s,"
                "\"wal_records\":%s,\"server\":{\"wal_appended\":%s,\"wal_fsyncs\":%s,\"events_"
                "total\":%s,\"findings_new\":%s,"
                "\"ingest_refused\":%s,\"processed_events_per_s\":%s,"
                "\"ingest_to_finding_s\":{\"count\":%s,\"mean\":%s,\"p50\":%s,\"p90\":%s,"
                "\"p99\":%s}}}\n",
                JsonString(options.label).c_str(),
                options.connections,
                options.batch,
                Num(options.rate, 0).c_str(),
                Num(options.match_ratio, 4).c_str(),
                Num(elapsed_s, 3).c_str(),
                total.acked_events,
                total.acked_requests,
                Num(eps, 0).c_str(),
                Num(rps, 0).c_str(),
                total.matches_sent,
                Num(static_cast<double>(total.bytes_sent) / elapsed_s / 1e6, 2).c_str(),
                Num(p50, 3).c_str(),
                Num(p90, 3).c_str(),
                Num(p99, 3).c_str(),
                Num(max, 3).c_str(),
                total.refused_503,
                total.refused_429,
                total.errors,
                JsonString(total.last_error).c_str(),
                Num(total.backoff_s, 2).c_str(),
                Num(drain_s, 3).c_str(),
                std::isnan(drain_s) ? "false" : "true",
                Num(wal_records, 0).c_str(),
                Num(appended, 0).c_str(),
                Num(fsyncs, 0).c_str(),
                Num(metrics.events_total, 0).c_str(),
                Num(metrics.findings_new, 0).c_str(),
                Num(metrics.ingest_refused, 0).c_str(),
                Num(processed_eps, 0).c_str(),
                Num(metrics.latency_count, 0).c_str(),
                Num(metrics.latency_count > 0 ? metrics.latency_sum / metrics.latency_count
                                              : std::nan(""),
                    4)
                        .c_str(),
                Num(f50, 4).c_str(),
                Num(f90, 4).c_str(),
                Num(f99, 4).c_str());
    }
    {
        std::FILE* out = options.json ? stderr : stdout;
        std::fprintf(out,
                     "load: %d connections x batch %d, %s, match ratio %.4f, %.1f s\n",
                     options.connections,
                     options.batch,
                     options.rate > 0
                             ? ("open loop at " + Num(options.rate, 0) + " events/s").c_str()
                             : "closed loop",
                     options.match_ratio,
                     elapsed_s);
        std::fprintf(out,
                     "acknowledged: %" PRIu64 " events in %" PRIu64
                     " requests = %.0f events/s, %.0f requests/s (%.1f MB/s of JSON)\n",
                     total.acked_events,
                     total.acked_requests,
                     eps,
                     rps,
                     static_cast<double>(total.bytes_sent) / elapsed_s / 1e6);
        std::fprintf(out,
                     "request latency to 202 (ms): p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
                     p50,
                     p90,
                     p99,
                     max);
        std::fprintf(out,
                     "back-pressure: %" PRIu64 " x 503, %" PRIu64
                     " x 429 (%.1f s slept for Retry-After); errors %" PRIu64 "%s%s\n",
                     total.refused_503,
                     total.refused_429,
                     total.backoff_s,
                     total.errors,
                     total.last_error.empty() ? "" : ", last: ",
                     total.last_error.c_str());
        if (std::isnan(drain_s)) {
            std::fprintf(out,
                         "drain: NOT drained after %.0f s (checkpoint %.0f, last seq %.0f)\n",
                         options.drain_timeout_s,
                         checkpoint,
                         last_seq);
        } else {
            std::fprintf(out,
                         "drain: everything processed %.3f s after the load stopped "
                         "(%.0f WAL records, %.0f fsyncs)\n",
                         drain_s,
                         wal_records,
                         fsyncs);
        }
        std::fprintf(out,
                     "server (during this load): firebreak_events_total %.0f (%.0f events/s incl. "
                     "drain), new "
                     "findings %.0f (matching records sent %" PRIu64 "), refused %.0f\n",
                     metrics.events_total,
                     processed_eps,
                     metrics.findings_new,
                     total.matches_sent,
                     metrics.ingest_refused);
        std::fprintf(out,
                     "ingest-to-finding (s, %.0f observations): p50 %.4f  p90 %.4f  p99 %.4f\n",
                     metrics.latency_count,
                     f50,
                     f90,
                     f99);
    }
    return total.acked_events > 0 ? 0 : 1;
}

int Dump(const Options& options) {
    RecordMaker maker(options.seed != 0 ? options.seed : 7, 0);
    int matches = 0;
    std::string body = maker.Body(options.batch, options.match_ratio, &matches);
    std::FILE* f = std::fopen(options.dump.c_str(), "wb");
    if (f == nullptr || std::fwrite(body.data(), 1, body.size(), f) != body.size()) {
        std::fprintf(stderr, "serve_load: cannot write %s\n", options.dump.c_str());
        if (f != nullptr) {
            std::fclose(f);
        }
        return 1;
    }
    std::fclose(f);
    std::printf("%s: %d records, %d matching, %zu bytes\n",
                options.dump.c_str(),
                options.batch,
                matches,
                body.size());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"Load generator for `firebreak serve`: CloudTrail batches to POST /v1/ingest"};
    app.add_option("--url", options.url, "http://HOST:PORT of firebreak serve");
    app.add_option("--token", options.token, "Bearer token (default: $FIREBREAK_TOKEN)");
    app.add_option("--token-env", options.token_env, "Environment variable holding the token");
    app.add_option("--connections,-c", options.connections, "Threads, one keep-alive client each")
            ->check(CLI::Range(1, 256));
    app.add_option("--batch,-b", options.batch, "CloudTrail records per request")
            ->check(CLI::Range(1, 100000));
    app.add_option("--duration,-d", options.duration_s, "Seconds of load (default 20)")
            ->check(CLI::Range(0.1, 86400.0));
    app.add_option("--events,-n", options.events, "Send this many events instead of --duration");
    app.add_option("--rate,-r", options.rate, "Open loop: target events/s in total (0 = closed)")
            ->check(CLI::Range(0.0, 1e9));
    app.add_option("--match-ratio", options.match_ratio, "Fraction of records that match a rule")
            ->check(CLI::Range(0.0, 1.0));
    app.add_option("--drain-timeout", options.drain_timeout_s, "Seconds to wait for the drain");
    app.add_option("--label", options.label, "Name of this run (JSON output)");
    app.add_option("--seed", options.seed, "Random seed (0 = from the clock)");
    app.add_option("--dump", options.dump, "Write one batch to this file and exit (for hunt)");
    app.add_flag("--json", options.json, "One JSON object instead of the summary");
    CLI11_PARSE(app, argc, argv);
    if (!options.dump.empty()) {
        return Dump(options);
    }
    if (options.token.empty()) {
        const char* env = std::getenv(options.token_env.c_str());
        options.token = env != nullptr ? env : "";
    }
    if (options.token.empty()) {
        std::fprintf(stderr, "serve_load: no token (--token or $%s)\n", options.token_env.c_str());
        return 2;
    }
    return Run(options);
}
