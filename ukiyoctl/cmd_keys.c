/*
 * cmd_keys.c - ukiyoctl keys: the registry credentials in the store, the
 * same records ukiyod's access-key routes keep (list, save, edit, delete).
 * A secret is read from standard input, never from the command line (where
 * ps and the shell's history would show it), and never printed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "ukiyoctl.h"

typedef struct {
    const char *user, *email, *desc, *server;
    bool secret, no_check;
} keys_args;

/* One line of standard input, without its end (new string), or NULL. No echo on a terminal. */
static char *read_secret(const char *prompt)
{
    struct termios saved, quiet;
    bool terminal = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    char *line = NULL;
    size_t cap = 0;

    if (terminal) {
        fprintf(stderr, "%s", prompt);
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    ssize_t n = getline(&line, &cap, stdin);
    if (terminal) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        fprintf(stderr, "\n");
    }
    if (n <= 0) {
        free(line);
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return line;
}

static int list_keys(const ctl_options *opts, ukiyo_store *store)
{
    static const char *const headings[] = {"SERVER", "USER", "EMAIL", "DESCRIPTION", "UPDATED"};
    ukiyo_saved_credential_list *list = NULL;
    int err = ukiyo_store_credentials(&list, store);

    if (err < 0)
        return ctl_fail("keys", err);
    json_t *rows = json_array();
    ctl_table *table = ctl_table_new(5, headings);
    for (size_t i = 0; i < ukiyo_saved_credential_list_count(list); i++) {
        const ukiyo_saved_credential *c = ukiyo_saved_credential_list_get(list, i);
        char *text = NULL, when[32];
        if (ukiyo_saved_credential_json(&text, c) == 0)
            json_array_append_new(rows, json_loads(text, 0, NULL));
        ukiyo_string_free(text);
        ctl_format_time(ukiyo_saved_credential_updated_ms(c), when, sizeof(when));
        const char *email = ukiyo_saved_credential_email(c);
        const char *desc = ukiyo_saved_credential_description(c);
        const char *cells[] = {ukiyo_saved_credential_server(c), ukiyo_saved_credential_username(c),
                               email ? email : "", desc ? desc : "", when};
        ctl_table_add(table, cells);
    }
    ctl_print_listing(opts, rows, table);
    ukiyo_saved_credential_list_free(list);
    return EXIT_OK;
}

/* save SERVER USER, or edit SERVER: the secret from standard input (for edit, with --secret). */
static int save_key(ukiyo *u, const char *server, const keys_args *a, bool edit)
{
    char *secret = NULL, *name = NULL, prompt[300];
    int err = ukiyo_store_credential_server_name(&name, server);

    if (err < 0)
        return ctl_fail("keys", err);
    if (!edit || a->secret) {
        snprintf(prompt, sizeof(prompt), "Secret for %s on %s: ", a->user ? a->user : "the user",
                 name);
        secret = read_secret(prompt);
        if (!secret || !secret[0]) {
            fprintf(stderr, "ukiyoctl: keys: no secret on standard input\n");
            free(secret);
            ukiyo_string_free(name);
            return EXIT_USAGE;
        }
    }
    /* Tried at the registry first, as docker login does (unless --no-check). */
    if (secret && !a->no_check && (err = ukiyo_credential_check(u, name, a->user, secret)) < 0)
        fprintf(stderr, "ukiyoctl: keys: %s: %s\n",
                err == UKIYO_EAUTH ? "the registry refused the credentials"
                                   : "cannot check the credentials",
                ukiyo_error_last());
    if (err == 0)
        err = ukiyo_store_credential_save(ukiyo_get_store(u), name, a->user, secret, a->email,
                                          a->desc, edit);
    else
        fprintf(stderr, "ukiyoctl: keys: not saved (--no-check keeps them unchecked)\n");
    if (secret) {
        memset(secret, 0, strlen(secret));
        free(secret);
    }
    if (err == 0)
        printf("%s: %s\n", name, edit ? "access key updated" : "access key saved");
    ukiyo_string_free(name);
    if (err == UKIYO_EAUTH || err == UKIYO_ECONNECT || err == UKIYO_ETIMEOUT)
        return EXIT_FAILED; /* explained above */
    return err < 0 ? ctl_fail("keys", err) : EXIT_OK;
}

static int delete_key(ukiyo_store *store, const char *name, const keys_args *a)
{
    int err = a->server ? ukiyo_store_credential_remove(store, a->server, name)
                        : ukiyo_store_credential_delete(store, name);

    if (err == 0)
        printf("%s: access key deleted\n", name);
    return err < 0 ? ctl_fail("keys", err) : EXIT_OK;
}

static int run_keys(const ctl_options *opts, int argc, char **argv)
{
    static const struct option longopts[] = {{"user", required_argument, NULL, 'u'},
                                             {"email", required_argument, NULL, 'e'},
                                             {"desc", required_argument, NULL, 'D'},
                                             {"server", required_argument, NULL, 's'},
                                             {"secret", no_argument, NULL, 'S'},
                                             {"no-check", no_argument, NULL, 'n'},
                                             {NULL, 0, NULL, 0}};
    keys_args a = {0};
    int c;

    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'u': a.user = optarg; break;
        case 'e': a.email = optarg; break;
        case 'D': a.desc = optarg; break;
        case 's': a.server = optarg; break;
        case 'S': a.secret = true; break;
        case 'n': a.no_check = true; break;
        default: ctl_usage(&cmd_keys, stderr); return EXIT_USAGE;
        }
    }
    ctl_verb v = ctl_verb_of(argc, argv, optind);
    const char *verb = v.verb;
    int left = v.count;
    char **args = v.args;
    bool ok = (strcmp(verb, "list") == 0 && left == 0) ||
              (strcmp(verb, "save") == 0 && left == 2 && !a.user) ||
              (strcmp(verb, "edit") == 0 && left == 1) ||
              (strcmp(verb, "delete") == 0 && left == 1);
    if (!ok) {
        ctl_usage(&cmd_keys, stderr);
        return EXIT_USAGE;
    }
    ukiyo *u = ctl_open_with_store(opts);
    if (!u)
        return EXIT_FAILED;
    ukiyo_store *store = ukiyo_get_store(u);
    int rc;
    if (strcmp(verb, "list") == 0) {
        rc = list_keys(opts, store);
    } else if (strcmp(verb, "save") == 0) {
        a.user = args[1];
        rc = save_key(u, args[0], &a, false);
    } else if (strcmp(verb, "edit") == 0) {
        rc = save_key(u, args[0], &a, true);
    } else {
        rc = delete_key(store, args[0], &a);
    }
    ukiyo_close(u);
    return rc;
}

const ctl_command cmd_keys = {
    .name = "keys",
    .summary = "List, save, edit and delete the registry credentials pulls use",
    .usage = "Usage: ukiyoctl keys [list] [--json]\n"
             "       ukiyoctl keys save SERVER USER [--email E] [--desc D] [--no-check] < secret\n"
             "       ukiyoctl keys edit SERVER [--user U] [--email E] [--desc D] [--secret]\n"
             "                          [--no-check]\n"
             "       ukiyoctl keys delete NAME [--server SERVER]\n\n"
             "The records ukiyod's /save-container-access-keys routes keep, in the same\n"
             "store (--db). SERVER is written as you like (https://index.docker.io/v1/,\n"
             "reg.example:5000) and kept as the registry host. The secret (a password or\n"
             "an access token) is read from standard input, without echo on a terminal,\n"
             "and never printed. A new secret is tried at the registry first, as docker\n"
             "login does; --no-check keeps it unchecked (a registry not reachable yet).\n\n"
             "  edit        changes only what it is given; --secret reads a new secret,\n"
             "              an empty --email or --desc clears it\n"
             "  delete NAME a user name, else a server; a user with keys on several\n"
             "              servers needs --server\n"
             "  --json      list: objects with server, username, email, description,\n"
             "              updated_ms\n",
    .run = run_keys,
};
