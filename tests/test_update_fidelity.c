/*
 * test_update_fidelity.c - an update keeps every setting the user gave: 30
 * containers, each with another mix of settings, compared (normalised
 * inspect documents) before and after an update to v2, and the data in
 * their volumes still there.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ukiyo.h>

#include "testlib.h"
#include "update_helpers.h"

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
                            json_pack("{s:O, s:o, s:O, s:s?}", "IPAMConfig",
                                      ipam ? ipam : json_null(), "Aliases", sorted_strings(aliases),
                                      "Links",
                                      json_object_get(settings, "Links")
                                          ? json_object_get(settings, "Links")
                                          : json_null(),
                                      "IPAddress",
                                      json_object_size(ipam)
                                          ? json_string_value(
                                                json_object_get(settings, "IPAddress"))
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
    static const char *const engine_fields[] =
        {"Id",           "Created",    "Image",        "State",           "ResolvConfPath",
         "HostnamePath", "HostsPath",  "LogPath",      "RestartCount",    "Driver",
         "Platform",     "MountLabel", "ProcessLabel", "AppArmorProfile", "ExecIDs",
         "GraphDriver",  "SizeRw",     "SizeRootFs",   "NetworkSettings", "Mounts",
         "Args",         "Path"};
    json_t *n = json_deep_copy(doc);
    json_t *config = json_object_get(n, "Config"), *env, *labels;
    const char *id = json_string_value(json_object_get(doc, "Id"));
    const char *hostname = json_string_value(json_object_get(config, "Hostname"));
    const char *mode =
        json_string_value(json_object_get(json_object_get(doc, "HostConfig"), "NetworkMode"));
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
    /* Binds gain the anonymous volumes, re-mounted by name; MountsNormal proves they are the same.
     */
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
static char *expand_case(const char *format, const char *first, const char *net, const char *unique,
                         const char *ip)
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
    ck_assert_int_eq(test_sh(NULL,
                             "docker network create --label ukiyo.test=1 --subnet %s %s "
                             ">/dev/null && mkdir -p /tmp/%s-bind",
                             subnet, net, unique),
                     0);
    for (size_t i = 0; i < n; i++) {
        names[i] = test_unique_name(fidelity_cases[i].word);
        char *args = case_args(&fidelity_cases[i], names[0], net, unique, ip, ref);
        /* -d, name and label come first; docker run takes the rest as given. */
        char *out = NULL;
        int rc = test_sh(&out,
                         "docker run -d --label ukiyo.test=1 --stop-timeout 1 --name %s %s "
                         "2>&1",
                         names[i], args);
        ck_assert_msg(rc == 0, "%s: docker run %s: %s", fidelity_cases[i].word, args, out);
        free(out);
        free(args);
    }
    /* A second network for the multi-network case, with an alias of its own. */
    char *net2 = test_unique_name("net2");
    ck_assert_int_eq(test_sh(NULL,
                             "docker network create --label ukiyo.test=1 %s >/dev/null && "
                             "docker network connect --alias second %s %s",
                             net2, net2, names[6]),
                     0);
    /* Data in the volumes, to find again afterwards. */
    ck_assert_int_eq(test_sh(NULL,
                             "docker exec %s /bin/busybox sh -c 'echo kept > /named/f' && "
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
                      "%s: %s: %s", fidelity_cases[i].word,
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
        ck_assert_str_eq(json_string_value(
                             json_object_get(json_object_get(doc, "State"), "Status")),
                         "running");
        ck_assert_int_eq(test_sh(NULL,
                                 "docker inspect --format '{{.Config.Env}}' %s | grep -q "
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
    ck_assert_int_eq(test_sh(&out, "docker exec %s /bin/busybox cat /anon/f /data/f", names[4]), 0);
    ck_assert_str_eq(out, "kept\nkept\n");
    free(out);

    test_remove_containers(names[6]);
    test_sh(NULL,
            "docker network rm %s %s >/dev/null 2>&1; rm -rf /tmp/%s-bind; "
            "docker volume rm %s-vol >/dev/null 2>&1",
            net, net2, unique, unique);
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

/*
 * The engine merges a partly given healthcheck with the image's, field by
 * field. An update to a release with another HEALTHCHECK must end where
 * "docker run" with the same flags on the new image ends: the given fields
 * kept, every other one the new image's.
 */
START_TEST(a_partly_given_healthcheck_takes_the_new_images_other_fields)
{
    char *repo = NULL, *ref = push_repo("ukiyo-test/healthy:v1", &repo);
    char *name = test_unique_name("hc"), *twin = test_unique_name("hctwin");
    char *dir = test_unique_name("hcbuild"), *local = test_unique_name("hcimage");
    static const char flags[] = "--health-interval 2s --health-retries 4";

    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --stop-timeout 1 --name %s %s %s "
                             ">/dev/null",
                             name, flags, ref),
                     0);
    /* The next release: the same server, another Test, Timeout and StartPeriod. */
    ck_assert_int_eq(
        test_sh(NULL,
                "mkdir -p /tmp/%s && printf 'FROM ukiyo-test/healthy:v2\nHEALTHCHECK "
                "--interval=3s --timeout=4s --start-period=2s --retries=5 CMD "
                "[\"/bin/busybox\", \"wget\", \"-q\", \"-O\", \"/dev/null\", "
                "\"http://127.0.0.1:8080/index.html\"]\n' > /tmp/%s/Dockerfile && "
                "DOCKER_BUILDKIT=0 docker build -q --label ukiyo.test=1 -t %s:latest /tmp/%s "
                ">/dev/null; rc=$?; rm -rf /tmp/%s; exit $rc",
                dir, dir, local, dir, dir),
        0);
    char local_ref[300];
    snprintf(local_ref, sizeof(local_ref), "%s:latest", local);
    free(test_push(local_ref, repo, "latest"));

    ukiyo_update_result *r = update_with(name, UKIYO_STRATEGY_STOP_FIRST);
    ck_assert_str_eq(ukiyo_update_outcome_name(ukiyo_update_result_outcome(r)), "updated");
    ukiyo_update_result_free(r);
    /* What docker run with the same flags on the new image gives. */
    ck_assert_int_eq(test_sh(NULL, "docker create --label ukiyo.test=1 --name %s %s %s >/dev/null",
                             twin, flags, ref),
                     0);
    json_t *updated = inspect(name), *expected = inspect(twin);
    json_t *got = json_object_get(json_object_get(updated, "Config"), "Healthcheck");
    json_t *want = json_object_get(json_object_get(expected, "Config"), "Healthcheck");
    char *got_text = json_dumps(got, JSON_SORT_KEYS), *want_text = json_dumps(want, JSON_SORT_KEYS);
    ck_assert_msg(json_equal(got, want), "updated: %s, docker run: %s", got_text, want_text);
    /* And that is the new image's Timeout, not the old one's. */
    ck_assert_int_eq(json_integer_value(json_object_get(got, "Timeout")), 4000000000LL);
    free(got_text);
    free(want_text);
    json_decref(updated);
    json_decref(expected);
    test_remove_containers(twin);
    test_sh(NULL, "docker rmi -f %s:latest >/dev/null 2>&1", local);
    free(local);
    free(dir);
    free(twin);
    free(name);
    free(ref);
    free(repo);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("update-fidelity");

    TCase *fidelity = tcase_create("fidelity");
    tcase_add_checked_fixture(fidelity, update_setup, update_teardown);
    tcase_set_timeout(fidelity, 900);
    tcase_add_test(fidelity, update_keeps_every_setting_the_user_gave);
    tcase_add_test(fidelity, a_partly_given_healthcheck_takes_the_new_images_other_fields);
    suite_add_tcase(s, fidelity);
    return test_run_suite(s);
}
