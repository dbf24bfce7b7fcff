/*
 * manager_compose.c - the compose-native way to recreate: compose itself
 * recreates the service from the project's files, so its config hash, its
 * labels and its handling of anonymous volumes stay its own; ukiyo pulls
 * before, gates after, and undoes through compose again.
 *
 *   compose-up (the reference pointing at the new image) -> health gate
 *   -> commit                (compose removed the old container itself)
 *   rollback: the reference points at the old image -> compose-up again
 *
 * Which containers go this way is chosen in manager.c (choose_recreator).
 */
#include <stdlib.h>
#include <string.h>

#include "manager_private.h"

/* Have compose recreate @o's service with the reference on @image_id. */
static int compose_up_on(transaction *tx, const compose_origin *o, const char *image_id,
                         bool keep_tag)
{
    pinned_reference pin = ukiyo__pin_reference(tx, image_id);
    int err = ukiyo__compose_recreate(&tx->compose_program, o, ukiyo_docker_host(tx->docker),
                                      tx->opts.compose_timeout_s);

    if (!keep_tag)
        ukiyo__unpin_reference(tx, &pin);
    else
        free(pin.previous);
    return err;
}

/*
 * After compose failed: does the old container still carry the name,
 * running as it ran? Then compose changed nothing there is to undo.
 */
static bool old_container_untouched(transaction *tx)
{
    json_t *doc = NULL;
    bool same = false;

    if (ukiyo__docker_inspect_container_json(tx->docker, tx->name, &doc) == 0) {
        const char *id = json_string_value(json_object_get(doc, "Id"));
        bool running = json_is_true(json_object_get(json_object_get(doc, "State"), "Running"));
        same = id && strcmp(id, tx->journal.old_container_id) == 0 &&
               running == tx->journal.old_was_running;
    }
    json_decref(doc);
    return same;
}

/* The container compose made under the name: must be another than the old one. */
static int find_new_container(transaction *tx)
{
    json_t *doc = NULL;
    int err = ukiyo__docker_inspect_container_json(tx->docker, tx->name, &doc);

    if (err < 0)
        return ukiyo__error_wrap(err, "%s left no container named %s", tx->compose_program.name,
                                 tx->name);
    const char *id = json_string_value(json_object_get(doc, "Id"));
    if (!id || strcmp(id, tx->journal.old_container_id) == 0) {
        tx->compose_untouched = true;
        err = ukiyo__error_set(UKIYO_EDOCKER, "%s did not recreate %s", tx->compose_program.name,
                               tx->name);
    } else if (!(tx->journal.new_container_id = strdup(id)))
        err = UKIYO_ENOMEM;
    else
        err = ukiyo__journal_set_new_container(tx->store, tx->journal.id, id);
    json_decref(doc);
    return err;
}

int ukiyo__compose_until_commit(transaction *tx)
{
    /* A rollback's own reference stays on the image it returns to: compose reads it next. */
    bool keep_tag = strcmp(tx->kind, "rollback") == 0;
    int err = ukiyo__transaction_step(tx, STEP_COMPOSE_UP);

    if (err == 0)
        ukiyo__keep_old_logs(tx); /* compose removes the old container */
    if (err == 0) {
        err = compose_up_on(tx, &tx->compose, tx->journal.new_image_id, keep_tag);
        if (err < 0)
            tx->compose_untouched = old_container_untouched(tx);
    }
    if (err == 0)
        err = find_new_container(tx);
    return err == 0 ? ukiyo__gate_new_container(tx) : err;
}

/*
 * Put the old image back the compose way: the reference points at it again
 * (for good: compose reads it at every `up`), and compose recreates the
 * service once more.
 */
int ukiyo__compose_undo(ukiyo_docker *d, const compose_program *prog, const compose_origin *o,
                        const journal_entry *j, int timeout_s)
{
    int err = ukiyo__docker_tag_image(d, j->old_image_id, j->image_ref);

    if (err == 0)
        err = ukiyo__compose_recreate(prog, o, ukiyo_docker_host(d), timeout_s);
    return err;
}

/*
 * Compose failed (or was stopped) and left the old container as it was:
 * nothing to recreate back. The reference points at the old image again, so
 * that the project stays as compose left it, and the update ends failed:
 * the release was never tried, so it is not rejected.
 */
int ukiyo__compose_failed_untouched(transaction *tx, const char *reason)
{
    if (ukiyo__docker_tag_image(tx->docker, tx->journal.old_image_id, tx->journal.image_ref) < 0)
        log_warning("%s: cannot point %s back at its image: %s", tx->name, tx->journal.image_ref,
                    ukiyo_error_last());
    ukiyo_error_clear();
    tx->result->outcome = UKIYO_OUTCOME_FAILED;
    ukiyo__result_set_reason(tx->result, "%s; the container was left as it was", reason);
    free(tx->result->container_id);
    tx->result->container_id = ukiyo__str_dup(tx->journal.old_container_id);
    return ukiyo__journal_finish(tx->store, tx->journal.id, "failed", tx->result->reason);
}

/*
 * Reconcile an interrupted compose-native transaction that had not passed
 * its gate: whichever container carries the name (or the old one, should
 * compose have stopped between renaming it and creating the new) says
 * where the project's files are.
 */
int ukiyo__compose_reconcile(ukiyo_docker *d, const journal_entry *j)
{
    const char *candidates[] = {j->container, j->new_container_id, j->old_container_id};
    compose_program prog;
    compose_origin o;
    json_t *doc = NULL;
    int err = UKIYO_ENOTFOUND;

    for (size_t i = 0; err < 0 && i < ARRAY_SIZE(candidates); i++) {
        if (candidates[i])
            err = ukiyo__docker_inspect_container_json(d, candidates[i], &doc);
    }
    if (err < 0)
        return ukiyo__error_set(UKIYO_ENOTFOUND,
                                "%s: no container left to read its compose project from; run "
                                "compose up in its project directory",
                                j->container);
    err = ukiyo__compose_origin_read(&o, json_object_get(json_object_get(doc, "Config"), "Labels"));
    json_decref(doc);
    if (err < 0)
        return ukiyo__error_set(UKIYO_ENOTFOUND, "%s: its container has no compose labels",
                                j->container);
    err = ukiyo__compose_program_find(&prog);
    if (err == 0)
        err = ukiyo__compose_files_readable(&o);
    if (err == 0)
        err = ukiyo__compose_undo(d, &prog, &o, j, 0);
    ukiyo__compose_origin_clear(&o);
    return err;
}
