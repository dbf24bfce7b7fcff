/*
 * push_callback.h - what the rest of libukiyo uses of the push module:
 * Docker Hub's callback, which a webhook brings and the job that ran
 * answers (push_callback.c).
 */
#ifndef UKIYO_PUSH_CALLBACK_H
#define UKIYO_PUSH_CALLBACK_H

#include "internal.h"

/*
 * Whether a Docker Hub callback may go to @url: only to
 * https://registry.hub.docker.com/ (anything else would be a request
 * forgery), or, in test builds (UKIYO_TEST_HOOKS), under
 * $UKIYO_TEST_DOCKERHUB_CALLBACK_PREFIX.
 */
bool ukiyo__dockerhub_callback_allowed(const char *url);

/*
 * Tell Docker Hub at @url whether job @job_id @succeeded. Nothing is sent
 * to a URL ukiyo__dockerhub_callback_allowed() refuses. A failure is logged,
 * never returned: the job's outcome stands either way.
 */
void ukiyo__dockerhub_callback_answer(const char *url, bool succeeded, int64_t job_id);

#endif
