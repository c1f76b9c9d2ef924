/* Reads every record of a topic (or one partition) back with librdkafka's consumer and
 * prints one JSON line per record (hex key, value and headers), then {"done":true,...}.
 * Usage: read-back -b <servers> -t <topic> [-p N] [--timeout-ms N] [--isolation L] [-X k=v] */

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <librdkafka/rdkafka.h>

#define MAX_PARTITIONS 100000

static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_hex_or_null(const void *data, size_t len, int is_null) {
        static const char digits[] = "0123456789abcdef";
        const unsigned char *p     = data;
        size_t i;
        if (is_null) {
                fputs("null", stdout);
                return;
        }
        putchar('"');
        for (i = 0; i < len; i++) {
                putchar(digits[p[i] >> 4]);
                putchar(digits[p[i] & 15]);
        }
        putchar('"');
}

static void print_message(const rd_kafka_message_t *m) {
        rd_kafka_timestamp_type_t tstype;
        int64_t ts = rd_kafka_message_timestamp(m, &tstype);
        rd_kafka_headers_t *hdrs = NULL;
        const char *tsname       = tstype == RD_KAFKA_TIMESTAMP_CREATE_TIME
                                       ? "create"
                                       : tstype == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME
                                             ? "logappend"
                                             : "none";

        printf("{\"partition\":%" PRId32 ",\"offset\":\"%" PRId64
               "\",\"timestamp\":%" PRId64 ",\"timestampType\":\"%s\",\"key\":",
               m->partition, m->offset, ts, tsname);
        print_hex_or_null(m->key, m->key_len, m->key == NULL);
        fputs(",\"value\":", stdout);
        print_hex_or_null(m->payload, m->len, m->payload == NULL);
        fputs(",\"headers\":[", stdout);
        if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                size_t idx;
                const char *name;
                const void *value;
                size_t size;
                for (idx = 0; rd_kafka_header_get_all(hdrs, idx, &name, &value,
                                                      &size) ==
                              RD_KAFKA_RESP_ERR_NO_ERROR;
                     idx++) {
                        if (idx > 0)
                                putchar(',');
                        putchar('[');
                        print_hex_or_null(name, strlen(name), 0);
                        putchar(',');
                        print_hex_or_null(value, size, value == NULL);
                        putchar(']');
                }
        }
        fputs("]}\n", stdout);
}

static int set(rd_kafka_conf_t *conf, const char *name, const char *value) {
        char errstr[512];
        if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK) {
                fprintf(stderr, "read-back: %s=%s: %s\n", name, value, errstr);
                return -1;
        }
        return 0;
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf) {
        (void)rk;
        fprintf(stderr, "read-back: %d %s: %s\n", level, fac, buf);
}

int main(int argc, char **argv) {
        const char *servers = NULL, *topic = NULL;
        const char *isolation = "read_uncommitted";
        long only_partition   = -1;
        long timeout_ms       = 15000;
        char errstr[512];
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        rd_kafka_topic_t *rkt;
        const rd_kafka_metadata_t *md = NULL;
        rd_kafka_topic_partition_list_t *assignment;
        rd_kafka_resp_err_t err;
        int64_t deadline;
        int partition_cnt, i, pending = 0, rc = 0;
        unsigned char *eof_seen;
        int64_t *high;
        long count = 0;

#ifdef __linux__
        prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
        conf = rd_kafka_conf_new();
        rd_kafka_conf_set_log_cb(conf, log_cb);
        /* Defaults first, so that -X can override them (check.crcs=false
         * for a mock that writes its transaction markers without a CRC). */
        if (set(conf, "check.crcs", "true") ||
            set(conf, "enable.partition.eof", "true") ||
            set(conf, "group.id", "interop-read-back") ||
            set(conf, "enable.auto.commit", "false") ||
            set(conf, "enable.auto.offset.store", "false") ||
            set(conf, "auto.offset.reset", "error"))
                return 2;

        for (i = 1; i < argc; i++) {
                const char *a = argv[i];
                const char *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (!v) {
                        fprintf(stderr, "read-back: %s needs a value\n", a);
                        return 2;
                }
                i++;
                if (!strcmp(a, "-b"))
                        servers = v;
                else if (!strcmp(a, "-t"))
                        topic = v;
                else if (!strcmp(a, "-p"))
                        only_partition = strtol(v, NULL, 10);
                else if (!strcmp(a, "--timeout-ms"))
                        timeout_ms = strtol(v, NULL, 10);
                else if (!strcmp(a, "--isolation"))
                        isolation = v;
                else if (!strcmp(a, "-X")) {
                        char prop[1024];
                        char *eq;
                        snprintf(prop, sizeof(prop), "%s", v);
                        if (!(eq = strchr(prop, '='))) {
                                fprintf(stderr, "read-back: -X wants k=v\n");
                                return 2;
                        }
                        *eq = '\0';
                        if (set(conf, prop, eq + 1))
                                return 2;
                } else {
                        fprintf(stderr, "read-back: unknown argument %s\n", a);
                        return 2;
                }
        }
        if (!servers || !topic || timeout_ms < 1 || timeout_ms > 600000) {
                fprintf(stderr,
                        "usage: read-back -b <servers> -t <topic> [-p N] "
                        "[--timeout-ms N] [--isolation L] [-X k=v]...\n");
                return 2;
        }
        deadline = now_ms() + timeout_ms;

        if (set(conf, "bootstrap.servers", servers) ||
            set(conf, "isolation.level", isolation))
                return 2;

        rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "read-back: %s\n", errstr);
                return 2;
        }
        rd_kafka_poll_set_consumer(rk);

        rkt = rd_kafka_topic_new(rk, topic, NULL);
        err = rd_kafka_metadata(rk, 0, rkt, &md, (int)timeout_ms);
        if (!err && (md->topic_cnt != 1 || md->topics[0].err))
                err = md->topic_cnt == 1 ? md->topics[0].err
                                         : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
        if (err) {
                fprintf(stderr, "read-back: metadata for %s: %s\n", topic,
                        rd_kafka_err2str(err));
                rc = 3;
                goto out;
        }
        partition_cnt = md->topics[0].partition_cnt;
        if (partition_cnt > MAX_PARTITIONS ||
            only_partition >= (long)partition_cnt) {
                fprintf(stderr, "read-back: partition %ld of %d unavailable\n",
                        only_partition, partition_cnt);
                rc = 3;
                goto out;
        }

        eof_seen   = calloc((size_t)partition_cnt + 1, 1);
        high       = calloc((size_t)partition_cnt + 1, sizeof(*high));
        assignment = rd_kafka_topic_partition_list_new(partition_cnt);
        for (i = 0; i < partition_cnt; i++) {
                int64_t lo = 0, hi = 0;
                int32_t id = md->topics[0].partitions[i].id;
                if (only_partition >= 0 && id != only_partition)
                        continue;
                err = rd_kafka_query_watermark_offsets(
                    rk, topic, id, &lo, &hi,
                    (int)(deadline - now_ms() > 0 ? deadline - now_ms() : 1));
                if (err) {
                        fprintf(stderr,
                                "read-back: watermarks of %s [%" PRId32
                                "]: %s\n",
                                topic, id, rd_kafka_err2str(err));
                        rc = 3;
                        break;
                }
                if (hi <= lo)
                        continue; /* nothing stored */
                if (id >= 0 && id < partition_cnt)
                        high[id] = hi;
                rd_kafka_topic_partition_list_add(assignment, topic, id)
                    ->offset = lo;
                pending++;
        }

        if (!rc && pending > 0 && (err = rd_kafka_assign(rk, assignment))) {
                fprintf(stderr, "read-back: assign: %s\n",
                        rd_kafka_err2str(err));
                rc = 3;
        }

        /* Poll until every assigned partition reported its end, or the
         * deadline passes; each turn waits at most 100 ms. */
        while (!rc && pending > 0) {
                rd_kafka_message_t *m;
                if (now_ms() >= deadline) {
                        fprintf(stderr,
                                "read-back: timed out with %d partition(s) "
                                "unfinished\n",
                                pending);
                        rc = 4;
                        break;
                }
                m = rd_kafka_consumer_poll(rk, 100);
                if (!m)
                        continue;
                if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        int32_t p = m->partition;
                        if (p >= 0 && p < partition_cnt && !eof_seen[p] &&
                            m->offset >= high[p]) {
                                eof_seen[p] = 1;
                                pending--;
                        }
                } else if (m->err) {
                        fprintf(stderr,
                                "read-back: consume error on [%" PRId32
                                "] at offset %" PRId64 ": %s: %s\n",
                                m->partition, m->offset,
                                rd_kafka_err2name(m->err),
                                rd_kafka_message_errstr(m));
                        rc = 5;
                } else {
                        print_message(m);
                        count++;
                }
                rd_kafka_message_destroy(m);
        }

        if (!rc)
                printf("{\"done\":true,\"count\":%ld}\n", count);
        fflush(stdout);

        rd_kafka_topic_partition_list_destroy(assignment);
        free(eof_seen);
        free(high);
out:
        if (md)
                rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
        return rc;
}
