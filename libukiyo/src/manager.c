/*
 * manager.c - ukiyo_update, ukiyo_redeploy, ukiyo_rollback: from a
 * container's name to a planned transaction, with its options resolved
 * from the call and the container's labels.
 */
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "manager_private.h"
#include "manager_result.h"
#include "plan.h"

#define DEFAULT_HEALTH_TIMEOUT_S 60
/*
 * The settle period: how long a new container must stay healthy (or, without
 * a HEALTHCHECK, running) without a restart before it passes. 30 s sees a
 * crash loop through its first restarts and a HEALTHCHECK of the default
 * 30 s interval run once more after its first pass.
 */
#define DEFAULT_SETTLE_S 30

/* Seconds from the call, else the label, else the default. */
static int seconds_option(int given, int64_t labelled_ms, int fallback)
{
    if (given > 0)
        return given;
    if (labelled_ms > 0)
        return labelled_ms >= 1000 ? (int)(labelled_ms / 1000) : 1;
    return fallback;
}

/* A static address cannot be held by two containers at once either. */
static bool has_static_address(json_t *container)
{
    json_t *networks = json_object_get(json_object_get(container, "NetworkSettings"), "Networks");
    json_t *settings;
    const char *name;
    const char *mac =
        json_string_value(json_object_get(json_object_get(container, "Config"), "MacAddress"));

    if (mac && mac[0])
        return true;
    json_object_foreach(networks, name, settings) {
        json_t *ipam = json_object_get(settings, "IPAMConfig");
        const char *v4 = json_string_value(json_object_get(ipam, "IPv4Address"));
        const char *v6 = json_string_value(json_object_get(ipam, "IPv6Address"));
        if ((v4 && v4[0]) || (v6 && v6[0]))
            return true;
    }
    return false;
}

/* Ports on the host cannot be held by two containers: start-first needs none. */
static bool publishes_host_ports(json_t *container)
{
    json_t *host_config = json_object_get(container, "HostConfig");
    json_t *bindings = json_object_get(host_config, "PortBindings"), *list;
    const char *mode = json_string_value(json_object_get(host_config, "NetworkMode"));
    const char *port;

    if (json_is_true(json_object_get(host_config, "PublishAllPorts")) ||
        (mode && strcmp(mode, "host") == 0))
        return true;
    json_object_foreach(bindings, port, list) {
        if (json_array_size(list) > 0)
            return true;
    }
    return false;
}

static void choose_strategy(transaction *tx)
{
    bool start_first = tx->opts.strategy == UKIYO_STRATEGY_START_FIRST ||
                       (tx->opts.strategy == UKIYO_STRATEGY_AUTO &&
                        tx->labels.strategy == UKIYO_STRATEGY_START_FIRST);

    if (start_first && (publishes_host_ports(tx->old) || has_static_address(tx->old))) {
        log_warning("%s publishes host ports or has a static address: start-first is not "
                    "possible, using stop-first",
                    tx->name);
        start_first = false;
    }
    tx->start_first = start_first;
    tx->result->strategy = strdup(start_first ? "start-first" : "stop-first");
}

/*
 * A container compose started is recreated by compose itself where it can
 * be (its files readable here, a compose program found), else through the
 * engine; the call's option, then the ukiyo.compose label, can force either.
 * Native asked for and impossible is the refusal the plan concludes with.
 */
static int choose_recreator(transaction *tx)
{
    json_t *labels = json_object_get(json_object_get(tx->old, "Config"), "Labels");
    ukiyo_compose_mode mode = tx->opts.compose ? tx->opts.compose : tx->labels.compose;
    compose_choice c;
    int err = ukiyo__compose_origin_read(&tx->compose, labels);

    if (err == UKIYO_ENOTFOUND)
        return 0;
    if (err == 0)
        err = ukiyo__compose_choose(&c, tx->docker, &tx->compose, mode,
                                    tx->opts.compose != UKIYO_COMPOSE_AUTO,
                                    tx->old_ref ? tx->ref : NULL);
    if (err < 0)
        return err;
    tx->from_compose = true;
    tx->compose_native = c.native;
    tx->compose_program = c.program;
    tx->compose_why = c.why;
    tx->compose_refusal = c.refusal;
    if (!c.native)
        return 0;
    free(tx->result->strategy);
    tx->result->strategy = strdup("compose");
    return tx->result->strategy ? 0 : UKIYO_ENOMEM;
}

static int new_result(transaction *tx)
{
    ukiyo_update_result *r = calloc(1, sizeof(*r));

    if (!r)
        return UKIYO_ENOMEM;
    r->container = ukiyo__str_dup(tx->name);
    r->image = ukiyo__str_dup(tx->ref ? tx->ref : "");
    r->old_image_id = ukiyo__str_dup(json_string_value(json_object_get(tx->old, "Image")));
    r->container_id = ukiyo__str_dup(json_string_value(json_object_get(tx->old, "Id")));
    json_t *labels = json_object_get(json_object_get(tx->old, "Config"), "Labels");
    r->project =
        ukiyo__str_dup(json_string_value(json_object_get(labels, UKIYO_LABEL_COMPOSE_PROJECT)));
    r->service =
        ukiyo__str_dup(json_string_value(json_object_get(labels, UKIYO_LABEL_COMPOSE_SERVICE)));
    tx->result = r;
    return r->container && r->image ? 0 : UKIYO_ENOMEM;
}

/* Conclusions reached before anything changes: skipped, fresh, failed pull. */
static bool conclude_early(transaction *tx, ukiyo_update_outcome outcome, const char *reason)
{
    tx->result->outcome = outcome;
    if (reason)
        ukiyo__result_set_reason(tx->result, "%s", reason);
    return true;
}

/*
 * An attempt that failed before any change: logged, and a finished row in
 * the history (so the metrics count it), never a silent return.
 */
static void record_failure(transaction *tx)
{
    bool running = json_is_true(json_object_get(json_object_get(tx->old, "State"), "Running"));
    journal_entry e = {
        .container = (char *)tx->name,
        .kind = (char *)tx->kind,
        .strategy = tx->result->strategy,
        .image_ref = (char *)tx->ref,
        .old_image_ref = (char *)tx->old_ref,
        .old_container_id = (char *)json_string_value(json_object_get(tx->old, "Id")),
        .old_image_id = tx->result->old_image_id,
        .new_image_id = tx->result->new_image_id,
        .old_was_running = running,
        .project = tx->result->project,
        .service = tx->result->service,
    };

    log_warning("%s: %s failed before any change: %s", tx->name, tx->kind, tx->result->reason);
    if (ukiyo__journal_record(tx->store, &e, "failed", tx->result->reason) < 0) {
        log_warning("%s: the failure could not be recorded: %s", tx->name, ukiyo_error_last());
        ukiyo_error_clear();
    }
}

/* The digest of @image in @ref's repository ("sha256:..."), from its RepoDigests; new or NULL. */
static char *repo_digest_of(json_t *image, const char *ref)
{
    ukiyo_image_ref *want = NULL;
    json_t *entry;
    size_t i;
    char *digest = NULL;

    if (!ref || ukiyo_image_ref_parse(&want, ref) < 0) {
        ukiyo_error_clear();
        return NULL;
    }
    json_array_foreach(json_object_get(image, "RepoDigests"), i, entry) {
        ukiyo_image_ref *have = NULL;
        if (!digest && ukiyo_image_ref_parse(&have, json_string_value(entry)) == 0 &&
            strcmp(ukiyo_image_ref_name(have), ukiyo_image_ref_name(want)) == 0 &&
            ukiyo_image_ref_digest(have))
            digest = strdup(ukiyo_image_ref_digest(have));
        ukiyo_error_clear();
        ukiyo_image_ref_free(have);
    }
    ukiyo_image_ref_free(want);
    return digest;
}

/* The pull moved the local tag; the container stays on its image: the tag goes back to it. */
static void point_tag_back(transaction *tx)
{
    if (!tx->old_ref && ukiyo__docker_tag_image(tx->docker, tx->result->old_image_id, tx->ref) < 0)
        ukiyo_error_clear();
}

/*
 * A release rolled back for this container before is not tried again (a
 * person forces it): the trigger did not know the digest, the pull told
 * it. The pull moved the local tag to it: move it back.
 */
static bool is_rejected(transaction *tx)
{
    store_rejection r;
    bool found = false;

    if (ukiyo__store_rejection_find(tx->store, tx->name, tx->result->new_image_id, tx->new_digest,
                                    &r, &found) < 0) {
        ukiyo_error_clear();
        return false;
    }
    if (!found)
        return false;
    char when[32];
    ukiyo__utc_text(r.rejected_ms, when);
    point_tag_back(tx);
    conclude_early(tx, UKIYO_OUTCOME_SKIPPED, NULL);
    ukiyo__result_set_reason(tx->result,
                             "rejected: rolled back at %s: %s (update --force tries it again)",
                             when, r.reason);
    ukiyo__store_rejection_clear(&r);
    return true;
}

/* Does @text contain one of @words (NULL-ended), ignoring case? */
static bool mentions(const char *text, const char *const *words)
{
    for (; *words; words++)
        if (strcasestr(text, *words))
            return true;
    return false;
}

/* A pull that failed, said as what happened, where, and what to do, with the engine's words. */
static void explain_pull_failure(transaction *tx)
{
    static const char *const refused[] = {"unauthorized",
                                          "authentication required",
                                          "no basic auth credentials",
                                          "denied",
                                          "forbidden",
                                          NULL};
    static const char *const unreachable[] =
        {"connection refused",     "no such host", "i/o timeout", "dial tcp",
         "network is unreachable", "tls: ",        "x509",        NULL};
    char words[600], registry[256] = "its registry";
    ukiyo_image_ref *ref = NULL;

    snprintf(words, sizeof(words), "%s", ukiyo_error_last());
    if (tx->ref && ukiyo_image_ref_parse(&ref, tx->ref) == 0)
        snprintf(registry, sizeof(registry), "%s", ukiyo_image_ref_registry(ref));
    ukiyo_image_ref_free(ref);
    ukiyo_error_clear();
    conclude_early(tx, UKIYO_OUTCOME_FAILED, NULL);
    if (mentions(words, refused))
        ukiyo__result_set_reason(tx->result,
                                 "%s refused the pull of %s: save credentials for %s where ukiyo "
                                 "runs (docker login %s, or ukiyod's access keys), then update "
                                 "again (%s)",
                                 registry, tx->ref, registry, registry, words);
    else if (mentions(words, unreachable))
        ukiyo__result_set_reason(tx->result,
                                 "%s did not answer the pull of %s: is it running, and can the "
                                 "Docker engine reach it? (%s)",
                                 registry, tx->ref, words);
    else
        ukiyo__result_set_reason(tx->result, "the pull of %s failed: %s", tx->ref, words);
}

/* Pull first: when it fails nothing has been stopped. Fills new_image_id. */
/* How long a pull waits for a tag to reach the digest its push named: 10 x 0.5 s. */
#define PUSHED_DIGEST_TRIES 10
#define PUSHED_DIGEST_WAIT_MS 500

/*
 * A pull ends at its next progress message once the handle is asked to
 * stop (ukiyo_interrupt()): nothing has changed yet, and a large image
 * need not be waited for. Otherwise the caller's callback sees it.
 */
static int pull_progress(const ukiyo_pull_progress *p, void *payload)
{
    transaction *tx = payload;

    if (ukiyo__context_interrupted(tx->u))
        return 1;
    return tx->opts.progress ? tx->opts.progress(p, tx->opts.progress_payload) : 0;
}

static bool pull_newest(transaction *tx)
{
    ukiyo_credential *cred = NULL;
    json_t *image = NULL;
    int err = 0;

    /* A follower keeps the exact image it runs, wherever its tag points now. */
    if (tx->keep_image) {
        tx->result->new_image_id = ukiyo__str_dup(tx->result->old_image_id);
        return false;
    }
    cred = ukiyo__auth_lookup_image(ukiyo_get_auth(tx->u), tx->ref);
    /*
     * A registry may tell of a push before its tag points at the new
     * manifest (distribution sends the event when the manifest is stored and
     * links the tag after): when the push named a digest and the tag does
     * not serve it yet, pull again for a little while.
     */
    const char *pushed = tx->old_ref ? NULL : tx->opts.digest;
    for (int attempt = 0;; attempt++) {
        if (tx->pull)
            err = ukiyo_docker_image_pull(tx->docker, tx->ref, cred, pull_progress, tx);
        if (err == 0)
            err = ukiyo__docker_inspect_image_json(tx->docker, tx->ref, &image);
        char *got = err == 0 ? repo_digest_of(image, tx->ref) : NULL;
        bool behind = err == 0 && tx->pull && pushed && (!got || strcmp(got, pushed) != 0);
        free(got);
        if (!behind || attempt == PUSHED_DIGEST_TRIES - 1 || ukiyo__context_interrupted(tx->u))
            break;
        if (attempt == 0)
            log_info("%s: %s does not serve the pushed %s yet; pulling again", tx->name, tx->ref,
                     pushed);
        json_decref(image);
        image = NULL;
        ukiyo__sleep_ms(PUSHED_DIGEST_WAIT_MS);
    }
    ukiyo_credential_free(cred);
    if (err < 0 && ukiyo__context_interrupted(tx->u)) {
        ukiyo_error_clear(); /* a cut pull is no failure: the caller says it was interrupted */
        json_decref(image);
        return false;
    }
    if (err < 0) {
        explain_pull_failure(tx);
        record_failure(tx);
        return true;
    }
    tx->result->new_image_id = ukiyo__str_dup(json_string_value(json_object_get(image, "Id")));
    tx->new_digest = repo_digest_of(image, tx->ref);
    json_decref(image);
    if (!tx->opts.redeploy && !tx->old_ref && strcmp(tx->kind, "update") == 0 &&
        strcmp(tx->result->new_image_id, tx->result->old_image_id) == 0)
        return conclude_early(tx, UKIYO_OUTCOME_FRESH, NULL);
    return strcmp(tx->kind, "update") == 0 && !tx->opts.force && is_rejected(tx);
}

static int plan_journal(transaction *tx)
{
    journal_entry *j = &tx->journal;

    j->container = ukiyo__str_dup(tx->name);
    j->kind = ukiyo__str_dup(tx->kind);
    j->strategy = ukiyo__str_dup(tx->result->strategy);
    j->image_ref = ukiyo__str_dup(tx->ref);
    j->old_image_ref = ukiyo__str_dup(tx->old_ref);
    j->old_container_id = ukiyo__str_dup(json_string_value(json_object_get(tx->old, "Id")));
    j->old_image_id = ukiyo__str_dup(tx->result->old_image_id);
    j->new_image_id = ukiyo__str_dup(tx->result->new_image_id);
    j->temp_name = ukiyo__str_printf("%s.ukiyo-new", tx->name);
    j->old_name = ukiyo__str_printf("%s.ukiyo-old", tx->name);
    j->old_was_running =
        json_is_true(json_object_get(json_object_get(tx->old, "State"), "Running"));
    j->project = ukiyo__str_dup(tx->result->project);
    j->service = ukiyo__str_dup(tx->result->service);
    if (!j->container || !j->kind || !j->strategy || !j->image_ref || !j->old_container_id ||
        !j->old_image_id || !j->temp_name || !j->old_name)
        return UKIYO_ENOMEM;
    return ukiyo__journal_begin(tx->store, j);
}

/* The trigger a transaction of @tx's kind is. */
static plan_trigger trigger_of(const transaction *tx)
{
    if (strcmp(tx->kind, "update") != 0)
        return UKIYO__TRIGGER_RECREATE;
    return tx->opts.force ? UKIYO__TRIGGER_FORCED : UKIYO__TRIGGER_PERSON;
}

static int prepare(transaction *tx, const char *container)
{
    int err = ukiyo__docker_inspect_container_json(tx->docker, container, &tx->old);

    if (err < 0)
        return err;
    tx->name = json_string_value(json_object_get(tx->old, "Name"));
    tx->name = tx->name && tx->name[0] == '/' ? tx->name + 1 : tx->name;
    tx->ref = json_string_value(json_object_get(json_object_get(tx->old, "Config"), "Image"));
    ukiyo_container *c = ukiyo__container_from_json(json_incref(tx->old), true);
    /* The caller's digest is its tag's: it says nothing of another reference. */
    bool own_ref = !tx->opts.image || (tx->ref && strcmp(tx->opts.image, tx->ref) == 0);
    plan_request req = {.trigger = trigger_of(tx),
                        .digest = own_ref ? tx->opts.digest : NULL,
                        .now_ms = ukiyo_now_ms(tx->u)};
    err = c ? ukiyo__container_labels_read(&tx->labels, c) : UKIYO_ENOMEM;
    /* The caller's reference (a job's) was decided already: no second tag list. */
    req.keep_tag = tx->opts.image != NULL;
    if (err == 0)
        err = ukiyo__plan_decide(tx->u, c, &req, &tx->decision);
    ukiyo_container_free(c);
    if (err < 0)
        return err;
    const char *target = tx->opts.image           ? tx->opts.image
                         : tx->decision.moves_tag ? tx->decision.target
                                                  : NULL;
    if (target && strcmp(tx->kind, "update") == 0 && tx->ref && strcmp(target, tx->ref) != 0) {
        tx->old_ref = tx->ref;
        tx->ref = target;
    }
    err = new_result(tx);
    if (err < 0)
        return err;
    if (tx->leader) {
        tx->result->follows = ukiyo__str_dup(tx->leader);
        ukiyo__result_set_reason(tx->result,
                                 tx->keep_image ? "redeployed to follow %s"
                                                : "updated with %s, which it follows",
                                 tx->leader);
    }
    tx->health_timeout_s = seconds_option(tx->opts.health_timeout_s, tx->labels.health_timeout_ms,
                                          DEFAULT_HEALTH_TIMEOUT_S);
    tx->min_uptime_s =
        seconds_option(tx->opts.min_uptime_s, tx->labels.min_uptime_ms, DEFAULT_SETTLE_S);
    choose_strategy(tx);
    err = choose_recreator(tx);
    if (err < 0)
        return err;
    if (ukiyo__docker_inspect_image_json(tx->docker, tx->result->old_image_id, &tx->old_image) <
        0) {
        log_warning("%s: its image %s is gone; keeping every setting as it is", tx->name,
                    tx->result->old_image_id);
        ukiyo_error_clear();
    }
    return 0;
}

/* Everything up to the first change; true when the result is already final. */
static bool concluded_before_change(transaction *tx)
{
    /*
     * What the plan leaves alone (a label that does not parse, ukiyod's own
     * container, monitor-only, policy never, a digest reference, a rejected
     * release the trigger named). A follower is recreated whatever its
     * reference: it only has to join its leader again.
     */
    if (tx->decision.action == UKIYO__PLAN_SKIP &&
        !(tx->keep_image && tx->decision.skip == UKIYO__SKIP_IMAGE_ID)) {
        /* A release rejected before the pull: the local tag still points where it did. */
        return conclude_early(tx, UKIYO_OUTCOME_SKIPPED, tx->decision.reason);
    }
    if (tx->compose_refusal) {
        conclude_early(tx, UKIYO_OUTCOME_FAILED, tx->compose_refusal);
        if (!tx->opts.dry_run)
            record_failure(tx);
        return true;
    }
    if (tx->opts.dry_run) {
        conclude_early(tx, UKIYO_OUTCOME_PLANNED, NULL);
        if (tx->compose_why)
            ukiyo__result_set_reason(tx->result, "would pull %s and recreate %s (%s; %s)", tx->ref,
                                     tx->name, tx->result->strategy, tx->compose_why);
        else
            ukiyo__result_set_reason(tx->result, "would pull %s and recreate %s (%s)", tx->ref,
                                     tx->name, tx->result->strategy);
        return true;
    }
    return pull_newest(tx);
}

static int run_kind(ukiyo *u, const char *kind, const char *container,
                    const ukiyo_update_options *opts, bool pull, const char *leader,
                    bool keep_image, ukiyo_update_result **out);

/* The result of a follower whose redeploy could not even start (@err). */
static ukiyo_update_result *follower_failure(const char *name, const char *leader, int err)
{
    ukiyo_update_result *r = calloc(1, sizeof(*r));

    if (!r)
        return NULL;
    r->container = ukiyo__str_dup(name);
    r->follows = ukiyo__str_dup(leader);
    r->outcome = UKIYO_OUTCOME_FAILED;
    ukiyo__result_set_reason(r, "could not be redeployed to follow %s: %s: %s", leader,
                             ukiyo_strerror(err), ukiyo_error_last());
    return r;
}

/* Does @doc depend on the container that had @old_id and is called @name? */
static bool depends_on(json_t *doc, const char *old_id, const char *name)
{
    json_t *host_config = json_object_get(doc, "HostConfig"), *link;
    const char *mode = json_string_value(json_object_get(host_config, "NetworkMode"));
    size_t i, n = strlen(name);

    if (mode && strncmp(mode, "container:", 10) == 0 &&
        (strcmp(mode + 10, old_id) == 0 || strcmp(mode + 10, name) == 0))
        return true;
    json_array_foreach(json_object_get(host_config, "Links"), i, link) {
        /* The engine renamed the link's target with the old container: name.ukiyo-old. */
        const char *text = json_string_value(link);
        if (text && text[0] == '/' && strncmp(text + 1, name, n) == 0 &&
            (text[1 + n] == ':' || strncmp(text + 1 + n, ".ukiyo-old:", 11) == 0))
            return true;
    }
    return false;
}

/* Is @name among the containers the caller updates after this one? */
static bool in_batch(const transaction *tx, const char *name)
{
    for (size_t i = 0; tx->opts.batch && i < tx->opts.batch_count; i++)
        if (tx->opts.batch[i] && strcmp(tx->opts.batch[i], name) == 0)
            return true;
    return false;
}

/*
 * Is @dep a container compose started (its inspect document @doc) on the
 * tag @tx's update just pulled? The tag has moved under it too, and left on
 * its old image it would run what its compose file no longer names: compose
 * recreates such a container at its next `up`, so it follows onto the new
 * image instead. Any other follower keeps the exact image it runs.
 */
static bool compose_on_pulled_tag(const transaction *tx, json_t *doc)
{
    json_t *config = json_object_get(doc, "Config");
    const char *dep_ref = json_string_value(json_object_get(config, "Image"));
    ukiyo_image_ref *a = NULL, *b = NULL;
    bool same = false;

    if (!json_object_get(json_object_get(config, "Labels"), UKIYO_LABEL_COMPOSE_PROJECT))
        return false;
    if (tx->pull && strcmp(tx->kind, "update") == 0 && dep_ref &&
        ukiyo_image_ref_parse(&a, tx->ref) == 0 && ukiyo_image_ref_parse(&b, dep_ref) == 0)
        same = ukiyo_image_ref_same_tag(a, b) != 0;
    ukiyo_image_ref_free(a);
    ukiyo_image_ref_free(b);
    ukiyo_error_clear();
    return same;
}

/*
 * Recreate @dep (its inspect document @doc) to follow @tx's container. One
 * the caller updates later anyway, or a compose container on the very tag
 * @tx pulled, is updated now instead (its own newest image, its own
 * labels, gated), once; should that not leave it recreated (skipped,
 * failed, rolled back), or for any other, it is recreated on the exact
 * image it runs.
 */
static ukiyo_update_result *follow(transaction *tx, const char *dep, json_t *doc)
{
    ukiyo_update_options opts = tx->opts;
    ukiyo_update_result *r = NULL;
    int err = 0;
    bool batched = in_batch(tx, dep), on_pulled_tag = !batched && compose_on_pulled_tag(tx, doc);

    char *own = NULL; /* why its own update did not take */

    opts.image = NULL;
    opts.digest = NULL;
    if (batched || on_pulled_tag) {
        opts.redeploy = 1; /* recreated even when its own image did not change */
        /* On the tag just pulled, the local tag is the newest: no second pull. */
        err = run_kind(tx->u, "update", dep, &opts, batched, tx->name, false, &r);
        if (err == 0 && ukiyo_update_result_outcome(r) == UKIYO_OUTCOME_UPDATED)
            return r;
        own = ukiyo__str_printf("%s: %s",
                                err < 0 ? "failed"
                                        : ukiyo_update_outcome_name(ukiyo_update_result_outcome(r)),
                                err < 0                         ? ukiyo_error_last()
                                : ukiyo_update_result_reason(r) ? ukiyo_update_result_reason(r)
                                                                : "");
        ukiyo_update_result_free(r);
        r = NULL;
        ukiyo_error_clear();
        opts.redeploy = 0;
    }
    /* Same image, no pull: it only has to follow its dependency. */
    err = run_kind(tx->u, "redeploy", dep, &opts, false, tx->name, true, &r);
    log_info("%s depends on %s: redeployed: %s", dep, tx->name,
             err < 0 ? ukiyo_error_last()
                     : ukiyo_update_outcome_name(ukiyo_update_result_outcome(r)));
    if (err < 0)
        r = follower_failure(dep, tx->name, err);
    else if (own)
        ukiyo__result_set_reason(r, "redeployed to follow %s (its own update: %s)", tx->name, own);
    free(own);
    return r;
}

/*
 * Containers in the old one's network namespace, or linked to it, still
 * point at the container that is gone: recreate them to join the new one
 * and hand their results to the leader's.
 */
static void redeploy_dependents(transaction *tx)
{
    ukiyo_container_list *list = NULL;

    if (ukiyo_docker_container_list(&list, tx->docker, 1, NULL) < 0) {
        log_warning("%s: cannot list its dependents: %s", tx->name, ukiyo_error_last());
        return;
    }
    for (size_t i = 0; i < ukiyo_container_list_count(list); i++) {
        const char *id = ukiyo_container_id(ukiyo_container_list_get(list, i));
        json_t *doc = NULL;
        if (ukiyo__docker_inspect_container_json(tx->docker, id, &doc) < 0)
            continue;
        if (depends_on(doc, tx->journal.old_container_id, tx->name)) {
            ukiyo_update_result *r =
                follow(tx, json_string_value(json_object_get(doc, "Name")) + 1, doc);
            if (r && ukiyo__result_add_follower(tx->result, r) < 0)
                ukiyo_update_result_free(r);
        }
        json_decref(doc);
    }
    ukiyo_container_list_free(list);
    ukiyo_error_clear();
}

void ukiyo__update_options_copy(ukiyo_update_options *dst, const ukiyo_update_options *src)
{
    static const ukiyo_update_options defaults = UKIYO_UPDATE_OPTIONS_INIT;

    *dst = defaults;
    if (src) /* a caller built against version 1 has no fields past progress_payload */
        memcpy(dst, src,
               src->version >= 6   ? sizeof(*src)
               : src->version == 5 ? offsetof(ukiyo_update_options, service_timeout_s)
               : src->version == 4 ? offsetof(ukiyo_update_options, compose)
               : src->version == 3 ? offsetof(ukiyo_update_options, digest)
               : src->version == 2 ? offsetof(ukiyo_update_options, force)
                                   : offsetof(ukiyo_update_options, image));
    dst->version = UKIYO_UPDATE_OPTIONS_VERSION;
}

static int run_kind(ukiyo *u, const char *kind, const char *container,
                    const ukiyo_update_options *opts, bool pull, const char *leader,
                    bool keep_image, ukiyo_update_result **out)
{
    ukiyo_update_options defaults = UKIYO_UPDATE_OPTIONS_INIT;
    transaction tx = {.u = u,
                      .kind = kind,
                      .opts = defaults,
                      .pull = pull,
                      .leader = leader,
                      .keep_image = keep_image};
    int err;

    UKIYO__CHECK_VERSION(opts, UKIYO_UPDATE_OPTIONS_VERSION, "ukiyo_update_options");
    ukiyo__update_options_copy(&tx.opts, opts);

    if (!u || !container || !out)
        return ukiyo__error_set(UKIYO_EINVAL, "%s: NULL argument", kind);
    tx.docker = ukiyo_get_docker(u);
    tx.store = ukiyo_get_store(u);
    if (!tx.store)
        return ukiyo__error_set(UKIYO_EINVAL, "%s needs a store for its journal", kind);
    if (ukiyo__is_service_name(container))
        return ukiyo__service_transaction(out, u, kind, container, &tx.opts);
    err = prepare(&tx, container);
    if (err == 0 && !concluded_before_change(&tx)) {
        /* Asked to stop during the pull (ukiyo_interrupt()): nothing changed, and nothing will. */
        if (ukiyo__context_interrupted(u)) {
            point_tag_back(&tx);
            err = ukiyo__error_set(UKIYO_EINTERRUPTED,
                                   "%s: interrupted before anything changed; it runs as it did",
                                   tx.name);
        }
        if (err == 0)
            err = plan_journal(&tx);
        if (err == 0)
            err = ukiyo__transaction_run(&tx);
        if (err == 0 && tx.result->outcome == UKIYO_OUTCOME_UPDATED)
            redeploy_dependents(&tx);
    }
    if (err == 0) {
        ukiyo_update_outcome o = tx.result->outcome;
        if (o == UKIYO_OUTCOME_UPDATED || o == UKIYO_OUTCOME_ROLLED_BACK ||
            o == UKIYO_OUTCOME_FAILED)
            ukiyo__context_call_update_hook(u, tx.result);
        *out = tx.result;
        tx.result = NULL;
    }
    ukiyo_update_result_free(tx.result);
    ukiyo__journal_entry_clear(&tx.journal);
    ukiyo__container_labels_clear(&tx.labels);
    ukiyo__compose_origin_clear(&tx.compose);
    free(tx.compose_why);
    free(tx.compose_refusal);
    free(tx.new_digest);
    ukiyo__plan_decision_clear(&tx.decision);
    json_decref(tx.advertise);
    json_decref(tx.old);
    json_decref(tx.old_image);
    return err;
}

UKIYO_EXTERN int ukiyo_update(ukiyo_update_result **out, ukiyo *u, const char *container,
                              const ukiyo_update_options *opts)
{
    if (opts && opts->redeploy)
        return run_kind(u, "redeploy", container, opts, true, NULL, false, out);
    return run_kind(u, "update", container, opts, true, NULL, false, out);
}

UKIYO_EXTERN int ukiyo_redeploy(ukiyo_update_result **out, ukiyo *u, const char *container,
                                const ukiyo_update_options *opts)
{
    ukiyo_update_options o;

    UKIYO__CHECK_VERSION(opts, UKIYO_UPDATE_OPTIONS_VERSION, "ukiyo_update_options");
    ukiyo__update_options_copy(&o, opts);
    o.redeploy = 1;
    return run_kind(u, "redeploy", container, &o, true, NULL, false, out);
}

/* Point the container's reference back at the image it ran before its last update. */
/* The image a rollback of @container returns to (new string), from the journal's stack. */
static int rollback_target(ukiyo *u, const char *container, json_t **doc_out, char **image_out)
{
    int err = ukiyo__docker_inspect_container_json(ukiyo_get_docker(u), container, doc_out);

    if (err == UKIYO_ENOTFOUND)
        return ukiyo__error_set(err, "no container %s", container);
    if (err == 0)
        err =
            ukiyo__journal_previous_image(ukiyo_get_store(u),
                                          json_string_value(json_object_get(*doc_out, "Name")) + 1,
                                          image_out);
    return err;
}

UKIYO_EXTERN int ukiyo_rollback(ukiyo_update_result **out, ukiyo *u, const char *container,
                                const ukiyo_update_options *opts)
{
    json_t *doc = NULL;
    char *previous = NULL;
    int err;

    if (!u || !container || !out)
        return ukiyo__error_set(UKIYO_EINVAL, "rollback: NULL argument");
    if (!ukiyo_get_store(u))
        return ukiyo__error_set(UKIYO_EINVAL, "rollback needs a store");
    if (ukiyo__is_service_name(container)) /* the service's own transaction finds its image */
        return run_kind(u, "rollback", container, opts, false, NULL, false, out);
    err = rollback_target(u, container, &doc, &previous);
    /* The reference points at the image it goes back to, so the container keeps its reference. */
    if (err == 0 && !(opts && opts->dry_run))
        err =
            ukiyo__docker_tag_image(ukiyo_get_docker(u), previous,
                                    json_string_value(
                                        json_object_get(json_object_get(doc, "Config"), "Image")));
    if (err == 0)
        err = run_kind(u, "rollback", container, opts, false, NULL, false, out);
    if (err == 0 && opts && opts->dry_run && (*out)->outcome == UKIYO_OUTCOME_PLANNED)
        ukiyo__result_set_reason(*out,
                                 "would roll %s back to %s, the image it ran before its "
                                 "last update (%s)",
                                 (*out)->container, previous, (*out)->strategy);
    free(previous);
    json_decref(doc);
    return err;
}

UKIYO_EXTERN int ukiyo_update_options_init(ukiyo_update_options *opts, unsigned int version)
{
    static const ukiyo_update_options template = UKIYO_UPDATE_OPTIONS_INIT;

    return ukiyo__options_init(opts, sizeof(*opts), &template, version,
                               UKIYO_UPDATE_OPTIONS_VERSION, "ukiyo_update_options");
}
