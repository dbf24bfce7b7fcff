/*
 * testlib.c - helpers of the Check suites.
 */
#include <stdarg.h>
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
        test_cleanup();
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
    rc =
        asprintf(&wrapped,
                 "docker() { if [ -n \"$UKIYO_TEST_DOCKER\" ]; then \"$UKIYO_TEST_DOCKER\" \"$@\"; "
                 "else command docker \"$@\"; fi; }; %s",
                 cmd);
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
    int rc = test_sh(NULL, "curl -sf --max-time 5 --unix-socket /var/run/docker.sock "
                           "http://localhost/_ping >/dev/null");
    ck_assert_msg(rc == 0, "no Docker engine answers: run tests/env/setup.sh first");
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
