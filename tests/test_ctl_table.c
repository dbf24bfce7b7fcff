/*
 * test_ctl_table.c - ukiyoctl's text tables: aligned columns, and the
 * narrow listing's fit to 100 columns (which column gives way first, how
 * a cut cell reads). Needs nothing running.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ukiyoctl/ukiyoctl.h"
#include "testlib.h"

/* The table as printed, and the widest line's length. */
static char *printed(ctl_table *t, size_t *widest)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    ck_assert_ptr_nonnull(f);
    ctl_table_print(t, f);
    fclose(f);
    *widest = 0;
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        if (n > *widest)
            *widest = n;
        line = end ? end + 1 : line + n;
    }
    return text;
}

static const char *const heads[] = {"NAME", "IMAGE", "STATE"};

START_TEST(columns_align_and_fit_leaves_a_narrow_table_alone)
{
    ctl_table *t = ctl_table_new(3, heads);
    const char *row[] = {"web", "registry.example/shop/web:1.2", "running"};
    const ctl_give_way give[] = {{1, 10, CTL_CUT_KEEP_END}};
    size_t widest;

    ctl_table_add(t, row);
    ctl_table_fit(t, 100, give, 1);
    char *text = printed(t, &widest);
    ck_assert_str_eq(text, "NAME   IMAGE                           STATE\n"
                           "web    registry.example/shop/web:1.2   running\n");
    free(text);
    ctl_table_free(t);
}
END_TEST

START_TEST(the_image_gives_way_first_keeping_its_tag)
{
    ctl_table *t = ctl_table_new(3, heads);
    const char *row[] = {"a-rather-long-container-name",
                         "registry.example:5000/a/deeply/nested/repository/name:v1.2.3", "running"};
    const ctl_give_way give[] = {{1, 10, CTL_CUT_KEEP_END}, {0, 24, CTL_CUT_KEEP_ENDS}};
    size_t widest;

    ctl_table_add(t, row);
    ctl_table_fit(t, 60, give, 2);
    char *text = printed(t, &widest);
    ck_assert_uint_eq(widest, 60);
    ck_assert_msg(strstr(text, "a-rather-long-container-name   ..."), "%s", text);
    ck_assert_msg(strstr(text, "name:v1.2.3   running"), "%s", text);
    free(text);
    ctl_table_free(t);
}
END_TEST

START_TEST(a_column_cut_in_its_middle_keeps_both_ends)
{
    ctl_table *t = ctl_table_new(3, heads);
    const char *row[] = {"project-with-a-long-name_the-service-name_12",
                         "registry.example:5000/shop/web:v1.2.3", "restarting"};
    const ctl_give_way give[] = {{1, 10, CTL_CUT_KEEP_END}, {0, 24, CTL_CUT_KEEP_ENDS}};
    size_t widest;

    ctl_table_add(t, row);
    ctl_table_fit(t, 40, give, 2);
    char *text = printed(t, &widest);
    /* Both at their least: 24 + 3 + 10 + 3 + 10 = 50, past 40 but no further cut. */
    ck_assert_uint_eq(widest, 50);
    ck_assert_msg(strstr(text, "project-wit...ce-name_12   ...:v1.2.3   restarting"), "%s", text);
    free(text);
    ctl_table_free(t);
}
END_TEST

START_TEST(a_column_is_never_cut_below_its_heading)
{
    static const char *const wide_heads[] = {"NAME", "A LONG HEADING"};
    ctl_table *t = ctl_table_new(2, wide_heads);
    const char *row[] = {"n", "a cell longer than its heading by far"};
    const ctl_give_way give[] = {{1, 4, CTL_CUT_KEEP_ENDS}};
    size_t widest;

    ctl_table_add(t, row);
    ctl_table_fit(t, 10, give, 1);
    char *text = printed(t, &widest);
    ck_assert_uint_eq(widest, 4 + 3 + strlen("A LONG HEADING"));
    free(text);
    ctl_table_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ctl_table");
    TCase *tc = tcase_create("ctl_table");

    tcase_add_test(tc, columns_align_and_fit_leaves_a_narrow_table_alone);
    tcase_add_test(tc, the_image_gives_way_first_keeping_its_tag);
    tcase_add_test(tc, a_column_cut_in_its_middle_keeps_both_ends);
    tcase_add_test(tc, a_column_is_never_cut_below_its_heading);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
