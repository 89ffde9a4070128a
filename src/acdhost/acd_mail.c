/* E-mail items in the hosted queue: queued when intake stores a message that needs an
 * answer, rebuilt at start, taken, released and finished for the desk. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acdhost/acd_host.h"
#include "acdhost/acd_host_int.h"
#include "acdhost/acd_mail_int.h"
#include "base/calendar.h"
#include "base/log.h"
#include "store/db.h"

#define QUEUE_MAX 500 /* items a queue view lists */

/* The end (Stockholm midnight) of the answer target's last working day. */
static int64_t due_of(struct db *db, int64_t group, int64_t arrived_ms)
{
	struct local_time lt;
	struct date d, next;
	int64_t t;

	calendar_local_from_utc(arrived_ms / 1000, &lt);
	calendar_add_working_days(&lt.date, acd_mail_store_answer_days(db, group), &d);
	calendar_add_days(&d, 1, &next);
	if (calendar_local_to_utc(&next, 0, 0, &t) != 0)
		return arrived_ms + 24 * 3600 * 1000LL;
	return t * 1000;
}

static int engine_arrive(struct acd_host *h, const struct acd_mail_row *r, int64_t now,
                         bool restored)
{
	struct acd_mail_in in = {.group = (uint32_t)r->group,
	                         .ref = (uint64_t)r->id,
	                         .arrived_ms = r->arrived_ms,
	                         .due_ms = r->due_ms,
	                         .restored = restored,
	                         .taken_before = r->taken_before};
	int err;

	if (!acd_host_has_group(h, (uint32_t)r->group)) {
		log_warn("acd.mail", "item=%lld group=%lld error=\"group not in the queue\"",
		         (long long)r->id, (long long)r->group);
		return 0; /* kept in the database; a reload of groups does not bring it back yet */
	}
	err = acd_mail_arrive(acd_host_engine(h, now), now, &in);
	return err == EEXIST ? 0 : err;
}

struct pending_ctx {
	struct acd_host *h;
	int64_t now;
	bool restored;
};

/* A case that needs an answer: queue its item unless one is open. */
static int pending_h(const struct acd_mail_pending *p, void *arg)
{
	struct pending_ctx *c = arg;
	struct db *db = acd_host_db(c->h);
	struct acd_mail_row r;
	int err = acd_mail_store_open_of_case(db, p->case_id, &r);

	if (err == 0) {
		/* Held by an agent, or waiting already (at start: not yet in the engine). */
		if (r.agent || !c->restored)
			return 0;
		return engine_arrive(c->h, &r, c->now, true);
	}
	if (err != ENOENT)
		return err;
	memset(&r, 0, sizeof(r));
	r.case_id = p->case_id;
	r.message_id = p->message_id;
	r.group = p->group;
	r.arrived_ms = p->received_s * 1000;
	r.due_ms = due_of(db, p->group, r.arrived_ms);
	err = acd_mail_store_insert(db, &r);
	if (!err)
		err = engine_arrive(c->h, &r, c->now, false);
	return err;
}

static int channels_h(uint32_t user, unsigned channels, void *arg)
{
	int err = acd_agent_channels(arg, user, channels);

	return err == ENOENT ? 0 : err; /* not an agent of any group now */
}

int acd_mail_host_channels(struct acd_host *h)
{
	return acd_mail_store_channels_each(acd_host_db(h), channels_h,
	                                    acd_host_engine(h, INT64_MIN));
}

/* Open items collected at start (statements are not stepped while rows change). */
struct open_ctx {
	int64_t *ids;
	size_t n, cap;
};

static int open_h(const struct acd_mail_row *r, void *arg)
{
	struct open_ctx *c = arg;

	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 64;
		int64_t *p = realloc(c->ids, nc * sizeof(*p));
		if (!p)
			return ENOMEM;
		c->ids = p;
		c->cap = nc;
	}
	c->ids[c->n++] = r->case_id;
	return 0;
}

static int found_h(const struct acd_mail_pending *p, void *arg)
{
	(void)p;
	*(bool *)arg = true;
	return 0;
}

int acd_mail_host_start(struct acd_host *h, int64_t now_ms)
{
	struct db *db = acd_host_db(h);
	struct pending_ctx pc = {.h = h, .now = now_ms, .restored = true};
	struct open_ctx oc = {0};
	size_t queued = 0;
	int err = acd_mail_host_channels(h);

	if (err)
		return err;
	err = db_begin(db);
	if (err)
		return err;
	/* Items whose case was answered or closed while the server was down are done. */
	err = acd_mail_store_open_each(db, open_h, &oc);
	for (size_t i = 0; !err && i < oc.n; i++) {
		bool found = false;
		struct acd_mail_row r;

		err = acd_mail_store_pending_case(db, oc.ids[i], found_h, &found);
		if (!err && !found && acd_mail_store_open_of_case(db, oc.ids[i], &r) == 0)
			err = acd_mail_store_done(db, r.id, now_ms);
	}
	free(oc.ids);
	/* Mail imported while the server was down has no item yet: it gets one now. */
	if (!err)
		err = acd_mail_store_pending_each(db, pending_h, &pc);
	if (!err)
		err = db_commit(db);
	else
		db_rollback(db);
	if (!err) {
		uint32_t ids[512];
		size_t n = acd_host_groups(h, ids, 512);
		for (size_t i = 0; i < n && i < 512; i++)
			queued += acd_mail_waiting(acd_host_engine(h, now_ms), ids[i], NULL, 0);
		log_info("acd.mail.start", "waiting=%zu", queued);
		err = acd_host_flush(h, now_ms);
	}
	return err;
}

void acd_host_mail_stored(int64_t case_id, int64_t message_row, void *arg)
{
	struct acd_host *h = arg;
	int64_t now = acd_now_ms();
	struct pending_ctx pc = {.h = h, .now = now, .restored = false};
	int err;

	(void)message_row;
	if (!h)
		return;
	err = acd_mail_store_pending_case(acd_host_db(h), case_id, pending_h, &pc);
	if (err)
		log_error("acd.mail", "case=%lld error=%d", (long long)case_id, err);
	acd_host_flush(h, now);
}

int acd_host_mail_catch_up(struct acd_host *h, int64_t now_ms)
{
	struct db *db = acd_host_db(h);
	struct pending_ctx pc = {.h = h, .now = now_ms, .restored = false};
	int err = db_begin(db);

	if (err)
		return err;
	err = acd_mail_store_pending_each(db, pending_h, &pc);
	if (!err)
		err = db_commit(db);
	else
		db_rollback(db);
	return err ? err : acd_host_flush(h, now_ms);
}

int acd_host_mail_answered(struct acd_host *h, int64_t case_id, int64_t now_ms)
{
	struct db *db = acd_host_db(h);
	struct acd_mail_row r;
	int err = acd_mail_store_open_of_case(db, case_id, &r);

	if (err)
		return err == ENOENT ? 0 : err;
	err = acd_mail_store_done(db, r.id, now_ms);
	if (err)
		return err;
	err = acd_mail_done(acd_host_engine(h, now_ms), now_ms, (uint64_t)r.id);
	if (err && err != ENOENT)
		return err;
	return acd_host_flush(h, now_ms);
}

/* The stored item, checked for an agent acting on it. */
static int item_for(struct acd_host *h, int64_t item, uint32_t agent, struct acd_mail_row *r)
{
	int err = item > 0 ? acd_mail_store_get(acd_host_db(h), item, r) : ENOENT;

	if (err)
		return err;
	if (r->done)
		return EALREADY;
	if (!acd_mail_store_is_member(acd_host_db(h), agent, r->group))
		return EACCES;
	return 0;
}

int acd_host_mail_take(struct acd_host *h, int64_t item, uint32_t agent, int64_t now_ms)
{
	struct acd_mail_row r;
	int err = item_for(h, item, agent, &r);

	if (err)
		return err;
	if (r.agent)
		return r.agent == agent ? 0 : EBUSY;
	err = acd_mail_take(acd_host_engine(h, now_ms), now_ms, (uint64_t)item, agent);
	if (err == ENOENT)
		return EPERM; /* the agent has no place in the queue (no group loaded) */
	if (!err)
		err = acd_mail_store_hold(acd_host_db(h), item, agent, now_ms);
	if (!err)
		err = acd_host_flush(h, now_ms);
	return err;
}

int acd_host_mail_release(struct acd_host *h, int64_t item, uint32_t agent, int64_t now_ms)
{
	struct acd *eng = acd_host_engine(h, now_ms);
	struct acd_mail_info mi;
	struct acd_mail_row r;
	int err = item_for(h, item, agent, &r);

	if (err)
		return err;
	if (acd_mail_info(eng, (uint64_t)item, &mi) == 0) {
		if (!mi.agent)
			return EPERM; /* waiting: nothing to put back */
		if (mi.agent != agent)
			return EACCES;
		err = acd_mail_release(eng, now_ms, (uint64_t)item);
		if (!err && r.agent)
			err = acd_mail_store_hold(acd_host_db(h), item, 0, now_ms);
	} else if (r.agent == agent) {
		/* Held since before a restart: the engine does not know it; it waits again. */
		err = acd_mail_store_hold(acd_host_db(h), item, 0, now_ms);
		if (!err) {
			r.agent = 0;
			r.taken_before = true;
			err = engine_arrive(h, &r, now_ms, true);
		}
	} else {
		return r.agent ? EACCES : EPERM;
	}
	if (!err)
		err = acd_host_flush(h, now_ms);
	return err;
}

static json_t *ms_or_null(int64_t ms)
{
	return ms ? acd_ms_time(ms) : json_null();
}

static int item_json(struct acd_host *h, const struct acd_mail_row *r, int64_t now_ms, json_t **out)
{
	struct acd_mail_info mi;
	const char *state = "waiting";
	int64_t agent = r->agent;
	int position = 0;
	json_t *o;
	int err = acd_mail_store_view(acd_host_db(h), r, &o);

	if (err)
		return err;
	if (r->done) {
		state = "done";
	} else if (acd_mail_info(acd_host_engine(h, now_ms), (uint64_t)r->id, &mi) == 0) {
		state = mi.taken ? "taken" : mi.agent ? "offered" : "waiting";
		agent = mi.agent;
		position = mi.position;
	} else if (r->agent) {
		state = "taken";
	}
	json_object_set_new(o, "state", json_string(state));
	json_object_set_new(o, "agent_id", agent ? json_integer(agent) : json_null());
	json_object_set_new(o, "position", position ? json_integer(position) : json_null());
	json_object_set_new(o, "arrived_at", ms_or_null(r->arrived_ms));
	json_object_set_new(o, "due_at", ms_or_null(r->due_ms));
	json_object_set_new(o, "overdue", json_boolean(!r->done && now_ms > r->due_ms));
	json_object_set_new(o, "waited_s", json_integer((now_ms - r->arrived_ms) / 1000));
	json_object_set_new(o, "taken_at", ms_or_null(r->taken_ms));
	*out = o;
	return 0;
}

int acd_mail_host_item_json(struct acd_host *h, int64_t item, int64_t now_ms, json_t **out)
{
	struct acd_mail_row r;
	int err = acd_mail_store_get(acd_host_db(h), item, &r);

	return err ? err : item_json(h, &r, now_ms, out);
}

int acd_host_mail_item_json(struct acd_host *h, int64_t item, int64_t now_ms, json_t **out)
{
	return acd_mail_host_item_json(h, item, now_ms, out);
}

int acd_host_mail_queue_json(struct acd_host *h, uint32_t group, int64_t now_ms, json_t **out)
{
	struct acd_mail_info *mi;
	size_t n;
	json_t *items;
	int err = 0;

	if (!acd_host_has_group(h, group))
		return ENOENT;
	mi = calloc(QUEUE_MAX, sizeof(*mi));
	if (!mi)
		return ENOMEM;
	n = acd_mail_waiting(acd_host_engine(h, now_ms), group, mi, QUEUE_MAX);
	items = json_array();
	for (size_t i = 0; !err && i < n && i < QUEUE_MAX; i++) {
		struct acd_mail_row r;
		json_t *j;

		err = acd_mail_store_get(acd_host_db(h), (int64_t)mi[i].ref, &r);
		if (!err)
			err = item_json(h, &r, now_ms, &j);
		if (!err)
			json_array_append_new(items, j);
	}
	free(mi);
	if (err) {
		json_decref(items);
		return err;
	}
	*out = json_pack("{s:i,s:o,s:I}", "group_id", (int)group, "items", items, "total",
	                 (json_int_t)n);
	return 0;
}

bool acd_host_mail_member(struct acd_host *h, int64_t user, int64_t group)
{
	return acd_mail_store_is_member(acd_host_db(h), user, group);
}

int acd_host_agent_channels(struct acd_host *h, uint32_t agent, unsigned channels)
{
	int err;

	if (!channels || (channels & ~(unsigned)ACD_CHANNELS_ALL))
		return EINVAL;
	err = acd_mail_store_channels_set(acd_host_db(h), agent, channels);
	if (err)
		return err;
	err = acd_agent_channels(acd_host_engine(h, acd_now_ms()), agent, channels);
	if (err && err != ENOENT)
		return err;
	return acd_host_flush(h, acd_now_ms());
}
