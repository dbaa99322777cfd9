/*
 * nf_alert.h - which records raise an alert, how severe, and the alert's
 * JSON body (schemas/alert.schema.json).
 *
 * Pure apart from memory: no I/O, no clock, no librdkafka or curl call, so
 * the worker's pipeline can call nf_alert_build() for each record and
 * produce the body as a second output of the input message (contract
 * "Alert notes"); the dispatcher (nf_dispatch) delivers it.
 */
#ifndef NF_ALERT_H
#define NF_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "noticeflow/nf_enrich.h"

#include "nf_avro.h"
#include "nf_envelope.h"
#include "nf_err.h"

struct nf_config;

/** Alert message headers (besides content-type and noticeflow-event-id). */
#define NF_HDR_SEVERITY      "noticeflow-alert-severity"
#define NF_CONTENT_TYPE_JSON "application/json"
/** Bytes of a summary line (the organization is at most 512 bytes). */
#define NF_ALERT_SUMMARY_MAX 1024

enum nf_alert_severity { NF_SEV_LOW = 0, NF_SEV_MEDIUM, NF_SEV_HIGH };

struct nf_alert_rules {
    unsigned categories;        /**< bit set of 1u << enum nf_category */
    uint32_t incident_types;    /**< alert only on these; 0: any type */
    int64_t min_affected_count; /**< < 0: no minimum */
    enum nf_alert_severity min_severity;
    uint32_t high_types; /**< any of these → high */
    int64_t high_count;  /**< affected_count >= this → high (< 0: off) */
    uint32_t medium_types;
    int64_t medium_count;
};

/** Where the record came from (borrowed; any pointer may be NULL). */
struct nf_alert_meta {
    const char *event_id; /**< required */
    const struct nf_source *src;
    const struct nf_envelope *env;
    const char *reference_date; /**< "YYYY-MM-DD" */
    const char *worker_version;
};

/** @brief Defaults: every incident alerts; high for payment cards,
 *  ransomware or >= 10,000; medium for unauthorized access, malware,
 *  account compromise or >= 1,000; low otherwise. */
void nf_alert_rules_default(struct nf_alert_rules *r);

/**
 * @brief Rules from the alert.* configuration keys (defaults for unset
 *        ones). Also the load-time validation of those keys.
 * @returns 0, or NF_E_CONFIG naming the key in @p err.
 */
int nf_alert_rules_from_config(const struct nf_config *cfg,
                               struct nf_alert_rules *r, struct nf_err *err);

/** @brief Parse "incident,other" into a category bit set (empty: none).
 *  @returns 0 or NF_E_CONFIG naming @p key. */
int nf_alert_parse_categories(const char *s, const char *key, unsigned *out,
                              struct nf_err *err);

/** @brief Parse "ransomware,payment_card_leak" (LABELS.md names) into an
 *  incident type bit set (empty: 0). @returns 0 or NF_E_CONFIG. */
int nf_alert_parse_types(const char *s, const char *key, uint32_t *out,
                         struct nf_err *err);

/** @returns 0 and sets @p out for "low", "medium", "high"; -1 otherwise. */
int nf_alert_parse_severity(const char *s, enum nf_alert_severity *out);

/** @returns "low", "medium" or "high". */
const char *nf_alert_severity_name(enum nf_alert_severity s);

/** @returns the severity of @p doc under @p r (whatever the match). */
enum nf_alert_severity nf_alert_severity_of(const struct nf_alert_rules *r,
                                            const struct nf_doc *doc);

/** @returns true when @p doc raises an alert; sets @p sev (may be NULL). */
bool nf_alert_match(const struct nf_alert_rules *r, const struct nf_doc *doc,
                    enum nf_alert_severity *sev);

/**
 * @brief The one-line summary, e.g.
 *        "山形大学: 不正アクセス, 1,059人分, 判明 2022-10-26".
 * @returns the length written to @p out (NUL-terminated, cut on a UTF-8
 *          boundary to fit @p cap).
 */
size_t nf_alert_summary(const struct nf_doc *doc, char *out, size_t cap);

/**
 * @brief Build the alert body of @p doc when it matches @p r.
 * @param text,len the enriched text (for mention texts).
 * @param body set to a malloc'd compact JSON object (caller frees), or
 *        NULL when the record does not match (then 0 is returned too).
 * @param sev set when matched (may be NULL).
 * @returns 0, or NF_E_ARG / NF_E_NOMEM in @p err.
 */
int nf_alert_build(const struct nf_alert_rules *r, const struct nf_doc *doc,
                   const char *text, size_t len,
                   const struct nf_alert_meta *meta, char **body, size_t *n,
                   enum nf_alert_severity *sev, struct nf_err *err);

#endif /* NF_ALERT_H */
