/* Appends to the audit log; callers write it inside the same transaction as the change. */
#include "core/audit.h"
#include <errno.h>

#include "store/db.h"

int audit_record(struct db *db, int64_t at, int64_t user_id, const char *action, const char *entity,
                 int64_t entity_id, const char *detail)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "INSERT INTO audit_log(at, user_id, action, entity, entity_id, detail)"
	                     " VALUES (?,?,?,?,?,?)",
	                     true);

	if (err)
		return err;
	stmt_bind_int(s, 1, at);
	stmt_bind_id(s, 2, user_id);
	stmt_bind_text(s, 3, action);
	stmt_bind_text(s, 4, entity);
	stmt_bind_id(s, 5, entity_id);
	stmt_bind_text(s, 6, detail);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	return err;
}

/* The filters the count and the page share. */
#define AUDIT_WHERE                                                                                \
	" WHERE (?1 = 0 OR a.user_id = ?1) AND (?2 IS NULL OR a.entity = ?2)"                      \
	" AND (?3 = 0 OR a.entity_id = ?3)"

static json_t *int_or_null(struct stmt *s, int col)
{
	return stmt_is_null(s, col) ? json_null() : json_integer(stmt_int(s, col));
}

static json_t *text_or_null(struct stmt *s, int col)
{
	return stmt_is_null(s, col) ? json_null() : json_string(stmt_text(s, col));
}

int audit_list(struct db *db, const struct audit_query *q, json_t **items, int64_t *total)
{
	struct stmt *s;
	json_t *arr = NULL;
	int err = 0;

	*total = 0;
	for (int pass = 0; pass < 2 && !err; pass++) {
		err = db_prepare(
		        db, &s,
		        pass ? "SELECT a.id, a.at, a.user_id, u.username, a.action, a.entity,"
		               " a.entity_id, a.detail FROM audit_log a"
		               " LEFT JOIN users u ON u.id = a.user_id" AUDIT_WHERE
		               " ORDER BY a.id DESC LIMIT ?4 OFFSET ?5"
		             : "SELECT COUNT(*) FROM audit_log a" AUDIT_WHERE,
		        true);
		if (err)
			break;
		stmt_bind_int(s, 1, q->user_id);
		stmt_bind_text(s, 2, q->entity);
		stmt_bind_int(s, 3, q->entity_id);
		if (pass == 0) {
			*total = stmt_step(s) == DB_ROW ? stmt_int(s, 0) : 0;
			stmt_done(s);
			continue;
		}
		stmt_bind_int(s, 4, q->limit);
		stmt_bind_int(s, 5, q->offset);
		arr = json_array();
		while (stmt_step(s) == DB_ROW) {
			json_t *o = json_pack("{s:I,s:I,s:s,s:s}", "id", (json_int_t)stmt_int(s, 0),
			                      "at", (json_int_t)stmt_int(s, 1), "action",
			                      stmt_text(s, 4), "entity", stmt_text(s, 5));
			json_object_set_new(o, "user_id", int_or_null(s, 2));
			json_object_set_new(o, "username", text_or_null(s, 3));
			json_object_set_new(o, "entity_id", int_or_null(s, 6));
			json_object_set_new(o, "detail", text_or_null(s, 7));
			json_array_append_new(arr, o);
		}
		stmt_done(s);
	}
	*items = arr;
	return err;
}
