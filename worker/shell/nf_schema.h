/*
 * nf_schema.h - the committed Avro schemas, compiled into the binary, and
 * their Parsing Canonical Form and CRC-64-AVRO fingerprint (Avro spec
 * "Schema Fingerprints"; avro-c 1.11 exposes neither).
 *
 * The schema texts are generated at build time from schemas/<name>.avsc
 * (worker/CMakeLists.txt: file(READ HEX) + configure_file), so the binary
 * can never drift from the committed schema.
 */
#ifndef NF_SCHEMA_H
#define NF_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "nf_buf.h"
#include "nf_err.h"

enum nf_schema_id {
    NF_SCHEMA_NOTICE_EVENT = 0, /**< schemas/notice_event.avsc */
    NF_SCHEMA_DEAD_LETTER,      /**< schemas/dead_letter.avsc */
    NF_SCHEMA__COUNT
};

/** @returns the embedded JSON text of a schema (NUL-terminated) and its
 *  length in @p len (may be NULL). */
const char *nf_schema_text(enum nf_schema_id id, size_t *len);

/**
 * @brief The full name of the top-level record of schema @p json
 *        (namespace + "." + name, or a dotted name as given), e.g.
 *        "noticeflow.v1.NoticeEvent": the subject of the registry's
 *        RecordNameStrategy.
 * @returns 0, or NF_E_AVRO when @p json is not a named schema or the name
 *          does not fit @p cap.
 */
int nf_schema_fullname(const char *json, size_t len, char *out, size_t cap,
                       struct nf_err *err);

/**
 * @brief Append the Parsing Canonical Form of the schema @p json to @p out.
 * @returns 0, or NF_E_AVRO with the reason in @p err (not JSON, not a
 *          schema, nesting deeper than 64).
 */
int nf_schema_canonical(const char *json, size_t len, struct nf_buf *out,
                        struct nf_err *err);

/** @returns the CRC-64-AVRO (Rabin) fingerprint of @p len bytes. */
uint64_t nf_schema_crc64(const void *data, size_t len);

/** @brief Write the fingerprint as the 8 bytes of the single-object header
 *         (little-endian, as Java and fastavro do). */
void nf_schema_fp_bytes(uint64_t fp, unsigned char out[8]);

/** @brief Write those 8 bytes as 16 lowercase hex digits and a NUL (what
 *         fastavro.schema.fingerprint() returns). */
void nf_schema_fp_hex(uint64_t fp, char out[17]);

#endif /* NF_SCHEMA_H */
