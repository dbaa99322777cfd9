/*
 * nf_run.c - command line, signals and wiring of the Kafka worker.
 *
 *   noticeflow run --config FILE [-X key=value ...]
 *   noticeflow run --help-config      (the configuration reference)
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
#include "nf_kafka.h"
#include "nf_log.h"
#include "nf_run.h"

#ifndef NF_VERSION
#define NF_VERSION "0.0.0"
#endif

/* Cap on -X arguments (each is one setting). */
#define MAX_X 256

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

int nf_run_main(int argc, char **argv)
{
    const char *path = NULL;
    char *xs[MAX_X];
    size_t nx = 0;
    struct nf_config cfg;
    struct nf_err err = {0};
    struct sigaction sa;
    int i, code;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "--help-config") == 0) {
            nf_config_print_reference(stdout);
            return 0;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if ((strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) &&
            i + 1 < argc) {
            path = argv[++i];
        } else if (strncmp(a, "--config=", 9) == 0) {
            path = a + 9;
        } else if (strcmp(a, "-X") == 0 && i + 1 < argc) {
            if (nx == MAX_X) {
                fprintf(stderr, "noticeflow run: more than %d -X\n", MAX_X);
                return 2;
            }
            xs[nx++] = argv[++i];
        } else {
            fprintf(stderr, "noticeflow run: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!path && nx == 0) {
        usage(stderr);
        return 2;
    }
    if (nf_config_load(&cfg, path, environ, xs, nx, &err) != 0) {
        nf_log(NF_LOG_ERROR, "bad configuration", "{s:s}", "reason", err.msg);
        return 2;
    }
    register_secrets(&cfg.kafka_common);
    register_secrets(&cfg.kafka_consumer);
    register_secrets(&cfg.kafka_producer);
    nf_log_set_level(cfg.log_level);
    nf_config_log(&cfg);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    /* a broken pipe is an error return, never a silent death */
    signal(SIGPIPE, SIG_IGN);

    code = nf_kafka_run(&cfg, NF_VERSION, &stop_flag, NULL, &err);
    if (code != 0)
        nf_log(NF_LOG_ERROR, "worker stopped with an error", "{s:s,s:i}",
               "reason", err.msg, "exit_code", code);
    nf_config_free(&cfg);
    nf_log_clear_secrets();
    return code;
}
