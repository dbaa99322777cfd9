/*
 * nf_registry.h - client of a Confluent-compatible schema registry
 * (libcurl + jansson): the schema id of each confluent-framed topic,
 * obtained once at start-up, before the worker consumes anything.
 *
 * REST calls (Confluent Schema Registry API v1; also served by Karapace
 * and by Apicurio's ccompat API):
 *   register   POST /subjects/{subject}/versions {"schema": "<text>"}
 *              → {"id": N}            (schema.registry.auto.register.schemas)
 *   look up    POST /subjects/{subject} {"schema": "<text>"}
 *              → {"id": N, "version": V, ...}            (auto.register=false)
 *   latest     GET  /subjects/{subject}/versions/latest
 *              → {"id": N, "schema": "..."}     (use.latest.version=true;
 *              refused unless its canonical form is the worker's schema)
 * Transient failures (no connection, timeout, HTTP 5xx/408/429) are
 * retried with exponential backoff; refusals (409 incompatible, 422
 * invalid, 401/403, 404 not registered, TLS verification) are not, and
 * the error names the subject and the registry's own message.
 */
#ifndef NF_REGISTRY_H
#define NF_REGISTRY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nf_buf.h"
#include "nf_err.h"
#include "nf_outputs.h"

/** Caps: response body bytes read, subjects cached. */
#define NF_REGISTRY_MAX_BODY  (1 << 20)
#define NF_REGISTRY_MAX_CACHE 16
/** Longest retry delay (ms), whatever the doubling. */
#define NF_REGISTRY_MAX_BACKOFF_MS 30000

struct nf_config;

struct nf_registry_opts {
    const char *url;       /**< base URL, http:// or https:// */
    const char *user_info; /**< "user:password" for basic auth, or NULL */
    const char *ca_file;   /**< PEM bundle, or NULL: system CAs */
    long timeout_ms;       /**< per request */
    long retries;          /**< extra attempts after a transient failure */
    long backoff_ms;       /**< first retry delay, doubled each time */
    bool auto_register;
    bool use_latest;
    atomic_int *stop; /**< abandon retries when non-zero (may be NULL) */
};

/** What one registry reply means. */
enum nf_registry_verdict {
    NF_REG_OK = 0, /**< id found */
    NF_REG_RETRY,  /**< transient: try again after a delay */
    NF_REG_FAIL    /**< refused: retrying will not help */
};

/** Which call a reply answers. */
enum nf_registry_op { NF_REG_REGISTER, NF_REG_LOOKUP, NF_REG_LATEST };

struct nf_registry;

/** @returns a client (the options are copied), or NULL with the reason. */
struct nf_registry *nf_registry_new(const struct nf_registry_opts *o,
                                    struct nf_err *err);

/** @brief Free a client. NULL is a no-op. */
void nf_registry_destroy(struct nf_registry *r);

/**
 * @brief The id of schema @p schema under @p subject (cached per subject
 *        and schema), by the call the options select, with retries.
 * @returns 0 and sets @p id, or NF_E_AVRO with a message saying why (the
 *          registry unreachable after N attempts, incompatible, ...).
 */
int nf_registry_schema_id(struct nf_registry *r, const char *subject,
                          const char *schema, size_t len, int32_t *id,
                          struct nf_err *err);

/**
 * @brief Start-up: the id of every confluent-framed slot of @p plan.
 * @param ids set to the id per slot, -1 for slots without confluent
 *        framing.
 * @returns 0, or NF_E_AVRO (registry) / NF_E_CONFIG with the reason.
 */
int nf_registry_resolve(const struct nf_config *cfg,
                        const struct nf_outputs *plan, atomic_int *stop,
                        int32_t ids[NF_OUT__COUNT], struct nf_err *err);

/* ---- pure parts (unit-tested without a registry) ---------------------- */

/** @brief Append the request body {"schema": "<schema text>"} to @p out.
 *  @returns 0 or NF_E_NOMEM. */
int nf_registry_request_body(const char *schema, size_t len, struct nf_buf *out,
                             struct nf_err *err);

/**
 * @brief Classify the reply of @p op for @p subject: HTTP @p status and
 *        body. For NF_REG_LATEST, @p schema/@p len is the worker's schema:
 *        the reply's schema must have the same Parsing Canonical Form.
 * @returns the verdict; sets @p id on NF_REG_OK and the reason in @p err
 *          otherwise.
 */
enum nf_registry_verdict
nf_registry_parse_reply(enum nf_registry_op op, const char *subject,
                        long status, const char *body, size_t body_len,
                        const char *schema, size_t len, int32_t *id,
                        struct nf_err *err);

/** @returns the delay before retry number @p attempt (0-based):
 *  base * 2^attempt, capped at NF_REGISTRY_MAX_BACKOFF_MS. */
long nf_registry_backoff_ms(long base, long attempt);

#endif /* NF_REGISTRY_H */
