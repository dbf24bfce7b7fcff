/*
 * bench/http_floor.c - libmicrohttpd's own cost per request, for
 * bench/webhook.sh: a server built as ukiyod's HTTP thread is (one
 * internal polling thread on epoll, suspend and resume allowed) that reads
 * the body and answers a fixed 202 at once: no parse, no store, no other
 * thread. What ukiyod does above this line is its own work; what nginx
 * does above it is the library's.
 *
 *   build/bench/http_floor PORT   (listens on 127.0.0.1 until SIGTERM or SIGINT)
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>

static const char accepted[] = "{\"ResponseCode\":0,\"ResponseDesc\":\"accepted\"}";

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    static int started;
    (void)cls, (void)url, (void)method, (void)version, (void)upload;

    if (!*con_cls) { /* the headers: go on to the body */
        *con_cls = &started;
        return MHD_YES;
    }
    if (*upload_size > 0) { /* a piece of the body: taken */
        *upload_size = 0;
        return MHD_YES;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(accepted) - 1, (void *)accepted,
                                                             MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_ACCEPTED, r);
    MHD_destroy_response(r);
    return rc;
}

int main(int argc, char **argv)
{
    struct sockaddr_in addr = {.sin_family = AF_INET};
    int port = argc > 1 ? atoi(argv[1]) : 0;
    sigset_t stop;
    int sig;

    if (port <= 0 || port > 65535) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    /* Blocked before libmicrohttpd's thread starts, so that only sigwait() takes them. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME,
                         0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
                         (struct sockaddr *)&addr, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "%s: cannot listen on 127.0.0.1:%d\n", argv[0], port);
        return 1;
    }
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    return 0;
}
