// File: metrics.h
//
// A metrics registry rendered in the Prometheus text exposition format (version 0.0.4):
// counters, gauges (set, or read from a callback at render time), counters with one label
// (per rule, per status code) and fixed-bucket histograms (latencies in seconds).
//
// Updates are lock-free: counters and histogram buckets are atomics, a histogram's sum is an
// atomic double updated by compare-and-swap. A labelled counter finds (or makes) the atomic for
// a label under a shared lock; hot paths call Slot(label) once and keep the pointer.
//
// Metrics live as long as the registry; the pointers Add*() return stay valid until then.
// Registering a name again with the same kind returns the existing metric (two servers may share
// one registry); a different kind, or a name that is not a Prometheus metric name, is a
// programmer error (FIREBREAK_CHECK). Gauge callbacks run inside Render() and must not register
// metrics.
//
// Depends only on core: the pipeline passes plain callbacks and atomics, it never sees this.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace firebreak::server {

class Counter {
public:
    void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }

    uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> value_{0};
};

class Gauge {
public:
    void Set(double value) { value_.store(value, std::memory_order_relaxed); }

    void Add(double delta);

    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

// A counter with one label, e.g. firebreak_rule_hits_total{rule="..."}. Label values are kept
// in sorted order for rendering.
class LabeledCounter {
public:
    explicit LabeledCounter(std::string label_name) : label_name_(std::move(label_name)) {}

    // The counter for `label`, made on first use; the pointer stays valid for the registry's
    // lifetime, so callers may cache it and fetch_add on it directly.
    std::atomic<uint64_t>* Slot(std::string_view label);

    void Inc(std::string_view label, uint64_t n = 1) {
        Slot(label)->fetch_add(n, std::memory_order_relaxed);
    }

    uint64_t value(std::string_view label) const;  // 0 for a label never seen

    const std::string& label_name() const { return label_name_; }

    // (label, value) pairs sorted by label.
    std::vector<std::pair<std::string, uint64_t>> Snapshot() const;

private:
    std::string label_name_;
    mutable std::shared_mutex mu_;
    std::map<std::string, std::unique_ptr<std::atomic<uint64_t>>, std::less<>> slots_;
};

// Fixed buckets: bucket i counts observations <= bounds[i]; the implicit +Inf bucket the rest.
// Bounds are sorted and de-duplicated at construction; NaN and infinite bounds are dropped.
class Histogram {
public:
    explicit Histogram(std::vector<double> upper_bounds);

    // Lock-free. NaN observations are ignored.
    void Observe(double value);

    uint64_t count() const { return count_.load(std::memory_order_relaxed); }

    double sum() const { return sum_.load(std::memory_order_relaxed); }

    const std::vector<double>& bounds() const { return bounds_; }

    // Per-bucket (not cumulative) counts; the last element is the +Inf bucket.
    std::vector<uint64_t> BucketCounts() const;

    // Estimated q-quantile (0 <= q <= 1) by linear interpolation inside the bucket holding the
    // rank, as Prometheus' histogram_quantile does: the first bucket starts at 0 (or at its bound
    // when that is negative), and a rank in the +Inf bucket gives the largest finite bound.
    // 0 when nothing was observed.
    double Quantile(double q) const;

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
    std::atomic<uint64_t> count_{0};
    std::atomic<double> sum_{0};
};

// Common latency buckets in seconds, 1 ms .. 60 s.
std::vector<double> DefaultLatencyBuckets();

class Metrics {
public:
    Metrics();
    ~Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    Counter* AddCounter(std::string_view name, std::string_view help);
    Gauge* AddGauge(std::string_view name, std::string_view help);
    // `fn` is called at every Render(), from the rendering thread.
    void AddGaugeFunction(std::string_view name, std::string_view help, std::function<double()> fn);
    LabeledCounter* AddLabeledCounter(std::string_view name,
                                      std::string_view help,
                                      std::string_view label_name);
    Histogram* AddHistogram(std::string_view name,
                            std::string_view help,
                            std::vector<double> bucket_upper_bounds_seconds);

    // Every metric in registration order, in the text exposition format 0.0.4 (serve it with
    // Content-Type "text/plain; version=0.0.4").
    std::string Render() const;

private:
    struct Entry;
    Entry* Register(std::string_view name, std::string_view help, int kind);

    mutable std::mutex mu_;
    std::vector<std::unique_ptr<Entry>> entries_;
};

// Text exposition helpers (exposed for tests and for callers rendering extra lines).
// A sample value: integers without a fraction, others in the shortest round-trip form, and
// "NaN", "+Inf", "-Inf".
std::string FormatMetricValue(double value);
// A label value escaped for use between double quotes: backslash, double quote, newline.
std::string EscapeLabelValue(std::string_view value);
bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);

}  // namespace firebreak::server
