/*
 * util.c - strings, buffers and base64 for the modules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

char *str_vprintf(const char *fmt, va_list ap)
{
    char *s = NULL;

    return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

char *str_printf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = str_vprintf(fmt, ap);
    va_end(ap);
    return s;
}

char *str_dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

bool str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_equal_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;

    /* Walk the whole of @a whatever @b is, so timing does not leak a prefix. */
    for (size_t i = 0; i < la; i++)
        diff |= (unsigned char)(a[i] ^ (i < lb ? b[i] : 0));
    return diff == 0;
}

void str_free_secret(char *s)
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

int strbuf_append(strbuf *b, const void *data, size_t len)
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

void strbuf_free(strbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *base64_encode(const void *data, size_t len, bool url)
{
    const unsigned char *in = data;
    const char *alphabet = url ? b64_url : b64_std;
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    size_t o = 0;

    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

unsigned char *base64_decode(const char *text, size_t *len_out)
{
    size_t n = strlen(text);
    unsigned char *out;
    unsigned acc = 0;
    int bits = 0;
    size_t o = 0;

    while (n > 0 && text[n - 1] == '=')
        n--;
    out = malloc(n * 3 / 4 + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int v = base64_value(text[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (bits >= 6) { /* a lone trailing character cannot encode a byte */
        free(out);
        return NULL;
    }
    out[o] = '\0';
    *len_out = o;
    return out;
}

int string_list_append(ukiyo_string_list *list, const char *s)
{
    char *copy = strdup(s);

    if (!copy)
        return UKIYO_ENOMEM;
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        char **grown = realloc(list->items, cap * sizeof(*grown));
        if (!grown) {
            free(copy);
            return UKIYO_ENOMEM;
        }
        list->items = grown;
        list->cap = cap;
    }
    list->items[list->count++] = copy;
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
        return ukiyo_error_set(UKIYO_EINVAL, "string list: out is NULL");
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : ukiyo_error_set(UKIYO_ENOMEM, "out of memory");
}

UKIYO_EXTERN int ukiyo_string_list_append(ukiyo_string_list *list, const char *s)
{
    if (!list || !s)
        return ukiyo_error_set(UKIYO_EINVAL, "string list: NULL argument");
    return string_list_append(list, s);
}
