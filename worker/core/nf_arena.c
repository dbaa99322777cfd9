/*
 * nf_arena.c - the per-document bump allocator of an enricher.
 *
 * Every scanner of the core takes its memory (folded text, offset map,
 * mention arrays, normalized strings) from one arena that the enricher resets
 * before each document, so enriching a stream does not call malloc in the
 * steady state and nothing has to be freed piecemeal. The arena grows by
 * chained blocks (each at least twice the last) up to a hard maximum fixed at
 * creation: a hostile document can make enrichment fail with NF_E_NOMEM, never
 * exhaust the process. On reset the largest block is kept, so the next
 * document of similar size is served from one block.
 *
 * Alternative discarded: one realloc'd buffer; it would move earlier
 * allocations and invalidate the pointers the scanners hold.
 */
#include <stdlib.h>
#include <string.h>

#include "nf_core_int.h"

#define ALIGN     16
#define MIN_BLOCK ((size_t)64 << 10)

struct block {
    struct block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    /* data follows, aligned */
};

struct nf_arena {
    struct block *head; /* current block; older ones follow via next */
    size_t max_bytes;   /* cap on the sum of block sizes */
    size_t total;       /* sum of block sizes now held */
};

#define HDR ((sizeof(struct block) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

struct nf_arena *nf_arena_new(size_t max_bytes)
{
    struct nf_arena *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->max_bytes = max_bytes;
    return a;
}

void nf_arena_destroy(struct nf_arena *a)
{
    struct block *b, *next;

    if (!a)
        return;
    for (b = a->head; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

void nf_arena_reset(struct nf_arena *a)
{
    struct block *b, *next, *keep = NULL;

    if (!a)
        return;
    /* keep the biggest block so a similar document fits in one block */
    for (b = a->head; b; b = b->next)
        if (!keep || b->size > keep->size)
            keep = b;
    for (b = a->head; b; b = next) {
        next = b->next;
        if (b != keep)
            free(b);
    }
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
        a->total = keep->size;
    }
    a->head = keep;
}

void *nf_arena_alloc(struct nf_arena *a, size_t n)
{
    void *p = nf_arena_alloc_uninit(a, n);

    if (p)
        memset(p, 0, n);
    return p;
}

void *nf_arena_alloc_uninit(struct nf_arena *a, size_t n)
{
    struct block *b;
    size_t need, size;
    void *p;

    if (!a || n > a->max_bytes)
        return NULL;
    need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (need == 0)
        need = ALIGN;
    b = a->head;
    if (!b || b->size - b->used < need) {
        size = b ? b->size * 2 : MIN_BLOCK;
        if (size < need)
            size = need;
        if (a->total + size > a->max_bytes) {
            /* a smaller block that still fits the request and the cap */
            if (a->total + need > a->max_bytes)
                return NULL;
            size = a->max_bytes - a->total;
        }
        b = malloc(HDR + size);
        if (!b)
            return NULL;
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
        a->total += size;
    }
    p = (char *)b + HDR + b->used;
    b->used += need;
    return p;
}
