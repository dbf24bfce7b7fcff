/*
 * ukiyo/labels.h - every container label ukiyo reads, and the few it
 * writes: one place, matching ukiyo-labels(7) (tests/check-man.sh keeps
 * the two in step). What each means is told there.
 */
#ifndef UKIYO_LABELS_H
#define UKIYO_LABELS_H

/* ukiyo's own. */
#define UKIYO_LABEL_ENABLE "ukiyo.enable"
#define UKIYO_LABEL_MONITOR_ONLY "ukiyo.monitor-only"
#define UKIYO_LABEL_STRATEGY "ukiyo.strategy"
#define UKIYO_LABEL_HEALTH_TIMEOUT "ukiyo.health-timeout"
#define UKIYO_LABEL_MIN_UPTIME "ukiyo.min-uptime"
#define UKIYO_LABEL_SERVICE_TIMEOUT "ukiyo.service-timeout"
#define UKIYO_LABEL_DEPENDS_ON "ukiyo.depends-on"
#define UKIYO_LABEL_POLICY "ukiyo.policy"
#define UKIYO_LABEL_SCHEDULE "ukiyo.schedule"
#define UKIYO_LABEL_POLL "ukiyo.poll"
#define UKIYO_LABEL_SELF "ukiyo.self"
#define UKIYO_LABEL_COMPOSE "ukiyo.compose"
#define UKIYO_LABEL_APPROVE "ukiyo.approve"
#define UKIYO_LABEL_APPROVE_TIMEOUT "ukiyo.approve-timeout"
#define UKIYO_LABEL_MIN_AGE "ukiyo.min-age"
#define UKIYO_LABEL_SCOPE "ukiyo.scope"
/* Written by ukiyo on a scheduled deployment's container. */
#define UKIYO_LABEL_DEPLOYMENT "ukiyo.deployment"

/* Other tools' labels ukiyo honours. */
#define UKIYO_LABEL_WATCHTOWER_ENABLE "com.centurylinklabs.watchtower.enable"
#define UKIYO_LABEL_WATCHTOWER_SCOPE "com.centurylinklabs.watchtower.scope"
#define UKIYO_LABEL_COMPOSE_PROJECT "com.docker.compose.project"
#define UKIYO_LABEL_COMPOSE_SERVICE "com.docker.compose.service"
#define UKIYO_LABEL_COMPOSE_DEPENDS_ON "com.docker.compose.depends_on"
#define UKIYO_LABEL_COMPOSE_CONTAINER_NUMBER "com.docker.compose.container-number"
#define UKIYO_LABEL_COMPOSE_ONEOFF "com.docker.compose.oneoff"
#define UKIYO_LABEL_COMPOSE_WORKING_DIR "com.docker.compose.project.working_dir"
#define UKIYO_LABEL_COMPOSE_CONFIG_FILES "com.docker.compose.project.config_files"
#define UKIYO_LABEL_COMPOSE_ENV_FILE "com.docker.compose.project.environment_file"
/* The engine's on a swarm task's container: updated as its service (service/NAME), never alone. */
#define UKIYO_LABEL_SWARM_TASK "com.docker.swarm.task.id"
#define UKIYO_LABEL_SWARM_SERVICE_NAME "com.docker.swarm.service.name"
/* Compose 2.x: the image ID it created the container from. ukiyo rewrites it when it recreates. */
#define UKIYO_LABEL_COMPOSE_IMAGE "com.docker.compose.image"

#endif
