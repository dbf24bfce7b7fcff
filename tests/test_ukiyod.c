/*
 * test_ukiyod.c - the daemon as a user runs it: started as a process,
 * asked over HTTP, stopped with SIGTERM.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
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

static reply request(const daemon_proc *d, const char *method, const char *path, const char *body)
{
    CURL *curl = curl_easy_init();
    reply r = {0};
    char url[256];

    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", d->port, path);
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
    return r;
}

static void start_daemon(daemon_proc *d, const char *extra)
{
    char cmd[1024];

    d->port = test_free_port();
    snprintf(d->dir, sizeof(d->dir), "/tmp/ukiyo-test-%d-daemon", (int)getpid());
    snprintf(cmd, sizeof(cmd),
             "mkdir -p %s && exec $UKIYO_PROGRAM_WRAPPER \"$UKIYOD\" --listen 127.0.0.1:%d "
             "--db %s/ukiyo.db %s 2>%s/log",
             d->dir, d->port, d->dir, extra ? extra : "", d->dir);
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

/* SIGTERM, then the exit status (-1 when it did not exit within 30 s). */
static int stop_daemon(daemon_proc *d)
{
    int status = 0;

    kill(d->pid, SIGTERM);
    for (int i = 0; i < 300; i++) {
        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            test_sh(NULL, "rm -rf %s", d->dir);
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        usleep(100 * 1000);
    }
    kill(d->pid, SIGKILL);
    waitpid(d->pid, &status, 0);
    return -1;
}

START_TEST(health_answers_and_sigterm_stops_cleanly)
{
    daemon_proc d;

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
    daemon_proc d;

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
    daemon_proc d;

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

int main(void)
{
    Suite *s = suite_create("ukiyod");
    TCase *tc = tcase_create("daemon");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, health_answers_and_sigterm_stops_cleanly);
    tcase_add_test(tc, unknown_routes_wrong_methods_and_big_bodies_get_json_errors);
    tcase_add_test(tc, health_reports_an_unreachable_engine);
    tcase_add_test(tc, bad_flags_are_refused);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
