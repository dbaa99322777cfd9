/*
 * nf_config.h - the worker's configuration: one declarative table of keys,
 * loaded from a properties file, NOTICEFLOW_* environment variables and
 * -X key=value arguments (precedence: file < environment < -X).
 *
 * kafka.<prop> goes to both librdkafka clients, kafka.consumer.<prop> and
 * kafka.producer.<prop> to one of them; the properties the at-least-once
 * design depends on are forced by nf_config_apply_kafka() and may be given
 * only with the same value. The loaded struct is immutable after start-up.
 */
#ifndef NF_CONFIG_H
#define NF_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include <librdkafka/rdkafka.h>

#include "nf_err.h"
#include "nf_log.h"

/** Caps: lines of a config file, topics per list, kafka properties. */
#define NF_CONFIG_MAX_FILE_BYTES  (1 << 20)
#define NF_CONFIG_MAX_TOPICS      64
#define NF_CONFIG_MAX_KAFKA_PROPS 256
#define NF_CONFIG_MAX_THREADS     256

/** One librdkafka property (name without the kafka.* prefix). */
struct nf_kv {
    char *key;
    char *value;
};

struct nf_kvlist {
    struct nf_kv *v;
    size_t n;
};

enum nf_kafka_side { NF_KAFKA_CONSUMER, NF_KAFKA_PRODUCER };

struct nf_config {
    char **input_topics; /**< subscription (names or ^regex) */
    size_t n_input_topics;
    char *group_id;
    char *topic_incident;
    char *topic_loyalty_campaign;
    char *topic_other;
    char *topic_dead_letter;
    long threads;       /**< enrichment threads */
    long max_bytes;     /**< largest accepted message value */
    long dlq_value_max; /**< bytes of the value kept in a dead letter */
    long queue_max;     /**< messages in process before pausing input */
    long shutdown_timeout_ms;
    long rebalance_timeout_ms;
    enum nf_log_level log_level;
    bool unsafe_store_before_produce; /**< TEST ONLY negative control */
    /* Exactly-once mode (issue 7; nf_eos). */
    char *delivery_mode;  /**< "at-least-once" or "exactly-once" */
    bool exactly_once;    /**< delivery.mode == exactly-once */
    char *eos_txn_prefix; /**< eos.transactional.id.prefix; NULL: group.id */
    char *eos_instance;   /**< eos.instance.id; NULL: derived at start */
    long eos_batch_max_messages; /**< inputs per transaction, at most */
    long eos_batch_max_ms;       /**< age of a transaction before commit */
    long eos_commit_timeout_ms;  /**< bound on commit/abort/init calls */
    /* Alerts and signed webhooks (nf_alert, nf_dispatch; issue 4). String
     * keys of type KT_OPT_* are NULL when unset. */
    char *topic_alerts;             /**< output.topic.alerts; NULL: no alerts */
    char *topic_alerts_retry;       /**< alerts.topic.retry */
    char *topic_alerts_dead_letter; /**< alerts.topic.dead_letter */
    char *alerts_group_id;          /**< alerts.group.id (dispatcher) */
    char *alert_categories;         /**< comma list; NULL: incident */
    char *alert_incident_types;     /**< comma list; NULL: any */
    long alert_min_affected_count;  /**< -1: no minimum */
    char *alert_min_severity;       /**< low|medium|high; NULL: low */
    char *alert_high_types;         /**< NULL: payment_card_leak,ransomware */
    long alert_high_min_count;
    char *alert_medium_types;
    long alert_medium_min_count;
    char *webhook_url;
    char *webhook_secret_file;
    char *webhook_secret_env;
    char *webhook_ca_file;
    long webhook_connect_timeout_ms;
    long webhook_timeout_ms;
    long webhook_max_response_bytes;
    char *webhook_retry_schedule;
    bool webhook_allow_loopback; /**< TEST/DEMO ONLY */
    long webhook_max_in_flight;
    long alerts_max_waiting;
    /* Operations endpoint (nf_http, nf_metrics; issue 6). */
    char *metrics_listen; /**< HOST:PORT; NULL: no endpoint */
    long health_stall_ms; /**< /healthz fails past this main-loop stall */
    /* SIEM-ready outputs (issue 5; nf_outputs, nf_ecs, nf_registry). */
    char *format_incident; /**< output.topic.<category>.format */
    char *format_loyalty_campaign;
    char *format_other;
    char *ecs_topic_incident; /**< output.ecs.topic.<category>; NULL: none */
    char *ecs_topic_loyalty_campaign;
    char *ecs_topic_other;
    char *avro_framing;     /**< output.avro.framing (default of all) */
    char *framing_incident; /**< output.topic.<name>.avro.framing; NULL:
                                 output.avro.framing */
    char *framing_loyalty_campaign;
    char *framing_other;
    char *framing_dead_letter;
    long ecs_original_max; /**< bytes of event.original */
    char *registry_url;    /**< schema.registry.url; NULL: none */
    bool registry_auto_register;
    bool registry_use_latest;
    char *registry_strategy;
    char *registry_user_info; /**< user:password (secret) */
    char *registry_ca_file;
    long registry_timeout_ms;
    long registry_retries;
    long registry_backoff_ms;
    struct nf_kvlist kafka_common;   /**< kafka.<x> */
    struct nf_kvlist kafka_consumer; /**< kafka.consumer.<x> */
    struct nf_kvlist kafka_producer; /**< kafka.producer.<x> */
};

/**
 * @brief Load and validate the configuration.
 * @param path properties file, or NULL for none (then every required key
 *        must come from the environment or -X).
 * @param envp NULL-terminated "NAME=value" array (environ), or NULL.
 * @param xargs @p n_xargs "key=value" strings from -X.
 * @returns 0, or NF_E_CONFIG with a message naming the offending key (or
 *          file line) in @p err; @p cfg is then empty (safe to free).
 */
int nf_config_load(struct nf_config *cfg, const char *path, char *const *envp,
                   char *const *xargs, size_t n_xargs, struct nf_err *err);

/** @brief Free what nf_config_load() allocated. Safe on a zeroed struct. */
void nf_config_free(struct nf_config *cfg);

/**
 * @brief Set on @p conf the worker's forced properties, then the user's
 *        kafka.* and kafka.<side>.* ones (they were validated at load).
 * @returns 0, or NF_E_CONFIG with librdkafka's message in @p err.
 */
int nf_config_apply_kafka(const struct nf_config *cfg, enum nf_kafka_side side,
                          rd_kafka_conf_t *conf, struct nf_err *err);

/** @returns true when a librdkafka property holds a secret (passwords,
 *  private keys, OAuth config): never log its value. */
bool nf_config_is_secret(const char *kafka_prop);

/** @brief Print the key table as Markdown (README configuration reference,
 *         `noticeflow run --help-config`). */
void nf_config_print_reference(FILE *f);

/** @brief Log the effective configuration at info level, secrets masked. */
void nf_config_log(const struct nf_config *cfg);

#endif /* NF_CONFIG_H */
