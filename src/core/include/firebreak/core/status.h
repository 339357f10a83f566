// File: status.h
//
// Status and Result<T>: the error mechanism for I/O and service calls (file reads, stores, AWS).
// The hot path (decode, match) does not use these; it returns small enum codes and counts.
// Loading (rules, playbooks, config) reports through firebreak::Diagnostics instead.
//
// Result<T> mirrors std::expected's member names (has_value, value, error, operator*, operator->)
// so the move to C++23 is mechanical.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "firebreak/core/assert.h"

namespace firebreak {

enum class StatusCode : uint8_t {
    kOk,
    kInvalidArgument,
    kNotFound,
    kAlreadyExists,
    kFailedPrecondition,
    kPermissionDenied,
    kUnavailable,
    kDeadlineExceeded,
    kResourceExhausted,
    kDataLoss,
    kInternal,
};

std::string_view StatusCodeName(StatusCode code);

// A value type: an error code, a human-readable message (never containing secrets) and whether
// retrying the same operation may succeed.
class [[nodiscard]] Status {
public:
    Status() = default;

    Status(StatusCode code, std::string message, bool retryable = false)
        : code_(code),
          retryable_(retryable),
          message_(std::move(message)) {}

    static Status Ok() { return Status(); }

    bool ok() const { return code_ == StatusCode::kOk; }

    StatusCode code() const { return code_; }

    const std::string& message() const { return message_; }

    bool retryable() const { return retryable_; }

    // "NOT_FOUND: message" style rendering for logs and the CLI.
    std::string ToString() const;

private:
    StatusCode code_ = StatusCode::kOk;
    bool retryable_ = false;
    std::string message_;
};

inline Status InvalidArgument(std::string message) {
    return Status(StatusCode::kInvalidArgument, std::move(message));
}

inline Status NotFound(std::string message) {
    return Status(StatusCode::kNotFound, std::move(message));
}

inline Status DataLoss(std::string message) {
    return Status(StatusCode::kDataLoss, std::move(message));
}

inline Status Internal(std::string message) {
    return Status(StatusCode::kInternal, std::move(message));
}

// Either a T or an error: a non-OK Status by default, or a richer error type of a layer (the AWS
// client's ApiError carries the service's error code and request id).
template <class T, class E = Status>
class [[nodiscard]] Result {
public:
    Result(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)

    Result(E error) : data_(std::move(error)) {  // NOLINT(google-explicit-constructor)
        if constexpr (std::is_same_v<E, Status>) {
            FIREBREAK_CHECK(!std::get<1>(data_).ok());
        }
    }

    bool has_value() const { return data_.index() == 0; }

    explicit operator bool() const { return has_value(); }

    T& value() & {
        FIREBREAK_CHECK(has_value());
        return std::get<0>(data_);
    }

    const T& value() const& {
        FIREBREAK_CHECK(has_value());
        return std::get<0>(data_);
    }

    T&& value() && {
        FIREBREAK_CHECK(has_value());
        return std::get<0>(std::move(data_));
    }

    const E& error() const {
        FIREBREAK_CHECK(!has_value());
        return std::get<1>(data_);
    }

    T& operator*() & { return value(); }

    const T& operator*() const& { return value(); }

    T* operator->() { return &value(); }

    const T* operator->() const { return &value(); }

private:
    std::variant<T, E> data_;
};

}  // namespace firebreak

#define FIREBREAK_RETURN_IF_ERROR(expr)          \
    do {                                         \
        ::firebreak::Status fb_status_ = (expr); \
        if (!fb_status_.ok()) {                  \
            return fb_status_;                   \
        }                                        \
    } while (false)
