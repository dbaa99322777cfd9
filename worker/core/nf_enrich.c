/*
 * nf_enrich.c - the enricher handle and the order in which a document is
 * read.
 *
 *   bytes ──validate+fold──▶ nf_text ──▶ dates ──▶ header (org, title,
 *   published) ──▶ classify ──▶ date roles (discovered, period) ──▶ counts
 *   (incidents only) ──▶ nf_doc
 *
 * The order matters: the header picks the publication date among the dates
 * found; the roles of dates depend on the category (a campaign's period is its
 * running time, an incident's the window of exposure); counts are read only
 * for incidents, since a digest's or a campaign's numbers are not affected
 * records (LABELS.md).
 *
 * The handle owns one arena and one nf_doc, both reset per call, so a worker
 * thread enriches a stream without allocating once warmed up, and the record
 * it returns stays valid until its next call. There is no global state: one
 * handle per thread is all the locking needed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nf_core_int.h"

/* Per-document memory: the folded text and its map take ~5 bytes per input
 * byte; mention arrays and strings are small and bounded. */
#define ARENA_FACTOR 8
#define ARENA_BASE   ((size_t)4 << 20)

struct nf_enricher {
    struct nf_opts opts;
    struct nf_arena *arena;
    struct nf_doc doc;
};

/* Code names are part of the dead-letter contract: never rename one. */
static const struct {
    const char *name;
    const char *text;
} codes[NF_E__COUNT] = {
    [NF_OK] = {"ok", "success"},
    [NF_E_ARG] = {"invalid_argument", "invalid argument"},
    [NF_E_NOMEM] = {"out_of_memory", "out of memory"},
    [NF_E_TOO_LARGE] = {"too_large", "document larger than the limit"},
    [NF_E_EMPTY] = {"empty", "document is empty"},
    [NF_E_UTF8] = {"invalid_utf8", "document is not valid UTF-8"},
    [NF_E_BINARY] = {"binary", "document holds control bytes"},
    [NF_E_OVERFLOW] = {"overflow", "a value exceeded its maximum"},
};

static const char *const category_names[NF_CAT__COUNT] = {
    [NF_CAT_OTHER] = "other",
    [NF_CAT_INCIDENT] = "incident",
    [NF_CAT_LOYALTY_CAMPAIGN] = "loyalty_campaign",
};

static const char *const date_role_names[NF_DROLE__COUNT] = {
    [NF_DROLE_OTHER] = "other",
    [NF_DROLE_PUBLISHED] = "published",
    [NF_DROLE_DISCOVERED] = "discovered",
    [NF_DROLE_OCCURRED] = "occurred",
    [NF_DROLE_PERIOD_START] = "period_start",
    [NF_DROLE_PERIOD_END] = "period_end",
    [NF_DROLE_REPORTED] = "reported",
};

static const char *const count_role_names[NF_CROLE__COUNT] = {
    [NF_CROLE_OTHER] = "other",
    [NF_CROLE_TOTAL] = "total",
    [NF_CROLE_BREAKDOWN] = "breakdown",
};

/* The incident-type vocabulary of LABELS.md. */
static const char *const itype_names[NF_IT__COUNT] = {
    [NF_IT_UNAUTHORIZED_ACCESS] = "unauthorized_access",
    [NF_IT_RANSOMWARE] = "ransomware",
    [NF_IT_MALWARE] = "malware",
    [NF_IT_ACCOUNT_COMPROMISE] = "account_compromise",
    [NF_IT_PAYMENT_CARD_LEAK] = "payment_card_leak",
    [NF_IT_LOST_OR_STOLEN] = "lost_or_stolen",
    [NF_IT_MISDELIVERY] = "misdelivery",
    [NF_IT_INSIDER] = "insider",
    [NF_IT_PHISHING] = "phishing",
    [NF_IT_MISCONFIGURATION] = "misconfiguration",
};

const char *nf_strerror(int code)
{
    if (code < 0 || code >= NF_E__COUNT)
        return "unknown error";
    return codes[code].text;
}

const char *nf_code_name(int code)
{
    if (code < 0 || code >= NF_E__COUNT)
        return "unknown";
    return codes[code].name;
}

const char *nf_category_name(enum nf_category c)
{
    return (unsigned)c < NF_CAT__COUNT ? category_names[c] : "other";
}

const char *nf_date_role_name(enum nf_date_role r)
{
    return (unsigned)r < NF_DROLE__COUNT ? date_role_names[r] : "other";
}

const char *nf_count_role_name(enum nf_count_role r)
{
    return (unsigned)r < NF_CROLE__COUNT ? count_role_names[r] : "other";
}

const char *nf_itype_name(enum nf_itype t)
{
    return (unsigned)t < NF_IT__COUNT ? itype_names[t] : "unknown";
}

int nf_ymd_format(struct nf_ymd d, char buf[11])
{
    if (!buf)
        return NF_E_ARG;
    if (!nf_ymd_valid(d)) {
        buf[0] = '\0';
        return NF_E_ARG;
    }
    snprintf(buf, 11, "%04d-%02d-%02d", d.y, d.m, d.d);
    return 0;
}

int nf_err_set(struct nf_err *err, int code, size_t offset, const char *fmt,
               ...)
{
    va_list ap;

    if (!err)
        return code;
    err->code = code;
    err->offset = offset;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

struct nf_enricher *nf_enricher_new(const struct nf_opts *opts, char *errstr,
                                    size_t errstr_size)
{
    struct nf_enricher *en = calloc(1, sizeof(*en));

    if (!en)
        goto fail;
    if (opts)
        en->opts = *opts;
    if (en->opts.max_bytes == 0)
        en->opts.max_bytes = NF_DOC_MAX_BYTES_DEFAULT;
    if (en->opts.max_bytes > NF_DOC_MAX_BYTES_LIMIT) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size,
                     "max_bytes %zu above the limit of %zu bytes",
                     en->opts.max_bytes, NF_DOC_MAX_BYTES_LIMIT);
        nf_enricher_destroy(en);
        return NULL;
    }
    en->arena = nf_arena_new(en->opts.max_bytes * ARENA_FACTOR + ARENA_BASE);
    if (!en->arena)
        goto fail;
    return en;

fail:
    if (errstr && errstr_size)
        snprintf(errstr, errstr_size, "out of memory creating an enricher");
    nf_enricher_destroy(en);
    return NULL;
}

void nf_enricher_destroy(struct nf_enricher *en)
{
    if (!en)
        return;
    nf_arena_destroy(en->arena);
    free(en);
}

int nf_enrich(struct nf_enricher *en, const char *text, size_t len,
              const struct nf_ymd *reference, const struct nf_doc **out,
              struct nf_err *err)
{
    struct nf_doc *doc;
    struct nf_text t;
    struct nf_date_list dl;
    struct nf_header hdr;
    struct nf_class cls;
    struct nf_count_list cl;
    struct nf_ymd ref;
    const struct nf_ymd *refp = NULL;
    int rc;

    if (err) {
        err->code = 0;
        err->offset = 0;
        err->msg[0] = '\0';
    }
    if (!en || !out || (!text && len))
        return nf_err_set(err, NF_E_ARG, 0, "NULL argument");
    *out = NULL;
    if (len > en->opts.max_bytes)
        return nf_err_set(err, NF_E_TOO_LARGE, en->opts.max_bytes,
                          "document of %zu bytes exceeds the limit of %zu", len,
                          en->opts.max_bytes);
    if (reference && reference->y) {
        if (!nf_ymd_valid(*reference))
            return nf_err_set(err, NF_E_ARG, 0, "invalid reference date");
        ref = *reference;
        refp = &ref;
    }
    nf_arena_reset(en->arena);
    doc = &en->doc;
    memset(doc, 0, sizeof(*doc));
    memset(&dl, 0, sizeof(dl));
    memset(&hdr, 0, sizeof(hdr));
    memset(&cls, 0, sizeof(cls));
    memset(&cl, 0, sizeof(cl));

    rc = nf_text_init(&t, text ? text : "", len, en->arena, err);
    if (rc)
        return rc;
    rc = nf_date_scan(&t, refp, en->arena, &dl, err);
    if (rc)
        return rc;
    rc = nf_parse_header(&t, &dl, en->arena, &hdr, err);
    if (rc)
        return rc;
    rc = nf_classify(&t, &hdr, en->arena, &cls, err);
    if (rc)
        return rc;
    nf_date_roles(&t, &dl, hdr.published, cls.category, &doc->discovered,
                  &doc->period_start, &doc->period_end);
    cl.affected = -1;
    if (cls.category == NF_CAT_INCIDENT) {
        rc = nf_count_scan(&t, en->arena, &cl, err);
        if (rc)
            return rc;
    }

    doc->category = cls.category;
    doc->category_confidence = cls.confidence;
    doc->reasons = cls.reasons;
    doc->n_reasons = cls.n_reasons;
    doc->incident_types =
        cls.category == NF_CAT_INCIDENT ? cls.incident_types : 0;
    doc->organization = hdr.organization;
    doc->title = hdr.title;
    doc->dates = dl.v;
    doc->n_dates = dl.n;
    doc->published = hdr.published;
    doc->counts = cl.v;
    doc->n_counts = cl.n;
    doc->affected = cl.n ? cl.affected : -1;
    *out = doc;
    return 0;
}
