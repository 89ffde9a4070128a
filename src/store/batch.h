/* The loop's group commit: everything written during one turn of the event loop (HTTP
 * requests, the telephony, the queue's timers) goes into one transaction, committed
 * without waiting for the disk, and one fsync on the storage's sync thread covers it.
 * Whoever must not acknowledge a write before it is on disk (an HTTP 201, a SIP 200)
 * registers a waiter and answers from its callback.
 *
 * Runs on the libre loop (it watches the sync thread's descriptor and ends an open batch
 * with a zero-delay timer at the end of the turn); one per loop connection, owned by
 * main.c (struct app) and borrowed by http/, tel/ and acdhost/. */
#ifndef LOTSEN_STORE_BATCH_H
#define LOTSEN_STORE_BATCH_H

#include <stdbool.h>
#include <stddef.h>

struct db;
struct db_batch;

/* What the waiter's writes came to: err 0, they are on disk (or, with
 * durability=normal, committed). Otherwise `committed` false: the commit failed and
 * nothing of the batch was kept; true: committed but the disk did not confirm it. */
typedef void(db_batch_done_h)(int err, bool committed, void *arg);

int db_batch_alloc(struct db_batch **bp, struct db *db);
/* Commits what is open and waits for the disk; every waiter is called. */
void db_batch_free(struct db_batch *b);

/* Makes sure the writes that follow land in the turn's batch: opens its transaction
 * when none is open. false when they will not (another transaction is open, the batch
 * is stopping, or the begin failed): they then commit on their own as before. */
bool db_batch_join(struct db_batch *b);
bool db_batch_open(const struct db_batch *b);

/* Calls `done` once everything written so far in the open batch is on disk. Without an
 * open batch `done` is called at once with 0 (what was written committed by itself).
 * ENOMEM: not registered (the caller answers without waiting, or fails). */
int db_batch_wait(struct db_batch *b, db_batch_done_h *done, void *arg);

/* Ends the open batch now: commits it and starts its fsync, unless the disk is still
 * busy with the last one (then the batch goes on collecting and is ended when that fsync
 * is done). Returns how many waiters were called right away. */
size_t db_batch_end(struct db_batch *b);

/* Stops opening batches: the open one is committed, the fsync in flight waited for,
 * every waiter called; later writes commit one by one. */
void db_batch_stop(struct db_batch *b);

/* Who hears how long the batch's own loop callbacks took (the end of a turn, the fsync's
 * answer): `what` names the callback; wall and CPU time of the loop thread in ms. NULL:
 * nobody. */
typedef void(db_batch_lag_h)(void *arg, const char *what, double wall_ms, double cpu_ms);
void db_batch_set_lag(struct db_batch *b, db_batch_lag_h *lag, void *arg);

#endif
