/* test_nf_classify.c - category rules, incident types, reasons, confidence.
 * Fixtures are short texts of our own, each exercising one rule. */
#include "nf_core_int.h"
#include "nf_test.h"

static struct nf_arena *arena;
static char *src;
static size_t src_len;

/* Classify @p text whose first line (up to '\n') is given as the title
 * when @p with_title is set. */
static struct nf_class run(const char *text, bool with_title)
{
    struct nf_text t;
    struct nf_header h;
    struct nf_class c;
    struct nf_err e;
    const char *nl;

    free(src);
    nf_arena_reset(arena);
    src = nf_test_copy(text, &src_len);
    memset(&c, 0, sizeof(c));
    CHECK_INTEQ(nf_text_init(&t, src, src_len, arena, &e), 0);
    memset(&h, 0, sizeof(h));
    h.published = -1;
    nl = strchr(text, '\n');
    if (with_title && nl) {
        h.title.ptr = src;
        h.title.len = (size_t)(nl - text);
        h.title.span.off = 0;
        h.title.span.len = h.title.len;
    }
    CHECK_INTEQ(nf_classify(&t, &h, arena, &c, &e), 0);
    return c;
}

static bool has_reason(const struct nf_class *c, const char *cue)
{
    size_t k;

    for (k = 0; k < c->n_reasons; k++) {
        const struct nf_reason *r = &c->reasons[k];
        if (strcmp(r->cue, cue) == 0) {
            /* the span must cover exactly the cue in the input */
            CHECK(r->span.off + r->span.len <= src_len, "span in input");
            CHECK(r->span.len == strlen(cue) &&
                      memcmp(src + r->span.off, cue, r->span.len) == 0,
                  "span of %s", cue);
            return true;
        }
    }
    return false;
}

#define BIT(x) (1u << (x))

static void test_incident_and_types(void)
{
    struct nf_class c =
        run("サーバーへの不正アクセスに関するお詫び\n"
            "当社サーバーが第三者による不正アクセスを受け、お客様のクレジット"
            "カード情報が漏えいした可能性があります。\n",
            true);

    CHECK_INTEQ(c.category, NF_CAT_INCIDENT);
    CHECK_INTEQ(c.incident_types,
                BIT(NF_IT_UNAUTHORIZED_ACCESS) | BIT(NF_IT_PAYMENT_CARD_LEAK));
    CHECK(has_reason(&c, "不正アクセス"), "reason 不正アクセス");
    CHECK(has_reason(&c, "漏えい"), "reason 漏えい");
    CHECK(c.confidence > 0.75 && c.confidence < 1.0, "confidence %f",
          c.confidence);
    /* the first reason argues for the chosen category */
    CHECK(c.n_reasons > 0 && strcmp(c.reasons[0].signal, "incident") == 0,
          "first reason signal");
}

static void test_campaign_terms(void)
{
    /* 不正利用 in a condition of the terms is no incident */
    struct nf_class c =
        run("ポイント2倍キャンペーン\n"
            "期間中にエントリーした方にポイントを進呈します。\n"
            "不正利用が判明した場合はポイントを取り消します。\n",
            true);

    CHECK_INTEQ(c.category, NF_CAT_LOYALTY_CAMPAIGN);
    CHECK_INTEQ(c.incident_types, 0);
    CHECK(!has_reason(&c, "不正利用"), "terms wording is no reason");
    CHECK(has_reason(&c, "キャンペーン"), "reason キャンペーン");
}

static void test_stolen_points(void)
{
    /* points taken through hijacked accounts: an incident */
    struct nf_class c =
        run("会員サイトへの不正ログインについて\n"
            "第三者が会員になりすまして不正ログインし、会員のポイントを他社"
            "ポイントやマイルに交換する被害が発生しました。ポイントの交換を"
            "一時停止しています。\n",
            true);

    CHECK_INTEQ(c.category, NF_CAT_INCIDENT);
    CHECK(c.incident_types & BIT(NF_IT_ACCOUNT_COMPROMISE), "takeover");
    /* a takeover hides the generic intrusion word */
    CHECK(!(c.incident_types & BIT(NF_IT_UNAUTHORIZED_ACCESS)), "no UA");
}

static void test_digest_is_other(void)
{
    struct nf_class c =
        run("【今週のふりかえり】\n"
            "今週は誤送信、ランサムウェア被害、不正アクセスなどが続きました。\n"
            "病院で個人情報が流出\n"
            "市役所でメールを誤送信\n"
            "製造業でランサムウェア感染\n"
            "今週の記事のまとめでした。\n",
            true);

    CHECK_INTEQ(c.category, NF_CAT_OTHER);
    CHECK_INTEQ(c.incident_types, 0);
    CHECK(has_reason(&c, "今週"), "reason 今週");
}

static void test_other_forms(void)
{
    struct nf_class c;

    /* no cue at all: other, with a moderate confidence */
    c = run("システムメンテナンスのお知らせ\n下記の日程で作業を行います。\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_OTHER);
    CHECK(c.confidence >= 0.5 && c.confidence <= 1.0, "confidence %f",
          c.confidence);
    /* a law's name is not an event */
    c = run("不正アクセス禁止法違反の検挙件数の推移を示す統計である。\n",
            false);
    CHECK_INTEQ(c.category, NF_CAT_OTHER);
}

static void test_type_rules(void)
{
    struct nf_class c;

    /* ransomware hides malware */
    c = run("ランサムウェア感染被害のお知らせ\n"
            "サーバーがランサムウェアに感染し、ウイルスに感染した端末を"
            "隔離しました。個人情報の流出を調査中です。\n",
            true);
    CHECK_INTEQ(c.incident_types, BIT(NF_IT_RANSOMWARE));
    /* a negated cue gives no type */
    c = run("メールアカウントの不正利用について\n"
            "メールアカウントが不正利用され、個人情報が漏えいした可能性があり"
            "ます。調査の結果、マルウェア感染の痕跡は確認されなかった。\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_INCIDENT);
    CHECK_INTEQ(c.incident_types, BIT(NF_IT_ACCOUNT_COMPROMISE));
    /* misdelivery: 誤って needs a sending verb after it */
    c = run("個人情報の漏えいについて\n"
            "書類を誤って別の方へ送付し、個人情報が漏えいしました。お詫び申し上"
            "げます。\n",
            true);
    CHECK_INTEQ(c.incident_types, BIT(NF_IT_MISDELIVERY));
    c = run("書類の紛失について\n"
            "書類を誤って廃棄し、紛失しました。お詫び申し上げます。\n",
            true);
    CHECK_INTEQ(c.incident_types, BIT(NF_IT_LOST_OR_STOLEN));
    /* phishing mail and the stolen password */
    c = run("フィッシングメールによる個人情報の漏洩\n"
            "職員がフィッシングメールでIDとパスワードを盗み取られ、"
            "個人情報が閲覧可能な状態となりました。\n",
            true);
    CHECK_INTEQ(c.incident_types,
                BIT(NF_IT_PHISHING) | BIT(NF_IT_ACCOUNT_COMPROMISE));
}

static void test_title_weighs_more(void)
{
    /* the same words; the title decides */
    struct nf_class a, b;

    a = run("個人情報の流出\nポイントの流出。キャンペーン。\n", true);
    b = run("キャンペーン\nポイントの流出。個人情報の流出。\n", true);
    CHECK_INTEQ(a.category, NF_CAT_INCIDENT);
    CHECK_INTEQ(b.category, NF_CAT_LOYALTY_CAMPAIGN);
}

static void test_bounded(void)
{
    /* a long run of one cue: capped count, reasons within their maximum */
    size_t n = 100000, k, w = strlen("漏えい");
    char *big = malloc(n * w + 1);
    struct nf_class c;

    for (k = 0; k < n; k++)
        memcpy(big + k * w, "漏えい", w);
    big[n * w] = '\0';
    c = run(big, false);
    CHECK_INTEQ(c.category, NF_CAT_INCIDENT);
    CHECK(c.n_reasons <= NF_MAX_REASONS, "reasons %zu", c.n_reasons);
    CHECK(c.confidence < 1.0, "never certain");
    free(big);
}

static void test_digest_forms(void)
{
    struct nf_class c;

    /* bulleted headlines, each "somewhere で event", make a digest */
    c = run("セキュリティ通信 第8号\n"
            "■ 通販サイトでカード情報が流出\n"
            "■ 県立高校で名簿を紛失\n"
            "・ 市役所でメールを誤送信\n"
            "■ 新しい詐欺の手口\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_OTHER);
    CHECK_INTEQ(c.incident_types, 0);
    /* a notice's own timeline and measures are no news items */
    c = run("不正アクセスによる個人情報流出のお詫び\n"
            "当社サーバーが不正アクセスを受け、個人情報が流出しました。\n"
            "・3月1日 当社サーバーで不正アクセスを検知\n"
            "・3月2日 当社サイトで流出を確認\n"
            "・3月4日 警察で被害を相談\n"
            "・不正アクセスの原因調査\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_INCIDENT);
    /* a newsletter system that was attacked is the subject, not the genre */
    c = run("メールマガジン配信システムへの不正アクセスについて\n"
            "メールマガジン配信システムが不正アクセスを受け、登録者の"
            "メールアドレスが流出した可能性があります。\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_INCIDENT);
    CHECK(!has_reason(&c, "メールマガジン"), "compound noun not counted");
}

static void test_attack_types(void)
{
    struct nf_class c;

    /* an attack explained by ransomware is the ransomware */
    c = run("ランサムウェア被害について\n"
            "委託先がサイバー攻撃を受け、ランサムウェアによりデータが暗号化"
            "され、情報が流出した可能性があります。\n",
            true);
    CHECK_INTEQ(c.incident_types, BIT(NF_IT_RANSOMWARE));
    /* the explicit word keeps its own type */
    c = run("ランサムウェア被害について\n"
            "サーバーが不正アクセスを受け、ランサムウェアに感染しました。\n",
            true);
    CHECK_INTEQ(c.incident_types,
                BIT(NF_IT_RANSOMWARE) | BIT(NF_IT_UNAUTHORIZED_ACCESS));
    /* an attack alone is an intrusion */
    c = run("サイバー攻撃について\n"
            "当社サイトが攻撃を受け、情報が流出した可能性があります。\n",
            true);
    CHECK_INTEQ(c.incident_types, BIT(NF_IT_UNAUTHORIZED_ACCESS));
    /* a defaced site is an incident; 改ざん防止 is a feature */
    c = run("ウェブサイトの改ざんについて\n"
            "当社ウェブサイトが第三者により改ざんされていました。\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_INCIDENT);
    c = run("新製品のご案内\n改ざん防止機能を搭載した新製品です。\n", true);
    CHECK_INTEQ(c.category, NF_CAT_OTHER);
}

static void test_event_outweighs_campaign(void)
{
    struct nf_class c;

    /* an entry form of a campaign leaked: the event sentence decides */
    c = run("プレゼントキャンペーン応募者情報について\n"
            "キャンペーン応募フォームが不正アクセスを受け、抽選にご応募いた"
            "だいた方の個人情報が流出した可能性があることが判明しました。\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_INCIDENT);
    CHECK_INTEQ(c.incident_types, BIT(NF_IT_UNAUTHORIZED_ACCESS));
    CHECK(has_reason(&c, "判明"), "event predicate is a reason");
    /* the same words without an event: a campaign */
    c = run("プレゼントキャンペーン\n"
            "抽選で100名様にプレゼント。個人情報は抽選にのみ利用します。\n"
            "不正アクセス防止のため、応募フォームを刷新しました。\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_LOYALTY_CAMPAIGN);
    /* a negated or conditional event is none */
    c = run("ポイント3倍キャンペーン\n"
            "期間中のお買い物にポイントを進呈します。個人情報が流出した事実は"
            "ありません。不正利用が発覚したときは進呈を取り消します。\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_LOYALTY_CAMPAIGN);
    CHECK(!has_reason(&c, "発覚"), "conditional event is no reason");
    /* mail to winners with every address shown */
    c = run("キャンペーン当選者へのメールについて\n"
            "当選者へのメールをBCCではなくTOで送信したため、メールアドレス"
            "が他の当選者に表示される状態となりました。\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_INCIDENT);
    CHECK_INTEQ(c.incident_types, BIT(NF_IT_MISDELIVERY));
}

static void test_exposure_and_loss_forms(void)
{
    struct nf_class c;

    /* the exposure alone, no cause named */
    c = run("ご予約情報の表示について\n"
            "予約画面で他のお客様の予約情報が閲覧可能な状態となっていまし"
            "た。\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_INCIDENT);
    CHECK_INTEQ(c.incident_types, BIT(NF_IT_MISCONFIGURATION));
    /* papers that cannot be found */
    c = run("書類の所在不明について\n"
            "申請書の所在が分からなくなっていることが判明しました。\n",
            true);
    CHECK_INTEQ(c.incident_types, BIT(NF_IT_LOST_OR_STOLEN));
    /* another person's letter in the envelope */
    c = run("通知書の誤封入について\n"
            "別の方の通知書を誤封入して郵送しました。\n",
            true);
    CHECK_INTEQ(c.incident_types, BIT(NF_IT_MISDELIVERY));
    /* leaked passwords tried on a points site */
    c = run("ポイントサイトへのパスワードリスト攻撃について\n"
            "パスワードリスト攻撃により会員のポイントが交換されました。\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_INCIDENT);
    CHECK_INTEQ(c.incident_types, BIT(NF_IT_ACCOUNT_COMPROMISE));
}

static void test_not_incident_forms(void)
{
    struct nf_class c;

    /* an outage apology about points */
    c = run("ポイントシステム障害のお詫び\n"
            "システム障害により、ポイントの付与ができない状態となりました。\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_OTHER);
    /* a product against leaks: 防止 and 対策 make the words features */
    c = run("情報漏えい対策ソフトの提供開始\n"
            "メールの誤送信防止機能を追加した新バージョンを提供します。\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_OTHER);
    CHECK_INTEQ(c.incident_types, 0);
    c = run("新製品のお知らせ\n"
            "個人情報の流出を防ぐ暗号化USBメモリを発売しました。\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_OTHER);
    /* an outage that rules out an attack: denied words are no evidence */
    c = run("会員サイトの障害に関するお詫び\n"
            "障害が発生しました。不正アクセスによるものではありません。"
            "個人情報の流出はありません。\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_OTHER);
    CHECK(!has_reason(&c, "不正アクセス"), "denied word is no reason");
    /* an advisory about others' events */
    c = run("個人情報の取り扱いに関する注意喚起\n"
            "他の団体で書類の紛失やメールの誤送信が相次いでいます。\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_OTHER);
    /* a digest's items may report events: still a digest */
    c = run("週刊セキュリティニュース\n"
            "■ 通販サイトでカード情報が流出したことが判明しました\n"
            "■ 市役所でメールを誤送信しました\n"
            "■ 病院でランサムウェア被害が発生しました\n",
            true);
    CHECK_INTEQ(c.category, NF_CAT_OTHER);
}

int main(void)
{
    arena = nf_arena_new((size_t)16 << 20);
    if (!arena)
        return 1;
    test_incident_and_types();
    test_campaign_terms();
    test_stolen_points();
    test_digest_is_other();
    test_other_forms();
    test_type_rules();
    test_digest_forms();
    test_attack_types();
    test_event_outweighs_campaign();
    test_exposure_and_loss_forms();
    test_not_incident_forms();
    test_title_weighs_more();
    test_bounded();
    free(src);
    nf_arena_destroy(arena);
    return nf_test_failures != 0;
}
