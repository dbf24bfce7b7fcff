/*
 * metrics.c - GET /metrics in Prometheus' text format (version 0.0.4).
 *
 * Counters that only this process sees (webhooks, polls, notifications)
 * live here behind one mutex; what the store knows (update outcomes by
 * container, jobs by state) is read from it at each scrape, so those
 * survive restarts.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

#define MAX_SERIES 64

typedef struct {
    char labels[160]; /* 'format="quay",reason="unauthorized"' */
    unsigned long long value;
} series;

typedef struct {
    const char *name, *help;
    series items[MAX_SERIES];
    size_t count;
} family;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static family webhooks_received = {"ukiyo_webhooks_received_total",
                                   "Webhook deliveries received, by format",
                                   {{"", 0}},
                                   0};
static family webhooks_accepted = {"ukiyo_webhooks_accepted_total",
                                   "Webhook deliveries that queued jobs, by format",
                                   {{"", 0}},
                                   0};
static family webhooks_refused = {"ukiyo_webhooks_refused_total",
                                  "Webhook deliveries refused, by format and reason",
                                  {{"", 0}},
                                  0};
static family refused = {"ukiyo_http_refused_total",
                         "Requests the front door refused, by reason",
                         {{"", 0}},
                         0};
static family notifications = {"ukiyo_notifications_total",
                               "Notifications sent, by target and result",
                               {{"", 0}},
                               0};
static unsigned long long poll_requests;
static int rate_limit_remaining = -1;
static unsigned notify_targets_invalid;

/* Label values escaped as the format wants: backslash, quote, newline. */
static void escape(char *out, size_t size, const char *in)
{
    size_t n = 0;
    for (; in && *in && n + 3 < size; in++) {
        if (*in == '\\' || *in == '"' || *in == '\n') {
            out[n++] = '\\';
            out[n++] = *in == '\n' ? 'n' : *in;
        } else {
            out[n++] = *in;
        }
    }
    out[n] = '\0';
}

static void bump(family *f, const char *key1, const char *value1, const char *key2,
                 const char *value2)
{
    char a[64], b[64], labels[160];
    escape(a, sizeof(a), value1);
    escape(b, sizeof(b), value2);
    if (key2)
        snprintf(labels, sizeof(labels), "%s=\"%s\",%s=\"%s\"", key1, a, key2, b);
    else
        snprintf(labels, sizeof(labels), "%s=\"%s\"", key1, a);
    pthread_mutex_lock(&lock);
    size_t i = 0;
    while (i < f->count && strcmp(f->items[i].labels, labels) != 0)
        i++;
    if (i == f->count && f->count < MAX_SERIES)
        snprintf(f->items[f->count++].labels, sizeof(f->items[0].labels), "%s", labels);
    if (i < f->count)
        f->items[i].value++;
    pthread_mutex_unlock(&lock);
}

void metrics_webhook(const char *format, const char *refused_reason, bool accepted)
{
    format = format ? format : "unknown";
    bump(&webhooks_received, "format", format, NULL, NULL);
    if (refused_reason)
        bump(&webhooks_refused, "format", format, "reason", refused_reason);
    else if (accepted)
        bump(&webhooks_accepted, "format", format, NULL, NULL);
}

void metrics_refused(const char *reason)
{
    bump(&refused, "reason", reason, NULL, NULL);
}

void metrics_poll(unsigned long long requests_total, int remaining)
{
    pthread_mutex_lock(&lock);
    poll_requests = requests_total;
    if (remaining >= 0)
        rate_limit_remaining = remaining;
    pthread_mutex_unlock(&lock);
}

void metrics_notification(const char *target, bool ok)
{
    bump(&notifications, "target", target, "result", ok ? "sent" : "failed");
}

void metrics_notify_targets_invalid(unsigned count)
{
    pthread_mutex_lock(&lock);
    notify_targets_invalid = count;
    pthread_mutex_unlock(&lock);
}

static void print_family(FILE *out, const family *f)
{
    fprintf(out, "# HELP %s %s.\n# TYPE %s counter\n", f->name, f->help, f->name);
    for (size_t i = 0; i < f->count; i++)
        fprintf(out, "%s{%s} %llu\n", f->name, f->items[i].labels, f->items[i].value);
}

static void print_process_counters(FILE *out)
{
    pthread_mutex_lock(&lock);
    print_family(out, &webhooks_received);
    print_family(out, &webhooks_accepted);
    print_family(out, &webhooks_refused);
    print_family(out, &refused);
    print_family(out, &notifications);
    fprintf(out,
            "# HELP ukiyo_poll_requests_total Registry requests made by polls.\n"
            "# TYPE ukiyo_poll_requests_total counter\nukiyo_poll_requests_total %llu\n",
            poll_requests);
    if (rate_limit_remaining >= 0)
        fprintf(out,
                "# HELP ukiyo_registry_rate_limit_remaining The last ratelimit-remaining a "
                "registry sent.\n# TYPE ukiyo_registry_rate_limit_remaining gauge\n"
                "ukiyo_registry_rate_limit_remaining %d\n",
                rate_limit_remaining);
    fprintf(out,
            "# HELP ukiyo_notify_targets_invalid Notification targets refused at start.\n"
            "# TYPE ukiyo_notify_targets_invalid gauge\nukiyo_notify_targets_invalid %u\n",
            notify_targets_invalid);
    pthread_mutex_unlock(&lock);
}

/* Which of the store's (kind, outcome) rows a counter family counts. */
static bool is_update(const char *kind, const char *outcome)
{
    return strcmp(kind, "rollback") != 0 && strcmp(outcome, "updated") == 0;
}

static bool is_automatic_rollback(const char *kind, const char *outcome)
{
    return strcmp(kind, "rollback") != 0 && strcmp(outcome, "rolled-back") == 0;
}

/* A manual rollback that took (recorded "updated" before ukiyo 0.2). */
static bool is_manual_rollback(const char *kind, const char *outcome)
{
    return strcmp(kind, "rollback") == 0 &&
           (strcmp(outcome, "rolled-back") == 0 || strcmp(outcome, "updated") == 0);
}

static bool is_failure(const char *kind, const char *outcome)
{
    (void)kind;
    return strcmp(outcome, "failed") == 0;
}

/* One counter family from the store's outcomes: the rows @counts, summed by container. */
static void print_outcomes(FILE *out, const ukiyo_store_stats *stats, const char *name,
                           const char *help, bool (*counts)(const char *, const char *))
{
    fprintf(out, "# HELP %s %s.\n# TYPE %s counter\n", name, help, name);
    const char *last = NULL;
    long long sum = 0;
    for (size_t i = 0; i <= ukiyo_store_stats_outcome_count(stats); i++) {
        const char *c = NULL, *k = NULL, *oc = NULL;
        int64_t count = i < ukiyo_store_stats_outcome_count(stats)
                            ? ukiyo_store_stats_outcome(stats, i, &c, &k, &oc)
                            : 0;
        /* Rows come by container: print one when the container changes. */
        if (last && (!c || strcmp(c, last) != 0) && sum > 0) {
            char label[256];
            escape(label, sizeof(label), last);
            fprintf(out, "%s{container=\"%s\"} %lld\n", name, label, sum);
        }
        if (!c)
            break;
        if (!last || strcmp(c, last) != 0)
            sum = 0;
        last = c;
        if (k && oc && counts(k, oc))
            sum += count;
    }
}

static void print_store(FILE *out, const ukiyo_store_stats *stats)
{
    static const char *const states[] = {"queued", "running", "done", "partial", "failed"};

    print_outcomes(out, stats, "ukiyo_updates_total",
                   "Containers recreated on a new image (updates and redeploys), by container",
                   is_update);
    print_outcomes(out, stats, "ukiyo_rollbacks_total",
                   "New containers that failed their health gate and were rolled back, by "
                   "container",
                   is_automatic_rollback);
    print_outcomes(out, stats, "ukiyo_manual_rollbacks_total",
                   "Containers put back on their previous image on request, by container",
                   is_manual_rollback);
    print_outcomes(out, stats, "ukiyo_update_failures_total",
                   "Updates that failed before any change or could not be undone, by container",
                   is_failure);
    fprintf(out, "# HELP ukiyo_jobs Jobs in the store, by state.\n# TYPE ukiyo_jobs gauge\n");
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
        fprintf(out, "ukiyo_jobs{state=\"%s\"} %lld\n", states[i],
                (long long)ukiyo_store_stats_jobs(stats, states[i]));
}

int handle_metrics(route_context *ctx, const route_request *req)
{
    ukiyo_store_stats *stats = NULL;
    char *text = NULL;
    size_t len = 0;

    int err = ukiyo_store_stats_get(&stats, ukiyo_get_store(ctx->u));
    if (err < 0)
        return server_answer_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "store",
                                   ukiyo_error_last());
    FILE *out = open_memstream(&text, &len);
    if (!out) {
        ukiyo_store_stats_free(stats);
        return MHD_NO;
    }
    fprintf(out,
            "# HELP ukiyo_build_info The running ukiyod.\n# TYPE ukiyo_build_info gauge\n"
            "ukiyo_build_info{version=\"%s\"} 1\n",
            ukiyo_version());
    print_store(out, stats);
    print_process_counters(out);
    fclose(out);
    ukiyo_store_stats_free(stats);
    return server_answer_text(req, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text);
}
