// File: keys.cpp
#include "firebreak/evidence/keys.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "firebreak/core/crypto.h"
#include "firebreak/event/json_tree.h"
#include "firebreak/evidence/keystore.h"

namespace firebreak::evidence {

namespace {

struct BioDeleter {
    void operator()(BIO* bio) const { BIO_free(bio); }
};

struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

BioPtr ReadBio(std::string_view text) {
    if (text.size() > (1u << 20)) {
        return nullptr;
    }
    return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string BioContents(BIO* bio) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

bool IsRsa(const EVP_PKEY* key) {
    return key != nullptr && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA;
}

}  // namespace

void PkeyDeleter::operator()(EVP_PKEY* key) const {
    EVP_PKEY_free(key);
}

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
    BioPtr bio = ReadBio(pem);
    if (bio == nullptr) {
        return InvalidArgument("public key PEM is too large");
    }
    // Both "PUBLIC KEY" and "RSA PUBLIC KEY" bodies are DER that FromDer reads.
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long size = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &size) != 1) {
        return InvalidArgument("no PEM block in the public key text");
    }
    std::string type(name);
    std::string der(reinterpret_cast<char*>(data), static_cast<size_t>(size));
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    if (type != "PUBLIC KEY" && type != "RSA PUBLIC KEY") {
        return InvalidArgument("PEM block is a '" + type + "', not a public key");
    }
    return FromDer(der);
}

Result<PublicKey> PublicKey::FromDer(std::string_view der) {
    if (der.size() > (1u << 20)) {
        return InvalidArgument("public key DER is too large");
    }
    const auto* start = reinterpret_cast<const unsigned char*>(der.data());
    const unsigned char* p = start;
    long size = static_cast<long>(der.size());
    PkeyPtr key(d2i_PUBKEY(nullptr, &p, size));
    if (key == nullptr || p != start + der.size()) {
        p = start;
        key.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, size));
        if (key != nullptr && p != start + der.size()) {
            key.reset();
        }
    }
    if (!IsRsa(key.get())) {
        return InvalidArgument("not a DER RSA public key (PKCS#1 or SubjectPublicKeyInfo)");
    }
    return PublicKey(std::move(key));
}

Result<PublicKey> PublicKey::FromDerBase64(std::string_view base64) {
    Result<std::string> der = Base64Decode(base64);
    if (!der.has_value()) {
        return InvalidArgument("public key value is not base64: " + der.error().message());
    }
    return FromDer(*der);
}

std::string PublicKey::ToPem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) {
        return {};
    }
    return BioContents(bio.get());
}

std::string PublicKey::ToDer() const {
    unsigned char* der = nullptr;
    int size = i2d_PublicKey(key_.get(), &der);
    if (size <= 0) {
        return {};
    }
    std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(size));
    OPENSSL_free(der);
    return out;
}

std::string PublicKey::ToDerBase64() const {
    return Base64Encode(ToDer());
}

std::string PublicKey::Fingerprint() const {
    return HexEncode(Md5(ToDer()));
}

PublicKey PublicKey::Clone() const {
    EVP_PKEY_up_ref(key_.get());
    return PublicKey(PkeyPtr(key_.get()));
}

Result<PrivateKey> PrivateKey::Generate(int bits) {
    if (bits < 2048 || bits > 8192) {
        return InvalidArgument("RSA key size must be between 2048 and 8192 bits");
    }
    PkeyPtr key(EVP_RSA_gen(static_cast<unsigned int>(bits)));
    if (key == nullptr) {
        return Internal("RSA key generation failed");
    }
    return PrivateKey(std::move(key));
}

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
    BioPtr bio = ReadBio(pem);
    if (bio == nullptr) {
        return InvalidArgument("private key PEM is too large");
    }
    PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!IsRsa(key.get())) {
        return InvalidArgument("not an unencrypted RSA private key in PEM form");
    }
    return PrivateKey(std::move(key));
}

std::string PrivateKey::ToPem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (bio == nullptr ||
        PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
                1) {
        return {};
    }
    return BioContents(bio.get());
}

PublicKey PrivateKey::GetPublicKey() const {
    // Re-encode the public half so the PublicKey never holds private material.
    unsigned char* der = nullptr;
    int size = i2d_PublicKey(key_.get(), &der);
    const unsigned char* p = der;
    PkeyPtr pub(size > 0 ? d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, size) : nullptr);
    OPENSSL_free(der);
    FIREBREAK_CHECK(pub != nullptr);
    return PublicKey(std::move(pub));
}

Result<std::map<std::string, PublicKey>> ParseListPublicKeys(std::string_view json) {
    Result<std::vector<PublishedKey>> published = ParsePublishedKeys(json);
    if (!published.has_value()) {
        return published.error();
    }
    std::map<std::string, PublicKey> keys;
    for (PublishedKey& key : *published) {
        keys.insert_or_assign(key.fingerprint, std::move(key.key));
    }
    return keys;
}

Result<std::string> SignSha256Rsa(const PrivateKey& key, std::string_view data) {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    size_t size = 0;
    if (ctx == nullptr ||
        EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(),
                       nullptr,
                       &size,
                       reinterpret_cast<const unsigned char*>(data.data()),
                       data.size()) != 1) {
        return Internal("SHA256withRSA signing failed");
    }
    std::string signature(size, '\0');
    if (EVP_DigestSign(ctx.get(),
                       reinterpret_cast<unsigned char*>(signature.data()),
                       &size,
                       reinterpret_cast<const unsigned char*>(data.data()),
                       data.size()) != 1) {
        return Internal("SHA256withRSA signing failed");
    }
    signature.resize(size);
    return HexEncode(signature);
}

bool VerifySha256Rsa(const PublicKey& key, std::string_view data, std::string_view hex_signature) {
    Result<std::string> signature = HexDecode(hex_signature);
    if (!signature.has_value() || signature->empty()) {
        return false;
    }
    MdCtxPtr ctx(EVP_MD_CTX_new());
    return ctx != nullptr &&
           EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
           EVP_DigestVerify(ctx.get(),
                            reinterpret_cast<const unsigned char*>(signature->data()),
                            signature->size(),
                            reinterpret_cast<const unsigned char*>(data.data()),
                            data.size()) == 1;
}

}  // namespace firebreak::evidence
