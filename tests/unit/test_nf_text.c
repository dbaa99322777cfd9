/* test_nf_text.c - validation, width folding and the span map. */
#include "nf_core_int.h"
#include "nf_test.h"

static struct nf_arena *arena;

static int init(struct nf_text *t, const char *s, size_t n, struct nf_err *e)
{
    nf_arena_reset(arena);
    return nf_text_init(t, s, n, arena, e);
}

static void test_fold_fullwidth(void)
{
    /* "２０２２年１２月１日　（水）" */
    const char *src = "\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x92"
                      "\xe5\xb9\xb4\xef\xbc\x91\xef\xbc\x92\xe6\x9c\x88"
                      "\xef\xbc\x91\xe6\x97\xa5\xe3\x80\x80\xef\xbc\x88"
                      "\xe6\xb0\xb4\xef\xbc\x89";
    struct nf_text t;
    struct nf_err e;
    struct nf_span sp;
    size_t n;
    char *s = nf_test_copy(src, &n);

    CHECK_INTEQ(init(&t, s, n, &e), 0);
    CHECK_STREQ(t.s, "2022年12月1日 (水)");
    /* the "12" of the folded text maps back to the two full-width digits */
    sp = nf_text_span(&t, 7, 9);
    CHECK_INTEQ(sp.off, 15);
    CHECK_INTEQ(sp.len, 6);
    /* the whole folded text spans the whole input */
    sp = nf_text_span(&t, 0, t.len);
    CHECK_INTEQ(sp.off, 0);
    CHECK_INTEQ(sp.len, n);
    free(s);
}

static void test_errors(void)
{
    struct nf_text t;
    struct nf_err e;
    size_t n;
    char *s;

    s = nf_test_copy("abc \xff def", &n);
    CHECK_INTEQ(init(&t, s, n, &e), NF_E_UTF8);
    CHECK_INTEQ(e.offset, 4);
    free(s);
    /* truncated 3-byte sequence at the very end */
    s = nf_test_copy("ok \xe3\x81", &n);
    CHECK_INTEQ(init(&t, s, n, &e), NF_E_UTF8);
    CHECK_INTEQ(e.offset, 3);
    free(s);
    /* UTF-16 surrogate encoded in UTF-8 is not valid UTF-8 */
    s = nf_test_copy("x\xed\xa0\x80", &n);
    CHECK_INTEQ(init(&t, s, n, &e), NF_E_UTF8);
    free(s);
    /* overlong encoding of '/' */
    s = nf_test_copy("\xc0\xaf", &n);
    CHECK_INTEQ(init(&t, s, n, &e), NF_E_UTF8);
    free(s);
    CHECK_INTEQ(init(&t, "ab\0cd", 5, &e), NF_E_BINARY);
    CHECK_INTEQ(e.offset, 2);
    CHECK_INTEQ(init(&t, "a\x01", 2, &e), NF_E_BINARY);
    CHECK_INTEQ(init(&t, " \n\t\r ", 5, &e), NF_E_EMPTY);
    /* only ideographic spaces and a BOM is empty too */
    s = nf_test_copy("\xef\xbb\xbf\xe3\x80\x80\xe3\x80\x80\n", &n);
    CHECK_INTEQ(init(&t, s, n, &e), NF_E_EMPTY);
    free(s);
    CHECK_INTEQ(init(&t, "", 0, &e), NF_E_EMPTY);
}

static void test_helpers(void)
{
    struct nf_text t;
    struct nf_err e;
    int32_t cp;
    size_t n;
    char *s = nf_test_copy("一行目\n二行目の本文\n", &n);
    char *sq;

    CHECK_INTEQ(init(&t, s, n, &e), 0);
    CHECK_INTEQ(nf_text_cp(&t, 0, &cp), 3);
    CHECK_INTEQ(cp, 0x4E00);
    CHECK(nf_text_at(&t, 10, "二行目"), "at line 2");
    CHECK_INTEQ(nf_text_find(&t, 0, t.len, "本文"), 22);
    CHECK_INTEQ(nf_text_find(&t, 0, 22, "本文"), (size_t)-1);
    CHECK_INTEQ(nf_text_line_start(&t, 15), 10);
    CHECK_INTEQ(nf_text_line_end(&t, 15), 28);
    CHECK_INTEQ(nf_text_line_end(&t, 0), 9);
    free(s);

    sq = nf_text_squeeze("BIPROGY \xe3\x80\x80株式会社", 23, 100, arena, &n);
    CHECK_STREQ(sq, "BIPROGY株式会社");
    /* truncation never cuts a code point */
    sq = nf_text_squeeze("株式会社", 12, 7, arena, &n);
    CHECK_STREQ(sq, "株式");
    CHECK_INTEQ(n, 6);
}

int main(void)
{
    arena = nf_arena_new((size_t)16 << 20);
    CHECK(arena != NULL, "arena");
    test_fold_fullwidth();
    test_errors();
    test_helpers();
    nf_arena_destroy(arena);
    return nf_test_failures != 0;
}
