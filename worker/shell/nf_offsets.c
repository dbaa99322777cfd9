/*
 * nf_offsets.c - the contiguous-done watermark of each input partition.
 *
 * Why: delivery reports arrive out of order, across partitions and within
 * one (retries, several output topics), and a failed one must never be
 * covered by a later success. Storing offset n+1 commits "everything below
 * n+1 is processed"; so n+1 may be stored only when n and every lower
 * consumed offset are fully acked (delivery.md, confluent-kafka-python#300).
 *
 * Worked example (partition p, offsets consumed 5, 6, 7, each with one
 * output): acks arrive 7 ok, 5 ok, 6 ok. After 7: watermark -1 (5 pending);
 * after 5: watermark 6; after 6: 6 and 7 are done, watermark 8. If 6 had
 * failed instead, the watermark would stay 6 forever: the worker stops and
 * the restart reprocesses from 6.
 *
 * Structure: per partition, a ring of entries {offset, pending, failed} in
 * consumption order (offsets only increase within a partition, gaps are
 * allowed: compaction, transaction markers). An ack finds its entry by
 * binary search (O(log w) for w in flight); done entries are popped from
 * the head, each once, so the total work is O(messages log w). Partitions
 * are few; they are found by a linear scan with a one-entry cache.
 *
 * Epochs: a partition dropped on revoke and assigned again gets a new
 * epoch; reports of messages produced under the old one are then ignored
 * instead of being counted against re-consumed offsets.
 * Discarded: a bitmap per partition (offsets have gaps and no bound) and a
 * global min-heap (cannot tell which partition a failure blocks).
 */
#include <stdlib.h>
#include <string.h>

#include "nf_offsets.h"

struct entry {
    int64_t offset;
    uint32_t pending;
    bool failed;
};

struct part {
    char *topic;
    int32_t partition;
    uint64_t epoch;
    struct entry *ring;
    size_t cap, head, count; /* ring of count entries from head */
    int64_t watermark;       /* -1: nothing done yet */
    int64_t reported;        /* last watermark returned by collect */
    int64_t last_added;      /* -1: none */
    bool failed;
};

struct nf_offsets {
    struct part **parts;
    size_t n_parts, cap_parts;
    size_t max_inflight;
    uint64_t next_epoch;
    size_t cache; /* index of the last partition found */
};

struct nf_offsets *nf_offsets_new(size_t max_inflight)
{
    struct nf_offsets *tr;

    if (max_inflight == 0)
        return NULL;
    tr = calloc(1, sizeof(*tr));
    if (!tr)
        return NULL;
    tr->max_inflight = max_inflight;
    tr->next_epoch = 1;
    return tr;
}

static void part_free(struct part *p)
{
    if (!p)
        return;
    free(p->topic);
    free(p->ring);
    free(p);
}

void nf_offsets_destroy(struct nf_offsets *tr)
{
    size_t i;

    if (!tr)
        return;
    for (i = 0; i < tr->n_parts; i++)
        part_free(tr->parts[i]);
    free(tr->parts);
    free(tr);
}

static size_t find_idx(const struct nf_offsets *tr, const char *topic,
                       int32_t partition)
{
    size_t i;

    if (tr->cache < tr->n_parts) {
        const struct part *p = tr->parts[tr->cache];
        if (p->partition == partition && strcmp(p->topic, topic) == 0)
            return tr->cache;
    }
    for (i = 0; i < tr->n_parts; i++) {
        const struct part *p = tr->parts[i];
        if (p->partition == partition && strcmp(p->topic, topic) == 0)
            return i;
    }
    return (size_t)-1;
}

static struct part *find(struct nf_offsets *tr, const char *topic,
                         int32_t partition)
{
    size_t i = find_idx(tr, topic, partition);

    if (i == (size_t)-1)
        return NULL;
    tr->cache = i;
    return tr->parts[i];
}

static struct part *create(struct nf_offsets *tr, const char *topic,
                           int32_t partition)
{
    struct part *p;
    size_t tl = strlen(topic);

    if (tr->n_parts == NF_OFFSETS_MAX_PARTS)
        return NULL;
    if (tr->n_parts == tr->cap_parts) {
        size_t cap = tr->cap_parts ? 2 * tr->cap_parts : 16;
        struct part **v = realloc(tr->parts, cap * sizeof(*v));
        if (!v)
            return NULL;
        tr->parts = v;
        tr->cap_parts = cap;
    }
    p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->topic = malloc(tl + 1);
    if (!p->topic) {
        free(p);
        return NULL;
    }
    memcpy(p->topic, topic, tl + 1);
    p->partition = partition;
    p->epoch = tr->next_epoch++;
    p->watermark = -1;
    p->reported = -1;
    p->last_added = -1;
    tr->parts[tr->n_parts] = p;
    tr->cache = tr->n_parts++;
    return p;
}

static struct entry *at(const struct part *p, size_t i)
{
    return &p->ring[(p->head + i) % p->cap];
}

static int grow(struct part *p, size_t max)
{
    size_t cap = p->cap ? 2 * p->cap : 64, i;
    struct entry *r;

    if (cap > max)
        cap = max;
    r = malloc(cap * sizeof(*r));
    if (!r)
        return -1;
    for (i = 0; i < p->count; i++)
        r[i] = *at(p, i);
    free(p->ring);
    p->ring = r;
    p->cap = cap;
    p->head = 0;
    return 0;
}

int nf_offsets_add(struct nf_offsets *tr, const char *topic, int32_t partition,
                   int64_t offset, uint64_t *epoch)
{
    struct part *p = find(tr, topic, partition);
    struct entry *e;

    if (!p) {
        p = create(tr, topic, partition);
        if (!p)
            return NF_OFFSETS_E_NOMEM;
    }
    if (offset < 0 || offset <= p->last_added)
        return NF_OFFSETS_E_ORDER;
    if (p->count == tr->max_inflight)
        return NF_OFFSETS_E_FULL;
    if (p->count == p->cap && grow(p, tr->max_inflight) != 0)
        return NF_OFFSETS_E_NOMEM;
    e = at(p, p->count);
    e->offset = offset;
    e->pending = 1;
    e->failed = false;
    p->count++;
    p->last_added = offset;
    if (epoch)
        *epoch = p->epoch;
    return NF_OFFSETS_OK;
}

/* The entry of @p offset, or NULL: binary search over the sorted ring. */
static struct entry *lookup(const struct part *p, int64_t offset)
{
    size_t lo = 0, hi = p->count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        struct entry *e = at(p, mid);

        if (e->offset == offset)
            return e;
        if (e->offset < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static struct entry *lookup_ep(struct nf_offsets *tr, const char *topic,
                               int32_t partition, int64_t offset,
                               uint64_t epoch, struct part **pp)
{
    struct part *p = find(tr, topic, partition);

    if (!p || p->epoch != epoch)
        return NULL;
    *pp = p;
    return lookup(p, offset);
}

int nf_offsets_expect(struct nf_offsets *tr, const char *topic,
                      int32_t partition, int64_t offset, uint64_t epoch,
                      unsigned n)
{
    struct part *p;
    struct entry *e = lookup_ep(tr, topic, partition, offset, epoch, &p);

    if (!e || e->pending == 0)
        return NF_OFFSETS_E_UNKNOWN;
    if (n > UINT32_MAX - e->pending)
        return NF_OFFSETS_E_STATE;
    e->pending += n;
    return NF_OFFSETS_OK;
}

/* Pop done entries from the head, advancing the watermark. */
static void advance(struct part *p)
{
    while (p->count > 0) {
        struct entry *e = at(p, 0);

        if (e->pending != 0 || e->failed)
            break;
        p->watermark = e->offset + 1;
        p->head = (p->head + 1) % p->cap;
        p->count--;
    }
}

int nf_offsets_ack(struct nf_offsets *tr, const char *topic, int32_t partition,
                   int64_t offset, uint64_t epoch, bool ok)
{
    struct part *p = NULL;
    struct entry *e = lookup_ep(tr, topic, partition, offset, epoch, &p);

    if (!e)
        return NF_OFFSETS_E_UNKNOWN;
    if (e->pending == 0)
        return NF_OFFSETS_E_STATE;
    e->pending--;
    if (!ok) {
        e->failed = true;
        p->failed = true;
    }
    advance(p);
    return NF_OFFSETS_OK;
}

int64_t nf_offsets_watermark(const struct nf_offsets *tr, const char *topic,
                             int32_t partition)
{
    size_t i = find_idx(tr, topic, partition);

    return i == (size_t)-1 ? -1 : tr->parts[i]->watermark;
}

size_t nf_offsets_collect(struct nf_offsets *tr, struct nf_offsets_store *out,
                          size_t cap)
{
    size_t i, n = 0;

    for (i = 0; i < tr->n_parts && n < cap; i++) {
        struct part *p = tr->parts[i];

        if (p->watermark <= p->reported)
            continue;
        out[n].topic = p->topic;
        out[n].partition = p->partition;
        out[n].offset = p->watermark;
        p->reported = p->watermark;
        n++;
    }
    return n;
}

void nf_offsets_drop(struct nf_offsets *tr, const char *topic,
                     int32_t partition)
{
    size_t i = find_idx(tr, topic, partition);

    if (i == (size_t)-1)
        return;
    part_free(tr->parts[i]);
    tr->parts[i] = tr->parts[--tr->n_parts];
    tr->cache = 0;
}

size_t nf_offsets_inflight(const struct nf_offsets *tr, const char *topic,
                           int32_t partition)
{
    size_t i, n = 0;

    if (topic) {
        i = find_idx(tr, topic, partition);
        return i == (size_t)-1 ? 0 : tr->parts[i]->count;
    }
    for (i = 0; i < tr->n_parts; i++)
        n += tr->parts[i]->count;
    return n;
}

bool nf_offsets_failed(const struct nf_offsets *tr)
{
    size_t i;

    for (i = 0; i < tr->n_parts; i++)
        if (tr->parts[i]->failed)
            return true;
    return false;
}
