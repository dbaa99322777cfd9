/*
 * test_nf_registry.c - the schema registry client without a registry:
 * every reply a registry can give is classified (id, retry, refusal with
 * a message naming the subject), the request body is the registry's JSON,
 * the backoff doubles up to its cap, and an unreachable registry (a closed
 * port on 127.0.0.1) fails after the configured retries with a message
 * saying so - or at once when the stop flag is raised. The real protocol
 * is exercised by tests/system/test_registry.py against a real registry.
 */
#include <time.h>

#include <jansson.h>

#include "nf_test.h"

#include "nf_registry.h"

static const char schema[] =
    "{\"type\": \"record\", \"name\": \"R\", \"namespace\": \"t.v1\", "
    "\"doc\": \"a \\\"quoted\\\" doc\", \"fields\": [{\"name\": \"a\", "
    "\"type\": \"long\"}]}";
/* the same schema as a registry may return it: canonical, no doc */
static const char same[] =
    "{\"name\":\"t.v1.R\",\"type\":\"record\",\"fields\":[{\"name\":\"a\","
    "\"type\":\"long\"}]}";
static const char other[] =
    "{\"name\":\"t.v1.R\",\"type\":\"record\",\"fields\":[{\"name\":\"a\","
    "\"type\":\"long\"},{\"name\":\"b\",\"type\":[\"null\",\"string\"],"
    "\"default\":null}]}";

static enum nf_registry_verdict reply(enum nf_registry_op op, long status,
                                      const char *body, int32_t *id,
                                      struct nf_err *err)
{
    memset(err, 0, sizeof(*err));
    return nf_registry_parse_reply(op, "notices.incident-value", status, body,
                                   strlen(body), schema, strlen(schema), id,
                                   err);
}

static void test_replies(void)
{
    struct nf_err err;
    int32_t id = -1;
    char latest[1024];

    CHECK_INTEQ(reply(NF_REG_REGISTER, 200, "{\"id\":7}", &id, &err),
                NF_REG_OK);
    CHECK_INTEQ(id, 7);
    CHECK_INTEQ(reply(NF_REG_LOOKUP, 200,
                      "{\"subject\":\"s\",\"id\":12,\"version\":2}", &id, &err),
                NF_REG_OK);
    CHECK_INTEQ(id, 12);
    /* incompatible: refused, not retried, says why and where */
    CHECK_INTEQ(reply(NF_REG_REGISTER, 409,
                      "{\"error_code\":409,\"message\":\"Schema being "
                      "registered is incompatible with an earlier schema\"}",
                      &id, &err),
                NF_REG_FAIL);
    CHECK(strstr(err.msg, "incompatible") && strstr(err.msg, "REFUSED") &&
              strstr(err.msg, "notices.incident-value"),
          "409 message: %s", err.msg);
    /* lookup of a schema that was never registered */
    CHECK_INTEQ(reply(NF_REG_LOOKUP, 404,
                      "{\"error_code\":40403,\"message\":\"Schema not "
                      "found\"}",
                      &id, &err),
                NF_REG_FAIL);
    CHECK(strstr(err.msg, "not registered under subject") &&
              strstr(err.msg, "auto.register.schemas"),
          "404 message: %s", err.msg);
    CHECK_INTEQ(reply(NF_REG_LOOKUP, 404, "{\"error_code\":40401}", &id, &err),
                NF_REG_FAIL);
    CHECK(strstr(err.msg, "subject not found"), "40401: %s", err.msg);
    /* transient */
    CHECK_INTEQ(reply(NF_REG_REGISTER, 500,
                      "{\"error_code\":50001,\"message\":\"store\"}", &id,
                      &err),
                NF_REG_RETRY);
    CHECK(strstr(err.msg, "HTTP 500"), "500: %s", err.msg);
    CHECK_INTEQ(reply(NF_REG_REGISTER, 503, "", &id, &err), NF_REG_RETRY);
    CHECK_INTEQ(reply(NF_REG_REGISTER, 429, "", &id, &err), NF_REG_RETRY);
    CHECK_INTEQ(reply(NF_REG_REGISTER, 408, "", &id, &err), NF_REG_RETRY);
    /* authentication */
    CHECK_INTEQ(reply(NF_REG_REGISTER, 401,
                      "{\"error_code\":40101,\"message\":\"Unauthorized\"}",
                      &id, &err),
                NF_REG_FAIL);
    CHECK(strstr(err.msg, "basic.auth"), "401: %s", err.msg);
    CHECK_INTEQ(reply(NF_REG_REGISTER, 422,
                      "{\"error_code\":42201,\"message\":\"bad\"}", &id, &err),
                NF_REG_FAIL);
    CHECK(strstr(err.msg, "invalid schema"), "422: %s", err.msg);
    /* not a registry: a 200 without an id, an HTML 404 */
    CHECK_INTEQ(reply(NF_REG_REGISTER, 200, "<html>", &id, &err), NF_REG_FAIL);
    CHECK(strstr(err.msg, "without a valid"), "no id: %s", err.msg);
    CHECK_INTEQ(reply(NF_REG_REGISTER, 200, "{\"id\":-3}", &id, &err),
                NF_REG_FAIL);
    CHECK_INTEQ(reply(NF_REG_REGISTER, 404, "Not Found", &id, &err),
                NF_REG_FAIL);
    CHECK(strstr(err.msg, "base URL"), "html 404: %s", err.msg);
    /* latest version: must be the worker's schema (canonical form) */
    json_t *o =
        json_pack("{s:i,s:s,s:i}", "id", 4, "schema", same, "version", 3);
    char *txt = json_dumps(o, JSON_COMPACT);

    snprintf(latest, sizeof(latest), "%s", txt);
    free(txt);
    json_decref(o);
    CHECK_INTEQ(reply(NF_REG_LATEST, 200, latest, &id, &err), NF_REG_OK);
    CHECK_INTEQ(id, 4);
    o = json_pack("{s:i,s:s,s:i}", "id", 5, "schema", other, "version", 4);
    txt = json_dumps(o, JSON_COMPACT);
    snprintf(latest, sizeof(latest), "%s", txt);
    free(txt);
    json_decref(o);
    id = -1;
    CHECK_INTEQ(reply(NF_REG_LATEST, 200, latest, &id, &err), NF_REG_FAIL);
    CHECK(id == -1 && strstr(err.msg, "not the worker's schema"),
          "latest differs: %s", err.msg);
}

static void test_body_and_backoff(void)
{
    struct nf_buf b = {0};
    struct nf_err err = {0};
    json_t *o;

    CHECK_INTEQ(nf_registry_request_body(schema, strlen(schema), &b, &err), 0);
    o = json_loadb(b.p, b.len, 0, NULL);
    CHECK_STREQ(json_string_value(json_object_get(o, "schema")), schema);
    CHECK_INTEQ(json_object_size(o), 1);
    json_decref(o);
    nf_buf_free(&b);

    CHECK_INTEQ(nf_registry_backoff_ms(500, 0), 500);
    CHECK_INTEQ(nf_registry_backoff_ms(500, 1), 1000);
    CHECK_INTEQ(nf_registry_backoff_ms(500, 3), 4000);
    CHECK_INTEQ(nf_registry_backoff_ms(500, 40), NF_REGISTRY_MAX_BACKOFF_MS);
    CHECK_INTEQ(nf_registry_backoff_ms(0, 5), 0);
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_unreachable(void)
{
    struct nf_registry_opts o;
    struct nf_registry *r;
    struct nf_err err = {0};
    atomic_int stop = 0;
    int32_t id = -1;
    double t0;

    memset(&o, 0, sizeof(o));
    /* port 1 on loopback: nothing listens, the connect is refused */
    o.url = "http://user:pw@127.0.0.1:1/";
    o.user_info = NULL;
    o.timeout_ms = 2000;
    o.retries = 2;
    o.backoff_ms = 20;
    o.auto_register = true;
    o.stop = &stop;
    r = nf_registry_new(&o, &err);
    CHECK(r != NULL, "client: %s", err.msg);
    if (!r)
        return;
    CHECK_INTEQ(
        nf_registry_schema_id(r, "s-value", schema, strlen(schema), &id, &err),
        NF_E_AVRO);
    CHECK(strstr(err.msg, "unreachable") && strstr(err.msg, "s-value") &&
              strstr(err.msg, "after 3 attempts"),
          "unreachable: %s", err.msg);
    CHECK(strstr(err.msg, "pw@") == NULL, "no credentials: %s", err.msg);
    CHECK_INTEQ(id, -1);
    nf_registry_destroy(r);

    /* the stop flag ends the retries at once */
    o.retries = 100;
    o.backoff_ms = 60000;
    r = nf_registry_new(&o, &err);
    atomic_store(&stop, 1);
    t0 = now_s();
    CHECK_INTEQ(
        nf_registry_schema_id(r, "s-value", schema, strlen(schema), &id, &err),
        NF_E_AVRO);
    CHECK(now_s() - t0 < 5.0, "stopped in %.1f s", now_s() - t0);
    nf_registry_destroy(r);
}

int main(void)
{
    test_replies();
    test_body_and_backoff();
    test_unreachable();
    return nf_test_failures != 0;
}
