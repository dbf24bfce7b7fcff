/*
 * cmd_ps.c - ukiyoctl ps: containers with their image, digest and state.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "ukiyoctl.h"

static json_t *container_row_json(const ukiyo_container *c, const char *digest)
{
    return json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "name", ukiyo_container_name(c),
                     "id", ukiyo_container_id(c), "image", ukiyo_container_image(c), "image_id",
                     ukiyo_container_image_id(c), "local_digest", digest, "state",
                     ukiyo_container_state(c));
}

static void add_table_row(ctl_table *t, const ukiyo_container *c, const char *digest)
{
    char id_buf[13], digest_buf[13];
    const char *cells[] = {ukiyo_container_name(c), ukiyo_container_image(c),
                           ctl_short_id(ukiyo_container_image_id(c), id_buf),
                           digest ? ctl_short_id(digest, digest_buf) : "-",
                           ukiyo_container_state(c)};
    ctl_table_add(t, cells);
}

static int list_containers(ukiyo *u, const ctl_options *opts, bool all)
{
    static const char *const headings[] = {"NAME", "IMAGE", "IMAGE ID", "DIGEST", "STATE"};
    ukiyo_container_list *list = NULL;
    int err = ukiyo_docker_container_list(ukiyo_get_docker(u), &list, all, NULL);

    if (err < 0)
        return ctl_fail("cannot list containers", err);
    json_t *rows = json_array();
    ctl_table *table = ctl_table_new(5, headings);
    for (size_t i = 0; i < ukiyo_container_list_count(list); i++) {
        /* The list shows an image ID once the tag has moved on; inspect keeps the reference. */
        ukiyo_container *c = NULL;
        char *digest = NULL;
        if (ukiyo_docker_container_inspect(ukiyo_get_docker(u), &c,
                                           ukiyo_container_id(ukiyo_container_list_get(list, i))) < 0)
            continue; /* removed since the list was made */
        if (ukiyo_container_local_digest(u, c, &digest) < 0)
            ukiyo_error_clear();
        if (opts->json)
            json_array_append_new(rows, container_row_json(c, digest));
        else
            add_table_row(table, c, digest);
        ukiyo_string_free(digest);
        ukiyo_container_free(c);
    }
    if (opts->json)
        ctl_print_json(json_incref(rows));
    else
        ctl_table_print(table, stdout);
    json_decref(rows);
    ctl_table_free(table);
    ukiyo_container_list_free(list);
    return EXIT_OK;
}

static int run_ps(const ctl_options *opts, int argc, char **argv)
{
    static const struct option longopts[] = {{"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
    bool all = false;
    int c, rc;

    while ((c = getopt_long(argc, argv, "a", longopts, NULL)) != -1) {
        if (c != 'a') {
            ctl_usage(&cmd_ps, stderr);
            return EXIT_USAGE;
        }
        all = true;
    }
    if (optind < argc) {
        fprintf(stderr, "ukiyoctl ps: unexpected argument \"%s\"\n", argv[optind]);
        return EXIT_USAGE;
    }
    ukiyo *u = ctl_open(opts);
    if (!u)
        return EXIT_FAILED;
    rc = list_containers(u, opts, all);
    ukiyo_close(u);
    return rc;
}

const ctl_command cmd_ps = {
    .name = "ps",
    .summary = "List containers with their image reference, image ID, digest and state",
    .usage = "Usage: ukiyoctl ps [-a|--all] [--json]\n\n"
             "  -a, --all   stopped containers too (default: running ones)\n"
             "  --json      one object per container: name, id, image, image_id,\n"
             "              local_digest, state\n",
    .run = run_ps,
};
