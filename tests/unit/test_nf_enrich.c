/* test_nf_enrich.c - the public API: errors, limits, reuse, names. */
#include "noticeflow/nf_enrich.h"
#include "nf_core_int.h"
#include "nf_test.h"

static void test_errors(void)
{
    struct nf_opts opts = {.max_bytes = 64};
    struct nf_enricher *en = nf_enricher_new(&opts, NULL, 0);
    const struct nf_doc *doc = (const struct nf_doc *)1;
    struct nf_err e;
    char big[100];
    struct nf_ymd bad = {2023, 2, 30};

    CHECK(en != NULL, "new");
    memset(big, 'a', sizeof(big));
    CHECK_INTEQ(nf_enrich(en, big, sizeof(big), NULL, &doc, &e),
                NF_E_TOO_LARGE);
    CHECK(doc == NULL, "no record on error");
    CHECK(strstr(e.msg, "100") != NULL, "message names the size: %s", e.msg);
    CHECK_INTEQ(nf_enrich(en, "a\0b", 3, NULL, &doc, &e), NF_E_BINARY);
    CHECK_INTEQ(e.offset, 1);
    CHECK_INTEQ(nf_enrich(en, "   ", 3, NULL, &doc, &e), NF_E_EMPTY);
    CHECK_INTEQ(nf_enrich(en, NULL, 0, NULL, &doc, &e), NF_E_EMPTY);
    CHECK_INTEQ(nf_enrich(en, NULL, 5, NULL, &doc, &e), NF_E_ARG);
    CHECK_INTEQ(nf_enrich(NULL, "a", 1, NULL, &doc, &e), NF_E_ARG);
    CHECK_INTEQ(nf_enrich(en, "a", 1, &bad, &doc, &e), NF_E_ARG);
    /* err may be NULL */
    CHECK_INTEQ(nf_enrich(en, "\xff", 1, NULL, &doc, NULL), NF_E_UTF8);
    nf_enricher_destroy(en);
    nf_enricher_destroy(NULL);
}

static void test_limits(void)
{
    struct nf_opts opts = {.max_bytes = NF_DOC_MAX_BYTES_LIMIT + 1};
    char errstr[128] = "";

    CHECK(nf_enricher_new(&opts, errstr, sizeof(errstr)) == NULL, "limit");
    CHECK(strstr(errstr, "limit") != NULL, "errstr: %s", errstr);
}

static void test_reuse(void)
{
    struct nf_enricher *en = nf_enricher_new(NULL, NULL, 0);
    const char *a =
        "株式会社テスト 不正アクセスに関するお知らせ 2022年12月16日\n"
        "2022年12月1日に不正アクセスを確認しました。";
    const struct nf_doc *doc;
    struct nf_err e;
    size_t n1, n2;

    CHECK_INTEQ(nf_enrich(en, a, strlen(a), NULL, &doc, &e), 0);
    n1 = doc->n_dates;
    CHECK(n1 >= 2, "dates found: %zu", n1);
    CHECK_INTEQ(nf_enrich(en, "hello", 5, NULL, &doc, &e), 0);
    CHECK_INTEQ(doc->n_dates, 0);
    CHECK_INTEQ(doc->affected, -1);
    CHECK_INTEQ(doc->published, -1);
    CHECK_INTEQ(nf_enrich(en, a, strlen(a), NULL, &doc, &e), 0);
    n2 = doc->n_dates;
    CHECK_INTEQ(n2, n1);
    nf_enricher_destroy(en);
}

static void test_reference_date(void)
{
    /* no year anywhere: only the reference date can place 12月7日 */
    const char *a = "12月7日に不正アクセスを確認しました。";
    struct nf_enricher *en = nf_enricher_new(NULL, NULL, 0);
    struct nf_ymd ref = {2022, 12, 20};
    const struct nf_doc *doc;
    struct nf_err e;
    size_t i;
    int found = 0;

    CHECK_INTEQ(nf_enrich(en, a, strlen(a), &ref, &doc, &e), 0);
    for (i = 0; i < doc->n_dates; i++)
        found |= doc->dates[i].date.y == 2022 && doc->dates[i].date.m == 12 &&
                 doc->dates[i].date.d == 7;
    CHECK(found, "12月7日 resolved with the reference year");
    nf_enricher_destroy(en);
}

static void test_names(void)
{
    char buf[11];
    struct nf_ymd d = {2019, 5, 1}, bad = {2019, 2, 29};

    CHECK_STREQ(nf_code_name(NF_E_UTF8), "invalid_utf8");
    CHECK_STREQ(nf_code_name(999), "unknown");
    CHECK_STREQ(nf_strerror(-1), "unknown error");
    CHECK_STREQ(nf_category_name(NF_CAT_LOYALTY_CAMPAIGN), "loyalty_campaign");
    CHECK_STREQ(nf_date_role_name(NF_DROLE_PERIOD_END), "period_end");
    CHECK_STREQ(nf_count_role_name(NF_CROLE_BREAKDOWN), "breakdown");
    CHECK_STREQ(nf_itype_name(NF_IT_MISCONFIGURATION), "misconfiguration");
    CHECK_INTEQ(nf_ymd_format(d, buf), 0);
    CHECK_STREQ(buf, "2019-05-01");
    CHECK_INTEQ(nf_ymd_format(bad, buf), NF_E_ARG);
}

int main(void)
{
    test_errors();
    test_limits();
    test_reuse();
    test_reference_date();
    test_names();
    return nf_test_failures != 0;
}
