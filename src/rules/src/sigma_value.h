// Sigma values and modifiers -> value matchers (internal to the rules module; see sigma.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "firebreak/core/diagnostics.h"
#include "firebreak/core/text.h"
#include "firebreak/rules/ir.h"
#include "firebreak/rules/node.h"

namespace firebreak::rules::sigma {

using Glob = std::vector<GlobPattern::Token>;

// Sigma string escaping: `*` and `?` are wildcards; a backslash escapes `*`, `?` and `\` and is
// literal before anything else.
Glob ParseSigmaString(std::string_view text);

// The literal text of a glob without wildcards; nullopt when it has wildcards.
std::optional<std::string> PlainText(const Glob& glob);

// Sigma text form of a glob (wildcards as `*` / `?`, literal ones escaped).
std::string GlobText(const Glob& glob);

std::string Base64(std::string_view bytes);

// pySigma's three base64offset variants of `bytes`.
std::vector<std::string> Base64Offsets(std::string_view bytes);

// UTF-8 text to UTF-16 bytes: little-endian, big-endian, or little-endian with a BOM.
enum class Utf16 : uint8_t { kLe, kBe, kLeBom };

std::string EncodeUtf16(std::string_view utf8, Utf16 form);

// windash: every `-` or `/` that starts a flag (not after a word character, before one) becomes
// each of - / – — ―. nullopt when that is more than kMaxWindashPositions positions.
inline constexpr int kMaxWindashPositions = 4;

std::optional<std::vector<Glob>> Windash(const Glob& glob);

// A field item: `field|mod|mod: value(s)` compiled to an expression.
struct ItemContext {
    const std::map<std::string, std::vector<std::string>>* placeholders = nullptr;
    Diagnostics* diags = nullptr;
};

// Compiles one detection item. `key` is the map key ("" for keywords), `value` its value.
// Returns nullopt after reporting errors.
std::optional<Expr> CompileItem(const std::string& key,
                                const SourcePos& key_pos,
                                const Node& value,
                                const ItemContext& ctx);

// A keyword (a plain value searched in the whole event).
std::optional<Expr> CompileKeyword(const Node& value, const ItemContext& ctx);

}  // namespace firebreak::rules::sigma
