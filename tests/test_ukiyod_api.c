/*
 * test_ukiyod_api.c - ukiyod's management side: scheduled deployments, the
 * REST API on containers, --label-enable, registry aliases.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon_helpers.h"
#include "notify_helpers.h"
#include "testlib.h"

/* What a host port serves (new string, "" when nothing answers). */
static char *host_port_serves(int port)
{
    char *out = NULL;
    test_sh(&out, "curl -s --max-time 2 http://127.0.0.1:%d/", port);
    return out;
}

static bool host_port_serves_within(int port, const char *want, int seconds)
{
    for (int i = 0; i < seconds * 4; i++) {
        char *out = host_port_serves(port);
        bool ok = strcmp(out, want) == 0;
        free(out);
        if (ok)
            return true;
        usleep(250 * 1000);
    }
    return false;
}

START_TEST(scheduled_deployments_create_update_and_wait_for_their_time)
{
    daemon_proc d = {0};
    char *repo_name = test_unique_name("dep");
    char *container = test_unique_name("depc");
    char repo[300], name[400], body[1024], ref[420];
    int port = test_free_port();

    snprintf(repo, sizeof(repo), "ukiyo-test/%s", repo_name);
    snprintf(name, sizeof(name), "%s/%s", test_registry(), repo);
    snprintf(ref, sizeof(ref), "%s:latest", name);
    start_daemon(&d, NULL);

    /* Bad input: nothing saved. */
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", "{}"), 400, "name");
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"scheduledAt\":\"soon\"}", name);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 400,
                  "scheduledAt");
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"scheduledDowntime\":true}", name);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 400, NULL);
    snprintf(body, sizeof(body),
             "{\"name\":\"%s\",\"bindingPort\":[{\"exportPort\":70000,"
             "\"internalPort\":8080}]}",
             name);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 400, NULL);
    /* Digits only; one host port once. */
    static const char *const bad_times[] = {"\"  123\"", "\"+123\"", "\"-0\"", "\"12a\""};
    for (size_t i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++) {
        snprintf(body, sizeof(body), "{\"name\":\"%s\",\"scheduledAt\":%s}", name, bad_times[i]);
        expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 400,
                      "scheduledAt");
    }
    snprintf(body, sizeof(body),
             "{\"name\":\"%s\",\"bindingPort\":[{\"exportPort\":18090,\"internalPort\":80},"
             "{\"exportPort\":18090,\"internalPort\":81}]}",
             name);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 400, "twice");

    snprintf(body, sizeof(body),
             "{\"name\":\"%s\",\"containerName\":\"%s\",\"bindingPort\":[{\"exportPort\":\"%d\","
             "\"internalPort\":8080}],\"scheduledAt\":0,\"scheduledDowntime\":false}",
             name, container, port);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 201, NULL);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 409, NULL);
    /* Another deployment may not take the same host port. */
    char clash[600];
    snprintf(clash, sizeof(clash),
             "{\"name\":\"%s/ukiyo-test/other-%d\",\"bindingPort\":"
             "[{\"exportPort\":%d,\"internalPort\":80}]}",
             test_registry(), (int)getpid(), port);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", clash), 409,
                  "already exported");
    reply r = api(&d, "/api/v1/deployments");
    ck_assert_msg(strstr(r.body, container), "%s", r.body);
    free(r.body);

    /* A push of a repository with no container yet: created with its ports. */
    free(test_push("ukiyo-test/http:v1", repo, "latest"));
    post_generic(&d, ref);
    ck_assert_msg(host_port_serves_within(port, "v1\n", 60), "not deployed on port %d", port);
    /* The next push: updated at once (scheduledDowntime false), gate and all. */
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    free(webhook_job(&d, ref)); /* a stop now would leave its gate to the next start */
    ck_assert_msg(host_port_serves_within(port, "v2\n", 60), "not updated");

    /* Now with a window a few seconds ahead: the push waits for it, across a restart. */
    long long at = (long long)time(NULL) + 8;
    snprintf(body, sizeof(body),
             "{\"name\":\"%s\",\"containerName\":\"%s\",\"bindingPort\":[{\"exportPort\":%d,"
             "\"internalPort\":8080}],\"scheduledAt\":%lld,\"scheduledDowntime\":true}",
             name, container, port, at);
    expect_status(api_send(&d, "POST", "/edit-repository-scheduled-time", body), 200, NULL);
    free(test_push("ukiyo-test/http:v1", repo, "latest"));
    post_generic(&d, ref);
    sleep(2);
    char *now = host_port_serves(port);
    ck_assert_str_eq(now, "v2\n"); /* not before its time */
    free(now);
    ck_assert_int_eq(signal_daemon(&d, SIGTERM), 0);
    d.pid = 0;
    start_daemon(&d, NULL);
    ck_assert_msg(host_port_serves_within(port, "v1\n", 30), "the scheduled update never came");
    ck_assert_int_ge((long long)time(NULL), at);

    r = api_send(&d, "GET", "/get-container-history/1", NULL);
    ck_assert_msg(strstr(r.body, container) && strstr(r.body, "\"ResponseCode\":0"), "%s", r.body);
    free(r.body);
    char path[512];
    snprintf(path, sizeof(path), "/get-container-history-by-name/%s", container);
    expect_status(api_send(&d, "GET", path, NULL), 200, "\"outcome\":\"updated\"");
    /* Its creation is in its history too. */
    expect_status(api_send(&d, "GET", path, NULL), 200, "\"outcome\":\"created\"");
    expect_status(api_send(&d, "GET", "/get-container-history/zero", NULL), 400,
                  "\"ResponseCode\":1");
    snprintf(path, sizeof(path), "/remove-repository-scheduled-time/%s", container);
    expect_status(api_send(&d, "DELETE", path, NULL), 200, NULL);
    expect_status(api_send(&d, "DELETE", path, NULL), 404, NULL);
    test_remove_containers(container);
    ck_assert_int_eq(stop_daemon(&d), 0);
    free(repo_name);
    free(container);
}
END_TEST

static size_t occurrences(const char *text, const char *word)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, word)); p += strlen(word))
        n++;
    return n;
}

/* bindingPort's hostIp: the container listens on that address only; ports clash per address. */
START_TEST(a_deployment_binds_the_host_address_it_names)
{
    daemon_proc d = {0};
    char *repo_name = test_unique_name("depip");
    char *container = test_unique_name("depipc");
    char repo[300], name[400], other[420], body[1024], ref[420];
    int port = test_free_port(), port2 = test_free_port();

    snprintf(repo, sizeof(repo), "ukiyo-test/%s", repo_name);
    snprintf(name, sizeof(name), "%s/%s", test_registry(), repo);
    snprintf(other, sizeof(other), "%s-other", name);
    snprintf(ref, sizeof(ref), "%s:latest", name);
    start_daemon(&d, NULL);

    snprintf(body, sizeof(body),
             "{\"name\":\"%s\",\"bindingPort\":[{\"exportPort\":%d,\"internalPort\":80,"
             "\"hostIp\":\"localhost\"}]}",
             name, port);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 400,
                  "not an IPv4 or IPv6 address");
    snprintf(body, sizeof(body),
             "{\"name\":\"%s\",\"bindingPort\":[{\"exportPort\":%d,\"internalPort\":80,"
             "\"hostIp\":\"0.0.0.0\"},{\"exportPort\":%d,\"internalPort\":81,\"hostIp\":"
             "\"127.0.0.1\"}]}",
             name, port, port);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 400, "twice");
    snprintf(body, sizeof(body),
             "{\"name\":\"%s\",\"containerName\":\"%s\",\"bindingPort\":[{\"exportPort\":%d,"
             "\"internalPort\":8080,\"hostIp\":\"127.0.0.1\"},{\"exportPort\":%d,"
             "\"internalPort\":8080,\"hostIp\":\"::1\"}]}",
             name, container, port, port2);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 201, NULL);
    /* The same port on another address is another socket; on every address it clashes. */
    snprintf(body, sizeof(body),
             "{\"name\":\"%s\",\"bindingPort\":[{\"exportPort\":%d,\"internalPort\":80,"
             "\"hostIp\":\"127.0.0.2\"}]}",
             other, port);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 201, NULL);
    snprintf(body, sizeof(body),
             "{\"name\":\"%s-third\",\"bindingPort\":[{\"exportPort\":%d,\"internalPort\":80}]}",
             name, port);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 409,
                  "host port 127.0.0.1:");
    snprintf(body, sizeof(body),
             "{\"name\":\"%s-fourth\",\"bindingPort\":[{\"exportPort\":%d,\"internalPort\":80,"
             "\"hostIp\":\"::\"}]}",
             name, port2);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 409, "[::1]:");
    reply r = api(&d, "/api/v1/deployments");
    ck_assert_msg(strstr(r.body, "\"hostIp\":\"127.0.0.1\"") &&
                      strstr(r.body, "\"hostIp\":\"::1\""),
                  "%s", r.body);
    free(r.body);

    /* One push, one job: the deployment's, which creates the container on that address. */
    free(test_push("ukiyo-test/http:v1", repo, "latest"));
    char *job = webhook_job(&d, ref);
    ck_assert_msg(strstr(job, "\"outcome\":\"created\""), "%s", job);
    free(job);
    r = api(&d, "/api/v1/jobs");
    ck_assert_msg(occurrences(r.body, ref) == 1, "%s", r.body);
    free(r.body);
    char *out = NULL;
    ck_assert_int_eq(test_sh(&out,
                             "docker inspect --format '{{range $p, $b := .HostConfig.PortBindings}}"
                             "{{range $b}}{{.HostIp}}/{{.HostPort}} {{end}}{{end}}' %s",
                             container),
                     0);
    char want[200];
    snprintf(want, sizeof(want), "127.0.0.1/%d", port);
    ck_assert_msg(strstr(out, want), "%s", out);
    snprintf(want, sizeof(want), "::1/%d", port2);
    ck_assert_msg(strstr(out, want), "%s", out);
    free(out);
    ck_assert_msg(host_port_serves_within(port, "v1\n", 30), "not served on 127.0.0.1:%d", port);

    snprintf(body, sizeof(body), "/remove-repository-scheduled-time/%s", container);
    expect_status(api_send(&d, "DELETE", body, NULL), 200, NULL);
    snprintf(body, sizeof(body), "/remove-repository-scheduled-time/%s-other", repo_name);
    expect_status(api_send(&d, "DELETE", body, NULL), 200, NULL);
    test_remove_containers(container);
    ck_assert_int_eq(stop_daemon(&d), 0);
    free(repo_name);
    free(container);
}
END_TEST

/* ukiyoctl deploy: the records the seed's routes keep, through the same library calls. */
START_TEST(ukiyoctl_deploy_keeps_the_records_the_routes_keep)
{
    daemon_proc d = {0};
    char *container = test_unique_name("ctldep"), *out = NULL;
    char name[300], body[700];
    int port = test_free_port();

    snprintf(name, sizeof(name), "%s/ukiyo-test/%s", test_registry(), container);
    start_daemon(&d, NULL);
#define DEPLOY "$UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" --db %s/ukiyo.db deploy"
    snprintf(body, sizeof(body),
             "{\"name\":\"%s\",\"containerName\":\"%s\",\"bindingPort\":[{\"exportPort\":%d,"
             "\"internalPort\":8080}]}",
             name, container, port);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 201, NULL);
    ck_assert_int_eq(test_sh(&out, DEPLOY " list", d.dir), 0);
    ck_assert_msg(strstr(out, container) && strstr(out, "at once"), "%s", out);
    free(out);
    /* An edit changes only what it is given: the container's name stays. */
    ck_assert_int_eq(test_sh(&out,
                             DEPLOY " edit %s -p 127.0.0.1:%d:8080 --window '* 3 * * *' "
                                    "--at 2030-01-01T03:00Z --downtime 2>&1",
                             d.dir, name, port),
                     0);
    free(out);
    reply r = api(&d, "/api/v1/deployments");
    json_t *doc = json_loads(r.body, 0, NULL), *dep = json_array_get(doc, 0);
    ck_assert_msg(json_array_size(doc) == 1, "%s", r.body);
    ck_assert_str_eq(json_string_value(json_object_get(dep, "containerName")), container);
    ck_assert_str_eq(json_string_value(json_object_get(dep, "window")), "* 3 * * *");
    ck_assert_int_eq(json_integer_value(json_object_get(dep, "scheduledAt")), 1893466800);
    ck_assert(json_is_true(json_object_get(dep, "scheduledDowntime")));
    json_t *binding = json_array_get(json_object_get(dep, "bindingPort"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(binding, "hostIp")), "127.0.0.1");
    json_decref(doc);
    free(r.body);
    /* Refusals in words, nothing saved: a clash, a malformed port, --downtime alone. */
    ck_assert_int_eq(test_sh(&out, DEPLOY " save %s-b -p %d:80 2>&1", d.dir, name, port), 1);
    ck_assert_msg(strstr(out, "already exported by deployment"), "%s", out);
    free(out);
    ck_assert_int_eq(test_sh(&out, DEPLOY " save %s-b -p 80 2>&1", d.dir, name), 2);
    ck_assert_msg(strstr(out, "[HOST_IP:]HOST_PORT:CONTAINER_PORT"), "%s", out);
    free(out);
    ck_assert_int_eq(test_sh(&out, DEPLOY " save %s-b --downtime 2>&1", d.dir, name), 2);
    free(out);
    ck_assert_int_eq(test_sh(&out, DEPLOY " edit nosuch-%s 2>&1", d.dir, container), 1);
    ck_assert_msg(strstr(out, "no such deployment"), "%s", out);
    free(out);
    ck_assert_int_eq(test_sh(&out, DEPLOY " --json list", d.dir), 0);
    doc = json_loads(out, 0, NULL);
    ck_assert_msg(json_array_size(doc) == 1, "%s", out);
    json_decref(doc);
    free(out);
    /* Removed by its container's name; the route then finds nothing. */
    ck_assert_int_eq(test_sh(NULL, DEPLOY " remove %s >/dev/null", d.dir, container), 0);
    r = api(&d, "/api/v1/deployments");
    ck_assert_str_eq(r.body, "[]");
    free(r.body);
#undef DEPLOY
    ck_assert_int_eq(stop_daemon(&d), 0);
    free(container);
}
END_TEST

/*
 * A repository of its own (ukiyo-test/<repo_name>) with http:v1 as :latest,
 * container @name running it, quick to settle; the pushed reference (new).
 */
static char *container_on_v1(const char *repo_name, const char *name, char *repo, size_t size)
{
    snprintf(repo, size, "ukiyo-test/%s", repo_name);
    char *ref = test_push("ukiyo-test/http:v1", repo, "latest");
    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 -l ukiyo.min-uptime=1 "
                             "--stop-timeout 1 --name %s %s >/dev/null",
                             name, ref),
                     0);
    return ref;
}

START_TEST(rest_api_checks_updates_and_rolls_back_a_container)
{
    daemon_proc d = {0};
    char *repo_name = test_unique_name("rest");
    char *name = test_unique_name("restc");
    char repo[300], path[400];
    char *ref = container_on_v1(repo_name, name, repo, sizeof(repo));

    start_daemon(&d, NULL);
    reply r = api(&d, "/api/v1/containers");
    ck_assert_msg(r.status == 200 && strstr(r.body, name), "%s", r.body);
    free(r.body);

    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    snprintf(path, sizeof(path), "/api/v1/containers/%s/check", name);
    r = api(&d, path);
    ck_assert_msg(r.status == 200 && strstr(r.body, "\"status\":\"update-available\""), "%s",
                  r.body);
    /* The same object, with the same fields, as ukiyoctl check --json prints. */
    char *ctl = NULL;
    ck_assert_int_eq(test_sh(&ctl, "\"$UKIYOCTL\" check --json %s", name), 0);
    json_t *from_api = json_loads(r.body, 0, NULL), *from_ctl = json_loads(ctl, 0, NULL);
    ck_assert_msg(json_is_object(from_api) && json_is_array(from_ctl), "%s / %s", r.body, ctl);
    json_t *row = json_array_get(from_ctl, 0);
    ck_assert_uint_eq(json_object_size(from_api), json_object_size(row));
    const char *key;
    json_t *value;
    json_object_foreach(row, key, value) {
        /* When the registry answered: each check asks anew. */
        if (strcmp(key, "answered_ms") == 0) {
            ck_assert_msg(json_integer_value(value) > 0 &&
                              json_integer_value(json_object_get(from_api, key)) > 0,
                          "%s / %s", r.body, ctl);
            continue;
        }
        ck_assert_msg(json_equal(value, json_object_get(from_api, key)), "%s differs: %s / %s", key,
                      r.body, ctl);
    }
    json_decref(from_api);
    json_decref(from_ctl);
    free(ctl);
    free(r.body);
    snprintf(path, sizeof(path), "/api/v1/containers/%s/update", name);
    expect_status(api_send(&d, "GET", path, NULL), 405, NULL);
    r = api_send(&d, "POST", path, NULL);
    ck_assert_int_eq(r.status, 202);
    char *href = href_of(r.body);
    free(r.body);
    char *job = job_done(&d, href);
    ck_assert_msg(strstr(job, "\"outcome\":\"updated\""), "%s", job);
    free(job);
    free(href);
    ck_assert(serves_within(name, "v2\n"));

    snprintf(path, sizeof(path), "/api/v1/containers/%s/rollback", name);
    r = api_send(&d, "POST", path, NULL);
    ck_assert_int_eq(r.status, 202);
    href = href_of(r.body);
    free(r.body);
    free(job_done(&d, href));
    free(href);
    ck_assert(serves_within(name, "v1\n"));

    snprintf(path, sizeof(path), "/api/v1/containers/%s/explode", name);
    expect_status(api_send(&d, "POST", path, NULL), 404, NULL);
    expect_status(api_send(&d, "POST", "/api/v1/containers/ukiyo-test-nobody/update", NULL), 404,
                  NULL);
    expect_status(request(&d, "POST", path, NULL), 401, NULL);
    ck_assert_int_eq(stop_daemon(&d), 0);
    free(ref);
    free(name);
    free(repo_name);
}
END_TEST

/* The event stream, read on a thread of its own while the test acts. */
typedef struct {
    daemon_proc *d;
    long ms;
    reply got;
} stream_reader;

static void *read_events(void *arg)
{
    stream_reader *s = arg;
    s->got = stream_until(s->d, "/api/v1/events", NULL, s->ms, "\"event\":\"finished\"", 2);
    return NULL;
}

static size_t count_of(const char *text, const char *word)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, word)); p += strlen(word))
        n++;
    return n;
}

START_TEST(the_event_stream_tells_of_an_update_and_a_rollback_and_catches_up)
{
    daemon_proc d = {0};
    char *repo_name = test_unique_name("sse");
    char *name = test_unique_name("ssec");
    char repo[300], path[400];
    char *ref = container_on_v1(repo_name, name, repo, sizeof(repo));

    start_daemon(&d, NULL);
    expect_status(request(&d, "GET", "/api/v1/events", NULL), 401, NULL);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    stream_reader s = {&d, 110000, {0}}; /* ends at the second job's end */
    pthread_t reader;
    ck_assert_int_eq(pthread_create(&reader, NULL, read_events, &s), 0);
    usleep(500 * 1000); /* connected */
    const char *actions[] = {"update", "rollback"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "/api/v1/containers/%s/%s", name, actions[i]);
        reply r = api_send(&d, "POST", path, NULL);
        ck_assert_int_eq(r.status, 202);
        char *href = href_of(r.body);
        free(r.body);
        free(job_done(&d, href));
        free(href);
    }
    /* A client dropped mid-stream, then one that picks up after the first event. */
    free(stream_for(&d, "/api/v1/events", NULL, 300).body);
    reply again = stream_until(&d, "/api/v1/events", "1", 3000, "id: 2\n", 1);
    ck_assert_int_eq(pthread_join(reader, NULL), 0);
    const char *got = s.got.body;
    ck_assert_int_eq(s.got.status, 200);
    ck_assert_msg(strstr(got, "event: hello"), "%s", got);
    /* Each job: running, then finished; each update between, naming the container. */
    ck_assert_msg(count_of(got, "\"event\":\"running\"") == 2, "%s", got);
    ck_assert_msg(count_of(got, "\"event\":\"finished\"") == 2, "%s", got);
    ck_assert_msg(strstr(got, "\"event\":\"updated\""), "%s", got);
    ck_assert_msg(strstr(got, "\"action\":\"rollback\""), "%s", got);
    ck_assert_msg(count_of(got, "event: update\n") == 2, "%s", got);
    ck_assert_msg(count_of(got, name) >= 4, "%s", got);
    /* Catching up: from event 2 on, no event 1. */
    ck_assert_msg(strstr(again.body, "id: 2\n") && !strstr(again.body, "id: 1\n"), "%s",
                  again.body);
    free(again.body);
    free(s.got.body);
    ck_assert_int_eq(stop_daemon(&d), 0);
    free(ref);
    free(name);
    free(repo_name);
}
END_TEST

/* The container this test starts; other tests start theirs on the same engine. */
static char started_name[128];

static void *read_container_start(void *arg)
{
    stream_reader *s = arg;
    char until[200];
    snprintf(until, sizeof(until), "\"name\":\"%s\"", started_name);
    s->got = stream_until(s->d, "/api/v1/events", NULL, s->ms, until, 1);
    return NULL;
}

/* The row of @name in GET /api/v1/containers (new), or NULL. */
static json_t *container_row(daemon_proc *d, const char *name)
{
    reply r = api(d, "/api/v1/containers");
    json_t *list = json_loads(r.body ? r.body : "", 0, NULL), *found = NULL, *row;
    size_t i;
    json_array_foreach(list, i, row) {
        const char *n = json_string_value(json_object_get(row, "name"));
        if (n && strcmp(n, name) == 0)
            found = json_incref(row);
    }
    json_decref(list);
    free(r.body);
    return found;
}

/*
 * ukiyod follows the engine's events: a container started after it is
 * told to the event stream, and its image is looked at in the registry at
 * once (not at the next scan, ten minutes on), so the page shows its state.
 */
START_TEST(a_container_started_is_seen_and_looked_at_at_once)
{
    daemon_proc d = {0};
    char *repo_name = test_unique_name("seen");
    char *name = test_unique_name("seenc");
    char repo[300];

    start_daemon(&d, NULL);
    snprintf(started_name, sizeof(started_name), "%s", name);
    stream_reader s = {&d, 30000, {0}};
    pthread_t reader;
    ck_assert_int_eq(pthread_create(&reader, NULL, read_container_start, &s), 0);
    usleep(500 * 1000); /* connected */
    char *ref = container_on_v1(repo_name, name, repo, sizeof(repo));

    json_t *row = NULL;
    const char *status = NULL;
    /* Seconds, not the ten minutes of the scan without events (valgrind: up to 30 s). */
    for (int i = 0; i < 300; i++) {
        json_decref(row);
        row = container_row(&d, name);
        status = json_string_value(json_object_get(row, "status"));
        if (status && strcmp(status, "up-to-date") == 0)
            break;
        usleep(100 * 1000);
    }
    char *text = json_dumps(row, JSON_COMPACT);
    ck_assert_msg(status && strcmp(status, "up-to-date") == 0, "%s", text);
    json_t *check = json_object_get(row, "check");
    ck_assert_msg(json_integer_value(json_object_get(check, "answered_ms")) > 0, "%s", text);
    ck_assert_msg(json_is_string(json_object_get(check, "policy")), "%s", text);
    free(text);
    json_decref(row);

    ck_assert_int_eq(pthread_join(reader, NULL), 0);
    ck_assert_msg(strstr(s.got.body, "event: container\n") && strstr(s.got.body, name) &&
                      strstr(s.got.body, "\"action\":\"start\""),
                  "%s", s.got.body);
    free(s.got.body);
    ck_assert_int_eq(stop_daemon(&d), 0);
    free(ref);
    free(name);
    free(repo_name);
}
END_TEST

START_TEST(label_enable_updates_only_labelled_containers)
{
    daemon_proc d = {0};
    char *repo_name = test_unique_name("le");
    char *on = test_unique_name("on"), *off = test_unique_name("off");
    char repo[300], path[256], body[400];

    snprintf(repo, sizeof(repo), "ukiyo-test/%s", repo_name);
    char *ref = test_push("ukiyo-test/http:v1", repo, "latest");
    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 -l ukiyo.min-uptime=1 "
                             "-l ukiyo.enable=true --stop-timeout 1 --name %s %s >/dev/null "
                             "&& docker run -d --label ukiyo.test=1 --stop-timeout 1 "
                             "--name %s %s >/dev/null",
                             on, ref, off, ref),
                     0);
    start_daemon(&d, "--label-enable");
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    char *secret = daemon_file(&d, "webhook-secret");
    snprintf(path, sizeof(path), "/hooks/%s", secret);
    snprintf(body, sizeof(body), "{\"image\":\"%s\"}", ref);
    reply r = request(&d, "POST", path, body);
    ck_assert_int_eq(r.status, 202);
    json_t *doc = json_loads(r.body, 0, NULL);
    char href[64];
    snprintf(href, sizeof(href), "/api/v1/jobs/%lld",
             (long long)json_integer_value(json_array_get(json_object_get(doc, "jobs"), 0)));
    json_decref(doc);
    free(r.body);
    char *job = job_done(&d, href);
    ck_assert_msg(strstr(job, on) && !strstr(job, off), "%s", job);
    free(job);
    ck_assert(serves_within(on, "v2\n"));
    ck_assert(serves_within(off, "v1\n"));
    ck_assert_int_eq(stop_daemon(&d), 0);
    free(secret);
    free(ref);
    free(on);
    free(off);
    free(repo_name);
}
END_TEST

START_TEST(registry_aliases_make_two_hosts_one)
{
    daemon_proc d = {0};
    char *repo_name = test_unique_name("alias");
    char *name = test_unique_name("aliased");
    char repo[300], other[400];

    snprintf(repo, sizeof(repo), "ukiyo-test/%s", repo_name);
    char *ref = test_push("ukiyo-test/http:v1", repo, "latest"); /* 127.0.0.1:5000/... */
    snprintf(other, sizeof(other), "localhost:%s/%s:latest", strchr(test_registry(), ':') + 1,
             repo);
    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 -l ukiyo.min-uptime=1 "
                             "--stop-timeout 1 --name %s %s >/dev/null",
                             name, ref),
                     0);
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    /* Without an alias, a push announced for localhost:5000 is another registry's. */
    start_daemon(&d, NULL);
    char *job = webhook_job(&d, other);
    ck_assert_msg(!strstr(job, name), "%s", job);
    free(job);
    ck_assert_int_eq(signal_daemon(&d, SIGTERM), 0);
    d.pid = 0;
    char flag[128];
    snprintf(flag, sizeof(flag), "--registry-alias localhost:%s=%s",
             strchr(test_registry(), ':') + 1, test_registry());
    start_daemon(&d, flag);
    job = webhook_job(&d, other);
    ck_assert_msg(strstr(job, name) && strstr(job, "\"outcome\":\"updated\""), "%s", job);
    free(job);
    ck_assert(serves_within(name, "v2\n"));
    ck_assert_int_eq(stop_daemon(&d), 0);
    free(ref);
    free(name);
    free(repo_name);
}
END_TEST

/* GET /metrics until it holds @want (10 s at most); the text (new). */
static char *metrics_with(daemon_proc *d, const char *want)
{
    for (int i = 0; i < 100; i++) {
        reply r = api(d, "/metrics");
        ck_assert_int_eq(r.status, 200);
        if (strstr(r.body, want))
            return r.body;
        free(r.body);
        usleep(100000);
    }
    ck_abort_msg("/metrics never showed %s", want);
    return NULL;
}

START_TEST(notifications_and_metrics_follow_an_update)
{
    receivers rx;
    daemon_proc d = {0};
    char *repo_name = test_unique_name("notify"), *name = test_unique_name("notified");
    char repo[300], flags[512], want[256];

    receivers_start(&rx);
    snprintf(repo, sizeof(repo), "ukiyo-test/%s", repo_name);
    char *ref = test_push("ukiyo-test/http:v1", repo, "latest");
    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 -l ukiyo.min-uptime=1 "
                             "--stop-timeout 1 --name %s %s >/dev/null",
                             name, ref),
                     0);
    /* A good target, a bad one (reported, not fatal), a mail server nobody runs. */
    snprintf(flags, sizeof(flags),
             "--notify http://127.0.0.1:%d/hook --notify ftp://files.example/SECRET "
             "--notify 'smtp://127.0.0.1:1/?from=a@example.org&to=b@example.org'",
             rx.http_port);
    start_daemon(&d, flags);
    expect_status(request(&d, "GET", "/metrics", NULL), 401, "unauthorized");
    char *log = daemon_file(&d, "log");
    ck_assert_msg(strstr(log, "notification target refused"), "%s", log);
    ck_assert_msg(!strstr(log, "SECRET"), "a target's secret in the log: %s", log);
    free(log);

    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    char *job = webhook_job(&d, ref);
    ck_assert_msg(strstr(job, "\"outcome\":\"updated\""), "%s", job);
    free(job);
    json_t *got = receivers_wait(&rx, "http", "/hook", 1);
    json_t *event = json_loads(json_string_value(json_object_get(got, "body")), 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(event, "event")), "updated");
    ck_assert_str_eq(json_string_value(json_object_get(event, "container")), name);
    ck_assert_str_eq(json_string_value(json_object_get(event, "image")), ref);
    json_decref(event);
    json_decref(got);

    /* The unreachable mail server is given up on after its attempts; the update did not wait. */
    char *text = metrics_with(&d, "result=\"failed\"} 1");
    free(text);
    snprintf(want, sizeof(want),
             "ukiyo_notifications_total{target=\"webhook:127.0.0.1:%d\","
             "result=\"sent\"} 1",
             rx.http_port);
    text = metrics_with(&d, want);
    snprintf(want, sizeof(want), "ukiyo_updates_total{container=\"%s\"} 1", name);
    ck_assert_msg(strstr(text, want), "%s", text);
    ck_assert_ptr_nonnull(strstr(text, "ukiyo_notify_targets_invalid 1"));
    ck_assert_ptr_nonnull(strstr(text, "ukiyo_webhooks_accepted_total{format=\"generic\"} 1"));
    ck_assert_ptr_nonnull(strstr(text, "ukiyo_build_info{version=\""));
    /* Valid exposition format, by Prometheus' own checker. */
    char file[256];
    snprintf(file, sizeof(file), "%s/metrics.txt", rx.dir);
    FILE *f = fopen(file, "w");
    fputs(text, f);
    fclose(f);
    char *out = NULL;
    int rc = test_sh(&out,
                     "command -v promtool >/dev/null || { echo 'promtool is missing: "
                     "apt-get install prometheus (tools/test.sh does)'; exit 1; }; "
                     "promtool check metrics < %s 2>&1",
                     file);
    ck_assert_msg(rc == 0, "promtool: %s", out);
    free(out);
    free(text);
    ck_assert_int_eq(stop_daemon(&d), 0);
    receivers_stop(&rx);
    free(ref), free(name), free(repo_name);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ukiyod-api");
    TCase *tc = tcase_create("daemon");

    tcase_add_checked_fixture(tc, NULL, test_cleanup);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, scheduled_deployments_create_update_and_wait_for_their_time);
    tcase_add_test(tc, a_deployment_binds_the_host_address_it_names);
    tcase_add_test(tc, ukiyoctl_deploy_keeps_the_records_the_routes_keep);
    tcase_add_test(tc, rest_api_checks_updates_and_rolls_back_a_container);
    tcase_add_test(tc, the_event_stream_tells_of_an_update_and_a_rollback_and_catches_up);
    tcase_add_test(tc, a_container_started_is_seen_and_looked_at_at_once);
    tcase_add_test(tc, label_enable_updates_only_labelled_containers);
    tcase_add_test(tc, registry_aliases_make_two_hosts_one);
    tcase_add_test(tc, notifications_and_metrics_follow_an_update);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
