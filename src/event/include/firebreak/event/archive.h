// File: archive.h
//
// Finding input files: paths are files or directories (walked recursively, in sorted order).
// Files in CloudTrail's S3 delivery layout
//   [.../]AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<id>.json.gz
// are filtered by account, region and time from their path alone, without being opened.
// Digest files (CloudTrail-Digest/) are not event files and are skipped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace firebreak::event {

struct S3Layout {
    std::string account;
    std::string region;
    int64_t day_start = 0;                 // epoch seconds of the folder's day (UTC)
    std::optional<int64_t> delivery_time;  // from the file name, epoch seconds
};

std::optional<S3Layout> ParseS3Layout(std::string_view path);

// "2026-11-02", "2026-11-02T10:15:00Z", "2026-11-02T10:15:00.123Z", "2026-11-02T10:15Z".
std::optional<int64_t> ParseUtcTime(std::string_view text);

std::string FormatUtcTime(int64_t epoch_seconds);

struct ArchiveFilter {
    std::optional<int64_t> since;  // inclusive, epoch seconds
    std::optional<int64_t> until;  // inclusive
    std::vector<std::string> accounts;
    std::vector<std::string> regions;

    bool empty() const { return !since && !until && accounts.empty() && regions.empty(); }

    // Conservative file-level decision from the layout: false only when no event in the file can
    // pass the filter. CloudTrail delivers a file after the events in it, usually within minutes;
    // one day of slack is allowed for late delivery.
    bool MayContain(const S3Layout& layout) const;
};

struct ArchiveFile {
    std::string path;
    uint64_t size = 0;
};

struct ArchiveListing {
    std::vector<ArchiveFile> files;
    uint64_t total_bytes = 0;
    uint64_t skipped_by_filter = 0;  // files never opened because the layout excluded them
    uint64_t skipped_digests = 0;
    std::vector<std::string> problems;  // unreadable paths, with the reason
};

ArchiveListing ListArchive(const std::vector<std::string>& roots, const ArchiveFilter& filter);

}  // namespace firebreak::event
