/*
 * nf_webhook.c - the curl multi client of the webhook dispatcher.
 *
 * One easy handle per in-flight slot (webhook.max.in.flight), created and
 * hardened once, reused for every attempt so connections stay alive in
 * the multi handle's pool (TLS handshakes are paid once, which is what
 * keeps loopback p99 in milliseconds). Every transfer is bounded:
 *   CONNECTTIMEOUT_MS / TIMEOUT_MS   always set (curl's default is never)
 *   write callback                   stops reading past
 *                                    webhook.max.response.bytes
 *   PROTOCOLS_STR "https"            ("http,https" only with the loopback
 *                                    allowance); FOLLOWLOCATION 0, so a
 *                                    3xx is an answer, never a new request
 *   SSL_VERIFYPEER 1, VERIFYHOST 2   always; CAINFO from webhook.ca.file
 *   PROXY ""                         an http(s)_proxy variable cannot
 *                                    route alerts elsewhere
 *   RESOLVE host:port:addrs          the addresses nf_egress vetted
 *   OPENSOCKETFUNCTION               re-vets the address of each socket
 *                                    before connect: nothing is sent to a
 *                                    refused address, whatever the DNS
 *   "Expect:"                        no 100-continue round trip (1 s wait
 *                                    on servers that ignore it)
 *   NOSIGNAL 1                       no SIGALRM in a threaded process
 *
 * DNS: the name is resolved at start (a refused URL stops the dispatcher
 * with exit 2) and again every NF_WEBHOOK_DNS_TTL_MS on a helper thread,
 * so a slow resolver never blocks the poll loop. A refresh that fails or
 * meets a refused address keeps the previous vetted pin (logged): an
 * attacker who controls the DNS can delay alerts, never redirect them.
 *
 * Discarded: the easy interface on a thread per request (blocking and
 * unbounded threads), and CURLOPT_PREREQFUNCTION (7.80+, runs after the
 * connect: a SYN to the metadata address would already have left).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "nf_log.h"
#include "nf_webhook.h"

/* Response header that throttling answers carry (RFC 9110 10.2.3). */
static const char retry_after_hdr[] = "retry-after:";

struct slot {
    struct nf_webhook *wh;
    CURL *e;
    bool busy;
    void *opaque;
    struct curl_slist *hdrs;
    char errbuf[CURL_ERROR_SIZE];
    size_t received;
    bool capped; /* stopped reading: response over the cap */
    bool refused;
    int64_t retry_after_ms;
    char snippet[NF_WEBHOOK_SNIPPET_MAX + 1];
    size_t snip_len;
};

struct resolver {
    pthread_t tid;
    bool running; /* thread started, not yet joined */
    pthread_mutex_t mu;
    bool done; /* guarded by mu */
    int rc;
    struct nf_egress_pin pin;
    struct nf_err err;
};

struct nf_webhook {
    char *url;
    struct nf_url u;
    struct nf_egress_policy pol;
    struct nf_egress_pin pin; /* in use */
    struct curl_slist *resolve;
    struct timespec pinned_at;
    struct resolver res;
    CURLM *multi;
    struct slot *slots;
    size_t n_slots, in_flight;
    long max_response;
    struct nf_webhook_result *done; /* finished, not yet collected */
    size_t n_done;
};

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- pure helpers --------------------------------------------------- */

enum nf_disposition nf_webhook_disposition(int curl_code, long status)
{
    /* No status: timeout, refused or reset connection, TLS failure. The
     * endpoint (or its certificate) may be fixed: retry, never drop. */
    if (status == 0)
        return curl_code == CURLE_OK ? NF_DISP_DEAD_LETTER : NF_DISP_RETRY;
    if (status >= 200 && status < 300)
        return NF_DISP_OK;
    /* request timeout, throttling, server errors: transient by spec */
    if (status == 408 || status == 429 || (status >= 500 && status < 600))
        return NF_DISP_RETRY;
    /* 1xx final (broken server), 3xx (never followed), other 4xx */
    return NF_DISP_DEAD_LETTER;
}

int64_t nf_webhook_parse_retry_after(const char *v, size_t n, time_t now)
{
    char buf[64];
    size_t i;
    int64_t secs = 0;
    time_t t;

    while (n > 0 && isspace((unsigned char)*v)) {
        v++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)v[n - 1]))
        n--;
    if (n == 0 || n >= sizeof(buf))
        return -1;
    if (isdigit((unsigned char)v[0])) {
        for (i = 0; i < n; i++) {
            if (!isdigit((unsigned char)v[i]))
                return -1;
            secs = secs * 10 + (v[i] - '0');
            if (secs > NF_WEBHOOK_RETRY_AFTER_MAX_MS / 1000)
                return NF_WEBHOOK_RETRY_AFTER_MAX_MS;
        }
        return secs * 1000;
    }
    memcpy(buf, v, n);
    buf[n] = '\0';
    /* IMF-fixdate and the two obsolete forms (RFC 9110 5.6.7) */
    t = curl_getdate(buf, NULL);
    if (t == (time_t)-1)
        return -1;
    if (t <= now)
        return 0;
    if ((int64_t)(t - now) > NF_WEBHOOK_RETRY_AFTER_MAX_MS / 1000)
        return NF_WEBHOOK_RETRY_AFTER_MAX_MS;
    return (int64_t)(t - now) * 1000;
}

/* ---- curl callbacks --------------------------------------------------- */

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    struct slot *s = ud;
    size_t n = size * nmemb;

    if (s->snip_len < NF_WEBHOOK_SNIPPET_MAX) {
        size_t k = NF_WEBHOOK_SNIPPET_MAX - s->snip_len;
        if (k > n)
            k = n;
        memcpy(s->snippet + s->snip_len, p, k);
        s->snip_len += k;
        s->snippet[s->snip_len] = '\0';
    }
    s->received += n;
    if ((long)s->received > s->wh->max_response) {
        s->capped = true;
        return 0; /* CURLE_WRITE_ERROR: stop reading */
    }
    return n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct slot *s = ud;
    size_t n = size * nmemb, hl = sizeof(retry_after_hdr) - 1;

    if (n > hl && strncasecmp(p, retry_after_hdr, hl) == 0)
        s->retry_after_ms =
            nf_webhook_parse_retry_after(p + hl, n - hl, time(NULL));
    return n;
}

static curl_socket_t on_opensocket(void *ud, curlsocktype purpose,
                                   struct curl_sockaddr *a)
{
    struct slot *s = ud;

    (void)purpose;
    if (!nf_egress_sockaddr_allowed(&a->addr, a->addrlen, &s->wh->u,
                                    &s->wh->pol)) {
        s->refused = true;
        nf_log(NF_LOG_ERROR, "webhook: connection refused by egress policy",
               "{s:s,s:s}", "host", s->wh->u.host, "class",
               nf_egress_class_name(nf_egress_classify(&a->addr, a->addrlen)));
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* ---- set-up ------------------------------------------------------------ */

static int set_resolve(struct nf_webhook *wh, const struct nf_egress_pin *pin)
{
    struct curl_slist *l = NULL;

    if (pin->resolve[0]) {
        l = curl_slist_append(NULL, pin->resolve);
        if (!l)
            return -1;
    }
    curl_slist_free_all(wh->resolve);
    wh->resolve = l;
    wh->pin = *pin;
    clock_gettime(CLOCK_MONOTONIC, &wh->pinned_at);
    return 0;
}

#define SETOPT(e, opt, val)                                                    \
    do {                                                                       \
        if (curl_easy_setopt((e), (opt), (val)) != CURLE_OK) {                 \
            nf_err_set(err, NF_E_CONFIG, 0, "curl refused option %s", #opt);   \
            return -1;                                                         \
        }                                                                      \
    } while (0)

static int harden(struct nf_webhook *wh, struct slot *s,
                  const struct nf_webhook_opts *o, struct nf_err *err)
{
    const char *protos = wh->u.https ? "https" : "http,https";
    CURL *e = s->e;

    SETOPT(e, CURLOPT_URL, wh->url);
    SETOPT(e, CURLOPT_ERRORBUFFER, s->errbuf);
    SETOPT(e, CURLOPT_NOSIGNAL, 1L);
    SETOPT(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    SETOPT(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    SETOPT(e, CURLOPT_PROTOCOLS_STR, protos);
    SETOPT(e, CURLOPT_REDIR_PROTOCOLS_STR, protos);
    SETOPT(e, CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(e, CURLOPT_MAXREDIRS, 0L);
    SETOPT(e, CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(e, CURLOPT_SSL_VERIFYHOST, 2L);
    SETOPT(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (o->ca_file)
        SETOPT(e, CURLOPT_CAINFO, o->ca_file);
    SETOPT(e, CURLOPT_PROXY, "");
    SETOPT(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_response_bytes);
    SETOPT(e, CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(e, CURLOPT_WRITEDATA, s);
    SETOPT(e, CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(e, CURLOPT_HEADERDATA, s);
    SETOPT(e, CURLOPT_OPENSOCKETFUNCTION, on_opensocket);
    SETOPT(e, CURLOPT_OPENSOCKETDATA, s);
    SETOPT(e, CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(e, CURLOPT_USERAGENT, o->user_agent ? o->user_agent : "noticeflow");
    SETOPT(e, CURLOPT_PRIVATE, s);
    SETOPT(e, CURLOPT_POST, 1L);
    return 0;
}

struct nf_webhook *nf_webhook_new(const struct nf_webhook_opts *o,
                                  struct nf_err *err)
{
    struct nf_webhook *wh = calloc(1, sizeof(*wh));
    struct nf_egress_pin pin;
    size_t i;

    if (!wh) {
        nf_err_set(err, NF_E_NOMEM, 0, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&wh->res.mu, NULL);
    if (o->max_in_flight == 0 || o->max_in_flight > NF_WEBHOOK_MAX_IN_FLIGHT) {
        nf_err_set(err, NF_E_CONFIG, 0, "webhook.max.in.flight out of range");
        goto fail;
    }
    wh->pol.allow_loopback = o->allow_loopback;
    wh->max_response = o->max_response_bytes;
    if (nf_egress_parse_url(o->url, &wh->pol, &wh->u, err) != 0 ||
        nf_egress_resolve(&wh->u, &wh->pol, &pin, err) != 0)
        goto fail;
    wh->url = strdup(o->url);
    wh->multi = curl_multi_init();
    wh->n_slots = o->max_in_flight;
    wh->slots = calloc(wh->n_slots, sizeof(*wh->slots));
    wh->done = calloc(wh->n_slots, sizeof(*wh->done));
    if (!wh->url || !wh->multi || !wh->slots || !wh->done ||
        set_resolve(wh, &pin) != 0) {
        nf_err_set(err, NF_E_NOMEM, 0, "out of memory");
        goto fail;
    }
    /* Bounded connection pool: one connection per slot is enough. */
    curl_multi_setopt(wh->multi, CURLMOPT_MAXCONNECTS, (long)wh->n_slots);
    for (i = 0; i < wh->n_slots; i++) {
        struct slot *s = &wh->slots[i];

        s->wh = wh;
        s->e = curl_easy_init();
        if (!s->e) {
            nf_err_set(err, NF_E_NOMEM, 0, "curl_easy_init failed");
            goto fail;
        }
        if (harden(wh, s, o, err) != 0)
            goto fail;
    }
    return wh;
fail:
    nf_webhook_destroy(wh);
    return NULL;
}

void nf_webhook_destroy(struct nf_webhook *wh)
{
    size_t i;

    if (!wh)
        return;
    if (wh->res.running)
        pthread_join(wh->res.tid, NULL);
    for (i = 0; wh->slots && i < wh->n_slots; i++) {
        struct slot *s = &wh->slots[i];

        if (s->busy)
            curl_multi_remove_handle(wh->multi, s->e);
        if (s->e)
            curl_easy_cleanup(s->e);
        curl_slist_free_all(s->hdrs);
    }
    if (wh->multi)
        curl_multi_cleanup(wh->multi);
    curl_slist_free_all(wh->resolve);
    pthread_mutex_destroy(&wh->res.mu);
    free(wh->slots);
    free(wh->done);
    free(wh->url);
    free(wh);
}

size_t nf_webhook_free_slots(const struct nf_webhook *wh)
{
    /* a finished attempt holds its slot's result until collected */
    return wh->n_slots - wh->in_flight - wh->n_done;
}

size_t nf_webhook_in_flight(const struct nf_webhook *wh)
{
    return wh->in_flight;
}

const char *nf_webhook_url(const struct nf_webhook *wh)
{
    return wh->url;
}

/* ---- DNS refresh ------------------------------------------------------- */

static void *resolve_main(void *arg)
{
    struct nf_webhook *wh = arg;
    struct nf_egress_pin pin;
    struct nf_err e = {0};
    int rc = nf_egress_resolve(&wh->u, &wh->pol, &pin, &e);

    pthread_mutex_lock(&wh->res.mu);
    wh->res.rc = rc;
    wh->res.pin = pin;
    wh->res.err = e;
    wh->res.done = true;
    pthread_mutex_unlock(&wh->res.mu);
    return NULL;
}

static void refresh_dns(struct nf_webhook *wh)
{
    int64_t age;
    bool done;

    if (wh->u.host_is_ip)
        return;
    if (wh->res.running) {
        pthread_mutex_lock(&wh->res.mu);
        done = wh->res.done;
        pthread_mutex_unlock(&wh->res.mu);
        if (!done)
            return;
        pthread_join(wh->res.tid, NULL);
        wh->res.running = false;
        if (wh->res.rc == 0) {
            if (set_resolve(wh, &wh->res.pin) != 0)
                nf_log(NF_LOG_WARN, "webhook: DNS refresh: out of memory",
                       NULL);
        } else {
            /* keep the vetted pin; try again after a full period */
            clock_gettime(CLOCK_MONOTONIC, &wh->pinned_at);
            nf_log(NF_LOG_WARN,
                   "webhook: DNS refresh refused; keeping the "
                   "previous addresses",
                   "{s:s}", "reason", wh->res.err.msg);
        }
        return;
    }
    age = mono_ms() - ((int64_t)wh->pinned_at.tv_sec * 1000 +
                       wh->pinned_at.tv_nsec / 1000000);
    if (age < NF_WEBHOOK_DNS_TTL_MS)
        return;
    wh->res.done = false;
    if (pthread_create(&wh->res.tid, NULL, resolve_main, wh) == 0)
        wh->res.running = true;
    else
        clock_gettime(CLOCK_MONOTONIC, &wh->pinned_at);
}

/* ---- attempts ---------------------------------------------------------- */

/* Header values come from our own code, but a CR or LF would split the
 * request: refuse them. */
static bool header_safe(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || *v == 0x7f)
            return false;
    return true;
}

static struct curl_slist *add_hdr(struct curl_slist *l, const char *name,
                                  const char *val)
{
    char line[512];
    struct curl_slist *n;

    snprintf(line, sizeof(line), "%s: %s", name, val);
    n = curl_slist_append(l, line);
    if (!n)
        curl_slist_free_all(l);
    return n;
}

int nf_webhook_post(struct nf_webhook *wh, const char *webhook_id,
                    int64_t timestamp, const char *signature, const void *body,
                    size_t len, void *opaque, struct nf_err *err)
{
    struct slot *s = NULL;
    struct curl_slist *h = NULL;
    char ts[24];
    size_t i;

    if (nf_webhook_free_slots(wh) == 0)
        return nf_err_set(err, NF_E_ARG, 0, "webhook: no free slot");
    if (!header_safe(webhook_id) || !header_safe(signature) ||
        strlen(webhook_id) > 128 || strlen(signature) > 400)
        return nf_err_set(err, NF_E_ARG, 0, "webhook: bad header value");
    for (i = 0; i < wh->n_slots && !s; i++)
        if (!wh->slots[i].busy)
            s = &wh->slots[i];
    if (!s)
        return nf_err_set(err, NF_E_ARG, 0, "webhook: no free slot");
    snprintf(ts, sizeof(ts), "%lld", (long long)timestamp);
    h = add_hdr(h, "Content-Type", "application/json");
    if (h)
        h = curl_slist_append(h, "Expect:");
    if (h)
        h = add_hdr(h, "webhook-id", webhook_id);
    if (h)
        h = add_hdr(h, "webhook-timestamp", ts);
    if (h)
        h = add_hdr(h, "webhook-signature", signature);
    if (!h)
        return nf_err_set(err, NF_E_NOMEM, 0, "out of memory");
    curl_slist_free_all(s->hdrs);
    s->hdrs = h;
    s->errbuf[0] = '\0';
    s->received = 0;
    s->capped = s->refused = false;
    s->retry_after_ms = -1;
    s->snip_len = 0;
    s->snippet[0] = '\0';
    s->opaque = opaque;
    if (curl_easy_setopt(s->e, CURLOPT_HTTPHEADER, s->hdrs) != CURLE_OK ||
        curl_easy_setopt(s->e, CURLOPT_RESOLVE, wh->resolve) != CURLE_OK ||
        curl_easy_setopt(s->e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) !=
            CURLE_OK ||
        curl_easy_setopt(s->e, CURLOPT_COPYPOSTFIELDS,
                         body ? (const char *)body : "") != CURLE_OK)
        return nf_err_set(err, NF_E_NOMEM, 0, "webhook: curl setopt failed");
    if (curl_multi_add_handle(wh->multi, s->e) != CURLM_OK)
        return nf_err_set(err, NF_E_NOMEM, 0, "webhook: multi add failed");
    s->busy = true;
    wh->in_flight++;
    return 0;
}

static void finish(struct nf_webhook *wh, CURL *e, CURLcode code)
{
    struct slot *s = NULL;
    struct nf_webhook_result *r;
    long status = 0;
    curl_off_t t = 0;

    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&s);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &t);
    curl_multi_remove_handle(wh->multi, e);
    if (!s)
        return;
    s->busy = false;
    wh->in_flight--;
    r = &wh->done[wh->n_done++];
    memset(r, 0, sizeof(*r));
    r->opaque = s->opaque;
    r->status = status;
    r->curl_code = (int)code;
    r->retry_after_ms = s->retry_after_ms;
    r->elapsed_ms = (int64_t)(t / 1000);
    r->egress_refused = s->refused;
    memcpy(r->snippet, s->snippet, s->snip_len + 1);
    /* a capped body still has its status: the answer counts */
    if (s->capped && status > 0)
        code = CURLE_OK;
    r->disp = nf_webhook_disposition(code, status);
    if (code != CURLE_OK) {
        size_t used;

        /* in two steps so the compiler sees no fixed-size truncation: the
         * error is a human hint for logs, a cut tail is acceptable */
        snprintf(r->error, sizeof(r->error), "%s", curl_easy_strerror(code));
        used = strlen(r->error);
        if (s->errbuf[0])
            snprintf(r->error + used, sizeof(r->error) - used, ": %s",
                     s->errbuf);
    } else if (r->disp != NF_DISP_OK)
        snprintf(r->error, sizeof(r->error), "http %ld", status);
    if (s->refused)
        snprintf(r->error, sizeof(r->error),
                 "egress policy refused the address");
}

int nf_webhook_poll(struct nf_webhook *wh, int timeout_ms, int extra_fd)
{
    struct curl_waitfd wfd;
    CURLMsg *m;
    int running = 0, left = 0;

    refresh_dns(wh);
    memset(&wfd, 0, sizeof(wfd));
    wfd.fd = extra_fd;
    wfd.events = CURL_WAIT_POLLIN;
    if (wh->n_done > 0)
        timeout_ms = 0; /* results wait for the caller */
    if (curl_multi_poll(wh->multi, extra_fd >= 0 ? &wfd : NULL,
                        extra_fd >= 0 ? 1 : 0, timeout_ms, NULL) != CURLM_OK ||
        curl_multi_perform(wh->multi, &running) != CURLM_OK)
        return NF_E_NOMEM;
    for (m = curl_multi_info_read(wh->multi, &left); m;
         m = curl_multi_info_read(wh->multi, &left))
        if (m->msg == CURLMSG_DONE)
            finish(wh, m->easy_handle, m->data.result);
    return 0;
}

void nf_webhook_cancel_all(struct nf_webhook *wh)
{
    size_t i;

    for (i = 0; i < wh->n_slots; i++)
        if (wh->slots[i].busy) {
            snprintf(wh->slots[i].errbuf, sizeof(wh->slots[i].errbuf),
                     "aborted at shutdown");
            finish(wh, wh->slots[i].e, CURLE_ABORTED_BY_CALLBACK);
        }
}

size_t nf_webhook_collect(struct nf_webhook *wh, struct nf_webhook_result *out,
                          size_t cap)
{
    size_t n = wh->n_done < cap ? wh->n_done : cap;

    memcpy(out, wh->done, n * sizeof(*out));
    memmove(wh->done, wh->done + n, (wh->n_done - n) * sizeof(*out));
    wh->n_done -= n;
    return n;
}
