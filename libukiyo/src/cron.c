/*
 * cron.c - cron expressions: parsing (five fields, names, ranges, steps,
 * lists, @shortcuts, a "CRON_TZ=zone" or "TZ=zone" prefix) and the next
 * matching minute in the expression's zone.
 *
 * Semantics are Vixie cron's: when both day-of-month and day-of-week are
 * restricted (neither starts with '*'), a day matching either matches. A
 * minute that a clock change skips runs when the gap ends; a minute that
 * happens twice runs once, the first time.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "tz.h"

struct ukiyo_cron {
    uint64_t minutes;  /* bit 0-59 */
    uint32_t hours;    /* bit 0-23 */
    uint32_t days;     /* bit 1-31 */
    uint32_t months;   /* bit 1-12 */
    uint32_t weekdays; /* bit 0-6, Sunday 0 */
    bool days_star, weekdays_star;
    tz_zone *zone;
};

typedef struct {
    const char *what;
    int min, max;
    const char *const *names; /* names[i] is the value min + i */
} cron_field;

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
                                          "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const cron_field fields[] = {
    {"minute", 0, 59, NULL},          {"hour", 0, 23, NULL},
    {"day of month", 1, 31, NULL},    {"month", 1, 12, month_names},
    {"day of week", 0, 7, day_names}, /* 7 is Sunday too */
};

static const struct {
    const char *name, *expansion;
} shortcuts[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

/* One value: a number or a name; @end is where it stopped. */
static int parse_value(const cron_field *f, const char *s, const char **end, int *out)
{
    if (isdigit((unsigned char)*s)) {
        long v = 0;
        while (isdigit((unsigned char)*s) && v < 1000)
            v = v * 10 + (*s++ - '0');
        if (v < f->min || v > f->max)
            return ukiyo__error_set(UKIYO_EINVAL, "%s: %ld is out of range %d-%d", f->what, v,
                                    f->min, f->max);
        *out = (int)v;
        *end = s;
        return 0;
    }
    for (size_t i = 0; f->names && f->names[i]; i++) {
        if (strncasecmp(s, f->names[i], 3) == 0 && !isalpha((unsigned char)s[3])) {
            *out = f->min + (int)i;
            *end = s + 3;
            return 0;
        }
    }
    size_t n = strcspn(s, ",-/ \t");
    return ukiyo__error_set(UKIYO_EINVAL, "%s: \"%.*s\" is not a value", f->what,
                            (int)(n > 20 ? 20 : n), s);
}

/* One list item: "*", "v", "a-b", each optionally "/step". */
static int parse_item(const cron_field *f, const char *s, const char *stop, uint64_t *bits)
{
    int lo = f->min, hi = f->max, step = 1, err;
    bool range = true;

    if (*s == '*') {
        s++;
    } else {
        if ((err = parse_value(f, s, &s, &lo)) < 0)
            return err;
        hi = lo;
        range = false;
        if (*s == '-') {
            if ((err = parse_value(f, s + 1, &s, &hi)) < 0)
                return err;
            if (hi < lo)
                return ukiyo__error_set(UKIYO_EINVAL, "%s: the range %d-%d runs backwards", f->what,
                                        lo, hi);
            range = true;
        }
    }
    if (*s == '/') {
        char *end;
        long v = strtol(s + 1, &end, 10);
        if (end == s + 1 || v < 1 || v > f->max)
            return ukiyo__error_set(UKIYO_EINVAL, "%s: bad step \"%.*s\"", f->what,
                                    (int)(stop - s - 1), s + 1);
        step = (int)v;
        if (!range) /* "a/n": from a to the end */
            hi = f->max;
        s = end;
    }
    if (s != stop)
        return ukiyo__error_set(UKIYO_EINVAL, "%s: unexpected \"%.*s\"", f->what, (int)(stop - s),
                                s);
    for (int v = lo; v <= hi; v += step)
        *bits |= UINT64_C(1) << v;
    return 0;
}

static int parse_field(const cron_field *f, const char *s, size_t len, uint64_t *bits)
{
    const char *end = s + len;

    *bits = 0;
    while (s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *stop = comma ? comma : end;
        if (stop == s)
            return ukiyo__error_set(UKIYO_EINVAL, "%s: empty list item", f->what);
        int err = parse_item(f, s, stop, bits);
        if (err < 0)
            return err;
        s = comma ? comma + 1 : end;
        if (comma && s == end)
            return ukiyo__error_set(UKIYO_EINVAL, "%s: empty list item", f->what);
    }
    return 0;
}

/* "CRON_TZ=Europe/Berlin rest" or "TZ=... rest": the zone, and where the rest starts. */
static int parse_zone(ukiyo_cron *c, const char **expr)
{
    const char *s = *expr, *name = NULL;

    if (strncmp(s, "CRON_TZ=", 8) == 0)
        name = s + 8;
    else if (strncmp(s, "TZ=", 3) == 0)
        name = s + 3;
    size_t n = name ? strcspn(name, " \t") : 0;
    char *zone = name ? strndup(name, n) : NULL;
    if (name && (!zone || !zone[0])) {
        free(zone);
        return ukiyo__error_set(UKIYO_EINVAL, "an empty time zone");
    }
    c->zone = ukiyo__tz_load(zone); /* NULL: the system's zone */
    free(zone);
    if (!c->zone)
        return UKIYO_EINVAL;
    *expr = name ? name + n : s;
    return 0;
}

static int parse_fields(ukiyo_cron *c, const char *s)
{
    uint64_t bits[5];
    int n = 0;

    while (*s) {
        while (isspace((unsigned char)*s))
            s++;
        if (!*s)
            break;
        size_t len = strcspn(s, " \t\n");
        if (n == 5)
            return ukiyo__error_set(UKIYO_EINVAL, "more than five fields");
        int err = parse_field(&fields[n], s, len, &bits[n]);
        if (err < 0)
            return err;
        if (n == 2)
            c->days_star = *s == '*';
        if (n == 4)
            c->weekdays_star = *s == '*';
        n++;
        s += len;
    }
    if (n != 5)
        return ukiyo__error_set(UKIYO_EINVAL,
                                "expected five fields (minute hour day-of-month "
                                "month day-of-week), found %d",
                                n);
    c->minutes = bits[0];
    c->hours = (uint32_t)bits[1];
    c->days = (uint32_t)bits[2];
    c->months = (uint32_t)bits[3];
    c->weekdays = (uint32_t)(bits[4] & 0x7f) | (uint32_t)((bits[4] >> 7) & 1); /* 7 = 0 */
    return 0;
}

UKIYO_EXTERN int ukiyo_cron_parse(ukiyo_cron **out, const char *expression)
{
    if (!out || !expression)
        return ukiyo__error_set(UKIYO_EINVAL, "cron: no expression");
    ukiyo_cron *c = calloc(1, sizeof(*c));
    if (!c)
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    const char *s = expression;
    while (isspace((unsigned char)*s))
        s++;
    int err = parse_zone(c, &s);
    while (err == 0 && isspace((unsigned char)*s))
        s++;
    if (err == 0 && *s == '@') {
        size_t n = strcspn(s, " \t");
        const char *expansion = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(shortcuts); i++)
            if (strlen(shortcuts[i].name) == n && strncasecmp(s, shortcuts[i].name, n) == 0)
                expansion = shortcuts[i].expansion;
        if (!expansion || s[n + strspn(s + n, " \t")])
            err = ukiyo__error_set(UKIYO_EINVAL,
                                   "unknown shortcut \"%.*s\" (@yearly, "
                                   "@monthly, @weekly, @daily, @hourly)",
                                   (int)(n > 20 ? 20 : n), s);
        else
            err = parse_fields(c, expansion);
    } else if (err == 0) {
        err = parse_fields(c, s);
    }
    if (err < 0) {
        ukiyo__error_wrap(err, "cron expression \"%s\"", expression);
        ukiyo_cron_free(c);
        return err;
    }
    *out = c;
    return 0;
}

UKIYO_EXTERN void ukiyo_cron_free(ukiyo_cron *c)
{
    if (!c)
        return;
    ukiyo__tz_free(c->zone);
    free(c);
}

static int64_t floor_div_ms(int64_t ms)
{
    return ms / 1000 - (ms % 1000 < 0);
}

static bool day_matches(const ukiyo_cron *c, int day, int wday)
{
    bool dom = c->days >> day & 1, dow = c->weekdays >> wday & 1;
    if (c->days_star || c->weekdays_star)
        return dom && dow;
    return dom || dow;
}

static bool civil_matches(const ukiyo_cron *c, const tz_civil *t)
{
    return (c->minutes >> t->minute & 1) && (c->hours >> t->hour & 1) &&
           (c->months >> t->month & 1) && day_matches(c, t->day, t->wday);
}

UKIYO_EXTERN int ukiyo_cron_matches(const ukiyo_cron *c, int64_t at_ms)
{
    tz_civil t;
    if (!c)
        return 0;
    ukiyo__tz_to_civil(c->zone, floor_div_ms(at_ms), &t);
    return civil_matches(c, &t);
}

/* The first civil minute at or after @t (seconds zero) that matches; false when none in 50 years.
 */
static bool next_civil(const ukiyo_cron *c, tz_civil *t)
{
    int limit = t->year + 50;

    while (t->year <= limit) {
        int64_t days = ukiyo__tz_days_from_civil(t->year, t->month, t->day);
        t->wday = (int)(((days % 7) + 11) % 7);
        if (!(c->months >> t->month & 1)) {
            t->day = 1, t->hour = 0, t->minute = 0;
            if (++t->month > 12)
                t->month = 1, t->year++;
        } else if (!day_matches(c, t->day, t->wday)) {
            t->hour = 0, t->minute = 0;
            ukiyo__tz_civil_from_days(days + 1, &t->year, &t->month, &t->day);
        } else if (!(c->hours >> t->hour & 1)) {
            t->minute = 0;
            if (++t->hour == 24) {
                t->hour = 0;
                ukiyo__tz_civil_from_days(days + 1, &t->year, &t->month, &t->day);
            }
        } else if (!(c->minutes >> t->minute & 1)) {
            if (++t->minute == 60) {
                t->minute = 0;
                if (++t->hour == 24) {
                    t->hour = 0;
                    ukiyo__tz_civil_from_days(days + 1, &t->year, &t->month, &t->day);
                }
            }
        } else {
            return true;
        }
    }
    return false;
}

UKIYO_EXTERN int ukiyo_cron_next(const ukiyo_cron *c, int64_t after_ms, int64_t *next_ms_out)
{
    tz_civil t;

    if (!c || !next_ms_out)
        return ukiyo__error_set(UKIYO_EINVAL, "cron: bad argument");
    int64_t after = floor_div_ms(after_ms);
    /* The next whole minute after @after, in civil time. */
    ukiyo__tz_to_civil(c->zone, after, &t);
    t.second = 0;
    for (;;) {
        if (++t.minute == 60) {
            t.minute = 0;
            if (++t.hour == 24) {
                t.hour = 0;
                ukiyo__tz_civil_from_days(ukiyo__tz_days_from_civil(t.year, t.month, t.day) + 1,
                                          &t.year, &t.month, &t.day);
            }
        }
        if (!next_civil(c, &t))
            return ukiyo__error_set(UKIYO_ENOTFOUND, "the cron expression never matches");
        int64_t utc = ukiyo__tz_from_civil(c->zone, &t);
        if (utc > after) {
            *next_ms_out = utc * 1000;
            return 0;
        }
        /* A minute that comes round again as the clocks go back: it ran the first time. */
    }
}

UKIYO_EXTERN const char *ukiyo_cron_zone(const ukiyo_cron *c)
{
    return c ? ukiyo__tz_name(c->zone) : NULL;
}
