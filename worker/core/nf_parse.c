/*
 * nf_parse.c - document structure: organization, title, publication date.
 *
 * Notices reach us in four shapes, and the header is read in that order:
 *  1. aggregator line "ORG TITLE DATE":
 *       "みどり大学 不正アクセスに関するお知らせ 2022年12月16日"
 *           → みどり大学, 2022-12-16
 *       "ABCD 株式会社 調査報告書受領のお知らせ …"  → ABCD株式会社
 *       "公益社団法人 みなと支援会 …" → the legal word and
 *       the name are joined, inner spaces removed;
 *  2. bracketed headline "【事件簿#2023-499】株式会社サンプル 漏
 *     えいの…": the bracket is a feed label, skipped; "#2023-499" is not a
 *     date because only the date list decides what is a date;
 *  3. page text: a standalone org line ("一般社団法人ほし会"), a date
 *     line ("2021/03/04 18:00"), a date then its issuer or byline ("2025年
 *     6月25日 ○○航空株式会社", "2024年2月8日 18:05 ○○編集部"), a
 *     labelled date ("発表日:2024年9月27日"; an issue label beats 更新日,
 *     "発表日時 | 2023/4/1 |", "… 19:23配信"), a signature near the end
 *     ("2023年12月7日 / 株式会社○○ / 代表取締役 …"), a definition "架空赤
 *     十字社(以下、「当社」)";
 *  4. a news article whose first sentence has the org as subject:
 *       "架空電機(KDN)は、…" "かもめ県立大は30日、…を発表した" "…の子会社
 *       サンプルペイが8日に発表した…" → the name before は/が, after the
 *       last の.
 *
 * An organization is recognised by its form, not by a list of names: a legal
 * word (株式会社, 公益社団法人 …) before or after a name run, or a name run
 * (kanji, katakana, latin; hiragana only as a leading part, as in さくら信用
 * 金庫) ending in an organization word (大学, 病院, 市, 銀行 …) with at least
 * one character of name before it. Self references (本市, 当院) are not names.
 * After a legal word the name may hold hiragana inside when it fills its
 * token ("特定非営利活動法人 こもれび子ども食堂"); before one, latin words
 * joined by single blanks are one name ("Northgate Data Labs 株式会社").
 *
 * Only three zones are read, never the whole text: the header (leading
 * non-empty lines up to and including the first prose line, one holding
 * "。" or long: past it, a name or a date is about the story, a digest's
 * headlines, a quoted report), the front FRONT_BYTES (label fields, "(以下
 * 「当社」)", the first legal phrase, labelled dates) and the signature
 * (last short lines; a long line ends it). Words are found with memchr on
 * their last byte, since in Japanese text the first byte (E3..E9) starts
 * nearly every character.
 *
 * Discarded: taking the most frequent proper noun (it names products and
 * services, and invents an issuer where the text names none); taking the
 * first date of the text (it is usually the incident's, not the notice's).
 * Every scan is bounded (header and trailer zones, windows around dates).
 */
#include <string.h>

#include <utf8proc.h>

#include "nf_core_int.h"

/* Header zone: leading non-empty lines up to the first prose line. */
#define HEAD_MAX_LINES 12
#define HEAD_MAX_BYTES 6144
/* A line this long is prose even without a full stop. */
#define PROSE_LINE_BYTES 240
/* Trailer zone for signatures. */
#define TAIL_MAX_LINES 6
#define TAIL_MAX_BYTES 2048
/* A longer line is prose, not a signature line. */
#define SIG_LINE_BYTES 320
/* Front zone: where definitions, label fields and the first legal phrase
 * are looked for when the header names no one (past it is the story). */
#define FRONT_BYTES 1536
/* A name longer than this is a phrase, not a name. */
#define NAME_MAX_BYTES 120
/* Window before a date for its label, on the same line. */
#define LABEL_BACK_BYTES 30
/* Navigation lines are short. */
#define NAV_MAX_BYTES 160
/* Sentences of the lead read for its subject. */
#define LEAD_SENTENCES 3
/* A shorter leading line is a section label ("本文", "お知らせ"). */
#define TITLE_MIN_CPS 6
/* A sentence is read this far for its subject and verb. */
#define SENTENCE_MAX_BYTES 400

/* Legal-entity words, written before or after the name (LABELS.md keeps
 * them). Longer entries first so that 地方独立行政法人 beats 独立行政法人. */
static const char *const legal_words[] = {
    "地方独立行政法人",   /* prefectural agencies */
    "独立行政法人",       /* national agencies */
    "国立大学法人",       /* national universities */
    "公立大学法人",       /* public universities */
    "一般社団法人",       /* associations */
    "公益社団法人",       /* public-interest associations */
    "一般財団法人",       /* foundations */
    "公益財団法人",       /* public-interest foundations */
    "社会福祉法人",       /* welfare bodies */
    "特定非営利活動法人", /* NPOs, long form */
    "NPO法人",            /* NPOs */
    "学校法人",           /* private schools */
    "医療法人社団",       /* medical corporations */
    "医療法人",           /* medical corporations */
    "宗教法人",           /* religious bodies */
    "株式会社",           /* companies */
    "有限会社",           /* small companies */
    "合同会社",           /* LLCs */
    "合資会社",           /* limited partnerships */
    "合名会社",           /* general partnerships */
};

/* Words that end an organization's name. A name run is cut after the
 * longest of these, so みなと市立病院 stays whole and みなと市立子育て… gives
 * みなと市. 区, 道, 都, 会 and センター are left out: 北区福祉課, 報道,
 * 当センター are not issuers. */
static const char *const name_endings[] = {
    "株式会社", "有限会社", "合同会社", /* legal words written last */
    "大学",     "大学校",   "短期大学", /* universities */
    "県立大",   "市立大",   "府立大",   /* news abbreviations of 県立大学 */
    "高校",     "高等学校", "中学校",     "小学校",
    "学園",                                         /* schools */
    "病院",     "医院",     "クリニック", "診療所", /* medical */
    "市",       "県",       "府",         "町",
    "村",       "役場", /* local government */
    "事務所",   "委員会",   "協議会",     "協会",
    "組合",     "機構",                           /* public bodies */
    "銀行",     "信用金庫", "信用組合",   "金庫", /* banks */
    "研究所",   "製作所",   "新聞社",     "通信社",
    "赤十字社",       /* other bodies */
    "省",       "庁", /* ministries */
};

/* First characters of self references: 本市, 当院, 弊社, 同大 name no one. */
static const char *const self_prefixes[] = {"本", "当", "弊", "同", "各",
                                            "全", "両", "貴", "他", "該"};

/* Particles: a name does not start with one ("…法人より委託"). */
static const char *const particles[] = {"の", "は", "が", "を", "に",   "で",
                                        "と", "へ", "も", "や", "より", "から"};

/* Aliases that mark the defined name as the issuer: "X(以下、「当社」)". */
static const char *const self_aliases[] = {
    "当社",   "弊社",   "当院",   "本学",   "当学", "当法人", "当会", "当協会",
    "当金庫", "当組合", "当財団", "当機構", "当行", "本市",   "当市", "本県",
};

/* Role words of a signature: "株式会社○○ 代表取締役 山田太郎". */
static const char *const role_words[] = {
    "代表取締役", "取締役社長", "代表理事", "理事長", "代表者",
    "代表",       "学長",       "院長",     "病院長", "市長",
    "町長",       "村長",       "知事",     "社長",   "会長",
};

/* Field labels of aggregator tables: "会社名 | みどり女子大学 |". */
static const char *const org_labels[] = {
    "会社名", "企業名", "組織名", "団体名", "法人名", "事業者名",
};

/* Labels that make a date the notice's own (before the date). */
static const char *const pub_labels[] = {
    "発表日時", "発表日", "公表日", "更新日", "掲載日",     "公開日",
    "発行日",   "配信日", "投稿日", "作成日", "リリース日",
};

/* A label of a later revision: its date is the notice's only when no issue
 * label stands ("更新日:10月2日 発表日:9月27日" → 9月27日). */
#define UPDATE_LABEL "更新日"

/* Words that may follow the notice's date on its line ("19:23配信"). */
static const char *const pub_after[] = {
    "配信", "発表", "公開", "更新", "掲載",
};

/* Last words of a news byline after the date: "… 18:05 ○○編集部". */
static const char *const byline_words[] = {
    "編集部", "編集局", "編集", "記者", "報道部", "取材班",
};

/* Verbs of a news lead whose subject is the issuer. */
static const char *const news_verbs[] = {"発表", "公表"};

/* Weekday marks that may follow a date: "(金)", "(月曜日)". */
static const char *const weekdays[] = {"月", "火", "水", "木", "金",
                                       "土", "日", "曜", "祝"};

/* Words that make a leading line navigation rather than a title. */
static const char *const nav_words[] = {"メニュー", "移動", "ナビ", "スキップ",
                                        "ラベル"};

#define COUNT(a) (sizeof(a) / sizeof(*(a)))

enum cclass {
    CC_OTHER = 0,
    CC_KANJI,
    CC_HIRA,
    CC_KATA,
    CC_LATIN, /* letters and digits of alphabetic scripts */
};

/* A line of the folded text, trimmed of white space: [s, e). */
struct line {
    size_t s, e;
};

static enum cclass cclass_of(int32_t cp)
{
    utf8proc_category_t c;

    if (cp >= 0x3041 && cp <= 0x309F)
        return CC_HIRA;
    if ((cp >= 0x30A1 && cp <= 0x30FF) || (cp >= 0x31F0 && cp <= 0x31FF) ||
        (cp >= 0xFF66 && cp <= 0xFF9F))
        return CC_KATA; /* ・ and ー included: エー・ビー・シー */
    if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF) ||
        cp == 0x3005 || cp == 0x3006)
        return CC_KANJI; /* 々 and 〆 repeat or abbreviate kanji */
    c = utf8proc_category(cp);
    if (c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL ||
        c == UTF8PROC_CATEGORY_LT || c == UTF8PROC_CATEGORY_ND)
        return CC_LATIN;
    return CC_OTHER;
}

/* Class of the character at @p i, *n its byte length. Decoded here rather
 * than through nf_text_cp: this runs once per character of every name
 * candidate, and kana and kanji (3 bytes) are nearly all of them. */
static enum cclass cc_at(const struct nf_text *t, size_t i, size_t *n)
{
    const unsigned char *u = (const unsigned char *)t->s + i;
    int32_t cp;
    size_t k;

    if (i >= t->len) {
        if (n)
            *n = 1;
        return CC_OTHER;
    }
    if (u[0] < 0x80) {
        if (n)
            *n = 1;
        return (u[0] >= '0' && u[0] <= '9') || (u[0] >= 'A' && u[0] <= 'Z') ||
                       (u[0] >= 'a' && u[0] <= 'z')
                   ? CC_LATIN
                   : CC_OTHER;
    }
    if ((u[0] & 0xF0) == 0xE0 && t->len - i >= 3) {
        if (n)
            *n = 3;
        cp = (int32_t)(u[0] & 0x0F) << 12 | (int32_t)(u[1] & 0x3F) << 6 |
             (u[2] & 0x3F);
        return cclass_of(cp);
    }
    k = nf_text_cp(t, i, &cp);
    if (n)
        *n = k ? k : 1;
    return k ? cclass_of(cp) : CC_OTHER;
}

/* Does the folded text at @p i hold the 3-byte character @p w? Inline, for
 * the per-character loops (、 の と 〜). */
static bool at3(const struct nf_text *t, size_t i, const char *w)
{
    return i + 3 <= t->len && t->s[i] == w[0] && t->s[i + 1] == w[1] &&
           t->s[i + 2] == w[2];
}

/* Index of the code point that ends just before @p i (i > lo). */
static size_t prev_cp(const struct nf_text *t, size_t lo, size_t i)
{
    do
        i--;
    while (i > lo && ((unsigned char)t->s[i] & 0xC0) == 0x80);
    return i;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static size_t skip_blanks(const struct nf_text *t, size_t i, size_t e)
{
    while (i < e && is_blank(t->s[i]))
        i++;
    return i;
}

static size_t word_at(const struct nf_text *t, size_t i, size_t e,
                      const char *const *tab, size_t n)
{
    size_t k, best = 0;

    if (i >= e)
        return 0;
    for (k = 0; k < n; k++) {
        size_t l;
        if (tab[k][0] != t->s[i])
            continue; /* cheap reject before strlen and memcmp */
        l = strlen(tab[k]);
        if (l > best && l <= e - i && memcmp(t->s + i, tab[k], l) == 0)
            best = l;
    }
    return best;
}

static bool ends_with(const struct nf_text *t, size_t s, size_t e,
                      const char *w)
{
    size_t l;

    if (e == s || t->s[e - 1] != w[strlen(w) - 1])
        return false;
    l = strlen(w);
    return e - s >= l && memcmp(t->s + e - l, w, l) == 0;
}

/* A name run from @p i: kanji, katakana, latin, with hiragana allowed only
 * before the first other character (さくら信用金庫, みなみかぜ総合病院).
 * @returns its end, or i when none starts there. */
static size_t name_run(const struct nf_text *t, size_t i, size_t e)
{
    size_t j = i, n;
    bool other = false;

    while (j < e && j - i < NAME_MAX_BYTES) {
        enum cclass c = cc_at(t, j, &n);
        if (c == CC_HIRA) {
            if (other)
                break;
        } else if (c == CC_KANJI || c == CC_KATA || c == CC_LATIN) {
            other = true;
        } else {
            break;
        }
        j += n;
    }
    if (!other)
        return i; /* hiragana alone is prose */
    while (j > i && cc_at(t, prev_cp(t, i, j), NULL) == CC_HIRA)
        j = prev_cp(t, i, j);
    return j;
}

/* True when [s, e) is a self reference or starts as one (本市, 当院). */
static bool is_self(const struct nf_text *t, size_t s, size_t name_end)
{
    size_t n;

    cc_at(t, s, &n);
    if (s + n != name_end)
        return false; /* more than one character before the ending */
    return word_at(t, s, name_end, self_prefixes, COUNT(self_prefixes)) != 0;
}

/* Longest prefix of the name run [s, e) that ends in an organization word
 * with a name before it. @returns its end, or s. */
static size_t ending_prefix(const struct nf_text *t, size_t s, size_t e)
{
    size_t j = s, best = s, n, k;
    uint64_t first = 0; /* bloom of the endings' first characters */

    for (k = 0; k < COUNT(name_endings); k++)
        first |= (uint64_t)1 << ((unsigned char)name_endings[k][2] & 63);
    while (j < e) {
        cc_at(t, j, &n);
        if (n != 3 || j == s ||
            !(first >> ((unsigned char)t->s[j + 2] & 63) & 1)) {
            j += n; /* no ending starts here: one test per character */
            continue;
        }
        for (k = 0; k < COUNT(name_endings); k++) {
            size_t l;
            if (name_endings[k][0] != t->s[j] ||
                name_endings[k][1] != t->s[j + 1])
                continue; /* every ending is kana or kanji: 2 bytes */
            l = strlen(name_endings[k]);
            if (l <= e - j && memcmp(t->s + j, name_endings[k], l) == 0 &&
                j + l > best && !is_self(t, s, j))
                best = j + l;
        }
        j += n;
    }
    return best;
}

/* A company word inside a run ("子会社サンプルペイ", "合弁会社X") introduces
 * the name: @returns the index after it, or s. */
static size_t after_company_word(const struct nf_text *t, size_t s, size_t e)
{
    size_t k = nf_text_find(t, s, e, "会社");

    if (k == (size_t)-1 || k + 6 >= e)
        return s;
    if (word_at(t, k >= s + 6 ? k - 6 : k, e, legal_words,
                COUNT(legal_words)) != 0 &&
        k >= s + 6)
        return s; /* 株式会社X is a legal phrase, handled as such */
    return k + 6;
}

/* Skip a parenthetical "(…)" at @p i of at most 60 bytes; @returns the index
 * after it, or i. */
static size_t skip_paren(const struct nf_text *t, size_t i, size_t e)
{
    size_t k;

    if (i >= e || t->s[i] != '(')
        return i;
    for (k = i + 1; k < e && k - i < 60; k++)
        if (t->s[k] == ')')
            return k + 1;
    return i;
}

/*
 * An organization starting at @p i of line end @p e: a legal word and a
 * name ("公益社団法人 みなと…"), a name and a legal word ("ABCD 株式
 * 会社"), or a name run cut after its organization word. With @p full, the
 * organization must fill the whole token (up to a blank, "(" or e).
 * @returns its end, or i.
 */
static bool token_ends(const struct nf_text *t, size_t k, size_t e);

/* The run of name characters, hiragana included, from @p i, without its
 * trailing hiragana: "あおぞら子ども支援ネット". @returns its end. */
static size_t kana_name_run(const struct nf_text *t, size_t i, size_t e)
{
    size_t j = i, n;

    while (j < e && j - i < NAME_MAX_BYTES && cc_at(t, j, &n) != CC_OTHER)
        j += n;
    while (j > i && cc_at(t, prev_cp(t, i, j), NULL) == CC_HIRA)
        j = prev_cp(t, i, j);
    return j;
}

/* Is [s, e) ASCII letters and digits only ("Brightleaf", "ABC2")? */
static bool all_latin(const struct nf_text *t, size_t s, size_t e)
{
    for (; s < e; s++)
        if ((unsigned char)t->s[s] >= 0x80 || cc_at(t, s, NULL) != CC_LATIN)
            return false;
    return true;
}

static size_t org_at(const struct nf_text *t, size_t i, size_t e, bool full)
{
    size_t l, j, r, k, q;

    l = word_at(t, i, e, legal_words, COUNT(legal_words));
    if (l) {
        j = skip_blanks(t, i + l, e);
        r = name_run(t, j, e);
        if (r == j || word_at(t, j, e, particles, COUNT(particles)))
            return i;
        /* after its legal word a name may hold hiragana inside (子ども,
         * みらい): taken when it fills its token, so that prose ("…法人
         * みどりが運営する…") keeps the strict run */
        k = kana_name_run(t, j, e);
        return k > r && token_ends(t, k, e) ? k : r;
    }
    r = name_run(t, i, e);
    if (r == i)
        return i;
    j = skip_blanks(t, r, e);
    l = word_at(t, j, e, legal_words, COUNT(legal_words));
    if (l && j - r <= 3)
        return j + l;
    /* a latin name of several words before its legal word: "Brightleaf
     * Systems Japan 株式会社" (one blank between words) */
    for (q = r; all_latin(t, i, r) && j - q == 1 && j - i < NAME_MAX_BYTES;
         j = skip_blanks(t, q, e)) {
        size_t w = name_run(t, j, e);
        if (w == j || !all_latin(t, j, w))
            break;
        q = w;
        k = skip_blanks(t, q, e);
        l = word_at(t, k, e, legal_words, COUNT(legal_words));
        if (l && k - q <= 3)
            return k + l;
    }
    for (k = 0; k < COUNT(legal_words) &&
                (ends_with(t, i, r, "会社") || ends_with(t, i, r, "法人"));
         k++)
        if (ends_with(t, i, r, legal_words[k]) &&
            r - i > strlen(legal_words[k]))
            return r;
    k = ending_prefix(t, i, r);
    if (k == i || (full && k != r))
        return i;
    return k;
}

/* Does the token end at @p k (blank, "(", end of line, or a role word)? */
static bool token_ends(const struct nf_text *t, size_t k, size_t e)
{
    return k >= e || is_blank(t->s[k]) || t->s[k] == '(';
}

static int set_str(const struct nf_text *t, size_t fo, size_t fe, bool squeeze,
                   struct nf_arena *a, struct nf_str *out)
{
    struct nf_span sp = nf_text_span(t, fo, fe);
    size_t n = 0;
    char *p;

    if (squeeze) {
        p = nf_text_squeeze(t->src + sp.off, sp.len, NF_MAX_FIELD_BYTES, a, &n);
    } else {
        n = sp.len;
        if (n > NF_MAX_FIELD_BYTES) {
            n = NF_MAX_FIELD_BYTES;
            while (n > 0 && ((unsigned char)t->src[sp.off + n] & 0xC0) == 0x80)
                n--;
        }
        p = nf_arena_alloc(a, n + 1);
        if (p)
            memcpy(p, t->src + sp.off, n);
    }
    if (!p)
        return NF_E_NOMEM;
    out->ptr = p;
    out->len = n;
    out->span = sp;
    return 0;
}

/* Trim a line and drop a leading bullet ("•", "■", "・", "-", "※"). */
static struct line trim_line(const struct nf_text *t, size_t s, size_t e)
{
    static const char *const bullets[] = {"•", "■",  "□", "●", "○", "◆",
                                          "◇", "・", "-", "*", "▼"};
    struct line ln;
    size_t b;

    s = skip_blanks(t, s, e);
    b = word_at(t, s, e, bullets, COUNT(bullets));
    if (b)
        s = skip_blanks(t, s + b, e);
    while (e > s && is_blank(t->s[e - 1]))
        e--;
    ln.s = s;
    ln.e = e;
    return ln;
}

/* Skip a leading "【…】" or "[…]" feed label of a headline. */
static size_t skip_label(const struct nf_text *t, size_t s, size_t e)
{
    const char *open = nf_text_at(t, s, "【") ? "】" : NULL;
    size_t k;

    if (!open && s < e && t->s[s] == '[')
        open = "]";
    if (!open)
        return s;
    k = nf_text_find(t, s, e < s + 120 ? e : s + 120, open);
    return k == (size_t)-1 ? s : skip_blanks(t, k + strlen(open), e);
}

static bool is_prose(const struct nf_text *t, struct line ln)
{
    return ln.e - ln.s > PROSE_LINE_BYTES ||
           nf_text_find(t, ln.s, ln.e, "。") != (size_t)-1;
}

static bool is_nav(const struct nf_text *t, struct line ln);

/* Collect the header zone. @returns the number of lines. */
static size_t head_lines(const struct nf_text *t, struct line *v)
{
    size_t i = 0, n = 0;

    while (i < t->len && n < HEAD_MAX_LINES && i < HEAD_MAX_BYTES) {
        size_t e = nf_text_line_end(t, i);
        struct line ln = trim_line(t, i, e);
        i = e + 1;
        if (ln.s == ln.e || is_nav(t, ln))
            continue; /* blog chrome ("ラベル … の投稿を表示") is no header */
        v[n++] = ln;
        if (is_prose(t, ln))
            break;
    }
    return n;
}

/* Collect the trailer zone: the last non-empty lines, in text order, back
 * to the first long line. A signature is short lines ("2023年12月7日",
 * "株式会社○○", "代表取締役 …"); a long line before them is the story, and
 * scanning it back to its start would read a one-paragraph text whole. */
static size_t tail_lines(const struct nf_text *t, struct line *v)
{
    struct line tmp[TAIL_MAX_LINES], ln;
    size_t e = t->len, n = 0, k, s, le, lo;

    while (e > 0 && n < TAIL_MAX_LINES && t->len - e < TAIL_MAX_BYTES) {
        le = t->s[e - 1] == '\n' ? e - 1 : e;
        lo = le > SIG_LINE_BYTES ? le - SIG_LINE_BYTES : 0;
        for (s = le; s > lo && t->s[s - 1] != '\n'; s--)
            ;
        if (s > 0 && t->s[s - 1] != '\n')
            break; /* a long line: the signature zone ends */
        ln = trim_line(t, s, le);
        if (ln.s != ln.e)
            tmp[n++] = ln;
        e = s;
    }
    for (k = 0; k < n; k++)
        v[k] = tmp[n - 1 - k];
    return n;
}

/* ---- organization ---------------------------------------------------- */

/* The name before a subject particle at @p p (は or が), in the sentence
 * starting at @p s: after the last 、, と-conjunct and の; a trailing
 * parenthetical is skipped. Sets [*ns, *ne). */
static bool subject_name(const struct nf_text *t, size_t s, size_t p,
                         size_t *ns, size_t *ne, bool *paren)
{
    size_t k = s, b = s, e = p, q;

    *paren = false;
    if (e > s && t->s[e - 1] == ')') {
        for (q = e - 1; q > s && e - q < 60 && t->s[q] != '('; q--)
            ;
        if (t->s[q] != '(')
            return false;
        /* a note on a name: an abbreviation or a place, never a date */
        for (k = q; k < e; k++)
            if ((t->s[k] >= '0' && t->s[k] <= '9') || at3(t, k, "〜") ||
                t->s[k] == '~')
                return false;
        *paren = true;
        e = q;
    }
    /* the subject is the first of "XとY", after the last 、 or の */
    for (k = s; k < e; k++)
        if (at3(t, k, "、") || t->s[k] == ',')
            s = k + (t->s[k] == ',' ? 1 : 3);
    for (k = s; k < e; k++)
        if (k > s && at3(t, k, "と") &&
            cc_at(t, prev_cp(t, s, k), NULL) != CC_HIRA) {
            e = k; /* みなと銀行 keeps its と: it follows kana */
            break;
        }
    k = b = s;
    while (k < e) {
        size_t n;
        if (at3(t, k, "の") || t->s[k] == ' ') {
            cc_at(t, k, &n);
            b = k + n;
            k += n;
            continue;
        }
        cc_at(t, k, &n);
        k += n;
    }
    b = after_company_word(t, b, e);
    if (name_run(t, b, e) != e || e == b)
        return false;
    *ns = b;
    *ne = e;
    return true;
}

/* The subject particle of sentence [s, e): the first は after a name (the
 * topic), else the first such が. @returns its index, or e. */
static size_t subject_mark(const struct nf_text *t, size_t s, size_t e)
{
    size_t k, n, first_ga = e;

    for (k = s; k < e; k += n) {
        enum cclass pc;
        const unsigned char *u = (const unsigned char *)t->s + k;
        /* は is E3 81 AF and が E3 81 8C: test the bytes, not the words */
        bool wa = u[0] == 0xE3 && u[1] == 0x81 && u[2] == 0xAF;
        bool ga = u[0] == 0xE3 && u[1] == 0x81 && u[2] == 0x8C;
        n = u[0] < 0x80 ? 1 : u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : 2;
        if (k == s || !(wa || ga))
            continue;
        pc = cc_at(t, prev_cp(t, s, k), NULL);
        if (pc != CC_KANJI && pc != CC_KATA && pc != CC_LATIN &&
            t->s[k - 1] != ')')
            continue;
        if (wa)
            return k;
        if (first_ga == e)
            first_ga = k;
    }
    return first_ga;
}

/* News lead: in the first sentences of a prose line, the subject "Xは" /
 * "Xが" when X is an organization by form; in the first sentence also any
 * name when the sentence reports (発表, 公表) or X carries a note "(KDN)". */
static size_t news_subject(const struct nf_text *t, struct line ln, bool lead,
                           size_t *ns)
{
    size_t ss = ln.s, sent;

    for (sent = lead ? 0 : 1; sent < LEAD_SENTENCES && ss < ln.e; sent++) {
        size_t lim =
            ln.e - ss > SENTENCE_MAX_BYTES ? ss + SENTENCE_MAX_BYTES : ln.e;
        size_t end = nf_text_find(t, ss, lim, "。"), k, s, e, v;
        bool paren;
        if (end == (size_t)-1)
            end = lim; /* read no further than a sentence may run */
        k = subject_mark(t, ss, end);
        if (k < end && subject_name(t, ss, k, &s, &e, &paren)) {
            if (org_at(t, s, e, true) == e) {
                *ns = s;
                return e;
            }
            for (v = 0; v < COUNT(news_verbs); v++)
                if (nf_text_find(t, k, end, news_verbs[v]) != (size_t)-1)
                    paren = true;
            if (sent == 0 && paren && e - s >= 6 && !is_self(t, s, e)) {
                *ns = s;
                return e;
            }
        }
        if (end == lim)
            break; /* no full stop within reach: no next sentence */
        ss = end + 3;
    }
    return 0;
}

/* A lead opening with a code-and-kanji name ("ABC東日本で…", "XY西日本
 * は…"): such a mixed run is a company's name, not a common noun. */
static size_t lead_name(const struct nf_text *t, struct line ln, size_t *ns)
{
    size_t r = name_run(t, ln.s, ln.e), k, n;
    bool upper = false, kanji = false;

    if (r == ln.s || !(at3(t, r, "で") || at3(t, r, "は") || at3(t, r, "が")))
        return 0;
    for (k = ln.s; k < r; k += n) {
        enum cclass c = cc_at(t, k, &n);
        upper = upper || (t->s[k] >= 'A' && t->s[k] <= 'Z');
        kanji = kanji || c == CC_KANJI;
    }
    if (!upper || !kanji)
        return 0;
    *ns = ln.s;
    return r;
}

/* End of the front zone, on a character boundary. */
static size_t front_end(const struct nf_text *t)
{
    size_t e = FRONT_BYTES;

    if (t->len <= e)
        return t->len;
    while (e > 0 && ((unsigned char)t->s[e] & 0xC0) == 0x80)
        e--;
    return e;
}

/* A definition "X(以下、「当社」)" in the body. */
static size_t defined_self(const struct nf_text *t, size_t *ns)
{
    size_t lim = front_end(t);
    size_t k = 0;

    while (k < lim) {
        size_t p = nf_text_find(t, k, lim, "(以下");
        size_t q, a, s;
        if (p == (size_t)-1)
            break;
        k = p + 1;
        q = p + strlen("(以下");
        while (q < lim && (at3(t, q, "、") || at3(t, q, "「") ||
                           t->s[q] == ' ' || t->s[q] == ','))
            q += t->s[q] == ' ' || t->s[q] == ',' ? 1 : 3;
        a = word_at(t, q, lim, self_aliases, COUNT(self_aliases));
        if (!a || p == 0)
            continue;
        /* the name just before "(" */
        s = p;
        while (s > 0 && p - s < NAME_MAX_BYTES) {
            size_t b = prev_cp(t, 0, s);
            enum cclass c = cc_at(t, b, NULL);
            if (c != CC_KANJI && c != CC_KATA && c != CC_LATIN)
                break;
            s = b;
        }
        if (s < p && !is_self(t, s, p)) {
            *ns = s;
            return p;
        }
    }
    return 0;
}

/* An aggregator field "会社名 | X |" or "会社名:X". */
static size_t labelled_org(const struct nf_text *t, size_t *ns)
{
    size_t lim = front_end(t);
    size_t from = 0, p;

    /* every label ends in 名: find it, then which label ends there */
    while ((p = nf_text_find(t, from, lim, "名")) != (size_t)-1) {
        size_t e, q, r, k, l = 0;
        from = p + 3;
        for (k = 0; k < COUNT(org_labels) && !l; k++)
            if (ends_with(t, 0, from, org_labels[k]))
                l = strlen(org_labels[k]);
        /* a field stands at a line start or a table cell, not in prose */
        if (!l || (from - l > 0 && t->s[from - l - 1] != '\n' &&
                   t->s[from - l - 1] != '|' && !is_blank(t->s[from - l - 1])))
            continue;
        e = nf_text_line_end(t, from);
        q = from;
        while (q < e && (is_blank(t->s[q]) || t->s[q] == '|' ||
                         t->s[q] == ':' || at3(t, q, "】")))
            q += at3(t, q, "】") ? 3 : 1;
        if (q == from)
            continue; /* no separator: "会社名等" is prose */
        r = org_at(t, q, e, false);
        if (r == q) {
            r = name_run(t, q, e);
            if (r == q || (!token_ends(t, r, e) && t->s[r] != '|'))
                continue;
        }
        *ns = q;
        return r;
    }
    return 0;
}

/* The first legal-entity phrase of the body ("業種 有限会社○○"): a legal
 * word names an organization wherever it stands. */
static size_t first_legal(const struct nf_text *t, size_t *ns)
{
    static const char *const tails[] = {"会社", "法人"};
    size_t lim = front_end(t);
    size_t best = 0, k;

    /* every legal word ends in 会社 or 法人: find those, then the word */
    for (k = 0; k < COUNT(tails); k++) {
        size_t from = 0, p, w, l, s, r;
        while ((p = nf_text_find(t, from, lim, tails[k])) != (size_t)-1) {
            from = p + strlen(tails[k]);
            for (w = 0; w < COUNT(legal_words); w++) {
                l = strlen(legal_words[w]);
                if (!ends_with(t, 0, from, legal_words[w]) || from < l)
                    continue;
                s = from - l;
                r = org_at(t, s, nf_text_line_end(t, s), false);
                if (r > s && (!best || s < *ns)) {
                    *ns = s;
                    best = r;
                }
                break;
            }
            if (best)
                break; /* later hits of this tail stand further on */
        }
    }
    return best;
}

/* A line that is an organization, alone or before a role word. */
static size_t org_line(const struct nf_text *t, struct line ln, size_t *ns)
{
    size_t s = skip_paren(t, ln.s, ln.e), r, k;

    s = skip_blanks(t, s, ln.e);
    r = org_at(t, s, ln.e, true);
    if (r == s) {
        /* before a role word any name is the signer's organization */
        r = name_run(t, s, ln.e);
        k = skip_blanks(t, r, ln.e);
        if (r == s || k == r ||
            !word_at(t, k, ln.e, role_words, COUNT(role_words)))
            return 0;
        *ns = s;
        return r;
    }
    k = skip_blanks(t, skip_paren(t, r, ln.e), ln.e);
    if (k < ln.e && !word_at(t, k, ln.e, role_words, COUNT(role_words)))
        return 0;
    *ns = s;
    return r;
}

/* The headline's organization: its first token, or its last one after a
 * blank ("…が漏洩 かもめ県立大"). */
static size_t title_org(const struct nf_text *t, struct line ln, size_t *ns,
                        bool *leading)
{
    size_t s = skip_label(t, ln.s, ln.e), r, k;

    r = org_at(t, s, ln.e, true);
    if (r > s && token_ends(t, r, ln.e)) {
        *ns = s;
        *leading = true;
        return r;
    }
    /* an organization word may also start a title: "山川市保有の…" */
    r = org_at(t, s, ln.e, false);
    if (r > s) {
        *ns = s;
        *leading = false;
        return r;
    }
    for (k = ln.e; k > s && !is_blank(t->s[k - 1]); k = prev_cp(t, s, k))
        ;
    if (k > s && org_at(t, k, ln.e, true) == ln.e) {
        *ns = k;
        *leading = false;
        return ln.e;
    }
    return 0;
}

/* ---- publication date ------------------------------------------------ */

/* Is [i, e) only a weekday, a time and a publication word? */
static bool trivial_rest(const struct nf_text *t, size_t i, size_t e)
{
    while (i < e) {
        char c = t->s[i];
        size_t w;
        if (is_blank(c) || c == '(' || c == ')' || c == ':' ||
            (c >= '0' && c <= '9')) {
            i++;
            continue;
        }
        w = word_at(t, i, e, weekdays, COUNT(weekdays));
        if (!w)
            w = word_at(t, i, e, pub_after, COUNT(pub_after));
        if (!w)
            return false;
        i += w;
    }
    return true;
}

/* Mentions inside line ln: [*first, *last] (indexes), count returned. */
static size_t line_dates(const struct nf_text *t, const struct nf_date_list *dl,
                         struct line ln, size_t *first, size_t *last)
{
    size_t so = t->map[ln.s], eo = t->map[ln.e];
    size_t lo = 0, hi = dl->n, n = 0, k;

    while (lo < hi) { /* first mention ending after the line start */
        size_t mid = lo + (hi - lo) / 2;
        if (dl->v[mid].span.off < so)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (k = lo; k < dl->n && dl->v[k].span.off < eo; k++) {
        if (!n)
            *first = k;
        *last = k;
        n++;
    }
    return n;
}

static bool range_mark(const struct nf_text *t, size_t i)
{
    return t->s[i] == '~' || nf_text_at(t, i, "〜") || nf_text_at(t, i, "～") ||
           nf_text_at(t, i, "から");
}

/* The title line's trailing date: "… 2022年12月16日", not a range end. */
static int title_date(const struct nf_text *t, const struct nf_date_list *dl,
                      struct line ln)
{
    size_t f, l, ds, de, p;

    if (!line_dates(t, dl, ln, &f, &l))
        return -1;
    ds = nf_text_fold_index(t, dl->v[l].span.off);
    de = nf_text_fold_index(t, dl->v[l].span.off + dl->v[l].span.len);
    if (ds <= ln.s || !trivial_rest(t, de, ln.e))
        return -1;
    p = prev_cp(t, ln.s, ds);
    while (p > ln.s && is_blank(t->s[p]))
        p = prev_cp(t, ln.s, p);
    if (range_mark(t, p) || t->s[p] == '(')
        return -1;
    if (!is_blank(t->s[ds - 1]) &&
        !word_at(t, p, ln.e, pub_labels, COUNT(pub_labels)))
        return -1;
    return (int)l;
}

/* A line holding one date and nothing but weekday/time: "2024/06/03". */
static int date_line(const struct nf_text *t, const struct nf_date_list *dl,
                     struct line ln)
{
    size_t f, l, ds, de;

    if (line_dates(t, dl, ln, &f, &l) != 1)
        return -1;
    ds = nf_text_fold_index(t, dl->v[f].span.off);
    de = nf_text_fold_index(t, dl->v[f].span.off + dl->v[f].span.len);
    if (!trivial_rest(t, ln.s, ds) || !trivial_rest(t, de, ln.e))
        return -1;
    return (int)f;
}

/* A header line opening with the notice's date, then a time and its
 * issuer or byline: "2025年6月25日　○○航空株式会社", "2024年2月8日 18:05
 * ○○編集部". @returns the date's index (*rest the issuer part), or -1. */
static int dated_line(const struct nf_text *t, const struct nf_date_list *dl,
                      struct line ln, struct line *rest)
{
    size_t f, l, ds, r, k, s;

    if (line_dates(t, dl, ln, &f, &l) != 1)
        return -1;
    ds = nf_text_fold_index(t, dl->v[f].span.off);
    r = nf_text_fold_index(t, dl->v[f].span.off + dl->v[f].span.len);
    if (ds != ln.s)
        return -1;
    while (r < ln.e && (is_blank(t->s[r]) || t->s[r] == ':' || t->s[r] == '(' ||
                        t->s[r] == ')' || (t->s[r] >= '0' && t->s[r] <= '9') ||
                        word_at(t, r, ln.e, weekdays, COUNT(weekdays))))
        r += (unsigned char)t->s[r] >= 0x80 ? 3 : 1;
    if (r >= ln.e || ln.e - r > NAV_MAX_BYTES / 2 ||
        nf_text_find(t, r, ln.e, "。") != (size_t)-1)
        return -1;
    rest->s = r;
    rest->e = ln.e;
    if (org_line(t, *rest, &s))
        return (int)f;
    for (k = 0; k < COUNT(byline_words); k++)
        if (ends_with(t, r, ln.e, byline_words[k]))
            return (int)f;
    return -1;
}

/* Line start before @p i, looked for only as far as a label may stand. */
static size_t near_line_start(const struct nf_text *t, size_t i)
{
    size_t lo = i > LABEL_BACK_BYTES + 12 ? i - LABEL_BACK_BYTES - 12 : 0;

    while (i > lo && t->s[i - 1] != '\n')
        i--;
    return i;
}

/* Line end after @p i, looked for only as far as "(金) 19:23配信". */
static size_t near_line_end(const struct nf_text *t, size_t i)
{
    size_t hi = t->len - i > LABEL_BACK_BYTES ? i + LABEL_BACK_BYTES : t->len;
    const char *p = memchr(t->s + i, '\n', hi - i);

    return p ? (size_t)(p - t->s) : hi;
}

/* A date with a publication label before it ("更新日:", "発表日時 | ") or a
 * publication word after it ("19:23配信"). */
static int labelled_date(const struct nf_text *t, const struct nf_date_list *dl,
                         size_t tail_start)
{
    size_t front = t->map[front_end(t)], tail = t->map[tail_start], k;
    int updated = -1;

    for (k = 0; k < dl->n; k++) {
        size_t ds, de, ls, le, q, j, w = 0;
        if (dl->v[k].span.off >= front && dl->v[k].span.off < tail)
            continue; /* a date in the story is not labelled as the notice's */
        ds = nf_text_fold_index(t, dl->v[k].span.off);
        de = nf_text_fold_index(t, dl->v[k].span.off + dl->v[k].span.len);
        ls = near_line_start(t, ds);
        le = near_line_end(t, de);
        /* back over the gap ("更新日付: ", "発表日時 | ") to the label */
        for (q = ds; q > ls && ds - q < LABEL_BACK_BYTES;) {
            size_t p = prev_cp(t, ls, q);
            if (!(is_blank(t->s[p]) || t->s[p] == ':' || t->s[p] == '|' ||
                  at3(t, p, "付") || at3(t, p, "時")))
                break;
            q = p;
        }
        for (j = 0; j < COUNT(pub_labels) && !w; j++)
            if (ends_with(t, ls, q, pub_labels[j]))
                w = strcmp(pub_labels[j], UPDATE_LABEL) == 0 ? 2 : 1;
        if (w == 1)
            return (int)k;
        if (w == 2 && updated < 0)
            updated = (int)k;
        j = de;
        while (j < le && j - de < 24 &&
               (is_blank(t->s[j]) || t->s[j] == '(' || t->s[j] == ')' ||
                t->s[j] == ':' || (t->s[j] >= '0' && t->s[j] <= '9') ||
                word_at(t, j, le, weekdays, COUNT(weekdays))))
            j += (unsigned char)t->s[j] >= 0x80 ? 3 : 1;
        if (nf_text_at(t, j, "配信"))
            return (int)k;
    }
    return updated;
}

/* ---- entry point ----------------------------------------------------- */

static size_t cps(const struct nf_text *t, struct line ln)
{
    size_t k, c = 0, n;

    for (k = ln.s; k < ln.e && c < TITLE_MIN_CPS; k += n) {
        cc_at(t, k, &n);
        c++;
    }
    return c; /* counted only as far as the title test needs */
}

static bool is_nav(const struct nf_text *t, struct line ln)
{
    size_t k;

    if (ln.e - ln.s > NAV_MAX_BYTES)
        return false;
    for (k = 0; k < COUNT(nav_words); k++)
        if (nf_text_find(t, ln.s, ln.e, nav_words[k]) != (size_t)-1)
            return true;
    return false;
}

/* A header line that is no headline: the issuer alone or with its
 * signer ("株式会社○○", "○○病院 院長 …"), or a labelled field
 * ("更新日:2024年10月2日"). */
static bool meta_line(const struct nf_text *t, struct line ln)
{
    size_t s;

    return word_at(t, ln.s, ln.e, pub_labels, COUNT(pub_labels)) != 0 ||
           org_line(t, ln, &s) != 0;
}

int nf_parse_header(const struct nf_text *t, const struct nf_date_list *dl,
                    struct nf_arena *a, struct nf_header *out,
                    struct nf_err *err)
{
    struct line head[HEAD_MAX_LINES], tail[TAIL_MAX_LINES], rest;
    size_t nh, nt, k, os = 0, oe = 0, ts = 0, te = 0;
    int title_line = -1, pub = -1;
    bool leading = false;

    memset(out, 0, sizeof(*out));
    out->published = -1;
    nh = head_lines(t, head);
    nt = tail_lines(t, tail);

    for (k = 0; k < nh && title_line < 0; k++)
        if (cps(t, head[k]) >= TITLE_MIN_CPS && date_line(t, dl, head[k]) < 0 &&
            !meta_line(t, head[k]))
            title_line = (int)k;

    /* organization: header lines in order, then body forms, then trailer */
    for (k = 0; k < nh && !oe; k++) {
        size_t s;
        oe = title_org(t, head[k], &s, &leading);
        if (oe && !leading && (int)k != title_line && !is_prose(t, head[k]))
            oe = 0; /* a prefix or last-token org only in title or lead */
        if (!oe && dated_line(t, dl, head[k], &rest) >= 0)
            oe = org_line(t, rest, &s); /* "2025年6月25日 ○○株式会社" */
        if (!oe && is_prose(t, head[k]))
            oe = lead_name(t, head[k], &s);
        if (!oe && is_prose(t, head[k]))
            oe = news_subject(t, head[k], true, &s);
        if (oe)
            os = s;
    }
    if (!oe && nh > 0 && is_prose(t, head[nh - 1])) {
        /* the lead's next paragraph: "…と、○○協議会は述べています" */
        size_t i = head[nh - 1].e, e;
        while (i < t->len && (t->s[i] == '\n' || is_blank(t->s[i])))
            i++;
        e = nf_text_line_end(t, i);
        if (i < e)
            oe = news_subject(t, trim_line(t, i, e), false, &os);
    }
    if (!oe)
        oe = defined_self(t, &os);
    if (!oe)
        oe = labelled_org(t, &os);
    for (k = 0; k < nt && !oe; k++)
        oe = org_line(t, tail[k], &os);
    if (!oe)
        oe = first_legal(t, &os);
    if (oe && set_str(t, os, oe, true, a, &out->organization))
        goto nomem;

    /* title: the headline, without its feed label, org and date */
    if (title_line >= 0) {
        struct line ln = head[title_line];
        int d = title_date(t, dl, ln);
        ts = skip_label(t, ln.s, ln.e);
        te = ln.e;
        if (leading && oe > ts && oe <= te && os == ts)
            ts = skip_blanks(t, oe, te);
        if (d >= 0) {
            size_t ds = nf_text_fold_index(t, dl->v[d].span.off);
            if (ds > ts)
                te = ds;
            pub = d;
        }
        while (te > ts && is_blank(t->s[te - 1]))
            te--;
        if (te > ts && set_str(t, ts, te, false, a, &out->title))
            goto nomem;
    }

    /* published: headline date, labelled date, header date line, then a
     * signature's date line */
    if (pub < 0)
        pub = labelled_date(t, dl, nt ? tail[0].s : t->len);
    for (k = 0; k < nh && pub < 0; k++) {
        pub = date_line(t, dl, head[k]);
        if (pub < 0)
            pub = dated_line(t, dl, head[k], &rest);
    }
    for (k = 0; k < nt && pub < 0; k++) {
        size_t s;
        pub = date_line(t, dl, tail[k]);
        if (pub >= 0 && k + 1 < nt && !org_line(t, tail[k + 1], &s))
            pub = -1; /* a signature date stands above the signer */
    }
    out->published = pub;
    return 0;

nomem:
    return nf_err_set(err, NF_E_NOMEM, 0, "out of memory in header");
}
