/*
 * engine_proxy.c - see engine_proxy.h. A thread per connection relays
 * bytes with poll(); the client's side is looked at for the trigger.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine_proxy.h"

#define ENGINE_SOCKET "/var/run/docker.sock"

struct engine_proxy {
    int listen_fd;
    char path[108];
    char host[128];
    char trigger[128];
    atomic_bool gone;
    atomic_int delay_ms; /* before each request is relayed */
    char before_text[128];
    void (*before_fn)(void *arg);
    void *before_arg;
    atomic_bool before_done;
    pthread_t acceptor;
};

typedef struct {
    engine_proxy *p;
    int client;
} relay_arg;

static int connect_engine(void)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", ENGINE_SOCKET);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool copy_once(int from, int to, engine_proxy *p, bool check)
{
    char buf[16384];
    ssize_t n = read(from, buf, sizeof(buf));

    if (n <= 0)
        return false;
    if (check && p->trigger[0] && memmem(buf, (size_t)n, p->trigger, strlen(p->trigger)))
        p->gone = true;
    if (p->gone)
        return false;
    if (check && p->delay_ms > 0)
        usleep((useconds_t)p->delay_ms * 1000);
    if (check && p->before_fn && !p->before_done &&
        memmem(buf, (size_t)n, p->before_text, strlen(p->before_text))) {
        p->before_done = true;
        p->before_fn(p->before_arg);
    }
    return write(to, buf, (size_t)n) == n;
}

static void *relay(void *arg)
{
    relay_arg *a = arg;
    engine_proxy *p = a->p;
    int client = a->client, engine = p->gone ? -1 : connect_engine();

    free(a);
    while (engine >= 0 && !p->gone) {
        struct pollfd fds[2] = {{.fd = client, .events = POLLIN}, {.fd = engine, .events = POLLIN}};
        if (poll(fds, 2, 200) < 0)
            break;
        if ((fds[0].revents & (POLLIN | POLLHUP)) && !copy_once(client, engine, p, true))
            break;
        if ((fds[1].revents & (POLLIN | POLLHUP)) && !copy_once(engine, client, p, false))
            break;
    }
    if (engine >= 0)
        close(engine);
    close(client);
    return NULL;
}

static void *accept_loop(void *arg)
{
    engine_proxy *p = arg;
    int client;

    while ((client = accept(p->listen_fd, NULL, NULL)) >= 0) {
        relay_arg *a = malloc(sizeof(*a));
        pthread_t t;
        a->p = p;
        a->client = client;
        if (pthread_create(&t, NULL, relay, a) == 0)
            pthread_detach(t);
        else {
            close(client);
            free(a);
        }
    }
    return NULL;
}

engine_proxy *engine_proxy_start(void)
{
    engine_proxy *p = calloc(1, sizeof(*p));
    struct sockaddr_un addr = {.sun_family = AF_UNIX};

    snprintf(p->path, sizeof(p->path), "/tmp/ukiyo-test-%d-engine.sock", (int)getpid());
    snprintf(p->host, sizeof(p->host), "unix://%s", p->path);
    unlink(p->path);
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", p->path);
    p->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (bind(p->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(p->listen_fd, 16) < 0 || pthread_create(&p->acceptor, NULL, accept_loop, p) != 0) {
        close(p->listen_fd);
        free(p);
        return NULL;
    }
    return p;
}

const char *engine_proxy_host(const engine_proxy *p)
{
    return p->host;
}

void engine_proxy_vanish_at(engine_proxy *p, const char *text)
{
    snprintf(p->trigger, sizeof(p->trigger), "%s", text);
}

void engine_proxy_delay(engine_proxy *p, int ms)
{
    p->delay_ms = ms;
}

void engine_proxy_before(engine_proxy *p, const char *text, void (*fn)(void *arg), void *arg)
{
    snprintf(p->before_text, sizeof(p->before_text), "%s", text);
    p->before_arg = arg;
    p->before_done = false;
    p->before_fn = fn;
}

void engine_proxy_stop(engine_proxy *p)
{
    if (!p)
        return;
    p->gone = true;
    shutdown(p->listen_fd, SHUT_RDWR);
    close(p->listen_fd);
    pthread_join(p->acceptor, NULL);
    unlink(p->path);
    usleep(300 * 1000); /* relays notice "gone" within a poll interval */
    free(p);
}
