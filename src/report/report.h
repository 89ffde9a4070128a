/* Monthly reports and the invoice basis for the client departments (report/).
 *
 * Figures follow the KPI definitions in DESIGN.md: cases and first-contact resolution
 * from the case log, call figures from the queue's 15-minute rollups. Months are
 * calendar months in Stockholm local time. Reports hold no citizen data. */
#ifndef LOTSEN_REPORT_REPORT_H
#define LOTSEN_REPORT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "core/auth.h"
#include "base/calendar.h"

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

/* Invoice basis: per agreement valid in the month, handled cases (outcome set: a case that
 * came in without an agent counts once an agent has handled it, in the month it was
 * received) per channel × the agreement's price, and the fixed annual price prorated by days; with
 * the case ids behind each line and totals per client. Same access rules as report_monthly. */
int report_invoice(struct db *db, const struct principal *who, const char *month, int64_t client_id,
                   json_t **out);

enum report_period_kind { PERIOD_MONTH, PERIOD_TERTIAL, PERIOD_YEAR, PERIOD_RANGE };

/* ======================================================================
 * The period report as data
 * ====================================================================== */

/* Built once from the rollups (report_build); the API's JSON (report_json) and the CSV,
 * XLSX and PDF writers all read this, never each other's output. A rate of nothing (no
 * cases, nothing offered, no answers) is NAN, shown as null in the JSON and left empty in
 * the files. */

#define REPORT_NKINDS    7 /* category kinds, in the order report_kinds lists them */
#define REPORT_NOUTCOMES 4 /* resolved, guided, handed_over, forwarded_urgent */
#define REPORT_NCHANNEL  7 /* = REPORT_NCHANNELS of report_int.h */

/* Case figures of a row. */
struct report_cases {
	int64_t cases;                     /* every case */
	int64_t outcome[REPORT_NOUTCOMES]; /* per outcome, in the order above */
	double fcr;                        /* resolved ÷ cases, 4 decimals; NAN: no cases */
	double fcr_incl_guided;            /* (resolved + guided) ÷ cases */
	int64_t channel[REPORT_NCHANNEL];  /* per channel, in report_channels' order */
	int64_t complaints, praise;        /* cases of kind complaint and praise */
};

/* Call figures of a row from the queue's 15-minute rollups (DESIGN.md's definitions). */
struct report_calls {
	int64_t offered, answered, answered_60, answered_180, abandoned, short_abandoned, handled;
	double service_level_60;  /* answered within 60 s ÷ offered; NAN: nothing offered */
	double service_level_180; /* answered within 180 s ÷ offered */
	double abandon_rate;      /* abandoned ÷ offered */
	double asa_s;             /* mean wait of the answered, s; NAN: none answered */
	double aht_s;             /* mean talk + wrap-up, s; NAN: none handled */
};

/* The satisfaction question's answers (REPORT_SATISFACTION_PROMPT). */
struct report_sat {
	int64_t answers;  /* answers 1–5 */
	int64_t dist[5];  /* dist[a - 1]: answers a (1–5), the distribution */
	double share_3_5; /* share of answers 3–5; NAN: no answers */
	double share_4_5; /* share of answers 4–5 */
	double index;     /* SKR's 0–100 index (1→0 … 5→100), 2 decimals */
};

struct report_figures {
	struct report_cases c;
	struct report_calls calls; /* meaningful when the row's `calls` is set */
	struct report_sat sat;     /* meaningful when the row's `sat` is set */
};

/* The tables of a period: group × client, then one per breakdown. */
enum report_table {
	REPORT_ROWS,         /* group × client */
	REPORT_GROUPS,       /* with calls and satisfaction */
	REPORT_CLIENTS,      /* cases only */
	REPORT_UNITS,        /* with calls and satisfaction */
	REPORT_KINDS,        /* cases only; `ki` indexes report_kinds */
	REPORT_CHANNELS,     /* cases only; `ki` indexes report_channels */
	REPORT_AGENTS,       /* outcomes and satisfaction, no channels */
	REPORT_CATEGORIES,   /* cases only, per category (id: the category) */
	REPORT_CLIENT_UNITS, /* cases only, per department sub-unit (id 0: none named) */
	REPORT_NTABLES
};

struct report_row {
	int64_t id;      /* group, client, unit or agent id (the group for ROWS); 0 for kinds… */
	int64_t id2;     /* ROWS: the client; else 0 */
	int ki;          /* KINDS, CHANNELS: the index; else 0 */
	char name[160];  /* the group's, client's, unit's or agent's name; "" for kinds… */
	char name2[160]; /* ROWS: the client's name */
	bool full;       /* the channels, complaints and praise apply (all but agents) */
	bool calls;      /* the call figures apply (groups, units, totals) */
	bool sat;        /* the satisfaction figures apply (groups, units, agents, totals) */
	struct report_figures f;
	/* Only in the current period: */
	const struct report_row *prev;  /* the same row in the previous period; NULL: none */
	struct report_figures change;   /* f − prev->f (rates: NAN where either is); with prev */
	double vs_fcr, vs_sl60, vs_sat; /* fcr, service level 60 s and share 4–5 less their
	                                   targets; NAN where the figure is */
};

/* One period's figures. */
struct report_part {
	char label[32];   /* the period as asked ("2026-03", "2026-T1", …) */
	int64_t from, to; /* its bounds, UTC seconds */
	struct {
		struct report_row *v;
		size_t n;
	} t[REPORT_NTABLES];     /* each sorted by id, id2, ki */
	struct report_row total; /* every case, the listed groups' calls and answers */
};

/* E-mail answer times (report_mail.c): per e-mail case, from its first incoming mail to the
 * first answer sent after it. A case counts in the period (and month) in which its first
 * mail arrived; one not answered yet counts in `cases` and `unanswered`, and in the shares'
 * denominators as not answered in time. Working time counts only the hours of Swedish
 * working days (Stockholm dates; weekends, public holidays and the eves off do not count);
 * a working day is 24 such hours, so a mail of Friday 15:00 answered Monday 09:00 took 66 h
 * and 0.75 working days. */
struct report_mail_fig {
	int64_t cases;            /* e-mail cases whose first mail arrived in the period */
	int64_t answered;         /* of those, answered (now) */
	int64_t unanswered;       /* cases − answered */
	int64_t within_24h;       /* answered within 24 hours */
	int64_t within_1wd;       /* answered within 1 working day */
	int64_t within_2wd;       /* answered within 2 working days */
	double share_24h;         /* within_24h ÷ cases; NAN: no cases */
	double share_1wd;         /* within_1wd ÷ cases (KKiK) */
	double share_2wd;         /* within_2wd ÷ cases (KKiK) */
	double mean_hours;        /* mean time to first answer of the answered, hours; NAN: none */
	double mean_working_days; /* the same in working days */
	double median_hours;      /* median of the answered, hours; NAN: none */
};

/* The e-mail tables: group × client × month, then per group, client and month. */
enum report_mail_table {
	REPORT_MAIL_ROWS,
	REPORT_MAIL_GROUPS,
	REPORT_MAIL_CLIENTS,
	REPORT_MAIL_MONTHS,
	REPORT_MAIL_NTABLES
};

struct report_mail_row {
	int64_t group_id;      /* ROWS, GROUPS; else 0 */
	int64_t client_id;     /* ROWS, CLIENTS; else 0 */
	char month[12];        /* ROWS, MONTHS: "YYYY-MM" (Stockholm); else "" */
	char group_name[160];  /* "" where group_id is 0 */
	char client_name[160]; /* "" where client_id is 0 */
	struct report_mail_fig f;
};

struct report_mail {
	struct {
		struct report_mail_row *v;
		size_t n;
	} t[REPORT_MAIL_NTABLES]; /* each sorted by group, client, month */
	struct report_mail_fig total;
};

/* Working time between two instants (from ≤ to, UTC seconds): the seconds of [from, to)
 * that fall on Swedish working days (Stockholm dates). */
int64_t report_working_seconds(int64_t from, int64_t to);

/* What a period report may be narrowed to besides the client: one category, one sub-unit
 * of the department (client_units). 0: not narrowed. Cases only: the queue's call figures
 * and the survey answers are per group and stay as they are. */
#define REPORT_MAX_GROUPS 64 /* response groups a report may be narrowed to */
struct report_filter {
	int64_t category_id;
	int64_t client_unit_id;
	/* Response groups (a group lead's view): the cases, calls, survey answers and e-mail
	 * of these groups only. ngroups 0: not narrowed by group. */
	int64_t group_ids[REPORT_MAX_GROUPS];
	int ngroups;
};

/* The satisfaction question's answers in one Stockholm month of the period. */
struct report_sat_month {
	char month[12];        /* "YYYY-MM" */
	struct report_sat sat; /* answers, distribution, shares */
};

/* Service level by the hour of the day (Stockholm), over the period and the listed
 * groups' queues: offered, answered within 60 s and their ratio (NAN: nothing offered). */
struct report_sl_hour {
	int64_t offered, answered_60;
	double service_level_60;
};

struct report {
	enum report_period_kind kind;
	int64_t client_id;           /* 0: every client */
	struct report_filter filter; /* as asked */
	struct report_part cur;      /* the period asked for; rows with prev, change, vs_* */
	struct report_part prev;     /* the period before, as a plain comparison */
	bool busy;                   /* busy_hours holds the period's profile */
	int busy_days;               /* days in the period */
	int64_t busy_hours[7][24];   /* offered calls per Stockholm weekday (Monday 0) × hour */
	struct report_mail mail;     /* the period's e-mail answer times */
	struct report_sl_hour sl_hours[24];  /* service level per hour of the day (interval) */
	struct report_sat_month *sat_months; /* satisfaction per month of the period, in order */
	size_t nsat_months;
};

/* The category kinds' names in the database ("question", …, "fault_report"). */
extern const char *const report_kinds[REPORT_NKINDS];

/* Builds the report for a period (as report_period's arguments and errors); *out is the
 * caller's, free it with report_free. */
int report_build(struct db *db, const struct principal *who, const char *period, int64_t client_id,
                 struct report **out);
/* As report_build, narrowed by `f` (NULL: not narrowed). A sub-unit must belong to the
 * client the reader may see: a client viewer naming another department's sub-unit gets
 * EPERM; an unknown category or sub-unit is ENOENT. A group lead sees the groups they are a
 * member of: none named means all of those (EPERM when they lead none), a group they are
 * not a member of is EPERM; an unknown group is ENOENT. */
int report_build_filtered(struct db *db, const struct principal *who, const char *period,
                          int64_t client_id, const struct report_filter *f, struct report **out);
void report_free(struct report *rep);
/* The report as the API answers it (report_period's JSON); *out a new reference. */
int report_json(const struct report *rep, json_t **out);

/* The byte order mark the CSV files begin with: without it Excel reads UTF-8 as
 * Windows-1252 ("MÃ¥nad"). */
#define REPORT_CSV_BOM "\xEF\xBB\xBF"
/* The reports as CSV for Swedish Excel: UTF-8 with a byte order mark, ';' between fields,
 * decimal comma, a header row with Swedish column names. The monthly (period) report is several
 * tables, each after an empty line with its own header: cases per group × client, calls per group,
 * one per breakdown (group, client, unit, kind, channel, agent) and the busy hours. */
int report_monthly_csv(const struct report *rep, FILE *f);
int report_invoice_csv(const json_t *invoice, FILE *f);

/* The reports as XLSX workbooks, the bytes in *buf (malloc'd, the caller's) and *n, with
 * the municipality's name and the period in each sheet's title row. Monthly: sheets
 * "Ärenden" (group × client and totals), "Samtal" (calls per group and totals),
 * "Jämförelse" (this month, last month, change), "Fördelning" (the breakdowns), "Diagram"
 * (cases and service level 60 s per group with the 85 % target, as charts) and
 * "Belastning" (offered calls per weekday × hour, as a heat map and two charts) and "E-post"
 * (the e-mail answer times, struct report_mail).
 * Invoice: "Fakturaunderlag" (lines, sums per client, total) and "Ärenden" (the case ids
 * behind each line). 0, EINVAL for a malformed invoice, ENOMEM or EIO. */
int report_monthly_xlsx(const struct report *rep, const char *municipality, char **buf, size_t *n);
int report_invoice_xlsx(const json_t *invoice, const char *municipality, char **buf, size_t *n);

/* The monthly report as a PDF on A4 pages (cairo), the bytes in *buf (malloc'd) and *n:
 * the municipality, "Månadsrapport" and the month in Swedish; the totals with last month
 * and the change; bar charts of cases and of service level (60 s, with the 85 % target) per
 * group; the page "När ringer medborgarna?" (the busy hours as a heat map and calls per
 * hour); the rows per group × client as a table across pages. 0, ENOMEM or EIO. */
int report_monthly_pdf(const struct report *rep, const char *municipality, char **buf, size_t *n);
/* The invoice basis as a PDF (cairo): the municipality, "Fakturaunderlag" and the month; the
 * sums per client and the total; then per agreement its lines (cases per channel × price,
 * the prorated fixed price) each with the ids of the cases behind it, and its sum. EINVAL
 * for a malformed invoice. */
int report_invoice_pdf(const json_t *invoice, const char *municipality, char **buf, size_t *n);
/* Free what cairo and fontconfig keep for the process's life once a PDF was made
 * (called at exit, so leak checks see only Lotsen's own memory). */
/* The citizen's export (core/retention.h, citizen_export) as a PDF for a registerutdrag:
 * *buf (malloc'd) and *n, as report_monthly_pdf. */
int report_citizen_pdf(const json_t *doc, const char *municipality, char **buf, size_t *n);
void report_pdf_shutdown(void);

/* ======================================================================
 * Periods: month, tertial, year or any range of dates
 * ====================================================================== */

/* A period of whole Stockholm days and its bounds as UTC instants [from, to). */
struct report_period {
	enum report_period_kind kind;
	char label[32];          /* "2026-03", "2026-T1", "2026", "2026-03-01..2026-05-15" */
	struct date first, last; /* first and last day, inclusive */
	int64_t from, to;        /* first day 00:00 and the day after the last 00:00, Stockholm */
};

/* Longest range of dates a custom period may span. */
#define REPORT_RANGE_MAX_DAYS 3700

/* "YYYY-MM", "YYYY-T1" … "YYYY-T3" (Jan–Apr, May–Aug, Sep–Dec), "YYYY", or
 * "YYYY-MM-DD..YYYY-MM-DD" (both days included, at most REPORT_RANGE_MAX_DAYS); 0 or EINVAL. */
int report_period_parse(const char *s, struct report_period *out);
/* The period before: the month, tertial or year before, or as many days just before. */
void report_period_previous(const struct report_period *p, struct report_period *out);

/* Targets the reports compare with (DESIGN.md, Stockholm's): service level 60 s, first-contact
 * resolution (resolved ÷ cases) and satisfaction (share of answers 4–5). */
#define REPORT_TARGET_SL60         0.85
#define REPORT_TARGET_FCR          0.80
#define REPORT_TARGET_SATISFACTION 0.90
/* The survey question whose answers are the satisfaction (bemötande) figures: Stockholm's
 * courtesy question. */
#define REPORT_SATISFACTION_PROMPT "enkat_4"

/* The report for a period, with the shape of report_monthly plus "period", "kind",
 * "targets", "breakdowns" (groups, clients, units, kinds, channels, agents; each row with
 * "previous", "change" and "vs_target") and satisfaction from the post-call survey. Read
 * from the case rollups, the queue's 15-minute rollups and the survey answers. EINVAL for a
 * malformed period, EPERM as report_monthly. */
int report_period(struct db *db, const struct principal *who, const char *period, int64_t client_id,
                  json_t **out);

/* ======================================================================
 * Case rollups (report_rollup.c)
 * ====================================================================== */

/* Creates and upgrades the report module's tables (migration module "report"). The case
 * rollups follow the case log once report_rollup_case is registered as the case log's
 * observer (cases_set_observer, done by main.c at start-up). */
int report_store_migrate(struct db *db);

/* The busy-hours profile: adds a group's offered calls in [from, to) (UTC seconds) to
 * sum[weekday][hour] of Stockholm time, Monday = 0, from the queue's 15-minute intervals
 * (the period reports and the citizens' contact page). 0 or a store error. */
int report_busy_add(struct db *db, int64_t group, int64_t from, int64_t to, int64_t sum[7][24]);

/* The Stockholm day (days since 1970-01-01) of a UTC instant. */
int64_t report_day_of(int64_t t);

/* What one case counts under in the rollups. */
struct report_case_key {
	int64_t day;            /* Stockholm day of received_at */
	int64_t group_id;       /* the case's group */
	int64_t client_id;      /* the case's client */
	int64_t agent_id;       /* who logged it, 0 for none */
	int64_t category_id;    /* the case's category (report_detail_days) */
	int64_t client_unit_id; /* the department's sub-unit named on the case, 0 for none */
	char kind[16];          /* the category's kind */
	char channel[8];        /* the case's channel */
	char outcome[20];       /* the case's outcome */
};

/* Adds n (may be negative) cases under `k`, inside the caller's transaction. */
int report_rollup_add(struct db *db, const struct report_case_key *k, int64_t n);
/* Counts case `case_id` as it is now in (sign 1) or out of (sign -1) the rollups; called
 * by the case log in the transaction that writes the case: +1 after an insert, -1 before
 * and +1 after an update. A case not yet handled (outcome NULL: it came in without an
 * agent) counts nowhere until its outcome is set. ENOENT when there is no such case. */
int report_rollup_case(struct db *db, int64_t case_id, int sign);
/* Empties the rollups and counts every handled case again, in one transaction; *ncases
 * (may be NULL) gets the number of cases counted. */
int report_rollup_rebuild(struct db *db, int64_t *ncases);

/* ======================================================================
 * Stored reports (report_deliver.c)
 * ====================================================================== */

/* The month whose reports are due at `now`: last month once the first Swedish working day
 * of this month has begun (Stockholm time), else the month before. "YYYY-MM". */
void report_due_month(int64_t now, char out[16]);
/* Makes and stores the due month's reports unless stored already: for every client and for
 * all clients together (client 0), as JSON, PDF and XLSX. Idempotent; a server that was
 * down on the first working day catches up at its next run. *made (may be NULL) gets the
 * number of reports stored by this call. */
int report_deliver_due(struct db *db, int64_t now, const char *municipality, int *made);
/* The same in two steps, so the server can make the reports on a read-only connection off
 * the loop and store them on the loop: render what is due and not yet stored ... */
struct report_batch;
int report_deliver_render(struct db *db, int64_t now, const char *municipality,
                          struct report_batch **out);
/* ... then store it (a report stored meanwhile by another run is kept as it was). Each
 * client's formats are stored in one transaction; when its PDF was stored by this call,
 * the stored-report observer (below) runs in that same transaction, and its error undoes
 * the client's reports (made again at the next run). */
int report_deliver_store(struct db *db, const struct report_batch *b, int64_t now, int *made);

/* One client's monthly report, just stored, as it is sent on (borrowed bytes). */
struct report_stored_set {
	const char *month; /* "YYYY-MM" */
	int64_t client_id; /* the client (never 0: the center's own report is not sent) */
	const char *pdf;   /* the PDF as stored */
	size_t pdf_len;    /* bytes of pdf */
	const char *csv;   /* the same report as CSV for Swedish Excel (not stored) */
	size_t csv_len;    /* bytes of csv */
};
/* Called in the transaction that stored the report; 0 or an errno value. */
typedef int report_stored_h(struct db *db, const struct report_stored_set *s, int64_t now);
/* Who hears of a stored monthly report (the mail module e-mails it to the agreements'
 * recipients); NULL: nobody. Set once at start-up, like cases_set_observer. */
void report_set_stored_observer(report_stored_h *h);
void report_batch_free(struct report_batch *b);
/* Stored reports, newest first, without their bytes; a client viewer sees only its own
 * client's. `month` NULL for every month. */
int report_stored_list(struct db *db, const struct principal *who, const char *month, json_t **out);
/* One stored report's bytes (malloc'd, *body owned by the caller) and format. ENOENT for
 * no such report, EPERM for another client's. */
int report_stored_get(struct db *db, const struct principal *who, int64_t id, char **body,
                      size_t *n, char format[8], char month[16]);

/* ======================================================================
 * Scale data (report_gen.c)
 * ====================================================================== */

/* Generates `years` years (ending yesterday) of `per_year` cases a year over the demo
 * municipality already loaded: case rows, their rollups, the queue's 15-minute intervals
 * and survey answers, in big transactions. Deterministic for a seed; prints progress to
 * `progress` (may be NULL). */
int report_gen(struct db *db, int years, int64_t per_year, uint64_t seed, int64_t now,
               FILE *progress);

#endif
