// File: ip.h
//
// IPv4/IPv6 literals and CIDR blocks, parsed without allocation. Used by the `cidr` matcher and by
// EventBridge's rule that exact strings which look like IP addresses compare canonically
// ("10.0.0.01" equals "10.0.0.1", "2001:DB8::1" equals "2001:db8:0:0:0:0:0:1").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace firebreak {

struct IpAddress {
    bool v6 = false;
    std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4 bytes

    bool operator==(const IpAddress& other) const = default;
};

// Dotted-quad IPv4 (each part 1-3 decimal digits, <= 255) or RFC 4291 IPv6 text, with "::"
// compression and an optional trailing dotted IPv4. Hex is case-insensitive. No zone ids.
std::optional<IpAddress> ParseIp(std::string_view text);

struct CidrBlock {
    IpAddress base;  // host bits cleared
    int prefix_bits = 0;

    bool Contains(const IpAddress& ip) const;
};

// "a.b.c.d/n" or "v6/n". Host bits may be set (they are cleared). Returns nullopt on bad syntax.
std::optional<CidrBlock> ParseCidr(std::string_view text);

}  // namespace firebreak
