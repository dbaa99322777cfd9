/*
 * nf_text.c - input validation and the folded view every scanner reads.
 *
 * Notices arrive as UTF-8 from web pages and PDFs, so the same date or count
 * is written with ASCII or full-width characters at random:
 *   ２０２２年１２月１日 → 2022年12月1日      １，２３４件 → 1,234件
 *   Ｒ４．１０．２６   → R4.10.26           （水）       → (水)
 *   U+3000 (ideographic space) → ' '        U+2212/U+2010-2013 → '-'
 * nf_text_init() checks the bytes once (UTF-8 via utf8proc, no NUL or C0
 * control other than white space: such input is binary, not a notice) and
 * builds a folded copy in which every character of the full-width ASCII
 * block U+FF01..U+FF5E becomes its ASCII twin (an arithmetic shift, not a
 * table), so scanners need to know only ASCII digits and punctuation. A BOM
 * or zero-width space is dropped. Every folded byte records the input offset
 * it came from, which turns a match in the folded text into a span of the
 * caller's bytes (nf_text_span).
 *
 * Discarded: full NFKC through utf8proc_map. It also rewrites ①, ㈱ and
 * half-width katakana, changes lengths unpredictably for the span map, and
 * costs an allocation per document; the notices need only width folding.
 */
#include <string.h>

#include <utf8proc.h>

#include "nf_core_int.h"

/* Code points folded to ASCII besides the U+FF01..U+FF5E block. */
static const struct {
    int32_t cp;
    char ascii;
} fold_extra[] = {
    {0x3000, ' '}, /* ideographic space */
    {0x2212, '-'}, /* minus sign, in dates written 2022−12−06 */
    {0x2010, '-'}, /* hyphen */
    {0x2011, '-'}, /* non-breaking hyphen */
    {0x2012, '-'}, /* figure dash */
    {0x2013, '-'}, /* en dash */
};

/* Code points dropped from the folded view: invisible, never content. */
static const int32_t fold_drop[] = {
    0xFEFF, /* BOM / zero-width no-break space */
    0x200B, /* zero-width space */
};

static bool is_space_byte(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

int nf_text_init(struct nf_text *t, const char *src, size_t src_len,
                 struct nf_arena *a, struct nf_err *err)
{
    const unsigned char *u = (const unsigned char *)src;
    char *s;
    uint32_t *map;
    size_t i = 0, o = 0, k;
    bool content = false;

    memset(t, 0, sizeof(*t));
    s = nf_arena_alloc_uninit(a, src_len + 1);
    map = nf_arena_alloc_uninit(a, (src_len + 1) * sizeof(*map));
    if (!s || !map)
        return nf_err_set(err, NF_E_NOMEM, 0, "out of memory folding %zu bytes",
                          src_len);
    while (i < src_len) {
        unsigned char c = u[i];
        int32_t cp;
        utf8proc_ssize_t n;
        int folded = -1;

        if (c < 0x80) {
            if (c < 0x20 && !is_space_byte(c))
                return nf_err_set(err, NF_E_BINARY, i,
                                  "control byte 0x%02x at offset %zu: not "
                                  "text",
                                  c, i);
            if (!is_space_byte(c))
                content = true;
            map[o] = (uint32_t)i;
            s[o++] = (char)c;
            i++;
            continue;
        }
        n = utf8proc_iterate(u + i, (utf8proc_ssize_t)(src_len - i), &cp);
        if (n <= 0)
            return nf_err_set(err, NF_E_UTF8, i, "invalid UTF-8 at offset %zu",
                              i);
        if (cp >= 0xFF01 && cp <= 0xFF5E)
            folded = cp - 0xFEE0;
        for (k = 0; folded < 0 && k < sizeof(fold_extra) / sizeof(*fold_extra);
             k++)
            if (fold_extra[k].cp == cp)
                folded = fold_extra[k].ascii;
        if (folded >= 0) {
            if (folded != ' ')
                content = true;
            map[o] = (uint32_t)i;
            s[o++] = (char)folded;
        } else {
            bool drop = false;
            for (k = 0; k < sizeof(fold_drop) / sizeof(*fold_drop); k++)
                drop = drop || fold_drop[k] == cp;
            if (!drop) {
                content = true;
                for (k = 0; k < (size_t)n; k++) {
                    map[o] = (uint32_t)(i + k);
                    s[o++] = (char)u[i + k];
                }
            }
        }
        i += (size_t)n;
    }
    if (!content)
        return nf_err_set(err, NF_E_EMPTY, 0,
                          "document is empty or only white space");
    map[o] = (uint32_t)src_len;
    s[o] = '\0';
    t->src = src;
    t->src_len = src_len;
    t->s = s;
    t->len = o;
    t->map = map;
    return 0;
}

size_t nf_text_cp(const struct nf_text *t, size_t i, int32_t *cp)
{
    const unsigned char *u = (const unsigned char *)t->s + i;
    size_t n, k;
    int32_t v;

    if (i >= t->len) {
        *cp = 0;
        return 0;
    }
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    n = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : 2;
    if (n > t->len - i)
        n = t->len - i; /* cannot happen: the folded text is valid UTF-8 */
    v = u[0] & (0x3F >> (n - 1));
    for (k = 1; k < n; k++)
        v = (v << 6) | (u[k] & 0x3F);
    *cp = v;
    return n;
}

bool nf_text_at(const struct nf_text *t, size_t i, const char *word)
{
    size_t n = strlen(word);
    return i <= t->len && n <= t->len - i && memcmp(t->s + i, word, n) == 0;
}

/* Japanese text is a run of E3..E9 lead bytes, so memchr on a word's first
 * byte stops at nearly every character; its last byte (a continuation byte,
 * one of 64 values) stops rarely. A match of valid UTF-8 in valid UTF-8
 * always starts on a character boundary. */
size_t nf_text_findn(const struct nf_text *t, size_t from, size_t to,
                     const char *w, size_t wl)
{
    const char *p, *end;

    if (to > t->len)
        to = t->len;
    if (wl == 0 || from >= to || to - from < wl)
        return (size_t)-1;
    p = t->s + from + wl - 1;
    end = t->s + to;
    while (p < end) {
        p = memchr(p, w[wl - 1], (size_t)(end - p));
        if (!p)
            break;
        if (memcmp(p - (wl - 1), w, wl - 1) == 0)
            return (size_t)(p - (wl - 1) - t->s);
        p++;
    }
    return (size_t)-1;
}

size_t nf_text_find(const struct nf_text *t, size_t from, size_t to,
                    const char *word)
{
    return nf_text_findn(t, from, to, word, strlen(word));
}

size_t nf_text_fold_index(const struct nf_text *t, size_t off)
{
    size_t lo = 0, hi = t->len;

    /* map is non-decreasing: binary search */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->map[mid] < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t nf_text_line_start(const struct nf_text *t, size_t i)
{
    if (i > t->len)
        i = t->len;
    while (i > 0 && t->s[i - 1] != '\n')
        i--;
    return i;
}

size_t nf_text_line_end(const struct nf_text *t, size_t i)
{
    const char *p;

    if (i >= t->len)
        return t->len;
    p = memchr(t->s + i, '\n', t->len - i);
    return p ? (size_t)(p - t->s) : t->len;
}

char *nf_text_squeeze(const char *p, size_t n, size_t max, struct nf_arena *a,
                      size_t *out_len)
{
    const unsigned char *u = (const unsigned char *)p;
    char *out;
    size_t i = 0, o = 0;

    out = nf_arena_alloc(a, (n < max ? n : max) + 1);
    if (!out)
        return NULL;
    while (i < n) {
        size_t cl = u[i] < 0x80 ? 1 : u[i] >= 0xF0 ? 4 : u[i] >= 0xE0 ? 3 : 2;
        if (cl > n - i)
            break; /* a cut code point is not copied */
        if (cl == 1 && is_space_byte(u[i])) {
            i++;
            continue;
        }
        if (cl == 3 && u[i] == 0xE3 && u[i + 1] == 0x80 && u[i + 2] == 0x80) {
            i += 3; /* U+3000 */
            continue;
        }
        if (o + cl > max)
            break;
        memcpy(out + o, u + i, cl);
        o += cl;
        i += cl;
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}
