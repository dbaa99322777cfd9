/*
 * test_nf_metrics.c - the registry as a Prometheus scrape sees it: bounded
 * labels, cumulative histograms, lag from librdkafka statistics, and the
 * health conditions behind /healthz and /readyz.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nf_test.h"

#include "nf_err.h"
#include "nf_metrics.h"

static char *scrape(void)
{
    size_t len = 0;
    char *t = nf_metrics_render(&len);

    CHECK(t != NULL, "render failed");
    if (!t)
        abort();
    CHECK_INTEQ(strlen(t), len);
    return t;
}

/* The value of the series @p series (name{labels} exactly), or -1. */
static double value_of(const char *text, const char *series)
{
    size_t n = strlen(series);
    const char *p = text;

    while (p && *p) {
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}

static void init(void)
{
    nf_metrics_init("worker", "9.9.9", 60000);
    nf_metrics_add_topic("notices", NF_METRICS_TOPIC_IN);
    nf_metrics_add_topic("out.incident", NF_METRICS_TOPIC_OUT);
    nf_metrics_add_topic("out.dlq", NF_METRICS_TOPIC_OUT);
}

/* Every line is a comment or `name{labels} value`, and no series twice:
 * what Prometheus' parser requires of a scrape. */
static void test_exposition_format(void)
{
    regex_t re;
    char *t, *line, *save = NULL, *copy;
    char seen[256][160];
    size_t n_seen = 0, i;

    init();
    nf_metrics_consumed("notices");
    nf_metrics_observe(NF_METRICS_H_PROCESSING, 1234);
    CHECK(regcomp(&re,
                  "^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+="
                  "\"[^\"]*\")*\\})? -?[0-9.e+]+$",
                  REG_EXTENDED | REG_NOSUB) == 0,
          "regcomp");
    t = scrape();
    copy = strdup(t);
    for (line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *sp;

        if (line[0] == '#') {
            CHECK(strncmp(line, "# HELP ", 7) == 0 ||
                      strncmp(line, "# TYPE ", 7) == 0,
                  "comment %s", line);
            continue;
        }
        CHECK(regexec(&re, line, 0, NULL, 0) == 0, "bad line: %s", line);
        sp = strrchr(line, ' ');
        *sp = '\0';
        for (i = 0; i < n_seen; i++)
            CHECK(strcmp(seen[i], line) != 0, "series twice: %s", line);
        if (n_seen < 256 && strlen(line) < sizeof(seen[0]))
            snprintf(seen[n_seen++], sizeof(seen[0]), "%s", line);
    }
    CHECK(n_seen > 40, "only %zu series", n_seen);
    free(copy);
    free(t);
    regfree(&re);
}

static void test_counters_per_topic(void)
{
    char *t;
    int i;

    init();
    for (i = 0; i < 3; i++)
        nf_metrics_consumed("notices");
    nf_metrics_produced("out.incident");
    nf_metrics_produced("out.incident");
    nf_metrics_dead_lettered("notices");
    t = scrape();
    CHECK(value_of(
              t, "noticeflow_messages_consumed_total{topic=\"notices\"}") == 3,
          "consumed");
    CHECK(value_of(t, "noticeflow_messages_produced_total{topic=\"out."
                      "incident\"}") == 2,
          "produced");
    CHECK(value_of(t, "noticeflow_messages_dead_lettered_total{topic="
                      "\"notices\"}") == 1,
          "dead lettered");
    /* outputs are shown at zero (a rate sees the first one), inputs are
     * not output series */
    CHECK(value_of(
              t, "noticeflow_messages_produced_total{topic=\"out.dlq\"}") == 0,
          "zero output series");
    CHECK(value_of(t, "noticeflow_messages_produced_total{topic="
                      "\"notices\"}") == -1,
          "input topic as an output series");
    /* no _other series until something unknown is counted */
    CHECK(strstr(t, "_other") == NULL, "_other shown at zero");
    free(t);

    /* a topic outside the table is counted, bounded, as _other */
    nf_metrics_consumed("not-configured");
    nf_metrics_consumed("another-one");
    t = scrape();
    CHECK(value_of(t, "noticeflow_messages_consumed_total{topic=\"_other\"}") ==
              2,
          "_other");
    CHECK(strstr(t, "not-configured") == NULL, "unbounded label");
    free(t);
}

static void test_topic_table_is_bounded(void)
{
    char name[32], *t;
    int i, slot = -1;

    init();
    for (i = 0; i < 200; i++) {
        snprintf(name, sizeof(name), "t%03d", i);
        slot = nf_metrics_add_topic(name, NF_METRICS_TOPIC_IN);
    }
    CHECK_INTEQ(slot, 0); /* full: _other */
    CHECK_INTEQ(nf_metrics_add_topic("notices", NF_METRICS_TOPIC_IN), 1);
    t = scrape();
    CHECK(value_of(t, "noticeflow_messages_consumed_total{topic=\"t059\"}") ==
              0,
          "last admitted topic");
    CHECK(value_of(t, "noticeflow_messages_consumed_total{topic=\"t060\"}") ==
              -1,
          "topic past the cap");
    free(t);
}

static void test_reasons(void)
{
    char *t;

    init();
    nf_metrics_enrich_error(NF_E_UTF8);
    nf_metrics_enrich_error(NF_E_UTF8);
    nf_metrics_enrich_error(NF_E_ENVELOPE_JSON);
    nf_metrics_enrich_error(NF_E_AVRO); /* not a usual DLQ reason */
    nf_metrics_enrich_error(12345);     /* not a code at all */
    t = scrape();
    CHECK(value_of(t,
                   "noticeflow_enrich_errors_total{reason=\"invalid_utf8\"}") ==
              2,
          "utf8");
    CHECK(value_of(t, "noticeflow_enrich_errors_total{reason=\"envelope_"
                      "json\"}") == 1,
          "envelope_json");
    CHECK(value_of(t, "noticeflow_enrich_errors_total{reason=\"too_large\"}") ==
              0,
          "declared at zero");
    CHECK(value_of(t, "noticeflow_enrich_errors_total{reason=\"avro\"}") == 1,
          "shell code once counted");
    CHECK(value_of(t, "noticeflow_enrich_errors_total{reason=\"other\"}") == 1,
          "unknown code");
    CHECK(value_of(t, "noticeflow_enrich_errors_total{reason=\"config\"}") ==
              -1,
          "uncounted non-DLQ code shown");
    free(t);
}

static void test_histogram(void)
{
    char *t;

    init();
    nf_metrics_observe(NF_METRICS_H_PROCESSING, 800);      /* 0.8 ms */
    nf_metrics_observe(NF_METRICS_H_PROCESSING, 1000);     /* le 1 ms */
    nf_metrics_observe(NF_METRICS_H_PROCESSING, 200000);   /* 0.2 s */
    nf_metrics_observe(NF_METRICS_H_PROCESSING, 90000000); /* 90 s: +Inf */
    nf_metrics_observe(NF_METRICS_H_ENRICH, 50);
    t = scrape();
    CHECK(value_of(t, "noticeflow_processing_seconds_bucket{le=\"0.0005\"}") ==
              0,
          "below");
    CHECK(value_of(t, "noticeflow_processing_seconds_bucket{le=\"0.001\"}") ==
              2,
          "le is inclusive");
    CHECK(value_of(t, "noticeflow_processing_seconds_bucket{le=\"0.25\"}") == 3,
          "cumulative");
    CHECK(value_of(t, "noticeflow_processing_seconds_bucket{le=\"60\"}") == 3,
          "60 s");
    CHECK(value_of(t, "noticeflow_processing_seconds_bucket{le=\"+Inf\"}") == 4,
          "+Inf");
    CHECK(value_of(t, "noticeflow_processing_seconds_count") == 4, "count");
    CHECK(value_of(t, "noticeflow_processing_seconds_sum") > 90.2 &&
              value_of(t, "noticeflow_processing_seconds_sum") < 90.21,
          "sum %f", value_of(t, "noticeflow_processing_seconds_sum"));
    CHECK(value_of(t, "noticeflow_enrich_seconds_count") == 1, "enrich");
    CHECK(value_of(t, "noticeflow_webhook_request_seconds_count") == 0,
          "webhook declared");
    free(t);
}

static const char consumer_stats[] =
    "{\"name\":\"c\",\"type\":\"consumer\",\"topics\":{"
    "\"notices\":{\"topic\":\"notices\",\"partitions\":{"
    "\"0\":{\"partition\":0,\"desired\":true,\"consumer_lag\":17},"
    "\"1\":{\"partition\":1,\"desired\":true,\"consumer_lag\":-1},"
    "\"2\":{\"partition\":2,\"desired\":false,\"consumer_lag\":99},"
    "\"3\":{\"partition\":3,\"desired\":true,\"consumer_lag\":0},"
    "\"-1\":{\"partition\":-1,\"desired\":false,\"consumer_lag\":-1}}},"
    "\"elsewhere\":{\"topic\":\"elsewhere\",\"partitions\":{"
    "\"0\":{\"partition\":0,\"desired\":true,\"consumer_lag\":5}}}}}";

static void test_consumer_lag(void)
{
    char *t;

    init();
    nf_metrics_set_assigned(true);
    CHECK_INTEQ(
        nf_metrics_parse_stats(false, consumer_stats, strlen(consumer_stats)),
        0);
    t = scrape();
    CHECK(value_of(t, "noticeflow_consumer_lag{topic=\"notices\",partition="
                      "\"0\"}") == 17,
          "lag p0");
    CHECK(value_of(t, "noticeflow_consumer_lag{topic=\"notices\",partition="
                      "\"3\"}") == 0,
          "lag p3");
    CHECK(value_of(t, "noticeflow_consumer_lag{topic=\"notices\",partition="
                      "\"1\"}") == -1,
          "unknown lag shown");
    CHECK(value_of(t, "noticeflow_consumer_lag{topic=\"notices\",partition="
                      "\"2\"}") == -1,
          "unassigned partition shown");
    CHECK(strstr(t, "elsewhere") == NULL, "topic outside the table");
    free(t);

    /* a revoke forgets the lag at once */
    nf_metrics_set_assigned(false);
    t = scrape();
    CHECK(strstr(t, "noticeflow_consumer_lag{") == NULL, "lag after revoke");
    free(t);
    /* and a late document from before the revoke does not bring it back */
    nf_metrics_parse_stats(false, consumer_stats, strlen(consumer_stats));
    t = scrape();
    CHECK(strstr(t, "noticeflow_consumer_lag{") == NULL, "stale lag");
    free(t);

    CHECK_INTEQ(nf_metrics_parse_stats(false, "not json", 8), -1);
    CHECK_INTEQ(nf_metrics_parse_stats(false, "[1]", 3), -1);
}

static bool producer_up_after(const char *json)
{
    char why[256];

    nf_metrics_set_assigned(true);
    nf_metrics_set_draining(false);
    nf_metrics_parse_stats(true, json, strlen(json));
    return nf_metrics_ready(why, sizeof(why));
}

static void test_producer_readiness(void)
{
    init();
    /* only the bootstrap entry is up: brokers not known yet */
    CHECK(!producer_up_after("{\"brokers\":{\"b/bootstrap\":{\"nodeid\":-1,"
                             "\"state\":\"UP\"}}}"),
          "bootstrap only");
    CHECK(producer_up_after("{\"brokers\":{\"b:1/1\":{\"nodeid\":1,"
                            "\"state\":\"UP\"}}}"),
          "broker up, not idempotent");
    CHECK(!producer_up_after("{\"brokers\":{\"b:1/1\":{\"nodeid\":1,"
                             "\"state\":\"UP\"}},\"eos\":{\"idemp_state\":"
                             "\"WaitPID\"}}"),
          "idempotent producer without a producer id");
    CHECK(producer_up_after("{\"brokers\":{\"b:1/1\":{\"nodeid\":1,"
                            "\"state\":\"UP\"}},\"eos\":{\"idemp_state\":"
                            "\"Assigned\"}}"),
          "producer id assigned");
    CHECK(!producer_up_after("{\"brokers\":{\"b:1/1\":{\"nodeid\":1,"
                             "\"state\":\"DOWN\"}},\"eos\":{\"idemp_state\":"
                             "\"Assigned\"}}"),
          "broker down");
}

static void test_health(void)
{
    char why[256];

    init();
    CHECK(!nf_metrics_ready(why, sizeof(why)), "ready at start");
    CHECK(strstr(why, "\"assignment_held\":false") != NULL, "%s", why);
    nf_metrics_set_producer_connected(true);
    CHECK(!nf_metrics_ready(why, sizeof(why)), "ready without assignment");
    nf_metrics_set_assigned(true);
    CHECK(nf_metrics_ready(why, sizeof(why)), "not ready: %s", why);
    CHECK(strstr(why, "{\"ready\":true") == why, "%s", why);
    nf_metrics_set_draining(true);
    CHECK(!nf_metrics_ready(why, sizeof(why)), "ready while draining");
    CHECK(strstr(why, "\"draining\":true") != NULL, "%s", why);

    CHECK(nf_metrics_alive(why, sizeof(why)), "alive: %s", why);
    nf_metrics_init("worker", "9.9.9", 1); /* 1 ms stall budget */
    {
        struct timespec ts = {0, 20 * 1000 * 1000};

        nanosleep(&ts, NULL);
    }
    CHECK(!nf_metrics_alive(why, sizeof(why)), "alive after a stall: %s", why);
    nf_metrics_heartbeat();
    CHECK(nf_metrics_alive(why, sizeof(why)), "beat: %s", why);
}

static void test_alerts_and_rebalances(void)
{
    char *t;

    init();
    nf_metrics_alert(NF_METRICS_ALERT_SENT, NULL);
    nf_metrics_alert(NF_METRICS_ALERT_RETRIED, NULL);
    nf_metrics_alert(NF_METRICS_ALERT_RETRIED, NULL);
    nf_metrics_alert(NF_METRICS_ALERT_FAILED, "http_status");
    nf_metrics_alert(NF_METRICS_ALERT_FAILED, "something new");
    nf_metrics_rebalance(NF_METRICS_ASSIGN);
    nf_metrics_rebalance(NF_METRICS_LOST);
    nf_metrics_set_in_flight(42);
    t = scrape();
    CHECK(value_of(t, "noticeflow_alerts_sent_total") == 1, "sent");
    CHECK(value_of(t, "noticeflow_alerts_retried_total") == 2, "retried");
    CHECK(value_of(t, "noticeflow_alerts_failed_total{reason=\"http_"
                      "status\"}") == 1,
          "failed http");
    CHECK(value_of(t, "noticeflow_alerts_failed_total{reason=\"other\"}") == 1,
          "failed other");
    CHECK(value_of(t, "noticeflow_alerts_failed_total{reason=\"retries_"
                      "exhausted\"}") == 0,
          "declared");
    CHECK(value_of(t, "noticeflow_rebalances_total{event=\"assign\"}") == 1,
          "assign");
    CHECK(value_of(t, "noticeflow_rebalances_total{event=\"lost\"}") == 1,
          "lost");
    CHECK(value_of(t, "noticeflow_in_flight_messages") == 42, "in flight");
    CHECK(value_of(t, "noticeflow_build_info{version=\"9.9.9\",role="
                      "\"worker\"}") == 1,
          "build info");
    free(t);
}

int main(void)
{
    test_exposition_format();
    test_counters_per_topic();
    test_topic_table_is_bounded();
    test_reasons();
    test_histogram();
    test_consumer_lag();
    test_producer_readiness();
    test_health();
    test_alerts_and_rebalances();
    return nf_test_failures != 0;
}
