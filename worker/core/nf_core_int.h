/*
 * nf_core_int.h - internals shared by the core's modules. Not installed.
 *
 * Every module reads the document through a struct nf_text: the caller's
 * bytes plus a "folded" copy in which full-width ASCII (０-９, Ａ-Ｚ, ／, ：,
 * （, ～ ...) is replaced by its ASCII form and U+3000 by a space, so that
 * scanners compare plain ASCII digits and punctuation. Every folded byte
 * remembers the input offset it came from (map), so a match in the folded
 * text is reported as a span of the input.
 *
 * All memory a module needs for one document comes from the enricher's arena
 * (nf_arena_*), which is reset before the next document.
 */
#ifndef NF_CORE_INT_H
#define NF_CORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "noticeflow/nf_enrich.h"

/* ---- arena ------------------------------------------------------------ */

struct nf_arena;

/** Create an arena that hands out at most @p max_bytes in all. */
struct nf_arena *nf_arena_new(size_t max_bytes);
/** NULL is a no-op. */
void nf_arena_destroy(struct nf_arena *a);
/** Forget every allocation (keeps the first block for reuse). */
void nf_arena_reset(struct nf_arena *a);
/** @returns zeroed memory aligned for any type, or NULL when the arena's
 *  maximum would be exceeded. Valid until the next reset. */
void *nf_arena_alloc(struct nf_arena *a, size_t n);
/** As nf_arena_alloc, but the memory is not zeroed: for buffers the caller
 *  fills completely before reading (the folded text and its map), where
 *  zeroing would be a second pass over the document. */
void *nf_arena_alloc_uninit(struct nf_arena *a, size_t n);

/* ---- text ------------------------------------------------------------- */

struct nf_text {
    const char *src; /* caller's bytes (borrowed) */
    size_t src_len;
    const char *s; /* folded text, NUL-terminated (arena) */
    size_t len;
    const uint32_t *map; /* map[i]: src offset of s[i]; map[len] == src_len */
};

/**
 * Check @p src (UTF-8, no NUL or C0 controls other than \t \n \r \f \v) and
 * build the folded text in @p a. @returns 0, NF_E_UTF8, NF_E_BINARY,
 * NF_E_EMPTY or NF_E_NOMEM with err->offset set.
 */
int nf_text_init(struct nf_text *t, const char *src, size_t src_len,
                 struct nf_arena *a, struct nf_err *err);

/** The input span of folded range [fo, fe). */
static inline struct nf_span nf_text_span(const struct nf_text *t, size_t fo,
                                          size_t fe)
{
    struct nf_span sp;
    sp.off = t->map[fo];
    sp.len = t->map[fe] - t->map[fo];
    return sp;
}

/** Decode the code point at s[i] of the folded text (valid UTF-8 by
 *  construction). @returns its byte length (1..4), *cp set. */
size_t nf_text_cp(const struct nf_text *t, size_t i, int32_t *cp);

/** @returns true if folded text at @p i starts with the NUL-terminated
 *  @p word. */
bool nf_text_at(const struct nf_text *t, size_t i, const char *word);

/** Find @p word in folded text within [from, to). @returns its index, or
 *  (size_t)-1. */
size_t nf_text_find(const struct nf_text *t, size_t from, size_t to,
                    const char *word);
/** As nf_text_find, for a word of @p wl bytes (not NUL-terminated). */
size_t nf_text_findn(const struct nf_text *t, size_t from, size_t to,
                     const char *w, size_t wl);

/** The folded index of input offset @p off: the first folded byte that
 *  comes from @p off or later (t->len when none). */
size_t nf_text_fold_index(const struct nf_text *t, size_t off);

/** Start index of the line holding folded index @p i, and the index just past
 *  its end (the '\n' or len). */
size_t nf_text_line_start(const struct nf_text *t, size_t i);
size_t nf_text_line_end(const struct nf_text *t, size_t i);

/** Copy src range into the arena with all white space (ASCII and U+3000)
 *  removed and NUL-terminated, truncated on a code-point boundary at @p max
 *  bytes. @returns the copy, or NULL on arena exhaustion. */
char *nf_text_squeeze(const char *p, size_t n, size_t max, struct nf_arena *a,
                      size_t *out_len);

/* ---- numbers (nf_num.c) ----------------------------------------------- */

/** Flags reported by nf_num_parse. */
#define NF_NUM_KANJI   0x1 /* written with kanji digits (三千) */
#define NF_NUM_GROUPED 0x2 /* had thousands separators (1,059) */
#define NF_NUM_SCALED  0x4 /* used 万/億 (3万, 1万2千) */

/** Largest value nf_num_parse accepts (a count above this is not a count). */
#define NF_NUM_MAX ((int64_t)1000000000000000LL)

/**
 * Parse a numeral at folded index @p i: ASCII digits with optional ","
 * grouping and an optional space after a group separator, kanji numerals
 * (〇一二三四五六七八九十百千), 万/億 scaling mixed with either (1万2千, 3万,
 * 二万五千). @returns 0 with *value, *end (folded index past the numeral) and
 * *flags set; NF_E_OVERFLOW above NF_NUM_MAX; -1 when no numeral starts at i.
 */
int nf_num_parse(const struct nf_text *t, size_t i, int64_t *value, size_t *end,
                 unsigned *flags);

/* ---- dates (nf_date.c) ------------------------------------------------ */

struct nf_date_list {
    struct nf_date_mention *v; /* arena, NF_MAX_DATES entries */
    size_t n;
};

/**
 * Find every calendar day in @p t, in text order, years and months of
 * partial dates inferred from the document's own dates (falling back to
 * @p reference, which may be NULL), relative days resolved where certain.
 * Roles are left NF_DROLE_OTHER except range ends (period_start/end
 * candidates are marked by nf_date_roles()). @returns 0 or NF_E_NOMEM.
 */
int nf_date_scan(const struct nf_text *t, const struct nf_ymd *reference,
                 struct nf_arena *a, struct nf_date_list *out,
                 struct nf_err *err);

/**
 * Assign roles after the published date (index or -1) and the category are
 * known, and pick the discovered date and the period (indexes or -1).
 */
void nf_date_roles(const struct nf_text *t, struct nf_date_list *dl,
                   int published, enum nf_category cat, int *discovered,
                   int *period_start, int *period_end);

/** @returns true for a valid Gregorian day. */
bool nf_ymd_valid(struct nf_ymd d);
/** Days since 1970-01-01 (proleptic Gregorian), for date arithmetic. */
long nf_ymd_to_days(struct nf_ymd d);
struct nf_ymd nf_ymd_from_days(long days);

/* ---- document structure (nf_parse.c) ---------------------------------- */

struct nf_header {
    struct nf_str organization;
    struct nf_str title;
    int published; /* index into the date list, or -1 */
};

/**
 * Find organization, title and the publication date (chosen among @p dl by
 * where it stands: title line, header, signature). @returns 0 or NF_E_NOMEM.
 */
int nf_parse_header(const struct nf_text *t, const struct nf_date_list *dl,
                    struct nf_arena *a, struct nf_header *out,
                    struct nf_err *err);

/* ---- classification (nf_classify.c) ----------------------------------- */

struct nf_class {
    enum nf_category category;
    double confidence;
    struct nf_reason *reasons; /* arena, NF_MAX_REASONS entries */
    size_t n_reasons;
    uint32_t incident_types;
};

/** Classify the document. @p hdr gives the title (cues in a title weigh
 *  more). @returns 0 or NF_E_NOMEM. */
int nf_classify(const struct nf_text *t, const struct nf_header *hdr,
                struct nf_arena *a, struct nf_class *out, struct nf_err *err);

/* ---- counts (nf_count.c) ---------------------------------------------- */

struct nf_count_list {
    struct nf_count_mention *v; /* arena, NF_MAX_COUNTS entries */
    size_t n;
    int affected; /* headline: index or -1 */
};

/**
 * Find every count of affected people or records, mark totals and
 * breakdowns, and choose the headline (an explicit total wins, else the
 * largest). @returns 0 or NF_E_NOMEM.
 */
int nf_count_scan(const struct nf_text *t, struct nf_arena *a,
                  struct nf_count_list *out, struct nf_err *err);

/* nf_err_set (nf_enrich.c) is declared in the public nf_enrich.h: the
 * shell fills the same struct nf_err with it. */

#endif /* NF_CORE_INT_H */
