/* Registerutdrag: everything Lotsen holds about one citizen, as one JSON document (the PDF is
 * drawn from it by report/report_export_pdf.c). Reads only, so it runs off the loop; the
 * export itself is audited by the caller on the loop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/calendar.h"
#include "core/audit.h"
#include "core/retention.h"
#include "store/db.h"

/* Every row of `sql` (one integer parameter) as an object named by its columns. */
static int rows_json(struct db *db, const char *sql, int64_t arg, json_t **out)
{
	struct stmt *s;
	json_t *arr;
	int rc, err = db_prepare(db, &s, sql, true);

	if (err)
		return err;
	stmt_bind_int(s, 1, arg);
	arr = json_array();
	while ((rc = stmt_step(s)) == DB_ROW) {
		json_t *o = json_object();

		for (int i = 0; i < stmt_columns(s); i++) {
			json_t *v;

			if (stmt_is_null(s, i))
				v = json_null();
			else if (stmt_col_is_int(s, i))
				v = json_integer(stmt_int(s, i));
			else if (stmt_col_is_real(s, i))
				v = json_real(stmt_double(s, i));
			else
				v = json_string(stmt_text(s, i));
			json_object_set_new(o, stmt_column_name(s, i), v ? v : json_null());
		}
		json_array_append_new(arr, o);
	}
	stmt_done(s);
	if (rc != DB_DONE) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

static bool has_table(struct db *db, const char *name)
{
	struct stmt *s;
	bool yes;

	if (db_prepare(db, &s, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
	               true))
		return false;
	stmt_bind_text(s, 1, name);
	yes = stmt_step(s) == DB_ROW;
	stmt_done(s);
	return yes;
}

/* One list of a case, under `key`. */
static int add_list(struct db *db, json_t *c, const char *key, const char *sql, int64_t id)
{
	json_t *arr;
	int err = rows_json(db, sql, id, &arr);

	if (!err)
		json_object_set_new(c, key, arr);
	return err;
}

static int case_parts(struct db *db, json_t *c, bool mail, bool tel)
{
	int64_t id = json_integer_value(json_object_get(c, "id"));
	const char *call = json_string_value(json_object_get(c, "call_id"));
	int err;

	err = add_list(db, c, "history",
	               "SELECT h.at, u.username AS by_user, h.field, h.old_value, h.new_value"
	               " FROM case_history h LEFT JOIN users u ON u.id = h.user_id"
	               " WHERE h.case_id = ? ORDER BY h.at, h.id",
	               id);
	if (!err)
		err = add_list(db, c, "handovers",
		               "SELECT h.id, cl.name AS client, ct.name AS contact, h.message,"
		               " h.instructions, h.status, h.created_at, h.due_date, h.question,"
		               " h.reply, h.answer, h.answered_at FROM handovers h"
		               " JOIN clients cl ON cl.id = h.client_id"
		               " LEFT JOIN contacts ct ON ct.id = h.contact_id"
		               " WHERE h.case_id = ? ORDER BY h.id",
		               id);
	if (!err)
		err = add_list(
		        db, c, "attachments",
		        "SELECT id, filename, content_type, size, created_at FROM attachments"
		        " WHERE case_id = ? ORDER BY id",
		        id);
	if (!err && mail)
		err = add_list(
		        db, c, "emails",
		        "SELECT id, direction, from_addr, from_name, to_addrs, subject,"
		        " body_text, received_at, sent_at,"
		        " (SELECT COUNT(*) FROM mail_attachments a WHERE a.message_row = m.id)"
		        " AS attachments FROM mail_messages m WHERE case_id = ?"
		        " ORDER BY received_at, id",
		        id);
	if (!err && tel) {
		char *end = NULL;
		long long cid = call ? strtoll(call, &end, 10) : 0;

		if (!call || *end)
			cid = 0;
		err = add_list(
		        db, c, "calls",
		        "SELECT caller, entry, arrived_ms, answered_ms, ended_ms, end_reason,"
		        " recording_path IS NOT NULL AS recorded FROM tel_calls"
		        " WHERE call_id = ? AND call_id > 0 ORDER BY id",
		        cid);
		if (!err)
			err = add_list(
			        db, c, "survey_answers",
			        "SELECT question, prompt, answer, t_ms FROM tel_survey_answers"
			        " WHERE call_id = ? AND call_id > 0 ORDER BY t_ms, id",
			        cid);
	}
	return err;
}

int citizen_export(struct db *db, const struct principal *who, int64_t id, int64_t now,
                   json_t **out)
{
	json_t *doc = NULL, *arr = NULL, *cases = NULL;
	char at[21];
	bool mail, tel;
	int err;

	if (!db || !who || !out)
		return EINVAL;
	*out = NULL;
	if (who->role != ROLE_ADMIN && who->role != ROLE_MANAGER)
		return EPERM;
	err = rows_json(db,
	                "SELECT id, name, phone, email, personal_id, created_at FROM citizens"
	                " WHERE id = ?",
	                id, &arr);
	if (err)
		return err;
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		return ENOENT;
	}
	calendar_format_iso8601(now, at);
	doc = json_pack("{ss sO}", "exported_at", at, "citizen", json_array_get(arr, 0));
	json_decref(arr);
	err = rows_json(db,
	                "SELECT c.id, c.channel, c.received_at, c.status, c.outcome, c.summary,"
	                " g.name AS \"group\", cl.name AS client, k.name AS category, c.call_id,"
	                " c.closed_at, c.closing_reason, c.citizen_informed, c.confidential"
	                " FROM cases c JOIN groups g ON g.id = c.group_id"
	                " JOIN clients cl ON cl.id = c.client_id"
	                " JOIN categories k ON k.id = c.category_id"
	                " WHERE c.citizen_id = ? ORDER BY c.received_at, c.id",
	                id, &cases);
	if (err)
		goto out;
	mail = has_table(db, "mail_messages");
	tel = has_table(db, "tel_calls");
	for (size_t i = 0; i < json_array_size(cases) && !err; i++)
		err = case_parts(db, json_array_get(cases, i), mail, tel);
	if (err)
		goto out;
	json_object_set_new(doc, "cases", cases);
	cases = NULL;
	err = rows_json(db,
	                "SELECT id, case_id, reason, set_at FROM legal_holds WHERE released_at IS"
	                " NULL AND (citizen_id = ?1 OR case_id IN"
	                " (SELECT id FROM cases WHERE citizen_id = ?1)) ORDER BY id",
	                id, &arr);
	if (err)
		goto out;
	json_object_set_new(doc, "legal_holds", arr);
	/* Who has read the person's data: reads of the citizen and of their cases. */
	err = rows_json(db,
	                "SELECT a.at, u.username AS by_user, a.action, a.entity, a.entity_id"
	                " FROM audit_log a LEFT JOIN users u ON u.id = a.user_id"
	                " WHERE (a.entity = 'citizen' AND a.entity_id = ?1) OR (a.entity = 'case'"
	                " AND a.entity_id IN (SELECT id FROM cases WHERE citizen_id = ?1))"
	                " ORDER BY a.at, a.id",
	                id, &arr);
	if (err)
		goto out;
	json_object_set_new(doc, "audit", arr);
out:
	json_decref(cases);
	if (err)
		json_decref(doc);
	else
		*out = doc;
	return err;
}

int citizen_export_audit(struct db *db, const struct principal *who, int64_t id, int64_t now,
                         const char *how)
{
	return audit_record(db, now, who ? who->id : 0, "export", "citizen", id, how);
}
