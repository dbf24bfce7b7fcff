/*
 * bench/commit.c - what a durable webhook job costs the store, with no
 * HTTP in the way, printed as figures (no assertions).
 *
 *   build/bench/commit [DELIVERIES [DIR]]   (default 4000 /tmp)
 *
 * Parses DELIVERIES Docker Hub deliveries, each for its own tag, then
 * queues them with ukiyo_jobs_submit_batch() in groups of G (1, 4, 16,
 * 32, 64; one synced commit per group, as ukiyod's committer does; 32
 * connections make groups of at most 32) into a
 * fresh store under DIR, and prints the wall and CPU time per delivery for
 * each G. Beside them, in the same run and directory: the floor of any
 * durable commit, a 4 KiB write and an fdatasync, alone; and what parsing
 * a delivery costs (ukiyo_push_parse, the HTTP thread's share of a
 * webhook's own work; bench/webhook.sh adds it to the floors it prints). A store's cost per
 * delivery is about F/G + P: F, what each commit costs whatever it holds
 * (its sync above all), P, what each job adds; the figures give both.
 * Everything it writes is removed at the end.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <ukiyo.h>

typedef struct {
    double wall_us, cpu_us;
} cost;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

/* A Docker Hub delivery for acme/app:<run>.<n>, as the registry sends it. */
static ukiyo_push_events *delivery(int run, int n)
{
    ukiyo_push_request req = UKIYO_PUSH_REQUEST_INIT;
    ukiyo_push_events *ev = NULL;
    char body[768];

    snprintf(body, sizeof(body),
             "{\"callback_url\":\"https://registry.hub.docker.com/u/acme/app/hook/"
             "2141b5bi5i5b02bec211i4eeih0242eg11000a/\",\"push_data\":{\"pushed_at\":1631871970,"
             "\"images\":[],\"tag\":\"1.%d.%d\",\"pusher\":\"ci\"},\"repository\":{\"repo_name\":"
             "\"acme/app\",\"namespace\":\"acme\",\"name\":\"app\",\"repo_url\":"
             "\"https://hub.docker.com/r/acme/app\",\"is_private\":false,\"status\":\"Active\"}}",
             run, n);
    req.body = body;
    req.body_len = strlen(body);
    if (ukiyo_push_parse(&ev, &req) < 0) {
        fprintf(stderr, "commit: cannot parse a delivery: %s\n", ukiyo_error_last());
        exit(1);
    }
    return ev;
}

/* Queue @count parsed deliveries in groups of @group; the cost per delivery. */
static cost queue_in_groups(ukiyo *u, ukiyo_push_events **ev, int count, int group)
{
    ukiyo_job_submission *subs = calloc((size_t)group, sizeof(*subs));
    double wall = now_us(), cpu = cpu_us();

    if (!subs)
        exit(1);
    for (int at = 0; at < count; at += group) {
        int n = count - at < group ? count - at : group;
        for (int i = 0; i < n; i++) {
            ukiyo_push_events *e = ev[at + i];
            subs[i] = (ukiyo_job_submission){.event = ukiyo_push_events_get(e, 0),
                                             .source = ukiyo_push_events_format(e),
                                             .callback_url = ukiyo_push_events_callback_url(e)};
        }
        if (ukiyo_jobs_submit_batch(u, subs, (size_t)n) < 0) {
            fprintf(stderr, "commit: cannot queue: %s\n", ukiyo_error_last());
            exit(1);
        }
    }
    free(subs);
    return (cost){(now_us() - wall) / count, (cpu_us() - cpu) / count};
}

/* A 4 KiB write and an fdatasync, @count times, in @dir. */
static cost bare_syncs(const char *dir, int count)
{
    char path[4200], page[4096];
    double wall, cpu;
    int fd;

    snprintf(path, sizeof(path), "%s/sync-floor", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        exit(1);
    memset(page, 'x', sizeof(page));
    wall = now_us(), cpu = cpu_us();
    for (int i = 0; i < count; i++)
        if (pwrite(fd, page, sizeof(page), (off_t)(i % 64) * 4096) < 0 || fdatasync(fd) < 0)
            exit(1);
    cost c = {(now_us() - wall) / count, (cpu_us() - cpu) / count};
    close(fd);
    unlink(path);
    return c;
}

int main(int argc, char **argv)
{
    static const int groups[] = {1, 4, 16, 32, 64};
    int count = argc > 1 ? atoi(argv[1]) : 4000;
    const char *base = argc > 2 ? argv[2] : "/tmp";
    char dir[4096], db[4200];
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    ukiyo *u = NULL;

    if (count <= 0) {
        fprintf(stderr, "usage: %s [DELIVERIES [DIR]]\n", argv[0]);
        return 2;
    }
    snprintf(dir, sizeof(dir), "%s/ukiyo-bench-commit.XXXXXX", base);
    if (!mkdtemp(dir)) {
        perror("commit: mkdtemp");
        return 1;
    }
    snprintf(db, sizeof(db), "%s/ukiyo.db", dir);
    opts.db_path = db;
    if (ukiyo_open(&u, &opts) < 0) {
        fprintf(stderr, "commit: %s\n", ukiyo_error_last());
        return 1;
    }
    ukiyo_push_events **ev = calloc((size_t)count, sizeof(*ev));
    if (!ev)
        return 1;

    printf("%d Docker Hub deliveries, a tag each, queued in groups of G, one synced commit "
           "per group (%s)\n\n",
           count, dir);
    printf("%-24s %14s %14s\n", "", "wall us/job", "CPU us/job");
    /* A warm-up group first: a fresh file grows in its first commits. */
    for (int n = 0; n < 256; n++) {
        ukiyo_push_events *warm = delivery(0, n);
        queue_in_groups(u, &warm, 1, 1);
        ukiyo_push_events_free(warm);
    }
    cost parse = {0, 0};
    for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
        double wall = now_us(), cpu = cpu_us();
        for (int n = 0; n < count; n++)
            ev[n] = delivery((int)g + 1, n);
        if (g == 1) /* the second pass: the heap has grown by then */
            parse = (cost){(now_us() - wall) / count, (cpu_us() - cpu) / count};
        cost c = queue_in_groups(u, ev, count, groups[g]);
        printf("ukiyo G=%-16d %14.1f %14.1f\n", groups[g], c.wall_us, c.cpu_us);
        for (int n = 0; n < count; n++)
            ukiyo_push_events_free(ev[n]);
    }
    cost floor = bare_syncs(dir, count < 2000 ? count : 2000);
    printf("%-24s %14.1f %14.1f\n", "4 KiB write + fdatasync", floor.wall_us, floor.cpu_us);
    printf("%-24s %14.1f %14.1f\n", "parse (ukiyo_push_parse)", parse.wall_us, parse.cpu_us);

    free(ev);
    ukiyo_close(u);
    char cmd[4300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
