/*
 * nf_alert.c - alert rules, severity, summary line and JSON body.
 *
 * Rules (alert.* keys): a record alerts when its category is listed
 * (default incident), it has one of the listed incident types (default:
 * any), its affected_count reaches alert.min_affected_count (default: no
 * minimum; a record without a count then never alerts) and its severity
 * reaches alert.min_severity (default low). Severity, first match wins:
 *   high    any of alert.severity.high.types (payment_card_leak,
 *           ransomware) or affected_count >= alert.severity.high.min_count
 *           (10000)
 *   medium  any of alert.severity.medium.types (unauthorized_access,
 *           malware, account_compromise) or >= ...medium.min_count (1000)
 *   low     anything else
 *
 * Summary, worked examples:
 *   org 山形大学, unauthorized_access, 1059 人分 (total), discovered
 *   2022-10-26  → "山形大学: 不正アクセス, 1,059人分, 判明 2022-10-26"
 *   no org, lost_or_stolen, 約300件, only a publication date
 *               → "(組織不明): 紛失・盗難, 約300件, 公表 2024-01-05"
 *
 * Body: the record's JSON object from nf_json_doc() (the same fields as
 * `noticeflow enrich` and the Avro record) with the alert's own keys added
 * (type, event_id, severity, summary, source, envelope, reference_date,
 * worker_version). Flat rather than {"record": {...}}: the issue asks for
 * "the record's JSON form plus severity and summary", and receivers read
 * record fields without a prefix. No clock value is in the body, so a
 * replay of the same input yields the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "nf_alert.h"
#include "nf_config.h"
#include "nf_json.h"

/* Value of the body's "type": names the payload kind for receivers that
 * route on it (Standard Webhooks payload convention). */
static const char alert_type[] = "noticeflow.alert.v1";

/* Japanese labels of the incident types for the summary line, indexed by
 * enum nf_itype (the words notices themselves use). */
static const char *const type_labels[NF_IT__COUNT] = {
    /* unauthorized_access */
    "不正アクセス",
    /* ransomware */
    "ランサムウェア",
    /* malware (Emotet etc.) */
    "マルウェア感染",
    /* account_compromise: account taken over and misused */
    "アカウント不正利用",
    /* payment_card_leak */
    "クレジットカード情報漏えい",
    /* lost_or_stolen: lost USB memory, stolen laptop */
    "紛失・盗難",
    /* misdelivery: mail or e-mail sent to the wrong recipient */
    "誤送付・誤送信",
    /* insider: an employee or contractor took data */
    "内部不正",
    /* phishing */
    "フィッシング",
    /* misconfiguration: data exposed by a setting */
    "設定不備",
};

/* Summary words: separator of several types, placeholder organization,
 * generic incident, date prefixes (discovered / published), approximate. */
static const char type_sep[] = "・";
static const char no_org[] = "(組織不明)";
static const char no_type[] = "インシデント";
static const char date_discovered[] = "判明 ";
static const char date_published[] = "公表 ";
static const char approx_word[] = "約";

/* Defaults of the severity tiers (the example: payment cards or
 * ransomware or >= 10,000 records → high). */
#define DEF_HIGH_TYPES                                                         \
    ((1u << NF_IT_PAYMENT_CARD_LEAK) | (1u << NF_IT_RANSOMWARE))
#define DEF_HIGH_COUNT 10000
#define DEF_MEDIUM_TYPES                                                       \
    ((1u << NF_IT_UNAUTHORIZED_ACCESS) | (1u << NF_IT_MALWARE) |               \
     (1u << NF_IT_ACCOUNT_COMPROMISE))
#define DEF_MEDIUM_COUNT 1000

static const char *const sev_names[] = {"low", "medium", "high"};

const char *nf_alert_severity_name(enum nf_alert_severity s)
{
    return (unsigned)s <= NF_SEV_HIGH ? sev_names[s] : "low";
}

int nf_alert_parse_severity(const char *s, enum nf_alert_severity *out)
{
    int i;

    for (i = 0; i <= NF_SEV_HIGH; i++)
        if (s && strcmp(s, sev_names[i]) == 0) {
            *out = (enum nf_alert_severity)i;
            return 0;
        }
    return -1;
}

void nf_alert_rules_default(struct nf_alert_rules *r)
{
    memset(r, 0, sizeof(*r));
    r->categories = 1u << NF_CAT_INCIDENT;
    r->incident_types = 0;
    r->min_affected_count = -1;
    r->min_severity = NF_SEV_LOW;
    r->high_types = DEF_HIGH_TYPES;
    r->high_count = DEF_HIGH_COUNT;
    r->medium_types = DEF_MEDIUM_TYPES;
    r->medium_count = DEF_MEDIUM_COUNT;
}

/* Walk a comma list; @p fn gets each trimmed item. */
static int each_item(const char *s, const char *key, unsigned *bits,
                     int (*fn)(const char *, size_t, unsigned *),
                     struct nf_err *err)
{
    const char *p = s ? s : "";

    *bits = 0;
    while (*p) {
        size_t n = strcspn(p, ","), a = 0, b = n;

        while (a < b && (p[a] == ' ' || p[a] == '\t'))
            a++;
        while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
            b--;
        if (b > a && fn(p + a, b - a, bits) != 0)
            return nf_err_set(err, NF_E_CONFIG, 0, "%s: unknown value '%.*s'",
                              key, (int)(b - a), p + a);
        p += n + (p[n] == ',');
    }
    return 0;
}

static int one_category(const char *s, size_t n, unsigned *bits)
{
    int i;

    for (i = 0; i < NF_CAT__COUNT; i++) {
        const char *name = nf_category_name((enum nf_category)i);
        if (strlen(name) == n && memcmp(name, s, n) == 0) {
            *bits |= 1u << i;
            return 0;
        }
    }
    return -1;
}

static int one_type(const char *s, size_t n, unsigned *bits)
{
    int i;

    for (i = 0; i < NF_IT__COUNT; i++) {
        const char *name = nf_itype_name((enum nf_itype)i);
        if (strlen(name) == n && memcmp(name, s, n) == 0) {
            *bits |= 1u << i;
            return 0;
        }
    }
    return -1;
}

int nf_alert_parse_categories(const char *s, const char *key, unsigned *out,
                              struct nf_err *err)
{
    return each_item(s, key, out, one_category, err);
}

int nf_alert_parse_types(const char *s, const char *key, uint32_t *out,
                         struct nf_err *err)
{
    unsigned bits;
    int rc = each_item(s, key, &bits, one_type, err);

    *out = bits;
    return rc;
}

int nf_alert_rules_from_config(const struct nf_config *cfg,
                               struct nf_alert_rules *r, struct nf_err *err)
{
    nf_alert_rules_default(r);
    if (cfg->alert_categories &&
        (nf_alert_parse_categories(cfg->alert_categories, "alert.categories",
                                   &r->categories, err) != 0 ||
         r->categories == 0))
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "alert.categories: '%s' is not a list of "
                          "incident, loyalty_campaign, other",
                          cfg->alert_categories);
    if (cfg->alert_incident_types &&
        nf_alert_parse_types(cfg->alert_incident_types, "alert.incident_types",
                             &r->incident_types, err) != 0)
        return NF_E_CONFIG;
    if (cfg->alert_high_types &&
        nf_alert_parse_types(cfg->alert_high_types, "alert.severity.high.types",
                             &r->high_types, err) != 0)
        return NF_E_CONFIG;
    if (cfg->alert_medium_types &&
        nf_alert_parse_types(cfg->alert_medium_types,
                             "alert.severity.medium.types", &r->medium_types,
                             err) != 0)
        return NF_E_CONFIG;
    if (cfg->alert_min_severity &&
        nf_alert_parse_severity(cfg->alert_min_severity, &r->min_severity) != 0)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "alert.min.severity: '%s' is not low, medium or "
                          "high",
                          cfg->alert_min_severity);
    r->min_affected_count = cfg->alert_min_affected_count;
    r->high_count = cfg->alert_high_min_count;
    r->medium_count = cfg->alert_medium_min_count;
    return 0;
}

static const struct nf_count_mention *headline(const struct nf_doc *doc)
{
    if (doc->affected >= 0 && (size_t)doc->affected < doc->n_counts)
        return &doc->counts[doc->affected];
    return NULL;
}

enum nf_alert_severity nf_alert_severity_of(const struct nf_alert_rules *r,
                                            const struct nf_doc *doc)
{
    const struct nf_count_mention *c = headline(doc);
    int64_t v = c ? c->value : -1;

    if ((doc->incident_types & r->high_types) ||
        (r->high_count >= 0 && v >= r->high_count))
        return NF_SEV_HIGH;
    if ((doc->incident_types & r->medium_types) ||
        (r->medium_count >= 0 && v >= r->medium_count))
        return NF_SEV_MEDIUM;
    return NF_SEV_LOW;
}

bool nf_alert_match(const struct nf_alert_rules *r, const struct nf_doc *doc,
                    enum nf_alert_severity *sev)
{
    const struct nf_count_mention *c = headline(doc);
    enum nf_alert_severity s;

    if ((unsigned)doc->category >= NF_CAT__COUNT ||
        !(r->categories & (1u << doc->category)))
        return false;
    if (r->incident_types && !(doc->incident_types & r->incident_types))
        return false;
    if (r->min_affected_count >= 0 && (!c || c->value < r->min_affected_count))
        return false;
    s = nf_alert_severity_of(r, doc);
    if (s < r->min_severity)
        return false;
    if (sev)
        *sev = s;
    return true;
}

/* Bounded appender: drops what does not fit, never splits a UTF-8
 * character (the caller's strings are valid UTF-8). */
struct line {
    char *p;
    size_t len, cap;
};

static void put(struct line *l, const char *s, size_t n)
{
    if (l->len + n + 1 > l->cap) {
        n = l->cap - 1 - l->len;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(l->p + l->len, s, n);
    l->len += n;
    l->p[l->len] = '\0';
}

static void puts_(struct line *l, const char *s)
{
    put(l, s, strlen(s));
}

/* 1059 → "1,059"; negative values do not occur (counts are >= 0). */
static void put_grouped(struct line *l, int64_t v)
{
    char digits[24], out[32];
    int n = snprintf(digits, sizeof(digits), "%lld", (long long)v), i, o = 0;

    for (i = 0; i < n; i++) {
        if (i > 0 && digits[0] != '-' && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    put(l, out, (size_t)o);
}

size_t nf_alert_summary(const struct nf_doc *doc, char *out, size_t cap)
{
    struct line l = {out, 0, cap};
    const struct nf_count_mention *c = headline(doc);
    char day[11];
    int i, nt = 0;

    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (doc->organization.ptr)
        put(&l, doc->organization.ptr, doc->organization.len);
    else
        puts_(&l, no_org);
    puts_(&l, ": ");
    for (i = 0; i < NF_IT__COUNT; i++)
        if (doc->incident_types & (1u << i)) {
            if (nt++)
                puts_(&l, type_sep);
            puts_(&l, type_labels[i]);
        }
    if (nt == 0)
        puts_(&l, no_type);
    if (c) {
        puts_(&l, ", ");
        if (c->approximate)
            puts_(&l, approx_word);
        put_grouped(&l, c->value);
        if (c->unit)
            puts_(&l, c->unit);
    }
    if (doc->discovered >= 0 && (size_t)doc->discovered < doc->n_dates &&
        nf_ymd_format(doc->dates[doc->discovered].date, day) == 0) {
        puts_(&l, ", ");
        puts_(&l, date_discovered);
        puts_(&l, day);
    } else if (doc->published >= 0 && (size_t)doc->published < doc->n_dates &&
               nf_ymd_format(doc->dates[doc->published].date, day) == 0) {
        puts_(&l, ", ");
        puts_(&l, date_published);
        puts_(&l, day);
    }
    return l.len;
}

static json_t *sv_json(const struct nf_sv *v)
{
    return v->ptr ? json_stringn(v->ptr, v->len) : json_null();
}

static json_t *source_json(const struct nf_source *s)
{
    if (!s || !s->topic)
        return json_null();
    return json_pack(
        "{s:s,s:i,s:I,s:o}", "topic", s->topic, "partition", (int)s->partition,
        "offset", (json_int_t)s->offset, "timestamp",
        s->timestamp >= 0 ? json_integer(s->timestamp) : json_null());
}

static json_t *envelope_json(const struct nf_envelope *e)
{
    if (!e)
        return json_null();
    return json_pack("{s:o,s:o,s:o,s:o,s:o}", "id", sv_json(&e->id), "url",
                     sv_json(&e->url), "source", sv_json(&e->source),
                     "fetched_at", sv_json(&e->fetched_at), "published_at",
                     sv_json(&e->published_at));
}

static json_t *opt_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

int nf_alert_build(const struct nf_alert_rules *r, const struct nf_doc *doc,
                   const char *text, size_t len,
                   const struct nf_alert_meta *meta, char **body, size_t *n,
                   enum nf_alert_severity *sev, struct nf_err *err)
{
    enum nf_alert_severity s;
    char summary[NF_ALERT_SUMMARY_MAX];
    json_t *o = NULL;
    int rc = 0;

    *body = NULL;
    *n = 0;
    if (!r || !doc || !meta || !meta->event_id)
        return nf_err_set(err, NF_E_ARG, 0, "nf_alert_build: bad argument");
    if (!nf_alert_match(r, doc, &s))
        return 0;
    nf_alert_summary(doc, summary, sizeof(summary));
    o = nf_json_doc(doc, text, len);
    if (!o)
        return nf_err_set(err, NF_E_NOMEM, 0, "alert body: out of memory");
    /* jansson steals each value, even on failure: check once */
    rc |= json_object_set_new(o, "type", json_string(alert_type));
    rc |= json_object_set_new(o, "event_id", json_string(meta->event_id));
    rc |= json_object_set_new(o, "severity",
                              json_string(nf_alert_severity_name(s)));
    rc |= json_object_set_new(o, "summary", json_string(summary));
    rc |= json_object_set_new(o, "source", source_json(meta->src));
    rc |= json_object_set_new(o, "envelope", envelope_json(meta->env));
    rc |=
        json_object_set_new(o, "reference_date", opt_str(meta->reference_date));
    rc |=
        json_object_set_new(o, "worker_version", opt_str(meta->worker_version));
    if (rc == 0)
        *body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!*body)
        return nf_err_set(err, NF_E_NOMEM, 0, "alert body: out of memory");
    *n = strlen(*body);
    if (sev)
        *sev = s;
    return 0;
}
