/*
 * test_nf_schema.c - Parsing Canonical Form and CRC-64-AVRO fingerprint.
 *
 * Expected values were computed with fastavro 1.13
 * (fastavro.schema.to_parsing_canonical_form / fingerprint(..,
 * "CRC-64-AVRO")) and pinned here; the fixture exercises every PCF rule:
 * namespaces inherited and overridden, dotted names, references, logical
 * types, doc/default/aliases stripping, enum, fixed, map, array, union.
 */
#include "nf_test.h"

#include "nf_schema.h"

static const char fixture[] =
    "{\"type\": \"record\", \"name\": \"Outer\", \"namespace\": \"ex.ns\", "
    "\"doc\": \"d\", \"aliases\": [\"O\"], \"fields\": [{\"name\": \"a\", "
    "\"type\": {\"type\": \"long\", \"logicalType\": \"timestamp-millis\"}, "
    "\"default\": 0, \"doc\": \"x\"}, {\"name\": \"b\", \"type\": [\"null\", "
    "{\"type\": \"record\", \"name\": \"Inner\", \"fields\": [{\"name\": "
    "\"c\", \"type\": \"string\"}]}], \"default\": null}, {\"name\": \"d\", "
    "\"type\": \"Inner\"}, {\"name\": \"e\", \"type\": {\"type\": \"enum\", "
    "\"name\": \"Color\", \"symbols\": [\"RED\", \"GREEN\"], \"doc\": "
    "\"c\"}}, {\"name\": \"f\", \"type\": {\"type\": \"fixed\", \"name\": "
    "\"other.Hash\", \"size\": 16}}, {\"name\": \"g\", \"type\": {\"type\": "
    "\"map\", \"values\": {\"type\": \"array\", \"items\": "
    "\"other.Hash\"}}}, {\"name\": \"h\", \"type\": {\"type\": \"record\", "
    "\"name\": \"Deep\", \"namespace\": \"z\", \"fields\": [{\"name\": "
    "\"i\", \"type\": {\"type\": \"int\"}}, {\"name\": \"j\", \"type\": "
    "{\"type\": \"enum\", \"name\": \"K\", \"symbols\": [\"A\"]}}]}}, "
    "{\"name\": \"k\", \"type\": \"z.K\"}]}";

static const char fixture_pcf[] =
    "{\"name\":\"ex.ns.Outer\",\"type\":\"record\",\"fields\":[{\"name\":"
    "\"a\",\"type\":\"long\"},{\"name\":\"b\",\"type\":[\"null\",{\"name\":"
    "\"ex.ns.Inner\",\"type\":\"record\",\"fields\":[{\"name\":\"c\","
    "\"type\":\"string\"}]}]},{\"name\":\"d\",\"type\":\"ex.ns.Inner\"},"
    "{\"name\":\"e\",\"type\":{\"name\":\"ex.ns.Color\",\"type\":\"enum\","
    "\"symbols\":[\"RED\",\"GREEN\"]}},{\"name\":\"f\",\"type\":{\"name\":"
    "\"other.Hash\",\"type\":\"fixed\",\"size\":16}},{\"name\":\"g\","
    "\"type\":{\"type\":\"map\",\"values\":{\"type\":\"array\",\"items\":"
    "\"other.Hash\"}}},{\"name\":\"h\",\"type\":{\"name\":\"z.Deep\","
    "\"type\":\"record\",\"fields\":[{\"name\":\"i\",\"type\":\"int\"},"
    "{\"name\":\"j\",\"type\":{\"name\":\"z.K\",\"type\":\"enum\","
    "\"symbols\":[\"A\"]}}]}},{\"name\":\"k\",\"type\":\"z.K\"}]}";

static void check_fp(const char *schema, const char *want_pcf,
                     const char *want_hex)
{
    struct nf_buf b = {0};
    struct nf_err err = {0};
    char hex[17];
    int rc = nf_schema_canonical(schema, strlen(schema), &b, &err);

    CHECK_INTEQ(rc, 0);
    if (rc == 0) {
        if (want_pcf)
            CHECK_STREQ(b.p, want_pcf);
        nf_schema_fp_hex(nf_schema_crc64(b.p, b.len), hex);
        CHECK_STREQ(hex, want_hex);
    }
    nf_buf_free(&b);
}

static void test_known_values(void)
{
    char hex[17];

    /* Primitive fingerprints (values fastavro and the Java library give) */
    check_fp("\"int\"", "\"int\"", "8f5c393f1ad57572");
    check_fp("{\"type\": \"string\"}", "\"string\"", "c70345637248018f");
    check_fp(fixture, fixture_pcf, "004c207a2438a13f");
    /* The empty input hashes to the CRC-64-AVRO "empty" constant. */
    nf_schema_fp_hex(nf_schema_crc64("", 0), hex);
    CHECK_STREQ(hex, "95a7d7a43a215dc1");
}

static void test_committed_schemas(void)
{
    size_t len;
    const char *t;

    /* Pinned from fastavro over schemas/<name>.avsc: a schema change must
     * update these on purpose (and schemas/README.md's evolution rules). */
    t = nf_schema_text(NF_SCHEMA_NOTICE_EVENT, &len);
    CHECK(len > 100 && t[len] == '\0', "embedded notice_event schema");
    check_fp(t, NULL, "bc85128b9970ba78");
    t = nf_schema_text(NF_SCHEMA_DEAD_LETTER, &len);
    CHECK(len > 100, "embedded dead_letter schema");
    check_fp(t, NULL, "0e3b5eb56ba7f470");
}

static void test_errors(void)
{
    struct nf_buf b = {0};
    struct nf_err err = {0};
    char deep[1024];
    size_t i, n = 0;

    CHECK_INTEQ(nf_schema_canonical("{", 1, &b, &err), NF_E_AVRO);
    nf_buf_free(&b);
    CHECK_INTEQ(nf_schema_canonical("{\"type\":\"record\",\"name\":\"A\"}", 28,
                                    &b, &err),
                NF_E_AVRO);
    nf_buf_free(&b);
    CHECK_INTEQ(nf_schema_canonical("42", 2, &b, &err), NF_E_AVRO);
    nf_buf_free(&b);
    /* nesting beyond the cap is refused, not a stack overflow */
    for (i = 0; i < 200; i++)
        deep[n++] = '[';
    for (i = 0; i < 200; i++)
        deep[n++] = ']';
    CHECK_INTEQ(nf_schema_canonical(deep, n, &b, &err), NF_E_AVRO);
    nf_buf_free(&b);
}

int main(void)
{
    test_known_values();
    test_committed_schemas();
    test_errors();
    return nf_test_failures != 0;
}
