/* fuzz_image.c - image references are untrusted (webhooks, labels, the API). */
#include <stdlib.h>
#include <string.h>
#include <ukiyo.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = malloc(size + 1);
    ukiyo_image_ref *ref = NULL;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (ukiyo_image_ref_parse(&ref, text) == 0) {
        /* Whatever parses must round-trip through its normal form. */
        ukiyo_image_ref *again = NULL;
        if (ukiyo_image_ref_parse(&again, ukiyo_image_ref_string(ref)) != 0 ||
            strcmp(ukiyo_image_ref_string(again), ukiyo_image_ref_string(ref)) != 0)
            abort();
        ukiyo_image_ref_free(again);
    }
    ukiyo_image_ref_free(ref);
    free(text);
    return 0;
}
