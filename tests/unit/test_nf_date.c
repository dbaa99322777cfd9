/*
 * test_nf_date.c - the date forms of nf_date.c, their spans, the inference
 * of missing years, relative days, ranges and roles, and the forms that
 * must not become days. Fixtures are short texts written for these tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nf_core_int.h"
#include "nf_test.h"

static struct nf_arena *arena;
static char *cur_src;
static struct nf_text cur_text;
static struct nf_date_list cur;

/* Scan @p s (an exact-length copy, so over-reads show under ASan) and
 * return the dates as "YYYY-MM-DD ..." (static buffer). */
static const char *scan_ref(const char *s, const struct nf_ymd *ref)
{
    static char out[4096];
    struct nf_err err;
    size_t len, k, o = 0;
    char b[11];
    int rc;

    free(cur_src);
    nf_arena_reset(arena);
    cur_src = nf_test_copy(s, &len);
    out[0] = '\0';
    rc = nf_text_init(&cur_text, cur_src, len, arena, &err);
    CHECK(rc == 0, "nf_text_init failed on \"%s\": %d", s, rc);
    if (rc)
        return out;
    rc = nf_date_scan(&cur_text, ref, arena, &cur, &err);
    CHECK(rc == 0, "nf_date_scan failed: %d", rc);
    for (k = 0; k < cur.n && o + 12 < sizeof(out); k++) {
        CHECK(nf_ymd_format(cur.v[k].date, b) == 0, "invalid day at %zu", k);
        o +=
            (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", k ? " " : "", b);
    }
    return out;
}

static const char *scan(const char *s)
{
    return scan_ref(s, NULL);
}

/* The source text of mention @p k of the last scan. */
static const char *span_text(size_t k)
{
    static char buf[256];
    size_t n;

    if (k >= cur.n)
        return "(none)";
    n = cur.v[k].span.len < sizeof(buf) - 1 ? cur.v[k].span.len
                                            : sizeof(buf) - 1;
    memcpy(buf, cur_src + cur.v[k].span.off, n);
    buf[n] = '\0';
    return buf;
}

static void test_ymd(void)
{
    struct nf_ymd d = {2024, 2, 29};
    long z;

    CHECK(nf_ymd_valid(d), "2024-02-29 is valid");
    d.y = 2023;
    CHECK(!nf_ymd_valid(d), "2023-02-29 is not");
    d.y = 1900;
    CHECK(!nf_ymd_valid(d), "1900-02-29 is not");
    d.y = 2000;
    CHECK(nf_ymd_valid(d), "2000-02-29 is");
    d.m = 4;
    d.d = 31;
    CHECK(!nf_ymd_valid(d), "04-31 is not");
    d.m = 13;
    d.d = 1;
    CHECK(!nf_ymd_valid(d), "month 13 is not");
    d.y = 1970;
    d.m = 1;
    d.d = 1;
    CHECK_INTEQ(nf_ymd_to_days(d), 0);
    d.y = 2022;
    d.m = 12;
    d.d = 16;
    CHECK_INTEQ(nf_ymd_to_days(d), 19342);
    for (z = -700000; z < 800000; z += 37) {
        struct nf_ymd r = nf_ymd_from_days(z);
        if (!nf_ymd_valid(r) || nf_ymd_to_days(r) != z) {
            CHECK(0, "round trip failed at %ld", z);
            break;
        }
    }
}

static void test_seireki(void)
{
    CHECK_STREQ(scan("公表日 2022年12月16日"), "2022-12-16");
    CHECK_STREQ(span_text(0), "2022年12月16日");
    CHECK_STREQ(scan("当社は、2022 年 7 月 1 日付で"), "2022-07-01");
    CHECK_STREQ(span_text(0), "2022 年 7 月 1 日");
    CHECK_STREQ(scan("更新 2022/12/6"), "2022-12-06");
    CHECK_STREQ(scan("(2022-12-06)"), "2022-12-06");
    CHECK_STREQ(scan("2022.12.6 掲載"), "2022-12-06");
    CHECK_STREQ(scan("2023/06/13 10:00 追記"), "2023-06-13");
    /* weekdays follow but are not part of the date */
    CHECK_STREQ(scan("2022年12月7日(水)に確認"), "2022-12-07");
    CHECK_STREQ(span_text(0), "2022年12月7日");
    CHECK_STREQ(scan("2023年1月9日(月・祝)"), "2023-01-09");
    CHECK_STREQ(scan("2025年8月25日月曜日午後6時"), "2025-08-25");
    /* the other calendar in brackets */
    CHECK_STREQ(scan("2022(令和4)年12月16日"), "2022-12-16");
    CHECK_STREQ(scan("令和4(2022)年12月16日"), "2022-12-16");
    /* Kangxi radicals from PDF text stand for 月 and 日 */
    CHECK_STREQ(scan("2022 年 5 \xE2\xBD\x89 9 \xE2\xBD\x87夜"), "2022-05-09");
}

static void test_wareki(void)
{
    CHECK_STREQ(scan("令和4年10月26日(水)に"), "2022-10-26");
    CHECK_STREQ(span_text(0), "令和4年10月26日");
    CHECK_STREQ(scan("令和元年5月1日"), "2019-05-01");
    CHECK_STREQ(scan("平成31年4月30日"), "2019-04-30");
    CHECK_STREQ(scan("昭和64年1月7日"), "1989-01-07");
    CHECK_STREQ(scan("令和 4 年 10 月 26 日"), "2022-10-26");
    CHECK_STREQ(scan("R4.10.26"), "2022-10-26");
    CHECK_STREQ(span_text(0), "R4.10.26");
    CHECK_STREQ(scan("H31/4/30"), "2019-04-30");
    CHECK_STREQ(scan("R6年1月5日"), "2024-01-05");
    CHECK_STREQ(scan("令和2.10.31(土) 収受"), "2020-10-31");
    /* formal kanji numerals and one-character era names */
    CHECK_STREQ(scan("令和六年五月二十八日（火）"), "2024-05-28");
    CHECK_STREQ(span_text(0), "令和六年五月二十八日");
    CHECK_STREQ(scan("令和元年十二月三十一日"), "2019-12-31");
    CHECK_STREQ(scan("㋿6.5.28"), "2024-05-28");
    CHECK_STREQ(scan("㍻31年4月30日"), "2019-04-30");
    CHECK_STREQ(scan("2024年（令和6年）5月28日"), "2024-05-28");
    CHECK_STREQ(scan("一日も早い復旧を"), "");
    /* not an era abbreviation inside a word, nor out of range */
    CHECK_STREQ(scan("VER4.10.26"), "");
    CHECK_STREQ(scan("昭和30年5月1日"), "");
    /* a fiscal year is no day */
    CHECK_STREQ(scan("令和5年度の文書"), "");
    /* later dates of a formal notice leave the year out, in kanji too */
    CHECK_STREQ(scan("令和六年十月三十日に発生。十一月一日に判明"),
                "2024-10-30 2024-11-01");
    CHECK_STREQ(span_text(1), "十一月一日");
    CHECK_STREQ(scan("令和六年十二月二十七日 一月六日まで"),
                "2024-12-27 2025-01-06");
    /* kanji months that are no days, or parts of a longer number */
    CHECK_STREQ(scan("令和6年1月1日 一月以内に、十二月期決算、二十一月五日、"
                     "三十日以内"),
                "2024-01-01");
}

static void test_short_years(void)
{
    /* 23年: the two-digit year of a date near the notice's own */
    CHECK_STREQ(scan("2024年1月10日\n23年12月5日に発生"),
                "2024-01-10 2023-12-05");
    CHECK_STREQ(span_text(1), "23年12月5日");
    /* 6年 without its era: 令和6年 in a 2024 notice */
    CHECK_STREQ(scan("令和6年12月20日\n6年12月6日に判明"),
                "2024-12-20 2024-12-06");
    /* 30年 in a 2018 notice: 平成30年 */
    CHECK_STREQ(scan("2018年5月1日\n30年4月2日に判明"),
                "2018-05-01 2018-04-02");
    /* far from every reading, or nothing to check it against */
    CHECK_STREQ(scan("2025年1月20日\n3年3月3日、約2年1月3日"), "2025-01-20");
    CHECK_STREQ(scan("23年12月5日に発生"), "");
    CHECK_STREQ(scan("2024年1月10日\n23年12月に発生"), "2024-01-10");
}

static void test_fullwidth_spans(void)
{
    /* "発表：" is 9 bytes; the date is 30 bytes of full-width text */
    CHECK_STREQ(scan("発表：２０２２年１２月１日（木）"), "2022-12-01");
    CHECK_INTEQ(cur.n, 1);
    if (cur.n == 1) {
        CHECK_INTEQ(cur.v[0].span.off, 9);
        CHECK_INTEQ(cur.v[0].span.len, 30);
    }
    CHECK_STREQ(scan("Ｒ４．１０．２６"), "2022-10-26");
    CHECK_STREQ(span_text(0), "Ｒ４．１０．２６");
    CHECK_STREQ(scan("令和５年９月２８日（木）、"), "2023-09-28");
    CHECK_STREQ(span_text(0), "令和５年９月２８日");
}

static void test_partial(void)
{
    /* year from the document's date */
    CHECK_STREQ(scan("2022年12月13日\n12月7日 16:30頃、連絡。"),
                "2022-12-13 2022-12-07");
    /* day-only: month and year from the previous day */
    CHECK_STREQ(scan("2022年12月7日に判明。6日 23:30頃から"),
                "2022-12-07 2022-12-06");
    CHECK_STREQ(span_text(1), "6日");
    CHECK_STREQ(scan("2022年12月13日 うち半数は 12/6 以後に集中"),
                "2022-12-13 2022-12-06");
    CHECK_STREQ(scan("日付:2024/06/03\n5/31には連絡"), "2024-06-03 2024-05-31");
    /* published in January: December is last year; then January again */
    CHECK_STREQ(scan("2023年1月10日\n12月28日に判明。1月5日に報告を受けた。"),
                "2023-01-10 2022-12-28 2023-01-05");
    /* a December sequence rolls into January */
    CHECK_STREQ(scan("2022年12月28日に検知し、1月5日に公表"),
                "2022-12-28 2023-01-05");
    /* a yearless day before the first full date takes that date's year */
    CHECK_STREQ(scan("1月8日に発表。2018年12月4日から"),
                "2019-01-08 2018-12-04");
    /* the weekday decides: 2020-08-25 was a Tuesday, 2021-08-25 not */
    CHECK_STREQ(scan("2021年3月23日まで。受付は8月25日(火)から"),
                "2021-03-23 2020-08-25");
    /* a year-month gives context: 平成30年3月から同年5月10日 */
    CHECK_STREQ(scan("平成30年3月から同年5月10日まで"), "2018-05-10");
    /* no year anywhere: not a calendar day, unless a reference is given */
    CHECK_STREQ(scan("9月19日夜に攻撃を受けた"), "");
    {
        struct nf_ymd ref = {2023, 10, 2};
        CHECK_STREQ(scan_ref("9月19日夜に攻撃を受けた", &ref), "2023-09-19");
        CHECK_STREQ(scan_ref("16日と23日に届いた", &ref),
                    "2023-10-16 2023-10-23");
    }
    CHECK_STREQ(scan("大学は30日、発表した"), "");
    /* a list of days */
    CHECK_STREQ(scan("2019/4/26 県教委は25、26日に捜索"),
                "2019-04-26 2019-04-25 2019-04-26");
    CHECK_STREQ(scan("2019/4/26 今月24日午前"), "2019-04-26 2019-04-24");
    CHECK_STREQ(scan("令和6年5月1日\n同20日に"), "2024-05-01 2024-05-20");
    CHECK_STREQ(scan("令和6年5月1日\n同月十日に"), "2024-05-01 2024-05-10");
}

static void test_ranges(void)
{
    CHECK_STREQ(scan("2019年8月22日～2022年8月4日の期間"),
                "2019-08-22 2022-08-04");
    CHECK_INTEQ(cur.n, 2);
    if (cur.n == 2) {
        CHECK_INTEQ(cur.v[0].role, NF_DROLE_PERIOD_START);
        CHECK_INTEQ(cur.v[1].role, NF_DROLE_PERIOD_END);
    }
    CHECK_STREQ(scan("2019年8月22日から2022年8月4日まで"),
                "2019-08-22 2022-08-04");
    CHECK_STREQ(scan("2022年12月1日\n12月1日から31日まで実施"),
                "2022-12-01 2022-12-01 2022-12-31");
    CHECK_STREQ(span_text(2), "31日");
    CHECK_STREQ(scan("期間：2024.4.22(月)〜6.30(日)"), "2024-04-22 2024-06-30");
    CHECK_STREQ(span_text(1), "6.30");
    CHECK_STREQ(scan("2024年1月1日\n4月1日～30日"),
                "2024-01-01 2024-04-01 2024-04-30");
    CHECK_STREQ(scan("2019年1月1日 1月8~10日の間"),
                "2019-01-01 2019-01-08 2019-01-10");
    CHECK_STREQ(scan("2025年4月8日(火)10:00 ~ 5月20日(火)23:59"),
                "2025-04-08 2025-05-20");
    /* the end of a range across the new year */
    CHECK_STREQ(scan("2022年12月20日～1月10日"), "2022-12-20 2023-01-10");
    CHECK_STREQ(scan("2022年12月16日から同月20日まで"),
                "2022-12-16 2022-12-20");
    CHECK_STREQ(scan("2023年12月20日から翌年1月10日まで"),
                "2023-12-20 2024-01-10");
    /* an end told from the start: 翌6日, 翌日, 同日 */
    CHECK_STREQ(scan("2022年9月5日夜から翌6日未明にかけて"),
                "2022-09-05 2022-09-06");
    CHECK_INTEQ(cur.n == 2 ? (int)cur.v[1].role : -1, NF_DROLE_PERIOD_END);
    CHECK_STREQ(span_text(1), "翌6日");
    CHECK_STREQ(scan("2024年12月31日23時頃から翌日2時頃まで"),
                "2024-12-31 2025-01-01");
    CHECK_INTEQ(cur.n == 2 ? (int)cur.v[1].role : -1, NF_DROLE_PERIOD_END);
    CHECK_STREQ(scan("2024年10月3日(木)14時頃~同日16時頃"),
                "2024-10-03 2024-10-03");
    CHECK_INTEQ(cur.n == 2 ? (int)cur.v[1].role : -1, NF_DROLE_PERIOD_END);
    /* kanji dates of a formal notice */
    CHECK_STREQ(scan("令和六年十月三十日から十一月二日まで"),
                "2024-10-30 2024-11-02");
    CHECK_INTEQ(cur.n == 2 ? (int)cur.v[1].role : -1, NF_DROLE_PERIOD_END);
    CHECK_STREQ(scan("2024年5月28日夜から31日未明まで"),
                "2024-05-28 2024-05-31");
    CHECK_INTEQ(cur.n == 2 ? (int)cur.v[1].role : -1, NF_DROLE_PERIOD_END);
    CHECK_STREQ(scan("2024/5/28(火)～5/30(木)"), "2024-05-28 2024-05-30");
    CHECK_INTEQ(cur.n == 2 ? (int)cur.v[1].role : -1, NF_DROLE_PERIOD_END);
    /* a duration after から is no range end */
    CHECK_STREQ(scan("2022年12月1日から3日間"), "2022-12-01");
    CHECK_INTEQ(cur.n ? (int)cur.v[0].role : -1, NF_DROLE_OTHER);
    /* a time range within one day */
    CHECK_STREQ(scan("2024年11月14日(木)14:05~15:40という時間帯"),
                "2024-11-14");
}

static void test_relative(void)
{
    CHECK_STREQ(scan("2021年1月18日に感染。翌日には調査を開始"),
                "2021-01-18 2021-01-19");
    CHECK_STREQ(span_text(1), "翌日");
    CHECK_STREQ(scan("2022年12月2日深夜に発生。翌3日より復旧"),
                "2022-12-02 2022-12-03");
    CHECK_STREQ(scan("2022年12月30日に発生。翌3日より復旧"),
                "2022-12-30 2023-01-03");
    CHECK_STREQ(scan("2023年8月16日に検知し、同日中に遮断"),
                "2023-08-16 2023-08-16");
    CHECK_STREQ(scan("2023年3月1日に公表。その前日に判明"),
                "2023-03-01 2023-02-28");
    CHECK_STREQ(scan("2023年3月1日(水)の前日に判明"), "2023-03-01 2023-02-28");
    CHECK_STREQ(scan("2023年5月6日(土)に確認。翌朝から調査"),
                "2023-05-06 2023-05-07");
    CHECK_STREQ(scan("株式会社テスト 2022年12月12日\n本日(12日)時点で"),
                "2022-12-12 2022-12-12");
    CHECK_STREQ(span_text(1), "本日(12日)");
    CHECK_STREQ(scan("株式会社テスト 2022年12月13日\n本日より連絡"),
                "2022-12-13 2022-12-13");
    CHECK_STREQ(scan("2024年5月28日に発生。翌々日に公表"),
                "2024-05-28 2024-05-30");
    CHECK_STREQ(scan("株式会社テスト 2024年5月28日\n昨日、判明しました"),
                "2024-05-28 2024-05-27");
    /* years and months counted from the issue date at the top */
    CHECK_STREQ(scan("2025年1月20日\n昨年12月20日に判明。本年1月6日に公表"),
                "2025-01-20 2024-12-20 2025-01-06");
    CHECK_STREQ(span_text(1), "昨年12月20日");
    CHECK_STREQ(scan("2025年1月20日\n先月28日、指摘を受けた"),
                "2025-01-20 2024-12-28");
    CHECK_STREQ(scan("2024年3月1日\n2023年4月1日。前年12月1日に開始"),
                "2024-03-01 2023-04-01 2022-12-01");
    CHECK_STREQ(scan("前年比で増加、先月比"), "");
    /* no day to be relative to, or not certain */
    CHECK_STREQ(scan("翌日、警察に届けた"), "");
    CHECK_STREQ(scan("本日より受付"), "");
    CHECK_STREQ(scan("2025年2月17日に作業。翌日以降も続ける予定"),
                "2025-02-17");
    CHECK_STREQ(scan("2020年8月26日受付。ご搭乗日の前日までに"), "2020-08-26");
    CHECK_STREQ(scan("2020年8月26日受付。イベント前日に"), "2020-08-26");
}

static void test_not_days(void)
{
    CHECK_STREQ(scan("週刊OSINT 2022-42号"), "");
    CHECK_STREQ(scan("2023年3月中に対策を完了"), "");
    CHECK_STREQ(scan("2023年3月"), "");
    CHECK_STREQ(scan("2022年12月1日\n下旬に続報、上旬、中旬"), "2022-12-01");
    CHECK_STREQ(scan("数年前から使用、第1報"), "");
    CHECK_STREQ(scan("電話 03-1234-5678、0120-123-456"), "");
    CHECK_STREQ(scan("〒100-0001 東京都 123-4567"), "");
    CHECK_STREQ(scan("価格は1,000円"), "");
    CHECK_STREQ(scan("バージョン v2.3.1 と 1.2.3"), "");
    CHECK_STREQ(scan("受付 9:00～17:00 と 16:30"), "");
    CHECK_STREQ(scan("2022年12月1日\n全体の50%、1/2の確率"), "2022-12-01");
    CHECK_STREQ(scan("2022年2月30日と2022年13月1日"), "");
    CHECK_STREQ(scan("1979年1月1日と2101年1月1日"), "");
    CHECK_STREQ(scan("12022年12月1日"), "");
    CHECK_STREQ(
        scan("2022年12月1日\n60日間、8日以上、3日以内、4日前、1日当たり"),
        "2022-12-01");
    CHECK_STREQ(scan("2022年12月1日\n1日に約1万件、毎月1日に、約3日、"),
                "2022-12-01");
    CHECK_STREQ(scan("https://example.jp/news/2022/12/6/a.html"), "");
    CHECK_STREQ(scan("https://example.jp/20221206.html"), "");
    CHECK_STREQ(scan("2022.12.6.1 版"), "");
}

static void test_roles(void)
{
    int di, ps, pe;

    scan("株式会社テスト 2022年12月16日\n"
         "2022年10月1日に新サービスを開始しました。\n"
         "令和4年10月26日(水)に外部機関より通報がありました。\n"
         "10月28日に調査を完了しました。");
    nf_date_roles(&cur_text, &cur, 0, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(di, 2);
    CHECK_INTEQ(ps, -1);
    CHECK_INTEQ(pe, -1);
    CHECK_INTEQ(cur.v[0].role, NF_DROLE_PUBLISHED);
    CHECK_INTEQ(cur.v[2].role, NF_DROLE_DISCOVERED);

    /* the cue attaches to the day before it, not to a day after it */
    scan("調査で判明したことから2023年12月7日に公表しました。"
         "2023年11月21日、閲覧可能であることが判明しました。");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(di, 1);
    CHECK_INTEQ(cur.v[0].role, NF_DROLE_REPORTED);

    /* negated, planned or bounded days are not discoveries */
    scan("2023年4月1日に廃棄する予定であった文書の滅失が判明しました。"
         "2023年5月1日時点で判明していたお客様。"
         "2023年3月1日までの不正ログインが判明。"
         "2023年2月1日に送信しましたが、不正利用は確認されておりません。");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(di, -1);

    /* a day heading a paragraph takes the finding told after it */
    scan("【令和7年2月19日(水曜日)】\n作業の際、段ボールが消えていることに"
         "気づいた次第です。");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(di, 0);

    /* the period of an incident: a range called a period */
    scan("2022年8月22日、カード会社から連絡を受けました。"
         "2019年8月22日~2022年8月4日の期間に購入されたお客様。");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(di, 0);
    CHECK_INTEQ(ps, 1);
    CHECK_INTEQ(pe, 2);
    CHECK_INTEQ(cur.v[1].role, NF_DROLE_PERIOD_START);
    CHECK_INTEQ(cur.v[2].role, NF_DROLE_PERIOD_END);

    /* an enumerated window on one line runs to its last day */
    scan("不正ログインが確認された期間\n"
         "① 2019年5月27日 ~ 2019年6月3日 ② 2019年6月24日\n");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(ps, 0);
    CHECK_INTEQ(pe, 2);

    /* a bare range is no incident period; non-incidents have no finding */
    scan("2023年1月1日～2023年1月5日は休業します。2023年1月6日に判明。");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(ps, -1);
    CHECK_INTEQ(di, 2);
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_OTHER, &di, &ps, &pe);
    CHECK_INTEQ(di, -1);
    CHECK_INTEQ(ps, -1);

    /* a campaign: the labelled running period wins over an entry period */
    scan("エントリー期間:2025年4月8日(火)~5月20日(火) "
         "キャンペーン期間:2025年4月15日(火)~5月20日(火)");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_LOYALTY_CAMPAIGN, &di, &ps, &pe);
    CHECK_INTEQ(di, -1);
    CHECK_INTEQ(ps, 2);
    CHECK_INTEQ(pe, 3);

    /* a form name is no cue: 診療情報提供書 (情報提供 = a tip-off) */
    scan("2023年11月6日、診療情報提供書を誤って送りました。"
         "11月9日、事業者からの電話で発覚しました。");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(di, 1);
    scan("2023年11月6日、外部からの情報提供があり判明しました。");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(di, 0);

    /* the window of the activity, with its end told from its start */
    scan("2022年9月5日夜から翌6日未明にかけて不正なログインが行われました。"
         "同月12日、利用者からの電話で判明しました。");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(ps, 0);
    CHECK_INTEQ(pe, 1);
    CHECK_INTEQ(di, 2);

    /* the first mention is the occurrence; the discovery comes later */
    scan("令和六年十一月八日\n発生日時:令和六年十月三十日(水)午後三時頃\n"
         "判明日:令和六年十一月一日(金)");
    nf_date_roles(&cur_text, &cur, 0, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(di, 2);

    /* a finding of an event told before it: the day opening the sentence
     * is the finding's; without one, the event's day is only a weak guess */
    scan("2024年10月5日、サーバーが10月2日に不正アクセスを受けていたことが"
         "判明しました。");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(di, 0);
    scan("2024年10月5日、同月2日から4日にかけて不正アクセスを受けていた"
         "ことを確認しました。");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(di, 0);
    scan("2024年10月2日に不正アクセスを受けていたことが判明しました。"
         "10月9日に検知システムを更新し、10月12日に異常を検知しました。");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(di, 2);
    /* a name is no finding: 検知システム, 連絡先 */
    scan("2024年10月9日に検知システムを更新し、連絡先を変更しました。");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(di, -1);
    /* a day with its own finding keeps it */
    scan("2024年10月1日にサービスを開始し、10月5日に不正アクセスを"
         "検知しました。");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(di, 1);
    /* a table row labelled 確認日 */
    scan("確認日:2024年10月5日\n発生日:2024年10月2日");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(di, 0);

    /* a one-day time window */
    scan("2024年11月14日(木)14:05~15:40という時間帯で23通を誤送信");
    nf_date_roles(&cur_text, &cur, -1, NF_CAT_INCIDENT, &di, &ps, &pe);
    CHECK_INTEQ(ps, 0);
    CHECK_INTEQ(pe, 0);
}

/* Hostile input stays linear and bounded: a long digit run, a repeated
 * range, repeated relative words and repeated day lists. */
static void test_large(void)
{
    static const char *units[] = {"1",   "2022年12月1日から", "翌日", "25、",
                                  "12/", "十一月一日から",    "23年", "一"};
    const size_t total = (size_t)2 << 20;
    struct nf_err err;
    size_t u, i, ul;
    char *buf;
    int rc;

    buf = malloc(total + 32);
    if (!buf)
        abort();
    for (u = 0; u < sizeof(units) / sizeof(*units); u++) {
        ul = strlen(units[u]);
        for (i = 0; i + ul <= total; i += ul)
            memcpy(buf + i, units[u], ul);
        nf_arena_reset(arena);
        rc = nf_text_init(&cur_text, buf, i, arena, &err);
        CHECK(rc == 0, "init %d", rc);
        if (rc)
            continue;
        rc = nf_date_scan(&cur_text, NULL, arena, &cur, &err);
        CHECK(rc == 0, "scan %d", rc);
        CHECK(cur.n <= NF_MAX_DATES, "n = %zu", cur.n);
    }
    free(buf);
}

int main(void)
{
    arena = nf_arena_new((size_t)64 << 20);
    if (!arena)
        return 1;
    test_ymd();
    test_seireki();
    test_wareki();
    test_short_years();
    test_fullwidth_spans();
    test_partial();
    test_ranges();
    test_relative();
    test_not_days();
    test_roles();
    test_large();
    free(cur_src);
    nf_arena_destroy(arena);
    return nf_test_failures != 0;
}
