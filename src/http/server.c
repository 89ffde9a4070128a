/* libmicrohttpd in external-epoll mode, driven by libre's main loop on the one loop thread. */
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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

#include "acd/acd_host.h"
#include "base/log.h"
#include "http/http_int.h"
#include "store/db.h"

#define DISCARD_MAX (16u << 20) /* oversize bytes read before answering 413 anyway */

struct http {
	struct MHD_Daemon *d; /* the daemon, no threads of its own */
	struct app *app;      /* borrowed */
	int epfd;             /* MHD's epoll descriptor, watched by re_main */
	struct tmr tmr;       /* MHD's own timeouts (idle connections) */
	unsigned port;        /* bound port */
	struct req **held;    /* requests whose writes wait for the batch's commit */
	size_t nheld, cap;
	struct req **syncing; /* committed requests waiting for the fsync on the sync thread */
	size_t nsyncing, syncing_cap;
	bool batch;          /* the batch's transaction is open */
	int sync_fd;         /* the store's "fsync done" descriptor, or -1 */
	bool stopping;       /* http_stop: no new batch (nothing may stay suspended) */
	struct sse_hub *sse; /* open event streams */
};

static void run_mhd(struct http *h);

static void mhd_tmr_h(void *arg)
{
	run_mhd(arg);
}

static void mhd_fd_h(int flags, void *arg)
{
	(void)flags;
	run_mhd(arg);
}

/* The batch's commit failed (`committed` false: nothing of it was kept), or its fsync did
 * (the writes are in the database but may not survive a power failure). */
static void fail_storage(struct req **rs, size_t n, bool committed)
{
	for (size_t i = 0; i < n; i++) {
		struct req *r = rs[i];

		resp_error(r, 503, "storage", L(r, "Lagringen misslyckades", "Storage failed"),
		           "%s",
		           committed ? L(r,
		                         "Disken bekräftade inte skrivningen; kontrollera "
		                         "ärendet innan du försöker igen.",
		                         "The disk did not confirm the write; check the case "
		                         "before trying again.")
		                     : L(r, "Inget sparades; försök igen.",
		                         "Nothing was saved; try again."));
	}
}

static void resume(struct req **rs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		MHD_resume_connection(rs[i]->conn);
}

/* Ends the batch, unless the disk is still busy with the last one (then the batch goes
 * on collecting requests). Returns how many requests can be answered right away. */
static size_t end_batch(struct http *h)
{
	struct db *db = h->app->db;
	size_t n = h->nheld;
	struct req **t;
	int err;

	if (h->batch && h->sync_fd >= 0 && db_sync_busy(db))
		return 0;
	if (h->batch) {
		h->batch = false;
		err = h->sync_fd >= 0 ? db_commit_nosync(db) : db_commit(db);
		if (err) {
			log_error("http.commit", "held=%zu error=\"%s\"", n, db_errmsg(db));
			db_rollback(db);
			fail_storage(h->held, n, false);
		} else if (h->sync_fd >= 0) {
			err = db_sync_start(db);
			if (err == 0 && n > 0) { /* answered when the fsync is done */
				t = h->syncing;
				h->syncing = h->held;
				h->nsyncing = n;
				h->held = t;
				n = h->syncing_cap;
				h->syncing_cap = h->cap;
				h->cap = n;
				h->nheld = 0;
				return 0;
			}
			if (err && err != EALREADY)
				fail_storage(h->held, n, true);
		}
	}
	resume(h->held, n);
	h->nheld = 0;
	return n;
}

/* Group commit: the requests of a loop turn write inside one transaction (each in its
 * own savepoint); responses of requests that wrote are held until the commit is on disk,
 * so an acknowledged case survives a crash while the fsync is shared. With
 * durability=full the fsync runs on the store's sync thread: while it does, the loop
 * goes on and the next batch collects every request that arrives meanwhile. */
static void run_mhd(struct http *h)
{
	MHD_UNSIGNED_LONG_LONG timeout;

	/* Repeat while requests were answered: the next MHD_run sends their responses
	 * (and may start the next batch with requests that arrived meanwhile). */
	do
		MHD_run(h->d);
	while (end_batch(h) > 0);
	if (MHD_get_timeout(h->d, &timeout) == MHD_YES)
		tmr_start(&h->tmr, timeout ? timeout : 1, mhd_tmr_h, h);
	else
		tmr_cancel(&h->tmr);
}

/* The fsync of the last batch is done: its answers go out, and the batch that collected
 * meanwhile is committed. */
static void sync_done(struct http *h, bool wait)
{
	int err = db_sync_done(h->app->db, wait);

	if (err == EAGAIN || err == EALREADY)
		return;
	if (err)
		fail_storage(h->syncing, h->nsyncing, true);
	resume(h->syncing, h->nsyncing);
	h->nsyncing = 0;
}

static void sync_fd_h(int flags, void *arg)
{
	struct http *h = arg;

	(void)flags;
	sync_done(h, false);
	run_mhd(h);
}

static int hold(struct http *h, struct req *r)
{
	if (h->nheld == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct req **n = realloc(h->held, cap * sizeof(*n));
		if (!n)
			return ENOMEM;
		h->held = n;
		h->cap = cap;
	}
	h->held[h->nheld++] = r;
	return 0;
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
	if (!r) {
		const char *cl;

		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->conn = conn;
		r->app = h->app;
		r->method = method;
		r->path = url;
		r->lang = pick_lang(conn);
		r->sse = h->sse;
		*con_cls = r;
		/* An announced oversize body is refused, but still read (up to a bound) so
		 * the client, which is busy sending it, gets to see the 413. */
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (cl) {
			char *end;
			unsigned long long n = strtoull(cl, &end, 10);
			if (*end == '\0' && n > h->app->max_body)
				r->too_large = true;
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		if (!r->too_large && r->body_len + n <= h->app->max_body) {
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
		*upload_data_size = 0;
		if (r->discarded <= DISCARD_MAX)
			return MHD_YES;
		/* Far too large: answer now and let the connection close. */
	}
	if (r->resp) /* resumed after the turn's commit */
		return MHD_queue_response(conn, r->status, r->resp);

	clock_gettime(CLOCK_REALTIME, &ts);
	r->now = ts.tv_sec;
	/* The batch's transaction opens with its first request (a turn that only sends
	 * answers opens none). */
	if (!h->batch && !h->stopping && db_tx_depth(h->app->db) == 0)
		h->batch = db_begin(h->app->db) == 0;
	changes = db_total_changes(h->app->db);
	if (r->too_large) {
		resp_error(r, 413, "body-too-large", L(r, "För stor begäran", "Request too large"),
		           L(r, "Begärans innehåll får vara högst %zu byte.",
		             "The request body may be at most %zu bytes."),
		           h->app->max_body);
	} else {
		router_dispatch(r);
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

static void completed_h(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)conn;
	if (!r)
		return;
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
	flags = MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, access_h, h, MHD_OPTION_SOCK_ADDR, &ss,
	                        MHD_OPTION_NOTIFY_COMPLETED, completed_h, h,
	                        MHD_OPTION_UNESCAPE_CALLBACK, router_unescape_h, NULL,
	                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
	                        MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000, MHD_OPTION_END);
	if (!h->d) {
		log_error("http.start", "addr=\"%s\" error=\"cannot listen\"", addr);
		sse_hub_free(h->sse);
		free(h);
		return EADDRINUSE;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	h->epfd = info ? info->epoll_fd : -1;
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : 0;
	err = h->epfd >= 0 ? fd_listen(h->epfd, FD_READ, mhd_fd_h, h) : EIO;
	h->sync_fd = db_sync_fd(app->db);
	if (!err && h->sync_fd >= 0)
		err = fd_listen(h->sync_fd, FD_READ, sync_fd_h, h);
	if (!err && app->acd)
		err = acd_host_listen(app->acd, sse_acd_note_h, h->sse);
	if (err) {
		if (h->epfd >= 0)
			fd_close(h->epfd);
		if (h->sync_fd >= 0)
			fd_close(h->sync_fd);
		MHD_stop_daemon(h->d);
		sse_hub_free(h->sse);
		free(h);
		return err;
	}
	log_info("http.listen", "addr=\"%s\" port=%u", addr, h->port);
	*hp = h;
	return 0;
}

unsigned http_port(const struct http *h)
{
	return h->port;
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	tmr_cancel(&h->tmr);
	fd_close(h->epfd);
	/* What is on its way to the disk is answered, the open batch committed. */
	if (h->sync_fd >= 0) {
		fd_close(h->sync_fd);
		sync_done(h, true);
	}
	h->sync_fd = -1; /* the last batch commits with its own fsync */
	end_batch(h);
	h->stopping = true; /* requests from here on commit one by one, unheld */
	/* Streams end cleanly; suspended connections must be resumed before the daemon stops. */
	if (h->app->acd)
		acd_host_unlisten(h->app->acd, sse_acd_note_h, h->sse);
	sse_hub_close_all(h->sse);
	MHD_run(h->d);
	MHD_stop_daemon(h->d);
	sse_hub_free(h->sse);
	free(h->held);
	free(h->syncing);
	free(h);
}
