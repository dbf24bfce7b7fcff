/*
 * notify.c - notification targets: parsing their URLs, the event JSON, the
 * chat messages, and delivery with bounded retries. E-mail is notify_smtp.c.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "manager_private.h"
#include "notify_private.h"

struct ukiyo_notifier {
    notify_target *targets;
    size_t count;
    unsigned int attempts;
    long timeout_ms, retry_delay_ms;
};

static const struct {
    const char *prefix;
    target_kind kind;
    const char *name;
} schemes[] = {
    {"slack+", TARGET_SLACK, "slack"},
    {"discord+", TARGET_DISCORD, "discord"},
    {"ntfy+", TARGET_NTFY, "ntfy"},
    {"", TARGET_WEBHOOK, "webhook"},
};

static void target_clear(notify_target *t)
{
    free(t->url);
    free(t->name);
    free(t->user);
    ukiyo__str_free_secret(t->password);
    free(t->from);
    free(t->cacert);
    for (size_t i = 0; i < t->to.count; i++)
        free(t->to.items[i]);
    free(t->to.items);
    memset(t, 0, sizeof(*t));
}

/* "https://user:password@host:port/..." -> "host:port" (new): the user and password stay out. */
static char *host_of(const char *url)
{
    const char *h = strstr(url, "://") + 3;
    size_t len = strcspn(h, "/?#");
    const char *at = memrchr(h, '@', len);

    if (at) {
        len -= (size_t)(at + 1 - h);
        h = at + 1;
    }
    return ukiyo__str_printf("%.*s", (int)len, h);
}

static int parse_target(const char *text, notify_target *t)
{
    memset(t, 0, sizeof(*t));
    if (!text || !text[0])
        return ukiyo__error_set(UKIYO_EINVAL, "an empty notification target");
    if (ukiyo__str_has_prefix(text, "smtp://") || ukiyo__str_has_prefix(text, "smtps://")) {
        t->kind = TARGET_SMTP;
        int err = ukiyo__smtp_target_parse(text, t);
        if (err < 0)
            ukiyo__error_wrap(err, "notification target smtp");
        return err;
    }
    for (size_t i = 0; i < ARRAY_SIZE(schemes); i++) {
        if (!ukiyo__str_has_prefix(text, schemes[i].prefix))
            continue;
        const char *url = text + strlen(schemes[i].prefix);
        if (!(ukiyo__str_has_prefix(url, "http://") || ukiyo__str_has_prefix(url, "https://")) ||
            strcspn(strstr(url, "://") + 3, "/?#") == 0 || strpbrk(url, " \t\r\n"))
            break;
        t->kind = schemes[i].kind;
        t->url = strdup(url);
        char *host = host_of(url);
        t->name = host ? ukiyo__str_printf("%s:%s", schemes[i].name, host) : NULL;
        free(host);
        return t->url && t->name ? 0 : UKIYO_ENOMEM;
    }
    /* Say which kind of thing it was, never the URL itself: it may hold a secret. */
    size_t scheme = strcspn(text, ":");
    return ukiyo__error_set(UKIYO_EINVAL,
                            "notification target \"%.*s:...\" is not http(s)://, slack+https://, "
                            "discord+https://, ntfy+https://, smtp:// or smtps://",
                            (int)(scheme > 20 ? 20 : scheme), text);
}

UKIYO_EXTERN int ukiyo_notify_target_check(const char *target)
{
    notify_target t;
    int err = parse_target(target, &t);
    target_clear(&t);
    return err;
}

UKIYO_EXTERN int ukiyo_notifier_new(ukiyo_notifier **out, const char *const *targets,
                                    const ukiyo_notifier_options *opts)
{
    if (!out)
        return ukiyo__error_set(UKIYO_EINVAL, "notifier: out is NULL");
    UKIYO__CHECK_VERSION(opts, UKIYO_NOTIFIER_OPTIONS_VERSION, "ukiyo_notifier_options");
    ukiyo_notifier *n = calloc(1, sizeof(*n));
    size_t count = 0;
    while (targets && targets[count])
        count++;
    if (!n || !(n->targets = calloc(count + 1, sizeof(*n->targets)))) {
        free(n);
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    }
    n->attempts = opts && opts->attempts ? opts->attempts : 3;
    n->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : 10000;
    n->retry_delay_ms = opts && opts->retry_delay_ms > 0 ? opts->retry_delay_ms : 1000;
    for (size_t i = 0; i < count; i++) {
        int err = parse_target(targets[i], &n->targets[i]);
        n->count = i + 1;
        if (err < 0) {
            ukiyo_notifier_free(n);
            return err;
        }
    }
    *out = n;
    return 0;
}

UKIYO_EXTERN void ukiyo_notifier_free(ukiyo_notifier *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->count; i++)
        target_clear(&n->targets[i]);
    free(n->targets);
    free(n);
}

UKIYO_EXTERN size_t ukiyo_notifier_target_count(const ukiyo_notifier *n)
{
    return n ? n->count : 0;
}

UKIYO_EXTERN const char *ukiyo_notifier_target_name(const ukiyo_notifier *n, size_t index)
{
    return n && index < n->count ? n->targets[index].name : NULL;
}

UKIYO_EXTERN int ukiyo_update_result_event_json(char **json_out, const ukiyo_update_result *r)
{
    char host[256] = "", when[32];
    time_t now = time(NULL);
    struct tm tm;

    if (!r || !json_out)
        return ukiyo__error_set(UKIYO_EINVAL, "event: NULL argument");
    gethostname(host, sizeof(host) - 1);
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *doc =
        json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s, s:s}", "event",
                  ukiyo_update_outcome_name(r->outcome), "container", r->container, "image",
                  r->image, "old_image_id", r->old_image_id, "new_image_id", r->new_image_id,
                  "reason", r->reason, "strategy", r->strategy, "project", r->project, "service",
                  r->service, "host", host, "time", when);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text)
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    *json_out = text;
    return 0;
}

UKIYO_EXTERN int ukiyo_job_event_json(char **json_out, const ukiyo_job *job, const char *event,
                                      const char *link)
{
    char host[256] = "", when[32];
    time_t now = time(NULL);
    struct tm tm;

    if (!job || !event || !json_out)
        return ukiyo__error_set(UKIYO_EINVAL, "event: NULL argument");
    gethostname(host, sizeof(host) - 1);
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char *target = ukiyo_job_target_image(job);
    json_t *doc =
        json_pack("{s:s, s:I, s:s, s:s?, s:s?, s:s?, s:s, s:s}", "event", event, "job",
                  (json_int_t)ukiyo_job_id(job), "state", ukiyo_job_state(job), "container",
                  ukiyo_job_container(job), "image", target ? target : ukiyo_job_image(job),
                  "digest", ukiyo_job_digest(job), "host", host, "time", when);
    if (doc && link)
        json_object_set_new(doc, "link", json_string(link));
    if (doc && ukiyo_job_expires_ms(job))
        json_object_set_new(doc, "expires_ms", json_integer(ukiyo_job_expires_ms(job)));
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text)
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    *json_out = text;
    return 0;
}

/*
 * One line for people: "web updated (registry/app:1.2) on host"; a compose
 * container as "shop/web (shop-web-1)".
 */
static char *summary(json_t *e, char **subject_out)
{
    const char *event = json_string_value(json_object_get(e, "event"));
    const char *container = json_string_value(json_object_get(e, "container"));
    const char *project = json_string_value(json_object_get(e, "project"));
    const char *service = json_string_value(json_object_get(e, "service"));
    const char *image = json_string_value(json_object_get(e, "image"));
    const char *reason = json_string_value(json_object_get(e, "reason"));
    const char *host = json_string_value(json_object_get(e, "host"));
    const char *what = !event                                   ? "changed"
                       : strcmp(event, "updated") == 0          ? "updated"
                       : strcmp(event, "rolled-back") == 0      ? "rolled back"
                       : strcmp(event, "failed") == 0           ? "could not be updated"
                       : strcmp(event, "approval-waiting") == 0 ? "waits for approval"
                       : strcmp(event, "approval-updated") == 0
                           ? "waits for approval of a newer release"
                       : strcmp(event, "expired") == 0 ? "was not approved in time: not updated"
                                                       : event;
    const char *link = json_string_value(json_object_get(e, "link"));
    char *name = project && service ? ukiyo__str_printf("%s/%s (%s)", project, service,
                                                        container ? container : "?")
                                    : ukiyo__str_printf("%s", container ? container : "?");
    if (!name)
        return NULL;
    *subject_out = ukiyo__str_printf("ukiyo: %s %s", name, what);
    char *line = ukiyo__str_printf("%s %s (%s) on %s%s%s%s%s", name, what, image ? image : "?",
                                   host ? host : "?", reason ? ": " : "", reason ? reason : "",
                                   link ? ": " : "", link ? link : "");
    free(name);
    return line;
}

/* The body and headers one HTTP target gets. */
static int http_deliver(const ukiyo_notifier *n, const notify_target *t, const char *event_json,
                        const char *text, const char *subject)
{
    char *body = NULL, *title = NULL;
    const char *headers[3] = {"Content-Type: application/json", NULL, NULL};

    if (t->kind == TARGET_SLACK || t->kind == TARGET_DISCORD) {
        json_t *doc = json_pack("{s:s}", t->kind == TARGET_SLACK ? "text" : "content", text);
        body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
        json_decref(doc);
    } else if (t->kind == TARGET_NTFY) {
        body = strdup(text);
        headers[0] = "Content-Type: text/plain; charset=utf-8";
        headers[1] = title = ukiyo__str_printf("Title: %s", subject);
    } else {
        body = strdup(event_json);
    }
    http_session *s = NULL;
    http_response resp;
    http_request req = {.method = "POST",
                        .url = t->url,
                        .headers = headers,
                        .body = body,
                        .body_len = body ? strlen(body) : 0,
                        .timeout_ms = n->timeout_ms};
    int err = body ? ukiyo__http_session_new(&s, NULL, n->timeout_ms) : UKIYO_ENOMEM;
    if (err == 0)
        err = ukiyo__http_perform(s, &req, &resp);
    if (err == 0) {
        if (resp.status < 200 || resp.status >= 300)
            err = ukiyo__error_set(UKIYO_EIO, "%s answered HTTP %ld", t->name, resp.status);
        ukiyo__http_response_clear(&resp);
    } else {
        /* curl's words may quote the URL, and the URL may be the secret. */
        ukiyo__error_set(err, "%s: %s", t->name,
                         err == UKIYO_ETIMEOUT ? "timed out" : "cannot connect");
    }
    ukiyo__http_session_free(s);
    free(body);
    free(title);
    return err;
}

static int deliver(const ukiyo_notifier *n, const notify_target *t, const char *event_json,
                   const char *text, const char *subject)
{
    long delay = n->retry_delay_ms;
    int err = 0;

    for (unsigned int attempt = 0; attempt < n->attempts; attempt++) {
        if (attempt > 0) {
            struct timespec pause = {delay / 1000, (delay % 1000) * 1000000};
            nanosleep(&pause, NULL);
            delay *= 2;
        }
        err = t->kind == TARGET_SMTP ? ukiyo__smtp_send(t, subject, text, n->timeout_ms)
                                     : http_deliver(n, t, event_json, text, subject);
        if (err == 0)
            return 0;
        log_warning("notify %s: attempt %u of %u: %s", t->name, attempt + 1, n->attempts,
                    ukiyo_error_last());
    }
    return err;
}

UKIYO_EXTERN int ukiyo_notifier_send(ukiyo_notifier *n, const char *event_json,
                                     ukiyo_notify_result_fn fn, void *payload)
{
    if (!n || !event_json)
        return ukiyo__error_set(UKIYO_EINVAL, "notify: NULL argument");
    json_t *event = json_loads(event_json, 0, NULL);
    if (!json_is_object(event)) {
        json_decref(event);
        return ukiyo__error_set(UKIYO_EINVAL, "notify: the event is not a JSON object");
    }
    char *subject = NULL, *text = summary(event, &subject);
    int failed = 0;
    for (size_t i = 0; text && subject && i < n->count; i++) {
        int err = deliver(n, &n->targets[i], event_json, text, subject);
        failed += err < 0;
        if (fn)
            fn(i, n->targets[i].name, err == 0, err < 0 ? ukiyo_error_last() : NULL, payload);
    }
    json_decref(event);
    int err = !text || !subject ? ukiyo__error_set(UKIYO_ENOMEM, "out of memory")
              : failed          ? ukiyo__error_set(UKIYO_EIO,
                                                   "%d of %zu notification targets "
                                                            "failed",
                                                   failed, n->count)
                                : 0;
    free(text);
    free(subject);
    return err;
}

UKIYO_EXTERN int ukiyo_notifier_options_init(ukiyo_notifier_options *opts, unsigned int version)
{
    static const ukiyo_notifier_options template = UKIYO_NOTIFIER_OPTIONS_INIT;

    return ukiyo__options_init(opts, sizeof(*opts), &template, version,
                               UKIYO_NOTIFIER_OPTIONS_VERSION, "ukiyo_notifier_options");
}
