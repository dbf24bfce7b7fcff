/*
 * tz.c - time zones from TZif files and POSIX TZ strings (see tz.h).
 *
 * A TZif file (RFC 8536) lists the zone's transitions; its footer is a
 * POSIX TZ string for the times after the last one. Only the 64-bit (v2+)
 * data is read. Leap seconds are ignored, as POSIX time does.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "tz.h"

typedef struct {
    int kind; /* 'M' (month.week.day), 'J' (1-365, no Feb 29) or 'n' (0-365) */
    int month, week, wday, day;
    int32_t time; /* seconds after local midnight */
} tz_rule_date;

typedef struct {
    int32_t std_off, dst_off; /* seconds east of UTC */
    bool has_dst;
    tz_rule_date start, end;
} tz_posix;

struct tz_zone {
    char *name;
    size_t count;      /* transitions */
    int64_t *times;    /* ascending UTC seconds */
    int32_t *offsets;  /* offset in force from times[i] on */
    int32_t first_off; /* before the first transition */
    bool has_posix;
    tz_posix posix; /* after the last transition (or always, when count is 0) */
};

int64_t ukiyo__tz_days_from_civil(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void ukiyo__tz_civil_from_days(int64_t days, int *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (*month <= 2));
}

static bool leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int ukiyo__tz_days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && leap_year(year) ? 29 : days[month - 1];
}

static int weekday_of(int64_t days)
{
    return (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* --- POSIX TZ strings ---------------------------------------------------- */

static bool parse_name(const char **p)
{
    const char *s = *p;
    if (*s == '<') {
        const char *end = strchr(s, '>');
        if (!end || end - s < 4)
            return false;
        *p = end + 1;
        return true;
    }
    while (isalpha((unsigned char)*s))
        s++;
    if (s - *p < 3)
        return false;
    *p = s;
    return true;
}

/* [+-]hh[:mm[:ss]]; @max_hours 24 for offsets, 167 for rule times. */
static bool parse_hms(const char **p, int max_hours, int32_t *out)
{
    const char *s = *p;
    int sign = 1, part[3] = {0, 0, 0};

    if (*s == '+' || *s == '-')
        sign = *s++ == '-' ? -1 : 1;
    for (int i = 0; i < 3; i++) {
        if (!isdigit((unsigned char)*s))
            return false;
        part[i] = (int)strtol(s, (char **)&s, 10);
        if (*s != ':' || i == 2)
            break;
        s++;
    }
    if (part[0] > max_hours || part[1] > 59 || part[2] > 59)
        return false;
    *out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
    *p = s;
    return true;
}

static bool parse_rule_date(const char **p, tz_rule_date *d)
{
    const char *s = *p;
    char *end;

    if (*s == 'M') {
        d->kind = 'M';
        d->month = (int)strtol(s + 1, &end, 10);
        if (*end != '.')
            return false;
        d->week = (int)strtol(end + 1, &end, 10);
        if (*end != '.')
            return false;
        d->wday = (int)strtol(end + 1, &end, 10);
        if (d->month < 1 || d->month > 12 || d->week < 1 || d->week > 5 || d->wday < 0 ||
            d->wday > 6)
            return false;
    } else {
        d->kind = *s == 'J' ? 'J' : 'n';
        if (*s == 'J')
            s++;
        if (!isdigit((unsigned char)*s))
            return false;
        d->day = (int)strtol(s, &end, 10);
        if (d->day > 365 || (d->kind == 'J' && d->day < 1))
            return false;
    }
    s = end;
    d->time = 7200;
    if (*s == '/') {
        s++;
        if (!parse_hms(&s, 167, &d->time))
            return false;
    }
    *p = s;
    return true;
}

static bool parse_posix(const char *s, tz_posix *out)
{
    int32_t west;

    memset(out, 0, sizeof(*out));
    if (!parse_name(&s) || !parse_hms(&s, 24, &west))
        return false;
    out->std_off = -west;
    if (!*s)
        return true;
    if (!parse_name(&s))
        return false;
    out->has_dst = true;
    out->dst_off = out->std_off + 3600;
    if (*s && *s != ',') {
        if (!parse_hms(&s, 24, &west))
            return false;
        out->dst_off = -west;
    }
    if (!*s) { /* no rule: the US rules, as glibc assumes */
        out->start = (tz_rule_date){'M', 3, 2, 0, 0, 7200};
        out->end = (tz_rule_date){'M', 11, 1, 0, 0, 7200};
        return true;
    }
    if (*s++ != ',' || !parse_rule_date(&s, &out->start) || *s++ != ',' ||
        !parse_rule_date(&s, &out->end))
        return false;
    return *s == '\0';
}

/* Local seconds (since the epoch, as if UTC) at which rule date @d falls in @year. */
static int64_t rule_local_time(const tz_rule_date *d, int year)
{
    int64_t days;

    if (d->kind == 'M') {
        int64_t first = ukiyo__tz_days_from_civil(year, d->month, 1);
        int day = 1 + (d->wday - weekday_of(first) + 7) % 7 + (d->week - 1) * 7;
        while (day > ukiyo__tz_days_in_month(year, d->month))
            day -= 7;
        days = first + day - 1;
    } else if (d->kind == 'J') {
        days =
            ukiyo__tz_days_from_civil(year, 1, 1) + d->day - 1 + (leap_year(year) && d->day >= 60);
    } else {
        days = ukiyo__tz_days_from_civil(year, 1, 1) + d->day;
    }
    return days * 86400 + d->time;
}

static int32_t posix_offset_at(const tz_posix *p, int64_t utc)
{
    if (!p->has_dst)
        return p->std_off;
    int year, month, day;
    ukiyo__tz_civil_from_days(floor_div(utc + p->std_off, 86400), &year, &month, &day);
    int64_t start = rule_local_time(&p->start, year) - p->std_off;
    int64_t end = rule_local_time(&p->end, year) - p->dst_off;
    bool dst = start < end ? (utc >= start && utc < end) : (utc < end || utc >= start);
    return dst ? p->dst_off : p->std_off;
}

/* --- TZif files ---------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Sizes of one data block after a header with @c counts and @tsize-byte times. */
static size_t block_size(const uint32_t c[6], size_t tsize)
{
    /* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
    return c[3] * tsize + c[3] + c[4] * 6 + c[5] + c[2] * (tsize + 4) + c[1] + c[0];
}

static bool read_header(const unsigned char *p, size_t len, uint32_t c[6])
{
    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return false;
    for (int i = 0; i < 6; i++)
        c[i] = be32(p + 20 + 4 * i);
    return c[4] > 0 && c[3] < 100000 && c[4] < 256 && c[5] < 65536 && c[2] < 100000;
}

static bool parse_tzif(tz_zone *z, const unsigned char *p, size_t len)
{
    uint32_t c[6];

    if (!read_header(p, len, c) || p[4] < '2')
        return false;
    size_t skip = 44 + block_size(c, 4);
    if (skip > len || !read_header(p + skip, len - skip, c))
        return false;
    const unsigned char *d = p + skip + 44;
    if (block_size(c, 8) > len - skip - 44)
        return false;
    const unsigned char *idx = d + c[3] * 8, *types = idx + c[3];
    z->count = c[3];
    z->times = calloc(c[3] + 1, sizeof(*z->times));
    z->offsets = calloc(c[3] + 1, sizeof(*z->offsets));
    if (!z->times || !z->offsets)
        return false;
    z->first_off = (int32_t)be32(types); /* type 0 applies before the first transition */
    for (size_t i = 0; i < c[3]; i++) {
        if (idx[i] >= c[4])
            return false;
        z->times[i] = be64(d + 8 * i);
        z->offsets[i] = (int32_t)be32(types + 6 * idx[i]);
    }
    const char *footer = (const char *)d + block_size(c, 8);
    size_t rest = len - skip - 44 - block_size(c, 8);
    if (rest > 2 && footer[0] == '\n') {
        char buf[128];
        const char *nl = memchr(footer + 1, '\n', rest - 1);
        size_t n = nl ? (size_t)(nl - footer - 1) : 0;
        if (n > 0 && n < sizeof(buf)) {
            memcpy(buf, footer + 1, n);
            buf[n] = '\0';
            z->has_posix = parse_posix(buf, &z->posix);
        }
    }
    return true;
}

static bool zone_name_safe(const char *name)
{
    if (!name[0] || name[0] == '/' || strstr(name, ".."))
        return false;
    for (const char *s = name; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("/_-+", *s))
            return false;
    return true;
}

static bool load_file(tz_zone *z, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    unsigned char *buf = malloc(1 << 18);
    size_t len = buf ? fread(buf, 1, 1 << 18, f) : 0;
    fclose(f);
    bool ok = buf && parse_tzif(z, buf, len);
    free(buf);
    if (!ok) { /* leave the zone as it was: UTC */
        free(z->times);
        free(z->offsets);
        z->times = NULL;
        z->offsets = NULL;
        z->count = 0;
        z->has_posix = false;
    }
    return ok;
}

static bool load_named(tz_zone *z, const char *name)
{
    if (!zone_name_safe(name))
        return false;
    const char *dir = getenv("TZDIR");
    char *path = ukiyo__str_printf("%s/%s", dir && dir[0] ? dir : "/usr/share/zoneinfo", name);
    bool ok = path && load_file(z, path);
    free(path);
    return ok;
}

tz_zone *ukiyo__tz_load(const char *name)
{
    tz_zone *z = calloc(1, sizeof(*z));
    bool ok;

    if (!z)
        return NULL;
    bool system = !name || !name[0];
    if (system)
        name = getenv("TZ");
    if (name && name[0] == ':')
        name++;
    if (!name || !name[0]) {
        ok = load_file(z, "/etc/localtime");
        name = ok ? "localtime" : "UTC";
        ok = true; /* no zone configured at all: UTC */
    } else if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
        ok = true;
    } else {
        ok = load_named(z, name) || (z->has_posix = parse_posix(name, &z->posix));
        if (!ok && system) /* an unusable $TZ means UTC, as for the C library */
            ok = true;
    }
    z->name = ukiyo__str_dup(name);
    if (!ok || !z->name) {
        ukiyo__error_set(UKIYO_EINVAL, "unknown time zone \"%s\"", name);
        ukiyo__tz_free(z);
        return NULL;
    }
    return z;
}

void ukiyo__tz_free(tz_zone *z)
{
    if (!z)
        return;
    free(z->name);
    free(z->times);
    free(z->offsets);
    free(z);
}

const char *ukiyo__tz_name(const tz_zone *z)
{
    return z->name;
}

int32_t ukiyo__tz_offset_at(const tz_zone *z, int64_t utc)
{
    if (z->count == 0 || utc >= z->times[z->count - 1]) {
        if (z->has_posix)
            return posix_offset_at(&z->posix, utc);
        return z->count ? z->offsets[z->count - 1] : 0;
    }
    if (utc < z->times[0])
        return z->first_off;
    size_t lo = 0, hi = z->count - 1; /* times[lo] <= utc < times[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->times[mid] <= utc)
            lo = mid;
        else
            hi = mid;
    }
    return z->offsets[lo];
}

void ukiyo__tz_to_civil(const tz_zone *z, int64_t utc, tz_civil *out)
{
    int64_t local = utc + ukiyo__tz_offset_at(z, utc);
    int64_t days = floor_div(local, 86400), secs = local - days * 86400;

    ukiyo__tz_civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = (int)(secs / 3600);
    out->minute = (int)(secs / 60 % 60);
    out->second = (int)(secs % 60);
    out->wday = weekday_of(days);
}

int64_t ukiyo__tz_from_civil(const tz_zone *z, const tz_civil *c)
{
    int64_t local = ukiyo__tz_days_from_civil(c->year, c->month, c->day) * 86400 + c->hour * 3600 +
                    c->minute * 60 + c->second;
    /* The offsets in force around it; a zone changes at most once in 28 hours. */
    int32_t before = ukiyo__tz_offset_at(z, local - 50400),
            after = ukiyo__tz_offset_at(z, local + 50400);
    int64_t best = INT64_MAX;

    if (ukiyo__tz_offset_at(z, local - before) == before)
        best = local - before;
    if (ukiyo__tz_offset_at(z, local - after) == after && local - after < best)
        best = local - after;
    if (best != INT64_MAX)
        return best;
    /* In a gap: the first second of the new offset lies in (local - after, local - before]. */
    int64_t lo = local - after, hi = local - before;
    if (lo > hi) {
        int64_t t = lo;
        lo = hi;
        hi = t;
    }
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (ukiyo__tz_offset_at(z, mid) == ukiyo__tz_offset_at(z, lo))
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}
