/*
 * test_ukiyod.c - the daemon as a user runs it: started as a process,
 * asked over HTTP, stopped with SIGTERM.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

typedef struct {
    pid_t pid;
    int port;
    char dir[128];
    const char *env; /* extra environment, "NAME=value ", or NULL */
} daemon_proc;

typedef struct {
    long status;
    char *body;
    size_t len;
} reply;

static size_t collect(char *data, size_t size, size_t n, void *ud)
{
    reply *r = ud;
    r->body = realloc(r->body, r->len + size * n + 1);
    memcpy(r->body + r->len, data, size * n);
    r->len += size * n;
    r->body[r->len] = '\0';
    return size * n;
}

/* The contents of a file the daemon wrote in its directory (its secrets). New string. */
static char *daemon_file(const daemon_proc *d, const char *name)
{
    char *out = NULL;
    ck_assert_int_eq(test_sh(&out, "tr -d '\\n' < %s/%s", d->dir, name), 0);
    return out;
}

static reply request_with(const daemon_proc *d, const char *method, const char *path,
                          const char *body, const char *header)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = header ? curl_slist_append(NULL, header) : NULL;
    reply r = {0};
    char url[512];

    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", d->port, path);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    if (body)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    if (!r.body)
        r.body = strdup("");
    return r;
}

static reply request(const daemon_proc *d, const char *method, const char *path, const char *body)
{
    return request_with(d, method, path, body, NULL);
}

/* A management request with the daemon's API token. */
static reply api(const daemon_proc *d, const char *path)
{
    char *token = daemon_file(d, "api-token");
    char header[256];
    snprintf(header, sizeof(header), "Authorization: Bearer %s", token);
    free(token);
    return request_with(d, "GET", path, NULL, header);
}

static void start_daemon(daemon_proc *d, const char *extra)
{
    char cmd[1024];

    if (!d->port)
        d->port = test_free_port();
    if (!d->dir[0])
        snprintf(d->dir, sizeof(d->dir), "/tmp/ukiyo-test-%d-daemon", (int)getpid());
    snprintf(cmd, sizeof(cmd),
             "mkdir -p %s && %s exec $UKIYO_PROGRAM_WRAPPER \"$UKIYOD\" --listen 127.0.0.1:%d "
             "--db %s/ukiyo.db %s 2>>%s/log",
             d->dir, d->env ? d->env : "", d->port, d->dir, extra ? extra : "", d->dir);
    d->pid = fork();
    if (d->pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    /* Up when it answers; valgrind makes the start slow. */
    for (int i = 0; i < 300; i++) {
        reply r = request(d, "GET", "/api/v1/health", NULL);
        free(r.body);
        if (r.status == 200)
            return;
        usleep(100 * 1000);
    }
    ck_abort_msg("ukiyod did not answer on port %d", d->port);
}

/* Send @sig, then the exit status (-1 when it did not exit within 30 s or was killed). */
static int signal_daemon(daemon_proc *d, int sig)
{
    int status = 0;

    kill(d->pid, sig);
    for (int i = 0; i < 300; i++) {
        if (waitpid(d->pid, &status, WNOHANG) == d->pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        usleep(100 * 1000);
    }
    kill(d->pid, SIGKILL);
    waitpid(d->pid, &status, 0);
    return -1;
}

static int stop_daemon(daemon_proc *d)
{
    int rc = signal_daemon(d, SIGTERM);
    test_sh(NULL, "rm -rf %s", d->dir);
    return rc;
}

START_TEST(health_answers_and_sigterm_stops_cleanly)
{
    daemon_proc d = {0};

    start_daemon(&d, NULL);
    reply r = request(&d, "GET", "/api/v1/health", NULL);
    ck_assert_int_eq(r.status, 200);
    json_t *doc = json_loads(r.body, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "status")), "ok");
    ck_assert(json_is_true(json_object_get(json_object_get(doc, "docker"), "reachable")));
    json_decref(doc);
    free(r.body);
    ck_assert_int_eq(stop_daemon(&d), 0);
}
END_TEST

START_TEST(unknown_routes_wrong_methods_and_big_bodies_get_json_errors)
{
    daemon_proc d = {0};

    start_daemon(&d, "--body-limit 1024");
    reply r = request(&d, "GET", "/no/such/route", NULL);
    ck_assert_int_eq(r.status, 404);
    ck_assert_ptr_nonnull(strstr(r.body, "\"code\":\"not_found\""));
    free(r.body);
    r = request(&d, "DELETE", "/api/v1/health", NULL);
    ck_assert_int_eq(r.status, 405);
    ck_assert_ptr_nonnull(strstr(r.body, "\"error\""));
    free(r.body);
    char big[4096];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    r = request(&d, "POST", "/api/v1/health", big);
    ck_assert_int_eq(r.status, 413);
    ck_assert_ptr_nonnull(strstr(r.body, "body_too_large"));
    free(r.body);
    /* Still serving after all that. */
    r = request(&d, "GET", "/api/v1/health", NULL);
    ck_assert_int_eq(r.status, 200);
    free(r.body);
    ck_assert_int_eq(stop_daemon(&d), 0);
}
END_TEST

START_TEST(health_reports_an_unreachable_engine)
{
    daemon_proc d = {0};

    start_daemon(&d, "--docker-host unix:///nonexistent/ukiyo.sock");
    reply r = request(&d, "GET", "/api/v1/health", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\"reachable\":false"));
    free(r.body);
    ck_assert_int_eq(stop_daemon(&d), 0);
}
END_TEST

START_TEST(bad_flags_are_refused)
{
    ck_assert_int_eq(test_sh(NULL, "\"$UKIYOD\" --no-such-flag 2>/dev/null"), 2);
    ck_assert_int_eq(test_sh(NULL, "\"$UKIYOD\" --log-format xml 2>/dev/null"), 2);
    ck_assert_int_eq(test_sh(NULL, "\"$UKIYOD\" --listen nonsense 2>/dev/null"), 1);
    ck_assert_int_eq(test_sh(NULL, "\"$UKIYOD\" --help >/dev/null"), 0);
}
END_TEST


START_TEST(webhooks_and_the_api_need_their_secrets)
{
    daemon_proc d = {0};
    char path[256];

    start_daemon(&d, NULL);
    char *secret = daemon_file(&d, "webhook-secret");
    ck_assert_uint_ge(strlen(secret), 32);
    char *mode = NULL;
    ck_assert_int_eq(test_sh(&mode, "stat -c %%a %s/webhook-secret %s/api-token %s/ukiyo.db | "
                                    "tr '\\n' ' '", d.dir, d.dir, d.dir), 0);
    ck_assert_str_eq(mode, "600 600 600 ");
    free(mode);
    const char *generic = "{\"image\":\"127.0.0.1:5000/ukiyo-test/none:v1\"}";
    reply r = request(&d, "POST", "/ukiyo-web-hook", generic);
    ck_assert_int_eq(r.status, 401);
    free(r.body);
    r = request(&d, "POST", "/hooks/wrong-secret", generic);
    ck_assert_int_eq(r.status, 401);
    free(r.body);
    snprintf(path, sizeof(path), "/hooks/%s", secret);
    r = request(&d, "POST", path, "{\"hello\":1}");
    ck_assert_int_eq(r.status, 422);
    free(r.body);
    r = request(&d, "POST", path, "{not json");
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "bad_payload"));
    free(r.body);
    r = request(&d, "POST", path, generic);
    ck_assert_int_eq(r.status, 202);
    ck_assert_ptr_nonnull(strstr(r.body, "\"ResponseCode\":0"));
    free(r.body);
    snprintf(path, sizeof(path), "/ukiyo-web-hook?token=%s", secret);
    r = request(&d, "POST", path, generic);
    ck_assert_int_eq(r.status, 202);
    free(r.body);
    r = request(&d, "GET", "/api/v1/jobs", NULL);
    ck_assert_int_eq(r.status, 401);
    free(r.body);
    r = api(&d, "/api/v1/jobs");
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "127.0.0.1:5000/ukiyo-test/none:v1"));
    ck_assert_ptr_null(strstr(r.body, secret)); /* secrets never in answers */
    free(r.body);
    r = api(&d, "/api/v1/jobs/999999");
    ck_assert_int_eq(r.status, 404);
    free(r.body);
    r = api(&d, "/api/v1/jobs/abc");
    ck_assert_int_eq(r.status, 400);
    free(r.body);
    char *log = NULL;
    test_sh(&log, "cat %s/log", d.dir);
    ck_assert_ptr_null(strstr(log, secret)); /* nor in the log */
    free(log);
    free(secret);
    ck_assert_int_eq(stop_daemon(&d), 0);
}
END_TEST

/* Poll until the container serves @want (60 s at most). */
static bool serves_within(const char *name, const char *want)
{
    for (int i = 0; i < 120; i++) {
        char *out = NULL;
        test_sh(&out, "docker exec %s /bin/busybox wget -q -O- http://127.0.0.1:8080/ 2>/dev/null",
                name);
        bool ok = out && strcmp(out, want) == 0;
        free(out);
        if (ok)
            return true;
        usleep(500 * 1000);
    }
    return false;
}

/* A registry of its own whose notifications go to the daemon; returns its name for stop. */
static void start_notifying_registry(daemon_proc *d, char *reg_name, size_t len, int *port)
{
    char *secret = daemon_file(d, "webhook-secret");
    *port = test_free_port();
    snprintf(reg_name, len, "notify-%d", (int)getpid());
    ck_assert_int_eq(test_sh(NULL, "\"$UKIYO_TEST_ENV/registry.sh\" start %s %d --notify "
                                   "http://127.0.0.1:%d/ukiyo-web-hook/%s",
                             reg_name, *port, d->port, secret),
                     0);
    free(secret);
}

START_TEST(a_push_to_the_registry_updates_the_container)
{
    daemon_proc d = {0};
    char reg[64], ref[256];
    int reg_port;
    char *name = test_unique_name("pushed");

    start_daemon(&d, NULL);
    start_notifying_registry(&d, reg, sizeof(reg), &reg_port);
    snprintf(ref, sizeof(ref), "127.0.0.1:%d/ukiyo-test/app:latest", reg_port);
    ck_assert_int_eq(test_sh(NULL, "docker tag ukiyo-test/http:v1 %s && docker push -q %s "
                                   ">/dev/null && docker run -d --label ukiyo.test=1 "
                                   "-l ukiyo.min-uptime=1 --stop-timeout 1 --name %s %s >/dev/null",
                             ref, ref, name, ref),
                     0);
    ck_assert_int_eq(test_sh(NULL, "docker tag ukiyo-test/http:v2 %s && docker push -q %s "
                                   ">/dev/null", ref, ref),
                     0);
    ck_assert_msg(serves_within(name, "v2\n"), "the push did not update %s", name);
    char query[300];
    snprintf(query, sizeof(query), "/api/v1/history?container=%s", name);
    /* It serves v2 as soon as it starts; the transaction ends after the health gate. */
    reply r = {0};
    for (int i = 0; i < 60; i++) {
        free(r.body);
        r = api(&d, query);
        ck_assert_int_eq(r.status, 200);
        if (strstr(r.body, "\"outcome\":\"updated\""))
            break;
        usleep(500 * 1000);
    }
    ck_assert_msg(strstr(r.body, "\"outcome\":\"updated\""), "history: %s", r.body);
    free(r.body);
    r = api(&d, "/api/v1/jobs");
    ck_assert_ptr_nonnull(strstr(r.body, "\"source\":\"distribution\""));
    free(r.body);
    test_sh(NULL, "\"$UKIYO_TEST_ENV/registry.sh\" stop %s; docker rmi %s >/dev/null 2>&1", reg,
            ref);
    ck_assert_int_eq(stop_daemon(&d), 0);
    free(name);
}
END_TEST

START_TEST(a_job_accepted_before_a_crash_runs_after_the_restart)
{
    daemon_proc d = {0};
    char reg[64], ref[256], path[256];
    int reg_port;
    char *name = test_unique_name("restart");

    d.env = "UKIYO_TEST_HOLD_JOBS=1";
    start_daemon(&d, NULL);
    start_notifying_registry(&d, reg, sizeof(reg), &reg_port);
    snprintf(ref, sizeof(ref), "127.0.0.1:%d/ukiyo-test/app:latest", reg_port);
    ck_assert_int_eq(test_sh(NULL, "docker tag ukiyo-test/http:v1 %s && docker push -q %s "
                                   ">/dev/null && docker run -d --label ukiyo.test=1 "
                                   "-l ukiyo.min-uptime=1 --stop-timeout 1 --name %s %s >/dev/null "
                                   "&& docker tag ukiyo-test/http:v2 %s",
                             ref, ref, name, ref, ref),
                     0);
    /* Only the generic webhook, so the registry's own notification cannot race it. */
    char *secret = daemon_file(&d, "webhook-secret");
    snprintf(path, sizeof(path), "/hooks/%s", secret);
    char body[300];
    snprintf(body, sizeof(body), "{\"image\":\"%s\"}", ref);
    ck_assert_int_eq(test_sh(NULL, "docker push -q %s >/dev/null", ref), 0);
    reply r = request(&d, "POST", path, body);
    ck_assert_int_eq(r.status, 202);
    free(r.body);
    ck_assert_int_eq(signal_daemon(&d, SIGKILL), -1);
    char *out = NULL;
    test_sh(&out, "docker exec %s /bin/busybox wget -q -O- http://127.0.0.1:8080/", name);
    ck_assert_str_eq(out, "v1\n"); /* held: nothing ran before the crash */
    free(out);
    d.env = NULL;
    d.pid = 0;
    start_daemon(&d, NULL);
    ck_assert_msg(serves_within(name, "v2\n"), "the job did not survive the restart");
    test_sh(NULL, "\"$UKIYO_TEST_ENV/registry.sh\" stop %s; docker rmi %s >/dev/null 2>&1", reg,
            ref);
    ck_assert_int_eq(stop_daemon(&d), 0);
    free(secret);
    free(name);
}
END_TEST

static reply api_send(const daemon_proc *d, const char *method, const char *path, const char *body)
{
    char *token = daemon_file(d, "api-token");
    char header[256];
    snprintf(header, sizeof(header), "Authorization: Bearer %s", token);
    free(token);
    return request_with(d, method, path, body, header);
}

static void expect_status(reply r, long status, const char *words)
{
    ck_assert_msg(r.status == status, "HTTP %ld, not %ld: %s", r.status, status, r.body);
    if (words)
        ck_assert_msg(strstr(r.body, words), "no \"%s\" in %s", words, r.body);
    free(r.body);
}

START_TEST(access_keys_are_kept_used_for_pulls_and_never_shown)
{
    daemon_proc d = {0};
    char reg[64], ref[256], body[512], login[160], path[256];
    int reg_port = test_free_port();
    char *name = test_unique_name("private");
    const char *password = "pa55-ukiyo-s3cret";

    start_daemon(&d, NULL);
    /* A registry that wants a password, and an image pushed to it. */
    snprintf(reg, sizeof(reg), "keys-%d", (int)getpid());
    snprintf(login, sizeof(login), "/tmp/ukiyo-test-%d-keys-login", (int)getpid());
    snprintf(ref, sizeof(ref), "127.0.0.1:%d/ukiyo-test/private:latest", reg_port);
    ck_assert_int_eq(test_sh(NULL, "\"$UKIYO_TEST_ENV/registry.sh\" start %s %d --htpasswd "
                                   "keyuser:%s && mkdir -p %s && echo %s | DOCKER_CONFIG=%s docker "
                                   "login -u keyuser --password-stdin 127.0.0.1:%d >/dev/null",
                             reg, reg_port, password, login, password, login, reg_port),
                     0);
    ck_assert_int_eq(test_sh(NULL, "docker tag ukiyo-test/http:v1 %s && DOCKER_CONFIG=%s docker "
                                   "push -q %s >/dev/null && docker run -d --label ukiyo.test=1 "
                                   "-l ukiyo.min-uptime=1 --stop-timeout 1 --name %s %s >/dev/null "
                                   "&& docker tag ukiyo-test/http:v2 %s && DOCKER_CONFIG=%s docker "
                                   "push -q %s >/dev/null && docker rmi %s >/dev/null",
                             ref, login, ref, name, ref, ref, login, ref, ref),
                     0);

    /* Bad input first: nothing is saved. */
    expect_status(request(&d, "POST", "/save-container-access-keys", "{}"), 401, "unauthorized");
    expect_status(api_send(&d, "POST", "/save-container-access-keys", "{\"username\":1}"), 400,
                  "\"ResponseCode\":1");
    expect_status(api_send(&d, "POST", "/save-container-access-keys", "[]"), 400, NULL);
    expect_status(api_send(&d, "POST", "/save-container-access-keys",
                           "{\"username\":\"x\",\"serverAddress\":\"reg.example.com\"}"),
                  400, NULL);
    expect_status(api_send(&d, "GET", "/save-container-access-keys", NULL), 405, NULL);
    snprintf(body, sizeof(body),
             "{\"username\":\"keyuser\",\"desc\":\"ci's key\",\"accessToken\":\"%s\","
             "\"email\":\"ci@example.com\",\"serverAddress\":\"http://127.0.0.1:%d/v2/\"}",
             "wrong-password", reg_port);
    expect_status(api_send(&d, "POST", "/save-container-access-keys", body), 201,
                  "\"ResponseCode\":0");
    expect_status(api_send(&d, "POST", "/save-container-access-keys", body), 409, NULL);
    snprintf(body, sizeof(body),
             "{\"username\":\"keyuser\",\"desc\":\"'; DROP TABLE credentials; --\","
             "\"accessToken\":\"%s\",\"email\":\"ci@example.com\","
             "\"serverAddress\":\"127.0.0.1:%d\"}",
             password, reg_port);
    expect_status(api_send(&d, "POST", "/edit-container-access-keys", body), 200, NULL);
    reply r = api(&d, "/api/v1/registries");
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "DROP TABLE")); /* stored as text, harmlessly */
    ck_assert_ptr_null(strstr(r.body, password));
    ck_assert_ptr_null(strstr(r.body, "accessToken"));
    free(r.body);

    /* A push announced by webhook: the worker pulls with the saved key. */
    char *secret = daemon_file(&d, "webhook-secret");
    snprintf(path, sizeof(path), "/hooks/%s", secret);
    snprintf(body, sizeof(body), "{\"image\":\"%s\"}", ref);
    expect_status(request(&d, "POST", path, body), 202, NULL);
    ck_assert_msg(serves_within(name, "v2\n"), "not updated with the stored credential");

    expect_status(api_send(&d, "DELETE", "/delete-container-access-keys/nobody", NULL), 404, NULL);
    expect_status(api_send(&d, "DELETE", "/delete-container-access-keys/keyuser", NULL), 200,
                  NULL);
    r = api(&d, "/api/v1/registries");
    ck_assert_str_eq(r.body, "[]");
    free(r.body);
    char *log = NULL;
    test_sh(&log, "cat %s/log", d.dir);
    ck_assert_ptr_null(strstr(log, password));
    free(log);
    test_sh(NULL, "\"$UKIYO_TEST_ENV/registry.sh\" stop %s; rm -rf %s; docker rmi %s "
                  ">/dev/null 2>&1", reg, login, ref);
    ck_assert_int_eq(stop_daemon(&d), 0);
    free(secret);
    free(name);
}
END_TEST

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

static void post_generic(daemon_proc *d, const char *ref)
{
    char *secret = daemon_file(d, "webhook-secret");
    char path[256], body[300];
    snprintf(path, sizeof(path), "/hooks/%s", secret);
    snprintf(body, sizeof(body), "{\"image\":\"%s\"}", ref);
    expect_status(request(d, "POST", path, body), 202, NULL);
    free(secret);
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
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", "{}"), 400,
                  "name");
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"scheduledAt\":\"soon\"}", name);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 400,
                  "scheduledAt");
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"scheduledDowntime\":true}", name);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 400, NULL);
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"bindingPort\":[{\"exportPort\":70000,"
                                 "\"internalPort\":8080}]}", name);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 400, NULL);

    snprintf(body, sizeof(body),
             "{\"name\":\"%s\",\"containerName\":\"%s\",\"bindingPort\":[{\"exportPort\":\"%d\","
             "\"internalPort\":8080}],\"scheduledAt\":0,\"scheduledDowntime\":false}",
             name, container, port);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 201, NULL);
    expect_status(api_send(&d, "POST", "/save-repository-scheduled-time", body), 409, NULL);
    /* Another deployment may not take the same host port. */
    char clash[600];
    snprintf(clash, sizeof(clash), "{\"name\":\"%s/ukiyo-test/other-%d\",\"bindingPort\":"
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
    /* The next push: updated at once (scheduledDowntime false). */
    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    post_generic(&d, ref);
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
    expect_status(api_send(&d, "GET", "/get-container-history/zero", NULL), 400, NULL);
    snprintf(path, sizeof(path), "/remove-repository-scheduled-time/%s", container);
    expect_status(api_send(&d, "DELETE", path, NULL), 200, NULL);
    expect_status(api_send(&d, "DELETE", path, NULL), 404, NULL);
    test_sh(NULL, "docker rm -f %s >/dev/null 2>&1", container);
    ck_assert_int_eq(stop_daemon(&d), 0);
    free(repo_name);
    free(container);
}
END_TEST

/* Poll a job until it is done (60 s); its JSON (new). */
static char *job_done(daemon_proc *d, const char *job_href)
{
    for (int i = 0; i < 240; i++) {
        reply r = api(d, job_href);
        if (strstr(r.body, "\"state\":\"done\"") || strstr(r.body, "\"state\":\"failed\""))
            return r.body;
        free(r.body);
        usleep(250 * 1000);
    }
    ck_abort_msg("job %s never finished", job_href);
    return NULL;
}

static char *href_of(const char *body)
{
    json_t *doc = json_loads(body, 0, NULL);
    char *href = strdup(json_string_value(json_object_get(doc, "href")));
    json_decref(doc);
    return href;
}

START_TEST(rest_api_checks_updates_and_rolls_back_a_container)
{
    daemon_proc d = {0};
    char *repo_name = test_unique_name("rest");
    char *name = test_unique_name("restc");
    char repo[300], path[400];

    snprintf(repo, sizeof(repo), "ukiyo-test/%s", repo_name);
    char *ref = test_push("ukiyo-test/http:v1", repo, "latest");
    ck_assert_int_eq(test_sh(NULL, "docker run -d --label ukiyo.test=1 -l ukiyo.min-uptime=1 "
                                   "--stop-timeout 1 --name %s %s >/dev/null", name, ref), 0);
    start_daemon(&d, NULL);
    reply r = api(&d, "/api/v1/containers");
    ck_assert_msg(r.status == 200 && strstr(r.body, name), "%s", r.body);
    free(r.body);

    free(test_push("ukiyo-test/http:v2", repo, "latest"));
    snprintf(path, sizeof(path), "/api/v1/containers/%s/check", name);
    expect_status(api(&d, path), 200, "\"status\":\"update-available\"");
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

START_TEST(label_enable_updates_only_labelled_containers)
{
    daemon_proc d = {0};
    char *repo_name = test_unique_name("le");
    char *on = test_unique_name("on"), *off = test_unique_name("off");
    char repo[300], path[256], body[400];

    snprintf(repo, sizeof(repo), "ukiyo-test/%s", repo_name);
    char *ref = test_push("ukiyo-test/http:v1", repo, "latest");
    ck_assert_int_eq(test_sh(NULL, "docker run -d --label ukiyo.test=1 -l ukiyo.min-uptime=1 "
                                   "-l ukiyo.enable=true --stop-timeout 1 --name %s %s >/dev/null "
                                   "&& docker run -d --label ukiyo.test=1 --stop-timeout 1 "
                                   "--name %s %s >/dev/null", on, ref, off, ref), 0);
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

/* A local stand-in for Docker Hub's callback endpoint: keeps the last body. */
static char callback_body[2048];

static enum MHD_Result on_callback(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version, const char *data,
                                   size_t *size, void **state)
{
    if (!*state) {
        *state = (void *)1;
        return MHD_YES;
    }
    if (*size) {
        size_t used = strlen(callback_body);
        snprintf(callback_body + used, sizeof(callback_body) - used, "%.*s", (int)*size, data);
        *size = 0;
        return MHD_YES;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return rc;
}

START_TEST(docker_hub_callbacks_are_answered)
{
    int port = test_free_port();
    char env[160], path[256], body[700];
    daemon_proc d = {0};
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct MHD_Daemon *hub = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                                              on_callback, NULL, MHD_OPTION_SOCK_ADDR, &addr,
                                              MHD_OPTION_END);

    ck_assert_ptr_nonnull(hub);
    callback_body[0] = '\0';
    snprintf(env, sizeof(env), "UKIYO_TEST_DOCKERHUB_CALLBACK_PREFIX=http://127.0.0.1:%d/", port);
    d.env = env;
    start_daemon(&d, NULL);
    char *secret = daemon_file(&d, "webhook-secret");
    snprintf(path, sizeof(path), "/hooks/%s", secret);
    snprintf(body, sizeof(body),
             "{\"callback_url\":\"http://127.0.0.1:%d/u/acme/app/hook/1/\",\"push_data\":"
             "{\"tag\":\"9.9\"},\"repository\":{\"repo_name\":\"ukiyo-test/nobody-%d\"}}",
             port, (int)getpid());
    expect_status(request(&d, "POST", path, body), 202, "dockerhub");
    for (int i = 0; i < 100 && !callback_body[0]; i++)
        usleep(100 * 1000);
    ck_assert_msg(strstr(callback_body, "\"state\":\"success\""), "callback: '%s'",
                  callback_body);
    ck_assert_int_eq(stop_daemon(&d), 0);
    MHD_stop_daemon(hub);
    free(secret);
}
END_TEST

/* Post a generic webhook for @image and wait for its job; the job's JSON (new). */
static char *webhook_job(daemon_proc *d, const char *image)
{
    char *secret = daemon_file(d, "webhook-secret");
    char path[256], body[400], href[64];

    snprintf(path, sizeof(path), "/hooks/%s", secret);
    snprintf(body, sizeof(body), "{\"image\":\"%s\"}", image);
    reply r = request(d, "POST", path, body);
    ck_assert_int_eq(r.status, 202);
    json_t *doc = json_loads(r.body, 0, NULL);
    snprintf(href, sizeof(href), "/api/v1/jobs/%lld",
             (long long)json_integer_value(json_array_get(json_object_get(doc, "jobs"), 0)));
    json_decref(doc);
    free(r.body);
    free(secret);
    return job_done(d, href);
}

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
    ck_assert_int_eq(test_sh(NULL, "docker run -d --label ukiyo.test=1 -l ukiyo.min-uptime=1 "
                                   "--stop-timeout 1 --name %s %s >/dev/null", name, ref), 0);
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

int main(void)
{
    Suite *s = suite_create("ukiyod");
    TCase *tc = tcase_create("daemon");

    tcase_add_checked_fixture(tc, NULL, test_cleanup);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, health_answers_and_sigterm_stops_cleanly);
    tcase_add_test(tc, unknown_routes_wrong_methods_and_big_bodies_get_json_errors);
    tcase_add_test(tc, health_reports_an_unreachable_engine);
    tcase_add_test(tc, bad_flags_are_refused);
    tcase_add_test(tc, webhooks_and_the_api_need_their_secrets);
    tcase_add_test(tc, a_push_to_the_registry_updates_the_container);
    tcase_add_test(tc, a_job_accepted_before_a_crash_runs_after_the_restart);
    tcase_add_test(tc, access_keys_are_kept_used_for_pulls_and_never_shown);
    tcase_add_test(tc, scheduled_deployments_create_update_and_wait_for_their_time);
    tcase_add_test(tc, rest_api_checks_updates_and_rolls_back_a_container);
    tcase_add_test(tc, label_enable_updates_only_labelled_containers);
    tcase_add_test(tc, docker_hub_callbacks_are_answered);
    tcase_add_test(tc, registry_aliases_make_two_hosts_one);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
