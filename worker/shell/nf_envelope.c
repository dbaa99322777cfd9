/*
 * nf_envelope.c - JSON envelope parsing (jansson).
 *
 * Forms:
 *   `{"text":"…","published_at":"2024-05-01"}`  → envelope, reference day
 *       2024-05-01 (published_at wins over fetched_at; only the first ten
 *       characters are read, so "2024-05-01T09:00:00+09:00" works too)
 *   `  {"text": 1}`            → envelope_invalid (text not a string)
 *   `{"text":"a", "url": 3}`   → envelope_invalid (metadata not string/null)
 *   `{"text":"a"`              → envelope_json (offset of the error)
 *   `お知らせ…`                 → not an envelope: the raw notice
 * Unknown keys are ignored (producers may add fields). Duplicate keys are
 * refused (JSON_REJECT_DUPLICATES): which one would be meant is a guess.
 * "\u0000" in text is accepted by the parser (JSON_ALLOW_NUL) so that the
 * core refuses it as binary with its offset, like a raw NUL.
 *
 * Decision: a value that starts with '{' but does not parse is a dead
 * letter, not a raw notice: a Japanese notice does not start with a brace,
 * so such a value is a producer bug and enriching the JSON text would only
 * publish garbage records.
 */
#include <string.h>

#include "nf_envelope.h"

/* The metadata fields copied into the record (contract order). */
static const char *const meta_keys[] = {"id", "url", "source", "fetched_at",
                                        "published_at"};

bool nf_envelope_detect(const char *value, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        char c = value[i];

        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        return c == '{';
    }
    return false;
}

static struct nf_sv *meta_field(struct nf_envelope *env, size_t i)
{
    struct nf_sv *f[] = {&env->id, &env->url, &env->source, &env->fetched_at,
                         &env->published_at};
    return f[i];
}

int nf_envelope_parse(const char *value, size_t len, struct nf_envelope *env,
                      struct nf_err *err)
{
    json_error_t jerr;
    json_t *t;
    size_t i;
    int rc;

    memset(env, 0, sizeof(*env));
    env->root =
        json_loadb(value, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!env->root)
        return nf_err_set(err, NF_E_ENVELOPE_JSON, (size_t)jerr.position,
                          "envelope is not valid JSON: %s", jerr.text);
    if (!json_is_object(env->root)) {
        rc = nf_err_set(err, NF_E_ENVELOPE_INVALID, 0,
                        "envelope is not a JSON object");
        goto fail;
    }
    t = json_object_get(env->root, "text");
    if (!json_is_string(t)) {
        rc = nf_err_set(err, NF_E_ENVELOPE_INVALID, 0,
                        "envelope has no string \"text\"");
        goto fail;
    }
    env->text.ptr = json_string_value(t);
    env->text.len = json_string_length(t);
    for (i = 0; i < sizeof(meta_keys) / sizeof(meta_keys[0]); i++) {
        json_t *m = json_object_get(env->root, meta_keys[i]);

        if (!m || json_is_null(m))
            continue;
        if (!json_is_string(m)) {
            rc = nf_err_set(err, NF_E_ENVELOPE_INVALID, 0,
                            "envelope field \"%s\" is not a string",
                            meta_keys[i]);
            goto fail;
        }
        meta_field(env, i)->ptr = json_string_value(m);
        meta_field(env, i)->len = json_string_length(m);
    }
    return 0;
fail:
    nf_envelope_free(env);
    return rc;
}

void nf_envelope_free(struct nf_envelope *env)
{
    if (!env)
        return;
    json_decref(env->root);
    memset(env, 0, sizeof(*env));
}

static int digits(const char *s, size_t n, int *out)
{
    size_t i;
    int v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int nf_envelope_parse_day(const char *s, size_t len, struct nf_ymd *out)
{
    struct nf_ymd d;
    char buf[11];

    if (!s || len < 10 || s[4] != '-' || s[7] != '-')
        return -1;
    if (digits(s, 4, &d.y) || digits(s + 5, 2, &d.m) || digits(s + 8, 2, &d.d))
        return -1;
    /* nf_ymd_format validates the calendar day (leap years included) */
    if (d.y < 1 || nf_ymd_format(d, buf) != 0)
        return -1;
    *out = d;
    return 0;
}

int nf_envelope_reference(const struct nf_envelope *env, struct nf_ymd *out)
{
    if (nf_envelope_parse_day(env->published_at.ptr, env->published_at.len,
                              out) == 0)
        return 0;
    return nf_envelope_parse_day(env->fetched_at.ptr, env->fetched_at.len, out);
}
