/* The network side's SQL: the mailboxes' IMAP accounts for the fetchers, and what the
 * mailbox administration needs beside the generic records (password set, removal). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail_net_int.h"
#include "store/db.h"

static void copy_col(struct stmt *s, int col, char *dst, size_t n)
{
	const char *v = stmt_text(s, col);
	snprintf(dst, n, "%s", v ? v : "");
}

int mail_store_net_boxes(struct db *db, struct mail_box_net **out, size_t *n)
{
	struct stmt *s;
	struct mail_box_net *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc, err;

	*out = NULL;
	*n = 0;
	err = db_prepare(db, &s,
	                 "SELECT id, address, imap_host, coalesce(imap_port, 0), imap_security,"
	                 " coalesce(imap_user, address), coalesce(imap_password, ''),"
	                 " coalesce(folder, 'INBOX'), coalesce(processed_folder, ''), tls_verify"
	                 " FROM mailboxes WHERE active = 1 AND coalesce(imap_host, '') <> ''"
	                 " ORDER BY id",
	                 true);
	if (err)
		return err;
	while ((rc = stmt_step(s)) == DB_ROW) {
		struct mail_box_net *b;

		if (cnt == cap) {
			struct mail_box_net *nv;
			cap = cap ? cap * 2 : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = ENOMEM;
				break;
			}
			v = nv;
		}
		b = &v[cnt++];
		memset(b, 0, sizeof(*b));
		b->id = stmt_int(s, 0);
		copy_col(s, 1, b->address, sizeof(b->address));
		copy_col(s, 2, b->host, sizeof(b->host));
		b->port = (unsigned)stmt_int(s, 3);
		copy_col(s, 4, b->security, sizeof(b->security));
		copy_col(s, 5, b->user, sizeof(b->user));
		copy_col(s, 6, b->password, sizeof(b->password));
		copy_col(s, 7, b->folder, sizeof(b->folder));
		copy_col(s, 8, b->processed, sizeof(b->processed));
		b->tls_verify = stmt_int(s, 9) != 0;
	}
	stmt_done(s);
	if (rc != DB_DONE) {
		if (v)
			explicit_bzero(v, cnt * sizeof(*v));
		free(v);
		return rc == DB_ROW ? EIO : rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int mail_store_box_password_set(struct db *db, int64_t id, bool *set)
{
	struct stmt *s;
	int rc, err;

	err = db_prepare(db, &s,
	                 "SELECT coalesce(imap_password, '') <> '' FROM mailboxes WHERE id = ?",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	if (rc == DB_ROW)
		*set = stmt_int(s, 0) != 0;
	stmt_done(s);
	return rc == DB_ROW ? 0 : rc == DB_DONE ? ENOENT : rc;
}

/* One statement with one bound id; *changes gets the rows it changed. */
static int exec_id(struct db *db, const char *sql, int64_t id, int *changes)
{
	struct stmt *s;
	int rc, err = db_prepare(db, &s, sql, true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	if (changes)
		*changes = db_changes(db);
	stmt_done(s);
	return rc == DB_DONE ? 0 : rc == DB_ROW ? 0 : rc;
}

int mail_store_box_delete(struct db *db, int64_t id)
{
	struct stmt *s;
	int changes = 0, rc, err;
	bool used;

	err = db_prepare(db, &s, "SELECT EXISTS (SELECT 1 FROM mail_messages WHERE mailbox_id = ?)",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	used = rc == DB_ROW && stmt_int(s, 0) != 0;
	stmt_done(s);
	if (rc != DB_ROW)
		return rc;
	if (used)
		return EBUSY;
	err = db_begin(db);
	if (err)
		return err;
	err = exec_id(db, "DELETE FROM mail_seen WHERE mailbox_id = ?", id, NULL);
	if (!err)
		err = exec_id(db, "DELETE FROM mailboxes WHERE id = ?", id, &changes);
	if (!err && changes == 0)
		err = ENOENT;
	if (!err)
		err = db_commit(db);
	if (err)
		db_rollback(db);
	return err;
}

int mail_store_outbox_list(struct db *db, const char *status, int64_t limit, int64_t offset,
                           json_t **rows, int64_t *total)
{
	struct stmt *s;
	json_t *arr;
	int rc, err;

	*rows = NULL;
	*total = 0;
	err = db_prepare(db, &s, "SELECT count(*) FROM mail_outbox WHERE ?1 IS NULL OR status = ?1",
	                 true);
	if (err)
		return err;
	stmt_bind_text(s, 1, status);
	rc = stmt_step(s);
	if (rc == DB_ROW)
		*total = stmt_int(s, 0);
	stmt_done(s);
	if (rc != DB_ROW)
		return rc;
	err = db_prepare(
	        db, &s,
	        "SELECT id, case_id, kind, from_addr, to_addr, subject, message_id, status,"
	        " attempts, next_attempt_at, last_error, created_at, sent_at"
	        " FROM mail_outbox WHERE ?1 IS NULL OR status = ?1"
	        " ORDER BY id DESC LIMIT ?2 OFFSET ?3",
	        true);
	if (err)
		return err;
	stmt_bind_text(s, 1, status);
	stmt_bind_int(s, 2, limit);
	stmt_bind_int(s, 3, offset);
	arr = json_array();
	while ((rc = stmt_step(s)) == DB_ROW) {
		json_t *o = json_object();

		for (int c = 0; c < stmt_columns(s); c++) {
			const char *name = stmt_column_name(s, c);
			if (stmt_is_null(s, c))
				json_object_set_new(o, name, json_null());
			else if (stmt_col_is_int(s, c))
				json_object_set_new(o, name, json_integer(stmt_int(s, c)));
			else
				json_object_set_new(o, name, json_string(stmt_text(s, c)));
		}
		json_array_append_new(arr, o);
	}
	stmt_done(s);
	if (rc != DB_DONE) {
		json_decref(arr);
		return rc;
	}
	*rows = arr;
	return 0;
}
