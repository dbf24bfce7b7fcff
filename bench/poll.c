/*
 * bench/poll.c - pull mode's cost, printed as figures (no assertions).
 *
 *   build/bench/poll [CONTAINERS [IMAGES [IDLE_SECONDS]]]   (default 100 5 60)
 *
 * Needs what the integration tests need (tests/env/setup.sh: the engine,
 * the registry on 127.0.0.1:5000, the ukiyo-test/http image). It runs
 * CONTAINERS containers on IMAGES distinct references pushed to the loopback
 * registry, then prints, for a handle that inspects every container at each
 * poll ("without events") and one whose inventory follows the engine's
 * event stream ("with events", as ukiyod runs), in the same run:
 *   1. engine and registry requests per poll (the registry's goal: one per
 *      distinct reference; the engine's with events: the list alone),
 *   2. the wall time of one poll,
 *   3. what a dashboard's load of GET /api/v1/containers costs the engine,
 *   4. how often an idle ukiyod (--poll 20s) wakes up in IDLE_SECONDS: the
 *      context switches of all its threads, against the polls that were due.
 * Everything it made carries the ukiyo.test label and is removed at the end.
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ukiyo.h>

static int64_t fake_now;

static int64_t fake_clock(void *payload)
{
    (void)payload;
    return fake_now;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char *cmd = NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = vasprintf(&cmd, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return -1;
    rc = system(cmd);
    free(cmd);
    return rc;
}

/* Context switches (voluntary + involuntary) of every thread of @pid. */
static long long switches_of(pid_t pid)
{
    char path[64], line[256];
    long long total = 0;
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char status[384];
        snprintf(status, sizeof(status), "%s/%s/status", path, e->d_name);
        FILE *f = fopen(status, "r");
        while (f && fgets(line, sizeof(line), f))
            if (strstr(line, "ctxt_switches:"))
                total += atoll(strchr(line, ':') + 1);
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
    return total;
}

static void idle_daemon(const char *prefix, int idle_s)
{
    const char *ukiyod = getenv("UKIYOD") ? getenv("UKIYOD") : "build/ukiyod/ukiyod";
    char db[128], listen[64];
    snprintf(db, sizeof(db), "/tmp/%s/ukiyo.db", prefix); /* secrets are made beside it */
    sh("mkdir -p /tmp/%s", prefix);
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", 20000 + (int)(getpid() % 20000));
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stderr);
        execl(ukiyod, ukiyod, "--db", db, "--listen", listen, "--poll", "20s", "--poll-jitter", "0",
              "--log-level", "error", (char *)NULL);
        _exit(127);
    }
    /* Polls at 0 s (start), 20 s, 40 s...: count between them, and across them. */
    sleep(5);
    long long quiet = 0, busy = 0;
    int rounds = idle_s / 20 > 0 ? idle_s / 20 : 1;
    for (int i = 0; i < rounds; i++) {
        long long s0 = switches_of(pid);
        sleep(13); /* 5 s .. 18 s after a poll: none due */
        long long s1 = switches_of(pid);
        sleep(7); /* 18 s .. 25 s: the next poll runs */
        long long s2 = switches_of(pid);
        quiet += s1 - s0;
        busy += s2 - s1;
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    sh("rm -rf /tmp/%s", prefix);
    printf("idle ukiyod, --poll 20s, %d polls: %lld context switches in all threads in %d s "
           "with no poll due (%.1f per minute); %lld per poll (the poll's own requests)\n",
           rounds, quiet, rounds * 13, (double)quiet * 60.0 / (rounds * 13), busy / rounds);
}

typedef struct {
    ukiyo_inventory *inventory;
    ukiyo_docker *docker;
} follow_args;

/* As ukiyod's engine_events.c: follow until stopped. */
static void *follow(void *arg)
{
    follow_args *a = arg;
    while (ukiyo_inventory_follow(a->inventory, a->docker, NULL, NULL) < 0)
        sleep(1);
    return NULL;
}

static ukiyo *open_handle(ukiyo_inventory *inventory)
{
    ukiyo_options opts = UKIYO_OPTIONS_INIT;
    ukiyo *u = NULL;
    opts.clock_ms = fake_clock;
    if (ukiyo_open(&u, &opts) < 0) {
        fprintf(stderr, "%s\n", ukiyo_error_last());
        return NULL;
    }
    ukiyo_set_inventory(u, inventory);
    return u;
}

/* One poll of every container on @u (round 0: the first, which plans the interval). */
static void poll_round(ukiyo *u, const char *how, int round, int containers, int images)
{
    unsigned jobs = 0;
    uint64_t registry = ukiyo_scheduler_poll_requests(u);
    uint64_t engine = ukiyo_docker_request_count(ukiyo_get_docker(u));
    double t0 = seconds_now();
    int err = ukiyo_scheduler_dispatch(u, fake_now, &jobs);
    double t1 = seconds_now();
    printf("%-14s poll %d%s: %d containers, %d images: %4llu engine requests, %3llu registry "
           "requests, %7.1f ms, %u jobs%s\n",
           how, round, round == 0 ? " (first)" : "        ", containers, images,
           (unsigned long long)(ukiyo_docker_request_count(ukiyo_get_docker(u)) - engine),
           (unsigned long long)(ukiyo_scheduler_poll_requests(u) - registry), (t1 - t0) * 1000.0,
           jobs, err < 0 ? " (failed)" : "");
}

/*
 * What GET /api/v1/containers (the dashboard) reads on each load, on @u: the
 * list, each container's inspect document and its check from the answers
 * ukiyod remembers (ukiyod/routes_containers.c).
 */
static void page_round(ukiyo *u, const char *how, int containers)
{
    uint64_t engine = ukiyo_docker_request_count(ukiyo_get_docker(u));
    ukiyo_container_list *list = NULL;
    unsigned rows = 0;
    double t0 = seconds_now();
    int err = ukiyo_docker_container_list(&list, ukiyo_get_docker(u), 0, NULL);

    for (size_t i = 0; err == 0 && i < ukiyo_container_list_count(list); i++) {
        ukiyo_container *c = NULL;
        ukiyo_check_result *r = NULL;
        if (ukiyo_inventory_inspect(&c, u, ukiyo_container_id(ukiyo_container_list_get(list, i))) ==
                0 &&
            ukiyo_check_cached(&r, u, ukiyo_container_id(c)) == 0)
            rows++;
        ukiyo_check_result_free(r);
        ukiyo_container_free(c);
    }
    double t1 = seconds_now();
    ukiyo_container_list_free(list);
    printf("%-14s page load (GET /api/v1/containers, %d containers): %4llu engine requests, "
           "%7.1f ms, %u rows%s\n",
           how, containers,
           (unsigned long long)(ukiyo_docker_request_count(ukiyo_get_docker(u)) - engine),
           (t1 - t0) * 1000.0, rows, err < 0 ? " (failed)" : "");
}

int main(int argc, char **argv)
{
    int containers = argc > 1 ? atoi(argv[1]) : 100, images = argc > 2 ? atoi(argv[2]) : 5;
    int idle_s = argc > 3 ? atoi(argv[3]) : 60;
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "ukiyo-test-%d-bench", (int)getpid());

    printf("setting up %d containers on %d images...\n", containers, images);
    for (int i = 0; i < images; i++)
        if (sh("docker tag ukiyo-test/http:v1 127.0.0.1:5000/%s-%d:latest && "
               "docker push -q 127.0.0.1:5000/%s-%d:latest >/dev/null",
               prefix, i, prefix, i) != 0)
            return 1;
    /* Eight at a time: a thousand take minutes one by one. */
    if (sh("seq 0 %d | xargs -P 8 -I{} sh -c 'docker run -d --label ukiyo.test=1 "
           "--label ukiyo.poll=20s --stop-timeout 1 --network none --name %s-c{} "
           "127.0.0.1:5000/%s-$(({} %% %d)):latest >/dev/null'",
           containers - 1, prefix, prefix, images) != 0)
        return 1;

    ukiyo_inventory *inventory = NULL;
    ukiyo_docker *follower = NULL;
    pthread_t thread;
    if (ukiyo_inventory_new(&inventory) < 0 || ukiyo_docker_new(&follower, NULL) < 0 ||
        pthread_create(&thread, NULL, follow, &(follow_args){inventory, follower}) != 0) {
        fprintf(stderr, "cannot follow the engine's events: %s\n", ukiyo_error_last());
        return 1;
    }
    while (!ukiyo_inventory_following(inventory))
        usleep(10000);
    fake_now = 1900000000000;
    ukiyo *plain = open_handle(NULL), *live = open_handle(inventory);
    if (!plain || !live)
        return 1;
    poll_round(plain, "without events", 0, containers, images);
    poll_round(live, "with events", 0, containers, images);
    for (int round = 1; round <= 3; round++) {
        fake_now += 20000;
        poll_round(plain, "without events", round, containers, images);
        poll_round(live, "with events", round, containers, images);
    }
    for (int round = 1; round <= 2; round++) {
        page_round(plain, "without events", containers);
        page_round(live, "with events", containers);
    }
    ukiyo_close(plain);
    ukiyo_close(live);
    ukiyo_inventory_stop(inventory);
    pthread_join(thread, NULL);
    ukiyo_docker_free(follower);
    ukiyo_inventory_free(inventory);
    if (idle_s > 0)
        idle_daemon(prefix, idle_s);

    sh("ids=$(docker ps -aq --filter label=ukiyo.test --filter name=%s-); "
       "[ -z \"$ids\" ] || docker rm -f -v $ids >/dev/null",
       prefix);
    sh("docker images --format '{{.Repository}}:{{.Tag}}' | grep '%s-' | xargs -r docker rmi "
       ">/dev/null 2>&1",
       prefix);
    return 0;
}
