// File: keys.h
//
// RSA key pairs for signing digest files with SHA256withRSA (RSASSA-PKCS1-v1_5 over SHA-256), on
// OpenSSL's EVP API. Keys are owned by RAII wrappers (move-only). Public keys are exchanged as PEM
// (SubjectPublicKeyInfo) or, like CloudTrail's ListPublicKeys `Value`, as base64 of the PKCS#1
// RSAPublicKey DER. The fingerprint is the hex MD5 of that PKCS#1 DER (AWS does not document its
// derivation; the CLI only compares it verbatim with digestPublicKeyFingerprint).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "firebreak/core/status.h"

typedef struct evp_pkey_st EVP_PKEY;  // NOLINT: OpenSSL's own forward declaration

namespace firebreak::evidence {

struct PkeyDeleter {
    void operator()(EVP_PKEY* key) const;
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

class PublicKey {
public:
    // PEM "PUBLIC KEY" (SubjectPublicKeyInfo) or "RSA PUBLIC KEY" (PKCS#1).
    static Result<PublicKey> FromPem(std::string_view pem);

    // DER of a PKCS#1 RSAPublicKey or of a SubjectPublicKeyInfo.
    static Result<PublicKey> FromDer(std::string_view der);

    // ListPublicKeys' Value: base64 of the DER (either form).
    static Result<PublicKey> FromDerBase64(std::string_view base64);

    std::string ToPem() const;  // SubjectPublicKeyInfo PEM

    std::string ToDer() const;  // PKCS#1 RSAPublicKey DER

    std::string ToDerBase64() const;

    std::string Fingerprint() const;  // 32 lowercase hex digits

    PublicKey Clone() const;

    EVP_PKEY* get() const { return key_.get(); }

private:
    explicit PublicKey(PkeyPtr key) : key_(std::move(key)) {}

    PkeyPtr key_;

    friend class PrivateKey;
};

class PrivateKey {
public:
    static Result<PrivateKey> Generate(int bits = 2048);

    // Any PEM private key OpenSSL reads ("PRIVATE KEY", "RSA PRIVATE KEY"); must be RSA.
    static Result<PrivateKey> FromPem(std::string_view pem);

    std::string ToPem() const;  // unencrypted PKCS#8 PEM

    PublicKey GetPublicKey() const;

    EVP_PKEY* get() const { return key_.get(); }

private:
    explicit PrivateKey(PkeyPtr key) : key_(std::move(key)) {}

    PkeyPtr key_;
};

// The public keys of CloudTrail's ListPublicKeys reply (or `aws cloudtrail list-public-keys`
// output): {"PublicKeyList":[{"Value":"<base64 DER>","Fingerprint":"..",..}]}, keyed by the
// Fingerprint as given (validity times are not read). Errors name the entry.
Result<std::map<std::string, PublicKey>> ParseListPublicKeys(std::string_view json);

// SHA256withRSA signature of `data`, hex-encoded (as in x-amz-meta-signature).
Result<std::string> SignSha256Rsa(const PrivateKey& key, std::string_view data);

// False for a wrong signature, a signature that is not hex, or any OpenSSL failure.
bool VerifySha256Rsa(const PublicKey& key, std::string_view data, std::string_view hex_signature);

}  // namespace firebreak::evidence
