/*
 * strings.c - strings, buffers and string lists for the modules.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

char *ukiyo__str_vprintf(const char *fmt, va_list ap)
{
    char *s = NULL;

    return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

char *ukiyo__str_printf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = ukiyo__str_vprintf(fmt, ap);
    va_end(ap);
    return s;
}

char *ukiyo__str_dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

bool ukiyo__str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool ukiyo__str_equal_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;

    /* Walk the whole of @a whatever @b is, so timing does not leak a prefix. */
    for (size_t i = 0; i < la; i++)
        diff |= (unsigned char)(a[i] ^ (i < lb ? b[i] : 0));
    return diff == 0;
}

void ukiyo__str_free_secret(char *s)
{
    if (!s)
        return;
    volatile char *p = s;
    while (*p)
        *p++ = 0;
    free(s);
}

UKIYO_EXTERN void ukiyo_string_free(char *s)
{
    free(s);
}

int ukiyo__strbuf_append(strbuf *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            return UKIYO_ENOMEM;
        b->data = grown;
        b->cap = cap;
    }
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

void ukiyo__strbuf_free(strbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int ukiyo__string_list_append(ukiyo_string_list *list, const char *s)
{
    char *copy = strdup(s);

    if (!copy)
        return UKIYO_ENOMEM;
    if (UKIYO__RESERVE(list->items, list->cap, list->count) < 0) {
        free(copy);
        return UKIYO_ENOMEM;
    }
    list->items[list->count++] = copy;
    return 0;
}

int ukiyo__array_reserve(void **items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return 0;
    size_t bigger = *cap ? *cap * 2 : 16;
    void *grown = bigger < SIZE_MAX / size ? realloc(*items, bigger * size) : NULL;
    if (!grown)
        return UKIYO_ENOMEM;
    *items = grown;
    *cap = bigger;
    return 0;
}

UKIYO_EXTERN size_t ukiyo_string_list_count(const ukiyo_string_list *list)
{
    return list ? list->count : 0;
}

UKIYO_EXTERN const char *ukiyo_string_list_get(const ukiyo_string_list *list, size_t index)
{
    return list && index < list->count ? list->items[index] : NULL;
}

UKIYO_EXTERN void ukiyo_string_list_free(ukiyo_string_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    free(list);
}

UKIYO_EXTERN int ukiyo_string_list_new(ukiyo_string_list **out)
{
    if (!out)
        return ukiyo__error_set(UKIYO_EINVAL, "string list: out is NULL");
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
}

UKIYO_EXTERN int ukiyo_string_list_append(ukiyo_string_list *list, const char *s)
{
    if (!list || !s)
        return ukiyo__error_set(UKIYO_EINVAL, "string list: NULL argument");
    return ukiyo__string_list_append(list, s);
}

UKIYO_EXTERN int ukiyo_secret_equal(const char *a, const char *b)
{
    return a && b && ukiyo__str_equal_secret(a, b);
}

const char *ukiyo__utc_text(int64_t ms, char buf[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    if (!gmtime_r(&t, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, 32, "%lld ms", (long long)ms);
    return buf;
}

void ukiyo__sleep_ms(long ms)
{
    struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&left, &left) < 0)
        ;
}
