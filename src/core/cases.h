/* The case log (KCH): every contact with its group, client, category, outcome and handover. */
#ifndef LOTSEN_CORE_CASES_H
#define LOTSEN_CORE_CASES_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/auth.h"
#include "base/valid.h"

struct db;

/* What is kept in step with the case log (the report module's day rollups): called in
 * the case's own transaction with +1 after a case is logged or changed and -1 just before
 * a change, so a count moves from the old values to the new; an error rolls the change
 * back. One observer per process (set when its tables are migrated); NULL for none. */
typedef int case_observer_h(struct db *db, int64_t case_id, int sign);
void cases_set_observer(case_observer_h *h);

/* Notices: what happened to a handover is told, in the handover's own transaction, to
 * whoever sends notices (the mail module, registered by `lotsen serve`); core only keeps
 * its in-app notifications itself. An error rolls the change back, so a handler that
 * cannot send (no address, no mailbox) returns 0. NULL for none. */
enum case_notice {
	CASE_NOTICE_HANDOVER, /* a case was handed over: tell the department contact */
	CASE_NOTICE_ANSWER,   /* the department answered (or took the case over) */
	CASE_NOTICE_QUESTION, /* the department asks the center back */
};
typedef int case_notice_h(struct db *db, enum case_notice what, int64_t handover_id, int64_t now);
void cases_set_notice(case_notice_h *h);
/* Tell the registered handler (0 when there is none). */
int case_notice(struct db *db, enum case_notice what, int64_t handover_id, int64_t now);

/* Create a case from the API's JSON; the case, its citizen, handover, history, audit and
 * notifications are written in one transaction, or nothing is. `now` is epoch seconds. */
int case_create(struct db *db, const struct principal *who, const json_t *in, int64_t now,
                int64_t *id, struct verrors *v);
/* Change category, outcome, summary or flags; each change goes to the history. */
int case_update(struct db *db, const struct principal *who, int64_t id, const json_t *in,
                int64_t now, struct verrors *v);
/* The case with citizen, handovers, earlier cases and history. ENOENT, or EPERM when the
 * principal may not see it (confidential, another department). The read is audited. */
int case_get(struct db *db, const struct principal *who, int64_t id, int64_t now, json_t **out);
/* The case just made by case_create, as its creator gets it back: as case_get shows it,
 * without a second access check or a read row in the audit log (the create row, written
 * in the same transaction, records that the creator had the citizen's data). */
int case_get_created(struct db *db, const struct principal *who, int64_t id, int64_t now,
                     json_t **out);

/* Search filters; zero/NULL fields are not applied. */
struct case_query {
	int64_t group_id, client_id, category_id, citizen_id, agent_id;
	const char *outcome, *channel; /* outcome "none": not yet handled (outcome NULL) */
	const char *status;     /* one of case_statuses, or "active" (every one but closed) */
	int64_t client_unit_id; /* the department's sub-unit named on the case */
	const char *text;       /* words in the summary or the citizen's name, each
	                           matched by its stem (Swedish) */
	int64_t from, to;       /* received_at range [from, to) */
	const char *personal_id, *phone; /* find the citizen first */
	bool threat;                     /* only threat-flagged cases */
	int64_t after_at, after_id;      /* the cursor: only cases older than (received_at, id);
	                                    after_id 0 = from the newest */
	int64_t limit, offset;
	int64_t budget_ms; /* work budget; 0: CASE_SEARCH_WORK_MS, < 0: none */
	bool count_all;    /* count past CASE_COUNT_MAX (a citizen's cases: few) */
};
/* The count of a search stops here: *total is CASE_COUNT_MAX + 1 when more cases match.
 * Counting further would read every matching case. */
#define CASE_COUNT_MAX 1000
/* Skipping rows costs as much as reading them: deeper pages go by the cursor. */
#define CASE_OFFSET_MAX 1000
/* A search that does more work than this (ms of the reading thread's CPU time, on SQLite)
 * stops: ETIMEDOUT, it is too broad. One that takes longer than CASE_SEARCH_WAIT_MS in all
 * (a busy machine or database server, a cold disk) stops too: EAGAIN, ask again. Every
 * search the indexes serve takes a few ms (docs/benchmarks.md). */
#define CASE_SEARCH_WORK_MS 250
#define CASE_SEARCH_WAIT_MS 3000
/* Cases newest first (received_at, then id). EBADMSG when `text` holds no word to search
 * for (stop words and one-letter words are not indexed); ETIMEDOUT or EAGAIN when the
 * search ran over its budget (above). Only reads (it may run on a read-only connection off the
 * loop): the audit rows a search leaves are written by case_search_audit afterwards, on
 * the writing connection. */
int case_search(struct db *db, const struct principal *who, const struct case_query *q, int64_t now,
                json_t **items, int64_t *total);
/* The audit log's rows for a search done (a citizen looked up, threat-flagged cases
 * listed). */
void case_search_audit(struct db *db, const struct principal *who, const struct case_query *q,
                       int64_t now);
/* The opaque cursor of a search's `after`: URL-safe base64 of "received_at:id". */
#define CASE_CURSOR_MAX 48
int case_cursor_encode(int64_t received_at, int64_t id, char out[CASE_CURSOR_MAX]);
/* EBADMSG when `s` is not such a cursor. */
int case_cursor_decode(const char *s, int64_t *received_at, int64_t *id);

/* A citizen's name, phone, e-mail and personnummer, or the cases of a citizen. A citizen
 * is seen only through a case the principal may read (managers and admins see all):
 * ENOENT if there is no such citizen, EPERM (and a read_denied row in the audit log) if
 * it is hidden. The read is audited. */
int case_citizen_get(struct db *db, const struct principal *who, int64_t id, int64_t now,
                     json_t **out);
/* The citizen's cases the principal may see, newest first, one page of them. */
int case_citizen_cases(struct db *db, const struct principal *who, int64_t id, int64_t now,
                       int64_t limit, int64_t offset, json_t **items, int64_t *total);

/* Hand a case over to a department contact (sets outcome handed_over). */
int case_handover(struct db *db, const struct principal *who, int64_t case_id, const json_t *in,
                  int64_t now, int64_t *handover_id, struct verrors *v);
/* The department's answer ({answer, via, close, citizen_informed}). It ends the handover:
 * the case goes back to the center (status open) or, with close true, is closed with the
 * answer as its reason. `via` "phone" is staff recording an answer given by phone (only
 * staff may); a department answers "web" (the default). EEXIST when the handover is no
 * longer waiting for the department (answered, taken over, closed) or its case is closed. */
int handover_answer(struct db *db, const struct principal *who, int64_t id, const json_t *in,
                    int64_t now, struct verrors *v);
/* The department asks the center back ({question}): the handover waits for the center
 * (status question) and the case is open again; EEXIST when it is not waiting for the
 * department. */
int handover_question(struct db *db, const struct principal *who, int64_t id, const json_t *in,
                      int64_t now, struct verrors *v);
/* The center's reply to a question ({reply}, staff who may change the case): the handover
 * waits for the department again. EEXIST when no question is open. */
int handover_reply(struct db *db, const struct principal *who, int64_t id, const json_t *in,
                   int64_t now, struct verrors *v);
/* The department takes the case over ({text}): the handover ends as taken_over and the case
 * leaves the center (closed, with the text as reason). EEXIST as for handover_answer. */
int handover_takeover(struct db *db, const struct principal *who, int64_t id, const json_t *in,
                      int64_t now, struct verrors *v);
/* The case a handover belongs to; ENOENT if there is no such handover. */
int handover_case(struct db *db, int64_t id, int64_t *case_id);
/* Which handovers handover_list gives: client_id and group_id (of the case) narrow the list
 * when not 0; `limit` handovers after skipping `offset` of those the reader may see. */
struct handover_query {
	int64_t client_id, group_id;
	bool overdue, open_only; /* open: waiting for the department or for the center */
	const char *status;      /* one handover status, or NULL */
	int64_t client_unit_id;  /* the department's sub-unit, or 0 */
	int64_t limit, offset;
};
/* Open (or only overdue) handovers, a client viewer's own department only; *total counts
 * every one the reader may see. */
int handover_list(struct db *db, const struct principal *who, const struct handover_query *q,
                  int64_t now, json_t **items, int64_t *total);

/* ======================================================================
 * The case's life: status, version (ETag), what has waited longest
 * ====================================================================== */

/* open, waiting_for_department, waiting_for_citizen, closed; NULL-terminated. */
extern const char *const case_statuses[];
/* How the citizen was told the case was closed: phone, email, letter, visit. */
extern const char *const case_informed_ways[];
/* Whether POST /cases/{id}/status may move a case from `from` to `to` (pure): 0; EALREADY
 * when it is in `to` already; ENOTSUP when a closed case is to go anywhere but open (it is
 * reopened first); EINVAL when `to` is no status set by hand (waiting_for_department comes
 * with a handover). */
int case_status_check(const char *from, const char *to);
/* Set the status by hand ({status, reason, citizen_informed}): reason is required to close;
 * closing withdraws the handovers still waiting for the department. Errors as
 * case_status_check (EALREADY, ENOTSUP), EBADMSG with field errors, ENOENT, EPERM. */
int case_set_status(struct db *db, const struct principal *who, int64_t id, const json_t *in,
                    int64_t now, struct verrors *v);
/* Write a status change with its history rows (inside the caller's transaction). `reason`
 * and `informed` may be NULL; closing records closed_at/by. */
int case_status_write(struct db *db, int64_t case_id, int64_t user_id, int64_t now,
                      const char *status, const char *reason, const char *informed);
/* The case's version: it grows with every change of the case (its ETag); ENOENT. */
int case_version(struct db *db, int64_t id, int64_t *version);
/* The cases that are not closed, the one whose status is oldest first: what has waited
 * longest (the lead view). Only cases the principal may read. */
int case_waiting_list(struct db *db, const struct principal *who, int64_t now, int64_t limit,
                      json_t **items);
/* A case history row (inside the caller's transaction). */
int case_history_add(struct db *db, int64_t case_id, int64_t at, int64_t user, const char *field,
                     const char *old_v, const char *new_v);
/* Tell the agent who logged the case (if any) what happened to it (a notification). */
int case_notify_agent(struct db *db, int64_t case_id, const char *kind, const char *message,
                      int64_t now);

/* One count of cases: outcome, and for case_count_received channel and threat flag too
 * (channel NULL and threat false for case_count_logged). A non-zero return stops. */
typedef int(case_count_h)(const char *outcome, const char *channel, bool threat, int64_t n,
                          void *arg);
/* The cases an agent logged with created_at in [from, to) (whenever the contact arrived),
 * per outcome. Cases not yet handled (no outcome) are not counted. */
int case_count_logged(struct db *db, int64_t agent_id, int64_t from, int64_t to, case_count_h *h,
                      void *arg);
/* The cases received in [from, to) by a group (0: every group), per outcome, channel and
 * threat flag. Counts only: confidential cases are counted too; cases not yet handled (no
 * outcome: Tyck till, e-mail waiting for an agent) are not. */
int case_count_received(struct db *db, int64_t group_id, int64_t from, int64_t to, case_count_h *h,
                        void *arg);

/* A user's notifications (a case handed over to them, a threat …), newest first: one page
 * of them as [{"id","kind","case_id","message","created_at","read"}] and how many there
 * are. */
int notification_list(struct db *db, int64_t user_id, int64_t limit, int64_t offset, json_t **items,
                      int64_t *total);
/* Mark a notification of the user read at `now`; ENOENT when the user has no such one. */
int notification_read(struct db *db, int64_t user_id, int64_t id, int64_t now);

#endif
