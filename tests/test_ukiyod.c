/*
 * test_ukiyod.c - the daemon as a user runs it: started as a process,
 * asked over HTTP, stopped with SIGTERM; webhooks from a registry, a crash
 * after the 202, access keys, Docker Hub's callback.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon_helpers.h"
#include "testlib.h"

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
    /* The method is wrong before the body is too big. */
    r = request(&d, "POST", "/api/v1/health", big);
    ck_assert_int_eq(r.status, 405);
    free(r.body);
    r = api_send(&d, "POST", "/save-container-access-keys", big);
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
    /* A scope is a plain name of 1 to 64; were one taken, -V after it would answer with 0. */
    static const char *const scopes[] =
        {"''", "'a b'", "'x;y'",
         "a123456789b123456789c123456789d123456789e123456789f123456789g1234"};
    for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
        ck_assert_msg(test_sh(NULL, "\"$UKIYOD\" --scope %s -V >/dev/null 2>&1", scopes[i]) == 2,
                      "--scope %s was taken", scopes[i]);
    ck_assert_int_eq(test_sh(NULL, "UKIYO_SCOPE='x y' \"$UKIYOD\" -V >/dev/null 2>&1"), 2);
    ck_assert_int_eq(test_sh(NULL, "\"$UKIYOD\" --scope edge-1.a_b -V >/dev/null 2>&1"), 0);
}
END_TEST

/* ukiyod --scope: a container of another scope is left alone, and check says why; its own is not.
 */
START_TEST(a_scoped_ukiyod_leaves_the_other_containers_alone)
{
    daemon_proc d = {0};
    char *ours = test_unique_name("ours"), *theirs = test_unique_name("theirs");
    char path[256];

    start_daemon(&d, "--scope edge");
    ck_assert_int_eq(test_sh(NULL,
                             "docker run -d --label ukiyo.test=1 --label ukiyo.scope=edge "
                             "--name %s ukiyo-test/http:v1 >/dev/null && "
                             "docker run -d --label ukiyo.test=1 --label ukiyo.scope=core "
                             "--name %s ukiyo-test/http:v1 >/dev/null",
                             ours, theirs),
                     0);
    snprintf(path, sizeof(path), "/api/v1/containers/%s/check", theirs);
    reply r = api(&d, path);
    ck_assert_msg(r.status == 200 && strstr(r.body, "\"left_alone\":\"of another scope"), "%ld %s",
                  r.status, r.body);
    free(r.body);
    snprintf(path, sizeof(path), "/api/v1/containers/%s/check", ours);
    r = api(&d, path);
    ck_assert_msg(r.status == 200 && strstr(r.body, "\"left_alone\":null"), "%ld %s", r.status,
                  r.body);
    free(r.body);
    ck_assert_int_eq(stop_daemon(&d), 0);
    test_remove_containers(ours);
    test_remove_containers(theirs);
    free(ours);
    free(theirs);
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
    ck_assert_int_eq(test_sh(&mode,
                             "stat -c %%a %s/webhook-secret %s/api-token %s/ukiyo.db | "
                             "tr '\\n' ' '",
                             d.dir, d.dir, d.dir),
                     0);
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
    /* A signature that is there must verify, whatever else authenticates the request. */
    r = request_with(&d, "POST", path, generic,
                     "X-Hub-Signature-256: sha256="
                     "0000000000000000000000000000000000000000000000000000000000000000");
    ck_assert_msg(r.status == 401, "%ld %s", r.status, r.body);
    free(r.body);
    char *signature = NULL;
    ck_assert_int_eq(test_sh(&signature,
                             "printf '%%s' '%s' | openssl dgst -sha256 -hmac '%s' | "
                             "sed 's/^.*= //' | tr -d '\\n'",
                             generic, secret),
                     0);
    char header[160];
    snprintf(header, sizeof(header), "X-Hub-Signature-256: sha256=%s", signature);
    r = request_with(&d, "POST", path, generic, header);
    ck_assert_msg(r.status == 202, "%ld %s", r.status, r.body);
    free(r.body);
    free(signature);
    r = api(&d, "/metrics");
    ck_assert_msg(strstr(r.body, "reason=\"bad_signature\"} 1"), "%s", r.body);
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

/* A registry of its own whose notifications go to the daemon; returns its name for stop. */
static void start_notifying_registry(daemon_proc *d, char *reg_name, size_t len, int *port)
{
    char *secret = daemon_file(d, "webhook-secret");
    *port = test_free_port();
    snprintf(reg_name, len, "notify-%d", (int)getpid());
    ck_assert_int_eq(test_sh(NULL,
                             "\"$UKIYO_TEST_ENV/registry.sh\" start %s %d --notify "
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
    ck_assert_int_eq(test_sh(NULL,
                             "docker tag ukiyo-test/http:v1 %s && docker push -q %s "
                             ">/dev/null && docker run -d --label ukiyo.test=1 "
                             "-l ukiyo.min-uptime=1 --stop-timeout 1 --name %s %s >/dev/null",
                             ref, ref, name, ref),
                     0);
    ck_assert_int_eq(test_sh(NULL,
                             "docker tag ukiyo-test/http:v2 %s && docker push -q %s "
                             ">/dev/null",
                             ref, ref),
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
    ck_assert_int_eq(test_sh(NULL,
                             "docker tag ukiyo-test/http:v1 %s && docker push -q %s "
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

/* The ID of the container called @name (new), or NULL. */
static char *container_id(const char *name)
{
    char *out = NULL;
    if (test_sh(&out, "docker inspect -f '{{.Id}}' %s 2>/dev/null", name) != 0) {
        free(out);
        return NULL;
    }
    out[strcspn(out, "\n")] = '\0';
    return out;
}

/*
 * Stopped while a new container sits in its health gate, ukiyod does not
 * wait out the settle period (docker stop kills after 10 s): the update
 * stays in the journal, and the next start puts the old container back and
 * runs the job again.
 */
START_TEST(a_stop_during_the_gate_is_prompt_and_the_next_start_runs_the_job_again)
{
    daemon_proc d = {0};
    char ref[256], query[300];
    char *name = test_unique_name("gated");

    snprintf(ref, sizeof(ref), "127.0.0.1:5000/ukiyo-test/%s:latest", name);
    ck_assert_int_eq(test_sh(NULL,
                             "docker tag ukiyo-test/http:v1 %s && docker push -q %s >/dev/null "
                             "&& docker run -d --label ukiyo.test=1 -l ukiyo.min-uptime=45 "
                             "--stop-timeout 1 --name %s %s >/dev/null && "
                             "docker tag ukiyo-test/http:v2 %s && docker push -q %s >/dev/null",
                             ref, ref, name, ref, ref, ref),
                     0);
    start_daemon(&d, NULL);
    post_generic(&d, ref);
    ck_assert_msg(serves_within(name, "v2\n"), "the push did not reach %s", name);
    char *gated = container_id(name); /* in its 45 s gate now */
    ck_assert_ptr_nonnull(gated);
    ck_assert_int_eq(signal_daemon_within(&d, SIGTERM, 10), 0);
    char *log = NULL;
    test_sh(&log, "cat %s/log", d.dir);
    ck_assert_msg(strstr(log, "left to the next start"), "%s", log);
    free(log);

    d.pid = 0;
    start_daemon(&d, NULL); /* the same directory: the same database */
    snprintf(query, sizeof(query), "/api/v1/history?container=%s", name);
    reply r = {0};
    for (int i = 0; i < 100; i++) {
        free(r.body);
        r = api(&d, query);
        if (strstr(r.body, "interrupted at step"))
            break;
        usleep(100 * 1000);
    }
    ck_assert_msg(strstr(r.body, "interrupted at step"), "history: %s", r.body);
    free(r.body);
    /* The job ran again: a container of its own, not the one the stop left. */
    char *again = NULL;
    for (int i = 0; i < 600; i++) {
        free(again);
        again = container_id(name);
        if (again && strcmp(again, gated) != 0 && serves_within(name, "v2\n"))
            break;
        usleep(100 * 1000);
    }
    ck_assert_msg(again && strcmp(again, gated) != 0, "the job did not run again");
    ck_assert_int_eq(signal_daemon_within(&d, SIGTERM, 10), 0);
    test_sh(NULL, "rm -rf %s; docker rmi %s >/dev/null 2>&1", d.dir, ref);
    free(again);
    free(gated);
    free(name);
}
END_TEST

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
    ck_assert_int_eq(test_sh(NULL,
                             "\"$UKIYO_TEST_ENV/registry.sh\" start %s %d --htpasswd "
                             "keyuser:%s && mkdir -p %s && echo %s | DOCKER_CONFIG=%s docker "
                             "login -u keyuser --password-stdin 127.0.0.1:%d >/dev/null",
                             reg, reg_port, password, login, password, login, reg_port),
                     0);
    ck_assert_int_eq(test_sh(NULL,
                             "docker tag ukiyo-test/http:v1 %s && DOCKER_CONFIG=%s docker "
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
    /* Answered as stored: the registry host, without scheme or path. */
    char stored[64];
    snprintf(stored, sizeof(stored), "\"serverAddress\":\"127.0.0.1:%d\"", reg_port);
    /* A wrong password is tried at the registry and refused now, not at the next push. */
    expect_status(api_send(&d, "POST", "/save-container-access-keys", body), 400,
                  "the registry refused these credentials");
    reply r0 = api(&d, "/api/v1/registries");
    ck_assert_str_eq(r0.body, "[]");
    free(r0.body);
    /* Kept unchecked when asked. */
    expect_status(api_send(&d, "POST", "/save-container-access-keys?check=false", body), 201,
                  stored);
    expect_status(api_send(&d, "POST", "/save-container-access-keys?check=false", body), 409, NULL);
    snprintf(body, sizeof(body),
             "{\"username\":\"keyuser\",\"desc\":\"'; DROP TABLE credentials; --\","
             "\"accessToken\":\"%s\",\"email\":\"ci@example.com\","
             "\"serverAddress\":\"127.0.0.1:%d\"}",
             password, reg_port);
    expect_status(api_send(&d, "POST", "/edit-container-access-keys", body), 200, NULL);
    /* An edit of the description alone keeps the password (the pull below needs it). */
    snprintf(body, sizeof(body),
             "{\"desc\":\"'; DROP TABLE credentials; --\",\"serverAddress\":\"HTTPS://"
             "127.0.0.1:%d/\"}",
             reg_port);
    expect_status(api_send(&d, "POST", "/edit-container-access-keys", body), 200, stored);
    /* ukiyoctl keys asks the registry the same way. */
    char *ctl_out = NULL;
    ck_assert_int_eq(test_sh(&ctl_out,
                             "echo wrong-password | $UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" --db "
                             "%s/ctl.db keys save 127.0.0.1:%d keyuser 2>&1",
                             d.dir, reg_port),
                     1);
    ck_assert_ptr_nonnull(strstr(ctl_out, "refused"));
    free(ctl_out);
    ck_assert_int_eq(test_sh(NULL,
                             "echo '%s' | $UKIYO_PROGRAM_WRAPPER \"$UKIYOCTL\" --db %s/ctl.db "
                             "keys save http://127.0.0.1:%d/v2/ keyuser >/dev/null",
                             password, d.dir, reg_port),
                     0);
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
    /* keyuser's keys on two servers: by name alone is refused, naming both. */
    expect_status(api_send(&d, "POST", "/save-container-access-keys",
                           "{\"username\":\"keyuser\",\"accessToken\":\"t\","
                           "\"serverAddress\":\"other.example\"}"),
                  502, "cannot check the credentials"); /* no such registry to ask */
    expect_status(api_send(&d, "POST", "/save-container-access-keys?check=false",
                           "{\"username\":\"keyuser\",\"accessToken\":\"t\","
                           "\"serverAddress\":\"other.example\"}"),
                  201, NULL);
    expect_status(api_send(&d, "DELETE", "/delete-container-access-keys/keyuser", NULL), 409,
                  "other.example");
    expect_status(api_send(&d, "DELETE",
                           "/delete-container-access-keys/keyuser?serverAddress=carol.example",
                           NULL),
                  404, NULL);
    expect_status(api_send(&d, "DELETE",
                           "/delete-container-access-keys/keyuser?serverAddress=other.example",
                           NULL),
                  200, NULL);
    expect_status(api_send(&d, "DELETE", "/delete-container-access-keys/keyuser", NULL), 200, NULL);
    r = api(&d, "/api/v1/registries");
    ck_assert_str_eq(r.body, "[]");
    free(r.body);
    char *log = NULL;
    test_sh(&log, "cat %s/log", d.dir);
    ck_assert_ptr_null(strstr(log, password));
    free(log);
    test_sh(NULL,
            "\"$UKIYO_TEST_ENV/registry.sh\" stop %s; rm -rf %s; docker rmi %s "
            ">/dev/null 2>&1",
            reg, login, ref);
    ck_assert_int_eq(stop_daemon(&d), 0);
    free(secret);
    free(name);
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
    struct MHD_Response *r =
        MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return rc;
}

START_TEST(docker_hub_callbacks_are_answered)
{
    int port = test_free_port();
    char env[160], path[256], body[700];
    daemon_proc d = {0};
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct MHD_Daemon *hub =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_callback, NULL,
                         MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_END);

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
    ck_assert_msg(strstr(callback_body, "\"state\":\"success\""), "callback: '%s'", callback_body);
    ck_assert_int_eq(stop_daemon(&d), 0);
    MHD_stop_daemon(hub);
    free(secret);
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
    tcase_add_test(tc, a_scoped_ukiyod_leaves_the_other_containers_alone);
    tcase_add_test(tc, webhooks_and_the_api_need_their_secrets);
    tcase_add_test(tc, a_push_to_the_registry_updates_the_container);
    tcase_add_test(tc, a_job_accepted_before_a_crash_runs_after_the_restart);
    tcase_add_test(tc, a_stop_during_the_gate_is_prompt_and_the_next_start_runs_the_job_again);
    tcase_add_test(tc, access_keys_are_kept_used_for_pulls_and_never_shown);
    tcase_add_test(tc, docker_hub_callbacks_are_answered);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
