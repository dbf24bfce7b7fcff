/*
 * testlib.c - helpers of the Check suites.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "testlib.h"

static unsigned unique_counter;
/* The suite's process: children forked per test name things after it, so one sweep finds all. */
static int run_id;

static int current_run_id(void)
{
    return run_id ? run_id : (int)getpid();
}

/*
 * A Docker engine that stopped answering mid-run (dockerd 20.10 has deadlocks that
 * leave _ping answering and everything else hanging): the first test to see it leaves
 * this file, named after the suite's process, and every later engine test fails at once.
 */
enum { DOCKER_TIMEOUT_S = 300, ENGINE_PROBE_TIMEOUT_S = 15 };

static const char *wedged_marker(void)
{
    static char path[64];

    snprintf(path, sizeof(path), "/tmp/ukiyo-test-%d-engine-wedged", current_run_id());
    return path;
}

static bool engine_marked_wedged(void)
{
    return access(wedged_marker(), F_OK) == 0;
}

typedef enum { ENGINE_ABSENT, ENGINE_WEDGED, ENGINE_WORKS } engine_state;

/* Absent: no _ping. Works: also the info and container list every test reads, each in 15 s. */
static engine_state engine_probe(void)
{
    static const char probe[] = "curl -sf --max-time %d --unix-socket /var/run/docker.sock "
                                "'http://localhost/%s' >/dev/null 2>&1";
    static const char *const deeper[] = {"info", "containers/json?all=1"};
    char *cmd = NULL;
    int rc;

    if (engine_marked_wedged())
        return ENGINE_WEDGED;
    if (asprintf(&cmd, probe, 5, "_ping") < 0)
        return ENGINE_ABSENT;
    rc = system(cmd);
    free(cmd);
    if (rc != 0)
        return ENGINE_ABSENT;
    for (size_t i = 0; i < sizeof(deeper) / sizeof(deeper[0]); i++) {
        if (asprintf(&cmd, probe, ENGINE_PROBE_TIMEOUT_S, deeper[i]) < 0)
            return ENGINE_ABSENT;
        rc = system(cmd);
        free(cmd);
        if (rc != 0) {
            FILE *f = fopen(wedged_marker(), "w");
            if (f)
                fclose(f);
            return ENGINE_WEDGED;
        }
    }
    return ENGINE_WORKS;
}

char *test_data_path(const char *name)
{
    const char *dir = getenv("UKIYO_TEST_DATA");
    char *path = NULL;

    ck_assert_msg(dir != NULL, "UKIYO_TEST_DATA is not set (run through meson test)");
    ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
    return path;
}

char *test_data_read(const char *name)
{
    char *path = test_data_path(name);
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0;

    ck_assert_msg(f != NULL, "cannot open test data %s", path);
    FILE *mem = open_memstream(&text, &len);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        fwrite(buf, 1, n, mem);
    fclose(mem);
    fclose(f);
    free(path);
    return text;
}

int test_run_suite(Suite *s)
{
    SRunner *runner = srunner_create(s);
    int failed;

    run_id = (int)getpid();
    /* A failed test ends its forked process without flushing: keep what it printed. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    srunner_run_all(runner, CK_NORMAL);
    /* A failed test ends its process before its teardown: sweep once more here. */
    if (getenv("UKIYO_TEST_KEEP") == NULL) {
        /* Not on an engine that stopped answering: each sweep would wait on it in turn. */
        engine_state state = engine_probe();
        if (state == ENGINE_WORKS)
            test_cleanup();
        else if (state == ENGINE_WEDGED)
            fprintf(stderr, "the Docker engine does not answer: what this suite made stays "
                            "for tests/env/setup.sh to sweep\n");
        /* Files and directories the run's tests made under /tmp (project directories, stores);
         * only here, once every test has ended: a suite's fixtures keep files across tests. */
        test_sh(NULL, "rm -rf /tmp/ukiyo-test-%d-*", run_id);
    }
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}

const char *test_registry(void)
{
    const char *r = getenv("UKIYO_TEST_REGISTRY");
    return r && r[0] ? r : "127.0.0.1:5000";
}

void test_tmp_path(char *buf, size_t size, const char *word)
{
    snprintf(buf, size, "/tmp/ukiyo-test-%d-%d-%s", current_run_id(), (int)getpid(), word);
}

char *test_unique_name(const char *word)
{
    char *name = NULL;

    ck_assert_int_ge(asprintf(&name, "ukiyo-test-%d-%d-%u-%s", current_run_id(), (int)getpid(),
                              ++unique_counter, word),
                     0);
    return name;
}

int test_sh(char **out, const char *fmt, ...)
{
    char *cmd = NULL, *text = NULL;
    size_t len = 0;
    va_list ap;
    int status, rc;

    /* No ck_assert here: test_cleanup runs this outside any test too. */
    va_start(ap, fmt);
    rc = vasprintf(&cmd, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return -1;
    /* The docker CLI that matches the engine (Debian's), whatever else is on PATH. */
    char *wrapped = NULL;
    /* Each docker command bounded: a wedged engine fails the test and marks the run, so that
     * later commands, tests and the suite's sweep fail at once instead of waiting on it too. */
    rc = asprintf(&wrapped,
                  "docker() { if [ -e '%s' ]; then echo 'docker: the engine is wedged' >&2; "
                  "return 124; fi; timeout -k 10 %d \"${UKIYO_TEST_DOCKER:-docker}\" \"$@\"; "
                  "rc=$?; [ $rc = 124 ] && : >'%s'; return $rc; }; %s",
                  wedged_marker(), DOCKER_TIMEOUT_S, wedged_marker(), cmd);
    free(cmd);
    if (rc < 0)
        return -1;
    cmd = wrapped;
    FILE *p = popen(cmd, "r");
    if (!p) {
        fprintf(stderr, "cannot run %s\n", cmd);
        free(cmd);
        return -1;
    }
    FILE *mem = open_memstream(&text, &len);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
        fwrite(buf, 1, n, out ? mem : stderr);
    fclose(mem);
    status = pclose(p);
    free(cmd);
    if (out)
        *out = text;
    else
        free(text);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void test_require_engine(void)
{
    engine_state state = engine_probe();

    ck_assert_msg(state != ENGINE_ABSENT, "no Docker engine answers: run tests/env/setup.sh first");
    ck_assert_msg(state != ENGINE_WEDGED,
                  "the Docker engine answers _ping, but not its info or container list within "
                  "%d s: it is wedged (in this test or an earlier one of this suite)",
                  ENGINE_PROBE_TIMEOUT_S);
}

char *test_push(const char *local, const char *repo, const char *tag)
{
    char *ref = NULL;

    ck_assert_int_ge(asprintf(&ref, "%s/%s:%s", test_registry(), repo, tag), 0);
    ck_assert_int_eq(test_sh(NULL, "docker tag %s %s && docker push -q %s >/dev/null", local, ref,
                             ref),
                     0);
    return ref;
}

/*
 * Shell that removes the containers whose ids or names are in $ids, with the volumes
 * they mount: ukiyo re-mounts a replaced container's anonymous volumes by name, and
 * "docker rm -v" removes only volumes the engine made for that very container.
 */
#define REMOVE_IDS_AND_VOLUMES                                                                     \
    "[ -z \"$ids\" ] && exit 0; "                                                                  \
    "vols=$(docker inspect --format '{{range .Mounts}}{{if eq .Type \"volume\"}}"                  \
    "{{.Name}} {{end}}{{end}}' $ids 2>/dev/null); "                                                \
    "docker rm -f -v $ids >/dev/null 2>&1; "                                                       \
    "[ -z \"$vols\" ] || docker volume rm $vols >/dev/null 2>&1; true"

void test_remove_containers(const char *names)
{
    test_sh(NULL, "ids='%s'; " REMOVE_IDS_AND_VOLUMES, names);
}

void test_cleanup(void)
{
    int id = current_run_id();

    test_sh(NULL,
            "ids=$(docker ps -aq --filter label=ukiyo.test --filter "
            "name=ukiyo-test-%d-); " REMOVE_IDS_AND_VOLUMES,
            id);
    test_sh(NULL,
            "vols=$(docker volume ls -q --filter name=ukiyo-test-%d-); "
            "[ -z \"$vols\" ] || docker volume rm $vols >/dev/null 2>&1; true",
            id);
    test_sh(NULL,
            "imgs=$(docker images --format '{{.Repository}}:{{.Tag}}' | grep 'ukiyo-test-%d-' | "
            "grep -v '<none>'); "
            "[ -z \"$imgs\" ] || docker rmi -f $imgs >/dev/null",
            id);
    /* Pulled by digest, or left without a tag when a test moved it: named repo@digest. */
    test_sh(NULL,
            "refs=$(docker images --digests --format '{{.Repository}}@{{.Digest}} {{.Tag}}' | "
            "grep 'ukiyo-test-%d-' | awk '$2 == \"<none>\" && $1 !~ /@<none>$/ {print $1}'); "
            "[ -z \"$refs\" ] || docker rmi $refs >/dev/null 2>&1; true",
            id);
    test_sh(NULL,
            "nets=$(docker network ls -q --filter label=ukiyo.test --filter name=ukiyo-test-%d-); "
            "[ -z \"$nets\" ] || docker network rm $nets >/dev/null",
            id);
}

int test_free_port(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    close(fd);
    return ntohs(addr.sin_port);
}

int64_t test_ms_of(const char *iso)
{
    struct tm tm = {0};
    ck_assert_ptr_nonnull(strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm));
    return (int64_t)timegm(&tm) * 1000;
}
