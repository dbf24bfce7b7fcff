/*
 * process.c - see process.h. Everything the child needs (its environment,
 * its arguments) is built before fork(): in a threaded program only
 * async-signal-safe calls may follow it. (execvpe is GNU: the build defines
 * _GNU_SOURCE.)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "process.h"

extern char **environ;

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool same_name(const char *a, const char *b)
{
    size_t n = strcspn(a, "=");
    return strncmp(a, b, n) == 0 && b[n] == '=';
}

/* Our environment with @extra added (an entry of the same name replaced); NULL-terminated. */
static char **child_environment(const char *const *extra)
{
    size_t ours = 0, more = 0, n = 0;

    while (environ && environ[ours])
        ours++;
    while (extra && extra[more])
        more++;
    char **env = calloc(ours + more + 1, sizeof(*env));
    if (!env)
        return NULL;
    for (size_t i = 0; i < ours; i++) {
        bool replaced = false;
        for (size_t k = 0; k < more && !replaced; k++)
            replaced = same_name(extra[k], environ[i]);
        if (!replaced)
            env[n++] = environ[i];
    }
    for (size_t k = 0; k < more; k++)
        env[n++] = (char *)extra[k];
    return env;
}

typedef struct {
    int in, out, err;
} child_fds;

static void close_pair(int fds[2])
{
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
}

static pid_t spawn(const process_spec *spec, char **env, child_fds *fds)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    pid_t pid = -1;

    /* A socket, not a pipe, for stdin: send(MSG_NOSIGNAL) then cannot raise SIGPIPE. */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) == 0 && pipe2(out, O_CLOEXEC) == 0 &&
        pipe2(err, O_CLOEXEC) == 0)
        pid = fork();
    if (pid == 0) {
        setpgid(0, 0); /* its own group: the deadline ends its children too */
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        if (spec->cwd && chdir(spec->cwd) < 0)
            _exit(126);
        execvpe(spec->argv[0], (char *const *)spec->argv, env);
        _exit(127);
    }
    if (pid < 0) {
        close_pair(in);
        close_pair(out);
        close_pair(err);
        return -1;
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    *fds = (child_fds){in[1], out[0], err[0]};
    return pid;
}

/* Keep what fits of @n bytes in @b. */
static void keep(strbuf *b, const char *data, size_t n, size_t max)
{
    if (b->len < max)
        ukiyo__strbuf_append(b, data, n < max - b->len ? n : max - b->len);
}

/* Read stdout and stderr until both end or the deadline passes; false on the deadline. */
static bool read_outputs(const child_fds *fds, process_result *r, size_t max, int64_t deadline)
{
    struct pollfd p[2] = {{.fd = fds->out, .events = POLLIN}, {.fd = fds->err, .events = POLLIN}};
    strbuf *into[2] = {&r->out, &r->err};
    int open_count = 2;
    char chunk[4096];

    while (open_count > 0) {
        int64_t left = deadline - monotonic_ms();
        if (left <= 0)
            return false;
        int rc = poll(p, 2, (int)left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return false;
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(p[i].fd, chunk, sizeof(chunk));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                p[i].fd = -1;
                open_count--;
            } else {
                keep(into[i], chunk, (size_t)n, max);
            }
        }
    }
    return true;
}

int ukiyo__process_run(const process_spec *spec, process_result *r)
{
    char **env = child_environment(spec->env);
    child_fds fds;
    int status = 0;

    memset(r, 0, sizeof(*r));
    if (!env)
        return UKIYO_ENOMEM;
    pid_t pid = spawn(spec, env, &fds);
    free(env);
    if (pid < 0)
        return ukiyo__error_set(UKIYO_EIO, "cannot run %s: %s", spec->argv[0], strerror(errno));
    if (spec->input && send(fds.in, spec->input, strlen(spec->input), MSG_NOSIGNAL) < 0)
        log_debug("%s did not read its input", spec->argv[0]);
    close(fds.in);
    bool finished = read_outputs(&fds, r, spec->output_max, monotonic_ms() + spec->timeout_ms);
    close(fds.out);
    close(fds.err);
    if (!finished)
        kill(-pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    r->timed_out = !finished;
    r->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r->not_found = r->exit_status == 127;
    return 0;
}

void ukiyo__process_result_clear(process_result *r)
{
    if (r->out.data)
        memset(r->out.data, 0, r->out.len);
    ukiyo__strbuf_free(&r->out);
    ukiyo__strbuf_free(&r->err);
}
