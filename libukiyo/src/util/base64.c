/*
 * base64.c - Base64 (RFC 4648), both alphabets.
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *ukiyo__base64_encode(const void *data, size_t len, bool url)
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

unsigned char *ukiyo__base64_decode(const char *text, size_t *len_out)
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
