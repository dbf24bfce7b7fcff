/*
 * manager_transaction.c - the steps of an update transaction, the way back
 * when the new container fails, and reconcile after a crash.
 *
 * stop-first:  create new (temp name) -> stop old -> rename old away ->
 *              rename new to the name -> start new -> health gate -> commit
 *              -> remove old
 * start-first: create new (no aliases) -> start new -> health gate ->
 *              advertise its aliases -> commit -> rename old away -> rename
 *              new -> drain -> stop old -> remove old
 * Each step is journaled before it is taken. Before commit a failure (or
 * a crash, at reconcile) puts the old container back; after commit the new
 * one is kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "manager_private.h"
#include "recreate.h"

/* How long requests already sent to the old container get to finish. */
#define START_FIRST_DRAIN_MS 1000

static int api_minor(ukiyo_docker *d)
{
    const char *v = ukiyo_docker_api_version(d);
    return v && strchr(v, '.') ? atoi(strchr(v, '.') + 1) : 40;
}

/* "container:<id>" names a container that may itself have been recreated: use its name. */
static void resolve_container_network_mode(transaction *tx, json_t *spec)
{
    json_t *host_config = json_object_get(spec, "HostConfig");
    const char *mode = json_string_value(json_object_get(host_config, "NetworkMode"));
    json_t *doc = NULL;
    char *name = NULL;

    if (!mode || strncmp(mode, "container:", 10) != 0)
        return;
    if (ukiyo__docker_inspect_container_json(tx->docker, mode + 10, &doc) == 0) {
        name = ukiyo__str_dup(json_string_value(json_object_get(doc, "Name")) + 1);
        json_decref(doc);
    } else if (ukiyo__journal_name_of_container(tx->store, mode + 10, &name) < 0) {
        name = NULL;
    }
    ukiyo_error_clear();
    if (name) {
        char *rewritten = ukiyo__str_printf("container:%s", name);
        if (rewritten)
            json_object_set_new(host_config, "NetworkMode", json_string(rewritten));
        free(rewritten);
        free(name);
    }
}

/* Volumes a VolumesFrom container provides are inherited, not this container's own. */
static char **inherited_volumes(transaction *tx)
{
    json_t *from = json_object_get(json_object_get(tx->old, "HostConfig"), "VolumesFrom"), *v;
    ukiyo_string_list list = {0};
    size_t i;

    json_array_foreach(from, i, v) {
        const char *text = json_string_value(v);
        char *source = text ? strndup(text, strcspn(text, ":")) : NULL;
        json_t *doc = NULL, *mount;
        size_t k;
        if (source && ukiyo__docker_inspect_container_json(tx->docker, source, &doc) == 0) {
            json_array_foreach(json_object_get(doc, "Mounts"), k, mount) {
                const char *name = json_string_value(json_object_get(mount, "Name"));
                if (name)
                    ukiyo__string_list_append(&list, name);
            }
            json_decref(doc);
        }
        ukiyo_error_clear();
        free(source);
    }
    /* NULL-terminated, as recreate_input wants it. */
    char **items = realloc(list.items, (list.count + 1) * sizeof(*items));
    if (!items) {
        for (size_t k = 0; k < list.count; k++)
            free(list.items[k]);
        free(list.items);
        return NULL;
    }
    items[list.count] = NULL;
    return items;
}

static int connect_extra_networks(transaction *tx, const char *id, json_t *extra)
{
    json_t *entry;
    size_t i;

    json_array_foreach(extra, i, entry) {
        char *endpoint = json_dumps(json_object_get(entry, "EndpointConfig"), JSON_COMPACT);
        int err =
            endpoint
                ? ukiyo_docker_network_connect(tx->docker,
                                               json_string_value(json_object_get(entry, "Name")),
                                               id, endpoint)
                : UKIYO_ENOMEM;
        free(endpoint);
        if (err < 0)
            return err;
    }
    return 0;
}

/*
 * Start-first: the new container must not be found under the service's
 * aliases before it passes its gate, or clients reach it before it listens.
 * Create it without aliases; keep them to advertise after the gate, with
 * the container's name among them, so that the name never stops resolving
 * while it moves from the old container to the new one.
 */
static int hold_back_endpoint(transaction *tx, const char *network, json_t *ep)
{
    json_t *full = json_deep_copy(ep);
    json_t *aliases = json_object_get(full, "Aliases");

    if (!full)
        return UKIYO_ENOMEM;
    if (!json_is_array(aliases)) {
        aliases = json_array();
        json_object_set_new(full, "Aliases", aliases);
    }
    json_array_append_new(aliases, json_string(tx->name));
    json_array_append_new(tx->advertise,
                          json_pack("{s:s, s:o}", "Name", network, "EndpointConfig", full));
    json_object_del(ep, "Aliases");
    return 0;
}

/* Only user-defined networks have DNS, and so aliases. */
static bool network_has_dns(const char *network)
{
    return strcmp(network, "bridge") != 0 && strcmp(network, "host") != 0 &&
           strcmp(network, "none") != 0;
}

static int hold_back_aliases(transaction *tx, json_t *spec, json_t *extra)
{
    json_t *endpoints =
        json_object_get(json_object_get(spec, "NetworkingConfig"), "EndpointsConfig");
    json_t *ep, *entry;
    const char *network;
    size_t i;
    int err = 0;

    tx->advertise = json_array();
    json_object_foreach(endpoints, network, ep) {
        if (err == 0 && network_has_dns(network))
            err = hold_back_endpoint(tx, network, ep);
    }
    json_array_foreach(extra, i, entry) {
        network = json_string_value(json_object_get(entry, "Name"));
        if (err == 0 && network && network_has_dns(network))
            err = hold_back_endpoint(tx, network, json_object_get(entry, "EndpointConfig"));
    }
    return err;
}

/* Reconnect the new container with its aliases: from now on clients find it. */
static int advertise_new(transaction *tx)
{
    json_t *entry;
    size_t i;
    int err = json_array_size(tx->advertise) ? ukiyo__transaction_step(tx, STEP_ADVERTISE) : 0;

    json_array_foreach(tx->advertise, i, entry) {
        const char *network = json_string_value(json_object_get(entry, "Name"));
        char *endpoint = json_dumps(json_object_get(entry, "EndpointConfig"), JSON_COMPACT);
        if (err == 0)
            err = ukiyo_docker_network_disconnect(tx->docker, network, tx->journal.new_container_id,
                                                  1);
        if (err == 0)
            err = endpoint ? ukiyo_docker_network_connect(tx->docker, network,
                                                          tx->journal.new_container_id, endpoint)
                           : UKIYO_ENOMEM;
        free(endpoint);
    }
    return err;
}

static int create_new_container(transaction *tx)
{
    char **inherited = inherited_volumes(tx);
    recreate_input in = {.container = tx->old,
                         .old_image = tx->old_image,
                         .image_ref = tx->ref,
                         .api_minor = api_minor(tx->docker),
                         .inherited_volumes = (const char *const *)inherited,
                         .new_image_id = tx->journal.new_image_id};
    json_t *spec = NULL, *extra = NULL;
    char *text = NULL, *id = NULL;
    int err = ukiyo__recreate_spec(&in, &spec, &extra);

    for (char **v = inherited; v && *v; v++)
        free(*v);
    free(inherited);
    if (err < 0)
        return err;
    resolve_container_network_mode(tx, spec);
    if (tx->start_first)
        err = hold_back_aliases(tx, spec, extra);
    text = err == 0 ? json_dumps(spec, JSON_COMPACT) : NULL;
    if (err == 0)
        err = text ? ukiyo__transaction_step(tx, STEP_CREATE) : UKIYO_ENOMEM;
    if (err == 0) {
        /* A follower keeps its image: see ukiyo__pin_reference. */
        pinned_reference pin =
            ukiyo__pin_reference(tx, tx->keep_image ? tx->result->old_image_id : NULL);
        err = ukiyo_docker_container_create(&id, tx->docker, tx->journal.temp_name, text);
        ukiyo__unpin_reference(tx, &pin);
    }
    if (err == 0) {
        tx->journal.new_container_id = id;
        err = ukiyo__journal_set_new_container(tx->store, tx->journal.id, id);
    }
    if (err == 0)
        err = connect_extra_networks(tx, id, extra);
    free(text);
    json_decref(spec);
    json_decref(extra);
    return err;
}

/* Stop with the container's own StopSignal and StopTimeout. */
static int stop_old(transaction *tx)
{
    int err = ukiyo__transaction_step(tx, STEP_STOP_OLD);
    return err < 0 ? err
                   : ukiyo_docker_container_stop(tx->docker, tx->journal.old_container_id, -1);
}

static int swap_names(transaction *tx)
{
    int err = ukiyo__transaction_step(tx, STEP_RENAME_OLD);

    if (err == 0)
        err = ukiyo_docker_container_rename(tx->docker, tx->journal.old_container_id,
                                            tx->journal.old_name);
    if (err == 0)
        err = ukiyo__transaction_step(tx, STEP_RENAME_NEW);
    if (err == 0)
        err = ukiyo_docker_container_rename(tx->docker, tx->journal.new_container_id, tx->name);
    return err;
}

static int start_new_and_gate(transaction *tx)
{
    int err = ukiyo__transaction_step(tx, STEP_START_NEW);

    if (err == 0)
        err = ukiyo_docker_container_start(tx->docker, tx->journal.new_container_id);
    return err == 0 ? ukiyo__gate_new_container(tx) : err;
}

static int remove_old(transaction *tx)
{
    int err = ukiyo__transaction_step(tx, STEP_REMOVE_OLD);

    if (err == 0)
        ukiyo__keep_old_logs(tx);
    /* Never its volumes: the new container mounts them now. */
    if (err == 0)
        err = ukiyo_docker_container_remove(tx->docker, tx->journal.old_container_id,
                                            UKIYO_REMOVE_FORCE);
    return err == UKIYO_ENOTFOUND ? 0 : err;
}

/*
 * Asked to stop (ukiyo_interrupt()) before the step that takes the old
 * container down: go no further. The journal keeps what was done (a
 * created container), for reconcile to undo; the old one never stopped.
 */
static int unless_interrupted(transaction *tx)
{
    if (!ukiyo__context_interrupted(tx->u))
        return 0;
    return ukiyo__error_set(UKIYO_EINTERRUPTED,
                            "interrupted before the old container was stopped; it still runs");
}

/* Before commit: what can fail and be undone. */
static int run_until_commit(transaction *tx)
{
    if (tx->compose_native)
        return ukiyo__compose_until_commit(tx);
    int err = create_new_container(tx);

    if (err < 0)
        return err;
    if (tx->start_first) {
        err = unless_interrupted(tx);
        if (err == 0)
            err = start_new_and_gate(tx);
        return err < 0 ? err : advertise_new(tx);
    }
    err = unless_interrupted(tx);
    if (err == 0)
        err = stop_old(tx);
    if (err == 0)
        err = swap_names(tx);
    if (err == 0)
        err = start_new_and_gate(tx);
    return err;
}

/*
 * Start-first hands over without a failed request for clients that find
 * the service by the container's name: renaming moves the name in the
 * network's DNS while the old container still answers at its address, and
 * requests already sent there get time to finish. Network aliases cannot
 * be moved that way: the old container leaves them when it leaves the
 * network, after the drain, and a request in flight to it at that moment
 * can be cut.
 */
static void drain_old(transaction *tx)
{
    json_t *networks = json_object_get(json_object_get(tx->old, "NetworkSettings"), "Networks");
    const char *network;
    json_t *settings;

    usleep(START_FIRST_DRAIN_MS * 1000);
    json_object_foreach(networks, network, settings) {
        if (ukiyo_docker_network_disconnect(tx->docker, network, tx->journal.old_container_id, 1) <
            0)
            log_debug("%s: drain: %s", tx->name, ukiyo_error_last());
    }
    ukiyo_error_clear();
}

/* After commit: the new container stays whatever happens. */
static int run_after_commit(transaction *tx)
{
    int err = 0;

    if (tx->compose_native)
        return 0; /* compose removed the old container itself */
    if (tx->start_first) {
        err = swap_names(tx);
        if (err == 0) {
            drain_old(tx);
            err = stop_old(tx);
        }
    }
    if (err == 0)
        err = remove_old(tx);
    return err;
}

int ukiyo__restore_old_container(ukiyo_docker *d, const journal_entry *j)
{
    json_t *old = NULL;
    int err = ukiyo__docker_inspect_container_json(d, j->old_container_id, &old);

    if (err < 0)
        return ukiyo__error_wrap(err, "the old container of %s is gone", j->container);
    const char *current = json_string_value(json_object_get(old, "Name")) + 1;
    if (strcmp(current, j->container) != 0)
        err = ukiyo_docker_container_rename(d, j->old_container_id, j->container);
    if (err == 0 && j->old_was_running &&
        !json_is_true(json_object_get(json_object_get(old, "State"), "Running")))
        err = ukiyo_docker_container_start(d, j->old_container_id);
    json_decref(old);
    return err;
}

/* Remove the new container, by ID or, if the crash came before its ID was kept, by name. */
static int remove_new_container(ukiyo_docker *d, const journal_entry *j)
{
    const char *target = j->new_container_id ? j->new_container_id : j->temp_name;
    json_t *doc = NULL;
    int err = ukiyo__docker_inspect_container_json(d, target, &doc);

    if (err == UKIYO_ENOTFOUND) {
        ukiyo_error_clear();
        return 0;
    }
    if (err < 0)
        return err;
    /* Never remove the old one: a temp name cannot be its, but be certain. With its
     * volumes: the engine removes only those the new container made for itself, never
     * the old container's, which it mounts by name. */
    if (strcmp(json_string_value(json_object_get(doc, "Id")), j->old_container_id) != 0)
        err = ukiyo_docker_container_remove(d, json_string_value(json_object_get(doc, "Id")),
                                            UKIYO_REMOVE_FORCE | UKIYO_REMOVE_VOLUMES);
    json_decref(doc);
    return err;
}

/* The ID of the container called @name now, or NULL. */
static char *container_id_of(ukiyo_docker *d, const char *name)
{
    json_t *doc = NULL;
    char *id = NULL;

    if (ukiyo__docker_inspect_container_json(d, name, &doc) == 0)
        id = ukiyo__str_dup(json_string_value(json_object_get(doc, "Id")));
    ukiyo_error_clear();
    json_decref(doc);
    return id;
}

static int roll_back(transaction *tx, int cause)
{
    char reason[1024];
    int err;

    snprintf(reason, sizeof(reason), "%s", ukiyo_error_last());
    log_warning("%s: rolling back: %s", tx->name, reason);
    if (tx->compose_native && tx->compose_untouched)
        return ukiyo__compose_failed_untouched(tx, reason);
    err = ukiyo__transaction_step(tx, STEP_ROLLBACK);
    if (err == 0 && tx->compose_native)
        err = ukiyo__compose_undo(tx->docker, &tx->compose_program, &tx->compose, &tx->journal,
                                  tx->opts.compose_timeout_s);
    if (err == 0 && !tx->compose_native)
        err = remove_new_container(tx->docker, &tx->journal);
    if (err == 0 && !tx->compose_native)
        err = ukiyo__restore_old_container(tx->docker, &tx->journal);
    if (err < 0) {
        ukiyo__result_set_reason(tx->result, "%s; and the rollback failed: %s (run reconcile)",
                                 reason, ukiyo_error_last());
        tx->result->outcome = UKIYO_OUTCOME_FAILED;
        return 0; /* the journal stays open for reconcile */
    }
    free(tx->result->container_id);
    tx->result->container_id = tx->compose_native ? container_id_of(tx->docker, tx->name)
                                                  : ukiyo__str_dup(tx->journal.old_container_id);
    (void)cause;
    if (strcmp(tx->kind, "rollback") == 0) {
        /* A rollback that did not take: the container runs what it ran before it. */
        tx->result->outcome = UKIYO_OUTCOME_FAILED;
        ukiyo__result_set_reason(tx->result,
                                 "the rollback did not take: %s; it runs its image "
                                 "as before",
                                 reason);
        return ukiyo__journal_finish(tx->store, tx->journal.id, "failed", tx->result->reason);
    }
    tx->result->outcome = UKIYO_OUTCOME_ROLLED_BACK;
    ukiyo__result_set_reason(tx->result, "%s", reason);
    ukiyo__reject_release(tx, reason);
    return ukiyo__journal_finish(tx->store, tx->journal.id, "rolled-back", reason);
}

/*
 * --cleanup: the image the container ran two updates ago goes. The one it
 * just left stays: it is what ukiyo_rollback() returns to.
 */
static void clean_up_old_image(transaction *tx)
{
    char *image = NULL;

    if (ukiyo__journal_image_before(tx->store, tx->name, tx->journal.id, &image) < 0) {
        ukiyo_error_clear();
        return;
    }
    if (strcmp(image, tx->journal.old_image_id) != 0 &&
        (!tx->journal.new_image_id || strcmp(image, tx->journal.new_image_id) != 0)) {
        if (ukiyo_docker_image_remove(tx->docker, image, 0) == 0)
            log_info("%s: removed image %s", tx->name, image);
        else
            log_info("%s: kept image %s: %s", tx->name, image, ukiyo_error_last());
    }
    ukiyo_error_clear();
    free(image);
}

static const char *success_outcome(const char *kind);

int ukiyo__transaction_run(transaction *tx)
{
    int err = run_until_commit(tx);

    if (err == UKIYO_EINTERRUPTED) {
        log_info("%s: %s", tx->name, ukiyo_error_last());
        return err; /* the journal stays open, as after a crash: reconcile undoes it */
    }
    if (err < 0)
        return roll_back(tx, err);
    err = ukiyo__transaction_step(tx, STEP_COMMIT);
    if (err == 0)
        err = run_after_commit(tx);
    if (err < 0) {
        /* Committed: the new container serves; what is left is tidying that reconcile redoes. */
        ukiyo__result_set_reason(tx->result, "updated, but: %s (run reconcile)",
                                 ukiyo_error_last());
    }
    bool rollback = strcmp(tx->kind, "rollback") == 0;
    tx->result->outcome = rollback ? UKIYO_OUTCOME_ROLLED_BACK : UKIYO_OUTCOME_UPDATED;
    free(tx->result->container_id);
    tx->result->container_id = ukiyo__str_dup(tx->journal.new_container_id);
    if (err < 0)
        return 0;
    log_info("%s: %s to %s", tx->name, rollback ? "rolled back" : "updated",
             tx->result->new_image_id);
    err = ukiyo__journal_finish(tx->store, tx->journal.id, success_outcome(tx->kind),
                                tx->leader ? tx->result->reason : NULL);
    /* A release took: what was rejected before is history, not a verdict on what comes next. */
    if (err == 0 && !rollback && ukiyo__store_rejections_forget(tx->store, tx->name) < 0)
        ukiyo_error_clear();
    if (err == 0 && tx->opts.cleanup)
        clean_up_old_image(tx);
    return err;
}

/* ---- reconcile ----------------------------------------------------- */

/* What a transaction of @kind that took is recorded as; and one that was undone. */
static const char *success_outcome(const char *kind)
{
    return strcmp(kind, "rollback") == 0 ? "rolled-back" : "updated";
}

static const char *undone_outcome(const char *kind)
{
    return strcmp(kind, "rollback") == 0 ? "failed" : "rolled-back";
}

static bool is_committed(const journal_entry *j)
{
    if (strcmp(j->strategy, "compose") == 0)
        return strcmp(j->step, STEP_COMMIT) == 0; /* compose already removed the old one */
    return strcmp(j->step, STEP_COMMIT) == 0 || strcmp(j->step, STEP_REMOVE_OLD) == 0 ||
           (strcmp(j->step, STEP_STOP_OLD) == 0 && strcmp(j->strategy, "start-first") == 0) ||
           ((strcmp(j->step, STEP_RENAME_OLD) == 0 || strcmp(j->step, STEP_RENAME_NEW) == 0) &&
            strcmp(j->strategy, "start-first") == 0);
}

/* A committed transaction: the new container takes the name, the old one goes. */
static int finish_forward(ukiyo_docker *d, const journal_entry *j)
{
    json_t *doc = NULL;
    int err = ukiyo__docker_inspect_container_json(d, j->new_container_id, &doc);

    if (err < 0)
        return ukiyo__error_wrap(err, "%s: the new container is gone", j->container);
    bool named = strcmp(json_string_value(json_object_get(doc, "Name")) + 1, j->container) == 0;
    bool running = json_is_true(json_object_get(json_object_get(doc, "State"), "Running"));
    json_decref(doc);
    err = ukiyo_docker_container_remove(d, j->old_container_id, UKIYO_REMOVE_FORCE);
    if (err == UKIYO_ENOTFOUND)
        err = 0;
    if (err == 0 && !named)
        err = ukiyo_docker_container_rename(d, j->new_container_id, j->container);
    if (err == 0 && !running && j->old_was_running)
        err = ukiyo_docker_container_start(d, j->new_container_id);
    return err;
}

static int reconcile_one(ukiyo_store *s, ukiyo_docker *d, const journal_entry *j)
{
    int err;

    bool compose = strcmp(j->strategy, "compose") == 0;

    if (strcmp(j->strategy, "swarm") == 0)
        return ukiyo__service_reconcile(s, d, j);
    if (is_committed(j)) {
        err = compose ? 0 : finish_forward(d, j);
        if (err == 0)
            return ukiyo__journal_finish(s, j->id, success_outcome(j->kind),
                                         "finished by reconcile after an interruption");
    } else if (compose) {
        err = ukiyo__compose_reconcile(d, j);
        if (err == 0) {
            char reason[256];
            snprintf(reason, sizeof(reason),
                     "interrupted at step %s; compose recreated it on its old image", j->step);
            return ukiyo__journal_finish(s, j->id, undone_outcome(j->kind), reason);
        }
    } else {
        err = remove_new_container(d, j);
        if (err == 0)
            err = ukiyo__restore_old_container(d, j);
        /* The update's pull moved the tag the old container runs: back to its image. */
        if (err == 0 && !j->old_image_ref && j->image_ref &&
            ukiyo__docker_tag_image(d, j->old_image_id, j->image_ref) < 0)
            ukiyo_error_clear();
        if (err == 0) {
            char reason[256];
            snprintf(reason, sizeof(reason), "interrupted at step %s; old container restored",
                     j->step);
            return ukiyo__journal_finish(s, j->id, undone_outcome(j->kind), reason);
        }
    }
    return err;
}

UKIYO_EXTERN int ukiyo_reconcile(ukiyo *u, unsigned int *fixed_out)
{
    journal_entry *entries = NULL;
    size_t count = 0;
    unsigned fixed = 0;
    int err, first_error = 0;

    if (!u || !ukiyo_get_store(u))
        return ukiyo__error_set(UKIYO_EINVAL, "reconcile needs a store");
    err = ukiyo__journal_open_entries(ukiyo_get_store(u), &entries, &count);
    if (err < 0)
        return err;
    for (size_t i = 0; i < count; i++) {
        err = reconcile_one(ukiyo_get_store(u), ukiyo_get_docker(u), &entries[i]);
        if (err == 0) {
            fixed++;
            log_info("reconciled the interrupted update of %s", entries[i].container);
        } else if (first_error == 0) {
            first_error = err;
        }
    }
    ukiyo__journal_entries_free(entries, count);
    if (fixed_out)
        *fixed_out = fixed;
    return first_error;
}
