/* /api/v1/reports: the monthly report and the invoice basis for the client departments. */
#include <errno.h>

#include "http/http_int.h"
#include "report/report.h"

typedef int(report_h)(struct db *db, const struct principal *who, const char *month,
                      int64_t client_id, json_t **out);

/* Reports hold aggregates and case ids, no citizen data: reading one is not audited. */
static int report_send(struct req *r, report_h *h)
{
	const char *month = req_query(r, "month");
	struct report_month m;
	int64_t client_id;
	json_t *o;
	int err;

	if (report_month_parse(month, &m) != 0) {
		struct problem p;

		problem_init(&p);
		p.status = 400;
		problem_field(&p, "month", "%s",
		              L(r, "ska vara en månad ÅÅÅÅ-MM, t.ex. 2026-03",
		                "must be a month YYYY-MM, e.g. 2026-03"));
		return resp_problem(r, &p);
	}
	if (req_query_int(r, "client_id", &client_id))
		return 0;
	err = h(r->app->db, &r->who, month, client_id, &o);
	if (err == EPERM)
		return resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
		                  L(r, "Du kan bara se rapporter för din egen förvaltning.",
		                    "You may only see reports for your own department."));
	if (err)
		return resp_store_error(r, err, "report");
	return resp_json(r, 200, o);
}

static int reports_monthly(struct req *r)
{
	return report_send(r, report_monthly);
}

static int reports_invoice(struct req *r)
{
	return report_send(r, report_invoice);
}

#define ROLES_REPORTS (ROLE_MANAGER | ROLE_ADMIN | ROLE_CLIENT_VIEWER)

const struct route api_report_routes[] = {
        {"GET", "/api/v1/reports/monthly", ROLES_REPORTS, reports_monthly},
        {"GET", "/api/v1/reports/invoice", ROLES_REPORTS, reports_invoice},
        {NULL, NULL, 0, NULL},
};
