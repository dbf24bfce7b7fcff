/*
 * test_compose.c - compose projects with Debian's docker-compose (1.29)
 * against the real engine and registry: updated through compose itself,
 * in depends_on order, rolled back through compose, followed by a
 * network_mode service: sidecar, and the API path when no compose program
 * is found. Each test writes its project into a directory of its own,
 * labels every container, network and volume ukiyo.test, and takes the
 * project down (volumes too) at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <ukiyo.h>

#include "daemon_helpers.h"
#include "testlib.h"
#include "update_helpers.h"

typedef struct {
    char *name; /* the project: ukiyo-test-<pid>-<n>-shop, so test_cleanup finds what is left */
    char dir[256];
    char *db, *api, *web; /* the references each service runs */
    const char *api_next; /* the local image api's next release is */
} project;

static const char *const compose_file =
    "version: \"3.7\"\n"
    "x-test: &test\n"
    "  init: true\n"
    "  labels: {ukiyo.test: \"1\", ukiyo.min-uptime: \"2\"}\n"
    "services:\n"
    "  web:\n"
    "    <<: *test\n"
    "    image: %s\n"
    "    depends_on: [api]\n"
    "    networks: [front]\n"
    "  api:\n"
    "    <<: *test\n"
    "    image: %s\n"
    "    depends_on: [db]\n"
    "    networks: [front, back]\n"
    "    env_file: [api.env]\n"
    "    healthcheck:\n"
    "      test: [\"CMD\", \"/bin/busybox\", \"wget\", \"-q\", \"-O\", \"/dev/null\", "
    "\"http://127.0.0.1:8080/\"]\n"
    "      interval: 1s\n"
    "      retries: 3\n"
    "  db:\n"
    "    <<: *test\n"
    "    image: %s\n"
    "    volumes: [\"data:/data\"]\n"
    "    networks: [back]\n"
    "  side:\n"
    "    <<: *test\n"
    "    image: %s\n"
    "    network_mode: \"service:web\"\n"
    "    command: [\"/bin/busybox\", \"sh\", \"-c\", \"echo side is up; exec sleep 3600\"]\n"
    "networks:\n"
    "  front: {labels: {ukiyo.test: \"1\"}}\n"
    "  back: {labels: {ukiyo.test: \"1\"}}\n"
    "volumes:\n"
    "  data: {labels: {ukiyo.test: \"1\"}}\n";

/* docker-compose in @p's directory, as its owner would run it; its output in @out. */
static int compose(const project *p, char **out, const char *args)
{
    return test_sh(out, "cd %s && docker-compose -p %s %s 2>&1", p->dir, p->name, args);
}

static char *container(const project *p, const char *service)
{
    char *name = NULL;
    if (asprintf(&name, "%s_%s_1", p->name, service) < 0)
        abort();
    return name;
}

/*
 * The project up on v1 of three repositories (web's serves the sidecar too),
 * api's on @api_registry ("host:port", or NULL for the test registry).
 */
static project project_up_at(const char *api_v2, const char *api_registry)
{
    project p = {.name = test_unique_name("shop")};
    char *repo = NULL;

    snprintf(p.dir, sizeof(p.dir), "/tmp/%s", p.name);
    ck_assert_int_eq(test_sh(NULL, "mkdir -p %s && echo GREETING=hello > %s/api.env", p.dir, p.dir),
                     0);
    p.db = push_repo("ukiyo-test/healthy:v1", &repo);
    free(repo);
    p.api = push_repo("ukiyo-test/healthy:v1", &repo);
    if (api_registry) {
        free(p.api);
        ck_assert_int_ge(asprintf(&p.api, "%s/%s:latest", api_registry, repo), 0);
        ck_assert_int_eq(test_sh(NULL,
                                 "docker tag ukiyo-test/healthy:v1 %s && docker push -q %s "
                                 ">/dev/null",
                                 p.api, p.api),
                         0);
    }
    free(repo);
    p.web = push_repo("ukiyo-test/healthy:v1", &repo);
    free(repo);
    p.api_next = api_v2;

    char path[300];
    snprintf(path, sizeof(path), "%s/docker-compose.yml", p.dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, compose_file, p.web, p.api, p.db, p.web);
    fclose(f);
    char *out = NULL;
    ck_assert_msg(compose(&p, &out, "up -d") == 0, "compose up: %s", out);
    free(out);
    return p;
}

static project project_up(const char *api_v2)
{
    return project_up_at(api_v2, NULL);
}

/* The registry's @ref becomes @next; here the tag stays on v1, as a host that has not pulled. */
static void release(const char *ref, const char *next)
{
    ck_assert_int_eq(test_sh(NULL,
                             "docker tag %s %s && docker push -q %s >/dev/null && "
                             "docker tag ukiyo-test/healthy:v1 %s",
                             next, ref, ref, ref),
                     0);
}

/*
 * The same for a registry that notifies ukiyod: the push alone, since the
 * notification may have made ukiyod pull before a retag here could land
 * (and the retag would move the tag back under it).
 */
static void release_notified(const char *ref, const char *next)
{
    ck_assert_int_eq(test_sh(NULL, "docker tag %s %s && docker push -q %s >/dev/null", next, ref,
                             ref),
                     0);
}

static void project_down(project *p)
{
    char *out = NULL;
    compose(p, &out, "down -v");
    free(out);
    test_sh(NULL, "rm -rf %s", p->dir);
    free(p->name);
    free(p->db);
    free(p->api);
    free(p->web);
}

static char *image_id_of(const char *ref)
{
    char *out = NULL;
    test_sh(&out, "docker image inspect -f '{{.Id}}' %s", ref);
    out[strcspn(out, "\n")] = '\0';
    return out;
}

static json_t *inspect_service(const project *p, const char *service)
{
    char *name = container(p, service);
    json_t *doc = inspect(name);
    free(name);
    return doc;
}

static const char *started_at(json_t *doc)
{
    return json_string_value(json_object_get(json_object_get(doc, "State"), "StartedAt"));
}

static ukiyo_update_result *update_service(const project *p, const char *service,
                                           const char *const *batch, size_t count,
                                           ukiyo_compose_mode mode)
{
    ukiyo_update_options opts = UKIYO_UPDATE_OPTIONS_INIT;
    ukiyo_update_result *r = NULL;
    char *name = container(p, service);

    opts.min_uptime_s = 2;
    opts.health_timeout_s = 20;
    opts.batch = batch;
    opts.batch_count = count;
    opts.compose = mode;
    ck_assert_msg(ukiyo_update(&r, u, name, &opts) == 0, "update %s: %s", name, ukiyo_error_last());
    free(name);
    return r;
}

/* What `docker-compose up -d` does now: nothing is what a faithful update leaves it. */
static void assert_compose_recreates_nothing(const project *p)
{
    char *out = NULL;
    ck_assert_int_eq(compose(p, &out, "up -d"), 0);
    ck_assert_msg(!strstr(out, "Recreating") && !strstr(out, "Creating"),
                  "docker-compose up -d changed the project again:\n%s", out);
    free(out);
}

START_TEST(a_project_is_updated_through_compose_in_depends_on_order)
{
    project p = project_up("ukiyo-test/healthy:v2");
    char *names[4] = {container(&p, "web"), container(&p, "side"), container(&p, "api"),
                      container(&p, "db")};
    ukiyo_string_list *order = NULL;

    release(p.db, "ukiyo-test/healthy:v2");
    release(p.api, p.api_next);
    release(p.web, "ukiyo-test/healthy:v2");
    ck_assert_int_eq(test_sh(NULL, "docker exec %s /bin/busybox sh -c 'echo kept > /data/f'",
                             names[3]),
                     0);

    /* The order comes from the compose file: compose 1.29 writes no depends_on label. */
    ck_assert_msg(ukiyo_update_order(&order, u, (const char *const *)names, 4) == 0, "%s",
                  ukiyo_error_last());
    ck_assert_int_eq(ukiyo_string_list_count(order), 4);
    ck_assert_str_eq(ukiyo_string_list_get(order, 0), names[3]);
    ck_assert_str_eq(ukiyo_string_list_get(order, 1), names[2]);
    ck_assert_str_eq(ukiyo_string_list_get(order, 2), names[0]);
    ck_assert_str_eq(ukiyo_string_list_get(order, 3), names[1]);

    const char *batch[] = {names[3], names[2], names[0], names[1]};
    const char *services[] = {"db", "api", "web"};
    for (size_t i = 0; i < 3; i++) {
        ukiyo_update_result *r = update_service(&p, services[i], batch, 4, UKIYO_COMPOSE_AUTO);
        ck_assert_msg(ukiyo_update_result_outcome(r) == UKIYO_OUTCOME_UPDATED, "%s: %s: %s",
                      services[i], ukiyo_update_outcome_name(ukiyo_update_result_outcome(r)),
                      ukiyo_update_result_reason(r));
        ck_assert_str_eq(ukiyo_update_result_strategy(r), "compose");
        if (strcmp(services[i], "web") == 0) {
            /* The sidecar in web's network namespace is updated with it, by compose too. */
            ck_assert_uint_eq(ukiyo_update_result_follower_count(r), 1);
            const ukiyo_update_result *side = ukiyo_update_result_follower(r, 0);
            ck_assert_str_eq(ukiyo_update_result_container(side), names[1]);
            ck_assert_int_eq(ukiyo_update_result_outcome(side), UKIYO_OUTCOME_UPDATED);
            ck_assert_str_eq(ukiyo_update_result_strategy(side), "compose");
        }
        ukiyo_update_result_free(r);
    }

    /* Every service on v2, started db before api before web, the volume's data kept. */
    json_t *db = inspect_service(&p, "db"), *api = inspect_service(&p, "api"),
           *web = inspect_service(&p, "web"), *side = inspect_service(&p, "side");
    char *v2 = image_id_of("ukiyo-test/healthy:v2");
    ck_assert_str_eq(json_string_value(json_object_get(db, "Image")), v2);
    ck_assert_str_eq(json_string_value(json_object_get(api, "Image")), v2);
    ck_assert_str_eq(json_string_value(json_object_get(web, "Image")), v2);
    ck_assert_msg(strcmp(started_at(db), started_at(api)) < 0, "db %s, api %s", started_at(db),
                  started_at(api));
    ck_assert_msg(strcmp(started_at(api), started_at(web)) < 0, "api %s, web %s", started_at(api),
                  started_at(web));
    char mode[128];
    snprintf(mode, sizeof(mode), "container:%s", json_string_value(json_object_get(web, "Id")));
    ck_assert_str_eq(json_string_value(
                         json_object_get(json_object_get(side, "HostConfig"), "NetworkMode")),
                     mode);
    char *data = NULL;
    test_sh(&data, "docker exec %s /bin/busybox cat /data/f", names[3]);
    ck_assert_str_eq(data, "kept\n");

    /* History names project and service, and kept what the old sidecar wrote. */
    ukiyo_history *h = NULL;
    ck_assert_int_eq(ukiyo_store_history(&h, ukiyo_get_store(u), names[1], 0, 1), 0);
    ck_assert_uint_eq(ukiyo_history_count(h), 1);
    const ukiyo_history_entry *e = ukiyo_history_get(h, 0);
    ck_assert_str_eq(ukiyo_history_entry_project(e), p.name);
    ck_assert_str_eq(ukiyo_history_entry_service(e), "side");
    ck_assert_str_eq(ukiyo_history_entry_strategy(e), "compose");
    ck_assert_int_eq(ukiyo_history_entry_has_logs(e), 1);
    char *logs = NULL;
    ck_assert_int_eq(ukiyo_store_history_logs(&logs, ukiyo_get_store(u), ukiyo_history_entry_id(e)),
                     0);
    ck_assert_msg(strstr(logs, "side is up\n"), "%s", logs);
    ukiyo_string_free(logs);
    ukiyo_history_free(h);

    assert_compose_recreates_nothing(&p);
    char *ps = NULL;
    compose(&p, &ps, "ps");
    ck_assert_msg(strstr(ps, "Exit") == NULL && strstr(ps, "Restarting") == NULL, "%s", ps);
    ck_assert_ptr_nonnull(strstr(ps, "Up"));

    /* And compose can take it all down: nothing of the project is left behind. */
    char *out = NULL;
    ck_assert_int_eq(compose(&p, &out, "down -v"), 0);
    free(out);
    test_sh(&out,
            "docker ps -aq --filter label=com.docker.compose.project=%s; "
            "docker network ls -q --filter label=com.docker.compose.project=%s; "
            "docker volume ls -q --filter label=com.docker.compose.project=%s",
            p.name, p.name, p.name);
    ck_assert_msg(out[0] == '\0', "left behind: %s", out);
    free(out);

    free(ps);
    free(data);
    free(v2);
    json_decref(db);
    json_decref(api);
    json_decref(web);
    json_decref(side);
    ukiyo_string_list_free(order);
    for (size_t i = 0; i < 4; i++)
        free(names[i]);
    project_down(&p);
}
END_TEST

START_TEST(a_failing_release_is_rolled_back_through_compose)
{
    project p = project_up("ukiyo-test/crashes:latest");
    json_t *before = inspect_service(&p, "api");
    char *v1 = strdup(json_string_value(json_object_get(before, "Image")));

    release(p.api, p.api_next);
    ukiyo_update_result *r = update_service(&p, "api", NULL, 0, UKIYO_COMPOSE_AUTO);
    ck_assert_msg(ukiyo_update_result_outcome(r) == UKIYO_OUTCOME_ROLLED_BACK, "%s: %s",
                  ukiyo_update_outcome_name(ukiyo_update_result_outcome(r)),
                  ukiyo_update_result_reason(r));
    ck_assert_str_eq(ukiyo_update_result_strategy(r), "compose");

    /* The old image runs, its tag points at it again, and compose agrees. */
    json_t *after = inspect_service(&p, "api");
    ck_assert_str_eq(json_string_value(json_object_get(after, "Image")), v1);
    ck_assert(json_is_true(json_object_get(json_object_get(after, "State"), "Running")));
    char *tagged = image_id_of(p.api);
    ck_assert_str_eq(tagged, v1);
    assert_compose_recreates_nothing(&p);

    free(tagged);
    json_decref(after);
    json_decref(before);
    free(v1);
    ukiyo_update_result_free(r);
    project_down(&p);
}
END_TEST

/* Labels compose reads, each as it was: the API path must not change a project's bookkeeping. */
static const char *const kept_labels[] = {UKIYO_LABEL_COMPOSE_PROJECT, UKIYO_LABEL_COMPOSE_SERVICE,
                                          UKIYO_LABEL_COMPOSE_CONTAINER_NUMBER,
                                          UKIYO_LABEL_COMPOSE_WORKING_DIR,
                                          UKIYO_LABEL_COMPOSE_CONFIG_FILES};

START_TEST(without_a_compose_program_the_engine_recreates_it)
{
    project p = project_up("ukiyo-test/healthy:v2");
    json_t *before = inspect_service(&p, "db");
    char *path = strdup(getenv("PATH"));

    release(p.db, "ukiyo-test/healthy:v2");
    setenv("PATH", "/nonexistent", 1);

    /* check says which way an update would go, and why. */
    ukiyo_check_result *c = NULL;
    char *db_name = container(&p, "db");
    ck_assert_int_eq(ukiyo_check(&c, u, db_name), 0);
    ck_assert_str_eq(ukiyo_check_result_recreate(c), "engine");
    ck_assert_msg(strstr(ukiyo_check_result_recreate_reason(c), "no compose program"), "%s",
                  ukiyo_check_result_recreate_reason(c));
    ukiyo_check_result_free(c);
    free(db_name);

    /* Asked for compose, and none here: refused, the container as it was, the failure kept. */
    ukiyo_update_result *refused = update_service(&p, "db", NULL, 0, UKIYO_COMPOSE_NATIVE);
    ck_assert_int_eq(ukiyo_update_result_outcome(refused), UKIYO_OUTCOME_FAILED);
    ck_assert_msg(strstr(ukiyo_update_result_reason(refused), "no compose program"), "%s",
                  ukiyo_update_result_reason(refused));
    json_t *same = inspect_service(&p, "db");
    ck_assert_str_eq(json_string_value(json_object_get(same, "Id")),
                     json_string_value(json_object_get(before, "Id")));

    ukiyo_update_result *r = update_service(&p, "db", NULL, 0, UKIYO_COMPOSE_AUTO);
    setenv("PATH", path, 1);
    ck_assert_msg(ukiyo_update_result_outcome(r) == UKIYO_OUTCOME_UPDATED, "%s",
                  ukiyo_update_result_reason(r));
    ck_assert_str_eq(ukiyo_update_result_strategy(r), "stop-first");
    json_t *after = inspect_service(&p, "db");
    json_t *old_labels = json_object_get(json_object_get(before, "Config"), "Labels");
    json_t *new_labels = json_object_get(json_object_get(after, "Config"), "Labels");
    for (size_t i = 0; i < sizeof(kept_labels) / sizeof(kept_labels[0]); i++)
        ck_assert_msg(json_equal(json_object_get(old_labels, kept_labels[i]),
                                 json_object_get(new_labels, kept_labels[i])),
                      "%s changed", kept_labels[i]);

    ukiyo_history *h = NULL;
    char *name = container(&p, "db");
    ck_assert_int_eq(ukiyo_store_history(&h, ukiyo_get_store(u), name, 0, 10), 0);
    ck_assert_uint_eq(ukiyo_history_count(h), 2);
    ck_assert_str_eq(ukiyo_history_entry_outcome(ukiyo_history_get(h, 1)), "failed");
    /* The engine's path keeps the old container's logs and names project and service too. */
    const ukiyo_history_entry *e = ukiyo_history_get(h, 0);
    ck_assert_str_eq(ukiyo_history_entry_outcome(e), "updated");
    ck_assert_str_eq(ukiyo_history_entry_service(e), "db");
    ck_assert_str_eq(ukiyo_history_entry_project(e), p.name);
    ck_assert_int_eq(ukiyo_history_entry_has_logs(e), 1);
    ck_assert_str_eq(ukiyo_history_entry_project(ukiyo_history_get(h, 1)), p.name);

    ukiyo_history_free(h);
    free(name);
    json_decref(after);
    json_decref(same);
    json_decref(before);
    free(path);
    ukiyo_update_result_free(refused);
    ukiyo_update_result_free(r);
    project_down(&p);
}
END_TEST

static int ukiyoctl(char **out, const char *args)
{
    /* Under the valgrind setup, ukiyoctl runs under valgrind too (exit 99 on an error). */
    return test_sh(out, "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" --db %s %s 2>&1", db_path, args);
}

START_TEST(ukiyoctl_takes_a_project_and_its_services)
{
    project p = project_up("ukiyo-test/healthy:v2");
    char *api = container(&p, "api"), *out = NULL, args[400];

    release(p.api, p.api_next);
    /* A service or a project that is not there: said with what there is, nothing changed. */
    snprintf(args, sizeof(args), "update --project %s nosuch", p.name);
    ck_assert_int_eq(ukiyoctl(&out, args), 1);
    ck_assert_msg(strstr(out, "no service \"nosuch\" (its services: api, db, side, web)"), "%s",
                  out);
    free(out);
    ck_assert_int_eq(ukiyoctl(&out, "check --project ukiyo-no-such-project"), 1);
    ck_assert_msg(strstr(out, "no compose project \"ukiyo-no-such-project\""), "%s", out);
    free(out);

    /* ps names project and service. */
    ck_assert_int_eq(ukiyoctl(&out, "ps --json"), 0);
    json_t *rows = json_loads(out, 0, NULL), *row, *mine = NULL;
    size_t i;
    json_array_foreach(rows, i, row) {
        if (strcmp(json_string_value(json_object_get(row, "name")), api) == 0)
            mine = row;
    }
    ck_assert_msg(mine != NULL, "%s", out);
    ck_assert_str_eq(json_string_value(json_object_get(mine, "project")), p.name);
    ck_assert_str_eq(json_string_value(json_object_get(mine, "service")), "api");
    json_decref(rows);
    free(out);

    /* check and update by project and service: only api has a new release, only api changes. */
    snprintf(args, sizeof(args), "check --project %s api db", p.name);
    ck_assert_int_eq(ukiyoctl(&out, args), 0);
    ck_assert_msg(strstr(out, "update-available") && strstr(out, "up-to-date"), "%s", out);
    ck_assert_msg(strstr(out, "docker-compose recreates service api of project"), "%s", out);
    free(out);
    snprintf(args, sizeof(args), "check --json --project %s api", p.name);
    ck_assert_int_eq(ukiyoctl(&out, args), 0);
    ck_assert_msg(strstr(out, "\"recreate\": \"compose\""), "%s", out);
    free(out);
    /* A line in api's log (what its process writes to its standard output). */
    ck_assert_int_eq(test_sh(NULL,
                             "docker exec %s /bin/busybox sh -c 'echo api is up > /proc/1/fd/1'",
                             api),
                     0);
    snprintf(args, sizeof(args), "update --min-uptime 2 --project %s api", p.name);
    ck_assert_int_eq(ukiyoctl(&out, args), 0);
    char updated[300];
    snprintf(updated, sizeof(updated), "%s: updated", api);
    ck_assert_msg(strstr(out, updated) && !strstr(out, "_db_1"), "%s", out);
    free(out);
    assert_compose_recreates_nothing(&p);

    /* history names the service; the old container's logs are there by the entry's ID. */
    snprintf(args, sizeof(args), "history %s", api);
    ck_assert_int_eq(ukiyoctl(&out, args), 0);
    char service[300];
    snprintf(service, sizeof(service), "%s/api", p.name);
    ck_assert_msg(strstr(out, "SERVICE") && strstr(out, service), "%s", out);
    free(out);
    snprintf(args, sizeof(args), "history --json %s", api);
    ck_assert_int_eq(ukiyoctl(&out, args), 0);
    json_t *entries = json_loads(out, 0, NULL);
    json_t *last = json_array_get(entries, 0);
    ck_assert_msg(json_is_true(json_object_get(last, "logs_kept")), "%s", out);
    snprintf(args, sizeof(args), "history --logs %lld",
             (long long)json_integer_value(json_object_get(last, "id")));
    json_decref(entries);
    free(out);
    ck_assert_int_eq(ukiyoctl(&out, args), 0);
    char *by_id = out;
    ck_assert_msg(strstr(by_id, " api is up\n"), "%s", by_id); /* after its timestamp */
    snprintf(args, sizeof(args), "history --logs %s", api);
    ck_assert_int_eq(ukiyoctl(&out, args), 0);
    ck_assert_str_eq(out, by_id); /* by name: its newest entry's */
    free(by_id);
    free(out);
    ck_assert_int_eq(ukiyoctl(&out, "history --logs ukiyo-no-such-container"), 1);
    ck_assert_msg(strstr(out, "no entry of ukiyo-no-such-container kept"), "%s", out);
    free(out);
    ck_assert_int_eq(ukiyoctl(&out, "history --logs 987654321"), 1);
    ck_assert_msg(strstr(out, "987654321"), "%s", out);
    free(out);

    free(api);
    project_down(&p);
}
END_TEST

/* Poll @d's history of @name until an entry has @outcome (60 s); its body (new). */
static char *history_with(daemon_proc *d, const char *name, const char *outcome)
{
    char query[300], want[64];
    reply r = {0};

    snprintf(query, sizeof(query), "/api/v1/history?container=%s", name);
    snprintf(want, sizeof(want), "\"outcome\":\"%s\"", outcome);
    for (int i = 0; i < 120; i++) {
        free(r.body);
        r = api(d, query);
        ck_assert_int_eq(r.status, 200);
        if (strstr(r.body, want))
            return r.body;
        usleep(500 * 1000);
    }
    ck_abort_msg("no %s entry for %s: %s", outcome, name, r.body);
    return NULL;
}

START_TEST(ukiyod_updates_a_service_on_the_registry_notification)
{
    daemon_proc d = {0};
    char reg[64], host[64], path[400];
    int reg_port = test_free_port();

    start_daemon(&d, NULL);
    char *secret = daemon_file(&d, "webhook-secret");
    snprintf(reg, sizeof(reg), "compose-%d", (int)getpid());
    snprintf(host, sizeof(host), "127.0.0.1:%d", reg_port);
    ck_assert_int_eq(test_sh(NULL,
                             "\"$UKIYO_TEST_ENV/registry.sh\" start %s %d --notify "
                             "http://127.0.0.1:%d/ukiyo-web-hook/%s",
                             reg, reg_port, d.port, secret),
                     0);
    free(secret);
    project p = project_up_at("ukiyo-test/healthy:v2", host);
    char *api_name = container(&p, "api"), *web_name = container(&p, "web");

    /* The projects as the API lists them; a service that is not there is a 404. */
    reply r = api(&d, "/api/v1/projects");
    ck_assert_int_eq(r.status, 200);
    json_t *projects = json_loads(r.body, 0, NULL), *entry, *mine = NULL;
    size_t i;
    json_array_foreach(projects, i, entry) {
        if (strcmp(json_string_value(json_object_get(entry, "name")), p.name) == 0)
            mine = entry;
    }
    ck_assert_msg(mine != NULL, "%s", r.body);
    ck_assert_uint_eq(json_array_size(json_object_get(mine, "services")), 4);
    ck_assert_str_eq(json_string_value(json_object_get(mine, "working_dir")), p.dir);
    json_decref(projects);
    free(r.body);
    snprintf(path, sizeof(path), "/api/v1/projects/%s/update?service=nosuch", p.name);
    expect_status(api_send(&d, "POST", path, NULL), 404, "no service");
    expect_status(api_send(&d, "POST", "/api/v1/projects/ukiyo-no-such/update", NULL), 404,
                  "no compose project");

    /* The registry tells of api's new release: compose recreates api, and only api. */
    release_notified(p.api, p.api_next);
    char *history = history_with(&d, api_name, "updated");
    ck_assert_msg(strstr(history, "\"strategy\":\"compose\""), "%s", history);
    free(history);
    assert_compose_recreates_nothing(&p);

    /* One request for a service of the project: its job, done. */
    release(p.web, "ukiyo-test/healthy:v2");
    snprintf(path, sizeof(path), "/api/v1/projects/%s/update?service=web", p.name);
    r = api_send(&d, "POST", path, NULL);
    ck_assert_msg(r.status == 202, "%ld %s", r.status, r.body);
    ck_assert_msg(strstr(r.body, web_name) && !strstr(r.body, api_name), "%s", r.body);
    json_t *queued = json_loads(r.body, 0, NULL);
    ck_assert_uint_eq(json_array_size(json_object_get(queued, "jobs")), 1);
    char *href = strdup(json_string_value(
        json_object_get(json_array_get(json_object_get(queued, "jobs"), 0), "href")));
    json_decref(queued);
    char *job = job_done(&d, href);
    ck_assert_msg(strstr(job, "\"outcome\":\"updated\""), "%s", job);
    /*
     * The sidecar in web's network namespace runs web's tag, which the pull
     * moved: it follows web onto the new image, by compose too (left on the
     * old one, compose would recreate it at its next up).
     */
    char *side_name = container(&p, "side"), follows[400];
    snprintf(follows, sizeof(follows), "\"reason\":\"updated with %s, which it follows\"",
             web_name);
    ck_assert_msg(strstr(job, side_name) && strstr(job, follows), "%s", job);
    free(side_name);
    free(job);
    free(href);
    free(r.body);
    assert_compose_recreates_nothing(&p);

    free(api_name);
    free(web_name);
    project_down(&p);
    test_sh(NULL, "\"$UKIYO_TEST_ENV/registry.sh\" stop %s", reg);
    ck_assert_int_eq(stop_daemon(&d), 0);
}
END_TEST

/* Update @service natively with @timeout_s for compose; the result (new). */
static ukiyo_update_result *update_natively(const project *p, const char *service, int timeout_s)
{
    ukiyo_update_options opts = UKIYO_UPDATE_OPTIONS_INIT;
    ukiyo_update_result *r = NULL;
    char *name = container(p, service);

    opts.min_uptime_s = 2;
    opts.compose = UKIYO_COMPOSE_NATIVE;
    opts.compose_timeout_s = timeout_s;
    ck_assert_msg(ukiyo_update(&r, u, name, &opts) == 0, "update %s: %s", name, ukiyo_error_last());
    free(name);
    return r;
}

/* @service's container is the one @before was, running, and its tag is on @image_id again. */
static void assert_left_as_it_was(const project *p, const char *service, json_t *before,
                                  const char *ref, const char *image_id)
{
    json_t *now = inspect_service(p, service);
    ck_assert_str_eq(json_string_value(json_object_get(now, "Id")),
                     json_string_value(json_object_get(before, "Id")));
    ck_assert(json_is_true(json_object_get(json_object_get(now, "State"), "Running")));
    char *tagged = image_id_of(ref);
    ck_assert_str_eq(tagged, image_id);
    free(tagged);
    json_decref(now);
}

/*
 * A compose program that fails, one that hangs, a compose file that no
 * longer parses or is gone: each said clearly, naming the program or the
 * file, and the container left as it was (the failing compose programs are
 * scripts put before the real one on PATH).
 */
START_TEST(failing_compose_and_bad_files_leave_the_project_as_it_was)
{
    project p = project_up("ukiyo-test/healthy:v2");
    json_t *before = inspect_service(&p, "db");
    char *v1 = strdup(json_string_value(json_object_get(before, "Image")));
    char *path = strdup(getenv("PATH")), fake_path[1200], file[300], *out = NULL;

    release(p.db, "ukiyo-test/healthy:v2");
    ck_assert_int_eq(test_sh(NULL,
                             "mkdir -p %s/fake && cd %s/fake && "
                             "printf '#!/bin/sh\\necho \"ERROR: pretend compose broke\" >&2\\nexit "
                             "1\\n' > fails && printf '#!/bin/sh\\nexec sleep 41.5\\n' > hangs && "
                             "chmod +x fails hangs",
                             p.dir, p.dir),
                     0);
    snprintf(fake_path, sizeof(fake_path), "%s/fake/bin:%s", p.dir, path);
    setenv("PATH", fake_path, 1);

    /* Compose fails: its message, nothing changed, the release not held against the image. */
    test_sh(NULL, "mkdir -p %s/fake/bin && ln -sf ../fails %s/fake/bin/docker-compose", p.dir,
            p.dir);
    ukiyo_update_result *r = update_natively(&p, "db", 0);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_FAILED);
    ck_assert_msg(strstr(ukiyo_update_result_reason(r), "docker-compose up db") &&
                      strstr(ukiyo_update_result_reason(r),
                             "failed with status 1: ERROR: pretend compose broke") &&
                      strstr(ukiyo_update_result_reason(r), "left as it was"),
                  "%s", ukiyo_update_result_reason(r));
    assert_left_as_it_was(&p, "db", before, p.db, v1);
    ukiyo_update_result_free(r);

    /* Compose hangs: stopped at its deadline, with what it started, nothing changed. */
    test_sh(NULL, "ln -sf ../hangs %s/fake/bin/docker-compose", p.dir);
    r = update_natively(&p, "db", 2);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_FAILED);
    ck_assert_msg(strstr(ukiyo_update_result_reason(r), "took longer than 2 s and was stopped"),
                  "%s", ukiyo_update_result_reason(r));
    assert_left_as_it_was(&p, "db", before, p.db, v1);
    ck_assert_int_ne(test_sh(NULL, "pgrep -f 'sleep 41[.]5'"), 0);
    ukiyo_update_result_free(r);
    setenv("PATH", path, 1);

    /* A compose file that no longer parses: the order says which file and where. */
    snprintf(file, sizeof(file), "%s/docker-compose.yml", p.dir);
    test_sh(NULL, "cp %s %s.good && printf 'services: [\\n' >> %s", file, file, file);
    char *db = container(&p, "db"), *api = container(&p, "api");
    const char *both[] = {api, db};
    ukiyo_string_list *order = NULL;
    ck_assert_int_eq(ukiyo_update_order(&order, u, both, 2), UKIYO_EINVAL);
    ck_assert_msg(strstr(ukiyo_error_last(), file) && strstr(ukiyo_error_last(), "line"), "%s",
                  ukiyo_error_last());
    /* ukiyoctl says it too, and changes nothing. */
    char args[400];
    snprintf(args, sizeof(args), "update --project %s", p.name);
    ck_assert_int_eq(ukiyoctl(&out, args), 1);
    ck_assert_msg(strstr(out, file), "%s", out);
    free(out);
    /* Compose itself refuses it when asked to recreate: its words, nothing changed. */
    r = update_natively(&p, "db", 0);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_FAILED);
    ck_assert_msg(strstr(ukiyo_update_result_reason(r), "docker-compose up db") &&
                      strstr(ukiyo_update_result_reason(r), "left as it was"),
                  "%s", ukiyo_update_result_reason(r));
    assert_left_as_it_was(&p, "db", before, p.db, v1);
    ukiyo_update_result_free(r);

    /* A compose file that is gone: native is refused, naming it. */
    test_sh(NULL, "rm %s", file);
    r = update_natively(&p, "db", 0);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_FAILED);
    ck_assert_msg(strstr(ukiyo_update_result_reason(r), "cannot read its file") &&
                      strstr(ukiyo_update_result_reason(r), file),
                  "%s", ukiyo_update_result_reason(r));
    assert_left_as_it_was(&p, "db", before, p.db, v1);
    ukiyo_update_result_free(r);

    /* Back in order, the same release goes in: none of that rejected it. */
    test_sh(NULL, "mv %s.good %s", file, file);
    r = update_natively(&p, "db", 0);
    ck_assert_msg(ukiyo_update_result_outcome(r) == UKIYO_OUTCOME_UPDATED, "%s",
                  ukiyo_update_result_reason(r));
    ukiyo_update_result_free(r);
    assert_compose_recreates_nothing(&p);

    free(db);
    free(api);
    free(path);
    free(v1);
    json_decref(before);
    project_down(&p);
}
END_TEST

START_TEST(ukiyod_takes_only_a_known_compose_mode)
{
    static const char *const bad[] = {"--compose bogus", "--compose NATIVE", "--compose ''"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(test_sh(NULL, "\"$UKIYOD\" %s -V >/dev/null 2>&1", bad[i]) == 2,
                      "ukiyod %s was not refused", bad[i]);
    ck_assert_int_eq(test_sh(NULL, "UKIYO_COMPOSE=sometimes \"$UKIYOD\" -V >/dev/null 2>&1"), 2);
    /* A known one is taken: options are read in order, so -V after it answers. */
    for (size_t i = 0; i < 3; i++) {
        static const char *const good[] = {"auto", "native", "api"};
        ck_assert_int_eq(test_sh(NULL, "\"$UKIYOD\" --compose %s -V >/dev/null", good[i]), 0);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compose");
    TCase *tc = tcase_create("compose");

    tcase_add_checked_fixture(tc, update_setup, update_teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, a_project_is_updated_through_compose_in_depends_on_order);
    tcase_add_test(tc, a_failing_release_is_rolled_back_through_compose);
    tcase_add_test(tc, without_a_compose_program_the_engine_recreates_it);
    tcase_add_test(tc, ukiyoctl_takes_a_project_and_its_services);
    tcase_add_test(tc, ukiyod_updates_a_service_on_the_registry_notification);
    tcase_add_test(tc, failing_compose_and_bad_files_leave_the_project_as_it_was);
    tcase_add_test(tc, ukiyod_takes_only_a_known_compose_mode);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
