/*
 * nf_run.h - `noticeflow run`: the Kafka worker subcommand.
 */
#ifndef NF_RUN_H
#define NF_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/**
 * @brief `noticeflow run --config FILE [-X key=value ...]`
 *        (argv[0] is "run").
 * @returns the process exit code: 0 clean shutdown, 1 fatal runtime
 *          error (no commit), 2 bad configuration or usage.
 */
int nf_run_main(int argc, char **argv);

/**
 * @brief `noticeflow check-config FILE [--env] [-X key=value ...]`
 *        (argv[0] is "check-config"): load and validate like `run`, never
 *        connect. @returns 0 valid, 2 invalid or usage.
 */
int nf_run_check_config_main(int argc, char **argv);

struct nf_config;
struct nf_err;
struct nf_http;

/**
 * @brief Reset the metrics registry for this process (role worker or
 *        dispatcher, its topics from @p cfg) and start the endpoint on
 *        metrics.listen.
 * @returns the server; NULL when metrics.listen is empty (@p err zeroed)
 *          or on failure (reason in @p err, logged: the caller goes on
 *          without an endpoint).
 */
struct nf_http *nf_run_ops_start(const struct nf_config *cfg, bool dispatcher,
                                 struct nf_err *err);

/** Cap on -X arguments (each is one setting). */
#define NF_RUN_MAX_X 256

/** The command line of `run` and `dispatch`. */
struct nf_run_args {
    const char *path;       /**< --config FILE, or NULL */
    char *xs[NF_RUN_MAX_X]; /**< -X key=value, borrowed from argv */
    size_t nx;
};

/**
 * Parse `--config FILE | -c FILE | --config=FILE`, `-X key=value` and
 * `-h/--help` (and, with @p help_config, `--help-config`) for the
 * subcommand @p cmd (argv[0]); @p print_usage prints its usage.
 * @returns 0 (args filled; a file or at least one -X was given), -1 when
 *          a help text was printed (exit 0), or 2 on a usage error
 *          (message on stderr).
 */
int nf_run_parse_args(const char *cmd, int argc, char **argv, bool help_config,
                      void (*print_usage)(FILE *), struct nf_run_args *args);

/**
 * Start-up shared by `run` and `dispatch`: loads @p cfg from @p path, the
 * environment and the @p nx -X settings @p xs, registers its secrets with
 * the log masker and sets the log level.
 * @returns 0, or 2 (bad configuration, logged with its reason in @p err).
 */
int nf_run_load_config(struct nf_config *cfg, const char *path, char **xs,
                       size_t nx, struct nf_err *err);

/**
 * Installs @p handler for SIGTERM and SIGINT, and ignores SIGPIPE (a
 * broken pipe is an error return, never a silent death).
 */
void nf_run_install_signals(void (*handler)(int));

#endif /* NF_RUN_H */
