/*
 * compose.c - see compose.h. The labels are the ones compose 1.x and 2.x
 * both write (ukiyo/labels.h); the command line is the one both take.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compose.h"
#include "process.h"

#define COMPOSE_OUTPUT_MAX (64 * 1024)

static const char *label(json_t *labels, const char *key)
{
    return json_string_value(json_object_get(labels, key));
}

/* @path made absolute against @dir (a copy either way); NULL when out of memory. */
static char *absolute(const char *dir, const char *path, size_t len)
{
    if (path[0] == '/' || !dir)
        return strndup(path, len);
    return ukiyo__str_printf("%s/%.*s", dir, (int)len, path);
}

/* Split compose's comma-separated list of paths into absolute ones. */
static int read_paths(char ***out, size_t *count, const char *list, const char *dir)
{
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len > 0) {
            char **grown = realloc(*out, (*count + 1) * sizeof(**out));
            if (!grown)
                return UKIYO_ENOMEM;
            *out = grown;
            if (!(grown[*count] = absolute(dir, p, len)))
                return UKIYO_ENOMEM;
            (*count)++;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

int ukiyo__compose_origin_read(compose_origin *out, json_t *labels)
{
    const char *project = label(labels, UKIYO_LABEL_COMPOSE_PROJECT);
    const char *service = label(labels, UKIYO_LABEL_COMPOSE_SERVICE);
    const char *oneoff = label(labels, UKIYO_LABEL_COMPOSE_ONEOFF);
    const char *number = label(labels, UKIYO_LABEL_COMPOSE_CONTAINER_NUMBER);
    int err;

    memset(out, 0, sizeof(*out));
    if (!project || !project[0] || !service || !service[0] ||
        (oneoff && strcasecmp(oneoff, "true") == 0))
        return UKIYO_ENOTFOUND;
    out->project = strdup(project);
    out->service = strdup(service);
    out->working_dir = ukiyo__str_dup(label(labels, UKIYO_LABEL_COMPOSE_WORKING_DIR));
    out->number = number ? atoi(number) : 0;
    err = out->project && out->service ? 0 : UKIYO_ENOMEM;
    if (err == 0)
        err = read_paths(&out->config_files, &out->config_files_count,
                         label(labels, UKIYO_LABEL_COMPOSE_CONFIG_FILES), out->working_dir);
    if (err == 0)
        err = read_paths(&out->env_files, &out->env_files_count,
                         label(labels, UKIYO_LABEL_COMPOSE_ENV_FILE), out->working_dir);
    if (err < 0)
        ukiyo__compose_origin_clear(out);
    return err;
}

static void free_paths(char **paths, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(paths[i]);
    free(paths);
}

void ukiyo__compose_origin_clear(compose_origin *o)
{
    free(o->project);
    free(o->service);
    free(o->working_dir);
    free_paths(o->config_files, o->config_files_count);
    free_paths(o->env_files, o->env_files_count);
    memset(o, 0, sizeof(*o));
}

/* Where the docker CLI looks for its plugins, system-wide and for root. */
static const char *const plugin_dirs[] = {"/usr/local/lib/docker/cli-plugins",
                                          "/usr/local/libexec/docker/cli-plugins",
                                          "/usr/lib/docker/cli-plugins",
                                          "/usr/libexec/docker/cli-plugins"};

static bool executable(const char *path)
{
    return access(path, X_OK) == 0;
}

static bool find_in_path(char *out, size_t size, const char *program)
{
    const char *path = getenv("PATH");

    for (const char *p = path; p && *p;) {
        size_t len = strcspn(p, ":");
        if (len > 0 && (size_t)snprintf(out, size, "%.*s/%s", (int)len, p, program) < size &&
            executable(out))
            return true;
        p += len;
        if (*p == ':')
            p++;
    }
    return false;
}

int ukiyo__compose_program_find(compose_program *out)
{
    const char *home = getenv("HOME");

    memset(out, 0, sizeof(*out));
    out->plugin = true;
    out->name = "docker compose";
    if (home &&
        (size_t)snprintf(out->path, sizeof(out->path), "%s/.docker/cli-plugins/%s", home,
                         "docker-compose") < sizeof(out->path) &&
        executable(out->path))
        return 0;
    for (size_t i = 0; i < ARRAY_SIZE(plugin_dirs); i++) {
        snprintf(out->path, sizeof(out->path), "%s/docker-compose", plugin_dirs[i]);
        if (executable(out->path))
            return 0;
    }
    out->plugin = false;
    out->name = "docker-compose";
    if (find_in_path(out->path, sizeof(out->path), "docker-compose"))
        return 0;
    out->path[0] = '\0';
    return ukiyo__error_set(UKIYO_ENOTFOUND,
                            "no compose program: neither the docker compose plugin nor "
                            "docker-compose on PATH");
}

int ukiyo__compose_files_readable(const compose_origin *o)
{
    if (!o->working_dir)
        return ukiyo__error_set(UKIYO_ENOTFOUND, "project %s names no working directory",
                                o->project);
    if (access(o->working_dir, R_OK | X_OK) < 0)
        return ukiyo__error_set(UKIYO_ENOTFOUND, "project %s: its directory %s is not here",
                                o->project, o->working_dir);
    if (o->config_files_count == 0)
        return ukiyo__error_set(UKIYO_ENOTFOUND, "project %s names no compose file", o->project);
    for (size_t i = 0; i < o->config_files_count; i++)
        if (access(o->config_files[i], R_OK) < 0)
            return ukiyo__error_set(UKIYO_ENOTFOUND, "project %s: cannot read its file %s",
                                    o->project, o->config_files[i]);
    for (size_t i = 0; i < o->env_files_count; i++)
        if (access(o->env_files[i], R_OK) < 0)
            return ukiyo__error_set(UKIYO_ENOTFOUND, "project %s: cannot read its env file %s",
                                    o->project, o->env_files[i]);
    return 0;
}

/* The last non-empty line of @text, at most @max bytes of it, into @buf. */
static const char *last_words(const char *text, char *buf, size_t max)
{
    size_t end = text ? strlen(text) : 0;

    while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == ' '))
        end--;
    size_t start = end;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    size_t len = end - start < max - 1 ? end - start : max - 1;
    memcpy(buf, text ? text + start : "", len);
    buf[len] = '\0';
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' '; /* a terminal's colours and the like: not for a log line */
    return buf[0] ? buf : "(no message)";
}

/* argv for `up`: at most 2 + 2 + 2 + 2 * files + 2 * env files + 6 + 1 entries. */
static const char **up_argv(const compose_program *prog, const compose_origin *o)
{
    size_t n = 0, max = 16 + 2 * (o->config_files_count + o->env_files_count);
    const char **argv = calloc(max, sizeof(*argv));

    if (!argv)
        return NULL;
    argv[n++] = prog->path;
    if (prog->plugin)
        argv[n++] = "compose";
    argv[n++] = "--project-name";
    argv[n++] = o->project;
    argv[n++] = "--project-directory";
    argv[n++] = o->working_dir;
    for (size_t i = 0; i < o->config_files_count; i++) {
        argv[n++] = "--file";
        argv[n++] = o->config_files[i];
    }
    for (size_t i = 0; i < o->env_files_count; i++) {
        argv[n++] = "--env-file";
        argv[n++] = o->env_files[i];
    }
    argv[n++] = "up";
    argv[n++] = "--detach";
    argv[n++] = "--no-deps";
    argv[n++] = "--no-build";
    argv[n++] = "--force-recreate";
    argv[n++] = o->service;
    return argv;
}

int ukiyo__compose_recreate(const compose_program *prog, const compose_origin *o,
                            const char *docker_host, int timeout_s)
{
    if (timeout_s <= 0)
        timeout_s = UKIYO__COMPOSE_TIMEOUT_S;
    char *host_env = docker_host ? ukiyo__str_printf("DOCKER_HOST=%s", docker_host) : NULL;
    const char *env[] = {host_env, "COMPOSE_INTERACTIVE_NO_CLI=1", NULL};
    const char **argv = up_argv(prog, o);
    process_spec spec = {.argv = argv,
                         .cwd = o->working_dir,
                         .env = host_env ? env : env + 1,
                         .timeout_ms = timeout_s * 1000,
                         .output_max = COMPOSE_OUTPUT_MAX};
    process_result run;
    char words[400];
    int err = argv && (host_env || !docker_host) ? ukiyo__process_run(&spec, &run) : UKIYO_ENOMEM;

    free(argv);
    free(host_env);
    if (err < 0)
        return err;
    if (run.timed_out)
        err = ukiyo__error_set(UKIYO_ETIMEOUT,
                               "%s up %s (project %s) took longer than %d s and was stopped",
                               prog->name, o->service, o->project, timeout_s);
    else if (run.not_found)
        err = ukiyo__error_set(UKIYO_EIO, "cannot run %s (%s)", prog->name, prog->path);
    else if (run.exit_status != 0)
        err = ukiyo__error_set(UKIYO_EIO, "%s up %s (project %s) failed with status %d: %s",
                               prog->name, o->service, o->project, run.exit_status,
                               last_words(run.err.data, words, sizeof(words)));
    else
        log_debug("%s up %s (project %s): %s", prog->name, o->service, o->project,
                  last_words(run.err.data, words, sizeof(words)));
    ukiyo__process_result_clear(&run);
    return err;
}

/* How many containers (running or not) compose made for @o's service. */
static size_t service_containers(ukiyo_docker *d, const compose_origin *o)
{
    ukiyo_container_list *list = NULL;
    json_t *filters = json_pack("{s:[s+++, s+++]}", "label", UKIYO_LABEL_COMPOSE_PROJECT, "=",
                                o->project, "", UKIYO_LABEL_COMPOSE_SERVICE, "=", o->service, "");
    char *text = filters ? json_dumps(filters, JSON_COMPACT) : NULL;
    size_t count = 1;

    if (text && ukiyo_docker_container_list(&list, d, 1, text) == 0)
        count = ukiyo_container_list_count(list);
    ukiyo_error_clear();
    ukiyo_container_list_free(list);
    free(text);
    json_decref(filters);
    return count;
}

/* Why compose cannot recreate @o's container from here, or NULL when it can (@prog found). */
static char *native_impossible(ukiyo_docker *d, const compose_origin *o, compose_program *prog,
                               const char *moves_to)
{
    size_t scale;

    if (moves_to)
        return ukiyo__str_printf("its tag policy moves it to %s, which its compose file does "
                                 "not name",
                                 moves_to);
    if (ukiyo__compose_program_find(prog) < 0 || ukiyo__compose_files_readable(o) < 0) {
        char *why = ukiyo__str_dup(ukiyo_error_last());
        ukiyo_error_clear();
        return why;
    }
    if ((scale = service_containers(d, o)) > 1)
        return ukiyo__str_printf("service %s has %zu containers, each gated on its own", o->service,
                                 scale);
    return NULL;
}

int ukiyo__compose_choose(compose_choice *out, ukiyo_docker *d, const compose_origin *o,
                          ukiyo_compose_mode mode, bool mode_asked, const char *moves_to)
{
    memset(out, 0, sizeof(*out));
    if (mode == UKIYO_COMPOSE_API) {
        out->why =
            ukiyo__str_dup(mode_asked ? "recreated through the engine, as asked"
                                      : "recreated through the engine, as its ukiyo.compose says");
        return out->why ? 0 : UKIYO_ENOMEM;
    }
    char *why = native_impossible(d, o, &out->program, moves_to);
    if (why && mode == UKIYO_COMPOSE_NATIVE)
        out->refusal = ukiyo__str_printf("compose cannot recreate it: %s", why);
    else if (why)
        out->why = ukiyo__str_printf("recreated through the engine: %s", why);
    else
        out->why = ukiyo__str_printf("%s recreates service %s of project %s", out->program.name,
                                     o->service, o->project);
    out->native = !why;
    free(why);
    return out->why || out->refusal ? 0 : UKIYO_ENOMEM;
}

void ukiyo__compose_choice_clear(compose_choice *c)
{
    free(c->why);
    free(c->refusal);
    memset(c, 0, sizeof(*c));
}
