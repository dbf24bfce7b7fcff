/*
 * daemon_helpers.c - see daemon_helpers.h.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_helpers.h"
#include "testlib.h"

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
char *daemon_file(const daemon_proc *d, const char *name)
{
    char *out = NULL;
    ck_assert_int_eq(test_sh(&out, "tr -d '\\n' < %s/%s", d->dir, name), 0);
    return out;
}

reply request_with(const daemon_proc *d, const char *method, const char *path, const char *body,
                   const char *header)
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

/* A stream's reader: what collect() keeps, until @until was seen @times times. */
typedef struct {
    reply r;
    const char *until;
    int times;
} stream_state;

static size_t collect_until(char *data, size_t size, size_t n, void *ud)
{
    stream_state *s = ud;
    collect(data, size, n, &s->r);
    int seen = 0;
    for (const char *p = s->r.body; s->until && (p = strstr(p, s->until)); p += strlen(s->until))
        seen++;
    return s->until && seen >= s->times ? 0 : size * n; /* 0: enough, curl stops */
}

reply stream_until(const daemon_proc *d, const char *path, const char *last_event_id, long ms,
                   const char *until, int times)
{
    char *token = daemon_file(d, "api-token");
    char auth[256], last[96];
    struct curl_slist *headers = NULL;
    CURL *curl = curl_easy_init();
    stream_state st = {{0}, until, times};
    char url[512];

    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    free(token);
    headers = curl_slist_append(headers, auth);
    if (last_event_id) {
        snprintf(last, sizeof(last), "Last-Event-ID: %s", last_event_id);
        headers = curl_slist_append(headers, last);
    }
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", d->port, path);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_until);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &st);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_perform(curl); /* ends at its deadline or at @until: a stream never ends itself */
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &st.r.status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    if (!st.r.body)
        st.r.body = strdup("");
    return st.r;
}

reply stream_for(const daemon_proc *d, const char *path, const char *last_event_id, long ms)
{
    return stream_until(d, path, last_event_id, ms, NULL, 0);
}

reply request(const daemon_proc *d, const char *method, const char *path, const char *body)
{
    return request_with(d, method, path, body, NULL);
}

/* A management request with the daemon's API token. */
reply api(const daemon_proc *d, const char *path)
{
    char *token = daemon_file(d, "api-token");
    char header[256];
    snprintf(header, sizeof(header), "Authorization: Bearer %s", token);
    free(token);
    return request_with(d, "GET", path, NULL, header);
}

void start_daemon(daemon_proc *d, const char *extra)
{
    char cmd[1024];

    if (!d->port)
        d->port = test_free_port();
    if (!d->dir[0])
        test_tmp_path(d->dir, sizeof(d->dir), "daemon");
    snprintf(cmd, sizeof(cmd),
             "mkdir -p %s && %s exec $UKIYO_PROGRAM_WRAPPER \"$UKIYOD\" --listen 127.0.0.1:%d "
             "--db %s/ukiyo.db %s 2>>%s/log",
             d->dir, d->env ? d->env : "", d->port, d->dir, extra ? extra : "", d->dir);
    d->pid = fork();
    if (d->pid == 0) {
        /* Should the test die (or fail without forking, under valgrind), so does ukiyod. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
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

int signal_daemon(daemon_proc *d, int sig)
{
    return signal_daemon_within(d, sig, 30);
}

int signal_daemon_within(daemon_proc *d, int sig, int seconds)
{
    int status = 0;

    kill(d->pid, sig);
    for (int i = 0; i < seconds * 10; i++) {
        if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
            if (WIFSIGNALED(status) && WTERMSIG(status) != sig)
                fprintf(stderr, "ukiyod died of signal %d\n", WTERMSIG(status));
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        usleep(100 * 1000);
    }
    fprintf(stderr, "ukiyod did not stop within %d s of signal %d: killed\n", seconds, sig);
    kill(d->pid, SIGKILL);
    waitpid(d->pid, &status, 0);
    return -1;
}

int stop_daemon(daemon_proc *d)
{
    int rc = signal_daemon(d, SIGTERM);
    /* A daemon that did not stop cleanly: its last words, before its directory goes. */
    if (rc != 0)
        test_sh(NULL, "echo '--- ukiyod exit %d, its log:' >&2; tail -n 40 %s/log >&2", rc, d->dir);
    test_sh(NULL, "rm -rf %s", d->dir);
    return rc;
}

reply api_send(const daemon_proc *d, const char *method, const char *path, const char *body)
{
    char *token = daemon_file(d, "api-token");
    char header[256];
    snprintf(header, sizeof(header), "Authorization: Bearer %s", token);
    free(token);
    return request_with(d, method, path, body, header);
}

void expect_status(reply r, long status, const char *words)
{
    ck_assert_msg(r.status == status, "HTTP %ld, not %ld: %s", r.status, status, r.body);
    if (words)
        ck_assert_msg(strstr(r.body, words), "no \"%s\" in %s", words, r.body);
    free(r.body);
}

/* Poll until the container serves @want (60 s at most). */
bool serves_within(const char *name, const char *want)
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

/* Poll a job until it is done (60 s); its JSON (new). */
char *job_done(daemon_proc *d, const char *job_href)
{
    for (int i = 0; i < 240; i++) {
        reply r = api(d, job_href);
        if (strstr(r.body, "\"state\":\"done\"") || strstr(r.body, "\"state\":\"failed\"") ||
            strstr(r.body, "\"state\":\"partial\""))
            return r.body;
        free(r.body);
        usleep(250 * 1000);
    }
    ck_abort_msg("job %s never finished", job_href);
    return NULL;
}

char *href_of(const char *body)
{
    json_t *doc = json_loads(body, 0, NULL);
    char *href = strdup(json_string_value(json_object_get(doc, "href")));
    json_decref(doc);
    return href;
}

void post_generic(daemon_proc *d, const char *ref)
{
    char *secret = daemon_file(d, "webhook-secret");
    char path[256], body[300];
    snprintf(path, sizeof(path), "/hooks/%s", secret);
    snprintf(body, sizeof(body), "{\"image\":\"%s\"}", ref);
    expect_status(request(d, "POST", path, body), 202, NULL);
    free(secret);
}

/* Post a generic webhook for @image and wait for its job; the job's JSON (new). */
char *webhook_job(daemon_proc *d, const char *image)
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
