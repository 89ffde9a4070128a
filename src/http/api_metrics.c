/* GET /metrics: the counters the modules keep, in Prometheus' text format 0.0.4.
 *
 * Only figures, never personal data: requests are counted by route pattern (not by path,
 * which carries ids), queues by group id, e-mail by status. The counters live in their
 * modules (server.c, acd_host.c, db.c, wal_sync.c, mail_store.c); this file renders. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "acdhost/acd_host.h"
#include "base/metric.h"
#include "http/http_int.h"
#include "mail/mail.h"
#include "store/db.h"
#include "tel/tel.h"

#define MAX_GROUPS 1024

/* ======================================================================
 * Who may read it
 * ====================================================================== */

/* 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
static bool loopback(const char *addr)
{
	unsigned char b[16];

	if (inet_pton(AF_INET, addr, b) == 1)
		return b[0] == 127;
	if (inet_pton(AF_INET6, addr, b) != 1)
		return false;
	for (int i = 0; i < 10; i++)
		if (b[i])
			return false;
	if (b[10] == 0xff && b[11] == 0xff)
		return b[12] == 127;
	for (int i = 10; i < 15; i++)
		if (b[i])
			return false;
	return b[15] == 1;
}

static bool token_ok(struct req *r)
{
	const char *want = r->app->metrics_token;
	const char *h = req_header(r, "Authorization");
	size_t n;

	if (!want || !h || strncmp(h, "Bearer ", 7) != 0)
		return false;
	h += 7;
	n = strlen(want);
	return strlen(h) == n && sodium_memcmp(h, want, n) == 0;
}

/* From loopback (the client address after trusted proxies: a request that nginx on the
 * same host forwards for someone else is not loopback), or with the metrics-token. */
static int allowed(struct req *r)
{
	char addr[64];

	if (req_client_addr(r, addr, sizeof(addr)) == 0 && loopback(addr))
		return 0;
	if (token_ok(r))
		return 0;
	if (r->app->metrics_token) {
		resp_error(r, 401, "unauthorized", L(r, "Inloggning krävs", "Login required"), "%s",
		           L(r, "Ange metrics-token: Authorization: Bearer <token>.",
		             "Send the metrics-token: Authorization: Bearer <token>."));
		resp_header(r, "WWW-Authenticate", "Bearer realm=\"metrics\"");
		return EPERM;
	}
	resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
	           L(r,
	             "Mätvärdena läses från samma dator (loopback) eller med inställningen "
	             "metrics-token.",
	             "Metrics are read from the same host (loopback) or with the "
	             "metrics-token setting."));
	return EPERM;
}

/* ======================================================================
 * Rendering
 * ====================================================================== */

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
}

/* One histogram's series; `labels` is "" or `a="b",` (with the trailing comma). */
static void hist(FILE *f, const char *name, const char *labels, const struct metric_hist *h)
{
	for (int i = 0; i < METRIC_BUCKETS; i++)
		fprintf(f, "%s_bucket{%sle=\"%g\"} %llu\n", name, labels, metric_bounds[i],
		        (unsigned long long)metric_hist_le(h, i));
	fprintf(f, "%s_bucket{%sle=\"+Inf\"} %llu\n", name, labels, (unsigned long long)h->count);
	if (labels[0]) {
		size_t n = strlen(labels);
		/* the labels without their trailing comma */
		fprintf(f, "%s_sum{%.*s} %.9g\n", name, (int)(n - 1), labels, h->sum);
		fprintf(f, "%s_count{%.*s} %llu\n", name, (int)(n - 1), labels,
		        (unsigned long long)h->count);
	} else {
		fprintf(f, "%s_sum %.9g\n%s_count %llu\n", name, h->sum, name,
		        (unsigned long long)h->count);
	}
}

static void render_http(FILE *f, const struct http *h)
{
	const struct http_req_count *c;
	size_t n = h ? http_req_counts(h, &c) : 0;

	head(f, "lotsen_http_requests_total", "counter",
	     "HTTP requests answered, by method, route pattern and status.");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "lotsen_http_requests_total{method=\"%s\",route=\"", c[i].method);
		label(f, c[i].route);
		fprintf(f, "\",status=\"%u\"} %llu\n", c[i].status,
		        (unsigned long long)c[i].hist.count);
	}
	head(f, "lotsen_http_request_duration_seconds", "histogram",
	     "From the request's head to the last byte of the answer.");
	for (size_t i = 0; i < n; i++) {
		char labels[512];
		char *route = NULL;
		size_t rlen = 0;
		FILE *m = open_memstream(&route, &rlen);

		if (!m)
			continue;
		label(m, c[i].route);
		fclose(m);
		snprintf(labels, sizeof(labels), "method=\"%s\",route=\"%s\",status=\"%u\",",
		         c[i].method, route ? route : "", c[i].status);
		free(route);
		hist(f, "lotsen_http_request_duration_seconds", labels, &c[i].hist);
	}
}

static void render_acd(FILE *f, struct acd_host *acd)
{
	static const struct {
		const char *name, *type, *help;
	} series[] = {
	        {"lotsen_acd_calls_offered_total", "counter",
	         "Calls queued in the group while it was open, since the server started."},
	        {"lotsen_acd_calls_answered_total", "counter",
	         "Calls answered by an agent of the group, since the server started."},
	        {"lotsen_acd_calls_abandoned_total", "counter",
	         "Callers who hung up while waiting in the group (short abandons included), "
	         "since the server started."},
	        {"lotsen_acd_calls_waiting", "gauge", "Callers waiting in the group's queue now."},
	        {"lotsen_acd_callbacks_waiting", "gauge",
	         "Callbacks keeping a place in the queue now."},
	};
	uint32_t *ids = NULL;
	struct acd_host_group_metrics *gm = NULL;
	size_t n = 0, ng = 0;
	int64_t now = acd_now_ms();

	if (acd) {
		ids = calloc(MAX_GROUPS, sizeof(*ids));
		gm = calloc(MAX_GROUPS, sizeof(*gm));
		if (ids && gm) {
			n = acd_host_groups(acd, ids, MAX_GROUPS);
			if (n > MAX_GROUPS)
				n = MAX_GROUPS;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (acd_host_group_metrics(acd, now, ids[i], &gm[ng]) == 0)
			ng++;
	for (size_t s = 0; s < sizeof(series) / sizeof(series[0]); s++) {
		head(f, series[s].name, series[s].type, series[s].help);
		for (size_t i = 0; i < ng; i++) {
			unsigned long long v =
			        s == 0   ? gm[i].offered
			        : s == 1 ? gm[i].answered
			        : s == 2 ? gm[i].abandoned
			        : s == 3 ? (unsigned long long)gm[i].waiting
			                 : (unsigned long long)gm[i].callbacks_waiting;
			fprintf(f, "%s{group=\"%u\"} %llu\n", series[s].name, gm[i].group, v);
		}
	}
	head(f, "lotsen_acd_agents", "gauge",
	     "The group's members per state now (an agent in two groups counts in both).");
	for (size_t i = 0; i < ng; i++)
		for (int st = ACD_AGENT_LOGGED_OUT; st <= ACD_AGENT_PAUSED; st++)
			fprintf(f, "lotsen_acd_agents{group=\"%u\",state=\"%s\"} %d\n", gm[i].group,
			        acd_agent_state_name((enum acd_agent_state)st),
			        gm[i].agents_by_state[st]);
	free(ids);
	free(gm);
}

static void render_mail(FILE *f, const struct mail_waiting *mw, bool ok)
{
	head(f, "lotsen_mail_outbox", "gauge", "Outgoing e-mails by status (sent ones left out).");
	if (ok) {
		fprintf(f, "lotsen_mail_outbox{status=\"queued\"} %lld\n",
		        (long long)mw->outbox_queued);
		fprintf(f, "lotsen_mail_outbox{status=\"sending\"} %lld\n",
		        (long long)mw->outbox_sending);
		fprintf(f, "lotsen_mail_outbox{status=\"failed\"} %lld\n",
		        (long long)mw->outbox_failed);
	}
	head(f, "lotsen_mail_cases_open", "gauge", "E-mail cases no agent has taken on yet.");
	if (ok)
		fprintf(f, "lotsen_mail_cases_open %lld\n", (long long)mw->cases_open);
}

static void render_loop(FILE *f, struct req *r)
{
	struct metric_hist commit, fsync;

	db_metrics(r->app->db, &commit, &fsync);
	head(f, "lotsen_db_commit_duration_seconds", "histogram",
	     "The loop connection's outermost COMMITs.");
	hist(f, "lotsen_db_commit_duration_seconds", "", &commit);
	head(f, "lotsen_db_fsync_duration_seconds", "histogram",
	     "fsyncs of the WAL (durability=full; empty otherwise).");
	hist(f, "lotsen_db_fsync_duration_seconds", "", &fsync);
	if (r->http) {
		head(f, "lotsen_loop_callback_max_seconds", "gauge",
		     "The loop's longest callback in the HTTP front over the last 10 s window.");
		fprintf(f, "lotsen_loop_callback_max_seconds %.6f\n",
		        http_loop_max_ms(r->http) / 1000);
		head(f, "lotsen_loop_probe_late_seconds", "gauge",
		     "How late the loop's probe timer fired at most over the last 10 s window.");
		fprintf(f, "lotsen_loop_probe_late_seconds %.6f\n",
		        http_loop_probe_ms(r->http) / 1000);
		head(f, "lotsen_loop_callback_cpu_max_seconds", "gauge",
		     "The most CPU time in one loop callback over the last 10 s window.");
		fprintf(f, "lotsen_loop_callback_cpu_max_seconds %.6f\n",
		        http_loop_cpu_ms(r->http) / 1000);
	}
	if (r->app->tel) {
		uint32_t calls, surveys;

		tel_counts(r->app->tel, &calls, &surveys);
		head(f, "lotsen_sip_calls", "gauge", "Calls on the phone network now.");
		fprintf(f, "lotsen_sip_calls %u\n", calls);
		head(f, "lotsen_sip_surveys", "gauge", "Post-call surveys running now.");
		fprintf(f, "lotsen_sip_surveys %u\n", surveys);
	}
}

/* ======================================================================
 * The handler: the e-mail counts on a read worker, the rest on the loop
 * ====================================================================== */

struct metrics_job {
	struct mail_waiting mw;
	int err;
};

static void metrics_read_h(struct db *db, void *arg)
{
	struct metrics_job *j = arg;

	j->err = mail_waiting(db, &j->mw);
}

static void metrics_answer_h(struct req *r, void *arg)
{
	struct metrics_job *j = arg;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		free(j);
		resp_store_error(r, ENOMEM, "metrics");
		return;
	}
	render_http(f, r->http);
	render_acd(f, r->app->acd);
	render_mail(f, &j->mw, j->err == 0);
	render_loop(f, r);
	fclose(f);
	free(j);
	resp_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", buf, len);
	free(buf);
}

static int metrics(struct req *r)
{
	struct metrics_job *j;
	int err;

	if (allowed(r))
		return 0;
	j = calloc(1, sizeof(*j));
	if (!j)
		return resp_store_error(r, ENOMEM, "metrics");
	err = req_defer_read(r, metrics_read_h, metrics_answer_h, j);
	if (err) {
		free(j);
		return err == EBUSY ? req_read_busy(r) : resp_store_error(r, err, "metrics");
	}
	return 0;
}

const struct route api_metrics_routes[] = {
        {"GET", "/metrics", 0, metrics},
        {NULL, NULL, 0, NULL},
};
