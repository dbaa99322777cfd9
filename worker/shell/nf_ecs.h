/*
 * nf_ecs.h - an enriched record as one Elastic Common Schema JSON document
 * (topic format ecs-json; mapping in schemas/ecs.md).
 *
 * For JSON-only SIEM connectors (Splunk Connect for Kafka, Filebeat's
 * Kafka input): ECS fields where ECS has one (@timestamp, ecs.version,
 * event.*, organization.name, message, agent.*), everything specific to
 * noticeflow under the custom namespace notice.*.
 *
 * Pure apart from memory: the same input gives the same bytes (no clock),
 * so a replay after a crash or a rebalance yields the same event.id and
 * the same document.
 */
#ifndef NF_ECS_H
#define NF_ECS_H

#include <stddef.h>

#include <jansson.h>

#include "nf_avro.h"
#include "nf_buf.h"
#include "nf_err.h"

/** The ECS version the documents follow (ecs.version). */
#define NF_ECS_VERSION "8.11.0"

/**
 * @brief Build the ECS document of @p ev.
 * @param original_max bytes of the notice text kept in event.original
 *        (cut on a UTF-8 boundary; 0: event.original omitted).
 * @returns a new reference, or NULL on allocation failure.
 */
json_t *nf_ecs_doc(const struct nf_avro_event *ev, size_t original_max);

/**
 * @brief Append the compact JSON text of nf_ecs_doc() to @p out.
 * @returns 0, or NF_E_NOMEM in @p err.
 */
int nf_ecs_encode(const struct nf_avro_event *ev, size_t original_max,
                  struct nf_buf *out, struct nf_err *err);

/** @returns the length of the longest prefix of @p s (at most @p max
 *  bytes) that does not cut a UTF-8 sequence. */
size_t nf_ecs_utf8_prefix(const char *s, size_t len, size_t max);

#endif /* NF_ECS_H */
