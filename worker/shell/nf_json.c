/*
 * nf_json.c - nf_doc → JSON object.
 *
 * Field names and null conventions are those of schemas/notice_event.avsc:
 * absent values are JSON null, never missing keys, so a consumer can rely on
 * the shape. Offsets ("start", "end") are byte offsets into the notice text,
 * end exclusive. Texts of mentions are cut from the input by their spans, so
 * they are exactly as written (full-width digits included).
 */
#include <string.h>

#include "nf_json.h"

/* jansson steals the reference given to json_object_set_new even on
 * failure, so building can go on and be checked once at the end. */
static int set(json_t *obj, const char *key, json_t *val)
{
    return json_object_set_new(obj, key, val);
}

static json_t *span_json(struct nf_span sp)
{
    return json_pack("{s:I,s:I}", "start", (json_int_t)sp.off, "end",
                     (json_int_t)(sp.off + sp.len));
}

static json_t *text_json(const char *text, size_t len, struct nf_span sp)
{
    if (!text || sp.off > len || sp.len > len - sp.off)
        return json_string("");
    return json_stringn(text + sp.off, sp.len);
}

static json_t *date_json(const struct nf_doc *doc, int idx)
{
    char buf[11];

    if (idx < 0 || (size_t)idx >= doc->n_dates ||
        nf_ymd_format(doc->dates[idx].date, buf) != 0)
        return json_null();
    return json_string(buf);
}

static json_t *date_span_json(const struct nf_doc *doc, int idx)
{
    if (idx < 0 || (size_t)idx >= doc->n_dates)
        return json_null();
    return span_json(doc->dates[idx].span);
}

static json_t *str_json(const struct nf_str *s)
{
    return s->ptr ? json_stringn(s->ptr, s->len) : json_null();
}

static json_t *str_span_json(const struct nf_str *s)
{
    return s->ptr ? span_json(s->span) : json_null();
}

json_t *nf_json_doc(const struct nf_doc *doc, const char *text, size_t len)
{
    json_t *o = NULL, *arr, *prov;
    const struct nf_count_mention *head = NULL;
    size_t i;
    int rc = 0;
    char buf[11];

    if (!doc)
        return NULL;
    o = json_object();
    if (!o)
        return NULL;
    if (doc->affected >= 0 && (size_t)doc->affected < doc->n_counts)
        head = &doc->counts[doc->affected];

    rc |= set(o, "category", json_string(nf_category_name(doc->category)));
    rc |= set(o, "category_confidence", json_real(doc->category_confidence));
    arr = json_array();
    for (i = 0; arr && i < doc->n_reasons; i++) {
        const struct nf_reason *r = &doc->reasons[i];
        rc |= json_array_append_new(
            arr, json_pack("{s:s,s:s,s:I,s:I}", "cue", r->cue, "signal",
                           r->signal, "start", (json_int_t)r->span.off, "end",
                           (json_int_t)(r->span.off + r->span.len)));
    }
    rc |= set(o, "category_reasons", arr);
    arr = json_array();
    for (i = 0; arr && i < NF_IT__COUNT; i++)
        if (doc->incident_types & (1u << i))
            rc |= json_array_append_new(
                arr, json_string(nf_itype_name((enum nf_itype)i)));
    rc |= set(o, "incident_types", arr);

    rc |= set(o, "organization", str_json(&doc->organization));
    rc |= set(o, "title", str_json(&doc->title));
    rc |= set(o, "published_date", date_json(doc, doc->published));

    arr = json_array();
    for (i = 0; arr && i < doc->n_dates; i++) {
        const struct nf_date_mention *m = &doc->dates[i];
        if (nf_ymd_format(m->date, buf) != 0)
            continue;
        rc |= json_array_append_new(
            arr, json_pack("{s:s,s:o,s:I,s:I,s:s}", "date", buf, "text",
                           text_json(text, len, m->span), "start",
                           (json_int_t)m->span.off, "end",
                           (json_int_t)(m->span.off + m->span.len), "role",
                           nf_date_role_name(m->role)));
    }
    rc |= set(o, "dates", arr);
    rc |= set(o, "discovered_date", date_json(doc, doc->discovered));
    rc |= set(o, "period_start", date_json(doc, doc->period_start));
    rc |= set(o, "period_end", date_json(doc, doc->period_end));

    arr = json_array();
    for (i = 0; arr && i < doc->n_counts; i++) {
        const struct nf_count_mention *c = &doc->counts[i];
        rc |= json_array_append_new(
            arr, json_pack("{s:I,s:s,s:o,s:I,s:I,s:b,s:s}", "value",
                           (json_int_t)c->value, "unit", c->unit ? c->unit : "",
                           "text", text_json(text, len, c->span), "start",
                           (json_int_t)c->span.off, "end",
                           (json_int_t)(c->span.off + c->span.len),
                           "approximate", c->approximate != 0, "role",
                           nf_count_role_name(c->role)));
    }
    rc |= set(o, "counts", arr);
    rc |= set(o, "affected_count",
              head ? json_integer((json_int_t)head->value) : json_null());
    rc |= set(o, "affected_unit",
              head && head->unit ? json_string(head->unit) : json_null());

    prov = json_object();
    if (prov) {
        rc |= set(prov, "organization", str_span_json(&doc->organization));
        rc |= set(prov, "title", str_span_json(&doc->title));
        rc |= set(prov, "published_date", date_span_json(doc, doc->published));
        rc |=
            set(prov, "discovered_date", date_span_json(doc, doc->discovered));
        rc |= set(prov, "period_start", date_span_json(doc, doc->period_start));
        rc |= set(prov, "period_end", date_span_json(doc, doc->period_end));
        rc |= set(prov, "affected_count",
                  head ? span_json(head->span) : json_null());
    }
    rc |= set(o, "provenance", prov);

    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *nf_json_error(const struct nf_err *err)
{
    if (!err)
        return NULL;
    return json_pack("{s:s,s:s,s:I}", "code", nf_code_name(err->code),
                     "message", err->msg, "offset", (json_int_t)err->offset);
}
