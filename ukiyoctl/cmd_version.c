/*
 * cmd_version.c - ukiyoctl version: the library's and the engine's versions.
 */
#include <stdio.h>

#include "ukiyoctl.h"

static int run_version(const ctl_options *opts, int argc, char **argv)
{
    ukiyo *u;
    char *engine_json = NULL;
    json_t *engine = NULL;
    int err;

    if (argc > 1) {
        fprintf(stderr, "ukiyoctl version: takes no arguments\n");
        return EXIT_USAGE;
    }
    u = ctl_open(opts);
    if (!u)
        return EXIT_FAILED;
    err = ukiyo_docker_version(&engine_json, ukiyo_get_docker(u));
    if (err == 0)
        engine = json_loads(engine_json, 0, NULL);
    if (opts->json) {
        ctl_print_json(
            json_pack("{s:s, s:s?, s:s?, s:s?, s:s}", "version", ukiyo_version(), "engine_version",
                      json_string_value(json_object_get(engine, "Version")), "engine_api_version",
                      json_string_value(json_object_get(engine, "ApiVersion")), "api_version",
                      ukiyo_docker_api_version(ukiyo_get_docker(u)), "docker_host",
                      ukiyo_docker_host(ukiyo_get_docker(u))));
    } else {
        printf("ukiyoctl:    %s (libukiyo %s)\n", UKIYO_VERSION_STRING, ukiyo_version());
        printf("docker host: %s\n", ukiyo_docker_host(ukiyo_get_docker(u)));
        if (engine)
            printf("engine:      %s (API %s, speaking %s)\n",
                   json_string_value(json_object_get(engine, "Version")),
                   json_string_value(json_object_get(engine, "ApiVersion")),
                   ukiyo_docker_api_version(ukiyo_get_docker(u)));
    }
    if (err < 0)
        ctl_fail("engine", err);
    json_decref(engine);
    ukiyo_string_free(engine_json);
    ukiyo_close(u);
    return err < 0 ? EXIT_FAILED : EXIT_OK;
}

const ctl_command cmd_version = {
    .name = "version",
    .summary = "Show the versions of ukiyo and of the Docker engine",
    .usage = "Usage: ukiyoctl version [--json]\n",
    .run = run_version,
};
