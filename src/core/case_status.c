/* The case's life after the first contact: status changes by hand and by handovers, the
 * version that is the case's ETag, and the cases that have waited longest. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "base/calendar.h"
#include "core/cases.h"
#include "store/db.h"

const char *const case_statuses[] = {"open", "waiting_for_department", "waiting_for_citizen",
                                     "closed", NULL};
const char *const case_informed_ways[] = {"phone", "email", "letter", "visit", NULL};

static bool in_list(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

int case_status_check(const char *from, const char *to)
{
	if (!in_list(case_statuses, to) || strcmp(to, "waiting_for_department") == 0)
		return EINVAL;
	if (from && strcmp(from, to) == 0)
		return EALREADY;
	/* A closed case is reopened first: closing says the citizen's matter is done, and
	 * going on from there is a decision of its own in the history. */
	if (from && strcmp(from, "closed") == 0 && strcmp(to, "open") != 0)
		return ENOTSUP;
	return 0;
}

int case_version(struct db *db, int64_t id, int64_t *version)
{
	struct stmt *s;
	int err = db_prepare(db, &s, "SELECT version FROM cases WHERE id = ?", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	err = ENOENT;
	if (stmt_step(s) == DB_ROW) {
		*version = stmt_int(s, 0);
		err = 0;
	}
	stmt_done(s);
	return err;
}

int case_status_write(struct db *db, int64_t case_id, int64_t user_id, int64_t now,
                      const char *status, const char *reason, const char *informed)
{
	static const char q_old[] = "SELECT status FROM cases WHERE id = ?";
	static const char q_set[] =
	        "UPDATE cases SET status = ?1, status_changed_at = ?2, status_changed_by = ?3,"
	        " updated_at = ?2,"
	        " closed_at = CASE WHEN ?1 = 'closed' THEN ?2 ELSE NULL END,"
	        " closed_by = CASE WHEN ?1 = 'closed' THEN ?3 ELSE NULL END,"
	        " closing_reason = CASE WHEN ?1 = 'closed' THEN ?4 ELSE NULL END,"
	        " citizen_informed = CASE WHEN ?1 = 'closed' THEN ?5 ELSE NULL END"
	        " WHERE id = ?6";
	struct stmt *s;
	char old[32] = "";
	int err = db_prepare(db, &s, q_old, true);

	if (err)
		return err;
	stmt_bind_int(s, 1, case_id);
	if (stmt_step(s) == DB_ROW)
		snprintf(old, sizeof(old), "%s", stmt_text(s, 0));
	stmt_done(s);
	if (!old[0])
		return ENOENT;
	if (strcmp(old, status) == 0 && strcmp(status, "closed") != 0)
		return 0;
	err = db_prepare(db, &s, q_set, true);
	if (err)
		return err;
	stmt_bind_text(s, 1, status);
	stmt_bind_int(s, 2, now);
	stmt_bind_id(s, 3, user_id);
	stmt_bind_text(s, 4, reason);
	stmt_bind_text(s, 5, informed);
	stmt_bind_int(s, 6, case_id);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	if (!err)
		err = case_history_add(db, case_id, now, user_id, "status", old, status);
	if (!err && reason)
		err = case_history_add(db, case_id, now, user_id, "closing_reason", NULL, reason);
	if (!err && informed)
		err = case_history_add(db, case_id, now, user_id, "citizen_informed", NULL,
		                       informed);
	return err;
}

/* Handovers still waiting when the center closes the case are withdrawn: the department is
 * no longer asked, and its list no longer shows them. */
static int withdraw_handovers(struct db *db, int64_t case_id, int64_t user_id, int64_t now)
{
	struct stmt *s;
	int n, err = db_prepare(db, &s,
	                        "UPDATE handovers SET status = 'withdrawn' WHERE case_id = ?"
	                        " AND status IN ('open','question')",
	                        true);

	if (err)
		return err;
	stmt_bind_int(s, 1, case_id);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	n = db_changes(db);
	if (!err && n > 0)
		err = case_history_add(db, case_id, now, user_id, "handover", "open", "withdrawn");
	return err;
}

static const char *opt_text(const json_t *in, const char *key, size_t max, struct verrors *v)
{
	json_t *x = json_object_get(in, key);

	if (!x || json_is_null(x))
		return NULL;
	if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > max) {
		valid_add(v, key,
		          VL(v, "ska vara en text på 1–%zu tecken",
		             "must be a string of 1–%zu characters"),
		          max);
		return NULL;
	}
	return json_string_value(x);
}

int case_set_status(struct db *db, const struct principal *who, int64_t id, const json_t *in,
                    int64_t now, struct verrors *v)
{
	struct case_access a;
	struct stmt *s;
	const char *k, *status, *reason, *informed = NULL;
	char old[32] = "";
	json_t *x;
	int err = auth_case_load(db, who, id, &a);

	if (err)
		return err;
	if (!auth_can_write_case(who, &a))
		return EPERM;
	json_object_foreach(
	        (json_t *)in, k,
	        x) if (!in_list((const char *const[]){"status", "reason", "citizen_informed", NULL},
	                        k))
	        valid_add(v, k, "%s",
	                  VL(v, "okänt fält; tillåtna: status, reason, citizen_informed",
	                     "unknown field; accepted: status, reason, citizen_informed"));
	x = json_object_get(in, "status");
	status = json_string_value(x);
	if (!x)
		valid_add(v, "status", "%s",
		          VL(v, "måste anges; tillåtna: open, waiting_for_citizen, closed",
		             "is required; accepted: open, waiting_for_citizen, closed"));
	else if (case_status_check(NULL, status ? status : "") == EINVAL)
		valid_add(v, "status", "%s",
		          status && strcmp(status, "waiting_for_department") == 0
		                  ? VL(v,
		                       "sätts genom att lämna över: POST "
		                       "/api/v1/cases/{id}/handovers",
		                       "is set by handing over: POST /api/v1/cases/{id}/handovers")
		                  : VL(v,
		                       "är inte tillåtet; tillåtna: open, waiting_for_citizen, "
		                       "closed",
		                       "is not accepted; accepted: open, waiting_for_citizen, "
		                       "closed"));
	reason = opt_text(in, "reason", 2000, v);
	x = json_object_get(in, "citizen_informed");
	if (x && !json_is_null(x)) {
		informed = json_string_value(x);
		if (!in_list(case_informed_ways, informed)) {
			valid_add(
			        v, "citizen_informed", "%s",
			        VL(v,
			           "är inte tillåtet; tillåtna: phone, email, letter, visit, null",
			           "is not accepted; accepted: phone, email, letter, visit, null"));
			informed = NULL;
		}
	}
	if (!valid_has_errors(v) && strcmp(status, "closed") == 0 && !reason)
		valid_add(v, "reason", "%s",
		          VL(v, "måste anges när ärendet avslutas: varför",
		             "is required when the case is closed: why"));
	if (!valid_has_errors(v) && strcmp(status, "closed") != 0 && informed)
		valid_add(v, "citizen_informed", "%s",
		          VL(v, "anges bara när ärendet avslutas",
		             "is only given when the case is closed"));
	if (valid_has_errors(v))
		return EBADMSG;
	err = db_prepare(db, &s, "SELECT status FROM cases WHERE id = ?", true);
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	if (stmt_step(s) == DB_ROW)
		snprintf(old, sizeof(old), "%s", stmt_text(s, 0));
	stmt_done(s);
	err = case_status_check(old, status);
	if (err)
		return err;
	err = db_begin(db);
	if (err)
		return err;
	if (strcmp(status, "closed") == 0)
		err = withdraw_handovers(db, id, who->id, now);
	if (!err)
		err = case_status_write(db, id, who->id, now, status, reason, informed);
	/* A reason given for another status is kept in the history too. */
	if (!err && reason && strcmp(status, "closed") != 0)
		err = case_history_add(db, id, now, who->id, "status_reason", NULL, reason);
	if (!err)
		err = audit_record(db, now, who->id, "status", "case", id, status);
	if (!err)
		err = db_commit(db);
	if (err)
		db_rollback(db);
	return err;
}

int case_notify_agent(struct db *db, int64_t case_id, const char *kind, const char *message,
                      int64_t now)
{
	struct stmt *s;
	int err =
	        db_prepare(db, &s,
	                   "INSERT INTO notifications(user_id, kind, case_id, message, created_at)"
	                   " SELECT u.id, ?2, c.id, ?3, ?4 FROM cases c JOIN users u"
	                   " ON u.id = c.agent_id AND u.active = 1"
	                   " AND u.role <> 'client_viewer' WHERE c.id = ?1",
	                   true);

	if (err)
		return err;
	stmt_bind_int(s, 1, case_id);
	stmt_bind_text(s, 2, kind);
	stmt_bind_text(s, 3, message);
	stmt_bind_int(s, 4, now);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	return err;
}

int case_waiting_list(struct db *db, const struct principal *who, int64_t now, int64_t limit,
                      json_t **items)
{
	static const char q[] =
	        "SELECT c.id, c.status, c.status_changed_at, c.received_at, g.name, cl.name,"
	        " c.summary, cu.name FROM cases c"
	        " JOIN groups g ON g.id = c.group_id JOIN clients cl ON cl.id = c.client_id"
	        " LEFT JOIN client_units cu ON cu.id = c.client_unit_id"
	        " WHERE c.status <> 'closed' AND " AUTH_SQL_CAN_READ_CASE(
	                "?1", "?2", "?3") " ORDER BY c.status_changed_at, c.id LIMIT ?4";
	struct stmt *s;
	json_t *arr;
	int err = db_prepare(db, &s, q, true);

	if (err)
		return err;
	stmt_bind_text(s, 1, role_name(who->role));
	stmt_bind_int(s, 2, who->id);
	stmt_bind_int(s, 3, who->client_id);
	stmt_bind_int(s, 4, limit);
	arr = json_array();
	while (stmt_step(s) == DB_ROW) {
		char at[21], received[21];
		int64_t since = stmt_is_null(s, 2) ? stmt_int(s, 3) : stmt_int(s, 2);

		calendar_format_iso8601(since, at);
		calendar_format_iso8601(stmt_int(s, 3), received);
		json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "id",
		                      (json_int_t)stmt_int(s, 0), "status", stmt_text(s, 1),
		                      "status_changed_at", at, "received_at", received, "group",
		                      stmt_text(s, 4), "client", stmt_text(s, 5), "summary",
		                      stmt_text(s, 6), "waited_s", (json_int_t)(now - since));
		json_object_set_new(o, "client_unit",
		                    stmt_is_null(s, 7) ? json_null()
		                                       : json_string(stmt_text(s, 7)));
		json_array_append_new(arr, o);
	}
	stmt_done(s);
	*items = arr;
	return 0;
}
