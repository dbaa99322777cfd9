/*
 * nf_avro.h - Avro encoding of the worker's two records, with avro-c's
 * generic value API and the schemas compiled into the binary.
 *
 * Two framings of the same Avro binary body, chosen per output topic:
 *   single-object (Avro spec "Single object encoding", the default):
 *     C3 01 | 8-byte CRC-64-AVRO fingerprint of the schema's Parsing
 *     Canonical Form, little-endian | body
 *   confluent (Confluent wire format, read by the Confluent serializers,
 *     Kafka Connect, ksqlDB, Flink):
 *     00 | 4-byte big-endian schema id from the schema registry | body
 *
 * One nf_avro per thread: it owns reusable avro values and scratch memory.
 */
#ifndef NF_AVRO_H
#define NF_AVRO_H

#include <stddef.h>
#include <stdint.h>

#include "noticeflow/nf_enrich.h"

#include "nf_buf.h"
#include "nf_envelope.h"
#include "nf_err.h"
#include "nf_schema.h"

/** Length of the single-object header (marker + fingerprint). */
#define NF_AVRO_HEADER_LEN 10
/** Length of the Confluent header (magic byte 0 + schema id). */
#define NF_CONFLUENT_HEADER_LEN 5

enum nf_framing {
    NF_FRAMING_SINGLE_OBJECT = 0, /**< C3 01 + fingerprint */
    NF_FRAMING_CONFLUENT          /**< 00 + big-endian schema id */
};

/** How one record is framed. */
struct nf_frame {
    enum nf_framing kind;
    int32_t schema_id; /**< registry id (confluent only; must be >= 0) */
};

/** Kafka coordinates of an input message. */
struct nf_source {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp; /**< ms since the epoch; < 0: none (null) */
    const void *key;   /**< NULL: null key */
    size_t key_len;
};

/** One Kafka header (value NULL: null). */
struct nf_header {
    const char *name;
    const void *value;
    size_t len;
};

/** Everything a NoticeEvent record holds. */
struct nf_avro_event {
    const char *event_id;
    const char *worker_version;
    struct nf_source src;
    const struct nf_envelope *env; /**< NULL: raw notice (envelope null) */
    const char *reference_date;    /**< "YYYY-MM-DD" or NULL */
    const struct nf_doc *doc;
    const char *text; /**< the enriched text (for mention texts) */
    size_t text_len;
};

/** Everything a DeadLetter record holds. */
struct nf_avro_dead_letter {
    const char *event_id;
    const char *worker_version;
    struct nf_source src;
    const struct nf_header *headers;
    size_t n_headers;
    const void *value;    /**< NULL: null value */
    size_t value_len;     /**< bytes of value written */
    int64_t value_length; /**< original length; < 0: null */
    const char *error_code;
    const char *error_message;
    int64_t error_offset; /**< < 0: null */
};

struct nf_avro;

/** @returns a new encoder (schemas parsed, fingerprints computed), or NULL
 *  with NF_E_AVRO in @p err. */
struct nf_avro *nf_avro_new(struct nf_err *err);

/** @brief Free an encoder. NULL is a no-op. */
void nf_avro_destroy(struct nf_avro *av);

/**
 * @brief Encode a NoticeEvent, framed, into @p out (appended; the caller
 *        owns and frees it).
 * @returns 0 or NF_E_AVRO with avro-c's reason in @p err.
 */
int nf_avro_encode_event(struct nf_avro *av, const struct nf_avro_event *ev,
                         struct nf_buf *out, struct nf_err *err);

/** @brief Encode a DeadLetter, framed, into @p out. Same contract. */
int nf_avro_encode_dead_letter(struct nf_avro *av,
                               const struct nf_avro_dead_letter *dl,
                               struct nf_buf *out, struct nf_err *err);

/** @brief nf_avro_encode_event() with the framing @p fr (NULL:
 *  single-object). A confluent frame with a negative id is refused. */
int nf_avro_encode_event_framed(struct nf_avro *av,
                                const struct nf_avro_event *ev,
                                const struct nf_frame *fr, struct nf_buf *out,
                                struct nf_err *err);

/** @brief nf_avro_encode_dead_letter() with the framing @p fr. */
int nf_avro_encode_dead_letter_framed(struct nf_avro *av,
                                      const struct nf_avro_dead_letter *dl,
                                      const struct nf_frame *fr,
                                      struct nf_buf *out, struct nf_err *err);

/** @brief Write the 5-byte Confluent header of schema @p id (>= 0):
 *  00, then the id big-endian. */
void nf_avro_confluent_header(int32_t id,
                              unsigned char out[NF_CONFLUENT_HEADER_LEN]);

/** @returns the 16-hex fingerprint of a schema (header
 *  noticeflow-schema-fingerprint), owned by @p av. */
const char *nf_avro_fingerprint_hex(const struct nf_avro *av,
                                    enum nf_schema_id id);

#endif /* NF_AVRO_H */
