/*
 * nf_pipeline.c - route one message: envelope → limits → enrich → Avro.
 *
 * Decision table (first match wins; contract "Worker notes"):
 *   value null or 0 bytes            → DLQ empty
 *   value > enrich.max.bytes         → DLQ too_large (before any parsing,
 *                                      so a 5 MB value costs nothing)
 * A dead letter keeps the first dead_letter.value.max.bytes of the value
 * and its full length (value_length).
 *   starts with '{' (after blanks)   → envelope: DLQ envelope_json or
 *                                      envelope_invalid if broken, else
 *                                      its "text" is the notice
 *   nf_enrich() fails                → DLQ with the core's code (
 *                                      invalid_utf8, binary, empty, ...)
 *   otherwise                        → NoticeEvent on the category topic
 * A record that cannot be encoded (avro failure) becomes a dead letter too;
 * only a dead letter that cannot be encoded is FATAL.
 *
 * Reference day for year-less notices: envelope published_at, else
 * fetched_at, else the message timestamp's day in Japan time (the notices
 * are Japanese: a 23:30 UTC timestamp is already the next day in Tokyo).
 *
 * event_id "<topic>/<partition>/<offset>" is a pure function of the source
 * coordinates, so a replay (restart, rebalance) yields the same id and
 * consumers dedupe on it. Discarded: a hash (opaque for operators, and the
 * coordinates are already unique because Kafka topic names exclude '/').
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nf_pipeline.h"

/* Japan Standard Time has no DST: a fixed UTC+9 offset is exact. */
#define JST_OFFSET_S (9 * 3600)

struct nf_pipeline {
    const struct nf_config *cfg;
    const char *version;
    struct nf_enricher *en;
    struct nf_avro *av;
    struct nf_buf buf;
};

struct nf_pipeline *nf_pipeline_new(const struct nf_config *cfg,
                                    const char *version, struct nf_err *err)
{
    struct nf_pipeline *p = calloc(1, sizeof(*p));
    struct nf_opts opts = {0};
    char errstr[256];

    if (!p) {
        nf_err_setf(err, NF_E_NOMEM, 0, "out of memory");
        return NULL;
    }
    p->cfg = cfg;
    p->version = version;
    opts.max_bytes = (size_t)cfg->max_bytes;
    p->en = nf_enricher_new(&opts, errstr, sizeof(errstr));
    if (!p->en) {
        nf_err_setf(err, NF_E_NOMEM, 0, "enricher: %s", errstr);
        goto fail;
    }
    p->av = nf_avro_new(err);
    if (!p->av)
        goto fail;
    return p;
fail:
    nf_pipeline_destroy(p);
    return NULL;
}

void nf_pipeline_destroy(struct nf_pipeline *p)
{
    if (!p)
        return;
    nf_enricher_destroy(p->en);
    nf_avro_destroy(p->av);
    nf_buf_free(&p->buf);
    free(p);
}

int nf_pipeline_ts_day(int64_t ts_ms, struct nf_ymd *out)
{
    time_t t;
    struct tm tm;

    if (ts_ms < 0)
        return -1;
    t = (time_t)(ts_ms / 1000) + JST_OFFSET_S;
    if (!gmtime_r(&t, &tm))
        return -1;
    out->y = tm.tm_year + 1900;
    out->m = tm.tm_mon + 1;
    out->d = tm.tm_mday;
    return 0;
}

void nf_result_clear(struct nf_result *res)
{
    size_t i;

    for (i = 0; i < res->n_out; i++) {
        free(res->out[i].key);
        free(res->out[i].value);
        res->out[i].key = NULL;
        res->out[i].value = NULL;
    }
    res->n_out = 0;
}

static const char *category_topic(const struct nf_config *cfg,
                                  enum nf_category c)
{
    switch (c) {
    case NF_CAT_INCIDENT:
        return cfg->topic_incident;
    case NF_CAT_LOYALTY_CAMPAIGN:
        return cfg->topic_loyalty_campaign;
    default:
        return cfg->topic_other;
    }
}

/* Add one output: takes the framed bytes from p->buf. */
static int add_output(struct nf_pipeline *p, const struct nf_msg_in *in,
                      struct nf_result *res, const char *topic,
                      enum nf_schema_id schema)
{
    struct nf_produce *o = &res->out[res->n_out];

    memset(o, 0, sizeof(*o));
    if (in->src.key) {
        o->key = malloc(in->src.key_len ? in->src.key_len : 1);
        if (!o->key)
            return -1;
        memcpy(o->key, in->src.key, in->src.key_len);
        o->key_len = in->src.key_len;
    }
    o->topic = topic;
    o->value = nf_buf_release(&p->buf, &o->value_len);
    o->headers[0].name = NF_HDR_CONTENT_TYPE;
    o->headers[0].value = NF_CONTENT_TYPE_AVRO;
    o->headers[0].len = strlen(NF_CONTENT_TYPE_AVRO);
    o->headers[1].name = NF_HDR_FINGERPRINT;
    o->headers[1].value = nf_avro_fingerprint_hex(p->av, schema);
    o->headers[1].len = 16;
    o->headers[2].name = NF_HDR_EVENT_ID;
    o->headers[2].value = res->event_id;
    o->headers[2].len = strlen(res->event_id);
    o->n_headers = 3;
    if (schema == NF_SCHEMA_DEAD_LETTER) {
        o->headers[3].name = NF_HDR_ERROR_CODE;
        o->headers[3].value = res->error_code;
        o->headers[3].len = strlen(res->error_code);
        o->n_headers = 4;
    }
    res->n_out++;
    return 0;
}

static enum nf_disposition dead_letter(struct nf_pipeline *p,
                                       const struct nf_msg_in *in,
                                       struct nf_result *res)
{
    struct nf_avro_dead_letter dl;
    struct nf_err aerr = {0};

    nf_result_clear(res);
    snprintf(res->error_code, sizeof(res->error_code), "%s",
             nf_err_name(res->err.code));
    memset(&dl, 0, sizeof(dl));
    dl.event_id = res->event_id;
    dl.worker_version = p->version;
    dl.src = in->src;
    dl.headers = in->headers;
    dl.n_headers = in->n_headers;
    dl.value = in->value;
    /* bounded, so the dead letter always fits the message size limits */
    dl.value_len = in->len < (size_t)p->cfg->dlq_value_max
                       ? in->len
                       : (size_t)p->cfg->dlq_value_max;
    dl.value_length = in->value ? (int64_t)in->len : -1;
    dl.error_code = res->error_code;
    dl.error_message = res->err.msg;
    /* "no offset" for errors about the whole message */
    dl.error_offset =
        res->err.code == NF_E_EMPTY || res->err.code == NF_E_TOO_LARGE
            ? -1
            : (int64_t)res->err.offset;
    nf_buf_free(&p->buf);
    if (nf_avro_encode_dead_letter(p->av, &dl, &p->buf, &aerr) != 0 ||
        add_output(p, in, res, p->cfg->topic_dead_letter,
                   NF_SCHEMA_DEAD_LETTER) != 0) {
        nf_buf_free(&p->buf);
        nf_result_clear(res);
        res->err = aerr;
        res->disp = NF_DISP_FATAL;
        return res->disp;
    }
    res->disp = NF_DISP_DEAD_LETTER;
    return res->disp;
}

enum nf_disposition nf_pipeline_process(struct nf_pipeline *p,
                                        const struct nf_msg_in *in,
                                        struct nf_result *res)
{
    struct nf_envelope env;
    const struct nf_envelope *envp = NULL;
    struct nf_avro_event ev;
    const struct nf_doc *doc = NULL;
    const char *text = in->value;
    size_t len = in->len;
    struct nf_ymd ref;
    char refbuf[11];
    bool have_ref = false;
    enum nf_disposition d;

    memset(res, 0, sizeof(*res));
    memset(&env, 0, sizeof(env));
    snprintf(res->event_id, sizeof(res->event_id), "%s/%d/%lld", in->src.topic,
             (int)in->src.partition, (long long)in->src.offset);
    if (!in->value || in->len == 0) {
        nf_err_setf(&res->err, NF_E_EMPTY, 0, "message value is empty");
        return dead_letter(p, in, res);
    }
    if (in->len > (size_t)p->cfg->max_bytes) {
        nf_err_setf(&res->err, NF_E_TOO_LARGE, 0,
                    "message value of %zu bytes is over enrich.max.bytes "
                    "(%ld)",
                    in->len, p->cfg->max_bytes);
        return dead_letter(p, in, res);
    }
    if (nf_envelope_detect(in->value, in->len)) {
        if (nf_envelope_parse(in->value, in->len, &env, &res->err) != 0)
            return dead_letter(p, in, res);
        envp = &env;
        text = env.text.ptr;
        len = env.text.len;
        have_ref = nf_envelope_reference(&env, &ref) == 0;
    }
    if (!have_ref)
        have_ref = nf_pipeline_ts_day(in->src.timestamp, &ref) == 0;
    if (have_ref && nf_ymd_format(ref, refbuf) != 0)
        have_ref = false;
    if (nf_enrich(p->en, text, len, have_ref ? &ref : NULL, &doc, &res->err) !=
        0) {
        d = dead_letter(p, in, res);
        goto out;
    }
    memset(&ev, 0, sizeof(ev));
    ev.event_id = res->event_id;
    ev.worker_version = p->version;
    ev.src = in->src;
    ev.env = envp;
    ev.reference_date = have_ref ? refbuf : NULL;
    ev.doc = doc;
    ev.text = text;
    ev.text_len = len;
    nf_buf_free(&p->buf);
    if (nf_avro_encode_event(p->av, &ev, &p->buf, &res->err) != 0 ||
        add_output(p, in, res, category_topic(p->cfg, doc->category),
                   NF_SCHEMA_NOTICE_EVENT) != 0) {
        if (res->err.code == 0)
            nf_err_setf(&res->err, NF_E_NOMEM, 0, "out of memory");
        d = dead_letter(p, in, res);
        goto out;
    }
    res->category = nf_category_name(doc->category);
    res->disp = NF_DISP_OK;
    d = NF_DISP_OK;
out:
    nf_envelope_free(&env);
    return d;
}
