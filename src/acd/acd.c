/* The ACD engine: groups, agents, calls, routing, overflow, callbacks (see docs/acd.md). */
#include "acd/acd_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/hours.h"

/* Room every public entry point makes before it changes anything, so pushing
 * actions, events and timers cannot fail half-way; loops that may produce more
 * (routing several calls, running many timers) reserve again per step. */
#define STEP_RESERVE 32

/* ---- lists ---------------------------------------------------------------- */

static void dl_init(struct dnode *s)
{
	s->prev = s->next = s;
}

static bool dl_empty(const struct dnode *s)
{
	return s->next == s;
}

static void dl_insert_after(struct dnode *at, struct dnode *n)
{
	n->prev = at;
	n->next = at->next;
	at->next->prev = n;
	at->next = n;
}

static void dl_unlink(struct dnode *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

#define CALL_OF(n)   ACD_CONTAINER(n, struct call, qnode)
#define MEMBER_OF(n) ACD_CONTAINER(n, struct member, node)

/* ---- small helpers --------------------------------------------------------- */

static bool terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

static void copy_str(char *dst, const char *src, size_t n)
{
	size_t len = strnlen(src, n - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

static int reserve(struct acd *a, size_t n)
{
	if (ring_reserve(&a->actions, n) || ring_reserve(&a->events, n) ||
	    theap_reserve(&a->timers, n))
		return ENOMEM;
	return 0;
}

static struct group *group_get(const struct acd *a, uint32_t id)
{
	return u64map_get(&a->groups, id);
}

static struct agent *agent_get(const struct acd *a, uint32_t id)
{
	return u64map_get(&a->agents, id);
}

/* A call (never an e-mail item: those are reached by their ref, mail_get). */
static struct call *call_get(const struct acd *a, uint64_t id)
{
	struct call *c = u64map_get(&a->calls, id);

	return c && c->channel != ACD_CHANNEL_EMAIL ? c : NULL;
}

static struct call *mail_get(const struct acd *a, uint64_t ref)
{
	return ref ? u64map_get(&a->mails, ref) : NULL;
}

static bool is_mail(const struct call *c)
{
	return c->channel == ACD_CHANNEL_EMAIL;
}

/* The id the outside knows: a call's engine id, an e-mail item's ref. */
static uint64_t outside_id(const struct call *c)
{
	return is_mail(c) ? c->ref : c->id;
}

static bool group_open(const struct group *g, int64_t now)
{
	for (int i = 0; i < g->cfg.n_closures; i++)
		if (now >= g->closures[i].from_ms && now < g->closures[i].to_ms)
			return false;
	return hours_is_open(g->cfg.hours, now / 1000);
}

static bool group_full(const struct group *g)
{
	return g->cfg.max_queue > 0 && g->n_calls >= g->cfg.max_queue;
}

static int64_t or_default(int64_t v, int64_t def)
{
	return v ? v : def;
}

static int64_t group_ewt(const struct group *g, int position)
{
	int serving = g->n_state[ACD_AGENT_READY] + g->n_state[ACD_AGENT_OFFERED] +
	              g->n_state[ACD_AGENT_TALKING] + g->n_state[ACD_AGENT_WRAPUP];

	if (position <= 0)
		return 0;
	if (serving < 1)
		serving = 1;
	return (int64_t)position * or_default(g->cfg.aht_ms, ACD_DEFAULT_AHT_MS) / serving;
}

/* 1-based place in the queue; walks from both ends at once, so the cost is
 * the distance to the nearer end. */
static int call_position(const struct call *c)
{
	const struct group *g = c->group;
	const struct dnode *f = c->qnode.prev, *b = c->qnode.next;
	int ahead = 0, behind = 0;

	for (;;) {
		if (f == &g->queue)
			return ahead + 1;
		if (b == &g->queue)
			return g->n_calls + g->n_callbacks - behind;
		f = f->prev;
		b = b->next;
		ahead++;
		behind++;
	}
}

/* ---- output --------------------------------------------------------------- */

static void action(struct acd *a, enum acd_action_kind kind, const struct call *c,
                   const struct agent *ag, int position, int64_t ewt, const char *number)
{
	struct acd_action x;

	memset(&x, 0, sizeof(x));
	x.kind = kind;
	x.call = outside_id(c);
	x.agent = ag ? ag->id : 0;
	x.group = c->group ? (uint32_t)c->group->cfg.id : 0;
	x.position = position;
	x.ewt_ms = ewt;
	if (number)
		copy_str(x.number, number, sizeof(x.number));
	ring_push(&a->actions, &x);
}

static void event_init(struct acd_event *e, int64_t now, enum acd_event_kind kind,
                       const struct call *c, const struct agent *ag)
{
	memset(e, 0, sizeof(*e));
	e->t_ms = now;
	e->kind = kind;
	e->call = c ? outside_id(c) : 0;
	e->agent = ag ? ag->id : 0;
	e->group = c && c->group ? c->group->cfg.id : 0;
}

static void event_push(struct acd *a, const struct acd_event *e)
{
	ring_push(&a->events, e);
}

static void event(struct acd *a, int64_t now, enum acd_event_kind kind, const struct call *c,
                  const struct agent *ag)
{
	struct acd_event e;

	event_init(&e, now, kind, c, ag);
	event_push(a, &e);
}

/* ---- timers --------------------------------------------------------------- */

static void timer_set(struct acd *a, uint64_t *slot, int kind, void *obj, int64_t at)
{
	struct timer t = {.at = at, .token = ++a->next_token, .obj = obj, .kind = kind};

	if (!*slot)
		a->timers.live++;
	*slot = t.token;
	theap_push(&a->timers, &t);
}

static void timer_clear(struct acd *a, uint64_t *slot)
{
	if (*slot) {
		*slot = 0;
		a->timers.live--;
	}
}

/* ---- calls: pool, hops ------------------------------------------------------ */

static int call_reserve(struct acd *a)
{
	if (!a->free_calls) {
		struct call_slab *s = calloc(1, sizeof(*s));
		if (!s)
			return ENOMEM;
		s->next = a->slabs;
		a->slabs = s;
		for (size_t i = ACD_CALL_SLAB; i-- > 0;) {
			s->calls[i].next_free = a->free_calls;
			a->free_calls = &s->calls[i];
		}
	}
	return u64map_reserve(&a->calls, 1);
}

static struct call *call_new(struct acd *a)
{
	struct call *c = a->free_calls;

	a->free_calls = c->next_free;
	memset(c, 0, sizeof(*c));
	c->id = ++a->next_call_id;
	dl_init(&c->qnode);
	u64map_put(&a->calls, c->id, c);
	return c;
}

static void call_free(struct acd *a, struct call *c)
{
	for (int k = 0; k < TIMER_CALL_KINDS; k++)
		timer_clear(a, &c->t[k]);
	u64map_del(&a->calls, c->id);
	free(c->more_hops);
	c->more_hops = NULL;
	c->id = 0;
	c->next_free = a->free_calls;
	a->free_calls = c;
}

static struct hop *hop_at(struct call *c, int i)
{
	return i < ACD_HOPS_INLINE ? &c->hops[i] : &c->more_hops[i - ACD_HOPS_INLINE];
}

static const struct hop *hop_at_const(const struct call *c, int i)
{
	return i < ACD_HOPS_INLINE ? &c->hops[i] : &c->more_hops[i - ACD_HOPS_INLINE];
}

/* 0 when one more hop fits; EPERM when the call has been through ACD_MAX_HOPS. */
static int hop_reserve(struct call *c)
{
	if (c->n_hops >= ACD_MAX_HOPS)
		return EPERM;
	if (c->n_hops >= ACD_HOPS_INLINE && !c->more_hops) {
		c->more_hops = calloc(ACD_MAX_HOPS - ACD_HOPS_INLINE, sizeof(*c->more_hops));
		if (!c->more_hops)
			return ENOMEM;
	}
	return 0;
}

static void hop_add(struct call *c, enum acd_hop_kind kind, const struct group *g, int64_t now)
{
	struct hop *h;

	if (hop_reserve(c) != 0)
		return;
	h = hop_at(c, c->n_hops++);
	h->at_ms = now;
	h->group = g->cfg.id;
	h->kind = (uint8_t)kind;
}

/* ---- agents: state counters and ready lists -------------------------------- */

static void agent_state(struct agent *ag, enum acd_agent_state s, int64_t now)
{
	for (int i = 0; i < ag->n_members; i++) {
		ag->members[i].group->n_state[ag->state]--;
		ag->members[i].group->n_state[s]++;
	}
	ag->state = s;
	ag->since_ms = now;
}

static void agent_unlist(struct agent *ag)
{
	for (int i = 0; i < ag->n_members; i++)
		dl_unlink(&ag->members[i].node);
}

/* Put the agent in its ready lists by idle_since_ms. Agents who just became
 * ready go to the tail at once; an agent whose offer was withdrawn goes back
 * to its old place, found from the tail (a rare path). */
static void agent_list(struct agent *ag)
{
	for (int i = 0; i < ag->n_members; i++) {
		struct member *m = &ag->members[i];
		struct dnode *s = &m->group->ready[m->level - 1], *p = s->prev;

		while (p != s && MEMBER_OF(p)->agent->idle_since_ms > ag->idle_since_ms)
			p = p->prev;
		dl_insert_after(p, &m->node);
	}
}

/* ---- routing ------------------------------------------------------------------ */

static bool widened(const struct group *g, const struct call *c, int64_t now)
{
	return c->urgent || g->cfg.widen_after_ms == 0 ||
	       now - c->entered_ms >= g->cfg.widen_after_ms;
}

/* The first entry of the queue an agent may take: callbacks being dialled or
 * waiting out their retry pause keep their place but are passed over. The
 * queue is in entry order, so if this one is not yet widened none behind it is. */
static struct call *first_candidate(const struct group *g)
{
	for (const struct dnode *n = g->queue.next; n != &g->queue; n = n->next) {
		struct call *c = CALL_OF(n);
		if (!c->callback || (!c->cb_retrying && !c->agent))
			return c;
	}
	return NULL;
}

/* The next entry after `c` an agent may take (see first_candidate). */
static struct call *next_candidate(const struct group *g, const struct call *c)
{
	for (const struct dnode *n = c->qnode.next; n != &g->queue; n = n->next) {
		struct call *k = CALL_OF(n);
		if (!k->callback || (!k->cb_retrying && !k->agent))
			return k;
	}
	return NULL;
}

static bool speaks(const struct agent *ag, const char *lang)
{
	for (int i = 0; i < ag->n_langs; i++)
		if (strcmp(ag->langs[i], lang) == 0)
			return true;
	return false;
}

static int64_t lang_widen_ms(const struct group *g)
{
	return or_default(g->cfg.language_widen_ms, ACD_DEFAULT_LANG_WIDEN_MS);
}

/* Whether the call still waits for an agent who speaks its language. */
static bool lang_bound(const struct group *g, const struct call *c, int64_t now)
{
	return c->lang[0] && now - c->entered_ms < lang_widen_ms(g);
}

/* The longest-idle ready agent of the best level the call may reach, among those who
 * speak its language while it is bound to it. */
static struct agent *pick_agent(const struct group *g, const struct call *c, int64_t now)
{
	bool bound = lang_bound(g, c, now);

	for (int l = 0; l < ACD_LEVELS; l++) {
		if (l > 0 && !widened(g, c, now))
			break;
		for (const struct dnode *n = g->ready[l].next; n != &g->ready[l]; n = n->next) {
			struct agent *ag = MEMBER_OF(n)->agent;
			if (!(ag->channels & ACD_CHANNEL_VOICE))
				continue;
			if (!bound || speaks(ag, c->lang))
				return ag;
		}
	}
	return NULL;
}

static bool any_ready(const struct group *g)
{
	for (int l = 0; l < ACD_LEVELS; l++)
		if (!dl_empty(&g->ready[l]))
			return true;
	return false;
}

static void route_mail(struct acd *a, int64_t now, struct group *g);
static struct call *best_mail(const struct agent *ag);
static void offer_mail(struct acd *a, int64_t now, struct call *c, struct agent *ag);

static void offer(struct acd *a, int64_t now, struct call *c, struct agent *ag)
{
	struct group *g = c->group;

	agent_unlist(ag);
	agent_state(ag, ACD_AGENT_OFFERED, now);
	ag->call = c;
	c->agent = ag;
	if (c->callback) {
		/* The callback keeps its place until the citizen answers. */
		action(a, ACD_ACT_CALLBACK_DIAL, c, ag, 0, 0, c->caller);
		event(a, now, ACD_EV_CALLBACK_DIALLED, c, ag);
		return;
	}
	dl_unlink(&c->qnode);
	g->n_calls--;
	c->state = CALL_OFFERED;
	timer_clear(a, &c->t[TIMER_MAX_WAIT]);
	timer_clear(a, &c->t[TIMER_WIDEN]);
	timer_clear(a, &c->t[TIMER_LANG]);
	timer_clear(a, &c->t[TIMER_ANNOUNCE]);
	timer_set(a, &c->t[TIMER_OFFER], TIMER_OFFER, c,
	          now + or_default(g->cfg.offer_timeout_ms, ACD_DEFAULT_OFFER_TIMEOUT_MS));
	action(a, ACD_ACT_OFFER, c, ag, 0, 0, NULL);
	event(a, now, ACD_EV_CALL_OFFERED, c, ag);
}

/* Give waiting calls of g to ready agents, oldest call first. */
static void route_group(struct acd *a, int64_t now, struct group *g)
{
	for (;;) {
		struct call *c;
		struct agent *ag;

		if (reserve(a, 8) != 0)
			return; /* the calls keep waiting; the next event routes them */
		if (!any_ready(g))
			return;
		/* Oldest first; a call waiting for its language does not hold up the calls
		 * behind it. The first unbound call no agent can take ends the walk: none
		 * behind it (less widened) could be taken either. */
		ag = NULL;
		for (c = first_candidate(g); c; c = next_candidate(g, c)) {
			ag = pick_agent(g, c, now);
			if (ag || !lang_bound(g, c, now))
				break;
		}
		if (!ag)
			return;
		offer(a, now, c, ag);
	}
}

/* A ready agent looks for work: the highest-priority group with an eligible
 * call, ties to the call that has waited longest. */
static void take_next(struct acd *a, int64_t now, struct agent *ag)
{
	struct call *best = NULL;

	for (int i = 0; i < ag->n_members && (ag->channels & ACD_CHANNEL_VOICE); i++) {
		const struct member *m = &ag->members[i];
		struct call *c = first_candidate(m->group);

		while (c && lang_bound(m->group, c, now) && !speaks(ag, c->lang))
			c = next_candidate(m->group, c);
		if (!c || (m->level > 1 && !widened(m->group, c, now)))
			continue;
		if (!best || m->group->cfg.priority > best->group->cfg.priority ||
		    (m->group->cfg.priority == best->group->cfg.priority &&
		     (c->urgent != best->urgent ? c->urgent : c->arrived_ms < best->arrived_ms)))
			best = c;
	}
	if (best) {
		offer(a, now, best, ag);
		return;
	}
	/* No call for this agent: an e-mail, if they take e-mail. */
	if ((ag->channels & ACD_CHANNEL_EMAIL) && (best = best_mail(ag)))
		offer_mail(a, now, best, ag);
}

/* The agent becomes ready now: last in idle order. */
static void agent_to_ready(struct acd *a, int64_t now, struct agent *ag)
{
	timer_clear(a, &ag->t_wrapup);
	agent_state(ag, ACD_AGENT_READY, now);
	ag->pause = ACD_PAUSE_NONE;
	ag->idle_since_ms = now;
	agent_list(ag);
	event(a, now, ACD_EV_AGENT_READY, NULL, ag);
	take_next(a, now, ag);
}

/* The agent's call ended or was transferred: wrap-up per g, or ready at once. */
static void after_call(struct acd *a, int64_t now, struct agent *ag, const struct group *g)
{
	struct acd_event e;

	ag->call = NULL;
	if (g->cfg.wrapup_ms <= 0) {
		agent_to_ready(a, now, ag);
		return;
	}
	agent_state(ag, ACD_AGENT_WRAPUP, now);
	event_init(&e, now, ACD_EV_AGENT_WRAPUP, NULL, ag);
	e.group = g->cfg.id;
	event_push(a, &e);
	timer_set(a, &ag->t_wrapup, TIMER_WRAPUP, ag, now + g->cfg.wrapup_ms);
}

/* ---- queueing and overflow ---------------------------------------------------- */

static void enqueue(struct acd *a, int64_t now, struct call *c, struct group *g)
{
	const struct acd_group_cfg *cfg = &g->cfg;
	int pos;
	int64_t ewt;

	c->group = g;
	c->state = CALL_QUEUED;
	c->entered_ms = now;
	if (c->urgent) {
		/* Behind the urgent calls already waiting, ahead of every other. */
		struct dnode *at = &g->queue;
		while (at->next != &g->queue && CALL_OF(at->next)->urgent)
			at = at->next;
		dl_insert_after(at, &c->qnode);
	} else {
		dl_insert_after(g->queue.prev, &c->qnode);
	}
	g->n_calls++;
	pos = c->urgent ? call_position(c) : g->n_calls + g->n_callbacks;
	ewt = group_ewt(g, pos);
	action(a, ACD_ACT_QUEUED, c, NULL, pos, ewt, NULL);
	event(a, now, ACD_EV_CALL_QUEUED, c, NULL);
	if (cfg->max_wait_ms > 0)
		timer_set(a, &c->t[TIMER_MAX_WAIT], TIMER_MAX_WAIT, c, now + cfg->max_wait_ms);
	if (cfg->widen_after_ms > 0)
		timer_set(a, &c->t[TIMER_WIDEN], TIMER_WIDEN, c, now + cfg->widen_after_ms);
	if (c->lang[0])
		timer_set(a, &c->t[TIMER_LANG], TIMER_LANG, c, now + lang_widen_ms(g));
	if (cfg->announce_every_ms > 0)
		timer_set(a, &c->t[TIMER_ANNOUNCE], TIMER_ANNOUNCE, c,
		          now + cfg->announce_every_ms);
	route_group(a, now, g);
	if (c->state == CALL_QUEUED && !c->cb_offered && cfg->callback_offer_ms > 0 &&
	    ewt > cfg->callback_offer_ms && c->caller[0]) {
		c->cb_offered = true;
		pos = call_position(c);
		action(a, ACD_ACT_OFFER_CALLBACK, c, NULL, pos, group_ewt(g, pos), NULL);
		event(a, now, ACD_EV_CALLBACK_OFFERED, c, NULL);
	}
}

static void queue_remove(struct call *c)
{
	dl_unlink(&c->qnode);
	if (c->callback)
		c->group->n_callbacks--;
	else
		c->group->n_calls--;
}

/* Where a call leaves g for: follow overflow groups to the first one that is
 * open and has room (a visited set stops loops); a group without an overflow
 * group passes the call to its overflow_number. Returns the group, or NULL
 * with *number set (or NULL when the call has nowhere to go). */
static struct group *overflow_target(const struct acd *a, int64_t now, const struct call *c,
                                     const struct group *g, const char **number)
{
	const struct group *visited[ACD_MAX_HOPS + 1];
	int n_visited = 0;
	bool hop_room = c->n_hops < ACD_MAX_HOPS;

	*number = NULL;
	visited[n_visited++] = g;
	for (;;) {
		struct group *next =
		        g->cfg.overflow_group ? group_get(a, g->cfg.overflow_group) : NULL;
		bool seen = false;

		for (int i = 0; next && i < n_visited; i++)
			seen = seen || visited[i] == next;
		if (next && !seen && n_visited <= ACD_MAX_HOPS) {
			if (hop_room && group_open(next, now) && !group_full(next))
				return next;
			visited[n_visited++] = next;
			g = next;
			continue;
		}
		if (g->cfg.overflow_number[0])
			*number = g->cfg.overflow_number;
		return NULL;
	}
}

static void overflowed(struct acd *a, int64_t now, struct call *c, const struct group *to,
                       enum acd_overflow_reason why)
{
	struct acd_event e;

	event_init(&e, now, ACD_EV_CALL_OVERFLOWED, c, NULL);
	e.to_group = to ? to->cfg.id : 0;
	e.reason = why;
	event_push(a, &e);
}

/* The call leaves the engine for a number; c is freed. */
static void forward(struct acd *a, int64_t now, struct call *c, const char *number)
{
	struct acd_event e;

	action(a, ACD_ACT_FORWARD, c, NULL, 0, 0, number);
	event_init(&e, now, ACD_EV_CALL_FORWARDED, c, NULL);
	copy_str(e.text, number, sizeof(e.text));
	event_push(a, &e);
	call_free(a, c);
}

/* Put a call that is in no queue into g (its hop is recorded): queue it if g
 * is open with room, else overflow; a closed chain ends the call with g's
 * closed message, a full one with nowhere to go queues it in g anyway. */
static void place(struct acd *a, int64_t now, struct call *c, struct group *g)
{
	bool open = group_open(g, now);
	enum acd_overflow_reason why = open ? ACD_OVERFLOW_QUEUE_FULL : ACD_OVERFLOW_CLOSED;
	const char *number;
	struct group *to;

	c->group = g;
	if (open && !group_full(g)) {
		enqueue(a, now, c, g);
		return;
	}
	to = overflow_target(a, now, c, g, &number);
	if (to) {
		overflowed(a, now, c, to, why);
		hop_add(c, ACD_HOP_OVERFLOW, to, now);
		enqueue(a, now, c, to);
	} else if (number) {
		overflowed(a, now, c, NULL, why);
		forward(a, now, c, number);
	} else if (open) {
		enqueue(a, now, c, g);
	} else {
		action(a, ACD_ACT_CLOSED, c, NULL, 0, 0, NULL);
		event(a, now, ACD_EV_CALL_CLOSED, c, NULL);
		call_free(a, c);
	}
}

/* ---- timer handlers ---------------------------------------------------------- */

/* An offer was taken back from an agent who did nothing wrong: ready again, at its
 * old place in idle order, and offered what waits. */
static void agent_withdrawn_ready(struct acd *a, int64_t now, struct agent *ag)
{
	agent_state(ag, ACD_AGENT_READY, now);
	agent_list(ag);
	event(a, now, ACD_EV_AGENT_READY, NULL, ag);
	take_next(a, now, ag);
}

/* The agent is paused for `why`, which the pause event carries. */
static void agent_pause(struct acd *a, int64_t now, struct agent *ag, enum acd_pause_reason why)
{
	struct acd_event e;

	agent_state(ag, ACD_AGENT_PAUSED, now);
	ag->pause = why;
	event_init(&e, now, ACD_EV_AGENT_PAUSED, NULL, ag);
	e.reason = why;
	event_push(a, &e);
}

/* An offer of c (a call or an e-mail item) rang out: the host cancels it with
 * `cancel`, the lead sees `ev`, and the agent who let it ring is paused. The
 * caller puts c back in line. */
static void offer_rang_out(struct acd *a, int64_t now, struct call *c, enum acd_action_kind cancel,
                           enum acd_event_kind ev)
{
	struct agent *ag = c->agent;

	timer_clear(a, &c->t[TIMER_OFFER]);
	action(a, cancel, c, ag, 0, 0, NULL);
	event(a, now, ev, c, ag);
	ag->call = NULL;
	c->agent = NULL;
	agent_pause(a, now, ag, ACD_PAUSE_NO_ANSWER);
}

static void no_answer(struct acd *a, int64_t now, struct call *c)
{
	struct group *g = c->group;

	offer_rang_out(a, now, c, ACD_ACT_CANCEL_OFFER, ACD_EV_CALL_NO_ANSWER);

	/* Back to the front, with the timers of its stay in this group. */
	c->state = CALL_QUEUED;
	dl_insert_after(&g->queue, &c->qnode);
	g->n_calls++;
	if (g->cfg.max_wait_ms > 0)
		timer_set(a, &c->t[TIMER_MAX_WAIT], TIMER_MAX_WAIT, c,
		          c->entered_ms + g->cfg.max_wait_ms);
	if (g->cfg.widen_after_ms > 0 && !widened(g, c, now))
		timer_set(a, &c->t[TIMER_WIDEN], TIMER_WIDEN, c,
		          c->entered_ms + g->cfg.widen_after_ms);
	if (lang_bound(g, c, now))
		timer_set(a, &c->t[TIMER_LANG], TIMER_LANG, c, c->entered_ms + lang_widen_ms(g));
	if (g->cfg.announce_every_ms > 0)
		timer_set(a, &c->t[TIMER_ANNOUNCE], TIMER_ANNOUNCE, c,
		          now + g->cfg.announce_every_ms);
	route_group(a, now, g);
}

static void max_wait_over(struct acd *a, int64_t now, struct call *c)
{
	struct group *from = c->group, *to;
	const char *number;

	if (c->state != CALL_QUEUED || c->callback)
		return;
	to = overflow_target(a, now, c, from, &number);
	if (!to && !number)
		return; /* nowhere to go: the caller keeps waiting here */
	queue_remove(c);
	timer_clear(a, &c->t[TIMER_WIDEN]);
	timer_clear(a, &c->t[TIMER_LANG]);
	timer_clear(a, &c->t[TIMER_ANNOUNCE]);
	overflowed(a, now, c, to, ACD_OVERFLOW_MAX_WAIT);
	if (to) {
		hop_add(c, ACD_HOP_OVERFLOW, to, now);
		enqueue(a, now, c, to);
	} else {
		forward(a, now, c, number);
	}
}

static void announce(struct acd *a, int64_t now, struct call *c)
{
	const struct group *g = c->group;
	int pos;

	if (c->state != CALL_QUEUED || c->callback)
		return;
	pos = call_position(c);
	action(a, ACD_ACT_ANNOUNCE, c, NULL, pos, group_ewt(g, pos), NULL);
	if (g->cfg.announce_every_ms > 0)
		timer_set(a, &c->t[TIMER_ANNOUNCE], TIMER_ANNOUNCE, c,
		          now + g->cfg.announce_every_ms);
}

static void mail_no_answer(struct acd *a, int64_t now, struct call *c);

static void run_timer(struct acd *a, int64_t now, const struct timer *t)
{
	struct call *c = t->kind < TIMER_CALL_KINDS ? t->obj : NULL;

	switch (t->kind) {
	case TIMER_OFFER:
		if (c->state == CALL_OFFERED && is_mail(c))
			mail_no_answer(a, now, c);
		else if (c->state == CALL_OFFERED)
			no_answer(a, now, c);
		break;
	case TIMER_MAX_WAIT:
		max_wait_over(a, now, c);
		break;
	case TIMER_WIDEN:
	case TIMER_LANG:
		if (c->state == CALL_QUEUED)
			route_group(a, now, c->group);
		break;
	case TIMER_RETRY:
		c->cb_retrying = false;
		route_group(a, now, c->group);
		break;
	case TIMER_ANNOUNCE:
		announce(a, now, c);
		break;
	case TIMER_WRAPUP:
		agent_to_ready(a, now, t->obj);
		break;
	case TIMER_AGENT_KICK:
		if (((struct agent *)t->obj)->state == ACD_AGENT_READY)
			take_next(a, now, t->obj);
		break;
	case TIMER_GROUP_KICK:
		route_group(a, now, t->obj);
		route_mail(a, now, t->obj);
		break;
	default:
		break;
	}
}

/* ---- lifecycle and configuration --------------------------------------------- */

int acd_alloc(struct acd **ap)
{
	struct acd *a;

	if (!ap)
		return EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return ENOMEM;
	a->actions.size = sizeof(struct acd_action);
	a->events.size = sizeof(struct acd_event);
	*ap = a;
	return 0;
}

void acd_free(struct acd *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->groups.cap; i++) {
		struct group *g = a->groups.slots[i].val;
		if (a->groups.slots[i].key) {
			free(g->closures);
			free(g);
		}
	}
	for (size_t i = 0; i < a->agents.cap; i++)
		if (a->agents.slots[i].key)
			free(a->agents.slots[i].val);
	for (size_t i = 0; i < a->calls.cap; i++)
		if (a->calls.slots[i].key)
			free(((struct call *)a->calls.slots[i].val)->more_hops);
	while (a->slabs) {
		struct call_slab *s = a->slabs;
		a->slabs = s->next;
		free(s);
	}
	u64map_free(&a->groups);
	u64map_free(&a->agents);
	u64map_free(&a->calls);
	u64map_free(&a->mails);
	theap_free(&a->timers);
	ring_free(&a->actions);
	ring_free(&a->events);
	free(a);
}

static int check_group_cfg(const struct acd_group_cfg *c)
{
	if (!c->id || c->wrapup_ms < 0 || c->max_wait_ms < 0 || c->max_queue < 0 ||
	    c->widen_after_ms < 0 || c->offer_timeout_ms < 0 || c->callback_offer_ms < 0 ||
	    c->callback_retry_ms < 0 || c->callback_max_attempts < 0 || c->aht_ms < 0 ||
	    c->announce_every_ms < 0 || c->n_closures < 0 || (c->n_closures > 0 && !c->closures))
		return EINVAL;
	if (!terminated(c->overflow_number, sizeof(c->overflow_number)) ||
	    !terminated(c->urgent_number, sizeof(c->urgent_number)))
		return EINVAL;
	for (int i = 0; i < c->n_closures; i++)
		if (c->closures[i].to_ms < c->closures[i].from_ms)
			return EINVAL;
	return 0;
}

int acd_group_set(struct acd *a, const struct acd_group_cfg *cfg)
{
	struct group *g;
	struct acd_closure *cl = NULL;
	int err;

	if (!a || !cfg)
		return EINVAL;
	err = check_group_cfg(cfg);
	if (err)
		return err;
	if ((err = reserve(a, STEP_RESERVE)) || (err = u64map_reserve(&a->groups, 1)))
		return err;
	if (cfg->n_closures > 0) {
		cl = malloc((size_t)cfg->n_closures * sizeof(*cl));
		if (!cl)
			return ENOMEM;
		memcpy(cl, cfg->closures, (size_t)cfg->n_closures * sizeof(*cl));
	}
	g = group_get(a, cfg->id);
	if (!g) {
		g = calloc(1, sizeof(*g));
		if (!g) {
			free(cl);
			return ENOMEM;
		}
		dl_init(&g->queue);
		dl_init(&g->mailq);
		for (int l = 0; l < ACD_LEVELS; l++)
			dl_init(&g->ready[l]);
		u64map_put(&a->groups, cfg->id, g);
	}
	free(g->closures);
	g->closures = cl;
	g->cfg = *cfg;
	g->cfg.closures = cl;
	/* A shorter widening may make waiting calls eligible for agents already
	 * ready; routing needs a time, so it is due at the latest time seen. */
	if (!dl_empty(&g->queue))
		timer_set(a, &g->t_kick, TIMER_GROUP_KICK, g, a->last_now);
	theap_trim(&a->timers);
	return 0;
}

static bool lang_code(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 2 || n >= ACD_LANG_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	return true;
}

int acd_agent_languages(struct acd *a, uint32_t agent, const char *const *langs, int n)
{
	struct agent *ag;

	if (!a || n < 0 || n > ACD_MAX_LANGS || (n > 0 && !langs))
		return EINVAL;
	for (int i = 0; i < n; i++)
		if (!lang_code(langs[i]))
			return EINVAL;
	if (!(ag = agent_get(a, agent)))
		return ENOENT;
	for (int i = 0; i < n; i++)
		copy_str(ag->langs[i], langs[i], sizeof(ag->langs[i]));
	ag->n_langs = n;
	return 0;
}

int acd_agent_set(struct acd *a, uint32_t agent, const struct acd_membership *m, int n)
{
	struct group *gs[ACD_MAX_MEMBERSHIPS];
	struct agent *ag;
	int err;

	if (!a || !agent || n < 0 || n > ACD_MAX_MEMBERSHIPS || (n > 0 && !m))
		return EINVAL;
	for (int i = 0; i < n; i++) {
		if (m[i].level < 1 || m[i].level > ACD_LEVELS)
			return EINVAL;
		for (int j = 0; j < i; j++)
			if (m[j].group == m[i].group)
				return EINVAL; /* one membership per group */
	}
	for (int i = 0; i < n; i++) {
		gs[i] = group_get(a, m[i].group);
		if (!gs[i])
			return ENOENT;
	}
	if ((err = theap_reserve(&a->timers, 1)))
		return err;
	ag = agent_get(a, agent);
	if (!ag) {
		if ((err = u64map_reserve(&a->agents, 1)))
			return err;
		ag = calloc(1, sizeof(*ag));
		if (!ag)
			return ENOMEM;
		ag->id = agent;
		ag->state = ACD_AGENT_LOGGED_OUT;
		ag->channels = ACD_CHANNEL_VOICE;
		u64map_put(&a->agents, agent, ag);
	}
	if (ag->state == ACD_AGENT_READY)
		agent_unlist(ag);
	for (int i = 0; i < ag->n_members; i++)
		ag->members[i].group->n_state[ag->state]--;
	ag->n_members = n;
	for (int i = 0; i < n; i++) {
		struct member *mb = &ag->members[i];
		mb->agent = ag;
		mb->group = gs[i];
		mb->level = m[i].level;
		mb->node.prev = mb->node.next = &mb->node;
		gs[i]->n_state[ag->state]++;
	}
	if (ag->state == ACD_AGENT_READY) {
		agent_list(ag);
		/* Its new groups may hold waiting calls; routing needs a time, so
		 * it is due at the latest time seen. */
		timer_set(a, &ag->t_kick, TIMER_AGENT_KICK, ag, a->last_now);
	}
	theap_trim(&a->timers);
	return 0;
}

/* ---- events in: agents -------------------------------------------------------- */

/* Every entry point with a time starts here: find room, note the time. */
static int begin(struct acd *a, int64_t now)
{
	int err = reserve(a, STEP_RESERVE);

	if (!err && now > a->last_now)
		a->last_now = now;
	return err;
}

/* Every entry point that changed something ends here: the heap's top must be
 * a live timer for acd_next_deadline to be exact. */
static int finish(struct acd *a)
{
	theap_trim(&a->timers);
	return 0;
}

int acd_agent_login(struct acd *a, int64_t now, uint32_t agent)
{
	struct agent *ag;
	struct acd_event e;
	int err;

	if (!a)
		return EINVAL;
	if (!(ag = agent_get(a, agent)))
		return ENOENT;
	if (ag->state != ACD_AGENT_LOGGED_OUT)
		return EPERM;
	if ((err = begin(a, now)))
		return err;
	agent_state(ag, ACD_AGENT_PAUSED, now);
	ag->pause = ACD_PAUSE_OTHER;
	event_init(&e, now, ACD_EV_AGENT_LOGIN, NULL, ag);
	e.reason = ACD_PAUSE_OTHER; /* logged in means paused ("not yet ready") */
	event_push(a, &e);
	return finish(a);
}

/* The agent leaves ready or wrap-up: out of the idle order, the wrap-up timer stopped. */
static void agent_leave_idle(struct acd *a, struct agent *ag)
{
	if (ag->state == ACD_AGENT_READY)
		agent_unlist(ag);
	timer_clear(a, &ag->t_wrapup);
}

int acd_agent_logout(struct acd *a, int64_t now, uint32_t agent)
{
	struct agent *ag;
	int err;

	if (!a)
		return EINVAL;
	if (!(ag = agent_get(a, agent)))
		return ENOENT;
	if (ag->state == ACD_AGENT_LOGGED_OUT || ag->state == ACD_AGENT_OFFERED ||
	    ag->state == ACD_AGENT_TALKING)
		return EPERM;
	if ((err = begin(a, now)))
		return err;
	agent_leave_idle(a, ag);
	agent_state(ag, ACD_AGENT_LOGGED_OUT, now);
	ag->pause = ACD_PAUSE_NONE;
	event(a, now, ACD_EV_AGENT_LOGOUT, NULL, ag);
	return finish(a);
}

int acd_agent_ready(struct acd *a, int64_t now, uint32_t agent)
{
	struct agent *ag;
	int err;

	if (!a)
		return EINVAL;
	if (!(ag = agent_get(a, agent)))
		return ENOENT;
	if (ag->state != ACD_AGENT_PAUSED && ag->state != ACD_AGENT_WRAPUP)
		return EPERM;
	if ((err = begin(a, now)))
		return err;
	agent_to_ready(a, now, ag);
	return finish(a);
}

int acd_agent_pause(struct acd *a, int64_t now, uint32_t agent, enum acd_pause_reason why)
{
	struct agent *ag;
	int err;

	if (!a || (int)why <= ACD_PAUSE_NONE || why > ACD_PAUSE_OTHER)
		return EINVAL;
	if (!(ag = agent_get(a, agent)))
		return ENOENT;
	if (ag->state != ACD_AGENT_READY && ag->state != ACD_AGENT_WRAPUP &&
	    ag->state != ACD_AGENT_PAUSED)
		return EPERM;
	if ((err = begin(a, now)))
		return err;
	agent_leave_idle(a, ag);
	agent_pause(a, now, ag, why);
	return finish(a);
}

/* ---- events in: consultation ------------------------------------------------- */

int acd_agent_consult(struct acd *a, int64_t now, uint32_t agent, uint64_t ref)
{
	struct agent *ag;
	int err;

	if (!a)
		return EINVAL;
	if (!(ag = agent_get(a, agent)))
		return ENOENT;
	if (ag->state == ACD_AGENT_LOGGED_OUT)
		return EPERM;
	if (ag->call || ag->consulted || ag->state == ACD_AGENT_OFFERED ||
	    ag->state == ACD_AGENT_TALKING)
		return EBUSY;
	if ((err = begin(a, now)))
		return err;
	ag->consult_prev_why = ag->state == ACD_AGENT_PAUSED ? ag->pause : ACD_PAUSE_NONE;
	agent_leave_idle(a, ag);
	agent_state(ag, ACD_AGENT_TALKING, now);
	ag->pause = ACD_PAUSE_NONE;
	ag->consulted = true;
	ag->consult_ref = ref;
	ag->consult_taken = false;
	event(a, now, ACD_EV_AGENT_CONSULTED, NULL, ag);
	return finish(a);
}

int acd_agent_consult_take(struct acd *a, int64_t now, uint32_t agent)
{
	struct agent *ag;
	int err;

	if (!a)
		return EINVAL;
	if (!(ag = agent_get(a, agent)))
		return ENOENT;
	if (!ag->consulted)
		return EPERM;
	if (ag->consult_taken)
		return EALREADY;
	if ((err = begin(a, now)))
		return err;
	ag->consult_taken = true;
	event(a, now, ACD_EV_AGENT_CONSULT_TAKEN, NULL, ag);
	return finish(a);
}

int acd_agent_consult_end(struct acd *a, int64_t now, uint32_t agent, uint32_t group)
{
	struct agent *ag;
	struct group *g = NULL;
	struct acd_event e;
	int err;

	if (!a)
		return EINVAL;
	if (!(ag = agent_get(a, agent)))
		return ENOENT;
	if (!ag->consulted)
		return EPERM;
	if (group && !(g = group_get(a, group)))
		return ENOENT;
	if ((err = begin(a, now)))
		return err;
	ag->consulted = false;
	ag->consult_ref = 0;
	ag->consult_taken = false;
	if (g) {
		/* The agent took the caller: wrap-up as after a call of that group. */
		after_call(a, now, ag, g);
	} else if (ag->consult_prev_why != ACD_PAUSE_NONE) {
		agent_state(ag, ACD_AGENT_PAUSED, now);
		ag->pause = ag->consult_prev_why;
		event_init(&e, now, ACD_EV_AGENT_PAUSED, NULL, ag);
		e.reason = ag->pause;
		event_push(a, &e);
	} else {
		agent_to_ready(a, now, ag);
	}
	ag->consult_prev_why = ACD_PAUSE_NONE;
	return finish(a);
}

/* ---- events in: calls ---------------------------------------------------------- */

int acd_call_arrive(struct acd *a, int64_t now, const struct acd_call_in *in, uint64_t *call)
{
	struct group *g;
	struct call *c;
	struct acd_event e;
	int err;

	if (!a || !in || !call || !terminated(in->entry, sizeof(in->entry)) ||
	    !terminated(in->ivr, sizeof(in->ivr)) || !terminated(in->caller, sizeof(in->caller)) ||
	    !terminated(in->lang, sizeof(in->lang)))
		return EINVAL;
	if (!(g = group_get(a, in->group)))
		return ENOENT;
	if ((err = begin(a, now)) || (err = call_reserve(a)))
		return err;
	c = call_new(a);
	*call = c->id;
	c->channel = ACD_CHANNEL_VOICE;
	c->arrived_ms = now;
	c->group = g;
	copy_str(c->entry, in->entry, sizeof(c->entry));
	copy_str(c->ivr, in->ivr, sizeof(c->ivr));
	copy_str(c->caller, in->caller, sizeof(c->caller));
	copy_str(c->lang, in->lang, sizeof(c->lang));
	hop_add(c, ACD_HOP_ENTRY, g, now);
	event_init(&e, now, ACD_EV_CALL_ARRIVED, c, NULL);
	copy_str(e.text, in->entry, sizeof(e.text));
	event_push(a, &e);
	/* Urgent with an on-call number: forwarded there; without one it waits at the front. */
	c->urgent = in->urgent;
	if (in->urgent && g->cfg.urgent_number[0])
		forward(a, now, c, g->cfg.urgent_number);
	else
		place(a, now, c, g);
	return finish(a);
}

int acd_call_answer(struct acd *a, int64_t now, uint64_t call)
{
	struct call *c;
	struct acd_event e;
	int err;

	if (!a)
		return EINVAL;
	if (!(c = call_get(a, call)))
		return ENOENT;
	if (c->state != CALL_OFFERED)
		return EPERM;
	if ((err = begin(a, now)))
		return err;
	timer_clear(a, &c->t[TIMER_OFFER]);
	c->state = CALL_TALKING;
	c->answered_ms = now;
	agent_state(c->agent, ACD_AGENT_TALKING, now);
	action(a, ACD_ACT_CONNECT, c, c->agent, 0, 0, NULL);
	event_init(&e, now, ACD_EV_CALL_ANSWERED, c, c->agent);
	e.wait_ms = now - c->arrived_ms;
	event_push(a, &e);
	return finish(a);
}

int acd_call_reject(struct acd *a, int64_t now, uint64_t call)
{
	struct call *c;
	int err;

	if (!a)
		return EINVAL;
	if (!(c = call_get(a, call)))
		return ENOENT;
	if (c->state != CALL_OFFERED)
		return EPERM;
	if ((err = begin(a, now)))
		return err;
	no_answer(a, now, c);
	return finish(a);
}

int acd_call_hangup(struct acd *a, int64_t now, uint64_t call)
{
	struct call *c;
	struct agent *ag;
	struct acd_event e;
	int err;

	if (!a)
		return EINVAL;
	if (!(c = call_get(a, call)))
		return ENOENT;
	/* A callback has left the line: the caller cannot hang up on it. */
	if (c->state == CALL_QUEUED && c->callback)
		return EPERM;
	if ((err = begin(a, now)))
		return err;
	ag = c->agent;
	switch (c->state) {
	case CALL_QUEUED:
		queue_remove(c);
		event_init(&e, now, ACD_EV_CALL_ABANDONED, c, NULL);
		e.wait_ms = now - c->arrived_ms;
		event_push(a, &e);
		call_free(a, c);
		break;
	case CALL_OFFERED:
		action(a, ACD_ACT_CANCEL_OFFER, c, ag, 0, 0, NULL);
		event_init(&e, now, ACD_EV_CALL_ABANDONED, c, ag);
		e.wait_ms = now - c->arrived_ms;
		event_push(a, &e);
		call_free(a, c);
		ag->call = NULL;
		agent_withdrawn_ready(a, now, ag);
		break;
	case CALL_TALKING: {
		struct group *g = c->group;
		event_init(&e, now, ACD_EV_CALL_ENDED, c, ag);
		e.talk_ms = now - c->answered_ms;
		event_push(a, &e);
		call_free(a, c);
		after_call(a, now, ag, g);
		break;
	}
	}
	return finish(a);
}

int acd_call_transfer(struct acd *a, int64_t now, uint64_t call, uint32_t group)
{
	struct call *c;
	struct group *to, *from;
	struct agent *ag;
	struct acd_event e;
	int err;

	if (!a)
		return EINVAL;
	if (!(c = call_get(a, call)))
		return ENOENT;
	if (!(to = group_get(a, group)))
		return ENOENT;
	if (c->state != CALL_TALKING)
		return EPERM;
	if ((err = hop_reserve(c)) || (err = begin(a, now)))
		return err;
	from = c->group;
	ag = c->agent;
	/* The transferring agent's talk time travels in this event (no CALL_ENDED:
	 * the call goes on). */
	event_init(&e, now, ACD_EV_CALL_TRANSFERRED, c, ag);
	e.to_group = to->cfg.id;
	e.talk_ms = now - c->answered_ms;
	event_push(a, &e);
	c->agent = NULL;
	after_call(a, now, ag, from);
	hop_add(c, ACD_HOP_TRANSFER, to, now);
	place(a, now, c, to);
	return finish(a);
}

int acd_callback_accept(struct acd *a, int64_t now, uint64_t call)
{
	struct call *c;
	int err;

	if (!a)
		return EINVAL;
	if (!(c = call_get(a, call)))
		return ENOENT;
	if (c->state != CALL_QUEUED || c->callback || !c->caller[0])
		return EPERM;
	if ((err = begin(a, now)))
		return err;
	c->callback = true;
	c->group->n_calls--;
	c->group->n_callbacks++;
	timer_clear(a, &c->t[TIMER_MAX_WAIT]);
	timer_clear(a, &c->t[TIMER_ANNOUNCE]);
	event(a, now, ACD_EV_CALLBACK_REQUESTED, c, NULL);
	return finish(a);
}

int acd_callback_result(struct acd *a, int64_t now, uint64_t call, bool answered)
{
	struct call *c;
	struct agent *ag;
	struct acd_event e;
	int err;

	if (!a)
		return EINVAL;
	if (!(c = call_get(a, call)))
		return ENOENT;
	if (c->state != CALL_QUEUED || !c->callback || !c->agent)
		return EPERM;
	if ((err = begin(a, now)))
		return err;
	ag = c->agent;
	if (answered) {
		queue_remove(c);
		c->callback = false;
		c->state = CALL_TALKING;
		c->answered_ms = now;
		timer_clear(a, &c->t[TIMER_WIDEN]);
		timer_clear(a, &c->t[TIMER_LANG]);
		agent_state(ag, ACD_AGENT_TALKING, now);
		action(a, ACD_ACT_CONNECT, c, ag, 0, 0, NULL);
		event_init(&e, now, ACD_EV_CALLBACK_ANSWERED, c, ag);
		e.wait_ms = now - c->arrived_ms;
		event_push(a, &e);
		return finish(a);
	}
	c->agent = NULL;
	ag->call = NULL;
	c->cb_attempts++;
	if (c->cb_attempts >=
	    or_default(c->group->cfg.callback_max_attempts, ACD_DEFAULT_CB_ATTEMPTS)) {
		queue_remove(c);
		event(a, now, ACD_EV_CALLBACK_FAILED, c, NULL);
		call_free(a, c);
	} else {
		c->cb_retrying = true;
		timer_set(
		        a, &c->t[TIMER_RETRY], TIMER_RETRY, c,
		        now + or_default(c->group->cfg.callback_retry_ms, ACD_DEFAULT_CB_RETRY_MS));
	}
	agent_to_ready(a, now, ag);
	return finish(a);
}

int acd_timer(struct acd *a, int64_t now)
{
	int err;

	if (!a)
		return EINVAL;
	if ((err = begin(a, now)))
		return err;
	while (a->timers.n && a->timers.v[0].at <= now) {
		struct timer t;

		if ((err = reserve(a, STEP_RESERVE)))
			break; /* what is left stays due */
		theap_pop(&a->timers, &t);
		if (!timer_is_live(&t))
			continue;
		if (t.kind < TIMER_CALL_KINDS)
			timer_clear(a, &((struct call *)t.obj)->t[t.kind]);
		else if (t.kind == TIMER_WRAPUP)
			timer_clear(a, &((struct agent *)t.obj)->t_wrapup);
		else if (t.kind == TIMER_AGENT_KICK)
			timer_clear(a, &((struct agent *)t.obj)->t_kick);
		else
			timer_clear(a, &((struct group *)t.obj)->t_kick);
		run_timer(a, now, &t);
	}
	finish(a);
	return err;
}

int64_t acd_next_deadline(const struct acd *a)
{
	return a && a->timers.n ? a->timers.v[0].at : INT64_MAX;
}

/* ---- out ---------------------------------------------------------------------- */

bool acd_next_action(struct acd *a, struct acd_action *out)
{
	return a && out && ring_pop(&a->actions, out);
}

bool acd_next_event(struct acd *a, struct acd_event *out)
{
	return a && out && ring_pop(&a->events, out);
}

/* ---- looking in ---------------------------------------------------------------- */

int acd_group_snapshot(const struct acd *a, int64_t now, uint32_t group,
                       struct acd_group_snapshot *out)
{
	const struct group *g;

	if (!a || !out)
		return EINVAL;
	if (!(g = group_get(a, group)))
		return ENOENT;
	memset(out, 0, sizeof(*out));
	out->group = group;
	out->open = group_open(g, now);
	out->waiting = g->n_calls;
	out->callbacks_waiting = g->n_callbacks;
	/* The queue is in entry order, not arrival order (overflowed and
	 * transferred calls keep their arrival), so look at every entry. */
	for (const struct dnode *n = g->queue.next; n != &g->queue; n = n->next) {
		int64_t w = now - CALL_OF(n)->arrived_ms;
		if (w > out->longest_wait_ms)
			out->longest_wait_ms = w;
	}
	out->ewt_ms = group_ewt(g, g->n_calls + g->n_callbacks + 1);
	out->emails_waiting = g->n_mails;
	for (const struct dnode *n = g->mailq.next; n != &g->mailq; n = n->next) {
		int64_t w = now - CALL_OF(n)->arrived_ms;
		if (w > out->email_longest_wait_ms)
			out->email_longest_wait_ms = w;
	}
	for (int s = 0; s <= ACD_AGENT_PAUSED; s++) {
		out->agents_by_state[s] = g->n_state[s];
		if (s != ACD_AGENT_LOGGED_OUT)
			out->agents_logged_in += g->n_state[s];
	}
	return 0;
}

int acd_call_info(const struct acd *a, uint64_t call, struct acd_call_info *out)
{
	const struct call *c;

	if (!a || !out)
		return EINVAL;
	if (!(c = call_get(a, call)))
		return ENOENT;
	memset(out, 0, sizeof(*out));
	out->call = c->id;
	out->group = c->group->cfg.id;
	out->agent = c->agent ? c->agent->id : 0;
	out->arrived_ms = c->arrived_ms;
	out->callback = c->callback;
	out->talking = c->state == CALL_TALKING;
	out->position = c->state == CALL_QUEUED ? call_position(c) : 0;
	memcpy(out->entry, c->entry, sizeof(out->entry));
	memcpy(out->ivr, c->ivr, sizeof(out->ivr));
	memcpy(out->caller, c->caller, sizeof(out->caller));
	out->n_hops = c->n_hops;
	for (int i = 0; i < c->n_hops; i++) {
		const struct hop *h = hop_at_const(c, i);
		out->hops[i].kind = (enum acd_hop_kind)h->kind;
		out->hops[i].group = h->group;
		out->hops[i].at_ms = h->at_ms;
	}
	return 0;
}

bool acd_call_exists(const struct acd *a, uint64_t call)
{
	return a && call_get(a, call) != NULL;
}

int acd_agent_info(const struct acd *a, uint32_t agent, struct acd_agent_info *out)
{
	const struct agent *ag;

	if (!a || !out)
		return EINVAL;
	if (!(ag = agent_get(a, agent)))
		return ENOENT;
	memset(out, 0, sizeof(*out));
	out->agent = ag->id;
	out->state = ag->state;
	out->pause = ag->state == ACD_AGENT_PAUSED ? ag->pause : ACD_PAUSE_NONE;
	out->since_ms = ag->since_ms;
	out->call = ag->call && !is_mail(ag->call) ? ag->call->id : 0;
	out->mail = ag->call && is_mail(ag->call) ? ag->call->ref : 0;
	out->channels = ag->channels;
	out->consult = ag->consulted ? ag->consult_ref : 0;
	out->consult_taken = ag->consulted && ag->consult_taken;
	out->n_groups = ag->n_members;
	for (int i = 0; i < ag->n_members; i++) {
		out->groups[i].group = ag->members[i].group->cfg.id;
		out->groups[i].level = ag->members[i].level;
	}
	return 0;
}

int64_t acd_estimated_wait(const struct acd *a, uint32_t group, int position)
{
	const struct group *g = a ? group_get(a, group) : NULL;

	return g ? group_ewt(g, position) : 0;
}

/* ---- e-mail items ----------------------------------------------------------------- */

/* Whether item x goes before item y in a line: due first, then arrival, then ref. */
static bool mail_before(const struct call *x, const struct call *y)
{
	if (x->due_ms != y->due_ms)
		return x->due_ms < y->due_ms;
	if (x->arrived_ms != y->arrived_ms)
		return x->arrived_ms < y->arrived_ms;
	return x->ref < y->ref;
}

/* Into g's line at its place, found from the tail: new mail is mostly due last. */
static void mail_enqueue(struct group *g, struct call *c)
{
	struct dnode *p = g->mailq.prev;

	while (p != &g->mailq && mail_before(c, CALL_OF(p)))
		p = p->prev;
	dl_insert_after(p, &c->qnode);
	g->n_mails++;
	c->state = CALL_QUEUED;
	c->agent = NULL;
	c->group = g;
}

static void mail_unqueue(struct call *c)
{
	dl_unlink(&c->qnode);
	c->group->n_mails--;
}

static bool member_of(const struct agent *ag, const struct group *g)
{
	for (int i = 0; i < ag->n_members; i++)
		if (ag->members[i].group == g)
			return true;
	return false;
}

static bool takes_mail(const struct agent *ag, const struct call *c)
{
	return (ag->channels & ACD_CHANNEL_EMAIL) && ag->id != c->released_by;
}

/* The longest-idle ready e-mail agent of the best level, or NULL. */
static struct agent *pick_mail_agent(const struct group *g, const struct call *c)
{
	for (int l = 0; l < ACD_LEVELS; l++)
		for (const struct dnode *n = g->ready[l].next; n != &g->ready[l]; n = n->next)
			if (takes_mail(MEMBER_OF(n)->agent, c))
				return MEMBER_OF(n)->agent;
	return NULL;
}

static bool any_mail_agent_ready(const struct group *g)
{
	for (int l = 0; l < ACD_LEVELS; l++)
		for (const struct dnode *n = g->ready[l].next; n != &g->ready[l]; n = n->next)
			if (MEMBER_OF(n)->agent->channels & ACD_CHANNEL_EMAIL)
				return true;
	return false;
}

/* The item the agent should get next: higher group priority, then due, then arrival. */
static struct call *best_mail(const struct agent *ag)
{
	struct call *best = NULL;

	for (int i = 0; i < ag->n_members; i++) {
		const struct group *g = ag->members[i].group;
		struct call *c = NULL;

		for (const struct dnode *n = g->mailq.next; n != &g->mailq; n = n->next)
			if (takes_mail(ag, CALL_OF(n))) {
				c = CALL_OF(n);
				break;
			}
		if (!c)
			continue;
		if (!best || g->cfg.priority > best->group->cfg.priority ||
		    (g->cfg.priority == best->group->cfg.priority && mail_before(c, best)))
			best = c;
	}
	return best;
}

static void offer_mail(struct acd *a, int64_t now, struct call *c, struct agent *ag)
{
	struct group *g = c->group;

	agent_unlist(ag);
	ag->mail_prev = ACD_AGENT_READY;
	ag->mail_prev_why = ACD_PAUSE_NONE;
	agent_state(ag, ACD_AGENT_OFFERED, now);
	ag->call = c;
	mail_unqueue(c);
	c->agent = ag;
	c->state = CALL_OFFERED;
	timer_set(a, &c->t[TIMER_OFFER], TIMER_OFFER, c,
	          now + or_default(g->cfg.mail_offer_ms, ACD_DEFAULT_MAIL_OFFER_MS));
	action(a, ACD_ACT_MAIL_OFFER, c, ag, 0, 0, NULL);
	event(a, now, ACD_EV_MAIL_OFFERED, c, ag);
}

/* Offer g's waiting items to its ready e-mail agents, first in line first. */
static void route_mail(struct acd *a, int64_t now, struct group *g)
{
	for (;;) {
		struct call *c = NULL;
		struct agent *ag = NULL;

		if (reserve(a, 8) != 0 || !any_mail_agent_ready(g))
			return;
		for (const struct dnode *n = g->mailq.next; n != &g->mailq; n = n->next) {
			c = CALL_OF(n);
			if ((ag = pick_mail_agent(g, c)))
				break;
		}
		if (!ag)
			return;
		offer_mail(a, now, c, ag);
	}
}

/* The agent's e-mail left them: back to what they did before it. `withdrawn`: an offer
 * they had no part in ending, so they keep their place in idle order. */
static void mail_agent_back(struct acd *a, int64_t now, struct agent *ag, bool withdrawn)
{
	ag->call = NULL;
	if (ag->mail_prev == ACD_AGENT_PAUSED) {
		agent_pause(a, now, ag, ag->mail_prev_why);
		return;
	}
	if (!withdrawn)
		agent_to_ready(a, now, ag);
	else
		agent_withdrawn_ready(a, now, ag);
}

static void mail_no_answer(struct acd *a, int64_t now, struct call *c)
{
	struct group *g = c->group;

	offer_rang_out(a, now, c, ACD_ACT_MAIL_CANCEL, ACD_EV_MAIL_NO_ANSWER);
	mail_enqueue(g, c);
	route_mail(a, now, g);
}

int acd_agent_channels(struct acd *a, uint32_t agent, unsigned channels)
{
	struct agent *ag;
	int err;

	if (!a || !channels || (channels & ~(unsigned)ACD_CHANNELS_ALL))
		return EINVAL;
	if (!(ag = agent_get(a, agent)))
		return ENOENT;
	if ((err = theap_reserve(&a->timers, 1)))
		return err;
	ag->channels = channels;
	/* A ready agent may now take what waits; routing needs a time: the latest seen. */
	if (ag->state == ACD_AGENT_READY)
		timer_set(a, &ag->t_kick, TIMER_AGENT_KICK, ag, a->last_now);
	theap_trim(&a->timers);
	return 0;
}

unsigned acd_agent_channels_get(const struct acd *a, uint32_t agent)
{
	const struct agent *ag = a ? agent_get(a, agent) : NULL;

	return ag ? ag->channels : 0;
}

int acd_mail_arrive(struct acd *a, int64_t now, const struct acd_mail_in *in)
{
	struct group *g;
	struct call *c;
	struct acd_event e;
	int err;

	if (!a || !in || !in->ref || !in->due_ms)
		return EINVAL;
	if (!(g = group_get(a, in->group)))
		return ENOENT;
	if (mail_get(a, in->ref))
		return EEXIST;
	if ((err = begin(a, now)) || (err = call_reserve(a)) ||
	    (err = u64map_reserve(&a->mails, 1)))
		return err;
	c = call_new(a);
	c->channel = ACD_CHANNEL_EMAIL;
	c->ref = in->ref;
	c->arrived_ms = in->arrived_ms ? in->arrived_ms : now;
	c->entered_ms = now;
	c->due_ms = in->due_ms;
	c->taken_before = in->taken_before;
	u64map_put(&a->mails, c->ref, c);
	mail_enqueue(g, c);
	event_init(&e, now, ACD_EV_MAIL_QUEUED, c, NULL);
	e.reason = in->restored ? 1 : 0;
	event_push(a, &e);
	route_mail(a, now, g);
	return finish(a);
}

int acd_mail_take(struct acd *a, int64_t now, uint64_t ref, uint32_t agent)
{
	struct call *c;
	struct agent *ag;
	struct acd_event e;
	int err;

	if (!a)
		return EINVAL;
	if (!(c = mail_get(a, ref)) || !(ag = agent_get(a, agent)))
		return ENOENT;
	if (!member_of(ag, c->group))
		return EACCES;
	if (c->state == CALL_OFFERED && c->agent == ag) {
		if ((err = begin(a, now)))
			return err;
		timer_clear(a, &c->t[TIMER_OFFER]);
	} else {
		if (c->state != CALL_QUEUED || ag->call || ag->consulted)
			return EBUSY;
		if (ag->state == ACD_AGENT_LOGGED_OUT)
			return EPERM;
		if ((err = begin(a, now)))
			return err;
		ag->mail_prev = ag->state == ACD_AGENT_PAUSED ? ACD_AGENT_PAUSED : ACD_AGENT_READY;
		ag->mail_prev_why = ag->state == ACD_AGENT_PAUSED ? ag->pause : ACD_PAUSE_NONE;
		if (ag->state == ACD_AGENT_READY)
			agent_unlist(ag);
		timer_clear(a, &ag->t_wrapup);
		mail_unqueue(c);
	}
	c->state = CALL_TALKING;
	c->agent = ag;
	c->answered_ms = now;
	ag->call = c;
	agent_state(ag, ACD_AGENT_TALKING, now);
	event_init(&e, now, ACD_EV_MAIL_TAKEN, c, ag);
	e.wait_ms = now - c->arrived_ms;
	e.reason = c->taken_before ? 1 : 0;
	event_push(a, &e);
	c->taken_before = true;
	return finish(a);
}

int acd_mail_release(struct acd *a, int64_t now, uint64_t ref)
{
	struct call *c;
	struct agent *ag;
	struct group *g;
	bool offered;
	int err;

	if (!a)
		return EINVAL;
	if (!(c = mail_get(a, ref)))
		return ENOENT;
	if (c->state == CALL_QUEUED)
		return EPERM;
	if ((err = begin(a, now)))
		return err;
	ag = c->agent;
	g = c->group;
	offered = c->state == CALL_OFFERED;
	if (offered) {
		timer_clear(a, &c->t[TIMER_OFFER]);
		action(a, ACD_ACT_MAIL_CANCEL, c, ag, 0, 0, NULL);
	}
	event(a, now, ACD_EV_MAIL_RELEASED, c, ag);
	c->released_by = ag->id;
	mail_enqueue(g, c);
	mail_agent_back(a, now, ag, false);
	route_mail(a, now, g);
	return finish(a);
}

int acd_mail_done(struct acd *a, int64_t now, uint64_t ref)
{
	struct call *c;
	struct agent *ag;
	struct acd_event e;
	bool offered;
	int err;

	if (!a)
		return EINVAL;
	if (!(c = mail_get(a, ref)))
		return ENOENT;
	if ((err = begin(a, now)))
		return err;
	ag = c->agent;
	offered = c->state == CALL_OFFERED;
	if (c->state == CALL_QUEUED)
		mail_unqueue(c);
	if (offered)
		action(a, ACD_ACT_MAIL_CANCEL, c, ag, 0, 0, NULL);
	event_init(&e, now, ACD_EV_MAIL_DONE, c, offered ? NULL : ag);
	if (c->state == CALL_TALKING)
		e.talk_ms = now - c->answered_ms;
	event_push(a, &e);
	u64map_del(&a->mails, c->ref);
	call_free(a, c);
	if (ag)
		mail_agent_back(a, now, ag, offered);
	return finish(a);
}

static void mail_info_of(const struct call *c, int position, struct acd_mail_info *out)
{
	memset(out, 0, sizeof(*out));
	out->ref = c->ref;
	out->group = c->group->cfg.id;
	out->agent = c->agent ? c->agent->id : 0;
	out->taken = c->state == CALL_TALKING;
	out->arrived_ms = c->arrived_ms;
	out->due_ms = c->due_ms;
	out->position = position;
}

int acd_mail_info(const struct acd *a, uint64_t ref, struct acd_mail_info *out)
{
	const struct call *c;
	int pos = 0;

	if (!a || !out)
		return EINVAL;
	if (!(c = mail_get(a, ref)))
		return ENOENT;
	if (c->state == CALL_QUEUED) {
		const struct dnode *n = &c->qnode;
		for (pos = 1; n->prev != &c->group->mailq; n = n->prev)
			pos++;
	}
	mail_info_of(c, pos, out);
	return 0;
}

size_t acd_mail_waiting(const struct acd *a, uint32_t group, struct acd_mail_info *out, size_t max)
{
	const struct group *g = a ? group_get(a, group) : NULL;
	size_t i = 0;

	if (!g)
		return 0;
	for (const struct dnode *n = g->mailq.next; n != &g->mailq && i < max; n = n->next, i++)
		mail_info_of(CALL_OF(n), (int)i + 1, &out[i]);
	return (size_t)g->n_mails;
}
