/*
 * test_nf_avro.c - encode NoticeEvent / DeadLetter records, check the
 * single-object framing, decode the body back with avro-c against the
 * embedded schema and compare every kind of field (strings, nulls and
 * unions, arrays of records, spans, bytes with NULs).
 */
#include <avro.h>

#include "nf_test.h"

#include "nf_avro.h"

/* A notice text of our own and a record describing it as the core would
 * (offsets are bytes into the text). */
static const char text[] = "テスト株式会社\n不正アクセスに関するお知らせ\n"
                           "２０２４年５月１日 約1,200名";

static struct nf_doc make_doc(struct nf_date_mention *dm,
                              struct nf_count_mention *cm, struct nf_reason *rs)
{
    struct nf_doc d;

    memset(&d, 0, sizeof(d));
    d.category = NF_CAT_INCIDENT;
    d.category_confidence = 0.875;
    rs[0].cue = "不正アクセス";
    rs[0].signal = "incident";
    rs[0].span.off = (size_t)(strstr(text, "不正") - text);
    rs[0].span.len = strlen("不正アクセス");
    d.reasons = rs;
    d.n_reasons = 1;
    d.incident_types =
        (1u << NF_IT_UNAUTHORIZED_ACCESS) | (1u << NF_IT_PHISHING);
    d.organization.ptr = "テスト株式会社";
    d.organization.len = strlen(d.organization.ptr);
    d.organization.span.off = 0;
    d.organization.span.len = 21;
    dm[0].date.y = 2024;
    dm[0].date.m = 5;
    dm[0].date.d = 1;
    dm[0].span.off = (size_t)(strstr(text, "２０２４") - text);
    dm[0].span.len = strlen("２０２４年５月１日");
    dm[0].role = NF_DROLE_PUBLISHED;
    dm[1].date.y = 2024; /* an invalid day is skipped, like the CLI */
    dm[1].date.m = 2;
    dm[1].date.d = 30;
    d.dates = dm;
    d.n_dates = 2;
    d.published = 0;
    d.discovered = -1;
    d.period_start = -1;
    d.period_end = -1;
    cm[0].value = 1200;
    cm[0].unit = "名";
    cm[0].span.off = (size_t)(strstr(text, "約1,200") - text);
    cm[0].span.len = sizeof(text) - 1 - cm[0].span.off;
    cm[0].approximate = 1;
    cm[0].role = NF_CROLE_TOTAL;
    d.counts = cm;
    d.n_counts = 1;
    d.affected = 0;
    return d;
}

/* Decode a framed record with the embedded schema into a fresh value. */
static int decode(const struct nf_buf *b, enum nf_schema_id id,
                  avro_schema_t *schema, avro_value_iface_t **iface,
                  avro_value_t *v)
{
    size_t len;
    const char *js = nf_schema_text(id, &len);
    avro_reader_t r;
    int rc;

    if (avro_schema_from_json_length(js, len, schema))
        return -1;
    *iface = avro_generic_class_from_schema(*schema);
    avro_generic_value_new(*iface, v);
    r = avro_reader_memory(b->p + NF_AVRO_HEADER_LEN,
                           (int64_t)(b->len - NF_AVRO_HEADER_LEN));
    rc = avro_value_read(r, v);
    avro_reader_free(r);
    return rc;
}

static void release(avro_schema_t s, avro_value_iface_t *i, avro_value_t *v)
{
    avro_value_decref(v);
    avro_value_iface_decref(i);
    avro_schema_decref(s);
}

static avro_value_t get(avro_value_t *rec, const char *path)
{
    avro_value_t cur = *rec, next;
    char name[64];
    const char *p = path;

    /* "a.b.c": nested records; a union is entered at its current branch */
    while (*p) {
        size_t n = strcspn(p, ".");
        snprintf(name, sizeof(name), "%.*s", (int)n, p);
        if (avro_value_get_type(&cur) == AVRO_UNION) {
            avro_value_get_current_branch(&cur, &next);
            cur = next;
        }
        if (avro_value_get_by_name(&cur, name, &next, NULL) != 0) {
            fprintf(stderr, "no field %s\n", path);
            abort();
        }
        cur = next;
        p += n + (p[n] == '.');
    }
    return cur;
}

/* String value of a string or ["null","string"] field; NULL for null. */
static const char *str(avro_value_t *rec, const char *path)
{
    avro_value_t v = get(rec, path), br;
    const char *s = NULL;
    size_t sz;

    if (avro_value_get_type(&v) == AVRO_UNION) {
        avro_value_get_current_branch(&v, &br);
        v = br;
        if (avro_value_get_type(&v) == AVRO_NULL)
            return NULL;
    }
    avro_value_get_string(&v, &s, &sz);
    return s;
}

static int64_t lng(avro_value_t *rec, const char *path)
{
    avro_value_t v = get(rec, path), br;
    int64_t x = -999;

    if (avro_value_get_type(&v) == AVRO_UNION) {
        avro_value_get_current_branch(&v, &br);
        v = br;
        if (avro_value_get_type(&v) == AVRO_NULL)
            return -1;
    }
    avro_value_get_long(&v, &x);
    return x;
}

static int is_null(avro_value_t *rec, const char *path)
{
    avro_value_t v = get(rec, path);
    int disc = -1;

    avro_value_get_discriminant(&v, &disc);
    return disc == 0;
}

static void test_event(struct nf_avro *av)
{
    struct nf_date_mention dm[2];
    struct nf_count_mention cm[1];
    struct nf_reason rs[1];
    struct nf_doc doc = make_doc(dm, cm, rs);
    struct nf_envelope env;
    struct nf_avro_event ev;
    struct nf_buf b = {0};
    struct nf_err err = {0};
    avro_schema_t s;
    avro_value_iface_t *iface;
    avro_value_t v, arr, el;
    size_t n;
    double conf;
    int flag;

    memset(&env, 0, sizeof(env));
    env.id.ptr = "doc-7";
    env.id.len = 5;
    env.published_at.ptr = "2024-05-01T10:00:00+09:00";
    env.published_at.len = strlen(env.published_at.ptr);
    memset(&ev, 0, sizeof(ev));
    ev.event_id = "notices/3/42";
    ev.worker_version = "9.9.9";
    ev.src.topic = "notices";
    ev.src.partition = 3;
    ev.src.offset = 42;
    ev.src.timestamp = 1714521600000LL;
    ev.src.key = "k\0y";
    ev.src.key_len = 3;
    ev.env = &env;
    ev.reference_date = "2024-05-01";
    ev.doc = &doc;
    ev.text = text;
    ev.text_len = sizeof(text) - 1;

    CHECK_INTEQ(nf_avro_encode_event(av, &ev, &b, &err), 0);
    CHECK(b.len > NF_AVRO_HEADER_LEN, "framed");
    CHECK((unsigned char)b.p[0] == 0xc3 && (unsigned char)b.p[1] == 0x01,
          "single-object marker");
    {
        char hex[17];
        int i;
        for (i = 0; i < 8; i++)
            snprintf(hex + 2 * i, 3, "%02x", (unsigned char)b.p[2 + i]);
        CHECK_STREQ(hex, nf_avro_fingerprint_hex(av, NF_SCHEMA_NOTICE_EVENT));
        CHECK_STREQ(hex, "bc85128b9970ba78");
    }
    CHECK_INTEQ(decode(&b, NF_SCHEMA_NOTICE_EVENT, &s, &iface, &v), 0);
    CHECK_STREQ(str(&v, "event_id"), "notices/3/42");
    CHECK_STREQ(str(&v, "worker_version"), "9.9.9");
    CHECK_STREQ(str(&v, "source.topic"), "notices");
    CHECK_INTEQ(lng(&v, "source.offset"), 42);
    CHECK_INTEQ(lng(&v, "source.timestamp"), 1714521600000LL);
    {
        avro_value_t k = get(&v, "source.key"), br;
        const void *p = NULL;
        size_t sz = 0;
        avro_value_get_current_branch(&k, &br);
        avro_value_get_bytes(&br, &p, &sz);
        CHECK(sz == 3 && memcmp(p, "k\0y", 3) == 0, "key bytes kept");
    }
    CHECK_STREQ(str(&v, "envelope.id"), "doc-7");
    CHECK(str(&v, "envelope.url") == NULL, "absent envelope field is null");
    CHECK_STREQ(str(&v, "envelope.published_at"), "2024-05-01T10:00:00+09:00");
    CHECK_STREQ(str(&v, "reference_date"), "2024-05-01");
    CHECK_STREQ(str(&v, "category"), "incident");
    {
        avro_value_t c = get(&v, "category_confidence");
        avro_value_get_double(&c, &conf);
        CHECK(conf == 0.875, "confidence %f", conf);
    }
    arr = get(&v, "category_reasons");
    avro_value_get_size(&arr, &n);
    CHECK_INTEQ(n, 1);
    avro_value_get_by_index(&arr, 0, &el, NULL);
    CHECK_STREQ(str(&el, "cue"), "不正アクセス");
    CHECK_INTEQ(lng(&el, "end"), strstr(text, "に関する") - text);
    arr = get(&v, "incident_types");
    avro_value_get_size(&arr, &n);
    CHECK_INTEQ(n, 2);
    avro_value_get_by_index(&arr, 1, &el, NULL);
    {
        const char *it = NULL;
        size_t sz;
        avro_value_get_string(&el, &it, &sz);
        CHECK_STREQ(it, "phishing");
    }
    CHECK_STREQ(str(&v, "organization"), "テスト株式会社");
    CHECK(str(&v, "title") == NULL, "null title");
    CHECK_STREQ(str(&v, "published_date"), "2024-05-01");
    CHECK(str(&v, "discovered_date") == NULL, "null discovered_date");
    arr = get(&v, "dates");
    avro_value_get_size(&arr, &n);
    CHECK_INTEQ(n, 1);
    avro_value_get_by_index(&arr, 0, &el, NULL);
    CHECK_STREQ(str(&el, "text"), "２０２４年５月１日");
    CHECK_STREQ(str(&el, "role"), "published");
    CHECK_INTEQ(lng(&el, "start"), strstr(text, "２０２４") - text);
    arr = get(&v, "counts");
    avro_value_get_by_index(&arr, 0, &el, NULL);
    CHECK_INTEQ(lng(&el, "value"), 1200);
    CHECK_STREQ(str(&el, "unit"), "名");
    CHECK_STREQ(str(&el, "text"), "約1,200名");
    {
        avro_value_t a = get(&el, "approximate");
        avro_value_get_boolean(&a, &flag);
        CHECK_INTEQ(flag, 1);
    }
    CHECK_INTEQ(lng(&v, "affected_count"), 1200);
    CHECK_STREQ(str(&v, "affected_unit"), "名");
    CHECK_INTEQ(lng(&v, "provenance.organization.end"), 21);
    CHECK_INTEQ(lng(&v, "provenance.published_date.start"),
                strstr(text, "２０２４") - text);
    CHECK(is_null(&v, "provenance.title"), "null provenance");
    CHECK(is_null(&v, "provenance.period_end"), "null provenance");
    CHECK_INTEQ(lng(&v, "provenance.affected_count.start"),
                strstr(text, "約") - text);
    release(s, iface, &v);

    /* the value is reused: a second record must not keep old fields */
    ev.env = NULL;
    ev.reference_date = NULL;
    ev.src.key = NULL;
    ev.src.timestamp = -1;
    doc.n_counts = 0;
    doc.affected = -1;
    b.len = 0;
    CHECK_INTEQ(nf_avro_encode_event(av, &ev, &b, &err), 0);
    CHECK_INTEQ(decode(&b, NF_SCHEMA_NOTICE_EVENT, &s, &iface, &v), 0);
    CHECK(is_null(&v, "envelope"), "raw notice: envelope null");
    CHECK(is_null(&v, "source.key"), "null key");
    CHECK(is_null(&v, "source.timestamp"), "null timestamp");
    CHECK(is_null(&v, "affected_count"), "no headline");
    arr = get(&v, "counts");
    avro_value_get_size(&arr, &n);
    CHECK_INTEQ(n, 0);
    release(s, iface, &v);
    nf_buf_free(&b);
}

static void test_dead_letter(struct nf_avro *av)
{
    static const char value[] = {'\xff', '\0', 'a'};
    struct nf_header hs[2] = {{"trace", "abc", 3}, {"empty", NULL, 0}};
    struct nf_avro_dead_letter dl;
    struct nf_buf b = {0};
    struct nf_err err = {0};
    avro_schema_t s;
    avro_value_iface_t *iface;
    avro_value_t v, arr, el, br;
    const void *p;
    size_t n, sz;

    memset(&dl, 0, sizeof(dl));
    dl.event_id = "notices/0/7";
    dl.worker_version = "9.9.9";
    dl.src.topic = "notices";
    dl.src.offset = 7;
    dl.src.timestamp = -1;
    dl.headers = hs;
    dl.n_headers = 2;
    dl.value = value;
    dl.value_len = sizeof(value);
    dl.value_length = sizeof(value);
    dl.error_code = "invalid_utf8";
    dl.error_message = "document is not valid UTF-8";
    dl.error_offset = 0;
    CHECK_INTEQ(nf_avro_encode_dead_letter(av, &dl, &b, &err), 0);
    CHECK_STREQ(nf_avro_fingerprint_hex(av, NF_SCHEMA_DEAD_LETTER),
                "0e3b5eb56ba7f470");
    CHECK(memcmp(b.p + 2, "\x0e\x3b\x5e\xb5\x6b\xa7\xf4\x70", 8) == 0,
          "fingerprint bytes little-endian");
    CHECK_INTEQ(decode(&b, NF_SCHEMA_DEAD_LETTER, &s, &iface, &v), 0);
    CHECK_STREQ(str(&v, "error_code"), "invalid_utf8");
    CHECK_INTEQ(lng(&v, "error_offset"), 0);
    CHECK_INTEQ(lng(&v, "value_length"), 3);
    arr = get(&v, "headers");
    avro_value_get_size(&arr, &n);
    CHECK_INTEQ(n, 2);
    avro_value_get_by_index(&arr, 1, &el, NULL);
    CHECK_STREQ(str(&el, "key"), "empty");
    CHECK(is_null(&el, "value"), "null header value");
    el = get(&v, "value");
    avro_value_get_current_branch(&el, &br);
    avro_value_get_bytes(&br, &p, &sz);
    CHECK(sz == 3 && memcmp(p, value, 3) == 0, "original bytes kept");
    release(s, iface, &v);
    nf_buf_free(&b);
}

/* Confluent wire format: magic 0, then the schema id big-endian (what
 * confluent_kafka's AvroDeserializer reads: struct.unpack(">bI", ...)). */
static void test_confluent_header(struct nf_avro *av)
{
    unsigned char h[NF_CONFLUENT_HEADER_LEN];
    struct nf_avro_dead_letter dl;
    struct nf_frame fr = {NF_FRAMING_CONFLUENT, 258};
    struct nf_buf so = {0}, cf = {0};
    struct nf_err err = {0};

    nf_avro_confluent_header(1, h);
    CHECK(memcmp(h, "\0\0\0\0\x01", 5) == 0, "id 1");
    nf_avro_confluent_header(0x7f00ff10, h);
    CHECK(memcmp(h, "\0\x7f\0\xff\x10", 5) == 0, "id 0x7f00ff10");
    nf_avro_confluent_header(0, h);
    CHECK(memcmp(h, "\0\0\0\0\0", 5) == 0, "id 0");

    memset(&dl, 0, sizeof(dl));
    dl.event_id = "t/0/1";
    dl.worker_version = "x";
    dl.src.topic = "t";
    dl.src.timestamp = -1;
    dl.value_length = -1;
    dl.error_code = "empty";
    dl.error_message = "m";
    dl.error_offset = -1;
    CHECK_INTEQ(nf_avro_encode_dead_letter(av, &dl, &so, &err), 0);
    CHECK_INTEQ(nf_avro_encode_dead_letter_framed(av, &dl, &fr, &cf, &err), 0);
    CHECK(cf.len == so.len - NF_AVRO_HEADER_LEN + NF_CONFLUENT_HEADER_LEN &&
              memcmp(cf.p, "\0\0\0\x01\x02", 5) == 0 &&
              memcmp(cf.p + 5, so.p + NF_AVRO_HEADER_LEN,
                     so.len - NF_AVRO_HEADER_LEN) == 0,
          "confluent = 00 + id + the same body");
    /* no id: refused, nothing appended */
    fr.schema_id = -1;
    nf_buf_free(&cf);
    CHECK_INTEQ(nf_avro_encode_dead_letter_framed(av, &dl, &fr, &cf, &err),
                NF_E_AVRO);
    CHECK_INTEQ(cf.len, 0);
    nf_buf_free(&so);
    nf_buf_free(&cf);
}

int main(void)
{
    struct nf_err err = {0};
    struct nf_avro *av = nf_avro_new(&err);

    CHECK(av != NULL, "nf_avro_new: %s", err.msg);
    if (!av)
        return 1;
    test_event(av);
    test_dead_letter(av);
    test_confluent_header(av);
    nf_avro_destroy(av);
    return nf_test_failures != 0;
}
