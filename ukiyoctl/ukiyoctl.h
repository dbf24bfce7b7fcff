/*
 * ukiyoctl.h - what the command files share: global options, output
 * helpers and exit codes. Commands use only the public <ukiyo.h>.
 */
#ifndef UKIYOCTL_H
#define UKIYOCTL_H

#include <jansson.h>
#include <stdbool.h>
#include <ukiyo.h>

/* Exit codes, documented in ukiyoctl(1) and --help. */
enum {
    EXIT_OK = 0,
    EXIT_FAILED = 1,       /* the command failed; the message says why */
    EXIT_USAGE = 2,        /* bad command line */
    EXIT_PARTIAL = 3,      /* some containers could not be checked or handled */
    EXIT_INTERRUPTED = 130 /* SIGINT or SIGTERM stopped an update; what it began was undone */
};

typedef struct {
    const char *host;
    const char *config_dir;
    const char *db_path;
    long timeout_ms;
    const char *scope; /* --scope or $UKIYO_SCOPE: ukiyo_options.scope */
    bool json;
} ctl_options;

typedef struct {
    const char *name;
    const char *summary;
    const char *usage; /* full --help text after the summary */
    int (*run)(const ctl_options *opts, int argc, char **argv);
} ctl_command;

extern const ctl_command cmd_version;
extern const ctl_command cmd_ps;
extern const ctl_command cmd_pull;
extern const ctl_command cmd_check;
extern const ctl_command cmd_update;
extern const ctl_command cmd_redeploy;
extern const ctl_command cmd_rollback;
extern const ctl_command cmd_reconcile;
extern const ctl_command cmd_history;
extern const ctl_command cmd_keys;
extern const ctl_command cmd_deploy;
extern const ctl_command cmd_jobs;
extern const ctl_command cmd_approve;
extern const ctl_command cmd_reject;

/* Open the library's top handle from the global options; prints and returns NULL on failure. */
ukiyo *ctl_open(const ctl_options *opts);
/* The same with the store (journal, history) opened too. */
ukiyo *ctl_open_with_store(const ctl_options *opts);
/* With the store when there is one (--db, $UKIYO_DB, or the default file exists), else without. */
ukiyo *ctl_open_with_store_if_any(const ctl_options *opts);
/* Parse a positive number of seconds for option @name; -1 (after a message) when invalid. */
int ctl_seconds(const char *name, const char *value);
/* --keep-logs N as ukiyo_update_options.kept_log_lines (0 lines: -1, none); 0 and a message when
 * bad. */
int ctl_log_lines(const char *name, const char *value);
/* Print "ukiyoctl: <what>: <strerror>: <last error>" to stderr; returns EXIT_FAILED. */
int ctl_fail(const char *what, int code);

/*
 * The swarm's services as "service/NAME" (@label_enable: only those
 * labelled ukiyo.enable=true), when the engine is a manager; an empty list
 * elsewhere (an engine in no swarm has none). New list.
 */
int ctl_service_names(ukiyo *u, bool label_enable, ukiyo_string_list **out);
/* Is @name a container or a "service/NAME" the engine knows? UKIYO_ENOTFOUND if not. */
int ctl_name_known(ukiyo *u, const char *name);
/* Print a JSON document on stdout and release it. */
void ctl_print_json(json_t *doc);
/* Whether argv[i] asks for help. */
bool ctl_is_help(const char *arg);
/* Milliseconds since the epoch as "2026-12-02T10:46:20Z" (UTC); 0 or less: "-". */
void ctl_format_time(int64_t ms, char *buf, size_t len);
/* "sha256:0123456789ab" -> "0123456789ab"; NULL -> "-". Borrowed from @id. */
const char *ctl_short_id(const char *id, char buf[13]);
/* Print the command's usage to @to. */
void ctl_usage(const ctl_command *cmd, FILE *to);

/* A text table: add rows of @columns cells, then print with aligned columns. */
typedef struct ctl_table ctl_table;
ctl_table *ctl_table_new(size_t columns, const char *const *headings);
void ctl_table_add(ctl_table *t, const char *const *cells);
void ctl_table_print(ctl_table *t, FILE *to);
/* How a cell too wide is cut: keep its right end (an image's tag), or both ends (a name). */
typedef enum { CTL_CUT_KEEP_END, CTL_CUT_KEEP_ENDS } ctl_cut;
/* A column that gives way, to no fewer than @min characters (nor its heading's). */
typedef struct {
    size_t column;
    size_t min;
    ctl_cut how;
} ctl_give_way;
/*
 * Cut cells so the table fits @total columns: the columns of @give in
 * order, each only as far as the table is still too wide.
 */
void ctl_table_fit(ctl_table *t, size_t total, const ctl_give_way *give, size_t n);
void ctl_table_free(ctl_table *t);
/*
 * A listing: @rows (JSON, taken) with --json, else @table (freed either
 * way), printed on stdout.
 */
void ctl_print_listing(const ctl_options *opts, json_t *rows, ctl_table *table);
/* After getopt: the verb (default "list"), how many arguments follow it, and them. */
typedef struct {
    const char *verb;
    int count;
    char **args;
} ctl_verb;
ctl_verb ctl_verb_of(int argc, char **argv, int optind_now);

#endif
