#include "firebreak/event/archive.h"

#include <gtest/gtest.h>

namespace firebreak::event {
namespace {

TEST(Archive, ParsesTheS3DeliveryLayout) {
    auto l = ParseS3Layout(
            "x/AWSLogs/o-abc/111122223333/CloudTrail/eu-west-1/2026/11/02/"
            "111122223333_CloudTrail_eu-west-1_20261102T1205Z_abcdef0123456789.json.gz");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->account, "111122223333");
    EXPECT_EQ(l->region, "eu-west-1");
    EXPECT_EQ(FormatUtcTime(l->day_start), "2026-11-02T00:00:00Z");
    ASSERT_TRUE(l->delivery_time);
    EXPECT_EQ(FormatUtcTime(*l->delivery_time), "2026-11-02T12:05:00Z");
    EXPECT_FALSE(ParseS3Layout("logs/file.json.gz"));
}

TEST(Archive, FilterSkipsFilesThatCannotMatch) {
    S3Layout l{"111122223333",
               "eu-west-1",
               *ParseUtcTime("2026-11-02"),
               ParseUtcTime("2026-11-02T12:05:00Z")};
    ArchiveFilter f;
    f.accounts = {"444455556666"};
    EXPECT_FALSE(f.MayContain(l));
    f.accounts = {"111122223333"};
    EXPECT_TRUE(f.MayContain(l));
    f.since = ParseUtcTime("2026-11-02T13:00:00Z");
    EXPECT_FALSE(f.MayContain(l));  // delivered before the window opens
    f.since.reset();
    f.until = ParseUtcTime("2026-10-30");
    EXPECT_FALSE(f.MayContain(l));
    f.until = ParseUtcTime("2026-11-01T23:00:00Z");
    EXPECT_TRUE(f.MayContain(l));  // late delivery slack
}

TEST(Archive, ParsesTimes) {
    EXPECT_EQ(*ParseUtcTime("1970-01-02"), 86400);
    EXPECT_EQ(*ParseUtcTime("2026-11-02T10:15:30Z") - *ParseUtcTime("2026-11-02"), 36930);
    EXPECT_TRUE(ParseUtcTime("2026-11-02T10:15:30.123Z"));
    EXPECT_FALSE(ParseUtcTime("yesterday"));
    EXPECT_FALSE(ParseUtcTime("2026-13-02"));
}

}  // namespace
}  // namespace firebreak::event
