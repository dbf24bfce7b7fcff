/*
 * cmd_pull.c - ukiyoctl pull: pull an image with progress.
 *
 * On a terminal, one line redrawn as a bar; otherwise one plain line per
 * change of a layer's status (never the byte counts, which would flood logs).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ukiyoctl.h"

#define BAR_WIDTH 30

typedef struct {
    bool terminal;
    bool quiet;
    const char *ref;
    char last_line[256];
} pull_view;

static void human_bytes(int64_t n, char *buf, size_t len)
{
    if (n >= 1000 * 1000)
        snprintf(buf, len, "%.1f MB", (double)n / 1e6);
    else if (n >= 1000)
        snprintf(buf, len, "%.1f kB", (double)n / 1e3);
    else
        snprintf(buf, len, "%lld B", (long long)n);
}

static void draw_bar(const pull_view *v, const ukiyo_pull_progress *p)
{
    char done[32], total[32], bar[BAR_WIDTH + 1];
    int filled = p->bytes_total > 0 ? (int)(p->bytes_done * BAR_WIDTH / p->bytes_total) : 0;

    if (filled > BAR_WIDTH)
        filled = BAR_WIDTH;
    memset(bar, '=', (size_t)filled);
    memset(bar + filled, ' ', (size_t)(BAR_WIDTH - filled));
    bar[BAR_WIDTH] = '\0';
    human_bytes(p->bytes_done, done, sizeof(done));
    human_bytes(p->bytes_total, total, sizeof(total));
    fprintf(stdout, "\r%s [%s] %u/%u layers %s/%s\033[K", v->ref, bar, p->layers_done,
            p->layers_total, done, total);
    fflush(stdout);
}

static int on_progress(const ukiyo_pull_progress *p, void *payload)
{
    pull_view *v = payload;
    char line[256];

    if (v->quiet)
        return 0;
    if (v->terminal) {
        draw_bar(v, p);
        return 0;
    }
    if (strcmp(p->status, "Downloading") == 0 || strcmp(p->status, "Extracting") == 0)
        return 0;
    snprintf(line, sizeof(line), "%s%s%s", p->layer ? p->layer : "", p->layer ? ": " : "",
             p->status);
    if (strcmp(line, v->last_line) != 0) {
        printf("%s\n", line);
        snprintf(v->last_line, sizeof(v->last_line), "%s", line);
    }
    return 0;
}

static ukiyo_credential *credential_for(ukiyo *u, const char *ref_text)
{
    ukiyo_image_ref *ref = NULL;
    ukiyo_credential *cred = NULL;

    if (ukiyo_image_ref_parse(&ref, ref_text) == 0) {
        int err = ukiyo_auth_lookup(&cred, ukiyo_get_auth(u), ukiyo_image_ref_registry(ref));
        if (err < 0 && err != UKIYO_ENOTFOUND)
            fprintf(stderr, "ukiyoctl pull: warning: %s; pulling anonymously\n",
                    ukiyo_error_last());
    }
    ukiyo_image_ref_free(ref);
    return cred;
}

static int report_pulled(ukiyo *u, const ctl_options *opts, const char *ref)
{
    ukiyo_image_info *info = NULL;
    int err = ukiyo_docker_image_inspect(&info, ukiyo_get_docker(u), ref);

    if (err < 0)
        return ctl_fail("pulled, but cannot inspect the image", err);
    if (opts->json)
        ctl_print_json(json_pack("{s:s, s:s, s:s?}", "image", ref, "id", ukiyo_image_info_id(info),
                                 "digest", ukiyo_image_info_repo_digest(info, 0)));
    else
        printf("pulled %s (%s)\n", ref, ukiyo_image_info_id(info));
    ukiyo_image_info_free(info);
    return EXIT_OK;
}

static int run_pull(const ctl_options *opts, int argc, char **argv)
{
    pull_view view = {.terminal = isatty(STDOUT_FILENO) && !opts->json, .quiet = opts->json};
    ukiyo_image_ref *ref = NULL;
    int err, rc;

    if (argc != 2) {
        ctl_usage(&cmd_pull, stderr);
        return EXIT_USAGE;
    }
    err = ukiyo_image_ref_parse(&ref, argv[1]);
    if (err < 0) {
        ctl_fail("pull", err);
        return EXIT_USAGE;
    }
    ukiyo_image_ref_free(ref);
    ukiyo *u = ctl_open(opts);
    if (!u)
        return EXIT_FAILED;
    view.ref = argv[1];
    ukiyo_credential *cred = credential_for(u, argv[1]);
    err = ukiyo_docker_image_pull(ukiyo_get_docker(u), argv[1], cred, on_progress, &view);
    if (view.terminal)
        printf("\n");
    rc = err < 0 ? ctl_fail("pull", err) : report_pulled(u, opts, argv[1]);
    ukiyo_credential_free(cred);
    ukiyo_close(u);
    return rc;
}

const ctl_command cmd_pull = {
    .name = "pull",
    .summary = "Pull an image, with a progress bar on a terminal",
    .usage = "Usage: ukiyoctl pull IMAGE [--json]\n\n"
             "Credentials come from Docker's config.json (auths, credHelpers, credsStore).\n"
             "  --json   print {image, id, digest} when done, no progress\n",
    .run = run_pull,
};
