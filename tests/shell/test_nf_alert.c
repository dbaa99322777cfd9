/*
 * test_nf_alert.c - alert rules, severity, summary line and JSON body.
 * Records are built by hand (short texts of our own).
 */
#include <string.h>

#include <jansson.h>

#include "nf_alert.h"
#include "nf_config.h"
#include "nf_test.h"

/* "山形テスト大学において不正アクセスにより1,059人分の情報が流出した可能性。
 *  2022年10月26日に判明。" - offsets below point into this text. */
static const char text[] =
    "山形テスト大学: 不正アクセスで1,059人分流出。2022年10月26日に判明。";

static struct nf_date_mention dates[1];
static struct nf_count_mention counts[1];

static void make_doc(struct nf_doc *d, uint32_t types, int64_t count,
                     int approx)
{
    const char *org = "山形テスト大学";
    const char *cnt = strstr(text, "1,059");
    const char *day = strstr(text, "2022年");

    memset(d, 0, sizeof(*d));
    d->category = NF_CAT_INCIDENT;
    d->category_confidence = 0.9;
    d->incident_types = types;
    d->organization.ptr = org;
    d->organization.len = strlen(org);
    d->organization.span.off = 0;
    d->organization.span.len = strlen(org);
    counts[0].value = count;
    counts[0].unit = "人分";
    counts[0].span.off = (size_t)(cnt - text);
    counts[0].span.len = strlen("1,059人分");
    counts[0].approximate = approx;
    counts[0].role = NF_CROLE_TOTAL;
    d->counts = counts;
    d->n_counts = count >= 0 ? 1 : 0;
    d->affected = count >= 0 ? 0 : -1;
    dates[0].date.y = 2022;
    dates[0].date.m = 10;
    dates[0].date.d = 26;
    dates[0].span.off = (size_t)(day - text);
    dates[0].span.len = strlen("2022年10月26日");
    dates[0].role = NF_DROLE_DISCOVERED;
    d->dates = dates;
    d->n_dates = 1;
    d->published = -1;
    d->discovered = 0;
    d->period_start = d->period_end = -1;
}

static void test_summary(void)
{
    struct nf_doc d;
    char buf[NF_ALERT_SUMMARY_MAX];

    make_doc(&d, 1u << NF_IT_UNAUTHORIZED_ACCESS, 1059, 0);
    nf_alert_summary(&d, buf, sizeof(buf));
    CHECK_STREQ(buf,
                "山形テスト大学: 不正アクセス, 1,059人分, 判明 2022-10-26");

    make_doc(&d, (1u << NF_IT_RANSOMWARE) | (1u << NF_IT_UNAUTHORIZED_ACCESS),
             1234567, 1);
    d.organization.ptr = NULL;
    d.discovered = -1;
    nf_alert_summary(&d, buf, sizeof(buf));
    CHECK_STREQ(buf,
                "(組織不明): 不正アクセス・ランサムウェア, 約1,234,567人分");

    make_doc(&d, 0, -1, 0);
    d.discovered = -1;
    d.published = 0;
    nf_alert_summary(&d, buf, sizeof(buf));
    CHECK_STREQ(buf, "山形テスト大学: インシデント, 公表 2022-10-26");

    make_doc(&d, 0, 999, 0);
    nf_alert_summary(&d, buf, sizeof(buf));
    CHECK(strstr(buf, ", 999人分,") != NULL, "no grouping below 1000: %s", buf);

    /* cut to the buffer on a UTF-8 boundary */
    make_doc(&d, 1u << NF_IT_UNAUTHORIZED_ACCESS, 1059, 0);
    CHECK_INTEQ(nf_alert_summary(&d, buf, 7), 6); /* 山形 = 6 bytes */
    CHECK_STREQ(buf, "山形");
}

static void test_severity_and_match(void)
{
    struct nf_alert_rules r;
    struct nf_doc d;
    enum nf_alert_severity s = NF_SEV_LOW;

    nf_alert_rules_default(&r);
    make_doc(&d, 1u << NF_IT_PAYMENT_CARD_LEAK, 12, 0);
    CHECK_INTEQ(nf_alert_severity_of(&r, &d), NF_SEV_HIGH);
    make_doc(&d, 1u << NF_IT_RANSOMWARE, -1, 0);
    CHECK_INTEQ(nf_alert_severity_of(&r, &d), NF_SEV_HIGH);
    make_doc(&d, 1u << NF_IT_LOST_OR_STOLEN, 10000, 0);
    CHECK_INTEQ(nf_alert_severity_of(&r, &d), NF_SEV_HIGH);
    make_doc(&d, 1u << NF_IT_LOST_OR_STOLEN, 9999, 0);
    CHECK_INTEQ(nf_alert_severity_of(&r, &d), NF_SEV_MEDIUM);
    make_doc(&d, 1u << NF_IT_UNAUTHORIZED_ACCESS, 5, 0);
    CHECK_INTEQ(nf_alert_severity_of(&r, &d), NF_SEV_MEDIUM);
    make_doc(&d, 1u << NF_IT_MISDELIVERY, 3, 0);
    CHECK_INTEQ(nf_alert_severity_of(&r, &d), NF_SEV_LOW);

    /* default: every incident alerts, nothing else */
    CHECK(nf_alert_match(&r, &d, &s) && s == NF_SEV_LOW, "incident");
    d.category = NF_CAT_LOYALTY_CAMPAIGN;
    CHECK(!nf_alert_match(&r, &d, &s), "campaign alerted");
    d.category = NF_CAT_OTHER;
    CHECK(!nf_alert_match(&r, &d, &s), "other alerted");

    /* minimum count: records without a count do not pass */
    make_doc(&d, 1u << NF_IT_MISDELIVERY, 3, 0);
    r.min_affected_count = 100;
    CHECK(!nf_alert_match(&r, &d, NULL), "3 < 100 alerted");
    make_doc(&d, 1u << NF_IT_MISDELIVERY, -1, 0);
    CHECK(!nf_alert_match(&r, &d, NULL), "no count alerted");
    make_doc(&d, 1u << NF_IT_MISDELIVERY, 100, 0);
    CHECK(nf_alert_match(&r, &d, NULL), "100 >= 100 not alerted");

    /* type filter and minimum severity */
    nf_alert_rules_default(&r);
    r.incident_types = 1u << NF_IT_RANSOMWARE;
    CHECK(!nf_alert_match(&r, &d, NULL), "type filter ignored");
    d.incident_types |= 1u << NF_IT_RANSOMWARE;
    CHECK(nf_alert_match(&r, &d, &s) && s == NF_SEV_HIGH, "ransomware");
    nf_alert_rules_default(&r);
    r.min_severity = NF_SEV_MEDIUM;
    make_doc(&d, 1u << NF_IT_MISDELIVERY, 3, 0);
    CHECK(!nf_alert_match(&r, &d, NULL), "low passed min medium");
}

static void test_parse(void)
{
    struct nf_err err = {0};
    unsigned cats = 0;
    uint32_t types = 0;
    enum nf_alert_severity s;

    CHECK_INTEQ(
        nf_alert_parse_categories(" incident , other", "k", &cats, &err), 0);
    CHECK_INTEQ(cats, (1u << NF_CAT_INCIDENT) | (1u << NF_CAT_OTHER));
    CHECK_INTEQ(
        nf_alert_parse_types("ransomware,payment_card_leak", "k", &types, &err),
        0);
    CHECK_INTEQ(types,
                (1u << NF_IT_RANSOMWARE) | (1u << NF_IT_PAYMENT_CARD_LEAK));
    CHECK(nf_alert_parse_types("ransomwar", "alert.incident_types", &types,
                               &err) != 0,
          "typo accepted");
    CHECK(strstr(err.msg, "alert.incident_types") != NULL, "key not named");
    CHECK(nf_alert_parse_categories("incidents", "k", &cats, &err) != 0,
          "bad category accepted");
    CHECK_INTEQ(nf_alert_parse_severity("medium", &s), 0);
    CHECK_INTEQ(s, NF_SEV_MEDIUM);
    CHECK_INTEQ(nf_alert_parse_severity("urgent", &s), -1);
}

static void test_config(void)
{
    struct nf_config cfg;
    struct nf_alert_rules r;
    struct nf_err err = {0};

    memset(&cfg, 0, sizeof(cfg));
    cfg.alert_min_affected_count = -1;
    cfg.alert_high_min_count = 50000;
    cfg.alert_medium_min_count = -1;
    cfg.alert_categories = "incident,loyalty_campaign";
    cfg.alert_high_types = "insider";
    CHECK_INTEQ(nf_alert_rules_from_config(&cfg, &r, &err), 0);
    CHECK_INTEQ(r.categories,
                (1u << NF_CAT_INCIDENT) | (1u << NF_CAT_LOYALTY_CAMPAIGN));
    CHECK_INTEQ(r.high_types, 1u << NF_IT_INSIDER);
    CHECK_INTEQ(r.high_count, 50000);
    CHECK_INTEQ(r.medium_count, -1);
    cfg.alert_min_severity = "urgent";
    CHECK(nf_alert_rules_from_config(&cfg, &r, &err) != 0, "bad severity");
    cfg.alert_min_severity = NULL;
    cfg.alert_categories = "";
    CHECK(nf_alert_rules_from_config(&cfg, &r, &err) != 0, "no category");
}

static void test_body(void)
{
    struct nf_alert_rules r;
    struct nf_doc d;
    struct nf_source src = {"notices", 3, 1207, 1700000000000LL, "k", 1};
    struct nf_alert_meta meta = {"notices/3/1207", &src, NULL, "2022-10-31",
                                 "0.1.0"};
    struct nf_err err = {0};
    enum nf_alert_severity s;
    char *body = NULL, *body2 = NULL;
    size_t n = 0, n2 = 0;
    json_t *o;
    json_error_t je;

    nf_alert_rules_default(&r);
    make_doc(&d, 1u << NF_IT_UNAUTHORIZED_ACCESS, 1059, 0);
    CHECK_INTEQ(nf_alert_build(&r, &d, text, sizeof(text) - 1, &meta, &body, &n,
                               &s, &err),
                0);
    CHECK(body != NULL && n == strlen(body), "body");
    o = body ? json_loadb(body, n, 0, &je) : NULL;
    CHECK(o != NULL, "not JSON: %s", body ? body : "");
    if (o) {
        CHECK_STREQ(json_string_value(json_object_get(o, "severity")),
                    "medium");
        CHECK_STREQ(json_string_value(json_object_get(o, "event_id")),
                    "notices/3/1207");
        CHECK_STREQ(json_string_value(json_object_get(o, "summary")),
                    "山形テスト大学: 不正アクセス, 1,059人分, 判明 2022-10-26");
        CHECK_STREQ(json_string_value(json_object_get(o, "type")),
                    "noticeflow.alert.v1");
        /* the record's own fields, as `noticeflow enrich` prints them */
        CHECK_INTEQ(json_integer_value(json_object_get(o, "affected_count")),
                    1059);
        CHECK_STREQ(json_string_value(json_object_get(o, "organization")),
                    "山形テスト大学");
        CHECK_STREQ(json_string_value(json_object_get(o, "discovered_date")),
                    "2022-10-26");
        CHECK_STREQ(
            json_string_value(json_object_get(
                json_array_get(json_object_get(o, "counts"), 0), "text")),
            "1,059人分");
        CHECK_INTEQ(json_integer_value(json_object_get(
                        json_object_get(o, "source"), "offset")),
                    1207);
        CHECK(json_is_null(json_object_get(o, "envelope")), "envelope");
        json_decref(o);
    }
    /* deterministic: a replay gives the same bytes */
    nf_alert_build(&r, &d, text, sizeof(text) - 1, &meta, &body2, &n2, NULL,
                   &err);
    CHECK(body2 && n2 == n && memcmp(body, body2, n) == 0, "not stable");
    free(body);
    free(body2);

    /* no match: 0 and no body */
    d.category = NF_CAT_OTHER;
    body = (char *)1;
    CHECK_INTEQ(nf_alert_build(&r, &d, text, sizeof(text) - 1, &meta, &body, &n,
                               &s, &err),
                0);
    CHECK(body == NULL && n == 0, "body for a non-matching record");
    meta.event_id = NULL;
    CHECK(nf_alert_build(&r, &d, text, sizeof(text) - 1, &meta, &body, &n, &s,
                         &err) != 0,
          "missing event id accepted");
}

int main(void)
{
    test_summary();
    test_severity_and_match();
    test_parse();
    test_config();
    test_body();
    return nf_test_failures != 0;
}
