/*
 * nf_egress.h - where a webhook may be sent: URL and address policy
 * against SSRF (server-side request forgery).
 *
 * The endpoint URL is parsed strictly (https; http only with the loopback
 * allowance; no credentials, no non-ASCII or control bytes), its host is
 * resolved and EVERY address classified. Only public unicast addresses
 * pass, plus loopback when webhook.allow.loopback is set (tests, demos).
 * Link-local (169.254.0.0/16: cloud metadata), private, shared, multicast,
 * reserved and documentation ranges never pass, whatever their spelling
 * (0x7f.1, 2130706433, 0177.0.0.1, ::ffff:127.0.0.1, 64:ff9b::a00:1, ...).
 *
 * The vetted addresses are pinned in curl (CURLOPT_RESOLVE), so curl does
 * not resolve the name again, and the address of every socket curl opens
 * is checked again (nf_egress_sockaddr_allowed() from
 * CURLOPT_OPENSOCKETFUNCTION): a DNS answer that changes between the check
 * and the connection (rebinding) cannot reach a refused address.
 */
#ifndef NF_EGRESS_H
#define NF_EGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "nf_err.h"

/** Longest accepted URL and host name; addresses pinned per host. */
#define NF_EGRESS_URL_MAX   2048
#define NF_EGRESS_HOST_MAX  253
#define NF_EGRESS_MAX_ADDRS 8
/** "host:port:" + addresses ("[v6]", comma separated) + NUL. */
#define NF_EGRESS_RESOLVE_MAX                                                  \
    (NF_EGRESS_HOST_MAX + 8 + NF_EGRESS_MAX_ADDRS * 48)

enum nf_addr_class {
    NF_ADDR_PUBLIC = 0, /**< global unicast */
    NF_ADDR_LOOPBACK,   /**< 127.0.0.0/8, ::1 */
    NF_ADDR_PRIVATE,    /**< RFC 1918, 100.64/10, fc00::/7, fec0::/10 */
    NF_ADDR_LINK_LOCAL, /**< 169.254.0.0/16 (metadata), fe80::/10 */
    NF_ADDR_SPECIAL     /**< unspecified, multicast, reserved, docs... */
};

struct nf_egress_policy {
    bool allow_loopback; /**< webhook.allow.loopback (test/demo only) */
};

struct nf_url {
    bool https;
    char host[NF_EGRESS_HOST_MAX + 1]; /**< lower case, no brackets */
    bool host_is_ip; /**< a literal (any IPv4 spelling, or [IPv6]) */
    uint16_t port;
    struct sockaddr_storage ip; /**< the literal, when host_is_ip */
};

/** Addresses a URL's host resolved to, all vetted. */
struct nf_egress_pin {
    struct sockaddr_storage addr[NF_EGRESS_MAX_ADDRS];
    size_t n;
    bool all_loopback;
    char resolve[NF_EGRESS_RESOLVE_MAX]; /**< CURLOPT_RESOLVE entry, "" for
                                              a literal host */
};

/**
 * @brief Parse and check the form of @p url (scheme, no userinfo, host,
 *        port). Does not resolve.
 * @returns 0, or NF_E_CONFIG with the reason in @p err.
 */
int nf_egress_parse_url(const char *url, const struct nf_egress_policy *pol,
                        struct nf_url *out, struct nf_err *err);

/**
 * @brief Parse a numeric IPv4 host in any inet_aton spelling: 1 to 4
 *        parts, each decimal, octal (leading 0) or hex (0x).
 * @returns 1 and sets @p out (host order) for a number, 0 when @p s is
 *          not numeric (a name), -1 when it looks numeric (its last label
 *          is a number) but is not a valid address: refuse it.
 */
int nf_egress_parse_ipv4(const char *s, size_t n, uint32_t *out);

/** @returns the class of an IPv4 address (host byte order). */
enum nf_addr_class nf_egress_classify_v4(uint32_t a);

/** @returns the class of an IPv6 address (embedded IPv4 forms are
 *  classified by the IPv4 address they carry). */
enum nf_addr_class nf_egress_classify_v6(const unsigned char a[16]);

/** @returns the class of a socket address (AF_INET/AF_INET6; any other
 *  family is NF_ADDR_SPECIAL). */
enum nf_addr_class nf_egress_classify(const struct sockaddr *sa, size_t len);

/** @returns "public", "loopback", "private", "link_local", "special". */
const char *nf_egress_class_name(enum nf_addr_class c);

/**
 * @brief The connect-time check: may a socket to @p sa be opened for
 *        @p url under @p pol? (plain http: loopback only)
 */
bool nf_egress_sockaddr_allowed(const struct sockaddr *sa, size_t len,
                                const struct nf_url *url,
                                const struct nf_egress_policy *pol);

/**
 * @brief Resolve @p url's host (getaddrinfo; a literal is used as is) and
 *        vet every address: one refused address refuses the host.
 * @returns 0 with @p pin filled, or NF_E_CONFIG naming the host, the
 *          address and its class in @p err.
 * @remark Blocks for the DNS lookup: call from a thread that may block.
 */
int nf_egress_resolve(const struct nf_url *url,
                      const struct nf_egress_policy *pol,
                      struct nf_egress_pin *pin, struct nf_err *err);

#endif /* NF_EGRESS_H */
