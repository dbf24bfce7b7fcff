// Compiles <ukiyo.h> as C++ (tests/meson.build); the build fails if it does not.
#include <ukiyo.h>

int main()
{
    ukiyo_image_ref *ref = nullptr;
    int err = ukiyo_image_ref_parse(&ref, "nginx");
    ukiyo_image_ref_free(ref);
    return err == UKIYO_OK ? 0 : 1;
}
