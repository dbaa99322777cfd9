/*
 * test_nf_num.c - numerals: ASCII with grouping, kanji, 万/億 scaling, the
 * points where a numeral must stop, and overflow without UB.
 */
#include <stdlib.h>
#include <string.h>

#include "nf_core_int.h"
#include "nf_test.h"

static struct nf_arena *arena;

/* Parse the numeral at the start of @p s (folded first, so full-width
 * input works). @returns the nf_num_parse code; *end is a byte count into
 * the folded text. */
static int parse(const char *s, int64_t *v, size_t *end, unsigned *fl)
{
    struct nf_text t;
    struct nf_err err;
    size_t n;
    char *copy = nf_test_copy(s, &n);
    int rc;

    nf_arena_reset(arena);
    *v = -7;
    *end = 0;
    *fl = 0;
    if (nf_text_init(&t, copy, n, arena, &err) != 0) {
        free(copy);
        return -100;
    }
    rc = nf_num_parse(&t, 0, v, end, fl);
    free(copy);
    return rc;
}

/* Expect @p s to parse to @p want, consuming @p used bytes of it. */
static void expect(const char *s, int64_t want, size_t used, unsigned flags,
                   int line)
{
    int64_t v;
    size_t end;
    unsigned fl;
    int rc = parse(s, &v, &end, &fl);

    CHECK(rc == 0, "line %d: \"%s\" rc %d", line, s, rc);
    CHECK(v == want, "line %d: \"%s\" value %lld want %lld", line, s,
          (long long)v, (long long)want);
    CHECK(end == used, "line %d: \"%s\" end %zu want %zu", line, s, end, used);
    CHECK(fl == flags, "line %d: \"%s\" flags %u want %u", line, s, fl, flags);
}

#define EXPECT(s, want, used, flags) expect(s, want, used, flags, __LINE__)

static void test_ascii(void)
{
    EXPECT("873件", 873, 3, 0);
    EXPECT("7", 7, 1, 0);
    EXPECT("1,059人分", 1059, 5, NF_NUM_GROUPED);
    EXPECT("12,345,678件", 12345678, 10, NF_NUM_GROUPED);
    /* a space after the comma only when the group stays 3 digits */
    EXPECT("5, 288人", 5288, 6, NF_NUM_GROUPED);
    EXPECT("5, 28人", 5, 1, 0);
    /* not grouping: a list, a short or a long group */
    EXPECT("1234,567", 1234, 4, 0);
    EXPECT("1,05件", 1, 1, 0);
    EXPECT("1,0599", 1, 1, 0);
    EXPECT("3,4件", 3, 1, 0);
    /* a decimal is not read unless a scale follows */
    EXPECT("0.2 人", 0, 1, 0);
    EXPECT("2.10.3", 2, 1, 0);
    /* full-width digits and comma arrive folded */
    EXPECT("１，２３４件", 1234, 5, NF_NUM_GROUPED);
}

static void test_kanji(void)
{
    const unsigned K = NF_NUM_KANJI, KS = NF_NUM_KANJI | NF_NUM_SCALED;

    EXPECT("三千人", 3000, 6, K);
    EXPECT("二万五千件", 25000, 12, KS);
    EXPECT("十二", 12, 6, K);
    EXPECT("百", 100, 3, K);
    EXPECT("千件", 1000, 3, K);
    EXPECT("千二百名分", 1200, 9, K);
    EXPECT("二千三百四十五", 2345, 21, K);
    EXPECT("十万件", 100000, 6, KS);
    EXPECT("二〇二二年", 2022, 12, K);
    EXPECT("一億二千万", 120000000, 15, KS);
    /* order breaks end the numeral: 十十 reads 十 */
    EXPECT("十十", 10, 3, K);
    EXPECT("百二〇", 102, 6, K);
}

/* Every numeral kanji, alone or scaling 2: the character table and its
 * lookup filter agree. */
static void test_every_kanji(void)
{
    static const struct {
        const char *s;
        int64_t v;
    } digits[] = {
        {"〇", 0}, {"零", 0},  {"一", 1},   {"二", 2},    {"三", 3},
        {"四", 4}, {"五", 5},  {"六", 6},   {"七", 7},    {"八", 8},
        {"九", 9}, {"十", 10}, {"百", 100}, {"千", 1000},
    };
    static const struct {
        const char *s;
        int64_t v;
    } scales[] = {
        {"2万", 20000},
        {"2億", 200000000},
        {"2兆", 2000000000000LL},
    };
    size_t k;

    for (k = 0; k < sizeof(digits) / sizeof(digits[0]); k++)
        EXPECT(digits[k].s, digits[k].v, strlen(digits[k].s), NF_NUM_KANJI);
    for (k = 0; k < sizeof(scales) / sizeof(scales[0]); k++)
        EXPECT(scales[k].s, scales[k].v, strlen(scales[k].s), NF_NUM_SCALED);
}

static void test_scaled(void)
{
    const unsigned S = NF_NUM_SCALED, KS = NF_NUM_KANJI | NF_NUM_SCALED;

    EXPECT("3万件", 30000, 4, S);
    EXPECT("27万件", 270000, 5, S);
    EXPECT("1万2千人", 12000, 8, KS);
    EXPECT("2万9千件", 29000, 8, KS);
    EXPECT("1万5000件", 15000, 8, S);
    EXPECT("1万2,369件", 12369, 9, S | NF_NUM_GROUPED);
    EXPECT("1.2万件", 12000, 6, S);
    EXPECT("1.25万", 12500, 7, S);
    EXPECT("3億", 300000000, 4, S);
    /* PDF spacing */
    EXPECT("3 万件", 30000, 5, S);
    EXPECT("4万 5千件", 45000, 9, KS);
    /* the figure after a scale must fit below it */
    EXPECT("1万2千3000", 12000, 8, KS);
    EXPECT("2千3", 2003, 5, NF_NUM_KANJI);
    EXPECT("2千3000", 2000, 4, NF_NUM_KANJI);
    /* a space before a plain number is not part of the numeral */
    EXPECT("10万 2023年", 100000, 5, S);
}

static void test_not_numerals(void)
{
    int64_t v;
    size_t end;
    unsigned fl;

    CHECK_INTEQ(parse("万一", &v, &end, &fl), -1);
    CHECK_INTEQ(parse("万件", &v, &end, &fl), -1);
    CHECK_INTEQ(parse("件", &v, &end, &fl), -1);
    CHECK_INTEQ(parse("abc", &v, &end, &fl), -1);
    CHECK_INTEQ(parse(",123", &v, &end, &fl), -1);
    /* a decimal before no scale: 1.5 stops at the point */
    CHECK_INTEQ(parse("1.5", &v, &end, &fl), 0);
    CHECK_INTEQ(v, 1);
}

static void test_overflow(void)
{
    int64_t v;
    size_t end;
    unsigned fl;

    /* NF_NUM_MAX itself is accepted, one more is not */
    EXPECT("1000000000000000", NF_NUM_MAX, 16, 0);
    EXPECT("1000兆", NF_NUM_MAX, 7, NF_NUM_SCALED);
    CHECK_INTEQ(parse("1000000000000001", &v, &end, &fl), NF_E_OVERFLOW);
    CHECK_INTEQ(parse("1001兆", &v, &end, &fl), NF_E_OVERFLOW);
    CHECK_INTEQ(parse("999,999,999,999,999,999件", &v, &end, &fl),
                NF_E_OVERFLOW);
    /* 30 digits: an error, and reading stops at the digit limit */
    CHECK_INTEQ(parse("123456789012345678901234567890件", &v, &end, &fl),
                NF_E_OVERFLOW);
    CHECK(end <= 20, "read %zu digits of 30", end);
    /* scaling a large section overflows before multiplying */
    CHECK_INTEQ(parse("999999999999999億", &v, &end, &fl), NF_E_OVERFLOW);
    CHECK_INTEQ(
        parse("九九九九九九九九九九九九九九九九九九九九九", &v, &end, &fl),
        NF_E_OVERFLOW);
}

/* 10 MB of digits: nf_num_parse reads a bounded prefix, whatever the run
 * length (a quadratic reader would show up as a ctest timeout when the
 * caller walks the run). */
static void test_long_run(void)
{
    size_t n = (size_t)10 << 20, i, end;
    char *big = malloc(n);
    struct nf_text t;
    struct nf_err err;
    struct nf_arena *a = nf_arena_new(n * 8 + ((size_t)1 << 20));
    int64_t v;
    unsigned fl;
    size_t calls = 0;

    CHECK(big && a, "allocation");
    if (!big || !a)
        goto out;
    memset(big, '7', n);
    CHECK_INTEQ(nf_text_init(&t, big, n, a, &err), 0);
    /* parse at every position, as a careless caller would: still linear
     * because every call stops after a bounded number of digits (the last
     * 16 positions hold a number that fits) */
    for (i = 0; i + 16 < t.len; i++) {
        CHECK_INTEQ(nf_num_parse(&t, i, &v, &end, &fl), NF_E_OVERFLOW);
        CHECK(end > i && end - i <= 20, "end %zu at %zu", end, i);
        calls++;
    }
    CHECK(calls > 0, "no call");

out:
    nf_arena_destroy(a);
    free(big);
}

int main(void)
{
    arena = nf_arena_new((size_t)1 << 20);
    if (!arena)
        return 1;
    test_ascii();
    test_kanji();
    test_every_kanji();
    test_scaled();
    test_not_numerals();
    test_overflow();
    test_long_run();
    nf_arena_destroy(arena);
    return nf_test_failures != 0;
}
