/* E-mail answer times for the period reports: time to first answer in hours and in Swedish
 * working days, shares answered within 24 h and within 1 and 2 working days (KKiK), per
 * group × client × month, group, client and month. See struct report_mail_fig. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/calendar.h"
#include "report/report.h"
#include "report/report_int.h"
#include "store/db.h"

#define DAY_S 86400.0

int64_t report_working_seconds(int64_t from, int64_t to)
{
	struct local_time lt;
	struct date d;
	int64_t sum = 0;

	if (to <= from)
		return 0;
	calendar_local_from_utc(from, &lt);
	d = lt.date;
	for (;;) {
		struct date next;
		int64_t a, b;

		calendar_add_days(&d, 1, &next);
		if (calendar_local_to_utc(&d, 0, 0, &a) || calendar_local_to_utc(&next, 0, 0, &b))
			return sum;
		if (a >= to)
			break;
		if (calendar_is_working_day(&d)) {
			int64_t lo = a > from ? a : from, hi = b < to ? b : to;

			if (hi > lo)
				sum += hi - lo;
		}
		d = next;
	}
	return sum;
}

/* One answered or unanswered case's times, gathered per key before the figures. */
struct acc {
	int64_t group_id, client_id;
	char month[12];
	int64_t cases, answered, w24, w1, w2;
	double sum_h, sum_wd;
	double *hours; /* the answered cases' hours, for the median */
	size_t nh, caph;
};

struct accs {
	struct acc *v;
	size_t n, cap;
};

static struct acc *acc_find(struct accs *a, int64_t g, int64_t c, const char *month)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].group_id == g && a->v[i].client_id == c &&
		    strcmp(a->v[i].month, month) == 0)
			return &a->v[i];
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 16;
		struct acc *p = realloc(a->v, nc * sizeof(*p));

		if (!p)
			return NULL;
		a->v = p;
		a->cap = nc;
	}
	memset(&a->v[a->n], 0, sizeof(a->v[0]));
	a->v[a->n].group_id = g;
	a->v[a->n].client_id = c;
	snprintf(a->v[a->n].month, sizeof(a->v[0].month), "%s", month);
	return &a->v[a->n++];
}

/* Adds one case: `answer` 0 for unanswered. */
static int acc_add(struct acc *x, int64_t first_in, int64_t answer)
{
	double h, wd;

	x->cases++;
	if (!answer)
		return 0;
	h = (double)(answer - first_in) / 3600.0;
	wd = (double)report_working_seconds(first_in, answer) / DAY_S;
	x->answered++;
	x->w24 += answer - first_in <= 24 * 3600;
	x->w1 += wd <= 1.0;
	x->w2 += wd <= 2.0;
	x->sum_h += h;
	x->sum_wd += wd;
	if (x->nh == x->caph) {
		size_t nc = x->caph ? x->caph * 2 : 8;
		double *p = realloc(x->hours, nc * sizeof(*p));

		if (!p)
			return ENOMEM;
		x->hours = p;
		x->caph = nc;
	}
	x->hours[x->nh++] = h;
	return 0;
}

static void accs_free(struct accs *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].hours);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static double ratio(int64_t n, int64_t d)
{
	return d > 0 ? round((double)n / (double)d * 10000.0) / 10000.0 : NAN;
}

static double real4(double v)
{
	return round(v * 10000.0) / 10000.0;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static void fig_set(struct report_mail_fig *f, struct acc *x)
{
	f->cases = x->cases;
	f->answered = x->answered;
	f->unanswered = x->cases - x->answered;
	f->within_24h = x->w24;
	f->within_1wd = x->w1;
	f->within_2wd = x->w2;
	f->share_24h = ratio(x->w24, x->cases);
	f->share_1wd = ratio(x->w1, x->cases);
	f->share_2wd = ratio(x->w2, x->cases);
	f->mean_hours = x->answered ? real4(x->sum_h / (double)x->answered) : NAN;
	f->mean_working_days = x->answered ? real4(x->sum_wd / (double)x->answered) : NAN;
	f->median_hours = NAN;
	if (x->nh) {
		qsort(x->hours, x->nh, sizeof(double), cmp_double);
		f->median_hours = x->nh % 2 ? x->hours[x->nh / 2]
		                            : (x->hours[x->nh / 2 - 1] + x->hours[x->nh / 2]) / 2.0;
		f->median_hours = real4(f->median_hours);
	}
}

static int cmp_acc(const void *x, const void *y)
{
	const struct acc *a = x, *b = y;

	if (a->group_id != b->group_id)
		return a->group_id < b->group_id ? -1 : 1;
	if (a->client_id != b->client_id)
		return a->client_id < b->client_id ? -1 : 1;
	return strcmp(a->month, b->month);
}

static void name_of(struct db *db, const char *q, int64_t id, char *buf, size_t n)
{
	struct stmt *s;

	buf[0] = '\0';
	if (!id || db_prepare(db, &s, q, true))
		return;
	stmt_bind_int(s, 1, id);
	if (stmt_step(s) == DB_ROW)
		snprintf(buf, n, "%s", stmt_text(s, 0));
	stmt_done(s);
}

static bool have_mail_tables(struct db *db)
{
	struct stmt *s;
	bool yes = false;

	if (db_prepare(
	            db, &s,
	            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mail_messages'",
	            true))
		return false;
	yes = stmt_step(s) == DB_ROW;
	stmt_done(s);
	return yes;
}

int report_mail_collect(struct db *db, int64_t from, int64_t to, int64_t client_id,
                        const int64_t *group_ids, int ngroups, struct report_mail *out)
{
	static const char q[] =
	        "SELECT c.group_id, c.client_id, f.first_in,"
	        " (SELECT MIN(o.received_at) FROM mail_messages o WHERE o.case_id = c.id"
	        "  AND o.direction = 'out' AND o.kind = 'answer' AND o.received_at >= f.first_in)"
	        " FROM (SELECT case_id, MIN(received_at) AS first_in FROM mail_messages"
	        "  WHERE direction = 'in' AND case_id IS NOT NULL GROUP BY case_id) f"
	        " JOIN cases c ON c.id = f.case_id"
	        " WHERE c.channel = 'email' AND f.first_in >= ?1 AND f.first_in < ?2"
	        " AND (?3 = 0 OR c.client_id = ?3)"
	        " AND (?4 = '' OR c.group_id IN (SELECT value FROM json_each(?4)))";
	char groups[REPORT_MAX_GROUPS * 22 + 4] = "";
	size_t at = 0;
	struct accs a[REPORT_MAIL_NTABLES] = {0};
	struct acc total = {0};
	struct stmt *s;
	int err;

	memset(out, 0, sizeof(*out));
	if (!have_mail_tables(db)) {
		fig_set(&out->total, &total);
		return 0;
	}
	err = db_prepare(db, &s, q, true);
	if (err)
		return err;
	stmt_bind_int(s, 1, from);
	stmt_bind_int(s, 2, to);
	stmt_bind_int(s, 3, client_id);
	for (int i = 0; i < ngroups && at + 24 < sizeof(groups); i++)
		at += (size_t)snprintf(groups + at, sizeof(groups) - at, "%c%lld", i ? ',' : '[',
		                       (long long)group_ids[i]);
	if (ngroups > 0)
		snprintf(groups + at, sizeof(groups) - at, "]");
	stmt_bind_text(s, 4, groups);
	while ((err = stmt_step(s)) == DB_ROW) {
		int64_t g = stmt_int(s, 0), c = stmt_int(s, 1), first = stmt_int(s, 2);
		int64_t ans = stmt_is_null(s, 3) ? 0 : stmt_int(s, 3);
		struct local_time lt;
		char month[12];
		struct acc *x[REPORT_MAIL_NTABLES];

		err = 0;
		calendar_local_from_utc(first, &lt);
		snprintf(month, sizeof(month), "%04d-%02d", lt.date.y % 10000, lt.date.m % 100);
		x[REPORT_MAIL_ROWS] = acc_find(&a[REPORT_MAIL_ROWS], g, c, month);
		x[REPORT_MAIL_GROUPS] = acc_find(&a[REPORT_MAIL_GROUPS], g, 0, "");
		x[REPORT_MAIL_CLIENTS] = acc_find(&a[REPORT_MAIL_CLIENTS], 0, c, "");
		x[REPORT_MAIL_MONTHS] = acc_find(&a[REPORT_MAIL_MONTHS], 0, 0, month);
		for (int t = 0; t < REPORT_MAIL_NTABLES && !err; t++)
			err = x[t] ? acc_add(x[t], first, ans) : ENOMEM;
		if (!err)
			err = acc_add(&total, first, ans);
		if (err)
			break;
	}
	stmt_done(s);
	err = err == DB_DONE ? 0 : err;
	for (int t = 0; !err && t < REPORT_MAIL_NTABLES; t++) {
		if (a[t].n > 1)
			qsort(a[t].v, a[t].n, sizeof(a[t].v[0]), cmp_acc);
		out->t[t].v = a[t].n ? calloc(a[t].n, sizeof(out->t[t].v[0])) : NULL;
		if (a[t].n && !out->t[t].v) {
			err = ENOMEM;
			break;
		}
		out->t[t].n = a[t].n;
		for (size_t i = 0; i < a[t].n; i++) {
			struct report_mail_row *r = &out->t[t].v[i];

			r->group_id = a[t].v[i].group_id;
			r->client_id = a[t].v[i].client_id;
			snprintf(r->month, sizeof(r->month), "%s", a[t].v[i].month);
			name_of(db, "SELECT name FROM groups WHERE id = ?", r->group_id,
			        r->group_name, sizeof(r->group_name));
			name_of(db, "SELECT name FROM clients WHERE id = ?", r->client_id,
			        r->client_name, sizeof(r->client_name));
			fig_set(&r->f, &a[t].v[i]);
		}
	}
	if (!err)
		fig_set(&out->total, &total);
	for (int t = 0; t < REPORT_MAIL_NTABLES; t++)
		accs_free(&a[t]);
	free(total.hours);
	if (err)
		report_mail_free(out);
	return err;
}

void report_mail_free(struct report_mail *m)
{
	for (int t = 0; t < REPORT_MAIL_NTABLES; t++)
		free(m->t[t].v);
	memset(m, 0, sizeof(*m));
}

static json_t *real_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static json_t *fig_json(json_t *o, const struct report_mail_fig *f)
{
	json_object_set_new(o, "cases", json_integer(f->cases));
	json_object_set_new(o, "answered", json_integer(f->answered));
	json_object_set_new(o, "unanswered", json_integer(f->unanswered));
	json_object_set_new(o, "answered_24h", json_integer(f->within_24h));
	json_object_set_new(o, "answered_1wd", json_integer(f->within_1wd));
	json_object_set_new(o, "answered_2wd", json_integer(f->within_2wd));
	json_object_set_new(o, "share_24h", real_or_null(f->share_24h));
	json_object_set_new(o, "share_1wd", real_or_null(f->share_1wd));
	json_object_set_new(o, "share_2wd", real_or_null(f->share_2wd));
	json_object_set_new(o, "mean_hours", real_or_null(f->mean_hours));
	json_object_set_new(o, "median_hours", real_or_null(f->median_hours));
	json_object_set_new(o, "mean_working_days", real_or_null(f->mean_working_days));
	return o;
}

json_t *report_mail_json(const struct report_mail *m)
{
	static const char *const names[] = {"rows", "groups", "clients", "months"};
	json_t *o = json_object();

	for (int t = 0; t < REPORT_MAIL_NTABLES; t++) {
		json_t *arr = json_array();

		for (size_t i = 0; i < m->t[t].n; i++) {
			const struct report_mail_row *r = &m->t[t].v[i];
			json_t *x = json_object();

			if (t == REPORT_MAIL_ROWS || t == REPORT_MAIL_GROUPS) {
				json_object_set_new(x, "group_id", json_integer(r->group_id));
				json_object_set_new(x, "group_name", json_string(r->group_name));
			}
			if (t == REPORT_MAIL_ROWS || t == REPORT_MAIL_CLIENTS) {
				json_object_set_new(x, "client_id", json_integer(r->client_id));
				json_object_set_new(x, "client_name", json_string(r->client_name));
			}
			if (t == REPORT_MAIL_ROWS || t == REPORT_MAIL_MONTHS)
				json_object_set_new(x, "month", json_string(r->month));
			json_array_append_new(arr, fig_json(x, &r->f));
		}
		json_object_set_new(o, names[t], arr);
	}
	json_object_set_new(o, "totals", fig_json(json_object(), &m->total));
	return o;
}

/* A share as per cent with a decimal comma, a mean with two decimals; empty for NAN. */
static void put_dec(FILE *f, double v, double scale, const char *fmt)
{
	char buf[64];

	if (isnan(v))
		return;
	snprintf(buf, sizeof(buf), fmt, v * scale);
	for (char *p = buf; *p; p++)
		if (*p == '.')
			*p = ',';
	fputs(buf, f);
}

static void put_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ";\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void put_fig(FILE *f, const struct report_mail_fig *x)
{
	fprintf(f, ";%lld;%lld;%lld;%lld;%lld;%lld;", (long long)x->cases, (long long)x->answered,
	        (long long)x->unanswered, (long long)x->within_24h, (long long)x->within_1wd,
	        (long long)x->within_2wd);
	put_dec(f, x->share_24h, 100.0, "%.1f");
	fputc(';', f);
	put_dec(f, x->share_1wd, 100.0, "%.1f");
	fputc(';', f);
	put_dec(f, x->share_2wd, 100.0, "%.1f");
	fputc(';', f);
	put_dec(f, x->mean_hours, 1.0, "%.2f");
	fputc(';', f);
	put_dec(f, x->median_hours, 1.0, "%.2f");
	fputc(';', f);
	put_dec(f, x->mean_working_days, 1.0, "%.2f");
	fputs("\r\n", f);
}

#define MAIL_COLS                                                                                  \
	";E-postärenden;Besvarade;Obesvarade;Inom 24 h;Inom 1 arbetsdag;Inom 2 arbetsdagar;"      \
	"Andel inom 24 h (%);Andel inom 1 arbetsdag (%);Andel inom 2 arbetsdagar (%);"             \
	"Svarstid medel (h);Svarstid median (h);Svarstid medel (arbetsdagar)\r\n"

void report_mail_csv(const struct report *rep, FILE *f)
{
	const struct report_mail *m = &rep->mail;
	const char *period = rep->cur.label;

	fputs("\r\nPeriod;Månad;Svarsgrupp;Förvaltning" MAIL_COLS, f);
	for (size_t i = 0; i < m->t[REPORT_MAIL_ROWS].n; i++) {
		const struct report_mail_row *r = &m->t[REPORT_MAIL_ROWS].v[i];

		fprintf(f, "%s;%s;", period, r->month);
		put_field(f, r->group_name);
		fputc(';', f);
		put_field(f, r->client_name);
		put_fig(f, &r->f);
	}
	fprintf(f, "%s;;Totalt;", period);
	put_fig(f, &m->total);
	fputs("\r\nPeriod;Svarsgrupp" MAIL_COLS, f);
	for (size_t i = 0; i < m->t[REPORT_MAIL_GROUPS].n; i++) {
		fprintf(f, "%s;", period);
		put_field(f, m->t[REPORT_MAIL_GROUPS].v[i].group_name);
		put_fig(f, &m->t[REPORT_MAIL_GROUPS].v[i].f);
	}
	fputs("\r\nPeriod;Förvaltning" MAIL_COLS, f);
	for (size_t i = 0; i < m->t[REPORT_MAIL_CLIENTS].n; i++) {
		fprintf(f, "%s;", period);
		put_field(f, m->t[REPORT_MAIL_CLIENTS].v[i].client_name);
		put_fig(f, &m->t[REPORT_MAIL_CLIENTS].v[i].f);
	}
	fputs("\r\nPeriod;Månad" MAIL_COLS, f);
	for (size_t i = 0; i < m->t[REPORT_MAIL_MONTHS].n; i++) {
		fprintf(f, "%s;%s", period, m->t[REPORT_MAIL_MONTHS].v[i].month);
		put_fig(f, &m->t[REPORT_MAIL_MONTHS].v[i].f);
	}
}
