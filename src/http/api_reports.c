/* /api/v1/reports: the monthly report and the invoice basis for the client departments. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http/http_int.h"
#include "report/report.h"

typedef int(report_h)(struct db *db, const struct principal *who, const char *month,
                      int64_t client_id, json_t **out);
typedef int(report_xlsx_h)(const json_t *report, const char *municipality, const char *path);

#define XLSX_CTYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define PDF_CTYPE  "application/pdf"

/* The whole file at `path` into a new buffer; 0 or an errno. */
static int read_all(const char *path, char **out, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	int err = 0;

	if (!f)
		return errno;
	do {
		if (len == cap) {
			char *p = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (!p) {
				err = ENOMEM;
				break;
			}
			buf = p;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	if (!err && ferror(f))
		err = EIO;
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*n = len;
	return 0;
}

/* The report as an XLSX or PDF file's bytes, written to a private temporary file that is
 * removed at once. */
static int make_file(const json_t *o, report_xlsx_h *h, const char *municipality, char **buf,
                     size_t *n)
{
	const char *dir = getenv("TMPDIR");
	char path[512];
	int fd, err;

	snprintf(path, sizeof(path), "%s/lotsen-report-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return EIO;
	close(fd);
	err = h(o, municipality ? municipality : "", path);
	if (!err)
		err = read_all(path, buf, n);
	unlink(path);
	return err ? EIO : 0;
}

/* A report is computed, and its file made, on a read worker: what it needs is copied
 * here from the request. */
struct report_job {
	report_h *h;              /* the report */
	report_xlsx_h *fh;        /* its file's writer, NULL: JSON */
	const char *name, *ext;   /* the attachment's name and extension (static) */
	const char *ctype;        /* its content type (static) */
	const char *municipality; /* the server's setting (borrowed, lives as long) */
	struct principal who;     /* the reader */
	char month[64];           /* the month or period asked for */
	int64_t client_id;        /* 0: all the reader may see */
	json_t *report;           /* the report (owned until answered) */
	char *file;               /* the file's bytes (owned), or NULL */
	size_t file_len;          /* bytes in file */
	int err;                  /* the read's result */
};

static void report_read_h(struct db *db, void *arg)
{
	struct report_job *j = arg;

	j->err = j->h(db, &j->who, j->month, j->client_id, &j->report);
	if (!j->err && j->fh)
		j->err = make_file(j->report, j->fh, j->municipality, &j->file, &j->file_len);
}

static int forbidden(struct req *r);

static void report_answer_h(struct req *r, void *arg)
{
	struct report_job *j = arg;
	char disp[160];

	if (j->err == EPERM) {
		forbidden(r);
	} else if (j->err) {
		resp_store_error(r, j->err, "report");
	} else if (j->fh) {
		if (resp_text(r, 200, j->ctype, j->file, j->file_len) == 0) {
			snprintf(disp, sizeof(disp), "attachment; filename=\"%s-%s.%s\"", j->name,
			         j->month, j->ext);
			MHD_add_response_header(r->resp, "Content-Disposition", disp);
		}
	} else {
		resp_json(r, 200, j->report);
		j->report = NULL;
	}
	json_decref(j->report);
	free(j->file);
	free(j);
}

static int forbidden(struct req *r)
{
	return resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
	                  L(r, "Du kan bara se rapporter för din egen förvaltning.",
	                    "You may only see reports for your own department."));
}

/* Reports hold aggregates and case ids, no citizen data: reading one is not audited.
 * `ph` writes the PDF; NULL where a report has none. */
static int report_send(struct req *r, report_h *h, report_xlsx_h *xh, report_xlsx_h *ph,
                       const char *name)
{
	bool period = h == report_period;
	const char *month = req_query(r, period ? "period" : "month");
	const char *format = req_query(r, "format");
	struct report_period m;
	struct report_job *j;
	int64_t client_id;
	int err;

	if (report_period_parse(month, &m) != 0 || (!period && m.kind != PERIOD_MONTH)) {
		struct problem p;

		problem_init(&p);
		p.status = 400;
		if (period)
			verr_add(&p.errors, "period", "%s",
			         L(r,
			           "ska vara en månad ÅÅÅÅ-MM, ett tertial ÅÅÅÅ-T1, -T2 eller "
			           "-T3, ett år ÅÅÅÅ eller datum ÅÅÅÅ-MM-DD..ÅÅÅÅ-MM-DD (högst "
			           "3700 dagar), t.ex. 2026-T1",
			           "must be a month YYYY-MM, a tertial YYYY-T1, -T2 or -T3, a year "
			           "YYYY or dates YYYY-MM-DD..YYYY-MM-DD (at most 3700 days), e.g. "
			           "2026-T1"));
		else
			verr_add(&p.errors, "month", "%s",
			         L(r, "ska vara en månad ÅÅÅÅ-MM, t.ex. 2026-03",
			           "must be a month YYYY-MM, e.g. 2026-03"));
		return resp_problem(r, &p);
	}
	if (format && strcmp(format, "json") != 0 && strcmp(format, "xlsx") != 0 &&
	    (!ph || strcmp(format, "pdf") != 0)) {
		struct problem p;

		problem_init(&p);
		p.status = 400;
		verr_add(&p.errors, "format", "%s",
		         ph ? L(r, "ska vara json, xlsx eller pdf", "must be json, xlsx or pdf")
		            : L(r, "ska vara json eller xlsx", "must be json or xlsx"));
		return resp_problem(r, &p);
	}
	if (req_query_int(r, "client_id", &client_id))
		return 0;
	j = calloc(1, sizeof(*j));
	if (!j)
		return resp_store_error(r, ENOMEM, "report");
	j->h = h;
	j->name = name;
	j->municipality = r->app->municipality;
	j->who = r->who;
	j->client_id = client_id;
	snprintf(j->month, sizeof(j->month), "%s", month); /* a valid period is short */
	if (format && strcmp(format, "xlsx") == 0) {
		j->fh = xh;
		j->ext = "xlsx";
		j->ctype = XLSX_CTYPE;
	} else if (format && strcmp(format, "pdf") == 0) {
		j->fh = ph;
		j->ext = "pdf";
		j->ctype = PDF_CTYPE;
	}
	err = req_defer_read(r, report_read_h, report_answer_h, j);
	if (err) {
		free(j);
		if (err == EBUSY)
			return req_read_busy(r);
		return resp_store_error(r, err, "report");
	}
	return 0;
}

static int reports_monthly(struct req *r)
{
	return report_send(r, report_monthly, report_monthly_xlsx, report_monthly_pdf,
	                   "manadsrapport");
}

static int reports_period(struct req *r)
{
	return report_send(r, report_period, report_monthly_xlsx, report_monthly_pdf, "rapport");
}

/* The reports stored on the first working day of each month (newest first). */
static int reports_stored_list(struct req *r)
{
	const char *month = req_query(r, "month");
	struct report_period m;
	struct page pg;
	json_t *o;
	int err;

	if (req_query_page(r, 100, 1000, &pg))
		return 0;
	if (month && (report_period_parse(month, &m) != 0 || m.kind != PERIOD_MONTH)) {
		struct problem p;

		problem_init(&p);
		p.status = 400;
		verr_add(&p.errors, "month", "%s",
		         L(r, "ska vara en månad ÅÅÅÅ-MM, t.ex. 2026-03",
		           "must be a month YYYY-MM, e.g. 2026-03"));
		return resp_problem(r, &p);
	}
	err = report_stored_list(r->app->db, &r->who, month, &o);
	if (err == EPERM)
		return forbidden(r);
	if (err)
		return resp_store_error(r, err, "report");
	return resp_list_slice(r, o, &pg);
}

static int reports_stored_get(struct req *r)
{
	static const char *const types[][2] = {
	        {"json", "application/json"}, {"pdf", PDF_CTYPE}, {"xlsx", XLSX_CTYPE}};
	const char *ctype = "application/octet-stream";
	char format[8], month[16], disp[128];
	char *body = NULL;
	size_t n = 0;
	int err;

	err = report_stored_get(r->app->db, &r->who, r->params[0], &body, &n, format, month);
	if (err == EPERM)
		return forbidden(r);
	if (err == ENOENT)
		return resp_error(r, 404, "not_found", L(r, "Finns inte", "Not found"), "%s",
		                  L(r, "Ingen sådan rapport.", "No such report."));
	if (err)
		return resp_store_error(r, err, "report");
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(format, types[i][0]) == 0)
			ctype = types[i][1];
	err = resp_text(r, 200, ctype, body, n);
	free(body);
	if (err)
		return err;
	snprintf(disp, sizeof(disp), "attachment; filename=\"manadsrapport-%s.%s\"", month, format);
	MHD_add_response_header(r->resp, "Content-Disposition", disp);
	return 0;
}

static int reports_invoice(struct req *r)
{
	return report_send(r, report_invoice, report_invoice_xlsx, report_invoice_pdf,
	                   "fakturaunderlag");
}

#define ROLES_REPORTS (ROLE_MANAGER | ROLE_ADMIN | ROLE_CLIENT_VIEWER)

const struct route api_report_routes[] = {
        {"GET", "/api/v1/reports/monthly", ROLES_REPORTS, reports_monthly},
        {"GET", "/api/v1/reports/invoice", ROLES_REPORTS, reports_invoice},
        {"GET", "/api/v1/reports/period", ROLES_REPORTS, reports_period},
        {"GET", "/api/v1/reports/stored", ROLES_REPORTS, reports_stored_list},
        {"GET", "/api/v1/reports/stored/{id}", ROLES_REPORTS, reports_stored_get},
        {NULL, NULL, 0, NULL},
};
