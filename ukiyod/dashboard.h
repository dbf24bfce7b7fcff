/*
 * dashboard.h - the dashboard's files, built into ukiyod (tools/embed.py
 * writes the table from ukiyod/dashboard/ at build time), so that nothing
 * is fetched from anywhere else.
 */
#ifndef UKIYOD_DASHBOARD_H
#define UKIYOD_DASHBOARD_H

#include <stddef.h>

typedef struct {
    const char *path; /* "/", "/app.js", ...; NULL ends the table */
    const char *type; /* its Content-Type */
    const unsigned char *data;
    size_t len;
} dashboard_file;

extern const dashboard_file dashboard_files[];

#endif
