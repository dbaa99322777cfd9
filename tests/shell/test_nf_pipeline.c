/*
 * test_nf_pipeline.c - routing of one message without a broker: category
 * topics, dead letters with their reasons, envelopes, reference days,
 * keys, headers and event ids.
 *
 * The notices are short texts of our own, each an unambiguous example of
 * its category, so that a failure here points at routing, not at the
 * enrichment heuristics (those have their own tests).
 */
#include <avro.h>
#include <jansson.h>

#include "nf_test.h"

#include "nf_pipeline.h"

static const char incident[] =
    "株式会社サンプル商事\n"
    "不正アクセスによる個人情報漏えいに関するお知らせ\n"
    "2024年5月10日\n"
    "当社サーバーが第三者による不正アクセスを受け、お客様の個人情報"
    "1,234件が外部に流出した可能性があることが判明いたしました。";

static const char campaign[] =
    "サンプルストア\n"
    "ポイント5倍キャンペーンのお知らせ\n"
    "期間中、対象商品のお買い物でポイントが5倍になります。"
    "キャンペーン期間：2024年6月1日から6月30日まで。";

static const char year_less[] =
    "株式会社サンプル\n"
    "ランサムウェア被害に関するお知らせ\n"
    "3月5日、当社の業務サーバーでランサムウェアの感染が広がり、ファイルが暗号化"
    "される被害が発生しました。";

static struct nf_config cfg;

static void setup_cfg(void)
{
    memset(&cfg, 0, sizeof(cfg));
    cfg.topic_incident = "o.incident";
    cfg.topic_loyalty_campaign = "o.campaign";
    cfg.topic_other = "o.other";
    cfg.topic_dead_letter = "o.dlq";
    cfg.max_bytes = 4096;
    cfg.dlq_value_max = 1000;
}

static struct nf_msg_in msg(const void *value, size_t len)
{
    struct nf_msg_in in;

    memset(&in, 0, sizeof(in));
    in.src.topic = "notices";
    in.src.partition = 2;
    in.src.offset = 77;
    in.src.timestamp = 1714521600000LL; /* 2024-05-01T00:00:00Z */
    in.src.key = "key-1";
    in.src.key_len = 5;
    in.value = value;
    in.len = len;
    return in;
}

static const char *header(const struct nf_produce *o, const char *name)
{
    size_t i;

    for (i = 0; i < o->n_headers; i++)
        if (strcmp(o->headers[i].name, name) == 0)
            return o->headers[i].value;
    return NULL;
}

/* Decode the record of @p o and return the string at field @p name of the
 * top level (or of the current branch of a union), copied into @p buf;
 * NULL for null. */
static const char *field(const struct nf_produce *o, enum nf_schema_id id,
                         const char *name, char *buf, size_t cap)
{
    size_t len;
    const char *js = nf_schema_text(id, &len);
    avro_schema_t s;
    avro_value_iface_t *iface;
    avro_value_t v, f, br;
    avro_reader_t r;
    const char *str = NULL, *res = NULL;
    size_t sz;
    int64_t x;

    if (avro_schema_from_json_length(js, len, &s))
        return NULL;
    iface = avro_generic_class_from_schema(s);
    avro_generic_value_new(iface, &v);
    r = avro_reader_memory((const char *)o->value + NF_AVRO_HEADER_LEN,
                           (int64_t)(o->value_len - NF_AVRO_HEADER_LEN));
    if (avro_value_read(r, &v) == 0 &&
        avro_value_get_by_name(&v, name, &f, NULL) == 0) {
        if (avro_value_get_type(&f) == AVRO_UNION) {
            avro_value_get_current_branch(&f, &br);
            f = br;
        }
        if (avro_value_get_type(&f) == AVRO_STRING &&
            avro_value_get_string(&f, &str, &sz) == 0) {
            snprintf(buf, cap, "%s", str);
            res = buf;
        } else if (avro_value_get_type(&f) == AVRO_INT64 &&
                   avro_value_get_long(&f, &x) == 0) {
            snprintf(buf, cap, "%lld", (long long)x);
            res = buf;
        } else if (avro_value_get_type(&f) == AVRO_RECORD) {
            snprintf(buf, cap, "record");
            res = buf;
        }
    }
    avro_reader_free(r);
    avro_value_decref(&v);
    avro_value_iface_decref(iface);
    avro_schema_decref(s);
    return res;
}

static void test_categories(struct nf_pipeline *p)
{
    struct nf_result res;
    struct nf_msg_in in = msg(incident, strlen(incident));
    char buf[256];

    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_OK);
    CHECK_INTEQ(res.n_out, 1);
    CHECK_STREQ(res.out[0].topic, "o.incident");
    CHECK_STREQ(res.event_id, "notices/2/77");
    CHECK(res.out[0].key_len == 5 && memcmp(res.out[0].key, "key-1", 5) == 0,
          "key kept");
    CHECK_STREQ(header(&res.out[0], NF_HDR_EVENT_ID), "notices/2/77");
    CHECK_STREQ(header(&res.out[0], NF_HDR_CONTENT_TYPE), "application/avro");
    CHECK_STREQ(header(&res.out[0], NF_HDR_FINGERPRINT), "bc85128b9970ba78");
    CHECK(header(&res.out[0], NF_HDR_ERROR_CODE) == NULL, "no error code");
    CHECK(memcmp(res.out[0].value, "\xc3\x01\xbc\x85", 4) == 0, "framing");
    CHECK_STREQ(field(&res.out[0], NF_SCHEMA_NOTICE_EVENT, "category", buf,
                      sizeof(buf)),
                "incident");
    CHECK_STREQ(field(&res.out[0], NF_SCHEMA_NOTICE_EVENT, "event_id", buf,
                      sizeof(buf)),
                "notices/2/77");
    /* timestamp reference: 2024-05-01 00:00 UTC is 09:00 in Japan */
    CHECK_STREQ(field(&res.out[0], NF_SCHEMA_NOTICE_EVENT, "reference_date",
                      buf, sizeof(buf)),
                "2024-05-01");
    CHECK(field(&res.out[0], NF_SCHEMA_NOTICE_EVENT, "envelope", buf,
                sizeof(buf)) == NULL,
          "raw notice has no envelope");
    nf_result_clear(&res);

    in = msg(campaign, strlen(campaign));
    in.src.key = NULL;
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_OK);
    CHECK_STREQ(res.out[0].topic, "o.campaign");
    CHECK(res.out[0].key == NULL, "null key stays null");
    nf_result_clear(&res);

    in = msg("週刊ニュースレター第12号\n今週の新商品とイベントのご案内です。",
             strlen("週刊ニュースレター第12号\n今週の新商品とイベントのご案内"
                    "です。"));
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_OK);
    CHECK_STREQ(res.out[0].topic, "o.other");
    CHECK_STREQ(res.category, "other");
    nf_result_clear(&res);
}

/* @p value must go to the DLQ with @p code and its bytes kept. */
static void dead(struct nf_pipeline *p, const void *value, size_t len,
                 const char *code)
{
    struct nf_header hs[1] = {{"trace-id", "t-9", 3}};
    struct nf_msg_in in = msg(value, len);
    struct nf_result res;
    char buf[256];

    in.headers = hs;
    in.n_headers = 1;
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_DEAD_LETTER);
    CHECK_INTEQ(res.n_out, 1);
    if (res.n_out != 1)
        return;
    CHECK_STREQ(res.out[0].topic, "o.dlq");
    CHECK_STREQ(res.error_code, code);
    CHECK_STREQ(header(&res.out[0], NF_HDR_ERROR_CODE), code);
    CHECK_STREQ(header(&res.out[0], NF_HDR_FINGERPRINT), "0e3b5eb56ba7f470");
    CHECK_STREQ(field(&res.out[0], NF_SCHEMA_DEAD_LETTER, "error_code", buf,
                      sizeof(buf)),
                code);
    CHECK_STREQ(
        field(&res.out[0], NF_SCHEMA_DEAD_LETTER, "event_id", buf, sizeof(buf)),
        "notices/2/77");
    CHECK(field(&res.out[0], NF_SCHEMA_DEAD_LETTER, "error_message", buf,
                sizeof(buf)) != NULL &&
              buf[0] != '\0',
          "a message for %s", code);
    /* the original bytes are at the end of the DLQ body, verbatim */
    CHECK(res.out[0].value_len > (len < 1000 ? len : 1000), "value kept");
    nf_result_clear(&res);
}

static void test_dead_letters(struct nf_pipeline *p)
{
    static const char big[5000] = {'a'};
    struct nf_msg_in in;
    struct nf_result res;
    char buf[64];

    dead(p, "\xe6\x97\xff\xfe", 4, "invalid_utf8");
    dead(p, "abc\0def", 7, "binary");
    dead(p, "", 0, "empty");
    dead(p, " \n\t ", 4, "empty");
    dead(p, big, sizeof(big), "too_large");
    /* the dead letter keeps a bounded prefix and the original length */
    in = msg(big, sizeof(big));
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_DEAD_LETTER);
    CHECK_STREQ(field(&res.out[0], NF_SCHEMA_DEAD_LETTER, "value_length", buf,
                      sizeof(buf)),
                "5000");
    CHECK(res.out[0].value_len < 1200, "value cut to 1000 bytes: %zu",
          res.out[0].value_len);
    nf_result_clear(&res);
    in = msg("\xff", 1);
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_DEAD_LETTER);
    CHECK_STREQ(field(&res.out[0], NF_SCHEMA_DEAD_LETTER, "value_length", buf,
                      sizeof(buf)),
                "1");
    nf_result_clear(&res);
    in = msg(NULL, 0);
    dead(p, "{\"text\": ", 9, "envelope_json");
    dead(p, "{\"id\": \"x\"}", 11, "envelope_invalid");
    dead(p, "{\"text\": \"ok\", \"url\": 3}", 24, "envelope_invalid");
    dead(p, "{\"text\": \"a\\u0000b\"}", 20, "binary");
    /* a null value (tombstone) */
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_DEAD_LETTER);
    CHECK_STREQ(res.error_code, "empty");
    nf_result_clear(&res);
}

static void test_envelope(struct nf_pipeline *p)
{
    char env[2048], buf[256];
    struct nf_result res;
    struct nf_msg_in in;

    snprintf(env, sizeof(env),
             "  {\"text\": \"%s\", \"id\": \"doc-1\", \"url\": "
             "\"https://example.jp/n/1\", \"published_at\": "
             "\"2023-07-01T10:00:00+09:00\"}",
             "株式会社サンプル\\nランサムウェア被害に関するお知らせ\\n"
             "3月5日、当社サーバーがランサムウェアに感染しました。");
    in = msg(env, strlen(env));
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_OK);
    CHECK_STREQ(res.out[0].topic, "o.incident");
    CHECK_STREQ(field(&res.out[0], NF_SCHEMA_NOTICE_EVENT, "reference_date",
                      buf, sizeof(buf)),
                "2023-07-01");
    CHECK_STREQ(field(&res.out[0], NF_SCHEMA_NOTICE_EVENT, "envelope", buf,
                      sizeof(buf)),
                "record");
    nf_result_clear(&res);
}

static void test_reference_day(struct nf_pipeline *p)
{
    struct nf_ymd d;
    struct nf_result res;
    struct nf_msg_in in = msg(year_less, strlen(year_less));
    char buf[64];

    /* 2024-12-31T23:30:00Z is already New Year's Day in Tokyo */
    CHECK_INTEQ(nf_pipeline_ts_day(1735687800000LL, &d), 0);
    CHECK(d.y == 2025 && d.m == 1 && d.d == 1, "JST day %d-%d-%d", d.y, d.m,
          d.d);
    CHECK(nf_pipeline_ts_day(-1, &d) != 0, "no timestamp");
    /* no timestamp, no envelope: reference_date null */
    in.src.timestamp = -1;
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_OK);
    CHECK(field(&res.out[0], NF_SCHEMA_NOTICE_EVENT, "reference_date", buf,
                sizeof(buf)) == NULL,
          "null reference_date");
    nf_result_clear(&res);
}

/* ---- issue 5: formats, framings, side-by-side ECS, alerts ------------- */

static struct nf_pipeline *pipeline_with(struct nf_config *c)
{
    struct nf_err err = {0};
    struct nf_pipeline *p = nf_pipeline_new(c, "test", &err);

    CHECK(p != NULL, "nf_pipeline_new: %s", err.msg);
    return p;
}

static void test_ecs_side_by_side(void)
{
    struct nf_config c = cfg;
    struct nf_pipeline *p;
    struct nf_result res;
    struct nf_msg_in in = msg(incident, strlen(incident));
    json_t *d;

    c.ecs_topic_incident = "o.incident.ecs";
    c.format_other = "ecs-json";
    c.ecs_original_max = 64;
    p = pipeline_with(&c);
    if (!p)
        return;
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_OK);
    CHECK_INTEQ(res.n_out, 2);
    CHECK_STREQ(res.out[0].topic, "o.incident");
    CHECK(memcmp(res.out[0].value, "\xc3\x01", 2) == 0, "Avro first");
    CHECK_STREQ(res.out[1].topic, "o.incident.ecs");
    CHECK_STREQ(header(&res.out[1], NF_HDR_CONTENT_TYPE), "application/json");
    CHECK_STREQ(header(&res.out[1], NF_HDR_EVENT_ID), "notices/2/77");
    CHECK(header(&res.out[1], NF_HDR_FINGERPRINT) == NULL, "no fingerprint");
    CHECK(res.out[1].key_len == 5 && memcmp(res.out[1].key, "key-1", 5) == 0,
          "key kept on the ECS copy");
    d = json_loadb(res.out[1].value, res.out[1].value_len, 0, NULL);
    CHECK_STREQ(
        json_string_value(json_object_get(json_object_get(d, "event"), "id")),
        "notices/2/77");
    json_decref(d);
    nf_result_clear(&res);

    /* other: ECS JSON only, on its own topic */
    in = msg("週刊ニュースレター第12号\n今週の新商品のご案内です。",
             strlen("週刊ニュースレター第12号\n今週の新商品のご案内です。"));
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_OK);
    CHECK_INTEQ(res.n_out, 1);
    CHECK_STREQ(res.out[0].topic, "o.other");
    CHECK(((const char *)res.out[0].value)[0] == '{', "JSON value");
    nf_result_clear(&res);
    /* dead letters stay Avro, alone */
    in = msg("\xff", 1);
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_DEAD_LETTER);
    CHECK_INTEQ(res.n_out, 1);
    nf_result_clear(&res);
    nf_pipeline_destroy(p);
}

static void test_confluent(void)
{
    struct nf_config c = cfg;
    struct nf_pipeline *p;
    struct nf_result res, so;
    struct nf_msg_in in = msg(incident, strlen(incident));
    int32_t ids[NF_OUT__COUNT] = {0x01020304, -1, -1, 9};
    const unsigned char *v;

    c.avro_framing = "confluent";
    c.framing_loyalty_campaign = "single-object";
    c.registry_url = "http://127.0.0.1:1";
    p = pipeline_with(&c);
    if (!p)
        return;
    /* no id yet: the record cannot be framed, its input is dead-lettered
     * - and the DLQ has no id either: FATAL, nothing is produced */
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_FATAL);
    CHECK_INTEQ(res.n_out, 0);
    nf_result_clear(&res);
    nf_pipeline_set_schema_ids(p, ids);
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_OK);
    v = res.out[0].value;
    CHECK(v[0] == 0 && v[1] == 1 && v[2] == 2 && v[3] == 3 && v[4] == 4,
          "magic 0 + big-endian id");
    CHECK_STREQ(header(&res.out[0], NF_HDR_FINGERPRINT), "bc85128b9970ba78");
    /* the body is the single-object body */
    nf_pipeline_destroy(p);
    p = pipeline_with(&cfg);
    CHECK_INTEQ(nf_pipeline_process(p, &in, &so), NF_DISP_OK);
    CHECK(so.out[0].value_len - NF_AVRO_HEADER_LEN ==
                  res.out[0].value_len - NF_CONFLUENT_HEADER_LEN &&
              memcmp((const char *)so.out[0].value + NF_AVRO_HEADER_LEN,
                     v + NF_CONFLUENT_HEADER_LEN,
                     so.out[0].value_len - NF_AVRO_HEADER_LEN) == 0,
          "same Avro body under both framings");
    nf_result_clear(&so);
    nf_result_clear(&res);
    nf_pipeline_destroy(p);

    /* the campaign topic overrides the default: single-object; the DLQ
     * id is 9 */
    p = pipeline_with(&c);
    nf_pipeline_set_schema_ids(p, ids);
    in = msg(campaign, strlen(campaign));
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_OK);
    CHECK(memcmp(res.out[0].value, "\xc3\x01", 2) == 0, "override kept");
    nf_result_clear(&res);
    in = msg("\xff", 1);
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_DEAD_LETTER);
    CHECK(memcmp(res.out[0].value, "\0\0\0\0\x09", 5) == 0, "DLQ id 9");
    nf_result_clear(&res);
    nf_pipeline_destroy(p);
}

static void test_alerts(void)
{
    struct nf_config c = cfg;
    struct nf_pipeline *p;
    struct nf_result res;
    struct nf_msg_in in = msg(incident, strlen(incident));
    json_t *d;

    c.topic_alerts = "o.alerts";
    c.alert_min_affected_count = -1;
    c.alert_high_min_count = 10000;
    c.alert_medium_min_count = 1000;
    c.ecs_topic_incident = "o.incident.ecs";
    p = pipeline_with(&c);
    if (!p)
        return;
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_OK);
    CHECK_INTEQ(res.n_out, 3);
    CHECK_STREQ(res.out[0].topic, "o.incident");
    CHECK_STREQ(res.out[1].topic, "o.incident.ecs");
    CHECK_STREQ(res.out[2].topic, "o.alerts");
    CHECK_STREQ(header(&res.out[2], NF_HDR_CONTENT_TYPE), "application/json");
    CHECK_STREQ(header(&res.out[2], NF_HDR_EVENT_ID), "notices/2/77");
    /* 1,234 people: medium under the default rules */
    CHECK_STREQ(header(&res.out[2], NF_HDR_SEVERITY), "medium");
    CHECK(res.out[2].key_len == 5 && memcmp(res.out[2].key, "key-1", 5) == 0,
          "alert key = input key");
    d = json_loadb(res.out[2].value, res.out[2].value_len, 0, NULL);
    CHECK(d != NULL, "alert body is JSON");
    json_decref(d);
    nf_result_clear(&res);
    /* a campaign raises no alert; a dead letter never does */
    in = msg(campaign, strlen(campaign));
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_OK);
    CHECK_INTEQ(res.n_out, 1);
    nf_result_clear(&res);
    in = msg("", 0);
    CHECK_INTEQ(nf_pipeline_process(p, &in, &res), NF_DISP_DEAD_LETTER);
    CHECK_INTEQ(res.n_out, 1);
    nf_result_clear(&res);
    nf_pipeline_destroy(p);
}

int main(void)
{
    struct nf_err err = {0};
    struct nf_pipeline *p;

    setup_cfg();
    p = nf_pipeline_new(&cfg, "test", &err);
    CHECK(p != NULL, "nf_pipeline_new: %s", err.msg);
    if (!p)
        return 1;
    test_categories(p);
    test_dead_letters(p);
    test_envelope(p);
    test_reference_day(p);
    nf_pipeline_destroy(p);
    test_ecs_side_by_side();
    test_confluent();
    test_alerts();
    return nf_test_failures != 0;
}
