/*
 * push_callback.c - Docker Hub's callback: where it may go, and the answer
 * a finished job sends there.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "push_callback.h"

#define DOCKER_HUB_CALLBACK_PREFIX "https://registry.hub.docker.com/"
#define CALLBACK_TIMEOUT_MS 10000

bool ukiyo__dockerhub_callback_allowed(const char *url)
{
#ifdef UKIYO_TEST_HOOKS
    /* Test builds only (meson's *-testhooks targets): a local receiver plays Docker Hub. */
    const char *test_prefix = getenv("UKIYO_TEST_DOCKERHUB_CALLBACK_PREFIX");
    if (url && test_prefix && test_prefix[0] && ukiyo__str_has_prefix(url, test_prefix))
        return true;
#endif
    return url && ukiyo__str_has_prefix(url, DOCKER_HUB_CALLBACK_PREFIX);
}

void ukiyo__dockerhub_callback_answer(const char *url, bool succeeded, int64_t job_id)
{
    static const char *const headers[] = {"Content-Type: application/json", NULL};

    if (!ukiyo__dockerhub_callback_allowed(url))
        return;
    json_t *doc =
        json_pack("{s:s, s:s, s:s, s:s}", "state", succeeded ? "success" : "failure", "description",
                  succeeded ? "updated by ukiyo" : "ukiyo could not update", "context", "ukiyo",
                  "target_url", "");
    char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    http_session *http = NULL;
    http_response resp;
    http_request req = {.method = "POST",
                        .url = url,
                        .body = body,
                        .body_len = body ? strlen(body) : 0,
                        .headers = headers,
                        .timeout_ms = CALLBACK_TIMEOUT_MS};
    if (body && ukiyo__http_session_new(&http, NULL, CALLBACK_TIMEOUT_MS) == 0 &&
        ukiyo__http_perform(http, &req, &resp) == 0) {
        if (resp.status >= 300)
            log_warning("job %lld: Docker Hub's callback answered HTTP %ld", (long long)job_id,
                        resp.status);
        ukiyo__http_response_clear(&resp);
    } else {
        log_warning("job %lld: Docker Hub's callback failed: %s", (long long)job_id,
                    ukiyo_error_last());
    }
    ukiyo_error_clear();
    ukiyo__http_session_free(http);
    json_decref(doc);
    free(body);
}
