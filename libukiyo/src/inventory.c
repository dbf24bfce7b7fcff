/*
 * inventory.c - the engine's containers and images as its event stream
 * last told them (ukiyo/inventory.h).
 *
 * What is kept: each container's inspect document and each image's, as
 * JSON text (jansson's reference counts are not for sharing between
 * threads), by ID. An event about a container forgets its document; any
 * image event forgets every image (pulls, tags and pushes change
 * RepoDigests, and are rare). Nothing is trusted while the stream is not
 * followed: a handle then asks the engine as it would without an inventory.
 *
 * A scan that asked the engine while an event arrived must not keep what
 * it read: every change bumps a generation, and a document is kept only if
 * the generation is the one from before the question.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker_private.h"
#include "inventory_private.h"

#define BUCKETS 1024

typedef struct entry {
    char *id;
    char *json;
    struct entry *next;
} entry;

typedef struct {
    entry *buckets[BUCKETS];
} doc_map;

struct ukiyo_inventory {
    pthread_mutex_t lock;
    doc_map containers, images; /* under lock, as all that follows */
    bool following;
    bool stop;
    uint64_t generation;
    uint64_t changes;
    uint64_t served; /* documents answered from here, not the engine */
};

static size_t bucket_of(const char *id)
{
    size_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % BUCKETS;
}

static void map_clear(doc_map *m)
{
    for (size_t i = 0; i < BUCKETS; i++) {
        for (entry *e = m->buckets[i], *next; e; e = next) {
            next = e->next;
            free(e->id);
            free(e->json);
            free(e);
        }
        m->buckets[i] = NULL;
    }
}

static entry **map_find(doc_map *m, const char *id)
{
    entry **at = &m->buckets[bucket_of(id)];
    while (*at && strcmp((*at)->id, id) != 0)
        at = &(*at)->next;
    return at;
}

static void map_forget(doc_map *m, const char *id)
{
    entry **at = map_find(m, id), *e = *at;
    if (!e)
        return;
    *at = e->next;
    free(e->id);
    free(e->json);
    free(e);
}

/* Keep @json (taken) for @id; dropped when out of memory: the next scan asks again. */
static void map_put(doc_map *m, const char *id, char *json)
{
    entry **at = map_find(m, id);
    if (*at) {
        free((*at)->json);
        (*at)->json = json;
        return;
    }
    entry *e = calloc(1, sizeof(*e));
    if (!e || !(e->id = strdup(id))) {
        free(e);
        free(json);
        return;
    }
    e->json = json;
    *at = e;
}

UKIYO_EXTERN int ukiyo_inventory_new(ukiyo_inventory **out)
{
    ukiyo_inventory *inv = calloc(1, sizeof(*inv));

    if (!out)
        return ukiyo__error_set(UKIYO_EINVAL, "inventory: NULL argument");
    if (!inv || pthread_mutex_init(&inv->lock, NULL) != 0) {
        free(inv);
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    }
    *out = inv;
    return 0;
}

UKIYO_EXTERN void ukiyo_inventory_free(ukiyo_inventory *inv)
{
    if (!inv)
        return;
    map_clear(&inv->containers);
    map_clear(&inv->images);
    pthread_mutex_destroy(&inv->lock);
    free(inv);
}

/* ---- following the stream ---------------------------------------------- */

typedef struct {
    ukiyo_inventory *inv;
    ukiyo_inventory_fn fn;
    void *payload;
} follow_run;

static bool told_to_stop(void *payload)
{
    follow_run *run = payload;
    pthread_mutex_lock(&run->inv->lock);
    bool stop = run->inv->stop;
    pthread_mutex_unlock(&run->inv->lock);
    return stop;
}

/* What one event changes. Events of other kinds and bad lines are passed by. */
static int on_event(const char *line, size_t len, void *payload)
{
    follow_run *run = payload;
    ukiyo_inventory *inv = run->inv;
    json_t *ev = json_loadb(line, len, 0, NULL);
    const char *type = json_string_value(json_object_get(ev, "Type"));
    const char *action = json_string_value(json_object_get(ev, "Action"));
    json_t *actor = json_object_get(ev, "Actor");
    const char *id = json_string_value(json_object_get(actor, "ID"));
    const char *name =
        json_string_value(json_object_get(json_object_get(actor, "Attributes"), "name"));

    if (!type || !action) {
        json_decref(ev);
        return 0;
    }
    bool container = strcmp(type, "container") == 0;
    /* exec_create, exec_start, exec_die: a command run inside changes nothing inspect shows. */
    bool exec = strncmp(action, "exec_", 5) == 0;
    bool tell = container && (strcmp(action, "start") == 0 || strcmp(action, "rename") == 0 ||
                              strcmp(action, "destroy") == 0 || strcmp(action, "update") == 0);
    pthread_mutex_lock(&inv->lock);
    if (container && !exec && id) {
        map_forget(&inv->containers, id);
        inv->generation++;
    } else if (strcmp(type, "image") == 0) {
        map_clear(&inv->images);
        inv->generation++;
    }
    if (container && (strcmp(action, "start") == 0 || strcmp(action, "rename") == 0))
        inv->changes++;
    pthread_mutex_unlock(&inv->lock);
    if (tell && run->fn)
        run->fn(action, id, name, run->payload);
    json_decref(ev);
    return 0;
}

static void set_following(ukiyo_inventory *inv, bool following)
{
    pthread_mutex_lock(&inv->lock);
    map_clear(&inv->containers);
    map_clear(&inv->images);
    inv->generation++;
    inv->following = following;
    pthread_mutex_unlock(&inv->lock);
}

UKIYO_EXTERN int ukiyo_inventory_follow(ukiyo_inventory *inv, ukiyo_docker *docker,
                                        ukiyo_inventory_fn fn, void *payload)
{
    follow_run run = {inv, fn, payload};

    if (!inv || !docker)
        return ukiyo__error_set(UKIYO_EINVAL, "inventory: NULL argument");
    if (told_to_stop(&run))
        return 0;
    /*
     * From a second before: whatever a scan reads from now on, a change
     * after it is an event this stream replays, even one the engine had
     * before it accepted the request.
     */
    char *filters = ukiyo__http_escape("{\"type\":[\"container\",\"image\"]}");
    char *path = filters ? ukiyo__str_printf("/events?since=%lld&filters=%s",
                                             (long long)time(NULL) - 1, filters)
                         : NULL;
    free(filters);
    if (!path)
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    set_following(inv, true);
    int err = ukiyo__docker_follow(docker, path, on_event, told_to_stop, &run);
    set_following(inv, false);
    free(path);
    if (told_to_stop(&run)) {
        ukiyo_error_clear();
        return 0;
    }
    return err < 0 ? err : ukiyo__error_set(UKIYO_ECONNECT, "the engine ended its event stream");
}

UKIYO_EXTERN void ukiyo_inventory_stop(ukiyo_inventory *inv)
{
    if (!inv)
        return;
    pthread_mutex_lock(&inv->lock);
    inv->stop = true;
    pthread_mutex_unlock(&inv->lock);
}

UKIYO_EXTERN int ukiyo_inventory_following(ukiyo_inventory *inv)
{
    if (!inv)
        return 0;
    pthread_mutex_lock(&inv->lock);
    bool following = inv->following;
    pthread_mutex_unlock(&inv->lock);
    return following;
}

UKIYO_EXTERN uint64_t ukiyo_inventory_changes(ukiyo_inventory *inv)
{
    if (!inv)
        return 0;
    pthread_mutex_lock(&inv->lock);
    uint64_t n = inv->changes;
    pthread_mutex_unlock(&inv->lock);
    return n;
}

/* ---- what scans read ----------------------------------------------------- */

/*
 * Is @key a container's ID (64 hex digits), as its events name it? Only
 * those are kept: an answer asked by name would outlive a rename or a new
 * container under the old name. Images are kept by ID or reference alike:
 * any image event (pull, tag, untag, delete) forgets them all.
 */
static bool is_container_id(const char *key)
{
    size_t n = strspn(key, "0123456789abcdef");
    return n == 64 && key[n] == '\0';
}

/*
 * The document of @id in @map, when following and known (a new copy), with
 * the generation to keep an answer under (*@generation_out).
 */
static char *known(ukiyo_inventory *inv, doc_map *map, const char *id, uint64_t *generation_out)
{
    char *json = NULL;

    pthread_mutex_lock(&inv->lock);
    if (inv->following) {
        entry *e = *map_find(map, id);
        json = e ? strdup(e->json) : NULL;
        if (json)
            inv->served++;
    }
    *generation_out = inv->generation;
    pthread_mutex_unlock(&inv->lock);
    return json;
}

/* Keep @json (a copy) for @id unless something changed since @generation. */
static void remember(ukiyo_inventory *inv, doc_map *map, const char *id, const char *json,
                     uint64_t generation)
{
    pthread_mutex_lock(&inv->lock);
    if (inv->following && inv->generation == generation)
        map_put(map, id, strdup(json));
    pthread_mutex_unlock(&inv->lock);
}

int ukiyo__inventory_inspect(ukiyo_inventory *inv, ukiyo_docker *d, const char *id,
                             ukiyo_container **out)
{
    uint64_t generation = 0;
    if (!is_container_id(id))
        inv = NULL;
    char *json = inv ? known(inv, &inv->containers, id, &generation) : NULL;

    if (json) {
        json_t *doc = json_loads(json, 0, NULL);
        free(json);
        *out = doc ? ukiyo__container_from_json(doc, true) : NULL;
        return *out ? 0 : ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    }
    int err = ukiyo_docker_container_inspect(out, d, id);
    if (err == 0 && inv)
        remember(inv, &inv->containers, id, ukiyo_container_json(*out), generation);
    return err;
}

int ukiyo__inventory_image(ukiyo_inventory *inv, ukiyo_docker *d, const char *image_id,
                           ukiyo_image_info **out)
{
    uint64_t generation = 0;
    char *json = inv ? known(inv, &inv->images, image_id, &generation) : NULL;

    if (json) {
        int err = ukiyo__image_info_from_text(out, json);
        free(json);
        return err;
    }
    int err = ukiyo_docker_image_inspect(out, d, image_id);
    if (err == 0 && inv)
        remember(inv, &inv->images, image_id, ukiyo_image_info_json(*out), generation);
    return err;
}
