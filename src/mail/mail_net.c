/* The loop's half of the mail network side: fetchers and the sender started and stopped,
 * fetched mail stored with mail_intake (exactly once, on disk before the fetcher may move
 * it), and the outbox's due rows handed to the sender one at a time. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sys/eventfd.h>
#include <unistd.h>

#include <re_types.h>
#include <re_list.h>
#include <re_main.h>
#include <re_tmr.h>

#include "base/log.h"
#include "mail/mail_int.h"
#include "mail/mail_net_int.h"
#include "store/batch.h"
#include "store/db.h"

/* The loop stores fetched mail for at most this long per turn (then lets the other
 * callbacks run and goes on), so calls and requests do not notice a full mailbox. */
#define STORE_BUDGET_MS 4
/* While a request batch's transaction is open (its fsync still running), stored mail
 * could not be confirmed on disk: try again this much later. */
#define STORE_RETRY_MS 2
/* How often the outbox is looked at for rows that became due (retries). */
#define SEND_TICK_MS 1000

enum crash_hook { CRASH_NONE = 0, CRASH_BEFORE_STORE, CRASH_AFTER_STORE };

struct mail_net {
	struct db *db;              /* the loop's connection (borrowed) */
	struct mail_net_config cfg; /* strings borrowed from the caller */
	int efd;                    /* eventfd: threads → loop */
	pthread_mutex_t mu;         /* guards inbox, results and the batches' done and
	                               abandoned once handed over */
	struct mail_batch *inbox;   /* handed over, not yet taken by the loop */
	struct mail_batch **inbox_end;
	struct sent *results;           /* the sender's answers, newest first */
	pthread_cond_t cv;              /* a batch was stored, or a fetcher was cancelled */
	struct mail_batch *todo;        /* loop only: batches to store, oldest first */
	struct mail_batch **todo_end;   /* where the next batch is linked */
	struct tmr store_tmr;           /* continues storing in a later turn */
	struct mail_fetcher **fetchers; /* one per active mailbox */
	size_t nfetchers;
	struct mail_fetcher **retired; /* cancelled by a reload, joined at stop */
	size_t nretired;
	struct mail_sender *sender; /* NULL without smtp-url */
	bool sending;               /* the sender has a message */
	struct tmr send_tmr;        /* the outbox's tick */
	enum crash_hook crash;      /* test hook */
	struct mail_cfg mcfg;       /* the loop connection's mail settings at start, read by
	                               the fetchers to prepare messages (not changed after) */
	struct turn *turns;         /* stores waiting for their batch's fsync, oldest first */
};

/* What one turn stored in the group commit's batch, until its fsync is done. */
struct turn {
	struct turn *next;
	struct mail_net *n;          /* NULL: mail_net_stop came first (nothing to do) */
	struct mail_batch *finished; /* batches whose last message this turn stored */
	struct mail_fetched **items; /* the messages this turn stored (result 0 or EEXIST) */
	int64_t *mailbox;            /* … and their mailboxes */
	size_t n_items;
};

/* One answer of the sender. */
struct sent {
	struct sent *next;
	int64_t outbox_id;
	int err;
	char error[256];
};

void mail_batch_free(struct mail_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		free(b->items[i].raw);
		mail_prepared_free(b->items[i].prep, b->items[i].result != 0);
	}
	free(b->items);
	free(b);
}

void mail_net_prepare(struct mail_net *n, struct mail_batch *b)
{
	int64_t now = (int64_t)time(NULL);
	int err;

	for (size_t i = 0; i < b->n; i++) {
		struct mail_fetched *it = &b->items[i];

		it->result =
		        mail_intake_prepare_ex(&n->mcfg, it->raw, it->len, now, false, &it->prep);
		if (it->result == 0)
			it->result = EINPROGRESS;
		else
			log_warn("mail.prepare", "mailbox=%lld uid=%lld error=\"%s\"",
			         (long long)b->mailbox_id, (long long)it->uid,
			         strerror(it->result));
		free(it->raw);
		it->raw = NULL;
	}
	/* The batch's files on disk with one sync, before the loop may store a row naming
	 * one of them. */
	err = mail_files_sync(n->mcfg.files);
	if (err) {
		log_error("mail.prepare", "mailbox=%lld error=\"sync: %s\"",
		          (long long)b->mailbox_id, strerror(err));
		for (size_t i = 0; i < b->n; i++) {
			mail_prepared_free(b->items[i].prep, true);
			b->items[i].prep = NULL;
			b->items[i].result = err;
		}
	}
}

unsigned mail_net_poll_s(const struct mail_net *n)
{
	return n->cfg.poll_s ? n->cfg.poll_s : 60;
}

/* ----------------------------------------------------------------------
 * Fetched mail: hand-over and storing
 * ---------------------------------------------------------------------- */

int mail_net_push(struct mail_net *n, struct mail_batch *b, atomic_bool *stop)
{
	uint64_t one = 1;

	if (atomic_load(stop))
		return ECANCELED;
	b->done = b->abandoned = false;
	b->stored = 0;
	b->next = NULL;
	pthread_mutex_lock(&n->mu);
	*n->inbox_end = b;
	n->inbox_end = &b->next;
	if (write(n->efd, &one, sizeof(one)) < 0) {
		/* cannot overflow at our rates */
	}
	pthread_mutex_unlock(&n->mu);
	return 0;
}

int mail_net_wait(struct mail_net *n, struct mail_batch *b, atomic_bool *stop)
{
	int err = 0;

	pthread_mutex_lock(&n->mu);
	while (!b->done && !atomic_load(stop))
		pthread_cond_wait(&n->cv, &n->mu);
	if (!b->done) {
		b->abandoned = true; /* the loop frees it once it gets to it */
		err = ECANCELED;
	}
	pthread_mutex_unlock(&n->mu);
	return err;
}

void mail_net_wake(struct mail_net *n)
{
	pthread_mutex_lock(&n->mu);
	pthread_cond_broadcast(&n->cv);
	pthread_mutex_unlock(&n->mu);
}

static void store_tmr_h(void *arg);

static void finish(struct mail_net *n, struct mail_batch *b)
{
	bool free_it;

	pthread_mutex_lock(&n->mu);
	free_it = b->abandoned;
	b->done = true;
	pthread_cond_broadcast(&n->cv);
	pthread_mutex_unlock(&n->mu);
	if (free_it)
		mail_batch_free(b);
}

/* The single point where a fetched message is known stored and on disk: whatever else
 * should happen to a new mail (the queue) starts here, on the loop. */
static void message_stored(struct mail_net *n, int64_t mailbox_id, const struct mail_fetched *it)
{
	(void)n;
	log_info("mail.intake", "mailbox=%lld uid=%lld case=%lld message=%lld",
	         (long long)mailbox_id, (long long)it->uid, (long long)it->case_id,
	         (long long)it->message_row);
	mail_stored_notify(it->case_id, it->message_row); /* the queue takes it from here */
}

/* One message into the open transaction. */
static void store_one(struct mail_net *n, struct mail_batch *b, struct mail_fetched *it,
                      int64_t now)
{
	struct mail_seen_key key = {b->uidvalidity, it->uid};

	if (n->crash == CRASH_BEFORE_STORE) {
		log_warn("mail.test_crash", "when=before-store mailbox=%lld uid=%lld",
		         (long long)b->mailbox_id, (long long)it->uid);
		raise(SIGKILL);
	}
	if (!it->prep)
		return; /* not prepared: its result says why */
	it->result = mail_intake_store(n->db, b->mailbox_id, it->prep, now, &key, &it->case_id,
	                               &it->message_row, NULL);
	if (it->result == EEXIST)
		log_info("mail.intake",
		         "mailbox=%lld uidvalidity=%lld uid=%lld stored=before case=%lld",
		         (long long)b->mailbox_id, (long long)b->uidvalidity, (long long)it->uid,
		         (long long)it->case_id);
	else if (it->result)
		log_warn("mail.intake", "mailbox=%lld uidvalidity=%lld uid=%lld error=\"%s\"",
		         (long long)b->mailbox_id, (long long)b->uidvalidity, (long long)it->uid,
		         strerror(it->result));
}

static void turn_free(struct turn *t)
{
	free(t->items);
	free(t->mailbox);
	free(t);
}

/* The turn's writes are on disk (err 0) or not: results for the fetchers, the stored
 * messages announced, the finished batches handed back. */
static void turn_end(struct mail_net *n, struct turn *t, int err)
{
	struct mail_batch *finished = t->finished;

	for (size_t i = 0; i < t->n_items; i++) {
		struct mail_fetched *it = t->items[i];

		if (err) {
			/* Not (known) on disk: no message of it may be moved. The fetchers
			 * hand them over again in their next round (then EEXIST if it was). */
			if (it->result == 0 || it->result == EEXIST)
				it->result = EIO;
		} else if (it->result == 0) {
			message_stored(n, t->mailbox[i], it);
		}
	}
	if (err)
		log_error("mail.store", "messages=%zu error=\"commit: %s\"", t->n_items,
		          strerror(err));
	if (n->crash == CRASH_AFTER_STORE && t->n_items > 0 && !err) {
		log_warn("mail.test_crash", "when=after-store messages=%zu", t->n_items);
		raise(SIGKILL);
	}
	t->finished = NULL;
	while (finished) {
		struct mail_batch *b = finished;
		finished = b->next;
		b->next = NULL;
		finish(n, b);
	}
}

static void turn_unlink(struct mail_net *n, struct turn *t)
{
	for (struct turn **pp = &n->turns; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			return;
		}
}

static void batch_done_h(int err, bool committed, void *arg)
{
	struct turn *t = arg;
	struct mail_net *n = t->n;

	(void)committed;
	if (n) {
		turn_unlink(n, t);
		turn_end(n, t, err);
	}
	turn_free(t);
}

static int turn_add(struct turn *t, int64_t mailbox_id, struct mail_fetched *it, size_t *cap)
{
	if (t->n_items == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct mail_fetched **v = realloc(t->items, nc * sizeof(*v));
		int64_t *mb;

		if (!v)
			return ENOMEM;
		t->items = v;
		mb = realloc(t->mailbox, nc * sizeof(*mb));
		if (!mb)
			return ENOMEM;
		t->mailbox = mb;
		*cap = nc;
	}
	t->items[t->n_items] = it;
	t->mailbox[t->n_items++] = mailbox_id;
	return 0;
}

/* Store what is waiting, for at most STORE_BUDGET_MS, in the loop's group commit (or a
 * transaction of its own without one). A fetcher hears of its batch only when the
 * commit is on disk, so that nothing is moved on the server that the database might yet
 * lose. */
static void store_some(struct mail_net *n)
{
	int64_t now = (int64_t)time(NULL);
	uint64_t start = tmr_jiffies();
	struct turn *t;
	struct mail_batch **fin_end;
	size_t stored = 0, cap = 0;
	bool grouped;
	int err;

	if (!n->todo)
		return;
	grouped = n->cfg.batch && db_batch_join(n->cfg.batch);
	if (!grouped && db_tx_depth(n->db) > 0) {
		tmr_start(&n->store_tmr, STORE_RETRY_MS, store_tmr_h, n);
		return;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		tmr_start(&n->store_tmr, 1000, store_tmr_h, n);
		return;
	}
	t->n = n;
	fin_end = &t->finished;
	if (!grouped) {
		err = db_begin(n->db);
		if (err) {
			log_error("mail.store", "error=\"begin: %s\"", db_errmsg(n->db));
			turn_free(t);
			tmr_start(&n->store_tmr, 1000, store_tmr_h, n);
			return;
		}
	}
	while (n->todo && (stored == 0 || tmr_jiffies() - start < STORE_BUDGET_MS)) {
		struct mail_batch *b = n->todo;
		struct mail_fetched *it = &b->items[b->stored];

		store_one(n, b, it, now);
		if ((it->result == 0 || it->result == EEXIST) &&
		    turn_add(t, b->mailbox_id, it, &cap))
			it->result = ENOMEM; /* not announced: not moved, fetched again */
		stored++;
		if (++b->stored == b->n) {
			n->todo = b->next;
			if (!n->todo)
				n->todo_end = &n->todo;
			b->next = NULL;
			*fin_end = b;
			fin_end = &b->next;
		}
	}
	if (grouped) {
		/* Announced once the batch's fsync is done (in order: batches end one by one). */
		struct turn **pp = &n->turns;

		while (*pp)
			pp = &(*pp)->next;
		*pp = t;
		err = db_batch_wait(n->cfg.batch, batch_done_h, t);
		if (err) {
			/* No way to hear of the disk: none of them is moved now; the next round
			 * finds them stored (EEXIST) and moves them then. */
			turn_unlink(n, t);
			db_batch_end(n->cfg.batch);
			turn_end(n, t, EIO);
			turn_free(t);
		}
	} else {
		err = db_commit(n->db);
		if (err) {
			log_error("mail.store", "error=\"commit: %s\"", db_errmsg(n->db));
			db_rollback(n->db);
		}
		turn_end(n, t, err);
		turn_free(t);
	}
	if (n->todo)
		tmr_start(&n->store_tmr, 0, store_tmr_h, n);
}

static void store_tmr_h(void *arg)
{
	store_some(arg);
}

static void sent_h(struct mail_net *n, const struct sent *r);

/* A thread posted something: take the handed-over batches into the loop's list, record
 * the sender's answers. */
static void efd_h(int flags, void *arg)
{
	struct mail_net *n = arg;
	struct mail_batch *in;
	struct sent *res, *rev = NULL;
	uint64_t cnt;

	(void)flags;
	if (read(n->efd, &cnt, sizeof(cnt)) < 0) {
		/* EAGAIN: drained by an earlier wake-up */
	}
	pthread_mutex_lock(&n->mu);
	in = n->inbox;
	n->inbox = NULL;
	n->inbox_end = &n->inbox;
	res = n->results;
	n->results = NULL;
	pthread_mutex_unlock(&n->mu);
	while (res) {
		struct sent *r = res;
		res = r->next;
		r->next = rev;
		rev = r;
	}
	while (rev) {
		struct sent *r = rev;
		rev = r->next;
		sent_h(n, r);
		free(r);
	}
	if (in) {
		*n->todo_end = in;
		while (in->next)
			in = in->next;
		n->todo_end = &in->next;
		if (!tmr_isrunning(&n->store_tmr))
			store_some(n);
	}
}

void mail_net_post_sent(struct mail_net *n, int64_t outbox_id, int err, const char *error)
{
	struct sent *r = calloc(1, sizeof(*r));
	uint64_t one = 1;

	if (!r)
		return; /* the row stays 'sending' and is sent again at the next start */
	r->outbox_id = outbox_id;
	r->err = err;
	snprintf(r->error, sizeof(r->error), "%s", error ? error : "");
	pthread_mutex_lock(&n->mu);
	r->next = n->results;
	n->results = r;
	if (write(n->efd, &one, sizeof(one)) < 0) {
		/* cannot overflow */
	}
	pthread_mutex_unlock(&n->mu);
}

/* ----------------------------------------------------------------------
 * Fetchers
 * ---------------------------------------------------------------------- */

static void fetchers_cancel(struct mail_net *n)
{
	struct mail_fetcher **r;

	if (!n->nfetchers)
		return;
	for (size_t i = 0; i < n->nfetchers; i++)
		mail_fetcher_cancel(n->fetchers[i]);
	mail_net_wake(n);
	r = realloc(n->retired, (n->nretired + n->nfetchers) * sizeof(*r));
	if (r) {
		n->retired = r;
		memcpy(r + n->nretired, n->fetchers, n->nfetchers * sizeof(*r));
		n->nretired += n->nfetchers;
	} else {
		/* No room to keep them for later: join them now. */
		for (size_t i = 0; i < n->nfetchers; i++)
			mail_fetcher_free(n->fetchers[i]);
	}
	free(n->fetchers);
	n->fetchers = NULL;
	n->nfetchers = 0;
}

static int fetchers_start(struct mail_net *n)
{
	struct mail_box_net *boxes = NULL;
	size_t nb = 0;
	int err = mail_store_net_boxes(n->db, &boxes, &nb);

	if (err) {
		log_error("mail.fetch", "error=\"cannot read the mailboxes: %s\"", strerror(err));
		return err;
	}
	if (nb) {
		n->fetchers = calloc(nb, sizeof(*n->fetchers));
		if (!n->fetchers) {
			free(boxes);
			return ENOMEM;
		}
	}
	for (size_t i = 0; i < nb; i++) {
		snprintf(boxes[i].ca_file, sizeof(boxes[i].ca_file), "%s",
		         n->cfg.mail_ca_file ? n->cfg.mail_ca_file : "");
		err = mail_fetcher_start(&n->fetchers[n->nfetchers], n, &boxes[i]);
		if (err) {
			log_error("mail.fetch", "mailbox=%lld error=\"thread: %s\"",
			          (long long)boxes[i].id, strerror(err));
			continue;
		}
		n->nfetchers++;
	}
	if (boxes)
		explicit_bzero(boxes, nb * sizeof(*boxes)); /* the passwords */
	free(boxes);
	log_info("mail.fetch", "fetchers=%zu", n->nfetchers);
	return 0;
}

void mail_net_reload(struct mail_net *n)
{
	if (!n)
		return;
	fetchers_cancel(n);
	fetchers_start(n);
}

int mail_net_status(struct mail_net *n, int64_t mailbox_id, struct mail_net_status *st)
{
	if (!n)
		return ENOENT;
	for (size_t i = 0; i < n->nfetchers; i++)
		if (mail_fetcher_mailbox(n->fetchers[i]) == mailbox_id) {
			mail_fetcher_status(n->fetchers[i], st);
			return 0;
		}
	return ENOENT;
}

/* ----------------------------------------------------------------------
 * The outbox
 * ---------------------------------------------------------------------- */

static void send_tmr_h(void *arg);

static void send_next(struct mail_net *n)
{
	struct mail_out out;
	int err;

	if (!n->sender || n->sending)
		return;
	/* A row queued by a request is taken only once the request's batch is committed:
	 * nothing is sent that the database might yet lose. */
	if (db_tx_depth(n->db) > 0) {
		tmr_start(&n->send_tmr, STORE_RETRY_MS, send_tmr_h, n);
		return;
	}
	memset(&out, 0, sizeof(out));
	err = mail_outbox_next(n->db, (int64_t)time(NULL), &out);
	if (err == 0) {
		int64_t id = out.id;

		err = mail_sender_send(n->sender, &out);
		if (err == 0) {
			n->sending = true;
			return;
		}
		mail_out_reset(&out);
		mail_outbox_done(n->db, id, err, strerror(err), (int64_t)time(NULL));
	} else if (err != ENOENT) {
		log_error("mail.send", "error=\"outbox: %s\"", strerror(err));
	}
	tmr_start(&n->send_tmr, SEND_TICK_MS, send_tmr_h, n);
}

static void send_tmr_h(void *arg)
{
	send_next(arg);
}

static void sent_h(struct mail_net *n, const struct sent *r)
{
	int rc;

	n->sending = false;
	rc = mail_outbox_done(n->db, r->outbox_id, r->err, r->err ? r->error : NULL,
	                      (int64_t)time(NULL));
	if (r->err)
		log_warn("mail.send", "outbox=%lld error=\"%s\"", (long long)r->outbox_id,
		         r->error);
	else
		log_info("mail.send", "outbox=%lld status=sent", (long long)r->outbox_id);
	if (rc)
		log_error("mail.send", "outbox=%lld error=\"recording the result: %s\"",
		          (long long)r->outbox_id, strerror(rc));
	send_next(n);
}

void mail_net_kick(struct mail_net *n)
{
	if (n && n->sender && !n->sending)
		tmr_start(&n->send_tmr, 0, send_tmr_h, n);
}

/* ----------------------------------------------------------------------
 * Start and stop
 * ---------------------------------------------------------------------- */

int mail_net_start(struct mail_net **np, struct db *db, const struct mail_net_config *c)
{
	struct mail_net *n;
	const char *hooks = getenv("LOTSEN_TEST_HOOKS");
	int err;

	if (!np || !db || !c)
		return EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return ENOMEM;
	n->db = db;
	n->cfg = *c;
	mail_cfg_get(db, &n->mcfg);
	n->todo_end = &n->todo;
	n->inbox_end = &n->inbox;
	n->efd = -1;
	pthread_mutex_init(&n->mu, NULL);
	pthread_cond_init(&n->cv, NULL);
	tmr_init(&n->store_tmr);
	tmr_init(&n->send_tmr);
	if (c->test_crash && c->test_crash[0] && hooks && strcmp(hooks, "1") == 0) {
		n->crash = strcmp(c->test_crash, "before-store") == 0  ? CRASH_BEFORE_STORE
		           : strcmp(c->test_crash, "after-store") == 0 ? CRASH_AFTER_STORE
		                                                       : CRASH_NONE;
		log_warn("mail.test_crash", "armed=%s", c->test_crash);
	}
	n->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (n->efd < 0) {
		err = errno;
		goto out;
	}
	err = fd_listen(n->efd, FD_READ, efd_h, n);
	if (err) {
		close(n->efd);
		n->efd = -1;
		goto out;
	}
	/* Rows a stopped process left 'sending' are sent again. */
	err = mail_outbox_recover(db);
	if (err)
		log_error("mail.send", "error=\"recovering the outbox: %s\"", strerror(err));
	if (c->smtp_url && c->smtp_url[0]) {
		err = mail_sender_start(&n->sender, n, c);
		if (err) {
			log_error("mail.send", "error=\"sender: %s\"", strerror(err));
			goto out;
		}
		tmr_start(&n->send_tmr, 0, send_tmr_h, n);
	} else {
		log_info("mail.send", "sender=off reason=\"no smtp-url\"");
	}
	err = fetchers_start(n);
out:
	if (err) {
		mail_net_stop(n);
		return err;
	}
	*np = n;
	return 0;
}

void mail_net_stop(struct mail_net *n)
{
	if (!n)
		return;
	tmr_cancel(&n->store_tmr);
	tmr_cancel(&n->send_tmr);
	fetchers_cancel(n);
	for (size_t i = 0; i < n->nretired; i++)
		mail_fetcher_free(n->retired[i]);
	free(n->retired);
	if (n->sender)
		mail_sender_stop(n->sender);
	/* Stores still waiting for their fsync: the batch calls them later (at its stop),
	 * when there is no one to tell. Every fetcher has ended, so their batches are ours. */
	while (n->turns) {
		struct turn *t = n->turns;
		n->turns = t->next;
		while (t->finished) {
			struct mail_batch *b = t->finished;
			t->finished = b->next;
			mail_batch_free(b);
		}
		t->n = NULL;
		t->next = NULL;
	}
	/* What the loop had not stored yet: every fetcher has given up on it. */
	while (n->todo) {
		struct mail_batch *b = n->todo;
		n->todo = b->next;
		mail_batch_free(b);
	}
	/* Handed over but never taken, and answers never recorded: every thread has ended,
	 * so they are no one's. The messages are fetched again next time; the rows left
	 * 'sending' are recovered at the next start. */
	while (n->inbox) {
		struct mail_batch *b = n->inbox;
		n->inbox = b->next;
		mail_batch_free(b);
	}
	while (n->results) {
		struct sent *r = n->results;
		n->results = r->next;
		free(r);
	}
	if (n->efd >= 0) {
		fd_close(n->efd);
		close(n->efd);
	}
	pthread_cond_destroy(&n->cv);
	pthread_mutex_destroy(&n->mu);
	free(n);
}
