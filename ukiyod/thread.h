/*
 * thread.h - the shape every daemon thread has: a lock, a condition it
 * sleeps on, a stop flag, and a join. The job worker, the notifier, the
 * request workers, the webhook committer, the engine watcher and the door
 * each embed one and keep their own state under its lock.
 */
#ifndef UKIYOD_THREAD_H
#define UKIYOD_THREAD_H

#include <pthread.h>
#include <stdbool.h>

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* timed waits count on CLOCK_MONOTONIC */
    bool stop;           /* under lock */
    unsigned running;    /* threads started */
    pthread_t threads[256];
} daemon_thread;

/* Ready the lock and the condition; no thread yet. */
void daemon_thread_init(daemon_thread *t);
/* Start one more thread on @t running @main(@arg). 0 or -1. */
int daemon_thread_start(daemon_thread *t, void *(*main)(void *), void *arg);
/* Under the lock: wake one sleeper (@all: every one). */
void daemon_thread_wake_locked(daemon_thread *t, bool all);
/*
 * Sleep under the lock until woken, or until @due_ms on CLOCK_MONOTONIC
 * (-1: no limit). The caller checks its conditions again after.
 */
void daemon_thread_sleep_locked(daemon_thread *t, long long due_ms);
/* Set stop, wake every thread, and join them. Safe to call twice. */
void daemon_thread_stop(daemon_thread *t);
/* Release the lock and the condition (after daemon_thread_stop). */
void daemon_thread_destroy(daemon_thread *t);
/* Milliseconds on CLOCK_MONOTONIC. */
long long monotonic_ms(void);

#endif
