/* Read receipts of notices: an agent confirms having read an urgent notice; a lead sees who
 * has not confirmed its current version. */
#include <errno.h>
#include <stdlib.h>

#include "kb/kb.h"
#include "kb/kb_int.h"
#include "store/db.h"

/* Published notices valid today. */
#define LIVE_NOTICE                                                                                \
	"a.kind = 'notice' AND a.status = 'published'"                                             \
	" AND (a.valid_from IS NULL OR a.valid_from <= ?2)"                                        \
	" AND (a.valid_to IS NULL OR a.valid_to >= ?2)"

int kb_read_confirm(struct db *db, const struct principal *p, int64_t id, int64_t now)
{
	struct stmt *s;
	char today[11];
	int64_t version = 0;
	json_t *o = NULL;
	int err;

	/* What p may not read, p cannot have read. */
	err = kb_article_get(db, p, id, now, &o);
	json_decref(o);
	if (err)
		return err;
	kb_today(now, today);
	err = db_prepare(db, &s,
	                 "SELECT a.version FROM kb_articles a WHERE a.id = ?1 AND " LIVE_NOTICE,
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	stmt_bind_text(s, 2, today);
	if (stmt_step(s) == DB_ROW)
		version = stmt_int(s, 0);
	stmt_done(s);
	if (!version)
		return ENOENT;
	err = db_prepare(db, &s,
	                 "INSERT INTO kb_reads(article_id, user_id, version, read_at)"
	                 " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(article_id, user_id) DO UPDATE"
	                 " SET version = ?3, read_at = ?4",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	stmt_bind_int(s, 2, p->id);
	stmt_bind_int(s, 3, version);
	stmt_bind_int(s, 4, now);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

int kb_reads_mine(struct db *db, const struct principal *p, int64_t now, json_t **ids)
{
	struct stmt *s;
	char today[11];
	json_t *a = json_array();
	int err, rc;

	*ids = NULL;
	if (!a)
		return ENOMEM;
	kb_today(now, today);
	err = db_prepare(db, &s,
	                 "SELECT a.id FROM kb_articles a JOIN kb_reads r ON r.article_id = a.id"
	                 " AND r.user_id = ?1 AND r.version >= a.version WHERE " LIVE_NOTICE
	                 " ORDER BY a.id",
	                 true);
	if (err) {
		json_decref(a);
		return err;
	}
	stmt_bind_int(s, 1, p->id);
	stmt_bind_text(s, 2, today);
	while ((rc = stmt_step(s)) == DB_ROW)
		json_array_append_new(a, json_integer(stmt_int(s, 0)));
	stmt_done(s);
	if (rc != DB_DONE) {
		json_decref(a);
		return rc;
	}
	*ids = a;
	return 0;
}

int kb_reads_missing(struct db *db, const struct principal *p, int64_t now, json_t **items)
{
	struct stmt *s, *u;
	char today[11];
	json_t *a = json_array();
	int err, rc;

	*items = NULL;
	if (!a)
		return ENOMEM;
	kb_today(now, today);
	err = db_prepare(db, &s,
	                 "SELECT a.id, a.slug, a.title, a.version,"
	                 " (SELECT count(*) FROM kb_reads r WHERE r.article_id = a.id"
	                 "  AND r.version >= a.version)"
	                 " FROM kb_articles a WHERE a.id > ?1 AND " LIVE_NOTICE
	                 " ORDER BY a.updated_at DESC, a.id DESC",
	                 true);
	if (err)
		goto out;
	stmt_bind_int(s, 1, 0);
	stmt_bind_text(s, 2, today);
	while ((rc = stmt_step(s)) == DB_ROW) {
		int64_t id = stmt_int(s, 0), version = stmt_int(s, 3);
		json_t *unread = json_array();
		json_t *o = json_pack("{s:I,s:s,s:s,s:I,s:I}", "id", (json_int_t)id, "slug",
		                      stmt_text(s, 1), "title", stmt_text(s, 2), "version",
		                      (json_int_t)version, "confirmed", (json_int_t)stmt_int(s, 4));
		/* The active agents of the notice's groups; of every group when it names none. */
		err = db_prepare(
		        db, &u,
		        "SELECT u.id, u.display_name FROM users u WHERE u.role = 'agent'"
		        " AND u.active = 1"
		        " AND (NOT EXISTS (SELECT 1 FROM kb_article_groups g"
		        "  WHERE g.article_id = ?1)"
		        "  OR EXISTS (SELECT 1 FROM kb_article_groups g JOIN user_groups ug"
		        "  ON ug.group_id = g.group_id WHERE g.article_id = ?1"
		        "  AND ug.user_id = u.id))"
		        " AND NOT EXISTS (SELECT 1 FROM kb_reads r WHERE r.article_id = ?1"
		        "  AND r.user_id = u.id AND r.version >= ?2)"
		        " ORDER BY u.display_name, u.id",
		        false);
		if (err) {
			json_decref(unread);
			json_decref(o);
			break;
		}
		stmt_bind_int(u, 1, id);
		stmt_bind_int(u, 2, version);
		while (stmt_step(u) == DB_ROW)
			json_array_append_new(unread, json_pack("{s:I,s:s}", "id",
			                                        (json_int_t)stmt_int(u, 0),
			                                        "display_name", stmt_text(u, 1)));
		stmt_done(u);
		json_object_set_new(o, "unread", unread);
		json_array_append_new(a, o);
	}
	stmt_done(s);
	if (!err && rc != DB_DONE)
		err = rc;
out:
	(void)p;
	if (err) {
		json_decref(a);
		return err;
	}
	*items = a;
	return 0;
}
