/*
 * image.c - Docker image references: parse, normalise, format.
 *
 * The grammar is distribution/reference's:
 *   reference := name [":" tag] ["@" digest]
 *   name      := [domain "/"] path-component ["/" path-component]*
 *   domain    := (domain-name | IPv4 | "[" IPv6 "]") [":" port]
 * and the normalisation is ParseNormalizedNamed's: a first component that
 * holds no '.' or ':', is not "localhost" and is all lower case is a path on
 * docker.io; "index.docker.io" is "docker.io"; one-component docker.io paths
 * live under "library/".
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DEFAULT_DOMAIN "docker.io"
#define LEGACY_DEFAULT_DOMAIN "index.docker.io"
#define OFFICIAL_PREFIX "library/"
/* Whole references longer than this are refused before any work. */
#define REFERENCE_INPUT_MAX 1024

struct ukiyo_image_ref {
    char *registry;
    char *repository;
    char *tag;    /* NULL only with a digest */
    char *digest; /* NULL when none */
    char *name;
    char *string;
    char *familiar;
};

static int invalid(const char *input, const char *why)
{
    return ukiyo__error_set(UKIYO_EINVAL, "invalid reference \"%.200s\": %s", input, why);
}

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* path-component := [a-z0-9]+ (([._]|__|-+) [a-z0-9]+)* */
static bool path_component_valid(const char *s, size_t len)
{
    size_t i = 0;

    if (len == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[len - 1]))
        return false;
    while (i < len) {
        if (is_lower_alnum(s[i])) {
            i++;
            continue;
        }
        size_t start = i;
        if (s[i] == '-') {
            while (i < len && s[i] == '-')
                i++;
        } else if (s[i] == '_' && i + 1 < len && s[i + 1] == '_') {
            i += 2;
        } else if (s[i] == '.' || s[i] == '_') {
            i++;
        } else {
            return false;
        }
        if (i == start || i >= len || !is_lower_alnum(s[i]))
            return false;
    }
    return true;
}

static bool path_valid(const char *path, bool *has_upper)
{
    const char *p = path;

    *has_upper = false;
    for (const char *c = path; *c; c++)
        if (isupper((unsigned char)*c))
            *has_upper = true;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (!path_component_valid(p, len))
            return false;
        if (!slash)
            return true;
        p = slash + 1;
    }
}

/* domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool domain_name_valid(const char *s, size_t len)
{
    size_t start = 0;

    if (len == 0)
        return false;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.') {
            if (!isalnum((unsigned char)s[i]) && s[i] != '-')
                return false;
            continue;
        }
        if (i == start || s[start] == '-' || s[i - 1] == '-')
            return false;
        start = i + 1;
    }
    return true;
}

static bool ipv6_literal_valid(const char *s, size_t len)
{
    if (len < 3 || s[0] != '[' || s[len - 1] != ']')
        return false;
    for (size_t i = 1; i + 1 < len; i++)
        if (!isxdigit((unsigned char)s[i]) && s[i] != ':')
            return false;
    return true;
}

static bool domain_valid(const char *domain)
{
    size_t len = strlen(domain);
    size_t host_len = len;
    const char *colon;

    if (domain[0] == '[') {
        const char *close = strchr(domain, ']');
        if (!close)
            return false;
        host_len = (size_t)(close - domain) + 1;
        if (!ipv6_literal_valid(domain, host_len))
            return false;
        colon = host_len < len ? domain + host_len : NULL;
        if (colon && *colon != ':')
            return false;
    } else {
        colon = strchr(domain, ':');
        if (colon)
            host_len = (size_t)(colon - domain);
        if (!domain_name_valid(domain, host_len))
            return false;
    }
    if (!colon)
        return true;
    if (colon[1] == '\0')
        return false;
    for (const char *p = colon + 1; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return true;
}

/* tag := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} */
static bool tag_valid(const char *tag)
{
    size_t len = strlen(tag);

    if (len == 0 || len > UKIYO_IMAGE_TAG_MAX)
        return false;
    if (!isalnum((unsigned char)tag[0]) && tag[0] != '_')
        return false;
    for (size_t i = 1; i < len; i++)
        if (!isalnum((unsigned char)tag[i]) && tag[i] != '_' && tag[i] != '.' && tag[i] != '-')
            return false;
    return true;
}

static bool all_lower_hex(const char *s, size_t want)
{
    size_t n = 0;

    for (; s[n]; n++)
        if (!isxdigit((unsigned char)s[n]) || isupper((unsigned char)s[n]))
            return false;
    return n == want;
}

static int digest_check(const char *input, const char *digest)
{
    static const struct {
        const char *algorithm;
        size_t hex_len;
    } known[] = {{"sha256", 64}, {"sha384", 96}, {"sha512", 128}};
    const char *colon = strchr(digest, ':');

    if (!colon)
        return invalid(input, "digest must be algorithm:hex");
    for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
        size_t alen = strlen(known[i].algorithm);
        if ((size_t)(colon - digest) == alen && strncmp(digest, known[i].algorithm, alen) == 0) {
            if (!all_lower_hex(colon + 1, known[i].hex_len))
                return invalid(input, "digest has the wrong length or is not lower-case hex");
            return 0;
        }
    }
    return invalid(input, "unsupported digest algorithm");
}

/* Docker refuses a bare 64-hex name: it would be mistaken for an image ID. */
static bool looks_like_image_id(const char *name)
{
    return all_lower_hex(name, 64);
}

/* A first component is a registry when it could not be a docker.io path. */
static bool component_is_domain(const char *s, size_t len)
{
    if (len == 9 && strncmp(s, "localhost", 9) == 0)
        return true;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '.' || s[i] == ':' || s[i] == '[' || isupper((unsigned char)s[i]))
            return true;
    return false;
}

static int split_name(const char *input, const char *name, char **domain_out, char **path_out)
{
    const char *slash = strchr(name, '/');
    char *domain, *path;

    if (slash && component_is_domain(name, (size_t)(slash - name))) {
        domain = strndup(name, (size_t)(slash - name));
        path = strdup(slash + 1);
    } else {
        domain = strdup(DEFAULT_DOMAIN);
        path = strdup(name);
    }
    if (!domain || !path) {
        free(domain);
        free(path);
        return UKIYO_ENOMEM;
    }
    if (strcmp(domain, LEGACY_DEFAULT_DOMAIN) == 0) {
        free(domain);
        domain = strdup(DEFAULT_DOMAIN);
    }
    if (domain && strcmp(domain, DEFAULT_DOMAIN) == 0 && !strchr(path, '/')) {
        char *prefixed = ukiyo__str_printf(OFFICIAL_PREFIX "%s", path);
        free(path);
        path = prefixed;
    }
    if (!domain || !path) {
        free(domain);
        free(path);
        return UKIYO_ENOMEM;
    }
    *domain_out = domain;
    *path_out = path;
    return 0;
}

static int validate_parts(const char *input, const ukiyo_image_ref *r)
{
    bool has_upper;

    /*
     * The limit is the path's alone, as distribution/reference counts it
     * since v0.6.0 (Docker's grammar); a Docker Hub short name's path
     * carries its "library/".
     */
    if (strlen(r->repository) > UKIYO_IMAGE_NAME_MAX)
        return invalid(input, "repository name must not be longer than 255 characters");
    if (!domain_valid(r->registry))
        return invalid(input, "invalid registry host");
    if (!path_valid(r->repository, &has_upper))
        return invalid(input,
                       has_upper ? "repository name must be lowercase" : "invalid repository name");
    if (looks_like_image_id(input))
        return invalid(input, "cannot specify 64-byte hexadecimal strings as a repository");
    if (r->tag && !tag_valid(r->tag))
        return invalid(input, "invalid tag");
    if (r->digest)
        return digest_check(input, r->digest);
    return 0;
}

static int format_forms(ukiyo_image_ref *r)
{
    const char *short_path = r->repository;
    char *familiar_name;

    if (strcmp(r->registry, DEFAULT_DOMAIN) == 0) {
        /* Only a single-component official image: library/foo/bar is not foo/bar. */
        if (ukiyo__str_has_prefix(short_path, OFFICIAL_PREFIX) &&
            !strchr(short_path + strlen(OFFICIAL_PREFIX), '/'))
            short_path += strlen(OFFICIAL_PREFIX);
        familiar_name = strdup(short_path);
    } else {
        familiar_name = ukiyo__str_printf("%s/%s", r->registry, r->repository);
    }
    r->name = ukiyo__str_printf("%s/%s", r->registry, r->repository);
    if (!familiar_name || !r->name) {
        free(familiar_name);
        return UKIYO_ENOMEM;
    }
    r->string = ukiyo__str_printf("%s%s%s%s%s", r->name, r->tag ? ":" : "", r->tag ? r->tag : "",
                                  r->digest ? "@" : "", r->digest ? r->digest : "");
    r->familiar =
        ukiyo__str_printf("%s%s%s%s%s", familiar_name, r->tag ? ":" : "", r->tag ? r->tag : "",
                          r->digest ? "@" : "", r->digest ? r->digest : "");
    free(familiar_name);
    return r->string && r->familiar ? 0 : UKIYO_ENOMEM;
}

/* Split "name[:tag][@digest]" in place; the tag's ':' is after the last '/'. */
static void split_tag_digest(char *work, char **tag_out, char **digest_out)
{
    char *at = strchr(work, '@');
    char *last_slash, *colon;

    *digest_out = NULL;
    *tag_out = NULL;
    if (at) {
        *at = '\0';
        *digest_out = at + 1;
    }
    last_slash = strrchr(work, '/');
    colon = strrchr(last_slash ? last_slash : work, ':');
    if (colon && !(work[0] == '[' && !last_slash)) {
        *colon = '\0';
        *tag_out = colon + 1;
    }
}

UKIYO_EXTERN int ukiyo_image_ref_parse(ukiyo_image_ref **out, const char *input)
{
    ukiyo_image_ref *r = NULL;
    char *work = NULL, *tag, *digest;
    int err;

    if (!out || !input)
        return ukiyo__error_set(UKIYO_EINVAL, "image reference is NULL");
    if (input[0] == '\0')
        return invalid(input, "empty reference");
    if (strlen(input) > REFERENCE_INPUT_MAX)
        return invalid(input, "reference is too long");
    work = strdup(input);
    r = calloc(1, sizeof(*r));
    if (!work || !r) {
        err = UKIYO_ENOMEM;
        goto done;
    }
    split_tag_digest(work, &tag, &digest);
    if (work[0] == '\0') {
        err = invalid(input, "missing repository name");
        goto done;
    }
    err = split_name(input, work, &r->registry, &r->repository);
    if (err < 0)
        goto done;
    r->tag = tag ? strdup(tag) : digest ? NULL : strdup("latest");
    r->digest = ukiyo__str_dup(digest);
    if ((!r->tag && !digest) || (digest && !r->digest)) {
        err = UKIYO_ENOMEM;
        goto done;
    }
    err = validate_parts(input, r);
    if (err < 0)
        goto done;
    err = format_forms(r);
    if (err < 0)
        goto done;
    *out = r;
    r = NULL;
done:
    if (err == UKIYO_ENOMEM)
        ukiyo__error_set(err, "out of memory parsing an image reference");
    ukiyo_image_ref_free(r);
    free(work);
    return err;
}

UKIYO_EXTERN void ukiyo_image_ref_free(ukiyo_image_ref *r)
{
    if (!r)
        return;
    free(r->registry);
    free(r->repository);
    free(r->tag);
    free(r->digest);
    free(r->name);
    free(r->string);
    free(r->familiar);
    free(r);
}

UKIYO_EXTERN const char *ukiyo_image_ref_registry(const ukiyo_image_ref *r)
{
    return r->registry;
}

UKIYO_EXTERN const char *ukiyo_image_ref_repository(const ukiyo_image_ref *r)
{
    return r->repository;
}

UKIYO_EXTERN const char *ukiyo_image_ref_tag(const ukiyo_image_ref *r)
{
    return r->tag;
}

UKIYO_EXTERN const char *ukiyo_image_ref_digest(const ukiyo_image_ref *r)
{
    return r->digest;
}

UKIYO_EXTERN const char *ukiyo_image_ref_name(const ukiyo_image_ref *r)
{
    return r->name;
}

UKIYO_EXTERN const char *ukiyo_image_ref_string(const ukiyo_image_ref *r)
{
    return r->string;
}

UKIYO_EXTERN const char *ukiyo_image_ref_familiar(const ukiyo_image_ref *r)
{
    return r->familiar;
}

UKIYO_EXTERN int ukiyo_image_ref_same_tag(const ukiyo_image_ref *a, const ukiyo_image_ref *b)
{
    if (!a || !b || !a->tag || !b->tag)
        return 0;
    return strcmp(a->name, b->name) == 0 && strcmp(a->tag, b->tag) == 0;
}
