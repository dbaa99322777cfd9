/*
 * nf_envelope.h - the optional JSON envelope around a notice.
 *
 *   {"text": "<notice>", "id": "...", "url": "...", "source": "...",
 *    "fetched_at": "2024-05-01T09:00:00+09:00", "published_at": "..."}
 *
 * A message value whose first non-white-space byte is '{' is an envelope
 * (a notice never starts with '{'); anything else is the raw notice.
 */
#ifndef NF_ENVELOPE_H
#define NF_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "nf_err.h"

/** A borrowed string; ptr == NULL means absent/null. */
struct nf_sv {
    const char *ptr; /**< NUL-terminated (owned by the envelope) */
    size_t len;
};

struct nf_envelope {
    json_t *root; /**< owns every string below */
    struct nf_sv text;
    struct nf_sv id, url, source, fetched_at, published_at;
};

/** @returns true when @p value should be parsed as an envelope. */
bool nf_envelope_detect(const char *value, size_t len);

/**
 * @brief Parse an envelope (call only when nf_envelope_detect() is true).
 * @returns 0 with @p env filled (free with nf_envelope_free()), or
 *          NF_E_ENVELOPE_JSON (not JSON; err->offset at the error) or
 *          NF_E_ENVELOPE_INVALID (not an object with a string "text", or a
 *          metadata field neither string nor null).
 */
int nf_envelope_parse(const char *value, size_t len, struct nf_envelope *env,
                      struct nf_err *err);

/** @brief Release @p env (safe on a zeroed or failed one). */
void nf_envelope_free(struct nf_envelope *env);

/** @brief The reference day of the envelope: published_at, else
 *  fetched_at, when it starts with a valid YYYY-MM-DD.
 *  @returns 0 and sets @p out, or -1 when neither gives a day. */
int nf_envelope_reference(const struct nf_envelope *env, struct nf_ymd *out);

/** @returns 0 and sets @p out when @p s starts with a valid YYYY-MM-DD. */
int nf_envelope_parse_day(const char *s, size_t len, struct nf_ymd *out);

#endif /* NF_ENVELOPE_H */
