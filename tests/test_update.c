/*
 * test_update.c - the update transaction against the real engine and the
 * loopback registry: fidelity of the recreated container, rollback, the
 * crash journal and reconcile, start-first without failed requests.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ukiyo.h>

#include "engine_proxy.h"
#include "testlib.h"

static ukiyo *u;
static char db_path[128];

static void setup(void)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;

    test_require_engine();
    snprintf(db_path, sizeof(db_path), "/tmp/ukiyo-test-%d-update.db", (int)getpid());
    opts.db_path = db_path;
    ck_assert_msg(ukiyo_open(&u, &opts) == 0, "%s", ukiyo_error_last());
}

static void teardown(void)
{
    ukiyo_close(u);
    u = NULL;
    test_sh(NULL, "rm -f %s %s-wal %s-shm", db_path, db_path, db_path);
    test_cleanup();
}

/* A repository of this test's own with @local pushed as :latest; the reference (new). */
static char *push_repo(const char *local, char **repo_out)
{
    char *name = test_unique_name("repo");
    char repo[256];

    snprintf(repo, sizeof(repo), "ukiyo-test/%s", name);
    free(name);
    *repo_out = strdup(repo);
    return test_push(local, repo, "latest");
}

static ukiyo_update_result *update_with(const char *name, ukiyo_strategy strategy)
{
    ukiyo_update_options opts = UKIYO_UPDATE_OPTIONS_INIT;
    ukiyo_update_result *r = NULL;

    opts.min_uptime_s = 1;
    opts.health_timeout_s = 20;
    opts.strategy = strategy;
    int err = ukiyo_update(u, name, &opts, &r);
    ck_assert_msg(err == 0, "update %s: %s", name, ukiyo_error_last());
    return r;
}

static json_t *inspect(const char *name)
{
    ukiyo_container *c = NULL;
    ck_assert_msg(ukiyo_docker_container_inspect(ukiyo_get_docker(u), &c, name) == 0, "%s: %s",
                  name, ukiyo_error_last());
    json_t *doc = json_loads(ukiyo_container_json(c), 0, NULL);
    ukiyo_container_free(c);
    return doc;
}

/* What a container serves on 8080, read from inside it. New string. */
static char *served(const char *name)
{
    char *out = NULL;
    test_sh(&out, "docker exec %s /bin/busybox wget -q -O- http://127.0.0.1:8080/ 2>&1", name);
    return out;
}

/* How many containers carry exactly @name, and none of the transaction's temporary names. */
static void assert_one_container_named(const char *name)
{
    char *out = NULL;
    test_sh(&out, "docker ps -a --format '{{.Names}}' | grep -c -E '^%s(\\.ukiyo-(new|old))?$'",
            name);
    ck_assert_msg(atoi(out) == 1, "%s: %d containers carry the name or a temporary one", name,
                  atoi(out));
    free(out);
}

/* ---- fidelity ------------------------------------------------------ */

static void drop_members(json_t *obj, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_object_del(obj, keys[i]);
}

static int compare_json_strings(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

static json_t *sorted_strings(json_t *array)
{
    size_t n = json_array_size(array);
    json_t **items = calloc(n + 1, sizeof(*items));
    json_t *out = json_array();

    for (size_t i = 0; i < n; i++)
        items[i] = json_array_get(array, i);
    qsort(items, n, sizeof(*items), compare_json_strings);
    for (size_t i = 0; i < n; i++)
        json_array_append(out, items[i]);
    free(items);
    return out;
}

static json_t *normal_networks(json_t *doc)
{
    const char *id = json_string_value(json_object_get(doc, "Id"));
    json_t *out = json_object(), *settings;
    const char *name;

    json_object_foreach(json_object_get(json_object_get(doc, "NetworkSettings"), "Networks"), name,
                        settings) {
        json_t *aliases = json_array(), *alias;
        size_t i;
        json_array_foreach(json_object_get(settings, "Aliases"), i, alias) {
            if (strncmp(json_string_value(alias), id, 12) != 0)
                json_array_append(aliases, alias);
        }
        json_t *ipam = json_object_get(settings, "IPAMConfig");
        json_object_set_new(out, name,
                            json_pack("{s:O, s:o, s:O, s:s?}", "IPAMConfig", ipam ? ipam : json_null(),
                                      "Aliases", sorted_strings(aliases), "Links",
                                      json_object_get(settings, "Links") ? json_object_get(settings, "Links") : json_null(),
                                      "IPAddress",
                                      json_object_size(ipam)
                                          ? json_string_value(json_object_get(settings, "IPAddress"))
                                          : NULL));
        json_decref(aliases);
    }
    return out;
}

static json_t *normal_mounts(json_t *doc)
{
    json_t *out = json_array(), *m;
    size_t i;

    json_array_foreach(json_object_get(doc, "Mounts"), i, m) {
        char *line = NULL;
        /* Mode is the engine's ("z" for volumes given by name): left out. */
        ck_assert_int_ge(asprintf(&line, "%s %s %s %s",
                                  json_string_value(json_object_get(m, "Type")),
                                  json_string_value(json_object_get(m, "Destination")),
                                  json_string_value(json_object_get(m, "Type"))[0] == 'b'
                                      ? json_string_value(json_object_get(m, "Source"))
                                      : json_string_value(json_object_get(m, "Name")),
                                  json_is_true(json_object_get(m, "RW")) ? "rw" : "ro"),
                         0);
        json_array_append_new(out, json_string(line));
        free(line);
    }
    json_t *sorted = sorted_strings(out);
    json_decref(out);
    return sorted;
}

/*
 * The parts of an inspect document a user set, with what the engine
 * assigns taken out. @image_version: the version the image's own Env and
 * Labels are rewritten to, so v1 and v2 documents compare equal.
 */
static json_t *normalise(json_t *doc, const char *image_version)
{
    static const char *const engine_fields[] = {
        "Id", "Created", "Image", "State", "ResolvConfPath", "HostnamePath", "HostsPath", "LogPath",
        "RestartCount", "Driver", "Platform", "MountLabel", "ProcessLabel", "AppArmorProfile",
        "ExecIDs", "GraphDriver", "SizeRw", "SizeRootFs", "NetworkSettings", "Mounts", "Args",
        "Path"};
    json_t *n = json_deep_copy(doc);
    json_t *config = json_object_get(n, "Config"), *env, *labels;
    const char *id = json_string_value(json_object_get(doc, "Id"));
    const char *hostname = json_string_value(json_object_get(config, "Hostname"));
    const char *mode = json_string_value(
        json_object_get(json_object_get(doc, "HostConfig"), "NetworkMode"));
    char buf[64];
    size_t i;

    json_object_set_new(n, "Networks", normal_networks(doc));
    json_object_set_new(n, "MountsNormal", normal_mounts(doc));
    drop_members(n, engine_fields, sizeof(engine_fields) / sizeof(engine_fields[0]));
    json_object_del(config, "Image");
    if ((hostname && strncmp(hostname, id, 12) == 0) || strncmp(mode, "container:", 10) == 0 ||
        strcmp(mode, "host") == 0)
        json_object_del(config, "Hostname");
    if (strncmp(mode, "container:", 10) == 0) /* an ID, rewritten to the same container's name */
        json_object_del(json_object_get(n, "HostConfig"), "NetworkMode");
    /* Binds gain the anonymous volumes, re-mounted by name; MountsNormal proves they are the same. */
    json_object_del(json_object_get(n, "HostConfig"), "Binds");
    env = json_object_get(config, "Env");
    json_array_foreach(env, i, labels) {
        if (strncmp(json_string_value(labels), "UKIYO_TEST_VERSION=v", 20) == 0) {
            snprintf(buf, sizeof(buf), "UKIYO_TEST_VERSION=%s", image_version);
            json_array_set_new(env, i, json_string(buf));
        }
    }
    labels = json_object_get(config, "Labels");
    if (json_object_get(labels, "org.example.version"))
        json_object_set_new(labels, "org.example.version", json_string(image_version));
    return n;
}

typedef struct {
    const char *word;
    const char *args; /* docker run options; %1$s is the first container's name, %2$s a network */
} fidelity_case;

static const fidelity_case fidelity_cases[] = {
    {"plain", ""},
    {"ports", "-p 127.0.0.1::8080 -p 127.0.0.1::9090/udp -p 127.0.0.1::7070/tcp"},
    {"env", "-e FOO=bar -e UKIYO_TEST_VERSION=override -e 'SPACED=a b c'"},
    {"named-volume", "-v %3$s-vol:/named"},
    {"anon-volume", "-v /anon"},
    {"bind", "-v /tmp/%3$s-bind:/bind:ro"},
    {"networks", "--network %2$s --network-alias web --network-alias api"},
    {"static-ip", "--network %2$s --ip %4$s"},
    {"mac", "--mac-address 02:42:ac:11:00:99"},
    {"healthcheck", "--health-cmd '/bin/busybox true' --health-interval 1s --health-retries 2"},
    {"no-healthcheck", "--no-healthcheck"},
    {"resources", "--memory 64m --memory-reservation 32m --cpus 0.5 --pids-limit 100 "
                  "--cpu-shares 512 --oom-score-adj 100"},
    {"caps", "--cap-add NET_ADMIN --cap-drop CHOWN --security-opt no-new-privileges"},
    {"user", "--user 1000:1000 --group-add 100"},
    {"entrypoint", "--entrypoint /bin/busybox ukiyo-placeholder httpd -f -p 8080 -h /www"},
    {"host-net", "--network host --entrypoint /bin/busybox ukiyo-placeholder sleep 3600"},
    {"none-net", "--network none"},
    {"restart", "--restart unless-stopped"},
    {"restart-on-failure", "--restart on-failure:3"},
    {"read-only", "--read-only --tmpfs /run:size=1m --tmpfs /tmp"},
    {"limits", "--ulimit nofile=1024:2048 --sysctl net.core.somaxconn=1024"},
    {"dns", "--add-host db.example:10.1.2.3 --dns 10.0.0.53 --dns-search example.com "
            "--dns-option ndots:2"},
    {"misc", "--init --workdir /tmp --hostname custom-host --domainname example.org "
             "--log-opt max-size=1m --log-opt max-file=2 --shm-size 16m"},
    {"compose-labels", "-l com.docker.compose.project=shop -l com.docker.compose.service=web "
                       "-l com.docker.compose.depends_on=db:service_started:false"},
    {"stop-signal", "--stop-signal SIGUSR1 --stop-timeout 2"},
    {"devices", "--device /dev/null:/dev/ukiyo-null:rw"},
    {"cmd", "ukiyo-placeholder"},
    {"links", "--link %1$s:upstream"},
    {"volumes-from", "--volumes-from %1$s:ro"},
    {"container-net", "--network container:%1$s --entrypoint /bin/busybox ukiyo-placeholder "
                      "sleep 3600"},
};

/* Expand a case's arguments: %1$s first container, %2$s network, %3$s unique word, %4$s IP. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static char *expand_case(const char *format, const char *first, const char *net,
                         const char *unique, const char *ip)
{
    char *args = NULL;
    ck_assert_int_ge(asprintf(&args, format, first, net, unique, ip), 0);
    return args;
}
#pragma GCC diagnostic pop

static char *case_args(const fidelity_case *c, const char *first, const char *net,
                       const char *unique, const char *ip, const char *ref)
{
    char *with_image = NULL;
    char *args = expand_case(c->args, first, net, unique, ip);
    static const char marker[] = "ukiyo-placeholder";
    size_t total = strlen(args);
    size_t options_len = total;
    char *command = NULL;

    for (size_t i = 0; i + sizeof(marker) - 1 <= total; i++)
        if (memcmp(args + i, marker, sizeof(marker) - 1) == 0) {
            options_len = i;
            break;
        }
    command = strdup(options_len < total ? args + options_len + sizeof(marker) - 1 : "");

    /* Cases that give a command put it after the image. */
    if (strcmp(c->word, "cmd") == 0) {
        free(command);
        command = strdup(" /bin/busybox httpd -f -p 8080 -h /www -v");
    }
    int len = asprintf(&with_image, "%.*s %s%s", (int)options_len, args, ref, command);
    free(command);
    ck_assert_int_ge(len, 0);
    free(args);
    return with_image;
}

START_TEST(update_keeps_every_setting_the_user_gave)
{
    size_t n = sizeof(fidelity_cases) / sizeof(fidelity_cases[0]);
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *net = test_unique_name("net");
    char *unique = test_unique_name("u");
    char subnet[32], ip[32];
    char **names = calloc(n, sizeof(*names));
    json_t **before = calloc(n, sizeof(*before));
    int octet = 10 + getpid() % 240;

    snprintf(subnet, sizeof(subnet), "10.213.%d.0/24", octet);
    snprintf(ip, sizeof(ip), "10.213.%d.77", octet);
    ck_assert_int_eq(test_sh(NULL, "docker network create --label ukiyo.test=1 --subnet %s %s "
                                   ">/dev/null && mkdir -p /tmp/%s-bind",
                             subnet, net, unique),
                     0);
    for (size_t i = 0; i < n; i++) {
        names[i] = test_unique_name(fidelity_cases[i].word);
        char *args = case_args(&fidelity_cases[i], names[0], net, unique, ip, ref);
        /* -d, name and label come first; docker run takes the rest as given. */
        char *out = NULL;
        int rc = test_sh(&out, "docker run -d --label ukiyo.test=1 --stop-timeout 1 --name %s %s "
                               "2>&1",
                         names[i], args);
        ck_assert_msg(rc == 0, "%s: docker run %s: %s", fidelity_cases[i].word, args, out);
        free(out);
        free(args);
    }
    /* A second network for the multi-network case, with an alias of its own. */
    char *net2 = test_unique_name("net2");
    ck_assert_int_eq(test_sh(NULL, "docker network create --label ukiyo.test=1 %s >/dev/null && "
                                   "docker network connect --alias second %s %s",
                             net2, net2, names[6]),
                     0);
    /* Data in the volumes, to find again afterwards. */
    ck_assert_int_eq(test_sh(NULL, "docker exec %s /bin/busybox sh -c 'echo kept > /named/f' && "
                                   "docker exec %s /bin/busybox sh -c 'echo kept > /anon/f && "
                                   "echo kept > /data/f'",
                             names[3], names[4]),
                     0);
    for (size_t i = 0; i < n; i++) {
        json_t *doc = inspect(names[i]);
        before[i] = normalise(doc, "v2");
        json_decref(doc);
    }

    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    for (size_t i = 0; i < n; i++) {
        ukiyo_update_result *r = update_with(names[i], UKIYO_STRATEGY_AUTO);
        /* Containers linked to or inside the first one were already recreated with it,
         * on the image its pull brought: for them, fresh is right. */
        ck_assert_msg(ukiyo_update_result_outcome(r) == UKIYO_OUTCOME_UPDATED ||
                          (ukiyo_update_result_outcome(r) == UKIYO_OUTCOME_FRESH &&
                           (strcmp(fidelity_cases[i].word, "links") == 0 ||
                            strcmp(fidelity_cases[i].word, "container-net") == 0)),
                      "%s: %s: %s",
                      fidelity_cases[i].word,
                      ukiyo_update_outcome_name(ukiyo_update_result_outcome(r)),
                      ukiyo_update_result_reason(r) ? ukiyo_update_result_reason(r) : "");
        ukiyo_update_result_free(r);
    }
    for (size_t i = 0; i < n; i++) {
        json_t *doc = inspect(names[i]);
        json_t *after = normalise(doc, "v2");
        if (!json_equal(before[i], after)) {
            char *a = json_dumps(before[i], JSON_SORT_KEYS | JSON_INDENT(1));
            char *b = json_dumps(after, JSON_SORT_KEYS | JSON_INDENT(1));
            FILE *f = fopen("/tmp/ukiyo-fidelity-before.json", "w");
            fputs(a, f);
            fclose(f);
            f = fopen("/tmp/ukiyo-fidelity-after.json", "w");
            fputs(b, f);
            fclose(f);
            ck_abort_msg("%s: the recreated container differs (see /tmp/ukiyo-fidelity-*.json)",
                         fidelity_cases[i].word);
        }
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "State"),
                                                           "Status")),
                         "running");
        ck_assert_int_eq(test_sh(NULL, "docker inspect --format '{{.Config.Env}}' %s | grep -q "
                                       "-e UKIYO_TEST_VERSION=v2 -e UKIYO_TEST_VERSION=override",
                                 names[i]),
                         0); /* on the v2 image */
        assert_one_container_named(names[i]);
        json_decref(after);
        json_decref(doc);
        json_decref(before[i]);
    }
    char *out = served(names[0]);
    ck_assert_str_eq(out, "v2\n");
    free(out);
    ck_assert_int_eq(test_sh(&out, "docker exec %s /bin/busybox cat /named/f /anon/f /data/f",
                             names[3]),
                     1); /* /anon and /data are not in the named-volume container */
    free(out);
    ck_assert_int_eq(test_sh(&out, "docker exec %s /bin/busybox cat /named/f", names[3]), 0);
    ck_assert_str_eq(out, "kept\n");
    free(out);
    ck_assert_int_eq(test_sh(&out, "docker exec %s /bin/busybox cat /anon/f /data/f", names[4]),
                     0);
    ck_assert_str_eq(out, "kept\nkept\n");
    free(out);

    test_sh(NULL, "docker rm -f %s >/dev/null 2>&1; docker network rm %s %s >/dev/null 2>&1; "
                  "rm -rf /tmp/%s-bind; docker volume rm %s-vol >/dev/null 2>&1",
            names[6], net, net2, unique, unique);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(before);
    free(net);
    free(net2);
    free(unique);
    free(ref);
    free(repo);
}
END_TEST


/* ---- rollback ------------------------------------------------------ */

static char *container_id(const char *name)
{
    json_t *doc = inspect(name);
    char *id = strdup(json_string_value(json_object_get(doc, "Id")));
    json_decref(doc);
    return id;
}

/* A v1 container; then @bad pushed as its next image; update; it must roll back. */
static void expect_rollback(const char *bad_local, const char *reason_words)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *name = test_unique_name("rollback");
    char *out = NULL;

    ck_assert_int_eq(test_sh(NULL, "docker run -d --label ukiyo.test=1 --stop-timeout 1 "
                                   "--name %s %s >/dev/null", name, ref), 0);
    char *before = container_id(name);
    free(test_push(bad_local, repo, "latest"));
    ukiyo_update_result *r = update_with(name, UKIYO_STRATEGY_AUTO);
    ck_assert_msg(ukiyo_update_result_outcome(r) == UKIYO_OUTCOME_ROLLED_BACK, "outcome %s: %s",
                  ukiyo_update_outcome_name(ukiyo_update_result_outcome(r)),
                  ukiyo_update_result_reason(r));
    ck_assert_msg(strstr(ukiyo_update_result_reason(r), reason_words), "reason: %s",
                  ukiyo_update_result_reason(r));
    ck_assert_str_eq(ukiyo_update_result_container_id(r), before);
    ukiyo_update_result_free(r);
    /* The old container is back: same one, its name, running, serving v1. */
    char *after = container_id(name);
    ck_assert_str_eq(after, before);
    out = served(name);
    ck_assert_str_eq(out, "v1\n");
    assert_one_container_named(name);

    ukiyo_history *h = NULL;
    ck_assert_int_eq(ukiyo_store_history(ukiyo_get_store(u), &h, name, 0, 10), 0);
    ck_assert_uint_eq(ukiyo_history_count(h), 1);
    ck_assert_str_eq(ukiyo_history_entry_outcome(ukiyo_history_get(h, 0)), "rolled-back");
    ck_assert_ptr_nonnull(strstr(ukiyo_history_entry_reason(ukiyo_history_get(h, 0)),
                                 reason_words));
    ukiyo_history_free(h);
    free(out);
    free(after);
    free(before);
    free(name);
    free(ref);
    free(repo);
}

START_TEST(a_new_image_that_exits_at_once_is_rolled_back)
{
    expect_rollback("ukiyo-test/exits:latest", "exit code 3");
}
END_TEST

START_TEST(a_new_image_whose_healthcheck_fails_is_rolled_back)
{
    expect_rollback("ukiyo-test/unhealthy:latest", "unhealthy");
}
END_TEST

START_TEST(a_new_image_that_cannot_start_is_rolled_back)
{
    char *local = test_unique_name("nostart");
    ck_assert_int_eq(test_sh(NULL, "printf 'FROM ukiyo-test/http:v1\\nCMD [\"/no/such/binary\"]\\n' | "
                                   "DOCKER_BUILDKIT=0 docker build -q -t %s:bad - >/dev/null",
                             local),
                     0);
    char tag[300];
    snprintf(tag, sizeof(tag), "%s:bad", local);
    expect_rollback(tag, "no such file");
    free(local);
}
END_TEST

START_TEST(a_failed_pull_stops_nothing)
{
    char *name = test_unique_name("nopull");
    char ref[128];

    /* An image whose registry does not answer. */
    snprintf(ref, sizeof(ref), "127.0.0.1:1/ukiyo-test/%d:v1", (int)getpid());
    ck_assert_int_eq(test_sh(NULL, "docker tag ukiyo-test/http:v1 %s && docker run -d --label "
                                   "ukiyo.test=1 --name %s %s >/dev/null && docker rmi %s "
                                   ">/dev/null 2>&1; true",
                             ref, name, ref, ref),
                     0);
    char *before = container_id(name);
    ukiyo_update_result *r = update_with(name, UKIYO_STRATEGY_AUTO);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_FAILED);
    ck_assert_ptr_nonnull(strstr(ukiyo_update_result_reason(r), "127.0.0.1:1"));
    ukiyo_update_result_free(r);
    char *after = container_id(name);
    ck_assert_str_eq(after, before);
    json_t *doc = inspect(name);
    ck_assert(json_is_true(json_object_get(json_object_get(doc, "State"), "Running")));
    json_decref(doc);
    free(after);
    free(before);
    free(name);
}
END_TEST

START_TEST(nothing_to_do_and_bad_input)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *fresh = test_unique_name("fresh");
    char *watch = test_unique_name("watch");
    char *pinned = test_unique_name("pinned");
    char *by_id = test_unique_name("byid");
    char *digest = NULL;
    ukiyo_update_result *r = NULL;

    ck_assert_int_eq(test_sh(NULL, "docker run -d --label ukiyo.test=1 --name %s %s >/dev/null && "
                                   "docker run -d --label ukiyo.test=1 -l ukiyo.monitor-only=true "
                                   "--name %s %s >/dev/null",
                             fresh, ref, watch, ref),
                     0);
    ck_assert_int_eq(test_sh(&digest, "docker inspect --format '{{index .RepoDigests 0}}' %s | "
                                      "tr -d '\\n'", ref), 0);
    ck_assert_int_eq(test_sh(NULL, "docker run -d --label ukiyo.test=1 --name %s %s >/dev/null && "
                                   "docker run -d --label ukiyo.test=1 --name %s $(docker inspect "
                                   "--format '{{.Id}}' ukiyo-test/http:v1) >/dev/null",
                             pinned, digest, by_id),
                     0);
    r = update_with(fresh, UKIYO_STRATEGY_AUTO);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_FRESH);
    ukiyo_update_result_free(r);

    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    ukiyo_update_options dry = UKIYO_UPDATE_OPTIONS_INIT;
    dry.dry_run = 1;
    char *before = container_id(fresh);
    ck_assert_int_eq(ukiyo_update(u, fresh, &dry, &r), 0);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_PLANNED);
    ukiyo_update_result_free(r);
    char *after = container_id(fresh);
    ck_assert_str_eq(after, before); /* a dry run changes nothing */

    r = update_with(watch, UKIYO_STRATEGY_AUTO);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_SKIPPED);
    ck_assert_str_eq(ukiyo_update_result_reason(r), "monitor-only");
    ukiyo_update_result_free(r);
    r = update_with(pinned, UKIYO_STRATEGY_AUTO);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_SKIPPED);
    ck_assert_ptr_nonnull(strstr(ukiyo_update_result_reason(r), "pinned"));
    ukiyo_update_result_free(r);
    r = update_with(by_id, UKIYO_STRATEGY_AUTO);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_SKIPPED);
    ck_assert_ptr_nonnull(strstr(ukiyo_update_result_reason(r), "image ID"));
    ukiyo_update_result_free(r);
    r = NULL;
    ck_assert_int_eq(ukiyo_update(u, "ukiyo-test-no-such-container", NULL, &r), UKIYO_ENOTFOUND);
    ck_assert_ptr_null(r);
    free(before);
    free(after);
    free(digest);
    free(fresh);
    free(watch);
    free(pinned);
    free(by_id);
    free(ref);
    free(repo);
}
END_TEST

START_TEST(rollback_returns_to_the_previous_image)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *name = test_unique_name("back");
    ukiyo_update_options opts = UKIYO_UPDATE_OPTIONS_INIT;
    ukiyo_update_result *r = NULL;
    char *out;

    opts.min_uptime_s = 1;
    ck_assert_int_eq(test_sh(NULL, "docker run -d --label ukiyo.test=1 --stop-timeout 1 --name %s "
                                   "%s >/dev/null", name, ref), 0);
    ck_assert_int_eq(ukiyo_rollback(u, name, &opts, &r), UKIYO_ENOTFOUND); /* no earlier image */
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    r = update_with(name, UKIYO_STRATEGY_AUTO);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_UPDATED);
    ukiyo_update_result_free(r);
    out = served(name);
    ck_assert_str_eq(out, "v2\n");
    free(out);
    ck_assert_msg(ukiyo_rollback(u, name, &opts, &r) == 0, "%s", ukiyo_error_last());
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_UPDATED);
    ukiyo_update_result_free(r);
    out = served(name);
    ck_assert_str_eq(out, "v1\n");
    free(out);
    json_t *doc = inspect(name);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "Config"), "Image")),
                     ref); /* still the same reference */
    json_decref(doc);
    assert_one_container_named(name);
    free(name);
    free(ref);
    free(repo);
}
END_TEST

/* ---- crash safety -------------------------------------------------- */

static void crash_at(const char *step, const char *strategy, bool expect_new)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *name = test_unique_name("crash");
    char *out = NULL;

    ck_assert_int_eq(test_sh(NULL, "docker run -d --label ukiyo.test=1 --stop-timeout 1 "
                                   "--name %s %s >/dev/null", name, ref), 0);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    int rc = test_sh(&out, "UKIYO_TEST_CRASH_AT=%s \"$UKIYOCTL\" --db %s update --strategy %s "
                           "--min-uptime 1 %s 2>&1",
                     step, db_path, strategy, name);
    ck_assert_msg(rc != 0, "ukiyoctl was not stopped at %s: %s", step, out);
    free(out);
    rc = test_sh(&out, "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" --db %s reconcile 2>&1", db_path);
    ck_assert_msg(rc == 0, "reconcile after %s: %s", step, out);
    ck_assert_msg(strstr(out, "reconciled 1 "), "after %s: %s", step, out);
    free(out);
    assert_one_container_named(name);
    json_t *doc = inspect(name);
    ck_assert_msg(json_is_true(json_object_get(json_object_get(doc, "State"), "Running")),
                  "%s: not running after reconcile", step);
    json_decref(doc);
    out = served(name);
    ck_assert_msg(strcmp(out, expect_new ? "v2\n" : "v1\n") == 0, "after a crash at %s (%s): "
                  "serves %s", step, strategy, out);
    free(out);
    free(name);
    free(ref);
    free(repo);
}

static const struct {
    const char *step;
    const char *strategy;
    bool committed;
} crash_points[] = {
    {"planned", "stop-first", false},     {"create", "stop-first", false},
    {"stop-old", "stop-first", false},    {"rename-old", "stop-first", false},
    {"rename-new", "stop-first", false},  {"start-new", "stop-first", false},
    {"health", "stop-first", false},      {"commit", "stop-first", true},
    {"remove-old", "stop-first", true},   {"start-new", "start-first", false},
    {"health", "start-first", false},     {"commit", "start-first", true},
    {"stop-old", "start-first", true},    {"rename-old", "start-first", true},
    {"rename-new", "start-first", true},  {"remove-old", "start-first", true},
};

START_TEST(a_crash_at_any_step_is_reconciled)
{
    crash_at(crash_points[_i].step, crash_points[_i].strategy, crash_points[_i].committed);
}
END_TEST

/* ---- start-first ---------------------------------------------------- */

/* Update a container a prober keeps asking; returns the prober's log (new). */
static char *probe_an_update(ukiyo_strategy strategy)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *net = test_unique_name("sfnet");
    char *web = test_unique_name("web");
    char *prober = test_unique_name("prober");
    char *logs = NULL;

    ck_assert_int_eq(test_sh(NULL, "docker network create --label ukiyo.test=1 %s >/dev/null && "
                                   "docker run -d --label ukiyo.test=1 -l ukiyo.strategy=start-first "
                                   "--stop-timeout 1 --network %s --network-alias web --name %s %s "
                                   ">/dev/null",
                             net, net, web, ref),
                     0);
    /* Each request resolves the service's name afresh, as a client without a DNS cache does. */
    ck_assert_int_eq(test_sh(NULL, "docker run -d --label ukiyo.test=1 --network %s --name %s "
                                   "ukiyo-test/http:v1 /bin/sh -c 'while true; do "
                                   "timeout 2 wget -q -O- http://%s:8080/ || echo FAIL; "
                                   "sleep 0.05; done' >/dev/null",
                             net, prober, web),
                     0);
    sleep(1);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    ukiyo_update_result *r = update_with(web, strategy);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_UPDATED);
    ck_assert_str_eq(ukiyo_update_result_strategy(r), strategy == UKIYO_STRATEGY_STOP_FIRST
                                                          ? "stop-first"
                                                          : "start-first");
    ukiyo_update_result_free(r);
    sleep(1);
    ck_assert_int_eq(test_sh(&logs, "docker logs %s 2>&1", prober), 0);
    ck_assert_msg(strstr(logs, "v1") && strstr(logs, "v2"), "the prober saw: %.300s", logs);
    /* The network alias followed the update too. */
    char *by_alias = NULL;
    ck_assert_int_eq(test_sh(&by_alias, "docker exec %s wget -q -O- http://web:8080/", prober), 0);
    ck_assert_str_eq(by_alias, "v2\n");
    free(by_alias);
    test_sh(NULL, "docker rm -f %s %s >/dev/null; docker network rm %s >/dev/null", prober, web,
            net);
    free(net);
    free(web);
    free(prober);
    free(ref);
    free(repo);
    return logs;
}

/* GCC 12 takes the strstr() result below for a dangling pointer; it is not. */
#pragma GCC diagnostic ignored "-Wdangling-pointer"
START_TEST(start_first_fails_no_request)
{
    char *logs = probe_an_update(UKIYO_STRATEGY_AUTO); /* the label asks for start-first */
    const char *fail = strstr(logs, "FAIL");
    bool failed = fail != NULL;
    size_t at = failed ? (size_t)(fail - logs) : 0;

    for (char *p = logs; *p; p++)
        if (*p == '\n')
            *p = '|';
    ck_assert_msg(!failed, "a request failed during the update: ...%.300s",
                  logs + (at > 200 ? at - 200 : 0));
    free(logs);
}
END_TEST

START_TEST(the_prober_sees_an_outage)
{
    /* The same prober does report failures when the service is down: it is not blind. */
    char *net = test_unique_name("pnet");
    char *web = test_unique_name("web");
    char *prober = test_unique_name("prober");
    char *logs = NULL;

    ck_assert_int_eq(test_sh(NULL, "docker network create --label ukiyo.test=1 %s >/dev/null && "
                                   "docker run -d --label ukiyo.test=1 --network %s --name %s "
                                   "ukiyo-test/http:v1 >/dev/null && "
                                   "docker run -d --label ukiyo.test=1 --network %s --name %s "
                                   "ukiyo-test/http:v1 /bin/sh -c 'while true; do "
                                   "timeout 2 wget -q -O- http://%s:8080/ || echo FAIL; "
                                   "sleep 0.05; done' >/dev/null",
                             net, net, web, net, prober, web),
                     0);
    sleep(1);
    ck_assert_int_eq(test_sh(NULL, "docker kill %s >/dev/null", web), 0);
    sleep(3); /* a request to the vanished address gives up after its 2 s timeout */
    ck_assert_int_eq(test_sh(&logs, "docker logs %s 2>&1", prober), 0);
    ck_assert_msg(strstr(logs, "v1") && strstr(logs, "FAIL"), "the prober saw: %.200s", logs);
    free(logs);
    test_sh(NULL, "docker rm -f %s %s >/dev/null; docker network rm %s >/dev/null", prober, web,
            net);
    free(net);
    free(web);
    free(prober);
}
END_TEST

START_TEST(start_first_is_refused_with_host_ports)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *name = test_unique_name("ports");

    ck_assert_int_eq(test_sh(NULL, "docker run -d --label ukiyo.test=1 --stop-timeout 1 "
                                   "-p 127.0.0.1::8080 --name %s %s >/dev/null", name, ref), 0);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    ukiyo_update_result *r = update_with(name, UKIYO_STRATEGY_START_FIRST);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_UPDATED);
    ck_assert_str_eq(ukiyo_update_result_strategy(r), "stop-first");
    ukiyo_update_result_free(r);
    free(name);
    free(ref);
    free(repo);
}
END_TEST

/* ---- several containers --------------------------------------------- */

static bool comes_before(ukiyo_string_list *order, const char *a, const char *b)
{
    size_t ia = SIZE_MAX, ib = SIZE_MAX;
    for (size_t i = 0; i < ukiyo_string_list_count(order); i++) {
        if (strcmp(ukiyo_string_list_get(order, i), a) == 0)
            ia = i;
        if (strcmp(ukiyo_string_list_get(order, i), b) == 0)
            ib = i;
    }
    return ia != SIZE_MAX && ib != SIZE_MAX && ia < ib;
}

START_TEST(update_order_follows_dependencies)
{
    char *db = test_unique_name("db"), *app = test_unique_name("app");
    char *side = test_unique_name("side"), *worker = test_unique_name("worker");
    char *web = test_unique_name("web"), *c1 = test_unique_name("c1"), *c2 = test_unique_name("c2");
    ukiyo_string_list *order = NULL;

    ck_assert_int_eq(test_sh(NULL,
        "docker run -d --label ukiyo.test=1 --name %s ukiyo-test/http:v1 >/dev/null && "
        "docker run -d --label ukiyo.test=1 --link %s:database --name %s ukiyo-test/http:v1 >/dev/null && "
        "docker run -d --label ukiyo.test=1 --network container:%s --name %s ukiyo-test/http:v1 "
        "/bin/busybox sleep 3600 >/dev/null && "
        "docker run -d --label ukiyo.test=1 -l ukiyo.depends-on=%s --name %s ukiyo-test/http:v1 >/dev/null && "
        "docker run -d --label ukiyo.test=1 -l com.docker.compose.project=%s -l com.docker.compose.service=web "
        "-l com.docker.compose.depends_on=db:service_started:false --name %s ukiyo-test/http:v1 >/dev/null",
        db, db, app, app, side, app, worker, db, web), 0);
    /* The compose service "db" of the same project: give db the labels by recreating it. */
    ck_assert_int_eq(test_sh(NULL, "docker rm -f %s >/dev/null && docker run -d --label ukiyo.test=1 "
                                   "-l com.docker.compose.project=%s -l com.docker.compose.service=db "
                                   "--name %s ukiyo-test/http:v1 >/dev/null", db, db, db), 0);
    const char *names[] = {worker, side, web, app, db};
    ck_assert_msg(ukiyo_update_order(u, names, 5, &order) == 0, "%s", ukiyo_error_last());
    ck_assert_uint_eq(ukiyo_string_list_count(order), 5);
    ck_assert(comes_before(order, db, app));       /* link */
    ck_assert(comes_before(order, app, side));     /* container: network mode */
    ck_assert(comes_before(order, app, worker));   /* ukiyo.depends-on */
    ck_assert(comes_before(order, db, web));       /* compose depends_on */
    ukiyo_string_list_free(order);

    char cycle_a[200], cycle_b[200];
    snprintf(cycle_a, sizeof(cycle_a), "-l ukiyo.depends-on=%s", c2);
    snprintf(cycle_b, sizeof(cycle_b), "-l ukiyo.depends-on=%s", c1);
    ck_assert_int_eq(test_sh(NULL, "docker create --label ukiyo.test=1 %s --name %s ukiyo-test/http:v1 "
                                   ">/dev/null && docker create --label ukiyo.test=1 %s --name %s "
                                   "ukiyo-test/http:v1 >/dev/null", cycle_a, c1, cycle_b, c2), 0);
    const char *cyclic[] = {c1, c2};
    order = NULL;
    ck_assert_int_eq(ukiyo_update_order(u, cyclic, 2, &order), UKIYO_ECONFLICT);
    ck_assert_ptr_null(order);
    ck_assert_ptr_nonnull(strstr(ukiyo_error_last(), "cycle"));
    const char *unknown[] = {"ukiyo-test-no-such-container"};
    ck_assert_int_eq(ukiyo_update_order(u, unknown, 1, &order), UKIYO_ENOTFOUND);
    free(db); free(app); free(side); free(worker); free(web); free(c1); free(c2);
}
END_TEST

START_TEST(containers_in_an_updated_namespace_follow_it)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *app = test_unique_name("app"), *side = test_unique_name("side");
    char *out = NULL;

    ck_assert_int_eq(test_sh(NULL, "docker run -d --label ukiyo.test=1 --stop-timeout 1 --name %s %s "
                                   ">/dev/null && docker run -d --label ukiyo.test=1 --stop-timeout 1 "
                                   "--network container:%s --name %s ukiyo-test/http:v1 "
                                   "/bin/busybox sleep 3600 >/dev/null", app, ref, app, side), 0);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    ukiyo_update_result *r = update_with(app, UKIYO_STRATEGY_AUTO);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_UPDATED);
    ukiyo_update_result_free(r);
    /* The sidecar was recreated into the new app's network namespace. */
    ck_assert_int_eq(test_sh(&out, "docker exec %s /bin/busybox wget -q -O- http://127.0.0.1:8080/",
                             side), 0);
    ck_assert_str_eq(out, "v2\n");
    free(out);
    assert_one_container_named(side);
    free(app); free(side); free(ref); free(repo);
}
END_TEST

/* Build an image with a layer of its own from @base, pushed as @repo:latest; its ID (new). */
static char *push_unique(const char *base, const char *repo)
{
    char *tag = test_unique_name("uniq");
    char *id = NULL;

    ck_assert_int_eq(test_sh(NULL, "printf 'FROM %s\\nRUN echo %s > /unique\\n' | DOCKER_BUILDKIT=0 "
                                   "docker build -q -t %s:x - >/dev/null", base, tag, tag), 0);
    char local[300];
    snprintf(local, sizeof(local), "%s:x", tag);
    free(test_push(local, repo, "latest"));
    ck_assert_int_eq(test_sh(&id, "docker inspect --format '{{.Id}}' %s | tr -d '\\n'", local), 0);
    /* Only the registry's tag refers to it now. */
    ck_assert_int_eq(test_sh(NULL, "docker rmi %s >/dev/null", local), 0);
    free(tag);
    return id;
}

START_TEST(cleanup_removes_the_image_two_updates_back)
{
    char *name_part = test_unique_name("clean");
    char repo[300], ref[400];
    ukiyo_update_options opts = UKIYO_UPDATE_OPTIONS_INIT;
    ukiyo_update_result *r = NULL;

    snprintf(repo, sizeof(repo), "ukiyo-test/%s", name_part);
    snprintf(ref, sizeof(ref), "%s/%s:latest", test_registry(), repo);
    char *first = push_unique("ukiyo-test/http:v1", repo);
    ck_assert_int_eq(test_sh(NULL, "docker run -d --label ukiyo.test=1 --stop-timeout 1 --name %s "
                                   "%s >/dev/null", name_part, ref), 0);
    opts.cleanup = 1;
    opts.min_uptime_s = 1;
    char *second = push_unique("ukiyo-test/http:v2", repo);
    ck_assert_int_eq(ukiyo_update(u, name_part, &opts, &r), 0);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_UPDATED);
    ukiyo_update_result_free(r);
    /* One update back: kept for rollback. */
    ck_assert_int_eq(test_sh(NULL, "docker image inspect %s >/dev/null 2>&1", first), 0);
    char *third = push_unique("ukiyo-test/http:v1", repo);
    ck_assert_int_eq(ukiyo_update(u, name_part, &opts, &r), 0);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_UPDATED);
    ukiyo_update_result_free(r);
    ck_assert_int_ne(test_sh(NULL, "docker image inspect %s >/dev/null 2>&1", first), 0);
    ck_assert_int_eq(test_sh(NULL, "docker image inspect %s >/dev/null 2>&1", second), 0);
    test_sh(NULL, "docker rm -f %s >/dev/null; docker rmi %s %s %s >/dev/null 2>&1", name_part,
            ref, second, third);
    free(first); free(second); free(third); free(name_part);
}
END_TEST

START_TEST(ukiyoctl_update_reports_each_container)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *a = test_unique_name("a"), *b = test_unique_name("b");
    char *out = NULL;

    ck_assert_int_eq(test_sh(NULL, "docker run -d --label ukiyo.test=1 --stop-timeout 1 --name %s %s "
                                   ">/dev/null && docker run -d --label ukiyo.test=1 --stop-timeout 1 "
                                   "--link %s:upstream --name %s %s >/dev/null", a, ref, a, b, ref), 0);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    int rc = test_sh(&out, "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" --db %s update --json "
                           "--min-uptime 1 %s %s", db_path, b, a);
    ck_assert_msg(rc == 0, "ukiyoctl update: %d: %s", rc, out);
    json_t *doc = json_loads(out, 0, NULL);
    ck_assert_msg(json_array_size(doc) == 2, "%s", out);
    /* a first: b links to it. */
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(doc, 0), "name")), a);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(doc, 0), "outcome")), "updated");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(doc, 1), "name")), b);
    json_decref(doc);
    free(out);
    rc = test_sh(&out, "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" --db %s history %s", db_path, a);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "updated"));
    free(out);
    rc = test_sh(&out, "\"$UKIYOCTL\" --db %s update 2>&1", db_path);
    ck_assert_int_eq(rc, 2); /* neither names nor --all */
    free(out);
    free(a); free(b); free(ref); free(repo);
}
END_TEST

START_TEST(an_engine_gone_mid_update_is_reconciled_when_it_returns)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/http:v1", &repo);
    char *name = test_unique_name("gone");
    engine_proxy *proxy = engine_proxy_start();
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    ukiyo *through_proxy = NULL;
    ukiyo_update_result *r = NULL;
    unsigned fixed = 0;

    ck_assert_ptr_nonnull(proxy);
    ck_assert_int_eq(test_sh(NULL, "docker run -d --label ukiyo.test=1 --stop-timeout 1 --name %s "
                                   "%s >/dev/null", name, ref), 0);
    char *before = container_id(name);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    opts.db_path = db_path;
    opts.docker_host = engine_proxy_host(proxy);
    opts.timeout_ms = 3000;
    ck_assert_int_eq(ukiyo_open(&through_proxy, &opts), 0);
    /* The engine vanishes when the new container is to start: the old one is stopped by then. */
    engine_proxy_vanish_at(proxy, "/start");
    ukiyo_update_options uo = UKIYO_UPDATE_OPTIONS_INIT;
    uo.min_uptime_s = 1;
    ck_assert_int_eq(ukiyo_update(through_proxy, name, &uo, &r), 0);
    ck_assert_int_eq(ukiyo_update_result_outcome(r), UKIYO_OUTCOME_FAILED);
    ck_assert_msg(strstr(ukiyo_update_result_reason(r), "reconcile"), "%s",
                  ukiyo_update_result_reason(r));
    ukiyo_update_result_free(r);
    ukiyo_close(through_proxy);
    engine_proxy_stop(proxy);

    /* The engine is back (the real socket): reconcile puts the old container back. */
    ck_assert_msg(ukiyo_reconcile(u, &fixed) == 0, "%s", ukiyo_error_last());
    ck_assert_uint_eq(fixed, 1);
    assert_one_container_named(name);
    char *after = container_id(name);
    ck_assert_str_eq(after, before);
    char *out = served(name);
    ck_assert_str_eq(out, "v1\n");
    free(out);
    free(after);
    free(before);
    free(name);
    free(ref);
    free(repo);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("update");
    TCase *fidelity = tcase_create("fidelity");

    tcase_add_checked_fixture(fidelity, setup, teardown);
    tcase_set_timeout(fidelity, 900);
    tcase_add_test(fidelity, update_keeps_every_setting_the_user_gave);
    suite_add_tcase(s, fidelity);

    TCase *rollback = tcase_create("rollback");
    tcase_add_checked_fixture(rollback, setup, teardown);
    tcase_set_timeout(rollback, 300);
    tcase_add_test(rollback, a_new_image_that_exits_at_once_is_rolled_back);
    tcase_add_test(rollback, a_new_image_whose_healthcheck_fails_is_rolled_back);
    tcase_add_test(rollback, a_new_image_that_cannot_start_is_rolled_back);
    tcase_add_test(rollback, a_failed_pull_stops_nothing);
    tcase_add_test(rollback, nothing_to_do_and_bad_input);
    tcase_add_test(rollback, rollback_returns_to_the_previous_image);
    tcase_add_test(rollback, an_engine_gone_mid_update_is_reconciled_when_it_returns);
    suite_add_tcase(s, rollback);

    TCase *crash = tcase_create("crash");
    tcase_add_checked_fixture(crash, setup, teardown);
    tcase_set_timeout(crash, 300);
    tcase_add_loop_test(crash, a_crash_at_any_step_is_reconciled, 0,
                        (int)(sizeof(crash_points) / sizeof(crash_points[0])));
    suite_add_tcase(s, crash);

    TCase *start_first = tcase_create("start-first");
    tcase_add_checked_fixture(start_first, setup, teardown);
    tcase_set_timeout(start_first, 300);
    tcase_add_test(start_first, start_first_fails_no_request);
    tcase_add_test(start_first, start_first_is_refused_with_host_ports);
    tcase_add_test(start_first, the_prober_sees_an_outage);
    suite_add_tcase(s, start_first);

    TCase *several = tcase_create("several");
    tcase_add_checked_fixture(several, setup, teardown);
    tcase_set_timeout(several, 300);
    tcase_add_test(several, update_order_follows_dependencies);
    tcase_add_test(several, containers_in_an_updated_namespace_follow_it);
    tcase_add_test(several, cleanup_removes_the_image_two_updates_back);
    tcase_add_test(several, ukiyoctl_update_reports_each_container);
    suite_add_tcase(s, several);
    return test_run_suite(s);
}
