/* The monthly report as a PDF (cairo): A4 pages with a title, the totals against last
 * month, bar charts of cases and service level per group, the busy hours as a heat map, and
 * the rows per group × client as a table across pages.
 *
 * Text uses cairo's toy text API with "DejaVu Sans" (fonts-dejavu-core), which has the
 * Swedish letters; numbers are written the Swedish way (decimal comma, "57,1 %"). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>

#include "report/report.h"
#include "report/report_int.h"

#define PAGE_W  595.28 /* A4 in points */
#define PAGE_H  841.89
#define MARGIN  50.0
#define FONT    "DejaVu Sans"
#define SL_GOAL 0.85 /* the service-level target drawn on the chart */

enum kind {
	K_INT, /* a count */
	K_PCT, /* a ratio 0–1 shown as percent; changes in percentage points */
	K_SEC, /* seconds with one decimal */
};

struct pdf {
	FILE *out; /* the PDF's bytes, in memory (open_memstream) */
	char *buf; /* … which end up here */
	size_t len;
	cairo_surface_t *surface;
	cairo_t *cr;
	const char *footer; /* "<municipality> – Månadsrapport <period>" */
	int page;
	double y; /* where the next line goes */
};

/* The report's title by its period: month, tertial, year or a range of dates. */
static const char *title_of(const struct report *rep)
{
	return rep->kind == PERIOD_TERTIAL ? "Tertialrapport"
	       : rep->kind == PERIOD_YEAR  ? "Årsrapport"
	       : rep->kind == PERIOD_RANGE ? "Rapport"
	                                   : "Månadsrapport";
}

/* '.' → ',' in place (snprintf writes the C locale's point). */
static void decimal_comma(char *s)
{
	for (; *s; s++)
		if (*s == '.')
			*s = ',';
}

/* A row's figure in Swedish; "–" when it has none. With `change`, a sign and percentage
 * points. */
static void fmt_num(const struct report_row *r, enum report_of of, enum report_fig fig, enum kind k,
                    bool change, char *buf, size_t n)
{
	double d;

	if (!report_fig(r, of, fig, &d)) {
		snprintf(buf, n, "–");
		return;
	}
	switch (k) {
	case K_INT:
		snprintf(buf, n, change ? "%+.0f" : "%.0f", d);
		break;
	case K_PCT:
		snprintf(buf, n, change ? "%+.1f" : "%.1f", d * 100.0);
		break;
	case K_SEC:
		snprintf(buf, n, change ? "%+.1f" : "%.1f", d);
		break;
	}
	decimal_comma(buf);
	if (k != K_INT) /* the unit after the comma, so "p.e." keeps its points */
		snprintf(buf + strlen(buf), n - strlen(buf), "%s",
		         k == K_SEC ? " s"
		         : change   ? " p.e."
		                    : " %");
}

static void font(struct pdf *p, double size, bool bold)
{
	cairo_select_font_face(p->cr, FONT, CAIRO_FONT_SLANT_NORMAL,
	                       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(p->cr, size);
}

static double text_width(struct pdf *p, const char *s)
{
	cairo_text_extents_t e;

	cairo_text_extents(p->cr, s, &e);
	return e.x_advance;
}

/* `s` at (x, y) on the baseline, cut with "…" to fit `w` (0: no limit); align 0 left,
 * 1 right, 0.5 centred within w. */
static void text(struct pdf *p, double x, double y, double w, double align, const char *s)
{
	char buf[256];
	size_t len;

	snprintf(buf, sizeof(buf), "%s", s);
	len = strlen(buf);
	if (w > 0 && text_width(p, buf) > w) {
		/* drop whole UTF-8 characters until it fits with the ellipsis */
		while (len > 0) {
			do
				len--;
			while (len > 0 && ((unsigned char)buf[len] & 0xC0) == 0x80);
			snprintf(buf + len, sizeof(buf) - len, "…");
			if (text_width(p, buf) <= w)
				break;
		}
	}
	if (w > 0 && align > 0)
		x += (w - text_width(p, buf)) * align;
	cairo_move_to(p->cr, x, y);
	cairo_show_text(p->cr, buf);
}

static void rgb(struct pdf *p, unsigned c)
{
	cairo_set_source_rgb(p->cr, ((c >> 16) & 0xFF) / 255.0, ((c >> 8) & 0xFF) / 255.0,
	                     (c & 0xFF) / 255.0);
}

static void hline(struct pdf *p, double x0, double x1, double y, double width)
{
	rgb(p, 0x808080);
	cairo_set_line_width(p->cr, width);
	cairo_move_to(p->cr, x0, y);
	cairo_line_to(p->cr, x1, y);
	cairo_stroke(p->cr);
	rgb(p, 0);
}

/* Ends the page in progress (with its footer) and starts the next. */
static void new_page(struct pdf *p)
{
	char num[32];

	if (p->page > 0) {
		font(p, 8, false);
		rgb(p, 0x606060);
		text(p, MARGIN, PAGE_H - 25, PAGE_W - 2 * MARGIN - 60, 0, p->footer);
		snprintf(num, sizeof(num), "Sida %d", p->page);
		text(p, PAGE_W - MARGIN - 60, PAGE_H - 25, 60, 1, num);
		rgb(p, 0);
		cairo_show_page(p->cr);
	}
	p->page++;
	p->y = MARGIN;
}

static void heading(struct pdf *p, const char *s)
{
	font(p, 13, true);
	p->y += 16;
	cairo_tag_begin(p->cr, "H2", NULL);
	text(p, MARGIN, p->y, 0, 0, s);
	cairo_tag_end(p->cr, "H2");
	p->y += 10;
}

/* ---------------------------------------------------------------- totals */

static const struct {
	const char *title;
	enum report_fig fig;
	enum kind kind;
} total_rows[] = {
        {"Ärenden", RF_CASES, K_INT},       {"Lösta", RF_RESOLVED, K_INT},
        {"Vägledda", RF_GUIDED, K_INT},     {"Överlämnade", RF_HANDED_OVER, K_INT},
        {"Lösningsgrad", RF_FCR, K_PCT},    {"Tillgänglighet 60 s", RF_SL60, K_PCT},
        {"Snittväntetid", RF_ASA_S, K_SEC}, {"Andel avbrutna samtal", RF_ABANDON_RATE, K_PCT},
};

static void totals_table(struct pdf *p, const struct report *rep, const char *period)
{
	const struct report_row *t = &rep->cur.total;
	const double x[] = {MARGIN, MARGIN + 190, MARGIN + 280, MARGIN + 380};
	const double w = 90;
	char prevname[64], buf[64];

	report_period_sv(rep->prev.label, prevname, sizeof(prevname));
	heading(p, "Sammanfattning");
	p->y += 8;
	font(p, 9.5, true);
	text(p, x[0], p->y, 180, 0, "Nyckeltal");
	text(p, x[1], p->y, w, 1, period);
	text(p, x[2], p->y, w, 1, prevname[0] ? prevname : "Föregående period");
	text(p, x[3], p->y, w, 1, "Förändring");
	hline(p, MARGIN, x[3] + w, p->y + 5, 0.8);
	p->y += 5;
	font(p, 9.5, false);
	for (size_t i = 0; i < sizeof(total_rows) / sizeof(total_rows[0]); i++) {
		p->y += 17;
		text(p, x[0], p->y, 180, 0, total_rows[i].title);
		fmt_num(t, OF_NOW, total_rows[i].fig, total_rows[i].kind, false, buf, sizeof(buf));
		text(p, x[1], p->y, w, 1, buf);
		fmt_num(t, OF_PREV, total_rows[i].fig, total_rows[i].kind, false, buf, sizeof(buf));
		text(p, x[2], p->y, w, 1, buf);
		fmt_num(t, OF_CHANGE, total_rows[i].fig, total_rows[i].kind, true, buf,
		        sizeof(buf));
		text(p, x[3], p->y, w, 1, buf);
		hline(p, MARGIN, x[3] + w, p->y + 5, 0.3);
	}
	p->y += 20;
	font(p, 8, false);
	text(p, MARGIN, p->y, PAGE_W - 2 * MARGIN, 0,
	     "Lösningsgrad: lösta ÷ ärenden. Tillgänglighet: besvarade inom 60 s ÷ erbjudna "
	     "samtal. – = inget att räkna på.");
	p->y += 10;
}

/* ---------------------------------------------------------------- charts */

/* Horizontal bars, one per group: values[i] ≥ 0 or NAN for none; max the scale's end. */
static void bar_chart(struct pdf *p, const char *title, const struct report_row *groups, size_t n,
                      const double *values, double max, enum kind kind, double goal)
{
	const double label_w = 150, x0 = MARGIN + label_w + 8;
	const double bar_w = PAGE_W - MARGIN - 50 - x0;
	double bar_h = n ? fmin(16, 220.0 / (double)n) : 16, top;
	char buf[64];

	/* the chart on a new page when it does not fit on this one */
	if (p->y + 32 + (double)n * bar_h + 40 > PAGE_H - MARGIN - 20)
		new_page(p);
	heading(p, title);
	p->y += 6;
	top = p->y;
	if (n == 0) {
		font(p, 9.5, false);
		p->y += 14;
		text(p, MARGIN, p->y, 0, 0, "Inga svarsgrupper denna månad.");
		p->y += 10;
		return;
	}
	if (max <= 0)
		max = 1;
	font(p, fmin(9, bar_h * 0.7), false);
	for (size_t i = 0; i < n; i++) {
		double y = top + (double)i * bar_h, len;

		rgb(p, 0);
		text(p, MARGIN, y + bar_h * 0.7, label_w, 0, groups[i].name);
		if (isnan(values[i])) {
			rgb(p, 0x606060);
			text(p, x0 + 4, y + bar_h * 0.7, 0, 0, "–");
			continue;
		}
		len = bar_w * fmin(values[i], max) / max;
		rgb(p, kind == K_PCT && goal > 0 && values[i] < goal ? 0xE07B39 : 0x2E75B6);
		cairo_rectangle(p->cr, x0, y + bar_h * 0.15, len, bar_h * 0.7);
		cairo_fill(p->cr);
		rgb(p, 0);
		if (kind == K_PCT)
			snprintf(buf, sizeof(buf), "%.1f %%", values[i] * 100.0);
		else
			snprintf(buf, sizeof(buf), "%.0f", values[i]);
		decimal_comma(buf);
		text(p, x0 + len + 4, y + bar_h * 0.7, 0, 0, buf);
	}
	p->y = top + (double)n * bar_h;
	/* the axis, and the target as a dashed line */
	rgb(p, 0x404040);
	cairo_set_line_width(p->cr, 0.8);
	cairo_move_to(p->cr, x0, top - 2);
	cairo_line_to(p->cr, x0, p->y + 2);
	cairo_stroke(p->cr);
	if (goal > 0) {
		const double dash[] = {4, 3};
		double gx = x0 + bar_w * goal / max;

		rgb(p, 0xC00000);
		cairo_set_dash(p->cr, dash, 2, 0);
		cairo_set_line_width(p->cr, 1.2);
		cairo_move_to(p->cr, gx, top - 4);
		cairo_line_to(p->cr, gx, p->y + 4);
		cairo_stroke(p->cr);
		cairo_set_dash(p->cr, NULL, 0, 0);
		font(p, 8, false);
		snprintf(buf, sizeof(buf), "Mål %.0f %%", goal * 100.0);
		text(p, gx - 40, p->y + 14, 80, 0.5, buf);
		rgb(p, 0);
		p->y += 6;
	}
	p->y += 14;
}

static int charts(struct pdf *p, const struct report *rep)
{
	const struct report_row *groups = rep->cur.t[REPORT_GROUPS].v;
	size_t n = rep->cur.t[REPORT_GROUPS].n, i, j;
	double *values = calloc(n ? n : 1, sizeof(*values)), max = 0;

	if (!values)
		return ENOMEM;

	for (i = 0; i < n; i++) {
		values[i] = 0;
		/* a group's cases are the sum of its rows (one per client) */
		for (j = 0; j < rep->cur.t[REPORT_ROWS].n; j++)
			if (rep->cur.t[REPORT_ROWS].v[j].id == groups[i].id)
				values[i] += (double)rep->cur.t[REPORT_ROWS].v[j].f.c.cases;
		max = fmax(max, values[i]);
	}
	bar_chart(p, "Ärenden per svarsgrupp", groups, n, values, max, K_INT, 0);
	p->y += 10;
	for (i = 0; i < n; i++)
		if (!report_fig(&groups[i], OF_NOW, RF_SL60, &values[i]))
			values[i] = NAN;
	bar_chart(p, "Tillgänglighet 60 s per svarsgrupp", groups, n, values, 1.0, K_PCT, SL_GOAL);
	free(values);
	return 0;
}

/* ---------------------------------------------------------------- rows */

static const struct {
	const char *title;
	enum report_fig fig;
	enum kind kind;
} row_cols[] = {
        {"Ärenden", RF_CASES, K_INT},         {"Lösta", RF_RESOLVED, K_INT},
        {"Vägledda", RF_GUIDED, K_INT},       {"Överlämn.", RF_HANDED_OVER, K_INT},
        {"Akut", RF_FORWARDED_URGENT, K_INT}, {"Lösn.grad", RF_FCR, K_PCT},
};

#define ROW_COLS (sizeof(row_cols) / sizeof(row_cols[0]))
#define NAME_W   95.0
#define NUM_W    ((PAGE_W - 2 * MARGIN - 2 * NAME_W) / (double)ROW_COLS)

static void rows_head(struct pdf *p)
{
	font(p, 7.5, true);
	p->y += 14;
	text(p, MARGIN, p->y, NAME_W - 4, 0, "Svarsgrupp");
	text(p, MARGIN + NAME_W, p->y, NAME_W - 4, 0, "Förvaltning");
	for (size_t c = 0; c < ROW_COLS; c++)
		text(p, MARGIN + 2 * NAME_W + (double)c * NUM_W, p->y, NUM_W - 2, 1,
		     row_cols[c].title);
	hline(p, MARGIN, PAGE_W - MARGIN, p->y + 5, 0.8);
	p->y += 5;
	font(p, 8.5, false);
}

static void rows_line(struct pdf *p, const struct report_row *row, const char *group,
                      const char *client)
{
	char buf[64];

	p->y += 15;
	text(p, MARGIN, p->y, NAME_W - 4, 0, group);
	text(p, MARGIN + NAME_W, p->y, NAME_W - 4, 0, client);
	for (size_t c = 0; c < ROW_COLS; c++) {
		fmt_num(row, OF_NOW, row_cols[c].fig, row_cols[c].kind, false, buf, sizeof(buf));
		text(p, MARGIN + 2 * NAME_W + (double)c * NUM_W, p->y, NUM_W - 2, 1, buf);
	}
	hline(p, MARGIN, PAGE_W - MARGIN, p->y + 5, 0.3);
}

static void rows_table(struct pdf *p, const struct report *rep)
{
	const double bottom = PAGE_H - MARGIN - 20;
	char buf[64];

	heading(p, "Ärenden per svarsgrupp och förvaltning");
	rows_head(p);
	for (size_t i = 0; i < rep->cur.t[REPORT_ROWS].n; i++) {
		const struct report_row *row = &rep->cur.t[REPORT_ROWS].v[i];

		if (p->y + 15 > bottom) {
			new_page(p);
			heading(p, "Ärenden per svarsgrupp och förvaltning (forts.)");
			rows_head(p);
		}
		rows_line(p, row, row->name, row->name2);
	}
	if (p->y + 15 > bottom) {
		new_page(p);
		rows_head(p);
	}
	font(p, 8.5, true); /* the totals row in bold */
	p->y += 15;
	text(p, MARGIN, p->y, NAME_W - 4, 0, "Totalt");
	for (size_t c = 0; c < ROW_COLS; c++) {
		fmt_num(&rep->cur.total, OF_NOW, row_cols[c].fig, row_cols[c].kind, false, buf,
		        sizeof(buf));
		text(p, MARGIN + 2 * NAME_W + (double)c * NUM_W, p->y, NUM_W - 2, 1, buf);
	}
}

/* ---------------------------------------------------------------- busy hours */

#define BH_LABEL_W 52.0 /* the weekday names */
#define BH_TOTAL_W 40.0 /* the totals per weekday */
#define BH_CELL_W  ((PAGE_W - 2 * MARGIN - BH_LABEL_W - BH_TOTAL_W) / 24.0)
#define BH_CELL_H  24.0

static const char *const weekdays_sv[] = {"måndag", "tisdag", "onsdag", "torsdag",
                                          "fredag", "lördag", "söndag"};

/* A shade from white (0) to dark blue (1) whose lightness falls steadily, so the heat map
 * reads the same printed in grey. */
static void shade(struct pdf *p, double t)
{
	t = fmax(0, fmin(1, t));
	cairo_set_source_rgb(p->cr, 1 - t * (1 - 0x1F / 255.0), 1 - t * (1 - 0x4E / 255.0),
	                     1 - t * (1 - 0x79 / 255.0));
}

/* The largest font size up to `max` at which `s` fits in `w`. */
static double fit_font(struct pdf *p, const char *s, double w, double max)
{
	double size = max;

	for (; size > 4; size -= 0.25) {
		cairo_set_font_size(p->cr, size);
		if (text_width(p, s) <= w)
			break;
	}
	return size;
}

/* A column per hour with its count on top, under the heat map's columns; hmax the tallest. */
static void hour_columns(struct pdf *p, const double per_hour[24], double hmax)
{
	const double x0 = MARGIN + BH_LABEL_W, height = 170, bottom = p->y + height;
	const double scale = hmax > 0 ? (height - 14) / hmax : 0;
	char buf[32];

	for (int h = 0; h < 24; h++) {
		double len = per_hour[h] * scale, x = x0 + h * BH_CELL_W;

		shade(p, 1);
		cairo_rectangle(p->cr, x + BH_CELL_W * 0.12, bottom - len, BH_CELL_W * 0.76, len);
		cairo_fill(p->cr);
		rgb(p, 0);
		if (per_hour[h] > 0) {
			snprintf(buf, sizeof(buf), "%.0f", per_hour[h]);
			font(p, 7, false);
			font(p, fit_font(p, buf, BH_CELL_W, 7), false);
			text(p, x, bottom - len - 3, BH_CELL_W, 0.5, buf);
		}
		font(p, 7, false);
		snprintf(buf, sizeof(buf), "%02d", h);
		text(p, x, bottom + 10, BH_CELL_W, 0.5, buf);
	}
	rgb(p, 0x404040);
	cairo_set_line_width(p->cr, 0.8);
	cairo_move_to(p->cr, x0, bottom);
	cairo_line_to(p->cr, x0 + 24 * BH_CELL_W, bottom);
	cairo_stroke(p->cr);
	font(p, 7.5, false);
	rgb(p, 0);
	text(p, MARGIN, bottom - height / 2, BH_LABEL_W - 4, 0, "Samtal");
	text(p, x0, bottom + 22, 24 * BH_CELL_W, 0.5, "Timme (kl.), svensk tid");
	p->y = bottom + 26;
}

/* "När ringer medborgarna?": offered calls per weekday × hour as a heat map with the count in
 * each cell, the totals per weekday, and a bar chart of the calls per hour over all weekdays. */
static void busy_hours_page(struct pdf *p, const struct report *rep, const char *period)
{
	double v[7][24], per_hour[24] = {0}, per_day[7] = {0}, max = 0, hmax = 0, all = 0;
	const double x0 = MARGIN + BH_LABEL_W;
	double top, size;
	int peak_d = 0, peak_h = 0;
	char buf[192];

	if (!rep->busy)
		return;
	for (int d = 0; d < 7; d++)
		for (int h = 0; h < 24; h++) {
			v[d][h] = (double)rep->busy_hours[d][h];
			per_hour[h] += v[d][h];
			per_day[d] += v[d][h];
			all += v[d][h];
			if (v[d][h] > max) {
				max = v[d][h];
				peak_d = d;
				peak_h = h;
			}
		}
	for (int h = 0; h < 24; h++)
		hmax = fmax(hmax, per_hour[h]);

	new_page(p);
	font(p, 20, true);
	p->y += 14;
	text(p, MARGIN, p->y, 0, 0, "När ringer medborgarna?");
	font(p, 9.5, false);
	p->y += 20;
	snprintf(buf, sizeof(buf),
	         "Erbjudna samtal per veckodag och timme (svensk tid), %s, %lld dagar.", period,
	         (long long)rep->busy_days);
	text(p, MARGIN, p->y, PAGE_W - 2 * MARGIN, 0, buf);
	p->y += 14;
	if (max > 0)
		snprintf(buf, sizeof(buf),
		         "Flest samtal: %s kl. %02d–%02d (%.0f samtal). Mörkare ruta: fler samtal.",
		         weekdays_sv[peak_d], peak_h, (peak_h + 1) % 24, max);
	else
		snprintf(buf, sizeof(buf), "Inga erbjudna samtal under perioden.");
	text(p, MARGIN, p->y, PAGE_W - 2 * MARGIN, 0, buf);

	/* the heat map: hours across, weekdays down, the count in each cell */
	p->y += 26;
	font(p, 7, true);
	for (int h = 0; h < 24; h++) {
		snprintf(buf, sizeof(buf), "%02d", h);
		text(p, x0 + h * BH_CELL_W, p->y, BH_CELL_W, 0.5, buf);
	}
	text(p, x0 + 24 * BH_CELL_W, p->y, BH_TOTAL_W - 2, 1, "Totalt");
	p->y += 4;
	top = p->y;
	snprintf(buf, sizeof(buf), "%.0f", max);
	font(p, 6.5, false);
	size = fit_font(p, buf, BH_CELL_W - 2, 6.5);
	for (int d = 0; d < 7; d++) {
		double y = top + d * BH_CELL_H;

		font(p, 8.5, false);
		rgb(p, 0);
		text(p, MARGIN, y + BH_CELL_H * 0.62, BH_LABEL_W - 4, 0, weekdays_sv[d]);
		for (int h = 0; h < 24; h++) {
			double t = max > 0 ? v[d][h] / max : 0;

			shade(p, t);
			cairo_rectangle(p->cr, x0 + h * BH_CELL_W, y, BH_CELL_W, BH_CELL_H);
			cairo_fill(p->cr);
			if (v[d][h] <= 0)
				continue;
			font(p, size, false);
			rgb(p, t > 0.7 ? 0xFFFFFF : 0); /* dark enough for white text */
			snprintf(buf, sizeof(buf), "%.0f", v[d][h]);
			text(p, x0 + h * BH_CELL_W + 1, y + BH_CELL_H * 0.62, BH_CELL_W - 2, 0.5,
			     buf);
		}
		font(p, 8.5, true);
		rgb(p, 0);
		snprintf(buf, sizeof(buf), "%.0f", per_day[d]);
		text(p, x0 + 24 * BH_CELL_W, y + BH_CELL_H * 0.62, BH_TOTAL_W - 2, 1, buf);
	}
	/* a grid in light grey so empty cells still read as cells */
	cairo_set_source_rgb(p->cr, 0.8, 0.8, 0.8);
	cairo_set_line_width(p->cr, 0.4);
	for (int d = 0; d <= 7; d++) {
		cairo_move_to(p->cr, x0, top + d * BH_CELL_H);
		cairo_line_to(p->cr, x0 + 24 * BH_CELL_W, top + d * BH_CELL_H);
	}
	for (int h = 0; h <= 24; h++) {
		cairo_move_to(p->cr, x0 + h * BH_CELL_W, top);
		cairo_line_to(p->cr, x0 + h * BH_CELL_W, top + 7 * BH_CELL_H);
	}
	cairo_stroke(p->cr);
	p->y = top + 7 * BH_CELL_H;
	if (max <= 0)
		return; /* no calls: the empty grid says it, without a scale or a chart of zeros */

	/* the scale: five steps from none to the busiest hour */
	p->y += 16;
	font(p, 7.5, false);
	rgb(p, 0);
	text(p, MARGIN, p->y, BH_LABEL_W + 20, 0, "Skala:");
	for (int i = 0; i < 5; i++) {
		double x = x0 + 20 + i * 50;

		shade(p, i / 4.0);
		cairo_rectangle(p->cr, x, p->y - 8, 14, 10);
		cairo_fill_preserve(p->cr);
		cairo_set_source_rgb(p->cr, 0.6, 0.6, 0.6);
		cairo_set_line_width(p->cr, 0.4);
		cairo_stroke(p->cr);
		rgb(p, 0);
		snprintf(buf, sizeof(buf), "%.0f", max * i / 4.0);
		text(p, x + 17, p->y, 30, 0, buf);
	}
	snprintf(buf, sizeof(buf), "Totalt %.0f samtal", all);
	text(p, x0 + 24 * BH_CELL_W - 100, p->y, 100 + BH_TOTAL_W - 2, 1, buf);

	/* the calls per hour over all weekdays, as columns */
	p->y += 24;
	heading(p, "Erbjudna samtal per timme, alla veckodagar");
	p->y += 10;
	hour_columns(p, per_hour, hmax);
}

/* ---------------------------------------------------------------- breakdowns */

static const struct {
	const char *title;
	enum report_of of;
	enum report_fig fig;
	enum kind kind;
	bool change;
} bd_cols[] = {
        {"Ärenden", OF_NOW, RF_CASES, K_INT, false},
        {"Föreg.", OF_PREV, RF_CASES, K_INT, false},
        {"Lösn.grad", OF_NOW, RF_FCR, K_PCT, false},
        {"Mot mål", OF_NOW, RF_VS_FCR, K_PCT, true},
        {"Tillg. 60 s", OF_NOW, RF_SL60, K_PCT, false},
        {"Bemöt. 4–5", OF_NOW, RF_SAT_4_5, K_PCT, false},
};

#define BD_COLS  (sizeof(bd_cols) / sizeof(bd_cols[0]))
#define BD_NAME  150.0
#define BD_NUM_W ((PAGE_W - 2 * MARGIN - BD_NAME) / (double)BD_COLS)

static void bd_head(struct pdf *p, const char *title)
{
	font(p, 7.5, true);
	p->y += 14;
	cairo_tag_begin(p->cr, "TR", NULL);
	cairo_tag_begin(p->cr, "TH", NULL);
	text(p, MARGIN, p->y, BD_NAME - 4, 0, title);
	cairo_tag_end(p->cr, "TH");
	for (size_t c = 0; c < BD_COLS; c++) {
		cairo_tag_begin(p->cr, "TH", NULL);
		text(p, MARGIN + BD_NAME + (double)c * BD_NUM_W, p->y, BD_NUM_W - 2, 1,
		     bd_cols[c].title);
		cairo_tag_end(p->cr, "TH");
	}
	cairo_tag_end(p->cr, "TR");
	hline(p, MARGIN, PAGE_W - MARGIN, p->y + 5, 0.8);
	p->y += 5;
	font(p, 8.5, false);
}

/* The breakdowns of a period report: per unit, category kind, channel, client and agent,
 * with the previous period's cases and the targets. */
static void breakdowns(struct pdf *p, const struct report *rep)
{
	static const struct {
		enum report_table t;
		const char *title;
	} dims[] = {
	        {REPORT_UNITS, "Enhet"},
	        {REPORT_KINDS, "Ärendetyp"},
	        {REPORT_CHANNELS, "Kanal"},
	        {REPORT_CLIENTS, "Förvaltning"},
	        {REPORT_AGENTS, "Handläggare"},
	        {REPORT_CATEGORIES, "Kategori"},
	        {REPORT_CLIENT_UNITS, "Förvaltningens underenhet"},
	};
	const double bottom = PAGE_H - MARGIN - 20;
	char buf[64];

	new_page(p);
	heading(p, "Fördelning");
	font(p, 8, false);
	rgb(p, 0x404040);
	p->y += 4;
	text(p, MARGIN, p->y, PAGE_W - 2 * MARGIN, 0,
	     "Mot mål: lösningsgrad − 80 % i procentenheter. Föreg.: ärenden föregående period.");
	rgb(p, 0);
	for (size_t d = 0; d < sizeof(dims) / sizeof(dims[0]); d++) {
		const struct report_row *rows = rep->cur.t[dims[d].t].v;

		if (p->y + 50 > bottom)
			new_page(p);
		p->y += 8;
		cairo_tag_begin(p->cr, "Table", NULL);
		bd_head(p, dims[d].title);
		for (size_t i = 0; i < rep->cur.t[dims[d].t].n; i++) {
			const struct report_row *row = &rows[i];
			const char *name = dims[d].t == REPORT_KINDS      ? report_kinds[row->ki]
			                   : dims[d].t == REPORT_CHANNELS ? report_channels[row->ki]
			                                                  : row->name;

			if (p->y + 15 > bottom) {
				new_page(p);
				bd_head(p, dims[d].title);
			}
			p->y += 14;
			cairo_tag_begin(p->cr, "TR", NULL);
			cairo_tag_begin(p->cr, "TH", NULL);
			text(p, MARGIN, p->y, BD_NAME - 4, 0, report_name_sv(name));
			cairo_tag_end(p->cr, "TH");
			for (size_t c = 0; c < BD_COLS; c++) {
				fmt_num(row, bd_cols[c].of, bd_cols[c].fig, bd_cols[c].kind,
				        bd_cols[c].change, buf, sizeof(buf));
				cairo_tag_begin(p->cr, "TD", NULL);
				text(p, MARGIN + BD_NAME + (double)c * BD_NUM_W, p->y, BD_NUM_W - 2,
				     1, buf);
				cairo_tag_end(p->cr, "TD");
			}
			cairo_tag_end(p->cr, "TR");
			hline(p, MARGIN, PAGE_W - MARGIN, p->y + 4, 0.3);
		}
		cairo_tag_end(p->cr, "Table");
	}
}

/* ---------------------------------------------------------------- e-mail */

#define ML_NAME  160.0
#define ML_COLS  7
#define ML_NUM_W ((PAGE_W - 2 * MARGIN - ML_NAME) / (double)ML_COLS)

static void mail_head(struct pdf *p, const char *title)
{
	static const char *const cols[ML_COLS] = {"E-post",    "Obesv.",  "Inom 24 h", "Inom 1 ad",
	                                          "Inom 2 ad", "Medel h", "Medel ad"};

	font(p, 7.5, true);
	p->y += 14;
	text(p, MARGIN, p->y, ML_NAME - 4, 0, title);
	for (int c = 0; c < ML_COLS; c++)
		text(p, MARGIN + ML_NAME + c * ML_NUM_W, p->y, ML_NUM_W - 2, 1, cols[c]);
	hline(p, MARGIN, PAGE_W - MARGIN, p->y + 5, 0.8);
	p->y += 5;
	font(p, 8.5, false);
}

static void mail_cell(char *buf, size_t n, double v, bool pct)
{
	if (isnan(v))
		snprintf(buf, n, "–");
	else if (pct)
		snprintf(buf, n, "%.1f %%", v * 100.0);
	else
		snprintf(buf, n, "%.1f", v);
	decimal_comma(buf);
}

static void mail_line(struct pdf *p, const char *name, const struct report_mail_fig *f, bool bold)
{
	char buf[7][32];

	snprintf(buf[0], sizeof(buf[0]), "%lld", (long long)f->cases);
	snprintf(buf[1], sizeof(buf[1]), "%lld", (long long)f->unanswered);
	mail_cell(buf[2], sizeof(buf[2]), f->share_24h, true);
	mail_cell(buf[3], sizeof(buf[3]), f->share_1wd, true);
	mail_cell(buf[4], sizeof(buf[4]), f->share_2wd, true);
	mail_cell(buf[5], sizeof(buf[5]), f->mean_hours, false);
	mail_cell(buf[6], sizeof(buf[6]), f->mean_working_days, false);
	font(p, 8.5, bold);
	p->y += 14;
	text(p, MARGIN, p->y, ML_NAME - 4, 0, name);
	for (int c = 0; c < ML_COLS; c++)
		text(p, MARGIN + ML_NAME + c * ML_NUM_W, p->y, ML_NUM_W - 2, 1, buf[c]);
	hline(p, MARGIN, PAGE_W - MARGIN, p->y + 4, 0.3);
}

/* "Svarstider för e-post": per group, client and month, and the totals. */
static void mail_page(struct pdf *p, const struct report *rep)
{
	static const struct {
		enum report_mail_table t;
		const char *title;
	} dims[] = {
	        {REPORT_MAIL_GROUPS, "Svarsgrupp"},
	        {REPORT_MAIL_CLIENTS, "Förvaltning"},
	        {REPORT_MAIL_MONTHS, "Månad"},
	};
	const double bottom = PAGE_H - MARGIN - 20;
	const struct report_mail *m = &rep->mail;

	new_page(p);
	heading(p, "Svarstider för e-post");
	font(p, 8, false);
	rgb(p, 0x404040);
	p->y += 4;
	text(p, MARGIN, p->y, PAGE_W - 2 * MARGIN, 0,
	     "Tid från första inkomna e-post till första svar. ad: arbetsdagar (helger och röda"
	     " dagar räknas inte).");
	p->y += 12;
	text(p, MARGIN, p->y, PAGE_W - 2 * MARGIN, 0,
	     "Andelarna räknas på alla e-postärenden; obesvarade räknas som inte besvarade i tid.");
	rgb(p, 0);
	for (size_t d = 0; d < sizeof(dims) / sizeof(dims[0]); d++) {
		if (p->y + 50 > bottom)
			new_page(p);
		p->y += 8;
		mail_head(p, dims[d].title);
		for (size_t i = 0; i < m->t[dims[d].t].n; i++) {
			const struct report_mail_row *r = &m->t[dims[d].t].v[i];
			const char *name = dims[d].t == REPORT_MAIL_GROUPS    ? r->group_name
			                   : dims[d].t == REPORT_MAIL_CLIENTS ? r->client_name
			                                                      : r->month;

			if (p->y + 15 > bottom) {
				new_page(p);
				mail_head(p, dims[d].title);
			}
			mail_line(p, name, &r->f, false);
		}
	}
	if (p->y + 20 > bottom)
		new_page(p);
	mail_line(p, "Totalt", &m->total, true);
}

/* a PDF was made: cairo and fontconfig hold caches until shutdown (set on read workers) */
static _Atomic bool pdf_used;

void report_pdf_shutdown(void)
{
	if (!pdf_used)
		return;
	cairo_debug_reset_static_data();
	FcFini();
	pdf_used = false;
}

/* cairo's output: the bytes go to the memory stream. */
static cairo_status_t write_h(void *arg, const unsigned char *data, unsigned int n)
{
	struct pdf *p = arg;

	return fwrite(data, 1, n, p->out) == n ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* A new PDF, written to memory, whose title (metadata) is also every page's footer. */
static int doc_open(struct pdf *p, const char *footer)
{
	p->footer = footer;
	p->out = open_memstream(&p->buf, &p->len);
	if (!p->out)
		return ENOMEM;
	p->surface = cairo_pdf_surface_create_for_stream(write_h, p, PAGE_W, PAGE_H);
	if (cairo_surface_status(p->surface) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(p->surface);
		p->surface = NULL;
		fclose(p->out);
		free(p->buf);
		return EIO;
	}
	cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_TITLE, footer);
	cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR, "Lotsen");
	p->cr = cairo_create(p->surface);
	/* Tagged (cairo's structure tags): the title, headings and the breakdown tables are
	 * marked as H1, H2 and Table/TR/TH/TD under Document. cairo 1.16 cannot give the
	 * document a language (/Lang), a chart its alternative text (/Alt) or mark page footers
	 * as artifacts, so the PDF is not PDF/UA: docs/api.md points screen-reader users to the
	 * XLSX and CSV. */
	cairo_tag_begin(p->cr, "Document", NULL);
	return 0;
}

/* Finish the document: *buf (malloc'd) and *n get its bytes unless `err` (then NULL). */
static int doc_close(struct pdf *p, int err, char **buf, size_t *n)
{
	cairo_tag_end(p->cr, "Document");
	if (!err && cairo_status(p->cr) != CAIRO_STATUS_SUCCESS)
		err = EIO;
	cairo_destroy(p->cr);
	cairo_surface_finish(p->surface);
	if (!err && cairo_surface_status(p->surface) != CAIRO_STATUS_SUCCESS)
		err = EIO;
	cairo_surface_destroy(p->surface);
	if (fclose(p->out) != 0 && !err)
		err = EIO;
	if (err) {
		free(p->buf);
		return err;
	}
	*buf = p->buf;
	*n = p->len;
	return 0;
}

/* The first page's head: the municipality, the document's title and the period, ruled. */
static void title_page(struct pdf *p, const char *municipality, const char *title,
                       const char *period)
{
	new_page(p);
	font(p, 11, false);
	rgb(p, 0x404040);
	p->y += 10;
	text(p, MARGIN, p->y, PAGE_W - 2 * MARGIN, 0, municipality);
	rgb(p, 0);
	font(p, 24, true);
	p->y += 30;
	cairo_tag_begin(p->cr, "H1", NULL);
	text(p, MARGIN, p->y, 0, 0, title);
	cairo_tag_end(p->cr, "H1");
	font(p, 14, false);
	p->y += 22;
	cairo_tag_begin(p->cr, "P", NULL);
	text(p, MARGIN, p->y, 0, 0, period);
	cairo_tag_end(p->cr, "P");
	hline(p, MARGIN, PAGE_W - MARGIN, p->y + 12, 1.2);
}

int report_monthly_pdf(const struct report *rep, const char *municipality, char **buf, size_t *n)
{
	char period[64], footer[256];
	struct pdf p = {0};
	int err = 0;

	*buf = NULL;
	*n = 0;
	if (!rep)
		return EINVAL;
	pdf_used = true;
	if (!municipality)
		municipality = "";
	report_period_sv(rep->cur.label, period, sizeof(period));
	snprintf(footer, sizeof(footer), "%s – %s %s", municipality, title_of(rep), period);
	err = doc_open(&p, footer);
	if (err)
		return err;

	/* page 1: the title, the totals and the cases per group */
	title_page(&p, municipality, title_of(rep), period);
	p.y += 20;
	totals_table(&p, rep, period);
	p.y += 10;
	err = charts(&p, rep);
	busy_hours_page(&p, rep, period);

	/* then the rows, across as many pages as they need */
	new_page(&p);
	rows_table(&p, rep);
	breakdowns(&p, rep);
	mail_page(&p, rep);
	new_page(&p); /* the last page's footer */
	return doc_close(&p, err, buf, n);
}

/* ---------------------------------------------------------------- invoice basis */

/* Öre as Swedish kronor: "12 345,67 kr". */
static void fmt_money(const json_t *v, char *buf, size_t n)
{
	long long ore = llround(json_number_value(v) * 100.0);
	long long kr = llabs(ore) / 100;
	char digits[32], grouped[48];
	size_t len, j = 0;

	snprintf(digits, sizeof(digits), "%lld", kr);
	len = strlen(digits);
	for (size_t i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			grouped[j++] = ' ';
		grouped[j++] = digits[i];
	}
	grouped[j] = '\0';
	snprintf(buf, n, "%s%s,%02lld kr", ore < 0 ? "-" : "", grouped, llabs(ore) % 100);
}

#define INV_X1 (MARGIN + 150)
#define INV_X2 (MARGIN + 250)
#define INV_X3 (MARGIN + 345)
#define INV_W  90.0

static void need(struct pdf *p, double h)
{
	if (p->y + h > PAGE_H - MARGIN - 20)
		new_page(p);
}

/* The case ids behind a line, as many lines of small text as they need. */
static void case_ids(struct pdf *p, const json_t *ids)
{
	char line[256] = "Ärenden: ";
	size_t i;
	json_t *id;

	font(p, 7, false);
	rgb(p, 0x404040);
	json_array_foreach(ids, i, id)
	{
		char one[32];
		size_t len = strlen(line);

		snprintf(one, sizeof(one), "%s%lld", i ? ", " : "",
		         (long long)json_integer_value(id));
		if (len + strlen(one) >= sizeof(line) - 1 ||
		    text_width(p, line) + text_width(p, one) > PAGE_W - 2 * MARGIN - 20) {
			need(p, 10);
			p->y += 10;
			text(p, MARGIN + 20, p->y, 0, 0, line);
			snprintf(line, sizeof(line), "%s", one + (i ? 2 : 0));
			continue;
		}
		snprintf(line + len, sizeof(line) - len, "%s", one);
	}
	need(p, 10);
	p->y += 10;
	text(p, MARGIN + 20, p->y, 0, 0, line);
	rgb(p, 0);
	font(p, 9, false);
}

static void invoice_head(struct pdf *p)
{
	font(p, 8.5, true);
	p->y += 16;
	text(p, MARGIN, p->y, 140, 0, "Rad");
	text(p, INV_X1, p->y, INV_W, 1, "Antal");
	text(p, INV_X2, p->y, INV_W, 1, "Pris");
	text(p, INV_X3, p->y, PAGE_W - MARGIN - INV_X3, 1, "Belopp");
	hline(p, MARGIN, PAGE_W - MARGIN, p->y + 5, 0.8);
	p->y += 5;
	font(p, 9, false);
}

static void agreement_block(struct pdf *p, const json_t *a)
{
	const json_t *lines = json_object_get(a, "lines");
	char buf[256], num[64];
	size_t i;
	json_t *l;

	need(p, 80);
	heading(p, report_str(a, "client_name"));
	font(p, 9, false);
	p->y += 4;
	snprintf(buf, sizeof(buf), "%s (giltigt %s – %s)", report_str(a, "name"),
	         report_str(a, "valid_from"),
	         json_is_string(json_object_get(a, "valid_to")) ? report_str(a, "valid_to")
	                                                        : "tills vidare");
	text(p, MARGIN, p->y, PAGE_W - 2 * MARGIN, 0, buf);
	invoice_head(p);
	json_array_foreach(lines, i, l)
	{
		bool fixed = strcmp(report_str(l, "kind"), "fixed") == 0;

		need(p, 30);
		p->y += 14;
		if (fixed) {
			text(p, MARGIN, p->y, 140, 0, "Fast årspris");
			snprintf(num, sizeof(num), "%lld/%lld dagar",
			         (long long)json_integer_value(json_object_get(l, "days")),
			         (long long)json_integer_value(json_object_get(l, "days_in_year")));
			text(p, INV_X1, p->y, INV_W, 1, num);
			fmt_money(json_object_get(l, "annual_price"), num, sizeof(num));
			text(p, INV_X2, p->y, INV_W, 1, num);
		} else {
			snprintf(buf, sizeof(buf), "Ärenden, %s",
			         report_name_sv(report_str(l, "channel")));
			text(p, MARGIN, p->y, 140, 0, buf);
			snprintf(num, sizeof(num), "%lld",
			         (long long)json_integer_value(json_object_get(l, "count")));
			text(p, INV_X1, p->y, INV_W, 1, num);
			if (json_is_number(json_object_get(l, "price")))
				fmt_money(json_object_get(l, "price"), num, sizeof(num));
			else
				snprintf(num, sizeof(num), "inget pris");
			text(p, INV_X2, p->y, INV_W, 1, num);
		}
		fmt_money(json_object_get(l, "amount"), num, sizeof(num));
		text(p, INV_X3, p->y, PAGE_W - MARGIN - INV_X3, 1, num);
		if (!fixed)
			case_ids(p, json_object_get(l, "case_ids"));
		hline(p, MARGIN, PAGE_W - MARGIN, p->y + 5, 0.3);
	}
	need(p, 20);
	font(p, 9, true);
	p->y += 16;
	text(p, MARGIN, p->y, 140, 0, "Summa avtal");
	snprintf(num, sizeof(num), "%lld",
	         (long long)json_integer_value(json_object_get(a, "cases")));
	text(p, INV_X1, p->y, INV_W, 1, num);
	fmt_money(json_object_get(a, "amount"), num, sizeof(num));
	text(p, INV_X3, p->y, PAGE_W - MARGIN - INV_X3, 1, num);
	font(p, 9, false);
	p->y += 10;
}

int report_invoice_pdf(const json_t *inv, const char *municipality, char **buf, size_t *n)
{
	const char *month = json_string_value(json_object_get(inv, "month"));
	const json_t *agreements = json_object_get(inv, "agreements");
	const json_t *clients = json_object_get(inv, "clients");
	char period[64], footer[256], num[64];
	struct pdf p = {0};
	size_t i;
	json_t *x;
	int err = 0;

	*buf = NULL;
	*n = 0;
	if (!month || !json_is_array(agreements) || !json_is_array(clients))
		return EINVAL;
	pdf_used = true;
	if (!municipality)
		municipality = "";
	report_period_sv(month, period, sizeof(period));
	snprintf(footer, sizeof(footer), "%s – Fakturaunderlag %s", municipality, period);
	err = doc_open(&p, footer);
	if (err)
		return err;

	title_page(&p, municipality, "Fakturaunderlag", period);
	p.y += 20;

	/* the sums first, then each agreement's lines with the cases behind them */
	heading(&p, "Summa per förvaltning");
	font(&p, 8.5, true);
	p.y += 6;
	text(&p, MARGIN, p.y, 200, 0, "Förvaltning");
	text(&p, INV_X1 + 60, p.y, INV_W, 1, "Ärenden");
	text(&p, INV_X3, p.y, PAGE_W - MARGIN - INV_X3, 1, "Belopp");
	hline(&p, MARGIN, PAGE_W - MARGIN, p.y + 5, 0.8);
	p.y += 5;
	font(&p, 9, false);
	json_array_foreach(clients, i, x)
	{
		need(&p, 15);
		p.y += 14;
		text(&p, MARGIN, p.y, 200, 0, report_str(x, "client_name"));
		snprintf(num, sizeof(num), "%lld",
		         (long long)json_integer_value(json_object_get(x, "cases")));
		text(&p, INV_X1 + 60, p.y, INV_W, 1, num);
		fmt_money(json_object_get(x, "amount"), num, sizeof(num));
		text(&p, INV_X3, p.y, PAGE_W - MARGIN - INV_X3, 1, num);
	}
	need(&p, 15);
	font(&p, 9, true);
	p.y += 16;
	text(&p, MARGIN, p.y, 200, 0, "Totalt");
	fmt_money(json_object_get(inv, "amount"), num, sizeof(num));
	text(&p, INV_X3, p.y, PAGE_W - MARGIN - INV_X3, 1, num);
	p.y += 14;
	json_array_foreach(agreements, i, x) agreement_block(&p, x);
	new_page(&p); /* the last page's footer */
	return doc_close(&p, 0, buf, n);
}

/* ---------------------------------------------------------------- registerutdrag */

/* `s` in lines that fit the page's width, broken at spaces (a word too long is cut). */
static void wrapped(struct pdf *p, double x, const char *s)
{
	const double w = PAGE_W - MARGIN - x;
	char line[256];

	while (s && *s) {
		size_t len = 0, fit = 0;

		while (s[len] && s[len] != '\n' && len < sizeof(line) - 1) {
			len++;
			if (s[len] == ' ' || s[len] == '\n' || !s[len]) {
				memcpy(line, s, len);
				line[len] = '\0';
				if (text_width(p, line) > w && fit > 0)
					break;
				fit = len;
			}
		}
		if (fit == 0)
			fit = len;
		memcpy(line, s, fit);
		line[fit] = '\0';
		need(p, 12);
		p->y += 12;
		text(p, x, p->y, w, 0, line);
		s += fit;
		while (*s == ' ' || *s == '\n')
			s++;
	}
}

/* Every field of an object as "name: value" lines (lists are shown by the caller). */
static void fields(struct pdf *p, double x, const json_t *o)
{
	const char *k;
	json_t *v;

	font(p, 9, false);
	json_object_foreach((json_t *)o, k, v)
	{
		char buf[2048];

		if (json_is_array(v) || json_is_object(v))
			continue;
		if (json_is_string(v))
			snprintf(buf, sizeof(buf), "%s: %s", k, json_string_value(v));
		else if (json_is_integer(v))
			snprintf(buf, sizeof(buf), "%s: %lld", k, (long long)json_integer_value(v));
		else if (json_is_real(v))
			snprintf(buf, sizeof(buf), "%s: %g", k, json_real_value(v));
		else if (json_is_boolean(v))
			snprintf(buf, sizeof(buf), "%s: %s", k, json_is_true(v) ? "ja" : "nej");
		else
			snprintf(buf, sizeof(buf), "%s: –", k);
		wrapped(p, x, buf);
	}
}

static void sub_list(struct pdf *p, const json_t *c, const char *key, const char *title)
{
	const json_t *arr = json_object_get(c, key);
	size_t i;
	json_t *v;

	if (json_array_size(arr) == 0)
		return;
	need(p, 30);
	font(p, 10, true);
	p->y += 16;
	text(p, MARGIN + 10, p->y, 0, 0, title);
	json_array_foreach(arr, i, v)
	{
		fields(p, MARGIN + 20, v);
		p->y += 4;
	}
}

int report_citizen_pdf(const json_t *doc, const char *municipality, char **buf, size_t *n)
{
	const json_t *cases = json_object_get(doc, "cases");
	char footer[256], line[128];
	struct pdf p = {0};
	size_t i;
	json_t *c;
	int err;

	*buf = NULL;
	*n = 0;
	if (!doc)
		return EINVAL;
	pdf_used = true;
	if (!municipality)
		municipality = "";
	snprintf(footer, sizeof(footer), "%s – Registerutdrag (medborgare %lld)", municipality,
	         (long long)json_integer_value(
	                 json_object_get(json_object_get(doc, "citizen"), "id")));
	err = doc_open(&p, footer);
	if (err)
		return err;
	snprintf(line, sizeof(line), "Utdrag gjort %s",
	         json_string_value(json_object_get(doc, "exported_at"))
	                 ? json_string_value(json_object_get(doc, "exported_at"))
	                 : "");
	title_page(&p, municipality, "Registerutdrag", line);
	p.y += 20;
	heading(&p, "Personuppgifter");
	fields(&p, MARGIN, json_object_get(doc, "citizen"));
	snprintf(line, sizeof(line), "Ärenden (%zu)", json_array_size(cases));
	heading(&p, line);
	json_array_foreach(cases, i, c)
	{
		need(&p, 60);
		font(&p, 11, true);
		p.y += 18;
		snprintf(line, sizeof(line), "Ärende %lld",
		         (long long)json_integer_value(json_object_get(c, "id")));
		text(&p, MARGIN, p.y, 0, 0, line);
		fields(&p, MARGIN + 10, c);
		sub_list(&p, c, "history", "Historik");
		sub_list(&p, c, "handovers", "Överlämningar");
		sub_list(&p, c, "emails", "E-post");
		sub_list(&p, c, "attachments", "Bilagor");
		sub_list(&p, c, "calls", "Samtal");
		sub_list(&p, c, "survey_answers", "Enkätsvar");
	}
	need(&p, 40);
	heading(&p, "Spärrar mot gallring");
	json_array_foreach(json_object_get(doc, "legal_holds"), i, c) fields(&p, MARGIN, c);
	need(&p, 40);
	heading(&p, "Vem har läst uppgifterna (loggen)");
	json_array_foreach(json_object_get(doc, "audit"), i, c) fields(&p, MARGIN, c);
	new_page(&p); /* the last page's footer */
	return doc_close(&p, 0, buf, n);
}
