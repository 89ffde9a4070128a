/* Monthly report and invoice basis: case and call figures per group and client. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acd/acd_stats.h"
#include "core/calendar.h"
#include "report/report.h"
#include "report/report_int.h"
#include "store/db.h"

/* The case log's channels, in the order reports show them. */
static const char *const channels[] = {"phone", "email", "letter", "fax", "visit", "web", "social"};
#define NCHANNELS (sizeof(channels) / sizeof(channels[0]))

int report_month_parse(const char *s, struct report_month *out)
{
	struct date d;

	if (!s || strlen(s) != 7 || s[4] != '-')
		return EINVAL;
	for (int i = 0; i < 7; i++)
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			return EINVAL;
	d.y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	d.m = (s[5] - '0') * 10 + (s[6] - '0');
	d.d = 1;
	if (!date_valid(d.y, d.m, 1))
		return EINVAL;
	out->y = d.y;
	out->m = d.m;
	if (stockholm_to_utc(&d, 0, 0, &out->from))
		return EINVAL;
	d.y = d.m == 12 ? d.y + 1 : d.y;
	d.m = d.m == 12 ? 1 : d.m + 1;
	if (stockholm_to_utc(&d, 0, 0, &out->to))
		return EINVAL;
	return 0;
}

static void month_before(const struct report_month *m, char out[16])
{
	int y = m->m == 1 ? m->y - 1 : m->y, mo = m->m == 1 ? 12 : m->m - 1;

	snprintf(out, 16, "%04d-%02d", y % 10000, mo % 100);
}

/* Only managers, admins and a client viewer for its own client read reports. */
static int access_check(const struct principal *who, int64_t *client_id)
{
	if (who->role == ROLE_CLIENT_VIEWER) {
		if (who->client_id <= 0)
			return EPERM;
		if (*client_id == 0)
			*client_id = who->client_id;
		return *client_id == who->client_id ? 0 : EPERM;
	}
	return (who->role & (ROLE_MANAGER | ROLE_ADMIN)) ? 0 : EPERM;
}

/* Rates to four decimals (as acd_store does), null when the denominator is zero. */
static json_t *ratio(int64_t num, int64_t den)
{
	return den > 0 ? json_real(round((double)num / (double)den * 10000.0) / 10000.0)
	               : json_null();
}

static json_t *real4(double v)
{
	return json_real(round(v * 10000.0) / 10000.0);
}

static json_t *money(int64_t ore)
{
	return json_real((double)ore / 100.0);
}

static json_t *time_json(int64_t t)
{
	char buf[21];

	time_format_iso8601(t, buf);
	return json_string(buf);
}

/* ======================================================================
 * Monthly report
 * ====================================================================== */

/* Case figures of one row or of the totals. */
struct case_counts {
	int64_t cases, resolved, guided, handed_over, forwarded_urgent;
	int64_t channel[NCHANNELS];
	int64_t complaints, praise;
};

static json_t *case_counts_json(const struct case_counts *c)
{
	json_t *ch = json_object();
	json_t *o;

	for (size_t i = 0; i < NCHANNELS; i++)
		json_object_set_new(ch, channels[i], json_integer(c->channel[i]));
	o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:I,s:I}", "cases", (json_int_t)c->cases,
	              "resolved", (json_int_t)c->resolved, "guided", (json_int_t)c->guided,
	              "handed_over", (json_int_t)c->handed_over, "forwarded_urgent",
	              (json_int_t)c->forwarded_urgent, "fcr", ratio(c->resolved, c->cases),
	              "fcr_incl_guided", ratio(c->resolved + c->guided, c->cases), "channels", ch,
	              "complaints", (json_int_t)c->complaints, "praise", (json_int_t)c->praise);
	return o;
}

/* Call figures per DESIGN.md; rates are null when nothing was offered (or answered,
 * or handled) rather than the queue's "100 % of nothing". */
static json_t *calls_json(const struct acd_totals *t)
{
	json_t *o = json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "offered", t->offered, "answered",
	                      t->answered, "answered_60", t->answered_60, "answered_180",
	                      t->answered_180, "abandoned", t->abandoned, "short_abandoned",
	                      t->short_abandoned, "handled", t->handled);

	json_object_set_new(o, "service_level_60", ratio(t->answered_60, t->offered));
	json_object_set_new(o, "service_level_180", ratio(t->answered_180, t->offered));
	json_object_set_new(o, "abandon_rate", ratio(t->abandoned, t->offered));
	json_object_set_new(o, "asa_s", t->answered > 0 ? real4(t->asa_s) : json_null());
	json_object_set_new(o, "aht_s", t->handled > 0 ? real4(t->aht_s) : json_null());
	return o;
}

#define CH_SUM(ch) "SUM(CASE WHEN c.channel = '" ch "' THEN 1 ELSE 0 END),"

static int case_rows(struct db *db, const struct report_month *m, int64_t client_id, json_t *rows,
                     struct case_counts *tot)
{
	static const char q[] =
	        "SELECT c.group_id, g.name, c.client_id, cl.name, COUNT(*),"
	        " SUM(CASE WHEN c.outcome = 'resolved' THEN 1 ELSE 0 END),"
	        " SUM(CASE WHEN c.outcome = 'guided' THEN 1 ELSE 0 END),"
	        " SUM(CASE WHEN c.outcome = 'handed_over' THEN 1 ELSE 0 END),"
	        " SUM(CASE WHEN c.outcome = 'forwarded_urgent' THEN 1 ELSE 0 END)," CH_SUM(
	                "phone") CH_SUM("email") CH_SUM("letter") CH_SUM("fax") CH_SUM("visit")
	                CH_SUM("web") CH_SUM(
	                        "social") " SUM(CASE WHEN k.kind = 'complaint' THEN 1 ELSE 0 END),"
	                                  " SUM(CASE WHEN k.kind = 'praise' THEN 1 ELSE 0 END)"
	                                  " FROM cases c JOIN groups g ON g.id = c.group_id"
	                                  " JOIN clients cl ON cl.id = c.client_id JOIN categories "
	                                  "k ON k.id = c.category_id"
	                                  " WHERE c.received_at >= ? AND c.received_at < ? AND (? "
	                                  "= 0 OR c.client_id = ?)"
	                                  " GROUP BY c.group_id, g.name, c.client_id, cl.name "
	                                  "ORDER BY c.group_id, c.client_id";
	struct stmt *s;
	int err = db_prepare(db, &s, q, true);

	if (err)
		return err;
	stmt_bind_int(s, 1, m->from);
	stmt_bind_int(s, 2, m->to);
	stmt_bind_int(s, 3, client_id);
	stmt_bind_int(s, 4, client_id);
	while ((err = stmt_step(s)) == DB_ROW) {
		struct case_counts c;
		json_t *o;
		int col = 4;

		c.cases = stmt_int(s, col++);
		c.resolved = stmt_int(s, col++);
		c.guided = stmt_int(s, col++);
		c.handed_over = stmt_int(s, col++);
		c.forwarded_urgent = stmt_int(s, col++);
		for (size_t i = 0; i < NCHANNELS; i++)
			c.channel[i] = stmt_int(s, col++);
		c.complaints = stmt_int(s, col++);
		c.praise = stmt_int(s, col++);

		tot->cases += c.cases;
		tot->resolved += c.resolved;
		tot->guided += c.guided;
		tot->handed_over += c.handed_over;
		tot->forwarded_urgent += c.forwarded_urgent;
		for (size_t i = 0; i < NCHANNELS; i++)
			tot->channel[i] += c.channel[i];
		tot->complaints += c.complaints;
		tot->praise += c.praise;

		o = json_pack("{s:I,s:s,s:I,s:s}", "group_id", (json_int_t)stmt_int(s, 0),
		              "group_name", stmt_text(s, 1), "client_id",
		              (json_int_t)stmt_int(s, 2), "client_name", stmt_text(s, 3));
		json_t *f = case_counts_json(&c);
		json_object_update(o, f);
		json_decref(f);
		json_array_append_new(rows, o);
	}
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

/* Call figures of one group over the month from the 15-minute rollups. */
static int group_calls(struct db *db, const struct report_month *m, int64_t group,
                       struct acd_totals *t)
{
	static const char q[] =
	        "SELECT COALESCE(SUM(offered),0), COALESCE(SUM(answered),0),"
	        " COALESCE(SUM(answered_60),0), COALESCE(SUM(answered_180),0),"
	        " COALESCE(SUM(abandoned),0), COALESCE(SUM(short_abandoned),0),"
	        " COALESCE(SUM(wait_answered_ms),0), COALESCE(MAX(longest_wait_ms),0),"
	        " COALESCE(SUM(handled),0), COALESCE(SUM(talk_ms),0), COALESCE(SUM(wrapup_ms),0)"
	        " FROM acd_group_intervals WHERE group_id = ? AND start_ms >= ? AND start_ms < ?";
	struct acd_group_interval g;
	struct stmt *s;
	int err = db_prepare(db, &s, q, true);

	if (err)
		return err;
	memset(&g, 0, sizeof(g));
	stmt_bind_int(s, 1, group);
	stmt_bind_int(s, 2, m->from * 1000);
	stmt_bind_int(s, 3, m->to * 1000);
	err = stmt_step(s);
	if (err == DB_ROW) {
		g.group = (uint32_t)group;
		g.offered = (int)stmt_int(s, 0);
		g.answered = (int)stmt_int(s, 1);
		g.answered_60 = (int)stmt_int(s, 2);
		g.answered_180 = (int)stmt_int(s, 3);
		g.abandoned = (int)stmt_int(s, 4);
		g.short_abandoned = (int)stmt_int(s, 5);
		g.wait_answered_ms = stmt_int(s, 6);
		g.longest_wait_ms = stmt_int(s, 7);
		g.handled = (int)stmt_int(s, 8);
		g.talk_ms = stmt_int(s, 9);
		g.wrapup_ms = stmt_int(s, 10);
		acd_totals_add(t, &g);
		err = 0;
	} else if (err == DB_DONE) {
		err = EIO;
	}
	stmt_done(s);
	return err;
}

/* The groups reported: those with cases in the rows, and, for all clients, those whose
 * queue had calls in the month. */
static int group_figures(struct db *db, const struct report_month *m, int64_t client_id,
                         json_t *groups, struct acd_totals *all)
{
	static const char q[] =
	        "SELECT g.id, g.name FROM groups g WHERE g.id IN (SELECT c.group_id FROM cases c"
	        " WHERE c.received_at >= ? AND c.received_at < ? AND (? = 0 OR c.client_id = ?))"
	        " OR (? = 0 AND g.id IN (SELECT group_id FROM acd_group_intervals"
	        " WHERE start_ms >= ? AND start_ms < ?)) ORDER BY g.id";
	json_t *ids = json_array();
	struct stmt *s;
	size_t i;
	json_t *o;
	int err = db_prepare(db, &s, q, true);

	if (err) {
		json_decref(ids);
		return err;
	}
	stmt_bind_int(s, 1, m->from);
	stmt_bind_int(s, 2, m->to);
	stmt_bind_int(s, 3, client_id);
	stmt_bind_int(s, 4, client_id);
	stmt_bind_int(s, 5, client_id);
	stmt_bind_int(s, 6, m->from * 1000);
	stmt_bind_int(s, 7, m->to * 1000);
	while ((err = stmt_step(s)) == DB_ROW)
		json_array_append_new(ids,
		                      json_pack("{s:I,s:s}", "group_id", (json_int_t)stmt_int(s, 0),
		                                "group_name", stmt_text(s, 1)));
	stmt_done(s);
	err = err == DB_DONE ? 0 : err;
	json_array_foreach(ids, i, o)
	{
		struct acd_totals t;

		if (err)
			break;
		memset(&t, 0, sizeof(t));
		err = group_calls(db, m,
		                  (int64_t)json_integer_value(json_object_get(o, "group_id")), &t);
		if (err)
			break;
		acd_totals_finish(&t);
		/* each group's sums go into the totals once */
		all->offered += t.offered;
		all->answered += t.answered;
		all->answered_60 += t.answered_60;
		all->answered_180 += t.answered_180;
		all->abandoned += t.abandoned;
		all->short_abandoned += t.short_abandoned;
		all->wait_answered_ms += t.wait_answered_ms;
		if (t.longest_wait_ms > all->longest_wait_ms)
			all->longest_wait_ms = t.longest_wait_ms;
		all->handled += t.handled;
		all->talk_ms += t.talk_ms;
		all->wrapup_ms += t.wrapup_ms;
		json_array_append_new(groups,
		                      json_pack("{s:O,s:O,s:o}", "group_id",
		                                json_object_get(o, "group_id"), "group_name",
		                                json_object_get(o, "group_name"), "calls",
		                                calls_json(&t)));
	}
	json_decref(ids);
	return err;
}

static int month_figures(struct db *db, const struct report_month *m, int64_t client_id,
                         json_t **out)
{
	struct case_counts tot;
	struct acd_totals calls;
	json_t *rows = json_array(), *groups = json_array(), *totals;
	char month[16];
	int err;

	memset(&tot, 0, sizeof(tot));
	memset(&calls, 0, sizeof(calls));
	err = case_rows(db, m, client_id, rows, &tot);
	if (!err)
		err = group_figures(db, m, client_id, groups, &calls);
	if (err) {
		json_decref(rows);
		json_decref(groups);
		return err;
	}
	acd_totals_finish(&calls);
	totals = case_counts_json(&tot);
	json_object_set_new(totals, "calls", calls_json(&calls));
	snprintf(month, sizeof(month), "%04d-%02d", m->y % 10000, m->m % 100);
	*out = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}", "month", month, "from", time_json(m->from),
	                 "to", time_json(m->to), "rows", rows, "groups", groups, "totals", totals);
	return 0;
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

int report_monthly(struct db *db, const struct principal *who, const char *month, int64_t client_id,
                   json_t **out)
{
	struct report_month m, pm;
	json_t *cur = NULL, *prev = NULL;
	char pmonth[16];
	int err;

	*out = NULL;
	if (report_month_parse(month, &m))
		return EINVAL;
	err = access_check(who, &client_id);
	if (err)
		return err;
	month_before(&m, pmonth);
	if (report_month_parse(pmonth, &pm))
		return EINVAL;
	err = month_figures(db, &m, client_id, &cur);
	if (!err)
		err = month_figures(db, &pm, client_id, &prev);
	if (err) {
		json_decref(cur);
		return err;
	}
	json_object_set_new(cur, "client_id", client_id ? json_integer(client_id) : json_null());
	json_object_set_new(
	        cur, "change",
	        difference(json_object_get(cur, "totals"), json_object_get(prev, "totals")));
	json_object_set_new(cur, "previous", prev);
	*out = cur;
	return 0;
}

/* ======================================================================
 * Invoice basis
 * ====================================================================== */

/* One agreement valid in the month, as read before its cases are. */
struct agreement_row {
	int64_t id, client_id;
	char name[160], client_name[160];
	struct date valid_from, valid_to; /* valid_to.y 0: open-ended */
	json_t *prices;                   /* {channel: SEK} or NULL (owned) */
	double fixed_annual_price;        /* 0 when none */
	bool has_fixed;                   /* fixed_annual_price was set */
};

static int read_agreements(struct db *db, const struct report_month *m, int64_t client_id,
                           struct agreement_row **out, size_t *n)
{
	static const char q[] =
	        "SELECT a.id, a.client_id, cl.name, a.name, a.valid_from, a.valid_to, a.prices,"
	        " a.fixed_annual_price FROM agreements a JOIN clients cl ON cl.id = a.client_id"
	        " WHERE a.valid_from <= ? AND (a.valid_to IS NULL OR a.valid_to >= ?)"
	        " AND (? = 0 OR a.client_id = ?) ORDER BY a.client_id, a.id";
	struct agreement_row *list = NULL;
	size_t cnt = 0, cap = 0;
	struct date first = {m->y, m->m, 1}, last = {m->y, m->m, date_days_in_month(m->y, m->m)};
	char first_s[11], last_s[11];
	struct stmt *s;
	int err = db_prepare(db, &s, q, true);

	*out = NULL;
	*n = 0;
	if (err)
		return err;
	date_format(&first, first_s);
	date_format(&last, last_s);
	stmt_bind_text(s, 1, last_s);
	stmt_bind_text(s, 2, first_s);
	stmt_bind_int(s, 3, client_id);
	stmt_bind_int(s, 4, client_id);
	while ((err = stmt_step(s)) == DB_ROW) {
		struct agreement_row *a;

		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct agreement_row *p = realloc(list, nc * sizeof(*p));
			if (!p) {
				err = ENOMEM;
				break;
			}
			list = p;
			cap = nc;
		}
		a = &list[cnt];
		memset(a, 0, sizeof(*a));
		a->id = stmt_int(s, 0);
		a->client_id = stmt_int(s, 1);
		snprintf(a->client_name, sizeof(a->client_name), "%s", stmt_text(s, 2));
		snprintf(a->name, sizeof(a->name), "%s", stmt_text(s, 3));
		if (date_parse(stmt_text(s, 4), &a->valid_from) != 0) {
			err = EBADMSG;
			break;
		}
		if (!stmt_is_null(s, 5) && date_parse(stmt_text(s, 5), &a->valid_to) != 0) {
			err = EBADMSG;
			break;
		}
		if (!stmt_is_null(s, 6))
			a->prices = json_loads(stmt_text(s, 6), 0, NULL);
		a->has_fixed = !stmt_is_null(s, 7);
		a->fixed_annual_price = a->has_fixed ? stmt_double(s, 7) : 0.0;
		cnt++;
	}
	stmt_done(s);
	if (err != DB_DONE) {
		for (size_t i = 0; i < cnt; i++)
			json_decref(list[i].prices);
		free(list);
		return err;
	}
	*out = list;
	*n = cnt;
	return 0;
}

/* The agreement's lines for the month; adds its amount in öre to *total. */
static int agreement_lines(struct db *db, const struct report_month *m,
                           const struct agreement_row *a, json_t *lines, int64_t *total,
                           int64_t *ncases)
{
	static const char q[] =
	        "SELECT c.id, c.channel FROM cases c WHERE c.client_id = ?"
	        " AND c.group_id IN (SELECT group_id FROM agreement_groups WHERE agreement_id = ?)"
	        " AND c.received_at >= ? AND c.received_at < ? ORDER BY c.id";
	struct date first = {m->y, m->m, 1}, last = {m->y, m->m, date_days_in_month(m->y, m->m)};
	struct date from = first, to = last, next;
	json_t *ids[NCHANNELS];
	int64_t t_from, t_to;
	struct stmt *s;
	int err;

	/* the days of the month the agreement is valid, and those days as UTC instants */
	if (date_to_days(&a->valid_from) > date_to_days(&from))
		from = a->valid_from;
	if (a->valid_to.y && date_to_days(&a->valid_to) < date_to_days(&to))
		to = a->valid_to;
	date_add_days(&to, 1, &next);
	if (stockholm_to_utc(&from, 0, 0, &t_from) || stockholm_to_utc(&next, 0, 0, &t_to))
		return EINVAL;

	err = db_prepare(db, &s, q, true);
	if (err)
		return err;
	for (size_t i = 0; i < NCHANNELS; i++)
		ids[i] = json_array();
	stmt_bind_int(s, 1, a->client_id);
	stmt_bind_int(s, 2, a->id);
	stmt_bind_int(s, 3, t_from);
	stmt_bind_int(s, 4, t_to);
	while ((err = stmt_step(s)) == DB_ROW)
		for (size_t i = 0; i < NCHANNELS; i++)
			if (strcmp(stmt_text(s, 1), channels[i]) == 0)
				json_array_append_new(ids[i], json_integer(stmt_int(s, 0)));
	stmt_done(s);
	err = err == DB_DONE ? 0 : err;

	for (size_t i = 0; i < NCHANNELS; i++) {
		size_t count = json_array_size(ids[i]);
		json_t *price = json_object_get(a->prices, channels[i]);
		int64_t ore = 0;

		if (err || count == 0) {
			json_decref(ids[i]);
			continue;
		}
		/* the price per case in whole öre, so that amounts add up exactly */
		if (json_is_number(price))
			ore = llround(json_number_value(price) * 100.0) * (int64_t)count;
		*total += ore;
		*ncases += (int64_t)count;
		json_array_append_new(lines, json_pack("{s:s,s:s,s:I,s:O,s:o,s:o}", "kind", "cases",
		                                       "channel", channels[i], "count",
		                                       (json_int_t)count, "price",
		                                       json_is_number(price) ? price : json_null(),
		                                       "amount", money(ore), "case_ids", ids[i]));
	}
	if (!err && a->has_fixed) {
		int days = (int)(date_to_days(&to) - date_to_days(&from)) + 1;
		int year_days = date_valid(m->y, 2, 29) ? 366 : 365;
		int64_t ore = llround(a->fixed_annual_price * 100.0 * days / year_days);

		*total += ore;
		json_array_append_new(lines,
		                      json_pack("{s:s,s:f,s:i,s:i,s:o}", "kind", "fixed",
		                                "annual_price", a->fixed_annual_price, "days", days,
		                                "days_in_year", year_days, "amount", money(ore)));
	}
	return err;
}

int report_invoice(struct db *db, const struct principal *who, const char *month, int64_t client_id,
                   json_t **out)
{
	struct agreement_row *list = NULL;
	struct report_month m;
	json_t *agreements = json_array(), *clients = json_array();
	int64_t grand = 0, client_total = 0, client_cases = 0;
	size_t n = 0;
	char mstr[16];
	int err;

	*out = NULL;
	if (report_month_parse(month, &m))
		err = EINVAL;
	else
		err = access_check(who, &client_id);
	if (!err)
		err = read_agreements(db, &m, client_id, &list, &n);
	for (size_t i = 0; i < n && !err; i++) {
		const struct agreement_row *a = &list[i];
		json_t *lines = json_array();
		int64_t total = 0, ncases = 0;
		char vf[11], vt[11];

		err = agreement_lines(db, &m, a, lines, &total, &ncases);
		date_format(&a->valid_from, vf);
		if (a->valid_to.y)
			date_format(&a->valid_to, vt);
		json_array_append_new(
		        agreements,
		        json_pack("{s:I,s:s,s:I,s:s,s:s,s:o,s:I,s:o,s:o}", "agreement_id",
		                  (json_int_t)a->id, "name", a->name, "client_id",
		                  (json_int_t)a->client_id, "client_name", a->client_name,
		                  "valid_from", vf, "valid_to",
		                  a->valid_to.y ? json_string(vt) : json_null(), "cases",
		                  (json_int_t)ncases, "lines", lines, "amount", money(total)));
		grand += total;
		client_total += total;
		client_cases += ncases;
		/* agreements come ordered by client: close the client's sum at its last one */
		if (i + 1 == n || list[i + 1].client_id != a->client_id) {
			json_array_append_new(clients, json_pack("{s:I,s:s,s:I,s:o}", "client_id",
			                                         (json_int_t)a->client_id,
			                                         "client_name", a->client_name,
			                                         "cases", (json_int_t)client_cases,
			                                         "amount", money(client_total)));
			client_total = 0;
			client_cases = 0;
		}
	}
	for (size_t i = 0; i < n; i++)
		json_decref(list[i].prices);
	free(list);
	if (err) {
		json_decref(agreements);
		json_decref(clients);
		return err;
	}
	snprintf(mstr, sizeof(mstr), "%04d-%02d", m.y % 10000, m.m % 100);
	*out = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "month", mstr, "from", time_json(m.from),
	                 "to", time_json(m.to), "client_id",
	                 client_id ? json_integer(client_id) : json_null(), "agreements",
	                 agreements, "clients", clients, "amount", money(grand));
	return 0;
}

/* ======================================================================
 * Shared by the exporters
 * ====================================================================== */

const json_t *report_get_path(const json_t *o, const char *key)
{
	const char *dot = strchr(key, '.');
	char head[32];

	if (!dot)
		return json_object_get(o, key);
	snprintf(head, sizeof(head), "%.*s", (int)(dot - key), key);
	return report_get_path(json_object_get(o, head), dot + 1);
}

const char *report_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}
