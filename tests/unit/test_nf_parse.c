/* test_nf_parse.c - organization, title and publication date by form.
 *
 * The date list is built by hand (the mentions the date scanner would
 * report), so these tests pin nf_parse_header alone. */
#include "nf_core_int.h"
#include "nf_test.h"

static struct nf_arena *arena;
static struct nf_text t;
static struct nf_date_list dl;
static struct nf_date_mention mentions[8];
static char *src;

/* Load @p text and mark each of the NULL-terminated date strings, in
 * order, as a mention of @p ymd[k]. */
static void load(const char *text, const char *const *dates,
                 const struct nf_ymd *ymd)
{
    struct nf_err e;
    size_t n, k, from = 0;

    free(src);
    nf_arena_reset(arena);
    src = nf_test_copy(text, &n);
    CHECK_INTEQ(nf_text_init(&t, src, n, arena, &e), 0);
    dl.v = mentions;
    dl.n = 0;
    for (k = 0; dates && dates[k]; k++) {
        const char *p = strstr(text + from, dates[k]);
        CHECK(p != NULL, "fixture date %s", dates[k]);
        if (!p)
            continue;
        memset(&mentions[dl.n], 0, sizeof(mentions[0]));
        mentions[dl.n].date = ymd[k];
        mentions[dl.n].span.off = (size_t)(p - text);
        mentions[dl.n].span.len = strlen(dates[k]);
        from = (size_t)(p - text) + strlen(dates[k]);
        dl.n++;
    }
}

static void parse(struct nf_header *h)
{
    struct nf_err e;

    CHECK_INTEQ(nf_parse_header(&t, &dl, arena, h, &e), 0);
}

static void test_aggregator_line(void)
{
    static const char *const d[] = {"2022年12月16日", "令和4年10月1日", NULL};
    static const struct nf_ymd y[] = {{2022, 12, 16}, {2022, 10, 1}};
    struct nf_header h;

    load("みどり大学 不正アクセスに関するお知らせ 2022年12月16日\n\n"
         "令和4年10月1日に外部から通報がありました。\n",
         d, y);
    parse(&h);
    CHECK_STREQ(h.organization.ptr, "みどり大学");
    CHECK_STREQ(h.title.ptr, "不正アクセスに関するお知らせ");
    CHECK_INTEQ(h.published, 0);
    /* the span points at the org in the input */
    CHECK_INTEQ(h.organization.span.off, 0);
    CHECK_INTEQ(h.organization.span.len, strlen("みどり大学"));
}

static void test_legal_word_spaces(void)
{
    static const char *const d[] = {"2023年1月5日", NULL};
    static const struct nf_ymd y[] = {{2023, 1, 5}};
    struct nf_header h;

    /* name then legal word, a space between: joined */
    load("ABCD 株式会社 調査報告書受領のお知らせ 2023年1月5日\n", d, y);
    parse(&h);
    CHECK_STREQ(h.organization.ptr, "ABCD株式会社");
    CHECK_INTEQ(h.published, 0);
    /* legal word then name, with an ideographic space */
    load("公益社団法人\xe3\x80\x80みなと支援会 サーバー障害について(第1報) "
         "2023年1月5日\n",
         d, y);
    parse(&h);
    CHECK_STREQ(h.organization.ptr, "公益社団法人みなと支援会");
    CHECK_STREQ(h.title.ptr, "サーバー障害について(第1報)");
}

static void test_bracketed_headline(void)
{
    static const char *const d[] = {"2023年12月7日", NULL};
    static const struct nf_ymd y[] = {{2023, 12, 7}};
    struct nf_header h;

    load("【事件簿#2023-499】株式会社サンプル 漏えいのご報告\n\n"
         "2023年12月7日に既報のとおり公表しております。\n",
         d, y);
    parse(&h);
    CHECK_STREQ(h.organization.ptr, "株式会社サンプル");
    CHECK_STREQ(h.title.ptr, "漏えいのご報告");
    /* a body date is not the headline's date */
    CHECK_INTEQ(h.published, -1);
}

static void test_signature_block(void)
{
    static const char *const d[] = {"2023年11月2日", "2023年12月7日", NULL};
    static const struct nf_ymd y[] = {{2023, 11, 2}, {2023, 12, 7}};
    struct nf_header h;

    load("個人情報の取扱いに関するお詫び\n"
         "2023年11月2日、書類の紛失が判明しました。\n"
         "再発防止に努めます。\n\n"
         "2023年12月7日\n"
         "株式会社テスト商事\n"
         "代表取締役 山田 太郎\n",
         d, y);
    parse(&h);
    CHECK_STREQ(h.organization.ptr, "株式会社テスト商事");
    CHECK_INTEQ(h.published, 1);
    CHECK_STREQ(h.title.ptr, "個人情報の取扱いに関するお詫び");
}

static void test_news_article(void)
{
    struct nf_header h;

    /* a name with a note before は */
    load("架空電機(KDN)は、顧客の情報が流出したと明らかにした。\n", NULL, NULL);
    parse(&h);
    CHECK_STREQ(h.organization.ptr, "架空電機");
    /* a reporting verb makes the subject the issuer */
    load("サンプル工房は3日、会員情報が漏洩したことを発表した。\n", NULL, NULL);
    parse(&h);
    CHECK_STREQ(h.organization.ptr, "サンプル工房");
    /* the first of two subjects, after the last の */
    load("みなとグループ傘下のみなと銀行と北みなと銀行は、ポイント交換の条件を"
         "変える。\n",
         NULL, NULL);
    parse(&h);
    CHECK_STREQ(h.organization.ptr, "みなと銀行");
    /* a headline ending in the org after a blank */
    load("受講者120人分の名簿が漏洩 かもめ県立大\n"
         "かもめ県立大は2日、漏洩を発表した。\n",
         NULL, NULL);
    parse(&h);
    CHECK_STREQ(h.organization.ptr, "かもめ県立大");
}

static void test_org_forms_and_nulls(void)
{
    struct nf_header h;

    /* a name run is cut after its organization word */
    load("本文\n"
         "さくら市保有の名簿の盗難について\n"
         "名簿が盗難に遭いました。\n",
         NULL, NULL);
    parse(&h);
    CHECK_STREQ(h.organization.ptr, "さくら市");
    /* definition of the issuer */
    load("寄付の決済での情報流出について\n"
         "架空赤十字社(以下、「当社」)が利用する決済会社で流出が生じました"
         "。\n",
         NULL, NULL);
    parse(&h);
    CHECK_STREQ(h.organization.ptr, "架空赤十字社");
    /* self references and common nouns name no one */
    load("当社の端末が先週ウイルスに感染しました。\n", NULL, NULL);
    parse(&h);
    CHECK(h.organization.ptr == NULL, "got %s", h.organization.ptr);
    load("文書の紛失について\n本市が保管していた文書を紛失しました。\n", NULL,
         NULL);
    parse(&h);
    CHECK(h.organization.ptr == NULL, "got %s", h.organization.ptr);
    load("市の名をかたる電話にご用心\n"
         "市の職員を名乗る電話があります。\n",
         NULL, NULL);
    parse(&h);
    CHECK(h.organization.ptr == NULL, "got %s", h.organization.ptr);
}

static void test_published_forms(void)
{
    static const char *const d1[] = {"2024年05月20日", NULL};
    static const struct nf_ymd y1[] = {{2024, 5, 20}};
    static const char *const d2[] = {"2022年12月1日", "2022年12月31日", NULL};
    static const struct nf_ymd y2[] = {{2022, 12, 1}, {2022, 12, 31}};
    static const char *const d3[] = {"2024/06/03", "2024/05/30", NULL};
    static const struct nf_ymd y3[] = {{2024, 6, 3}, {2024, 5, 30}};
    static const char *const d4[] = {"2025/07/07", "2025-07-11", NULL};
    static const struct nf_ymd y4[] = {{2025, 7, 7}, {2025, 7, 11}};
    static const char *const d5[] = {"2019/5/8", NULL};
    static const struct nf_ymd y5[] = {{2019, 5, 8}};
    struct nf_header h;

    /* a labelled date at the foot */
    load("メール誤送信について\n送信先を誤りました。\n更新日:2024年05月20日\n",
         d1, y1);
    parse(&h);
    CHECK_INTEQ(h.published, 0);
    /* a range in a title is a period, not the issue date */
    load("ポイント増量企画(2022年12月1日~2022年12月31日)\n"
         "期間中は増量する。\n",
         d2, y2);
    parse(&h);
    CHECK_INTEQ(h.published, -1);
    /* a date line in the header */
    load("一般社団法人ほし会\nメール誤送信について\n2024/06/03\n\n"
         "2024/05/30(木)に誤送信しました。\n",
         d3, y3);
    parse(&h);
    CHECK_STREQ(h.organization.ptr, "一般社団法人ほし会");
    CHECK_INTEQ(h.published, 0);
    /* past the lead, a digest's date lines are its items' dates */
    load("【今週のまとめ】2025/07/07から\n今週は多くの事案がありました。\n"
         "2025-07-11\nある病院で流出\n",
         d4, y4);
    parse(&h);
    CHECK_INTEQ(h.published, -1);
    /* "配信" after the date and time */
    load("職員が名簿を紛失\n架空新聞 2019/5/8(水) 10:05配信\n", d5, y5);
    parse(&h);
    CHECK_INTEQ(h.published, 0);
}

static void test_bounded(void)
{
    /* long single line of name characters: no org, no crash, linear */
    size_t n = 200000, k;
    char *big = malloc(n * 3 + 1);
    struct nf_header h;

    for (k = 0; k < n; k++)
        memcpy(big + 3 * k, "市", 3);
    big[n * 3] = '\0';
    load(big, NULL, NULL);
    parse(&h);
    CHECK(h.title.len <= NF_MAX_FIELD_BYTES, "title capped: %zu", h.title.len);
    CHECK(h.organization.len <= NF_MAX_FIELD_BYTES, "org capped");
    free(big);
}

static void test_name_forms(void)
{
    static const char *const d[] = {"2024年3月1日", NULL};
    static const struct nf_ymd y[] = {{2024, 3, 1}};
    struct nf_header h;

    /* after its legal word, a name may hold hiragana inside */
    load("特定非営利活動法人 こもれび子ども食堂\n2024年3月1日\n\n"
         "会員名簿の紛失について\n名簿を紛失しました。\n",
         d, y);
    parse(&h);
    CHECK_STREQ(h.organization.ptr, "特定非営利活動法人こもれび子ども食堂");
    CHECK_STREQ(h.title.ptr, "会員名簿の紛失について");
    /* ... but not a title's words: the run must fill its token */
    load("有限会社みどり電機からのお知らせ\n2024年3月1日\n\n"
         "名簿を紛失しました。\n",
         d, y);
    parse(&h);
    CHECK_STREQ(h.organization.ptr, "有限会社みどり電機");
    /* a latin name of several words before its legal word */
    load("Northgate Data Labs 株式会社\n2024年3月1日\n\n"
         "不正アクセスについて\n外部から侵入されました。\n",
         d, y);
    parse(&h);
    CHECK_STREQ(h.organization.ptr, "NorthgateDataLabs株式会社");
    CHECK_STREQ(h.title.ptr, "不正アクセスについて");
    /* latin words not followed by a legal word are no organization */
    load("Data Labs Report\n2024年3月1日\n\n本文です。\n", d, y);
    parse(&h);
    CHECK(h.organization.ptr == NULL, "no org: %s", h.organization.ptr);
}

static void test_dated_lines(void)
{
    static const char *const d1[] = {"2024年10月2日", "2024年9月27日", NULL};
    static const struct nf_ymd y1[] = {{2024, 10, 2}, {2024, 9, 27}};
    static const char *const d2[] = {"2025年6月25日", NULL};
    static const struct nf_ymd y2[] = {{2025, 6, 25}};
    static const char *const d4[] = {"2024年10月2日", NULL};
    static const char *const d3[] = {"2024年2月8日", NULL};
    static const struct nf_ymd y3[] = {{2024, 2, 8}};
    struct nf_header h;

    /* the issue label beats a revision label standing first */
    load("株式会社ことり堂\n更新日：2024年10月2日\n発表日：2024年9月27日\n\n"
         "ウェブサイト改ざんについて\n改ざんを確認しました。\n",
         d1, y1);
    parse(&h);
    CHECK_INTEQ(h.published, 1);
    CHECK_STREQ(h.title.ptr, "ウェブサイト改ざんについて");
    /* a revision label alone still dates the notice */
    load("メール誤送信について\n更新日：2024年10月2日\n\n誤送信しました。\n",
         d4, y1);
    parse(&h);
    CHECK_INTEQ(h.published, 0);
    /* date then issuer on one header line */
    load("夏のマイル増量のご案内\n2025年6月25日　みさき航空株式会社\n\n"
         "期間中はマイルを増量します。\n",
         d2, y2);
    parse(&h);
    CHECK_INTEQ(h.published, 0);
    CHECK_STREQ(h.organization.ptr, "みさき航空株式会社");
    /* date, time and a byline */
    load("会員情報流出か\n2024年2月8日 18:05　架空ニュース編集部\n\n"
         "調査中という。\n",
         d3, y3);
    parse(&h);
    CHECK_INTEQ(h.published, 0);
    /* a date line opening with story words is not the notice's date */
    load("お知らせ一覧\n2024年2月8日 不正アクセスを検知\n\n調査中です。\n", d3,
         y3);
    parse(&h);
    CHECK_INTEQ(h.published, -1);
}

static void test_long_last_line(void)
{
    /* a text of one long line has no signature zone: linear, no org */
    size_t n = 100000, k, w = strlen("記録が消えた。");
    char *big = malloc(n * w + 1);
    struct nf_header h;

    for (k = 0; k < n; k++)
        memcpy(big + k * w, "記録が消えた。", w);
    big[n * w] = '\0';
    load(big, NULL, NULL);
    parse(&h);
    CHECK(h.organization.ptr == NULL, "no org");
    CHECK_INTEQ(h.published, -1);
    free(big);
}

int main(void)
{
    arena = nf_arena_new((size_t)16 << 20);
    if (!arena)
        return 1;
    test_aggregator_line();
    test_legal_word_spaces();
    test_bracketed_headline();
    test_signature_block();
    test_news_article();
    test_org_forms_and_nulls();
    test_published_forms();
    test_bounded();
    test_name_forms();
    test_dated_lines();
    test_long_last_line();
    free(src);
    nf_arena_destroy(arena);
    return nf_test_failures != 0;
}
