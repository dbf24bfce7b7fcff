/*
 * policy.c - tag policies (the ukiyo.policy label): which tag a container
 * moves to, given the tags its repository has. Pure: no I/O.
 */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct ukiyo_policy {
    ukiyo_policy_kind kind;
    char *text;
    regex_t regex;
    bool has_regex;
};

static const char *const kind_names[] = {"digest", "patch", "minor", "major",
                                         "all",    "regex", "never"};

UKIYO_EXTERN int ukiyo_policy_parse(ukiyo_policy **out, const char *text)
{
    ukiyo_policy *p;
    int err = 0;

    if (!out)
        return ukiyo__error_set(UKIYO_EINVAL, "policy: out is NULL");
    if (!text || !text[0])
        text = "digest";
    p = calloc(1, sizeof(*p));
    if (!p || !(p->text = strdup(text))) {
        free(p);
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    }
    if (ukiyo__str_has_prefix(text, "regex:")) {
        p->kind = UKIYO_POLICY_REGEX;
        int rc = regcomp(&p->regex, text + 6, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char why[128];
            regerror(rc, &p->regex, why, sizeof(why));
            err = ukiyo__error_set(UKIYO_EINVAL, "policy \"%s\": bad regular expression: %s", text,
                                   why);
        } else if (!text[6]) {
            regfree(&p->regex);
            err = ukiyo__error_set(UKIYO_EINVAL, "policy \"regex:\" needs a pattern");
        } else {
            p->has_regex = true;
        }
    } else {
        size_t i = 0;
        while (i < ARRAY_SIZE(kind_names) &&
               (i == UKIYO_POLICY_REGEX || strcmp(kind_names[i], text) != 0))
            i++;
        if (i == ARRAY_SIZE(kind_names))
            err = ukiyo__error_set(UKIYO_EINVAL,
                                   "unknown policy \"%s\" (digest, patch, minor, "
                                   "major, all, regex:<pattern>, never)",
                                   text);
        p->kind = (ukiyo_policy_kind)i;
    }
    if (err < 0) {
        ukiyo_policy_free(p);
        return err;
    }
    *out = p;
    return 0;
}

UKIYO_EXTERN void ukiyo_policy_free(ukiyo_policy *p)
{
    if (!p)
        return;
    if (p->has_regex)
        regfree(&p->regex);
    free(p->text);
    free(p);
}

UKIYO_EXTERN ukiyo_policy_kind ukiyo_policy_get_kind(const ukiyo_policy *p)
{
    return p ? p->kind : UKIYO_POLICY_DIGEST;
}

UKIYO_EXTERN const char *ukiyo_policy_text(const ukiyo_policy *p)
{
    return p ? p->text : "digest";
}

/* ---- semantic versions ------------------------------------------------ */

typedef struct {
    long part[3];
    int parts;       /* how many numbers the tag has: 1.2 and 1.2.3 never mix */
    const char *pre; /* after '-', up to '+'; NULL for a release */
    size_t pre_len;
} semver;

/* "v1.2.3-rc.1+build", "1.2", "V2": numbers without leading zeros. */
static bool semver_parse(const char *tag, semver *v)
{
    const char *s = tag + (tag[0] == 'v' || tag[0] == 'V');

    memset(v, 0, sizeof(*v));
    while (v->parts < 3) {
        if (!isdigit((unsigned char)*s) || (s[0] == '0' && isdigit((unsigned char)s[1])))
            return false;
        char *end;
        v->part[v->parts++] = strtol(s, &end, 10);
        s = end;
        if (*s != '.')
            break;
        s++;
    }
    if (*s == '-') {
        v->pre = ++s;
        v->pre_len = strcspn(s, "+");
        if (v->pre_len == 0)
            return false;
        s += v->pre_len;
    }
    if (*s == '+')
        return s[1] != '\0';
    return *s == '\0';
}

/* Compare pre-release strings by semver's rules (NULL, a release, is the greatest). */
static int pre_compare(const char *a, size_t alen, const char *b, size_t blen)
{
    if (!a || !b)
        return (a == NULL) - (b == NULL);
    while (alen && blen) {
        size_t an = strcspn(a, "."), bn = strcspn(b, ".");
        an = an > alen ? alen : an;
        bn = bn > blen ? blen : bn;
        bool anum = strspn(a, "0123456789") >= an, bnum = strspn(b, "0123456789") >= bn;
        int c;
        if (anum && bnum)
            c = an != bn ? (an < bn ? -1 : 1) : strncmp(a, b, an);
        else if (anum != bnum)
            c = anum ? -1 : 1;
        else {
            c = strncmp(a, b, an < bn ? an : bn);
            if (c == 0 && an != bn)
                c = an < bn ? -1 : 1;
        }
        if (c)
            return c < 0 ? -1 : 1;
        a += an, alen -= an, b += bn, blen -= bn;
        if (alen)
            a++, alen--;
        if (blen)
            b++, blen--;
    }
    return (alen > 0) - (blen > 0);
}

static int semver_compare(const semver *a, const semver *b)
{
    for (int i = 0; i < 3; i++)
        if (a->part[i] != b->part[i])
            return a->part[i] < b->part[i] ? -1 : 1;
    return pre_compare(a->pre, a->pre_len, b->pre, b->pre_len);
}

/* Natural order: runs of digits compare as numbers. */
static int natural_compare(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0')
                a++;
            while (*b == '0')
                b++;
            size_t an = strspn(a, "0123456789"), bn = strspn(b, "0123456789");
            if (an != bn)
                return an < bn ? -1 : 1;
            int c = strncmp(a, b, an);
            if (c)
                return c < 0 ? -1 : 1;
            a += an, b += bn;
        } else {
            if (*a != *b)
                return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
            a++, b++;
        }
    }
    return (*a != '\0') - (*b != '\0');
}

UKIYO_EXTERN int ukiyo_tag_compare(const char *a, const char *b)
{
    semver va, vb;
    if (semver_parse(a, &va) && semver_parse(b, &vb) && va.parts == vb.parts)
        return semver_compare(&va, &vb);
    return natural_compare(a, b);
}

/* Whether semver policy @kind may move from @cur to @cand. */
static bool semver_allows(ukiyo_policy_kind kind, const semver *cur, const semver *cand)
{
    if (cand->parts != cur->parts || semver_compare(cand, cur) <= 0)
        return false;
    if (cand->pre && !cur->pre && kind != UKIYO_POLICY_ALL)
        return false;
    switch (kind) {
    case UKIYO_POLICY_PATCH: return cand->part[0] == cur->part[0] && cand->part[1] == cur->part[1];
    case UKIYO_POLICY_MINOR: return cand->part[0] == cur->part[0];
    default: return true;
    }
}

UKIYO_EXTERN int ukiyo_policy_choose(char **tag_out, const ukiyo_policy *p, const char *current,
                                     const ukiyo_string_list *tags)
{
    const char *best = NULL;
    semver cur = {0}, cand, top = {0};

    if (!p || !current || !tag_out)
        return ukiyo__error_set(UKIYO_EINVAL, "policy: bad argument");
    if (p->kind == UKIYO_POLICY_DIGEST || p->kind == UKIYO_POLICY_NEVER) {
        *tag_out = NULL;
        return 0;
    }
    bool semantic = p->kind != UKIYO_POLICY_REGEX;
    if (semantic && !semver_parse(current, &cur))
        return ukiyo__error_set(UKIYO_EINVAL, "policy %s: the tag \"%s\" is not a version", p->text,
                                current);
    for (size_t i = 0; i < ukiyo_string_list_count(tags); i++) {
        const char *tag = ukiyo_string_list_get(tags, i);
        if (semantic) {
            if (semver_parse(tag, &cand) && semver_allows(p->kind, &cur, &cand) &&
                (!best || semver_compare(&cand, &top) > 0))
                best = tag, top = cand;
        } else if (regexec(&p->regex, tag, 0, NULL, 0) == 0 &&
                   ukiyo_tag_compare(tag, current) > 0 &&
                   (!best || ukiyo_tag_compare(tag, best) > 0)) {
            best = tag;
        }
    }
    *tag_out = NULL;
    if (best && !(*tag_out = strdup(best)))
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    return 0;
}
