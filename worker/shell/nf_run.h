/*
 * nf_run.h - `noticeflow run`: the Kafka worker subcommand.
 */
#ifndef NF_RUN_H
#define NF_RUN_H

/**
 * @brief `noticeflow run --config FILE [-X key=value ...]`
 *        (argv[0] is "run").
 * @returns the process exit code: 0 clean shutdown, 1 fatal runtime
 *          error (no commit), 2 bad configuration or usage.
 */
int nf_run_main(int argc, char **argv);

#endif /* NF_RUN_H */
