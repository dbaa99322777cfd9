/*
 * test_nf_envelope.c - envelope detection, parsing and reference days.
 */
#include "nf_test.h"

#include "nf_envelope.h"

static int parse(const char *s, struct nf_envelope *env, struct nf_err *err)
{
    size_t len;
    char *p = nf_test_copy(s, &len);
    int rc;

    memset(err, 0, sizeof(*err));
    CHECK(nf_envelope_detect(p, len), "detect %s", s);
    rc = nf_envelope_parse(p, len, env, err);
    free(p);
    return rc;
}

static void test_detect(void)
{
    CHECK(nf_envelope_detect(" \n\t{\"text\":\"a\"}", 15), "leading blanks");
    CHECK(!nf_envelope_detect("お知らせ {", strlen("お知らせ {")), "raw");
    CHECK(!nf_envelope_detect("", 0), "empty");
    CHECK(!nf_envelope_detect("   ", 3), "blank");
    CHECK(!nf_envelope_detect("[1]", 3), "array is raw text");
}

static void test_good(void)
{
    struct nf_envelope env;
    struct nf_err err;
    struct nf_ymd d;
    int rc = parse("{\"text\":\"本文\\u3000です\",\"id\":\"n-1\","
                   "\"url\":null,\"source\":\"feed\",\"extra\":[1],"
                   "\"fetched_at\":\"2024-03-02T01:00:00Z\","
                   "\"published_at\":\"2023-02-28\"}",
                   &env, &err);

    CHECK_INTEQ(rc, 0);
    if (rc)
        return;
    CHECK_STREQ(env.text.ptr, "本文\xe3\x80\x80です");
    CHECK_INTEQ(env.text.len, strlen("本文\xe3\x80\x80です"));
    CHECK_STREQ(env.id.ptr, "n-1");
    CHECK(env.url.ptr == NULL, "null url is absent");
    CHECK_STREQ(env.source.ptr, "feed");
    CHECK_INTEQ(nf_envelope_reference(&env, &d), 0);
    CHECK(d.y == 2023 && d.m == 2 && d.d == 28, "published_at wins");
    nf_envelope_free(&env);

    rc = parse("{\"text\":\"x\",\"fetched_at\":\"2024-03-02T01:00:00Z\","
               "\"published_at\":\"2023-02-30\"}",
               &env, &err);
    CHECK_INTEQ(rc, 0);
    CHECK_INTEQ(nf_envelope_reference(&env, &d), 0);
    CHECK(d.y == 2024 && d.m == 3 && d.d == 2,
          "invalid published_at falls back to fetched_at");
    nf_envelope_free(&env);

    rc = parse("{\"text\":\"a\\u0000b\"}", &env, &err);
    CHECK_INTEQ(rc, 0);
    CHECK_INTEQ(env.text.len, 3); /* NUL kept for the core to refuse */
    CHECK(nf_envelope_reference(&env, &d) != 0, "no day");
    nf_envelope_free(&env);
}

static void test_broken(void)
{
    struct nf_envelope env;
    struct nf_err err;

    CHECK_INTEQ(parse("{\"text\": \"a\"", &env, &err), NF_E_ENVELOPE_JSON);
    CHECK(strstr(err.msg, "JSON") != NULL, "%s", err.msg);
    CHECK_INTEQ(parse("{\"text\": \"\xff\"}", &env, &err), NF_E_ENVELOPE_JSON);
    CHECK_INTEQ(parse("{\"id\": \"a\"}", &env, &err), NF_E_ENVELOPE_INVALID);
    CHECK_INTEQ(parse("{\"text\": 5}", &env, &err), NF_E_ENVELOPE_INVALID);
    CHECK_INTEQ(parse("{\"text\": \"a\", \"url\": 3}", &env, &err),
                NF_E_ENVELOPE_INVALID);
    CHECK(strstr(err.msg, "url") != NULL, "names the field: %s", err.msg);
    CHECK_INTEQ(parse("{\"text\": \"a\", \"text\": \"b\"}", &env, &err),
                NF_E_ENVELOPE_JSON);
    nf_envelope_free(&env); /* safe after a failure */
}

static void test_days(void)
{
    struct nf_ymd d;

    CHECK_INTEQ(nf_envelope_parse_day("2024-02-29", 10, &d), 0);
    CHECK(nf_envelope_parse_day("2023-02-29", 10, &d) != 0, "not leap");
    CHECK(nf_envelope_parse_day("2024-13-01", 10, &d) != 0, "month");
    CHECK(nf_envelope_parse_day("2024/01/01", 10, &d) != 0, "separator");
    CHECK(nf_envelope_parse_day("2024-01-0", 9, &d) != 0, "short");
    CHECK(nf_envelope_parse_day(NULL, 0, &d) != 0, "null");
}

int main(void)
{
    test_detect();
    test_good();
    test_broken();
    test_days();
    return nf_test_failures != 0;
}
