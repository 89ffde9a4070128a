/* lotsen: the contact-center server and its command-line tools. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <re_types.h>
#include <re_fmt.h>
#include <re_list.h>
#include <re_tmr.h>
#include <re_main.h>
#include <re_mem.h>

#include "acdhost/acd_host.h"
#include "acdhost/acd_store.h"
#include "cluster/cluster.h"
#include "acd/sim.h"
#include "base/config.h"
#include "base/log.h"
#include "base/proxy.h"
#include "base/ratelimit.h"
#include "core/app.h"
#include "core/auth.h"
#include "base/calendar.h"
#include "core/cases.h"
#include "core/demo.h"
#include "core/retention.h"
#include "core/resource.h"
#include "http/http.h"
#include "kb/kb.h"
#include "mail/mail.h"
#include "mail/mail_net.h"
#include "report/report.h"
#include "sso/sso.h"
#include "store/batch.h"
#include "store/db.h"
#include "store/schema.h"
#include "store/tenant_pg.h"
#include "tel/tel.h"
#include "tel/tel_store.h"
#include "wfm/erlang.h"
#include "wfm/forecast.h"
#include "wfm/staffing.h"
#include "wfm/wfm_store.h"

#define LOTSEN_VERSION "0.1.0"
#define FDS_MAX        65536 /* descriptors the loop watches at most (two per RTP leg) */

/* libre's loop watches only FD_SETSIZE (1024) descriptors unless told before the first
 * socket; every RTP leg takes two (RTP and the port above it), so a few hundred calls would
 * run out. Raise the soft limit to the hard one (at most FDS_MAX) and size the loop to it. */
static void fds_raise(void)
{
	struct rlimit rl;
	rlim_t want = FDS_MAX;
	int err;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		want = rl.rlim_max;
	if (rl.rlim_cur < want) {
		rlim_t had = rl.rlim_cur;
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			want = had;
	} else {
		want = rl.rlim_cur < FDS_MAX ? rl.rlim_cur : FDS_MAX;
	}
	err = fd_setsize((int)want);
	log_info("server.fds", "max=%d error=\"%s\"", (int)want, err ? strerror(err) : "none");
}

static void usage(FILE *f)
{
	fprintf(f,
	        "Lotsen %s — contact center for Swedish municipalities\n"
	        "\n"
	        "usage: lotsen COMMAND [options]\n"
	        "\n"
	        "  serve     --db FILE --http ADDR:PORT [--sip ADDR:PORT] [--prompts DIR] "
	        "[--recordings DIR] [--demo] [--node NAME] "
	        "[--config FILE]\n"
	        "            [--static DIR] [--municipality NAME] [--log-level L] [--durability "
	        "full|normal]\n"
	        "            [--feedback-limit POSTS/SECONDS|off] [--rtp-timeout SECONDS]\n"
	        "            [--login-limit N/SECONDS|off] [--login-address-limit N/SECONDS|off]\n"
	        "            [--http-per-address N] [--http-head-timeout SECONDS] "
	        "[--http-body-min-rate BYTES]\n"
	        "            [--read-workers N] [--max-body BYTES] [--attachment-max-bytes BYTES]\n"
	        "            [--mail-max-bytes N] [--mail-max-attachment N]\n"
	        "            [--mail-files DIR] [--mail-domain DOMAIN] [--files DIR]\n"
	        "            [--trusted-proxies LIST] [--metrics-token TOKEN]\n"
	        "  migrate   --db FILE                     create or upgrade the database\n"
	        "  user add  NAME --role ROLE --password-stdin [--display-name TEXT] [--client-id "
	        "N] --db FILE\n"
	        "  demo      --db FILE                     load the demo municipality\n"
	        "            [--years N [--contacts-per-year M] [--seed S]]   and N years of "
	        "generated cases\n"
	        "  kb        import DIR | export DIR | search \"QUERY\" [--json] [--limit N] --db "
	        "FILE\n"
	        "  erlang    --calls N --interval S --aht S --target-sl 0.85 --target-time 60\n"
	        "            [--patience S] [--shrinkage 0.3] [--max-occupancy 0.9] [--agents N] "
	        "[--json]\n"
	        "  forecast  --history FILE.csv | --db FILE --group N  --start YYYY-MM-DD --days N "
	        "[--interval MINUTES]\n"
	        "            [--out FILE.csv] [--closed DATES] [--events FILE.csv]   contacts per "
	        "interval\n"
	        "  staffing  --forecast FILE.csv --aht S --patience S --target-sl 0.85 "
	        "--target-time 60\n"
	        "            [--shrinkage 0.3] [--max-occupancy 0.85] [--out FILE.csv]   agents "
	        "per interval\n"
	        "  simulate  --agents N --calls-per-hour R --aht S [--patience S] [--hours H] "
	        "[--seed K]\n"
	        "            [--target-time S] [--json]  |  --config DAY.json   simulate the ACD\n"
	        "  report    monthly --month YYYY-MM | tertial --tertial YYYY-T1..3 | year --year "
	        "YYYY\n"
	        "            | period --period YYYY-MM|YYYY-Tn|YYYY|YYYY-MM-DD..YYYY-MM-DD\n"
	        "            [--client N] [--format json|csv|xlsx|pdf] [--out FILE]\n"
	        "            [--municipality NAME] --db FILE   (xlsx, pdf need --out)\n"
	        "  report    rebuild-rollups --db FILE   count every case into the rollups again\n"
	        "  report    deliver [--now ISO-TIME] --db FILE   store last month's reports if "
	        "due\n"
	        "  invoice   --month YYYY-MM [--client N] [--format json|csv|xlsx|pdf] [--out "
	        "FILE]\n"
	        "            [--municipality NAME] --db FILE   (xlsx, pdf need --out)\n"
	        "  backup    --db FILE --out FILE [--force]   a consistent copy of a live "
	        "database\n"
	        "  mail      import --mailbox ADDRESS --db FILE FILE.eml|MAILDIR…   take mail "
	        "into cases\n"
	        "  retention run --db FILE [--dry-run] [--now ISO-TIME] [--months N]   gallring "
	        "by the records plan\n"
	        "  retention hold --db FILE (--case N | --citizen N) --reason TEXT | --release "
	        "HOLD\n"
	        "  citizen   export --db FILE --id N --out FILE.json|FILE.pdf   registerutdrag\n"
	        "  tenant    add NAME --cluster URL [--no-password] | list --cluster URL   "
	        "municipalities\n"
	        "            on one PostgreSQL cluster (a database and a role each)\n"
	        "  version\n",
	        LOTSEN_VERSION);
}

static struct tmr deliver_tmr; /* the scheduled delivery's next run */

static int64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

/* Installed, the binary's data is in PREFIX/share/lotsen beside PREFIX/bin/lotsen: found
 * from /proc/self/exe, so a copy under a DESTDIR or another prefix finds its own. Sets
 * `out` to that directory's `what` and returns true when it is there. */
static bool share_dir(const char *what, char *out, size_t n)
{
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	struct stat st;

	if (len <= 0)
		return false;
	exe[len] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	if ((size_t)snprintf(out, n, "%s/../share/lotsen/%s", exe, what) >= n)
		return false;
	return stat(out, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The demo knowledge base: the installed one, else demo/kb under the working directory
 * (make run), else in the source tree the binary was built from. */
static const char *demo_kb_dir(void)
{
	static char dir[4200];

	if (share_dir("demo/kb", dir, sizeof(dir)))
		return dir;
	return access("demo/kb", R_OK) == 0 ? "demo/kb" : LOTSEN_SOURCE_DIR "/demo/kb";
}

/* The demo municipality, and its knowledge base when the database was empty. */
static int load_demo(struct db *db, bool *loaded)
{
	int err = demo_load_if_empty(db, now_s(), loaded);

	if (!err && *loaded)
		err = kb_demo_load(db, demo_kb_dir());
	return err;
}

/* A client's stored monthly report goes on by e-mail to its agreements' recipients. */
static int report_mail_h(struct db *db, const struct report_stored_set *s, int64_t now)
{
	const struct mail_report r = {s->month,   s->client_id, s->pdf,
	                              s->pdf_len, s->csv,       s->csv_len};

	return mail_report_send(db, &r, now, NULL);
}

/* <db>.files beside a database file (attachments, mail files), as serve uses unless
 * `files` is set. A PostgreSQL database has no file to stand beside: its files go to
 * lotsen.files in the working directory; several nodes set `files` to a shared mount. */
static bool pg_url(const char *db)
{
	return strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0;
}

/* The database as the log shows it: a PostgreSQL URL without a password in it. */
static const char *db_shown(const char *db, char *buf, size_t n)
{
	const char *auth = strstr(db, "://"), *end, *at, *colon;

	if (!pg_url(db) || !auth)
		return db;
	auth += 3;
	end = auth + strcspn(auth, "/?");
	at = memchr(auth, '@', (size_t)(end - auth));
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (!colon)
		return db;
	snprintf(buf, n, "%.*s%s", (int)(colon - db), db, at);
	return buf;
}

static const char *files_beside(const char *db, char *buf, size_t n)
{
	if (pg_url(db))
		db = "lotsen";
	if (strcmp(db, ":memory:") == 0 || snprintf(buf, n, "%s.files", db) >= (int)n)
		return NULL;
	return buf;
}

static int open_db(struct db **db, const char *path, const char *durability)
{
	struct db_opts o = {.durability = strcmp(durability, "normal") == 0 ? DB_DURABLE_NORMAL
	                                                                    : DB_DURABLE_FULL};
	int err = db_open(db, path, &o);

	if (err) {
		fprintf(stderr, "lotsen: cannot open database %s: %s\n", path, strerror(err));
		return err;
	}
	err = schema_migrate(*db);
	if (!err)
		err = kb_migrate(*db);
	if (!err)
		err = acd_store_migrate(*db);
	if (!err)
		err = tel_store_migrate(*db);
	if (!err)
		err = report_store_migrate(*db);
	if (!err)
		err = wfm_store_migrate(*db);
	if (!err)
		err = mail_migrate(*db);
	if (!err)
		err = sso_store_migrate(*db);
	/* Every command that opens the database (serve, demo, the reports) keeps the reports'
	 * day rollups in step with the case log from here on. */
	if (!err) {
		cases_set_observer(report_rollup_case);
		report_set_stored_observer(report_mail_h);
	}
	if (err) {
		fprintf(stderr, "lotsen: migrating %s failed: %s\n", path, strerror(err));
		db_close(*db);
		*db = NULL;
	}
	return err;
}

/* ======================================================================
 * serve
 * ====================================================================== */

/* Scheduled delivery: at start and every hour the server stores last month's reports once
 * the first working day has come (a no-op once they are stored). */
#define DELIVER_EVERY_MS (3600 * 1000)

/* One run of the delivery: the reports are made on a read worker and stored on the loop,
 * so making a year's PDFs does not hold up the calls. */
static struct delivery {
	struct app *app;
	struct http *http;
	bool running;
	int64_t now;
	int err;
	struct report_batch *batch;
} delivery;

static void deliver_read_h(struct db *db, void *arg)
{
	struct delivery *d = arg;

	d->err = report_deliver_render(db, d->now, d->app->municipality ? d->app->municipality : "",
	                               &d->batch);
}

static void deliver_done_h(void *arg)
{
	struct delivery *d = arg;
	int made = 0;
	int err = d->err;

	if (!err)
		err = report_deliver_store(d->app->db, d->batch, d->now, &made);
	if (err)
		log_error("report.deliver", "error=\"%s\"", strerror(err));
	else if (made)
		log_info("report.deliver", "stored=%d", made);
	report_batch_free(d->batch);
	d->batch = NULL;
	d->running = false;
}

static void deliver_h(void *arg)
{
	struct delivery *d = arg;
	int err;

	tmr_start(&deliver_tmr, DELIVER_EVERY_MS, deliver_h, d);
	if (d->running)
		return;
	d->running = true;
	d->now = now_s();
	d->err = 0;
	err = http_run_read(d->http, deliver_read_h, deliver_done_h, d);
	if (err) {
		d->running = false;
		log_error("report.deliver", "error=\"%s\"", strerror(err));
	}
}

/* Retention (gallring) once a day, in batches of a few ms each with the loop free between
 * them; the first run an hour after start, so a restart does not delay the desks. */
#define RETENTION_EVERY_MS (24LL * 3600 * 1000)
#define RETENTION_FIRST_MS (3600LL * 1000)
#define RETENTION_BATCH    50
static struct tmr retention_tmr;
static struct retention_job {
	struct db *db;
	struct retention_opts opts;
	struct retention_cursor cur;
	struct retention_stats st;
	int64_t now; /* the run's "now", fixed for all its batches */
	bool running;
} retention;

static void retention_h(void *arg)
{
	struct retention_job *j = arg;
	int err;

	if (!j->running) {
		j->running = true;
		j->now = now_s();
		j->cur = (struct retention_cursor){0};
		j->st = (struct retention_stats){0};
	}
	err = retention_batch(j->db, &j->opts, j->now, &j->cur, &j->st);
	if (!err && !j->cur.done) {
		tmr_start(&retention_tmr, 1, retention_h, j);
		return;
	}
	j->running = false;
	if (err)
		log_error("retention.run", "error=\"%s\"", strerror(err));
	else
		log_info("retention.run",
		         "scanned=%lld anonymized=%lld held=%lld citizens_deleted=%lld files=%lld",
		         (long long)j->st.scanned, (long long)j->st.cases, (long long)j->st.held,
		         (long long)j->st.citizens, (long long)j->st.files);
	tmr_start(&retention_tmr, RETENTION_EVERY_MS, retention_h, j);
}

/* Overdue handovers: every notice-check-seconds the loop reminds those not reminded
 * today (on working days). The test hook notice-test-now fixes the reminders' "now". */
static struct reminders {
	struct app *app;
	struct tmr tmr;
	uint64_t every_ms;
	int64_t fixed_now; /* 0: the clock */
} reminders;

static void reminders_h(void *arg)
{
	struct reminders *r = arg;
	int sent = 0, err;

	tmr_start(&r->tmr, r->every_ms, reminders_h, r);
	err = mail_notice_reminders(r->app->db, now_s(), r->fixed_now, &sent);
	if (err)
		log_error("mail.reminders", "error=\"%s\"", strerror(err));
	else if (sent)
		log_info("mail.reminders", "queued=%d", sent);
	if (sent)
		mail_net_kick(r->app->mail);
}

/* ======================================================================
 * The node running the queue (every node on SQLite; the lease's holder on PostgreSQL)
 * ====================================================================== */

/* What serve started, for the jobs only the queue's node runs and for a standby's
 * takeover (cluster.h). */
static struct serving {
	struct app *app;
	struct http *http;
	struct tel *tel;
	struct cluster *cluster; /* NULL on SQLite */
	const struct config *cfg;
	const struct mail_net_config *mail_cfg;
	bool jobs;               /* the jobs run here (start_jobs ran, stop_jobs did not) */
	bool failed;             /* a takeover failed: serve exits 1 */
	struct tmr handover_tmr; /* the jobs wait for a quiet moment to be handed over */
} serving;

/* The jobs one node alone may run: the e-mail fetchers and sender, report delivery,
 * retention, reminders of overdue handovers. */
static int start_jobs(struct serving *sv)
{
	struct app *app = sv->app;
	int err;

	if (sv->jobs)
		return 0;
	err = mail_net_start(&app->mail, app->db, sv->mail_cfg);
	if (err) {
		log_error("server.jobs", "error=\"the mail fetchers and sender did not start: %s\"",
		          strerror(err));
		return err;
	}
	sv->jobs = true;
	/* A delivery still running from the jobs' last time here finishes on its own. */
	delivery.app = app;
	delivery.http = sv->http;
	tmr_start(&deliver_tmr, 0, deliver_h, &delivery);
	retention = (struct retention_job){
	        .db = app->db,
	        .opts = {.default_months = (int)sv->cfg->retention_months,
	                 .files_dir = app->files_dir,
	                 .mail_files = sv->cfg->mail_files[0] ? sv->cfg->mail_files : NULL,
	                 .batch = RETENTION_BATCH}};
	tmr_start(&retention_tmr, RETENTION_FIRST_MS, retention_h, &retention);
	reminders.app = app;
	reminders.every_ms = (uint64_t)sv->cfg->notice_every_s * 1000;
	reminders.fixed_now = 0;
	if (sv->cfg->notice_test_now[0]) {
		const char *hooks = getenv("LOTSEN_TEST_HOOKS");
		if (hooks && strcmp(hooks, "1") == 0 &&
		    calendar_parse_iso8601(sv->cfg->notice_test_now, &reminders.fixed_now) != 0)
			reminders.fixed_now = 0;
	}
	tmr_start(&reminders.tmr, 0, reminders_h, &reminders);
	log_info("server.jobs", "node=\"%s\" action=start", app->node);
	return 0;
}

/* The jobs leave this node (several nodes: cluster.h). The mail threads are joined; what
 * a fetcher had not yet stored is fetched again by the next node. */
static void stop_jobs(struct serving *sv, const char *why)
{
	tmr_cancel(&sv->handover_tmr);
	if (!sv->jobs)
		return;
	mail_net_stop(sv->app->mail);
	sv->app->mail = NULL;
	tmr_cancel(&deliver_tmr);
	tmr_cancel(&retention_tmr);
	tmr_cancel(&reminders.tmr);
	retention.running = false;
	sv->jobs = false;
	log_info("server.jobs", "node=\"%s\" action=stop reason=%s", sv->app->node, why);
}

/* Another node asked for the jobs: handed over between a report delivery's and a
 * retention run's batches, never in the middle of one. */
static void handover_h(void *arg)
{
	struct serving *sv = arg;

	if (sv->jobs && (delivery.running || retention.running)) {
		tmr_start(&sv->handover_tmr, 500, handover_h, sv);
		return;
	}
	stop_jobs(sv, "handover");
	cluster_jobs_released(sv->cluster);
}

static void mail_elsewhere_h(int64_t case_id, void *arg);

static void jobs_h(enum cluster_jobs_event ev, void *arg)
{
	struct serving *sv = arg;

	switch (ev) {
	case CLUSTER_JOBS_START:
		if (start_jobs(sv) != 0) {
			/* Holding the jobs without running them would leave the mail to nobody. */
			sv->failed = true;
			re_cancel();
			break;
		}
		/* The jobs moved: what their last node stored just before (or as it died) may
		 * not have reached the queue; the queue's node looks. */
		if (sv->app->acd)
			mail_elsewhere_h(0, sv);
		else
			cluster_mail_elsewhere(sv->cluster, 0);
		break;
	case CLUSTER_JOBS_STOP:
		stop_jobs(sv, "lease");
		break;
	case CLUSTER_JOBS_HANDOVER:
		handover_h(sv);
		break;
	case CLUSTER_JOBS_MAILBOXES:
		mail_net_reload(sv->app->mail);
		break;
	}
}

/* Stored e-mail becomes a queue item: here when the queue runs here, else on the queue's
 * node (cluster.h). */
static void mail_stored_here(int64_t case_id, int64_t message_row, void *arg)
{
	struct serving *sv = arg;

	if (sv->app->acd)
		acd_host_mail_stored(case_id, message_row, sv->app->acd);
	else if (sv->cluster)
		cluster_mail_elsewhere(sv->cluster, case_id);
}

/* The queue's node: e-mail the jobs' node stored (0: some may have gone unheard). */
static void mail_elsewhere_h(int64_t case_id, void *arg)
{
	struct serving *sv = arg;
	int err;

	if (!sv->app->acd)
		return;
	if (case_id) {
		acd_host_mail_stored(case_id, 0, sv->app->acd);
		return;
	}
	err = acd_host_mail_catch_up(sv->app->acd, acd_now_ms());
	log_info("acd.mail_catch_up", "error=\"%s\"", err ? strerror(err) : "none");
}

/* The queue engine on this node: loaded from the database as at a restart (the open
 * calls of a node that died are closed in the log as lost). `takeover`: the agents keep
 * their state (acd_host_alloc). */
static int start_queue(struct serving *sv, bool takeover)
{
	struct app *app = sv->app;
	int err = acd_host_alloc(&app->acd, app->db, acd_now_ms(), takeover);

	if (err)
		return err;
	acd_host_set_batch(app->acd, app->batch);
	if (sv->cluster)
		err = cluster_publish(sv->cluster, app->acd);
	return err;
}

/* A standby has taken the lease: the queue, the streams, the phones, the jobs. */
static void takeover_h(void *arg)
{
	struct serving *sv = arg;
	int err = start_queue(sv, true);

	if (!err && sv->http)
		err = http_queue_attach(sv->http);
	if (!err && sv->tel)
		err = tel_queue_attach(sv->tel);
	if (err) {
		/* Holding the lease without an engine would leave the queue to nobody: stop,
		 * give the lease up, and let another node (or this one restarted) take it. */
		log_error("cluster.takeover", "node=\"%s\" error=\"%s\" action=stop", sv->app->node,
		          strerror(err));
		sv->failed = true;
		re_cancel();
		return;
	}
	log_info("server.queue", "node=\"%s\" role=holder", sv->app->node);
}

static void reload_h(void *arg)
{
	struct serving *sv = arg;

	if (sv->app->acd)
		acd_host_reload(sv->app->acd, acd_now_ms());
}

static void signal_h(int sig)
{
	log_info("server.signal", "signal=%d action=shutdown", sig);
	re_cancel();
}

/* A SIGTERM or SIGINT before the loop runs (a service manager stopping a server that is
 * still starting: its HTTP port may answer already) is kept until then, and the server
 * stops as it would a moment later, rather than dying half started. re_main sets its
 * own handlers (signal_h) when it begins. */
static volatile sig_atomic_t early_signal;
static struct tmr early_tmr;

static void early_signal_h(int sig)
{
	early_signal = sig;
}

static void early_check_h(void *arg)
{
	(void)arg;
	if (early_signal)
		signal_h(early_signal);
}

static int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"config", required_argument, NULL, 'c'},
	        {"db", required_argument, NULL, 'd'},
	        {"http", required_argument, NULL, 'h'},
	        {"sip", required_argument, NULL, 's'},
	        {"prompts", required_argument, NULL, 'P'},
	        {"recordings", required_argument, NULL, 'R'},
	        {"static", required_argument, NULL, 'S'},
	        {"municipality", required_argument, NULL, 'm'},
	        {"log-level", required_argument, NULL, 'l'},
	        {"durability", required_argument, NULL, 'D'},
	        {"token-ttl", required_argument, NULL, 't'},
	        {"max-body", required_argument, NULL, 'b'},
	        {"attachment-max-bytes", required_argument, NULL, 'a'},
	        {"feedback-limit", required_argument, NULL, 'F'},
	        {"rtp-timeout", required_argument, NULL, 'T'},
	        {"login-limit", required_argument, NULL, 'L'},
	        {"login-address-limit", required_argument, NULL, 'A'},
	        {"http-per-address", required_argument, NULL, 'H'},
	        {"http-head-timeout", required_argument, NULL, 'W'},
	        {"http-body-min-rate", required_argument, NULL, 'B'},
	        {"read-workers", required_argument, NULL, 'r'},
	        {"mail-max-bytes", required_argument, NULL, 'X'},
	        {"mail-max-attachment", required_argument, NULL, 'Q'},
	        {"mail-files", required_argument, NULL, 'Y'},
	        {"mail-domain", required_argument, NULL, 'Z'},
	        {"files", required_argument, NULL, 1100},
	        {"demo", no_argument, NULL, 'x'},
	        {"oidc-issuer", required_argument, NULL, 1001},
	        {"oidc-client-id", required_argument, NULL, 1002},
	        {"oidc-client-secret", required_argument, NULL, 1003},
	        {"oidc-redirect", required_argument, NULL, 1004},
	        {"oidc-scopes", required_argument, NULL, 1005},
	        {"oidc-groups-claim", required_argument, NULL, 1006},
	        {"oidc-role-map", required_argument, NULL, 1007},
	        {"oidc-jwks-refresh", required_argument, NULL, 1008},
	        {"local-passwords", required_argument, NULL, 1009},
	        {"trusted-proxies", required_argument, NULL, 1010},
	        {"metrics-token", required_argument, NULL, 1011},
	        {"node", required_argument, NULL, 1012},
	        {NULL, 0, NULL, 0},
	};
	struct config cfg;
	struct app app = {0};
	struct http *http = NULL;
	struct tel *tel = NULL;
	struct db *db = NULL;
	struct proxy_list *proxies = NULL;
	struct mail_net_config mail_cfg;
	struct cluster *cluster = NULL;
	bool holder = true, jobs = true;
	enum log_level lvl;
	char err_msg[300], files_dir[600], node[300], shown[600];
	int c, err;

	config_defaults(&cfg);
	/* The config file first, so flags given beside it win. */
	for (int i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--config") == 0 &&
		    config_load(&cfg, argv[i + 1], err_msg, sizeof(err_msg)) != 0) {
			fprintf(stderr, "lotsen serve: %s\n", err_msg);
			return 2;
		}
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		const char *key = NULL;
		switch (c) {
		case 'c':
			continue;
		case 'x':
			cfg.demo = true;
			continue;
		case '?':
			usage(stderr);
			return 2;
		default:
			for (const struct option *o = opts; o->name; o++)
				if (o->val == c)
					key = o->name;
		}
		if (config_set(&cfg, key, optarg, err_msg, sizeof(err_msg)) != 0) {
			fprintf(stderr, "lotsen serve: --%s\n", err_msg);
			return 2;
		}
	}
	log_level_parse(cfg.log_level, &lvl);
	log_set_level(lvl);
	/* Web files and prompts not given: the installed ones (PREFIX/share/lotsen), else
	 * web/ in the working directory and the build's prompts (make run). */
	if (!cfg.static_dir[0] && !share_dir("web", cfg.static_dir, sizeof(cfg.static_dir)))
		snprintf(cfg.static_dir, sizeof(cfg.static_dir), "web");
	if (!cfg.prompts[0] && !share_dir("prompts/sv", cfg.prompts, sizeof(cfg.prompts)))
		cfg.prompts[0] = '\0';

	/* Settings checked before anything starts: a wrong one is exit code 2. */
	err = proxy_list_parse(&proxies, cfg.trusted_proxies, err_msg, sizeof(err_msg));
	if (err) {
		fprintf(stderr, "lotsen serve: trusted-proxies: %s\n", err_msg);
		return 2;
	}
	app.trusted_proxies = proxies;
	app.metrics_token = cfg.metrics_token[0] ? cfg.metrics_token : NULL;
	{
		enum sso_passwords pw = SSO_PASSWORDS_ON;
		sso_passwords_parse(cfg.local_passwords, &pw);
		app.local_passwords = (int)pw;
	}
	if (cfg.oidc_issuer[0]) {
		struct sso_conf sc = {
		        .issuer = cfg.oidc_issuer,
		        .client_id = cfg.oidc_client_id,
		        .client_secret = cfg.oidc_client_secret,
		        .redirect = cfg.oidc_redirect,
		        .scopes = cfg.oidc_scopes,
		        .groups_claim = cfg.oidc_groups_claim,
		        .role_map = cfg.oidc_role_map,
		        .jwks_refresh_s = cfg.oidc_jwks_refresh_s,
		};
		err = sso_alloc(&app.sso, &sc, err_msg, sizeof(err_msg));
		if (err) {
			fprintf(stderr, "lotsen serve: %s\n",
			        err == EINVAL ? err_msg : strerror(err));
			proxy_list_free(proxies);
			return 2;
		}
		log_info("sso.configured", "issuer=\"%s\" client_id=\"%s\" local_passwords=%s",
		         cfg.oidc_issuer, cfg.oidc_client_id, cfg.local_passwords);
	}
	sodium_memzero(cfg.oidc_client_secret, sizeof(cfg.oidc_client_secret));

	(void)signal(SIGTERM, early_signal_h);
	(void)signal(SIGINT, early_signal_h);
	err = libre_init();
	if (err) {
		fprintf(stderr, "lotsen: libre_init failed: %s\n", strerror(err));
		sso_free(app.sso);
		proxy_list_free(proxies);
		return 1;
	}
	fds_raise();
	err = open_db(&db, cfg.db, cfg.durability);
	if (err)
		goto out;
	if (cfg.demo) {
		bool loaded;
		err = load_demo(db, &loaded);
		if (err) {
			fprintf(stderr, "lotsen: loading the demo municipality failed: %s\n",
			        strerror(err));
			goto out;
		}
	}
	err = mail_setup(db,
	                 &(struct mail_config){.max_bytes = (size_t)cfg.mail_max_bytes,
	                                       .max_attachment = (size_t)cfg.mail_max_attachment,
	                                       .files = cfg.mail_files,
	                                       .domain = cfg.mail_domain,
	                                       .public_url = cfg.public_url});
	if (err)
		goto out;
	/* The server sends the notices of handovers (the other commands leave them in-app). */
	cases_set_notice(mail_notice_handover);
	app.db = db;
	app.db_path = cfg.db;
	app.token_ttl_s = cfg.token_ttl_s;
	app.max_body = (size_t)cfg.max_body;
	app.attachment_max = (size_t)cfg.attachment_max;
	/* Attachments live beside the database file: backed up and moved with it. Several
	 * nodes on one PostgreSQL share one directory (`files`, a mount every node has). */
	app.files_dir =
	        cfg.files[0] ? cfg.files : files_beside(cfg.db, files_dir, sizeof(files_dir));
	app.municipality = cfg.municipality;
	app.static_dir = cfg.static_dir;
	if (cfg.feedback_burst) {
		err = ratelimit_alloc(&app.feedback_limit, cfg.feedback_burst,
		                      cfg.feedback_period_s);
		if (err)
			goto out;
	}

	if (cfg.login_burst)
		err = ratelimit_alloc(&app.login_user_limit, cfg.login_burst, cfg.login_period_s);
	if (!err && cfg.login_addr_burst)
		err = ratelimit_alloc(&app.login_addr_limit, cfg.login_addr_burst,
		                      cfg.login_addr_period_s);
	if (err)
		goto out;
	app.http_per_address = (unsigned)cfg.http_per_address;
	app.http_head_timeout_s = (unsigned)cfg.http_head_timeout_s;
	app.http_body_min_rate = (unsigned)cfg.http_body_min_rate;
	app.read_workers = (unsigned)cfg.read_workers;

	/* The queue runs without telephony too: the API's test entry and the web app drive it. */
	/* One group commit for everything the loop writes: HTTP, the queue, the telephony. */
	err = db_batch_alloc(&app.batch, db);
	if (err) {
		fprintf(stderr, "lotsen: the group commit did not start: %s\n", strerror(err));
		goto out;
	}
	/* This node's name: given, or hostname:http-port. */
	if (cfg.node[0]) {
		snprintf(node, sizeof(node), "%s", cfg.node);
	} else {
		char host[128] = "localhost";
		const char *port = strrchr(cfg.http, ':');

		(void)gethostname(host, sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		snprintf(node, sizeof(node), "%s:%s", host, port ? port + 1 : cfg.http);
	}
	app.node = node;
	serving = (struct serving){.app = &app, .cfg = &cfg, .mail_cfg = &mail_cfg};
	/* Several nodes on one PostgreSQL: the queue runs where the lease is (cluster.h). */
	if (db_dialect(db) == DB_POSTGRES) {
		err = cluster_start(
		        &cluster,
		        &(struct cluster_conf){
		                .url = cfg.db, .node = node, .sip = cfg.sip, .http = cfg.http},
		        &(struct cluster_hooks){.takeover = takeover_h,
		                                .reload = reload_h,
		                                .jobs = jobs_h,
		                                .mail = mail_elsewhere_h},
		        &serving, &holder, &jobs);
		if (err) {
			fprintf(stderr, "lotsen: the queue lease could not be reached: %s\n",
			        strerror(err));
			goto out;
		}
		app.clustered = true;
		serving.cluster = cluster;
		if (!holder) {
			app.queue_reload = cluster_reload_elsewhere;
			app.queue_reload_arg = cluster;
		}
		app.mailboxes_reload = cluster_mailboxes_elsewhere;
		app.mailboxes_reload_arg = cluster;
	}
	if (holder) {
		err = start_queue(&serving, false);
		if (err) {
			fprintf(stderr, "lotsen: the queue engine did not start: %s\n",
			        strerror(err));
			goto out;
		}
	}
	err = http_start(&http, &app, cfg.http);
	if (err) {
		fprintf(stderr, "lotsen: cannot listen on %s: %s\n", cfg.http, strerror(err));
		goto out;
	}
	if (cfg.sip[0]) {
		char rec_dir[600];
		if (cfg.recordings[0]) {
			snprintf(rec_dir, sizeof(rec_dir), "%s", cfg.recordings);
		} else if (pg_url(cfg.db)) {
			/* no database file to stand beside: recordings/ of the working directory,
			 * as lotsen.files; absolute, since a call's record keeps the file's path */
			char cwd[512];
			if (!getcwd(cwd, sizeof(cwd)))
				snprintf(cwd, sizeof(cwd), ".");
			snprintf(rec_dir, sizeof(rec_dir), "%s/recordings", cwd);
		} else {
			/* recordings/ next to the database */
			const char *slash = strrchr(cfg.db, '/');
			snprintf(rec_dir, sizeof(rec_dir), "%.*srecordings",
			         slash ? (int)(slash - cfg.db + 1) : 0, cfg.db);
		}
		err = tel_alloc(&tel, &app, cfg.sip, cfg.prompts, rec_dir,
		                (uint32_t)cfg.rtp_timeout_s);
		if (err) {
			fprintf(stderr, "lotsen: cannot listen for SIP on %s: %s\n", cfg.sip,
			        strerror(err));
			goto out;
		}
	}
	app.tel = tel;
	serving.http = http;
	serving.tel = tel;
	if (cluster && !holder)
		cluster_relay(cluster, http_queue_relay, http); /* the holder's live events */
	/* Mail after the loop's other parts: the fetchers hand their messages to the loop. */
	mail_cfg = (struct mail_net_config){
	        .smtp_url = cfg.smtp_url,
	        .smtp_user = cfg.smtp_user,
	        .smtp_password = cfg.smtp_password,
	        .smtp_starttls = cfg.smtp_starttls,
	        .smtp_ca_file = cfg.smtp_ca_file,
	        .mail_ca_file = cfg.mail_ca_file,
	        .poll_s = (unsigned)cfg.mail_poll_s,
	        .test_crash = cfg.mail_test_crash,
	        .batch = app.batch,
	};
	tmr_init(&deliver_tmr);
	tmr_init(&retention_tmr);
	tmr_init(&reminders.tmr);
	tmr_init(&serving.handover_tmr);
	mail_set_stored_observer(mail_stored_here, &serving); /* e-mail becomes queue items */
	/* The jobs one node alone runs: here, or where the jobs lease is (cluster.h). */
	if (jobs) {
		err = start_jobs(&serving);
		if (err) {
			fprintf(stderr, "lotsen: the mail fetchers and sender did not start: %s\n",
			        strerror(err));
			goto out;
		}
	}
	log_info("server.ready", "db=\"%s\" http=\"%s\" demo=%s version=%s node=\"%s\" queue=%s",
	         db_shown(cfg.db, shown, sizeof(shown)), cfg.http, cfg.demo ? "true" : "false",
	         LOTSEN_VERSION, node, holder ? "holder" : "standby");
	tmr_init(&early_tmr);
	tmr_start(&early_tmr, 0, early_check_h, NULL);
	err = re_main(signal_h);
	tmr_cancel(&early_tmr);
	tmr_cancel(&serving.handover_tmr);
	tmr_cancel(&retention_tmr);
	tmr_cancel(&reminders.tmr);
	tmr_cancel(&deliver_tmr);
	log_info("server.stopping", "reason=%s", err || serving.failed ? "error" : "signal");
	err = serving.failed ? EIO : 0;
out:
	/* The mail threads first: they hand work to the loop and its database. */
	mail_net_stop(app.mail);
	app.mail = NULL;
	app.tel = NULL;
	tel_free(tel);
	http_stop(http);
	db_batch_stop(app.batch);
	mail_set_stored_observer(NULL, NULL);
	acd_host_free(app.acd);
	app.acd = NULL;
	/* After the engine's last writes: another node may take the queue now. */
	cluster_stop(cluster);
	serving = (struct serving){0};
	db_batch_free(app.batch);
	ratelimit_free(app.feedback_limit);
	ratelimit_free(app.login_user_limit);
	ratelimit_free(app.login_addr_limit);
	sso_free(app.sso);
	proxy_list_free(proxies);
	db_close(db);
	libre_close();
	tmr_debug();
	report_pdf_shutdown();
	mem_debug();
	if (!err)
		log_info("server.stopped", "clean=true");
	return err ? 1 : 0;
}

/* ======================================================================
 * migrate, user add, demo
 * ====================================================================== */

static const char *flag_value(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 1; i < argc - 1; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return def;
}

static int cmd_migrate(int argc, char **argv)
{
	struct db *db;

	if (open_db(&db, flag_value(argc, argv, "--db", "lotsen.db"), "full"))
		return 1;
	db_close(db);
	printf("database is up to date\n");
	return 0;
}

static int cmd_user_add(int argc, char **argv)
{
	const char *role = flag_value(argc, argv, "--role", NULL);
	const char *display = flag_value(argc, argv, "--display-name", NULL);
	const char *client = flag_value(argc, argv, "--client-id", NULL);
	char password[256];
	bool stdin_pw = false;
	struct verrors v;
	struct db *db;
	json_t *in;
	int64_t id;
	int err;

	for (int i = 1; i < argc; i++)
		stdin_pw |= strcmp(argv[i], "--password-stdin") == 0;
	if (argc < 3 || argv[2][0] == '-' || !role || !stdin_pw) {
		fprintf(stderr, "usage: lotsen user add NAME --role "
		                "agent|group_lead|manager|admin|client_viewer --password-stdin "
		                "[--display-name TEXT] [--client-id N] [--db FILE]\n");
		return 2;
	}
	if (!fgets(password, sizeof(password), stdin)) {
		fprintf(stderr, "lotsen user add: no password on standard input\n");
		return 2;
	}
	password[strcspn(password, "\r\n")] = '\0';
	if (open_db(&db, flag_value(argc, argv, "--db", "lotsen.db"), "full"))
		return 1;
	in = json_pack("{s:s,s:s,s:s,s:s}", "username", argv[2], "display_name",
	               display ? display : argv[2], "role", role, "password", password);
	if (client)
		json_object_set_new(in, "client_id", json_integer(strtoll(client, NULL, 10)));
	valid_init(&v, true);
	err = resource_create(db, resource_find("users"), in, &id, &v);
	explicit_bzero(password, sizeof(password));
	json_decref(in);
	if (valid_has_errors(&v)) {
		size_t i;
		json_t *e;
		json_array_foreach(v.list, i, e)
		        fprintf(stderr, "lotsen user add: %s: %s\n",
		                json_string_value(json_object_get(e, "field")),
		                json_string_value(json_object_get(e, "message")));
		valid_free(&v);
		db_close(db);
		return 2;
	}
	db_close(db);
	if (err) {
		fprintf(stderr, "lotsen user add: %s\n", strerror(err));
		return 1;
	}
	printf("user %s created with id %lld\n", argv[2], (long long)id);
	return 0;
}

static int cmd_demo(int argc, char **argv)
{
	const char *ys = flag_value(argc, argv, "--years", NULL);
	const char *ns = flag_value(argc, argv, "--contacts-per-year", "5000000");
	const char *ss = flag_value(argc, argv, "--seed", "20261122");
	long long years = 0, per_year, seed;
	char *e1 = NULL, *e2, *e3;
	struct db *db;
	bool loaded = false;
	int err;

	errno = 0;
	if (ys)
		years = strtoll(ys, &e1, 10);
	per_year = strtoll(ns, &e2, 10);
	seed = strtoll(ss, &e3, 10);
	if (errno || (ys && (*e1 || years < 1 || years > 50)) || *e2 || per_year < 1 ||
	    per_year > 100000000 || *e3) {
		fprintf(stderr, "usage: lotsen demo [--years N [--contacts-per-year M] [--seed S]] "
		                "--db FILE\n(--years: N years up to yesterday of M cases a year, "
		                "1–50 years, up to 100 000 000 a year)\n");
		return 2;
	}

	if (open_db(&db, flag_value(argc, argv, "--db", "lotsen.db"), "normal"))
		return 1;
	err = load_demo(db, &loaded);
	if (!err && years) {
		err = report_gen(db, (int)years, per_year, seed, now_s(), stdout);
		if (err == ENOENT)
			fprintf(stderr,
			        "lotsen demo: the demo municipality has no cases to copy from\n");
	}
	db_close(db);
	if (err) {
		fprintf(stderr, "lotsen demo: %s\n", strerror(err));
		return 1;
	}
	if (years)
		return 0;
	printf(loaded ? "demo municipality loaded\n"
	              : "the database already has users: nothing loaded\n");
	return 0;
}

/* ======================================================================
 * report monthly, invoice
 * ====================================================================== */

/* The operator at the database file reads every client, as an admin would. */
static int cmd_report(int argc, char **argv, const char *what, const char *flag, int kind)
{
	bool monthly = kind >= 0;
	const char *month = flag_value(argc, argv, flag, NULL);
	const char *client = flag_value(argc, argv, "--client", "0");
	const char *format = flag_value(argc, argv, "--format", "json");
	const char *path = flag_value(argc, argv, "--out", NULL);
	const char *municipality = flag_value(argc, argv, "--municipality", "Lotsens kommun");
	bool xlsx = strcmp(format, "xlsx") == 0;
	bool pdf = strcmp(format, "pdf") == 0;
	struct principal who = {.id = 0, .role = ROLE_ADMIN};
	struct report_period m;
	struct report *rep = NULL;
	struct db *db;
	json_t *o = NULL;
	FILE *f = stdout;
	char *end, *buf = NULL;
	size_t n = 0;
	long long client_id;
	int err;

	errno = 0;
	client_id = strtoll(client, &end, 10);
	if (!month || report_period_parse(month, &m) != 0 ||
	    (kind != PERIOD_RANGE && (int)m.kind != kind &&
	     (kind >= 0 || m.kind != PERIOD_MONTH)) ||
	    *end || errno || client_id < 0 ||
	    (strcmp(format, "json") != 0 && strcmp(format, "csv") != 0 && !xlsx && !pdf) ||
	    ((xlsx || pdf) && !path)) {
		fprintf(stderr,
		        "usage: lotsen %s %s %s [--client N] [--format json|csv|xlsx|pdf] "
		        "[--out FILE] [--municipality NAME] --db FILE\n"
		        "(%s is written to the file given with --out)\n",
		        what, flag,
		        kind == PERIOD_TERTIAL ? "YYYY-T1|YYYY-T2|YYYY-T3"
		        : kind == PERIOD_YEAR  ? "YYYY"
		        : kind == PERIOD_RANGE ? "YYYY-MM|YYYY-Tn|YYYY|YYYY-MM-DD..YYYY-MM-DD"
		                               : "YYYY-MM",
		        "xlsx or pdf");
		return 2;
	}
	if (open_db(&db, flag_value(argc, argv, "--db", "lotsen.db"), "full"))
		return 1;
	err = monthly ? report_build(db, &who, month, client_id, &rep)
	              : report_invoice(db, &who, month, client_id, &o);
	if (!err && monthly && !xlsx && !pdf && strcmp(format, "csv") != 0)
		err = report_json(rep, &o);
	db_close(db);
	if (err) {
		fprintf(stderr, "lotsen %s: %s\n", what, strerror(err));
		report_free(rep);
		json_decref(o);
		return 1;
	}
	if (xlsx || pdf) {
		/* made in memory, then written where asked */
		err = pdf       ? (monthly ? report_monthly_pdf(rep, municipality, &buf, &n)
		                           : report_invoice_pdf(o, municipality, &buf, &n))
		      : monthly ? report_monthly_xlsx(rep, municipality, &buf, &n)
		                : report_invoice_xlsx(o, municipality, &buf, &n);
		report_free(rep);
		json_decref(o);
		report_pdf_shutdown();
		if (!err && (!(f = fopen(path, "wb")) || fwrite(buf, 1, n, f) != n))
			err = errno ? errno : EIO;
		if (f && f != stdout && fclose(f) != 0 && !err)
			err = EIO;
		free(buf);
		if (err) {
			fprintf(stderr, "lotsen %s: cannot write %s: %s\n", what, path,
			        strerror(err));
			return 1;
		}
		return 0;
	}
	if (path && !(f = fopen(path, "w"))) {
		fprintf(stderr, "lotsen %s: cannot write %s: %s\n", what, path, strerror(errno));
		report_free(rep);
		json_decref(o);
		return 1;
	}
	if (strcmp(format, "csv") == 0)
		err = monthly ? report_monthly_csv(rep, f) : report_invoice_csv(o, f);
	else if (json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) !=
	                 0 ||
	         fputc('\n', f) == EOF)
		err = EIO;
	if (f != stdout && fclose(f) != 0)
		err = err ? err : EIO;
	report_free(rep);
	json_decref(o);
	if (err) {
		fprintf(stderr, "lotsen %s: writing failed: %s\n", what, strerror(err));
		return 1;
	}
	return 0;
}

static int cmd_report_rebuild(int argc, char **argv)
{
	struct db *db;
	int64_t n = 0;
	int err;

	if (open_db(&db, flag_value(argc, argv, "--db", "lotsen.db"), "full"))
		return 1;
	err = report_rollup_rebuild(db, &n);
	db_close(db);
	if (err) {
		fprintf(stderr, "lotsen report rebuild-rollups: %s\n", strerror(err));
		return 1;
	}
	printf("%lld cases counted into the rollups\n", (long long)n);
	return 0;
}

/* A consistent copy of a live database: `lotsen backup --db FILE --out FILE [--force]`. */
static int cmd_backup(int argc, char **argv)
{
	const char *src = flag_value(argc, argv, "--db", NULL);
	const char *dst = flag_value(argc, argv, "--out", NULL);
	struct db_backup_info info;
	bool force = false;
	char why[600];
	int err;

	for (int i = 1; i < argc; i++)
		force |= strcmp(argv[i], "--force") == 0;
	if (!src || !dst || !*src || !*dst) {
		fprintf(stderr, "usage: lotsen backup --db FILE --out FILE [--force]\n"
		                "(--force replaces an existing FILE given with --out)\n");
		return 2;
	}
	err = db_backup(src, dst, force, &info, why, sizeof(why));
	if (err) {
		fprintf(stderr, "lotsen backup: %s\n", why[0] ? why : strerror(err));
		return 1;
	}
	printf("backup of %s written to %s: %lld pages, %lld bytes, integrity_check ok\n", src, dst,
	       (long long)info.pages, (long long)info.bytes);
	return 0;
}

/* `lotsen mail import …`: the same intake as the IMAP fetcher, on files. */
static int cmd_mail(int argc, char **argv)
{
	struct db *db;
	int rc;

	if (argc < 2 || strcmp(argv[1], "import") != 0)
		return mail_cli(NULL, argc, argv); /* prints the usage */
	/* The files stay where they are: a crash of the machine loses nothing an import
	 * run again (duplicates are recognised) cannot redo. */
	if (open_db(&db, flag_value(argc, argv, "--db", "lotsen.db"), "normal"))
		return 1;
	rc = mail_cli(db, argc, argv);
	db_close(db);
	return rc;
}

/* What `serve` does on the first working day of a month, on demand (and at a given time). */
static int cmd_report_deliver(int argc, char **argv)
{
	const char *at = flag_value(argc, argv, "--now", NULL);
	const char *municipality = flag_value(argc, argv, "--municipality", "Lotsens kommun");
	int64_t now = now_s();
	struct db *db;
	int made = 0, err;

	if (at && calendar_parse_iso8601(at, &now) != 0) {
		fprintf(stderr, "usage: lotsen report deliver [--now YYYY-MM-DDTHH:MM] "
		                "[--municipality NAME] --db FILE\n");
		return 2;
	}
	if (open_db(&db, flag_value(argc, argv, "--db", "lotsen.db"), "full"))
		return 1;
	err = report_deliver_due(db, now, municipality, &made);
	db_close(db);
	report_pdf_shutdown();
	if (err) {
		fprintf(stderr, "lotsen report deliver: %s\n", strerror(err));
		return 1;
	}
	printf("%d reports stored\n", made);
	return 0;
}

/* ======================================================================
 * retention, citizen export
 * ====================================================================== */

static int cmd_retention(int argc, char **argv)
{
	const char *dbp = flag_value(argc, argv, "--db", "lotsen.db");
	const char *nows = flag_value(argc, argv, "--now", NULL);
	const char *ms = flag_value(argc, argv, "--months", "24");
	const char *mail = flag_value(argc, argv, "--mail-files", NULL);
	const char *filesp = flag_value(argc, argv, "--files", NULL);
	struct retention_opts o = {0};
	struct retention_stats st = {0};
	char files[600], *end = NULL;
	int64_t now = now_s();
	struct db *db;
	long months;
	int err;

	for (int i = 1; i < argc; i++)
		o.dry_run |= strcmp(argv[i], "--dry-run") == 0;
	errno = 0;
	months = strtol(ms, &end, 10);
	if (argc < 2 || strcmp(argv[1], "run") != 0 || errno || *end || months < 0 ||
	    months > 1200 || (nows && calendar_parse_iso8601(nows, &now) != 0)) {
		fprintf(stderr, "usage: lotsen retention run --db FILE [--dry-run] [--now ISO-8601]"
		                " [--months N (categories without their own period; 0: keep; "
		                "default 24)] [--mail-files DIR] [--files DIR]\n");
		return 2;
	}
	if (open_db(&db, dbp, "full"))
		return 1;
	o.default_months = (int)months;
	o.files_dir = filesp ? filesp : files_beside(dbp, files, sizeof(files));
	o.mail_files = mail;
	err = retention_run(db, &o, now, &st);
	db_close(db);
	if (err) {
		fprintf(stderr, "lotsen retention: %s\n", strerror(err));
		return 1;
	}
	printf("%s: %lld cases looked at, %lld anonymized, %lld kept by a legal hold, "
	       "%lld citizens deleted, %lld history values, %lld handovers, %lld e-mails, "
	       "%lld attachments, %lld call records, %lld files removed\n",
	       o.dry_run ? "dry run (nothing changed)" : "retention", (long long)st.scanned,
	       (long long)st.cases, (long long)st.held, (long long)st.citizens,
	       (long long)st.history, (long long)st.handovers, (long long)st.mails,
	       (long long)st.attachments, (long long)st.recordings, (long long)st.files);
	return 0;
}

static int cmd_hold(int argc, char **argv)
{
	const struct principal op = {.id = 0, .role = ROLE_ADMIN};
	const char *cs = flag_value(argc, argv, "--case", "0");
	const char *zs = flag_value(argc, argv, "--citizen", "0");
	const char *reason = flag_value(argc, argv, "--reason", NULL);
	const char *rel = flag_value(argc, argv, "--release", "0");
	char *e1 = NULL, *e2 = NULL, *e3 = NULL;
	long long case_id, citizen_id, release;
	int64_t id = 0;
	struct db *db;
	int err;

	errno = 0;
	case_id = strtoll(cs, &e1, 10);
	citizen_id = strtoll(zs, &e2, 10);
	release = strtoll(rel, &e3, 10);
	if (errno || *e1 || *e2 || *e3 || case_id < 0 || citizen_id < 0 || release < 0 ||
	    (!release && ((case_id > 0) == (citizen_id > 0) || !reason))) {
		fprintf(stderr, "usage: lotsen retention hold --db FILE (--case N | --citizen N) "
		                "--reason TEXT\n       lotsen retention hold --db FILE --release "
		                "HOLD\n");
		return 2;
	}
	if (open_db(&db, flag_value(argc, argv, "--db", "lotsen.db"), "full"))
		return 1;
	if (release)
		err = retention_hold_release(db, &op, release, now_s());
	else
		err = retention_hold_set(db, &op, case_id, citizen_id, reason, now_s(), &id);
	db_close(db);
	if (err) {
		fprintf(stderr, "lotsen retention hold: %s\n", strerror(err));
		return 1;
	}
	if (!release)
		printf("legal hold %lld\n", (long long)id);
	return 0;
}

static int cmd_citizen_export(int argc, char **argv)
{
	const struct principal op = {.id = 0, .role = ROLE_ADMIN};
	const char *ids = flag_value(argc, argv, "--id", NULL);
	const char *out = flag_value(argc, argv, "--out", NULL);
	const char *muni = flag_value(argc, argv, "--municipality", "");
	size_t len = out ? strlen(out) : 0, n = 0;
	bool pdf = len > 4 && strcmp(out + len - 4, ".pdf") == 0;
	char *end = NULL, *buf = NULL;
	json_t *doc = NULL;
	long long id = 0;
	struct db *db;
	FILE *f;
	int err;

	errno = 0;
	if (ids)
		id = strtoll(ids, &end, 10);
	if (!ids || errno || *end || id <= 0 || !out ||
	    (!pdf && !(len > 5 && strcmp(out + len - 5, ".json") == 0))) {
		fprintf(stderr, "usage: lotsen citizen export --db FILE --id N --out FILE.json|"
		                "FILE.pdf [--municipality NAME]\n");
		return 2;
	}
	if (open_db(&db, flag_value(argc, argv, "--db", "lotsen.db"), "full"))
		return 1;
	err = citizen_export(db, &op, id, now_s(), &doc);
	if (!err)
		err = citizen_export_audit(db, &op, id, now_s(),
		                           pdf ? "registerutdrag pdf (cli)"
		                               : "registerutdrag json (cli)");
	db_close(db);
	if (!err && pdf)
		err = report_citizen_pdf(doc, muni, &buf, &n);
	else if (!err) {
		buf = json_dumps(doc, JSON_INDENT(2));
		n = buf ? strlen(buf) : 0;
		err = buf ? 0 : ENOMEM;
	}
	json_decref(doc);
	if (!err) {
		f = fopen(out, "wb");
		if (!f || fwrite(buf, 1, n, f) != n)
			err = f ? EIO : errno;
		if (f && fclose(f) != 0 && !err)
			err = EIO;
	}
	free(buf);
	report_pdf_shutdown();
	if (err) {
		fprintf(stderr, "lotsen citizen export: %s\n",
		        err == ENOENT ? "no such citizen" : strerror(err));
		return 1;
	}
	return 0;
}

/* ======================================================================
 * tenant add, tenant list: municipalities on a shared PostgreSQL cluster
 * ====================================================================== */

static void tenant_print_h(const char *name, const char *database, const char *owner, void *arg)
{
	(void)arg;
	printf("%-40s %-48s %s\n", name, database, owner);
}

/* The migrations run as the new role. Its password goes to libpq by PGPASSWORD for that
 * while rather than in the URL, which open_db's messages show; the administrator's own
 * PGPASSWORD is put back before the cluster is used again. */
static int tenant_migrate(const struct tenant_created *t)
{
	const char *had = getenv("PGPASSWORD");
	char *saved = had ? strdup(had) : NULL;
	struct db *db;
	int err;

	if (had && !saved)
		return ENOMEM;
	if (t->password)
		setenv("PGPASSWORD", t->password, 1);
	err = open_db(&db, t->url, "full");
	if (!err)
		db_close(db);
	if (saved) {
		setenv("PGPASSWORD", saved, 1);
		explicit_bzero(saved, strlen(saved));
		free(saved);
	} else if (t->password) {
		unsetenv("PGPASSWORD");
	}
	return err;
}

static int cmd_tenant(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	const char *cluster = flag_value(argc, argv, "--cluster", NULL);
	const char *name = argc > 2 && argv[2][0] != '-' ? argv[2] : NULL;
	bool add = strcmp(what, "add") == 0, no_password = false;
	struct tenant_created t = {0};
	char msg[600], undo[300];
	int err;

	for (int i = 2; i < argc; i++)
		no_password |= strcmp(argv[i], "--no-password") == 0;
	if ((!add && strcmp(what, "list") != 0) || !cluster || (add && !name)) {
		fprintf(stderr,
		        "usage: lotsen tenant add NAME --cluster URL [--no-password]\n"
		        "       lotsen tenant list --cluster URL\n"
		        "(URL: a PostgreSQL role that may create roles and databases; NAME: 1–%d "
		        "of a–z, 0–9, _)\n",
		        TENANT_NAME_MAX);
		return 2;
	}
	if (!add) {
		err = tenant_list(cluster, tenant_print_h, NULL, msg, sizeof(msg));
		if (err)
			fprintf(stderr, "lotsen tenant list: %s\n", msg);
		return err ? 1 : 0;
	}
	err = tenant_create(cluster, name, !no_password, &t, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "lotsen tenant add: %s\n", msg);
		return err == EINVAL || err == EEXIST ? 2 : 1;
	}
	log_set_level(LOG_WARN); /* the migrations' lines; `lotsen migrate` shows them */
	if (tenant_migrate(&t) != 0) {
		/* Nothing half-made: the role and database go again. */
		if (tenant_drop(cluster, name, undo, sizeof(undo)) != 0)
			fprintf(stderr, "lotsen tenant add: removing it again failed too: %s\n",
			        undo);
		fprintf(stderr,
		        "lotsen tenant add: tenant %s was not created (its migrations "
		        "failed)\n",
		        name);
		tenant_created_free(&t);
		return 1;
	}
	printf("tenant %s created: database lotsen_%s owned by role lotsen_%s\n", name, name, name);
	if (t.password)
		printf("password: %s\n(shown only now: put it in ~/.pgpass or PGPASSWORD of %s's "
		       "nodes)\n",
		       t.password, name);
	printf("url: %s\n", t.url);
	tenant_created_free(&t);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	mail_init();
	/* Stockholm time for the whole process, set before any thread starts. */
	if (calendar_tz_init() != 0)
		log_warn("calendar.tz", "zone=Europe/Stockholm tzdata=missing rule=builtin-eu");
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(argc - 1, argv + 1);
	if (strcmp(cmd, "user") == 0 && argc > 2 && strcmp(argv[2], "add") == 0)
		return cmd_user_add(argc - 1, argv + 1);
	if (strcmp(cmd, "demo") == 0)
		return cmd_demo(argc - 1, argv + 1);
	if (strcmp(cmd, "report") == 0 && argc > 2 && strcmp(argv[2], "monthly") == 0)
		return cmd_report(argc - 2, argv + 2, "report monthly", "--month", PERIOD_MONTH);
	if (strcmp(cmd, "report") == 0 && argc > 2 && strcmp(argv[2], "tertial") == 0)
		return cmd_report(argc - 2, argv + 2, "report tertial", "--tertial",
		                  PERIOD_TERTIAL);
	if (strcmp(cmd, "report") == 0 && argc > 2 && strcmp(argv[2], "year") == 0)
		return cmd_report(argc - 2, argv + 2, "report year", "--year", PERIOD_YEAR);
	if (strcmp(cmd, "report") == 0 && argc > 2 && strcmp(argv[2], "period") == 0)
		return cmd_report(argc - 2, argv + 2, "report period", "--period", PERIOD_RANGE);
	if (strcmp(cmd, "report") == 0 && argc > 2 && strcmp(argv[2], "rebuild-rollups") == 0)
		return cmd_report_rebuild(argc - 2, argv + 2);
	if (strcmp(cmd, "report") == 0 && argc > 2 && strcmp(argv[2], "deliver") == 0)
		return cmd_report_deliver(argc - 2, argv + 2);
	if (strcmp(cmd, "backup") == 0)
		return cmd_backup(argc - 1, argv + 1);
	if (strcmp(cmd, "retention") == 0 && argc > 2 && strcmp(argv[2], "hold") == 0)
		return cmd_hold(argc - 2, argv + 2);
	if (strcmp(cmd, "retention") == 0)
		return cmd_retention(argc - 1, argv + 1);
	if (strcmp(cmd, "citizen") == 0 && argc > 2 && strcmp(argv[2], "export") == 0)
		return cmd_citizen_export(argc - 2, argv + 2);
	if (strcmp(cmd, "invoice") == 0)
		return cmd_report(argc - 1, argv + 1, "invoice", "--month", -1);
	if (strcmp(cmd, "tenant") == 0)
		return cmd_tenant(argc - 1, argv + 1);
	if (strcmp(cmd, "kb") == 0)
		return kb_cli(argc - 1, argv + 1);
	if (strcmp(cmd, "mail") == 0)
		return cmd_mail(argc - 1, argv + 1);
	if (strcmp(cmd, "erlang") == 0)
		return erlang_cli(argc - 1, argv + 1);
	if (strcmp(cmd, "forecast") == 0)
		return forecast_cli(argc - 1, argv + 1);
	if (strcmp(cmd, "staffing") == 0)
		return staffing_cli(argc - 1, argv + 1);
	if (strcmp(cmd, "simulate") == 0)
		return simulate_cli(argc - 1, argv + 1);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("lotsen %s\n", LOTSEN_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
