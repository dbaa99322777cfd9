/*
 * nf_metrics.c - counters, histograms, gauges and health of one process,
 * in the Prometheus text format.
 *
 * Hot path: a counter is one relaxed atomic add on a fixed slot, found by
 * a short strcmp scan of the topic table (<= 64 names, append-only: the
 * single writer fills a slot before publishing the new count with release
 * order, readers load it with acquire order, so no lock is needed). A
 * histogram observation is two atomic adds (its bucket, the sum); buckets
 * are stored non-cumulative and summed at render time, so a scrape never
 * shows a bucket above the next one.
 *
 * Consumer lag comes from librdkafka's statistics (statistics.interval.ms,
 * default 5 s in nf_config): every consumer document replaces the lag
 * table (under a mutex: it is written every few seconds and read by
 * scrapes, never on the message path). Only partitions the document marks
 * as assigned ("desired") with a known lag (>= 0) are kept, and only for
 * topics of the table, so a series can never be duplicated.
 *
 * Readiness: "assignment held" is driven by the rebalance callbacks (set
 * on assign, cleared on revoke or loss), "producer connected" by the
 * producer's statistics (some broker UP and, when the idempotent producer
 * is on, its producer id "Assigned": before that nothing can be produced).
 *
 * Discarded: a client library (prometheus-client-c: not in Debian, and
 * its registry allocates per label set) and labels built from message
 * data (unbounded series).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "nf_buf.h"
#include "nf_err.h"
#include "nf_metrics.h"

/* Kafka topic names are at most 249 bytes. */
#define TOPIC_MAX 249
/* Error reasons: core codes, shell codes, one "other" slot. */
#define N_CORE_CODES  NF_E__COUNT
#define N_SHELL_CODES (NF_E_SHELL__END - NF_E_SHELL_BASE)
#define N_REASONS     (N_CORE_CODES + N_SHELL_CODES + 1)
/* Rendered text cap (a few thousand series at most). */
#define RENDER_MAX ((size_t)8 << 20)

/* Latency buckets, as in Prometheus' client defaults widened both ways:
 * enrichment of a notice takes well under a millisecond, a webhook
 * attempt or a produce under a broker hiccup seconds. */
static const struct bucket {
    int64_t us;
    const char *le;
} buckets[] = {
    {100, "0.0001"},  {250, "0.00025"}, {500, "0.0005"},  {1000, "0.001"},
    {2500, "0.0025"}, {5000, "0.005"},  {10000, "0.01"},  {25000, "0.025"},
    {50000, "0.05"},  {100000, "0.1"},  {250000, "0.25"}, {500000, "0.5"},
    {1000000, "1"},   {2500000, "2.5"}, {5000000, "5"},   {10000000, "10"},
    {30000000, "30"}, {60000000, "60"},
};

#define N_BUCKETS (sizeof(buckets) / sizeof(buckets[0]))

static const struct hist_def {
    const char *name;
    const char *help;
} hist_defs[NF_METRICS_H__COUNT] = {
    {"noticeflow_processing_seconds",
     "Time from consuming an input to the acknowledgement of its output"},
    {"noticeflow_enrich_seconds",
     "Time of one enrichment (envelope, core, Avro encoding)"},
    {"noticeflow_webhook_request_seconds",
     "Time of one webhook attempt (connect, send, response)"},
};

static const char *const rebalance_names[NF_METRICS_REBALANCE__COUNT] = {
    "assign", "revoke", "lost"};

static const char *const alert_names[NF_METRICS_ALERT__COUNT] = {
    "noticeflow_alerts_sent_total", "noticeflow_alerts_retried_total",
    "noticeflow_alerts_failed_total"};

/* Reasons a webhook alert is dead-lettered (nf_dispatch). */
static const char *const alert_fail_reasons[] = {
    "http_status", "retries_exhausted", "invalid_alert", "other"};

#define N_ALERT_FAIL                                                           \
    (sizeof(alert_fail_reasons) / sizeof(alert_fail_reasons[0]))

/* Reasons a record is dead-lettered: always rendered, even at zero, so a
 * rate() sees the first one. Other codes appear once they happen. */
static const int dlq_codes[] = {
    NF_E_UTF8,  NF_E_BINARY,   NF_E_EMPTY,         NF_E_TOO_LARGE,
    NF_E_NOMEM, NF_E_OVERFLOW, NF_E_ENVELOPE_JSON, NF_E_ENVELOPE_INVALID,
};

struct hist {
    atomic_ullong b[N_BUCKETS + 1]; /* the last one is +Inf */
    atomic_ullong sum_us;
};

struct lag {
    int topic; /* slot */
    int32_t partition;
    int64_t lag;
};

static struct {
    const char *role, *version;
    long stall_ms;
    int64_t start_wall_s;
    /* slot 0 is "_other"; slots 1..n_topics hold names */
    char topics[NF_METRICS_MAX_TOPICS][TOPIC_MAX + 1];
    atomic_uint kinds[NF_METRICS_MAX_TOPICS];
    atomic_int n_topics;
    atomic_ullong consumed[NF_METRICS_MAX_TOPICS];
    atomic_ullong produced[NF_METRICS_MAX_TOPICS];
    atomic_ullong dead[NF_METRICS_MAX_TOPICS];
    atomic_ullong reasons[N_REASONS];
    atomic_ullong delivery_errors;
    atomic_ullong rebalances[NF_METRICS_REBALANCE__COUNT];
    atomic_ullong alerts[NF_METRICS_ALERT__COUNT];
    atomic_ullong alert_fail[N_ALERT_FAIL];
    atomic_ullong stats_docs, stats_errors;
    struct hist h[NF_METRICS_H__COUNT];
    atomic_llong in_flight;
    atomic_llong beat_us;
    atomic_bool assigned, draining, producer_up;
    struct lag lag[NF_METRICS_MAX_LAG];
    size_t n_lag;
} reg;

static pthread_mutex_t lag_mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- registry --------------------------------------------------------- */

static void zero(atomic_ullong *a, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        atomic_store(&a[i], 0);
}

#define ZERO(arr) zero(arr, sizeof(arr) / sizeof((arr)[0]))

void nf_metrics_init(const char *role, const char *version, long stall_ms)
{
    size_t i;

    reg.role = role;
    reg.version = version;
    reg.stall_ms = stall_ms;
    reg.start_wall_s = (int64_t)time(NULL);
    atomic_store(&reg.n_topics, 0);
    for (i = 0; i < NF_METRICS_MAX_TOPICS; i++)
        atomic_store(&reg.kinds[i], 0);
    ZERO(reg.consumed);
    ZERO(reg.produced);
    ZERO(reg.dead);
    ZERO(reg.reasons);
    ZERO(reg.rebalances);
    ZERO(reg.alerts);
    ZERO(reg.alert_fail);
    atomic_store(&reg.delivery_errors, 0);
    atomic_store(&reg.stats_docs, 0);
    atomic_store(&reg.stats_errors, 0);
    for (i = 0; i < NF_METRICS_H__COUNT; i++) {
        ZERO(reg.h[i].b);
        atomic_store(&reg.h[i].sum_us, 0);
    }
    atomic_store(&reg.in_flight, 0);
    atomic_store(&reg.beat_us, nf_metrics_now_us());
    atomic_store(&reg.assigned, false);
    atomic_store(&reg.draining, false);
    atomic_store(&reg.producer_up, false);
    pthread_mutex_lock(&lag_mu);
    reg.n_lag = 0;
    pthread_mutex_unlock(&lag_mu);
}

static int topic_slot(const char *topic)
{
    int i, n = atomic_load_explicit(&reg.n_topics, memory_order_acquire);

    if (!topic)
        return 0;
    for (i = 1; i <= n; i++)
        if (strcmp(reg.topics[i], topic) == 0)
            return i;
    return 0;
}

int nf_metrics_add_topic(const char *topic, unsigned kinds)
{
    int slot = topic_slot(topic),
        n = atomic_load_explicit(&reg.n_topics, memory_order_relaxed);

    if (slot) {
        atomic_fetch_or(&reg.kinds[slot], kinds);
        return slot;
    }
    if (!topic || !*topic || strlen(topic) > TOPIC_MAX ||
        n + 1 >= NF_METRICS_MAX_TOPICS)
        return slot;
    snprintf(reg.topics[n + 1], sizeof(reg.topics[n + 1]), "%s", topic);
    atomic_store(&reg.kinds[n + 1], kinds);
    /* publish the name before the slot becomes visible */
    atomic_store_explicit(&reg.n_topics, n + 1, memory_order_release);
    return n + 1;
}

static void inc(atomic_ullong *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

void nf_metrics_consumed(const char *topic)
{
    inc(&reg.consumed[topic_slot(topic)]);
}

void nf_metrics_produced(const char *topic)
{
    inc(&reg.produced[topic_slot(topic)]);
}

void nf_metrics_dead_lettered(const char *topic)
{
    inc(&reg.dead[topic_slot(topic)]);
}

static size_t reason_slot(int code)
{
    if (code >= 0 && code < N_CORE_CODES)
        return (size_t)code;
    if (code >= NF_E_SHELL_BASE && code < NF_E_SHELL__END)
        return (size_t)(N_CORE_CODES + code - NF_E_SHELL_BASE);
    return N_REASONS - 1;
}

void nf_metrics_enrich_error(int code)
{
    inc(&reg.reasons[reason_slot(code)]);
}

void nf_metrics_delivery_error(void)
{
    inc(&reg.delivery_errors);
}

void nf_metrics_rebalance(enum nf_metrics_rebalance kind)
{
    if ((unsigned)kind < NF_METRICS_REBALANCE__COUNT)
        inc(&reg.rebalances[kind]);
}

void nf_metrics_alert(enum nf_metrics_alert outcome, const char *reason)
{
    size_t i;

    if ((unsigned)outcome >= NF_METRICS_ALERT__COUNT)
        return;
    inc(&reg.alerts[outcome]);
    if (outcome != NF_METRICS_ALERT_FAILED)
        return;
    for (i = 0; i + 1 < N_ALERT_FAIL; i++)
        if (reason && strcmp(reason, alert_fail_reasons[i]) == 0)
            break;
    inc(&reg.alert_fail[i]);
}

void nf_metrics_observe(enum nf_metrics_hist h, int64_t us)
{
    size_t i;

    if ((unsigned)h >= NF_METRICS_H__COUNT)
        return;
    if (us < 0)
        us = 0;
    for (i = 0; i < N_BUCKETS && us > buckets[i].us; i++)
        ;
    inc(&reg.h[h].b[i]);
    atomic_fetch_add_explicit(&reg.h[h].sum_us, (unsigned long long)us,
                              memory_order_relaxed);
}

void nf_metrics_set_in_flight(long long n)
{
    atomic_store_explicit(&reg.in_flight, n, memory_order_relaxed);
}

int64_t nf_metrics_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- health ------------------------------------------------------------ */

void nf_metrics_heartbeat(void)
{
    atomic_store_explicit(&reg.beat_us, nf_metrics_now_us(),
                          memory_order_relaxed);
}

void nf_metrics_set_assigned(bool held)
{
    atomic_store(&reg.assigned, held);
    if (!held) {
        /* the lag of partitions we no longer own is someone else's */
        pthread_mutex_lock(&lag_mu);
        reg.n_lag = 0;
        pthread_mutex_unlock(&lag_mu);
    }
}

void nf_metrics_set_draining(bool draining)
{
    atomic_store(&reg.draining, draining);
}

void nf_metrics_set_producer_connected(bool up)
{
    atomic_store(&reg.producer_up, up);
}

bool nf_metrics_ready(char *why, size_t cap)
{
    bool a = atomic_load(&reg.assigned), p = atomic_load(&reg.producer_up),
         d = atomic_load(&reg.draining), ok = a && p && !d;

    if (why && cap)
        snprintf(why, cap,
                 "{\"ready\":%s,\"assignment_held\":%s,"
                 "\"producer_connected\":%s,\"draining\":%s}\n",
                 ok ? "true" : "false", a ? "true" : "false",
                 p ? "true" : "false", d ? "true" : "false");
    return ok;
}

bool nf_metrics_alive(char *why, size_t cap)
{
    int64_t age_ms = (nf_metrics_now_us() - atomic_load(&reg.beat_us)) / 1000;
    bool ok = age_ms <= reg.stall_ms;

    if (why && cap)
        snprintf(why, cap, "{\"alive\":%s,\"last_beat_ms_ago\":%lld}\n",
                 ok ? "true" : "false", (long long)age_ms);
    return ok;
}

/* ---- librdkafka statistics -------------------------------------------- */

static int stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
    (void)opaque;
    nf_metrics_parse_stats(rd_kafka_type(rk) == RD_KAFKA_PRODUCER, json, len);
    return 0; /* librdkafka frees json */
}

void nf_metrics_install(rd_kafka_conf_t *conf, bool producer)
{
    char v[32];
    size_t n = sizeof(v);

    rd_kafka_conf_set_stats_cb(conf, stats_cb);
    if (producer && (rd_kafka_conf_get(conf, "statistics.interval.ms", v, &n) !=
                         RD_KAFKA_CONF_OK ||
                     strcmp(v, "0") == 0))
        atomic_store(&reg.producer_up, true);
}

static void parse_consumer(json_t *root)
{
    json_t *topics = json_object_get(root, "topics"), *t, *parts, *p;
    const char *tname, *pname;
    struct lag tmp[NF_METRICS_MAX_LAG];
    size_t n = 0;

    json_object_foreach(topics, tname, t)
    {
        int slot = topic_slot(tname);

        if (!slot)
            continue;
        parts = json_object_get(t, "partitions");
        json_object_foreach(parts, pname, p)
        {
            json_int_t part =
                json_integer_value(json_object_get(p, "partition"));
            json_int_t lag =
                json_integer_value(json_object_get(p, "consumer_lag"));

            (void)pname;
            if (part < 0 || !json_is_true(json_object_get(p, "desired")) ||
                !json_is_integer(json_object_get(p, "consumer_lag")) ||
                lag < 0 || n == NF_METRICS_MAX_LAG)
                continue;
            tmp[n].topic = slot;
            tmp[n].partition = (int32_t)part;
            tmp[n].lag = (int64_t)lag;
            n++;
        }
    }
    pthread_mutex_lock(&lag_mu);
    /* revoked meanwhile: keep the table empty */
    if (!atomic_load(&reg.assigned))
        n = 0;
    memcpy(reg.lag, tmp, n * sizeof(tmp[0]));
    reg.n_lag = n;
    pthread_mutex_unlock(&lag_mu);
}

static void parse_producer(json_t *root)
{
    json_t *brokers = json_object_get(root, "brokers"), *b;
    json_t *eos = json_object_get(root, "eos");
    const char *name, *idemp;
    bool up = false;

    json_object_foreach(brokers, name, b)
    {
        const char *st = json_string_value(json_object_get(b, "state"));

        (void)name;
        if (json_integer_value(json_object_get(b, "nodeid")) >= 0 && st &&
            strcmp(st, "UP") == 0)
            up = true;
    }
    /* "eos" is present only with enable.idempotence=true */
    idemp = json_string_value(json_object_get(eos, "idemp_state"));
    if (eos && (!idemp || strcmp(idemp, "Assigned") != 0))
        up = false;
    atomic_store(&reg.producer_up, up);
}

int nf_metrics_parse_stats(bool producer, const char *json, size_t len)
{
    json_t *root = json_loadb(json, len, 0, NULL);

    if (!json_is_object(root)) {
        json_decref(root);
        inc(&reg.stats_errors);
        return -1;
    }
    inc(&reg.stats_docs);
    if (producer)
        parse_producer(root);
    else
        parse_consumer(root);
    json_decref(root);
    return 0;
}

/* ---- rendering ---------------------------------------------------------- */

static void outf(struct nf_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void outf(struct nf_buf *b, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line)) {
        b->failed = true; /* never emit a cut line */
        return;
    }
    nf_buf_append(b, line, (size_t)n);
}

static void head(struct nf_buf *b, const char *name, const char *type,
                 const char *help)
{
    outf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static unsigned long long get(atomic_ullong *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

static const char *topic_name(int slot)
{
    return slot ? reg.topics[slot] : "_other";
}

/* One counter per topic of @p kind, others (and "_other") once they
 * counted. */
static void per_topic(struct nf_buf *b, const char *name, const char *help,
                      atomic_ullong *c, int n_topics, unsigned kind)
{
    int i;

    head(b, name, "counter", help);
    for (i = 0; i <= n_topics; i++)
        if ((i > 0 && (atomic_load(&reg.kinds[i]) & kind)) || get(&c[i]))
            outf(b, "%s{topic=\"%s\"} %llu\n", name, topic_name(i), get(&c[i]));
}

static void render_reasons(struct nf_buf *b)
{
    const char *name = "noticeflow_enrich_errors_total";
    bool shown[N_REASONS] = {false};
    size_t i;
    int code;

    head(b, name, "counter",
         "Inputs refused by the pipeline (dead-lettered), by reason");
    for (i = 0; i < sizeof(dlq_codes) / sizeof(dlq_codes[0]); i++) {
        size_t s = reason_slot(dlq_codes[i]);

        shown[s] = true;
        outf(b, "%s{reason=\"%s\"} %llu\n", name, nf_err_name(dlq_codes[i]),
             get(&reg.reasons[s]));
    }
    for (code = 0; code < NF_E_SHELL__END; code++) {
        size_t s;

        if (code == N_CORE_CODES)
            code = NF_E_SHELL_BASE;
        s = reason_slot(code);
        if (!shown[s] && get(&reg.reasons[s]))
            outf(b, "%s{reason=\"%s\"} %llu\n", name, nf_err_name(code),
                 get(&reg.reasons[s]));
    }
    if (get(&reg.reasons[N_REASONS - 1]))
        outf(b, "%s{reason=\"other\"} %llu\n", name,
             get(&reg.reasons[N_REASONS - 1]));
}

static void render_hist(struct nf_buf *b, enum nf_metrics_hist h)
{
    const char *name = hist_defs[h].name;
    unsigned long long cum = 0;
    size_t i;

    head(b, name, "histogram", hist_defs[h].help);
    for (i = 0; i < N_BUCKETS; i++) {
        cum += get(&reg.h[h].b[i]);
        outf(b, "%s_bucket{le=\"%s\"} %llu\n", name, buckets[i].le, cum);
    }
    cum += get(&reg.h[h].b[N_BUCKETS]);
    outf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name, cum);
    outf(b, "%s_sum %.6f\n", name, (double)get(&reg.h[h].sum_us) / 1e6);
    outf(b, "%s_count %llu\n", name, cum);
}

static void render_lag(struct nf_buf *b)
{
    const char *name = "noticeflow_consumer_lag";
    size_t i;

    head(b, name, "gauge",
         "Messages between the committed offset and the end of each "
         "assigned partition (librdkafka statistics)");
    pthread_mutex_lock(&lag_mu);
    for (i = 0; i < reg.n_lag; i++)
        outf(b, "%s{topic=\"%s\",partition=\"%d\"} %lld\n", name,
             topic_name(reg.lag[i].topic), (int)reg.lag[i].partition,
             (long long)reg.lag[i].lag);
    pthread_mutex_unlock(&lag_mu);
}

static void gauge(struct nf_buf *b, const char *name, const char *help,
                  long long v)
{
    head(b, name, "gauge", help);
    outf(b, "%s %lld\n", name, v);
}

char *nf_metrics_render(size_t *len)
{
    struct nf_buf b = {0};
    int n = atomic_load_explicit(&reg.n_topics, memory_order_acquire);
    size_t i;

    b.max = RENDER_MAX;
    head(&b, "noticeflow_build_info", "gauge", "Version and role (value 1)");
    outf(&b, "noticeflow_build_info{version=\"%s\",role=\"%s\"} 1\n",
         reg.version ? reg.version : "", reg.role ? reg.role : "");
    gauge(&b, "noticeflow_start_time_seconds",
          "Start of the process (Unix time)", (long long)reg.start_wall_s);
    per_topic(&b, "noticeflow_messages_consumed_total",
              "Messages taken from an input topic", reg.consumed, n,
              NF_METRICS_TOPIC_IN);
    per_topic(&b, "noticeflow_messages_produced_total",
              "Records acknowledged on an output topic", reg.produced, n,
              NF_METRICS_TOPIC_OUT);
    per_topic(&b, "noticeflow_messages_dead_lettered_total",
              "Inputs of a topic whose dead letter was acknowledged", reg.dead,
              n, NF_METRICS_TOPIC_IN);
    render_reasons(&b);
    head(&b, "noticeflow_delivery_errors_total", "counter",
         "Failed delivery reports (the process stops without storing)");
    outf(&b, "noticeflow_delivery_errors_total %llu\n",
         get(&reg.delivery_errors));
    head(&b, "noticeflow_rebalances_total", "counter",
         "Consumer group rebalance events");
    for (i = 0; i < NF_METRICS_REBALANCE__COUNT; i++)
        outf(&b, "noticeflow_rebalances_total{event=\"%s\"} %llu\n",
             rebalance_names[i], get(&reg.rebalances[i]));
    for (i = 0; i < NF_METRICS_ALERT__COUNT; i++) {
        head(&b, alert_names[i], "counter",
             i == NF_METRICS_ALERT_SENT      ? "Webhook alerts delivered (2xx)"
             : i == NF_METRICS_ALERT_RETRIED ? "Webhook attempts that failed "
                                               "and were parked for a retry"
                                             : "Webhook alerts dead-lettered, "
                                               "by reason");
        if (i != NF_METRICS_ALERT_FAILED) {
            outf(&b, "%s %llu\n", alert_names[i], get(&reg.alerts[i]));
        } else {
            size_t r;

            for (r = 0; r < N_ALERT_FAIL; r++)
                outf(&b, "%s{reason=\"%s\"} %llu\n", alert_names[i],
                     alert_fail_reasons[r], get(&reg.alert_fail[r]));
        }
    }
    for (i = 0; i < NF_METRICS_H__COUNT; i++)
        render_hist(&b, (enum nf_metrics_hist)i);
    gauge(&b, "noticeflow_in_flight_messages",
          "Messages consumed whose outputs are not yet acknowledged",
          atomic_load(&reg.in_flight));
    render_lag(&b);
    gauge(&b, "noticeflow_assignment_held",
          "1 while the consumer group assignment is held",
          atomic_load(&reg.assigned));
    gauge(&b, "noticeflow_producer_connected",
          "1 while the producer has a broker up (and a producer id)",
          atomic_load(&reg.producer_up));
    gauge(&b, "noticeflow_draining", "1 while stopping (draining)",
          atomic_load(&reg.draining));
    gauge(&b, "noticeflow_ready", "1 while /readyz answers 200",
          nf_metrics_ready(NULL, 0));
    head(&b, "noticeflow_kafka_stats_total", "counter",
         "librdkafka statistics documents digested");
    outf(&b, "noticeflow_kafka_stats_total %llu\n", get(&reg.stats_docs));
    if (b.failed) {
        nf_buf_free(&b);
        return NULL;
    }
    return nf_buf_release(&b, len);
}
