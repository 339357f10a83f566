#include "firebreak/core/text.h"

#include <locale.h>
#include <wctype.h>

#include <charconv>
#include <cmath>
#include <cstring>

namespace firebreak {
namespace {

// glibc's built-in C.UTF-8 locale carries the full Unicode simple case tables; towlower_l with an
// explicit locale object is thread-safe and independent of the process locale.
locale_t Utf8Locale() {
    static locale_t locale = [] {
        locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
        if (l == static_cast<locale_t>(nullptr)) {
            l = newlocale(LC_CTYPE_MASK, "C", static_cast<locale_t>(nullptr));
        }
        return l;
    }();
    return locale;
}

// Normalises a decimal literal to (digits without leading/trailing zeros, exponent) so that two
// literals denote the same value iff their normal forms are equal. Zero is ("", 0).
bool NormalizeDecimal(std::string_view text, bool* negative, std::string* digits, long* exponent) {
    size_t i = 0;
    *negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
        *negative = text[i] == '-';
        ++i;
    }
    digits->clear();
    long exp = 0;
    bool seen_digit = false;
    bool after_point = false;
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (c >= '0' && c <= '9') {
            seen_digit = true;
            if (digits->empty() && c == '0') {
                if (after_point) {
                    --exp;
                }
                continue;
            }
            digits->push_back(c);
            if (after_point) {
                --exp;
            }
        } else if (c == '.' && !after_point) {
            after_point = true;
        } else {
            break;
        }
    }
    if (!seen_digit) {
        return false;
    }
    if (i < text.size()) {
        if (text[i] != 'e' && text[i] != 'E') {
            return false;
        }
        ++i;
        bool eneg = false;
        if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
            eneg = text[i] == '-';
            ++i;
        }
        long e = 0;
        bool any = false;
        for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
            any = true;
            if (e < 100000) {
                e = e * 10 + (text[i] - '0');
            }
        }
        if (!any || i != text.size()) {
            return false;
        }
        exp += eneg ? -e : e;
    }
    while (!digits->empty() && digits->back() == '0') {
        digits->pop_back();
        ++exp;
    }
    if (digits->empty()) {
        exp = 0;
        *negative = false;
    }
    *exponent = exp;
    return true;
}

}  // namespace

char32_t NextCodePoint(std::string_view text, size_t* pos) {
    auto b0 = static_cast<unsigned char>(text[*pos]);
    if (b0 < 0x80) {
        ++*pos;
        return b0;
    }
    int len = 0;
    char32_t cp = 0;
    if ((b0 & 0xe0) == 0xc0) {
        len = 2;
        cp = b0 & 0x1f;
    } else if ((b0 & 0xf0) == 0xe0) {
        len = 3;
        cp = b0 & 0x0f;
    } else if ((b0 & 0xf8) == 0xf0) {
        len = 4;
        cp = b0 & 0x07;
    } else {
        ++*pos;
        return 0xDC00 | b0;  // lone byte: map into the surrogate range, never a real character
    }
    if (*pos + len > text.size()) {
        ++*pos;
        return 0xDC00 | b0;
    }
    for (int k = 1; k < len; ++k) {
        auto b = static_cast<unsigned char>(text[*pos + k]);
        if ((b & 0xc0) != 0x80) {
            ++*pos;
            return 0xDC00 | b0;
        }
        cp = cp << 6 | (b & 0x3f);
    }
    *pos += len;
    return cp;
}

char32_t ToLowerCodePoint(char32_t c) {
    if (c < 0x80) {
        return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    }
    return static_cast<char32_t>(towlower_l(static_cast<wint_t>(c), Utf8Locale()));
}

char32_t ToUpperCodePoint(char32_t c) {
    if (c < 0x80) {
        return (c >= 'a' && c <= 'z') ? c - 32 : c;
    }
    return static_cast<char32_t>(towupper_l(static_cast<wint_t>(c), Utf8Locale()));
}

CaseInsensitiveText::CaseInsensitiveText(std::string_view pattern) : pattern_(pattern) {
    size_t pos = 0;
    while (pos < pattern.size()) {
        char32_t c = NextCodePoint(pattern, &pos);
        if (c >= 0x80) {
            ascii_ = false;
        }
        lower_.push_back(ToLowerCodePoint(c));
        upper_.push_back(ToUpperCodePoint(c));
    }
}

bool CaseInsensitiveText::MatchAt(std::string_view text, size_t* pos) const {
    for (size_t k = 0; k < lower_.size(); ++k) {
        if (*pos >= text.size()) {
            return false;
        }
        char32_t c = NextCodePoint(text, pos);
        if (c != lower_[k] && c != upper_[k]) {
            return false;
        }
    }
    return true;
}

bool CaseInsensitiveText::Equals(std::string_view text) const {
    if (ascii_ && text.size() != lower_.size()) {
        return false;
    }
    size_t pos = 0;
    return MatchAt(text, &pos) && pos == text.size();
}

bool CaseInsensitiveText::IsPrefixOf(std::string_view text) const {
    size_t pos = 0;
    return MatchAt(text, &pos);
}

bool CaseInsensitiveText::IsSuffixOf(std::string_view text) const {
    if (ascii_) {
        if (text.size() < lower_.size()) {
            return false;
        }
        size_t pos = text.size() - lower_.size();
        return MatchAt(text, &pos) && pos == text.size();
    }
    // Walk back over as many code points as the pattern has, then compare forwards.
    size_t start = text.size();
    for (size_t k = 0; k < lower_.size(); ++k) {
        if (start == 0) {
            return false;
        }
        --start;
        while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xc0) == 0x80) {
            --start;
        }
    }
    size_t pos = start;
    return MatchAt(text, &pos) && pos == text.size();
}

bool ParseJsonNumber(std::string_view literal, ParsedNumber* out) {
    bool negative = false;
    std::string digits;
    long exponent = 0;
    if (!NormalizeDecimal(literal, &negative, &digits, &exponent)) {
        return false;
    }
    const char* begin = literal.data();
    const char* end = literal.data() + literal.size();
    if (begin != end && *begin == '+') {
        ++begin;
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ptr != end && ec == std::errc()) {
        return false;
    }
    if (ec == std::errc::result_out_of_range) {
        // Underflow to zero or overflow to infinity: not exactly representable.
        out->value = value;
        out->exact = false;
        return true;
    }
    if (ec != std::errc()) {
        return false;
    }
    out->value = value;
    if (!std::isfinite(value)) {
        out->exact = false;
        return true;
    }
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof(buf), value);
    bool neg2 = false;
    std::string digits2;
    long exp2 = 0;
    NormalizeDecimal(std::string_view(buf, res.ptr - buf), &neg2, &digits2, &exp2);
    out->exact = negative == neg2 && digits == digits2 && exponent == exp2;
    return true;
}

void AppendJsonString(std::string_view text, std::string* out) {
    static const char kHex[] = "0123456789abcdef";
    out->reserve(out->size() + text.size() + 2);
    out->push_back('"');
    size_t run = 0;  // start of the current stretch that needs no escaping
    for (size_t i = 0; i < text.size(); ++i) {
        // Skip 8 bytes at a time while none is a control character, '"' or '\\' (SWAR:
        // a byte is zero in x - 0x01.. & ~x & 0x80.. exactly when it was zero in x).
        while (i + 8 <= text.size()) {
            uint64_t w = 0;
            std::memcpy(&w, text.data() + i, 8);
            constexpr uint64_t kOnes = 0x0101010101010101ull;
            constexpr uint64_t kHigh = 0x8080808080808080ull;
            uint64_t quote = w ^ (kOnes * '"');
            uint64_t slash = w ^ (kOnes * '\\');
            uint64_t special = ((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) |
                               ((slash - kOnes) & ~slash);
            if ((special & kHigh) != 0) {
                break;
            }
            i += 8;
        }
        if (i >= text.size()) {
            break;
        }
        auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        out->append(text.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"':
                out->append("\\\"");
                break;
            case '\\':
                out->append("\\\\");
                break;
            case '\n':
                out->append("\\n");
                break;
            case '\r':
                out->append("\\r");
                break;
            case '\t':
                out->append("\\t");
                break;
            case '\b':
                out->append("\\b");
                break;
            case '\f':
                out->append("\\f");
                break;
            default: {
                const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
                out->append(esc, 6);
            }
        }
    }
    out->append(text.data() + run, text.size() - run);
    out->push_back('"');
}

std::string JsonQuote(std::string_view text) {
    std::string out;
    AppendJsonString(text, &out);
    return out;
}

bool WildcardPattern::Matches(std::string_view text) const {
    if (segments.size() == 1) {
        return text == segments[0];
    }
    const std::string& first = segments.front();
    const std::string& last = segments.back();
    if (text.size() < first.size() + last.size()) {
        return false;
    }
    if (text.compare(0, first.size(), first) != 0) {
        return false;
    }
    if (text.compare(text.size() - last.size(), last.size(), last) != 0) {
        return false;
    }
    // Greedy leftmost placement of the middle segments is optimal for `*`-only globs.
    size_t pos = first.size();
    size_t limit = text.size() - last.size();
    for (size_t k = 1; k + 1 < segments.size(); ++k) {
        const std::string& seg = segments[k];
        if (seg.empty()) {
            continue;
        }
        size_t found = text.substr(0, limit).find(seg, pos);
        if (found == std::string_view::npos) {
            return false;
        }
        pos = found + seg.size();
    }
    return pos <= limit;
}

GlobPattern::GlobPattern(const std::vector<Token>& tokens, bool case_insensitive) {
    for (const Token& t : tokens) {
        if (t.kind != TokenKind::kLiteral) {
            // Consecutive stars are one star.
            if (t.kind == TokenKind::kAnyRun && !atoms_.empty() &&
                atoms_.back().kind == TokenKind::kAnyRun) {
                continue;
            }
            atoms_.push_back({0, 0, t.kind});
            continue;
        }
        size_t pos = 0;
        while (pos < t.text.size()) {
            char32_t c = NextCodePoint(t.text, &pos);
            if (case_insensitive) {
                atoms_.push_back({ToLowerCodePoint(c), ToUpperCodePoint(c), TokenKind::kLiteral});
            } else {
                atoms_.push_back({c, c, TokenKind::kLiteral});
            }
        }
    }
}

bool GlobPattern::Matches(std::string_view text) const {
    // Iterative glob with one backtrack point (the last star): when a later literal fails, the
    // last star absorbs one more code point. Linear in practice, O(n*m) worst case.
    size_t p = 0;
    size_t t = 0;
    size_t star_p = std::string::npos;
    size_t star_t = 0;
    const size_t n = atoms_.size();
    while (t < text.size()) {
        if (p < n && atoms_[p].kind == TokenKind::kAnyRun) {
            star_p = p++;
            star_t = t;
            continue;
        }
        if (p < n) {
            size_t next = t;
            char32_t c = NextCodePoint(text, &next);
            const Atom& a = atoms_[p];
            if (a.kind == TokenKind::kAnyOne || c == a.lower || c == a.upper) {
                ++p;
                t = next;
                continue;
            }
        }
        if (star_p == std::string::npos) {
            return false;
        }
        p = star_p + 1;
        NextCodePoint(text, &star_t);
        t = star_t;
    }
    while (p < n && atoms_[p].kind == TokenKind::kAnyRun) {
        ++p;
    }
    return p == n;
}

bool IsAscii(std::string_view text) {
    for (char c : text) {
        if ((static_cast<unsigned char>(c) & 0x80) != 0) {
            return false;
        }
    }
    return true;
}

bool AsciiLower(std::string_view text, char* buf, size_t cap, std::string_view* out) {
    if (text.size() > cap) {
        return false;
    }
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        buf[i] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    *out = std::string_view(buf, text.size());
    return true;
}

std::string AsciiLower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return out;
}

bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
        char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] + 32) : b[i];
        if (x != y)
            return false;
    }
    return true;
}

}  // namespace firebreak
