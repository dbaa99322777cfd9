/*
 * test_nf_http.c - the operations endpoint over real HTTP (libcurl as the
 * client): routes, status codes, content types, readiness flips, and the
 * listen-address forms metrics.listen accepts.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "nf_test.h"

#include "nf_http.h"
#include "nf_metrics.h"

struct resp {
    long status;
    char ctype[128];
    char body[65536];
    size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct resp *r = arg;
    size_t k = size * n;

    if (r->len + k < sizeof(r->body)) {
        memcpy(r->body + r->len, p, k);
        r->len += k;
        r->body[r->len] = '\0';
    }
    return k;
}

static int get(int port, const char *method, const char *path, struct resp *r)
{
    char url[128];
    CURL *c = curl_easy_init();
    char *ct = NULL;
    CURLcode rc;

    memset(r, 0, sizeof(*r));
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "POST") == 0)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "x=1");
    rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    if (ct)
        snprintf(r->ctype, sizeof(r->ctype), "%s", ct);
    curl_easy_cleanup(c);
    return rc == CURLE_OK ? 0 : -1;
}

static void test_parse_listen(void)
{
    static const char *const good[] = {"0.0.0.0:9464", ":9464", "127.0.0.1:0",
                                       "[::]:9464", "[::1]:65535"};
    static const char *const bad[] = {
        "9464",         "localhost:9464", "127.0.0.1:", "127.0.0.1:65536",
        "127.0.0.1:-1", "::1:9464",       "[::1:9464",  "1.2.3:80",
        "1.2.3.4:8x"};
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    struct nf_err err;
    size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        memset(&err, 0, sizeof(err));
        CHECK(nf_http_parse_listen(good[i], &ss, &sl, &err) == 0, "%s: %s",
              good[i], err.msg);
    }
    CHECK(nf_http_parse_listen("[::]:9464", &ss, &sl, NULL) == 0 &&
              ss.ss_family == AF_INET6,
          "IPv6 family");
    CHECK(nf_http_parse_listen(":9464", &ss, &sl, NULL) == 0 &&
              ss.ss_family == AF_INET,
          "empty host is IPv4 any");
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&err, 0, sizeof(err));
        CHECK(nf_http_parse_listen(bad[i], NULL, NULL, &err) == NF_E_CONFIG,
              "%s accepted", bad[i]);
        CHECK(err.msg[0] != '\0', "%s: no reason", bad[i]);
    }
}

static void test_routes(void)
{
    struct nf_err err = {0};
    struct nf_http *h;
    struct resp r;
    int port;

    nf_metrics_init("worker", "1.2.3", 60000);
    nf_metrics_add_topic("in", NF_METRICS_TOPIC_IN);
    nf_metrics_consumed("in");
    h = nf_http_start("127.0.0.1:0", &err);
    CHECK(h != NULL, "start: %s", err.msg);
    if (!h)
        return;
    port = nf_http_port(h);
    CHECK(port > 0, "port %d", port);

    CHECK(get(port, "GET", "/metrics", &r) == 0, "GET /metrics");
    CHECK_INTEQ(r.status, 200);
    CHECK_STREQ(r.ctype, "text/plain; version=0.0.4; charset=utf-8");
    CHECK(strstr(r.body,
                 "noticeflow_messages_consumed_total{topic=\"in\"} 1\n") !=
              NULL,
          "counter in the scrape");
    CHECK(strstr(r.body, "# TYPE noticeflow_processing_seconds histogram") !=
              NULL,
          "histogram type");

    CHECK(get(port, "GET", "/healthz", &r) == 0, "GET /healthz");
    CHECK_INTEQ(r.status, 200);
    CHECK_STREQ(r.ctype, "application/json");
    CHECK(strstr(r.body, "\"alive\":true") != NULL, "%s", r.body);

    /* readiness: not before assignment + producer, not while draining */
    CHECK(get(port, "GET", "/readyz", &r) == 0, "GET /readyz");
    CHECK_INTEQ(r.status, 503);
    CHECK(strstr(r.body, "\"ready\":false") != NULL, "%s", r.body);
    nf_metrics_set_producer_connected(true);
    nf_metrics_set_assigned(true);
    get(port, "GET", "/readyz", &r);
    CHECK_INTEQ(r.status, 200);
    CHECK(strstr(r.body, "\"ready\":true") != NULL, "%s", r.body);
    nf_metrics_set_assigned(false); /* revoke */
    get(port, "GET", "/readyz", &r);
    CHECK_INTEQ(r.status, 503);
    nf_metrics_set_assigned(true);
    nf_metrics_set_draining(true);
    get(port, "GET", "/readyz", &r);
    CHECK_INTEQ(r.status, 503);
    CHECK(strstr(r.body, "\"draining\":true") != NULL, "%s", r.body);
    get(port, "GET", "/metrics", &r);
    CHECK(strstr(r.body, "\nnoticeflow_ready 0\n") != NULL, "ready gauge");
    CHECK(strstr(r.body, "\nnoticeflow_draining 1\n") != NULL,
          "draining gauge");

    get(port, "HEAD", "/metrics", &r);
    CHECK_INTEQ(r.status, 200);
    CHECK_INTEQ(r.len, 0);
    get(port, "POST", "/metrics", &r);
    CHECK_INTEQ(r.status, 405);
    get(port, "GET", "/", &r);
    CHECK_INTEQ(r.status, 404);
    get(port, "GET", "/metrics/../etc/passwd", &r);
    CHECK_INTEQ(r.status, 404);
    /* a query string does not change the route */
    get(port, "GET", "/healthz?verbose=1", &r);
    CHECK_INTEQ(r.status, 200);
    nf_http_stop(h);

    /* the port is free again, and a busy port is refused with a reason */
    {
        char addr[32];
        struct nf_http *a, *b;

        a = nf_http_start("127.0.0.1:0", &err);
        CHECK(a != NULL, "restart: %s", err.msg);
        snprintf(addr, sizeof(addr), "127.0.0.1:%d", nf_http_port(a));
        memset(&err, 0, sizeof(err));
        b = nf_http_start(addr, &err);
        CHECK(b == NULL, "second server on %s", addr);
        CHECK(strstr(err.msg, "cannot listen") != NULL, "%s", err.msg);
        nf_http_stop(b);
        nf_http_stop(a);
    }
    nf_http_stop(NULL);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    test_parse_listen();
    test_routes();
    curl_global_cleanup();
    return nf_test_failures != 0;
}
