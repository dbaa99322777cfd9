/*
 * nf_ecs.c - NoticeEvent → Elastic Common Schema JSON document.
 *
 * Worked example (an incident notice, ransomware, 1,234 people):
 *   {"@timestamp":"2024-05-10T00:00:00.000+09:00",
 *    "ecs":{"version":"8.11.0"},
 *    "event":{"kind":"event","category":["threat","malware"],
 *             "type":["indicator","info"],"id":"notices/2/77",
 *             "created":"2024-05-01T00:00:00.000Z",
 *             "dataset":"noticeflow.notice","module":"noticeflow",
 *             "provider":"example-feed","reference":"https://...",
 *             "original":"株式会社..."},
 *    "message":"<title>","organization":{"name":"株式会社サンプル"},
 *    "agent":{"type":"noticeflow","version":"0.1.0"},
 *    "notice":{"category":"incident",...,"kafka":{...},
 *              "original":{"length":1024,"truncated":false}}}
 *
 * Choices (schemas/ecs.md is the reference for consumers):
 *   - event.kind is "event": a notice is an observed fact, not a detection
 *     of ours ("alert") and never "signal" (reserved for the Elastic
 *     Security app).
 *   - event.category/type only from ECS's allowed lists, pairs that ECS
 *     lists as expected: threat+indicator for every incident (external
 *     intelligence about an incident), plus malware+info for the incident
 *     types in malware_types[]. Non-incidents carry type info and no
 *     category: no ECS category describes a campaign or a newsletter.
 *   - @timestamp is when the notice says it was published (00:00 Japan
 *     time of published_date); without one, the Kafka timestamp; then the
 *     reference day; then the epoch. event.created is the Kafka timestamp
 *     (when the notice entered the pipeline). No wall clock anywhere, so a
 *     replay gives the same document.
 *   - event.id is the record's event_id (<topic>/<partition>/<offset>), the
 *     same as the Avro record's, so both outputs correlate and dedupe.
 *   - notice.* is nf_json_doc() (the CLI's JSON, the Avro field names) plus
 *     the source coordinates: one custom namespace, no second mapping.
 * Discarded: a hash for event.id (opaque, and the coordinates are unique);
 * the wall clock for event.created (breaks replay determinism).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nf_ecs.h"
#include "nf_json.h"

/* Japan has no DST: notices' dates are days in UTC+9. */
#define JST_SUFFIX "T00:00:00.000+09:00"

/* Incident types that also make the event an ECS "malware" event. */
static const enum nf_itype malware_types[] = {
    NF_IT_RANSOMWARE, /* encrypting malware */
    NF_IT_MALWARE,    /* any other infection (Emotet, ...) */
};

/* Identity of the documents: ECS event.dataset, event.module, agent.type. */
static const char dataset[] = "noticeflow.notice";
static const char module_name[] = "noticeflow";

size_t nf_ecs_utf8_prefix(const char *s, size_t len, size_t max)
{
    size_t n = len < max ? len : max;

    if (n == len)
        return n;
    /* back off continuation bytes (10xxxxxx) to the start of the cut
     * character: it is incomplete, so it goes */
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n;
}

/* "2024-05-01T00:00:00.000Z" for ms since the epoch (>= 0). */
static void iso_ms(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char wide[96];
    size_t n;

    if (!gmtime_r(&t, &tm)) {
        snprintf(out, 32, "1970-01-01T00:00:00.000Z");
        return;
    }
    /* formatted wide then cut to 32: the compiler cannot prove the tm
     * fields small, and a cut (absurd) year is what the caller got before */
    snprintf(wide, sizeof(wide), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    n = strlen(wide);
    if (n > 31)
        n = 31;
    memcpy(out, wide, n);
    out[n] = '\0';
}

static int set(json_t *o, const char *k, json_t *v)
{
    return json_object_set_new(o, k, v);
}

/* Set only when present: ECS documents omit unknown fields. */
static int set_opt(json_t *o, const char *k, const char *s, size_t n)
{
    return s ? set(o, k, json_stringn(s, n)) : 0;
}

static json_t *sv_json(struct nf_sv v)
{
    return v.ptr ? json_stringn(v.ptr, v.len) : json_null();
}

static bool is_http_url(const char *s, size_t n)
{
    return (n > 7 && strncmp(s, "http://", 7) == 0) ||
           (n > 8 && strncmp(s, "https://", 8) == 0);
}

static int timestamp(json_t *o, const struct nf_avro_event *ev)
{
    const struct nf_doc *doc = ev->doc;
    char buf[40], day[11];

    if (doc->published >= 0 && (size_t)doc->published < doc->n_dates &&
        nf_ymd_format(doc->dates[doc->published].date, day) == 0)
        snprintf(buf, sizeof(buf), "%s" JST_SUFFIX, day);
    else if (ev->src.timestamp >= 0)
        iso_ms(ev->src.timestamp, buf);
    else if (ev->reference_date && strlen(ev->reference_date) == 10)
        snprintf(buf, sizeof(buf), "%s" JST_SUFFIX, ev->reference_date);
    else
        iso_ms(0, buf);
    return set(o, "@timestamp", json_string(buf));
}

static json_t *event_obj(const struct nf_avro_event *ev, size_t original_max)
{
    const struct nf_doc *doc = ev->doc;
    json_t *e = json_object(), *cat = json_array(), *type = json_array();
    bool malware = false;
    char buf[32];
    size_t i;
    int rc = 0;

    if (!e || !cat || !type) {
        json_decref(e);
        json_decref(cat);
        json_decref(type);
        return NULL;
    }
    for (i = 0; i < sizeof(malware_types) / sizeof(malware_types[0]); i++)
        if (doc->incident_types & (1u << malware_types[i]))
            malware = true;
    if (doc->category == NF_CAT_INCIDENT) {
        rc |= json_array_append_new(cat, json_string("threat"));
        rc |= json_array_append_new(type, json_string("indicator"));
        if (malware) {
            rc |= json_array_append_new(cat, json_string("malware"));
            rc |= json_array_append_new(type, json_string("info"));
        }
    } else {
        rc |= json_array_append_new(type, json_string("info"));
    }
    rc |= set(e, "kind", json_string("event"));
    if (json_array_size(cat))
        rc |= set(e, "category", cat);
    else
        json_decref(cat);
    rc |= set(e, "type", type);
    rc |= set(e, "id", json_string(ev->event_id));
    if (ev->src.timestamp >= 0) {
        iso_ms(ev->src.timestamp, buf);
        rc |= set(e, "created", json_string(buf));
    }
    rc |= set(e, "dataset", json_string(dataset));
    rc |= set(e, "module", json_string(module_name));
    if (ev->env) {
        rc |= set_opt(e, "provider", ev->env->source.ptr, ev->env->source.len);
        if (ev->env->url.ptr && is_http_url(ev->env->url.ptr, ev->env->url.len))
            rc |= set(e, "reference",
                      json_stringn(ev->env->url.ptr, ev->env->url.len));
    }
    if (original_max > 0 && ev->text)
        rc |= set(
            e, "original",
            json_stringn(ev->text, nf_ecs_utf8_prefix(ev->text, ev->text_len,
                                                      original_max)));
    if (rc) {
        json_decref(e);
        return NULL;
    }
    return e;
}

/* notice.kafka: where the input came from (the Avro record's source). */
static json_t *kafka_obj(const struct nf_source *src)
{
    json_t *k =
        json_pack("{s:s,s:i,s:I}", "topic", src->topic, "partition",
                  (int)src->partition, "offset", (json_int_t)src->offset);
    static const char hex[] = "0123456789abcdef";
    json_t *key;
    char *h;
    size_t i;
    int rc = 0;

    if (!k)
        return NULL;
    rc |= set(k, "timestamp",
              src->timestamp >= 0 ? json_integer((json_int_t)src->timestamp)
                                  : json_null());
    /* a key is bytes: text when it is UTF-8, else its hex form */
    key = src->key ? json_stringn(src->key, src->key_len) : json_null();
    if (key) {
        rc |= set(k, "key", key);
    } else {
        h = malloc(2 * src->key_len + 1);
        if (!h) {
            json_decref(k);
            return NULL;
        }
        for (i = 0; i < src->key_len; i++) {
            h[2 * i] = hex[((const unsigned char *)src->key)[i] >> 4];
            h[2 * i + 1] = hex[((const unsigned char *)src->key)[i] & 15];
        }
        h[2 * src->key_len] = '\0';
        rc |= set(k, "key", json_null());
        rc |= set(k, "key_hex", json_string(h));
        free(h);
    }
    if (rc) {
        json_decref(k);
        return NULL;
    }
    return k;
}

static json_t *notice_obj(const struct nf_avro_event *ev, size_t original_max)
{
    json_t *n = nf_json_doc(ev->doc, ev->text, ev->text_len), *env;
    int rc = 0;

    if (!n)
        return NULL;
    rc |=
        set(n, "reference_date",
            ev->reference_date ? json_string(ev->reference_date) : json_null());
    if (ev->env) {
        env = json_object();
        if (env) {
            rc |= set(env, "id", sv_json(ev->env->id));
            rc |= set(env, "url", sv_json(ev->env->url));
            rc |= set(env, "source", sv_json(ev->env->source));
            rc |= set(env, "fetched_at", sv_json(ev->env->fetched_at));
            rc |= set(env, "published_at", sv_json(ev->env->published_at));
        }
        rc |= set(n, "envelope", env);
    } else {
        rc |= set(n, "envelope", json_null());
    }
    rc |= set(n, "kafka", kafka_obj(&ev->src));
    rc |= set(n, "original",
              json_pack("{s:I,s:b}", "length", (json_int_t)ev->text_len,
                        "truncated", original_max < ev->text_len));
    if (rc) {
        json_decref(n);
        return NULL;
    }
    return n;
}

json_t *nf_ecs_doc(const struct nf_avro_event *ev, size_t original_max)
{
    const struct nf_doc *doc;
    json_t *o;
    int rc = 0;

    if (!ev || !ev->doc || !ev->event_id)
        return NULL;
    doc = ev->doc;
    o = json_object();
    if (!o)
        return NULL;
    rc |= timestamp(o, ev);
    rc |= set(o, "ecs", json_pack("{s:s}", "version", NF_ECS_VERSION));
    rc |= set(o, "event", event_obj(ev, original_max));
    rc |= set_opt(o, "message", doc->title.ptr, doc->title.len);
    if (doc->organization.ptr)
        rc |= set(o, "organization",
                  json_pack("{s:s%}", "name", doc->organization.ptr,
                            doc->organization.len));
    rc |= set(o, "agent",
              json_pack("{s:s,s:s}", "type", module_name, "version",
                        ev->worker_version ? ev->worker_version : ""));
    rc |= set(o, "notice", notice_obj(ev, original_max));
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int dump_cb(const char *buf, size_t size, void *data)
{
    return nf_buf_append(data, buf, size);
}

int nf_ecs_encode(const struct nf_avro_event *ev, size_t original_max,
                  struct nf_buf *out, struct nf_err *err)
{
    json_t *o = nf_ecs_doc(ev, original_max);
    int rc;

    if (!o)
        return nf_err_set(err, NF_E_NOMEM, 0, "ECS document: out of memory");
    /* insertion order (jansson keeps it): @timestamp first, as Beats do */
    rc = json_dump_callback(o, dump_cb, out, JSON_COMPACT);
    json_decref(o);
    if (rc != 0 || out->failed)
        return nf_err_set(err, NF_E_NOMEM, 0, "ECS document: out of memory");
    return 0;
}
