/*
 * door.c - see door.h.
 *
 * Why a thread of its own for deadlines: libmicrohttpd's connection timeout
 * counts from the last byte received, so a client trickling one byte every
 * few seconds holds a connection for ever. The door counts from the start
 * of each request and, when the deadline passes while the request is still
 * being read, writes a 408 and shuts the socket; libmicrohttpd then sees the
 * end of the stream and closes the connection itself. The record of a
 * connection is removed in libmicrohttpd's "closed" notification, which
 * comes before it closes the descriptor, and the door touches descriptors
 * only under its lock: it never shuts a descriptor number that was reused.
 *
 * Connections past a limit are accepted, answered 429 (per address) or 503
 * (in all) and shut at once, so a client learns why instead of waiting in
 * the kernel's backlog. Those refused connections have a room of their own
 * (DOOR_REFUSAL_ROOM), apart from the served ones; when it is full, more
 * are closed at accept without a word.
 */
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "door.h"
#include "thread.h"
#include "ukiyod.h"

#define DOOR_REFUSAL_ROOM 64        /* refused connections on their way out */
#define DOOR_REFUSED_LINGER_MS 2000 /* how long a refused connection may stay */
#define DOOR_SUMMARY_MS 10000       /* refusals are logged at most this often */
#define DOOR_REASONS_MAX 16
#define DOOR_BACKSTOP_S 5 /* libmicrohttpd's inactivity timeout past the deadline */

typedef enum { CONN_READING, CONN_SERVING, CONN_ENDED } conn_phase;

struct door_conn {
    door_conn *prev, *next;
    int fd;
    unsigned char address[16]; /* IPv4 as v4-mapped IPv6 */
    long long start_ms;        /* of the request being read */
    conn_phase phase;
    bool refused;
};

struct door {
    door_limits limits;
    daemon_thread thread; /* its lock guards what follows */
    door_conn *head;
    unsigned connections; /* served: not refused */
    unsigned refused;     /* answered 429 or 503, on their way out */
    size_t buffered;
    long long asleep_until; /* the door thread's wake-up: -1 none, 0 awake */
    long long news;         /* the earliest deadline begun while it was awake, or -1 */
};

/* The tally of refusals since the last summary line. */
static struct {
    pthread_mutex_t lock;
    const char *reasons[DOOR_REASONS_MAX];
    unsigned long long counts[DOOR_REASONS_MAX];
    bool pending;
} tally = {.lock = PTHREAD_MUTEX_INITIALIZER};
static door *active_door;

static void address_key(const struct sockaddr *sa, unsigned char key[16])
{
    memset(key, 0, 16);
    if (sa && sa->sa_family == AF_INET) {
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    } else if (sa && sa->sa_family == AF_INET6) {
        memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
    }
}

static unsigned count_address(const door *d, const unsigned char key[16])
{
    unsigned n = 0;
    for (const door_conn *c = d->head; c; c = c->next)
        n += !c->refused && memcmp(c->address, key, 16) == 0;
    return n;
}

static const char *status_text(unsigned status)
{
    switch (status) {
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    default: return "Service Unavailable";
    }
}

void door_write_answer(int fd, unsigned status, const char *code, const char *message)
{
    json_t *doc = json_pack("{s:s, s:s}", "error", message, "code", code);
    char *body = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char head[256];

    json_decref(doc);
    if (!body)
        return;
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %u %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n%s\r\n",
                     status, status_text(status), strlen(body),
                     status == 429 || status == 503 ? "Retry-After: 1\r\n" : "");
    /* Non-blocking: a client that reads nothing gets nothing. */
    if (send(fd, head, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) == n)
        (void)!send(fd, body, strlen(body), MSG_DONTWAIT | MSG_NOSIGNAL);
    free(body);
}

/* ---- refusals ---------------------------------------------------------- */

void door_note_refusal(const char *reason)
{
    size_t i;

    metrics_refused(reason);
    pthread_mutex_lock(&tally.lock);
    for (i = 0; i < DOOR_REASONS_MAX && tally.reasons[i] && strcmp(tally.reasons[i], reason); i++)
        ;
    if (i < DOOR_REASONS_MAX) {
        tally.reasons[i] = reason;
        tally.counts[i]++;
    }
    bool first = !tally.pending;
    tally.pending = true;
    pthread_mutex_unlock(&tally.lock);
    /* The door's thread may be asleep with no deadline to wait for. */
    if (first && active_door) {
        pthread_mutex_lock(&active_door->thread.lock);
        daemon_thread_wake_locked(&active_door->thread, false);
        pthread_mutex_unlock(&active_door->thread.lock);
    }
}

/* One line: "requests refused" unauthorized=1000 not_found=3. */
static void log_refusals(void)
{
    const char *fields[2 * DOOR_REASONS_MAX + 1] = {NULL};
    char counts[DOOR_REASONS_MAX][24];
    size_t n = 0;

    pthread_mutex_lock(&tally.lock);
    for (size_t i = 0; i < DOOR_REASONS_MAX && tally.reasons[i]; i++) {
        if (!tally.counts[i])
            continue;
        snprintf(counts[n / 2], sizeof(counts[0]), "%llu", tally.counts[i]);
        fields[n] = tally.reasons[i];
        fields[n + 1] = counts[n / 2];
        n += 2;
        tally.counts[i] = 0;
    }
    tally.pending = false;
    pthread_mutex_unlock(&tally.lock);
    if (n)
        daemon_log(UKIYO_LOG_WARNING, "requests refused", fields);
}

/* ---- connections ------------------------------------------------------- */

typedef enum { ADMIT, ANSWER_429, ANSWER_503, CLOSE_SILENTLY } admission;

/* Whether a connection from @key may be served, answered and shut, or only closed. Under the lock.
 */
static admission admit(const door *d, const unsigned char key[16])
{
    admission a = ADMIT;

    if (count_address(d, key) >= d->limits.max_per_address)
        a = ANSWER_429;
    else if (d->connections >= d->limits.max_connections)
        a = ANSWER_503;
    /* Refused connections have a room of their own: a flood cannot fill the served ones'. */
    if (a != ADMIT && d->refused >= DOOR_REFUSAL_ROOM)
        a = CLOSE_SILENTLY;
    return a;
}

enum MHD_Result door_accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    door *d = cls;
    unsigned char key[16];

    (void)addrlen;
    address_key(addr, key);
    pthread_mutex_lock(&d->thread.lock);
    admission a = admit(d, key);
    pthread_mutex_unlock(&d->thread.lock);
    if (a == CLOSE_SILENTLY)
        door_note_refusal("connections_closed");
    return a == CLOSE_SILENTLY ? MHD_NO : MHD_YES;
}

static long long deadline_of(const door *d, const door_conn *c)
{
    return c->start_ms +
           (c->refused ? DOOR_REFUSED_LINGER_MS : (long long)d->limits.deadline_s * 1000);
}

/*
 * A request's deadline is news to the door's thread only when it comes
 * before the wake-up the thread sleeps towards: a deadline is a fixed time
 * from the request's start, so in a steady stream of requests each one is
 * later than the ones before and the thread sleeps on. Under the lock.
 */
static void tell_door_thread(door *d, const door_conn *c)
{
    long long due = deadline_of(d, c);

    if (d->asleep_until == 0) { /* awake: it takes the news into its next sleep */
        if (d->news < 0 || due < d->news)
            d->news = due;
    } else if (d->asleep_until < 0 || due < d->asleep_until) {
        daemon_thread_wake_locked(&d->thread, false);
    }
}

static void connection_started(door *d, struct MHD_Connection *conn, void **socket_context)
{
    const union MHD_ConnectionInfo *fd =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *addr =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    door_conn *c = calloc(1, sizeof(*c));
    const char *refusal = NULL, *why = NULL;
    unsigned status = 0;
    admission a;

    if (!c)
        return;
    c->fd = fd ? fd->connect_fd : -1;
    address_key(addr ? addr->client_addr : NULL, c->address);
    c->start_ms = monotonic_ms();
    pthread_mutex_lock(&d->thread.lock);
    a = admit(d, c->address);
    if (a == ANSWER_503) {
        refusal = "connections_full";
        status = 503;
        why = "ukiyod holds as many connections as it may";
    } else if (a != ADMIT) {
        refusal = "connections_per_address";
        status = 429;
        why = "too many connections from this address";
    }
    c->refused = refusal != NULL;
    c->next = d->head;
    if (d->head)
        d->head->prev = c;
    d->head = c;
    if (c->refused)
        d->refused++;
    else
        d->connections++;
    if (refusal) {
        door_write_answer(c->fd, status, refusal, why);
        shutdown(c->fd, SHUT_WR);
    }
    tell_door_thread(d, c);
    pthread_mutex_unlock(&d->thread.lock);
    *socket_context = c;
    if (refusal)
        door_note_refusal(refusal);
}

static void connection_closed(door *d, door_conn *c)
{
    pthread_mutex_lock(&d->thread.lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        d->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->refused)
        d->refused--;
    else
        d->connections--;
    pthread_mutex_unlock(&d->thread.lock);
    free(c);
}

void door_connection_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                            enum MHD_ConnectionNotificationCode toe)
{
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        connection_started(cls, conn, socket_context);
    else if (*socket_context)
        connection_closed(cls, *socket_context);
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED)
        *socket_context = NULL;
}

door_conn *door_conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

bool door_conn_refused(const door_conn *c)
{
    return c && c->refused;
}

bool door_conn_overdue(door *d, door_conn *c)
{
    if (!c)
        return false;
    pthread_mutex_lock(&d->thread.lock);
    bool overdue = c->phase != CONN_SERVING && monotonic_ms() >= deadline_of(d, c);
    pthread_mutex_unlock(&d->thread.lock);
    return overdue;
}

void door_conn_serving(door *d, door_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&d->thread.lock);
    if (c->phase == CONN_READING)
        c->phase = CONN_SERVING;
    pthread_mutex_unlock(&d->thread.lock);
}

void door_conn_idle(door *d, door_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&d->thread.lock);
    if (c->phase == CONN_SERVING)
        c->phase = CONN_READING;
    c->start_ms = monotonic_ms();
    tell_door_thread(d, c);
    pthread_mutex_unlock(&d->thread.lock);
}

int door_conn_fd(const door_conn *c)
{
    return c ? c->fd : -1;
}

unsigned door_connection_cap(const door *d)
{
    return d->limits.max_connections + DOOR_REFUSAL_ROOM;
}

unsigned door_inactivity_timeout_s(const door *d)
{
    return d->limits.deadline_s + DOOR_BACKSTOP_S;
}

/* ---- the body budget --------------------------------------------------- */

bool door_reserve(door *d, size_t bytes)
{
    pthread_mutex_lock(&d->thread.lock);
    bool ok = bytes <= d->limits.buffer_limit - d->buffered;
    if (ok)
        d->buffered += bytes;
    pthread_mutex_unlock(&d->thread.lock);
    return ok;
}

void door_release(door *d, size_t bytes)
{
    pthread_mutex_lock(&d->thread.lock);
    d->buffered -= bytes < d->buffered ? bytes : d->buffered;
    pthread_mutex_unlock(&d->thread.lock);
}

/* ---- the door's thread --------------------------------------------------- */

/* End the requests past their deadline; the earliest deadline still ahead. Under the lock. */
static long long end_overdue(door *d, long long now, unsigned *ended)
{
    long long next = -1;

    for (door_conn *c = d->head; c; c = c->next) {
        if (c->phase != CONN_READING)
            continue;
        long long due = deadline_of(d, c);
        if (due > now) {
            next = next < 0 || due < next ? due : next;
            continue;
        }
        if (!c->refused) {
            door_write_answer(c->fd, 408, "deadline",
                              "the request was not received within the deadline");
            (*ended)++;
        }
        shutdown(c->fd, SHUT_RDWR);
        c->phase = CONN_ENDED;
    }
    return next;
}

static void *door_thread(void *arg)
{
    door *d = arg;
    long long next_summary = 0;

    pthread_mutex_lock(&d->thread.lock);
    while (!d->thread.stop) {
        long long now = monotonic_ms();
        unsigned ended = 0;
        long long due = end_overdue(d, now, &ended);
        pthread_mutex_unlock(&d->thread.lock);
        for (unsigned i = 0; i < ended; i++)
            door_note_refusal("deadline");
        pthread_mutex_lock(&tally.lock);
        bool pending = tally.pending;
        pthread_mutex_unlock(&tally.lock);
        if (pending && now >= next_summary) {
            log_refusals();
            next_summary = now + DOOR_SUMMARY_MS;
            pending = false;
        }
        if (pending && (due < 0 || next_summary < due))
            due = next_summary;
        pthread_mutex_lock(&d->thread.lock);
        if (!d->thread.stop) {
            if (d->news >= 0 && (due < 0 || d->news < due))
                due = d->news;
            d->news = -1;
            d->asleep_until = due;
            daemon_thread_sleep_locked(&d->thread, due);
            d->asleep_until = 0;
        }
    }
    pthread_mutex_unlock(&d->thread.lock);
    return NULL;
}

int door_start(door **out, const door_limits *limits)
{
    door *d = calloc(1, sizeof(*d));

    if (!d)
        return -1;
    d->limits = *limits;
    d->news = -1;
    daemon_thread_init(&d->thread);
    if (daemon_thread_start(&d->thread, door_thread, d) < 0) {
        daemon_thread_destroy(&d->thread);
        free(d);
        return -1;
    }
    active_door = d;
    *out = d;
    return 0;
}

void door_stop(door *d)
{
    if (!d)
        return;
    daemon_thread_stop(&d->thread);
    active_door = NULL;
    log_refusals();
    daemon_thread_destroy(&d->thread);
    free(d);
}
