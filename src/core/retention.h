/* Retention by the records plan (gallring), legal holds, and the citizen's export
 * (registerutdrag): what Lotsen removes when, what it keeps, and what it holds about a person. */
#ifndef LOTSEN_CORE_RETENTION_H
#define LOTSEN_CORE_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/auth.h"

struct db;

/* The period of a category without its own (the setting retention-months). */
#define RETENTION_MONTHS_DEFAULT 24

struct retention_opts {
	int default_months;     /* period of categories whose retention_months is NULL; 0: keep */
	const char *files_dir;  /* attachments and mail files (<db>.files), NULL: none on disk */
	const char *mail_files; /* mail files if elsewhere than files_dir, NULL: files_dir */
	bool dry_run;           /* count what would go, change nothing (rolled back) */
	int batch;              /* cases looked at per transaction, 0: 200 */
};

/* What a run did (or, dry, would do). Counts only: never the content. */
struct retention_stats {
	int64_t scanned;   /* cases looked at */
	int64_t cases;     /* cases anonymized */
	int64_t held;      /* cases past their period kept by a legal hold */
	int64_t citizens;  /* citizens deleted, left without cases */
	int64_t history;   /* case history values blanked */
	int64_t handovers; /* handovers whose texts were blanked */
	int64_t mails;     /* e-mails (in and out) whose addresses, subject and body were blanked */
	int64_t files;     /* e-mail files, attachments and recordings removed from disk */
	int64_t attachments; /* attachments removed (rows) */
	int64_t recordings;  /* call records whose caller and recording were removed */
};

/* Where a run stands between batches: the last case looked at, in the order of the
 * cases' age. Zeroed to start. */
struct retention_cursor {
	int64_t received_at, id;
	bool done; /* no case is left to look at */
};

/* The oldest moment a case closed `months` calendar months before `now` may have been
 * closed at and still be kept: Stockholm midnight of that day. */
int64_t retention_cutoff(int64_t now, int months);

/* One batch (opts->batch cases, one transaction, on the loop it holds the loop for a few
 * ms): anonymizes every closed case in it whose period has run out, unless held, and deletes
 * the citizens it leaves without cases; each in the audit log. Files are removed after
 * the commit. Adds to *st and advances *cur; cur->done when nothing is left. */
int retention_batch(struct db *db, const struct retention_opts *opts, int64_t now,
                    struct retention_cursor *cur, struct retention_stats *st);
/* Batches until done (the command line). */
int retention_run(struct db *db, const struct retention_opts *opts, int64_t now,
                  struct retention_stats *st);

/* A legal hold on a case or (case_id 0) a citizen, with why: *id. ENOENT (no such case or
 * citizen), EBADMSG (no reason), EPERM (only managers and admins). Audited. */
int retention_hold_set(struct db *db, const struct principal *who, int64_t case_id,
                       int64_t citizen_id, const char *reason, int64_t now, int64_t *id);
/* Release a hold: ENOENT when there is no such hold in force. Audited. */
int retention_hold_release(struct db *db, const struct principal *who, int64_t hold_id,
                           int64_t now);
/* A case's hold over HTTP: EEXIST when the case is held already, else as
 * retention_hold_set. */
int retention_hold_case(struct db *db, const struct principal *who, int64_t case_id,
                        const char *reason, int64_t now, int64_t *id);
/* Release every hold in force on case `case_id`: ENOENT when the case has none (or there is
 * no such case), EPERM as retention_hold_release. Audited, one entry per hold. */
int retention_hold_release_case(struct db *db, const struct principal *who, int64_t case_id,
                                int64_t now);
/* The holds in force as [{"id","case_id","citizen_id","reason","set_by","set_at"}]. */
int retention_holds(struct db *db, json_t **items);

/* Registerutdrag: everything Lotsen holds about citizen `id` — the citizen, every case with
 * its history, handovers, e-mails, attachments (listed), call records and survey answers,
 * the legal holds, and the audit log's entries about reads of them. Only reads (runs on a
 * read-only connection); ENOENT, EPERM (managers and admins only). The caller audits with
 * citizen_export_audit on the loop. */
int citizen_export(struct db *db, const struct principal *who, int64_t id, int64_t now,
                   json_t **out);
int citizen_export_audit(struct db *db, const struct principal *who, int64_t id, int64_t now,
                         const char *how);

#endif
