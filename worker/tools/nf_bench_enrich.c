/*
 * nf_bench_enrich.c - throughput of the enrichment core on one thread.
 *
 * usage: nf-bench-enrich REPEAT FILE...
 * Loads the files, enriches them all REPEAT times with one enricher, and
 * prints MB/s of notice text and µs per document, measured on the thread's
 * CPU clock (so the figure is per core, whatever else the machine runs).
 * Used by scripts/bench-enrich.sh; not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "noticeflow/nf_enrich.h"

struct doc {
    char *p;
    size_t n;
};

static double now_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int load(const char *path, struct doc *d)
{
    FILE *f = fopen(path, "rb");
    long n;
    int rc = -1;

    if (!f)
        return -1;
    n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    d->p = malloc((size_t)n + 1);
    if (!d->p || fread(d->p, 1, (size_t)n, f) != (size_t)n)
        goto out;
    d->n = (size_t)n;
    rc = 0;

out:
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    struct nf_enricher *en = NULL;
    struct doc *docs = NULL;
    const struct nf_doc *res;
    struct nf_err err;
    char errstr[128];
    long repeat;
    int i, r, ndocs, rc = 1, failures = 0;
    size_t bytes = 0;
    double t0, t1;

    if (argc < 3) {
        fprintf(stderr, "usage: nf-bench-enrich REPEAT FILE...\n");
        return 2;
    }
    repeat = strtol(argv[1], NULL, 10);
    if (repeat <= 0)
        repeat = 1;
    ndocs = argc - 2;
    docs = calloc((size_t)ndocs, sizeof(*docs));
    en = nf_enricher_new(NULL, errstr, sizeof(errstr));
    if (!docs || !en)
        goto out;
    for (i = 0; i < ndocs; i++) {
        if (load(argv[i + 2], &docs[i]) != 0) {
            fprintf(stderr, "cannot read %s\n", argv[i + 2]);
            goto out;
        }
        bytes += docs[i].n;
    }
    /* one warm-up pass sizes the arena */
    for (i = 0; i < ndocs; i++)
        nf_enrich(en, docs[i].p, docs[i].n, NULL, &res, &err);
    t0 = now_cpu();
    for (r = 0; r < repeat; r++)
        for (i = 0; i < ndocs; i++)
            failures +=
                nf_enrich(en, docs[i].p, docs[i].n, NULL, &res, &err) != 0;
    t1 = now_cpu();
    printf("documents        %d x %ld passes (%zu bytes per pass)\n", ndocs,
           repeat, bytes);
    printf("enrich_mb_per_s  %.1f\n",
           (double)bytes * (double)repeat / (t1 - t0) / 1e6);
    printf("us_per_document  %.1f\n",
           (t1 - t0) * 1e6 / ((double)ndocs * (double)repeat));
    printf("errors           %d\n", failures);
    rc = 0;

out:
    if (docs)
        for (i = 0; i < ndocs; i++)
            free(docs[i].p);
    free(docs);
    nf_enricher_destroy(en);
    return rc;
}
