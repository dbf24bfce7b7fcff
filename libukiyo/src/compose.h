/*
 * compose.h - containers that compose started: where they come from (their
 * com.docker.compose.* labels), the compose program on this machine, and
 * having it recreate a service (compose.c). Knows nothing of transactions:
 * the manager decides when to call it.
 */
#ifndef UKIYO_COMPOSE_H
#define UKIYO_COMPOSE_H

#include <jansson.h>

#include "internal.h"

/* How long one `compose up` may take: the old containers' stop timeouts and the new ones' start. */
#define UKIYO__COMPOSE_TIMEOUT_S 300

/* A compose container's project and service, and the files compose read for it. Owned strings. */
typedef struct {
    char *project;
    char *service;
    int number;          /* com.docker.compose.container-number; 0 when not given */
    char *working_dir;   /* NULL when not labelled */
    char **config_files; /* absolute paths (relative ones resolved against working_dir) */
    size_t config_files_count;
    char **env_files; /* absolute paths; none for compose's default (.env in working_dir) */
    size_t env_files_count;
} compose_origin;

/*
 * Read @labels (a container's Config.Labels). 0 for a container compose
 * manages; UKIYO_ENOTFOUND for any other, and for a one-off container of
 * `compose run`, which no `compose up` recreates. UKIYO_ENOMEM.
 */
int ukiyo__compose_origin_read(compose_origin *out, json_t *labels);
void ukiyo__compose_origin_clear(compose_origin *o);

/*
 * The services @o's service depends on in its project's compose files
 * (compose_files.c): depends_on, links, network_mode "service:X",
 * volumes_from; appended to @out, each once. UKIYO_ENOTFOUND when a file
 * cannot be read here, UKIYO_EINVAL naming the file and line when one is
 * not YAML.
 */
int ukiyo__compose_service_dependencies(ukiyo_string_list *out, const compose_origin *o);

/* The compose program: the `docker compose` plugin, else `docker-compose` on PATH. */
typedef struct {
    char path[512];   /* the program run: the plugin's file or docker-compose's */
    const char *name; /* "docker compose" or "docker-compose", for messages */
    bool plugin;      /* the plugin, run as the docker CLI runs it: its first argument "compose" */
} compose_program;

/* 0 with @out filled, or UKIYO_ENOTFOUND with why in the last error. */
int ukiyo__compose_program_find(compose_program *out);

/*
 * Whether compose can recreate @o's service from here: its working
 * directory and every config and env file readable. 0, or UKIYO_ENOTFOUND
 * with the first that is not (named) in the last error.
 */
int ukiyo__compose_files_readable(const compose_origin *o);

/*
 * Have compose recreate @o's service from its files: `up -d --no-deps
 * --no-build --force-recreate SERVICE` with the project's name, working
 * directory, files and env files, against the engine at @docker_host.
 * 0 once compose succeeded; UKIYO_EIO with the program, its exit status
 * and its last words when it failed, UKIYO_ETIMEOUT when it took longer
 * than @timeout_s (0: UKIYO__COMPOSE_TIMEOUT_S; it is killed with its
 * children).
 */
int ukiyo__compose_recreate(const compose_program *prog, const compose_origin *o,
                            const char *docker_host, int timeout_s);

/* Who recreates a container compose started, and why: what plans and checks say. */
typedef struct {
    bool native;             /* compose does */
    compose_program program; /* the one found, when native */
    char *why;               /* "docker-compose recreates service S of project P", or why not */
    char *refusal;           /* native asked for and impossible: why; then not native */
} compose_choice;

/*
 * Choose for @o's container on engine @d: @mode (@mode_asked: the caller
 * asked for it, else it is the ukiyo.compose label's); UKIYO_COMPOSE_AUTO is
 * native where the project's files are readable here, a compose program is
 * found and the service has one container. @moves_to: the reference a tag
 * policy moves it to (no compose file names it), or NULL. UKIYO_ENOMEM only.
 */
int ukiyo__compose_choose(compose_choice *out, ukiyo_docker *d, const compose_origin *o,
                          ukiyo_compose_mode mode, bool mode_asked, const char *moves_to);
void ukiyo__compose_choice_clear(compose_choice *c);

#endif
