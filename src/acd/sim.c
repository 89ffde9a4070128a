/* The simulator: random callers and agents driving the real ACD engine, folded by acd_stats. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acd/acd.h"
#include "acd/acd_stats.h"
#include "acd/sim.h"
#include "base/calendar.h"
#include "base/hours.h"

#define SIM_T0               1767225600000LL /* 2026-01-01 00:00 UTC: where model runs start */
#define SIM_MAX_GROUPS       256
#define SIM_MAX_AGENTS       10000
#define SIM_CALLBACK_RING_MS 15000 /* time until a dialled citizen answers or not */
#define SIM_LOGOUT_RETRY_MS  5000  /* an agent still on a call at shift end tries again */

/* ======================================================================
 * random numbers: xoshiro256** seeded through splitmix64
 * ====================================================================== */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform on [0, 1), 53 bits. */
static double rng_uniform(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static double rng_exp(struct rng *r, double mean)
{
	return -mean * log1p(-rng_uniform(r));
}

/* ======================================================================
 * future events: a binary min-heap ordered by (time, insertion)
 * ====================================================================== */

enum sim_kind {
	SIM_ARRIVAL = 1, /* `who` = group index */
	SIM_HANGUP,      /* talk over: `call`, `who` = agent */
	SIM_PATIENCE,    /* caller gives up if still waiting: `call` */
	SIM_DEADLINE,    /* the engine's next timer */
	SIM_LOGIN,       /* `who` = agent id */
	SIM_LOGOUT,
	SIM_CALLBACK, /* the dialled citizen answers or not: `call` */
	SIM_MARK,     /* end of the measured period */
};

struct sim_ev {
	int64_t t;
	uint64_t seq; /* ties in time run in the order they were scheduled */
	uint64_t call;
	uint32_t who;
	enum sim_kind kind;
};

struct heap {
	struct sim_ev *v;
	size_t n, cap;
	uint64_t seq;
};

static bool ev_before(const struct sim_ev *a, const struct sim_ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static int heap_push(struct heap *h, int64_t t, enum sim_kind kind, uint64_t call, uint32_t who)
{
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;
		struct sim_ev *v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	i = h->n++;
	h->v[i] = (struct sim_ev){.t = t, .seq = h->seq++, .call = call, .who = who, .kind = kind};
	while (i > 0) {
		size_t p = (i - 1) / 2;
		struct sim_ev tmp;

		if (!ev_before(&h->v[i], &h->v[p]))
			break;
		tmp = h->v[p];
		h->v[p] = h->v[i];
		h->v[i] = tmp;
		i = p;
	}
	return 0;
}

static bool heap_pop(struct heap *h, struct sim_ev *out)
{
	size_t i = 0;

	if (h->n == 0)
		return false;
	*out = h->v[0];
	h->v[0] = h->v[--h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct sim_ev tmp;

		if (l < h->n && ev_before(&h->v[l], &h->v[m]))
			m = l;
		if (r < h->n && ev_before(&h->v[r], &h->v[m]))
			m = r;
		if (m == i)
			break;
		tmp = h->v[m];
		h->v[m] = h->v[i];
		h->v[i] = tmp;
		i = m;
	}
	return true;
}

/* ======================================================================
 * the driver shared by both modes
 * ====================================================================== */

struct sim_group {
	uint32_t id;
	char name[64];
	double talk_ms;      /* mean talk time */
	double patience_ms;  /* mean patience; 0 = infinite */
	double per_hour[24]; /* arrivals per local hour of day (replay) */
	double rate;         /* constant arrivals per hour (model run) */
	struct hours *hours; /* owned; NULL = always open */
};

struct sim_agent {
	uint32_t id;
	int64_t login_ms, logout_ms;
	bool leaving;       /* shift over, logout refused while on a call */
	bool retry_pending; /* a SIM_LOGOUT retry is in the heap */
	bool gone;          /* logged out for the day */
};

struct sim {
	struct acd *acd;
	struct acd_stats *stats;
	struct rng rng;
	struct heap heap;
	struct sim_group *groups;
	int ngroups;
	struct sim_agent *agents;
	int nagents;
	int64_t sched_deadline; /* earliest SIM_DEADLINE in the heap; INT64_MAX = none */
	int n_leaving;          /* agents with `leaving` set */
	int64_t arrivals_from;  /* arrivals happen in [from, to) */
	int64_t arrivals_to;
	int64_t hour_ms[25];    /* replay: local hour starts of the day */
	bool by_hour;           /* replay: per-hour rates */
	double callback_accept; /* share of callers taking a callback offer */
	double callback_answer; /* share of dialled citizens who answer */
	uint64_t answered_call; /* the call answered last */
	long long live;         /* calls arrived and not yet finished */
	long long events;       /* engine events drained */
	/* Service level at target_ms, straight from the answer waits of calls
	 * that arrived in [win_from, win_to). */
	int64_t target_ms, win_from, win_to;
	long long within_target;
	double occupancy, aht_s;
	int err;
};

static struct sim_group *group_by_id(struct sim *s, uint32_t id)
{
	for (int i = 0; i < s->ngroups; i++)
		if (s->groups[i].id == id)
			return &s->groups[i];
	return NULL;
}

static struct sim_agent *agent_by_id(struct sim *s, uint32_t id)
{
	for (int i = 0; i < s->nagents; i++)
		if (s->agents[i].id == id)
			return &s->agents[i];
	return NULL;
}

static void push(struct sim *s, int64_t t, enum sim_kind kind, uint64_t call, uint32_t who)
{
	if (heap_push(&s->heap, t, kind, call, who) && !s->err)
		s->err = ENOMEM;
}

/* The next arrival for group g after `from`, or -1 when none before arrivals_to.
 * Piecewise-constant rates: exponential gaps restart at each hour boundary,
 * which is exact for a Poisson process because it has no memory. */
static int64_t next_arrival(struct sim *s, const struct sim_group *g, int64_t from)
{
	double t = (double)from;

	while (t < (double)s->arrivals_to) {
		double rate = g->rate, end = (double)s->arrivals_to, at;

		if (s->by_hour) {
			int h = 0;

			while (h < 23 && t >= (double)s->hour_ms[h + 1])
				h++;
			rate = g->per_hour[h];
			if ((double)s->hour_ms[h + 1] < end)
				end = (double)s->hour_ms[h + 1];
		}
		if (rate <= 0) {
			t = end;
			continue;
		}
		at = t + rng_exp(&s->rng, 3600000.0 / rate);
		if (at < end)
			return (int64_t)llround(at) < s->arrivals_to ? (int64_t)llround(at)
			                                             : s->arrivals_to - 1;
		t = end;
	}
	return -1;
}

static void schedule_arrival(struct sim *s, int gi, int64_t from)
{
	int64_t t = next_arrival(s, &s->groups[gi], from);

	if (t >= 0)
		push(s, t, SIM_ARRIVAL, 0, (uint32_t)gi);
}

static int64_t draw_ms(struct sim *s, double mean_ms)
{
	return (int64_t)llround(rng_exp(&s->rng, mean_ms));
}

/* Carry out what the engine asks: agents answer every offer at once. */
static void drain_actions(struct sim *s, int64_t now)
{
	struct acd_action act;

	while (acd_next_action(s->acd, &act)) {
		const struct sim_group *g;

		switch (act.kind) {
		case ACD_ACT_OFFER:
			if (acd_call_answer(s->acd, now, act.call)) {
				s->err = s->err ? s->err : EPROTO;
				break;
			}
			s->answered_call = act.call;
			g = group_by_id(s, act.group);
			push(s, now + draw_ms(s, g ? g->talk_ms : 180000.0), SIM_HANGUP, act.call,
			     act.agent);
			break;
		case ACD_ACT_OFFER_CALLBACK:
			if (rng_uniform(&s->rng) < s->callback_accept)
				(void)acd_callback_accept(s->acd, now, act.call);
			break;
		case ACD_ACT_CALLBACK_DIAL:
			push(s, now + SIM_CALLBACK_RING_MS, SIM_CALLBACK, act.call, act.agent);
			break;
		default:
			break;
		}
	}
}

static bool in_window(const struct sim *s, int64_t arrived)
{
	return arrived >= s->win_from && arrived < s->win_to;
}

static void drain_events(struct sim *s)
{
	struct acd_event ev;

	while (acd_next_event(s->acd, &ev)) {
		s->events++;
		acd_stats_add(s->stats, &ev);
		switch (ev.kind) {
		case ACD_EV_CALL_ANSWERED:
		case ACD_EV_CALLBACK_ANSWERED:
			if (in_window(s, ev.t_ms - ev.wait_ms) && ev.wait_ms <= s->target_ms)
				s->within_target++;
			break;
		case ACD_EV_CALL_ENDED:
		case ACD_EV_CALL_ABANDONED:
		case ACD_EV_CALL_CLOSED:
		case ACD_EV_CALL_FORWARDED:
		case ACD_EV_CALLBACK_FAILED:
			s->live--;
			break;
		default:
			break;
		}
	}
}

/* After every input: do the actions, log the events, keep the engine's next
 * deadline in the heap (one at a time; a stale one just runs acd_timer early). */
static void settle(struct sim *s, int64_t now)
{
	int64_t d;

	drain_actions(s, now);
	drain_events(s);
	d = acd_next_deadline(s->acd);
	if (d != INT64_MAX && d < s->sched_deadline) {
		push(s, d < now ? now : d, SIM_DEADLINE, 0, 0);
		s->sched_deadline = d < now ? now : d;
	}
}

static void on_arrival(struct sim *s, const struct sim_ev *e)
{
	struct sim_group *g = &s->groups[e->who];
	struct acd_call_in in;
	uint64_t call;

	memset(&in, 0, sizeof(in));
	in.group = g->id;
	memcpy(in.entry, "08-508 000 00", sizeof("08-508 000 00"));
	/* a number to call back (only the replay offers callbacks) */
	memcpy(in.caller, "070-123 45 67", sizeof("070-123 45 67"));
	if (acd_call_arrive(s->acd, e->t, &in, &call) == 0) {
		s->live++;
		/* Answered at once (the usual case): its patience never matters, so
		 * spare the heap the event; the draw still happens, so that the
		 * random stream does not depend on it. */
		settle(s, e->t);
		if (g->patience_ms > 0) {
			int64_t patience = draw_ms(s, g->patience_ms);

			if (s->answered_call != call)
				push(s, e->t + patience, SIM_PATIENCE, call, 0);
		}
	} else if (!s->err) {
		s->err = EPROTO;
	}
	schedule_arrival(s, (int)e->who, e->t);
}

/* At the end of a shift, or again after a call when the agent was busy then:
 * an agent on a call finishes it first (one retry in the heap at a time). */
static void try_logout(struct sim *s, struct sim_agent *ag, int64_t now)
{
	int err;

	if (ag->gone)
		return;
	err = acd_agent_logout(s->acd, now, ag->id);
	ag->gone = err == 0;
	s->n_leaving += (err == EPERM) - ag->leaving;
	ag->leaving = err == EPERM;
	if (ag->leaving && !ag->retry_pending) {
		ag->retry_pending = true;
		push(s, now + SIM_LOGOUT_RETRY_MS, SIM_LOGOUT, 0, ag->id);
	}
}

static void step(struct sim *s, const struct sim_ev *e)
{
	struct acd_call_info info;
	struct sim_agent *ag;

	switch (e->kind) {
	case SIM_ARRIVAL:
		on_arrival(s, e);
		break;
	case SIM_HANGUP:
		(void)acd_call_hangup(s->acd, e->t, e->call);
		ag = s->n_leaving ? agent_by_id(s, e->who) : NULL;
		if (ag && ag->leaving)
			try_logout(s, ag, e->t);
		break;
	case SIM_PATIENCE:
		/* Still on the line and not yet talking: the caller gives up. A caller
		 * waiting for a callback has left the line and waits no more. */
		if (acd_call_info(s->acd, e->call, &info) == 0 && !info.talking && !info.callback)
			(void)acd_call_hangup(s->acd, e->t, e->call);
		break;
	case SIM_DEADLINE:
		s->sched_deadline = INT64_MAX;
		(void)acd_timer(s->acd, e->t);
		break;
	case SIM_LOGIN:
		if ((ag = agent_by_id(s, e->who)))
			ag->gone = false;
		if (acd_agent_login(s->acd, e->t, e->who) == 0)
			(void)acd_agent_ready(s->acd, e->t, e->who);
		break;
	case SIM_LOGOUT:
		if ((ag = agent_by_id(s, e->who))) {
			ag->retry_pending = false;
			try_logout(s, ag, e->t);
		}
		break;
	case SIM_CALLBACK: {
		bool answered = rng_uniform(&s->rng) < s->callback_answer;
		const struct sim_group *g;

		if (acd_callback_result(s->acd, e->t, e->call, answered) == 0 && answered &&
		    acd_call_info(s->acd, e->call, &info) == 0) {
			g = group_by_id(s, info.group);
			push(s, e->t + draw_ms(s, g ? g->talk_ms : 180000.0), SIM_HANGUP, e->call,
			     e->who);
		}
		break;
	}
	case SIM_MARK:
		break;
	}
	settle(s, e->t);
}

/* Run until every call that arrived has finished and nothing is due before
 * `until`. mark_h is called once when the SIM_MARK event comes up. */
static int run(struct sim *s, int64_t until, void (*mark_h)(struct sim *s, int64_t now))
{
	struct sim_ev e;

	while (!s->err && heap_pop(&s->heap, &e)) {
		if (e.t > until && s->live <= 0)
			break;
		/* A safety net: a call the engine never finishes must not run us forever. */
		if (e.t > until + 7LL * 86400000)
			break;
		step(s, &e);
		if (e.kind == SIM_MARK && mark_h)
			mark_h(s, e.t);
	}
	return s->err;
}

static void sim_free(struct sim *s)
{
	acd_free(s->acd);
	acd_stats_free(s->stats);
	free(s->heap.v);
	for (int i = 0; i < s->ngroups; i++)
		hours_free(s->groups[i].hours);
	free(s->groups);
	free(s->agents);
}

/* ======================================================================
 * the one-group model (Erlang C / A)
 * ====================================================================== */

double acd_sim_warmup_s(double hours)
{
	double w = 0.05 * hours * 3600.0;

	if (w < 3600.0)
		w = 3600.0;
	return ceil(w / 900.0) * 900.0;
}

/* At the end of the measured period: agent time up to now. */
static void measure_agents(struct sim *s, int64_t now)
{
	struct acd_agent_interval a;
	int64_t logged = 0, busy = 0;
	size_t i = 0;

	acd_stats_flush(s->stats, now);
	while (acd_stats_next_agent(s->stats, &i, &a)) {
		if (a.start_ms < s->win_from)
			continue;
		logged += a.logged_in_ms;
		busy += a.talk_ms + a.wrapup_ms;
	}
	s->occupancy = logged > 0 ? (double)busy / (double)logged : 0.0;
}

static bool cfg_ok(const struct acd_sim_cfg *c)
{
	return c->agents >= 1 && c->agents <= SIM_MAX_AGENTS && isfinite(c->calls_per_hour) &&
	       c->calls_per_hour > 0 && c->calls_per_hour <= 1e7 && isfinite(c->aht_s) &&
	       c->aht_s > 0 && c->aht_s <= 86400 && isfinite(c->wrapup_s) && c->wrapup_s >= 0 &&
	       c->wrapup_s <= 86400 && isfinite(c->patience_s) && c->patience_s >= 0 &&
	       isfinite(c->hours) && c->hours > 0 && c->hours <= 1e6 && isfinite(c->warmup_s) &&
	       c->warmup_s <= 1e9 && isfinite(c->target_time_s) && c->target_time_s >= 0 &&
	       c->short_abandon_ms >= 0;
}

int acd_sim_run(const struct acd_sim_cfg *cfg, struct acd_sim_result *out)
{
	struct sim s;
	struct acd_group_cfg gc;
	struct acd_membership m = {.group = 1, .level = 1};
	struct acd_group_interval row;
	struct acd_totals t;
	double warm;
	int64_t end;
	size_t i = 0;
	int err;

	if (!cfg || !out || !cfg_ok(cfg))
		return EINVAL;
	memset(&s, 0, sizeof(s));
	memset(out, 0, sizeof(*out));
	s.sched_deadline = INT64_MAX;
	warm = cfg->warmup_s < 0 ? acd_sim_warmup_s(cfg->hours)
	                         : ceil(cfg->warmup_s / 900.0) * 900.0;
	end = SIM_T0 + (int64_t)llround((warm + cfg->hours * 3600.0) * 1000.0);
	rng_seed(&s.rng, cfg->seed);
	s.arrivals_from = SIM_T0;
	s.arrivals_to = end;
	s.win_from = SIM_T0 + (int64_t)llround(warm * 1000.0);
	s.win_to = end;
	s.target_ms =
	        (int64_t)llround((cfg->target_time_s > 0 ? cfg->target_time_s : 60.0) * 1000.0);

	s.groups = calloc(1, sizeof(*s.groups));
	s.agents = calloc((size_t)cfg->agents, sizeof(*s.agents));
	if (!s.groups || !s.agents) {
		err = ENOMEM;
		goto out;
	}
	s.ngroups = 1;
	s.groups[0].id = 1;
	snprintf(s.groups[0].name, sizeof(s.groups[0].name), "modell");
	s.groups[0].talk_ms = cfg->aht_s * 1000.0;
	s.groups[0].patience_ms = cfg->patience_s * 1000.0;
	s.groups[0].rate = cfg->calls_per_hour;

	err = acd_alloc(&s.acd);
	if (!err)
		err = acd_stats_alloc(&s.stats, cfg->short_abandon_ms);
	if (err)
		goto out;
	memset(&gc, 0, sizeof(gc));
	gc.id = 1;
	gc.wrapup_ms = (int64_t)llround(cfg->wrapup_s * 1000.0);
	gc.aht_ms = (int64_t)llround((cfg->aht_s + cfg->wrapup_s) * 1000.0);
	err = acd_group_set(s.acd, &gc);
	for (int a = 0; !err && a < cfg->agents; a++) {
		s.agents[a].id = (uint32_t)a + 1;
		err = acd_agent_set(s.acd, s.agents[a].id, &m, 1);
		if (!err)
			err = acd_agent_login(s.acd, SIM_T0, s.agents[a].id);
		if (!err)
			err = acd_agent_ready(s.acd, SIM_T0, s.agents[a].id);
	}
	s.nagents = cfg->agents;
	if (err)
		goto out;
	settle(&s, SIM_T0);
	schedule_arrival(&s, 0, SIM_T0);
	push(&s, end, SIM_MARK, 0, 0);
	err = run(&s, end, measure_agents);
	if (err)
		goto out;
	err = acd_stats_status(s.stats);
	if (err)
		goto out;

	memset(&t, 0, sizeof(t));
	while (acd_stats_next_group(s.stats, &i, &row))
		if (row.start_ms >= s.win_from)
			acd_totals_add(&t, &row);
	acd_totals_finish(&t);
	out->offered = t.offered;
	out->answered = t.answered;
	out->abandoned = t.abandoned;
	out->short_abandoned = t.short_abandoned;
	out->service_level = t.offered > 0 ? (double)s.within_target / t.offered : 1.0;
	out->service_level_60 = t.service_level_60;
	out->service_level_180 = t.service_level_180;
	out->asa_s = t.asa_s;
	out->abandon_rate = t.abandon_rate;
	out->occupancy = s.occupancy;
	out->aht_s = t.aht_s;
	out->warmup_s = warm;
	out->engine_events = s.events;
out:
	sim_free(&s);
	return err;
}

/* ======================================================================
 * replaying a configured day
 * ====================================================================== */

static int cfg_err(char *err, size_t n, const char *fmt, const char *field, const char *detail)
{
	snprintf(err, n, fmt, field, detail);
	return EINVAL;
}

/* A number field: absent → def; present → finite and within [lo, hi]. */
static int get_num(const json_t *o, const char *key, const char *path, double lo, double hi,
                   double def, double *out, char *err, size_t n)
{
	const json_t *v = json_object_get(o, key);

	*out = def;
	if (!v)
		return 0;
	if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < lo ||
	    json_number_value(v) > hi) {
		snprintf(err, n, "%s.%s: expected a number from %g to %g", path, key, lo, hi);
		return EINVAL;
	}
	*out = json_number_value(v);
	return 0;
}

/* "HH:MM" (00:00 … 24:00) → minutes after midnight. */
static int parse_hhmm(const char *s, int *min)
{
	char *end;
	long h, m;

	if (!s || strlen(s) != 5 || s[2] != ':')
		return EINVAL;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return EINVAL;
	h = strtol(s, &end, 10);
	m = strtol(s + 3, &end, 10);
	if (h > 24 || m > 59 || (h == 24 && m != 0))
		return EINVAL;
	*min = (int)(h * 60 + m);
	return 0;
}

static int local_ms(const struct date *d, int minutes, int64_t *out)
{
	int64_t t;
	struct date next;
	int err;

	if (minutes == 24 * 60) {
		calendar_add_days(d, 1, &next);
		err = calendar_local_to_utc(&next, 0, 0, &t);
	} else {
		err = calendar_local_to_utc(d, minutes / 60, minutes % 60, &t);
	}
	*out = t * 1000;
	return err;
}

static int parse_groups(struct sim *s, const json_t *arr, struct acd_group_cfg *gcs, char *err,
                        size_t n)
{
	const json_t *g;
	size_t i;
	int e;

	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > SIM_MAX_GROUPS)
		return cfg_err(err, n, "%s: expected %s", "groups",
		               "an array of 1 to 256 group objects");
	s->groups = calloc(json_array_size(arr), sizeof(*s->groups));
	if (!s->groups)
		return ENOMEM;
	json_array_foreach(arr, i, g)
	{
		struct sim_group *sg = &s->groups[i];
		struct acd_group_cfg *gc = &gcs[i];
		char path[32];
		const json_t *rates, *v;
		double d;

		s->ngroups = (int)i + 1;
		snprintf(path, sizeof(path), "groups[%zu]", i);
		if (!json_is_object(g))
			return cfg_err(err, n, "%s: expected %s", path, "an object");
		memset(gc, 0, sizeof(*gc));
		if ((e = get_num(g, "id", path, 1, 4294967295.0, 0, &d, err, n)))
			return e;
		if (d == 0 || d != floor(d))
			return cfg_err(err, n, "%s.id: expected %s", path, "a whole number ≥ 1");
		gc->id = sg->id = (uint32_t)d;
		for (size_t j = 0; j < i; j++)
			if (s->groups[j].id == sg->id)
				return cfg_err(err, n, "%s.id: %s", path,
				               "used by an earlier group");
		v = json_object_get(g, "name");
		snprintf(sg->name, sizeof(sg->name), "%s",
		         json_is_string(v) ? json_string_value(v) : "");
		if ((e = get_num(g, "priority", path, -1000, 1000, 0, &d, err, n)))
			return e;
		gc->priority = (int)d;
		if ((e = get_num(g, "overflow_group", path, 0, 4294967295.0, 0, &d, err, n)))
			return e;
		gc->overflow_group = (uint32_t)d;
		if ((e = get_num(g, "max_wait_s", path, 0, 86400, 0, &d, err, n)))
			return e;
		gc->max_wait_ms = (int64_t)llround(d * 1000);
		if ((e = get_num(g, "max_queue", path, 0, 100000, 0, &d, err, n)))
			return e;
		gc->max_queue = (int)d;
		if ((e = get_num(g, "callback_offer_s", path, 0, 86400, 0, &d, err, n)))
			return e;
		gc->callback_offer_ms = (int64_t)llround(d * 1000);
		if ((e = get_num(g, "wrapup_s", path, 0, 86400, 0, &d, err, n)))
			return e;
		gc->wrapup_ms = (int64_t)llround(d * 1000);
		if ((e = get_num(g, "aht_s", path, 1, 86400, 180, &d, err, n)))
			return e;
		sg->talk_ms = d * 1000;
		gc->aht_ms = (int64_t)llround(d * 1000) + gc->wrapup_ms;
		if ((e = get_num(g, "patience_s", path, 0, 86400, 0, &d, err, n)))
			return e;
		sg->patience_ms = d * 1000;
		v = json_object_get(g, "hours");
		if (v) {
			char herr[160];
			char field[48];

			if (hours_parse(&sg->hours, v, herr, sizeof(herr))) {
				snprintf(field, sizeof(field), "%s.hours", path);
				return cfg_err(err, n, "%s: %s", field, herr);
			}
			gc->hours = sg->hours;
		}
		rates = json_object_get(g, "calls_per_hour");
		if (!json_is_array(rates) || json_array_size(rates) != 24)
			return cfg_err(err, n, "%s.calls_per_hour: expected %s", path,
			               "24 numbers ≥ 0, one per hour of the day from 00");
		for (size_t h = 0; h < 24; h++) {
			v = json_array_get(rates, h);
			if (!json_is_number(v) || !(json_number_value(v) >= 0) ||
			    json_number_value(v) > 1e6)
				return cfg_err(err, n, "%s.calls_per_hour: expected %s", path,
				               "24 numbers from 0 to 1000000");
			sg->per_hour[h] = json_number_value(v);
		}
	}
	return 0;
}

static int parse_agents(struct sim *s, const json_t *arr, char *err, size_t n)
{
	const json_t *a;
	size_t i;
	int e;

	if (!json_is_array(arr) || json_array_size(arr) > SIM_MAX_AGENTS)
		return cfg_err(err, n, "%s: expected %s", "agents",
		               "an array of at most 10000 agent objects");
	s->agents = calloc(json_array_size(arr) + 1, sizeof(*s->agents));
	if (!s->agents)
		return ENOMEM;
	json_array_foreach(arr, i, a)
	{
		struct acd_membership m[ACD_MAX_MEMBERSHIPS];
		struct sim_agent *sa = &s->agents[i];
		const json_t *gs, *mv;
		char path[32];
		int login = 8 * 60, logout = 16 * 60, nm = 0;
		size_t j;
		double d;

		snprintf(path, sizeof(path), "agents[%zu]", i);
		if (!json_is_object(a))
			return cfg_err(err, n, "%s: expected %s", path, "an object");
		if ((e = get_num(a, "id", path, 1, 4294967295.0, 0, &d, err, n)))
			return e;
		if (d == 0 || d != floor(d))
			return cfg_err(err, n, "%s.id: expected %s", path, "a whole number ≥ 1");
		sa->id = (uint32_t)d;
		for (j = 0; j < i; j++)
			if (s->agents[j].id == sa->id)
				return cfg_err(err, n, "%s.id: %s", path,
				               "used by an earlier agent");
		gs = json_object_get(a, "groups");
		if (!json_is_array(gs) || json_array_size(gs) == 0 ||
		    json_array_size(gs) > ACD_MAX_MEMBERSHIPS)
			return cfg_err(err, n, "%s.groups: expected %s", path,
			               "1 to 32 memberships {\"group\": id, \"level\": 1-9}");
		json_array_foreach(gs, j, mv)
		{
			double gid, lvl;
			char mpath[80];

			snprintf(mpath, sizeof(mpath), "%s.groups[%zu]", path, j);
			if (!json_is_object(mv))
				return cfg_err(err, n, "%s: expected %s", mpath,
				               "{\"group\": id, \"level\": 1-9}");
			if ((e = get_num(mv, "group", mpath, 1, 4294967295.0, 0, &gid, err, n)) ||
			    (e = get_num(mv, "level", mpath, 1, 9, 1, &lvl, err, n)))
				return e;
			if (!group_by_id(s, (uint32_t)gid))
				return cfg_err(err, n, "%s.group: %s", mpath, "no such group");
			m[nm].group = (uint32_t)gid;
			m[nm].level = (int)lvl;
			nm++;
		}
		mv = json_object_get(a, "login");
		if (mv && (!json_is_string(mv) || parse_hhmm(json_string_value(mv), &login)))
			return cfg_err(err, n, "%s.login: expected %s", path, "a time \"HH:MM\"");
		mv = json_object_get(a, "logout");
		if (mv && (!json_is_string(mv) || parse_hhmm(json_string_value(mv), &logout)))
			return cfg_err(err, n, "%s.logout: expected %s", path, "a time \"HH:MM\"");
		if (logout <= login)
			return cfg_err(err, n, "%s.logout: %s", path, "must be after login");
		sa->login_ms = login; /* minutes for now; made times by the caller */
		sa->logout_ms = logout;
		s->nagents = (int)i + 1;
		if ((e = acd_agent_set(s->acd, sa->id, m, nm)))
			return cfg_err(err, n, "%s.groups: %s", path,
			               e == ENOENT ? "no such group" : "not accepted by the ACD");
	}
	return 0;
}

int acd_sim_replay(const json_t *conf, uint64_t seed, struct acd_sim_group_result **out, int *n,
                   char *err, size_t errlen)
{
	struct sim s;
	struct acd_group_cfg *gcs = NULL;
	struct acd_sim_group_result *res = NULL;
	struct acd_group_interval row;
	struct date day;
	const json_t *v;
	double short_s;
	size_t i = 0;
	int e;

	if (!conf || !out || !n || !err || errlen == 0)
		return EINVAL;
	memset(&s, 0, sizeof(s));
	s.sched_deadline = INT64_MAX;
	err[0] = '\0';
	if (!json_is_object(conf)) {
		e = cfg_err(err, errlen, "%s: expected %s", "configuration", "a JSON object");
		goto out;
	}
	v = json_object_get(conf, "date");
	if (!json_is_string(v) || calendar_date_parse(json_string_value(v), &day)) {
		e = cfg_err(err, errlen, "%s: expected %s", "date", "a date \"YYYY-MM-DD\"");
		goto out;
	}
	if ((e = get_num(conf, "short_abandon_s", "configuration", 0, 600, 5, &short_s, err,
	                 errlen)) ||
	    (e = get_num(conf, "callback_accept", "configuration", 0, 1, 0.5, &s.callback_accept,
	                 err, errlen)) ||
	    (e = get_num(conf, "callback_answer", "configuration", 0, 1, 0.8, &s.callback_answer,
	                 err, errlen)))
		goto out;
	v = json_object_get(conf, "groups");
	gcs = calloc(json_is_array(v) && json_array_size(v) ? json_array_size(v) : 1, sizeof(*gcs));
	if (!gcs) {
		e = ENOMEM;
		goto out;
	}
	if ((e = parse_groups(&s, v, gcs, err, errlen)))
		goto out;
	if ((e = acd_alloc(&s.acd)) ||
	    (e = acd_stats_alloc(&s.stats, (int64_t)llround(short_s * 1000))))
		goto out;
	for (int g = 0; g < s.ngroups; g++) {
		if (gcs[g].overflow_group && !group_by_id(&s, gcs[g].overflow_group)) {
			snprintf(err, errlen, "groups[%d].overflow_group: no group with id %u", g,
			         (unsigned)gcs[g].overflow_group);
			e = EINVAL;
			goto out;
		}
		if ((e = acd_group_set(s.acd, &gcs[g]))) {
			snprintf(err, errlen, "groups[%d]: not accepted by the ACD (%s)", g,
			         strerror(e));
			goto out;
		}
	}
	if ((e = parse_agents(&s, json_object_get(conf, "agents"), err, errlen)))
		goto out;

	for (int h = 0; h <= 24; h++)
		if ((e = local_ms(&day, h * 60, &s.hour_ms[h]))) {
			e = cfg_err(err, errlen, "%s: %s", "date", "outside the calendar's range");
			goto out;
		}
	s.by_hour = true;
	s.arrivals_from = s.hour_ms[0];
	s.arrivals_to = s.hour_ms[24];
	s.win_from = s.arrivals_from;
	s.win_to = s.arrivals_to;
	s.target_ms = 60000;
	rng_seed(&s.rng, seed);
	for (int a = 0; a < s.nagents; a++) {
		struct sim_agent *sa = &s.agents[a];

		if ((e = local_ms(&day, (int)sa->login_ms, &sa->login_ms)) ||
		    (e = local_ms(&day, (int)sa->logout_ms, &sa->logout_ms)))
			goto out;
		push(&s, sa->login_ms, SIM_LOGIN, 0, sa->id);
		push(&s, sa->logout_ms, SIM_LOGOUT, 0, sa->id);
	}
	for (int g = 0; g < s.ngroups; g++)
		schedule_arrival(&s, g, s.arrivals_from);
	/* The engine may want to act on opening hours from the start of the day. */
	(void)acd_timer(s.acd, s.arrivals_from);
	settle(&s, s.arrivals_from);
	if ((e = run(&s, s.arrivals_to, NULL)) || (e = acd_stats_status(s.stats))) {
		snprintf(err, errlen, "the simulation failed: %s", strerror(e));
		goto out;
	}

	res = calloc((size_t)s.ngroups, sizeof(*res));
	if (!res) {
		e = ENOMEM;
		goto out;
	}
	for (int g = 0; g < s.ngroups; g++) {
		res[g].group = s.groups[g].id;
		snprintf(res[g].name, sizeof(res[g].name), "%s", s.groups[g].name);
	}
	while (acd_stats_next_group(s.stats, &i, &row))
		for (int g = 0; g < s.ngroups; g++)
			if (res[g].group == row.group)
				acd_totals_add(&res[g].t, &row);
	for (int g = 0; g < s.ngroups; g++)
		acd_totals_finish(&res[g].t);
	*out = res;
	*n = s.ngroups;
	res = NULL;
out:
	free(res);
	free(gcs);
	sim_free(&s);
	return e;
}

/* ======================================================================
 * lotsen simulate
 * ====================================================================== */

static void sim_usage(FILE *f)
{
	fprintf(f,
	        "usage: lotsen simulate --agents N --calls-per-hour R --aht S [--patience S]\n"
	        "                       [--hours H] [--seed K] [--target-time S] [--wrapup S]\n"
	        "                       [--warmup H] [--short-abandon S] [--json]\n"
	        "       lotsen simulate --config FILE.json [--seed K] [--json]\n"
	        "\n"
	        "  --agents N          agents logged in the whole time (1-%d)\n"
	        "  --calls-per-hour R  Poisson arrival rate\n"
	        "  --aht S             mean talk time in seconds (exponential)\n"
	        "  --patience S        mean caller patience in seconds (exponential); default\n"
	        "                      infinite, which is Erlang C; with it, Erlang A\n"
	        "  --hours H           simulated hours measured (default 1000)\n"
	        "  --warmup H          hours discarded first (default 1 h or 5 %% of --hours)\n"
	        "  --seed K            random seed (default 1)\n"
	        "  --target-time S     service-level target in seconds (default 60)\n"
	        "  --wrapup S          fixed wrap-up after each call in seconds (default 0)\n"
	        "  --short-abandon S   abandons within S seconds are left out (default 0 so\n"
	        "                      figures compare with Erlang; reports use 5)\n"
	        "  --config FILE       replay one day of configured groups and agents\n"
	        "  --json              one JSON object on standard output\n",
	        SIM_MAX_AGENTS);
}

static int bad_value(const char *flag, const char *val, const char *accepted)
{
	fprintf(stderr, "lotsen simulate: %s: \"%s\" is not %s\n", flag, val, accepted);
	return 2;
}

static bool parse_double(const char *s, double lo, double hi, bool lo_open, double *out)
{
	char *end;
	double d;

	if (!s || !*s)
		return false;
	errno = 0;
	d = strtod(s, &end);
	if (errno || *end || !isfinite(d) || d < lo || (lo_open && d == lo) || d > hi)
		return false;
	*out = d;
	return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* One "  label   value" line, the values in one column however many bytes the
 * label's å, ä and ö take. */
static void row(const char *label, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void row(const char *label, const char *fmt, ...)
{
	int width = 0;
	va_list ap;

	for (const char *p = label; *p; p++)
		width += ((unsigned char)*p & 0xc0) != 0x80;
	printf("  %s%*s", label, width < 25 ? 25 - width : 1, "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int print_model(const struct acd_sim_cfg *c, const struct acd_sim_result *r, bool json)
{
	char label[64];

	if (json) {
		json_t *o = json_pack("{s:i,s:i,s:i,s:f,s:f,s:f,s:f}", "offered", r->offered,
		                      "answered", r->answered, "abandoned", r->abandoned,
		                      "service_level", r->service_level, "asa", r->asa_s,
		                      "abandon_rate", r->abandon_rate, "occupancy", r->occupancy);
		char *txt = o ? json_dumps(o, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) : NULL;

		json_decref(o);
		if (!txt)
			return 1;
		printf("%s\n", txt);
		free(txt);
		return 0;
	}
	printf("Simulering: %d handläggare, %.1f samtal/timme, samtalstid %.0f s", c->agents,
	       c->calls_per_hour, c->aht_s);
	if (c->wrapup_s > 0)
		printf(" + efterarbete %.0f s", c->wrapup_s);
	if (c->patience_s > 0)
		printf(", tålamod %.0f s (Erlang A)\n", c->patience_s);
	else
		printf(", oändligt tålamod (Erlang C)\n");
	printf("%.0f timmar mätta efter %.2f timmars uppvärmning, frö %" PRIu64 "\n", c->hours,
	       r->warmup_s / 3600.0, c->seed);
	row("Erbjudna samtal", "%d", r->offered);
	row("Besvarade", "%d", r->answered);
	row("Avbrutna", "%d (%.1f %%)", r->abandoned, 100.0 * r->abandon_rate);
	if (c->short_abandon_ms > 0)
		row("Korta avbrott", "%d (ej medräknade)", r->short_abandoned);
	snprintf(label, sizeof(label), "Servicenivå inom %.0f s",
	         c->target_time_s > 0 ? c->target_time_s : 60.0);
	row(label, "%.1f %%", 100.0 * r->service_level);
	row("Medelväntetid (ASA)", "%.1f s", r->asa_s);
	row("Beläggning", "%.1f %%", 100.0 * r->occupancy);
	return 0;
}

static int print_replay(const struct acd_sim_group_result *r, int n, bool json)
{
	if (json) {
		json_t *arr = json_array(), *o;
		char *txt;

		for (int i = 0; i < n; i++) {
			const struct acd_totals *t = &r[i].t;

			json_array_append_new(
			        arr,
			        json_pack("{s:i,s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:f,s:f,s:"
			                  "f,s:f,s:f}",
			                  "group", (int)r[i].group, "name", r[i].name, "offered",
			                  t->offered, "answered", t->answered, "abandoned",
			                  t->abandoned, "short_abandoned", t->short_abandoned,
			                  "overflowed", t->overflowed, "closed", t->closed,
			                  "forwarded", t->forwarded, "callbacks_requested",
			                  t->callbacks_requested, "callbacks_answered",
			                  t->callbacks_answered, "service_level",
			                  t->service_level_60, "service_level_180",
			                  t->service_level_180, "asa", t->asa_s, "aht", t->aht_s,
			                  "abandon_rate", t->abandon_rate));
		}
		o = json_pack("{s:o}", "groups", arr);
		txt = o ? json_dumps(o, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) : NULL;
		json_decref(o);
		if (!txt)
			return 1;
		printf("%s\n", txt);
		free(txt);
		return 0;
	}
	printf("grupp  namn                 erbjudna besvarade avbrutna  överfl.  stängt återring."
	       "  SL 60s    ASA s   AHT s\n");
	for (int i = 0; i < n; i++) {
		const struct acd_totals *t = &r[i].t;
		int width = 0;

		/* pad the name by characters, not bytes (å, ä, ö take two) */
		for (const char *p = r[i].name; *p; p++)
			width += ((unsigned char)*p & 0xc0) != 0x80;
		printf("%-6u %s%*s %8d %9d %8d %8d %7d %9d %6.1f%% %8.1f %7.1f\n",
		       (unsigned)r[i].group, r[i].name, width < 20 ? 20 - width : 0, "", t->offered,
		       t->answered, t->abandoned, t->overflowed, t->closed, t->callbacks_requested,
		       100.0 * t->service_level_60, t->asa_s, t->aht_s);
	}
	return 0;
}

static int run_replay(const char *path, uint64_t seed, bool json)
{
	struct acd_sim_group_result *res = NULL;
	json_error_t jerr;
	char msg[300];
	json_t *conf = json_load_file(path, 0, &jerr);
	int n = 0, e;

	if (!conf) {
		fprintf(stderr, "lotsen simulate: --config %s: line %d: %s\n", path, jerr.line,
		        jerr.text);
		return 2;
	}
	e = acd_sim_replay(conf, seed, &res, &n, msg, sizeof(msg));
	json_decref(conf);
	if (e) {
		fprintf(stderr, "lotsen simulate: --config %s: %s\n", path,
		        msg[0] ? msg : strerror(e));
		return e == EINVAL ? 2 : 1;
	}
	e = print_replay(res, n, json);
	free(res);
	return e;
}

int simulate_cli(int argc, char **argv)
{
	struct acd_sim_cfg c = {.hours = 1000, .warmup_s = -1, .target_time_s = 60, .seed = 1};
	struct acd_sim_result r;
	const char *config = NULL;
	bool json = false, have_agents = false, have_rate = false, have_aht = false;
	int err;

	for (int i = 1; i < argc; i++) {
		const char *flag = argv[i], *val;
		double d;

		if (strcmp(flag, "--help") == 0 || strcmp(flag, "-h") == 0) {
			sim_usage(stdout);
			return 0;
		}
		if (strcmp(flag, "--json") == 0) {
			json = true;
			continue;
		}
		if (strncmp(flag, "--", 2) != 0 ||
		    (strcmp(flag, "--agents") && strcmp(flag, "--calls-per-hour") &&
		     strcmp(flag, "--aht") && strcmp(flag, "--patience") &&
		     strcmp(flag, "--hours") && strcmp(flag, "--seed") &&
		     strcmp(flag, "--target-time") && strcmp(flag, "--wrapup") &&
		     strcmp(flag, "--warmup") && strcmp(flag, "--short-abandon") &&
		     strcmp(flag, "--config"))) {
			fprintf(stderr, "lotsen simulate: unknown option %s (see --help)\n", flag);
			return 2;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "lotsen simulate: %s needs a value\n", flag);
			return 2;
		}
		val = argv[++i];
		if (strcmp(flag, "--config") == 0) {
			config = val;
		} else if (strcmp(flag, "--seed") == 0) {
			if (!parse_u64(val, &c.seed))
				return bad_value(flag, val, "a whole number from 0 to 2^64-1");
		} else if (strcmp(flag, "--agents") == 0) {
			if (!parse_double(val, 1, SIM_MAX_AGENTS, false, &d) || d != floor(d))
				return bad_value(flag, val, "a whole number from 1 to 10000");
			c.agents = (int)d;
			have_agents = true;
		} else if (strcmp(flag, "--calls-per-hour") == 0) {
			if (!parse_double(val, 0, 1e7, true, &c.calls_per_hour))
				return bad_value(flag, val,
				                 "a number above 0 and at most 10000000");
			have_rate = true;
		} else if (strcmp(flag, "--aht") == 0) {
			if (!parse_double(val, 0, 86400, true, &c.aht_s))
				return bad_value(flag, val,
				                 "a number of seconds above 0, at most 86400");
			have_aht = true;
		} else if (strcmp(flag, "--patience") == 0) {
			if (!parse_double(val, 0, 86400, false, &c.patience_s))
				return bad_value(
				        flag, val,
				        "a number of seconds from 0 to 86400 (0 = infinite)");
		} else if (strcmp(flag, "--hours") == 0) {
			if (!parse_double(val, 0, 1e6, true, &c.hours))
				return bad_value(flag, val,
				                 "a number of hours above 0, at most 1000000");
		} else if (strcmp(flag, "--warmup") == 0) {
			if (!parse_double(val, 0, 1e5, false, &d))
				return bad_value(flag, val, "a number of hours from 0 to 100000");
			c.warmup_s = d * 3600;
		} else if (strcmp(flag, "--target-time") == 0) {
			if (!parse_double(val, 0, 86400, true, &c.target_time_s))
				return bad_value(flag, val,
				                 "a number of seconds above 0, at most 86400");
		} else if (strcmp(flag, "--wrapup") == 0) {
			if (!parse_double(val, 0, 86400, false, &c.wrapup_s))
				return bad_value(flag, val, "a number of seconds from 0 to 86400");
		} else if (strcmp(flag, "--short-abandon") == 0) {
			if (!parse_double(val, 0, 600, false, &d))
				return bad_value(flag, val, "a number of seconds from 0 to 600");
			c.short_abandon_ms = (int64_t)llround(d * 1000);
		}
	}
	if (config)
		return run_replay(config, c.seed, json);
	if (!have_agents || !have_rate || !have_aht) {
		fprintf(stderr, "lotsen simulate: %s is required (see --help)\n",
		        !have_agents ? "--agents"
		        : !have_rate ? "--calls-per-hour"
		                     : "--aht");
		return 2;
	}
	err = acd_sim_run(&c, &r);
	if (err) {
		fprintf(stderr, "lotsen simulate: the simulation failed: %s\n", strerror(err));
		return 1;
	}
	return print_model(&c, &r, json);
}
