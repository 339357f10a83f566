#include "firebreak/core/ip.h"

namespace firebreak {
namespace {

int HexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool ParseV4(std::string_view text, uint8_t* out) {
    int part = 0;
    size_t i = 0;
    while (part < 4) {
        int value = 0;
        int digits = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 4) {
            value = value * 10 + (text[i] - '0');
            ++digits;
            ++i;
        }
        if (digits == 0 || digits > 3 || value > 255) {
            return false;
        }
        out[part++] = static_cast<uint8_t>(value);
        if (part < 4) {
            if (i >= text.size() || text[i] != '.') {
                return false;
            }
            ++i;
        }
    }
    return i == text.size();
}

bool ParseV6(std::string_view text, uint8_t* out) {
    uint16_t groups[8] = {};
    int count = 0;
    int gap = -1;  // index where "::" occurred
    size_t i = 0;
    if (text.size() >= 2 && text[0] == ':' && text[1] == ':') {
        gap = 0;
        i = 2;
        if (i == text.size()) {
            for (int k = 0; k < 16; ++k) {
                out[k] = 0;
            }
            return true;
        }
    } else if (!text.empty() && text[0] == ':') {
        return false;
    }
    while (i < text.size()) {
        // Trailing dotted IPv4?
        size_t end = text.find(':', i);
        std::string_view token =
                text.substr(i, end == std::string_view::npos ? text.npos : end - i);
        if (end == std::string_view::npos && token.find('.') != std::string_view::npos) {
            uint8_t v4[4];
            if (count > 6 || !ParseV4(token, v4)) {
                return false;
            }
            groups[count++] = static_cast<uint16_t>(v4[0] << 8 | v4[1]);
            groups[count++] = static_cast<uint16_t>(v4[2] << 8 | v4[3]);
            i = text.size();
            break;
        }
        if (token.empty() || token.size() > 4 || count >= 8) {
            return false;
        }
        uint16_t value = 0;
        for (char c : token) {
            int h = HexValue(c);
            if (h < 0) {
                return false;
            }
            value = static_cast<uint16_t>(value << 4 | h);
        }
        groups[count++] = value;
        if (end == std::string_view::npos) {
            i = text.size();
            break;
        }
        i = end + 1;
        if (i < text.size() && text[i] == ':') {
            if (gap >= 0) {
                return false;  // two "::"
            }
            gap = count;
            ++i;
            if (i == text.size()) {
                break;
            }
        } else if (i == text.size()) {
            return false;  // trailing single ':'
        }
    }
    uint16_t full[8] = {};
    if (gap >= 0) {
        if (count > 7) {
            return false;
        }
        int tail = count - gap;
        for (int k = 0; k < gap; ++k) {
            full[k] = groups[k];
        }
        for (int k = 0; k < tail; ++k) {
            full[8 - tail + k] = groups[gap + k];
        }
    } else {
        if (count != 8) {
            return false;
        }
        for (int k = 0; k < 8; ++k) {
            full[k] = groups[k];
        }
    }
    for (int k = 0; k < 8; ++k) {
        out[2 * k] = static_cast<uint8_t>(full[k] >> 8);
        out[2 * k + 1] = static_cast<uint8_t>(full[k] & 0xff);
    }
    return true;
}

}  // namespace

std::optional<IpAddress> ParseIp(std::string_view text) {
    if (text.empty() || text.size() > 45) {
        return std::nullopt;
    }
    IpAddress ip;
    if (text.find(':') == std::string_view::npos) {
        if (!ParseV4(text, ip.bytes.data())) {
            return std::nullopt;
        }
        return ip;
    }
    ip.v6 = true;
    if (!ParseV6(text, ip.bytes.data())) {
        return std::nullopt;
    }
    return ip;
}

bool CidrBlock::Contains(const IpAddress& ip) const {
    if (ip.v6 != base.v6) {
        return false;
    }
    int full = prefix_bits / 8;
    for (int i = 0; i < full; ++i) {
        if (ip.bytes[i] != base.bytes[i]) {
            return false;
        }
    }
    int rest = prefix_bits % 8;
    if (rest != 0) {
        auto mask = static_cast<uint8_t>(0xff << (8 - rest));
        if ((ip.bytes[full] & mask) != base.bytes[full]) {
            return false;
        }
    }
    return true;
}

std::optional<CidrBlock> ParseCidr(std::string_view text) {
    size_t slash = text.find('/');
    if (slash == std::string_view::npos || slash + 1 >= text.size() || text.size() - slash > 4) {
        return std::nullopt;
    }
    auto ip = ParseIp(text.substr(0, slash));
    if (!ip) {
        return std::nullopt;
    }
    int bits = 0;
    for (char c : text.substr(slash + 1)) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        bits = bits * 10 + (c - '0');
    }
    int max_bits = ip->v6 ? 128 : 32;
    if (bits > max_bits) {
        return std::nullopt;
    }
    CidrBlock block;
    block.base = *ip;
    block.prefix_bits = bits;
    int byte_count = ip->v6 ? 16 : 4;
    for (int i = 0; i < byte_count; ++i) {
        int keep = bits - i * 8;
        if (keep <= 0) {
            block.base.bytes[i] = 0;
        } else if (keep < 8) {
            block.base.bytes[i] &= static_cast<uint8_t>(0xff << (8 - keep));
        }
    }
    return block;
}

}  // namespace firebreak
