/*
 * nf_num.c - numerals as notices write them, parsed at a folded index.
 *
 * Forms (the folded text already has ASCII digits and commas):
 *   873 → 873          1,059 / 5, 288 → 1059 / 5288 (groups of exactly 3)
 *   三千 → 3000        二万五千 → 25000      十二 → 12     百 / 千 → 100 / 1000
 *   約3万 → 30000 (the 約 is the caller's)    1万2千 → 12000
 *   2万9千 / 1万5000 / 1万2,369 → 29000 / 15000 / 12369
 *   1.2万 → 12000 (a decimal only in front of 万/億/兆)
 *   二〇二二 → 2022 (positional kanji digits)
 *   3 万件 / 4万 5千 → 30000 / 45000 (PDF text spaces digits from kanji)
 *
 * Approach: one left-to-right pass over tokens, the way the numerals are
 * read aloud. A number is a sum of sections scaled by 万/億/兆 in strictly
 * decreasing order; a section (< 10^4) is a sum of coefficient × 千/百/十 in
 * decreasing order plus a last unit figure, where a coefficient or figure is
 * an ASCII digit run or kanji digits. Every token is validated before it is
 * consumed, so when the next token does not fit ("1万2千3000", "三4") the
 * parse stops in a consistent state and reports the numeral read so far; the
 * caller sees *end and decides what follows. Every multiply-add is checked
 * against NF_NUM_MAX before it happens, and an ASCII run is read for at most
 * MAX_DIGITS digits, so a megabyte of digits costs MAX_DIGITS steps, not a
 * scan to its end.
 *
 * Discarded: strtoll on a squeezed copy (needs a copy and knows neither
 * grouping nor kanji); converting kanji to ASCII first (loses the positional
 * vs multiplier distinction of 二〇 vs 二十).
 */
#include <string.h>

#include "nf_core_int.h"

/* Digits read from one ASCII run before giving up: NF_NUM_MAX has 16
 * digits, so anything longer is an overflow, never a count. */
#define MAX_DIGITS 19
/* Decimal places accepted in "1.25万": 万 is the smallest scale, 10^4, so
 * four places always give an integer. */
#define MAX_FRAC 4
/* A section (between 万/億/兆 scales) stays below this. */
#define SECTION_LIMIT 10000

/* Kanji numeral characters, sorted by code point for a binary search. */
enum kind { DIGIT, SMALL, BIG };

static const struct {
    int32_t cp;
    enum kind kind;
    int64_t value;
} kanji[] = {
    {0x3007, DIGIT, 0},             /* 〇 positional zero (二〇二二) */
    {0x4E00, DIGIT, 1},             /* 一 */
    {0x4E03, DIGIT, 7},             /* 七 */
    {0x4E07, BIG, 10000LL},         /* 万 scale, also after ASCII (3万) */
    {0x4E09, DIGIT, 3},             /* 三 */
    {0x4E5D, DIGIT, 9},             /* 九 */
    {0x4E8C, DIGIT, 2},             /* 二 */
    {0x4E94, DIGIT, 5},             /* 五 */
    {0x5104, BIG, 100000000LL},     /* 億 */
    {0x5146, BIG, 1000000000000LL}, /* 兆 */
    {0x516B, DIGIT, 8},             /* 八 */
    {0x516D, DIGIT, 6},             /* 六 */
    {0x5341, SMALL, 10},            /* 十 multiplier inside a section */
    {0x5343, SMALL, 1000},          /* 千 */
    {0x56DB, DIGIT, 4},             /* 四 */
    {0x767E, SMALL, 100},           /* 百 */
    {0x96F6, DIGIT, 0},             /* 零 formal zero */
};

/* Bit (cp & 255) of every code point above: all but one in fifteen of the
 * other kanji fail this one test (every CJK character of a document is
 * looked up). Keep it in step with the table; test_nf_num parses each
 * numeral kanji, so a missing bit fails there. */
#define NUMERAL_CPS(X)                                                         \
    X(0x3007)                                                                  \
    X(0x4E00)                                                                  \
    X(0x4E03)                                                                  \
    X(0x4E07)                                                                  \
    X(0x4E09)                                                                  \
    X(0x4E5D)                                                                  \
    X(0x4E8C)                                                                  \
    X(0x4E94)                                                                  \
    X(0x5104)                                                                  \
    X(0x5146)                                                                  \
    X(0x516B)                                                                  \
    X(0x516D)                                                                  \
    X(0x5341)                                                                  \
    X(0x5343)                                                                  \
    X(0x56DB)                                                                  \
    X(0x767E)                                                                  \
    X(0x96F6)
#define CP_BIT(cp, w)                                                          \
    ((((cp) >> 6) & 3) == (w) ? (uint64_t)1 << ((cp)&63) : 0) |
#define W0(cp) CP_BIT(cp, 0)
#define W1(cp) CP_BIT(cp, 1)
#define W2(cp) CP_BIT(cp, 2)
#define W3(cp) CP_BIT(cp, 3)
static const uint64_t kanji_filter[4] = {
    NUMERAL_CPS(W0) 0,
    NUMERAL_CPS(W1) 0,
    NUMERAL_CPS(W2) 0,
    NUMERAL_CPS(W3) 0,
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* *out = a * m + b if it stays within NF_NUM_MAX (all operands >= 0). */
static bool mul_add(int64_t a, int64_t m, int64_t b, int64_t *out)
{
    if (b > NF_NUM_MAX || (m != 0 && a > (NF_NUM_MAX - b) / m))
        return false;
    *out = a * m + b;
    return true;
}

/* Could the character at i be a kanji numeral? One bitmap test, no call:
 * nf_num_parse runs it on every kanji it is offered. */
static bool kanji_maybe(const struct nf_text *t, size_t i)
{
    const unsigned char *u = (const unsigned char *)t->s + i;
    int32_t cp;

    /* every numeral kanji is a 3-byte character */
    if (i + 3 > t->len || (u[0] & 0xF0) != 0xE0)
        return false;
    cp = ((u[0] & 0x0F) << 12) | ((u[1] & 0x3F) << 6) | (u[2] & 0x3F);
    return (kanji_filter[(cp >> 6) & 3] >> (cp & 63)) & 1;
}

/* The kanji numeral character at i: its kind and value, *n its byte
 * length; -1 if none. */
static int kanji_at(const struct nf_text *t, size_t i, enum kind *kind,
                    int64_t *value, size_t *n)
{
    const unsigned char *u = (const unsigned char *)t->s + i;
    size_t lo = 0, hi = NELEM(kanji);
    int32_t cp;

    if (!kanji_maybe(t, i))
        return -1;
    cp = ((u[0] & 0x0F) << 12) | ((u[1] & 0x3F) << 6) | (u[2] & 0x3F);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (kanji[mid].cp == cp) {
            *kind = kanji[mid].kind;
            *value = kanji[mid].value;
            *n = 3;
            return 0;
        }
        if (kanji[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int64_t match_kind(const struct nf_text *t, size_t i, enum kind kind,
                          size_t *n)
{
    enum kind k;
    int64_t v;

    if (kanji_at(t, i, &k, &v, n) != 0 || k != kind)
        return -1;
    return v;
}

static int64_t match_small(const struct nf_text *t, size_t i, size_t *n)
{
    return match_kind(t, i, SMALL, n);
}

static int64_t match_big(const struct nf_text *t, size_t i, size_t *n)
{
    return match_kind(t, i, BIG, n);
}

/* An ASCII run at i: digits, optional "," groups of exactly 3 (a space
 * allowed after the comma), and, only when a scale kanji follows, a
 * decimal part. @returns 0, NF_E_OVERFLOW (with *end where reading
 * stopped) or -1 if no digit at i. */
struct ascii_num {
    int64_t value;
    int64_t frac; /* decimal digits as an integer (2 of "1.25" is 25) */
    int frac_len; /* number of decimal digits, 0 if none */
    bool grouped;
    size_t int_end; /* past the integer part */
    size_t end;     /* past the decimal part, if one was taken */
};

static int parse_ascii(const struct nf_text *t, size_t i, struct ascii_num *a)
{
    const char *s = t->s;
    size_t p = i, first, ndig = 0;
    int64_t v = 0;

    memset(a, 0, sizeof(*a));
    if (p >= t->len || !is_digit(s[p]))
        return -1;
    while (p < t->len && is_digit(s[p])) {
        ndig++;
        if (ndig > MAX_DIGITS || !mul_add(v, 10, s[p] - '0', &v)) {
            a->end = p;
            return NF_E_OVERFLOW;
        }
        p++;
    }
    first = p - i;
    /* Groups: "1,059" but not "1234,567" (a list) nor "1,05" or "1,0599". */
    while (first <= 3 && p + 4 <= t->len && s[p] == ',') {
        size_t q = p + 1, k;

        if (q < t->len && s[q] == ' ')
            q++;
        if (q + 3 > t->len || !is_digit(s[q]) || !is_digit(s[q + 1]) ||
            !is_digit(s[q + 2]) || (q + 3 < t->len && is_digit(s[q + 3])))
            break;
        for (k = 0; k < 3; k++) {
            ndig++;
            if (ndig > MAX_DIGITS || !mul_add(v, 10, s[q + k] - '0', &v)) {
                a->end = q + k;
                return NF_E_OVERFLOW;
            }
        }
        a->grouped = true;
        p = q + 3;
    }
    a->value = v;
    a->int_end = p;
    a->end = p;
    /* "1.2万": a decimal point counts only before a scale. */
    if (p + 1 < t->len && s[p] == '.' && is_digit(s[p + 1])) {
        size_t q = p + 1, n;
        int64_t f = 0;
        int fl = 0;

        while (q < t->len && is_digit(s[q]) && fl < MAX_FRAC + 1) {
            f = f * 10 + (s[q] - '0');
            fl++;
            q++;
        }
        if (fl <= MAX_FRAC && !(q < t->len && is_digit(s[q])) &&
            match_big(t, q, &n) > 0) {
            a->frac = f;
            a->frac_len = fl;
            a->end = q;
        }
    }
    return 0;
}

static int64_t pow10i(int n)
{
    int64_t r = 1;

    for (; n > 0; n--)
        r *= 10;
    return r;
}

/* nf_num_parse after the first character was found to start a numeral.
 * Kept out of line: inlined, its register saves and state set-up would
 * run before the first-character test that rejects nine in ten calls
 * (the counts scan offers it every kanji of a document). */
__attribute__((noinline)) static int parse_numeral(const struct nf_text *t,
                                                   size_t i, int64_t *value,
                                                   size_t *end, unsigned *flags)
{
    int64_t total = 0;    /* sum of scaled sections */
    int64_t sec = 0;      /* current section, < SECTION_LIMIT */
    int64_t cur = -1;     /* pending coefficient or unit figure */
    int64_t cur_frac = 0; /* decimal part of cur (1.2万) */
    int cur_frac_len = 0;
    bool cur_kanji = false;             /* cur was written with kanji digits */
    int cur_kdigits = 0;                /* kanji digits in cur (positional) */
    int64_t last_small = SECTION_LIMIT; /* multipliers must decrease */
    int64_t last_big = NF_NUM_MAX + 1;  /* scales must decrease */
    unsigned fl = 0;
    size_t p = i;
    bool any = false;

    for (;;) {
        size_t n = 0;
        enum kind kind;
        int64_t m, small, big;

        if (p >= t->len)
            break;
        if (is_digit(t->s[p])) {
            struct ascii_num a;
            int rc;

            if (cur >= 0)
                break; /* "三4", "4三" */
            rc = parse_ascii(t, p, &a);
            if (rc == NF_E_OVERFLOW) {
                *end = a.end;
                return NF_E_OVERFLOW;
            }
            /* PDF text spaces digits from kanji: "3 万件", "1 万 2 千" */
            if (a.end + 1 < t->len && t->s[a.end] == ' ' && !a.frac_len &&
                (match_small(t, a.end + 1, &n) > 0 ||
                 match_big(t, a.end + 1, &n) > 0))
                a.end++;
            small = match_small(t, a.end, &n);
            big = match_big(t, a.end, &n);
            if (a.frac_len && (big >= last_big || sec > 0 || total > 0)) {
                a.frac = 0;
                a.frac_len = 0;
                a.end = a.int_end;
                small = big = -1;
            }
            /* The run is a coefficient of 千/百/十 ("2千": below 10), of
             * a scale ("3万", "1.2万": a decimal only in the first
             * section), or the last figure of its section ("2千3" yes,
             * "2千3000" no); anything else ends the numeral before it. */
            if (!(small > 0 && small < last_small && a.value < 10) &&
                !(big > 0 && big < last_big &&
                  (sec == 0 || sec + a.value < SECTION_LIMIT)) &&
                !(sec == 0 && total == 0) && !(a.value < last_small))
                break;
            cur = a.value;
            cur_frac = a.frac;
            cur_frac_len = a.frac_len;
            cur_kanji = false;
            if (a.grouped)
                fl |= NF_NUM_GROUPED;
            p = a.end;
            any = true;
            continue;
        }
        if (kanji_at(t, p, &kind, &m, &n) != 0)
            break;
        if (kind == DIGIT) {
            int d = (int)m;

            if (cur >= 0 && (!cur_kanji || sec > 0 || total > 0))
                break; /* "3三", "百二〇" */
            if (cur >= 0) {
                /* positional: 二〇二二 */
                cur_kdigits++;
                if (cur_kdigits > MAX_DIGITS || !mul_add(cur, 10, d, &cur)) {
                    *end = p;
                    return NF_E_OVERFLOW;
                }
            } else {
                cur = d;
                cur_kanji = true;
                cur_kdigits = 1;
            }
            fl |= NF_NUM_KANJI;
            p += n;
            any = true;
            continue;
        }
        if (kind == SMALL) {
            int64_t coef = cur >= 0 ? cur : 1;

            if (m >= last_small || coef >= 10 || cur_frac_len)
                break; /* "十十", "15千", "1.2千" */
            sec += coef * m;
            last_small = m;
            cur = -1;
            cur_kanji = false;
            fl |= NF_NUM_KANJI;
            p += n;
            any = true;
            continue;
        }
        /* kind == BIG */
        {
            int64_t part, scaled;

            if (m >= last_big || (cur < 0 && sec == 0))
                break; /* "万万", or 万 with nothing to scale (万一) */
            part = sec + (cur >= 0 ? cur : 0);
            if (!mul_add(part, m, 0, &scaled) ||
                !mul_add(cur_frac, m / pow10i(cur_frac_len), scaled, &scaled) ||
                !mul_add(total, 1, scaled, &total)) {
                *end = p + n;
                return NF_E_OVERFLOW;
            }
            last_big = m;
            last_small = SECTION_LIMIT;
            sec = 0;
            cur = -1;
            cur_frac = 0;
            cur_frac_len = 0;
            cur_kanji = false;
            fl |= NF_NUM_SCALED;
            p += n;
            /* "4万 5千": a space before the next figure of the numeral */
            if (p + 1 < t->len && t->s[p] == ' ' && is_digit(t->s[p + 1])) {
                struct ascii_num a;
                size_t q, n2;

                if (parse_ascii(t, p + 1, &a) == 0) {
                    q = a.end < t->len && t->s[a.end] == ' ' ? a.end + 1
                                                             : a.end;
                    if (match_small(t, q, &n2) > 0 || match_big(t, q, &n2) > 0)
                        p++;
                }
            }
        }
    }
    if (!any)
        return -1;
    if (!mul_add(total, 1, sec + (cur >= 0 ? cur : 0), &total)) {
        *end = p;
        return NF_E_OVERFLOW;
    }
    *value = total;
    *end = p;
    if (flags)
        *flags = fl;
    return 0;
}

int nf_num_parse(const struct nf_text *t, size_t i, int64_t *value, size_t *end,
                 unsigned *flags)
{
    if (!t || !value || !end || i >= t->len)
        return -1;
    /* the caller tries every kanji of a document: reject most others here,
     * before the parse sets up its state */
    if (!is_digit(t->s[i]) && !kanji_maybe(t, i))
        return -1;
    return parse_numeral(t, i, value, end, flags);
}
