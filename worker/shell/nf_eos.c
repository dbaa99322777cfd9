/*
 * nf_eos.c - exactly-once loop: one Kafka transaction per batch of inputs.
 *
 * The same threads as nf_kafka (nf_jobs.c; main thread: both librdkafka
 * clients and every librdkafka call; worker.threads enrichment threads with
 * one nf_pipeline each, a message going to the thread of its partition, so
 * a partition's outputs come back in input order). What differs is how an
 * input is marked done:
 *
 *   consume → worker thread → begin_transaction (lazily) → produce every
 *   output of the input (category record or dead letter, ECS copy, alert)
 *   → txn position of its partition = offset + 1
 *   ... every eos.batch.max.messages inputs or eos.batch.max.ms:
 *   send_offsets_to_transaction(positions, consumer group metadata)
 *   → commit_transaction
 *
 * Outputs and input offsets become visible together or not at all, so a
 * read_committed reader sees each input's outputs exactly once (its
 * alert, hence its webhook-id, too) whatever crashes. No offset tracker is
 * needed: commit_transaction fails when any output failed. A transaction is
 * never committed while an input is half produced (QUEUE_FULL between two
 * outputs): its offset would be left out while some outputs went in.
 *
 * Errors (librdkafka's transactional error classes, examples/
 * transactions.c): abortable → abort_transaction, discard the results in
 * flight (generation counter) and rewind the consumer to the committed
 * offsets (rd_kafka_committed + rd_kafka_seek_partitions). Fatal (fenced,
 * sequence desynchronization), or a commit/abort that times out →
 * recreate the producer with the same transactional.id: its
 * init_transactions fences the old epoch and completes or aborts whatever
 * the old one left open (librdkafka 2.0.2 has no KIP-890 fixes:
 * delivery.md), then rewind. Too many recreations in a row without a
 * commit (e.g. two replicas sharing eos.instance.id fencing each other)
 * stop the worker (exit 1).
 *
 * Zombies: offsets are sent with the consumer group metadata (KIP-447), so
 * a worker that lost its partitions (session timeout, SIGSTOP) is refused
 * by the group coordinator at send_offsets or commit and aborts. The
 * transactional.id only needs to be stable per replica
 * (<prefix>-<eos.instance.id>): then a restarted replica aborts its
 * predecessor's open transaction at once instead of after
 * transaction.timeout.ms, during which read_committed readers would stall.
 *
 * Rebalance (eager): on revoke, finish the in-flight inputs (up to
 * rebalance.timeout.ms) into the open transaction and commit it while the
 * generation is still valid; when that fails, abort (the next owner
 * reprocesses from the committed offsets). A lost assignment aborts.
 *
 * Discarded: one transactional producer per input partition (the pre-
 * KIP-447 scheme: many producers, no gain with group metadata) and
 * committing per input (a transaction costs several round trips).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "nf_eos.h"
#include "nf_jobs.h"
#include "nf_log.h"
#include "nf_metrics.h"
#include "nf_testhook.h"

/* Poll budgets (ms), as in nf_kafka. */
#define POLL_BUSY_MS 5
#define POLL_IDLE_MS 100
/* Failed delivery reports logged one by one (the rest are counted). */
#define MAX_DR_ERROR_LOGS 10
/* Producer recreations in a row without a committed transaction before
 * the worker gives up (exit 1). */
#define MAX_RECREATES 5
/* init_transactions attempts per recreation (retriable errors). */
#define INIT_ATTEMPTS 3
/* transactional.id: "<prefix>-<instance>" (Kafka caps ids far above). */
#define TXN_ID_MAX 512

struct nf_eos {
    const struct nf_config *cfg;
    rd_kafka_t *consumer, *producer;
    char txn_id[TXN_ID_MAX];
    struct nf_jobs_pool pool; /* worker threads and their results */
    struct nf_jobq pending;
    size_t in_process; /* dispatched, not yet produced or discarded */
    uint64_t gen;
    /* the open transaction */
    bool in_txn;
    int64_t txn_start_ms;
    long txn_inputs;
    rd_kafka_topic_partition_list_t *txn_pos;
    /* state */
    bool paused, queue_full;
    int64_t congested_since;
    bool producer_fatal; /* error_cb: recreate at the next turn */
    bool in_revoke;      /* the assignment is going away: no rewind */
    int recreates;       /* in a row, without a commit */
    long long aborted;
    bool fatal;
    struct nf_err fatal_err;
    struct nf_kafka_stats st;
};

/* ---- callbacks (main thread) ------------------------------------------ */

static void set_fatal(struct nf_eos *e, const char *what, const char *detail)
{
    if (!e->fatal) {
        e->fatal = true;
        nf_err_set(&e->fatal_err, NF_E_KAFKA, 0, "%s: %s", what, detail);
    }
}

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
                      void *opaque)
{
    struct nf_eos *e = opaque;
    struct nf_job *j = rkm->_private;

    (void)rk;
    if (!j)
        return;
    if (rkm->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        nf_jobs_delivered(j, rkm, &e->st);
    } else if (rkm->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE &&
               rkm->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
        /* the transaction cannot commit now: commit_transaction says so
         * and the batch is aborted and reprocessed */
        nf_metrics_delivery_error();
        if (++e->st.dr_errors <= MAX_DR_ERROR_LOGS)
            nf_log(NF_LOG_WARN, "delivery failed: the transaction will abort",
                   "{s:s,s:s,s:s,s:i,s:I}", "error", rd_kafka_err2str(rkm->err),
                   "output_topic", rd_kafka_topic_name(rkm->rkt), "input_topic",
                   nf_jobs_topic(j), "input_partition", (int)j->rkm->partition,
                   "input_offset", (json_int_t)j->rkm->offset);
    }
    nf_jobs_unref(j);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct nf_eos *e = opaque;
    char why[512];

    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        rd_kafka_fatal_error(rk, why, sizeof(why));
        if (rk == e->producer) {
            /* fenced, sequence desynchronization...: a new producer */
            nf_log(NF_LOG_WARN, "fatal producer error: recreating it", "{s:s}",
                   "reason", why);
            e->producer_fatal = true;
            return;
        }
        nf_log(NF_LOG_ERROR, "fatal consumer error: stopping", "{s:s}",
               "reason", why);
        set_fatal(e, "fatal client error", why);
        return;
    }
    if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
        (err == RD_KAFKA_RESP_ERR__SSL &&
         strstr(reason, "certificate verify failed"))) {
        nf_log(NF_LOG_ERROR, "Kafka authentication or TLS failed: stopping",
               "{s:s,s:s}", "client", rd_kafka_name(rk), "reason", reason);
        set_fatal(e, "Kafka authentication or TLS failed", reason);
        return;
    }
    nf_log(NF_LOG_WARN, reason, "{s:s,s:s}", "client", rd_kafka_name(rk),
           "error", rd_kafka_err2name((rd_kafka_resp_err_t)err));
}

/* ---- clients ---------------------------------------------------------- */

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque);

static rd_kafka_t *make_client(struct nf_eos *e, enum nf_kafka_side side,
                               struct nf_err *err)
{
    const struct nf_jobs_callbacks cb = {e, error_cb, dr_msg_cb, rebalance_cb};

    return nf_jobs_client(e->cfg, side, e->txn_id, &cb, err);
}

/* <prefix>-<instance>: prefix defaults to group.id; the instance to
 * eos.instance.id, then group.instance.id, then <hostname>-<pid>. */
static int make_txn_id(struct nf_eos *e, struct nf_err *err)
{
    const struct nf_config *cfg = e->cfg;
    const char *prefix =
        cfg->eos_txn_prefix ? cfg->eos_txn_prefix : cfg->group_id;
    const char *inst = cfg->eos_instance;
    const struct nf_kvlist *lists[2] = {&cfg->kafka_consumer,
                                        &cfg->kafka_common};
    char host[256];
    size_t i, l;
    int n;

    for (l = 0; l < 2 && !inst; l++)
        for (i = 0; i < lists[l]->n && !inst; i++)
            if (strcmp(lists[l]->v[i].key, "group.instance.id") == 0)
                inst = lists[l]->v[i].value;
    if (inst) {
        n = snprintf(e->txn_id, sizeof(e->txn_id), "%s-%s", prefix, inst);
    } else {
        if (gethostname(host, sizeof(host)) != 0)
            snprintf(host, sizeof(host), "worker");
        host[sizeof(host) - 1] = '\0';
        n = snprintf(e->txn_id, sizeof(e->txn_id), "%s-%s-%ld", prefix, host,
                     (long)getpid());
        nf_log(NF_LOG_WARN,
               "eos.instance.id not set: transactional.id is per process; a "
               "crashed worker's open transaction stalls read_committed "
               "readers until transaction.timeout.ms",
               "{s:s}", "transactional.id", e->txn_id);
    }
    if (n < 0 || (size_t)n >= sizeof(e->txn_id))
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "eos.transactional.id.prefix: transactional.id "
                          "longer than %d bytes",
                          TXN_ID_MAX - 1);
    return 0;
}

/* A transactional producer ready for begin_transaction. */
static int open_producer(struct nf_eos *e, struct nf_err *err)
{
    int attempt;

    e->producer = make_client(e, NF_KAFKA_PRODUCER, err);
    if (!e->producer)
        return NF_E_CONFIG;
    nf_jobs_warm_topics(e->producer, e->cfg);
    for (attempt = 1;; attempt++) {
        rd_kafka_error_t *x = rd_kafka_init_transactions(
            e->producer, e->cfg->eos_commit_timeout_ms);
        int retriable;

        if (!x)
            return 0;
        retriable = rd_kafka_error_is_retriable(x);
        nf_log(NF_LOG_WARN, "init_transactions failed", "{s:s,s:i,s:b}",
               "error", rd_kafka_error_string(x), "attempt", attempt,
               "retriable", retriable);
        nf_err_set(err, NF_E_KAFKA, 0, "init_transactions: %s",
                   rd_kafka_error_string(x));
        rd_kafka_error_destroy(x);
        if (!retriable || attempt == INIT_ATTEMPTS)
            return NF_E_KAFKA;
    }
}

/* ---- the open transaction --------------------------------------------- */

static void txn_reset(struct nf_eos *e)
{
    e->in_txn = false;
    e->txn_inputs = 0;
    rd_kafka_topic_partition_list_destroy(e->txn_pos);
    e->txn_pos = rd_kafka_topic_partition_list_new(16);
}

/* Drop every result in flight: they belong to an aborted transaction and
 * are consumed again after the rewind. */
static void discard_in_flight(struct nf_eos *e)
{
    struct nf_job *j;

    e->gen++;
    while ((j = nf_jobs_pop(&e->pending)) != NULL) {
        e->in_process--;
        nf_jobs_unref(j);
    }
}

/* Seek every assigned partition back to its committed offset (the start
 * when the group has none; auto.offset.reset=earliest). */
static void rewind_consumer(struct nf_eos *e)
{
    rd_kafka_topic_partition_list_t *parts = NULL;
    rd_kafka_resp_err_t err;
    rd_kafka_error_t *x;
    int i;

    /* revoked partitions restart from the committed offsets anyway */
    if (e->in_revoke || rd_kafka_assignment(e->consumer, &parts) != 0 || !parts)
        return;
    if (parts->cnt == 0)
        goto out;
    err = rd_kafka_committed(e->consumer, parts,
                             (int)e->cfg->eos_commit_timeout_ms);
    if (err) {
        /* cannot know where to resume: a restart reprocesses safely */
        set_fatal(e, "rewind: committed offsets", rd_kafka_err2str(err));
        goto out;
    }
    for (i = 0; i < parts->cnt; i++)
        if (parts->elems[i].offset < 0)
            parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
    x = rd_kafka_seek_partitions(e->consumer, parts,
                                 (int)e->cfg->eos_commit_timeout_ms);
    if (x) {
        set_fatal(e, "rewind: seek", rd_kafka_error_string(x));
        rd_kafka_error_destroy(x);
        goto out;
    }
    nf_log(NF_LOG_INFO, "rewound to the committed offsets", "{s:i}",
           "partitions", parts->cnt);
out:
    rd_kafka_topic_partition_list_destroy(parts);
}

/* Fatal producer error, or a commit/abort that timed out: a new producer
 * with the same transactional.id fences the old one and ends what it left
 * open; then everything since the last commit is consumed again. */
static void recreate_producer(struct nf_eos *e, const char *why)
{
    struct nf_err err = {0};

    nf_log(NF_LOG_WARN, "recreating the transactional producer", "{s:s,s:i}",
           "reason", why, "in_a_row", e->recreates + 1);
    if (++e->recreates > MAX_RECREATES) {
        set_fatal(e, "producer recreated too often without a commit", why);
        return;
    }
    discard_in_flight(e);
    e->aborted += e->in_txn;
    txn_reset(e);
    rd_kafka_purge(e->producer,
                   RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(e->producer, 0); /* purge reports release the jobs */
    rd_kafka_flush(e->producer, 1000);
    rd_kafka_destroy(e->producer);
    e->producer = NULL;
    e->producer_fatal = false;
    e->queue_full = false;
    if (open_producer(e, &err) != 0) {
        set_fatal(e, "recreate producer", err.msg);
        return;
    }
    rewind_consumer(e);
}

/* Abort the open transaction and rewind. */
static void abort_and_rewind(struct nf_eos *e, const char *why)
{
    rd_kafka_error_t *x;

    nf_log(NF_LOG_WARN, "aborting the transaction", "{s:s,s:I}", "reason", why,
           "inputs", (json_int_t)e->txn_inputs);
    discard_in_flight(e);
    if (e->in_txn) {
        x = rd_kafka_abort_transaction(e->producer,
                                       (int)e->cfg->eos_commit_timeout_ms);
        if (x) {
            char msg[512];

            snprintf(msg, sizeof(msg), "abort failed: %s",
                     rd_kafka_error_string(x));
            rd_kafka_error_destroy(x);
            recreate_producer(e, msg);
            return;
        }
        e->aborted++;
    }
    txn_reset(e);
    e->queue_full = false;
    rewind_consumer(e);
}

/* A failed transactional call: classify and recover (examples/
 * transactions.c). Takes @p x. */
static void txn_failed(struct nf_eos *e, const char *what, rd_kafka_error_t *x)
{
    char msg[512];
    bool fatal = rd_kafka_error_is_fatal(x);
    bool abortable = rd_kafka_error_txn_requires_abort(x);

    snprintf(msg, sizeof(msg), "%s: %s", what, rd_kafka_error_string(x));
    rd_kafka_error_destroy(x);
    if (!fatal && abortable)
        abort_and_rewind(e, msg);
    else
        recreate_producer(e, msg); /* fatal, timed out, or unknown state */
}

static bool begin(struct nf_eos *e)
{
    rd_kafka_error_t *x;

    if (e->in_txn)
        return true;
    x = rd_kafka_begin_transaction(e->producer);
    if (x) {
        txn_failed(e, "begin_transaction", x);
        return false;
    }
    e->in_txn = true;
    e->txn_start_ms = nf_jobs_now_ms();
    return true;
}

/* Commit the open transaction with the positions of the inputs produced
 * in it. @returns true when committed (or nothing was open). */
static bool commit(struct nf_eos *e)
{
    rd_kafka_error_t *x;
    long n = e->txn_inputs;

    if (!e->in_txn)
        return true;
    if (e->txn_pos->cnt > 0) {
        rd_kafka_consumer_group_metadata_t *md =
            rd_kafka_consumer_group_metadata(e->consumer);

        x = rd_kafka_send_offsets_to_transaction(
            e->producer, e->txn_pos, md, (int)e->cfg->eos_commit_timeout_ms);
        rd_kafka_consumer_group_metadata_destroy(md);
        if (x) {
            txn_failed(e, "send_offsets_to_transaction", x);
            return false;
        }
    }
    x = rd_kafka_commit_transaction(e->producer,
                                    (int)e->cfg->eos_commit_timeout_ms);
    if (x) {
        txn_failed(e, "commit_transaction", x);
        return false;
    }
    e->st.stored++;
    e->recreates = 0;
    nf_log(NF_LOG_DEBUG, "transaction committed", "{s:I,s:i}", "inputs",
           (json_int_t)n, "partitions", e->txn_pos->cnt);
    txn_reset(e);
    return true;
}

/* A batch is due by count or age, and no input is half produced. */
static bool commit_due(const struct nf_eos *e)
{
    if (!e->in_txn || (e->pending.head && e->pending.head->next_out > 0))
        return false;
    return e->txn_inputs >= e->cfg->eos_batch_max_messages ||
           nf_jobs_now_ms() - e->txn_start_ms >= e->cfg->eos_batch_max_ms;
}

/* ---- producing -------------------------------------------------------- */

/* Produce the remaining outputs of @p j into the open transaction.
 * @returns 0 all handed over, 1 QUEUE_FULL (retry later), -1 failed (the
 * transaction was aborted or the producer recreated). */
static int produce_job(struct nf_eos *e, struct nf_job *j)
{
    struct nf_result *res = &j->res;

    if (!begin(e))
        return -1;
    while (j->next_out < res->n_out) {
        const char *topic = res->out[j->next_out].topic;
        rd_kafka_resp_err_t err = nf_jobs_produce(e->producer, j);
        char msg[512];

        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return 1;
        if (err) {
            /* e.g. __STATE: the transaction is in an abortable state */
            snprintf(msg, sizeof(msg), "produce to %s: %s", topic,
                     rd_kafka_err2str(err));
            if (err == RD_KAFKA_RESP_ERR__FATAL || e->producer_fatal)
                recreate_producer(e, msg);
            else
                abort_and_rewind(e, msg);
            return -1;
        }
    }
    return 0;
}

/* Move finished results to the pending FIFO and produce from its head. */
static void serve_results(struct nf_eos *e)
{
    struct nf_job *j;

    nf_jobs_pool_collect(&e->pool, &e->pending);

    e->queue_full = false;
    for (j = e->pending.head; j && !e->fatal; j = e->pending.head) {
        rd_kafka_topic_partition_t *tp;
        int rc;

        if (j->epoch != e->gen) {
            /* consumed before an abort: it comes again after the rewind */
            nf_jobs_pop(&e->pending);
            e->in_process--;
            nf_jobs_unref(j);
            continue;
        }
        if (j->res.disp == NF_DISP_FATAL) {
            nf_log(NF_LOG_ERROR, "cannot encode a dead letter", "{s:s}",
                   "reason", j->res.err.msg);
            set_fatal(e, "pipeline", j->res.err.msg);
            return;
        }
        if (e->producer_fatal) {
            recreate_producer(e, "fatal producer error");
            continue; /* j is stale now */
        }
        rc = produce_job(e, j);
        if (rc == 1) {
            e->queue_full = true;
            return;
        }
        if (rc < 0)
            continue; /* aborted: j is stale and is dropped above */
        tp = rd_kafka_topic_partition_list_find(e->txn_pos, nf_jobs_topic(j),
                                                j->rkm->partition);
        if (!tp)
            tp = rd_kafka_topic_partition_list_add(e->txn_pos, nf_jobs_topic(j),
                                                   j->rkm->partition);
        tp->offset = j->rkm->offset + 1;
        e->txn_inputs++;
        nf_jobs_pop(&e->pending);
        e->in_process--;
        nf_jobs_unref(j); /* the processing reference */
        if (e->txn_inputs >= e->cfg->eos_batch_max_messages)
            return; /* commit before taking more */
    }
}

/* Produce every in-process result of the current generation into the
 * open transaction, up to @p timeout_ms. @returns true when none is left
 * (then the transaction can be committed). */
static bool finish_in_flight(struct nf_eos *e, long timeout_ms)
{
    int64_t end = nf_jobs_now_ms() + timeout_ms;
    uint64_t gen = e->gen;

    for (;;) {
        serve_results(e);
        if (e->fatal || e->gen != gen)
            return false; /* failed, or aborted meanwhile */
        if (e->in_process == 0)
            return true;
        if (nf_jobs_now_ms() >= end)
            return false;
        if (e->txn_inputs >= e->cfg->eos_batch_max_messages && commit_due(e))
            commit(e);
        rd_kafka_poll(e->producer, POLL_BUSY_MS);
        nf_metrics_heartbeat();
    }
}

/* ---- rebalance -------------------------------------------------------- */

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    struct nf_eos *e = opaque;

    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        /* offsets INVALID: the committed ones, fetched as stable
         * (read_committed: pending transactional commits are waited for) */
        nf_jobs_assign(rk, parts, e->paused);
        return;
    }
    if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        nf_log(NF_LOG_ERROR, "rebalance error", "{s:s}", "error",
               rd_kafka_err2str(err));
        nf_metrics_set_assigned(false);
        abort_and_rewind(e, "rebalance error");
        rd_kafka_assign(rk, NULL);
        return;
    }
    nf_jobs_revoked(rk, parts);
    e->in_revoke = true;
    if (e->fatal) {
        /* nothing more is committed */
    } else if (rd_kafka_assignment_lost(rk)) {
        /* the coordinator would refuse our offsets: abort at once */
        abort_and_rewind(e, "assignment lost");
    } else if (!finish_in_flight(e, e->cfg->rebalance_timeout_ms)) {
        abort_and_rewind(e, "revoke: in-flight work not finished in time");
    } else {
        commit(e);
    }
    /* whatever is still in flight belongs to the next owner now */
    discard_in_flight(e);
    rd_kafka_assign(rk, NULL);
    e->in_revoke = false;
}

/* ---- consuming -------------------------------------------------------- */

static void handle_message(struct nf_eos *e, rd_kafka_message_t *rkm)
{
    struct nf_job *j;

    if (nf_jobs_consumer_error(rkm))
        return;
    j = nf_jobs_new(rkm);
    if (!j) {
        rd_kafka_message_destroy(rkm);
        set_fatal(e, "consume", "out of memory");
        return;
    }
    j->epoch = e->gen;
    e->st.consumed++;
    nf_metrics_consumed(nf_jobs_topic(j));
    e->in_process++;
    nf_jobs_pool_submit(&e->pool, j);
    nf_testhook_poll(e->st.consumed);
}

/* ---- set-up and tear-down --------------------------------------------- */

static int start(struct nf_eos *e, const char *version, atomic_int *stop,
                 struct nf_err *err)
{
    int rc;

    e->txn_pos = rd_kafka_topic_partition_list_new(16);
    rc = nf_jobs_pool_open(&e->pool, e->cfg, version, stop, err);
    if (rc)
        return rc;
    rc = make_txn_id(e, err);
    if (rc)
        return rc;
    rc = open_producer(e, err);
    if (rc)
        return rc;
    e->consumer = make_client(e, NF_KAFKA_CONSUMER, err);
    if (!e->consumer)
        return NF_E_CONFIG;
    rd_kafka_poll_set_consumer(e->consumer);
    nf_jobs_pool_wake(&e->pool, e->consumer);
    rc = nf_jobs_pool_start(&e->pool, err);
    if (rc)
        return rc;
    return nf_jobs_subscribe(e->consumer, e->cfg, err);
}

/* SIGTERM: stop fetching, produce what is in flight, commit. */
static bool drain(struct nf_eos *e)
{
    nf_log(NF_LOG_INFO, "stopping: draining in-flight work", "{s:I}",
           "in_process", (json_int_t)e->in_process);
    if (!finish_in_flight(e, e->cfg->shutdown_timeout_ms)) {
        if (!e->fatal)
            abort_and_rewind(e, "drain incomplete");
        return false;
    }
    return commit(e) && !e->fatal;
}

int nf_eos_run(const struct nf_config *cfg, const char *version,
               atomic_int *stop, struct nf_kafka_stats *stats,
               struct nf_err *err)
{
    struct nf_eos *e = calloc(1, sizeof(*e));
    int rc, code = 0;
    bool drained = false;

    if (!e) {
        nf_err_set(err, NF_E_NOMEM, 0, "out of memory");
        return 1;
    }
    e->cfg = cfg;
    nf_jobs_pool_init(&e->pool);
    rc = start(e, version, stop, err);
    if (rc) {
        code = rc == NF_E_CONFIG ? 2 : 1;
        if (!e->consumer && atomic_load(stop))
            code = 0;
        goto out;
    }
    nf_log(NF_LOG_INFO, "started", "{s:s,s:i,s:s,s:s,s:I,s:I}", "version",
           version, "threads", (int)e->pool.n, "delivery.mode", "exactly-once",
           "transactional.id", e->txn_id, "eos.batch.max.messages",
           (json_int_t)cfg->eos_batch_max_messages, "eos.batch.max.ms",
           (json_int_t)cfg->eos_batch_max_ms);

    while (!atomic_load(stop) && !e->fatal) {
        /* same policy as nf_kafka: skip consumer polls while congested,
         * pause the partitions when it lasts */
        bool congested = nf_jobs_backpressure(e->consumer, e->cfg->queue_max,
                                              e->in_process, e->queue_full,
                                              &e->paused, &e->congested_since);

        if (congested && !e->paused) {
            rd_kafka_poll(e->producer, POLL_BUSY_MS);
        } else {
            rd_kafka_message_t *rkm = rd_kafka_consumer_poll(
                e->consumer,
                e->in_process || e->in_txn ? POLL_BUSY_MS : POLL_IDLE_MS);

            if (rkm)
                handle_message(e, rkm);
        }
        if (e->producer_fatal)
            recreate_producer(e, "fatal producer error");
        serve_results(e);
        rd_kafka_poll(e->producer, 0);
        if (commit_due(e))
            commit(e);
        nf_metrics_set_in_flight((long long)e->in_process);
        nf_metrics_heartbeat();
    }

    nf_metrics_set_draining(true);
    if (!e->fatal)
        drained = drain(e);
    code = e->fatal || !drained ? 1 : 0;
    if (e->fatal && err)
        *err = e->fatal_err;
    else if (!drained)
        nf_err_set(err, NF_E_KAFKA, 0, "drain incomplete");
out:
    /* close leaves the group (its revoke commits nothing new: drained) */
    if (e->consumer && code == 0)
        rd_kafka_consumer_close(e->consumer);
    nf_jobs_pool_stop(&e->pool);
    if (e->producer) {
        if (e->in_txn) {
            rd_kafka_error_t *x = rd_kafka_abort_transaction(e->producer, 5000);

            if (x)
                rd_kafka_error_destroy(x);
        }
        rd_kafka_purge(e->producer,
                       RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(e->producer, 1000);
        rd_kafka_destroy(e->producer);
    }
    while (e->pending.head)
        nf_jobs_free(nf_jobs_pop(&e->pending));
    if (e->consumer)
        rd_kafka_destroy_flags(
            e->consumer, code == 0 ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    nf_log(NF_LOG_INFO, "stopped", "{s:I,s:I,s:I,s:I,s:I,s:I,s:i}", "consumed",
           (json_int_t)e->st.consumed, "produced", (json_int_t)e->st.produced,
           "dead_letters", (json_int_t)e->st.dead_letters, "dr_errors",
           (json_int_t)e->st.dr_errors, "transactions_committed",
           (json_int_t)e->st.stored, "transactions_aborted",
           (json_int_t)e->aborted, "exit_code", code);
    if (stats)
        *stats = e->st;
    if (e->txn_pos)
        rd_kafka_topic_partition_list_destroy(e->txn_pos);
    nf_jobs_pool_fini(&e->pool);
    free(e);
    return code;
}
