/* The reports as XLSX workbooks (libxlsxwriter): Swedish headers, a title row with the
 * municipality and the period, number formats and column widths.
 *
 * Format codes in an XLSX file are stored in Excel's locale-neutral form: "#,##0.00 \"kr\""
 * is shown by Swedish Excel as "1 234,56 kr", "0.0%" as "57,1 %". */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <xlsxwriter.h>

#include "report/report.h"
#include "report/report_int.h"

enum kind {
	K_INT, /* an integer */
	K_PCT, /* a ratio 0–1 shown as percent */
	K_SEC, /* seconds with one decimal */
	K_KR,  /* kronor */
};

struct col {
	const char *title;   /* Swedish column name */
	enum report_fig fig; /* the row's figure */
	enum kind kind;
	double width;
};

struct book {
	int fd;        /* the memory file the workbook is written to */
	char path[64]; /* its name for libxlsxwriter */
	lxw_workbook *wb;
	lxw_format *title, *head, *bold;
	lxw_format *num[4];   /* by enum kind */
	lxw_format *total[4]; /* the same, bold, for totals rows */
	lxw_format *change[4];
};

#define N(a)     (sizeof(a) / sizeof((a)[0]))
#define HEAD_ROW 2 /* row 0: title, row 1: empty, row 2: column names */

static const struct col case_cols[] = {
        {"Ärenden", RF_CASES, K_INT, 9},
        {"Lösta", RF_RESOLVED, K_INT, 8},
        {"Vägledda", RF_GUIDED, K_INT, 10},
        {"Överlämnade", RF_HANDED_OVER, K_INT, 12},
        {"Akut vidarebefordrade", RF_FORWARDED_URGENT, K_INT, 12},
        {"Lösningsgrad", RF_FCR, K_PCT, 13},
        {"Lösningsgrad inkl. vägledda", RF_FCR_INCL_GUIDED, K_PCT, 14},
        {"Telefon", RF_PHONE, K_INT, 9},
        {"E-post", RF_EMAIL, K_INT, 8},
        {"Brev", RF_LETTER, K_INT, 7},
        {"Fax", RF_FAX, K_INT, 7},
        {"Besök", RF_VISIT, K_INT, 7},
        {"Webb", RF_WEB, K_INT, 7},
        {"Sociala medier", RF_SOCIAL, K_INT, 9},
        {"Klagomål", RF_COMPLAINTS, K_INT, 10},
        {"Beröm", RF_PRAISE, K_INT, 8},
};

static const struct col call_cols[] = {
        {"Erbjudna samtal", RF_OFFERED, K_INT, 10},
        {"Besvarade", RF_ANSWERED, K_INT, 10},
        {"Besvarade inom 60 s", RF_ANSWERED_60, K_INT, 11},
        {"Besvarade inom 180 s", RF_ANSWERED_180, K_INT, 11},
        {"Avbrutna", RF_ABANDONED, K_INT, 9},
        {"Tillgänglighet 60 s", RF_SL60, K_PCT, 12},
        {"Tillgänglighet 180 s", RF_SL180, K_PCT, 12},
        {"Snittväntetid (s)", RF_ASA_S, K_SEC, 11},
        {"Andel avbrutna", RF_ABANDON_RATE, K_PCT, 10},
        {"Samtalstid inkl. efterarbete (s)", RF_AHT_S, K_SEC, 14},
};

static lxw_format *fmt(lxw_workbook *wb, const char *numfmt, bool bold)
{
	lxw_format *f = workbook_add_format(wb);

	if (numfmt)
		format_set_num_format(f, numfmt);
	if (bold) {
		format_set_bold(f);
		format_set_top(f, LXW_BORDER_THIN);
	}
	return f;
}

static int book_open(struct book *b)
{
	static const char *const numfmts[] = {"#,##0", "0.0%", "0.0", "#,##0.00 \"kr\""};
	static const char *const changefmts[] = {"+#,##0;-#,##0;0", "+0.0%;-0.0%;0.0%",
	                                         "+0.0;-0.0;0.0",
	                                         "+#,##0.00 \"kr\";-#,##0.00 \"kr\";0.00 \"kr\""};

	int err;

	memset(b, 0, sizeof(*b));
	err = report_memfile_open(&b->fd, b->path, sizeof(b->path));
	if (err)
		return err;
	b->wb = workbook_new(b->path);
	if (!b->wb) {
		report_memfile_take(b->fd, NULL, NULL);
		return EIO;
	}
	b->title = workbook_add_format(b->wb);
	format_set_bold(b->title);
	format_set_font_size(b->title, 14);
	b->head = workbook_add_format(b->wb);
	format_set_bold(b->head);
	format_set_text_wrap(b->head);
	format_set_align(b->head, LXW_ALIGN_VERTICAL_TOP);
	format_set_bottom(b->head, LXW_BORDER_THIN);
	format_set_bg_color(b->head, 0xDDEBF7);
	b->bold = fmt(b->wb, NULL, true);
	for (size_t i = 0; i < N(numfmts); i++) {
		b->num[i] = fmt(b->wb, numfmts[i], false);
		b->total[i] = fmt(b->wb, numfmts[i], true);
		b->change[i] = fmt(b->wb, changefmts[i], false);
	}
	return 0;
}

/* Close the workbook; *buf (malloc'd) and *n get its bytes unless `err` (then NULL). */
static int book_close(struct book *b, int err, char **buf, size_t *n)
{
	if (workbook_close(b->wb) != LXW_NO_ERROR && !err)
		err = EIO;
	if (err) {
		report_memfile_take(b->fd, NULL, NULL);
		return err;
	}
	return report_memfile_take(b->fd, buf, n);
}

/* A sheet with the title row ("<municipality> – <what> <period>") and frozen headers. */
static lxw_worksheet *sheet(struct book *b, const char *name, const char *municipality,
                            const char *what, const char *month)
{
	lxw_worksheet *ws = workbook_add_worksheet(b->wb, name);
	char period[64], title[256];

	if (!ws)
		return NULL;
	report_period_sv(month, period, sizeof(period));
	snprintf(title, sizeof(title), "%s – %s %s", municipality, what, period);
	worksheet_write_string(ws, 0, 0, title, b->title);
	worksheet_set_row(ws, HEAD_ROW, 45, NULL);
	worksheet_freeze_panes(ws, HEAD_ROW + 1, 0);
	return ws;
}

/* A number in the column's format; a blank cell when absent or null. */
static void put_num(lxw_worksheet *ws, int row, int col, const json_t *v, lxw_format *f)
{
	if (json_is_number(v))
		worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, json_number_value(v), f);
	else
		worksheet_write_blank(ws, (lxw_row_t)row, (lxw_col_t)col, f);
}

static void put_head(struct book *b, lxw_worksheet *ws, int col, const struct col *cols, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		worksheet_write_string(ws, HEAD_ROW, (lxw_col_t)(col + (int)i), cols[i].title,
		                       b->head);
		worksheet_set_column(ws, (lxw_col_t)(col + (int)i), (lxw_col_t)(col + (int)i),
		                     cols[i].width, NULL);
	}
}

/* A row's figure in the column's format; a blank cell when the row has none. */
static void put_fig(lxw_worksheet *ws, int row, int col, const struct report_row *r,
                    enum report_of of, enum report_fig k, lxw_format *f)
{
	double v;

	if (report_fig(r, of, k, &v))
		worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, v, f);
	else
		worksheet_write_blank(ws, (lxw_row_t)row, (lxw_col_t)col, f);
}

static void put_cols(struct book *b, lxw_worksheet *ws, int row, int col,
                     const struct report_row *r, const struct col *cols, size_t n, bool total)
{
	for (size_t i = 0; i < n; i++)
		put_fig(ws, row, col + (int)i, r, OF_NOW, cols[i].fig,
		        (total ? b->total : b->num)[cols[i].kind]);
}

static void put_lead(struct book *b, lxw_worksheet *ws, const char *const *titles,
                     const double *widths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		worksheet_write_string(ws, HEAD_ROW, (lxw_col_t)i, titles[i], b->head);
		worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, widths[i], NULL);
	}
}

static int monthly_cases(struct book *b, const struct report *rep, const char *muni,
                         const char *month)
{
	static const char *const lead[] = {"Svarsgrupp", "Förvaltning"};
	static const double widths[] = {24, 28};
	lxw_worksheet *ws =
	        sheet(b, "Ärenden", muni, "Ärenden per svarsgrupp och förvaltning,", month);
	int row = HEAD_ROW + 1;

	if (!ws)
		return EIO;
	put_lead(b, ws, lead, widths, N(lead));
	put_head(b, ws, (int)N(lead), case_cols, N(case_cols));
	for (size_t i = 0; i < rep->cur.t[REPORT_ROWS].n; i++) {
		const struct report_row *r = &rep->cur.t[REPORT_ROWS].v[i];

		worksheet_write_string(ws, (lxw_row_t)row, 0, r->name, NULL);
		worksheet_write_string(ws, (lxw_row_t)row, 1, r->name2, NULL);
		put_cols(b, ws, row++, (int)N(lead), r, case_cols, N(case_cols), false);
	}
	worksheet_write_string(ws, (lxw_row_t)row, 0, "Totalt", b->bold);
	worksheet_write_blank(ws, (lxw_row_t)row, 1, b->bold);
	put_cols(b, ws, row, (int)N(lead), &rep->cur.total, case_cols, N(case_cols), true);
	return 0;
}

static int monthly_calls(struct book *b, const struct report *rep, const char *muni,
                         const char *month)
{
	static const char *const lead[] = {"Svarsgrupp"};
	static const double widths[] = {24};
	lxw_worksheet *ws = sheet(b, "Samtal", muni, "Samtal per svarsgrupp,", month);
	int row = HEAD_ROW + 1;

	if (!ws)
		return EIO;
	put_lead(b, ws, lead, widths, N(lead));
	put_head(b, ws, (int)N(lead), call_cols, N(call_cols));
	for (size_t i = 0; i < rep->cur.t[REPORT_GROUPS].n; i++) {
		const struct report_row *r = &rep->cur.t[REPORT_GROUPS].v[i];

		worksheet_write_string(ws, (lxw_row_t)row, 0, r->name, NULL);
		put_cols(b, ws, row++, (int)N(lead), r, call_cols, N(call_cols), false);
	}
	worksheet_write_string(ws, (lxw_row_t)row, 0, "Totalt", b->bold);
	put_cols(b, ws, row, (int)N(lead), &rep->cur.total, call_cols, N(call_cols), true);
	return 0;
}

/* The e-mail answer times: group × client × month, then per group, client and month, and the
 * totals; shares as per cent, times in hours and working days. */
static void mail_figs(struct book *b, lxw_worksheet *ws, int row, int col,
                      const struct report_mail_fig *f, bool total)
{
	lxw_format **fm = total ? b->total : b->num;
	const double v[] = {(double)f->cases,      (double)f->answered,   (double)f->unanswered,
	                    (double)f->within_24h, (double)f->within_1wd, (double)f->within_2wd,
	                    f->share_24h,          f->share_1wd,          f->share_2wd,
	                    f->mean_hours,         f->median_hours,       f->mean_working_days};
	const enum kind k[] = {K_INT, K_INT, K_INT, K_INT, K_INT, K_INT,
	                       K_PCT, K_PCT, K_PCT, K_SEC, K_SEC, K_SEC};

	for (size_t i = 0; i < N(v); i++) {
		if (isnan(v[i]))
			worksheet_write_blank(ws, (lxw_row_t)row, (lxw_col_t)(col + (int)i),
			                      fm[k[i]]);
		else
			worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)(col + (int)i), v[i],
			                       fm[k[i]]);
	}
}

static int monthly_mail(struct book *b, const struct report *rep, const char *muni,
                        const char *month)
{
	static const char *const titles[] = {"Månad",
	                                     "Svarsgrupp",
	                                     "Förvaltning",
	                                     "E-postärenden",
	                                     "Besvarade",
	                                     "Obesvarade",
	                                     "Inom 24 h",
	                                     "Inom 1 arbetsdag",
	                                     "Inom 2 arbetsdagar",
	                                     "Andel inom 24 h",
	                                     "Andel inom 1 arbetsdag",
	                                     "Andel inom 2 arbetsdagar",
	                                     "Svarstid medel (h)",
	                                     "Svarstid median (h)",
	                                     "Svarstid medel (arbetsdagar)"};
	static const double widths[] = {10, 24, 28, 11, 11, 11, 11, 12, 12, 12, 12, 12, 12, 12, 14};
	static const char *const sums[] = {"", "Per svarsgrupp", "Per förvaltning", "Per månad"};
	const struct report_mail *m = &rep->mail;
	lxw_worksheet *ws = sheet(b, "E-post", muni, "Svarstider för e-post,", month);
	int row = HEAD_ROW + 1;

	if (!ws)
		return EIO;
	put_lead(b, ws, titles, widths, N(titles));
	for (int t = REPORT_MAIL_ROWS; t < REPORT_MAIL_NTABLES; t++) {
		if (t != REPORT_MAIL_ROWS) {
			row++;
			worksheet_write_string(ws, (lxw_row_t)row++, 0, sums[t], b->bold);
		}
		for (size_t i = 0; i < m->t[t].n; i++) {
			const struct report_mail_row *r = &m->t[t].v[i];

			worksheet_write_string(ws, (lxw_row_t)row, 0, r->month, NULL);
			worksheet_write_string(ws, (lxw_row_t)row, 1, r->group_name, NULL);
			worksheet_write_string(ws, (lxw_row_t)row, 2, r->client_name, NULL);
			mail_figs(b, ws, row++, 3, &r->f, false);
		}
	}
	row++;
	worksheet_write_string(ws, (lxw_row_t)row, 0, "Totalt", b->bold);
	mail_figs(b, ws, row, 3, &m->total, true);
	return 0;
}

/* One row per figure: this month, last month, the change (rates in percentage points). */
static void compare_rows(struct book *b, lxw_worksheet *ws, int *row, const struct report *rep,
                         const struct col *cols, size_t n)
{
	const struct report_row *t = &rep->cur.total;

	for (size_t i = 0; i < n; i++, (*row)++) {
		worksheet_write_string(ws, (lxw_row_t)*row, 0, cols[i].title, NULL);
		put_fig(ws, *row, 1, t, OF_NOW, cols[i].fig, b->num[cols[i].kind]);
		put_fig(ws, *row, 2, t, OF_PREV, cols[i].fig, b->num[cols[i].kind]);
		put_fig(ws, *row, 3, t, OF_CHANGE, cols[i].fig, b->change[cols[i].kind]);
	}
}

static int monthly_compare(struct book *b, const struct report *rep, const char *muni,
                           const char *month)
{
	const char *pmonth = rep->prev.label;
	bool by_month = rep->kind == PERIOD_MONTH;
	lxw_worksheet *ws = sheet(b, "Jämförelse", muni,
	                          by_month ? "Jämförelse med föregående månad,"
	                                   : "Jämförelse med föregående period,",
	                          month);
	char now[64], prev[64];
	int row = HEAD_ROW + 1;

	if (!ws)
		return EIO;
	report_period_sv(month, now, sizeof(now));
	report_period_sv(pmonth, prev, sizeof(prev));
	worksheet_write_string(ws, HEAD_ROW, 0, "Nyckeltal", b->head);
	worksheet_write_string(ws, HEAD_ROW, 1, now, b->head);
	worksheet_write_string(ws, HEAD_ROW, 2, prev, b->head);
	worksheet_write_string(ws, HEAD_ROW, 3, "Förändring", b->head);
	worksheet_set_column(ws, 0, 0, 32, NULL);
	worksheet_set_column(ws, 1, 3, 16, NULL);
	compare_rows(b, ws, &row, rep, case_cols, N(case_cols));
	compare_rows(b, ws, &row, rep, call_cols, N(call_cols));
	return 0;
}

/* Columns of the breakdowns: figures, the previous period, the change and the targets. */
static const struct bcol {
	const char *title;
	enum report_of of;
	enum report_fig fig;
	enum kind kind;
	bool change; /* a difference: signed, percentage points */
} breakdown_cols[] = {
        {"Ärenden", OF_NOW, RF_CASES, K_INT, false},
        {"Lösta", OF_NOW, RF_RESOLVED, K_INT, false},
        {"Vägledda", OF_NOW, RF_GUIDED, K_INT, false},
        {"Överlämnade", OF_NOW, RF_HANDED_OVER, K_INT, false},
        {"Akut vidarebefordrade", OF_NOW, RF_FORWARDED_URGENT, K_INT, false},
        {"Lösningsgrad", OF_NOW, RF_FCR, K_PCT, false},
        {"Lösningsgrad inkl. vägledda", OF_NOW, RF_FCR_INCL_GUIDED, K_PCT, false},
        {"Ärenden föregående period", OF_PREV, RF_CASES, K_INT, false},
        {"Förändring ärenden", OF_CHANGE, RF_CASES, K_INT, true},
        {"Förändring lösningsgrad", OF_CHANGE, RF_FCR, K_PCT, true},
        {"Lösningsgrad mot mål 80 %", OF_NOW, RF_VS_FCR, K_PCT, true},
        {"Tillgänglighet 60 s", OF_NOW, RF_SL60, K_PCT, false},
        {"Tillgänglighet mot mål 85 %", OF_NOW, RF_VS_SL60, K_PCT, true},
        {"Bemötande, svar", OF_NOW, RF_SAT_ANSWERS, K_INT, false},
        {"Bemötande 4–5", OF_NOW, RF_SAT_4_5, K_PCT, false},
        {"Bemötande mot mål 90 %", OF_NOW, RF_VS_SAT, K_PCT, true},
        {"Bemötandeindex (0–100)", OF_NOW, RF_SAT_INDEX, K_SEC, false},
};

/* The breakdowns (a period report's "breakdowns"), one block per dimension. */
static int monthly_breakdowns(struct book *b, const struct report *rep, const char *muni,
                              const char *month)
{
	static const struct {
		enum report_table t;
		const char *title;
	} dims[] = {
	        {REPORT_GROUPS, "Per svarsgrupp"},   {REPORT_CLIENTS, "Per förvaltning"},
	        {REPORT_UNITS, "Per enhet"},         {REPORT_KINDS, "Per ärendetyp"},
	        {REPORT_CHANNELS, "Per kanal"},      {REPORT_AGENTS, "Per handläggare"},
	        {REPORT_CATEGORIES, "Per kategori"}, {REPORT_CLIENT_UNITS, "Per underenhet"},
	};
	lxw_worksheet *ws;
	int row = HEAD_ROW + 1;

	ws = sheet(b, "Fördelning", muni, "Fördelning,", month);
	if (!ws)
		return EIO;
	worksheet_write_string(ws, HEAD_ROW, 0, "Namn", b->head);
	worksheet_set_column(ws, 0, 0, 30, NULL);
	for (size_t c = 0; c < N(breakdown_cols); c++) {
		worksheet_write_string(ws, HEAD_ROW, (lxw_col_t)(c + 1), breakdown_cols[c].title,
		                       b->head);
		worksheet_set_column(ws, (lxw_col_t)(c + 1), (lxw_col_t)(c + 1), 13, NULL);
	}
	for (size_t d = 0; d < N(dims); d++) {
		row++;
		worksheet_write_string(ws, (lxw_row_t)row++, 0, dims[d].title, b->bold);
		for (size_t i = 0; i < rep->cur.t[dims[d].t].n; i++) {
			const struct report_row *r = &rep->cur.t[dims[d].t].v[i];
			const char *name = r->name;

			/* kinds and channels in Swedish */
			if (dims[d].t == REPORT_KINDS)
				name = report_name_sv(report_kinds[r->ki]);
			else if (dims[d].t == REPORT_CHANNELS)
				name = report_name_sv(report_channels[r->ki]);
			worksheet_write_string(ws, (lxw_row_t)row, 0, name, NULL);
			for (size_t c = 0; c < N(breakdown_cols); c++) {
				const struct bcol *bc = &breakdown_cols[c];

				/* no cell where the row has no such figure at all (a client's
				 * calls, a new row's previous period); blank where it is null */
				if (report_fig_applies(r, bc->of, bc->fig))
					put_fig(ws, row, (int)c + 1, r, bc->of, bc->fig,
					        (bc->change ? b->change : b->num)[bc->kind]);
			}
			row++;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- charts */

/* A Swedish title on a chart and on its axes; no legend unless asked for. */
static void chart_names(lxw_chart *c, const char *title, const char *x, const char *y)
{
	chart_title_set_name(c, title);
	chart_axis_set_name(c->x_axis, x);
	chart_axis_set_name(c->y_axis, y);
	chart_legend_set_position(c, LXW_CHART_LEGEND_NONE);
}

static void chart_fill(lxw_chart_series *s, lxw_color_t color)
{
	lxw_chart_fill fill = {.color = color};

	chart_series_set_fill(s, &fill);
}

/* The figures the charts draw, one row per group, and beside them a column chart of cases
 * and one of service level 60 s with the target as a dashed outline over each bar. The
 * charts read this sheet's cells, so they follow any change made to them in Excel. */
static int monthly_charts(struct book *b, const struct report *rep, const char *muni,
                          const char *month)
{
	static const char *const lead[] = {"Svarsgrupp", "Ärenden", "Tillgänglighet 60 s",
	                                   "Mål tillgänglighet 60 s"};
	static const double widths[] = {24, 10, 13, 13};
	const struct report_row *groups = rep->cur.t[REPORT_GROUPS].v;
	lxw_worksheet *ws = sheet(b, "Diagram", muni, "Diagram per svarsgrupp,", month);
	lxw_chart_line target = {
	        .color = 0xC00000, .width = 1.5, .dash_type = LXW_CHART_LINE_DASH_DASH};
	lxw_chart_fill none = {.none = LXW_TRUE};
	lxw_row_t first = HEAD_ROW + 1, last;
	lxw_chart *c;
	lxw_chart_series *s;
	size_t n = rep->cur.t[REPORT_GROUPS].n;

	if (!ws)
		return EIO;
	put_lead(b, ws, lead, widths, N(lead));
	if (n == 0) {
		worksheet_write_string(ws, first, 0, "Inga svarsgrupper under perioden.", NULL);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		double cases = 0;

		/* a group's cases are the sum of its rows (one per client) */
		for (size_t j = 0; j < rep->cur.t[REPORT_ROWS].n; j++)
			if (rep->cur.t[REPORT_ROWS].v[j].id == groups[i].id)
				cases += (double)rep->cur.t[REPORT_ROWS].v[j].f.c.cases;
		worksheet_write_string(ws, first + (lxw_row_t)i, 0, groups[i].name, NULL);
		worksheet_write_number(ws, first + (lxw_row_t)i, 1, cases, b->num[K_INT]);
		put_fig(ws, (int)(first + i), 2, &groups[i], OF_NOW, RF_SL60, b->num[K_PCT]);
		worksheet_write_number(ws, first + (lxw_row_t)i, 3, REPORT_TARGET_SL60,
		                       b->num[K_PCT]);
	}
	last = first + (lxw_row_t)n - 1;

	c = workbook_add_chart(b->wb, LXW_CHART_COLUMN);
	if (!c)
		return EIO;
	chart_names(c, "Ärenden per svarsgrupp", "Svarsgrupp", "Ärenden");
	s = chart_add_series(c, NULL, NULL);
	chart_series_set_categories(s, "Diagram", first, 0, last, 0);
	chart_series_set_values(s, "Diagram", first, 1, last, 1);
	chart_series_set_name(s, "Ärenden");
	chart_series_set_labels(s);
	chart_fill(s, 0x2E75B6);
	worksheet_insert_chart(ws, HEAD_ROW, 5, c);

	c = workbook_add_chart(b->wb, LXW_CHART_COLUMN);
	if (!c)
		return EIO;
	chart_names(c, "Tillgänglighet 60 s per svarsgrupp", "Svarsgrupp",
	            "Besvarade inom 60 s av erbjudna");
	chart_legend_set_position(c, LXW_CHART_LEGEND_BOTTOM);
	chart_axis_set_min(c->y_axis, 0);
	chart_axis_set_max(c->y_axis, 1);
	chart_axis_set_num_format(c->y_axis, "0%");
	s = chart_add_series(c, NULL, NULL);
	chart_series_set_categories(s, "Diagram", first, 0, last, 0);
	chart_series_set_values(s, "Diagram", first, 2, last, 2);
	chart_series_set_name(s, "Tillgänglighet 60 s");
	chart_series_set_labels(s);
	chart_series_set_labels_num_format(s, "0.0%");
	chart_fill(s, 0x2E75B6);
	/* the target: an empty dashed bar at 85 % drawn over each group's bar */
	s = chart_add_series(c, NULL, NULL);
	chart_series_set_categories(s, "Diagram", first, 0, last, 0);
	chart_series_set_values(s, "Diagram", first, 3, last, 3);
	chart_series_set_name(s, "Mål 85 %");
	chart_series_set_fill(s, &none);
	chart_series_set_line(s, &target);
	chart_set_series_overlap(c, 100);
	worksheet_insert_chart(ws, HEAD_ROW + 17, 5, c);
	return 0;
}

/* The busy-hours table (offered calls per weekday × hour of Stockholm time) shaded as a heat
 * map, with totals per hour and per weekday and a chart of each. */
static int monthly_busy_hours(struct book *b, const struct report *rep, const char *muni,
                              const char *month)
{
	static const char *const days[] = {"måndag", "tisdag", "onsdag", "torsdag",
	                                   "fredag", "lördag", "söndag"};
	const lxw_row_t first = HEAD_ROW + 1, total = first + 7;
	lxw_conditional_format heat = {.type = LXW_CONDITIONAL_2_COLOR_SCALE,
	                               .min_color = 0xFFFFFF,
	                               .max_color = 0x1F4E79};
	double per_hour[24] = {0}, all = 0;
	char buf[160];
	lxw_worksheet *ws;
	lxw_chart *c;
	lxw_chart_series *s;

	if (!rep->busy)
		return 0; /* a report without the busy hours: no sheet */
	ws = sheet(b, "Belastning", muni, "Erbjudna samtal per veckodag och timme,", month);
	if (!ws)
		return EIO;
	worksheet_write_string(ws, HEAD_ROW, 0, "Veckodag", b->head);
	worksheet_set_column(ws, 0, 0, 12, NULL);
	for (int h = 0; h < 24; h++) {
		snprintf(buf, sizeof(buf), "%02d", h);
		worksheet_write_string(ws, HEAD_ROW, (lxw_col_t)(h + 1), buf, b->head);
	}
	worksheet_set_column(ws, 1, 24, 5.5, NULL);
	worksheet_write_string(ws, HEAD_ROW, 25, "Totalt", b->head);
	worksheet_set_column(ws, 25, 25, 9, NULL);
	for (int d = 0; d < 7; d++) {
		double sum = 0;

		worksheet_write_string(ws, first + (lxw_row_t)d, 0, days[d], NULL);
		for (int h = 0; h < 24; h++) {
			double v = (double)rep->busy_hours[d][h];

			worksheet_write_number(ws, first + (lxw_row_t)d, (lxw_col_t)(h + 1), v,
			                       b->num[K_INT]);
			sum += v;
			per_hour[h] += v;
		}
		worksheet_write_number(ws, first + (lxw_row_t)d, 25, sum, b->total[K_INT]);
		all += sum;
	}
	worksheet_write_string(ws, total, 0, "Totalt", b->bold);
	for (int h = 0; h < 24; h++)
		worksheet_write_number(ws, total, (lxw_col_t)(h + 1), per_hour[h], b->total[K_INT]);
	worksheet_write_number(ws, total, 25, all, b->total[K_INT]);
	worksheet_conditional_format_range(ws, first, 1, first + 6, 24, &heat);
	snprintf(buf, sizeof(buf),
	         "Svarsgruppernas erbjudna samtal per timme i svensk tid under periodens %lld "
	         "dagar. Mörkare ruta: fler samtal.",
	         (long long)rep->busy_days);
	worksheet_write_string(ws, total + 1, 0, buf, NULL);

	c = workbook_add_chart(b->wb, LXW_CHART_COLUMN);
	if (!c)
		return EIO;
	chart_names(c, "Erbjudna samtal per timme", "Timme (kl.)", "Erbjudna samtal");
	s = chart_add_series(c, NULL, NULL);
	chart_series_set_categories(s, "Belastning", HEAD_ROW, 1, HEAD_ROW, 24);
	chart_series_set_values(s, "Belastning", total, 1, total, 24);
	chart_series_set_name(s, "Erbjudna samtal");
	chart_fill(s, 0x2E75B6);
	worksheet_insert_chart(ws, total + 3, 0, c);

	c = workbook_add_chart(b->wb, LXW_CHART_COLUMN);
	if (!c)
		return EIO;
	chart_names(c, "Erbjudna samtal per veckodag", "Veckodag", "Erbjudna samtal");
	s = chart_add_series(c, NULL, NULL);
	chart_series_set_categories(s, "Belastning", first, 0, first + 6, 0);
	chart_series_set_values(s, "Belastning", first, 25, first + 6, 25);
	chart_series_set_name(s, "Erbjudna samtal");
	chart_series_set_labels(s);
	chart_fill(s, 0x2E75B6);
	worksheet_insert_chart(ws, total + 3, 14, c);
	return 0;
}

int report_monthly_xlsx(const struct report *rep, const char *municipality, char **buf, size_t *n)
{
	const char *month = rep ? rep->cur.label : NULL;
	struct book b;
	int err;

	*buf = NULL;
	*n = 0;
	if (!month)
		return EINVAL;
	if (!municipality)
		municipality = "";
	if ((err = book_open(&b)))
		return err;
	err = monthly_cases(&b, rep, municipality, month);
	if (!err)
		err = monthly_calls(&b, rep, municipality, month);
	if (!err)
		err = monthly_compare(&b, rep, municipality, month);
	if (!err)
		err = monthly_breakdowns(&b, rep, municipality, month);
	if (!err)
		err = monthly_charts(&b, rep, municipality, month);
	if (!err)
		err = monthly_busy_hours(&b, rep, municipality, month);
	if (!err)
		err = monthly_mail(&b, rep, municipality, month);
	return book_close(&b, err, buf, n);
}

static bool is_fixed(const json_t *line)
{
	return strcmp(report_str(line, "kind"), "fixed") == 0;
}

/* Lines per agreement × channel (and the prorated fixed price), a sum per client and the
 * grand total. */
static int invoice_lines(struct book *b, const json_t *inv, const char *muni, const char *month)
{
	static const char *const heads[] = {"Förvaltning", "Avtal", "Rad",    "Kanal",
	                                    "Antal",       "Pris",  "Belopp", "Dagar i månaden"};
	static const double widths[] = {28, 36, 18, 16, 9, 16, 16, 16};
	lxw_worksheet *ws = sheet(b, "Fakturaunderlag", muni, "Fakturaunderlag,", month);
	int row = HEAD_ROW + 1;
	long long cases = 0;
	size_t i, j;
	json_t *a, *l;

	if (!ws)
		return EIO;
	put_lead(b, ws, heads, widths, N(heads));
	json_array_foreach(json_object_get(inv, "agreements"), i, a)
	{
		json_array_foreach(json_object_get(a, "lines"), j, l)
		{
			char days[48];

			worksheet_write_string(ws, (lxw_row_t)row, 0, report_str(a, "client_name"),
			                       NULL);
			worksheet_write_string(ws, (lxw_row_t)row, 1, report_str(a, "name"), NULL);
			if (is_fixed(l)) {
				worksheet_write_string(ws, (lxw_row_t)row, 2, "Fast årspris", NULL);
				put_num(ws, row, 5, json_object_get(l, "annual_price"),
				        b->num[K_KR]);
				snprintf(days, sizeof(days), "%lld av %lld",
				         (long long)json_integer_value(json_object_get(l, "days")),
				         (long long)json_integer_value(
				                 json_object_get(l, "days_in_year")));
				worksheet_write_string(ws, (lxw_row_t)row, 7, days, NULL);
			} else {
				worksheet_write_string(ws, (lxw_row_t)row, 2, "Ärenden", NULL);
				worksheet_write_string(ws, (lxw_row_t)row, 3,
				                       report_name_sv(report_str(l, "channel")),
				                       NULL);
				put_num(ws, row, 4, json_object_get(l, "count"), b->num[K_INT]);
				put_num(ws, row, 5, json_object_get(l, "price"), b->num[K_KR]);
			}
			put_num(ws, row++, 6, json_object_get(l, "amount"), b->num[K_KR]);
		}
	}
	json_array_foreach(json_object_get(inv, "clients"), i, a)
	{
		char label[192];

		snprintf(label, sizeof(label), "Summa %s", report_str(a, "client_name"));
		worksheet_write_string(ws, (lxw_row_t)row, 0, label, b->bold);
		for (lxw_col_t c = 1; c <= 7; c++)
			worksheet_write_blank(ws, (lxw_row_t)row, c, b->bold);
		put_num(ws, row, 4, json_object_get(a, "cases"), b->total[K_INT]);
		put_num(ws, row++, 6, json_object_get(a, "amount"), b->total[K_KR]);
		cases += json_integer_value(json_object_get(a, "cases"));
	}
	worksheet_write_string(ws, (lxw_row_t)row, 0, "Totalt", b->bold);
	for (lxw_col_t c = 1; c <= 7; c++)
		worksheet_write_blank(ws, (lxw_row_t)row, c, b->bold);
	worksheet_write_number(ws, (lxw_row_t)row, 4, (double)cases, b->total[K_INT]);
	put_num(ws, row, 6, json_object_get(inv, "amount"), b->total[K_KR]);
	return 0;
}

/* The case ids behind each line, one per row so they can be filtered and looked up. */
static int invoice_cases(struct book *b, const json_t *inv, const char *muni, const char *month)
{
	static const char *const heads[] = {"Förvaltning", "Avtal", "Kanal", "Ärende-id"};
	static const double widths[] = {28, 36, 16, 11};
	lxw_worksheet *ws = sheet(b, "Ärenden", muni, "Ärenden i fakturaunderlaget,", month);
	int row = HEAD_ROW + 1;
	size_t i, j, k;
	json_t *a, *l, *id;

	if (!ws)
		return EIO;
	put_lead(b, ws, heads, widths, N(heads));
	json_array_foreach(json_object_get(inv, "agreements"), i, a)
	{
		json_array_foreach(json_object_get(a, "lines"), j, l)
		{
			json_array_foreach(json_object_get(l, "case_ids"), k, id)
			{
				worksheet_write_string(ws, (lxw_row_t)row, 0,
				                       report_str(a, "client_name"), NULL);
				worksheet_write_string(ws, (lxw_row_t)row, 1, report_str(a, "name"),
				                       NULL);
				worksheet_write_string(ws, (lxw_row_t)row, 2,
				                       report_name_sv(report_str(l, "channel")),
				                       NULL);
				put_num(ws, row++, 3, id, NULL);
			}
		}
	}
	return 0;
}

int report_invoice_xlsx(const json_t *inv, const char *municipality, char **buf, size_t *n)
{
	const char *month = json_string_value(json_object_get(inv, "month"));
	struct book b;
	int err;

	*buf = NULL;
	*n = 0;
	if (!month)
		return EINVAL;
	if (!municipality)
		municipality = "";
	if ((err = book_open(&b)))
		return err;
	err = invoice_lines(&b, inv, municipality, month);
	if (!err)
		err = invoice_cases(&b, inv, municipality, month);
	return book_close(&b, err, buf, n);
}
