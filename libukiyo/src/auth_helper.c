/*
 * auth_helper.c - ask a docker-credential-* program, with a deadline.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_helper.h"
#include "process.h"

#define HELPER_TIMEOUT_MS 10000
#define HELPER_OUTPUT_MAX (64 * 1024)

static bool helper_name_valid(const char *name)
{
    if (!name[0])
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

static int parse_helper_output(ukiyo_credential **out, const char *text, const char *registry)
{
    json_t *doc = json_loads(text, 0, NULL);
    const char *user = json_string_value(json_object_get(doc, "Username"));
    const char *secret = json_string_value(json_object_get(doc, "Secret"));
    int err;

    if (!user || !secret)
        err = ukiyo__error_set(UKIYO_EIO, "credential helper for %s printed no Username/Secret",
                               registry);
    else if (strcmp(user, "<token>") == 0) /* Docker's marker for an identity token */
        err = ukiyo_credential_new(out, registry, NULL, NULL, secret);
    else
        err = ukiyo_credential_new(out, registry, user, secret, NULL);
    json_decref(doc);
    return err;
}

int ukiyo__credential_helper_get(ukiyo_credential **out, const char *helper, const char *server_url,
                                 const char *registry)
{
    /* On the stack: a child whose exec fails exits without freeing anything of ours. */
    char program[256];
    const char *argv[] = {program, "get", NULL};
    process_spec spec = {.argv = argv,
                         .input = server_url,
                         .timeout_ms = HELPER_TIMEOUT_MS,
                         .output_max = HELPER_OUTPUT_MAX};
    process_result run;
    int err;

    if (!helper_name_valid(helper))
        return ukiyo__error_set(UKIYO_EINVAL, "invalid credential helper name \"%s\"", helper);
    if ((size_t)snprintf(program, sizeof(program), "docker-credential-%s", helper) >=
        sizeof(program))
        return ukiyo__error_set(UKIYO_EINVAL, "credential helper name too long");
    err = ukiyo__process_run(&spec, &run);
    if (err < 0)
        return err;
    const char *text = run.out.data ? run.out.data : "";
    if (run.timed_out)
        err = ukiyo__error_set(UKIYO_EIO, "%s did not answer within %d s", program,
                               HELPER_TIMEOUT_MS / 1000);
    else if (run.not_found)
        err = ukiyo__error_set(UKIYO_EIO, "credential helper %s is not installed", program);
    else if (run.exit_status != 0)
        err = strstr(text, "not found")
                  ? ukiyo__error_set(UKIYO_ENOTFOUND, "%s has no credential for %s", program,
                                     registry)
                  : ukiyo__error_set(UKIYO_EIO, "%s failed for %s", program, registry);
    else
        err = parse_helper_output(out, text, registry);
    ukiyo__process_result_clear(&run);
    return err;
}
