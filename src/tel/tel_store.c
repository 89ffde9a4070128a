/* Telephony's tables (migration module "tel"): call records, group policies, survey answers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "store/db.h"
#include "tel/tel_store.h"

static const struct migration tel_migrations[] = {
        {1, "call records, group policies, survey answers",
         "CREATE TABLE tel_calls ("
         " id INTEGER PRIMARY KEY,"
         " call_id INTEGER NOT NULL,"
         " caller_sip_callid TEXT,"
         " agent_sip_callid TEXT,"
         " caller TEXT,"
         " entry TEXT,"
         " group_id INTEGER,"
         " agent_id INTEGER,"
         " arrived_ms INTEGER,"
         " answered_ms INTEGER,"
         " ended_ms INTEGER NOT NULL,"
         " end_reason TEXT NOT NULL,"
         " recording_path TEXT,"
         " recording_ms INTEGER"
         ") STRICT;"
         "CREATE INDEX tel_calls_ended ON tel_calls(ended_ms);"
         "CREATE INDEX tel_calls_call ON tel_calls(call_id);"
         "CREATE TABLE tel_group_policy ("
         " group_id INTEGER PRIMARY KEY,"
         " record INTEGER NOT NULL DEFAULT 0,"
         " recording_days INTEGER NOT NULL DEFAULT 0,"
         " survey TEXT,"
         " survey_calls INTEGER NOT NULL DEFAULT 0"
         ") STRICT;"
         "CREATE TABLE tel_survey_answers ("
         " id INTEGER PRIMARY KEY,"
         " call_id INTEGER NOT NULL,"
         " group_id INTEGER NOT NULL,"
         " agent_id INTEGER,"
         " question INTEGER NOT NULL,"
         " prompt TEXT NOT NULL,"
         " answer INTEGER NOT NULL,"
         " t_ms INTEGER NOT NULL"
         ") STRICT;"
         "CREATE INDEX tel_survey_answers_t ON tel_survey_answers(t_ms);"},
        {2, "SIP registrar secrets (digest HA1, never the secret)",
         "CREATE TABLE tel_sip_secrets ("
         " user_id INTEGER PRIMARY KEY REFERENCES users(id),"
         " ha1 TEXT NOT NULL CHECK (length(ha1) = 32),"
         " updated_ms INTEGER NOT NULL"
         ") STRICT;"},
        {3, "announcements per group and the crisis message; trunks",
         "CREATE TABLE tel_announcements ("
         " group_id INTEGER PRIMARY KEY," /* 0: the crisis message of every entry number */
         " text TEXT,"                    /* what was spoken; NULL for an uploaded WAV */
         " wav BLOB NOT NULL,"            /* 8 kHz mono 16-bit PCM */
         " active INTEGER NOT NULL DEFAULT 1,"
         " updated_ms INTEGER NOT NULL"
         ") STRICT;"
         "CREATE TABLE tel_trunks ("
         " id INTEGER PRIMARY KEY,"
         " name TEXT NOT NULL,"
         " sources TEXT NOT NULL DEFAULT '[]'," /* JSON list of IP addresses let in */
         " username TEXT UNIQUE,"               /* digest user for calls in, or NULL */
         " ha1 TEXT CHECK (ha1 IS NULL OR length(ha1) = 32),"
         " outbound INTEGER NOT NULL DEFAULT 0," /* calls out go through this trunk */
         " proxy TEXT,"                          /* host:port calls out are sent to */
         " from_number TEXT,"                    /* the number calls out show */
         " active INTEGER NOT NULL DEFAULT 1,"
         " updated_ms INTEGER NOT NULL"
         ") STRICT;"},
        {4,
         "where a call went out, the transfer note and the language asked for; an entry "
         "number's language",
         "ALTER TABLE tel_calls ADD COLUMN outside_number TEXT;"
         "ALTER TABLE tel_calls ADD COLUMN note TEXT;"
         "ALTER TABLE tel_calls ADD COLUMN lang TEXT;"
         "ALTER TABLE entry_numbers ADD COLUMN language TEXT CHECK (language IS NULL OR"
         " (length(language) BETWEEN 2 AND 3 AND language NOT GLOB '*[^a-z]*'));"},
        {5, "the phones' registrations, so a restarted or new queue node reaches them",
         "CREATE TABLE tel_bindings ("
         " user_id INTEGER PRIMARY KEY,"
         " contact TEXT NOT NULL,"
         " expires_ms INTEGER NOT NULL)"},
};

int tel_store_migrate(struct db *db)
{
	return db_migrate(db, "tel", tel_migrations,
	                  sizeof(tel_migrations) / sizeof(tel_migrations[0]));
}

int tel_store_binding_put(struct db *db, int64_t user, const char *contact, int64_t expires_ms)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "INSERT INTO tel_bindings(user_id, contact, expires_ms) VALUES (?,?,?)"
	                     " ON CONFLICT(user_id) DO UPDATE SET contact = excluded.contact,"
	                     " expires_ms = excluded.expires_ms",
	                     true);

	if (err)
		return err;
	stmt_bind_int(s, 1, user);
	stmt_bind_text(s, 2, contact);
	stmt_bind_int(s, 3, expires_ms);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

static int delete_one(struct db *db, const char *sql, int64_t key);

int tel_store_binding_delete(struct db *db, int64_t user)
{
	int err = delete_one(db, "DELETE FROM tel_bindings WHERE user_id = ?", user);

	return err == ENOENT ? 0 : err;
}

int tel_store_bindings_each(struct db *db, int64_t now_ms, tel_binding_h *h, void *arg)
{
	struct stmt *s;
	/* lapsed: nobody reaches a phone by them any more */
	int err = delete_one(db, "DELETE FROM tel_bindings WHERE expires_ms <= ?", now_ms);

	if (err && err != ENOENT)
		return err;
	err = db_prepare(db, &s,
	                 "SELECT user_id, contact, expires_ms FROM tel_bindings"
	                 " WHERE expires_ms > ? ORDER BY user_id",
	                 true);

	if (err)
		return err;
	stmt_bind_int(s, 1, now_ms);
	while ((err = stmt_step(s)) == DB_ROW)
		h(stmt_int(s, 0), stmt_text(s, 1), stmt_int(s, 2), arg);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

/* One row deleted by its key: 0, ENOENT when there was none, or a store error. */
static int delete_one(struct db *db, const char *sql, int64_t key)
{
	struct stmt *s;
	int err = db_prepare(db, &s, sql, true);

	if (err)
		return err;
	stmt_bind_int(s, 1, key);
	err = stmt_step(s);
	stmt_done(s);
	if (err != DB_DONE)
		return err;
	return db_changes(db) ? 0 : ENOENT;
}

static void bind_text_opt(struct stmt *s, int idx, const char *v)
{
	stmt_bind_text(s, idx, v && v[0] ? v : NULL);
}

static void bind_int_opt(struct stmt *s, int idx, int64_t v)
{
	if (v)
		stmt_bind_int(s, idx, v);
	else
		stmt_bind_null(s, idx);
}

int tel_store_record(struct db *db, const struct tel_record *rec)
{
	struct stmt *s;
	int err;

	if (!db || !rec || !rec->end_reason)
		return EINVAL;
	err = db_prepare(
	        db, &s,
	        "INSERT INTO tel_calls(call_id, caller_sip_callid, agent_sip_callid, caller,"
	        " entry, group_id, agent_id, arrived_ms, answered_ms, ended_ms, end_reason,"
	        " recording_path, recording_ms, outside_number, note, lang)"
	        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	        true);
	if (err)
		return err;
	stmt_bind_int(s, 1, rec->call_id);
	bind_text_opt(s, 2, rec->caller_callid);
	bind_text_opt(s, 3, rec->agent_callid);
	bind_text_opt(s, 4, rec->caller);
	bind_text_opt(s, 5, rec->entry);
	bind_int_opt(s, 6, rec->group);
	bind_int_opt(s, 7, rec->agent);
	bind_int_opt(s, 8, rec->arrived_ms);
	bind_int_opt(s, 9, rec->answered_ms);
	stmt_bind_int(s, 10, rec->ended_ms);
	stmt_bind_text(s, 11, rec->end_reason);
	bind_text_opt(s, 12, rec->recording);
	if (rec->recording[0])
		stmt_bind_int(s, 13, rec->recording_ms);
	else
		stmt_bind_null(s, 13);
	bind_text_opt(s, 14, rec->outside);
	bind_text_opt(s, 15, rec->note);
	bind_text_opt(s, 16, rec->lang);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

/* Every column of a row as a JSON member; NULL columns become null. */
static json_t *row_json(struct stmt *s)
{
	json_t *o = json_object();

	for (int i = 0; o && i < stmt_columns(s); i++) {
		json_t *v;
		if (stmt_is_null(s, i))
			v = json_null();
		else if (stmt_col_is_int(s, i))
			v = json_integer(stmt_int(s, i));
		else
			v = json_string(stmt_text(s, i));
		json_object_set_new(o, stmt_column_name(s, i), v);
	}
	return o;
}

/* The rows of `sql` for [from_ms, to_ms) and a group: `limit` after skipping `offset`;
 * the others are only counted into *total. */
static int list_json(struct db *db, const char *sql, const struct tel_range *q, json_t **items,
                     int64_t *total)
{
	struct stmt *s;
	json_t *a;
	int64_t n = 0;
	int err, rc;

	err = db_prepare(db, &s, sql, true);
	if (err)
		return err;
	stmt_bind_int(s, 1, q->from_ms);
	stmt_bind_int(s, 2, q->to_ms);
	stmt_bind_int(s, 3, q->group);
	a = json_array();
	while ((rc = stmt_step(s)) == DB_ROW) {
		if (n >= q->offset && n - q->offset < q->limit)
			json_array_append_new(a, row_json(s));
		n++;
	}
	stmt_done(s);
	if (rc != DB_DONE) {
		json_decref(a);
		return rc;
	}
	*items = a;
	*total = n;
	return 0;
}

int tel_store_calls_json(struct db *db, const struct tel_range *q, json_t **items, int64_t *total)
{
	return list_json(db,
	                 "SELECT id, call_id, caller_sip_callid, agent_sip_callid, caller, entry,"
	                 " group_id, agent_id, arrived_ms, answered_ms, ended_ms, end_reason,"
	                 " recording_path, recording_ms FROM tel_calls"
	                 " WHERE ended_ms >= ? AND ended_ms < ? AND (?3 = 0 OR group_id = ?3)"
	                 " ORDER BY ended_ms, id",
	                 q, items, total);
}

int tel_store_answers_json(struct db *db, const struct tel_range *q, json_t **items, int64_t *total)
{
	return list_json(db,
	                 "SELECT id, call_id, group_id, agent_id, question, prompt, answer, t_ms"
	                 " FROM tel_survey_answers"
	                 " WHERE t_ms >= ? AND t_ms < ? AND (?3 = 0 OR group_id = ?3)"
	                 " ORDER BY t_ms, id",
	                 q, items, total);
}

int tel_store_policy(struct db *db, uint32_t group, struct tel_policy *p)
{
	struct stmt *s;
	int err;

	memset(p, 0, sizeof(*p));
	err = db_prepare(db, &s,
	                 "SELECT record, recording_days, survey, survey_calls FROM tel_group_policy"
	                 " WHERE group_id = ?",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	if (stmt_step(s) == DB_ROW) {
		p->record = stmt_int(s, 0) != 0;
		p->recording_days = (int)stmt_int(s, 1);
		if (stmt_text(s, 2)) {
			json_t *j = json_loads(stmt_text(s, 2), 0, NULL);
			json_t *max = json_object_get(j, "max_answers");
			if (json_is_array(json_object_get(j, "questions")) &&
			    !json_is_false(json_object_get(j, "active")) &&
			    (!json_is_integer(max) || stmt_int(s, 3) < json_integer_value(max)))
				p->survey = j;
			else
				json_decref(j);
		}
	}
	stmt_done(s);
	return 0;
}

int tel_store_survey_answer(struct db *db, int64_t call_id, uint32_t group, uint32_t agent,
                            int question, const char *prompt, int answer, int64_t t_ms)
{
	struct stmt *s;
	int err;

	err = db_prepare(db, &s,
	                 "INSERT INTO tel_survey_answers(call_id, group_id, agent_id, question,"
	                 " prompt, answer, t_ms) VALUES (?,?,?,?,?,?,?)",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, call_id);
	stmt_bind_int(s, 2, group);
	bind_int_opt(s, 3, agent);
	stmt_bind_int(s, 4, question);
	stmt_bind_text(s, 5, prompt ? prompt : "");
	stmt_bind_int(s, 6, answer);
	stmt_bind_int(s, 7, t_ms);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

int tel_store_survey_done(struct db *db, uint32_t group)
{
	struct stmt *s;
	int err;

	err = db_prepare(db, &s,
	                 "UPDATE tel_group_policy SET survey_calls = survey_calls + 1"
	                 " WHERE group_id = ?",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

int tel_store_expire_recordings(struct db *db, int64_t now_ms, int *deleted)
{
	struct stmt *s, *u;
	int err, rc;

	*deleted = 0;
	err = db_prepare(db, &s,
	                 "SELECT c.id, c.recording_path FROM tel_calls c"
	                 " JOIN tel_group_policy p ON p.group_id = c.group_id"
	                 " WHERE c.recording_path IS NOT NULL AND p.recording_days > 0"
	                 " AND c.ended_ms < ? - p.recording_days * 86400000",
	                 false);
	if (err)
		return err;
	stmt_bind_int(s, 1, now_ms);
	while ((rc = stmt_step(s)) == DB_ROW) {
		const char *path = stmt_text(s, 1);
		if (path && unlink(path) == 0)
			(*deleted)++;
		if (db_prepare(db, &u, "UPDATE tel_calls SET recording_path = NULL WHERE id = ?",
		               true) == 0) {
			stmt_bind_int(u, 1, stmt_int(s, 0));
			(void)stmt_step(u);
			stmt_done(u);
		}
	}
	stmt_done(s);
	return rc == DB_DONE ? 0 : rc;
}

int tel_store_sip_ha1_set(struct db *db, int64_t user_id, const char *ha1, int64_t now_ms)
{
	struct stmt *s;
	int err;

	if (!db || !ha1 || strlen(ha1) != 32)
		return EINVAL;
	err = db_prepare(db, &s,
	                 "INSERT INTO tel_sip_secrets(user_id, ha1, updated_ms) VALUES (?,?,?)"
	                 " ON CONFLICT(user_id) DO UPDATE SET ha1 = excluded.ha1,"
	                 " updated_ms = excluded.updated_ms",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, user_id);
	stmt_bind_text(s, 2, ha1);
	stmt_bind_int(s, 3, now_ms);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

/* One row (id, ha1) for a digest user name: the HA1 must be 32 hex characters. */
static int ha1_lookup(struct db *db, const char *sql, const char *username, int64_t *id,
                      char ha1[33])
{
	struct stmt *s;
	int err = db_prepare(db, &s, sql, true);

	if (err)
		return err;
	stmt_bind_text(s, 1, username);
	err = ENOENT;
	if (stmt_step(s) == DB_ROW && stmt_text(s, 1) && strlen(stmt_text(s, 1)) == 32) {
		*id = stmt_int(s, 0);
		memcpy(ha1, stmt_text(s, 1), 33);
		err = 0;
	}
	stmt_done(s);
	return err;
}

int tel_store_sip_ha1(struct db *db, const char *username, int64_t *user_id, char ha1[33])
{
	return ha1_lookup(
	        db,
	        "SELECT u.id, s.ha1 FROM users u JOIN tel_sip_secrets s ON s.user_id = u.id"
	        " WHERE u.username = ? AND u.active = 1",
	        username, user_id, ha1);
}

/* ---- users and groups as the SIP side reads them ------------------------- */

int tel_store_user_sip_uri(struct db *db, uint32_t user, char *uri, size_t n)
{
	struct stmt *s;
	int err = db_prepare(db, &s, "SELECT sip_uri FROM users WHERE id = ? AND active = 1", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, user);
	err = ENOENT;
	if (stmt_step(s) == DB_ROW && stmt_text(s, 0) && stmt_text(s, 0)[0]) {
		if (snprintf(uri, n, "%s", stmt_text(s, 0)) < 0)
			err = EINVAL;
		else
			err = 0;
	}
	stmt_done(s);
	return err;
}

int tel_store_username(struct db *db, int64_t user_id, char **name)
{
	struct stmt *s;
	int err = db_prepare(db, &s, "SELECT username FROM users WHERE id = ?", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, user_id);
	err = ENOENT;
	if (stmt_step(s) == DB_ROW && stmt_text(s, 0)) {
		*name = strdup(stmt_text(s, 0));
		err = *name ? 0 : ENOMEM;
	}
	stmt_done(s);
	return err;
}

bool tel_store_group_exists(struct db *db, int64_t group)
{
	struct stmt *s;
	bool yes;

	if (group <= 0 || db_prepare(db, &s, "SELECT 1 FROM groups WHERE id = ?", true) != 0)
		return false;
	stmt_bind_int(s, 1, group);
	yes = stmt_step(s) == DB_ROW;
	stmt_done(s);
	return yes;
}

/* ---- administration: policies, announcements, menus ---------------------- */

int tel_store_policy_json(struct db *db, uint32_t group, json_t **out)
{
	struct stmt *s;
	json_t *o;
	int err;

	err = db_prepare(db, &s,
	                 "SELECT record, recording_days, survey, survey_calls FROM tel_group_policy"
	                 " WHERE group_id = ?",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	o = json_pack("{s:I,s:b,s:i,s:n,s:i}", "group_id", (json_int_t)group, "record", 0,
	              "recording_days", 0, "survey", "survey_calls", 0);
	if (o && stmt_step(s) == DB_ROW) {
		json_object_set_new(o, "record", json_boolean(stmt_int(s, 0) != 0));
		json_object_set_new(o, "recording_days", json_integer(stmt_int(s, 1)));
		if (stmt_text(s, 2)) {
			json_t *j = json_loads(stmt_text(s, 2), 0, NULL);
			if (j)
				json_object_set_new(o, "survey", j);
		}
		json_object_set_new(o, "survey_calls", json_integer(stmt_int(s, 3)));
	}
	stmt_done(s);
	*out = o;
	return o ? 0 : ENOMEM;
}

int tel_store_policy_put(struct db *db, uint32_t group, bool record, int recording_days,
                         const char *survey, bool reset_calls)
{
	struct stmt *s;
	int err;

	err = db_prepare(db, &s,
	                 "INSERT INTO tel_group_policy(group_id, record, recording_days, survey)"
	                 " VALUES (?1,?2,?3,?4) ON CONFLICT(group_id) DO UPDATE SET"
	                 " record = excluded.record, recording_days = excluded.recording_days,"
	                 " survey = excluded.survey,"
	                 " survey_calls = CASE WHEN ?5 THEN 0 ELSE survey_calls END",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	stmt_bind_int(s, 2, record ? 1 : 0);
	stmt_bind_int(s, 3, recording_days);
	stmt_bind_text(s, 4, survey);
	stmt_bind_int(s, 5, reset_calls ? 1 : 0);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

int tel_store_announcement_set(struct db *db, uint32_t group, const char *text, const void *wav,
                               size_t n, bool active, int64_t now_ms)
{
	struct stmt *s;
	int err;

	if (!wav || !n)
		return EINVAL;
	err = db_prepare(db, &s,
	                 "INSERT INTO tel_announcements(group_id, text, wav, active, updated_ms)"
	                 " VALUES (?,?,?,?,?) ON CONFLICT(group_id) DO UPDATE SET"
	                 " text = excluded.text, wav = excluded.wav, active = excluded.active,"
	                 " updated_ms = excluded.updated_ms",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	stmt_bind_text(s, 2, text);
	stmt_bind_blob(s, 3, wav, n);
	stmt_bind_int(s, 4, active ? 1 : 0);
	stmt_bind_int(s, 5, now_ms);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

int tel_store_announcement_active(struct db *db, uint32_t group, bool active, int64_t now_ms)
{
	struct stmt *s;
	int err;

	err = db_prepare(
	        db, &s,
	        "UPDATE tel_announcements SET active = ?, updated_ms = ? WHERE group_id = ?", true);
	if (err)
		return err;
	stmt_bind_int(s, 1, active ? 1 : 0);
	stmt_bind_int(s, 2, now_ms);
	stmt_bind_int(s, 3, group);
	err = stmt_step(s);
	stmt_done(s);
	if (err != DB_DONE)
		return err;
	return db_changes(db) ? 0 : ENOENT;
}

int tel_store_announcement_delete(struct db *db, uint32_t group)
{
	return delete_one(db, "DELETE FROM tel_announcements WHERE group_id = ?", group);
}

int tel_store_announcement(struct db *db, uint32_t group, uint8_t **wav, size_t *n,
                           int64_t *updated_ms)
{
	struct stmt *s;
	const void *b;
	int err;

	*wav = NULL;
	*n = 0;
	err = db_prepare(db, &s,
	                 "SELECT wav, updated_ms FROM tel_announcements"
	                 " WHERE group_id = ? AND active = 1",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	err = ENOENT;
	if (stmt_step(s) == DB_ROW && (b = stmt_blob(s, 0, n)) != NULL && *n > 0) {
		*wav = malloc(*n);
		err = *wav ? 0 : ENOMEM;
		if (*wav)
			memcpy(*wav, b, *n);
		*updated_ms = stmt_int(s, 1);
	}
	stmt_done(s);
	return err;
}

int tel_store_announcements_json(struct db *db, json_t **out)
{
	struct stmt *s;
	json_t *a;
	int err, rc;

	err = db_prepare(db, &s,
	                 "SELECT group_id, text, active, updated_ms, length(wav) FROM"
	                 " tel_announcements ORDER BY group_id",
	                 true);
	if (err)
		return err;
	a = json_array();
	while ((rc = stmt_step(s)) == DB_ROW) {
		/* 44 header bytes, 16 000 bytes a second */
		int64_t ms = (stmt_int(s, 4) - 44) / 16;
		json_array_append_new(a, json_pack("{s:I,s:s?,s:b,s:I,s:I,s:s}", "group_id",
		                                   (json_int_t)stmt_int(s, 0), "text",
		                                   stmt_text(s, 1), "active", stmt_int(s, 2) != 0,
		                                   "updated_ms", (json_int_t)stmt_int(s, 3),
		                                   "duration_ms", (json_int_t)(ms > 0 ? ms : 0),
		                                   "source", stmt_is_null(s, 1) ? "wav" : "text"));
	}
	stmt_done(s);
	if (rc != DB_DONE) {
		json_decref(a);
		return rc;
	}
	*out = a;
	return 0;
}

int tel_store_entries_json(struct db *db, json_t **out)
{
	struct stmt *s;
	json_t *a;
	int err, rc;

	err = db_prepare(
	        db, &s,
	        "SELECT number, group_id, menu, language FROM entry_numbers ORDER BY number", true);
	if (err)
		return err;
	a = json_array();
	while ((rc = stmt_step(s)) == DB_ROW) {
		json_t *m = stmt_text(s, 2) ? json_loads(stmt_text(s, 2), 0, NULL) : NULL;
		json_array_append_new(
		        a, json_pack("{s:s,s:I,s:o,s:o}", "number", stmt_text(s, 0), "group_id",
		                     (json_int_t)stmt_int(s, 1), "menu", m ? m : json_null(),
		                     "language",
		                     stmt_text(s, 3) ? json_string(stmt_text(s, 3)) : json_null()));
	}
	stmt_done(s);
	if (rc != DB_DONE) {
		json_decref(a);
		return rc;
	}
	*out = a;
	return 0;
}

int tel_store_entry_menu_set(struct db *db, const char *number, const char *menu)
{
	struct stmt *s;
	int err;

	err = db_prepare(db, &s, "UPDATE entry_numbers SET menu = ? WHERE number = ?", true);
	if (err)
		return err;
	stmt_bind_text(s, 1, menu);
	stmt_bind_text(s, 2, number);
	err = stmt_step(s);
	stmt_done(s);
	if (err != DB_DONE)
		return err;
	return db_changes(db) ? 0 : ENOENT;
}

int tel_store_entry_language_set(struct db *db, const char *number, const char *lang)
{
	struct stmt *s;
	int err;

	err = db_prepare(db, &s, "UPDATE entry_numbers SET language = ? WHERE number = ?", true);
	if (err)
		return err;
	stmt_bind_text(s, 1, lang && lang[0] ? lang : NULL);
	stmt_bind_text(s, 2, number);
	err = stmt_step(s);
	stmt_done(s);
	if (err != DB_DONE)
		return err;
	return db_changes(db) ? 0 : ENOENT;
}

void tel_store_entry_language(struct db *db, const char *number, char *lang, size_t n)
{
	struct stmt *s;

	lang[0] = '\0';
	if (db_prepare(db, &s, "SELECT language FROM entry_numbers WHERE number = ?", true) != 0)
		return;
	stmt_bind_text(s, 1, number);
	if (stmt_step(s) == DB_ROW && stmt_text(s, 0))
		(void)snprintf(lang, n, "%s", stmt_text(s, 0));
	stmt_done(s);
}

/* ---- trunks ---------------------------------------------------------------- */

static json_t *trunk_row(struct stmt *s)
{
	json_t *src = stmt_text(s, 2) ? json_loads(stmt_text(s, 2), 0, NULL) : NULL;

	return json_pack("{s:I,s:s,s:o,s:s?,s:b,s:b,s:s?,s:s?,s:b,s:I}", "id",
	                 (json_int_t)stmt_int(s, 0), "name", stmt_text(s, 1), "sources",
	                 json_is_array(src) ? src : (json_decref(src), json_array()), "username",
	                 stmt_text(s, 3), "digest", !stmt_is_null(s, 4), "outbound",
	                 stmt_int(s, 5) != 0, "proxy", stmt_text(s, 6), "from_number",
	                 stmt_text(s, 7), "active", stmt_int(s, 8) != 0, "updated_ms",
	                 (json_int_t)stmt_int(s, 9));
}

#define TRUNK_COLS                                                                                 \
	"id, name, sources, username, ha1, outbound, proxy, from_number, active, updated_ms"

int tel_store_trunks_json(struct db *db, int64_t id, json_t **out)
{
	struct stmt *s;
	json_t *a;
	int err, rc;

	err = db_prepare(db, &s,
	                 "SELECT " TRUNK_COLS " FROM tel_trunks WHERE (?1 = 0 OR id = ?1)"
	                 " ORDER BY id",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	a = json_array();
	while ((rc = stmt_step(s)) == DB_ROW)
		json_array_append_new(a, trunk_row(s));
	stmt_done(s);
	if (rc != DB_DONE) {
		json_decref(a);
		return rc;
	}
	if (id) {
		json_t *one = json_incref(json_array_get(a, 0));
		json_decref(a);
		if (!one)
			return ENOENT;
		*out = one;
		return 0;
	}
	*out = a;
	return 0;
}

int tel_store_trunk_put(struct db *db, int64_t *id, const struct tel_trunk *tr, int64_t now_ms)
{
	struct stmt *s;
	int err;

	if (*id)
		err = db_prepare(
		        db, &s,
		        "UPDATE tel_trunks SET name = ?1, sources = ?2, username = ?3,"
		        " ha1 = ?4, outbound = ?5, proxy = ?6, from_number = ?7, active = ?8,"
		        " updated_ms = ?9 WHERE id = ?10",
		        true);
	else
		err = db_prepare(
		        db, &s,
		        "INSERT INTO tel_trunks(name, sources, username, ha1, outbound, proxy,"
		        " from_number, active, updated_ms) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
		        true);
	if (err)
		return err;
	stmt_bind_text(s, 1, tr->name);
	stmt_bind_text(s, 2, tr->sources ? tr->sources : "[]");
	stmt_bind_text(s, 3, tr->username && tr->username[0] ? tr->username : NULL);
	stmt_bind_text(s, 4, tr->ha1[0] ? tr->ha1 : NULL);
	stmt_bind_int(s, 5, tr->outbound ? 1 : 0);
	stmt_bind_text(s, 6, tr->proxy && tr->proxy[0] ? tr->proxy : NULL);
	stmt_bind_text(s, 7, tr->from_number && tr->from_number[0] ? tr->from_number : NULL);
	stmt_bind_int(s, 8, tr->active ? 1 : 0);
	stmt_bind_int(s, 9, now_ms);
	if (*id)
		stmt_bind_int(s, 10, *id);
	err = stmt_step(s);
	stmt_done(s);
	if (err != DB_DONE)
		return err;
	if (!*id)
		*id = db_last_id(db);
	else if (!db_changes(db))
		return ENOENT;
	return 0;
}

int tel_store_trunk_ha1_of(struct db *db, int64_t id, char ha1[33])
{
	struct stmt *s;
	int err;

	ha1[0] = '\0';
	err = db_prepare(db, &s, "SELECT ha1 FROM tel_trunks WHERE id = ?", true);
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	err = ENOENT;
	if (stmt_step(s) == DB_ROW) {
		if (stmt_text(s, 0) && strlen(stmt_text(s, 0)) == 32)
			memcpy(ha1, stmt_text(s, 0), 33);
		err = 0;
	}
	stmt_done(s);
	return err;
}

int tel_store_trunk_delete(struct db *db, int64_t id)
{
	return delete_one(db, "DELETE FROM tel_trunks WHERE id = ?", id);
}

int tel_store_trunk_admit(struct db *db, const char *ip, int64_t *id, bool *digest_any)
{
	struct stmt *s;
	int err, rc;

	*id = 0;
	*digest_any = false;
	err = db_prepare(db, &s,
	                 "SELECT (SELECT t.id FROM tel_trunks t, json_each(t.sources) j"
	                 "  WHERE t.active = 1 AND j.value = ?1 ORDER BY t.id LIMIT 1),"
	                 " (SELECT count(*) FROM tel_trunks WHERE active = 1),"
	                 " (SELECT count(*) FROM tel_trunks WHERE active = 1 AND ha1 IS NOT NULL)",
	                 true);
	if (err)
		return err;
	stmt_bind_text(s, 1, ip);
	rc = stmt_step(s);
	err = ENOENT; /* no trunk configured: everyone is let in */
	if (rc == DB_ROW && stmt_int(s, 1) > 0) {
		err = 0;
		*id = stmt_is_null(s, 0) ? 0 : stmt_int(s, 0);
		*digest_any = stmt_int(s, 2) > 0;
	}
	stmt_done(s);
	return rc == DB_ROW ? err : rc;
}

int tel_store_trunk_digest(struct db *db, const char *username, int64_t *id, char ha1[33])
{
	return ha1_lookup(db,
	                  "SELECT id, ha1 FROM tel_trunks WHERE username = ? AND active = 1"
	                  " AND ha1 IS NOT NULL",
	                  username, id, ha1);
}

int tel_store_trunk_outbound(struct db *db, int64_t *id, char *proxy, size_t np, char *from,
                             size_t nf)
{
	struct stmt *s;
	int err;

	err = db_prepare(db, &s,
	                 "SELECT id, proxy, from_number FROM tel_trunks WHERE active = 1"
	                 " AND outbound = 1 AND proxy IS NOT NULL ORDER BY id LIMIT 1",
	                 true);
	if (err)
		return err;
	err = ENOENT;
	if (stmt_step(s) == DB_ROW) {
		*id = stmt_int(s, 0);
		(void)snprintf(proxy, np, "%s", stmt_text(s, 1));
		(void)snprintf(from, nf, "%s", stmt_text(s, 2) ? stmt_text(s, 2) : "");
		err = 0;
	}
	stmt_done(s);
	return err;
}

uint32_t tel_store_entry_group(struct db *db, const char *number)
{
	struct stmt *s;
	uint32_t group = 0;

	if (db_prepare(db, &s, "SELECT group_id FROM entry_numbers WHERE number = ?", true) != 0)
		return 0;
	stmt_bind_text(s, 1, number);
	if (stmt_step(s) == DB_ROW)
		group = (uint32_t)stmt_int(s, 0);
	stmt_done(s);
	return group;
}

json_t *tel_store_entry_menu(struct db *db, const char *number)
{
	struct stmt *s;
	json_t *menu = NULL;

	if (db_prepare(db, &s, "SELECT menu FROM entry_numbers WHERE number = ?", true) != 0)
		return NULL;
	stmt_bind_text(s, 1, number);
	if (stmt_step(s) == DB_ROW && stmt_text(s, 0)) {
		json_error_t je;
		menu = json_loads(stmt_text(s, 0), 0, &je);
		if (!json_is_object(menu)) {
			log_warn("tel.menu", "entry=%s error=\"not a JSON object: %s\"", number,
			         je.text);
			json_decref(menu);
			menu = NULL;
		}
	}
	stmt_done(s);
	return menu;
}

bool tel_store_group_announces(struct db *db, uint32_t group)
{
	struct stmt *s;
	bool on = false;

	if (db_prepare(db, &s, "SELECT announce_every_s FROM groups WHERE id = ?", true) != 0)
		return false;
	stmt_bind_int(s, 1, group);
	if (stmt_step(s) == DB_ROW)
		on = stmt_int(s, 0) > 0;
	stmt_done(s);
	return on;
}
