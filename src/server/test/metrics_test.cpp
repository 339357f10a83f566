#include "firebreak/server/metrics.h"

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace firebreak::server {
namespace {

TEST(MetricsTest, RendersCounterAndGaugeText) {
    Metrics metrics;
    Counter* events = metrics.AddCounter("firebreak_events_total", "Events ingested.");
    Gauge* depth = metrics.AddGauge("firebreak_queue_depth", "Batches waiting.");
    events->Inc();
    events->Inc(41);
    depth->Set(3);
    depth->Add(0.5);
    EXPECT_EQ(metrics.Render(),
              "# HELP firebreak_events_total Events ingested.\n"
              "# TYPE firebreak_events_total counter\n"
              "firebreak_events_total 42\n"
              "# HELP firebreak_queue_depth Batches waiting.\n"
              "# TYPE firebreak_queue_depth gauge\n"
              "firebreak_queue_depth 3.5\n");
}

TEST(MetricsTest, GaugeFunctionIsReadAtRender) {
    Metrics metrics;
    double rate = 12.25;
    metrics.AddGaugeFunction(
            "firebreak_events_per_second", "Events per second.", [&rate] { return rate; });
    EXPECT_EQ(metrics.Render(),
              "# HELP firebreak_events_per_second Events per second.\n"
              "# TYPE firebreak_events_per_second gauge\n"
              "firebreak_events_per_second 12.25\n");
    rate = std::numeric_limits<double>::infinity();
    EXPECT_NE(metrics.Render().find("firebreak_events_per_second +Inf\n"), std::string::npos);
}

TEST(MetricsTest, LabeledCounterSortsAndEscapesLabels) {
    Metrics metrics;
    LabeledCounter* hits = metrics.AddLabeledCounter(
            "firebreak_rule_hits_total", "Matches per rule.\nOne line per rule \\ id.", "rule");
    hits->Inc("z-rule");
    hits->Inc("a-rule", 2);
    std::atomic<uint64_t>* slot = hits->Slot("odd \"quoted\"\\rule\nx");
    slot->fetch_add(5);
    EXPECT_EQ(hits->value("a-rule"), 2u);
    EXPECT_EQ(hits->value("never"), 0u);
    EXPECT_EQ(hits->Slot("z-rule"), hits->Slot("z-rule"));
    EXPECT_EQ(metrics.Render(),
              "# HELP firebreak_rule_hits_total Matches per rule.\\nOne line per rule \\\\ id.\n"
              "# TYPE firebreak_rule_hits_total counter\n"
              "firebreak_rule_hits_total{rule=\"a-rule\"} 2\n"
              "firebreak_rule_hits_total{rule=\"odd \\\"quoted\\\"\\\\rule\\nx\"} 5\n"
              "firebreak_rule_hits_total{rule=\"z-rule\"} 1\n");
}

TEST(MetricsTest, HistogramRendersCumulativeBuckets) {
    Metrics metrics;
    Histogram* latency = metrics.AddHistogram(
            "firebreak_ingest_to_finding_seconds", "Latency.", {0.5, 0.1, 1, 0.1});
    latency->Observe(0.05);
    latency->Observe(0.1);  // le is inclusive
    latency->Observe(0.3);
    latency->Observe(2);
    latency->Observe(std::nan(""));  // ignored
    EXPECT_EQ(metrics.Render(),
              "# HELP firebreak_ingest_to_finding_seconds Latency.\n"
              "# TYPE firebreak_ingest_to_finding_seconds histogram\n"
              "firebreak_ingest_to_finding_seconds_bucket{le=\"0.1\"} 2\n"
              "firebreak_ingest_to_finding_seconds_bucket{le=\"0.5\"} 3\n"
              "firebreak_ingest_to_finding_seconds_bucket{le=\"1\"} 3\n"
              "firebreak_ingest_to_finding_seconds_bucket{le=\"+Inf\"} 4\n"
              "firebreak_ingest_to_finding_seconds_sum 2.45\n"
              "firebreak_ingest_to_finding_seconds_count 4\n");
    EXPECT_EQ(latency->count(), 4u);
}

TEST(MetricsTest, HistogramQuantileInterpolatesInsideBuckets) {
    Histogram histogram({1, 2, 4});
    EXPECT_EQ(histogram.Quantile(0.5), 0);  // empty
    for (int i = 0; i < 10; ++i) {
        histogram.Observe(0.5);  // (0, 1]
    }
    for (int i = 0; i < 10; ++i) {
        histogram.Observe(1.5);  // (1, 2]
    }
    // Rank 10 of 20 is the end of the first bucket; rank 15 is half-way through the second.
    EXPECT_DOUBLE_EQ(histogram.Quantile(0.5), 1.0);
    EXPECT_DOUBLE_EQ(histogram.Quantile(0.75), 1.5);
    EXPECT_DOUBLE_EQ(histogram.Quantile(0.25), 0.5);
    histogram.Observe(100);  // +Inf bucket: the largest finite bound
    EXPECT_DOUBLE_EQ(histogram.Quantile(1.0), 4.0);
}

TEST(MetricsTest, RegisteringAgainReturnsTheSameMetric) {
    Metrics metrics;
    Counter* first = metrics.AddCounter("firebreak_x_total", "X.");
    Counter* second = metrics.AddCounter("firebreak_x_total", "X again.");
    EXPECT_EQ(first, second);
    LabeledCounter* a = metrics.AddLabeledCounter("firebreak_y_total", "Y.", "code");
    EXPECT_EQ(a, metrics.AddLabeledCounter("firebreak_y_total", "Y.", "code"));
    // One HELP/TYPE block each.
    std::string text = metrics.Render();
    EXPECT_EQ(text,
              "# HELP firebreak_x_total X.\n"
              "# TYPE firebreak_x_total counter\n"
              "firebreak_x_total 0\n"
              "# HELP firebreak_y_total Y.\n"
              "# TYPE firebreak_y_total counter\n");
}

TEST(MetricsTest, ConcurrentUpdatesAreNotLost) {
    Metrics metrics;
    Counter* counter = metrics.AddCounter("firebreak_c_total", "C.");
    LabeledCounter* labeled = metrics.AddLabeledCounter("firebreak_l_total", "L.", "rule");
    Histogram* histogram = metrics.AddHistogram("firebreak_h_seconds", "H.", {0.5, 1});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10000; ++i) {
                counter->Inc();
                labeled->Inc(i % 2 == 0 ? "even" : "odd");
                histogram->Observe(t % 2 == 0 ? 0.25 : 0.75);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(counter->value(), 40000u);
    EXPECT_EQ(labeled->value("even"), 20000u);
    EXPECT_EQ(labeled->value("odd"), 20000u);
    EXPECT_EQ(histogram->count(), 40000u);
    EXPECT_DOUBLE_EQ(histogram->sum(), 20000 * 0.25 + 20000 * 0.75);
    std::vector<uint64_t> buckets = histogram->BucketCounts();
    ASSERT_EQ(buckets.size(), 3u);
    EXPECT_EQ(buckets[0], 20000u);
    EXPECT_EQ(buckets[1], 20000u);
    EXPECT_EQ(buckets[2], 0u);
}

TEST(MetricsTest, FormatsValuesAndValidatesNames) {
    EXPECT_EQ(FormatMetricValue(0), "0");
    EXPECT_EQ(FormatMetricValue(-3), "-3");
    EXPECT_EQ(FormatMetricValue(0.001), "0.001");
    EXPECT_EQ(FormatMetricValue(1e20), "1e+20");
    EXPECT_EQ(FormatMetricValue(std::nan("")), "NaN");
    EXPECT_EQ(FormatMetricValue(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    EXPECT_TRUE(IsValidMetricName("firebreak:events_total"));
    EXPECT_FALSE(IsValidMetricName("9lives"));
    EXPECT_FALSE(IsValidMetricName("has-dash"));
    EXPECT_FALSE(IsValidMetricName(""));
    EXPECT_TRUE(IsValidLabelName("rule"));
    EXPECT_FALSE(IsValidLabelName("le"));
    EXPECT_FALSE(IsValidLabelName("__name"));
    EXPECT_FALSE(IsValidLabelName("a:b"));
}

}  // namespace
}  // namespace firebreak::server
