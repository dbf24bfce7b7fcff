/*
 * check-updates.c - list the running containers and say, for each, whether
 * its registry has a newer image for the tag it was started with.
 *
 * Build against an installed libukiyo:
 *   cc check-updates.c $(pkg-config --cflags --libs libukiyo) -o check-updates
 */
#include <stdio.h>
#include <ukiyo.h>

static void report(ukiyo *u, const char *name)
{
    ukiyo_check_result *result = NULL;
    int err = ukiyo_check(&result, u, name);

    if (err < 0) {
        printf("%-24s cannot check: %s: %s\n", name, ukiyo_strerror(err), ukiyo_error_last());
        return;
    }
    printf("%-24s %-40s %s%s%s\n", name, ukiyo_check_result_image(result),
           ukiyo_check_status_name(ukiyo_check_result_status(result)),
           ukiyo_check_result_reason(result) ? ": " : "",
           ukiyo_check_result_reason(result) ? ukiyo_check_result_reason(result) : "");
    ukiyo_check_result_free(result);
}

int main(void)
{
    ukiyo *u = NULL;
    ukiyo_container_list *containers = NULL;
    int err;

    err = ukiyo_open(&u, NULL); /* $DOCKER_HOST, ~/.docker/config.json */
    if (err == 0)
        err = ukiyo_docker_container_list(&containers, ukiyo_get_docker(u), 0, NULL);
    if (err < 0) {
        fprintf(stderr, "check-updates: %s: %s\n", ukiyo_strerror(err), ukiyo_error_last());
        ukiyo_close(u);
        return 1;
    }
    for (size_t i = 0; i < ukiyo_container_list_count(containers); i++)
        report(u, ukiyo_container_name(ukiyo_container_list_get(containers, i)));
    ukiyo_container_list_free(containers);
    ukiyo_close(u);
    return 0;
}
