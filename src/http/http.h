/* The HTTP front: libmicrohttpd driven from libre's main loop, JSON API under /api/v1. */
#ifndef LOTSEN_HTTP_HTTP_H
#define LOTSEN_HTTP_HTTP_H

#include "acdhost/acd_host.h"

struct app;
struct http;

/* Listen on `addr` ("127.0.0.1:8080", "[::1]:8080", ":8080"); the loop must run re_main(). */
int http_start(struct http **hp, struct app *app, const char *addr);
/* Stop accepting, let the running requests end, close. */
void http_stop(struct http *h);
/* The port actually bound (useful with port 0). */
unsigned http_port(const struct http *h);

struct db;
typedef void(http_read_h)(struct db *db, void *arg);
typedef void(http_done_h)(void *arg);
/* Runs read(db, arg) on a read worker with its read-only connection (on the loop with the
 * loop's connection when there are no read workers), then done(arg) on the loop, which
 * may write. done runs even when the server stops meanwhile. */
int http_run_read(struct http *h, http_read_h *read, http_done_h *done, void *arg);

/* A standby node that has just taken over the queue (app->acd is set now): the event
 * streams listen to the engine, and every open stream gets each group's snapshot. */
int http_queue_attach(struct http *h);
/* A standby's listener for the notes of the engine on another node (arg: the http):
 * they go to the event streams as the local engine's would. */
void http_queue_relay(enum acd_note_kind kind, uint32_t id, const struct acd_action *act,
                      const json_t *json, void *arg);

#endif
