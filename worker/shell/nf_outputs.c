/*
 * nf_outputs.c - the output plan: topic, format and framing per slot.
 *
 * Configuration forms (config table, issue 5), e.g. a SIEM deployment:
 *   output.topic.incident=notices.incident          Avro, as before
 *   output.ecs.topic.incident=notices.incident.ecs  + ECS JSON copy
 *   output.topic.other.format=ecs-json              other: ECS JSON only
 *   output.avro.framing=confluent                   every Avro topic...
 *   output.topic.dead_letter.avro.framing=single-object  ...but this one
 *   schema.registry.url=https://registry:8081
 * Rules checked here, each refused naming the key:
 *   - format avro | ecs-json; framing single-object | confluent;
 *   - an avro.framing key on a topic whose format is ecs-json (it would
 *     silently do nothing);
 *   - confluent framing anywhere without schema.registry.url;
 *   - one topic name carrying both Avro and JSON (a consumer of a topic
 *     reads one format), e.g. output.ecs.topic.incident equal to an Avro
 *     category topic.
 * Discarded: per-topic-name keys (topic.<name>.format): the name would be
 * repeated in two places and NOTICEFLOW_* environment names cannot carry
 * the dots of a topic name; the category keys already name every topic.
 */
#include <string.h>

#include "nf_config.h"
#include "nf_outputs.h"

/* Names of the slots: the middle part of their configuration keys. */
static const char *const slot_names[NF_OUT__COUNT] = {
    "incident", "loyalty_campaign", "other", "dead_letter"};

/* Confluent's subject name strategies, by our short name and by the
 * class names their serializers are configured with. */
static const struct {
    const char *name;
    enum nf_subject_strategy st;
} strategies[] = {
    {"topic", NF_SUBJECT_TOPIC},
    {"record", NF_SUBJECT_RECORD},
    {"topic_record", NF_SUBJECT_TOPIC_RECORD},
    {"TopicNameStrategy", NF_SUBJECT_TOPIC},
    {"RecordNameStrategy", NF_SUBJECT_RECORD},
    {"TopicRecordNameStrategy", NF_SUBJECT_TOPIC_RECORD},
};

#define STRATEGY_PKG "io.confluent.kafka.serializers.subject."

enum nf_out_slot nf_outputs_slot(enum nf_category c)
{
    switch (c) {
    case NF_CAT_INCIDENT:
        return NF_OUT_INCIDENT;
    case NF_CAT_LOYALTY_CAMPAIGN:
        return NF_OUT_LOYALTY_CAMPAIGN;
    default:
        return NF_OUT_OTHER;
    }
}

const char *nf_outputs_slot_name(enum nf_out_slot s)
{
    return (unsigned)s < NF_OUT__COUNT ? slot_names[s] : "?";
}

int nf_outputs_parse_format(const char *s, enum nf_format *out)
{
    if (s && strcmp(s, "avro") == 0)
        *out = NF_FORMAT_AVRO;
    else if (s && strcmp(s, "ecs-json") == 0)
        *out = NF_FORMAT_ECS_JSON;
    else
        return -1;
    return 0;
}

int nf_outputs_parse_framing(const char *s, enum nf_framing *out)
{
    if (s && strcmp(s, "single-object") == 0)
        *out = NF_FRAMING_SINGLE_OBJECT;
    else if (s && strcmp(s, "confluent") == 0)
        *out = NF_FRAMING_CONFLUENT;
    else
        return -1;
    return 0;
}

int nf_outputs_parse_strategy(const char *s, enum nf_subject_strategy *out)
{
    size_t i, pl = strlen(STRATEGY_PKG);

    if (!s)
        return -1;
    if (strncmp(s, STRATEGY_PKG, pl) == 0)
        s += pl;
    for (i = 0; i < sizeof(strategies) / sizeof(strategies[0]); i++)
        if (strcmp(s, strategies[i].name) == 0) {
            *out = strategies[i].st;
            return 0;
        }
    return -1;
}

int nf_outputs_subject(enum nf_subject_strategy st, const char *topic,
                       const char *record, char *out, size_t cap)
{
    int n;

    switch (st) {
    case NF_SUBJECT_RECORD:
        n = snprintf(out, cap, "%s", record);
        break;
    case NF_SUBJECT_TOPIC_RECORD:
        n = snprintf(out, cap, "%s-%s", topic, record);
        break;
    default:
        /* message values only: keys are the input's raw bytes */
        n = snprintf(out, cap, "%s-value", topic);
        break;
    }
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* The format, framing and ECS copy keys of one slot. */
struct slot_keys {
    const char *topic, *format, *framing, *ecs;
};

static struct slot_keys keys_of(const struct nf_config *c, enum nf_out_slot s)
{
    struct slot_keys k = {NULL, NULL, NULL, NULL};

    switch (s) {
    case NF_OUT_INCIDENT:
        k = (struct slot_keys){c->topic_incident, c->format_incident,
                               c->framing_incident, c->ecs_topic_incident};
        break;
    case NF_OUT_LOYALTY_CAMPAIGN:
        k = (struct slot_keys){
            c->topic_loyalty_campaign, c->format_loyalty_campaign,
            c->framing_loyalty_campaign, c->ecs_topic_loyalty_campaign};
        break;
    case NF_OUT_OTHER:
        k = (struct slot_keys){c->topic_other, c->format_other,
                               c->framing_other, c->ecs_topic_other};
        break;
    default:
        k = (struct slot_keys){c->topic_dead_letter, NULL,
                               c->framing_dead_letter, NULL};
        break;
    }
    return k;
}

static bool same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* A topic name must carry one format: Avro or JSON. */
static int check_mixing(const struct nf_outputs *o, struct nf_err *err)
{
    const char *json[2 * NF_OUT__COUNT], *avro[NF_OUT__COUNT];
    size_t nj = 0, na = 0, i, j;
    int s;

    for (s = 0; s < NF_OUT__COUNT; s++) {
        const struct nf_out_topic *t = &o->slot[s];

        if (t->format == NF_FORMAT_AVRO)
            avro[na++] = t->topic;
        else
            json[nj++] = t->topic;
        if (t->ecs_topic)
            json[nj++] = t->ecs_topic;
    }
    for (i = 0; i < nj; i++)
        for (j = 0; j < na; j++)
            if (same(json[i], avro[j]))
                return nf_err_set(err, NF_E_CONFIG, 0,
                                  "topic '%s' would carry both Avro and ECS "
                                  "JSON records: give the ECS output its "
                                  "own topic (output.ecs.topic.* or "
                                  "output.topic.*.format)",
                                  json[i]);
    return 0;
}

int nf_outputs_from_config(const struct nf_config *cfg, struct nf_outputs *o,
                           struct nf_err *err)
{
    enum nf_framing def;
    int s;

    /* NULL (a config built in code, not loaded): the table's defaults */
    memset(o, 0, sizeof(*o));
    def = NF_FRAMING_SINGLE_OBJECT;
    if (cfg->avro_framing &&
        nf_outputs_parse_framing(cfg->avro_framing, &def) != 0)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "output.avro.framing: '%s' is not single-object "
                          "or confluent",
                          cfg->avro_framing);
    if (cfg->registry_strategy &&
        nf_outputs_parse_strategy(cfg->registry_strategy, &o->strategy) != 0)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "schema.registry.subject.name.strategy: '%s' is "
                          "not topic, record or topic_record",
                          cfg->registry_strategy);
    for (s = 0; s < NF_OUT__COUNT; s++) {
        struct slot_keys k = keys_of(cfg, (enum nf_out_slot)s);
        struct nf_out_topic *t = &o->slot[s];

        t->topic = k.topic;
        t->ecs_topic = k.ecs;
        t->framing = def;
        if (k.format && nf_outputs_parse_format(k.format, &t->format) != 0)
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "output.topic.%s.format: '%s' is not avro or "
                              "ecs-json",
                              slot_names[s], k.format);
        if (k.framing && t->format != NF_FORMAT_AVRO)
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "output.topic.%s.avro.framing: the topic's "
                              "format is ecs-json, not avro",
                              slot_names[s]);
        if (k.framing && nf_outputs_parse_framing(k.framing, &t->framing))
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "output.topic.%s.avro.framing: '%s' is not "
                              "single-object or confluent",
                              slot_names[s], k.framing);
        if (t->format == NF_FORMAT_AVRO && t->framing == NF_FRAMING_CONFLUENT &&
            !cfg->registry_url)
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "output.topic.%s: confluent framing needs "
                              "schema.registry.url",
                              slot_names[s]);
        if (t->format == NF_FORMAT_AVRO && t->framing == NF_FRAMING_CONFLUENT)
            o->need_registry = true;
    }
    if (cfg->registry_use_latest && cfg->registry_auto_register)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "schema.registry.use.latest.version=true needs "
                          "schema.registry.auto.register.schemas=false");
    if (cfg->registry_url && strncmp(cfg->registry_url, "http://", 7) != 0 &&
        strncmp(cfg->registry_url, "https://", 8) != 0)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "schema.registry.url: '%s' is not an http:// or "
                          "https:// URL",
                          cfg->registry_url);
    return check_mixing(o, err);
}
