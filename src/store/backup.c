/* `lotsen backup`: a consistent copy of a live database with SQLite's online backup API. */
#include "store/db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

/* Pages per step: small enough that each step is short, large enough to be quick. */
#define BACKUP_STEP_PAGES 256

static int fail(char *why, size_t n, int err, const char *fmt, const char *what)
{
	snprintf(why, n, fmt, what);
	return err;
}

/* fsync a file, or the directory a path is in (so a rename is durable). */
static int sync_path(const char *path, bool dir)
{
	char d[4096];
	const char *p = path;
	int fd, err = 0;

	if (dir) {
		const char *slash = strrchr(path, '/');
		snprintf(d, sizeof(d), "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
		         slash ? path : ".");
		p = d;
	}
	fd = open(p, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (fsync(fd) != 0)
		err = errno;
	close(fd);
	return err;
}

static void remove_partial(const char *tmp)
{
	char side[4200];

	unlink(tmp);
	snprintf(side, sizeof(side), "%s-wal", tmp);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", tmp);
	unlink(side);
}

/* Copy from the read snapshot `from` (a transaction is open on it) into `to`. */
static int copy_pages(sqlite3 *from, sqlite3 *to, struct db_backup_info *info, char *why, size_t n)
{
	sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
	int rc;

	if (!b)
		return fail(why, n, EIO, "cannot start the backup: %s", sqlite3_errmsg(to));
	do {
		rc = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
		/* Another process holding the destination: wait a moment, as SQLite advises. */
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	info->pages = sqlite3_backup_pagecount(b);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return fail(why, n, rc == SQLITE_NOTADB ? EBADMSG : EIO, "copying failed: %s",
		            sqlite3_errstr(rc));
	return 0;
}

static int check_copy(sqlite3 *to, char *why, size_t n)
{
	sqlite3_stmt *st = NULL;
	const char *res;
	int err = 0;

	if (sqlite3_prepare_v2(to, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return fail(why, n, EIO, "cannot check the copy: %s", sqlite3_errmsg(to));
	if (sqlite3_step(st) != SQLITE_ROW) {
		err = fail(why, n, EIO, "cannot check the copy: %s", sqlite3_errmsg(to));
		goto out;
	}
	res = (const char *)sqlite3_column_text(st, 0);
	if (!res || strcmp(res, "ok") != 0)
		err = fail(why, n, EBADMSG, "the copy fails PRAGMA integrity_check: %s",
		           res ? res : "no answer");
out:
	sqlite3_finalize(st);
	return err;
}

int db_backup(const char *src, const char *dst, bool force, struct db_backup_info *info, char *why,
              size_t whylen)
{
	sqlite3 *from = NULL, *to = NULL;
	char tmp[4096];
	struct stat st;
	int err = 0;

	if (!src || !dst || !info || !why || !whylen)
		return EINVAL;
	memset(info, 0, sizeof(*info));
	why[0] = '\0';
	if (strncmp(src, "postgresql://", 13) == 0 || strncmp(src, "postgres://", 11) == 0)
		return fail(why, whylen, EINVAL,
		            "%s is copied with PostgreSQL's own tools (pg_dump, pg_basebackup), "
		            "not by lotsen backup",
		            "a PostgreSQL database");
	if (stat(src, &st) != 0 || !S_ISREG(st.st_mode))
		return fail(why, whylen, ENOENT, "no database file at %s", src);
	if (!force && access(dst, F_OK) == 0)
		return fail(why, whylen, EEXIST, "%s exists (--force replaces it)", dst);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.partial", dst) >= sizeof(tmp))
		return fail(why, whylen, EINVAL, "the path %s is too long", dst);
	/* A partial file left by an interrupted run is ours to replace. */
	remove_partial(tmp);

	/* Read-write without create: a WAL database is read through its -shm, and a
	 * missing file must not become an empty database. Nothing is written to it. */
	if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		err = fail(why, whylen, EIO, "cannot open the database: %s",
		           from ? sqlite3_errmsg(from) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(from, 5000);
	/* One read transaction for the whole copy: every step sees the same snapshot, so
	 * the server's commits meanwhile neither restart the copy nor wait for it. */
	if (sqlite3_exec(from, "BEGIN; SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		int rc = sqlite3_errcode(from);
		err = fail(why, whylen, rc == SQLITE_NOTADB ? EBADMSG : EIO,
		           "cannot read the database: %s", sqlite3_errmsg(from));
		goto out;
	}
	if (sqlite3_open_v2(tmp, &to,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		err = fail(why, whylen, EIO, "cannot create the copy: %s",
		           to ? sqlite3_errmsg(to) : "out of memory");
		goto out;
	}
	err = copy_pages(from, to, info, why, whylen);
	sqlite3_exec(from, "COMMIT", NULL, NULL, NULL);
	if (!err)
		err = check_copy(to, why, whylen);
	/* Closing the last connection folds the copy's WAL into the file itself. */
	if (sqlite3_close(to) != SQLITE_OK && !err)
		err = fail(why, whylen, EIO, "cannot close the copy %s", tmp);
	to = NULL;
	if (err)
		goto out;
	err = sync_path(tmp, false);
	if (!err && stat(tmp, &st) == 0)
		info->bytes = st.st_size;
	/* Without --force a file that appeared meanwhile is not replaced either. */
	if (!err && renameat2(AT_FDCWD, tmp, AT_FDCWD, dst, force ? 0 : RENAME_NOREPLACE) != 0)
		err = errno;
	if (err == EEXIST)
		fail(why, whylen, EEXIST, "%s exists (--force replaces it)", dst);
	else if (err)
		snprintf(why, whylen, "cannot write %s: %s", dst, strerror(err));
	else
		(void)sync_path(dst, true);
out:
	sqlite3_close(to);
	sqlite3_close(from);
	if (err)
		remove_partial(tmp);
	return err;
}
