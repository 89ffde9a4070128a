/* Coverage of a day as CSV or XLSX. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "base/calendar.h"
#include "wfm/wfm_export.h"

#define NCOLS 6

static const char *const heads_sv[NCOLS] = {"Intervall",       "Prognos (kontakter)",
                                            "Behov (agenter)", "Schemalagda (agenter)",
                                            "Differens",       "Läge"};
static const char *const heads_en[NCOLS] = {"Interval",        "Forecast (contacts)",
                                            "Needed (agents)", "Scheduled (agents)",
                                            "Difference",      "Status"};

static const char *status_text(const char *s, bool en)
{
	if (strcmp(s, "short") == 0)
		return en ? "understaffed" : "underbemannat";
	if (strcmp(s, "over") == 0)
		return en ? "overstaffed" : "överbemannat";
	return en ? "covered" : "täckt";
}

/* "2026-12-14 08:15", Stockholm time, from the API's UTC time. */
static void local_text(const char *iso, char out[32])
{
	int64_t t;
	struct local_time lt;

	if (!iso || calendar_parse_iso8601(iso, &t) != 0) {
		snprintf(out, 32, "%s", iso ? iso : "");
		return;
	}
	calendar_local_from_utc(t, &lt);
	snprintf(out, 32, "%04d-%02d-%02d %02d:%02d", lt.date.y % 10000, lt.date.m % 100,
	         lt.date.d % 100, lt.hour % 100, lt.min % 100);
}

struct sbuf {
	char *p;
	size_t n, cap;
	int err;
};

static void put(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (k < 0) {
			b->err = EIO;
			return;
		}
		if (b->p && b->n + (size_t)k < b->cap) {
			b->n += (size_t)k;
			return;
		}
		size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)k;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->err = ENOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

/* A number with a decimal comma. */
static void put_num(struct sbuf *b, double x)
{
	char s[64], *dot;

	snprintf(s, sizeof(s), "%.2f", x);
	dot = strchr(s, '.');
	if (dot)
		*dot = ',';
	put(b, "%s", s);
}

int wfm_coverage_csv(const json_t *cov, bool en, char **buf, size_t *n)
{
	const char *const *heads = en ? heads_en : heads_sv;
	struct sbuf b = {0};
	const json_t *v;
	size_t i;

	put(&b, "\xEF\xBB\xBF");
	for (int c = 0; c < NCOLS; c++)
		put(&b, "%s%s", heads[c], c + 1 < NCOLS ? ";" : "\r\n");
	json_array_foreach(json_object_get(cov, "intervals"), i, v)
	{
		char t[32];
		local_text(json_string_value(json_object_get(v, "start")), t);
		put(&b, "%s;", t);
		put_num(&b, json_number_value(json_object_get(v, "forecast")));
		put(&b, ";%lld;", (long long)json_integer_value(json_object_get(v, "needed")));
		put_num(&b, json_number_value(json_object_get(v, "scheduled")));
		put(&b, ";");
		put_num(&b, json_number_value(json_object_get(v, "gap")));
		put(&b, ";%s\r\n",
		    status_text(json_string_value(json_object_get(v, "status")), en));
	}
	if (b.err) {
		free(b.p);
		return b.err;
	}
	*buf = b.p;
	*n = b.n;
	return 0;
}

static int read_all(const char *path, char **buf, size_t *n)
{
	FILE *f = fopen(path, "rb");
	long len;
	char *p;

	if (!f)
		return EIO;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return EIO;
	}
	p = malloc((size_t)len + 1);
	if (!p || fread(p, 1, (size_t)len, f) != (size_t)len) {
		free(p);
		fclose(f);
		return p ? EIO : ENOMEM;
	}
	fclose(f);
	*buf = p;
	*n = (size_t)len;
	return 0;
}

int wfm_coverage_xlsx(const json_t *cov, bool en, char **buf, size_t *n)
{
	const char *const *heads = en ? heads_en : heads_sv;
	const char *dir = getenv("TMPDIR");
	char path[512], title[160];
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *head, *dec, *shortf, *bold;
	const json_t *v;
	size_t i;
	int fd, err, row = 2;

	snprintf(path, sizeof(path), "%s/lotsen-coverage-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return EIO;
	close(fd);
	wb = workbook_new(path);
	if (!wb) {
		unlink(path);
		return EIO;
	}
	ws = workbook_add_worksheet(wb, en ? "Coverage" : "Täckning");
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	format_set_font_size(bold, 14);
	head = workbook_add_format(wb);
	format_set_bold(head);
	format_set_bottom(head, LXW_BORDER_THIN);
	format_set_bg_color(head, 0xDDEBF7);
	dec = workbook_add_format(wb);
	format_set_num_format(dec, "0.00");
	shortf = workbook_add_format(wb);
	format_set_num_format(shortf, "0.00");
	format_set_bold(shortf);
	format_set_font_color(shortf, 0x9C0006);
	format_set_bg_color(shortf, 0xFFC7CE);
	snprintf(title, sizeof(title), "%s %lld, %s", en ? "Coverage, group" : "Täckning, grupp",
	         (long long)json_integer_value(json_object_get(cov, "group_id")),
	         json_string_value(json_object_get(cov, "date"))
	                 ? json_string_value(json_object_get(cov, "date"))
	                 : "");
	worksheet_write_string(ws, 0, 0, title, bold);
	for (int c = 0; c < NCOLS; c++) {
		worksheet_write_string(ws, 1, (lxw_col_t)c, heads[c], head);
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, c == 0 ? 18 : 16, NULL);
	}
	worksheet_freeze_panes(ws, 2, 0);
	json_array_foreach(json_object_get(cov, "intervals"), i, v)
	{
		char t[32];
		const char *st = json_string_value(json_object_get(v, "status"));
		bool sh = st && strcmp(st, "short") == 0;
		local_text(json_string_value(json_object_get(v, "start")), t);
		worksheet_write_string(ws, (lxw_row_t)row, 0, t, NULL);
		worksheet_write_number(ws, (lxw_row_t)row, 1,
		                       json_number_value(json_object_get(v, "forecast")), dec);
		worksheet_write_number(ws, (lxw_row_t)row, 2,
		                       json_number_value(json_object_get(v, "needed")), NULL);
		worksheet_write_number(ws, (lxw_row_t)row, 3,
		                       json_number_value(json_object_get(v, "scheduled")), dec);
		worksheet_write_number(ws, (lxw_row_t)row, 4,
		                       json_number_value(json_object_get(v, "gap")),
		                       sh ? shortf : dec);
		worksheet_write_string(ws, (lxw_row_t)row, 5, status_text(st ? st : "", en),
		                       sh ? shortf : NULL);
		row++;
	}
	err = workbook_close(wb) == LXW_NO_ERROR ? 0 : EIO;
	if (!err)
		err = read_all(path, buf, n);
	unlink(path);
	return err;
}
