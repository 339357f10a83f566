#include "firebreak/pipeline/hunt.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace firebreak::pipeline {
namespace {

// Files a worker may run ahead of the oldest file whose findings are not yet emitted.
constexpr size_t kReorderWindow = 256;

struct WorkerOutput {
    std::vector<std::pair<uint64_t, std::string>> problems;  // (file order, text)
    HuntStats stats;
    std::vector<uint64_t> rule_counts;  // count_only
};

std::string DescribeIssue(const std::string& file, const event::ReadIssue& issue) {
    std::string out = file;
    if (issue.byte_offset >= 0) {
        out += ": byte " + std::to_string(issue.byte_offset);
    }
    if (issue.record_index >= 0) {
        out += (issue.byte_offset >= 0 ? ", record " : ": record ") +
               std::to_string(issue.record_index);
    }
    out += ": " + issue.message;
    return out;
}

}  // namespace

HuntResult RunHunt(const matcher::CompiledRuleset& ruleset,
                   const std::vector<std::string>& paths,
                   const HuntOptions& options,
                   HuntProgress* progress,
                   const FindingSink& sink) {
    auto start = std::chrono::steady_clock::now();
    HuntResult result;
    event::ArchiveListing listing = event::ListArchive(paths, options.filter);
    result.problems = listing.problems;
    result.stats.files_total = listing.files.size();
    result.stats.files_skipped_by_filter = listing.skipped_by_filter;
    result.stats.digest_files_skipped = listing.skipped_digests;
    if (progress != nullptr) {
        progress->files_total = listing.files.size();
        progress->bytes_total = listing.total_bytes;
    }
    unsigned threads = options.threads != 0 ? options.threads : std::thread::hardware_concurrency();
    threads = std::max(1u, std::min<unsigned>(threads, std::max<size_t>(1, listing.files.size())));

    const matcher::SystemFields& sf = ruleset.system_fields();
    const event::ArchiveFilter& filter = options.filter;
    bool event_filter = !filter.empty();
    std::atomic<size_t> next{0};
    std::vector<WorkerOutput> outputs(threads);

    // Reorder buffer: findings of finished files wait here until every earlier file is emitted.
    std::mutex emit_mutex;
    std::condition_variable emit_cv;
    size_t next_emit = 0;
    std::map<size_t, std::vector<findings::Finding>> ready;
    auto emit = [&](size_t index, std::vector<findings::Finding>&& file_findings) {
        std::unique_lock<std::mutex> lock(emit_mutex);
        ready.emplace(index, std::move(file_findings));
        bool advanced = false;
        while (!ready.empty() && ready.begin()->first == next_emit) {
            auto node = ready.extract(ready.begin());
            if (sink) {
                sink(std::move(node.mapped()));
            } else {
                for (auto& f : node.mapped()) {
                    result.findings.push_back(std::move(f));
                }
            }
            ++next_emit;
            advanced = true;
        }
        if (advanced) {
            emit_cv.notify_all();
        }
    };

    auto worker = [&](unsigned w) {
        WorkerOutput& out = outputs[w];
        if (options.count_only) {
            out.rule_counts.assign(ruleset.rule_count(), 0);
        }
        event::EventReader reader(ruleset.plan(), options.reader);
        matcher::MatchScratch scratch(ruleset);
        std::vector<uint32_t> matched;
        std::vector<event::ReadIssue> issues;
        while (true) {
            size_t index = next.fetch_add(1);
            if (index >= listing.files.size()) {
                break;
            }
            {
                std::unique_lock<std::mutex> lock(emit_mutex);
                emit_cv.wait(lock, [&] { return index < next_emit + kReorderWindow; });
            }
            const std::string& path = listing.files[index].path;
            std::vector<findings::Finding> file_findings;
            uint64_t not_events_here = 0;
            uint64_t filtered_here = 0;
            uint64_t findings_here = 0;
            issues.clear();
            auto on_event = [&](const event::ExtractedEvent& ev, uint64_t record) {
                if (ev.shape == event::EventShape::kOther) {
                    ++not_events_here;
                    return;
                }
                if (event_filter) {
                    if (filter.since || filter.until) {
                        std::string_view t = ev.FirstString(sf.event_time);
                        if (t.empty()) {
                            t = ev.FirstString(sf.time);
                        }
                        auto when = event::ParseUtcTime(t);
                        if (!when || (filter.since && *when < *filter.since) ||
                            (filter.until && *when > *filter.until)) {
                            ++filtered_here;
                            return;
                        }
                    }
                    if (!filter.accounts.empty()) {
                        std::string_view a = ev.FirstString(sf.recipient_account);
                        if (a.empty()) {
                            a = ev.FirstString(sf.account);
                        }
                        if (std::find(filter.accounts.begin(), filter.accounts.end(), a) ==
                            filter.accounts.end()) {
                            ++filtered_here;
                            return;
                        }
                    }
                    if (!filter.regions.empty()) {
                        std::string_view r = ev.FirstString(sf.aws_region);
                        if (r.empty()) {
                            r = ev.FirstString(sf.region);
                        }
                        if (std::find(filter.regions.begin(), filter.regions.end(), r) ==
                            filter.regions.end()) {
                            ++filtered_here;
                            return;
                        }
                    }
                }
                matched.clear();
                ruleset.Match(ev, scratch, &matched);
                if (options.count_only) {
                    for (uint32_t rule : matched) {
                        ++out.rule_counts[rule];
                    }
                    findings_here += matched.size();
                    return;
                }
                for (uint32_t rule : matched) {
                    findings::Finding f = findings::BuildFinding(ruleset, rule, ev, path, record);
                    f.file_order = index;
                    file_findings.push_back(std::move(f));
                    ++findings_here;
                }
            };
            event::ReadStats rs = reader.ReadFile(path, on_event, &issues);
            out.stats.events += rs.events;
            out.stats.events_skipped += rs.events_skipped;
            out.stats.bytes_in += rs.bytes_in;
            out.stats.bytes_decoded += rs.bytes_decoded;
            out.stats.events_filtered += filtered_here;
            out.stats.not_events += not_events_here;
            out.stats.events_matched_against += rs.events - filtered_here - not_events_here;
            if (rs.input_unusable && rs.events == 0) {
                ++out.stats.files_unusable;
            } else if (rs.truncated) {
                ++out.stats.files_damaged;
            }
            if (not_events_here > 0) {
                issues.push_back({-1,
                                  -1,
                                  std::to_string(not_events_here) +
                                          " JSON object(s) are neither CloudTrail records nor "
                                          "EventBridge events; skipped"});
            }
            out.stats.issues_total += issues.size();
            for (size_t k = 0; k < issues.size() && k < options.max_issues_per_file; ++k) {
                out.problems.emplace_back(index, DescribeIssue(path, issues[k]));
            }
            if (issues.size() > options.max_issues_per_file) {
                out.problems.emplace_back(
                        index,
                        path + ": " + std::to_string(issues.size() - options.max_issues_per_file) +
                                " more issues not shown");
            }
            emit(index, std::move(file_findings));
            if (progress != nullptr) {
                progress->files_done.fetch_add(1, std::memory_order_relaxed);
                progress->bytes_done.fetch_add(listing.files[index].size,
                                               std::memory_order_relaxed);
                progress->events.fetch_add(rs.events, std::memory_order_relaxed);
                progress->findings.fetch_add(findings_here, std::memory_order_relaxed);
            }
        }
    };

    if (threads == 1) {
        worker(0);
    } else {
        std::vector<std::thread> pool;
        for (unsigned w = 0; w < threads; ++w) {
            pool.emplace_back(worker, w);
        }
        for (std::thread& t : pool) {
            t.join();
        }
    }

    std::vector<std::pair<uint64_t, std::string>> problems;
    if (options.count_only) {
        result.rule_counts.assign(ruleset.rule_count(), 0);
    }
    for (WorkerOutput& out : outputs) {
        for (size_t r = 0; r < out.rule_counts.size(); ++r) {
            result.rule_counts[r] += out.rule_counts[r];
        }
        HuntStats& s = result.stats;
        s.events += out.stats.events;
        s.events_skipped += out.stats.events_skipped;
        s.bytes_in += out.stats.bytes_in;
        s.bytes_decoded += out.stats.bytes_decoded;
        s.events_filtered += out.stats.events_filtered;
        s.events_matched_against += out.stats.events_matched_against;
        s.not_events += out.stats.not_events;
        s.files_unusable += out.stats.files_unusable;
        s.files_damaged += out.stats.files_damaged;
        s.issues_total += out.stats.issues_total;
        for (auto& p : out.problems) {
            problems.push_back(std::move(p));
        }
    }
    std::stable_sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) {
        return a.first < b.first;
    });
    for (auto& p : problems) {
        result.problems.push_back(std::move(p.second));
    }
    result.stats.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

}  // namespace firebreak::pipeline
