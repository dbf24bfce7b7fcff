/*
 * util.h - libukiyo's utilities (this folder, built as the internal static
 * library libukiyo-util): the last error, logging, strings and buffers,
 * base64. http.h, tz.h and www_authenticate.h are the others. None of them
 * knows anything of containers; every other file of the library has them
 * through internal.h.
 */
#ifndef UKIYO_UTIL_H
#define UKIYO_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "ukiyo.h"

#define UKIYO_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Record the message of a failure for ukiyo_error_last() and return @code. */
int ukiyo__error_set(int code, const char *fmt, ...) UKIYO_PRINTF(2, 3);
/* Prefix the current last error with more context; returns @code. */
int ukiyo__error_wrap(int code, const char *fmt, ...) UKIYO_PRINTF(2, 3);

void ukiyo__log(ukiyo_log_level level, const char *fmt, ...) UKIYO_PRINTF(2, 3);
#define log_error(...) ukiyo__log(UKIYO_LOG_ERROR, __VA_ARGS__)
#define log_warning(...) ukiyo__log(UKIYO_LOG_WARNING, __VA_ARGS__)
#define log_info(...) ukiyo__log(UKIYO_LOG_INFO, __VA_ARGS__)
#define log_debug(...) ukiyo__log(UKIYO_LOG_DEBUG, __VA_ARGS__)

/* printf into a new string; NULL when out of memory. */
char *ukiyo__str_printf(const char *fmt, ...) UKIYO_PRINTF(1, 2);
char *ukiyo__str_vprintf(const char *fmt, va_list ap);
/* strdup that accepts NULL (returns NULL). */
char *ukiyo__str_dup(const char *s);
bool ukiyo__str_has_prefix(const char *s, const char *prefix);
/* Constant-time comparison of two NUL-terminated secrets. */
bool ukiyo__str_equal_secret(const char *a, const char *b);
/* Overwrite a secret before freeing it. */
void ukiyo__str_free_secret(char *s);

/* Sleep @ms milliseconds (the whole of them, signals or not). */
void ukiyo__sleep_ms(long ms);

/* @ms since the epoch as "2026-12-02T01:02:03Z" in @buf; returns @buf. */
const char *ukiyo__utc_text(int64_t ms, char buf[32]);

/* Growable byte buffer, always NUL-terminated. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} strbuf;

int ukiyo__strbuf_append(strbuf *b, const void *data, size_t len);
void ukiyo__strbuf_free(strbuf *b);

struct ukiyo_string_list {
    char **items;
    size_t count;
    size_t cap;
};
/*
 * Room for one more item in a growing array of @count items in *@items with
 * room for *@cap (doubled from 16 when full): 0, or UKIYO_ENOMEM with the
 * array as it was. UKIYO__RESERVE(items, cap, count) for any item type.
 */
int ukiyo__array_reserve(void **items, size_t *cap, size_t count, size_t size);
#define UKIYO__RESERVE(items, cap, count)                                                          \
    ukiyo__array_reserve((void **)&(items), &(cap), (count), sizeof(*(items)))
/* Append a copy of @s; 0 or UKIYO_ENOMEM. */
int ukiyo__string_list_append(ukiyo_string_list *list, const char *s);

/* Base64 (RFC 4648). @url selects the URL-safe alphabet; padding is always written. */
char *ukiyo__base64_encode(const void *data, size_t len, bool url);
/* Decodes either alphabet, padding optional; NULL on malformed input. */
unsigned char *ukiyo__base64_decode(const char *text, size_t *len_out);

/*
 * Options structs (libgit2's model): each starts with its version. A
 * version of 0 or past @latest is refused with UKIYO_EINVAL and a message
 * naming @name and what this library knows.
 */
int ukiyo__options_version_ok(unsigned int version, unsigned int latest, const char *name);
/* Return the refusal from the calling function when @opts (if given) has an unknown version. */
#define UKIYO__CHECK_VERSION(opts, latest, name)                                                   \
    do {                                                                                           \
        if (opts) {                                                                                \
            int version_err_ = ukiyo__options_version_ok((opts)->version, (latest), (name));       \
            if (version_err_ < 0)                                                                  \
                return version_err_;                                                               \
        }                                                                                          \
    } while (0)
/* An options_init(): copy @template (the INIT macro's value) into @opts, then set @version. */
int ukiyo__options_init(void *opts, size_t size, const void *template, unsigned int version,
                        unsigned int latest, const char *name);

#endif
