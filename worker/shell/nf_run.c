/*
 * nf_run.c - command line, signals and wiring of the Kafka worker.
 *
 *   noticeflow run --config FILE [-X key=value ...]
 *   noticeflow run --help-config      (the configuration reference)
 *   noticeflow check-config FILE [--env] [-X key=value ...]
 *                                     (validate without connecting)
 *
 * Signals: the first SIGTERM/SIGINT sets the stop flag (an atomic_int, which
 * is lock-free and so async-signal-safe): the worker stops fetching, drains
 * and commits, then exits 0. A second one exits at once with _exit(1),
 * without committing: what was not committed is reprocessed by the next
 * run (at-least-once), so an impatient operator loses nothing.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nf_config.h"
#include "nf_eos.h"
#include "nf_http.h"
#include "nf_kafka.h"
#include "nf_log.h"
#include "nf_metrics.h"
#include "nf_run.h"

#ifndef NF_VERSION
#define NF_VERSION "0.0.0"
#endif

extern char **environ;

static atomic_int stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    if (atomic_exchange(&stop_flag, 1))
        _exit(1);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: noticeflow run --config FILE [-X key=value ...]\n"
               "       noticeflow run --help-config\n");
}

static void register_secrets(const struct nf_kvlist *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (nf_config_is_secret(l->v[i].key))
            nf_log_add_secret(l->v[i].value);
}

int nf_run_load_config(struct nf_config *cfg, const char *path, char **xs,
                       size_t nx, struct nf_err *err)
{
    if (nf_config_load(cfg, path, environ, xs, nx, err) != 0) {
        nf_log(NF_LOG_ERROR, "bad configuration", "{s:s}", "reason", err->msg);
        return 2;
    }
    register_secrets(&cfg->kafka_common);
    register_secrets(&cfg->kafka_consumer);
    register_secrets(&cfg->kafka_producer);
    nf_log_set_level(cfg->log_level);
    return 0;
}

void nf_run_install_signals(void (*handler)(int))
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    /* a broken pipe is an error return, never a silent death */
    signal(SIGPIPE, SIG_IGN);
}

struct nf_http *nf_run_ops_start(const struct nf_config *cfg, bool dispatcher,
                                 struct nf_err *err)
{
    struct nf_http *h;
    size_t i;

    nf_metrics_init(dispatcher ? "dispatcher" : "worker", NF_VERSION,
                    cfg->health_stall_ms);
    if (dispatcher) {
        nf_metrics_add_topic(cfg->topic_alerts, NF_METRICS_TOPIC_IN);
        nf_metrics_add_topic(cfg->topic_alerts_retry,
                             NF_METRICS_TOPIC_IN | NF_METRICS_TOPIC_OUT);
        nf_metrics_add_topic(cfg->topic_alerts_dead_letter,
                             NF_METRICS_TOPIC_OUT);
    } else {
        /* a ^regex is not a topic: its topics are added on assignment */
        for (i = 0; i < cfg->n_input_topics; i++)
            if (cfg->input_topics[i][0] != '^')
                nf_metrics_add_topic(cfg->input_topics[i], NF_METRICS_TOPIC_IN);
        nf_metrics_add_topic(cfg->topic_incident, NF_METRICS_TOPIC_OUT);
        nf_metrics_add_topic(cfg->topic_loyalty_campaign, NF_METRICS_TOPIC_OUT);
        nf_metrics_add_topic(cfg->topic_other, NF_METRICS_TOPIC_OUT);
        nf_metrics_add_topic(cfg->topic_dead_letter, NF_METRICS_TOPIC_OUT);
        if (cfg->topic_alerts)
            nf_metrics_add_topic(cfg->topic_alerts, NF_METRICS_TOPIC_OUT);
    }
    if (!cfg->metrics_listen) {
        if (err)
            memset(err, 0, sizeof(*err));
        nf_log(NF_LOG_INFO, "metrics endpoint disabled (metrics.listen empty)",
               NULL);
        return NULL;
    }
    h = nf_http_start(cfg->metrics_listen, err);
    if (h)
        nf_log(NF_LOG_INFO, "metrics endpoint listening", "{s:s,s:i}", "listen",
               cfg->metrics_listen, "port", nf_http_port(h));
    else
        /* Kafka work goes on: a second process on the same host (tests,
         * a dispatcher beside a worker) must not die for its metrics; in
         * Kubernetes the failing probes make it visible. */
        nf_log(NF_LOG_ERROR,
               "metrics endpoint not served: running without /metrics, "
               "/healthz, /readyz",
               "{s:s,s:s}", "listen", cfg->metrics_listen, "reason",
               err ? err->msg : "");
    return h;
}

int nf_run_check_config_main(int argc, char **argv)
{
    const char *path = NULL;
    char *xs[NF_RUN_MAX_X];
    size_t nx = 0;
    bool env = false;
    struct nf_config cfg;
    struct nf_err err = {0};
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            printf("usage: noticeflow check-config FILE [--env] "
                   "[-X key=value ...]\n"
                   "  validates FILE as `run` and `dispatch` would (keys, "
                   "types, ranges, librdkafka\n"
                   "  properties) without connecting; --env adds the "
                   "NOTICEFLOW_* environment.\n"
                   "  exit 0 valid, 2 invalid (the reason on stderr)\n");
            return 0;
        }
        if (strcmp(a, "--env") == 0) {
            env = true;
        } else if (strcmp(a, "-X") == 0 && i + 1 < argc) {
            if (nx == NF_RUN_MAX_X) {
                fprintf(stderr, "noticeflow check-config: more than %d -X\n",
                        NF_RUN_MAX_X);
                return 2;
            }
            xs[nx++] = argv[++i];
        } else if (a[0] != '-' && !path) {
            path = a;
        } else {
            fprintf(stderr,
                    "noticeflow check-config: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "usage: noticeflow check-config FILE [--env] "
                        "[-X key=value ...]\n");
        return 2;
    }
    if (nf_config_load(&cfg, path, env ? environ : NULL, xs, nx, &err) != 0) {
        fprintf(stderr, "%s: invalid: %s\n", path, err.msg);
        return 2;
    }
    printf("%s: ok (group %s, %zu input topic(s), metrics %s)\n", path,
           cfg.group_id, cfg.n_input_topics,
           cfg.metrics_listen ? cfg.metrics_listen : "off");
    nf_config_free(&cfg);
    return 0;
}

int nf_run_parse_args(const char *cmd, int argc, char **argv, bool help_config,
                      void (*print_usage)(FILE *), struct nf_run_args *args)
{
    int i;

    args->path = NULL;
    args->nx = 0;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (help_config && strcmp(a, "--help-config") == 0) {
            nf_config_print_reference(stdout);
            return -1;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            print_usage(stdout);
            return -1;
        }
        if ((strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) &&
            i + 1 < argc) {
            args->path = argv[++i];
        } else if (strncmp(a, "--config=", 9) == 0) {
            args->path = a + 9;
        } else if (strcmp(a, "-X") == 0 && i + 1 < argc) {
            if (args->nx == NF_RUN_MAX_X) {
                fprintf(stderr, "noticeflow %s: more than %d -X\n", cmd,
                        NF_RUN_MAX_X);
                return 2;
            }
            args->xs[args->nx++] = argv[++i];
        } else {
            fprintf(stderr, "noticeflow %s: unexpected argument '%s'\n", cmd,
                    a);
            print_usage(stderr);
            return 2;
        }
    }
    if (!args->path && args->nx == 0) {
        print_usage(stderr);
        return 2;
    }
    return 0;
}

int nf_run_main(int argc, char **argv)
{
    struct nf_run_args args;
    struct nf_config cfg;
    struct nf_err err = {0};
    struct nf_http *http;
    int code;

    code = nf_run_parse_args("run", argc, argv, true, usage, &args);
    if (code)
        return code < 0 ? 0 : code;
    if (nf_run_load_config(&cfg, args.path, args.xs, args.nx, &err) != 0)
        return 2;
    nf_config_log(&cfg);
    nf_run_install_signals(on_signal);

    http = nf_run_ops_start(&cfg, false, &err);
    /* delivery.mode: transactions (nf_eos) or acked-offset stores */
    code = cfg.exactly_once
               ? nf_eos_run(&cfg, NF_VERSION, &stop_flag, NULL, &err)
               : nf_kafka_run(&cfg, NF_VERSION, &stop_flag, NULL, &err);
    if (code != 0)
        nf_log(NF_LOG_ERROR, "worker stopped with an error", "{s:s,s:i}",
               "reason", err.msg, "exit_code", code);
    nf_http_stop(http);
    nf_config_free(&cfg);
    nf_log_clear_secrets();
    return code;
}
