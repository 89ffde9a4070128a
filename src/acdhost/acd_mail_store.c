/* E-mail in the queue, its tables: agents' channels, the e-mail items, their rollups. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "acdhost/acd_mail_int.h"
#include "acd/acd_stats.h"
#include "store/db.h"

/* Module "acd_mail", apart from "acd" so that its numbering is its own.
 * acd_mail_items: one row per time a case's e-mail waits for an agent; done_ms set when
 * the case is answered. acd_agent_channels: absent row = voice only. acd_mail_groups:
 * absent row = answer within 1 working day. */
static const struct migration acd_mail_migrations[] = {
        {1, "e-mail items in the queue, agents' channels, e-mail rollups",
         "CREATE TABLE acd_agent_channels ("
         " user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
         " voice INTEGER NOT NULL DEFAULT 1 CHECK (voice IN (0,1)),"
         " email INTEGER NOT NULL DEFAULT 0 CHECK (email IN (0,1)),"
         " CHECK (voice + email > 0)"
         ") STRICT;"
         "CREATE TABLE acd_mail_groups ("
         " group_id INTEGER PRIMARY KEY REFERENCES groups(id),"
         " answer_working_days INTEGER NOT NULL DEFAULT 1"
         "  CHECK (answer_working_days BETWEEN 0 AND 20)"
         ") STRICT;"
         "CREATE TABLE acd_mail_items ("
         " id INTEGER PRIMARY KEY,"
         " case_id INTEGER NOT NULL REFERENCES cases(id),"
         " message_id INTEGER NOT NULL," /* mail_messages.id: the newest unanswered one */
         " group_id INTEGER NOT NULL,"
         " arrived_ms INTEGER NOT NULL," /* the first unanswered message's arrival */
         " due_ms INTEGER NOT NULL,"
         " agent_id INTEGER REFERENCES users(id)," /* holding it; NULL: waiting */
         " taken_ms INTEGER,"
         " taken_before INTEGER NOT NULL DEFAULT 0 CHECK (taken_before IN (0,1)),"
         " done_ms INTEGER"
         ") STRICT;"
         "CREATE UNIQUE INDEX acd_mail_items_open ON acd_mail_items(case_id)"
         " WHERE done_ms IS NULL;"
         "CREATE INDEX acd_mail_items_waiting ON acd_mail_items(group_id, due_ms)"
         " WHERE done_ms IS NULL;"
         "CREATE TABLE acd_mail_intervals ("
         " group_id INTEGER NOT NULL,"
         " start_ms INTEGER NOT NULL,"
         " queued INTEGER NOT NULL, taken INTEGER NOT NULL,"
         " wait_ms INTEGER NOT NULL, longest_wait_ms INTEGER NOT NULL,"
         " PRIMARY KEY (group_id, start_ms)"
         ") STRICT;"},
};

int acd_mail_store_migrate(struct db *db)
{
	return db_migrate(db, "acd_mail", acd_mail_migrations,
	                  sizeof(acd_mail_migrations) / sizeof(acd_mail_migrations[0]));
}

static int done(struct stmt *s)
{
	int err = stmt_step(s);

	stmt_done(s);
	return err == DB_DONE ? 0 : err == DB_ROW ? 0 : err;
}

/* ---- channels ----------------------------------------------------------------------- */

int acd_mail_store_channels_set(struct db *db, int64_t user, unsigned channels)
{
	struct stmt *s;
	int64_t args[] = {user};
	int err;

	if (db_scalar_intv(db, "SELECT count(*) FROM users WHERE id = ?", args, 1) <= 0)
		return ENOENT;
	err = db_prepare(db, &s,
	                 "INSERT INTO acd_agent_channels(user_id, voice, email) VALUES (?,?,?)"
	                 " ON CONFLICT(user_id) DO UPDATE SET voice = excluded.voice,"
	                 " email = excluded.email",
	                 true);

	if (err)
		return err;
	stmt_bind_int(s, 1, user);
	stmt_bind_int(s, 2, (channels & ACD_CHANNEL_VOICE) ? 1 : 0);
	stmt_bind_int(s, 3, (channels & ACD_CHANNEL_EMAIL) ? 1 : 0);
	return done(s);
}

int acd_mail_store_channels_each(struct db *db, acd_mail_channels_h *h, void *arg)
{
	struct stmt *s;
	int err = db_prepare(db, &s, "SELECT user_id, voice, email FROM acd_agent_channels", true);

	if (err)
		return err;
	while ((err = stmt_step(s)) == DB_ROW) {
		unsigned ch = (stmt_int(s, 1) ? ACD_CHANNEL_VOICE : 0) |
		              (stmt_int(s, 2) ? ACD_CHANNEL_EMAIL : 0);
		int e = h((uint32_t)stmt_int(s, 0), ch, arg);
		if (e) {
			stmt_done(s);
			return e;
		}
	}
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

bool acd_mail_store_is_member(struct db *db, int64_t user, int64_t group)
{
	int64_t args[] = {user, group};

	return db_scalar_intv(db,
	                      "SELECT count(*) FROM user_groups WHERE user_id = ? AND group_id = ?",
	                      args, 2) > 0;
}

int acd_mail_store_answer_days(struct db *db, int64_t group)
{
	struct stmt *s;
	int days = 1;

	/* The group's setting (groups.email_answer_days, set through the groups API), else
	 * this module's own row, else one working day. */
	if (db_prepare(
	            db, &s,
	            "SELECT COALESCE(g.email_answer_days, m.answer_working_days, 1) FROM groups g"
	            " LEFT JOIN acd_mail_groups m ON m.group_id = g.id WHERE g.id = ?",
	            true))
		return days;
	stmt_bind_int(s, 1, group);
	if (stmt_step(s) == DB_ROW)
		days = (int)stmt_int(s, 0);
	stmt_done(s);
	return days;
}

/* ---- items ---------------------------------------------------------------------------- */

#define ITEM_COLUMNS                                                                               \
	"SELECT id, case_id, message_id, group_id, arrived_ms, due_ms, agent_id, taken_ms,"        \
	" taken_before, done_ms FROM acd_mail_items"

static void row_item(struct stmt *s, struct acd_mail_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = stmt_int(s, 0);
	r->case_id = stmt_int(s, 1);
	r->message_id = stmt_int(s, 2);
	r->group = stmt_int(s, 3);
	r->arrived_ms = stmt_int(s, 4);
	r->due_ms = stmt_int(s, 5);
	r->agent = stmt_is_null(s, 6) ? 0 : stmt_int(s, 6);
	r->taken_ms = stmt_is_null(s, 7) ? 0 : stmt_int(s, 7);
	r->taken_before = stmt_int(s, 8) != 0;
	r->done = !stmt_is_null(s, 9);
}

static int one_item(struct db *db, const char *sql, int64_t key, struct acd_mail_row *out)
{
	struct stmt *s;
	int err = db_prepare(db, &s, sql, true);

	if (err)
		return err;
	stmt_bind_int(s, 1, key);
	err = stmt_step(s);
	if (err == DB_ROW) {
		row_item(s, out);
		err = 0;
	} else if (err == DB_DONE) {
		err = ENOENT;
	}
	stmt_done(s);
	return err;
}

int acd_mail_store_get(struct db *db, int64_t id, struct acd_mail_row *out)
{
	return one_item(db, ITEM_COLUMNS " WHERE id = ?", id, out);
}

int acd_mail_store_open_of_case(struct db *db, int64_t case_id, struct acd_mail_row *out)
{
	return one_item(db, ITEM_COLUMNS " WHERE case_id = ? AND done_ms IS NULL", case_id, out);
}

int acd_mail_store_insert(struct db *db, struct acd_mail_row *r)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "INSERT INTO acd_mail_items(case_id, message_id, group_id, arrived_ms,"
	                     " due_ms) VALUES (?,?,?,?,?)",
	                     true);

	if (err)
		return err;
	stmt_bind_int(s, 1, r->case_id);
	stmt_bind_int(s, 2, r->message_id);
	stmt_bind_int(s, 3, r->group);
	stmt_bind_int(s, 4, r->arrived_ms);
	stmt_bind_int(s, 5, r->due_ms);
	err = done(s);
	if (!err)
		r->id = db_last_id(db);
	return err;
}

int acd_mail_store_hold(struct db *db, int64_t id, int64_t agent, int64_t now_ms)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "UPDATE acd_mail_items SET agent_id = ?2,"
	                     " taken_ms = CASE WHEN ?2 IS NULL THEN taken_ms ELSE ?3 END,"
	                     " taken_before = CASE WHEN ?2 IS NULL THEN 1 ELSE taken_before END"
	                     " WHERE id = ?1 AND done_ms IS NULL",
	                     true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	stmt_bind_id(s, 2, agent);
	stmt_bind_int(s, 3, now_ms);
	return done(s);
}

int acd_mail_store_done(struct db *db, int64_t id, int64_t now_ms)
{
	struct stmt *s;
	int err = db_prepare(
	        db, &s, "UPDATE acd_mail_items SET done_ms = ? WHERE id = ? AND done_ms IS NULL",
	        true);

	if (err)
		return err;
	stmt_bind_int(s, 1, now_ms);
	stmt_bind_int(s, 2, id);
	return done(s);
}

/* An e-mail case needs an answer when it is not closed and has an incoming message, not
 * an automatic one, newer than its last answer; arrival is the first such message's. */
#define PENDING_SELECT                                                                             \
	"SELECT c.id, c.group_id,"                                                                 \
	" (SELECT max(m.id) FROM mail_messages m WHERE m.case_id = c.id AND m.direction = 'in'"    \
	"   AND m.auto_submitted = 0),"                                                            \
	" (SELECT min(m.received_at) FROM mail_messages m WHERE m.case_id = c.id"                  \
	"   AND m.direction = 'in' AND m.auto_submitted = 0 AND m.id > coalesce((SELECT max(o.id)" \
	"   FROM mail_messages o WHERE o.case_id = c.id AND o.direction = 'out'"                   \
	"   AND o.kind = 'answer'), 0))"                                                           \
	" FROM cases c WHERE c.channel = 'email' AND c.status <> 'closed'"

static int pending_rows(struct db *db, const char *sql, int64_t key, acd_mail_pending_h *h,
                        void *arg)
{
	struct stmt *s;
	int err = db_prepare(db, &s, sql, false);

	if (err)
		return err;
	if (key)
		stmt_bind_int(s, 1, key);
	while ((err = stmt_step(s)) == DB_ROW) {
		struct acd_mail_pending p = {.case_id = stmt_int(s, 0),
		                             .group = stmt_int(s, 1),
		                             .message_id = stmt_int(s, 2),
		                             .received_s = stmt_int(s, 3)};
		int e;

		if (stmt_is_null(s, 3))
			continue; /* answered */
		if ((e = h(&p, arg))) {
			stmt_done(s);
			return e;
		}
	}
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

int acd_mail_store_pending_each(struct db *db, acd_mail_pending_h *h, void *arg)
{
	return pending_rows(db, PENDING_SELECT " ORDER BY c.id", 0, h, arg);
}

int acd_mail_store_pending_case(struct db *db, int64_t case_id, acd_mail_pending_h *h, void *arg)
{
	return pending_rows(db, PENDING_SELECT " AND c.id = ?", case_id, h, arg);
}

int acd_mail_store_open_each(struct db *db, acd_mail_row_h *h, void *arg)
{
	struct stmt *s;
	int err = db_prepare(db, &s, ITEM_COLUMNS " WHERE done_ms IS NULL ORDER BY id", false);

	if (err)
		return err;
	while ((err = stmt_step(s)) == DB_ROW) {
		struct acd_mail_row r;
		int e;

		row_item(s, &r);
		if ((e = h(&r, arg))) {
			stmt_done(s);
			return e;
		}
	}
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

/* What the desk shows of an item: the case's newest unanswered message. */
int acd_mail_store_view(struct db *db, const struct acd_mail_row *r, json_t **out)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "SELECT m.subject, m.from_addr, m.from_name FROM mail_messages m"
	                     " WHERE m.id = ?",
	                     true);
	json_t *o;

	if (err)
		return err;
	stmt_bind_int(s, 1, r->message_id);
	o = json_pack("{s:I,s:I,s:I,s:I}", "item_id", (json_int_t)r->id, "case_id",
	              (json_int_t)r->case_id, "message_id", (json_int_t)r->message_id, "group_id",
	              (json_int_t)r->group);
	if (stmt_step(s) == DB_ROW) {
		json_object_set_new(o, "subject",
		                    json_string(stmt_text(s, 0) ? stmt_text(s, 0) : ""));
		json_object_set_new(
		        o, "from", stmt_is_null(s, 1) ? json_null() : json_string(stmt_text(s, 1)));
		json_object_set_new(o, "from_name",
		                    stmt_is_null(s, 2) ? json_null()
		                                       : json_string(stmt_text(s, 2)));
	} else {
		json_object_set_new(o, "subject", json_string(""));
		json_object_set_new(o, "from", json_null());
		json_object_set_new(o, "from_name", json_null());
	}
	stmt_done(s);
	*out = o;
	return 0;
}

/* ---- rollups -------------------------------------------------------------------------- */

int acd_mail_store_rollups(struct db *db, const struct acd_stats *st, int64_t from_ms)
{
	struct acd_group_interval g;
	size_t i = 0;
	int err = 0;

	while (!err && acd_stats_next_group(st, &i, &g)) {
		struct stmt *s;

		if (g.start_ms < from_ms || !(g.emails_queued || g.emails_taken))
			continue;
		err = db_prepare(
		        db, &s,
		        "INSERT INTO acd_mail_intervals(group_id, start_ms, queued, taken,"
		        " wait_ms, longest_wait_ms) VALUES (?,?,?,?,?,?)"
		        " ON CONFLICT(group_id, start_ms) DO UPDATE SET"
		        " queued = excluded.queued, taken = excluded.taken,"
		        " wait_ms = excluded.wait_ms, longest_wait_ms = excluded.longest_wait_ms",
		        true);
		if (err)
			break;
		stmt_bind_int(s, 1, g.group);
		stmt_bind_int(s, 2, g.start_ms);
		stmt_bind_int(s, 3, g.emails_queued);
		stmt_bind_int(s, 4, g.emails_taken);
		stmt_bind_int(s, 5, g.email_wait_ms);
		stmt_bind_int(s, 6, g.email_longest_wait_ms);
		err = done(s);
	}
	return err;
}
