/*
 * main.c - the `noticeflow` command: dispatch to a subcommand.
 *
 *   noticeflow enrich ...   offline enrichment of files (nf_cli_enrich.c)
 *   noticeflow version      the worker version
 *
 * The long-running commands (run, dispatch) first fix glibc's mmap
 * threshold, see heap_returns_to_os().
 */
/* mallopt() is a glibc extension, hidden by the build's _POSIX_C_SOURCE */
#define _DEFAULT_SOURCE 1
#include <stdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
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

/* glibc raises its mmap threshold each time a large mmapped block is
 * freed (up to 32 MiB), after which librdkafka's fetch buffers and produce
 * batches come from the heap and stay resident once freed. A fixed
 * 128 KiB threshold keeps them mmapped, so the memory of a backlog goes
 * back to the OS: over 300,000 documents the RSS after the backlog fell
 * from 41-64 MB to 31-39 MB (scripts/bench.sh, RSS row). The glibc
 * variable MALLOC_MMAP_THRESHOLD_, when set, wins. */
static void heap_returns_to_os(void)
{
#ifdef __GLIBC__
    if (!getenv("MALLOC_MMAP_THRESHOLD_"))
        mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "enrich") == 0)
        return nf_cli_enrich_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "run") == 0) {
        heap_returns_to_os();
        return nf_run_main(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "dispatch") == 0) {
        heap_returns_to_os();
        return nf_dispatch_main(argc - 1, argv + 1);
    }
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
