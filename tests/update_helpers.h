/*
 * update_helpers.h - what the update suites (test_update*.c) share: a
 * library handle with a store of its own per test, and helpers that push
 * images, update and look at containers through the real engine.
 */
#ifndef UKIYO_UPDATE_HELPERS_H
#define UKIYO_UPDATE_HELPERS_H

#include <jansson.h>
#include <ukiyo.h>

/* The handle and its database, made by update_setup for each test. */
extern ukiyo *u;
extern char db_path[128];

/* Checked fixture: the engine must answer; opens @u on a fresh store. */
void update_setup(void);
/* Closes @u, removes the store and everything the test made. */
void update_teardown(void);

/* A repository of this test's own with @local pushed as :latest; the reference (new). */
char *push_repo(const char *local, char **repo_out);
/* Update @name (minimum uptime 1 s, health timeout 20 s); fails the test on an error. */
ukiyo_update_result *update_with(const char *name, ukiyo_strategy strategy);
/* The container's inspect document (new reference). */
json_t *inspect(const char *name);
/* Its full ID (new string). */
char *container_id(const char *name);
/* What a container serves on 8080, read from inside it. New string. */
char *served(const char *name);
/* Exactly one container carries @name or one of the transaction's temporary names. */
void assert_one_container_named(const char *name);

#endif
