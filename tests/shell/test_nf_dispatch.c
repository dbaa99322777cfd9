/*
 * test_nf_dispatch.c - retry schedule, backoff with jitter, Retry-After,
 * and the HTTP outcome → disposition table of the webhook client.
 */
#include <string.h>

#include <curl/curl.h>

#include "nf_dispatch.h"
#include "nf_test.h"
#include "nf_webhook.h"

static void test_schedule(void)
{
    int64_t s[NF_DISPATCH_MAX_ATTEMPTS];
    size_t n = 0;
    struct nf_err err = {0};

    CHECK_INTEQ(nf_dispatch_parse_schedule(NF_DISPATCH_DEFAULT_SCHEDULE, s,
                                           NF_DISPATCH_MAX_ATTEMPTS, &n, &err),
                0);
    CHECK_INTEQ(n, 8);
    CHECK_INTEQ(s[0], 0);
    CHECK_INTEQ(s[1], 5000);
    CHECK_INTEQ(s[2], 300000);
    CHECK_INTEQ(s[4], 2 * 3600000LL);
    CHECK_INTEQ(s[7], 10 * 3600000LL);
    CHECK_INTEQ(nf_dispatch_parse_schedule("250ms, 1s ,2d", s, 4, &n, &err), 0);
    CHECK_INTEQ(n, 3);
    CHECK_INTEQ(s[0], 250);
    CHECK_INTEQ(s[2], 2 * 86400000LL);
    CHECK(nf_dispatch_parse_schedule("5", s, 4, &n, &err) != 0, "no unit");
    CHECK(nf_dispatch_parse_schedule("5x", s, 4, &n, &err) != 0, "bad unit");
    CHECK(nf_dispatch_parse_schedule("8d", s, 4, &n, &err) != 0, "> 7 days");
    CHECK(nf_dispatch_parse_schedule("", s, 4, &n, &err) != 0, "empty");
    CHECK(nf_dispatch_parse_schedule("1s,1s,1s,1s,1s", s, 4, &n, &err) != 0,
          "over the cap");
    CHECK(strstr(err.msg, "webhook.retry.schedule") != NULL, "key: %s",
          err.msg);
}

static void test_delay(void)
{
    int64_t s[] = {0, 5000, 300000};
    int64_t d;

    /* jitter stays within +-20% of the schedule */
    d = nf_dispatch_delay(s, 3, 1, -1, 0);
    CHECK_INTEQ(d, 4000);
    d = nf_dispatch_delay(s, 3, 1, -1, 0xffffffffu);
    CHECK(d >= 5999 && d <= 6000, "max jitter %lld", (long long)d);
    d = nf_dispatch_delay(s, 3, 2, -1, 0x80000000u);
    CHECK_INTEQ(d, 300000);
    /* Retry-After: never earlier than the endpoint asked */
    d = nf_dispatch_delay(s, 3, 1, 30000, 0);
    CHECK_INTEQ(d, 30000);
    d = nf_dispatch_delay(s, 3, 2, 1000, 0);
    CHECK_INTEQ(d, 240000);
    /* exhausted */
    CHECK_INTEQ(nf_dispatch_delay(s, 3, 3, -1, 0), -1);
    CHECK_INTEQ(nf_dispatch_delay(s, 3, 30, 5000, 0), -1);
}

static void test_disposition(void)
{
    CHECK_INTEQ(nf_webhook_disposition(CURLE_OK, 200), NF_DISP_OK);
    CHECK_INTEQ(nf_webhook_disposition(CURLE_OK, 204), NF_DISP_OK);
    CHECK_INTEQ(nf_webhook_disposition(CURLE_OK, 408), NF_DISP_RETRY);
    CHECK_INTEQ(nf_webhook_disposition(CURLE_OK, 429), NF_DISP_RETRY);
    CHECK_INTEQ(nf_webhook_disposition(CURLE_OK, 500), NF_DISP_RETRY);
    CHECK_INTEQ(nf_webhook_disposition(CURLE_OK, 503), NF_DISP_RETRY);
    CHECK_INTEQ(nf_webhook_disposition(CURLE_OK, 400), NF_DISP_DEAD_LETTER);
    CHECK_INTEQ(nf_webhook_disposition(CURLE_OK, 401), NF_DISP_DEAD_LETTER);
    CHECK_INTEQ(nf_webhook_disposition(CURLE_OK, 410), NF_DISP_DEAD_LETTER);
    CHECK_INTEQ(nf_webhook_disposition(CURLE_OK, 301), NF_DISP_DEAD_LETTER);
    CHECK_INTEQ(nf_webhook_disposition(CURLE_OPERATION_TIMEDOUT, 0),
                NF_DISP_RETRY);
    CHECK_INTEQ(nf_webhook_disposition(CURLE_COULDNT_CONNECT, 0),
                NF_DISP_RETRY);
    CHECK_INTEQ(nf_webhook_disposition(CURLE_PEER_FAILED_VERIFICATION, 0),
                NF_DISP_RETRY);
    /* a timeout after the status line: the status decides */
    CHECK_INTEQ(nf_webhook_disposition(CURLE_OPERATION_TIMEDOUT, 503),
                NF_DISP_RETRY);
}

static void test_retry_after(void)
{
    time_t now = 1700000000; /* Tue, 14 Nov 2023 22:13:20 GMT */

    CHECK_INTEQ(nf_webhook_parse_retry_after(" 120\r\n", 6, now), 120000);
    CHECK_INTEQ(nf_webhook_parse_retry_after("0", 1, now), 0);
    CHECK_INTEQ(
        nf_webhook_parse_retry_after("Tue, 14 Nov 2023 22:14:20 GMT", 29, now),
        60000);
    CHECK_INTEQ(
        nf_webhook_parse_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", 29, now),
        0);
    CHECK_INTEQ(nf_webhook_parse_retry_after("999999999999", 12, now),
                NF_WEBHOOK_RETRY_AFTER_MAX_MS);
    CHECK_INTEQ(nf_webhook_parse_retry_after("-5", 2, now), -1);
    CHECK_INTEQ(nf_webhook_parse_retry_after("soon", 4, now), -1);
    CHECK_INTEQ(nf_webhook_parse_retry_after("12abc", 5, now), -1);
    CHECK_INTEQ(nf_webhook_parse_retry_after("", 0, now), -1);
}

int main(void)
{
    test_schedule();
    test_delay();
    test_disposition();
    test_retry_after();
    return nf_test_failures != 0;
}
