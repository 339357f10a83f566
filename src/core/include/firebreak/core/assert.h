// File: assert.h
//
// Assertions for programmer errors (never for bad input):
//   FIREBREAK_CHECK(cond)  always on; aborts with file:line and the condition.
//   FIREBREAK_ASSERT(cond) debug builds only.
#pragma once

namespace firebreak::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);
}  // namespace firebreak::internal

#define FIREBREAK_CHECK(cond)                                              \
    do {                                                                   \
        if (!(cond)) [[unlikely]] {                                        \
            ::firebreak::internal::CheckFailed(__FILE__, __LINE__, #cond); \
        }                                                                  \
    } while (false)

#ifdef NDEBUG
#define FIREBREAK_ASSERT(cond) \
    do {                       \
    } while (false)
#else
#define FIREBREAK_ASSERT(cond) FIREBREAK_CHECK(cond)
#endif
