/* Retention by the records plan (gallring): closed cases past their category's period are
 * anonymized in small batches, their files removed, citizens left without cases deleted;
 * legal holds keep what they name. Statistics stay: a case keeps its group, client,
 * category, channel, outcome, agent and times, so the rollups and every report agree before
 * and after. SQL on the e-mail and telephony tables is here too (they may be absent in a
 * database that never ran those modules' migrations), so one transaction covers a case. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/calendar.h"
#include "core/attachments.h"
#include "core/audit.h"
#include "core/retention.h"
#include "store/db.h"

/* ======================================================================
 * Helpers
 * ====================================================================== */

static int step_done(struct stmt *s)
{
	int rc = stmt_step(s);

	stmt_done(s);
	return rc == DB_DONE ? 0 : rc == DB_ROW ? EIO : rc;
}

static bool table_exists(struct db *db, const char *name)
{
	struct stmt *s;
	bool yes = false;

	if (db_prepare(db, &s, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
	               true))
		return false;
	stmt_bind_text(s, 1, name);
	yes = stmt_step(s) == DB_ROW;
	stmt_done(s);
	return yes;
}

/* Files to remove once the batch is committed (owned paths). */
struct files {
	char **p;
	size_t n, cap;
};

static int files_add(struct files *f, const char *dir, const char *path)
{
	char buf[2048];
	int n;

	if (!path || !*path)
		return 0;
	if (path[0] == '/' || !dir)
		n = snprintf(buf, sizeof(buf), "%s", path);
	else
		n = snprintf(buf, sizeof(buf), "%s/%s", dir, path);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return ENAMETOOLONG;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		char **p = realloc(f->p, cap * sizeof(*p));
		if (!p)
			return ENOMEM;
		f->p = p;
		f->cap = cap;
	}
	f->p[f->n] = strdup(buf);
	if (!f->p[f->n])
		return ENOMEM;
	f->n++;
	return 0;
}

static void files_free(struct files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->p[i]);
	free(f->p);
	memset(f, 0, sizeof(*f));
}

/* Blank a text column set of one case's rows: how many rows changed, or -errno. */
static int64_t exec_count(struct db *db, const char *sql, int64_t a, int64_t b)
{
	struct stmt *s;
	int err = db_prepare(db, &s, sql, true);

	if (err)
		return -err;
	stmt_bind_int(s, 1, a);
	if (strchr(sql, '?') != strrchr(sql, '?'))
		stmt_bind_int(s, 2, b);
	err = step_done(s);
	return err ? -err : db_changes(db);
}

int64_t retention_cutoff(int64_t now, int months)
{
	struct local_time lt;
	struct date d;
	int64_t t;
	int total;

	calendar_local_from_utc(now, &lt);
	total = lt.date.y * 12 + (lt.date.m - 1) - months;
	d.y = total / 12;
	d.m = total % 12 + 1;
	d.d = lt.date.d;
	if (d.d > calendar_days_in_month(d.y, d.m))
		d.d = calendar_days_in_month(d.y, d.m);
	if (calendar_local_to_utc(&d, 0, 0, &t) != 0)
		t = now - (int64_t)months * 2629746; /* an average month */
	return t;
}

/* ======================================================================
 * One case
 * ====================================================================== */

/* Fields of the case history whose values are classifications (kept for statistics);
 * every other field's old and new values are free text or point at a person. */
#define HISTORY_KEPT                                                                               \
	"('created','status','outcome','channel','group','client','category','confidential',"      \
	"'threat','received_at','citizen_informed')"

struct tables {
	bool mail, tel;
};

/* Every path that sql (one bound id) selects, in any column, into f (below dir). */
static int files_add_selected(struct db *db, const char *sql, int64_t id, const char *dir,
                              struct files *f)
{
	struct stmt *s;
	int err, rc;

	err = db_prepare(db, &s, sql, true);
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	while ((rc = stmt_step(s)) == DB_ROW && !err)
		for (int col = 0; col < stmt_columns(s) && !err; col++)
			if (!stmt_is_null(s, col))
				err = files_add(f, dir, stmt_text(s, col));
	stmt_done(s);
	if (err)
		return err;
	if (rc != DB_DONE && rc != DB_ROW)
		return rc;
	return 0;
}

static int anonymize_mail(struct db *db, const struct retention_opts *o, int64_t case_id,
                          struct files *f, struct retention_stats *st)
{
	const char *dir = o->mail_files ? o->mail_files : o->files_dir;
	int64_t n;
	int err;

	err = files_add_selected(db,
	                         "SELECT m.raw_path, a.path FROM mail_messages m LEFT JOIN"
	                         " mail_attachments a ON a.message_row = m.id WHERE m.case_id = ?",
	                         case_id, dir, f);
	if (err)
		return err;
	n = exec_count(db,
	               "DELETE FROM mail_attachments WHERE message_row IN"
	               " (SELECT id FROM mail_messages WHERE case_id = ?)",
	               case_id, 0);
	if (n < 0)
		return (int)-n;
	n = exec_count(
	        db,
	        "UPDATE mail_messages SET from_addr = NULL, from_name = NULL, reply_to = NULL,"
	        " to_addrs = NULL, subject = '', body_text = '', raw_path = NULL, digest = NULL"
	        " WHERE case_id = ?",
	        case_id, 0);
	if (n < 0)
		return (int)-n;
	st->mails += n;
	n = exec_count(
	        db,
	        "UPDATE mail_outbox SET to_addr = '', subject = NULL, raw = x'',"
	        " status = CASE WHEN status IN ('queued','sending') THEN 'failed' ELSE status END,"
	        " last_error = CASE WHEN status IN ('queued','sending') THEN 'gallrad'"
	        " ELSE last_error END WHERE case_id = ?",
	        case_id, 0);
	if (n < 0)
		return (int)-n;
	st->mails += n;
	return 0;
}

static int anonymize_calls(struct db *db, int64_t call_id, struct files *f,
                           struct retention_stats *st)
{
	int64_t n;
	int err;

	err = files_add_selected(db,
	                         "SELECT recording_path FROM tel_calls WHERE call_id = ?"
	                         " AND recording_path IS NOT NULL",
	                         call_id, NULL, f);
	if (err)
		return err;
	n = exec_count(db,
	               "UPDATE tel_calls SET caller = NULL, caller_sip_callid = NULL,"
	               " recording_path = NULL, recording_ms = NULL WHERE call_id = ?",
	               call_id, 0);
	if (n < 0)
		return (int)-n;
	st->recordings += n;
	return 0;
}

static int anonymize_case(struct db *db, const struct retention_opts *o, const struct tables *t,
                          int64_t id, int64_t call_id, int64_t now, struct files *f,
                          struct retention_stats *st)
{
	struct retention_stats before = *st;
	char detail[256];
	int64_t n, att;
	int err;

	n = exec_count(db,
	               "UPDATE cases SET summary = '', citizen_id = NULL, closing_reason = NULL,"
	               " anonymized_at = ?2 WHERE id = ?1",
	               id, now);
	if (n < 0)
		return (int)-n;
	n = exec_count(
	        db,
	        "UPDATE case_history SET old_value = NULL, new_value = NULL WHERE case_id = ?"
	        " AND field NOT IN " HISTORY_KEPT
	        " AND (old_value IS NOT NULL OR new_value IS NOT NULL)",
	        id, 0);
	if (n < 0)
		return (int)-n;
	st->history += n;
	n = exec_count(db,
	               "UPDATE handovers SET message = '', instructions = NULL, question = NULL,"
	               " reply = NULL, answer = NULL WHERE case_id = ?",
	               id, 0);
	if (n < 0)
		return (int)-n;
	st->handovers += n;
	n = exec_count(db, "UPDATE notifications SET message = '' WHERE case_id = ?", id, 0);
	if (n < 0)
		return (int)-n;
	att = db_scalar_int(db, "SELECT COUNT(*) FROM attachments WHERE case_id = ?", id);
	if (att > 0 && !o->dry_run) {
		/* Rows and files at once; a rollback after this would leave rows without
		 * files, which the next run removes. */
		err = attachments_remove_case(db, o->files_dir, id);
		if (err && err != ENOENT)
			return err;
	}
	st->attachments += att;
	st->files += att;
	if (t->mail) {
		err = anonymize_mail(db, o, id, f, st);
		if (err)
			return err;
	}
	if (t->tel && call_id > 0) {
		err = anonymize_calls(db, call_id, f, st);
		if (err)
			return err;
	}
	st->cases++;
	snprintf(detail, sizeof(detail),
	         "anonymized: summary, citizen; history %lld, handovers %lld, e-mails %lld,"
	         " attachments %lld, call records %lld",
	         (long long)(st->history - before.history),
	         (long long)(st->handovers - before.handovers),
	         (long long)(st->mails - before.mails),
	         (long long)(st->attachments - before.attachments),
	         (long long)(st->recordings - before.recordings));
	return audit_record(db, now, 0, "retention", "case", id, detail);
}

/* A citizen whose last case went: deleted unless held. */
static int drop_citizen(struct db *db, int64_t citizen, int64_t now, struct retention_stats *st)
{
	int64_t n;

	if (db_scalar_int(db,
	                  "SELECT EXISTS(SELECT 1 FROM cases WHERE citizen_id = ?1)"
	                  " OR EXISTS(SELECT 1 FROM legal_holds WHERE citizen_id = ?1"
	                  " AND released_at IS NULL)",
	                  citizen))
		return 0;
	/* Released holds keep their record of who held and why, without the person. */
	n = exec_count(db, "DELETE FROM legal_holds WHERE citizen_id = ?", citizen, 0);
	if (n < 0)
		return (int)-n;
	n = exec_count(db, "DELETE FROM citizens WHERE id = ?", citizen, 0);
	if (n < 0)
		return (int)-n;
	if (n == 0)
		return 0;
	st->citizens++;
	return audit_record(db, now, 0, "retention", "citizen", citizen, "deleted: no cases left");
}

/* ======================================================================
 * Batches
 * ====================================================================== */

/* The shortest period in force, in months, or 0 when every category is kept. */
static int shortest_months(struct db *db, int default_months)
{
	int64_t m = db_scalar_intv(
	        db, "SELECT MIN(retention_months) FROM categories WHERE retention_months > 0", NULL,
	        0);
	bool uses_default = db_scalar_intv(
	        db, "SELECT EXISTS(SELECT 1 FROM categories WHERE retention_months IS NULL)", NULL,
	        0);

	if (default_months > 0 && uses_default && (m == 0 || default_months < m))
		m = default_months;
	return (int)m;
}

int retention_batch(struct db *db, const struct retention_opts *o, int64_t now,
                    struct retention_cursor *cur, struct retention_stats *st)
{
	static const char q[] =
	        "SELECT c.id, c.received_at, c.status, COALESCE(c.closed_at, c.updated_at),"
	        " k.retention_months, c.citizen_id, c.call_id,"
	        " EXISTS(SELECT 1 FROM legal_holds h WHERE h.released_at IS NULL AND"
	        " (h.case_id = c.id OR (c.citizen_id IS NOT NULL AND h.citizen_id = c.citizen_id)))"
	        " FROM cases c JOIN categories k ON k.id = c.category_id"
	        " WHERE c.anonymized_at IS NULL AND c.received_at < ?1"
	        " AND (c.received_at > ?2 OR (c.received_at = ?2 AND c.id > ?3))"
	        " ORDER BY c.received_at, c.id LIMIT ?4";
	struct tables t;
	struct files f = {0};
	struct stmt *s;
	int64_t *ids = NULL, *calls = NULL, *citizens = NULL, upper;
	size_t n = 0, nc = 0;
	int batch = o->batch > 0 ? o->batch : 200, months, rc, err;

	if (!db || !o || !cur || !st)
		return EINVAL;
	if (cur->done)
		return 0;
	months = shortest_months(db, o->default_months);
	if (months <= 0) {
		cur->done = true;
		return 0;
	}
	upper = retention_cutoff(now, months);
	t.mail = table_exists(db, "mail_messages");
	t.tel = table_exists(db, "tel_calls");
	ids = calloc((size_t)batch, sizeof(*ids));
	calls = calloc((size_t)batch, sizeof(*calls));
	citizens = calloc((size_t)batch, sizeof(*citizens));
	if (!ids || !calls || !citizens) {
		err = ENOMEM;
		goto out;
	}
	err = db_begin(db);
	if (err)
		goto out;
	err = db_prepare(db, &s, q, true);
	if (err)
		goto rollback;
	stmt_bind_int(s, 1, upper);
	stmt_bind_int(s, 2, cur->received_at);
	stmt_bind_int(s, 3, cur->id);
	stmt_bind_int(s, 4, batch);
	while ((rc = stmt_step(s)) == DB_ROW) {
		int m = stmt_is_null(s, 4) ? o->default_months : (int)stmt_int(s, 4);
		const char *call = stmt_is_null(s, 6) ? NULL : stmt_text(s, 6);
		char *end = NULL;
		long long call_id = 0;

		cur->id = stmt_int(s, 0);
		cur->received_at = stmt_int(s, 1);
		st->scanned++;
		if (m <= 0 || strcmp(stmt_text(s, 2), "closed") != 0 ||
		    stmt_int(s, 3) >= retention_cutoff(now, m))
			continue;
		if (stmt_int(s, 7)) {
			st->held++;
			continue;
		}
		if (call) {
			errno = 0;
			call_id = strtoll(call, &end, 10);
			if (errno || *end)
				call_id = 0;
		}
		ids[n] = cur->id;
		calls[n] = call_id;
		if (!stmt_is_null(s, 5))
			citizens[nc++] = stmt_int(s, 5);
		n++;
	}
	stmt_done(s);
	if (rc != DB_DONE) {
		err = rc;
		goto rollback;
	}
	for (size_t i = 0; i < n && !err; i++)
		err = anonymize_case(db, o, &t, ids[i], calls[i], now, &f, st);
	for (size_t i = 0; i < nc && !err; i++)
		err = drop_citizen(db, citizens[i], now, st);
	if (err)
		goto rollback;
	/* A batch that found fewer rows than it asked for reached the end. */
	if (db_scalar_int(db,
	                  "SELECT NOT EXISTS(SELECT 1 FROM cases c WHERE c.anonymized_at IS NULL"
	                  " AND c.received_at < ?1 AND (c.received_at > ?2 OR"
	                  " (c.received_at = ?2 AND c.id > ?3)))",
	                  upper, cur->received_at, cur->id))
		cur->done = true;
	if (o->dry_run) {
		db_rollback(db);
		/* The dry run's cases are still there: the cursor carries on past them. */
		st->files += (int64_t)f.n;
		goto out;
	}
	err = db_commit_nosync(db);
	if (err)
		goto out;
	for (size_t i = 0; i < f.n; i++)
		if (unlink(f.p[i]) == 0)
			st->files++;
	goto out;
rollback:
	db_rollback(db);
out:
	files_free(&f);
	free(ids);
	free(calls);
	free(citizens);
	return err;
}

int retention_run(struct db *db, const struct retention_opts *o, int64_t now,
                  struct retention_stats *st)
{
	struct retention_cursor cur = {0};
	int err = 0;

	while (!cur.done && !err)
		err = retention_batch(db, o, now, &cur, st);
	return err;
}

/* ======================================================================
 * Legal holds
 * ====================================================================== */

/* Holds are set and released by an admin or a manager. */
static bool may_hold(const struct principal *who)
{
	return who->role == ROLE_ADMIN || who->role == ROLE_MANAGER;
}

/* The end of a hold's change begun with db_begin: after err 0, audited on its case or
 * person and committed; otherwise, or when that fails, rolled back. */
static int hold_finish(struct db *db, int err, const struct principal *who, int64_t now,
                       const char *action, int64_t case_id, int64_t citizen_id, const char *detail)
{
	if (!err)
		err = audit_record(db, now, who->id, action, case_id ? "case" : "citizen",
		                   case_id ? case_id : citizen_id, detail);
	if (!err)
		err = db_commit(db);
	if (err)
		db_rollback(db);
	return err;
}

int retention_hold_set(struct db *db, const struct principal *who, int64_t case_id,
                       int64_t citizen_id, const char *reason, int64_t now, int64_t *id)
{
	struct stmt *s;
	int err;

	if (!db || !who || !id || (case_id > 0) == (citizen_id > 0))
		return EINVAL;
	if (!may_hold(who))
		return EPERM;
	if (!reason || !*reason || strlen(reason) > 1000)
		return EBADMSG;
	if (case_id > 0 &&
	    !db_scalar_int(db, "SELECT EXISTS(SELECT 1 FROM cases WHERE id = ?)", case_id))
		return ENOENT;
	if (citizen_id > 0 &&
	    !db_scalar_int(db, "SELECT EXISTS(SELECT 1 FROM citizens WHERE id = ?)", citizen_id))
		return ENOENT;
	err = db_begin(db);
	if (err)
		return err;
	err = db_prepare(db, &s,
	                 "INSERT INTO legal_holds(case_id, citizen_id, reason, set_by, set_at)"
	                 " VALUES (?,?,?,?,?)",
	                 true);
	if (!err) {
		stmt_bind_id(s, 1, case_id);
		stmt_bind_id(s, 2, citizen_id);
		stmt_bind_text(s, 3, reason);
		stmt_bind_id(s, 4, who->id);
		stmt_bind_int(s, 5, now);
		err = step_done(s);
	}
	if (!err)
		*id = db_last_id(db);
	return hold_finish(db, err, who, now, "hold", case_id, citizen_id, "legal hold set");
}

int retention_hold_release(struct db *db, const struct principal *who, int64_t hold_id, int64_t now)
{
	int64_t case_id, citizen_id, n;
	int err;

	if (!db || !who)
		return EINVAL;
	if (!may_hold(who))
		return EPERM;
	case_id = db_scalar_int(db, "SELECT case_id FROM legal_holds WHERE id = ?", hold_id);
	citizen_id = db_scalar_int(db, "SELECT citizen_id FROM legal_holds WHERE id = ?", hold_id);
	err = db_begin(db);
	if (err)
		return err;
	n = exec_count(db,
	               "UPDATE legal_holds SET released_at = ?2, released_by = ?3"
	               " WHERE id = ?1 AND released_at IS NULL",
	               hold_id, now);
	if (n == 0)
		err = ENOENT;
	else if (n < 0)
		err = (int)-n;
	if (!err)
		n = exec_count(db, "UPDATE legal_holds SET released_by = ?2 WHERE id = ?1", hold_id,
		               who->id);
	if (!err && n < 0)
		err = (int)-n;
	return hold_finish(db, err, who, now, "release", case_id, citizen_id,
	                   "legal hold released");
}

int retention_hold_case(struct db *db, const struct principal *who, int64_t case_id,
                        const char *reason, int64_t now, int64_t *id)
{
	if (!db || !who || !id || case_id <= 0)
		return EINVAL;
	if (!may_hold(who))
		return EPERM;
	if (db_scalar_int(db,
	                  "SELECT EXISTS(SELECT 1 FROM legal_holds WHERE case_id = ?"
	                  " AND released_at IS NULL)",
	                  case_id) == 1)
		return EEXIST;
	return retention_hold_set(db, who, case_id, 0, reason, now, id);
}

int retention_hold_release_case(struct db *db, const struct principal *who, int64_t case_id,
                                int64_t now)
{
	int64_t id;
	int err = 0, n = 0;

	if (!db || !who)
		return EINVAL;
	if (!may_hold(who))
		return EPERM;
	/* one at a time: each release is its own audited transaction */
	while (!err && (id = db_scalar_int(db,
	                                   "SELECT COALESCE(MIN(id), 0) FROM legal_holds"
	                                   " WHERE case_id = ? AND released_at IS NULL",
	                                   case_id)) > 0) {
		err = retention_hold_release(db, who, id, now);
		n++;
	}
	if (id < 0 && !err)
		err = EIO;
	return err ? err : n ? 0 : ENOENT;
}

int retention_holds(struct db *db, json_t **items)
{
	struct stmt *s;
	int rc, err = db_prepare(db, &s,
	                         "SELECT id, case_id, citizen_id, reason, set_by, set_at FROM"
	                         " legal_holds WHERE released_at IS NULL ORDER BY id",
	                         true);

	if (err)
		return err;
	*items = json_array();
	while ((rc = stmt_step(s)) == DB_ROW)
		json_array_append_new(
		        *items,
		        json_pack("{sI so so ss so sI}", "id", (json_int_t)stmt_int(s, 0),
		                  "case_id",
		                  stmt_is_null(s, 1) ? json_null() : json_integer(stmt_int(s, 1)),
		                  "citizen_id",
		                  stmt_is_null(s, 2) ? json_null() : json_integer(stmt_int(s, 2)),
		                  "reason", stmt_text(s, 3), "set_by",
		                  stmt_is_null(s, 4) ? json_null() : json_integer(stmt_int(s, 4)),
		                  "set_at", (json_int_t)stmt_int(s, 5)));
	stmt_done(s);
	if (rc != DB_DONE) {
		json_decref(*items);
		*items = NULL;
		return rc;
	}
	return 0;
}
