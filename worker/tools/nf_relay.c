/*
 * nf_relay.c - the no-op baseline of the pipeline benchmark, and a second
 * at-least-once client to prove the loss checker with.
 *
 * usage: nf-relay -b BOOTSTRAP -g GROUP -i TOPIC[,TOPIC] -o TOPIC
 *                 [-X key=value]... [--idle-exit-ms N]
 *                 [--unsafe-store-before-produce]
 *
 * Consumes the input topics and produces every message unchanged (key,
 * value, headers) to one output topic, with the client settings of the
 * worker (contract.md, delivery.md): idempotent producer with acks=all,
 * consumer with enable.auto.offset.store=false, auto.offset.reset=earliest,
 * the eager range,roundrobin assignor, and an offset stored only when it and
 * every lower consumed offset of its partition are acknowledged by a
 * delivery report. So `worker docs/s / relay docs/s` is the cost of
 * enrichment and Avro on top of the same Kafka round trip.
 *
 * Each output carries a "noticeflow-event-id" header "topic/partition/offset"
 * (the worker's event id format and header name), so the checker maps
 * outputs of both back to their inputs the same way.
 *
 * The watermark: per partition a ring of consumed offsets (increasing, with
 * gaps where the log has control records) and a done flag each; a delivery
 * report marks its entry, then the done prefix is popped and the next
 * offset stored. Discarded: storing each acked offset directly (delivery
 * reports of different output partitions arrive out of order, so storing
 * x+1 while x is still in flight loses x on a crash; delivery.md).
 *
 * --unsafe-store-before-produce stores each offset as soon as it is
 * consumed: the negative control that must make the checker report loss
 * when the relay is killed with SIGKILL. --idle-exit-ms stops cleanly after
 * that long without a message (tests).
 *
 * Exit: 0 clean stop (SIGTERM/SIGINT/idle), 1 delivery or fatal error (the
 * failed offset is never stored), 2 usage.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#define MAX_PARTS    1024      /* assigned partitions at once */
#define MAX_INFLIGHT (1 << 20) /* consumed, not yet acked, per partition */
#define MAX_X        64        /* -X options */
#define FLUSH_MS     30000     /* bounded flush on revoke and shutdown */

/* Settings both sides get, as the worker sets them (contract.md). */
static const char *const consumer_conf[][2] = {
    /* store only acked offsets; the auto committer sends what is stored */
    {"enable.auto.offset.store", "false"},
    {"enable.auto.commit", "true"},
    /* a new group reads the history (a pre-filled topic) */
    {"auto.offset.reset", "earliest"},
    /* eager: the cooperative-sticky fixes came after 2.0.2 */
    {"partition.assignment.strategy", "range,roundrobin"},
    /* the worker's memory defaults (nf_config.c) */
    {"queued.max.messages.kbytes", "16384"},
};

static const char *const producer_conf[][2] = {
    {"enable.idempotence", "true"},
    {"acks", "all"},
    /* never time a message out quickly: a timed-out one may be written */
    {"message.timeout.ms", "300000"},
    {"linger.ms", "1"},
    {"queue.buffering.max.kbytes", "8192"},
};

struct part {
    char *topic;
    int32_t partition;
    unsigned gen;  /* bumped on revoke: stale delivery reports ignored */
    int64_t *offs; /* ring of consumed offsets, increasing */
    unsigned char *done;
    size_t head, count, cap;
    int64_t store; /* next offset to store, -1 when nothing new */
};

struct dr_ref {
    size_t slot;
    unsigned gen;
    int64_t offset;
};

static struct part parts[MAX_PARTS];
static size_t nparts;
static unsigned gen_counter;
static rd_kafka_t *producer;
static volatile sig_atomic_t stop_signals;
static int failed;
static int unsafe_store;
static uint64_t consumed, produced, acked, dr_errors;

static void on_signal(int sig)
{
    (void)sig;
    if (stop_signals++ > 0)
        _exit(1);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct part *find_part(const char *topic, int32_t partition,
                              size_t *slot)
{
    size_t i;

    for (i = 0; i < nparts; i++) {
        if (parts[i].topic && parts[i].partition == partition &&
            strcmp(parts[i].topic, topic) == 0) {
            if (slot)
                *slot = i;
            return &parts[i];
        }
    }
    return NULL;
}

static void drop_part(struct part *p)
{
    free(p->topic);
    free(p->offs);
    free(p->done);
    memset(p, 0, sizeof(*p));
    p->gen = ++gen_counter;
}

static int add_part(const char *topic, int32_t partition)
{
    size_t i;

    if (find_part(topic, partition, NULL))
        return 0;
    for (i = 0; i < nparts && parts[i].topic; i++)
        ;
    if (i == MAX_PARTS)
        return -1;
    if (i == nparts)
        nparts++;
    parts[i].topic = strdup(topic);
    if (!parts[i].topic)
        return -1;
    parts[i].partition = partition;
    parts[i].gen = ++gen_counter;
    parts[i].store = -1;
    return 0;
}

static int ring_push(struct part *p, int64_t offset)
{
    size_t i, ncap;
    int64_t *noffs;
    unsigned char *ndone;

    if (p->count == p->cap) {
        if (p->cap >= MAX_INFLIGHT)
            return -1;
        ncap = p->cap ? p->cap * 2 : 1024;
        noffs = malloc(ncap * sizeof(*noffs));
        ndone = malloc(ncap);
        if (!noffs || !ndone) {
            free(noffs);
            free(ndone);
            return -1;
        }
        for (i = 0; i < p->count; i++) {
            noffs[i] = p->offs[(p->head + i) % p->cap];
            ndone[i] = p->done[(p->head + i) % p->cap];
        }
        free(p->offs);
        free(p->done);
        p->offs = noffs;
        p->done = ndone;
        p->head = 0;
        p->cap = ncap;
    }
    i = (p->head + p->count) % p->cap;
    p->offs[i] = offset;
    p->done[i] = 0;
    p->count++;
    return 0;
}

/* Mark one offset acked, then pop the acked prefix: O(log n) + popped. */
static void ring_ack(struct part *p, int64_t offset)
{
    size_t lo = 0, hi = p->count, mid;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (p->offs[(p->head + mid) % p->cap] < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == p->count || p->offs[(p->head + lo) % p->cap] != offset)
        return;
    p->done[(p->head + lo) % p->cap] = 1;
    while (p->count > 0 && p->done[p->head]) {
        p->store = p->offs[p->head] + 1;
        p->head = (p->head + 1) % p->cap;
        p->count--;
    }
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm, void *opaque)
{
    struct dr_ref *ref = rkm->_private;
    struct part *p;

    (void)rk;
    (void)opaque;
    if (rkm->err) {
        /* Never advance past a failed message: the restart reprocesses. */
        fprintf(stderr, "nf-relay: delivery failed: %s\n",
                rd_kafka_err2str(rkm->err));
        dr_errors++;
        failed = 1;
    } else {
        acked++;
        if (ref) {
            p = &parts[ref->slot];
            if (p->topic && p->gen == ref->gen)
                ring_ack(p, ref->offset);
        }
    }
    free(ref);
}

/* Hand the watermarks to the auto committer. */
static void store_done(rd_kafka_t *consumer)
{
    rd_kafka_topic_partition_list_t *list;
    rd_kafka_resp_err_t err;
    size_t i;

    list = rd_kafka_topic_partition_list_new(8);
    for (i = 0; i < nparts; i++) {
        if (!parts[i].topic || parts[i].store < 0)
            continue;
        rd_kafka_topic_partition_list_add(list, parts[i].topic,
                                          parts[i].partition)
            ->offset = parts[i].store;
        parts[i].store = -1;
    }
    if (list->cnt > 0) {
        err = rd_kafka_offsets_store(consumer, list);
        /* __STATE: no longer assigned: not ours to store any more */
        if (err && err != RD_KAFKA_RESP_ERR__STATE)
            fprintf(stderr, "nf-relay: offsets_store: %s\n",
                    rd_kafka_err2str(err));
    }
    rd_kafka_topic_partition_list_destroy(list);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *tps, void *opaque)
{
    int i;
    struct part *p;

    (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (i = 0; i < tps->cnt; i++) {
            if (add_part(tps->elems[i].topic, tps->elems[i].partition)) {
                fprintf(stderr, "nf-relay: too many partitions\n");
                failed = 1;
            }
        }
        rd_kafka_assign(rk, tps);
        return;
    }
    /* Revoke: finish what is in flight (bounded), store it, forget. */
    rd_kafka_flush(producer, FLUSH_MS);
    store_done(rk);
    for (i = 0; i < tps->cnt; i++) {
        p = find_part(tps->elems[i].topic, tps->elems[i].partition, NULL);
        if (p)
            drop_part(p);
    }
    rd_kafka_assign(rk, NULL);
}

static int conf_set(rd_kafka_conf_t *conf, const char *k, const char *v)
{
    char errstr[512];

    if (rd_kafka_conf_set(conf, k, v, errstr, sizeof(errstr)) ==
        RD_KAFKA_CONF_OK)
        return 0;
    fprintf(stderr, "nf-relay: %s=%s: %s\n", k, v, errstr);
    return -1;
}

static int relay_one(rd_kafka_t *consumer, const char *out_topic,
                     rd_kafka_message_t *rkm)
{
    const char *topic = rd_kafka_topic_name(rkm->rkt);
    rd_kafka_headers_t *hdrs = NULL, *in_hdrs = NULL;
    struct dr_ref *ref = NULL;
    struct part *p;
    size_t slot = 0;
    char src[512];
    rd_kafka_resp_err_t err;
    rd_kafka_topic_partition_list_t *list;

    p = find_part(topic, rkm->partition, &slot);
    if (!p)
        return 0; /* revoked meanwhile: the next owner reads it again */
    consumed++;
    if (unsafe_store) {
        list = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(list, topic, rkm->partition)->offset =
            rkm->offset + 1;
        rd_kafka_offsets_store(consumer, list);
        rd_kafka_topic_partition_list_destroy(list);
    } else {
        ref = malloc(sizeof(*ref));
        if (!ref || ring_push(p, rkm->offset)) {
            free(ref);
            return -1;
        }
        ref->slot = slot;
        ref->gen = p->gen;
        ref->offset = rkm->offset;
    }
    if (rd_kafka_message_headers(rkm, &in_hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR)
        hdrs = rd_kafka_headers_copy(in_hdrs);
    else
        hdrs = rd_kafka_headers_new(1);
    snprintf(src, sizeof(src), "%s/%" PRId32 "/%" PRId64, topic, rkm->partition,
             rkm->offset);
    rd_kafka_header_add(hdrs, "noticeflow-event-id", -1, src, -1);
    for (;;) {
        err = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(out_topic),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_KEY(rkm->key, rkm->key_len),
                                RD_KAFKA_V_VALUE(rkm->payload, rkm->len),
                                RD_KAFKA_V_HEADERS(hdrs),
                                RD_KAFKA_V_OPAQUE(ref), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            break;
        /* Back-pressure: serve delivery reports, never drop. */
        rd_kafka_poll(producer, 50);
    }
    if (err) {
        fprintf(stderr, "nf-relay: produce: %s\n", rd_kafka_err2str(err));
        rd_kafka_headers_destroy(hdrs);
        free(ref);
        return -1;
    }
    produced++;
    return 0;
}

struct args {
    const char *bootstrap, *group, *in, *out;
    const char *xs[MAX_X];
    size_t nx;
    long idle_ms;
};

static int parse_args(int argc, char **argv, struct args *a)
{
    int ai;
    char *end;

    memset(a, 0, sizeof(*a));
    for (ai = 1; ai < argc; ai++) {
        const char *k = argv[ai];
        const char *v = ai + 1 < argc ? argv[ai + 1] : NULL;

        if (strcmp(k, "--unsafe-store-before-produce") == 0) {
            unsafe_store = 1;
            continue;
        }
        if (!v)
            return -1;
        ai++;
        if (strcmp(k, "-b") == 0) {
            a->bootstrap = v;
        } else if (strcmp(k, "-g") == 0) {
            a->group = v;
        } else if (strcmp(k, "-i") == 0) {
            a->in = v;
        } else if (strcmp(k, "-o") == 0) {
            a->out = v;
        } else if (strcmp(k, "-X") == 0 && a->nx < MAX_X && strchr(v, '=')) {
            a->xs[a->nx++] = v;
        } else if (strcmp(k, "--idle-exit-ms") == 0) {
            a->idle_ms = strtol(v, &end, 10);
            if (*end || a->idle_ms < 0)
                return -1;
        } else {
            return -1;
        }
    }
    return a->bootstrap && a->group && a->in && a->out ? 0 : -1;
}

/* -X key=value: consumer./producer. prefixes pick one side, like the
 * worker's kafka.consumer./kafka.producer. keys. */
static int apply_x(rd_kafka_conf_t *cconf, rd_kafka_conf_t *pconf,
                   const char *x)
{
    char kv[512];
    char *eq;

    snprintf(kv, sizeof(kv), "%s", x);
    eq = strchr(kv, '=');
    if (!eq)
        return -1;
    *eq = '\0';
    if (strncmp(kv, "consumer.", 9) == 0)
        return conf_set(cconf, kv + 9, eq + 1);
    if (strncmp(kv, "producer.", 9) == 0)
        return conf_set(pconf, kv + 9, eq + 1);
    if (conf_set(cconf, kv, eq + 1) || conf_set(pconf, kv, eq + 1))
        return -1;
    return 0;
}

/* "a,b,c" -> subscription list (no strtok: banned). */
static rd_kafka_topic_partition_list_t *topic_list(const char *in)
{
    rd_kafka_topic_partition_list_t *subs;
    const char *p = in, *comma;
    char name[256];
    size_t n;

    subs = rd_kafka_topic_partition_list_new(4);
    while (*p) {
        comma = strchr(p, ',');
        n = comma ? (size_t)(comma - p) : strlen(p);
        if (n > 0 && n < sizeof(name)) {
            memcpy(name, p, n);
            name[n] = '\0';
            rd_kafka_topic_partition_list_add(subs, name,
                                              RD_KAFKA_PARTITION_UA);
        }
        p += n + (comma ? 1 : 0);
    }
    return subs;
}

int main(int argc, char **argv)
{
    struct args a;
    size_t i;
    char errstr[512];
    rd_kafka_conf_t *cconf = NULL, *pconf = NULL;
    rd_kafka_t *consumer = NULL;
    rd_kafka_topic_partition_list_t *subs = NULL;
    rd_kafka_message_t *rkm;
    struct sigaction sa;
    double last_msg;
    int rc = 1;

    if (parse_args(argc, argv, &a)) {
        fprintf(stderr,
                "usage: nf-relay -b BOOTSTRAP -g GROUP -i TOPIC[,TOPIC] "
                "-o TOPIC\n"
                "                [-X key=value]... [--idle-exit-ms N]\n"
                "                [--unsafe-store-before-produce]\n");
        return 2;
    }
    cconf = rd_kafka_conf_new();
    pconf = rd_kafka_conf_new();
    if (conf_set(cconf, "bootstrap.servers", a.bootstrap) ||
        conf_set(pconf, "bootstrap.servers", a.bootstrap) ||
        conf_set(cconf, "group.id", a.group))
        goto out;
    for (i = 0; i < sizeof(consumer_conf) / sizeof(consumer_conf[0]); i++)
        if (conf_set(cconf, consumer_conf[i][0], consumer_conf[i][1]))
            goto out;
    for (i = 0; i < sizeof(producer_conf) / sizeof(producer_conf[0]); i++)
        if (conf_set(pconf, producer_conf[i][0], producer_conf[i][1]))
            goto out;
    for (i = 0; i < a.nx; i++)
        if (apply_x(cconf, pconf, a.xs[i]))
            goto out;
    rd_kafka_conf_set_dr_msg_cb(pconf, dr_cb);
    rd_kafka_conf_set_rebalance_cb(cconf, rebalance_cb);

    producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, errstr, sizeof(errstr));
    if (!producer) {
        fprintf(stderr, "nf-relay: producer: %s\n", errstr);
        goto out;
    }
    pconf = NULL;
    consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, errstr, sizeof(errstr));
    if (!consumer) {
        fprintf(stderr, "nf-relay: consumer: %s\n", errstr);
        goto out;
    }
    cconf = NULL;
    rd_kafka_poll_set_consumer(consumer);

    subs = topic_list(a.in);
    if (rd_kafka_subscribe(consumer, subs)) {
        fprintf(stderr, "nf-relay: subscribe failed\n");
        goto out;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (unsafe_store)
        fprintf(stderr, "nf-relay: UNSAFE: storing offsets before produce "
                        "(test-only negative control)\n");

    last_msg = now_s();
    while (!stop_signals && !failed) {
        rkm = rd_kafka_consumer_poll(consumer, 100);
        rd_kafka_poll(producer, 0);
        if (rkm) {
            if (!rkm->err) {
                last_msg = now_s();
                if (relay_one(consumer, a.out, rkm))
                    failed = 1;
            } else if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                fprintf(stderr, "nf-relay: consume: %s\n",
                        rd_kafka_message_errstr(rkm));
                if (rkm->err == RD_KAFKA_RESP_ERR__FATAL)
                    failed = 1;
            }
            rd_kafka_message_destroy(rkm);
        }
        if (!unsafe_store)
            store_done(consumer);
        if (a.idle_ms > 0 && consumed > 0 &&
            (now_s() - last_msg) * 1000.0 > (double)a.idle_ms)
            break;
    }
    /* Stop input, finish in flight, store, then close (final commit). */
    rd_kafka_flush(producer, FLUSH_MS);
    if (!unsafe_store)
        store_done(consumer);
    if (rd_kafka_outq_len(producer) > 0)
        failed = 1;
    rd_kafka_consumer_close(consumer);
    rc = failed ? 1 : 0;
    fprintf(stderr,
            "nf-relay: consumed %" PRIu64 " produced %" PRIu64 " acked %" PRIu64
            " delivery errors %" PRIu64 "\n",
            consumed, produced, acked, dr_errors);

out:
    if (subs)
        rd_kafka_topic_partition_list_destroy(subs);
    if (consumer)
        rd_kafka_destroy(consumer);
    if (producer)
        rd_kafka_destroy(producer);
    if (cconf)
        rd_kafka_conf_destroy(cconf);
    if (pconf)
        rd_kafka_conf_destroy(pconf);
    for (i = 0; i < nparts; i++)
        if (parts[i].topic)
            drop_part(&parts[i]);
    return rc;
}
