/*
 * cmd_ps.c - ukiyoctl ps: containers with their image, digest and state.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ukiyoctl.h"

/* "service" for a swarm service seen as a container (named service/NAME), else "container". */
static const char *kind_of(const ukiyo_container *c)
{
    return strncmp(ukiyo_container_name(c), UKIYO_SERVICE_PREFIX, strlen(UKIYO_SERVICE_PREFIX)) == 0
               ? "service"
               : "container";
}

static json_t *container_row_json(const ukiyo_container *c, const char *digest, const ukiyo_plan *p)
{
    return json_pack("{s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s, s:s?, s:b, s:I, s:I, s:s?, "
                     "s:s?, s:s?}",
                     "name", ukiyo_container_name(c), "kind", kind_of(c), "id",
                     ukiyo_container_id(c), "image", ukiyo_container_image(c), "image_id",
                     ukiyo_container_image_id(c), "local_digest", digest, "state",
                     ukiyo_container_state(c), "policy", ukiyo_plan_policy(p), "window",
                     ukiyo_plan_window(p), "window_open", ukiyo_plan_window_open(p) != 0,
                     "window_next_ms", (json_int_t)ukiyo_plan_window_next_ms(p), "poll_interval_ms",
                     (json_int_t)ukiyo_plan_poll_interval_ms(p), "error", ukiyo_plan_error(p),
                     "project", ukiyo_container_label(c, UKIYO_LABEL_COMPOSE_PROJECT), "service",
                     ukiyo_container_label(c, UKIYO_LABEL_COMPOSE_SERVICE));
}

/* "open now", the time the window opens next (UTC), or "-" without one. */
static const char *next_window(const ukiyo_plan *p, char *buf, size_t size)
{
    if (!ukiyo_plan_window(p))
        return "-";
    if (ukiyo_plan_window_open(p))
        return "open now";
    time_t t = (time_t)(ukiyo_plan_window_next_ms(p) / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%d %H:%MZ", &tm);
    return buf;
}

/* Is @error (a plan's) about @label? Its text starts "label NAME: ". */
static bool bad_label(const char *error, const char *label)
{
    size_t n = strlen(label);
    return error && strncmp(error, "label ", 6) == 0 && strncmp(error + 6, label, n) == 0 &&
           error[6 + n] == ':';
}

/* Add @cells, less the KIND column (index 1) when @kind is false. */
static void add_cells(ctl_table *t, const char *const *cells, size_t n, bool kind)
{
    const char *row[16];
    size_t k = 0;

    for (size_t i = 0; i < n && k < 16; i++)
        if (kind || i != 1)
            row[k++] = cells[i];
    ctl_table_add(t, row);
}

static void add_table_row(ctl_table *t, const ukiyo_container *c, const char *digest,
                          const ukiyo_plan *p, bool wide, bool kind)
{
    char id_buf[13], digest_buf[13], poll[32], next[32];
    int64_t poll_s = ukiyo_plan_poll_interval_ms(p) / 1000;

    if (poll_s == 0)
        snprintf(poll, sizeof(poll), "-");
    else if (poll_s % 3600 == 0)
        snprintf(poll, sizeof(poll), "%lldh", (long long)(poll_s / 3600));
    else if (poll_s % 60 == 0)
        snprintf(poll, sizeof(poll), "%lldm", (long long)(poll_s / 60));
    else
        snprintf(poll, sizeof(poll), "%llds", (long long)poll_s);
    /* "invalid" marks the column of the label that does not parse, not every column. */
    const char *error = ukiyo_plan_error(p);
    const char *policy = bad_label(error, UKIYO_LABEL_POLICY) ? "invalid" : ukiyo_plan_policy(p);
    const char *window = bad_label(error, UKIYO_LABEL_SCHEDULE) ? "invalid"
                         : ukiyo_plan_window(p)                 ? ukiyo_plan_window(p)
                                                                : "-";
    if (bad_label(error, UKIYO_LABEL_POLL))
        snprintf(poll, sizeof(poll), "invalid");
    const char *project = ukiyo_container_label(c, UKIYO_LABEL_COMPOSE_PROJECT);
    const char *service = ukiyo_container_label(c, UKIYO_LABEL_COMPOSE_SERVICE);
    const char *cells[] = {ukiyo_container_name(c),
                           kind_of(c),
                           ukiyo_container_image(c),
                           project ? project : "-",
                           service ? service : "-",
                           ctl_short_id(ukiyo_container_image_id(c), id_buf),
                           digest ? ctl_short_id(digest, digest_buf) : "-",
                           ukiyo_container_state(c),
                           policy,
                           window,
                           poll,
                           next_window(p, next, sizeof(next))};
    /* Narrow: NAME KIND IMAGE PROJECT SERVICE STATE POLICY WINDOW POLL. */
    const char *narrow[] = {cells[0], cells[1], cells[2], cells[3], cells[4],
                            cells[7], cells[8], cells[9], cells[10]};
    if (wide)
        add_cells(t, cells, sizeof(cells) / sizeof(cells[0]), kind);
    else
        add_cells(t, narrow, sizeof(narrow) / sizeof(narrow[0]), kind);
    if (ukiyo_plan_error(p))
        fprintf(stderr, "ukiyoctl: %s: skipped by ukiyo: %s\n", ukiyo_container_name(c),
                ukiyo_plan_error(p));
}

/* A container's rejected releases, as the library prints them. */
static json_t *rejections_json(const ukiyo_rejection_list *rejected)
{
    char *text = NULL;
    json_t *doc = rejected && ukiyo_rejection_list_json(&text, rejected) == 0
                      ? json_loads(text, 0, NULL)
                      : NULL;

    ukiyo_string_free(text);
    return doc ? doc : json_array();
}

/* On standard error, beside the skipped labels: the container's rejected releases. */
static void print_rejections(const ukiyo_rejection_list *rejected)
{
    for (size_t i = 0; i < ukiyo_rejection_list_count(rejected); i++) {
        const ukiyo_rejection *r = ukiyo_rejection_list_get(rejected, i);
        char id_buf[13];
        time_t t = (time_t)(ukiyo_rejection_time_ms(r) / 1000);
        struct tm tm;
        char when[32];
        gmtime_r(&t, &tm);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%MZ", &tm);
        fprintf(stderr, "ukiyoctl: %s: release %s rejected at %s: %s\n",
                ukiyo_rejection_container(r), ctl_short_id(ukiyo_rejection_image_id(r), id_buf),
                when, ukiyo_rejection_reason(r));
    }
}

static int list_containers(ukiyo *u, const ctl_options *opts, bool all, bool wide)
{
    static const char *const headings[] = {"NAME",    "KIND",     "IMAGE",  "PROJECT",
                                           "SERVICE", "IMAGE ID", "DIGEST", "STATE",
                                           "POLICY",  "WINDOW",   "POLL",   "NEXT WINDOW"};
    static const char *const narrow_headings[] = {"NAME",  "KIND",   "IMAGE",  "PROJECT", "SERVICE",
                                                  "STATE", "POLICY", "WINDOW", "POLL"};
    ukiyo_container_list *list = NULL;
    ukiyo_service_list *services = NULL;
    int err = ukiyo_docker_container_list(&list, ukiyo_get_docker(u), all, NULL);

    if (err < 0)
        return ctl_fail("cannot list containers", err);
    /* The swarm's services too, when this engine manages one (elsewhere there are none). */
    err = ukiyo_docker_service_list(&services, ukiyo_get_docker(u), NULL);
    if (err < 0 && err != UKIYO_EUNSUPPORTED) {
        ukiyo_container_list_free(list);
        return ctl_fail("cannot list the swarm's services", err);
    }
    json_t *rows = json_array();
    /* KIND only where there are services to tell apart: plain Docker keeps its 100 columns. */
    bool kind = ukiyo_service_list_count(services) > 0;
    const char *const *heads = wide ? headings : narrow_headings;
    size_t n = wide ? 12 : 9;
    const char *shown[12];
    size_t columns = 0;
    for (size_t i = 0; i < n; i++)
        if (kind || i != 1)
            shown[columns++] = heads[i];
    ctl_table *table = ctl_table_new(columns, shown);
    size_t containers = ukiyo_container_list_count(list);
    for (size_t i = 0; i < containers + ukiyo_service_list_count(services); i++) {
        /* The list shows an image ID once the tag has moved on; inspect keeps the reference. */
        ukiyo_container *c = NULL;
        char *digest = NULL;
        if (i >= containers) {
            if (ukiyo_service_as_container(&c, ukiyo_service_list_get(services, i - containers)) <
                0)
                continue;
            /* Its spec names the digest it runs. */
            const char *at = strchr(ukiyo_container_image_id(c), '@');
            digest = at ? strdup(at + 1) : NULL;
        } else if (ukiyo_container_label(ukiyo_container_list_get(list, i),
                                         UKIYO_LABEL_SWARM_TASK)) {
            continue; /* a swarm task's: its service has the row */
        } else if (ukiyo_docker_container_inspect(&c, ukiyo_get_docker(u),
                                                  ukiyo_container_id(
                                                      ukiyo_container_list_get(list, i))) < 0) {
            continue; /* removed since the list was made */
        } else if (ukiyo_container_local_digest(&digest, u, c) < 0) {
            ukiyo_error_clear();
        }
        ukiyo_plan *plan = NULL;
        if (ukiyo_plan_get(&plan, u, c) < 0) {
            ukiyo_container_free(c);
            ukiyo_string_free(digest);
            continue;
        }
        ukiyo_rejection_list *rejected = NULL;
        if (ukiyo_get_store(u) &&
            ukiyo_store_rejections(&rejected, ukiyo_get_store(u), ukiyo_container_name(c)) < 0)
            ukiyo_error_clear();
        if (opts->json) {
            json_t *row = container_row_json(c, digest, plan);
            json_object_set_new(row, "rejected", rejections_json(rejected));
            json_array_append_new(rows, row);
        } else {
            add_table_row(table, c, digest, plan, wide, kind);
            print_rejections(rejected);
        }
        ukiyo_rejection_list_free(rejected);
        ukiyo_plan_free(plan);
        ukiyo_string_free(digest);
        ukiyo_container_free(c);
    }
    if (opts->json)
        ctl_print_json(json_incref(rows));
    else {
        if (!wide) {
            /* 100 columns: the image reference gives way first; a name never (it is typed). */
            size_t k = kind ? 1 : 0;                                     /* KIND stands second */
            const ctl_give_way give[] = {{1 + k, 10, CTL_CUT_KEEP_END},  /* IMAGE */
                                         {6 + k, 8, CTL_CUT_KEEP_ENDS},  /* WINDOW */
                                         {2 + k, 8, CTL_CUT_KEEP_ENDS},  /* PROJECT */
                                         {3 + k, 8, CTL_CUT_KEEP_ENDS}}; /* SERVICE */
            ctl_table_fit(table, 100, give, sizeof(give) / sizeof(give[0]));
        }
        ctl_table_print(table, stdout);
    }
    json_decref(rows);
    ctl_table_free(table);
    ukiyo_service_list_free(services);
    ukiyo_container_list_free(list);
    return EXIT_OK;
}

static int run_ps(const ctl_options *opts, int argc, char **argv)
{
    static const struct option longopts[] = {{"all", no_argument, NULL, 'a'},
                                             {"wide", no_argument, NULL, 'w'},
                                             {NULL, 0, NULL, 0}};
    bool all = false, wide = false;
    int c, rc;

    while ((c = getopt_long(argc, argv, "aw", longopts, NULL)) != -1) {
        if (c == 'a')
            all = true;
        else if (c == 'w')
            wide = true;
        else {
            ctl_usage(&cmd_ps, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ukiyoctl ps: unexpected argument \"%s\"\n", argv[optind]);
        return EXIT_USAGE;
    }
    ukiyo *u = ctl_open_with_store_if_any(opts); /* its rejected releases */
    if (!u)
        return EXIT_FAILED;
    rc = list_containers(u, opts, all, wide);
    ukiyo_close(u);
    return rc;
}

const ctl_command cmd_ps = {
    .name = "ps",
    .summary = "List containers with their image reference, image ID, digest and state",
    .usage = "Usage: ukiyoctl ps [-a|--all] [-w|--wide] [--json]\n\n"
             "  -a, --all   stopped containers too (default: running ones)\n"
             "  -w, --wide  every column: IMAGE ID, DIGEST and NEXT WINDOW too (the\n"
             "              default fits 100 columns, cutting what is too long)\n"
             "  --json      one object per container: name, id, image, image_id,\n"
             "              local_digest, state, policy, window, window_open,\n"
             "              window_next_ms, poll_interval_ms, error, project, service,\n"
             "              rejected\n\n"
             "PROJECT and SERVICE are compose's (its com.docker.compose labels), \"-\" for a\n"
             "container compose did not start.\n\n"
             "POLICY, WINDOW and POLL come from the labels ukiyo.policy, ukiyo.schedule\n"
             "and ukiyo.poll; a label that does not parse shows \"invalid\" and why.\n",
    .run = run_ps,
};
