/*
 * context.c - the top handle and the library's version.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inventory_private.h"
#include "scheduler_state.h"
#include "store_internal.h"

struct ukiyo {
    ukiyo_auth *auth;
    ukiyo_docker *docker;
    ukiyo_registry *registry;
    ukiyo_store *store;
    bool label_enable;
    char *scope;               /* ukiyo_options.scope; NULL: none */
    ukiyo_string_list aliases; /* "a=b" pairs */
    scheduler *scheduler;
    int64_t (*clock)(void *payload); /* NULL: the real clock */
    void *clock_payload;
    ukiyo_update_hook_fn update_hook;
    void *update_hook_payload;
    ukiyo_job_hook_fn job_hook; /* jobs.c sets and calls it */
    void *job_hook_payload;
    ukiyo_inventory *inventory; /* borrowed, or NULL */
    atomic_bool interrupted;    /* ukiyo_interrupt(): any thread, or a signal handler */
};

UKIYO_EXTERN void ukiyo_interrupt(ukiyo *u)
{
    if (u)
        atomic_store(&u->interrupted, true);
}

bool ukiyo__context_interrupted(ukiyo *u)
{
    return u && atomic_load(&u->interrupted);
}

UKIYO_EXTERN void ukiyo_set_inventory(ukiyo *u, ukiyo_inventory *inventory)
{
    if (u)
        u->inventory = inventory;
}

ukiyo_inventory *ukiyo__context_inventory(ukiyo *u)
{
    return u->inventory;
}

UKIYO_EXTERN int ukiyo_inventory_inspect(ukiyo_container **out, ukiyo *u, const char *id)
{
    if (!out || !u || !id)
        return ukiyo__error_set(UKIYO_EINVAL, "ukiyo_inventory_inspect: NULL argument");
    return ukiyo__inventory_inspect(ukiyo__context_inventory(u), ukiyo_get_docker(u), id, out);
}

void ukiyo__context_set_job_hook(ukiyo *u, ukiyo_job_hook_fn fn, void *payload)
{
    u->job_hook = fn;
    u->job_hook_payload = payload;
}

ukiyo_job_hook_fn ukiyo__context_job_hook(ukiyo *u, void **payload_out)
{
    *payload_out = u->job_hook_payload;
    return u->job_hook;
}

UKIYO_EXTERN void ukiyo_set_update_hook(ukiyo *u, ukiyo_update_hook_fn fn, void *payload)
{
    if (!u)
        return;
    u->update_hook = fn;
    u->update_hook_payload = payload;
}

void ukiyo__context_call_update_hook(ukiyo *u, const ukiyo_update_result *r)
{
    if (u->update_hook)
        u->update_hook(r, u->update_hook_payload);
}

scheduler *ukiyo__context_scheduler(ukiyo *u)
{
    return u->scheduler;
}

UKIYO_EXTERN int64_t ukiyo_now_ms(ukiyo *u)
{
    struct timespec ts;

    if (u && u->clock)
        return u->clock(u->clock_payload);
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

UKIYO_EXTERN const char *ukiyo_version(void)
{
    return UKIYO_VERSION_STRING;
}

UKIYO_EXTERN int ukiyo_open(ukiyo **out, const ukiyo_options *opts)
{
    ukiyo_auth_options auth_opts = UKIYO_AUTH_OPTIONS_INIT;
    ukiyo_docker_options docker_opts = UKIYO_DOCKER_OPTIONS_INIT;
    ukiyo_registry_options registry_opts = UKIYO_REGISTRY_OPTIONS_INIT;
    ukiyo *u;
    int err;

    UKIYO__CHECK_VERSION(opts, UKIYO_OPTIONS_VERSION, "ukiyo_options");
    if (!out)
        return ukiyo__error_set(UKIYO_EINVAL, "ukiyo_open: out is NULL");
    u = calloc(1, sizeof(*u));
    if (!u)
        return UKIYO_ENOMEM;
    if (opts) {
        u->label_enable = opts->label_enable != 0;
        for (const char *const *a = opts->registry_aliases; a && *a; a++) {
            if (!strchr(*a, '=') || ukiyo__string_list_append(&u->aliases, *a) < 0) {
                ukiyo_close(u);
                return ukiyo__error_set(UKIYO_EINVAL, "registry alias \"%s\" is not name=other",
                                        *a);
            }
        }
        auth_opts.docker_config_dir = opts->docker_config_dir;
        docker_opts.host = opts->docker_host;
        docker_opts.timeout_ms = opts->timeout_ms;
        registry_opts.timeout_ms = opts->timeout_ms;
        registry_opts.insecure_registries = opts->insecure_registries;
    }
    err = ukiyo_auth_new(&u->auth, &auth_opts);
    if (err == 0)
        err = ukiyo_docker_new(&u->docker, &docker_opts);
    registry_opts.auth = u->auth;
    if (err == 0)
        err = ukiyo_registry_new(&u->registry, &registry_opts);
    if (err == 0)
        err = ukiyo__scheduler_new(&u->scheduler, opts);
    if (err == 0 && opts && opts->db_path)
        err = ukiyo_store_open(&u->store, opts->db_path);
    if (err == 0 && opts && opts->version >= 5 && opts->scope && opts->scope[0]) {
        u->scope = ukiyo__str_dup(opts->scope);
        if (!u->scope)
            err = UKIYO_ENOMEM;
    }
    if (err == 0 && opts && opts->version >= 2) {
        u->clock = opts->clock_ms;
        u->clock_payload = opts->clock_payload;
    }
    if (err == 0 && u->store && opts->version >= 2)
        ukiyo__store_set_clock(u->store, opts->clock_ms, opts->clock_payload);
    /* Credentials saved in the store come before Docker's config.json. */
    if (err == 0 && u->store)
        err = ukiyo_auth_add_source(u->auth, ukiyo__store_credential_source, u->store);
    if (err < 0) {
        ukiyo_close(u);
        return err;
    }
    *out = u;
    return 0;
}

UKIYO_EXTERN void ukiyo_close(ukiyo *u)
{
    if (!u)
        return;
    for (size_t i = 0; i < u->aliases.count; i++)
        free(u->aliases.items[i]);
    free(u->aliases.items);
    free(u->scope);
    ukiyo_store_close(u->store);
    ukiyo__scheduler_free(u->scheduler);
    ukiyo_registry_free(u->registry);
    ukiyo_docker_free(u->docker);
    ukiyo_auth_free(u->auth);
    free(u);
}

UKIYO_EXTERN ukiyo_docker *ukiyo_get_docker(ukiyo *u)
{
    return u->docker;
}

UKIYO_EXTERN ukiyo_registry *ukiyo_get_registry(ukiyo *u)
{
    return u->registry;
}

UKIYO_EXTERN ukiyo_auth *ukiyo_get_auth(ukiyo *u)
{
    return u->auth;
}

UKIYO_EXTERN ukiyo_store *ukiyo_get_store(ukiyo *u)
{
    return u->store;
}

UKIYO_EXTERN int ukiyo_label_enable(const ukiyo *u)
{
    return u && u->label_enable;
}

UKIYO_EXTERN int ukiyo_container_enabled_by_label(const ukiyo_container *c)
{
    const char *v = ukiyo_container_label(c, UKIYO_LABEL_ENABLE);

    if (!v)
        v = ukiyo_container_label(c, UKIYO_LABEL_WATCHTOWER_ENABLE);
    return v && strcmp(v, "true") == 0;
}

UKIYO_EXTERN const char *ukiyo_scope(const ukiyo *u)
{
    return u ? u->scope : NULL;
}

/* Why @c is not of @u's scope; NULL: it is. */
static const char *out_of_scope(const ukiyo *u, const ukiyo_container *c)
{
    const char *scope = ukiyo_container_label(c, UKIYO_LABEL_SCOPE);
    const char *mine = u ? u->scope : NULL;

    if (!scope)
        scope = ukiyo_container_label(c, UKIYO_LABEL_WATCHTOWER_SCOPE);
    if (scope && !scope[0])
        scope = NULL; /* an empty label is no scope */
    if (scope && !mine)
        return "of a scope (ukiyo.scope), and this ukiyo has none";
    if (scope && strcmp(scope, mine) != 0)
        return "of another scope (ukiyo.scope)";
    if (!scope && mine)
        return "not of this ukiyo's scope (no ukiyo.scope label)";
    return NULL;
}

bool ukiyo__container_in_scope(const ukiyo *u, const ukiyo_container *c)
{
    return out_of_scope(u, c) == NULL;
}

UKIYO_EXTERN int ukiyo_container_eligible(const ukiyo *u, const ukiyo_container *c,
                                          const char **why)
{
    const char *reason = ukiyo_label_enable(u) && !ukiyo_container_enabled_by_label(c)
                             ? "not labelled ukiyo.enable=true"
                             : out_of_scope(u, c);
    if (why)
        *why = reason;
    return reason == NULL;
}

/* Is "a=b" (or "b=a") the pair @pair? */
static bool alias_pair(const char *pair, const char *a, const char *b)
{
    const char *eq = strchr(pair, '=');
    size_t left = (size_t)(eq - pair);

    return (strlen(a) == left && strncmp(pair, a, left) == 0 && strcmp(eq + 1, b) == 0) ||
           (strlen(b) == left && strncmp(pair, b, left) == 0 && strcmp(eq + 1, a) == 0);
}

UKIYO_EXTERN int ukiyo_registry_same(const ukiyo *u, const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    if (strcmp(a, b) == 0)
        return 1;
    for (size_t i = 0; u && i < u->aliases.count; i++)
        if (alias_pair(u->aliases.items[i], a, b))
            return 1;
    return 0;
}

UKIYO_EXTERN int ukiyo_credential_check(ukiyo *u, const char *server, const char *username,
                                        const char *secret)
{
    char *saved = NULL;
    ukiyo_credential *cred = NULL;

    if (!u || !server || !secret)
        return ukiyo__error_set(UKIYO_EINVAL, "credential check: NULL argument");
    if (!username && u->store && ukiyo__store_credential_username(u->store, server, &saved) < 0)
        ukiyo_error_clear();
    if (!username && !saved)
        return ukiyo__error_set(UKIYO_EINVAL, "no user name for %s to check the secret with",
                                server);
    int err = ukiyo_credential_new(&cred, server, username ? username : saved, secret, NULL);
    if (err == 0)
        err = ukiyo_registry_login(u->registry, server, cred);
    ukiyo_credential_free(cred);
    free(saved);
    return err;
}

UKIYO_EXTERN int ukiyo_options_init(ukiyo_options *opts, unsigned int version)
{
    static const ukiyo_options template = UKIYO_OPTIONS_INIT;

    return ukiyo__options_init(opts, sizeof(*opts), &template, version, UKIYO_OPTIONS_VERSION,
                               "ukiyo_options");
}
