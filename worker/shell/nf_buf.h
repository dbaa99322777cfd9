/*
 * nf_buf.h - a growable byte buffer with a hard maximum.
 *
 * Used to build outputs whose size is not known in advance (canonical
 * schema text, framed Avro records). A failed append (allocation or the
 * maximum) sets a sticky flag, so a sequence of appends is checked once.
 */
#ifndef NF_BUF_H
#define NF_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct nf_buf {
    char *p;    /**< malloc'd; always NUL-terminated after a good append */
    size_t len; /**< bytes used (without the NUL) */
    size_t cap;
    size_t max;  /**< 0: 256 MiB */
    bool failed; /**< an append failed; content is incomplete */
};

/** Append @p n bytes (@p data NULL: n zero bytes, to reserve room).
 *  @returns 0, or -1 (and sets failed). */
int nf_buf_append(struct nf_buf *b, const void *data, size_t n);

/** Append a NUL-terminated string. */
int nf_buf_puts(struct nf_buf *b, const char *s);

/** Hand the memory to the caller (who frees it) and reset @p b. */
char *nf_buf_release(struct nf_buf *b, size_t *len);

/** Free the memory and reset @p b (keeps max). */
void nf_buf_free(struct nf_buf *b);

#endif /* NF_BUF_H */
