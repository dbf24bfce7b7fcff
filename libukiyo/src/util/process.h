/*
 * process.h - run another program with a deadline: its input given, its
 * output and error output kept (bounded), killed with its children when
 * the deadline passes. Used for Docker's credential helpers and for the
 * compose program.
 */
#ifndef UKIYO_PROCESS_H
#define UKIYO_PROCESS_H

#include "util.h"

typedef struct {
    const char *const *argv; /* NULL-terminated; argv[0] is looked up in PATH */
    const char *cwd;         /* where it runs, or NULL for ours */
    const char *const *env;  /* "NAME=value" entries added to our environment, or NULL */
    const char *input;       /* written to its stdin, or NULL for nothing */
    int timeout_ms;
    size_t output_max; /* bytes of stdout, and of stderr, kept (the rest is read and dropped) */
} process_spec;

typedef struct {
    strbuf out;
    strbuf err;
    int exit_status; /* its exit status; -1 when a signal ended it */
    bool timed_out;  /* killed at the deadline */
    bool not_found;  /* it could not be started (exit status 127 from exec) */
} process_result;

/*
 * Run @spec to its end or its deadline. 0 once it ran (whatever its exit
 * status: see @result), UKIYO_EIO when it could not be started at all.
 * Free @result's buffers with ukiyo__process_result_clear().
 */
int ukiyo__process_run(const process_spec *spec, process_result *result);
void ukiyo__process_result_clear(process_result *result);

#endif
