/*
 * test_docker.c - the Engine API client against the real engine
 * (tests/env/setup.sh starts it), plus sockets that misbehave on purpose.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <ukiyo.h>

#include "testlib.h"

static ukiyo_docker *docker;

static void setup(void)
{
    test_require_engine();
    ck_assert_int_eq(ukiyo_docker_new(&docker, NULL), 0);
}

static void teardown(void)
{
    ukiyo_docker_free(docker);
    docker = NULL;
    test_cleanup();
}

/* Create a container of a test image with the ukiyo.test label; returns its ID. */
static char *create(const char *name, const char *spec_json)
{
    char *id = NULL;
    int err = ukiyo_docker_container_create(&id, docker, name, spec_json);

    ck_assert_msg(err == 0, "create %s: %s", name, ukiyo_error_last());
    return id;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

START_TEST(ping_negotiates_a_supported_version)
{
    int major = 0, minor = 0;

    ck_assert_ptr_null(ukiyo_docker_api_version(docker));
    ck_assert_int_eq(ukiyo_docker_ping(docker), 0);
    ck_assert_int_eq(sscanf(ukiyo_docker_api_version(docker), "%d.%d", &major, &minor), 2);
    ck_assert_int_eq(major, 1);
    ck_assert_int_ge(minor, 40);
    ck_assert_int_le(minor, 45);
}
END_TEST

START_TEST(container_lifecycle)
{
    char *name = test_unique_name("life");
    char *renamed = test_unique_name("renamed");
    ukiyo_container *c = NULL;
    char *id = create(name, "{\"Image\":\"ukiyo-test/http:v1\","
                            "\"Labels\":{\"ukiyo.test\":\"1\",\"purpose\":\"lifecycle\"}}");

    ck_assert_int_eq(ukiyo_docker_container_inspect(&c, docker, name), 0);
    ck_assert_str_eq(ukiyo_container_id(c), id);
    ck_assert_str_eq(ukiyo_container_name(c), name);
    ck_assert_str_eq(ukiyo_container_image(c), "ukiyo-test/http:v1");
    ck_assert_str_eq(ukiyo_container_state(c), "created");
    ck_assert_str_eq(ukiyo_container_label(c, "purpose"), "lifecycle");
    ck_assert_ptr_null(ukiyo_container_label(c, "absent"));
    ck_assert_ptr_nonnull(strstr(ukiyo_container_json(c), "\"HostConfig\""));
    ukiyo_container_free(c);

    ck_assert_int_eq(ukiyo_docker_container_start(docker, id), 0);
    ck_assert_int_eq(ukiyo_docker_container_start(docker, id), 0); /* already running: fine */
    ck_assert_int_eq(ukiyo_docker_container_rename(docker, id, renamed), 0);
    ck_assert_int_eq(ukiyo_docker_container_inspect(&c, docker, renamed), 0);
    ck_assert_str_eq(ukiyo_container_state(c), "running");
    ukiyo_container_free(c);

    ck_assert_int_eq(ukiyo_docker_container_stop(docker, id, 5), 0);
    ck_assert_int_eq(ukiyo_docker_container_stop(docker, id, 5), 0); /* already stopped */
    ck_assert_int_eq(ukiyo_docker_container_remove(docker, id, UKIYO_REMOVE_VOLUMES), 0);
    ck_assert_int_eq(ukiyo_docker_container_inspect(&c, docker, id), UKIYO_ENOTFOUND);
    ck_assert_msg(strstr(ukiyo_error_last(), "No such container"), "engine's words lost: %s",
                  ukiyo_error_last());
    ukiyo_string_free(id);
    free(name);
    free(renamed);
}
END_TEST

START_TEST(stop_sends_the_containers_stop_signal)
{
    char *name = test_unique_name("stopsignal");
    int64_t code = -1;
    char *id = create(name, "{\"Image\":\"ukiyo-test/http:v1\",\"Labels\":{\"ukiyo.test\":\"1\"},"
                            "\"StopSignal\":\"SIGUSR1\",\"Cmd\":[\"/bin/busybox\",\"sh\",\"-c\","
                            "\"trap 'exit 42' USR1; while true; do sleep 0.1; done\"]}");

    ck_assert_int_eq(ukiyo_docker_container_start(docker, id), 0);
    ck_assert_int_eq(ukiyo_docker_container_stop(docker, id, -1), 0);
    ck_assert_int_eq(ukiyo_docker_container_wait(docker, id, NULL, 10000, &code), 0);
    ck_assert_int_eq(code, 42);
    ukiyo_string_free(id);
    free(name);
}
END_TEST

START_TEST(stop_honours_the_containers_stop_timeout)
{
    char *name = test_unique_name("stoptimeout");
    int64_t code = -1;
    /* Ignores SIGTERM; StopTimeout 1 s instead of the engine's default 10 s. */
    char *id = create(name, "{\"Image\":\"ukiyo-test/http:v1\",\"Labels\":{\"ukiyo.test\":\"1\"},"
                            "\"StopTimeout\":1,\"Cmd\":[\"/bin/busybox\",\"sh\",\"-c\","
                            "\"trap '' TERM; while true; do sleep 0.1; done\"]}");

    ck_assert_int_eq(ukiyo_docker_container_start(docker, id), 0);
    double started = now_s();
    ck_assert_int_eq(ukiyo_docker_container_stop(docker, id, -1), 0);
    /* Killed after the container's own timeout, well before the default's 10 s. */
    ck_assert_double_lt(now_s() - started, 8.0);
    ck_assert_int_eq(ukiyo_docker_container_wait(docker, id, NULL, 10000, &code), 0);
    ck_assert_int_eq(code, 137);
    ukiyo_string_free(id);
    free(name);
}
END_TEST

START_TEST(kill_and_wait_report_the_exit_status)
{
    char *name = test_unique_name("kill");
    int64_t code = -1;
    char *id = create(name, "{\"Image\":\"ukiyo-test/http:v1\",\"Labels\":{\"ukiyo.test\":\"1\"}}");

    ck_assert_int_eq(ukiyo_docker_container_start(docker, id), 0);
    ck_assert_int_eq(ukiyo_docker_container_kill(docker, id, "SIGKILL"), 0);
    ck_assert_int_eq(ukiyo_docker_container_wait(docker, id, "not-running", 10000, &code), 0);
    ck_assert_int_eq(code, 137);
    ck_assert_int_eq(ukiyo_docker_container_kill(docker, id, NULL), UKIYO_ECONFLICT);
    ukiyo_string_free(id);
    free(name);
}
END_TEST

START_TEST(exit_code_of_a_crashing_image)
{
    char *name = test_unique_name("exits");
    int64_t code = -1;
    char *id = create(name, "{\"Image\":\"ukiyo-test/exits:latest\","
                            "\"Labels\":{\"ukiyo.test\":\"1\"}}");

    ck_assert_int_eq(ukiyo_docker_container_start(docker, id), 0);
    ck_assert_int_eq(ukiyo_docker_container_wait(docker, id, NULL, 10000, &code), 0);
    ck_assert_int_eq(code, 3);
    ukiyo_string_free(id);
    free(name);
}
END_TEST

START_TEST(name_conflicts_and_bad_specs_carry_the_engines_message)
{
    char *name = test_unique_name("conflict");
    char *other = NULL;
    char *id = create(name, "{\"Image\":\"ukiyo-test/http:v1\",\"Labels\":{\"ukiyo.test\":\"1\"}}");

    ck_assert_int_eq(ukiyo_docker_container_create(&other, docker, name,
                                                   "{\"Image\":\"ukiyo-test/http:v1\"}"),
                     UKIYO_ECONFLICT);
    ck_assert_ptr_null(other);
    ck_assert_ptr_nonnull(strstr(ukiyo_error_last(), "already in use"));
    ck_assert_int_eq(ukiyo_docker_container_create(&other, docker, NULL,
                                                   "{\"Image\":\"ukiyo-test/no-such:v9\"}"),
                     UKIYO_ENOTFOUND);
    ck_assert_int_eq(ukiyo_docker_container_create(&other, docker, NULL, "{not json"),
                     UKIYO_EINVAL);
    ck_assert_int_eq(ukiyo_docker_container_rename(docker, id, ""), UKIYO_EINVAL);
    ukiyo_string_free(id);
    free(name);
}
END_TEST

START_TEST(list_filters_by_label)
{
    char *name = test_unique_name("listed");
    char *label = test_unique_name("label");
    char spec[512], filters[256];
    ukiyo_container_list *list = NULL;

    snprintf(spec, sizeof(spec),
             "{\"Image\":\"ukiyo-test/http:v1\",\"Labels\":{\"ukiyo.test\":\"1\",\"%s\":\"x\"}}",
             label);
    char *id = create(name, spec);
    snprintf(filters, sizeof(filters), "{\"label\":[\"%s=x\"]}", label);
    ck_assert_int_eq(ukiyo_docker_container_list(&list, docker, 0, filters), 0);
    ck_assert_uint_eq(ukiyo_container_list_count(list), 0); /* not running */
    ukiyo_container_list_free(list);
    ck_assert_int_eq(ukiyo_docker_container_list(&list, docker, 1, filters), 0);
    ck_assert_uint_eq(ukiyo_container_list_count(list), 1);
    const ukiyo_container *c = ukiyo_container_list_get(list, 0);
    ck_assert_str_eq(ukiyo_container_name(c), name);
    ck_assert_str_eq(ukiyo_container_id(c), id);
    ck_assert_str_eq(ukiyo_container_state(c), "created");
    ck_assert_str_eq(ukiyo_container_label(c, label), "x");
    ck_assert_ptr_null(ukiyo_container_list_get(list, 1));
    ukiyo_container_list_free(list);
    ck_assert_int_eq(ukiyo_docker_container_list(&list, docker, 1, "[1,2]"), UKIYO_EINVAL);
    ukiyo_string_free(id);
    free(name);
    free(label);
}
END_TEST

START_TEST(image_inspect_and_remove)
{
    ukiyo_image_info *info = NULL;
    char *tag = test_unique_name("img");
    char ref[256];

    ck_assert_int_eq(ukiyo_docker_image_inspect(&info, docker, "ukiyo-test/http:v1"), 0);
    ck_assert_ptr_nonnull(strstr(ukiyo_image_info_id(info), "sha256:"));
    ck_assert_ptr_nonnull(strstr(ukiyo_image_info_json(info), "UKIYO_TEST_VERSION=v1"));
    ukiyo_image_info_free(info);
    ck_assert_int_eq(ukiyo_docker_image_inspect(&info, docker, "ukiyo-test/nope:none"),
                     UKIYO_ENOTFOUND);

    snprintf(ref, sizeof(ref), "%s:x", tag);
    ck_assert_int_eq(test_sh(NULL, "docker tag ukiyo-test/http:v1 %s", ref), 0);
    ck_assert_int_eq(ukiyo_docker_image_remove(docker, ref, 0), 0);
    ck_assert_int_eq(ukiyo_docker_image_inspect(&info, docker, ref), UKIYO_ENOTFOUND);
    free(tag);
}
END_TEST

typedef struct {
    int calls;
    unsigned layers_total;
    int64_t bytes_total;
} progress_seen;

static int count_progress(const ukiyo_pull_progress *p, void *payload)
{
    progress_seen *seen = payload;

    ck_assert_ptr_nonnull(p->status);
    ck_assert_int_le(p->layers_done, p->layers_total);
    seen->calls++;
    seen->layers_total = p->layers_total;
    if (p->bytes_total > seen->bytes_total)
        seen->bytes_total = p->bytes_total;
    return 0;
}

START_TEST(pull_reports_progress_and_records_the_digest)
{
    char *repo = test_unique_name("pull");
    char *ref = NULL;
    char full[512];
    progress_seen seen = {0};
    ukiyo_image_info *info = NULL;

    snprintf(full, sizeof(full), "ukiyo-test/%s", repo);
    /* An image with a layer of its own, so that the pull has something to download. */
    ck_assert_int_eq(test_sh(NULL,
                             "printf 'FROM ukiyo-test/http:v2\\nRUN [\"/bin/busybox\", "
                             "\"dd\", \"if=/dev/urandom\", \"of=/unique\", \"bs=64k\", "
                             "\"count=8\"]\\n' | DOCKER_BUILDKIT=0 docker build -q -t "
                             "%s:built - >/dev/null",
                             repo),
                     0);
    char local[300];
    snprintf(local, sizeof(local), "%s:built", repo);
    ref = test_push(local, full, "latest");
    /* Forget the local copies so the pull downloads the unique layer. */
    ck_assert_int_eq(test_sh(NULL, "docker rmi %s %s >/dev/null", ref, local), 0);
    int err = ukiyo_docker_image_pull(docker, ref, NULL, count_progress, &seen);
    ck_assert_msg(err == 0, "pull: %s", ukiyo_error_last());
    ck_assert_int_gt(seen.calls, 2);
    ck_assert_uint_ge(seen.layers_total, 1);
    ck_assert_int_gt(seen.bytes_total, 0);
    ck_assert_int_eq(ukiyo_docker_image_inspect(&info, docker, ref), 0);
    ck_assert_uint_ge(ukiyo_image_info_repo_digest_count(info), 1);
    ck_assert_ptr_nonnull(strstr(ukiyo_image_info_repo_digest(info, 0), "@sha256:"));
    ukiyo_image_info_free(info);
    free(ref);
    free(repo);
}
END_TEST

START_TEST(pull_of_a_missing_image_fails_with_the_engines_words)
{
    char ref[256];
    char *repo = test_unique_name("missing");

    snprintf(ref, sizeof(ref), "%s/ukiyo-test/%s:nope", test_registry(), repo);
    int err = ukiyo_docker_image_pull(docker, ref, NULL, NULL, NULL);
    ck_assert_int_eq(err, UKIYO_ENOTFOUND);
    ck_assert_msg(strstr(ukiyo_error_last(), "manifest unknown") ||
                      strstr(ukiyo_error_last(), "not found"),
                  "message: %s", ukiyo_error_last());
    ck_assert_int_eq(ukiyo_docker_image_pull(docker, "Not/A/Valid:ref", NULL, NULL, NULL),
                     UKIYO_EINVAL);
    free(repo);
}
END_TEST

START_TEST(pull_from_an_unreachable_registry_fails)
{
    int err = ukiyo_docker_image_pull(docker, "127.0.0.1:1/ukiyo-test/app:v1", NULL, NULL, NULL);

    ck_assert_int_lt(err, 0);
    ck_assert_msg(strstr(ukiyo_error_last(), "127.0.0.1:1"), "message: %s", ukiyo_error_last());
}
END_TEST

START_TEST(network_connect_and_disconnect)
{
    char *net = test_unique_name("net");
    char *name = test_unique_name("netted");
    ukiyo_container *c = NULL;

    ck_assert_int_eq(test_sh(NULL, "docker network create --label ukiyo.test=1 %s >/dev/null", net),
                     0);
    char *id = create(name, "{\"Image\":\"ukiyo-test/http:v1\",\"Labels\":{\"ukiyo.test\":\"1\"}}");
    ck_assert_int_eq(ukiyo_docker_network_connect(docker, net, id, "{\"Aliases\":[\"web\"]}"), 0);
    ck_assert_int_eq(ukiyo_docker_container_inspect(&c, docker, id), 0);
    ck_assert_ptr_nonnull(strstr(ukiyo_container_json(c), net));
    ck_assert_ptr_nonnull(strstr(ukiyo_container_json(c), "\"web\""));
    ukiyo_container_free(c);
    ck_assert_int_eq(ukiyo_docker_network_disconnect(docker, net, id, 0), 0);
    ck_assert_int_eq(ukiyo_docker_container_inspect(&c, docker, id), 0);
    ck_assert_ptr_null(strstr(ukiyo_container_json(c), net));
    ukiyo_container_free(c);
    /* The engine checks the network when the container runs (a created one just records it). */
    ck_assert_int_eq(ukiyo_docker_container_start(docker, id), 0);
    ck_assert_int_eq(ukiyo_docker_network_connect(docker, "ukiyo-test-no-such-net", id, NULL),
                     UKIYO_ENOTFOUND);
    ck_assert_int_eq(ukiyo_docker_network_connect(docker, net, id, "[]"), UKIYO_EINVAL);
    ck_assert_int_eq(ukiyo_docker_container_remove(docker, id,
                                                   UKIYO_REMOVE_FORCE | UKIYO_REMOVE_VOLUMES),
                     0);
    test_sh(NULL, "docker network rm %s >/dev/null", net);
    ukiyo_string_free(id);
    free(name);
    free(net);
}
END_TEST

START_TEST(missing_socket_is_a_connection_error)
{
    ukiyo_docker_options opts = UKIYO_DOCKER_OPTIONS_INIT;
    ukiyo_docker *d = NULL;
    ukiyo_container_list *list = NULL;

    opts.host = "unix:///nonexistent/ukiyo-test.sock";
    ck_assert_int_eq(ukiyo_docker_new(&d, &opts), 0);
    ck_assert_int_eq(ukiyo_docker_container_list(&list, d, 1, NULL), UKIYO_ECONNECT);
    ck_assert_ptr_nonnull(strstr(ukiyo_error_last(), "/nonexistent/ukiyo-test.sock"));
    ukiyo_docker_free(d);

    opts.host = "tcp://127.0.0.1:1";
    ck_assert_int_eq(ukiyo_docker_new(&d, &opts), 0);
    ck_assert_int_eq(ukiyo_docker_ping(d), UKIYO_ECONNECT);
    ukiyo_docker_free(d);

    opts.host = "ssh://somewhere";
    ck_assert_int_eq(ukiyo_docker_new(&d, &opts), UKIYO_EINVAL);
}
END_TEST

/* A unix socket "engine" that answers every connection with @reply (NULL: never answers). */
typedef struct {
    int fd;
    char path[108];
    const char *reply;
    pthread_t thread;
} fake_socket;

static void *serve_fake(void *arg)
{
    fake_socket *f = arg;
    int conn;

    while ((conn = accept(f->fd, NULL, NULL)) >= 0) {
        char buf[4096];
        if (read(conn, buf, sizeof(buf)) < 0) {
            close(conn);
            continue;
        }
        if (f->reply) {
            if (write(conn, f->reply, strlen(f->reply)) < 0)
                break;
            close(conn);
        } else {
            sleep(3); /* hold it open, say nothing */
            close(conn);
        }
    }
    return NULL;
}

static void fake_start(fake_socket *f, const char *reply)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};

    snprintf(f->path, sizeof(f->path), "/tmp/ukiyo-test-%d-fake.sock", (int)getpid());
    unlink(f->path);
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", f->path);
    f->reply = reply;
    f->fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_eq(bind(f->fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    ck_assert_int_eq(listen(f->fd, 4), 0);
    ck_assert_int_eq(pthread_create(&f->thread, NULL, serve_fake, f), 0);
}

static void fake_stop(fake_socket *f)
{
    shutdown(f->fd, SHUT_RDWR);
    close(f->fd);
    pthread_join(f->thread, NULL);
    unlink(f->path);
}

static int talk_to_fake(const char *reply, long timeout_ms)
{
    fake_socket f;
    ukiyo_docker_options opts = UKIYO_DOCKER_OPTIONS_INIT;
    ukiyo_docker *d = NULL;
    char host[140];
    int err;

    fake_start(&f, reply);
    snprintf(host, sizeof(host), "unix://%s", f.path);
    opts.host = host;
    opts.timeout_ms = timeout_ms;
    ck_assert_int_eq(ukiyo_docker_new(&d, &opts), 0);
    err = ukiyo_docker_ping(d);
    ukiyo_docker_free(d);
    fake_stop(&f);
    return err;
}

START_TEST(garbage_from_the_socket_is_a_protocol_error)
{
    int err = talk_to_fake("\x01\x02 this is not HTTP\r\n\r\n", 2000);
    ck_assert_msg(err == UKIYO_EPROTOCOL || err == UKIYO_ECONNECT, "got %d", err);
    /* HTTP, but not an engine: no Api-Version. */
    err = talk_to_fake("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK", 2000);
    ck_assert_int_eq(err, UKIYO_EPROTOCOL);
    /* An engine too old for ukiyo. */
    err = talk_to_fake("HTTP/1.1 200 OK\r\nApi-Version: 1.39\r\nContent-Length: 2\r\n"
                       "Connection: close\r\n\r\nOK",
                       2000);
    ck_assert_int_eq(err, UKIYO_EUNSUPPORTED);
}
END_TEST

START_TEST(a_silent_engine_times_out)
{
    ck_assert_int_eq(talk_to_fake(NULL, 500), UKIYO_ETIMEOUT);
}
END_TEST

START_TEST(tcp_with_tls_client_certificates)
{
    char dir[128];
    int port = test_free_port();
    ukiyo_docker_options opts = UKIYO_DOCKER_OPTIONS_INIT;
    ukiyo_docker *d = NULL;
    char host[64];

    snprintf(dir, sizeof(dir), "/tmp/ukiyo-test-%d-tls", (int)getpid());
    ck_assert_int_eq(test_sh(NULL, "\"$UKIYO_TEST_ENV/tls-engine.sh\" %s %d", dir, port), 0);
    snprintf(host, sizeof(host), "tcp://127.0.0.1:%d", port);
    opts.host = host;
    opts.cert_path = dir;
    opts.tls_verify = 1;
    ck_assert_int_eq(ukiyo_docker_new(&d, &opts), 0);
    ck_assert_msg(ukiyo_docker_ping(d) == 0, "%s", ukiyo_error_last());
    ck_assert_str_eq(ukiyo_docker_api_version(d), "1.41");
    ukiyo_docker_free(d);

    /* Without the client certificate the server closes the handshake. */
    char empty[160];
    snprintf(empty, sizeof(empty), "%s/empty", dir);
    ck_assert_int_eq(test_sh(NULL, "mkdir -p %s && cp %s/ca.pem %s/", empty, dir, empty), 0);
    opts.cert_path = empty;
    ck_assert_int_eq(ukiyo_docker_new(&d, &opts), 0);
    ck_assert_int_lt(ukiyo_docker_ping(d), 0);
    ukiyo_docker_free(d);

    /* The same through the environment, as the docker CLI reads it. */
    setenv("DOCKER_HOST", host, 1);
    setenv("DOCKER_TLS_VERIFY", "1", 1);
    setenv("DOCKER_CERT_PATH", dir, 1);
    ck_assert_int_eq(ukiyo_docker_new(&d, NULL), 0);
    ck_assert_msg(ukiyo_docker_ping(d) == 0, "%s", ukiyo_error_last());
    ukiyo_docker_free(d);
    unsetenv("DOCKER_HOST");
    unsetenv("DOCKER_TLS_VERIFY");
    unsetenv("DOCKER_CERT_PATH");
    test_sh(NULL, "kill $(cat %s/pid) 2>/dev/null; rm -rf %s", dir, dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("docker");
    TCase *tc = tcase_create("engine");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, ping_negotiates_a_supported_version);
    tcase_add_test(tc, container_lifecycle);
    tcase_add_test(tc, stop_sends_the_containers_stop_signal);
    tcase_add_test(tc, stop_honours_the_containers_stop_timeout);
    tcase_add_test(tc, kill_and_wait_report_the_exit_status);
    tcase_add_test(tc, exit_code_of_a_crashing_image);
    tcase_add_test(tc, name_conflicts_and_bad_specs_carry_the_engines_message);
    tcase_add_test(tc, list_filters_by_label);
    tcase_add_test(tc, image_inspect_and_remove);
    tcase_add_test(tc, pull_reports_progress_and_records_the_digest);
    tcase_add_test(tc, pull_of_a_missing_image_fails_with_the_engines_words);
    tcase_add_test(tc, pull_from_an_unreachable_registry_fails);
    tcase_add_test(tc, network_connect_and_disconnect);
    tcase_add_test(tc, missing_socket_is_a_connection_error);
    tcase_add_test(tc, garbage_from_the_socket_is_a_protocol_error);
    tcase_add_test(tc, a_silent_engine_times_out);
    tcase_add_test(tc, tcp_with_tls_client_certificates);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
