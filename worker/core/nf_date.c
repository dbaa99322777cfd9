/*
 * nf_date.c - every calendar day a notice mentions, and the role of each.
 *
 * Forms (folded text: full-width digits and punctuation are ASCII):
 *   2022年12月16日, 2022 年 7 月 1 日, 2022/12/6, 2022-12-06, 2022.12.6
 *   令和4年10月26日, 令和元年5月1日 (2019), 令和六年五月二十八日, R4.10.26
 *   12月7日, 6日 23:30, 12/6, 同29日, 十一月一日 (no year: from context)
 *   昨年12月20日, 先月28日 (from the issue date), 23年1月5日 and 6年4月1日
 *   (short years, kept only near the notice's own years)
 *   2019年8月22日~2022年8月4日, 12月1日から31日まで, 2024.4.22(月)〜6.30(日),
 *   5日夜から翌6日未明にかけて (an end told from the start)
 *   同日, 翌日, 翌々日, 前日, 翌3日, 本日(12日) (relative to the last day)
 * Weekdays ((水), (月・祝)) stay out of spans but pick the year of a yearless
 * day when only one year fits.
 *
 * Approach: one pass reads expressions into "raw" items (only what is
 * written) with a bounded look-ahead; a failed attempt skips its whole digit
 * run, so "12022年12月1日" yields nothing and the scan stays linear. A
 * second pass fills missing years from the last day or year-month: the year
 * that keeps the day within ~8 months of it (2023-01-10, then 12月28日 →
 * 2022-12-28; 2022-12-28, then 1月5日 → 2023-01-05), else the first dated
 * item ahead, else the caller's reference, else the day is dropped. Yearless
 * 26日 and 5/31 need a following time, weekday or particle of time, which
 * keeps out durations (60日間), rates (1日に約1万件) and fractions.
 *
 * Roles: a cue (判明, 連絡を受け, 気付) after a day, before the next day of
 * its sentence and not after a plan (予定), a telling (公表) or a bound
 * (以降, 時点), makes a discovery day; the first in the text wins (corpus:
 * 0.98, against 0.97 for the earliest date). A finding of an event told
 * before it (2日に...を受けていたことが判明) belongs to the day opening the
 * sentence (10月5日、), if any, not to the event's day. The period is the
 * range pair labelled best (キャンペーン期間, 対象期間; 期間, にかけて for
 * incidents).
 *
 * Discarded: regular expressions (no linear-time regex in libc, no way to
 * carry the inference) and resolving while reading (a yearless day before
 * the first full date needs the look-ahead of the second pass).
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "nf_core_int.h"

/* Years a notice's day can have: outside, a number is an age, price ... */
#define YEAR_MIN 1980
#define YEAR_MAX 2100
/* Spaces allowed between the parts of a date (2022 年 7 月 1 日). */
#define MAX_SP 3
/* Raw items kept per document: days plus year-month contexts. */
#define MAX_RAW (2 * NF_MAX_DATES)
/* Size of the bit sets of first characters (date words, cue words): a
 * character's bit is its code point modulo this. */
#define START_BITS 1024
/* A yearless day further than this from its context (in days) belongs to
 * the next or previous year. */
#define ROLL_DAYS 245
/* Non-empty lines at the top in which the first full date is the issue date
 * that a bare 本日 refers to. */
#define HEADER_LINES 3
/* Bytes of a bracketed other-calendar year: 2022(令和4)年. */
#define ALT_YEAR_MAX 20
/* Bytes after a day searched for its cue: in its sentence, then in its
 * paragraph. The next day mentioned ends either window. */
#define CUE_SENTENCE_MAX 600
#define CUE_PARA_MAX     1200
/* Bytes after a cue searched for a negation (確認されておりません). */
#define NEG_WINDOW 30
/* Bytes before a range searched for its label (キャンペーン期間: ...), and
 * after it (... の期間に). */
#define LABEL_BACK 200
/* Bytes before a day searched for a discovery label (判明日：). */
#define FOUND_LABEL_BACK 45
#define LABEL_FWD        90

/* ---- tables ------------------------------------------------------------ */

/* Japanese eras: year n of an era is first + n - 1 (元年 is n = 1). */
static const struct era {
    const char *kanji;
    char letter; /* abbreviation: R4.10.26, H31/4/30 */
    int first;
} eras[] = {
    {"令和", 'R', 2019}, /* Reiwa, from 2019-05-01 */
    {"平成", 'H', 1989}, /* Heisei, 1989-01-08 .. 2019-04-30 */
    {"昭和", 'S', 1926}, /* Showa: only its years from 55 are in range */
    {"㋿", 'R', 2019},  /* U+32FF, the one-character Reiwa of PDFs */
    {"㍻", 'H', 1989},   /* U+337B, one-character Heisei */
    {"㍼", 'S', 1926},   /* U+337C, one-character Showa */
};

/* Kanji digits of formal dates (令和六年五月二十八日); 十 is ten, used as
 * 十, 十一, 二十, 三十一. 〇 also writes zero (二〇). */
static const char *const kanji_digits[] = {"〇", "一", "二", "三", "四",
                                           "五", "六", "七", "八", "九"};
static const char kanji_ten[] = "十";

/* Written for the first year of an era (令和元年). */
static const char era_gan[] = "元";

/* Year, month and day markers. The Kangxi radicals ⽉ (U+2F49) and ⽇
 * (U+2F47) stand for 月 and 日 in text extracted from PDFs. */
static const char *const kanji_year[] = {"年"};
static const char *const kanji_month[] = {"月", "⽉"};
static const char *const kanji_day[] = {"日", "⽇"};

/* Weekday kanji, index = days after Sunday: (水), (月・祝), 月曜日. */
static const char *const weekdays[] = {"日", "月", "火", "水",
                                       "木", "金", "土"};
/* The "day of the week" suffix of a spelled-out weekday (月曜日). */
static const char weekday_suffix[] = "曜";

/* Marks joining the ends of a range. ～ arrives folded to '~'; 〜 (U+301C)
 * and ― are not folded. '-' joins only kanji-form dates (2022-12-06 is one
 * date). */
static const char *const range_marks[] = {"~", "〜", "―", "から", "-"};

/* Words before a day-only "N日" that make it a count of days or a
 * recurring day, not a calendar day: 約3日, 第2日, 毎月1日, 最大5日. */
static const char *const day_bad_before[] = {
    "約",   "第",   "毎",   "各",   "計",   "最大",   "最長", "最短",
    "最低", "過去", "直近", "ここ", "数",   "およそ", "概ね", "平均",
    "生後", "満",   "週",   "計約", "残り", "わずか",
};

/* Words after "N日" that make it a duration or an amount (60日間, 8日以上,
 * 3日以内, 4日前, 5日分, 1日当たり): checked on range ends and 翌3日. */
static const char *const day_bad_after[] = {
    "間",   "以上", "以内", "以下",   "未満",   "前",     "後",
    "目",   "分",   "ぶり", "連続",   "程度",   "ほど",   "おき",
    "ごと", "超",   "余",   "当たり", "あたり", "足らず",
};

/* What may follow a yearless "N日" for it to be a point in time: a
 * time-of-day word or a particle of time (26日、 / 6日 23:30 / 9日中に).
 * A time or a weekday is accepted too. */
static const char *const day_ok_after[] = {
    "午前", "午後", "朝", "昼",   "夕",   "夜", "晩", "未明", "深夜", "早朝",
    "正午", "中",   "に", "から", "まで", "、", ",",  "付",   "時点", "現在",
    "以降", "以後", "頃", "ごろ", "より", "~",  "〜", "-",    "と",
};

/* After "N日に": a rate per day, not a day (1日に約1万件, 1日に数回). */
static const char *const day_rate_after[] = {
    "数", "何", "約", "最大", "平均", "およそ", "複数", "一", "二"};

/* What may follow a yearless month/day "12/6" (a ratio or fraction rarely
 * takes these): 12/6 以後, 5/31には, 2/12(木). */
static const char *const slash_ok_after[] = {
    "に", "から", "まで", "以降", "以後", "頃", "ごろ", "付",   "時点", "現在",
    "~",  "〜",   "午前", "午後", "朝",   "夜", "深夜", "未明", "より",
};

/* Times of day between a date and a range mark (5月28日夜から). */
static const char *const day_parts[] = {"早朝", "朝",   "昼",   "夕方", "夕刻",
                                        "夜",   "深夜", "未明", "頃",   "ごろ"};

/* Time-of-day prefixes before a clock time (午後6時9分). */
static const char *const time_prefix[] = {"午前", "午後"};
/* Markers of an approximate time, part of the time (16:30 頃). */
static const char *const time_approx[] = {"頃", "ごろ"};
static const char time_hour[] = "時";
static const char time_minute[] = "分";

enum rel {
    REL_NONE = 0,
    REL_SAME,     /* 同日 */
    REL_NEXT,     /* 翌日 */
    REL_PREV,     /* 前日 */
    REL_TODAY,    /* 本日: the issue date */
    REL_NEXT_DOM, /* 翌3日: the next 3rd of a month */
    REL_NEXT2,    /* 翌々日 */
    REL_YESTERDAY /* 昨日: the day before the issue date */
};

/* Words naming a day relative to the day just mentioned. */
static const struct {
    const char *word;
    enum rel rel;
} rel_words[] = {
    {"翌々日", REL_NEXT2},   /* two days after it */
    {"同日", REL_SAME},      /* the day just mentioned */
    {"翌日", REL_NEXT},      /* the day after it */
    {"翌朝", REL_NEXT},      /* the next morning */
    {"前日", REL_PREV},      /* the day before it */
    {"本日", REL_TODAY},     /* the issue date; 本日(12日) names its day */
    {"昨日", REL_YESTERDAY}, /* the day before the issue date */
};

/* After a relative word: an open period (翌日以降) or a comparison
 * (前日比) is not one day. */
static const char *const rel_bad_after[] = {"以降", "以前", "比"};

/* "翌3日": the next 3rd after the day just mentioned. */
static const char next_prefix[] = "翌";
/* Month words before a day number: this month (今月24日, 同月5日, and the
 * news style 同29日). */
static const char *const this_month_words[] = {"今月", "同月", "当月", "同"};
/* ... and the next month (翌月3日). */
static const char next_month_word[] = "翌月";
/* The month before the issue date's (news: 先月28日). */
static const char last_month_word[] = "先月";

/* Year words before M月(D日): a year counted from the context (the day
 * just mentioned) or, with issue, from the notice's own issue date. */
static const struct {
    const char *word;
    int add;
    bool issue;
} year_words[] = {
    {"同年", 0, false},  /* 平成30年3月から同年5月 */
    {"翌年", 1, false},  /* the year after the context */
    {"前年", -1, false}, /* the year before it */
    {"本年", 0, true},   /* the year of the notice */
    {"今年", 0, true},   /* the same, colloquial */
    {"昨年", -1, true},  /* 昨年12月20日 in a January notice */
};

/* Eras a year written without its era may belong to (6年4月1日 for
 * 令和6年, 30年 for 平成30年), besides 2000 + a two-digit year (23年). A
 * short year is taken only when one reading lies from two years before to
 * one year after the notice's own dates (a past event, or a plan). */
static const int short_year_bases[] = {2000, 2018, 1988};

/* Cue classes of the words after a day in its sentence. */
enum cue {
    CUE_NONE = 0,
    CUE_FOUND,      /* the organization learned of the incident */
    CUE_FOUND_WEAK, /* the same, less certain */
    CUE_OCCURRED,   /* the incident happened */
    CUE_REPORTED,   /* the organization told others */
    CUE_PLAN,       /* the day is a plan: nothing was learned on it */
};

/* Cue words. Longer words come first: the first match at a place wins, so
 * 連絡を受け (was told) is not read as 連絡. */
static const struct {
    const char *word;
    enum cue cue;
} cues[] = {
    /* told by someone else */
    {"連絡を受け", CUE_FOUND},
    {"連絡があり", CUE_FOUND},
    {"連絡が入", CUE_FOUND},
    {"連絡が寄せ", CUE_FOUND},
    {"報告を受け", CUE_FOUND},
    {"報告があり", CUE_FOUND},
    {"報告あり", CUE_FOUND},
    /* 情報提供 only as something received: 診療情報提供書 is a form */
    {"情報提供があ", CUE_FOUND},
    {"情報提供を受", CUE_FOUND},
    {"情報提供によ", CUE_FOUND},
    {"通報", CUE_FOUND},
    {"指摘", CUE_FOUND},
    /* found out by itself */
    {"判明", CUE_FOUND},
    {"発覚", CUE_FOUND},
    {"検知", CUE_FOUND},
    {"把握", CUE_FOUND},
    {"気付", CUE_FOUND},
    {"気づ", CUE_FOUND},
    {"気が付", CUE_FOUND},
    {"気がつ", CUE_FOUND},
    {"発見", CUE_FOUND},
    {"認知", CUE_FOUND},
    {"確認", CUE_FOUND},
    /* weaker signs of learning of it */
    {"被害を受け", CUE_FOUND_WEAK},
    {"被害に遭", CUE_FOUND_WEAK},
    {"検出", CUE_FOUND_WEAK},
    {"連絡", CUE_FOUND_WEAK},
    {"わかっ", CUE_FOUND_WEAK},
    {"分かっ", CUE_FOUND_WEAK},
    {"懸念", CUE_FOUND_WEAK}, /* 漏洩懸念 arose: the first sign of it */
    /* the event itself */
    {"不正アクセスを受け", CUE_OCCURRED},
    {"攻撃を受け", CUE_OCCURRED},
    {"発生", CUE_OCCURRED},
    {"感染", CUE_OCCURRED},
    {"侵入", CUE_OCCURRED},
    {"紛失", CUE_OCCURRED},
    {"盗難", CUE_OCCURRED},
    {"誤送信", CUE_OCCURRED},
    {"起き", CUE_OCCURRED},
    /* telling others */
    {"報告", CUE_REPORTED},
    {"公表", CUE_REPORTED},
    {"発表", CUE_REPORTED},
    {"届出", CUE_REPORTED},
    {"届け出", CUE_REPORTED},
    {"提出", CUE_REPORTED},
    {"申告", CUE_REPORTED},
    {"掲載", CUE_REPORTED},
    {"お知らせ", CUE_REPORTED},
    {"お送り", CUE_REPORTED},
    {"送付", CUE_REPORTED},
    {"郵送", CUE_REPORTED},
    {"発送", CUE_REPORTED},
    /* a day something is planned for */
    {"予定", CUE_PLAN},
};

/* Labels naming the day that follows them as the discovery day (発覚日：
 * 2024年5月15日, 判明日 | 5月15日). */
static const char *const found_labels[] = {
    "発覚日", "判明日", "検知日", "発見日", "覚知日", "認知日", "確認日"};

/* Nouns after a cue that make it a name, not a finding: 検知システム,
 * 通報窓口, 連絡体制. */
static const char *const cue_nouns[] = {"システム", "機能", "ツール",
                                        "ソフト",   "製品", "窓口",
                                        "体制",     "先",   "手順"};

/* Honorific prefixes: ご確認 / ご連絡 address the reader, not a finding. */
static const char *const honorifics[] = {"ご", "お"};

/* Negations after a cue (確認されておりません, 判明していない) and the
 * conditional (確認された場合). */
static const char *const negations[] = {"ません", "ない", "できず", "されず",
                                        "場合"};

/* Words right after a day that make it a bound or a reference point, not
 * the day something happened: 8月30日以降, 6月1日までの, 4月5日時点,
 * 4月1日現在, 7月1日付. */
static const char *const bound_after[] = {
    "まで", "以降", "以後", "以前", "以来",
    "から", "より", "時点", "現在", "付",
};

/* Brackets around a day standing as a heading (【2月19日】, 「...」). */
static const char *const heading_marks[] = {"】", "」", "』", "〕", "》"};

/* Labels naming a campaign's running period. */
static const char *const period_labels_strong[] = {
    "キャンペーン期間", "実施期間", "対象期間",
    "開催期間",         "搭乗期間", "適用期間",
};
/* Words after a range that make it a campaign's running time
 * (...までに実施したキャンペーン). */
static const char *const period_after_strong[] = {"キャンペーン", "実施",
                                                  "開催"};
/* Labels or phrases making a range a period (the window of an incident). */
static const char *const period_labels[] = {"期間", "にかけて", "時間帯",
                                            "の間"};

/* Marks between the parts of an enumerated period on one line
 * (① 5月28日 ~ 6月1日 ② 6月22日). */
static const char *const enum_marks[] = {"①",  "②",  "③", "④", "⑤",
                                         "、", "・", ",", "|", " "};

#define COUNT(a) (sizeof(a) / sizeof(*(a)))

/* ---- calendar ---------------------------------------------------------- */

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool nf_ymd_valid(struct nf_ymd d)
{
    static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30,
                                            31, 31, 30, 31, 30, 31};

    if (d.y < 1 || d.y > 9999 || d.m < 1 || d.m > 12 || d.d < 1)
        return false;
    return d.d <= mdays[d.m - 1] + (d.m == 2 && leap(d.y));
}

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian
 * calendar without tables or loops. */
long nf_ymd_to_days(struct nf_ymd d)
{
    long y = (long)d.y - (d.m <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long mp = (d.m + 9) % 12;
    long doy = (153 * mp + 2) / 5 + d.d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

struct nf_ymd nf_ymd_from_days(long z)
{
    struct nf_ymd r;
    long era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    r.d = (int)(doy - (153 * mp + 2) / 5 + 1);
    r.m = (int)(mp < 10 ? mp + 3 : mp - 9);
    r.y = (int)(yoe + era * 400 + (r.m <= 2));
    return r;
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static int weekday_of(struct nf_ymd d)
{
    long w = (nf_ymd_to_days(d) + 4) % 7;

    return (int)(w < 0 ? w + 7 : w);
}

static struct nf_ymd ymd(int y, int m, int d)
{
    struct nf_ymd r;

    r.y = y;
    r.m = m;
    r.d = d;
    return r;
}

static bool in_years(int y)
{
    return y >= YEAR_MIN && y <= YEAR_MAX;
}

/* ---- reading ----------------------------------------------------------- */

enum raw_kind {
    RAW_DAY,   /* a day, maybe without year or month */
    RAW_MONTH, /* a year and month only: context for later days */
    RAW_REL,   /* a relative day (同日, 翌日, 本日 ...) */
};

/* A date expression as written, before anything is inferred. */
struct raw {
    size_t fo, fe; /* folded span */
    int y, m, d;   /* 0 where not written */
    int wd;        /* weekday written after it (0 = Sunday), or -1 */
    int yadd;      /* year word (同年 0, 翌年 1), with yword */
    unsigned char kind;
    unsigned char rel;    /* enum rel, for RAW_REL */
    unsigned char yword;  /* year given by a year word */
    unsigned char mnext;  /* 翌月: the month after the context's */
    unsigned char mprev;  /* 先月: the month before the issue date's */
    unsigned char yissue; /* the year word counts from the issue date */
    int yshort;           /* a year written with 1-2 digits (23年), or 0 */
    unsigned char pair;   /* 1: start of a range, 2: its end */
    unsigned char window; /* followed by a time range (11:09~12:01) */
    unsigned char sep;    /* separator of a numeric form ('/', '.', '-') */
};

struct scan {
    const char *s;
    size_t n;
    struct raw *r; /* MAX_RAW entries */
    size_t nr;
    uint32_t starts[START_BITS / 32]; /* first characters of date words */
};

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned char c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Length of word @p w if the text at @p i starts with it, else 0. */
static size_t at_word(const struct scan *sc, size_t i, const char *w)
{
    size_t k;

    /* the first two bytes reject nearly every place before strlen/memcmp */
    if (i >= sc->n || sc->s[i] != w[0] ||
        (w[1] && (i + 1 >= sc->n || sc->s[i + 1] != w[1])))
        return 0;
    k = strlen(w);
    if (k > sc->n - i || memcmp(sc->s + i, w, k) != 0)
        return 0;
    return k;
}

static size_t at_any(const struct scan *sc, size_t i, const char *const *tbl,
                     size_t nt)
{
    size_t k, w;

    for (k = 0; k < nt; k++) {
        w = at_word(sc, i, tbl[k]);
        if (w)
            return w;
    }
    return 0;
}

/* Does the text just before @p i end with @p w? */
static bool ends_with(const struct scan *sc, size_t i, const char *w)
{
    size_t k = strlen(w);

    return k <= i && memcmp(sc->s + i - k, w, k) == 0;
}

static bool ends_with_any(const struct scan *sc, size_t i,
                          const char *const *tbl, size_t nt)
{
    size_t k;

    for (k = 0; k < nt; k++)
        if (ends_with(sc, i, tbl[k]))
            return true;
    return false;
}

static bool is_sp(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static size_t skip_sp(const struct scan *sc, size_t i)
{
    size_t k = 0;

    while (i < sc->n && k < MAX_SP && is_sp((unsigned char)sc->s[i])) {
        i++;
        k++;
    }
    return i;
}

/* Index before the spaces that end at @p i. */
static size_t back_sp(const struct scan *sc, size_t i)
{
    size_t k = 0;

    while (i > 0 && k < MAX_SP && is_sp((unsigned char)sc->s[i - 1])) {
        i--;
        k++;
    }
    return i;
}

/* Length of the digit run at @p i; its value in *v when it has at most 4
 * digits (longer runs are never part of a date). */
static size_t read_num(const struct scan *sc, size_t i, int *v)
{
    size_t j = i;
    int x = 0;

    while (j < sc->n && is_digit((unsigned char)sc->s[j])) {
        if (j - i < 4)
            x = x * 10 + (sc->s[j] - '0');
        j++;
    }
    *v = x;
    return j - i;
}

/* A 1-2 digit number in [lo, hi] at @p i: its end, or 0. */
static size_t read_small(const struct scan *sc, size_t i, int lo, int hi,
                         int *v)
{
    size_t nd = read_num(sc, i, v);

    if (nd == 0 || nd > 2 || *v < lo || *v > hi)
        return 0;
    return i + nd;
}

/* A kanji digit at @p i: its value (0..9) or -1. */
static int kanji_digit(const struct scan *sc, size_t i)
{
    size_t k;

    for (k = 0; k < COUNT(kanji_digits); k++)
        if (at_word(sc, i, kanji_digits[k]))
            return (int)k;
    return -1;
}

/* A number in [lo, hi] written in ASCII digits or in kanji (五, 十二,
 * 二十八, 三十一, 一二): its end, or 0. */
static size_t read_small_k(const struct scan *sc, size_t i, int lo, int hi,
                           int *v)
{
    size_t e = read_small(sc, i, lo, hi, v), tw = strlen(kanji_ten);
    int a, b;

    if (e)
        return e;
    a = kanji_digit(sc, i);
    if (at_word(sc, i, kanji_ten)) {
        b = kanji_digit(sc, i + tw);
        *v = 10 + (b > 0 ? b : 0);
        e = i + tw + (b > 0 ? tw : 0);
    } else if (a > 0 && at_word(sc, i + tw, kanji_ten)) {
        b = kanji_digit(sc, i + 2 * tw);
        *v = a * 10 + (b > 0 ? b : 0);
        e = i + 2 * tw + (b > 0 ? tw : 0);
    } else if (a >= 0) {
        b = kanji_digit(sc, i + tw);
        *v = b >= 0 ? a * 10 + b : a;
        e = i + tw + (b >= 0 ? tw : 0);
    } else {
        return 0;
    }
    /* 十 and the digits are each one 3-byte character */
    if (kanji_digit(sc, e) >= 0 || at_word(sc, e, kanji_ten) || *v < lo ||
        *v > hi)
        return 0;
    return e;
}

/* A weekday after a date: (水), ( 月・祝 ), (水曜日), 月曜日. Sets *wd and
 * returns the end, or returns @p i with *wd = -1. */
static size_t read_weekday(const struct scan *sc, size_t i, int *wd)
{
    size_t k = skip_sp(sc, i), j, w, lim;
    int x;

    *wd = -1;
    if (k < sc->n && sc->s[k] == '(') {
        j = skip_sp(sc, k + 1);
        for (x = 0; x < 7; x++) {
            w = at_word(sc, j, weekdays[x]);
            if (w)
                break;
        }
        if (x == 7)
            return i;
        /* holiday marks and 曜日 may follow: (月・祝), (水曜日) */
        lim = j + w + 16;
        for (j += w; j < sc->n && j < lim; j++) {
            if (sc->s[j] == ')') {
                *wd = x;
                return j + 1;
            }
            if (sc->s[j] == '\n' || sc->s[j] == '(')
                break;
        }
        return i;
    }
    for (x = 0; x < 7; x++) {
        w = at_word(sc, k, weekdays[x]);
        if (w && at_word(sc, k + w, weekday_suffix)) {
            j = k + w + strlen(weekday_suffix);
            j += at_any(sc, j, kanji_day, COUNT(kanji_day));
            *wd = x;
            return j;
        }
    }
    return i;
}

/* A clock time after a date: 16:30, 午後6時9分, 23:59, with 頃. Returns its
 * end, or @p i when none. */
static size_t skip_time(const struct scan *sc, size_t i)
{
    size_t k = skip_sp(sc, i), e;
    int h, mi;

    k += at_any(sc, k, time_prefix, COUNT(time_prefix));
    k = skip_sp(sc, k);
    e = read_small(sc, k, 0, 29, &h);
    if (!e)
        return i;
    if (e < sc->n && sc->s[e] == ':' && read_num(sc, e + 1, &mi) == 2) {
        e += 3;
        if (e < sc->n && sc->s[e] == ':' && read_num(sc, e + 1, &mi) == 2)
            e += 3;
    } else if (at_word(sc, e, time_hour)) {
        e += strlen(time_hour);
        k = read_small(sc, e, 0, 59, &mi);
        if (k && at_word(sc, k, time_minute))
            e = k + strlen(time_minute);
    } else {
        return i;
    }
    k = skip_sp(sc, e);
    k += at_any(sc, k, time_approx, COUNT(time_approx));
    return k > skip_sp(sc, e) ? k : e;
}

/* Is the text at @p j (after a yearless day or month/day) a point in time:
 * a weekday, a time, or one of @p ok? */
static bool point_after(const struct scan *sc, size_t j, const char *const *ok,
                        size_t nok)
{
    size_t k = skip_sp(sc, j), w;
    int wd;

    if (read_weekday(sc, j, &wd) > j || skip_time(sc, j) > j)
        return true;
    w = at_any(sc, k, ok, nok);
    if (!w)
        return false;
    /* "1日に3回" is a rate; "16日と23日" lists days */
    if (at_word(sc, k, "に"))
        return !(k + w < sc->n && is_digit((unsigned char)sc->s[k + w])) &&
               !at_any(sc, k + w, day_rate_after, COUNT(day_rate_after));
    if (at_word(sc, k, "と"))
        return k + w < sc->n && is_digit((unsigned char)sc->s[k + w]);
    return true;
}

/* May a yearless "N日" start at @p i? Not after a year or month marker (an
 * invalid date's remains), ASCII word characters, or a counting word. */
static bool day_before_ok(const struct scan *sc, size_t i)
{
    size_t k = back_sp(sc, i);
    unsigned char c;

    if (k == 0)
        return true;
    c = (unsigned char)sc->s[k - 1];
    if (c < 0x80)
        return !is_alnum(c) && c != '.' && c != '/' && c != ':' && c != '+' &&
               c != '#' && c != '%' && c != '-';
    return !ends_with_any(sc, k, kanji_year, COUNT(kanji_year)) &&
           !ends_with_any(sc, k, kanji_month, COUNT(kanji_month)) &&
           !ends_with_any(sc, k, day_bad_before, COUNT(day_bad_before));
}

/* May a numeric form (2022/12/6, 12/6) start at @p i? Not inside a word,
 * path, URL or version. */
static bool sep_before_ok(const struct scan *sc, size_t i)
{
    unsigned char c;

    if (i == 0)
        return true;
    c = (unsigned char)sc->s[i - 1];
    return !is_alnum(c) && !strchr("./-_=?&#%+\\", c);
}

static bool is_sep(unsigned char c)
{
    return c == '/' || c == '-' || c == '.';
}

/* A short bracketed aside at @p k (an other-calendar year: (令和4),
 * (2022)): the index after it and its spaces, or @p k. */
static size_t skip_bracket(const struct scan *sc, size_t k)
{
    size_t p;

    if (k >= sc->n || sc->s[k] != '(')
        return k;
    for (p = k + 1; p < sc->n && p < k + ALT_YEAR_MAX; p++) {
        if (sc->s[p] == '\n' || sc->s[p] == '(')
            return k;
        if (sc->s[p] == ')')
            return skip_sp(sc, p + 1);
    }
    return k;
}

/* "N日" (or ⽇) at @p k: its end, or 0. */
static size_t day_mark(const struct scan *sc, size_t k)
{
    size_t w = at_any(sc, skip_sp(sc, k), kanji_day, COUNT(kanji_day));

    return w ? skip_sp(sc, k) + w : 0;
}

/* After "M月" at @p j: " D 日" makes a day; "D~N日" a day opening a range
 * (1月8~10日); else the month stands alone. Returns the end. */
static size_t day_tail(const struct scan *sc, size_t j, struct raw *r)
{
    size_t k = skip_sp(sc, j), e, m, e2 = 0;
    int d, d2;

    e = read_small_k(sc, k, 1, 31, &d);
    if (e) {
        m = day_mark(sc, e);
        if (m) {
            r->d = d;
            r->kind = RAW_DAY;
            return m;
        }
        m = at_any(sc, e, range_marks, COUNT(range_marks) - 1);
        if (m)
            e2 = read_small(sc, e + m, 1, 31, &d2);
        if (e2 && day_mark(sc, e2)) {
            r->d = d;
            r->kind = RAW_DAY;
            return e;
        }
    }
    r->kind = RAW_MONTH;
    return j;
}

/* After a year ending at @p j: " M 月 ..." (kanji form). Returns the end
 * or 0. */
static size_t month_tail(const struct scan *sc, size_t j, struct raw *r)
{
    size_t k = skip_sp(sc, j), e, w;
    int m;

    /* 2024年(令和6年)5月: the other calendar's year in brackets */
    k = skip_bracket(sc, k);
    e = read_small_k(sc, k, 1, 12, &m);
    if (!e)
        return 0;
    e = skip_sp(sc, e);
    w = at_any(sc, e, kanji_month, COUNT(kanji_month));
    if (!w)
        return 0;
    r->m = m;
    return day_tail(sc, e + w, r);
}

/* "/M/D", ".M.D" or "-M-D" at @p j (j at the first separator). */
static size_t sep_tail(const struct scan *sc, size_t j, struct raw *r)
{
    unsigned char sep = (unsigned char)sc->s[j];
    size_t e, e2;
    int m, d;

    e = read_small(sc, j + 1, 1, 12, &m);
    if (!e || e >= sc->n || (unsigned char)sc->s[e] != sep)
        return 0;
    e2 = read_small(sc, e + 1, 1, 31, &d);
    if (!e2)
        return 0;
    /* 2022.12.6.1 or 2022-12-06-3 is a version or a document number */
    if (e2 + 1 < sc->n && is_sep((unsigned char)sc->s[e2]) &&
        is_digit((unsigned char)sc->s[e2 + 1]))
        return 0;
    r->m = m;
    r->d = d;
    r->sep = sep;
    r->kind = RAW_DAY;
    return e2;
}

/* After a year ending at @p j: 年 M月 D日, or a numeric form when
 * @p sep_ok. Returns the end, or 0. */
static size_t year_tail(const struct scan *sc, size_t j, struct raw *r,
                        bool sep_ok)
{
    size_t k = skip_sp(sc, j), w, p;

    /* 2022(令和4)年, 令和4(2022)年: the other calendar's year in brackets */
    p = skip_bracket(sc, k);
    if (at_any(sc, p, kanji_year, COUNT(kanji_year)))
        k = p;
    w = at_any(sc, k, kanji_year, COUNT(kanji_year));
    if (w)
        return month_tail(sc, k + w, r);
    if (sep_ok && j < sc->n && is_sep((unsigned char)sc->s[j]))
        return sep_tail(sc, j, r);
    return 0;
}

/* An era name at @p i (令和4年..., 令和2.10.31, R4.10.26, H31/4/30). */
static size_t read_era(const struct scan *sc, size_t i, struct raw *r)
{
    size_t k, w, e;
    const struct era *era = NULL;
    int n = 0;

    for (k = 0; k < COUNT(eras) && !era; k++) {
        w = at_word(sc, i, eras[k].kanji);
        if (w)
            era = &eras[k];
    }
    if (era) {
        k = skip_sp(sc, i + w);
        w = at_word(sc, k, era_gan);
        e = w ? k + w : read_small_k(sc, k, 1, 99, &n);
        if (w)
            n = 1;
    } else {
        for (k = 0; k < COUNT(eras) && !era; k++)
            if (sc->s[i] == eras[k].letter)
                era = &eras[k];
        if (!era || (i > 0 && is_alnum((unsigned char)sc->s[i - 1])))
            return 0;
        e = read_small(sc, i + 1, 1, 99, &n);
    }
    if (!e)
        return 0;
    r->y = era->first + n - 1;
    if (!in_years(r->y))
        return 0;
    return year_tail(sc, e, r, true);
}

/* A yearless day-only "N日" at @p i (digits end at @p e): accepted only
 * where the words around it make it a point in time. */
static size_t read_day_only(const struct scan *sc, size_t i, size_t e, int d,
                            struct raw *r)
{
    size_t end = day_mark(sc, e);

    if (!end || !day_before_ok(sc, i) ||
        !point_after(sc, end, day_ok_after, COUNT(day_ok_after)))
        return 0;
    r->d = d;
    r->kind = RAW_DAY;
    return end;
}

/* "25、26日": is the list element after @p j a day that read_day_only
 * would take? (at most four elements deep) */
static bool list_ok(const struct scan *sc, size_t j, int depth)
{
    size_t w, e, end;
    int d;

    w = at_word(sc, j, "、");
    if (!w)
        w = at_word(sc, j, "・");
    if (!w)
        w = at_word(sc, j, ",");
    if (!w || depth > 4)
        return false;
    e = read_small(sc, j + w, 1, 31, &d);
    if (!e)
        return false;
    end = day_mark(sc, e);
    if (end)
        return point_after(sc, end, day_ok_after, COUNT(day_ok_after));
    return list_ok(sc, e, depth + 1);
}

/* A yearless "M/D" at @p i. */
static size_t read_slash_md(const struct scan *sc, size_t i, struct raw *r)
{
    size_t e, e2;
    int m, d;

    e = read_small(sc, i, 1, 12, &m);
    if (!e || e >= sc->n || sc->s[e] != '/' || !sep_before_ok(sc, i))
        return 0;
    e2 = read_small(sc, e + 1, 1, 31, &d);
    if (!e2 || (e2 < sc->n && (sc->s[e2] == '/' || sc->s[e2] == '.')) ||
        !point_after(sc, e2, slash_ok_after, COUNT(slash_ok_after)))
        return 0;
    r->m = m;
    r->d = d;
    r->sep = '/';
    r->kind = RAW_DAY;
    return e2;
}

/* A date that starts with a digit at @p i. @p second: the end of a range,
 * where a bare "N日" or "M.D" needs no further evidence. */
static size_t read_digits(const struct scan *sc, size_t i, struct raw *r,
                          bool second, unsigned char first_sep)
{
    size_t nd, e, k, w;
    int v, d;

    nd = read_num(sc, i, &v);
    if (nd == 4 && in_years(v)) {
        if (i + nd < sc->n && is_sep((unsigned char)sc->s[i + nd]) &&
            !sep_before_ok(sc, i))
            return 0;
        r->y = v;
        e = year_tail(sc, i + nd, r, true);
        return r->kind == RAW_MONTH && second ? 0 : e;
    }
    if (nd > 2)
        return 0;
    k = skip_sp(sc, i + nd);
    /* 23年1月5日, 6年4月1日: a short year, checked when resolved */
    if (v >= 1 && at_any(sc, k, kanji_year, COUNT(kanji_year)) &&
        day_before_ok(sc, i)) {
        e = year_tail(sc, i + nd, r, false);
        if (e && r->kind == RAW_DAY) {
            r->yshort = v;
            return e;
        }
        return 0;
    }
    w = at_any(sc, k, kanji_month, COUNT(kanji_month));
    if (w) {
        /* "年" before: the remains of an invalid year (12022年12月) */
        if (!second &&
            (ends_with_any(sc, back_sp(sc, i), kanji_year, COUNT(kanji_year))))
            return 0;
        if (v < 1 || v > 12)
            return 0;
        r->m = v;
        e = day_tail(sc, k + w, r);
        return r->kind == RAW_DAY ? e : 0;
    }
    if (second) {
        e = day_mark(sc, i + nd);
        if (e && v >= 1 && v <= 31 &&
            !at_any(sc, e, day_bad_after, COUNT(day_bad_after))) {
            r->d = v;
            r->kind = RAW_DAY;
            return e;
        }
        /* 2024.4.22(月)〜6.30(日): the year carries over */
        if (first_sep && i + nd < sc->n && (sc->s[i + nd] == first_sep) &&
            v >= 1 && v <= 12) {
            e = read_small(sc, i + nd + 1, 1, 31, &d);
            if (e && !(e < sc->n && is_sep((unsigned char)sc->s[e]))) {
                r->m = v;
                r->d = d;
                r->sep = first_sep;
                r->kind = RAW_DAY;
                return e;
            }
        }
        return 0;
    }
    if (v >= 1 && v <= 31 && day_mark(sc, i + nd))
        return read_day_only(sc, i, i + nd, v, r);
    if (i + nd < sc->n && sc->s[i + nd] == '/')
        return read_slash_md(sc, i, r);
    if (v >= 1 && v <= 31 && day_before_ok(sc, i) && list_ok(sc, i + nd, 0)) {
        r->d = v;
        r->kind = RAW_DAY;
        return i + nd;
    }
    return 0;
}

/* A date starting with a year word or a month word (同年5月1日, 今月24日,
 * 翌月3日). */
static size_t read_word_date(const struct scan *sc, size_t i, struct raw *r)
{
    size_t k, w, e;
    int d;

    for (k = 0; k < COUNT(year_words); k++) {
        w = at_word(sc, i, year_words[k].word);
        if (w) {
            r->yword = 1;
            r->yadd = year_words[k].add;
            r->yissue = year_words[k].issue;
            return month_tail(sc, i + w, r);
        }
    }
    w = at_any(sc, i, this_month_words, COUNT(this_month_words));
    if (!w) {
        w = at_word(sc, i, next_month_word);
        r->mnext = w != 0;
    }
    if (!w) {
        w = at_word(sc, i, last_month_word);
        r->mprev = w != 0;
    }
    if (!w)
        return 0;
    e = read_small_k(sc, skip_sp(sc, i + w), 1, 31, &d);
    if (!e)
        return 0;
    e = day_mark(sc, e);
    if (!e || at_any(sc, e, day_bad_after, COUNT(day_bad_after)))
        return 0;
    r->d = d;
    r->kind = RAW_DAY;
    return e;
}

/* A yearless kanji month-day at @p i (十一月一日, 三月五日), as formal
 * wareki notices write every date after the first. Not inside a longer
 * kanji number or after a year marker (the remains of a failed year). */
static size_t read_kanji_md(const struct scan *sc, size_t i, struct raw *r)
{
    size_t tw = strlen(kanji_ten), e, w;
    int m;

    if (i >= tw &&
        (kanji_digit(sc, i - tw) >= 0 || at_word(sc, i - tw, kanji_ten)))
        return 0;
    if (ends_with_any(sc, back_sp(sc, i), kanji_year, COUNT(kanji_year)))
        return 0;
    e = read_small_k(sc, i, 1, 12, &m);
    if (!e)
        return 0;
    e = skip_sp(sc, e);
    w = at_any(sc, e, kanji_month, COUNT(kanji_month));
    if (!w)
        return 0;
    r->m = m;
    e = day_tail(sc, e + w, r);
    return r->kind == RAW_DAY ? e : 0;
}

/* Is the character before @p i a kanji or katakana, i.e. the end of a
 * noun that a following 前日 / 翌日 would be relative to? */
static bool noun_before(const struct scan *sc, size_t i)
{
    const unsigned char *u = (const unsigned char *)sc->s;
    size_t k = i;
    int32_t cp;

    while (k > 0 && i - k < 4 && (u[k - 1] & 0xC0) == 0x80)
        k--;
    if (k == 0 || i - k != 2 || u[k - 1] < 0xE0)
        return false;
    k--;
    cp = ((int32_t)(u[k] & 0x0F) << 12) | ((int32_t)(u[k + 1] & 0x3F) << 6) |
         (u[k + 2] & 0x3F);
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x30A1 && cp <= 0x30FA);
}

/* A relative day at @p i (同日, 翌日, 翌3日, 本日(12日) ...). */
static size_t read_rel(const struct scan *sc, size_t i, struct raw *r)
{
    size_t k, w = 0, e;
    const struct raw *last;
    int d;

    for (k = 0; k < COUNT(rel_words) && !w; k++) {
        w = at_word(sc, i, rel_words[k].word);
        if (w)
            r->rel = (unsigned char)rel_words[k].rel;
    }
    if (w) {
        e = i + w;
        if (r->rel == REL_TODAY && e < sc->n && sc->s[e] == '(') {
            k = read_small(sc, skip_sp(sc, e + 1), 1, 31, &d);
            k = k ? day_mark(sc, k) : 0;
            if (k && skip_sp(sc, k) < sc->n && sc->s[skip_sp(sc, k)] == ')') {
                r->d = d;
                e = skip_sp(sc, k) + 1;
            }
        }
    } else {
        w = at_word(sc, i, next_prefix);
        if (!w)
            return 0;
        e = read_small(sc, i + w, 1, 31, &d);
        e = e ? day_mark(sc, e) : 0;
        if (!e || at_any(sc, e, day_bad_after, COUNT(day_bad_after)))
            return 0;
        r->rel = REL_NEXT_DOM;
        r->d = d;
    }
    if (at_any(sc, e, rel_bad_after, COUNT(rel_bad_after)))
        return 0;
    /* "搭乗日の前日", "イベント前日": relative to something that is not the
     * day just written */
    if (r->rel != REL_TODAY && r->rel != REL_YESTERDAY && r->rel != REL_SAME &&
        !ends_with(sc, i, "その") && noun_before(sc, i))
        return 0;
    if (r->rel != REL_TODAY && r->rel != REL_YESTERDAY &&
        ends_with(sc, i, "の") && !ends_with(sc, i, "その")) {
        last = sc->nr ? &sc->r[sc->nr - 1] : NULL;
        if (!last || last->kind == RAW_MONTH)
            return 0;
        k = skip_sp(sc, skip_time(sc, read_weekday(sc, last->fe, &d)));
        if (k + strlen("の") != i)
            return 0;
    }
    r->kind = RAW_REL;
    return e;
}

/* May a relative day end a range? Those counted from the day before. */
static bool range_rel_ok(unsigned char rel)
{
    return rel == REL_SAME || rel == REL_NEXT || rel == REL_NEXT2 ||
           rel == REL_NEXT_DOM || rel == REL_TODAY;
}

/* Any date expression at @p i; *r filled, returns the end or 0. */
static size_t read_one(const struct scan *sc, size_t i, struct raw *r,
                       bool second, unsigned char first_sep)
{
    unsigned char c = (unsigned char)sc->s[i];
    size_t e;

    memset(r, 0, sizeof(*r));
    r->wd = -1;
    if (is_digit(c))
        e = read_digits(sc, i, r, second, first_sep);
    else if (c < 0x80)
        e = read_era(sc, i, r);
    else {
        e = read_era(sc, i, r);
        if (!e) {
            memset(r, 0, sizeof(*r));
            r->wd = -1;
            e = read_word_date(sc, i, r);
        }
        if (!e) {
            memset(r, 0, sizeof(*r));
            r->wd = -1;
            e = read_kanji_md(sc, i, r);
        }
        if (!e) {
            memset(r, 0, sizeof(*r));
            r->wd = -1;
            e = read_rel(sc, i, r);
        }
    }
    /* a range ends on a day, or on one told from its start (5日夜から翌6日
     * 未明, 14時から同日16時, 5月1日から本日まで) */
    if (!e || (second && r->kind != RAW_DAY &&
               !(r->kind == RAW_REL && range_rel_ok(r->rel))))
        return 0;
    r->fo = i;
    r->fe = e;
    return e;
}

static bool push(struct scan *sc, const struct raw *r)
{
    if (sc->nr >= MAX_RAW)
        return false;
    sc->r[sc->nr++] = *r;
    return true;
}

/* After a day ending at @p e: its weekday, a time, and a range or a time
 * window that may follow. Pushes the day (and a range end). Returns where
 * the scan goes on. */
static size_t finish_day(struct scan *sc, struct raw *r, size_t e)
{
    struct raw r2;
    size_t q, q2, k, w, e2;
    bool kanji = r->sep == 0 && r->kind == RAW_DAY && r->d;

    q = read_weekday(sc, e, &r->wd);
    q2 = skip_time(sc, q);
    k = skip_sp(sc, q2);
    k = skip_sp(sc, k + at_any(sc, k, day_parts, COUNT(day_parts)));
    w = at_any(sc, k, range_marks, COUNT(range_marks) - (kanji ? 0 : 1));
    if (!w || r->kind != RAW_DAY) {
        push(sc, r);
        return q2;
    }
    k = skip_sp(sc, k + w);
    if (q2 > q && skip_time(sc, k) > k && !read_one(sc, k, &r2, true, r->sep)) {
        r->window = 1;
        push(sc, r);
        return skip_time(sc, k);
    }
    e2 = read_one(sc, k, &r2, true, r->sep);
    if (!e2) {
        push(sc, r);
        return q2;
    }
    r->pair = 1;
    r2.pair = 2;
    e2 = read_weekday(sc, e2, &r2.wd);
    push(sc, r);
    push(sc, &r2);
    return e2;
}

/* The code point of the 3-byte character at @p u. */
static int32_t cp3(const unsigned char *u)
{
    return ((int32_t)(u[0] & 0x0F) << 12) | ((int32_t)(u[1] & 0x3F) << 6) |
           (u[2] & 0x3F);
}

/* Bit of the first character of a 3-byte word in a START_BITS set. */
static uint32_t start_bit(const unsigned char *u, size_t *word)
{
    int32_t cp = cp3(u);

    *word = (size_t)(cp & (START_BITS - 1)) / 32;
    return (uint32_t)1 << (cp & 31);
}

static void add_start(uint32_t *bits, const char *w)
{
    size_t word;
    uint32_t b;

    if (((unsigned char)w[0] & 0xF0) != 0xE0)
        return;
    b = start_bit((const unsigned char *)w, &word);
    bits[word] |= b;
}

/* The first characters of the era, year, month and relative words, so the
 * main loop tries read_one() only where one of them may stand. */
static void init_starts(struct scan *sc)
{
    size_t k;

    memset(sc->starts, 0, sizeof(sc->starts));
    for (k = 0; k < COUNT(eras); k++)
        add_start(sc->starts, eras[k].kanji);
    for (k = 0; k < COUNT(year_words); k++)
        add_start(sc->starts, year_words[k].word);
    for (k = 0; k < COUNT(this_month_words); k++)
        add_start(sc->starts, this_month_words[k]);
    for (k = 0; k < COUNT(rel_words); k++)
        add_start(sc->starts, rel_words[k].word);
    /* yearless kanji dates: 十一月一日 */
    for (k = 1; k < COUNT(kanji_digits); k++)
        add_start(sc->starts, kanji_digits[k]);
    add_start(sc->starts, kanji_ten);
    add_start(sc->starts, next_month_word);
    add_start(sc->starts, last_month_word);
    add_start(sc->starts, next_prefix);
}

/* May a date word start at @p i (a 3-byte character)? */
static bool word_start(const struct scan *sc, size_t i)
{
    size_t word;
    uint32_t b;

    if (i + 3 > sc->n)
        return false;
    b = start_bit((const unsigned char *)sc->s + i, &word);
    return (sc->starts[word] & b) != 0;
}

/* Read every date expression of the text into sc->r. */
static void read_all(struct scan *sc)
{
    size_t i = 0, e, nd;
    unsigned char c;
    struct raw r;
    int v;

    while (i < sc->n && sc->nr < MAX_RAW) {
        c = (unsigned char)sc->s[i];
        if (is_digit(c) || c == 'R' || c == 'H' || c == 'S' ||
            (c >= 0xE3 && c <= 0xE9 && word_start(sc, i))) {
            e = read_one(sc, i, &r, false, 0);
            if (e) {
                i = r.kind == RAW_DAY ? finish_day(sc, &r, e) : e;
                if (r.kind != RAW_DAY)
                    push(sc, &r);
                continue;
            }
        }
        if (is_digit(c)) {
            /* never restart inside a digit run: 12022年 is no 2022年 */
            nd = read_num(sc, i, &v);
            i += nd;
        } else if (c < 0x80) {
            i++;
        } else {
            i += c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        }
    }
}

/* ---- resolving --------------------------------------------------------- */

/* The year of M/D written without one, given the context day @p base (its
 * d may be 0 for a month context) and the weekday written (-1 if none). */
static int infer_year(struct nf_ymd base, int m, int d, int wd)
{
    struct nf_ymd c;
    long diff;
    int y, hit = 0, hits = 0;

    if (wd >= 0) {
        for (y = base.y - 1; y <= base.y + 1; y++) {
            c = ymd(y, m, d);
            if (nf_ymd_valid(c) && weekday_of(c) == wd) {
                hits++;
                hit = y;
            }
        }
        if (hits == 1)
            return hit;
    }
    /* compare at the 28th for 2月29日 so an invalid year does not matter */
    c = ymd(base.y, m, m == 2 && d == 29 ? 28 : d);
    diff = nf_ymd_to_days(c) -
           nf_ymd_to_days(ymd(base.y, base.m, base.d ? base.d : 15));
    if (diff > ROLL_DAYS)
        return base.y - 1;
    if (diff < -ROLL_DAYS)
        return base.y + 1;
    return base.y;
}

struct ctx {
    struct nf_ymd anchor; /* last day or year-month (d = 0) */
    bool has_anchor;
    struct nf_ymd prev; /* last day emitted */
    bool has_prev;
    struct nf_ymd ahead; /* first dated item of the text */
    bool has_ahead;
    struct nf_ymd header; /* issue date for 本日 */
    bool has_header;
    const struct nf_ymd *reference;
};

/* The context for a yearless item: the last one, else the first dated
 * item ahead, else the reference. */
static bool base_of(const struct ctx *cx, struct nf_ymd *b)
{
    if (cx->has_anchor)
        *b = cx->anchor;
    else if (cx->has_ahead)
        *b = cx->ahead;
    else if (cx->reference)
        *b = *cx->reference;
    else
        return false;
    return true;
}

static struct nf_ymd add_days(struct nf_ymd d, long n)
{
    return nf_ymd_from_days(nf_ymd_to_days(d) + n);
}

/* The calendar day of a relative item, or y = 0. */
static struct nf_ymd resolve_rel(const struct ctx *cx, const struct raw *r)
{
    struct nf_ymd z = ymd(0, 0, 0), p = cx->prev;

    switch (r->rel) {
    case REL_SAME:
        return cx->has_prev ? p : z;
    case REL_NEXT:
        return cx->has_prev ? add_days(p, 1) : z;
    case REL_NEXT2:
        return cx->has_prev ? add_days(p, 2) : z;
    case REL_YESTERDAY:
        return cx->has_header ? add_days(cx->header, -1) : z;
    case REL_PREV:
        return cx->has_prev ? add_days(p, -1) : z;
    case REL_NEXT_DOM:
        if (!cx->has_prev)
            return z;
        if (r->d > p.d)
            return ymd(p.y, p.m, r->d);
        return p.m == 12 ? ymd(p.y + 1, 1, r->d) : ymd(p.y, p.m + 1, r->d);
    case REL_TODAY:
        if (cx->has_header)
            return r->d ? ymd(cx->header.y, cx->header.m, r->d) : cx->header;
        if (r->d && cx->has_anchor)
            return ymd(cx->anchor.y, cx->anchor.m, r->d);
        return z;
    default:
        return z;
    }
}

/* The notice's issue date, for 本年, 昨年, 先月: the date at its top, else
 * the context. */
static bool issue_of(const struct ctx *cx, struct nf_ymd *b)
{
    if (cx->has_header) {
        *b = cx->header;
        return true;
    }
    return base_of(cx, b);
}

/* The year a year word (同年, 昨年 ...) names, or 0. */
static int word_year(const struct ctx *cx, const struct raw *r)
{
    struct nf_ymd b;

    if (r->yissue ? !issue_of(cx, &b) : !cx->has_anchor)
        return 0;
    return (r->yissue ? b.y : cx->anchor.y) + r->yadd;
}

/* The year of a short year (23年, 6年): the reading near the context
 * (see short_year_bases), or 0. */
static int short_year(const struct ctx *cx, int yy)
{
    struct nf_ymd b;
    size_t k;
    int y;

    if (!base_of(cx, &b))
        return 0;
    for (k = 0; k < COUNT(short_year_bases); k++) {
        y = short_year_bases[k] + yy;
        if (y >= b.y - 2 && y <= b.y + 1 && in_years(y))
            return y;
    }
    return 0;
}

/* The calendar day of a day item; @p start is the resolved start when @p r
 * ends a range. y = 0 when it cannot be made certain. */
static struct nf_ymd resolve_day(const struct ctx *cx, const struct raw *r,
                                 const struct nf_ymd *start)
{
    struct nf_ymd z = ymd(0, 0, 0), b, d;
    int y;

    if (r->y)
        return ymd(r->y, r->m, r->d);
    if (r->yshort) {
        y = short_year(cx, r->yshort);
        return y ? ymd(y, r->m, r->d) : z;
    }
    if (start) {
        y = r->yword && r->yissue ? word_year(cx, r) : 0;
        d = ymd(y ? y : start->y + (r->yword ? r->yadd : 0),
                r->m ? r->m : start->m + r->mnext, r->d);
        if (d.m == 13)
            d = ymd(d.y + 1, 1, d.d);
        if (nf_ymd_valid(d) && nf_ymd_to_days(d) < nf_ymd_to_days(*start)) {
            if (r->m)
                d.y++;
            else if (d.m == 12)
                d = ymd(d.y + 1, 1, d.d);
            else
                d.m++;
        }
        return d;
    }
    if (r->yword) {
        y = word_year(cx, r);
        return y ? ymd(y, r->m, r->d) : z;
    }
    if (r->mprev) {
        if (!issue_of(cx, &b) || !b.m)
            return z;
        return b.m == 1 ? ymd(b.y - 1, 12, r->d) : ymd(b.y, b.m - 1, r->d);
    }
    if (!base_of(cx, &b))
        return z;
    if (!r->m) {
        if (!b.m)
            return z;
        if (!r->mnext)
            return ymd(b.y, b.m, r->d);
        return b.m == 12 ? ymd(b.y + 1, 1, r->d) : ymd(b.y, b.m + 1, r->d);
    }
    return ymd(infer_year(b, r->m, r->d, r->wd), r->m, r->d);
}

/* Is folded index @p fo within the first HEADER_LINES non-empty lines? */
static bool in_header(const struct scan *sc, size_t fo)
{
    size_t i;
    int lines = 0;
    bool content = false;

    for (i = 0; i < fo && i < sc->n; i++) {
        if (sc->s[i] == '\n') {
            lines += content;
            content = false;
            if (lines >= HEADER_LINES)
                return false;
        } else if (!is_sp((unsigned char)sc->s[i])) {
            content = true;
        }
    }
    return true;
}

static void emit(const struct nf_text *t, struct nf_date_list *out,
                 struct nf_ymd d, const struct raw *r, enum nf_date_role role)
{
    struct nf_date_mention *m;

    if (out->n >= NF_MAX_DATES)
        return;
    m = &out->v[out->n++];
    m->date = d;
    m->span = nf_text_span(t, r->fo, r->fe);
    m->role = role;
}

static void resolve_all(const struct nf_text *t, const struct scan *sc,
                        const struct nf_ymd *reference,
                        struct nf_date_list *out)
{
    struct ctx cx;
    struct nf_ymd d, start = {0, 0, 0};
    size_t k;
    int start_ix = -1;

    memset(&cx, 0, sizeof(cx));
    cx.reference = reference;
    /* the first dated item, and the first full date (the issue date if it
     * stands at the top) */
    for (k = 0; k < sc->nr && !cx.has_header; k++) {
        const struct raw *r = &sc->r[k];
        struct nf_ymd d0;
        if (!r->y || r->yword)
            continue;
        d0 = ymd(r->y, r->m, r->kind == RAW_DAY ? r->d : 0);
        if (!cx.has_ahead) {
            cx.ahead = d0;
            cx.has_ahead = true;
        }
        if (r->kind == RAW_DAY) {
            cx.has_header = nf_ymd_valid(d0) && in_header(sc, r->fo);
            cx.header = d0;
            break;
        }
    }
    for (k = 0; k < sc->nr; k++) {
        const struct raw *r = &sc->r[k];
        bool ends = r->pair == 2 && start_ix >= 0;

        if (r->kind == RAW_MONTH) {
            d = ymd(r->yword ? word_year(&cx, r) : r->y, r->m, 0);
            if (in_years(d.y)) {
                cx.anchor = d;
                cx.has_anchor = true;
            }
            continue;
        }
        d = r->kind == RAW_REL ? resolve_rel(&cx, r)
                               : resolve_day(&cx, r, ends ? &start : NULL);
        if (!nf_ymd_valid(d) || !in_years(d.y)) {
            /* a range whose end is no day is no range */
            if (r->pair == 2 && start_ix >= 0 &&
                out->v[start_ix].role == NF_DROLE_PERIOD_START)
                out->v[start_ix].role = NF_DROLE_OTHER;
            start_ix = -1;
            continue;
        }
        if (r->pair == 1 || r->window) {
            start_ix = out->n < NF_MAX_DATES ? (int)out->n : -1;
            start = d;
            emit(t, out, d, r, NF_DROLE_PERIOD_START);
        } else if (ends) {
            emit(t, out, d, r, NF_DROLE_PERIOD_END);
            start_ix = -1;
        } else {
            emit(t, out, d, r, NF_DROLE_OTHER);
            start_ix = -1;
        }
        cx.anchor = cx.prev = d;
        cx.has_anchor = cx.has_prev = true;
    }
}

int nf_date_scan(const struct nf_text *t, const struct nf_ymd *reference,
                 struct nf_arena *a, struct nf_date_list *out,
                 struct nf_err *err)
{
    struct scan sc;

    out->n = 0;
    /* not zeroed: emit() and push() write whole entries before any read,
     * and zeroing these fixed-size arrays cost more than the scan itself
     * on a short notice */
    out->v = nf_arena_alloc_uninit(a, NF_MAX_DATES * sizeof(*out->v));
    sc.r = nf_arena_alloc_uninit(a, MAX_RAW * sizeof(*sc.r));
    if (!out->v || !sc.r)
        return nf_err_set(err, NF_E_NOMEM, 0, "out of memory for dates");
    sc.s = t->s;
    sc.n = t->len;
    sc.nr = 0;
    if (reference && !nf_ymd_valid(*reference))
        reference = NULL;
    init_starts(&sc);
    read_all(&sc);
    resolve_all(t, &sc, reference, out);
    return 0;
}

/* ---- roles ------------------------------------------------------------- */

/* What a day's cue words say (strongest finding, other classes seen). */
struct cue_hit {
    int found; /* 0 none, 1 weak, 2 strong */
    bool occurred, reported, plan;
    bool told; /* the finding is of an event told before it: 2日に不正
                * アクセスを受けていたことが判明 (the day is the event's) */
};

static bool negated(const struct scan *sc, size_t i)
{
    size_t end = i + NEG_WINDOW < sc->n ? i + NEG_WINDOW : sc->n;

    for (; i < end; i++) {
        if (sc->s[i] == '\n' || at_word(sc, i, "。") || at_word(sc, i, "、"))
            return false;
        if (at_any(sc, i, negations, COUNT(negations)))
            return true;
    }
    return false;
}

/* The first characters of the cue words, so scan_cues() looks up the table
 * only where one of them stands. */
static void init_cue_bits(uint32_t bits[START_BITS / 32])
{
    size_t k, word;
    uint32_t b;

    memset(bits, 0, START_BITS / 8);
    for (k = 0; k < COUNT(cues); k++) {
        b = start_bit((const unsigned char *)cues[k].word, &word);
        bits[word] |= b;
    }
}

/* Scan the cue words of [from, to). A plan word before any finding ends
 * the scan: what follows it is not what happened on the day. */
static void scan_cues(const struct scan *sc, const uint32_t *bits, size_t from,
                      size_t to, struct cue_hit *h)
{
    size_t i, k, w, word;
    uint32_t b;

    for (i = from; i < to; i++) {
        if ((unsigned char)sc->s[i] < 0xE3 || i + 3 > sc->n)
            continue;
        b = start_bit((const unsigned char *)sc->s + i, &word);
        if (!(bits[word] & b))
            continue;
        for (k = 0; k < COUNT(cues); k++) {
            w = at_word(sc, i, cues[k].word);
            if (w)
                break;
        }
        if (k == COUNT(cues))
            continue;
        switch (cues[k].cue) {
        case CUE_FOUND:
        case CUE_FOUND_WEAK:
            if (ends_with_any(sc, i, honorifics, COUNT(honorifics)) ||
                at_any(sc, i + w, cue_nouns, COUNT(cue_nouns)) ||
                negated(sc, i + w))
                break;
            if (!h->found)
                h->told = h->occurred;
            if (cues[k].cue == CUE_FOUND)
                h->found = 2;
            else if (!h->found)
                h->found = 1;
            break;
        case CUE_OCCURRED:
            h->occurred = true;
            break;
        case CUE_REPORTED:
            /* 1月4日付けで掲載しましたが、...判明: the day of the telling */
            h->reported = true;
            if (!h->found)
                return;
            break;
        case CUE_PLAN:
            if (!h->found) {
                h->plan = true;
                return;
            }
            break;
        default:
            break;
        }
        i += w - 1;
    }
}

/* End of the sentence that runs from @p i, bounded by @p lim. */
static size_t sentence_end(const struct scan *sc, size_t i, size_t lim)
{
    for (; i < lim; i++)
        if (sc->s[i] == '\n' ||
            ((unsigned char)sc->s[i] == 0xE3 && at_word(sc, i, "。")))
            return i;
    return lim;
}

/* End of the events told after a day that opens its line: the rest of the
 * line, or the next line when the day stands alone as a heading
 * (【令和7年2月19日(水曜日)】). @p q is just after the day. */
static size_t para_end(const struct scan *sc, size_t q, size_t lim)
{
    size_t i, k;

    for (i = q; i < lim && sc->s[i] != '\n'; i++)
        ;
    if (i >= lim)
        return lim;
    for (k = q; k < i; k++)
        if ((unsigned char)sc->s[k] >= 0xE3 &&
            !at_any(sc, k, heading_marks, COUNT(heading_marks)))
            return i;
    for (i++; i < lim && sc->s[i] != '\n'; i++)
        ;
    return i;
}

/* Does a word of @p tbl start in folded [from, to)? */
static bool in_window(const struct scan *sc, size_t from, size_t to,
                      const char *const *tbl, size_t nt)
{
    size_t i;

    /* every label is Japanese: only lead bytes of 3-byte characters */
    for (i = from; i < to; i++)
        if ((unsigned char)sc->s[i] >= 0xE3 && at_any(sc, i, tbl, nt))
            return true;
    return false;
}

/* How much a range [a, b] looks like the period of the notice: 3 under a
 * campaign label, 2 with 期間 or にかけて near it, 1 bare. */
static int period_score(const struct scan *sc, const size_t *fo,
                        const size_t *fe, size_t a, size_t b, size_t n)
{
    size_t from, to;

    from = fo[a] > LABEL_BACK ? fo[a] - LABEL_BACK : 0;
    if (a > 0 && fe[a - 1] > from && fe[a - 1] <= fo[a])
        from = fe[a - 1];
    if (in_window(sc, from, fo[a], period_labels_strong,
                  COUNT(period_labels_strong)))
        return 3;
    if (in_window(sc, from, fo[a], period_labels, COUNT(period_labels)))
        return 2;
    to = fe[b] + LABEL_FWD < sc->n ? fe[b] + LABEL_FWD : sc->n;
    if (b + 1 < n && fo[b + 1] < to)
        to = fo[b + 1];
    to = sentence_end(sc, fe[b], to);
    if (in_window(sc, fe[b], to, period_after_strong,
                  COUNT(period_after_strong)))
        return 3;
    if (in_window(sc, fe[b], to, period_labels, COUNT(period_labels)))
        return 2;
    return 1;
}

/* Only spaces and enumeration marks between folded [from, to)? */
static bool only_enum(const struct scan *sc, size_t from, size_t to)
{
    size_t w;

    while (from < to) {
        w = at_any(sc, from, enum_marks, COUNT(enum_marks));
        if (!w)
            return false;
        from += w;
    }
    return true;
}

void nf_date_roles(const struct nf_text *t, struct nf_date_list *dl,
                   int published, enum nf_category cat, int *discovered,
                   int *period_start, int *period_end)
{
    struct scan sc;
    size_t fo[NF_MAX_DATES], fe[NF_MAX_DATES];
    size_t n = dl ? dl->n : 0, k, lim, send, pend;
    int best_tier = 0, best = -1, best_score = 0, ps = -1, pe = -1;
    bool cand[NF_MAX_DATES], same[NF_MAX_DATES];
    struct cue_hit hit[NF_MAX_DATES];
    int handed[NF_MAX_DATES];
    uint32_t cue_bits[START_BITS / 32];
    struct nf_ymd pub = {0, 0, 0};

    *discovered = *period_start = *period_end = -1;
    if (!t || n == 0)
        return;
    init_cue_bits(cue_bits);
    sc.s = t->s;
    sc.n = t->len;
    if (published >= 0 && (size_t)published < n)
        pub = dl->v[published].date;
    for (k = 0; k < n; k++) {
        struct nf_date_mention *m = &dl->v[k];
        fo[k] = nf_text_fold_index(t, m->span.off);
        fe[k] = nf_text_fold_index(t, m->span.off + m->span.len);
        cand[k] =
            m->role == NF_DROLE_PERIOD_START || m->role == NF_DROLE_PERIOD_END;
    }
    /* the period: the best-labelled range (or one-day time window) */
    for (k = 0; k < n && cat != NF_CAT_OTHER; k++) {
        size_t b = k;
        int score;
        if (dl->v[k].role != NF_DROLE_PERIOD_START)
            continue;
        if (k + 1 < n && dl->v[k + 1].role == NF_DROLE_PERIOD_END)
            b = k + 1;
        score = period_score(&sc, fo, fe, k, b, n);
        if (cat == NF_CAT_INCIDENT && score < 2)
            continue;
        if (score > best_score) {
            best_score = score;
            ps = (int)k;
            pe = (int)b;
        }
    }
    /* ① X ~ Y ② Z on one line: the period runs to the last day listed */
    while (pe >= 0 && (size_t)pe + 1 < n && fo[pe + 1] > fe[pe] &&
           only_enum(&sc, fe[pe], fo[pe + 1]))
        pe++;

    for (k = 0; k < n; k++)
        dl->v[k].role = NF_DROLE_OTHER;
    /* cue words: from each day to the next one, in its sentence first */
    for (k = 0; k < n; k++) {
        lim = k + 1 < n && fo[k + 1] > fe[k] ? fo[k + 1] : sc.n;
        send = sentence_end(
            &sc, fe[k],
            lim < fe[k] + CUE_SENTENCE_MAX ? lim : fe[k] + CUE_SENTENCE_MAX);
        memset(&hit[k], 0, sizeof(hit[k]));
        scan_cues(&sc, cue_bits, fe[k], send, &hit[k]);
        /* the sentence goes on into the next day */
        same[k] = k + 1 < n && send == lim && lim == fo[k + 1];
        if (hit[k].occurred)
            dl->v[k].role = NF_DROLE_OCCURRED;
        else if (hit[k].reported && !hit[k].found)
            dl->v[k].role = NF_DROLE_REPORTED;
    }
    /* handed[k]: the tier of the finding that the next days of k's sentence
     * tell of an event of theirs (below), found walking back once */
    for (k = n; k-- > 0;) {
        const struct cue_hit *nx = k + 1 < n ? &hit[k + 1] : NULL;
        handed[k] = 0;
        if (!nx || !same[k])
            continue;
        if (nx->found && (nx->told || cand[k + 1]))
            handed[k] = nx->found == 2 ? 3 : 1;
        else if (!nx->found && !nx->reported && !nx->plan)
            handed[k] = handed[k + 1];
    }
    for (k = 0; k < n; k++) {
        struct cue_hit h = hit[k];
        struct cue_hit hp = {0, false, false, false, false};
        int tier, wd;
        size_t q, lab;
        if (cat != NF_CAT_INCIDENT || cand[k] ||
            (pub.y && dl->v[k].date.y == pub.y && dl->v[k].date.m == pub.m &&
             dl->v[k].date.d == pub.d))
            continue;
        /* a bound or reference point is not the day of the finding */
        q = skip_time(&sc, read_weekday(&sc, fe[k], &wd));
        if (at_any(&sc, skip_sp(&sc, q), bound_after, COUNT(bound_after)))
            continue;
        tier = h.found == 2 ? 3 : h.found;
        /* 2日に不正アクセスを受けていたことが判明: the day of the event,
         * the finding's own day is not told (unless it opens the
         * sentence, below) */
        if (h.told && tier > 1)
            tier = 1;
        /* 10月5日、同月2日から4日にかけて...を受けていたことを確認: a day
         * with no words of its own opening a sentence whose later days
         * are the event's takes the finding */
        if (!h.found && !h.occurred && !h.reported && !h.plan)
            tier = handed[k];
        lab = fo[k] > FOUND_LABEL_BACK ? fo[k] - FOUND_LABEL_BACK : 0;
        if (k > 0 && fe[k - 1] > lab && fe[k - 1] <= fo[k])
            lab = fe[k - 1];
        if (in_window(&sc,
                      nf_text_line_start(t, fo[k]) > lab
                          ? nf_text_line_start(t, fo[k])
                          : lab,
                      fo[k], found_labels, COUNT(found_labels)))
            tier = 3;
        /* a day opening a paragraph of events (令和6年5月28日午後5時過ぎに、
         * ...。...気付きました) takes the finding later in it, unless its
         * own sentence says what the day was */
        if (!tier && !h.found && !h.occurred && !h.reported && !h.plan) {
            lim = k + 1 < n && fo[k + 1] > fe[k] ? fo[k + 1] : sc.n;
            send = sentence_end(&sc, fe[k],
                                lim < fe[k] + CUE_SENTENCE_MAX
                                    ? lim
                                    : fe[k] + CUE_SENTENCE_MAX);
            pend = para_end(&sc, q,
                            lim < fe[k] + CUE_PARA_MAX ? lim
                                                       : fe[k] + CUE_PARA_MAX);
            scan_cues(&sc, cue_bits, send, pend, &hp);
            tier = hp.found == 2 ? 2 : 0;
        }
        if (tier > best_tier) {
            best_tier = tier;
            best = (int)k;
        }
    }
    if (best >= 0) {
        *discovered = best;
        dl->v[best].role = NF_DROLE_DISCOVERED;
    }
    if (ps >= 0) {
        *period_start = ps;
        *period_end = pe;
        dl->v[ps].role = NF_DROLE_PERIOD_START;
        if (pe != ps)
            dl->v[pe].role = NF_DROLE_PERIOD_END;
    }
    if (published >= 0 && (size_t)published < n)
        dl->v[published].role = NF_DROLE_PUBLISHED;
}
