/*
 * nf_test.h - the tiny assertion kit of the unit tests.
 *
 * Each test executable is a main() that calls CHECK* and ends with
 * `return nf_test_failures != 0;`. A failed check prints file:line and the
 * message, counts, and carries on so one run shows every failure.
 * nf_test_copy() returns an exact-length heap copy of a string (no NUL
 * after it), so ASan catches any read past the end of the input.
 */
#ifndef NF_TEST_H
#define NF_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nf_test_failures;

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            nf_test_failures++;                                                \
            fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__,   \
                    #cond);                                                    \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
        }                                                                      \
    } while (0)

#define CHECK_STREQ(got, want)                                                 \
    do {                                                                       \
        const char *g_ = (got), *w_ = (want);                                  \
        CHECK(g_ &&w_ ? strcmp(g_, w_) == 0 : g_ == w_,                        \
              "got \"%s\" want \"%s\"", g_ ? g_ : "(null)",                    \
              w_ ? w_ : "(null)");                                             \
    } while (0)

#define CHECK_INTEQ(got, want)                                                 \
    do {                                                                       \
        long long g_ = (long long)(got), w_ = (long long)(want);               \
        CHECK(g_ == w_, "got %lld want %lld", g_, w_);                         \
    } while (0)

/* Exact-length heap copy of s (caller frees). */
static inline char *nf_test_copy(const char *s, size_t *len)
{
    size_t n = strlen(s);
    char *p = malloc(n ? n : 1);
    if (!p)
        abort();
    memcpy(p, s, n);
    *len = n;
    return p;
}

#endif /* NF_TEST_H */
