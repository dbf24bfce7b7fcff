/*
 * testlib.h - what the Check suites share: test data paths, running the
 * suite, and (for integration suites) the real engine and registry.
 */
#ifndef UKIYO_TESTLIB_H
#define UKIYO_TESTLIB_H

#include <check.h>
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

/* Path of a file under tests/data (meson sets UKIYO_TEST_DATA). New string. */
char *test_data_path(const char *name);
/* Contents of a file under tests/data. New string; fails the test when missing. */
char *test_data_read(const char *name);

/* Run one suite; returns the process exit status (0 when all passed). */
int test_run_suite(Suite *s);

/* ---- integration: the real engine and the loopback registry ---- */

/* A loopback TCP port that was free a moment ago. */
int test_free_port(void);

/* "127.0.0.1:5000" unless UKIYO_TEST_REGISTRY says otherwise. */
const char *test_registry(void);
/* A name no other test or run uses: "ukiyo-test-<pid>-<n>-<word>". New string. */
char *test_unique_name(const char *word);
/* "2026-03-29T01:00:00Z" as milliseconds since the epoch. */
int64_t test_ms_of(const char *iso);
/*
 * Run a shell command (docker CLI, tests/env scripts); returns its exit
 * status. Its output is captured into @out (new string) when @out is non-NULL,
 * else sent to stderr.
 */
int test_sh(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Fail the test unless the engine answers: the environment is not set up. */
void test_require_engine(void);
/*
 * Push local test image @local (e.g. "ukiyo-test/http:v1") to the loopback
 * registry as @repo:@tag; returns the pushed reference (new string).
 */
char *test_push(const char *local, const char *repo, const char *tag);
/*
 * Remove the containers named in @names (space-separated) and the volumes they
 * mount, the re-mounted anonymous ones included. Networks are left.
 */
void test_remove_containers(const char *names);
/*
 * "/tmp/ukiyo-test-RUN-PID-@word" in @buf: a file of this test that the
 * suite's last sweep removes even when the test failed before its teardown.
 */
void test_tmp_path(char *buf, size_t size, const char *word);
/* Remove every container and image this process created (by label and name prefix). */
void test_cleanup(void);

#endif
