/*
 * test_nf_offsets.c - the watermark is the contiguous prefix of done
 * offsets, exhaustively over small cases.
 *
 * For N offsets (with gaps) and every order of their acks (N! orders), and
 * for every choice of at most one failed ack, the watermark after each ack
 * must equal a brute-force reference: 1 + the largest offset whose lower
 * offsets (and itself) are all acked ok, else -1.
 */
#include "nf_test.h"

#include "nf_offsets.h"

#define MAXN 6

static const int64_t offs[MAXN] = {3, 4, 7, 8, 9, 20}; /* with gaps */

static int64_t reference(const int *acked, const int *okv, int n)
{
    int64_t wm = -1;
    int i;

    for (i = 0; i < n; i++) {
        if (!acked[i] || !okv[i])
            break;
        wm = offs[i] + 1;
    }
    return wm;
}

static int n_cases;

/* Run one order (perm) of acks with the given failing index (-1: none). */
static void run_order(const int *perm, int n, int fail)
{
    struct nf_offsets *tr = nf_offsets_new(16);
    struct nf_offsets_store st[4];
    uint64_t ep[MAXN];
    int acked[MAXN] = {0}, okv[MAXN];
    int i;

    for (i = 0; i < n; i++) {
        CHECK_INTEQ(nf_offsets_add(tr, "t", 0, offs[i], &ep[i]), NF_OFFSETS_OK);
        okv[i] = i != fail;
    }
    for (i = 0; i < n; i++) {
        int k = perm[i];
        int64_t want;

        CHECK_INTEQ(nf_offsets_ack(tr, "t", 0, offs[k], ep[k], okv[k] != 0),
                    NF_OFFSETS_OK);
        acked[k] = 1;
        want = reference(acked, okv, n);
        CHECK_INTEQ(nf_offsets_watermark(tr, "t", 0), want);
        /* collect reports a partition only when its watermark moved */
        if (nf_offsets_collect(tr, st, 4) == 1)
            CHECK_INTEQ(st[0].offset, want);
    }
    CHECK_INTEQ(nf_offsets_failed(tr), fail >= 0);
    CHECK_INTEQ(nf_offsets_inflight(tr, NULL, 0),
                fail >= 0 ? (size_t)(n - fail) : 0);
    nf_offsets_destroy(tr);
    n_cases++;
}

static void permute(int *perm, int k, int n, int fail)
{
    int i, t;

    if (k == n) {
        run_order(perm, n, fail);
        return;
    }
    for (i = k; i < n; i++) {
        t = perm[k];
        perm[k] = perm[i];
        perm[i] = t;
        permute(perm, k + 1, n, fail);
        t = perm[k];
        perm[k] = perm[i];
        perm[i] = t;
    }
}

static void test_exhaustive(void)
{
    int perm[MAXN], n, i, fail;

    for (n = 1; n <= MAXN; n++)
        for (fail = -1; fail < n; fail++) {
            for (i = 0; i < n; i++)
                perm[i] = i;
            permute(perm, 0, n, fail);
        }
    /* sum over n of (n + 1) * n! */
    CHECK_INTEQ(n_cases, 2 * 1 + 3 * 2 + 4 * 6 + 5 * 24 + 6 * 120 + 7 * 720);
}

static void test_multiple_outputs(void)
{
    struct nf_offsets *tr = nf_offsets_new(8);
    uint64_t e0, e1;

    /* offset 0 has two outputs, offset 1 one */
    nf_offsets_add(tr, "t", 1, 0, &e0);
    nf_offsets_add(tr, "t", 1, 1, &e1);
    CHECK_INTEQ(nf_offsets_expect(tr, "t", 1, 0, e0, 2), NF_OFFSETS_OK);
    CHECK_INTEQ(nf_offsets_expect(tr, "t", 1, 1, e1, 1), NF_OFFSETS_OK);
    nf_offsets_ack(tr, "t", 1, 0, e0, true); /* processing of 0 */
    nf_offsets_ack(tr, "t", 1, 1, e1, true); /* processing of 1 */
    nf_offsets_ack(tr, "t", 1, 1, e1, true); /* output of 1 */
    nf_offsets_ack(tr, "t", 1, 0, e0, true); /* first output of 0 */
    CHECK_INTEQ(nf_offsets_watermark(tr, "t", 1), -1);
    nf_offsets_ack(tr, "t", 1, 0, e0, true); /* second output of 0 */
    CHECK_INTEQ(nf_offsets_watermark(tr, "t", 1), 2);
    /* one ack too many is a state error, not an underflow */
    CHECK_INTEQ(nf_offsets_ack(tr, "t", 1, 1, e1, true), NF_OFFSETS_E_UNKNOWN);
    nf_offsets_destroy(tr);
}

static void test_partitions_independent(void)
{
    struct nf_offsets *tr = nf_offsets_new(8);
    struct nf_offsets_store st[8];
    uint64_t ea, eb, ec;
    size_t n;

    nf_offsets_add(tr, "a", 0, 10, &ea);
    nf_offsets_add(tr, "a", 1, 10, &eb);
    nf_offsets_add(tr, "b", 0, 5, &ec);
    nf_offsets_ack(tr, "a", 1, 10, eb, false); /* a/1 blocked */
    nf_offsets_ack(tr, "b", 0, 5, ec, true);
    CHECK_INTEQ(nf_offsets_watermark(tr, "b", 0), 6);
    CHECK_INTEQ(nf_offsets_watermark(tr, "a", 0), -1);
    CHECK_INTEQ(nf_offsets_watermark(tr, "a", 1), -1);
    n = nf_offsets_collect(tr, st, 8);
    CHECK_INTEQ(n, 1);
    CHECK_STREQ(st[0].topic, "b");
    CHECK_INTEQ(st[0].offset, 6);
    CHECK_INTEQ(nf_offsets_collect(tr, st, 8), 0);
    CHECK_INTEQ(nf_offsets_inflight(tr, "a", 0), 1);
    CHECK_INTEQ(nf_offsets_inflight(tr, "a", 1), 1);
    nf_offsets_destroy(tr);
}

static void test_revoke(void)
{
    struct nf_offsets *tr = nf_offsets_new(8);
    uint64_t e_old, e_new;

    nf_offsets_add(tr, "t", 0, 100, &e_old);
    nf_offsets_add(tr, "t", 0, 101, NULL);
    nf_offsets_drop(tr, "t", 0);
    CHECK_INTEQ(nf_offsets_watermark(tr, "t", 0), -1);
    CHECK_INTEQ(nf_offsets_inflight(tr, NULL, 0), 0);
    /* late report of the dropped assignment: ignored */
    CHECK_INTEQ(nf_offsets_ack(tr, "t", 0, 100, e_old, true),
                NF_OFFSETS_E_UNKNOWN);
    /* assigned again: re-consumption from the committed offset is allowed */
    CHECK_INTEQ(nf_offsets_add(tr, "t", 0, 100, &e_new), NF_OFFSETS_OK);
    CHECK(e_new != e_old, "new epoch after drop");
    CHECK_INTEQ(nf_offsets_ack(tr, "t", 0, 100, e_old, true),
                NF_OFFSETS_E_UNKNOWN);
    CHECK_INTEQ(nf_offsets_watermark(tr, "t", 0), -1);
    CHECK_INTEQ(nf_offsets_ack(tr, "t", 0, 100, e_new, true), NF_OFFSETS_OK);
    CHECK_INTEQ(nf_offsets_watermark(tr, "t", 0), 101);
    nf_offsets_drop(tr, "nope", 3); /* unknown: no-op */
    nf_offsets_destroy(tr);
}

static void test_limits(void)
{
    struct nf_offsets *tr = nf_offsets_new(3);
    uint64_t e;
    int i;

    CHECK(nf_offsets_new(0) == NULL, "zero capacity refused");
    for (i = 0; i < 3; i++)
        CHECK_INTEQ(nf_offsets_add(tr, "t", 0, i, &e), NF_OFFSETS_OK);
    CHECK_INTEQ(nf_offsets_add(tr, "t", 0, 3, &e), NF_OFFSETS_E_FULL);
    CHECK_INTEQ(nf_offsets_add(tr, "t", 0, 2, &e), NF_OFFSETS_E_ORDER);
    CHECK_INTEQ(nf_offsets_add(tr, "t", 0, -1, &e), NF_OFFSETS_E_ORDER);
    /* done entries free their slots; the ring wraps around */
    for (i = 0; i < 3; i++)
        nf_offsets_ack(tr, "t", 0, i, e, true);
    for (i = 3; i < 1000; i++) {
        CHECK_INTEQ(nf_offsets_add(tr, "t", 0, i, &e), NF_OFFSETS_OK);
        if (i % 2 == 1) {
            nf_offsets_ack(tr, "t", 0, i, e, true);
            nf_offsets_ack(tr, "t", 0, i - 1, e, true);
            CHECK_INTEQ(nf_offsets_watermark(tr, "t", 0), i + 1);
        }
    }
    nf_offsets_destroy(tr);
    nf_offsets_destroy(NULL);
}

int main(void)
{
    test_exhaustive();
    test_multiple_outputs();
    test_partitions_independent();
    test_revoke();
    test_limits();
    return nf_test_failures != 0;
}
