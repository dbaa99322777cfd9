/*
 * nf_offsets.h - per-partition tracker of in-flight input offsets: which
 * offset may be stored for commit (at-least-once bookkeeping).
 *
 * Pure: no librdkafka call, no I/O, no clock; integers and topic names in,
 * integers out, so every interleaving can be tested without a broker.
 *
 * Life of one input message at offset n of partition p:
 *   nf_offsets_add(p, n)          consumed: one pending unit (processing)
 *   nf_offsets_expect(p, n, k)    k outputs handed to the producer
 *   nf_offsets_ack(p, n, ok) x k  each delivery report
 *   nf_offsets_ack(p, n, ok)      processing finished
 * n is done when all its units are acked with ok. The watermark of p is
 * m + 1 for the largest m such that every tracked offset <= m is done: that
 * is the only value it is safe to store. A unit acked with !ok marks n
 * failed: the watermark never passes n (until the partition is dropped).
 */
#ifndef NF_OFFSETS_H
#define NF_OFFSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Hard caps: partitions tracked at once. */
#define NF_OFFSETS_MAX_PARTS 65536

enum nf_offsets_code {
    NF_OFFSETS_OK = 0,
    NF_OFFSETS_E_FULL,    /**< max in-flight offsets of the partition */
    NF_OFFSETS_E_ORDER,   /**< offset not above the last one added */
    NF_OFFSETS_E_NOMEM,   /**< allocation failed or too many partitions */
    NF_OFFSETS_E_UNKNOWN, /**< no such partition/offset, or stale epoch */
    NF_OFFSETS_E_STATE    /**< more acks than pending units */
};

/** One partition whose watermark moved: store @c offset (next to read). */
struct nf_offsets_store {
    const char *topic; /**< owned by the tracker; valid until drop */
    int32_t partition;
    int64_t offset;
};

struct nf_offsets;

/**
 * @brief New tracker; at most @p max_inflight offsets per partition
 *        (the caller pauses input on NF_OFFSETS_E_FULL).
 * @returns the tracker or NULL (out of memory or max_inflight == 0).
 */
struct nf_offsets *nf_offsets_new(size_t max_inflight);

/** @brief Free the tracker. NULL is a no-op. */
void nf_offsets_destroy(struct nf_offsets *tr);

/**
 * @brief Track consumed @p offset with one pending unit.
 * @param epoch set to the partition's current epoch: pass it back to
 *        expect/ack so late reports from before a drop are ignored.
 * @returns NF_OFFSETS_OK, _E_FULL, _E_ORDER or _E_NOMEM.
 */
int nf_offsets_add(struct nf_offsets *tr, const char *topic, int32_t partition,
                   int64_t offset, uint64_t *epoch);

/** @brief Add @p n pending units to a tracked offset.
 *  @returns NF_OFFSETS_OK or _E_UNKNOWN. */
int nf_offsets_expect(struct nf_offsets *tr, const char *topic,
                      int32_t partition, int64_t offset, uint64_t epoch,
                      unsigned n);

/**
 * @brief Finish one pending unit of @p offset, successfully or not.
 * @returns NF_OFFSETS_OK, _E_UNKNOWN (dropped partition, stale epoch,
 *          untracked offset: ignore it) or _E_STATE (no unit pending).
 */
int nf_offsets_ack(struct nf_offsets *tr, const char *topic, int32_t partition,
                   int64_t offset, uint64_t epoch, bool ok);

/** @returns the watermark of the partition (offset to store), or -1 when
 *  nothing is done yet or the partition is not tracked. */
int64_t nf_offsets_watermark(const struct nf_offsets *tr, const char *topic,
                             int32_t partition);

/**
 * @brief List partitions whose watermark advanced since the last call and
 *        mark them reported.
 * @returns the number written to @p out (at most @p cap; call again while
 *          it returns cap).
 */
size_t nf_offsets_collect(struct nf_offsets *tr, struct nf_offsets_store *out,
                          size_t cap);

/** @brief Forget a partition (revoked or lost); its late acks become
 *         _E_UNKNOWN. Unknown partitions are a no-op. */
void nf_offsets_drop(struct nf_offsets *tr, const char *topic,
                     int32_t partition);

/** @returns offsets in flight (added, not yet done; failed ones count)
 *  for one
 *  partition, or in all partitions when @p topic is NULL. */
size_t nf_offsets_inflight(const struct nf_offsets *tr, const char *topic,
                           int32_t partition);

/** @returns true when some tracked offset failed (blocks its partition). */
bool nf_offsets_failed(const struct nf_offsets *tr);

#endif /* NF_OFFSETS_H */
