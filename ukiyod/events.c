/*
 * events.c - the live event stream, GET /api/v1/events (Server-Sent
 * Events): what the worker and the request handlers' library handles tell
 * of jobs and updates, kept in a ring of the last EVENT_RING events, each
 * with a sequence number as its SSE id, so a client that reconnects with
 * Last-Event-ID catches up (or, when it fell out of the ring, is told to
 * reload with an "overflow" event).
 *
 * A stream is a libmicrohttpd response whose reader writes the events a
 * client has not seen; with none, it suspends its connection and waits in
 * the list of waiters. A new event, the keepalive tick (every
 * EVENT_KEEPALIVE_MS, also how a gone client is noticed) or the stop
 * resumes them. A waiter is resumed by whoever takes it off the list, once:
 * it cannot be closed while suspended, so its connection is valid then.
 * libmicrohttpd makes a resume that comes before the suspend cancel it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "thread.h"

#define EVENT_RING 512
#define EVENT_MAX_BYTES (32 * 1024) /* a bigger one is sent as its type alone */
#define EVENT_KEEPALIVE_MS 15000
#define EVENT_STREAMS_MAX 256

typedef struct {
    unsigned long long id;
    char *text; /* "id: N\nevent: TYPE\ndata: JSON\n\n" */
} ring_event;

struct event_stream {
    event_bus *bus;
    struct MHD_Connection *conn;
    unsigned long long last_id; /* the last event it was sent */
    unsigned long long ticks;   /* the keepalive ticks it answered */
    bool waiting;               /* on the bus's waiter list, suspended (or about to be) */
    bool closed;                /* the bus stopped: end the stream */
    event_stream *next_waiter;
    size_t offset; /* bytes of pending already written */
    char *pending; /* what the reader is in the middle of writing */
};

struct event_bus {
    daemon_thread thread; /* the keepalive ticker; its lock guards all below */
    ring_event ring[EVENT_RING];
    unsigned long long next_id; /* the id the next event gets; from 1 */
    unsigned long long ticks;
    event_stream *waiters;
    unsigned streams;
    bool stopped;
};

/* Take every waiter off the list (under the lock); the caller resumes them unlocked. */
static event_stream *take_waiters_locked(event_bus *b)
{
    event_stream *w = b->waiters;

    b->waiters = NULL;
    for (event_stream *s = w; s; s = s->next_waiter)
        s->waiting = false;
    return w;
}

static void resume_all(event_stream *w)
{
    while (w) {
        event_stream *next = w->next_waiter;
        w->next_waiter = NULL;
        MHD_resume_connection(w->conn);
        w = next;
    }
}

static void *tick_main(void *arg)
{
    event_bus *b = arg;

    pthread_mutex_lock(&b->thread.lock);
    while (!b->thread.stop) {
        daemon_thread_sleep_locked(&b->thread, monotonic_ms() + EVENT_KEEPALIVE_MS);
        if (b->thread.stop)
            break;
        b->ticks++;
        event_stream *w = take_waiters_locked(b);
        pthread_mutex_unlock(&b->thread.lock);
        resume_all(w);
        pthread_mutex_lock(&b->thread.lock);
    }
    pthread_mutex_unlock(&b->thread.lock);
    return NULL;
}

int event_bus_start(event_bus **out)
{
    event_bus *b = calloc(1, sizeof(*b));

    if (!b)
        return -1;
    b->next_id = 1;
    daemon_thread_init(&b->thread);
    if (daemon_thread_start(&b->thread, tick_main, b) < 0) {
        daemon_thread_destroy(&b->thread);
        free(b);
        return -1;
    }
    *out = b;
    return 0;
}

void event_bus_publish(event_bus *b, const char *type, json_t *data)
{
    char *json = data ? json_dumps(data, JSON_COMPACT) : NULL;

    json_decref(data);
    if (!b || !json) {
        free(json);
        return;
    }
    pthread_mutex_lock(&b->thread.lock);
    unsigned long long id = b->next_id++;
    char *text = NULL;
    if (asprintf(&text, "id: %llu\nevent: %s\ndata: %s\n\n", id, type,
                 strlen(json) > EVENT_MAX_BYTES ? "{\"truncated\":true}" : json) < 0)
        text = NULL;
    ring_event *slot = &b->ring[id % EVENT_RING];
    free(slot->text);
    slot->id = id;
    slot->text = text;
    event_stream *w = b->stopped ? NULL : take_waiters_locked(b);
    pthread_mutex_unlock(&b->thread.lock);
    free(json);
    resume_all(w);
}

void event_bus_stop(event_bus *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->thread.lock);
    b->stopped = true;
    event_stream *w = take_waiters_locked(b);
    for (event_stream *s = w; s; s = s->next_waiter)
        s->closed = true;
    pthread_mutex_unlock(&b->thread.lock);
    resume_all(w);
    daemon_thread_stop(&b->thread);
}

void event_bus_free(event_bus *b)
{
    if (!b)
        return;
    daemon_thread_destroy(&b->thread);
    for (size_t i = 0; i < EVENT_RING; i++)
        free(b->ring[i].text);
    free(b);
}

/* ---- one client's stream -------------------------------------------------- */

/*
 * What @s is to be sent next (new), under the lock: the next event it has
 * not seen, "overflow" when that fell out of the ring, a keepalive comment
 * after a tick; NULL when there is nothing yet.
 */
static char *next_text_locked(event_stream *s)
{
    event_bus *b = s->bus;
    unsigned long long oldest = b->next_id > EVENT_RING ? b->next_id - EVENT_RING : 1;

    if (s->last_id + 1 < b->next_id) {
        if (s->last_id + 1 < oldest) {
            s->last_id = b->next_id - 1;
            return strdup("event: overflow\ndata: {\"reload\":true}\n\n");
        }
        ring_event *e = &b->ring[(s->last_id + 1) % EVENT_RING];
        s->last_id++;
        return strdup(e->text ? e->text : ": lost\n\n");
    }
    if (s->ticks != b->ticks) {
        s->ticks = b->ticks;
        return strdup(": keepalive\n\n");
    }
    return NULL;
}

static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
    event_stream *s = cls;
    size_t written = 0;

    (void)pos;
    pthread_mutex_lock(&s->bus->thread.lock);
    if (s->closed || s->bus->stopped) {
        pthread_mutex_unlock(&s->bus->thread.lock);
        return written ? (ssize_t)written : MHD_CONTENT_READER_END_OF_STREAM;
    }
    while (written < max) {
        if (!s->pending && !(s->pending = next_text_locked(s)))
            break;
        size_t left = strlen(s->pending) - s->offset,
               n = left < max - written ? left : max - written;
        memcpy(buf + written, s->pending + s->offset, n);
        written += n;
        s->offset += n;
        if (s->offset == strlen(s->pending)) {
            free(s->pending);
            s->pending = NULL;
            s->offset = 0;
        }
    }
    if (written == 0) {
        /* Nothing new: wait, suspended, until an event, a tick or the stop resumes it. */
        s->waiting = true;
        s->next_waiter = s->bus->waiters;
        s->bus->waiters = s;
        pthread_mutex_unlock(&s->bus->thread.lock);
        MHD_suspend_connection(s->conn);
        return 0;
    }
    pthread_mutex_unlock(&s->bus->thread.lock);
    return (ssize_t)written;
}

static void free_stream(void *cls)
{
    event_stream *s = cls;
    event_bus *b = s->bus;

    pthread_mutex_lock(&b->thread.lock);
    /* Off the waiter list, should it be there (a daemon that stops closes suspended ones). */
    for (event_stream **p = &b->waiters; *p; p = &(*p)->next_waiter)
        if (*p == s) {
            *p = s->next_waiter;
            break;
        }
    b->streams--;
    pthread_mutex_unlock(&b->thread.lock);
    free(s->pending);
    free(s);
}

struct MHD_Response *event_stream_response(event_bus *b, struct MHD_Connection *conn,
                                           const char *last_event_id, const char **refusal)
{
    event_stream *s = calloc(1, sizeof(*s));

    *refusal = NULL;
    if (!s)
        return NULL;
    s->bus = b;
    s->conn = conn;
    pthread_mutex_lock(&b->thread.lock);
    if (b->streams >= EVENT_STREAMS_MAX || b->stopped) {
        pthread_mutex_unlock(&b->thread.lock);
        free(s);
        *refusal = b->stopped ? "ukiyod is stopping" : "too many event streams; try again later";
        return NULL;
    }
    /* From what it saw before it reconnected, else from now on. */
    char *end = NULL;
    unsigned long long seen = last_event_id ? strtoull(last_event_id, &end, 10) : 0;
    s->last_id = last_event_id && end && !*end && seen < b->next_id ? seen : b->next_id - 1;
    s->ticks = b->ticks;
    /* The first thing it reads: that it is connected, and the id it starts from. */
    if (asprintf(&s->pending, "retry: 2000\nevent: hello\ndata: {\"last_id\":%llu}\n\n",
                 s->last_id) < 0)
        s->pending = NULL;
    b->streams++;
    pthread_mutex_unlock(&b->thread.lock);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, read_stream, s, free_stream);
    if (!resp) {
        free_stream(s);
        return NULL;
    }
    MHD_add_response_header(resp, "Content-Type", "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    return resp;
}
