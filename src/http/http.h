/* The HTTP front: libmicrohttpd driven from libre's main loop, JSON API under /api/v1. */
#ifndef LOTSEN_HTTP_HTTP_H
#define LOTSEN_HTTP_HTTP_H

struct app;
struct http;

/* Listen on `addr` ("127.0.0.1:8080", "[::1]:8080", ":8080"); the loop must run re_main(). */
int http_start(struct http **hp, struct app *app, const char *addr);
/* Stop accepting, let the running requests end, close. */
void http_stop(struct http *h);
/* The port actually bound (useful with port 0). */
unsigned http_port(const struct http *h);

#endif
