/* /api/v1/reports: the monthly report and the invoice basis for the client departments. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "http/http_int.h"
#include "report/report.h"

#define XLSX_CTYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define PDF_CTYPE  "application/pdf"
#define CSV_CTYPE  "text/csv; charset=utf-8"

enum report_what { WHAT_MONTHLY, WHAT_PERIOD, WHAT_INVOICE };
enum report_format { FMT_JSON, FMT_XLSX, FMT_PDF, FMT_CSV };

/* The CSV writers write to a FILE: here one in memory, into the job's file. */
static int csv_of(const struct report *rep, const json_t *invoice, char **buf, size_t *n)
{
	FILE *f = open_memstream(buf, n);
	int err;

	if (!f)
		return ENOMEM;
	err = rep ? report_monthly_csv(rep, f) : report_invoice_csv(invoice, f);
	if (fclose(f) != 0 && !err)
		err = EIO;
	if (err) {
		free(*buf);
		*buf = NULL;
	}
	return err;
}

/* `group=ID`, repeated or a comma list ("group=3&group=7", "group=3,7"): each a positive id,
 * at most REPORT_MAX_GROUPS, duplicates once. */
struct group_arg {
	struct report_filter *f;
	bool bad;
};

static enum MHD_Result group_h(void *arg, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
	struct group_arg *g = arg;
	const char *p = value ? value : "";

	(void)kind;
	if (strcmp(key, "group") != 0)
		return MHD_YES;
	do {
		char *end;
		long long v;
		bool seen = false;

		errno = 0;
		v = strtoll(p, &end, 10);
		if (end == p || errno || v <= 0 || (*end && *end != ',')) {
			g->bad = true;
			return MHD_NO;
		}
		for (int i = 0; i < g->f->ngroups; i++)
			seen |= g->f->group_ids[i] == v;
		if (!seen) {
			if (g->f->ngroups == REPORT_MAX_GROUPS) {
				g->bad = true;
				return MHD_NO;
			}
			g->f->group_ids[g->f->ngroups++] = v;
		}
		p = *end ? end + 1 : end;
	} while (*p);
	return MHD_YES;
}

/* A report is computed, and its file made in memory, on a read worker: what it needs is
 * copied here from the request. */
struct report_job {
	enum report_what what;
	enum report_format format;
	const char *name, *ext;      /* the attachment's name and extension (static) */
	const char *ctype;           /* its content type (static) */
	const char *municipality;    /* the server's setting (borrowed, lives as long) */
	struct principal who;        /* the reader */
	char month[64];              /* the month or period asked for */
	int64_t client_id;           /* 0: all the reader may see */
	struct report_filter filter; /* category, department sub-unit (0: any) */
	json_t *report;              /* the JSON answer (owned until answered), or NULL */
	char *file;                  /* the file's bytes (owned), or NULL */
	size_t file_len;             /* bytes in file */
	int err;                     /* the read's result */
};

/* The invoice basis is JSON that its writers read; the monthly and period reports are a
 * struct report that the JSON and the writers are made from. */
static int invoice_read(struct db *db, struct report_job *j)
{
	const char *muni = j->municipality ? j->municipality : "";
	int err = report_invoice(db, &j->who, j->month, j->client_id, &j->report);

	if (err || j->format == FMT_JSON)
		return err;
	err = j->format == FMT_CSV    ? csv_of(NULL, j->report, &j->file, &j->file_len)
	      : j->format == FMT_XLSX ? report_invoice_xlsx(j->report, muni, &j->file, &j->file_len)
	                              : report_invoice_pdf(j->report, muni, &j->file, &j->file_len);
	return err ? EIO : 0;
}

static int period_read(struct db *db, struct report_job *j)
{
	const char *muni = j->municipality ? j->municipality : "";
	struct report *rep;
	int err = report_build_filtered(db, &j->who, j->month, j->client_id, &j->filter, &rep);

	if (err)
		return err;
	if (j->format == FMT_JSON)
		err = report_json(rep, &j->report);
	else if (j->format == FMT_CSV)
		err = csv_of(rep, NULL, &j->file, &j->file_len) ? EIO : 0;
	else if ((j->format == FMT_XLSX
	                  ? report_monthly_xlsx(rep, muni, &j->file, &j->file_len)
	                  : report_monthly_pdf(rep, muni, &j->file, &j->file_len)) != 0)
		err = EIO;
	report_free(rep);
	return err;
}

static void report_read_h(struct db *db, void *arg)
{
	struct report_job *j = arg;

	j->err = j->what == WHAT_INVOICE ? invoice_read(db, j) : period_read(db, j);
}

static int forbidden(struct req *r);

static void report_answer_h(struct req *r, void *arg)
{
	struct report_job *j = arg;
	char disp[160];

	if (j->err == EPERM) {
		forbidden(r);
	} else if (j->err == ENOENT && j->what != WHAT_INVOICE) {
		resp_error(
		        r, 404, "not-found", L(r, "Finns inte", "Not found"), "%s",
		        L(r,
		          "Kategorin, underenheten eller svarsgruppen (category_id, "
		          "client_unit_id, "
		          "group) finns inte.",
		          "The category, sub-unit or response group (category_id, client_unit_id, "
		          "group) does not exist."));
	} else if (j->err) {
		resp_store_error(r, j->err, "report");
	} else if (j->format != FMT_JSON) {
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
	if (r->who.role == ROLE_GROUP_LEAD)
		return resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
		                  L(r, "Du kan bara se rapporter för de svarsgrupper du leder.",
		                    "You may only see reports for the response groups you lead."));
	return resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
	                  L(r, "Du kan bara se rapporter för din egen förvaltning.",
	                    "You may only see reports for your own department."));
}

/* Reports hold aggregates and case ids, no citizen data: reading one is not audited. */
static int report_send(struct req *r, enum report_what what, const char *name)
{
	bool period = what == WHAT_PERIOD;
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
			valid_add(
			        &p.errors, "period", "%s",
			        L(r,
			          "ska vara en månad ÅÅÅÅ-MM, ett tertial ÅÅÅÅ-T1, -T2 eller "
			          "-T3, ett år ÅÅÅÅ eller datum ÅÅÅÅ-MM-DD..ÅÅÅÅ-MM-DD (högst "
			          "3700 dagar), t.ex. 2026-T1",
			          "must be a month YYYY-MM, a tertial YYYY-T1, -T2 or -T3, a year "
			          "YYYY or dates YYYY-MM-DD..YYYY-MM-DD (at most 3700 days), e.g. "
			          "2026-T1"));
		else
			valid_add(&p.errors, "month", "%s",
			          L(r, "ska vara en månad ÅÅÅÅ-MM, t.ex. 2026-03",
			            "must be a month YYYY-MM, e.g. 2026-03"));
		return resp_problem(r, &p);
	}
	if (format && strcmp(format, "json") != 0 && strcmp(format, "xlsx") != 0 &&
	    strcmp(format, "pdf") != 0 && strcmp(format, "csv") != 0) {
		struct problem p;

		problem_init(&p);
		p.status = 400;
		valid_add(&p.errors, "format", "%s",
		          L(r, "ska vara json, csv, xlsx eller pdf",
		            "must be json, csv, xlsx or pdf"));
		return resp_problem(r, &p);
	}
	struct report_filter filter = {0};

	if (req_query_int(r, "client_id", &client_id))
		return 0;
	if (what != WHAT_INVOICE && (req_query_int(r, "category_id", &filter.category_id) ||
	                             req_query_int(r, "client_unit_id", &filter.client_unit_id)))
		return 0;
	if (what != WHAT_INVOICE) {
		struct group_arg g = {&filter, false};

		MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, group_h, &g);
		if (g.bad)
			return req_query_bad(
			        r, "group", "%s",
			        L(r,
			          "ska vara svarsgruppers id (heltal > 0), upprepat eller "
			          "kommaseparerat, högst 64",
			          "must be response group ids (integers > 0), repeated or "
			          "comma-separated, at most 64"));
	} else if (r->who.role == ROLE_GROUP_LEAD) {
		return forbidden(r);
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return resp_store_error(r, ENOMEM, "report");
	j->what = what;
	j->name = name;
	j->municipality = r->app->municipality;
	j->who = r->who;
	j->client_id = client_id;
	j->filter = filter;
	snprintf(j->month, sizeof(j->month), "%s", month); /* a valid period is short */
	if (format && strcmp(format, "xlsx") == 0) {
		j->format = FMT_XLSX;
		j->ext = "xlsx";
		j->ctype = XLSX_CTYPE;
	} else if (format && strcmp(format, "pdf") == 0) {
		j->format = FMT_PDF;
		j->ext = "pdf";
		j->ctype = PDF_CTYPE;
	} else if (format && strcmp(format, "csv") == 0) {
		j->format = FMT_CSV;
		j->ext = "csv";
		j->ctype = CSV_CTYPE;
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
	return report_send(r, WHAT_MONTHLY, "manadsrapport");
}

static int reports_period(struct req *r)
{
	return report_send(r, WHAT_PERIOD, "rapport");
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
		valid_add(&p.errors, "month", "%s",
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
	return report_send(r, WHAT_INVOICE, "fakturaunderlag");
}

#define ROLES_REPORTS (ROLE_MANAGER | ROLE_ADMIN | ROLE_CLIENT_VIEWER)

const struct route api_report_routes[] = {
        {"GET", "/api/v1/reports/monthly", ROLES_REPORTS, reports_monthly},
        {"GET", "/api/v1/reports/invoice", ROLES_REPORTS, reports_invoice},
        {"GET", "/api/v1/reports/period", ROLES_REPORTS | ROLE_GROUP_LEAD, reports_period},
        {"GET", "/api/v1/reports/stored", ROLES_REPORTS, reports_stored_list},
        {"GET", "/api/v1/reports/stored/{id}", ROLES_REPORTS, reports_stored_get},
        {NULL, NULL, 0, NULL},
};
