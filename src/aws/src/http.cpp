#include "firebreak/aws/http.h"

#include <charconv>

#include "firebreak/core/text.h"

namespace firebreak::aws {
namespace {

bool IsUnreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

int HexDigit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

}  // namespace

const std::string* FindHeader(const Headers& headers, std::string_view name) {
    for (const auto& [key, value] : headers) {
        if (EqualsIgnoreAsciiCase(key, name))
            return &value;
    }
    return nullptr;
}

void RemoveHeader(Headers* headers, std::string_view name) {
    std::erase_if(*headers,
                  [&](const auto& header) { return EqualsIgnoreAsciiCase(header.first, name); });
}

void SetHeader(Headers* headers, std::string_view name, std::string value) {
    RemoveHeader(headers, name);
    headers->emplace_back(std::string(name), std::move(value));
}

std::string UriEncode(std::string_view text, bool keep_slash) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (IsUnreserved(c) || (keep_slash && c == '/')) {
            out.push_back(c);
        } else {
            auto b = static_cast<unsigned char>(c);
            out.push_back('%');
            out.push_back(kHex[b >> 4]);
            out.push_back(kHex[b & 0xf]);
        }
    }
    return out;
}

std::string UriDecode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            int hi = HexDigit(text[i + 1]);
            int lo = HexDigit(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>((hi << 4) | lo));
                i += 2;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

std::string Endpoint::HostHeader() const {
    bool default_port =
            port == 0 || (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
    return default_port ? host : host + ":" + std::to_string(port);
}

std::string Endpoint::Origin() const {
    std::string out = scheme + "://";
    bool ipv6 = host.find(':') != std::string::npos;
    out += ipv6 ? "[" + host + "]" : host;
    if (port != 0)
        out += ":" + std::to_string(port);
    return out;
}

Result<Endpoint> ParseEndpointUrl(std::string_view url) {
    Endpoint out;
    size_t sep = url.find("://");
    if (sep == std::string_view::npos) {
        return InvalidArgument("endpoint URL '" + std::string(url) +
                               "' has no scheme (expected http:// or https://)");
    }
    out.scheme = AsciiLower(url.substr(0, sep));
    if (out.scheme != "http" && out.scheme != "https") {
        return InvalidArgument("endpoint URL '" + std::string(url) + "' has scheme '" + out.scheme +
                               "' (expected http or https)");
    }
    std::string_view rest = url.substr(sep + 3);
    size_t path_start = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, path_start);
    std::string_view path = path_start == std::string_view::npos ? "" : rest.substr(path_start);
    if (authority.find('@') != std::string_view::npos) {
        return InvalidArgument("endpoint URL must not carry user information");
    }
    std::string_view port_text;
    if (!authority.empty() && authority[0] == '[') {
        size_t close = authority.find(']');
        if (close == std::string_view::npos)
            return InvalidArgument("endpoint URL has an unclosed '[' in its host");
        out.host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':')
                return InvalidArgument("endpoint URL has text after its IPv6 host");
            port_text = after.substr(1);
        }
    } else {
        size_t colon = authority.rfind(':');
        out.host = authority.substr(0, colon);
        if (colon != std::string_view::npos)
            port_text = authority.substr(colon + 1);
    }
    if (out.host.empty())
        return InvalidArgument("endpoint URL '" + std::string(url) + "' has no host");
    if (!port_text.empty()) {
        int port = 0;
        auto [ptr, ec] =
                std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port <= 0 ||
            port > 65535) {
            return InvalidArgument("endpoint URL '" + std::string(url) + "' has an invalid port");
        }
        out.port = port;
    }
    if (!path.empty() && path[0] != '/') {
        return InvalidArgument("endpoint URL must not carry a query or fragment");
    }
    if (path.find_first_of("?#") != std::string_view::npos) {
        return InvalidArgument("endpoint URL must not carry a query or fragment");
    }
    while (!path.empty() && path.back() == '/')
        path.remove_suffix(1);
    out.base_path = path;
    return out;
}

}  // namespace firebreak::aws
