#include "firebreak/core/crypto.h"

#include <gtest/gtest.h>

namespace firebreak {
namespace {

TEST(Crypto, Sha256MatchesKnownDigests) {
    EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, HmacSha256MatchesRfc4231Case2) {
    EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, Md5ForContentMd5) {
    EXPECT_EQ(Base64Encode(Md5("")), "1B2M2Y8AsgTpgAmY7PhCfg==");
}

TEST(Crypto, HexRoundTripAndErrors) {
    EXPECT_EQ(HexEncode("\x01\xab\xff"), "01abff");
    EXPECT_EQ(*HexDecode("01ABff"), std::string("\x01\xab\xff"));
    EXPECT_FALSE(HexDecode("abc").has_value());
    EXPECT_FALSE(HexDecode("zz").has_value());
}

TEST(Crypto, Base64RoundTripsEveryLength) {
    std::string data;
    for (int i = 0; i < 20; ++i) {
        auto decoded = Base64Decode(Base64Encode(data));
        ASSERT_TRUE(decoded.has_value());
        EXPECT_EQ(*decoded, data);
        data.push_back(static_cast<char>(i * 37 + 5));
    }
    EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(Base64Encode("fo"), "Zm8=");
    EXPECT_EQ(*Base64Decode("Zm8"), "fo");
    EXPECT_FALSE(Base64Decode("Zm9v!").has_value());
    EXPECT_FALSE(Base64Decode("Z").has_value());
}

}  // namespace
}  // namespace firebreak
