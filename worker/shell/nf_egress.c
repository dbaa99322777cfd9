/*
 * nf_egress.c - webhook URL and address policy (anti-SSRF).
 *
 * Forms handled, with what they become:
 *   https://hooks.example.com/x      name: resolved, every address vetted
 *   https://127.0.0.1/  https://[::1]/            loopback (refused unless
 *                                                  the test allowance)
 *   https://0x7f.1/  https://2130706433/  https://0177.0.0.1/
 *                                    IPv4 in inet_aton spellings → 127.0.0.1
 *   https://[::ffff:127.0.0.1]/  https://[64:ff9b::a9fe:a9fe]/
 *                                    IPv4 embedded in IPv6: the IPv4 address
 *                                    is classified (→ loopback, link-local)
 *   https://169.254.169.254/         link-local: cloud metadata, always
 *                                    refused, even with the allowance
 *   file:///etc/passwd, gopher://, ftp://, https://u:p@h/   refused
 *
 * Approach: the WHATWG URL rule for hosts - a host whose last label is a
 * number IS an IPv4 address and must parse as one (so "1.2.3.256" and
 * "0x7f.1" cannot slip through as names that some resolver would still
 * turn into an address) - then glibc's getaddrinfo for names and a range
 * table per family. A name with one refused address among its answers is
 * refused whole: mixing public and private answers is how rebinding
 * attacks look. The vetted list is pinned in curl and re-checked on every
 * connect (nf_webhook.c), so no later DNS answer is ever used.
 *
 * Discarded: an allow-list of host names (operators configure one URL
 * anyway, and names do not stop rebinding); letting curl resolve and only
 * checking at connect (works, but a bad configuration would then be seen
 * only at the first alert instead of at start-up).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "nf_egress.h"

/* IPv4 ranges that are not global unicast (IANA special-purpose registry,
 * RFC 6890 and successors). Longest prefixes need no ordering: the ranges
 * do not overlap. */
static const struct v4range {
    uint32_t net;
    int bits;
    enum nf_addr_class cls;
} v4ranges[] = {
    /* "this network"; 0.0.0.0 connects to the local host on Linux */
    {0x00000000u, 8, NF_ADDR_SPECIAL},
    /* RFC 1918 private networks */
    {0x0a000000u, 8, NF_ADDR_PRIVATE},
    /* RFC 6598 carrier-grade NAT shared space: internal networks */
    {0x64400000u, 10, NF_ADDR_PRIVATE},
    /* loopback */
    {0x7f000000u, 8, NF_ADDR_LOOPBACK},
    /* link-local, incl. 169.254.169.254 (cloud instance metadata) */
    {0xa9fe0000u, 16, NF_ADDR_LINK_LOCAL},
    /* RFC 1918 */
    {0xac100000u, 12, NF_ADDR_PRIVATE},
    /* IETF protocol assignments (incl. 192.0.0.170 NAT64 discovery) */
    {0xc0000000u, 24, NF_ADDR_SPECIAL},
    /* TEST-NET-1 documentation */
    {0xc0000200u, 24, NF_ADDR_SPECIAL},
    /* deprecated 6to4 relay anycast */
    {0xc0586300u, 24, NF_ADDR_SPECIAL},
    /* RFC 1918 */
    {0xc0a80000u, 16, NF_ADDR_PRIVATE},
    /* benchmarking (RFC 2544) */
    {0xc6120000u, 15, NF_ADDR_SPECIAL},
    /* TEST-NET-2 */
    {0xc6336400u, 24, NF_ADDR_SPECIAL},
    /* TEST-NET-3 */
    {0xcb007100u, 24, NF_ADDR_SPECIAL},
    /* multicast */
    {0xe0000000u, 4, NF_ADDR_SPECIAL},
    /* reserved, incl. 255.255.255.255 broadcast */
    {0xf0000000u, 4, NF_ADDR_SPECIAL},
};

/* IPv6 ranges that are not global unicast. EMBED: the IPv4 address in the
 * last 4 bytes (or bytes 2..5 for 6to4) decides. */
enum { NO_EMBED = 0, EMBED_LAST4, EMBED_6TO4 };

static const struct v6range {
    unsigned char net[16];
    int bits;
    enum nf_addr_class cls;
    int embed;
} v6ranges[] = {
    /* ::ffff:0:0/96 IPv4-mapped: the kernel connects to the IPv4 address */
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff},
     96,
     NF_ADDR_PUBLIC,
     EMBED_LAST4},
    /* ::ffff:0:0:0/96 SIIT IPv4-translated */
    {{0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0},
     96,
     NF_ADDR_PUBLIC,
     EMBED_LAST4},
    /* 64:ff9b::/96 NAT64 well-known prefix: reaches the IPv4 address */
    {{0, 0x64, 0xff, 0x9b}, 96, NF_ADDR_PUBLIC, EMBED_LAST4},
    /* 64:ff9b:1::/48 local-use NAT64 (RFC 8215) */
    {{0, 0x64, 0xff, 0x9b, 0, 1}, 48, NF_ADDR_PRIVATE, NO_EMBED},
    /* 100::/64 discard-only */
    {{0x01, 0x00}, 64, NF_ADDR_SPECIAL, NO_EMBED},
    /* 2001:db8::/32 documentation (before 2001::/23, which contains it) */
    {{0x20, 0x01, 0x0d, 0xb8}, 32, NF_ADDR_SPECIAL, NO_EMBED},
    /* 2001::/23 IETF protocol assignments, incl. Teredo 2001::/32 (a
     * tunnel to any IPv4 address) */
    {{0x20, 0x01}, 23, NF_ADDR_SPECIAL, NO_EMBED},
    /* 2002::/16 6to4: reaches the IPv4 address in bytes 2..5 */
    {{0x20, 0x02}, 16, NF_ADDR_PUBLIC, EMBED_6TO4},
    /* fc00::/7 unique local */
    {{0xfc}, 7, NF_ADDR_PRIVATE, NO_EMBED},
    /* fe80::/10 link-local */
    {{0xfe, 0x80}, 10, NF_ADDR_LINK_LOCAL, NO_EMBED},
    /* fec0::/10 deprecated site-local */
    {{0xfe, 0xc0}, 10, NF_ADDR_PRIVATE, NO_EMBED},
    /* ff00::/8 multicast */
    {{0xff}, 8, NF_ADDR_SPECIAL, NO_EMBED},
};

#define N_V4 (sizeof(v4ranges) / sizeof(v4ranges[0]))
#define N_V6 (sizeof(v6ranges) / sizeof(v6ranges[0]))

static const char *const class_names[] = {"public", "loopback", "private",
                                          "link_local", "special"};

const char *nf_egress_class_name(enum nf_addr_class c)
{
    return (unsigned)c < sizeof(class_names) / sizeof(class_names[0])
               ? class_names[c]
               : "special";
}

enum nf_addr_class nf_egress_classify_v4(uint32_t a)
{
    size_t i;

    for (i = 0; i < N_V4; i++) {
        uint32_t mask = 0xffffffffu << (32 - v4ranges[i].bits);

        if ((a & mask) == v4ranges[i].net)
            return v4ranges[i].cls;
    }
    return NF_ADDR_PUBLIC;
}

static bool prefix_match(const unsigned char *a, const unsigned char *net,
                         int bits)
{
    int full = bits / 8, rest = bits % 8;

    if (memcmp(a, net, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    return ((a[full] ^ net[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

enum nf_addr_class nf_egress_classify_v6(const unsigned char a[16])
{
    static const unsigned char zero[16];
    size_t i;

    /* :: unspecified, ::1 loopback, ::/96 deprecated IPv4-compatible */
    if (memcmp(a, zero, 15) == 0)
        return a[15] == 1 ? NF_ADDR_LOOPBACK : NF_ADDR_SPECIAL;
    if (memcmp(a, zero, 12) == 0)
        return NF_ADDR_SPECIAL;
    for (i = 0; i < N_V6; i++) {
        const struct v6range *r = &v6ranges[i];

        if (!prefix_match(a, r->net, r->bits))
            continue;
        if (r->embed == EMBED_LAST4)
            return nf_egress_classify_v4(be32(a + 12));
        if (r->embed == EMBED_6TO4)
            return nf_egress_classify_v4(be32(a + 2));
        return r->cls;
    }
    return NF_ADDR_PUBLIC;
}

enum nf_addr_class nf_egress_classify(const struct sockaddr *sa, size_t len)
{
    if (!sa)
        return NF_ADDR_SPECIAL;
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        return nf_egress_classify_v4(ntohl(s4->sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        return nf_egress_classify_v6(s6->sin6_addr.s6_addr);
    }
    return NF_ADDR_SPECIAL;
}

static bool class_allowed(enum nf_addr_class c, const struct nf_url *url,
                          const struct nf_egress_policy *pol)
{
    if (c == NF_ADDR_LOOPBACK)
        return pol->allow_loopback;
    /* plain http only ever reaches a local test receiver */
    return c == NF_ADDR_PUBLIC && url->https;
}

bool nf_egress_sockaddr_allowed(const struct sockaddr *sa, size_t len,
                                const struct nf_url *url,
                                const struct nf_egress_policy *pol)
{
    return class_allowed(nf_egress_classify(sa, len), url, pol);
}

/* One inet_aton part: decimal, 0-prefixed octal or 0x hex. Returns 0 and
 * the value, or -1. Values are capped so an endless digit string cannot
 * overflow. */
static int ipv4_part(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;
    size_t i = 0;

    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    } else if (n >= 2 && s[0] == '0') {
        base = 8;
        i = 1;
    }
    if (n == 0)
        return -1; /* "1..2": an empty part */
    for (; i < n; i++) {
        int d;
        char c = s[i];

        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (base == 16 && isxdigit((unsigned char)c))
            d = tolower((unsigned char)c) - 'a' + 10;
        else
            return -1;
        if (d >= (int)base)
            return -1;
        v = v * base + (uint64_t)d;
        if (v > 0xffffffffu)
            return -1;
    }
    *out = v;
    return 0;
}

/* Is the label a number in the WHATWG sense (digits, or 0x + hex)? */
static bool numeric_label(const char *s, size_t n)
{
    size_t i = 0;

    if (n == 0)
        return false;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (i = 2; i < n; i++)
            if (!isxdigit((unsigned char)s[i]))
                return false;
        return true;
    }
    for (i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

int nf_egress_parse_ipv4(const char *s, size_t n, uint32_t *out)
{
    uint64_t part[4];
    size_t np = 0, start = 0, i, last;
    uint64_t v;

    if (n > 0 && s[n - 1] == '.')
        n--; /* "127.0.0.1." is the same host */
    if (n == 0)
        return 0;
    last = n;
    while (last > 0 && s[last - 1] != '.')
        last--;
    if (!numeric_label(s + last, n - last))
        return 0;
    for (i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        if (np == 4 || ipv4_part(s + start, i - start, &part[np]) != 0)
            return -1;
        np++;
        start = i + 1;
    }
    /* a.b.c.d; a.b.c16; a.b24; a32 (inet_aton) */
    for (i = 0; i + 1 < np; i++)
        if (part[i] > 255)
            return -1;
    if (part[np - 1] > (0xffffffffu >> (8 * (np - 1))))
        return -1;
    v = part[np - 1];
    for (i = 0; i + 1 < np; i++)
        v |= part[i] << (24 - 8 * i);
    *out = (uint32_t)v;
    return 1;
}

static int parse_host(const char *h, size_t n, struct nf_url *out,
                      struct nf_err *err)
{
    size_t i;
    uint32_t v4;
    int rc;

    memset(&out->ip, 0, sizeof(out->ip));
    if (n > 0 && h[0] == '[') {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ip;
        char tmp[64];

        if (n < 3 || h[n - 1] != ']' || n - 2 >= sizeof(tmp))
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "webhook.url: bad IPv6 "
                              "literal");
        memcpy(tmp, h + 1, n - 2);
        tmp[n - 2] = '\0';
        /* zone ids (%eth0) only name link-local scopes: refused */
        if (inet_pton(AF_INET6, tmp, &s6->sin6_addr) != 1)
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "webhook.url: bad IPv6 literal '%s'", tmp);
        s6->sin6_family = AF_INET6;
        snprintf(out->host, sizeof(out->host), "%s", tmp);
        out->host_is_ip = true;
        return 0;
    }
    if (n == 0 || n > NF_EGRESS_HOST_MAX)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "webhook.url: empty or too long host");
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];

        /* LDH names (IDN must be given in punycode), dots, '_' */
        if (!isalnum(c) && c != '-' && c != '.' && c != '_')
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "webhook.url: invalid character in host (use "
                              "punycode for international names)");
        out->host[i] = (char)tolower(c);
    }
    out->host[n] = '\0';
    rc = nf_egress_parse_ipv4(h, n, &v4);
    if (rc < 0)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "webhook.url: host '%s' is numeric but not an IPv4 "
                          "address",
                          out->host);
    if (rc == 1) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ip;

        s4->sin_family = AF_INET;
        s4->sin_addr.s_addr = htonl(v4);
        out->host_is_ip = true;
    }
    return 0;
}

int nf_egress_parse_url(const char *url, const struct nf_egress_policy *pol,
                        struct nf_url *out, struct nf_err *err)
{
    size_t n, i, alen;
    const char *auth, *aend, *colon = NULL, *hend;

    memset(out, 0, sizeof(*out));
    n = url ? strlen(url) : 0;
    if (n == 0 || n > NF_EGRESS_URL_MAX)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "webhook.url: empty or longer than %d bytes",
                          NF_EGRESS_URL_MAX);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)url[i];

        /* parsers disagree on these: refuse rather than guess */
        if (c <= 0x20 || c >= 0x7f || c == '\\')
            return nf_err_set(err, NF_E_CONFIG, i,
                              "webhook.url: space, control, backslash or "
                              "non-ASCII byte at %zu",
                              i);
    }
    if (strncasecmp(url, "https://", 8) == 0) {
        out->https = true;
        auth = url + 8;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        if (!pol->allow_loopback)
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "webhook.url: http is refused: https only "
                              "(http needs webhook.allow.loopback, for a "
                              "local receiver)");
        auth = url + 7;
    } else {
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "webhook.url: only https:// URLs are allowed");
    }
    aend = auth + strcspn(auth, "/?#");
    alen = (size_t)(aend - auth);
    if (memchr(auth, '@', alen))
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "webhook.url: credentials in the URL are refused "
                          "(use the signature secret)");
    /* the port colon is the last one after a possible ]  */
    hend = aend;
    for (i = alen; i > 0; i--) {
        if (auth[i - 1] == ']')
            break;
        if (auth[i - 1] == ':') {
            colon = auth + i - 1;
            break;
        }
    }
    if (colon) {
        unsigned long port = 0;
        const char *p;

        hend = colon;
        if (colon + 1 == aend || aend - colon > 6)
            return nf_err_set(err, NF_E_CONFIG, 0, "webhook.url: bad port");
        for (p = colon + 1; p < aend; p++) {
            if (!isdigit((unsigned char)*p))
                return nf_err_set(err, NF_E_CONFIG, 0, "webhook.url: bad port");
            port = port * 10 + (unsigned long)(*p - '0');
        }
        if (port == 0 || port > 65535)
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "webhook.url: port out of range");
        out->port = (uint16_t)port;
    } else {
        out->port = out->https ? 443 : 80;
    }
    if (parse_host(auth, (size_t)(hend - auth), out, err) != 0)
        return NF_E_CONFIG;
    if (out->host_is_ip) {
        size_t sl = out->ip.ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                                 : sizeof(struct sockaddr_in6);
        enum nf_addr_class c =
            nf_egress_classify((const struct sockaddr *)&out->ip, sl);

        if (!class_allowed(c, out, pol))
            return nf_err_set(err, NF_E_CONFIG, 0,
                              "webhook.url: address of '%s' is %s: refused",
                              out->host, nf_egress_class_name(c));
    }
    return 0;
}

static void format_addr(const struct sockaddr_storage *ss, char *buf,
                        size_t cap, bool brackets)
{
    char tmp[INET6_ADDRSTRLEN];

    if (ss->ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, tmp,
                  sizeof(tmp));
        snprintf(buf, cap, brackets ? "[%s]" : "%s", tmp);
    } else {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, tmp,
                  sizeof(tmp));
        snprintf(buf, cap, "%s", tmp);
    }
}

static int pin_add(struct nf_egress_pin *pin, const struct sockaddr *sa,
                   size_t len, const struct nf_url *url,
                   const struct nf_egress_policy *pol, struct nf_err *err)
{
    enum nf_addr_class c = nf_egress_classify(sa, len);
    char shown[INET6_ADDRSTRLEN + 2];
    size_t i;

    if (len > sizeof(pin->addr[0]))
        return nf_err_set(err, NF_E_CONFIG, 0, "webhook.url: bad address");
    if (!class_allowed(c, url, pol)) {
        struct sockaddr_storage ss;

        memset(&ss, 0, sizeof(ss));
        memcpy(&ss, sa, len);
        format_addr(&ss, shown, sizeof(shown), false);
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "webhook.url: host '%s' resolves to %s (%s): "
                          "refused",
                          url->host, shown, nf_egress_class_name(c));
    }
    for (i = 0; i < pin->n; i++)
        if (memcmp(&pin->addr[i], sa, len) == 0)
            return 0; /* getaddrinfo repeats addresses per socktype */
    if (pin->n == NF_EGRESS_MAX_ADDRS)
        return 0; /* more than enough to connect to */
    memset(&pin->addr[pin->n], 0, sizeof(pin->addr[0]));
    memcpy(&pin->addr[pin->n], sa, len);
    pin->n++;
    if (c != NF_ADDR_LOOPBACK)
        pin->all_loopback = false;
    return 0;
}

int nf_egress_resolve(const struct nf_url *url,
                      const struct nf_egress_policy *pol,
                      struct nf_egress_pin *pin, struct nf_err *err)
{
    struct addrinfo hints, *res = NULL, *ai;
    size_t i, o;
    int rc = 0, gai;

    memset(pin, 0, sizeof(*pin));
    pin->all_loopback = true;
    if (url->host_is_ip) {
        size_t sl = url->ip.ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                                 : sizeof(struct sockaddr_in6);
        return pin_add(pin, (const struct sockaddr *)&url->ip, sl, url, pol,
                       err);
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    gai = getaddrinfo(url->host, NULL, &hints, &res);
    if (gai != 0)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "webhook.url: cannot resolve '%s': %s", url->host,
                          gai_strerror(gai));
    for (ai = res; ai; ai = ai->ai_next) {
        rc = pin_add(pin, ai->ai_addr, ai->ai_addrlen, url, pol, err);
        if (rc)
            break;
    }
    freeaddrinfo(res);
    if (rc)
        return rc;
    if (pin->n == 0)
        return nf_err_set(err, NF_E_CONFIG, 0,
                          "webhook.url: '%s' has no address", url->host);
    o = (size_t)snprintf(pin->resolve, sizeof(pin->resolve),
                         "%s:%u:", url->host, (unsigned)url->port);
    for (i = 0; i < pin->n && o < sizeof(pin->resolve); i++) {
        char a[INET6_ADDRSTRLEN + 2];

        format_addr(&pin->addr[i], a, sizeof(a), true);
        o += (size_t)snprintf(pin->resolve + o, sizeof(pin->resolve) - o,
                              "%s%s", i ? "," : "", a);
    }
    return 0;
}
