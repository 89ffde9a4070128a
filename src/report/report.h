/* Monthly reports and the invoice basis for the client departments (report/).
 *
 * Figures follow the KPI definitions in DESIGN.md: cases and first-contact resolution
 * from the case log, call figures from the queue's 15-minute rollups. Months are
 * calendar months in Stockholm local time. Reports hold no citizen data. */
#ifndef LOTSEN_REPORT_REPORT_H
#define LOTSEN_REPORT_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "core/auth.h"

struct db;

/* A calendar month and its bounds as UTC instants [from, to). */
struct report_month {
	int y, m;     /* year, month 1–12 */
	int64_t from; /* the 1st at 00:00 Stockholm time, seconds since the epoch */
	int64_t to;   /* the 1st of the next month at 00:00 Stockholm time */
};

/* "YYYY-MM", strictly; 0 or EINVAL. */
int report_month_parse(const char *s, struct report_month *out);

/* Monthly report for one client (client_id) or all (0): rows per group × client, call
 * figures per group, totals, the previous month and the change. Managers and admins see
 * every client; a client viewer only its own (client_id 0 means its own; another gives
 * EPERM). *out is a new reference. */
int report_monthly(struct db *db, const struct principal *who, const char *month, int64_t client_id,
                   json_t **out);

/* Invoice basis: per agreement valid in the month, handled cases per channel × the
 * agreement's price, and the fixed annual price prorated by days; with the case ids
 * behind each line and totals per client. Same access rules as report_monthly. */
int report_invoice(struct db *db, const struct principal *who, const char *month, int64_t client_id,
                   json_t **out);

/* The reports as CSV for Swedish Excel: UTF-8, ';' between fields, decimal comma, a
 * header row with Swedish column names. */
int report_monthly_csv(const json_t *report, FILE *f);
int report_invoice_csv(const json_t *invoice, FILE *f);

/* The reports as XLSX workbooks written to `path`, with the municipality's name and the
 * period in each sheet's title row. Monthly: sheets "Ärenden" (group × client and totals),
 * "Samtal" (calls per group and totals) and "Jämförelse" (this month, last month, change).
 * Invoice: "Fakturaunderlag" (lines, sums per client, total) and "Ärenden" (the case ids
 * behind each line). 0, EINVAL for a malformed report or EIO. */
int report_monthly_xlsx(const json_t *report, const char *municipality, const char *path);
int report_invoice_xlsx(const json_t *invoice, const char *municipality, const char *path);

/* The monthly report as a PDF on A4 pages written to `path` (cairo): the municipality,
 * "Månadsrapport" and the month in Swedish; the totals with last month and the change; bar
 * charts of cases and of service level (60 s, with the 85 % target) per group; the rows per
 * group × client as a table across pages. 0, EINVAL for a malformed report, ENOMEM or EIO. */
int report_monthly_pdf(const json_t *report, const char *municipality, const char *path);
/* Free what cairo and fontconfig keep for the process's life once a PDF was made
 * (called at exit, so leak checks see only Lotsen's own memory). */
void report_pdf_shutdown(void);

#endif
