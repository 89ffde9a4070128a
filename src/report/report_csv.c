/* The reports as CSV for Swedish Excel: UTF-8, semicolons, decimal comma. */
#include <errno.h>
#include <math.h>
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
	const char *title;   /* the Swedish column name */
	enum report_of of;   /* whose figure: the row's, its previous row's, the change */
	enum report_fig fig; /* which */
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

/* A row's figure as put_num shows it; empty when the row has none. */
static void put_fig(FILE *f, const struct report_row *r, enum report_of of, enum report_fig k,
                    enum col_kind kind)
{
	char buf[64];
	double v;

	if (!report_fig(r, of, k, &v))
		return;
	if (kind == COL_INT) {
		fprintf(f, "%lld", (long long)v);
		return;
	}
	snprintf(buf, sizeof(buf), kind == COL_KR || kind == COL_DEC ? "%.2f" : "%.1f",
	         v * (kind == COL_PCT ? 100.0 : 1.0));
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

/* The columns of row `r`; `of` other than OF_NOW takes every column from the previous
 * row or the change (the totals' comparison lines). */
static void put_cols(FILE *f, const struct report_row *r, enum report_of of, const struct col *cols,
                     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fputc(';', f);
		put_fig(f, r, of == OF_NOW ? cols[i].of : of, cols[i].fig, cols[i].kind);
	}
	fputs("\r\n", f);
}

static const struct col case_cols[] = {
        {"Ärenden", OF_NOW, RF_CASES, COL_INT},
        {"Lösta", OF_NOW, RF_RESOLVED, COL_INT},
        {"Vägledda", OF_NOW, RF_GUIDED, COL_INT},
        {"Överlämnade", OF_NOW, RF_HANDED_OVER, COL_INT},
        {"Akut vidarebefordrade", OF_NOW, RF_FORWARDED_URGENT, COL_INT},
        {"Lösningsgrad (%)", OF_NOW, RF_FCR, COL_PCT},
        {"Lösningsgrad inkl. vägledda (%)", OF_NOW, RF_FCR_INCL_GUIDED, COL_PCT},
        {"Telefon", OF_NOW, RF_PHONE, COL_INT},
        {"E-post", OF_NOW, RF_EMAIL, COL_INT},
        {"Brev", OF_NOW, RF_LETTER, COL_INT},
        {"Fax", OF_NOW, RF_FAX, COL_INT},
        {"Besök", OF_NOW, RF_VISIT, COL_INT},
        {"Webb", OF_NOW, RF_WEB, COL_INT},
        {"Sociala medier", OF_NOW, RF_SOCIAL, COL_INT},
        {"Klagomål", OF_NOW, RF_COMPLAINTS, COL_INT},
        {"Beröm", OF_NOW, RF_PRAISE, COL_INT},
};

static const struct col call_cols[] = {
        {"Erbjudna samtal", OF_NOW, RF_OFFERED, COL_INT},
        {"Besvarade", OF_NOW, RF_ANSWERED, COL_INT},
        {"Besvarade inom 60 s", OF_NOW, RF_ANSWERED_60, COL_INT},
        {"Besvarade inom 180 s", OF_NOW, RF_ANSWERED_180, COL_INT},
        {"Avbrutna", OF_NOW, RF_ABANDONED, COL_INT},
        {"Tillgänglighet 60 s (%)", OF_NOW, RF_SL60, COL_PCT},
        {"Tillgänglighet 180 s (%)", OF_NOW, RF_SL180, COL_PCT},
        {"Snittväntetid (s)", OF_NOW, RF_ASA_S, COL_SEC},
        {"Andel avbrutna (%)", OF_NOW, RF_ABANDON_RATE, COL_PCT},
        {"Samtalstid inkl. efterarbete (s)", OF_NOW, RF_AHT_S, COL_SEC},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The breakdowns' columns: the figures, the previous period, the change and the distance to
 * the targets in percentage points ("p.e."); a row without calls or satisfaction (a client,
 * a kind, a channel) leaves those empty. */
static const struct col breakdown_cols[] = {
        {"Ärenden", OF_NOW, RF_CASES, COL_INT},
        {"Lösta", OF_NOW, RF_RESOLVED, COL_INT},
        {"Vägledda", OF_NOW, RF_GUIDED, COL_INT},
        {"Överlämnade", OF_NOW, RF_HANDED_OVER, COL_INT},
        {"Akut vidarebefordrade", OF_NOW, RF_FORWARDED_URGENT, COL_INT},
        {"Lösningsgrad (%)", OF_NOW, RF_FCR, COL_PCT},
        {"Lösningsgrad inkl. vägledda (%)", OF_NOW, RF_FCR_INCL_GUIDED, COL_PCT},
        {"Ärenden föregående period", OF_PREV, RF_CASES, COL_INT},
        {"Förändring ärenden", OF_CHANGE, RF_CASES, COL_INT},
        {"Förändring lösningsgrad (p.e.)", OF_CHANGE, RF_FCR, COL_PCT},
        {"Lösningsgrad mot mål 80 % (p.e.)", OF_NOW, RF_VS_FCR, COL_PCT},
        {"Erbjudna samtal", OF_NOW, RF_OFFERED, COL_INT},
        {"Tillgänglighet 60 s (%)", OF_NOW, RF_SL60, COL_PCT},
        {"Tillgänglighet mot mål 85 % (p.e.)", OF_NOW, RF_VS_SL60, COL_PCT},
        {"Bemötande, svar", OF_NOW, RF_SAT_ANSWERS, COL_INT},
        {"Bemötande 4–5 (%)", OF_NOW, RF_SAT_4_5, COL_PCT},
        {"Bemötande mot mål 90 % (p.e.)", OF_NOW, RF_VS_SAT, COL_PCT},
        {"Bemötandeindex (0–100)", OF_NOW, RF_SAT_INDEX, COL_DEC},
};

/* A table per breakdown (group, client, unit, kind, channel, agent), each after an empty
 * line with its own header, so that each can be cut out as it is. */
static void breakdown_tables(FILE *f, const struct report *rep, const char *lead, const char *month)
{
	static const struct {
		enum report_table t;
		const char *title;
	} dims[] = {
	        {REPORT_GROUPS, "Svarsgrupp"},   {REPORT_CLIENTS, "Förvaltning"},
	        {REPORT_UNITS, "Enhet"},         {REPORT_KINDS, "Ärendetyp"},
	        {REPORT_CHANNELS, "Kanal"},      {REPORT_AGENTS, "Handläggare"},
	        {REPORT_CATEGORIES, "Kategori"}, {REPORT_CLIENT_UNITS, "Underenhet"},
	};

	for (size_t d = 0; d < N(dims); d++) {
		const char *const head[] = {lead, dims[d].title};

		fputs("\r\n", f);
		put_header(f, head, N(head), breakdown_cols, N(breakdown_cols));
		for (size_t i = 0; i < rep->cur.t[dims[d].t].n; i++) {
			const struct report_row *r = &rep->cur.t[dims[d].t].v[i];

			fprintf(f, "%s;", month);
			/* kinds and channels in Swedish, names of groups, clients… as they are */
			if (dims[d].t == REPORT_KINDS)
				put_text(f, report_name_sv(report_kinds[r->ki]));
			else if (dims[d].t == REPORT_CHANNELS)
				put_text(f, report_name_sv(report_channels[r->ki]));
			else
				put_text(f, r->name);
			put_cols(f, r, OF_NOW, breakdown_cols, N(breakdown_cols));
		}
	}
}

/* Offered calls per weekday × hour of Stockholm time, with the totals per weekday and per
 * hour. */
static void busy_hours_table(FILE *f, const struct report *rep, const char *lead, const char *month)
{
	static const char *const days[] = {"måndag", "tisdag", "onsdag", "torsdag",
	                                   "fredag", "lördag", "söndag"};
	long long per_hour[24] = {0}, all = 0;

	if (!rep->busy)
		return;
	fprintf(f, "\r\n%s;Veckodag", lead);
	for (int h = 0; h < 24; h++)
		fprintf(f, ";%02d", h);
	fputs(";Totalt\r\n", f);
	for (size_t d = 0; d < 7; d++) {
		long long sum = 0;

		fprintf(f, "%s;%s", month, days[d]);
		for (size_t h = 0; h < 24; h++) {
			long long v = (long long)rep->busy_hours[d][h];

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

/* A share as a percentage with one decimal and a decimal comma; empty for NAN. */
static void put_share(FILE *f, double v)
{
	char buf[32];

	if (isnan(v))
		return;
	snprintf(buf, sizeof(buf), "%.1f", v * 100.0);
	for (char *p = buf; *p; p++)
		if (*p == '.')
			*p = ',';
	fputs(buf, f);
}

/* Service level per hour of the day, then satisfaction per month (the reports page's
 * charts as tables). */
static void chart_tables(FILE *f, const struct report *rep, const char *lead, const char *month)
{
	fprintf(f, "\r\n%s;Timme;Erbjudna;Besvarade inom 60 s;Servicenivå 60 s (%%)\r\n", lead);
	for (int h = 0; h < 24; h++) {
		fprintf(f, "%s;%02d;%lld;%lld;", month, h, (long long)rep->sl_hours[h].offered,
		        (long long)rep->sl_hours[h].answered_60);
		put_share(f, rep->sl_hours[h].service_level_60);
		fputs("\r\n", f);
	}
	fputs("\r\nMånad;Svar (bemötande);Svar 1;Svar 2;Svar 3;Svar 4;Svar 5;Andel 3–5 (%);"
	      "Andel 4–5 (%)\r\n",
	      f);
	for (size_t i = 0; i < rep->nsat_months; i++) {
		const struct report_sat *st = &rep->sat_months[i].sat;

		fprintf(f, "%s;%lld", rep->sat_months[i].month, (long long)st->answers);
		for (int k = 0; k < 5; k++)
			fprintf(f, ";%lld", (long long)st->dist[k]);
		fputc(';', f);
		put_share(f, st->share_3_5);
		fputc(';', f);
		put_share(f, st->share_4_5);
		fputs("\r\n", f);
	}
}

/* Two tables: cases per group × client, then calls per group; each ends with totals,
 * the previous month's totals and the change. Then a table per breakdown and the busy
 * hours. Tables are separated by an empty line. */
int report_monthly_csv(const struct report *rep, FILE *f)
{
	/* a month's report says "Månad", a tertial's, year's or dates' "Period" */
	bool by_month = rep->kind == PERIOD_MONTH;
	const char *const lead1[] = {by_month ? "Månad" : "Period", "Svarsgrupp", "Förvaltning"};
	const char *const lead2[] = {by_month ? "Månad" : "Period", "Svarsgrupp"};
	const char *month = rep->cur.label, *pmonth = rep->prev.label;
	const struct report_row *total = &rep->cur.total;

	fputs(REPORT_CSV_BOM, f);
	put_header(f, lead1, N(lead1), case_cols, N(case_cols));
	for (size_t i = 0; i < rep->cur.t[REPORT_ROWS].n; i++) {
		const struct report_row *r = &rep->cur.t[REPORT_ROWS].v[i];

		fprintf(f, "%s;", month);
		put_text(f, r->name);
		fputc(';', f);
		put_text(f, r->name2);
		put_cols(f, r, OF_NOW, case_cols, N(case_cols));
	}
	fprintf(f, "%s;Totalt;", month);
	put_cols(f, total, OF_NOW, case_cols, N(case_cols));
	fprintf(f, "%s;Totalt;", pmonth);
	put_cols(f, total, OF_PREV, case_cols, N(case_cols));
	fprintf(f, "%s;Förändring;", month);
	put_cols(f, total, OF_CHANGE, case_cols, N(case_cols));

	fputs("\r\n", f);
	put_header(f, lead2, N(lead2), call_cols, N(call_cols));
	for (size_t i = 0; i < rep->cur.t[REPORT_GROUPS].n; i++) {
		const struct report_row *r = &rep->cur.t[REPORT_GROUPS].v[i];

		fprintf(f, "%s;", month);
		put_text(f, r->name);
		put_cols(f, r, OF_NOW, call_cols, N(call_cols));
	}
	fprintf(f, "%s;Totalt", month);
	put_cols(f, total, OF_NOW, call_cols, N(call_cols));
	fprintf(f, "%s;Totalt", pmonth);
	put_cols(f, total, OF_PREV, call_cols, N(call_cols));
	fprintf(f, "%s;Förändring", month);
	put_cols(f, total, OF_CHANGE, call_cols, N(call_cols));
	breakdown_tables(f, rep, lead1[0], month);
	busy_hours_table(f, rep, lead1[0], month);
	report_mail_csv(rep, f);
	chart_tables(f, rep, lead1[0], month);
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
	fputs(REPORT_CSV_BOM, f);
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
