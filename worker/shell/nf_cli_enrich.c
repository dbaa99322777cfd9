/*
 * nf_cli_enrich.c - `noticeflow enrich [--reference-date YYYY-MM-DD]
 * [--max-bytes N] [--pretty] FILE...`
 *
 * Runs the core over files and prints one JSON object per file, "id" being
 * the file name without directory and ".txt" ("-" reads stdin, id "-"). It
 * is the offline twin of the Kafka worker: the same enricher, the same JSON
 * (nf_json_doc), so scripts/score.sh measures exactly what the worker
 * publishes.
 *
 * An unreadable file is reported on stderr and makes the exit status 1 once
 * every other file has been processed; an invalid document is not a CLI
 * failure but a result: {"id", "error": {code, message, offset}}.
 * Files are read up to max-bytes + 1 so a huge file is refused as too large
 * without being loaded whole.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nf_cli_enrich.h"
#include "nf_json.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: noticeflow enrich [--reference-date YYYY-MM-DD] "
               "[--max-bytes N] [--pretty] FILE...\n"
               "  prints one JSON object per FILE ('-' reads stdin)\n");
}

static int parse_ymd(const char *s, struct nf_ymd *d)
{
    char buf[11];
    char *end;
    long y, m, dd;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    y = strtol(s, &end, 10);
    if (end != s + 4)
        return -1;
    m = strtol(s + 5, &end, 10);
    if (end != s + 7)
        return -1;
    dd = strtol(s + 8, &end, 10);
    if (end != s + 10)
        return -1;
    d->y = (int)y;
    d->m = (int)m;
    d->d = (int)dd;
    return nf_ymd_format(*d, buf) == 0 ? 0 : -1;
}

/* Read at most max + 1 bytes of @p f into *buf (caller frees). */
static int read_capped(FILE *f, size_t max, char **buf, size_t *len)
{
    size_t cap = 65536, n = 0, got;
    char *p = malloc(cap), *q;

    if (!p)
        return -1;
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                break;
            }
            cap *= 2;
            q = realloc(p, cap);
            if (!q) {
                free(p);
                return -1;
            }
            p = q;
        }
        got = fread(p + n, 1, cap - n, f);
        n += got;
        if (got == 0 || n > max)
            break;
    }
    if (ferror(f)) {
        free(p);
        return -1;
    }
    *buf = p;
    *len = n;
    return 0;
}

static char *file_id(const char *path)
{
    const char *base = strrchr(path, '/');
    size_t n;
    char *id;

    base = base ? base + 1 : path;
    n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".txt") == 0)
        n -= 4;
    id = malloc(n + 1);
    if (id) {
        memcpy(id, base, n);
        id[n] = '\0';
    }
    return id;
}

static int enrich_one(struct nf_enricher *en, const char *path,
                      const struct nf_ymd *ref, size_t max, size_t flags)
{
    FILE *f = NULL;
    char *buf = NULL, *id = NULL;
    size_t len = 0;
    const struct nf_doc *doc;
    struct nf_err err;
    json_t *o = NULL;
    int rc = 1;

    f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "noticeflow enrich: %s: %s\n", path, strerror(errno));
        goto out;
    }
    if (read_capped(f, max, &buf, &len) != 0) {
        fprintf(stderr, "noticeflow enrich: %s: read failed\n", path);
        goto out;
    }
    id = file_id(path);
    if (!id)
        goto out;
    if (nf_enrich(en, buf, len, ref, &doc, &err) == 0) {
        o = nf_json_doc(doc, buf, len);
    } else {
        o = json_object();
        if (o)
            json_object_set_new(o, "error", nf_json_error(&err));
    }
    if (!o || json_object_set_new(o, "id", json_string(id)) != 0) {
        fprintf(stderr, "noticeflow enrich: %s: out of memory\n", path);
        goto out;
    }
    if (json_dumpf(o, stdout, flags) != 0 || fputc('\n', stdout) == EOF) {
        fprintf(stderr, "noticeflow enrich: writing output failed\n");
        goto out;
    }
    rc = 0;

out:
    json_decref(o);
    free(id);
    free(buf);
    if (f && f != stdin)
        fclose(f);
    return rc;
}

int nf_cli_enrich_main(int argc, char **argv)
{
    struct nf_opts opts = {0};
    struct nf_enricher *en = NULL;
    struct nf_ymd ref = {0, 0, 0};
    const struct nf_ymd *refp = NULL;
    size_t flags = JSON_PRESERVE_ORDER | JSON_COMPACT;
    char errstr[256];
    int i, failed = 0, nfiles = 0, rc = 2;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pretty") == 0) {
            flags = JSON_PRESERVE_ORDER | JSON_INDENT(2);
        } else if (strcmp(argv[i], "--reference-date") == 0 && i + 1 < argc) {
            if (parse_ymd(argv[++i], &ref) != 0) {
                fprintf(stderr,
                        "noticeflow enrich: bad --reference-date "
                        "'%s' (want YYYY-MM-DD)\n",
                        argv[i]);
                goto out;
            }
            refp = &ref;
        } else if (strcmp(argv[i], "--max-bytes") == 0 && i + 1 < argc) {
            char *end;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (*end || v == 0 || v > NF_DOC_MAX_BYTES_LIMIT) {
                fprintf(stderr,
                        "noticeflow enrich: bad --max-bytes '%s' "
                        "(1..%zu)\n",
                        argv[i], NF_DOC_MAX_BYTES_LIMIT);
                goto out;
            }
            opts.max_bytes = (size_t)v;
        } else if (strcmp(argv[i], "-h") == 0 ||
                   strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            rc = 0;
            goto out;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "noticeflow enrich: unknown option '%s'\n",
                    argv[i]);
            usage(stderr);
            goto out;
        } else {
            nfiles++;
        }
    }
    if (nfiles == 0) {
        usage(stderr);
        goto out;
    }
    en = nf_enricher_new(&opts, errstr, sizeof(errstr));
    if (!en) {
        fprintf(stderr, "noticeflow enrich: %s\n", errstr);
        rc = 1;
        goto out;
    }
    if (opts.max_bytes == 0)
        opts.max_bytes = NF_DOC_MAX_BYTES_DEFAULT;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reference-date") == 0 ||
            strcmp(argv[i], "--max-bytes") == 0) {
            i++;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            continue;
        failed |= enrich_one(en, argv[i], refp, opts.max_bytes, flags);
    }
    fflush(stdout);
    rc = failed ? 1 : 0;

out:
    nf_enricher_destroy(en);
    return rc;
}
