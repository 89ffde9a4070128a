/* Workforce management's tables (schedules, targets) and the queue's history read back. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/calendar.h"
#include "base/hours.h"
#include "store/db.h"
#include "wfm/wfm_store.h"

/* Times are seconds, as in closures and the case log; the queue's rollups are read in
 * their milliseconds. */
static const struct migration wfm_migrations[] = {
        {1, "schedules: shifts, breaks, meetings, absence; staffing targets per group",
         "CREATE TABLE wfm_entries ("
         " id INTEGER PRIMARY KEY,"
         " kind TEXT NOT NULL CHECK (kind IN ('shift','meeting','sick','vacation','training')),"
         " user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,"
         " group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
         " starts_at INTEGER NOT NULL,"
         " ends_at INTEGER NOT NULL,"
         " closure_id INTEGER REFERENCES closures(id) ON DELETE SET NULL,"
         " note TEXT,"
         " CHECK (ends_at > starts_at),"
         " CHECK (user_id IS NOT NULL OR kind = 'meeting')"
         ") STRICT;"
         "CREATE INDEX wfm_entries_group ON wfm_entries(group_id, starts_at);"
         "CREATE INDEX wfm_entries_user ON wfm_entries(user_id, starts_at);"
         "CREATE TABLE wfm_breaks ("
         " entry_id INTEGER NOT NULL REFERENCES wfm_entries(id) ON DELETE CASCADE,"
         " starts_at INTEGER NOT NULL,"
         " ends_at INTEGER NOT NULL,"
         " CHECK (ends_at > starts_at)"
         ") STRICT;"
         "CREATE INDEX wfm_breaks_entry ON wfm_breaks(entry_id);"
         "CREATE TABLE wfm_targets ("
         " group_id INTEGER PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,"
         " service_level REAL NOT NULL CHECK (service_level > 0 AND service_level <= 1),"
         " target_time_s INTEGER NOT NULL CHECK (target_time_s >= 0),"
         " shrinkage REAL NOT NULL CHECK (shrinkage >= 0 AND shrinkage < 1),"
         " max_occupancy REAL NOT NULL CHECK (max_occupancy > 0 AND max_occupancy <= 1)"
         ") STRICT;"},
};

int wfm_store_migrate(struct db *db)
{
	return db_migrate(db, "wfm", wfm_migrations,
	                  sizeof(wfm_migrations) / sizeof(wfm_migrations[0]));
}

static const char *const kind_names[WFM_KINDS] = {"shift", "meeting", "sick", "vacation",
                                                  "training"};

const char *wfm_kind_name(enum wfm_kind k)
{
	return k >= 0 && k < WFM_KINDS ? kind_names[k] : "shift";
}

int wfm_kind_parse(const char *s)
{
	for (int i = 0; s && i < WFM_KINDS; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return -1;
}

static int done(struct stmt *s)
{
	int err = stmt_step(s);

	stmt_done(s);
	return err == DB_DONE ? 0 : err == DB_ROW ? EIO : err;
}

static void bind_opt(struct stmt *s, int idx, int64_t v)
{
	if (v)
		stmt_bind_int(s, idx, v);
	else
		stmt_bind_null(s, idx);
}

/* ======================================================================
 * Schedule entries
 * ====================================================================== */

static int closure_write(struct db *db, struct wfm_entry *e)
{
	char reason[240];
	struct stmt *s;
	int err;

	snprintf(reason, sizeof(reason), "Möte%s%s", e->note[0] ? ": " : "", e->note);
	if (e->closure) {
		err = db_prepare(db, &s,
		                 "UPDATE closures SET group_id = ?, starts_at = ?, ends_at = ?,"
		                 " reason = ? WHERE id = ?",
		                 true);
		if (err)
			return err;
		stmt_bind_int(s, 5, e->closure);
	} else {
		err = db_prepare(db, &s,
		                 "INSERT INTO closures(group_id, starts_at, ends_at, reason)"
		                 " VALUES (?,?,?,?)",
		                 true);
		if (err)
			return err;
	}
	stmt_bind_int(s, 1, e->group);
	stmt_bind_int(s, 2, e->from);
	stmt_bind_int(s, 3, e->to);
	stmt_bind_text(s, 4, reason);
	err = done(s);
	if (!err && !e->closure)
		e->closure = db_last_id(db);
	return err;
}

static int closure_delete(struct db *db, int64_t id)
{
	struct stmt *s;
	int err;

	if (!id)
		return 0;
	err = db_prepare(db, &s, "DELETE FROM closures WHERE id = ?", true);
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	return done(s);
}

static int breaks_write(struct db *db, const struct wfm_entry *e)
{
	struct stmt *s;
	int err = db_prepare(db, &s, "DELETE FROM wfm_breaks WHERE entry_id = ?", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, e->id);
	err = done(s);
	for (int i = 0; !err && i < e->n_breaks; i++) {
		err = db_prepare(
		        db, &s,
		        "INSERT INTO wfm_breaks(entry_id, starts_at, ends_at) VALUES (?,?,?)",
		        true);
		if (err)
			break;
		stmt_bind_int(s, 1, e->id);
		stmt_bind_int(s, 2, e->breaks[i].from);
		stmt_bind_int(s, 3, e->breaks[i].to);
		err = done(s);
	}
	return err;
}

/* Closure, row and breaks, in one savepoint. */
static int entry_write(struct db *db, struct wfm_entry *e, bool insert)
{
	struct stmt *s;
	int err = db_begin(db);

	if (err)
		return err;
	if (e->kind == WFM_MEETING && e->closes_group)
		err = closure_write(db, e);
	else if (e->closure) {
		err = closure_delete(db, e->closure);
		e->closure = 0;
	}
	if (!err)
		err = db_prepare(
		        db, &s,
		        insert ? "INSERT INTO wfm_entries(kind, user_id, group_id, starts_at,"
		                 " ends_at, closure_id, note) VALUES (?,?,?,?,?,?,?)"
		               : "UPDATE wfm_entries SET kind = ?, user_id = ?, group_id = ?,"
		                 " starts_at = ?, ends_at = ?, closure_id = ?, note = ?"
		                 " WHERE id = ?",
		        true);
	if (!err) {
		stmt_bind_text(s, 1, wfm_kind_name(e->kind));
		bind_opt(s, 2, e->user);
		stmt_bind_int(s, 3, e->group);
		stmt_bind_int(s, 4, e->from);
		stmt_bind_int(s, 5, e->to);
		bind_opt(s, 6, e->closure);
		stmt_bind_text(s, 7, e->note[0] ? e->note : NULL);
		if (!insert)
			stmt_bind_int(s, 8, e->id);
		err = done(s);
	}
	if (!err && insert)
		e->id = db_last_id(db);
	else if (!err && db_changes(db) == 0)
		err = ENOENT;
	if (!err)
		err = breaks_write(db, e);
	if (!err)
		err = db_commit(db);
	if (err)
		db_rollback(db);
	return err;
}

int wfm_entry_insert(struct db *db, struct wfm_entry *e)
{
	e->closure = 0;
	return entry_write(db, e, true);
}

int wfm_entry_update(struct db *db, struct wfm_entry *e)
{
	return entry_write(db, e, false);
}

int wfm_entry_delete(struct db *db, int64_t id)
{
	struct wfm_entry e;
	struct stmt *s;
	int err = wfm_entry_get(db, id, &e);

	if (err)
		return err;
	err = db_begin(db);
	if (err)
		return err;
	err = closure_delete(db, e.closure);
	if (!err)
		err = db_prepare(db, &s, "DELETE FROM wfm_entries WHERE id = ?", true);
	if (!err) {
		stmt_bind_int(s, 1, id);
		err = done(s);
	}
	if (!err)
		err = db_commit(db);
	if (err)
		db_rollback(db);
	return err;
}

#define ENTRY_COLS                                                                                 \
	"id, kind, COALESCE(user_id, 0), group_id, starts_at, ends_at,"                            \
	" COALESCE(closure_id, 0), COALESCE(note, '')"

static void entry_row(struct stmt *s, struct wfm_entry *e)
{
	int k = wfm_kind_parse(stmt_text(s, 1));

	memset(e, 0, sizeof(*e));
	e->id = stmt_int(s, 0);
	e->kind = k < 0 ? WFM_SHIFT : (enum wfm_kind)k;
	e->user = stmt_int(s, 2);
	e->group = stmt_int(s, 3);
	e->from = stmt_int(s, 4);
	e->to = stmt_int(s, 5);
	e->closure = stmt_int(s, 6);
	e->closes_group = e->closure != 0;
	snprintf(e->note, sizeof(e->note), "%s", stmt_text(s, 7));
}

static int breaks_read(struct db *db, struct wfm_entry *e)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "SELECT starts_at, ends_at FROM wfm_breaks WHERE entry_id = ?"
	                     " ORDER BY starts_at",
	                     true);

	if (err)
		return err;
	stmt_bind_int(s, 1, e->id);
	e->n_breaks = 0;
	while ((err = stmt_step(s)) == DB_ROW)
		if (e->n_breaks < WFM_MAX_BREAKS)
			e->breaks[e->n_breaks++] =
			        (struct sched_span){e->user, stmt_int(s, 0), stmt_int(s, 1)};
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

int wfm_entry_get(struct db *db, int64_t id, struct wfm_entry *e)
{
	struct stmt *s;
	int err = db_prepare(db, &s, "SELECT " ENTRY_COLS " FROM wfm_entries WHERE id = ?", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	err = stmt_step(s);
	if (err == DB_ROW)
		entry_row(s, e);
	stmt_done(s);
	if (err != DB_ROW)
		return err == DB_DONE ? ENOENT : err;
	return breaks_read(db, e);
}

static json_t *iso(int64_t t)
{
	char buf[32];

	calendar_format_iso8601(t, buf);
	return json_string(buf);
}

json_t *wfm_entry_json(const struct wfm_entry *e)
{
	json_t *breaks = json_array();

	for (int i = 0; i < e->n_breaks; i++)
		json_array_append_new(breaks,
		                      json_pack("{s:o,s:o}", "start", iso(e->breaks[i].from), "end",
		                                iso(e->breaks[i].to)));
	return json_pack("{s:I,s:s,s:o,s:I,s:o,s:o,s:o,s:b,s:o,s:o}", "id", (json_int_t)e->id,
	                 "kind", wfm_kind_name(e->kind), "user_id",
	                 e->user ? json_integer(e->user) : json_null(), "group_id",
	                 (json_int_t)e->group, "start", iso(e->from), "end", iso(e->to), "breaks",
	                 breaks, "closes_group", e->closure != 0, "closure_id",
	                 e->closure ? json_integer(e->closure) : json_null(), "note",
	                 e->note[0] ? json_string(e->note) : json_null());
}

int wfm_entries_json(struct db *db, int64_t group, int64_t user, int64_t from, int64_t to,
                     json_t **out)
{
	struct stmt *s;
	json_t *list = json_array();
	struct wfm_entry *v = NULL;
	size_t n = 0, cap = 0;
	int err = db_prepare(db, &s,
	                     "SELECT " ENTRY_COLS
	                     " FROM wfm_entries WHERE starts_at < ? AND ends_at > ?"
	                     " AND (? = 0 OR group_id = ?)"
	                     " AND (? = 0 OR user_id = ? OR (user_id IS NULL AND group_id IN"
	                     " (SELECT group_id FROM user_groups WHERE user_id = ?)))"
	                     " ORDER BY starts_at, id",
	                     true);

	if (err) {
		json_decref(list);
		return err;
	}
	stmt_bind_int(s, 1, to);
	stmt_bind_int(s, 2, from);
	stmt_bind_int(s, 3, group);
	stmt_bind_int(s, 4, group);
	stmt_bind_int(s, 5, user);
	stmt_bind_int(s, 6, user);
	stmt_bind_int(s, 7, user);
	while ((err = stmt_step(s)) == DB_ROW) {
		if (n == cap) {
			size_t c2 = cap ? cap * 2 : 64;
			struct wfm_entry *p = realloc(v, c2 * sizeof(*p));
			if (!p) {
				err = ENOMEM;
				break;
			}
			v = p;
			cap = c2;
		}
		entry_row(s, &v[n++]);
	}
	stmt_done(s);
	if (err == DB_DONE)
		err = 0;
	/* Breaks after the list's statement is done: one statement at a time. */
	for (size_t i = 0; !err && i < n; i++) {
		err = breaks_read(db, &v[i]);
		if (!err)
			json_array_append_new(list, wfm_entry_json(&v[i]));
	}
	free(v);
	if (err) {
		json_decref(list);
		return err;
	}
	*out = list;
	return 0;
}

int wfm_entries_clear(struct db *db, int64_t group, int64_t from, int64_t to)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "DELETE FROM closures WHERE id IN (SELECT closure_id FROM wfm_entries"
	                     " WHERE group_id = ? AND starts_at >= ? AND starts_at < ?)",
	                     true);

	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	stmt_bind_int(s, 2, from);
	stmt_bind_int(s, 3, to);
	err = done(s);
	if (!err)
		err = db_prepare(db, &s,
		                 "DELETE FROM wfm_entries WHERE group_id = ? AND starts_at >= ?"
		                 " AND starts_at < ?",
		                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	stmt_bind_int(s, 2, from);
	stmt_bind_int(s, 3, to);
	return done(s);
}

int wfm_shift_overlapping(struct db *db, const struct wfm_entry *e, int64_t *id)
{
	struct stmt *s;
	int err;

	*id = 0;
	if (e->kind != WFM_SHIFT)
		return 0;
	err = db_prepare(db, &s,
	                 "SELECT id FROM wfm_entries WHERE kind = 'shift' AND user_id = ?"
	                 " AND id <> ? AND starts_at < ? AND ends_at > ? LIMIT 1",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, e->user);
	stmt_bind_int(s, 2, e->id);
	stmt_bind_int(s, 3, e->to);
	stmt_bind_int(s, 4, e->from);
	err = stmt_step(s);
	if (err == DB_ROW)
		*id = stmt_int(s, 0);
	stmt_done(s);
	return err == DB_ROW || err == DB_DONE ? 0 : err;
}

/* ======================================================================
 * People
 * ====================================================================== */

static bool exists(struct db *db, const char *sql, int64_t a, int64_t b)
{
	struct stmt *s;
	bool yes = false;

	if (db_prepare(db, &s, sql, true))
		return false;
	stmt_bind_int(s, 1, a);
	stmt_bind_int(s, 2, b);
	yes = stmt_step(s) == DB_ROW;
	stmt_done(s);
	return yes;
}

bool wfm_user_exists(struct db *db, int64_t user)
{
	return exists(db, "SELECT 1 FROM users WHERE id = ? AND ? = 0", user, 0);
}

bool wfm_group_exists(struct db *db, int64_t group)
{
	return exists(db, "SELECT 1 FROM groups WHERE id = ? AND ? = 0", group, 0);
}

bool wfm_is_member(struct db *db, int64_t user, int64_t group)
{
	return exists(db, "SELECT 1 FROM user_groups WHERE user_id = ? AND group_id = ?", user,
	              group);
}

int wfm_members_json(struct db *db, int64_t group, json_t **out)
{
	struct stmt *s;
	json_t *list = json_array();
	int err = db_prepare(db, &s,
	                     "SELECT u.id, u.display_name, u.role, ug.skill FROM user_groups ug"
	                     " JOIN users u ON u.id = ug.user_id WHERE ug.group_id = ?"
	                     " AND u.active = 1 AND u.role IN ('agent','group_lead')"
	                     " ORDER BY u.display_name, u.id",
	                     true);

	if (err) {
		json_decref(list);
		return err;
	}
	stmt_bind_int(s, 1, group);
	while ((err = stmt_step(s)) == DB_ROW)
		json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:I}", "user_id",
		                                      (json_int_t)stmt_int(s, 0), "display_name",
		                                      stmt_text(s, 1), "role", stmt_text(s, 2),
		                                      "skill", (json_int_t)stmt_int(s, 3)));
	stmt_done(s);
	if (err != DB_DONE) {
		json_decref(list);
		return err;
	}
	*out = list;
	return 0;
}

/* ======================================================================
 * Coverage
 * ====================================================================== */

struct spans {
	struct sched_span *v;
	int n, cap;
};

static int add_span(struct spans *a, int64_t user, int64_t from, int64_t to)
{
	if (a->n == a->cap) {
		int c2 = a->cap ? a->cap * 2 : 32;
		struct sched_span *p = realloc(a->v, (size_t)c2 * sizeof(*p));
		if (!p)
			return ENOMEM;
		a->v = p;
		a->cap = c2;
	}
	a->v[a->n++] = (struct sched_span){user, from, to};
	return 0;
}

int wfm_spans(struct db *db, int64_t group, int64_t from, int64_t to, struct sched_span **shifts,
              int *n_shifts, struct sched_span **off, int *n_off)
{
	struct spans sh = {0}, of = {0};
	struct stmt *s;
	int err =
	        db_prepare(db, &s,
	                   "SELECT kind, COALESCE(user_id, 0), starts_at, ends_at FROM wfm_entries"
	                   " WHERE group_id = ? AND starts_at < ? AND ends_at > ?"
	                   " UNION ALL SELECT 'break', e.user_id, b.starts_at, b.ends_at"
	                   " FROM wfm_breaks b JOIN wfm_entries e ON e.id = b.entry_id"
	                   " WHERE e.group_id = ? AND b.starts_at < ? AND b.ends_at > ?",
	                   true);

	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	stmt_bind_int(s, 2, to);
	stmt_bind_int(s, 3, from);
	stmt_bind_int(s, 4, group);
	stmt_bind_int(s, 5, to);
	stmt_bind_int(s, 6, from);
	while ((err = stmt_step(s)) == DB_ROW) {
		bool shift = strcmp(stmt_text(s, 0), "shift") == 0;
		err = add_span(shift ? &sh : &of, stmt_int(s, 1), stmt_int(s, 2), stmt_int(s, 3));
		if (err)
			break;
	}
	stmt_done(s);
	if (err != DB_DONE) {
		free(sh.v);
		free(of.v);
		return err ? err : EIO;
	}
	/* Absence recorded in another group's schedule keeps the agent off here too. */
	err = db_prepare(db, &s,
	                 "SELECT user_id, starts_at, ends_at FROM wfm_entries WHERE group_id <> ?"
	                 " AND kind IN ('sick','vacation','training','meeting')"
	                 " AND user_id IN (SELECT user_id FROM user_groups WHERE group_id = ?)"
	                 " AND starts_at < ? AND ends_at > ?",
	                 true);
	if (!err) {
		stmt_bind_int(s, 1, group);
		stmt_bind_int(s, 2, group);
		stmt_bind_int(s, 3, to);
		stmt_bind_int(s, 4, from);
		while ((err = stmt_step(s)) == DB_ROW)
			if ((err = add_span(&of, stmt_int(s, 0), stmt_int(s, 1), stmt_int(s, 2))))
				break;
		stmt_done(s);
		if (err == DB_DONE)
			err = 0;
	}
	if (err) {
		free(sh.v);
		free(of.v);
		return err;
	}
	*shifts = sh.v;
	*n_shifts = sh.n;
	*off = of.v;
	*n_off = of.n;
	return 0;
}

int wfm_scheduled_seconds(struct db *db, int64_t group, int64_t from, int64_t to, double *out)
{
	struct sched_span *sh = NULL, *of = NULL;
	int nsh = 0, nof = 0, err = 0;
	double total = 0, v;
	struct stmt *s;
	int64_t ids[256];
	int nids = 0;

	if (group) {
		ids[nids++] = group;
	} else {
		err = db_prepare(db, &s, "SELECT id FROM groups ORDER BY id", true);
		if (err)
			return err;
		while (stmt_step(s) == DB_ROW && nids < 256)
			ids[nids++] = stmt_int(s, 0);
		stmt_done(s);
	}
	for (int i = 0; !err && i < nids; i++) {
		err = wfm_spans(db, ids[i], from, to, &sh, &nsh, &of, &nof);
		if (err)
			break;
		err = schedule_coverage(sh, nsh, of, nof, from, 1, to - from, &v);
		if (!err)
			total += v * (double)(to - from);
		free(sh);
		free(of);
	}
	*out = total;
	return err;
}

/* ======================================================================
 * The queue's history
 * ====================================================================== */

static struct hours *group_hours(struct db *db, int64_t group)
{
	struct hours *h = NULL;
	struct stmt *s;

	if (db_prepare(db, &s, "SELECT opening_hours FROM groups WHERE id = ?", true))
		return NULL;
	stmt_bind_int(s, 1, group);
	if (stmt_step(s) == DB_ROW && !stmt_is_null(s, 0)) {
		json_t *j = json_loads(stmt_text(s, 0), 0, NULL);
		char err[200];
		if (j && hours_parse(&h, j, err, sizeof(err)) != 0)
			h = NULL;
		json_decref(j);
	}
	stmt_done(s);
	return h;
}

static int64_t midnight_s(int64_t day)
{
	struct date d;
	int64_t t;

	calendar_date_from_days(day, &d);
	if (calendar_local_to_utc(&d, 0, 0, &t) != 0)
		t = day * 86400;
	return t;
}

int wfm_history(struct db *db, int64_t group, int64_t before_day, int slots,
                struct forecast_history *h)
{
	int64_t first_ms = 0, end_ms = midnight_s(before_day) * 1000;
	struct hours *hrs;
	struct stmt *s;
	double *calls;
	bool *open, *had;
	int days, err;

	if (slots < 1 || slots > FORECAST_MAX_SLOTS || 1440 % slots)
		return EINVAL;
	err = db_prepare(db, &s,
	                 "SELECT MIN(start_ms) FROM acd_group_intervals WHERE group_id = ?"
	                 " AND start_ms < ?",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	stmt_bind_int(s, 2, end_ms);
	err = stmt_step(s);
	if (err == DB_ROW && !stmt_is_null(s, 0))
		first_ms = stmt_int(s, 0);
	stmt_done(s);
	if (err != DB_ROW)
		return err == DB_DONE ? EIO : err;
	if (!first_ms)
		return ENOENT;
	{
		struct local_time lt;
		calendar_local_from_utc(first_ms / 1000, &lt);
		h->first_day = calendar_date_to_days(&lt.date);
	}
	days = (int)(before_day - h->first_day);
	if (days < 1)
		return ENOENT;
	calls = calloc((size_t)days * (size_t)slots, sizeof(*calls));
	open = calloc((size_t)days, sizeof(*open));
	had = calloc((size_t)days, sizeof(*had));
	if (!calls || !open || !had) {
		free(calls);
		free(open);
		free(had);
		return ENOMEM;
	}
	err = db_prepare(db, &s,
	                 "SELECT start_ms, offered FROM acd_group_intervals WHERE group_id = ?"
	                 " AND start_ms >= ? AND start_ms < ?",
	                 true);
	if (!err) {
		stmt_bind_int(s, 1, group);
		stmt_bind_int(s, 2, first_ms);
		stmt_bind_int(s, 3, end_ms);
		while ((err = stmt_step(s)) == DB_ROW) {
			struct local_time lt;
			int64_t d;
			int slot;
			calendar_local_from_utc(stmt_int(s, 0) / 1000, &lt);
			d = calendar_date_to_days(&lt.date) - h->first_day;
			slot = (lt.hour * 60 + lt.min) / (1440 / slots);
			if (d < 0 || d >= days)
				continue;
			calls[d * slots + slot] += (double)stmt_int(s, 1);
			had[d] = true;
		}
		stmt_done(s);
		err = err == DB_DONE ? 0 : err;
	}
	hrs = err ? NULL : group_hours(db, group);
	for (int d = 0; d < days; d++) {
		if (hrs) {
			struct date dt;
			struct day_hours dh;
			calendar_date_from_days(h->first_day + d, &dt);
			hours_for_date(hrs, &dt, &dh);
			open[d] = dh.n > 0;
		} else {
			open[d] = had[d];
		}
	}
	hours_free(hrs);
	free(had);
	if (err) {
		free(calls);
		free(open);
		return err;
	}
	h->days = days;
	h->slots = slots;
	h->calls = calls;
	h->open = open;
	return 0;
}

int wfm_targets_get(struct db *db, int64_t group, struct staffing_params *p, bool *stored)
{
	struct stmt *s;
	int err;

	*stored = false;
	err = db_prepare(db, &s,
	                 "SELECT service_level, target_time_s, shrinkage, max_occupancy"
	                 " FROM wfm_targets WHERE group_id = ?",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	if (stmt_step(s) == DB_ROW) {
		p->target_sl = stmt_double(s, 0);
		p->target_time_s = (double)stmt_int(s, 1);
		p->shrinkage = stmt_double(s, 2);
		p->max_occupancy = stmt_double(s, 3);
		*stored = true;
	}
	stmt_done(s);
	return 0;
}

int wfm_targets_put(struct db *db, int64_t group, const struct staffing_params *p)
{
	struct stmt *s;
	int err;

	err = db_prepare(
	        db, &s,
	        "INSERT INTO wfm_targets (group_id, service_level, target_time_s,"
	        " shrinkage, max_occupancy) VALUES (?, ?, ?, ?, ?)"
	        " ON CONFLICT (group_id) DO UPDATE SET service_level = excluded.service_level,"
	        " target_time_s = excluded.target_time_s, shrinkage = excluded.shrinkage,"
	        " max_occupancy = excluded.max_occupancy",
	        true);
	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	stmt_bind_double(s, 2, p->target_sl);
	stmt_bind_int(s, 3, (int64_t)p->target_time_s);
	stmt_bind_double(s, 4, p->shrinkage);
	stmt_bind_double(s, 5, p->max_occupancy);
	return done(s);
}

int wfm_group_params(struct db *db, int64_t group, int64_t now, int slot_min,
                     struct staffing_params *p)
{
	struct stmt *s;
	bool stored;
	int err;

	*p = (struct staffing_params){.interval_s = slot_min * 60.0,
	                              .aht_s = 240,
	                              .patience_s = 120,
	                              .target_sl = 0.85,
	                              .target_time_s = 60,
	                              .shrinkage = 0.15,
	                              .max_occupancy = 0.85};
	err = wfm_targets_get(db, group, p, &stored);
	if (err)
		return err;
	err = db_prepare(db, &s, "SELECT aht_s FROM groups WHERE id = ?", true);
	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	if (stmt_step(s) == DB_ROW && !stmt_is_null(s, 0) && stmt_int(s, 0) > 0)
		p->aht_s = (double)stmt_int(s, 0);
	stmt_done(s);
	/* Handle time: talk and wrap-up per handled call. Patience: the time all callers
	 * waited over the callers who hung up, the estimate of the mean patience when
	 * patience is exponential (as Erlang A takes it). */
	err = db_prepare(db, &s,
	                 "SELECT COALESCE(SUM(talk_ms + wrapup_ms),0), COALESCE(SUM(handled),0),"
	                 " COALESCE(SUM(wait_answered_ms + wait_abandoned_ms),0),"
	                 " COALESCE(SUM(abandoned),0) FROM acd_group_intervals"
	                 " WHERE group_id = ? AND start_ms >= ? AND start_ms < ?",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	stmt_bind_int(s, 2, (now - 56 * 86400) * 1000);
	stmt_bind_int(s, 3, now * 1000);
	if (stmt_step(s) == DB_ROW) {
		int64_t work = stmt_int(s, 0), handled = stmt_int(s, 1);
		int64_t waited = stmt_int(s, 2), abandoned = stmt_int(s, 3);
		if (handled >= 20 && work > 0)
			p->aht_s = (double)work / 1000.0 / (double)handled;
		if (abandoned >= 20 && waited > 0)
			p->patience_s = (double)waited / 1000.0 / (double)abandoned;
	}
	stmt_done(s);
	return 0;
}

int wfm_actuals(struct db *db, int64_t group, int64_t from, int slots, int slot_min,
                double *offered, double *answered_60, double *logged_in)
{
	int64_t slot_ms = (int64_t)slot_min * 60000, from_ms = from * 1000;
	int64_t to_ms = from_ms + slots * slot_ms;
	struct stmt *s;
	int err;

	for (int i = 0; i < slots; i++)
		offered[i] = answered_60[i] = logged_in[i] = 0;
	err = db_prepare(db, &s,
	                 "SELECT start_ms, offered, answered_60 FROM acd_group_intervals"
	                 " WHERE group_id = ? AND start_ms >= ? AND start_ms < ?",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	stmt_bind_int(s, 2, from_ms);
	stmt_bind_int(s, 3, to_ms);
	while ((err = stmt_step(s)) == DB_ROW) {
		int64_t k = (stmt_int(s, 0) - from_ms) / slot_ms;
		offered[k] += (double)stmt_int(s, 1);
		answered_60[k] += (double)stmt_int(s, 2);
	}
	stmt_done(s);
	if (err != DB_DONE)
		return err;
	err = db_prepare(db, &s,
	                 "SELECT start_ms, SUM(logged_in_ms) FROM acd_agent_intervals"
	                 " WHERE start_ms >= ? AND start_ms < ? AND agent_id IN"
	                 " (SELECT user_id FROM user_groups WHERE group_id = ?) GROUP BY start_ms",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, from_ms);
	stmt_bind_int(s, 2, to_ms);
	stmt_bind_int(s, 3, group);
	while ((err = stmt_step(s)) == DB_ROW) {
		int64_t k = (stmt_int(s, 0) - from_ms) / slot_ms;
		logged_in[k] += (double)stmt_int(s, 1) / (double)slot_ms;
	}
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}
