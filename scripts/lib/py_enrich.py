#!/usr/bin/env python3
"""Python port of the noticeflow enrichment core (worker/core/*.c).

The baseline of the performance report: the C core's rules and tables
written as a competent Python developer would port them, with `re` and the
standard library only, on Python strings. It ports:

  nf_text.c      width folding (full-width ASCII, U+3000, minus signs) and
                 the folded-to-input offset map;
  nf_num.c       numerals: 1,059 / 5, 288 / 三千 / 二万五千 / 1万2千 / 1.2万;
  nf_date.c      every calendar day: 西暦, 和暦 令和/平成/昭和 (元年, R4.10.26),
                 kanji and full-width digits, spaces inside, short years,
                 missing years and months from context, ranges, weekdays,
                 同日/翌日/前日/翌3日/本日(12日)/昨年/先月, then the roles
                 (discovered, period, published);
  nf_parse.c     organization, title and publication date from the header,
                 the front zone and the signature;
  nf_classify.c  category (incident / loyalty_campaign / other), confidence,
                 reasons and incident types from the weighted cue table;
  nf_count.c     counts of affected people or records (counter words, 約, 計,
                 万, table cells, breakdowns) and the headline count;
  nf_enrich.c    the order of the steps (counts only for incidents).

The C scanners read the folded UTF-8 bytes and bound their windows in
bytes (a kana or kanji is 3 bytes, an ASCII digit 1). This port reads
Python strings and keeps those bounds: each window is converted with
ahead() / behind() so that it covers the same bytes, and a length compared
with a byte limit (a prose line, a title, a name) is measured in UTF-8.
Spans in the output are byte offsets into the UTF-8 input, end exclusive,
as `noticeflow enrich` prints them. Its output equals the C core's on the
corpus, the golden cases and the unit-test fixtures.

usage: py_enrich.py [--reference-date YYYY-MM-DD] FILE...
prints one JSON line per file, "id" being the file name without directory
and ".txt", in the format of `noticeflow enrich`.
"""
import datetime
import json
import os
import re
import sys
import unicodedata
from bisect import bisect_left

# ---- text (nf_text.c) ------------------------------------------------------

# Full-width ASCII U+FF01..U+FF5E becomes ASCII, U+3000 a space, minus signs
# and hyphens '-'; a BOM or a zero-width space is dropped.
FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
FOLD.update({0x3000: " ", 0x2212: "-", 0x2010: "-", 0x2011: "-",
             0x2012: "-", 0x2013: "-"})
DROPPED = "\ufeff\u200b"
FOLD.update({ord(c): None for c in DROPPED})
# C0 controls other than white space make a document binary.
BINARY = re.compile("[\x00-\x08\x0e-\x1f]")
BINARY_BYTES = re.compile(b"[\x00-\x08\x0e-\x1f]")
SPACES = " \t\n\r\f\v"
SQUEEZE = {ord(c): None for c in SPACES + "\u3000"}

DOC_MAX_BYTES = 1 << 20
MAX_DATES = 512
MAX_COUNTS = 256
MAX_REASONS = 16
MAX_FIELD_BYTES = 512


class EnrichError(ValueError):
    """A document the core refuses (the C codes: empty, binary ...)."""

    def __init__(self, code, message, offset=0):
        super().__init__(message)
        self.code = code
        self.message = message
        self.offset = offset


class Text:
    """The input and its folded view; `src_index(i)` maps a folded index to
    the input (character) index it came from."""

    def __init__(self, src):
        m = BINARY.search(src)
        if m:
            raise EnrichError("binary", "control byte 0x%02x at offset %d: "
                              "not text" % (ord(m.group()), m.start()),
                              m.start())
        self.src = src
        self.s = src.translate(FOLD)
        if not self.s.strip(SPACES):
            raise EnrichError("empty", "document is empty or only white "
                              "space")
        self.n = len(self.s)
        self.map = None
        if len(self.s) != len(src):
            self.map = [i for i, c in enumerate(src) if c not in DROPPED]
            self.map.append(len(src))

    def src_index(self, i):
        return i if self.map is None else self.map[i]

    def line_start(self, i):
        return self.s.rfind("\n", 0, i) + 1

    def line_end(self, i):
        k = self.s.find("\n", i)
        return self.n if k < 0 else k


def utf8_len(s):
    return len(s.encode("utf-8"))


def char_bytes(c):
    """UTF-8 length of one character."""
    return 1 if c < "\x80" else 2 if c < "\u0800" else \
        3 if c < "\U00010000" else 4


def squeeze(s):
    """White space (ASCII and U+3000) removed, cut at MAX_FIELD_BYTES."""
    return cut_bytes(s.translate(SQUEEZE), MAX_FIELD_BYTES)


def cut_bytes(s, limit):
    b = s.encode("utf-8")
    if len(b) <= limit:
        return s
    return b[:limit].decode("utf-8", "ignore")


def is_digit(c):
    return "0" <= c <= "9"


ASCII_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "abcdefghijklmnopqrstuvwxyz")
DIGITS = re.compile("[0-9]+")
# A thousands group: "1,059", "5, 288"; not "1,05" nor "1,0599".
GROUP = re.compile(", ?([0-9]{3})(?![0-9])")


def at_any(s, i, words):
    """Length of the first word of `words` that the text at i starts with."""
    for w in words:
        if s.startswith(w, i):
            return len(w)
    return 0


def ends_with_any(s, i, words):
    for w in words:
        if s.endswith(w, 0, i):
            return w
    return None


def ahead(s, i, nbytes):
    """The end of the whole characters from i that fit in nbytes bytes of
    UTF-8: the C scanners' windows are measured in bytes."""
    chunk = s[i:i + nbytes]
    if chunk.isascii():
        return i + len(chunk)
    return i + len(chunk.encode("utf-8")[:nbytes].decode("utf-8", "ignore"))


def behind(s, i, nbytes):
    """The start of the whole characters before i that fit in nbytes."""
    lo = max(i - nbytes, 0)
    chunk = s[lo:i]
    if chunk.isascii():
        return lo
    return i - len(chunk.encode("utf-8")[-nbytes:].decode("utf-8", "ignore"))


def starts_in(s, words, a, b):
    """Does a word of `words` start in [a, b)?"""
    return b > a and any(s.find(w, a, b + len(w) - 1) >= 0 for w in words)


# ---- numbers (nf_num.c) ----------------------------------------------------

NUM_MAX = 10 ** 15
MAX_DIGITS = 19
MAX_FRAC = 4
SECTION_LIMIT = 10000
NUM_KANJI, NUM_GROUPED, NUM_SCALED = 1, 2, 4
DIGIT, SMALL, BIG = 0, 1, 2
KANJI_NUMERALS = {
    "〇": (DIGIT, 0), "零": (DIGIT, 0), "一": (DIGIT, 1), "二": (DIGIT, 2),
    "三": (DIGIT, 3), "四": (DIGIT, 4), "五": (DIGIT, 5), "六": (DIGIT, 6),
    "七": (DIGIT, 7), "八": (DIGIT, 8), "九": (DIGIT, 9),
    "十": (SMALL, 10), "百": (SMALL, 100), "千": (SMALL, 1000),
    "万": (BIG, 10 ** 4), "億": (BIG, 10 ** 8), "兆": (BIG, 10 ** 12),
}


class NumOverflow(Exception):
    def __init__(self, end):
        super().__init__(end)
        self.end = end


def _kanji_kind(s, i, kind):
    k = KANJI_NUMERALS.get(s[i]) if i < len(s) else None
    return k[1] if k and k[0] == kind else -1


def _parse_ascii(s, i):
    """Digits, ',' groups of exactly 3 (a space allowed after the comma) and
    a decimal part only before 万/億/兆: (value, frac, frac_len, grouped,
    int_end, end); raises NumOverflow."""
    n = len(s)
    m = DIGITS.match(s, i)
    run = m.group()
    if len(run) > MAX_DIGITS or int(run) > NUM_MAX:
        raise NumOverflow(i + min(len(run), MAX_DIGITS))
    v, p, ndig, grouped = int(run), m.end(), len(run), False
    while len(run) <= 3:
        m = GROUP.match(s, p)
        if not m:
            break
        ndig += 3
        v = v * 1000 + int(m.group(1))
        if ndig > MAX_DIGITS or v > NUM_MAX:
            raise NumOverflow(m.start(1))
        grouped = True
        p = m.end()
    frac = frac_len = 0
    end = p
    if p + 1 < n and s[p] == "." and is_digit(s[p + 1]):
        m = DIGITS.match(s, p + 1)
        fl = min(len(m.group()), MAX_FRAC + 1)
        q = p + 1 + fl
        if (fl <= MAX_FRAC and not (q < n and is_digit(s[q]))
                and _kanji_kind(s, q, BIG) > 0):
            frac, frac_len, end = int(s[p + 1:q]), fl, q
    return v, frac, frac_len, grouped, p, end


def parse_num(s, i):
    """A numeral at i: (value, end, flags), None when none starts there;
    raises NumOverflow above NUM_MAX (see nf_num.c for the forms)."""
    n = len(s)
    if i >= n or not (is_digit(s[i]) or s[i] in KANJI_NUMERALS):
        return None
    total = sec = 0
    cur = -1
    cur_frac = cur_frac_len = 0
    cur_kanji = False
    cur_kdigits = 0
    last_small, last_big = SECTION_LIMIT, NUM_MAX + 1
    fl = 0
    p = i
    found = False
    while p < n:
        c = s[p]
        if is_digit(c):
            if cur >= 0:
                break
            v, frac, frac_len, grouped, int_end, end = _parse_ascii(s, p)
            # PDF text spaces digits from kanji: "3 万件", "1 万 2 千"
            if (end + 1 < n and s[end] == " " and not frac_len
                    and (_kanji_kind(s, end + 1, SMALL) > 0
                         or _kanji_kind(s, end + 1, BIG) > 0)):
                end += 1
            small = _kanji_kind(s, end, SMALL)
            big = _kanji_kind(s, end, BIG)
            if frac_len and (big >= last_big or sec > 0 or total > 0):
                frac = frac_len = 0
                end = int_end
                small = big = -1
            if (not (0 < small < last_small and v < 10)
                    and not (0 < big < last_big
                             and (sec == 0 or sec + v < SECTION_LIMIT))
                    and not (sec == 0 and total == 0)
                    and not v < last_small):
                break
            cur, cur_frac, cur_frac_len, cur_kanji = v, frac, frac_len, False
            if grouped:
                fl |= NUM_GROUPED
            p = end
            found = True
            continue
        k = KANJI_NUMERALS.get(c)
        if k is None:
            break
        kind, m = k
        if kind == DIGIT:
            if cur >= 0 and (not cur_kanji or sec > 0 or total > 0):
                break
            if cur >= 0:
                cur_kdigits += 1
                cur = cur * 10 + m
                if cur_kdigits > MAX_DIGITS or cur > NUM_MAX:
                    raise NumOverflow(p)
            else:
                cur, cur_kanji, cur_kdigits = m, True, 1
            fl |= NUM_KANJI
            p += 1
            found = True
            continue
        if kind == SMALL:
            coef = cur if cur >= 0 else 1
            if m >= last_small or coef >= 10 or cur_frac_len:
                break
            sec += coef * m
            last_small = m
            cur, cur_kanji = -1, False
            fl |= NUM_KANJI
            p += 1
            found = True
            continue
        # BIG: 万 / 億 / 兆 scale the section read so far
        if m >= last_big or (cur < 0 and sec == 0):
            break
        part = sec + (cur if cur >= 0 else 0)
        total += part * m + cur_frac * (m // 10 ** cur_frac_len)
        if total > NUM_MAX:
            raise NumOverflow(p + 1)
        last_big, last_small = m, SECTION_LIMIT
        sec, cur, cur_frac, cur_frac_len, cur_kanji = 0, -1, 0, 0, False
        fl |= NUM_SCALED
        p += 1
        # "4万 5千": a space before the next figure of the numeral
        if p + 1 < n and s[p] == " " and is_digit(s[p + 1]):
            try:
                q = _parse_ascii(s, p + 1)[5]
            except NumOverflow:
                q = None
            if q is not None:
                if q < n and s[q] == " ":
                    q += 1
                if _kanji_kind(s, q, SMALL) > 0 or _kanji_kind(s, q, BIG) > 0:
                    p += 1
    if not found:
        return None
    total += sec + (cur if cur >= 0 else 0)
    if total > NUM_MAX:
        raise NumOverflow(p)
    return total, p, fl


# ---- dates (nf_date.c) -----------------------------------------------------

YEAR_MIN, YEAR_MAX = 1980, 2100
MAX_SP = 3              # spaces between the parts of a date
MAX_RAW = 2 * MAX_DATES
ROLL_DAYS = 245         # a yearless day further away belongs to another year
HEADER_LINES = 3        # lines at the top whose first date is the issue date
# Windows, in bytes: a bracketed other-calendar year; after a day, for its
# cue in its sentence and in its paragraph; after a cue, for a negation;
# before a range, for its label (and after it); before a day, for 判明日.
ALT_YEAR_MAX = 20
CUE_SENTENCE_MAX = 600
CUE_PARA_MAX = 1200
NEG_WINDOW = 30
LABEL_BACK = 200
FOUND_LABEL_BACK = 45
LABEL_FWD = 90
WEEKDAY_TAIL = 16       # (月・祝), (水曜日): what may follow the weekday

# Japanese eras: year n of an era is first + n - 1 (元年 is n = 1).
ERAS = (("令和", "R", 2019), ("平成", "H", 1989), ("昭和", "S", 1926),
        ("㋿", "R", 2019), ("㍻", "H", 1989), ("㍼", "S", 1926))
KANJI_DIGITS = "〇一二三四五六七八九"
KANJI_TEN = "十"
ERA_GAN = "元"
KANJI_YEAR = ("年",)
KANJI_MONTH = ("月", "⽉")
KANJI_DAY = ("日", "⽇")
WEEKDAYS = "日月火水木金土"         # index = days after Sunday
WEEKDAY_SUFFIX = "曜"
RANGE_MARKS = ("~", "〜", "―", "から", "-")  # '-' joins kanji forms only
DAY_BAD_BEFORE = (
    "約", "第", "毎", "各", "計", "最大", "最長", "最短", "最低", "過去",
    "直近", "ここ", "数", "およそ", "概ね", "平均", "生後", "満", "週",
    "計約", "残り", "わずか")
DAY_BAD_AFTER = (
    "間", "以上", "以内", "以下", "未満", "前", "後", "目", "分", "ぶり",
    "連続", "程度", "ほど", "おき", "ごと", "超", "余", "当たり", "あたり",
    "足らず")
DAY_OK_AFTER = (
    "午前", "午後", "朝", "昼", "夕", "夜", "晩", "未明", "深夜", "早朝",
    "正午", "中", "に", "から", "まで", "、", ",", "付", "時点", "現在",
    "以降", "以後", "頃", "ごろ", "より", "~", "〜", "-", "と")
DAY_RATE_AFTER = ("数", "何", "約", "最大", "平均", "およそ", "複数", "一",
                  "二")
SLASH_OK_AFTER = (
    "に", "から", "まで", "以降", "以後", "頃", "ごろ", "付", "時点", "現在",
    "~", "〜", "午前", "午後", "朝", "夜", "深夜", "未明", "より")
DAY_PARTS = ("早朝", "朝", "昼", "夕方", "夕刻", "夜", "深夜", "未明", "頃",
             "ごろ")
TIME_PREFIX = ("午前", "午後")
TIME_APPROX = ("頃", "ごろ")

(REL_NONE, REL_SAME, REL_NEXT, REL_PREV, REL_TODAY, REL_NEXT_DOM, REL_NEXT2,
 REL_YESTERDAY) = range(8)
REL_WORDS = (("翌々日", REL_NEXT2), ("同日", REL_SAME), ("翌日", REL_NEXT),
             ("翌朝", REL_NEXT), ("前日", REL_PREV), ("本日", REL_TODAY),
             ("昨日", REL_YESTERDAY))
REL_BAD_AFTER = ("以降", "以前", "比")
NEXT_PREFIX = "翌"
THIS_MONTH_WORDS = ("今月", "同月", "当月", "同")
NEXT_MONTH_WORD = "翌月"
LAST_MONTH_WORD = "先月"
# (word, years added, counted from the issue date rather than the context)
YEAR_WORDS = (("同年", 0, False), ("翌年", 1, False), ("前年", -1, False),
              ("本年", 0, True), ("今年", 0, True), ("昨年", -1, True))
SHORT_YEAR_BASES = (2000, 2018, 1988)

CUE_NONE, CUE_FOUND, CUE_FOUND_WEAK, CUE_OCCURRED, CUE_REPORTED, CUE_PLAN = \
    range(6)
DATE_CUES = (
    ("連絡を受け", CUE_FOUND), ("連絡があり", CUE_FOUND),
    ("連絡が入", CUE_FOUND), ("連絡が寄せ", CUE_FOUND),
    ("報告を受け", CUE_FOUND), ("報告があり", CUE_FOUND),
    ("報告あり", CUE_FOUND), ("情報提供があ", CUE_FOUND),
    ("情報提供を受", CUE_FOUND), ("情報提供によ", CUE_FOUND),
    ("通報", CUE_FOUND), ("指摘", CUE_FOUND),
    ("判明", CUE_FOUND), ("発覚", CUE_FOUND), ("検知", CUE_FOUND),
    ("把握", CUE_FOUND), ("気付", CUE_FOUND), ("気づ", CUE_FOUND),
    ("気が付", CUE_FOUND), ("気がつ", CUE_FOUND), ("発見", CUE_FOUND),
    ("認知", CUE_FOUND), ("確認", CUE_FOUND),
    ("被害を受け", CUE_FOUND_WEAK), ("被害に遭", CUE_FOUND_WEAK),
    ("検出", CUE_FOUND_WEAK), ("連絡", CUE_FOUND_WEAK),
    ("わかっ", CUE_FOUND_WEAK), ("分かっ", CUE_FOUND_WEAK),
    ("懸念", CUE_FOUND_WEAK),
    ("不正アクセスを受け", CUE_OCCURRED), ("攻撃を受け", CUE_OCCURRED),
    ("発生", CUE_OCCURRED), ("感染", CUE_OCCURRED), ("侵入", CUE_OCCURRED),
    ("紛失", CUE_OCCURRED), ("盗難", CUE_OCCURRED), ("誤送信", CUE_OCCURRED),
    ("起き", CUE_OCCURRED),
    ("報告", CUE_REPORTED), ("公表", CUE_REPORTED), ("発表", CUE_REPORTED),
    ("届出", CUE_REPORTED), ("届け出", CUE_REPORTED), ("提出", CUE_REPORTED),
    ("申告", CUE_REPORTED), ("掲載", CUE_REPORTED),
    ("お知らせ", CUE_REPORTED), ("お送り", CUE_REPORTED),
    ("送付", CUE_REPORTED), ("郵送", CUE_REPORTED), ("発送", CUE_REPORTED),
    ("予定", CUE_PLAN),
)
DATE_CUE_KIND = dict(DATE_CUES)
# The first cue of the table that matches at a place wins.
DATE_CUE_RE = re.compile("|".join(w for w, _ in DATE_CUES))
DATE_CUE_MAXLEN = max(len(w) for w, _ in DATE_CUES)
FOUND_LABELS = ("発覚日", "判明日", "検知日", "発見日", "覚知日", "認知日",
                "確認日")
CUE_NOUNS = ("システム", "機能", "ツール", "ソフト", "製品", "窓口", "体制",
             "先", "手順")
HONORIFICS = ("ご", "お")
NEGATIONS = ("ません", "ない", "できず", "されず", "場合")
BOUND_AFTER = ("まで", "以降", "以後", "以前", "以来", "から", "より", "時点",
               "現在", "付")
HEADING_MARKS = "】」』〕》"
PERIOD_LABELS_STRONG = ("キャンペーン期間", "実施期間", "対象期間", "開催期間",
                        "搭乗期間", "適用期間")
PERIOD_AFTER_STRONG = ("キャンペーン", "実施", "開催")
PERIOD_LABELS = ("期間", "にかけて", "時間帯", "の間")
ENUM_MARKS = ("①", "②", "③", "④", "⑤", "、", "・", ",", "|", " ")

# Where a date expression may start: digits, era letters and the first
# characters of the era, year, month and relative words.
DATE_START = re.compile("[0-9RHS%s]" % "".join(sorted(set(
    [e[0][0] for e in ERAS] + [w[0] for w, _, _ in YEAR_WORDS]
    + [w[0] for w in THIS_MONTH_WORDS] + [w[0] for w, _ in REL_WORDS]
    + list(KANJI_DIGITS[1:]) + [KANJI_TEN, NEXT_MONTH_WORD[0],
                                LAST_MONTH_WORD[0], NEXT_PREFIX]))))

ROLE_OTHER, ROLE_PUBLISHED, ROLE_DISCOVERED, ROLE_OCCURRED = range(4)
ROLE_PERIOD_START, ROLE_PERIOD_END, ROLE_REPORTED = range(4, 7)
DATE_ROLE_NAMES = ("other", "published", "discovered", "occurred",
                   "period_start", "period_end", "reported")


def leap(y):
    return (y % 4 == 0 and y % 100 != 0) or y % 400 == 0


MDAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def ymd_valid(d):
    y, m, dd = d
    if y < 1 or y > 9999 or m < 1 or m > 12 or dd < 1:
        return False
    return dd <= MDAYS[m - 1] + (m == 2 and leap(y))


def to_days(d):
    """Days since 1970-01-01 of any (y, m, d), valid or not (Hinnant's
    days_from_civil, as the C core computes it)."""
    y, m, dd = d
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((m + 9) % 12) + 2) // 5 + dd - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def from_days(z):
    d = datetime.date(1970, 1, 1) + datetime.timedelta(days=z)
    return d.year, d.month, d.day


def add_days(d, n):
    return from_days(to_days(d) + n)


def weekday_of(d):
    """0 = Sunday."""
    return (to_days(d) + 4) % 7


def in_years(y):
    return YEAR_MIN <= y <= YEAR_MAX


RAW_DAY, RAW_MONTH, RAW_REL = range(3)


class Raw:
    """A date expression as written, before anything is inferred."""
    __slots__ = ("fo", "fe", "y", "m", "d", "wd", "yadd", "kind", "rel",
                 "yword", "mnext", "mprev", "yissue", "yshort", "pair",
                 "window", "sep")

    def __init__(self):
        self.fo = self.fe = self.y = self.m = self.d = self.yadd = 0
        self.wd = -1
        self.kind = RAW_DAY
        self.rel = REL_NONE
        self.yword = self.mnext = self.mprev = self.yissue = False
        self.yshort = self.pair = 0
        self.window = False
        self.sep = ""


class DateMention:
    __slots__ = ("date", "fo", "fe", "role")

    def __init__(self, date, fo, fe, role):
        self.date, self.fo, self.fe, self.role = date, fo, fe, role


class DateScan:
    """Reading (pass 1) and resolving (pass 2) of nf_date.c."""

    def __init__(self, s):
        self.s = s
        self.n = len(s)
        self.raws = []

    # -- helpers --

    def at(self, i, w):
        return len(w) if self.s.startswith(w, i) else 0

    def skip_sp(self, i):
        k = 0
        while i < self.n and k < MAX_SP and self.s[i] in " \t":
            i += 1
            k += 1
        return i

    def back_sp(self, i):
        k = 0
        while i > 0 and k < MAX_SP and self.s[i - 1] in " \t":
            i -= 1
            k += 1
        return i

    def read_num(self, i):
        """Length of the digit run at i and the value of its first 4
        digits."""
        m = DIGITS.match(self.s, i)
        if not m:
            return 0, 0
        return len(m.group()), int(m.group()[:4])

    def read_small(self, i, lo, hi):
        """A 1-2 digit number in [lo, hi]: (end, value), end 0 if none."""
        nd, v = self.read_num(i)
        if nd == 0 or nd > 2 or v < lo or v > hi:
            return 0, v
        return i + nd, v

    def kanji_digit(self, i):
        return KANJI_DIGITS.find(self.s[i]) if i < self.n else -1

    def read_small_k(self, i, lo, hi):
        """A number in [lo, hi] in ASCII or kanji (五, 十二, 二十八, 一二)."""
        e, v = self.read_small(i, lo, hi)
        if e:
            return e, v
        s = self.s
        a = self.kanji_digit(i)
        if s.startswith(KANJI_TEN, i):
            b = self.kanji_digit(i + 1)
            v = 10 + max(b, 0)
            e = i + 1 + (b > 0)
        elif a > 0 and s.startswith(KANJI_TEN, i + 1):
            b = self.kanji_digit(i + 2)
            v = a * 10 + max(b, 0)
            e = i + 2 + (b > 0)
        elif a >= 0:
            b = self.kanji_digit(i + 1)
            v = a * 10 + b if b >= 0 else a
            e = i + 1 + (b >= 0)
        else:
            return 0, 0
        if (self.kanji_digit(e) >= 0 or s.startswith(KANJI_TEN, e)
                or v < lo or v > hi):
            return 0, v
        return e, v

    def read_weekday(self, i):
        """A weekday after a date: (水), (月・祝), (水曜日), 月曜日. Returns
        (end, weekday), or (i, -1)."""
        s, n = self.s, self.n
        k = self.skip_sp(i)
        if k < n and s[k] == "(":
            j = self.skip_sp(k + 1)
            x = WEEKDAYS.find(s[j]) if j < n else -1
            if x < 0:
                return i, -1
            # holiday marks and 曜日 may follow
            for j in range(j + 1, ahead(s, j + 1, WEEKDAY_TAIL)):
                if s[j] == ")":
                    return j + 1, x
                if s[j] in "\n(":
                    break
            return i, -1
        x = WEEKDAYS.find(s[k]) if k < n else -1
        if x >= 0 and s.startswith(WEEKDAY_SUFFIX, k + 1):
            j = k + 2
            return j + at_any(s, j, KANJI_DAY), x
        return i, -1

    def skip_time(self, i):
        """A clock time after a date (16:30, 午後6時9分, 頃): its end, or
        i."""
        s, n = self.s, self.n
        k = self.skip_sp(i)
        k = self.skip_sp(k + at_any(s, k, TIME_PREFIX))
        e, h = self.read_small(k, 0, 29)
        if not e:
            return i
        if e < n and s[e] == ":" and self.read_num(e + 1)[0] == 2:
            e += 3
            if e < n and s[e] == ":" and self.read_num(e + 1)[0] == 2:
                e += 3
        elif s.startswith("時", e):
            e += 1
            k, mi = self.read_small(e, 0, 59)
            if k and s.startswith("分", k):
                e = k + 1
        else:
            return i
        k0 = self.skip_sp(e)
        k = k0 + at_any(s, k0, TIME_APPROX)
        return k if k > k0 else e

    def point_after(self, j, ok):
        """Is the text at j (after a yearless day) a point in time: a
        weekday, a time, or one of `ok`?"""
        s, n = self.s, self.n
        k = self.skip_sp(j)
        if self.read_weekday(j)[0] > j or self.skip_time(j) > j:
            return True
        w = at_any(s, k, ok)
        if not w:
            return False
        # "1日に3回" is a rate; "16日と23日" lists days
        if s.startswith("に", k):
            return (not (k + w < n and is_digit(s[k + w]))
                    and not at_any(s, k + w, DAY_RATE_AFTER))
        if s.startswith("と", k):
            return k + w < n and is_digit(s[k + w])
        return True

    def day_before_ok(self, i):
        """May a yearless "N日" start at i?"""
        s = self.s
        k = self.back_sp(i)
        if k == 0:
            return True
        c = s[k - 1]
        if c < "\x80":
            return c not in ASCII_ALNUM and c not in "./:+#%-"
        return (not ends_with_any(s, k, KANJI_YEAR)
                and not ends_with_any(s, k, KANJI_MONTH)
                and not ends_with_any(s, k, DAY_BAD_BEFORE))

    def sep_before_ok(self, i):
        """May a numeric form (2022/12/6) start at i: not inside a word,
        path, URL or version?"""
        if i == 0:
            return True
        c = self.s[i - 1]
        return c not in ASCII_ALNUM and c not in "./-_=?&#%+\\"

    def skip_bracket(self, k):
        """A short bracketed aside at k ((令和4), (2022)): the index after it
        and its spaces, or k."""
        s = self.s
        if k >= self.n or s[k] != "(":
            return k
        for p in range(k + 1, ahead(s, k, ALT_YEAR_MAX)):
            if s[p] in "\n(":
                return k
            if s[p] == ")":
                return self.skip_sp(p + 1)
        return k

    def day_mark(self, k):
        k = self.skip_sp(k)
        w = at_any(self.s, k, KANJI_DAY)
        return k + w if w else 0

    # -- reading --

    def day_tail(self, j, r):
        """After "M月": a day, a day opening a range (1月8~10日), or the
        month alone."""
        k = self.skip_sp(j)
        e, d = self.read_small_k(k, 1, 31)
        if e:
            m = self.day_mark(e)
            if m:
                r.d, r.kind = d, RAW_DAY
                return m
            w = at_any(self.s, e, RANGE_MARKS[:-1])
            e2 = self.read_small(e + w, 1, 31)[0] if w else 0
            if e2 and self.day_mark(e2):
                r.d, r.kind = d, RAW_DAY
                return e
        r.kind = RAW_MONTH
        return j

    def month_tail(self, j, r):
        k = self.skip_bracket(self.skip_sp(j))
        e, m = self.read_small_k(k, 1, 12)
        if not e:
            return 0
        e = self.skip_sp(e)
        w = at_any(self.s, e, KANJI_MONTH)
        if not w:
            return 0
        r.m = m
        return self.day_tail(e + w, r)

    def sep_tail(self, j, r):
        """"/M/D", ".M.D" or "-M-D" at j (the first separator)."""
        s, n = self.s, self.n
        sep = s[j]
        e, m = self.read_small(j + 1, 1, 12)
        if not e or e >= n or s[e] != sep:
            return 0
        e2, d = self.read_small(e + 1, 1, 31)
        if not e2:
            return 0
        # 2022.12.6.1 or 2022-12-06-3 is a version or a document number
        if e2 + 1 < n and s[e2] in "/-." and is_digit(s[e2 + 1]):
            return 0
        r.m, r.d, r.sep, r.kind = m, d, sep, RAW_DAY
        return e2

    def year_tail(self, j, r, sep_ok):
        s = self.s
        k = self.skip_sp(j)
        p = self.skip_bracket(k)
        if at_any(s, p, KANJI_YEAR):
            k = p
        w = at_any(s, k, KANJI_YEAR)
        if w:
            return self.month_tail(k + w, r)
        if sep_ok and j < self.n and s[j] in "/-.":
            return self.sep_tail(j, r)
        return 0

    def read_era(self, i, r):
        """令和4年..., 令和元年, 令和2.10.31, R4.10.26, H31/4/30."""
        s = self.s
        era = None
        for kanji, letter, first in ERAS:
            if s.startswith(kanji, i):
                era = first
                k = self.skip_sp(i + len(kanji))
                if s.startswith(ERA_GAN, k):
                    e, num = k + 1, 1
                else:
                    e, num = self.read_small_k(k, 1, 99)
                break
        else:
            for kanji, letter, first in ERAS:
                if s[i] == letter:
                    era = first
                    break
            if era is None or (i > 0 and s[i - 1] in ASCII_ALNUM):
                return 0
            e, num = self.read_small(i + 1, 1, 99)
        if not e:
            return 0
        r.y = era + num - 1
        if not in_years(r.y):
            return 0
        return self.year_tail(e, r, True)

    def read_day_only(self, i, e, d, r):
        end = self.day_mark(e)
        if (not end or not self.day_before_ok(i)
                or not self.point_after(end, DAY_OK_AFTER)):
            return 0
        r.d, r.kind = d, RAW_DAY
        return end

    def list_ok(self, j, depth):
        """"25、26日": is the list element after j a day?"""
        w = self.at(j, "、") or self.at(j, "・") or self.at(j, ",")
        if not w or depth > 4:
            return False
        e = self.read_small(j + w, 1, 31)[0]
        if not e:
            return False
        end = self.day_mark(e)
        if end:
            return self.point_after(end, DAY_OK_AFTER)
        return self.list_ok(e, depth + 1)

    def read_slash_md(self, i, r):
        s, n = self.s, self.n
        e, m = self.read_small(i, 1, 12)
        if not e or e >= n or s[e] != "/" or not self.sep_before_ok(i):
            return 0
        e2, d = self.read_small(e + 1, 1, 31)
        if (not e2 or (e2 < n and s[e2] in "/.")
                or not self.point_after(e2, SLASH_OK_AFTER)):
            return 0
        r.m, r.d, r.sep, r.kind = m, d, "/", RAW_DAY
        return e2

    def read_digits(self, i, r, second, first_sep):
        """A date that starts with a digit. `second`: the end of a range."""
        s, n = self.s, self.n
        nd, v = self.read_num(i)
        if nd == 4 and in_years(v):
            if i + nd < n and s[i + nd] in "/-." and not self.sep_before_ok(i):
                return 0
            r.y = v
            e = self.year_tail(i + nd, r, True)
            return 0 if r.kind == RAW_MONTH and second else e
        if nd > 2:
            return 0
        k = self.skip_sp(i + nd)
        # 23年1月5日, 6年4月1日: a short year, checked when resolved
        if v >= 1 and at_any(s, k, KANJI_YEAR) and self.day_before_ok(i):
            e = self.year_tail(i + nd, r, False)
            if e and r.kind == RAW_DAY:
                r.yshort = v
                return e
            return 0
        w = at_any(s, k, KANJI_MONTH)
        if w:
            # "年" before: the remains of an invalid year (12022年12月)
            if not second and ends_with_any(s, self.back_sp(i), KANJI_YEAR):
                return 0
            if v < 1 or v > 12:
                return 0
            r.m = v
            e = self.day_tail(k + w, r)
            return e if r.kind == RAW_DAY else 0
        if second:
            e = self.day_mark(i + nd)
            if e and 1 <= v <= 31 and not at_any(s, e, DAY_BAD_AFTER):
                r.d, r.kind = v, RAW_DAY
                return e
            # 2024.4.22(月)〜6.30(日): the year carries over
            if (first_sep and i + nd < n and s[i + nd] == first_sep
                    and 1 <= v <= 12):
                e, d = self.read_small(i + nd + 1, 1, 31)
                if e and not (e < n and s[e] in "/-."):
                    r.m, r.d, r.sep, r.kind = v, d, first_sep, RAW_DAY
                    return e
            return 0
        if 1 <= v <= 31 and self.day_mark(i + nd):
            return self.read_day_only(i, i + nd, v, r)
        if i + nd < n and s[i + nd] == "/":
            return self.read_slash_md(i, r)
        if 1 <= v <= 31 and self.day_before_ok(i) and self.list_ok(i + nd, 0):
            r.d, r.kind = v, RAW_DAY
            return i + nd
        return 0

    def read_word_date(self, i, r):
        """同年5月1日, 今月24日, 翌月3日, 先月28日."""
        s = self.s
        for word, add, issue in YEAR_WORDS:
            if s.startswith(word, i):
                r.yword, r.yadd, r.yissue = True, add, issue
                return self.month_tail(i + len(word), r)
        w = at_any(s, i, THIS_MONTH_WORDS)
        if not w:
            w = self.at(i, NEXT_MONTH_WORD)
            r.mnext = w != 0
        if not w:
            w = self.at(i, LAST_MONTH_WORD)
            r.mprev = w != 0
        if not w:
            return 0
        e, d = self.read_small_k(self.skip_sp(i + w), 1, 31)
        if not e:
            return 0
        e = self.day_mark(e)
        if not e or at_any(s, e, DAY_BAD_AFTER):
            return 0
        r.d, r.kind = d, RAW_DAY
        return e

    def read_kanji_md(self, i, r):
        """A yearless kanji month-day (十一月一日)."""
        s = self.s
        if i >= 1 and (self.kanji_digit(i - 1) >= 0 or s[i - 1] == KANJI_TEN):
            return 0
        if ends_with_any(s, self.back_sp(i), KANJI_YEAR):
            return 0
        e, m = self.read_small_k(i, 1, 12)
        if not e:
            return 0
        e = self.skip_sp(e)
        w = at_any(s, e, KANJI_MONTH)
        if not w:
            return 0
        r.m = m
        e = self.day_tail(e + w, r)
        return e if r.kind == RAW_DAY else 0

    def noun_before(self, i):
        """Is the character before i a kanji or katakana?"""
        if i == 0:
            return False
        c = self.s[i - 1]
        return "\u4e00" <= c <= "\u9fff" or "\u30a1" <= c <= "\u30fa"

    def read_rel(self, i, r):
        """A relative day (同日, 翌日, 翌3日, 本日(12日) ...)."""
        s, n = self.s, self.n
        w = 0
        for word, rel in REL_WORDS:
            if s.startswith(word, i):
                w, r.rel = len(word), rel
                break
        if w:
            e = i + w
            if r.rel == REL_TODAY and e < n and s[e] == "(":
                k, d = self.read_small(self.skip_sp(e + 1), 1, 31)
                k = self.day_mark(k) if k else 0
                if k and self.skip_sp(k) < n and s[self.skip_sp(k)] == ")":
                    r.d = d
                    e = self.skip_sp(k) + 1
        else:
            if not s.startswith(NEXT_PREFIX, i):
                return 0
            e, d = self.read_small(i + 1, 1, 31)
            e = self.day_mark(e) if e else 0
            if not e or at_any(s, e, DAY_BAD_AFTER):
                return 0
            r.rel, r.d = REL_NEXT_DOM, d
        if at_any(s, e, REL_BAD_AFTER):
            return 0
        # "搭乗日の前日", "イベント前日": relative to something else
        if (r.rel not in (REL_TODAY, REL_YESTERDAY, REL_SAME)
                and not s.endswith("その", 0, i) and self.noun_before(i)):
            return 0
        if (r.rel not in (REL_TODAY, REL_YESTERDAY) and s.endswith("の", 0, i)
                and not s.endswith("その", 0, i)):
            last = self.raws[-1] if self.raws else None
            if not last or last.kind == RAW_MONTH:
                return 0
            k = self.skip_sp(self.skip_time(self.read_weekday(last.fe)[0]))
            if k + 1 != i:
                return 0
        r.kind = RAW_REL
        return e

    def read_one(self, i, second=False, first_sep=""):
        """Any date expression at i: a Raw, or None."""
        if i >= self.n:
            return None
        c = self.s[i]
        r = Raw()
        if is_digit(c):
            e = self.read_digits(i, r, second, first_sep)
        elif c < "\x80":
            e = self.read_era(i, r)
        else:
            e = self.read_era(i, r)
            if not e:
                r = Raw()
                e = self.read_word_date(i, r)
            if not e:
                r = Raw()
                e = self.read_kanji_md(i, r)
            if not e:
                r = Raw()
                e = self.read_rel(i, r)
        # a range ends on a day, or on one told from its start
        if not e or (second and r.kind != RAW_DAY
                     and not (r.kind == RAW_REL
                              and r.rel in (REL_SAME, REL_NEXT, REL_NEXT2,
                                            REL_NEXT_DOM, REL_TODAY))):
            return None
        r.fo, r.fe = i, e
        return r

    def push(self, r):
        if len(self.raws) < MAX_RAW:
            self.raws.append(r)

    def finish_day(self, r):
        """After a day: its weekday, a time, and a range or a time window
        that may follow. Returns where the scan goes on."""
        s = self.s
        q, r.wd = self.read_weekday(r.fe)
        q2 = self.skip_time(q)
        k = self.skip_sp(q2)
        k = self.skip_sp(k + at_any(s, k, DAY_PARTS))
        kanji = not r.sep and r.kind == RAW_DAY and r.d
        w = at_any(s, k, RANGE_MARKS if kanji else RANGE_MARKS[:-1])
        if not w or r.kind != RAW_DAY:
            self.push(r)
            return q2
        k = self.skip_sp(k + w)
        r2 = self.read_one(k, True, r.sep)
        if q2 > q and self.skip_time(k) > k and not r2:
            r.window = True
            self.push(r)
            return self.skip_time(k)
        if not r2:
            self.push(r)
            return q2
        r.pair, r2.pair = 1, 2
        e2, r2.wd = self.read_weekday(r2.fe)
        self.push(r)
        self.push(r2)
        return e2

    def read_all(self):
        s, n = self.s, self.n
        i = 0
        while i < n and len(self.raws) < MAX_RAW:
            m = DATE_START.search(s, i)
            if not m:
                break
            i = m.start()
            r = self.read_one(i)
            if r:
                if r.kind == RAW_DAY:
                    i = self.finish_day(r)
                else:
                    self.push(r)
                    i = r.fe
                continue
            # never restart inside a digit run: 12022年 is no 2022年
            i += self.read_num(i)[0] if is_digit(s[i]) else 1

    # -- resolving --

    def in_header(self, fo):
        """Is fo within the first HEADER_LINES non-empty lines?"""
        lines = 0
        for line in self.s[:fo].split("\n")[:-1]:
            lines += bool(line.strip(" \t"))
            if lines >= HEADER_LINES:
                return False
        return True

    def resolve(self, reference):
        """The calendar days of the raw items, in text order."""
        out = []
        cx = Context(reference)
        for r in self.raws:
            if not r.y or r.yword:
                continue
            d0 = (r.y, r.m, r.d if r.kind == RAW_DAY else 0)
            if cx.ahead is None:
                cx.ahead = d0
            if r.kind == RAW_DAY:
                if ymd_valid(d0) and self.in_header(r.fo):
                    cx.header = d0
                break
        start = None
        start_ix = -1
        for r in self.raws:
            ends = r.pair == 2 and start_ix >= 0
            if r.kind == RAW_MONTH:
                d = (cx.word_year(r) if r.yword else r.y, r.m, 0)
                if in_years(d[0]):
                    cx.anchor = d
                continue
            if r.kind == RAW_REL:
                d = cx.resolve_rel(r)
            else:
                d = cx.resolve_day(r, start if ends else None)
            if not ymd_valid(d) or not in_years(d[0]):
                # a range whose end is no day is no range
                if (r.pair == 2 and start_ix >= 0
                        and out[start_ix].role == ROLE_PERIOD_START):
                    out[start_ix].role = ROLE_OTHER
                start_ix = -1
                continue
            if r.pair == 1 or r.window:
                start_ix = len(out) if len(out) < MAX_DATES else -1
                start = d
                role = ROLE_PERIOD_START
            else:
                role = ROLE_PERIOD_END if ends else ROLE_OTHER
                start_ix = -1
            if len(out) < MAX_DATES:
                out.append(DateMention(d, r.fo, r.fe, role))
            cx.anchor = cx.prev = d
        return out


class Context:
    """What a yearless or relative day is read against."""

    def __init__(self, reference):
        self.anchor = None   # last day or year-month (d = 0)
        self.prev = None     # last day emitted
        self.ahead = None    # first dated item of the text
        self.header = None   # issue date, for 本日
        self.reference = reference

    def base(self):
        if self.anchor:
            return self.anchor
        return self.ahead or self.reference

    def issue(self):
        return self.header or self.base()

    def word_year(self, r):
        """The year a year word (同年, 昨年 ...) names, or 0."""
        b = self.issue() if r.yissue else self.anchor
        return b[0] + r.yadd if b else 0

    def short_year(self, yy):
        b = self.base()
        if not b:
            return 0
        for base in SHORT_YEAR_BASES:
            y = base + yy
            if b[0] - 2 <= y <= b[0] + 1 and in_years(y):
                return y
        return 0

    def resolve_rel(self, r):
        p, z = self.prev, (0, 0, 0)
        if r.rel == REL_SAME:
            return p or z
        if r.rel == REL_NEXT:
            return add_days(p, 1) if p else z
        if r.rel == REL_NEXT2:
            return add_days(p, 2) if p else z
        if r.rel == REL_YESTERDAY:
            return add_days(self.header, -1) if self.header else z
        if r.rel == REL_PREV:
            return add_days(p, -1) if p else z
        if r.rel == REL_NEXT_DOM:
            if not p:
                return z
            if r.d > p[2]:
                return p[0], p[1], r.d
            return (p[0] + 1, 1, r.d) if p[1] == 12 else (p[0], p[1] + 1, r.d)
        if r.rel == REL_TODAY:
            h = self.header
            if h:
                return (h[0], h[1], r.d) if r.d else h
            if r.d and self.anchor:
                return self.anchor[0], self.anchor[1], r.d
        return z

    def resolve_day(self, r, start):
        z = (0, 0, 0)
        if r.y:
            return r.y, r.m, r.d
        if r.yshort:
            y = self.short_year(r.yshort)
            return (y, r.m, r.d) if y else z
        if start:
            y = self.word_year(r) if r.yword and r.yissue else 0
            d = [y or start[0] + (r.yadd if r.yword else 0),
                 r.m or start[1] + r.mnext, r.d]
            if d[1] == 13:
                d = [d[0] + 1, 1, d[2]]
            if ymd_valid(d) and to_days(d) < to_days(start):
                if r.m:
                    d[0] += 1
                elif d[1] == 12:
                    d = [d[0] + 1, 1, d[2]]
                else:
                    d[1] += 1
            return tuple(d)
        if r.yword:
            y = self.word_year(r)
            return (y, r.m, r.d) if y else z
        if r.mprev:
            b = self.issue()
            if not b or not b[1]:
                return z
            return (b[0] - 1, 12, r.d) if b[1] == 1 else (b[0], b[1] - 1, r.d)
        b = self.base()
        if not b:
            return z
        if not r.m:
            if not b[1]:
                return z
            if not r.mnext:
                return b[0], b[1], r.d
            return (b[0] + 1, 1, r.d) if b[1] == 12 else (b[0], b[1] + 1, r.d)
        return infer_year(b, r.m, r.d, r.wd), r.m, r.d


def infer_year(base, m, d, wd):
    """The year of M/D written without one, given the context day `base`
    (d may be 0 for a month) and the weekday written (-1 if none)."""
    if wd >= 0:
        hits = [y for y in range(base[0] - 1, base[0] + 2)
                if ymd_valid((y, m, d)) and weekday_of((y, m, d)) == wd]
        if len(hits) == 1:
            return hits[0]
    # compare at the 28th for 2月29日 so an invalid year does not matter
    diff = (to_days((base[0], m, 28 if m == 2 and d == 29 else d))
            - to_days((base[0], base[1], base[2] or 15)))
    if diff > ROLL_DAYS:
        return base[0] - 1
    if diff < -ROLL_DAYS:
        return base[0] + 1
    return base[0]


# ---- date roles (nf_date.c, nf_date_roles) ---------------------------------

class CueHit:
    """What the cue words after a day say."""
    __slots__ = ("found", "occurred", "reported", "plan", "told")

    def __init__(self):
        self.found = 0          # 0 none, 1 weak, 2 strong
        self.occurred = self.reported = self.plan = self.told = False

    def silent(self):
        return not (self.found or self.occurred or self.reported or self.plan)


class DateRoles:
    def __init__(self, text, sc):
        self.text = text
        self.s = text.s
        self.n = text.n
        self.sc = sc   # a DateScan, for its weekday and time readers

    def negated(self, i):
        s = self.s
        for i in range(i, ahead(s, i, NEG_WINDOW)):
            if s[i] in "\n。、":
                return False
            if at_any(s, i, NEGATIONS):
                return True
        return False

    def scan_cues(self, a, b, h):
        """Scan the cue words starting in [a, b). A plan word before any
        finding ends the scan."""
        s = self.s
        i = a
        while i < b:
            m = DATE_CUE_RE.search(s, i, b + DATE_CUE_MAXLEN - 1)
            if not m or m.start() >= b:
                return
            i = m.end()
            kind = DATE_CUE_KIND[m.group()]
            if kind in (CUE_FOUND, CUE_FOUND_WEAK):
                if (ends_with_any(s, m.start(), HONORIFICS)
                        or at_any(s, i, CUE_NOUNS) or self.negated(i)):
                    continue
                if not h.found:
                    h.told = h.occurred
                if kind == CUE_FOUND:
                    h.found = 2
                elif not h.found:
                    h.found = 1
            elif kind == CUE_OCCURRED:
                h.occurred = True
            elif kind == CUE_REPORTED:
                # 1月4日付けで掲載しましたが、...判明: the day of the telling
                h.reported = True
                if not h.found:
                    return
            elif kind == CUE_PLAN and not h.found:
                h.plan = True
                return

    def sentence_end(self, i, lim):
        s = self.s
        a = s.find("\n", i, lim)
        b = s.find("。", i, lim)
        ends = [k for k in (a, b) if k >= 0]
        return min(ends) if ends else lim

    def para_end(self, q, lim):
        """End of the events told after a day opening its line: the rest of
        the line, or the next line when the day stands alone as a heading."""
        s = self.s
        i = s.find("\n", q, lim)
        if i < 0:
            return lim
        for k in range(q, i):
            if s[k] >= "\u3000" and s[k] not in HEADING_MARKS:
                return i
        k = s.find("\n", i + 1, lim)
        return lim if k < 0 else k

    def period_score(self, fo, fe, a, b):
        """3 under a campaign label, 2 with 期間 or にかけて near, 1 bare."""
        s = self.s
        lo = behind(s, fo[a], LABEL_BACK)
        if a > 0 and lo < fe[a - 1] <= fo[a]:
            lo = fe[a - 1]
        if starts_in(s, PERIOD_LABELS_STRONG, lo, fo[a]):
            return 3
        if starts_in(s, PERIOD_LABELS, lo, fo[a]):
            return 2
        to = ahead(s, fe[b], LABEL_FWD)
        if b + 1 < len(fo) and fo[b + 1] < to:
            to = fo[b + 1]
        to = self.sentence_end(fe[b], to)
        if starts_in(s, PERIOD_AFTER_STRONG, fe[b], to):
            return 3
        if starts_in(s, PERIOD_LABELS, fe[b], to):
            return 2
        return 1

    def only_enum(self, a, b):
        while a < b:
            w = at_any(self.s, a, ENUM_MARKS)
            if not w:
                return False
            a += w
        return True

    def assign(self, dates, published, cat):
        """Roles of the dates; returns (discovered, period_start,
        period_end) indexes or -1."""
        n = len(dates)
        if n == 0:
            return -1, -1, -1
        s, sc = self.s, self.sc
        pub = dates[published].date if published >= 0 else None
        fo = [m.fo for m in dates]
        fe = [m.fe for m in dates]
        cand = [m.role in (ROLE_PERIOD_START, ROLE_PERIOD_END) for m in dates]
        # the period: the best-labelled range (or one-day time window)
        best_score, ps, pe = 0, -1, -1
        for k in range(n):
            if cat == CAT_OTHER or dates[k].role != ROLE_PERIOD_START:
                continue
            b = k
            if k + 1 < n and dates[k + 1].role == ROLE_PERIOD_END:
                b = k + 1
            score = self.period_score(fo, fe, k, b)
            if cat == CAT_INCIDENT and score < 2:
                continue
            if score > best_score:
                best_score, ps, pe = score, k, b
        # ① X ~ Y ② Z on one line: the period runs to the last day listed
        while (pe >= 0 and pe + 1 < n and fo[pe + 1] > fe[pe]
               and self.only_enum(fe[pe], fo[pe + 1])):
            pe += 1

        for m in dates:
            m.role = ROLE_OTHER
        # cue words: from each day to the next one, in its sentence first
        hits, same = [], []
        for k in range(n):
            lim = fo[k + 1] if k + 1 < n and fo[k + 1] > fe[k] else self.n
            send = self.sentence_end(
                fe[k], min(lim, ahead(s, fe[k], CUE_SENTENCE_MAX)))
            h = CueHit()
            self.scan_cues(fe[k], send, h)
            hits.append(h)
            # the sentence goes on into the next day
            same.append(k + 1 < n and send == lim and lim == fo[k + 1])
            if h.occurred:
                dates[k].role = ROLE_OCCURRED
            elif h.reported and not h.found:
                dates[k].role = ROLE_REPORTED
        # handed[k]: the tier of a finding that the next days of k's sentence
        # tell of an event of theirs
        handed = [0] * n
        for k in range(n - 2, -1, -1):
            nx = hits[k + 1]
            if not same[k]:
                continue
            if nx.found and (nx.told or cand[k + 1]):
                handed[k] = 3 if nx.found == 2 else 1
            elif not nx.found and not nx.reported and not nx.plan:
                handed[k] = handed[k + 1]
        best_tier, best = 0, -1
        for k in range(n):
            h = hits[k]
            if cat != CAT_INCIDENT or cand[k] or dates[k].date == pub:
                continue
            # a bound or reference point is not the day of the finding
            q = sc.skip_time(sc.read_weekday(fe[k])[0])
            if at_any(s, sc.skip_sp(q), BOUND_AFTER):
                continue
            tier = 3 if h.found == 2 else h.found
            # 2日に不正アクセスを受けていたことが判明: the event's day
            if h.told and tier > 1:
                tier = 1
            # a day with no words of its own opening a sentence whose later
            # days are the event's takes the finding
            if h.silent():
                tier = handed[k]
            lab = behind(s, fo[k], FOUND_LABEL_BACK)
            if k > 0 and lab < fe[k - 1] <= fo[k]:
                lab = fe[k - 1]
            if starts_in(s, FOUND_LABELS,
                         max(self.text.line_start(fo[k]), lab), fo[k]):
                tier = 3
            # a day opening a paragraph of events takes the finding later
            # in it, unless its own sentence says what the day was
            if not tier and h.silent():
                lim = fo[k + 1] if k + 1 < n and fo[k + 1] > fe[k] else self.n
                send = self.sentence_end(
                    fe[k], min(lim, ahead(s, fe[k], CUE_SENTENCE_MAX)))
                pend = self.para_end(
                    q, min(lim, ahead(s, fe[k], CUE_PARA_MAX)))
                hp = CueHit()
                self.scan_cues(send, pend, hp)
                tier = 2 if hp.found == 2 else 0
            if tier > best_tier:
                best_tier, best = tier, k
        if best >= 0:
            dates[best].role = ROLE_DISCOVERED
        if ps >= 0:
            dates[ps].role = ROLE_PERIOD_START
            if pe != ps:
                dates[pe].role = ROLE_PERIOD_END
        if published >= 0:
            dates[published].role = ROLE_PUBLISHED
        return best, ps, pe


# ---- header: organization, title, publication date (nf_parse.c) -----------

# Zones and windows, in bytes as in nf_parse.c.
HEAD_MAX_LINES = 12
HEAD_MAX_BYTES = 6144
PROSE_LINE_BYTES = 240      # a longer line is prose
TAIL_MAX_LINES = 6
TAIL_MAX_BYTES = 2048
SIG_LINE_BYTES = 320        # a longer line is no signature
FRONT_BYTES = 1536          # the front zone
NAME_MAX_BYTES = 120        # a longer name is a phrase
LABEL_BACK_BYTES = 30       # gap between a label and its date
PUB_AFTER_BYTES = 24        # weekday and time before 配信
NAV_MAX_BYTES = 160         # navigation lines are short
LEAD_SENTENCES = 3
TITLE_MIN_CHARS = 6
SENTENCE_MAX_BYTES = 400    # a sentence read for its subject
PAREN_MAX_BYTES = 60        # a parenthetical after a name
LABEL_MAX_BYTES = 120       # a 【feed label】

LEGAL_WORDS = (
    "地方独立行政法人", "独立行政法人", "国立大学法人", "公立大学法人",
    "一般社団法人", "公益社団法人", "一般財団法人", "公益財団法人",
    "社会福祉法人", "特定非営利活動法人", "NPO法人", "学校法人",
    "医療法人社団", "医療法人", "宗教法人", "株式会社", "有限会社",
    "合同会社", "合資会社", "合名会社")
NAME_ENDINGS = (
    "株式会社", "有限会社", "合同会社", "大学", "大学校", "短期大学",
    "県立大", "市立大", "府立大", "高校", "高等学校", "中学校", "小学校",
    "学園", "病院", "医院", "クリニック", "診療所", "市", "県", "府", "町",
    "村", "役場", "事務所", "委員会", "協議会", "協会", "組合", "機構",
    "銀行", "信用金庫", "信用組合", "金庫", "研究所", "製作所", "新聞社",
    "通信社", "赤十字社", "省", "庁")
# The longest ending at a place, found at every place of a name run.
ENDING_AT = re.compile("(?=(%s))" % "|".join(
    sorted(NAME_ENDINGS, key=len, reverse=True)))
SELF_PREFIXES = "本当弊同各全両貴他該"
PARTICLES = ("の", "は", "が", "を", "に", "で", "と", "へ", "も", "や",
             "より", "から")
SELF_ALIASES = (
    "当社", "弊社", "当院", "本学", "当学", "当法人", "当会", "当協会",
    "当金庫", "当組合", "当財団", "当機構", "当行", "本市", "当市", "本県")
ROLE_WORDS = (
    "代表取締役", "取締役社長", "代表理事", "理事長", "代表者", "代表",
    "学長", "院長", "病院長", "市長", "町長", "村長", "知事", "社長", "会長")
ORG_LABELS = ("会社名", "企業名", "組織名", "団体名", "法人名", "事業者名")
PUB_LABELS = ("発表日時", "発表日", "公表日", "更新日", "掲載日", "公開日",
              "発行日", "配信日", "投稿日", "作成日", "リリース日")
UPDATE_LABEL = "更新日"
PUB_AFTER = ("配信", "発表", "公開", "更新", "掲載")
BYLINE_WORDS = ("編集部", "編集局", "編集", "記者", "報道部", "取材班")
NEWS_VERBS = ("発表", "公表")
PARSE_WEEKDAYS = ("月", "火", "水", "木", "金", "土", "日", "曜", "祝")
NAV_WORDS = ("メニュー", "移動", "ナビ", "スキップ", "ラベル")
BULLETS = ("•", "■", "□", "●", "○", "◆", "◇", "・", "-", "*", "▼")
BLANKS = " \t\r"

CC_OTHER, CC_KANJI, CC_HIRA, CC_KATA, CC_LATIN = range(5)
_cclass_cache = {}


def cclass(c):
    """Class of a character for names: kanji, hiragana, katakana (・ and ー
    included), latin (letters and digits of alphabetic scripts), other."""
    if c < "\x80":
        return CC_LATIN if c in ASCII_ALNUM else CC_OTHER
    k = _cclass_cache.get(c)
    if k is None:
        cp = ord(c)
        if 0x3041 <= cp <= 0x309F:
            k = CC_HIRA
        elif (0x30A1 <= cp <= 0x30FF or 0x31F0 <= cp <= 0x31FF
              or 0xFF66 <= cp <= 0xFF9F):
            k = CC_KATA
        elif (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF
              or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x3FFFF
              or cp in (0x3005, 0x3006)):
            k = CC_KANJI
        elif unicodedata.category(c) in ("Lu", "Ll", "Lt", "Nd"):
            k = CC_LATIN
        else:
            k = CC_OTHER
        _cclass_cache[c] = k
    return k


NAME_CLASSES = (CC_KANJI, CC_KATA, CC_LATIN)


class Line:
    __slots__ = ("s", "e")

    def __init__(self, s, e):
        self.s, self.e = s, e


class Header:
    """nf_parse.c: organization, title and published date."""

    def __init__(self, text, dates):
        self.text = text
        self.s = text.s
        self.n = text.n
        self.dates = dates
        self.date_fo = [m.fo for m in dates]

    # -- helpers --

    def skip_blanks(self, i, e):
        while i < e and self.s[i] in BLANKS:
            i += 1
        return i

    def word_at(self, i, e, words):
        """Length of the longest word of `words` at i, within e."""
        best = 0
        for w in words:
            if len(w) > best and self.s.startswith(w, i, e):
                best = len(w)
        return best

    def name_run(self, i, e):
        """Kanji, katakana, latin, with hiragana only before the first other
        character (さくら信用金庫): its end, or i."""
        s = self.s
        j = i
        other = False
        nb = 0
        while j < e and nb < NAME_MAX_BYTES:
            nb += char_bytes(s[j])
            c = cclass(s[j])
            if c == CC_HIRA:
                if other:
                    break
            elif c in NAME_CLASSES:
                other = True
            else:
                break
            j += 1
        if not other:
            return i    # hiragana alone is prose
        while j > i and cclass(s[j - 1]) == CC_HIRA:
            j -= 1
        return j

    def is_self(self, st, name_end):
        """A one-character self reference before an ending (本市, 当院)."""
        return st + 1 == name_end and self.s[st] in SELF_PREFIXES

    def ending_prefix(self, st, e):
        """End of the longest prefix of the name run [st, e) that ends in an
        organization word with a name before it, or st."""
        best = st
        for m in ENDING_AT.finditer(self.s, st + 1, e):
            j = m.start()
            if j + len(m.group(1)) > best and not self.is_self(st, j):
                best = j + len(m.group(1))
        return best

    def after_company_word(self, st, e):
        """"子会社サンプルペイ": the index after 会社, or st."""
        k = self.s.find("会社", st, e)
        if k < 0 or k + 2 >= e:
            return st
        if k >= st + 2 and self.word_at(k - 2, e, LEGAL_WORDS):
            return st   # 株式会社X is a legal phrase, handled as such
        return k + 2

    def skip_paren(self, i, e):
        if i >= e or self.s[i] != "(":
            return i
        k = self.s.find(")", i + 1, min(e, ahead(self.s, i, PAREN_MAX_BYTES)))
        return i if k < 0 else k + 1

    def token_ends(self, k, e):
        return k >= e or self.s[k] in BLANKS or self.s[k] == "("

    def kana_name_run(self, i, e):
        s = self.s
        j = i
        nb = 0
        while j < e and nb < NAME_MAX_BYTES and cclass(s[j]) != CC_OTHER:
            nb += char_bytes(s[j])
            j += 1
        while j > i and cclass(s[j - 1]) == CC_HIRA:
            j -= 1
        return j

    def all_latin(self, a, b):
        return all(c in ASCII_ALNUM for c in self.s[a:b])

    def org_at(self, i, e, full):
        """An organization starting at i: legal word + name, name + legal
        word, or a name run cut after its organization word; with `full`
        it must fill its token. Its end, or i."""
        s = self.s
        ln = self.word_at(i, e, LEGAL_WORDS)
        if ln:
            j = self.skip_blanks(i + ln, e)
            r = self.name_run(j, e)
            if r == j or self.word_at(j, e, PARTICLES):
                return i
            # after its legal word a name may hold hiragana inside when it
            # fills its token
            k = self.kana_name_run(j, e)
            return k if k > r and self.token_ends(k, e) else r
        r = self.name_run(i, e)
        if r == i:
            return i
        j = self.skip_blanks(r, e)
        ln = self.word_at(j, e, LEGAL_WORDS)
        if ln and j - r <= 3:
            return j + ln
        # "Brightleaf Systems Japan 株式会社": latin words, one blank apart
        q = r
        if self.all_latin(i, r):
            while j - q == 1 and j - i < NAME_MAX_BYTES:   # ASCII only
                w = self.name_run(j, e)
                if w == j or not self.all_latin(j, w):
                    break
                q = w
                k = self.skip_blanks(q, e)
                ln = self.word_at(k, e, LEGAL_WORDS)
                if ln and k - q <= 3:
                    return k + ln
                j = self.skip_blanks(q, e)
        if s.endswith("会社", i, r) or s.endswith("法人", i, r):
            for w in LEGAL_WORDS:
                if s.endswith(w, i, r) and r - i > len(w):
                    return r
        k = self.ending_prefix(i, r)
        if k == i or (full and k != r):
            return i
        return k

    def trim_line(self, st, e):
        """Trim a line and drop a leading bullet."""
        st = self.skip_blanks(st, e)
        b = self.word_at(st, e, BULLETS)
        if b:
            st = self.skip_blanks(st + b, e)
        while e > st and self.s[e - 1] in BLANKS:
            e -= 1
        return Line(st, e)

    def skip_label(self, st, e):
        """Skip a leading "【…】" or "[…]" feed label."""
        s = self.s
        if s.startswith("【", st):
            close = "】"
        elif st < e and s[st] == "[":
            close = "]"
        else:
            return st
        k = s.find(close, st, min(e, ahead(s, st, LABEL_MAX_BYTES)))
        return st if k < 0 else self.skip_blanks(k + 1, e)

    def is_prose(self, ln):
        return ("。" in self.s[ln.s:ln.e]
                or utf8_len(self.s[ln.s:ln.e]) > PROSE_LINE_BYTES)

    def is_nav(self, ln):
        line = self.s[ln.s:ln.e]
        return (utf8_len(line) <= NAV_MAX_BYTES
                and any(w in line for w in NAV_WORDS))

    def head_lines(self):
        """Leading non-empty lines up to the first prose line."""
        lines = []
        i = 0
        lim = ahead(self.s, 0, HEAD_MAX_BYTES)
        while i < lim and len(lines) < HEAD_MAX_LINES:
            e = self.text.line_end(i)
            ln = self.trim_line(i, e)
            i = e + 1
            if ln.s == ln.e or self.is_nav(ln):
                continue
            lines.append(ln)
            if self.is_prose(ln):
                break
        return lines

    def tail_lines(self):
        """The last short lines, in text order, back to the first long
        one."""
        s = self.s
        lines = []
        e = self.n
        top = behind(s, self.n, TAIL_MAX_BYTES)
        while e > top and len(lines) < TAIL_MAX_LINES:
            le = e - 1 if s[e - 1] == "\n" else e
            lo = behind(s, le, SIG_LINE_BYTES)
            p = s.rfind("\n", lo, le)
            st = p + 1 if p >= 0 else lo
            if st > 0 and s[st - 1] != "\n":
                break   # a long line: the signature zone ends
            ln = self.trim_line(st, le)
            if ln.s != ln.e:
                lines.append(ln)
            e = st
        lines.reverse()
        return lines

    # -- organization --

    def subject_name(self, st, p):
        """The name before a subject particle at p in the sentence from st:
        after the last 、, と-conjunct and の. (start, end, paren) or
        None."""
        s = self.s
        e = p
        paren = False
        if e > st and s[e - 1] == ")":
            q = s.rfind("(", max(st, behind(s, e, PAREN_MAX_BYTES)), e - 1)
            if q < 0:
                return None
            # a note on a name: an abbreviation or a place, never a date
            if any(is_digit(c) or c in "〜~" for c in s[q:e]):
                return None
            paren = True
            e = q
        k = max(s.rfind("、", st, e), s.rfind(",", st, e))
        if k >= 0:
            st = k + 1
        for k in range(st + 1, e):
            if s[k] == "と" and cclass(s[k - 1]) != CC_HIRA:
                e = k   # みなと銀行 keeps its と: it follows kana
                break
        b = st
        for k in range(st, e):
            if s[k] in "の ":
                b = k + 1
        b = self.after_company_word(b, e)
        if self.name_run(b, e) != e or e == b:
            return None
        return b, e, paren

    def subject_mark(self, st, e):
        """The first は after a name, else the first such が; or e."""
        s = self.s
        first_ga = e
        for k in range(st + 1, e):
            c = s[k]
            if c != "は" and c != "が":
                continue
            if cclass(s[k - 1]) not in NAME_CLASSES and s[k - 1] != ")":
                continue
            if c == "は":
                return k
            if first_ga == e:
                first_ga = k
        return first_ga

    def news_subject(self, ln, lead):
        """News lead: the subject "Xは" / "Xが" of the first sentences."""
        s = self.s
        ss = ln.s
        for sent in range(0 if lead else 1, LEAD_SENTENCES):
            if ss >= ln.e:
                break
            lim = min(ln.e, ahead(s, ss, SENTENCE_MAX_BYTES))
            end = s.find("。", ss, lim)
            if end < 0:
                end = lim
            k = self.subject_mark(ss, end)
            got = self.subject_name(ss, k) if k < end else None
            if got:
                st, e, paren = got
                if self.org_at(st, e, True) == e:
                    return st, e
                if any(s.find(v, k, end) >= 0 for v in NEWS_VERBS):
                    paren = True
                if sent == 0 and paren and utf8_len(s[st:e]) >= 6 and \
                        not self.is_self(st, e):
                    return st, e
            if end == lim:
                break
            ss = end + 1
        return None

    def lead_name(self, ln):
        """A lead opening with a code-and-kanji name ("ABC東日本で…")."""
        s = self.s
        r = self.name_run(ln.s, ln.e)
        if r == ln.s or s[r:r + 1] not in ("で", "は", "が"):
            return None
        name = s[ln.s:r]
        if (not any("A" <= c <= "Z" for c in name)
                or not any(cclass(c) == CC_KANJI for c in name)):
            return None
        return ln.s, r

    def front_end(self):
        return ahead(self.s, 0, FRONT_BYTES)

    def defined_self(self):
        """A definition "X(以下、「当社」)" in the front zone."""
        s = self.s
        lim = self.front_end()
        k = 0
        while k < lim:
            p = s.find("(以下", k, lim)
            if p < 0:
                break
            k = p + 1
            q = p + 3
            while q < lim and s[q] in "、「 ,":
                q += 1
            if not self.word_at(q, lim, SELF_ALIASES) or p == 0:
                continue
            st = p
            nb = 0
            while st > 0 and nb < NAME_MAX_BYTES and \
                    cclass(s[st - 1]) in NAME_CLASSES:
                st -= 1
                nb += char_bytes(s[st])
            if st < p and not self.is_self(st, p):
                return st, p
        return None

    def labelled_org(self):
        """An aggregator field "会社名 | X |" or "会社名:X"."""
        s = self.s
        lim = self.front_end()
        frm = 0
        while True:
            p = s.find("名", frm, lim)
            if p < 0:
                return None
            frm = p + 1
            ln = 0
            for lab in ORG_LABELS:
                if s.endswith(lab, 0, frm):
                    ln = len(lab)
                    break
            # a field stands at a line start or a table cell, not in prose
            if not ln or (frm - ln > 0 and s[frm - ln - 1] not in "\n|"
                          and s[frm - ln - 1] not in BLANKS):
                continue
            e = self.text.line_end(frm)
            q = frm
            while q < e and (s[q] in BLANKS or s[q] in "|:】"):
                q += 1
            if q == frm:
                continue    # no separator: "会社名等" is prose
            r = self.org_at(q, e, False)
            if r == q:
                r = self.name_run(q, e)
                if r == q or (not self.token_ends(r, e) and s[r] != "|"):
                    continue
            return q, r

    def first_legal(self):
        """The first legal-entity phrase of the front zone."""
        s = self.s
        lim = self.front_end()
        best = None
        for tail in ("会社", "法人"):
            frm = 0
            while True:
                p = s.find(tail, frm, lim)
                if p < 0:
                    break
                frm = p + 2
                for w in LEGAL_WORDS:
                    if not s.endswith(w, 0, frm):
                        continue
                    st = frm - len(w)
                    r = self.org_at(st, self.text.line_end(st), False)
                    if r > st and (best is None or st < best[0]):
                        best = (st, r)
                    break
                if best:
                    break   # later hits of this tail stand further on
        return best

    def org_line(self, ln):
        """A line that is an organization, alone or before a role word."""
        st = self.skip_blanks(self.skip_paren(ln.s, ln.e), ln.e)
        r = self.org_at(st, ln.e, True)
        if r == st:
            # before a role word any name is the signer's organization
            r = self.name_run(st, ln.e)
            k = self.skip_blanks(r, ln.e)
            if r == st or k == r or not self.word_at(k, ln.e, ROLE_WORDS):
                return None
            return st, r
        k = self.skip_blanks(self.skip_paren(r, ln.e), ln.e)
        if k < ln.e and not self.word_at(k, ln.e, ROLE_WORDS):
            return None
        return st, r

    def title_org(self, ln):
        """The headline's organization: its first token, or its last one
        after a blank. (start, end, leading) or None."""
        st = self.skip_label(ln.s, ln.e)
        r = self.org_at(st, ln.e, True)
        if r > st and self.token_ends(r, ln.e):
            return st, r, True
        # an organization word may also start a title: "山川市保有の…"
        r = self.org_at(st, ln.e, False)
        if r > st:
            return st, r, False
        k = ln.e
        while k > st and self.s[k - 1] not in BLANKS:
            k -= 1
        if k > st and self.org_at(k, ln.e, True) == ln.e:
            return k, ln.e, False
        return None

    # -- publication date --

    def trivial_rest(self, i, e):
        """Is [i, e) only a weekday, a time and a publication word?"""
        s = self.s
        while i < e:
            c = s[i]
            if c in BLANKS or c in "():" or is_digit(c):
                i += 1
                continue
            w = (self.word_at(i, e, PARSE_WEEKDAYS)
                 or self.word_at(i, e, PUB_AFTER))
            if not w:
                return False
            i += w
        return True

    def line_dates(self, ln):
        """Indexes of the dates starting inside the line."""
        a = bisect_left(self.date_fo, ln.s)
        b = bisect_left(self.date_fo, ln.e, a)
        return range(a, b)

    def range_mark(self, i):
        s = self.s
        return s[i] == "~" or s.startswith("〜", i) or s.startswith("から", i)

    def title_date(self, ln):
        """The title line's trailing date, not a range end; or -1."""
        s = self.s
        r = self.line_dates(ln)
        if not r:
            return -1
        last = r[-1]
        ds, de = self.dates[last].fo, self.dates[last].fe
        if ds <= ln.s or not self.trivial_rest(de, ln.e):
            return -1
        p = ds - 1
        while p > ln.s and s[p] in BLANKS:
            p -= 1
        if self.range_mark(p) or s[p] == "(":
            return -1
        if s[ds - 1] not in BLANKS and not self.word_at(p, ln.e, PUB_LABELS):
            return -1
        return last

    def date_line(self, ln):
        """A line holding one date and nothing but weekday/time."""
        r = self.line_dates(ln)
        if len(r) != 1:
            return -1
        m = self.dates[r[0]]
        if not self.trivial_rest(ln.s, m.fo) or \
                not self.trivial_rest(m.fe, ln.e):
            return -1
        return r[0]

    def dated_line(self, ln):
        """A line opening with the notice's date, then its issuer or byline:
        (date index, rest) or (-1, None)."""
        s = self.s
        r = self.line_dates(ln)
        if len(r) != 1 or self.dates[r[0]].fo != ln.s:
            return -1, None
        q = self.dates[r[0]].fe
        while q < ln.e and (s[q] in BLANKS or s[q] in ":()" or is_digit(s[q])
                            or s[q] in PARSE_WEEKDAYS):
            q += 1
        if (q >= ln.e or utf8_len(s[q:ln.e]) > NAV_MAX_BYTES // 2
                or "。" in s[q:ln.e]):
            return -1, None
        rest = Line(q, ln.e)
        if self.org_line(rest):
            return r[0], rest
        if any(s.endswith(w, q, ln.e) for w in BYLINE_WORDS):
            return r[0], rest
        return -1, None

    def labelled_date(self, tail_start):
        """A date with a publication label before it ("更新日:", "発表日時 |
        ") or a publication word after it ("19:23配信"); or -1."""
        s = self.s
        front = self.front_end()
        updated = -1
        for k, m in enumerate(self.dates):
            if front <= m.fo < tail_start:
                continue    # a date in the story is not the notice's
            ds, de = m.fo, m.fe
            lo = behind(s, ds, LABEL_BACK_BYTES + 12)
            ls = max(s.rfind("\n", lo, ds) + 1, lo)
            hi = ahead(s, de, LABEL_BACK_BYTES)
            le = s.find("\n", de, hi)
            if le < 0:
                le = hi
            # back over the gap ("更新日付: ", "発表日時 | ") to the label
            q = ds
            gap = 0
            while q > ls and gap < LABEL_BACK_BYTES and \
                    (s[q - 1] in BLANKS or s[q - 1] in ":|付時"):
                q -= 1
                gap += char_bytes(s[q])
            w = 0
            for lab in PUB_LABELS:
                if s.endswith(lab, ls, q):
                    w = 2 if lab == UPDATE_LABEL else 1
                    break
            if w == 1:
                return k
            if w == 2 and updated < 0:
                updated = k
            j = de
            gap = 0
            while j < le and gap < PUB_AFTER_BYTES and \
                    (s[j] in BLANKS or s[j] in "():" or is_digit(s[j])
                     or s[j] in PARSE_WEEKDAYS):
                gap += char_bytes(s[j])
                j += 1
            if s.startswith("配信", j):
                return k
        return updated

    # -- entry --

    def meta_line(self, ln):
        """The issuer alone or with its signer, or a labelled field."""
        return bool(self.word_at(ln.s, ln.e, PUB_LABELS) or self.org_line(ln))

    def parse(self):
        """(organization (start, end) or None, title (start, end) or None,
        published index or -1), in folded indexes."""
        s = self.s
        head = self.head_lines()
        tail = self.tail_lines()
        title_line = -1
        for k, ln in enumerate(head):
            if (ln.e - ln.s >= TITLE_MIN_CHARS and self.date_line(ln) < 0
                    and not self.meta_line(ln)):
                title_line = k
                break

        # organization: header lines in order, then body forms, trailer
        org = None
        leading = False
        for k, ln in enumerate(head):
            got = self.title_org(ln)
            if got:
                org, leading = got[:2], got[2]
                if not leading and k != title_line and not self.is_prose(ln):
                    org = None  # a prefix or last-token org: title or lead
            if not org:
                d, rest = self.dated_line(ln)
                if d >= 0:
                    org = self.org_line(rest)   # "2025年6月25日 ○○株式会社"
            if not org and self.is_prose(ln):
                org = self.lead_name(ln) or self.news_subject(ln, True)
            if org:
                break
        if not org and head and self.is_prose(head[-1]):
            # the lead's next paragraph: "…と、○○協議会は述べています"
            i = head[-1].e
            while i < self.n and (s[i] == "\n" or s[i] in BLANKS):
                i += 1
            e = self.text.line_end(i)
            if i < e:
                org = self.news_subject(self.trim_line(i, e), False)
        if not org:
            org = self.defined_self() or self.labelled_org()
        for ln in tail:
            if org:
                break
            org = self.org_line(ln)
        if not org:
            org = self.first_legal()

        # title: the headline, without its feed label, org and date
        title = None
        pub = -1
        if title_line >= 0:
            ln = head[title_line]
            d = self.title_date(ln)
            ts = self.skip_label(ln.s, ln.e)
            te = ln.e
            if leading and org and ts < org[1] <= te and org[0] == ts:
                ts = self.skip_blanks(org[1], te)
            if d >= 0:
                if self.dates[d].fo > ts:
                    te = self.dates[d].fo
                pub = d
            while te > ts and s[te - 1] in BLANKS:
                te -= 1
            if te > ts:
                title = (ts, te)

        # published: headline date, labelled date, header date line, then
        # a signature's date line
        if pub < 0:
            pub = self.labelled_date(tail[0].s if tail else self.n)
        for ln in head:
            if pub >= 0:
                break
            pub = self.date_line(ln)
            if pub < 0:
                pub = self.dated_line(ln)[0]
        for k, ln in enumerate(tail):
            if pub >= 0:
                break
            pub = self.date_line(ln)
            if pub >= 0 and k + 1 < len(tail) and \
                    not self.org_line(tail[k + 1]):
                pub = -1    # a signature date stands above the signer
        return org, title, pub


# ---- classification (nf_classify.c) ----------------------------------------

CAT_OTHER, CAT_INCIDENT, CAT_CAMPAIGN = range(3)
CATEGORY_NAMES = ("other", "incident", "loyalty_campaign")
HIT_CAP = 3             # a cue counts at most this many times
TITLE_MAX_BYTES = 200   # a longer title is a lead sentence
TITLE_BONUS = 2
OTHER_PRIOR = 4.0
DIGEST_MIN = 6.0
DIGEST_ITEMS = 3
ITEM_WT = 2.0
ITEM_MAX_BYTES = 160    # a news item is a short line
EVENT_WT = 2
EVENT_SENT_WT = 3.0
EVENT_CAP = 3
EVENT_GOODS_DIV = 3.0
CONF_HALF = 4.0
DENY_TRIES = 4
NEAR_BYTES = 60         # how far a partner word may stand from its cue
CLAUSE_BYTES = 150      # a clause read after a cue

SIG_INCIDENT, SIG_CAMPAIGN, SIG_OTHER, SIG_DIGEST = range(4)
SIG_NAMES = ("incident", "loyalty_campaign", "other", "other")
(IT_UNAUTHORIZED_ACCESS, IT_RANSOMWARE, IT_MALWARE, IT_ACCOUNT_COMPROMISE,
 IT_PAYMENT_CARD_LEAK, IT_LOST_OR_STOLEN, IT_MISDELIVERY, IT_INSIDER,
 IT_PHISHING, IT_MISCONFIGURATION) = range(10)
ITYPE_NAMES = ("unauthorized_access", "ransomware", "malware",
               "account_compromise", "payment_card_leak", "lost_or_stolen",
               "misdelivery", "insider", "phishing", "misconfiguration")
F_NEG, F_TERMS, F_GOODS, F_AFTER, F_WEAK, F_NOUN, F_EVENT = \
    1, 2, 4, 8, 16, 32, 64
NO_TYPE = -1
INC, CMP, OTH, DIG = SIG_INCIDENT, SIG_CAMPAIGN, SIG_OTHER, SIG_DIGEST

# (word, signal, weight, incident type, flags, partner word, cancelling
# word right after); see nf_classify.c for the reasoning of each entry.
CLASS_CUES = (
    ("不正アクセス", INC, 3, IT_UNAUTHORIZED_ACCESS, F_NEG, None, "禁止法"),
    ("サイバー攻撃", INC, 2, IT_UNAUTHORIZED_ACCESS, F_NEG | F_WEAK, None, None),
    ("攻撃を受け", INC, 2, IT_UNAUTHORIZED_ACCESS, F_NEG | F_WEAK, None, None),
    ("改ざん", INC, 2, IT_UNAUTHORIZED_ACCESS, F_NEG, None, "防止"),
    ("侵入", INC, 1, NO_TYPE, 0, None, None),
    ("ランサムウェア", INC, 3, IT_RANSOMWARE, 0, None, None),
    ("ランサムウエア", INC, 3, IT_RANSOMWARE, 0, None, None),
    ("Emotet", INC, 3, IT_MALWARE, 0, None, None),
    ("エモテット", INC, 3, IT_MALWARE, 0, None, None),
    ("マルウェアに感染", INC, 2, IT_MALWARE, F_NEG, None, None),
    ("マルウェア感染", INC, 2, IT_MALWARE, F_NEG, None, None),
    ("ウイルスに感染", INC, 2, IT_MALWARE, F_NEG, None, None),
    ("ウイルス感染", INC, 2, IT_MALWARE, F_NEG, None, None),
    ("感染", INC, 1, NO_TYPE, 0, None, None),
    ("不正ログイン", INC, 5, IT_ACCOUNT_COMPROMISE, F_NEG, None, None),
    ("乗っ取", INC, 4, IT_ACCOUNT_COMPROMISE, F_NEG, None, None),
    ("なりすまし", INC, 1, NO_TYPE, F_TERMS, None, None),
    ("盗み取", INC, 2, IT_ACCOUNT_COMPROMISE, 0, "パスワード", None),
    ("盗取", INC, 2, IT_ACCOUNT_COMPROMISE, 0, "パスワード", None),
    ("不正にログイン", INC, 4, IT_ACCOUNT_COMPROMISE, F_NEG, None, None),
    ("なりすましログイン", INC, 4, IT_ACCOUNT_COMPROMISE, F_NEG, None, None),
    ("パスワードリスト攻撃", INC, 4, IT_ACCOUNT_COMPROMISE, F_NEG, None, None),
    ("リスト型攻撃", INC, 4, IT_ACCOUNT_COMPROMISE, F_NEG, None, None),
    ("不正利用", INC, 1, IT_ACCOUNT_COMPROMISE, F_TERMS | F_NEG | F_EVENT,
     "アカウント", None),
    ("不正に利用", INC, 1, IT_ACCOUNT_COMPROMISE, F_TERMS | F_NEG | F_EVENT,
     "アカウント", None),
    ("クレジットカード", INC, 1, IT_PAYMENT_CARD_LEAK, 0, None, None),
    ("カード情報", INC, 1, IT_PAYMENT_CARD_LEAK, 0, None, None),
    ("紛失", INC, 3, IT_LOST_OR_STOLEN, 0, None, None),
    ("盗難", INC, 3, IT_LOST_OR_STOLEN, 0, None, None),
    ("盗まれ", INC, 2, IT_LOST_OR_STOLEN, 0, None, None),
    ("置き忘れ", INC, 2, IT_LOST_OR_STOLEN, 0, None, None),
    ("滅失", INC, 2, IT_LOST_OR_STOLEN, 0, None, None),
    ("所在不明", INC, 3, IT_LOST_OR_STOLEN, 0, None, None),
    ("所在が分からな", INC, 3, IT_LOST_OR_STOLEN, 0, None, None),
    ("所在がわからな", INC, 3, IT_LOST_OR_STOLEN, 0, None, None),
    ("遺失", INC, 2, IT_LOST_OR_STOLEN, 0, None, None),
    ("誤送信", INC, 3, IT_MISDELIVERY, 0, None, None),
    ("誤送付", INC, 3, IT_MISDELIVERY, 0, None, None),
    ("誤配達", INC, 2, IT_MISDELIVERY, 0, None, None),
    ("誤配送", INC, 2, IT_MISDELIVERY, 0, None, None),
    ("誤封入", INC, 3, IT_MISDELIVERY, 0, None, None),
    ("誤同封", INC, 3, IT_MISDELIVERY, 0, None, None),
    ("誤発送", INC, 3, IT_MISDELIVERY, 0, None, None),
    ("誤郵送", INC, 3, IT_MISDELIVERY, 0, None, None),
    ("誤交付", INC, 2, IT_MISDELIVERY, 0, None, None),
    ("BCCではなく", INC, 3, IT_MISDELIVERY, 0, None, None),
    ("Bccではなく", INC, 3, IT_MISDELIVERY, 0, None, None),
    ("誤って", INC, 1, IT_MISDELIVERY, F_AFTER, "送", None),
    ("BCC", INC, 1, IT_MISDELIVERY, 0, None, None),
    ("Bcc", INC, 1, IT_MISDELIVERY, 0, None, None),
    ("元職員", INC, 2, IT_INSIDER, 0, None, None),
    ("元従業員", INC, 2, IT_INSIDER, 0, None, None),
    ("元社員", INC, 2, IT_INSIDER, 0, None, None),
    ("不正に持ち出", INC, 2, IT_INSIDER, 0, None, None),
    ("不正持ち出", INC, 2, IT_INSIDER, 0, None, None),
    ("不正取得", INC, 2, IT_INSIDER, 0, None, None),
    ("内部不正", INC, 2, IT_INSIDER, 0, None, None),
    ("フィッシングメール", INC, 2, IT_PHISHING, F_NEG, None, None),
    ("フィッシングサイト", INC, 2, IT_PHISHING, F_NEG, None, None),
    ("設定不備", INC, 2, IT_MISCONFIGURATION, 0, None, None),
    ("設定ミス", INC, 2, IT_MISCONFIGURATION, 0, None, None),
    ("公開設定", INC, 1, IT_MISCONFIGURATION, 0, None, None),
    ("共有設定", INC, 1, IT_MISCONFIGURATION, 0, None, None),
    ("閲覧できる状態", INC, 3, IT_MISCONFIGURATION, 0, None, None),
    ("閲覧可能な状態", INC, 3, IT_MISCONFIGURATION, 0, None, None),
    ("閲覧可能となって", INC, 3, IT_MISCONFIGURATION, 0, None, None),
    ("表示される状態", INC, 2, IT_MISCONFIGURATION, 0, None, None),
    ("公開してしま", INC, 2, IT_MISCONFIGURATION, 0, None, None),
    ("誤って公開", INC, 3, IT_MISCONFIGURATION, 0, None, None),
    ("漏えい", INC, 2, NO_TYPE, 0, None, None),
    ("漏洩", INC, 2, NO_TYPE, 0, None, None),
    ("流出", INC, 2, NO_TYPE, 0, None, None),
    ("個人情報", INC, 1, NO_TYPE, 0, None, None),
    ("お詫び", INC, 2, NO_TYPE, 0, None, None),
    ("おわび", INC, 2, NO_TYPE, 0, None, None),
    ("事案", INC, 1, NO_TYPE, 0, None, None),
    ("被害", INC, 1, NO_TYPE, F_TERMS, None, None),
    ("第三者による", INC, 1, NO_TYPE, 0, None, None),
    ("第三者により", INC, 1, NO_TYPE, 0, None, None),
    ("キャンペーン", CMP, 4, NO_TYPE, 0, None, None),
    ("ポイント", CMP, 2, NO_TYPE, F_GOODS, None, None),
    ("マイル", CMP, 2, NO_TYPE, F_GOODS, None, None),
    ("進呈", CMP, 2, NO_TYPE, 0, None, None),
    ("プレゼント", CMP, 2, NO_TYPE, 0, None, None),
    ("倍", CMP, 1, NO_TYPE, 0, None, None),
    ("還元", CMP, 2, NO_TYPE, 0, None, None),
    ("エントリー", CMP, 2, NO_TYPE, 0, None, None),
    ("特典", CMP, 1, NO_TYPE, F_GOODS, None, None),
    ("付与", CMP, 1, NO_TYPE, F_GOODS, None, None),
    ("加算", CMP, 1, NO_TYPE, 0, None, None),
    ("山分け", CMP, 2, NO_TYPE, 0, None, None),
    ("抽選", CMP, 1, NO_TYPE, 0, None, None),
    ("増量", CMP, 2, NO_TYPE, 0, None, None),
    ("ボーナス", CMP, 1, NO_TYPE, 0, None, None),
    ("交換", CMP, 1, NO_TYPE, F_GOODS, None, None),
    ("今週", DIG, 3, NO_TYPE, 0, None, None),
    ("週刊", DIG, 4, NO_TYPE, 0, None, None),
    ("今号", DIG, 3, NO_TYPE, 0, None, None),
    ("まとめ", DIG, 2, NO_TYPE, F_NOUN, None, None),
    ("ふりかえり", DIG, 3, NO_TYPE, F_NOUN, None, None),
    ("振り返り", DIG, 3, NO_TYPE, F_NOUN, None, None),
    ("ピックアップ", DIG, 2, NO_TYPE, F_NOUN, None, None),
    ("ニュース", DIG, 1, NO_TYPE, F_NOUN, None, None),
    ("メールマガジン", DIG, 3, NO_TYPE, F_NOUN, None, None),
    ("ダイジェスト", DIG, 3, NO_TYPE, F_NOUN, None, None),
    ("バックナンバー", DIG, 3, NO_TYPE, F_NOUN, None, None),
    ("月号", DIG, 3, NO_TYPE, 0, None, None),
    ("メンテナンス", OTH, 4, NO_TYPE, 0, None, None),
    ("一時停止", OTH, 2, NO_TYPE, 0, None, None),
    ("ご不便をおかけ", OTH, 2, NO_TYPE, 0, None, None),
    ("システム障害", OTH, 3, NO_TYPE, 0, None, None),
    ("通信障害", OTH, 3, NO_TYPE, 0, None, None),
    ("障害により", OTH, 3, NO_TYPE, 0, None, None),
    ("障害が発生", OTH, 3, NO_TYPE, 0, None, None),
    ("提供開始", OTH, 3, NO_TYPE, 0, None, None),
    ("新バージョン", OTH, 2, NO_TYPE, 0, None, None),
    ("発売", OTH, 2, NO_TYPE, 0, None, None),
    ("詐欺", OTH, 2, NO_TYPE, 0, None, None),
    ("偽サイト", OTH, 2, NO_TYPE, 0, None, None),
    ("偽のウェブサイト", OTH, 2, NO_TYPE, 0, None, None),
    ("を装った", OTH, 1, NO_TYPE, 0, None, None),
    ("ご注意ください", OTH, 1, NO_TYPE, 0, None, None),
    ("注意喚起", OTH, 3, NO_TYPE, 0, None, None),
    ("相次いで", OTH, 2, NO_TYPE, 0, None, None),
    ("相次ぐ", OTH, 2, NO_TYPE, 0, None, None),
    ("注意してください", OTH, 2, NO_TYPE, 0, None, None),
    ("検挙", OTH, 3, NO_TYPE, 0, None, None),
    ("犯罪", OTH, 1, NO_TYPE, 0, None, None),
    ("統計", OTH, 2, NO_TYPE, 0, None, None),
    ("白書", OTH, 3, NO_TYPE, 0, None, None),
    ("新年", OTH, 3, NO_TYPE, 0, None, None),
)
# Every cue matches independently (誤って公開 is also 誤って): the scan stops
# at every character that starts some cue, then tries the cues of that
# character in table order.
CUES_BY_FIRST = {}
for _k, _cue in enumerate(CLASS_CUES):
    CUES_BY_FIRST.setdefault(_cue[0][0], []).append(_k)
CUE_START = re.compile("[%s]" % "".join(sorted(CUES_BY_FIRST)))
DENIALS = ("なかった", "ていない", "ておりません", "ていません", "ありません",
           "はない")
HEDGES = ("危険性", "つながる")
EVENT_PREDS = ("判明", "発覚", "可能性", "発生", "確認され", "確認し", "受け",
               "ました", "公表", "発表", "明らかに")
MEASURES = ("防止", "対策", "を防", "の防止")
CONDITIONS = ("場合", "とき", "時は", "際は")
ITEM_BULLETS = ("■", "□", "●", "○", "◆", "◇", "・", "•", "▼", "▶", "-", "*")


def name_char(c):
    """Kanji, katakana or an ASCII letter or digit (not hiragana or
    punctuation), as nf_classify.c tests the character before で."""
    if c < "\x80":
        return c in ASCII_ALNUM
    return "\u30a0" <= c <= "\u30ff" or "\u3400" <= c <= "\uffff"


class Hit:
    """What one cue did in this document."""
    __slots__ = ("body", "title", "denied", "first", "typed")

    def __init__(self):
        self.body = self.title = self.denied = self.first = 0
        self.typed = False


class Classifier:
    def __init__(self, text, title):
        self.s = text.s
        self.n = text.n
        self.title = title      # folded (start, end) of a short title
        self.ev_seen = 0        # text before this was read for an event
        self.ev_n = 0
        self.ev_first = 0
        self.ev_word = None

    def clause_end(self, i):
        """End of the clause after i: a 。 or a line end, at most
        CLAUSE_BYTES."""
        s = self.s
        lim = ahead(s, i, CLAUSE_BYTES)
        k = s.find("\n", i, lim)
        if k >= 0:
            lim = k
        k = s.find("。", i, lim)
        return lim if k < 0 else k

    def any_in(self, a, b, words):
        return any(self.s.find(w, a, b) >= 0 for w in words)

    def news_item(self, ls, i):
        """Is the line from ls, holding an event cue at i, a digest's news
        item: a short bulleted line saying where the event happened?"""
        s = self.s
        lim = ahead(s, ls, ITEM_MAX_BYTES)
        if i >= lim or (lim < self.n and s.find("\n", i, lim) < 0):
            return False    # a long line is prose
        k = ls
        while k < i and s[k] in " \t":
            k += 1
        for b in ITEM_BULLETS:
            if s.startswith(b, k):
                break
        else:
            return False
        k += len(b)
        while k < i and s[k] == " ":
            k += 1
        if k < i and is_digit(s[k]):
            return False    # a dated step of a timeline
        for k in range(max(k, ls + 1), i):
            if s[k] == "で" and name_char(s[k - 1]):
                return True
        return False

    def read_event(self, frm):
        """Does the sentence after an event cue report that the event
        happened? Each sentence is read once."""
        s = self.s
        if self.ev_n >= EVENT_CAP:
            return
        if frm < self.ev_seen:
            if self.ev_seen >= self.n or s[self.ev_seen] in "\n。":
                return  # the rest of this sentence was read
            frm = self.ev_seen
        ce = self.clause_end(frm)
        self.ev_seen = ce
        for w in EVENT_PREDS:
            p = s.find(w, frm, ce)
            if p >= 0:
                break
        else:
            return
        if (self.any_in(frm, ce, DENIALS) or self.any_in(frm, ce, HEDGES)
                or self.any_in(frm, ce, CONDITIONS)):
            return
        if self.ev_n == 0:
            self.ev_first, self.ev_word = p, w
        self.ev_n += 1

    def record(self, cue, h, i, in_title):
        """One match of a cue at i."""
        s = self.s
        word, sig, wt, itype, flags, near, unless = cue
        e = i + len(word)
        need_count = h.title == 0 if in_title else h.body < HIT_CAP
        need_type = itype != NO_TYPE and not h.typed
        if unless and s.startswith(unless, e):
            return
        if sig == SIG_INCIDENT and at_any(s, e, MEASURES):
            return
        if sig == SIG_INCIDENT and (wt >= EVENT_WT or flags & F_EVENT):
            self.read_event(e)
        if (not need_count and not need_type) or h.denied >= DENY_TRIES:
            return
        if flags & F_NOUN and e < self.n and s[e] >= "\u0800" and \
                name_char(s[e]):
            return
        ce = self.clause_end(e)
        if flags & F_TERMS and self.any_in(e, ce, CONDITIONS):
            return
        if sig == SIG_INCIDENT and self.any_in(e, ce, DENIALS):
            h.denied += 1
            return
        if need_count:
            if h.body == 0 and h.title == 0:
                h.first = i
            if in_title:
                h.title += 1
            else:
                h.body += 1
        if not need_type:
            return
        if flags & F_NEG and self.any_in(e, ce, HEDGES):
            h.denied += 1
        elif (not near
              or (s.find(near, e, ce) >= 0 if flags & F_AFTER
                  else s.find(near, behind(s, i, NEAR_BYTES),
                              ahead(s, e, NEAR_BYTES)) >= 0)):
            h.typed = True

    def classify(self):
        """(category, confidence, reasons, incident type bits); a reason is
        (cue, signal, folded start, folded end)."""
        s = self.s
        hits = [Hit() for _ in CLASS_CUES]
        items = 0
        item_line = -1
        ts, te = self.title or (0, 0)
        for m in CUE_START.finditer(s):
            i = m.start()
            for k in CUES_BY_FIRST[s[i]]:
                cue = CLASS_CUES[k]
                if not s.startswith(cue[0], i):
                    continue
                self.record(cue, hits[k], i, ts <= i < te)
                if cue[1] == SIG_INCIDENT and cue[2] >= EVENT_WT:
                    ls = s.rfind("\n", 0, i) + 1
                    if ls != item_line:
                        item_line = ls  # each line is looked at once
                        items += self.news_item(ls, i)

        types = weak = 0
        for k, h in enumerate(hits):
            if h.typed:
                if CLASS_CUES[k][4] & F_WEAK:
                    weak |= 1 << CLASS_CUES[k][3]
                else:
                    types |= 1 << CLASS_CUES[k][3]
        if types & (1 << IT_RANSOMWARE | 1 << IT_MALWARE):
            weak &= ~(1 << IT_UNAUTHORIZED_ACCESS)
        types |= weak
        # points or miles in an account takeover are the stolen goods
        takeover = types & (1 << IT_ACCOUNT_COMPROMISE)
        score = [0.0] * 4
        cue_scores = []
        for k, h in enumerate(hits):
            cue = CLASS_CUES[k]
            v = float(cue[2] * (min(h.body, HIT_CAP)
                                + (TITLE_BONUS if h.title else 0)))
            cue_scores.append(v)
            if takeover and cue[4] & F_GOODS:
                v /= 2
            score[cue[1]] += v
        # a list of news items is a digest, whose incident words are its
        # items; otherwise event sentences make the notice an account of it
        if items >= DIGEST_ITEMS:
            score[SIG_DIGEST] += ITEM_WT * items
        if score[SIG_DIGEST] >= DIGEST_MIN:
            score[SIG_INCIDENT] /= 2
            self.ev_n = 0
        elif self.ev_n:
            score[SIG_INCIDENT] += EVENT_SENT_WT * self.ev_n
            score[SIG_CAMPAIGN] /= EVENT_GOODS_DIV
        score[SIG_OTHER] += score[SIG_DIGEST] + OTHER_PRIOR

        win = SIG_OTHER
        if score[SIG_INCIDENT] > score[win]:
            win = SIG_INCIDENT
        if score[SIG_CAMPAIGN] > score[win]:
            win = SIG_CAMPAIGN
        margin = score[win]
        for k in range(3):
            if k != win and score[win] - score[k] < margin:
                margin = score[win] - score[k]
        category = {SIG_INCIDENT: CAT_INCIDENT,
                    SIG_CAMPAIGN: CAT_CAMPAIGN}.get(win, CAT_OTHER)
        confidence = 0.5 + 0.5 * margin / (margin + CONF_HALF)

        # the specific type hides the generic one
        if types & (1 << IT_RANSOMWARE):
            types &= ~(1 << IT_MALWARE)
        if types & (1 << IT_ACCOUNT_COMPROMISE):
            types &= ~(1 << IT_UNAUTHORIZED_ACCESS)
        if types & (1 << IT_MISDELIVERY | 1 << IT_PHISHING):
            types &= ~(1 << IT_MISCONFIGURATION)
        if category != CAT_INCIDENT:
            types = 0

        # reasons: the winner's cues first, each by contribution; the first
        # event predicate stands for the event sentences
        cands = [(CLASS_CUES[k][0], CLASS_CUES[k][1], cue_scores[k], h.first)
                 for k, h in enumerate(hits) if h.body or h.title]
        if self.ev_n:
            cands.append((self.ev_word, SIG_INCIDENT,
                          EVENT_SENT_WT * self.ev_n, self.ev_first))

        def winner_first(c):
            ours = c[1] == win or (win == SIG_OTHER and c[1] == SIG_DIGEST)
            return not ours, -c[2]
        cands.sort(key=winner_first)
        reasons = [(w, SIG_NAMES[sig], first, first + len(w))
                   for w, sig, _, first in cands[:MAX_REASONS]]
        return category, confidence, reasons, types


# ---- counts (nf_count.c) ---------------------------------------------------

# Windows, in bytes as in nf_count.c.
WIN = 150               # context read each way from a count (~50 kanji)
PREFIX_WIN = 18         # between 計 / 約 and the number
RIGHT_BIAS = 6          # right-side cues win a near tie by two kanji
SUM_LOOKBACK = 8
MAX_CANDIDATES = 16 * MAX_COUNTS
MAX_TABLE_COLS = 16
HEADER_CELL_MAX = 96    # a header cell read for its unit
CROLE_OTHER, CROLE_TOTAL, CROLE_BREAKDOWN = range(3)
COUNT_ROLE_NAMES = ("other", "total", "breakdown")

COUNTERS = ("名様分", "名様", "人分", "名分", "件分", "世帯", "事業所", "団体",
            "法人", "アカウント", "社", "校", "人", "名", "件")
POLITE_COUNTER = "名様"
COUNTER_BREAKERS = ("様", "目", "組", "義", "称", "ごと", "当たり", "あたり",
                    "につき", "毎")
# (label, unit, total) of a bare number in a table cell under the label
VALUE_LABELS = (("件数", "件", False), ("人数", "人", False),
                ("総数", "件", True))
COLUMN_UNITS = (("件数", "件"), ("人数", "人"), ("者数", "人"), ("(件)", "件"),
                ("(人)", "人"), ("(名)", "名"))
CIRCLED = ("①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨", "⑩")
VAGUE_PREFIXES = ("数", "何", "幾", "第")
APPROX_BEFORE = ("約", "およそ", "おおよそ", "概ね", "凡そ", "ほぼ")
APPROX_AFTER = ("以上", "程度", "前後", "超", "余り", "余", "あまり", "強",
                "ほど", "近く", "を超え", "を上回")
TOTAL_MARKERS = ("合計", "総計", "累計", "総数", "総件数", "総人数", "全体で",
                 "全体", "延べ", "のべ", "合わせて", "計")
TOTAL_BREAKING = ("会", "統", "設", "時", "家", "生", "推", "主", "余", "度",
                  "数", "小")
PREFIX_FILLERS = (" ", ":", "|", "は", "で", "が", "約", "およそ", "おおよそ",
                  "概ね", "凡そ", "ほぼ", "最大")
PART_MARKERS = ("うち", "内訳", "(内")
STAFF_NOUNS = ("職員", "社員", "従業員", "担当者", "教員", "教諭", "講師",
               "作業員", "スタッフ", "委託先", "業者")
SUBJECT_PARTICLES = ("が", "は", "で", "により", "にて")
ACTOR_PARTICLES = ("が", "は", "に", "を", "で", "と", "も")
LIST_MARKS = ("・", "•", "●", "○", "◆", "◇", "■", "□", "-", "*", "(",
              "①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨", "⑩")
POS, NEG = 1, -1
# (word, polarity, not when right after this) — what the count is about
COUNT_CUES = (
    ("個人情報", POS, None), ("情報", POS, None), ("氏名", POS, None),
    ("住所", POS, None), ("メールアドレス", POS, None), ("アドレス", POS, None),
    ("電話番号", POS, None), ("生年月日", POS, None),
    ("クレジットカード", POS, None), ("名簿", POS, None), ("データ", POS, None),
    ("漏えい", POS, None), ("漏洩", POS, None), ("漏れ", POS, None),
    ("流出", POS, None), ("紛失", POS, None), ("盗難", POS, None),
    ("盗ま", POS, None), ("窃取", POS, None), ("閲覧", POS, None),
    ("持ち出", POS, None), ("誤送信", POS, None), ("誤送付", POS, None),
    ("誤発送", POS, None), ("誤って", POS, None), ("影響", POS, None),
    ("対象", POS, "を"), ("該当", POS, None), ("可能性", POS, None),
    ("人数", POS, None), ("件数", POS, None), ("顧客", POS, None),
    ("お客様", POS, None), ("お客さま", POS, None), ("患者", POS, None),
    ("生徒", POS, None), ("児童", POS, None), ("学生", POS, None),
    ("市民", POS, None), ("住民", POS, None), ("保護者", POS, None),
    ("送信", NEG, "誤"), ("受信", NEG, None), ("配信", NEG, None),
    ("発送", NEG, "誤"), ("送付", NEG, "誤"), ("あて", NEG, None),
    ("宛", NEG, None), ("誤送信先", NEG, None), ("送信先", NEG, None),
    ("送付先", NEG, None), ("迷惑メール", NEG, None), ("スパム", NEG, None),
    ("ログイン", NEG, "不正"), ("アクセス", NEG, "不正"), ("試行", NEG, None),
    ("攻撃", NEG, None), ("検知", NEG, None), ("検出", NEG, None),
    ("ブロック", NEG, None), ("遮断", NEG, None), ("閲覧数", NEG, None),
    ("アクセス数", NEG, None), ("問い合わせ", NEG, None), ("問合せ", NEG, None),
    ("問合わせ", NEG, None), ("相談", NEG, None), ("通報", NEG, None),
    ("苦情", NEG, None), ("逮捕", NEG, None), ("起訴", NEG, None),
    ("容疑", NEG, None), ("検挙", NEG, None), ("送検", NEG, None),
    ("認知", NEG, None), ("打ち込", NEG, None), ("入力", NEG, None),
    ("注意喚起", NEG, None), ("体制", NEG, None), ("調査", NEG, None),
    ("依頼", NEG, None), ("カード会社", NEG, None), ("脆弱性", NEG, None),
    ("事案", NEG, None), ("事故", NEG, None), ("事例", NEG, None),
    ("インシデント", NEG, None), ("会員数", NEG, None), ("社員数", NEG, None),
    ("従業員数", NEG, None), ("職員数", NEG, None), ("利用者数", NEG, None),
    ("登録者数", NEG, None), ("登録会員", NEG, None), ("ご登録", NEG, None),
    ("在籍", NEG, None), ("規模", NEG, None), ("全職員", NEG, None),
    ("全教職員", NEG, None), ("全社員", NEG, None), ("全従業員", NEG, None),
    ("研修", NEG, None), ("店舗", NEG, None), ("平均", NEG, None),
    ("抽選", NEG, None), ("当選", NEG, None), ("先着", NEG, None),
)
COUNT_CUES_BY_FIRST = {}
for _cue in COUNT_CUES:
    COUNT_CUES_BY_FIRST.setdefault(_cue[0][0], []).append(_cue)
NEG_COUNT_CUES = tuple(c for c in COUNT_CUES if c[1] == NEG)
COMPOUND_HEADS = ("件数", "人数")
# Where a numeral may start, and the characters the scan tracks.
COUNT_SCAN = re.compile("[0-9|\n%s]" % "".join(KANJI_NUMERALS))


def match_first(s, i, words):
    """The first word of `words` at i, or None."""
    for w in words:
        if s.startswith(w, i):
            return w
    return None


class CountMention:
    __slots__ = ("value", "unit", "fo", "fe", "approximate", "role")

    def __init__(self, value, unit, fo, fe, approximate, role):
        self.value, self.unit, self.fo, self.fe = value, unit, fo, fe
        self.approximate, self.role = approximate, role


class CountScan:
    def __init__(self, text):
        self.s = text.s
        self.n = text.n
        self.out = []
        self.have_prev = self.prev_ok = False
        self.prev_end = 0
        self.paren_end = 0      # counts before this sit in (...) after a total
        self.list_total = -1    # >= 0: list items after a total's line
        self.list_from = 0
        self.candidates = 0
        # pipe tables
        self.line_start = self.prev_line_start = 0
        self.table = self.row_total = self.row_dated = False
        self.col = 0
        self.col_unit = [None] * MAX_TABLE_COLS

    def skip_spaces(self, i):
        """Past at most two spaces (PDF text spaces words: "1 名 が")."""
        s = self.s
        for _ in range(2):
            if i < self.n and s[i] == " ":
                i += 1
        return i

    def cue_at(self, i):
        """The longest cue at i (a negative modifier before 件数 / 人数
        decides), or None."""
        s = self.s
        best = None
        for cue in COUNT_CUES_BY_FIRST.get(s[i], ()):
            if not s.startswith(cue[0], i):
                continue
            if cue[2] and s.endswith(cue[2], 0, i):
                continue
            if best is None or len(cue[0]) > len(best[0]):
                best = cue
        if best and match_first(s, i, COMPOUND_HEADS):
            for cue in NEG_COUNT_CUES:
                if s.endswith(cue[0], 0, i):
                    return cue
        return best

    def hard_newline(self, i):
        """Does the newline at i end a clause? Not a line wrapped inside a
        sentence (hiragana before it, Japanese text after it)."""
        s = self.s
        k = i
        while k > 0 and s[k - 1] == "\r":
            k -= 1
        a = s[k - 1] if k > 0 else "\0"
        b = s[i + 1] if i + 1 < self.n else "\0"
        return not ("\u3041" <= a <= "\u309f" and b >= "\u3040"
                    and b != "\u30fb")

    def boundary_at(self, i, commas):
        c = self.s[i]
        if c == "\n":
            return self.hard_newline(i)
        if c in "!?。":
            return True
        if commas and c == "、":
            return (not self.s.endswith("うち", 0, i)
                    and not self.s.endswith("内", 0, i))
        return False

    def scan_left(self, i, commas):
        """The nearest cue left of the number at i: (polarity, distance,
        stop, part marker seen)."""
        s = self.s
        lo = behind(s, i, WIN)
        pol = dist = stop = 0
        part = False
        q = i
        while q > lo:
            q -= 1
            if self.boundary_at(q, commas):
                stop = q
                break
            if not part and match_first(s, q, PART_MARKERS):
                part = True
            if pol:
                continue
            c = self.cue_at(q)
            if c and q + len(c[0]) <= i:
                pol, dist = c[1], utf8_len(s[q + len(c[0]):i])
        return pol, dist, stop, part

    def counter_at(self, i):
        """The counter word at i (after spaces) and its end, or (None, 0)."""
        i = self.skip_spaces(i)
        u = match_first(self.s, i, COUNTERS)
        if not u:
            return None, 0
        ce = i + len(u)
        if match_first(self.s, ce, COUNTER_BREAKERS):
            return None, 0
        return u, ce

    def scan_right(self, e):
        """The nearest cue right of the counter ending at e: (polarity,
        distance); the clause ends where the next count starts."""
        s = self.s
        hi = ahead(s, e, WIN)
        q = e
        while q < hi:
            if self.boundary_at(q, True):
                break
            if is_digit(s[q]) and (q == e or not is_digit(s[q - 1])):
                try:
                    got = parse_num(s, q)
                except NumOverflow:
                    got = None
                if got and self.counter_at(got[1])[0]:
                    break
            c = self.cue_at(q)
            if c:
                return c[1], utf8_len(s[e:q])
            q += 1
        return 0, 0

    def numeral_start(self, i):
        """Not inside a longer token, not after 数 / 何 / 第."""
        if i == 0:
            return True
        p = self.s[i - 1]
        if p in ASCII_ALNUM or p in "./-#_@$%&=+,":
            return False
        return not ends_with_any(self.s, i, VAGUE_PREFIXES)

    def inside_kanji_numeral(self, i):
        """Is i the middle of a kanji numeral, or after 万/億 (万一)?"""
        s = self.s
        if i == 0 or s[i - 1] < "\x80":
            return False
        try:
            inside = parse_num(s, i - 1) is not None
        except NumOverflow:
            inside = True
        return inside or s[i - 1] in "万億"

    def total_before(self, q):
        """Does a total marker end at q (合計, 総数, a lone 計 not 会計)?"""
        w = ends_with_any(self.s, q, TOTAL_MARKERS)
        if not w:
            return False
        return w != "計" or not ends_with_any(self.s, q - 1, TOTAL_BREAKING)

    def read_prefix(self, i):
        """(total marker, approximation) before the number at i."""
        s = self.s
        lo = behind(s, i, PREFIX_WIN)
        q = i
        approx = False
        while q > lo:
            if ends_with_any(s, q, TOTAL_MARKERS):
                return self.total_before(q), approx
            if ends_with_any(s, q, APPROX_BEFORE):
                approx = True
            w = ends_with_any(s, q, PREFIX_FILLERS)
            if not w:
                break
            q -= len(w)
        return False, approx

    def list_item_at(self, i):
        s = self.s
        sp = 0
        while i < self.n and s[i] in " \t" and sp < 8:
            i += 1
            sp += 1
        if i + 1 < self.n and is_digit(s[i]) and s[i + 1] == ")":
            return True
        return match_first(s, i, LIST_MARKS) is not None

    def paren_close(self, i):
        """Index past the ")" closing the "(" at i, within WIN, or i."""
        s = self.s
        depth = 0
        for q in range(i, ahead(s, i, WIN)):
            if s[q] == "\n":
                break
            if s[q] == "(":
                depth += 1
            elif s[q] == ")":
                depth -= 1
                if depth == 0:
                    return q + 1
        return i

    def staff_subject(self, i, ce):
        """職員2名が / 2名の職員が: staff as the subject."""
        s = self.s
        q = i
        while q > 0 and s[q - 1] == " ":
            q -= 1
        if s.endswith("等", 0, q):
            q -= 1
        if ends_with_any(s, q, STAFF_NOUNS) and \
                match_first(s, self.skip_spaces(ce), SUBJECT_PARTICLES):
            return True
        q = self.skip_spaces(ce)
        if not s.startswith("の", q):
            return False
        q += 1
        return any(s.startswith(w, q)
                   and match_first(s, q + len(w), SUBJECT_PARTICLES)
                   for w in STAFF_NOUNS)

    def breakdown_line(self, i):
        """Is there a 内訳 earlier on the line of i?"""
        s = self.s
        ls = s.rfind("\n", 0, i) + 1
        return s.find("内訳", max(ls, behind(s, i, WIN)), i + 1) >= 0

    def label_value(self, i, end):
        """A bare number [i, end) ending its cell under a count label
        (漏えい件数 | 4,871 |): (unit, total) or None."""
        s = self.s
        lo = behind(s, i, 3 * PREFIX_WIN)
        q = end
        while q < self.n and s[q] == " ":
            q += 1
        if (q < self.n and s[q] not in "|\n\r(" and s[q] not in CIRCLED
                and s[q] not in "、。"):
            return None
        q = i
        pipes = lines = 0
        while q > lo:
            c = s[q - 1]
            if c in " \t\r:-," or is_digit(c):
                q -= 1
            elif c == "|" and pipes < 2:
                pipes += 1
                q -= 1
            elif c == "\n" and lines < 2:
                lines += 1
                q -= 1
            elif c in CIRCLED:
                q -= 1
            else:
                break
        for label, unit, total in VALUE_LABELS:
            if s.endswith(label, 0, q):
                return unit, total
        return None

    def rule_row(self, q):
        """Is the line at q (a '|') a table rule, |---|:--:|?"""
        s = self.s
        e = q
        while e < self.n and s[e] not in "\n\r":
            e += 1
        row = s[q:e]
        return "-" in row and not row.strip("|:- \t")

    def header_unit(self, cs, ce):
        """The unit a header cell gives its column, or None."""
        s = self.s
        unit = None
        for q in range(cs, min(ce, ahead(s, cs, HEADER_CELL_MAX))):
            c = self.cue_at(q)
            if c and c[1] == NEG:
                return None
            if unit is None:
                for word, u in COLUMN_UNITS:
                    if s.startswith(word, q):
                        unit = u
                        break
        return unit

    def read_header(self, hs):
        s = self.s
        self.col_unit = [None] * MAX_TABLE_COLS
        self.table = False
        col = 0
        cs = 0
        q = hs
        while q < self.n and s[q] != "\n" and col < MAX_TABLE_COLS:
            if s[q] == "|":
                if col > 0:
                    self.col_unit[col] = self.header_unit(cs, q)
                    self.table = self.table or bool(self.col_unit[col])
                col += 1
                cs = q + 1
            q += 1

    def table_line(self, ls):
        """A line starts at ls: track pipe tables."""
        s = self.s
        self.prev_line_start = self.line_start
        self.line_start = ls
        self.col = 0
        self.row_total = self.row_dated = False
        q = ls
        sp = 0
        while q < self.n and s[q] in " \t" and sp < 8:
            q += 1
            sp += 1
        if q >= self.n or s[q] != "|":
            self.table = False
            return
        if self.rule_row(q):
            if self.prev_line_start < ls:
                self.read_header(self.prev_line_start)
            return
        if not self.table:
            return
        # the first cell names the row: | 合計 | 1,500 | 2,700 |
        e = q + 1
        lim = ahead(s, q + 1, HEADER_CELL_MAX)
        while e < lim:
            if s[e] in "|\n":
                break
            self.row_dated = self.row_dated or is_digit(s[e])
            e += 1
        while e > q + 1 and s[e - 1] == " ":
            e -= 1
        self.row_total = self.total_before(e)

    def table_value(self, i, end):
        """A bare number alone in its cell of a table with unit columns, in
        a row named by a word: (unit, total) or None."""
        s = self.s
        if (not self.table or self.row_dated or self.col < 1
                or self.col >= MAX_TABLE_COLS or not self.col_unit[self.col]):
            return None
        q = end
        while q < self.n and s[q] == " ":
            q += 1
        if q >= self.n or s[q] != "|":
            return None
        q = i
        while q > 0 and s[q - 1] == " ":
            q -= 1
        if q == 0 or s[q - 1] != "|":
            return None
        return self.col_unit[self.col], self.row_total

    def mark_summands(self, ti):
        """Consecutive counts just before a new total that add up to it are
        its breakdown."""
        out = self.out
        total = out[ti].value
        acc = 0
        for k in range(ti, max(ti - SUM_LOOKBACK, 0), -1):
            m = out[k - 1]
            if m.role == CROLE_TOTAL or m.value >= total:
                return
            acc += m.value
            if acc == total:
                for j in range(k - 1, ti):
                    out[j].role = CROLE_BREAKDOWN
                return
            if acc > total:
                return

    def consider(self, i, end, v, fl):
        """Decide about the number [i, end); add it if it is a count.
        Returns the index to continue from."""
        s, out = self.s, self.out
        # 0.2 人 is an average; a decimal counts only before 万 (1.2万)
        if end + 1 < self.n and s[end] == "." and is_digit(s[end + 1]):
            return end
        unit, ce = self.counter_at(end)
        label_total = False
        if not unit:
            got = self.label_value(i, end) or self.table_value(i, end)
            if not got:
                return end
            unit, label_total = got
            ce = end
        self.candidates += 1
        # この一件, 二人: a one-character kanji numeral is idiom
        if v <= 0 or (fl & NUM_KANJI and not fl & NUM_SCALED
                      and end - i <= 1 and v < 10):
            return ce

        total, approx = self.read_prefix(i)
        total = total or label_total
        approx = approx or bool(match_first(s, self.skip_spaces(ce),
                                            APPROX_AFTER))
        lpol, ldist, lstop, part = self.scan_left(i, True)
        rpol, rdist = self.scan_right(ce)
        # お問い合わせは、これまでに15件: with no cue in its clause a count
        # takes the sentence's topic (Xは)
        if (not lpol and not rpol and not part and lstop > 0
                and s.startswith("、", lstop) and s.endswith("は", 0, lstop)):
            lpol, ldist, lstop, _ = self.scan_left(i, False)

        # "323件中10件": a count of the count before it
        if self.have_prev and s.startswith("中", self.prev_end):
            q = self.prev_end + 1
            while q < i and s[q] == " ":
                q += 1
            part = part or q == i
        if (part and self.have_prev
                and utf8_len(s[self.prev_end:i]) <= 2 * WIN
                and not lpol and not rpol):
            ok = cued = self.prev_ok
        else:
            if lpol and rpol:
                pol = rpol if rdist <= ldist + RIGHT_BIAS else lpol
            else:
                pol = lpol or rpol
            ok = pol != NEG
            cued = pol == POS
        if unit == POLITE_COUNTER and not cued:
            ok = False
        # 2人1組: a ratio, not a count
        if ok and ce < self.n:
            try:
                got = parse_num(s, ce)
            except NumOverflow:
                got = None
            if got and not self.counter_at(got[1])[0]:
                ok = False
        if ok and self.staff_subject(i, ce):
            ok = False
        # 1名が逮捕, 依頼会員 1 名に, 1アカウントで: one actor
        if ok and v == 1 and unit in ("人", "名", "アカウント") and \
                match_first(s, self.skip_spaces(ce), ACTOR_PARTICLES):
            ok = False
        parent_ok = self.have_prev and self.prev_ok
        self.have_prev = True
        self.prev_ok = ok
        self.prev_end = ce
        if not ok or len(out) >= MAX_COUNTS:
            return ce

        # 計28世帯69名: a count right after a total is part of it
        if not total and out and out[-1].role == CROLE_TOTAL and \
                out[-1].fe == i:
            total = True
        m = CountMention(v, unit, i, ce, approx, CROLE_OTHER)
        if (part and parent_ok) or i < self.paren_end or \
                self.breakdown_line(i):
            m.role = CROLE_BREAKDOWN
        elif self.list_total > v and i >= self.list_from:
            m.role = CROLE_BREAKDOWN
        elif total:
            m.role = CROLE_TOTAL
        out.append(m)
        if m.role == CROLE_TOTAL:
            self.mark_summands(len(out) - 1)
            q = ce
            while q < self.n and s[q] == " ":
                q += 1
            if q < self.n and s[q] == "(":
                self.paren_end = self.paren_close(q)
            # the items of a list that follows the total's line
            q = s.find("\n", ce, ahead(s, ce, WIN))
            if q >= 0:
                self.list_total = v
                self.list_from = q
        return ce

    def scan(self):
        """Every count, and the headline (an explicit total wins, else the
        largest; the first on a tie): (counts, headline index or -1)."""
        s, n = self.s, self.n
        self.table_line(0)
        i = 0
        while (i < n and len(self.out) < MAX_COUNTS
               and self.candidates < MAX_CANDIDATES):
            m = COUNT_SCAN.search(s, i)
            if not m:
                break
            i = m.start()
            c = s[i]
            if c == "|":
                self.col += 1
                i += 1
                continue
            if c == "\n":
                self.table_line(i + 1)
                if (self.list_total >= 0 and i >= self.list_from
                        and i + 1 < n and s[i + 1] not in "\n\r"
                        and not self.list_item_at(i + 1)):
                    self.list_total = -1  # the list after the total ended
                i += 1
                continue
            if not self.numeral_start(i):
                i += 1
                continue
            try:
                got = parse_num(s, i)
            except NumOverflow as e:
                # too long for a count: skip the whole run once
                i = e.end
                while i < n and (is_digit(s[i]) or s[i] == ","):
                    i += 1
                continue
            if not got or got[1] <= i:
                i += 1
                continue
            if self.inside_kanji_numeral(i):
                i = got[1]
                continue
            i = self.consider(i, got[1], got[0], got[2])

        best = -1
        best_total = False
        for k, m in enumerate(self.out):
            tot = m.role == CROLE_TOTAL
            if best < 0 or (tot and not best_total) or \
                    (tot == best_total and m.value > self.out[best].value):
                best, best_total = k, tot
        return self.out, best


# ---- the document (nf_enrich.c) --------------------------------------------

def parse_reference(ref):
    """A reference day given as "YYYY-MM-DD", a date or None."""
    if ref is None:
        return None
    if isinstance(ref, str):
        ref = datetime.date.fromisoformat(ref)
    return ref.year, ref.month, ref.day


class ByteOffsets:
    """Character offsets of the input to UTF-8 byte offsets."""

    def __init__(self, src):
        self.src = src
        self.ascii = src.isascii()
        self.memo = {}

    def __call__(self, i):
        if self.ascii:
            return i
        b = self.memo.get(i)
        if b is None:
            b = self.memo[i] = utf8_len(self.src[:i])
        return b


def enrich(text, reference=None):
    """Enrich one notice (a str) into the record of `noticeflow enrich`.
    `reference`: the day ("YYYY-MM-DD" or a date) that years are taken from
    when the text states none. Raises EnrichError for an empty or binary
    text."""
    t = Text(text)
    src = t.src
    ds = DateScan(t.s)
    ds.read_all()
    dates = ds.resolve(parse_reference(reference))
    org, title, pub = Header(t, dates).parse()
    if title and utf8_len(src[t.src_index(title[0]):
                              t.src_index(title[1])]) > TITLE_MAX_BYTES:
        short_title = None      # a lead sentence, not a headline
    else:
        short_title = title
    cat, conf, reasons, types = Classifier(t, short_title).classify()
    disc, ps, pe = DateRoles(t, ds).assign(dates, pub, cat)
    counts, head = CountScan(t).scan() if cat == CAT_INCIDENT else ([], -1)

    byte = ByteOffsets(src)

    def span(fo, fe):
        a, b = t.src_index(fo), t.src_index(fe)
        return a, b, {"start": byte(a), "end": byte(b)}

    def date_field(k):
        if k < 0:
            return None
        return "%04d-%02d-%02d" % dates[k].date

    def date_span(k):
        return span(dates[k].fo, dates[k].fe)[2] if k >= 0 else None

    rec = {
        "category": CATEGORY_NAMES[cat],
        "category_confidence": conf,
        "category_reasons": [
            dict(cue=cue, signal=sig, **span(fo, fe)[2])
            for cue, sig, fo, fe in reasons],
        "incident_types": [name for k, name in enumerate(ITYPE_NAMES)
                           if types >> k & 1],
    }
    prov = {}
    if org:
        a, b, prov["organization"] = span(*org)
        rec["organization"] = squeeze(src[a:b])
    else:
        rec["organization"] = prov["organization"] = None
    if title:
        a, b, prov["title"] = span(*title)
        rec["title"] = cut_bytes(src[a:b], MAX_FIELD_BYTES)
    else:
        rec["title"] = prov["title"] = None
    rec["published_date"] = date_field(pub)
    rec["dates"] = []
    for m in dates:
        a, b, sp = span(m.fo, m.fe)
        rec["dates"].append({"date": "%04d-%02d-%02d" % m.date,
                             "text": src[a:b], "start": sp["start"],
                             "end": sp["end"],
                             "role": DATE_ROLE_NAMES[m.role]})
    rec["discovered_date"] = date_field(disc)
    rec["period_start"] = date_field(ps)
    rec["period_end"] = date_field(pe)
    rec["counts"] = []
    for m in counts:
        a, b, sp = span(m.fo, m.fe)
        rec["counts"].append({"value": m.value, "unit": m.unit,
                              "text": src[a:b], "start": sp["start"],
                              "end": sp["end"],
                              "approximate": bool(m.approximate),
                              "role": COUNT_ROLE_NAMES[m.role]})
    rec["affected_count"] = counts[head].value if head >= 0 else None
    rec["affected_unit"] = counts[head].unit if head >= 0 else None
    prov["published_date"] = date_span(pub)
    prov["discovered_date"] = date_span(disc)
    prov["period_start"] = date_span(ps)
    prov["period_end"] = date_span(pe)
    prov["affected_count"] = (span(counts[head].fo, counts[head].fe)[2]
                              if head >= 0 else None)
    rec["provenance"] = prov
    return rec


# ---- command line (nf_cli_enrich.c) ----------------------------------------

def enrich_bytes(data, reference=None, max_bytes=DOC_MAX_BYTES):
    """As `noticeflow enrich` reads a file: the record, or {"error": ...}."""
    try:
        if len(data) > max_bytes:
            raise EnrichError("too_large", "document of %d bytes exceeds the "
                              "limit of %d" % (len(data), max_bytes),
                              max_bytes)
        m = BINARY_BYTES.search(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            if not m or m.start() > e.start:
                raise EnrichError("invalid_utf8", "invalid UTF-8 at offset %d"
                                  % e.start, e.start)
        if m:   # the first bad byte is reported, as the C core does
            raise EnrichError("binary", "control byte 0x%02x at offset %d: "
                              "not text" % (m.group()[0], m.start()),
                              m.start())
        return enrich(text, reference)
    except EnrichError as e:
        return {"error": {"code": e.code, "message": e.message,
                          "offset": e.offset}}


def main(argv):
    reference = None
    files = []
    args = iter(argv[1:])
    for a in args:
        if a == "--reference-date":
            reference = next(args, None)
            try:
                parse_reference(reference)
            except (TypeError, ValueError):
                sys.stderr.write("py_enrich: bad --reference-date %r (want "
                                 "YYYY-MM-DD)\n" % reference)
                return 2
        elif a.startswith("-") and a != "-":
            sys.stderr.write(__doc__)
            return 2
        else:
            files.append(a)
    if not files:
        sys.stderr.write(__doc__)
        return 2
    failed = 0
    for path in files:
        try:
            if path == "-":
                data = sys.stdin.buffer.read(DOC_MAX_BYTES + 1)
            else:
                with open(path, "rb") as f:
                    data = f.read(DOC_MAX_BYTES + 1)
        except OSError as e:
            sys.stderr.write("py_enrich: %s: %s\n" % (path, e.strerror))
            failed = 1
            continue
        rec = enrich_bytes(data, reference)
        name = os.path.basename(path)
        rec["id"] = name[:-4] if len(name) > 4 and name.endswith(".txt") \
            else name
        sys.stdout.write(json.dumps(rec, ensure_ascii=False,
                                    separators=(",", ":")) + "\n")
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv))
