/* Reports over a period (month, tertial, year, range of dates) from the rollups: cases per
 * group × client, breakdowns, calls, satisfaction, the previous period and the targets. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acd/acd_stats.h"
#include "base/calendar.h"
#include "report/report.h"
#include "report/report_int.h"
#include "store/db.h"

#define kinds  report_kinds
#define NKINDS REPORT_NKINDS
static const char *const outcomes[] = {"resolved", "guided", "handed_over", "forwarded_urgent"};

/* ======================================================================
 * Periods
 * ====================================================================== */

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Bounds and label of the days first..last. */
static int period_set(struct report_period *p, enum report_period_kind kind,
                      const struct date *first, const struct date *last)
{
	struct date next;
	char a[11], b[11];

	if (calendar_date_to_days(last) < calendar_date_to_days(first))
		return EINVAL;
	p->kind = kind;
	p->first = *first;
	p->last = *last;
	calendar_add_days(last, 1, &next);
	if (calendar_local_to_utc(first, 0, 0, &p->from) ||
	    calendar_local_to_utc(&next, 0, 0, &p->to))
		return EINVAL;
	switch (kind) {
	case PERIOD_MONTH:
		snprintf(p->label, sizeof(p->label), "%04d-%02d", first->y % 10000, first->m % 100);
		break;
	case PERIOD_TERTIAL:
		snprintf(p->label, sizeof(p->label), "%04d-T%d", first->y % 10000,
		         (first->m - 1) / 4 % 3 + 1);
		break;
	case PERIOD_YEAR:
		snprintf(p->label, sizeof(p->label), "%04d", first->y % 10000);
		break;
	default:
		calendar_date_format(first, a);
		calendar_date_format(last, b);
		snprintf(p->label, sizeof(p->label), "%s..%s", a, b);
	}
	return 0;
}

int report_period_parse(const char *s, struct report_period *out)
{
	struct date first, last;
	size_t n = s ? strlen(s) : 0;

	if (n < 4 || !digits(s, 4))
		return EINVAL;
	first.y = last.y = num(s, 4);
	if (n == 4) { /* a year */
		first.m = first.d = 1;
		last.m = 12;
		last.d = 31;
		if (!calendar_date_valid(first.y, 1, 1) || !calendar_date_valid(first.y + 1, 1, 1))
			return EINVAL;
		return period_set(out, PERIOD_YEAR, &first, &last);
	}
	if (n == 7 && s[4] == '-' && s[5] == 'T' && s[6] >= '1' && s[6] <= '3') {
		first.m = (s[6] - '1') * 4 + 1;
		first.d = 1;
		last.m = first.m + 3;
		last.d = calendar_days_in_month(last.y, last.m);
		if (!calendar_date_valid(first.y, first.m, 1) ||
		    !calendar_date_valid(first.y + 1, 1, 1))
			return EINVAL;
		return period_set(out, PERIOD_TERTIAL, &first, &last);
	}
	if (n == 7 && s[4] == '-' && digits(s + 5, 2)) {
		first.m = last.m = num(s + 5, 2);
		first.d = 1;
		if (!calendar_date_valid(first.y, first.m, 1) ||
		    !calendar_date_valid(first.y + 1, 1, 1))
			return EINVAL;
		last.d = calendar_days_in_month(last.y, last.m);
		return period_set(out, PERIOD_MONTH, &first, &last);
	}
	if (n == 22 && s[10] == '.' && s[11] == '.') {
		char a[11], b[11];

		memcpy(a, s, 10);
		a[10] = '\0';
		memcpy(b, s + 12, 10);
		b[10] = '\0';
		if (calendar_date_parse(a, &first) || calendar_date_parse(b, &last) ||
		    calendar_date_to_days(&last) < calendar_date_to_days(&first) ||
		    calendar_date_to_days(&last) - calendar_date_to_days(&first) >=
		            REPORT_RANGE_MAX_DAYS)
			return EINVAL;
		return period_set(out, PERIOD_RANGE, &first, &last);
	}
	return EINVAL;
}

/* A month only ("2026-10"), for the monthly report and the invoice. */
int report_month_parse(const char *s, struct report_month *out)
{
	struct report_period p;

	if (report_period_parse(s, &p) || p.kind != PERIOD_MONTH)
		return EINVAL;
	out->y = p.first.y;
	out->m = p.first.m;
	out->from = p.from;
	out->to = p.to;
	return 0;
}

void report_period_previous(const struct report_period *p, struct report_period *out)
{
	struct date first = p->first, last;

	switch (p->kind) {
	case PERIOD_MONTH:
		first.y = p->first.m == 1 ? p->first.y - 1 : p->first.y;
		first.m = p->first.m == 1 ? 12 : p->first.m - 1;
		calendar_add_days(&p->first, -1, &last);
		break;
	case PERIOD_TERTIAL:
		first.y = p->first.m == 1 ? p->first.y - 1 : p->first.y;
		first.m = p->first.m == 1 ? 9 : p->first.m - 4;
		calendar_add_days(&p->first, -1, &last);
		break;
	case PERIOD_YEAR:
		first.y = p->first.y - 1;
		calendar_add_days(&p->first, -1, &last);
		break;
	default: {
		int days =
		        (int)(calendar_date_to_days(&p->last) - calendar_date_to_days(&p->first)) +
		        1;

		calendar_add_days(&p->first, -1, &last);
		calendar_add_days(&p->first, -days, &first);
	}
	}
	if (period_set(out, p->kind, &first, &last))
		*out = *p; /* only before 1800: nothing to compare with */
}

void report_period_sv(const char *label, char *buf, size_t n)
{
	static const char *const names[] = {"januari",   "februari", "mars",     "april",
	                                    "maj",       "juni",     "juli",     "augusti",
	                                    "september", "oktober",  "november", "december"};
	struct report_period m;

	if (!label || report_period_parse(label, &m) != 0)
		snprintf(buf, n, "%s", label ? label : "");
	else if (m.kind == PERIOD_MONTH)
		snprintf(buf, n, "%s %d", names[m.first.m - 1], m.first.y);
	else if (m.kind == PERIOD_TERTIAL)
		snprintf(buf, n, "tertial %d %d", (m.first.m - 1) / 4 + 1, m.first.y);
	else if (m.kind == PERIOD_YEAR)
		snprintf(buf, n, "%d", m.first.y);
	else
		snprintf(buf, n, "%d %s %d – %d %s %d", m.first.d, names[m.first.m - 1], m.first.y,
		         m.last.d, names[m.last.m - 1], m.last.y);
}

/* ======================================================================
 * Collecting the figures
 * ====================================================================== */

/* Case figures of one row, breakdown entry or the totals. */
struct counts {
	int64_t cases, outcome[4];
	int64_t channel[REPORT_NCHANNELS];
	int64_t complaints, praise;
};

/* Survey answers 1–5 of the satisfaction question. */
struct sat {
	int64_t n[6]; /* n[a]: answers a, 1–5 */
};

/* One row of a breakdown (or of group × client). */
struct entry {
	int64_t id, id2;     /* group/client/unit/agent id; the client for group × client */
	int ki;              /* kind or channel index for those breakdowns */
	struct counts c;     /* cases */
	struct acd_totals t; /* calls (groups and units) */
	bool calls;          /* t holds the queue's figures */
	struct sat s;        /* survey answers */
	bool sats;           /* s applies (groups, units, agents) */
};

struct table {
	struct entry *v;
	size_t n, cap;
};

enum {
	T_ROWS,
	T_GROUPS,
	T_CLIENTS,
	T_UNITS,
	T_KINDS,
	T_CHANNELS,
	T_AGENTS,
	T_CATEGORIES,
	T_CLIENT_UNITS,
	NTABLES
};

/* Everything one period's report adds up. */
struct agg {
	struct table t[NTABLES];
	struct entry total; /* every case, every listed group's calls and answers */
	int64_t *unit_of;   /* unit_of[i]: unit of group group_ids[i] */
	int64_t *group_ids; /* every group, by id */
	size_t ngroups;
};

static struct entry *find(struct table *t, int64_t id, int64_t id2, int ki)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].id == id && t->v[i].id2 == id2 && t->v[i].ki == ki)
			return &t->v[i];
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 16;
		struct entry *p = realloc(t->v, nc * sizeof(*p));

		if (!p)
			return NULL;
		t->v = p;
		t->cap = nc;
	}
	memset(&t->v[t->n], 0, sizeof(t->v[0]));
	t->v[t->n].id = id;
	t->v[t->n].id2 = id2;
	t->v[t->n].ki = ki;
	return &t->v[t->n++];
}

static int64_t unit_of(const struct agg *a, int64_t group)
{
	for (size_t i = 0; i < a->ngroups; i++)
		if (a->group_ids[i] == group)
			return a->unit_of[i];
	return 0;
}

static int index_of(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return (int)i;
	return -1;
}

static void counts_add(struct counts *c, int oc, int ch, int kind, int64_t n)
{
	c->cases += n;
	if (oc >= 0)
		c->outcome[oc] += n;
	if (ch >= 0)
		c->channel[ch] += n;
	if (kind == 3)
		c->complaints += n;
	else if (kind == 4)
		c->praise += n;
}

static void agg_free(struct agg *a)
{
	for (int i = 0; i < NTABLES; i++)
		free(a->t[i].v);
	free(a->unit_of);
	free(a->group_ids);
	memset(a, 0, sizeof(*a));
}

static int load_groups(struct db *db, struct agg *a)
{
	struct stmt *s;
	size_t cap = 0;
	int err = db_prepare(db, &s, "SELECT id, unit_id FROM groups ORDER BY id", true);

	if (err)
		return err;
	while ((err = stmt_step(s)) == DB_ROW) {
		if (a->ngroups == cap) {
			size_t nc = cap ? cap * 2 : 32;
			int64_t *g = realloc(a->group_ids, nc * sizeof(*g));
			int64_t *u;

			if (g)
				a->group_ids = g;
			u = g ? realloc(a->unit_of, nc * sizeof(*u)) : NULL;
			if (!u) {
				err = ENOMEM;
				break;
			}
			a->unit_of = u;
			cap = nc;
		}
		a->group_ids[a->ngroups] = stmt_int(s, 0);
		a->unit_of[a->ngroups++] = stmt_int(s, 1);
	}
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

/* A rollup query over the period's days: ?1 first day, ?2 last day, ?3 client (0: all). */
static int rollup_query(struct db *db, struct stmt **sp, const char *q,
                        const struct report_period *p, int64_t client_id)
{
	int err = db_prepare(db, sp, q, true);

	if (err)
		return err;
	stmt_bind_int(*sp, 1, calendar_date_to_days(&p->first));
	stmt_bind_int(*sp, 2, calendar_date_to_days(&p->last));
	stmt_bind_int(*sp, 3, client_id);
	return 0;
}

/* Narrowed to a category or a sub-unit: ?4 category, ?5 sub-unit (0: any). */
static bool narrowed(const struct report_filter *f)
{
	return f->category_id || f->client_unit_id;
}

/* The filter's groups as a JSON array for json_each ("[3,7]"), "" for any group. */
static void groups_text(const int64_t *ids, int n, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && at + 24 < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%c%lld", i ? ',' : '[',
		                       (long long)ids[i]);
	if (n > 0 && at + 2 < len)
		snprintf(buf + at, len - at, "]");
}

#define GROUPS_TEXT_LEN (REPORT_MAX_GROUPS * 22 + 4)

/* ?4 category, ?5 sub-unit (0: any), ?6 the groups as JSON ("": any). */
static void bind_filter(struct stmt *s, const struct report_filter *f)
{
	char g[GROUPS_TEXT_LEN];

	groups_text(f->group_ids, f->ngroups, g, sizeof(g));
	stmt_bind_int(s, 4, f->category_id);
	stmt_bind_int(s, 5, f->client_unit_id);
	stmt_bind_text(s, 6, g);
}

static bool in_groups(const struct report_filter *f, int64_t g)
{
	for (int i = 0; i < f->ngroups; i++)
		if (f->group_ids[i] == g)
			return true;
	return false;
}

/* Per category and per sub-unit, from the detail rollup. */
static int collect_details(struct db *db, const struct report_period *p, int64_t client_id,
                           const struct report_filter *f, struct agg *a)
{
	static const char q[] =
	        "SELECT category_id, client_unit_id, kind, channel, outcome, SUM(n)"
	        " FROM report_detail_days WHERE day >= ? AND day <= ? AND (?3 = 0 OR client_id = "
	        "?3)"
	        " AND (?4 = 0 OR category_id = ?4) AND (?5 = 0 OR client_unit_id = ?5) AND n <> 0"
	        " AND (?6 = '' OR group_id IN (SELECT value FROM json_each(?6)))"
	        " GROUP BY category_id, client_unit_id, kind, channel, outcome";
	struct stmt *s;
	int err = rollup_query(db, &s, q, p, client_id);

	if (err)
		return err;
	bind_filter(s, f);
	while ((err = stmt_step(s)) == DB_ROW) {
		int ki = index_of(kinds, NKINDS, stmt_text(s, 2));
		int ch = index_of(report_channels, REPORT_NCHANNELS, stmt_text(s, 3));
		int oc = index_of(outcomes, 4, stmt_text(s, 4));
		struct entry *e1 = find(&a->t[T_CATEGORIES], stmt_int(s, 0), 0, 0),
		             *e2 = e1 ? find(&a->t[T_CLIENT_UNITS], stmt_int(s, 1), 0, 0) : NULL;

		if (!e2) {
			err = ENOMEM;
			break;
		}
		counts_add(&e1->c, oc, ch, ki, stmt_int(s, 5));
		counts_add(&e2->c, oc, ch, ki, stmt_int(s, 5));
	}
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

static int collect_cases(struct db *db, const struct report_period *p, int64_t client_id,
                         const struct report_filter *f, struct agg *a)
{
	static const char q_all[] =
	        "SELECT group_id, client_id, kind, channel, outcome, n FROM report_case_days"
	        " WHERE day >= ? AND day <= ? AND (?3 = 0 OR client_id = ?3) AND n <> 0"
	        " AND (?6 = '' OR group_id IN (SELECT value FROM json_each(?6)))";
	static const char q_narrow[] =
	        "SELECT group_id, client_id, kind, channel, outcome, n FROM report_detail_days"
	        " WHERE day >= ? AND day <= ? AND (?3 = 0 OR client_id = ?3)"
	        " AND (?4 = 0 OR category_id = ?4) AND (?5 = 0 OR client_unit_id = ?5) AND n <> 0"
	        " AND (?6 = '' OR group_id IN (SELECT value FROM json_each(?6)))";
	struct stmt *s;
	int err = rollup_query(db, &s, narrowed(f) ? q_narrow : q_all, p, client_id);

	if (err)
		return err;
	bind_filter(s, f);
	while ((err = stmt_step(s)) == DB_ROW) {
		int64_t g = stmt_int(s, 0), c = stmt_int(s, 1), n = stmt_int(s, 5);
		int ki = index_of(kinds, NKINDS, stmt_text(s, 2));
		int ch = index_of(report_channels, REPORT_NCHANNELS, stmt_text(s, 3));
		int oc = index_of(outcomes, 4, stmt_text(s, 4));
		struct entry *e[6] = {
		        find(&a->t[T_ROWS], g, c, 0),    find(&a->t[T_GROUPS], g, 0, 0),
		        find(&a->t[T_CLIENTS], c, 0, 0), find(&a->t[T_UNITS], unit_of(a, g), 0, 0),
		        find(&a->t[T_KINDS], 0, 0, ki),  find(&a->t[T_CHANNELS], 0, 0, ch),
		};

		for (int i = 0; i < 6; i++) {
			if (!e[i]) {
				err = ENOMEM;
				break;
			}
			counts_add(&e[i]->c, oc, ch, ki, n);
		}
		if (err == ENOMEM)
			break;
		counts_add(&a->total.c, oc, ch, ki, n);
	}
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

static int collect_agents(struct db *db, const struct report_period *p, int64_t client_id,
                          const struct report_filter *f, struct agg *a)
{
	static const char q_all[] =
	        "SELECT agent_id, outcome, n FROM report_agent_days"
	        " WHERE day >= ? AND day <= ? AND (?3 = 0 OR client_id = ?3)"
	        " AND n <> 0 AND (?6 = '' OR group_id IN (SELECT value FROM json_each(?6)))";
	static const char q_narrow[] =
	        "SELECT agent_id, outcome, n FROM report_detail_days"
	        " WHERE day >= ? AND day <= ? AND (?3 = 0 OR client_id = ?3)"
	        " AND (?4 = 0 OR category_id = ?4) AND (?5 = 0 OR client_unit_id = ?5) AND n <> 0"
	        " AND (?6 = '' OR group_id IN (SELECT value FROM json_each(?6)))";
	struct stmt *s;
	int err = rollup_query(db, &s, narrowed(f) ? q_narrow : q_all, p, client_id);

	if (err)
		return err;
	bind_filter(s, f);
	while ((err = stmt_step(s)) == DB_ROW) {
		struct entry *e = find(&a->t[T_AGENTS], stmt_int(s, 0), 0, 0);

		if (!e) {
			err = ENOMEM;
			break;
		}
		counts_add(&e->c, index_of(outcomes, 4, stmt_text(s, 1)), -1, -1, stmt_int(s, 2));
	}
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

static void totals_sum(struct acd_totals *all, const struct acd_totals *t)
{
	all->offered += t->offered;
	all->answered += t->answered;
	all->answered_60 += t->answered_60;
	all->answered_180 += t->answered_180;
	all->abandoned += t->abandoned;
	all->short_abandoned += t->short_abandoned;
	all->wait_answered_ms += t->wait_answered_ms;
	if (t->longest_wait_ms > all->longest_wait_ms)
		all->longest_wait_ms = t->longest_wait_ms;
	all->handled += t->handled;
	all->talk_ms += t->talk_ms;
	all->wrapup_ms += t->wrapup_ms;
}

/* Calls per group from the queue's 15-minute rollups: every group with cases listed, and
 * for all clients every group whose queue had intervals in the period. */
static int collect_calls(struct db *db, const struct report_period *p, int64_t client_id,
                         const struct report_filter *f, struct agg *a)
{
	static const char q[] =
	        "SELECT COUNT(*), COALESCE(SUM(offered),0), COALESCE(SUM(answered),0),"
	        " COALESCE(SUM(answered_60),0), COALESCE(SUM(answered_180),0),"
	        " COALESCE(SUM(abandoned),0), COALESCE(SUM(short_abandoned),0),"
	        " COALESCE(SUM(wait_answered_ms),0), COALESCE(MAX(longest_wait_ms),0),"
	        " COALESCE(SUM(handled),0), COALESCE(SUM(talk_ms),0), COALESCE(SUM(wrapup_ms),0)"
	        " FROM acd_group_intervals WHERE group_id = ? AND start_ms >= ? AND start_ms < ?";
	int err = 0;

	for (size_t i = 0; i < a->ngroups && !err; i++) {
		struct acd_group_interval g;
		struct entry *e = NULL;
		struct stmt *s;
		int64_t gid = a->group_ids[i];
		bool listed = false;

		for (size_t j = 0; j < a->t[T_GROUPS].n; j++)
			listed |= a->t[T_GROUPS].v[j].id == gid;
		/* narrowed to groups: exactly those, with or without cases */
		if (f->ngroups ? !in_groups(f, gid) : !listed && client_id)
			continue;
		listed |= f->ngroups > 0;
		err = db_prepare(db, &s, q, true);
		if (err)
			break;
		stmt_bind_int(s, 1, gid);
		stmt_bind_int(s, 2, p->from * 1000);
		stmt_bind_int(s, 3, p->to * 1000);
		memset(&g, 0, sizeof(g));
		err = stmt_step(s);
		if (err == DB_ROW && (listed || stmt_int(s, 0) > 0)) {
			int col = 1;

			g.group = (uint32_t)gid;
			g.offered = (int)stmt_int(s, col++);
			g.answered = (int)stmt_int(s, col++);
			g.answered_60 = (int)stmt_int(s, col++);
			g.answered_180 = (int)stmt_int(s, col++);
			g.abandoned = (int)stmt_int(s, col++);
			g.short_abandoned = (int)stmt_int(s, col++);
			g.wait_answered_ms = stmt_int(s, col++);
			g.longest_wait_ms = stmt_int(s, col++);
			g.handled = (int)stmt_int(s, col++);
			g.talk_ms = stmt_int(s, col++);
			g.wrapup_ms = stmt_int(s, col++);
			e = find(&a->t[T_GROUPS], gid, 0, 0);
		}
		err = err == DB_ROW ? 0 : err == DB_DONE ? EIO : err;
		stmt_done(s);
		if (!err && e) {
			struct entry *u = find(&a->t[T_UNITS], a->unit_of[i], 0, 0);

			if (!u)
				return ENOMEM;
			acd_totals_add(&e->t, &g);
			e->calls = true;
			totals_sum(&u->t, &e->t);
			u->calls = true;
			totals_sum(&a->total.t, &e->t);
		}
	}
	return err;
}

/* The satisfaction question's answers per group and agent, for the groups listed. */
static int collect_survey(struct db *db, const struct report_period *p, struct agg *a)
{
	/* summed here rather than with GROUP BY: the covering index gives the answers in time
	 * order, and sorting a year of them for SQL's grouping cost more than the sums */
	static const char q[] =
	        "SELECT group_id, COALESCE(agent_id, 0), answer FROM tel_survey_answers"
	        " WHERE prompt = ? AND t_ms >= ? AND t_ms < ? AND answer BETWEEN 1 AND 5";
	struct entry *last_g = NULL, *last_a = NULL;
	struct stmt *s;
	int err = db_prepare(db, &s, q, true);

	if (err)
		return err;
	stmt_bind_text(s, 1, REPORT_SATISFACTION_PROMPT);
	stmt_bind_int(s, 2, p->from * 1000);
	stmt_bind_int(s, 3, p->to * 1000);
	while ((err = stmt_step(s)) == DB_ROW) {
		int64_t g = stmt_int(s, 0), agent = stmt_int(s, 1), n = 1;
		int ans = (int)stmt_int(s, 2);
		struct entry *ge = last_g && last_g->id == g ? last_g : NULL, *ue, *ae;

		for (size_t j = 0; !ge && j < a->t[T_GROUPS].n; j++)
			if (a->t[T_GROUPS].v[j].id == g)
				ge = &a->t[T_GROUPS].v[j];
		if (!ge)
			continue; /* a group not in this report (another client's) */
		last_g = ge;
		ue = find(&a->t[T_UNITS], unit_of(a, g), 0, 0);
		ae = !agent                          ? NULL
		     : last_a && last_a->id == agent ? last_a
		                                     : find(&a->t[T_AGENTS], agent, 0, 0);
		last_a = ae ? ae : last_a;
		if (!ue || (agent && !ae)) {
			err = ENOMEM;
			break;
		}
		ge->s.n[ans] += n;
		ue->s.n[ans] += n;
		if (ae)
			ae->s.n[ans] += n;
		a->total.s.n[ans] += n;
	}
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

static int collect(struct db *db, const struct report_period *p, int64_t client_id,
                   const struct report_filter *f, struct agg *a)
{
	int err;

	memset(a, 0, sizeof(*a));
	err = load_groups(db, a);
	if (!err)
		err = collect_cases(db, p, client_id, f, a);
	if (!err)
		err = collect_agents(db, p, client_id, f, a);
	if (!err)
		err = collect_details(db, p, client_id, f, a);
	if (!err)
		err = collect_calls(db, p, client_id, f, a);
	if (!err)
		err = collect_survey(db, p, a);
	if (err)
		agg_free(a);
	return err;
}

/* ======================================================================
 * The report as data (struct report)
 * ====================================================================== */

static double ratio(int64_t num_, int64_t den)
{
	return den > 0 ? round((double)num_ / (double)den * 10000.0) / 10000.0 : NAN;
}

static double real4(double v)
{
	return round(v * 10000.0) / 10000.0;
}

static void cases_set(struct report_cases *o, const struct counts *c)
{
	o->cases = c->cases;
	memcpy(o->outcome, c->outcome, sizeof(o->outcome));
	o->fcr = ratio(c->outcome[0], c->cases);
	o->fcr_incl_guided = ratio(c->outcome[0] + c->outcome[1], c->cases);
	memcpy(o->channel, c->channel, sizeof(o->channel));
	o->complaints = c->complaints;
	o->praise = c->praise;
}

/* Rates are NAN when nothing was offered (or answered, or handled) rather than the queue's
 * "100 % of nothing". */
static void calls_set(struct report_calls *o, struct acd_totals t)
{
	acd_totals_finish(&t);
	o->offered = t.offered;
	o->answered = t.answered;
	o->answered_60 = t.answered_60;
	o->answered_180 = t.answered_180;
	o->abandoned = t.abandoned;
	o->short_abandoned = t.short_abandoned;
	o->handled = t.handled;
	o->service_level_60 = ratio(t.answered_60, t.offered);
	o->service_level_180 = ratio(t.answered_180, t.offered);
	o->abandon_rate = ratio(t.abandoned, t.offered);
	o->asa_s = t.answered > 0 ? real4(t.asa_s) : NAN;
	o->aht_s = t.handled > 0 ? real4(t.aht_s) : NAN;
}

/* Shares 3–5 and 4–5 and SKR's 0–100 index (1→0 … 5→100). */
static void sat_set(struct report_sat *o, const struct sat *s)
{
	int64_t n = s->n[1] + s->n[2] + s->n[3] + s->n[4] + s->n[5];
	int64_t pts = s->n[2] * 25 + s->n[3] * 50 + s->n[4] * 75 + s->n[5] * 100;

	o->answers = n;
	for (int i = 0; i < 5; i++)
		o->dist[i] = s->n[i + 1];
	o->share_3_5 = ratio(s->n[3] + s->n[4] + s->n[5], n);
	o->share_4_5 = ratio(s->n[4] + s->n[5], n);
	o->index = n > 0 ? round((double)pts / (double)n * 100.0) / 100.0 : NAN;
}

static void figures_set(struct report_figures *f, const struct entry *e)
{
	cases_set(&f->c, &e->c);
	calls_set(&f->calls, e->t);
	sat_set(&f->sat, &e->s);
}

static const char *name_of(struct db *db, int table, int64_t id, char *buf, size_t n)
{
	static const char *const q[] = {
	        "SELECT name FROM groups WHERE id = ?",
	        "SELECT name FROM clients WHERE id = ?",
	        "SELECT name FROM units WHERE id = ?",
	        "SELECT display_name FROM users WHERE id = ?",
	        "SELECT name FROM categories WHERE id = ?",
	        "SELECT name FROM client_units WHERE id = ?",
	};
	struct stmt *s;

	snprintf(buf, n, "%s",
	         table == 3 && id == 0   ? "Ingen handläggare"
	         : table == 5 && id == 0 ? "Ingen underenhet angiven"
	                                 : "");
	if (db_prepare(db, &s, q[table], true))
		return buf;
	stmt_bind_int(s, 1, id);
	if (stmt_step(s) == DB_ROW)
		snprintf(buf, n, "%s", stmt_text(s, 0));
	stmt_done(s);
	return buf;
}

static int cmp_entry(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;

	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	if (a->id2 != b->id2)
		return a->id2 < b->id2 ? -1 : 1;
	return a->ki - b->ki;
}

static void row_shape(struct report_row *r, int t)
{
	r->full = t != T_AGENTS;
	r->calls = t == T_GROUPS || t == T_UNITS;
	r->sat = t == T_GROUPS || t == T_UNITS || t == T_AGENTS;
}

/* One period's tables, sorted, with their names, from what collect added up. */
static int part_set(struct db *db, const struct report_period *p, struct agg *a,
                    struct report_part *out)
{
	static const int name_table[NTABLES] = {0, 0, 1, 2, -1, -1, 3, 4, 5};

	snprintf(out->label, sizeof(out->label), "%s", p->label);
	out->from = p->from;
	out->to = p->to;
	for (int t = 0; t < NTABLES; t++) {
		struct table *tb = &a->t[t];

		if (tb->n > 1)
			qsort(tb->v, tb->n, sizeof(tb->v[0]), cmp_entry);
		out->t[t].v = tb->n ? calloc(tb->n, sizeof(out->t[t].v[0])) : NULL;
		if (tb->n && !out->t[t].v)
			return ENOMEM;
		out->t[t].n = tb->n;
		for (size_t i = 0; i < tb->n; i++) {
			struct report_row *r = &out->t[t].v[i];
			const struct entry *e = &tb->v[i];

			r->id = e->id;
			r->id2 = e->id2;
			r->ki = e->ki;
			if (name_table[t] >= 0)
				name_of(db, name_table[t], e->id, r->name, sizeof(r->name));
			if (t == T_ROWS)
				name_of(db, 1, e->id2, r->name2, sizeof(r->name2));
			row_shape(r, t);
			figures_set(&r->f, e);
			r->vs_fcr = r->vs_sl60 = r->vs_sat = NAN;
		}
	}
	out->total.full = out->total.calls = out->total.sat = true;
	figures_set(&out->total.f, &a->total);
	out->total.vs_fcr = out->total.vs_sl60 = out->total.vs_sat = NAN;
	return 0;
}

static double minus(double v, double w)
{
	return isnan(v) || isnan(w) ? NAN : real4(v - w);
}

/* cur − prev for every figure; a rate where either is NAN stays NAN. */
static void change_set(struct report_figures *d, const struct report_figures *c,
                       const struct report_figures *p)
{
	d->c.cases = c->c.cases - p->c.cases;
	for (int i = 0; i < REPORT_NOUTCOMES; i++)
		d->c.outcome[i] = c->c.outcome[i] - p->c.outcome[i];
	d->c.fcr = minus(c->c.fcr, p->c.fcr);
	d->c.fcr_incl_guided = minus(c->c.fcr_incl_guided, p->c.fcr_incl_guided);
	for (int i = 0; i < REPORT_NCHANNEL; i++)
		d->c.channel[i] = c->c.channel[i] - p->c.channel[i];
	d->c.complaints = c->c.complaints - p->c.complaints;
	d->c.praise = c->c.praise - p->c.praise;
	d->calls.offered = c->calls.offered - p->calls.offered;
	d->calls.answered = c->calls.answered - p->calls.answered;
	d->calls.answered_60 = c->calls.answered_60 - p->calls.answered_60;
	d->calls.answered_180 = c->calls.answered_180 - p->calls.answered_180;
	d->calls.abandoned = c->calls.abandoned - p->calls.abandoned;
	d->calls.short_abandoned = c->calls.short_abandoned - p->calls.short_abandoned;
	d->calls.handled = c->calls.handled - p->calls.handled;
	d->calls.service_level_60 = minus(c->calls.service_level_60, p->calls.service_level_60);
	d->calls.service_level_180 = minus(c->calls.service_level_180, p->calls.service_level_180);
	d->calls.abandon_rate = minus(c->calls.abandon_rate, p->calls.abandon_rate);
	d->calls.asa_s = minus(c->calls.asa_s, p->calls.asa_s);
	d->calls.aht_s = minus(c->calls.aht_s, p->calls.aht_s);
	d->sat.answers = c->sat.answers - p->sat.answers;
	d->sat.share_3_5 = minus(c->sat.share_3_5, p->sat.share_3_5);
	d->sat.share_4_5 = minus(c->sat.share_4_5, p->sat.share_4_5);
	d->sat.index = minus(c->sat.index, p->sat.index);
}

/* The row's previous one, its change and its distance to the targets. */
static void compare_row(struct report_row *r, const struct report_row *prev)
{
	r->prev = prev;
	if (prev)
		change_set(&r->change, &r->f, &prev->f);
	r->vs_fcr = minus(r->f.c.fcr, REPORT_TARGET_FCR);
	r->vs_sl60 = r->calls ? minus(r->f.calls.service_level_60, REPORT_TARGET_SL60) : NAN;
	r->vs_sat = r->sat ? minus(r->f.sat.share_4_5, REPORT_TARGET_SATISFACTION) : NAN;
}

static void part_free(struct report_part *p)
{
	for (int t = 0; t < REPORT_NTABLES; t++)
		free(p->t[t].v);
}

void report_free(struct report *rep)
{
	if (!rep)
		return;
	part_free(&rep->cur);
	part_free(&rep->prev);
	report_mail_free(&rep->mail);
	free(rep->sat_months);
	free(rep);
}

int report_busy_add(struct db *db, int64_t group, int64_t from, int64_t to, int64_t sum[7][24])
{
	int64_t hour = -1;
	struct local_time lt = {0};
	struct stmt *s;
	int rc, err = db_prepare(db, &s,
	                         "SELECT start_ms, offered FROM acd_group_intervals"
	                         " WHERE group_id = ? AND start_ms >= ? AND start_ms < ?"
	                         " AND offered > 0",
	                         true);

	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	stmt_bind_int(s, 2, from * 1000);
	stmt_bind_int(s, 3, to * 1000);
	while ((rc = stmt_step(s)) == DB_ROW) {
		int64_t t = stmt_int(s, 0) / 1000;

		/* Stockholm is a whole number of hours from UTC: one conversion serves the
		 * four quarter hours of an hour. */
		if (t / 3600 != hour) {
			hour = t / 3600;
			calendar_local_from_utc(t, &lt);
		}
		if (lt.wday >= 0 && lt.wday < 7 && lt.hour >= 0 && lt.hour < 24)
			sum[lt.wday][lt.hour] += stmt_int(s, 1);
	}
	stmt_done(s);
	return rc == DB_DONE ? 0 : EIO;
}

/* A group lead's filter: the groups named, each one they are a member of (EPERM
 * otherwise), or all of theirs when none is named (EPERM when they are in none). */
static int lead_groups(struct db *db, const struct principal *who, const struct report_filter *f,
                       struct report_filter *out)
{
	struct stmt *s;
	int rc, err;

	*out = *f;
	if (f->ngroups > 0) {
		for (int i = 0; i < f->ngroups; i++)
			if (db_scalar_int(
			            db,
			            "SELECT EXISTS(SELECT 1 FROM user_groups WHERE user_id = ?"
			            " AND group_id = ?)",
			            who->id, f->group_ids[i]) != 1)
				return EPERM;
		return 0;
	}
	err = db_prepare(db, &s,
	                 "SELECT group_id FROM user_groups WHERE user_id = ? ORDER BY group_id",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, who->id);
	while ((rc = stmt_step(s)) == DB_ROW && out->ngroups < REPORT_MAX_GROUPS)
		out->group_ids[out->ngroups++] = stmt_int(s, 0);
	stmt_done(s);
	if (rc != DB_ROW && rc != DB_DONE)
		return rc;
	return out->ngroups > 0 ? 0 : EPERM;
}

/* Service level per hour of the day and satisfaction per month, over the report's groups
 * (the period's listed groups: those with cases, or named by the filter). */
static int collect_hours_and_months(struct db *db, const struct report_period *p,
                                    struct report *rep)
{
	static const char q_sl[] = "SELECT start_ms, offered, answered_60 FROM acd_group_intervals"
	                           " WHERE group_id = ? AND start_ms >= ? AND start_ms < ?"
	                           " AND offered > 0";
	static const char q_sat[] =
	        "SELECT t_ms, answer, group_id FROM tel_survey_answers"
	        " WHERE prompt = ? AND t_ms >= ? AND t_ms < ? AND answer BETWEEN 1 AND 5";
	const struct {
		struct report_row *v;
		size_t n;
	} g = {rep->cur.t[REPORT_GROUPS].v, rep->cur.t[REPORT_GROUPS].n};
	struct sat *months = NULL;
	size_t nmonths;
	int err = 0, rc;

	/* months of the period, first to last */
	nmonths = (size_t)((p->last.y - p->first.y) * 12 + (p->last.m - p->first.m) + 1);
	months = calloc(nmonths, sizeof(*months));
	rep->sat_months = calloc(nmonths, sizeof(*rep->sat_months));
	if (!months || !rep->sat_months) {
		free(months);
		return ENOMEM;
	}
	rep->nsat_months = nmonths;
	for (size_t i = 0; i < g.n && !err; i++) {
		int64_t hour = -1;
		struct local_time lt = {0};
		struct stmt *s;

		err = db_prepare(db, &s, q_sl, true);
		if (err)
			break;
		stmt_bind_int(s, 1, g.v[i].id);
		stmt_bind_int(s, 2, p->from * 1000);
		stmt_bind_int(s, 3, p->to * 1000);
		while ((rc = stmt_step(s)) == DB_ROW) {
			int64_t t = stmt_int(s, 0) / 1000;

			if (t / 3600 != hour) {
				hour = t / 3600;
				calendar_local_from_utc(t, &lt);
			}
			if (lt.hour >= 0 && lt.hour < 24) {
				rep->sl_hours[lt.hour].offered += stmt_int(s, 1);
				rep->sl_hours[lt.hour].answered_60 += stmt_int(s, 2);
			}
		}
		stmt_done(s);
		if (rc != DB_DONE) {
			err = EIO;
			break;
		}
	}
	/* the answers of the period in one scan (the covering index's time order), kept for
	 * the report's groups */
	if (!err) {
		int64_t hour = -1, last_g = 0;
		bool last_in = false;
		struct local_time lt = {0};
		struct stmt *s;

		err = db_prepare(db, &s, q_sat, true);
		if (!err) {
			stmt_bind_text(s, 1, REPORT_SATISFACTION_PROMPT);
			stmt_bind_int(s, 2, p->from * 1000);
			stmt_bind_int(s, 3, p->to * 1000);
			while ((rc = stmt_step(s)) == DB_ROW) {
				int64_t t = stmt_int(s, 0) / 1000, grp = stmt_int(s, 2), at;

				if (grp != last_g || !last_g) {
					last_g = grp;
					last_in = false;
					for (size_t i = 0; i < g.n && !last_in; i++)
						last_in = g.v[i].id == grp;
				}
				if (!last_in)
					continue;
				if (t / 3600 != hour) {
					hour = t / 3600;
					calendar_local_from_utc(t, &lt);
				}
				at = (int64_t)(lt.date.y - p->first.y) * 12 +
				     (lt.date.m - p->first.m);
				if (at >= 0 && (size_t)at < nmonths)
					months[at].n[stmt_int(s, 1)]++;
			}
			stmt_done(s);
			if (rc != DB_DONE)
				err = EIO;
		}
	}
	for (int h = 0; h < 24; h++)
		rep->sl_hours[h].service_level_60 =
		        ratio(rep->sl_hours[h].answered_60, rep->sl_hours[h].offered);
	for (size_t i = 0; i < nmonths; i++) {
		int y = p->first.y + (int)((p->first.m - 1 + (int)i) / 12);
		int m = (p->first.m - 1 + (int)i) % 12 + 1;

		snprintf(rep->sat_months[i].month, sizeof(rep->sat_months[i].month), "%04d-%02d", y,
		         m);
		sat_set(&rep->sat_months[i].sat, &months[i]);
	}
	free(months);
	return err;
}

int report_build(struct db *db, const struct principal *who, const char *period, int64_t client_id,
                 struct report **out)
{
	return report_build_filtered(db, who, period, client_id, NULL, out);
}

int report_build_filtered(struct db *db, const struct principal *who, const char *period,
                          int64_t client_id, const struct report_filter *filter,
                          struct report **out)
{
	static const struct report_filter none = {0};
	const struct report_filter *f = filter ? filter : &none;
	struct report_filter lf;
	struct report_period p, pp;
	struct report *rep;
	struct agg a, pa;
	int err;

	*out = NULL;
	if (report_period_parse(period, &p))
		return EINVAL;
	if (f->ngroups < 0 || f->ngroups > REPORT_MAX_GROUPS)
		return EINVAL;
	for (int i = 0; i < f->ngroups; i++)
		if (db_scalar_int(db, "SELECT EXISTS(SELECT 1 FROM groups WHERE id = ?)",
		                  f->group_ids[i]) != 1)
			return ENOENT;
	if (who->role == ROLE_GROUP_LEAD) {
		err = lead_groups(db, who, f, &lf);
		if (err)
			return err;
		f = &lf;
	} else {
		err = report_access_check(who, &client_id);
		if (err)
			return err;
	}
	if (f->category_id &&
	    db_scalar_int(db, "SELECT EXISTS(SELECT 1 FROM categories WHERE id = ?)",
	                  f->category_id) != 1)
		return ENOENT;
	if (f->client_unit_id) {
		int64_t owner = db_scalar_int(db, "SELECT client_id FROM client_units WHERE id = ?",
		                              f->client_unit_id);
		if (owner <= 0)
			return ENOENT;
		/* a department sees its own sub-units only */
		if (who->role == ROLE_CLIENT_VIEWER && owner != who->client_id)
			return EPERM;
	}
	report_period_previous(&p, &pp);
	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return ENOMEM;
	rep->kind = p.kind;
	rep->client_id = client_id;
	rep->filter = *f; /* as applied: a lead's groups when none was named */
	err = collect(db, &p, client_id, f, &a);
	if (err) {
		free(rep);
		return err;
	}
	err = collect(db, &pp, client_id, f, &pa);
	if (err) {
		agg_free(&a);
		free(rep);
		return err;
	}
	err = part_set(db, &p, &a, &rep->cur);
	if (!err)
		err = part_set(db, &pp, &pa, &rep->prev);
	agg_free(&a);
	agg_free(&pa);
	/* every row of the period with its row of the period before (same table and keys) */
	for (int t = 0; !err && t < REPORT_NTABLES; t++) {
		for (size_t i = 0; i < rep->cur.t[t].n; i++) {
			struct report_row *r = &rep->cur.t[t].v[i];
			const struct report_row *match = NULL;

			for (size_t j = 0; !match && j < rep->prev.t[t].n; j++) {
				const struct report_row *q = &rep->prev.t[t].v[j];

				if (q->id == r->id && q->id2 == r->id2 && q->ki == r->ki)
					match = q;
			}
			compare_row(r, match);
		}
	}
	if (!err) {
		compare_row(&rep->cur.total, &rep->prev.total);
		/* when the report's groups are busy over the period */
		for (size_t i = 0; !err && i < rep->cur.t[REPORT_GROUPS].n; i++)
			err = report_busy_add(db, rep->cur.t[REPORT_GROUPS].v[i].id, p.from, p.to,
			                      rep->busy_hours);
		rep->busy = true;
		rep->busy_days =
		        (int)(calendar_date_to_days(&p.last) - calendar_date_to_days(&p.first) + 1);
		err = report_mail_collect(db, p.from, p.to, client_id, f->group_ids, f->ngroups,
		                          &rep->mail);
	}
	if (!err)
		err = collect_hours_and_months(db, &p, rep);
	if (err) {
		report_free(rep);
		return err;
	}
	*out = rep;
	return 0;
}

/* ======================================================================
 * JSON, from the struct
 * ====================================================================== */

static json_t *real_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

/* An integer, or null where a change has no previous row to be a change from. */
static json_t *int_or_null(int64_t v, bool null)
{
	return null ? json_null() : json_integer(v);
}

/* The figures in the order the API has always shown them; `null`: every one null (a row's
 * change when the previous period has no such row). */
static void figures_json(json_t *o, const struct report_row *r, const struct report_figures *f,
                         bool null)
{
	static const char *const outcome_keys[] = {"resolved", "guided", "handed_over",
	                                           "forwarded_urgent"};
	json_t *x;

	json_object_set_new(o, "cases", int_or_null(f->c.cases, null));
	for (int i = 0; i < REPORT_NOUTCOMES; i++)
		json_object_set_new(o, outcome_keys[i], int_or_null(f->c.outcome[i], null));
	json_object_set_new(o, "fcr", null ? json_null() : real_or_null(f->c.fcr));
	json_object_set_new(o, "fcr_incl_guided",
	                    null ? json_null() : real_or_null(f->c.fcr_incl_guided));
	if (r->full) {
		x = json_object();
		for (int i = 0; i < REPORT_NCHANNELS; i++)
			json_object_set_new(x, report_channels[i],
			                    int_or_null(f->c.channel[i], null));
		json_object_set_new(o, "channels", x);
		json_object_set_new(o, "complaints", int_or_null(f->c.complaints, null));
		json_object_set_new(o, "praise", int_or_null(f->c.praise, null));
	}
	if (r->calls) {
		const struct report_calls *c = &f->calls;

		x = json_object();
		json_object_set_new(x, "offered", int_or_null(c->offered, null));
		json_object_set_new(x, "answered", int_or_null(c->answered, null));
		json_object_set_new(x, "answered_60", int_or_null(c->answered_60, null));
		json_object_set_new(x, "answered_180", int_or_null(c->answered_180, null));
		json_object_set_new(x, "abandoned", int_or_null(c->abandoned, null));
		json_object_set_new(x, "short_abandoned", int_or_null(c->short_abandoned, null));
		json_object_set_new(x, "handled", int_or_null(c->handled, null));
		json_object_set_new(x, "service_level_60",
		                    null ? json_null() : real_or_null(c->service_level_60));
		json_object_set_new(x, "service_level_180",
		                    null ? json_null() : real_or_null(c->service_level_180));
		json_object_set_new(x, "abandon_rate",
		                    null ? json_null() : real_or_null(c->abandon_rate));
		json_object_set_new(x, "asa_s", null ? json_null() : real_or_null(c->asa_s));
		json_object_set_new(x, "aht_s", null ? json_null() : real_or_null(c->aht_s));
		json_object_set_new(o, "calls", x);
	}
	if (r->sat) {
		const struct report_sat *s = &f->sat;

		x = json_object();
		json_object_set_new(x, "answers", int_or_null(s->answers, null));
		json_object_set_new(x, "share_3_5",
		                    null ? json_null() : real_or_null(s->share_3_5));
		json_object_set_new(x, "share_4_5",
		                    null ? json_null() : real_or_null(s->share_4_5));
		json_object_set_new(x, "index", null ? json_null() : real_or_null(s->index));
		if (f == &r->f) { /* the answers 1–5, not for a change */
			json_t *d = json_array();

			for (int i = 0; i < 5; i++)
				json_array_append_new(d, json_integer(s->dist[i]));
			json_object_set_new(x, "distribution", d);
		}
		json_object_set_new(o, "satisfaction", x);
	}
}

/* A row of table `t` with its keys and names and its figures. */
static json_t *row_json(int t, const struct report_row *r)
{
	json_t *o = json_object();

	switch (t) {
	case REPORT_ROWS:
		json_object_set_new(o, "group_id", json_integer(r->id));
		json_object_set_new(o, "group_name", json_string(r->name));
		json_object_set_new(o, "client_id", json_integer(r->id2));
		json_object_set_new(o, "client_name", json_string(r->name2));
		break;
	case REPORT_GROUPS:
		json_object_set_new(o, "group_id", json_integer(r->id));
		json_object_set_new(o, "group_name", json_string(r->name));
		break;
	case REPORT_CLIENTS:
		json_object_set_new(o, "client_id", json_integer(r->id));
		json_object_set_new(o, "client_name", json_string(r->name));
		break;
	case REPORT_UNITS:
		json_object_set_new(o, "unit_id", json_integer(r->id));
		json_object_set_new(o, "unit_name", json_string(r->name));
		break;
	case REPORT_KINDS:
		json_object_set_new(o, "kind", json_string(report_kinds[r->ki]));
		break;
	case REPORT_CHANNELS:
		json_object_set_new(o, "channel", json_string(report_channels[r->ki]));
		break;
	case REPORT_CATEGORIES:
		json_object_set_new(o, "category_id", json_integer(r->id));
		json_object_set_new(o, "category_name", json_string(r->name));
		break;
	case REPORT_CLIENT_UNITS:
		json_object_set_new(o, "client_unit_id", r->id ? json_integer(r->id) : json_null());
		json_object_set_new(o, "client_unit_name", json_string(r->name));
		break;
	default:
		json_object_set_new(o, "agent_id", json_integer(r->id));
		json_object_set_new(o, "agent_name", json_string(r->name));
	}
	figures_json(o, r, &r->f, false);
	return o;
}

/* How far a row is from the targets, in fraction points; only what the row has. */
static json_t *vs_target_json(const struct report_row *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "fcr", real_or_null(r->vs_fcr));
	if (r->calls)
		json_object_set_new(o, "service_level_60", real_or_null(r->vs_sl60));
	if (r->sat)
		json_object_set_new(o, "satisfaction", real_or_null(r->vs_sat));
	return o;
}

/* A table's rows; in the current period each with its change, distance to the targets and
 * previous row (or null). */
static json_t *table_json(const struct report_part *p, int t, bool compared)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < p->t[t].n; i++) {
		const struct report_row *r = &p->t[t].v[i];
		json_t *o = row_json(t, r), *chg;

		if (compared) {
			chg = json_object();
			figures_json(chg, r, &r->change, !r->prev);
			json_object_set_new(o, "change", chg);
			json_object_set_new(o, "vs_target", vs_target_json(r));
			json_object_set_new(o, "previous",
			                    r->prev ? row_json(t, r->prev) : json_null());
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

/* One period's figures: rows, groups (calls and satisfaction), totals. */
static json_t *part_json(const struct report_part *p, bool compared)
{
	json_t *o = json_object(), *groups = json_array(), *totals = json_object();
	char from[21], to[21];

	calendar_format_iso8601(p->from, from);
	calendar_format_iso8601(p->to, to);
	json_object_set_new(o, "month", json_string(p->label));
	json_object_set_new(o, "period", json_string(p->label));
	json_object_set_new(o, "from", json_string(from));
	json_object_set_new(o, "to", json_string(to));
	json_object_set_new(o, "rows", table_json(p, REPORT_ROWS, compared));
	/* the monthly report's "groups": calls and satisfaction of the groups listed */
	for (size_t i = 0; i < p->t[REPORT_GROUPS].n; i++) {
		const struct report_row *r = &p->t[REPORT_GROUPS].v[i];
		json_t *g = row_json(REPORT_GROUPS, r);

		json_array_append_new(groups,
		                      json_pack("{s:O,s:O,s:O,s:O}", "group_id",
		                                json_object_get(g, "group_id"), "group_name",
		                                json_object_get(g, "group_name"), "calls",
		                                json_object_get(g, "calls"), "satisfaction",
		                                json_object_get(g, "satisfaction")));
		json_decref(g);
	}
	json_object_set_new(o, "groups", groups);
	figures_json(totals, &p->total, &p->total.f, false);
	json_object_set_new(o, "totals", totals);
	return o;
}

int report_json(const struct report *rep, json_t **out)
{
	static const char *const kind_names[] = {"month", "tertial", "year", "range"};
	static const char *const names[] = {"rows",   "groups",     "clients",
	                                    "units",  "kinds",      "channels",
	                                    "agents", "categories", "client_units"};
	json_t *o, *b = json_object(), *chg = json_object();

	o = part_json(&rep->cur, true);
	for (int t = REPORT_GROUPS; t < REPORT_NTABLES; t++)
		json_object_set_new(b, names[t], table_json(&rep->cur, t, true));
	json_object_set_new(o, "breakdowns", b);
	if (rep->busy) {
		json_t *rows = json_array();

		for (int d = 0; d < 7; d++) {
			json_t *row = json_array();

			for (int h = 0; h < 24; h++)
				json_array_append_new(row, json_integer(rep->busy_hours[d][h]));
			json_array_append_new(rows, row);
		}
		json_object_set_new(
		        o, "busy_hours",
		        json_pack("{s:i,s:o}", "days", rep->busy_days, "offered", rows));
	}
	{
		json_t *hours = json_array(), *months = json_array(), *groups = json_array();

		for (int h = 0; h < 24; h++)
			json_array_append_new(
			        hours,
			        json_pack("{s:i,s:I,s:I,s:o}", "hour", h, "offered",
			                  (json_int_t)rep->sl_hours[h].offered, "answered_60",
			                  (json_int_t)rep->sl_hours[h].answered_60,
			                  "service_level_60",
			                  real_or_null(rep->sl_hours[h].service_level_60)));
		json_object_set_new(o, "service_level_hours", hours);
		for (size_t i = 0; i < rep->nsat_months; i++) {
			const struct report_sat *st = &rep->sat_months[i].sat;
			json_t *d = json_array();

			for (int k = 0; k < 5; k++)
				json_array_append_new(d, json_integer(st->dist[k]));
			json_array_append_new(months,
			                      json_pack("{s:s,s:I,s:o,s:o,s:o}", "month",
			                                rep->sat_months[i].month, "answers",
			                                (json_int_t)st->answers, "distribution", d,
			                                "share_3_5", real_or_null(st->share_3_5),
			                                "share_4_5", real_or_null(st->share_4_5)));
		}
		json_object_set_new(o, "satisfaction_months", months);
		for (int i = 0; i < rep->filter.ngroups; i++)
			json_array_append_new(groups, json_integer(rep->filter.group_ids[i]));
		json_object_set_new(o, "group_ids", groups);
	}
	json_object_set_new(o, "kind", json_string(kind_names[rep->kind]));
	json_object_set_new(o, "client_id",
	                    rep->client_id ? json_integer(rep->client_id) : json_null());
	json_object_set_new(o, "category_id",
	                    rep->filter.category_id ? json_integer(rep->filter.category_id)
	                                            : json_null());
	json_object_set_new(o, "client_unit_id",
	                    rep->filter.client_unit_id ? json_integer(rep->filter.client_unit_id)
	                                               : json_null());
	figures_json(chg, &rep->cur.total, &rep->cur.total.change, false);
	json_object_set_new(o, "change", chg);
	json_object_set_new(json_object_get(o, "totals"), "vs_target",
	                    vs_target_json(&rep->cur.total));
	json_object_set_new(o, "targets",
	                    json_pack("{s:f,s:f,s:f}", "service_level_60", REPORT_TARGET_SL60,
	                              "fcr", REPORT_TARGET_FCR, "satisfaction",
	                              REPORT_TARGET_SATISFACTION));
	/* the previous period keeps its figures, not its own breakdowns */
	json_object_set_new(o, "previous", part_json(&rep->prev, false));
	json_object_set_new(o, "mail", report_mail_json(&rep->mail));
	*out = o;
	return o ? 0 : ENOMEM;
}

int report_period(struct db *db, const struct principal *who, const char *period, int64_t client_id,
                  json_t **out)
{
	struct report *rep;
	int err;

	*out = NULL;
	err = report_build(db, who, period, client_id, &rep);
	if (!err)
		err = report_json(rep, out);
	report_free(rep);
	return err;
}

int report_monthly(struct db *db, const struct principal *who, const char *month, int64_t client_id,
                   json_t **out)
{
	struct report_month m;

	*out = NULL;
	if (report_month_parse(month, &m))
		return EINVAL;
	return report_period(db, who, month, client_id, out);
}
