/*
 * nf_err.h - status codes and dispositions shared by every shell module.
 *
 * The core's codes (enum nf_code in nf_enrich.h) name what can be wrong with
 * a document. The shell adds the codes of its own edges (envelope, config,
 * Avro, Kafka), numbered from NF_E_SHELL_BASE so both sets fit in the same
 * struct nf_err and one nf_err_name() gives the machine name written into
 * dead letters and logs.
 *
 * Every outcome of one input message is classified once, at the edge, as an
 * enum nf_disposition (developers' guide, style rule 5):
 *   OK           the record goes to its category topic;
 *   DEAD_LETTER  the input cannot be processed (bad bytes, broken envelope,
 *                core error): the original goes to the DLQ with the reason;
 *   RETRY        a transient local condition (producer queue full): try the
 *                same request again later, never drop it;
 *   FATAL        the worker must stop without committing (delivery error,
 *                fatal idempotent-producer error).
 */
#ifndef NF_ERR_H
#define NF_ERR_H

#include <stddef.h>

#include "noticeflow/nf_enrich.h"

/** First shell code; below it are the core's enum nf_code values. */
#define NF_E_SHELL_BASE 100

enum nf_shell_code {
    NF_E_ENVELOPE_JSON = NF_E_SHELL_BASE, /**< '{' but not valid JSON */
    NF_E_ENVELOPE_INVALID, /**< JSON, but not an envelope of ours */
    NF_E_CONFIG,           /**< bad configuration or usage */
    NF_E_AVRO,             /**< schema or encoding failure */
    NF_E_KAFKA,            /**< librdkafka refused a call */
    NF_E_SHELL__END
};

enum nf_disposition {
    NF_DISP_OK = 0,
    NF_DISP_DEAD_LETTER,
    NF_DISP_RETRY,
    NF_DISP_FATAL
};

/** @returns the stable machine name of a core or shell code (never NULL). */
const char *nf_err_name(int code);

/** @returns "ok", "dead_letter", "retry" or "fatal". */
const char *nf_disposition_name(enum nf_disposition d);

#endif /* NF_ERR_H */
