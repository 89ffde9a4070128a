/* What the HTTP module's files share: the request, responses, problems and the routes. */
#ifndef LOTSEN_HTTP_INT_H
#define LOTSEN_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "acdhost/acd_host.h"
#include "core/app.h"
#include "core/auth.h"
#include "base/metric.h"
#include "base/valid.h"

struct MHD_Connection;
struct MHD_Response;

#define REQ_MAX_PARAMS 4

struct http;
struct req;
/* Sets a deferred request's answer, on the loop thread. */
typedef void(req_answer_h)(struct req *r, void *arg);
/* Work of a request on a worker thread: it touches no database and no libmicrohttpd. */
typedef void(work_h)(void *arg);
/* The same, given the worker's own context (for the read workers: their struct db). */
typedef void(work_ctx_h)(void *ctx, void *arg);
struct db;
/* A read of a request on a read worker, with the worker's own read-only connection: it
 * touches neither the loop's connection nor libmicrohttpd nor the request (only what the
 * job carries); it may take long. */
typedef void(read_h)(struct db *db, void *arg);

/* One HTTP request, from the first byte of its body to the response. */
struct req {
	struct MHD_Connection *conn;    /* libmicrohttpd's connection (borrowed) */
	struct app *app;                /* the server (borrowed) */
	const char *method;             /* GET, POST, PATCH, PUT, DELETE */
	const char *path;               /* without the query string */
	char *body;                     /* the request body, NUL-terminated (owned) */
	size_t body_len;                /* bytes in body */
	size_t body_max;                /* largest body this request may have (router_body_max) */
	bool too_large;                 /* the body exceeded body_max */
	size_t discarded;               /* oversize body bytes read and dropped */
	const char *lang;               /* "sv" (default) or "en" from Accept-Language */
	struct principal who;           /* the logged-in user; who.id 0 if none */
	int64_t now;                    /* request time, seconds since the epoch */
	int64_t params[REQ_MAX_PARAMS]; /* numeric path parameters ({id}) in order */
	size_t nparams;                 /* how many params were matched */
	unsigned status;                /* response status once set */
	struct MHD_Response *resp;      /* response once set */
	struct sse_hub *sse;            /* the server's event streams (borrowed) */
	struct http *http;              /* the server (borrowed) */
	work_h *work;                   /* req_defer: runs on a worker thread */
	read_h *read;                   /* req_defer_read: runs on a read worker */
	const char *route;              /* the matched route's pattern, "static", or NULL */
	uint64_t start_us;              /* when its head arrived, monotonic µs (for /metrics) */
	req_answer_h *deferred;         /* req_defer: then sets the answer, on the loop */
	void *deferred_arg;             /* their argument */
};

/* Pick Swedish or English text for the request's language. */
#define L(r, sv, en) ((r)->lang[0] == 'e' ? (en) : (sv))

/* --- responses --- */
int resp_json(struct req *r, unsigned status, json_t *body); /* steals body */
int resp_text(struct req *r, unsigned status, const char *ctype, const char *body, size_t n);
int resp_empty(struct req *r, unsigned status);
/* A file's content from `fd` (taken over: closed when sent), `size` bytes, as `ctype`. */
int resp_fd(struct req *r, unsigned status, const char *ctype, int fd, size_t size);
const char *req_query(struct req *r, const char *key);
/* An optional integer ≥ 0 in the query string (0 when absent); on a bad value the 400
 * naming the parameter is already sent and EINVAL returned. */
int req_query_int(struct req *r, const char *key, int64_t *out);
/* The same, at most `max` (a larger value is the 400, never cut down). */
int req_query_max(struct req *r, const char *key, int64_t max, int64_t *out);
/* Answer 400 bad-query naming the query parameter `key` and what is wrong with it;
 * returns EINVAL. */
int req_query_bad(struct req *r, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* An optional time in the query string ("2026-11-23" is Stockholm midnight, or ISO 8601),
 * in ms; *out_ms is left as it was when absent. On a bad value the 400 is sent. */
int req_query_time_ms(struct req *r, const char *key, int64_t *out_ms);
const char *req_header(struct req *r, const char *key);
/* Content-Security-Policy (`csp` plus frame-ancestors 'none'; csp may be NULL) and
 * X-Frame-Options: DENY, which every answer carries. */
void resp_frame_guard(struct MHD_Response *resp, const char *csp);
/* --- lists ---
 * Every list answers {"items": […], "total": N, "limit": L, "offset": O}. */
struct page {
	int64_t limit;  /* at most this many items (0 gives only the total) */
	int64_t offset; /* items skipped before the first one sent */
	int64_t total;  /* items the list holds without limit and offset */
};
/* ?limit= (0–max, def when absent) and ?offset= (≥ 0); on a bad value the 400 naming the
 * parameter is already sent and EINVAL returned. */
int req_query_page(struct req *r, int64_t def, int64_t max, struct page *pg);
/* The list envelope with items (stolen) already cut to the page. */
int resp_list(struct req *r, json_t *items, const struct page *pg);
/* The list envelope for a whole list in memory (stolen): total is its size, and only the
 * page's part of it is sent. */
int resp_list_slice(struct req *r, json_t *all, struct page *pg);
/* The same envelope as an object (to add to), not yet sent. */
json_t *resp_list_object(json_t *all, struct page *pg);

/* Add a header to the response already set (Retry-After …). */
int resp_header(struct req *r, const char *key, const char *value);
/* The client's address as text ("192.0.2.7", "2001:db8::7"): the TCP peer's, or, when the
 * peer is one of the `trusted-proxies`, the one its X-Forwarded-For / Forwarded names
 * (base/proxy.h). ENOENT when unknown. Rate limits and the audit log take it from here. */
int req_client_addr(struct req *r, char *out, size_t n);

/* --- problems (RFC 9457) ---
 * A problem collects field errors (the domain's own type, core/valid.h: valid_add(&p.errors,
 * field, fmt, …)); resp_problem sends it as application/problem+json. */
struct problem {
	unsigned status;  /* 400, 404, 409, 413, 422 … */
	const char *type; /* short slug: validation, not-found, forbidden … */
	const char *title;
	char detail[512];
	struct verrors errors; /* rendered as "errors": [{"field","message"}] (owned) */
};
void problem_init(struct problem *p);
int resp_problem(struct req *r, struct problem *p); /* consumes p */
/* The field errors collected by validation, as one problem with v->status (takes v's
 * list). */
int resp_field_errors(struct req *r, struct verrors *v);
int resp_error(struct req *r, unsigned status, const char *type, const char *title, const char *fmt,
               ...) __attribute__((format(printf, 5, 6)));
/* A problem response on its own, for answers given outside a request (NULL on ENOMEM). */
struct MHD_Response *resp_problem_response(unsigned status, const char *type, const char *title,
                                           const char *detail);
/* Map a store error (ENOENT, EEXIST, …) to a response. */
int resp_store_error(struct req *r, int err, const char *what);
/* What a domain call was about, as resp_domain names it. */
struct domain_ref {
	const char *what;    /* the record in English as store errors name it: "case" */
	const char *none_sv; /* the 404's words: "inget ärende" → "Det finns inget ärende med
	                        id 7." */
	const char *none_en; /* "case" → "There is no case with id 7." */
	int64_t id;          /* the record's id */
	const char *denied_sv, *denied_en; /* why a 403; NULL: "Your role may not access
	                                      <what>." */
};
/* The answer to a domain function's errno `err` (0: nothing is set, 0 returned), checked
 * in this order: ENOENT → 404 not-found naming ref; EPERM or EACCES → 403 forbidden with
 * ref's reason; field errors in `fe` (NULL: none) → their problem with fe->status (422, or
 * 404/409 when the domain said so; the list is taken); EEXIST → 409 conflict; anything
 * else as resp_store_error (EBUSY from the store is the database busy: 503). */
int resp_domain(struct req *r, int err, const struct domain_ref *ref, struct verrors *fe);

/* Parse the body as a JSON object; on failure the 400 response is already set. */
int req_json_object(struct req *r, json_t **out);

/* --- routes --- */
typedef int(route_h)(struct req *r);

/* Besides the roles, a route's `roles` may carry ROUTE_QUEUE (a bit no role uses): the
 * route needs the queue engine, so a standby node (app->clustered, no app->acd) answers
 * it 503 queue-elsewhere with Retry-After: 1 and the proxy in front tries the next node. */
#define ROUTE_QUEUE (1u << 30)

struct route {
	const char *method;  /* "GET" … */
	const char *pattern; /* "/api/v1/cases/{id}"; {id} matches a positive 64-bit
	                        integer, {id32} one below 2^32 (queue groups, agents) */
	unsigned roles;      /* roles allowed; 0 means public (no login) */
	route_h *h;
};

/* Each api_*.c file exports its table; router.c concatenates them. */
extern const struct route api_auth_routes[];
extern const struct route api_resource_routes[];
extern const struct route api_case_routes[];
extern const struct route api_acd_routes[];
extern const struct route api_kb_routes[];
extern const struct route api_report_routes[];
extern const struct route api_hold_routes[];
extern const struct route api_public_routes[];
extern const struct route api_call_routes[];
extern const struct route api_desk_routes[];
extern const struct route api_tel_routes[];
extern const struct route api_wfm_routes[];
extern const struct route api_mail_routes[];
extern const struct route api_mail_acd_routes[];
extern const struct route api_case_life_routes[];

/* --- the case's version (api_case_life.c) --- */
/* The ETag of a case version: "12" (quotes included). */
void req_etag_format(int64_t version, char out[32]);
/* Whether the If-Match header `h` lets a write go on for the current entity tag `tag`: *
 * or the tag in its list (strong comparison: W/ tags never match). */
bool req_if_match_ok(const char *h, const char *tag);
/* If-Match on a case: 0 without the header, with * or with the case's current ETag (or when
 * there is no such case: the handler's 404 follows). Otherwise the 412 is set and EAGAIN
 * returned. */
int req_if_match_case(struct req *r, int64_t case_id);
/* The case as its reader may see it, with its ETag (api_cases.c). */
int api_case_response(struct req *r, int64_t id, unsigned status);
/* POST /api/v1/handovers/{id}/answer (api_case_life.c). */
int api_handover_answer(struct req *r);
extern const struct route api_sso_routes[];
extern const struct route api_metrics_routes[];
extern const struct route api_openapi_routes[];
/* The OpenAPI 3.1 document (a new reference) served at /api/v1/openapi.json. */
int api_openapi_document(json_t **out);

/* The route tables router.c walks, in order, ending with NULL (for the API description). */
extern const struct route *const router_tables[];

/* Finished requests by method, route pattern and status since the server started, each
 * with its latency from the request head to the last byte sent (server.c). */
struct http_req_count {
	const char *method; /* "GET" … or "other" (static text) */
	const char *route;  /* the route's pattern, "static" or "unmatched" (borrowed, static) */
	unsigned status;    /* the HTTP status sent */
	struct metric_hist hist; /* latencies; hist.count is the number of requests */
};
/* The counters (borrowed: valid until the next request finishes), how many there are. */
size_t http_req_counts(const struct http *h, const struct http_req_count **out);

/* Password login under `local-passwords` (api_sso.c): 1 with the 403 already set when
 * password logins are refused, for everyone (who NULL: before the lookup) or for `who`
 * (after the password was found right: only administrators under "admins"); else 0. */
int sso_password_refused(struct req *r, const struct principal *who);
extern const struct route api_mail_admin_routes[];
extern const struct route api_wallboard_routes[];

/* Answers 400 to a path or query value that is not UTF-8 text or holds a NUL. */
int router_dispatch(struct req *r);
/* The largest body the request may send: app->max_body, or app->attachment_max for an
 * upload of an attachment (known from method and path, before the body is read). */
size_t router_body_max(struct req *r);
/* libmicrohttpd's unescaper for paths and query strings: a decoded NUL (%00) is kept
 * visible to router_dispatch instead of cutting the string short. */
size_t router_unescape_h(void *arg, struct MHD_Connection *conn, char *s);

/* --- work off the loop (workers.c) --- */
typedef void(work_done_h)(void *arg); /* afterwards, on the loop thread */
struct workers;
/* n (1…8) threads. */
int workers_alloc(struct workers **wp, unsigned n);
/* The same, thread i given ctx[i] (borrowed: it must outlive workers_free). */
int workers_alloc_ctx(struct workers **wp, unsigned n, void *const *ctx);
/* Queue a job; `arg` must live until `done` has run. */
int workers_submit(struct workers *w, work_h *work, work_done_h *done, void *arg);
/* The same for work that is given its worker's context. */
int workers_submit_ctx(struct workers *w, work_ctx_h *work, work_done_h *done, void *arg);
/* Jobs submitted whose done has not run yet. */
unsigned workers_queued(const struct workers *w);
/* Called on the loop around each wake-up that runs finished jobs' done handlers: `before`
 * ahead of the first, `after` once the last has run (so what every done handler needs
 * afterwards, libmicrohttpd's run, is done once per wake-up, not once per job). Either
 * may be NULL. */
typedef void(workers_hook_h)(void *arg);
void workers_set_hooks(struct workers *w, workers_hook_h *before, workers_hook_h *after, void *arg);
/* Finishes the queued jobs (running their done handlers), then ends the threads. */
void workers_free(struct workers *w);

/* Answer r later: `work` runs on a worker thread, then `answer` on the loop sets the
 * response (and may write to the database, inside the turn's group commit). Meanwhile
 * the connection is suspended. EBUSY when too many jobs wait already (the caller answers
 * 503 itself). */
int req_defer(struct req *r, work_h *work, req_answer_h *answer, void *arg);
/* The same on the threads that wait for other servers (the OpenID provider), so a slow
 * provider holds up neither the loop nor the password checks. */
int req_defer_net(struct req *r, work_h *work, req_answer_h *answer, void *arg);
/* Answer r after a read on a read worker (`read` gets the worker's read-only connection),
 * then `answer` on the loop, as req_defer. The handler copies into `arg` all the read
 * needs (query values, the principal, the time): r is not to be touched by `read`. Without
 * read workers (an in-memory database) `read` runs at once on the loop with the loop's
 * connection. EBUSY when too many reads wait already (the caller answers 503 itself, or
 * calls req_read_busy). */
int req_defer_read(struct req *r, read_h *read, req_answer_h *answer, void *arg);
/* The 503 for EBUSY from req_defer_read (Retry-After: 1). */
int req_read_busy(struct req *r);
/* The loop's longest busy stretch in one callback of the HTTP front (libmicrohttpd's
 * socket and timers, the workers' answers, the commit's fsync) and of the loop as seen
 * by a probe timer, over the last full 10 s window, in ms. */
double http_loop_max_ms(const struct http *h);
/* How late the loop's probe timer fired at most, over the same window, in ms: it shows a
 * callback outside the HTTP front (SIP, the queue) holding the loop too. */
double http_loop_probe_ms(const struct http *h);
/* The most CPU time the loop thread spent in one such callback, same window, in ms. */
double http_loop_cpu_ms(const struct http *h);

/* --- Server-Sent Events (sse.c) --- */
struct sse_hub;
int sse_hub_alloc(struct sse_hub **hp);
/* Ask every stream to end (before the daemon stops). */
void sse_hub_close_all(struct sse_hub *hub);
void sse_hub_free(struct sse_hub *hub);
size_t sse_hub_count(const struct sse_hub *hub);
/* Who runs libmicrohttpd when a stream is woken outside a request (server.c). */
void sse_hub_set_kick(struct sse_hub *hub, void (*kick)(void *arg), void *arg);
/* Answer r with a stream that receives the queue's notes meant for r->who. */
int sse_open(struct req *r, struct sse_hub *hub);
/* The queue host's listener: fans its notes out to the streams (arg = the hub). */
void sse_acd_note_h(enum acd_note_kind kind, uint32_t id, const struct acd_action *act,
                    const json_t *json, void *arg);
/* Tell every stream that urgent notice `id` was published, changed or withdrawn: a
 * `notice` event carrying only the id, so each page refetches what its reader may see. */
void sse_notice(struct sse_hub *hub, int64_t id);
/* The same as sse_acd_note_h for notes relayed from another node's engine (a standby):
 * the last group and agent snapshots are kept for streams opened later. */
void sse_relay_note_h(enum acd_note_kind kind, uint32_t id, const struct acd_action *act,
                      const json_t *json, void *arg);
/* End the open streams of display `display_id` (its login was revoked): the browser's
 * reconnection then meets the 401. */
void sse_close_display(struct sse_hub *hub, int64_t display_id);
/* Serve a file from app->static_dir; ENOENT if there is none. */
int static_serve(struct req *r);

#endif
