/*
 * nf_log.c - JSON lines on stderr, with secret redaction.
 *
 * Why JSON lines: the worker runs under an orchestrator that ships stderr to
 * a log store; one object per line is parsed without rules, and fields stay
 * typed (partition is a number, not a substring).
 *
 * Redaction is done on the finished line rather than on the fields: the
 * secret may reach a line through any path (a librdkafka error string that
 * quotes a property, a config echo), and the line is the last place where
 * all paths meet. Both the raw value and its JSON-escaped form are searched,
 * since the line is JSON. Alternatives discarded: relying on librdkafka's
 * own redaction (it covers only its conf dump) or on callers (one forgotten
 * call is a leak).
 *
 * Cost: one json_dumps per line plus a scan per secret; logging is off the
 * per-message path (per-message events are debug level).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "nf_log.h"

#define MAX_SECRETS 16
#define REDACTED    "***"

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static enum nf_log_level min_level = NF_LOG_INFO;
static FILE *out_stream;
/* Each secret twice: as given and JSON-escaped (without quotes). */
static char *secrets[2 * MAX_SECRETS];
static size_t n_secrets;

void nf_log_set_level(enum nf_log_level lvl)
{
    min_level = lvl;
}

int nf_log_level_parse(const char *s, enum nf_log_level *out)
{
    size_t i;

    for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum nf_log_level)i;
            return 0;
        }
    return -1;
}

void nf_log_set_stream(FILE *f)
{
    out_stream = f;
}

static int push_secret(const char *s, size_t len)
{
    char *p;

    if (len == 0)
        return 0;
    if (n_secrets >= 2 * MAX_SECRETS)
        return -1;
    p = malloc(len + 1);
    if (!p)
        return -1;
    memcpy(p, s, len);
    p[len] = '\0';
    secrets[n_secrets++] = p;
    return 0;
}

int nf_log_add_secret(const char *value)
{
    json_t *js;
    char *esc;
    int rc;

    if (!value || !*value)
        return 0;
    if (push_secret(value, strlen(value)) != 0)
        return -1;
    js = json_string(value);
    esc = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;
    json_decref(js);
    /* The escaped form differs only when the value holds '"', '\\' or
     * control bytes; storing it twice is harmless otherwise. */
    rc = esc ? push_secret(esc + 1, strlen(esc) - 2) : -1;
    free(esc);
    return rc;
}

void nf_log_clear_secrets(void)
{
    size_t i;

    for (i = 0; i < n_secrets; i++)
        free(secrets[i]);
    n_secrets = 0;
}

/* Replace every occurrence of each secret in @p line (NUL-terminated,
 * owned) by REDACTED. Returns the possibly reallocated line. */
static char *redact(char *line)
{
    size_t i;

    for (i = 0; i < n_secrets && line; i++) {
        const char *sec = secrets[i];
        size_t sl = strlen(sec), rl = strlen(REDACTED), n = 0, len, o = 0;
        const char *p = line, *hit;
        char *res;

        for (hit = strstr(p, sec); hit; hit = strstr(p, sec)) {
            n++;
            p = hit + sl;
        }
        if (n == 0)
            continue;
        len = strlen(line);
        res = malloc(len - n * sl + n * rl + 1);
        if (!res) {
            free(line);
            return NULL;
        }
        p = line;
        for (hit = strstr(p, sec); hit; hit = strstr(p, sec)) {
            memcpy(res + o, p, (size_t)(hit - p));
            o += (size_t)(hit - p);
            memcpy(res + o, REDACTED, rl);
            o += rl;
            p = hit + sl;
        }
        memcpy(res + o, p, strlen(p) + 1);
        free(line);
        line = res;
    }
    return line;
}

static void now_iso(char buf[32])
{
    struct timespec ts;
    struct tm tm;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

static void emit(enum nf_log_level lvl, const char *msg, json_t *fields)
{
    json_t *o = json_object(), *js;
    char ts[32];
    char *line = NULL;
    FILE *f = out_stream ? out_stream : stderr;

    if (!o)
        goto out;
    now_iso(ts);
    json_object_set_new(o, "time", json_string(ts));
    json_object_set_new(o, "level", json_string(level_names[lvl]));
    /* Invalid UTF-8 in a message (a broker string) must not lose the
     * line: jansson refuses it, so fall back to a marker. */
    js = msg ? json_string(msg) : NULL;
    json_object_set_new(o, "msg", js ? js : json_string("(unprintable)"));
    if (fields)
        json_object_update_missing(o, fields);
    line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    line = redact(line);
    if (!line)
        goto out;
    flockfile(f);
    fputs(line, f);
    fputc('\n', f);
    fflush(f);
    funlockfile(f);
out:
    free(line);
    json_decref(o);
}

void nf_log(enum nf_log_level lvl, const char *msg, const char *fields, ...)
{
    json_t *fo = NULL;
    json_error_t jerr;
    va_list ap;

    if (lvl < min_level || lvl > NF_LOG_ERROR)
        return;
    if (fields) {
        va_start(ap, fields);
        fo = json_vpack_ex(&jerr, 0, fields, ap);
        va_end(ap);
        if (!fo)
            fo = json_pack("{s:s}", "log_fields_error", jerr.text);
    }
    emit(lvl, msg, fo);
    json_decref(fo);
}

void nf_log_rdkafka_cb(const rd_kafka_t *rk, int level, const char *fac,
                       const char *buf)
{
    enum nf_log_level lvl;

    /* syslog levels: 0-3 emerg..err, 4 warning, 5-6 notice/info, 7 debug */
    if (level <= 3)
        lvl = NF_LOG_ERROR;
    else if (level == 4)
        lvl = NF_LOG_WARN;
    else if (level <= 6)
        lvl = NF_LOG_INFO;
    else
        lvl = NF_LOG_DEBUG;
    nf_log(lvl, buf, "{s:s,s:s}", "client", rk ? rd_kafka_name(rk) : "",
           "facility", fac ? fac : "");
}
