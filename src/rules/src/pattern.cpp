#include "firebreak/rules/pattern.h"

#include <algorithm>
#include <map>

#include "firebreak/core/text.h"

namespace firebreak::rules {
namespace {

constexpr std::string_view kReservedInOr[] = {"exactly",
                                              "equals-ignore-case",
                                              "prefix",
                                              "suffix",
                                              "anything-but",
                                              "exists",
                                              "wildcard",
                                              "numeric",
                                              "cidr",
                                              "=",
                                              "<",
                                              "<=",
                                              ">",
                                              ">=",
                                              "regex",
                                              "not-wildcard",
                                              "not-equals-ignore-case",
                                              "in-date-range",
                                              "ip-address-in-range",
                                              "ip-address-not-in-range"};

bool IsReservedInOr(std::string_view key) {
    if (key.rfind("date-", 0) == 0) {
        return true;
    }
    return std::find(std::begin(kReservedInOr), std::end(kReservedInOr), key) !=
           std::end(kReservedInOr);
}

struct Leaf {
    std::string path;
    const Node* values;
};

// One conjunction under construction: path -> leaf (a later duplicate path replaces the earlier).
using Conjunction = std::vector<Leaf>;

class PatternCompiler {
public:
    explicit PatternCompiler(Diagnostics* diags) : diags_(diags) {}

    std::optional<Expr> Compile(const Node& root) {
        if (!root.is_object()) {
            Fail(root.pos,
                 "the pattern must be an object (\"Filter is not an object\"), not " +
                         std::string(root.TypeName()));
            return std::nullopt;
        }
        std::vector<Conjunction> combos(1);
        if (!Flatten(root, "", &combos)) {
            return std::nullopt;
        }
        std::vector<Expr> alternatives;
        for (Conjunction& conj : combos) {
            // Last duplicate path wins.
            std::map<std::string, const Node*> by_path;
            std::vector<std::string> order;
            for (const Leaf& leaf : conj) {
                if (by_path.find(leaf.path) == by_path.end()) {
                    order.push_back(leaf.path);
                }
                by_path[leaf.path] = leaf.values;
            }
            if (order.size() > kMaxFieldsPerPattern) {
                Fail(root.pos,
                     "a pattern may have at most " + std::to_string(kMaxFieldsPerPattern) +
                             " fields");
                return std::nullopt;
            }
            Expr all;
            all.kind = ExprKind::kConsistentAnd;
            std::sort(order.begin(), order.end());
            for (const std::string& path : order) {
                auto test = CompileLeaf(path, *by_path[path]);
                if (!test) {
                    return std::nullopt;
                }
                all.children.push_back(MakeField(std::move(*test)));
            }
            alternatives.push_back(std::move(all));
        }
        if (alternatives.size() == 1) {
            return std::move(alternatives[0]);
        }
        return MakeOr(std::move(alternatives));
    }

private:
    void Fail(const SourcePos& pos, std::string message) {
        diags_->Error("bad-pattern", pos, std::move(message));
    }

    static std::string Join(const std::string& prefix, const std::string& key) {
        return prefix.empty() ? key : prefix + "." + key;
    }

    // A `$or` in the new syntax: a list of at least two objects without reserved keys.
    static bool IsNewStyleOr(const Node& value) {
        if (!value.is_array() || value.items.size() < 2) {
            return false;
        }
        for (const Node& item : value.items) {
            if (!item.is_object() || item.members.empty()) {
                return false;
            }
            for (const auto& [k, v] : item.members) {
                if (IsReservedInOr(k)) {
                    return false;
                }
            }
        }
        return true;
    }

    bool Flatten(const Node& object, const std::string& prefix, std::vector<Conjunction>* combos) {
        if (object.members.empty()) {
            Fail(object.pos,
                 "empty objects are not allowed" +
                         (prefix.empty() ? std::string() : " (at \"" + prefix + "\")"));
            return false;
        }
        for (const auto& [key, value] : object.members) {
            if (key == "$or" && IsNewStyleOr(value)) {
                std::vector<Conjunction> result;
                for (const Node& alt : value.items) {
                    std::vector<Conjunction> branch = *combos;
                    if (!Flatten(alt, prefix, &branch)) {
                        return false;
                    }
                    for (Conjunction& c : branch) {
                        result.push_back(std::move(c));
                        if (result.size() > kMaxOrCombinations) {
                            Fail(value.pos,
                                 "$or expands to more than " + std::to_string(kMaxOrCombinations) +
                                         " combinations");
                            return false;
                        }
                    }
                }
                *combos = std::move(result);
                continue;
            }
            // Anything else (including a legacy "$or" that is not a list of objects) is a field.
            std::string path = Join(prefix, key);
            if (value.is_object()) {
                if (!Flatten(value, path, combos)) {
                    return false;
                }
            } else if (value.is_array()) {
                for (Conjunction& c : *combos) {
                    c.push_back({path, &value});
                }
            } else {
                Fail(value.pos,
                     "\"" + path + "\" must be an object or a list, not " +
                             std::string(value.TypeName()));
                return false;
            }
        }
        return true;
    }

    std::optional<FieldTest> CompileLeaf(const std::string& path, const Node& values) {
        FieldTest test;
        test.path = path;
        test.pos = values.pos;
        if (values.items.empty()) {
            Fail(values.pos, "empty lists are not allowed (at \"" + path + "\")");
            return std::nullopt;
        }
        for (const Node& v : values.items) {
            auto m = CompileValue(path, v);
            if (!m) {
                return std::nullopt;
            }
            test.any_of.push_back(std::move(*m));
        }
        test.canonical = JsonQuote(path) + ":[";
        for (size_t i = 0; i < test.any_of.size(); ++i) {
            if (i > 0) {
                test.canonical += ",";
            }
            test.canonical += test.any_of[i].canonical;
        }
        test.canonical += "]";
        return test;
    }

    std::optional<ValueMatcher> Literal(const Node& v) {
        ValueMatcher m;
        switch (v.type) {
            case Node::Type::kString:
                m.kind = MatcherKind::kExactString;
                m.strings.push_back(v.text);
                m.ip = ParseIp(v.text);
                m.canonical = JsonQuote(v.text);
                return m;
            case Node::Type::kNumber: {
                ParsedNumber n;
                if (!ParseJsonNumber(v.text, &n)) {
                    Fail(v.pos, "bad number " + v.text);
                    return std::nullopt;
                }
                m.kind = MatcherKind::kExactNumber;
                m.numbers.push_back(n);
                m.strings.push_back(v.text);
                m.canonical = v.text;
                return m;
            }
            case Node::Type::kBool:
                m.kind = v.boolean ? MatcherKind::kTrue : MatcherKind::kFalse;
                m.canonical = v.boolean ? "true" : "false";
                return m;
            case Node::Type::kNull:
                m.kind = MatcherKind::kNull;
                m.canonical = "null";
                return m;
            default:
                break;
        }
        Fail(v.pos, "a list of match values may not contain " + std::string(v.TypeName()));
        return std::nullopt;
    }

    std::optional<ValueMatcher> CompileValue(const std::string& path, const Node& v) {
        if (!v.is_object()) {
            return Literal(v);
        }
        if (v.members.size() != 1) {
            Fail(v.pos, "a match expression must have exactly one key (at \"" + path + "\")");
            return std::nullopt;
        }
        const std::string& op = v.members[0].first;
        const Node& arg = v.members[0].second;
        ValueMatcher m;
        std::string where = " (at \"" + path + "\")";
        if (op == "prefix" || op == "suffix") {
            bool prefix = op == "prefix";
            if (arg.is_string()) {
                m.kind = prefix ? MatcherKind::kPrefix : MatcherKind::kSuffix;
                m.strings.push_back(arg.text);
                m.canonical = "{\"" + op + "\":" + JsonQuote(arg.text) + "}";
                return m;
            }
            if (arg.is_object() && arg.members.size() == 1 &&
                arg.members[0].first == "equals-ignore-case" && arg.members[0].second.is_string()) {
                const std::string& s = arg.members[0].second.text;
                m.kind = prefix ? MatcherKind::kPrefixIgnoreCase : MatcherKind::kSuffixIgnoreCase;
                m.strings.push_back(s);
                m.folded.emplace_back(s);
                m.canonical = "{\"" + op + "\":{\"equals-ignore-case\":" + JsonQuote(s) + "}}";
                return m;
            }
            Fail(arg.pos,
                 op +
                         " match pattern must be a string or {\"equals-ignore-case\": "
                         "string}" +
                         where);
            return std::nullopt;
        }
        if (op == "equals-ignore-case") {
            if (!arg.is_string()) {
                Fail(arg.pos, "equals-ignore-case match pattern must be a string" + where);
                return std::nullopt;
            }
            m.kind = MatcherKind::kEqualsIgnoreCase;
            m.strings.push_back(arg.text);
            m.folded.emplace_back(arg.text);
            m.canonical = "{\"equals-ignore-case\":" + JsonQuote(arg.text) + "}";
            return m;
        }
        if (op == "wildcard") {
            if (!arg.is_string()) {
                Fail(arg.pos, "wildcard match pattern must be a string" + where);
                return std::nullopt;
            }
            auto w = ParseWildcard(arg);
            if (!w) {
                return std::nullopt;
            }
            m.kind = MatcherKind::kWildcard;
            m.strings.push_back(arg.text);
            m.wildcards.push_back(std::move(*w));
            m.canonical = "{\"wildcard\":" + JsonQuote(arg.text) + "}";
            return m;
        }
        if (op == "exactly") {
            if (!arg.is_string()) {
                Fail(arg.pos, "exactly match pattern must be a string" + where);
                return std::nullopt;
            }
            m.kind = MatcherKind::kExactString;
            m.strings.push_back(arg.text);
            m.canonical = "{\"exactly\":" + JsonQuote(arg.text) + "}";
            return m;
        }
        if (op == "exists") {
            if (!arg.is_bool()) {
                Fail(arg.pos, "exists match pattern must be true or false" + where);
                return std::nullopt;
            }
            m.kind = arg.boolean ? MatcherKind::kExists : MatcherKind::kNotExists;
            m.canonical = arg.boolean ? "{\"exists\":true}" : "{\"exists\":false}";
            return m;
        }
        if (op == "cidr") {
            if (!arg.is_string()) {
                Fail(arg.pos, "cidr match pattern must be a string" + where);
                return std::nullopt;
            }
            auto block = ParseCidr(arg.text);
            if (!block) {
                Fail(arg.pos, "malformed CIDR \"" + arg.text + "\"" + where);
                return std::nullopt;
            }
            int max = block->base.v6 ? 128 : 32;
            if (block->prefix_bits >= max) {
                Fail(arg.pos,
                     std::string(block->base.v6 ? "IPv6" : "IPv4") + " mask bits must be < " +
                             std::to_string(max) + "; use the address itself" + where);
                return std::nullopt;
            }
            m.kind = MatcherKind::kCidr;
            m.cidr = *block;
            m.strings.push_back(arg.text);
            m.canonical = "{\"cidr\":" + JsonQuote(arg.text) + "}";
            return m;
        }
        if (op == "numeric") {
            return CompileNumeric(arg, where);
        }
        if (op == "anything-but") {
            return CompileAnythingBut(arg, where);
        }
        Fail(v.pos, "unrecognized match type " + op + where);
        return std::nullopt;
    }

    std::optional<WildcardPattern> ParseWildcard(const Node& arg) {
        WildcardPattern w;
        w.segments.emplace_back();
        const std::string& s = arg.text;
        for (size_t i = 0; i < s.size(); ++i) {
            char c = s[i];
            if (c == '\\') {
                if (i + 1 < s.size() && (s[i + 1] == '*' || s[i + 1] == '\\')) {
                    w.segments.back().push_back(s[i + 1]);
                    ++i;
                    continue;
                }
                Fail(arg.pos,
                     "invalid escape in wildcard \"" + s + "\" at position " + std::to_string(i) +
                             " (only \\* and \\\\ are allowed)");
                return std::nullopt;
            }
            if (c == '*') {
                if (i > 0 && s[i - 1] == '*' && (i < 2 || s[i - 2] != '\\')) {
                    Fail(arg.pos,
                         "consecutive wildcard characters at position " + std::to_string(i) +
                                 " in \"" + s + "\"");
                    return std::nullopt;
                }
                w.segments.emplace_back();
                continue;
            }
            w.segments.back().push_back(c);
        }
        return w;
    }

    std::optional<ValueMatcher> CompileNumeric(const Node& arg, const std::string& where) {
        ValueMatcher m;
        m.kind = MatcherKind::kNumeric;
        if (!arg.is_array() || arg.items.empty()) {
            Fail(arg.pos, "numeric match pattern must be a non-empty list" + where);
            return std::nullopt;
        }
        auto number_at = [&](size_t i, double* out) {
            if (i >= arg.items.size() || !arg.items[i].is_number()) {
                Fail(i < arg.items.size() ? arg.items[i].pos : arg.pos,
                     "numeric: expected a number after the operator" + where);
                return false;
            }
            ParsedNumber n;
            if (!ParseJsonNumber(arg.items[i].text, &n) || !n.exact) {
                Fail(arg.items[i].pos,
                     "Cannot compare number : " + arg.items[i].text +
                             " (not exactly representable)" + where);
                return false;
            }
            *out = n.value;
            return true;
        };
        auto op_at = [&](size_t i) -> std::string {
            return i < arg.items.size() && arg.items[i].is_string() ? arg.items[i].text : "";
        };
        std::string op0 = op_at(0);
        double v0 = 0;
        if (op0 == "=") {
            if (!number_at(1, &v0) || arg.items.size() != 2) {
                if (arg.items.size() != 2) {
                    Fail(arg.pos, "numeric: \"=\" takes exactly one number" + where);
                }
                return std::nullopt;
            }
            m.range = {true, true, v0, true, true, v0};
        } else if (op0 == "<" || op0 == "<=") {
            if (!number_at(1, &v0)) {
                return std::nullopt;
            }
            if (arg.items.size() != 2) {
                Fail(arg.pos, "numeric: an upper bound must come last" + where);
                return std::nullopt;
            }
            m.range.has_upper = true;
            m.range.upper_inclusive = op0 == "<=";
            m.range.upper = v0;
        } else if (op0 == ">" || op0 == ">=") {
            if (!number_at(1, &v0)) {
                return std::nullopt;
            }
            m.range.has_lower = true;
            m.range.lower_inclusive = op0 == ">=";
            m.range.lower = v0;
            if (arg.items.size() > 2) {
                std::string op1 = op_at(2);
                double v1 = 0;
                if (op1 != "<" && op1 != "<=") {
                    Fail(arg.pos,
                         "numeric: a lower bound may only be followed by \"<\" or \"<=\"" + where);
                    return std::nullopt;
                }
                if (!number_at(3, &v1)) {
                    return std::nullopt;
                }
                if (arg.items.size() != 4) {
                    Fail(arg.pos, "numeric: too many elements" + where);
                    return std::nullopt;
                }
                if (!(v0 < v1)) {
                    Fail(arg.pos, "numeric: bottom must be less than top" + where);
                    return std::nullopt;
                }
                m.range.has_upper = true;
                m.range.upper_inclusive = op1 == "<=";
                m.range.upper = v1;
            }
        } else {
            Fail(arg.pos,
                 "numeric: unknown operator \"" + op0 + "\" (expected =, <, <=, >, >=)" + where);
            return std::nullopt;
        }
        std::string canon = "{\"numeric\":[";
        for (size_t i = 0; i < arg.items.size(); ++i) {
            if (i > 0) {
                canon += ",";
            }
            canon += arg.items[i].is_string() ? JsonQuote(arg.items[i].text) : arg.items[i].text;
        }
        m.canonical = canon + "]}";
        return m;
    }

    std::optional<ValueMatcher> CompileAnythingBut(const Node& arg, const std::string& where) {
        ValueMatcher m;
        m.kind = MatcherKind::kAnythingBut;
        if (arg.is_string()) {
            m.but_kind = AnythingButKind::kStrings;
            m.strings.push_back(arg.text);
            m.canonical = "{\"anything-but\":" + JsonQuote(arg.text) + "}";
            return m;
        }
        if (arg.is_number()) {
            ParsedNumber n;
            if (!ParseJsonNumber(arg.text, &n)) {
                Fail(arg.pos, "anything-but: bad number" + where);
                return std::nullopt;
            }
            m.but_kind = AnythingButKind::kNumbers;
            m.numbers.push_back(n);
            m.strings.push_back(arg.text);
            m.canonical = "{\"anything-but\":" + arg.text + "}";
            return m;
        }
        if (arg.is_array()) {
            if (arg.items.empty()) {
                Fail(arg.pos, "anything-but: empty lists are not allowed" + where);
                return std::nullopt;
            }
            bool all_strings = std::all_of(arg.items.begin(), arg.items.end(), [](const Node& n) {
                return n.is_string();
            });
            bool all_numbers = std::all_of(arg.items.begin(), arg.items.end(), [](const Node& n) {
                return n.is_number();
            });
            if (!all_strings && !all_numbers) {
                Fail(arg.pos,
                     "anything-but: a list must be all strings or all numbers (mixed type "
                     "is not supported)" +
                             where);
                return std::nullopt;
            }
            m.but_kind = all_strings ? AnythingButKind::kStrings : AnythingButKind::kNumbers;
            std::string canon = "{\"anything-but\":[";
            for (size_t i = 0; i < arg.items.size(); ++i) {
                const Node& it = arg.items[i];
                m.strings.push_back(it.text);
                if (all_numbers) {
                    ParsedNumber n;
                    if (!ParseJsonNumber(it.text, &n)) {
                        Fail(it.pos, "anything-but: bad number" + where);
                        return std::nullopt;
                    }
                    m.numbers.push_back(n);
                }
                canon += (i > 0 ? "," : "") + (all_strings ? JsonQuote(it.text) : it.text);
            }
            m.canonical = canon + "]}";
            return m;
        }
        if (arg.is_object()) {
            if (arg.members.size() != 1) {
                Fail(arg.pos, "anything-but: exactly one key is allowed in its object" + where);
                return std::nullopt;
            }
            const std::string& op = arg.members[0].first;
            const Node& val = arg.members[0].second;
            if (op == "prefix") {
                m.but_kind = AnythingButKind::kPrefix;
            } else if (op == "suffix") {
                m.but_kind = AnythingButKind::kSuffix;
            } else if (op == "equals-ignore-case") {
                m.but_kind = AnythingButKind::kEqualsIgnoreCase;
            } else if (op == "wildcard") {
                m.but_kind = AnythingButKind::kWildcard;
            } else {
                Fail(arg.pos, "Unsupported anything-but pattern: " + op + where);
                return std::nullopt;
            }
            std::vector<const Node*> values;
            if (val.is_string()) {
                values.push_back(&val);
            } else if (val.is_array() && !val.items.empty() &&
                       std::all_of(val.items.begin(), val.items.end(), [](const Node& n) {
                           return n.is_string();
                       })) {
                for (const Node& n : val.items) {
                    values.push_back(&n);
                }
            } else {
                Fail(val.pos,
                     "anything-but " + op + " must be a string or a non-empty list of strings" +
                             where);
                return std::nullopt;
            }
            std::string canon = "{\"anything-but\":{\"" + op + "\":";
            canon += val.is_array() ? "[" : "";
            for (size_t i = 0; i < values.size(); ++i) {
                const std::string& s = values[i]->text;
                if (s.empty() && (m.but_kind == AnythingButKind::kPrefix ||
                                  m.but_kind == AnythingButKind::kSuffix)) {
                    Fail(values[i]->pos, "anything-but: null prefix/suffix not allowed" + where);
                    return std::nullopt;
                }
                m.strings.push_back(s);
                if (m.but_kind == AnythingButKind::kEqualsIgnoreCase) {
                    m.folded.emplace_back(s);
                }
                if (m.but_kind == AnythingButKind::kWildcard) {
                    auto w = ParseWildcard(*values[i]);
                    if (!w) {
                        return std::nullopt;
                    }
                    m.wildcards.push_back(std::move(*w));
                }
                canon += (i > 0 ? "," : "") + JsonQuote(s);
            }
            canon += val.is_array() ? "]" : "";
            m.canonical = canon + "}}";
            return m;
        }
        Fail(arg.pos,
             "anything-but must be a string, a number, a list or an object, not " +
                     std::string(arg.TypeName()) + where);
        return std::nullopt;
    }

    Diagnostics* diags_;
};

}  // namespace

std::optional<Expr> CompilePattern(const Node& pattern, Diagnostics* diags) {
    PatternCompiler compiler(diags);
    return compiler.Compile(pattern);
}

std::optional<Expr> CompilePatternJson(std::string_view json, Diagnostics* diags) {
    auto parsed = event::ParseJson(json);
    if (!parsed) {
        diags->Error("bad-pattern", SourcePos{}, parsed.error().message());
        return std::nullopt;
    }
    return CompilePattern(FromJsonValue(*parsed, SourcePos{}), diags);
}

}  // namespace firebreak::rules
