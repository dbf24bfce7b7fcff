/*
 * cmd_deploy.c - ukiyoctl deploy: the scheduled deployments in the store,
 * the same records ukiyod's /save-repository-scheduled-time routes keep
 * (list, save, edit, remove), through the same library calls.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ukiyoctl.h"

#define PORTS_MAX 64

typedef struct {
    const char *container, *window, *at;
    const char *port_texts[PORTS_MAX];
    size_t port_count;
    bool ports_given, downtime, no_downtime;
} deploy_args;

/* A port number, 1-65535, from all of @text. */
static bool port_number(const char *text, size_t len, int *out)
{
    char buf[8];

    if (len == 0 || len > 5 || strspn(text, "0123456789") < len)
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    *out = atoi(buf);
    return *out >= 1 && *out <= 65535;
}

/*
 * "[HOST_IP:]HOST_PORT:CONTAINER_PORT" as docker run -p writes it (an IPv6
 * address in brackets: "[::1]:8080:80") into @b; its address into @ip.
 */
static bool parse_port(const char *text, ukiyo_port_binding *b, char ip[INET6_ADDRSTRLEN + 1])
{
    const char *ports = text;

    ip[0] = '\0';
    if (text[0] == '[') {
        const char *end = strchr(text, ']');
        if (!end || end[1] != ':' || (size_t)(end - text - 1) > INET6_ADDRSTRLEN)
            return false;
        memcpy(ip, text + 1, (size_t)(end - text - 1));
        ip[end - text - 1] = '\0';
        ports = end + 2;
    } else {
        const char *last = strrchr(text, ':');
        const char *first = strchr(text, ':');
        if (first && first != last) {
            if ((size_t)(last - text) > INET6_ADDRSTRLEN)
                return false;
            /* IP:HOST:CONTAINER: the address is what comes before the second-last colon. */
            const char *mid = last - 1;
            while (mid > text && *mid != ':')
                mid--;
            memcpy(ip, text, (size_t)(mid - text));
            ip[mid - text] = '\0';
            ports = mid + 1;
        }
    }
    const char *colon = strchr(ports, ':');
    if (!colon)
        return false;
    b->host_ip = ip[0] ? ip : NULL;
    return port_number(ports, (size_t)(colon - ports), &b->host_port) &&
           port_number(colon + 1, strlen(colon + 1), &b->container_port);
}

/* Unix seconds, or "2026-12-03T03:00[:00]Z" (UTC), into milliseconds; -1 when neither. */
static int64_t parse_time(const char *text)
{
    struct tm tm = {0};
    const char *end;

    if (text[0] && strspn(text, "0123456789") == strlen(text) && strlen(text) <= 12)
        return (int64_t)strtoll(text, NULL, 10) * 1000;
    if (((end = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm)) ||
         (end = strptime(text, "%Y-%m-%dT%H:%M", &tm))) &&
        strcmp(end, "Z") == 0)
        return (int64_t)timegm(&tm) * 1000;
    return -1;
}

/* "127.0.0.1:8080->80, 8081->81" into @buf. */
static void ports_text(const ukiyo_deployment *d, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < ukiyo_deployment_port_count(d) && used < size; i++) {
        ukiyo_port_binding b = ukiyo_deployment_port(d, i);
        const char *sep = i ? ", " : "";
        int n = !b.host_ip ? snprintf(buf + used, size - used, "%s%d->%d", sep, b.host_port,
                                      b.container_port)
                : strchr(b.host_ip, ':') ? snprintf(buf + used, size - used, "%s[%s]:%d->%d", sep,
                                                    b.host_ip, b.host_port, b.container_port)
                                         : snprintf(buf + used, size - used, "%s%s:%d->%d", sep,
                                                    b.host_ip, b.host_port, b.container_port);
        used += n > 0 ? (size_t)n : 0;
    }
}

static int list_deployments(const ctl_options *opts, ukiyo *u)
{
    static const char *const headings[] = {"NAME", "CONTAINER", "PORTS", "SCHEDULED", "WINDOW"};
    ukiyo_deployment_list *list = NULL;
    int err = ukiyo_deployments_list(&list, u);

    if (err < 0)
        return ctl_fail("deploy", err);
    json_t *rows = json_array();
    ctl_table *table = ctl_table_new(5, headings);
    for (size_t i = 0; i < ukiyo_deployment_list_count(list); i++) {
        const ukiyo_deployment *d = ukiyo_deployment_list_get(list, i);
        char *text = NULL, ports[512], when[32], scheduled[64];
        if (ukiyo_deployment_json(&text, d) == 0)
            json_array_append_new(rows, json_loads(text, 0, NULL));
        ukiyo_string_free(text);
        ports_text(d, ports, sizeof(ports));
        ctl_format_time(ukiyo_deployment_scheduled_at_ms(d), when, sizeof(when));
        snprintf(scheduled, sizeof(scheduled), "%s", "at once");
        if (ukiyo_deployment_scheduled_downtime(d))
            snprintf(scheduled, sizeof(scheduled), "at %s", when);
        const char *window = ukiyo_deployment_window(d);
        const char *cells[] = {ukiyo_deployment_name(d), ukiyo_deployment_container(d),
                               ports[0] ? ports : "-", scheduled, window ? window : "-"};
        ctl_table_add(table, cells);
    }
    ctl_print_listing(opts, rows, table);
    ukiyo_deployment_list_free(list);
    return EXIT_OK;
}

/* The deployment named @name (its name, its container's, or its repository as typed), or NULL. */
static const ukiyo_deployment *find_deployment(const ukiyo_deployment_list *list, const char *name)
{
    ukiyo_image_ref *ref = NULL;
    char *tagged = NULL, full[600] = "";

    if (asprintf(&tagged, "%s:latest", name) >= 0 && ukiyo_image_ref_parse(&ref, tagged) == 0)
        snprintf(full, sizeof(full), "%s/%s", ukiyo_image_ref_registry(ref),
                 ukiyo_image_ref_repository(ref));
    ukiyo_error_clear();
    ukiyo_image_ref_free(ref);
    free(tagged);
    for (size_t i = 0; i < ukiyo_deployment_list_count(list); i++) {
        const ukiyo_deployment *d = ukiyo_deployment_list_get(list, i);
        if (strcmp(ukiyo_deployment_name(d), name) == 0 ||
            strcmp(ukiyo_deployment_container(d), name) == 0 ||
            strcmp(ukiyo_deployment_name(d), full) == 0)
            return d;
    }
    return NULL;
}

/* @a's options over @spec (which holds what is saved, for edit). */
static int apply_args(const deploy_args *a, ukiyo_deployment_spec *spec, ukiyo_port_binding *ports,
                      char (*ips)[INET6_ADDRSTRLEN + 1])
{
    if (a->container)
        spec->container = a->container;
    if (a->window)
        spec->window = a->window[0] ? a->window : NULL;
    if (a->at) {
        int64_t at = parse_time(a->at);
        if (at < 0) {
            fprintf(stderr,
                    "ukiyoctl: deploy: --at is unix seconds or a UTC time like "
                    "2026-12-03T03:00Z, not %s\n",
                    a->at);
            return EXIT_USAGE;
        }
        spec->scheduled_at_ms = at;
    }
    if (a->downtime || a->no_downtime)
        spec->scheduled_downtime = a->downtime;
    if (spec->scheduled_downtime && spec->scheduled_at_ms == 0) {
        fprintf(stderr, "ukiyoctl: deploy: --downtime needs --at\n");
        return EXIT_USAGE;
    }
    if (a->ports_given) {
        for (size_t i = 0; i < a->port_count; i++)
            if (!parse_port(a->port_texts[i], &ports[i], ips[i])) {
                fprintf(stderr,
                        "ukiyoctl: deploy: --port is [HOST_IP:]HOST_PORT:CONTAINER_PORT, "
                        "not %s\n",
                        a->port_texts[i]);
                return EXIT_USAGE;
            }
        spec->ports = ports;
        spec->port_count = a->port_count;
    }
    return EXIT_OK;
}

/* save REPOSITORY (a new one) or edit NAME (only what is given changes). */
static int save_deployment(ukiyo *u, const char *name, const deploy_args *a, bool edit)
{
    ukiyo_deployment_spec spec = UKIYO_DEPLOYMENT_SPEC_INIT;
    ukiyo_port_binding ports[PORTS_MAX];
    char ips[PORTS_MAX][INET6_ADDRSTRLEN + 1];
    ukiyo_deployment_list *list = NULL;
    int err = 0, rc;

    spec.repository = name;
    if (edit) {
        const ukiyo_deployment *d = NULL;
        if ((err = ukiyo_deployments_list(&list, u)) < 0)
            return ctl_fail("deploy", err);
        if (!(d = find_deployment(list, name))) {
            fprintf(stderr, "ukiyoctl: deploy: %s: no such deployment\n", name);
            ukiyo_deployment_list_free(list);
            return EXIT_FAILED;
        }
        spec.repository = ukiyo_deployment_name(d);
        spec.container = ukiyo_deployment_container(d);
        spec.window = ukiyo_deployment_window(d);
        spec.scheduled_at_ms = ukiyo_deployment_scheduled_at_ms(d);
        spec.scheduled_downtime = ukiyo_deployment_scheduled_downtime(d);
        spec.port_count = ukiyo_deployment_port_count(d);
        if (spec.port_count > PORTS_MAX && !a->ports_given) {
            fprintf(stderr, "ukiyoctl: deploy: %s has more than %d ports: give them with -p\n",
                    name, PORTS_MAX);
            ukiyo_deployment_list_free(list);
            return EXIT_FAILED;
        }
        for (size_t i = 0; i < spec.port_count && i < PORTS_MAX; i++)
            ports[i] = ukiyo_deployment_port(d, i);
        spec.ports = ports;
    }
    rc = apply_args(a, &spec, ports, ips);
    if (rc == EXIT_OK && (err = ukiyo_deployment_save(u, &spec, edit)) == 0)
        printf("%s: %s\n", spec.repository, edit ? "deployment updated" : "deployment saved");
    ukiyo_deployment_list_free(list);
    if (rc != EXIT_OK)
        return rc;
    return err < 0 ? ctl_fail("deploy", err) : EXIT_OK;
}

static int remove_deployment(ukiyo *u, const char *name)
{
    ukiyo_deployment_list *list = NULL;
    int err = ukiyo_deployments_list(&list, u);
    const ukiyo_deployment *d = err == 0 ? find_deployment(list, name) : NULL;

    if (err == 0)
        err = ukiyo_deployment_delete(u, d ? ukiyo_deployment_name(d) : name);
    if (err == 0)
        printf("%s: deployment removed (its container stays)\n", name);
    ukiyo_deployment_list_free(list);
    return err < 0 ? ctl_fail("deploy", err) : EXIT_OK;
}

static int run_deploy(const ctl_options *opts, int argc, char **argv)
{
    static const struct option longopts[] = {{"name", required_argument, NULL, 'N'},
                                             {"port", required_argument, NULL, 'p'},
                                             {"no-ports", no_argument, NULL, 'P'},
                                             {"at", required_argument, NULL, 'a'},
                                             {"downtime", no_argument, NULL, 'd'},
                                             {"no-downtime", no_argument, NULL, 'D'},
                                             {"window", required_argument, NULL, 'w'},
                                             {NULL, 0, NULL, 0}};
    deploy_args a = {0};
    int c;

    while ((c = getopt_long(argc, argv, "p:", longopts, NULL)) != -1) {
        switch (c) {
        case 'N': a.container = optarg; break;
        case 'p':
            if (a.port_count == PORTS_MAX) {
                fprintf(stderr, "ukiyoctl: deploy: at most %d ports\n", PORTS_MAX);
                return EXIT_USAGE;
            }
            a.port_texts[a.port_count++] = optarg;
            a.ports_given = true;
            break;
        case 'P': a.ports_given = true; break;
        case 'a': a.at = optarg; break;
        case 'd': a.downtime = true; break;
        case 'D': a.no_downtime = true; break;
        case 'w': a.window = optarg; break;
        default: ctl_usage(&cmd_deploy, stderr); return EXIT_USAGE;
        }
    }
    ctl_verb v = ctl_verb_of(argc, argv, optind);
    const char *verb = v.verb;
    int left = v.count;
    char **args = v.args;
    bool ok =
        (strcmp(verb, "list") == 0 && left == 0) ||
        ((strcmp(verb, "save") == 0 || strcmp(verb, "edit") == 0 || strcmp(verb, "remove") == 0) &&
         left == 1);
    if (!ok || (a.downtime && a.no_downtime)) {
        ctl_usage(&cmd_deploy, stderr);
        return EXIT_USAGE;
    }
    ukiyo *u = ctl_open_with_store(opts);
    if (!u)
        return EXIT_FAILED;
    int rc;
    if (strcmp(verb, "list") == 0)
        rc = list_deployments(opts, u);
    else if (strcmp(verb, "remove") == 0)
        rc = remove_deployment(u, args[0]);
    else
        rc = save_deployment(u, args[0], &a, strcmp(verb, "edit") == 0);
    ukiyo_close(u);
    return rc;
}

const ctl_command cmd_deploy = {
    .name = "deploy",
    .summary = "List, save, edit and remove scheduled deployments",
    .usage = "Usage: ukiyoctl deploy [list] [--json]\n"
             "       ukiyoctl deploy save REPOSITORY [-p [HOST_IP:]HOST_PORT:CONTAINER_PORT]...\n"
             "                            [--name CONTAINER] [--at TIME [--downtime]]\n"
             "                            [--window CRON]\n"
             "       ukiyoctl deploy edit NAME [the same options] [--no-ports] [--no-downtime]\n"
             "       ukiyoctl deploy remove NAME\n\n"
             "The records ukiyod's /save-repository-scheduled-time routes keep, in the same\n"
             "store (--db). A push to REPOSITORY (registry/repository, no tag) makes ukiyod\n"
             "create its container (CONTAINER, else the repository's last component) with\n"
             "the ports given, or update it: at once, or with --downtime at TIME (unix\n"
             "seconds or a UTC time like 2026-12-03T03:00Z), and only inside --window.\n"
             "NAME is the repository, the deployment's name or its container's.\n\n"
             "  -p, --port  a host port for a container port, as docker run -p writes it\n"
             "              (127.0.0.1:8080:80, [::1]:8080:80, 8080:80); repeat for more\n"
             "  edit        changes only what it is given; -p replaces every port,\n"
             "              --no-ports removes them, an empty --window removes it\n"
             "  remove      the deployment; its container stays\n"
             "  --json      list: the objects /api/v1/deployments answers\n",
    .run = run_deploy,
};
