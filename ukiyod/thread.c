/*
 * thread.c - see thread.h.
 */
#include <time.h>

#include "thread.h"

long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void daemon_thread_init(daemon_thread *t)
{
    pthread_condattr_t attr;

    pthread_mutex_init(&t->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&t->wake, &attr);
    pthread_condattr_destroy(&attr);
    t->stop = false;
    t->running = 0;
}

int daemon_thread_start(daemon_thread *t, void *(*main)(void *), void *arg)
{
    if (t->running == sizeof(t->threads) / sizeof(t->threads[0]) ||
        pthread_create(&t->threads[t->running], NULL, main, arg) != 0)
        return -1;
    t->running++;
    return 0;
}

void daemon_thread_wake_locked(daemon_thread *t, bool all)
{
    if (all)
        pthread_cond_broadcast(&t->wake);
    else
        pthread_cond_signal(&t->wake);
}

void daemon_thread_sleep_locked(daemon_thread *t, long long due_ms)
{
    if (due_ms < 0) {
        pthread_cond_wait(&t->wake, &t->lock);
        return;
    }
    struct timespec until = {.tv_sec = due_ms / 1000, .tv_nsec = (due_ms % 1000) * 1000000};
    pthread_cond_timedwait(&t->wake, &t->lock, &until);
}

void daemon_thread_stop(daemon_thread *t)
{
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    pthread_cond_broadcast(&t->wake);
    pthread_mutex_unlock(&t->lock);
    for (unsigned i = 0; i < t->running; i++)
        pthread_join(t->threads[i], NULL);
    t->running = 0;
}

void daemon_thread_destroy(daemon_thread *t)
{
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
}
