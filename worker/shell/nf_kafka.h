/*
 * nf_kafka.h - the Kafka worker: consume, enrich on worker threads,
 * produce, and store input offsets only once every output is acked.
 */
#ifndef NF_KAFKA_H
#define NF_KAFKA_H

#include <stdatomic.h>

#include "nf_config.h"
#include "nf_err.h"

/** Counters of one run (read after nf_kafka_run returns). */
struct nf_kafka_stats {
    long long consumed;     /**< input messages handed to the pipeline */
    long long produced;     /**< category records acked */
    long long dead_letters; /**< DLQ records acked */
    long long dr_errors;    /**< failed delivery reports */
    long long stored;       /**< offsets_store calls that advanced */
};

/**
 * @brief Run the worker until @p stop becomes non-zero (SIGTERM/SIGINT) or
 *        a fatal error.
 * @param cfg validated configuration (borrowed).
 * @param version written into every record (worker_version).
 * @param stop set asynchronously (signal handler or another thread).
 * @param stats filled at the end (may be NULL).
 * @returns 0 after a clean drain and close (offsets committed); 1 after a
 *          delivery error, a fatal client error or an incomplete drain
 *          (nothing past the failure is stored); 2 when the clients cannot
 *          be created from the configuration. @p err says why.
 */
int nf_kafka_run(const struct nf_config *cfg, const char *version,
                 atomic_int *stop, struct nf_kafka_stats *stats,
                 struct nf_err *err);

#endif /* NF_KAFKA_H */
