// File: ir.h
//
// The rule intermediate representation every front end compiles to (EventBridge patterns today,
// Sigma next) and every back end consumes (the compiled matcher and the reference interpreter).
//
//   Expr  := And(Expr...) | Or(Expr...) | Not(Expr) | Field(FieldTest) | ConsistentAnd(Field...)
//   FieldTest := a dotted path and a list of value matchers, any of which may match
//
// ConsistentAnd is EventBridge's conjunction: all its field tests must match, and the values they
// match must not come from different elements of the same array (see extracted_event.h). And is
// plain boolean conjunction (Sigma's), without that constraint.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "firebreak/core/diagnostics.h"
#include "firebreak/core/ip.h"
#include "firebreak/core/text.h"

namespace re2 {
class RE2;
class FilteredRE2;
}  // namespace re2

namespace firebreak::rules {

enum class MatcherKind : uint8_t {
    kExactString,  // byte-exact; IP-looking patterns compare as addresses (see `ip`)
    kExactNumber,  // numeric equality (both exactly representable) or equal literal text
    kTrue,
    kFalse,
    kNull,
    kPrefix,
    kSuffix,
    kEqualsIgnoreCase,
    kPrefixIgnoreCase,
    kSuffixIgnoreCase,
    kWildcard,
    kNumeric,  // range over exactly representable numbers
    kCidr,
    kExists,       // the field has at least one leaf value (null counts)
    kNotExists,    // the field has no leaf value (absent, object-valued, or [])
    kAnythingBut,  // the field has a value not excluded by `but` (type-aware)
    kContains,     // substring (Sigma)
    kContainsIgnoreCase,
    kRegex,     // RE2 syntax, unanchored search (Sigma's `re`)
    kGlob,      // `*` and `?` glob, case-insensitive or not (Sigma wildcards)
    kFieldRef,  // equals some value of another field of the same event (Sigma's `fieldref`)
};

enum class AnythingButKind : uint8_t {
    kStrings,
    kNumbers,
    kPrefix,
    kSuffix,
    kEqualsIgnoreCase,
    kWildcard,
};

enum class FieldRefMode : uint8_t { kEquals, kContains, kPrefix, kSuffix };

struct NumericRange {
    bool has_lower = false;
    bool lower_inclusive = false;
    double lower = 0;
    bool has_upper = false;
    bool upper_inclusive = false;
    double upper = 0;

    bool Contains(double v) const {
        if (has_lower && (lower_inclusive ? v < lower : v <= lower)) {
            return false;
        }
        if (has_upper && (upper_inclusive ? v > upper : v >= upper)) {
            return false;
        }
        return true;
    }
};

struct ValueMatcher {
    MatcherKind kind = MatcherKind::kExactString;
    AnythingButKind but_kind = AnythingButKind::kStrings;  // kAnythingBut only
    std::vector<std::string> strings;         // literals (exact, prefix, suffix, anything-but ...)
    std::vector<ParsedNumber> numbers;        // kExactNumber, anything-but numbers
    std::optional<IpAddress> ip;              // kExactString whose literal is an IP address
    CidrBlock cidr;                           // kCidr
    NumericRange range;                       // kNumeric
    std::vector<WildcardPattern> wildcards;   // kWildcard, anything-but wildcard
    std::vector<CaseInsensitiveText> folded;  // ignore-case kinds
    std::shared_ptr<const re2::RE2> regex;    // kRegex (RE2 objects are thread-safe to share)
    // kRegex, case-sensitive patterns with literal parts: RE2's prefilter. The regex runs only
    // when the (lowercased) text holds the atoms its formula needs.
    std::shared_ptr<const re2::FilteredRE2> prefilter;
    std::vector<std::string> atoms;  // the prefilter's atoms, lowercase
    // kContainsIgnoreCase with an ASCII pattern: the pattern lowered, searched in lowered text.
    std::string ascii_lower;
    GlobPattern glob;       // kGlob
    std::string canonical;  // stable text form, e.g. {"prefix":"ab"}
    // Sigma compares text: with scalar_text, a JSON number is matched by its literal text and a
    // boolean as "true"/"false", as if they were strings (`enable: 'false'` matches false).
    bool scalar_text = false;
    // kFieldRef: the other field's path is strings[0] (read deep when this test is); the values
    // are compared case-sensitively as text (equal, or this one contains / starts with / ends
    // with the other's).
    FieldRefMode ref_mode = FieldRefMode::kEquals;
};

struct FieldTest {
    std::string path;
    // Deep (Sigma): the values at the path and, for an object there, all its leaves; the empty
    // path is the whole event (keywords). See FieldPlan::InternDeep.
    bool deep = false;
    std::vector<ValueMatcher> any_of;
    SourcePos pos;
    std::string canonical;  // "path":[matchers...]
};

enum class ExprKind : uint8_t { kAnd, kOr, kNot, kField, kConsistentAnd };

struct Expr {
    ExprKind kind = ExprKind::kAnd;
    std::vector<Expr> children;  // kAnd, kOr, kNot (one), kConsistentAnd (all kField)
    FieldTest field;             // kField

    // Canonical text, used for golden tests, dedup and lint ("never matches" checks).
    std::string ToCanonicalString() const;
};

// Builders.
Expr MakeField(FieldTest test);
Expr MakeNot(Expr child);
Expr MakeAnd(std::vector<Expr> children);
Expr MakeOr(std::vector<Expr> children);

// A compiled regular expression matcher; nullopt (with *error set) if RE2 rejects the pattern.
// `case_insensitive` and `multi_line`/`dot_all` mirror Sigma's `re` flags (i, m, s).
std::optional<ValueMatcher> MakeRegexMatcher(const std::string& pattern,
                                             bool case_insensitive,
                                             bool multi_line,
                                             bool dot_all,
                                             std::string* error);

// Every path an expression reads (for the field plan), with whether it is read deep; fieldref
// targets included.
struct PathUse {
    std::string path;
    bool deep = false;
};

void CollectPaths(const Expr& expr, std::vector<PathUse>* paths);

}  // namespace firebreak::rules
