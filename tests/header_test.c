/* Compiles <ukiyo.h> as pedantic C99 (tests/meson.build); the build fails if it does not. */
#include <ukiyo.h>

int main(void)
{
    return UKIYO_VERSION_MAJOR >= 0 && ukiyo_version() != 0 ? 0 : 1;
}
