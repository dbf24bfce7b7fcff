/*
 * tz.h - time zones without touching the process's TZ: a zone is read
 * from a TZif file (/usr/share/zoneinfo, or $TZDIR) or from a POSIX TZ
 * string ("CET-1CEST,M3.5.0,M10.5.0/3"), and converts between UTC and the
 * zone's civil time on its own. Thread-safe once loaded.
 */
#ifndef UKIYO_TZ_H
#define UKIYO_TZ_H

#include <stdint.h>

typedef struct tz_zone tz_zone;

/* A civil (wall-clock) time; month 1-12, day 1-31, wday 0 = Sunday. */
typedef struct {
    int year, month, day, hour, minute, second, wday;
} tz_civil;

/*
 * Load @name: an IANA zone ("Europe/Berlin", ":Europe/Berlin"), "UTC", a
 * POSIX TZ string, or NULL/"" for the system's zone ($TZ, else
 * /etc/localtime, else UTC). Returns NULL with ukiyo_error_last() set for
 * an unknown zone.
 */
tz_zone *ukiyo__tz_load(const char *name);
void ukiyo__tz_free(tz_zone *zone);
/* The name it was loaded by ("UTC" for the default). Borrowed. */
const char *ukiyo__tz_name(const tz_zone *zone);

/* Seconds east of UTC in force at @utc (unix seconds). */
int32_t ukiyo__tz_offset_at(const tz_zone *zone, int64_t utc);
/* The civil time in @zone at @utc. */
void ukiyo__tz_to_civil(const tz_zone *zone, int64_t utc, tz_civil *out);
/*
 * The UTC instant of civil time @c in @zone. A time that happens twice
 * (clocks going back) gives the first; a time that never happens (clocks
 * going forward) gives the instant the gap ends.
 */
int64_t ukiyo__tz_from_civil(const tz_zone *zone, const tz_civil *c);

/* Calendar arithmetic (proleptic Gregorian), zone-free. */
int64_t ukiyo__tz_days_from_civil(int year, int month, int day);
void ukiyo__tz_civil_from_days(int64_t days, int *year, int *month, int *day);
int ukiyo__tz_days_in_month(int year, int month);

#endif
