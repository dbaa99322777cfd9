/*
 * nf_enrich.h - the whole public contract of the noticeflow enrichment core.
 *
 * The core turns one raw Japanese security notice (UTF-8 bytes, not
 * NUL-terminated) into a structured record: category, incident types,
 * organization, title, every calendar day mentioned, every count of affected
 * people or records, and where in the input each value came from.
 *
 * Design rules (see README "Architecture"):
 *  - pure: libc and utf8proc only; no I/O, no environment, no globals;
 *  - one handle per thread: an nf_enricher owns a per-document arena and a
 *    result record that are reused by every call, so the steady state does
 *    not allocate;
 *  - 0 means success everywhere; detail goes to a caller-provided nf_err;
 *  - "nothing found" is a result (empty lists, -1 indexes), never an error.
 *
 * Typical use:
 *
 *   struct nf_enricher *en = nf_enricher_new(NULL, errstr, sizeof(errstr));
 *   const struct nf_doc *doc;
 *   struct nf_err err;
 *   if (nf_enrich(en, text, len, NULL, &doc, &err) == 0)
 *       ... read doc (valid until the next nf_enrich() on en) ...
 *   nf_enricher_destroy(en);
 */
#ifndef NF_ENRICH_H
#define NF_ENRICH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Default and hard maximum of the accepted document size in bytes. */
#define NF_DOC_MAX_BYTES_DEFAULT ((size_t)1 << 20)
#define NF_DOC_MAX_BYTES_LIMIT   ((size_t)64 << 20)

/** Caps on what one document may yield; further mentions are dropped. */
#define NF_MAX_DATES   512
#define NF_MAX_COUNTS  256
#define NF_MAX_REASONS 16
/** Cap on organization and title length in bytes (longer is truncated on a
 *  UTF-8 boundary). */
#define NF_MAX_FIELD_BYTES 512

/** Status codes. 0 is success; every other value names one failure. */
enum nf_code {
    NF_OK = 0,
    NF_E_ARG,       /**< NULL or out-of-range argument */
    NF_E_NOMEM,     /**< allocation failed or per-document arena exhausted */
    NF_E_TOO_LARGE, /**< input longer than the configured maximum */
    NF_E_EMPTY,     /**< input empty or only white space */
    NF_E_UTF8,      /**< input is not valid UTF-8 */
    NF_E_BINARY,    /**< input holds NUL or other control bytes: not text */
    NF_E_OVERFLOW,  /**< a number or a table exceeded its maximum */
    NF_E__COUNT
};

/** Error detail filled by a failing call. */
struct nf_err {
    int code;      /**< enum nf_code */
    size_t offset; /**< byte offset in the input where it applies, else 0 */
    char msg[256]; /**< human-readable, NUL-terminated */
};

/**
 * Fills @p err (may be NULL: then nothing is written) with @p code,
 * @p offset and a printf-style message (cut to fit msg), so a failure is one
 * statement: `return nf_err_set(err, NF_E_ARG, 0, "bad %s", what);`.
 * @returns @p code.
 */
int nf_err_set(struct nf_err *err, int code, size_t offset, const char *fmt,
               ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/** @returns a static English description of @p code (never NULL). */
const char *nf_strerror(int code);
/** @returns a stable machine name of @p code ("invalid_utf8", ...), used as
 *  the dead-letter reason code (never NULL). */
const char *nf_code_name(int code);

/** A byte range [off, off + len) of the caller's input. */
struct nf_span {
    size_t off;
    size_t len;
};

/** A calendar day. y == 0 means "no date". */
struct nf_ymd {
    int y, m, d;
};

enum nf_category {
    NF_CAT_OTHER = 0,
    NF_CAT_INCIDENT,
    NF_CAT_LOYALTY_CAMPAIGN,
    NF_CAT__COUNT
};

enum nf_date_role {
    NF_DROLE_OTHER = 0,
    NF_DROLE_PUBLISHED,
    NF_DROLE_DISCOVERED,
    NF_DROLE_OCCURRED,
    NF_DROLE_PERIOD_START,
    NF_DROLE_PERIOD_END,
    NF_DROLE_REPORTED,
    NF_DROLE__COUNT
};

enum nf_count_role {
    NF_CROLE_OTHER = 0,
    NF_CROLE_TOTAL,
    NF_CROLE_BREAKDOWN,
    NF_CROLE__COUNT
};

/** Incident types (the LABELS.md vocabulary); nf_doc.incident_types is a
 *  bit set of (1u << type). */
enum nf_itype {
    NF_IT_UNAUTHORIZED_ACCESS = 0,
    NF_IT_RANSOMWARE,
    NF_IT_MALWARE,
    NF_IT_ACCOUNT_COMPROMISE,
    NF_IT_PAYMENT_CARD_LEAK,
    NF_IT_LOST_OR_STOLEN,
    NF_IT_MISDELIVERY,
    NF_IT_INSIDER,
    NF_IT_PHISHING,
    NF_IT_MISCONFIGURATION,
    NF_IT__COUNT
};

/** One calendar day mentioned in the text. For a range both ends are
 *  separate mentions. A relative day (翌日, 同日, 本日) is a mention whose span
 *  covers the relative word. */
struct nf_date_mention {
    struct nf_ymd date;
    struct nf_span span; /**< the text as written */
    enum nf_date_role role;
};

/** One count of affected people or records. */
struct nf_count_mention {
    int64_t value;
    const char *unit; /**< counter word (static string: "人分", "件"...) */
    struct nf_span span; /**< number and counter word as written */
    int approximate;     /**< 1 for 約, およそ, 以上, 程度 ... */
    enum nf_count_role role;
};

/** Why the category was chosen: one matched cue. */
struct nf_reason {
    const char *cue;     /**< static: the table word that matched */
    const char *signal;  /**< static: what it argues for ("incident") */
    struct nf_span span; /**< first place it matched */
};

/** A normalized string value and where it came from. ptr == NULL: absent. */
struct nf_str {
    const char *ptr; /**< UTF-8, NUL-terminated, owned by the enricher */
    size_t len;
    struct nf_span span; /**< source text (may include removed spaces) */
};

/** The enriched record. Owned by the enricher; valid until the next
 *  nf_enrich() or nf_enricher_destroy() on the same handle. */
struct nf_doc {
    enum nf_category category;
    double category_confidence; /**< 0..1 */
    const struct nf_reason *reasons;
    size_t n_reasons;
    uint32_t incident_types; /**< bit set of 1u << enum nf_itype */

    struct nf_str organization;
    struct nf_str title;

    const struct nf_date_mention *dates; /**< in text order */
    size_t n_dates;
    int published;    /**< index into dates, or -1 */
    int discovered;   /**< index into dates, or -1 */
    int period_start; /**< index into dates, or -1 */
    int period_end;   /**< index into dates, or -1 */

    const struct nf_count_mention *counts; /**< empty unless incident */
    size_t n_counts;
    int affected; /**< headline count: index into counts, or -1 */
};

/** Options; a zeroed struct (or NULL) means defaults. */
struct nf_opts {
    size_t max_bytes; /**< 0: NF_DOC_MAX_BYTES_DEFAULT; capped at _LIMIT */
};

/**
 * @brief Create an enricher (one per thread).
 * @param opts NULL for defaults; copied.
 * @returns a new handle the caller owns (free with nf_enricher_destroy()),
 *          or NULL with a message in @p errstr.
 */
struct nf_enricher *nf_enricher_new(const struct nf_opts *opts, char *errstr,
                                    size_t errstr_size);

/** @brief Free an enricher and its results. NULL is a no-op. */
void nf_enricher_destroy(struct nf_enricher *en);

/**
 * @brief Enrich one document.
 * @param text UTF-8 bytes, need not be NUL-terminated; borrowed for the call.
 * @param reference the day to take a year from when the document states
 *        none (e.g. the message timestamp); NULL if unknown.
 * @param out set to the enricher-owned record on success.
 * @param err filled on failure (may be NULL).
 * @returns 0, or an enum nf_code with err->offset at the offending byte.
 */
int nf_enrich(struct nf_enricher *en, const char *text, size_t len,
              const struct nf_ymd *reference, const struct nf_doc **out,
              struct nf_err *err);

/** Static names used in JSON and Avro ("incident", "period_start", ...). */
const char *nf_category_name(enum nf_category c);
const char *nf_date_role_name(enum nf_date_role r);
const char *nf_count_role_name(enum nf_count_role r);
const char *nf_itype_name(enum nf_itype t);

/** Write "YYYY-MM-DD" and a NUL into @p buf (11 bytes). @returns 0, or
 *  NF_E_ARG when @p d is not a valid day. */
int nf_ymd_format(struct nf_ymd d, char buf[11]);

#ifdef __cplusplus
}
#endif

#endif /* NF_ENRICH_H */
