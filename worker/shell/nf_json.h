/*
 * nf_json.h - the JSON form of an enriched record (jansson).
 *
 * One function builds the record object that `noticeflow enrich` prints and
 * that alerts and other JSON outputs start from, so every JSON view of a
 * record has the same field names as schemas/notice_event.avsc.
 */
#ifndef NF_JSON_H
#define NF_JSON_H

#include <jansson.h>

#include "noticeflow/nf_enrich.h"

/**
 * @brief Build the JSON object of @p doc (fields of the contract: category,
 *        ..., counts, affected_count, provenance).
 * @param text,len the input the record was enriched from (for the "text" of
 *        each date and count, taken from its span).
 * @returns a new reference the caller owns, or NULL on allocation failure.
 */
json_t *nf_json_doc(const struct nf_doc *doc, const char *text, size_t len);

/**
 * @brief Build {"code", "message", "offset"} for a failed enrichment.
 * @returns a new reference, or NULL on allocation failure.
 */
json_t *nf_json_error(const struct nf_err *err);

#endif /* NF_JSON_H */
