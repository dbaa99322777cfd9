/*
 * test_nf_outputs.c - the output plan: formats, framings, the registry
 * subject names of Confluent's three strategies, and every configuration
 * refused at start with the key named (through nf_config_load, as the
 * worker loads it).
 */
#include "nf_test.h"

#include "nf_config.h"
#include "nf_outputs.h"

static const char *base[] = {
    "input.topics=in",
    "group.id=g",
    "output.topic.incident=o.incident",
    "output.topic.loyalty_campaign=o.campaign",
    "output.topic.other=o.other",
    "output.topic.dead_letter=o.dlq",
    "metrics.listen=",
};
#define N_BASE (sizeof(base) / sizeof(base[0]))

/* Load base + @p extra; @returns the load code, @p err the reason. */
static int load(struct nf_config *c, const char *const *extra, size_t n,
                struct nf_err *err)
{
    char *x[32];
    size_t i;

    for (i = 0; i < N_BASE; i++)
        x[i] = (char *)base[i];
    for (i = 0; i < n; i++)
        x[N_BASE + i] = (char *)extra[i];
    memset(err, 0, sizeof(*err));
    return nf_config_load(c, NULL, NULL, x, N_BASE + n, err);
}

static void refused(const char *const *extra, size_t n, const char *key)
{
    struct nf_config c;
    struct nf_err err;

    CHECK_INTEQ(load(&c, extra, n, &err), NF_E_CONFIG);
    CHECK(strstr(err.msg, key) != NULL, "want '%s' in: %s", key, err.msg);
    nf_config_free(&c);
}

static void test_parse(void)
{
    enum nf_format f;
    enum nf_framing fr;
    enum nf_subject_strategy st;
    char s[128];

    CHECK(nf_outputs_parse_format("avro", &f) == 0 && f == NF_FORMAT_AVRO,
          "avro");
    CHECK(nf_outputs_parse_format("ecs-json", &f) == 0 &&
              f == NF_FORMAT_ECS_JSON,
          "ecs-json");
    CHECK(nf_outputs_parse_format("json", &f) != 0, "json refused");
    CHECK(nf_outputs_parse_framing("confluent", &fr) == 0 &&
              fr == NF_FRAMING_CONFLUENT,
          "confluent");
    CHECK(nf_outputs_parse_framing("single-object", &fr) == 0 &&
              fr == NF_FRAMING_SINGLE_OBJECT,
          "single-object");
    CHECK(nf_outputs_parse_framing("Confluent", &fr) != 0, "case matters");
    CHECK(nf_outputs_parse_strategy("record", &st) == 0 &&
              st == NF_SUBJECT_RECORD,
          "record");
    CHECK(nf_outputs_parse_strategy("io.confluent.kafka.serializers.subject."
                                    "TopicRecordNameStrategy",
                                    &st) == 0 &&
              st == NF_SUBJECT_TOPIC_RECORD,
          "class name");
    CHECK(nf_outputs_parse_strategy("topicname", &st) != 0, "unknown");

    CHECK_INTEQ(
        nf_outputs_subject(NF_SUBJECT_TOPIC, "n.inc", "a.B", s, sizeof(s)), 0);
    CHECK_STREQ(s, "n.inc-value");
    nf_outputs_subject(NF_SUBJECT_RECORD, "n.inc", "a.B", s, sizeof(s));
    CHECK_STREQ(s, "a.B");
    nf_outputs_subject(NF_SUBJECT_TOPIC_RECORD, "n.inc", "a.B", s, sizeof(s));
    CHECK_STREQ(s, "n.inc-a.B");
    CHECK(nf_outputs_subject(NF_SUBJECT_TOPIC, "n.inc", "a.B", s, 5) != 0,
          "too long");
    CHECK_STREQ(nf_outputs_slot_name(nf_outputs_slot(NF_CAT_LOYALTY_CAMPAIGN)),
                "loyalty_campaign");
}

static void test_plans(void)
{
    static const char *const siem[] = {
        "output.ecs.topic.incident=o.incident.ecs",
        "output.topic.other.format=ecs-json",
        "output.avro.framing=confluent",
        "output.topic.dead_letter.avro.framing=single-object",
        "schema.registry.url=http://127.0.0.1:8081",
        "schema.registry.subject.name.strategy=RecordNameStrategy",
    };
    struct nf_config c;
    struct nf_outputs o;
    struct nf_err err;

    CHECK_INTEQ(load(&c, NULL, 0, &err), 0);
    CHECK_INTEQ(nf_outputs_from_config(&c, &o, &err), 0);
    CHECK(!o.need_registry, "defaults need no registry");
    CHECK(o.slot[NF_OUT_INCIDENT].format == NF_FORMAT_AVRO &&
              o.slot[NF_OUT_INCIDENT].framing == NF_FRAMING_SINGLE_OBJECT &&
              o.slot[NF_OUT_INCIDENT].ecs_topic == NULL,
          "default: Avro single-object only");
    CHECK_INTEQ(c.ecs_original_max, 16384);
    nf_config_free(&c);

    CHECK_INTEQ(load(&c, siem, sizeof(siem) / sizeof(siem[0]), &err), 0);
    CHECK(err.msg[0] == '\0', "loaded: %s", err.msg);
    CHECK_INTEQ(nf_outputs_from_config(&c, &o, &err), 0);
    CHECK(o.need_registry, "confluent needs the registry");
    CHECK_INTEQ(o.strategy, NF_SUBJECT_RECORD);
    CHECK_STREQ(o.slot[NF_OUT_INCIDENT].ecs_topic, "o.incident.ecs");
    CHECK_INTEQ(o.slot[NF_OUT_INCIDENT].framing, NF_FRAMING_CONFLUENT);
    CHECK_INTEQ(o.slot[NF_OUT_OTHER].format, NF_FORMAT_ECS_JSON);
    CHECK_INTEQ(o.slot[NF_OUT_DEAD_LETTER].framing, NF_FRAMING_SINGLE_OBJECT);
    CHECK_INTEQ(o.slot[NF_OUT_DEAD_LETTER].format, NF_FORMAT_AVRO);
    nf_config_free(&c);
}

static void test_refusals(void)
{
    static const char *const a[] = {"output.topic.incident.format=xml"};
    static const char *const b[] = {"output.avro.framing=confluent"};
    static const char *const c2[] = {"output.topic.other.format=ecs-json",
                                     "output.topic.other.avro.framing="
                                     "confluent"};
    static const char *const d[] = {"output.ecs.topic.incident=o.campaign"};
    static const char *const e[] = {"schema.registry.url=ftp://x",
                                    "output.avro.framing=confluent"};
    static const char *const f[] = {"schema.registry.use.latest.version=true"};
    static const char *const g[] = {
        "schema.registry.subject.name.strategy=bogus"};
    static const char *const h[] = {"output.topic.dead_letter.avro.framing="
                                    "confluent"};
    static const char *const i[] = {"output.topic.incident.format=ecs-json",
                                    "output.topic.incident=o.campaign"};

    refused(a, 1, "output.topic.incident.format");
    refused(b, 1, "schema.registry.url");
    refused(c2, 2, "output.topic.other.avro.framing");
    refused(d, 1, "o.campaign");
    refused(e, 2, "schema.registry.url");
    refused(f, 1, "schema.registry.use.latest.version");
    refused(g, 1, "schema.registry.subject.name.strategy");
    refused(h, 1, "output.topic.dead_letter");
    refused(i, 2, "both Avro and ECS JSON");
}

int main(void)
{
    test_parse();
    test_plans();
    test_refusals();
    return nf_test_failures != 0;
}
