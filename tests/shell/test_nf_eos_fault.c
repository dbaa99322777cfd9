/*
 * test_nf_eos_fault.c - delivery.mode=exactly-once: its configuration and
 * the transactional loop against librdkafka's in-process mock cluster
 * (targeted faults; crashes, broker kills and read_committed visibility
 * are covered on a real cluster by tests/system/test_eos.py and
 * scripts/faults.sh).
 *
 *  1. config: delivery.mode values, the unsafe switch refused with it, the
 *     client properties it implies (no auto commit, read_committed input,
 *     message.timeout.ms within transaction.timeout.ms);
 *  2. happy path: N inputs → N outputs in batches of 5 (several
 *     transactions), the stop request commits the last one, exit 0;
 *  3. an abortable error (a permanent Produce error) → the transaction is
 *     aborted and the input rewound and consumed again (consumed > N), the
 *     worker carries on and exits 0.
 * The 2.0.2 mock cluster accepts TxnOffsetCommit without storing the
 * offsets and does not filter aborted records, so committed offsets and
 * read_committed visibility are checked on a real broker only.
 */
#include "nf_test.h"

#include "nf_mock.h"

#include "nf_config.h"
#include "nf_eos.h"
#include "nf_log.h"

static const char *const outputs[] = {"e.incident", "e.campaign", "e.other",
                                      "e.dlq"};

static void *run_thread(void *arg)
{
    struct runner *r = arg;

    r->code = nf_eos_run(&r->cfg, "test", &r->stop, &r->st, &r->err);
    return NULL;
}

static int load(struct nf_config *cfg, const char *bs, const char *group,
                const char *extra, struct nf_err *err)
{
    char b[512], g[128];
    char *x[] = {"input.topics=e.in",
                 g,
                 "output.topic.incident=e.incident",
                 "output.topic.loyalty_campaign=e.campaign",
                 "output.topic.other=e.other",
                 "output.topic.dead_letter=e.dlq",
                 b,
                 "delivery.mode=exactly-once",
                 "eos.instance.id=t1",
                 "eos.batch.max.messages=5",
                 "metrics.listen=",
                 "shutdown.timeout.ms=10000",
                 (char *)extra};

    snprintf(b, sizeof(b), "kafka.bootstrap.servers=%s", bs);
    snprintf(g, sizeof(g), "group.id=%s", group);
    memset(err, 0, sizeof(*err));
    return nf_config_load(cfg, NULL, NULL, x, extra ? 13 : 12, err);
}

static const char *conf_get(rd_kafka_conf_t *c, const char *name, char *buf,
                            size_t cap)
{
    return rd_kafka_conf_get(c, name, buf, &cap) == RD_KAFKA_CONF_OK ? buf
                                                                     : NULL;
}

static void test_config(void)
{
    struct nf_config cfg;
    struct nf_err err;
    rd_kafka_conf_t *c;
    char v[64];

    CHECK_INTEQ(load(&cfg, "127.0.0.1:1", "g", NULL, &err), 0);
    CHECK(cfg.exactly_once, "exactly-once parsed");
    CHECK_INTEQ(cfg.eos_batch_max_messages, 5);
    CHECK_INTEQ(cfg.eos_batch_max_ms, 100);
    c = rd_kafka_conf_new();
    CHECK_INTEQ(nf_config_apply_kafka(&cfg, NF_KAFKA_CONSUMER, c, &err), 0);
    CHECK_STREQ(conf_get(c, "enable.auto.commit", v, sizeof(v)), "false");
    CHECK_STREQ(conf_get(c, "isolation.level", v, sizeof(v)), "read_committed");
    rd_kafka_conf_destroy(c);
    c = rd_kafka_conf_new();
    CHECK_INTEQ(nf_config_apply_kafka(&cfg, NF_KAFKA_PRODUCER, c, &err), 0);
    /* the worker's 300 s default would make rd_kafka_new refuse */
    CHECK_STREQ(conf_get(c, "message.timeout.ms", v, sizeof(v)), "60000");
    rd_kafka_conf_destroy(c);
    nf_config_free(&cfg);

    CHECK_INTEQ(load(&cfg, "127.0.0.1:1", "g",
                     "kafka.producer.transaction.timeout.ms=20000", &err),
                0);
    c = rd_kafka_conf_new();
    CHECK_INTEQ(nf_config_apply_kafka(&cfg, NF_KAFKA_PRODUCER, c, &err), 0);
    CHECK_STREQ(conf_get(c, "message.timeout.ms", v, sizeof(v)), "20000");
    rd_kafka_conf_destroy(c);
    nf_config_free(&cfg);

    CHECK(load(&cfg, "127.0.0.1:1", "g", "delivery.mode=at-most-once", &err) !=
              0,
          "bad mode refused");
    CHECK(strstr(err.msg, "delivery.mode") != NULL, "names the key: %s",
          err.msg);
    CHECK(load(&cfg, "127.0.0.1:1", "g",
               "testing.unsafe.store.before.produce=true", &err) != 0,
          "unsafe switch refused with exactly-once");
    CHECK(strstr(err.msg, "testing.unsafe.store.before.produce") != NULL,
          "names the key: %s", err.msg);
    CHECK(load(&cfg, "127.0.0.1:1", "g", "eos.batch.max.messages=0", &err) != 0,
          "batch of 0 refused");
}

static int64_t outputs_written(rd_kafka_t *rk)
{
    return mock_outputs_written(rk, outputs,
                                sizeof(outputs) / sizeof(outputs[0]));
}

/* Run until @p want outputs are written (bounded), then stop. */
static void run_to(struct runner *r, rd_kafka_t *rk, int64_t want)
{
    pthread_t tid;
    int i;

    pthread_create(&tid, NULL, run_thread, r);
    for (i = 0; i < 300 && outputs_written(rk) < want; i++)
        sleep_ms(100);
    sleep_ms(300);
    atomic_store(&r->stop, 1);
    pthread_join(tid, NULL);
}

static void test_happy_path(rd_kafka_t *rk, const char *bs)
{
    struct runner r;

    memset(&r, 0, sizeof(r));
    if (load(&r.cfg, bs, "g-eos-ok", NULL, &r.err) != 0) {
        CHECK(0, "config: %s", r.err.msg);
        return;
    }
    run_to(&r, rk, N_INPUTS);
    CHECK(r.code == 0, "exit %d: %s", r.code, r.err.msg);
    CHECK_INTEQ(r.st.consumed, N_INPUTS);
    CHECK_INTEQ(r.st.produced + r.st.dead_letters, N_INPUTS);
    CHECK(r.st.stored >= 2, "batches of 5: %lld transactions",
          (long long)r.st.stored);
    nf_config_free(&r.cfg);
}

static void test_abortable_error(rd_kafka_t *rk, rd_kafka_mock_cluster_t *mc,
                                 const char *bs)
{
    int64_t before = outputs_written(rk);

    struct runner r;

    /* permanent for a transactional producer: the transaction must abort */
    rd_kafka_mock_push_request_errors(mc, API_PRODUCE, 1,
                                      RD_KAFKA_RESP_ERR_INVALID_RECORD);
    memset(&r, 0, sizeof(r));
    if (load(&r.cfg, bs, "g-eos-abort", NULL, &r.err) != 0) {
        CHECK(0, "config: %s", r.err.msg);
        return;
    }
    run_to(&r, rk, before + N_INPUTS + 1);
    CHECK(r.code == 0, "exit %d: %s", r.code, r.err.msg);
    CHECK(r.st.dr_errors > 0, "the failed delivery was seen");
    CHECK(r.st.consumed > N_INPUTS, "rewound and consumed again: %lld",
          (long long)r.st.consumed);
    rd_kafka_mock_clear_request_errors(mc, API_PRODUCE);
    nf_config_free(&r.cfg);
}

int main(void)
{
    rd_kafka_mock_cluster_t *mc;
    rd_kafka_t *rk;
    char bs[256];

    nf_log_set_level(NF_LOG_ERROR);
    test_config();
    rk = mock_cluster("e.in", outputs, sizeof(outputs) / sizeof(outputs[0]),
                      &mc, bs, sizeof(bs));
    if (!rk)
        return 1;
    CHECK_INTEQ(rd_kafka_flush(rk, 10000), 0);

    test_happy_path(rk, bs);
    test_abortable_error(rk, mc, bs);

    rd_kafka_destroy(rk);
    return nf_test_failures != 0;
}
