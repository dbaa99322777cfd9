/*
 * nf_classify.c - category (incident / loyalty_campaign / other), incident
 * types, confidence and the reasons behind them.
 *
 * One pass over the folded text finds every cue of one weighted table
 * (cues[] below); each cue argues for one category and may name an incident
 * type. A category's score is the sum over its cues of
 *     weight * (min(hits, HIT_CAP) + TITLE_BONUS if the cue is in the title)
 * so one repeated word cannot outvote the rest, and the headline weighs
 * more. "other" starts from a prior: a text with no cue is other.
 * Worked examples (our own wording):
 *   "当社サーバーが不正アクセスを受け、個人情報が漏えい…お詫び" → incident,
 *       unauthorized_access;
 *   "ポイント2倍キャンペーン…不正利用が判明した場合はポイントを取り消し
 *       ます" → loyalty_campaign: a cue followed in its sentence by 場合 /
 *       ときは is terms wording (F_TERMS) and is not counted;
 *   "会員サイトに不正ログイン、ポイントが第三者に利用された" → incident:
 *       不正ログイン outweighs the capped point words;
 *   "【今週のふりかえり】…漏えい…流出…誤送信" → other: digest cues (今週,
 *       週刊, まとめ …) weigh heavily, and in a digest the incident words are
 *       the digest's news items, so they count half.
 * Types come from the same hits, kept only where the cue is not negated in
 * its sentence ("マルウェア感染…は確認されなかった", F_NEG) and, for cues
 * that need it, where a partner word stands near ("誤って" near "送"; "不
 * 正利用" near "アカウント"). A specific type then hides a generic one:
 * ransomware hides malware, account takeover hides unauthorized access,
 * misdelivery and phishing hide the "viewable state" wording of
 * misconfiguration (it is their consequence, not a separate cause).
 *
 * Confidence maps the margin m between the best and second-best score to
 * 0.5 + 0.5 * m / (m + CONF_HALF): 0.5 for a tie, 0.75 when the winner
 * leads by CONF_HALF (about two strong cues), 0.9 at a lead of 16. It is
 * monotone in the margin and never reaches 1: no cue table is sure.
 *
 * Speed: cues are bucketed by their first two bytes once per call (a few
 * hundred operations), so the scan costs one bucket probe per character.
 * Discarded: one nf_text_find per cue (a pass per table entry), and a
 * regex engine (no need, and not in libc+utf8proc).
 */
#include <string.h>

#include "nf_core_int.h"

/* A cue counts at most this many times (repetition is not evidence). */
#define HIT_CAP 3
/* A title longer than this is a lead sentence, not a headline. */
#define TITLE_MAX_BYTES 200
/* Extra hits for a cue found in the title. */
#define TITLE_BONUS 2
/* Prior of "other": what a text without cues is. */
#define OTHER_PRIOR 4.0
/* Digest score from which incident words are read as news items. */
#define DIGEST_MIN 6.0
/* Margin at which the confidence is 0.75 (halfway from a tie to sure). */
#define CONF_HALF 4.0
/* How far a partner word may stand from its cue, in bytes. */
#define NEAR_BYTES 60
/* How far a sentence is read after a cue for negation or conditions. */
#define CLAUSE_BYTES 150
/* Bucket count of the first-three-bytes index (power of two). */
#define NBUCKETS 1024

enum sig { SIG_INCIDENT, SIG_CAMPAIGN, SIG_OTHER, SIG_DIGEST };

#define F_NEG   0x1 /* type not given when negated in its sentence */
#define F_TERMS 0x2 /* not counted when its sentence is a condition */
#define F_GOODS 0x4 /* what a taken-over account holds: counts half then */
#define F_AFTER 0x8 /* the partner word must follow the cue in its clause */
#define NO_TYPE (-1)

struct cue {
    const char *word;
    unsigned char sig; /* enum sig */
    unsigned char wt;  /* weight */
    signed char itype; /* enum nf_itype, or NO_TYPE */
    unsigned char flags;
    const char *near;   /* partner word required for the type, or NULL */
    const char *unless; /* a word right after that cancels the cue */
};

static const struct cue cues[] = {
    /* intrusion */
    /* 不正アクセス禁止法 is a law's name, not an event */
    {"不正アクセス", SIG_INCIDENT, 3, NF_IT_UNAUTHORIZED_ACCESS, F_NEG, NULL,
     "禁止法"},
    {"サイバー攻撃", SIG_INCIDENT, 2, NF_IT_UNAUTHORIZED_ACCESS, F_NEG, NULL,
     NULL},
    {"攻撃を受け", SIG_INCIDENT, 2, NF_IT_UNAUTHORIZED_ACCESS, F_NEG, NULL,
     NULL},
    {"改ざん", SIG_INCIDENT, 1, NF_IT_UNAUTHORIZED_ACCESS, F_NEG, NULL, NULL},
    {"侵入", SIG_INCIDENT, 1, NO_TYPE, 0, NULL, NULL},
    /* ransomware and malware; 感染 alone also speaks of viruses of people */
    {"ランサムウェア", SIG_INCIDENT, 3, NF_IT_RANSOMWARE, 0, NULL, NULL},
    {"ランサムウエア", SIG_INCIDENT, 3, NF_IT_RANSOMWARE, 0, NULL, NULL},
    {"Emotet", SIG_INCIDENT, 3, NF_IT_MALWARE, 0, NULL, NULL},
    {"エモテット", SIG_INCIDENT, 3, NF_IT_MALWARE, 0, NULL, NULL},
    {"マルウェアに感染", SIG_INCIDENT, 2, NF_IT_MALWARE, F_NEG, NULL, NULL},
    {"マルウェア感染", SIG_INCIDENT, 2, NF_IT_MALWARE, F_NEG, NULL, NULL},
    {"ウイルスに感染", SIG_INCIDENT, 2, NF_IT_MALWARE, F_NEG, NULL, NULL},
    {"ウイルス感染", SIG_INCIDENT, 2, NF_IT_MALWARE, F_NEG, NULL, NULL},
    {"感染", SIG_INCIDENT, 1, NO_TYPE, 0, NULL, NULL},
    /* account takeover; 不正利用 is also the terms word of campaigns */
    {"不正ログイン", SIG_INCIDENT, 5, NF_IT_ACCOUNT_COMPROMISE, F_NEG, NULL,
     NULL},
    {"乗っ取", SIG_INCIDENT, 4, NF_IT_ACCOUNT_COMPROMISE, F_NEG, NULL, NULL},
    {"なりすまし", SIG_INCIDENT, 1, NO_TYPE, F_TERMS, NULL, NULL},
    {"盗み取", SIG_INCIDENT, 2, NF_IT_ACCOUNT_COMPROMISE, 0, "パスワード",
     NULL},
    {"盗取", SIG_INCIDENT, 2, NF_IT_ACCOUNT_COMPROMISE, 0, "パスワード", NULL},
    {"不正利用", SIG_INCIDENT, 1, NF_IT_ACCOUNT_COMPROMISE, F_TERMS | F_NEG,
     "アカウント", NULL},
    {"不正に利用", SIG_INCIDENT, 1, NF_IT_ACCOUNT_COMPROMISE, F_TERMS | F_NEG,
     "アカウント", NULL},
    /* card data */
    {"クレジットカード", SIG_INCIDENT, 1, NF_IT_PAYMENT_CARD_LEAK, 0, NULL,
     NULL},
    {"カード情報", SIG_INCIDENT, 1, NF_IT_PAYMENT_CARD_LEAK, 0, NULL, NULL},
    /* lost or stolen media and papers */
    {"紛失", SIG_INCIDENT, 3, NF_IT_LOST_OR_STOLEN, 0, NULL, NULL},
    {"盗難", SIG_INCIDENT, 3, NF_IT_LOST_OR_STOLEN, 0, NULL, NULL},
    {"盗まれ", SIG_INCIDENT, 2, NF_IT_LOST_OR_STOLEN, 0, NULL, NULL},
    {"置き忘れ", SIG_INCIDENT, 2, NF_IT_LOST_OR_STOLEN, 0, NULL, NULL},
    {"滅失", SIG_INCIDENT, 2, NF_IT_LOST_OR_STOLEN, 0, NULL, NULL},
    /* sent to the wrong people */
    {"誤送信", SIG_INCIDENT, 3, NF_IT_MISDELIVERY, 0, NULL, NULL},
    {"誤送付", SIG_INCIDENT, 3, NF_IT_MISDELIVERY, 0, NULL, NULL},
    {"誤配達", SIG_INCIDENT, 2, NF_IT_MISDELIVERY, 0, NULL, NULL},
    {"誤配送", SIG_INCIDENT, 2, NF_IT_MISDELIVERY, 0, NULL, NULL},
    {"誤って", SIG_INCIDENT, 1, NF_IT_MISDELIVERY, F_AFTER, "送", NULL},
    {"BCC", SIG_INCIDENT, 1, NF_IT_MISDELIVERY, 0, NULL, NULL},
    {"Bcc", SIG_INCIDENT, 1, NF_IT_MISDELIVERY, 0, NULL, NULL},
    /* insiders */
    {"元職員", SIG_INCIDENT, 2, NF_IT_INSIDER, 0, NULL, NULL},
    {"元従業員", SIG_INCIDENT, 2, NF_IT_INSIDER, 0, NULL, NULL},
    {"元社員", SIG_INCIDENT, 2, NF_IT_INSIDER, 0, NULL, NULL},
    {"不正に持ち出", SIG_INCIDENT, 2, NF_IT_INSIDER, 0, NULL, NULL},
    {"不正持ち出", SIG_INCIDENT, 2, NF_IT_INSIDER, 0, NULL, NULL},
    {"不正取得", SIG_INCIDENT, 2, NF_IT_INSIDER, 0, NULL, NULL},
    {"内部不正", SIG_INCIDENT, 2, NF_IT_INSIDER, 0, NULL, NULL},
    /* phishing: the mail or site itself, not a warning about 詐欺 */
    {"フィッシングメール", SIG_INCIDENT, 2, NF_IT_PHISHING, F_NEG, NULL, NULL},
    {"フィッシングサイト", SIG_INCIDENT, 2, NF_IT_PHISHING, F_NEG, NULL, NULL},
    /* exposure by settings */
    {"設定不備", SIG_INCIDENT, 2, NF_IT_MISCONFIGURATION, 0, NULL, NULL},
    {"設定ミス", SIG_INCIDENT, 2, NF_IT_MISCONFIGURATION, 0, NULL, NULL},
    {"公開設定", SIG_INCIDENT, 1, NF_IT_MISCONFIGURATION, 0, NULL, NULL},
    {"閲覧できる状態", SIG_INCIDENT, 1, NF_IT_MISCONFIGURATION, 0, NULL, NULL},
    {"閲覧可能な状態", SIG_INCIDENT, 1, NF_IT_MISCONFIGURATION, 0, NULL, NULL},
    {"公開してしま", SIG_INCIDENT, 2, NF_IT_MISCONFIGURATION, 0, NULL, NULL},
    /* the leak and the notice itself */
    {"漏えい", SIG_INCIDENT, 2, NO_TYPE, 0, NULL, NULL},
    {"漏洩", SIG_INCIDENT, 2, NO_TYPE, 0, NULL, NULL},
    {"流出", SIG_INCIDENT, 2, NO_TYPE, 0, NULL, NULL},
    {"個人情報", SIG_INCIDENT, 1, NO_TYPE, 0, NULL, NULL},
    {"お詫び", SIG_INCIDENT, 2, NO_TYPE, 0, NULL, NULL},
    {"おわび", SIG_INCIDENT, 2, NO_TYPE, 0, NULL, NULL},
    {"事案", SIG_INCIDENT, 1, NO_TYPE, 0, NULL, NULL},
    {"被害", SIG_INCIDENT, 1, NO_TYPE, F_TERMS, NULL, NULL},
    {"第三者による", SIG_INCIDENT, 1, NO_TYPE, 0, NULL, NULL},
    /* points and miles programmes */
    {"キャンペーン", SIG_CAMPAIGN, 4, NO_TYPE, 0, NULL, NULL},
    {"ポイント", SIG_CAMPAIGN, 2, NO_TYPE, F_GOODS, NULL, NULL},
    {"マイル", SIG_CAMPAIGN, 2, NO_TYPE, F_GOODS, NULL, NULL},
    {"進呈", SIG_CAMPAIGN, 2, NO_TYPE, 0, NULL, NULL},
    {"プレゼント", SIG_CAMPAIGN, 2, NO_TYPE, 0, NULL, NULL},
    {"倍", SIG_CAMPAIGN, 1, NO_TYPE, 0, NULL, NULL},
    {"還元", SIG_CAMPAIGN, 2, NO_TYPE, 0, NULL, NULL},
    {"エントリー", SIG_CAMPAIGN, 2, NO_TYPE, 0, NULL, NULL},
    {"特典", SIG_CAMPAIGN, 1, NO_TYPE, F_GOODS, NULL, NULL},
    {"付与", SIG_CAMPAIGN, 1, NO_TYPE, F_GOODS, NULL, NULL},
    {"加算", SIG_CAMPAIGN, 1, NO_TYPE, 0, NULL, NULL},
    {"山分け", SIG_CAMPAIGN, 2, NO_TYPE, 0, NULL, NULL},
    {"抽選", SIG_CAMPAIGN, 1, NO_TYPE, 0, NULL, NULL},
    {"増量", SIG_CAMPAIGN, 2, NO_TYPE, 0, NULL, NULL},
    {"ボーナス", SIG_CAMPAIGN, 1, NO_TYPE, 0, NULL, NULL},
    {"交換", SIG_CAMPAIGN, 1, NO_TYPE, F_GOODS, NULL, NULL},
    /* digests of many items */
    {"今週", SIG_DIGEST, 3, NO_TYPE, 0, NULL, NULL},
    {"週刊", SIG_DIGEST, 4, NO_TYPE, 0, NULL, NULL},
    {"今号", SIG_DIGEST, 3, NO_TYPE, 0, NULL, NULL},
    {"まとめ", SIG_DIGEST, 2, NO_TYPE, 0, NULL, NULL},
    {"ふりかえり", SIG_DIGEST, 3, NO_TYPE, 0, NULL, NULL},
    {"振り返り", SIG_DIGEST, 3, NO_TYPE, 0, NULL, NULL},
    {"ピックアップ", SIG_DIGEST, 2, NO_TYPE, 0, NULL, NULL},
    {"ニュース", SIG_DIGEST, 1, NO_TYPE, 0, NULL, NULL},
    {"メールマガジン", SIG_DIGEST, 3, NO_TYPE, 0, NULL, NULL},
    /* advisories, statistics, maintenance, greetings */
    {"メンテナンス", SIG_OTHER, 4, NO_TYPE, 0, NULL, NULL},
    {"詐欺", SIG_OTHER, 2, NO_TYPE, 0, NULL, NULL},
    {"ご注意ください", SIG_OTHER, 1, NO_TYPE, 0, NULL, NULL},
    {"注意してください", SIG_OTHER, 2, NO_TYPE, 0, NULL, NULL},
    {"検挙", SIG_OTHER, 3, NO_TYPE, 0, NULL, NULL},
    {"犯罪", SIG_OTHER, 1, NO_TYPE, 0, NULL, NULL},
    {"統計", SIG_OTHER, 2, NO_TYPE, 0, NULL, NULL},
    {"白書", SIG_OTHER, 3, NO_TYPE, 0, NULL, NULL},
    {"新年", SIG_OTHER, 3, NO_TYPE, 0, NULL, NULL},
};

#define NCUES (sizeof(cues) / sizeof(*cues))

/* Words that negate or hedge a cue later in its sentence. */
static const char *const negations[] = {
    "なかった",   "ていない", "ておりません", "ていません",
    "ありません", "はない",   "危険性",       "つながる",
};

/* Words that make a cue's sentence a condition of terms. */
static const char *const conditions[] = {"場合", "ときは", "際は"};

static const char *const sig_names[] = {
    [SIG_INCIDENT] = "incident",
    [SIG_CAMPAIGN] = "loyalty_campaign",
    [SIG_OTHER] = "other",
    [SIG_DIGEST] = "other",
};

/* What one cue did in this document. */
struct hit {
    unsigned body, title; /* counted hits */
    size_t first;         /* folded index of the first counted hit */
    bool typed;           /* gave its incident type */
};

/* The first three bytes of a word (one kana or kanji), the scan's key. */
static uint32_t key3(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)u[0] << 16 | (uint32_t)u[1] << 8 | u[2];
}

static unsigned bucket_of(uint32_t key)
{
    return (key * 2654435761u) >> 22 & (NBUCKETS - 1);
}

/* End of the clause after @p i: a 。 or a line end, at most CLAUSE_BYTES. */
static size_t clause_end(const struct nf_text *t, size_t i)
{
    size_t lim = t->len - i > CLAUSE_BYTES ? i + CLAUSE_BYTES : t->len;
    const char *nl = memchr(t->s + i, '\n', lim - i);
    size_t k;

    if (nl)
        lim = (size_t)(nl - t->s);
    k = nf_text_find(t, i, lim, "。");
    return k == (size_t)-1 ? lim : k;
}

static bool any_in(const struct nf_text *t, size_t from, size_t to,
                   const char *const *tab, size_t n)
{
    size_t k;

    for (k = 0; k < n; k++)
        if (nf_text_find(t, from, to, tab[k]) != (size_t)-1)
            return true;
    return false;
}

static bool partner_near(const struct nf_text *t, size_t i, size_t n,
                         const char *near)
{
    size_t from = i > NEAR_BYTES ? i - NEAR_BYTES : 0;
    size_t to = t->len - (i + n) > NEAR_BYTES ? i + n + NEAR_BYTES : t->len;

    return nf_text_find(t, from, to, near) != (size_t)-1;
}

/* Record one match of cue @p c at @p i; the lookaheads run only while the
 * cue can still change the result (capped hits, type not yet given). */
static void record(const struct nf_text *t, const struct cue *c, struct hit *h,
                   size_t i, bool in_title)
{
    size_t n = strlen(c->word);
    bool need_count = in_title ? h->title == 0 : h->body < HIT_CAP;
    bool need_type = c->itype != NO_TYPE && !h->typed;
    size_t ce;

    if (!need_count && !need_type)
        return;
    if (c->unless && nf_text_at(t, i + n, c->unless))
        return;
    ce = clause_end(t, i + n);
    if ((c->flags & F_TERMS) &&
        any_in(t, i + n, ce, conditions,
               sizeof(conditions) / sizeof(*conditions)))
        return;
    if (need_count) {
        if (h->body == 0 && h->title == 0)
            h->first = i;
        if (in_title)
            h->title++;
        else
            h->body++;
    }
    if (need_type &&
        (!(c->flags & F_NEG) ||
         !any_in(t, i + n, ce, negations,
                 sizeof(negations) / sizeof(*negations))) &&
        (!c->near || ((c->flags & F_AFTER)
                          ? nf_text_find(t, i + n, ce, c->near) != (size_t)-1
                          : partner_near(t, i, n, c->near))))
        h->typed = true;
}

static double cue_score(const struct cue *c, const struct hit *h)
{
    unsigned b = h->body < HIT_CAP ? h->body : HIT_CAP;

    return (double)c->wt * (b + (h->title ? TITLE_BONUS : 0));
}

int nf_classify(const struct nf_text *t, const struct nf_header *hdr,
                struct nf_arena *a, struct nf_class *out, struct nf_err *err)
{
    short head[NBUCKETS], next[NCUES];
    uint32_t keys[NCUES];
    size_t lens[NCUES];
    struct hit hits[NCUES];
    double sc[4] = {0, 0, 0, 0}, margin;
    size_t i, k, ts = 0, te = 0, order[NCUES], no = 0;
    uint32_t types = 0;
    bool takeover;
    enum sig win;

    memset(out, 0, sizeof(*out));
    memset(hits, 0, sizeof(hits));
    out->reasons = nf_arena_alloc(a, NF_MAX_REASONS * sizeof(*out->reasons));
    if (!out->reasons)
        return nf_err_set(err, NF_E_NOMEM, 0, "out of memory in classify");

    for (k = 0; k < NBUCKETS; k++)
        head[k] = -1;
    for (k = NCUES; k-- > 0;) {
        unsigned b;
        lens[k] = strlen(cues[k].word); /* every cue has 3 bytes or more */
        keys[k] = key3(cues[k].word);
        b = bucket_of(keys[k]);
        next[k] = head[b];
        head[b] = (short)k;
    }
    if (hdr && hdr->title.ptr && hdr->title.len <= TITLE_MAX_BYTES) {
        /* title span is in input offsets; compare through the map */
        ts = hdr->title.span.off;
        te = ts + hdr->title.span.len;
    }

    for (i = 0; i + 2 < t->len;) {
        unsigned char c0 = (unsigned char)t->s[i];
        uint32_t key = key3(t->s + i);
        short j;
        for (j = head[bucket_of(key)]; j >= 0; j = next[j]) {
            if (keys[j] == key && lens[j] <= t->len - i &&
                memcmp(t->s + i + 3, cues[j].word + 3, lens[j] - 3) == 0) {
                size_t off = t->map[i];
                record(t, &cues[j], &hits[j], i, off >= ts && off < te);
            }
        }
        i += c0 < 0x80 ? 1 : c0 >= 0xF0 ? 4 : c0 >= 0xE0 ? 3 : 2;
    }

    for (k = 0; k < NCUES; k++)
        if (hits[k].typed)
            types |= 1u << cues[k].itype;
    /* points or miles in an account takeover are the stolen goods */
    takeover = (types & (1u << NF_IT_ACCOUNT_COMPROMISE)) != 0;
    for (k = 0; k < NCUES; k++) {
        double v = cue_score(&cues[k], &hits[k]);
        if (takeover && (cues[k].flags & F_GOODS))
            v /= 2;
        sc[cues[k].sig] += v;
    }
    /* a digest's incident words are its news items */
    if (sc[SIG_DIGEST] >= DIGEST_MIN)
        sc[SIG_INCIDENT] /= 2;
    sc[SIG_OTHER] += sc[SIG_DIGEST] + OTHER_PRIOR;

    win = SIG_OTHER;
    if (sc[SIG_INCIDENT] > sc[win])
        win = SIG_INCIDENT;
    if (sc[SIG_CAMPAIGN] > sc[win])
        win = SIG_CAMPAIGN;
    margin = sc[win];
    for (k = 0; k < 3; k++)
        if (k != (size_t)win && sc[win] - sc[k] < margin)
            margin = sc[win] - sc[k];
    out->category = win == SIG_INCIDENT   ? NF_CAT_INCIDENT
                    : win == SIG_CAMPAIGN ? NF_CAT_LOYALTY_CAMPAIGN
                                          : NF_CAT_OTHER;
    out->confidence = 0.5 + 0.5 * margin / (margin + CONF_HALF);

    /* the specific type hides the generic one */
    if (types & (1u << NF_IT_RANSOMWARE))
        types &= ~(1u << NF_IT_MALWARE);
    if (types & (1u << NF_IT_ACCOUNT_COMPROMISE))
        types &= ~(1u << NF_IT_UNAUTHORIZED_ACCESS);
    if (types & ((1u << NF_IT_MISDELIVERY) | (1u << NF_IT_PHISHING)))
        types &= ~(1u << NF_IT_MISCONFIGURATION);
    out->incident_types = out->category == NF_CAT_INCIDENT ? types : 0;

    /* reasons: the winner's cues first, each by contribution */
    for (k = 0; k < NCUES; k++)
        if (hits[k].body || hits[k].title)
            order[no++] = k;
    for (i = 1; i < no; i++) {
        size_t v = order[i], j = i;
        double sv = cue_score(&cues[v], &hits[v]);
        bool wv = cues[v].sig == win ||
                  (win == SIG_OTHER && cues[v].sig == SIG_DIGEST);
        while (j > 0) {
            size_t u = order[j - 1];
            bool wu = cues[u].sig == win ||
                      (win == SIG_OTHER && cues[u].sig == SIG_DIGEST);
            if (wu > wv || (wu == wv && cue_score(&cues[u], &hits[u]) >= sv))
                break;
            order[j] = u;
            j--;
        }
        order[j] = v;
    }
    for (i = 0; i < no && out->n_reasons < NF_MAX_REASONS; i++) {
        const struct cue *c = &cues[order[i]];
        struct nf_reason *r = &out->reasons[out->n_reasons++];
        size_t f = hits[order[i]].first;
        r->cue = c->word;
        r->signal = sig_names[c->sig];
        r->span = nf_text_span(t, f, f + strlen(c->word));
    }
    return 0;
}
