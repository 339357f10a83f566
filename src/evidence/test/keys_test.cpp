// File: keys_test.cpp
#include "firebreak/evidence/keys.h"

#include <gtest/gtest.h>

#include "firebreak/core/crypto.h"

namespace firebreak::evidence {
namespace {

const PrivateKey& KeyA() {
    static const PrivateKey key = std::move(PrivateKey::Generate().value());
    return key;
}

const PrivateKey& KeyB() {
    static const PrivateKey key = std::move(PrivateKey::Generate().value());
    return key;
}

TEST(KeysTest, SignAndVerify) {
    Result<std::string> signature = SignSha256Rsa(KeyA(), "data to sign");
    ASSERT_TRUE(signature.has_value());
    EXPECT_EQ(signature->size(), 512u);  // 2048-bit RSA, hex
    EXPECT_TRUE(VerifySha256Rsa(KeyA().GetPublicKey(), "data to sign", *signature));
    EXPECT_FALSE(VerifySha256Rsa(KeyB().GetPublicKey(), "data to sign", *signature));
    EXPECT_FALSE(VerifySha256Rsa(KeyA().GetPublicKey(), "data to sigN", *signature));
    std::string changed = *signature;
    changed[10] = changed[10] == '0' ? '1' : '0';
    EXPECT_FALSE(VerifySha256Rsa(KeyA().GetPublicKey(), "data to sign", changed));
    EXPECT_FALSE(VerifySha256Rsa(KeyA().GetPublicKey(), "data to sign", "zz"));
    EXPECT_FALSE(VerifySha256Rsa(KeyA().GetPublicKey(), "data to sign", ""));
    // PKCS#1 v1.5 is deterministic.
    EXPECT_EQ(*SignSha256Rsa(KeyA(), "data to sign"), *signature);
}

TEST(KeysTest, FingerprintIsMd5OfPkcs1DerAndStable) {
    PublicKey pub = KeyA().GetPublicKey();
    std::string fingerprint = pub.Fingerprint();
    EXPECT_EQ(fingerprint.size(), 32u);
    EXPECT_EQ(fingerprint, HexEncode(Md5(pub.ToDer())));
    EXPECT_EQ(static_cast<unsigned char>(pub.ToDer()[0]), 0x30);  // SEQUENCE
    EXPECT_EQ(KeyA().GetPublicKey().Fingerprint(), fingerprint);
    EXPECT_NE(KeyB().GetPublicKey().Fingerprint(), fingerprint);

    Result<PublicKey> from_pem = PublicKey::FromPem(pub.ToPem());
    ASSERT_TRUE(from_pem.has_value()) << from_pem.error().message();
    EXPECT_EQ(from_pem->Fingerprint(), fingerprint);
    EXPECT_NE(pub.ToPem().find("-----BEGIN PUBLIC KEY-----"), std::string::npos);

    Result<PublicKey> from_value = PublicKey::FromDerBase64(pub.ToDerBase64());
    ASSERT_TRUE(from_value.has_value()) << from_value.error().message();
    EXPECT_EQ(from_value->Fingerprint(), fingerprint);
    EXPECT_EQ(pub.Clone().Fingerprint(), fingerprint);
}

TEST(KeysTest, PrivateKeyPemRoundTrip) {
    std::string pem = KeyA().ToPem();
    EXPECT_NE(pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
    Result<PrivateKey> loaded = PrivateKey::FromPem(pem);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
    EXPECT_EQ(loaded->GetPublicKey().Fingerprint(), KeyA().GetPublicKey().Fingerprint());
    Result<std::string> signature = SignSha256Rsa(*loaded, "x");
    ASSERT_TRUE(signature.has_value());
    EXPECT_TRUE(VerifySha256Rsa(KeyA().GetPublicKey(), "x", *signature));
}

TEST(KeysTest, ParseListPublicKeys) {
    std::string value = KeyA().GetPublicKey().ToDerBase64();
    Result<std::map<std::string, PublicKey>> keys = ParseListPublicKeys(
            R"({"PublicKeyList":[{"Value":")" + value +
            R"(","ValidityStartTime":"2026-01-01T00:00:00Z","Fingerprint":"fp1"}]})");
    ASSERT_TRUE(keys.has_value()) << keys.error().message();
    ASSERT_EQ(keys->size(), 1u);
    EXPECT_EQ(keys->at("fp1").Fingerprint(), KeyA().GetPublicKey().Fingerprint());
    EXPECT_TRUE(ParseListPublicKeys(R"({"PublicKeyList":[]})")->empty());
    EXPECT_EQ(ParseListPublicKeys("{}").error().message(), "PublicKeyList: expected an array");
    EXPECT_EQ(ParseListPublicKeys(R"({"PublicKeyList":[{"Value":"AAAA"}]})").error().message(),
              "PublicKeyList[0].Fingerprint: expected a non-empty string");
    EXPECT_NE(ParseListPublicKeys(R"({"PublicKeyList":[{"Value":"AAAA","Fingerprint":"x"}]})")
                      .error()
                      .message()
                      .find("PublicKeyList[0].Value: "),
              std::string::npos);
    EXPECT_FALSE(ParseListPublicKeys("nope").has_value());
}

TEST(KeysTest, BadInputIsAnError) {
    EXPECT_FALSE(PrivateKey::FromPem("garbage").has_value());
    EXPECT_FALSE(PrivateKey::FromPem(KeyA().GetPublicKey().ToPem()).has_value());
    EXPECT_FALSE(PublicKey::FromPem("garbage").has_value());
    EXPECT_FALSE(PublicKey::FromPem(KeyA().ToPem()).has_value());
    EXPECT_FALSE(PublicKey::FromDer("\x30\x03\x02\x01\x01").has_value());
    EXPECT_FALSE(PublicKey::FromDerBase64("!!").has_value());
    std::string der = KeyA().GetPublicKey().ToDer();
    EXPECT_FALSE(PublicKey::FromDer(der + "x").has_value());
    EXPECT_FALSE(PublicKey::FromDer(der.substr(0, der.size() - 1)).has_value());
    EXPECT_FALSE(PrivateKey::Generate(1024).has_value());
}

}  // namespace
}  // namespace firebreak::evidence
