/* Scale data for the reports: years of cases, their rollups, queue intervals and survey
 * answers over the demo municipality, written in big transactions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/calendar.h"
#include "report/report.h"
#include "report/report_int.h"
#include "store/db.h"

#define MAX_GROUPS  32
#define MAX_CLIENTS 32
#define MAX_COMBOS  128
#define MAX_AGENTS  64
/* Opening hours of the generated traffic: 08:00–16:00 Stockholm time, 32 intervals. */
#define OPEN_H 8
#define SLOTS  32
#define SLOT_S 900
#define NKINDS 7
#define BATCH  250000 /* cases per transaction */

static const char *const kinds[NKINDS] = {"question", "matter", "opinion",     "complaint",
                                          "praise",   "idea",   "fault_report"};
static const char *const outcomes[4] = {"resolved", "guided", "handed_over", "forwarded_urgent"};

/* A category as cases use it: its group, client and kind (indexes into gen's lists). */
struct combo {
	int64_t category_id;
	int g, c, kind;
};

struct gen {
	int64_t group_ids[MAX_GROUPS], client_ids[MAX_CLIENTS], agent_ids[MAX_AGENTS];
	int ngroups, nclients, nagents;
	struct combo combos[MAX_COMBOS];
	int ncombos;
	int group_agents[MAX_GROUPS][MAX_AGENTS]; /* agent indexes of each group */
	int ngroup_agents[MAX_GROUPS];
	uint64_t rng;
	/* the day's counts, written as rollups at the day's end */
	int64_t cases[MAX_GROUPS][MAX_CLIENTS][NKINDS][REPORT_NCHANNELS][4];
	int64_t agents[MAX_AGENTS][MAX_GROUPS][MAX_CLIENTS][4];
	int phone[MAX_GROUPS][SLOTS];
};

static uint64_t rnd(struct gen *g)
{
	/* xorshift64*: the same sequence for the same seed everywhere */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 2685821657736338717ULL;
}

static int idx_add(int64_t *ids, int *n, int max, int64_t id)
{
	for (int i = 0; i < *n; i++)
		if (ids[i] == id)
			return i;
	if (*n >= max)
		return -1;
	ids[*n] = id;
	return (*n)++;
}

/* The demo's categories with the group and client their cases carry (one group per
 * category; MIN, not a bare column, for PostgreSQL), and each group's agents. */
static int load(struct db *db, struct gen *g)
{
	struct stmt *s;
	int err =
	        db_prepare(db, &s,
	                   "SELECT k.id, MIN(c.group_id), MIN(c.client_id), k.kind FROM cases c"
	                   " JOIN categories k ON k.id = c.category_id GROUP BY k.id ORDER BY k.id",
	                   false);

	if (err)
		return err;
	while ((err = stmt_step(s)) == DB_ROW && g->ncombos < MAX_COMBOS) {
		struct combo *k = &g->combos[g->ncombos];
		int kind = -1;

		for (int i = 0; i < NKINDS; i++)
			if (strcmp(kinds[i], stmt_text(s, 3)) == 0)
				kind = i;
		k->category_id = stmt_int(s, 0);
		k->g = idx_add(g->group_ids, &g->ngroups, MAX_GROUPS, stmt_int(s, 1));
		k->c = idx_add(g->client_ids, &g->nclients, MAX_CLIENTS, stmt_int(s, 2));
		k->kind = kind;
		if (k->g >= 0 && k->c >= 0 && kind >= 0)
			g->ncombos++;
	}
	stmt_done(s);
	if (err != DB_DONE && err != DB_ROW)
		return err;
	if (g->ncombos == 0)
		return ENOENT;
	err = db_prepare(db, &s,
	                 "SELECT ug.user_id, ug.group_id FROM user_groups ug JOIN users u"
	                 " ON u.id = ug.user_id WHERE u.role IN ('agent','group_lead')"
	                 " ORDER BY ug.user_id, ug.group_id",
	                 false);
	if (err)
		return err;
	while ((err = stmt_step(s)) == DB_ROW) {
		int a = idx_add(g->agent_ids, &g->nagents, MAX_AGENTS, stmt_int(s, 0));
		int gi = -1;

		for (int i = 0; i < g->ngroups; i++)
			if (g->group_ids[i] == stmt_int(s, 1))
				gi = i;
		if (a >= 0 && gi >= 0 && g->ngroup_agents[gi] < MAX_AGENTS)
			g->group_agents[gi][g->ngroup_agents[gi]++] = a;
	}
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

static int step_done(struct stmt *s)
{
	int err = stmt_step(s);

	stmt_done(s);
	return err == DB_DONE ? 0 : err == DB_ROW ? EIO : err;
}

/* The day's rollups and queue intervals. */
static int flush_day(struct db *db, struct gen *g, const struct date *d, int64_t day)
{
	static const char qi[] =
	        "INSERT INTO acd_group_intervals(group_id, start_ms, offered, answered,"
	        " answered_60, answered_180, abandoned, short_abandoned, overflowed, closed,"
	        " forwarded, callbacks_requested, callbacks_answered, callbacks_failed,"
	        " wait_answered_ms, wait_abandoned_ms, longest_wait_ms, handled, talk_ms, "
	        "wrapup_ms)"
	        " VALUES (?,?,?,?,?,?,?,?,0,0,0,0,0,0,?,?,?,?,?,?)"
	        /* the interval replaced (INSERT OR REPLACE, in the SQL of both backends) */
	        " ON CONFLICT(group_id, start_ms) DO UPDATE SET offered = excluded.offered,"
	        " answered = excluded.answered, answered_60 = excluded.answered_60,"
	        " answered_180 = excluded.answered_180, abandoned = excluded.abandoned,"
	        " short_abandoned = excluded.short_abandoned, overflowed = 0, closed = 0,"
	        " forwarded = 0, callbacks_requested = 0, callbacks_answered = 0,"
	        " callbacks_failed = 0, wait_answered_ms = excluded.wait_answered_ms,"
	        " wait_abandoned_ms = excluded.wait_abandoned_ms,"
	        " longest_wait_ms = excluded.longest_wait_ms, handled = excluded.handled,"
	        " talk_ms = excluded.talk_ms, wrapup_ms = excluded.wrapup_ms";
	int64_t open_t;
	int err = 0;

	for (int gi = 0; gi < g->ngroups; gi++)
		for (int ci = 0; ci < g->nclients; ci++)
			for (int ki = 0; ki < NKINDS; ki++)
				for (int ch = 0; ch < REPORT_NCHANNELS; ch++)
					for (int oc = 0; oc < 4 && !err; oc++) {
						int64_t n = g->cases[gi][ci][ki][ch][oc];
						struct stmt *s;

						if (!n)
							continue;
						err = db_prepare(
						        db, &s,
						        "INSERT INTO report_case_days(day, "
						        "group_id,"
						        " client_id, kind, channel, outcome, n)"
						        " VALUES (?,?,?,?,?,?,?) ON CONFLICT"
						        " (day, group_id, client_id, kind, channel,"
						        " outcome) DO UPDATE SET n = n + "
						        "excluded.n",
						        true);
						if (err)
							return err;
						stmt_bind_int(s, 1, day);
						stmt_bind_int(s, 2, g->group_ids[gi]);
						stmt_bind_int(s, 3, g->client_ids[ci]);
						stmt_bind_text(s, 4, kinds[ki]);
						stmt_bind_text(s, 5, report_channels[ch]);
						stmt_bind_text(s, 6, outcomes[oc]);
						stmt_bind_int(s, 7, n);
						err = step_done(s);
					}
	for (int a = 0; a < g->nagents; a++)
		for (int gi = 0; gi < g->ngroups; gi++)
			for (int ci = 0; ci < g->nclients; ci++)
				for (int oc = 0; oc < 4 && !err; oc++) {
					int64_t n = g->agents[a][gi][ci][oc];
					struct stmt *s;

					if (!n)
						continue;
					err = db_prepare(
					        db, &s,
					        "INSERT INTO report_agent_days(day, agent_id,"
					        " group_id, client_id, outcome, n)"
					        " VALUES (?,?,?,?,?,?) ON CONFLICT (day,"
					        " agent_id, group_id, client_id, outcome)"
					        " DO UPDATE SET n = n + excluded.n",
					        true);
					if (err)
						return err;
					stmt_bind_int(s, 1, day);
					stmt_bind_int(s, 2, g->agent_ids[a]);
					stmt_bind_int(s, 3, g->group_ids[gi]);
					stmt_bind_int(s, 4, g->client_ids[ci]);
					stmt_bind_text(s, 5, outcomes[oc]);
					stmt_bind_int(s, 6, n);
					err = step_done(s);
				}
	if (calendar_local_to_utc(d, OPEN_H, 0, &open_t))
		return EINVAL;
	/* the queue's view of the phone cases: a few more offered than answered, most within
	 * 60 s */
	for (int gi = 0; gi < g->ngroups && !err; gi++)
		for (int sl = 0; sl < SLOTS && !err; sl++) {
			int ans = g->phone[gi][sl];
			int aband = ans ? (int)(rnd(g) % (uint64_t)(ans / 10 + 2)) : 0;
			int a60 = ans - (ans ? (int)(rnd(g) % (uint64_t)(ans / 5 + 1)) : 0);
			int shortab = (int)(rnd(g) % 2);
			struct stmt *s;

			if (ans + aband == 0)
				continue;
			err = db_prepare(db, &s, qi, true);
			if (err)
				return err;
			stmt_bind_int(s, 1, g->group_ids[gi]);
			stmt_bind_int(s, 2, (open_t + (int64_t)sl * SLOT_S) * 1000);
			stmt_bind_int(s, 3, ans + aband);
			stmt_bind_int(s, 4, ans);
			stmt_bind_int(s, 5, a60);
			stmt_bind_int(s, 6, ans - (ans - a60) / 3);
			stmt_bind_int(s, 7, aband);
			stmt_bind_int(s, 8, shortab);
			stmt_bind_int(s, 9, (int64_t)a60 * 25000 + (int64_t)(ans - a60) * 140000);
			stmt_bind_int(s, 10, (int64_t)aband * 70000);
			stmt_bind_int(s, 11, ans > a60 ? 240000 : 55000);
			stmt_bind_int(s, 12, ans);
			stmt_bind_int(s, 13, (int64_t)ans * 210000);
			stmt_bind_int(s, 14, (int64_t)ans * 30000);
			err = step_done(s);
		}
	memset(g->cases, 0, sizeof(g->cases));
	memset(g->agents, 0, sizeof(g->agents));
	memset(g->phone, 0, sizeof(g->phone));
	return err;
}

static int gen_case(struct db *db, struct gen *g, int64_t open_t, int64_t *survey_id)
{
	static const char q[] =
	        "INSERT INTO cases(channel, group_id, client_id, category_id, outcome, summary,"
	        " received_at, created_at, updated_at, agent_id) VALUES (?,?,?,?,?,?,?,?,?,?)";
	static const char qs[] =
	        "INSERT INTO tel_survey_answers(call_id, group_id, agent_id, question, prompt,"
	        " answer, t_ms) VALUES (?,?,?,4,'" REPORT_SATISFACTION_PROMPT "',?,?)";
	const struct combo *k = &g->combos[rnd(g) % (uint64_t)g->ncombos];
	uint64_t r = rnd(g) % 100, o = rnd(g) % 100;
	int ch = r < 70 ? 0 : r < 90 ? 1 : r < 95 ? 5 : r < 98 ? 2 : 4;
	int oc = o < 66 ? 0 : o < 78 ? 1 : o < 95 ? 2 : 3;
	int sec = (int)(rnd(g) % (SLOTS * SLOT_S));
	int a = g->ngroup_agents[k->g]
	                ? g->group_agents[k->g][rnd(g) % (uint64_t)g->ngroup_agents[k->g]]
	                : -1;
	int64_t t = open_t + sec;
	struct stmt *s;
	int err = db_prepare(db, &s, q, true);

	if (err)
		return err;
	stmt_bind_text(s, 1, report_channels[ch]);
	stmt_bind_int(s, 2, g->group_ids[k->g]);
	stmt_bind_int(s, 3, g->client_ids[k->c]);
	stmt_bind_int(s, 4, k->category_id);
	stmt_bind_text(s, 5, outcomes[oc]);
	stmt_bind_text(s, 6, "Genererat ärende.");
	stmt_bind_int(s, 7, t);
	stmt_bind_int(s, 8, t);
	stmt_bind_int(s, 9, t);
	if (a >= 0)
		stmt_bind_int(s, 10, g->agent_ids[a]);
	else
		stmt_bind_null(s, 10);
	err = step_done(s);
	if (err)
		return err;
	g->cases[k->g][k->c][k->kind][ch][oc]++;
	if (a >= 0)
		g->agents[a][k->g][k->c][oc]++;
	if (ch != 0)
		return 0;
	g->phone[k->g][sec / SLOT_S]++;
	/* one caller in twenty answers the satisfaction question after the call */
	if (rnd(g) % 20 != 0)
		return 0;
	r = rnd(g) % 100;
	err = db_prepare(db, &s, qs, true);
	if (err)
		return err;
	stmt_bind_int(s, 1, ++*survey_id);
	stmt_bind_int(s, 2, g->group_ids[k->g]);
	if (a >= 0)
		stmt_bind_int(s, 3, g->agent_ids[a]);
	else
		stmt_bind_null(s, 3);
	stmt_bind_int(s, 4, r < 52 ? 5 : r < 82 ? 4 : r < 93 ? 3 : r < 97 ? 2 : 1);
	stmt_bind_int(s, 5, (t + 600) * 1000);
	return step_done(s);
}

static double secs_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int report_gen(struct db *db, int years, int64_t per_year, uint64_t seed, int64_t now,
               FILE *progress)
{
	struct gen *g = calloc(1, sizeof(*g));
	struct local_time lt;
	struct date first, last, d;
	struct timespec t0;
	int64_t total = 0, in_tx = 0, survey_id = 0, year_n = 0;
	int err, year = 0, working = 1;

	if (!g)
		return ENOMEM;
	if (years < 1 || years > 50 || per_year < 1 || per_year > 100000000) {
		free(g);
		return EINVAL;
	}
	g->rng = seed ? seed : 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = load(db, g);
	if (err) {
		free(g);
		return err;
	}
	calendar_local_from_utc(now, &lt);
	calendar_add_days(&lt.date, -1, &last);
	first = last;
	first.y -= years;
	calendar_add_days(&first, 1, &first);
	err = db_begin(db);
	for (d = first; !err && calendar_date_to_days(&d) <= calendar_date_to_days(&last);
	     calendar_add_days(&d, 1, &d)) {
		int64_t open_t, n;

		if (d.y != year) {
			if (year && progress)
				fprintf(progress, "lotsen demo: %d: %lld cases (%.0f s so far)\n",
				        year, (long long)year_n, secs_since(&t0));
			year = d.y;
			year_n = 0;
			working = 0;
			for (struct date x = {d.y, 1, 1}; x.y == d.y; calendar_add_days(&x, 1, &x))
				working += calendar_is_working_day(&x);
		}
		if (!calendar_is_working_day(&d))
			continue;
		/* the year's cases spread over its working days, Mondays busier */
		n = per_year / working;
		if (calendar_weekday(&d) == 0)
			n += n / 5;
		else if (calendar_weekday(&d) == 4)
			n -= n / 5;
		if (calendar_local_to_utc(&d, OPEN_H, 0, &open_t)) {
			err = EINVAL;
			break;
		}
		for (int64_t i = 0; i < n && !err; i++)
			err = gen_case(db, g, open_t, &survey_id);
		if (!err)
			err = flush_day(db, g, &d, calendar_date_to_days(&d));
		total += n;
		year_n += n;
		in_tx += n;
		if (!err && in_tx >= BATCH) {
			err = db_commit(db);
			if (!err)
				err = db_begin(db);
			in_tx = 0;
		}
	}
	if (!err)
		err = db_commit(db);
	else
		db_rollback(db);
	if (!err && progress)
		fprintf(progress,
		        "lotsen demo: %d: %lld cases\nlotsen demo: %lld cases from %04d-%02d-%02d "
		        "to "
		        "%04d-%02d-%02d in %.0f s\n",
		        year, (long long)year_n, (long long)total, first.y, first.m, first.d,
		        last.y, last.m, last.d, secs_since(&t0));
	free(g);
	return err;
}
