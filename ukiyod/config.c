/*
 * config.c - ukiyod's flags and their UKIYO_* environment variables.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ukiyod.h"

#define DEFAULT_LISTEN "0.0.0.0:8080"
#define DEFAULT_DB "/var/lib/ukiyo/ukiyo.db"
#define DEFAULT_BODY_LIMIT (1024 * 1024)
#define DEFAULT_BUFFER_LIMIT (64 * 1024 * 1024)
#define DEFAULT_HTTP_WORKERS 4
#define DEFAULT_MAX_CONNECTIONS 1000
#define DEFAULT_MAX_PER_ADDRESS 64
#define DEFAULT_REQUEST_DEADLINE_S 30
#define DEFAULT_CHECK_INTERVAL_MS (60 * 60 * 1000)
/* Descriptors kept for everything but client connections: the database, the engine, ... */
#define RESERVED_FDS 128

static void usage(FILE *to)
{
    fprintf(to,
            "Usage: ukiyod [OPTIONS]\n\n"
            "The ukiyo daemon: webhooks and the management API over HTTP.\n\n"
            "  --listen ADDR:PORT     where to serve (UKIYO_LISTEN; default " DEFAULT_LISTEN ")\n"
            "  --db PATH              sqlite database (UKIYO_DB; default " DEFAULT_DB ")\n"
            "  --docker-host URL      Docker engine (UKIYO_DOCKER_HOST; default $DOCKER_HOST\n"
            "                         or unix:///var/run/docker.sock)\n"
            "  --api-token-file F     the management API's bearer token (UKIYO_API_TOKEN_FILE;\n"
            "                         default: generated beside the database)\n"
            "  --webhook-secret-file F  the webhooks' secret (UKIYO_WEBHOOK_SECRET_FILE;\n"
            "                         default: generated beside the database)\n"
            "  --registry-alias A=B   registries A and B are one (repeatable, up to 16;\n"
            "                         UKIYO_REGISTRY_ALIASES=A=B,C=D)\n"
            "  --label-enable         update only containers labelled ukiyo.enable=true\n"
            "                         (UKIYO_LABEL_ENABLE=1)\n"
            "  --scope NAME           update only containers labelled ukiyo.scope=NAME, for\n"
            "                         several ukiyods on one engine (UKIYO_SCOPE; default:\n"
            "                         only containers without a scope label)\n"
            "  --compose MODE         who recreates a container compose started: native\n"
            "                         (compose, from the project's files), api (the\n"
            "                         engine) or auto (UKIYO_COMPOSE; default auto: the\n"
            "                         ukiyo.compose label, else native where it can)\n"
            "  --compose-timeout SECONDS  time compose has to recreate a service\n"
            "                         (UKIYO_COMPOSE_TIMEOUT; default 300)\n"
            "  --service-timeout SECONDS  time a swarm service's update has to complete\n"
            "                         before it is rolled back (UKIYO_SERVICE_TIMEOUT;\n"
            "                         default 600; label ukiyo.service-timeout)\n"
            "  --keep-logs LINES      lines of an old container's logs kept with its history\n"
            "                         entry, at most 1 MiB (UKIYO_KEEP_LOGS; default 1000;\n"
            "                         0: none)\n"
            "  --poll INTERVAL        pull mode: check every container's image this often\n"
            "                         (30s, 15m, 6h; UKIYO_POLL; default: only containers\n"
            "                         labelled ukiyo.poll)\n"
            "  --poll-jitter PERCENT  delay each poll by up to this share of its interval\n"
            "                         (UKIYO_POLL_JITTER; default 10)\n"
            "  --schedule CRON        update window of containers without ukiyo.schedule\n"
            "                         (\"0 3 * * *\", \"CRON_TZ=Europe/Berlin 0 3 * * sat\";\n"
            "                         UKIYO_SCHEDULE; default: any time)\n");
    fprintf(to,
            "  --approve              pushes, polls and windows wait for a person's\n"
            "                         approval before updating any container (but those\n"
            "                         labelled ukiyo.approve=false; UKIYO_APPROVE=1)\n"
            "  --approve-timeout DURATION  a job waiting for approval expires after this\n"
            "                         (UKIYO_APPROVE_TIMEOUT; default never; label\n"
            "                         ukiyo.approve-timeout)\n"
            "  --min-age DURATION     apply a release only once its digest was first seen\n"
            "                         this long ago (UKIYO_MIN_AGE; default 0; label\n"
            "                         ukiyo.min-age)\n"
            "  --check-interval DURATION  look at every watched container's tag in its\n"
            "                         registry this often, for \"update available\" in\n"
            "                         check and the dashboard (one HEAD per image, nothing\n"
            "                         pulled; UKIYO_CHECK_INTERVAL; default 1h; 0: only\n"
            "                         images never looked at)\n"
            "  --public-url URL       where people reach ukiyod, for the links in\n"
            "                         notifications (UKIYO_PUBLIC_URL; default\n"
            "                         http://ADDR:PORT of --listen)\n"
            "  --notify URL           tell this target about every update, rollback and\n"
            "                         failure (repeatable, up to 16; UKIYO_NOTIFY=\"URL URL\"):\n"
            "                         http(s)://... (the event's JSON), slack+https://...,\n"
            "                         discord+https://..., ntfy+https://host/topic,\n"
            "                         smtp[s]://user:pass@host:port/?from=A&to=B[&starttls=1]\n"
            "  --body-limit BYTES     largest request body (UKIYO_BODY_LIMIT; default 1 MiB)\n"
            "  --buffer-limit BYTES   request body bytes held for all requests together;\n"
            "                         past it new bodies get 503 (UKIYO_BUFFER_LIMIT;\n"
            "                         default 64 MiB)\n"
            "  --http-workers N       threads serving management requests, each with its\n"
            "                         own engine and store connections (UKIYO_HTTP_WORKERS;\n"
            "                         default 4)\n"
            "  --max-connections N    client connections in all (UKIYO_MAX_CONNECTIONS;\n"
            "                         default 1000, lowered to fit the file limit)\n"
            "  --max-connections-per-address N  client connections from one address\n"
            "                         (UKIYO_MAX_CONNECTIONS_PER_ADDRESS; default 64)\n"
            "  --request-deadline SECONDS  time to send one request's headers and body,\n"
            "                         however it trickles (UKIYO_REQUEST_DEADLINE; default 30)\n"
            "  --log-format FORMAT    logfmt or json (UKIYO_LOG_FORMAT; default logfmt)\n"
            "  --log-level LEVEL      error, warning, info or debug (UKIYO_LOG_LEVEL; info)\n"
            "  -h, --help             this help\n"
            "  -V, --version          the version\n");
}

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && v[0] ? v : fallback;
}

static int parse_log_level(const char *s, ukiyo_log_level *out)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};

    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (ukiyo_log_level)i;
            return 0;
        }
    return -1;
}

/* A whole decimal number in [min, max]: no sign, no suffix, no overflow. */
static int parse_number(const char *value, unsigned long long min, unsigned long long max,
                        unsigned long long *out)
{
    char *end;

    if (!value[0] || value[0] < '0' || value[0] > '9')
        return -1;
    errno = 0;
    unsigned long long n = strtoull(value, &end, 10);
    if (errno || *end || n < min || n > max)
        return -1;
    *out = n;
    return 0;
}

static int parse_unsigned(const char *value, unsigned min, unsigned max, unsigned *out)
{
    unsigned long long n;
    if (parse_number(value, min, max, &n) < 0)
        return -1;
    *out = (unsigned)n;
    return 0;
}

static int parse_size(const char *value, size_t *out)
{
    unsigned long long n;
    if (parse_number(value, 1, SIZE_MAX / 2, &n) < 0)
        return -1;
    *out = (size_t)n;
    return 0;
}

static int add_alias(daemon_config *cfg, const char *value)
{
    size_t n = 0;

    while (cfg->registry_aliases[n])
        n++;
    if (n == 16 || !strchr(value, '=') || value[0] == '=')
        return -1;
    cfg->registry_aliases[n] = value;
    return 0;
}

static int add_notify(daemon_config *cfg, const char *value)
{
    size_t n = 0;

    while (cfg->notify[n])
        n++;
    if (n == DAEMON_NOTIFY_MAX || !value[0])
        return -1;
    cfg->notify[n] = value; /* checked at start: a bad one is reported, not fatal */
    return 0;
}

static int parse_compose_mode(const char *value, ukiyo_compose_mode *out)
{
    static const struct {
        const char *name;
        ukiyo_compose_mode mode;
    } modes[] = {{"auto", UKIYO_COMPOSE_AUTO},
                 {"native", UKIYO_COMPOSE_NATIVE},
                 {"api", UKIYO_COMPOSE_API}};

    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (strcmp(value, modes[i].name) == 0) {
            *out = modes[i].mode;
            return 0;
        }
    }
    return -1;
}

/* As ukiyo_update_options.kept_log_lines: 0 lines is -1 (none). */
static int parse_kept_log_lines(const char *value, int *out)
{
    unsigned long long n;
    if (parse_number(value, 0, 100000, &n) < 0)
        return -1;
    *out = n == 0 ? -1 : (int)n;
    return 0;
}

/* A scope is a label value that logs and URLs carry as it is: 1-64 of [A-Za-z0-9._-]. */
static bool valid_scope(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > 64 ||
        strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789._-") != n) {
        fprintf(stderr, "ukiyod: a scope is 1 to 64 letters, digits, '.', '_' or '-'\n");
        return false;
    }
    return true;
}

static int apply(daemon_config *cfg, int opt, const char *value)
{
    char *end;

    switch (opt) {
    case 'l': cfg->listen = value; return 0;
    case 'd': cfg->db_path = value; return 0;
    case 'H': cfg->docker_host = value; return 0;
    case 't': cfg->api_token_file = value; return 0;
    case 'e': cfg->label_enable = true; return 0;
    case 'c': return parse_compose_mode(value, &cfg->compose);
    case 'o': return parse_unsigned(value, 1, 24 * 3600, &cfg->compose_timeout_s);
    case 'w': return parse_unsigned(value, 1, 24 * 3600, &cfg->service_timeout_s);
    case 'k': return parse_kept_log_lines(value, &cfg->kept_log_lines);
    case 'a': return add_alias(cfg, value);
    case 'n': return add_notify(cfg, value);
    case 's': cfg->webhook_secret_file = value; return 0;
    case 'b': return parse_size(value, &cfg->body_limit);
    case 'B': return parse_size(value, &cfg->buffer_limit);
    case 'W': return parse_unsigned(value, 1, 256, &cfg->http_workers);
    case 'C': return parse_unsigned(value, 1, 1000000, &cfg->max_connections);
    case 'A': return parse_unsigned(value, 1, 1000000, &cfg->max_per_address);
    case 'T': return parse_unsigned(value, 1, 3600, &cfg->request_deadline_s);
    case 'f':
        if (strcmp(value, "logfmt") == 0)
            cfg->log_format = LOG_FORMAT_LOGFMT;
        else if (strcmp(value, "json") == 0)
            cfg->log_format = LOG_FORMAT_JSON;
        else
            return -1;
        return 0;
    case 'v': return parse_log_level(value, &cfg->log_level);
    case 'p': return ukiyo_duration_parse(value, &cfg->poll_interval_ms);
    case 'P': cfg->approve = true; return 0;
    case 'X': return ukiyo_duration_parse(value, &cfg->approve_timeout_ms);
    case 'M': return ukiyo_duration_parse(value, &cfg->min_age_ms);
    case 'K':
        if (strcmp(value, "0") == 0) {
            cfg->check_interval_ms = 0;
            return 0;
        }
        return ukiyo_duration_parse(value, &cfg->check_interval_ms);
    case 'U':
        cfg->public_url = value;
        return strncmp(value, "http://", 7) == 0 || strncmp(value, "https://", 8) == 0 ? 0 : -1;
    case 'j':
        cfg->poll_jitter = (unsigned int)strtoul(value, &end, 10);
        return *end || !value[0] || cfg->poll_jitter > 50 ? -1 : 0;
    case 'Z': cfg->scope = value; return valid_scope(value) ? 0 : -1;
    case 'S': {
        ukiyo_cron *c = NULL;
        int err = ukiyo_cron_parse(&c, value);
        ukiyo_cron_free(c);
        if (err < 0)
            fprintf(stderr, "ukiyod: %s\n", ukiyo_error_last());
        cfg->schedule = value;
        return err < 0 ? -1 : 0;
    }
    default: return -1;
    }
}

static int apply_environment(daemon_config *cfg)
{
    static const struct {
        const char *name;
        int opt;
    } vars[] = {{"UKIYO_BODY_LIMIT", 'b'},
                {"UKIYO_BUFFER_LIMIT", 'B'},
                {"UKIYO_HTTP_WORKERS", 'W'},
                {"UKIYO_MAX_CONNECTIONS", 'C'},
                {"UKIYO_MAX_CONNECTIONS_PER_ADDRESS", 'A'},
                {"UKIYO_REQUEST_DEADLINE", 'T'},
                {"UKIYO_LOG_FORMAT", 'f'},
                {"UKIYO_LOG_LEVEL", 'v'},
                {"UKIYO_POLL", 'p'},
                {"UKIYO_POLL_JITTER", 'j'},
                {"UKIYO_SCHEDULE", 'S'},
                {"UKIYO_SCOPE", 'Z'},
                {"UKIYO_COMPOSE", 'c'},
                {"UKIYO_COMPOSE_TIMEOUT", 'o'},
                {"UKIYO_SERVICE_TIMEOUT", 'w'},
                {"UKIYO_KEEP_LOGS", 'k'},
                {"UKIYO_APPROVE_TIMEOUT", 'X'},
                {"UKIYO_MIN_AGE", 'M'},
                {"UKIYO_CHECK_INTERVAL", 'K'},
                {"UKIYO_PUBLIC_URL", 'U'}};

    cfg->listen = env_or("UKIYO_LISTEN", DEFAULT_LISTEN);
    cfg->db_path = env_or("UKIYO_DB", DEFAULT_DB);
    cfg->docker_host = env_or("UKIYO_DOCKER_HOST", NULL);
    cfg->api_token_file = env_or("UKIYO_API_TOKEN_FILE", NULL);
    cfg->webhook_secret_file = env_or("UKIYO_WEBHOOK_SECRET_FILE", NULL);
    /* UKIYO_REGISTRY_ALIASES=a=b,c=d: split in a copy that lives as long as the process. */
    const char *aliases = env_or("UKIYO_REGISTRY_ALIASES", NULL);
    if (aliases) {
        char *copy = strdup(aliases), *save = NULL;
        for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
            if (add_alias(cfg, p) < 0) {
                fprintf(stderr, "ukiyod: invalid UKIYO_REGISTRY_ALIASES entry %s\n", p);
                return -1;
            }
    }
    /* UKIYO_NOTIFY="url url": split in a copy that lives as long as the process. */
    const char *notify = env_or("UKIYO_NOTIFY", NULL);
    if (notify) {
        char *copy = strdup(notify), *save = NULL;
        for (char *p = strtok_r(copy, " \t\n", &save); p; p = strtok_r(NULL, " \t\n", &save))
            if (add_notify(cfg, p) < 0) {
                fprintf(stderr, "ukiyod: more than %d UKIYO_NOTIFY targets\n", DAEMON_NOTIFY_MAX);
                return -1;
            }
    }
    cfg->label_enable =
        env_or("UKIYO_LABEL_ENABLE", NULL) && strcmp(env_or("UKIYO_LABEL_ENABLE", "0"), "0") != 0;
    cfg->approve = env_or("UKIYO_APPROVE", NULL) && strcmp(env_or("UKIYO_APPROVE", "0"), "0") != 0;
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        const char *v = env_or(vars[i].name, NULL);
        if (v && apply(cfg, vars[i].opt, v) < 0) {
            fprintf(stderr, "ukiyod: invalid %s=%s\n", vars[i].name, v);
            return -1;
        }
    }
    return 0;
}

/*
 * Every connection is a descriptor: raise the soft file limit to the hard
 * one, and keep the connection limit below it, so that the limit, not the
 * kernel, refuses (and answers) the connection past it.
 */
static void fit_file_limit(daemon_config *cfg)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    /* The door answers up to 64 refused connections beyond the limit (door.c). */
    rlim_t fit = rl.rlim_cur > RESERVED_FDS + 64 + 1 ? rl.rlim_cur - RESERVED_FDS - 64 : 1;
    if (rl.rlim_cur != RLIM_INFINITY && cfg->max_connections > fit) {
        fprintf(stderr, "ukiyod: --max-connections lowered to %llu to fit the file limit\n",
                (unsigned long long)fit);
        cfg->max_connections = (unsigned)fit;
    }
}

static const char *option_name(const struct option *opts, int val)
{
    for (; opts->name; opts++)
        if (opts->val == val)
            return opts->name;
    return "?";
}

int config_parse(daemon_config *cfg, int argc, char **argv)
{
    static const struct option longopts[] = {{"listen", required_argument, NULL, 'l'},
                                             {"db", required_argument, NULL, 'd'},
                                             {"docker-host", required_argument, NULL, 'H'},
                                             {"body-limit", required_argument, NULL, 'b'},
                                             {"api-token-file", required_argument, NULL, 't'},
                                             {"webhook-secret-file", required_argument, NULL, 's'},
                                             {"label-enable", no_argument, NULL, 'e'},
                                             {"scope", required_argument, NULL, 'Z'},
                                             {"compose", required_argument, NULL, 'c'},
                                             {"compose-timeout", required_argument, NULL, 'o'},
                                             {"service-timeout", required_argument, NULL, 'w'},
                                             {"keep-logs", required_argument, NULL, 'k'},
                                             {"registry-alias", required_argument, NULL, 'a'},
                                             {"log-format", required_argument, NULL, 'f'},
                                             {"log-level", required_argument, NULL, 'v'},
                                             {"poll", required_argument, NULL, 'p'},
                                             {"poll-jitter", required_argument, NULL, 'j'},
                                             {"schedule", required_argument, NULL, 'S'},
                                             {"notify", required_argument, NULL, 'n'},
                                             {"approve", no_argument, NULL, 'P'},
                                             {"approve-timeout", required_argument, NULL, 'X'},
                                             {"min-age", required_argument, NULL, 'M'},
                                             {"check-interval", required_argument, NULL, 'K'},
                                             {"public-url", required_argument, NULL, 'U'},
                                             {"buffer-limit", required_argument, NULL, 'B'},
                                             {"http-workers", required_argument, NULL, 'W'},
                                             {"max-connections", required_argument, NULL, 'C'},
                                             {"max-connections-per-address", required_argument,
                                              NULL, 'A'},
                                             {"request-deadline", required_argument, NULL, 'T'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"version", no_argument, NULL, 'V'},
                                             {NULL, 0, NULL, 0}};
    bool version = false;
    int c;

    memset(cfg, 0, sizeof(*cfg));
    cfg->log_level = UKIYO_LOG_INFO;
    cfg->body_limit = DEFAULT_BODY_LIMIT;
    cfg->buffer_limit = DEFAULT_BUFFER_LIMIT;
    cfg->http_workers = DEFAULT_HTTP_WORKERS;
    cfg->max_connections = DEFAULT_MAX_CONNECTIONS;
    cfg->max_per_address = DEFAULT_MAX_PER_ADDRESS;
    cfg->request_deadline_s = DEFAULT_REQUEST_DEADLINE_S;
    cfg->poll_jitter = 10;
    cfg->check_interval_ms = DEFAULT_CHECK_INTERVAL_MS;
    if (apply_environment(cfg) < 0)
        return 2 + 1;
    while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0 + 1;
        }
        if (c == 'V') {
            version = true; /* once the rest is known to be valid */
            continue;
        }
        if (c == '?' || apply(cfg, c, optarg) < 0) {
            if (c != '?')
                fprintf(stderr, "ukiyod: invalid value \"%s\" for --%s\n", optarg,
                        option_name(longopts, c));
            usage(stderr);
            return 2 + 1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ukiyod: unexpected argument \"%s\"\n", argv[optind]);
        return 2 + 1;
    }
    if (cfg->body_limit > cfg->buffer_limit) {
        fprintf(stderr, "ukiyod: --body-limit is larger than --buffer-limit\n");
        return 2 + 1;
    }
    if (version) {
        printf("ukiyod %s\n", ukiyo_version());
        return 0 + 1;
    }
    fit_file_limit(cfg);
    return 0;
}

void config_library_options(const daemon_config *cfg, ukiyo_options *opts)
{
    opts->docker_host = cfg->docker_host;
    opts->db_path = cfg->db_path;
    opts->label_enable = cfg->label_enable;
    opts->scope = cfg->scope;
    opts->registry_aliases = cfg->registry_aliases;
    opts->poll_interval_ms = cfg->poll_interval_ms;
    opts->poll_jitter_percent = cfg->poll_jitter;
    opts->schedule = cfg->schedule;
    opts->approve = cfg->approve;
    opts->approve_timeout_ms = cfg->approve_timeout_ms;
    opts->min_age_ms = cfg->min_age_ms;
    opts->look_interval_ms = cfg->check_interval_ms;
}

void config_public_url(const daemon_config *cfg, char *buf, size_t size)
{
    if (cfg->public_url) {
        snprintf(buf, size, "%s", cfg->public_url);
        size_t n = strlen(buf);
        while (n > 0 && buf[n - 1] == '/')
            buf[--n] = '\0';
        return;
    }
    const char *listen = cfg->listen ? cfg->listen : DEFAULT_LISTEN;
    /* Every address: the host's own name is not known here; localhost at least works there. */
    if (strncmp(listen, "0.0.0.0:", 8) == 0)
        snprintf(buf, size, "http://localhost:%s", listen + 8);
    else
        snprintf(buf, size, "http://%s", listen);
}
