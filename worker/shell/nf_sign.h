/*
 * nf_sign.h - Standard Webhooks signatures and ids (OpenSSL libcrypto).
 *
 *   webhook-signature: v1,<base64 HMAC-SHA256(key, id "." ts "." body)>
 *   with one "v1,..." per active secret, space separated (rotation: the
 *   receiver accepts the message if any of them verifies).
 *   webhook-id: "msg_" + base64url(SHA-256(event_id "\n" url)[0..18))
 *
 * Secrets are "whsec_" + base64 of 24..64 random bytes (the prefix is
 * optional on input); the HMAC key is the decoded bytes.
 */
#ifndef NF_SIGN_H
#define NF_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "nf_err.h"

/** Secrets active at once (rotation needs two; a few spare). */
#define NF_SIGN_MAX_SECRETS 4
/** Decoded key length bounds of the Standard Webhooks spec. */
#define NF_SIGN_KEY_MIN 24
#define NF_SIGN_KEY_MAX 64
/** One "v1,<44 base64>" is 47 bytes; all of them, spaces and a NUL. */
#define NF_SIGN_HEADER_MAX (NF_SIGN_MAX_SECRETS * 48 + 1)
/** "msg_" + 24 base64url characters + NUL. */
#define NF_SIGN_ID_MAX 32

struct nf_signer;

/**
 * @brief Parse a list of secrets ("whsec_..." or bare base64, separated by
 *        commas, spaces or newlines) into a signer.
 * @returns the signer (free with nf_signer_destroy()), or NULL with
 *          NF_E_CONFIG in @p err; the message never contains a secret.
 */
struct nf_signer *nf_signer_new(const char *list, struct nf_err *err);

/** @brief Free a signer (keys are wiped). NULL is a no-op. */
void nf_signer_destroy(struct nf_signer *s);

/** @returns the number of secrets of @p s. */
size_t nf_signer_count(const struct nf_signer *s);

/**
 * @brief Compute the webhook-signature header value of one attempt.
 * @param id webhook-id; @param ts webhook-timestamp (unix seconds);
 * @param body the exact bytes sent.
 * @param out NF_SIGN_HEADER_MAX bytes: "v1,AAA= v1,BBB=" and a NUL.
 * @returns 0, or NF_E_NOMEM / NF_E_ARG in @p err.
 */
int nf_sign(const struct nf_signer *s, const char *id, int64_t ts,
            const void *body, size_t len, char out[NF_SIGN_HEADER_MAX],
            struct nf_err *err);

/**
 * @brief The webhook-id of an alert for one endpoint: the same for every
 *        attempt and every replay of the same source record.
 * @param out NF_SIGN_ID_MAX bytes.
 * @returns 0, or NF_E_NOMEM when libcrypto fails.
 */
int nf_sign_webhook_id(const char *event_id, const char *url,
                       char out[NF_SIGN_ID_MAX]);

/**
 * @brief Standard base64 (with padding) of @p n bytes into @p out, which
 *        must hold 4 * ((n + 2) / 3) + 1 bytes. @returns the length.
 */
size_t nf_base64_encode(const void *in, size_t n, char *out, int url);

/**
 * @brief Strict base64 decode (standard alphabet, padding optional,
 *        no white space). @returns the decoded length, or -1 when @p in is
 *        not base64 or the result does not fit @p cap.
 */
long nf_base64_decode(const char *in, size_t n, unsigned char *out, size_t cap);

#endif /* NF_SIGN_H */
