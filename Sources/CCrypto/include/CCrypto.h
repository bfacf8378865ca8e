/*
 * CCrypto: a few flat functions over OpenSSL's libcrypto (3.x), which is opened with dlopen on
 * first use and never linked, so a command that signs nothing does not pay for loading it.
 *
 * Conventions:
 *   - Functions return M365_CRYPTO_OK (0) or one of the status codes below.
 *   - `error`, when not NULL, receives a malloc'ed one-line message on failure (free it with
 *     m365_crypto_free); it is left NULL on success.
 *   - Buffers returned through `uint8_t **` are malloc'ed; free them with m365_crypto_free.
 */
#ifndef M365_CCRYPTO_H
#define M365_CCRYPTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    M365_CRYPTO_OK = 0,
    /* dlopen("libcrypto.so.3") failed, or a symbol is missing. */
    M365_CRYPTO_UNAVAILABLE = 1,
    /* The input is not what the function reads (not PEM, not PKCS#12...). */
    M365_CRYPTO_PARSE_FAILED = 2,
    /* The private key or PFX is encrypted and no password was given. */
    M365_CRYPTO_PASSWORD_REQUIRED = 3,
    /* A password was given and it does not decrypt the key or PFX. */
    M365_CRYPTO_WRONG_PASSWORD = 4,
    /* The PEM text or PFX holds no private key. */
    M365_CRYPTO_NO_PRIVATE_KEY = 5,
    /* The certificate PEM text or PFX holds no certificate. */
    M365_CRYPTO_NO_CERTIFICATE = 6,
    /* The private key is not an RSA key. */
    M365_CRYPTO_NOT_RSA = 7,
    /* None of the certificates belongs to the private key. */
    M365_CRYPTO_KEY_MISMATCH = 8,
    /* DER input that is an X.509 certificate on its own (a .cer), with no private key. */
    M365_CRYPTO_CERTIFICATE_ONLY = 9,
    /* Anything else (signing, digests, random bytes, allocation). */
    M365_CRYPTO_FAILED = 10,
};

/* Signature paddings for m365_crypto_sign (both with SHA-256). */
enum {
    M365_CRYPTO_RSA_PKCS1 = 0, /* RS256 */
    M365_CRYPTO_RSA_PSS = 1,   /* PS256: MGF1-SHA-256, salt length = digest length */
};

/* A private key, optionally with the certificate that belongs to it. Opaque. */
typedef struct m365_crypto_key m365_crypto_key;

/* Opens libcrypto if it is not open yet. */
int m365_crypto_open(char **error);

/*
 * A private key from PEM text (`key_pem`), with its certificate taken from `cert_pem` or, when
 * `cert_pem` is NULL, from `key_pem` itself. Blocks may come in any order; of several
 * certificates (a chain) the one whose public key matches the private key is kept. No
 * certificate at all is not an error: m365_crypto_key_certificate then returns 0.
 * `password` decrypts an encrypted key ("ENCRYPTED PRIVATE KEY" or a traditional key with
 * DEK-Info); NULL means none (there is never a terminal prompt).
 */
int m365_crypto_key_from_pem(const uint8_t *key_pem, size_t key_pem_len,
                             const uint8_t *cert_pem, size_t cert_pem_len,
                             const char *password, m365_crypto_key **out, char **error);

/* A private key and its certificate from PKCS#12 (PFX) DER bytes. `password` may be NULL. */
int m365_crypto_key_from_pkcs12(const uint8_t *der, size_t der_len, const char *password,
                                m365_crypto_key **out, char **error);

void m365_crypto_key_free(m365_crypto_key *key);

/* The key size in bits. */
int m365_crypto_key_bits(const m365_crypto_key *key);

/*
 * The certificate's DER bytes (owned by `key`) and its SHA-1 and SHA-256 digests (the
 * thumbprints) into `sha1` (20 bytes) and `sha256` (32 bytes), either of which may be NULL.
 * Returns the DER length, or 0 when the key has no certificate.
 */
size_t m365_crypto_key_certificate(const m365_crypto_key *key, const uint8_t **der,
                                   uint8_t *sha1, uint8_t *sha256);

/* Signs `data` with SHA-256 and the given padding (M365_CRYPTO_RSA_PKCS1 or _PSS). */
int m365_crypto_sign(const m365_crypto_key *key, int padding, const uint8_t *data, size_t len,
                     uint8_t **signature, size_t *signature_len, char **error);

/* Digests of arbitrary bytes. */
int m365_crypto_sha256(const uint8_t *data, size_t len, uint8_t out[32], char **error);
int m365_crypto_sha1(const uint8_t *data, size_t len, uint8_t out[20], char **error);

/* Cryptographically secure random bytes. */
int m365_crypto_random(uint8_t *out, size_t len, char **error);

/* Frees an error message or a buffer returned by these functions. */
void m365_crypto_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif /* M365_CCRYPTO_H */
