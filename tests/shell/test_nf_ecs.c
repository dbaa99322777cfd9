/*
 * test_nf_ecs.c - the ECS JSON document of a record (schemas/ecs.md): the
 * field rules a SIEM relies on, the custom notice.* namespace, the size
 * cap of event.original, and determinism (same input, same bytes).
 *
 * Notices are short texts of our own, unambiguous for their category.
 */
#include "nf_test.h"

#include "nf_ecs.h"

static const char incident[] =
    "株式会社サンプル商事\n"
    "ランサムウェア被害による個人情報漏えいに関するお知らせ\n"
    "2024年5月10日\n"
    "当社サーバーがランサムウェアに感染し、お客様の個人情報"
    "1,234件が外部に流出した可能性があることが判明いたしました。";

static const char campaign[] =
    "サンプルストア\n"
    "ポイント5倍キャンペーンのお知らせ\n"
    "期間中、対象商品のお買い物でポイントが5倍になります。"
    "キャンペーン期間：2024年6月1日から6月30日まで。";

/* ECS 8.11 allowed values (event.kind, event.category, event.type). */
static const char *const kinds[] = {"alert",  "asset", "enrichment",    "event",
                                    "metric", "state", "pipeline_error"};
static const char *const categories[] = {"api",           "authentication",
                                         "configuration", "database",
                                         "driver",        "email",
                                         "file",          "host",
                                         "iam",           "intrusion_detection",
                                         "library",       "malware",
                                         "network",       "package",
                                         "process",       "registry",
                                         "session",       "threat",
                                         "vulnerability", "web"};
static const char *const types[] = {
    "access",    "admin",  "allowed",      "change",   "connection", "creation",
    "deletion",  "denied", "device",       "end",      "error",      "group",
    "indicator", "info",   "installation", "protocol", "start",      "user"};

static struct nf_enricher *en;

static bool in_list(const char *s, const char *const *l, size_t n)
{
    size_t i;

    for (i = 0; s && i < n; i++)
        if (strcmp(s, l[i]) == 0)
            return true;
    return false;
}

#define IN(s, l) in_list((s), (l), sizeof(l) / sizeof((l)[0]))

static const char *str(json_t *root, const char *path)
{
    json_t *v = root;
    char buf[128], *p, *save = NULL;

    snprintf(buf, sizeof(buf), "%s", path);
    for (p = strtok_r(buf, ".", &save); p && v; p = strtok_r(NULL, ".", &save))
        v = json_object_get(v, p);
    return json_string_value(v);
}

static json_t *get(json_t *root, const char *a, const char *b)
{
    return json_object_get(json_object_get(root, a), b);
}

/* The generic rules every document must follow. */
static void check_rules(json_t *d, const char *event_id)
{
    json_t *cat = get(d, "event", "category"), *typ = get(d, "event", "type");
    const char *ts = str(d, "@timestamp");
    size_t i;

    CHECK(ts && strlen(ts) >= 24 && ts[4] == '-' && ts[10] == 'T',
          "@timestamp ISO 8601: %s", ts ? ts : "(null)");
    CHECK_STREQ(str(d, "ecs.version"), NF_ECS_VERSION);
    CHECK(IN(str(d, "event.kind"), kinds), "event.kind allowed");
    CHECK(strcmp(str(d, "event.kind") ? str(d, "event.kind") : "signal",
                 "signal") != 0,
          "never signal");
    CHECK(!cat || json_is_array(cat), "category is a list");
    for (i = 0; i < json_array_size(cat); i++)
        CHECK(IN(json_string_value(json_array_get(cat, i)), categories),
              "category %zu allowed", i);
    CHECK(json_is_array(typ) && json_array_size(typ) > 0, "event.type set");
    for (i = 0; i < json_array_size(typ); i++)
        CHECK(IN(json_string_value(json_array_get(typ, i)), types),
              "type %zu allowed", i);
    CHECK_STREQ(str(d, "event.id"), event_id);
    CHECK(json_is_object(json_object_get(d, "notice")), "notice.*");
}

static json_t *encode(const struct nf_avro_event *ev, size_t max,
                      struct nf_buf *b)
{
    struct nf_err err = {0};
    json_error_t je;

    b->len = 0;
    CHECK_INTEQ(nf_ecs_encode(ev, max, b, &err), 0);
    return json_loadb(b->p, b->len, 0, &je);
}

static struct nf_avro_event event_of(const char *text, const char **evid)
{
    struct nf_avro_event ev;
    struct nf_err err = {0};
    const struct nf_doc *doc = NULL;
    struct nf_ymd ref = {2024, 5, 1};

    CHECK_INTEQ(nf_enrich(en, text, strlen(text), &ref, &doc, &err), 0);
    memset(&ev, 0, sizeof(ev));
    ev.event_id = *evid;
    ev.worker_version = "9.9.9";
    ev.src.topic = "notices";
    ev.src.partition = 2;
    ev.src.offset = 77;
    ev.src.timestamp = 1714521600123LL; /* 2024-05-01T00:00:00.123Z */
    ev.src.key = "k1";
    ev.src.key_len = 2;
    ev.reference_date = "2024-05-01";
    ev.doc = doc;
    ev.text = text;
    ev.text_len = strlen(text);
    return ev;
}

static void test_incident(void)
{
    const char *id = "notices/2/77";
    struct nf_avro_event ev = event_of(incident, &id);
    struct nf_envelope env;
    struct nf_buf a = {0}, b = {0};
    json_t *d = encode(&ev, 100000, &a), *cat, *n;

    CHECK(d != NULL, "valid JSON");
    if (!d)
        return;
    check_rules(d, id);
    cat = get(d, "event", "category");
    CHECK_STREQ(json_string_value(json_array_get(cat, 0)), "threat");
    CHECK_STREQ(json_string_value(json_array_get(cat, 1)), "malware");
    CHECK_STREQ(str(d, "event.kind"), "event");
    CHECK_STREQ(json_string_value(json_array_get(get(d, "event", "type"), 0)),
                "indicator");
    /* published_date of the text, at 00:00 in Japan */
    CHECK_STREQ(str(d, "@timestamp"), "2024-05-10T00:00:00.000+09:00");
    CHECK_STREQ(str(d, "event.created"), "2024-05-01T00:00:00.123Z");
    CHECK_STREQ(str(d, "organization.name"), "株式会社サンプル商事");
    CHECK_STREQ(str(d, "event.original"), incident);
    CHECK_STREQ(str(d, "agent.version"), "9.9.9");
    CHECK(get(d, "event", "reference") == NULL, "no URL without envelope");
    n = json_object_get(d, "notice");
    CHECK_STREQ(str(n, "category"), "incident");
    CHECK_STREQ(json_string_value(
                    json_array_get(json_object_get(n, "incident_types"), 0)),
                "ransomware");
    CHECK_INTEQ(json_integer_value(json_object_get(n, "affected_count")), 1234);
    CHECK(json_is_string(json_object_get(n, "affected_unit")), "unit");
    CHECK(json_array_size(json_object_get(n, "dates")) >= 1, "dates");
    CHECK(str(json_array_get(json_object_get(n, "dates"), 0), "role") != NULL,
          "dates have roles");
    CHECK(json_array_size(json_object_get(n, "counts")) >= 1, "counts");
    CHECK(json_is_object(get(n, "provenance", "affected_count")),
          "provenance of the count");
    CHECK_STREQ(str(n, "kafka.topic"), "notices");
    CHECK_INTEQ(json_integer_value(get(n, "kafka", "offset")), 77);
    CHECK_STREQ(str(n, "kafka.key"), "k1");
    CHECK(json_is_false(get(n, "original", "truncated")), "not truncated");

    /* determinism: the same input gives the same bytes */
    json_decref(encode(&ev, 100000, &b));
    CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0, "same bytes");
    json_decref(d);

    /* envelope: event.reference (http only) and event.provider */
    memset(&env, 0, sizeof(env));
    env.url.ptr = "https://example.jp/n/1";
    env.url.len = strlen(env.url.ptr);
    env.source.ptr = "feed-a";
    env.source.len = 6;
    ev.env = &env;
    d = encode(&ev, 100000, &a);
    CHECK_STREQ(str(d, "event.reference"), "https://example.jp/n/1");
    CHECK_STREQ(str(d, "event.provider"), "feed-a");
    CHECK_STREQ(str(d, "notice.envelope.url"), "https://example.jp/n/1");
    json_decref(d);
    env.url.ptr = "javascript:alert(1)";
    env.url.len = strlen(env.url.ptr);
    d = encode(&ev, 100000, &a);
    CHECK(get(d, "event", "reference") == NULL, "non-http URL not a ref");
    json_decref(d);
    nf_buf_free(&a);
    nf_buf_free(&b);
}

static void test_original_cap(void)
{
    const char *id = "notices/0/1";
    struct nf_avro_event ev = event_of(incident, &id);
    struct nf_buf a = {0};
    json_t *d;
    const char *o;

    /* 10 bytes: "株式会" is 9 bytes, the 4th character would be cut */
    d = encode(&ev, 10, &a);
    o = str(d, "event.original");
    CHECK_STREQ(o, "株式会");
    CHECK(json_is_true(
              get(json_object_get(d, "notice"), "original", "truncated")),
          "truncated flagged");
    CHECK_INTEQ(json_integer_value(
                    get(json_object_get(d, "notice"), "original", "length")),
                strlen(incident));
    json_decref(d);
    d = encode(&ev, 0, &a);
    CHECK(get(d, "event", "original") == NULL, "0: no event.original");
    json_decref(d);
    nf_buf_free(&a);

    CHECK_INTEQ(nf_ecs_utf8_prefix("abc", 3, 10), 3);
    CHECK_INTEQ(nf_ecs_utf8_prefix("abc", 3, 2), 2);
    CHECK_INTEQ(nf_ecs_utf8_prefix("a\xc3\xa9z", 4, 2), 1);
    CHECK_INTEQ(nf_ecs_utf8_prefix("a\xc3\xa9z", 4, 3), 3);
    CHECK_INTEQ(nf_ecs_utf8_prefix("\xe6\xa0\xaa", 3, 2), 0);
}

static void test_campaign(void)
{
    const char *id = "notices/1/5";
    struct nf_avro_event ev = event_of(campaign, &id);
    struct nf_buf a = {0};
    json_t *d;

    ev.src.key = "\xff\x01";
    ev.src.timestamp = -1;
    d = encode(&ev, 100000, &a);
    CHECK(d != NULL, "valid JSON");
    if (!d)
        return;
    check_rules(d, id);
    CHECK(get(d, "event", "category") == NULL,
          "no ECS category for a campaign");
    CHECK_STREQ(json_string_value(json_array_get(get(d, "event", "type"), 0)),
                "info");
    CHECK(get(d, "event", "created") == NULL, "no timestamp, no created");
    CHECK_STREQ(str(d, "notice.category"), "loyalty_campaign");
    /* a key that is not UTF-8 is given in hex */
    CHECK(json_is_null(json_object_get(get(d, "notice", "kafka"), "key")),
          "non-UTF-8 key: key null");
    CHECK_STREQ(str(d, "notice.kafka.key_hex"), "ff01");
    json_decref(d);
    nf_buf_free(&a);
}

int main(void)
{
    struct nf_opts opts = {0};
    char errstr[128];

    en = nf_enricher_new(&opts, errstr, sizeof(errstr));
    CHECK(en != NULL, "enricher: %s", errstr);
    if (!en)
        return 1;
    test_incident();
    test_original_cap();
    test_campaign();
    nf_enricher_destroy(en);
    return nf_test_failures != 0;
}
