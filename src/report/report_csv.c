/* The reports as CSV for Swedish Excel: UTF-8, semicolons, decimal comma. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "report/report_int.h"

enum col_kind {
	COL_INT, /* an integer */
	COL_PCT, /* a ratio 0–1 shown as percent with one decimal */
	COL_SEC, /* seconds with one decimal */
	COL_KR,  /* kronor with two decimals */
	COL_DEC, /* a number with two decimals (an index 0–100) */
};

struct col {
	const char *title; /* the Swedish column name */
	const char *key;   /* "a" or "a.b" into the row's JSON */
	enum col_kind kind;
};

/* A text field, quoted when it holds a separator, a quote or a line break. */
static void put_text(FILE *f, const char *s)
{
	if (!s)
		return;
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

/* A number with a decimal comma; empty when absent or null. */
static void put_num(FILE *f, const json_t *v, enum col_kind kind)
{
	char buf[64];

	if (!json_is_number(v))
		return;
	if (kind == COL_INT) {
		fprintf(f, "%lld", (long long)json_integer_value(v));
		return;
	}
	snprintf(buf, sizeof(buf), kind == COL_KR || kind == COL_DEC ? "%.2f" : "%.1f",
	         json_number_value(v) * (kind == COL_PCT ? 100.0 : 1.0));
	for (char *p = buf; *p; p++)
		if (*p == '.')
			*p = ',';
	fputs(buf, f);
}

static void put_header(FILE *f, const char *const *lead, size_t nlead, const struct col *cols,
                       size_t n)
{
	for (size_t i = 0; i < nlead; i++)
		fprintf(f, "%s%s", i ? ";" : "", lead[i]);
	for (size_t i = 0; i < n; i++)
		fprintf(f, ";%s", cols[i].title);
	fputs("\r\n", f);
}

static void put_cols(FILE *f, const json_t *o, const struct col *cols, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fputc(';', f);
		put_num(f, report_get_path(o, cols[i].key), cols[i].kind);
	}
	fputs("\r\n", f);
}

static const struct col case_cols[] = {
        {"Ärenden", "cases", COL_INT},
        {"Lösta", "resolved", COL_INT},
        {"Vägledda", "guided", COL_INT},
        {"Överlämnade", "handed_over", COL_INT},
        {"Akut vidarebefordrade", "forwarded_urgent", COL_INT},
        {"Lösningsgrad (%)", "fcr", COL_PCT},
        {"Lösningsgrad inkl. vägledda (%)", "fcr_incl_guided", COL_PCT},
        {"Telefon", "channels.phone", COL_INT},
        {"E-post", "channels.email", COL_INT},
        {"Brev", "channels.letter", COL_INT},
        {"Fax", "channels.fax", COL_INT},
        {"Besök", "channels.visit", COL_INT},
        {"Webb", "channels.web", COL_INT},
        {"Sociala medier", "channels.social", COL_INT},
        {"Klagomål", "complaints", COL_INT},
        {"Beröm", "praise", COL_INT},
};

static const struct col call_cols[] = {
        {"Erbjudna samtal", "calls.offered", COL_INT},
        {"Besvarade", "calls.answered", COL_INT},
        {"Besvarade inom 60 s", "calls.answered_60", COL_INT},
        {"Besvarade inom 180 s", "calls.answered_180", COL_INT},
        {"Avbrutna", "calls.abandoned", COL_INT},
        {"Tillgänglighet 60 s (%)", "calls.service_level_60", COL_PCT},
        {"Tillgänglighet 180 s (%)", "calls.service_level_180", COL_PCT},
        {"Snittväntetid (s)", "calls.asa_s", COL_SEC},
        {"Andel avbrutna (%)", "calls.abandon_rate", COL_PCT},
        {"Samtalstid inkl. efterarbete (s)", "calls.aht_s", COL_SEC},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The breakdowns' columns: the figures, the previous period, the change and the distance to
 * the targets in percentage points ("p.e."); a row without calls or satisfaction (a client,
 * a kind, a channel) leaves those empty. */
static const struct col breakdown_cols[] = {
        {"Ärenden", "cases", COL_INT},
        {"Lösta", "resolved", COL_INT},
        {"Vägledda", "guided", COL_INT},
        {"Överlämnade", "handed_over", COL_INT},
        {"Akut vidarebefordrade", "forwarded_urgent", COL_INT},
        {"Lösningsgrad (%)", "fcr", COL_PCT},
        {"Lösningsgrad inkl. vägledda (%)", "fcr_incl_guided", COL_PCT},
        {"Ärenden föregående period", "previous.cases", COL_INT},
        {"Förändring ärenden", "change.cases", COL_INT},
        {"Förändring lösningsgrad (p.e.)", "change.fcr", COL_PCT},
        {"Lösningsgrad mot mål 80 % (p.e.)", "vs_target.fcr", COL_PCT},
        {"Erbjudna samtal", "calls.offered", COL_INT},
        {"Tillgänglighet 60 s (%)", "calls.service_level_60", COL_PCT},
        {"Tillgänglighet mot mål 85 % (p.e.)", "vs_target.service_level_60", COL_PCT},
        {"Bemötande, svar", "satisfaction.answers", COL_INT},
        {"Bemötande 4–5 (%)", "satisfaction.share_4_5", COL_PCT},
        {"Bemötande mot mål 90 % (p.e.)", "vs_target.satisfaction", COL_PCT},
        {"Bemötandeindex (0–100)", "satisfaction.index", COL_DEC},
};

/* A table per breakdown (group, client, unit, kind, channel, agent), each after an empty
 * line with its own header, so that each can be cut out as it is. */
static void breakdown_tables(FILE *f, const json_t *rep, const char *lead, const char *month)
{
	static const struct {
		const char *key, *title, *name;
	} dims[] = {
	        {"groups", "Svarsgrupp", "group_name"}, {"clients", "Förvaltning", "client_name"},
	        {"units", "Enhet", "unit_name"},        {"kinds", "Ärendetyp", "kind"},
	        {"channels", "Kanal", "channel"},       {"agents", "Handläggare", "agent_name"},
	};
	const json_t *bd = json_object_get(rep, "breakdowns");

	for (size_t d = 0; d < N(dims) && json_is_object(bd); d++) {
		const char *const head[] = {lead, dims[d].title};
		size_t i;
		json_t *o;

		fputs("\r\n", f);
		put_header(f, head, N(head), breakdown_cols, N(breakdown_cols));
		json_array_foreach(json_object_get(bd, dims[d].key), i, o)
		{
			const char *name = report_str(o, dims[d].name);

			fprintf(f, "%s;", month);
			/* kinds and channels in Swedish, names of groups, clients… as they are */
			put_text(f, d == 3 || d == 4 ? report_name_sv(name) : name);
			put_cols(f, o, breakdown_cols, N(breakdown_cols));
		}
	}
}

/* Offered calls per weekday × hour of Stockholm time, with the totals per weekday and per
 * hour. */
static void busy_hours_table(FILE *f, const json_t *rep, const char *lead, const char *month)
{
	static const char *const days[] = {"måndag", "tisdag", "onsdag", "torsdag",
	                                   "fredag", "lördag", "söndag"};
	const json_t *offered = report_get_path(rep, "busy_hours.offered");
	long long per_hour[24] = {0}, all = 0;

	if (!json_is_array(offered))
		return;
	fprintf(f, "\r\n%s;Veckodag", lead);
	for (int h = 0; h < 24; h++)
		fprintf(f, ";%02d", h);
	fputs(";Totalt\r\n", f);
	for (size_t d = 0; d < 7; d++) {
		const json_t *row = json_array_get(offered, d);
		long long sum = 0;

		fprintf(f, "%s;%s", month, days[d]);
		for (size_t h = 0; h < 24; h++) {
			long long v = (long long)json_integer_value(json_array_get(row, h));

			fprintf(f, ";%lld", v);
			sum += v;
			per_hour[h] += v;
		}
		fprintf(f, ";%lld\r\n", sum);
		all += sum;
	}
	fprintf(f, "%s;Totalt", month);
	for (int h = 0; h < 24; h++)
		fprintf(f, ";%lld", per_hour[h]);
	fprintf(f, ";%lld\r\n", all);
}

/* Two tables: cases per group × client, then calls per group; each ends with totals,
 * the previous month's totals and the change. Then, for a report with them, a table per
 * breakdown and the busy hours. Tables are separated by an empty line. */
int report_monthly_csv(const json_t *rep, FILE *f)
{
	/* a month's report says "Månad", a tertial's, year's or dates' "Period" */
	bool by_month =
	        strcmp(report_str(rep, "kind"), "month") == 0 || !json_object_get(rep, "kind");
	const char *const lead1[] = {by_month ? "Månad" : "Period", "Svarsgrupp", "Förvaltning"};
	const char *const lead2[] = {by_month ? "Månad" : "Period", "Svarsgrupp"};
	const json_t *prev = json_object_get(rep, "previous");
	const char *month = json_string_value(json_object_get(rep, "month"));
	const char *pmonth = json_string_value(json_object_get(prev, "month"));
	size_t i;
	json_t *o;

	if (!month || !pmonth)
		return EINVAL;
	put_header(f, lead1, N(lead1), case_cols, N(case_cols));
	json_array_foreach(json_object_get(rep, "rows"), i, o)
	{
		fprintf(f, "%s;", month);
		put_text(f, json_string_value(json_object_get(o, "group_name")));
		fputc(';', f);
		put_text(f, json_string_value(json_object_get(o, "client_name")));
		put_cols(f, o, case_cols, N(case_cols));
	}
	fprintf(f, "%s;Totalt;", month);
	put_cols(f, json_object_get(rep, "totals"), case_cols, N(case_cols));
	fprintf(f, "%s;Totalt;", pmonth);
	put_cols(f, json_object_get(prev, "totals"), case_cols, N(case_cols));
	fprintf(f, "%s;Förändring;", month);
	put_cols(f, json_object_get(rep, "change"), case_cols, N(case_cols));

	fputs("\r\n", f);
	put_header(f, lead2, N(lead2), call_cols, N(call_cols));
	json_array_foreach(json_object_get(rep, "groups"), i, o)
	{
		fprintf(f, "%s;", month);
		put_text(f, json_string_value(json_object_get(o, "group_name")));
		put_cols(f, o, call_cols, N(call_cols));
	}
	fprintf(f, "%s;Totalt", month);
	put_cols(f, json_object_get(rep, "totals"), call_cols, N(call_cols));
	fprintf(f, "%s;Totalt", pmonth);
	put_cols(f, json_object_get(prev, "totals"), call_cols, N(call_cols));
	fprintf(f, "%s;Förändring", month);
	put_cols(f, json_object_get(rep, "change"), call_cols, N(call_cols));
	breakdown_tables(f, rep, lead1[0], month);
	busy_hours_table(f, rep, lead1[0], month);
	return ferror(f) ? EIO : 0;
}

/* One line per agreement line, then a sum per client and the grand total. */
int report_invoice_csv(const json_t *inv, FILE *f)
{
	const char *month = json_string_value(json_object_get(inv, "month"));
	size_t i, j, k;
	json_t *a, *l, *id;

	if (!month)
		return EINVAL;
	fputs("Månad;Förvaltning;Avtal;Rad;Kanal;Antal;Pris (kr);Belopp (kr);Ärenden\r\n", f);
	json_array_foreach(json_object_get(inv, "agreements"), i, a)
	{
		json_array_foreach(json_object_get(a, "lines"), j, l)
		{
			bool fixed =
			        strcmp(json_string_value(json_object_get(l, "kind")), "fixed") == 0;

			fprintf(f, "%s;", month);
			put_text(f, json_string_value(json_object_get(a, "client_name")));
			fputc(';', f);
			put_text(f, json_string_value(json_object_get(a, "name")));
			if (fixed) {
				fputs(";Fast årspris;;", f);
				fprintf(f, "%lld/%lld dagar;",
				        (long long)json_integer_value(json_object_get(l, "days")),
				        (long long)json_integer_value(
				                json_object_get(l, "days_in_year")));
				put_num(f, json_object_get(l, "annual_price"), COL_KR);
			} else {
				fputs(";Ärenden;", f);
				fputs(report_name_sv(report_str(l, "channel")), f);
				fputc(';', f);
				put_num(f, json_object_get(l, "count"), COL_INT);
				fputc(';', f);
				put_num(f, json_object_get(l, "price"), COL_KR);
			}
			fputc(';', f);
			put_num(f, json_object_get(l, "amount"), COL_KR);
			fputc(';', f);
			json_array_foreach(json_object_get(l, "case_ids"), k, id) fprintf(
			        f, "%s%lld", k ? " " : "", (long long)json_integer_value(id));
			fputs("\r\n", f);
		}
	}
	json_array_foreach(json_object_get(inv, "clients"), i, a)
	{
		fprintf(f, "%s;", month);
		put_text(f, json_string_value(json_object_get(a, "client_name")));
		fputs(";;Summa förvaltning;;", f);
		put_num(f, json_object_get(a, "cases"), COL_INT);
		fputs(";;", f);
		put_num(f, json_object_get(a, "amount"), COL_KR);
		fputs(";\r\n", f);
	}
	fprintf(f, "%s;;;Summa;;;;", month);
	put_num(f, json_object_get(inv, "amount"), COL_KR);
	fputs(";\r\n", f);
	return ferror(f) ? EIO : 0;
}
