/* The loop's group commit, shared by HTTP and the telephony (see batch.h). */
#include "store/batch.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <re.h>

#include "base/log.h"
#include "store/db.h"

struct waiter {
	db_batch_done_h *done; /* called once the batch's fate is known */
	void *arg;             /* borrowed */
};

struct waiters {
	struct waiter *v;
	size_t n, cap;
};

struct db_batch {
	struct db *db;          /* borrowed: the loop's connection */
	bool open;              /* the batch's transaction is open */
	bool stopping;          /* db_batch_stop: no new batch */
	int sync_fd;            /* the store's "fsync done" descriptor, or -1 */
	struct tmr turn;        /* ends an open batch once the loop's turn is over */
	struct waiters held;    /* wrote in the open batch */
	struct waiters syncing; /* committed, waiting for the fsync on the sync thread */
	db_batch_lag_h *lag;    /* hears how long turn_h and sync_fd_h took, or NULL */
	void *lag_arg;          /* borrowed */
};

static uint64_t now_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct mark {
	uint64_t wall, cpu;
};

static struct mark mark_start(const struct db_batch *b)
{
	struct mark m = {0, 0};

	if (b->lag)
		m = (struct mark){now_us(CLOCK_MONOTONIC), now_us(CLOCK_THREAD_CPUTIME_ID)};
	return m;
}

static void mark_end(const struct db_batch *b, const char *what, struct mark m)
{
	if (b->lag)
		b->lag(b->lag_arg, what, (double)(now_us(CLOCK_MONOTONIC) - m.wall) / 1000.0,
		       (double)(now_us(CLOCK_THREAD_CPUTIME_ID) - m.cpu) / 1000.0);
}

static int push(struct waiters *w, db_batch_done_h *done, void *arg)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct waiter *v = realloc(w->v, cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = (struct waiter){done, arg};
	return 0;
}

/* Calls and empties `w`; a callback may register waiters for the next batch. */
static size_t call(struct waiters *w, int err, bool committed)
{
	struct waiters t = *w;

	*w = (struct waiters){0};
	for (size_t i = 0; i < t.n; i++)
		t.v[i].done(err, committed, t.v[i].arg);
	if (!w->v) { /* keep the array for the next batch */
		*w = t;
		w->n = 0;
	} else {
		free(t.v);
	}
	return t.n;
}

size_t db_batch_end(struct db_batch *b)
{
	struct db *db = b->db;
	struct waiters t;
	int err;

	if (!b->open || (b->sync_fd >= 0 && db_sync_busy(db)))
		return 0;
	b->open = false;
	tmr_cancel(&b->turn);
	err = b->sync_fd >= 0 ? db_commit_nosync(db) : db_commit(db);
	if (err) {
		log_error("store.batch", "waiting=%zu error=\"%s\"", b->held.n, db_errmsg(db));
		db_rollback(db);
		return call(&b->held, err, false);
	}
	if (b->sync_fd < 0)
		return call(&b->held, 0, true);
	err = db_sync_start(db);
	if (err == EALREADY)
		return call(&b->held, 0, true);
	if (err)
		return call(&b->held, err, true);
	/* Answered when the fsync is done. */
	t = b->syncing;
	b->syncing = b->held;
	b->held = t;
	b->held.n = 0;
	return 0;
}

static void turn_h(void *arg)
{
	struct db_batch *b = arg;
	struct mark m = mark_start(b);

	db_batch_end(b);
	mark_end(b, "batch_turn", m);
}

/* The fsync of the last batch is done: its waiters hear of it, and the batch that
 * collected meanwhile is committed. */
static void sync_done(struct db_batch *b, bool wait)
{
	int err = db_sync_done(b->db, wait);

	if (err == EAGAIN || err == EALREADY)
		return;
	call(&b->syncing, err, true);
}

static void sync_fd_h(int flags, void *arg)
{
	struct db_batch *b = arg;
	struct mark m = mark_start(b);

	(void)flags;
	sync_done(b, false);
	db_batch_end(b);
	mark_end(b, "batch_synced", m);
}

int db_batch_alloc(struct db_batch **bp, struct db *db)
{
	struct db_batch *b = calloc(1, sizeof(*b));
	int err = 0;

	if (!b)
		return ENOMEM;
	b->db = db;
	tmr_init(&b->turn);
	b->sync_fd = db_sync_fd(db);
	if (b->sync_fd >= 0)
		err = fd_listen(b->sync_fd, FD_READ, sync_fd_h, b);
	if (err) {
		free(b);
		return err;
	}
	*bp = b;
	return 0;
}

bool db_batch_join(struct db_batch *b)
{
	if (!b)
		return false;
	if (b->open)
		return true;
	if (b->stopping || db_tx_depth(b->db) != 0 || db_begin(b->db) != 0)
		return false;
	b->open = true;
	/* The end of this turn: libre runs due timers after the descriptors' handlers. */
	tmr_start(&b->turn, 0, turn_h, b);
	return true;
}

bool db_batch_open(const struct db_batch *b)
{
	return b && b->open;
}

int db_batch_wait(struct db_batch *b, db_batch_done_h *done, void *arg)
{
	if (!b || !b->open) {
		done(0, true, arg);
		return 0;
	}
	return push(&b->held, done, arg);
}

void db_batch_stop(struct db_batch *b)
{
	if (!b || b->stopping)
		return;
	if (b->sync_fd >= 0) {
		fd_close(b->sync_fd);
		sync_done(b, true);
	}
	b->sync_fd = -1; /* the last batch commits with its own fsync */
	db_batch_end(b);
	b->stopping = true;
	tmr_cancel(&b->turn);
}

void db_batch_set_lag(struct db_batch *b, db_batch_lag_h *lag, void *arg)
{
	if (!b)
		return;
	b->lag = lag;
	b->lag_arg = arg;
}

void db_batch_free(struct db_batch *b)
{
	if (!b)
		return;
	db_batch_stop(b);
	free(b->held.v);
	free(b->syncing.v);
	free(b);
}
