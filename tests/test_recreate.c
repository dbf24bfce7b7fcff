/*
 * test_recreate.c - the recreate module alone: from stored inspect
 * documents (tests/data/inspect, made by its capture.sh on a real engine)
 * to the create body of the container that replaces them. No engine:
 * what update_fidelity checks through real containers, checked here field
 * by field, fast enough for the sanitizers and valgrind.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "recreate.h"
#include "testlib.h"

#define NEW_REF "ukiyo-test/http:v3"

static json_t *load(const char *name)
{
    char file[128];
    snprintf(file, sizeof(file), "inspect/%s.json", name);
    char *text = test_data_read(file);
    json_error_t err;
    json_t *doc = json_loads(text, 0, &err);
    ck_assert_msg(doc, "%s: %s", file, err.text);
    free(text);
    return doc;
}

typedef struct {
    json_t *container, *image, *spec, *extra;
} recreated;

/* Recreate case @name against its image (NULL: the old image is gone). */
static recreated run(const char *name, const char *image, int api_minor,
                     const char *const *inherited)
{
    recreated r = {load(name), image ? load(image) : NULL, NULL, NULL};
    recreate_input in = {r.container, r.image, NEW_REF, api_minor, inherited, NULL};
    ck_assert_msg(ukiyo__recreate_spec(&in, &r.spec, &r.extra) == 0, "%s: %s", name,
                  ukiyo_error_last());
    return r;
}

static void done(recreated *r)
{
    json_decref(r->container);
    json_decref(r->image);
    json_decref(r->spec);
    json_decref(r->extra);
}

static json_t *at(json_t *doc, const char *a, const char *b)
{
    json_t *v = json_object_get(doc, a);
    return b ? json_object_get(v, b) : v;
}

static void assert_json(json_t *got, const char *want_text)
{
    json_t *want = json_loads(want_text, JSON_DECODE_ANY, NULL);
    char *got_text =
        got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : strdup("(absent)");
    ck_assert_msg(want, "bad expectation %s", want_text);
    ck_assert_msg(got && json_equal(got, want), "got %s, want %s", got_text, want_text);
    free(got_text);
    json_decref(want);
}

/* The volume name the container's inspect gives for the mount at @dest. */
static const char *volume_at(json_t *container, const char *dest)
{
    json_t *m;
    size_t i;
    json_array_foreach(json_object_get(container, "Mounts"), i, m) {
        if (strcmp(json_string_value(json_object_get(m, "Destination")), dest) == 0)
            return json_string_value(json_object_get(m, "Name"));
    }
    ck_abort_msg("no mount at %s", dest);
    return NULL;
}

static bool binds_have(json_t *spec, const char *bind)
{
    json_t *b;
    size_t i;
    json_array_foreach(at(spec, "HostConfig", "Binds"), i, b) {
        if (strcmp(json_string_value(b), bind) == 0)
            return true;
    }
    return false;
}

START_TEST(plain_container_takes_the_new_images_defaults)
{
    recreated r = run("plain", "http-v2.image", 41, NULL);

    ck_assert_str_eq(json_string_value(at(r.spec, "Image", NULL)), NEW_REF);
    /* All of these came from the old image: the new image's must apply. */
    static const char *const from_image[] = {"Env",        "Cmd",     "WorkingDir",
                                             "StopSignal", "Volumes", "ExposedPorts"};
    for (size_t i = 0; i < sizeof(from_image) / sizeof(from_image[0]); i++)
        ck_assert_msg(!json_object_get(r.spec, from_image[i]) ||
                          json_array_size(json_object_get(r.spec, from_image[i])) == 0,
                      "%s was copied from the old image", from_image[i]);
    /* The image's labels go; the user's stay. */
    assert_json(at(r.spec, "Labels", NULL), "{\"ukiyo.test\": \"capture\"}");
    /* The engine named the host after the old container's short ID. */
    ck_assert_ptr_null(at(r.spec, "Hostname", NULL));
    /* The image's VOLUME is mounted again by name, or its data would be lost. */
    char bind[256];
    snprintf(bind, sizeof(bind), "%s:/data", volume_at(r.container, "/data"));
    ck_assert_msg(binds_have(r.spec, bind), "no %s", bind);
    ck_assert_ptr_nonnull(at(at(r.spec, "NetworkingConfig", "EndpointsConfig"), "bridge", NULL));
    ck_assert_uint_eq(json_array_size(r.extra), 0);
    done(&r);
}
END_TEST

START_TEST(what_the_user_set_is_kept)
{
    recreated r = run("settings", "http-v2.image", 41, NULL);
    json_t *host = at(r.spec, "HostConfig", NULL);

    /* UKIYO_TEST_VERSION=v2 equals the image's own value: taken for the image's default. */
    assert_json(at(r.spec, "Env", NULL), "[\"GIVEN=1\"]");
    assert_json(at(r.spec, "Labels", NULL), "{\"team\": \"web\", \"ukiyo.test\": \"capture\"}");
    assert_json(at(r.spec, "Entrypoint", NULL), "[\"/bin/busybox\"]");
    assert_json(at(r.spec, "Cmd", NULL), "[\"httpd\", \"-f\", \"-p\", \"8080\"]");
    ck_assert_str_eq(json_string_value(at(r.spec, "Hostname", NULL)), "web.example");
    ck_assert_str_eq(json_string_value(at(r.spec, "User", NULL)), "1000:1000");
    ck_assert_str_eq(json_string_value(at(r.spec, "WorkingDir", NULL)), "/tmp");
    assert_json(at(r.spec, "Healthcheck", NULL),
                "{\"Interval\": 5000000000, \"Test\": [\"CMD-SHELL\", \"true\"]}");
    /* A bound port must be exposed, or it is silently not published. */
    ck_assert_ptr_nonnull(at(r.spec, "ExposedPorts", "8080/tcp"));
    ck_assert_ptr_nonnull(at(r.spec, "ExposedPorts", "9090/tcp"));
    assert_json(at(at(host, "PortBindings", NULL), "8080/tcp", NULL),
                "[{\"HostIp\": \"127.0.0.1\", \"HostPort\": \"18080\"}]");
    ck_assert_str_eq(json_string_value(at(host, "RestartPolicy", "Name")), "unless-stopped");
    ck_assert_int_eq(json_integer_value(at(host, "Memory", NULL)), 64 * 1024 * 1024);
    /* Named, bound and anonymous volumes: each mounted where it was. */
    ck_assert(binds_have(r.spec, "cap-data:/srv"));
    ck_assert(binds_have(r.spec, "/tmp:/host-tmp:ro"));
    char bind[256];
    snprintf(bind, sizeof(bind), "%s:/cache", volume_at(r.container, "/cache"));
    ck_assert_msg(binds_have(r.spec, bind), "the anonymous -v /cache is lost");
    snprintf(bind, sizeof(bind), "%s:/data", volume_at(r.container, "/data"));
    ck_assert_msg(binds_have(r.spec, bind), "the image's VOLUME /data is lost");
    ck_assert_uint_eq(json_array_size(at(host, "Binds", NULL)), 4);
    done(&r);
}
END_TEST

START_TEST(networks_before_api_1_44_are_joined_after_create)
{
    recreated r = run("networks", "http-v2.image", 41, NULL);
    json_t *endpoints = at(r.spec, "NetworkingConfig", "EndpointsConfig");

    /* One network at create: the primary (NetworkMode), with its alias. */
    ck_assert_uint_eq(json_object_size(endpoints), 1);
    assert_json(at(at(endpoints, "cap-front", NULL), "Aliases", NULL), "[\"web\"]");
    /* The other after create, without the alias the engine made of the short ID. */
    ck_assert_uint_eq(json_array_size(r.extra), 1);
    json_t *other = json_array_get(r.extra, 0);
    ck_assert_str_eq(json_string_value(json_object_get(other, "Name")), "cap-back");
    assert_json(at(json_object_get(other, "EndpointConfig"), "Aliases", NULL), "[\"api\"]");
    done(&r);
}
END_TEST

START_TEST(networks_from_api_1_44_are_all_given_at_create)
{
    recreated r = run("networks", "http-v2.image", 44, NULL);
    json_t *endpoints = at(r.spec, "NetworkingConfig", "EndpointsConfig");

    ck_assert_uint_eq(json_object_size(endpoints), 2);
    assert_json(at(at(endpoints, "cap-back", NULL), "Aliases", NULL), "[\"api\"]");
    assert_json(at(at(endpoints, "cap-front", NULL), "Aliases", NULL), "[\"web\"]");
    ck_assert_uint_eq(json_array_size(r.extra), 0);
    done(&r);
}
END_TEST

START_TEST(a_shared_network_namespace_takes_its_names)
{
    recreated r = run("shared", "http-v2.image", 41, NULL);

    ck_assert_ptr_null(at(r.spec, "Hostname", NULL));
    ck_assert_ptr_null(at(r.spec, "Domainname", NULL));
    ck_assert_ptr_null(at(r.spec, "NetworkingConfig", NULL));
    ck_assert(
        strncmp(json_string_value(at(r.spec, "HostConfig", "NetworkMode")), "container:", 10) == 0);
    done(&r);
}
END_TEST

START_TEST(links_are_given_as_create_takes_them)
{
    recreated r = run("linked", "http-v2.image", 41, NULL);
    assert_json(at(r.spec, "HostConfig", "Links"), "[\"cap-target:db\"]");
    done(&r);

    /* The target is being replaced by ukiyo (renamed aside): the link is to its name. */
    recreated t = {load("linked"), load("http-v2.image"), NULL, NULL};
    json_object_set_new(json_object_get(t.container, "HostConfig"), "Links",
                        json_pack("[s]", "/cap-target.ukiyo-old:/cap-linked/db"));
    recreate_input in = {t.container, t.image, NEW_REF, 41, NULL, NULL};
    ck_assert_int_eq(ukiyo__recreate_spec(&in, &t.spec, &t.extra), 0);
    assert_json(at(t.spec, "HostConfig", "Links"), "[\"cap-target:db\"]");
    done(&t);
}
END_TEST

/* Compose 2.x compares com.docker.compose.image with the image ID its tag names. */
START_TEST(compose_v2_image_label_names_the_new_image)
{
    recreated t = {load("plain"), load("http-v2.image"), NULL, NULL};
    json_t *labels = json_object_get(json_object_get(t.container, "Config"), "Labels");
    json_object_set_new(labels, UKIYO_LABEL_COMPOSE_PROJECT, json_string("shop"));
    json_object_set_new(labels, UKIYO_LABEL_COMPOSE_IMAGE, json_string("sha256:old"));
    recreate_input in = {.container = t.container,
                         .old_image = t.image,
                         .image_ref = NEW_REF,
                         .api_minor = 41,
                         .new_image_id = "sha256:new"};
    ck_assert_int_eq(ukiyo__recreate_spec(&in, &t.spec, &t.extra), 0);
    ck_assert_str_eq(json_string_value(at(t.spec, "Labels", UKIYO_LABEL_COMPOSE_IMAGE)),
                     "sha256:new");
    ck_assert_str_eq(json_string_value(at(t.spec, "Labels", UKIYO_LABEL_COMPOSE_PROJECT)), "shop");
    done(&t);

    /* Compose 1.x writes no such label: none is added. */
    recreated v1 = {load("plain"), load("http-v2.image"), NULL, NULL};
    in.container = v1.container;
    in.old_image = v1.image;
    ck_assert_int_eq(ukiyo__recreate_spec(&in, &v1.spec, &v1.extra), 0);
    ck_assert_ptr_null(at(v1.spec, "Labels", UKIYO_LABEL_COMPOSE_IMAGE));
    done(&v1);
}
END_TEST

START_TEST(without_the_old_image_everything_is_kept)
{
    recreated r = run("plain", NULL, 41, NULL);

    /* Nothing can be told apart from the image's defaults: keep it all. */
    assert_json(at(r.spec, "Env", NULL), "[\"PATH=/bin\", \"UKIYO_TEST_VERSION=v2\"]");
    assert_json(at(r.spec, "Cmd", NULL),
                "[\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]");
    ck_assert_str_eq(json_string_value(at(r.spec, "Labels", "org.example.version")), "v2");
    done(&r);
}
END_TEST

START_TEST(inherited_volumes_are_not_mounted_again)
{
    json_t *c = load("plain");
    const char *const inherited[] = {volume_at(c, "/data"), NULL};
    recreated r = run("plain", "http-v2.image", 41, inherited);

    ck_assert_uint_eq(json_array_size(at(r.spec, "HostConfig", "Binds")), 0);
    json_decref(c);
    done(&r);
}
END_TEST

START_TEST(a_partly_given_healthcheck_keeps_only_what_was_given)
{
    /*
     * --health-interval 7s --health-retries 2 on an image with a HEALTHCHECK:
     * the engine merged the image's Test, Timeout and StartPeriod in, field
     * by field. Only the two given fields may go to the new container, so
     * that the new image's Test, Timeout and StartPeriod apply, as they
     * would for "docker run" with the same flags.
     */
    recreated r = run("health", "healthy-v2.image", 41, NULL);
    assert_json(at(r.spec, "Healthcheck", NULL), "{\"Interval\": 7000000000, \"Retries\": 2}");
    done(&r);

    /* A field given with the image's own value is taken for the image's. */
    recreated same = {load("health"), load("healthy-v2.image"), NULL, NULL};
    json_object_set_new(json_object_get(json_object_get(same.container, "Config"), "Healthcheck"),
                        "Retries",
                        json_integer(json_integer_value(
                            json_object_get(json_object_get(json_object_get(same.image, "Config"),
                                                            "Healthcheck"),
                                            "Retries"))));
    recreate_input in = {same.container, same.image, NEW_REF, 41, NULL, NULL};
    ck_assert_int_eq(ukiyo__recreate_spec(&in, &same.spec, &same.extra), 0);
    assert_json(at(same.spec, "Healthcheck", NULL), "{\"Interval\": 7000000000}");
    done(&same);
}
END_TEST

START_TEST(what_is_no_inspect_document_is_refused)
{
    static const char *const bad[] = {"{}",
                                      "{\"Config\": {}}",
                                      "{\"HostConfig\": {}}",
                                      "{\"Config\": [], \"HostConfig\": {}}",
                                      "[]",
                                      "null"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *doc = json_loads(bad[i], JSON_DECODE_ANY, NULL), *spec = NULL, *extra = NULL;
        recreate_input in = {doc, NULL, NEW_REF, 41, NULL, NULL};
        ck_assert_int_eq(ukiyo__recreate_spec(&in, &spec, &extra), UKIYO_EINVAL);
        ck_assert_ptr_null(spec);
        json_decref(doc);
    }
    /* No reference to create from. */
    json_t *doc = load("plain"), *spec = NULL, *extra = NULL;
    recreate_input in = {doc, NULL, NULL, 41, NULL, NULL};
    ck_assert_int_eq(ukiyo__recreate_spec(&in, &spec, &extra), UKIYO_EINVAL);
    json_decref(doc);
}
END_TEST

static Suite *recreate_suite(void)
{
    Suite *s = suite_create("recreate");
    TCase *tc = tcase_create("from inspect documents");

    tcase_add_test(tc, plain_container_takes_the_new_images_defaults);
    tcase_add_test(tc, what_the_user_set_is_kept);
    tcase_add_test(tc, networks_before_api_1_44_are_joined_after_create);
    tcase_add_test(tc, networks_from_api_1_44_are_all_given_at_create);
    tcase_add_test(tc, a_shared_network_namespace_takes_its_names);
    tcase_add_test(tc, links_are_given_as_create_takes_them);
    tcase_add_test(tc, without_the_old_image_everything_is_kept);
    tcase_add_test(tc, inherited_volumes_are_not_mounted_again);
    tcase_add_test(tc, a_partly_given_healthcheck_keeps_only_what_was_given);
    tcase_add_test(tc, what_is_no_inspect_document_is_refused);
    tcase_add_test(tc, compose_v2_image_label_names_the_new_image);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(recreate_suite());
}
