/* Workforce management's tables and reads: shifts, breaks, meetings and absence
 * (module "wfm" migrations), the groups' staffing targets, and the queue's history read
 * back for the forecast (offered contacts per interval, closed days by the group's
 * opening hours), handle time and patience, the day's actuals and logged-in agents.
 * All SQL of wfm/ is here; the maths is in forecast.c, staffing.c and schedule.c. */
#ifndef LOTSEN_WFM_WFM_STORE_H
#define LOTSEN_WFM_WFM_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "wfm/forecast.h"
#include "wfm/schedule.h"
#include "wfm/staffing.h"

struct db;

#define WFM_MAX_BREAKS 8

/* What a schedule entry is. */
enum wfm_kind {
	WFM_SHIFT = 0, /* an agent works the group's phones */
	WFM_MEETING,   /* a meeting (APT): of one agent, or of the whole group (user 0) */
	WFM_SICK,      /* absence */
	WFM_VACATION,
	WFM_TRAINING,
	WFM_KINDS
};
const char *wfm_kind_name(enum wfm_kind k);
/* -1 when unknown. */
int wfm_kind_parse(const char *s);

/* One entry of a schedule, times in seconds since the epoch. */
struct wfm_entry {
	int64_t id;         /* 0 before it is stored */
	enum wfm_kind kind; /* shift, meeting, absence */
	int64_t user;       /* users.id; 0 = the whole group (meetings only) */
	int64_t group;      /* groups.id */
	int64_t from, to;   /* to > from */
	int n_breaks;       /* breaks within a shift */
	struct sched_span breaks[WFM_MAX_BREAKS];
	bool closes_group; /* a meeting that closes the group's queue (a closure) */
	int64_t closure;   /* closures.id it created, 0 if none */
	char note[201];    /* free text, may be empty */
};

int wfm_store_migrate(struct db *db);

/* ---- schedule entries -------------------------------------------------------------- */

/* Insert e (e->id set); a meeting that closes the group creates its closure (reason
 * "Möte: <note>"). Joins the caller's transaction. */
int wfm_entry_insert(struct db *db, struct wfm_entry *e);
/* Replace entry e->id with e (its closure follows). ENOENT when there is none. */
int wfm_entry_update(struct db *db, struct wfm_entry *e);
/* Delete entry id and its closure. ENOENT when there is none. */
int wfm_entry_delete(struct db *db, int64_t id);
int wfm_entry_get(struct db *db, int64_t id, struct wfm_entry *e);
/* The entry as the API shows it (a new reference). */
json_t *wfm_entry_json(const struct wfm_entry *e);
/* Entries of `group` (0: all groups) meeting [from, to), only those of `user` and the
 * group meetings when user > 0, ordered by start: a JSON array (new reference). */
int wfm_entries_json(struct db *db, int64_t group, int64_t user, int64_t from, int64_t to,
                     json_t **out);
/* Delete every entry of `group` starting in [from, to) (PUT of a week). */
int wfm_entries_clear(struct db *db, int64_t group, int64_t from, int64_t to);
/* The id of a shift of e->user other than e->id overlapping e (any group), 0 if none. */
int wfm_shift_overlapping(struct db *db, const struct wfm_entry *e, int64_t *id);

/* ---- people ------------------------------------------------------------------------ */

bool wfm_user_exists(struct db *db, int64_t user);
bool wfm_group_exists(struct db *db, int64_t group);
/* users.id is a member of the group (user_groups). */
bool wfm_is_member(struct db *db, int64_t user, int64_t group);
/* The group's members with their skill level: [{user_id, display_name, role, skill}]. */
int wfm_members_json(struct db *db, int64_t group, json_t **out);

/* ---- coverage ---------------------------------------------------------------------- */

/* Shifts and time off of `group` meeting [from, to), for schedule_coverage: *shifts and
 * *off are allocated (free them). Time off: breaks, meetings (user 0 = everyone),
 * absence. */
int wfm_spans(struct db *db, int64_t group, int64_t from, int64_t to, struct sched_span **shifts,
              int *n_shifts, struct sched_span **off, int *n_off);
/* Agent-seconds scheduled on the phones in [from, to), one group or all (0). */
int wfm_scheduled_seconds(struct db *db, int64_t group, int64_t from, int64_t to, double *out);

/* ---- the queue's history ----------------------------------------------------------- */

/* The group's offered contacts per interval (slots a day, 1440/slots minutes, local
 * time) from the day of its first rollup up to the day before `before_day`: h->calls and
 * h->open are allocated (free them). A day is open when the group's opening hours open
 * it (without hours: when it had rows). ENOENT: no history. */
int wfm_history(struct db *db, int64_t group, int64_t before_day, int slots,
                struct forecast_history *h);
/* Staffing parameters of the group: targets from its settings (defaults: 85 % within
 * 60 s, shrinkage 0.15, occupancy ≤ 0.85), handle time and patience from the last 8
 * weeks of its history before `now` (else the group's aht_s, else 240 s; patience 120 s). */
int wfm_group_params(struct db *db, int64_t group, int64_t now, int slot_min,
                     struct staffing_params *p);
/* The group's stored targets into p's target_sl, target_time_s, shrinkage and
 * max_occupancy; *stored false (p untouched) when the group has none. */
int wfm_targets_get(struct db *db, int64_t group, struct staffing_params *p, bool *stored);
/* Store the group's targets (insert or replace). */
int wfm_targets_put(struct db *db, int64_t group, const struct staffing_params *p);
/* Per interval of slot_min minutes from `from` (epoch s), `slots` of them: offered,
 * answered within 60 s (of those offered), and the members' logged-in agents (average
 * over the interval). Arrays of `slots`. */
int wfm_actuals(struct db *db, int64_t group, int64_t from, int slots, int slot_min,
                double *offered, double *answered_60, double *logged_in);

#endif
