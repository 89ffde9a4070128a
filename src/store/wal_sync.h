/* Internal to store/: the fsync of the WAL file, on the calling thread or on a thread of
 * its own, so a writer can go on with its next transaction while the disk works. */
#ifndef LOTSEN_STORE_WAL_SYNC_H
#define LOTSEN_STORE_WAL_SYNC_H

#include <stdbool.h>

struct wal_sync;

int wal_sync_start(struct wal_sync **wp, const char *wal_path);
/* Waits for an fsync in flight. */
void wal_sync_stop(struct wal_sync *w);

/* fsync on the calling thread: 0 or an errno value. */
int wal_sync_now(struct wal_sync *w);

/* Starts an fsync on the sync thread covering every write made before the call.
 * EBUSY while the last one has not been taken with wal_sync_done. */
int wal_sync_kick(struct wal_sync *w);
bool wal_sync_busy(const struct wal_sync *w);
/* Readable (an eventfd) when a kicked fsync has finished. */
int wal_sync_fd(const struct wal_sync *w);
/* The kicked fsync's result (0 or an errno value), once it has finished; EAGAIN while it
 * runs, EALREADY when none was kicked. With `wait`, blocks until it has finished. */
int wal_sync_done(struct wal_sync *w, bool wait);

/* A copy of the durations of every fsync so far (either thread's). */
struct metric_hist;
void wal_sync_hist(struct wal_sync *w, struct metric_hist *out);

#endif
