/*
 * test_nf_egress.c - webhook URL and address policy (anti-SSRF).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "nf_egress.h"
#include "nf_test.h"

static const struct nf_egress_policy strict = {false};
static const struct nf_egress_policy loopback_ok = {true};

static uint32_t v4(const char *dotted)
{
    struct in_addr a;

    inet_pton(AF_INET, dotted, &a);
    return ntohl(a.s_addr);
}

static enum nf_addr_class c6(const char *s)
{
    unsigned char a[16];

    CHECK(inet_pton(AF_INET6, s, a) == 1, "bad test address %s", s);
    return nf_egress_classify_v6(a);
}

static void test_ipv4_spellings(void)
{
    uint32_t a = 0;

    /* inet_aton forms: every one of these is 127.0.0.1 */
    CHECK_INTEQ(nf_egress_parse_ipv4("127.0.0.1", 9, &a), 1);
    CHECK_INTEQ(a, 0x7f000001);
    a = 0;
    CHECK_INTEQ(nf_egress_parse_ipv4("0x7f.1", 6, &a), 1);
    CHECK_INTEQ(a, 0x7f000001);
    a = 0;
    CHECK_INTEQ(nf_egress_parse_ipv4("2130706433", 10, &a), 1);
    CHECK_INTEQ(a, 0x7f000001);
    a = 0;
    CHECK_INTEQ(nf_egress_parse_ipv4("0177.0.0.1", 10, &a), 1);
    CHECK_INTEQ(a, 0x7f000001);
    a = 0;
    CHECK_INTEQ(nf_egress_parse_ipv4("0x7F000001", 10, &a), 1);
    CHECK_INTEQ(a, 0x7f000001);
    a = 0;
    CHECK_INTEQ(nf_egress_parse_ipv4("127.1", 5, &a), 1);
    CHECK_INTEQ(a, 0x7f000001);
    CHECK_INTEQ(nf_egress_parse_ipv4("169.254.43518", 13, &a), 1);
    CHECK_INTEQ(a, 0xa9fea9fe);
    CHECK_INTEQ(nf_egress_parse_ipv4("127.0.0.1.", 10, &a), 1);
    /* names: not numbers */
    CHECK_INTEQ(nf_egress_parse_ipv4("example.com", 11, &a), 0);
    CHECK_INTEQ(nf_egress_parse_ipv4("1.2.3.example", 13, &a), 0);
    CHECK_INTEQ(nf_egress_parse_ipv4("0xg", 3, &a), 0);
    /* numeric-looking but invalid: refused, never a name */
    CHECK_INTEQ(nf_egress_parse_ipv4("1.2.3.256", 9, &a), -1);
    CHECK_INTEQ(nf_egress_parse_ipv4("1.2.3.4.5", 9, &a), -1);
    CHECK_INTEQ(nf_egress_parse_ipv4("08.0.0.1", 8, &a), -1);
    CHECK_INTEQ(nf_egress_parse_ipv4("4294967296", 10, &a), -1);
    CHECK_INTEQ(nf_egress_parse_ipv4("1..2", 4, &a), -1);
    CHECK_INTEQ(nf_egress_parse_ipv4("99999999999999999999999", 23, &a), -1);
}

static void test_classify(void)
{
    CHECK_INTEQ(nf_egress_classify_v4(v4("93.184.216.34")), NF_ADDR_PUBLIC);
    CHECK_INTEQ(nf_egress_classify_v4(v4("8.8.8.8")), NF_ADDR_PUBLIC);
    CHECK_INTEQ(nf_egress_classify_v4(v4("127.0.0.1")), NF_ADDR_LOOPBACK);
    CHECK_INTEQ(nf_egress_classify_v4(v4("127.255.1.2")), NF_ADDR_LOOPBACK);
    CHECK_INTEQ(nf_egress_classify_v4(v4("10.0.0.1")), NF_ADDR_PRIVATE);
    CHECK_INTEQ(nf_egress_classify_v4(v4("172.16.0.1")), NF_ADDR_PRIVATE);
    CHECK_INTEQ(nf_egress_classify_v4(v4("172.31.255.255")), NF_ADDR_PRIVATE);
    CHECK_INTEQ(nf_egress_classify_v4(v4("172.32.0.1")), NF_ADDR_PUBLIC);
    CHECK_INTEQ(nf_egress_classify_v4(v4("192.168.1.1")), NF_ADDR_PRIVATE);
    CHECK_INTEQ(nf_egress_classify_v4(v4("100.64.0.1")), NF_ADDR_PRIVATE);
    CHECK_INTEQ(nf_egress_classify_v4(v4("169.254.169.254")),
                NF_ADDR_LINK_LOCAL);
    CHECK_INTEQ(nf_egress_classify_v4(v4("0.0.0.0")), NF_ADDR_SPECIAL);
    CHECK_INTEQ(nf_egress_classify_v4(v4("224.0.0.1")), NF_ADDR_SPECIAL);
    CHECK_INTEQ(nf_egress_classify_v4(v4("255.255.255.255")), NF_ADDR_SPECIAL);
    CHECK_INTEQ(nf_egress_classify_v4(v4("192.0.2.10")), NF_ADDR_SPECIAL);
    CHECK_INTEQ(nf_egress_classify_v4(v4("198.18.0.1")), NF_ADDR_SPECIAL);

    CHECK_INTEQ(c6("2606:2800:220:1:248:1893:25c8:1946"), NF_ADDR_PUBLIC);
    CHECK_INTEQ(c6("::1"), NF_ADDR_LOOPBACK);
    CHECK_INTEQ(c6("::"), NF_ADDR_SPECIAL);
    CHECK_INTEQ(c6("::ffff:127.0.0.1"), NF_ADDR_LOOPBACK);
    CHECK_INTEQ(c6("::ffff:169.254.169.254"), NF_ADDR_LINK_LOCAL);
    CHECK_INTEQ(c6("::ffff:8.8.8.8"), NF_ADDR_PUBLIC);
    CHECK_INTEQ(c6("64:ff9b::a00:1"), NF_ADDR_PRIVATE);
    CHECK_INTEQ(c6("64:ff9b::808:808"), NF_ADDR_PUBLIC);
    CHECK_INTEQ(c6("2002:7f00:1::"), NF_ADDR_LOOPBACK);
    CHECK_INTEQ(c6("::127.0.0.1"), NF_ADDR_SPECIAL);
    CHECK_INTEQ(c6("fe80::1"), NF_ADDR_LINK_LOCAL);
    CHECK_INTEQ(c6("fd00::1"), NF_ADDR_PRIVATE);
    CHECK_INTEQ(c6("fc00::1"), NF_ADDR_PRIVATE);
    CHECK_INTEQ(c6("ff02::1"), NF_ADDR_SPECIAL);
    CHECK_INTEQ(c6("2001:db8::1"), NF_ADDR_SPECIAL);
    CHECK_INTEQ(c6("2001::1"), NF_ADDR_SPECIAL); /* Teredo */
}

static int url_rc(const char *url, const struct nf_egress_policy *p)
{
    struct nf_url u;
    struct nf_err err = {0};

    return nf_egress_parse_url(url, p, &u, &err);
}

static void test_urls(void)
{
    struct nf_url u;
    struct nf_err err = {0};

    CHECK_INTEQ(nf_egress_parse_url("https://Hooks.Example.com:8443/a?b=1",
                                    &strict, &u, &err),
                0);
    CHECK_STREQ(u.host, "hooks.example.com");
    CHECK_INTEQ(u.port, 8443);
    CHECK(u.https && !u.host_is_ip, "https name");
    CHECK_INTEQ(
        nf_egress_parse_url("https://93.184.216.34/", &strict, &u, &err), 0);
    CHECK(u.host_is_ip && u.port == 443, "literal, default port");

    /* the SSRF list, test allowance off */
    CHECK(url_rc("https://127.0.0.1/", &strict) != 0, "127.0.0.1");
    CHECK(url_rc("https://[::1]/", &strict) != 0, "[::1]");
    CHECK(url_rc("https://169.254.169.254/latest/meta-data/", &strict) != 0,
          "metadata");
    CHECK(url_rc("https://10.0.0.1/", &strict) != 0, "10/8");
    CHECK(url_rc("https://0x7f.1/", &strict) != 0, "0x7f.1");
    CHECK(url_rc("https://2130706433/", &strict) != 0, "decimal");
    CHECK(url_rc("https://0177.0.0.1/", &strict) != 0, "octal");
    CHECK(url_rc("https://[::ffff:127.0.0.1]/", &strict) != 0, "mapped");
    CHECK(url_rc("https://[::ffff:a9fe:a9fe]/", &strict) != 0, "mapped hex");
    CHECK(url_rc("file:///etc/passwd", &strict) != 0, "file://");
    CHECK(url_rc("gopher://h.example/", &strict) != 0, "gopher");
    CHECK(url_rc("ftp://h.example/", &strict) != 0, "ftp");
    CHECK(url_rc("http://h.example/", &strict) != 0, "plain http");
    CHECK(url_rc("https://user:pw@h.example/", &strict) != 0, "userinfo");
    CHECK(url_rc("https://h.example@127.0.0.1/", &strict) != 0, "@ trick");
    CHECK(url_rc("https://h.example\\@127.0.0.1/", &strict) != 0, "bslash");
    CHECK(url_rc("https://1.2.3.256/", &strict) != 0, "bad numeric");
    CHECK(url_rc("https://h.example:0/", &strict) != 0, "port 0");
    CHECK(url_rc("https://h.example:65536/", &strict) != 0, "port");
    CHECK(url_rc("https://h.example:/", &strict) != 0, "empty port");
    CHECK(url_rc("https:// h.example/", &strict) != 0, "space");
    CHECK(url_rc("https://ホスト.example/", &strict) != 0, "non-ASCII");
    CHECK(url_rc("https://[fe80::1%25eth0]/", &strict) != 0, "zone id");
    CHECK(url_rc("", &strict) != 0, "empty");
    CHECK(url_rc("https:///x", &strict) != 0, "no host");

    /* the allowance: loopback (and http to it) only; never metadata */
    CHECK_INTEQ(url_rc("https://127.0.0.1:8443/", &loopback_ok), 0);
    CHECK_INTEQ(url_rc("http://127.0.0.1:8080/hook", &loopback_ok), 0);
    CHECK_INTEQ(url_rc("https://[::1]:8443/", &loopback_ok), 0);
    CHECK(url_rc("https://169.254.169.254/", &loopback_ok) != 0,
          "metadata with allowance");
    CHECK(url_rc("https://10.0.0.1/", &loopback_ok) != 0, "private");
    CHECK(url_rc("http://93.184.216.34/", &loopback_ok) != 0,
          "plain http to a public address");
}

static void test_resolve(void)
{
    struct nf_url u;
    struct nf_egress_pin pin;
    struct nf_err err = {0};

    /* a name resolving to loopback: refused, then pinned with the
     * allowance (localhost resolves from /etc/hosts, no network) */
    CHECK_INTEQ(nf_egress_parse_url("https://localhost:9/", &strict, &u, &err),
                0);
    CHECK(nf_egress_resolve(&u, &strict, &pin, &err) != 0,
          "localhost accepted");
    CHECK(strstr(err.msg, "loopback") != NULL, "reason: %s", err.msg);
    CHECK_INTEQ(
        nf_egress_parse_url("https://localhost:9/", &loopback_ok, &u, &err), 0);
    CHECK_INTEQ(nf_egress_resolve(&u, &loopback_ok, &pin, &err), 0);
    CHECK(pin.n >= 1 && pin.all_loopback, "pin");
    CHECK(strncmp(pin.resolve, "localhost:9:", 12) == 0, "resolve: %s",
          pin.resolve);
    /* a literal: no DNS, no CURLOPT_RESOLVE entry */
    CHECK_INTEQ(
        nf_egress_parse_url("https://127.0.0.1:9/", &loopback_ok, &u, &err), 0);
    CHECK_INTEQ(nf_egress_resolve(&u, &loopback_ok, &pin, &err), 0);
    CHECK_STREQ(pin.resolve, "");
}

static void test_connect_check(void)
{
    struct nf_url u;
    struct nf_err err = {0};
    struct sockaddr_in s4;
    struct sockaddr_in6 s6;

    nf_egress_parse_url("https://hooks.example.com/", &strict, &u, &err);
    memset(&s4, 0, sizeof(s4));
    s4.sin_family = AF_INET;
    s4.sin_addr.s_addr = htonl(0x5db8d822); /* 93.184.216.34 */
    CHECK(nf_egress_sockaddr_allowed((struct sockaddr *)&s4, sizeof(s4), &u,
                                     &strict),
          "public refused");
    /* DNS rebinding: the connect goes to the metadata address */
    s4.sin_addr.s_addr = htonl(0xa9fea9fe);
    CHECK(!nf_egress_sockaddr_allowed((struct sockaddr *)&s4, sizeof(s4), &u,
                                      &loopback_ok),
          "metadata allowed at connect");
    memset(&s6, 0, sizeof(s6));
    s6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::ffff:10.1.2.3", &s6.sin6_addr);
    CHECK(!nf_egress_sockaddr_allowed((struct sockaddr *)&s6, sizeof(s6), &u,
                                      &strict),
          "mapped private allowed at connect");
    /* a truncated sockaddr is never trusted */
    CHECK(!nf_egress_sockaddr_allowed((struct sockaddr *)&s4, 4, &u, &strict),
          "short sockaddr");
}

int main(void)
{
    test_ipv4_spellings();
    test_classify();
    test_urls();
    test_resolve();
    test_connect_check();
    return nf_test_failures != 0;
}
