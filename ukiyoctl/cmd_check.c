/*
 * cmd_check.c - ukiyoctl check: is a newer image available, without pulling?
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ukiyoctl.h"

typedef struct {
    json_t *rows;
    ctl_table *table;
    bool any_unknown;
    bool any_failed;
} check_report;

static json_t *result_json(const ukiyo_check_result *r)
{
    char *text = NULL;
    json_t *doc = ukiyo_check_result_json(&text, r) == 0 ? json_loads(text, 0, NULL) : NULL;

    ukiyo_string_free(text);
    return doc;
}

static void add_result(check_report *rep, const ukiyo_check_result *r)
{
    const char *detail = ukiyo_check_result_reason(r);

    if (ukiyo_check_result_status(r) == UKIYO_CHECK_UNKNOWN)
        rep->any_unknown = true;
    if (!detail && ukiyo_check_result_newer_image_pulled(r))
        detail = "already pulled: recreate the container to apply it";
    char moves[160];
    if (!detail && ukiyo_check_result_new_tag(r)) {
        snprintf(moves, sizeof(moves), "policy %s: moves to tag %s", ukiyo_check_result_policy(r),
                 ukiyo_check_result_new_tag(r));
        detail = moves;
    }
    /* A compose container: how an update would recreate it. */
    char how[600];
    if (ukiyo_check_result_recreate_reason(r)) {
        snprintf(how, sizeof(how), "%s%s%s", detail ? detail : "", detail ? "; " : "",
                 ukiyo_check_result_recreate_reason(r));
        detail = how;
    }
    /* The gates a push's update passes: the release's age, a person's approval. */
    char gates[800];
    int64_t ages_at = ukiyo_check_result_ages_at_ms(r);
    bool newer = ukiyo_check_result_status(r) == UKIYO_CHECK_UPDATE_AVAILABLE;
    if (newer && (ages_at || ukiyo_check_result_needs_approval(r))) {
        char when[32] = "";
        ctl_format_time(ages_at, when, sizeof(when));
        snprintf(gates, sizeof(gates), "%s%s%s%s%s", detail ? detail : "", detail ? "; " : "",
                 ages_at ? "min-age: applied from " : "", ages_at ? when : "",
                 ukiyo_check_result_needs_approval(r)
                     ? (ages_at ? ", once approved" : "waits for approval")
                     : "");
        detail = gates;
    }
    const char *cells[] = {ukiyo_check_result_name(r), ukiyo_check_result_kind(r),
                           ukiyo_check_result_image(r),
                           ukiyo_check_status_name(ukiyo_check_result_status(r)),
                           detail ? detail : ""};
    json_array_append_new(rep->rows, result_json(r));
    ctl_table_add(rep->table, cells);
}

/* A container that could not be checked at all (unknown name, engine error). */
static void add_failure(check_report *rep, const char *name, int err)
{
    char why[512];

    snprintf(why, sizeof(why), "%s: %s", ukiyo_strerror(err), ukiyo_error_last());
    const char *kind = strncmp(name, UKIYO_SERVICE_PREFIX, strlen(UKIYO_SERVICE_PREFIX)) == 0
                           ? "service"
                           : "container";
    const char *cells[] = {name, kind, "", "unknown", why};
    json_array_append_new(rep->rows,
                          json_pack("{s:s, s:s, s:n, s:n, s:n, s:s, s:s}", "name", name, "kind",
                                    kind, "image", "local_digest", "remote_digest", "status",
                                    "unknown", "reason", why));
    ctl_table_add(rep->table, cells);
    rep->any_failed = true;
}

static void check_one(ukiyo *u, check_report *rep, const char *name)
{
    ukiyo_check_result *r = NULL;
    int err = ukiyo_check(&r, u, name);

    if (err < 0)
        add_failure(rep, name, err);
    else
        add_result(rep, r);
    ukiyo_check_result_free(r);
}

static int check_all(ukiyo *u, check_report *rep, bool all)
{
    ukiyo_container_list *list = NULL;
    int err = ukiyo_docker_container_list(&list, ukiyo_get_docker(u), all, NULL);

    if (err < 0)
        return ctl_fail("cannot list containers", err);
    for (size_t i = 0; i < ukiyo_container_list_count(list); i++) {
        const ukiyo_container *c = ukiyo_container_list_get(list, i);
        if (!ukiyo_container_label(c, UKIYO_LABEL_SWARM_TASK)) /* its service is checked */
            check_one(u, rep, ukiyo_container_name(c));
    }
    ukiyo_container_list_free(list);
    ukiyo_string_list *services = NULL;
    if ((err = ctl_service_names(u, false, &services)) < 0)
        return ctl_fail("cannot list the swarm's services", err);
    for (size_t i = 0; i < ukiyo_string_list_count(services); i++)
        check_one(u, rep, ukiyo_string_list_get(services, i));
    ukiyo_string_list_free(services);
    return EXIT_OK;
}

/* --project P [SERVICE...]: its running containers, in the project's order. */
static int check_project(ukiyo *u, check_report *rep, const char *project, int argc, char **argv)
{
    ukiyo_string_list *names = NULL;
    int err = ukiyo_project_select(&names, u, project, (const char *const *)(argv + optind),
                                   (size_t)(argc - optind));

    if (err < 0)
        return ctl_fail("--project", err);
    for (size_t i = 0; i < ukiyo_string_list_count(names); i++)
        check_one(u, rep, ukiyo_string_list_get(names, i));
    ukiyo_string_list_free(names);
    return EXIT_OK;
}

static int run_check(const ctl_options *opts, int argc, char **argv)
{
    static const struct option longopts[] = {{"all", no_argument, NULL, 'a'},
                                             {"project", required_argument, NULL, 'p'},
                                             {NULL, 0, NULL, 0}};
    static const char *const headings[] = {"NAME", "KIND", "IMAGE", "STATUS", "DETAIL"};
    check_report rep = {.rows = json_array(), .table = ctl_table_new(5, headings)};
    const char *project = NULL;
    bool all = false;
    int c, rc = EXIT_OK;

    while ((c = getopt_long(argc, argv, "ap:", longopts, NULL)) != -1) {
        if (c != 'a' && c != 'p') {
            ctl_usage(&cmd_check, stderr);
            rc = EXIT_USAGE;
            goto done;
        }
        if (c == 'p')
            project = optarg;
        else
            all = true;
    }
    ukiyo *u = ctl_open_with_store_if_any(opts); /* its rejected releases */
    if (!u) {
        rc = EXIT_FAILED;
        goto done;
    }
    if (project)
        rc = check_project(u, &rep, project, argc, argv);
    else if (optind == argc)
        rc = check_all(u, &rep, all);
    for (int i = optind; !project && i < argc; i++)
        check_one(u, &rep, argv[i]);
    ukiyo_close(u);
    if (rc == EXIT_OK) {
        if (opts->json)
            ctl_print_json(json_incref(rep.rows));
        else
            ctl_table_print(rep.table, stdout);
        rc = rep.any_failed || rep.any_unknown ? EXIT_PARTIAL : EXIT_OK;
    }
done:
    json_decref(rep.rows);
    ctl_table_free(rep.table);
    return rc;
}

const ctl_command cmd_check = {
    .name = "check",
    .summary = "Say whether a newer image is available for containers, without pulling",
    .usage = "Usage: ukiyoctl check [-a|--all] [--json] [NAME... | --project P [SERVICE...]]\n\n"
             "Compares the digest each container's image was pulled with to the digest\n"
             "the registry serves now for the same tag (one HEAD request each).\n"
             "Without NAME, every running container (with --all, stopped ones too)\n"
             "and, on a swarm manager, every service; service/NAME names the swarm\n"
             "service NAME (its spec's digest is compared). With --project P, the\n"
             "running containers of compose project P (of the SERVICEs named, else of\n"
             "every service).\n\n"
             "  --json   an array of {name, kind, image, image_id, local_digest,\n"
             "           remote_digest, status, reason, newer_image_pulled, policy,\n"
             "           new_tag, recreate, recreate_reason, approve, min_age_ms,\n"
             "           ages_at_ms}; status is up-to-date, update-available or\n"
             "           unknown; new_tag is where the ukiyo.policy label (patch, minor,\n"
             "           major, all, regex:) moves it; recreate, for a container compose\n"
             "           started, is how an update would recreate it: compose, engine, or\n"
             "           refused (its ukiyo.compose=native cannot be done here);\n"
             "           approve, whether a push's update waits for a person\n"
             "           (ukiyo.approve); min_age_ms and ages_at_ms, its minimum age\n"
             "           and when the registry's release will have it\n\n"
             "Exit status 0 when every check could be made, 3 when one could not,\n"
             "1 when the engine could not be asked.\n",
    .run = run_check,
};
