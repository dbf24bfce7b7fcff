/*
 * scheduler_poll.c - pull mode: at each due poll, one manifest HEAD per
 * distinct image reference among the containers due, one tag list per
 * repository a tag policy follows; what changed becomes a job.
 *
 * A registry that answers 429 (or says ratelimit-remaining: 0) is left
 * alone until its Retry-After has passed, else for a back-off that doubles
 * from one minute up to an hour.
 */
#include <stdlib.h>
#include <string.h>

#include "docker_private.h"
#include "inventory_private.h"
#include "jobs_private.h"
#include "plan.h"
#include "registry_look.h"
#include "scheduler_private.h"
#include "store_internal.h"

#define RESCAN_MS (10 * 60 * 1000)
#define BACKOFF_MIN_MS (60 * 1000)
#define BACKOFF_MAX_MS (60 * 60 * 1000)

/* A container due for a poll, with what it runs. */
typedef struct {
    char *name;
    char *image;   /* Config.Image */
    char *ref_key; /* normalised registry/repository:tag */
    ukiyo_image_ref *ref;
    ukiyo_policy_kind policy;
    char *policy_text;
    char *local_digest; /* NULL when unknown */
    ukiyo_container *c; /* its inspect document, for the plan */
} due_container;

typedef struct {
    due_container *items;
    size_t count, cap;
} due_list;

static void due_list_clear(due_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].name);
        free(l->items[i].image);
        free(l->items[i].ref_key);
        ukiyo_image_ref_free(l->items[i].ref);
        free(l->items[i].policy_text);
        free(l->items[i].local_digest);
        ukiyo_container_free(l->items[i].c);
    }
    free(l->items);
}

static poll_group *group_for(scheduler *s, int64_t interval_ms, int64_t now)
{
    for (size_t i = 0; i < s->group_count; i++)
        if (s->groups[i].interval_ms == interval_ms)
            return &s->groups[i];
    poll_group *g = realloc(s->groups, (s->group_count + 1) * sizeof(*g));
    if (!g)
        return NULL;
    s->groups = g;
    g = &s->groups[s->group_count++];
    g->interval_ms = interval_ms;
    g->next_ms = now; /* a new interval polls at once */
    return g;
}

static int64_t next_poll(scheduler *s, int64_t interval_ms, int64_t now)
{
    int64_t jitter = interval_ms * s->jitter_percent / 100;
    return now + interval_ms + (jitter > 0 ? (int64_t)(rand_r(&s->seed) % (jitter + 1)) : 0);
}

/* Add @c (taken) to the containers due; with its local digest when @polled. */
static int add_due(ukiyo *u, due_list *l, ukiyo_container *c, const ukiyo_plan *p, bool polled)
{
    const char *image = ukiyo_container_image(c);
    ukiyo_image_ref *ref = NULL;

    if (!image || ukiyo_image_ref_parse(&ref, image) < 0 || !ukiyo_image_ref_tag(ref)) {
        ukiyo_error_clear();
        ukiyo_image_ref_free(ref);
        ukiyo_container_free(c);
        return 0; /* an image ID or a digest: nothing to poll */
    }
    if (UKIYO__RESERVE(l->items, l->cap, l->count) < 0) {
        ukiyo_image_ref_free(ref);
        ukiyo_container_free(c);
        return UKIYO_ENOMEM;
    }
    due_container *d = &l->items[l->count++];
    memset(d, 0, sizeof(*d));
    d->c = c;
    d->ref = ref;
    d->name = ukiyo__str_dup(ukiyo_container_name(c));
    d->image = ukiyo__str_dup(image);
    d->ref_key = ukiyo__str_dup(ukiyo_image_ref_string(ref));
    d->policy = ukiyo_policy_get_kind(p->policy);
    d->policy_text = ukiyo__str_dup(ukiyo_plan_policy(p));
    if (ukiyo__container_is_service(c)) {
        /* A service's spec names the digest it runs ("repo:tag@sha256:..."). */
        const char *at = strchr(ukiyo_container_image_id(c), '@');
        d->local_digest = at ? ukiyo__str_dup(at + 1) : NULL;
    } else if (polled && ukiyo_container_local_digest(&d->local_digest, u, c) < 0) {
        ukiyo_error_clear();
    }
    return d->name && d->image && d->ref_key && d->policy_text ? 0 : UKIYO_ENOMEM;
}

/*
 * Plan @c (taken): into its poll group, and among those due when its group
 * is; else, when @look is not NULL (a background look is due), among those
 * only looked at.
 */
static int consider(ukiyo *u, scheduler *s, int64_t now, ukiyo_container *c, bool *seen,
                    due_list *due, due_list *look)
{
    ukiyo_plan p;
    int err = 0;

    ukiyo__plan_read(u, c, NULL, now, &p);
    if (p.error)
        log_warning("%s: skipped: %s", ukiyo_container_name(c), p.error);
    else if (p.poll_ms > 0 && p.policy && ukiyo_policy_get_kind(p.policy) != UKIYO_POLICY_NEVER &&
             ukiyo_container_eligible(u, c, NULL)) {
        poll_group *g = group_for(s, p.poll_ms, now);
        if (!g)
            err = UKIYO_ENOMEM;
        else {
            seen[g - s->groups] = true;
            if (g->next_ms <= now) {
                err = add_due(u, due, c, &p, true);
                c = NULL; /* taken */
            }
        }
    }
    if (err == 0 && c && look && !p.error && !ukiyo_container_label(c, UKIYO_LABEL_SWARM_TASK) &&
        ukiyo__container_in_scope(u, c)) {
        err = add_due(u, look, c, &p, false);
        c = NULL; /* taken */
    }
    ukiyo__plan_clear(&p);
    ukiyo_container_free(c);
    return err;
}

/*
 * Walk the running containers and the swarm's services: plan each, group
 * them, collect those due at @now (so one HEAD serves a reference that
 * containers and services share).
 */
static int collect_due(ukiyo *u, scheduler *s, int64_t now, due_list *due, due_list *look)
{
    ukiyo_container_list *list = NULL;
    ukiyo_service_list *services = NULL;
    bool *seen = NULL;
    int err = ukiyo_docker_container_list(&list, ukiyo_get_docker(u), 0, NULL);

    if (err < 0)
        return err;
    if (ukiyo__docker_services_if_manager(ukiyo_get_docker(u), &services) < 0) {
        log_warning("poll: cannot list the swarm's services: %s", ukiyo_error_last());
        ukiyo_error_clear();
    }
    seen = calloc(s->group_count + ukiyo_container_list_count(list) +
                      ukiyo_service_list_count(services) + 1,
                  sizeof(*seen));
    for (size_t i = 0; seen && err == 0 && i < ukiyo_container_list_count(list); i++) {
        ukiyo_container *c = NULL;
        const char *id = ukiyo_container_id(ukiyo_container_list_get(list, i));
        if (ukiyo__inventory_inspect(ukiyo__context_inventory(u), ukiyo_get_docker(u), id, &c) <
            0) {
            ukiyo_error_clear();
            continue;
        }
        err = consider(u, s, now, c, seen, due, look);
    }
    for (size_t i = 0; seen && err == 0 && i < ukiyo_service_list_count(services); i++) {
        ukiyo_container *c = NULL;
        err = ukiyo_service_as_container(&c, ukiyo_service_list_get(services, i));
        if (err == 0)
            err = consider(u, s, now, c, seen, due, look);
    }
    ukiyo_service_list_free(services);
    ukiyo_container_list_free(list);
    if (!seen)
        return UKIYO_ENOMEM;
    /* Due groups move on; intervals no container has any more go. */
    size_t kept = 0;
    for (size_t i = 0; i < s->group_count; i++) {
        if (!seen[i])
            continue;
        if (s->groups[i].next_ms <= now)
            s->groups[i].next_ms = next_poll(s, s->groups[i].interval_ms, now);
        s->groups[kept++] = s->groups[i];
    }
    s->group_count = kept;
    free(seen);
    return err;
}

static registry_backoff *backoff_of(scheduler *s, const char *registry, bool create)
{
    for (size_t i = 0; i < s->backoff_count; i++)
        if (strcmp(s->backoffs[i].registry, registry) == 0)
            return &s->backoffs[i];
    if (!create)
        return NULL;
    registry_backoff *b = realloc(s->backoffs, (s->backoff_count + 1) * sizeof(*b));
    if (!b)
        return NULL;
    s->backoffs = b;
    b = &s->backoffs[s->backoff_count];
    *b = (registry_backoff){.registry = strdup(registry)};
    if (!b->registry)
        return NULL;
    s->backoff_count++;
    return b;
}

/* After a request to @registry: back off when it said so. True when it may be asked again now. */
static bool note_rate_limit(ukiyo *u, scheduler *s, const char *registry, int err, int64_t now)
{
    int remaining = -1, retry_after = -1;

    ukiyo_registry_rate_limit(ukiyo_get_registry(u), &remaining, &retry_after);
    registry_backoff *b = backoff_of(s, registry, err == UKIYO_ERATELIMIT || remaining == 0);
    if (err != UKIYO_ERATELIMIT && remaining != 0) {
        if (b)
            b->failures = 0;
        return true;
    }
    if (!b)
        return false;
    int64_t wait = BACKOFF_MIN_MS << (b->failures < 6 ? b->failures : 6);
    if (wait > BACKOFF_MAX_MS)
        wait = BACKOFF_MAX_MS;
    if (retry_after >= 0)
        wait = (int64_t)retry_after * 1000;
    b->failures++;
    b->until_ms = now + wait;
    log_warning("registry %s: rate limited (%s); no polls for %lld s", registry,
                err == UKIYO_ERATELIMIT ? "HTTP 429" : "ratelimit-remaining: 0",
                (long long)(wait / 1000));
    return false;
}

static bool backing_off(scheduler *s, const char *registry, int64_t now)
{
    registry_backoff *b = backoff_of(s, registry, false);
    return b && b->until_ms > now;
}

/*
 * Does the plan take the registry's @digest for @d (with @tags, the
 * reference it moves to)? What check says of it: a rejected release stays
 * where it is. *@target_out (when not NULL): where a tag policy moves it
 * (new), or NULL.
 */
static bool plan_takes(ukiyo *u, const due_container *d, const char *digest,
                       const ukiyo_string_list *tags, int64_t now, char **target_out)
{
    plan_request req = {.trigger = UKIYO__TRIGGER_CHECK,
                        .digest = digest,
                        .tags = tags,
                        .keep_tag = tags == NULL,
                        .now_ms = now};
    plan_decision p;

    if (target_out)
        *target_out = NULL;
    if (ukiyo__plan_decide(u, d->c, &req, &p) < 0) {
        ukiyo_error_clear();
        return false;
    }
    bool takes = p.action != UKIYO__PLAN_SKIP && (!tags || p.moves_tag);
    if (p.skip == UKIYO__SKIP_REJECTED)
        log_debug("poll %s: %s", d->name, p.reason);
    if (takes && tags && target_out) {
        *target_out = p.target;
        p.target = NULL;
    }
    ukiyo__plan_decision_clear(&p);
    return takes;
}

/* One request for the tag: queue a job when any container on it runs another digest. */
static int poll_digest(ukiyo *u, scheduler *s, due_list *l, size_t first, int64_t now,
                       unsigned int *jobs)
{
    due_container *d = &l->items[first];
    const char *registry = ukiyo_image_ref_registry(d->ref);
    char *digest = NULL;
    uint64_t before = ukiyo_registry_request_count(ukiyo_get_registry(u));
    int err = ukiyo__registry_look(u, d->ref, &digest);

    s->requests += ukiyo_registry_request_count(ukiyo_get_registry(u)) - before;
    note_rate_limit(u, s, registry, err, now);
    if (err < 0) {
        log_warning("poll %s: %s", d->ref_key, ukiyo_error_last());
        ukiyo_error_clear();
        return 0;
    }
    bool changed = false;
    for (size_t i = first; i < l->count; i++)
        if (strcmp(l->items[i].ref_key, d->ref_key) == 0 && l->items[i].local_digest &&
            strcmp(l->items[i].local_digest, digest) != 0 &&
            plan_takes(u, &l->items[i], digest, NULL, now, NULL))
            changed = true;
    int64_t id = 0;
    if (changed) {
        job_tag t = {registry, ukiyo_image_ref_repository(d->ref), ukiyo_image_ref_tag(d->ref),
                     digest};
        err = ukiyo__jobs_submit_tag(u, &t, "poll", NULL, &id);
        if (err == 0) {
            (*jobs)++;
            log_info("poll %s: new image %s: job %lld", d->ref_key, digest, (long long)id);
        }
    }
    free(digest);
    return err;
}

/* The tag list for the containers on @first's repository that follow tags. */
static int poll_tags(ukiyo *u, scheduler *s, due_list *l, size_t first, int64_t now,
                     unsigned int *jobs)
{
    due_container *d = &l->items[first];
    ukiyo_string_list *tags = NULL;
    uint64_t before = ukiyo_registry_request_count(ukiyo_get_registry(u));
    int err = ukiyo_registry_list_tags(&tags, ukiyo_get_registry(u), d->ref);

    s->requests += ukiyo_registry_request_count(ukiyo_get_registry(u)) - before;
    note_rate_limit(u, s, ukiyo_image_ref_registry(d->ref), err, now);
    if (err < 0) {
        log_warning("poll %s: tags: %s", ukiyo_image_ref_name(d->ref), ukiyo_error_last());
        ukiyo_error_clear();
        return 0;
    }
    for (size_t i = first; err == 0 && i < l->count; i++) {
        due_container *c = &l->items[i];
        char *target = NULL;
        if (c->policy == UKIYO_POLICY_DIGEST ||
            strcmp(ukiyo_image_ref_name(c->ref), ukiyo_image_ref_name(d->ref)) != 0)
            continue;
        c->policy = UKIYO_POLICY_DIGEST; /* handled */
        if (plan_takes(u, c, NULL, tags, now, &target)) {
            int64_t id = 0;
            err = ukiyo__jobs_queue_container(u, c->name, UKIYO_JOB_UPDATE, target, "poll", 0, &id);
            if (err == 0) {
                (*jobs)++;
                log_info("poll %s: policy %s: %s → %s: job %lld", c->name, c->policy_text,
                         ukiyo_image_ref_tag(c->ref), target, (long long)id);
            }
        }
        free(target);
    }
    ukiyo_string_list_free(tags);
    return err;
}

static bool in_list(const due_list *l, size_t before, const char *ref_key)
{
    for (size_t k = 0; k < before; k++)
        if (strcmp(l->items[k].ref_key, ref_key) == 0)
            return true;
    return false;
}

/*
 * The background look: one HEAD per distinct reference among @look that no
 * poll asked for just now, its answer remembered (ukiyo__registry_look) for
 * what check and the dashboard show; no job. When no look is due
 * (@all false), only references never looked at are.
 */
static void look_at(ukiyo *u, scheduler *s, const due_list *look, const due_list *polled, bool all,
                    int64_t now)
{
    ukiyo_store *store = ukiyo_get_store(u);

    for (size_t i = 0; store && i < look->count; i++) {
        const due_container *d = &look->items[i];
        const char *registry = ukiyo_image_ref_registry(d->ref);
        store_answer a;
        bool known = false;

        if (in_list(look, i, d->ref_key) || in_list(polled, polled->count, d->ref_key) ||
            backing_off(s, registry, now))
            continue;
        if (!all && ukiyo__store_answer_get(store, registry, ukiyo_image_ref_repository(d->ref),
                                            ukiyo_image_ref_tag(d->ref), &a, &known) == 0) {
            ukiyo__store_answer_clear(&a);
            if (known)
                continue;
        }
        char *digest = NULL;
        uint64_t before = ukiyo_registry_request_count(ukiyo_get_registry(u));
        int err = ukiyo__registry_look(u, d->ref, &digest);
        s->requests += ukiyo_registry_request_count(ukiyo_get_registry(u)) - before;
        note_rate_limit(u, s, registry, err, now);
        if (err < 0)
            log_info("look %s: %s", d->ref_key, ukiyo_error_last());
        ukiyo_error_clear();
        free(digest);
    }
}

UKIYO_EXTERN int ukiyo_scheduler_dispatch(ukiyo *u, int64_t now_ms, unsigned int *jobs_out)
{
    if (!u)
        return ukiyo__error_set(UKIYO_EINVAL, "scheduler: NULL argument");
    scheduler *s = ukiyo__context_scheduler(u);
    due_list due = {0}, look = {0};
    unsigned int jobs = 0;
    bool look_due = s->look_interval_ms && s->look_next_ms <= now_ms;
    /* The inventory was told of a container started or renamed: look at it now. */
    uint64_t changes = ukiyo_inventory_changes(ukiyo__context_inventory(u));
    bool any_due =
        !s->scanned || (s->rescan_ms && s->rescan_ms <= now_ms) || look_due ||
        (changes != s->inventory_changes && now_ms >= s->scanned_ms + UKIYO__INVENTORY_SCAN_GAP_MS);

    for (size_t i = 0; i < s->group_count; i++)
        any_due = any_due || s->groups[i].next_ms <= now_ms;
    if (jobs_out)
        *jobs_out = 0;
    if (!any_due)
        return 0;
    /* Every scan looks at what was never looked at; each interval, at everything. */
    int err = collect_due(u, s, now_ms, &due, &look);
    for (size_t i = 0; err < 0 && i < s->group_count; i++) /* the engine failed: retry soon */
        if (s->groups[i].next_ms <= now_ms)
            s->groups[i].next_ms =
                now_ms + (s->groups[i].interval_ms < BACKOFF_MIN_MS ? s->groups[i].interval_ms
                                                                    : BACKOFF_MIN_MS);
    s->scanned = true;
    s->scanned_ms = now_ms;
    s->rescan_ms = s->group_count == 0 ? now_ms + RESCAN_MS : 0;
    if (look_due || !s->look_next_ms)
        s->look_next_ms = s->look_interval_ms ? now_ms + s->look_interval_ms : 0;
    for (size_t i = 0; err == 0 && i < due.count; i++) {
        bool first_of_ref = true;
        for (size_t k = 0; k < i; k++)
            first_of_ref = first_of_ref && strcmp(due.items[k].ref_key, due.items[i].ref_key) != 0;
        if (backing_off(s, ukiyo_image_ref_registry(due.items[i].ref), now_ms))
            continue;
        if (first_of_ref)
            err = poll_digest(u, s, &due, i, now_ms, &jobs);
        /* The first container of a repository that follows tags lists them for all of them. */
        if (err == 0 && due.items[i].policy != UKIYO_POLICY_DIGEST)
            err = poll_tags(u, s, &due, i, now_ms, &jobs);
    }
    if (err == 0)
        look_at(u, s, &look, &due, look_due, now_ms);
    due_list_clear(&due);
    due_list_clear(&look);
    if (jobs_out)
        *jobs_out = jobs;
    return err;
}
