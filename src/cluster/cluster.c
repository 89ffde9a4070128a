/* Several nodes on one PostgreSQL: the queue lease's thread, the holder's NOTIFY of the
 * engine's notes and the standbys' LISTEN (cluster.h). */
#include "cluster/cluster.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <re_types.h>
#include <re_list.h>
#include <re_main.h>
#include <re_mem.h>
#include <re_mqueue.h>
#include <re_sys.h>
#include <re_tmr.h>

#include "base/log.h"
#include "cluster/cluster_int.h"
#include "store/lease.h"

/* ======================================================================
 * The lease thread
 * ====================================================================== */

/* The one way out for a holder that no longer holds: at once, before the loop does
 * anything more with the engine. */
static void lost(struct cluster *c, const char *why)
{
	log_error("cluster.lease_lost", "node=\"%s\" reason=\"%s\" action=exit code=%d", c->me.node,
	          why, CLUSTER_EXIT_LOST);
	_exit(CLUSTER_EXIT_LOST);
}

/* The holder's deadline passed without a renewal: the engine's fence (fence_h) holds the
 * loop at its next event from now on. Late, and no renewal of its own ticket has come
 * back for CLUSTER_LATE_MAX_MS (the database is out of reach): exit. Renewals that come
 * back, only too slowly to move the deadline ahead (an overloaded database), keep the
 * node up with its engine held (nobody else can take the lease while they do), for up to
 * three times as long. */
static void check_late(struct cluster *c)
{
	int64_t d = atomic_load(&c->deadline), now = lease_clock_ms();

	if (!d || now < d)
		return;
	if (!c->late_since) {
		c->late_since = d;
		log_warn("cluster.lease_late", "node=\"%s\" action=hold_engine", c->me.node);
	}
	if (now - c->late_since > CLUSTER_LATE_MAX_MS &&
	    now - c->last_renewed > CLUSTER_LATE_MAX_MS)
		lost(c, "not renewed in time");
	if (now - c->late_since > 3 * CLUSTER_LATE_MAX_MS)
		lost(c, "renewals too slow to run the queue");
}

static void reload_in_h(const char *channel, const char *payload, void *arg)
{
	struct cluster *c = arg;

	if (!c->thread_holder)
		return;
	if (strcmp(channel, CHANNEL_RELOAD) == 0) {
		(void)mqueue_push(c->mq, MQ_RELOAD, NULL);
	} else if (strcmp(channel, CHANNEL_MAIL) == 0) {
		char *end;
		long long id = strtoll(payload, &end, 10);

		/* 0: the jobs moved; e-mail stored just before may not have been told */
		if (id >= 0 && *end == '\0' && end != payload)
			(void)mqueue_push(c->mq, MQ_MAIL, (void *)(intptr_t)id);
	}
}

/* The deadline of one statement. A holder waits for its renewal as long as its lease lets
 * it: a statement given up leaves a connection nobody may reuse, and a new one costs a
 * backend's start, slowest exactly when the machine is loaded. A late holder and a standby
 * wait OP_MS. */
static int64_t op_deadline(struct cluster *c)
{
	int64_t d = atomic_load(&c->deadline), now = lease_clock_ms();

	return d > now ? d : now + OP_MS;
}

/* The holder's reload requests and stored e-mail come on the lease's own connection. */
static int listen_lease(struct lease_conn *l, int64_t deadline)
{
	int err = lease_listen(l, CHANNEL_RELOAD, deadline);

	return err ? err : lease_listen(l, CHANNEL_MAIL, deadline);
}

static int connect_lease(struct cluster *c, bool setup)
{
	int err;

	if (c->lc && lease_fd(c->lc) >= 0)
		return 0;
	lease_close(c->lc);
	c->lc = NULL;
	err = lease_open(&c->lc, c->url, setup, op_deadline(c));
	if (!err)
		err = listen_lease(c->lc, op_deadline(c));
	if (err) {
		lease_close(c->lc);
		c->lc = NULL;
	} else if (c->thread_holder) {
		/* Stored e-mail told while the connection was away was not heard: look. */
		(void)mqueue_push(c->mq, MQ_MAIL, NULL);
	}
	return err;
}

/* One renewal (or attempt to take the lease). */
static int renew(struct cluster *c)
{
	struct lease_holder who;
	int64_t sent = lease_clock_ms();
	bool held = false;
	int err = connect_lease(c, false);

	/* A holder only renews its own ticket: if its time ran out and another node took the
	 * lease meanwhile, even for a moment, this one's queue is not the queue any more. */
	if (!err && c->thread_holder)
		err = lease_renew(c->lc, LEASE_NAME, c->ticket, CLUSTER_TTL_MS, op_deadline(c),
		                  &held, NULL);
	else if (!err)
		err = lease_take(c->lc, LEASE_NAME, c->ticket, &c->me, CLUSTER_TTL_MS, 0,
		                 op_deadline(c), &held, &who);
	if (err) {
		if (!c->down_logged)
			log_warn("cluster.renew", "node=\"%s\" holder=%s ms=%lld error=\"%s\"",
			         c->me.node, c->thread_holder ? "true" : "false",
			         (long long)(lease_clock_ms() - sent), strerror(err));
		c->down_logged = true;
		lease_close(c->lc);
		c->lc = NULL;
		return err;
	}
	c->down_logged = false;
	if (lease_clock_ms() - sent > CLUSTER_RENEW_MS)
		log_warn("cluster.renew_slow", "node=\"%s\" ms=%lld", c->me.node,
		         (long long)(lease_clock_ms() - sent));
	if (held) {
		/* The database set expires_at from its now(), which is at or after `sent`: the
		 * lease runs at least until sent + TTL by this node's clock. */
		atomic_store(&c->deadline, sent + CLUSTER_TTL_MS - CLUSTER_MARGIN_MS);
		c->last_renewed = lease_clock_ms();
		if (c->late_since && sent + CLUSTER_TTL_MS - CLUSTER_MARGIN_MS > c->last_renewed) {
			log_info("cluster.lease_kept", "node=\"%s\" late_ms=%lld", c->me.node,
			         (long long)(lease_clock_ms() - c->late_since));
			c->late_since = 0;
			pthread_mutex_lock(&c->mu);
			pthread_cond_broadcast(&c->resumed);
			pthread_mutex_unlock(&c->mu);
		}
		if (!c->thread_holder) {
			c->thread_holder = true;
			atomic_store(&c->queue_held, true);
			log_info("cluster.lease_taken", "node=\"%s\" lease=%s", c->me.node,
			         LEASE_NAME);
			(void)mqueue_push(c->mq, MQ_TAKEOVER, NULL);
		}
	} else if (c->thread_holder) {
		lost(c, "held by another node");
	} else if (strcmp(c->seen, who.node) != 0) {
		snprintf(c->seen, sizeof(c->seen), "%s", who.node);
		log_info("cluster.standby", "node=\"%s\" holder=\"%s\" holder_sip=\"%s\"",
		         c->me.node, who.node, who.sip);
	}
	(void)lease_consume(c->lc, reload_in_h, c);
	return 0;
}

static void send_out(struct cluster *c, char **out, size_t n, bool reload)
{
	int err = 0;

	if ((n || reload) && connect_lease(c, false) != 0)
		err = EIO;
	if (!err && n)
		err = lease_notify(c->lc, CHANNEL_NOTES, (const char *const *)out, n,
		                   op_deadline(c));
	if (!err && reload) {
		const char *one = "reload";
		err = lease_notify(c->lc, CHANNEL_RELOAD, &one, 1, op_deadline(c));
	}
	if (err) {
		log_warn("cluster.notify", "node=\"%s\" lost=%zu reload=%s error=\"%s\"",
		         c->me.node, n, reload ? "true" : "false", strerror(err));
		lease_close(c->lc);
		c->lc = NULL;
	}
	for (size_t i = 0; i < n; i++)
		free(out[i]);
	free(out);
}

static void *lease_main(void *arg)
{
	struct cluster *c = arg;
	int64_t next = lease_clock_ms() + CLUSTER_RENEW_MS;

	for (;;) {
		char **out = NULL;
		size_t nout = 0;
		bool reload;

		pthread_mutex_lock(&c->mu);
		while (!c->stop && !c->nout && !c->reload_pending && lease_clock_ms() < next) {
			int64_t at = next;
			struct timespec ts = {.tv_sec = at / 1000,
			                      .tv_nsec = (at % 1000) * 1000000};

			pthread_cond_timedwait(&c->cv, &c->mu, &ts);
		}
		if (c->stop) {
			pthread_mutex_unlock(&c->mu);
			break;
		}
		out = c->out;
		nout = c->nout;
		c->out = NULL;
		c->nout = 0;
		reload = c->reload_pending;
		c->reload_pending = false;
		pthread_mutex_unlock(&c->mu);

		check_late(c);
		/* The renewal first: notes waiting behind it cost a holder nothing. */
		if (lease_clock_ms() >= next) {
			next = lease_clock_ms() +
			       (c->late_since ? LATE_RETRY_MS : CLUSTER_RENEW_MS);
			(void)renew(c);
		}
		send_out(c, out, nout, reload);
		check_late(c);
	}
	return NULL;
}

/* ======================================================================
 * The loop: takeover, standby's LISTEN, holder's NOTIFY
 * ====================================================================== */

static void listen_stop(struct cluster *c)
{
	if (c->listen_fd >= 0)
		fd_close(c->listen_fd);
	c->listen_fd = -1;
	lease_close(c->listen);
	c->listen = NULL;
	tmr_cancel(&c->listen_tmr);
}

/* A note the holder published: {"k": kind, "id": N, "a": {the action}, "j": snapshot}. */
static void note_in_h(const char *channel, const char *payload, void *arg)
{
	struct cluster *c = arg;
	struct acd_action act = {0};
	json_error_t e;
	json_t *o, *a, *j;
	json_int_t kind = 0, id = 0;

	if (strcmp(channel, CHANNEL_NOTES) != 0 || !c->relay || c->holder)
		return;
	o = json_loads(payload, 0, &e);
	if (!o || json_unpack(o, "{s:I,s:I}", "k", &kind, "id", &id) != 0 ||
	    kind < ACD_NOTE_ACTION || kind > ACD_NOTE_MAIL || id < 0 || id > UINT32_MAX) {
		log_warn("cluster.listen", "note=invalid bytes=%zu", strlen(payload));
		json_decref(o);
		return;
	}
	a = json_object_get(o, "a");
	j = json_object_get(o, "j");
	if (a) {
		json_int_t k = 0, call = 0, agent = 0, group = 0, ewt = 0;
		int pos = 0;
		const char *num = "";

		(void)json_unpack(a, "{s?I,s?I,s?I,s?I,s?i,s?I,s?s}", "kind", &k, "call", &call,
		                  "agent", &agent, "group", &group, "position", &pos, "ewt_ms",
		                  &ewt, "number", &num);
		act.kind = (enum acd_action_kind)k;
		act.call = (uint64_t)call;
		act.agent = (uint32_t)agent;
		act.group = (uint32_t)group;
		act.position = pos;
		act.ewt_ms = ewt;
		snprintf(act.number, sizeof(act.number), "%s", num);
	}
	/* As the engine's listeners get them: an action with its act, snapshots with their
	 * JSON, an e-mail offer with both. */
	if ((kind == ACD_NOTE_ACTION && a) ||
	    ((kind == ACD_NOTE_GROUP || kind == ACD_NOTE_AGENT) && j) ||
	    (kind == ACD_NOTE_MAIL && a && j))
		c->relay((enum acd_note_kind)kind, (uint32_t)id, a ? &act : NULL, j, c->relay_arg);
	json_decref(o);
}

static void listen_start(struct cluster *c);

static void listen_retry_h(void *arg)
{
	listen_start(arg);
}

static void listen_fd_h(int flags, void *arg)
{
	struct cluster *c = arg;

	(void)flags;
	if (lease_consume(c->listen, note_in_h, c) != 0) {
		listen_stop(c);
		tmr_start(&c->listen_tmr, RETRY_MS, listen_retry_h, c);
	}
}

static void listen_start(struct cluster *c)
{
	int64_t dl = lease_clock_ms() + LISTEN_MS;
	int err;

	if (c->holder)
		return;
	listen_stop(c);
	err = lease_open(&c->listen, c->url, false, dl);
	if (!err)
		err = lease_listen(c->listen, CHANNEL_NOTES, dl);
	if (!err) {
		c->listen_fd = lease_fd(c->listen);
		err = fd_listen(c->listen_fd, FD_READ, listen_fd_h, c);
		if (err)
			c->listen_fd = -1;
	}
	if (err) {
		listen_stop(c);
		tmr_start(&c->listen_tmr, RETRY_MS, listen_retry_h, c);
		return;
	}
	log_info("cluster.listen", "node=\"%s\" channel=%s", c->me.node, CHANNEL_NOTES);
}

static void mq_h(int id, void *data, void *arg)
{
	struct cluster *c = arg;

	uint64_t gen = (uint64_t)(uintptr_t)data;

	if (id == MQ_TAKEOVER && !c->holder) {
		c->holder = true;
		listen_stop(c);
		log_info("cluster.takeover", "node=\"%s\"", c->me.node);
		if (c->hooks.takeover)
			c->hooks.takeover(c->arg);
	} else if (id == MQ_RELOAD && c->holder && c->hooks.reload) {
		log_info("cluster.reload", "node=\"%s\" asked_by=standby", c->me.node);
		c->hooks.reload(c->arg);
	} else if (id == MQ_MAIL && c->holder && c->hooks.mail) {
		c->hooks.mail((int64_t)(intptr_t)data, c->arg);
	} else if (id == MQ_JOBS_ON && gen == atomic_load(&c->jobs_gen) && !c->jobs_running) {
		c->jobs_running = gen;
		if (c->hooks.jobs)
			c->hooks.jobs(CLUSTER_JOBS_START, c->arg);
	} else if (id == MQ_JOBS_OFF && c->jobs_running) {
		c->jobs_running = 0;
		if (c->hooks.jobs)
			c->hooks.jobs(CLUSTER_JOBS_STOP, c->arg);
	} else if (id == MQ_JOBS_HANDOVER && c->jobs_running && gen == c->jobs_running) {
		if (c->hooks.jobs)
			c->hooks.jobs(CLUSTER_JOBS_HANDOVER, c->arg);
	} else if (id == MQ_JOBS_MAILBOXES && c->jobs_running && gen == c->jobs_running) {
		if (c->hooks.jobs)
			c->hooks.jobs(CLUSTER_JOBS_MAILBOXES, c->arg);
	}
}

static void enqueue(struct cluster *c, char *s)
{
	pthread_mutex_lock(&c->mu);
	if (c->nout >= OUT_MAX) {
		c->dropped++;
		free(s);
	} else {
		char **p = realloc(c->out, (c->nout + 1) * sizeof(*p));
		if (p) {
			c->out = p;
			c->out[c->nout++] = s;
		} else {
			c->dropped++;
			free(s);
		}
	}
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

/* The engine's listener on the holder: each note as one NOTIFY payload. */
static void publish_note_h(enum acd_note_kind kind, uint32_t id, const struct acd_action *act,
                           const json_t *json, void *arg)
{
	struct cluster *c = arg;
	json_t *o = json_pack("{s:i,s:I}", "k", (int)kind, "id", (json_int_t)id);
	char *s;
	size_t n;

	if (!o)
		return;
	if (act)
		json_object_set_new(
		        o, "a",
		        json_pack("{s:i,s:I,s:I,s:I,s:i,s:I,s:s}", "kind", (int)act->kind, "call",
		                  (json_int_t)act->call, "agent", (json_int_t)act->agent, "group",
		                  (json_int_t)act->group, "position", act->position, "ewt_ms",
		                  (json_int_t)act->ewt_ms, "number", act->number));
	if (json)
		json_object_set(o, "j", (json_t *)json); /* a reference of ours, for the dump */
	s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(o);
	if (!s)
		return;
	n = strlen(s);
	if (n > PAYLOAD_MAX) {
		/* Standbys miss this one; the next snapshot of the group (at the latest the
		 * republishing) brings them up to date. */
		pthread_mutex_lock(&c->mu);
		c->dropped++;
		pthread_mutex_unlock(&c->mu);
		log_warn("cluster.notify", "skipped=1 kind=%d id=%u bytes=%zu max=%d", (int)kind,
		         id, n, PAYLOAD_MAX);
		free(s);
		return;
	}
	enqueue(c, s);
}

static void republish(struct cluster *c)
{
	uint32_t ids[512];
	size_t n = acd_host_groups(c->host, ids, 512);
	int64_t now = acd_now_ms();

	for (size_t i = 0; i < n && i < 512; i++) {
		json_t *j;
		if (acd_host_group_json(c->host, now, ids[i], &j) == 0) {
			publish_note_h(ACD_NOTE_GROUP, ids[i], NULL, j, c);
			json_decref(j);
		}
	}
}

static void republish_h(void *arg)
{
	struct cluster *c = arg;

	republish(c);
	tmr_start(&c->republish_tmr, REPUBLISH_MS, republish_h, c);
}

/* The engine's fence on the holder, on the loop before events are stored: past the
 * deadline the engine waits here until the lease thread renewed (nobody took the lease
 * meanwhile) or ended the process (somebody did, or it stayed late too long). */
static void fence_h(void *arg)
{
	struct cluster *c = arg;
	int64_t d = atomic_load(&c->deadline), t0;

	if (!d || lease_clock_ms() < d)
		return;
	t0 = lease_clock_ms();
	pthread_mutex_lock(&c->mu);
	while ((d = atomic_load(&c->deadline)) != 0 && lease_clock_ms() >= d) {
		int64_t at = lease_clock_ms() + 100;
		struct timespec ts = {.tv_sec = at / 1000, .tv_nsec = (at % 1000) * 1000000};

		pthread_cond_timedwait(&c->resumed, &c->mu, &ts);
	}
	pthread_mutex_unlock(&c->mu);
	log_warn("cluster.fence", "node=\"%s\" held_ms=%lld", c->me.node,
	         (long long)(lease_clock_ms() - t0));
}

/* ======================================================================
 * Life cycle
 * ====================================================================== */

int cluster_start(struct cluster **cp, const struct cluster_conf *conf,
                  const struct cluster_hooks *hooks, void *arg, bool *holder, bool *jobs)
{
	struct cluster *c;
	pthread_condattr_t ca;
	struct lease_holder who;
	bool held = false;
	int64_t sent;
	int err;

	if (!cp || !conf || !conf->url || !conf->node || !hooks || !holder || !jobs)
		return EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ENOMEM;
	c->listen_fd = -1;
	tmr_init(&c->listen_tmr);
	tmr_init(&c->republish_tmr);
	c->hooks = *hooks;
	c->arg = arg;
	c->url = strdup(conf->url);
	snprintf(c->me.node, sizeof(c->me.node), "%s", conf->node);
	snprintf(c->me.sip, sizeof(c->me.sip), "%s", conf->sip ? conf->sip : "");
	snprintf(c->me.http, sizeof(c->me.http), "%s", conf->http ? conf->http : "");
	snprintf(c->ticket, sizeof(c->ticket), "%ld-%016llx", (long)getpid(),
	         (unsigned long long)rand_u64());
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_cond_init(&c->resumed, &ca);
	pthread_cond_init(&c->jobs_cv, &ca);
	pthread_condattr_destroy(&ca);
	if (!c->url) {
		err = ENOMEM;
		goto out;
	}
	err = mqueue_alloc(&c->mq, mq_h, c);
	if (err)
		goto out;
	/* The first try on the caller's thread, with time for a slow start. */
	err = lease_open(&c->lc, c->url, true, lease_clock_ms() + 3000);
	if (!err)
		err = listen_lease(c->lc, lease_clock_ms() + 3000);
	sent = lease_clock_ms();
	if (!err)
		err = lease_take(c->lc, LEASE_NAME, c->ticket, &c->me, CLUSTER_TTL_MS, 0,
		                 sent + 3000, &held, &who);
	if (err)
		goto out;
	if (held) {
		atomic_store(&c->deadline, sent + CLUSTER_TTL_MS - CLUSTER_MARGIN_MS);
		c->thread_holder = c->holder = true;
		atomic_store(&c->queue_held, true);
		log_info("cluster.lease_taken", "node=\"%s\" lease=%s", c->me.node, LEASE_NAME);
	} else {
		snprintf(c->seen, sizeof(c->seen), "%s", who.node);
		log_info("cluster.standby", "node=\"%s\" holder=\"%s\" holder_sip=\"%s\"",
		         c->me.node, who.node, who.sip);
		listen_start(c);
	}
	jobs_first_take(c, held); /* so a lone node starts with everything */
	err = pthread_create(&c->thread, NULL, lease_main, c);
	if (err)
		goto out;
	c->thread_started = true;
	err = pthread_create(&c->jobs_thread, NULL, jobs_main, c);
	if (err)
		goto out;
	c->jobs_thread_started = true;
	*holder = c->holder;
	*jobs = c->jobs_running != 0;
	*cp = c;
	return 0;
out:
	if (err)
		log_error("cluster.start", "node=\"%s\" error=\"%s\"", c->me.node, strerror(err));
	c->thread_holder = false; /* nothing runs yet: no need to give anything up */
	c->jobs_held = false;
	cluster_stop(c);
	return err;
}

void cluster_stop(struct cluster *c)
{
	if (!c)
		return;
	tmr_cancel(&c->republish_tmr);
	listen_stop(c);
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	pthread_cond_signal(&c->cv);
	pthread_cond_signal(&c->jobs_cv);
	pthread_mutex_unlock(&c->mu);
	if (c->thread_started)
		pthread_join(c->thread, NULL);
	if (c->jobs_thread_started)
		pthread_join(c->jobs_thread, NULL);
	jobs_release_at_stop(c);
	if (c->thread_holder) {
		int64_t dl = lease_clock_ms() + 1000;
		int err = c->lc ? 0 : lease_open(&c->lc, c->url, false, dl);

		if (!err)
			err = lease_release(c->lc, LEASE_NAME, c->ticket, dl);
		log_info("cluster.release", "node=\"%s\" lease=%s error=\"%s\"", c->me.node,
		         LEASE_NAME, err ? strerror(err) : "none");
		atomic_store(&c->deadline, 0);
	}
	lease_close(c->lc);
	for (size_t i = 0; i < c->nout; i++)
		free(c->out[i]);
	free(c->out);
	free(c->mail_out);
	mem_deref(c->mq);
	pthread_cond_destroy(&c->cv);
	pthread_cond_destroy(&c->resumed);
	pthread_cond_destroy(&c->jobs_cv);
	pthread_mutex_destroy(&c->mu);
	free(c->url);
	free(c);
}

bool cluster_is_holder(const struct cluster *c)
{
	return c && c->holder;
}

const char *cluster_node(const struct cluster *c)
{
	return c ? c->me.node : "";
}

void cluster_relay(struct cluster *c, acd_note_h *fn, void *arg)
{
	c->relay = fn;
	c->relay_arg = arg;
}

int cluster_publish(struct cluster *c, struct acd_host *host)
{
	int err;

	if (!c || !host)
		return EINVAL;
	err = acd_host_listen(host, publish_note_h, c);
	if (err)
		return err;
	acd_host_set_fence(host, fence_h, c);
	c->host = host;
	republish(c);
	tmr_start(&c->republish_tmr, REPUBLISH_MS, republish_h, c);
	return 0;
}

void cluster_reload_elsewhere(void *arg)
{
	struct cluster *c = arg;

	if (!c || c->holder)
		return;
	pthread_mutex_lock(&c->mu);
	c->reload_pending = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}
