/*
 * manager_steps.c - what both ways of recreating (manager_transaction.c
 * through the engine, manager_compose.c through compose) do alike: journal
 * each step before it is taken, pin a reference to the image a container
 * must be created on, and keep the old container's last logs.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "manager_private.h"

int ukiyo__transaction_step(transaction *tx, const char *name)
{
    static const struct {
        const char *step;
        ukiyo_update_phase phase;
    } phases[] = {{STEP_CREATE, UKIYO_PHASE_CREATING},
                  {STEP_STOP_OLD, UKIYO_PHASE_STOPPING},
                  {STEP_RENAME_OLD, UKIYO_PHASE_SWITCHING},
                  {STEP_START_NEW, UKIYO_PHASE_STARTING},
                  {STEP_ADVERTISE, UKIYO_PHASE_SWITCHING},
                  {STEP_ROLLBACK, UKIYO_PHASE_ROLLING_BACK}};
    int err = ukiyo__journal_step(tx->store, tx->journal.id, name);

    for (size_t i = 0; err == 0 && i < ARRAY_SIZE(phases); i++)
        if (strcmp(phases[i].step, name) == 0)
            ukiyo__report_phase(tx, phases[i].phase, 0, 0);
    return err;
}

pinned_reference ukiyo__pin_reference(transaction *tx, const char *image_id)
{
    pinned_reference pin = {0};
    json_t *image = NULL;

    if (!image_id || !tx->ref || ukiyo__str_has_prefix(tx->ref, "sha256:") || strchr(tx->ref, '@'))
        return pin;
    if (ukiyo__docker_inspect_image_json(tx->docker, tx->ref, &image) == 0)
        pin.previous = ukiyo__str_dup(json_string_value(json_object_get(image, "Id")));
    ukiyo_error_clear();
    json_decref(image);
    if (pin.previous && strcmp(pin.previous, image_id) == 0) {
        free(pin.previous);
        pin.previous = NULL;
        return pin;
    }
    pin.moved = ukiyo__docker_tag_image(tx->docker, image_id, tx->ref) == 0;
    if (!pin.moved)
        log_warning("%s: cannot keep its image %s under %s: %s", tx->name, image_id, tx->ref,
                    ukiyo_error_last());
    ukiyo_error_clear();
    return pin;
}

void ukiyo__unpin_reference(transaction *tx, pinned_reference *pin)
{
    if (pin->moved && pin->previous &&
        ukiyo__docker_tag_image(tx->docker, pin->previous, tx->ref) < 0) {
        log_warning("%s: cannot point %s back at %s: %s", tx->name, tx->ref, pin->previous,
                    ukiyo_error_last());
    }
    free(pin->previous);
}

int ukiyo__gate_new_container(transaction *tx)
{
    int err = ukiyo__transaction_step(tx, STEP_HEALTH);

    return err < 0 ? err
                   : ukiyo__health_gate(tx->docker, tx->journal.new_container_id,
                                        tx->health_timeout_s, tx->min_uptime_s, tx);
}

/* What is kept of the old container's logs: the newest lines, at most so many bytes. */
#define KEPT_LOG_LINES 1000
#define KEPT_LOG_BYTES (1 << 20)

void ukiyo__keep_old_logs(transaction *tx)
{
    bool tty = json_is_true(json_object_get(json_object_get(tx->old, "Config"), "Tty"));
    int lines = tx->opts.kept_log_lines ? tx->opts.kept_log_lines : KEPT_LOG_LINES;
    char *text = NULL;

    if (lines < 0)
        return;
    int err = ukiyo__docker_container_logs(tx->docker, tx->journal.old_container_id, tty, lines,
                                           KEPT_LOG_BYTES, &text);

    if (err == 0)
        err = ukiyo__journal_set_logs(tx->store, tx->journal.id, text);
    if (err < 0)
        log_warning("%s: the old container's logs were not kept: %s", tx->name, ukiyo_error_last());
    ukiyo_error_clear();
    free(text);
}
