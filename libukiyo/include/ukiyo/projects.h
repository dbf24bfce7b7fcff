/*
 * ukiyo/projects.h - compose projects: the containers compose started,
 * grouped by their com.docker.compose.project and .service labels, and
 * chosen by project and service for update and check.
 */
#ifndef UKIYO_PROJECTS_H
#define UKIYO_PROJECTS_H

#include "common.h"
#include "docker.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The containers compose started (not `compose run`'s one-off ones),
 * stopped ones too, sorted by project, service and container number.
 * @param out      new list; free with ukiyo_container_list_free
 * @param project  only this project's, or NULL for every project's
 * @return 0 (an empty list when there are none), or the engine's error
 */
UKIYO_EXTERN int ukiyo_project_containers(ukiyo_container_list **out, ukiyo *u,
                                          const char *project);

/**
 * The names of @p project's running containers of @p services (every
 * service when @p count is 0), in the project's order, for update and check.
 * @param out  new list; free with ukiyo_string_list_free
 * @return 0; UKIYO_ENOTFOUND when the engine has no container of the
 *         project, or the project no service of a given name (the message
 *         names the services it has), or none of them runs
 */
UKIYO_EXTERN int ukiyo_project_select(ukiyo_string_list **out, ukiyo *u, const char *project,
                                      const char *const *services, size_t count);

/**
 * Every project as JSON: [{"name", "working_dir", "config_files",
 * "services": [{"name", "containers": [{"name", "image", "state",
 * "number"}]}]}], from @p containers as ukiyo_project_containers() lists them.
 * @param json_out  new string; free with ukiyo_string_free
 */
UKIYO_EXTERN int ukiyo_projects_json(char **json_out, const ukiyo_container_list *containers);

#ifdef __cplusplus
}
#endif

#endif
