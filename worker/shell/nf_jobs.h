/*
 * nf_jobs.h - the machinery shared by the two Kafka loops (nf_kafka:
 * at-least-once offsets, nf_eos: transactions): jobs and their FIFOs, the
 * enrichment worker threads, and the librdkafka chores both loops do the
 * same way (clients, subscription, back-pressure, assignment, producing one
 * output). How an input is marked done stays in each loop.
 */
#ifndef NF_JOBS_H
#define NF_JOBS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "nf_config.h"
#include "nf_err.h"
#include "nf_kafka.h"
#include "nf_pipeline.h"

/** One consumed message on its way through a loop. */
struct nf_job {
    struct nf_job *next;
    rd_kafka_message_t *rkm;
    /** nf_kafka: the offset tracker's epoch; nf_eos: the generation when
     * consumed (stale after an abort). */
    uint64_t epoch;
    struct nf_header *hdrs;
    size_t n_hdrs;
    struct nf_result res;
    size_t next_out; /**< outputs already handed to the producer */
    int refs;        /**< processing + outputs not yet reported */
    bool expected;   /**< nf_kafka: tracker told about the outputs */
    int64_t t0_us;   /**< consumed (nf_metrics clock): processing latency */
};

/** A FIFO of jobs (not locked: see struct nf_jobs_pool). */
struct nf_jobq {
    struct nf_job *head, *tail;
    size_t n;
};

void nf_jobs_push(struct nf_jobq *q, struct nf_job *j);
/** @returns the head, NULL when empty. */
struct nf_job *nf_jobs_pop(struct nf_jobq *q);

/** A job for @p rkm (headers collected, one processing reference, clock
 * started). @returns NULL when out of memory; @p rkm is then untouched. */
struct nf_job *nf_jobs_new(rd_kafka_message_t *rkm);
/** Frees @p j and its message (NULL is fine). */
void nf_jobs_free(struct nf_job *j);
/** Drops one reference; the last frees the job. */
void nf_jobs_unref(struct nf_job *j);
/** The input topic of @p j. */
const char *nf_jobs_topic(const struct nf_job *j);

struct nf_jobs_worker;

/** worker.threads enrichment threads, each with its own nf_pipeline. */
struct nf_jobs_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv; /**< work for the workers, or stop */
    struct nf_jobs_worker *w;
    size_t n;
    struct nf_jobq done;    /**< results back to the main thread; guarded */
    bool stop;              /**< guarded by mu */
    rd_kafka_queue_t *wake; /**< yielded when done turns non-empty; owned */
};

/** Initializes the lock (first call on a zeroed pool). */
void nf_jobs_pool_init(struct nf_jobs_pool *p);
/** Creates the pipelines and resolves the schema ids (stop may interrupt
 * the registry wait). @returns 0 or an NF_E_* code. */
int nf_jobs_pool_open(struct nf_jobs_pool *p, const struct nf_config *cfg,
                      const char *version, atomic_int *stop,
                      struct nf_err *err);
/** Makes every finished job wake the main thread out of
 * rd_kafka_consumer_poll(@p consumer) (call before nf_jobs_pool_start; the
 * queue reference is dropped by nf_jobs_pool_stop). */
void nf_jobs_pool_wake(struct nf_jobs_pool *p, rd_kafka_t *consumer);
/** Starts the threads. @returns 0 or NF_E_NOMEM. */
int nf_jobs_pool_start(struct nf_jobs_pool *p, struct nf_err *err);
/** Hands @p j to the thread of its (topic, partition). */
void nf_jobs_pool_submit(struct nf_jobs_pool *p, struct nf_job *j);
/** Moves the finished jobs, in order, to the tail of @p to. */
void nf_jobs_pool_collect(struct nf_jobs_pool *p, struct nf_jobq *to);
/** Joins the threads, frees the jobs they still hold and the pipelines. */
void nf_jobs_pool_stop(struct nf_jobs_pool *p);
/** Frees the rest (after nf_jobs_pool_stop). */
void nf_jobs_pool_fini(struct nf_jobs_pool *p);

/** Monotonic clock, ms. */
int64_t nf_jobs_now_ms(void);

/** The callbacks and opaque of a loop's clients. */
struct nf_jobs_callbacks {
    void *opaque;
    void (*error_cb)(rd_kafka_t *rk, int err, const char *reason, void *opaque);
    void (*dr_msg_cb)(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
                      void *opaque);
    void (*rebalance_cb)(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque);
};

/** A configured client of @p side (@p txn_id: transactional.id of a
 * producer, NULL for none). @returns NULL with @p err set. */
rd_kafka_t *nf_jobs_client(const struct nf_config *cfg, enum nf_kafka_side side,
                           const char *txn_id,
                           const struct nf_jobs_callbacks *cb,
                           struct nf_err *err);
/** Starts the metadata lookup of every configured output topic on
 * @p producer, so the first record of each is not held back by it. */
void nf_jobs_warm_topics(rd_kafka_t *producer, const struct nf_config *cfg);
/** Subscribes to the configured input topics. @returns 0 or NF_E_KAFKA. */
int nf_jobs_subscribe(rd_kafka_t *consumer, const struct nf_config *cfg,
                      struct nf_err *err);

/** Pauses or resumes every assigned partition of @p consumer. */
void nf_jobs_pause_assignment(rd_kafka_t *consumer, bool pause);
/** The back-pressure policy of both loops; updates @p paused and
 * @p congested_since (ms, 0: not congested). @returns true when congested
 * (skip the consumer poll). */
bool nf_jobs_backpressure(rd_kafka_t *consumer, long queue_max,
                          size_t in_process, bool queue_full, bool *paused,
                          int64_t *congested_since);

/** Logs, assigns and counts a new assignment, paused as @p paused. */
void nf_jobs_assign(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts,
                    bool paused);
/** Logs and counts a revoke (or a loss). */
void nf_jobs_revoked(rd_kafka_t *rk,
                     const rd_kafka_topic_partition_list_t *parts);

/** Logs and destroys @p rkm when it carries a consumer error.
 * @returns true when it did (the message is gone). */
bool nf_jobs_consumer_error(rd_kafka_message_t *rkm);

/** Produces output j->next_out of @p j (opaque j; the producer frees the
 * value), then takes one reference and moves next_out. @returns the
 * producev error (nothing taken). */
rd_kafka_resp_err_t nf_jobs_produce(rd_kafka_t *producer, struct nf_job *j);
/** Counts an acked output of @p j in @p st and the metrics. */
void nf_jobs_delivered(const struct nf_job *j, const rd_kafka_message_t *rkm,
                       struct nf_kafka_stats *st);

#endif /* NF_JOBS_H */
