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

static const char *const kinds[] = {"question", "matter", "opinion",     "complaint",
                                    "praise",   "idea",   "fault_report"};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))
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

enum { T_ROWS, T_GROUPS, T_CLIENTS, T_UNITS, T_KINDS, T_CHANNELS, T_AGENTS, NTABLES };

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

static int collect_cases(struct db *db, const struct report_period *p, int64_t client_id,
                         struct agg *a)
{
	static const char q[] =
	        "SELECT group_id, client_id, kind, channel, outcome, n FROM report_case_days"
	        " WHERE day >= ? AND day <= ? AND (?3 = 0 OR client_id = ?3) AND n <> 0";
	struct stmt *s;
	int err = rollup_query(db, &s, q, p, client_id);

	if (err)
		return err;
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
                          struct agg *a)
{
	static const char q[] = "SELECT agent_id, outcome, n FROM report_agent_days"
	                        " WHERE day >= ? AND day <= ? AND (?3 = 0 OR client_id = ?3)"
	                        " AND n <> 0";
	struct stmt *s;
	int err = rollup_query(db, &s, q, p, client_id);

	if (err)
		return err;
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
                         struct agg *a)
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
		if (!listed && client_id)
			continue;
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

static int collect(struct db *db, const struct report_period *p, int64_t client_id, struct agg *a)
{
	int err;

	memset(a, 0, sizeof(*a));
	err = load_groups(db, a);
	if (!err)
		err = collect_cases(db, p, client_id, a);
	if (!err)
		err = collect_agents(db, p, client_id, a);
	if (!err)
		err = collect_calls(db, p, client_id, a);
	if (!err)
		err = collect_survey(db, p, a);
	if (err)
		agg_free(a);
	return err;
}

/* ======================================================================
 * JSON
 * ====================================================================== */

static json_t *ratio(int64_t num_, int64_t den)
{
	return den > 0 ? json_real(round((double)num_ / (double)den * 10000.0) / 10000.0)
	               : json_null();
}

static json_t *real4(double v)
{
	return json_real(round(v * 10000.0) / 10000.0);
}

static json_t *counts_json(const struct counts *c, bool full)
{
	json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "cases", (json_int_t)c->cases,
	                      "resolved", (json_int_t)c->outcome[0], "guided",
	                      (json_int_t)c->outcome[1], "handed_over", (json_int_t)c->outcome[2],
	                      "forwarded_urgent", (json_int_t)c->outcome[3], "fcr",
	                      ratio(c->outcome[0], c->cases), "fcr_incl_guided",
	                      ratio(c->outcome[0] + c->outcome[1], c->cases));

	if (full) {
		json_t *ch = json_object();

		for (size_t i = 0; i < REPORT_NCHANNELS; i++)
			json_object_set_new(ch, report_channels[i], json_integer(c->channel[i]));
		json_object_set_new(o, "channels", ch);
		json_object_set_new(o, "complaints", json_integer(c->complaints));
		json_object_set_new(o, "praise", json_integer(c->praise));
	}
	return o;
}

/* Call figures per DESIGN.md; rates are null when nothing was offered (or answered, or
 * handled) rather than the queue's "100 % of nothing". */
static json_t *calls_json(struct acd_totals t)
{
	json_t *o;

	acd_totals_finish(&t);
	o = json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "offered", t.offered, "answered", t.answered,
	              "answered_60", t.answered_60, "answered_180", t.answered_180, "abandoned",
	              t.abandoned, "short_abandoned", t.short_abandoned, "handled", t.handled);
	json_object_set_new(o, "service_level_60", ratio(t.answered_60, t.offered));
	json_object_set_new(o, "service_level_180", ratio(t.answered_180, t.offered));
	json_object_set_new(o, "abandon_rate", ratio(t.abandoned, t.offered));
	json_object_set_new(o, "asa_s", t.answered > 0 ? real4(t.asa_s) : json_null());
	json_object_set_new(o, "aht_s", t.handled > 0 ? real4(t.aht_s) : json_null());
	return o;
}

/* Shares 3–5 and 4–5 and SKR's 0–100 index (1→0 … 5→100); null without answers. */
static json_t *sat_json(const struct sat *s)
{
	int64_t n = s->n[1] + s->n[2] + s->n[3] + s->n[4] + s->n[5];
	int64_t pts = s->n[2] * 25 + s->n[3] * 50 + s->n[4] * 75 + s->n[5] * 100;

	return json_pack("{s:I,s:o,s:o,s:o}", "answers", (json_int_t)n, "share_3_5",
	                 ratio(s->n[3] + s->n[4] + s->n[5], n), "share_4_5",
	                 ratio(s->n[4] + s->n[5], n), "index",
	                 n > 0 ? json_real(round((double)pts / (double)n * 100.0) / 100.0)
	                       : json_null());
}

static const char *name_of(struct db *db, int table, int64_t id, char *buf, size_t n)
{
	static const char *const q[] = {
	        "SELECT name FROM groups WHERE id = ?",
	        "SELECT name FROM clients WHERE id = ?",
	        "SELECT name FROM units WHERE id = ?",
	        "SELECT display_name FROM users WHERE id = ?",
	};
	struct stmt *s;

	snprintf(buf, n, "%s", table == 3 && id == 0 ? "Ingen handläggare" : "");
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

/* The figures of one entry of table `t` with its keys and names. */
static json_t *entry_json(struct db *db, int t, const struct entry *e)
{
	char name[160];
	json_t *o;

	switch (t) {
	case T_ROWS:
		o = json_pack("{s:I,s:s}", "group_id", (json_int_t)e->id, "group_name",
		              name_of(db, 0, e->id, name, sizeof(name)));
		json_object_set_new(o, "client_id", json_integer(e->id2));
		json_object_set_new(o, "client_name",
		                    json_string(name_of(db, 1, e->id2, name, sizeof(name))));
		break;
	case T_GROUPS:
		o = json_pack("{s:I,s:s}", "group_id", (json_int_t)e->id, "group_name",
		              name_of(db, 0, e->id, name, sizeof(name)));
		break;
	case T_CLIENTS:
		o = json_pack("{s:I,s:s}", "client_id", (json_int_t)e->id, "client_name",
		              name_of(db, 1, e->id, name, sizeof(name)));
		break;
	case T_UNITS:
		o = json_pack("{s:I,s:s}", "unit_id", (json_int_t)e->id, "unit_name",
		              name_of(db, 2, e->id, name, sizeof(name)));
		break;
	case T_KINDS:
		o = json_pack("{s:s}", "kind", kinds[e->ki]);
		break;
	case T_CHANNELS:
		o = json_pack("{s:s}", "channel", report_channels[e->ki]);
		break;
	default:
		o = json_pack("{s:I,s:s}", "agent_id", (json_int_t)e->id, "agent_name",
		              name_of(db, 3, e->id, name, sizeof(name)));
	}
	json_object_update_new(o, counts_json(&e->c, t != T_AGENTS));
	if (t == T_GROUPS || t == T_UNITS)
		json_object_set_new(o, "calls", calls_json(e->t));
	if (t == T_GROUPS || t == T_UNITS || t == T_AGENTS)
		json_object_set_new(o, "satisfaction", sat_json(&e->s));
	return o;
}

static json_t *table_json(struct db *db, struct agg *a, int t)
{
	json_t *arr = json_array();
	struct table *tb = &a->t[t];

	if (tb->n > 1)
		qsort(tb->v, tb->n, sizeof(tb->v[0]), cmp_entry);
	for (size_t i = 0; i < tb->n; i++)
		json_array_append_new(arr, entry_json(db, t, &tb->v[i]));
	return arr;
}

/* One period's figures: rows, groups (calls and satisfaction), totals and breakdowns. */
static json_t *period_json(struct db *db, const struct report_period *p, struct agg *a)
{
	static const char *const names[] = {"rows",  "groups",   "clients", "units",
	                                    "kinds", "channels", "agents"};
	json_t *b = json_object(), *groups = json_array(), *totals, *o, *bg;
	char from[21], to[21];
	size_t i;
	json_t *g;

	for (int t = T_GROUPS; t < NTABLES; t++)
		json_object_set_new(b, names[t], table_json(db, a, t));
	/* the monthly report's "groups": calls and satisfaction of the groups listed */
	bg = json_object_get(b, "groups");
	json_array_foreach(bg, i, g)
	{
		json_array_append_new(groups,
		                      json_pack("{s:O,s:O,s:O,s:O}", "group_id",
		                                json_object_get(g, "group_id"), "group_name",
		                                json_object_get(g, "group_name"), "calls",
		                                json_object_get(g, "calls"), "satisfaction",
		                                json_object_get(g, "satisfaction")));
	}
	totals = counts_json(&a->total.c, true);
	json_object_set_new(totals, "calls", calls_json(a->total.t));
	json_object_set_new(totals, "satisfaction", sat_json(&a->total.s));
	calendar_format_iso8601(p->from, from);
	calendar_format_iso8601(p->to, to);
	o = json_pack("{s:s,s:s,s:s,s:s}", "month", p->label, "period", p->label, "from", from,
	              "to", to);
	json_object_set_new(o, "rows", table_json(db, a, T_ROWS));
	json_object_set_new(o, "groups", groups);
	json_object_set_new(o, "totals", totals);
	json_object_set_new(o, "breakdowns", b);
	return o;
}

/* cur − prev for every number both hold, recursively; null where either is null. */
static json_t *difference(const json_t *cur, const json_t *prev)
{
	json_t *o = json_object();
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)cur, k, v)
	{
		json_t *p = json_object_get(prev, k);

		if (strcmp(k, "previous") == 0 || strcmp(k, "change") == 0 ||
		    strcmp(k, "vs_target") == 0 || strcmp(k, "group_id") == 0 ||
		    strcmp(k, "client_id") == 0 || strcmp(k, "unit_id") == 0 ||
		    strcmp(k, "agent_id") == 0)
			continue;
		if (json_is_object(v))
			json_object_set_new(o, k, difference(v, p));
		else if (json_is_integer(v) && json_is_integer(p))
			json_object_set_new(
			        o, k, json_integer(json_integer_value(v) - json_integer_value(p)));
		else if (json_is_number(v) && json_is_number(p))
			json_object_set_new(o, k,
			                    real4(json_number_value(v) - json_number_value(p)));
		else if (json_is_number(v) || json_is_null(v))
			json_object_set_new(o, k, json_null());
	}
	return o;
}

static json_t *minus(const json_t *v, double target)
{
	return json_is_number(v) ? real4(json_number_value(v) - target) : json_null();
}

/* How far a row is from the targets, in fraction points; only what the row has. */
static json_t *vs_target(const json_t *row)
{
	json_t *o = json_object();

	if (json_object_get(row, "fcr"))
		json_object_set_new(o, "fcr",
		                    minus(json_object_get(row, "fcr"), REPORT_TARGET_FCR));
	if (json_object_get(row, "calls"))
		json_object_set_new(
		        o, "service_level_60",
		        minus(report_get_path(row, "calls.service_level_60"), REPORT_TARGET_SL60));
	if (json_object_get(row, "satisfaction"))
		json_object_set_new(o, "satisfaction",
		                    minus(report_get_path(row, "satisfaction.share_4_5"),
		                          REPORT_TARGET_SATISFACTION));
	return o;
}

static bool same_key(const json_t *a, const json_t *b)
{
	static const char *const keys[] = {"group_id", "client_id", "unit_id",
	                                   "agent_id", "kind",      "channel"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const json_t *x = json_object_get(a, keys[i]), *y = json_object_get(b, keys[i]);

		if ((x || y) && !json_equal(x, y)) /* json_equal is false for two NULLs */
			return false;
	}
	return true;
}

/* Each row of `cur` gets its row of `prev` (or null), the change and the distance to the
 * targets. */
static void compare_rows(json_t *cur, const json_t *prev)
{
	size_t i, j;
	json_t *r, *p;

	json_array_foreach(cur, i, r)
	{
		json_t *match = NULL, *pc;

		json_array_foreach(prev, j, p)
		{
			if (same_key(r, p)) {
				match = p;
				break;
			}
		}
		json_object_set_new(r, "change", difference(r, match));
		json_object_set_new(r, "vs_target", vs_target(r));
		pc = match ? json_deep_copy(match) : json_null();
		json_object_set_new(r, "previous", pc);
	}
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

/* When the report's groups are busy over the period (report_busy_add per group). */
static int busy_hours(struct db *db, const struct report_period *p, const json_t *groups,
                      json_t **out)
{
	int64_t sum[7][24] = {{0}};
	size_t i;
	json_t *g, *rows;

	json_array_foreach(groups, i, g)
	{
		int err = report_busy_add(db, json_integer_value(json_object_get(g, "group_id")),
		                          p->from, p->to, sum);

		if (err)
			return err;
	}
	rows = json_array();
	for (int d = 0; d < 7; d++) {
		json_t *row = json_array();

		for (int h = 0; h < 24; h++)
			json_array_append_new(row, json_integer(sum[d][h]));
		json_array_append_new(rows, row);
	}
	*out = json_pack(
	        "{s:i,s:o}", "days",
	        (int)(calendar_date_to_days(&p->last) - calendar_date_to_days(&p->first) + 1),
	        "offered", rows);
	return 0;
}

int report_period(struct db *db, const struct principal *who, const char *period, int64_t client_id,
                  json_t **out)
{
	static const char *const kind_names[] = {"month", "tertial", "year", "range"};
	struct report_period p, pp;
	struct agg a, pa;
	json_t *cur, *prev, *targets;
	const char *k;
	json_t *v;
	int err;

	*out = NULL;
	if (report_period_parse(period, &p))
		return EINVAL;
	err = report_access_check(who, &client_id);
	if (err)
		return err;
	report_period_previous(&p, &pp);
	err = collect(db, &p, client_id, &a);
	if (err)
		return err;
	err = collect(db, &pp, client_id, &pa);
	if (err) {
		agg_free(&a);
		return err;
	}
	cur = period_json(db, &p, &a);
	prev = period_json(db, &pp, &pa);
	agg_free(&a);
	agg_free(&pa);
	err = busy_hours(db, &p, json_object_get(cur, "groups"), &v);
	if (err) {
		json_decref(cur);
		json_decref(prev);
		return err;
	}
	json_object_set_new(cur, "busy_hours", v);

	compare_rows(json_object_get(cur, "rows"), json_object_get(prev, "rows"));
	json_object_foreach(json_object_get(cur, "breakdowns"), k, v)
	        compare_rows(v, json_object_get(json_object_get(prev, "breakdowns"), k));
	json_object_set_new(cur, "kind", json_string(kind_names[p.kind]));
	json_object_set_new(cur, "client_id", client_id ? json_integer(client_id) : json_null());
	json_object_set_new(
	        cur, "change",
	        difference(json_object_get(cur, "totals"), json_object_get(prev, "totals")));
	json_object_set_new(json_object_get(cur, "totals"), "vs_target",
	                    vs_target(json_object_get(cur, "totals")));
	targets = json_pack("{s:f,s:f,s:f}", "service_level_60", REPORT_TARGET_SL60, "fcr",
	                    REPORT_TARGET_FCR, "satisfaction", REPORT_TARGET_SATISFACTION);
	json_object_set_new(cur, "targets", targets);
	/* the previous period keeps its figures, not its own breakdowns */
	json_object_del(prev, "breakdowns");
	json_object_set_new(cur, "previous", prev);
	*out = cur;
	return 0;
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
