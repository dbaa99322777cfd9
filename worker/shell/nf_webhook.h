/*
 * nf_webhook.h - non-blocking HTTPS POST client for signed webhooks
 * (libcurl multi interface), one endpoint per client.
 *
 * The caller (nf_dispatch) owns scheduling and retries; this module only
 * runs attempts: nf_webhook_post() starts one and returns at once,
 * nf_webhook_poll() waits (bounded) on the transfers' sockets and on one
 * extra fd of the caller, nf_webhook_collect() hands back finished
 * attempts, each classified as an enum nf_disposition:
 *   OK           2xx
 *   RETRY        timeouts, connection and TLS errors, 408, 429, 5xx
 *   DEAD_LETTER  any other status (3xx is never followed; other 4xx)
 */
#ifndef NF_WEBHOOK_H
#define NF_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "nf_egress.h"
#include "nf_err.h"

/** Bytes of the response body kept for logs and dead letters. */
#define NF_WEBHOOK_SNIPPET_MAX 256
/** Hard cap on concurrent attempts (webhook.max.in.flight). */
#define NF_WEBHOOK_MAX_IN_FLIGHT 256
/** Retry-After values above this are capped (a day). */
#define NF_WEBHOOK_RETRY_AFTER_MAX_MS (24LL * 3600 * 1000)
/** Re-resolution period of the endpoint's name (the pin's lifetime). */
#define NF_WEBHOOK_DNS_TTL_MS (300 * 1000)

struct nf_webhook_opts {
    const char *url;
    const char *ca_file; /**< NULL: system CA store */
    long connect_timeout_ms;
    long timeout_ms;
    long max_response_bytes;
    bool allow_loopback; /**< test/demo only */
    size_t max_in_flight;
    const char *user_agent; /**< NULL: "noticeflow" */
};

/** One finished attempt. */
struct nf_webhook_result {
    void *opaque;
    enum nf_disposition disp; /**< OK, RETRY or DEAD_LETTER */
    long status;              /**< HTTP status; 0: no response */
    int curl_code;            /**< CURLcode */
    int64_t retry_after_ms;   /**< from Retry-After, -1: none */
    int64_t elapsed_ms;
    bool egress_refused; /**< a connect was refused by the address policy */
    char error[256];     /**< "http 503", "timeout: ...", "" on success */
    char snippet[NF_WEBHOOK_SNIPPET_MAX + 1]; /**< response body start */
};

struct nf_webhook;

/**
 * @brief Create the client: parse and vet the URL, resolve and pin its
 *        addresses (blocking DNS, at start-up only), configure curl.
 * @returns the client, or NULL with NF_E_CONFIG (bad or refused URL) or
 *          NF_E_NOMEM in @p err.
 */
struct nf_webhook *nf_webhook_new(const struct nf_webhook_opts *o,
                                  struct nf_err *err);

/** @brief Abort what is in flight and free. NULL is a no-op. */
void nf_webhook_destroy(struct nf_webhook *wh);

/** @returns attempts that may still be started now. */
size_t nf_webhook_free_slots(const struct nf_webhook *wh);

/** @returns attempts in flight. */
size_t nf_webhook_in_flight(const struct nf_webhook *wh);

/**
 * @brief Start one POST of @p body (copied) with the Standard Webhooks
 *        headers. Never blocks.
 * @returns 0, or NF_E_ARG when no slot is free / a header value is not
 *          a header-safe string, NF_E_NOMEM.
 */
int nf_webhook_post(struct nf_webhook *wh, const char *webhook_id,
                    int64_t timestamp, const char *signature, const void *body,
                    size_t len, void *opaque, struct nf_err *err);

/**
 * @brief Wait up to @p timeout_ms for network activity on the transfers
 *        or for @p extra_fd (-1: none) to be readable, then advance the
 *        transfers. @returns 0, or NF_E_NOMEM on a curl multi failure.
 */
int nf_webhook_poll(struct nf_webhook *wh, int timeout_ms, int extra_fd);

/** @returns finished attempts written to @p out (at most @p cap). */
size_t nf_webhook_collect(struct nf_webhook *wh, struct nf_webhook_result *out,
                          size_t cap);

/** @brief Abort every attempt in flight; each becomes a RETRY result
 *  ("aborted") to collect, so the caller gets its opaque back. */
void nf_webhook_cancel_all(struct nf_webhook *wh);

/** @returns the configured URL (for logs: it holds no credentials). */
const char *nf_webhook_url(const struct nf_webhook *wh);

/** @returns the disposition of an attempt's outcome (pure). */
enum nf_disposition nf_webhook_disposition(int curl_code, long status);

/**
 * @brief Parse a Retry-After value: delta-seconds or an HTTP-date.
 * @param now unix seconds (for a date).
 * @returns milliseconds from now (0 for a past date, capped at
 *          NF_WEBHOOK_RETRY_AFTER_MAX_MS), or -1 when unparseable.
 */
int64_t nf_webhook_parse_retry_after(const char *v, size_t n, time_t now);

#endif /* NF_WEBHOOK_H */
