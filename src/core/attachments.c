/* Attachments of cases: type and content checks, files beside the database, rows, audit. */
#include "core/attachments.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/audit.h"
#include "base/calendar.h"
#include "core/cases.h"
#include "store/db.h"

/* What a case may carry: documents and photos citizens send. Each type is checked against
 * the file's first bytes too, so a file is served as what it is (with nosniff). */
static const struct {
	const char *ctype;
	const char *magic; /* the first bytes, NULL: checked otherwise */
	size_t len;
	size_t at; /* where the magic bytes start */
} types[] = {
        {"application/pdf", "%PDF-", 5, 0},
        {"image/jpeg", "\xff\xd8\xff", 3, 0},
        {"image/png", "\x89PNG\r\n\x1a\n", 8, 0},
        {"image/heic", "ftyp", 4, 4},
        {"image/heif", "ftyp", 4, 4},
        {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "PK\x03\x04", 4,
         0},
        {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK\x03\x04", 4, 0},
        {"text/plain", NULL, 0, 0},
};

/* Text must be UTF-8 without NUL (what a browser would show as text). */
static bool utf8_text(const unsigned char *p, size_t n)
{
	const unsigned char *e = p + n;

	while (p < e) {
		unsigned c = *p++;
		size_t more;

		if (c == 0)
			return false;
		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf)
			more = 1;
		else if (c >= 0xe0 && c <= 0xef)
			more = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			more = 3;
		else
			return false;
		if ((size_t)(e - p) < more)
			return false;
		for (; more; more--, p++)
			if ((*p & 0xc0) != 0x80)
				return false;
	}
	return true;
}

int attachment_type_check(const char *ctype, const void *data, size_t n)
{
	char base[128];
	size_t len;

	if (!ctype)
		return ENOTSUP;
	/* "text/plain; charset=utf-8" → "text/plain", compared without case */
	len = strcspn(ctype, "; \t");
	if (len >= sizeof(base))
		return ENOTSUP;
	for (size_t i = 0; i < len; i++)
		base[i] = (char)((ctype[i] >= 'A' && ctype[i] <= 'Z') ? ctype[i] + 32 : ctype[i]);
	base[len] = '\0';
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(types[i].ctype, base) != 0)
			continue;
		if (!types[i].magic)
			return utf8_text(data, n) ? 0 : ENOTSUP;
		if (n < types[i].at + types[i].len ||
		    memcmp((const char *)data + types[i].at, types[i].magic, types[i].len) != 0)
			return ENOTSUP;
		return 0;
	}
	return ENOTSUP;
}

/* The type as stored: its lower-case base. */
static void ctype_base(const char *ctype, char out[128])
{
	size_t len = strcspn(ctype, "; \t");

	if (len > 127)
		len = 127;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)((ctype[i] >= 'A' && ctype[i] <= 'Z') ? ctype[i] + 32 : ctype[i]);
	out[len] = '\0';
}

/* A file name as a citizen's file had it: 1–200 bytes of UTF-8, no path, no control
 * characters, not "." or "..". */
static bool filename_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 200 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\' || *p == '"')
			return false;
	return utf8_text((const unsigned char *)s, n);
}

static int mkdir_p(const char *path)
{
	char buf[1024];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0750) != 0 && errno != EEXIST)
			return errno;
		*p = '/';
	}
	if (mkdir(buf, 0750) != 0 && errno != EEXIST)
		return errno;
	return 0;
}

static int path_of(const char *files_dir, int64_t case_id, const char *stored, char *out,
                   size_t cap)
{
	int n = snprintf(out, cap, "%s/cases/%lld%s%s", files_dir, (long long)case_id,
	                 stored ? "/" : "", stored ? stored : "");

	return n < 0 || (size_t)n >= cap ? ENAMETOOLONG : 0;
}

/* Write the whole file under a temporary name, fsync it, then give it its name. */
static int write_file(const char *dir, const char *name, const void *data, size_t n)
{
	char tmp[1100], path[1100];
	const char *p = data;
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s/.%s.part", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
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
	if (!err && fsync(fd) != 0)
		err = errno;
	if (close(fd) != 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) != 0)
		err = errno;
	if (err)
		unlink(tmp);
	return err == ENOSPC || err == EDQUOT ? ENOSPC : err ? EIO : 0;
}

static json_t *row_json(struct stmt *s)
{
	char at[21];
	json_t *o;

	calendar_format_iso8601(stmt_int(s, 5), at);
	o = json_pack("{s:I,s:I,s:s,s:s,s:I,s:s}", "id", (json_int_t)stmt_int(s, 0), "case_id",
	              (json_int_t)stmt_int(s, 1), "filename", stmt_text(s, 2), "content_type",
	              stmt_text(s, 3), "size", (json_int_t)stmt_int(s, 4), "created_at", at);
	json_object_set_new(o, "created_by",
	                    stmt_is_null(s, 6) ? json_null() : json_integer(stmt_int(s, 6)));
	return o;
}

#define ATT_COLUMNS "id, case_id, filename, content_type, size, created_at, created_by"

json_t *attachments_of(struct db *db, int64_t case_id)
{
	struct stmt *s;
	json_t *arr = json_array();

	if (db_prepare(db, &s,
	               "SELECT " ATT_COLUMNS " FROM attachments WHERE case_id = ? ORDER BY id",
	               true))
		return arr;
	stmt_bind_int(s, 1, case_id);
	while (stmt_step(s) == DB_ROW)
		json_array_append_new(arr, row_json(s));
	stmt_done(s);
	return arr;
}

int attachment_prepare(struct db *db, const struct principal *who, const char *files_dir,
                       int64_t case_id, const char *filename, const char *ctype, const void *data,
                       size_t n, struct attachment_upload *up, struct verrors *v)
{
	struct case_access a;
	unsigned char rnd[16];
	int err = auth_case_load(db, who, case_id, &a);

	memset(up, 0, sizeof(*up));
	if (err)
		return err;
	if (!auth_can_write_case(who, &a))
		return EPERM;
	if (!filename_ok(filename)) {
		valid_add(
		        v, "filename", "%s",
		        VL(v,
		           "måste anges (?filename=) som ett filnamn på 1–200 tecken utan / \\ \" "
		           "och styrtecken",
		           "is required (?filename=): a file name of 1–200 characters without / \\ "
		           "\" and control characters"));
		return EBADMSG;
	}
	if (attachment_type_check(ctype, data, n) != 0)
		return ENOTSUP;
	if (!files_dir || !*files_dir)
		return EROFS;
	up->case_id = case_id;
	snprintf(up->filename, sizeof(up->filename), "%s", filename);
	ctype_base(ctype, up->content_type);
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(up->stored, sizeof(up->stored), rnd, sizeof(rnd));
	if (path_of(files_dir, case_id, NULL, up->dir, sizeof(up->dir)) != 0)
		return EINVAL;
	up->data = data;
	up->n = n;
	return 0;
}

int attachment_store(struct attachment_upload *up)
{
	int err = mkdir_p(up->dir);

	if (err)
		return err == ENOSPC ? ENOSPC : EIO;
	return write_file(up->dir, up->stored, up->data, up->n);
}

static void unlink_stored(const struct attachment_upload *up)
{
	char path[1100];

	if (snprintf(path, sizeof(path), "%s/%s", up->dir, up->stored) < (int)sizeof(path))
		unlink(path);
}

int attachment_record(struct db *db, const struct principal *who,
                      const struct attachment_upload *up, int64_t now, json_t **out)
{
	struct stmt *s;
	int64_t id = 0;
	int err;

	*out = NULL;
	err = db_begin(db);
	if (err)
		goto out_file;
	err = db_prepare(
	        db, &s,
	        "INSERT INTO attachments(case_id, filename, content_type, size, stored_name,"
	        " created_at, created_by) VALUES (?,?,?,?,?,?,?)",
	        true);
	if (!err) {
		stmt_bind_int(s, 1, up->case_id);
		stmt_bind_text(s, 2, up->filename);
		stmt_bind_text(s, 3, up->content_type);
		stmt_bind_int(s, 4, (int64_t)up->n);
		stmt_bind_text(s, 5, up->stored);
		stmt_bind_int(s, 6, now);
		stmt_bind_int(s, 7, who->id);
		err = stmt_step(s) == DB_DONE ? 0 : EIO;
		stmt_done(s);
	}
	id = db_last_id(db);
	/* The case changed: its version (ETag) moves on. */
	if (!err) {
		err = db_prepare(db, &s, "UPDATE cases SET updated_at = ? WHERE id = ?", true);
		if (!err) {
			stmt_bind_int(s, 1, now);
			stmt_bind_int(s, 2, up->case_id);
			err = stmt_step(s) == DB_DONE ? 0 : EIO;
			stmt_done(s);
		}
	}
	if (!err)
		err = case_history_add(db, up->case_id, now, who->id, "attachment", NULL,
		                       up->filename);
	if (!err)
		err = audit_record(db, now, who->id, "create", "attachment", id, NULL);
	if (!err)
		err = db_commit(db);
	if (err) {
		db_rollback(db);
		goto out_file;
	}
	if (db_prepare(db, &s, "SELECT " ATT_COLUMNS " FROM attachments WHERE id = ?", true) == 0) {
		stmt_bind_int(s, 1, id);
		if (stmt_step(s) == DB_ROW)
			*out = row_json(s);
		stmt_done(s);
	}
	return 0;
out_file:
	unlink_stored(up);
	return err;
}

int attachment_add(struct db *db, const struct principal *who, const char *files_dir,
                   int64_t case_id, const char *filename, const char *ctype, const void *data,
                   size_t n, int64_t now, json_t **out, struct verrors *v)
{
	struct attachment_upload up;
	int err = attachment_prepare(db, who, files_dir, case_id, filename, ctype, data, n, &up, v);

	*out = NULL;
	if (!err)
		err = attachment_store(&up);
	if (!err)
		err = attachment_record(db, who, &up, now, out);
	return err;
}

int attachment_list(struct db *db, const struct principal *who, int64_t case_id, json_t **items)
{
	struct case_access a;
	int err = auth_case_load(db, who, case_id, &a);

	if (err)
		return err;
	if (!auth_can_read_case(who, &a))
		return EPERM;
	*items = attachments_of(db, case_id);
	return 0;
}

/* The attachment's case and stored name; ENOENT. */
static int att_load(struct db *db, int64_t id, int64_t *case_id, char stored[64],
                    struct attachment_file *f)
{
	struct stmt *s;
	int err = db_prepare(
	        db, &s,
	        "SELECT case_id, stored_name, filename, content_type, size FROM attachments"
	        " WHERE id = ?",
	        true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	err = ENOENT;
	if (stmt_step(s) == DB_ROW) {
		*case_id = stmt_int(s, 0);
		snprintf(stored, 64, "%s", stmt_text(s, 1));
		if (f) {
			snprintf(f->filename, sizeof(f->filename), "%s", stmt_text(s, 2));
			snprintf(f->content_type, sizeof(f->content_type), "%s", stmt_text(s, 3));
			f->size = (size_t)stmt_int(s, 4);
		}
		err = 0;
	}
	stmt_done(s);
	return err;
}

int attachment_open(struct db *db, const struct principal *who, const char *files_dir, int64_t id,
                    int64_t now, struct attachment_file *f)
{
	struct case_access a;
	struct stat st;
	char stored[64], path[1100];
	int64_t case_id = 0;
	int err;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	err = att_load(db, id, &case_id, stored, f);
	if (!err)
		err = auth_case_load(db, who, case_id, &a);
	if (err)
		return err;
	if (!auth_can_read_case(who, &a)) {
		audit_record(db, now, who->id, "read_denied", "attachment", id, NULL);
		return EPERM;
	}
	if (!files_dir || path_of(files_dir, case_id, stored, path, sizeof(path)) != 0)
		return ENOENT;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return ENOENT;
	if (fstat(f->fd, &st) != 0) {
		close(f->fd);
		f->fd = -1;
		return EIO;
	}
	f->size = (size_t)st.st_size;
	err = audit_record(db, now, who->id, "read", "attachment", id, NULL);
	if (err) {
		close(f->fd);
		f->fd = -1;
	}
	return err;
}

static int delete_row(struct db *db, const char *sql, int64_t id)
{
	struct stmt *s;
	int err = db_prepare(db, &s, sql, true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	return err;
}

int attachment_delete(struct db *db, const struct principal *who, const char *files_dir, int64_t id,
                      int64_t now)
{
	struct case_access a;
	struct attachment_file f;
	char stored[64], path[1100];
	int64_t case_id = 0;
	int err = att_load(db, id, &case_id, stored, &f);

	if (!err)
		err = auth_case_load(db, who, case_id, &a);
	if (err)
		return err;
	if (!auth_can_write_case(who, &a))
		return EPERM;
	err = db_begin(db);
	if (err)
		return err;
	err = delete_row(db, "DELETE FROM attachments WHERE id = ?", id);
	if (!err)
		err = case_history_add(db, case_id, now, who->id, "attachment", f.filename, NULL);
	if (!err)
		err = audit_record(db, now, who->id, "delete", "attachment", id, NULL);
	if (!err)
		err = db_commit(db);
	if (err) {
		db_rollback(db);
		return err;
	}
	if (files_dir && path_of(files_dir, case_id, stored, path, sizeof(path)) == 0)
		unlink(path);
	return 0;
}

int attachments_remove_case(struct db *db, const char *files_dir, int64_t case_id)
{
	struct stmt *s;
	char path[1100];
	int err = db_prepare(db, &s, "SELECT stored_name FROM attachments WHERE case_id = ?", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, case_id);
	while (stmt_step(s) == DB_ROW)
		if (files_dir &&
		    path_of(files_dir, case_id, stmt_text(s, 0), path, sizeof(path)) == 0)
			unlink(path);
	stmt_done(s);
	if (files_dir && path_of(files_dir, case_id, NULL, path, sizeof(path)) == 0)
		rmdir(path);
	return delete_row(db, "DELETE FROM attachments WHERE case_id = ?", case_id);
}
