/*
 * test_nf_count.c - affected counts: the counter forms, approximations,
 * totals and breakdowns, spans into the caller's (full-width) text, the
 * headline choice, and the numbers that are not affected records.
 * Fixtures are short sentences written for these tests.
 */
#include <stdlib.h>
#include <string.h>

#include "nf_core_int.h"
#include "nf_test.h"

static struct nf_arena *arena;

struct result {
    struct nf_count_list cl;
    char *copy; /* exact-length copy of the input: spans point into it */
    size_t len;
};

static void scan(const char *s, struct result *r)
{
    struct nf_text t;
    struct nf_err err;

    nf_arena_reset(arena);
    free(r->copy);
    memset(r, 0, sizeof(*r));
    r->copy = nf_test_copy(s, &r->len);
    r->cl.affected = -1;
    if (nf_text_init(&t, r->copy, r->len, arena, &err) != 0) {
        CHECK(0, "nf_text_init failed on \"%s\": %s", s, err.msg);
        return;
    }
    CHECK_INTEQ(nf_count_scan(&t, arena, &r->cl, &err), 0);
}

static const struct nf_count_mention *find(const struct result *r,
                                           int64_t value)
{
    size_t k;

    for (k = 0; k < r->cl.n; k++)
        if (r->cl.v[k].value == value)
            return &r->cl.v[k];
    return NULL;
}

/* @p text holds a count of @p value whose span is the first occurrence of
 * @p span_text, with the given unit, approximation and role. */
static void expect(const char *text, int64_t value, const char *unit,
                   const char *span_text, int approx, enum nf_count_role role,
                   int line)
{
    struct result r = {0};
    const struct nf_count_mention *m;
    const char *at = strstr(text, span_text);

    CHECK(at != NULL, "line %d: fixture lacks \"%s\"", line, span_text);
    scan(text, &r);
    m = find(&r, value);
    CHECK(m != NULL, "line %d: no count %lld in \"%s\"", line, (long long)value,
          text);
    if (m && at) {
        CHECK(strcmp(m->unit, unit) == 0, "line %d: unit %s want %s", line,
              m->unit, unit);
        CHECK(m->span.off == (size_t)(at - text) &&
                  m->span.len == strlen(span_text),
              "line %d: span %zu+%zu want %zu+%zu (\"%s\")", line, m->span.off,
              m->span.len, (size_t)(at - text), strlen(span_text), span_text);
        CHECK(m->approximate == approx, "line %d: approximate %d want %d", line,
              m->approximate, approx);
        CHECK(m->role == role, "line %d: role %s want %s", line,
              nf_count_role_name(m->role), nf_count_role_name(role));
    }
    free(r.copy);
}

#define EXPECT(text, value, unit, span, approx, role)                          \
    expect(text, value, unit, span, approx, role, __LINE__)

/* @p text holds no count at all. */
static void expect_none(const char *text, int line)
{
    struct result r = {0};

    scan(text, &r);
    CHECK(r.cl.n == 0, "line %d: %zu count(s) in \"%s\", first %lld", line,
          r.cl.n, text, r.cl.n ? (long long)r.cl.v[0].value : 0LL);
    CHECK(r.cl.affected == -1, "line %d: headline %d", line, r.cl.affected);
    free(r.copy);
}

#define EXPECT_NONE(text) expect_none(text, __LINE__)

/* The headline of @p text is @p value in @p unit. */
static void expect_headline(const char *text, int64_t value, const char *unit,
                            int line)
{
    struct result r = {0};

    scan(text, &r);
    CHECK(r.cl.affected >= 0 && (size_t)r.cl.affected < r.cl.n,
          "line %d: no headline in \"%s\"", line, text);
    if (r.cl.affected >= 0 && (size_t)r.cl.affected < r.cl.n) {
        CHECK(r.cl.v[r.cl.affected].value == value,
              "line %d: headline %lld want %lld", line,
              (long long)r.cl.v[r.cl.affected].value, (long long)value);
        CHECK_STREQ(r.cl.v[r.cl.affected].unit, unit);
    }
    free(r.copy);
}

#define EXPECT_HEADLINE(text, value, unit)                                     \
    expect_headline(text, value, unit, __LINE__)

static const enum nf_count_role O = NF_CROLE_OTHER, T = NF_CROLE_TOTAL,
                                B = NF_CROLE_BREAKDOWN;

static void test_counter_forms(void)
{
    EXPECT("保存されていた個人情報1,059人分が閲覧できる状態でした。", 1059,
           "人分", "1,059人分", 0, O);
    EXPECT("お客様のカード情報873件が流出しました。", 873, "件", "873件", 0, O);
    EXPECT("対象はお客様873名です。", 873, "名", "873名", 0, O);
    EXPECT("職員 120名分の住所録を紛失しました。", 120, "名分", "120名分", 0,
           O);
    EXPECT("顧客情報 2,000件分を含むファイル", 2000, "件分", "2,000件分", 0, O);
    EXPECT("取引先 12社の担当者情報が閲覧可能でした。", 12, "社", "12社", 0, O);
    EXPECT("誤って 30世帯(85 人)分の名簿を添付", 30, "世帯", "30世帯", 0, O);
    EXPECT("誤って 30世帯(85 人)分の名簿を添付", 85, "人", "85 人", 0, O);
    EXPECT("カード情報(38件)が漏えいした可能性", 38, "件", "38件", 0, O);
    EXPECT("対象件数 40事業所52件のメールアドレス", 40, "事業所", "40事業所", 0,
           O);
    /* the polite counter: customers' records, written as such */
    EXPECT("応募者3,210名様分の氏名と住所が流出", 3210, "名様分", "3,210名様分",
           0, O);
    EXPECT("お客様 1,024名様の個人情報が閲覧可能でした", 1024, "名様",
           "1,024名様", 0, O);
}

static void test_numerals(void)
{
    EXPECT("氏名等約3万件が流出したおそれ", 30000, "件", "3万件", 1, O);
    EXPECT("会員1万2千人の個人情報", 12000, "人", "1万2千人", 0, O);
    EXPECT("取引先の担当者情報 二万五千件 が含まれます", 25000, "件",
           "二万五千件", 0, O);
    EXPECT("生徒 三千人 の成績データ", 3000, "人", "三千人", 0, O);
    EXPECT("顧客情報約千件を持ち出した", 1000, "件", "千件", 1, O);
    EXPECT("氏名と住所 約1.2万件 が閲覧可能", 12000, "件", "1.2万件", 1, O);
    EXPECT("氏名等 約 3 万件 が流出", 30000, "件", "3 万件", 1, O);
    /* full-width digits: the span covers the caller's full-width bytes */
    EXPECT("個人情報１，２３４件が流出", 1234, "件", "１，２３４件", 0, O);
    EXPECT("漏えいした情報の内容（計　５，２８８　人）", 5288, "人",
           "５，２８８　人", 0, T);
}

static void test_approximate(void)
{
    EXPECT("個人情報 約1,000件 が流出", 1000, "件", "1,000件", 1, O);
    EXPECT("総数およそ330人分の個人情報", 330, "人分", "330人分", 1, T);
    EXPECT("漏えいした情報は500件以上です。", 500, "件", "500件", 1, O);
    EXPECT("個人情報100人程度の名簿", 100, "人", "100人", 1, O);
    EXPECT("顧客データ1万件超が流出", 10000, "件", "1万件", 1, O);
    EXPECT("名簿 概ね 200名分 を紛失", 200, "名分", "200名分", 1, O);
}

static void test_roles(void)
{
    const char *list = "漏えいした疑いのある情報(計 6,412 人)\n"
                       "  • 学生 計4,205人の氏名とメールアドレス\n"
                       "  • 教職員 1,130 人:氏名・電話番号\n";
    const char *paren = "氏名、メールアドレス 合計 12,345 件(会員 12,000件、"
                        "退会者 345件)が流出しました。";
    const char *sum = "1)講師様が約2000名、2)参加者様が約28000名で、"
                      "合計約3万名の情報です。";
    const char *table = "漏えいの可能性がある情報\n"
                        "| 区分 | 人数 | 件数 |\n"
                        "|---|---:|---:|\n"
                        "| 会員 | 1,200 | 2,400 |\n"
                        "| 非会員 | 300 | 300 |\n"
                        "| 合計 | 1,500 | 2,700 |\n";

    EXPECT(list, 6412, "人", "6,412 人", 0, T);
    EXPECT(list, 4205, "人", "4,205人", 0, B);
    EXPECT(list, 1130, "人", "1,130 人", 0, B);
    EXPECT(paren, 12345, "件", "12,345 件", 0, T);
    EXPECT(paren, 12000, "件", "12,000件", 0, B);
    EXPECT(paren, 345, "件", "345件", 0, B);
    EXPECT(sum, 30000, "名", "3万名", 1, T);
    EXPECT(sum, 2000, "名", "2000名", 1, B);
    EXPECT(sum, 28000, "名", "28000名", 1, B);
    EXPECT("内訳:学生 300人、教職員 45人", 45, "人", "45人", 0, B);
    EXPECT("患者情報 計 900 名分(内、既に退院した方 120 名分)", 120, "名分",
           "120 名分", 0, B);
    EXPECT("メールアドレス 400件、そのうち氏名を含むもの 25件", 25, "件",
           "25件", 0, B);
    EXPECT("全体で 4,000件のデータ", 4000, "件", "4,000件", 0, T);
    EXPECT("延べ 8,000人分の診療情報", 8000, "人分", "8,000人分", 0, T);
    EXPECT("印刷した際、計28世帯69名に関する個人情報", 69, "名", "69名", 0, T);
    /* 会計, 統計: 計 inside another word is no total marker; 小計 is a
     * part; after any other noun 計 is a total */
    EXPECT("統計 500件の個人データが流出", 500, "件", "500件", 0, O);
    EXPECT("会員情報の小計 300件が流出", 300, "件", "300件", 0, O);
    EXPECT("個人情報計3,021件(内訳:氏名 2,000件、メールアドレス 1,021件)", 3021,
           "件", "3,021件", 0, T);
    EXPECT("個人情報計3,021件(内訳:氏名 2,000件、メールアドレス 1,021件)", 1021,
           "件", "1,021件", 0, B);
    /* a table cell under a count label, no counter written */
    EXPECT("漏えい件数 | 4,871 |\n", 4871, "件", "4,871", 0, O);
    EXPECT("不正ログインされたIDの総数 |\n---|\n① 323 ② 78 |\n", 78, "件", "78",
           0, T);
    EXPECT("漏えいした総件数は 1,500件 です", 1500, "件", "1,500件", 0, T);
    /* bare cells under count columns of a pipe table; the 合計 row holds
     * totals */
    EXPECT(table, 1200, "人", "1,200", 0, O);
    EXPECT(table, 2400, "件", "2,400", 0, O);
    EXPECT(table, 1500, "人", "1,500", 0, T);
    EXPECT(table, 2700, "件", "2,700", 0, T);
    EXPECT_HEADLINE(table, 2700, "件");
    /* a clause that opens with うち keeps its own evidence */
    EXPECT("登録会員 約 5万人のうち、1,234人の情報が流出", 1234, "人",
           "1,234人", 0, O);
    EXPECT("メールアドレス 484件に達し、そのうち15件は本文も含む", 15, "件",
           "15件", 0, B);
    EXPECT("不正ログイン 323件中 10件のIDで閲覧", 10, "件", "10件", 0, B);
}

/* A count whose clause has no cue is one, whatever an earlier clause
 * (not the sentence's topic) says. */
static void test_clauses(void)
{
    EXPECT("サイバー攻撃を受け、当社がお預かりしていた1,000名分が暗号化"
           "されました。",
           1000, "名分", "1,000名分", 0, O);
}

static void test_headline(void)
{
    /* an explicit total wins over a larger count */
    EXPECT_HEADLINE("メールアドレス 600件が流出。別に、氏名 計 450名分の"
                    "名簿を紛失。",
                    450, "名分");
    /* no total: the largest; on a tie the first mention gives the unit */
    EXPECT_HEADLINE("カード情報(96件)(88名)が流出", 96, "件");
    EXPECT_HEADLINE("クレジットカード情報(873件)が漏洩。お客様873名には"
                    "個別にご連絡します。",
                    873, "件");
    EXPECT_HEADLINE("名簿 299名分と 303名分を紛失しました。", 303, "名分");
    /* among totals, the largest */
    EXPECT_HEADLINE("合計 80件の個人情報、別表で合計 300件の個人情報", 300,
                    "件");
}

static void test_not_counts(void)
{
    /* other units */
    EXPECT_NONE("500ポイントを進呈し、1,000マイルを加算");
    EXPECT_NONE("被害額は約150億円、口座 3口");
    EXPECT_NONE("船舶 23隻、航空機 65機、ミサイル 14発");
    EXPECT_NONE("サーバにある159サイトのうち、5つのサイト");
    EXPECT_NONE("パソコン1台が感染し、60日間、65歳以上、3回");
    EXPECT_NONE("フィッシングメール 275通 を転送");
    /* prize winners, rates */
    EXPECT_NONE("抽選で100名様にプレゼント");
    EXPECT_NONE("先着50名様まで、ご来店の100名様に記念品");
    EXPECT_NONE("大人1名ごとに1,000円");
    /* mail sent, logins, inquiries, scheme sizes, arrests */
    EXPECT_NONE("不審なメールが 46 件送信され、1,230 件の送信をブロック");
    EXPECT_NONE("海外から約 1,000 件(うち半数は深夜)のログインを検出");
    EXPECT_NONE("迷惑メール 4,000件 を送信");
    EXPECT_NONE("窓口には20件のお問い合わせが寄せられています。");
    EXPECT_NONE("当社の会員数は300万人です。");
    EXPECT_NONE("当社の従業員数は約 1,200名です。");
    EXPECT_NONE("元従業員ほか1名が逮捕された。逮捕された2人のうち1人が起訴");
    EXPECT_NONE("メールを、217名の会員様あてに送信。");
    EXPECT_NONE("職員2名が誤ってメールを送信しました。");
    EXPECT_NONE("講師の計5人がパスワードを打ち込んだ。そのうち3人のアカウント");
    /* compound nouns: the modifier decides (お問い合わせ件数) */
    EXPECT_NONE("お問い合わせ件数 50件");
    EXPECT_NONE("クレジットカード会社 3社から連絡");
    EXPECT_NONE("社員 1,000人規模の企業");
    /* the cue after a following count is that count's, not ours */
    EXPECT_NONE("ご登録いただいている約 15 万人の会員様");
    /* a year under the label of another column is no count, nor is a
     * figure in a row named by a year (a statistic); a column of mail
     * sent gives no unit */
    EXPECT_NONE("| 年度 | 件数 |\n|---|---|\n| 2023 | 15 |\n");
    EXPECT_NONE("| 区分 | 送信件数 |\n|---|---|\n| 案内メール | 4,500 |\n");
    EXPECT_NONE("| 区分 | 件数 |\n|---|---|\n会員 | 4,500 |\n");
    /* the topic of the sentence, before its 、 */
    EXPECT_NONE("本件についてのお問い合わせは、これまでに15件いただいて"
                "おります。");
    /* dates, times, phone numbers, percentages, ids, decimals */
    EXPECT_NONE("2022年12月7日 16:30頃、本日12日");
    EXPECT_NONE("電話 03-1234-5678、受付 9:00~17:00、還元率20%");
    EXPECT_NONE("ページ番号:C119824 事件簿#2023-499");
    EXPECT_NONE("平均利用者数は 0.2 人");
    /* idiom: single kanji numerals, vague counts, ratios */
    EXPECT_NONE("この一件により二人で確認した");
    EXPECT_NONE("数千件のデータ、数名分、何万人");
    EXPECT_NONE("2人1組で作業");
    EXPECT_NONE("依頼会員 1 名に、その会員の情報を送る際");
    /* too long to be a count: no error, no UB */
    EXPECT_NONE("個人情報123456789012345678901234567890件");
    EXPECT_NONE("個人情報99999999999999999999件");
}

/* 10 MB of digits and 10 MB of counts: the scan stays linear (a quadratic
 * scan would exceed ctest's timeout) and the mention cap holds. */
static void test_large_inputs(void)
{
    size_t n = (size_t)10 << 20, i;
    char *big = malloc(n);
    struct nf_arena *a = nf_arena_new(n * 8 + ((size_t)1 << 20));
    struct nf_text t;
    struct nf_count_list cl;
    struct nf_err err;
    static const char unit[] = "1件"; /* 4 bytes */

    CHECK(big && a, "allocation");
    if (!big || !a)
        goto out;
    memset(big, '9', n);
    CHECK_INTEQ(nf_text_init(&t, big, n, a, &err), 0);
    CHECK_INTEQ(nf_count_scan(&t, a, &cl, &err), 0);
    CHECK_INTEQ(cl.n, 0);
    CHECK_INTEQ(cl.affected, -1);

    nf_arena_reset(a);
    for (i = 0; i + 4 <= n; i += 4)
        memcpy(big + i, unit, 4);
    CHECK_INTEQ(nf_text_init(&t, big, n - n % 4, a, &err), 0);
    CHECK_INTEQ(nf_count_scan(&t, a, &cl, &err), 0);
    CHECK(cl.n <= NF_MAX_COUNTS, "%zu counts", cl.n);

out:
    nf_arena_destroy(a);
    free(big);
}

int main(void)
{
    arena = nf_arena_new((size_t)4 << 20);
    if (!arena)
        return 1;
    test_counter_forms();
    test_numerals();
    test_approximate();
    test_roles();
    test_clauses();
    test_headline();
    test_not_counts();
    test_large_inputs();
    nf_arena_destroy(arena);
    return nf_test_failures != 0;
}
