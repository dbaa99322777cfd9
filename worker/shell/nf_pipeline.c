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
 * Outputs (issue 5, contract "Alert notes"): the record goes to its
 * category topic in that topic's format (Avro with its framing, or ECS
 * JSON), then to its ECS copy topic if any, then as an alert if the rules
 * match. Every output is built before any is returned, so a failure in
 * any of them turns the whole message into one dead letter (never a
 * record without its alert). Confluent framing uses the schema ids set by
 * nf_pipeline_set_schema_ids(); a missing id is an encoding failure.
 *
 * event_id "<topic>/<partition>/<offset>" is a pure function of the source
 * coordinates, so a replay (restart, rebalance) yields the same id and
 * consumers dedupe on it. Discarded: a hash (opaque for operators, and the
 * coordinates are already unique because Kafka topic names exclude '/').
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nf_ecs.h"
#include "nf_pipeline.h"

/* Japan Standard Time has no DST: a fixed UTC+9 offset is exact. */
#define JST_OFFSET_S (9 * 3600)

/* What an output carries: sets its headers. */
enum out_kind { OUT_EVENT, OUT_DEAD_LETTER, OUT_ECS, OUT_ALERT };

struct nf_pipeline {
    const struct nf_config *cfg;
    const char *version;
    struct nf_enricher *en;
    struct nf_avro *av;
    struct nf_buf buf;
    struct nf_outputs plan;
    struct nf_frame frame[NF_OUT__COUNT];
    struct nf_alert_rules rules;
};

struct nf_pipeline *nf_pipeline_new(const struct nf_config *cfg,
                                    const char *version, struct nf_err *err)
{
    struct nf_pipeline *p = calloc(1, sizeof(*p));
    struct nf_opts opts = {0};
    char errstr[256];
    int i;

    if (!p) {
        nf_err_set(err, NF_E_NOMEM, 0, "out of memory");
        return NULL;
    }
    p->cfg = cfg;
    p->version = version;
    opts.max_bytes = (size_t)cfg->max_bytes;
    p->en = nf_enricher_new(&opts, errstr, sizeof(errstr));
    if (!p->en) {
        nf_err_set(err, NF_E_NOMEM, 0, "enricher: %s", errstr);
        goto fail;
    }
    p->av = nf_avro_new(err);
    if (!p->av)
        goto fail;
    if (nf_outputs_from_config(cfg, &p->plan, err) != 0)
        goto fail;
    for (i = 0; i < NF_OUT__COUNT; i++) {
        p->frame[i].kind = p->plan.slot[i].framing;
        p->frame[i].schema_id = -1;
    }
    if (cfg->topic_alerts &&
        nf_alert_rules_from_config(cfg, &p->rules, err) != 0)
        goto fail;
    return p;
fail:
    nf_pipeline_destroy(p);
    return NULL;
}

void nf_pipeline_set_schema_ids(struct nf_pipeline *p,
                                const int32_t ids[NF_OUT__COUNT])
{
    int i;

    for (i = 0; i < NF_OUT__COUNT; i++)
        p->frame[i].schema_id = ids[i];
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

static void put_header(struct nf_produce *o, const char *name,
                       const char *value)
{
    o->headers[o->n_headers].name = name;
    o->headers[o->n_headers].value = value;
    o->headers[o->n_headers].len = strlen(value);
    o->n_headers++;
}

/* Add one output: takes the encoded bytes from p->buf. */
static int add_output(struct nf_pipeline *p, const struct nf_msg_in *in,
                      struct nf_result *res, const char *topic,
                      enum out_kind kind)
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
    if (kind == OUT_EVENT || kind == OUT_DEAD_LETTER) {
        put_header(o, NF_HDR_CONTENT_TYPE, NF_CONTENT_TYPE_AVRO);
        put_header(o, NF_HDR_FINGERPRINT,
                   nf_avro_fingerprint_hex(p->av, kind == OUT_EVENT
                                                      ? NF_SCHEMA_NOTICE_EVENT
                                                      : NF_SCHEMA_DEAD_LETTER));
    } else {
        put_header(o, NF_HDR_CONTENT_TYPE, NF_CONTENT_TYPE_JSON);
    }
    put_header(o, NF_HDR_EVENT_ID, res->event_id);
    if (kind == OUT_DEAD_LETTER)
        put_header(o, NF_HDR_ERROR_CODE, res->error_code);
    if (kind == OUT_ALERT)
        put_header(o, NF_HDR_SEVERITY, res->severity);
    res->n_out++;
    return 0;
}

/* The record on its category topic, its ECS copy and its alert. */
static int record_outputs(struct nf_pipeline *p, const struct nf_msg_in *in,
                          const struct nf_avro_event *ev, struct nf_result *res)
{
    enum nf_out_slot slot = nf_outputs_slot(ev->doc->category);
    const struct nf_out_topic *t = &p->plan.slot[slot];
    size_t max = (size_t)p->cfg->ecs_original_max;
    struct nf_alert_meta meta;
    enum nf_alert_severity sev;
    char *body = NULL;
    size_t n = 0;
    int rc;

    nf_buf_free(&p->buf);
    if (t->format == NF_FORMAT_ECS_JSON)
        rc = nf_ecs_encode(ev, max, &p->buf, &res->err) ||
             add_output(p, in, res, t->topic, OUT_ECS);
    else
        rc = nf_avro_encode_event_framed(p->av, ev, &p->frame[slot], &p->buf,
                                         &res->err) ||
             add_output(p, in, res, t->topic, OUT_EVENT);
    if (rc == 0 && t->ecs_topic) {
        nf_buf_free(&p->buf);
        rc = nf_ecs_encode(ev, max, &p->buf, &res->err) ||
             add_output(p, in, res, t->ecs_topic, OUT_ECS);
    }
    if (rc != 0 || !p->cfg->topic_alerts)
        return rc;
    memset(&meta, 0, sizeof(meta));
    meta.event_id = ev->event_id;
    meta.src = &ev->src;
    meta.env = ev->env;
    meta.reference_date = ev->reference_date;
    meta.worker_version = ev->worker_version;
    rc = nf_alert_build(&p->rules, ev->doc, ev->text, ev->text_len, &meta,
                        &body, &n, &sev, &res->err);
    if (rc != 0 || !body)
        return rc;
    snprintf(res->severity, sizeof(res->severity), "%s",
             nf_alert_severity_name(sev));
    /* the body becomes the output's value, as the encoders' bytes do */
    nf_buf_free(&p->buf);
    rc = nf_buf_append(&p->buf, body, n);
    free(body);
    return rc || add_output(p, in, res, p->cfg->topic_alerts, OUT_ALERT);
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
    if (nf_avro_encode_dead_letter_framed(
            p->av, &dl, &p->frame[NF_OUT_DEAD_LETTER], &p->buf, &aerr) != 0 ||
        add_output(p, in, res, p->cfg->topic_dead_letter, OUT_DEAD_LETTER) !=
            0) {
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
        nf_err_set(&res->err, NF_E_EMPTY, 0, "message value is empty");
        return dead_letter(p, in, res);
    }
    if (in->len > (size_t)p->cfg->max_bytes) {
        nf_err_set(&res->err, NF_E_TOO_LARGE, 0,
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
    if (record_outputs(p, in, &ev, res) != 0) {
        if (res->err.code == 0)
            nf_err_set(&res->err, NF_E_NOMEM, 0, "out of memory");
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
