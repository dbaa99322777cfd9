/*
 * nf_outputs.h - where each record goes and in which format: the output
 * plan derived once from the configuration.
 *
 * A category's record goes to its topic (output.topic.<category>) in the
 * format output.topic.<category>.format (avro or ecs-json), and, when
 * output.ecs.topic.<category> is set, ALSO to that topic as ECS JSON, so a
 * deployment publishes Avro for Kafka Connect and ECS JSON for a SIEM side
 * by side. Each Avro topic (the three categories and the dead letters) has
 * its framing: output.topic.<name>.avro.framing, default
 * output.avro.framing (single-object). Confluent framing needs a schema id
 * per topic from schema.registry.url.
 *
 * Pure: strings in, enums out; no I/O. Used by the config loader (refuses
 * a bad plan at start, naming the key), the registry start-up
 * (nf_registry) and the pipeline.
 */
#ifndef NF_OUTPUTS_H
#define NF_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "noticeflow/nf_enrich.h"

#include "nf_avro.h"
#include "nf_err.h"

struct nf_config;

/** The Avro output slots: one per category key plus the dead letters. */
enum nf_out_slot {
    NF_OUT_INCIDENT = 0,
    NF_OUT_LOYALTY_CAMPAIGN,
    NF_OUT_OTHER,
    NF_OUT_DEAD_LETTER,
    NF_OUT__COUNT
};

enum nf_format { NF_FORMAT_AVRO = 0, NF_FORMAT_ECS_JSON };

/** Schema registry subject naming (Confluent's strategies). */
enum nf_subject_strategy {
    NF_SUBJECT_TOPIC = 0,   /**< TopicNameStrategy: <topic>-value */
    NF_SUBJECT_RECORD,      /**< RecordNameStrategy: <record full name> */
    NF_SUBJECT_TOPIC_RECORD /**< TopicRecordNameStrategy: <topic>-<record> */
};

struct nf_out_topic {
    const char *topic;       /**< borrowed from the config */
    enum nf_format format;   /**< dead letters: always Avro */
    enum nf_framing framing; /**< when format is Avro */
    const char *ecs_topic;   /**< extra ECS JSON copy, or NULL */
};

struct nf_outputs {
    struct nf_out_topic slot[NF_OUT__COUNT];
    enum nf_subject_strategy strategy;
    bool need_registry; /**< some Avro topic uses confluent framing */
};

/**
 * @brief Build the plan from the output.* and schema.registry.* keys.
 * @returns 0, or NF_E_CONFIG naming the key in @p err (unknown format or
 *          framing, confluent framing without schema.registry.url, Avro
 *          and JSON mixed in one topic).
 */
int nf_outputs_from_config(const struct nf_config *cfg, struct nf_outputs *o,
                           struct nf_err *err);

/** @returns the slot of a category. */
enum nf_out_slot nf_outputs_slot(enum nf_category c);

/** @returns "incident", "loyalty_campaign", "other" or "dead_letter". */
const char *nf_outputs_slot_name(enum nf_out_slot s);

/** @returns 0 and sets @p out for "avro" / "ecs-json"; -1 otherwise. */
int nf_outputs_parse_format(const char *s, enum nf_format *out);

/** @returns 0 and sets @p out for "single-object" / "confluent"; -1
 *  otherwise. */
int nf_outputs_parse_framing(const char *s, enum nf_framing *out);

/** @returns 0 and sets @p out for "topic", "record", "topic_record" or
 *  Confluent's class names (TopicNameStrategy, RecordNameStrategy,
 *  TopicRecordNameStrategy, short or fully qualified); -1 otherwise. */
int nf_outputs_parse_strategy(const char *s, enum nf_subject_strategy *out);

/**
 * @brief The registry subject of @p topic's values whose record is
 *        @p record (full name) under @p st, e.g. "notices.incident-value".
 * @returns 0, or -1 when it does not fit @p cap.
 */
int nf_outputs_subject(enum nf_subject_strategy st, const char *topic,
                       const char *record, char *out, size_t cap);

#endif /* NF_OUTPUTS_H */
