/* The report module's tables (migration module "report"): case rollups per Stockholm day,
 * kept in step with the case log, rebuilt from it on demand; and the stored reports. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/calendar.h"
#include "core/cases.h"
#include "report/report.h"
#include "store/db.h"

/* Days are Stockholm local dates as days since 1970-01-01 (calendar_date_to_days), so that a
 * month, tertial, year or any range of dates is a range of days. Kinds, channels and
 * outcomes are the case log's own words. Rows whose count falls to 0 are kept: they sum
 * to nothing. */
static const struct migration report_migrations[] = {
        {1, "case rollups per day, stored reports",
         "CREATE TABLE report_case_days ("
         " day INTEGER NOT NULL,"
         " group_id INTEGER NOT NULL,"
         " client_id INTEGER NOT NULL,"
         " kind TEXT NOT NULL,"
         " channel TEXT NOT NULL,"
         " outcome TEXT NOT NULL,"
         " n INTEGER NOT NULL,"
         " PRIMARY KEY (day, group_id, client_id, kind, channel, outcome)"
         ") STRICT, WITHOUT ROWID;"
         "CREATE TABLE report_agent_days ("
         " day INTEGER NOT NULL,"
         " agent_id INTEGER NOT NULL," /* 0: no agent recorded */
         " group_id INTEGER NOT NULL,"
         " client_id INTEGER NOT NULL,"
         " outcome TEXT NOT NULL,"
         " n INTEGER NOT NULL,"
         " PRIMARY KEY (day, agent_id, group_id, client_id, outcome)"
         ") STRICT, WITHOUT ROWID;"
         "CREATE TABLE report_stored ("
         " id INTEGER PRIMARY KEY,"
         " month TEXT NOT NULL,"
         " client_id INTEGER NOT NULL," /* 0: every client */
         " format TEXT NOT NULL,"
         " body BLOB NOT NULL,"
         " created_at INTEGER NOT NULL,"
         " UNIQUE (month, client_id, format)"
         ") STRICT;"},
        /* A year of a group's calls is 10 000+ quarter hours and a year of survey answers
         * can be 100 000s of rows: covering indexes let the reports sum them without a
         * table lookup per row (the queue's and telephony's own tables, read-only here). */
        {2, "covering indexes for the reports' sums of calls and survey answers",
         "CREATE INDEX report_group_intervals ON acd_group_intervals(group_id, start_ms,"
         " offered, answered, answered_60, answered_180, abandoned, short_abandoned,"
         " wait_answered_ms, longest_wait_ms, handled, talk_ms, wrapup_ms);"
         "CREATE INDEX report_survey_answers ON tel_survey_answers(prompt, t_ms, group_id,"
         " agent_id, answer);"},
        /* Reports per category and per department sub-unit (issue 15), and any report
         * narrowed to one of them: the case rollup with both named, and the agent (a
         * narrowed report's agents table). Filled from the case log right after the
         * migration (report_store_migrate), kept by the same observer. */
        {3, "case rollups per category and department sub-unit",
         "CREATE TABLE report_detail_days ("
         " day INTEGER NOT NULL,"
         " group_id INTEGER NOT NULL,"
         " client_id INTEGER NOT NULL,"
         " client_unit_id INTEGER NOT NULL," /* 0: none named */
         " category_id INTEGER NOT NULL,"
         " kind TEXT NOT NULL,"
         " channel TEXT NOT NULL,"
         " outcome TEXT NOT NULL,"
         " agent_id INTEGER NOT NULL,"
         " n INTEGER NOT NULL,"
         " PRIMARY KEY (day, group_id, client_id, client_unit_id, category_id, kind, channel,"
         " outcome, agent_id)"
         ") STRICT, WITHOUT ROWID;"},
        /* Prices by complexity (issue 15): the named price classes an agreement may price
         * and a category may name (categories.price_class holds the name); a retired class
         * (active 0) is kept for the invoices that used it. The classes categories named
         * before are listed. */
        {4, "price classes",
         "CREATE TABLE price_classes ("
         " id INTEGER PRIMARY KEY,"
         " name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 60),"
         " description TEXT,"
         " active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1))"
         ") STRICT;"
         "INSERT INTO price_classes(name) SELECT DISTINCT price_class FROM categories"
         " WHERE price_class IS NOT NULL AND length(price_class) BETWEEN 1 AND 60"
         " ORDER BY price_class;"},
};

int report_store_migrate(struct db *db)
{
	int err = db_migrate(db, "report", report_migrations,
	                     sizeof(report_migrations) / sizeof(report_migrations[0]));

	/* the detail rollup arrived after cases were counted: count them again, once */
	if (!err &&
	    db_scalar_intv(db, "SELECT EXISTS(SELECT 1 FROM report_detail_days)", NULL, 0) == 0 &&
	    db_scalar_intv(db, "SELECT EXISTS(SELECT 1 FROM report_case_days WHERE n <> 0)", NULL,
	                   0) == 1)
		err = report_rollup_rebuild(db, NULL);
	return err;
}

int64_t report_day_of(int64_t t)
{
	struct local_time lt;

	calendar_local_from_utc(t, &lt);
	return calendar_date_to_days(&lt.date);
}

int report_rollup_add(struct db *db, const struct report_case_key *k, int64_t n)
{
	static const char q1[] =
	        "INSERT INTO report_case_days(day, group_id, client_id, kind, channel, outcome, n)"
	        " VALUES (?,?,?,?,?,?,?) ON CONFLICT (day, group_id, client_id, kind, channel,"
	        " outcome) DO UPDATE SET n = n + excluded.n";
	static const char q2[] =
	        "INSERT INTO report_agent_days(day, agent_id, group_id, client_id, outcome, n)"
	        " VALUES (?,?,?,?,?,?) ON CONFLICT (day, agent_id, group_id, client_id, outcome)"
	        " DO UPDATE SET n = n + excluded.n";
	static const char q3[] =
	        "INSERT INTO report_detail_days(day, group_id, client_id, client_unit_id,"
	        " category_id, kind, channel, outcome, agent_id, n) VALUES (?,?,?,?,?,?,?,?,?,?)"
	        " ON CONFLICT (day, group_id, client_id, client_unit_id, category_id, kind,"
	        " channel, outcome, agent_id) DO UPDATE SET n = n + excluded.n";
	struct stmt *s;
	int err = db_prepare(db, &s, q1, true);

	if (err)
		return err;
	stmt_bind_int(s, 1, k->day);
	stmt_bind_int(s, 2, k->group_id);
	stmt_bind_int(s, 3, k->client_id);
	stmt_bind_text(s, 4, k->kind);
	stmt_bind_text(s, 5, k->channel);
	stmt_bind_text(s, 6, k->outcome);
	stmt_bind_int(s, 7, n);
	err = stmt_step(s);
	stmt_done(s);
	if (err != DB_DONE)
		return err == DB_ROW ? EIO : err;
	err = db_prepare(db, &s, q2, true);
	if (err)
		return err;
	stmt_bind_int(s, 1, k->day);
	stmt_bind_int(s, 2, k->agent_id);
	stmt_bind_int(s, 3, k->group_id);
	stmt_bind_int(s, 4, k->client_id);
	stmt_bind_text(s, 5, k->outcome);
	stmt_bind_int(s, 6, n);
	err = stmt_step(s);
	stmt_done(s);
	if (err != DB_DONE)
		return err == DB_ROW ? EIO : err;
	err = db_prepare(db, &s, q3, true);
	if (err)
		return err;
	stmt_bind_int(s, 1, k->day);
	stmt_bind_int(s, 2, k->group_id);
	stmt_bind_int(s, 3, k->client_id);
	stmt_bind_int(s, 4, k->client_unit_id);
	stmt_bind_int(s, 5, k->category_id);
	stmt_bind_text(s, 6, k->kind);
	stmt_bind_text(s, 7, k->channel);
	stmt_bind_text(s, 8, k->outcome);
	stmt_bind_int(s, 9, k->agent_id);
	stmt_bind_int(s, 10, n);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err == DB_ROW ? EIO : err;
}

/* The rollup key of the row the statement stands on (columns as in CASE_KEY_COLS). */
#define CASE_KEY_COLS                                                                              \
	"c.received_at, c.group_id, c.client_id, k.kind, c.channel, c.outcome,"                    \
	" COALESCE(c.agent_id, 0), c.category_id, COALESCE(c.client_unit_id, 0)"                   \
	" FROM cases c JOIN categories k ON k.id = c.category_id"

static void key_of(struct stmt *s, struct report_case_key *k)
{
	k->day = report_day_of(stmt_int(s, 0));
	k->group_id = stmt_int(s, 1);
	k->client_id = stmt_int(s, 2);
	snprintf(k->kind, sizeof(k->kind), "%s", stmt_text(s, 3));
	snprintf(k->channel, sizeof(k->channel), "%s", stmt_text(s, 4));
	snprintf(k->outcome, sizeof(k->outcome), "%s", stmt_text(s, 5));
	k->agent_id = stmt_int(s, 6);
	k->category_id = stmt_int(s, 7);
	k->client_unit_id = stmt_int(s, 8);
}

int report_rollup_case(struct db *db, int64_t case_id, int sign)
{
	static const char q[] = "SELECT " CASE_KEY_COLS " WHERE c.id = ?";
	bool unhandled = false;
	struct report_case_key k;
	struct stmt *s;
	int err;

	if (sign != 1 && sign != -1)
		return EINVAL;
	err = db_prepare(db, &s, q, true);
	if (err)
		return err;
	stmt_bind_int(s, 1, case_id);
	err = stmt_step(s);
	if (err == DB_ROW) {
		unhandled = stmt_is_null(s, 5);
		key_of(s, &k);
	}
	stmt_done(s);
	if (err != DB_ROW)
		return err == DB_DONE ? ENOENT : err;
	/* A case not yet handled by an agent (no outcome) counts nowhere: it comes in when
	 * the outcome is set (-1 before that change finds it unhandled, +1 after counts it). */
	return unhandled ? 0 : report_rollup_add(db, &k, sign);
}

int report_rollup_rebuild(struct db *db, int64_t *ncases)
{
	static const char q[] = "SELECT " CASE_KEY_COLS " WHERE c.outcome IS NOT NULL"
	                        " ORDER BY c.received_at";
	struct stmt *s;
	int64_t n = 0;
	int err = db_begin(db);

	if (err)
		return err;
	err = db_exec(db, "DELETE FROM report_case_days; DELETE FROM report_agent_days;"
	                  " DELETE FROM report_detail_days;");
	if (!err)
		err = db_prepare(db, &s, q, false);
	if (err) {
		db_rollback(db);
		return err;
	}
	while ((err = stmt_step(s)) == DB_ROW) {
		struct report_case_key k;

		key_of(s, &k);
		err = report_rollup_add(db, &k, 1);
		if (err)
			break;
		n++;
	}
	stmt_done(s);
	if (err == DB_DONE)
		err = db_commit(db);
	else
		db_rollback(db);
	if (!err && ncases)
		*ncases = n;
	return err == DB_ROW ? EIO : err;
}
