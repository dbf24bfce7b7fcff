/*
 * notify_smtp.c - e-mail targets: smtp://[user:password@]host[:port]/?from=
 * &to=[&to=][&starttls=1][&cacert=FILE], or smtps:// for TLS from the start,
 * sent with libcurl's SMTP (STARTTLS required when asked for, AUTH with the
 * user and password).
 */
#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notify_private.h"

/* %XX decoded, in place. */
static void percent_decode(char *s)
{
    char *out = s;
    for (; *s; s++) {
        if (*s == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
            char hex[3] = {s[1], s[2], 0};
            *out++ = (char)strtol(hex, NULL, 16);
            s += 2;
        } else {
            *out++ = *s == '+' ? ' ' : *s;
        }
    }
    *out = '\0';
}

static int query_param(notify_target *t, char *key, char *value)
{
    percent_decode(value);
    if (strcmp(key, "from") == 0 && !t->from)
        t->from = strdup(value);
    else if (strcmp(key, "to") == 0)
        return ukiyo__string_list_append(&t->to, value);
    else if (strcmp(key, "starttls") == 0)
        t->starttls = strcmp(value, "1") == 0 || strcmp(value, "true") == 0;
    else if (strcmp(key, "cacert") == 0 && !t->cacert)
        t->cacert = strdup(value);
    else
        return ukiyo__error_set(UKIYO_EINVAL, "unknown parameter \"%.20s\"", key);
    return 0;
}

int ukiyo__smtp_target_parse(const char *text, notify_target *t)
{
    bool tls = ukiyo__str_has_prefix(text, "smtps://");
    char *copy = strdup(text + (tls ? 8 : 7));
    int err = 0;

    if (!copy)
        return UKIYO_ENOMEM;
    char *query = strchr(copy, '?');
    if (query)
        *query++ = '\0';
    char *slash = strchr(copy, '/');
    if (slash)
        *slash = '\0';
    char *at = strrchr(copy, '@'), *host = at ? at + 1 : copy;
    if (at) {
        *at = '\0';
        char *colon = strchr(copy, ':');
        if (colon)
            *colon++ = '\0';
        percent_decode(copy);
        t->user = strdup(copy);
        if (colon) {
            percent_decode(colon);
            t->password = strdup(colon);
        }
    }
    if (!host[0] || strpbrk(host, " \t"))
        err = ukiyo__error_set(UKIYO_EINVAL, "no mail server host");
    char *save = NULL;
    for (char *p = query ? strtok_r(query, "&", &save) : NULL; err == 0 && p;
         p = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(p, '=');
        if (!eq)
            err = ukiyo__error_set(UKIYO_EINVAL, "parameter \"%.20s\" has no value", p);
        else {
            *eq = '\0';
            err = query_param(t, p, eq + 1);
        }
    }
    if (err == 0 && (!t->from || !t->from[0]))
        err = ukiyo__error_set(UKIYO_EINVAL, "from= is required");
    if (err == 0 && t->to.count == 0)
        err = ukiyo__error_set(UKIYO_EINVAL, "to= is required");
    if (err == 0) {
        bool has_port = strchr(host, ':') != NULL;
        t->url = ukiyo__str_printf("%s://%s%s", tls ? "smtps" : "smtp", host,
                                   has_port ? ""
                                   : tls    ? ":465"
                                            : ":25");
        t->name = ukiyo__str_printf("smtp:%s%s", host, has_port ? "" : tls ? ":465" : ":25");
        err = t->url && t->name ? 0 : UKIYO_ENOMEM;
    }
    free(copy);
    return err;
}

typedef struct {
    const char *data;
    size_t len, pos;
} upload;

static size_t read_message(char *buf, size_t size, size_t n, void *payload)
{
    upload *u = payload;
    size_t want = size * n, left = u->len - u->pos;
    size_t take = want < left ? want : left;
    memcpy(buf, u->data + u->pos, take);
    u->pos += take;
    return take;
}

static char *message(const notify_target *t, const char *subject, const char *text)
{
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    strbuf to = {0};

    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    for (size_t i = 0; i < t->to.count; i++) {
        if (i)
            ukiyo__strbuf_append(&to, ", ", 2);
        ukiyo__strbuf_append(&to, t->to.items[i], strlen(t->to.items[i]));
    }
    char *m = ukiyo__str_printf("Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: %s\r\n"
                                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                "X-Mailer: ukiyo\r\n\r\n%s\r\n",
                                date, t->from, to.data ? to.data : "", subject, text);
    ukiyo__strbuf_free(&to);
    return m;
}

int ukiyo__smtp_send(const notify_target *t, const char *subject, const char *text, long timeout_ms)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *rcpt = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    char *msg = message(t, subject, text);
    int err = 0;

    if (!curl || !msg) {
        curl_easy_cleanup(curl);
        free(msg);
        return ukiyo__error_set(UKIYO_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < t->to.count; i++)
        rcpt = curl_slist_append(rcpt, t->to.items[i]);
    upload up = {msg, strlen(msg), 0};
    curl_easy_setopt(curl, CURLOPT_URL, t->url);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, t->from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    if (t->starttls)
        curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (t->cacert)
        curl_easy_setopt(curl, CURLOPT_CAINFO, t->cacert);
    if (t->user)
        curl_easy_setopt(curl, CURLOPT_USERNAME, t->user);
    if (t->password)
        curl_easy_setopt(curl, CURLOPT_PASSWORD, t->password);
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK)
        err = ukiyo__error_set(rc == CURLE_OPERATION_TIMEDOUT ? UKIYO_ETIMEOUT : UKIYO_ECONNECT,
                               "%s: %s", t->name, errbuf[0] ? errbuf : curl_easy_strerror(rc));
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    ukiyo__str_free_secret(msg);
    return err;
}
