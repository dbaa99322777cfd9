/*
 * nf_metrics.h - the process's operational metrics and health state,
 * rendered in the Prometheus text format (served by nf_http).
 *
 * One registry per process (the worker or the dispatcher): counters are
 * relaxed atomics bumped from any thread without a lock, the latency
 * histograms have fixed buckets, and every label set is bounded: topics
 * come from the configuration (plus topics a regex subscription assigns,
 * up to NF_METRICS_MAX_TOPICS; the rest share topic="_other"), error
 * reasons from the fixed code list (nf_err_name), consumer lag from the
 * partitions librdkafka reports as assigned (at most NF_METRICS_MAX_LAG).
 *
 * Health: alive while the main loop beats (nf_metrics_heartbeat) within
 * the stall timeout; ready while the group assignment is held, the
 * producer is connected (librdkafka statistics: a broker UP and, for the
 * idempotent producer, a producer id assigned) and the process is not
 * draining.
 */
#ifndef NF_METRICS_H
#define NF_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

/** Topic label slots (slot 0 is "_other"); consumer-lag series. */
#define NF_METRICS_MAX_TOPICS 64
#define NF_METRICS_MAX_LAG    4096

enum nf_metrics_rebalance {
    NF_METRICS_ASSIGN = 0,
    NF_METRICS_REVOKE,
    NF_METRICS_LOST,
    NF_METRICS_REBALANCE__COUNT
};

/** Outcome of one webhook alert (dispatcher). */
enum nf_metrics_alert {
    NF_METRICS_ALERT_SENT = 0, /**< 2xx from the endpoint */
    NF_METRICS_ALERT_RETRIED,  /**< parked on the retry topic */
    NF_METRICS_ALERT_FAILED,   /**< dead-lettered (the reason says why) */
    NF_METRICS_ALERT__COUNT
};

/** Latency histograms. */
enum nf_metrics_hist {
    NF_METRICS_H_PROCESSING = 0, /**< consumed → every output acked */
    NF_METRICS_H_ENRICH,         /**< one nf_pipeline_process call */
    NF_METRICS_H_WEBHOOK,        /**< one webhook attempt */
    NF_METRICS_H__COUNT
};

/**
 * @brief Reset the registry and name the process.
 * @param role "worker" or "dispatcher" (label of noticeflow_build_info).
 * @param version the worker version. Both strings are borrowed and must
 *        outlive the registry (static strings or the config).
 * @param stall_ms /healthz fails when the main loop has not beaten for
 *        this long.
 * Call once at start-up, before any thread uses the registry.
 */
void nf_metrics_init(const char *role, const char *version, long stall_ms);

/** What a topic is to this process: which per-topic series it gets at
 *  zero (an input: consumed and dead-lettered; an output: produced). */
#define NF_METRICS_TOPIC_IN  1u
#define NF_METRICS_TOPIC_OUT 2u

/**
 * @brief Admit @p topic as a label value (idempotent; @p kinds are OR-ed
 *        in). Call from one thread only (start-up, then the main thread's
 *        rebalance callback).
 * @returns its slot, or 0 ("_other") when the table is full.
 */
int nf_metrics_add_topic(const char *topic, unsigned kinds);

/* ---- counters (any thread) -------------------------------------------- */

void nf_metrics_consumed(const char *topic);
void nf_metrics_produced(const char *topic);
/** A dead letter for an input of @p topic was acked. */
void nf_metrics_dead_lettered(const char *topic);
/** An input was refused by the pipeline with @p code (nf_err_name). */
void nf_metrics_enrich_error(int code);
void nf_metrics_delivery_error(void);
void nf_metrics_rebalance(enum nf_metrics_rebalance kind);
/** @param reason for FAILED: "http_status", "retries_exhausted",
 *  "invalid_alert" (others count as "other"); ignored otherwise. */
void nf_metrics_alert(enum nf_metrics_alert outcome, const char *reason);
void nf_metrics_observe(enum nf_metrics_hist h, int64_t us);
void nf_metrics_set_in_flight(long long n);

/** Monotonic clock in microseconds (for latency measurements). */
int64_t nf_metrics_now_us(void);

/* ---- health ------------------------------------------------------------ */

void nf_metrics_heartbeat(void);
/** Group assignment held (after assign) or not (revoke, lost, start). */
void nf_metrics_set_assigned(bool held);
/** Stopping: fetching stopped, in-flight work being drained. */
void nf_metrics_set_draining(bool draining);
/** Producer connectivity seen by the application (tests, or a client
 *  without statistics). */
void nf_metrics_set_producer_connected(bool up);

/** @returns true when ready; @p why gets a JSON object of the three
 *  conditions (at most @p cap bytes, NUL-terminated). */
bool nf_metrics_ready(char *why, size_t cap);
/** @returns true while the main loop beats; @p why as for ready. */
bool nf_metrics_alive(char *why, size_t cap);

/* ---- librdkafka statistics -------------------------------------------- */

/**
 * @brief Install the statistics callback on @p conf (consumer or
 *        producer). If statistics are disabled there
 *        (statistics.interval.ms=0), the producer counts as connected once
 *        created: nothing else could tell.
 */
void nf_metrics_install(rd_kafka_conf_t *conf, bool producer);

/**
 * @brief Digest one statistics JSON document: a consumer's partitions'
 *        consumer_lag (assigned partitions only: "desired") or a
 *        producer's broker and idempotence states.
 * @returns 0, or -1 when @p json is not a statistics object.
 */
int nf_metrics_parse_stats(bool producer, const char *json, size_t len);

/* ---- rendering ---------------------------------------------------------- */

/**
 * @brief The whole registry in the Prometheus text exposition format
 *        (version 0.0.4).
 * @returns a malloc'd NUL-terminated text (its length in @p len), or NULL
 *          when memory runs out.
 */
char *nf_metrics_render(size_t *len);

#endif /* NF_METRICS_H */
