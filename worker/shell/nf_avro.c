/*
 * nf_avro.c - NoticeEvent and DeadLetter records → Avro single-object bytes.
 *
 * Approach: at start-up each schema is parsed by avro-c from the embedded
 * text (nf_schema_text), a generic value class is built, and the PCF
 * fingerprint is computed (nf_schema). Per record, the reusable generic
 * value is reset, filled field by field (by name: the schema file is the
 * only place that fixes field order), sized, and written after the 10-byte
 * header into the caller's buffer, so the bytes are produced in one pass
 * with no intermediate copy.
 *
 * Framing (per output topic, nf_outputs): the same body behind either
 * the single-object header or Confluent's 00 + big-endian schema id; the
 * header is written before the body, so switching framings costs nothing.
 *
 * Errors: every avro-c call is checked; the first failure is kept in a
 * sticky encoder state (struct enc) and later calls become no-ops, so the
 * filling code reads as the record's shape. avro_strerror() is copied into
 * the nf_err at once (it is overwritten by the next avro-c call).
 *
 * Strings: avro-c copies size bytes where size counts a NUL terminator, so
 * spans of the notice text (not NUL-terminated) go through a scratch copy.
 * Discarded: avro-c's datum API (deprecated, slower) and a hand-written
 * encoder (would duplicate the schema in code).
 */
#include <stdlib.h>
#include <string.h>

#include <avro.h>

#include "nf_avro.h"

/* Avro single-object marker (spec: "C3 01"). */
static const unsigned char so_marker[2] = {0xc3, 0x01};

struct schema_state {
    avro_schema_t schema;
    avro_value_iface_t *iface;
    avro_value_t value;
    bool have_value;
    unsigned char fp[8];
    char fp_hex[17];
};

struct nf_avro {
    struct schema_state s[NF_SCHEMA__COUNT];
    struct nf_buf scratch; /* NUL-terminated copies of spans */
};

struct enc {
    struct nf_avro *av;
    int rc;
    char what[128]; /* field being written when it failed */
};

static int avro_fail(struct nf_err *err, const char *what)
{
    return nf_err_set(err, NF_E_AVRO, 0, "%s: %s", what, avro_strerror());
}

static int load_schema(struct schema_state *st, enum nf_schema_id id,
                       struct nf_err *err)
{
    size_t len;
    const char *text = nf_schema_text(id, &len);
    struct nf_buf pcf = {0};
    int rc;

    if (avro_schema_from_json_length(text, len, &st->schema) != 0)
        return avro_fail(err, "schema");
    st->iface = avro_generic_class_from_schema(st->schema);
    if (!st->iface)
        return avro_fail(err, "schema class");
    if (avro_generic_value_new(st->iface, &st->value) != 0)
        return avro_fail(err, "schema value");
    st->have_value = true;
    rc = nf_schema_canonical(text, len, &pcf, err);
    if (rc == 0) {
        uint64_t fp = nf_schema_crc64(pcf.p, pcf.len);
        nf_schema_fp_bytes(fp, st->fp);
        nf_schema_fp_hex(fp, st->fp_hex);
    }
    nf_buf_free(&pcf);
    return rc;
}

struct nf_avro *nf_avro_new(struct nf_err *err)
{
    struct nf_avro *av = calloc(1, sizeof(*av));
    int i;

    if (!av) {
        nf_err_set(err, NF_E_AVRO, 0, "out of memory");
        return NULL;
    }
    for (i = 0; i < NF_SCHEMA__COUNT; i++)
        if (load_schema(&av->s[i], (enum nf_schema_id)i, err) != 0) {
            nf_avro_destroy(av);
            return NULL;
        }
    return av;
}

void nf_avro_destroy(struct nf_avro *av)
{
    int i;

    if (!av)
        return;
    for (i = 0; i < NF_SCHEMA__COUNT; i++) {
        if (av->s[i].have_value)
            avro_value_decref(&av->s[i].value);
        if (av->s[i].iface)
            avro_value_iface_decref(av->s[i].iface);
        if (av->s[i].schema)
            avro_schema_decref(av->s[i].schema);
    }
    nf_buf_free(&av->scratch);
    free(av);
}

const char *nf_avro_fingerprint_hex(const struct nf_avro *av,
                                    enum nf_schema_id id)
{
    return av->s[id].fp_hex;
}

/* ---- sticky field writers --------------------------------------------- */

static bool check(struct enc *e, int rc, const char *what)
{
    if (e->rc)
        return false;
    if (rc != 0) {
        e->rc = NF_E_AVRO;
        snprintf(e->what, sizeof(e->what), "%s: %s", what, avro_strerror());
        return false;
    }
    return true;
}

static bool field(struct enc *e, avro_value_t *rec, const char *name,
                  avro_value_t *out)
{
    return check(e, e->rc ? 0 : avro_value_get_by_name(rec, name, out, NULL),
                 name);
}

static void put_string(struct enc *e, avro_value_t *v, const char *s,
                       size_t len, const char *what)
{
    struct nf_buf *sc = &e->av->scratch;

    if (e->rc)
        return;
    sc->len = 0;
    if (nf_buf_append(sc, s, len) != 0) {
        sc->failed = false;
        e->rc = NF_E_AVRO;
        snprintf(e->what, sizeof(e->what), "%s: string too large", what);
        return;
    }
    check(e, avro_value_set_string_len(v, sc->p, len + 1), what);
}

static void set_string(struct enc *e, avro_value_t *rec, const char *name,
                       const char *s, size_t len)
{
    avro_value_t f;

    if (field(e, rec, name, &f))
        put_string(e, &f, s ? s : "", s ? len : 0, name);
}

static void set_cstr(struct enc *e, avro_value_t *rec, const char *name,
                     const char *s)
{
    set_string(e, rec, name, s, s ? strlen(s) : 0);
}

/* ["null", X]: select branch 0 (null) or 1 and return the branch. */
static bool branch(struct enc *e, avro_value_t *rec, const char *name,
                   bool present, avro_value_t *br)
{
    avro_value_t f;

    if (!field(e, rec, name, &f))
        return false;
    if (!check(e, avro_value_set_branch(&f, present ? 1 : 0, br), name))
        return false;
    if (!present) {
        check(e, avro_value_set_null(br), name);
        return false;
    }
    return true;
}

static void set_opt_string(struct enc *e, avro_value_t *rec, const char *name,
                           const char *s, size_t len)
{
    avro_value_t br;

    if (branch(e, rec, name, s != NULL, &br))
        put_string(e, &br, s, len, name);
}

static void set_opt_bytes(struct enc *e, avro_value_t *rec, const char *name,
                          const void *p, size_t len)
{
    avro_value_t br;

    /* avro-c wants a non-NULL pointer even for 0 bytes */
    if (branch(e, rec, name, p != NULL, &br))
        check(e, avro_value_set_bytes(&br, (void *)(len ? p : ""), len), name);
}

static void set_long(struct enc *e, avro_value_t *rec, const char *name,
                     int64_t x)
{
    avro_value_t f;

    if (field(e, rec, name, &f))
        check(e, avro_value_set_long(&f, x), name);
}

static void set_opt_long(struct enc *e, avro_value_t *rec, const char *name,
                         bool present, int64_t x)
{
    avro_value_t br;

    if (branch(e, rec, name, present, &br))
        check(e, avro_value_set_long(&br, x), name);
}

static bool append(struct enc *e, avro_value_t *arr, avro_value_t *el,
                   const char *what)
{
    return check(e, e->rc ? 0 : avro_value_append(arr, el, NULL), what);
}

static void set_source(struct enc *e, avro_value_t *rec,
                       const struct nf_source *src)
{
    avro_value_t s, f;

    if (!field(e, rec, "source", &s))
        return;
    set_cstr(e, &s, "topic", src->topic);
    if (field(e, &s, "partition", &f))
        check(e, avro_value_set_int(&f, src->partition), "partition");
    set_long(e, &s, "offset", src->offset);
    set_opt_long(e, &s, "timestamp", src->timestamp >= 0, src->timestamp);
    set_opt_bytes(e, &s, "key", src->key, src->key_len);
}

/* ---- framing ---------------------------------------------------------- */

void nf_avro_confluent_header(int32_t id,
                              unsigned char out[NF_CONFLUENT_HEADER_LEN])
{
    uint32_t u = (uint32_t)id;

    out[0] = 0; /* Confluent's magic byte: wire format version 0 */
    out[1] = (unsigned char)(u >> 24);
    out[2] = (unsigned char)(u >> 16);
    out[3] = (unsigned char)(u >> 8);
    out[4] = (unsigned char)u;
}

static int finish(struct enc *e, struct schema_state *st,
                  const struct nf_frame *fr, struct nf_buf *out,
                  struct nf_err *err)
{
    avro_writer_t w;
    size_t size = 0, start, hlen;
    unsigned char cf[NF_CONFLUENT_HEADER_LEN];
    int rc, bad;

    if (e->rc)
        return nf_err_set(err, NF_E_AVRO, 0, "encoding %s", e->what);
    if (fr && fr->kind == NF_FRAMING_CONFLUENT && fr->schema_id < 0)
        return nf_err_set(err, NF_E_AVRO, 0,
                          "confluent framing without a schema id");
    if (avro_value_sizeof(&st->value, &size) != 0)
        return avro_fail(err, "sizeof");
    start = out->len;
    /* header, then room for the body that avro-c writes in place */
    if (fr && fr->kind == NF_FRAMING_CONFLUENT) {
        nf_avro_confluent_header(fr->schema_id, cf);
        hlen = NF_CONFLUENT_HEADER_LEN;
        bad = nf_buf_append(out, cf, hlen);
    } else {
        hlen = NF_AVRO_HEADER_LEN;
        bad = nf_buf_append(out, so_marker, 2) || nf_buf_append(out, st->fp, 8);
    }
    if (bad || nf_buf_append(out, NULL, size) != 0)
        return nf_err_set(err, NF_E_AVRO, 0, "out of memory");
    w = avro_writer_memory(out->p + start + hlen, (int64_t)size);
    if (!w)
        return avro_fail(err, "writer");
    rc = avro_value_write(w, &st->value);
    avro_writer_free(w);
    if (rc != 0)
        return avro_fail(err, "write");
    return 0;
}

/* ---- NoticeEvent ------------------------------------------------------ */

static void set_span(struct enc *e, avro_value_t *rec, struct nf_span sp)
{
    set_long(e, rec, "start", (int64_t)sp.off);
    set_long(e, rec, "end", (int64_t)(sp.off + sp.len));
}

/* The text of a span, clamped to the input (the core guarantees spans are
 * inside it; clamping keeps a core bug from becoming an over-read). */
static void set_span_text(struct enc *e, avro_value_t *rec, const char *text,
                          size_t len, struct nf_span sp)
{
    if (!text || sp.off > len || sp.len > len - sp.off)
        set_string(e, rec, "text", "", 0);
    else
        set_string(e, rec, "text", text + sp.off, sp.len);
}

static void set_opt_date(struct enc *e, avro_value_t *rec, const char *name,
                         const struct nf_doc *doc, int idx)
{
    char buf[11];
    bool ok = idx >= 0 && (size_t)idx < doc->n_dates &&
              nf_ymd_format(doc->dates[idx].date, buf) == 0;

    set_opt_string(e, rec, name, ok ? buf : NULL, ok ? 10 : 0);
}

static void set_opt_span(struct enc *e, avro_value_t *rec, const char *name,
                         bool present, struct nf_span sp)
{
    avro_value_t br;

    if (branch(e, rec, name, present, &br))
        set_span(e, &br, sp);
}

static void set_date_span(struct enc *e, avro_value_t *rec, const char *name,
                          const struct nf_doc *doc, int idx)
{
    bool ok = idx >= 0 && (size_t)idx < doc->n_dates;
    struct nf_span none = {0, 0};

    set_opt_span(e, rec, name, ok, ok ? doc->dates[idx].span : none);
}

static void set_envelope(struct enc *e, avro_value_t *rec,
                         const struct nf_envelope *env)
{
    avro_value_t br;

    if (!branch(e, rec, "envelope", env != NULL, &br))
        return;
    set_opt_string(e, &br, "id", env->id.ptr, env->id.len);
    set_opt_string(e, &br, "url", env->url.ptr, env->url.len);
    set_opt_string(e, &br, "source", env->source.ptr, env->source.len);
    set_opt_string(e, &br, "fetched_at", env->fetched_at.ptr,
                   env->fetched_at.len);
    set_opt_string(e, &br, "published_at", env->published_at.ptr,
                   env->published_at.len);
}

static void set_doc(struct enc *e, avro_value_t *rec, const struct nf_doc *doc,
                    const char *text, size_t len)
{
    const struct nf_count_mention *head = NULL;
    avro_value_t arr, el, f, prov;
    struct nf_span none = {0, 0};
    size_t i;
    char buf[11];

    if (doc->affected >= 0 && (size_t)doc->affected < doc->n_counts)
        head = &doc->counts[doc->affected];
    set_cstr(e, rec, "category", nf_category_name(doc->category));
    if (field(e, rec, "category_confidence", &f))
        check(e, avro_value_set_double(&f, doc->category_confidence),
              "category_confidence");
    if (field(e, rec, "category_reasons", &arr))
        for (i = 0; i < doc->n_reasons; i++)
            if (append(e, &arr, &el, "category_reasons")) {
                set_cstr(e, &el, "cue", doc->reasons[i].cue);
                set_cstr(e, &el, "signal", doc->reasons[i].signal);
                set_span(e, &el, doc->reasons[i].span);
            }
    if (field(e, rec, "incident_types", &arr))
        for (i = 0; i < NF_IT__COUNT; i++)
            if ((doc->incident_types & (1u << i)) &&
                append(e, &arr, &el, "incident_types")) {
                const char *n = nf_itype_name((enum nf_itype)i);
                put_string(e, &el, n, strlen(n), "incident_types");
            }
    set_opt_string(e, rec, "organization", doc->organization.ptr,
                   doc->organization.len);
    set_opt_string(e, rec, "title", doc->title.ptr, doc->title.len);
    set_opt_date(e, rec, "published_date", doc, doc->published);
    if (field(e, rec, "dates", &arr))
        for (i = 0; i < doc->n_dates; i++) {
            const struct nf_date_mention *m = &doc->dates[i];

            /* same rule as the CLI's JSON: an invalid day is not listed */
            if (nf_ymd_format(m->date, buf) != 0 ||
                !append(e, &arr, &el, "dates"))
                continue;
            set_string(e, &el, "date", buf, 10);
            set_span_text(e, &el, text, len, m->span);
            set_span(e, &el, m->span);
            set_cstr(e, &el, "role", nf_date_role_name(m->role));
        }
    set_opt_date(e, rec, "discovered_date", doc, doc->discovered);
    set_opt_date(e, rec, "period_start", doc, doc->period_start);
    set_opt_date(e, rec, "period_end", doc, doc->period_end);
    if (field(e, rec, "counts", &arr))
        for (i = 0; i < doc->n_counts; i++) {
            const struct nf_count_mention *c = &doc->counts[i];

            if (!append(e, &arr, &el, "counts"))
                continue;
            set_long(e, &el, "value", c->value);
            set_cstr(e, &el, "unit", c->unit ? c->unit : "");
            set_span_text(e, &el, text, len, c->span);
            set_span(e, &el, c->span);
            if (field(e, &el, "approximate", &f))
                check(e, avro_value_set_boolean(&f, c->approximate != 0),
                      "approximate");
            set_cstr(e, &el, "role", nf_count_role_name(c->role));
        }
    set_opt_long(e, rec, "affected_count", head != NULL,
                 head ? head->value : 0);
    set_opt_string(e, rec, "affected_unit", head ? head->unit : NULL,
                   head && head->unit ? strlen(head->unit) : 0);
    if (!field(e, rec, "provenance", &prov))
        return;
    set_opt_span(e, &prov, "organization", doc->organization.ptr != NULL,
                 doc->organization.span);
    set_opt_span(e, &prov, "title", doc->title.ptr != NULL, doc->title.span);
    set_date_span(e, &prov, "published_date", doc, doc->published);
    set_date_span(e, &prov, "discovered_date", doc, doc->discovered);
    set_date_span(e, &prov, "period_start", doc, doc->period_start);
    set_date_span(e, &prov, "period_end", doc, doc->period_end);
    set_opt_span(e, &prov, "affected_count", head != NULL,
                 head ? head->span : none);
}

int nf_avro_encode_event(struct nf_avro *av, const struct nf_avro_event *ev,
                         struct nf_buf *out, struct nf_err *err)
{
    return nf_avro_encode_event_framed(av, ev, NULL, out, err);
}

int nf_avro_encode_event_framed(struct nf_avro *av,
                                const struct nf_avro_event *ev,
                                const struct nf_frame *fr, struct nf_buf *out,
                                struct nf_err *err)
{
    struct schema_state *st = &av->s[NF_SCHEMA_NOTICE_EVENT];
    struct enc e = {av, 0, ""};
    avro_value_t *rec = &st->value;

    check(&e, avro_value_reset(rec), "reset");
    set_cstr(&e, rec, "event_id", ev->event_id);
    set_cstr(&e, rec, "worker_version", ev->worker_version);
    set_source(&e, rec, &ev->src);
    set_envelope(&e, rec, ev->env);
    set_opt_string(&e, rec, "reference_date", ev->reference_date,
                   ev->reference_date ? strlen(ev->reference_date) : 0);
    set_doc(&e, rec, ev->doc, ev->text, ev->text_len);
    return finish(&e, st, fr, out, err);
}

/* ---- DeadLetter ------------------------------------------------------- */

int nf_avro_encode_dead_letter(struct nf_avro *av,
                               const struct nf_avro_dead_letter *dl,
                               struct nf_buf *out, struct nf_err *err)
{
    return nf_avro_encode_dead_letter_framed(av, dl, NULL, out, err);
}

int nf_avro_encode_dead_letter_framed(struct nf_avro *av,
                                      const struct nf_avro_dead_letter *dl,
                                      const struct nf_frame *fr,
                                      struct nf_buf *out, struct nf_err *err)
{
    struct schema_state *st = &av->s[NF_SCHEMA_DEAD_LETTER];
    struct enc e = {av, 0, ""};
    avro_value_t *rec = &st->value, arr, el;
    size_t i;

    check(&e, avro_value_reset(rec), "reset");
    set_cstr(&e, rec, "event_id", dl->event_id);
    set_cstr(&e, rec, "worker_version", dl->worker_version);
    set_source(&e, rec, &dl->src);
    if (field(&e, rec, "headers", &arr))
        for (i = 0; i < dl->n_headers; i++)
            if (append(&e, &arr, &el, "headers")) {
                set_cstr(&e, &el, "key", dl->headers[i].name);
                set_opt_bytes(&e, &el, "value", dl->headers[i].value,
                              dl->headers[i].len);
            }
    set_opt_bytes(&e, rec, "value", dl->value, dl->value_len);
    set_opt_long(&e, rec, "value_length", dl->value_length >= 0,
                 dl->value_length);
    set_cstr(&e, rec, "error_code", dl->error_code);
    set_cstr(&e, rec, "error_message", dl->error_message);
    set_opt_long(&e, rec, "error_offset", dl->error_offset >= 0,
                 dl->error_offset);
    return finish(&e, st, fr, out, err);
}
