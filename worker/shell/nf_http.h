/*
 * nf_http.h - the operations endpoint: /metrics (Prometheus text format),
 * /healthz (alive) and /readyz (ready), served by libmicrohttpd on its own
 * thread from the nf_metrics registry.
 */
#ifndef NF_HTTP_H
#define NF_HTTP_H

#include <sys/socket.h>

#include "nf_err.h"

/** Default of metrics.listen: every IPv4 address, Prometheus' port for
 *  OpenTelemetry-style exporters (9464). */
#define NF_HTTP_DEFAULT_LISTEN "0.0.0.0:9464"

struct nf_http;

/**
 * @brief Parse a listen address "HOST:PORT": HOST an IPv4 literal, an
 *        IPv6 literal in brackets ("[::]:9464") or empty (":9464" = every
 *        IPv4 address); PORT 0..65535 (0: any free port). No name lookup.
 * @param ss, sl filled on success (may be NULL to only validate).
 * @returns 0, or NF_E_CONFIG with the reason in @p err.
 */
int nf_http_parse_listen(const char *s, struct sockaddr_storage *ss,
                         socklen_t *sl, struct nf_err *err);

/**
 * @brief Serve on @p listen (parsed as nf_http_parse_listen) until
 *        nf_http_stop().
 * @returns the server, or NULL with the reason in @p err (bad address,
 *          port in use).
 */
struct nf_http *nf_http_start(const char *listen, struct nf_err *err);

/** @returns the bound port (useful when listen asked for port 0). */
int nf_http_port(const struct nf_http *h);

/** @brief Stop serving and free. NULL is a no-op. */
void nf_http_stop(struct nf_http *h);

#endif /* NF_HTTP_H */
