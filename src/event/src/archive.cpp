#include "firebreak/event/archive.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "firebreak/event/field_plan.h"

namespace firebreak::event {
namespace {

namespace fs = std::filesystem;

bool AllDigits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int ToInt(std::string_view s) {
    int v = 0;
    for (char c : s) {
        v = v * 10 + (c - '0');
    }
    return v;
}

// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ValidDate(int y, int m, int d) {
    return y >= 1970 && y < 10000 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

}  // namespace

std::optional<int64_t> ParseUtcTime(std::string_view t) {
    if (t.size() < 10 || t[4] != '-' || t[7] != '-' || !AllDigits(t.substr(0, 4)) ||
        !AllDigits(t.substr(5, 2)) || !AllDigits(t.substr(8, 2))) {
        return std::nullopt;
    }
    int y = ToInt(t.substr(0, 4));
    int mo = ToInt(t.substr(5, 2));
    int d = ToInt(t.substr(8, 2));
    if (!ValidDate(y, mo, d)) {
        return std::nullopt;
    }
    int64_t secs = DaysFromCivil(y, mo, d) * 86400;
    if (t.size() == 10) {
        return secs;
    }
    if (t[10] != 'T' && t[10] != ' ') {
        return std::nullopt;
    }
    std::string_view rest = t.substr(11);
    if (rest.size() < 5 || rest[2] != ':' || !AllDigits(rest.substr(0, 2)) ||
        !AllDigits(rest.substr(3, 2))) {
        return std::nullopt;
    }
    int h = ToInt(rest.substr(0, 2));
    int mi = ToInt(rest.substr(3, 2));
    int s = 0;
    rest.remove_prefix(5);
    if (!rest.empty() && rest[0] == ':') {
        if (rest.size() < 3 || !AllDigits(rest.substr(1, 2))) {
            return std::nullopt;
        }
        s = ToInt(rest.substr(1, 2));
        rest.remove_prefix(3);
        if (!rest.empty() && rest[0] == '.') {
            rest.remove_prefix(1);
            while (!rest.empty() && rest[0] >= '0' && rest[0] <= '9') {
                rest.remove_prefix(1);
            }
        }
    }
    if (!(rest.empty() || rest == "Z" || rest == "+00:00")) {
        return std::nullopt;
    }
    if (h > 23 || mi > 59 || s > 60) {
        return std::nullopt;
    }
    return secs + h * 3600 + mi * 60 + s;
}

std::string FormatUtcTime(int64_t epoch_seconds) {
    int64_t days = epoch_seconds >= 0 ? epoch_seconds / 86400 : (epoch_seconds - 86399) / 86400;
    int64_t rem = epoch_seconds - days * 86400;
    // civil_from_days
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = static_cast<int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    char buf[96];
    std::snprintf(buf,
                  sizeof(buf),
                  "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                  static_cast<long long>(y + (m <= 2)),
                  m,
                  d,
                  static_cast<long long>(rem / 3600),
                  static_cast<long long>(rem % 3600 / 60),
                  static_cast<long long>(rem % 60));
    return buf;
}

std::optional<S3Layout> ParseS3Layout(std::string_view path) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        size_t end = slash == std::string_view::npos ? path.size() : slash;
        if (end > start) {
            parts.push_back(path.substr(start, end - start));
        }
        if (slash == std::string_view::npos) {
            break;
        }
        start = slash + 1;
    }
    // Find ".../<account>/CloudTrail/<region>/YYYY/MM/DD/<file>"
    for (size_t i = 1; i + 6 <= parts.size(); ++i) {
        if (parts[i] != "CloudTrail") {
            continue;
        }
        std::string_view account = parts[i - 1];
        if (account.size() != 12 || !AllDigits(account)) {
            continue;
        }
        if (!AllDigits(parts[i + 2]) || parts[i + 2].size() != 4 || !AllDigits(parts[i + 3]) ||
            parts[i + 3].size() != 2 || !AllDigits(parts[i + 4]) || parts[i + 4].size() != 2) {
            continue;
        }
        int y = ToInt(parts[i + 2]);
        int m = ToInt(parts[i + 3]);
        int d = ToInt(parts[i + 4]);
        if (!ValidDate(y, m, d)) {
            continue;
        }
        S3Layout layout;
        layout.account = std::string(account);
        layout.region = std::string(parts[i + 1]);
        layout.day_start = DaysFromCivil(y, m, d) * 86400;
        // File name: <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<id>...
        std::string_view name = parts.back();
        size_t p = name.find("_CloudTrail_");
        if (p != std::string_view::npos) {
            size_t ts_start = name.find('_', p + 12 + layout.region.size());
            if (ts_start != std::string_view::npos && ts_start + 14 <= name.size()) {
                std::string_view ts = name.substr(ts_start + 1, 14);
                if (AllDigits(ts.substr(0, 8)) && ts[8] == 'T' && AllDigits(ts.substr(9, 4)) &&
                    ts[13] == 'Z') {
                    int fy = ToInt(ts.substr(0, 4));
                    int fm = ToInt(ts.substr(4, 2));
                    int fd = ToInt(ts.substr(6, 2));
                    if (ValidDate(fy, fm, fd)) {
                        layout.delivery_time = DaysFromCivil(fy, fm, fd) * 86400 +
                                               ToInt(ts.substr(9, 2)) * 3600 +
                                               ToInt(ts.substr(11, 2)) * 60;
                    }
                }
            }
        }
        return layout;
    }
    return std::nullopt;
}

bool ArchiveFilter::MayContain(const S3Layout& layout) const {
    if (!accounts.empty() &&
        std::find(accounts.begin(), accounts.end(), layout.account) == accounts.end()) {
        return false;
    }
    if (!regions.empty() &&
        std::find(regions.begin(), regions.end(), layout.region) == regions.end()) {
        return false;
    }
    constexpr int64_t kDay = 86400;
    int64_t latest_event =
            layout.delivery_time ? *layout.delivery_time + 60 : layout.day_start + kDay;
    if (since && latest_event < *since) {
        return false;
    }
    // Events can precede their file's folder day only by the delivery delay.
    if (until && layout.day_start - kDay > *until) {
        return false;
    }
    return true;
}

ArchiveListing ListArchive(const std::vector<std::string>& roots, const ArchiveFilter& filter) {
    ArchiveListing out;
    auto consider = [&](const fs::path& p, uint64_t size) {
        std::string s = p.generic_string();
        if (s.find("/CloudTrail-Digest/") != std::string::npos) {
            ++out.skipped_digests;
            return;
        }
        if (!filter.empty()) {
            auto layout = ParseS3Layout(s);
            if (layout && !filter.MayContain(*layout)) {
                ++out.skipped_by_filter;
                return;
            }
        }
        out.total_bytes += size;
        out.files.push_back({std::move(s), size});
    };
    for (const std::string& root : roots) {
        std::error_code ec;
        fs::file_status st = fs::status(root, ec);
        if (ec) {
            out.problems.push_back(root + ": " + ec.message());
            continue;
        }
        if (fs::is_regular_file(st)) {
            uint64_t size = fs::file_size(root, ec);
            consider(fs::path(root), ec ? 0 : size);
            continue;
        }
        if (!fs::is_directory(st)) {
            out.problems.push_back(root + ": not a regular file or directory");
            continue;
        }
        std::vector<ArchiveFile> found;
        fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
        if (ec) {
            out.problems.push_back(root + ": " + ec.message());
            continue;
        }
        for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (ec) {
                out.problems.push_back(it->path().generic_string() + ": " + ec.message());
                ec.clear();
                continue;
            }
            std::error_code fec;
            if (it->is_directory(fec)) {
                if (it->path().filename() == "CloudTrail-Digest") {
                    it.disable_recursion_pending();
                }
                continue;
            }
            if (!it->is_regular_file(fec)) {
                continue;
            }
            uint64_t size = it->file_size(fec);
            found.push_back({it->path().generic_string(), fec ? 0 : size});
        }
        if (ec) {
            out.problems.push_back(root + ": " + ec.message());
        }
        std::sort(found.begin(), found.end(), [](const ArchiveFile& a, const ArchiveFile& b) {
            return a.path < b.path;
        });
        for (ArchiveFile& f : found) {
            consider(fs::path(f.path), f.size);
        }
    }
    return out;
}

}  // namespace firebreak::event
