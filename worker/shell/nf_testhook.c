/*
 * nf_testhook.c - the test-build fault hooks (see nf_testhook.h). Compiled
 * only with -DNF_TEST_HOOKS=ON (worker/CMakeLists.txt); getenv at the first
 * call, then plain reads (the values never change during a run).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <jansson.h>

#include "nf_log.h"
#include "nf_testhook.h"

/* Upper bound on an injected sleep: a typo must not hang a test run. */
#define MAX_SLEEP_MS 600000L

static pthread_once_t once = PTHREAD_ONCE_INIT;
static long enrich_ms, stall_at, stall_ms;

static long bounded(long v)
{
    return v < 0 ? 0 : v > MAX_SLEEP_MS ? MAX_SLEEP_MS : v;
}

static void load(void)
{
    const char *d = getenv("NF_TEST_ENRICH_DELAY_MS");
    const char *s = getenv("NF_TEST_POLL_STALL");

    if (d)
        enrich_ms = bounded(strtol(d, NULL, 10));
    if (s && sscanf(s, "%ld:%ld", &stall_at, &stall_ms) == 2) {
        stall_ms = bounded(stall_ms);
        if (stall_at < 1)
            stall_at = 0;
    }
    if (enrich_ms || (stall_at && stall_ms))
        nf_log(NF_LOG_WARN, "TEST HOOKS active: slow enrichment injected",
               "{s:I,s:I,s:I}", "enrich_delay_ms", (json_int_t)enrich_ms,
               "poll_stall_at", (json_int_t)stall_at, "poll_stall_ms",
               (json_int_t)stall_ms);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0)
        ;
}

void nf_testhook_enrich(void)
{
    pthread_once(&once, load);
    if (enrich_ms)
        sleep_ms(enrich_ms);
}

void nf_testhook_poll(long long consumed)
{
    pthread_once(&once, load);
    if (stall_at && stall_ms && consumed == stall_at) {
        nf_log(NF_LOG_WARN, "TEST HOOK: stalling the poll loop", "{s:I,s:I}",
               "consumed", (json_int_t)consumed, "ms", (json_int_t)stall_ms);
        sleep_ms(stall_ms);
    }
}
