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
 *   "キャンペーン応募フォームへの不正アクセスにより、応募者の個人情報が流
 *       出した可能性があります" → incident: the sentence after an event cue
 *       reports that it happened (判明, 可能性, 発生, ～ました; read_event()),
 *       each such sentence adds EVENT_SENT_WT, and the campaign words then
 *       only name what the event touched (divided by EVENT_GOODS_DIV). A
 *       negated ("流出した事実はありません") or conditional ("不正利用が判明
 *       した場合") sentence reports nothing, so terms stay terms, and a
 *       digest's event sentences are its news items, not its own.
 *       An event sentence is a bonus, not a requirement: some notices
 *       name their event only in nouns ("書類紛失事案について").
 *   "情報漏えい対策ソフト…誤送信防止機能" → other: an incident word right
 *       before 防止 / 対策 / を防 is a feature or a measure, not an event;
 *   "障害は不正アクセスによるものではありません" → the denied word counts
 *       for nothing (denials[]), so an outage notice stays other.
 * Types come from the same hits, kept only where the cue is not hedged in
 * its sentence ("マルウェア感染につながる", F_NEG) and, for cues
 * that need it, where a partner word stands near ("誤って" near "送"; "不
 * 正利用" near "アカウント"). A specific type then hides a generic one:
 * ransomware hides malware and the intrusion of a bare "attack" word
 * (サイバー攻撃, F_WEAK), account takeover hides unauthorized access,
 * misdelivery and phishing hide the "viewable state" wording of
 * misconfiguration (it is their consequence, not a separate cause).
 *
 * Confidence maps the margin m between the best and second-best score to
 * 0.5 + 0.5 * m / (m + CONF_HALF): 0.5 for a tie, 0.75 when the winner
 * leads by CONF_HALF (about two strong cues), 0.9 at a lead of 16. It is
 * monotone in the margin and never reaches 1: no cue table is sure.
 *
 * Digests are read by their words (週刊, まとめ, 月号 …; a genre noun that
 * heads a compound, "メールマガジン配信システム", names a thing and does not
 * count) and by their form: three or more short bulleted lines that each
 * say where an event happened ("■ 県立高校で名簿を紛失") are news items.
 *
 * Speed: one pass. Each character's last two bytes index a 4096-bit probe
 * filter built per call from the cues' first characters, so most
 * characters cost one load and a bit test; the few that pass go to hash
 * buckets keyed by the first three bytes. Lookaheads (negation, terms,
 * partners) run only while a cue can still change the result and use
 * memchr on a word's last byte. Discarded: one nf_text_find per cue (a
 * pass per table entry), memchr on a first byte (E3 starts most Japanese
 * characters), and a regex engine (not in libc+utf8proc).
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
/* News items (bulleted headlines, see news_item()) that make a digest, and
 * the digest weight of each. */
#define DIGEST_ITEMS 3
#define ITEM_WT      2.0
/* A news item is a line at most this long. */
#define ITEM_MAX_BYTES 160
/* An incident cue this heavy names an event (流出, 紛失), not a datum. */
#define EVENT_WT 2
/* Score of each sentence that reports an event (see read_event()), and
 * how many such sentences count. */
#define EVENT_SENT_WT 3.0
#define EVENT_CAP     3
/* What the campaign words weigh in a notice that reports an event: they
 * name what it touched (a third keeps a real campaign's title ahead of a
 * terms clause that slipped through). */
#define EVENT_GOODS_DIV 3.0
/* Margin at which the confidence is 0.75 (halfway from a tie to sure). */
#define CONF_HALF 4.0
/* Denied or hedged hits after which a cue's later hits are not read (a
 * text that denies a word again and again is a denial; this also bounds
 * the lookaheads of a cue that never counts). */
#define DENY_TRIES 4
/* How far a partner word may stand from its cue, in bytes. */
#define NEAR_BYTES 60
/* How far a sentence is read after a cue for negation or conditions. */
#define CLAUSE_BYTES 150
/* Bucket count of the first-three-bytes index (power of two). */
#define NBUCKETS 256
/* Bits of the probe filter: the low 6 bits of a character's last two
 * bytes. */
#define PROBE_BITS 4096

enum sig { SIG_INCIDENT, SIG_CAMPAIGN, SIG_OTHER, SIG_DIGEST };

#define F_NEG   0x1 /* type not given when negated in its sentence */
#define F_TERMS 0x2 /* not counted when its sentence is a condition */
#define F_GOODS 0x4 /* what a taken-over account holds: counts half then */
#define F_AFTER 0x8 /* the partner word must follow the cue in its clause */
/* F_WEAK: its type yields to ransomware or malware (an attack they explain
 * is theirs, not a separate intrusion). F_NOUN: not counted as the head of
 * a compound noun (メールマガジン配信システム is a thing, not this
 * document's genre). */
#define F_WEAK 0x10
#define F_NOUN 0x20
/* F_EVENT: a light cue whose sentence is still read for an event (不正利用
 * is a campaign's terms word, and an account's misuse when it happened). */
#define F_EVENT 0x40
#define NO_TYPE (-1)
/* A cue word and its length, so the scan never calls strlen. */
#define W(s) s, sizeof(s) - 1

struct cue {
    const char *word;
    size_t len;        /* strlen(word), written by W() */
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
    {W("不正アクセス"), SIG_INCIDENT, 3, NF_IT_UNAUTHORIZED_ACCESS, F_NEG, NULL,
     "禁止法"},
    {W("サイバー攻撃"), SIG_INCIDENT, 2, NF_IT_UNAUTHORIZED_ACCESS,
     F_NEG | F_WEAK, NULL, NULL},
    {W("攻撃を受け"), SIG_INCIDENT, 2, NF_IT_UNAUTHORIZED_ACCESS,
     F_NEG | F_WEAK, NULL, NULL},
    /* a defaced site is an intrusion; 改ざん防止 is a product feature */
    {W("改ざん"), SIG_INCIDENT, 2, NF_IT_UNAUTHORIZED_ACCESS, F_NEG, NULL,
     "防止"},
    {W("侵入"), SIG_INCIDENT, 1, NO_TYPE, 0, NULL, NULL},
    /* ransomware and malware; 感染 alone also speaks of viruses of people */
    {W("ランサムウェア"), SIG_INCIDENT, 3, NF_IT_RANSOMWARE, 0, NULL, NULL},
    {W("ランサムウエア"), SIG_INCIDENT, 3, NF_IT_RANSOMWARE, 0, NULL, NULL},
    {W("Emotet"), SIG_INCIDENT, 3, NF_IT_MALWARE, 0, NULL, NULL},
    {W("エモテット"), SIG_INCIDENT, 3, NF_IT_MALWARE, 0, NULL, NULL},
    {W("マルウェアに感染"), SIG_INCIDENT, 2, NF_IT_MALWARE, F_NEG, NULL, NULL},
    {W("マルウェア感染"), SIG_INCIDENT, 2, NF_IT_MALWARE, F_NEG, NULL, NULL},
    {W("ウイルスに感染"), SIG_INCIDENT, 2, NF_IT_MALWARE, F_NEG, NULL, NULL},
    {W("ウイルス感染"), SIG_INCIDENT, 2, NF_IT_MALWARE, F_NEG, NULL, NULL},
    {W("感染"), SIG_INCIDENT, 1, NO_TYPE, 0, NULL, NULL},
    /* account takeover; 不正利用 is also the terms word of campaigns */
    {W("不正ログイン"), SIG_INCIDENT, 5, NF_IT_ACCOUNT_COMPROMISE, F_NEG, NULL,
     NULL},
    {W("乗っ取"), SIG_INCIDENT, 4, NF_IT_ACCOUNT_COMPROMISE, F_NEG, NULL, NULL},
    {W("なりすまし"), SIG_INCIDENT, 1, NO_TYPE, F_TERMS, NULL, NULL},
    {W("盗み取"), SIG_INCIDENT, 2, NF_IT_ACCOUNT_COMPROMISE, 0, "パスワード",
     NULL},
    {W("盗取"), SIG_INCIDENT, 2, NF_IT_ACCOUNT_COMPROMISE, 0, "パスワード",
     NULL},
    /* logins with ID/password pairs leaked elsewhere, under another name */
    {W("不正にログイン"), SIG_INCIDENT, 4, NF_IT_ACCOUNT_COMPROMISE, F_NEG,
     NULL, NULL},
    {W("なりすましログイン"), SIG_INCIDENT, 4, NF_IT_ACCOUNT_COMPROMISE, F_NEG,
     NULL, NULL},
    {W("パスワードリスト攻撃"), SIG_INCIDENT, 4, NF_IT_ACCOUNT_COMPROMISE,
     F_NEG, NULL, NULL},
    {W("リスト型攻撃"), SIG_INCIDENT, 4, NF_IT_ACCOUNT_COMPROMISE, F_NEG, NULL,
     NULL},
    {W("不正利用"), SIG_INCIDENT, 1, NF_IT_ACCOUNT_COMPROMISE,
     F_TERMS | F_NEG | F_EVENT, "アカウント", NULL},
    {W("不正に利用"), SIG_INCIDENT, 1, NF_IT_ACCOUNT_COMPROMISE,
     F_TERMS | F_NEG | F_EVENT, "アカウント", NULL},
    /* card data */
    {W("クレジットカード"), SIG_INCIDENT, 1, NF_IT_PAYMENT_CARD_LEAK, 0, NULL,
     NULL},
    {W("カード情報"), SIG_INCIDENT, 1, NF_IT_PAYMENT_CARD_LEAK, 0, NULL, NULL},
    /* lost or stolen media and papers */
    {W("紛失"), SIG_INCIDENT, 3, NF_IT_LOST_OR_STOLEN, 0, NULL, NULL},
    {W("盗難"), SIG_INCIDENT, 3, NF_IT_LOST_OR_STOLEN, 0, NULL, NULL},
    {W("盗まれ"), SIG_INCIDENT, 2, NF_IT_LOST_OR_STOLEN, 0, NULL, NULL},
    {W("置き忘れ"), SIG_INCIDENT, 2, NF_IT_LOST_OR_STOLEN, 0, NULL, NULL},
    {W("滅失"), SIG_INCIDENT, 2, NF_IT_LOST_OR_STOLEN, 0, NULL, NULL},
    /* papers that cannot be found: 所在不明, 所在が分からなくなった, the
     * police report of a loss (遺失届) */
    {W("所在不明"), SIG_INCIDENT, 3, NF_IT_LOST_OR_STOLEN, 0, NULL, NULL},
    {W("所在が分からな"), SIG_INCIDENT, 3, NF_IT_LOST_OR_STOLEN, 0, NULL, NULL},
    {W("所在がわからな"), SIG_INCIDENT, 3, NF_IT_LOST_OR_STOLEN, 0, NULL, NULL},
    {W("遺失"), SIG_INCIDENT, 2, NF_IT_LOST_OR_STOLEN, 0, NULL, NULL},
    /* sent to the wrong people */
    {W("誤送信"), SIG_INCIDENT, 3, NF_IT_MISDELIVERY, 0, NULL, NULL},
    {W("誤送付"), SIG_INCIDENT, 3, NF_IT_MISDELIVERY, 0, NULL, NULL},
    {W("誤配達"), SIG_INCIDENT, 2, NF_IT_MISDELIVERY, 0, NULL, NULL},
    {W("誤配送"), SIG_INCIDENT, 2, NF_IT_MISDELIVERY, 0, NULL, NULL},
    /* post: another person's letter in the envelope, the wrong address */
    {W("誤封入"), SIG_INCIDENT, 3, NF_IT_MISDELIVERY, 0, NULL, NULL},
    {W("誤同封"), SIG_INCIDENT, 3, NF_IT_MISDELIVERY, 0, NULL, NULL},
    {W("誤発送"), SIG_INCIDENT, 3, NF_IT_MISDELIVERY, 0, NULL, NULL},
    {W("誤郵送"), SIG_INCIDENT, 3, NF_IT_MISDELIVERY, 0, NULL, NULL},
    {W("誤交付"), SIG_INCIDENT, 2, NF_IT_MISDELIVERY, 0, NULL, NULL},
    /* mail: "BCCではなくTO(CC)に入力" shows every recipient's address */
    {W("BCCではなく"), SIG_INCIDENT, 3, NF_IT_MISDELIVERY, 0, NULL, NULL},
    {W("Bccではなく"), SIG_INCIDENT, 3, NF_IT_MISDELIVERY, 0, NULL, NULL},
    {W("誤って"), SIG_INCIDENT, 1, NF_IT_MISDELIVERY, F_AFTER, "送", NULL},
    {W("BCC"), SIG_INCIDENT, 1, NF_IT_MISDELIVERY, 0, NULL, NULL},
    {W("Bcc"), SIG_INCIDENT, 1, NF_IT_MISDELIVERY, 0, NULL, NULL},
    /* insiders */
    {W("元職員"), SIG_INCIDENT, 2, NF_IT_INSIDER, 0, NULL, NULL},
    {W("元従業員"), SIG_INCIDENT, 2, NF_IT_INSIDER, 0, NULL, NULL},
    {W("元社員"), SIG_INCIDENT, 2, NF_IT_INSIDER, 0, NULL, NULL},
    {W("不正に持ち出"), SIG_INCIDENT, 2, NF_IT_INSIDER, 0, NULL, NULL},
    {W("不正持ち出"), SIG_INCIDENT, 2, NF_IT_INSIDER, 0, NULL, NULL},
    {W("不正取得"), SIG_INCIDENT, 2, NF_IT_INSIDER, 0, NULL, NULL},
    {W("内部不正"), SIG_INCIDENT, 2, NF_IT_INSIDER, 0, NULL, NULL},
    /* phishing: the mail or site itself, not a warning about 詐欺 */
    {W("フィッシングメール"), SIG_INCIDENT, 2, NF_IT_PHISHING, F_NEG, NULL,
     NULL},
    {W("フィッシングサイト"), SIG_INCIDENT, 2, NF_IT_PHISHING, F_NEG, NULL,
     NULL},
    /* exposure by settings */
    {W("設定不備"), SIG_INCIDENT, 2, NF_IT_MISCONFIGURATION, 0, NULL, NULL},
    {W("設定ミス"), SIG_INCIDENT, 2, NF_IT_MISCONFIGURATION, 0, NULL, NULL},
    {W("公開設定"), SIG_INCIDENT, 1, NF_IT_MISCONFIGURATION, 0, NULL, NULL},
    {W("共有設定"), SIG_INCIDENT, 1, NF_IT_MISCONFIGURATION, 0, NULL, NULL},
    /* others' data open to view: the exposure itself, an event even when
     * the notice names no cause (a booking page showing other guests) */
    {W("閲覧できる状態"), SIG_INCIDENT, 3, NF_IT_MISCONFIGURATION, 0, NULL,
     NULL},
    {W("閲覧可能な状態"), SIG_INCIDENT, 3, NF_IT_MISCONFIGURATION, 0, NULL,
     NULL},
    {W("閲覧可能となって"), SIG_INCIDENT, 3, NF_IT_MISCONFIGURATION, 0, NULL,
     NULL},
    {W("表示される状態"), SIG_INCIDENT, 2, NF_IT_MISCONFIGURATION, 0, NULL,
     NULL},
    {W("公開してしま"), SIG_INCIDENT, 2, NF_IT_MISCONFIGURATION, 0, NULL, NULL},
    {W("誤って公開"), SIG_INCIDENT, 3, NF_IT_MISCONFIGURATION, 0, NULL, NULL},
    /* the leak and the notice itself */
    {W("漏えい"), SIG_INCIDENT, 2, NO_TYPE, 0, NULL, NULL},
    {W("漏洩"), SIG_INCIDENT, 2, NO_TYPE, 0, NULL, NULL},
    {W("流出"), SIG_INCIDENT, 2, NO_TYPE, 0, NULL, NULL},
    {W("個人情報"), SIG_INCIDENT, 1, NO_TYPE, 0, NULL, NULL},
    {W("お詫び"), SIG_INCIDENT, 2, NO_TYPE, 0, NULL, NULL},
    {W("おわび"), SIG_INCIDENT, 2, NO_TYPE, 0, NULL, NULL},
    {W("事案"), SIG_INCIDENT, 1, NO_TYPE, 0, NULL, NULL},
    {W("被害"), SIG_INCIDENT, 1, NO_TYPE, F_TERMS, NULL, NULL},
    {W("第三者による"), SIG_INCIDENT, 1, NO_TYPE, 0, NULL, NULL},
    {W("第三者により"), SIG_INCIDENT, 1, NO_TYPE, 0, NULL, NULL},
    /* points and miles programmes */
    {W("キャンペーン"), SIG_CAMPAIGN, 4, NO_TYPE, 0, NULL, NULL},
    {W("ポイント"), SIG_CAMPAIGN, 2, NO_TYPE, F_GOODS, NULL, NULL},
    {W("マイル"), SIG_CAMPAIGN, 2, NO_TYPE, F_GOODS, NULL, NULL},
    {W("進呈"), SIG_CAMPAIGN, 2, NO_TYPE, 0, NULL, NULL},
    {W("プレゼント"), SIG_CAMPAIGN, 2, NO_TYPE, 0, NULL, NULL},
    {W("倍"), SIG_CAMPAIGN, 1, NO_TYPE, 0, NULL, NULL},
    {W("還元"), SIG_CAMPAIGN, 2, NO_TYPE, 0, NULL, NULL},
    {W("エントリー"), SIG_CAMPAIGN, 2, NO_TYPE, 0, NULL, NULL},
    {W("特典"), SIG_CAMPAIGN, 1, NO_TYPE, F_GOODS, NULL, NULL},
    {W("付与"), SIG_CAMPAIGN, 1, NO_TYPE, F_GOODS, NULL, NULL},
    {W("加算"), SIG_CAMPAIGN, 1, NO_TYPE, 0, NULL, NULL},
    {W("山分け"), SIG_CAMPAIGN, 2, NO_TYPE, 0, NULL, NULL},
    {W("抽選"), SIG_CAMPAIGN, 1, NO_TYPE, 0, NULL, NULL},
    {W("増量"), SIG_CAMPAIGN, 2, NO_TYPE, 0, NULL, NULL},
    {W("ボーナス"), SIG_CAMPAIGN, 1, NO_TYPE, 0, NULL, NULL},
    {W("交換"), SIG_CAMPAIGN, 1, NO_TYPE, F_GOODS, NULL, NULL},
    /* digests of many items */
    {W("今週"), SIG_DIGEST, 3, NO_TYPE, 0, NULL, NULL},
    {W("週刊"), SIG_DIGEST, 4, NO_TYPE, 0, NULL, NULL},
    {W("今号"), SIG_DIGEST, 3, NO_TYPE, 0, NULL, NULL},
    {W("まとめ"), SIG_DIGEST, 2, NO_TYPE, F_NOUN, NULL, NULL},
    {W("ふりかえり"), SIG_DIGEST, 3, NO_TYPE, F_NOUN, NULL, NULL},
    {W("振り返り"), SIG_DIGEST, 3, NO_TYPE, F_NOUN, NULL, NULL},
    {W("ピックアップ"), SIG_DIGEST, 2, NO_TYPE, F_NOUN, NULL, NULL},
    {W("ニュース"), SIG_DIGEST, 1, NO_TYPE, F_NOUN, NULL, NULL},
    {W("メールマガジン"), SIG_DIGEST, 3, NO_TYPE, F_NOUN, NULL, NULL},
    {W("ダイジェスト"), SIG_DIGEST, 3, NO_TYPE, F_NOUN, NULL, NULL},
    {W("バックナンバー"), SIG_DIGEST, 3, NO_TYPE, F_NOUN, NULL, NULL},
    {W("月号"), SIG_DIGEST, 3, NO_TYPE, 0, NULL, NULL}, /* 2024年8月号 */
    /* advisories, statistics, maintenance, greetings */
    {W("メンテナンス"), SIG_OTHER, 4, NO_TYPE, 0, NULL, NULL},
    {W("一時停止"), SIG_OTHER, 2, NO_TYPE, 0, NULL, NULL},
    {W("ご不便をおかけ"), SIG_OTHER, 2, NO_TYPE, 0, NULL, NULL},
    /* outages (not 障害 alone: 障害者, 障害福祉課 are in many notices) */
    {W("システム障害"), SIG_OTHER, 3, NO_TYPE, 0, NULL, NULL},
    {W("通信障害"), SIG_OTHER, 3, NO_TYPE, 0, NULL, NULL},
    {W("障害により"), SIG_OTHER, 3, NO_TYPE, 0, NULL, NULL},
    {W("障害が発生"), SIG_OTHER, 3, NO_TYPE, 0, NULL, NULL},
    /* product news */
    {W("提供開始"), SIG_OTHER, 3, NO_TYPE, 0, NULL, NULL},
    {W("新バージョン"), SIG_OTHER, 2, NO_TYPE, 0, NULL, NULL},
    {W("発売"), SIG_OTHER, 2, NO_TYPE, 0, NULL, NULL},
    {W("詐欺"), SIG_OTHER, 2, NO_TYPE, 0, NULL, NULL},
    /* warnings about fakes of the issuer (its own phishing victims would
     * make event sentences) */
    {W("偽サイト"), SIG_OTHER, 2, NO_TYPE, 0, NULL, NULL},
    {W("偽のウェブサイト"), SIG_OTHER, 2, NO_TYPE, 0, NULL, NULL},
    {W("を装った"), SIG_OTHER, 1, NO_TYPE, 0, NULL, NULL},
    {W("ご注意ください"), SIG_OTHER, 1, NO_TYPE, 0, NULL, NULL},
    /* an advisory speaks of others' events ("流出が相次いでいます") */
    {W("注意喚起"), SIG_OTHER, 3, NO_TYPE, 0, NULL, NULL},
    {W("相次いで"), SIG_OTHER, 2, NO_TYPE, 0, NULL, NULL},
    {W("相次ぐ"), SIG_OTHER, 2, NO_TYPE, 0, NULL, NULL},
    {W("注意してください"), SIG_OTHER, 2, NO_TYPE, 0, NULL, NULL},
    {W("検挙"), SIG_OTHER, 3, NO_TYPE, 0, NULL, NULL},
    {W("犯罪"), SIG_OTHER, 1, NO_TYPE, 0, NULL, NULL},
    {W("統計"), SIG_OTHER, 2, NO_TYPE, 0, NULL, NULL},
    {W("白書"), SIG_OTHER, 3, NO_TYPE, 0, NULL, NULL},
    {W("新年"), SIG_OTHER, 3, NO_TYPE, 0, NULL, NULL},
};

#define NCUES (sizeof(cues) / sizeof(*cues))

/* Words that deny a cue later in its sentence: "不正アクセスによるもので
 * はありません", "流出は確認されておりません". A denied incident word is
 * no evidence at all (an outage notice that rules out an attack). */
static const char *const denials[] = {
    "なかった",   "ていない",   "ておりません",
    "ていません", "ありません", "はない",
};

/* Words that hedge a cue: a risk, not an event ("漏えいにつながる", "流出の
 * 危険性"). The word still tells the topic, but gives no type. */
static const char *const hedges[] = {"危険性", "つながる"};

/*
 * Predicates that report an event that happened, read in the sentence after
 * an event cue: "流出した可能性があります", "判明しました", "閲覧可能な状態と
 * なっていました", "不正アクセスを受け", a news article's "…と発表した".
 * ました is the polite past of every verb, so a notice's own account of
 * what happened ("誤って送信してしまいました") is one, while a campaign's
 * or a product's future tense (進呈します, 提供いたします) is not.
 */
static const char *const event_preds[] = {
    "判明", "発覚",   "可能性", "発生", "確認され", "確認し",
    "受け", "ました", "公表",   "発表", "明らかに",
};

/* Words that make an incident word right before them a countermeasure, a
 * product feature or a policy: 誤送信防止, 情報漏えい対策ソフト, 流出を防ぐ
 * (を防止, を防ぎ), 漏えいの防止. */
static const char *const measures[] = {"防止", "対策", "を防", "の防止"};

/* Words that make a cue's sentence a condition of terms. */
static const char *const conditions[] = {"場合", "とき", "時は", "際は"};

/* Bullets that open the items of a list. */
static const char *const bullets[] = {"■",  "□", "●", "○", "◆", "◇",
                                      "・", "•", "▼", "▶", "-", "*"};

static const char *const sig_names[] = {
    [SIG_INCIDENT] = "incident",
    [SIG_CAMPAIGN] = "loyalty_campaign",
    [SIG_OTHER] = "other",
    [SIG_DIGEST] = "other",
};

/* The reading of event sentences across the scan. */
struct events {
    size_t seen;      /* text before this was read for a predicate */
    unsigned n;       /* sentences that report an event, <= EVENT_CAP */
    size_t first;     /* folded index of the first event predicate */
    const char *word; /* that predicate */
};

/* A reason before sorting: a cue or the event predicate. */
struct cand {
    const char *word;
    size_t len;
    unsigned char sig; /* enum sig */
    double score;
    size_t first; /* folded index */
};

/* What one cue did in this document. */
struct hit {
    unsigned body, title; /* counted hits */
    unsigned denied;      /* hits denied or hedged, at most DENY_TRIES */
    size_t first;         /* folded index of the first counted hit */
    bool typed;           /* gave its incident type */
};

/* Byte length of a UTF-8 character by its lead byte's high nibble
 * (continuation bytes, never a lead in valid text, step by one). */
static const unsigned char utf8_len[16] = {1, 1, 1, 1, 1, 1, 1, 1,
                                           1, 1, 1, 1, 2, 2, 3, 4};

/* The first three bytes of a word (one kana or kanji), the scan's key. */
static uint32_t key3(const unsigned char *u)
{
    return (uint32_t)u[0] << 16 | (uint32_t)u[1] << 8 | u[2];
}

static unsigned bucket_of(uint32_t key)
{
    return (key * 2654435761u) >> 24 & (NBUCKETS - 1);
}

/* Probe-filter bit of a 3-byte character: its two trailing bytes' payloads
 * (12 bits name the character within its 4096-code-point block). */
static unsigned probe_of(const unsigned char *u)
{
    return (unsigned)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
}

/* End of the clause after @p i: a 。 or a line end, at most CLAUSE_BYTES. */
static size_t clause_end(const struct nf_text *t, size_t i)
{
    size_t lim = t->len - i > CLAUSE_BYTES ? i + CLAUSE_BYTES : t->len;
    const char *nl = memchr(t->s + i, '\n', lim - i);
    size_t k;

    if (nl)
        lim = (size_t)(nl - t->s);
    k = nf_text_findn(t, i, lim, "。", 3);
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

/* Does one of the words of @p tab start at @p i? */
static bool any_at(const struct nf_text *t, size_t i, const char *const *tab,
                   size_t n)
{
    size_t k;

    for (k = 0; k < n; k++)
        if (nf_text_at(t, i, tab[k]))
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

/* Is a character ending at @p k (exclusive) part of a name: kanji,
 * katakana or an ASCII letter or digit, not hiragana or punctuation? */
static bool name_char_before(const struct nf_text *t, size_t lo, size_t k)
{
    const unsigned char *u = (const unsigned char *)t->s;

    if (k > lo && u[k - 1] < 0x80)
        return (u[k - 1] >= '0' && u[k - 1] <= '9') ||
               ((u[k - 1] | 0x20) >= 'a' && (u[k - 1] | 0x20) <= 'z');
    if (k < lo + 3 || (u[k - 3] & 0xF0) != 0xE0)
        return false;
    if (u[k - 3] == 0xE3) /* U+3000..U+3FFF: kana and punctuation */
        return u[k - 2] == 0x82 ? u[k - 1] >= 0xA0 /* katakana */
                                : u[k - 2] == 0x83 || u[k - 2] >= 0x90;
    return u[k - 3] >= 0xE4; /* CJK ideographs */
}

/* Does a kanji or katakana start at @p k (the cue before it then begins a
 * compound noun)? */
static bool noun_char_at(const struct nf_text *t, size_t k)
{
    return k + 3 <= t->len && name_char_before(t, k, k + 3) &&
           ((unsigned char)t->s[k] & 0xF0) == 0xE0;
}

/*
 * Is the line starting at @p ls, holding an event cue at @p i, a digest's
 * news item? A short bulleted line that says where the event happened
 * before it ("■ A社で…が流出", "・B市でメール誤送信"). A notice's own lists
 * are its timeline ("・2月20日 不正アクセスを検知": a date after the
 * bullet) or its measures ("・不正アクセスの原因調査": no place), never
 * "Xで" + event on three lines.
 */
static bool news_item(const struct nf_text *t, size_t ls, size_t i)
{
    const unsigned char *u = (const unsigned char *)t->s;
    size_t lim = t->len - ls > ITEM_MAX_BYTES ? ls + ITEM_MAX_BYTES : t->len;
    size_t k = ls, b;

    if (i >= lim || (lim < t->len && !memchr(t->s + i, '\n', lim - i)))
        return false; /* a long line is prose */
    while (k < i && (u[k] == ' ' || u[k] == '\t'))
        k++;
    for (b = 0; b < sizeof(bullets) / sizeof(*bullets); b++)
        if (nf_text_at(t, k, bullets[b]))
            break;
    if (b == sizeof(bullets) / sizeof(*bullets))
        return false;
    k += strlen(bullets[b]);
    while (k < i && u[k] == ' ')
        k++;
    if (k < i && u[k] >= '0' && u[k] <= '9')
        return false; /* a dated step of a timeline */
    for (; k + 3 <= i; k += utf8_len[u[k] >> 4])
        if (u[k] == 0xE3 && u[k + 1] == 0x81 && u[k + 2] == 0xA7 && /* で */
            name_char_before(t, ls, k))
            return true;
    return false;
}

/*
 * Does the sentence after an event cue ending at @p from report that the
 * event happened? Each byte is read once across the scan: the read starts
 * where the last one stopped (ev->seen), and a sentence that reported an
 * event is not read again, so a sentence counts once and a text of ten
 * million cues costs one pass. Negated or hedged sentences ("流出した事実は
 * ありません", "漏えいにつながる可能性") and conditions of terms ("不正利用
 * が判明した場合") report nothing.
 */
static void read_event(const struct nf_text *t, size_t from, struct events *ev)
{
    size_t ce, k, p;

    if (ev->n >= EVENT_CAP)
        return;
    if (from < ev->seen) {
        if (ev->seen >= t->len || t->s[ev->seen] == '\n' ||
            nf_text_at(t, ev->seen, "。"))
            return; /* the rest of this sentence was read */
        from = ev->seen;
    }
    ce = clause_end(t, from);
    ev->seen = ce;
    for (k = 0; k < sizeof(event_preds) / sizeof(*event_preds); k++) {
        p = nf_text_find(t, from, ce, event_preds[k]);
        if (p != (size_t)-1)
            break;
    }
    if (k == sizeof(event_preds) / sizeof(*event_preds) ||
        any_in(t, from, ce, denials, sizeof(denials) / sizeof(*denials)) ||
        any_in(t, from, ce, hedges, sizeof(hedges) / sizeof(*hedges)) ||
        any_in(t, from, ce, conditions,
               sizeof(conditions) / sizeof(*conditions)))
        return;
    if (ev->n++ == 0) {
        ev->first = p;
        ev->word = event_preds[k];
    }
}

/* Record one match of cue @p c at @p i; the lookaheads run only while the
 * cue can still change the result (capped hits, type not yet given, an
 * unread sentence after an event cue). */
static void record(const struct nf_text *t, const struct cue *c, struct hit *h,
                   struct events *ev, size_t i, bool in_title)
{
    size_t n = c->len;
    bool need_count = in_title ? h->title == 0 : h->body < HIT_CAP;
    bool need_type = c->itype != NO_TYPE && !h->typed;
    size_t ce;

    if (c->unless && nf_text_at(t, i + n, c->unless))
        return;
    if (c->sig == SIG_INCIDENT &&
        any_at(t, i + n, measures, sizeof(measures) / sizeof(*measures)))
        return;
    if (c->sig == SIG_INCIDENT && (c->wt >= EVENT_WT || (c->flags & F_EVENT)))
        read_event(t, i + n, ev);
    if ((!need_count && !need_type) || h->denied >= DENY_TRIES)
        return;
    if ((c->flags & F_NOUN) && noun_char_at(t, i + n))
        return;
    ce = clause_end(t, i + n);
    if ((c->flags & F_TERMS) &&
        any_in(t, i + n, ce, conditions,
               sizeof(conditions) / sizeof(*conditions)))
        return;
    if (c->sig == SIG_INCIDENT &&
        any_in(t, i + n, ce, denials, sizeof(denials) / sizeof(*denials))) {
        h->denied++;
        return;
    }
    if (need_count) {
        if (h->body == 0 && h->title == 0)
            h->first = i;
        if (in_title)
            h->title++;
        else
            h->body++;
    }
    if (!need_type)
        return;
    if ((c->flags & F_NEG) &&
        any_in(t, i + n, ce, hedges, sizeof(hedges) / sizeof(*hedges)))
        h->denied++; /* bounds the lookups of a cue hedged again and again */
    else if (!c->near ||
             ((c->flags & F_AFTER)
                  ? nf_text_find(t, i + n, ce, c->near) != (size_t)-1
                  : partner_near(t, i, n, c->near)))
        h->typed = true;
}

/* The scan's index of the cue table, built per call on the stack (a few
 * hundred stores, no global state): a bitmap that rejects most characters
 * with one load, then hash buckets of cues by their first three bytes. */
struct probe {
    uint64_t bits[PROBE_BITS / 64]; /* probe_of() of 3-byte first chars */
    uint64_t ascii[2];              /* ASCII first bytes (Emotet, BCC) */
    short head[NBUCKETS], next[NCUES];
    uint32_t keys[NCUES];
};

static void probe_init(struct probe *pr)
{
    size_t k;

    memset(pr->bits, 0, sizeof(pr->bits));
    memset(pr->ascii, 0, sizeof(pr->ascii));
    memset(pr->head, 0xFF, sizeof(pr->head)); /* every bucket empty: -1 */
    for (k = NCUES; k-- > 0;) {
        /* every cue has 3 bytes or more (one kana or kanji at least) */
        const unsigned char *w = (const unsigned char *)cues[k].word;
        unsigned b;
        if (utf8_len[w[0] >> 4] == 3) {
            unsigned p = probe_of(w);
            pr->bits[p >> 6] |= (uint64_t)1 << (p & 63);
        } else if (w[0] < 0x80) {
            pr->ascii[w[0] >> 6] |= (uint64_t)1 << (w[0] & 63);
        }
        pr->keys[k] = key3(w);
        b = bucket_of(pr->keys[k]);
        pr->next[k] = pr->head[b];
        pr->head[b] = (short)k;
    }
}

static double cue_score(const struct cue *c, const struct hit *h)
{
    unsigned b = h->body < HIT_CAP ? h->body : HIT_CAP;

    return (double)c->wt * (b + (h->title ? TITLE_BONUS : 0));
}

int nf_classify(const struct nf_text *t, const struct nf_header *hdr,
                struct nf_arena *a, struct nf_class *out, struct nf_err *err)
{
    const unsigned char *u = (const unsigned char *)t->s;
    struct probe pr;
    struct hit hits[NCUES];
    double sc[4] = {0, 0, 0, 0}, margin;
    size_t i, k, step, ts = 0, te = 0, no = 0;
    size_t ls = 0, item_line = (size_t)-1, items = 0;
    uint32_t types = 0, weak = 0;
    struct events ev = {0, 0, 0, NULL};
    struct cand cand[NCUES + 1];
    bool takeover;
    enum sig win;

    memset(out, 0, sizeof(*out));
    memset(hits, 0, sizeof(hits));
    out->reasons = nf_arena_alloc(a, NF_MAX_REASONS * sizeof(*out->reasons));
    if (!out->reasons)
        return nf_err_set(err, NF_E_NOMEM, 0, "out of memory in classify");

    probe_init(&pr);
    if (hdr && hdr->title.ptr && hdr->title.len <= TITLE_MAX_BYTES) {
        /* title span is in input offsets; compare through the map */
        ts = hdr->title.span.off;
        te = ts + hdr->title.span.len;
    }

    for (i = 0; i + 2 < t->len; i += step) {
        unsigned c0 = u[i];
        uint32_t key;
        short j;
        if ((c0 & 0xF0) == 0xE0) { /* kana and kanji: the common case */
            unsigned p = probe_of(u + i);
            step = 3;
            if (!(pr.bits[p >> 6] >> (p & 63) & 1))
                continue;
        } else {
            step = utf8_len[c0 >> 4];
            if (c0 == '\n')
                ls = i + 1;
            if (step == 1 && !(pr.ascii[c0 >> 6] >> (c0 & 63) & 1))
                continue;
        }
        key = key3(u + i);
        for (j = pr.head[bucket_of(key)]; j >= 0; j = pr.next[j]) {
            const struct cue *c = &cues[j];
            if (pr.keys[j] == key && c->len <= t->len - i &&
                (c->len == 3 || u[i + 3] == (unsigned char)c->word[3]) &&
                memcmp(u + i + 3, c->word + 3, c->len - 3) == 0) {
                size_t off = t->map[i];
                record(t, c, &hits[j], &ev, i, off >= ts && off < te);
                if (c->sig == SIG_INCIDENT && c->wt >= EVENT_WT &&
                    ls != item_line) {
                    item_line = ls; /* each line is looked at once */
                    items += news_item(t, ls, i);
                }
            }
        }
    }

    for (k = 0; k < NCUES; k++)
        if (hits[k].typed) {
            if (cues[k].flags & F_WEAK)
                weak |= 1u << cues[k].itype;
            else
                types |= 1u << cues[k].itype;
        }
    if (types & ((1u << NF_IT_RANSOMWARE) | (1u << NF_IT_MALWARE)))
        weak &= ~(1u << NF_IT_UNAUTHORIZED_ACCESS);
    types |= weak;
    /* points or miles in an account takeover are the stolen goods */
    takeover = (types & (1u << NF_IT_ACCOUNT_COMPROMISE)) != 0;
    for (k = 0; k < NCUES; k++) {
        double v = cue_score(&cues[k], &hits[k]);
        if (takeover && (cues[k].flags & F_GOODS))
            v /= 2;
        sc[cues[k].sig] += v;
    }
    /* a list of news items is a digest, and a digest's incident words are
     * its news items; otherwise a sentence that reports an event makes the
     * notice an account of it, and the campaign words then name what the
     * event touched (the entry form that leaked, the points taken) */
    if (items >= DIGEST_ITEMS)
        sc[SIG_DIGEST] += ITEM_WT * (double)items;
    if (sc[SIG_DIGEST] >= DIGEST_MIN) {
        sc[SIG_INCIDENT] /= 2;
        ev.n = 0;
    } else if (ev.n) {
        sc[SIG_INCIDENT] += EVENT_SENT_WT * ev.n;
        sc[SIG_CAMPAIGN] /= EVENT_GOODS_DIV;
    }
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

    /* reasons: the winner's cues first, each by contribution; the first
     * event predicate stands for the event sentences */
    for (k = 0; k < NCUES; k++)
        if (hits[k].body || hits[k].title) {
            cand[no].word = cues[k].word;
            cand[no].len = cues[k].len;
            cand[no].sig = cues[k].sig;
            cand[no].first = hits[k].first;
            cand[no++].score = cue_score(&cues[k], &hits[k]);
        }
    if (ev.n) {
        cand[no].word = ev.word;
        cand[no].len = strlen(ev.word);
        cand[no].sig = SIG_INCIDENT;
        cand[no].first = ev.first;
        cand[no++].score = EVENT_SENT_WT * ev.n;
    }
    for (i = 1; i < no; i++) {
        struct cand v = cand[i];
        size_t j = i;
        bool wv = v.sig == win || (win == SIG_OTHER && v.sig == SIG_DIGEST);
        while (j > 0) {
            const struct cand *q = &cand[j - 1];
            bool wq =
                q->sig == win || (win == SIG_OTHER && q->sig == SIG_DIGEST);
            if (wq > wv || (wq == wv && q->score >= v.score))
                break;
            cand[j] = *q;
            j--;
        }
        cand[j] = v;
    }
    for (i = 0; i < no && out->n_reasons < NF_MAX_REASONS; i++) {
        struct nf_reason *r = &out->reasons[out->n_reasons++];
        r->cue = cand[i].word;
        r->signal = sig_names[cand[i].sig];
        r->span = nf_text_span(t, cand[i].first, cand[i].first + cand[i].len);
    }
    return 0;
}
