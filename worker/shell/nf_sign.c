/*
 * nf_sign.c - Standard Webhooks signing: HMAC-SHA256 over "id.ts.body".
 *
 * Worked example (the spec's test vector, tests/shell/test_nf_sign.c):
 *   secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw (24 bytes once decoded),
 *   id msg_p5jXN8AQM9LWM0D4loKWxJek, ts 1614265330, body {"test": 2432232314}
 *   → v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
 *
 * Approach: OpenSSL 3's EVP_MAC, fed in three updates (id, ".ts.", body),
 * so the body is never copied to build the signed content. The HMAC
 * implementation is fetched once per signer; each nf_sign() uses its own
 * context, so one signer may be shared by threads.
 *
 * base64 is hand-written (40 lines) rather than EVP_EncodeBlock /
 * EVP_DecodeBlock: the decoder must be strict (a typo in a secret has to
 * be refused at start, not turned into a different key) and EVP_DecodeBlock
 * accepts white space and returns padding bytes as data.
 *
 * Secrets are registered with the log redactor as soon as they are parsed
 * (nf_log_add_secret), so no later log line can contain one, and the keys
 * are wiped (OPENSSL_cleanse) when the signer is freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "nf_log.h"
#include "nf_sign.h"

/* Prefix of Standard Webhooks secrets; optional in our configuration. */
static const char secret_prefix[] = "whsec_";
/* The id prefix used by the spec's examples and reference libraries. */
static const char id_prefix[] = "msg_";
/* Bytes of SHA-256 kept in a webhook-id: 144 bits, 24 base64 characters
 * (collisions are negligible at any alert volume). */
#define ID_HASH_BYTES 18
/* Longest base64 text of a NF_SIGN_KEY_MAX key (with padding). */
#define SECRET_B64_MAX (4 * ((NF_SIGN_KEY_MAX + 2) / 3))

struct key {
    unsigned char k[NF_SIGN_KEY_MAX];
    size_t len;
};

struct nf_signer {
    EVP_MAC *mac;
    struct key keys[NF_SIGN_MAX_SECRETS];
    size_t n;
};

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t nf_base64_encode(const void *in, size_t n, char *out, int url)
{
    const unsigned char *p = in;
    const char *a = url ? b64url : b64;
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = a[v >> 18];
        out[o++] = a[(v >> 12) & 63];
        out[o++] = a[(v >> 6) & 63];
        out[o++] = a[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        out[o++] = a[v >> 18];
        out[o++] = a[(v >> 12) & 63];
        out[o++] = i + 1 < n ? a[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long nf_base64_decode(const char *in, size_t n, unsigned char *out, size_t cap)
{
    uint32_t acc = 0;
    size_t i, o = 0, bits = 0, pad = 0;

    while (pad < 2 && n > 0 && in[n - 1] == '=') {
        n--;
        pad++;
    }
    if (n % 4 == 1 || (pad && (n + pad) % 4 != 0))
        return -1;
    for (i = 0; i < n; i++) {
        int v = b64_value(in[i]);

        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == cap)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    /* leftover bits must be zero: one text per key */
    if (bits && (acc & ((1u << bits) - 1)))
        return -1;
    return (long)o;
}

static int add_secret(struct nf_signer *s, const char *p, size_t n,
                      struct nf_err *err)
{
    char text[SECRET_B64_MAX + 1];
    long len;

    if (n > sizeof(secret_prefix) - 1 &&
        memcmp(p, secret_prefix, sizeof(secret_prefix) - 1) == 0) {
        p += sizeof(secret_prefix) - 1;
        n -= sizeof(secret_prefix) - 1;
    }
    if (s->n == NF_SIGN_MAX_SECRETS)
        return nf_err_set(err, NF_E_CONFIG, 0, "more than %d webhook secrets",
                          NF_SIGN_MAX_SECRETS);
    /* never echo the secret: only its position */
    if (n > SECRET_B64_MAX)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "webhook secret #%zu: longer than %d bytes", s->n + 1,
                          NF_SIGN_KEY_MAX);
    memcpy(text, p, n);
    text[n] = '\0';
    if (nf_log_add_secret(text) != 0) {
        OPENSSL_cleanse(text, sizeof(text));
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "webhook secret #%zu: cannot register for "
                          "redaction",
                          s->n + 1);
    }
    OPENSSL_cleanse(text, sizeof(text));
    len = nf_base64_decode(p, n, s->keys[s->n].k, NF_SIGN_KEY_MAX);
    if (len < NF_SIGN_KEY_MIN)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "webhook secret #%zu: not whsec_ + base64 of "
                          "%d..%d bytes",
                          s->n + 1, NF_SIGN_KEY_MIN, NF_SIGN_KEY_MAX);
    s->keys[s->n].len = (size_t)len;
    s->n++;
    return 0;
}

struct nf_signer *nf_signer_new(const char *list, struct nf_err *err)
{
    struct nf_signer *s = calloc(1, sizeof(*s));
    const char *p = list;

    if (!s) {
        nf_err_set(err, NF_E_NOMEM, 0, "out of memory");
        return NULL;
    }
    s->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!s->mac) {
        nf_err_set(err, NF_E_NOMEM, 0, "libcrypto has no HMAC");
        goto fail;
    }
    while (p && *p) {
        size_t n = strcspn(p, ", \t\r\n");

        if (n > 0 && add_secret(s, p, n, err) != 0)
            goto fail;
        p += n;
        p += strspn(p, ", \t\r\n");
    }
    if (s->n == 0) {
        nf_err_set(err, NF_E_CONFIG, 0, "no webhook secret given");
        goto fail;
    }
    return s;
fail:
    nf_signer_destroy(s);
    return NULL;
}

void nf_signer_destroy(struct nf_signer *s)
{
    if (!s)
        return;
    EVP_MAC_free(s->mac);
    OPENSSL_cleanse(s->keys, sizeof(s->keys));
    free(s);
}

size_t nf_signer_count(const struct nf_signer *s)
{
    return s ? s->n : 0;
}

static int hmac(const struct nf_signer *s, const struct key *k, const char *id,
                const char *ts, const void *body, size_t len,
                unsigned char md[32])
{
    char digest[] = "SHA256";
    OSSL_PARAM params[2];
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(s->mac);
    size_t mdlen = 0;
    int ok;

    if (!ctx)
        return -1;
    params[0] =
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    ok = EVP_MAC_init(ctx, k->k, k->len, params) &&
         EVP_MAC_update(ctx, (const unsigned char *)id, strlen(id)) &&
         EVP_MAC_update(ctx, (const unsigned char *)".", 1) &&
         EVP_MAC_update(ctx, (const unsigned char *)ts, strlen(ts)) &&
         EVP_MAC_update(ctx, (const unsigned char *)".", 1) &&
         (len == 0 || EVP_MAC_update(ctx, body, len)) &&
         EVP_MAC_final(ctx, md, &mdlen, 32) && mdlen == 32;
    EVP_MAC_CTX_free(ctx);
    return ok ? 0 : -1;
}

int nf_sign(const struct nf_signer *s, const char *id, int64_t ts,
            const void *body, size_t len, char out[NF_SIGN_HEADER_MAX],
            struct nf_err *err)
{
    unsigned char md[32];
    char tsbuf[24];
    size_t i, o = 0;

    if (!s || !id || (!body && len))
        return nf_err_set(err, NF_E_ARG, 0, "nf_sign: bad argument");
    snprintf(tsbuf, sizeof(tsbuf), "%lld", (long long)ts);
    out[0] = '\0';
    for (i = 0; i < s->n; i++) {
        if (hmac(s, &s->keys[i], id, tsbuf, body, len, md) != 0)
            return nf_err_set(err, NF_E_NOMEM, 0, "HMAC failed");
        if (i)
            out[o++] = ' ';
        memcpy(out + o, "v1,", 3);
        o += 3;
        o += nf_base64_encode(md, sizeof(md), out + o, 0);
    }
    OPENSSL_cleanse(md, sizeof(md));
    return 0;
}

int nf_sign_webhook_id(const char *event_id, const char *url,
                       char out[NF_SIGN_ID_MAX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok;
    char enc[4 * ((ID_HASH_BYTES + 2) / 3) + 1];

    if (!ctx)
        return NF_E_NOMEM;
    ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
         EVP_DigestUpdate(ctx, event_id, strlen(event_id)) &&
         EVP_DigestUpdate(ctx, "\n", 1) &&
         EVP_DigestUpdate(ctx, url, strlen(url)) &&
         EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen >= ID_HASH_BYTES;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return NF_E_NOMEM;
    /* 18 bytes: a multiple of 3, so no padding in the id */
    nf_base64_encode(md, ID_HASH_BYTES, enc, 1);
    snprintf(out, NF_SIGN_ID_MAX, "%s%s", id_prefix, enc);
    return 0;
}
