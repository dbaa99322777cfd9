/* test_nf_arena.c - the per-document arena: limits, alignment, reuse. */
#include <stdint.h>

#include "nf_core_int.h"
#include "nf_test.h"

int main(void)
{
    struct nf_arena *a = nf_arena_new((size_t)1 << 20);
    char *p, *q;
    size_t i;

    CHECK(a != NULL, "new");
    p = nf_arena_alloc(a, 3);
    q = nf_arena_alloc(a, 5);
    CHECK(p && q, "small allocations");
    CHECK(((uintptr_t)q % 16) == 0, "aligned");
    CHECK(q >= p + 3, "no overlap");
    CHECK(q[0] == 0 && q[4] == 0, "zeroed");
    /* a request above the cap fails cleanly, the arena stays usable */
    CHECK(nf_arena_alloc(a, (size_t)2 << 20) == NULL, "over the cap");
    CHECK(nf_arena_alloc(a, SIZE_MAX) == NULL, "SIZE_MAX");
    CHECK(nf_arena_alloc(a, 100) != NULL, "usable after a refusal");
    /* filling up to the cap, then refusing */
    for (i = 0; i < 64; i++)
        if (!nf_arena_alloc(a, 32 << 10))
            break;
    CHECK(i < 64, "cap reached after %zu blocks", i);
    nf_arena_reset(a);
    p = nf_arena_alloc(a, 512 << 10);
    CHECK(p != NULL, "memory is reusable after reset");
    memset(p, 0xAB, 512 << 10);
    nf_arena_reset(a);
    q = nf_arena_alloc(a, 16);
    CHECK(q && q[0] == 0, "reset memory is handed out zeroed");
    /* the non-zeroing variant obeys the same cap and alignment */
    p = nf_arena_alloc_uninit(a, 7);
    q = nf_arena_alloc_uninit(a, 9);
    CHECK(p && q && ((uintptr_t)q % 16) == 0 && q >= p + 7, "uninit");
    CHECK(nf_arena_alloc_uninit(a, (size_t)2 << 20) == NULL, "uninit cap");
    nf_arena_destroy(a);
    nf_arena_destroy(NULL);
    nf_arena_reset(NULL);
    return nf_test_failures != 0;
}
