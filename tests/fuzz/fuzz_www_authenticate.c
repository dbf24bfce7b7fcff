/* fuzz_www_authenticate.c - a registry's challenge header is untrusted. */
#include <stdlib.h>
#include <string.h>

#include "www_authenticate.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = malloc(size + 1);
    www_challenge c;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (ukiyo__www_authenticate_parse(&c, text) == 0) {
        if (c.scheme == CHALLENGE_BEARER && !c.realm)
            abort();
        ukiyo__www_challenge_clear(&c);
    }
    free(text);
    return 0;
}
