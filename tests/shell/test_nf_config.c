/*
 * test_nf_config.c - configuration sources, precedence and refusals.
 */
#include <stdlib.h>
#include <unistd.h>

#include "nf_test.h"

#include "nf_config.h"

static const char base[] = "# a comment\n"
                           "\n"
                           "input.topics = notices, notices.b\n"
                           "group.id=g-file\r\n"
                           "output.topic.incident=out.incident\n"
                           "output.topic.loyalty_campaign=out.campaign\n"
                           "output.topic.other=out.other\n"
                           "output.topic.dead_letter=out.dlq\n"
                           "kafka.bootstrap.servers=127.0.0.1:1\n";

static char path[64];

static void write_cfg(const char *extra)
{
    FILE *f;
    int fd;

    snprintf(path, sizeof(path), "/tmp/nf_config_test_XXXXXX");
    fd = mkstemp(path);
    if (fd < 0)
        abort();
    f = fdopen(fd, "w");
    if (!f)
        abort();
    fputs(base, f);
    fputs(extra, f);
    fclose(f);
}

static int load(struct nf_config *cfg, const char *extra, char **env, char **x,
                size_t nx, struct nf_err *err)
{
    int rc;

    write_cfg(extra);
    memset(err, 0, sizeof(*err));
    rc = nf_config_load(cfg, path, env, x, nx, err);
    unlink(path);
    return rc;
}

static const char *kv_get(const struct nf_kvlist *l, const char *key)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (strcmp(l->v[i].key, key) == 0)
            return l->v[i].value;
    return NULL;
}

static void test_defaults_and_file(void)
{
    struct nf_config cfg;
    struct nf_err err;
    int rc = load(&cfg,
                  "kafka.consumer.fetch.wait.max.ms=50\n"
                  "kafka.sasl.password=p#ss word\n",
                  NULL, NULL, 0, &err);

    CHECK_INTEQ(rc, 0);
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_INTEQ(cfg.n_input_topics, 2);
    CHECK_STREQ(cfg.input_topics[0], "notices");
    CHECK_STREQ(cfg.input_topics[1], "notices.b");
    CHECK_STREQ(cfg.group_id, "g-file");
    CHECK_STREQ(cfg.topic_loyalty_campaign, "out.campaign");
    CHECK_INTEQ(cfg.threads, 2);
    CHECK_INTEQ(cfg.max_bytes, 1048576);
    CHECK(!cfg.unsafe_store_before_produce, "unsafe switch off by default");
    CHECK_STREQ(kv_get(&cfg.kafka_common, "bootstrap.servers"), "127.0.0.1:1");
    /* '#' inside a value is part of it; inner spaces too */
    CHECK_STREQ(kv_get(&cfg.kafka_common, "sasl.password"), "p#ss word");
    CHECK_STREQ(kv_get(&cfg.kafka_consumer, "fetch.wait.max.ms"), "50");
    CHECK(kv_get(&cfg.kafka_producer, "fetch.wait.max.ms") == NULL,
          "consumer-only property kept off the producer");
    nf_config_free(&cfg);
}

static void test_precedence(void)
{
    struct nf_config cfg;
    struct nf_err err;
    char *env[] = {"PATH=/bin",
                   "NOTICEFLOW_GROUP_ID=g-env",
                   "NOTICEFLOW_WORKER_THREADS=4",
                   "NOTICEFLOW_OUTPUT_TOPIC_LOYALTY_CAMPAIGN=env.campaign",
                   "NOTICEFLOW_KAFKA_BOOTSTRAP_SERVERS=10.0.0.1:9092",
                   "NOTICEFLOW_KAFKA_PRODUCER_LINGER_MS=20",
                   NULL};
    char *x[] = {"group.id=g-x", "linger.ms=7",
                 "kafka.producer.batch.num.messages=100"};
    int rc;

    /* env over file */
    rc = load(&cfg, "", env, NULL, 0, &err);
    CHECK_INTEQ(rc, 0);
    if (rc == 0) {
        CHECK_STREQ(cfg.group_id, "g-env");
        CHECK_INTEQ(cfg.threads, 4);
        CHECK_STREQ(cfg.topic_loyalty_campaign, "env.campaign");
        CHECK_STREQ(kv_get(&cfg.kafka_common, "bootstrap.servers"),
                    "10.0.0.1:9092");
        CHECK_STREQ(kv_get(&cfg.kafka_producer, "linger.ms"), "20");
        nf_config_free(&cfg);
    }
    /* -X over env; a bare property is a kafka one (like kcat) */
    rc = load(&cfg, "", env, x, 3, &err);
    CHECK_INTEQ(rc, 0);
    if (rc == 0) {
        CHECK_STREQ(cfg.group_id, "g-x");
        CHECK_STREQ(kv_get(&cfg.kafka_common, "linger.ms"), "7");
        CHECK_STREQ(kv_get(&cfg.kafka_producer, "batch.num.messages"), "100");
        nf_config_free(&cfg);
    }
}

/* Each case must be refused with a message that names @p needle. */
static void refused(const char *extra, char **env, char **x, size_t nx,
                    const char *needle)
{
    struct nf_config cfg;
    struct nf_err err;
    int rc = load(&cfg, extra, env, x, nx, &err);

    CHECK_INTEQ(rc, NF_E_CONFIG);
    CHECK(strstr(err.msg, needle) != NULL, "'%s' not named in: %s", needle,
          err.msg);
    if (rc == 0)
        nf_config_free(&cfg);
}

static void test_refusals(void)
{
    char *env_bad[] = {"NOTICEFLOW_NO_SUCH_THING=1", NULL};
    char *x_bad[] = {"worker.threads=many"};
    char *x_noeq[] = {"group.id"};

    refused("bogus.key=1\n", NULL, NULL, 0, "bogus.key");
    refused("worker.threads=abc\n", NULL, NULL, 0, "worker.threads");
    refused("worker.threads=0\n", NULL, NULL, 0, "worker.threads");
    refused("worker.threads=9999999999999999999999\n", NULL, NULL, 0,
            "worker.threads");
    refused("enrich.max.bytes=12x\n", NULL, NULL, 0, "enrich.max.bytes");
    refused("testing.unsafe.store.before.produce=yes\n", NULL, NULL, 0,
            "testing.unsafe.store.before.produce");
    refused("log.level=loud\n", NULL, NULL, 0, "log.level");
    refused("just a line\n", NULL, NULL, 0, "expected key=value");
    refused("output.topic.other=bad topic\n", NULL, NULL, 0,
            "output.topic.other");
    refused("input.topics= , \n", NULL, NULL, 0, "input.topics");
    refused("", env_bad, NULL, 0, "NOTICEFLOW_NO_SUCH_THING");
    refused("", NULL, x_bad, 1, "worker.threads");
    refused("", NULL, x_noeq, 1, "group.id");
    /* librdkafka refuses the property: named with its prefix */
    refused("kafka.no.such.property=1\n", NULL, NULL, 0,
            "kafka.no.such.property");
    refused("kafka.producer.linger.ms=-5\n", NULL, NULL, 0,
            "kafka.producer.linger.ms");
    /* at-least-once settings cannot be weakened */
    refused("kafka.enable.auto.offset.store=true\n", NULL, NULL, 0,
            "enable.auto.offset.store");
    refused("kafka.producer.acks=1\n", NULL, NULL, 0, "acks");
    refused("kafka.consumer.partition.assignment.strategy=cooperative-"
            "sticky\n",
            NULL, NULL, 0, "partition.assignment.strategy");
    refused("kafka.group.id=x\n", NULL, NULL, 0, "group.id");
}

static void test_missing_required(void)
{
    struct nf_config cfg;
    struct nf_err err = {0};
    char *x[] = {"input.topics=a", "group.id=g"};
    int rc = nf_config_load(&cfg, NULL, NULL, x, 2, &err);

    CHECK_INTEQ(rc, NF_E_CONFIG);
    CHECK(strstr(err.msg, "output.topic.incident") != NULL, "%s", err.msg);
    rc =
        nf_config_load(&cfg, "/nonexistent/nf.properties", NULL, NULL, 0, &err);
    CHECK_INTEQ(rc, NF_E_CONFIG);
    CHECK(strstr(err.msg, "/nonexistent/nf.properties") != NULL, "%s", err.msg);
}

/* The value of @p name in @p conf, read into @p buf ("" when unknown). */
static const char *prop(rd_kafka_conf_t *conf, const char *name, char *buf,
                        size_t cap)
{
    buf[0] = '\0';
    rd_kafka_conf_get(conf, name, buf, &cap);
    return buf;
}

static void test_apply_kafka(void)
{
    struct nf_config cfg;
    struct nf_err err;
    rd_kafka_conf_t *conf;
    char val[256];
    int rc = load(&cfg,
                  "kafka.acks=-1\nkafka.producer.message.timeout.ms=600000\n"
                  "kafka.group.instance.id=worker-1\n",
                  NULL, NULL, 0, &err);

    CHECK_INTEQ(rc, 0);
    if (rc)
        return;
    conf = rd_kafka_conf_new();
    CHECK_INTEQ(nf_config_apply_kafka(&cfg, NF_KAFKA_CONSUMER, conf, &err), 0);
    CHECK_STREQ(prop(conf, "enable.auto.offset.store", val, sizeof(val)),
                "false");
    CHECK_STREQ(prop(conf, "group.id", val, sizeof(val)), "g-file");
    CHECK_STREQ(prop(conf, "group.instance.id", val, sizeof(val)), "worker-1");
    CHECK_STREQ(prop(conf, "partition.assignment.strategy", val, sizeof(val)),
                "range,roundrobin");
    rd_kafka_conf_destroy(conf);

    conf = rd_kafka_conf_new();
    CHECK_INTEQ(nf_config_apply_kafka(&cfg, NF_KAFKA_PRODUCER, conf, &err), 0);
    CHECK_STREQ(prop(conf, "enable.idempotence", val, sizeof(val)), "true");
    CHECK_STREQ(prop(conf, "message.timeout.ms", val, sizeof(val)), "600000");
    rd_kafka_conf_destroy(conf);
    nf_config_free(&cfg);
}

/* The memory and latency defaults apply, may be overridden, and a producer
 * queue that cannot hold one record is refused instead of stalling the
 * worker. */
static void test_queue_bounds(void)
{
    struct nf_config cfg;
    struct nf_err err;
    rd_kafka_conf_t *conf;
    char val[64];
    int rc = load(&cfg, "", NULL, NULL, 0, &err);

    CHECK_INTEQ(rc, 0);
    if (rc)
        return;
    conf = rd_kafka_conf_new();
    CHECK_INTEQ(nf_config_apply_kafka(&cfg, NF_KAFKA_CONSUMER, conf, &err), 0);
    CHECK_STREQ(prop(conf, "queued.max.messages.kbytes", val, sizeof(val)),
                "16384");
    rd_kafka_conf_destroy(conf);
    conf = rd_kafka_conf_new();
    CHECK_INTEQ(nf_config_apply_kafka(&cfg, NF_KAFKA_PRODUCER, conf, &err), 0);
    CHECK_STREQ(prop(conf, "queue.buffering.max.kbytes", val, sizeof(val)),
                "8192");
    CHECK_STREQ(prop(conf, "linger.ms", val, sizeof(val)), "1");
    rd_kafka_conf_destroy(conf);
    nf_config_free(&cfg);

    /* refused when loaded, so check-config reports it too */
    rc = load(&cfg,
              "kafka.producer.message.max.bytes=20000000\n"
              "kafka.producer.queue.buffering.max.kbytes=16384\n",
              NULL, NULL, 0, &err);
    CHECK_INTEQ(rc, NF_E_CONFIG);
    CHECK(strstr(err.msg, "queue.buffering.max.kbytes") != NULL, "%s", err.msg);
    if (rc == 0)
        nf_config_free(&cfg);

    rc = load(&cfg,
              "kafka.producer.message.max.bytes=20000000\n"
              "kafka.producer.queue.buffering.max.kbytes=20000\n",
              NULL, NULL, 0, &err);
    CHECK_INTEQ(rc, 0);
    if (rc)
        return;
    conf = rd_kafka_conf_new();
    CHECK_INTEQ(nf_config_apply_kafka(&cfg, NF_KAFKA_PRODUCER, conf, &err), 0);
    rd_kafka_conf_destroy(conf);
    nf_config_free(&cfg);
}

static void test_secrets(void)
{
    CHECK(nf_config_is_secret("sasl.password"), "sasl.password");
    CHECK(nf_config_is_secret("ssl.key.password"), "ssl.key.password");
    CHECK(nf_config_is_secret("ssl.key.pem"), "ssl.key.pem");
    CHECK(nf_config_is_secret("sasl.oauthbearer.client.secret"), "oauth");
    CHECK(!nf_config_is_secret("sasl.username"), "username is not secret");
    CHECK(!nf_config_is_secret("bootstrap.servers"), "servers");
}

static void test_reference(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    nf_config_print_reference(f);
    fclose(f);
    CHECK(strstr(buf, "`worker.threads`") != NULL, "table lists keys");
    CHECK(strstr(buf, "enable.auto.offset.store=false") != NULL,
          "forced settings listed");
    free(buf);
}

int main(void)
{
    test_defaults_and_file();
    test_precedence();
    test_refusals();
    test_missing_required();
    test_apply_kafka();
    test_queue_bounds();
    test_secrets();
    test_reference();
    return nf_test_failures != 0;
}
