#include "firebreak/matcher/value_match.h"

#include <algorithm>

#include <re2/re2.h>

namespace firebreak::matcher {
namespace {

using event::ValueType;
using rules::AnythingButKind;
using rules::MatcherKind;

bool NumbersEqual(const ParsedNumber& pattern,
                  std::string_view pattern_text,
                  std::string_view text) {
    if (pattern_text == text) {
        return true;
    }
    ParsedNumber n;
    if (!pattern.exact || !ParseJsonNumber(text, &n) || !n.exact) {
        return false;
    }
    return n.value == pattern.value;
}

bool StartsWith(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

bool EndsWith(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

bool Excluded(const rules::ValueMatcher& m, ValueType type, std::string_view text) {
    switch (m.but_kind) {
        case AnythingButKind::kStrings:
            return type == ValueType::kString &&
                   std::find(m.strings.begin(), m.strings.end(), text) != m.strings.end();
        case AnythingButKind::kNumbers:
            if (type != ValueType::kNumber) {
                return false;
            }
            for (size_t i = 0; i < m.numbers.size(); ++i) {
                if (NumbersEqual(m.numbers[i], m.strings[i], text)) {
                    return true;
                }
            }
            return false;
        case AnythingButKind::kPrefix:
            return type == ValueType::kString &&
                   std::any_of(m.strings.begin(), m.strings.end(), [&](const std::string& p) {
                       return StartsWith(text, p);
                   });
        case AnythingButKind::kSuffix:
            return type == ValueType::kString &&
                   std::any_of(m.strings.begin(), m.strings.end(), [&](const std::string& p) {
                       return EndsWith(text, p);
                   });
        case AnythingButKind::kEqualsIgnoreCase:
            return type == ValueType::kString &&
                   std::any_of(m.folded.begin(), m.folded.end(), [&](const CaseInsensitiveText& f) {
                       return f.Equals(text);
                   });
        case AnythingButKind::kWildcard:
            return type == ValueType::kString &&
                   std::any_of(m.wildcards.begin(),
                               m.wildcards.end(),
                               [&](const WildcardPattern& w) { return w.Matches(text); });
    }
    return false;
}

}  // namespace

bool ValueMatches(const rules::ValueMatcher& m, ValueType type, std::string_view text) {
    switch (m.kind) {
        case MatcherKind::kExactString:
            if (type != ValueType::kString) {
                return false;
            }
            if (m.ip) {
                auto ip = ParseIp(text);
                return ip && *ip == *m.ip;
            }
            return text == m.strings[0];
        case MatcherKind::kExactNumber:
            return type == ValueType::kNumber && NumbersEqual(m.numbers[0], m.strings[0], text);
        case MatcherKind::kTrue:
            return type == ValueType::kTrue;
        case MatcherKind::kFalse:
            return type == ValueType::kFalse;
        case MatcherKind::kNull:
            return type == ValueType::kNull;
        case MatcherKind::kPrefix:
            return type == ValueType::kString && StartsWith(text, m.strings[0]);
        case MatcherKind::kSuffix:
            return type == ValueType::kString && EndsWith(text, m.strings[0]);
        case MatcherKind::kEqualsIgnoreCase:
            return type == ValueType::kString && m.folded[0].Equals(text);
        case MatcherKind::kPrefixIgnoreCase:
            return type == ValueType::kString && m.folded[0].IsPrefixOf(text);
        case MatcherKind::kSuffixIgnoreCase:
            return type == ValueType::kString && m.folded[0].IsSuffixOf(text);
        case MatcherKind::kWildcard:
            return type == ValueType::kString && m.wildcards[0].Matches(text);
        case MatcherKind::kNumeric: {
            if (type != ValueType::kNumber) {
                return false;
            }
            ParsedNumber n;
            return ParseJsonNumber(text, &n) && n.exact && m.range.Contains(n.value);
        }
        case MatcherKind::kCidr: {
            if (type != ValueType::kString) {
                return false;
            }
            auto ip = ParseIp(text);
            return ip && m.cidr.Contains(*ip);
        }
        case MatcherKind::kExists:
            return true;
        case MatcherKind::kNotExists:
            return false;
        case MatcherKind::kAnythingBut:
            return !Excluded(m, type, text);
        case MatcherKind::kContains:
            return type == ValueType::kString && text.find(m.strings[0]) != std::string_view::npos;
        case MatcherKind::kRegex:
            return type == ValueType::kString &&
                   RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *m.regex);
        case MatcherKind::kContainsIgnoreCase: {
            if (type != ValueType::kString) {
                return false;
            }
            for (size_t start = 0; start <= text.size(); ++start) {
                if (m.folded[0].IsPrefixOf(text.substr(start))) {
                    return true;
                }
            }
            return false;
        }
    }
    return false;
}

}  // namespace firebreak::matcher
