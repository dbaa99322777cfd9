/*
 * test_nf_log.c - JSON lines, levels, and secrets never printed.
 */
#include <jansson.h>

#include "nf_test.h"

#include "nf_log.h"

static char *buf;
static size_t len;
static FILE *mem;

static void capture(void)
{
    free(buf);
    buf = NULL;
    len = 0;
    mem = open_memstream(&buf, &len);
    nf_log_set_stream(mem);
}

static void release(void)
{
    fclose(mem);
    nf_log_set_stream(NULL);
}

static void test_json_line(void)
{
    json_t *o;
    json_error_t jerr;

    capture();
    nf_log(NF_LOG_INFO, "assigned", "{s:s,s:i}", "topic", "notices",
           "partition", 3);
    release();
    CHECK(len > 0 && buf[len - 1] == '\n', "one line");
    o = json_loads(buf, 0, &jerr);
    CHECK(o != NULL, "valid JSON: %s", jerr.text);
    CHECK_STREQ(json_string_value(json_object_get(o, "level")), "info");
    CHECK_STREQ(json_string_value(json_object_get(o, "msg")), "assigned");
    CHECK_INTEQ(json_integer_value(json_object_get(o, "partition")), 3);
    CHECK(json_string_length(json_object_get(o, "time")) == 24,
          "ISO time with ms");
    json_decref(o);
}

static void test_levels(void)
{
    enum nf_log_level l;

    capture();
    nf_log_set_level(NF_LOG_WARN);
    nf_log(NF_LOG_INFO, "dropped", NULL);
    nf_log(NF_LOG_ERROR, "kept", NULL);
    /* librdkafka syslog levels: 7 debug (dropped), 3 error (kept) */
    nf_log_rdkafka_cb(NULL, 7, "FETCH", "noise");
    nf_log_rdkafka_cb(NULL, 3, "FAIL", "broker down");
    release();
    nf_log_set_level(NF_LOG_INFO);
    CHECK(strstr(buf, "dropped") == NULL, "below level dropped");
    CHECK(strstr(buf, "noise") == NULL, "rdkafka debug dropped");
    CHECK(strstr(buf, "\"kept\"") != NULL, "error kept");
    CHECK(strstr(buf, "\"facility\":\"FAIL\"") != NULL, "rdkafka fields");
    CHECK_INTEQ(nf_log_level_parse("debug", &l), 0);
    CHECK_INTEQ(l, NF_LOG_DEBUG);
    CHECK(nf_log_level_parse("verbose", &l) != 0, "unknown level");
}

static void test_secrets(void)
{
    capture();
    CHECK_INTEQ(nf_log_add_secret("s3cr\"t-pw"), 0);
    CHECK_INTEQ(nf_log_add_secret(""), 0);
    nf_log(NF_LOG_ERROR, "auth failed with s3cr\"t-pw", "{s:s}", "detail",
           "sasl.password=s3cr\"t-pw; again s3cr\"t-pw");
    nf_log_rdkafka_cb(NULL, 3, "SASL", "password s3cr\"t-pw rejected");
    release();
    CHECK(strstr(buf, "s3cr") == NULL, "secret printed: %s", buf);
    CHECK(strstr(buf, "***") != NULL, "redacted marker");
    CHECK(strstr(buf, "auth failed with ***") != NULL, "%s", buf);
    nf_log_clear_secrets();
    capture();
    nf_log(NF_LOG_ERROR, "s3cr-visible", NULL);
    release();
    CHECK(strstr(buf, "s3cr-visible") != NULL, "cleared");
}

int main(void)
{
    test_json_line();
    test_levels();
    test_secrets();
    free(buf);
    return nf_test_failures != 0;
}
