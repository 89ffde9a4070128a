/* Message and attachment files beside the database, under generated names only. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/calendar.h"
#include "mail/mail_int.h"

static int mkdir_p(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0750) != 0 && errno != EEXIST) {
			*p = '/';
			return errno;
		}
		*p = '/';
	}
	if (mkdir(path, 0750) != 0 && errno != EEXIST)
		return errno;
	return 0;
}

static int file_write(const char *files, int64_t now, const char *ext, const void *data, size_t n,
                      char *rel, size_t reln, bool sync)
{
	struct local_time lt;
	unsigned char rnd[12];
	char hex[sizeof(rnd) * 2 + 1], dir[PATH_MAX], path[PATH_MAX];
	const char *p = data;
	int fd, err = 0;

	if (!files || !*files)
		return EINVAL;
	calendar_local_from_utc(now, &lt);
	if ((size_t)snprintf(dir, sizeof(dir), "%s/mail/%04d/%02d", files, lt.date.y, lt.date.m) >=
	    sizeof(dir))
		return ENAMETOOLONG;
	err = mkdir_p(dir);
	if (err)
		return err;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	if ((size_t)snprintf(rel, reln, "mail/%04d/%02d/%s%s", lt.date.y, lt.date.m, hex, ext) >=
	            reln ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", files, rel) >= sizeof(path))
		return ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return errno;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	/* On disk before the database row that names it is committed (without `sync`, the
	 * caller's mail_files_sync does it for many files at once). */
	if (!err && sync && fdatasync(fd) != 0)
		err = errno;
	if (close(fd) != 0 && !err)
		err = errno;
	if (err)
		unlink(path);
	return err;
}

int mail_file_write(const char *files, int64_t now, const char *ext, const void *data, size_t n,
                    char *rel, size_t reln)
{
	return file_write(files, now, ext, data, n, rel, reln, true);
}

int mail_file_write_nosync(const char *files, int64_t now, const char *ext, const void *data,
                           size_t n, char *rel, size_t reln)
{
	return file_write(files, now, ext, data, n, rel, reln, false);
}

int mail_files_sync(const char *files)
{
	int fd, err = 0;

	if (!files || !*files)
		return 0;
	fd = open(files, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : errno;
	/* One sync of the file system for a batch's files and their directory entries,
	 * instead of an fdatasync per file. */
	if (syncfs(fd) != 0)
		err = errno;
	close(fd);
	return err;
}

/* Stored paths are ours ("mail/YYYY/MM/hex.ext"); anything else is refused. */
static bool rel_ok(const char *rel)
{
	return rel && strncmp(rel, "mail/", 5) == 0 && !strstr(rel, "..") && !strchr(rel, '\\');
}

int mail_file_read(const char *files, const char *rel, char **data, size_t *n)
{
	char path[PATH_MAX];
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd, err = 0;

	*data = NULL;
	*n = 0;
	if (!files || !*files || !rel_ok(rel))
		return EINVAL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", files, rel) >= sizeof(path))
		return ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (fstat(fd, &st) != 0) {
		err = errno;
		close(fd);
		return err;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? errno : EIO;
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[got] = '\0';
	*data = buf;
	*n = got;
	return 0;
}

void mail_file_remove(const char *files, const char *rel)
{
	char path[PATH_MAX];

	if (files && *files && rel_ok(rel) &&
	    (size_t)snprintf(path, sizeof(path), "%s/%s", files, rel) < sizeof(path))
		unlink(path);
}
