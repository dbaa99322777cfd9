/*
 * main.c - the `noticeflow` command: dispatch to a subcommand.
 *
 *   noticeflow enrich ...   offline enrichment of files (nf_cli_enrich.c)
 *   noticeflow version      the worker version
 */
#include <stdio.h>
#include <string.h>

#include "nf_cli_enrich.h"
#include "nf_dispatch.h"
#include "nf_run.h"

#ifndef NF_VERSION
#define NF_VERSION "0.0.0"
#endif

static void usage(FILE *f)
{
    fprintf(f, "usage: noticeflow <command> [options]\n"
               "commands:\n"
               "  enrich FILE...   enrich notice files, print JSON lines\n"
               "  run --config F   the Kafka worker (see run --help)\n"
               "  dispatch --config F  deliver alerts to the webhook\n"
               "  check-config F   validate a config file (no connection)\n"
               "  version          print the version\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "enrich") == 0)
        return nf_cli_enrich_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "run") == 0)
        return nf_run_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "dispatch") == 0)
        return nf_dispatch_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "check-config") == 0)
        return nf_run_check_config_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("noticeflow %s\n", NF_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "noticeflow: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
