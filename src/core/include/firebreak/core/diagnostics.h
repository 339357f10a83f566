// File: diagnostics.h
//
// The diagnostics sink used by every loader (rule packs, patterns, later playbooks and config).
// Loaders never throw at the user: each problem becomes a Diagnostic with a stable code, a source
// position (file:line:column, 1-based) and a message, and loading goes on where it can.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace firebreak {

struct SourcePos {
    std::string file;  // empty when the source is not a file (e.g. an inline pattern)
    int line = 0;      // 1-based; 0 = unknown
    int column = 0;    // 1-based; 0 = unknown

    std::string ToString() const;  // "file:line:col", omitting unknown parts
};

enum class DiagSeverity : uint8_t { kWarning, kError };

struct Diagnostic {
    DiagSeverity severity = DiagSeverity::kError;
    std::string code;  // stable, kebab-case: "unknown-key", "bad-pattern", "duplicate-id", ...
    SourcePos pos;
    std::string message;

    std::string ToString() const;  // "file:line:col: error[code]: message"
};

// Collects diagnostics. Not thread-safe: one sink per loading run.
class Diagnostics {
public:
    void Error(std::string code, SourcePos pos, std::string message);

    void Warning(std::string code, SourcePos pos, std::string message);

    bool has_errors() const { return error_count_ > 0; }

    int error_count() const { return error_count_; }

    int warning_count() const { return static_cast<int>(items_.size()) - error_count_; }

    const std::vector<Diagnostic>& items() const { return items_; }

    void Append(const Diagnostics& other);

    void Clear() {
        items_.clear();
        error_count_ = 0;
    }

private:
    std::vector<Diagnostic> items_;
    int error_count_ = 0;
};

}  // namespace firebreak
