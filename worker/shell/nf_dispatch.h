/*
 * nf_dispatch.h - `noticeflow dispatch`: deliver alerts from Kafka to the
 * signed webhook, durably and without blocking.
 *
 * Consumes output.topic.alerts (first attempts) and alerts.topic.retry
 * (parked alerts with their next-attempt time and attempt number in
 * headers), POSTs each alert with nf_webhook, and stores a message's
 * offset only after its alert was delivered (2xx) or its re-park / dead
 * letter was acknowledged by Kafka (same watermark as the worker,
 * nf_offsets). A crash re-reads what was not stored and re-sends it with
 * the same webhook-id.
 */
#ifndef NF_DISPATCH_H
#define NF_DISPATCH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "nf_config.h"
#include "nf_err.h"

/** Attempts of a retry schedule at most; longest delay (7 days). */
#define NF_DISPATCH_MAX_ATTEMPTS 32
#define NF_DISPATCH_MAX_DELAY_MS (7LL * 24 * 3600 * 1000)
/** Default schedule (Svix's, Standard Webhooks guidance). */
#define NF_DISPATCH_DEFAULT_SCHEDULE "0s,5s,5m,30m,2h,5h,10h,10h"

/** Headers of parked and dead-lettered alerts. */
#define NF_HDR_ATTEMPT      "noticeflow-attempt"
#define NF_HDR_NEXT_ATTEMPT "noticeflow-next-attempt-ms"
#define NF_HDR_WEBHOOK_ID   "noticeflow-webhook-id"
#define NF_HDR_LAST_STATUS  "noticeflow-last-status"
#define NF_HDR_LAST_ERROR   "noticeflow-last-error"
#define NF_HDR_HTTP_STATUS  "noticeflow-http-status"

/**
 * @brief Parse a schedule "0s,5s,5m,30m,2h" (units ms, s, m, h, d): entry
 *        i is the delay before attempt i (attempt 0 is the first).
 * @returns 0 and the delays in @p out (*n of them), or NF_E_CONFIG.
 */
int nf_dispatch_parse_schedule(const char *s, int64_t *out, size_t cap,
                               size_t *n, struct nf_err *err);

/**
 * @brief Delay before attempt @p next (>= 1) after a retryable failure.
 * @param rnd a random 32-bit value (jitter: the delay is scaled by
 *        0.8..1.2); @param retry_after_ms the endpoint's Retry-After, or
 *        -1: the result is never below it.
 * @returns the delay in ms, or -1 when the schedule is exhausted.
 */
int64_t nf_dispatch_delay(const int64_t *sched, size_t n, unsigned next,
                          int64_t retry_after_ms, uint32_t rnd);

/**
 * @brief `noticeflow dispatch --config FILE [-X key=value ...]`
 *        (argv[0] is "dispatch").
 * @returns exit code: 0 clean stop, 1 fatal runtime error, 2 bad
 *          configuration (including a refused webhook.url).
 */
int nf_dispatch_main(int argc, char **argv);

#endif /* NF_DISPATCH_H */
