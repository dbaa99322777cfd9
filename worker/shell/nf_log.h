/*
 * nf_log.h - structured logging: one JSON object per line on stderr.
 *
 *   {"time":"2024-05-01T09:00:00.123Z","level":"info","msg":"assigned",
 *    "topic":"notices","partition":3}
 *
 * Fields are given as a jansson json_pack() format and its arguments, so a
 * number stays a JSON number and a value can never break the line. Values
 * registered with nf_log_add_secret() are replaced by "***" wherever they
 * appear in a line, whatever the caller (librdkafka's own logs included:
 * nf_log_rdkafka_cb is installed as every client's log_cb).
 *
 * Thread-safe: each line is formatted in memory and written with one
 * locked fwrite. Level, stream and secrets are set once at start-up, before
 * any thread runs.
 */
#ifndef NF_LOG_H
#define NF_LOG_H

#include <stdio.h>

#include <librdkafka/rdkafka.h>

enum nf_log_level { NF_LOG_DEBUG = 0, NF_LOG_INFO, NF_LOG_WARN, NF_LOG_ERROR };

/** Lines below @p lvl are dropped (default NF_LOG_INFO). */
void nf_log_set_level(enum nf_log_level lvl);

/** @returns 0 and sets @p out for "debug", "info", "warn", "error";
 *  -1 otherwise. */
int nf_log_level_parse(const char *s, enum nf_log_level *out);

/** Write to @p f instead of stderr (NULL restores stderr). For tests. */
void nf_log_set_stream(FILE *f);

/**
 * @brief Never print @p value: every occurrence in a log line becomes "***".
 * @param value copied; empty strings are ignored. At most 16 secrets.
 * @returns 0, or -1 when the table is full or memory runs out.
 */
int nf_log_add_secret(const char *value);

/** Forget every secret (frees them). */
void nf_log_clear_secrets(void);

/**
 * @brief Log @p msg with optional fields.
 * @param fields NULL, or a json_pack() format of an object ("{s:s,s:i}")
 *        followed by its arguments.
 */
void nf_log(enum nf_log_level lvl, const char *msg, const char *fields, ...);

/** librdkafka log_cb: syslog level → ours, fields client and facility. */
void nf_log_rdkafka_cb(const rd_kafka_t *rk, int level, const char *fac,
                       const char *buf);

#endif /* NF_LOG_H */
