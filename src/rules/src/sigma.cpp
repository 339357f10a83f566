#include "firebreak/rules/sigma.h"

#include <algorithm>
#include <map>
#include <set>

#include "firebreak/core/text.h"
#include "sigma_value.h"

namespace firebreak::rules {
namespace {

using sigma::ItemContext;

// ATT&CK tactics as Sigma tags name them (v2 hyphens; v1 underscores are accepted too).
constexpr std::string_view kTactics[] = {"reconnaissance",
                                         "resource-development",
                                         "initial-access",
                                         "execution",
                                         "persistence",
                                         "privilege-escalation",
                                         "defense-evasion",
                                         "stealth",
                                         "defense-impairment",
                                         "credential-access",
                                         "discovery",
                                         "lateral-movement",
                                         "collection",
                                         "command-and-control",
                                         "exfiltration",
                                         "impact"};

// "t1098.001" -> "T1098.001" when it is a technique id.
std::optional<std::string> TechniqueId(std::string_view t) {
    if (t.size() != 5 && t.size() != 9) {
        return std::nullopt;
    }
    if (t[0] != 't' && t[0] != 'T') {
        return std::nullopt;
    }
    for (size_t i = 1; i < t.size(); ++i) {
        if (i == 5 ? t[i] != '.' : (t[i] < '0' || t[i] > '9')) {
            return std::nullopt;
        }
    }
    std::string out(t);
    out[0] = 'T';
    return out;
}

// The condition language: or < and < not < "x of" < parentheses.
class ConditionParser {
public:
    ConditionParser(std::string_view text,
                    const SourcePos& pos,
                    const std::map<std::string, Expr>& selections,
                    Diagnostics* diags)
        : text_(text),
          pos_(pos),
          selections_(selections),
          diags_(diags) {}

    std::optional<Expr> Parse() {
        Tokenize();
        if (failed_) {
            return std::nullopt;
        }
        auto e = ParseOr();
        if (!failed_ && next_ < tokens_.size()) {
            Fail(tokens_[next_], "unexpected '" + tokens_[next_].text + "'");
        }
        if (failed_ || !e) {
            return std::nullopt;
        }
        return e;
    }

    const std::set<std::string>& used() const { return used_; }

private:
    struct Token {
        std::string text;
        size_t offset = 0;
    };

    void Fail(size_t offset, const std::string& message) {
        if (failed_) {
            return;
        }
        failed_ = true;
        // pos_ is where the condition's text starts: single-line conditions get exact columns.
        SourcePos at = pos_;
        if (text_.find('\n') == std::string_view::npos && at.column > 0) {
            at.column += static_cast<int>(offset);
        }
        diags_->Error("sigma-condition",
                      at,
                      "condition \"" + std::string(text_) + "\", at character " +
                              std::to_string(offset + 1) + ": " + message);
    }

    void Fail(const Token& t, const std::string& message) { Fail(t.offset, message); }

    void Tokenize() {
        size_t i = 0;
        while (i < text_.size()) {
            char c = text_[i];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                ++i;
                continue;
            }
            if (c == '(' || c == ')') {
                tokens_.push_back({std::string(1, c), i});
                ++i;
                continue;
            }
            if (c == '|') {
                Fail(i,
                     "aggregations (\"| count() ...\") are not supported: the pipe syntax is "
                     "deprecated in Sigma in favour of correlation rules, which firebreak does "
                     "not run yet");
                return;
            }
            size_t start = i;
            while (i < text_.size() && text_[i] != ' ' && text_[i] != '\t' && text_[i] != '\n' &&
                   text_[i] != '\r' && text_[i] != '(' && text_[i] != ')' && text_[i] != '|') {
                ++i;
            }
            tokens_.push_back({std::string(text_.substr(start, i - start)), start});
        }
    }

    const Token* Peek() const { return next_ < tokens_.size() ? &tokens_[next_] : nullptr; }

    bool PeekIs(std::string_view word) const {
        const Token* t = Peek();
        return t != nullptr && t->text == word;
    }

    // or := and ("or" and)*;  and := not ("and" not)*
    std::optional<Expr> ParseOr() { return ParseChain("or", &ConditionParser::ParseAnd, MakeOr); }

    std::optional<Expr> ParseAnd() {
        return ParseChain("and", &ConditionParser::ParseNot, MakeAnd);
    }

    std::optional<Expr> ParseChain(std::string_view op,
                                   std::optional<Expr> (ConditionParser::*operand)(),
                                   Expr (*make)(std::vector<Expr>)) {
        auto left = (this->*operand)();
        if (!left) {
            return std::nullopt;
        }
        std::vector<Expr> parts{std::move(*left)};
        while (PeekIs(op)) {
            ++next_;
            auto right = (this->*operand)();
            if (!right) {
                return std::nullopt;
            }
            parts.push_back(std::move(*right));
        }
        return parts.size() == 1 ? std::move(parts[0]) : make(std::move(parts));
    }

    // Nesting (parentheses, chains of `not`) is bounded so a hostile condition cannot exhaust
    // the stack here or in the passes that walk the expression later.
    static constexpr int kMaxDepth = 128;

    bool Enter(size_t offset) {
        if (++depth_ > kMaxDepth) {
            Fail(offset,
                 "the condition nests deeper than " + std::to_string(kMaxDepth) + " levels");
            return false;
        }
        return true;
    }

    std::optional<Expr> ParseNot() {
        if (PeekIs("not")) {
            if (!Enter(Peek()->offset)) {
                return std::nullopt;
            }
            ++next_;
            auto inner = ParseNot();
            --depth_;
            if (!inner) {
                return std::nullopt;
            }
            return MakeNot(std::move(*inner));
        }
        return ParsePrimary();
    }

    std::optional<Expr> ParsePrimary() {
        const Token* t = Peek();
        if (t == nullptr) {
            Fail(text_.size(), "the condition ends where a search identifier was expected");
            return std::nullopt;
        }
        if (t->text == "(") {
            if (!Enter(t->offset)) {
                return std::nullopt;
            }
            ++next_;
            auto inner = ParseOr();
            --depth_;
            if (!inner) {
                return std::nullopt;
            }
            if (!PeekIs(")")) {
                Fail(Peek() != nullptr ? Peek()->offset : text_.size(), "missing ')'");
                return std::nullopt;
            }
            ++next_;
            return inner;
        }
        if (t->text == ")" || t->text == "and" || t->text == "or" || t->text == "of") {
            Fail(*t, "unexpected '" + t->text + "'");
            return std::nullopt;
        }
        // Quantifier: 1 of / any of / all of <pattern | them>.
        if (next_ + 1 < tokens_.size() && tokens_[next_ + 1].text == "of") {
            Token quant = *t;
            next_ += 2;
            const Token* target = Peek();
            if (target == nullptr) {
                Fail(text_.size(), "'of' needs a pattern or 'them'");
                return std::nullopt;
            }
            ++next_;
            bool all = quant.text == "all";
            if (!all && quant.text != "1" && quant.text != "any") {
                Fail(quant,
                     "'" + quant.text +
                             " of' is not Sigma: the quantifiers are '1 of', 'any of' and "
                             "'all of'");
                return std::nullopt;
            }
            std::vector<Expr> picked;
            if (target->text == "them") {
                for (const auto& [name, expr] : selections_) {
                    if (name.empty() || name[0] != '_') {
                        picked.push_back(expr);
                        used_.insert(name);
                    }
                }
            } else {
                GlobPattern pattern(sigma::ParseSigmaString(target->text), false);
                for (const auto& [name, expr] : selections_) {
                    if (pattern.Matches(name)) {
                        picked.push_back(expr);
                        used_.insert(name);
                    }
                }
            }
            if (picked.empty()) {
                Fail(*target, "'" + target->text + "' matches no search identifier");
                return std::nullopt;
            }
            if (picked.size() == 1) {
                return std::move(picked[0]);
            }
            return all ? MakeAnd(std::move(picked)) : MakeOr(std::move(picked));
        }
        ++next_;
        auto it = selections_.find(t->text);
        if (it == selections_.end()) {
            Fail(*t, "'" + t->text + "' is not a search identifier of this rule");
            return std::nullopt;
        }
        used_.insert(t->text);
        return it->second;
    }

    std::string_view text_;
    SourcePos pos_;
    const std::map<std::string, Expr>& selections_;
    Diagnostics* diags_;
    std::vector<Token> tokens_;
    size_t next_ = 0;
    int depth_ = 0;
    bool failed_ = false;
    std::set<std::string> used_;
};

class SigmaCompiler {
public:
    SigmaCompiler(const LoadOptions& options, Diagnostics* diags)
        : options_(options),
          diags_(diags) {
        ctx_.placeholders = &options_.sigma_placeholders;
        ctx_.diags = diags_;
    }

    SigmaOutcome Compile(const Node& doc, Rule* rule) {
        int errors_before = diags_->error_count();
        if (!doc.is_object()) {
            diags_->Error("not-a-rule", doc.pos, "a Sigma rule must be a mapping");
            return SigmaOutcome::kInvalid;
        }
        if (const Node* corr = doc.Find("correlation")) {
            const Node* type = corr->Find("type");
            diags_->Error(
                    "sigma-unsupported",
                    corr->key_pos,
                    "Sigma correlation rules" +
                            (type != nullptr && type->is_string() ? " (type: " + type->text + ")"
                                                                  : std::string()) +
                            " are not supported yet");
            return SigmaOutcome::kInvalid;
        }
        if (const Node* action = doc.Find("action")) {
            diags_->Error("sigma-unsupported",
                          action->key_pos,
                          "Sigma rule collections (action: " +
                                  (action->is_string() ? action->text : std::string("?")) +
                                  ") are not supported; write each rule as its own document");
            return SigmaOutcome::kInvalid;
        }
        rule->format = RuleFormat::kSigma;
        if (const Node* name = doc.Find("name"); name != nullptr && name->is_string()) {
            rule->name = name->text;
        }
        rule->pos = doc.pos;
        rule->title = String(doc, "title", true);
        rule->id = String(doc, "id", false);
        if (rule->id.empty() && !doc.Find("id")) {
            const Node* name = doc.Find("name");
            rule->id = name != nullptr && name->is_string() ? name->text : std::string();
            if (rule->id.empty()) {
                diags_->Error("missing-key", doc.pos, "Sigma rule has no id (or name)");
            }
        }
        std::string description = String(doc, "description", false);
        rule->status = String(doc, "status", false);
        rule->author = String(doc, "author", false);
        rule->references = StringList(doc, "references");
        rule->falsepositives = StringList(doc, "falsepositives");
        std::string level = String(doc, "level", false);
        if (level.empty()) {
            diags_->Warning("sigma-no-level", doc.pos, "Sigma rule has no level; using medium");
            rule->severity = Severity::kMedium;
        } else if (auto s = ParseSeverity(level)) {
            rule->severity = *s;
        } else {
            diags_->Error("bad-severity",
                          doc.Find("level")->pos,
                          "level must be informational, low, medium, high or critical, not \"" +
                                  level + "\"");
        }
        for (const std::string& tag : StringList(doc, "tags")) {
            std::string t = AsciiLower(tag);
            if (t.rfind("attack.", 0) != 0) {
                continue;
            }
            std::string rest = t.substr(7);
            if (auto id = TechniqueId(rest)) {
                if (std::find(rule->mitre.begin(), rule->mitre.end(), *id) == rule->mitre.end()) {
                    rule->mitre.push_back(*id);
                }
                continue;
            }
            std::replace(rest.begin(), rest.end(), '_', '-');
            if (std::find(std::begin(kTactics), std::end(kTactics), rest) != std::end(kTactics)) {
                rule->tactics.push_back(rest);
            }
        }
        rule->description = Describe(description.empty() ? rule->title : description, *rule);

        // Log source: only CloudTrail rules apply; others are reported and left out.
        if (!CloudTrailLogsource(doc, rule->title)) {
            return diags_->error_count() > errors_before ? SigmaOutcome::kInvalid
                                                         : SigmaOutcome::kOtherLogsource;
        }

        const Node* detection = doc.Find("detection");
        if (detection == nullptr || !detection->is_object()) {
            diags_->Error("missing-key",
                          detection != nullptr ? detection->pos : doc.pos,
                          "Sigma rule has no detection mapping");
            return SigmaOutcome::kInvalid;
        }
        auto expr = CompileDetection(*detection);
        if (expr) {
            rule->match = std::move(*expr);
        }
        if (diags_->error_count() > errors_before) {
            return SigmaOutcome::kInvalid;
        }
        return SigmaOutcome::kRule;
    }

private:
    std::string String(const Node& doc, std::string_view key, bool required) {
        const Node* n = doc.Find(key);
        if (n == nullptr) {
            if (required) {
                diags_->Error(
                        "missing-key", doc.pos, "Sigma rule has no \"" + std::string(key) + "\"");
            }
            return {};
        }
        if (n->is_string() || n->is_number()) {
            return n->text;
        }
        diags_->Error("bad-value", n->pos, "\"" + std::string(key) + "\" must be a string");
        return {};
    }

    std::vector<std::string> StringList(const Node& doc, std::string_view key) {
        std::vector<std::string> out;
        const Node* n = doc.Find(key);
        if (n == nullptr || n->is_null()) {
            return out;
        }
        if (n->is_string()) {
            out.push_back(n->text);
            return out;
        }
        if (!n->is_array()) {
            diags_->Error(
                    "bad-value", n->pos, "\"" + std::string(key) + "\" must be a list of strings");
            return out;
        }
        for (const Node& item : n->items) {
            if (item.is_string() || item.is_number()) {
                out.push_back(item.text);
            } else {
                diags_->Error("bad-value",
                              item.pos,
                              "\"" + std::string(key) + "\" entries must be strings");
            }
        }
        return out;
    }

    // The finding description: the rule's own text (line breaks of a YAML block folded, blank
    // lines kept), then where to read more, then what may be benign.
    static std::string Describe(std::string_view raw, const Rule& rule) {
        std::string text;
        for (size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '\n') {
                bool paragraph = i + 1 < raw.size() && raw[i + 1] == '\n';
                if (paragraph) {
                    text += "\n\n";
                    while (i + 1 < raw.size() && raw[i + 1] == '\n') {
                        ++i;
                    }
                } else if (!text.empty() && text.back() != ' ') {
                    text += ' ';
                }
                continue;
            }
            text += raw[i];
        }
        while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
            text.pop_back();
        }
        if (!text.empty() && text.back() != '.') {
            text += '.';
        }
        if (!rule.references.empty()) {
            text += " References: ";
            for (size_t i = 0; i < rule.references.size(); ++i) {
                text += (i > 0 ? " " : "") + rule.references[i];
            }
            text += " .";
        }
        if (!rule.falsepositives.empty()) {
            text += " False positives: ";
            for (size_t i = 0; i < rule.falsepositives.size(); ++i) {
                text += (i > 0 ? "; " : "") + rule.falsepositives[i];
            }
            text += '.';
        }
        return text;
    }

    std::optional<Expr> CompileSelection(const Node& value) {
        if (value.is_object()) {
            if (value.members.empty()) {
                diags_->Error("sigma-bad-selection", value.pos, "empty search identifier");
                return std::nullopt;
            }
            std::vector<Expr> items;
            bool ok = true;
            for (const auto& [key, v] : value.members) {
                auto e = sigma::CompileItem(key, v.key_pos, v, ctx_);
                if (!e) {
                    ok = false;
                    continue;
                }
                items.push_back(std::move(*e));
            }
            if (!ok) {
                return std::nullopt;
            }
            return items.size() == 1 ? std::move(items[0]) : MakeAnd(std::move(items));
        }
        if (value.is_array()) {
            if (value.items.empty()) {
                diags_->Error("sigma-bad-selection", value.pos, "empty search identifier");
                return std::nullopt;
            }
            std::vector<Expr> alternatives;
            bool ok = true;
            for (const Node& item : value.items) {
                std::optional<Expr> e;
                if (item.is_object()) {
                    e = CompileSelection(item);
                } else if (item.is_array()) {
                    diags_->Error("sigma-bad-selection",
                                  item.pos,
                                  "a list inside a search identifier's list is not Sigma");
                } else {
                    e = sigma::CompileKeyword(item, ctx_);
                }
                if (!e) {
                    ok = false;
                    continue;
                }
                alternatives.push_back(std::move(*e));
            }
            if (!ok) {
                return std::nullopt;
            }
            return alternatives.size() == 1 ? std::move(alternatives[0])
                                            : MakeOr(std::move(alternatives));
        }
        return sigma::CompileKeyword(value, ctx_);
    }

public:
    SigmaOutcome CompileFilter(const Node& doc, SigmaFilter* out) {
        int errors_before = diags_->error_count();
        out->pos = doc.pos;
        out->title = String(doc, "title", true);
        out->id = String(doc, "id", false);
        if (out->id.empty()) {
            out->id = out->title;
        }
        if (!CloudTrailLogsource(doc, out->title)) {
            return diags_->error_count() > errors_before ? SigmaOutcome::kInvalid
                                                         : SigmaOutcome::kOtherLogsource;
        }
        const Node* filter = doc.Find("filter");
        if (!filter->is_object()) {
            diags_->Error("bad-value", filter->pos, "\"filter\" must be a mapping");
            return SigmaOutcome::kInvalid;
        }
        // The filter's own detection: every key but `rules`.
        Node detection;
        detection.type = Node::Type::kObject;
        detection.pos = filter->pos;
        for (const auto& [key, value] : filter->members) {
            if (key == "rules") {
                if (value.is_string() && (value.text == "any" || value.text == "all")) {
                    out->any = true;
                } else if (value.is_array()) {
                    for (const Node& r : value.items) {
                        if (r.is_string()) {
                            out->rules.push_back(r.text);
                        } else {
                            diags_->Error("bad-value", r.pos, "filter rules are ids or names");
                        }
                    }
                    out->any = value.items.empty();
                } else if (value.is_string()) {
                    out->rules.push_back(value.text);
                } else {
                    diags_->Error("bad-value",
                                  value.pos,
                                  "filter rules: a list of rule ids or names, or any");
                }
                continue;
            }
            detection.members.emplace_back(key, value);
        }
        if (filter->Find("rules") == nullptr) {
            diags_->Error("missing-key", filter->pos, "a Sigma filter needs \"rules\"");
        }
        if (const Node* cond = filter->Find("condition"); cond != nullptr && !cond->is_string()) {
            diags_->Error("sigma-condition", cond->pos, "a filter's condition is one string");
        }
        auto expr = CompileDetection(detection);
        if (expr) {
            out->condition = std::move(*expr);
        }
        return diags_->error_count() > errors_before ? SigmaOutcome::kInvalid : SigmaOutcome::kRule;
    }

private:
    // True for product aws / service cloudtrail; otherwise a warning (and false).
    bool CloudTrailLogsource(const Node& doc, const std::string& title) {
        const Node* logsource = doc.Find("logsource");
        if (logsource == nullptr || !logsource->is_object()) {
            diags_->Error("missing-key",
                          logsource != nullptr ? logsource->pos : doc.pos,
                          "Sigma document has no logsource mapping");
            return false;
        }
        std::string product = AsciiLower(String(*logsource, "product", false));
        std::string service = AsciiLower(String(*logsource, "service", false));
        if (product == "aws" && service == "cloudtrail") {
            return true;
        }
        std::string what;
        for (const auto& [k, v] : logsource->members) {
            if (v.is_string()) {
                what += (what.empty() ? "" : ", ") + k + ": " + v.text;
            }
        }
        diags_->Warning("sigma-other-logsource",
                        logsource->pos,
                        "\"" + title + "\" is for logsource {" + what +
                                "}; firebreak reads CloudTrail (product: aws, service: "
                                "cloudtrail), so it is not loaded");
        return false;
    }

    std::optional<Expr> CompileDetection(const Node& detection) {
        std::map<std::string, Expr> selections;
        const Node* condition = nullptr;
        bool ok = true;
        for (const auto& [key, value] : detection.members) {
            if (key == "condition") {
                condition = &value;
                continue;
            }
            if (key == "timeframe") {
                diags_->Warning("sigma-timeframe",
                                value.key_pos,
                                "timeframe has no effect without an aggregation; ignored");
                continue;
            }
            auto e = CompileSelection(value);
            if (!e) {
                ok = false;
                continue;
            }
            selections.emplace(key, std::move(*e));
        }
        if (condition == nullptr) {
            diags_->Error("missing-key", detection.pos, "detection has no condition");
            return std::nullopt;
        }
        if (!ok) {
            return std::nullopt;
        }
        std::vector<const Node*> conditions;
        if (condition->is_array()) {
            for (const Node& c : condition->items) {
                conditions.push_back(&c);
            }
        } else {
            conditions.push_back(condition);
        }
        std::vector<Expr> alternatives;
        std::set<std::string> used;
        for (const Node* c : conditions) {
            if (!c->is_string()) {
                diags_->Error("sigma-condition", c->pos, "a condition must be a string");
                return std::nullopt;
            }
            SourcePos start = c->pos;
            start.column += c->quoted ? 1 : 0;
            ConditionParser parser(c->text, start, selections, diags_);
            auto e = parser.Parse();
            if (!e) {
                return std::nullopt;
            }
            used.insert(parser.used().begin(), parser.used().end());
            alternatives.push_back(std::move(*e));
        }
        if (alternatives.empty()) {
            diags_->Error("sigma-condition", condition->pos, "empty condition list");
            return std::nullopt;
        }
        for (const auto& [key, value] : detection.members) {
            if (key != "condition" && key != "timeframe" && used.count(key) == 0) {
                diags_->Warning("sigma-unused-selection",
                                value.key_pos,
                                "search identifier '" + key + "' is not used by the condition");
            }
        }
        return alternatives.size() == 1 ? std::move(alternatives[0])
                                        : MakeOr(std::move(alternatives));
    }

    const LoadOptions& options_;
    Diagnostics* diags_;
    ItemContext ctx_;
};

}  // namespace

bool IsSigmaFilter(const Node& doc) {
    return doc.is_object() && doc.Find("filter") != nullptr && doc.Find("detection") == nullptr &&
           doc.Find("logsource") != nullptr;
}

SigmaOutcome CompileSigmaFilter(const Node& doc,
                                const LoadOptions& options,
                                Diagnostics* diags,
                                SigmaFilter* out) {
    SigmaCompiler compiler(options, diags);
    return compiler.CompileFilter(doc, out);
}

bool IsSigmaDocument(const Node& doc) {
    return doc.is_object() &&
           (doc.Find("detection") != nullptr || doc.Find("logsource") != nullptr ||
            doc.Find("correlation") != nullptr ||
            (doc.Find("action") != nullptr && doc.Find("match") == nullptr));
}

SigmaOutcome CompileSigmaRule(const Node& doc,
                              const LoadOptions& options,
                              Diagnostics* diags,
                              Rule* out) {
    SigmaCompiler compiler(options, diags);
    return compiler.Compile(doc, out);
}

}  // namespace firebreak::rules
