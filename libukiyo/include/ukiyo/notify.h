/*
 * ukiyo/notify.h - telling people what an update did.
 *
 * A notifier sends one event (an update, a rollback, a failure) to any
 * number of targets, each given as a URL:
 *
 *   http://host/path, https://...        a generic webhook: the event's JSON, POSTed
 *   slack+https://hooks.slack.com/...    Slack (and Mattermost, Rocket.Chat): {"text"}
 *   discord+https://discord.com/api/webhooks/...   Discord: {"content"}
 *   ntfy+https://ntfy.sh/TOPIC           ntfy: the text, with a Title header
 *   smtp://[user:password@]host[:port]/?from=A&to=B[&to=C][&starttls=1][&cacert=FILE]
 *   smtps://...                          e-mail, over TLS from the start
 *
 * Each target is tried a bounded number of times with a growing pause; a
 * target that keeps failing is reported and given up on, never retried
 * forever. Sending blocks the calling thread for at most attempts x timeout
 * per target, so a daemon sends from a thread of its own (ukiyod does).
 * Target URLs carry secrets (a Slack URL, an SMTP password): they never
 * appear in messages; ukiyo_notifier_target_name() is the safe name.
 */
#ifndef UKIYO_NOTIFY_H
#define UKIYO_NOTIFY_H

#include "common.h"
#include "jobs.h"
#include "manager.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ukiyo_notifier ukiyo_notifier;

typedef struct {
    unsigned int version;
    /** Attempts per target; 0: 3. */
    unsigned int attempts;
    /** Timeout of one attempt in ms; 0: 10 s. */
    long timeout_ms;
    /** Pause before the second attempt in ms, doubled after each; 0: 1 s. */
    long retry_delay_ms;
} ukiyo_notifier_options;

#define UKIYO_NOTIFIER_OPTIONS_VERSION 1
#define UKIYO_NOTIFIER_OPTIONS_INIT                                                                \
    {                                                                                              \
        UKIYO_NOTIFIER_OPTIONS_VERSION, 0, 0, 0                                                    \
    }

/**
 * Fill @p opts with the defaults of @p version (pass UKIYO_NOTIFIER_OPTIONS_VERSION), as
 * UKIYO_NOTIFIER_OPTIONS_INIT does. UKIYO_EINVAL for a version this library does not know.
 */
UKIYO_EXTERN int ukiyo_notifier_options_init(ukiyo_notifier_options *opts, unsigned int version);

/**
 * Whether @p target is a target ukiyo can send to (above); no I/O.
 * @return 0, or UKIYO_EINVAL with the reason (the URL's secrets left out)
 */
UKIYO_EXTERN int ukiyo_notify_target_check(const char *target);

/**
 * A notifier for the NULL-terminated @p targets.
 * @param out new; free with ukiyo_notifier_free
 * @return 0, or UKIYO_EINVAL naming the first bad target
 */
UKIYO_EXTERN int ukiyo_notifier_new(ukiyo_notifier **out, const char *const *targets,
                                    const ukiyo_notifier_options *opts);
UKIYO_EXTERN void ukiyo_notifier_free(ukiyo_notifier *notifier);
UKIYO_EXTERN size_t ukiyo_notifier_target_count(const ukiyo_notifier *notifier);
/** "slack:hooks.slack.com", "smtp:mail.example.com:587": no secrets. Borrowed. */
UKIYO_EXTERN const char *ukiyo_notifier_target_name(const ukiyo_notifier *notifier, size_t index);

/**
 * The event for an update's result, as JSON: {"event": "updated" |
 * "rolled-back" | "failed" | ..., "container", "image", "old_image_id",
 * "new_image_id", "reason", "strategy", "project" and "service" (a compose
 * container's), "host", "time" (RFC 3339, UTC)}, absent values left out.
 * This is the body a generic webhook target receives.
 * @param json_out new string; free with ukiyo_string_free
 */
UKIYO_EXTERN int ukiyo_update_result_event_json(char **json_out, const ukiyo_update_result *result);

/**
 * A job's event as JSON, for a notification: {"event" (as the job hook
 * names it: "approval-waiting", ...), "job", "state", "container", "image"
 * (the reference it updates to), "digest", "link" (@p link: where a person
 * answers it, or NULL), "expires_ms", "host", "time"}.
 * @param json_out new string; free with ukiyo_string_free
 */
UKIYO_EXTERN int ukiyo_job_event_json(char **json_out, const ukiyo_job *job, const char *event,
                                      const char *link);

/** Called once per target with how its delivery went (@p error NULL when sent). */
typedef void (*ukiyo_notify_result_fn)(size_t target, const char *name, int ok, const char *error,
                                       void *payload);

/**
 * Send @p event_json (from ukiyo_update_result_event_json()) to every target.
 * @param fn  told of each target's outcome, or NULL
 * @return 0 when every target took it, else UKIYO_EIO (the others were still tried)
 */
UKIYO_EXTERN int ukiyo_notifier_send(ukiyo_notifier *notifier, const char *event_json,
                                     ukiyo_notify_result_fn fn, void *payload);

#ifdef __cplusplus
}
#endif

#endif
