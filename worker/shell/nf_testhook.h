/*
 * nf_testhook.h - fault-injection hooks that exist ONLY in test builds.
 *
 * scripts/faults.sh builds a separate tree with -DNF_TEST_HOOKS=ON; in
 * every other build (the production binary included) the hooks below are
 * empty macros, so no environment variable can make a production worker
 * slow. In a test build they read, once, at the first call:
 *
 *   NF_TEST_ENRICH_DELAY_MS=<ms>  each enrichment (worker thread) sleeps
 *   NF_TEST_POLL_STALL=<n>:<ms>
 *                                 after the <n>-th consumed message (once
 *                                 per process) the poll thread sleeps
 *                                 <ms>: the effect
 *                                 of a slow enrichment in a single-threaded
 *                                 consumer, used to exceed
 *                                 max.poll.interval.ms on purpose (the
 *                                 enrichment threads alone never block the
 *                                 poll loop)
 */
#ifndef NF_TESTHOOK_H
#define NF_TESTHOOK_H

#ifdef NF_TEST_HOOKS
/** @brief Sleep per enrichment when NF_TEST_ENRICH_DELAY_MS is set. */
void nf_testhook_enrich(void);
/** @brief Stall the poll thread per NF_TEST_POLL_STALL. */
void nf_testhook_poll(long long consumed);
#else
#define nf_testhook_enrich()       ((void)0)
#define nf_testhook_poll(consumed) ((void)(consumed))
#endif

#endif /* NF_TESTHOOK_H */
