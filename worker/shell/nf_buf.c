/*
 * nf_buf.c - growable byte buffer (doubling, capped, sticky failure).
 */
#include <stdlib.h>
#include <string.h>

#include "nf_buf.h"

#define DEFAULT_MAX ((size_t)256 << 20)

int nf_buf_append(struct nf_buf *b, const void *data, size_t n)
{
    size_t max = b->max ? b->max : DEFAULT_MAX, need;

    if (b->failed)
        return -1;
    if (n > max || b->len > max - n) {
        b->failed = true;
        return -1;
    }
    need = b->len + n + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *p;

        while (cap < need)
            cap *= 2;
        p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return -1;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n && data)
        memcpy(b->p + b->len, data, n);
    else if (n)
        memset(b->p + b->len, 0, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int nf_buf_puts(struct nf_buf *b, const char *s)
{
    return nf_buf_append(b, s, strlen(s));
}

char *nf_buf_release(struct nf_buf *b, size_t *len)
{
    char *p = b->p;

    if (len)
        *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    b->failed = false;
    return p;
}

void nf_buf_free(struct nf_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}
