/*
 * nf_config.c - declarative configuration table and its three sources.
 *
 * Forms accepted (contract "Worker CLI and configuration"):
 *   file   `group.id = notices-enricher`   (# comment lines, blanks ignored,
 *          key and value trimmed, CRLF tolerated; '#' inside a value is
 *          kept, so passwords may contain it)
 *   env    NOTICEFLOW_GROUP_ID=...          (upper case, dots as '_'):
 *          matched against the env form of each table key first, so
 *          NOTICEFLOW_OUTPUT_TOPIC_LOYALTY_CAMPAIGN finds the key with an
 *          underscore; otherwise NOTICEFLOW_KAFKA_SASL_USERNAME becomes
 *          kafka.sasl.username (librdkafka names use dots only)
 *   -X     `-X bootstrap.servers=h:9092`    (no known prefix → kafka.<key>,
 *          as kcat does)
 * All settings are collected in order file, env, -X, and the last one of a
 * key wins. Then every value is checked against its table entry (type,
 * range), required keys are checked, and the kafka.* properties are tried on
 * scratch librdkafka confs, so a typo in a property name is refused at start
 * (exit 2) instead of surfacing as a runtime error.
 *
 * The table drives parsing, validation, defaults, the README reference
 * (nf_config_print_reference) and the start-up log line; there is no second
 * list of keys anywhere. Discarded: JSON config files (the contract fixes
 * properties files, the format kcat and Kafka tools use) and getenv() per
 * key (cannot refuse an unknown NOTICEFLOW_* variable).
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "nf_alert.h"
#include "nf_config.h"
#include "nf_outputs.h"
#include "nf_http.h"

/* Cap on collected settings (file lines + env + -X). */
#define MAX_SETTINGS 4096

/* KT_OPT_*: optional (no default, not required; empty or unset → NULL). */
enum ktype {
    KT_STRING,
    KT_TOPICS,
    KT_TOPIC,
    KT_INT,
    KT_BOOL,
    KT_LOGLEVEL,
    KT_OPT_STRING,
    KT_OPT_TOPIC,
    KT_LISTEN /* HOST:PORT (nf_http_parse_listen); empty → NULL */
};

struct key {
    const char *name;
    enum ktype type;
    const char *def; /* NULL: required */
    long min, max;   /* KT_INT range */
    size_t off;      /* field in struct nf_config */
    const char *help;
};

#define F(field) offsetof(struct nf_config, field)

/* Every key the worker understands (besides kafka.*). */
static const struct key keys[] = {
    {"input.topics", KT_TOPICS, NULL, 0, 0, F(input_topics),
     "comma list of input topics (a ^regex is allowed, as in librdkafka)"},
    {"group.id", KT_STRING, NULL, 0, 0, F(group_id),
     "consumer group; committed offsets live here"},
    {"output.topic.incident", KT_TOPIC, NULL, 0, 0, F(topic_incident),
     "records with category incident"},
    {"output.topic.loyalty_campaign", KT_TOPIC, NULL, 0, 0,
     F(topic_loyalty_campaign), "records with category loyalty_campaign"},
    {"output.topic.other", KT_TOPIC, NULL, 0, 0, F(topic_other),
     "records with category other"},
    {"output.topic.dead_letter", KT_TOPIC, NULL, 0, 0, F(topic_dead_letter),
     "inputs that cannot be processed, with the reason"},
    /* Upper bound: more threads than cores only adds queueing. */
    {"worker.threads", KT_INT, "2", 1, NF_CONFIG_MAX_THREADS, F(threads),
     "enrichment threads (one enricher each)"},
    /* Same hard limit as the core (NF_DOC_MAX_BYTES_LIMIT, 64 MiB). */
    {"enrich.max.bytes", KT_INT, "1048576", 1, 64L << 20, F(max_bytes),
     "largest message value accepted; larger ones go to the DLQ (too_large)"},
    /* A dead letter must fit the producer's and the broker's message size
     * limits (1 MB by default) whatever the input: a refused DLQ record
     * would stop the worker on the same message after every restart. */
    {"dead_letter.value.max.bytes", KT_INT, "262144", 0, 64L << 20,
     F(dlq_value_max),
     "bytes of the original value kept in a dead letter (the rest is cut; "
     "value_length keeps the size)"},
    {"worker.queue.max", KT_INT, "1000", 1, 1000000, F(queue_max),
     "messages in process before consumption is paused (back-pressure)"},
    {"shutdown.timeout.ms", KT_INT, "30000", 0, 3600000, F(shutdown_timeout_ms),
     "bound on draining in-flight work after SIGTERM/SIGINT"},
    {"rebalance.timeout.ms", KT_INT, "10000", 0, 3600000,
     F(rebalance_timeout_ms),
     "bound on finishing in-flight work of revoked partitions"},
    {"log.level", KT_LOGLEVEL, "info", 0, 0, F(log_level),
     "debug, info, warn or error"},
    {"testing.unsafe.store.before.produce", KT_BOOL, "false", 0, 0,
     F(unsafe_store_before_produce),
     "TEST ONLY: store input offsets before producing (loses data on "
     "a crash; the loss checker's negative control)"},
    /* ---- exactly-once (issue 7; nf_eos) ---- */
    {"delivery.mode", KT_STRING, "at-least-once", 0, 0, F(delivery_mode),
     "at-least-once (idempotent producer, offsets stored after acks) or "
     "exactly-once (transactions: outputs and input offsets committed "
     "together; downstream readers must use isolation.level="
     "read_committed)"},
    {"eos.transactional.id.prefix", KT_OPT_STRING, NULL, 0, 0,
     F(eos_txn_prefix),
     "exactly-once: transactional.id = <prefix>-<eos.instance.id> "
     "(default prefix: group.id)"},
    /* A stable id lets a restarted worker fence its predecessor and abort
     * its open transaction at once; a fresh one leaves it open until
     * transaction.timeout.ms, stalling read_committed readers. */
    {"eos.instance.id", KT_OPT_STRING, NULL, 0, 0, F(eos_instance),
     "exactly-once: this replica's stable unique name (e.g. the pod name "
     "of a StatefulSet); default group.instance.id, else <hostname>-<pid>"},
    /* The time bound is the one meant to act: at 20k docs/s and 1,000 the
     * count cut a transaction every 50 ms and halved throughput (10-16k
     * docs/s); 5,000 and 20,000 both gave 20-22k (bench_report run_eos). */
    {"eos.batch.max.messages", KT_INT, "5000", 1, 1000000,
     F(eos_batch_max_messages),
     "exactly-once: input messages per transaction, at most"},
    /* 100 ms: Kafka Streams' commit.interval.ms under exactly-once. */
    {"eos.batch.max.ms", KT_INT, "100", 1, 600000, F(eos_batch_max_ms),
     "exactly-once: a transaction is committed once this old (bounds the "
     "latency seen by read_committed readers)"},
    {"eos.commit.timeout.ms", KT_INT, "60000", 1000, 3600000,
     F(eos_commit_timeout_ms),
     "exactly-once: bound on init/commit/abort of a transaction; past it "
     "the producer is recreated"},
    /* ---- alerts and signed webhooks (issue 4; nf_alert, nf_dispatch) ---- */
    {"output.topic.alerts", KT_OPT_TOPIC, NULL, 0, 0, F(topic_alerts),
     "alert JSON bodies (a second output of matching records); unset: no "
     "alerts"},
    {"alerts.topic.retry", KT_OPT_TOPIC, NULL, 0, 0, F(topic_alerts_retry),
     "dispatcher: alerts parked until their next attempt (headers "
     "noticeflow-attempt, noticeflow-next-attempt-ms)"},
    {"alerts.topic.dead_letter", KT_OPT_TOPIC, NULL, 0, 0,
     F(topic_alerts_dead_letter),
     "dispatcher: alerts refused by the endpoint (4xx) or out of retries, "
     "with the HTTP status"},
    {"alerts.group.id", KT_OPT_STRING, NULL, 0, 0, F(alerts_group_id),
     "dispatcher consumer group (default: <group.id>-alerts)"},
    {"alert.categories", KT_OPT_STRING, NULL, 0, 0, F(alert_categories),
     "categories that alert (comma list; default incident)"},
    {"alert.incident_types", KT_OPT_STRING, NULL, 0, 0, F(alert_incident_types),
     "alert only on these incident types (comma list; default any)"},
    /* -1: no minimum; a minimum excludes records without a count. */
    {"alert.min_affected_count", KT_INT, "-1", -1, 0x7fffffffL,
     F(alert_min_affected_count),
     "alert only when affected_count >= this (-1: no minimum)"},
    {"alert.min.severity", KT_OPT_STRING, NULL, 0, 0, F(alert_min_severity),
     "alert only at or above this severity: low, medium, high (default low)"},
    {"alert.severity.high.types", KT_OPT_STRING, NULL, 0, 0,
     F(alert_high_types),
     "incident types that make an alert high (default "
     "payment_card_leak,ransomware)"},
    {"alert.severity.high.min_count", KT_INT, "10000", -1, 0x7fffffffL,
     F(alert_high_min_count),
     "affected_count that makes an alert high (-1: "
     "off)"},
    {"alert.severity.medium.types", KT_OPT_STRING, NULL, 0, 0,
     F(alert_medium_types),
     "incident types that make an alert medium (default "
     "unauthorized_access,malware,account_compromise)"},
    {"alert.severity.medium.min_count", KT_INT, "1000", -1, 0x7fffffffL,
     F(alert_medium_min_count),
     "affected_count that makes an alert medium (-1: off)"},
    {"webhook.url", KT_OPT_STRING, NULL, 0, 0, F(webhook_url),
     "dispatcher: the endpoint (https only; its addresses must be public)"},
    {"webhook.secret.file", KT_OPT_STRING, NULL, 0, 0, F(webhook_secret_file),
     "file holding the signing secrets (whsec_..., comma or newline "
     "separated: several for rotation); never logged"},
    {"webhook.secret.env", KT_OPT_STRING, NULL, 0, 0, F(webhook_secret_env),
     "NAME of an environment variable holding the secrets (comma list)"},
    {"webhook.ca.file", KT_OPT_STRING, NULL, 0, 0, F(webhook_ca_file),
     "PEM CA bundle to verify the endpoint with (default: system CAs); "
     "verification is always on"},
    /* Standard Webhooks: 15-30 s total is the norm; cap at 5 min. */
    {"webhook.connect.timeout.ms", KT_INT, "5000", 1, 300000,
     F(webhook_connect_timeout_ms), "TCP + TLS connect timeout of an attempt"},
    {"webhook.timeout.ms", KT_INT, "15000", 1, 300000, F(webhook_timeout_ms),
     "total timeout of an attempt (connect, send, response)"},
    {"webhook.max.response.bytes", KT_INT, "65536", 0, 16L << 20,
     F(webhook_max_response_bytes),
     "response body bytes read at most (the rest aborts the read)"},
    {"webhook.retry.schedule", KT_OPT_STRING, NULL, 0, 0,
     F(webhook_retry_schedule),
     "delay before each attempt, comma list of <n>ms|s|m|h (default "
     "0s,5s,5m,30m,2h,5h,10h,10h); +-20% jitter; then dead letter"},
    {"webhook.allow.loopback", KT_BOOL, "false", 0, 0,
     F(webhook_allow_loopback),
     "TEST/DEMO ONLY: allow a loopback endpoint (and plain http to it)"},
    {"webhook.max.in.flight", KT_INT, "8", 1, 256, F(webhook_max_in_flight),
     "concurrent webhook requests"},
    {"alerts.max.waiting", KT_INT, "10000", 1, 1000000, F(alerts_max_waiting),
     "dispatcher: alerts held in memory (queued or waiting for their next "
     "attempt) before consumption is paused"},
    /* ---- operations (issue 6; nf_http, nf_metrics) ---- */
    /* 9464: the port Prometheus exporters of this kind conventionally
     * use; the Kubernetes probes and the ServiceMonitor name it. */
    {"metrics.listen", KT_LISTEN, NF_HTTP_DEFAULT_LISTEN, 0, 0,
     F(metrics_listen),
     "HOST:PORT of /metrics, /healthz and /readyz ([::]:PORT for IPv6, "
     "port 0: any free one); empty: no endpoint"},
    /* Above rebalance.timeout.ms: a revoke drain blocks the loop that
     * long without being a stall. */
    {"health.stall.timeout.ms", KT_INT, "60000", 1000, 3600000,
     F(health_stall_ms),
     "/healthz answers 503 when the main loop has not turned for this "
     "long"},
    /* ---- SIEM-ready outputs (issue 5; nf_outputs, nf_ecs, nf_registry) */
    {"output.topic.incident.format", KT_STRING, "avro", 0, 0,
     F(format_incident),
     "format of output.topic.incident: avro or ecs-json (one Elastic "
     "Common Schema JSON document per record; schemas/ecs.md)"},
    {"output.topic.loyalty_campaign.format", KT_STRING, "avro", 0, 0,
     F(format_loyalty_campaign),
     "format of output.topic.loyalty_campaign: avro or ecs-json"},
    {"output.topic.other.format", KT_STRING, "avro", 0, 0, F(format_other),
     "format of output.topic.other: avro or ecs-json"},
    {"output.ecs.topic.incident", KT_OPT_TOPIC, NULL, 0, 0,
     F(ecs_topic_incident),
     "ALSO publish incident records as ECS JSON to this topic (Avro and "
     "ECS side by side); unset: no copy"},
    {"output.ecs.topic.loyalty_campaign", KT_OPT_TOPIC, NULL, 0, 0,
     F(ecs_topic_loyalty_campaign),
     "ALSO publish loyalty_campaign records as ECS JSON to this topic"},
    {"output.ecs.topic.other", KT_OPT_TOPIC, NULL, 0, 0, F(ecs_topic_other),
     "ALSO publish other records as ECS JSON to this topic"},
    /* ECS recommends keeping event.original; a notice can be 1 MiB, so
     * the copy is cut (on a UTF-8 boundary) to keep documents indexable. */
    {"output.ecs.original.max.bytes", KT_INT, "16384", 0, 16L << 20,
     F(ecs_original_max),
     "bytes of the notice text kept in ECS event.original (cut on a "
     "UTF-8 boundary; notice.original.truncated says so)"},
    {"output.avro.framing", KT_STRING, "single-object", 0, 0, F(avro_framing),
     "framing of every Avro topic: single-object (C3 01 + fingerprint) or "
     "confluent (00 + 4-byte schema id; needs schema.registry.url)"},
    {"output.topic.incident.avro.framing", KT_OPT_STRING, NULL, 0, 0,
     F(framing_incident),
     "framing of output.topic.incident (default output.avro.framing)"},
    {"output.topic.loyalty_campaign.avro.framing", KT_OPT_STRING, NULL, 0, 0,
     F(framing_loyalty_campaign),
     "framing of output.topic.loyalty_campaign (default "
     "output.avro.framing)"},
    {"output.topic.other.avro.framing", KT_OPT_STRING, NULL, 0, 0,
     F(framing_other),
     "framing of output.topic.other (default output.avro.framing)"},
    {"output.topic.dead_letter.avro.framing", KT_OPT_STRING, NULL, 0, 0,
     F(framing_dead_letter),
     "framing of output.topic.dead_letter (default output.avro.framing)"},
    {"schema.registry.url", KT_OPT_STRING, NULL, 0, 0, F(registry_url),
     "Confluent-compatible schema registry (http:// or https://), "
     "required by confluent framing; the worker consumes only once every "
     "confluent topic's schema has an id"},
    {"schema.registry.auto.register.schemas", KT_BOOL, "true", 0, 0,
     F(registry_auto_register),
     "register the worker's schemas at start; false: look them up only "
     "(they must already be registered)"},
    {"schema.registry.use.latest.version", KT_BOOL, "false", 0, 0,
     F(registry_use_latest),
     "with auto.register.schemas=false: use the subject's latest version "
     "(refused at start unless it is the worker's schema)"},
    {"schema.registry.subject.name.strategy", KT_STRING, "topic", 0, 0,
     F(registry_strategy),
     "subject naming: topic (<topic>-value, TopicNameStrategy), record "
     "(<record>, RecordNameStrategy) or topic_record (<topic>-<record>)"},
    {"schema.registry.basic.auth.user.info", KT_OPT_STRING, NULL, 0, 0,
     F(registry_user_info), "USER:PASSWORD for HTTP basic auth (never logged)"},
    {"schema.registry.ssl.ca.location", KT_OPT_STRING, NULL, 0, 0,
     F(registry_ca_file),
     "PEM CA bundle to verify the registry with (default: system CAs)"},
    {"schema.registry.timeout.ms", KT_INT, "10000", 1, 300000,
     F(registry_timeout_ms), "timeout of one registry request"},
    {"schema.registry.retries", KT_INT, "5", 0, 100, F(registry_retries),
     "retries of a failed request (unreachable, 5xx, 429) before the "
     "worker gives up (exit 1)"},
    {"schema.registry.retry.backoff.ms", KT_INT, "500", 0, 60000,
     F(registry_backoff_ms),
     "first retry delay; doubled each retry, at most 30 s"},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* Properties the at-least-once design depends on; set last on every conf,
 * and a user value must equal them. Aliases are listed as separate rows. */
static const struct forced {
    const char *name;
    const char *value;
    int consumer, producer; /* which sides it applies to */
    int alias;              /* 1: only checked (setting it warns) */
    const char *why;
} forced[] = {
    /* Offsets are stored by hand once outputs are acked. */
    {"enable.auto.offset.store", "false", 1, 0, 0, "offsets stored after ack"},
    /* The committer commits what was stored, periodically and on close. */
    {"enable.auto.commit", "true", 1, 0, 0,
     "stored offsets are auto-committed"},
    {"auto.commit.enable", "true", 1, 0, 1, "alias of enable.auto.commit"},
    /* A new group on a pre-filled topic must not skip history. */
    {"auto.offset.reset", "earliest", 1, 0, 0,
     "new groups read from the start"},
    /* Cooperative-sticky is buggy before librdkafka 2.4 (delivery.md). */
    {"partition.assignment.strategy", "range,roundrobin", 1, 0, 0,
     "eager assignor on librdkafka 2.0"},
    /* No duplicates or reordering from producer retries. */
    {"enable.idempotence", "true", 0, 1, 0, "idempotent producer"},
    {"acks", "all", 0, 1, 0, "outputs acked by all in-sync replicas"},
    {"request.required.acks", "all", 0, 1, 1, "alias of acks"},
};

#define N_FORCED (sizeof(forced) / sizeof(forced[0]))

/* Overridable defaults set before the user's properties. */
static const struct kv_default {
    const char *name;
    const char *value;
    int consumer, producer;
} defaults[] = {
    /* A DR timeout blocks the offset watermark and stops the worker, so
     * give the cluster time to recover first (delivery.md: >= 300 s). */
    {"message.timeout.ms", "300000", 0, 1},
    {"client.id", "noticeflow", 1, 1},
    /* Consumer lag and producer readiness come from the statistics
     * (nf_metrics); 0 disables both (the producer then counts as
     * connected). */
    {"statistics.interval.ms", "5000", 1, 1},
    /* Memory: librdkafka's 64 MiB prefetch and 1 GiB producer queue let
     * a worker working off a backlog peak at 140 MB RSS; with 16 MiB of
     * prefetch and 8 MiB of outputs awaiting acks it peaked at 60-64 MB
     * over 300,000 documents (deploy/README.md, Sizing). Not less
     * prefetch: 8 MiB halved the throughput, because librdkafka 2.0 backs
     * a partition off for a whole second once the queue is over its bound
     * (fetch.queue.backoff.ms came in 2.3). The producer queue has no such
     * stall: 8 MiB kept the throughput of 16 MiB. */
    {"queued.max.messages.kbytes", "16384", 1, 0},
    {"queue.buffering.max.kbytes", "8192", 0, 1},
    /* An alerting feed: librdkafka's 5 ms batching wait was most of the
     * median latency (6.5 ms at 1,000 docs/s; 2.8 ms with 1). Under load
     * batches fill while requests are in flight, so throughput held
     * (21.5k docs/s with 5 ms, 22.8k with 1; 0 cost ~5% and more CPU). */
    {"linger.ms", "1", 0, 1},
};

#define N_DEFAULTS (sizeof(defaults) / sizeof(defaults[0]))

/* ---- small helpers ---------------------------------------------------- */

static char *dupn(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static void *field(struct nf_config *cfg, const struct key *k)
{
    return (char *)cfg + k->off;
}

static const struct key *find_key(const char *name)
{
    size_t i;

    for (i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

static bool valid_topic(const char *t)
{
    size_t n = strlen(t), i;

    /* Kafka's rule: 1..249 of [A-Za-z0-9._-]. */
    if (n == 0 || n > 249)
        return false;
    for (i = 0; i < n; i++)
        if (!isalnum((unsigned char)t[i]) && t[i] != '.' && t[i] != '_' &&
            t[i] != '-')
            return false;
    return true;
}

/* ---- collected settings (before validation) --------------------------- */

struct setting {
    char *key; /* full key: table name or kafka.* */
    char *value;
    char *origin; /* "file:12", "env NOTICEFLOW_X", "-X" */
};

struct settings {
    struct setting *v;
    size_t n, cap;
};

static void settings_free(struct settings *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        free(s->v[i].key);
        free(s->v[i].value);
        free(s->v[i].origin);
    }
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

static int settings_add(struct settings *s, const char *key, size_t kl,
                        const char *val, size_t vl, const char *origin,
                        struct nf_err *err)
{
    struct setting *st;

    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 32;
        struct setting *v;

        if (s->n >= MAX_SETTINGS)
            return nf_err_set(err, NF_E_CONFIG, 0, "more than %d settings",
                              MAX_SETTINGS);
        v = realloc(s->v, cap * sizeof(*v));
        if (!v)
            return nf_err_set(err, NF_E_CONFIG, 0, "out of memory");
        s->v = v;
        s->cap = cap;
    }
    st = &s->v[s->n];
    st->key = dupn(key, kl);
    st->value = dupn(val, vl);
    st->origin = dupn(origin, strlen(origin));
    if (!st->key || !st->value || !st->origin) {
        free(st->key);
        free(st->value);
        free(st->origin);
        return nf_err_set(err, NF_E_CONFIG, 0, "out of memory");
    }
    s->n++;
    return 0;
}

/* A name is acceptable as a setting if it is a table key or a kafka.*
 * property with a non-empty property name. */
static bool known_name(const char *k)
{
    const char *p;

    if (find_key(k))
        return true;
    if (strncmp(k, "kafka.", 6) != 0)
        return false;
    p = k + 6;
    if (strncmp(p, "consumer.", 9) == 0)
        p += 9;
    else if (strncmp(p, "producer.", 9) == 0)
        p += 9;
    return *p != '\0';
}

/* ---- the three sources ------------------------------------------------ */

static int read_file(const char *path, struct settings *s, struct nf_err *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL, origin[64];
    size_t len, pos = 0;
    int rc = 0, line = 0;

    if (!f)
        return nf_err_set(err, NF_E_CONFIG, 0, "cannot open config %s: %s",
                          path, strerror(errno));
    buf = malloc(NF_CONFIG_MAX_FILE_BYTES + 1);
    if (!buf) {
        rc = nf_err_set(err, NF_E_CONFIG, 0, "out of memory");
        goto out;
    }
    len = fread(buf, 1, NF_CONFIG_MAX_FILE_BYTES + 1, f);
    if (ferror(f) || len > NF_CONFIG_MAX_FILE_BYTES) {
        rc = nf_err_set(err, NF_E_CONFIG, 0,
                        "cannot read config %s (unreadable or over %d bytes)",
                        path, NF_CONFIG_MAX_FILE_BYTES);
        goto out;
    }
    while (pos < len) {
        const char *ln = buf + pos, *eol = memchr(ln, '\n', len - pos);
        size_t n = eol ? (size_t)(eol - ln) : len - pos;
        const char *eq, *k, *v;
        size_t kl, vl;

        pos += n + (eol ? 1 : 0);
        line++;
        trim(&ln, &n);
        if (n == 0 || ln[0] == '#')
            continue;
        eq = memchr(ln, '=', n);
        if (!eq) {
            rc = nf_err_set(err, NF_E_CONFIG, 0, "%s:%d: expected key=value",
                            path, line);
            goto out;
        }
        k = ln;
        kl = (size_t)(eq - ln);
        v = eq + 1;
        vl = n - kl - 1;
        trim(&k, &kl);
        trim(&v, &vl);
        snprintf(origin, sizeof(origin), "line %d", line);
        rc = settings_add(s, k, kl, v, vl, origin, err);
        if (rc)
            goto out;
        if (!known_name(s->v[s->n - 1].key)) {
            rc = nf_err_set(err, NF_E_CONFIG, 0,
                            "%s:%d: unknown configuration key '%s'", path, line,
                            s->v[s->n - 1].key);
            goto out;
        }
    }
out:
    free(buf);
    fclose(f);
    return rc;
}

/* Env form of a key: upper case, '.' → '_'. */
static void env_form(const char *key, char *out, size_t cap)
{
    size_t i;

    for (i = 0; key[i] && i + 1 < cap; i++)
        out[i] = key[i] == '.' ? '_' : (char)toupper((unsigned char)key[i]);
    out[i] = '\0';
}

static int read_env(char *const *envp, struct settings *s, struct nf_err *err)
{
    static const char prefix[] = "NOTICEFLOW_";
    const size_t pl = sizeof(prefix) - 1;
    char name[256], ef[256], origin[300];
    size_t i, j;

    for (i = 0; envp && envp[i]; i++) {
        const char *e = envp[i], *eq = strchr(e, '=');
        size_t nl;
        const struct key *k = NULL;
        int rc;

        if (strncmp(e, prefix, pl) != 0 || !eq)
            continue;
        nl = (size_t)(eq - e) - pl;
        if (nl == 0 || nl >= sizeof(name))
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "bad environment variable name");
        memcpy(name, e + pl, nl);
        name[nl] = '\0';
        snprintf(origin, sizeof(origin), "env %s%s", prefix, name);
        for (j = 0; j < N_KEYS && !k; j++) {
            env_form(keys[j].name, ef, sizeof(ef));
            if (strcmp(ef, name) == 0)
                k = &keys[j];
        }
        if (k) {
            rc = settings_add(s, k->name, strlen(k->name), eq + 1,
                              strlen(eq + 1), origin, err);
        } else {
            /* kafka.* property: lower case, every '_' is a '.'. */
            for (j = 0; j < nl; j++)
                name[j] = name[j] == '_'
                              ? '.'
                              : (char)tolower((unsigned char)name[j]);
            if (!known_name(name))
                return nf_err_set(err, NF_E_CONFIG, 0,
                                  "unknown configuration variable %s%.*s",
                                  prefix, (int)nl, e + pl);
            rc = settings_add(s, name, nl, eq + 1, strlen(eq + 1), origin, err);
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int read_x(char *const *xargs, size_t n, struct settings *s,
                  struct nf_err *err)
{
    char key[512];
    size_t i;

    for (i = 0; i < n; i++) {
        const char *a = xargs[i], *eq = strchr(a, '='), *k = a, *v;
        size_t kl, vl;
        int rc;

        if (!eq)
            return nf_err_set(err, NF_E_CONFIG, 0, "-X %s: expected key=value",
                              a);
        kl = (size_t)(eq - a);
        v = eq + 1;
        vl = strlen(v);
        trim(&k, &kl);
        trim(&v, &vl);
        if (kl == 0 || kl + 7 > sizeof(key))
            return nf_err_set(err, NF_E_CONFIG, 0, "-X %s: bad key", a);
        memcpy(key, k, kl);
        key[kl] = '\0';
        if (!known_name(key)) {
            /* like kcat: a bare property is a librdkafka one */
            memmove(key + 6, key, kl + 1);
            memcpy(key, "kafka.", 6);
            kl += 6;
        }
        rc = settings_add(s, key, kl, v, vl, "-X", err);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- typed values ----------------------------------------------------- */

static void free_topics(char **t, size_t n)
{
    size_t i;

    for (i = 0; t && i < n; i++)
        free(t[i]);
    free(t);
}

static int parse_topics(const char *v, char ***out, size_t *n_out,
                        const char *key, struct nf_err *err)
{
    char **t = NULL;
    size_t n = 0;
    const char *p = v;
    int rc = 0;

    t = calloc(NF_CONFIG_MAX_TOPICS, sizeof(*t));
    if (!t)
        return nf_err_set(err, NF_E_CONFIG, 0, "out of memory");
    while (*p) {
        const char *c = strchr(p, ','), *s = p;
        size_t l = c ? (size_t)(c - p) : strlen(p);

        p += l + (c ? 1 : 0);
        trim(&s, &l);
        if (l == 0)
            continue;
        if (n == NF_CONFIG_MAX_TOPICS) {
            rc = nf_err_set(err, NF_E_CONFIG, 0, "%s: more than %d topics", key,
                            NF_CONFIG_MAX_TOPICS);
            goto fail;
        }
        t[n] = dupn(s, l);
        if (!t[n]) {
            rc = nf_err_set(err, NF_E_CONFIG, 0, "out of memory");
            goto fail;
        }
        n++;
        if (t[n - 1][0] != '^' && !valid_topic(t[n - 1])) {
            rc = nf_err_set(err, NF_E_CONFIG, 0, "%s: invalid topic name '%s'",
                            key, t[n - 1]);
            goto fail;
        }
    }
    if (n == 0) {
        rc = nf_err_set(err, NF_E_CONFIG, 0, "%s: no topic given", key);
        goto fail;
    }
    *out = t;
    *n_out = n;
    return 0;
fail:
    free_topics(t, n);
    return rc;
}

static int parse_long(const char *v, long min, long max, long *out,
                      const char *key, struct nf_err *err)
{
    char *end;
    long x;

    errno = 0;
    x = strtol(v, &end, 10);
    if (!*v || *end || errno || x < min || x > max)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "%s: '%s' is not an integer in [%ld, %ld]", key, v,
                          min, max);
    *out = x;
    return 0;
}

static int set_value(struct nf_config *cfg, const struct key *k, const char *v,
                     struct nf_err *err)
{
    void *f = field(cfg, k);

    switch (k->type) {
    case KT_STRING:
    case KT_TOPIC: {
        char *s;

        if (!*v)
            return nf_err_set(err, NF_E_CONFIG, 0, "%s: empty value", k->name);
        if (k->type == KT_TOPIC && !valid_topic(v))
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "%s: invalid topic name '%s'", k->name, v);
        s = dupn(v, strlen(v));
        if (!s)
            return nf_err_set(err, NF_E_CONFIG, 0, "out of memory");
        free(*(char **)f);
        *(char **)f = s;
        return 0;
    }
    case KT_TOPICS: {
        char **t = NULL;
        size_t n = 0;
        int rc = parse_topics(v, &t, &n, k->name, err);

        if (rc)
            return rc;
        free_topics(cfg->input_topics, cfg->n_input_topics);
        cfg->input_topics = t;
        cfg->n_input_topics = n;
        return 0;
    }
    case KT_OPT_STRING:
    case KT_OPT_TOPIC:
    case KT_LISTEN: {
        char *s = NULL;

        if (k->type == KT_OPT_TOPIC && *v && !valid_topic(v))
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "%s: invalid topic name '%s'", k->name, v);
        if (k->type == KT_LISTEN && *v) {
            struct nf_err lerr = {0};

            if (nf_http_parse_listen(v, NULL, NULL, &lerr) != 0)
                return nf_err_set(err, NF_E_CONFIG, 0, "%s: %s", k->name,
                                  lerr.msg);
        }
        if (*v) {
            s = dupn(v, strlen(v));
            if (!s)
                return nf_err_set(err, NF_E_CONFIG, 0, "out of memory");
        }
        free(*(char **)f);
        *(char **)f = s;
        return 0;
    }
    case KT_INT:
        return parse_long(v, k->min, k->max, (long *)f, k->name, err);
    case KT_BOOL:
        if (strcmp(v, "true") == 0)
            *(bool *)f = true;
        else if (strcmp(v, "false") == 0)
            *(bool *)f = false;
        else
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "%s: '%s' is not true or false", k->name, v);
        return 0;
    case KT_LOGLEVEL:
        if (nf_log_level_parse(v, (enum nf_log_level *)f) != 0)
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "%s: '%s' is not debug, info, warn or error",
                              k->name, v);
        return 0;
    }
    return nf_err_set(err, NF_E_CONFIG, 0, "%s: bad table entry", k->name);
}

static int kv_set(struct nf_kvlist *l, const char *key, const char *val,
                  struct nf_err *err)
{
    size_t i;
    char *v, *k;
    struct nf_kv *nv;

    v = dupn(val, strlen(val));
    if (!v)
        return nf_err_set(err, NF_E_CONFIG, 0, "out of memory");
    for (i = 0; i < l->n; i++)
        if (strcmp(l->v[i].key, key) == 0) {
            free(l->v[i].value);
            l->v[i].value = v;
            return 0;
        }
    if (l->n == NF_CONFIG_MAX_KAFKA_PROPS) {
        free(v);
        return nf_err_set(err, NF_E_CONFIG, 0, "more than %d kafka properties",
                          NF_CONFIG_MAX_KAFKA_PROPS);
    }
    k = dupn(key, strlen(key));
    nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
    if (!k || !nv) {
        free(k);
        free(v);
        if (nv)
            l->v = nv;
        return nf_err_set(err, NF_E_CONFIG, 0, "out of memory");
    }
    l->v = nv;
    l->v[l->n].key = k;
    l->v[l->n].value = v;
    l->n++;
    return 0;
}

static void kv_free(struct nf_kvlist *l)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        free(l->v[i].key);
        free(l->v[i].value);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* A user value for a forced property must mean the same thing. */
static bool same_value(const char *name, const char *want, const char *got)
{
    if (strcasecmp(want, got) == 0)
        return true;
    if (strcmp(want, "all") == 0 && strcmp(got, "-1") == 0)
        return true;
    (void)name;
    return false;
}

static int check_forced(const char *prop, const char *val, int consumer,
                        int producer, struct nf_err *err)
{
    size_t i;

    if (strcmp(prop, "group.id") == 0)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "kafka.group.id: use the key group.id");
    for (i = 0; i < N_FORCED; i++) {
        const struct forced *fp = &forced[i];

        if (strcmp(fp->name, prop) != 0)
            continue;
        if (!((consumer && fp->consumer) || (producer && fp->producer)))
            continue;
        if (!same_value(prop, fp->value, val))
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "kafka.%s: must be %s (%s); the worker sets it",
                              prop, fp->value, fp->why);
    }
    return 0;
}

static int apply_setting(struct nf_config *cfg, const struct setting *st,
                         struct nf_err *err)
{
    const struct key *k = find_key(st->key);
    const char *p;
    int rc;

    if (k)
        return set_value(cfg, k, st->value, err);
    /* known_name() guaranteed a kafka.* key */
    p = st->key + 6;
    if (strncmp(p, "consumer.", 9) == 0) {
        rc = check_forced(p + 9, st->value, 1, 0, err);
        return rc ? rc : kv_set(&cfg->kafka_consumer, p + 9, st->value, err);
    }
    if (strncmp(p, "producer.", 9) == 0) {
        rc = check_forced(p + 9, st->value, 0, 1, err);
        return rc ? rc : kv_set(&cfg->kafka_producer, p + 9, st->value, err);
    }
    rc = check_forced(p, st->value, 1, 1, err);
    return rc ? rc : kv_set(&cfg->kafka_common, p, st->value, err);
}

/* ---- public ----------------------------------------------------------- */

void nf_config_free(struct nf_config *cfg)
{
    size_t i;

    if (!cfg)
        return;
    for (i = 0; i < N_KEYS; i++)
        if (keys[i].type == KT_STRING || keys[i].type == KT_TOPIC ||
            keys[i].type == KT_OPT_STRING || keys[i].type == KT_OPT_TOPIC ||
            keys[i].type == KT_LISTEN)
            free(*(char **)field(cfg, &keys[i]));
    free_topics(cfg->input_topics, cfg->n_input_topics);
    kv_free(&cfg->kafka_common);
    kv_free(&cfg->kafka_consumer);
    kv_free(&cfg->kafka_producer);
    memset(cfg, 0, sizeof(*cfg));
}

static int conf_set(rd_kafka_conf_t *conf, const char *name, const char *val,
                    const char *shown, struct nf_err *err)
{
    char errstr[512];

    if (rd_kafka_conf_set(conf, name, val, errstr, sizeof(errstr)) !=
        RD_KAFKA_CONF_OK)
        return nf_err_set(err, NF_E_CONFIG, 0, "%s: %s", shown, errstr);
    return 0;
}

static int apply_list(const struct nf_kvlist *l, const char *prefix,
                      rd_kafka_conf_t *conf, struct nf_err *err)
{
    char shown[512];
    size_t i;
    int rc;

    for (i = 0; i < l->n; i++) {
        snprintf(shown, sizeof(shown), "%s%s", prefix, l->v[i].key);
        rc = conf_set(conf, l->v[i].key, l->v[i].value, shown, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* Exactly-once (nf_eos): input offsets go into each transaction, so the
 * consumer commits nothing itself and reads only committed input (an
 * upstream transactional producer's aborted records are not notices). A
 * message must not outlive its transaction: librdkafka refuses
 * message.timeout.ms > transaction.timeout.ms. transactional.id is set by
 * nf_eos (it names one replica). */
static int apply_eos(int cons, rd_kafka_conf_t *conf, struct nf_err *err)
{
    char txn[32], msg[32];
    size_t n = sizeof(txn), m = sizeof(msg);

    if (cons) {
        int rc = conf_set(conf, "enable.auto.commit", "false",
                          "enable.auto.commit", err);

        return rc ? rc
                  : conf_set(conf, "isolation.level", "read_committed",
                             "isolation.level", err);
    }
    if (rd_kafka_conf_get(conf, "transaction.timeout.ms", txn, &n) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_get(conf, "message.timeout.ms", msg, &m) !=
            RD_KAFKA_CONF_OK)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "transaction.timeout.ms: cannot be read");
    if (strtol(msg, NULL, 10) > strtol(txn, NULL, 10))
        return conf_set(conf, "message.timeout.ms", txn, "message.timeout.ms",
                        err);
    return 0;
}

/* A record larger than the whole producer queue would be refused with
 * QUEUE_FULL forever, which back-pressure takes for a busy broker: the
 * worker would stall instead of failing. */
static int check_queue_fits(rd_kafka_conf_t *conf, struct nf_err *err)
{
    char mmb[32], qkb[32];
    size_t n1 = sizeof(mmb), n2 = sizeof(qkb);
    long long max_bytes, queue_kb;

    if (rd_kafka_conf_get(conf, "message.max.bytes", mmb, &n1) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_get(conf, "queue.buffering.max.kbytes", qkb, &n2) !=
            RD_KAFKA_CONF_OK)
        return 0;
    max_bytes = strtoll(mmb, NULL, 10);
    queue_kb = strtoll(qkb, NULL, 10);
    if (max_bytes > queue_kb * 1024)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "kafka.producer.queue.buffering.max.kbytes (%lld) "
                          "must hold one message.max.bytes (%lld bytes)",
                          queue_kb, max_bytes);
    return 0;
}

int nf_config_apply_kafka(const struct nf_config *cfg, enum nf_kafka_side side,
                          rd_kafka_conf_t *conf, struct nf_err *err)
{
    int cons = side == NF_KAFKA_CONSUMER, rc;
    size_t i;

    for (i = 0; i < N_DEFAULTS; i++)
        if (cons ? defaults[i].consumer : defaults[i].producer) {
            rc = conf_set(conf, defaults[i].name, defaults[i].value,
                          defaults[i].name, err);
            if (rc)
                return rc;
        }
    rc = apply_list(&cfg->kafka_common, "kafka.", conf, err);
    if (rc)
        return rc;
    rc = cons ? apply_list(&cfg->kafka_consumer, "kafka.consumer.", conf, err)
              : apply_list(&cfg->kafka_producer, "kafka.producer.", conf, err);
    if (rc)
        return rc;
    if (cons && cfg->group_id) {
        rc = conf_set(conf, "group.id", cfg->group_id, "group.id", err);
        if (rc)
            return rc;
    }
    for (i = 0; i < N_FORCED; i++)
        if ((cons ? forced[i].consumer : forced[i].producer) &&
            !forced[i].alias) {
            rc = conf_set(conf, forced[i].name, forced[i].value, forced[i].name,
                          err);
            if (rc)
                return rc;
        }
    if (!cons) {
        rc = check_queue_fits(conf, err);
        if (rc)
            return rc;
    }
    return cfg->exactly_once ? apply_eos(cons, conf, err) : 0;
}

int nf_config_load(struct nf_config *cfg, const char *path, char *const *envp,
                   char *const *xargs, size_t n_xargs, struct nf_err *err)
{
    struct settings s = {0};
    bool seen[N_KEYS] = {false};
    rd_kafka_conf_t *conf = NULL;
    size_t i;
    int rc;

    memset(cfg, 0, sizeof(*cfg));
    if (path) {
        rc = read_file(path, &s, err);
        if (rc)
            goto fail;
    }
    rc = read_env(envp, &s, err);
    if (rc)
        goto fail;
    rc = read_x(xargs, n_xargs, &s, err);
    if (rc)
        goto fail;
    /* defaults first, then every setting in precedence order */
    for (i = 0; i < N_KEYS; i++)
        if (keys[i].def) {
            rc = set_value(cfg, &keys[i], keys[i].def, err);
            if (rc)
                goto fail;
        }
    for (i = 0; i < s.n; i++) {
        const struct key *k = find_key(s.v[i].key);

        rc = apply_setting(cfg, &s.v[i], err);
        if (rc && err) {
            /* name the source too: "group.id: empty value (env ...)" */
            size_t l = strlen(err->msg);
            snprintf(err->msg + l, sizeof(err->msg) - l, " (%s)",
                     s.v[i].origin);
        }
        if (rc)
            goto fail;
        if (k)
            seen[k - keys] = true;
    }
    for (i = 0; i < N_KEYS; i++)
        if (!keys[i].def && !seen[i] && keys[i].type != KT_OPT_STRING &&
            keys[i].type != KT_OPT_TOPIC) {
            rc = nf_err_set(err, NF_E_CONFIG, 0,
                            "missing required configuration key '%s'",
                            keys[i].name);
            goto fail;
        }
    /* output formats, framings and the registry need are checked now */
    {
        struct nf_outputs plan;

        rc = nf_outputs_from_config(cfg, &plan, err);
        if (rc)
            goto fail;
    }
    if (strcmp(cfg->delivery_mode, "exactly-once") == 0) {
        cfg->exactly_once = true;
    } else if (strcmp(cfg->delivery_mode, "at-least-once") != 0) {
        rc = nf_err_set(err, NF_E_CONFIG, 0,
                        "delivery.mode: '%s' is not at-least-once or "
                        "exactly-once",
                        cfg->delivery_mode);
        goto fail;
    }
    if (cfg->exactly_once && cfg->unsafe_store_before_produce) {
        rc = nf_err_set(err, NF_E_CONFIG, 0,
                        "testing.unsafe.store.before.produce: "
                        "at-least-once mode only");
        goto fail;
    }
    /* alert.* lists and severities are refused now, naming the key */
    {
        struct nf_alert_rules rules;

        rc = nf_alert_rules_from_config(cfg, &rules, err);
        if (rc)
            goto fail;
    }
    /* Try the kafka properties on scratch confs: unknown names and bad
     * values are refused now, naming the key. */
    for (i = 0; i < 2; i++) {
        conf = rd_kafka_conf_new();
        rc = nf_config_apply_kafka(
            cfg, i == 0 ? NF_KAFKA_CONSUMER : NF_KAFKA_PRODUCER, conf, err);
        rd_kafka_conf_destroy(conf);
        if (rc)
            goto fail;
    }
    settings_free(&s);
    return 0;
fail:
    settings_free(&s);
    nf_config_free(cfg);
    if (err)
        err->code = NF_E_CONFIG;
    return NF_E_CONFIG;
}

bool nf_config_is_secret(const char *prop)
{
    /* Substrings that mark librdkafka secrets: sasl.password,
     * ssl.key.password, ssl.keystore.password, ssl.key.pem,
     * sasl.oauthbearer.client.secret, sasl.oauthbearer.config. */
    static const char *const marks[] = {"password", "secret", "key.pem",
                                        "oauthbearer.config"};
    size_t i;

    for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
        if (strstr(prop, marks[i]))
            return true;
    return false;
}

static const char *type_name(enum ktype t)
{
    switch (t) {
    case KT_STRING:
        return "string";
    case KT_TOPICS:
        return "topic list";
    case KT_TOPIC:
        return "topic";
    case KT_INT:
        return "int";
    case KT_BOOL:
        return "bool";
    case KT_LOGLEVEL:
        return "level";
    case KT_OPT_STRING:
        return "string";
    case KT_OPT_TOPIC:
        return "topic";
    case KT_LISTEN:
        return "host:port";
    }
    return "?";
}

void nf_config_print_reference(FILE *f)
{
    size_t i;

    fprintf(f, "| key | type | default | meaning |\n|---|---|---|---|\n");
    for (i = 0; i < N_KEYS; i++) {
        const struct key *k = &keys[i];

        fprintf(f, "| `%s` | %s", k->name, type_name(k->type));
        if (k->type == KT_INT)
            fprintf(f, " %ld..%ld", k->min, k->max);
        fprintf(f, " | %s | %s |\n",
                k->def ? k->def
                : k->type == KT_OPT_STRING || k->type == KT_OPT_TOPIC
                    ? "(unset)"
                    : "(required)",
                k->help);
    }
    fprintf(f, "| `kafka.<prop>` | string | | librdkafka property for both "
               "clients |\n"
               "| `kafka.consumer.<prop>`, `kafka.producer.<prop>` | string "
               "| | for one client only |\n");
    fprintf(f, "\nSet by the worker (a kafka.* value must be the same):\n\n");
    for (i = 0; i < N_FORCED; i++)
        if (!forced[i].alias)
            fprintf(f, "- `%s=%s` (%s%s%s): %s\n", forced[i].name,
                    forced[i].value, forced[i].consumer ? "consumer" : "",
                    forced[i].consumer && forced[i].producer ? ", " : "",
                    forced[i].producer ? "producer" : "", forced[i].why);
    fprintf(f, "\nDefaults that may be overridden:\n\n");
    for (i = 0; i < N_DEFAULTS; i++)
        fprintf(f, "- `%s=%s`\n", defaults[i].name, defaults[i].value);
}

static void log_list(const struct nf_kvlist *l, const char *prefix)
{
    size_t i;
    char name[512];

    for (i = 0; i < l->n; i++) {
        snprintf(name, sizeof(name), "%s%s", prefix, l->v[i].key);
        nf_log(NF_LOG_INFO, "config", "{s:s,s:s}", "key", name, "value",
               nf_config_is_secret(l->v[i].key) ? "***" : l->v[i].value);
    }
}

void nf_config_log(const struct nf_config *cfg)
{
    char topics[1024];
    size_t i, o = 0;

    topics[0] = '\0';
    for (i = 0; i < cfg->n_input_topics && o < sizeof(topics); i++)
        o += (size_t)snprintf(topics + o, sizeof(topics) - o, "%s%s",
                              i ? "," : "", cfg->input_topics[i]);
    nf_log(NF_LOG_INFO, "config", "{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:b}",
           "input.topics", topics, "group.id", cfg->group_id,
           "output.topic.incident", cfg->topic_incident,
           "output.topic.loyalty_campaign", cfg->topic_loyalty_campaign,
           "output.topic.other", cfg->topic_other, "output.topic.dead_letter",
           cfg->topic_dead_letter, "worker.threads", (json_int_t)cfg->threads,
           "enrich.max.bytes", (json_int_t)cfg->max_bytes, "worker.queue.max",
           (json_int_t)cfg->queue_max, "testing.unsafe.store.before.produce",
           (int)cfg->unsafe_store_before_produce);
    log_list(&cfg->kafka_common, "kafka.");
    log_list(&cfg->kafka_consumer, "kafka.consumer.");
    log_list(&cfg->kafka_producer, "kafka.producer.");
}
