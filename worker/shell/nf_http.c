/*
 * nf_http.c - /metrics, /healthz and /readyz over libmicrohttpd.
 *
 *   GET /metrics  200 text/plain; version=0.0.4   (nf_metrics_render)
 *   GET /healthz  200 {"alive":true,...} | 503    (main loop beating)
 *   GET /readyz   200 {"ready":true,...} | 503    (assignment, producer,
 *                                                  not draining)
 *   other paths 404, other methods 405 (HEAD is served like GET).
 *
 * libmicrohttpd (Debian's libmicrohttpd-dev) runs its own polling thread,
 * so a scrape never waits for the Kafka loop and a stuck Kafka loop still
 * answers /healthz with 503 instead of timing out. Every response is built
 * from the lock-free registry; the only shared lock is the lag table's.
 * Connections are capped and time out, so a scraper that hangs cannot pin
 * resources. Discarded: a hand-written HTTP server (parsing, keep-alive
 * and slow clients are where the bugs live) and libevent's evhttp (a
 * second event loop for three GET routes).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "nf_http.h"
#include "nf_log.h"
#include "nf_metrics.h"

/* Concurrent connections and idle seconds per connection. */
#define MAX_CONNECTIONS 32
#define CONN_TIMEOUT_S  10
/* Bytes of a health body. */
#define HEALTH_MAX 256
/* Longest accepted listen string. */
#define LISTEN_MAX 128

#define CT_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define CT_JSON    "application/json"
#define CT_TEXT    "text/plain; charset=utf-8"

struct nf_http {
    struct MHD_Daemon *d;
    int port;
};

int nf_http_parse_listen(const char *s, struct sockaddr_storage *ss,
                         socklen_t *sl, struct nf_err *err)
{
    char host[LISTEN_MAX];
    const char *colon, *h = s;
    size_t hl;
    char *end;
    long port;
    struct sockaddr_storage tmp;

    if (!ss)
        ss = &tmp;
    memset(ss, 0, sizeof(*ss));
    if (!s || strlen(s) >= LISTEN_MAX)
        return nf_err_set(err, NF_E_CONFIG, 0, "listen address too long");
    colon = strrchr(s, ':');
    if (!colon)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "listen address '%s': expected HOST:PORT", s);
    hl = (size_t)(colon - s);
    if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
        h = s + 1;
        hl -= 2;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 0 || port > 65535)
        return nf_err_set(err, NF_E_CONFIG, 0, "listen address '%s': bad port",
                          s);
    if (h != s) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "listen address '%s': bad IPv6 address", s);
        if (sl)
            *sl = sizeof(*a6);
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        if (hl == 0)
            a4->sin_addr.s_addr = htonl(INADDR_ANY);
        else if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "listen address '%s': bad IPv4 address (an "
                              "IPv6 one goes in brackets)",
                              s);
        if (sl)
            *sl = sizeof(*a4);
    }
    return 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
                             const char *ctype, char *body, size_t len,
                             enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    enum MHD_Result ret;

    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result health(struct MHD_Connection *c, bool ready)
{
    char body[HEALTH_MAX];
    bool ok = ready ? nf_metrics_ready(body, sizeof(body))
                    : nf_metrics_alive(body, sizeof(body));

    return reply(c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, CT_JSON,
                 body, strlen(body), MHD_RESPMEM_MUST_COPY);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    static char not_found[] = "not found: try /metrics, /healthz, /readyz\n";
    static char not_allowed[] = "method not allowed\n";
    static char no_memory[] = "out of memory\n";

    (void)cls;
    (void)version;
    (void)upload;
    (void)con_cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        /* a body is never read: answer and let MHD close */
        *upload_size = 0;
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, CT_TEXT, not_allowed,
                     strlen(not_allowed), MHD_RESPMEM_PERSISTENT);
    }
    if (strcmp(url, "/metrics") == 0) {
        size_t len = 0;
        char *text = nf_metrics_render(&len);

        if (!text)
            return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, CT_TEXT, no_memory,
                         strlen(no_memory), MHD_RESPMEM_PERSISTENT);
        return reply(c, MHD_HTTP_OK, CT_METRICS, text, len,
                     MHD_RESPMEM_MUST_FREE);
    }
    if (strcmp(url, "/healthz") == 0)
        return health(c, false);
    if (strcmp(url, "/readyz") == 0)
        return health(c, true);
    return reply(c, MHD_HTTP_NOT_FOUND, CT_TEXT, not_found, strlen(not_found),
                 MHD_RESPMEM_PERSISTENT);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    nf_log(NF_LOG_WARN, "metrics http", "{s:s}", "error", msg);
}

struct nf_http *nf_http_start(const char *listen, struct nf_err *err)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    struct nf_http *h;
    const union MHD_DaemonInfo *info;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;

    if (nf_http_parse_listen(listen, &ss, &sl, err) != 0)
        return NULL;
    h = calloc(1, sizeof(*h));
    if (!h) {
        nf_err_set(err, NF_E_NOMEM, 0, "out of memory");
        return NULL;
    }
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    h->d = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, NULL,
        /* first, so that every MHD message goes through nf_log */
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)CONN_TIMEOUT_S, MHD_OPTION_END);
    if (!h->d) {
        free(h);
        nf_err_set(err, NF_E_CONFIG, 0,
                   "metrics.listen=%s: cannot listen (address in use or "
                   "not local?)",
                   listen);
        return NULL;
    }
    info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? (int)info->port : -1;
    return h;
}

int nf_http_port(const struct nf_http *h)
{
    return h ? h->port : -1;
}

void nf_http_stop(struct nf_http *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->d);
    free(h);
}
