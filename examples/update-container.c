/*
 * update-container.c - update one container to the newest image of its tag,
 * the way ukiyo does: pull, recreate with every setting kept, wait until it
 * is healthy, roll back when it is not.
 *
 *   update-container NAME [DB]
 *
 * DB is the sqlite file for the update journal (default ./ukiyo.db): the
 * journal is what lets ukiyo_reconcile() finish or undo an update that a
 * crash cut short.
 *
 * Build against an installed libukiyo:
 *   cc update-container.c $(pkg-config --cflags --libs libukiyo) -o update-container
 */
#include <stdio.h>
#include <ukiyo.h>

/* Pull progress: return non-zero to cancel the pull (and with it the update). */
static int show_progress(const ukiyo_pull_progress *p, void *payload)
{
    (void)payload;
    if (p->bytes_total > 0)
        fprintf(stderr, "\rpulling: %u/%u layers, %3d%%", p->layers_done, p->layers_total,
                (int)(p->bytes_done * 100 / p->bytes_total));
    return 0;
}

int main(int argc, char **argv)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    ukiyo_update_options update = UKIYO_UPDATE_OPTIONS_INIT;
    ukiyo_update_result *result = NULL;
    ukiyo *u = NULL;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s NAME [DB]\n", argv[0]);
        return 2;
    }
    opts.db_path = argc == 3 ? argv[2] : "ukiyo.db";
    update.progress = show_progress;
    int err = ukiyo_open(&u, &opts);
    if (err == 0)
        err = ukiyo_update(&result, u, argv[1], &update);
    fprintf(stderr, "\n");
    if (err < 0) {
        fprintf(stderr, "update-container: %s: %s\n", ukiyo_strerror(err), ukiyo_error_last());
        ukiyo_close(u);
        return 1;
    }
    /* fresh, updated, rolled-back, failed, skipped */
    ukiyo_update_outcome outcome = ukiyo_update_result_outcome(result);
    printf("%s: %s%s%s\n", ukiyo_update_result_container(result),
           ukiyo_update_outcome_name(outcome), ukiyo_update_result_reason(result) ? ": " : "",
           ukiyo_update_result_reason(result) ? ukiyo_update_result_reason(result) : "");
    ukiyo_update_result_free(result);
    ukiyo_close(u);
    return outcome == UKIYO_OUTCOME_ROLLED_BACK || outcome == UKIYO_OUTCOME_FAILED ? 1 : 0;
}
