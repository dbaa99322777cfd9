/*
 * nf_dispatch.c - the alert dispatcher: Kafka in, signed POSTs out,
 * durable retries in a retry topic, at-least-once offsets.
 *
 * Life of an alert message m (from the alerts or the retry topic):
 *   consume → nf_offsets_add(m) → copy key/value/headers, free the message
 *   → due now? ready FIFO : waiting heap (next-attempt time)
 *   → attempt: sign (webhook-id, now, body) → nf_webhook_post
 *   → 2xx                    ack(m): done
 *     RETRY, attempts left   produce to alerts.topic.retry with
 *                            noticeflow-attempt = i + 1 and
 *                            noticeflow-next-attempt-ms = now + delay
 *                            (schedule, ±20% jitter, >= Retry-After);
 *                            ack(m) on its delivery report
 *     final status / none    produce a dead letter (JSON, with the
 *       left                 status) to alerts.topic.dead_letter; ack(m)
 *                            on its delivery report
 *   → the watermark of m's partition moves → rd_kafka_offsets_store.
 * A failed delivery report stops the dispatcher (exit 1) without storing
 * past it, as the worker does.
 *
 * Non-blocking: one thread. librdkafka signals its consumer and producer
 * queues on a pipe (rd_kafka_queue_io_event_enable) and curl_multi_poll
 * waits on that pipe and the HTTP sockets at once, so an alert is POSTed
 * as soon as it is fetched and a slow endpoint never delays polling (the
 * group session and rebalances are served every loop).
 *
 * Parked alerts: a retry-topic message whose time has not come is held in
 * memory (a min-heap by due time) and its offset stays unstored, so its
 * time survives a crash (it is in the headers) and nothing is re-parked
 * twice. Held alerts are capped (alerts.max.waiting): above it the input
 * partitions are paused. Discarded: one retry topic per delay (Uber's
 * pattern; the configured schedule is free-form) and pausing the retry
 * partition until its head is due (one 10 h alert would hold back every
 * 5 s alert behind it).
 *
 * webhook-id = msg_ + base64url(SHA-256(event_id "\n" url))[0..18): the same
 * on every attempt, replay and restart (receivers dedupe on it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>

#include "nf_alert.h"
#include "nf_dispatch.h"
#include "nf_http.h"
#include "nf_jobs.h"
#include "nf_log.h"
#include "nf_metrics.h"
#include "nf_offsets.h"
#include "nf_pipeline.h"
#include "nf_run.h"
#include "nf_sign.h"
#include "nf_webhook.h"

#ifndef NF_VERSION
#define NF_VERSION "0.0.0"
#endif

/* Idle wait when nothing is due (ms): bounds the reaction to a stop. */
#define IDLE_WAIT_MS 100
/* Messages taken from the consumer per loop turn. */
#define CONSUME_BATCH 500
/* Offsets stored per rd_kafka_offsets_store call. */
#define STORE_BATCH 256
/* Bytes of a secrets file at most. */
#define SECRETS_FILE_MAX 65536
/* Jitter: delay * (1 - JITTER .. 1 + JITTER). */
#define JITTER 0.2

enum astate { A_READY, A_WAITING, A_SENDING, A_PRODUCING };

struct alert {
    struct alert *next; /* ready FIFO */
    enum astate state;
    const char *topic; /* the config's string (alerts or retry topic) */
    int32_t partition;
    int64_t offset;
    uint64_t epoch;
    bool dropped; /* partition revoked: finish silently */
    void *key;
    size_t key_len;
    char *body;
    size_t len;
    char event_id[NF_EVENT_ID_MAX];
    char severity[16];
    char webhook_id[NF_SIGN_ID_MAX];
    unsigned attempt; /* index of the next attempt */
    int64_t due_ms;   /* wall clock */
    int64_t first_ms; /* first consumed (this process), for latency logs */
};

struct dispatcher {
    const struct nf_config *cfg;
    rd_kafka_t *consumer, *producer;
    rd_kafka_queue_t *cq, *pq;
    int pipe_rd, pipe_wr;
    struct nf_offsets *tr;
    struct nf_webhook *wh;
    struct nf_signer *signer;
    int64_t sched[NF_DISPATCH_MAX_ATTEMPTS];
    size_t n_sched;
    struct alert *ready_head, *ready_tail;
    struct alert **heap; /* waiting, by due_ms */
    size_t n_heap, cap_heap;
    size_t held; /* alerts alive (any state) */
    bool paused;
    bool fatal;
    struct nf_err fatal_err;
    uint32_t rng;
    struct {
        long long consumed, delivered, parked, dead, dr_errors, attempts;
    } st;
};

static atomic_int stop_flag;

/* ---- pure helpers ------------------------------------------------------ */

int nf_dispatch_parse_schedule(const char *s, int64_t *out, size_t cap,
                               size_t *n, struct nf_err *err)
{
    /* unit suffixes and their length in ms; "ms" before "m" */
    static const struct {
        const char *suffix;
        int64_t ms;
    } units[] = {{"ms", 1},
                 {"s", 1000},
                 {"m", 60000},
                 {"h", 3600000LL},
                 {"d", 86400000LL}};
    const char *p = s;

    *n = 0;
    while (p && *p) {
        size_t len = strcspn(p, ","), i, d = 0;
        int64_t v = 0;
        bool ok = false;

        while (len > 0 && p[0] == ' ') {
            p++;
            len--;
        }
        while (d < len && p[d] >= '0' && p[d] <= '9' && v < 1000000000) {
            v = v * 10 + (p[d] - '0');
            d++;
        }
        for (i = 0; d > 0 && i < sizeof(units) / sizeof(units[0]); i++) {
            size_t sl = strlen(units[i].suffix), rest = len - d;

            while (rest > sl && p[d + rest - 1] == ' ')
                rest--;
            if (rest == sl && memcmp(p + d, units[i].suffix, sl) == 0) {
                v *= units[i].ms;
                ok = true;
                break;
            }
        }
        if (!ok || v > NF_DISPATCH_MAX_DELAY_MS)
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "webhook.retry.schedule: bad delay '%.*s' "
                              "(<n>ms|s|m|h|d, at most 7 days)",
                              (int)len, p);
        if (*n == cap)
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "webhook.retry.schedule: more than %zu "
                              "attempts",
                              cap);
        out[(*n)++] = v;
        p += len + (p[len] == ',');
    }
    if (*n == 0)
        return nf_err_set(err, NF_E_CONFIG, 0, "webhook.retry.schedule: empty");
    return 0;
}

int64_t nf_dispatch_delay(const int64_t *sched, size_t n, unsigned next,
                          int64_t retry_after_ms, uint32_t rnd)
{
    double f;
    int64_t d;

    if (next >= n)
        return -1;
    /* uniform in [1 - JITTER, 1 + JITTER): spreads a burst of failures */
    f = 1.0 - JITTER + 2.0 * JITTER * ((double)rnd / 4294967296.0);
    d = (int64_t)((double)sched[next] * f);
    if (retry_after_ms > d)
        d = retry_after_ms;
    return d;
}

static int64_t wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t next_rand(struct dispatcher *d)
{
    /* xorshift32: jitter needs spread, not secrecy */
    uint32_t x = d->rng;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    d->rng = x;
    return x;
}

/* ---- alerts, queues, heap --------------------------------------------- */

static void alert_free(struct dispatcher *d, struct alert *a)
{
    if (!a)
        return;
    free(a->key);
    free(a->body);
    free(a);
    d->held--;
}

static void ready_push(struct dispatcher *d, struct alert *a)
{
    a->state = A_READY;
    a->next = NULL;
    if (d->ready_tail)
        d->ready_tail->next = a;
    else
        d->ready_head = a;
    d->ready_tail = a;
}

static struct alert *ready_pop(struct dispatcher *d)
{
    struct alert *a = d->ready_head;

    if (a) {
        d->ready_head = a->next;
        if (!d->ready_head)
            d->ready_tail = NULL;
        a->next = NULL;
    }
    return a;
}

static void heap_swap(struct dispatcher *d, size_t i, size_t j)
{
    struct alert *t = d->heap[i];

    d->heap[i] = d->heap[j];
    d->heap[j] = t;
}

static void heap_down(struct dispatcher *d, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;

        if (l < d->n_heap && d->heap[l]->due_ms < d->heap[m]->due_ms)
            m = l;
        if (r < d->n_heap && d->heap[r]->due_ms < d->heap[m]->due_ms)
            m = r;
        if (m == i)
            return;
        heap_swap(d, i, m);
        i = m;
    }
}

static int heap_push(struct dispatcher *d, struct alert *a)
{
    size_t i;

    if (d->n_heap == d->cap_heap) {
        size_t cap = d->cap_heap ? 2 * d->cap_heap : 64;
        struct alert **h = realloc(d->heap, cap * sizeof(*h));

        if (!h)
            return -1;
        d->heap = h;
        d->cap_heap = cap;
    }
    a->state = A_WAITING;
    i = d->n_heap++;
    d->heap[i] = a;
    while (i > 0 && d->heap[(i - 1) / 2]->due_ms > d->heap[i]->due_ms) {
        heap_swap(d, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    return 0;
}

static struct alert *heap_pop(struct dispatcher *d)
{
    struct alert *top;

    if (d->n_heap == 0)
        return NULL;
    top = d->heap[0];
    d->heap[0] = d->heap[--d->n_heap];
    heap_down(d, 0);
    return top;
}

/* ---- failures ---------------------------------------------------------- */

static void set_fatal(struct dispatcher *d, const char *what,
                      const char *detail)
{
    if (!d->fatal) {
        d->fatal = true;
        nf_err_set(&d->fatal_err, NF_E_KAFKA, 0, "%s: %s", what, detail);
    }
}

/* Finish alert @p a: its message is done (ok) and it is freed. */
static void alert_done(struct dispatcher *d, struct alert *a, bool ok)
{
    if (!a->dropped)
        nf_offsets_ack(d->tr, a->topic, a->partition, a->offset, a->epoch, ok);
    alert_free(d, a);
}

/* ---- producing re-parks and dead letters ------------------------------- */

static void hdr_add(rd_kafka_headers_t *h, const char *name, const char *v)
{
    rd_kafka_header_add(h, name, -1, v, -1);
}

static void hdr_addf(rd_kafka_headers_t *h, const char *name, long long v)
{
    char buf[24];

    snprintf(buf, sizeof(buf), "%lld", v);
    rd_kafka_header_add(h, name, -1, buf, -1);
}

/* Produce (copying @p value) with the alert as opaque; the DR callback
 * finishes the alert. Returns 0, or -1 (fatal set / QUEUE_FULL retried). */
static int produce(struct dispatcher *d, struct alert *a, const char *topic,
                   const void *value, size_t len, rd_kafka_headers_t *h)
{
    rd_kafka_resp_err_t e;

    a->state = A_PRODUCING;
    for (;;) {
        e = rd_kafka_producev(d->producer, RD_KAFKA_V_TOPIC(topic),
                              RD_KAFKA_V_KEY(a->key, a->key_len),
                              RD_KAFKA_V_VALUE((void *)value, len),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_OPAQUE(a),
                              RD_KAFKA_V_END);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            break;
        /* serve delivery reports, then try again: never drop */
        rd_kafka_poll(d->producer, 10);
    }
    if (e) {
        rd_kafka_headers_destroy(h);
        nf_log(NF_LOG_ERROR, "produce refused", "{s:s,s:s}", "topic", topic,
               "error", rd_kafka_err2str(e));
        set_fatal(d, "produce refused", rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

static rd_kafka_headers_t *base_headers(const struct alert *a)
{
    rd_kafka_headers_t *h = rd_kafka_headers_new(8);

    hdr_add(h, NF_HDR_CONTENT_TYPE, NF_CONTENT_TYPE_JSON);
    hdr_add(h, NF_HDR_EVENT_ID, a->event_id);
    if (a->severity[0])
        hdr_add(h, NF_HDR_SEVERITY, a->severity);
    hdr_add(h, NF_HDR_WEBHOOK_ID, a->webhook_id);
    return h;
}

static void park(struct dispatcher *d, struct alert *a, int64_t delay_ms,
                 const struct nf_webhook_result *r)
{
    rd_kafka_headers_t *h = base_headers(a);

    hdr_addf(h, NF_HDR_ATTEMPT, (long long)a->attempt + 1);
    hdr_addf(h, NF_HDR_NEXT_ATTEMPT, (long long)(wall_ms() + delay_ms));
    hdr_addf(h, NF_HDR_LAST_STATUS, r ? r->status : 0);
    if (r && r->error[0])
        hdr_add(h, NF_HDR_LAST_ERROR, r->error);
    nf_log(NF_LOG_WARN, "webhook attempt failed: parked",
           "{s:s,s:s,s:i,s:I,s:s}", "event_id", a->event_id, "webhook_id",
           a->webhook_id, "attempt", (int)a->attempt, "retry_in_ms",
           (json_int_t)delay_ms, "error", r ? r->error : "");
    nf_metrics_alert(NF_METRICS_ALERT_RETRIED, NULL);
    if (produce(d, a, d->cfg->topic_alerts_retry, a->body, a->len, h) == 0)
        d->st.parked++;
}

static void dead_letter(struct dispatcher *d, struct alert *a, const char *code,
                        const struct nf_webhook_result *r)
{
    rd_kafka_headers_t *h = base_headers(a);
    json_t *alert = json_loadb(a->body, a->len, 0, NULL);
    json_t *o;
    char *v;

    hdr_add(h, NF_HDR_ERROR_CODE, code);
    hdr_addf(h, NF_HDR_HTTP_STATUS, r ? r->status : 0);
    o = json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:i,s:I,s:s,s:o}", "type",
                  "noticeflow.alert_dead_letter.v1", "event_id", a->event_id,
                  "webhook_id", a->webhook_id, "url", nf_webhook_url(d->wh),
                  "status", r ? (int)r->status : 0, "error_code", code,
                  "attempts", (int)a->attempt + (r ? 1 : 0), "failed_at_ms",
                  (json_int_t)wall_ms(), "error", r ? r->error : "", "alert",
                  alert ? alert : json_stringn(a->body, a->len));
    if (o && r)
        json_object_set_new(o, "response_snippet", json_string(r->snippet));
    v = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!v) {
        rd_kafka_headers_destroy(h);
        set_fatal(d, "dead letter", "out of memory");
        return;
    }
    nf_log(NF_LOG_ERROR, "webhook alert dead-lettered", "{s:s,s:s,s:s,s:i}",
           "event_id", a->event_id, "webhook_id", a->webhook_id, "error_code",
           code, "status", r ? (int)r->status : 0);
    nf_metrics_alert(NF_METRICS_ALERT_FAILED, code);
    if (produce(d, a, d->cfg->topic_alerts_dead_letter, v, strlen(v), h) == 0)
        d->st.dead++;
    free(v);
}

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
                      void *opaque)
{
    struct dispatcher *d = opaque;
    struct alert *a = rkm->_private;
    bool ok = rkm->err == RD_KAFKA_RESP_ERR_NO_ERROR;

    (void)rk;
    if (!a)
        return;
    if (!ok) {
        d->st.dr_errors++;
        nf_log(NF_LOG_ERROR, "delivery failed: stopping without storing",
               "{s:s,s:s,s:s}", "error", rd_kafka_err2str(rkm->err), "topic",
               rd_kafka_topic_name(rkm->rkt), "event_id", a->event_id);
        set_fatal(d, "delivery failed", rd_kafka_err2str(rkm->err));
        nf_metrics_delivery_error();
    } else {
        nf_metrics_produced(rd_kafka_topic_name(rkm->rkt));
    }
    alert_done(d, a, ok);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct dispatcher *d = opaque;
    char fatal[512];

    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
        nf_log(NF_LOG_ERROR, "fatal client error: stopping without commit",
               "{s:s}", "reason", fatal);
        set_fatal(d, "fatal client error", fatal);
        return;
    }
    nf_log(NF_LOG_WARN, reason, "{s:s,s:s}", "client", rd_kafka_name(rk),
           "error", rd_kafka_err2name((rd_kafka_resp_err_t)err));
}

/* ---- attempts ---------------------------------------------------------- */

static void start_attempt(struct dispatcher *d, struct alert *a)
{
    char sig[NF_SIGN_HEADER_MAX];
    struct nf_err e = {0};
    int64_t ts = (int64_t)time(NULL);

    if (nf_sign(d->signer, a->webhook_id, ts, a->body, a->len, sig, &e) != 0 ||
        nf_webhook_post(d->wh, a->webhook_id, ts, sig, a->body, a->len, a,
                        &e) != 0) {
        /* local failure (memory): the alert waits for the next turn */
        nf_log(NF_LOG_WARN, "webhook attempt not started", "{s:s,s:s}",
               "event_id", a->event_id, "reason", e.msg);
        a->due_ms = wall_ms() + 1000;
        if (heap_push(d, a) != 0)
            set_fatal(d, "attempt", "out of memory");
        return;
    }
    a->state = A_SENDING;
    d->st.attempts++;
}

static void on_result(struct dispatcher *d, const struct nf_webhook_result *r)
{
    struct alert *a = r->opaque;
    int64_t delay;

    if (a->dropped) {
        /* partition revoked meanwhile: its new owner re-sends it */
        alert_free(d, a);
        return;
    }
    nf_metrics_observe(NF_METRICS_H_WEBHOOK, (int64_t)r->elapsed_ms * 1000);
    if (r->disp == NF_DISP_OK) {
        d->st.delivered++;
        nf_metrics_alert(NF_METRICS_ALERT_SENT, NULL);
        nf_log(NF_LOG_DEBUG, "webhook delivered", "{s:s,s:s,s:i,s:i,s:I}",
               "event_id", a->event_id, "webhook_id", a->webhook_id, "attempt",
               (int)a->attempt, "status", (int)r->status, "elapsed_ms",
               (json_int_t)r->elapsed_ms);
        alert_done(d, a, true);
        return;
    }
    if (r->disp == NF_DISP_DEAD_LETTER) {
        dead_letter(d, a, "http_status", r);
        return;
    }
    delay = nf_dispatch_delay(d->sched, d->n_sched, a->attempt + 1,
                              r->retry_after_ms, next_rand(d));
    if (delay < 0)
        dead_letter(d, a, "retries_exhausted", r);
    else
        park(d, a, delay, r);
}

/* ---- consuming --------------------------------------------------------- */

static bool header_str(rd_kafka_headers_t *h, const char *name, char *out,
                       size_t cap)
{
    const void *v;
    size_t n;

    if (!h || rd_kafka_header_get_last(h, name, &v, &n) != 0 || !v || n >= cap)
        return false;
    memcpy(out, v, n);
    out[n] = '\0';
    return true;
}

static bool header_i64(rd_kafka_headers_t *h, const char *name, int64_t *out)
{
    char buf[24], *end;
    long long v;

    if (!header_str(h, name, buf, sizeof(buf)))
        return false;
    errno = 0;
    v = strtoll(buf, &end, 10);
    if (errno || *end || end == buf || v < 0)
        return false;
    *out = v;
    return true;
}

static void handle_message(struct dispatcher *d, rd_kafka_message_t *rkm)
{
    const char *tn = rd_kafka_topic_name(rkm->rkt);
    rd_kafka_headers_t *h = NULL;
    struct alert *a;
    int64_t v;
    int rc;

    if (rkm->err) {
        nf_log(rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF ? NF_LOG_DEBUG
                                                            : NF_LOG_WARN,
               "consumer error", "{s:s}", "error",
               rd_kafka_message_errstr(rkm));
        rd_kafka_message_destroy(rkm);
        return;
    }
    a = calloc(1, sizeof(*a));
    if (!a) {
        rd_kafka_message_destroy(rkm);
        set_fatal(d, "consume", "out of memory");
        return;
    }
    d->held++;
    a->topic = strcmp(tn, d->cfg->topic_alerts_retry) == 0
                   ? d->cfg->topic_alerts_retry
                   : d->cfg->topic_alerts;
    a->partition = rkm->partition;
    a->offset = rkm->offset;
    a->first_ms = wall_ms();
    a->body = malloc(rkm->len + 1);
    if (rkm->key_len)
        a->key = malloc(rkm->key_len);
    if (!a->body || (rkm->key_len && !a->key)) {
        alert_free(d, a);
        rd_kafka_message_destroy(rkm);
        set_fatal(d, "consume", "out of memory");
        return;
    }
    if (rkm->len)
        memcpy(a->body, rkm->payload, rkm->len);
    a->body[rkm->len] = '\0';
    a->len = rkm->len;
    if (rkm->key_len)
        memcpy(a->key, rkm->key, rkm->key_len);
    a->key_len = rkm->key ? rkm->key_len : 0;
    rd_kafka_message_headers(rkm, &h);
    header_str(h, NF_HDR_SEVERITY, a->severity, sizeof(a->severity));
    if (a->topic == d->cfg->topic_alerts_retry) {
        if (header_i64(h, NF_HDR_ATTEMPT, &v) && v < NF_DISPATCH_MAX_ATTEMPTS)
            a->attempt = (unsigned)v;
        if (header_i64(h, NF_HDR_NEXT_ATTEMPT, &v))
            a->due_ms = v;
    }
    rc = nf_offsets_add(d->tr, a->topic, a->partition, a->offset, &a->epoch);
    if (!header_str(h, NF_HDR_EVENT_ID, a->event_id, sizeof(a->event_id)))
        a->event_id[0] = '\0';
    rd_kafka_message_destroy(rkm);
    if (rc != NF_OFFSETS_OK) {
        a->dropped = true;
        alert_free(d, a);
        set_fatal(d, "consume", "offset tracker refused a message");
        return;
    }
    d->st.consumed++;
    nf_metrics_consumed(a->topic);
    if (!a->event_id[0] || !a->body[0] ||
        nf_sign_webhook_id(a->event_id, nf_webhook_url(d->wh), a->webhook_id) !=
            0) {
        /* not an alert of ours: kept, with the reason, never retried */
        snprintf(a->webhook_id, sizeof(a->webhook_id), "-");
        dead_letter(d, a, "invalid_alert", NULL);
        return;
    }
    if (a->attempt >= d->n_sched) {
        /* the schedule was shortened since it was parked */
        dead_letter(d, a, "retries_exhausted", NULL);
        return;
    }
    if (a->due_ms <= wall_ms())
        ready_push(d, a);
    else if (heap_push(d, a) != 0)
        set_fatal(d, "consume", "out of memory");
}

/* ---- offsets, pause, rebalance ---------------------------------------- */

static void store_offsets(struct dispatcher *d)
{
    struct nf_offsets_store st[STORE_BATCH];
    size_t n, i;

    if (d->fatal)
        return;
    for (n = nf_offsets_collect(d->tr, st, STORE_BATCH); n > 0;
         n = nf_offsets_collect(d->tr, st, STORE_BATCH)) {
        rd_kafka_topic_partition_list_t *l =
            rd_kafka_topic_partition_list_new((int)n);

        for (i = 0; i < n; i++)
            rd_kafka_topic_partition_list_add(l, st[i].topic, st[i].partition)
                ->offset = st[i].offset;
        rd_kafka_offsets_store(d->consumer, l);
        rd_kafka_topic_partition_list_destroy(l);
        if (n < STORE_BATCH)
            break;
    }
}

static void set_paused(struct dispatcher *d, bool pause)
{
    if (d->paused == pause)
        return;
    nf_jobs_pause_assignment(d->consumer, pause);
    d->paused = pause;
    nf_log(NF_LOG_INFO,
           pause ? "input paused: alerts.max.waiting reached" : "input resumed",
           "{s:I}", "held", (json_int_t)d->held);
}

static bool in_parts(const rd_kafka_topic_partition_list_t *parts,
                     const struct alert *a)
{
    int i;

    for (i = 0; i < parts->cnt; i++)
        if (parts->elems[i].partition == a->partition &&
            strcmp(parts->elems[i].topic, a->topic) == 0)
            return true;
    return false;
}

/* Forget queued and waiting alerts of revoked partitions (their new owner
 * reads them again); in-flight ones finish without acking. */
static void drop_parts(struct dispatcher *d,
                       const rd_kafka_topic_partition_list_t *parts)
{
    struct alert *a, *keep_h = NULL, *keep_t = NULL;
    size_t i, j = 0;

    for (a = ready_pop(d); a; a = ready_pop(d)) {
        if (in_parts(parts, a)) {
            alert_free(d, a);
            continue;
        }
        if (keep_t)
            keep_t->next = a;
        else
            keep_h = a;
        keep_t = a;
    }
    d->ready_head = keep_h;
    d->ready_tail = keep_t;
    for (i = 0; i < d->n_heap; i++) {
        if (in_parts(parts, d->heap[i]))
            alert_free(d, d->heap[i]);
        else
            d->heap[j++] = d->heap[i];
    }
    d->n_heap = j;
    for (i = d->n_heap / 2 + 1; i-- > 0;)
        heap_down(d, i);
    for (i = 0; i < (size_t)parts->cnt; i++)
        nf_offsets_drop(d->tr, parts->elems[i].topic,
                        parts->elems[i].partition);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    struct dispatcher *d = opaque;

    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_assign(rk, parts);
        if (d->paused)
            rd_kafka_pause_partitions(rk, parts);
        nf_log(NF_LOG_INFO, "assigned", "{s:i}", "partitions", parts->cnt);
        nf_metrics_rebalance(NF_METRICS_ASSIGN);
        nf_metrics_set_assigned(true);
        return;
    }
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS &&
        !rd_kafka_assignment_lost(rk)) {
        /* what is done is stored while the partitions are still ours */
        rd_kafka_poll(d->producer, 0);
        store_offsets(d);
        if (!d->fatal)
            rd_kafka_commit(rk, NULL, 0);
    }
    nf_log(NF_LOG_INFO, "revoked", "{s:i}", "partitions", parts->cnt);
    nf_metrics_set_assigned(false);
    nf_metrics_rebalance(rd_kafka_assignment_lost(rk) ? NF_METRICS_LOST
                                                      : NF_METRICS_REVOKE);
    drop_parts(d, parts);
    /* in-flight alerts of these partitions are marked by epoch: their
     * late acks return E_UNKNOWN and are ignored */
    rd_kafka_assign(rk, NULL);
}

/* ---- loop -------------------------------------------------------------- */

static void drain_pipe(int fd)
{
    char buf[256];

    while (read(fd, buf, sizeof(buf)) > 0)
        ;
}

static void turn(struct dispatcher *d, bool consume)
{
    struct nf_webhook_result res[16];
    int64_t now, wait = IDLE_WAIT_MS;
    size_t i, n;
    int k;

    drain_pipe(d->pipe_rd);
    /* always poll: rebalances and the session are served here */
    for (k = 0; k < CONSUME_BATCH && !d->fatal; k++) {
        rd_kafka_message_t *rkm = rd_kafka_consumer_poll(d->consumer, 0);

        if (!rkm)
            break;
        if (!consume) {
            /* stopping: not taken; its offset is never stored */
            rd_kafka_message_destroy(rkm);
            continue;
        }
        handle_message(d, rkm);
    }
    rd_kafka_poll(d->producer, 0);
    now = wall_ms();
    /* stopping (!consume): no new attempt; unstored alerts are re-read */
    while (consume && d->n_heap > 0 && d->heap[0]->due_ms <= now)
        ready_push(d, heap_pop(d));
    while (consume && d->ready_head && nf_webhook_free_slots(d->wh) > 0 &&
           !d->fatal)
        start_attempt(d, ready_pop(d));
    if (consume && d->ready_head && nf_webhook_free_slots(d->wh) > 0)
        wait = 0;
    if (consume && d->n_heap > 0 && d->heap[0]->due_ms - now < wait)
        wait = d->heap[0]->due_ms - now < 0 ? 0 : d->heap[0]->due_ms - now;
    if (nf_webhook_poll(d->wh, (int)wait, d->pipe_rd) != 0)
        set_fatal(d, "webhook", "curl multi failure");
    for (n = nf_webhook_collect(d->wh, res, 16); n > 0;
         n = nf_webhook_collect(d->wh, res, 16))
        for (i = 0; i < n; i++)
            on_result(d, &res[i]);
    rd_kafka_poll(d->producer, 0);
    store_offsets(d);
    nf_metrics_set_in_flight((long long)d->held);
    nf_metrics_heartbeat();
    if (!d->paused && d->held >= (size_t)d->cfg->alerts_max_waiting)
        set_paused(d, true);
    else if (d->paused && d->held <= (size_t)d->cfg->alerts_max_waiting / 2)
        set_paused(d, false);
}

/* ---- set-up ------------------------------------------------------------ */

static rd_kafka_t *make_client(struct dispatcher *d, enum nf_kafka_side side,
                               struct nf_err *err)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char errstr[512], group[512];
    rd_kafka_t *rk;

    if (nf_config_apply_kafka(d->cfg, side, conf, err) != 0)
        goto fail;
    if (side == NF_KAFKA_CONSUMER) {
        snprintf(group, sizeof(group), "%s", d->cfg->alerts_group_id);
        if (!d->cfg->alerts_group_id)
            snprintf(group, sizeof(group), "%s-alerts", d->cfg->group_id);
        if (rd_kafka_conf_set(conf, "group.id", group, errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK) {
            nf_err_set(err, NF_E_CONFIG, 0, "alerts.group.id: %s", errstr);
            goto fail;
        }
        rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    } else {
        rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
    }
    rd_kafka_conf_set_opaque(conf, d);
    rd_kafka_conf_set_log_cb(conf, nf_log_rdkafka_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    nf_metrics_install(conf, side == NF_KAFKA_PRODUCER);
    rk = rd_kafka_new(side == NF_KAFKA_PRODUCER ? RD_KAFKA_PRODUCER
                                                : RD_KAFKA_CONSUMER,
                      conf, errstr, sizeof(errstr));
    if (rk)
        return rk;
    nf_err_set(err, NF_E_CONFIG, 0, "%s", errstr);
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

static int read_secrets(const struct nf_config *cfg, char **out,
                        struct nf_err *err)
{
    FILE *f;
    size_t n;
    const char *v;

    *out = NULL;
    if (cfg->webhook_secret_file) {
        f = fopen(cfg->webhook_secret_file, "rb");
        if (!f)
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "webhook.secret.file: cannot open %s: %s",
                              cfg->webhook_secret_file, strerror(errno));
        *out = calloc(1, SECRETS_FILE_MAX + 1);
        n = *out ? fread(*out, 1, SECRETS_FILE_MAX + 1, f) : 0;
        fclose(f);
        if (!*out || n > SECRETS_FILE_MAX)
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "webhook.secret.file: unreadable or over %d "
                              "bytes",
                              SECRETS_FILE_MAX);
        return 0;
    }
    if (cfg->webhook_secret_env) {
        v = getenv(cfg->webhook_secret_env);
        if (!v || !*v)
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "webhook.secret.env: variable %s is not set",
                              cfg->webhook_secret_env);
        *out = strdup(v);
        return *out ? 0 : nf_err_set(err, NF_E_NOMEM, 0, "out of memory");
    }
    return nf_err_set(err, NF_E_CONFIG, 0,
                      "dispatch needs webhook.secret.file or "
                      "webhook.secret.env");
}

static int check_config(const struct nf_config *cfg, struct nf_err *err)
{
    static const struct {
        size_t off;
        const char *key;
    } need[] = {
        {offsetof(struct nf_config, topic_alerts), "output.topic.alerts"},
        {offsetof(struct nf_config, topic_alerts_retry), "alerts.topic.retry"},
        {offsetof(struct nf_config, topic_alerts_dead_letter),
         "alerts.topic.dead_letter"},
        {offsetof(struct nf_config, webhook_url), "webhook.url"},
    };
    size_t i;

    for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
        if (!*(char *const *)((const char *)cfg + need[i].off))
            return nf_err_set(err, NF_E_CONFIG, 0, "dispatch needs the key %s",
                              need[i].key);
    if (strcmp(cfg->topic_alerts, cfg->topic_alerts_retry) == 0 ||
        strcmp(cfg->topic_alerts_retry, cfg->topic_alerts_dead_letter) == 0 ||
        strcmp(cfg->topic_alerts, cfg->topic_alerts_dead_letter) == 0)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "output.topic.alerts, alerts.topic.retry and "
                          "alerts.topic.dead_letter must differ");
    return 0;
}

static int setup(struct dispatcher *d, struct nf_err *err)
{
    struct nf_webhook_opts wo;
    rd_kafka_topic_partition_list_t *l;
    char *secrets = NULL;
    int fds[2];
    rd_kafka_resp_err_t e;

    if (check_config(d->cfg, err) != 0 ||
        nf_dispatch_parse_schedule(
            d->cfg->webhook_retry_schedule ? d->cfg->webhook_retry_schedule
                                           : NF_DISPATCH_DEFAULT_SCHEDULE,
            d->sched, NF_DISPATCH_MAX_ATTEMPTS, &d->n_sched, err) != 0)
        return NF_E_CONFIG;
    if (read_secrets(d->cfg, &secrets, err) != 0) {
        free(secrets);
        return NF_E_CONFIG;
    }
    d->signer = nf_signer_new(secrets, err);
    if (secrets) {
        memset(secrets, 0, strlen(secrets));
        free(secrets);
    }
    if (!d->signer)
        return NF_E_CONFIG;
    memset(&wo, 0, sizeof(wo));
    wo.url = d->cfg->webhook_url;
    wo.ca_file = d->cfg->webhook_ca_file;
    wo.connect_timeout_ms = d->cfg->webhook_connect_timeout_ms;
    wo.timeout_ms = d->cfg->webhook_timeout_ms;
    wo.max_response_bytes = d->cfg->webhook_max_response_bytes;
    wo.allow_loopback = d->cfg->webhook_allow_loopback;
    wo.max_in_flight = (size_t)d->cfg->webhook_max_in_flight;
    wo.user_agent = "noticeflow/" NF_VERSION;
    d->wh = nf_webhook_new(&wo, err);
    if (!d->wh)
        return err && err->code == NF_E_NOMEM ? NF_E_NOMEM : NF_E_CONFIG;
    if (d->cfg->webhook_allow_loopback)
        nf_log(NF_LOG_WARN,
               "webhook.allow.loopback=true: loopback and plain http "
               "endpoints allowed (test/demo only)",
               NULL);
    d->tr = nf_offsets_new((size_t)d->cfg->alerts_max_waiting * 2 + 1024);
    if (!d->tr)
        return nf_err_set(err, NF_E_NOMEM, 0, "out of memory");
    d->producer = make_client(d, NF_KAFKA_PRODUCER, err);
    if (!d->producer)
        return NF_E_CONFIG;
    d->consumer = make_client(d, NF_KAFKA_CONSUMER, err);
    if (!d->consumer)
        return NF_E_CONFIG;
    rd_kafka_poll_set_consumer(d->consumer);
    if (pipe(fds) != 0)
        return nf_err_set(err, NF_E_NOMEM, 0, "pipe: %s", strerror(errno));
    d->pipe_rd = fds[0];
    d->pipe_wr = fds[1];
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    /* librdkafka writes a byte when a queue becomes non-empty: the loop
     * sleeps in curl_multi_poll and wakes for Kafka and HTTP alike */
    d->cq = rd_kafka_queue_get_consumer(d->consumer);
    d->pq = rd_kafka_queue_get_main(d->producer);
    if (!d->cq || !d->pq)
        return nf_err_set(err, NF_E_KAFKA, 0, "no client queue");
    rd_kafka_queue_io_event_enable(d->cq, d->pipe_wr, "c", 1);
    rd_kafka_queue_io_event_enable(d->pq, d->pipe_wr, "p", 1);
    l = rd_kafka_topic_partition_list_new(2);
    rd_kafka_topic_partition_list_add(l, d->cfg->topic_alerts,
                                      RD_KAFKA_PARTITION_UA);
    rd_kafka_topic_partition_list_add(l, d->cfg->topic_alerts_retry,
                                      RD_KAFKA_PARTITION_UA);
    e = rd_kafka_subscribe(d->consumer, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e)
        return nf_err_set(err, NF_E_KAFKA, 0, "subscribe: %s",
                          rd_kafka_err2str(e));
    return 0;
}

static void teardown(struct dispatcher *d, int code)
{
    struct alert *a;

    if (d->consumer && code == 0)
        rd_kafka_consumer_close(d->consumer);
    if (d->cq) {
        rd_kafka_queue_io_event_enable(d->cq, -1, NULL, 0);
        rd_kafka_queue_destroy(d->cq);
    }
    if (d->pq) {
        rd_kafka_queue_io_event_enable(d->pq, -1, NULL, 0);
        rd_kafka_queue_destroy(d->pq);
    }
    /* abort HTTP first: their alerts are still referenced by slots */
    if (d->wh) {
        struct nf_webhook_result res[16];
        size_t n, i;

        nf_webhook_cancel_all(d->wh);
        for (n = nf_webhook_collect(d->wh, res, 16); n > 0;
             n = nf_webhook_collect(d->wh, res, 16))
            for (i = 0; i < n; i++)
                alert_free(d, res[i].opaque);
        nf_webhook_destroy(d->wh);
        d->wh = NULL;
    }
    if (d->producer) {
        rd_kafka_purge(d->producer,
                       RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        d->fatal = true; /* purged reports must not be acked as stored */
        rd_kafka_flush(d->producer, 1000);
        rd_kafka_destroy(d->producer);
    }
    if (d->consumer)
        rd_kafka_destroy_flags(
            d->consumer, code == 0 ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    for (a = ready_pop(d); a; a = ready_pop(d))
        alert_free(d, a);
    for (a = heap_pop(d); a; a = heap_pop(d))
        alert_free(d, a);
    free(d->heap);
    nf_offsets_destroy(d->tr);
    nf_signer_destroy(d->signer);
    if (d->pipe_rd > 0)
        close(d->pipe_rd);
    if (d->pipe_wr > 0)
        close(d->pipe_wr);
}

static int run(const struct nf_config *cfg, struct nf_err *err)
{
    struct dispatcher d;
    int rc, code = 0;
    int64_t end;

    memset(&d, 0, sizeof(d));
    d.cfg = cfg;
    d.rng = (uint32_t)wall_ms() ^ ((uint32_t)getpid() << 16) ^ 0x9e3779b9u;
    if (d.rng == 0)
        d.rng = 1;
    rc = setup(&d, err);
    if (rc) {
        code = rc == NF_E_CONFIG ? 2 : 1;
        goto out;
    }
    nf_log(NF_LOG_INFO, "started", "{s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:I,s:I}",
           "version", NF_VERSION, "webhook.url", cfg->webhook_url, "alerts",
           cfg->topic_alerts, "retry", cfg->topic_alerts_retry, "dead_letter",
           cfg->topic_alerts_dead_letter, "secrets",
           (int)nf_signer_count(d.signer), "attempts", (int)d.n_sched,
           "timeout_ms", (json_int_t)cfg->webhook_timeout_ms,
           "connect_timeout_ms", (json_int_t)cfg->webhook_connect_timeout_ms);
    while (!atomic_load(&stop_flag) && !d.fatal)
        turn(&d, true);
    nf_metrics_set_draining(true);
    /* drain: finish attempts and produces in flight, store, commit */
    end = wall_ms() + cfg->shutdown_timeout_ms;
    while (
        !d.fatal && wall_ms() < end &&
        (nf_webhook_in_flight(d.wh) > 0 || rd_kafka_outq_len(d.producer) > 0))
        turn(&d, false);
    if (!d.fatal) {
        store_offsets(&d);
        rd_kafka_commit(d.consumer, NULL, 0);
    }
    code = d.fatal ? 1 : 0;
    if (d.fatal && err)
        *err = d.fatal_err;
out:
    nf_log(NF_LOG_INFO, "stopped", "{s:I,s:I,s:I,s:I,s:I,s:I,s:i}", "consumed",
           (json_int_t)d.st.consumed, "attempts", (json_int_t)d.st.attempts,
           "delivered", (json_int_t)d.st.delivered, "parked",
           (json_int_t)d.st.parked, "dead_letters", (json_int_t)d.st.dead,
           "dr_errors", (json_int_t)d.st.dr_errors, "exit_code", code);
    teardown(&d, code);
    return code;
}

/* ---- command line ------------------------------------------------------ */

static void on_signal(int sig)
{
    (void)sig;
    if (atomic_exchange(&stop_flag, 1))
        _exit(1);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: noticeflow dispatch --config FILE [-X key=value ...]\n"
               "  delivers alerts (output.topic.alerts) to webhook.url;\n"
               "  keys: noticeflow run --help-config\n");
}

int nf_dispatch_main(int argc, char **argv)
{
    struct nf_run_args args;
    struct nf_config cfg;
    struct nf_err err = {0};
    struct nf_http *http;
    int code;

    code = nf_run_parse_args("dispatch", argc, argv, false, usage, &args);
    if (code)
        return code < 0 ? 0 : code;
    if (nf_run_load_config(&cfg, args.path, args.xs, args.nx, &err) != 0)
        return 2;
    nf_run_install_signals(on_signal);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    http = nf_run_ops_start(&cfg, true, &err);
    code = run(&cfg, &err);
    if (code != 0)
        nf_log(NF_LOG_ERROR,
               code == 2 ? "bad configuration"
                         : "dispatcher stopped with an "
                           "error",
               "{s:s,s:i}", "reason", err.msg, "exit_code", code);
    nf_http_stop(http);
    curl_global_cleanup();
    nf_config_free(&cfg);
    nf_log_clear_secrets();
    return code;
}
