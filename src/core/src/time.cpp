#include "firebreak/core/time.h"

#include <cstdio>
#include <ctime>
#include <string>

namespace firebreak {

std::optional<TimePoint> ParseIsoTime(std::string_view text) {
    std::tm tm{};
    int year = 0;
    int month = 0;
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    int consumed = 0;
    std::string copy(text);
    if (std::sscanf(copy.c_str(),
                    "%4d-%2d-%2dT%2d:%2d:%2d%n",
                    &year,
                    &month,
                    &day,
                    &hour,
                    &minute,
                    &second,
                    &consumed) != 6) {
        return std::nullopt;
    }
    std::string_view rest = text.substr(static_cast<size_t>(consumed));
    int millis = 0;
    if (!rest.empty() && rest[0] == '.') {
        size_t i = 1;
        int scale = 100;
        while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
            millis += (rest[i] - '0') * scale;  // kept to the millisecond
            scale /= 10;
            ++i;
        }
        rest.remove_prefix(i);
    }
    int offset_seconds = 0;
    if (rest == "Z" || rest.empty()) {
        offset_seconds = 0;
    } else if ((rest[0] == '+' || rest[0] == '-') && rest.size() == 6 && rest[3] == ':') {
        int oh = (rest[1] - '0') * 10 + (rest[2] - '0');
        int om = (rest[4] - '0') * 10 + (rest[5] - '0');
        offset_seconds = (oh * 3600 + om * 60) * (rest[0] == '+' ? 1 : -1);
    } else {
        return std::nullopt;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    std::optional<TimePoint> t =
            TimeFromEpochSeconds(static_cast<long long>(timegm(&tm)) - offset_seconds);
    if (!t.has_value()) {
        return t;
    }
    return *t + std::chrono::milliseconds(millis);
}

std::optional<TimePoint> TimeFromEpochSeconds(long long seconds) {
    constexpr long long kLimit =
            std::chrono::duration_cast<std::chrono::seconds>(TimePoint::duration::max()).count() -
            1;
    if (seconds > kLimit || seconds < -kLimit) {
        return std::nullopt;
    }
    return TimePoint(
            std::chrono::duration_cast<TimePoint::duration>(std::chrono::seconds(seconds)));
}

std::string FormatIsoSeconds(TimePoint time) {
    std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[24];
    std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

std::string FormatIsoMillis(TimePoint time) {
    std::string text = FormatIsoSeconds(time);
    auto ms = std::chrono::floor<std::chrono::milliseconds>(time.time_since_epoch()).count();
    int millis = static_cast<int>(((ms % 1000) + 1000) % 1000);
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03d", millis);
    if (!text.empty() && text.back() == 'Z') {
        text.insert(text.size() - 1, buf);
    }
    return text;
}

std::string FormatCompactSeconds(TimePoint time) {
    std::time_t t = std::chrono::system_clock::to_time_t(time);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[24];
    std::strftime(buffer, sizeof(buffer), "%Y%m%dT%H%M%SZ", &tm);
    return buffer;
}

}  // namespace firebreak
