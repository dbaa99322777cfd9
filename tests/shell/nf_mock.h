/*
 * nf_mock.h - set-up shared by the fault tests of the two Kafka loops
 * (test_nf_kafka_fault.c, test_nf_eos_fault.c): librdkafka's in-process
 * mock cluster with one input topic filled with a fixed mix of inputs, the
 * loop run on its own thread, and the count of outputs written.
 *
 * The inputs repeat "two good notices, then one invalid UTF-8 value", so a
 * run of N_INPUTS yields N_INPUTS / 3 dead letters and the rest category
 * records: both loops are checked on records and dead letters at once.
 */
#ifndef NF_MOCK_H
#define NF_MOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "nf_config.h"
#include "nf_kafka.h"

/* Kafka protocol ApiKey of Produce (not in librdkafka's public headers). */
#define API_PRODUCE 0
#define N_INPUTS    12

/* One loop run on its own thread. */
struct runner {
    struct nf_config cfg;
    atomic_int stop;
    int code;
    struct nf_kafka_stats st;
    struct nf_err err;
};

static inline void sleep_ms(long ms)
{
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* Records written to the @p n topics @p outputs (partition 0 each). */
static inline int64_t mock_outputs_written(rd_kafka_t *rk,
                                           const char *const *outputs, size_t n)
{
    int64_t total = 0, lo, hi;
    size_t i;

    for (i = 0; i < n; i++)
        if (rd_kafka_query_watermark_offsets(rk, outputs[i], 0, &lo, &hi,
                                             5000) == 0)
            total += hi;
    return total;
}

/* A one-broker mock cluster with the topic @p in (filled with N_INPUTS
 * inputs) and the @p n topics @p outputs; its bootstrap servers in @p bs.
 * @returns the producer that owns the cluster (rd_kafka_destroy ends
 * both), NULL when it cannot be made (the reason printed). */
static inline rd_kafka_t *mock_cluster(const char *in,
                                       const char *const *outputs, size_t n,
                                       rd_kafka_mock_cluster_t **mc, char *bs,
                                       size_t bs_cap)
{
    static const char notice[] = "株式会社サンプル\n"
                                 "不正アクセスに関するお知らせ\n"
                                 "当社サーバーが不正アクセスを受けました。";
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk;
    char errstr[256];
    size_t i;
    int k;

    rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", NULL, 0);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!rk) {
        fprintf(stderr, "%s\n", errstr);
        return NULL;
    }
    *mc = rd_kafka_handle_mock_cluster(rk);
    snprintf(bs, bs_cap, "%s", rd_kafka_mock_cluster_bootstraps(*mc));
    rd_kafka_mock_topic_create(*mc, in, 1, 1);
    for (i = 0; i < n; i++)
        rd_kafka_mock_topic_create(*mc, outputs[i], 1, 1);
    /* two good notices, then one invalid UTF-8 value, repeated */
    for (k = 0; k < N_INPUTS; k++) {
        const char *v = k % 3 == 2 ? "\xff\xfe" : notice;
        rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(in), RD_KAFKA_V_VALUE((void *)v, strlen(v)),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    }
    return rk;
}

#endif /* NF_MOCK_H */
