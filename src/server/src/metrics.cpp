#include "firebreak/server/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "firebreak/core/assert.h"

namespace firebreak::server {

namespace {

enum Kind : int { kCounter, kGauge, kGaugeFunction, kLabeledCounter, kHistogram };

void AtomicAdd(std::atomic<double>* target, double delta) {
    double current = target->load(std::memory_order_relaxed);
    while (!target->compare_exchange_weak(current, current + delta, std::memory_order_relaxed)) {
    }
}

std::string EscapeHelp(std::string_view help) {
    std::string out;
    out.reserve(help.size());
    for (char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string_view TypeName(int kind) {
    switch (kind) {
        case kCounter:
        case kLabeledCounter:
            return "counter";
        case kGauge:
        case kGaugeFunction:
            return "gauge";
        default:
            return "histogram";
    }
}

}  // namespace

bool IsValidMetricName(std::string_view name) {
    if (name.empty())
        return false;
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                  (i > 0 && c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return true;
}

bool IsValidLabelName(std::string_view name) {
    if (name.empty() || name == "le" || name.starts_with("__"))
        return false;
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (i > 0 && c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return true;
}

std::string FormatMetricValue(double value) {
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    char buf[64];
    // Integral values inside the exactly representable range print without exponent or fraction.
    if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {
        auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), static_cast<int64_t>(value));
        return ec == std::errc() ? std::string(buf, end) : "NaN";
    }
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
    return ec == std::errc() ? std::string(buf, end) : "NaN";
}

std::string EscapeLabelValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

void Gauge::Add(double delta) {
    AtomicAdd(&value_, delta);
}

std::atomic<uint64_t>* LabeledCounter::Slot(std::string_view label) {
    {
        std::shared_lock<std::shared_mutex> lock(mu_);
        auto it = slots_.find(label);
        if (it != slots_.end())
            return it->second.get();
    }
    std::unique_lock<std::shared_mutex> lock(mu_);
    auto it = slots_.find(label);
    if (it == slots_.end()) {
        it = slots_.emplace(std::string(label), std::make_unique<std::atomic<uint64_t>>(0)).first;
    }
    return it->second.get();
}

uint64_t LabeledCounter::value(std::string_view label) const {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = slots_.find(label);
    return it == slots_.end() ? 0 : it->second->load(std::memory_order_relaxed);
}

std::vector<std::pair<std::string, uint64_t>> LabeledCounter::Snapshot() const {
    std::shared_lock<std::shared_mutex> lock(mu_);
    std::vector<std::pair<std::string, uint64_t>> out;
    out.reserve(slots_.size());
    for (const auto& slot : slots_) {
        out.emplace_back(slot.first, slot.second->load(std::memory_order_relaxed));
    }
    return out;
}

Histogram::Histogram(std::vector<double> upper_bounds) {
    for (double bound : upper_bounds) {
        if (std::isfinite(bound))
            bounds_.push_back(bound);
    }
    std::sort(bounds_.begin(), bounds_.end());
    bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
    buckets_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
    for (size_t i = 0; i <= bounds_.size(); ++i) {
        buckets_[i].store(0, std::memory_order_relaxed);
    }
}

void Histogram::Observe(double value) {
    if (std::isnan(value))
        return;
    // The first bound >= value is the bucket (le = "less than or equal").
    size_t index = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                       bounds_.begin());
    buckets_[index].fetch_add(1, std::memory_order_relaxed);
    AtomicAdd(&sum_, value);
    count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::BucketCounts() const {
    std::vector<uint64_t> out(bounds_.size() + 1);
    for (size_t i = 0; i < out.size(); ++i) {
        out[i] = buckets_[i].load(std::memory_order_relaxed);
    }
    return out;
}

double Histogram::Quantile(double q) const {
    std::vector<uint64_t> counts = BucketCounts();
    uint64_t total = 0;
    for (uint64_t c : counts) {
        total += c;
    }
    if (total == 0 || std::isnan(q))
        return 0;
    q = std::clamp(q, 0.0, 1.0);
    double rank = q * static_cast<double>(total);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
        uint64_t before = cumulative;
        cumulative += counts[i];
        if (static_cast<double>(cumulative) < rank || counts[i] == 0)
            continue;
        if (i == bounds_.size())  // +Inf bucket
            return bounds_.empty() ? 0 : bounds_.back();
        double upper = bounds_[i];
        double lower = i == 0 ? std::min(0.0, upper) : bounds_[i - 1];
        double within = (rank - static_cast<double>(before)) / static_cast<double>(counts[i]);
        return lower + (upper - lower) * within;
    }
    return bounds_.empty() ? 0 : bounds_.back();
}

std::vector<double> DefaultLatencyBuckets() {
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

struct Metrics::Entry {
    int kind = kCounter;
    std::string name;
    std::string help;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::function<double()> gauge_fn;
    std::unique_ptr<LabeledCounter> labeled;
    std::unique_ptr<Histogram> histogram;
};

Metrics::Metrics() = default;

Metrics::~Metrics() = default;

Metrics::Entry* Metrics::Register(std::string_view name, std::string_view help, int kind) {
    FIREBREAK_CHECK(IsValidMetricName(name));
    for (const auto& entry : entries_) {
        if (entry->name == name) {
            FIREBREAK_CHECK(entry->kind == kind);
            return entry.get();
        }
    }
    auto entry = std::make_unique<Entry>();
    entry->kind = kind;
    entry->name = std::string(name);
    entry->help = std::string(help);
    entries_.push_back(std::move(entry));
    return entries_.back().get();
}

Counter* Metrics::AddCounter(std::string_view name, std::string_view help) {
    std::lock_guard<std::mutex> lock(mu_);
    Entry* entry = Register(name, help, kCounter);
    if (!entry->counter)
        entry->counter = std::make_unique<Counter>();
    return entry->counter.get();
}

Gauge* Metrics::AddGauge(std::string_view name, std::string_view help) {
    std::lock_guard<std::mutex> lock(mu_);
    Entry* entry = Register(name, help, kGauge);
    if (!entry->gauge)
        entry->gauge = std::make_unique<Gauge>();
    return entry->gauge.get();
}

void Metrics::AddGaugeFunction(std::string_view name,
                               std::string_view help,
                               std::function<double()> fn) {
    std::lock_guard<std::mutex> lock(mu_);
    Entry* entry = Register(name, help, kGaugeFunction);
    entry->gauge_fn = std::move(fn);
}

LabeledCounter* Metrics::AddLabeledCounter(std::string_view name,
                                           std::string_view help,
                                           std::string_view label_name) {
    FIREBREAK_CHECK(IsValidLabelName(label_name));
    std::lock_guard<std::mutex> lock(mu_);
    Entry* entry = Register(name, help, kLabeledCounter);
    if (!entry->labeled) {
        entry->labeled = std::make_unique<LabeledCounter>(std::string(label_name));
    }
    FIREBREAK_CHECK(entry->labeled->label_name() == label_name);
    return entry->labeled.get();
}

Histogram* Metrics::AddHistogram(std::string_view name,
                                 std::string_view help,
                                 std::vector<double> bucket_upper_bounds_seconds) {
    std::lock_guard<std::mutex> lock(mu_);
    Entry* entry = Register(name, help, kHistogram);
    if (!entry->histogram) {
        entry->histogram = std::make_unique<Histogram>(std::move(bucket_upper_bounds_seconds));
    }
    return entry->histogram.get();
}

std::string Metrics::Render() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const auto& entry : entries_) {
        const std::string& name = entry->name;
        out += "# HELP " + name + " " + EscapeHelp(entry->help) + "\n";
        out += "# TYPE " + name + " " + std::string(TypeName(entry->kind)) + "\n";
        switch (entry->kind) {
            case kCounter:
                out += name + " " + std::to_string(entry->counter->value()) + "\n";
                break;
            case kGauge:
                out += name + " " + FormatMetricValue(entry->gauge->value()) + "\n";
                break;
            case kGaugeFunction: {
                double value = entry->gauge_fn ? entry->gauge_fn() : 0;
                out += name + " " + FormatMetricValue(value) + "\n";
                break;
            }
            case kLabeledCounter:
                for (const auto& [label, value] : entry->labeled->Snapshot()) {
                    out += name + "{" + entry->labeled->label_name() + "=\"" +
                           EscapeLabelValue(label) + "\"} " + std::to_string(value) + "\n";
                }
                break;
            default: {
                const Histogram& histogram = *entry->histogram;
                std::vector<uint64_t> counts = histogram.BucketCounts();
                uint64_t cumulative = 0;
                for (size_t i = 0; i < counts.size(); ++i) {
                    cumulative += counts[i];
                    std::string le = i < histogram.bounds().size()
                                             ? FormatMetricValue(histogram.bounds()[i])
                                             : std::string("+Inf");
                    out += name + "_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
                }
                // _count is the cumulative +Inf count so the sample set is self-consistent even
                // while observations race the render.
                out += name + "_sum " + FormatMetricValue(histogram.sum()) + "\n";
                out += name + "_count " + std::to_string(cumulative) + "\n";
                break;
            }
        }
    }
    return out;
}

}  // namespace firebreak::server
