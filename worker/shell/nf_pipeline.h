/*
 * nf_pipeline.h - one input message in, its produce requests out.
 *
 * No librdkafka (or curl) call happens here: the Kafka edge (nf_kafka)
 * carries the requests out. That is why the whole routing logic - envelope,
 * limits, enrichment, category topic, dead letters with reasons, Avro
 * framing (single-object or confluent), ECS JSON copies, alerts and headers
 * - is unit-tested without a broker.
 *
 * Outputs of one input message, in this order (all in the same offset
 * watermark: the input is done only when every one is acked):
 *   1. the record on its category topic (Avro, or ECS JSON when the
 *      topic's format is ecs-json) - or the dead letter, alone;
 *   2. its ECS JSON copy, when output.ecs.topic.<category> is set;
 *   3. its alert, when output.topic.alerts is set and the rules match.
 *
 * One nf_pipeline per thread (it owns an nf_enricher and an nf_avro).
 */
#ifndef NF_PIPELINE_H
#define NF_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "nf_alert.h"
#include "nf_avro.h"
#include "nf_config.h"
#include "nf_err.h"
#include "nf_outputs.h"

/** Output header names (contract "Output messages"). */
#define NF_HDR_CONTENT_TYPE  "content-type"
#define NF_HDR_FINGERPRINT   "noticeflow-schema-fingerprint"
#define NF_HDR_EVENT_ID      "noticeflow-event-id"
#define NF_HDR_ERROR_CODE    "noticeflow-error-code"
#define NF_CONTENT_TYPE_AVRO "application/avro"

/** Headers per output; outputs per input (record or dead letter, ECS
 *  copy, alert). */
#define NF_PIPELINE_MAX_HEADERS 4
#define NF_PIPELINE_MAX_OUT     3
/** "<topic>/<partition>/<offset>": topic <= 249 bytes. */
#define NF_EVENT_ID_MAX 300

/** An input message, borrowed for the call. */
struct nf_msg_in {
    struct nf_source src;
    const void *value; /**< NULL: null value */
    size_t len;
    const struct nf_header *headers;
    size_t n_headers;
};

/** One message to produce. */
struct nf_produce {
    const char *topic; /**< owned by the config */
    void *key;         /**< malloc'd copy of the input key, NULL: null */
    size_t key_len;
    void *value; /**< malloc'd Avro or JSON; the caller takes it */
    size_t value_len;
    struct nf_header headers[NF_PIPELINE_MAX_HEADERS]; /**< names static,
                                                        values in result */
    size_t n_headers;
};

struct nf_result {
    enum nf_disposition disp; /**< OK, DEAD_LETTER or FATAL */
    const char *category;     /**< static, when disp == OK */
    struct nf_err err;        /**< the reason, when not OK */
    char event_id[NF_EVENT_ID_MAX];
    char error_code[32];
    char severity[8]; /**< alert severity header value */
    struct nf_produce out[NF_PIPELINE_MAX_OUT];
    size_t n_out;
};

struct nf_pipeline;

/**
 * @brief New pipeline for one thread.
 * @param cfg borrowed; must outlive the pipeline (topics are referenced).
 * @param version the worker version written into records.
 * @returns the pipeline, or NULL with the reason in @p err.
 */
struct nf_pipeline *nf_pipeline_new(const struct nf_config *cfg,
                                    const char *version, struct nf_err *err);

/**
 * @brief Give the pipeline the registry's schema ids: @p ids[slot] for
 *        every slot whose framing is confluent (others are ignored).
 *        Until then a confluent record cannot be encoded (dead letter or
 *        FATAL), which is why the worker resolves them before consuming.
 */
void nf_pipeline_set_schema_ids(struct nf_pipeline *p,
                                const int32_t ids[NF_OUT__COUNT]);

/** @brief Free a pipeline. NULL is a no-op. */
void nf_pipeline_destroy(struct nf_pipeline *p);

/**
 * @brief Process one message into @p res (zeroed first).
 * @returns res->disp: NF_DISP_OK (record for the category topic),
 *          NF_DISP_DEAD_LETTER (DLQ record with the reason) or
 *          NF_DISP_FATAL (not even a dead letter could be encoded:
 *          out of memory). Free with nf_result_clear().
 */
enum nf_disposition nf_pipeline_process(struct nf_pipeline *p,
                                        const struct nf_msg_in *in,
                                        struct nf_result *res);

/** @brief Free what a result still owns (values not taken). */
void nf_result_clear(struct nf_result *res);

/** @brief The reference day for a message timestamp (ms since the epoch):
 *  its calendar day in Japan time (UTC+9). @returns 0, or -1 if ts < 0. */
int nf_pipeline_ts_day(int64_t ts_ms, struct nf_ymd *out);

#endif /* NF_PIPELINE_H */
