/*
 * test_image.c - image references: Docker's grammar and normalisation.
 * The cases live in tests/data/references/{valid,invalid}.tsv.
 */
#include <stdlib.h>
#include <string.h>
#include <ukiyo.h>

#include "testlib.h"

/* Calls @fn for each non-comment line of a TSV file, split into at most 3 fields. */
static int for_each_case(const char *file, void (*fn)(char **fields, int n))
{
    char *text = test_data_read(file);
    char *save = NULL;
    int count = 0;

    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *fields[3] = {0};
        int n = 0;
        if (line[0] == '#')
            continue;
        /* strsep keeps empty fields (the empty reference is a case). */
        for (char *p = line; p && n < 3;)
            fields[n++] = strsep(&p, "\t");
        fn(fields, n);
        count++;
    }
    free(text);
    return count;
}

static void check_valid(char **f, int n)
{
    ukiyo_image_ref *ref = NULL;

    ck_assert_int_eq(n, 3);
    int err = ukiyo_image_ref_parse(&ref, f[0]);
    ck_assert_msg(err == 0, "\"%s\" refused: %s", f[0], ukiyo_error_last());
    ck_assert_str_eq(ukiyo_image_ref_string(ref), f[1]);
    ck_assert_str_eq(ukiyo_image_ref_familiar(ref), f[2]);
    /* Normalising the normal form changes nothing. */
    ukiyo_image_ref *again = NULL;
    ck_assert_int_eq(ukiyo_image_ref_parse(&again, ukiyo_image_ref_string(ref)), 0);
    ck_assert_str_eq(ukiyo_image_ref_string(again), f[1]);
    ukiyo_image_ref_free(again);
    ukiyo_image_ref_free(ref);
}

static void check_invalid(char **f, int n)
{
    ukiyo_image_ref *ref = (ukiyo_image_ref *)0x1; /* must stay untouched */

    ck_assert_int_eq(n, 2);
    int err = ukiyo_image_ref_parse(&ref, f[0]);
    ck_assert_msg(err == UKIYO_EINVAL, "\"%.80s\" accepted", f[0]);
    ck_assert_ptr_eq(ref, (ukiyo_image_ref *)0x1);
    ck_assert_msg(strstr(ukiyo_error_last(), f[1]), "\"%.80s\": error \"%s\" lacks \"%s\"", f[0],
                  ukiyo_error_last(), f[1]);
}

START_TEST(valid_references_normalise_like_docker)
{
    ck_assert_int_ge(for_each_case("references/valid.tsv", check_valid), 50);
}
END_TEST

START_TEST(malformed_references_are_refused_with_the_reason)
{
    ck_assert_int_ge(for_each_case("references/invalid.tsv", check_invalid), 30);
}
END_TEST

START_TEST(parts_are_split_out)
{
    ukiyo_image_ref *ref = NULL;

    ck_assert_int_eq(ukiyo_image_ref_parse(&ref, "localhost:5000/team/app:v2@sha256:"
                                                 "0123456789abcdef0123456789abcdef"
                                                 "0123456789abcdef0123456789abcdef"),
                     0);
    ck_assert_str_eq(ukiyo_image_ref_registry(ref), "localhost:5000");
    ck_assert_str_eq(ukiyo_image_ref_repository(ref), "team/app");
    ck_assert_str_eq(ukiyo_image_ref_tag(ref), "v2");
    ck_assert_str_eq(ukiyo_image_ref_name(ref), "localhost:5000/team/app");
    ck_assert_str_eq(ukiyo_image_ref_digest(ref),
                     "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    ukiyo_image_ref_free(ref);
}
END_TEST

START_TEST(digest_only_reference_has_no_tag)
{
    ukiyo_image_ref *ref = NULL;

    ck_assert_int_eq(ukiyo_image_ref_parse(&ref, "nginx@sha256:0123456789abcdef0123456789abcdef"
                                                 "0123456789abcdef0123456789abcdef"),
                     0);
    ck_assert_ptr_null(ukiyo_image_ref_tag(ref));
    ck_assert_str_eq(ukiyo_image_ref_repository(ref), "library/nginx");
    ukiyo_image_ref_free(ref);
}
END_TEST

START_TEST(same_tag_compares_normalised_names)
{
    ukiyo_image_ref *a = NULL, *b = NULL, *c = NULL, *d = NULL;

    ck_assert_int_eq(ukiyo_image_ref_parse(&a, "nginx"), 0);
    ck_assert_int_eq(ukiyo_image_ref_parse(&b, "index.docker.io/library/nginx:latest"), 0);
    ck_assert_int_eq(ukiyo_image_ref_parse(&c, "localhost:5000/app:latest"), 0);
    ck_assert_int_eq(ukiyo_image_ref_parse(&d, "127.0.0.1:5000/app:latest"), 0);
    ck_assert(ukiyo_image_ref_same_tag(a, b));
    ck_assert(!ukiyo_image_ref_same_tag(a, c));
    /* Different hosts are different registries, even when both are loopback. */
    ck_assert(!ukiyo_image_ref_same_tag(c, d));
    ck_assert(!ukiyo_image_ref_same_tag(a, NULL));
    ukiyo_image_ref_free(a);
    ukiyo_image_ref_free(b);
    ukiyo_image_ref_free(c);
    ukiyo_image_ref_free(d);
}
END_TEST

START_TEST(null_arguments_are_refused)
{
    ukiyo_image_ref *ref = NULL;

    ck_assert_int_eq(ukiyo_image_ref_parse(&ref, NULL), UKIYO_EINVAL);
    ck_assert_int_eq(ukiyo_image_ref_parse(NULL, "nginx"), UKIYO_EINVAL);
    ukiyo_image_ref_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("image");
    TCase *tc = tcase_create("references");

    tcase_add_test(tc, valid_references_normalise_like_docker);
    tcase_add_test(tc, malformed_references_are_refused_with_the_reason);
    tcase_add_test(tc, parts_are_split_out);
    tcase_add_test(tc, digest_only_reference_has_no_tag);
    tcase_add_test(tc, same_tag_compares_normalised_names);
    tcase_add_test(tc, null_arguments_are_refused);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
