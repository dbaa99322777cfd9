/*
 * fuzz_nf_enrich.c - libFuzzer target over the whole enrichment core.
 *
 * The first input byte chooses the reference date (none, or a day in one of
 * several years) and the document size limit, the rest is the document. Past
 * "does not crash", the target checks the contract a consumer relies on:
 * every span lies inside the input, every date is a valid day, every index
 * points into its list, counts are positive and below NF_NUM_MAX, and an
 * error carries an offset inside the input. A broken invariant aborts.
 *
 * Built two ways: with -fsanitize=fuzzer when NF_FUZZ=ON (clang), and with
 * NF_FUZZ_WITH_MAIN as a plain program that replays the seed corpus, which
 * ctest runs on every build.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nf_core_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                             \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "invariant broken: %s (line %d)\n", #c, __LINE__); \
            abort();                                                           \
        }                                                                      \
    } while (0)

static void check_span(struct nf_span sp, size_t len)
{
    REQUIRE(sp.off <= len && sp.len <= len - sp.off);
}

static void check_doc(const struct nf_doc *doc, size_t len)
{
    size_t i;

    REQUIRE(doc->category < NF_CAT__COUNT);
    REQUIRE(doc->category_confidence >= 0.0 && doc->category_confidence <= 1.0);
    REQUIRE(doc->n_reasons <= NF_MAX_REASONS);
    for (i = 0; i < doc->n_reasons; i++) {
        REQUIRE(doc->reasons[i].cue && doc->reasons[i].signal);
        check_span(doc->reasons[i].span, len);
    }
    REQUIRE(doc->n_dates <= NF_MAX_DATES);
    for (i = 0; i < doc->n_dates; i++) {
        REQUIRE(nf_ymd_valid(doc->dates[i].date));
        REQUIRE(doc->dates[i].role < NF_DROLE__COUNT);
        check_span(doc->dates[i].span, len);
    }
    REQUIRE(doc->published >= -1 && doc->published < (int)doc->n_dates);
    REQUIRE(doc->discovered >= -1 && doc->discovered < (int)doc->n_dates);
    REQUIRE(doc->period_start >= -1 && doc->period_start < (int)doc->n_dates);
    REQUIRE(doc->period_end >= -1 && doc->period_end < (int)doc->n_dates);
    REQUIRE(doc->n_counts <= NF_MAX_COUNTS);
    for (i = 0; i < doc->n_counts; i++) {
        REQUIRE(doc->counts[i].value > 0 && doc->counts[i].value <= NF_NUM_MAX);
        REQUIRE(doc->counts[i].unit);
        check_span(doc->counts[i].span, len);
    }
    REQUIRE(doc->affected >= -1 && doc->affected < (int)doc->n_counts);
    if (doc->category != NF_CAT_INCIDENT)
        REQUIRE(doc->n_counts == 0 && doc->incident_types == 0);
    if (doc->organization.ptr) {
        REQUIRE(doc->organization.len <= NF_MAX_FIELD_BYTES);
        check_span(doc->organization.span, len);
    }
    if (doc->title.ptr) {
        REQUIRE(doc->title.len <= NF_MAX_FIELD_BYTES);
        check_span(doc->title.span, len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct nf_ymd refs[] = {
        {0, 0, 0}, {2022, 12, 16}, {2023, 1, 2}, {2019, 5, 1}};
    struct nf_opts opts = {0};
    struct nf_enricher *en;
    const struct nf_doc *doc;
    struct nf_err err;
    char errstr[128];
    char *copy;
    uint8_t sel;
    size_t len;

    if (size < 1)
        return 0;
    sel = data[0];
    len = size - 1;
    /* exact-length heap copy: any read past the end is an ASan report */
    copy = malloc(len ? len : 1);
    if (!copy)
        return 0;
    memcpy(copy, data + 1, len);
    opts.max_bytes = (sel & 0x10) ? 4096 : 0;
    en = nf_enricher_new(&opts, errstr, sizeof(errstr));
    REQUIRE(en);
    if (nf_enrich(en, copy, len, &refs[sel & 3], &doc, &err) == 0) {
        check_doc(doc, len);
        /* the same handle must give the same record twice */
        REQUIRE(nf_enrich(en, copy, len, &refs[sel & 3], &doc, &err) == 0);
        check_doc(doc, len);
    } else {
        REQUIRE(err.code > 0 && err.code < NF_E__COUNT);
        REQUIRE(err.offset <= len || err.code == NF_E_TOO_LARGE);
        REQUIRE(err.msg[0] != '\0');
    }
    nf_enricher_destroy(en);
    free(copy);
    return 0;
}

#ifdef NF_FUZZ_WITH_MAIN
/* Replay: each argument is a file; run it through the target. */
int main(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        uint8_t *buf;
        long n;

        if (!f) {
            perror(argv[i]);
            return 1;
        }
        n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
        if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
            fclose(f);
            return 1;
        }
        buf = malloc((size_t)n + 1);
        if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            fclose(f);
            return 1;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t)n);
        free(buf);
    }
    printf("replayed %d inputs\n", argc - 1);
    return 0;
}
#endif
