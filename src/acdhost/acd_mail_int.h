/* E-mail in the queue, what the host's files share: the tables (acd_mail_store.c) and
 * the host's hooks (acd_mail.c) that acd_host.c calls at start, reload, flush, rollups. */
#ifndef LOTSEN_ACDHOST_ACD_MAIL_INT_H
#define LOTSEN_ACDHOST_ACD_MAIL_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "acd/acd.h"

struct acd_host;
struct acd_stats;
struct db;

/* ---- acd_mail_store.c ---- */
int acd_mail_store_migrate(struct db *db);

typedef int(acd_mail_channels_h)(uint32_t user, unsigned channels, void *arg);
int acd_mail_store_channels_set(struct db *db, int64_t user, unsigned channels);
int acd_mail_store_channels_each(struct db *db, acd_mail_channels_h *h, void *arg);
bool acd_mail_store_is_member(struct db *db, int64_t user, int64_t group);
/* The group's answer target in working days (1 when not set). */
int acd_mail_store_answer_days(struct db *db, int64_t group);

/* One acd_mail_items row. */
struct acd_mail_row {
	int64_t id;
	int64_t case_id;
	int64_t message_id; /* the newest unanswered incoming message when queued */
	int64_t group;
	int64_t arrived_ms;
	int64_t due_ms;
	int64_t agent; /* holding it; 0: waiting (or offered) */
	int64_t taken_ms;
	bool taken_before;
	bool done;
};
int acd_mail_store_get(struct db *db, int64_t id, struct acd_mail_row *out); /* ENOENT */
int acd_mail_store_open_of_case(struct db *db, int64_t case_id, struct acd_mail_row *out);
int acd_mail_store_insert(struct db *db, struct acd_mail_row *r); /* sets r->id */
/* agent 0: back to waiting (taken_before is then set). */
int acd_mail_store_hold(struct db *db, int64_t id, int64_t agent, int64_t now_ms);
int acd_mail_store_done(struct db *db, int64_t id, int64_t now_ms);
typedef int(acd_mail_row_h)(const struct acd_mail_row *r, void *arg);
int acd_mail_store_open_each(struct db *db, acd_mail_row_h *h, void *arg);

/* An e-mail case that needs an answer. */
struct acd_mail_pending {
	int64_t case_id;
	int64_t group;
	int64_t message_id; /* newest incoming (not automatic) message */
	int64_t received_s; /* first incoming message after the last answer */
};
typedef int(acd_mail_pending_h)(const struct acd_mail_pending *p, void *arg);
int acd_mail_store_pending_each(struct db *db, acd_mail_pending_h *h, void *arg);
int acd_mail_store_pending_case(struct db *db, int64_t case_id, acd_mail_pending_h *h, void *arg);
/* {item_id, case_id, message_id, group_id, subject, from, from_name}: a new reference. */
int acd_mail_store_view(struct db *db, const struct acd_mail_row *r, json_t **out);
int acd_mail_store_rollups(struct db *db, const struct acd_stats *st, int64_t from_ms);

/* ---- acd_mail.c: called by acd_host.c ---- */
struct db *acd_host_db(struct acd_host *h);
/* At start, after groups and agents: channels, then the waiting items from the database. */
int acd_mail_host_start(struct acd_host *h, int64_t now_ms);
/* After a reload of agents: their channels again. */
int acd_mail_host_channels(struct acd_host *h);
/* The item as the desk and the event stream show it (new reference). */
int acd_mail_host_item_json(struct acd_host *h, int64_t item, int64_t now_ms, json_t **out);

static inline bool acd_mail_action(enum acd_action_kind k)
{
	return k == ACD_ACT_MAIL_OFFER || k == ACD_ACT_MAIL_CANCEL;
}

static inline bool acd_mail_event(enum acd_event_kind k)
{
	return k >= ACD_EV_MAIL_QUEUED && k <= ACD_EV_MAIL_DONE;
}

#endif
