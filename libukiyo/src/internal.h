/*
 * internal.h - helpers shared by libukiyo's modules; never installed.
 */
#ifndef UKIYO_INTERNAL_H
#define UKIYO_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "ukiyo.h"

#define UKIYO_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Record the message of a failure for ukiyo_error_last() and return @code. */
int ukiyo_error_set(int code, const char *fmt, ...) UKIYO_PRINTF(2, 3);
/* Prefix the current last error with more context; returns @code. */
int ukiyo_error_wrap(int code, const char *fmt, ...) UKIYO_PRINTF(2, 3);

void ukiyo_log(ukiyo_log_level level, const char *fmt, ...) UKIYO_PRINTF(2, 3);
#define log_error(...) ukiyo_log(UKIYO_LOG_ERROR, __VA_ARGS__)
#define log_warning(...) ukiyo_log(UKIYO_LOG_WARNING, __VA_ARGS__)
#define log_info(...) ukiyo_log(UKIYO_LOG_INFO, __VA_ARGS__)
#define log_debug(...) ukiyo_log(UKIYO_LOG_DEBUG, __VA_ARGS__)

/* printf into a new string; NULL when out of memory. */
char *str_printf(const char *fmt, ...) UKIYO_PRINTF(1, 2);
char *str_vprintf(const char *fmt, va_list ap);
/* strdup that accepts NULL (returns NULL). */
char *str_dup(const char *s);
bool str_has_prefix(const char *s, const char *prefix);
/* Constant-time comparison of two NUL-terminated secrets. */
bool str_equal_secret(const char *a, const char *b);
/* Overwrite a secret before freeing it. */
void str_free_secret(char *s);

/* Growable byte buffer, always NUL-terminated. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} strbuf;

int strbuf_append(strbuf *b, const void *data, size_t len);
void strbuf_free(strbuf *b);

struct ukiyo_string_list {
    char **items;
    size_t count;
    size_t cap;
};
/* Append a copy of @s; 0 or UKIYO_ENOMEM. */
int string_list_append(ukiyo_string_list *list, const char *s);

/*
 * Whether a registry ("host[:port]") is this machine: exactly "localhost",
 * an IPv4 literal in 127.0.0.0/8 or "[::1]", with an optional numeric port.
 * Only those may be spoken to in plain HTTP without being listed as insecure.
 */
bool registry_is_loopback(const char *registry);

/* Tell the handle's update hook (ukiyo_set_update_hook) about a concluded transaction. */
void context_call_update_hook(ukiyo *u, const ukiyo_update_result *r);

/* Base64 (RFC 4648). @url selects the URL-safe alphabet; padding is always written. */
char *base64_encode(const void *data, size_t len, bool url);
/* Decodes either alphabet, padding optional; NULL on malformed input. */
unsigned char *base64_decode(const char *text, size_t *len_out);

#endif
