#include "firebreak/core/status.h"

#include <cstdio>
#include <cstdlib>

#include "firebreak/core/diagnostics.h"

namespace firebreak {

std::string_view StatusCodeName(StatusCode code) {
    switch (code) {
        case StatusCode::kOk:
            return "OK";
        case StatusCode::kInvalidArgument:
            return "INVALID_ARGUMENT";
        case StatusCode::kNotFound:
            return "NOT_FOUND";
        case StatusCode::kAlreadyExists:
            return "ALREADY_EXISTS";
        case StatusCode::kFailedPrecondition:
            return "FAILED_PRECONDITION";
        case StatusCode::kPermissionDenied:
            return "PERMISSION_DENIED";
        case StatusCode::kUnavailable:
            return "UNAVAILABLE";
        case StatusCode::kDeadlineExceeded:
            return "DEADLINE_EXCEEDED";
        case StatusCode::kResourceExhausted:
            return "RESOURCE_EXHAUSTED";
        case StatusCode::kDataLoss:
            return "DATA_LOSS";
        case StatusCode::kInternal:
            return "INTERNAL";
    }
    return "UNKNOWN";
}

std::string Status::ToString() const {
    if (ok()) {
        return "OK";
    }
    std::string out(StatusCodeName(code_));
    out += ": ";
    out += message_;
    return out;
}

std::string SourcePos::ToString() const {
    std::string out = file.empty() ? std::string("<input>") : file;
    if (line > 0) {
        out += ':' + std::to_string(line);
        if (column > 0) {
            out += ':' + std::to_string(column);
        }
    }
    return out;
}

std::string Diagnostic::ToString() const {
    std::string out = pos.ToString();
    out += severity == DiagSeverity::kError ? ": error[" : ": warning[";
    out += code;
    out += "]: ";
    out += message;
    return out;
}

void Diagnostics::Error(std::string code, SourcePos pos, std::string message) {
    items_.push_back({DiagSeverity::kError, std::move(code), std::move(pos), std::move(message)});
    ++error_count_;
}

void Diagnostics::Warning(std::string code, SourcePos pos, std::string message) {
    items_.push_back({DiagSeverity::kWarning, std::move(code), std::move(pos), std::move(message)});
}

void Diagnostics::Append(const Diagnostics& other) {
    for (const Diagnostic& d : other.items_) {
        items_.push_back(d);
    }
    error_count_ += other.error_count_;
}

namespace internal {

void CheckFailed(const char* file, int line, const char* condition) {
    std::fprintf(stderr, "firebreak: internal check failed at %s:%d: %s\n", file, line, condition);
    std::abort();
}

}  // namespace internal
}  // namespace firebreak
