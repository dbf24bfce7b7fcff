/*
 * routes_dashboard.c - GET / and the dashboard's script and style, from
 * the table built into ukiyod (dashboard.h). They need no token: the page
 * shows nothing before its sign-in, and every call it makes carries the
 * token like any client's. The headers keep it from running anything but
 * its own script and from being framed.
 */
#include <string.h>

#include "dashboard.h"
#include "handlers.h"

int handle_dashboard(route_context *ctx, const route_request *req)
{
    (void)ctx;
    for (const dashboard_file *f = dashboard_files; f->path; f++)
        if (strcmp(f->path, req->url) == 0) {
            req->reply->status = MHD_HTTP_OK;
            req->reply->page = f;
            return MHD_YES;
        }
    return server_answer_error(req, MHD_HTTP_NOT_FOUND, "not_found", "no such page");
}
