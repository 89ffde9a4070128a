/* libmicrohttpd in external-epoll mode, driven by libre's main loop on the one loop thread. */
#include "http/http.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>
#include <re_types.h>
#include <re_fmt.h>
#include <re_list.h>
#include <re_tmr.h>
#include <re_main.h>

#include "acdhost/acd_host.h"
#include "base/log.h"
#include "base/metric.h"
#include "http/http_int.h"
#include "kb/kb.h"
#include "store/batch.h"
#include "store/db.h"

#define DISCARD_MAX   (16u << 20)      /* an announced body larger than this is refused unread */
#define CONN_LIMIT    4000u            /* open connections in all */
#define CONN_SPARE    (CONN_LIMIT / 4) /* kept free by cutting slow heads sooner */
#define SWEEP_MS      1000             /* how often slow connections are looked for */
#define DEFER_MAX     32               /* deferred requests waiting for a worker at most */
#define WORKERS       2                /* threads for password hashing */
#define NET_WORKERS   2                /* threads for requests to other servers (the IdP) */
#define READERS_MAX   8                /* read workers at most (read-workers) */
#define READ_MAX      64               /* reads waiting for a read worker at most */
#define LAG_WINDOW_MS 10000            /* the loop's longest callback is kept per window */
#define LAG_LOG_MS    60000            /* and logged this often when above LAG_LOG_OVER */
#define LAG_LOG_OVER  5.0              /* ms */
#define LAG_PROBE_MS  50               /* the probe timer's period */
#define RUN_ROUNDS    4 /* batches one run_mhd commits before the loop's other events */

/* Where a connection is in its request. */
enum conn_phase {
	CONN_HEAD, /* waiting for a request line and headers (also between requests) */
	CONN_BODY, /* the head is in; the body is arriving */
	CONN_BUSY, /* the request is in: Lotsen answers it (or streams to it) */
	CONN_CUT,  /* shut down by the sweep; libmicrohttpd has yet to close it */
};

/* One open connection, from accept to close (libmicrohttpd's socket context). */
struct conn {
	struct le le;             /* in http.conns */
	struct MHD_Connection *c; /* borrowed */
	int fd;                   /* its socket (libmicrohttpd's) */
	enum conn_phase phase;    /* see above */
	uint64_t since;           /* when the phase began, tmr_jiffies() ms */
	uint64_t body_bytes;      /* bytes of body received in CONN_BODY */
	bool refused;             /* libmicrohttpd answered an error itself */
};

struct http {
	struct MHD_Daemon *d;    /* the daemon, no threads of its own */
	struct app *app;         /* borrowed */
	int epfd;                /* MHD's epoll descriptor, watched by re_main */
	struct tmr tmr;          /* MHD's own timeouts (idle connections) */
	unsigned port;           /* bound port */
	struct db_batch *batch;  /* the loop's group commit (app's, or our own without one) */
	bool own_batch;          /* batch is ours to free */
	size_t resumed;          /* requests resumed since run_mhd last looked */
	bool in_run;             /* inside run_mhd: it runs MHD again itself */
	bool stopping;           /* http_stop: no new batch (nothing may stay suspended) */
	struct sse_hub *sse;     /* open event streams */
	struct workers *workers; /* password hashing off the loop */
	struct workers *net;     /* requests to other servers (OpenID provider) off the loop */
	struct list conns;       /* every open connection (struct conn) */
	unsigned nconns;         /* entries in conns */
	struct tmr sweep;        /* looks for heads and bodies that are too slow */
	uint64_t head_ms;        /* a head must be complete this long after it may start */
	uint64_t body_rate;      /* bytes/s a body must average once head_ms has passed; 0: any */
	struct workers *readers; /* reads off the loop, NULL: reads run on the loop */
	struct db *rdb[READERS_MAX]; /* each read worker's read-only connection */
	unsigned nreaders;           /* entries in rdb */
	/* How long the loop stays in one callback: the HTTP front's own callbacks are timed,
	 * and a probe timer's lateness shows any other callback (SIP, the queue) that held
	 * the loop. */
	struct tmr lag_probe; /* every LAG_PROBE_MS */
	uint64_t probe_due;   /* when the probe should fire, monotonic ms */
	uint64_t lag_window;  /* the current window's start, monotonic ms */
	double lag_max;       /* the current window's longest callback, ms */
	double lag_prev;      /* the last full window's */
	double cpu_max;       /* the current window's most CPU time in one callback, ms */
	double cpu_prev;      /* the last full window's */
	double probe_max;     /* the current window's largest probe lateness, ms */
	double probe_prev;    /* the last full window's */
	uint64_t lag_calls;   /* callbacks timed since the last log line */
	double lag_log_max;   /* the longest callback since the last log line */
	double probe_log_max; /* the largest probe lateness since the last log line */
	uint64_t lag_log_at;  /* when the last log line was due, monotonic ms */
	double trace_ms;      /* LOTSEN_LOOP_TRACE_MS: every callback longer is logged, or 0 */
	bool in_done;         /* running a workers' wake-up: its done handlers are timed as one */
	bool mhd_due;         /* a done handler answered: libmicrohttpd runs after the last one */
	uint64_t done_wall, done_cpu;  /* when that wake-up began: clock, thread CPU (us) */
	struct db_costs done_db;       /* and the loop connection's storage costs */
	struct http_req_count *counts; /* requests by method, route and status (owned) */
	size_t ncounts, capcounts;
};

static void run_mhd(struct http *h);

/* ---- loop lag ---- */

static uint64_t clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t mono_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

/* A callback's start: the wall clock, the loop thread's CPU time and (for the trace)
 * what the loop's connection had spent on commits and checkpoints. */
struct lag_mark {
	uint64_t wall, cpu;
	struct db_costs db;
};

static struct lag_mark lag_start_h(const struct http *h)
{
	struct lag_mark m = {clock_us(CLOCK_MONOTONIC), clock_us(CLOCK_THREAD_CPUTIME_ID), {0}};

	if (h->trace_ms > 0 && h->app && h->app->db)
		db_costs(h->app->db, &m.db);
	return m;
}

/* Closes the windows that have ended by `now_ms`, and logs once a minute when the loop
 * was held longer than LAG_LOG_OVER. */
static void lag_roll(struct http *h, uint64_t now_ms)
{
	if (now_ms - h->lag_window >= LAG_WINDOW_MS) {
		bool idle = now_ms - h->lag_window >= 2 * LAG_WINDOW_MS;

		h->lag_prev = idle ? 0 : h->lag_max;
		h->probe_prev = idle ? 0 : h->probe_max;
		h->cpu_prev = idle ? 0 : h->cpu_max;
		h->lag_max = 0;
		h->cpu_max = 0;
		h->probe_max = 0;
		h->lag_window = now_ms;
	}
	if (now_ms - h->lag_log_at >= LAG_LOG_MS) {
		if (h->lag_log_max > LAG_LOG_OVER || h->probe_log_max > LAG_LOG_OVER)
			log_info("loop.lag", "max_ms=%.1f probe_late_ms=%.1f callbacks=%llu",
			         h->lag_log_max, h->probe_log_max,
			         (unsigned long long)h->lag_calls);
		h->lag_log_at = now_ms;
		h->lag_log_max = 0;
		h->probe_log_max = 0;
		h->lag_calls = 0;
	}
}

/* The wall time counts what the loop made others wait; the CPU time tells a callback that
 * worked long from one whose thread the machine did not run meanwhile. */
static void lag_add(struct http *h, const char *what, uint64_t t1, double ms, double cpu,
                    const struct db_costs *c0)
{
	lag_roll(h, t1 / 1000);
	/* The debug trace: which callback, and how much of it was the storage's. */
	if (h->trace_ms > 0 && ms >= h->trace_ms) {
		struct db_costs c1 = {0};

		if (c0 && h->app && h->app->db)
			db_costs(h->app->db, &c1);
		else if (c0)
			c1 = *c0;
		log_info("loop.slow",
		         "what=%s wall_ms=%.2f cpu_ms=%.2f commits=%llu commit_ms=%.2f ckpts=%llu "
		         "ckpt_ms=%.2f",
		         what, ms, cpu, c0 ? (unsigned long long)(c1.commits - c0->commits) : 0ULL,
		         c0 ? (double)(c1.commit_us - c0->commit_us) / 1000.0 : 0.0,
		         c0 ? (unsigned long long)(c1.ckpts - c0->ckpts) : 0ULL,
		         c0 ? (double)(c1.ckpt_us - c0->ckpt_us) / 1000.0 : 0.0);
	}
	h->lag_calls++;
	if (cpu > h->cpu_max)
		h->cpu_max = cpu;
	if (ms > h->lag_max)
		h->lag_max = ms;
	if (ms > h->lag_log_max)
		h->lag_log_max = ms;
}

static void lag_note_what(struct http *h, const char *what, struct lag_mark t0)
{
	uint64_t t1 = mono_us();

	lag_add(h, what, t1, (double)(t1 - t0.wall) / 1000.0,
	        (double)(clock_us(CLOCK_THREAD_CPUTIME_ID) - t0.cpu) / 1000.0, &t0.db);
}
#define lag_note(h, t0) lag_note_what(h, __func__, t0)

/* The group commit's own callbacks (the end of a turn, the fsync's answer), timed by
 * store/batch.c. */
static void batch_lag_h(void *arg, const char *what, double wall_ms, double cpu_ms)
{
	lag_add(arg, what, mono_us(), wall_ms, cpu_ms, NULL);
}

static void lag_probe_h(void *arg)
{
	struct http *h = arg;
	uint64_t now = mono_us();
	double late = now / 1000 > h->probe_due ? (double)(now / 1000 - h->probe_due) : 0;

	lag_roll(h, now / 1000);
	if (late > h->probe_max)
		h->probe_max = late;
	if (late > h->probe_log_max)
		h->probe_log_max = late;
	h->probe_due = now / 1000 + LAG_PROBE_MS;
	tmr_start(&h->lag_probe, LAG_PROBE_MS, lag_probe_h, h);
}

double http_loop_max_ms(const struct http *h)
{
	double m = h->lag_max > h->lag_prev ? h->lag_max : h->lag_prev;

	return m;
}

double http_loop_cpu_ms(const struct http *h)
{
	return h->cpu_max > h->cpu_prev ? h->cpu_max : h->cpu_prev;
}

double http_loop_probe_ms(const struct http *h)
{
	return h->probe_max > h->probe_prev ? h->probe_max : h->probe_prev;
}

static void mhd_tmr_h(void *arg)
{
	struct lag_mark t0 = lag_start_h(arg);

	run_mhd(arg);
	lag_note(arg, t0);
}

/* An event stream was woken: run libmicrohttpd from a zero timer (never inside run_mhd). */
static void sse_kick_h(void *arg)
{
	struct http *h = arg;

	if (!h->in_run && !h->stopping)
		tmr_start(&h->tmr, 0, mhd_tmr_h, h);
}

static void mhd_fd_h(int flags, void *arg)
{
	struct lag_mark t0 = lag_start_h(arg);

	(void)flags;
	run_mhd(arg);
	lag_note(arg, t0);
}

/* The batch's commit failed (`committed` false: nothing of it was kept), or its fsync did
 * (the writes are in the database but may not survive a power failure). */
static void fail_storage(struct req *r, bool committed)
{
	resp_error(r, 503, "storage", L(r, "Lagringen misslyckades", "Storage failed"), "%s",
	           committed
	                   ? L(r,
	                       "Disken bekräftade inte skrivningen; kontrollera "
	                       "ärendet innan du försöker igen.",
	                       "The disk did not confirm the write; check the case "
	                       "before trying again.")
	                   : L(r, "Inget sparades; försök igen.", "Nothing was saved; try again."));
}

/* A held request's writes are on disk (or failed): its answer goes out with the next
 * MHD_run, which run_mhd does itself or a zero timer starts. */
static void stored_h(int err, bool committed, void *arg)
{
	struct req *r = arg;
	struct http *h = r->http;

	if (err)
		fail_storage(r, committed);
	MHD_resume_connection(r->conn);
	h->resumed++;
	if (!h->in_run && !h->stopping)
		tmr_start(&h->tmr, 0, mhd_tmr_h, h);
}

/* Ends the batch, unless the disk is still busy with the last one (then the batch goes
 * on collecting requests). Returns how many requests can be answered right away. */
static size_t end_batch(struct http *h)
{
	size_t n;

	db_batch_end(h->batch);
	n = h->resumed;
	h->resumed = 0;
	return n;
}

/* Group commit: the requests of a loop turn write inside one transaction (each in its
 * own savepoint), shared with the telephony's writes of the same turn (store/batch.c);
 * responses of requests that wrote are held until the commit is on disk, so an
 * acknowledged case survives a crash while the fsync is shared. With durability=full the
 * fsync runs on the store's sync thread: while it does, the loop goes on and the next
 * batch collects every request that arrives meanwhile. */
static void run_mhd(struct http *h)
{
	MHD_UNSIGNED_LONG_LONG timeout;

	/* Repeat while requests were answered: the next MHD_run sends their responses
	 * (and may start the next batch with requests that arrived meanwhile). At the
	 * connection limit libmicrohttpd stops watching the listening socket and only looks
	 * again at its next run: when connections closed meanwhile, that run is now, or the
	 * clients waiting to be accepted would wait for some other event.
	 * A commit that completes on the loop (PostgreSQL's, or SQLite's with durability
	 * off) answers its batch at once, and under steady writing the next batch is always
	 * there: after RUN_ROUNDS the loop's other events (SIP, timers, a SIGTERM) go first
	 * and a zero timer goes on with the answers. */
	unsigned rounds = 0;
	bool more;

	h->in_run = true;
	h->resumed = 0;
	do {
		unsigned before = h->nconns;

		MHD_run(h->d);
		if (before >= CONN_LIMIT && h->nconns < before)
			MHD_run(h->d);
	} while ((more = end_batch(h) > 0) && ++rounds < RUN_ROUNDS);
	h->in_run = false;
	if (more)
		tmr_start(&h->tmr, 0, mhd_tmr_h, h);
	else if (MHD_get_timeout(h->d, &timeout) == MHD_YES)
		tmr_start(&h->tmr, timeout ? timeout : 1, mhd_tmr_h, h);
	else
		tmr_cancel(&h->tmr);
}

static int hold(struct http *h, struct req *r)
{
	if (!db_batch_open(h->batch))
		return EALREADY; /* its own transaction committed it */
	return db_batch_wait(h->batch, stored_h, r);
}

static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void too_large(struct req *r)
{
	resp_error(r, 413, "body-too-large", L(r, "För stor begäran", "Request too large"),
	           L(r, "Begärans innehåll får vara högst %zu byte.",
	             "The request body may be at most %zu bytes."),
	           r->body_max);
}

static const char *pick_lang(struct MHD_Connection *c)
{
	const char *al = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language");
	/* Swedish first; English only when the client puts it first. */
	if (al && (strncmp(al, "en", 2) == 0))
		return "en";
	return "sv";
}

static enum MHD_Result access_h(void *cls, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *version, const char *upload_data,
                                size_t *upload_data_size, void **con_cls)
{
	struct http *h = cls;
	struct req *r = *con_cls;
	struct timespec ts;
	int64_t changes;

	(void)version;
	{
		/* libmicrohttpd 0.9.75 passes on a request whose headers it refused (a bad
		 * Content-Length): its answer is already on the way. */
		struct conn *k = conn_of(conn);
		if (k && k->refused) {
			*upload_data_size = 0;
			return MHD_YES;
		}
	}
	if (!r) {
		const char *cl;
		struct conn *k = conn_of(conn);

		if (k && k->phase != CONN_CUT) {
			k->phase = CONN_BODY;
			k->since = tmr_jiffies();
			k->body_bytes = 0;
		}

		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->conn = conn;
		r->app = h->app;
		r->method = method;
		r->path = url;
		r->lang = pick_lang(conn);
		r->sse = h->sse;
		r->http = h;
		r->start_us = mono_us();
		r->body_max = router_body_max(r);
		*con_cls = r;
		/* An announced oversize body is refused, but still read (up to a bound) so
		 * the client, which is busy sending it, gets to see the 413. */
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (cl) {
			char *end;
			unsigned long long n = strtoull(cl, &end, 10);
			if (*end == '\0' && n > r->body_max)
				r->too_large = true;
			/* Far too large: refused before a byte of it is read (libmicrohttpd then
			 * closes the connection after the answer). */
			if (*end == '\0' && n > DISCARD_MAX && n > r->body_max) {
				too_large(r);
				return MHD_queue_response(conn, r->status, r->resp);
			}
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		struct conn *k = conn_of(conn);

		if (k)
			k->body_bytes += n;

		if (!r->too_large && r->body_len + n <= r->body_max) {
			char *nb = realloc(r->body, r->body_len + n + 1);
			if (!nb)
				return MHD_NO;
			memcpy(nb + r->body_len, upload_data, n);
			r->body = nb;
			r->body_len += n;
			r->body[r->body_len] = '\0';
		} else {
			r->too_large = true;
			r->discarded += n;
		}
		/* A body of unannounced length is read to its end however large (only its
		 * first max_body bytes are kept): libmicrohttpd cannot answer in the middle. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->resp) /* resumed after the turn's commit or the deferred work */
		return MHD_queue_response(conn, r->status, r->resp);
	{
		struct conn *k = conn_of(conn);
		if (k && k->phase != CONN_CUT)
			k->phase = CONN_BUSY;
	}

	clock_gettime(CLOCK_REALTIME, &ts);
	r->now = ts.tv_sec;
	/* The batch's transaction opens with its first request (a turn that only sends
	 * answers opens none). */
	if (!h->stopping)
		(void)db_batch_join(h->batch);
	changes = db_total_changes(h->app->db);
	if (r->too_large)
		too_large(r);
	else
		router_dispatch(r);
	if (r->deferred && !r->resp) { /* answered when its work is done */
		MHD_suspend_connection(conn);
		return MHD_YES;
	}
	if (!r->resp)
		resp_error(r, 500, "internal", L(r, "Internt fel", "Internal error"), "%s",
		           L(r, "Ett oväntat fel inträffade.", "An unexpected error occurred."));
	if (db_tx_depth(h->app->db) > 0 && db_total_changes(h->app->db) != changes &&
	    hold(h, r) == 0) {
		MHD_suspend_connection(conn);
		return MHD_YES;
	}
	return MHD_queue_response(conn, r->status, r->resp);
}

/* The method as a label: one of a few known words, so a client cannot make up labels. */
static const char *method_label(const char *m)
{
	static const char *const known[] = {"GET",   "HEAD",   "POST",   "PUT",
	                                    "PATCH", "DELETE", "OPTIONS"};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (m && strcmp(m, known[i]) == 0)
			return known[i];
	return "other";
}

/* Count a finished request under its route's pattern (never the raw path: ids and made-up
 * paths would make a label per request). */
static void count_request(struct http *h, const struct req *r)
{
	const char *method = method_label(r->method);
	const char *route = r->route ? r->route : "unmatched";
	struct http_req_count *c = NULL;

	for (size_t i = 0; i < h->ncounts; i++) {
		struct http_req_count *e = &h->counts[i];

		if (e->status == r->status && e->method == method && strcmp(e->route, route) == 0) {
			c = e;
			break;
		}
	}
	if (!c) {
		if (h->ncounts == h->capcounts) {
			size_t nc = h->capcounts ? h->capcounts * 2 : 64;
			struct http_req_count *p = realloc(h->counts, nc * sizeof(*p));

			if (!p)
				return;
			h->counts = p;
			h->capcounts = nc;
		}
		c = &h->counts[h->ncounts++];
		*c = (struct http_req_count){.method = method, .route = route, .status = r->status};
	}
	metric_hist_observe(&c->hist, (double)(mono_us() - r->start_us) / 1e6);
}

size_t http_req_counts(const struct http *h, const struct http_req_count **out)
{
	*out = h->counts;
	return h->ncounts;
}

/* libmicrohttpd's own messages as Lotsen's log lines (event http.mhd), not raw text on
 * stderr. A client that leaves (a closed tab ends its live stream, a reset connection) is
 * everyday life: debug. The rest (a full connection table, a request it refused) is worth an
 * operator's look: warn. */
static void mhd_log_h(void *cls, const char *fmt, va_list ap)
{
	static const char *const everyday[] = {"no longer available", "reset by peer", "closed",
	                                       "timed out", "Broken pipe"};
	enum log_level lvl = LOG_WARN;
	char msg[256];
	size_t i, n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (i = 0, n = 0; msg[i]; i++) {
		char c = msg[i] == '"' ? '\'' : msg[i];

		if ((unsigned char)c < 0x20)
			c = ' ';
		msg[n++] = c;
	}
	while (n && msg[n - 1] == ' ')
		n--;
	msg[n] = '\0';
	for (i = 0; i < sizeof(everyday) / sizeof(everyday[0]); i++)
		if (strstr(msg, everyday[i]))
			lvl = LOG_DEBUG;
	log_event(lvl, "http.mhd", "message=\"%s\"", msg);
}

static void completed_h(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;
	struct http *h = cls;
	struct conn *k = conn_of(conn);

	if (k && k->phase != CONN_CUT) { /* a next request may follow on the connection */
		k->phase = CONN_HEAD;
		k->since = tmr_jiffies();
	}
	if (!r)
		return;
	if (r->status)
		count_request(h, r);
	if (r->status)
		log_debug("http.request", "method=%s path=\"%s\" status=%u user=%lld", r->method,
		          r->path, r->status, (long long)r->who.id);
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && r->status)
		log_debug("http.aborted", "path=\"%s\" code=%d", r->path, (int)toe);
	if (r->resp)
		MHD_destroy_response(r->resp);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

/* ---- slow clients ----
 * A client that trickles its request head (a header line every few seconds) or its body
 * keeps a connection without ever being idle, so libmicrohttpd's idle timeout does not
 * end it; thousands of them fill the server. Each connection is timed from accept (and
 * from the end of its last request): a head not complete within head_ms, or a body slower
 * than body_rate on average, gets its connection shut down. While the server is nearly
 * full, heads get a fifth of the time, so clients that send a request at once (health
 * checks, staff) still find room however many addresses the slow ones come from. */

static void notify_conn_h(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
	struct http *h = cls;
	struct conn *k = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		k = calloc(1, sizeof(*k));
		if (!k)
			return; /* untimed; libmicrohttpd's idle timeout still applies */
		k->c = c;
		k->fd = ci ? ci->connect_fd : -1;
		k->phase = CONN_HEAD;
		k->since = tmr_jiffies();
		list_append(&h->conns, &k->le, k);
		h->nconns++;
		*socket_context = k;
		return;
	}
	if (k) { /* MHD_CONNECTION_NOTIFY_CLOSED */
		list_unlink(&k->le);
		h->nconns--;
		free(k);
		*socket_context = NULL;
	}
}

static void sweep_h(void *arg)
{
	struct http *h = arg;
	uint64_t now = tmr_jiffies();
	struct lag_mark t0 = lag_start_h(h);
	uint64_t head_ms = h->head_ms;
	unsigned heads = 0, bodies = 0;

	if (h->nconns + CONN_SPARE >= CONN_LIMIT)
		head_ms = head_ms / 5 > 1000 ? head_ms / 5 : 1000;
	for (struct le *le = list_head(&h->conns); le; le = le->next) {
		struct conn *k = le->data;
		uint64_t age = now - k->since;
		bool cut = false;

		if (k->phase == CONN_HEAD && age >= head_ms) {
			cut = true;
			heads++;
		} else if (k->phase == CONN_BODY && h->body_rate && age >= h->head_ms &&
		           k->body_bytes * 1000 < h->body_rate * age) {
			cut = true;
			bodies++;
		}
		if (cut && k->fd >= 0) {
			/* libmicrohttpd sees the end of the stream and closes it on its next run.
			 */
			shutdown(k->fd, SHUT_RDWR);
			k->phase = CONN_CUT;
		}
	}
	if (heads || bodies) {
		log_info("http.slow_closed", "heads=%u bodies=%u open=%u", heads, bodies,
		         h->nconns);
		run_mhd(h);
	}
	tmr_start(&h->sweep, SWEEP_MS, sweep_h, h);
	lag_note(h, t0);
}

/* ---- work off the loop ---- */

static void deferred_work_h(void *arg)
{
	struct req *r = arg;

	r->work(r->deferred_arg);
}

static void deferred_read_h(void *ctx, void *arg)
{
	struct req *r = arg;

	r->read(ctx, r->deferred_arg);
}

/* On the loop: the deferred request's answer, with its writes in the turn's group commit
 * as in access_h. */
static void deferred_done_h(void *arg)
{
	struct req *r = arg;
	struct http *h = r->http;
	req_answer_h *answer = r->deferred;
	int64_t changes;
	struct lag_mark t0 = lag_start_h(h);

	if (!h->stopping)
		(void)db_batch_join(h->batch);
	changes = db_total_changes(h->app->db);
	r->deferred = NULL;
	answer(r, r->deferred_arg);
	if (!r->resp)
		resp_error(r, 500, "internal", L(r, "Internt fel", "Internal error"), "%s",
		           L(r, "Ett oväntat fel inträffade.", "An unexpected error occurred."));
	if (!(db_tx_depth(h->app->db) > 0 && db_total_changes(h->app->db) != changes &&
	      hold(h, r) == 0))
		MHD_resume_connection(r->conn);
	if (h->in_done) { /* one MHD run after the wake-up's last answer (done_after_h) */
		h->mhd_due = true;
		return;
	}
	if (!h->stopping)
		run_mhd(h);
	lag_note(h, t0);
}

/* Around one wake-up of a workers pool on the loop: its answers and the one MHD run that
 * sends them count as one callback. */
static void done_before_h(void *arg)
{
	struct http *h = arg;

	h->in_done = true;
	h->mhd_due = false;
	{
		struct lag_mark m = lag_start_h(h);

		h->done_wall = m.wall;
		h->done_cpu = m.cpu;
		h->done_db = m.db;
	}
}

static void done_after_h(void *arg)
{
	struct http *h = arg;

	h->in_done = false;
	if (h->mhd_due && !h->stopping)
		run_mhd(h);
	h->mhd_due = false;
	lag_note_what(h, "workers_done", (struct lag_mark){h->done_wall, h->done_cpu, h->done_db});
}

int req_defer(struct req *r, work_h *work, req_answer_h *answer, void *arg)
{
	struct http *h = r->http;
	int err;

	if (!h || !h->workers || !work || !answer)
		return EINVAL;
	if (workers_queued(h->workers) >= DEFER_MAX)
		return EBUSY;
	r->work = work;
	r->deferred = answer;
	r->deferred_arg = arg;
	err = workers_submit(h->workers, deferred_work_h, deferred_done_h, r);
	if (err)
		r->deferred = NULL;
	return err;
}

int req_defer_net(struct req *r, work_h *work, req_answer_h *answer, void *arg)
{
	struct http *h = r->http;
	int err;

	if (!h || !h->net || !work || !answer)
		return EINVAL;
	if (workers_queued(h->net) >= DEFER_MAX)
		return EBUSY;
	r->work = work;
	r->deferred = answer;
	r->deferred_arg = arg;
	err = workers_submit(h->net, deferred_work_h, deferred_done_h, r);
	if (err)
		r->deferred = NULL;
	return err;
}

int req_defer_read(struct req *r, read_h *read, req_answer_h *answer, void *arg)
{
	struct http *h = r->http;
	int err;

	if (!h || !read || !answer)
		return EINVAL;
	if (!h->readers) {
		read(h->app->db, arg);
		answer(r, arg);
		return 0;
	}
	if (workers_queued(h->readers) >= READ_MAX)
		return EBUSY;
	r->read = read;
	r->deferred = answer;
	r->deferred_arg = arg;
	err = workers_submit_ctx(h->readers, deferred_read_h, deferred_done_h, r);
	if (err)
		r->deferred = NULL;
	return err;
}

/* Work of the server's own (not a request's) on a read worker. */
struct bg_read {
	http_read_h *read;
	http_done_h *done;
	void *arg;
};

static void bg_read_h(void *ctx, void *arg)
{
	struct bg_read *b = arg;

	b->read(ctx, b->arg);
}

static void bg_done_h(void *arg)
{
	struct bg_read *b = arg;

	b->done(b->arg);
	free(b);
}

int http_run_read(struct http *h, http_read_h *read, http_done_h *done, void *arg)
{
	struct bg_read *b;
	int err;

	if (!h || !read || !done)
		return EINVAL;
	if (!h->readers) {
		read(h->app->db, arg);
		done(arg);
		return 0;
	}
	b = malloc(sizeof(*b));
	if (!b)
		return ENOMEM;
	*b = (struct bg_read){read, done, arg};
	err = workers_submit_ctx(h->readers, bg_read_h, bg_done_h, b);
	if (err)
		free(b);
	return err;
}

int req_read_busy(struct req *r)
{
	resp_error(r, 503, "busy", L(r, "Upptagen", "Busy"), "%s",
	           L(r, "Många sökningar pågår just nu; försök igen om en sekund.",
	             "Many searches are running right now; try again in a second."));
	return resp_header(r, "Retry-After", "1");
}

/* One read-only connection per read worker; none for an in-memory database (its data
 * is the loop connection's alone). */
static int readers_start(struct http *h)
{
	const char *path = h->app->db_path;
	struct db_opts o = {.readonly = true};
	void *ctx[READERS_MAX];
	unsigned n = h->app->read_workers;
	int err = 0;

	if (n == 0 || !path || strcmp(path, ":memory:") == 0 || path[0] == '\0')
		return 0;
	if (n > READERS_MAX)
		n = READERS_MAX;
	for (unsigned i = 0; !err && i < n; i++) {
		err = db_open(&h->rdb[i], path, &o);
		if (!err) {
			h->nreaders++;
			/* The same search functions as the loop's connection (FTS5 tokenizer). */
			err = kb_search_init(h->rdb[i]);
		}
		ctx[i] = h->rdb[i];
	}
	if (!err)
		err = workers_alloc_ctx(&h->readers, n, ctx);
	if (err)
		log_error("http.readers", "n=%u error=\"%s\"", n, strerror(err));
	return err;
}

static void readers_stop(struct http *h)
{
	workers_free(h->readers);
	h->readers = NULL;
	for (unsigned i = 0; i < h->nreaders; i++)
		db_close(h->rdb[i]);
	h->nreaders = 0;
}

/* ---- libmicrohttpd's own error answers ----
 * libmicrohttpd answers some requests itself, before Lotsen sees them: a request line or
 * headers too large for the connection's memory (414, 431), a malformed request line,
 * header, Content-Length or chunked body (400, 413), an HTTP version other than 1.x
 * (505), and its internal errors (500). Its bodies are HTML, while every error of
 * Lotsen's API is a problem (RFC 9457). It queues them with MHD_queue_response through
 * its dynamic symbol table, so Lotsen's definition below is the one it calls: an error
 * response without a Content-Type (all of Lotsen's own have one) is swapped for a
 * problem before being passed on to libmicrohttpd's. */

typedef enum MHD_Result(queue_response_fn)(struct MHD_Connection *, unsigned int,
                                           struct MHD_Response *);

static queue_response_fn *mhd_queue_response(void)
{
	static queue_response_fn *fn;

	if (!fn) {
		void *p = dlsym(RTLD_NEXT, "MHD_queue_response");
		memcpy(&fn, &p, sizeof(fn));
	}
	return fn;
}

static struct MHD_Response *mhd_problem(struct MHD_Connection *c, unsigned status)
{
	const char *al = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language");
	bool en = al && strncmp(al, "en", 2) == 0;
	const char *type, *title, *detail;

	switch (status) {
	case 400:
		type = "bad-request";
		title = en ? "Bad request" : "Felaktig begäran";
		detail = en ? "The request does not follow HTTP/1.1: its request line, a header, "
		              "Content-Length or the chunked body is malformed."
		            : "Begäran följer inte HTTP/1.1: begäransraden, ett huvud, "
		              "Content-Length eller den chunkade kroppen är felaktig.";
		break;
	case 413:
		type = "body-too-large";
		title = en ? "Request too large" : "För stor begäran";
		detail = en ? "The announced body or one of its chunks is far too large."
		            : "Den angivna kroppen eller en av dess delar är alldeles för stor.";
		break;
	case 414:
		type = "uri-too-long";
		title = en ? "Address too long" : "För lång adress";
		detail = en ? "The request line is too long." : "Begäransraden är för lång.";
		break;
	case 431:
		type = "headers-too-large";
		title = en ? "Headers too large" : "För stora huvuden";
		detail = en ? "The request's headers are too large together."
		            : "Begärans huvuden är tillsammans för stora.";
		break;
	case 505:
		type = "http-version";
		title = en ? "HTTP version not supported" : "HTTP-versionen stöds inte";
		detail = en ? "Use HTTP/1.1 or HTTP/1.0." : "Använd HTTP/1.1 eller HTTP/1.0.";
		break;
	default:
		type = "internal";
		title = en ? "Internal error" : "Internt fel";
		detail = en ? "The request could not be handled." : "Begäran kunde inte hanteras.";
		break;
	}
	return resp_problem_response(status, type, title, detail);
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *connection, unsigned int status_code,
                                   struct MHD_Response *response)
{
	queue_response_fn *real = mhd_queue_response();
	struct MHD_Response *p;
	enum MHD_Result ret;

	if (!real)
		return MHD_NO;
	if (status_code < 400 || !response ||
	    MHD_get_response_header(response, "Content-Type") != NULL)
		return real(connection, status_code, response);
	p = mhd_problem(connection, status_code);
	if (!p)
		return real(connection, status_code, response);
	{
		struct conn *k = conn_of(connection);
		if (k)
			k->refused = true;
	}
	log_info("http.refused", "status=%u", status_code);
	ret = real(connection, status_code, p);
	MHD_destroy_response(p); /* the connection holds its own reference */
	return ret;
}

static int parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon = strrchr(addr, ':');
	char *end;
	unsigned long port;
	size_t hl;

	if (!colon)
		return EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port > 65535)
		return EINVAL;
	hl = (size_t)(colon - addr);
	if (hl >= sizeof(host))
		return EINVAL;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return EINVAL;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	if (hl == 0)
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		return EINVAL;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	*len = sizeof(*s4);
	return 0;
}

int http_start(struct http **hp, struct app *app, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct http *h;
	const union MHD_DaemonInfo *info;
	unsigned flags;
	int err;

	err = parse_addr(addr, &ss, &sl);
	if (err) {
		log_error("http.start", "addr=\"%s\" error=\"not ADDR:PORT\"", addr);
		return err;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return ENOMEM;
	h->app = app;
	tmr_init(&h->tmr);
	err = sse_hub_alloc(&h->sse);
	if (err) {
		free(h);
		return err;
	}
	sse_hub_set_kick(h->sse, sse_kick_h, h);
	err = workers_alloc(&h->workers, WORKERS);
	if (!err) {
		err = workers_alloc(&h->net, NET_WORKERS);
		if (err)
			workers_free(h->workers);
	}
	if (!err) {
		err = readers_start(h);
		if (err) {
			readers_stop(h);
			workers_free(h->net);
			workers_free(h->workers);
		}
	}
	if (err) {
		sse_hub_free(h->sse);
		free(h);
		return err;
	}
	list_init(&h->conns);
	tmr_init(&h->sweep);
	h->head_ms = (uint64_t)(app->http_head_timeout_s ? app->http_head_timeout_s : 10) * 1000;
	h->body_rate = app->http_body_min_rate;
	flags = MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* Over the per-address cap, libmicrohttpd closes a new connection right after
	 * accepting it. */
	h->d = MHD_start_daemon(
	        flags, 0, NULL, NULL, access_h, h, MHD_OPTION_SOCK_ADDR, &ss,
	        MHD_OPTION_NOTIFY_COMPLETED, completed_h, h, MHD_OPTION_UNESCAPE_CALLBACK,
	        router_unescape_h, NULL, MHD_OPTION_NOTIFY_CONNECTION, notify_conn_h, h,
	        MHD_OPTION_EXTERNAL_LOGGER, mhd_log_h, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
	        (unsigned)120, MHD_OPTION_CONNECTION_LIMIT, CONN_LIMIT,
	        MHD_OPTION_PER_IP_CONNECTION_LIMIT, app->http_per_address, MHD_OPTION_END);
	if (!h->d) {
		log_error("http.start", "addr=\"%s\" error=\"cannot listen\"", addr);
		readers_stop(h);
		workers_free(h->net);
		workers_free(h->workers);
		sse_hub_free(h->sse);
		free(h);
		return EADDRINUSE;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	h->epfd = info ? info->epoll_fd : -1;
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : 0;
	err = h->epfd >= 0 ? fd_listen(h->epfd, FD_READ, mhd_fd_h, h) : EIO;
	h->batch = app->batch;
	if (!err && !h->batch) {
		err = db_batch_alloc(&h->batch, app->db);
		h->own_batch = err == 0;
	}
	if (!err && app->acd)
		err = acd_host_listen(app->acd, sse_acd_note_h, h->sse);
	if (err) {
		if (h->epfd >= 0)
			fd_close(h->epfd);
		if (h->own_batch)
			db_batch_free(h->batch);
		MHD_stop_daemon(h->d);
		readers_stop(h);
		workers_free(h->net);
		workers_free(h->workers);
		sse_hub_free(h->sse);
		free(h);
		return err;
	}
	tmr_start(&h->sweep, SWEEP_MS, sweep_h, h);
	db_batch_set_lag(h->batch, batch_lag_h, h);
	workers_set_hooks(h->readers, done_before_h, done_after_h, h);
	workers_set_hooks(h->workers, done_before_h, done_after_h, h);
	workers_set_hooks(h->net, done_before_h, done_after_h, h);
	{
		/* A debug aid: every callback of the loop longer than this many ms is logged
		 * (event=loop.slow) with the commits and checkpoints it made. */
		const char *t = getenv("LOTSEN_LOOP_TRACE_MS");
		char *end = NULL;
		double v = t ? strtod(t, &end) : 0;

		h->trace_ms = end && end != t && v > 0 ? v : 0;
	}
	tmr_init(&h->lag_probe);
	h->lag_window = h->lag_log_at = mono_us() / 1000;
	h->probe_due = h->lag_window + LAG_PROBE_MS;
	tmr_start(&h->lag_probe, LAG_PROBE_MS, lag_probe_h, h);
	log_info("http.listen",
	         "addr=\"%s\" port=%u per_address=%u head_timeout_s=%u read_workers=%u", addr,
	         h->port, app->http_per_address, (unsigned)(h->head_ms / 1000), h->nreaders);
	*hp = h;
	return 0;
}

int http_queue_attach(struct http *h)
{
	uint32_t ids[512];
	size_t n;
	int64_t now = acd_now_ms();
	int err;

	if (!h || !h->app->acd)
		return EINVAL;
	err = acd_host_listen(h->app->acd, sse_acd_note_h, h->sse);
	if (err)
		return err;
	/* Streams fed by the old holder's notes start again from this engine's state. */
	n = acd_host_groups(h->app->acd, ids, 512);
	for (size_t i = 0; i < n && i < 512; i++) {
		json_t *j;
		if (acd_host_group_json(h->app->acd, now, ids[i], &j) == 0) {
			sse_acd_note_h(ACD_NOTE_GROUP, ids[i], NULL, j, h->sse);
			json_decref(j);
		}
	}
	return 0;
}

void http_queue_relay(enum acd_note_kind kind, uint32_t id, const struct acd_action *act,
                      const json_t *json, void *arg)
{
	struct http *h = arg;

	sse_relay_note_h(kind, id, act, json, h->sse);
}

unsigned http_port(const struct http *h)
{
	return h->port;
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	/* Logins being verified and reads under way are answered (their writes join the
	 * batch below). */
	workers_free(h->workers);
	h->workers = NULL;
	workers_free(h->net);
	h->net = NULL;
	readers_stop(h);
	tmr_cancel(&h->sweep);
	tmr_cancel(&h->lag_probe);
	tmr_cancel(&h->tmr);
	fd_close(h->epfd);
	/* What is on its way to the disk is answered, the open batch committed. */
	h->in_run = true; /* the answers go out with the MHD_run below */
	db_batch_stop(h->batch);
	db_batch_set_lag(h->batch, NULL, NULL);
	{
		/* What the loop's connection spent on commits and on checkpoints of its own. */
		struct db_costs c;

		db_costs(h->app->db, &c);
		log_info("loop.storage",
		         "commits=%llu commit_ms=%.1f ckpts=%llu ckpt_ms=%.1f thread_ckpts=%llu",
		         (unsigned long long)c.commits, (double)c.commit_us / 1000.0,
		         (unsigned long long)c.ckpts, (double)c.ckpt_us / 1000.0,
		         (unsigned long long)c.bg_ckpts);
	}
	h->stopping = true; /* requests from here on commit one by one, unheld */
	/* Streams end cleanly; suspended connections must be resumed before the daemon stops. */
	if (h->app->acd)
		acd_host_unlisten(h->app->acd, sse_acd_note_h, h->sse);
	sse_hub_close_all(h->sse);
	MHD_run(h->d);
	MHD_stop_daemon(h->d);
	sse_hub_free(h->sse);
	free(h->counts);
	if (h->own_batch)
		db_batch_free(h->batch);
	free(h);
}
