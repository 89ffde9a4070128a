/* Queue statistics: the ACD event log folded into 15-minute rollups per group and agent. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acd/acd_stats.h"

#define ROW_CACHE 256 /* a power of two */

/* What we remember of a call between its QUEUED and the event that ends it, so
 * that outcomes land in the row where the call was offered. */
struct call_rec {
	uint64_t call;       /* 0 = empty slot */
	uint32_t group;      /* group of the row the call counts in */
	int64_t start_ms;    /* interval of that row */
	uint32_t agent;      /* offered/talking agent; 0 when none */
	int64_t answered_ms; /* when it was answered (for a transfer's talk time); -1 = not */
	bool queued;         /* waiting in `group` (not yet overflowed/transferred out) */
	bool answered;       /* already counted as answered in the row */
};

/* An agent's state as the log tells it, for splitting time across intervals. */
struct agent_rec {
	uint32_t agent;
	enum acd_agent_state state;
	int64_t since_ms;    /* in `state` since; time before it is already counted */
	uint64_t call;       /* offered/talking call */
	bool wrap_pending;   /* wrap-up time also goes to a group row: */
	uint32_t wrap_group; /* … this group's … */
	int64_t wrap_start;  /* … row of this interval */
};

struct acd_stats {
	int64_t short_abandon_ms;
	int err; /* sticky ENOMEM from acd_stats_add */

	struct acd_group_interval *g; /* sorted by (start_ms, group) */
	uint32_t *groups;             /* every group seen, sorted */
	size_t ngroups, capgroups;
	size_t ng, capg;
	struct acd_agent_interval *ai; /* sorted by (start_ms, agent) */
	size_t nai, capai;

	/* Recently used rows by (id, interval): an index into g or ai, checked on
	 * use, so one left stale by an insertion is merely a miss. */
	size_t gcache[ROW_CACHE];
	size_t acache[ROW_CACHE];

	struct call_rec *calls; /* open addressing, linear probing; size is a power of 2 */
	size_t ncalls, capcalls;

	struct agent_rec *agents; /* sorted by agent */
	size_t nagents, capagents;
};

/* ======================================================================
 * small helpers
 * ====================================================================== */

static int64_t interval_of(int64_t t)
{
	int64_t q = t / ACD_INTERVAL_MS;

	if (t % ACD_INTERVAL_MS < 0)
		q--;
	return q * ACD_INTERVAL_MS;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q)
		return ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static size_t cache_slot(uint32_t id, int64_t start)
{
	uint64_t k = (uint64_t)start * 0x9e3779b97f4a7c15ULL ^ (uint64_t)id * 0xc2b2ae3d27d4eb4fULL;

	return (size_t)(k >> 40) & (ROW_CACHE - 1);
}

static int key_cmp(int64_t s1, uint32_t id1, int64_t s2, uint32_t id2)
{
	if (s1 != s2)
		return s1 < s2 ? -1 : 1;
	if (id1 != id2)
		return id1 < id2 ? -1 : 1;
	return 0;
}

/* ======================================================================
 * rollup rows
 * ====================================================================== */

/* Add a group to the groups seen; its index there, SIZE_MAX on ENOMEM. */
static size_t group_learn(struct acd_stats *s, uint32_t group)
{
	size_t lo = 0, hi = s->ngroups;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->groups[mid] < group)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->ngroups && s->groups[lo] == group)
		return lo;
	if (grow((void **)&s->groups, &s->capgroups, s->ngroups + 1, sizeof(*s->groups))) {
		s->err = ENOMEM;
		return SIZE_MAX;
	}
	memmove(&s->groups[lo + 1], &s->groups[lo], (s->ngroups - lo) * sizeof(*s->groups));
	s->groups[lo] = group;
	s->ngroups++;
	return lo;
}

static void group_row_init(struct acd_stats *s, uint32_t group, int64_t start)
{
	struct acd_group_interval *r = &s->g[s->ng++];

	memset(r, 0, sizeof(*r));
	r->group = group;
	r->start_ms = start;
	s->gcache[cache_slot(group, start)] = (size_t)(r - s->g);
}

/* The first row of a new latest interval: append (empty) rows for every group
 * seen so far as well, in id order, so that they need not be inserted one by
 * one; empty rows are not shown (acd_stats_next_group). */
static struct acd_group_interval *group_block(struct acd_stats *s, uint32_t group, int64_t start)
{
	size_t lo = group_learn(s, group);

	if (lo == SIZE_MAX)
		return NULL;
	if (grow((void **)&s->g, &s->capg, s->ng + s->ngroups, sizeof(*s->g))) {
		s->err = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < s->ngroups; i++)
		group_row_init(s, s->groups[i], start);
	return &s->g[s->ng - s->ngroups + lo];
}

static bool group_row_empty(const struct acd_group_interval *r)
{
	return !(r->offered | r->answered | r->abandoned | r->short_abandoned | r->overflowed |
	         r->closed | r->forwarded | r->callbacks_requested | r->callbacks_answered |
	         r->callbacks_failed | r->handled | r->emails_queued | r->emails_taken) &&
	       !(r->wait_answered_ms | r->wait_abandoned_ms | r->talk_ms | r->wrapup_ms);
}

/* The group row for (group, start), created when missing; NULL on ENOMEM. */
static struct acd_group_interval *group_row(struct acd_stats *s, uint32_t group, int64_t start)
{
	size_t lo = 0, hi = s->ng, *hint = &s->gcache[cache_slot(group, start)];

	if (*hint < s->ng && s->g[*hint].group == group && s->g[*hint].start_ms == start)
		return &s->g[*hint];
	/* Rows are mostly created for the newest interval: look at the end first. */
	if (s->ng && key_cmp(s->g[s->ng - 1].start_ms, s->g[s->ng - 1].group, start, group) < 0)
		lo = s->ng;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(s->g[mid].start_ms, s->g[mid].group, start, group);

		if (c == 0) {
			*hint = mid;
			return &s->g[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == s->ng && (s->ng == 0 || start > s->g[s->ng - 1].start_ms))
		return group_block(s, group, start);
	if (grow((void **)&s->g, &s->capg, s->ng + 1, sizeof(*s->g))) {
		s->err = ENOMEM;
		return NULL;
	}
	memmove(&s->g[lo + 1], &s->g[lo], (s->ng - lo) * sizeof(*s->g));
	s->ng++;
	memset(&s->g[lo], 0, sizeof(*s->g));
	group_learn(s, group);
	s->g[lo].group = group;
	s->g[lo].start_ms = start;
	*hint = lo;
	return &s->g[lo];
}

static void agent_row_init(struct acd_stats *s, uint32_t agent, int64_t start)
{
	struct acd_agent_interval *r = &s->ai[s->nai++];

	memset(r, 0, sizeof(*r));
	r->agent = agent;
	r->start_ms = start;
	s->acache[cache_slot(agent, start)] = (size_t)(r - s->ai);
}

/* The first row of a new latest interval: append rows for every agent logged
 * in during it as well, in id order, so that they need not be inserted one by
 * one (moving the rows behind) as each agent's time reaches the interval. */
static struct acd_agent_interval *agent_block(struct acd_stats *s, uint32_t agent, int64_t start)
{
	size_t first = s->nai;
	bool done = false;

	if (grow((void **)&s->ai, &s->capai, s->nai + s->nagents + 1, sizeof(*s->ai))) {
		s->err = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < s->nagents; i++) {
		const struct agent_rec *a = &s->agents[i];

		if (!done && agent <= a->agent) {
			agent_row_init(s, agent, start);
			done = true;
			if (agent == a->agent)
				continue;
		}
		if (a->state != ACD_AGENT_LOGGED_OUT && a->since_ms < start + ACD_INTERVAL_MS)
			agent_row_init(s, a->agent, start);
	}
	if (!done)
		agent_row_init(s, agent, start);
	for (size_t i = first; i < s->nai; i++)
		if (s->ai[i].agent == agent)
			return &s->ai[i];
	return NULL; /* not reached */
}

static struct acd_agent_interval *agent_row(struct acd_stats *s, uint32_t agent, int64_t start)
{
	size_t lo = 0, hi = s->nai, *hint = &s->acache[cache_slot(agent, start)];

	if (*hint < s->nai && s->ai[*hint].agent == agent && s->ai[*hint].start_ms == start)
		return &s->ai[*hint];
	if (s->nai &&
	    key_cmp(s->ai[s->nai - 1].start_ms, s->ai[s->nai - 1].agent, start, agent) < 0)
		lo = s->nai;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(s->ai[mid].start_ms, s->ai[mid].agent, start, agent);

		if (c == 0) {
			*hint = mid;
			return &s->ai[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == s->nai && (s->nai == 0 || start > s->ai[s->nai - 1].start_ms))
		return agent_block(s, agent, start);
	if (grow((void **)&s->ai, &s->capai, s->nai + 1, sizeof(*s->ai))) {
		s->err = ENOMEM;
		return NULL;
	}
	memmove(&s->ai[lo + 1], &s->ai[lo], (s->nai - lo) * sizeof(*s->ai));
	s->nai++;
	memset(&s->ai[lo], 0, sizeof(*s->ai));
	s->ai[lo].agent = agent;
	s->ai[lo].start_ms = start;
	*hint = lo;
	return &s->ai[lo];
}

/* ======================================================================
 * live calls: a hash map call id → record
 * ====================================================================== */

static size_t call_hash(uint64_t id, size_t cap)
{
	/* splitmix64's finaliser spreads sequential ids over the table. */
	id ^= id >> 30;
	id *= 0xbf58476d1ce4e5b9ULL;
	id ^= id >> 27;
	id *= 0x94d049bb133111ebULL;
	id ^= id >> 31;
	return (size_t)id & (cap - 1);
}

static struct call_rec *call_find(const struct acd_stats *s, uint64_t id)
{
	if (!s->capcalls || id == 0)
		return NULL;
	for (size_t i = call_hash(id, s->capcalls);; i = (i + 1) & (s->capcalls - 1)) {
		if (s->calls[i].call == id)
			return &s->calls[i];
		if (s->calls[i].call == 0)
			return NULL;
	}
}

static int call_rehash(struct acd_stats *s, size_t cap)
{
	struct call_rec *old = s->calls;
	size_t oldcap = s->capcalls;

	s->calls = calloc(cap, sizeof(*s->calls));
	if (!s->calls) {
		s->calls = old;
		return ENOMEM;
	}
	s->capcalls = cap;
	for (size_t j = 0; j < oldcap; j++) {
		size_t i;

		if (old[j].call == 0)
			continue;
		for (i = call_hash(old[j].call, cap); s->calls[i].call; i = (i + 1) & (cap - 1))
			;
		s->calls[i] = old[j];
	}
	free(old);
	return 0;
}

/* The record for a call, created (zeroed but for the id) when missing. */
static struct call_rec *call_get(struct acd_stats *s, uint64_t id)
{
	struct call_rec *r = call_find(s, id);
	size_t i;

	if (r)
		return r;
	/* Keep the table at most half full so probes stay short. */
	if ((s->ncalls + 1) * 2 > s->capcalls &&
	    call_rehash(s, s->capcalls ? s->capcalls * 2 : 64)) {
		s->err = ENOMEM;
		return NULL;
	}
	for (i = call_hash(id, s->capcalls); s->calls[i].call; i = (i + 1) & (s->capcalls - 1))
		;
	memset(&s->calls[i], 0, sizeof(s->calls[i]));
	s->calls[i].call = id;
	s->calls[i].answered_ms = -1;
	s->ncalls++;
	return &s->calls[i];
}

/* Remove a record; later entries of its probe run move back (no tombstones). */
static void call_drop(struct acd_stats *s, struct call_rec *r)
{
	size_t mask = s->capcalls - 1, i = (size_t)(r - s->calls), j = i;

	s->calls[i].call = 0;
	s->ncalls--;
	for (;;) {
		size_t k;

		j = (j + 1) & mask;
		if (s->calls[j].call == 0)
			return;
		k = call_hash(s->calls[j].call, s->capcalls);
		/* Leave j where it is when its home slot k lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		s->calls[i] = s->calls[j];
		s->calls[j].call = 0;
		i = j;
	}
}

/* ======================================================================
 * agents: state and time
 * ====================================================================== */

static struct agent_rec *agent_get(struct acd_stats *s, uint32_t id)
{
	size_t lo = 0, hi = s->nagents;

	/* Agent ids are often 1…n: then the sorted array is indexed by id. */
	if (id >= 1 && id <= s->nagents && s->agents[id - 1].agent == id)
		return &s->agents[id - 1];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->agents[mid].agent == id)
			return &s->agents[mid];
		if (s->agents[mid].agent < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (grow((void **)&s->agents, &s->capagents, s->nagents + 1, sizeof(*s->agents))) {
		s->err = ENOMEM;
		return NULL;
	}
	memmove(&s->agents[lo + 1], &s->agents[lo], (s->nagents - lo) * sizeof(*s->agents));
	s->nagents++;
	memset(&s->agents[lo], 0, sizeof(*s->agents));
	s->agents[lo].agent = id;
	s->agents[lo].state = ACD_AGENT_LOGGED_OUT;
	return &s->agents[lo];
}

/* Count the agent's time in its current state up to `now`, split at interval
 * boundaries; wrap-up time also goes to the group row of the call it follows. */
static void agent_account(struct acd_stats *s, struct agent_rec *a, int64_t now)
{
	int64_t t = a->since_ms;

	if (now <= t)
		return;
	if (a->state != ACD_AGENT_LOGGED_OUT) {
		while (t < now) {
			int64_t start = interval_of(t), end = start + ACD_INTERVAL_MS;
			int64_t d = (now < end ? now : end) - t;
			struct acd_agent_interval *r = agent_row(s, a->agent, start);

			if (r) {
				r->logged_in_ms += d;
				switch (a->state) {
				case ACD_AGENT_READY:
					r->ready_ms += d;
					break;
				case ACD_AGENT_OFFERED:
					r->offered_ms += d;
					break;
				case ACD_AGENT_TALKING:
					r->talk_ms += d;
					break;
				case ACD_AGENT_WRAPUP:
					r->wrapup_ms += d;
					break;
				case ACD_AGENT_PAUSED:
				default:
					r->paused_ms += d;
					break;
				}
			}
			t += d;
		}
		if (a->state == ACD_AGENT_WRAPUP && a->wrap_pending) {
			struct acd_group_interval *g = group_row(s, a->wrap_group, a->wrap_start);

			if (g)
				g->wrapup_ms += now - a->since_ms;
		}
	}
	a->since_ms = now;
}

/* Move an agent to a new state at `now`. */
static void agent_set(struct acd_stats *s, uint32_t id, int64_t now, enum acd_agent_state st,
                      uint64_t call)
{
	struct agent_rec *a;

	if (id == 0 || !(a = agent_get(s, id)))
		return;
	agent_account(s, a, now);
	if (st != ACD_AGENT_WRAPUP)
		a->wrap_pending = false;
	a->state = st;
	a->call = call;
}

/* ======================================================================
 * folding events
 * ====================================================================== */

int acd_stats_alloc(struct acd_stats **sp, int64_t short_abandon_ms)
{
	struct acd_stats *s;

	if (!sp || short_abandon_ms < 0)
		return EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->short_abandon_ms = short_abandon_ms;
	*sp = s;
	return 0;
}

void acd_stats_free(struct acd_stats *s)
{
	if (!s)
		return;
	free(s->g);
	free(s->groups);
	free(s->ai);
	free(s->calls);
	free(s->agents);
	free(s);
}

int acd_stats_status(const struct acd_stats *s)
{
	return s ? s->err : EINVAL;
}

size_t acd_stats_live_calls(const struct acd_stats *s)
{
	return s ? s->ncalls : 0;
}

/* The row a call's outcome counts in: where it was queued, or, for a call
 * never queued (closed, urgent), the event's group and interval. */
static struct acd_group_interval *outcome_row(struct acd_stats *s, const struct call_rec *r,
                                              const struct acd_event *ev)
{
	if (r && r->group)
		return group_row(s, r->group, r->start_ms);
	if (ev->group == 0)
		return NULL;
	return group_row(s, ev->group, interval_of(ev->t_ms));
}

static void count_wait(struct acd_group_interval *g, int64_t wait)
{
	if (wait > g->longest_wait_ms)
		g->longest_wait_ms = wait;
}

static void on_answered(struct acd_stats *s, const struct acd_event *ev, bool callback)
{
	struct call_rec *r = call_find(s, ev->call);
	struct acd_group_interval *g;
	int64_t wait = ev->wait_ms < 0 ? 0 : ev->wait_ms;

	agent_set(s, ev->agent, ev->t_ms, ACD_AGENT_TALKING, ev->call);
	/* A call we never saw queued (a log cut mid-call) has no row to count in. */
	if (!r || !r->group)
		return;
	r->agent = ev->agent;
	r->answered_ms = ev->t_ms;
	r->queued = false;
	if (r->answered)
		return;
	r->answered = true;
	if (!(g = group_row(s, r->group, r->start_ms)))
		return;
	g->answered++;
	g->answered_60 += wait <= 60000;
	g->answered_180 += wait <= 180000;
	g->wait_answered_ms += wait;
	count_wait(g, wait);
	if (callback)
		g->callbacks_answered++;
}

/* A talking call leaves its agent (ended or transferred): count it handled in
 * its row, and have the agent's next wrap-up count there too. */
static void on_handled(struct acd_stats *s, struct call_rec *r, const struct acd_event *ev,
                       int64_t talk)
{
	uint32_t agent = ev->agent ? ev->agent : r ? r->agent : 0;
	struct acd_group_interval *g = NULL;
	struct agent_rec *a;

	if (r && r->group && r->answered && (g = group_row(s, r->group, r->start_ms))) {
		g->handled++;
		g->talk_ms += talk < 0 ? 0 : talk;
	}
	/* With no wrap-up configured the engine makes the agent ready at once; an
	 * AGENT_WRAPUP at the same instant corrects this. */
	agent_set(s, agent, ev->t_ms, ACD_AGENT_READY, 0);
	if (g && agent && (a = agent_get(s, agent))) {
		a->wrap_pending = true;
		a->wrap_group = g->group;
		a->wrap_start = g->start_ms;
	}
}

/* A caller left before an agent took the call: free an agent it rang. */
static void release_agent(struct acd_stats *s, const struct call_rec *r, const struct acd_event *ev)
{
	uint32_t agent = ev->agent ? ev->agent : r ? r->agent : 0;
	struct agent_rec *a;

	if (!agent || !(a = agent_get(s, agent)))
		return;
	if (a->state == ACD_AGENT_OFFERED && a->call == ev->call)
		agent_set(s, agent, ev->t_ms, ACD_AGENT_READY, 0);
}

void acd_stats_add(struct acd_stats *s, const struct acd_event *ev)
{
	struct call_rec *r;
	struct acd_group_interval *g;

	if (!s || !ev)
		return;
	switch (ev->kind) {
	case ACD_EV_CALL_QUEUED:
		if (ev->group == 0 || !(r = call_get(s, ev->call)))
			break;
		r->group = ev->group;
		r->start_ms = interval_of(ev->t_ms);
		r->queued = true;
		r->answered = false;
		r->answered_ms = -1;
		if ((g = group_row(s, r->group, r->start_ms)))
			g->offered++;
		break;

	case ACD_EV_CALL_OFFERED:
		if ((r = call_find(s, ev->call)))
			r->agent = ev->agent;
		agent_set(s, ev->agent, ev->t_ms, ACD_AGENT_OFFERED, ev->call);
		break;

	case ACD_EV_CALLBACK_DIALLED:
		if ((r = call_find(s, ev->call)))
			r->agent = ev->agent;
		agent_set(s, ev->agent, ev->t_ms, ACD_AGENT_OFFERED, ev->call);
		break;

	case ACD_EV_CALL_NO_ANSWER:
		if ((r = call_find(s, ev->call)))
			r->agent = 0;
		if (ev->agent) {
			struct acd_agent_interval *ar =
			        agent_row(s, ev->agent, interval_of(ev->t_ms));

			if (ar)
				ar->no_answers++;
		}
		agent_set(s, ev->agent, ev->t_ms, ACD_AGENT_PAUSED, 0);
		break;

	case ACD_EV_CALL_ANSWERED:
		on_answered(s, ev, false);
		break;

	case ACD_EV_CALLBACK_ANSWERED:
		on_answered(s, ev, true);
		break;

	case ACD_EV_CALL_ABANDONED: {
		int64_t wait = ev->wait_ms < 0 ? 0 : ev->wait_ms;

		r = call_find(s, ev->call);
		release_agent(s, r, ev);
		if (!r)
			break;
		if (r->group && (g = group_row(s, r->group, r->start_ms))) {
			if (s->short_abandon_ms > 0 && wait <= s->short_abandon_ms) {
				g->short_abandoned++;
				g->offered--;
			} else {
				g->abandoned++;
				g->wait_abandoned_ms += wait;
				count_wait(g, wait);
			}
		}
		call_drop(s, r);
		break;
	}

	case ACD_EV_CALL_ENDED:
		r = call_find(s, ev->call);
		on_handled(s, r, ev, ev->talk_ms);
		if (r)
			call_drop(s, r);
		break;

	case ACD_EV_CALL_TRANSFERRED:
		/* The call waits again in to_group, where its QUEUED starts a new row. */
		r = call_find(s, ev->call);
		on_handled(s, r, ev,
		           ev->talk_ms > 0            ? ev->talk_ms
		           : r && r->answered_ms >= 0 ? ev->t_ms - r->answered_ms
		                                      : 0);
		if (r) {
			r->agent = 0;
			r->queued = false;
		}
		break;

	case ACD_EV_CALL_OVERFLOWED:
		r = call_find(s, ev->call);
		if (r && r->queued && r->group == ev->group) {
			g = group_row(s, r->group, r->start_ms);
			r->queued = false;
		} else {
			/* Overflowed on arrival (closed group): never offered there, but
			 * the group still sees that the call passed through. */
			g = ev->group ? group_row(s, ev->group, interval_of(ev->t_ms)) : NULL;
		}
		if (g)
			g->overflowed++;
		break;

	case ACD_EV_CALL_CLOSED:
		r = call_find(s, ev->call);
		if ((g = outcome_row(s, r, ev)))
			g->closed++;
		if (r)
			call_drop(s, r);
		break;

	case ACD_EV_CALL_FORWARDED:
		r = call_find(s, ev->call);
		if ((g = outcome_row(s, r, ev)))
			g->forwarded++;
		if (r)
			call_drop(s, r);
		break;

	case ACD_EV_CALLBACK_REQUESTED:
		r = call_find(s, ev->call);
		if (r && r->group && (g = group_row(s, r->group, r->start_ms)))
			g->callbacks_requested++;
		break;

	case ACD_EV_CALLBACK_FAILED:
		r = call_find(s, ev->call);
		release_agent(s, r, ev);
		if (!r)
			break;
		if (r->group && (g = group_row(s, r->group, r->start_ms)))
			g->callbacks_failed++;
		call_drop(s, r);
		break;

	case ACD_EV_AGENT_LOGIN:
		agent_set(s, ev->agent, ev->t_ms, ACD_AGENT_PAUSED, 0);
		break;
	case ACD_EV_AGENT_LOGOUT:
		agent_set(s, ev->agent, ev->t_ms, ACD_AGENT_LOGGED_OUT, 0);
		break;
	case ACD_EV_AGENT_READY:
		agent_set(s, ev->agent, ev->t_ms, ACD_AGENT_READY, 0);
		break;
	case ACD_EV_AGENT_PAUSED:
		agent_set(s, ev->agent, ev->t_ms, ACD_AGENT_PAUSED, 0);
		break;
	case ACD_EV_AGENT_CONSULTED:
		agent_set(s, ev->agent, ev->t_ms, ACD_AGENT_TALKING, 0);
		break;
	case ACD_EV_AGENT_WRAPUP:
		/* Counts in the group row noted at CALL_ENDED (wrap_pending). */
		agent_set(s, ev->agent, ev->t_ms, ACD_AGENT_WRAPUP, 0);
		break;

	case ACD_EV_MAIL_QUEUED:
		if (ev->reason == 0 && ev->group &&
		    (g = group_row(s, ev->group, interval_of(ev->t_ms))))
			g->emails_queued++;
		break;
	case ACD_EV_MAIL_OFFERED:
		agent_set(s, ev->agent, ev->t_ms, ACD_AGENT_OFFERED, 0);
		break;
	case ACD_EV_MAIL_NO_ANSWER:
		if (ev->agent) {
			struct acd_agent_interval *ar =
			        agent_row(s, ev->agent, interval_of(ev->t_ms));

			if (ar)
				ar->no_answers++;
		}
		agent_set(s, ev->agent, ev->t_ms, ACD_AGENT_PAUSED, 0);
		break;
	case ACD_EV_MAIL_TAKEN:
		agent_set(s, ev->agent, ev->t_ms, ACD_AGENT_TALKING, 0);
		if (ev->reason == 0 && ev->group &&
		    (g = group_row(s, ev->group, interval_of(ev->t_ms)))) {
			int64_t wait = ev->wait_ms < 0 ? 0 : ev->wait_ms;

			g->emails_taken++;
			g->email_wait_ms += wait;
			if (wait > g->email_longest_wait_ms)
				g->email_longest_wait_ms = wait;
		}
		break;
	case ACD_EV_MAIL_RELEASED:
	case ACD_EV_MAIL_DONE:
		/* The agent's next state comes in its own event (ready, paused). */
	case ACD_EV_CALL_ARRIVED:
	case ACD_EV_CALLBACK_OFFERED:
	case ACD_EV_KIND_MAX:
	default:
		break;
	}
}

void acd_stats_flush(struct acd_stats *s, int64_t now)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nagents; i++)
		agent_account(s, &s->agents[i], now);
}

void acd_stats_prune(struct acd_stats *s, int64_t before_ms)
{
	size_t k = 0;

	if (!s)
		return;
	/* Rows are sorted by start first: the old ones are a prefix. */
	while (k < s->ng && s->g[k].start_ms < before_ms)
		k++;
	if (k) {
		memmove(s->g, s->g + k, (s->ng - k) * sizeof(*s->g));
		s->ng -= k;
	}
	for (k = 0; k < s->nai && s->ai[k].start_ms < before_ms; k++)
		;
	if (k) {
		memmove(s->ai, s->ai + k, (s->nai - k) * sizeof(*s->ai));
		s->nai -= k;
	}
	/* Cached indices are checked on use; stale ones are only misses. */
}

bool acd_stats_next_live(const struct acd_stats *s, size_t *i, struct acd_live_call *out)
{
	if (!s || !i)
		return false;
	while (*i < s->capcalls) {
		const struct call_rec *r = &s->calls[(*i)++];
		if (!r->call)
			continue;
		out->call = r->call;
		out->group = r->group;
		out->agent = r->agent;
		out->answered_ms = r->answered_ms;
		return true;
	}
	return false;
}

bool acd_stats_next_group(const struct acd_stats *s, size_t *i, struct acd_group_interval *out)
{
	if (!s || !i)
		return false;
	while (*i < s->ng && group_row_empty(&s->g[*i]))
		(*i)++;
	if (*i >= s->ng)
		return false;
	*out = s->g[(*i)++];
	return true;
}

bool acd_stats_next_agent(const struct acd_stats *s, size_t *i, struct acd_agent_interval *out)
{
	if (!s || !i)
		return false;
	/* A row made ahead for an agent whose time has not been counted yet
	 * (acd_stats_flush) is not shown. */
	while (*i < s->nai && s->ai[*i].logged_in_ms == 0 && s->ai[*i].no_answers == 0)
		(*i)++;
	if (*i >= s->nai)
		return false;
	*out = s->ai[(*i)++];
	return true;
}

/* ======================================================================
 * totals
 * ====================================================================== */

void acd_totals_add(struct acd_totals *t, const struct acd_group_interval *g)
{
	t->offered += g->offered;
	t->answered += g->answered;
	t->answered_60 += g->answered_60;
	t->answered_180 += g->answered_180;
	t->abandoned += g->abandoned;
	t->short_abandoned += g->short_abandoned;
	t->overflowed += g->overflowed;
	t->closed += g->closed;
	t->forwarded += g->forwarded;
	t->callbacks_requested += g->callbacks_requested;
	t->callbacks_answered += g->callbacks_answered;
	t->wait_answered_ms += g->wait_answered_ms;
	if (g->longest_wait_ms > t->longest_wait_ms)
		t->longest_wait_ms = g->longest_wait_ms;
	t->talk_ms += g->talk_ms;
	t->wrapup_ms += g->wrapup_ms;
	t->handled += g->handled;
	t->emails_queued += g->emails_queued;
	t->emails_taken += g->emails_taken;
	t->email_wait_ms += g->email_wait_ms;
	if (g->email_longest_wait_ms > t->email_longest_wait_ms)
		t->email_longest_wait_ms = g->email_longest_wait_ms;
}

void acd_totals_finish(struct acd_totals *t)
{
	t->service_level_60 = t->offered > 0 ? (double)t->answered_60 / t->offered : 1.0;
	t->service_level_180 = t->offered > 0 ? (double)t->answered_180 / t->offered : 1.0;
	t->asa_s = t->answered > 0 ? (double)t->wait_answered_ms / t->answered / 1000.0 : 0.0;
	t->aht_s = t->handled > 0 ? (double)(t->talk_ms + t->wrapup_ms) / t->handled / 1000.0 : 0.0;
	t->abandon_rate = t->offered > 0 ? (double)t->abandoned / t->offered : 0.0;
}
