/* The jobs lease: which node runs the e-mail, report delivery, retention and reminders,
 * and its hand-over to a node with nothing to do (cluster.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <re_types.h>
#include <re_list.h>
#include <re_mqueue.h>
#include <re_tmr.h>

#include "base/log.h"
#include "cluster/cluster_int.h"

static void jobs_in_h(const char *channel, const char *payload, void *arg)
{
	struct cluster *c = arg;

	if (c->jobs_held && strcmp(channel, CHANNEL_JOBS) == 0 && strcmp(payload, "mailboxes") == 0)
		(void)mqueue_push(c->mq, MQ_JOBS_MAILBOXES,
		                  (void *)(uintptr_t)atomic_load(&c->jobs_gen));
}

static int connect_jobs(struct cluster *c, int64_t deadline)
{
	int err;

	if (c->jc && lease_fd(c->jc) >= 0)
		return 0;
	lease_close(c->jc);
	c->jc = NULL;
	err = lease_open(&c->jc, c->url, false, deadline);
	if (!err)
		err = lease_listen(c->jc, CHANNEL_JOBS, deadline);
	if (err) {
		lease_close(c->jc);
		c->jc = NULL;
	}
	return err;
}

/* The jobs lease ends here (lost, late or handed over): the loop stops the jobs. */
static void jobs_end(struct cluster *c, const char *why)
{
	c->jobs_held = false;
	c->handover_asked = false;
	atomic_fetch_add(&c->jobs_gen, 1);
	log_info("cluster.jobs_end", "node=\"%s\" lease=%s reason=\"%s\"", c->me.node, LEASE_JOBS,
	         why);
	(void)mqueue_push(c->mq, MQ_JOBS_OFF, NULL);
}

/* One round of the jobs lease: renew it (and hear an ask to hand it over), take it when it
 * lapsed, or ask the node that has both leases for it. */
static void jobs_round(struct cluster *c)
{
	int64_t sent = lease_clock_ms(), dl = sent + OP_MS;
	bool queue = atomic_load(&c->queue_held), held = false, wanted = false;
	struct lease_holder who;
	int err = connect_jobs(c, dl);

	if (!err && c->jobs_held) {
		err = lease_renew(c->jc, LEASE_JOBS, c->ticket, CLUSTER_TTL_MS, dl, &held, &wanted);
		if (!err && held) {
			c->jobs_deadline = sent + CLUSTER_TTL_MS - CLUSTER_MARGIN_MS;
			if (wanted && queue && !c->handover_asked) {
				c->handover_asked = true;
				log_info("cluster.handover_asked", "node=\"%s\" lease=%s",
				         c->me.node, LEASE_JOBS);
				(void)mqueue_push(c->mq, MQ_JOBS_HANDOVER,
				                  (void *)(uintptr_t)atomic_load(&c->jobs_gen));
			}
		} else if (!err) {
			jobs_end(c, "held by another node");
		}
	} else if (!err) {
		err = lease_take(c->jc, LEASE_JOBS, c->ticket, &c->me, CLUSTER_TTL_MS,
		                 queue ? JOBS_GRACE_MS : 0, dl, &held, &who);
		if (!err && held) {
			c->jobs_held = true;
			c->want_logged = false;
			c->jobs_deadline = sent + CLUSTER_TTL_MS - CLUSTER_MARGIN_MS;
			log_info("cluster.lease_taken", "node=\"%s\" lease=%s", c->me.node,
			         LEASE_JOBS);
			(void)mqueue_push(
			        c->mq, MQ_JOBS_ON,
			        (void *)(uintptr_t)(atomic_fetch_add(&c->jobs_gen, 1) + 1));
		} else if (!err && !queue) {
			bool asked = false;

			err = lease_want(c->jc, LEASE_JOBS, c->ticket, LEASE_NAME, WANT_MS, dl,
			                 &asked);
			if (!err && asked && !c->want_logged)
				log_info("cluster.want", "node=\"%s\" lease=%s holder=\"%s\"",
				         c->me.node, LEASE_JOBS, who.node);
			c->want_logged = c->want_logged || asked;
		}
	}
	if (err) {
		if (!c->jobs_down_logged)
			log_warn("cluster.renew", "node=\"%s\" lease=%s error=\"%s\"", c->me.node,
			         LEASE_JOBS, strerror(err));
		c->jobs_down_logged = true;
		lease_close(c->jc);
		c->jc = NULL;
	} else {
		c->jobs_down_logged = false;
		(void)lease_consume(c->jc, jobs_in_h, c);
	}
	/* Not renewed in time: another node may take the lapsed lease, so the jobs stop here
	 * first. The next round takes it again if nobody did. */
	if (c->jobs_held && lease_clock_ms() >= c->jobs_deadline)
		jobs_end(c, "not renewed in time");
}

static void send_jobs_notes(struct cluster *c, int64_t *mail, size_t n, bool mailboxes)
{
	int64_t dl = lease_clock_ms() + OP_MS;
	int err = (n || mailboxes) ? connect_jobs(c, dl) : 0;
	char ids[NOTIFY_IDS][24];
	const char *vals[NOTIFY_IDS];
	size_t sent = 0;

	while (!err && sent < n) {
		size_t k = n - sent < NOTIFY_IDS ? n - sent : NOTIFY_IDS;

		for (size_t i = 0; i < k; i++) {
			snprintf(ids[i], sizeof(ids[i]), "%lld", (long long)mail[sent + i]);
			vals[i] = ids[i];
		}
		err = lease_notify(c->jc, CHANNEL_MAIL, vals, k, dl);
		sent += k;
	}
	if (!err && mailboxes) {
		const char *one = "mailboxes";
		err = lease_notify(c->jc, CHANNEL_JOBS, &one, 1, dl);
	}
	if (err) {
		/* The queue's node finds stored e-mail without an item when it loads (a takeover,
		 * a reload); the mailboxes' change at the jobs' next start. */
		log_warn("cluster.notify", "node=\"%s\" mail_lost=%zu mailboxes=%s error=\"%s\"",
		         c->me.node, n - sent, mailboxes ? "true" : "false", strerror(err));
		lease_close(c->jc);
		c->jc = NULL;
	}
	free(mail);
}

void *jobs_main(void *arg)
{
	struct cluster *c = arg;
	int64_t next = lease_clock_ms() + CLUSTER_RENEW_MS;

	for (;;) {
		int64_t *mail;
		size_t nmail;
		bool mailboxes;
		uint64_t release;

		pthread_mutex_lock(&c->mu);
		while (!c->stop && !c->nmail_out && !c->mailboxes_pending && !c->release_gen &&
		       lease_clock_ms() < next) {
			struct timespec ts = {.tv_sec = next / 1000,
			                      .tv_nsec = (next % 1000) * 1000000};

			pthread_cond_timedwait(&c->jobs_cv, &c->mu, &ts);
		}
		if (c->stop) {
			pthread_mutex_unlock(&c->mu);
			break;
		}
		mail = c->mail_out;
		nmail = c->nmail_out;
		c->mail_out = NULL;
		c->nmail_out = 0;
		mailboxes = c->mailboxes_pending;
		c->mailboxes_pending = false;
		release = c->release_gen;
		c->release_gen = 0;
		pthread_mutex_unlock(&c->mu);

		/* The loop stopped the jobs it was asked to hand over: let them go. */
		if (release && c->jobs_held && release == atomic_load(&c->jobs_gen)) {
			int err = connect_jobs(c, lease_clock_ms() + OP_MS);

			if (!err)
				err = lease_release(c->jc, LEASE_JOBS, c->ticket,
				                    lease_clock_ms() + OP_MS);
			c->jobs_held = false;
			c->handover_asked = false;
			atomic_fetch_add(&c->jobs_gen, 1);
			log_info("cluster.handover", "node=\"%s\" lease=%s error=\"%s\"",
			         c->me.node, LEASE_JOBS, err ? strerror(err) : "none");
			/* Not taken back at once: the node that asked takes it at its next round.
			 */
			next = lease_clock_ms() + CLUSTER_TTL_MS;
		}
		if (lease_clock_ms() >= next) {
			next = lease_clock_ms() + CLUSTER_RENEW_MS;
			jobs_round(c);
		}
		send_jobs_notes(c, mail, nmail, mailboxes);
	}
	return NULL;
}

void jobs_first_take(struct cluster *c, bool queue)
{
	int64_t sent = lease_clock_ms();
	struct lease_holder who;

	if (lease_open(&c->jc, c->url, false, sent + 3000) == 0 &&
	    lease_listen(c->jc, CHANNEL_JOBS, sent + 3000) == 0 &&
	    lease_take(c->jc, LEASE_JOBS, c->ticket, &c->me, CLUSTER_TTL_MS,
	               queue ? JOBS_GRACE_MS : 0, sent + 3000, &c->jobs_held, &who) == 0 &&
	    c->jobs_held) {
		c->jobs_deadline = sent + CLUSTER_TTL_MS - CLUSTER_MARGIN_MS;
		c->jobs_running = atomic_fetch_add(&c->jobs_gen, 1) + 1;
		log_info("cluster.lease_taken", "node=\"%s\" lease=%s", c->me.node, LEASE_JOBS);
	}
}

/* The jobs stopped before this (the node's order of stopping): hand them on. */
void jobs_release_at_stop(struct cluster *c)
{
	if (c->jobs_held) {
		int64_t dl = lease_clock_ms() + 1000;
		int err = c->jc && lease_fd(c->jc) >= 0 ? 0 : connect_jobs(c, dl);

		if (!err)
			err = lease_release(c->jc, LEASE_JOBS, c->ticket, dl);
		log_info("cluster.release", "node=\"%s\" lease=%s error=\"%s\"", c->me.node,
		         LEASE_JOBS, err ? strerror(err) : "none");
	}
	lease_close(c->jc);
	c->jc = NULL;
}

bool cluster_runs_jobs(const struct cluster *c)
{
	return c && c->jobs_running;
}

void cluster_jobs_released(struct cluster *c)
{
	if (!c || !c->jobs_running)
		return;
	pthread_mutex_lock(&c->mu);
	c->release_gen = c->jobs_running;
	pthread_cond_signal(&c->jobs_cv);
	pthread_mutex_unlock(&c->mu);
	c->jobs_running = 0;
}

void cluster_mail_elsewhere(struct cluster *c, int64_t case_id)
{
	if (!c || case_id < 0)
		return;
	pthread_mutex_lock(&c->mu);
	if (c->nmail_out < MAIL_OUT_MAX) {
		int64_t *p = realloc(c->mail_out, (c->nmail_out + 1) * sizeof(*p));
		if (p) {
			c->mail_out = p;
			c->mail_out[c->nmail_out++] = case_id;
		}
	}
	pthread_cond_signal(&c->jobs_cv);
	pthread_mutex_unlock(&c->mu);
}

void cluster_mailboxes_elsewhere(void *arg)
{
	struct cluster *c = arg;

	if (!c || c->jobs_running)
		return;
	pthread_mutex_lock(&c->mu);
	c->mailboxes_pending = true;
	pthread_cond_signal(&c->jobs_cv);
	pthread_mutex_unlock(&c->mu);
}
