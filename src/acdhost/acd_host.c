/* The queue engine hosted in the server: clock, configuration, event log, rollups, timers,
 * listeners. */
#include "acdhost/acd_host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <re_types.h>
#include <re_list.h>
#include <re_tmr.h>

#include "acdhost/acd_host_int.h"
#include "acdhost/acd_store.h"
#include "acdhost/acd_mail_int.h"
#include "acd/acd_stats.h"
#include "base/log.h"
#include "base/calendar.h"
#include "base/hours.h"
#include "store/batch.h"
#include "store/db.h"

#define DAY_MS (24 * 3600 * 1000LL)
/* Rollups are written for the last 25 hours: no call stays in the queue longer (a
 * callback gives up after its last attempt), so older rows are final. */
#define ROLLUP_WINDOW_MS (25 * 3600 * 1000LL)
#define SHORT_ABANDON_MS 5000
#define MAX_DIRTY        256

struct hosted_group {
	uint32_t id;                  /* groups.id */
	char name[121];               /* for snapshots */
	struct hours *hours;          /* owned; the engine borrows it */
	struct acd_closure *closures; /* owned copy (the engine copies too) */
	int n_closures;
};

/* Calls of one group since the server started, for GET /metrics (monotonic counters). */
struct group_count {
	uint32_t group;
	uint64_t offered, answered, abandoned;
};

struct listener {
	acd_note_h *fn;
	void *arg;
};

struct acd_host {
	struct db *db;               /* borrowed: the loop's connection */
	struct acd *engine;          /* owned */
	struct acd_stats *stats;     /* owned: rollups of the recent past and live calls */
	int64_t call_base;           /* external id = call_base + engine id */
	struct hosted_group *groups; /* as loaded last */
	size_t ngroups;
	struct listener listeners[ACD_HOST_LISTENERS];
	struct tmr tmr;  /* the engine's next deadline */
	struct tmr roll; /* rollups written every 15 minutes */
	uint32_t dirty_groups[MAX_DIRTY];
	size_t ndirty_groups;
	uint32_t dirty_agents[MAX_DIRTY];
	size_t ndirty_agents;
	bool flushing;              /* guards against a listener feeding the engine re-entrantly */
	struct group_count *counts; /* per group ever seen in an event since start (owned) */
	size_t ncounts, capcounts;
	struct db_batch *batch; /* borrowed: the loop's group commit, or NULL */
	acd_fence_h *fence;     /* checked before events are stored, NULL: none */
	void *fence_arg;
};

int64_t acd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ======================================================================
 * Configuration from the database
 * ====================================================================== */

static void free_groups(struct hosted_group *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		hours_free(g[i].hours);
		free(g[i].closures);
	}
	free(g);
}

/* The group being loaded: the new array and what failed on the way. */
struct load_ctx {
	struct acd_host *h;
	int64_t now_ms;
	struct hosted_group *gs;
	size_t n, cap;
};

static int group_row_h(const struct acd_store_group *row, void *arg)
{
	struct load_ctx *c = arg;
	struct acd_group_cfg cfg = row->cfg;
	struct hosted_group *g;
	char herr[200];
	json_t *hj = NULL;
	int err;

	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 16;
		struct hosted_group *p = realloc(c->gs, nc * sizeof(*p));
		if (!p)
			return ENOMEM;
		c->gs = p;
		c->cap = nc;
	}
	g = &c->gs[c->n];
	memset(g, 0, sizeof(*g));
	g->id = cfg.id;
	snprintf(g->name, sizeof(g->name), "%s", row->name);
	c->n++;
	if (row->hours)
		hj = json_loads(row->hours, 0, NULL);
	if (!row->active) {
		/* An inactive group takes no calls: closed all week, holidays too. */
		json_t *closed = json_pack("{s:{},s:s}", "weekly", "holidays", "closed");
		json_decref(hj);
		hj = closed;
	}
	if (hj && hours_parse(&g->hours, hj, herr, sizeof(herr)) != 0) {
		log_warn("acd.hours", "group=%u error=\"%s\" action=always_open", g->id, herr);
		g->hours = NULL;
	}
	json_decref(hj);
	err = acd_store_closures(c->h->db, g->id, c->now_ms, &g->closures, &g->n_closures);
	if (err)
		return err;
	cfg.hours = g->hours;
	cfg.closures = g->closures;
	cfg.n_closures = g->n_closures;
	err = acd_group_set(c->h->engine, &cfg);
	if (err)
		log_error("acd.group", "group=%u error=%d", g->id, err);
	return err;
}

static int load_groups(struct acd_host *h, int64_t now_ms)
{
	struct load_ctx c = {.h = h, .now_ms = now_ms};
	struct hosted_group *old = h->groups;
	size_t nold = h->ngroups;
	int err = acd_store_groups_each(h->db, group_row_h, &c);

	if (err) {
		/* The engine may already point at some new hours: keep both sets alive. */
		if (c.gs) {
			h->groups = c.gs;
			h->ngroups = c.n;
			free_groups(old, nold);
		}
		return err;
	}
	h->groups = c.gs;
	h->ngroups = c.n;
	free_groups(old, nold);
	return 0;
}

/* One agent's memberships as they are read, handed to the engine at the next agent. */
struct agents_ctx {
	struct acd_host *h;
	struct acd_membership m[ACD_MAX_MEMBERSHIPS];
	uint32_t cur;
	int n;
};

static void agent_flush(struct agents_ctx *c)
{
	if (c->cur) {
		int e = acd_agent_set(c->h->engine, c->cur, c->m, c->n);
		if (e)
			log_warn("acd.agent", "agent=%u error=%d", c->cur, e);
	}
	c->cur = 0;
	c->n = 0;
}

static int member_row_h(const struct acd_store_member *row, void *arg)
{
	struct agents_ctx *c = arg;

	if (c->cur && row->user != c->cur)
		agent_flush(c);
	/* Agents and group leads take calls; an inactive user keeps no groups. */
	if (!row->takes_calls)
		return 0;
	c->cur = row->user;
	if (row->group && c->n < ACD_MAX_MEMBERSHIPS && acd_host_has_group(c->h, row->group)) {
		c->m[c->n].group = row->group;
		c->m[c->n].level = row->level;
		c->n++;
	}
	return 0;
}

/* One agent's languages as they are read, handed to the engine at the next agent. */
struct langs_ctx {
	struct acd_host *h;
	char l[ACD_MAX_LANGS][ACD_LANG_MAX];
	uint32_t cur;
	int n;
};

static void langs_flush(struct langs_ctx *c)
{
	const char *p[ACD_MAX_LANGS];

	for (int i = 0; i < c->n; i++)
		p[i] = c->l[i];
	/* ENOENT: a user who takes no calls (not in the engine). */
	if (c->cur && acd_agent_languages(c->h->engine, c->cur, p, c->n) == EINVAL)
		log_warn("acd.agent", "agent=%u languages=invalid", c->cur);
	c->cur = 0;
	c->n = 0;
}

static int lang_row_h(uint32_t user, const char *lang, void *arg)
{
	struct langs_ctx *c = arg;

	if (c->cur && user != c->cur)
		langs_flush(c);
	c->cur = user;
	if (c->n < ACD_MAX_LANGS)
		(void)snprintf(c->l[c->n++], ACD_LANG_MAX, "%s", lang);
	return 0;
}

static int load_agents(struct acd_host *h)
{
	struct agents_ctx c = {.h = h};
	struct langs_ctx lc = {.h = h};
	int err = acd_store_members_each(h->db, member_row_h, &c);

	agent_flush(&c);
	if (!err)
		err = acd_store_languages_each(h->db, lang_row_h, &lc);
	langs_flush(&lc);
	return err;
}

/* The member of a group ready longest, for a consultation with the group. */
struct pick_ctx {
	struct acd_host *h;
	uint32_t group, except, best;
	int64_t since;
};

static int pick_h(const struct acd_store_member *m, void *arg)
{
	struct pick_ctx *c = arg;
	struct acd_agent_info info;

	if (!m->takes_calls || m->group != c->group || m->user == c->except)
		return 0;
	if (acd_agent_info(c->h->engine, m->user, &info) == 0 && info.state == ACD_AGENT_READY &&
	    (!c->best || info.since_ms < c->since)) {
		c->best = m->user;
		c->since = info.since_ms;
	}
	return 0;
}

int acd_host_ready_agent(struct acd_host *h, uint32_t group, uint32_t except, uint32_t *agent)
{
	struct pick_ctx c = {.h = h, .group = group, .except = except};
	int err;

	*agent = 0;
	if (!acd_host_has_group(h, group))
		return ENOENT;
	err = acd_store_members_each(h->db, pick_h, &c);
	if (err)
		return err;
	*agent = c.best;
	return c.best ? 0 : EAGAIN;
}

int acd_host_agent_languages(struct acd_host *h, uint32_t agent)
{
	struct langs_ctx lc = {.h = h, .cur = agent};
	json_t *a = NULL, *v;
	size_t i;
	int err = acd_store_agent_languages(h->db, agent, &a);

	if (err)
		return err;
	json_array_foreach(a, i, v)
	{
		if (lc.n < ACD_MAX_LANGS)
			(void)snprintf(lc.l[lc.n++], ACD_LANG_MAX, "%s", json_string_value(v));
	}
	json_decref(a);
	langs_flush(&lc);
	return 0;
}

bool acd_host_has_group(const struct acd_host *h, uint32_t group)
{
	for (size_t i = 0; i < h->ngroups; i++)
		if (h->groups[i].id == group)
			return true;
	return false;
}

size_t acd_host_groups(const struct acd_host *h, uint32_t *ids, size_t max)
{
	for (size_t i = 0; i < h->ngroups && i < max; i++)
		ids[i] = h->groups[i].id;
	return h->ngroups;
}

static const struct hosted_group *group_of(const struct acd_host *h, uint32_t id)
{
	for (size_t i = 0; i < h->ngroups; i++)
		if (h->groups[i].id == id)
			return &h->groups[i];
	return NULL;
}

int acd_host_reload(struct acd_host *h, int64_t now_ms)
{
	int err = load_groups(h, now_ms);

	if (!err)
		err = load_agents(h);
	if (!err)
		err = acd_mail_host_channels(h);
	if (!err)
		err = acd_host_flush(h, now_ms); /* a closed group may now overflow its callers */
	return err;
}

/* ======================================================================
 * Flushing the engine's output
 * ====================================================================== */

static void mark(uint32_t *set, size_t *n, uint32_t id)
{
	if (!id)
		return;
	for (size_t i = 0; i < *n; i++)
		if (set[i] == id)
			return;
	if (*n < MAX_DIRTY)
		set[(*n)++] = id;
}

static struct group_count *count_of(struct acd_host *h, uint32_t group, bool add)
{
	for (size_t i = 0; i < h->ncounts; i++)
		if (h->counts[i].group == group)
			return &h->counts[i];
	if (!add || !group)
		return NULL;
	if (h->ncounts == h->capcounts) {
		size_t nc = h->capcounts ? h->capcounts * 2 : 16;
		struct group_count *p = realloc(h->counts, nc * sizeof(*p));

		if (!p)
			return NULL; /* the counters then miss this event; the rollups do not */
		h->counts = p;
		h->capcounts = nc;
	}
	h->counts[h->ncounts] = (struct group_count){.group = group};
	return &h->counts[h->ncounts++];
}

/* The counters follow the rollups' words: offered is queued while open; abandoned
 * includes short abandons (the rollups keep those apart). */
static void count_event(struct acd_host *h, const struct acd_event *ev)
{
	struct group_count *c;

	if (ev->kind != ACD_EV_CALL_QUEUED && ev->kind != ACD_EV_CALL_ANSWERED &&
	    ev->kind != ACD_EV_CALL_ABANDONED)
		return;
	c = count_of(h, ev->group, true);
	if (!c)
		return;
	if (ev->kind == ACD_EV_CALL_QUEUED)
		c->offered++;
	else if (ev->kind == ACD_EV_CALL_ANSWERED)
		c->answered++;
	else
		c->abandoned++;
}

static void tell(struct acd_host *h, enum acd_note_kind kind, uint32_t id,
                 const struct acd_action *act, const json_t *j)
{
	for (int i = 0; i < ACD_HOST_LISTENERS; i++)
		if (h->listeners[i].fn)
			h->listeners[i].fn(kind, id, act, j, h->listeners[i].arg);
}

static void engine_tmr_h(void *arg);

static void arm(struct acd_host *h, int64_t now_ms)
{
	int64_t d = acd_next_deadline(h->engine);

	if (d == INT64_MAX) {
		tmr_cancel(&h->tmr);
		return;
	}
	tmr_start(&h->tmr, d > now_ms ? (uint64_t)(d - now_ms) : 0, engine_tmr_h, h);
}

void acd_host_set_batch(struct acd_host *h, struct db_batch *b)
{
	h->batch = b;
}

void acd_host_set_fence(struct acd_host *h, acd_fence_h *fn, void *arg)
{
	h->fence = fn;
	h->fence_arg = arg;
}

int acd_host_flush(struct acd_host *h, int64_t now_ms)
{
	struct acd_event ev;
	struct acd_action act;
	bool own;
	int err = 0, nerr = 0;

	if (h->flushing)
		return 0; /* the outer flush drains what this one would */
	if (h->fence)
		h->fence(h->fence_arg);
	h->flushing = true;
	if (db_tx_depth(h->db) == 0)
		(void)db_batch_join(h->batch);
	own = db_tx_depth(h->db) == 0;
	if (own)
		err = db_begin(h->db);
	while (acd_next_event(h->engine, &ev)) {
		if (ev.call && !acd_mail_event(ev.kind))
			ev.call += (uint64_t)h->call_base; /* an e-mail item's is its own id */
		if (!err && acd_store_event(h->db, &ev) != 0)
			nerr++;
		acd_stats_add(h->stats, &ev);
		count_event(h, &ev);
		mark(h->dirty_groups, &h->ndirty_groups, ev.group);
		mark(h->dirty_groups, &h->ndirty_groups, ev.to_group);
		mark(h->dirty_agents, &h->ndirty_agents, ev.agent);
	}
	if (own && !err) {
		if (nerr) {
			db_rollback(h->db);
		} else if (db_commit(h->db) != 0) {
			nerr++;
			db_rollback(h->db);
		}
	}
	if (err || nerr)
		log_error("acd.store", "error=\"%s\" events_lost=%d", db_errmsg(h->db), nerr);
	while (acd_next_action(h->engine, &act)) {
		if (acd_mail_action(act.kind)) {
			json_t *j = NULL;

			if (acd_mail_host_item_json(h, (int64_t)act.call, now_ms, &j) == 0)
				tell(h, ACD_NOTE_MAIL, act.agent, &act, j);
			json_decref(j);
			mark(h->dirty_groups, &h->ndirty_groups, act.group);
			continue;
		}
		act.call += (uint64_t)h->call_base; /* listeners see the outside id */
		tell(h, ACD_NOTE_ACTION, act.agent, &act, NULL);
		mark(h->dirty_groups, &h->ndirty_groups, act.group);
	}
	for (size_t i = 0; i < h->ndirty_groups; i++) {
		json_t *j;
		if (acd_host_group_json(h, now_ms, h->dirty_groups[i], &j) == 0) {
			tell(h, ACD_NOTE_GROUP, h->dirty_groups[i], NULL, j);
			json_decref(j);
		}
	}
	for (size_t i = 0; i < h->ndirty_agents; i++) {
		json_t *j;
		if (acd_host_agent_json(h, now_ms, h->dirty_agents[i], &j) == 0) {
			tell(h, ACD_NOTE_AGENT, h->dirty_agents[i], NULL, j);
			json_decref(j);
		}
	}
	h->ndirty_groups = h->ndirty_agents = 0;
	arm(h, now_ms);
	h->flushing = false;
	return err ? err : nerr ? EIO : 0;
}

static void engine_tmr_h(void *arg)
{
	struct acd_host *h = arg;
	int64_t now = acd_now_ms();

	acd_timer(h->engine, now);
	acd_host_flush(h, now);
}

/* ======================================================================
 * Rollups
 * ====================================================================== */

int acd_host_store_rollups(struct acd_host *h, int64_t now_ms)
{
	bool own;
	int err;

	if (db_tx_depth(h->db) == 0)
		(void)db_batch_join(h->batch);
	own = db_tx_depth(h->db) == 0;
	err = own ? db_begin(h->db) : 0;

	acd_stats_flush(h->stats, now_ms);
	if (!err)
		err = acd_store_rollups(h->db, h->stats, now_ms - ROLLUP_WINDOW_MS);
	if (!err)
		err = acd_mail_store_rollups(h->db, h->stats, now_ms - ROLLUP_WINDOW_MS);
	if (!err)
		err = acd_store_state_set(h->db, "rollups_stored_ms", now_ms);
	if (own) {
		if (!err)
			err = db_commit(h->db);
		if (err)
			db_rollback(h->db);
	}
	if (err)
		log_error("acd.rollups", "error=\"%s\"", db_errmsg(h->db));
	/* Older rows are final and stored; the fold needs no more of them. */
	acd_stats_prune(h->stats, now_ms - 2 * ROLLUP_WINDOW_MS);
	return err;
}

static void roll_tmr_h(void *arg)
{
	struct acd_host *h = arg;
	int64_t now = acd_now_ms();

	acd_host_store_rollups(h, now);
	/* Just after the next interval boundary. */
	tmr_start(&h->roll, (uint64_t)(ACD_INTERVAL_MS - now % ACD_INTERVAL_MS + 1000), roll_tmr_h,
	          h);
}

/* Calls a stopped run left in the queue or in talk are gone with its process (the
 * callers were cut off): they end at the last moment the log shows the server alive,
 * a waiting call as abandoned, a talking one as ended, so no call stays open in the
 * statistics. Waiting callbacks are lost too; each is logged for the group lead. */
static int close_lost_calls(struct acd_host *h)
{
	struct acd_live_call lc;
	struct acd_live_call *lost = NULL;
	size_t i = 0, n = 0, cap = 0;
	int64_t last = acd_store_last_t(h->db);
	int err = 0;

	while (acd_stats_next_live(h->stats, &i, &lc)) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct acd_live_call *p = realloc(lost, nc * sizeof(*p));
			if (!p) {
				free(lost);
				return ENOMEM;
			}
			lost = p;
			cap = nc;
		}
		lost[n++] = lc;
	}
	for (i = 0; !err && i < n; i++) {
		struct acd_event ev = {.t_ms = last,
		                       .call = lost[i].call,
		                       .group = lost[i].group,
		                       .agent = lost[i].agent};
		int64_t arrived = acd_store_call_arrival(h->db, (int64_t)lost[i].call);

		if (lost[i].answered_ms >= 0) {
			ev.kind = ACD_EV_CALL_ENDED;
			ev.talk_ms = last - lost[i].answered_ms;
		} else {
			ev.kind = ACD_EV_CALL_ABANDONED;
			ev.wait_ms = arrived ? last - arrived : 0;
		}
		log_warn("acd.lost_call", "call=%llu group=%u state=%s",
		         (unsigned long long)lost[i].call, lost[i].group,
		         lost[i].answered_ms >= 0 ? "talking" : "waiting");
		err = acd_store_event(h->db, &ev);
		acd_stats_add(h->stats, &ev);
	}
	free(lost);
	return err;
}

/* Rebuild the rows a previous run may not have stored from the event log, so a
 * restart (or a crash) never changes what the statistics say. */
static int rebuild(struct acd_host *h, int64_t now_ms, bool keep, struct acd_agent_last **kept,
                   size_t *nkept)
{
	int64_t stored = acd_store_state_get(h->db, "rollups_stored_ms");
	int64_t from = stored ? stored - ROLLUP_WINDOW_MS : 0;
	int64_t context = stored ? from - ROLLUP_WINDOW_MS : 0;
	struct acd_agent_last *agents;
	size_t n;
	int err;

	*kept = NULL;
	*nkept = 0;
	err = acd_store_fold(h->db, context, h->stats);
	if (err)
		return err;
	/* Agents a stopped run left logged in are logged out now, and the engine starts
	 * empty; after a failover they keep their state. */
	err = acd_store_logged_in(h->db, &agents, &n);
	if (err)
		return err;
	err = db_begin(h->db);
	if (!err)
		err = close_lost_calls(h);
	for (size_t i = 0; !err && !keep && i < n; i++) {
		struct acd_event ev = {
		        .t_ms = now_ms, .kind = ACD_EV_AGENT_LOGOUT, .agent = agents[i].agent};
		err = acd_store_event(h->db, &ev);
		acd_stats_add(h->stats, &ev);
	}
	if (keep) {
		*kept = agents;
		*nkept = n;
	} else {
		free(agents);
	}
	if (!err)
		err = acd_store_rollups(h->db, h->stats, from);
	if (!err)
		err = acd_mail_store_rollups(h->db, h->stats, from);
	if (!err)
		err = acd_store_state_set(h->db, "rollups_stored_ms", now_ms);
	if (!err)
		err = db_commit(h->db);
	else
		db_rollback(h->db);
	if (err) {
		free(*kept);
		*kept = NULL;
		*nkept = 0;
	}
	return err;
}

/* The agents a failed node's engine had on the phones, in the state they were in: logged
 * in, ready or paused for the same reason (one who was in a call is ready: that call
 * ended with the node). An agent no longer in any group is left out. */
static int restore_agents(struct acd_host *h, const struct acd_agent_last *a, size_t n,
                          int64_t now_ms)
{
	struct acd *e = acd_host_engine(h, now_ms);
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		int err = acd_agent_login(e, now_ms, a[i].agent);

		if (err)
			continue;
		if (a[i].state == ACD_AGENT_READY)
			err = acd_agent_ready(e, now_ms, a[i].agent);
		else if (a[i].reason > ACD_PAUSE_NONE && a[i].reason != ACD_PAUSE_OTHER)
			err = acd_agent_pause(e, now_ms, a[i].agent,
			                      (enum acd_pause_reason)a[i].reason);
		kept += err == 0;
	}
	log_info("acd.agents_kept", "agents=%zu of=%zu", kept, n);
	return acd_host_flush(h, now_ms);
}

/* ======================================================================
 * Life cycle
 * ====================================================================== */

int acd_host_alloc(struct acd_host **hp, struct db *db, int64_t now_ms, bool keep_agents)
{
	struct acd_host *h = calloc(1, sizeof(*h));
	struct acd_agent_last *kept = NULL;
	size_t nkept = 0;
	int err;

	if (!h)
		return ENOMEM;
	h->db = db;
	tmr_init(&h->tmr);
	tmr_init(&h->roll);
	err = acd_alloc(&h->engine);
	if (!err)
		err = acd_stats_alloc(&h->stats, SHORT_ABANDON_MS);
	if (err)
		goto out;
	h->call_base = acd_store_max_call(db);
	err = rebuild(h, now_ms, keep_agents, &kept, &nkept);
	if (!err)
		err = load_groups(h, now_ms);
	if (!err)
		err = load_agents(h);
	if (!err && kept)
		err = restore_agents(h, kept, nkept, now_ms);
	free(kept);
	if (!err)
		err = acd_mail_host_start(h, now_ms);
	if (err)
		goto out;
	tmr_start(&h->roll, (uint64_t)(ACD_INTERVAL_MS - now_ms % ACD_INTERVAL_MS + 1000),
	          roll_tmr_h, h);
	log_info("acd.start", "groups=%zu call_base=%lld", h->ngroups, (long long)h->call_base);
	*hp = h;
	return 0;
out:
	log_error("acd.start", "error=%d db=\"%s\"", err, db_errmsg(db));
	acd_host_free(h);
	return err;
}

void acd_host_free(struct acd_host *h)
{
	if (!h)
		return;
	tmr_cancel(&h->tmr);
	tmr_cancel(&h->roll);
	if (h->stats && h->engine && h->ngroups)
		acd_host_store_rollups(h, acd_now_ms());
	acd_free(h->engine);
	acd_stats_free(h->stats);
	free_groups(h->groups, h->ngroups);
	free(h->counts);
	free(h);
}

int acd_host_listen(struct acd_host *h, acd_note_h *fn, void *arg)
{
	for (int i = 0; i < ACD_HOST_LISTENERS; i++)
		if (!h->listeners[i].fn) {
			h->listeners[i].fn = fn;
			h->listeners[i].arg = arg;
			return 0;
		}
	return ENOSPC;
}

void acd_host_unlisten(struct acd_host *h, acd_note_h *fn, void *arg)
{
	for (int i = 0; i < ACD_HOST_LISTENERS; i++)
		if (h->listeners[i].fn == fn && h->listeners[i].arg == arg)
			h->listeners[i].fn = NULL;
}

struct db *acd_host_db(struct acd_host *h)
{
	return h->db;
}

struct acd *acd_host_engine(struct acd_host *h, int64_t now_ms)
{
	if (acd_next_deadline(h->engine) <= now_ms)
		acd_timer(h->engine, now_ms);
	return h->engine;
}

int acd_host_call_engine_id(const struct acd_host *h, int64_t id, uint64_t *engine_id)
{
	if (id <= h->call_base)
		return ENOENT;
	*engine_id = (uint64_t)(id - h->call_base);
	return 0;
}

int64_t acd_host_call_id(const struct acd_host *h, uint64_t engine_id)
{
	return h->call_base + (int64_t)engine_id;
}

/* ======================================================================
 * JSON views
 * ====================================================================== */

static int64_t local_midnight_ms(int64_t now_ms)
{
	struct local_time lt;
	int64_t t;

	calendar_local_from_utc(now_ms / 1000, &lt);
	if (calendar_local_to_utc(&lt.date, 0, 0, &t) != 0)
		return now_ms - now_ms % DAY_MS;
	return t * 1000;
}

int acd_host_group_json(struct acd_host *h, int64_t now_ms, uint32_t group, json_t **out)
{
	const struct hosted_group *hg = group_of(h, group);
	struct acd_group_snapshot sn;
	struct acd_group_interval g;
	struct acd_totals t;
	int64_t midnight = local_midnight_ms(now_ms);
	size_t i = 0;
	json_t *o;
	int err;

	if (!hg)
		return ENOENT;
	err = acd_group_snapshot(h->engine, now_ms, group, &sn);
	if (err)
		return err;
	memset(&t, 0, sizeof(t));
	while (acd_stats_next_group(h->stats, &i, &g))
		if (g.group == group && g.start_ms >= midnight)
			acd_totals_add(&t, &g);
	acd_totals_finish(&t);
	o = json_pack("{s:i,s:s,s:b,s:i,s:i,s:i,s:i}", "group_id", (int)group, "name", hg->name,
	              "open", sn.open, "waiting", sn.waiting, "callbacks_waiting",
	              sn.callbacks_waiting, "longest_wait_s", (int)(sn.longest_wait_ms / 1000),
	              "ewt_s", (int)((sn.ewt_ms + 999) / 1000));
	json_object_set_new(o, "agents",
	                    json_pack("{s:i,s:i,s:i,s:i,s:i,s:i}", "logged_in", sn.agents_logged_in,
	                              "ready", sn.agents_by_state[ACD_AGENT_READY], "offered",
	                              sn.agents_by_state[ACD_AGENT_OFFERED], "talking",
	                              sn.agents_by_state[ACD_AGENT_TALKING], "wrapup",
	                              sn.agents_by_state[ACD_AGENT_WRAPUP], "paused",
	                              sn.agents_by_state[ACD_AGENT_PAUSED]));
	json_object_set_new(o, "today", acd_totals_json(&t));
	json_object_set_new(o, "emails_waiting", json_integer(sn.emails_waiting));
	json_object_set_new(
	        o, "emails_today",
	        json_pack("{s:i,s:i,s:f,s:f}", "queued", t.emails_queued, "taken", t.emails_taken,
	                  "average_wait_s",
	                  t.emails_taken ? (double)t.email_wait_ms / t.emails_taken / 1000.0 : 0.0,
	                  "longest_wait_s", (double)t.email_longest_wait_ms / 1000.0));
	json_object_set_new(o, "email_longest_wait_s",
	                    json_integer(sn.email_longest_wait_ms / 1000));
	json_object_set_new(o, "at", acd_ms_time(now_ms));
	*out = o;
	return 0;
}

int acd_host_agent_json(struct acd_host *h, int64_t now_ms, uint32_t agent, json_t **out)
{
	struct acd_agent_info ai;
	json_t *o, *groups;
	int err = acd_agent_info(h->engine, agent, &ai);

	if (err)
		return err;
	groups = json_array();
	for (int i = 0; i < ai.n_groups; i++)
		json_array_append_new(groups,
		                      json_pack("{s:i,s:i}", "group_id", (int)ai.groups[i].group,
		                                "level", ai.groups[i].level));
	o = json_pack("{s:i,s:s,s:o,s:o}", "agent_id", (int)agent, "state",
	              acd_agent_state_name(ai.state), "since",
	              ai.since_ms ? acd_ms_time(ai.since_ms) : json_null(), "groups", groups);
	json_object_set_new(o, "pause_reason",
	                    ai.state == ACD_AGENT_PAUSED
	                            ? json_string(acd_pause_reason_name(ai.pause))
	                            : json_null());
	json_object_set_new(o, "call_id",
	                    ai.call ? json_integer(acd_host_call_id(h, ai.call)) : json_null());
	json_object_set_new(o, "email_item_id",
	                    ai.mail ? json_integer((json_int_t)ai.mail) : json_null());
	json_object_set_new(o, "channels",
	                    json_pack("{s:b,s:b}", "voice", (ai.channels & ACD_CHANNEL_VOICE) != 0,
	                              "email", (ai.channels & ACD_CHANNEL_EMAIL) != 0));
	json_object_set_new(o, "seconds_in_state",
	                    ai.since_ms ? json_integer((now_ms - ai.since_ms) / 1000)
	                                : json_null());
	/* Consulted by a colleague: the call it is about (then, handed over, the agent's own). */
	json_object_set_new(o, "consult_call_id",
	                    ai.consult ? json_integer((json_int_t)ai.consult) : json_null());
	json_object_set_new(o, "consult_taken", json_boolean(ai.consult_taken));
	*out = o;
	return 0;
}

int acd_host_call_json(struct acd_host *h, int64_t now_ms, int64_t id, json_t **out)
{
	struct acd_call_info ci;
	uint64_t eid;
	json_t *o, *path;
	int err = acd_host_call_engine_id(h, id, &eid);

	if (!err)
		err = acd_call_info(h->engine, eid, &ci);
	if (err)
		return err;
	path = json_array();
	for (int i = 0; i < ci.n_hops; i++) {
		const struct hosted_group *g = group_of(h, ci.hops[i].group);
		const char *kind = ci.hops[i].kind == ACD_HOP_ENTRY      ? "entry"
		                   : ci.hops[i].kind == ACD_HOP_OVERFLOW ? "overflow"
		                                                         : "transfer";
		json_array_append_new(path,
		                      json_pack("{s:s,s:i,s:s,s:o}", "kind", kind, "group_id",
		                                (int)ci.hops[i].group, "group", g ? g->name : "",
		                                "at", acd_ms_time(ci.hops[i].at_ms)));
	}
	o = json_pack("{s:I,s:i,s:o,s:b,s:b,s:i,s:s,s:s,s:o}", "call_id", (json_int_t)id,
	              "group_id", (int)ci.group, "arrived_at", acd_ms_time(ci.arrived_ms),
	              "callback", ci.callback, "talking", ci.talking, "position", ci.position,
	              "entry", ci.entry, "ivr", ci.ivr, "path", path);
	json_object_set_new(o, "agent_id", ci.agent ? json_integer(ci.agent) : json_null());
	json_object_set_new(o, "caller", ci.caller[0] ? json_string(ci.caller) : json_null());
	json_object_set_new(o, "waited_s", json_integer((now_ms - ci.arrived_ms) / 1000));
	*out = o;
	return 0;
}

int acd_host_group_metrics(struct acd_host *h, int64_t now_ms, uint32_t group,
                           struct acd_host_group_metrics *out)
{
	const struct group_count *c = count_of(h, group, false);
	struct acd_group_snapshot sn;
	int err;

	if (!group_of(h, group))
		return ENOENT;
	err = acd_group_snapshot(h->engine, now_ms, group, &sn);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->group = group;
	if (c) {
		out->offered = c->offered;
		out->answered = c->answered;
		out->abandoned = c->abandoned;
	}
	out->waiting = sn.waiting;
	out->callbacks_waiting = sn.callbacks_waiting;
	memcpy(out->agents_by_state, sn.agents_by_state, sizeof(out->agents_by_state));
	return 0;
}
