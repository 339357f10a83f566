// File: text.h
//
// String helpers shared by the matchers: UTF-8 decoding, EventBridge's case-insensitive comparison,
// JSON number literals with the "exactly representable" test, and JSON string escaping.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace firebreak {

// Decodes one UTF-8 code point at text[*pos] and advances *pos. Invalid bytes decode as themselves
// (one byte each), so comparison never fails on bad UTF-8; it just compares bytes.
char32_t NextCodePoint(std::string_view text, size_t* pos);

// ASCII helpers for case-insensitive lookups: an ASCII pattern can only equal (or occur in) text
// whose matching part is ASCII, so lowering the text's ASCII bytes and comparing is exact.
bool IsAscii(std::string_view text);

std::string AsciiLower(std::string_view text);

// Equal after lowering ASCII letters (HTTP header names, AWS enum values).
bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b);

// The same into buf (capacity `cap`), without allocating; false when it does not fit.
bool AsciiLower(std::string_view text, char* buf, size_t cap, std::string_view* out);

// Simple (1:1) Unicode case mappings, as Java's Character.toLowerCase/toUpperCase(ROOT) do.
char32_t ToLowerCodePoint(char32_t c);
char32_t ToUpperCodePoint(char32_t c);

// A pattern string prepared for EventBridge's equals-ignore-case: each pattern code point p accepts
// an event code point e when e is lower(p) or upper(p) (event-ruler expands every character of the
// pattern to those two; this is not full case folding: "STRASSE" does not equal "straße").
class CaseInsensitiveText {
public:
    CaseInsensitiveText() = default;

    explicit CaseInsensitiveText(std::string_view pattern);

    bool Equals(std::string_view text) const;

    bool IsPrefixOf(std::string_view text) const;

    bool IsSuffixOf(std::string_view text) const;

    const std::string& pattern() const { return pattern_; }

private:
    bool MatchAt(std::string_view text, size_t* pos) const;

    std::string pattern_;
    std::vector<char32_t> lower_;
    std::vector<char32_t> upper_;
    bool ascii_ = true;
};

// A JSON number literal parsed to double. `exact` is false when the literal's decimal value is not
// the double's shortest decimal form (e.g. 1.0000000000000001, 1e400): EventBridge refuses such
// numbers in numeric patterns and never numeric-matches them in events.
struct ParsedNumber {
    double value = 0;
    bool exact = false;
};

bool ParseJsonNumber(std::string_view literal, ParsedNumber* out);

// Appends text to out as a JSON string literal (with quotes).
void AppendJsonString(std::string_view text, std::string* out);

std::string JsonQuote(std::string_view text);

// Glob with `*` (zero or more characters) only, used by EventBridge `wildcard`. Segments are the
// literal parts between stars, already unescaped.
struct WildcardPattern {
    std::vector<std::string> segments;  // n stars => n + 1 segments (possibly empty)

    bool Matches(std::string_view text) const;
};

// Glob with `*` (any run of characters, possibly empty) and `?` (exactly one character, i.e. one
// UTF-8 code point), optionally case-insensitive with CaseInsensitiveText's per-code-point rule.
// Sigma's wildcard values compile to this when they are not a plain prefix, suffix or substring.
class GlobPattern {
public:
    enum class TokenKind : uint8_t { kLiteral, kAnyOne, kAnyRun };

    struct Token {
        TokenKind kind = TokenKind::kLiteral;
        std::string text;  // kLiteral only
    };

    GlobPattern() = default;

    GlobPattern(const std::vector<Token>& tokens, bool case_insensitive);

    bool Matches(std::string_view text) const;

private:
    struct Atom {
        char32_t lower = 0;
        char32_t upper = 0;
        TokenKind kind = TokenKind::kLiteral;
    };

    std::vector<Atom> atoms_;
};

}  // namespace firebreak
