#include "firebreak/response/expr.h"

#include <gtest/gtest.h>

TEST(Expr, Smoke) {
    auto e = firebreak::response::ParseExpression("1 + 2");
    ASSERT_TRUE(e.has_value());
}
