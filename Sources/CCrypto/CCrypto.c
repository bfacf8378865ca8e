/*
 * CCrypto: OpenSSL's libcrypto through dlopen. See include/CCrypto.h.
 *
 * The OpenSSL prototypes used here are declared below with opaque types, so building needs no
 * OpenSSL headers, and nothing links libcrypto: it is opened on the first call.
 */
#include "CCrypto.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MARK: OpenSSL declarations (OpenSSL 3 ABI; opaque types only) */

typedef struct ossl_bio BIO;
typedef struct ossl_evp_pkey EVP_PKEY;
typedef struct ossl_evp_pkey_ctx EVP_PKEY_CTX;
typedef struct ossl_evp_md EVP_MD;
typedef struct ossl_evp_md_ctx EVP_MD_CTX;
typedef struct ossl_x509 X509;
typedef struct ossl_pkcs12 PKCS12;
typedef struct ossl_stack OPENSSL_STACK;
typedef struct ossl_provider OSSL_PROVIDER;
typedef struct ossl_lib_ctx OSSL_LIB_CTX;
typedef struct ossl_engine ENGINE;
typedef int pem_password_cb(char *buf, int size, int rwflag, void *userdata);

#define OSSL_EVP_PKEY_RSA 6          /* NID_rsaEncryption */
#define OSSL_RSA_PKCS1_PSS_PADDING 6
#define OSSL_RSA_PSS_SALTLEN_DIGEST (-1)

/* Each entry: return type, name, parameter list. */
#define M365_OPENSSL_FUNCTIONS(X)                                                                  \
    X(BIO *, BIO_new_mem_buf, (const void *buf, int len))                                          \
    X(int, BIO_free, (BIO *bio))                                                                   \
    X(EVP_PKEY *, PEM_read_bio_PrivateKey, (BIO *bio, EVP_PKEY **x, pem_password_cb *cb, void *u)) \
    X(X509 *, PEM_read_bio_X509, (BIO *bio, X509 **x, pem_password_cb *cb, void *u))              \
    X(X509 *, d2i_X509, (X509 **x, const unsigned char **in, long len))                           \
    X(int, i2d_X509, (const X509 *x, unsigned char **out))                                         \
    X(void, X509_free, (X509 *x))                                                                  \
    X(EVP_PKEY *, X509_get0_pubkey, (const X509 *x))                                               \
    X(int, EVP_PKEY_eq, (const EVP_PKEY *a, const EVP_PKEY *b))                                    \
    X(int, EVP_PKEY_get_base_id, (const EVP_PKEY *pkey))                                           \
    X(int, EVP_PKEY_get_bits, (const EVP_PKEY *pkey))                                              \
    X(void, EVP_PKEY_free, (EVP_PKEY *pkey))                                                       \
    X(PKCS12 *, d2i_PKCS12, (PKCS12 **p12, const unsigned char **in, long len))                   \
    X(void, PKCS12_free, (PKCS12 *p12))                                                            \
    X(int, PKCS12_mac_present, (const PKCS12 *p12))                                                \
    X(int, PKCS12_verify_mac, (PKCS12 *p12, const char *pass, int passlen))                        \
    X(int, PKCS12_parse,                                                                           \
      (PKCS12 *p12, const char *pass, EVP_PKEY **pkey, X509 **cert, OPENSSL_STACK **ca))           \
    X(int, OPENSSL_sk_num, (const OPENSSL_STACK *stack))                                           \
    X(void *, OPENSSL_sk_value, (const OPENSSL_STACK *stack, int index))                           \
    X(void, OPENSSL_sk_free, (OPENSSL_STACK *stack))                                               \
    X(OSSL_PROVIDER *, OSSL_PROVIDER_load, (OSSL_LIB_CTX *ctx, const char *name))                  \
    X(const EVP_MD *, EVP_sha1, (void))                                                            \
    X(const EVP_MD *, EVP_sha256, (void))                                                          \
    X(int, EVP_Digest,                                                                             \
      (const void *data, size_t count, unsigned char *md, unsigned int *size, const EVP_MD *type, \
       ENGINE *impl))                                                                              \
    X(EVP_MD_CTX *, EVP_MD_CTX_new, (void))                                                        \
    X(void, EVP_MD_CTX_free, (EVP_MD_CTX *ctx))                                                    \
    X(int, EVP_DigestSignInit,                                                                     \
      (EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey))       \
    X(int, EVP_DigestSign,                                                                         \
      (EVP_MD_CTX *ctx, unsigned char *sig, size_t *siglen, const unsigned char *tbs,              \
       size_t tbslen))                                                                             \
    X(int, EVP_PKEY_CTX_set_rsa_padding, (EVP_PKEY_CTX *ctx, int pad_mode))                        \
    X(int, EVP_PKEY_CTX_set_rsa_pss_saltlen, (EVP_PKEY_CTX *ctx, int saltlen))                     \
    X(int, RAND_bytes, (unsigned char *buf, int num))                                              \
    X(unsigned long, ERR_get_error, (void))                                                        \
    X(void, ERR_error_string_n, (unsigned long e, char *buf, size_t len))                          \
    X(void, ERR_clear_error, (void))

#define M365_DECLARE_POINTER(ret, name, params) static ret(*p_##name) params;
M365_OPENSSL_FUNCTIONS(M365_DECLARE_POINTER)
#undef M365_DECLARE_POINTER

/* MARK: Loading */

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_status = M365_CRYPTO_UNAVAILABLE;
static char load_message[512];

static void load_library(void) {
    static const char *const names[] = {
#if defined(__APPLE__)
        "libcrypto.3.dylib",
#else
        "libcrypto.so.3",
#endif
    };
    void *handle = NULL;
    const char *why = "not found";
    for (size_t i = 0; i < sizeof names / sizeof names[0] && handle == NULL; i++) {
        handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) {
            const char *e = dlerror();
            if (e != NULL) why = e;
        }
    }
    if (handle == NULL) {
        snprintf(load_message, sizeof load_message, "OpenSSL's libcrypto is not available: %s", why);
        return;
    }
#define M365_RESOLVE(ret, name, params)                                                             \
    *(void **)(&p_##name) = dlsym(handle, #name); /* the POSIX-sanctioned form */              \
    if (p_##name == NULL) {                                                                        \
        snprintf(load_message, sizeof load_message,                                                \
                 "OpenSSL's libcrypto is not available: it has no %s (OpenSSL 3 is required)",     \
                 #name);                                                                           \
        return;                                                                                    \
    }
    M365_OPENSSL_FUNCTIONS(M365_RESOLVE)
#undef M365_RESOLVE
    load_status = M365_CRYPTO_OK;
}

static void set_error(char **error, const char *message) {
    if (error == NULL) return;
    *error = strdup(message);
}

int m365_crypto_open(char **error) {
    if (error != NULL) *error = NULL;
    pthread_once(&load_once, load_library);
    if (load_status != M365_CRYPTO_OK) {
        set_error(error, load_message);
        return M365_CRYPTO_UNAVAILABLE;
    }
    return M365_CRYPTO_OK;
}

/* "<what>: <last OpenSSL error>" (or just <what>), with the thread's error queue emptied. */
static void set_openssl_error(char **error, const char *what) {
    unsigned long code = 0, e;
    while ((e = p_ERR_get_error()) != 0) code = e;
    if (error == NULL) return;
    char detail[256] = "";
    if (code != 0) p_ERR_error_string_n(code, detail, sizeof detail);
    size_t size = strlen(what) + strlen(detail) + 3;
    char *message = malloc(size);
    if (message == NULL) return;
    if (detail[0] != '\0')
        snprintf(message, size, "%s: %s", what, detail);
    else
        snprintf(message, size, "%s", what);
    *error = message;
}

/* MARK: Keys */

struct m365_crypto_key {
    EVP_PKEY *pkey;
    uint8_t *der;
    size_t der_len;
    uint8_t sha1[20];
    uint8_t sha256[32];
};

void m365_crypto_key_free(m365_crypto_key *key) {
    if (key == NULL) return;
    if (key->pkey != NULL) p_EVP_PKEY_free(key->pkey);
    free(key->der);
    free(key);
}

int m365_crypto_key_bits(const m365_crypto_key *key) {
    return key != NULL && key->pkey != NULL ? p_EVP_PKEY_get_bits(key->pkey) : 0;
}

size_t m365_crypto_key_certificate(const m365_crypto_key *key, const uint8_t **der, uint8_t *sha1,
                                   uint8_t *sha256) {
    if (key == NULL || key->der == NULL) {
        if (der != NULL) *der = NULL;
        return 0;
    }
    if (der != NULL) *der = key->der;
    if (sha1 != NULL) memcpy(sha1, key->sha1, sizeof key->sha1);
    if (sha256 != NULL) memcpy(sha256, key->sha256, sizeof key->sha256);
    return key->der_len;
}

/* Takes ownership of pkey and, when not NULL, copies cert's DER and digests into a new key. */
static int make_key(EVP_PKEY *pkey, const X509 *cert, m365_crypto_key **out, char **error) {
    m365_crypto_key *key = calloc(1, sizeof *key);
    if (key == NULL) {
        p_EVP_PKEY_free(pkey);
        set_error(error, "out of memory");
        return M365_CRYPTO_FAILED;
    }
    key->pkey = pkey;
    if (cert != NULL) {
        int len = p_i2d_X509(cert, NULL);
        if (len <= 0) {
            m365_crypto_key_free(key);
            set_openssl_error(error, "the certificate cannot be encoded");
            return M365_CRYPTO_FAILED;
        }
        key->der = malloc((size_t)len);
        if (key->der == NULL) {
            m365_crypto_key_free(key);
            set_error(error, "out of memory");
            return M365_CRYPTO_FAILED;
        }
        unsigned char *cursor = key->der;
        key->der_len = (size_t)p_i2d_X509(cert, &cursor);
        unsigned int n = 0;
        if (!p_EVP_Digest(key->der, key->der_len, key->sha1, &n, p_EVP_sha1(), NULL) ||
            !p_EVP_Digest(key->der, key->der_len, key->sha256, &n, p_EVP_sha256(), NULL)) {
            m365_crypto_key_free(key);
            set_openssl_error(error, "the certificate's thumbprint cannot be computed");
            return M365_CRYPTO_FAILED;
        }
    }
    *out = key;
    return M365_CRYPTO_OK;
}

static int is_rsa(const EVP_PKEY *pkey) { return p_EVP_PKEY_get_base_id(pkey) == OSSL_EVP_PKEY_RSA; }

struct password_request {
    const char *password;
    int asked;
};

/* Never prompts: hands over the given password, or fails when there is none. */
static int password_callback(char *buf, int size, int rwflag, void *userdata) {
    (void)rwflag;
    struct password_request *request = userdata;
    request->asked = 1;
    if (request->password == NULL || size <= 0) return -1;
    size_t len = strlen(request->password);
    if (len > (size_t)size) len = (size_t)size;
    memcpy(buf, request->password, len);
    return (int)len;
}

static int contains(const uint8_t *haystack, size_t len, const char *needle) {
    size_t n = strlen(needle);
    if (n == 0 || len < n) return n == 0;
    for (size_t i = 0; i + n <= len; i++)
        if (haystack[i] == (uint8_t)needle[0] && memcmp(haystack + i, needle, n) == 0) return 1;
    return 0;
}

int m365_crypto_key_from_pem(const uint8_t *key_pem, size_t key_pem_len, const uint8_t *cert_pem,
                             size_t cert_pem_len, const char *password, m365_crypto_key **out,
                             char **error) {
    if (out != NULL) *out = NULL;
    int status = m365_crypto_open(error);
    if (status != M365_CRYPTO_OK) return status;
    if (out == NULL || key_pem == NULL || key_pem_len > 0x7fffffff || cert_pem_len > 0x7fffffff) {
        set_error(error, "invalid arguments");
        return M365_CRYPTO_FAILED;
    }
    p_ERR_clear_error();
    if (!contains(key_pem, key_pem_len, "PRIVATE KEY-----")) {
        set_error(error, "the PEM text has no private key");
        return M365_CRYPTO_NO_PRIVATE_KEY;
    }

    BIO *bio = p_BIO_new_mem_buf(key_pem, (int)key_pem_len);
    if (bio == NULL) {
        set_openssl_error(error, "out of memory");
        return M365_CRYPTO_FAILED;
    }
    struct password_request request = {password, 0};
    EVP_PKEY *pkey = p_PEM_read_bio_PrivateKey(bio, NULL, password_callback, &request);
    p_BIO_free(bio);
    if (pkey == NULL) {
        if (request.asked && password == NULL) {
            set_openssl_error(error, "the private key is encrypted and no password was given");
            return M365_CRYPTO_PASSWORD_REQUIRED;
        }
        if (request.asked) {
            set_openssl_error(error, "wrong password for the private key");
            return M365_CRYPTO_WRONG_PASSWORD;
        }
        set_openssl_error(error, "the private key cannot be read");
        return M365_CRYPTO_PARSE_FAILED;
    }
    if (!is_rsa(pkey)) {
        p_EVP_PKEY_free(pkey);
        p_ERR_clear_error();
        set_error(error, "the private key is not an RSA key");
        return M365_CRYPTO_NOT_RSA;
    }

    const uint8_t *source = cert_pem != NULL ? cert_pem : key_pem;
    size_t source_len = cert_pem != NULL ? cert_pem_len : key_pem_len;
    bio = p_BIO_new_mem_buf(source, (int)source_len);
    if (bio == NULL) {
        p_EVP_PKEY_free(pkey);
        set_openssl_error(error, "out of memory");
        return M365_CRYPTO_FAILED;
    }
    X509 *match = NULL;
    int certificates = 0;
    X509 *cert;
    while ((cert = p_PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        certificates++;
        if (match == NULL && p_EVP_PKEY_eq(p_X509_get0_pubkey(cert), pkey) == 1)
            match = cert;
        else
            p_X509_free(cert);
    }
    p_BIO_free(bio);
    p_ERR_clear_error(); /* the read that ends the loop leaves "no start line" */

    if (match == NULL && certificates > 0) {
        p_EVP_PKEY_free(pkey);
        set_error(error, "the certificate does not belong to the private key");
        return M365_CRYPTO_KEY_MISMATCH;
    }
    if (match == NULL && cert_pem != NULL) {
        p_EVP_PKEY_free(pkey);
        set_error(error, "the certificate PEM text has no certificate");
        return M365_CRYPTO_NO_CERTIFICATE;
    }
    status = make_key(pkey, match, out, error);
    if (match != NULL) p_X509_free(match);
    return status;
}

static void free_certificates(OPENSSL_STACK *stack) {
    if (stack == NULL) return;
    int n = p_OPENSSL_sk_num(stack);
    for (int i = 0; i < n; i++) p_X509_free(p_OPENSSL_sk_value(stack, i));
    p_OPENSSL_sk_free(stack);
}

/* PFX files from older Windows and OpenSSL versions use RC2 or 3DES with SHA-1 (the legacy
 * provider). Loading it by name disables the implicit default provider, so load both. */
static pthread_once_t legacy_once = PTHREAD_ONCE_INIT;
static void load_legacy_providers(void) {
    p_OSSL_PROVIDER_load(NULL, "default");
    p_OSSL_PROVIDER_load(NULL, "legacy");
    p_ERR_clear_error();
}

int m365_crypto_key_from_pkcs12(const uint8_t *der, size_t der_len, const char *password,
                                m365_crypto_key **out, char **error) {
    if (out != NULL) *out = NULL;
    int status = m365_crypto_open(error);
    if (status != M365_CRYPTO_OK) return status;
    if (out == NULL || der == NULL || der_len > 0x7fffffff) {
        set_error(error, "invalid arguments");
        return M365_CRYPTO_FAILED;
    }
    p_ERR_clear_error();

    const unsigned char *cursor = der;
    PKCS12 *p12 = p_d2i_PKCS12(NULL, &cursor, (long)der_len);
    if (p12 == NULL) {
        p_ERR_clear_error();
        cursor = der;
        X509 *cert = p_d2i_X509(NULL, &cursor, (long)der_len);
        if (cert != NULL) {
            p_X509_free(cert);
            set_error(error, "the DER data is a certificate without its private key");
            return M365_CRYPTO_CERTIFICATE_ONLY;
        }
        set_openssl_error(error, "the data is not PKCS#12");
        return M365_CRYPTO_PARSE_FAILED;
    }

    /* Which password opens it: the given one, else none or the empty one. */
    const char *pass = password;
    if (p_PKCS12_mac_present(p12)) {
        if (password != NULL && password[0] != '\0' && p_PKCS12_verify_mac(p12, password, -1)) {
            pass = password;
        } else if (p_PKCS12_verify_mac(p12, NULL, 0)) {
            pass = NULL;
        } else if (p_PKCS12_verify_mac(p12, "", 0)) {
            pass = "";
        } else {
            p_PKCS12_free(p12);
            int given = password != NULL && password[0] != '\0';
            set_openssl_error(error, given ? "wrong password for the PKCS#12 data"
                                           : "the PKCS#12 data is protected by a password");
            return given ? M365_CRYPTO_WRONG_PASSWORD : M365_CRYPTO_PASSWORD_REQUIRED;
        }
        p_ERR_clear_error();
    }

    EVP_PKEY *pkey = NULL;
    X509 *cert = NULL;
    OPENSSL_STACK *ca = NULL;
    int ok = p_PKCS12_parse(p12, pass, &pkey, &cert, &ca);
    if (!ok) {
        pthread_once(&legacy_once, load_legacy_providers);
        p_ERR_clear_error();
        pkey = NULL;
        cert = NULL;
        ca = NULL;
        ok = p_PKCS12_parse(p12, pass, &pkey, &cert, &ca);
    }
    p_PKCS12_free(p12);
    if (!ok) {
        set_openssl_error(error, "the PKCS#12 data cannot be read");
        return M365_CRYPTO_PARSE_FAILED;
    }
    p_ERR_clear_error();

    if (pkey == NULL) {
        if (cert != NULL) p_X509_free(cert);
        free_certificates(ca);
        set_error(error, "the PKCS#12 data has no private key");
        return M365_CRYPTO_NO_PRIVATE_KEY;
    }
    if (!is_rsa(pkey)) {
        p_EVP_PKEY_free(pkey);
        if (cert != NULL) p_X509_free(cert);
        free_certificates(ca);
        set_error(error, "the private key is not an RSA key");
        return M365_CRYPTO_NOT_RSA;
    }
    /* PKCS12_parse pairs key and certificate by localKeyId; without one, look at the others
     * (make_key copies the DER, so the stack may keep owning the match). */
    const X509 *chosen = cert;
    if (chosen == NULL && ca != NULL) {
        int n = p_OPENSSL_sk_num(ca);
        for (int i = 0; i < n && chosen == NULL; i++) {
            X509 *candidate = p_OPENSSL_sk_value(ca, i);
            if (p_EVP_PKEY_eq(p_X509_get0_pubkey(candidate), pkey) == 1) chosen = candidate;
        }
    }
    if (chosen == NULL) {
        p_EVP_PKEY_free(pkey);
        free_certificates(ca);
        set_error(error, "the PKCS#12 data has no certificate for its private key");
        return M365_CRYPTO_NO_CERTIFICATE;
    }
    status = make_key(pkey, chosen, out, error);
    if (cert != NULL) p_X509_free(cert);
    free_certificates(ca);
    return status;
}

/* MARK: Signing, digests, random bytes */

int m365_crypto_sign(const m365_crypto_key *key, int padding, const uint8_t *data, size_t len,
                     uint8_t **signature, size_t *signature_len, char **error) {
    if (signature != NULL) *signature = NULL;
    if (signature_len != NULL) *signature_len = 0;
    int status = m365_crypto_open(error);
    if (status != M365_CRYPTO_OK) return status;
    if (key == NULL || key->pkey == NULL || signature == NULL || signature_len == NULL ||
        (data == NULL && len > 0) ||
        (padding != M365_CRYPTO_RSA_PKCS1 && padding != M365_CRYPTO_RSA_PSS)) {
        set_error(error, "invalid arguments");
        return M365_CRYPTO_FAILED;
    }
    p_ERR_clear_error();
    static const uint8_t empty = 0;
    if (data == NULL) data = &empty;

    EVP_MD_CTX *ctx = p_EVP_MD_CTX_new();
    if (ctx == NULL) {
        set_openssl_error(error, "out of memory");
        return M365_CRYPTO_FAILED;
    }
    EVP_PKEY_CTX *pctx = NULL;
    uint8_t *out = NULL;
    size_t out_len = 0;
    const char *failure = NULL;
    if (p_EVP_DigestSignInit(ctx, &pctx, p_EVP_sha256(), NULL, key->pkey) != 1) {
        failure = "signing cannot start";
    } else if (padding == M365_CRYPTO_RSA_PSS &&
               (p_EVP_PKEY_CTX_set_rsa_padding(pctx, OSSL_RSA_PKCS1_PSS_PADDING) <= 0 ||
                p_EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, OSSL_RSA_PSS_SALTLEN_DIGEST) <= 0)) {
        failure = "RSA-PSS padding cannot be set";
    } else if (p_EVP_DigestSign(ctx, NULL, &out_len, data, len) != 1 || out_len == 0) {
        failure = "signing failed";
    } else if ((out = malloc(out_len)) == NULL) {
        failure = "out of memory";
    } else if (p_EVP_DigestSign(ctx, out, &out_len, data, len) != 1) {
        failure = "signing failed";
        free(out);
        out = NULL;
    }
    p_EVP_MD_CTX_free(ctx);
    if (failure != NULL) {
        set_openssl_error(error, failure);
        return M365_CRYPTO_FAILED;
    }
    *signature = out;
    *signature_len = out_len;
    return M365_CRYPTO_OK;
}

static int digest(const EVP_MD *(*md)(void), const uint8_t *data, size_t len, uint8_t *out,
                  char **error) {
    int status = m365_crypto_open(error);
    if (status != M365_CRYPTO_OK) return status;
    if (out == NULL || (data == NULL && len > 0)) {
        set_error(error, "invalid arguments");
        return M365_CRYPTO_FAILED;
    }
    static const uint8_t empty = 0;
    unsigned int n = 0;
    p_ERR_clear_error();
    if (!p_EVP_Digest(data != NULL ? data : &empty, len, out, &n, md(), NULL)) {
        set_openssl_error(error, "the digest cannot be computed");
        return M365_CRYPTO_FAILED;
    }
    return M365_CRYPTO_OK;
}

int m365_crypto_sha256(const uint8_t *data, size_t len, uint8_t out[32], char **error) {
    if (m365_crypto_open(error) != M365_CRYPTO_OK) return M365_CRYPTO_UNAVAILABLE;
    return digest(p_EVP_sha256, data, len, out, error);
}

int m365_crypto_sha1(const uint8_t *data, size_t len, uint8_t out[20], char **error) {
    if (m365_crypto_open(error) != M365_CRYPTO_OK) return M365_CRYPTO_UNAVAILABLE;
    return digest(p_EVP_sha1, data, len, out, error);
}

int m365_crypto_random(uint8_t *out, size_t len, char **error) {
    int status = m365_crypto_open(error);
    if (status != M365_CRYPTO_OK) return status;
    if (out == NULL && len > 0) {
        set_error(error, "invalid arguments");
        return M365_CRYPTO_FAILED;
    }
    p_ERR_clear_error();
    while (len > 0) {
        int chunk = len > 0x40000000 ? 0x40000000 : (int)len;
        if (p_RAND_bytes(out, chunk) != 1) {
            set_openssl_error(error, "no random bytes");
            return M365_CRYPTO_FAILED;
        }
        out += chunk;
        len -= (size_t)chunk;
    }
    return M365_CRYPTO_OK;
}

void m365_crypto_free(void *pointer) { free(pointer); }
