// File: time.h
//
// UTC wall-clock times as ISO-8601 text: the one parser and formatter the AWS client and the
// evidence vault share ("2024-01-01T00:00:00Z", whole seconds, as CloudTrail, S3 Object Lock and
// digest files write them). The sandbox and trail recorder still have their own copies (to fold).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace firebreak {

using TimePoint = std::chrono::system_clock::time_point;

// ISO-8601 / RFC 3339 text ("2024-01-01T00:00:00Z"; fractional seconds are kept to the millisecond;
// "+hh:mm"/"-hh:mm" offsets and a missing zone, read as UTC). nullopt on anything else.
std::optional<TimePoint> ParseIsoTime(std::string_view text);

// Epoch seconds as a time point, or nullopt when the clock cannot hold them (it counts nanoseconds
// in 64 bits: years 1678..2262). Every parser of untrusted times goes through this.
std::optional<TimePoint> TimeFromEpochSeconds(long long seconds);

// "2024-01-01T00:00:00Z" (truncated to the second).
std::string FormatIsoSeconds(TimePoint time);

// "2024-01-01T00:00:00.123Z" (truncated to the millisecond): journals and stores.
std::string FormatIsoMillis(TimePoint time);

// "20240101T000000Z", the compact form of S3 keys and digest file names.
std::string FormatCompactSeconds(TimePoint time);

}  // namespace firebreak
