/* The WAL's fsync on a thread of its own.
 *
 * With durability=full the loop's connection commits with synchronous=NORMAL — SQLite
 * writes the transaction's WAL frames but does not wait for the disk — and the
 * durability comes from here: an fdatasync of the WAL file, either right away on the
 * committing thread (db_commit) or on this thread (db_commit_nosync + db_sync_start),
 * whose end is announced on an eventfd the loop watches. The file is opened on its own
 * descriptor: an fsync flushes the file, whichever descriptor names it. */
#include "store/wal_sync.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/metric.h"

struct wal_sync {
	pthread_t thread;
	pthread_mutex_t mu; /* guards go, finished, result, stop */
	pthread_cond_t cv;  /* go or stop was set; finished was set */
	bool go;            /* kicked: the thread has an fsync to do */
	bool finished;      /* the kicked fsync is done; result holds its outcome */
	int result;         /* 0 or the fsync's errno */
	bool stop;          /* wal_sync_stop is waiting for the thread */
	bool busy;          /* kicked and not yet taken by wal_sync_done (writer's side) */
	int fd;             /* the WAL file, or -1 until it exists (writer opens, thread reads) */
	int efd;            /* eventfd: a kicked fsync finished */
	char *path;         /* the WAL file's path (owned) */
	struct metric_hist hist; /* every fsync's duration (guarded by mu) */
};

/* The directory entry of a new file is only durable once its directory is synced. */
static int sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, err = 0;

	if (!slash)
		dir = strdup(".");
	else
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!dir)
		return ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	free(dir);
	return err;
}

/* On the writer's thread, never while the sync thread may be using the descriptor. A WAL
 * file unlinked meanwhile (the last connection closed it) is opened again. */
static int open_wal(struct wal_sync *w)
{
	struct stat st;

	if (w->fd >= 0 && fstat(w->fd, &st) == 0 && st.st_nlink > 0)
		return 0;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = open(w->path, O_RDONLY | O_CLOEXEC);
	if (w->fd < 0) {
		int err = errno;
		log_error("store.sync", "path=\"%s\" error=\"%s\"", w->path, strerror(err));
		return err;
	}
	return sync_dir(w->path);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* fdatasync, its duration added to w's histogram (from the loop or the sync thread). */
static int fsync_fd(struct wal_sync *w, int fd)
{
	double t0 = mono_s();
	int rc = 0;

	while (fdatasync(fd) != 0) {
		if (errno != EINTR) {
			rc = errno;
			break;
		}
	}
	pthread_mutex_lock(&w->mu);
	metric_hist_observe(&w->hist, mono_s() - t0);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

static void *sync_main(void *arg)
{
	struct wal_sync *w = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		int fd, rc;

		while (!w->go && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->go)
			break;
		w->go = false;
		fd = w->fd;
		pthread_mutex_unlock(&w->mu);
		rc = fsync_fd(w, fd);
		pthread_mutex_lock(&w->mu);
		w->result = rc;
		w->finished = true;
		pthread_cond_broadcast(&w->cv);
		if (write(w->efd, &one, sizeof(one)) != (ssize_t)sizeof(one))
			log_error("store.sync", "error=\"cannot signal: %s\"", strerror(errno));
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int wal_sync_start(struct wal_sync **wp, const char *wal_path)
{
	struct wal_sync *w = calloc(1, sizeof(*w));

	if (!w)
		return ENOMEM;
	w->fd = -1;
	w->path = strdup(wal_path);
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!w->path || w->efd < 0 || pthread_mutex_init(&w->mu, NULL) != 0) {
		if (w->efd >= 0)
			close(w->efd);
		free(w->path);
		free(w);
		return ENOMEM;
	}
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, sync_main, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		close(w->efd);
		free(w->path);
		free(w);
		return EAGAIN;
	}
	*wp = w;
	return 0;
}

void wal_sync_stop(struct wal_sync *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	if (w->fd >= 0)
		close(w->fd);
	close(w->efd);
	free(w->path);
	free(w);
}

int wal_sync_now(struct wal_sync *w)
{
	int err = w->busy ? 0 : open_wal(w);

	/* While the thread is busy the descriptor stays as it is (the thread uses it); an
	 * fsync from two threads at once is fine. */
	if (!err && w->fd < 0)
		err = ENOENT;
	return err ? err : fsync_fd(w, w->fd);
}

int wal_sync_kick(struct wal_sync *w)
{
	int err;

	if (w->busy)
		return EBUSY;
	err = open_wal(w);
	if (err)
		return err;
	pthread_mutex_lock(&w->mu);
	w->go = true;
	w->finished = false;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	w->busy = true;
	return 0;
}

bool wal_sync_busy(const struct wal_sync *w)
{
	return w->busy;
}

int wal_sync_fd(const struct wal_sync *w)
{
	return w->efd;
}

int wal_sync_done(struct wal_sync *w, bool wait)
{
	uint64_t n;
	int rc;

	if (!w->busy)
		return EALREADY;
	pthread_mutex_lock(&w->mu);
	while (wait && !w->finished)
		pthread_cond_wait(&w->cv, &w->mu);
	if (!w->finished) {
		pthread_mutex_unlock(&w->mu);
		return EAGAIN;
	}
	rc = w->result;
	w->finished = false;
	pthread_mutex_unlock(&w->mu);
	if (read(w->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_error("store.sync", "error=\"eventfd: %s\"", strerror(errno));
	w->busy = false;
	return rc;
}

void wal_sync_hist(struct wal_sync *w, struct metric_hist *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->hist;
	pthread_mutex_unlock(&w->mu);
}
