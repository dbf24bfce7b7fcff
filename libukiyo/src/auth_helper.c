/*
 * auth_helper.c - run a docker-credential-* program with a deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auth_helper.h"

#define HELPER_TIMEOUT_MS 10000
#define HELPER_OUTPUT_MAX (64 * 1024)

static bool helper_name_valid(const char *name)
{
    if (!name[0])
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static pid_t spawn_helper(const char *program, int *in_fd, int *out_fd)
{
    int to_child[2], from_child[2];
    pid_t pid;

    /* A socket, not a pipe, for stdin: send(MSG_NOSIGNAL) then cannot raise SIGPIPE. */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, to_child) < 0)
        return -1;
    if (pipe2(from_child, O_CLOEXEC) < 0) {
        close(to_child[0]);
        close(to_child[1]);
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(to_child[0], STDIN_FILENO);
        dup2(from_child[1], STDOUT_FILENO);
        if (devnull >= 0)
            dup2(devnull, STDERR_FILENO);
        execlp(program, program, "get", (char *)NULL);
        _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    if (pid < 0) {
        close(to_child[1]);
        close(from_child[0]);
        return -1;
    }
    *in_fd = to_child[1];
    *out_fd = from_child[0];
    return pid;
}

/* Read the child's stdout until EOF or the deadline; false on timeout. */
static bool read_until_eof(int fd, strbuf *out, int64_t deadline)
{
    char chunk[4096];

    for (;;) {
        int64_t left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0)
            return false;
        int rc = poll(&p, 1, (int)left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return false;
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return true;
        if (out->len + (size_t)n > HELPER_OUTPUT_MAX ||
            ukiyo__strbuf_append(out, chunk, (size_t)n) < 0)
            return true;
    }
}

static int parse_helper_output(ukiyo_credential **out, const char *text, const char *registry)
{
    json_t *doc = json_loads(text, 0, NULL);
    const char *user = json_string_value(json_object_get(doc, "Username"));
    const char *secret = json_string_value(json_object_get(doc, "Secret"));
    int err;

    if (!user || !secret)
        err = ukiyo__error_set(UKIYO_EIO, "credential helper for %s printed no Username/Secret",
                               registry);
    else if (strcmp(user, "<token>") == 0) /* Docker's marker for an identity token */
        err = ukiyo_credential_new(out, registry, NULL, NULL, secret);
    else
        err = ukiyo_credential_new(out, registry, user, secret, NULL);
    json_decref(doc);
    return err;
}

int ukiyo__credential_helper_get(ukiyo_credential **out, const char *helper, const char *server_url,
                                 const char *registry)
{
    strbuf output = {0};
    /* On the stack: a child whose exec fails exits without freeing anything of ours. */
    char program[256];
    int in_fd, out_fd, status = 0, err;
    pid_t pid;

    if (!helper_name_valid(helper))
        return ukiyo__error_set(UKIYO_EINVAL, "invalid credential helper name \"%s\"", helper);
    if ((size_t)snprintf(program, sizeof(program), "docker-credential-%s", helper) >=
        sizeof(program))
        return ukiyo__error_set(UKIYO_EINVAL, "credential helper name too long");
    pid = spawn_helper(program, &in_fd, &out_fd);
    if (pid < 0)
        return ukiyo__error_set(UKIYO_EIO, "cannot run %s: %s", program, strerror(errno));
    if (send(in_fd, server_url, strlen(server_url), MSG_NOSIGNAL) < 0)
        log_debug("credential helper %s did not read its input", program);
    close(in_fd);
    bool finished = read_until_eof(out_fd, &output, now_ms() + HELPER_TIMEOUT_MS);
    close(out_fd);
    if (!finished)
        kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!finished)
        err = ukiyo__error_set(UKIYO_EIO, "%s did not answer within %d s", program,
                               HELPER_TIMEOUT_MS / 1000);
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        err = ukiyo__error_set(UKIYO_EIO, "credential helper %s is not installed", program);
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        err = strstr(output.data ? output.data : "", "not found")
                  ? ukiyo__error_set(UKIYO_ENOTFOUND, "%s has no credential for %s", program,
                                     registry)
                  : ukiyo__error_set(UKIYO_EIO, "%s failed for %s", program, registry);
    else
        err = parse_helper_output(out, output.data ? output.data : "", registry);
    if (output.data)
        memset(output.data, 0, output.len);
    ukiyo__strbuf_free(&output);
    return err;
}
