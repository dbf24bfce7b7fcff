/*
 * output.c - tables, JSON and errors for ukiyoctl's commands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <string.h>

#include "ukiyoctl.h"

struct ctl_table {
    size_t columns;
    size_t rows;
    char **cells; /* rows * columns, row 0 the headings */
};

/* The engine ukiyoctl talks to, as the user would name it. */
static const char *engine_named = NULL;

ukiyo *ctl_open(const ctl_options *opts)
{
    ukiyo_options o = UKIYO_OPTIONS_INIT;
    ukiyo *u = NULL;
    int err;

    o.docker_host = opts->host;
    engine_named = opts->host ? opts->host
                   : getenv("DOCKER_HOST") && getenv("DOCKER_HOST")[0]
                       ? getenv("DOCKER_HOST")
                       : "unix:///var/run/docker.sock";
    o.docker_config_dir = opts->config_dir;
    o.timeout_ms = opts->timeout_ms;
    o.db_path = opts->db_path;
    o.scope = opts->scope;
    err = ukiyo_open(&u, &o);
    if (err < 0) {
        ctl_fail("cannot start", err);
        return NULL;
    }
    return u;
}

ukiyo *ctl_open_with_store(const ctl_options *opts)
{
    ctl_options with_store = *opts;
    const char *env = getenv("UKIYO_DB");

    if (!with_store.db_path)
        with_store.db_path = env && env[0] ? env : UKIYO_STORE_DEFAULT_PATH;
    return ctl_open(&with_store);
}

ukiyo *ctl_open_with_store_if_any(const ctl_options *opts)
{
    const char *env = getenv("UKIYO_DB");

    if (opts->db_path || (env && env[0]) || access(UKIYO_STORE_DEFAULT_PATH, F_OK) == 0)
        return ctl_open_with_store(opts);
    return ctl_open(opts);
}

int ctl_seconds(const char *name, const char *value)
{
    char *end;
    long s = strtol(value, &end, 10);

    if (*end || s <= 0 || s > 24 * 3600) {
        fprintf(stderr, "ukiyoctl: %s wants a number of seconds, not \"%s\"\n", name, value);
        return -1;
    }
    return (int)s;
}

int ctl_log_lines(const char *name, const char *value)
{
    char *end;
    long n = strtol(value, &end, 10);

    if (*end || !value[0] || n < 0 || n > 100000) {
        fprintf(stderr, "ukiyoctl: %s wants a number of lines from 0 to 100000, not \"%s\"\n", name,
                value);
        return 0;
    }
    return n == 0 ? -1 : (int)n;
}

int ctl_fail(const char *what, int code)
{
    const char *detail = ukiyo_error_last();

    fprintf(stderr, "ukiyoctl: %s: %s%s%s\n", what, ukiyo_strerror(code), detail[0] ? ": " : "",
            detail);
    if (code == UKIYO_ECONNECT)
        fprintf(stderr,
                "ukiyoctl: the Docker engine at %s does not answer: is dockerd running, and may "
                "this user use it (root, or the docker group for its socket)? --host or "
                "DOCKER_HOST name another engine.\n",
                engine_named);
    return EXIT_FAILED;
}

static bool service_enabled(const ukiyo_service *s)
{
    const char *v = ukiyo_service_label(s, UKIYO_LABEL_ENABLE);
    if (!v)
        v = ukiyo_service_label(s, UKIYO_LABEL_WATCHTOWER_ENABLE);
    return v && strcmp(v, "true") == 0;
}

int ctl_service_names(ukiyo *u, bool label_enable, ukiyo_string_list **out)
{
    ukiyo_service_list *list = NULL;
    int err = ukiyo_docker_service_list(&list, ukiyo_get_docker(u), NULL);

    if (err == UKIYO_EUNSUPPORTED) /* no swarm here, or a worker: no services to see */
        err = 0;
    if (err == 0)
        err = ukiyo_string_list_new(out);
    for (size_t i = 0; err == 0 && i < ukiyo_service_list_count(list); i++) {
        char name[512];
        ukiyo_container *as_container = NULL;
        if (label_enable && !service_enabled(ukiyo_service_list_get(list, i)))
            continue;
        err = ukiyo_service_as_container(&as_container, ukiyo_service_list_get(list, i));
        bool ours = err == 0 && ukiyo_container_eligible(u, as_container, NULL);
        ukiyo_container_free(as_container);
        if (err < 0 || !ours)
            continue;
        snprintf(name, sizeof(name), UKIYO_SERVICE_PREFIX "%s",
                 ukiyo_service_name(ukiyo_service_list_get(list, i)));
        err = ukiyo_string_list_append(*out, name);
    }
    ukiyo_service_list_free(list);
    return err;
}

int ctl_name_known(ukiyo *u, const char *name)
{
    size_t prefix = strlen(UKIYO_SERVICE_PREFIX);
    int err;

    if (strncmp(name, UKIYO_SERVICE_PREFIX, prefix) == 0) {
        ukiyo_service *s = NULL;
        err = ukiyo_docker_service_inspect(&s, ukiyo_get_docker(u), name + prefix);
        ukiyo_service_free(s);
        /* An engine in no swarm has no such service either. */
        return err == UKIYO_EUNSUPPORTED ? UKIYO_ENOTFOUND : err;
    }
    ukiyo_container *c = NULL;
    err = ukiyo_docker_container_inspect(&c, ukiyo_get_docker(u), name);
    ukiyo_container_free(c);
    return err;
}

void ctl_print_json(json_t *doc)
{
    json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(doc);
}

bool ctl_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

const char *ctl_short_id(const char *id, char buf[13])
{
    if (!id)
        return "-";
    /* A swarm service's image is "repo:tag@sha256:...": its digest tells it apart. */
    const char *at = strrchr(id, '@');
    if (at)
        id = at + 1;
    const char *colon = strchr(id, ':');
    snprintf(buf, 13, "%s", colon ? colon + 1 : id);
    return buf;
}

void ctl_usage(const ctl_command *cmd, FILE *to)
{
    fprintf(to, "%s\n\n%s", cmd->summary, cmd->usage);
}

ctl_table *ctl_table_new(size_t columns, const char *const *headings)
{
    ctl_table *t = calloc(1, sizeof(*t));

    if (!t)
        return NULL;
    t->columns = columns;
    ctl_table_add(t, headings);
    return t;
}

void ctl_table_add(ctl_table *t, const char *const *cells)
{
    char **grown = realloc(t->cells, (t->rows + 1) * t->columns * sizeof(*grown));

    if (!grown)
        return;
    t->cells = grown;
    for (size_t c = 0; c < t->columns; c++)
        t->cells[t->rows * t->columns + c] = strdup(cells[c] ? cells[c] : "-");
    t->rows++;
}

/* The widest cell of each column, headings included; NULL without memory. */
static size_t *column_widths(const ctl_table *t)
{
    size_t *width = calloc(t->columns, sizeof(*width));

    for (size_t r = 0; width && r < t->rows; r++)
        for (size_t c = 0; c < t->columns; c++) {
            const char *cell = t->cells[r * t->columns + c];
            size_t len = cell ? strlen(cell) : 0;
            if (len > width[c])
                width[c] = len;
        }
    return width;
}

void ctl_table_print(ctl_table *t, FILE *to)
{
    size_t *width = column_widths(t);

    if (!width)
        return;
    for (size_t r = 0; r < t->rows; r++) {
        for (size_t c = 0; c < t->columns; c++) {
            const char *cell = t->cells[r * t->columns + c];
            if (c + 1 < t->columns)
                fprintf(to, "%-*s   ", (int)width[c], cell ? cell : "");
            else
                fprintf(to, "%s\n", cell ? cell : "");
        }
    }
    free(width);
}

/* @cell cut to @keep characters: "..." and its right end, or its two ends around "...". */
static char *cut_cell(const char *cell, size_t keep, ctl_cut how)
{
    size_t len = strlen(cell), tail = how == CTL_CUT_KEEP_END ? keep - 3 : (keep - 3) / 2;
    size_t head = keep - 3 - tail;
    char *cut = malloc(keep + 1);

    if (cut)
        snprintf(cut, keep + 1, "%.*s...%s", (int)head, cell, cell + len - tail);
    return cut;
}

void ctl_table_fit(ctl_table *t, size_t total, const ctl_give_way *give, size_t n)
{
    size_t *width = column_widths(t), sum = 0;

    if (!width)
        return;
    for (size_t c = 0; c < t->columns; c++)
        sum += width[c] + (c + 1 < t->columns ? 3 : 0);
    for (size_t g = 0; g < n && sum > total; g++) {
        size_t c = give[g].column, min = give[g].min < 4 ? 4 : give[g].min;
        if (c >= t->columns || width[c] <= min)
            continue;
        size_t keep = width[c] - min > sum - total ? width[c] - (sum - total) : min;
        size_t heading = strlen(t->cells[c]);
        if (keep < heading)
            keep = heading;
        if (keep >= width[c])
            continue;
        for (size_t r = 1; r < t->rows; r++) { /* row 0: the headings */
            char **cell = &t->cells[r * t->columns + c];
            if (!*cell || strlen(*cell) <= keep)
                continue;
            char *cut = cut_cell(*cell, keep, give[g].how);
            if (cut) {
                free(*cell);
                *cell = cut;
            }
        }
        sum -= width[c] - keep;
        width[c] = keep;
    }
    free(width);
}

void ctl_table_free(ctl_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->rows * t->columns; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}

void ctl_format_time(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (ms <= 0) {
        snprintf(buf, len, "-");
        return;
    }
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void ctl_print_listing(const ctl_options *opts, json_t *rows, ctl_table *table)
{
    if (opts->json)
        ctl_print_json(json_incref(rows));
    else
        ctl_table_print(table, stdout);
    json_decref(rows);
    ctl_table_free(table);
}

ctl_verb ctl_verb_of(int argc, char **argv, int optind_now)
{
    bool given = optind_now < argc;
    ctl_verb v = {given ? argv[optind_now] : "list", argc - optind_now - given,
                  argv + optind_now + given};
    return v;
}
