/*
 * nf_registry.c - schema ids from a Confluent-compatible schema registry.
 *
 * Start-up only: nf_registry_resolve() runs before the consumer subscribes,
 * once per confluent-framed output slot, e.g. with TopicNameStrategy
 *   output.topic.incident=notices.incident → subject notices.incident-value
 *   POST /subjects/notices.incident-value/versions → {"id": 7}
 * and the pipelines frame every record of that topic with 00 00000007.
 * Ids never change for a given schema in a registry, so there is nothing
 * to refresh while running; a restart re-resolves (and re-registers: a
 * registry answers the existing id for a schema it already has).
 *
 * Each reply is classified by a pure function (nf_registry_parse_reply)
 * so every refusal message is unit-tested; the curl part only moves bytes.
 * Transport: one easy handle, blocking, timeouts always set (libcurl's
 * default is to wait for ever), no redirects, http/https only, the body
 * capped at NF_REGISTRY_MAX_BODY. Basic auth via CURLOPT_USERPWD; the
 * password is registered as a log secret so no line can show it.
 *
 * Retries: transient failures wait backoff_ms, 2x, 4x ... (capped at 30 s),
 * schema.registry.retries times, in 50 ms slices that watch the stop flag
 * so SIGTERM during start-up is honoured at once. Then the worker exits 1
 * saying the registry is unreachable. Discarded: retrying for ever (an
 * orchestrator restart with a clear log is easier to operate) and
 * resolving lazily on the first record (a refusal would then surface as
 * dead letters or a crash mid-stream instead of a clean start failure).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "nf_config.h"
#include "nf_log.h"
#include "nf_registry.h"
#include "nf_schema.h"

/* Media type of the registry's API (its docs and clients send it). */
#define MEDIA_TYPE "application/vnd.schemaregistry.v1+json"
/* Sleep slice while waiting to retry: bounds the reaction to SIGTERM. */
#define SLICE_MS 50
/* Connect timeout: within the request timeout, at most this. */
#define MAX_CONNECT_MS 10000

/* Confluent error codes that the registry puts in {"error_code": N}. */
static const struct {
    long code;
    const char *meaning;
} reg_codes[] = {
    {40401, "subject not found"},
    {40402, "version not found"},
    {40403, "schema not found under this subject"},
    {409, "incompatible with an earlier version (compatibility rule)"},
    {42201, "invalid schema"},
    {42202, "invalid version"},
    {40101, "unauthorized"},
    {40301, "forbidden"},
    {50001, "registry backend store error"},
    {50002, "registry operation timed out"},
    {50003, "error forwarding to the registry leader"},
};

struct cache_entry {
    char *subject;
    uint64_t fp;
    int32_t id;
};

struct nf_registry {
    struct nf_registry_opts o;
    char *url;       /* without trailing '/' */
    char *shown_url; /* without user:password@ (for messages) */
    CURL *curl;
    struct curl_slist *hdrs;
    struct cache_entry cache[NF_REGISTRY_MAX_CACHE];
    size_t n_cache;
};

/* ---- pure parts ------------------------------------------------------- */

long nf_registry_backoff_ms(long base, long attempt)
{
    long d = base;

    while (attempt-- > 0 && d < NF_REGISTRY_MAX_BACKOFF_MS)
        d *= 2;
    return d > NF_REGISTRY_MAX_BACKOFF_MS ? NF_REGISTRY_MAX_BACKOFF_MS : d;
}

static int dump_cb(const char *buf, size_t size, void *data)
{
    return nf_buf_append(data, buf, size);
}

int nf_registry_request_body(const char *schema, size_t len, struct nf_buf *out,
                             struct nf_err *err)
{
    json_t *o = json_object();
    int rc = -1;

    if (o && json_object_set_new(o, "schema", json_stringn(schema, len)) == 0)
        rc = json_dump_callback(o, dump_cb, out, JSON_COMPACT);
    json_decref(o);
    if (rc != 0 || out->failed)
        return nf_err_set(err, NF_E_NOMEM, 0,
                          "registry request: out of memory or schema not "
                          "UTF-8");
    return 0;
}

static const char *code_meaning(long code)
{
    size_t i;

    for (i = 0; i < sizeof(reg_codes) / sizeof(reg_codes[0]); i++)
        if (reg_codes[i].code == code)
            return reg_codes[i].meaning;
    return NULL;
}

static bool same_canonical(const char *a, size_t al, const char *b, size_t bl)
{
    struct nf_buf x = {0}, y = {0};
    bool same = nf_schema_canonical(a, al, &x, NULL) == 0 &&
                nf_schema_canonical(b, bl, &y, NULL) == 0 && x.len == y.len &&
                memcmp(x.p, y.p, x.len) == 0;

    nf_buf_free(&x);
    nf_buf_free(&y);
    return same;
}

static enum nf_registry_verdict ok_reply(enum nf_registry_op op,
                                         const char *subject, json_t *root,
                                         const char *schema, size_t len,
                                         int32_t *id, struct nf_err *err)
{
    json_t *jid = json_object_get(root, "id");
    const char *theirs = json_string_value(json_object_get(root, "schema"));
    json_int_t v = json_integer_value(jid);

    if (!json_is_integer(jid) || v < 0 || v > INT32_MAX) {
        nf_err_set(err, NF_E_AVRO, 0,
                   "schema registry: subject %s: reply without a valid "
                   "\"id\" (is schema.registry.url a schema registry?)",
                   subject);
        return NF_REG_FAIL;
    }
    if (op == NF_REG_LATEST &&
        (!theirs || !same_canonical(theirs, strlen(theirs), schema, len))) {
        nf_err_set(err, NF_E_AVRO, 0,
                   "schema registry: subject %s: the latest version (id "
                   "%lld) is not the worker's schema; records would be "
                   "unreadable with it. Register the worker's schema or "
                   "set schema.registry.use.latest.version=false",
                   subject, (long long)v);
        return NF_REG_FAIL;
    }
    *id = (int32_t)v;
    return NF_REG_OK;
}

enum nf_registry_verdict
nf_registry_parse_reply(enum nf_registry_op op, const char *subject,
                        long status, const char *body, size_t body_len,
                        const char *schema, size_t len, int32_t *id,
                        struct nf_err *err)
{
    json_t *root = body_len ? json_loadb(body, body_len, 0, NULL) : NULL;
    const char *msg = json_string_value(json_object_get(root, "message"));
    long code = (long)json_integer_value(json_object_get(root, "error_code"));
    const char *meaning = code_meaning(code);
    enum nf_registry_verdict v = NF_REG_FAIL;
    char what[160];

    if (!msg)
        msg = "";
    /* the registry's own words only when the code is unknown to us: its
     * messages repeat the subject, and nf_err messages are short */
    snprintf(what, sizeof(what), "%s", meaning ? meaning : msg);
    if (status >= 200 && status < 300) {
        v = ok_reply(op, subject, root, schema, len, id, err);
    } else if (status == 409 || code == 409) {
        nf_err_set(err, NF_E_AVRO, 0,
                   "schema registry REFUSED the schema for subject %s: "
                   "incompatible with its earlier versions (HTTP 409); see "
                   "the subject's compatibility level and "
                   "schemas/README.md",
                   subject);
    } else if (status == 404 && (op == NF_REG_LOOKUP || op == NF_REG_LATEST) &&
               (code == 40401 || code == 40403 || code == 40402)) {
        nf_err_set(err, NF_E_AVRO, 0,
                   "schema registry: schema not registered under subject "
                   "%s (404: %s); register it or set "
                   "schema.registry.auto.register.schemas=true",
                   subject, what);
    } else if (status == 401 || status == 403) {
        nf_err_set(err, NF_E_AVRO, 0,
                   "schema registry: subject %s: HTTP %ld %s (check "
                   "schema.registry.basic.auth.user.info)",
                   subject, status, *what ? what : "access denied");
    } else if (status == 408 || status == 429 || status >= 500) {
        nf_err_set(err, NF_E_AVRO, 0,
                   "schema registry: subject %s: HTTP %ld%s%s", subject, status,
                   *what ? " " : "", what);
        v = NF_REG_RETRY;
    } else {
        nf_err_set(err, NF_E_AVRO, 0,
                   "schema registry: subject %s: HTTP %ld%s%s%s", subject,
                   status, *what ? " " : "", what,
                   status == 404 ? " (is schema.registry.url the registry's "
                                   "base URL?)"
                                 : "");
    }
    json_decref(root);
    return v;
}

/* ---- transport -------------------------------------------------------- */

static size_t write_cb(char *ptr, size_t size, size_t n, void *data)
{
    struct nf_buf *b = data;

    if (b->len + size * n > NF_REGISTRY_MAX_BODY ||
        nf_buf_append(b, ptr, size * n) != 0)
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    return size * n;
}

static char *strip_userinfo(const char *url)
{
    const char *s = strstr(url, "://"), *at, *slash;
    size_t n;
    char *out;

    if (!s)
        return strdup(url);
    s += 3;
    slash = strchr(s, '/');
    at = strchr(s, '@');
    if (!at || (slash && at > slash))
        return strdup(url);
    n = strlen(url) - (size_t)(at + 1 - s);
    out = malloc(n + 1);
    if (out) {
        memcpy(out, url, (size_t)(s - url));
        memcpy(out + (s - url), at + 1, strlen(at + 1) + 1);
    }
    return out;
}

struct nf_registry *nf_registry_new(const struct nf_registry_opts *o,
                                    struct nf_err *err)
{
    struct nf_registry *r = calloc(1, sizeof(*r));
    size_t n;

    if (!r) {
        nf_err_set(err, NF_E_NOMEM, 0, "out of memory");
        return NULL;
    }
    r->o = *o;
    r->url = strdup(o->url ? o->url : "");
    r->shown_url = strip_userinfo(o->url ? o->url : "");
    if (!r->url || !r->shown_url)
        goto nomem;
    n = strlen(r->url);
    while (n > 0 && r->url[n - 1] == '/')
        r->url[--n] = '\0';
    if (o->user_info) {
        const char *pw = strchr(o->user_info, ':');

        if (pw && pw[1])
            nf_log_add_secret(pw + 1);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    r->curl = curl_easy_init();
    r->hdrs = curl_slist_append(NULL, "Content-Type: " MEDIA_TYPE);
    if (r->hdrs)
        r->hdrs = curl_slist_append(r->hdrs,
                                    "Accept: " MEDIA_TYPE ", application/json");
    if (!r->curl || !r->hdrs)
        goto nomem;
    return r;
nomem:
    nf_err_set(err, NF_E_NOMEM, 0, "schema registry client: out of memory");
    nf_registry_destroy(r);
    return NULL;
}

void nf_registry_destroy(struct nf_registry *r)
{
    size_t i;

    if (!r)
        return;
    for (i = 0; i < r->n_cache; i++)
        free(r->cache[i].subject);
    if (r->curl) {
        curl_easy_cleanup(r->curl);
        curl_global_cleanup();
    }
    curl_slist_free_all(r->hdrs);
    free(r->url);
    free(r->shown_url);
    free(r);
}

/* TLS and name errors that a retry cannot fix. */
static bool curl_permanent(CURLcode c)
{
    return c == CURLE_PEER_FAILED_VERIFICATION ||
           c == CURLE_SSL_CACERT_BADFILE || c == CURLE_SSL_CERTPROBLEM ||
           c == CURLE_UNSUPPORTED_PROTOCOL || c == CURLE_URL_MALFORMAT;
}

/* One request. Returns the verdict; @p err says why when not OK. */
static enum nf_registry_verdict
request(struct nf_registry *r, enum nf_registry_op op, const char *subject,
        const char *schema, size_t len, int32_t *id, struct nf_err *err)
{
    CURL *c = r->curl;
    struct nf_buf url = {0}, req = {0}, resp = {0};
    char errbuf[CURL_ERROR_SIZE] = "";
    char *esc = curl_easy_escape(c, subject, 0);
    long status = 0;
    CURLcode cc;
    enum nf_registry_verdict v = NF_REG_FAIL;

    resp.max = NF_REGISTRY_MAX_BODY + 1;
    nf_buf_puts(&url, r->url);
    nf_buf_puts(&url, "/subjects/");
    nf_buf_puts(&url, esc ? esc : "");
    if (op == NF_REG_REGISTER)
        nf_buf_puts(&url, "/versions");
    else if (op == NF_REG_LATEST)
        nf_buf_puts(&url, "/versions/latest");
    if (!esc || url.failed ||
        (op != NF_REG_LATEST &&
         nf_registry_request_body(schema, len, &req, err) != 0)) {
        if (!err || !err->code)
            nf_err_set(err, NF_E_NOMEM, 0, "out of memory");
        goto out;
    }
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url.p);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->o.timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     r->o.timeout_ms < MAX_CONNECT_MS ? r->o.timeout_ms
                                                      : MAX_CONNECT_MS);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, r->hdrs);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    if (r->o.user_info) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, r->o.user_info);
    }
    if (r->o.ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, r->o.ca_file);
    if (op == NF_REG_LATEST) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.p);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)req.len);
    }
    cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        nf_err_set(err, NF_E_AVRO, 0,
                   "schema registry %s unreachable for subject %s: %s",
                   r->shown_url, subject,
                   *errbuf ? errbuf : curl_easy_strerror(cc));
        v = curl_permanent(cc) ? NF_REG_FAIL : NF_REG_RETRY;
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    v = nf_registry_parse_reply(op, subject, status, resp.p, resp.len, schema,
                                len, id, err);
out:
    curl_free(esc);
    nf_buf_free(&url);
    nf_buf_free(&req);
    nf_buf_free(&resp);
    return v;
}

static bool stopped(const struct nf_registry *r)
{
    return r->o.stop && atomic_load(r->o.stop);
}

static void wait_ms(const struct nf_registry *r, long ms)
{
    struct timespec ts = {0, SLICE_MS * 1000000L};

    for (; ms > 0 && !stopped(r); ms -= SLICE_MS)
        nanosleep(&ts, NULL);
}

int nf_registry_schema_id(struct nf_registry *r, const char *subject,
                          const char *schema, size_t len, int32_t *id,
                          struct nf_err *err)
{
    enum nf_registry_op op = r->o.auto_register ? NF_REG_REGISTER
                             : r->o.use_latest  ? NF_REG_LATEST
                                                : NF_REG_LOOKUP;
    uint64_t fp = nf_schema_crc64(schema, len);
    enum nf_registry_verdict v = NF_REG_RETRY;
    struct cache_entry *ce;
    long attempt;
    size_t i;

    for (i = 0; i < r->n_cache; i++)
        if (r->cache[i].fp == fp && strcmp(r->cache[i].subject, subject) == 0) {
            *id = r->cache[i].id;
            return 0;
        }
    for (attempt = 0; v == NF_REG_RETRY; attempt++) {
        v = request(r, op, subject, schema, len, id, err);
        if (v != NF_REG_RETRY)
            break;
        if (attempt >= r->o.retries || stopped(r)) {
            if (err) {
                size_t l = strlen(err->msg);
                snprintf(err->msg + l, sizeof(err->msg) - l,
                         " (gave up after %ld attempts)", attempt + 1);
            }
            return NF_E_AVRO;
        }
        nf_log(NF_LOG_WARN, "schema registry request failed: retrying",
               "{s:s,s:i,s:I,s:s}", "subject", subject, "attempt",
               (int)(attempt + 1), "delay_ms",
               (json_int_t)nf_registry_backoff_ms(r->o.backoff_ms, attempt),
               "error", err ? err->msg : "");
        wait_ms(r, nf_registry_backoff_ms(r->o.backoff_ms, attempt));
    }
    if (v != NF_REG_OK)
        return err && err->code ? err->code : NF_E_AVRO;
    if (r->n_cache < NF_REGISTRY_MAX_CACHE) {
        ce = &r->cache[r->n_cache];
        ce->subject = strdup(subject);
        if (ce->subject) {
            ce->fp = fp;
            ce->id = *id;
            r->n_cache++;
        }
    }
    return 0;
}

int nf_registry_resolve(const struct nf_config *cfg,
                        const struct nf_outputs *plan, atomic_int *stop,
                        int32_t ids[NF_OUT__COUNT], struct nf_err *err)
{
    struct nf_registry_opts o;
    struct nf_registry *r = NULL;
    char record[256], subject[512];
    int s, rc = 0;

    for (s = 0; s < NF_OUT__COUNT; s++)
        ids[s] = -1;
    if (!plan->need_registry)
        return 0;
    memset(&o, 0, sizeof(o));
    o.url = cfg->registry_url;
    o.user_info = cfg->registry_user_info;
    o.ca_file = cfg->registry_ca_file;
    o.timeout_ms = cfg->registry_timeout_ms;
    o.retries = cfg->registry_retries;
    o.backoff_ms = cfg->registry_backoff_ms;
    o.auto_register = cfg->registry_auto_register;
    o.use_latest = cfg->registry_use_latest;
    o.stop = stop;
    r = nf_registry_new(&o, err);
    if (!r)
        return NF_E_NOMEM;
    for (s = 0; s < NF_OUT__COUNT && rc == 0; s++) {
        const struct nf_out_topic *t = &plan->slot[s];
        enum nf_schema_id sid = s == NF_OUT_DEAD_LETTER
                                    ? NF_SCHEMA_DEAD_LETTER
                                    : NF_SCHEMA_NOTICE_EVENT;
        size_t len;
        const char *text = nf_schema_text(sid, &len);

        if (t->format != NF_FORMAT_AVRO || t->framing != NF_FRAMING_CONFLUENT)
            continue;
        rc = nf_schema_fullname(text, len, record, sizeof(record), err);
        if (rc)
            break;
        if (nf_outputs_subject(plan->strategy, t->topic, record, subject,
                               sizeof(subject)) != 0) {
            rc = nf_err_set(err, NF_E_CONFIG, 0, "subject name too long");
            break;
        }
        rc = nf_registry_schema_id(r, subject, text, len, &ids[s], err);
        if (rc == 0)
            nf_log(NF_LOG_INFO, "schema id resolved", "{s:s,s:s,s:s,s:i}",
                   "output", nf_outputs_slot_name((enum nf_out_slot)s), "topic",
                   t->topic, "subject", subject, "schema_id", (int)ids[s]);
    }
    nf_registry_destroy(r);
    return rc;
}
