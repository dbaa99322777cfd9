/*
 * test_nf_kafka_fault.c - the Kafka loop against librdkafka's in-process
 * mock cluster (targeted fault injection; real-broker behaviour is covered
 * by the system tests: rebalances in particular, since the 2.0.2 mock
 * group coordinator refuses commits during a rebalance and stalls the
 * second member's join, which a real broker does not).
 *
 *  1. happy path: N inputs → N outputs (category topics + DLQ), a stop
 *     request drains and commits: committed offset == N, exit 0;
 *  2. produce errors: every Produce request fails with a retriable error
 *     until the messages time out (DR "message timed out"): the worker
 *     exits 1 on its own and the group's committed offset does NOT cover
 *     the failed inputs, although auto-commit runs every 100 ms while the
 *     producer retries (so any offset stored too early would be committed
 *     and caught here).
 */
#include "nf_test.h"

#include "nf_mock.h"

#include "nf_config.h"
#include "nf_kafka.h"
#include "nf_log.h"

static const char *const outputs[] = {"f.incident", "f.campaign", "f.other",
                                      "f.dlq"};

static void *run_thread(void *arg)
{
    struct runner *r = arg;

    r->code = nf_kafka_run(&r->cfg, "test", &r->stop, &r->st, &r->err);
    return NULL;
}

static int load_cfg_topic(struct nf_config *cfg, const char *bootstraps,
                          const char *group, const char *extra,
                          const char *topic)
{
    char bs[512], grp[128], in[128];
    char *x[] = {in,
                 grp,
                 "output.topic.incident=f.incident",
                 "output.topic.loyalty_campaign=f.campaign",
                 "output.topic.other=f.other",
                 "output.topic.dead_letter=f.dlq",
                 bs,
                 "shutdown.timeout.ms=10000",
                 "kafka.consumer.auto.commit.interval.ms=100",
                 (char *)extra};
    struct nf_err err = {0};
    int rc;

    snprintf(in, sizeof(in), "input.topics=%s", topic);
    snprintf(bs, sizeof(bs), "kafka.bootstrap.servers=%s", bootstraps);
    snprintf(grp, sizeof(grp), "group.id=%s", group);
    rc = nf_config_load(cfg, NULL, NULL, x, extra ? 10 : 9, &err);
    CHECK(rc == 0, "config: %s", err.msg);
    return rc;
}

static int load_cfg(struct nf_config *cfg, const char *bootstraps,
                    const char *group, const char *extra)
{
    return load_cfg_topic(cfg, bootstraps, group, extra, "f.in");
}

static int64_t committed(const char *bootstraps, const char *group)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_topic_partition_list_t *l;
    rd_kafka_t *rk;
    int64_t off = -2;
    char errstr[256];

    rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, NULL, 0);
    rd_kafka_conf_set(conf, "group.id", group, NULL, 0);
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (!rk)
        return -2;
    l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, "f.in", 0);
    if (rd_kafka_committed(rk, l, 10000) == 0)
        off = l->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return off;
}

static int64_t outputs_written(rd_kafka_t *rk)
{
    return mock_outputs_written(rk, outputs,
                                sizeof(outputs) / sizeof(outputs[0]));
}

static void test_happy_path(rd_kafka_t *rk, const char *bs)
{
    struct runner r;
    pthread_t tid;
    int i;

    memset(&r, 0, sizeof(r));
    if (load_cfg(&r.cfg, bs, "g-ok", NULL))
        return;
    pthread_create(&tid, NULL, run_thread, &r);
    /* wait (bounded) until every input has an output, then stop */
    for (i = 0; i < 300 && outputs_written(rk) < N_INPUTS; i++)
        sleep_ms(100);
    atomic_store(&r.stop, 1);
    pthread_join(tid, NULL);
    CHECK_INTEQ(r.code, 0);
    CHECK_INTEQ(outputs_written(rk), N_INPUTS);
    CHECK_INTEQ(r.st.consumed, N_INPUTS);
    CHECK_INTEQ(r.st.produced + r.st.dead_letters, N_INPUTS);
    CHECK_INTEQ(r.st.dead_letters, N_INPUTS / 3);
    CHECK_INTEQ(committed(bs, "g-ok"), N_INPUTS);
    nf_config_free(&r.cfg);
}

static void test_produce_errors(rd_kafka_mock_cluster_t *mc, const char *bs)
{
    static rd_kafka_resp_err_t errs[2000];
    struct runner r;
    pthread_t tid;
    size_t i;

    for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
        errs[i] = RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS;
    rd_kafka_mock_push_request_errors_array(
        mc, API_PRODUCE, sizeof(errs) / sizeof(errs[0]), errs);
    memset(&r, 0, sizeof(r));
    if (load_cfg(&r.cfg, bs, "g-fail",
                 "kafka.producer.message.timeout.ms=1500"))
        return;
    pthread_create(&tid, NULL, run_thread, &r);
    pthread_join(tid, NULL); /* exits by itself on the DR error */
    CHECK_INTEQ(r.code, 1);
    CHECK(r.st.dr_errors > 0, "delivery errors seen");
    CHECK(strstr(r.err.msg, "delivery failed") != NULL ||
              strstr(r.err.msg, "fatal") != NULL,
          "reason: %s", r.err.msg);
    CHECK(committed(bs, "g-fail") < 0, "nothing committed, got %lld",
          (long long)committed(bs, "g-fail"));
    rd_kafka_mock_clear_request_errors(mc, API_PRODUCE);
    nf_config_free(&r.cfg);
}

int main(void)
{
    rd_kafka_mock_cluster_t *mc;
    rd_kafka_t *rk;
    char bs[256];

    nf_log_set_level(NF_LOG_WARN);
    rk = mock_cluster("f.in", outputs, sizeof(outputs) / sizeof(outputs[0]),
                      &mc, bs, sizeof(bs));
    if (!rk)
        return 1;
    /* two good notices, then one invalid UTF-8 value, repeated */
    CHECK_INTEQ(rd_kafka_flush(rk, 10000), 0);

    test_happy_path(rk, bs);
    test_produce_errors(mc, bs);

    rd_kafka_destroy(rk);
    return nf_test_failures != 0;
}
