/*
 * test_nf_sign.c - Standard Webhooks signatures, secrets, webhook-id.
 */
#include <string.h>

#include "nf_log.h"
#include "nf_sign.h"
#include "nf_test.h"

/* The spec's published test vector (delivery.md, reference libraries). */
static void test_spec_vector(void)
{
    struct nf_err err = {0};
    struct nf_signer *s =
        nf_signer_new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &err);
    char sig[NF_SIGN_HEADER_MAX];
    const char *body = "{\"test\": 2432232314}";

    CHECK(s != NULL, "signer: %s", err.msg);
    if (!s)
        return;
    CHECK_INTEQ(nf_sign(s, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body,
                        strlen(body), sig, &err),
                0);
    CHECK_STREQ(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    /* one byte of the body changed: another signature */
    CHECK_INTEQ(nf_sign(s, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                        "{\"test\": 2432232315}", strlen(body), sig, &err),
                0);
    CHECK(strcmp(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=") != 0,
          "body not covered");
    /* the timestamp is covered too */
    nf_sign(s, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, body, strlen(body),
            sig, &err);
    CHECK(strcmp(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=") != 0,
          "timestamp not covered");
    nf_signer_destroy(s);
}

/* Rotation: one v1 entry per secret, space separated, in config order;
 * the bare base64 form (no whsec_) is the same key. */
static void test_rotation(void)
{
    struct nf_err err = {0};
    struct nf_signer *s =
        nf_signer_new("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw,\n"
                      " whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
                      &err);
    char sig[NF_SIGN_HEADER_MAX];
    const char *body = "{\"test\": 2432232314}";

    CHECK(s != NULL, "signer: %s", err.msg);
    if (!s)
        return;
    CHECK_INTEQ(nf_signer_count(s), 2);
    nf_sign(s, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body),
            sig, &err);
    CHECK(strncmp(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1,",
                  51) == 0,
          "got %s", sig);
    CHECK_INTEQ(strlen(sig), 47 * 2 + 1);
    nf_signer_destroy(s);
}

static void test_bad_secrets(void)
{
    struct nf_err err = {0};
    struct nf_signer *s;

    /* too short once decoded (12 bytes < 24) */
    s = nf_signer_new("whsec_AAECAwQFBgcICQoL", &err);
    CHECK(s == NULL, "short key accepted");
    CHECK(strstr(err.msg, "AAECAwQF") == NULL, "secret echoed: %s", err.msg);
    /* not base64 */
    CHECK(nf_signer_new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La!aSw", &err) == NULL,
          "bad base64 accepted");
    /* empty list */
    CHECK(nf_signer_new(" , \n", &err) == NULL, "empty list accepted");
    CHECK(nf_signer_new(NULL, &err) == NULL, "NULL accepted");
    /* too many secrets */
    CHECK(nf_signer_new("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw,"
                        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw,"
                        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw,"
                        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw,"
                        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                        &err) == NULL,
          "five secrets accepted");
}

/* A parsed secret never reaches a log line. */
static void test_secret_redacted(void)
{
    struct nf_err err = {0};
    struct nf_signer *s;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);

    s = nf_signer_new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &err);
    nf_log_set_stream(f);
    nf_log(NF_LOG_ERROR, "oops whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", NULL);
    fflush(f);
    CHECK(buf && strstr(buf, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == NULL,
          "secret logged: %s", buf ? buf : "");
    CHECK(buf && strstr(buf, "***") != NULL, "no redaction mark: %s",
          buf ? buf : "");
    nf_log_set_stream(NULL);
    fclose(f);
    free(buf);
    nf_signer_destroy(s);
    nf_log_clear_secrets();
}

static void test_webhook_id(void)
{
    char a[NF_SIGN_ID_MAX], b[NF_SIGN_ID_MAX], c[NF_SIGN_ID_MAX];
    size_t i;

    CHECK_INTEQ(nf_sign_webhook_id("notices/3/1207", "https://h.example/x", a),
                0);
    nf_sign_webhook_id("notices/3/1207", "https://h.example/x", b);
    nf_sign_webhook_id("notices/3/1208", "https://h.example/x", c);
    CHECK_STREQ(a, b); /* deterministic: retries and replays dedupe */
    CHECK(strcmp(a, c) != 0, "different events share an id");
    nf_sign_webhook_id("notices/3/1207", "https://other.example/x", c);
    CHECK(strcmp(a, c) != 0, "different endpoints share an id");
    CHECK(strncmp(a, "msg_", 4) == 0 && strlen(a) == 28, "form: %s", a);
    for (i = 4; i < strlen(a); i++)
        CHECK(a[i] != '+' && a[i] != '/' && a[i] != '=', "not base64url: %s",
              a);
}

static void test_base64(void)
{
    unsigned char out[16];
    char enc[16];

    CHECK_INTEQ(nf_base64_encode("f", 1, enc, 0), 4);
    CHECK_STREQ(enc, "Zg==");
    nf_base64_encode("fo", 2, enc, 0);
    CHECK_STREQ(enc, "Zm8=");
    nf_base64_encode("foo", 3, enc, 0);
    CHECK_STREQ(enc, "Zm9v");
    CHECK_INTEQ(nf_base64_decode("Zm9vYg==", 8, out, sizeof(out)), 4);
    CHECK(memcmp(out, "foob", 4) == 0, "decode");
    CHECK_INTEQ(nf_base64_decode("Zm9vYg", 6, out, sizeof(out)), 4);
    CHECK_INTEQ(nf_base64_decode("Zm9vYh==", 8, out, sizeof(out)), -1);
    CHECK_INTEQ(nf_base64_decode("Zm9v Yg==", 9, out, sizeof(out)), -1);
    CHECK_INTEQ(nf_base64_decode("Zm9vYg==", 8, out, 3), -1);
    CHECK_INTEQ(nf_base64_decode("Z", 1, out, sizeof(out)), -1);
}

int main(void)
{
    test_spec_vector();
    test_rotation();
    test_bad_secrets();
    test_secret_redacted();
    test_webhook_id();
    test_base64();
    return nf_test_failures != 0;
}
