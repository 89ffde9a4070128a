/* The notices' SQL: who a handover's notice goes to, in-app notifications beside the
 * e-mail, and the reminders of overdue handovers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail_int.h"
#include "store/db.h"

static void copy_col(char *dst, size_t n, struct stmt *s, int col)
{
	const char *t = stmt_is_null(s, col) ? "" : stmt_text(s, col);

	snprintf(dst, n, "%s", t ? t : "");
}

int mail_store_notice_facts(struct db *db, int64_t handover_id, struct mail_notice_facts *f)
{
	static const char q[] =
	        "SELECT h.case_id, c.group_id, h.client_id, COALESCE(c.agent_id, 0), h.status,"
	        " c.status, h.due_date, g.name, g.email, ct.name, ct.email, u.email"
	        " FROM handovers h JOIN cases c ON c.id = h.case_id"
	        " JOIN groups g ON g.id = c.group_id JOIN contacts ct ON ct.id = h.contact_id"
	        " LEFT JOIN users u ON u.id = c.agent_id AND u.active = 1"
	        " WHERE h.id = ?";
	struct stmt *s;
	int rc, err = db_prepare(db, &s, q, true);

	if (err)
		return err;
	memset(f, 0, sizeof(*f));
	stmt_bind_int(s, 1, handover_id);
	rc = stmt_step(s);
	if (rc == DB_ROW) {
		f->handover_id = handover_id;
		f->case_id = stmt_int(s, 0);
		f->group_id = stmt_int(s, 1);
		f->client_id = stmt_int(s, 2);
		f->agent_id = stmt_int(s, 3);
		copy_col(f->status, sizeof(f->status), s, 4);
		copy_col(f->case_status, sizeof(f->case_status), s, 5);
		copy_col(f->due_date, sizeof(f->due_date), s, 6);
		copy_col(f->group_name, sizeof(f->group_name), s, 7);
		copy_col(f->group_email, sizeof(f->group_email), s, 8);
		copy_col(f->contact_name, sizeof(f->contact_name), s, 9);
		copy_col(f->contact_email, sizeof(f->contact_email), s, 10);
		copy_col(f->agent_email, sizeof(f->agent_email), s, 11);
	}
	stmt_done(s);
	return rc == DB_ROW ? 0 : rc == DB_DONE ? ENOENT : rc;
}

static int notify(struct db *db, const char *sql, int64_t a, const char *b, int64_t case_id,
                  const char *kind, const char *message, int64_t now)
{
	struct stmt *s;
	int err = db_prepare(db, &s, sql, true);

	if (err)
		return err;
	stmt_bind_int(s, 1, a);
	stmt_bind_text(s, 2, b);
	stmt_bind_int(s, 3, case_id);
	stmt_bind_text(s, 4, kind);
	stmt_bind_text(s, 5, message);
	stmt_bind_int(s, 6, now);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	return err;
}

int mail_store_notify_contact_users(struct db *db, const struct mail_notice_facts *f,
                                    const char *kind, const char *message, int64_t now)
{
	if (!f->contact_email[0])
		return 0;
	return notify(db,
	              "INSERT INTO notifications(user_id, kind, case_id, message, created_at)"
	              " SELECT id, ?4, ?3, ?5, ?6 FROM users WHERE role = 'client_viewer'"
	              " AND active = 1 AND client_id = ?1 AND lower(email) = lower(?2)",
	              f->client_id, f->contact_email, f->case_id, kind, message, now);
}

int mail_store_notify_group_leads(struct db *db, const struct mail_notice_facts *f,
                                  const char *kind, const char *message, int64_t now)
{
	return notify(db,
	              "INSERT INTO notifications(user_id, kind, case_id, message, created_at)"
	              " SELECT u.id, ?4, ?3, ?5, ?6 FROM users u"
	              " JOIN user_groups ug ON ug.user_id = u.id AND ug.group_id = ?1"
	              " WHERE u.role = 'group_lead' AND u.active = 1 AND ?2 IS NULL",
	              f->group_id, NULL, f->case_id, kind, message, now);
}

int mail_store_group_lead_emails(struct db *db, int64_t group_id, char *out, size_t n)
{
	struct stmt *s;
	size_t len = 0;
	int err = db_prepare(db, &s,
	                     "SELECT DISTINCT lower(u.email) FROM users u"
	                     " JOIN user_groups ug ON ug.user_id = u.id AND ug.group_id = ?"
	                     " WHERE u.role = 'group_lead' AND u.active = 1"
	                     " AND u.email IS NOT NULL AND u.email <> '' ORDER BY 1",
	                     true);

	if (err)
		return err;
	out[0] = '\0';
	stmt_bind_int(s, 1, group_id);
	while (stmt_step(s) == DB_ROW) {
		const char *e = stmt_text(s, 0);
		int k = snprintf(out + len, n - len, "%s%s", len ? ", " : "", e ? e : "");
		if (k < 0 || (size_t)k >= n - len) {
			out[len] = '\0';
			break;
		}
		len += (size_t)k;
	}
	stmt_done(s);
	return 0;
}

int mail_store_overdue(struct db *db, const char *today, struct mail_overdue **list, size_t *n)
{
	static const char q[] =
	        "SELECT h.id, h.due_date,"
	        " (SELECT MAX(r.day) FROM mail_reminders r WHERE r.handover_id = h.id)"
	        " FROM handovers h JOIN cases c ON c.id = h.case_id"
	        " WHERE h.status = 'open' AND c.status <> 'closed' AND h.due_date < ?"
	        " ORDER BY h.id";
	struct stmt *s;
	struct mail_overdue *l = NULL;
	size_t cap = 0, k = 0;
	int err = db_prepare(db, &s, q, true);

	if (err)
		return err;
	stmt_bind_text(s, 1, today);
	while (stmt_step(s) == DB_ROW) {
		if (k == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct mail_overdue *x = realloc(l, nc * sizeof(*l));
			if (!x) {
				err = ENOMEM;
				break;
			}
			l = x;
			cap = nc;
		}
		l[k].handover_id = stmt_int(s, 0);
		copy_col(l[k].due_date, sizeof(l[k].due_date), s, 1);
		copy_col(l[k].last_day, sizeof(l[k].last_day), s, 2);
		k++;
	}
	stmt_done(s);
	if (err) {
		free(l);
		return err;
	}
	*list = l;
	*n = k;
	return 0;
}

int mail_store_reminder_put(struct db *db, int64_t id, const char *day, int64_t now, int recipients)
{
	struct stmt *s;
	int rc, err = db_prepare(db, &s,
	                         "INSERT OR IGNORE INTO mail_reminders(handover_id, day, sent_at,"
	                         " recipients) VALUES (?,?,?,?)",
	                         true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	stmt_bind_text(s, 2, day);
	stmt_bind_int(s, 3, now);
	stmt_bind_int(s, 4, recipients);
	rc = stmt_step(s);
	stmt_done(s);
	if (rc != DB_DONE)
		return EIO;
	return db_changes(db) == 1 ? 0 : EEXIST;
}

/* ======================================================================
 * Monthly reports to the agreements' recipients
 * ====================================================================== */

void mail_store_report_agrs_free(struct mail_report_agr *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		free(list[i].recipients);
	free(list);
}

int mail_store_report_agrs(struct db *db, int64_t client_id, const char *month,
                           struct mail_report_agr **list, size_t *n)
{
	char first[16], last[16];
	struct mail_report_agr *v = NULL;
	size_t cnt = 0, cap = 0;
	struct stmt *s;
	int err;

	*list = NULL;
	*n = 0;
	/* "YYYY-MM-31" is after every day of the month in text order */
	snprintf(first, sizeof(first), "%.7s-01", month);
	snprintf(last, sizeof(last), "%.7s-31", month);
	err = db_prepare(db, &s,
	                 "SELECT a.id, (SELECT min(group_id) FROM agreement_groups g"
	                 "  WHERE g.agreement_id = a.id), a.name, c.name, a.recipients"
	                 " FROM agreements a JOIN clients c ON c.id = a.client_id"
	                 " WHERE a.client_id = ?1 AND a.valid_from <= ?3"
	                 " AND (a.valid_to IS NULL OR a.valid_to >= ?2)"
	                 " AND a.recipients IS NOT NULL AND json_array_length(a.recipients) > 0"
	                 " ORDER BY a.id",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, client_id);
	stmt_bind_text(s, 2, first);
	stmt_bind_text(s, 3, last);
	while ((err = stmt_step(s)) == DB_ROW) {
		struct mail_report_agr *a;

		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct mail_report_agr *p = realloc(v, nc * sizeof(*p));

			if (!p) {
				err = ENOMEM;
				break;
			}
			v = p;
			cap = nc;
		}
		a = &v[cnt++];
		memset(a, 0, sizeof(*a));
		a->id = stmt_int(s, 0);
		a->group_id = stmt_is_null(s, 1) ? 0 : stmt_int(s, 1);
		snprintf(a->name, sizeof(a->name), "%s", stmt_text(s, 2) ? stmt_text(s, 2) : "");
		snprintf(a->client_name, sizeof(a->client_name), "%s",
		         stmt_text(s, 3) ? stmt_text(s, 3) : "");
		a->recipients = strdup(stmt_text(s, 4) ? stmt_text(s, 4) : "[]");
		if (!a->recipients) {
			err = ENOMEM;
			break;
		}
	}
	stmt_done(s);
	if (err != DB_DONE) {
		mail_store_report_agrs_free(v, cnt);
		return err == DB_ROW ? EIO : err ? err : EIO;
	}
	*list = v;
	*n = cnt;
	return 0;
}

int mail_store_report_mark(struct db *db, int64_t id, const char *month, int recipients,
                           int64_t now)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "INSERT INTO mail_report_sends(agreement_id, month, recipients,"
	                     " created_at) VALUES (?,?,?,?)"
	                     " ON CONFLICT (agreement_id, month) DO NOTHING",
	                     true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	stmt_bind_text(s, 2, month);
	stmt_bind_int(s, 3, recipients);
	stmt_bind_int(s, 4, now);
	err = stmt_step(s);
	if (err == DB_DONE)
		err = db_changes(db) > 0 ? 0 : EEXIST;
	else
		err = err == DB_ROW ? EIO : err;
	stmt_done(s);
	return err;
}

int mail_store_report_notify(struct db *db, int64_t client_id, const char *recipients,
                             const char *message, int64_t now)
{
	struct stmt *s;
	int err =
	        db_prepare(db, &s,
	                   "INSERT INTO notifications(user_id, kind, case_id, message, created_at)"
	                   " SELECT id, 'report_sent', NULL, ?3, ?4 FROM users WHERE active = 1"
	                   " AND ((role = 'client_viewer' AND client_id = ?1)"
	                   "  OR lower(email) IN (SELECT value FROM json_each(?2)))",
	                   true);

	if (err)
		return err;
	stmt_bind_int(s, 1, client_id);
	stmt_bind_text(s, 2, recipients);
	stmt_bind_text(s, 3, message);
	stmt_bind_int(s, 4, now);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	return err;
}
