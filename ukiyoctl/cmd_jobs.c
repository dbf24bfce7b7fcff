/*
 * cmd_jobs.c - ukiyoctl jobs, approve and reject: the job queue as the
 * store keeps it (what ukiyod's GET /api/v1/jobs shows), and a person's
 * answer to a job that waits for approval.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ukiyoctl.h"

/* A job as the library prints it (JSON). */
static json_t *job_doc(const ukiyo_job *job)
{
    char *text = NULL;
    json_t *doc = ukiyo_job_json(&text, job) == 0 ? json_loads(text, 0, NULL) : NULL;

    ukiyo_string_free(text);
    return doc ? doc : json_null();
}

static void add_job_row(ctl_table *t, const ukiyo_job *job)
{
    char id[24], created[32], expires[32];
    const char *what = ukiyo_job_container(job) ? ukiyo_job_container(job) : ukiyo_job_image(job);
    const char *target = ukiyo_job_target_image(job);

    snprintf(id, sizeof(id), "%lld", (long long)ukiyo_job_id(job));
    ctl_format_time(ukiyo_job_created_ms(job), created, sizeof(created));
    ctl_format_time(ukiyo_job_expires_ms(job), expires, sizeof(expires));
    const char *cells[] = {id,
                           ukiyo_job_state(job),
                           ukiyo_job_action_name(job),
                           what,
                           target ? target : ukiyo_job_image(job),
                           ukiyo_job_source(job),
                           created,
                           expires};
    ctl_table_add(t, cells);
}

static int run_jobs(const ctl_options *opts, int argc, char **argv)
{
    static const struct option longopts[] = {{"waiting", no_argument, NULL, 'w'},
                                             {"limit", required_argument, NULL, 'n'},
                                             {NULL, 0, NULL, 0}};
    static const char *const headings[] = {"ID",    "STATE",  "ACTION",  "FOR",
                                           "IMAGE", "SOURCE", "CREATED", "EXPIRES"};
    bool waiting = false;
    long limit = 50;
    int c;

    while ((c = getopt_long(argc, argv, "wn:", longopts, NULL)) != -1) {
        char *end = NULL;
        if (c == 'w')
            waiting = true;
        else if (c == 'n' && (limit = strtol(optarg, &end, 10)) > 0 && limit <= 500 && !*end)
            continue;
        else {
            ctl_usage(&cmd_jobs, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ukiyoctl jobs: unexpected argument \"%s\"\n", argv[optind]);
        return EXIT_USAGE;
    }
    ukiyo *u = ctl_open_with_store(opts);
    if (!u)
        return EXIT_FAILED;
    ukiyo_job_list *list = NULL;
    int err = ukiyo_jobs_list(&list, u, 0, (size_t)limit);
    if (err < 0) {
        ukiyo_close(u);
        return ctl_fail("cannot list the jobs", err);
    }
    json_t *rows = json_array();
    ctl_table *table = ctl_table_new(8, headings);
    for (size_t i = 0; i < ukiyo_job_list_count(list); i++) {
        const ukiyo_job *job = ukiyo_job_list_get(list, i);
        if (waiting && strcmp(ukiyo_job_state(job), "awaiting-approval") != 0)
            continue;
        json_array_append_new(rows, job_doc(job));
        add_job_row(table, job);
    }
    ctl_print_listing(opts, rows, table);
    ukiyo_job_list_free(list);
    ukiyo_close(u);
    return EXIT_OK;
}

/* approve or reject each JOB given; EXIT_PARTIAL when some could not be. */
static int answer_jobs(const ctl_options *opts, int argc, char **argv, bool approve)
{
    const char *verb = approve ? "approve" : "reject";

    if (argc < 2 || ctl_is_help(argv[1])) {
        ctl_usage(approve ? &cmd_approve : &cmd_reject, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        long long id = strtoll(argv[i], &end, 10);
        if (!argv[i][0] || *end || id <= 0) {
            fprintf(stderr,
                    "ukiyoctl %s: \"%s\" is not a job ID (a positive number; see "
                    "ukiyoctl jobs --waiting)\n",
                    verb, argv[i]);
            return EXIT_USAGE;
        }
    }
    ukiyo *u = ctl_open_with_store(opts);
    if (!u)
        return EXIT_FAILED;
    json_t *rows = json_array();
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        long long id = strtoll(argv[i], NULL, 10);
        int err = approve ? ukiyo_jobs_approve(u, id) : ukiyo_jobs_reject(u, id);
        ukiyo_job *job = NULL;
        if (err < 0) {
            fprintf(stderr, "ukiyoctl %s: job %lld: %s\n", verb, id, ukiyo_error_last());
            ukiyo_error_clear();
            failed++;
            continue;
        }
        if (ukiyo_jobs_get(&job, u, id) == 0) {
            if (opts->json)
                json_array_append_new(rows, job_doc(job));
            else
                printf("job %lld: %s (%s)\n", id, approve ? "approved" : "rejected",
                       ukiyo_job_container(job));
        }
        ukiyo_job_free(job);
    }
    if (opts->json)
        ctl_print_json(json_incref(rows));
    json_decref(rows);
    ukiyo_close(u);
    return failed == 0 ? EXIT_OK : failed == argc - 1 ? EXIT_FAILED : EXIT_PARTIAL;
}

static int run_approve(const ctl_options *opts, int argc, char **argv)
{
    return answer_jobs(opts, argc, argv, true);
}

static int run_reject(const ctl_options *opts, int argc, char **argv)
{
    return answer_jobs(opts, argc, argv, false);
}

const ctl_command cmd_jobs = {
    .name = "jobs",
    .summary = "List the job queue, newest first",
    .usage = "Usage: ukiyoctl jobs [-w|--waiting] [-n|--limit N] [--json]\n\n"
             "  -w, --waiting  only the jobs that wait for a person's approval\n"
             "  -n, --limit N  at most N jobs (default 50, at most 500)\n"
             "  --json         each job as ukiyod's GET /api/v1/jobs gives it\n\n"
             "FOR is the container (or service/NAME) of a job for one, else the pushed\n"
             "tag; EXPIRES, a waiting job's expiry (ukiyo.approve-timeout).\n",
    .run = run_jobs,
};

const ctl_command cmd_approve = {
    .name = "approve",
    .summary = "Approve jobs that wait for a person: they run at once",
    .usage = "Usage: ukiyoctl approve JOB... [--json]\n\n"
             "A job waits (state awaiting-approval) when a push, poll or window would\n"
             "update a container labelled ukiyo.approve=true, or any with ukiyod\n"
             "--approve. Approved, it is queued and the worker of ukiyod (on the same\n"
             "database) runs it within seconds, as a person's update: its window does not\n"
             "hold it. A job that does not wait is refused, saying its state.\n",
    .run = run_approve,
};

const ctl_command cmd_reject = {
    .name = "reject",
    .summary = "Reject jobs that wait for a person: their release is not applied",
    .usage = "Usage: ukiyoctl reject JOB... [--json]\n\n"
             "The job ends rejected, and its release is remembered as rejected for its\n"
             "container (ukiyoctl ps shows it): no push or poll offers it again; a newer\n"
             "release waits anew, and ukiyoctl update --force applies this one still.\n",
    .run = run_reject,
};
