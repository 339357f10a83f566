#include "firebreak/matcher/value_match.h"

#include <algorithm>

#include <re2/filtered_re2.h>
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

// Kinds that compare text, to which Sigma's scalar_text presents numbers and booleans as strings.
bool ComparesText(MatcherKind kind) {
    switch (kind) {
        case MatcherKind::kExactString:
        case MatcherKind::kPrefix:
        case MatcherKind::kSuffix:
        case MatcherKind::kEqualsIgnoreCase:
        case MatcherKind::kPrefixIgnoreCase:
        case MatcherKind::kSuffixIgnoreCase:
        case MatcherKind::kWildcard:
        case MatcherKind::kContains:
        case MatcherKind::kContainsIgnoreCase:
        case MatcherKind::kRegex:
        case MatcherKind::kGlob:
        case MatcherKind::kNumeric:
            return true;
        default:
            return false;
    }
}

}  // namespace

bool ValueMatches(const rules::ValueMatcher& m, ValueType type, std::string_view text) {
    if (type == ValueType::kRaw) {
        return m.kind == MatcherKind::kExists;  // an object is present; its leaves are separate
    }
    if (m.scalar_text && type != ValueType::kString && type != ValueType::kNull &&
        ComparesText(m.kind)) {
        if (type == ValueType::kTrue) {
            text = "true";
        } else if (type == ValueType::kFalse) {
            text = "false";
        }
        // A number keeps its literal text; kNumeric still compares it as a number.
        if (m.kind != MatcherKind::kNumeric) {
            type = ValueType::kString;
        }
    }
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
            if (type != ValueType::kNumber && !(m.scalar_text && type == ValueType::kString)) {
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
        case MatcherKind::kRegex: {
            if (type != ValueType::kString) {
                return false;
            }
            re2::StringPiece piece(text.data(), text.size());
            char buf[4096];
            std::string_view lowered;
            if (m.prefilter && AsciiLower(text, buf, sizeof(buf), &lowered)) {
                thread_local std::vector<int> found;  // reused: no allocation per value
                found.clear();
                for (size_t i = 0; i < m.atoms.size(); ++i) {
                    if (lowered.find(m.atoms[i]) != std::string_view::npos) {
                        found.push_back(static_cast<int>(i));
                    }
                }
                // No atom: the filter refuses (checked when the matcher was built).
                return !found.empty() && m.prefilter->FirstMatch(piece, found) >= 0;
            }
            return RE2::PartialMatch(piece, *m.regex);
        }
        case MatcherKind::kGlob:
            return type == ValueType::kString && m.glob.Matches(text);
        case MatcherKind::kFieldRef:
            return false;  // needs the other field: evaluated by the predicate, not per value
        case MatcherKind::kContainsIgnoreCase: {
            if (type != ValueType::kString) {
                return false;
            }
            char buf[4096];
            std::string_view lowered;
            if (!m.ascii_lower.empty() && AsciiLower(text, buf, sizeof(buf), &lowered)) {
                // Far cheaper than trying every start position; exact for an ASCII pattern.
                return lowered.find(m.ascii_lower) != std::string_view::npos;
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

namespace {

bool ScalarText(ValueType type, std::string_view* text) {
    switch (type) {
        case ValueType::kString:
        case ValueType::kNumber:
            return true;
        case ValueType::kTrue:
            *text = "true";
            return true;
        case ValueType::kFalse:
            *text = "false";
            return true;
        default:
            return false;
    }
}

}  // namespace

bool FieldRefMatches(rules::FieldRefMode mode,
                     ValueType type,
                     std::string_view value,
                     ValueType other_type,
                     std::string_view other) {
    if (!ScalarText(type, &value) || !ScalarText(other_type, &other)) {
        return false;
    }
    switch (mode) {
        case rules::FieldRefMode::kEquals:
            return value == other;
        case rules::FieldRefMode::kContains:
            return value.find(other) != std::string_view::npos;
        case rules::FieldRefMode::kPrefix:
            return StartsWith(value, other);
        case rules::FieldRefMode::kSuffix:
            return EndsWith(value, other);
    }
    return false;
}

}  // namespace firebreak::matcher
