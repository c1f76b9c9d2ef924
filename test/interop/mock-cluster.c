/* Runs librdkafka's mock Kafka cluster (an independent broker implementation) on
 * 127.0.0.1 and drives it with line commands on stdin; see harness.ts for the
 * protocol. Usage: mock-cluster [--brokers N] [--topic name:partitions:rf]... [--debug] */

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_LINE 8192
#define MAX_ARGS 512
#define MAX_BROKERS 64

static rd_kafka_mock_cluster_t *mcluster;

/* Writes one answer line and flushes so the reader sees it at once. */
static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stdout, fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
        fflush(stdout);
}

static int parse_long(const char *s, long min, long max, long *out) {
        char *end;
        long v;
        if (!s || !*s)
                return -1;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

/* Accepts a numeric error code or a librdkafka error name such as
 * NOT_LEADER_FOR_PARTITION or _TRANSPORT (case-insensitive, optional ERR_). */
static int parse_err(const char *s, rd_kafka_resp_err_t *out) {
        const struct rd_kafka_err_desc *descs;
        size_t cnt, i;
        long v;

        if (parse_long(s, -32768, 32767, &v) == 0) {
                *out = (rd_kafka_resp_err_t)v;
                return 0;
        }
        if (!strncasecmp(s, "RD_KAFKA_RESP_ERR_", 18))
                s += 18;
        else if (!strncasecmp(s, "ERR_", 4))
                s += 4;
        rd_kafka_get_err_descs(&descs, &cnt);
        for (i = 0; i < cnt; i++) {
                if (descs[i].name && !strcasecmp(descs[i].name, s)) {
                        *out = descs[i].code;
                        return 0;
                }
        }
        return -1;
}

static void reply_err(rd_kafka_resp_err_t err) {
        if (err)
                reply("ERR %s: %s", rd_kafka_err2name(err),
                      rd_kafka_err2str(err));
        else
                reply("OK");
}

static int create_topic(const char *name, long partitions, long rf) {
        rd_kafka_resp_err_t err =
            rd_kafka_mock_topic_create(mcluster, name, (int)partitions, (int)rf);
        if (err) {
                fprintf(stderr, "mock-cluster: creating topic %s failed: %s\n",
                        name, rd_kafka_err2str(err));
                return -1;
        }
        return 0;
}

#define NEED_ARGS(n)                                                           \
        do {                                                                   \
                if (argc != (n)) {                                             \
                        reply("ERR usage: %s", usage);                         \
                        return 0;                                              \
                }                                                              \
        } while (0)

#define NUM_ARG(idx, min, max, var)                                            \
        do {                                                                   \
                if (parse_long(argv[idx], (min), (max), &(var))) {             \
                        reply("ERR bad number '%s' (usage: %s)", argv[idx],    \
                              usage);                                          \
                        return 0;                                              \
                }                                                              \
        } while (0)

#define ERR_ARG(str, var)                                                      \
        do {                                                                   \
                if (parse_err((str), &(var))) {                                \
                        reply("ERR bad error code '%s'", (str));               \
                        return 0;                                              \
                }                                                              \
        } while (0)

/* Runs one command. Returns 1 when the program should exit. */
static int run_command(int argc, char **argv) {
        const char *cmd   = argv[0];
        const char *usage = "";
        long a, b, c;

        if (!strcmp(cmd, "quit"))
                return 1;

        if (!strcmp(cmd, "ping")) {
                reply("OK");

        } else if (!strcmp(cmd, "bootstrap")) {
                reply("OK %s", rd_kafka_mock_cluster_bootstraps(mcluster));

        } else if (!strcmp(cmd, "push-errors")) {
                rd_kafka_resp_err_t errs[MAX_ARGS];
                int i;
                usage = "push-errors <apiKey> <count> <err>...";
                if (argc < 3) {
                        reply("ERR usage: %s", usage);
                        return 0;
                }
                NUM_ARG(1, 0, 32767, a);
                NUM_ARG(2, 0, MAX_ARGS, b);
                if (argc != 3 + b) {
                        reply("ERR count %ld does not match %d error codes", b,
                              argc - 3);
                        return 0;
                }
                for (i = 0; i < b; i++)
                        ERR_ARG(argv[3 + i], errs[i]);
                rd_kafka_mock_push_request_errors_array(mcluster, (int16_t)a,
                                                        (size_t)b, errs);
                reply("OK");

        } else if (!strcmp(cmd, "broker-push-errors")) {
                rd_kafka_resp_err_t errs[MAX_ARGS];
                long rtts[MAX_ARGS];
                int i;
                usage =
                    "broker-push-errors <brokerId> <apiKey> <count> "
                    "<err:rttMs>...";
                if (argc < 4) {
                        reply("ERR usage: %s", usage);
                        return 0;
                }
                NUM_ARG(1, 0, INT32_MAX, a);
                NUM_ARG(2, 0, 32767, b);
                NUM_ARG(3, 0, MAX_ARGS, c);
                if (argc != 4 + c) {
                        reply("ERR count %ld does not match %d tuples", c,
                              argc - 4);
                        return 0;
                }
                /* Validate every tuple before changing any state. */
                for (i = 0; i < c; i++) {
                        char *colon = strchr(argv[4 + i], ':');
                        if (!colon) {
                                reply("ERR tuple '%s' is not err:rttMs",
                                      argv[4 + i]);
                                return 0;
                        }
                        *colon = '\0';
                        ERR_ARG(argv[4 + i], errs[i]);
                        if (parse_long(colon + 1, 0, 3600000, &rtts[i])) {
                                reply("ERR bad rtt '%s'", colon + 1);
                                return 0;
                        }
                }
                /* The library call is variadic only; pushing one tuple per
                 * call appends them in the same order. */
                for (i = 0; i < c; i++) {
                        rd_kafka_resp_err_t err =
                            rd_kafka_mock_broker_push_request_error_rtts(
                                mcluster, (int32_t)a, (int16_t)b, 1, errs[i],
                                (int)rtts[i]);
                        if (err) {
                                reply_err(err);
                                return 0;
                        }
                }
                reply("OK");

        } else if (!strcmp(cmd, "broker-error-count")) {
                size_t cnt = 0;
                rd_kafka_resp_err_t err;
                usage = "broker-error-count <brokerId> <apiKey>";
                NEED_ARGS(3);
                NUM_ARG(1, 0, INT32_MAX, a);
                NUM_ARG(2, 0, 32767, b);
                err = rd_kafka_mock_broker_error_stack_cnt(
                    mcluster, (int32_t)a, (int16_t)b, &cnt);
                if (err)
                        reply_err(err);
                else
                        reply("OK %zu", cnt);

        } else if (!strcmp(cmd, "clear-errors")) {
                usage = "clear-errors <apiKey>";
                NEED_ARGS(2);
                NUM_ARG(1, 0, 32767, a);
                rd_kafka_mock_clear_request_errors(mcluster, (int16_t)a);
                reply("OK");

        } else if (!strcmp(cmd, "leader")) {
                usage = "leader <topic> <partition> <brokerId|-1>";
                NEED_ARGS(4);
                NUM_ARG(2, 0, INT32_MAX, a);
                NUM_ARG(3, -1, INT32_MAX, b);
                reply_err(rd_kafka_mock_partition_set_leader(
                    mcluster, argv[1], (int32_t)a, (int32_t)b));

        } else if (!strcmp(cmd, "follower")) {
                usage = "follower <topic> <partition> <brokerId|-1>";
                NEED_ARGS(4);
                NUM_ARG(2, 0, INT32_MAX, a);
                NUM_ARG(3, -1, INT32_MAX, b);
                reply_err(rd_kafka_mock_partition_set_follower(
                    mcluster, argv[1], (int32_t)a, (int32_t)b));

        } else if (!strcmp(cmd, "broker-down") || !strcmp(cmd, "broker-up")) {
                usage = "broker-down|broker-up <brokerId|-1>";
                NEED_ARGS(2);
                NUM_ARG(1, -1, INT32_MAX, a);
                reply_err(!strcmp(cmd, "broker-down")
                              ? rd_kafka_mock_broker_set_down(mcluster,
                                                              (int32_t)a)
                              : rd_kafka_mock_broker_set_up(mcluster,
                                                            (int32_t)a));

        } else if (!strcmp(cmd, "rtt")) {
                usage = "rtt <brokerId|-1> <ms>";
                NEED_ARGS(3);
                NUM_ARG(1, -1, INT32_MAX, a);
                NUM_ARG(2, 0, 3600000, b);
                reply_err(rd_kafka_mock_broker_set_rtt(mcluster, (int32_t)a,
                                                       (int)b));

        } else if (!strcmp(cmd, "rack")) {
                usage = "rack <brokerId|-1> <rack>";
                NEED_ARGS(3);
                NUM_ARG(1, -1, INT32_MAX, a);
                reply_err(
                    rd_kafka_mock_broker_set_rack(mcluster, (int32_t)a, argv[2]));

        } else if (!strcmp(cmd, "topic-error")) {
                rd_kafka_resp_err_t err;
                usage = "topic-error <topic> <err>";
                NEED_ARGS(3);
                ERR_ARG(argv[2], err);
                rd_kafka_mock_topic_set_error(mcluster, argv[1], err);
                reply("OK");

        } else if (!strcmp(cmd, "create-topic")) {
                usage = "create-topic <name> <partitions> <replicationFactor>";
                NEED_ARGS(4);
                NUM_ARG(2, 1, 100000, a);
                NUM_ARG(3, 1, MAX_BROKERS, b);
                reply_err(rd_kafka_mock_topic_create(mcluster, argv[1], (int)a,
                                                     (int)b));

        } else if (!strcmp(cmd, "coordinator")) {
                usage = "coordinator <transaction|group> <key> <brokerId>";
                NEED_ARGS(4);
                NUM_ARG(3, -1, INT32_MAX, a);
                if (strcmp(argv[1], "transaction") && strcmp(argv[1], "group")) {
                        reply("ERR usage: %s", usage);
                        return 0;
                }
                reply_err(rd_kafka_mock_coordinator_set(mcluster, argv[1],
                                                        argv[2], (int32_t)a));

        } else if (!strcmp(cmd, "apiversion")) {
                usage = "apiversion <apiKey> <minVersion|-1> <maxVersion|-1>";
                NEED_ARGS(4);
                NUM_ARG(1, 0, 32767, a);
                NUM_ARG(2, -1, 32767, b);
                NUM_ARG(3, -1, 32767, c);
                reply_err(rd_kafka_mock_set_apiversion(
                    mcluster, (int16_t)a, (int16_t)b, (int16_t)c));

        } else {
                reply("ERR unknown command '%s'", cmd);
        }
        return 0;
}

/* Splits a line on blanks in place. Returns the count, or -1 if too many. */
static int split(char *line, char **argv) {
        int argc = 0;
        char *p  = line;
        while (*p) {
                while (*p && isspace((unsigned char)*p))
                        *p++ = '\0';
                if (!*p)
                        break;
                if (argc == MAX_ARGS)
                        return -1;
                argv[argc++] = p;
                while (*p && !isspace((unsigned char)*p))
                        p++;
        }
        return argc;
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf) {
        (void)rk;
        fprintf(stderr, "mock-cluster: %d %s: %s\n", level, fac, buf);
}

int main(int argc, char **argv) {
        char errstr[512];
        char line[MAX_LINE];
        char *args[MAX_ARGS];
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        long brokers = 3;
        int debug    = 0;
        int i;

#ifdef __linux__
        /* Also go away if the parent dies without closing our stdin. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
        signal(SIGPIPE, SIG_IGN);

        for (i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--brokers") && i + 1 < argc) {
                        if (parse_long(argv[++i], 1, MAX_BROKERS, &brokers)) {
                                fprintf(stderr, "mock-cluster: bad --brokers\n");
                                return 2;
                        }
                } else if (!strcmp(argv[i], "--debug")) {
                        debug = 1;
                } else if (!strcmp(argv[i], "--topic") && i + 1 < argc) {
                        i++; /* created once the cluster exists */
                } else {
                        fprintf(stderr, "mock-cluster: unknown argument %s\n",
                                argv[i]);
                        return 2;
                }
        }

        /* The handle only hosts the cluster; it never connects anywhere. */
        conf = rd_kafka_conf_new();
        rd_kafka_conf_set_log_cb(conf, log_cb);
        if (debug &&
            rd_kafka_conf_set(conf, "debug", "mock,protocol", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "mock-cluster: %s\n", errstr);
                return 2;
        }
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "mock-cluster: rd_kafka_new failed: %s\n",
                        errstr);
                return 2;
        }

        mcluster = rd_kafka_mock_cluster_new(rk, (int)brokers);
        if (!mcluster) {
                fprintf(stderr, "mock-cluster: could not create the cluster\n");
                rd_kafka_destroy(rk);
                return 2;
        }

        for (i = 1; i < argc; i++) {
                char spec[MAX_LINE];
                char *name, *parts, *rf;
                long p, r;
                if (strcmp(argv[i], "--topic"))
                        continue;
                snprintf(spec, sizeof(spec), "%s", argv[++i]);
                name  = spec;
                parts = strchr(name, ':');
                rf    = parts ? strchr(parts + 1, ':') : NULL;
                if (parts)
                        *parts++ = '\0';
                if (rf)
                        *rf++ = '\0';
                if (!*name || parse_long(parts, 1, 100000, &p) ||
                    parse_long(rf ? rf : "1", 1, MAX_BROKERS, &r) ||
                    create_topic(name, p, r)) {
                        fprintf(stderr,
                                "mock-cluster: bad --topic %s (want "
                                "name:partitions[:rf])\n",
                                argv[i]);
                        rd_kafka_mock_cluster_destroy(mcluster);
                        rd_kafka_destroy(rk);
                        return 2;
                }
        }

        reply("BOOTSTRAP %s", rd_kafka_mock_cluster_bootstraps(mcluster));

        /* One command per line until quit or end of input. fgets blocks, so
         * this loop only turns once per received line. */
        while (fgets(line, sizeof(line), stdin)) {
                size_t len = strlen(line);
                int n;
                if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
                        int ch;
                        /* Discard the rest of an over-long line. */
                        while ((ch = fgetc(stdin)) != EOF && ch != '\n')
                                ;
                        reply("ERR line too long");
                        if (ch == EOF)
                                break;
                        continue;
                }
                n = split(line, args);
                if (n < 0) {
                        reply("ERR too many arguments");
                        continue;
                }
                if (n == 0) {
                        reply("ERR empty command");
                        continue;
                }
                if (run_command(n, args)) {
                        reply("OK");
                        break;
                }
        }

        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        return 0;
}
