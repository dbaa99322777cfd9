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

/* Kanji digits, including the positional zero of 二〇二二. */
static const struct {
    const char *word;
    int value;
} kanji_digits[] = {
    {"〇", 0}, /* positional zero (二〇二二) */
    {"零", 0}, /* formal zero */
    {"一", 1}, {"二", 2}, {"三", 3}, {"四", 4}, {"五", 5},
    {"六", 6}, {"七", 7}, {"八", 8}, {"九", 9},
};

/* Multipliers inside a section: 二千三百四十五 = 2×1000 + 3×100 + 4×10 + 5. */
static const struct {
    const char *word;
    int64_t value;
} kanji_small[] = {
    {"十", 10},
    {"百", 100},
    {"千", 1000},
};

/* Scales between sections, mixed with ASCII too (3万, 1万2千, 1.2億). */
static const struct {
    const char *word;
    int64_t value;
} kanji_big[] = {
    {"万", 10000LL},
    {"億", 100000000LL},
    {"兆", 1000000000000LL},
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

static int match_digit(const struct nf_text *t, size_t i, size_t *n)
{
    size_t k;

    for (k = 0; k < NELEM(kanji_digits); k++)
        if (nf_text_at(t, i, kanji_digits[k].word)) {
            *n = strlen(kanji_digits[k].word);
            return kanji_digits[k].value;
        }
    return -1;
}

static int64_t match_small(const struct nf_text *t, size_t i, size_t *n)
{
    size_t k;

    for (k = 0; k < NELEM(kanji_small); k++)
        if (nf_text_at(t, i, kanji_small[k].word)) {
            *n = strlen(kanji_small[k].word);
            return kanji_small[k].value;
        }
    return -1;
}

static int64_t match_big(const struct nf_text *t, size_t i, size_t *n)
{
    size_t k;

    for (k = 0; k < NELEM(kanji_big); k++)
        if (nf_text_at(t, i, kanji_big[k].word)) {
            *n = strlen(kanji_big[k].word);
            return kanji_big[k].value;
        }
    return -1;
}

/* An ASCII run at i: digits, optional "," groups of exactly 3 (a space
 * allowed after the comma), and, only when a scale kanji follows, a
 * decimal part. @returns 0, NF_E_OVERFLOW (with *end where reading
 * stopped) or -1 if no digit at i. */
struct ascii_num {
    int64_t value;
    int64_t frac;   /* decimal digits as an integer (2 of "1.25" is 25) */
    int frac_len;   /* number of decimal digits, 0 if none */
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
        if (++ndig > MAX_DIGITS || !mul_add(v, 10, s[p] - '0', &v)) {
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
            if (++ndig > MAX_DIGITS || !mul_add(v, 10, s[q + k] - '0', &v)) {
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

    while (n-- > 0)
        r *= 10;
    return r;
}

int nf_num_parse(const struct nf_text *t, size_t i, int64_t *value,
                 size_t *end, unsigned *flags)
{
    int64_t total = 0;         /* sum of scaled sections */
    int64_t sec = 0;           /* current section, < SECTION_LIMIT */
    int64_t cur = -1;          /* pending coefficient or unit figure */
    int64_t cur_frac = 0;      /* decimal part of cur (1.2万) */
    int cur_frac_len = 0;
    bool cur_kanji = false;    /* cur was written with kanji digits */
    int cur_kdigits = 0;       /* kanji digits in cur (positional) */
    int64_t last_small = SECTION_LIMIT; /* multipliers must decrease */
    int64_t last_big = NF_NUM_MAX + 1;  /* scales must decrease */
    unsigned fl = 0;
    size_t p = i;
    bool any = false;

    if (!t || !value || !end || i >= t->len)
        return -1;
    for (;;) {
        size_t n = 0;
        int d;
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
            /* The run is a coefficient of 千/百/十 ("2千": below 10), of
             * a scale ("3万", "1.2万": a decimal only in the first
             * section), or the last figure of its section ("2千3" yes,
             * "2千3000" no); anything else ends the numeral before it. */
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
        d = match_digit(t, p, &n);
        if (d >= 0) {
            if (cur >= 0 && (!cur_kanji || sec > 0 || total > 0))
                break; /* "3三", "百二〇" */
            if (cur >= 0) {
                /* positional: 二〇二二 */
                if (++cur_kdigits > MAX_DIGITS || !mul_add(cur, 10, d, &cur)) {
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
        m = match_small(t, p, &n);
        if (m > 0) {
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
        m = match_big(t, p, &n);
        if (m > 0) {
            int64_t part, scaled;

            if (m >= last_big || (cur < 0 && sec == 0))
                break; /* "万万", or 万 with nothing to scale (万一) */
            part = sec + (cur >= 0 ? cur : 0);
            if (!mul_add(part, m, 0, &scaled) ||
                !mul_add(cur_frac, m / pow10i(cur_frac_len), scaled,
                         &scaled) ||
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
            continue;
        }
        break;
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
