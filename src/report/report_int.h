/* What the report exporters (CSV, XLSX, PDF) share: reading the report's figures. */
#ifndef LOTSEN_REPORT_REPORT_INT_H
#define LOTSEN_REPORT_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/auth.h"
#include "report/report.h"

/* The case log's channels, in the order reports show them. */
#define REPORT_NCHANNELS 7
extern const char *const report_channels[REPORT_NCHANNELS];

/* Only managers, admins and a client viewer for its own client read reports: 0 or EPERM.
 * A client viewer's *client_id 0 becomes its own. */
int report_access_check(const struct principal *who, int64_t *client_id);

/* The value at "a" or "a.b" in a row's JSON; NULL when missing (borrowed). For the
 * invoice basis, which the exporters still read as JSON. */
const json_t *report_get_path(const json_t *o, const char *key);
/* The string at `key`, or "" (borrowed). */
const char *report_str(const json_t *o, const char *key);

/* A figure of a report row, as the exporters' columns name it. */
enum report_fig {
	RF_CASES,
	RF_RESOLVED,
	RF_GUIDED,
	RF_HANDED_OVER,
	RF_FORWARDED_URGENT,
	RF_FCR,
	RF_FCR_INCL_GUIDED,
	RF_PHONE, /* the channels, in report_channels' order */
	RF_EMAIL,
	RF_LETTER,
	RF_FAX,
	RF_VISIT,
	RF_WEB,
	RF_SOCIAL,
	RF_COMPLAINTS,
	RF_PRAISE,
	RF_OFFERED,
	RF_ANSWERED,
	RF_ANSWERED_60,
	RF_ANSWERED_180,
	RF_ABANDONED,
	RF_SHORT_ABANDONED,
	RF_HANDLED,
	RF_SL60,
	RF_SL180,
	RF_ABANDON_RATE,
	RF_ASA_S,
	RF_AHT_S,
	RF_SAT_ANSWERS,
	RF_SAT_3_5,
	RF_SAT_4_5,
	RF_SAT_INDEX,
	RF_VS_FCR, /* the distances to the targets (the current period's rows only) */
	RF_VS_SL60,
	RF_VS_SAT,
};

/* Whose figure: the row's own, its previous period's row's, or the change between them. */
enum report_of { OF_NOW, OF_PREV, OF_CHANGE };

/* Figure `k` of row `r`; false when there is none (a rate of nothing, a call figure of a
 * client, no previous row): an empty cell. Counts come as whole numbers in a double. */
bool report_fig(const struct report_row *r, enum report_of of, enum report_fig k, double *v);
/* Does the row have figure `k` at all, null or not (the JSON has the key)? False for a
 * client's calls, an agent's channels, the previous period of a row new in this one, a
 * previous row's or a change's distance to a target. */
bool report_fig_applies(const struct report_row *r, enum report_of of, enum report_fig k);

/* libxlsxwriter 1.1.4 (Debian 12) writes a workbook only to a file it names (its memory
 * output came in 1.1.5), so the workbook goes to an anonymous memory file (memfd_create;
 * an unlinked temporary file where there is none) named by /proc/self/fd/N: no file in any
 * directory, nothing left behind. *fd and path (at least 32 bytes) get the file and name. */
int report_memfile_open(int *fd, char *path, size_t n);
/* The file's bytes into *buf (malloc'd, the caller's) and *n, then closes it; with buf
 * NULL only closes it. */
int report_memfile_take(int fd, char **buf, size_t *n);

/* A category kind or a channel in Swedish ("complaint" → "Klagomål", "phone" → "Telefon");
 * anything else as it is (borrowed, or `s`; "" for NULL). */
const char *report_name_sv(const char *s);

/* A period's label in Swedish: "2026-03" → "mars 2026", "2026-T1" → "tertial 1 2026",
 * "2026" → "2026", dates → "1 mars 2026 – 15 maj 2026"; anything else as it is. */
void report_period_sv(const char *label, char *buf, size_t n);

/* The e-mail answer times of period [from, to) for a client (0: all) into *out
 * (report_mail.c); no mail tables (a database without the mail module) gives none. */
/* group_ids/ngroups: only these groups' e-mail (ngroups 0: any group). */
int report_mail_collect(struct db *db, int64_t from, int64_t to, int64_t client_id,
                        const int64_t *group_ids, int ngroups, struct report_mail *out);
void report_mail_free(struct report_mail *m);
/* The "mail" object of the report's JSON (a new reference). */
json_t *report_mail_json(const struct report_mail *m);
/* The e-mail tables of the CSV (each after an empty line). */
void report_mail_csv(const struct report *rep, FILE *f);

#endif
