/*
 * nf_kafka.c - consumer + producer life cycle with at-least-once offsets.
 *
 * Threads (nf_jobs.c, shared with nf_eos): the main thread owns both
 * librdkafka clients and every librdkafka call; enrichment runs on
 * worker.threads threads, and the outputs of a partition are produced in
 * input order.
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
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "nf_jobs.h"
#include "nf_kafka.h"
#include "nf_log.h"
#include "nf_metrics.h"
#include "nf_offsets.h"
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
/* Failed delivery reports logged one by one (the rest are counted). */
#define MAX_DR_ERROR_LOGS 10

struct nf_kafka {
    const struct nf_config *cfg;
    rd_kafka_t *consumer, *producer;
    struct nf_offsets *tr;
    struct nf_jobs_pool pool; /* worker threads and their results */
    struct nf_jobq pending;   /* main thread: results to produce, in order */
    size_t in_process;        /* dispatched, not yet fully produced */
    bool paused;
    bool queue_full;
    int64_t congested_since; /* ms, 0: not congested */
    bool fatal;
    struct nf_err fatal_err;
    struct nf_kafka_stats st;
};

/* ---- callbacks (all run on the main thread, from rd_kafka_*poll) ------ */

static void set_fatal(struct nf_kafka *k, const char *what, const char *detail)
{
    if (!k->fatal) {
        k->fatal = true;
        nf_err_set(&k->fatal_err, NF_E_KAFKA, 0, "%s: %s", what, detail);
    }
}

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
                      void *opaque)
{
    struct nf_kafka *k = opaque;
    struct nf_job *j = rkm->_private;
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
                   nf_jobs_topic(j), "input_partition", (int)j->rkm->partition,
                   "input_offset", (json_int_t)j->rkm->offset);
        set_fatal(k, "delivery failed", rd_kafka_err2str(rkm->err));
    } else {
        nf_jobs_delivered(j, rkm, &k->st);
    }
    /* E_UNKNOWN: the partition was revoked meanwhile; nothing to store */
    nf_offsets_ack(k->tr, nf_jobs_topic(j), j->rkm->partition, j->rkm->offset,
                   j->epoch, ok);
    nf_jobs_unref(j);
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
static int produce_job(struct nf_kafka *k, struct nf_job *j)
{
    struct nf_result *res = &j->res;

    if (!j->expected) {
        int rc =
            nf_offsets_expect(k->tr, nf_jobs_topic(j), j->rkm->partition,
                              j->rkm->offset, j->epoch, (unsigned)res->n_out);
        if (rc == NF_OFFSETS_E_UNKNOWN)
            return 2; /* partition revoked: abandon, do not produce */
        j->expected = true;
    }
    while (j->next_out < res->n_out) {
        const char *topic = res->out[j->next_out].topic;
        rd_kafka_resp_err_t err = nf_jobs_produce(k->producer, j);

        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return 1;
        if (err) {
            nf_log(NF_LOG_ERROR, "produce refused", "{s:s,s:s}", "topic", topic,
                   "error", rd_kafka_err2str(err));
            set_fatal(k, "produce refused", rd_kafka_err2str(err));
            return -1;
        }
    }
    return 0;
}

/* Move finished results to the pending FIFO and produce from its head. */
static void serve_results(struct nf_kafka *k)
{
    struct nf_job *j;

    nf_jobs_pool_collect(&k->pool, &k->pending);

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
        nf_jobs_pop(&k->pending);
        k->in_process--;
        if (rc == 0)
            nf_offsets_ack(k->tr, nf_jobs_topic(j), j->rkm->partition,
                           j->rkm->offset, j->epoch, true);
        nf_jobs_unref(j); /* the processing reference */
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

/* ---- draining --------------------------------------------------------- */

/* Produce every in-process result and wait for their delivery reports, up
 * to @p timeout_ms. @returns true when nothing is left in flight. */
static bool drain(struct nf_kafka *k, long timeout_ms)
{
    int64_t end = nf_jobs_now_ms() + timeout_ms;

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
        if (nf_jobs_now_ms() >= end)
            return false;
        rd_kafka_poll(k->producer, POLL_BUSY_MS);
    }
}

/* ---- rebalance -------------------------------------------------------- */

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    struct nf_kafka *k = opaque;
    int i;

    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        nf_jobs_assign(rk, parts, k->paused);
        return;
    }
    if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        nf_log(NF_LOG_ERROR, "rebalance error", "{s:s}", "error",
               rd_kafka_err2str(err));
        nf_metrics_set_assigned(false);
        rd_kafka_assign(rk, NULL);
        return;
    }
    nf_jobs_revoked(rk, parts);
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

static void handle_message(struct nf_kafka *k, rd_kafka_message_t *rkm)
{
    struct nf_job *j;
    int rc;

    if (nf_jobs_consumer_error(rkm))
        return;
    j = nf_jobs_new(rkm);
    if (!j) {
        rd_kafka_message_destroy(rkm);
        set_fatal(k, "consume", "out of memory");
        return;
    }
    rc = nf_offsets_add(k->tr, nf_jobs_topic(j), rkm->partition, rkm->offset,
                        &j->epoch);
    if (rc != NF_OFFSETS_OK) {
        nf_log(NF_LOG_ERROR, "offset tracker refused a message",
               "{s:s,s:i,s:I,s:i}", "topic", nf_jobs_topic(j), "partition",
               (int)rkm->partition, "offset", (json_int_t)rkm->offset, "code",
               rc);
        nf_jobs_free(j);
        set_fatal(k, "consume", "offset tracker refused a message");
        return;
    }
    if (k->cfg->unsafe_store_before_produce) {
        /* TEST ONLY: the negative control of the loss checker */
        rd_kafka_topic_partition_list_t *l =
            rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, nf_jobs_topic(j), rkm->partition)
            ->offset = rkm->offset + 1;
        rd_kafka_offsets_store(k->consumer, l);
        rd_kafka_topic_partition_list_destroy(l);
    }
    k->st.consumed++;
    nf_metrics_consumed(nf_jobs_topic(j));
    k->in_process++;
    nf_jobs_pool_submit(&k->pool, j);
    nf_testhook_poll(k->st.consumed);
}

/* ---- set-up and tear-down --------------------------------------------- */

static rd_kafka_t *make_client(struct nf_kafka *k, enum nf_kafka_side side,
                               struct nf_err *err)
{
    const struct nf_jobs_callbacks cb = {k, error_cb, dr_msg_cb, rebalance_cb};

    return nf_jobs_client(k->cfg, side, NULL, &cb, err);
}

static int start(struct nf_kafka *k, const char *version, atomic_int *stop,
                 struct nf_err *err)
{
    int rc;

    k->tr = nf_offsets_new(TRACKER_MAX_INFLIGHT);
    if (!k->tr)
        return nf_err_set(err, NF_E_NOMEM, 0, "out of memory");
    rc = nf_jobs_pool_open(&k->pool, k->cfg, version, stop, err);
    if (rc)
        return rc;
    k->producer = make_client(k, NF_KAFKA_PRODUCER, err);
    if (!k->producer)
        return NF_E_CONFIG;
    nf_jobs_warm_topics(k->producer, k->cfg);
    k->consumer = make_client(k, NF_KAFKA_CONSUMER, err);
    if (!k->consumer)
        return NF_E_CONFIG;
    /* one queue: rebalances and messages both come from consumer_poll */
    rd_kafka_poll_set_consumer(k->consumer);
    nf_jobs_pool_wake(&k->pool, k->consumer);
    rc = nf_jobs_pool_start(&k->pool, err);
    if (rc)
        return rc;
    return nf_jobs_subscribe(k->consumer, k->cfg, err);
}

int nf_kafka_run(const struct nf_config *cfg, const char *version,
                 atomic_int *stop, struct nf_kafka_stats *stats,
                 struct nf_err *err)
{
    struct nf_kafka *k = calloc(1, sizeof(*k));
    int rc, code = 0;
    bool drained = false;

    if (!k) {
        nf_err_set(err, NF_E_NOMEM, 0, "out of memory");
        return 1;
    }
    k->cfg = cfg;
    nf_jobs_pool_init(&k->pool);
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
           (int)k->pool.n);

    while (!atomic_load(stop) && !k->fatal) {
        bool congested = nf_jobs_backpressure(k->consumer, k->cfg->queue_max,
                                              k->in_process, k->queue_full,
                                              &k->paused, &k->congested_since);

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
        nf_err_set(err, NF_E_KAFKA, 0, "drain incomplete");
out:
    /* close first: it may revoke (drain) and needs workers and producer */
    if (k->consumer && code == 0)
        rd_kafka_consumer_close(k->consumer);
    nf_jobs_pool_stop(&k->pool);
    if (k->producer) {
        /* fail what is still queued, so every job is released by its DR */
        rd_kafka_purge(k->producer,
                       RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(k->producer, 1000);
        rd_kafka_destroy(k->producer);
    }
    while (k->pending.head)
        nf_jobs_free(nf_jobs_pop(&k->pending));
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
    nf_jobs_pool_fini(&k->pool);
    free(k);
    return code;
}
