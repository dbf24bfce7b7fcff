/*
 * update_helpers.c - see update_helpers.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"
#include "update_helpers.h"

ukiyo *u;
char db_path[128];

void update_setup(void)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;

    test_require_engine();
    /* Named after the run, so that test_cleanup sweeps it should the test end early. */
    char *name = test_unique_name("update.db");
    snprintf(db_path, sizeof(db_path), "/tmp/%s", name);
    free(name);
    opts.db_path = db_path;
    ck_assert_msg(ukiyo_open(&u, &opts) == 0, "%s", ukiyo_error_last());
}

void update_teardown(void)
{
    ukiyo_close(u);
    u = NULL;
    test_sh(NULL, "rm -f %s %s-wal %s-shm", db_path, db_path, db_path);
    test_cleanup();
}

char *push_repo(const char *local, char **repo_out)
{
    char *name = test_unique_name("repo");
    char repo[256];

    snprintf(repo, sizeof(repo), "ukiyo-test/%s", name);
    free(name);
    *repo_out = strdup(repo);
    return test_push(local, repo, "latest");
}

ukiyo_update_result *update_with(const char *name, ukiyo_strategy strategy)
{
    ukiyo_update_options opts = UKIYO_UPDATE_OPTIONS_INIT;
    ukiyo_update_result *r = NULL;

    opts.min_uptime_s = 1;
    opts.health_timeout_s = 20;
    opts.strategy = strategy;
    int err = ukiyo_update(&r, u, name, &opts);
    ck_assert_msg(err == 0, "update %s: %s", name, ukiyo_error_last());
    return r;
}

json_t *inspect(const char *name)
{
    ukiyo_container *c = NULL;
    ck_assert_msg(ukiyo_docker_container_inspect(&c, ukiyo_get_docker(u), name) == 0, "%s: %s",
                  name, ukiyo_error_last());
    json_t *doc = json_loads(ukiyo_container_json(c), 0, NULL);
    ukiyo_container_free(c);
    return doc;
}

char *served(const char *name)
{
    char *out = NULL;
    test_sh(&out, "docker exec %s /bin/busybox wget -q -O- http://127.0.0.1:8080/ 2>&1", name);
    return out;
}

void assert_one_container_named(const char *name)
{
    char *out = NULL;
    test_sh(&out, "docker ps -a --format '{{.Names}}' | grep -c -E '^%s(\\.ukiyo-(new|old))?$'",
            name);
    ck_assert_msg(atoi(out) == 1, "%s: %d containers carry the name or a temporary one", name,
                  atoi(out));
    free(out);
}

char *container_id(const char *name)
{
    json_t *doc = inspect(name);
    char *id = strdup(json_string_value(json_object_get(doc, "Id")));
    json_decref(doc);
    return id;
}
