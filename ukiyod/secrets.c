/*
 * secrets.c - the API token and the webhook secret: read from a file, or
 * generated on first start beside the database with mode 0600.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "ukiyod.h"

#define SECRET_BYTES 24
#define SECRET_MAX 512

static int read_secret(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n;

    if (!f)
        return -1;
    n = fread(out, 1, cap - 1, f);
    fclose(f);
    out[n] = '\0';
    out[strcspn(out, "\r\n")] = '\0';
    return out[0] ? 0 : -1;
}

static int generate_secret(const char *path, char *out, size_t cap)
{
    unsigned char raw[SECRET_BYTES];
    int fd;

    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw) || cap < 2 * SECRET_BYTES + 1)
        return -1;
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    bool ok = write(fd, out, strlen(out)) == (ssize_t)strlen(out) && write(fd, "\n", 1) == 1;
    close(fd);
    return ok ? 0 : -1;
}

/* Beside the database: /var/lib/ukiyo/ukiyo.db -> /var/lib/ukiyo/<name>. */
static char *default_path(const char *db_path, const char *name)
{
    const char *slash = strrchr(db_path, '/');
    char *path = NULL;

    if (asprintf(&path, "%.*s%s", slash ? (int)(slash - db_path + 1) : 0, db_path, name) < 0)
        return NULL;
    return path;
}

int secret_load(char **out, const char *file, const char *db_path, const char *name)
{
    char value[SECRET_MAX];
    char *path = file ? strdup(file) : default_path(db_path, name);
    int rc = -1;

    if (!path)
        return -1;
    if (read_secret(path, value, sizeof(value)) == 0) {
        rc = 0;
    } else if (!file && generate_secret(path, value, sizeof(value)) == 0) {
        const char *fields[] = {"file", path, NULL};
        daemon_log(UKIYO_LOG_INFO,
                   name[0] == 'a' ? "generated an API token" : "generated a webhook secret",
                   fields);
        rc = 0;
    } else {
        const char *fields[] = {"file", path, "error", strerror(errno), NULL};
        daemon_log(UKIYO_LOG_ERROR, "cannot read or create a secret", fields);
    }
    if (rc == 0)
        *out = strdup(value);
    memset(value, 0, sizeof(value));
    free(path);
    return rc == 0 && *out ? 0 : -1;
}
