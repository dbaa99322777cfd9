/*
 * nf_schema.c - Parsing Canonical Form and CRC-64-AVRO fingerprints.
 *
 * The PCF (Avro spec 1.11 "Parsing Canonical Form for Schemas") rewrites a
 * schema so that two schemas that parse the same are byte-identical:
 *   [PRIMITIVES] {"type":"int","logicalType":"date"}  → "int"
 *   [FULLNAMES]  {"name":"Span"} inside namespace noticeflow.v1
 *                → {"name":"noticeflow.v1.Span"}; references likewise
 *   [STRIP]      only name, type, fields, symbols, items, values, size
 *                (doc, default, aliases, namespace, logicalType dropped)
 *   [ORDER]      name, type, fields, symbols, items, values, size
 *   [WHITESPACE] none outside strings; [INTEGERS] no leading zeros
 * e.g. {"type":"record","name":"A","namespace":"x","doc":"d","fields":
 * [{"name":"f","type":{"type":"long"},"default":0}]}
 *   → {"name":"x.A","type":"record","fields":[{"name":"f","type":"long"}]}
 *
 * Approach: parse with jansson, walk the tree once carrying the enclosing
 * namespace, write the canonical text into an nf_buf. Names and symbols are
 * written as given (the spec restricts them to [A-Za-z0-9_.]), as fastavro
 * does. Depth is capped (MAX_DEPTH) so a hostile schema cannot exhaust the
 * stack; schemas are ours, but the function is general.
 *
 * The fingerprint is the Rabin CRC-64 of the spec ("CRC-64-AVRO", empty
 * value 0xc15d213aa4d7a795) over the PCF bytes, table-driven; the single-
 * object header carries it little-endian.
 */
#include <string.h>

#include <jansson.h>

#include "nf_schema.h"

#define MAX_DEPTH   64
#define CRC64_EMPTY 0xc15d213aa4d7a795ULL

extern const char nf_schema_notice_event_text[];
extern const size_t nf_schema_notice_event_len;
extern const char nf_schema_dead_letter_text[];
extern const size_t nf_schema_dead_letter_len;

/* The Avro primitive type names ([PRIMITIVES]: written as a bare string). */
static const char *const primitives[] = {
    "null", "boolean", "int", "long", "float", "double", "bytes", "string",
};

const char *nf_schema_text(enum nf_schema_id id, size_t *len)
{
    const char *t = nf_schema_notice_event_text;
    size_t l = nf_schema_notice_event_len;

    if (id == NF_SCHEMA_DEAD_LETTER) {
        t = nf_schema_dead_letter_text;
        l = nf_schema_dead_letter_len;
    }
    if (len)
        *len = l;
    return t;
}

static int is_primitive(const char *s)
{
    size_t i;

    for (i = 0; i < sizeof(primitives) / sizeof(primitives[0]); i++)
        if (strcmp(s, primitives[i]) == 0)
            return 1;
    return 0;
}

static void put_str(struct nf_buf *out, const char *s)
{
    nf_buf_puts(out, "\"");
    nf_buf_puts(out, s);
    nf_buf_puts(out, "\"");
}

/* Full name of @p name in namespace @p ns: a dotted name is already full. */
static void put_fullname(struct nf_buf *out, const char *name, const char *ns)
{
    nf_buf_puts(out, "\"");
    if (!strchr(name, '.') && ns && *ns) {
        nf_buf_puts(out, ns);
        nf_buf_puts(out, ".");
    }
    nf_buf_puts(out, name);
    nf_buf_puts(out, "\"");
}

static int canon(json_t *s, const char *ns, int depth, struct nf_buf *out,
                 struct nf_err *err);

/* A named type (record, enum, fixed): its full name and the namespace its
 * children inherit. Returns 0 or an error. */
static int named(json_t *s, const char *ns, struct nf_buf *out, char *child_ns,
                 size_t cap, struct nf_err *err)
{
    const char *name = json_string_value(json_object_get(s, "name"));
    const char *own = json_string_value(json_object_get(s, "namespace"));
    const char *dot;

    if (!name || !*name)
        return nf_err_set(err, NF_E_AVRO, 0, "named type without a name");
    if (own)
        ns = own;
    nf_buf_puts(out, "{\"name\":");
    dot = strrchr(name, '.');
    if (dot) {
        put_str(out, name);
        snprintf(child_ns, cap, "%.*s", (int)(dot - name), name);
    } else {
        put_fullname(out, name, ns);
        snprintf(child_ns, cap, "%s", ns ? ns : "");
    }
    return 0;
}

static int canon_object(json_t *s, const char *ns, int depth,
                        struct nf_buf *out, struct nf_err *err)
{
    json_t *type = json_object_get(s, "type");
    const char *t = json_string_value(type);
    char child_ns[512];
    size_t i;
    int rc;

    if (!type)
        return nf_err_set(err, NF_E_AVRO, 0, "schema object without type");
    if (!t) /* {"type": {...}} or {"type": [...]}: the inner schema */
        return canon(type, ns, depth + 1, out, err);
    if (strcmp(t, "record") == 0 || strcmp(t, "error") == 0) {
        json_t *fields = json_object_get(s, "fields");

        if (!json_is_array(fields))
            return nf_err_set(err, NF_E_AVRO, 0, "record without fields");
        rc = named(s, ns, out, child_ns, sizeof(child_ns), err);
        if (rc)
            return rc;
        nf_buf_puts(out, ",\"type\":\"record\",\"fields\":[");
        for (i = 0; i < json_array_size(fields); i++) {
            json_t *f = json_array_get(fields, i);
            const char *fn = json_string_value(json_object_get(f, "name"));

            if (!fn)
                return nf_err_set(err, NF_E_AVRO, 0, "field without name");
            if (i)
                nf_buf_puts(out, ",");
            nf_buf_puts(out, "{\"name\":");
            put_str(out, fn);
            nf_buf_puts(out, ",\"type\":");
            rc = canon(json_object_get(f, "type"), child_ns, depth + 1, out,
                       err);
            if (rc)
                return rc;
            nf_buf_puts(out, "}");
        }
        nf_buf_puts(out, "]}");
        return 0;
    }
    if (strcmp(t, "enum") == 0) {
        json_t *syms = json_object_get(s, "symbols");

        if (!json_is_array(syms))
            return nf_err_set(err, NF_E_AVRO, 0, "enum without symbols");
        rc = named(s, ns, out, child_ns, sizeof(child_ns), err);
        if (rc)
            return rc;
        nf_buf_puts(out, ",\"type\":\"enum\",\"symbols\":[");
        for (i = 0; i < json_array_size(syms); i++) {
            const char *sym = json_string_value(json_array_get(syms, i));

            if (!sym)
                return nf_err_set(err, NF_E_AVRO, 0, "bad enum symbol");
            if (i)
                nf_buf_puts(out, ",");
            put_str(out, sym);
        }
        nf_buf_puts(out, "]}");
        return 0;
    }
    if (strcmp(t, "fixed") == 0) {
        json_t *size = json_object_get(s, "size");
        char num[32];

        if (!json_is_integer(size) || json_integer_value(size) < 0)
            return nf_err_set(err, NF_E_AVRO, 0, "fixed without size");
        rc = named(s, ns, out, child_ns, sizeof(child_ns), err);
        if (rc)
            return rc;
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(size));
        nf_buf_puts(out, ",\"type\":\"fixed\",\"size\":");
        nf_buf_puts(out, num);
        nf_buf_puts(out, "}");
        return 0;
    }
    if (strcmp(t, "array") == 0 || strcmp(t, "map") == 0) {
        int arr = t[0] == 'a';
        json_t *inner = json_object_get(s, arr ? "items" : "values");

        if (!inner)
            return nf_err_set(err, NF_E_AVRO, 0, "%s without %s", t,
                              arr ? "items" : "values");
        nf_buf_puts(out, arr ? "{\"type\":\"array\",\"items\":"
                             : "{\"type\":\"map\",\"values\":");
        rc = canon(inner, ns, depth + 1, out, err);
        if (rc)
            return rc;
        nf_buf_puts(out, "}");
        return 0;
    }
    /* a primitive with attributes, or a reference: {"type":"Span"} */
    return canon(type, ns, depth + 1, out, err);
}

static int canon(json_t *s, const char *ns, int depth, struct nf_buf *out,
                 struct nf_err *err)
{
    size_t i;
    int rc;

    if (depth > MAX_DEPTH)
        return nf_err_set(err, NF_E_AVRO, 0, "schema nested deeper than %d",
                          MAX_DEPTH);
    if (json_is_string(s)) {
        const char *t = json_string_value(s);

        if (is_primitive(t))
            put_str(out, t);
        else
            put_fullname(out, t, ns);
        return 0;
    }
    if (json_is_array(s)) {
        nf_buf_puts(out, "[");
        for (i = 0; i < json_array_size(s); i++) {
            if (i)
                nf_buf_puts(out, ",");
            rc = canon(json_array_get(s, i), ns, depth + 1, out, err);
            if (rc)
                return rc;
        }
        nf_buf_puts(out, "]");
        return 0;
    }
    if (json_is_object(s))
        return canon_object(s, ns, depth, out, err);
    return nf_err_set(err, NF_E_AVRO, 0, "not a schema");
}

int nf_schema_fullname(const char *json, size_t len, char *out, size_t cap,
                       struct nf_err *err)
{
    json_t *root = json_loadb(json, len, 0, NULL);
    const char *name = json_string_value(json_object_get(root, "name"));
    const char *ns = json_string_value(json_object_get(root, "namespace"));
    int n, rc = 0;

    if (!name || !*name) {
        rc = nf_err_set(err, NF_E_AVRO, 0, "schema has no top-level name");
        goto out;
    }
    if (strchr(name, '.') || !ns || !*ns)
        n = snprintf(out, cap, "%s", name);
    else
        n = snprintf(out, cap, "%s.%s", ns, name);
    if (n < 0 || (size_t)n >= cap)
        rc = nf_err_set(err, NF_E_AVRO, 0, "schema name too long");
out:
    json_decref(root);
    return rc;
}

int nf_schema_canonical(const char *json, size_t len, struct nf_buf *out,
                        struct nf_err *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_DECODE_ANY, &jerr);
    int rc;

    if (!root)
        return nf_err_set(err, NF_E_AVRO, (size_t)jerr.position,
                          "schema is not JSON: %s", jerr.text);
    rc = canon(root, "", 0, out, err);
    json_decref(root);
    if (rc == 0 && out->failed)
        rc = nf_err_set(err, NF_E_AVRO, 0, "canonical form too large");
    return rc;
}

uint64_t nf_schema_crc64(const void *data, size_t len)
{
    /* The table is a pure function of the polynomial; computing it per
     * call (2 KiB of work) keeps the module free of mutable globals, and
     * fingerprints are computed once per schema at start-up. */
    uint64_t table[256], fp = CRC64_EMPTY;
    const unsigned char *p = data;
    size_t i;
    int j;

    for (i = 0; i < 256; i++) {
        uint64_t x = i;

        for (j = 0; j < 8; j++)
            x = (x >> 1) ^ (CRC64_EMPTY & (0 - (x & 1)));
        table[i] = x;
    }
    for (i = 0; i < len; i++)
        fp = (fp >> 8) ^ table[(fp ^ p[i]) & 0xff];
    return fp;
}

void nf_schema_fp_bytes(uint64_t fp, unsigned char out[8])
{
    int i;

    for (i = 0; i < 8; i++)
        out[i] = (unsigned char)(fp >> (8 * i));
}

void nf_schema_fp_hex(uint64_t fp, char out[17])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[8];
    int i;

    nf_schema_fp_bytes(fp, b);
    for (i = 0; i < 8; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[16] = '\0';
}
