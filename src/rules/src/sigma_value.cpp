#include "sigma_value.h"

#include <algorithm>
#include <array>
#include <set>

#include <openssl/evp.h>

#include "firebreak/core/ip.h"

namespace firebreak::rules::sigma {
namespace {

using TokenKind = GlobPattern::TokenKind;

enum class Mod : uint8_t {
    kContains,
    kStartsWith,
    kEndsWith,
    kAll,
    kCased,
    kNeq,
    kExists,
    kRe,
    kReI,
    kReM,
    kReS,
    kCidr,
    kGt,
    kGte,
    kLt,
    kLte,
    kFieldRef,
    kExpand,
    kBase64,
    kBase64Offset,
    kWide,
    kUtf16Be,
    kUtf16,
    kWindash,
};

struct ModName {
    std::string_view name;
    Mod mod;
};

constexpr ModName kMods[] = {
        {"contains", Mod::kContains},
        {"startswith", Mod::kStartsWith},
        {"endswith", Mod::kEndsWith},
        {"all", Mod::kAll},
        {"cased", Mod::kCased},
        {"neq", Mod::kNeq},
        {"exists", Mod::kExists},
        {"re", Mod::kRe},
        {"i", Mod::kReI},
        {"ignorecase", Mod::kReI},
        {"m", Mod::kReM},
        {"multiline", Mod::kReM},
        {"s", Mod::kReS},
        {"dotall", Mod::kReS},
        {"cidr", Mod::kCidr},
        {"gt", Mod::kGt},
        {"gte", Mod::kGte},
        {"lt", Mod::kLt},
        {"lte", Mod::kLte},
        {"fieldref", Mod::kFieldRef},
        {"expand", Mod::kExpand},
        {"base64", Mod::kBase64},
        {"base64offset", Mod::kBase64Offset},
        {"wide", Mod::kWide},
        {"utf16le", Mod::kWide},
        {"utf16be", Mod::kUtf16Be},
        {"utf16", Mod::kUtf16},
        {"windash", Mod::kWindash},
};

// Modifiers of the specification that firebreak does not implement (yet): named in the error.
constexpr std::string_view kUnsupportedMods[] = {"minute", "hour", "day", "week", "month", "year"};

bool IsWordChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           (static_cast<unsigned char>(c) & 0x80) != 0;
}

void MergeLiterals(Glob* glob) {
    Glob out;
    for (GlobPattern::Token& t : *glob) {
        if (t.kind == TokenKind::kLiteral) {
            if (t.text.empty()) {
                continue;
            }
            if (!out.empty() && out.back().kind == TokenKind::kLiteral) {
                out.back().text += t.text;
                continue;
            }
        }
        out.push_back(std::move(t));
    }
    *glob = std::move(out);
}

Glob Literal(std::string text) {
    Glob g;
    if (!text.empty()) {
        g.push_back({TokenKind::kLiteral, std::move(text)});
    }
    return g;
}

// The text a Sigma value node compares as: strings as written, numbers by their literal,
// booleans as true/false.
std::optional<std::string> ScalarText(const Node& v) {
    switch (v.type) {
        case Node::Type::kString:
        case Node::Type::kNumber:
            return v.text;
        case Node::Type::kBool:
            return std::string(v.boolean ? "true" : "false");
        default:
            return std::nullopt;
    }
}

std::string Canonical(std::string_view kind, std::string_view text, bool cased) {
    return "{\"sigma-" + std::string(kind) + (cased ? "-cased" : "") + "\":" + JsonQuote(text) +
           "}";
}

// A glob (after transformations and the comparison modifier) as the cheapest matcher.
ValueMatcher GlobMatcher(Glob glob, bool cased) {
    MergeLiterals(&glob);
    // Runs of stars are one star.
    Glob g;
    for (GlobPattern::Token& t : glob) {
        if (t.kind == TokenKind::kAnyRun && !g.empty() && g.back().kind == TokenKind::kAnyRun) {
            continue;
        }
        g.push_back(std::move(t));
    }
    ValueMatcher m;
    m.scalar_text = true;
    std::string text = GlobText(g);
    auto star = [&](size_t i) {
        return g[i].kind == TokenKind::kAnyRun;
    };
    auto lit = [&](size_t i) {
        return g[i].kind == TokenKind::kLiteral;
    };
    std::string literal;
    MatcherKind kind = MatcherKind::kGlob;
    if (g.empty()) {
        kind = cased ? MatcherKind::kExactString : MatcherKind::kEqualsIgnoreCase;
    } else if (g.size() == 1 && lit(0)) {
        kind = cased ? MatcherKind::kExactString : MatcherKind::kEqualsIgnoreCase;
        literal = g[0].text;
    } else if (g.size() == 1 && star(0)) {
        kind = cased ? MatcherKind::kPrefix : MatcherKind::kPrefixIgnoreCase;  // any value
    } else if (g.size() == 2 && lit(0) && star(1)) {
        kind = cased ? MatcherKind::kPrefix : MatcherKind::kPrefixIgnoreCase;
        literal = g[0].text;
    } else if (g.size() == 2 && star(0) && lit(1)) {
        kind = cased ? MatcherKind::kSuffix : MatcherKind::kSuffixIgnoreCase;
        literal = g[1].text;
    } else if (g.size() == 3 && star(0) && lit(1) && star(2)) {
        kind = cased ? MatcherKind::kContains : MatcherKind::kContainsIgnoreCase;
        literal = g[1].text;
    }
    m.kind = kind;
    switch (kind) {
        case MatcherKind::kExactString:
        case MatcherKind::kPrefix:
        case MatcherKind::kSuffix:
        case MatcherKind::kContains:
            m.strings.push_back(literal);
            break;
        case MatcherKind::kEqualsIgnoreCase:
        case MatcherKind::kPrefixIgnoreCase:
        case MatcherKind::kSuffixIgnoreCase:
        case MatcherKind::kContainsIgnoreCase:
            m.strings.push_back(literal);
            m.folded.emplace_back(literal);
            if (kind == MatcherKind::kContainsIgnoreCase && IsAscii(literal)) {
                m.ascii_lower = AsciiLower(literal);  // the matcher's fast path
            }
            break;
        default:
            m.glob = GlobPattern(g, !cased);
            break;
    }
    m.canonical = Canonical("glob", text, cased);
    return m;
}

struct Modifiers {
    std::vector<Mod> list;  // in the order written

    bool Has(Mod m) const { return std::find(list.begin(), list.end(), m) != list.end(); }
};

class ItemCompiler {
public:
    ItemCompiler(const ItemContext& ctx, SourcePos pos) : ctx_(ctx), pos_(std::move(pos)) {}

    bool ParseKey(const std::string& key) {
        size_t bar = key.find('|');
        field_ = key.substr(0, bar);
        while (bar != std::string::npos) {
            size_t next = key.find('|', bar + 1);
            std::string name =
                    key.substr(bar + 1, next == std::string::npos ? next : next - bar - 1);
            bar = next;
            auto it = std::find_if(std::begin(kMods), std::end(kMods), [&](const ModName& m) {
                return m.name == name;
            });
            if (it != std::end(kMods)) {
                mods_.list.push_back(it->mod);
                continue;
            }
            if (std::find(std::begin(kUnsupportedMods), std::end(kUnsupportedMods), name) !=
                std::end(kUnsupportedMods)) {
                Error("sigma-unsupported",
                      "the Sigma modifier '" + name +
                              "' (date part) is not supported by firebreak");
            } else {
                Error("sigma-unknown-modifier", "unknown Sigma modifier '" + name + "'");
            }
        }
        if (failed_) {
            return false;
        }
        // re, cidr and exists compare the unmodified value: nothing may come before them.
        for (size_t i = 1; i < mods_.list.size(); ++i) {
            Mod m = mods_.list[i];
            if (m == Mod::kRe || m == Mod::kCidr || m == Mod::kExists) {
                Error("sigma-bad-modifier",
                      std::string("the '") + std::string(Name(m)) +
                              "' modifier must come first: it applies to the unmodified value");
            }
        }
        if ((mods_.Has(Mod::kReI) || mods_.Has(Mod::kReM) || mods_.Has(Mod::kReS)) &&
            !mods_.Has(Mod::kRe)) {
            Error("sigma-bad-modifier", "the regular expression flags i, m and s need 're'");
        }
        int comparisons = 0;
        for (Mod m : {Mod::kContains, Mod::kStartsWith, Mod::kEndsWith}) {
            comparisons += mods_.Has(m) ? 1 : 0;
        }
        if (comparisons > 1) {
            Error("sigma-bad-modifier",
                  "contains, startswith and endswith cannot be combined on one value");
        }
        if (mods_.Has(Mod::kRe) && comparisons > 0) {
            Error("sigma-bad-modifier",
                  "contains/startswith/endswith have no defined meaning on a regular expression "
                  "(it is already an unanchored search)");
        }
        int kinds = 0;
        for (Mod m : {Mod::kRe,
                      Mod::kCidr,
                      Mod::kExists,
                      Mod::kFieldRef,
                      Mod::kGt,
                      Mod::kGte,
                      Mod::kLt,
                      Mod::kLte}) {
            kinds += mods_.Has(m) ? 1 : 0;
        }
        if (kinds > 1) {
            Error("sigma-bad-modifier",
                  "re, cidr, exists, fieldref and gt/gte/lt/lte cannot be combined");
        }
        if (mods_.Has(Mod::kExists) && field_.empty()) {
            Error("sigma-bad-modifier", "'exists' needs a field name");
        }
        return !failed_;
    }

    std::optional<Expr> Compile(const Node& value) {
        std::vector<const Node*> values;
        if (value.is_array()) {
            for (const Node& v : value.items) {
                if (v.is_array() || v.is_object()) {
                    Error("sigma-bad-value",
                          "a value list may hold only strings, numbers, booleans and null, "
                          "not " + std::string(v.TypeName()),
                          v.pos);
                    continue;
                }
                values.push_back(&v);
            }
        } else if (value.is_object()) {
            Error("sigma-bad-value",
                  "a field's value cannot be a mapping; name nested fields with dots "
                  "(requestParameters.bucketName)",
                  value.pos);
        } else {
            values.push_back(&value);
        }
        if (failed_) {
            return std::nullopt;
        }
        bool all = mods_.Has(Mod::kAll);
        if (all && values.size() < 2) {
            Error("sigma-bad-modifier", "'all' needs a list of at least two values");
            return std::nullopt;
        }
        // A value list is one test (any of); with `all`, one test per value. A value's own
        // expansions (windash, base64offset, placeholders) are always alternatives.
        std::vector<std::vector<ValueMatcher>> per_value;
        if (values.empty()) {
            // `field: []` is a null check (as pySigma).
            per_value.push_back(NullMatchers());
        }
        for (const Node* v : values) {
            auto matchers = CompileValue(*v);
            if (!matchers) {
                continue;
            }
            per_value.push_back(std::move(*matchers));
        }
        if (failed_) {
            return std::nullopt;
        }
        std::vector<Expr> tests;
        if (all) {
            for (std::vector<ValueMatcher>& m : per_value) {
                tests.push_back(MakeField(Test(std::move(m))));
            }
        } else {
            std::vector<ValueMatcher> any;
            for (std::vector<ValueMatcher>& m : per_value) {
                for (ValueMatcher& x : m) {
                    any.push_back(std::move(x));
                }
            }
            tests.push_back(MakeField(Test(std::move(any))));
        }
        Expr e = tests.size() == 1 ? std::move(tests[0]) : MakeAnd(std::move(tests));
        if (mods_.Has(Mod::kNeq)) {
            e = MakeNot(
                    std::move(e));  // "different from all the values"; absent counts as different
        }
        return e;
    }

    void SetKeyword() { keyword_ = true; }

private:
    static std::string_view Name(Mod m) {
        for (const ModName& n : kMods) {
            if (n.mod == m) {
                return n.name;
            }
        }
        return "?";
    }

    void Error(const char* code, std::string message, const SourcePos& pos) {
        ctx_.diags->Error(code, pos, std::move(message));
        failed_ = true;
    }

    void Error(const char* code, std::string message) { Error(code, std::move(message), pos_); }

    FieldTest Test(std::vector<ValueMatcher> matchers) {
        FieldTest t;
        t.path = field_;
        t.deep = true;
        t.pos = pos_;
        t.any_of = std::move(matchers);
        t.canonical = JsonQuote(field_) + "**:[";
        for (size_t i = 0; i < t.any_of.size(); ++i) {
            t.canonical += (i > 0 ? "," : "") + t.any_of[i].canonical;
        }
        t.canonical += "]";
        return t;
    }

    static std::vector<ValueMatcher> NullMatchers() {
        ValueMatcher null;
        null.kind = MatcherKind::kNull;
        null.canonical = "null";
        ValueMatcher absent;
        absent.kind = MatcherKind::kNotExists;
        absent.canonical = "{\"exists\":false}";
        return {null, absent};
    }

    std::optional<std::vector<ValueMatcher>> CompileValue(const Node& v) {
        const SourcePos& vpos = v.pos;
        if (v.is_null()) {
            if (!mods_.list.empty() && !(mods_.list.size() == 1 && mods_.Has(Mod::kAll))) {
                Error("sigma-bad-value",
                      "null takes no modifiers (it means: the field is absent)",
                      vpos);
                return std::nullopt;
            }
            return NullMatchers();
        }
        if (mods_.Has(Mod::kExists)) {
            if (!v.is_bool()) {
                Error("sigma-bad-value", "'exists' takes true or false", vpos);
                return std::nullopt;
            }
            ValueMatcher m;
            m.kind = v.boolean ? MatcherKind::kExists : MatcherKind::kNotExists;
            m.canonical = v.boolean ? "{\"exists\":true}" : "{\"exists\":false}";
            return std::vector<ValueMatcher>{m};
        }
        if (mods_.Has(Mod::kGt) || mods_.Has(Mod::kGte) || mods_.Has(Mod::kLt) ||
            mods_.Has(Mod::kLte)) {
            ParsedNumber n;
            if (!v.is_number() || !ParseJsonNumber(v.text, &n)) {
                Error("sigma-bad-value", "gt/gte/lt/lte compare with a number", vpos);
                return std::nullopt;
            }
            ValueMatcher m;
            m.kind = MatcherKind::kNumeric;
            m.scalar_text = true;
            std::string op;
            if (mods_.Has(Mod::kGt) || mods_.Has(Mod::kGte)) {
                m.range.has_lower = true;
                m.range.lower = n.value;
                m.range.lower_inclusive = mods_.Has(Mod::kGte);
                op = mods_.Has(Mod::kGte) ? ">=" : ">";
            } else {
                m.range.has_upper = true;
                m.range.upper = n.value;
                m.range.upper_inclusive = mods_.Has(Mod::kLte);
                op = mods_.Has(Mod::kLte) ? "<=" : "<";
            }
            m.canonical = "{\"sigma-numeric\":[\"" + op + "\"," + v.text + "]}";
            return std::vector<ValueMatcher>{m};
        }
        auto text = ScalarText(v);
        if (!text) {
            Error("sigma-bad-value", "unsupported value", vpos);
            return std::nullopt;
        }
        if (mods_.Has(Mod::kRe)) {
            if (!v.is_string()) {
                Error("sigma-bad-value", "'re' takes a regular expression string", vpos);
                return std::nullopt;
            }
            std::string error;
            auto m = MakeRegexMatcher(*text,
                                      mods_.Has(Mod::kReI),
                                      mods_.Has(Mod::kReM),
                                      mods_.Has(Mod::kReS),
                                      &error);
            if (!m) {
                Error("sigma-bad-regex", "invalid regular expression (RE2 syntax): " + error, vpos);
                return std::nullopt;
            }
            m->scalar_text = true;
            return std::vector<ValueMatcher>{*m};
        }
        if (mods_.Has(Mod::kCidr)) {
            auto block = ParseCidr(*text);
            size_t slash = text->find('/');
            auto ip = ParseIp(std::string_view(*text).substr(0, slash));
            if (!block || slash == std::string::npos || !ip) {
                Error("sigma-bad-value", "\"" + *text + "\" is not a CIDR block", vpos);
                return std::nullopt;
            }
            if (!(block->base == *ip)) {
                Error("sigma-bad-value",
                      "\"" + *text + "\" has host bits set (a network is required)",
                      vpos);
                return std::nullopt;
            }
            ValueMatcher m;
            m.kind = MatcherKind::kCidr;
            m.cidr = *block;
            m.canonical = "{\"cidr\":" + JsonQuote(*text) + "}";
            return std::vector<ValueMatcher>{m};
        }
        if (mods_.Has(Mod::kFieldRef)) {
            if (ParseSigmaString(*text).size() != 1 || !PlainText(ParseSigmaString(*text))) {
                Error("sigma-bad-value", "a fieldref names a field (no wildcards)", vpos);
                return std::nullopt;
            }
            ValueMatcher m;
            m.kind = MatcherKind::kFieldRef;
            m.strings.push_back(*text);
            m.ref_mode = mods_.Has(Mod::kContains)     ? FieldRefMode::kContains
                         : mods_.Has(Mod::kStartsWith) ? FieldRefMode::kPrefix
                         : mods_.Has(Mod::kEndsWith)   ? FieldRefMode::kSuffix
                                                       : FieldRefMode::kEquals;
            static constexpr const char* kModeNames[] = {"", "contains", "startswith", "endswith"};
            m.canonical = std::string("{\"fieldref") +
                          (m.ref_mode == FieldRefMode::kEquals
                                   ? ""
                                   : std::string("-") + kModeNames[static_cast<int>(m.ref_mode)]) +
                          "\":" + JsonQuote(*text) + "}";
            return std::vector<ValueMatcher>{m};
        }
        // A string match: the value as a glob, through the transformations in the order written,
        // then the comparison.
        std::vector<Glob> globs{v.is_string() ? ParseSigmaString(*text) : Literal(*text)};
        for (Mod m : mods_.list) {
            std::vector<Glob> next;
            for (const Glob& g : globs) {
                if (!Transform(m, g, vpos, &next)) {
                    return std::nullopt;
                }
            }
            globs = std::move(next);
        }
        bool cased = mods_.Has(Mod::kCased);
        std::vector<ValueMatcher> out;
        for (Glob& g : globs) {
            if (keyword_ && !mods_.Has(Mod::kStartsWith) && !mods_.Has(Mod::kEndsWith)) {
                Surround(&g, true, true);  // keywords are substring searches
            }
            out.push_back(GlobMatcher(std::move(g), cased));
        }
        return out;
    }

    static void Surround(Glob* g, bool front, bool back) {
        if (front && (g->empty() || g->front().kind != TokenKind::kAnyRun)) {
            g->insert(g->begin(), {TokenKind::kAnyRun, ""});
        }
        if (back && (g->empty() || g->back().kind != TokenKind::kAnyRun)) {
            g->push_back({TokenKind::kAnyRun, ""});
        }
    }

    // Applies one modifier to one glob, appending the result(s).
    bool Transform(Mod m, const Glob& g, const SourcePos& vpos, std::vector<Glob>* out) {
        auto plain = [&]() -> std::optional<std::string> {
            auto p = PlainText(g);
            if (!p) {
                Error("sigma-bad-modifier",
                      std::string("'") + std::string(Name(m)) +
                              "' cannot encode a value with wildcards (put contains/startswith/"
                              "endswith after it)",
                      vpos);
            }
            return p;
        };
        switch (m) {
            case Mod::kContains:
                out->push_back(g);
                Surround(&out->back(), true, true);
                return true;
            case Mod::kStartsWith:
                out->push_back(g);
                Surround(&out->back(), false, true);
                return true;
            case Mod::kEndsWith:
                out->push_back(g);
                Surround(&out->back(), true, false);
                return true;
            case Mod::kBase64: {
                auto p = plain();
                if (!p) {
                    return false;
                }
                out->push_back(Literal(Base64(*p)));
                return true;
            }
            case Mod::kBase64Offset: {
                auto p = plain();
                if (!p) {
                    return false;
                }
                for (std::string& s : Base64Offsets(*p)) {
                    out->push_back(Literal(std::move(s)));
                }
                return true;
            }
            case Mod::kWide:
            case Mod::kUtf16Be:
            case Mod::kUtf16: {
                auto p = plain();
                if (!p) {
                    return false;
                }
                Utf16 form = m == Mod::kWide      ? Utf16::kLe
                             : m == Mod::kUtf16Be ? Utf16::kBe
                                                  : Utf16::kLeBom;
                out->push_back(Literal(EncodeUtf16(*p, form)));
                return true;
            }
            case Mod::kWindash: {
                auto variants = Windash(g);
                if (!variants) {
                    Error("sigma-bad-value",
                          "windash: more than " + std::to_string(kMaxWindashPositions) +
                                  " flag positions (5^n variants)",
                          vpos);
                    return false;
                }
                out->insert(out->end(), variants->begin(), variants->end());
                return true;
            }
            case Mod::kExpand:
                return Expand(g, vpos, out);
            default:
                out->push_back(g);  // flags (all, cased, neq) do not change the value
                return true;
        }
    }

    // %name% placeholders -> every combination of their configured values.
    bool Expand(const Glob& g, const SourcePos& vpos, std::vector<Glob>* out) {
        std::vector<Glob> partial{Glob{}};
        for (const GlobPattern::Token& t : g) {
            if (t.kind != TokenKind::kLiteral) {
                for (Glob& p : partial) {
                    p.push_back(t);
                }
                continue;
            }
            size_t pos = 0;
            while (pos <= t.text.size()) {
                size_t open = t.text.find('%', pos);
                while (open != std::string::npos && open > 0 && t.text[open - 1] == '\\') {
                    open = t.text.find('%', open + 1);
                }
                size_t close = open == std::string::npos ? open : t.text.find('%', open + 1);
                std::string before = t.text.substr(
                        pos, close == std::string::npos ? std::string::npos : open - pos);
                for (Glob& p : partial) {
                    p.push_back({TokenKind::kLiteral, before});
                }
                if (close == std::string::npos) {
                    break;
                }
                std::string name = t.text.substr(open + 1, close - open - 1);
                const std::vector<std::string>* values = nullptr;
                if (ctx_.placeholders != nullptr) {
                    auto it = ctx_.placeholders->find(name);
                    if (it != ctx_.placeholders->end() && !it->second.empty()) {
                        values = &it->second;
                    }
                }
                if (values == nullptr) {
                    Error("sigma-placeholder",
                          "placeholder %" + name +
                                  "% has no values (give them with --sigma-placeholders FILE)",
                          vpos);
                    return false;
                }
                std::vector<Glob> next;
                for (const Glob& p : partial) {
                    for (const std::string& value : *values) {
                        Glob q = p;
                        Glob vg = ParseSigmaString(value);
                        q.insert(q.end(), vg.begin(), vg.end());
                        next.push_back(std::move(q));
                    }
                }
                if (next.size() > 4096) {
                    Error("sigma-placeholder",
                          "placeholders expand to more than 4096 values",
                          vpos);
                    return false;
                }
                partial = std::move(next);
                pos = close + 1;
            }
        }
        out->insert(out->end(), partial.begin(), partial.end());
        return true;
    }

    const ItemContext& ctx_;
    SourcePos pos_;
    std::string field_;
    Modifiers mods_;
    bool failed_ = false;
    bool keyword_ = false;
};

}  // namespace

Glob ParseSigmaString(std::string_view text) {
    Glob out;
    std::string literal;
    auto flush = [&]() {
        if (!literal.empty()) {
            out.push_back({TokenKind::kLiteral, std::move(literal)});
            literal.clear();
        }
    };
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\') {
            if (i + 1 < text.size() &&
                (text[i + 1] == '*' || text[i + 1] == '?' || text[i + 1] == '\\')) {
                literal.push_back(text[i + 1]);
                ++i;
            } else {
                literal.push_back('\\');  // before anything else a backslash is literal
            }
        } else if (c == '*' || c == '?') {
            flush();
            out.push_back({c == '*' ? TokenKind::kAnyRun : TokenKind::kAnyOne, ""});
        } else {
            literal.push_back(c);
        }
    }
    flush();
    return out;
}

std::optional<std::string> PlainText(const Glob& glob) {
    std::string out;
    for (const GlobPattern::Token& t : glob) {
        if (t.kind != TokenKind::kLiteral) {
            return std::nullopt;
        }
        out += t.text;
    }
    return out;
}

std::string GlobText(const Glob& glob) {
    std::string out;
    for (const GlobPattern::Token& t : glob) {
        switch (t.kind) {
            case TokenKind::kAnyRun:
                out += '*';
                break;
            case TokenKind::kAnyOne:
                out += '?';
                break;
            case TokenKind::kLiteral:
                for (char c : t.text) {
                    if (c == '*' || c == '?' || c == '\\') {
                        out += '\\';
                    }
                    out += c;
                }
                break;
        }
    }
    return out;
}

std::string Base64(std::string_view bytes) {
    // OpenSSL's encoder; libcrypto also serves SigV4 and evidence signing.
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(n < 0 ? 0 : static_cast<size_t>(n));
    return out;
}

std::vector<std::string> Base64Offsets(std::string_view bytes) {
    // For a shift of i bytes, the first characters depend on the bytes before the value and
    // the last ones on the bytes after it: drop them (pySigma's algorithm, in our words).
    static constexpr size_t kDropFront[3] = {0, 2, 3};
    static constexpr size_t kDropBack[3] = {0, 3, 2};
    std::vector<std::string> out;
    for (size_t i = 0; i < 3; ++i) {
        std::string shifted(i, ' ');
        shifted.append(bytes);
        std::string encoded = Base64(shifted);
        size_t front = kDropFront[i];
        size_t back = kDropBack[(bytes.size() + i) % 3];
        if (encoded.size() < front + back) {
            out.emplace_back();
            continue;
        }
        out.push_back(encoded.substr(front, encoded.size() - front - back));
    }
    return out;
}

std::string EncodeUtf16(std::string_view utf8, Utf16 form) {
    std::string out;
    if (form == Utf16::kLeBom) {
        out += static_cast<char>(0xff);
        out += static_cast<char>(0xfe);
    }
    auto unit = [&](uint16_t u) {
        char lo = static_cast<char>(u & 0xff);
        char hi = static_cast<char>(u >> 8);
        if (form == Utf16::kBe) {
            out += hi;
            out += lo;
        } else {
            out += lo;
            out += hi;
        }
    };
    size_t pos = 0;
    while (pos < utf8.size()) {
        char32_t c = NextCodePoint(utf8, &pos);
        if (c >= 0x10000) {
            c -= 0x10000;
            unit(static_cast<uint16_t>(0xd800 + (c >> 10)));
            unit(static_cast<uint16_t>(0xdc00 + (c & 0x3ff)));
        } else {
            unit(static_cast<uint16_t>(c));
        }
    }
    return out;
}

std::optional<std::vector<Glob>> Windash(const Glob& glob) {
    static constexpr std::string_view kDashes[] = {"-", "/", "\u2013", "\u2014", "\u2015"};
    // Positions: (token, byte) of each flag dash.
    std::vector<std::pair<size_t, size_t>> positions;
    for (size_t k = 0; k < glob.size(); ++k) {
        const GlobPattern::Token& t = glob[k];
        if (t.kind != TokenKind::kLiteral) {
            continue;
        }
        for (size_t i = 0; i < t.text.size(); ++i) {
            char c = t.text[i];
            if ((c == '-' || c == '/') && (i == 0 || !IsWordChar(t.text[i - 1])) &&
                i + 1 < t.text.size() && IsWordChar(t.text[i + 1])) {
                positions.emplace_back(k, i);
            }
        }
    }
    if (positions.size() > static_cast<size_t>(kMaxWindashPositions)) {
        return std::nullopt;
    }
    std::vector<Glob> out;
    size_t total = 1;
    for (size_t i = 0; i < positions.size(); ++i) {
        total *= std::size(kDashes);
    }
    for (size_t combo = 0; combo < total; ++combo) {
        Glob g = glob;
        // Replace from the last position backwards so earlier byte offsets stay valid.
        size_t c = combo;
        std::vector<size_t> choice(positions.size());
        for (size_t i = 0; i < positions.size(); ++i) {
            choice[i] = c % std::size(kDashes);
            c /= std::size(kDashes);
        }
        for (size_t i = positions.size(); i-- > 0;) {
            auto [k, b] = positions[i];
            g[k].text.replace(b, 1, kDashes[choice[i]]);
        }
        out.push_back(std::move(g));
    }
    return out;
}

std::optional<Expr> CompileItem(const std::string& key,
                                const SourcePos& key_pos,
                                const Node& value,
                                const ItemContext& ctx) {
    ItemCompiler c(ctx, key_pos);
    if (!c.ParseKey(key)) {
        return std::nullopt;
    }
    if (key.empty() || key[0] == '|') {
        c.SetKeyword();  // `'|all': [...]`: keywords with modifiers
    }
    return c.Compile(value);
}

std::optional<Expr> CompileKeyword(const Node& value, const ItemContext& ctx) {
    ItemCompiler c(ctx, value.pos);
    c.SetKeyword();
    return c.Compile(value);
}

}  // namespace firebreak::rules::sigma
