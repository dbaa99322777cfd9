/*
 * nf_kafka.c - consumer + producer life cycle with at-least-once offsets.
 *
 * Threads: the main thread owns both librdkafka clients and every
 * librdkafka call (poll, produce, store, rebalance), as in librdkafka's
 * examples. Enrichment runs on worker.threads threads, each with its own
 * nf_pipeline (the core is thread-safe per handle). A message goes to the
 * thread chosen by a hash of its (topic, partition), and each thread's
 * results come back through one FIFO, so the outputs of a partition are
 * produced in input order.
 *
 * Life of a message (job):
 *   consume → nf_offsets_add (1 unit: processing) → worker thread
 *   → done FIFO → expect(k outputs) → produce each (opaque = job)
 *   → ack(processing) ... dr_msg_cb → ack(output, ok?) per output
 *   → the watermark moves → rd_kafka_offsets_store(watermark)
 * enable.auto.offset.store=false and the auto-committer commits only what
 * was stored, so a committed offset never covers an unacked output. A
 * failed delivery report blocks the watermark and stops the worker (exit
 * 1, nothing stored past it); the restart reprocesses. We never re-produce
 * by hand: a timed-out message may still have been written (delivery.md).
 *
 * Back-pressure: input is paused (rd_kafka_pause_partitions) while more
 * than worker.queue.max messages are in process or the producer queue is
 * full (QUEUE_FULL: the request is kept and retried after serving delivery
 * reports; nothing is dropped); the consumer is still polled so the group
 * membership and rebalances are served.
 *
 * Rebalance (eager): on revoke, drain in-flight work for up to
 * rebalance.timeout.ms (produce results, flush), store what is done while
 * the partitions are still ours, commit, then drop their tracker state and
 * unassign. Work not finished in time is abandoned: its offsets were not
 * stored, late results are discarded by epoch. A lost assignment drops
 * state without storing.
 *
 * Shutdown (stop flag): stop fetching, drain for up to
 * shutdown.timeout.ms, store, commit, rd_kafka_consumer_close (leave the
 * group), destroy. Fatal paths skip the close's commit
 * (RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "nf_kafka.h"
#include "nf_log.h"
#include "nf_metrics.h"
#include "nf_offsets.h"
#include "nf_pipeline.h"
#include "nf_registry.h"
#include "nf_testhook.h"

/* Poll budgets (ms): short while results are in flight, so they are
 * produced promptly; longer when idle. */
#define POLL_BUSY_MS 5
#define POLL_IDLE_MS 100
/* Per-partition in-flight cap of the tracker: far above worker.queue.max
 * plus what librdkafka may have prefetched before a pause. */
#define TRACKER_MAX_INFLIGHT 1000000
/* Offsets stored per rd_kafka_offsets_store call. */
#define STORE_BATCH 256
/* Congestion lasting this long pauses the input partitions. */
#define PAUSE_AFTER_MS 1000
/* Failed delivery reports logged one by one (the rest are counted). */
#define MAX_DR_ERROR_LOGS 10

struct job {
    struct job *next;
    rd_kafka_message_t *rkm;
    uint64_t epoch;
    struct nf_header *hdrs;
    size_t n_hdrs;
    struct nf_result res;
    size_t next_out; /* outputs already handed to the producer */
    int refs;        /* processing + outputs not yet reported */
    bool expected;   /* tracker told about the outputs */
    int64_t t0_us;   /* consumed (nf_metrics clock): processing latency */
};

struct queue {
    struct job *head, *tail;
    size_t n;
};

struct worker {
    struct nf_kafka *k;
    pthread_t tid;
    bool started;
    struct nf_pipeline *pl;
    struct queue in; /* guarded by k->mu */
};

struct nf_kafka {
    const struct nf_config *cfg;
    rd_kafka_t *consumer, *producer;
    struct nf_offsets *tr;
    struct worker *w;
    size_t n_workers;
    pthread_mutex_t mu;
    pthread_cond_t cv;    /* work for the workers, or stop */
    struct queue done;    /* results back to the main thread */
    bool stop_workers;    /* guarded by mu */
    struct queue pending; /* main thread: results to produce, in order */
    size_t in_process;    /* dispatched, not yet fully produced */
    bool paused;
    bool queue_full;
    int64_t congested_since; /* ms, 0: not congested */
    bool fatal;
    struct nf_err fatal_err;
    struct nf_kafka_stats st;
};

/* ---- queues ----------------------------------------------------------- */

static void q_push(struct queue *q, struct job *j)
{
    j->next = NULL;
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    q->n++;
}

static struct job *q_pop(struct queue *q)
{
    struct job *j = q->head;

    if (!j)
        return NULL;
    q->head = j->next;
    if (!q->head)
        q->tail = NULL;
    q->n--;
    j->next = NULL;
    return j;
}

static void job_free(struct job *j)
{
    if (!j)
        return;
    nf_result_clear(&j->res);
    free(j->hdrs);
    if (j->rkm)
        rd_kafka_message_destroy(j->rkm);
    free(j);
}

static void job_unref(struct job *j)
{
    if (--j->refs == 0)
        job_free(j);
}

static const char *job_topic(const struct job *j)
{
    return rd_kafka_topic_name(j->rkm->rkt);
}

/* ---- worker threads --------------------------------------------------- */

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct nf_kafka *k = w->k;
    struct job *j;

    for (;;) {
        struct nf_msg_in in;
        int64_t t0;

        pthread_mutex_lock(&k->mu);
        while (!w->in.head && !k->stop_workers)
            pthread_cond_wait(&k->cv, &k->mu);
        if (k->stop_workers) {
            pthread_mutex_unlock(&k->mu);
            break;
        }
        j = q_pop(&w->in);
        pthread_mutex_unlock(&k->mu);

        memset(&in, 0, sizeof(in));
        in.src.topic = job_topic(j);
        in.src.partition = j->rkm->partition;
        in.src.offset = j->rkm->offset;
        in.src.timestamp = rd_kafka_message_timestamp(j->rkm, NULL);
        in.src.key = j->rkm->key;
        in.src.key_len = j->rkm->key_len;
        in.value = j->rkm->payload;
        in.len = j->rkm->len;
        in.headers = j->hdrs;
        in.n_headers = j->n_hdrs;
        t0 = nf_metrics_now_us();
        nf_testhook_enrich();
        nf_pipeline_process(w->pl, &in, &j->res);
        nf_metrics_observe(NF_METRICS_H_ENRICH, nf_metrics_now_us() - t0);
        if (j->res.disp == NF_DISP_DEAD_LETTER)
            nf_metrics_enrich_error(j->res.err.code);

        pthread_mutex_lock(&k->mu);
        q_push(&k->done, j);
        pthread_mutex_unlock(&k->mu);
    }
    return NULL;
}

/* ---- callbacks (all run on the main thread, from rd_kafka_*poll) ------ */

static void set_fatal(struct nf_kafka *k, const char *what, const char *detail)
{
    if (!k->fatal) {
        k->fatal = true;
        nf_err_setf(&k->fatal_err, NF_E_KAFKA, 0, "%s: %s", what, detail);
    }
}

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
                      void *opaque)
{
    struct nf_kafka *k = opaque;
    struct job *j = rkm->_private;
    bool ok = rkm->err == RD_KAFKA_RESP_ERR_NO_ERROR;

    (void)rk;
    if (!j)
        return;
    if (!ok) {
        nf_metrics_delivery_error();
        /* the first reports say why; a mass failure is a count, not a
         * flood of identical lines */
        if (++k->st.dr_errors <= MAX_DR_ERROR_LOGS)
            nf_log(NF_LOG_ERROR, "delivery failed: stopping without storing",
                   "{s:s,s:s,s:s,s:i,s:I}", "error", rd_kafka_err2str(rkm->err),
                   "output_topic", rd_kafka_topic_name(rkm->rkt), "input_topic",
                   job_topic(j), "input_partition", (int)j->rkm->partition,
                   "input_offset", (json_int_t)j->rkm->offset);
        set_fatal(k, "delivery failed", rd_kafka_err2str(rkm->err));
    } else if (j->res.disp == NF_DISP_DEAD_LETTER) {
        k->st.dead_letters++;
        nf_metrics_dead_lettered(job_topic(j));
    } else {
        k->st.produced++;
    }
    if (ok) {
        /* every acked output, dead letters included, counts per topic */
        nf_metrics_produced(rd_kafka_topic_name(rkm->rkt));
        nf_metrics_observe(NF_METRICS_H_PROCESSING,
                           nf_metrics_now_us() - j->t0_us);
    }
    /* E_UNKNOWN: the partition was revoked meanwhile; nothing to store */
    nf_offsets_ack(k->tr, job_topic(j), j->rkm->partition, j->rkm->offset,
                   j->epoch, ok);
    job_unref(j);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct nf_kafka *k = opaque;
    char fatal[512];

    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
        nf_log(NF_LOG_ERROR, "fatal client error: stopping without commit",
               "{s:s,s:s}", "client", rd_kafka_name(rk), "reason", fatal);
        set_fatal(k, "fatal client error", fatal);
        return;
    }
    /* Refused credentials and an untrusted broker certificate do not heal
     * by retrying: stop (exit 1) with a message naming what to check,
     * rather than retry for ever without ever becoming ready. */
    if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
        (err == RD_KAFKA_RESP_ERR__SSL &&
         strstr(reason, "certificate verify failed"))) {
        const char *what =
            err == RD_KAFKA_RESP_ERR__AUTHENTICATION
                ? "Kafka authentication failed: check kafka.sasl.mechanism, "
                  "kafka.sasl.username and kafka.sasl.password"
                : "Kafka TLS: the broker certificate is not trusted: check "
                  "kafka.ssl.ca.location";

        /* librdkafka before 2.6.1 (bookworm has 2.0.2) appends the client
         * nonce twice in SCRAM's final message; Kafka 4 brokers check it
         * strictly and refuse even a right password (librdkafka#4895). */
        nf_log(NF_LOG_ERROR, what, "{s:s,s:s,s:s,s:s}", "client",
               rd_kafka_name(rk), "error",
               rd_kafka_err2name((rd_kafka_resp_err_t)err), "reason", reason,
               "hint",
               err == RD_KAFKA_RESP_ERR__AUTHENTICATION &&
                       rd_kafka_version() < 0x020601ff
                   ? "with SCRAM, librdkafka < 2.6.1 is refused by Kafka >= "
                     "4.0 brokers whatever the password (librdkafka#4895)"
                   : "");
        set_fatal(k, what, reason);
        return;
    }
    /* Everything else is retried by librdkafka (brokers down, ...). */
    nf_log(NF_LOG_WARN, reason, "{s:s,s:s}", "client", rd_kafka_name(rk),
           "error", rd_kafka_err2name((rd_kafka_resp_err_t)err));
}

/* ---- producing -------------------------------------------------------- */

/* Produce the remaining outputs of @p j. Returns 0 when all are handed
 * over, 1 on QUEUE_FULL (retry later), -1 on a fatal error. */
static int produce_job(struct nf_kafka *k, struct job *j)
{
    struct nf_result *res = &j->res;

    if (!j->expected) {
        int rc =
            nf_offsets_expect(k->tr, job_topic(j), j->rkm->partition,
                              j->rkm->offset, j->epoch, (unsigned)res->n_out);
        if (rc == NF_OFFSETS_E_UNKNOWN)
            return 2; /* partition revoked: abandon, do not produce */
        j->expected = true;
    }
    while (j->next_out < res->n_out) {
        struct nf_produce *o = &res->out[j->next_out];
        rd_kafka_headers_t *hdrs = rd_kafka_headers_new(o->n_headers);
        rd_kafka_resp_err_t err;
        size_t i;

        for (i = 0; i < o->n_headers; i++)
            rd_kafka_header_add(hdrs, o->headers[i].name, -1,
                                o->headers[i].value,
                                (ssize_t)o->headers[i].len);
        err = rd_kafka_producev(
            k->producer, RD_KAFKA_V_TOPIC(o->topic),
            RD_KAFKA_V_KEY(o->key, o->key_len),
            RD_KAFKA_V_VALUE(o->value, o->value_len),
            /* the producer frees the value once delivered */
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE), RD_KAFKA_V_HEADERS(hdrs),
            RD_KAFKA_V_OPAQUE(j), RD_KAFKA_V_END);
        if (err) {
            rd_kafka_headers_destroy(hdrs);
            if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                return 1;
            nf_log(NF_LOG_ERROR, "produce refused", "{s:s,s:s}", "topic",
                   o->topic, "error", rd_kafka_err2str(err));
            set_fatal(k, "produce refused", rd_kafka_err2str(err));
            return -1;
        }
        o->value = NULL; /* owned by librdkafka now */
        j->refs++;
        j->next_out++;
    }
    return 0;
}

/* Move finished results to the pending FIFO and produce from its head. */
static void serve_results(struct nf_kafka *k)
{
    struct job *j;

    pthread_mutex_lock(&k->mu);
    for (j = q_pop(&k->done); j; j = q_pop(&k->done))
        q_push(&k->pending, j);
    pthread_mutex_unlock(&k->mu);

    k->queue_full = false;
    for (j = k->pending.head; j && !k->fatal; j = k->pending.head) {
        int rc;

        if (j->res.disp == NF_DISP_FATAL) {
            nf_log(NF_LOG_ERROR, "cannot encode a dead letter", "{s:s}",
                   "reason", j->res.err.msg);
            set_fatal(k, "pipeline", j->res.err.msg);
            return;
        }
        rc = produce_job(k, j);
        if (rc == 1) {
            k->queue_full = true;
            return;
        }
        if (rc < 0)
            return;
        q_pop(&k->pending);
        k->in_process--;
        if (rc == 0)
            nf_offsets_ack(k->tr, job_topic(j), j->rkm->partition,
                           j->rkm->offset, j->epoch, true);
        job_unref(j); /* the processing reference */
    }
}

/* ---- offsets ---------------------------------------------------------- */

static void store_offsets(struct nf_kafka *k)
{
    struct nf_offsets_store st[STORE_BATCH];
    size_t n, i;

    if (k->fatal)
        return;
    for (n = nf_offsets_collect(k->tr, st, STORE_BATCH); n > 0;
         n = nf_offsets_collect(k->tr, st, STORE_BATCH)) {
        rd_kafka_topic_partition_list_t *l =
            rd_kafka_topic_partition_list_new((int)n);

        for (i = 0; i < n; i++)
            rd_kafka_topic_partition_list_add(l, st[i].topic, st[i].partition)
                ->offset = st[i].offset;
        if (!k->cfg->unsafe_store_before_produce)
            rd_kafka_offsets_store(k->consumer, l);
        for (i = 0; i < (size_t)l->cnt; i++) {
            rd_kafka_topic_partition_t *p = &l->elems[i];

            if (k->cfg->unsafe_store_before_produce)
                break;
            if (p->err == RD_KAFKA_RESP_ERR_NO_ERROR)
                k->st.stored++;
            else if (p->err == RD_KAFKA_RESP_ERR__STATE)
                /* not assigned to us any more: nothing to store */
                nf_log(NF_LOG_DEBUG, "offset not stored: not ours", "{s:s,s:i}",
                       "topic", p->topic, "partition", (int)p->partition);
            else
                nf_log(NF_LOG_WARN, "offset store failed", "{s:s,s:i,s:s}",
                       "topic", p->topic, "partition", (int)p->partition,
                       "error", rd_kafka_err2str(p->err));
        }
        rd_kafka_topic_partition_list_destroy(l);
        if (n < STORE_BATCH)
            break;
    }
}

static void commit_sync(struct nf_kafka *k)
{
    rd_kafka_resp_err_t err;

    if (k->fatal)
        return;
    err = rd_kafka_commit(k->consumer, NULL, 0);
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
        nf_log(NF_LOG_WARN, "commit failed", "{s:s}", "error",
               rd_kafka_err2str(err));
}

/* ---- pause / resume --------------------------------------------------- */

static void set_paused(struct nf_kafka *k, bool pause)
{
    rd_kafka_topic_partition_list_t *parts = NULL;

    if (k->paused == pause)
        return;
    if (rd_kafka_assignment(k->consumer, &parts) == 0 && parts) {
        if (pause)
            rd_kafka_pause_partitions(k->consumer, parts);
        else
            rd_kafka_resume_partitions(k->consumer, parts);
        rd_kafka_topic_partition_list_destroy(parts);
    }
    k->paused = pause;
    nf_log(NF_LOG_DEBUG, pause ? "input paused" : "input resumed", "{s:I}",
           "in_process", (json_int_t)k->in_process);
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Congested: the producer queue is full or worker.queue.max messages are
 * in process. A short congestion only skips consumer polls (librdkafka's
 * fetch queue holds the input); a long one pauses the partitions, so the
 * consumer can be polled (group membership, rebalances) without taking
 * more. Pausing at once would cost a refetch on every resume. */
static bool backpressure(struct nf_kafka *k)
{
    size_t hi = (size_t)k->cfg->queue_max;
    bool congested = k->queue_full || k->in_process >= hi;

    if (congested) {
        if (k->congested_since == 0)
            k->congested_since = now_ms();
        else if (!k->paused && now_ms() - k->congested_since >= PAUSE_AFTER_MS)
            set_paused(k, true);
    } else {
        k->congested_since = 0;
        if (k->paused && k->in_process <= hi / 2)
            set_paused(k, false);
    }
    return congested;
}

/* ---- draining --------------------------------------------------------- */

/* Produce every in-process result and wait for their delivery reports, up
 * to @p timeout_ms. @returns true when nothing is left in flight. */
static bool drain(struct nf_kafka *k, long timeout_ms)
{
    int64_t end = now_ms() + timeout_ms;

    for (;;) {
        serve_results(k);
        rd_kafka_poll(k->producer, 0);
        store_offsets(k);
        nf_metrics_set_in_flight((long long)k->in_process);
        nf_metrics_heartbeat();
        if (k->fatal)
            return false;
        if (k->in_process == 0 && rd_kafka_outq_len(k->producer) == 0)
            return true;
        if (now_ms() >= end)
            return false;
        rd_kafka_poll(k->producer, POLL_BUSY_MS);
    }
}

/* ---- rebalance -------------------------------------------------------- */

static void log_parts(const char *msg,
                      const rd_kafka_topic_partition_list_t *parts)
{
    int i;

    for (i = 0; i < parts->cnt; i++)
        nf_log(NF_LOG_INFO, msg, "{s:s,s:i}", "topic", parts->elems[i].topic,
               "partition", (int)parts->elems[i].partition);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    struct nf_kafka *k = opaque;
    int i;

    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        log_parts("assigned", parts);
        rd_kafka_assign(rk, parts);
        /* regex subscriptions: assigned topics become label values */
        for (i = 0; i < parts->cnt; i++)
            nf_metrics_add_topic(parts->elems[i].topic, NF_METRICS_TOPIC_IN);
        nf_metrics_rebalance(NF_METRICS_ASSIGN);
        nf_metrics_set_assigned(true);
        /* New partitions obey the current back-pressure state, and both ways
         * explicitly: librdkafka keeps a partition's pause flag across
         * unassign/assign (librdkafka#1849), so a partition paused before a
         * revoke would otherwise stay paused for ever. */
        if (k->paused)
            rd_kafka_pause_partitions(rk, parts);
        else
            rd_kafka_resume_partitions(rk, parts);
        return;
    }
    if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        nf_log(NF_LOG_ERROR, "rebalance error", "{s:s}", "error",
               rd_kafka_err2str(err));
        nf_metrics_set_assigned(false);
        rd_kafka_assign(rk, NULL);
        return;
    }
    log_parts("revoked", parts);
    nf_metrics_set_assigned(false);
    nf_metrics_rebalance(rd_kafka_assignment_lost(rk) ? NF_METRICS_LOST
                                                      : NF_METRICS_REVOKE);
    if (rd_kafka_assignment_lost(rk)) {
        /* someone else may own them already: storing would be wrong */
        nf_log(NF_LOG_WARN, "assignment lost: dropping without storing", NULL);
    } else if (!drain(k, k->cfg->rebalance_timeout_ms)) {
        nf_log(NF_LOG_WARN, "revoke: in-flight work abandoned", "{s:I}",
               "in_process", (json_int_t)k->in_process);
    } else {
        commit_sync(k);
    }
    for (i = 0; i < parts->cnt; i++)
        nf_offsets_drop(k->tr, parts->elems[i].topic,
                        parts->elems[i].partition);
    rd_kafka_assign(rk, NULL);
}

/* ---- consuming -------------------------------------------------------- */

static int collect_headers(rd_kafka_message_t *rkm, struct job *j)
{
    rd_kafka_headers_t *h = NULL;
    size_t n, i;
    const char *name;
    const void *val;
    size_t size;

    if (rd_kafka_message_headers(rkm, &h) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return 0;
    n = rd_kafka_header_cnt(h);
    if (n == 0)
        return 0;
    j->hdrs = calloc(n, sizeof(*j->hdrs));
    if (!j->hdrs)
        return -1;
    for (i = 0; i < n && rd_kafka_header_get_all(h, i, &name, &val, &size) ==
                             RD_KAFKA_RESP_ERR_NO_ERROR;
         i++) {
        j->hdrs[i].name = name;
        j->hdrs[i].value = val;
        j->hdrs[i].len = size;
    }
    j->n_hdrs = i;
    return 0;
}

static size_t pick_worker(const struct nf_kafka *k, const char *topic,
                          int32_t partition)
{
    /* FNV-1a of the topic, mixed with the partition: stable per run */
    uint32_t h = 2166136261u;
    const unsigned char *p = (const unsigned char *)topic;

    while (*p)
        h = (h ^ *p++) * 16777619u;
    h = (h ^ (uint32_t)partition) * 16777619u;
    return h % k->n_workers;
}

static void handle_message(struct nf_kafka *k, rd_kafka_message_t *rkm)
{
    struct job *j;
    struct worker *w;
    int rc;

    if (rkm->err) {
        /* consumer errors are informational; librdkafka retries */
        nf_log(rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF ? NF_LOG_DEBUG
                                                            : NF_LOG_WARN,
               "consumer error", "{s:s}", "error",
               rd_kafka_message_errstr(rkm));
        rd_kafka_message_destroy(rkm);
        return;
    }
    j = calloc(1, sizeof(*j));
    if (!j || collect_headers(rkm, j) != 0) {
        free(j);
        rd_kafka_message_destroy(rkm);
        set_fatal(k, "consume", "out of memory");
        return;
    }
    j->rkm = rkm;
    j->refs = 1;
    j->t0_us = nf_metrics_now_us();
    rc = nf_offsets_add(k->tr, job_topic(j), rkm->partition, rkm->offset,
                        &j->epoch);
    if (rc != NF_OFFSETS_OK) {
        nf_log(NF_LOG_ERROR, "offset tracker refused a message",
               "{s:s,s:i,s:I,s:i}", "topic", job_topic(j), "partition",
               (int)rkm->partition, "offset", (json_int_t)rkm->offset, "code",
               rc);
        job_free(j);
        set_fatal(k, "consume", "offset tracker refused a message");
        return;
    }
    if (k->cfg->unsafe_store_before_produce) {
        /* TEST ONLY: the negative control of the loss checker */
        rd_kafka_topic_partition_list_t *l =
            rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, job_topic(j), rkm->partition)
            ->offset = rkm->offset + 1;
        rd_kafka_offsets_store(k->consumer, l);
        rd_kafka_topic_partition_list_destroy(l);
    }
    k->st.consumed++;
    nf_metrics_consumed(job_topic(j));
    k->in_process++;
    w = &k->w[pick_worker(k, job_topic(j), rkm->partition)];
    pthread_mutex_lock(&k->mu);
    q_push(&w->in, j);
    pthread_cond_broadcast(&k->cv);
    pthread_mutex_unlock(&k->mu);
    nf_testhook_poll(k->st.consumed);
}

/* ---- set-up and tear-down --------------------------------------------- */

static rd_kafka_t *make_client(struct nf_kafka *k, enum nf_kafka_side side,
                               struct nf_err *err)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char errstr[512];
    rd_kafka_t *rk;

    if (nf_config_apply_kafka(k->cfg, side, conf, err) != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_opaque(conf, k);
    rd_kafka_conf_set_log_cb(conf, nf_log_rdkafka_cb);
    rd_kafka_conf_set_error_cb(conf, error_cb);
    nf_metrics_install(conf, side == NF_KAFKA_PRODUCER);
    if (side == NF_KAFKA_PRODUCER)
        rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
    else
        rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rk = rd_kafka_new(side == NF_KAFKA_PRODUCER ? RD_KAFKA_PRODUCER
                                                : RD_KAFKA_CONSUMER,
                      conf, errstr, sizeof(errstr));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        nf_err_setf(err, NF_E_CONFIG, 0, "%s: %s",
                    side == NF_KAFKA_PRODUCER ? "producer" : "consumer",
                    errstr);
    }
    return rk;
}

static void stop_workers(struct nf_kafka *k)
{
    size_t i;
    struct job *j;

    pthread_mutex_lock(&k->mu);
    k->stop_workers = true;
    pthread_cond_broadcast(&k->cv);
    pthread_mutex_unlock(&k->mu);
    for (i = 0; i < k->n_workers; i++)
        if (k->w[i].started)
            pthread_join(k->w[i].tid, NULL);
    for (i = 0; i < k->n_workers; i++) {
        for (j = q_pop(&k->w[i].in); j; j = q_pop(&k->w[i].in))
            job_free(j);
        nf_pipeline_destroy(k->w[i].pl);
    }
    for (j = q_pop(&k->done); j; j = q_pop(&k->done))
        job_free(j);
}

static int subscribe(struct nf_kafka *k, struct nf_err *err)
{
    rd_kafka_topic_partition_list_t *l =
        rd_kafka_topic_partition_list_new((int)k->cfg->n_input_topics);
    rd_kafka_resp_err_t e;
    size_t i;

    for (i = 0; i < k->cfg->n_input_topics; i++)
        rd_kafka_topic_partition_list_add(l, k->cfg->input_topics[i],
                                          RD_KAFKA_PARTITION_UA);
    e = rd_kafka_subscribe(k->consumer, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e)
        return nf_err_setf(err, NF_E_KAFKA, 0, "subscribe: %s",
                           rd_kafka_err2str(e));
    return 0;
}

static int start(struct nf_kafka *k, const char *version, atomic_int *stop,
                 struct nf_err *err)
{
    struct nf_outputs plan;
    int32_t ids[NF_OUT__COUNT];
    size_t i;
    int rc;

    k->tr = nf_offsets_new(TRACKER_MAX_INFLIGHT);
    k->w = calloc((size_t)k->cfg->threads, sizeof(*k->w));
    if (!k->tr || !k->w)
        return nf_err_setf(err, NF_E_NOMEM, 0, "out of memory");
    k->n_workers = (size_t)k->cfg->threads;
    for (i = 0; i < k->n_workers; i++) {
        k->w[i].k = k;
        k->w[i].pl = nf_pipeline_new(k->cfg, version, err);
        if (!k->w[i].pl)
            return err ? err->code : NF_E_NOMEM;
    }
    /* Confluent framing: every schema id before the first record (issue
     * 5); the group is not even joined when the registry refuses. */
    rc = nf_outputs_from_config(k->cfg, &plan, err);
    if (rc == 0)
        rc = nf_registry_resolve(k->cfg, &plan, stop, ids, err);
    if (rc)
        return rc;
    for (i = 0; i < k->n_workers; i++)
        nf_pipeline_set_schema_ids(k->w[i].pl, ids);
    k->producer = make_client(k, NF_KAFKA_PRODUCER, err);
    if (!k->producer)
        return NF_E_CONFIG;
    k->consumer = make_client(k, NF_KAFKA_CONSUMER, err);
    if (!k->consumer)
        return NF_E_CONFIG;
    /* one queue: rebalances and messages both come from consumer_poll */
    rd_kafka_poll_set_consumer(k->consumer);
    for (i = 0; i < k->n_workers; i++) {
        if (pthread_create(&k->w[i].tid, NULL, worker_main, &k->w[i]) != 0)
            return nf_err_setf(err, NF_E_NOMEM, 0, "pthread_create: %s",
                               strerror(errno));
        k->w[i].started = true;
    }
    return subscribe(k, err);
}

int nf_kafka_run(const struct nf_config *cfg, const char *version,
                 atomic_int *stop, struct nf_kafka_stats *stats,
                 struct nf_err *err)
{
    struct nf_kafka *k = calloc(1, sizeof(*k));
    int rc, code = 0;
    bool drained = false;

    if (!k) {
        nf_err_setf(err, NF_E_NOMEM, 0, "out of memory");
        return 1;
    }
    k->cfg = cfg;
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cv, NULL);
    rc = start(k, version, stop, err);
    if (rc) {
        code = rc == NF_E_CONFIG ? 2 : 1;
        /* SIGTERM while waiting for the schema registry: nothing was
         * consumed, a clean stop */
        if (!k->consumer && atomic_load(stop))
            code = 0;
        goto out;
    }
    if (cfg->unsafe_store_before_produce)
        nf_log(NF_LOG_WARN,
               "UNSAFE: testing.unsafe.store.before.produce=true: offsets "
               "are stored BEFORE outputs are produced; a crash LOSES "
               "messages. Test use only.",
               NULL);
    nf_log(NF_LOG_INFO, "started", "{s:s,s:i}", "version", version, "threads",
           (int)k->n_workers);

    while (!atomic_load(stop) && !k->fatal) {
        bool congested = backpressure(k);

        if (congested && !k->paused) {
            /* serve delivery reports; input waits in librdkafka */
            rd_kafka_poll(k->producer, POLL_BUSY_MS);
        } else {
            rd_kafka_message_t *rkm = rd_kafka_consumer_poll(
                k->consumer, k->in_process ? POLL_BUSY_MS : POLL_IDLE_MS);

            if (rkm)
                handle_message(k, rkm);
        }
        serve_results(k);
        rd_kafka_poll(k->producer, 0);
        store_offsets(k);
        nf_metrics_set_in_flight((long long)k->in_process);
        nf_metrics_heartbeat();
    }

    /* not ready from here on: stopping (drain) or failed */
    nf_metrics_set_draining(true);
    if (!k->fatal) {
        nf_log(NF_LOG_INFO, "stopping: draining in-flight work", "{s:I}",
               "in_process", (json_int_t)k->in_process);
        drained = drain(k, cfg->shutdown_timeout_ms);
        if (drained)
            commit_sync(k);
        else
            nf_log(NF_LOG_ERROR, "drain incomplete: offsets not stored",
                   "{s:I,s:i}", "in_process", (json_int_t)k->in_process, "outq",
                   rd_kafka_outq_len(k->producer));
    }
    code = k->fatal || !drained ? 1 : 0;
    if (k->fatal && err)
        *err = k->fatal_err;
    else if (!drained)
        nf_err_setf(err, NF_E_KAFKA, 0, "drain incomplete");
out:
    /* close first: it may revoke (drain) and needs workers and producer */
    if (k->consumer && code == 0)
        rd_kafka_consumer_close(k->consumer);
    stop_workers(k);
    if (k->producer) {
        /* fail what is still queued, so every job is released by its DR */
        rd_kafka_purge(k->producer,
                       RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(k->producer, 1000);
        rd_kafka_destroy(k->producer);
    }
    while (k->pending.head)
        job_free(q_pop(&k->pending));
    /* last: every consumed message has been destroyed by now */
    if (k->consumer)
        rd_kafka_destroy_flags(
            k->consumer, code == 0 ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    nf_log(NF_LOG_INFO, "stopped", "{s:I,s:I,s:I,s:I,s:i}", "consumed",
           (json_int_t)k->st.consumed, "produced", (json_int_t)k->st.produced,
           "dead_letters", (json_int_t)k->st.dead_letters, "dr_errors",
           (json_int_t)k->st.dr_errors, "exit_code", code);
    if (stats)
        *stats = k->st;
    nf_offsets_destroy(k->tr);
    free(k->w);
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->cv);
    free(k);
    return code;
}
