#include "firebreak/response/expr.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "firebreak/core/text.h"

namespace firebreak::response {

using event::JsonValue;
using Type = event::JsonValue::Type;

// ---------------------------------------------------------------------------------------------
// AST

namespace {

enum class Tok : uint8_t {
    kEnd,
    kIdent,
    kNumber,
    kString,
    kLParen,
    kRParen,
    kLBracket,
    kRBracket,
    kComma,
    kDot,
    kStar,
    kEq,
    kNe,
    kLt,
    kLe,
    kGt,
    kGe,
    kPlus,
    kAnd,
    kOr,
    kNot,
    kIn,
    kTrue,
    kFalse,
    kNull,
};

struct Token {
    Tok kind = Tok::kEnd;
    size_t offset = 0;
    std::string text;  // identifier or keyword, unescaped string, number literal
};

enum class Fn : uint8_t {
    kLen,
    kLower,
    kUpper,
    kDefault,
    kJoin,
    kSplit,
    kContains,
    kStartsWith,
    kEndsWith,
    kArnResource,
    kFirst,
    kLast,
    kUnique,
    kFlatten,
    kKeys,
    kSelect,
    kTag,
    kToJson,
    kFromJson,
    kReplace,
    kGlob,
    kNow,
    kAgo,
    kCount,
    kPublicStatements,
    kWithoutPublicStatements,
    kOpenToWorld,
};

struct FnSpec {
    std::string_view name;
    Fn fn;
    size_t arity;
};

constexpr FnSpec kFunctions[] = {
        {"len", Fn::kLen, 1},
        {"lower", Fn::kLower, 1},
        {"upper", Fn::kUpper, 1},
        {"default", Fn::kDefault, 2},
        {"join", Fn::kJoin, 2},
        {"split", Fn::kSplit, 2},
        {"contains", Fn::kContains, 2},
        {"startswith", Fn::kStartsWith, 2},
        {"endswith", Fn::kEndsWith, 2},
        {"arn_resource", Fn::kArnResource, 1},
        {"first", Fn::kFirst, 1},
        {"last", Fn::kLast, 1},
        {"unique", Fn::kUnique, 1},
        {"flatten", Fn::kFlatten, 1},
        {"keys", Fn::kKeys, 1},
        {"select", Fn::kSelect, 3},
        {"tag", Fn::kTag, 2},
        {"to_json", Fn::kToJson, 1},
        {"from_json", Fn::kFromJson, 1},
        {"replace", Fn::kReplace, 3},
        {"glob", Fn::kGlob, 2},
        {"now", Fn::kNow, 0},
        {"ago", Fn::kAgo, 1},
        {"count", Fn::kCount, 3},
        {"public_statements", Fn::kPublicStatements, 1},
        {"without_public_statements", Fn::kWithoutPublicStatements, 1},
        {"open_to_world", Fn::kOpenToWorld, 2},
};

enum class NodeKind : uint8_t {
    kLiteral,  // literal
    kList,     // children: the items
    kAccess,   // root identifier (no children) or children[0], then steps
    kNot,      // children[0]
    kAnd,      // children[0], children[1]
    kOr,
    kCompare,  // op: == != < <= > >=
    kIn,
    kNotIn,
    kAdd,
    kCall,  // fn, children: the arguments
};

// kDynamic: `[expression]`, node.subscripts[index] gives a number (an index) or a string (a
// member name) at evaluation time.
enum class StepKind : uint8_t { kMember, kIndex, kProject, kDynamic };

struct Step {
    StepKind kind = StepKind::kMember;
    std::string name;
    int64_t index = 0;
};

struct Node {
    NodeKind kind = NodeKind::kLiteral;
    size_t offset = 0;
    int depth = 1;
    Tok op = Tok::kEnd;
    Fn fn = Fn::kLen;
    JsonValue literal;
    std::string root;
    std::vector<Step> steps;
    std::vector<std::unique_ptr<Node>> children;
    std::vector<std::unique_ptr<Node>> subscripts;  // of kDynamic steps
};

// A syntax error before its offset is rendered into the message (templates shift offsets).
struct SyntaxError {
    size_t offset = 0;
    std::string what;
};

ExprError MakeError(const SyntaxError& e, size_t shift = 0) {
    size_t offset = e.offset + shift;
    return ExprError{offset, e.what + " at offset " + std::to_string(offset)};
}

bool IsIdentStart(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool IsIdentChar(char c) {
    return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '-';
}

bool IsDigit(char c) {
    return c >= '0' && c <= '9';
}

bool IsIdentifier(std::string_view s) {
    if (s.empty() || !IsIdentStart(s[0])) {
        return false;
    }
    return std::all_of(s.begin() + 1, s.end(), IsIdentChar);
}

void AppendUtf8(char32_t c, std::string* out) {
    if (c < 0x80) {
        out->push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out->push_back(static_cast<char>(0xC0 | (c >> 6)));
        out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out->push_back(static_cast<char>(0xE0 | (c >> 12)));
        out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out->push_back(static_cast<char>(0xF0 | (c >> 18)));
        out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

size_t Utf8Length(char32_t c) {
    return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

// ---------------------------------------------------------------------------------------------
// Lexer

class Lexer {
public:
    explicit Lexer(std::string_view text) : text_(text) {}

    bool Run(std::vector<Token>* out, SyntaxError* error) {
        while (true) {
            while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                           text_[pos_] == '\n' || text_[pos_] == '\r')) {
                ++pos_;
            }
            Token t;
            t.offset = pos_;
            if (pos_ == text_.size()) {
                out->push_back(std::move(t));
                return true;
            }
            if (!Next(&t, error)) {
                return false;
            }
            out->push_back(std::move(t));
        }
    }

private:
    bool Fail(size_t offset, std::string what, SyntaxError* error) {
        *error = SyntaxError{offset, std::move(what)};
        return false;
    }

    bool Next(Token* t, SyntaxError* error) {
        char c = text_[pos_];
        auto two = [&](char second) {
            return pos_ + 1 < text_.size() && text_[pos_ + 1] == second;
        };
        switch (c) {
            case '(':
                return Single(t, Tok::kLParen);
            case ')':
                return Single(t, Tok::kRParen);
            case '[':
                return Single(t, Tok::kLBracket);
            case ']':
                return Single(t, Tok::kRBracket);
            case ',':
                return Single(t, Tok::kComma);
            case '.':
                return Single(t, Tok::kDot);
            case '*':
                return Single(t, Tok::kStar);
            case '+':
                return Single(t, Tok::kPlus);
            case '=':
                if (two('=')) {
                    return Double(t, Tok::kEq);
                }
                return Fail(pos_, "expected '==' (a single '=' is not an operator)", error);
            case '!':
                if (two('=')) {
                    return Double(t, Tok::kNe);
                }
                return Fail(pos_, "expected '!=' (use 'not' for negation)", error);
            case '<':
                return two('=') ? Double(t, Tok::kLe) : Single(t, Tok::kLt);
            case '>':
                return two('=') ? Double(t, Tok::kGe) : Single(t, Tok::kGt);
            case '\'':
            case '"':
                return String(t, error);
            default:
                break;
        }
        if (IsDigit(c) || (c == '-' && pos_ + 1 < text_.size() && IsDigit(text_[pos_ + 1]))) {
            return Number(t, error);
        }
        if (IsIdentStart(c)) {
            size_t start = pos_;
            while (pos_ < text_.size() && IsIdentChar(text_[pos_])) {
                ++pos_;
            }
            t->text = std::string(text_.substr(start, pos_ - start));
            t->kind = KeywordOrIdent(t->text);
            return true;
        }
        if (c == '-') {
            return Fail(pos_,
                        "unexpected '-' (there is no subtraction; '-' only starts a negative "
                        "number or continues a name)",
                        error);
        }
        auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f) {
            return Fail(pos_, std::string("unexpected character '") + c + "'", error);
        }
        return Fail(pos_, "unexpected byte 0x" + Hex2(byte), error);
    }

    static std::string Hex2(unsigned char b) {
        const char* digits = "0123456789abcdef";
        return {digits[b >> 4], digits[b & 15]};
    }

    static Tok KeywordOrIdent(std::string_view s) {
        if (s == "and") {
            return Tok::kAnd;
        }
        if (s == "or") {
            return Tok::kOr;
        }
        if (s == "not") {
            return Tok::kNot;
        }
        if (s == "in") {
            return Tok::kIn;
        }
        if (s == "true") {
            return Tok::kTrue;
        }
        if (s == "false") {
            return Tok::kFalse;
        }
        if (s == "null") {
            return Tok::kNull;
        }
        return Tok::kIdent;
    }

    bool Single(Token* t, Tok kind) {
        t->kind = kind;
        ++pos_;
        return true;
    }

    bool Double(Token* t, Tok kind) {
        t->kind = kind;
        pos_ += 2;
        return true;
    }

    // JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    bool Number(Token* t, SyntaxError* error) {
        size_t start = pos_;
        if (text_[pos_] == '-') {
            ++pos_;
        }
        auto digits = [&] {
            size_t from = pos_;
            while (pos_ < text_.size() && IsDigit(text_[pos_])) {
                ++pos_;
            }
            return pos_ - from;
        };
        size_t int_start = pos_;
        size_t n = digits();
        if (n > 1 && text_[int_start] == '0') {
            return Fail(start, "invalid number (leading zero)", error);
        }
        if (pos_ < text_.size() && text_[pos_] == '.' && pos_ + 1 < text_.size() &&
            IsDigit(text_[pos_ + 1])) {
            ++pos_;
            digits();
        }
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            size_t save = pos_;
            ++pos_;
            if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
                ++pos_;
            }
            if (digits() == 0) {
                pos_ = save;
                return Fail(start, "invalid number (exponent without digits)", error);
            }
        }
        t->kind = Tok::kNumber;
        t->text = std::string(text_.substr(start, pos_ - start));
        ParsedNumber parsed;
        if (!ParseJsonNumber(t->text, &parsed)) {
            return Fail(start, "invalid number '" + t->text + "'", error);
        }
        return true;
    }

    bool Hex4(size_t at, uint32_t* out) {
        if (at + 4 > text_.size()) {
            return false;
        }
        uint32_t v = 0;
        for (size_t i = at; i < at + 4; ++i) {
            char h = text_[i];
            v <<= 4;
            if (h >= '0' && h <= '9') {
                v |= static_cast<uint32_t>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
                v |= static_cast<uint32_t>(h - 'a' + 10);
            } else if (h >= 'A' && h <= 'F') {
                v |= static_cast<uint32_t>(h - 'A' + 10);
            } else {
                return false;
            }
        }
        *out = v;
        return true;
    }

    bool String(Token* t, SyntaxError* error) {
        size_t start = pos_;
        char quote = text_[pos_++];
        t->kind = Tok::kString;
        while (true) {
            if (pos_ >= text_.size()) {
                return Fail(start, "unterminated string", error);
            }
            char c = text_[pos_];
            if (c == quote) {
                ++pos_;
                return true;
            }
            if (c != '\\') {
                t->text.push_back(c);
                ++pos_;
                continue;
            }
            size_t esc = pos_;
            if (pos_ + 1 >= text_.size()) {
                return Fail(start, "unterminated string", error);
            }
            char e = text_[pos_ + 1];
            pos_ += 2;
            switch (e) {
                case '\\':
                case '\'':
                case '"':
                case '/':
                    t->text.push_back(e);
                    break;
                case 'n':
                    t->text.push_back('\n');
                    break;
                case 't':
                    t->text.push_back('\t');
                    break;
                case 'r':
                    t->text.push_back('\r');
                    break;
                case 'b':
                    t->text.push_back('\b');
                    break;
                case 'f':
                    t->text.push_back('\f');
                    break;
                case 'u': {
                    uint32_t cp = 0;
                    if (!Hex4(pos_, &cp)) {
                        return Fail(esc, "invalid \\u escape (expected four hex digits)", error);
                    }
                    pos_ += 4;
                    if (cp >= 0xDC00 && cp <= 0xDFFF) {
                        return Fail(esc, "invalid \\u escape (lone low surrogate)", error);
                    }
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        uint32_t low = 0;
                        if (pos_ + 1 >= text_.size() || text_[pos_] != '\\' ||
                            text_[pos_ + 1] != 'u' || !Hex4(pos_ + 2, &low) || low < 0xDC00 ||
                            low > 0xDFFF) {
                            return Fail(esc, "invalid \\u escape (lone high surrogate)", error);
                        }
                        pos_ += 6;
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    AppendUtf8(static_cast<char32_t>(cp), &t->text);
                    break;
                }
                default:
                    return Fail(
                            esc, "invalid escape '\\" + std::string(1, e) + "' in string", error);
            }
        }
    }

    std::string_view text_;
    size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Parser (precedence climbing: or < and < not < comparison/in < + < postfix)

std::string_view TokName(Tok t) {
    switch (t) {
        case Tok::kEnd:
            return "end of expression";
        case Tok::kIdent:
            return "name";
        case Tok::kNumber:
            return "number";
        case Tok::kString:
            return "string";
        case Tok::kLParen:
            return "'('";
        case Tok::kRParen:
            return "')'";
        case Tok::kLBracket:
            return "'['";
        case Tok::kRBracket:
            return "']'";
        case Tok::kComma:
            return "','";
        case Tok::kDot:
            return "'.'";
        case Tok::kStar:
            return "'*'";
        case Tok::kEq:
            return "'=='";
        case Tok::kNe:
            return "'!='";
        case Tok::kLt:
            return "'<'";
        case Tok::kLe:
            return "'<='";
        case Tok::kGt:
            return "'>'";
        case Tok::kGe:
            return "'>='";
        case Tok::kPlus:
            return "'+'";
        case Tok::kAnd:
            return "'and'";
        case Tok::kOr:
            return "'or'";
        case Tok::kNot:
            return "'not'";
        case Tok::kIn:
            return "'in'";
        case Tok::kTrue:
            return "'true'";
        case Tok::kFalse:
            return "'false'";
        case Tok::kNull:
            return "'null'";
    }
    return "token";
}

bool IsWordToken(Tok t) {
    return t == Tok::kIdent || t == Tok::kAnd || t == Tok::kOr || t == Tok::kNot || t == Tok::kIn ||
           t == Tok::kTrue || t == Tok::kFalse || t == Tok::kNull;
}

using NodePtr = std::unique_ptr<Node>;

class Parser {
public:
    Parser(std::vector<Token> tokens, std::vector<std::vector<std::string>>* references)
        : tokens_(std::move(tokens)),
          references_(references) {}

    bool Parse(NodePtr* out, SyntaxError* error) {
        if (Peek().kind == Tok::kEnd) {
            return Fail(Peek().offset, "empty expression", error);
        }
        if (!ParseBinary(0, out, error)) {
            return false;
        }
        if (Peek().kind != Tok::kEnd) {
            return Fail(
                    Peek().offset,
                    "expected an operator or the end of the expression, found " + Describe(Peek()),
                    error);
        }
        return true;
    }

private:
    static bool Fail(size_t offset, std::string what, SyntaxError* error) {
        *error = SyntaxError{offset, std::move(what)};
        return false;
    }

    static std::string Describe(const Token& t) {
        if (t.kind == Tok::kIdent) {
            return "'" + t.text + "'";
        }
        if (t.kind == Tok::kNumber) {
            return "number " + t.text;
        }
        return std::string(TokName(t.kind));
    }

    const Token& Peek(size_t ahead = 0) const {
        size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
        return tokens_[i];
    }

    const Token& Take() {
        const Token& t = tokens_[pos_];
        if (pos_ + 1 < tokens_.size()) {
            ++pos_;
        }
        return t;
    }

    bool Expect(Tok kind, SyntaxError* error) {
        if (Peek().kind != kind) {
            return Fail(Peek().offset,
                        "expected " + std::string(TokName(kind)) + ", found " + Describe(Peek()),
                        error);
        }
        Take();
        return true;
    }

    // Gives `node` its depth from its children; false (an error) above kMaxExpressionDepth.
    static bool Finish(Node* node, SyntaxError* error) {
        int depth = 0;
        for (const NodePtr& child : node->children) {
            depth = std::max(depth, child->depth);
        }
        node->depth = depth + 1;
        if (node->depth > kMaxExpressionDepth) {
            return Fail(node->offset,
                        "expression nested too deeply (more than " +
                                std::to_string(kMaxExpressionDepth) + " levels)",
                        error);
        }
        return true;
    }

    // Binding power of an infix operator at the current token (0: not an infix operator).
    int InfixPower() const {
        switch (Peek().kind) {
            case Tok::kOr:
                return 1;
            case Tok::kAnd:
                return 2;
            case Tok::kEq:
            case Tok::kNe:
            case Tok::kLt:
            case Tok::kLe:
            case Tok::kGt:
            case Tok::kGe:
            case Tok::kIn:
                return 4;
            case Tok::kNot:
                return Peek(1).kind == Tok::kIn ? 4 : 0;
            case Tok::kPlus:
                return 5;
            default:
                return 0;
        }
    }

    bool ParseBinary(int min_power, NodePtr* out, SyntaxError* error) {
        if (++nesting_ > kMaxExpressionDepth) {
            return Fail(Peek().offset,
                        "expression nested too deeply (more than " +
                                std::to_string(kMaxExpressionDepth) + " levels)",
                        error);
        }
        NodePtr left;
        if (!ParseUnary(&left, error)) {
            return false;
        }
        while (true) {
            int power = InfixPower();
            if (power == 0 || power <= min_power) {
                break;
            }
            const Token& op = Take();
            auto node = std::make_unique<Node>();
            node->offset = op.offset;
            switch (op.kind) {
                case Tok::kOr:
                    node->kind = NodeKind::kOr;
                    break;
                case Tok::kAnd:
                    node->kind = NodeKind::kAnd;
                    break;
                case Tok::kIn:
                    node->kind = NodeKind::kIn;
                    break;
                case Tok::kNot:
                    Take();  // `in`
                    node->kind = NodeKind::kNotIn;
                    break;
                case Tok::kPlus:
                    node->kind = NodeKind::kAdd;
                    break;
                default:
                    node->kind = NodeKind::kCompare;
                    node->op = op.kind;
                    break;
            }
            NodePtr right;
            if (!ParseBinary(power, &right, error)) {
                return false;
            }
            node->children.push_back(std::move(left));
            node->children.push_back(std::move(right));
            if (!Finish(node.get(), error)) {
                return false;
            }
            left = std::move(node);
        }
        --nesting_;
        *out = std::move(left);
        return true;
    }

    bool ParseUnary(NodePtr* out, SyntaxError* error) {
        if (Peek().kind == Tok::kNot) {
            auto node = std::make_unique<Node>();
            node->kind = NodeKind::kNot;
            node->offset = Take().offset;
            NodePtr operand;
            // `not` binds looser than comparisons: `not a == b` is `not (a == b)`.
            if (!ParseBinary(3, &operand, error)) {
                return false;
            }
            node->children.push_back(std::move(operand));
            if (!Finish(node.get(), error)) {
                return false;
            }
            *out = std::move(node);
            return true;
        }
        if (!ParsePrimary(out, error)) {
            return false;
        }
        return ParsePostfix(out, error);
    }

    bool ParsePrimary(NodePtr* out, SyntaxError* error) {
        const Token& t = Peek();
        auto node = std::make_unique<Node>();
        node->offset = t.offset;
        switch (t.kind) {
            case Tok::kNumber:
                node->literal.type = Type::kNumber;
                node->literal.text = Take().text;
                break;
            case Tok::kString:
                node->literal.type = Type::kString;
                node->literal.text = Take().text;
                break;
            case Tok::kTrue:
            case Tok::kFalse:
                node->literal.type = Type::kBool;
                node->literal.boolean = Take().kind == Tok::kTrue;
                break;
            case Tok::kNull:
                Take();
                break;
            case Tok::kLParen: {
                Take();
                NodePtr inner;
                if (!ParseBinary(0, &inner, error)) {
                    return false;
                }
                if (!Expect(Tok::kRParen, error)) {
                    return false;
                }
                *out = std::move(inner);
                return true;
            }
            case Tok::kLBracket: {
                Take();
                node->kind = NodeKind::kList;
                if (!ParseArguments(Tok::kRBracket, &node->children, error)) {
                    return false;
                }
                break;
            }
            case Tok::kIdent: {
                std::string name = Take().text;
                if (Peek().kind == Tok::kLParen) {
                    if (!ParseCall(node.get(), name, error) || !Finish(node.get(), error)) {
                        return false;
                    }
                    *out = std::move(node);
                    return true;
                }
                node->kind = NodeKind::kAccess;
                node->root = std::move(name);
                break;
            }
            default:
                return Fail(t.offset, "expected a value, found " + Describe(t), error);
        }
        if (!Finish(node.get(), error)) {
            return false;
        }
        *out = std::move(node);
        return true;
    }

    bool ParseArguments(Tok close, std::vector<NodePtr>* items, SyntaxError* error) {
        if (Peek().kind == close) {
            Take();
            return true;
        }
        while (true) {
            NodePtr item;
            if (!ParseBinary(0, &item, error)) {
                return false;
            }
            items->push_back(std::move(item));
            if (Peek().kind == Tok::kComma) {
                Take();
                continue;
            }
            if (Peek().kind == close) {
                Take();
                return true;
            }
            return Fail(Peek().offset,
                        "expected ',' or " + std::string(TokName(close)) + ", found " +
                                Describe(Peek()),
                        error);
        }
    }

    bool ParseCall(Node* node, const std::string& name, SyntaxError* error) {
        const FnSpec* spec = nullptr;
        for (const FnSpec& f : kFunctions) {
            if (f.name == name) {
                spec = &f;
            }
        }
        if (spec == nullptr) {
            return Fail(node->offset, "unknown function '" + name + "'", error);
        }
        Take();  // (
        node->kind = NodeKind::kCall;
        node->fn = spec->fn;
        if (!ParseArguments(Tok::kRParen, &node->children, error)) {
            return false;
        }
        if (node->children.size() != spec->arity) {
            return Fail(node->offset,
                        "function '" + name + "' takes " + std::to_string(spec->arity) +
                                (spec->arity == 1 ? " argument" : " arguments") + ", got " +
                                std::to_string(node->children.size()),
                        error);
        }
        return true;
    }

    // `.name`, `['key']`, `[N]`, `[*]` after a value. A root path's steps stay in its node; a
    // computed value gets an access node over it.
    bool ParsePostfix(NodePtr* node, SyntaxError* error) {
        Tok k = Peek().kind;
        if (k != Tok::kDot && k != Tok::kLBracket) {
            return true;
        }
        Node* access = node->get();
        if (access->kind != NodeKind::kAccess) {
            auto wrapper = std::make_unique<Node>();
            wrapper->kind = NodeKind::kAccess;
            wrapper->offset = access->offset;
            wrapper->children.push_back(std::move(*node));
            if (!Finish(wrapper.get(), error)) {
                return false;
            }
            *node = std::move(wrapper);
            access = node->get();
        }
        while (true) {
            k = Peek().kind;
            Step step;
            if (k == Tok::kDot) {
                Take();
                if (!IsWordToken(Peek().kind)) {
                    return Fail(Peek().offset,
                                "expected a name after '.', found " + Describe(Peek()),
                                error);
                }
                step.name = Take().text;
            } else if (k == Tok::kLBracket) {
                Take();
                const Token& inner = Peek();
                if (inner.kind == Tok::kStar) {
                    step.kind = StepKind::kProject;
                } else if (inner.kind == Tok::kString) {
                    step.name = inner.text;
                } else if (inner.kind == Tok::kNumber) {
                    step.kind = StepKind::kIndex;
                    const std::string& s = inner.text;
                    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), step.index);
                    if (ec != std::errc() || end != s.data() + s.size()) {
                        return Fail(inner.offset,
                                    "index must be an integer within 64 bits, found " + s,
                                    error);
                    }
                } else {
                    // `[expression]`: evaluated when the path is walked.
                    NodePtr sub;
                    if (!ParseBinary(0, &sub, error)) {
                        return false;
                    }
                    step.kind = StepKind::kDynamic;
                    step.index = static_cast<int64_t>(access->subscripts.size());
                    access->subscripts.push_back(std::move(sub));
                    if (!Expect(Tok::kRBracket, error)) {
                        return false;
                    }
                    access->steps.push_back(std::move(step));
                    continue;
                }
                Take();
                if (!Expect(Tok::kRBracket, error)) {
                    return false;
                }
            } else {
                break;
            }
            access->steps.push_back(std::move(step));
        }
        return true;
    }

public:
    // The references of every root path in the tree, in order of first appearance.
    void CollectReferences(const Node& node) {
        if (node.kind == NodeKind::kAccess && node.children.empty()) {
            std::vector<std::string> ref{node.root};
            if (!node.steps.empty() && node.steps[0].kind == StepKind::kMember) {
                ref.push_back(node.steps[0].name);
            }
            if (std::find(references_->begin(), references_->end(), ref) == references_->end()) {
                references_->push_back(std::move(ref));
            }
        }
        for (const NodePtr& child : node.children) {
            CollectReferences(*child);
        }
        for (const NodePtr& sub : node.subscripts) {
            CollectReferences(*sub);
        }
    }

private:
    std::vector<Token> tokens_;
    size_t pos_ = 0;
    int nesting_ = 0;
    std::vector<std::vector<std::string>>* references_;
};

}  // namespace

struct Expression::Impl {
    std::string text;
    std::unique_ptr<Node> root;
    std::vector<std::vector<std::string>> references;
};

namespace {

const std::string kEmptyText;
const std::vector<std::vector<std::string>> kNoReferences;
const JsonValue kNullJson;

Result<std::shared_ptr<Expression::Impl>, SyntaxError> ParseImpl(std::string_view text) {
    if (text.size() > kMaxExpressionBytes) {
        return SyntaxError{
                kMaxExpressionBytes,
                "expression longer than " + std::to_string(kMaxExpressionBytes) + " bytes"};
    }
    std::vector<Token> tokens;
    SyntaxError error;
    if (!Lexer(text).Run(&tokens, &error)) {
        return error;
    }
    auto impl = std::make_shared<Expression::Impl>();
    impl->text = std::string(text);
    Parser parser(std::move(tokens), &impl->references);
    if (!parser.Parse(&impl->root, &error)) {
        return error;
    }
    parser.CollectReferences(*impl->root);
    return impl;
}

}  // namespace

const std::string& Expression::text() const {
    return impl_ ? impl_->text : kEmptyText;
}

const std::vector<std::vector<std::string>>& Expression::references() const {
    return impl_ ? impl_->references : kNoReferences;
}

Result<Expression, ExprError> ParseExpression(std::string_view text) {
    auto impl = ParseImpl(text);
    if (!impl) {
        return MakeError(impl.error());
    }
    Expression expr;
    expr.impl_ = std::move(*impl);
    return expr;
}

// ---------------------------------------------------------------------------------------------
// Values

namespace {

struct Number {
    bool is_int = false;
    int64_t i = 0;
    double d = 0;
};

Number ToNumber(const JsonValue& v) {
    Number n;
    const std::string& s = v.text;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n.i);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) {
        n.is_int = true;
        n.d = static_cast<double>(n.i);
        return n;
    }
    ParsedNumber parsed;
    n.d = ParseJsonNumber(s, &parsed) ? parsed.value : std::numeric_limits<double>::quiet_NaN();
    return n;
}

// -1, 0, 1, or 2 when unordered (NaN).
int CompareNumbers(const JsonValue& a, const JsonValue& b) {
    Number x = ToNumber(a);
    Number y = ToNumber(b);
    if (x.is_int && y.is_int) {
        return x.i < y.i ? -1 : x.i > y.i ? 1 : 0;
    }
    if (x.d < y.d) {
        return -1;
    }
    if (x.d > y.d) {
        return 1;
    }
    return x.d == y.d ? 0 : 2;
}

// An object's distinct keys in order of first appearance, each with its last value (as Find).
// Linear with a hash set for large objects, so that big objects cost no quadratic time.
using Members = std::vector<std::pair<std::string_view, const JsonValue*>>;

Members DistinctMembers(const JsonValue& obj) {
    Members out;
    std::unordered_map<std::string_view, size_t> index;
    for (const auto& [key, value] : obj.members) {
        auto [it, inserted] = index.emplace(key, out.size());
        if (inserted) {
            out.emplace_back(key, &value);
        } else {
            out[it->second].second = &value;
        }
    }
    return out;
}

Members SortedMembers(const JsonValue& obj) {
    Members out = DistinctMembers(obj);
    std::sort(
            out.begin(), out.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    return out;
}

// text.find(needle, from) in linear time (Knuth-Morris-Pratt) for long needles, where the
// library's search can take time proportional to the product of the lengths.
size_t FindText(std::string_view text, std::string_view needle, size_t from = 0) {
    constexpr size_t kShortNeedle = 32;
    if (needle.size() <= kShortNeedle || from >= text.size()) {
        return text.find(needle, from);
    }
    std::vector<size_t> fail(needle.size(), 0);
    for (size_t i = 1, k = 0; i < needle.size(); ++i) {
        while (k > 0 && needle[i] != needle[k]) {
            k = fail[k - 1];
        }
        if (needle[i] == needle[k]) {
            ++k;
        }
        fail[i] = k;
    }
    for (size_t i = from, k = 0; i < text.size(); ++i) {
        while (k > 0 && text[i] != needle[k]) {
            k = fail[k - 1];
        }
        if (text[i] == needle[k]) {
            ++k;
        }
        if (k == needle.size()) {
            return i + 1 - k;
        }
    }
    return std::string_view::npos;
}

// Bytes a copy of the value takes, roughly (for the evaluation's size budget).
size_t ApproxSize(const JsonValue& v) {
    size_t n = sizeof(JsonValue) + v.text.size();
    for (const JsonValue& item : v.items) {
        n += ApproxSize(item);
    }
    for (const auto& [key, member] : v.members) {
        n += key.size() + ApproxSize(member);
    }
    return n;
}

bool Equal(const JsonValue& a, const JsonValue& b) {
    if (a.type != b.type) {
        return false;
    }
    switch (a.type) {
        case Type::kNull:
            return true;
        case Type::kBool:
            return a.boolean == b.boolean;
        case Type::kNumber:
            return CompareNumbers(a, b) == 0;
        case Type::kString:
            return a.text == b.text;
        case Type::kArray:
            if (a.items.size() != b.items.size()) {
                return false;
            }
            for (size_t i = 0; i < a.items.size(); ++i) {
                if (!Equal(a.items[i], b.items[i])) {
                    return false;
                }
            }
            return true;
        case Type::kObject: {
            Members x = SortedMembers(a);
            Members y = SortedMembers(b);
            if (x.size() != y.size()) {
                return false;
            }
            for (size_t i = 0; i < x.size(); ++i) {
                if (x[i].first != y[i].first || !Equal(*x[i].second, *y[i].second)) {
                    return false;
                }
            }
            return true;
        }
    }
    return false;
}

// A key that equal values share (numbers by their double value), for hashing in unique().
void AppendHashKey(const JsonValue& v, std::string* out) {
    switch (v.type) {
        case Type::kNull:
            out->push_back('n');
            break;
        case Type::kBool:
            out->push_back(v.boolean ? 't' : 'f');
            break;
        case Type::kNumber: {
            double d = ToNumber(v).d;
            if (d == 0) {
                d = 0;  // -0 and 0 are equal
            }
            char buf[40];
            auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
            out->push_back('#');
            out->append(buf, ec == std::errc() ? end : buf);
            break;
        }
        case Type::kString:
            AppendJsonString(v.text, out);
            break;
        case Type::kArray:
            out->push_back('[');
            for (const JsonValue& item : v.items) {
                AppendHashKey(item, out);
                out->push_back(',');
            }
            out->push_back(']');
            break;
        case Type::kObject: {
            out->push_back('{');
            for (const auto& [key, member] : SortedMembers(v)) {
                AppendJsonString(key, out);
                out->push_back(':');
                AppendHashKey(*member, out);
                out->push_back(',');
            }
            out->push_back('}');
            break;
        }
    }
}

std::string_view TypeName(const JsonValue& v) {
    switch (v.type) {
        case Type::kNull:
            return "null";
        case Type::kBool:
            return "boolean";
        case Type::kNumber:
            return "number";
        case Type::kString:
            return "string";
        case Type::kArray:
            return "list";
        case Type::kObject:
            return "object";
    }
    return "value";
}

bool UnknownMarker(const JsonValue& v, std::string* ref) {
    if (!v.is_object()) {
        return false;
    }
    const JsonValue* marker = v.Find("$unknown");
    if (marker == nullptr || !marker->is_string()) {
        return false;
    }
    *ref = marker->text;
    return true;
}

JsonValue NumberFromDouble(double d) {
    JsonValue v;
    v.type = Type::kNumber;
    char buf[40];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
    v.text.assign(buf, ec == std::errc() ? end : buf);
    return v;
}

std::string StepsText(const std::vector<Step>& steps, size_t from) {
    std::string out;
    for (size_t i = from; i < steps.size(); ++i) {
        const Step& s = steps[i];
        switch (s.kind) {
            case StepKind::kMember:
                if (IsIdentifier(s.name)) {
                    out.append(".").append(s.name);
                } else {
                    out.push_back('[');
                    AppendJsonString(s.name, &out);
                    out.push_back(']');
                }
                break;
            case StepKind::kIndex:
                out.append("[").append(std::to_string(s.index)).append("]");
                break;
            case StepKind::kProject:
                out.append("[*]");
                break;
            case StepKind::kDynamic:
                out.append("[...]");
                break;
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

constexpr size_t kMaxEvalBytes = size_t{16} << 20;

// An intermediate value: borrowed from the scope (no copy while walking paths) or owned.
struct V {
    const JsonValue* ref = nullptr;
    JsonValue owned;
    bool unknown = false;
    std::string unknown_ref;

    const JsonValue& json() const { return ref != nullptr ? *ref : owned; }

    JsonValue Take() && { return ref != nullptr ? *ref : std::move(owned); }
};

V Borrow(const JsonValue* v) {
    V out;
    out.ref = v;
    return out;
}

V Own(JsonValue v) {
    V out;
    out.owned = std::move(v);
    return out;
}

V Unknown(std::string ref) {
    V out;
    out.unknown = true;
    out.unknown_ref = std::move(ref);
    return out;
}

using EvalResult = Result<V, std::string>;

class Evaluator {
public:
    Evaluator(const Expression::Impl& impl, const JsonValue& scope) : impl_(impl), scope_(scope) {}

    EvalResult Eval(const Node& node) {
        switch (node.kind) {
            case NodeKind::kLiteral:
                return Borrow(&node.literal);
            case NodeKind::kList:
                return EvalList(node);
            case NodeKind::kAccess:
                return EvalAccess(node);
            case NodeKind::kNot: {
                auto v = Eval(*node.children[0]);
                if (!v || v->unknown) {
                    return v;
                }
                return Own(JsonBool(!Truthy(v->json())));
            }
            case NodeKind::kAnd:
            case NodeKind::kOr:
                return EvalLogic(node);
            case NodeKind::kCompare:
            case NodeKind::kIn:
            case NodeKind::kNotIn:
            case NodeKind::kAdd:
                return EvalBinary(node);
            case NodeKind::kCall:
                return EvalCall(node);
        }
        return Error(node, "internal error: unknown node");
    }

private:
    std::string Error(const Node& node, std::string_view what) const {
        std::string text = impl_.text;
        return std::string(what) + " at offset " + std::to_string(node.offset) + " in `" + text +
               "`";
    }

    // Accounts for `bytes` of produced data; false past the evaluation's budget.
    bool Charge(size_t bytes) {
        if (bytes > budget_) {
            budget_ = 0;
            return false;
        }
        budget_ -= bytes;
        return true;
    }

    std::string TooLarge(const Node& node) const {
        return Error(node,
                     "result too large (an evaluation produces at most " +
                             std::to_string(kMaxEvalBytes >> 20) + " MiB)");
    }

    EvalResult EvalList(const Node& node) {
        JsonValue list = JsonArray();
        if (!Charge(node.children.size() * sizeof(JsonValue))) {
            return TooLarge(node);
        }
        for (const NodePtr& child : node.children) {
            auto v = Eval(*child);
            if (!v || v->unknown) {
                return v;
            }
            if (v->ref != nullptr && !Charge(ApproxSize(*v->ref))) {
                return TooLarge(node);
            }
            list.items.push_back(std::move(*v).Take());
        }
        return Own(std::move(list));
    }

    EvalResult EvalAccess(const Node& node) {
        if (node.children.empty()) {
            const JsonValue* root = scope_.is_object() ? scope_.Find(node.root) : nullptr;
            return Walk(root != nullptr ? root : &kNullJson, node, 0);
        }
        auto base = Eval(*node.children[0]);
        if (!base) {
            return base;
        }
        if (base->unknown) {
            return Unknown(base->unknown_ref + StepsText(node.steps, 0));
        }
        if (base->ref != nullptr) {
            return Walk(base->ref, node, 0);
        }
        auto out = Walk(&base->owned, node, 0);
        if (out && out->ref != nullptr) {
            // The result points into a temporary: copy it out.
            out->owned = *out->ref;
            out->ref = nullptr;
        }
        return out;
    }

    // Applies node.steps[i..] to *cur.
    EvalResult Walk(const JsonValue* cur, const Node& node, size_t i) {
        std::string ref;
        for (; i < node.steps.size(); ++i) {
            if (UnknownMarker(*cur, &ref)) {
                return Unknown(ref + StepsText(node.steps, i));
            }
            const Step& step = node.steps[i];
            switch (step.kind) {
                case StepKind::kMember:
                    cur = cur->is_object() ? cur->Find(step.name) : nullptr;
                    break;
                case StepKind::kIndex: {
                    if (!cur->is_array()) {
                        cur = nullptr;
                        break;
                    }
                    auto size = static_cast<int64_t>(cur->items.size());
                    int64_t index = step.index < 0 ? size + step.index : step.index;
                    cur = index >= 0 && index < size ? &cur->items[static_cast<size_t>(index)]
                                                     : nullptr;
                    break;
                }
                case StepKind::kProject:
                    if (!cur->is_array()) {
                        return Borrow(&kNullJson);
                    }
                    return Project(*cur, node, i);
                case StepKind::kDynamic: {
                    auto key = Eval(*node.subscripts[static_cast<size_t>(step.index)]);
                    if (!key || key->unknown) {
                        return key;
                    }
                    const JsonValue& k = key->json();
                    if (k.is_number()) {
                        Number n = ToNumber(k);
                        if (!n.is_int || !cur->is_array()) {
                            cur = nullptr;
                            break;
                        }
                        auto size = static_cast<int64_t>(cur->items.size());
                        int64_t index = n.i < 0 ? size + n.i : n.i;
                        cur = index >= 0 && index < size ? &cur->items[static_cast<size_t>(index)]
                                                         : nullptr;
                    } else if (k.is_string()) {
                        cur = cur->is_object() ? cur->Find(k.text) : nullptr;
                    } else {
                        cur = nullptr;
                    }
                    break;
                }
            }
            if (cur == nullptr) {
                return Borrow(&kNullJson);
            }
        }
        if (UnknownMarker(*cur, &ref)) {
            return Unknown(ref);
        }
        return Borrow(cur);
    }

    // `list[*]rest`: rest applied to each element, nulls dropped; flattened one level when the
    // rest projects too.
    EvalResult Project(const JsonValue& list, const Node& node, size_t i) {
        bool flatten = false;
        for (size_t j = i + 1; j < node.steps.size(); ++j) {
            flatten = flatten || node.steps[j].kind == StepKind::kProject;
        }
        JsonValue out = JsonArray();
        for (const JsonValue& item : list.items) {
            auto v = Walk(&item, node, i + 1);
            if (!v || v->unknown) {
                return v;
            }
            if (!Charge(ApproxSize(v->json()))) {
                return TooLarge(node);
            }
            JsonValue j = std::move(*v).Take();
            if (j.type == Type::kNull) {
                continue;
            }
            if (flatten && j.is_array()) {
                for (JsonValue& sub : j.items) {
                    out.items.push_back(std::move(sub));
                }
            } else {
                out.items.push_back(std::move(j));
            }
        }
        return Own(std::move(out));
    }

    EvalResult EvalLogic(const Node& node) {
        bool is_and = node.kind == NodeKind::kAnd;
        auto left = Eval(*node.children[0]);
        if (!left) {
            return left;
        }
        if (!left->unknown && Truthy(left->json()) != is_and) {
            return Own(JsonBool(!is_and));  // decided by the left side
        }
        auto right = Eval(*node.children[1]);
        if (!right) {
            return right;
        }
        if (!right->unknown && Truthy(right->json()) != is_and) {
            return Own(JsonBool(!is_and));  // decided by the right side
        }
        if (left->unknown) {
            return left;
        }
        if (right->unknown) {
            return right;
        }
        return Own(JsonBool(is_and));
    }

    EvalResult EvalBinary(const Node& node) {
        auto left = Eval(*node.children[0]);
        if (!left) {
            return left;
        }
        auto right = Eval(*node.children[1]);
        if (!right) {
            return right;
        }
        if (left->unknown) {
            return left;
        }
        if (right->unknown) {
            return right;
        }
        const JsonValue& a = left->json();
        const JsonValue& b = right->json();
        switch (node.kind) {
            case NodeKind::kIn:
            case NodeKind::kNotIn: {
                std::string error;
                int in = Contains(b, a, node, &error);
                if (in < 0) {
                    return error;
                }
                return Own(JsonBool((in == 1) == (node.kind == NodeKind::kIn)));
            }
            case NodeKind::kAdd:
                return Add(a, b, node);
            default:
                break;
        }
        if (node.op == Tok::kEq || node.op == Tok::kNe) {
            return Own(JsonBool(Equal(a, b) == (node.op == Tok::kEq)));
        }
        int order = 0;
        if (a.is_number() && b.is_number()) {
            order = CompareNumbers(a, b);
        } else if (a.is_string() && b.is_string()) {
            order = a.text.compare(b.text);
            order = order < 0 ? -1 : order > 0 ? 1 : 0;
        } else {
            return Error(node,
                         std::string(TokName(node.op)) + " needs two numbers or two strings, got " +
                                 std::string(TypeName(a)) + " and " + std::string(TypeName(b)));
        }
        bool result = false;
        if (order != 2) {
            switch (node.op) {
                case Tok::kLt:
                    result = order < 0;
                    break;
                case Tok::kLe:
                    result = order <= 0;
                    break;
                case Tok::kGt:
                    result = order > 0;
                    break;
                default:
                    result = order >= 0;
                    break;
            }
        }
        return Own(JsonBool(result));
    }

    // 1 when `needle` is in `hay` (list element, substring, object key), 0 when not, -1 on a
    // type error (message in *error).
    int Contains(const JsonValue& hay,
                 const JsonValue& needle,
                 const Node& node,
                 std::string* error) const {
        switch (hay.type) {
            case Type::kNull:
                return 0;
            case Type::kArray:
                for (const JsonValue& item : hay.items) {
                    if (Equal(item, needle)) {
                        return 1;
                    }
                }
                return 0;
            case Type::kString:
            case Type::kObject:
                if (!needle.is_string()) {
                    *error = Error(node,
                                   "membership in a " + std::string(TypeName(hay)) +
                                           " needs a string to look for, got " +
                                           std::string(TypeName(needle)));
                    return -1;
                }
                if (hay.is_string()) {
                    return FindText(hay.text, needle.text) != std::string::npos ? 1 : 0;
                }
                return hay.Find(needle.text) != nullptr ? 1 : 0;
            default:
                *error = Error(node,
                               "membership needs a list, a string or an object, got " +
                                       std::string(TypeName(hay)));
                return -1;
        }
    }

    EvalResult Add(const JsonValue& a, const JsonValue& b, const Node& node) {
        if (a.is_number() && b.is_number()) {
            Number x = ToNumber(a);
            Number y = ToNumber(b);
            int64_t sum = 0;
            if (x.is_int && y.is_int && !__builtin_add_overflow(x.i, y.i, &sum)) {
                return Own(JsonInt(sum));
            }
            double d = x.d + y.d;
            if (!std::isfinite(d)) {
                return Error(node, "number addition overflows");
            }
            return Own(NumberFromDouble(d));
        }
        if (a.is_array() && b.is_array()) {
            if (!Charge(ApproxSize(a) + ApproxSize(b))) {
                return TooLarge(node);
            }
            JsonValue out = a;
            out.items.insert(out.items.end(), b.items.begin(), b.items.end());
            return Own(std::move(out));
        }
        bool a_text = a.is_string() || a.is_number();
        bool b_text = b.is_string() || b.is_number();
        if (a_text && b_text && (a.is_string() || b.is_string())) {
            if (!Charge(a.text.size() + b.text.size())) {
                return TooLarge(node);
            }
            return Own(JsonString(a.text + b.text));
        }
        return Error(node,
                     "'+' needs two numbers, two strings (or a string and a number) or "
                     "two lists, got " +
                             std::string(TypeName(a)) + " and " + std::string(TypeName(b)));
    }

    std::string ArgError(const Node& node, std::string_view needs, const JsonValue& got) const {
        return Error(node,
                     std::string(FnName(node.fn)) + "() needs " + std::string(needs) + ", got " +
                             std::string(TypeName(got)));
    }

    static std::string_view FnName(Fn fn) {
        for (const FnSpec& f : kFunctions) {
            if (f.fn == fn) {
                return f.name;
            }
        }
        return "function";
    }

    EvalResult EvalCall(const Node& node) {
        if (node.fn == Fn::kDefault) {
            auto x = Eval(*node.children[0]);
            if (!x || x->unknown) {
                return x;
            }
            const JsonValue& j = x->json();
            if (j.type == Type::kNull || (j.is_string() && j.text.empty())) {
                return Eval(*node.children[1]);
            }
            return x;
        }
        std::vector<V> args;
        args.reserve(node.children.size());
        for (const NodePtr& child : node.children) {
            auto v = Eval(*child);
            if (!v) {
                return v;
            }
            args.push_back(std::move(*v));
        }
        for (V& arg : args) {
            if (arg.unknown) {
                return std::move(arg);
            }
        }
        std::vector<const JsonValue*> a;
        for (const V& arg : args) {
            a.push_back(&arg.json());
        }
        return Call(node, a);
    }

    EvalResult Call(const Node& node, const std::vector<const JsonValue*>& a) {
        switch (node.fn) {
            case Fn::kLen:
                return Len(node, *a[0]);
            case Fn::kLower:
            case Fn::kUpper:
                return ChangeCase(node, *a[0]);
            case Fn::kJoin:
                return Join(node, *a[0], *a[1]);
            case Fn::kSplit:
                return Split(node, *a[0], *a[1]);
            case Fn::kContains: {
                std::string error;
                int in = Contains(*a[0], *a[1], node, &error);
                if (in < 0) {
                    return error;
                }
                return Own(JsonBool(in == 1));
            }
            case Fn::kStartsWith:
            case Fn::kEndsWith:
                return Affix(node, *a[0], *a[1]);
            case Fn::kArnResource:
                return ArnResource(node, *a[0]);
            case Fn::kFirst:
            case Fn::kLast:
                return FirstLast(node, *a[0]);
            case Fn::kUnique:
                return Unique(node, *a[0]);
            case Fn::kFlatten:
                return Flatten(node, *a[0]);
            case Fn::kKeys:
                return Keys(node, *a[0]);
            case Fn::kSelect:
            case Fn::kCount:
                return Select(node, *a[0], *a[1], *a[2]);
            case Fn::kTag:
                return Tag(node, *a[0], *a[1]);
            case Fn::kToJson: {
                std::string text = event::ToJson(*a[0]);
                if (!Charge(text.size())) {
                    return TooLarge(node);
                }
                return Own(JsonString(std::move(text)));
            }
            case Fn::kFromJson:
                return FromJson(node, *a[0]);
            case Fn::kReplace:
                return Replace(node, *a[0], *a[1], *a[2]);
            case Fn::kGlob:
                return Glob(node, *a[0], *a[1]);
            case Fn::kNow:
                return Own(JsonString(FormatUtc(std::time(nullptr))));
            case Fn::kAgo:
                return Ago(node, *a[0]);
            case Fn::kPublicStatements:
            case Fn::kWithoutPublicStatements:
                return PublicStatements(node, *a[0]);
            case Fn::kOpenToWorld:
                return OpenToWorld(node, *a[0], *a[1]);
            case Fn::kDefault:
                break;
        }
        return Error(node, "internal error: unknown function");
    }

    EvalResult Len(const Node& node, const JsonValue& x) {
        switch (x.type) {
            case Type::kNull:
                return Own(JsonInt(0));
            case Type::kString:
                return Own(JsonInt(static_cast<int64_t>(x.text.size())));
            case Type::kArray:
                return Own(JsonInt(static_cast<int64_t>(x.items.size())));
            case Type::kObject:
                return Own(JsonInt(static_cast<int64_t>(DistinctMembers(x).size())));
            default:
                return ArgError(node, "a string, a list or an object", x);
        }
    }

    EvalResult ChangeCase(const Node& node, const JsonValue& x) {
        if (x.type == Type::kNull) {
            return Borrow(&kNullJson);
        }
        if (!x.is_string()) {
            return ArgError(node, "a string", x);
        }
        if (!Charge(x.text.size())) {
            return TooLarge(node);
        }
        bool lower = node.fn == Fn::kLower;
        std::string out;
        out.reserve(x.text.size());
        size_t pos = 0;
        while (pos < x.text.size()) {
            size_t start = pos;
            char32_t c = NextCodePoint(x.text, &pos);
            char32_t mapped = lower ? ToLowerCodePoint(c) : ToUpperCodePoint(c);
            // Invalid bytes decode one at a time: keep them (and unchanged code points) as is.
            if (mapped == c || Utf8Length(c) != pos - start) {
                out.append(x.text, start, pos - start);
            } else {
                AppendUtf8(mapped, &out);
            }
        }
        return Own(JsonString(std::move(out)));
    }

    EvalResult Join(const Node& node, const JsonValue& list, const JsonValue& sep) {
        if (!sep.is_string()) {
            return ArgError(node, "a string separator", sep);
        }
        if (list.type == Type::kNull) {
            return Own(JsonString(""));
        }
        if (!list.is_array()) {
            return ArgError(node, "a list", list);
        }
        std::string out;
        for (size_t i = 0; i < list.items.size(); ++i) {
            if (i > 0) {
                out += sep.text;
            }
            out += ToText(list.items[i]);
            if (out.size() > kMaxEvalBytes) {
                return TooLarge(node);
            }
        }
        if (!Charge(out.size())) {
            return TooLarge(node);
        }
        return Own(JsonString(std::move(out)));
    }

    EvalResult Split(const Node& node, const JsonValue& s, const JsonValue& sep) {
        if (!sep.is_string() || sep.text.empty()) {
            if (sep.is_string()) {
                return Error(node, "split() needs a non-empty separator");
            }
            return ArgError(node, "a string separator", sep);
        }
        if (s.type == Type::kNull) {
            return Own(JsonArray());
        }
        if (!s.is_string()) {
            return ArgError(node, "a string", s);
        }
        JsonValue out = JsonArray();
        size_t start = 0;
        while (true) {
            size_t at = FindText(s.text, sep.text, start);
            if (!Charge(sizeof(JsonValue) + (at == std::string::npos ? 0 : at - start))) {
                return TooLarge(node);
            }
            if (at == std::string::npos) {
                out.items.push_back(JsonString(s.text.substr(start)));
                break;
            }
            out.items.push_back(JsonString(s.text.substr(start, at - start)));
            start = at + sep.text.size();
        }
        return Own(std::move(out));
    }

    EvalResult Affix(const Node& node, const JsonValue& s, const JsonValue& p) {
        if (!p.is_string()) {
            return ArgError(node, "a string to look for", p);
        }
        if (s.type == Type::kNull) {
            return Own(JsonBool(false));
        }
        if (!s.is_string()) {
            return ArgError(node, "a string", s);
        }
        std::string_view text = s.text;
        bool match =
                p.text.size() <= text.size() &&
                (node.fn == Fn::kStartsWith ? text.substr(0, p.text.size()) == p.text
                                            : text.substr(text.size() - p.text.size()) == p.text);
        return Own(JsonBool(match));
    }

    EvalResult ArnResource(const Node& node, const JsonValue& s) {
        if (s.type == Type::kNull) {
            return Borrow(&kNullJson);
        }
        if (!s.is_string()) {
            return ArgError(node, "a string", s);
        }
        std::string_view text = s.text;
        if (text.substr(0, 4) != "arn:") {
            return Own(JsonString(s.text));
        }
        size_t cut = text.rfind('/');
        if (cut == std::string_view::npos) {
            cut = text.rfind(':');
        }
        return Own(JsonString(std::string(text.substr(cut + 1))));
    }

    EvalResult FirstLast(const Node& node, const JsonValue& list) {
        if (list.type == Type::kNull) {
            return Borrow(&kNullJson);
        }
        if (!list.is_array()) {
            return ArgError(node, "a list", list);
        }
        if (list.items.empty()) {
            return Borrow(&kNullJson);
        }
        if (!Charge(ApproxSize(list.items.front()) + ApproxSize(list.items.back()))) {
            return TooLarge(node);
        }
        return Own(node.fn == Fn::kFirst ? list.items.front() : list.items.back());
    }

    EvalResult Unique(const Node& node, const JsonValue& list) {
        if (list.type != Type::kNull && !list.is_array()) {
            return ArgError(node, "a list", list);  // null: no elements, so []
        }
        JsonValue out = JsonArray();
        std::unordered_map<std::string, std::vector<size_t>> seen;  // hash key -> indexes in out
        for (const JsonValue& item : list.items) {
            std::string key;
            AppendHashKey(item, &key);
            if (!Charge(key.size() + ApproxSize(item))) {
                return TooLarge(node);
            }
            std::vector<size_t>& bucket = seen[key];
            bool dup = std::any_of(bucket.begin(), bucket.end(), [&](size_t i) {
                return Equal(out.items[i], item);
            });
            if (!dup) {
                bucket.push_back(out.items.size());
                out.items.push_back(item);
            }
        }
        return Own(std::move(out));
    }

    EvalResult Flatten(const Node& node, const JsonValue& list) {
        if (list.type != Type::kNull && !list.is_array()) {
            return ArgError(node, "a list", list);  // null: no elements, so []
        }
        JsonValue out = JsonArray();
        for (const JsonValue& item : list.items) {
            if (!Charge(ApproxSize(item))) {
                return TooLarge(node);
            }
            if (item.is_array()) {
                out.items.insert(out.items.end(), item.items.begin(), item.items.end());
            } else {
                out.items.push_back(item);
            }
        }
        return Own(std::move(out));
    }

    EvalResult Keys(const Node& node, const JsonValue& obj) {
        if (obj.type != Type::kNull && !obj.is_object()) {
            return ArgError(node, "an object", obj);  // null: no elements, so []
        }
        JsonValue out = JsonArray();
        for (const auto& [key, unused] : DistinctMembers(obj)) {
            if (!Charge(sizeof(JsonValue) + key.size())) {
                return TooLarge(node);
            }
            out.items.push_back(JsonString(std::string(key)));
        }
        return Own(std::move(out));
    }

    EvalResult Select(const Node& node,
                      const JsonValue& list,
                      const JsonValue& field,
                      const JsonValue& value) {
        if (!field.is_string()) {
            return ArgError(node, "a string field name", field);
        }
        if (list.type != Type::kNull && !list.is_array()) {
            return ArgError(node, "a list", list);
        }
        JsonValue out = JsonArray();
        int64_t n = 0;
        for (const JsonValue& item : list.items) {
            const JsonValue* member = item.is_object() ? item.Find(field.text) : nullptr;
            if (member == nullptr || !Equal(*member, value)) {
                continue;
            }
            ++n;
            if (node.fn == Fn::kSelect) {
                if (!Charge(ApproxSize(item))) {
                    return TooLarge(node);
                }
                out.items.push_back(item);
            }
        }
        return Own(node.fn == Fn::kSelect ? std::move(out) : JsonInt(n));
    }

    EvalResult Tag(const Node& node, const JsonValue& tags, const JsonValue& key) {
        if (!key.is_string()) {
            return ArgError(node, "a string key", key);
        }
        if (tags.is_object()) {
            const JsonValue* v = tags.Find(key.text);
            return Own(v != nullptr ? *v : JsonValue());
        }
        if (tags.is_array()) {
            for (const JsonValue& item : tags.items) {
                const JsonValue* k = item.is_object() ? item.Find("Key") : nullptr;
                if (k != nullptr && k->is_string() && k->text == key.text) {
                    const JsonValue* v = item.Find("Value");
                    return Own(v != nullptr ? *v : JsonValue());
                }
            }
            return Borrow(&kNullJson);
        }
        if (tags.type == Type::kNull) {
            return Borrow(&kNullJson);
        }
        return ArgError(node, "a tag list or an object", tags);
    }

    EvalResult FromJson(const Node& node, const JsonValue& s) {
        if (s.type == Type::kNull) {
            return Borrow(&kNullJson);
        }
        if (!s.is_string()) {
            return ArgError(node, "a string", s);
        }
        if (!Charge(s.text.size() * 4)) {
            return TooLarge(node);
        }
        auto parsed = event::ParseJson(s.text);
        if (!parsed) {
            return Borrow(&kNullJson);
        }
        return Own(std::move(*parsed));
    }

    EvalResult Replace(const Node& node,
                       const JsonValue& s,
                       const JsonValue& from,
                       const JsonValue& to) {
        if (!from.is_string() || !to.is_string()) {
            return ArgError(node, "strings to replace", from.is_string() ? to : from);
        }
        if (s.type == Type::kNull) {
            return Borrow(&kNullJson);
        }
        if (!s.is_string()) {
            return ArgError(node, "a string", s);
        }
        if (from.text.empty()) {
            return Own(JsonString(s.text));
        }
        std::string out;
        size_t start = 0;
        while (true) {
            size_t at = FindText(s.text, from.text, start);
            if (at == std::string::npos) {
                out.append(s.text, start);
                break;
            }
            out.append(s.text, start, at - start).append(to.text);
            start = at + from.text.size();
            if (out.size() > budget_) {
                return TooLarge(node);
            }
        }
        if (!Charge(out.size())) {
            return TooLarge(node);
        }
        return Own(JsonString(std::move(out)));
    }

    EvalResult Glob(const Node& node, const JsonValue& s, const JsonValue& pattern) {
        if (!pattern.is_string()) {
            return ArgError(node, "a string pattern", pattern);
        }
        if (s.type == Type::kNull) {
            return Own(JsonBool(false));
        }
        if (!s.is_string()) {
            return ArgError(node, "a string", s);
        }
        // The matcher backtracks: its work grows with the product of the lengths.
        constexpr double kMaxGlobWork = 1e8;
        if (static_cast<double>(s.text.size() + 1) * static_cast<double>(pattern.text.size() + 1) >
            kMaxGlobWork) {
            return Error(node, "glob() input too large (text length x pattern length above 1e8)");
        }
        std::vector<GlobPattern::Token> tokens;
        for (char c : pattern.text) {
            if (c == '*' || c == '?') {
                GlobPattern::Token t;
                t.kind = c == '*' ? GlobPattern::TokenKind::kAnyRun
                                  : GlobPattern::TokenKind::kAnyOne;
                tokens.push_back(std::move(t));
                continue;
            }
            if (tokens.empty() || tokens.back().kind != GlobPattern::TokenKind::kLiteral) {
                tokens.emplace_back();
            }
            tokens.back().text.push_back(c);
        }
        return Own(JsonBool(GlobPattern(tokens, false).Matches(s.text)));
    }

    static std::string FormatUtc(std::time_t t) {
        std::tm tm{};
        gmtime_r(&t, &tm);
        char buf[32];
        size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
        return std::string(buf, n);
    }

    EvalResult Ago(const Node& node, const JsonValue& seconds) {
        double d = 0;
        if (seconds.is_number()) {
            d = ToNumber(seconds).d;
        } else if (std::optional<double> parsed =
                           seconds.is_string() ? DurationSeconds(seconds.text) : std::nullopt) {
            d = *parsed;
        } else {
            return ArgError(node, "a number of seconds or a duration (30s, 10m, 24h, 7d)", seconds);
        }
        constexpr double kLimit = 1e10;  // about 317 years either way
        if (!(d >= -kLimit && d <= kLimit)) {
            return Error(node, "ago() needs a number of seconds within 1e10");
        }
        return Own(JsonString(FormatUtc(std::time(nullptr) - static_cast<std::time_t>(d))));
    }

    // "90", "30s", "10m", "24h", "7d" as seconds.
    static std::optional<double> DurationSeconds(std::string_view text) {
        double factor = 1;
        if (!text.empty()) {
            switch (text.back()) {
                case 's':
                    factor = 1;
                    text.remove_suffix(1);
                    break;
                case 'm':
                    factor = 60;
                    text.remove_suffix(1);
                    break;
                case 'h':
                    factor = 3600;
                    text.remove_suffix(1);
                    break;
                case 'd':
                    factor = 86400;
                    text.remove_suffix(1);
                    break;
                default:
                    break;
            }
        }
        int64_t n = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
            return std::nullopt;
        }
        return static_cast<double>(n) * factor;
    }

    // A bucket policy (object or JSON text; null reads as no policy) and its statements that
    // grant access to everyone: Effect Allow, Principal "*" or {"AWS": "*"} (alone or in a list),
    // and no Condition (a condition may restrict who "*" really is, so it is left to a human).
    // public_statements() returns those statements; without_public_statements() the policy
    // without them.
    EvalResult PublicStatements(const Node& node, const JsonValue& policy_in) {
        bool want_public = node.fn == Fn::kPublicStatements;
        JsonValue policy;
        if (policy_in.type == Type::kNull) {
            return Own(want_public ? JsonArray() : JsonValue());
        }
        if (policy_in.is_string()) {
            Result<JsonValue> parsed = event::ParseJson(policy_in.text);
            if (!parsed || !parsed->is_object()) {
                return Error(
                        node,
                        std::string(FnName(node.fn)) + "() got text that is not a JSON policy");
            }
            policy = std::move(*parsed);
        } else if (policy_in.is_object()) {
            policy = policy_in;
        } else {
            return ArgError(node, "a policy (an object or JSON text)", policy_in);
        }
        if (!Charge(ApproxSize(policy))) {
            return TooLarge(node);
        }
        auto is_star = [](const JsonValue& v) {
            if (v.is_string()) {
                return v.text == "*";
            }
            if (v.is_array()) {
                for (const JsonValue& x : v.items) {
                    if (x.is_string() && x.text == "*") {
                        return true;
                    }
                }
            }
            return false;
        };
        auto is_public = [&](const JsonValue& st) {
            if (!st.is_object()) {
                return false;
            }
            const JsonValue* effect = st.Find("Effect");
            const JsonValue* principal = st.Find("Principal");
            if (effect == nullptr || !effect->is_string() || effect->text != "Allow" ||
                principal == nullptr || st.Find("Condition") != nullptr) {
                return false;
            }
            if (is_star(*principal)) {
                return true;
            }
            const JsonValue* aws = principal->is_object() ? principal->Find("AWS") : nullptr;
            return aws != nullptr && is_star(*aws);
        };
        JsonValue* statements = nullptr;
        for (auto& [k, v] : policy.members) {
            if (k == "Statement") {
                statements = &v;
            }
        }
        JsonValue found = JsonArray();
        if (statements != nullptr && statements->is_object()) {
            // A single statement written as an object.
            JsonValue single = JsonArray();
            single.items.push_back(std::move(*statements));
            *statements = std::move(single);
        }
        if (statements != nullptr && statements->is_array()) {
            std::vector<JsonValue> kept;
            for (JsonValue& st : statements->items) {
                if (is_public(st)) {
                    found.items.push_back(std::move(st));
                } else {
                    kept.push_back(std::move(st));
                }
            }
            statements->items = std::move(kept);
        }
        if (want_public) {
            return Own(std::move(found));
        }
        if (statements == nullptr) {
            SetMember(&policy, "Statement", JsonArray());
        }
        return Own(std::move(policy));
    }

    // The internet-wide part of security group permissions (the AWS CLI's IpPermissions shape):
    // for each permission that covers one of `ports` (a list of numbers or numeric strings; null
    // or [] = any port; IpProtocol "-1" covers every port), only its 0.0.0.0/0 and ::/0 ranges,
    // without group, prefix-list or narrower ranges. Permissions left with no range are dropped.
    // The result is what RevokeSecurityGroupIngress needs to close exactly that exposure.
    EvalResult OpenToWorld(const Node& node, const JsonValue& perms, const JsonValue& ports) {
        if (perms.type == Type::kNull) {
            return Own(JsonArray());
        }
        if (!perms.is_array()) {
            return ArgError(node, "a list of permissions", perms);
        }
        std::vector<int64_t> wanted;
        if (ports.is_array()) {
            for (const JsonValue& p : ports.items) {
                Number n{};
                if (p.is_number()) {
                    n = ToNumber(p);
                } else if (p.is_string()) {
                    std::string_view t = p.text;
                    while (!t.empty() && t.front() == ' ') {
                        t.remove_prefix(1);
                    }
                    while (!t.empty() && t.back() == ' ') {
                        t.remove_suffix(1);
                    }
                    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n.i);
                    n.is_int = !t.empty() && ec == std::errc() && end == t.data() + t.size();
                }
                if (!n.is_int) {
                    return ArgError(node, "ports as whole numbers", p);
                }
                wanted.push_back(n.i);
            }
        } else if (ports.type != Type::kNull) {
            return ArgError(node, "a list of ports", ports);
        }
        auto int_member = [](const JsonValue& o, std::string_view k) -> std::optional<int64_t> {
            const JsonValue* v = o.Find(k);
            if (v == nullptr || !v->is_number()) {
                return std::nullopt;
            }
            Number n = ToNumber(*v);
            return n.is_int ? std::optional<int64_t>(n.i) : std::nullopt;
        };
        JsonValue out = JsonArray();
        for (const JsonValue& perm : perms.items) {
            if (!perm.is_object()) {
                continue;
            }
            const JsonValue* proto = perm.Find("IpProtocol");
            bool all = proto != nullptr && ((proto->is_string() && proto->text == "-1") ||
                                            (proto->is_number() && proto->text == "-1"));
            std::optional<int64_t> from = int_member(perm, "FromPort");
            std::optional<int64_t> to = int_member(perm, "ToPort");
            bool covers = all || wanted.empty();
            for (int64_t p : wanted) {
                covers = covers ||
                         (from && to && ((*from <= p && p <= *to) || (*from == -1 && *to == -1)));
            }
            if (!covers) {
                continue;
            }
            JsonValue keep = JsonObject();
            if (proto != nullptr) {
                SetMember(&keep, "IpProtocol", *proto);
            }
            if (const JsonValue* f = perm.Find("FromPort")) {
                SetMember(&keep, "FromPort", *f);
            }
            if (const JsonValue* t = perm.Find("ToPort")) {
                SetMember(&keep, "ToPort", *t);
            }
            bool any = false;
            for (auto [list, field, world] : {std::tuple{"IpRanges", "CidrIp", "0.0.0.0/0"},
                                              std::tuple{"Ipv6Ranges", "CidrIpv6", "::/0"}}) {
                const JsonValue* ranges = perm.Find(list);
                JsonValue kept = JsonArray();
                if (ranges != nullptr && ranges->is_array()) {
                    for (const JsonValue& r : ranges->items) {
                        const JsonValue* cidr = r.is_object() ? r.Find(field) : nullptr;
                        if (cidr != nullptr && cidr->is_string() && cidr->text == world) {
                            JsonValue only = JsonObject();
                            SetMember(&only, field, *cidr);
                            kept.items.push_back(std::move(only));
                        }
                    }
                }
                if (!kept.items.empty()) {
                    any = true;
                    SetMember(&keep, list, std::move(kept));
                }
            }
            if (any) {
                out.items.push_back(std::move(keep));
            }
        }
        if (!Charge(ApproxSize(out))) {
            return TooLarge(node);
        }
        return Own(std::move(out));
    }

    const Expression::Impl& impl_;
    const JsonValue& scope_;
    size_t budget_ = kMaxEvalBytes;
};

}  // namespace

Result<Value, std::string> Evaluate(const Expression& expr, const event::JsonValue& scope) {
    if (!expr.impl_) {
        return std::string("empty expression");
    }
    Evaluator evaluator(*expr.impl_, scope);
    auto v = evaluator.Eval(*expr.impl_->root);
    if (!v) {
        return v.error();
    }
    Value out;
    out.unknown = v->unknown;
    out.unknown_ref = std::move(v->unknown_ref);
    if (!out.unknown) {
        out.json = std::move(*v).Take();
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Templates

namespace {

bool IsBlank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    });
}

// The end of the hole starting at `start` (just after `{{`): the offset of its `}}`, skipping
// string literals; npos when there is none. *quote_error is set for an unterminated string.
size_t FindHoleEnd(std::string_view text, size_t start, size_t* unterminated) {
    size_t i = start;
    while (i < text.size()) {
        char c = text[i];
        if (c == '\'' || c == '"') {
            size_t open = i++;
            while (i < text.size() && text[i] != c) {
                i += text[i] == '\\' ? 2 : 1;
            }
            if (i >= text.size()) {
                *unterminated = open;
                return std::string_view::npos;
            }
            ++i;
            continue;
        }
        if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
            return i;
        }
        ++i;
    }
    return std::string_view::npos;
}

}  // namespace

bool Template::is_literal() const {
    return std::none_of(
            pieces_.begin(), pieces_.end(), [](const Piece& p) { return p.is_expression; });
}

std::vector<std::vector<std::string>> Template::references() const {
    std::vector<std::vector<std::string>> out;
    for (const Piece& p : pieces_) {
        if (!p.is_expression) {
            continue;
        }
        for (const auto& ref : p.expression.references()) {
            if (std::find(out.begin(), out.end(), ref) == out.end()) {
                out.push_back(ref);
            }
        }
    }
    return out;
}

Result<Template, ExprError> ParseTemplate(std::string_view text) {
    if (text.size() > kMaxTemplateBytes) {
        return MakeError(SyntaxError{
                kMaxTemplateBytes,
                "template longer than " + std::to_string(kMaxTemplateBytes) + " bytes"});
    }
    Template tmpl;
    tmpl.text_ = std::string(text);
    size_t pos = 0;
    size_t holes = 0;
    while (pos < text.size()) {
        size_t open = text.find("{{", pos);
        if (open == std::string_view::npos) {
            open = text.size();
        }
        if (open > pos) {
            Template::Piece literal;
            literal.literal = std::string(text.substr(pos, open - pos));
            literal.offset = pos;
            tmpl.pieces_.push_back(std::move(literal));
        }
        if (open == text.size()) {
            break;
        }
        size_t start = open + 2;
        size_t unterminated = std::string_view::npos;
        size_t close = FindHoleEnd(text, start, &unterminated);
        if (close == std::string_view::npos) {
            if (unterminated != std::string_view::npos) {
                return MakeError(SyntaxError{unterminated, "unterminated string"});
            }
            return MakeError(SyntaxError{open, "unclosed '{{'"});
        }
        auto impl = ParseImpl(text.substr(start, close - start));
        if (!impl) {
            return MakeError(impl.error(), start);
        }
        Template::Piece hole;
        hole.is_expression = true;
        hole.offset = start;
        hole.expression.impl_ = std::move(*impl);
        tmpl.pieces_.push_back(std::move(hole));
        ++holes;
        pos = close + 2;
    }
    tmpl.single_ =
            holes == 1 &&
            std::all_of(tmpl.pieces_.begin(), tmpl.pieces_.end(), [](const Template::Piece& p) {
                return p.is_expression || IsBlank(p.literal);
            });
    return tmpl;
}

Result<Value, std::string> Render(const Template& tmpl, const event::JsonValue& scope) {
    const auto& pieces = tmpl.pieces();
    if (tmpl.is_single_expression()) {
        for (const Template::Piece& p : pieces) {
            if (p.is_expression) {
                return Evaluate(p.expression, scope);
            }
        }
    }
    Value out;
    std::string text;
    for (const Template::Piece& p : pieces) {
        if (!p.is_expression) {
            text += p.literal;
            continue;
        }
        auto v = Evaluate(p.expression, scope);
        if (!v) {
            return v.error();
        }
        if (v->unknown) {
            if (!out.unknown) {
                out.unknown = true;
                out.unknown_ref = v->unknown_ref;
            }
            text += "<" + v->unknown_ref + ">";
        } else {
            text += ToText(v->json);
        }
        if (text.size() > kMaxEvalBytes) {
            return std::string("rendered template larger than 16 MiB");
        }
    }
    out.json = JsonString(std::move(text));
    return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers

std::string ToText(const event::JsonValue& value) {
    switch (value.type) {
        case Type::kNull:
            return "";
        case Type::kBool:
            return value.boolean ? "true" : "false";
        case Type::kNumber:
        case Type::kString:
            return value.text;
        default:
            return event::ToJson(value);
    }
}

bool Truthy(const event::JsonValue& value) {
    switch (value.type) {
        case Type::kNull:
            return false;
        case Type::kBool:
            return value.boolean;
        case Type::kNumber: {
            double d = ToNumber(value).d;
            return d != 0 && !std::isnan(d);
        }
        case Type::kString:
            return !value.text.empty();
        case Type::kArray:
            return !value.items.empty();
        case Type::kObject:
            return !value.members.empty();
    }
    return false;
}

event::JsonValue JsonString(std::string text) {
    JsonValue v;
    v.type = Type::kString;
    v.text = std::move(text);
    return v;
}

event::JsonValue JsonBool(bool value) {
    JsonValue v;
    v.type = Type::kBool;
    v.boolean = value;
    return v;
}

event::JsonValue JsonInt(int64_t value) {
    JsonValue v;
    v.type = Type::kNumber;
    v.text = std::to_string(value);
    return v;
}

event::JsonValue JsonArray(std::vector<event::JsonValue> items) {
    JsonValue v;
    v.type = Type::kArray;
    v.items = std::move(items);
    return v;
}

event::JsonValue JsonObject() {
    JsonValue v;
    v.type = Type::kObject;
    return v;
}

void SetMember(event::JsonValue* object, std::string_view key, event::JsonValue value) {
    if (object->type != Type::kObject) {
        *object = JsonObject();
    }
    for (auto it = object->members.rbegin(); it != object->members.rend(); ++it) {
        if (it->first == key) {
            it->second = std::move(value);
            return;
        }
    }
    object->members.emplace_back(std::string(key), std::move(value));
}

}  // namespace firebreak::response
