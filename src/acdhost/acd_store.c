/* The queue's tables: the append-only event log, the 15-minute rollups, and reading them back. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acdhost/acd_store.h"
#include "acdhost/acd_host_int.h"
#include "acdhost/acd_mail_int.h"
#include "acd/acd_stats.h"
#include "base/calendar.h"
#include "store/db.h"

/* Times are milliseconds here (the engine's unit), unlike the seconds of the case log:
 * waits and service levels are judged to the second and a wait of 60.4 s is not 60. */
static const struct migration acd_migrations[] = {
        {1, "queue event log and interval rollups",
         "CREATE TABLE acd_events ("
         " id INTEGER PRIMARY KEY,"
         " t_ms INTEGER NOT NULL,"
         " kind TEXT NOT NULL,"
         " call_id INTEGER,"
         " agent_id INTEGER,"
         " group_id INTEGER,"
         " to_group_id INTEGER,"
         " wait_ms INTEGER,"
         " talk_ms INTEGER,"
         " reason INTEGER,"
         " text TEXT"
         ") STRICT;"
         "CREATE INDEX acd_events_t ON acd_events(t_ms);"
         "CREATE INDEX acd_events_call ON acd_events(call_id);"
         "CREATE INDEX acd_events_agent ON acd_events(agent_id, id);"
         "CREATE TABLE acd_group_intervals ("
         " group_id INTEGER NOT NULL,"
         " start_ms INTEGER NOT NULL,"
         " offered INTEGER NOT NULL, answered INTEGER NOT NULL,"
         " answered_60 INTEGER NOT NULL, answered_180 INTEGER NOT NULL,"
         " abandoned INTEGER NOT NULL, short_abandoned INTEGER NOT NULL,"
         " overflowed INTEGER NOT NULL, closed INTEGER NOT NULL, forwarded INTEGER NOT NULL,"
         " callbacks_requested INTEGER NOT NULL, callbacks_answered INTEGER NOT NULL,"
         " callbacks_failed INTEGER NOT NULL,"
         " wait_answered_ms INTEGER NOT NULL, wait_abandoned_ms INTEGER NOT NULL,"
         " longest_wait_ms INTEGER NOT NULL, handled INTEGER NOT NULL,"
         " talk_ms INTEGER NOT NULL, wrapup_ms INTEGER NOT NULL,"
         " PRIMARY KEY (group_id, start_ms)"
         ") STRICT;"
         "CREATE INDEX acd_group_intervals_start ON acd_group_intervals(start_ms);"
         "CREATE TABLE acd_agent_intervals ("
         " agent_id INTEGER NOT NULL,"
         " start_ms INTEGER NOT NULL,"
         " logged_in_ms INTEGER NOT NULL, paused_ms INTEGER NOT NULL, ready_ms INTEGER NOT NULL,"
         " offered_ms INTEGER NOT NULL, talk_ms INTEGER NOT NULL, wrapup_ms INTEGER NOT NULL,"
         " no_answers INTEGER NOT NULL,"
         " PRIMARY KEY (agent_id, start_ms)"
         ") STRICT;"
         "CREATE TABLE acd_state ("
         " key TEXT PRIMARY KEY,"
         " value INTEGER NOT NULL"
         ") STRICT;"},
};

/* Languages have their own migration module, so the queue's own numbering stays free. */
static const struct migration lang_migrations[] = {
        {1, "agents' languages (a group's language_widen_s is core migration 14)",
         "CREATE TABLE agent_languages ("
         " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
         " lang TEXT NOT NULL CHECK (length(lang) BETWEEN 2 AND 3 AND lang NOT GLOB '*[^a-z]*'),"
         " PRIMARY KEY (user_id, lang)"
         ") STRICT;"},
};

int acd_store_migrate(struct db *db)
{
	int err = db_migrate(db, "acd", acd_migrations,
	                     sizeof(acd_migrations) / sizeof(acd_migrations[0]));

	if (!err)
		err = db_migrate(db, "acd_lang", lang_migrations,
		                 sizeof(lang_migrations) / sizeof(lang_migrations[0]));
	return err ? err : acd_mail_store_migrate(db); /* e-mail in the queue: acd_mail_store.c */
}

/* ======================================================================
 * Agents' languages
 * ====================================================================== */

bool acd_store_lang_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 2 || n > 3)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	return true;
}

int acd_store_agent_languages_set(struct db *db, int64_t user, const char *const *langs, int n)
{
	struct stmt *s;
	int err;

	if (!db || n < 0 || n > ACD_MAX_LANGS || (n && !langs))
		return EINVAL;
	for (int i = 0; i < n; i++)
		if (!acd_store_lang_ok(langs[i]))
			return EINVAL;
	if (!db_scalar_int(db, "SELECT count(*) FROM users WHERE id = ?", user))
		return ENOENT;
	if ((err = db_begin(db)) != 0)
		return err;
	err = db_prepare(db, &s, "DELETE FROM agent_languages WHERE user_id = ?", true);
	if (!err) {
		stmt_bind_int(s, 1, user);
		err = stmt_step(s);
		stmt_done(s);
		err = err == DB_DONE ? 0 : err;
	}
	for (int i = 0; !err && i < n; i++) {
		err = db_prepare(
		        db, &s, "INSERT OR IGNORE INTO agent_languages(user_id, lang) VALUES (?,?)",
		        true);
		if (err)
			break;
		stmt_bind_int(s, 1, user);
		stmt_bind_text(s, 2, langs[i]);
		err = stmt_step(s);
		stmt_done(s);
		err = err == DB_DONE ? 0 : err;
	}
	if (err) {
		db_rollback(db);
		return err;
	}
	return db_commit(db);
}

int acd_store_agent_languages(struct db *db, int64_t user, json_t **out)
{
	struct stmt *s;
	int err = db_prepare(
	        db, &s, "SELECT lang FROM agent_languages WHERE user_id = ? ORDER BY rowid", true);

	*out = NULL;
	if (err)
		return err;
	if (!db_scalar_int(db, "SELECT count(*) FROM users WHERE id = ?", user)) {
		stmt_done(s);
		return ENOENT;
	}
	*out = json_array();
	stmt_bind_int(s, 1, user);
	while ((err = stmt_step(s)) == DB_ROW)
		json_array_append_new(*out, json_string(stmt_text(s, 0)));
	stmt_done(s);
	if (err != DB_DONE) {
		json_decref(*out);
		*out = NULL;
		return err;
	}
	return 0;
}

int acd_store_languages_each(struct db *db, acd_store_lang_h *h, void *arg)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "SELECT user_id, lang FROM agent_languages ORDER BY user_id, rowid",
	                     true),
	    rc;

	if (err)
		return err;
	while ((rc = stmt_step(s)) == DB_ROW) {
		err = h((uint32_t)stmt_int(s, 0), stmt_text(s, 1), arg);
		if (err)
			break;
	}
	stmt_done(s);
	if (err)
		return err;
	return rc == DB_DONE ? 0 : rc;
}

/* ======================================================================
 * Writing
 * ====================================================================== */

int acd_store_event(struct db *db, const struct acd_event *ev)
{
	struct stmt *s;
	int err = db_prepare(
	        db, &s,
	        "INSERT INTO acd_events(t_ms, kind, call_id, agent_id, group_id, to_group_id,"
	        " wait_ms, talk_ms, reason, text) VALUES (?,?,?,?,?,?,?,?,?,?)",
	        true);

	if (err)
		return err;
	stmt_bind_int(s, 1, ev->t_ms);
	stmt_bind_text(s, 2, acd_event_kind_name(ev->kind));
	stmt_bind_id(s, 3, (int64_t)ev->call);
	stmt_bind_id(s, 4, ev->agent);
	stmt_bind_id(s, 5, ev->group);
	stmt_bind_id(s, 6, ev->to_group);
	stmt_bind_id(s, 7, ev->wait_ms);
	stmt_bind_id(s, 8, ev->talk_ms);
	stmt_bind_id(s, 9, ev->reason);
	stmt_bind_text(s, 10, ev->text[0] ? ev->text : NULL);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

static int store_group_row(struct db *db, const struct acd_group_interval *g)
{
	struct stmt *s;
	int err = db_prepare(
	        db, &s,
	        "INSERT INTO acd_group_intervals(group_id, start_ms, offered, answered, "
	        "answered_60,"
	        " answered_180, abandoned, short_abandoned, overflowed, closed, forwarded,"
	        " callbacks_requested, callbacks_answered, callbacks_failed, wait_answered_ms,"
	        " wait_abandoned_ms, longest_wait_ms, handled, talk_ms, wrapup_ms)"
	        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
	        " ON CONFLICT(group_id, start_ms) DO UPDATE SET offered = excluded.offered,"
	        " answered = excluded.answered, answered_60 = excluded.answered_60,"
	        " answered_180 = excluded.answered_180, abandoned = excluded.abandoned,"
	        " short_abandoned = excluded.short_abandoned, overflowed = excluded.overflowed,"
	        " closed = excluded.closed, forwarded = excluded.forwarded,"
	        " callbacks_requested = excluded.callbacks_requested,"
	        " callbacks_answered = excluded.callbacks_answered,"
	        " callbacks_failed = excluded.callbacks_failed,"
	        " wait_answered_ms = excluded.wait_answered_ms,"
	        " wait_abandoned_ms = excluded.wait_abandoned_ms,"
	        " longest_wait_ms = excluded.longest_wait_ms, handled = excluded.handled,"
	        " talk_ms = excluded.talk_ms, wrapup_ms = excluded.wrapup_ms",
	        true);
	int64_t v[] = {g->group,
	               g->start_ms,
	               g->offered,
	               g->answered,
	               g->answered_60,
	               g->answered_180,
	               g->abandoned,
	               g->short_abandoned,
	               g->overflowed,
	               g->closed,
	               g->forwarded,
	               g->callbacks_requested,
	               g->callbacks_answered,
	               g->callbacks_failed,
	               g->wait_answered_ms,
	               g->wait_abandoned_ms,
	               g->longest_wait_ms,
	               g->handled,
	               g->talk_ms,
	               g->wrapup_ms};

	if (err)
		return err;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		stmt_bind_int(s, (int)i + 1, v[i]);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

static int store_agent_row(struct db *db, const struct acd_agent_interval *a)
{
	struct stmt *s;
	int err =
	        db_prepare(db, &s,
	                   "INSERT INTO acd_agent_intervals(agent_id, start_ms, logged_in_ms, "
	                   "paused_ms, ready_ms,"
	                   " offered_ms, talk_ms, wrapup_ms, no_answers) VALUES (?,?,?,?,?,?,?,?,?)"
	                   " ON CONFLICT(agent_id, start_ms) DO UPDATE SET logged_in_ms = "
	                   "excluded.logged_in_ms,"
	                   " paused_ms = excluded.paused_ms, ready_ms = excluded.ready_ms,"
	                   " offered_ms = excluded.offered_ms, talk_ms = excluded.talk_ms,"
	                   " wrapup_ms = excluded.wrapup_ms, no_answers = excluded.no_answers",
	                   true);
	int64_t v[] = {a->agent,      a->start_ms, a->logged_in_ms, a->paused_ms, a->ready_ms,
	               a->offered_ms, a->talk_ms,  a->wrapup_ms,    a->no_answers};

	if (err)
		return err;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		stmt_bind_int(s, (int)i + 1, v[i]);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

int acd_store_state_set(struct db *db, const char *key, int64_t value)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "INSERT INTO acd_state(key, value) VALUES (?,?)"
	                     " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	                     true);

	if (err)
		return err;
	stmt_bind_text(s, 1, key);
	stmt_bind_int(s, 2, value);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

int64_t acd_store_state_get(struct db *db, const char *key)
{
	struct stmt *s;
	int64_t v = 0;

	if (db_prepare(db, &s, "SELECT value FROM acd_state WHERE key = ?", true))
		return 0;
	stmt_bind_text(s, 1, key);
	if (stmt_step(s) == DB_ROW)
		v = stmt_int(s, 0);
	stmt_done(s);
	return v;
}

/* Rows starting at or after `from_ms` replace what the table holds for them. */
int acd_store_rollups(struct db *db, const struct acd_stats *st, int64_t from_ms)
{
	struct acd_group_interval g;
	struct acd_agent_interval a;
	size_t i = 0;
	int err = 0;

	while (!err && acd_stats_next_group(st, &i, &g))
		if (g.start_ms >= from_ms)
			err = store_group_row(db, &g);
	i = 0;
	while (!err && acd_stats_next_agent(st, &i, &a))
		if (a.start_ms >= from_ms)
			err = store_agent_row(db, &a);
	return err;
}

/* ======================================================================
 * Reading
 * ====================================================================== */

static void row_event(struct stmt *s, struct acd_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->t_ms = stmt_int(s, 1);
	if (acd_event_kind_parse(stmt_text(s, 2), &ev->kind) != 0)
		ev->kind = 0;
	ev->call = (uint64_t)stmt_int(s, 3);
	ev->agent = (uint32_t)stmt_int(s, 4);
	ev->group = (uint32_t)stmt_int(s, 5);
	ev->to_group = (uint32_t)stmt_int(s, 6);
	ev->wait_ms = stmt_int(s, 7);
	ev->talk_ms = stmt_int(s, 8);
	ev->reason = (int)stmt_int(s, 9);
	if (!stmt_is_null(s, 10))
		snprintf(ev->text, sizeof(ev->text), "%s", stmt_text(s, 10));
}

#define EVENT_COLUMNS                                                                              \
	"SELECT id, t_ms, kind, call_id, agent_id, group_id, to_group_id, wait_ms, talk_ms,"       \
	" reason, text FROM acd_events"

int acd_store_fold(struct db *db, int64_t from_ms, struct acd_stats *st)
{
	struct acd_event ev;
	struct stmt *s;
	int err = db_prepare(db, &s, EVENT_COLUMNS " WHERE t_ms >= ? ORDER BY id", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, from_ms);
	while ((err = stmt_step(s)) == DB_ROW) {
		row_event(s, &ev);
		if (ev.kind)
			acd_stats_add(st, &ev);
	}
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

int64_t acd_store_max_call(struct db *db)
{
	return db_scalar_intv(db, "SELECT MAX(call_id) FROM acd_events", NULL, 0);
}

int64_t acd_store_last_t(struct db *db)
{
	return db_scalar_intv(db, "SELECT MAX(t_ms) FROM acd_events", NULL, 0);
}

int64_t acd_store_call_arrival(struct db *db, int64_t call)
{
	return db_scalar_int(db, "SELECT MIN(t_ms) FROM acd_events WHERE call_id = ?", call);
}

int acd_store_logged_in(struct db *db, struct acd_agent_last **agents, size_t *n)
{
	struct stmt *s;
	struct acd_agent_last *out = NULL;
	size_t cnt = 0, cap = 0;
	int err = db_prepare(db, &s,
	                     "SELECT e.agent_id, e.kind, e.reason FROM acd_events e"
	                     " JOIN (SELECT agent_id, MAX(id) AS last FROM acd_events"
	                     "  WHERE kind IN ('agent_login','agent_logout','agent_ready',"
	                     "  'agent_paused') GROUP BY agent_id) l"
	                     " ON l.last = e.id",
	                     true);

	*agents = NULL;
	*n = 0;
	if (err)
		return err;
	while ((err = stmt_step(s)) == DB_ROW) {
		const char *kind = stmt_text(s, 1);

		if (strcmp(kind, "agent_logout") == 0)
			continue;
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct acd_agent_last *p = realloc(out, nc * sizeof(*p));
			if (!p) {
				err = ENOMEM;
				break;
			}
			out = p;
			cap = nc;
		}
		out[cnt].agent = (uint32_t)stmt_int(s, 0);
		out[cnt].state =
		        strcmp(kind, "agent_ready") == 0 ? ACD_AGENT_READY : ACD_AGENT_PAUSED;
		out[cnt].reason = strcmp(kind, "agent_paused") == 0 ? (int)stmt_int(s, 2) : 0;
		cnt++;
	}
	stmt_done(s);
	if (err != DB_DONE) {
		free(out);
		return err;
	}
	*agents = out;
	*n = cnt;
	return 0;
}

json_t *acd_ms_time(int64_t ms)
{
	char buf[21];

	calendar_format_iso8601(ms / 1000, buf);
	return json_string(buf);
}

/* Rates to four decimals and seconds to milliseconds: what a report shows, without
 * binary fractions like 1.0409999999999999. */
static json_t *real4(double v)
{
	return json_real(round(v * 10000.0) / 10000.0);
}

static json_t *totals_json(const struct acd_totals *t)
{
	json_t *o = json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "offered",
	                      t->offered, "answered", t->answered, "answered_60", t->answered_60,
	                      "answered_180", t->answered_180, "abandoned", t->abandoned,
	                      "short_abandoned", t->short_abandoned, "overflowed", t->overflowed,
	                      "closed", t->closed, "forwarded", t->forwarded, "callbacks_requested",
	                      t->callbacks_requested, "callbacks_answered", t->callbacks_answered,
	                      "handled", t->handled);

	json_object_set_new(o, "service_level_60", real4(t->service_level_60));
	json_object_set_new(o, "service_level_180", real4(t->service_level_180));
	json_object_set_new(o, "asa_s", real4(t->asa_s));
	json_object_set_new(o, "aht_s", real4(t->aht_s));
	json_object_set_new(o, "abandon_rate", real4(t->abandon_rate));
	json_object_set_new(o, "longest_wait_s", real4((double)t->longest_wait_ms / 1000.0));
	return o;
}

json_t *acd_totals_json(const struct acd_totals *t)
{
	return totals_json(t);
}

/* Agent time over the period, for the group's members (or everyone): occupancy is
 * talk and wrap-up over time logged in and not paused. Login rate needs scheduled time,
 * which the schedules (wfm/) hold: the API fills it in; null here. */
static int agent_time(struct db *db, uint32_t group, int64_t from_ms, int64_t to_ms, json_t **out)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "SELECT COALESCE(SUM(logged_in_ms),0), COALESCE(SUM(paused_ms),0),"
	                     " COALESCE(SUM(ready_ms),0), COALESCE(SUM(offered_ms),0),"
	                     " COALESCE(SUM(talk_ms),0), COALESCE(SUM(wrapup_ms),0),"
	                     " COALESCE(SUM(no_answers),0) FROM acd_agent_intervals"
	                     " WHERE start_ms >= ? AND start_ms < ? AND (? = 0 OR agent_id IN"
	                     " (SELECT user_id FROM user_groups WHERE group_id = ?))",
	                     true);
	int64_t v[7] = {0};

	if (err)
		return err;
	stmt_bind_int(s, 1, from_ms);
	stmt_bind_int(s, 2, to_ms);
	stmt_bind_int(s, 3, group);
	stmt_bind_int(s, 4, group);
	err = stmt_step(s);
	if (err == DB_ROW)
		for (int i = 0; i < 7; i++)
			v[i] = stmt_int(s, i);
	stmt_done(s);
	if (err != DB_ROW)
		return err == DB_DONE ? EIO : err;
	int64_t available = v[0] - v[1];
	*out = json_pack(
	        "{s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:o,s:n}", "logged_in_s",
	        real4((double)v[0] / 1000.0), "paused_s", real4((double)v[1] / 1000.0), "ready_s",
	        real4((double)v[2] / 1000.0), "offered_s", real4((double)v[3] / 1000.0), "talk_s",
	        real4((double)v[4] / 1000.0), "wrapup_s", real4((double)v[5] / 1000.0),
	        "no_answers", (json_int_t)v[6], "occupancy",
	        available > 0 ? real4((double)(v[4] + v[5]) / (double)available) : json_null(),
	        "login_rate");
	return 0;
}

int acd_store_intervals(struct db *db, uint32_t group, int64_t from_ms, int64_t to_ms, json_t **out)
{
	static const char q[] =
	        "SELECT group_id, start_ms, offered, answered, answered_60, answered_180, "
	        "abandoned,"
	        " short_abandoned, overflowed, closed, forwarded, callbacks_requested,"
	        " callbacks_answered, callbacks_failed, wait_answered_ms, wait_abandoned_ms,"
	        " longest_wait_ms, handled, talk_ms, wrapup_ms FROM acd_group_intervals"
	        " WHERE start_ms >= ? AND start_ms < ? AND (? = 0 OR group_id = ?)"
	        " ORDER BY start_ms, group_id";
	struct acd_totals t;
	struct stmt *s;
	json_t *list = json_array();
	int err = db_prepare(db, &s, q, true);

	if (err) {
		json_decref(list);
		return err;
	}
	memset(&t, 0, sizeof(t));
	stmt_bind_int(s, 1, from_ms);
	stmt_bind_int(s, 2, to_ms);
	stmt_bind_int(s, 3, group);
	stmt_bind_int(s, 4, group);
	while ((err = stmt_step(s)) == DB_ROW) {
		struct acd_group_interval g = {
		        .group = (uint32_t)stmt_int(s, 0),
		        .start_ms = stmt_int(s, 1),
		        .offered = (int)stmt_int(s, 2),
		        .answered = (int)stmt_int(s, 3),
		        .answered_60 = (int)stmt_int(s, 4),
		        .answered_180 = (int)stmt_int(s, 5),
		        .abandoned = (int)stmt_int(s, 6),
		        .short_abandoned = (int)stmt_int(s, 7),
		        .overflowed = (int)stmt_int(s, 8),
		        .closed = (int)stmt_int(s, 9),
		        .forwarded = (int)stmt_int(s, 10),
		        .callbacks_requested = (int)stmt_int(s, 11),
		        .callbacks_answered = (int)stmt_int(s, 12),
		        .callbacks_failed = (int)stmt_int(s, 13),
		        .wait_answered_ms = stmt_int(s, 14),
		        .wait_abandoned_ms = stmt_int(s, 15),
		        .longest_wait_ms = stmt_int(s, 16),
		        .handled = (int)stmt_int(s, 17),
		        .talk_ms = stmt_int(s, 18),
		        .wrapup_ms = stmt_int(s, 19),
		};
		struct acd_totals one;
		json_t *o;

		acd_totals_add(&t, &g);
		memset(&one, 0, sizeof(one));
		acd_totals_add(&one, &g);
		acd_totals_finish(&one);
		o = totals_json(&one);
		json_object_set_new(o, "group_id", json_integer(g.group));
		json_object_set_new(o, "start", acd_ms_time(g.start_ms));
		json_object_set_new(o, "callbacks_failed", json_integer(g.callbacks_failed));
		json_array_append_new(list, o);
	}
	stmt_done(s);
	if (err != DB_DONE) {
		json_decref(list);
		return err;
	}
	acd_totals_finish(&t);
	json_t *agents = NULL;
	err = agent_time(db, group, from_ms, to_ms, &agents);
	if (err) {
		json_decref(list);
		return err;
	}
	*out = json_pack("{s:o,s:o,s:o}", "intervals", list, "totals", totals_json(&t), "agents",
	                 agents);
	return 0;
}

int acd_store_events(struct db *db, int64_t after_id, int64_t limit, int64_t offset, json_t **out,
                     int64_t *total)
{
	struct stmt *s;
	json_t *list;
	int64_t last = after_id;
	int err = db_prepare(db, &s, "SELECT COUNT(*) FROM acd_events WHERE id > ?", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, after_id);
	*total = stmt_step(s) == DB_ROW ? stmt_int(s, 0) : 0;
	stmt_done(s);
	err = db_prepare(db, &s, EVENT_COLUMNS " WHERE id > ? ORDER BY id LIMIT ? OFFSET ?", true);
	if (err)
		return err;
	list = json_array();
	stmt_bind_int(s, 1, after_id);
	stmt_bind_int(s, 2, limit);
	stmt_bind_int(s, 3, offset);
	while ((err = stmt_step(s)) == DB_ROW) {
		json_t *o = json_pack("{s:I,s:s}", "id", (json_int_t)stmt_int(s, 0), "kind",
		                      stmt_text(s, 2));
		static const char *const names[] = {"call_id",     "agent_id", "group_id",
		                                    "to_group_id", "wait_ms",  "talk_ms",
		                                    "reason"};

		last = stmt_int(s, 0);
		json_object_set_new(o, "at", acd_ms_time(stmt_int(s, 1)));
		json_object_set_new(o, "t_ms", json_integer(stmt_int(s, 1)));
		for (int c = 0; c < 7; c++)
			if (!stmt_is_null(s, 3 + c))
				json_object_set_new(o, names[c], json_integer(stmt_int(s, 3 + c)));
		if (!stmt_is_null(s, 10))
			json_object_set_new(o, "text", json_string(stmt_text(s, 10)));
		json_array_append_new(list, o);
	}
	stmt_done(s);
	if (err != DB_DONE) {
		json_decref(list);
		return err;
	}
	*out = json_pack("{s:o,s:I}", "items", list, "next_after", (json_int_t)last);
	return 0;
}

int acd_store_agent_sums(struct db *db, int64_t agent, int64_t from_ms, int64_t to_ms,
                         struct acd_agent_sums *out)
{
	struct stmt *s;
	int err;

	memset(out, 0, sizeof(*out));
	err = db_prepare(db, &s,
	                 "SELECT COUNT(*) FROM acd_events WHERE agent_id = ? AND"
	                 " kind = 'call_answered' AND t_ms >= ? AND t_ms < ?",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, agent);
	stmt_bind_int(s, 2, from_ms);
	stmt_bind_int(s, 3, to_ms);
	if (stmt_step(s) == DB_ROW)
		out->answered = stmt_int(s, 0);
	stmt_done(s);
	err = db_prepare(db, &s,
	                 "SELECT COALESCE(SUM(logged_in_ms),0), COALESCE(SUM(ready_ms),0),"
	                 " COALESCE(SUM(paused_ms),0), COALESCE(SUM(talk_ms),0),"
	                 " COALESCE(SUM(wrapup_ms),0), COALESCE(SUM(no_answers),0)"
	                 " FROM acd_agent_intervals WHERE agent_id = ? AND start_ms >= ?"
	                 " AND start_ms < ?",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, agent);
	stmt_bind_int(s, 2, from_ms);
	stmt_bind_int(s, 3, to_ms);
	if (stmt_step(s) == DB_ROW) {
		out->logged_in_ms = stmt_int(s, 0);
		out->ready_ms = stmt_int(s, 1);
		out->paused_ms = stmt_int(s, 2);
		out->talk_ms = stmt_int(s, 3);
		out->wrapup_ms = stmt_int(s, 4);
		out->no_answers = stmt_int(s, 5);
	}
	stmt_done(s);
	return 0;
}

/* ======================================================================
 * What the queue host loads: groups, closures, agents' memberships
 * ====================================================================== */

static int64_t col_ms(struct stmt *s, int col)
{
	return stmt_is_null(s, col) ? 0 : stmt_int(s, col) * 1000;
}

static void col_text(struct stmt *s, int col, char *out, size_t n)
{
	out[0] = '\0';
	if (!stmt_is_null(s, col))
		snprintf(out, n, "%s", stmt_text(s, col));
}

int acd_store_groups_each(struct db *db, acd_store_group_h *h, void *arg)
{
	static const char q[] =
	        "SELECT id, name, priority, wrapup_s, max_wait_s, max_queue, overflow_group_id,"
	        " overflow_number, widen_after_s, offer_timeout_s, callback_threshold_s,"
	        " callback_retry_s, callback_attempts, aht_s, announce_every_s, urgent_number,"
	        " opening_hours, active, language_widen_s FROM groups ORDER BY id";
	struct stmt *s;
	int err = db_prepare(db, &s, q, true), rc = DB_DONE;

	if (err)
		return err;
	while ((rc = stmt_step(s)) == DB_ROW) {
		struct acd_store_group g;

		memset(&g, 0, sizeof(g));
		g.cfg.id = (uint32_t)stmt_int(s, 0);
		col_text(s, 1, g.name, sizeof(g.name));
		g.cfg.priority = (int)stmt_int(s, 2);
		g.cfg.wrapup_ms = col_ms(s, 3);
		g.cfg.max_wait_ms = col_ms(s, 4);
		g.cfg.max_queue = (int)stmt_int(s, 5);
		g.cfg.overflow_group = (uint32_t)stmt_int(s, 6);
		col_text(s, 7, g.cfg.overflow_number, sizeof(g.cfg.overflow_number));
		g.cfg.widen_after_ms = col_ms(s, 8);
		g.cfg.offer_timeout_ms = col_ms(s, 9);
		g.cfg.callback_offer_ms = col_ms(s, 10);
		g.cfg.callback_retry_ms = col_ms(s, 11);
		g.cfg.callback_max_attempts = (int)stmt_int(s, 12);
		g.cfg.aht_ms = col_ms(s, 13);
		g.cfg.announce_every_ms = col_ms(s, 14);
		col_text(s, 15, g.cfg.urgent_number, sizeof(g.cfg.urgent_number));
		g.hours = stmt_is_null(s, 16) ? NULL : stmt_text(s, 16);
		g.active = stmt_int(s, 17) != 0;
		g.cfg.language_widen_ms = col_ms(s, 18);
		err = h(&g, arg);
		if (err)
			break;
	}
	stmt_done(s);
	if (err)
		return err;
	return rc == DB_DONE ? 0 : rc;
}

int acd_store_closures(struct db *db, uint32_t group, int64_t now_ms, struct acd_closure **out,
                       int *n)
{
	struct stmt *s;
	int err = db_prepare(
	        db, &s,
	        "SELECT starts_at, ends_at FROM closures WHERE group_id = ? AND ends_at > ?"
	        " ORDER BY starts_at",
	        true);
	int cap = 0;

	*out = NULL;
	*n = 0;
	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	stmt_bind_int(s, 2, now_ms / 1000);
	while ((err = stmt_step(s)) == DB_ROW) {
		if (*n == cap) {
			int nc = cap ? cap * 2 : 4;
			struct acd_closure *p = realloc(*out, (size_t)nc * sizeof(*p));
			if (!p) {
				err = ENOMEM;
				break;
			}
			*out = p;
			cap = nc;
		}
		(*out)[*n].from_ms = stmt_int(s, 0) * 1000;
		(*out)[*n].to_ms = stmt_int(s, 1) * 1000;
		(*n)++;
	}
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

int acd_store_members_each(struct db *db, acd_store_member_h *h, void *arg)
{
	static const char q[] = "SELECT u.id, ug.group_id, ug.skill, u.active, u.role FROM users u"
	                        " LEFT JOIN user_groups ug ON ug.user_id = u.id ORDER BY u.id";
	struct stmt *s;
	int err = db_prepare(db, &s, q, true), rc = DB_DONE;

	if (err)
		return err;
	while ((rc = stmt_step(s)) == DB_ROW) {
		const char *role = stmt_text(s, 4);
		struct acd_store_member m = {
		        .user = (uint32_t)stmt_int(s, 0),
		        .group = stmt_is_null(s, 1) ? 0 : (uint32_t)stmt_int(s, 1),
		        .level = (int)stmt_int(s, 2),
		        .takes_calls =
		                stmt_int(s, 3) && role &&
		                (strcmp(role, "agent") == 0 || strcmp(role, "group_lead") == 0),
		};

		err = h(&m, arg);
		if (err)
			break;
	}
	stmt_done(s);
	if (err)
		return err;
	return rc == DB_DONE ? 0 : rc;
}
