/*
 * nf_eos.h - the exactly-once worker loop (delivery.mode=exactly-once):
 * consume → enrich (worker threads, nf_pipeline) → produce in a Kafka
 * transaction → send the input offsets to the same transaction → commit.
 */
#ifndef NF_EOS_H
#define NF_EOS_H

#include <stdatomic.h>

#include "nf_config.h"
#include "nf_err.h"
#include "nf_kafka.h"

/**
 * @brief Run the exactly-once worker until @p stop becomes non-zero or a
 *        fatal error.
 * @param cfg validated configuration with cfg->exactly_once (borrowed).
 * @param version written into every record (worker_version).
 * @param stop set asynchronously (signal handler or another thread).
 * @param stats filled at the end (may be NULL); `stored` counts committed
 *        transactions, `produced`/`dead_letters` acked outputs (aborted
 *        ones included).
 * @returns 0 after a clean drain (last transaction committed) and close;
 *          1 after a fatal error that recreating the producer did not cure
 *          or an incomplete drain (the open transaction is aborted: the
 *          next owner reprocesses from the committed offsets); 2 when the
 *          clients cannot be created from the configuration.
 */
int nf_eos_run(const struct nf_config *cfg, const char *version,
               atomic_int *stop, struct nf_kafka_stats *stats,
               struct nf_err *err);

#endif /* NF_EOS_H */
