/*
 * duration.c - durations as people write them: "90" (seconds), "30s",
 * "15m", "2h", "1d", "1h30m".
 */
#include <ctype.h>

#include "internal.h"

#define DURATION_MAX_MS (366LL * 24 * 3600 * 1000)

UKIYO_EXTERN int ukiyo_duration_parse(const char *text, int64_t *ms_out)
{
    static const struct {
        char unit;
        int64_t ms;
    } units[] = {{'d', 86400000}, {'h', 3600000}, {'m', 60000}, {'s', 1000}};
    const char *s = text;
    int64_t total = 0;
    size_t next_unit = 0;

    if (!s || !*s || !ms_out)
        return ukiyo__error_set(UKIYO_EINVAL, "an empty duration");
    while (*s) {
        if (!isdigit((unsigned char)*s))
            goto bad;
        int64_t n = 0;
        while (isdigit((unsigned char)*s) && n < DURATION_MAX_MS)
            n = n * 10 + (*s++ - '0');
        if (!*s && s != text && total == 0 && next_unit == 0) { /* bare seconds */
            total = n * 1000;
            break;
        }
        size_t u = next_unit;
        while (u < ARRAY_SIZE(units) && units[u].unit != *s)
            u++;
        if (u == ARRAY_SIZE(units) || n > DURATION_MAX_MS / units[u].ms)
            goto bad;
        total += n * units[u].ms;
        next_unit = u + 1;
        s++;
    }
    if (total <= 0 || total > DURATION_MAX_MS)
        goto bad;
    *ms_out = total;
    return 0;
bad:
    return ukiyo__error_set(UKIYO_EINVAL, "\"%s\" is not a duration (like 90, 30s, 15m, 1h30m, 1d)",
                            text);
}
