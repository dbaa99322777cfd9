/*
 * nf_count.c - counts of affected people or records in an incident notice.
 *
 * A count is a numeral (nf_num_parse) followed by a counter word:
 *   個人情報1,059人分 → 1059 人分       お客様873名で → 873 名
 *   計 5,288 人 → 5288 人, total       約3万件 / 二万五千件 → 30000 / 25000
 *   計 3,137 名分(内、... 868 名分) → 868 is a breakdown of 3137
 *   約1000名、...約19000名で、合計約2万名 → the items add up: breakdowns
 *   漏えい件数 | 4,871 | → a table cell under a count label, unit 件
 *   | 区分 | 人数 | 件数 | / |---| / | 合計 | 1,500 | 2,700 | → bare cells
 *     take their column header's unit; the 合計 row holds totals
 *   応募者3,210名様分 → 3210 名様分; 100名様 alone counts only with a record
 *     cue (お客様1,024名様の情報), else it is a prize (抽選で100名様)
 * A numeral without a counter word (2022年, 16:30, 159サイト, 500ポイント,
 * 1通, 65歳) is never one, which settles most non-counts by form alone.
 *
 * What remains is the noun the count is about: 不審なメールが 46 件送信,
 * 約 1,000 件(...)のログイン, 217名の会員様あてに送信, 逮捕された2人 are
 * not affected records. The clause around the number (at most WIN bytes
 * each way, cut at 。, 、, a line break that ends a sentence, and on the
 * right at the next count) is searched for the cue word (table `cues`)
 * nearest to the number, the right side winning a near tie because
 * Japanese puts the head noun and the verb after the count (N件のメール
 * アドレス, N件送信). No cue: a count. A clause opened by うち / (内 / N件中
 * with no cue of its own takes the decision of the count it divides; a
 * clause with no cue at all after the sentence's topic (お問い合わせは、
 * これまでに15件) takes the topic's. Form
 * rules: a one-kanji numeral is idiom (この一件), N人1組 a ratio, 1名が /
 * 職員2名が an actor, 1名ごと a rate, お問い合わせ件数 a compound whose
 * modifier decides.
 *
 * Roles: total after 計/合計/総数/延べ..., breakdown after うち/内訳,
 * inside (...) after a total, in list items under a total, or when counts
 * just before a total add up to it. Headline: the largest total, else the
 * largest count; the first mention on a tie (its unit is reported).
 *
 * Cost: one pass; each count reads at most 2 * WIN bytes of context and at
 * most MAX_CANDIDATES counts are examined, so the scan is O(n); a table's
 * header is read once, at its |---| rule. Kana and other non-numeral
 * characters are skipped whole.
 * Discarded: requiring a "record noun" (misses the bare "(38件)" and table
 * cells) and sentence parsing (too heavy per message, and notices are
 * often broken text extracted from PDFs).
 */
#include <string.h>

#include "nf_core_int.h"

/* Bytes of context read each way from a count (~50 kanji). */
#define WIN 150
/* Bytes between a total marker or 約 and the number (計 5,288: spaces,
 * "総数は", "合計で"). */
#define PREFIX_WIN 18
/* Right-side cues win a near tie by this many bytes (two kanji). */
#define RIGHT_BIAS 6
/* Counts before a total that may add up to it. */
#define SUM_LOOKBACK 8
/* Numerals with a counter word examined per document: each costs up to
 * 2 * WIN bytes of context, so this bounds the work on hostile input
 * ("1件" ten million times); real notices have a few dozen. */
#define MAX_CANDIDATES (16 * NF_MAX_COUNTS)
/* Columns of a pipe table whose headers are read. */
#define MAX_TABLE_COLS 16
/* Bytes of a header cell searched for its unit and cues. */
#define HEADER_CELL_MAX 96
/* Bits of the first-code-point filter of the cue table. */
#define CUE_FILTER_BITS 4096

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Counter words, longest first so 人分 wins over 人. The unit reported is
 * the table string. */
static const char *const counters[] = {
    "名様分", /* 応募者3,210名様分の氏名: customers' records, polite */
    "名様",   /* お客様1,024名様の情報: only with a record cue (see
               * polite_counter), else 抽選で100名様 (prize winners) */
    "人分",   /* 1,059人分: records of people */
    "名分",   /* 763名分 */
    "件分",   /* 1,000件分 */
    "世帯",   /* 202 世帯: households whose data leaked */
    "事業所", /* 76事業所85件のメールアドレス */
    "団体",   /* member organisations */
    "法人",   /* corporate customers */
    "アカウント", /* taken-over accounts */
    "社",         /* client companies */
    "校",         /* schools of a board of education */
    "人",         /* 4313人 */
    "名",         /* 873名 */
    "件",         /* 873件 */
};

/* The polite counter that counts only where a cue says what about: the
 * same 名様 counts customers whose data leaked and prize winners. */
static const char *const polite_counter = "名様";

/* A counter followed by one of these is another word, not a count. */
static const char *const counter_breakers[] = {
    "様",     /* 2人様まで: a polite head count of guests */
    "目",     /* 3件目, 2人目: ordinals */
    "組",     /* 2人組 */
    "義",     /* 名義 */
    "称",     /* 名称 */
    "ごと",   /* 大人1名ごとに: a rate */
    "当たり", /* 1人当たり */
    "あたり", /* same, in kana */
    "につき", /* 1件につき */
    "毎",     /* 1名毎 */
};

/* A bare number in a table cell under one of these labels is a count
 * (漏えい件数 | 4,871 |, メンバーIDの総数 | ① 323 ② 78 |); the unit is the
 * label's counter, since none is written. */
static const struct {
    const char *label;
    const char *unit;
    bool total;
} value_labels[] = {
    {"件数", "件", false}, /* 漏えい件数 | 4,871 | */
    {"人数", "人", false}, /* 漏えい人数: 83 */
    {"総数", "件", true},  /* IDの総数 | ① 323: a total, of records */
};

/* Column headers of a pipe table that give the bare numbers below them a
 * unit (| 区分 | 人数 | 件数 | over | 会員 | 1,200 | 2,400 |); the first
 * found in a header cell wins. */
static const struct {
    const char *word;
    const char *unit;
} column_units[] = {
    {"件数", "件"}, /* 漏えい件数, 対象件数 */
    {"人数", "人"}, /* 対象人数 */
    {"者数", "人"}, /* 対象者数 */
    {"(件)", "件"}, /* 漏えい数(件): the unit in parentheses */
    {"(人)", "人"}, {"(名)", "名"},
};

/* Circled enumerators of table cells (① 323 ② 78). */
static const char *const circled[] = {
    "①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨", "⑩",
};

/* Before a kanji numeral these make it vague or ordinal: 数千件, 何万人,
 * 幾百, 第三者. 第 also makes an ASCII numeral an ordinal (第2件). */
static const char *const vague_prefixes[] = {
    "数",
    "何",
    "幾",
    "第",
};

/* Approximation before the number (kept out of the span). */
static const char *const approx_before[] = {
    "約",       /* 約1,000件 */
    "およそ",   /* 総数およそ330人分 */
    "おおよそ", /* same, spelt out */
    "概ね",     /* 概ね500件 */
    "凡そ",     /* kanji spelling of およそ */
    "ほぼ",     /* ほぼ全員 does not parse; ほぼ100名 does */
};

/* Approximation after the counter word: 500件以上, 100人程度, 1万件超,
 * 1,000件余り, 1万件を超える. */
static const char *const approx_after[] = {
    "以上",   "程度", "前後", "超",   "余り",   "余",
    "あまり", "強",   "ほど", "近く", "を超え", "を上回",
};

/* Total markers, longer first; 計 alone only when not the tail of another
 * word (table total_breaking). */
static const char *const total_markers[] = {
    "合計",   "総計", "累計", "総数", "総件数",   "総人数",
    "全体で", "全体", "延べ", "のべ", "合わせて", "計",
};

/* Before a lone 計 these make it a word, not a total: 会計, 統計, 設計,
 * 時計, 家計, 生計, 推計 (an estimate), 主計, 余計, 温度計 / 歩数計 (meters),
 * 小計 (a subtotal: a part, not the headline). After any other noun 計
 * is a total: 個人情報計3,021件, 受講者 計3,537人. */
static const char *const total_breaking[] = {
    "会", "統", "設", "時", "家", "生", "推", "主", "余", "度", "数", "小",
};

/* Separators allowed between a total marker / 約 and the number. */
static const char *const prefix_fillers[] = {
    " ",      ":",        "|",    "は",   "で",   "が",   "約",
    "およそ", "おおよそ", "概ね", "凡そ", "ほぼ", "最大",
};

/* A clause opened by these divides the count before it: そのうち15件,
 * (内、868 名分), 内訳:学生 3,537人. */
static const char *const part_markers[] = {
    "うち",
    "内訳",
    "(内",
};

/* People who act in an incident (職員2名が誤って送信, 2名の職員が紛失):
 * as the subject of the sentence they are actors, not data subjects;
 * 職員等4313人の個人情報 stays a count. */
static const char *const staff_nouns[] = {
    "職員", "社員",   "従業員",   "担当者", "教員", "教諭",
    "講師", "作業員", "スタッフ", "委託先", "業者",
};

/* Particles that make the noun before them the subject or the agent. */
static const char *const subject_particles[] = {
    "が", "は", "で", "により", "にて",
};

enum { NEG = -1, POS = 1 };

/* Context cues. `unless_after`: the cue does not count when the text just
 * before it is this (誤送信 is the incident, 送信 alone is mail sent). */
static const struct cue {
    const char *word;
    int pol;
    const char *unless_after;
} cues[] = {
    /* what leaked: the records themselves */
    {"個人情報", POS, NULL},
    {"情報", POS, NULL}, /* 顧客情報, カード情報, 担当者情報 */
    {"氏名", POS, NULL},
    {"住所", POS, NULL},
    {"メールアドレス", POS, NULL},
    {"アドレス", POS, NULL},
    {"電話番号", POS, NULL},
    {"生年月日", POS, NULL},
    {"クレジットカード", POS, NULL},
    {"名簿", POS, NULL},
    {"データ", POS, NULL},
    /* how they leaked */
    {"漏えい", POS, NULL},
    {"漏洩", POS, NULL},
    {"漏れ", POS, NULL},
    {"流出", POS, NULL},
    {"紛失", POS, NULL},
    {"盗難", POS, NULL},
    {"盗ま", POS, NULL},
    {"窃取", POS, NULL},
    {"閲覧", POS, NULL},
    {"持ち出", POS, NULL},
    {"誤送信", POS, NULL},
    {"誤送付", POS, NULL},
    {"誤発送", POS, NULL},
    {"誤って", POS, NULL},
    {"影響", POS, NULL},
    {"対象", POS, "を"}, /* not Nを対象に研修: the target of an action */
    {"該当", POS, NULL},
    {"可能性", POS, NULL},
    /* whose: the data subjects */
    {"人数", POS, NULL}, /* a compound head: see cue_at */
    {"件数", POS, NULL},
    {"顧客", POS, NULL},
    {"お客様", POS, NULL},
    {"お客さま", POS, NULL},
    {"患者", POS, NULL},
    {"生徒", POS, NULL},
    {"児童", POS, NULL},
    {"学生", POS, NULL},
    {"市民", POS, NULL},
    {"住民", POS, NULL},
    {"保護者", POS, NULL},
    /* mail traffic: messages, not records */
    {"送信", NEG, "誤"},
    {"受信", NEG, NULL},
    {"配信", NEG, NULL},
    {"発送", NEG, "誤"},
    {"送付", NEG, "誤"},
    {"あて", NEG, NULL}, /* 217名の会員様あてに: addressees */
    {"宛", NEG, NULL},
    {"誤送信先", NEG, NULL}, /* 誤送信先は1社: the recipient */
    {"送信先", NEG, NULL},
    {"送付先", NEG, NULL},
    {"迷惑メール", NEG, NULL},
    {"スパム", NEG, NULL},
    /* events, not records (不正ログイン / 不正アクセス are the takeover
     * itself: N件 of them are accounts) */
    {"ログイン", NEG, "不正"},
    {"アクセス", NEG, "不正"},
    {"試行", NEG, NULL},
    {"攻撃", NEG, NULL},
    {"検知", NEG, NULL},
    {"検出", NEG, NULL},
    {"ブロック", NEG, NULL},
    {"遮断", NEG, NULL},
    {"閲覧数", NEG, NULL},
    {"アクセス数", NEG, NULL},
    /* people acting, asking, warned or prosecuted */
    {"問い合わせ", NEG, NULL},
    {"問合せ", NEG, NULL},
    {"問合わせ", NEG, NULL},
    {"相談", NEG, NULL},
    {"通報", NEG, NULL},
    {"苦情", NEG, NULL},
    {"逮捕", NEG, NULL},
    {"起訴", NEG, NULL},
    {"容疑", NEG, NULL},
    {"検挙", NEG, NULL},
    {"送検", NEG, NULL},
    {"認知", NEG, NULL},   /* 認知件数: crime statistics */
    {"打ち込", NEG, NULL}, /* staff who typed a password into a phish */
    {"入力", NEG, NULL},
    {"注意喚起", NEG, NULL}, /* 全社員1,000人に注意喚起 */
    {"体制", NEG, NULL},     /* 10名体制で調査 */
    /* the response and other events, not records */
    {"調査", NEG, NULL}, /* 専門会社2社に調査を依頼 */
    {"依頼", NEG, NULL},
    {"カード会社", NEG, NULL}, /* クレジットカード会社3社から連絡 */
    {"脆弱性", NEG, NULL},     /* 3件の脆弱性: flaws */
    {"事案", NEG, NULL},       /* 同様の事案は過去3件: incidents */
    {"事故", NEG, NULL},
    {"事例", NEG, NULL},
    {"インシデント", NEG, NULL},
    /* sizes of a scheme or an organisation */
    {"会員数", NEG, NULL},
    {"社員数", NEG, NULL},
    {"従業員数", NEG, NULL},
    {"職員数", NEG, NULL},
    {"利用者数", NEG, NULL},
    {"登録者数", NEG, NULL},
    {"登録会員", NEG, NULL}, /* 登録会員 5万人のうち...*/
    {"ご登録", NEG, NULL}, /* ご登録いただいている15万人の会員様 */
    {"在籍", NEG, NULL}, /* 従業員50名が在籍 */
    {"規模", NEG, NULL}, /* 1,000人規模 */
    {"全職員", NEG, NULL}, /* whole staff: 全教職員約 1,200人を対象に研修 */
    {"全教職員", NEG, NULL},
    {"全社員", NEG, NULL},
    {"全従業員", NEG, NULL},
    {"研修", NEG, NULL},
    {"店舗", NEG, NULL},
    {"平均", NEG, NULL},
    /* campaign prizes */
    {"抽選", NEG, NULL},
    {"当選", NEG, NULL},
    {"先着", NEG, NULL},
};

/* Heads of compound nouns whose modifier decides: 漏えい件数 counts
 * records, お問い合わせ件数 / 認知件数 / 送信件数 do not. */
static const char *const compound_heads[] = {
    "件数",
    "人数",
};

/* What a clause scan found. */
struct side {
    int pol;     /* 0: no cue */
    size_t dist; /* bytes between the cue and the count */
    size_t stop; /* left scans: the boundary that ended it, or 0 */
};

struct scan {
    const struct nf_text *t;
    struct nf_count_list *out;
    /* the previous count candidate, accepted or not (for うち) */
    bool have_prev;
    bool prev_ok;
    size_t prev_end;
    /* roles */
    size_t paren_end;   /* counts before this index sit in (...) after a
                         * total */
    int64_t list_total; /* >= 0: list items after a total's line */
    size_t list_from;   /* where those items start */
    size_t candidates;  /* numerals with a counter word seen */
    /* pipe tables: the current line and the one before it (the header
     * when the current one is the |---| rule) */
    size_t line_start;
    size_t prev_line_start;
    bool table;     /* this line is a row of a table with unit columns */
    bool row_total; /* its first cell is 合計 / 計 / 総数 */
    bool row_dated; /* its first cell holds a number: 2023 / 4月 */
    int col;        /* '|' seen on this line so far: the cell index */
    const char *col_unit[MAX_TABLE_COLS]; /* per header cell, or NULL */
    /* bit (first code point of a cue) & (CUE_FILTER_BITS - 1): lets most
     * characters of the context skip the cue table */
    unsigned char cue_filter[CUE_FILTER_BITS / 8];
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Is c one of the bytes of set (never NUL)? */
static bool in_set(char c, const char *set)
{
    return c != '\0' && strchr(set, c) != NULL;
}

/* Index past at most two spaces at i (PDF text spaces words: "1 名 が"). */
static size_t skip_spaces(const struct nf_text *t, size_t i)
{
    int n = 0;

    while (i < t->len && t->s[i] == ' ' && n < 2) {
        i++;
        n++;
    }
    return i;
}

static bool ends_with(const struct nf_text *t, size_t pos, const char *w)
{
    size_t n = strlen(w);
    return pos >= n && pos <= t->len && t->s[pos - 1] == w[n - 1] &&
           memcmp(t->s + pos - n, w, n) == 0;
}

/* nf_text_at behind a first-byte test: most positions fail it, and the
 * scans below test a word at every byte of their window. */
static bool word_at(const struct nf_text *t, size_t i, const char *w)
{
    return i < t->len && t->s[i] == w[0] && nf_text_at(t, i, w);
}

/* Is the 3-byte CJK punctuation p (。 E3 80 82, 、 E3 80 81) at i? */
static bool punct_at(const struct nf_text *t, size_t i, const char *p)
{
    return i + 2 < t->len && t->s[i] == p[0] && t->s[i + 1] == p[1] &&
           t->s[i + 2] == p[2];
}

/* Start of the code point before folded index i (i > 0). */
static size_t prev_cp(const struct nf_text *t, size_t i)
{
    size_t k = i - 1;

    while (k > 0 && i - k < 4 && ((unsigned char)t->s[k] & 0xC0) == 0x80)
        k--;
    return k;
}

static const char *match_list(const struct nf_text *t, size_t i,
                              const char *const *list, size_t n)
{
    size_t k;

    if (i >= t->len)
        return NULL;
    for (k = 0; k < n; k++)
        if (word_at(t, i, list[k]))
            return list[k];
    return NULL;
}

static const char *suffix_list(const struct nf_text *t, size_t i,
                               const char *const *list, size_t n)
{
    size_t k;

    for (k = 0; k < n; k++)
        if (ends_with(t, i, list[k]))
            return list[k];
    return NULL;
}

/* Code point of a UTF-8 table word's first character. */
static int32_t first_cp(const char *w)
{
    const unsigned char *u = (const unsigned char *)w;

    if (u[0] < 0x80)
        return u[0];
    if (u[0] < 0xE0)
        return ((u[0] & 0x1F) << 6) | (u[1] & 0x3F);
    if (u[0] < 0xF0)
        return ((u[0] & 0x0F) << 12) | ((u[1] & 0x3F) << 6) | (u[2] & 0x3F);
    return ((u[0] & 0x07) << 18) | ((u[1] & 0x3F) << 12) |
           ((u[2] & 0x3F) << 6) | (u[3] & 0x3F);
}

static void cue_filter_init(struct scan *sc)
{
    size_t k;

    memset(sc->cue_filter, 0, sizeof(sc->cue_filter));
    for (k = 0; k < NELEM(cues); k++) {
        unsigned b = (unsigned)first_cp(cues[k].word) & (CUE_FILTER_BITS - 1);
        sc->cue_filter[b / 8] |= (unsigned char)(1u << (b % 8));
    }
}

/* The longest cue starting at i, or NULL. */
static const struct cue *cue_at(const struct scan *sc, size_t i)
{
    const struct nf_text *t = sc->t;
    const struct cue *best = NULL;
    size_t k, bl = 0;
    int32_t cp;
    unsigned b;

    nf_text_cp(t, i, &cp);
    b = (unsigned)cp & (CUE_FILTER_BITS - 1);
    if (!(sc->cue_filter[b / 8] & (1u << (b % 8))))
        return NULL;
    for (k = 0; k < NELEM(cues); k++) {
        size_t n;

        if (t->s[i] != cues[k].word[0] || !nf_text_at(t, i, cues[k].word))
            continue;
        if (cues[k].unless_after && ends_with(t, i, cues[k].unless_after))
            continue;
        n = strlen(cues[k].word);
        if (n > bl) {
            best = &cues[k];
            bl = n;
        }
    }
    if (best && match_list(t, i, compound_heads, NELEM(compound_heads))) {
        /* the modifier just before the head decides when it is negative */
        for (k = 0; k < NELEM(cues); k++)
            if (cues[k].pol == NEG && ends_with(t, i, cues[k].word))
                return &cues[k];
    }
    return best;
}

/* Does the newline at i end a clause? A line wrapped inside a sentence
 * (a hiragana particle or ending before it, Japanese text after it, not a
 * ・ item) does not; a line ending in a noun (漏えい人数 83人) is a cell or
 * a heading and does. */
static bool hard_newline(const struct nf_text *t, size_t i)
{
    int32_t a = 0, b = 0;
    size_t k = i;

    while (k > 0 && t->s[k - 1] == '\r')
        k--;
    if (k > 0)
        nf_text_cp(t, prev_cp(t, k), &a);
    if (i + 1 < t->len)
        nf_text_cp(t, i + 1, &b);
    return !(a >= 0x3041 && a <= 0x309F && b >= 0x3040 && b != 0x30FB);
}

/* Is there a clause boundary at i? 、 right after うち / 内 (そのうち、
 * (内、) only continues the clause; with `commas` false no 、 ends it (the
 * whole sentence). */
static bool boundary_at(const struct nf_text *t, size_t i, bool commas)
{
    char c = t->s[i];

    if ((unsigned char)c != 0xE3 && c != '\n' && c != '!' && c != '?')
        return false; /* 。 and 、 are E3 80 82 / E3 80 81 */
    if (c == '\n')
        return hard_newline(t, i);
    if (c == '!' || c == '?')
        return true;
    if (punct_at(t, i, "。"))
        return true;
    if (commas && punct_at(t, i, "、"))
        return !ends_with(t, i, "うち") && !ends_with(t, i, "内");
    return false;
}

/* Scan left of the number at i: the nearest cue and whether the clause
 * opens with a part marker; the clause ends at 、 when `commas`, else the
 * sentence does. */
static void scan_left(const struct scan *sc, size_t i, bool commas,
                      struct side *sd, bool *part)
{
    const struct nf_text *t = sc->t;
    size_t lo = i > WIN ? i - WIN : 0, q = i;

    sd->pol = 0;
    sd->stop = 0;
    *part = false;
    while (q > lo) {
        const struct cue *c;

        q = prev_cp(t, q);
        if (boundary_at(t, q, commas)) {
            sd->stop = q;
            break;
        }
        if (!*part && match_list(t, q, part_markers, NELEM(part_markers)))
            *part = true;
        if (sd->pol)
            continue;
        c = cue_at(sc, q);
        if (c && q + strlen(c->word) <= i) {
            sd->pol = c->pol;
            sd->dist = i - (q + strlen(c->word));
        }
    }
}

/* Counter word at i (after optional spaces); sets *ce past it. */
static const char *counter_at(const struct nf_text *t, size_t i, size_t *ce)
{
    const char *u;

    i = skip_spaces(t, i);
    u = match_list(t, i, counters, NELEM(counters));
    if (!u)
        return NULL;
    *ce = i + strlen(u);
    if (match_list(t, *ce, counter_breakers, NELEM(counter_breakers)))
        return NULL;
    return u;
}

/* Scan right of the counter ending at e for the nearest cue; the clause
 * of this count ends where the next count starts (5万人のうち、1,234人の
 * 情報: 情報 is about the second). */
static void scan_right(const struct scan *sc, size_t e, struct side *sd)
{
    const struct nf_text *t = sc->t;
    size_t hi = e + WIN < t->len ? e + WIN : t->len, q = e, ne, ce;

    sd->pol = 0;
    while (q < hi) {
        const struct cue *c;
        int32_t cp;
        int64_t v;
        unsigned fl;

        if (boundary_at(t, q, true))
            break;
        if (is_digit(t->s[q]) && (q == e || !is_digit(t->s[q - 1])) &&
            nf_num_parse(t, q, &v, &ne, &fl) == 0 && counter_at(t, ne, &ce))
            break;
        c = cue_at(sc, q);
        if (c) {
            sd->pol = c->pol;
            sd->dist = q - e;
            return;
        }
        q += nf_text_cp(t, q, &cp);
    }
}

/* Can a numeral start at i? Not inside a longer token (C119824, 12/6,
 * 0.2, 2,3), not after 数 / 何 / 第 (vague or ordinal). Cheap: runs before
 * the parse. */
static bool numeral_start(const struct nf_text *t, size_t i)
{
    char p;

    if (i == 0)
        return true;
    p = t->s[i - 1];
    if (is_digit(p) || is_alpha(p) || in_set(p, "./-#_@$%&=+,"))
        return false;
    return !suffix_list(t, i, vague_prefixes, NELEM(vague_prefixes));
}

/* After a parse at i that follows a non-ASCII character: is i the middle
 * of a kanji numeral (百二〇 read up to 〇), or after 万/億 (万一 is a
 * word)? */
static bool inside_kanji_numeral(const struct nf_text *t, size_t i)
{
    size_t k, n;
    int64_t v;
    unsigned fl;

    if (i == 0 || (unsigned char)t->s[i - 1] < 0x80)
        return false;
    k = prev_cp(t, i);
    return nf_num_parse(t, k, &v, &n, &fl) != -1 || ends_with(t, i, "万") ||
           ends_with(t, i, "億");
}

/* Does a total marker end at q (合計, 総数, a lone 計 but not 会計)? */
static bool total_before(const struct nf_text *t, size_t q)
{
    const char *w = suffix_list(t, q, total_markers, NELEM(total_markers));

    if (!w)
        return false;
    return strcmp(w, "計") != 0 ||
           !suffix_list(t, q - strlen(w), total_breaking,
                        NELEM(total_breaking));
}

/* Total marker and approximation before the number at i. */
static void read_prefix(const struct nf_text *t, size_t i, bool *total,
                        bool *approx)
{
    size_t lo = i > PREFIX_WIN ? i - PREFIX_WIN : 0, q = i;

    *total = *approx = false;
    while (q > lo) {
        const char *w;

        if (suffix_list(t, q, total_markers, NELEM(total_markers))) {
            *total = total_before(t, q);
            return;
        }
        if (suffix_list(t, q, approx_before, NELEM(approx_before)))
            *approx = true;
        w = suffix_list(t, q, prefix_fillers, NELEM(prefix_fillers));
        if (!w)
            return;
        q -= strlen(w);
    }
}

static bool approx_suffix(const struct nf_text *t, size_t ce)
{
    return match_list(t, skip_spaces(t, ce), approx_after,
                      NELEM(approx_after)) != NULL;
}

/* Does a list item start at the line beginning at i? */
static bool list_item_at(const struct nf_text *t, size_t i)
{
    static const char *const marks[] = {
        "・", "•", "●", "○", "◆", "◇", "■", "□", "-", "*", "(",
        "①",  "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨", "⑩",
    };
    size_t sp = 0;

    while (i < t->len && (t->s[i] == ' ' || t->s[i] == '\t') && sp < 8) {
        i++;
        sp++;
    }
    if (i + 1 < t->len && is_digit(t->s[i]) && t->s[i + 1] == ')')
        return true;
    return match_list(t, i, marks, NELEM(marks)) != NULL;
}

/* Index just past the ")" closing the "(" at i, within WIN, or i. */
static size_t paren_close(const struct nf_text *t, size_t i)
{
    size_t q, hi = i + WIN < t->len ? i + WIN : t->len;
    int depth = 0;

    for (q = i; q < hi && t->s[q] != '\n'; q++) {
        if (t->s[q] == '(')
            depth++;
        if (t->s[q] != ')')
            continue;
        depth--;
        if (depth == 0)
            return q + 1;
    }
    return i;
}

/* 職員2名が / 2名の職員が: staff as the subject, ending at the counter
 * end ce of the number starting at i. */
static bool staff_subject(const struct nf_text *t, size_t i, size_t ce)
{
    size_t q = i, k;
    const char *w;

    /* 職員2名が, 職員 2 名は */
    while (q > 0 && t->s[q - 1] == ' ')
        q--;
    if (ends_with(t, q, "等"))
        q -= strlen("等");
    if (suffix_list(t, q, staff_nouns, NELEM(staff_nouns)) &&
        match_list(t, skip_spaces(t, ce), subject_particles,
                   NELEM(subject_particles)))
        return true;
    /* 2名の職員が */
    q = skip_spaces(t, ce);
    if (!word_at(t, q, "の"))
        return false;
    q += strlen("の");
    for (k = 0; k < NELEM(staff_nouns); k++) {
        w = staff_nouns[k];
        if (word_at(t, q, w) && match_list(t, q + strlen(w), subject_particles,
                                           NELEM(subject_particles)))
            return true;
    }
    return false;
}

/* Is there a 内訳 earlier on the line of i (内訳:学生 3,537人、教職員 991人)?
 */
static bool breakdown_line(const struct nf_text *t, size_t i)
{
    size_t lo = i > WIN ? i - WIN : 0, q = i;

    while (q > lo && t->s[q - 1] != '\n') {
        q--;
        if (word_at(t, q, "内訳"))
            return true;
    }
    return false;
}

/* The table form: a bare number [i, end) that ends its cell, under a
 * count label (skipping separators, enumerators and the other numbers of
 * the row). @returns the label's unit and sets *total, or NULL. */
static const char *label_value(const struct nf_text *t, size_t i, size_t end,
                               bool *total)
{
    size_t lo = i > 3 * PREFIX_WIN ? i - 3 * PREFIX_WIN : 0, q = end, k;
    int pipes = 0, lines = 0;

    while (q < t->len && t->s[q] == ' ')
        q++;
    if (q < t->len && !in_set(t->s[q], "|\n\r(") &&
        !match_list(t, q, circled, NELEM(circled)) && !punct_at(t, q, "、") &&
        !punct_at(t, q, "。"))
        return NULL;
    q = i;
    while (q > lo) {
        const char *w;
        char c = t->s[q - 1];

        if (in_set(c, " \t\r:-,") || is_digit(c)) {
            q--;
        } else if (c == '|' && pipes < 2) {
            pipes++; /* "件数 |" and a "---|" rule; more pipes: the label
                      * heads another column of a wide table */
            q--;
        } else if (c == '\n' && lines < 2) {
            lines++;
            q--;
        } else {
            w = (unsigned char)c >= 0x80
                    ? suffix_list(t, q, circled, NELEM(circled))
                    : NULL;
            if (!w)
                break;
            q -= strlen(w);
        }
    }
    for (k = 0; k < NELEM(value_labels); k++)
        if (ends_with(t, q, value_labels[k].label)) {
            *total = value_labels[k].total;
            return value_labels[k].unit;
        }
    return NULL;
}

/* Is the line at q (a '|') a table rule, |---|:--:|? */
static bool rule_row(const struct nf_text *t, size_t q)
{
    bool dash = false;

    for (; q < t->len && t->s[q] != '\n' && t->s[q] != '\r'; q++) {
        if (t->s[q] == '-')
            dash = true;
        else if (!in_set(t->s[q], "|: \t"))
            return false;
    }
    return dash;
}

/* The unit a header cell [cs, ce) gives its column: a count label with no
 * negative cue (送信件数, 問い合わせ件数 give none), or NULL. */
static const char *header_unit(const struct scan *sc, size_t cs, size_t ce)
{
    const struct nf_text *t = sc->t;
    const char *unit = NULL;
    size_t q, k;
    int32_t cp;

    if (ce > cs + HEADER_CELL_MAX)
        ce = cs + HEADER_CELL_MAX;
    for (q = cs; q < ce; q += nf_text_cp(t, q, &cp)) {
        const struct cue *c = cue_at(sc, q);

        if (c && c->pol == NEG)
            return NULL;
        for (k = 0; k < NELEM(column_units) && !unit; k++)
            if (word_at(t, q, column_units[k].word))
                unit = column_units[k].unit;
    }
    return unit;
}

/* Read the header line at hs of a table (its cells between pipes) into
 * sc->col_unit; sets sc->table when some column has a unit. */
static void read_header(struct scan *sc, size_t hs)
{
    const struct nf_text *t = sc->t;
    size_t q, cs = 0;
    int col = 0;

    memset(sc->col_unit, 0, sizeof(sc->col_unit));
    sc->table = false;
    for (q = hs; q < t->len && t->s[q] != '\n' && col < MAX_TABLE_COLS; q++) {
        if (t->s[q] != '|')
            continue;
        if (col > 0) {
            sc->col_unit[col] = header_unit(sc, cs, q);
            sc->table = sc->table || sc->col_unit[col];
        }
        col++;
        cs = q + 1;
    }
}

/* A line starts at ls: track pipe tables. A |---| rule makes the line
 * before it the header; a line not starting with '|' ends the table. */
static void table_line(struct scan *sc, size_t ls)
{
    const struct nf_text *t = sc->t;
    size_t q = ls, e;
    int sp = 0;

    sc->prev_line_start = sc->line_start;
    sc->line_start = ls;
    sc->col = 0;
    sc->row_total = false;
    sc->row_dated = false;
    while (q < t->len && (t->s[q] == ' ' || t->s[q] == '\t') && sp < 8) {
        q++;
        sp++;
    }
    if (q >= t->len || t->s[q] != '|') {
        sc->table = false;
        return;
    }
    if (rule_row(t, q)) {
        if (sc->prev_line_start < ls)
            read_header(sc, sc->prev_line_start);
        return;
    }
    if (!sc->table)
        return;
    /* the first cell names the row: | 合計 | 1,500 | 2,700 | */
    for (e = q + 1; e < t->len && e < q + 1 + HEADER_CELL_MAX; e++) {
        if (in_set(t->s[e], "|\n"))
            break;
        sc->row_dated = sc->row_dated || is_digit(t->s[e]);
    }
    while (e > q + 1 && t->s[e - 1] == ' ')
        e--;
    sc->row_total = total_before(t, e);
}

/* A bare number [i, end) alone in its cell of a table with unit columns,
 * in a row named by a word: a row named by a year or a month (| 2023 |
 * 15 |) is a statistic over time, not the records of this incident.
 * @returns the column's unit and sets *total for a total row, or NULL. */
static const char *table_value(const struct scan *sc, size_t i, size_t end,
                               bool *total)
{
    const struct nf_text *t = sc->t;
    size_t q = end;

    if (!sc->table || sc->row_dated || sc->col < 1 ||
        sc->col >= MAX_TABLE_COLS || !sc->col_unit[sc->col])
        return NULL;
    while (q < t->len && t->s[q] == ' ')
        q++;
    if (q >= t->len || t->s[q] != '|')
        return NULL;
    q = i;
    while (q > 0 && t->s[q - 1] == ' ')
        q--;
    if (q == 0 || t->s[q - 1] != '|')
        return NULL;
    *total = sc->row_total;
    return sc->col_unit[sc->col];
}

/* Consecutive counts just before a new total that add up to it are its
 * breakdown (1000 + 19000 before 合計約2万). */
static void mark_summands(struct nf_count_list *out, size_t ti)
{
    int64_t sum = 0;
    size_t k, n = 0;

    for (k = ti; k > 0 && n < SUM_LOOKBACK; k--, n++) {
        struct nf_count_mention *m = &out->v[k - 1];

        if (m->role == NF_CROLE_TOTAL || m->value >= out->v[ti].value)
            return;
        sum += m->value;
        if (sum == out->v[ti].value) {
            size_t j;

            for (j = k - 1; j < ti; j++)
                out->v[j].role = NF_CROLE_BREAKDOWN;
            return;
        }
        if (sum > out->v[ti].value)
            return;
    }
}

/* Decide about the number [i, end) of value v; add it to the list if it is
 * a count. @returns the index to continue from. */
static size_t consider(struct scan *sc, size_t i, size_t end, int64_t v,
                       unsigned fl)
{
    const struct nf_text *t = sc->t;
    struct nf_count_list *out = sc->out;
    struct nf_count_mention *m;
    const char *unit;
    size_t ce = 0, n2;
    struct side l, r;
    bool part, total, approx, ok, cued, parent_ok, label_total = false;
    int64_t v2;
    unsigned f2;

    /* 0.2 人 is an average; a decimal counts only before 万 (1.2万) */
    if (end + 1 < t->len && t->s[end] == '.' && is_digit(t->s[end + 1]))
        return end;
    unit = counter_at(t, end, &ce);
    if (!unit) {
        unit = label_value(t, i, end, &label_total);
        if (!unit)
            unit = table_value(sc, i, end, &label_total);
        if (!unit)
            return end;
        ce = end;
    }
    sc->candidates++;
    /* この一件, 二人: a one-character kanji numeral is idiom */
    if (v <= 0 || ((fl & NF_NUM_KANJI) && !(fl & NF_NUM_SCALED) &&
                   end - i <= 3 && v < 10))
        return ce;

    read_prefix(t, i, &total, &approx);
    total = total || label_total;
    approx = approx || approx_suffix(t, ce);
    scan_left(sc, i, true, &l, &part);
    scan_right(sc, ce, &r);
    /* お問い合わせは、これまでに15件: with no cue in its clause a count
     * takes the sentence's topic (Xは), which 、 separates from it; not
     * any earlier clause (攻撃を受け、1,000名分) */
    if (!l.pol && !r.pol && !part && l.stop > 0 && word_at(t, l.stop, "、") &&
        ends_with(t, l.stop, "は")) {
        bool p2;

        scan_left(sc, i, false, &l, &p2);
    }

    /* "323件中10件": a count of the count before it */
    if (sc->have_prev && word_at(t, sc->prev_end, "中")) {
        size_t q = sc->prev_end + strlen("中");

        while (q < i && t->s[q] == ' ')
            q++;
        part = part || q == i;
    }
    if (part && sc->have_prev && sc->prev_end + 2 * WIN >= i && !l.pol &&
        !r.pol) {
        ok = sc->prev_ok;
        cued = ok;
    } else {
        const struct side *c = NULL;

        if (l.pol && r.pol)
            c = r.dist <= l.dist + RIGHT_BIAS ? &r : &l;
        else if (l.pol)
            c = &l;
        else if (r.pol)
            c = &r;
        ok = !c || c->pol == POS;
        cued = c && c->pol == POS;
    }
    if (unit == polite_counter && !cued)
        ok = false;
    /* 2人1組: a ratio, not a count */
    if (ok && ce < t->len && nf_num_parse(t, ce, &v2, &n2, &f2) == 0 &&
        !counter_at(t, n2, &n2))
        ok = false;
    if (ok && staff_subject(t, i, ce))
        ok = false;
    /* 1名が逮捕, 依頼会員 1 名に, 1アカウントで: one actor, not a count */
    if (ok && v == 1 &&
        (strcmp(unit, "人") == 0 || strcmp(unit, "名") == 0 ||
         strcmp(unit, "アカウント") == 0)) {
        static const char *const particles[] = {"が", "は", "に", "を",
                                                "で", "と", "も"};
        if (match_list(t, skip_spaces(t, ce), particles, NELEM(particles)))
            ok = false;
    }
    parent_ok = sc->have_prev && sc->prev_ok;
    sc->have_prev = true;
    sc->prev_ok = ok;
    sc->prev_end = ce;
    if (!ok || out->n >= NF_MAX_COUNTS)
        return ce;

    /* 計28世帯69名: a count right after a total is part of it */
    if (!total && out->n > 0 && out->v[out->n - 1].role == NF_CROLE_TOTAL) {
        const struct nf_count_mention *pm = &out->v[out->n - 1];

        if (t->map[i] == pm->span.off + pm->span.len)
            total = true;
    }
    m = &out->v[out->n];
    m->value = v;
    m->unit = unit;
    m->span = nf_text_span(t, i, ce);
    m->approximate = approx;
    m->role = NF_CROLE_OTHER;
    if ((part && parent_ok) || i < sc->paren_end || breakdown_line(t, i))
        m->role = NF_CROLE_BREAKDOWN;
    else if (sc->list_total > v && i >= sc->list_from)
        m->role = NF_CROLE_BREAKDOWN;
    else if (total)
        m->role = NF_CROLE_TOTAL;
    out->n++;
    if (m->role == NF_CROLE_TOTAL) {
        size_t q = ce;

        mark_summands(out, out->n - 1);
        while (q < t->len && t->s[q] == ' ')
            q++;
        if (q < t->len && t->s[q] == '(')
            sc->paren_end = paren_close(t, q);
        /* the items of a list that follows the total's line */
        q = ce;
        while (q < t->len && q < ce + WIN && t->s[q] != '\n')
            q++;
        if (q < t->len && t->s[q] == '\n') {
            sc->list_total = v;
            sc->list_from = q;
        }
    }
    return ce;
}

int nf_count_scan(const struct nf_text *t, struct nf_arena *a,
                  struct nf_count_list *out, struct nf_err *err)
{
    struct scan sc;
    size_t i, k;
    int best = -1;
    bool best_total = false;

    if (!t || !a || !out)
        return nf_err_set(err, NF_E_ARG, 0, "NULL argument");
    out->n = 0;
    out->affected = -1;
    /* uninitialised: consider() writes every field of v[n] before n
     * grows, and nothing reads past n */
    out->v = nf_arena_alloc_uninit(a, NF_MAX_COUNTS * sizeof(*out->v));
    if (!out->v)
        return nf_err_set(err, NF_E_NOMEM, 0, "out of memory for counts");
    memset(&sc, 0, sizeof(sc));
    sc.t = t;
    sc.out = out;
    sc.list_total = -1;
    cue_filter_init(&sc);
    table_line(&sc, 0);

    i = 0;
    while (i < t->len && out->n < NF_MAX_COUNTS &&
           sc.candidates < MAX_CANDIDATES) {
        unsigned char c = (unsigned char)t->s[i];
        int64_t v;
        size_t end;
        unsigned fl;
        int rc;

        if (c == '|')
            sc.col++;
        else if (c == '\n')
            table_line(&sc, i + 1);
        if (c == '\n' && sc.list_total >= 0 && i >= sc.list_from &&
            i + 1 < t->len && t->s[i + 1] != '\n' && t->s[i + 1] != '\r' &&
            !list_item_at(t, i + 1))
            sc.list_total = -1; /* the list after the total has ended */
        /* numerals start with an ASCII digit or a 3-byte kanji; kana and
         * CJK punctuation (lead byte E3, half of a notice) are skipped
         * whole, 〇 excepted; for kanji the parse rejects cheaply, so the
         * context test comes after it */
        if (c == 0xE3 &&
            !(i + 2 < t->len && (unsigned char)t->s[i + 1] == 0x80 &&
              (unsigned char)t->s[i + 2] == 0x87)) { /* 〇 */
            i += 3;
            continue;
        }
        if (c >= 0x80 && !(c >= 0xE0 && c < 0xF0)) {
            /* 2- and 4-byte characters hold no numeral (the text is
             * valid UTF-8, so a lead byte here is never a continuation) */
            i += c >= 0xF0 ? 4 : c >= 0xC0 ? 2 : 1;
            continue;
        }
        if (c < 0x80 && (!is_digit((char)c) || !numeral_start(t, i))) {
            i++;
            continue;
        }
        rc = nf_num_parse(t, i, &v, &end, &fl);
        if (rc == -1 || end <= i || (c >= 0x80 && !numeral_start(t, i))) {
            i += c >= 0x80 ? 3 : 1; /* the whole kanji */
            continue;
        }
        if (rc != 0) {
            /* too long for a count: skip the whole run once */
            i = end;
            while (i < t->len && (is_digit(t->s[i]) || t->s[i] == ','))
                i++;
            continue;
        }
        if (inside_kanji_numeral(t, i)) {
            i = end;
            continue;
        }
        i = consider(&sc, i, end, v, fl);
    }

    for (k = 0; k < out->n; k++) {
        bool tot = out->v[k].role == NF_CROLE_TOTAL;

        if (best < 0 || (tot && !best_total) ||
            (tot == best_total && out->v[k].value > out->v[best].value)) {
            best = (int)k;
            best_total = tot;
        }
    }
    out->affected = best;
    return 0;
}
