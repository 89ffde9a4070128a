/* ACD engine: one test per routing rule, the call lifecycle, errors, and a
 * randomized run that checks the invariants after every operation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acd/acd.h"
#include "base/hours.h"

#define LOG_MAX 8192
#define T0      INT64_C(1780000000000) /* 2026-05-28, any instant works with no hours */

/* What the engine asked for and told, drained after each step. */
struct fx {
	struct acd *a;
	struct acd_action act[LOG_MAX];
	int n_act;
	struct acd_event ev[LOG_MAX];
	int n_ev;
};

static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(acd_alloc(&f->a), 0);
	return f;
}

static void fx_free(struct fx *f)
{
	acd_free(f->a);
	free(f);
}

static void drain(struct fx *f)
{
	struct acd_action x;
	struct acd_event e;

	while (acd_next_action(f->a, &x)) {
		assert_true(f->n_act < LOG_MAX);
		f->act[f->n_act++] = x;
	}
	while (acd_next_event(f->a, &e)) {
		assert_true(f->n_ev < LOG_MAX);
		f->ev[f->n_ev++] = e;
	}
}

static void clear(struct fx *f)
{
	drain(f);
	f->n_act = f->n_ev = 0;
}

/* The n-th (0-based) action / event of a kind for a call (0 = any call). */
static const struct acd_action *find_act(struct fx *f, enum acd_action_kind k, uint64_t call,
                                         int nth)
{
	drain(f);
	for (int i = 0; i < f->n_act; i++)
		if (f->act[i].kind == k && (!call || f->act[i].call == call) && nth-- == 0)
			return &f->act[i];
	return NULL;
}

static const struct acd_event *find_ev(struct fx *f, enum acd_event_kind k, uint64_t call, int nth)
{
	drain(f);
	for (int i = 0; i < f->n_ev; i++)
		if (f->ev[i].kind == k && (!call || f->ev[i].call == call) && nth-- == 0)
			return &f->ev[i];
	return NULL;
}

static int count_ev(struct fx *f, enum acd_event_kind k)
{
	int n = 0;

	drain(f);
	for (int i = 0; i < f->n_ev; i++)
		n += f->ev[i].kind == k;
	return n;
}

static int count_act(struct fx *f, enum acd_action_kind k)
{
	int n = 0;

	drain(f);
	for (int i = 0; i < f->n_act; i++)
		n += f->act[i].kind == k;
	return n;
}

static struct acd_group_cfg cfg(uint32_t id)
{
	struct acd_group_cfg c;

	memset(&c, 0, sizeof(c));
	c.id = id;
	return c;
}

static void set_group(struct fx *f, const struct acd_group_cfg *c)
{
	assert_int_equal(acd_group_set(f->a, c), 0);
}

static void group(struct fx *f, uint32_t id)
{
	struct acd_group_cfg c = cfg(id);

	set_group(f, &c);
}

/* An agent in one group at a level, logged in and ready at `now`. */
static void agent1(struct fx *f, int64_t now, uint32_t id, uint32_t g, int level)
{
	struct acd_membership m = {g, level};

	assert_int_equal(acd_agent_set(f->a, id, &m, 1), 0);
	assert_int_equal(acd_agent_login(f->a, now, id), 0);
	assert_int_equal(acd_agent_ready(f->a, now, id), 0);
}

static uint64_t arrive_as(struct fx *f, int64_t now, uint32_t g, const char *caller, bool urgent)
{
	struct acd_call_in in;
	uint64_t id = 0;

	memset(&in, 0, sizeof(in));
	in.group = g;
	memcpy(in.entry, "0771234567", 11);
	memcpy(in.ivr, "1", 2);
	memcpy(in.caller, caller, strlen(caller) + 1);
	in.urgent = urgent;
	assert_int_equal(acd_call_arrive(f->a, now, &in, &id), 0);
	assert_true(id > 0);
	return id;
}

static uint64_t arrive(struct fx *f, int64_t now, uint32_t g)
{
	return arrive_as(f, now, g, "0701112233", false);
}

static uint32_t offered_to(struct fx *f, uint64_t call)
{
	struct acd_call_info ci;

	assert_int_equal(acd_call_info(f->a, call, &ci), 0);
	return ci.agent;
}

static int position(struct fx *f, uint64_t call)
{
	struct acd_call_info ci;

	assert_int_equal(acd_call_info(f->a, call, &ci), 0);
	return ci.position;
}

static enum acd_agent_state astate(struct fx *f, uint32_t agent)
{
	struct acd_agent_info ai;

	assert_int_equal(acd_agent_info(f->a, agent, &ai), 0);
	return ai.state;
}

static int64_t at(int y, int m, int d, int hh, int mm)
{
	struct date dt = {y, m, d};
	int64_t t;

	assert_int_equal(calendar_local_to_utc(&dt, hh, mm, &t), 0);
	return t * 1000;
}

static struct hours *parse_hours(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);
	struct hours *h = NULL;
	char err[300];

	assert_non_null(v);
	if (hours_parse(&h, v, err, sizeof(err)) != 0)
		fail_msg("hours_parse: %s", err);
	json_decref(v);
	return h;
}

/* ---- routing rules ---------------------------------------------------------- */

static void test_longest_idle_among_best_level(void **state)
{
	struct fx *f = fx_new();
	struct acd_group_cfg c = cfg(1);
	uint64_t call;

	(void)state;
	c.widen_after_ms = 30000;
	set_group(f, &c);
	agent1(f, T0, 30, 1, 2);        /* idle longest, but level 2 */
	agent1(f, T0 + 1000, 10, 1, 1); /* level 1, idle longer */
	agent1(f, T0 + 2000, 20, 1, 1);
	call = arrive(f, T0 + 5000, 1);
	assert_int_equal(offered_to(f, call), 10);
	assert_non_null(find_act(f, ACD_ACT_OFFER, call, 0));
	assert_int_equal(find_act(f, ACD_ACT_OFFER, call, 0)->agent, 10);
	assert_int_equal(find_ev(f, ACD_EV_CALL_OFFERED, call, 0)->agent, 10);
	/* The next call goes to the other level-1 agent, not to the level-2 one. */
	call = arrive(f, T0 + 6000, 1);
	assert_int_equal(offered_to(f, call), 20);
	fx_free(f);
}

static void test_level2_only_after_widen(void **state)
{
	struct fx *f = fx_new();
	struct acd_group_cfg c = cfg(1);
	uint64_t call;

	(void)state;
	c.widen_after_ms = 30000;
	set_group(f, &c);
	agent1(f, T0, 7, 1, 2);
	call = arrive(f, T0 + 1000, 1);
	assert_int_equal(offered_to(f, call), 0);
	assert_int_equal(acd_next_deadline(f->a), T0 + 31000);
	assert_int_equal(acd_timer(f->a, T0 + 30999), 0);
	assert_int_equal(offered_to(f, call), 0);
	assert_int_equal(acd_timer(f->a, T0 + 31000), 0);
	assert_int_equal(offered_to(f, call), 7);
	assert_int_equal(find_ev(f, ACD_EV_CALL_OFFERED, call, 0)->t_ms, T0 + 31000);

	/* widen_after 0: every level at once. */
	c = cfg(2);
	set_group(f, &c);
	agent1(f, T0 + 40000, 8, 2, 5);
	call = arrive(f, T0 + 40000, 2);
	assert_int_equal(offered_to(f, call), 8);
	fx_free(f);
}

/* Language routing: a call asking for Finnish goes to the agent who speaks it even when
 * a Swedish-only agent has been idle longer; a Swedish call behind a Finnish one nobody
 * ready speaks is not held up; the Finnish call is widened to any agent exactly at the
 * group's language_widen_ms (the injected clock), and the default is 60 s. */
static uint64_t arrive_lang(struct fx *f, int64_t now, uint32_t g, const char *lang)
{
	struct acd_call_in in;
	uint64_t id = 0;

	memset(&in, 0, sizeof(in));
	in.group = g;
	memcpy(in.entry, "0850836000", 11);
	memcpy(in.lang, lang, strlen(lang) + 1);
	assert_int_equal(acd_call_arrive(f->a, now, &in, &id), 0);
	return id;
}

static void test_language_preferred_then_widened(void **state)
{
	static const char *const sv[] = {"sv"}, *const sv_fi[] = {"sv", "fi"};
	struct fx *f = fx_new();
	struct acd_group_cfg c = cfg(1);
	uint64_t fi1, sv1, fi2;

	(void)state;
	c.language_widen_ms = 30000;
	set_group(f, &c);
	agent1(f, T0, 7, 1, 1); /* idle longest, Swedish only */
	assert_int_equal(acd_agent_languages(f->a, 7, sv, 1), 0);
	agent1(f, T0 + 5000, 8, 1, 1); /* Swedish and Finnish */
	assert_int_equal(acd_agent_languages(f->a, 8, sv_fi, 2), 0);

	fi1 = arrive_lang(f, T0 + 10000, 1, "fi");
	assert_int_equal(offered_to(f, fi1), 8); /* not 7, though 7 waited longer */

	/* Nobody ready speaks Finnish now: the next Finnish call waits, a Swedish call
	 * behind it goes to 7 at once. */
	fi2 = arrive_lang(f, T0 + 11000, 1, "fi");
	assert_int_equal(offered_to(f, fi2), 0);
	sv1 = arrive_lang(f, T0 + 12000, 1, "");
	assert_int_equal(offered_to(f, sv1), 7);
	assert_int_equal(position(f, fi2), 1);
	fx_free(f);

	/* Widened exactly at the group's setting: any ready agent may take it then. */
	f = fx_new();
	set_group(f, &c);
	agent1(f, T0, 7, 1, 1);
	assert_int_equal(acd_agent_languages(f->a, 7, sv, 1), 0);
	fi2 = arrive_lang(f, T0 + 1000, 1, "fi");
	assert_int_equal(offered_to(f, fi2), 0);
	assert_int_equal(acd_next_deadline(f->a), T0 + 31000);
	assert_int_equal(acd_timer(f->a, T0 + 30999), 0);
	assert_int_equal(offered_to(f, fi2), 0);
	assert_int_equal(acd_timer(f->a, T0 + 31000), 0);
	assert_int_equal(offered_to(f, fi2), 7);
	assert_int_equal(find_ev(f, ACD_EV_CALL_OFFERED, fi2, 0)->t_ms, T0 + 31000);

	/* An agent who speaks both, getting ready, takes the oldest call first. */
	c = cfg(2);
	set_group(f, &c); /* language_widen_ms 0: the default, 60 s */
	{
		struct acd_membership m = {2, 1};
		assert_int_equal(acd_agent_set(f->a, 9, &m, 1), 0);
		assert_int_equal(acd_agent_languages(f->a, 9, sv_fi, 2), 0);
	}
	sv1 = arrive_lang(f, T0 + 40000, 2, "sv");
	fi1 = arrive_lang(f, T0 + 41000, 2, "fi");
	assert_int_equal(acd_agent_login(f->a, T0 + 42000, 9), 0);
	assert_int_equal(acd_agent_ready(f->a, T0 + 42000, 9), 0);
	assert_int_equal(offered_to(f, sv1), 9); /* speaks Swedish too: oldest first */
	assert_int_equal(acd_next_deadline(f->a) <= T0 + 41000 + 60000, true);

	/* Malformed codes and unknown agents are refused; nothing changes. */
	{
		static const char *const bad[] = {"FI"}, *const longc[] = {"finn"};
		assert_int_equal(acd_agent_languages(f->a, 7, bad, 1), EINVAL);
		assert_int_equal(acd_agent_languages(f->a, 7, longc, 1), EINVAL);
		assert_int_equal(acd_agent_languages(f->a, 99, sv, 1), ENOENT);
		assert_int_equal(acd_agent_languages(f->a, 7, sv, ACD_MAX_LANGS + 1), EINVAL);
	}
	fx_free(f);
}

static void test_group_priority_for_shared_agent(void **state)
{
	struct fx *f = fx_new();
	struct acd_group_cfg lo = cfg(1), hi = cfg(2), lo2 = cfg(3);
	struct acd_membership m[3] = {{1, 1}, {2, 1}, {3, 1}};
	uint64_t c_lo, c_hi, c_lo2;

	(void)state;
	lo.priority = 1;
	hi.priority = 5;
	lo2.priority = 1;
	set_group(f, &lo);
	set_group(f, &hi);
	set_group(f, &lo2);
	assert_int_equal(acd_agent_set(f->a, 1, m, 3), 0);
	assert_int_equal(acd_agent_login(f->a, T0, 1), 0);
	c_lo = arrive(f, T0 + 100, 1);  /* waited longest, low priority */
	c_lo2 = arrive(f, T0 + 150, 3); /* same low priority, later */
	c_hi = arrive(f, T0 + 200, 2);
	assert_int_equal(acd_agent_ready(f->a, T0 + 300, 1), 0);
	assert_int_equal(offered_to(f, c_hi), 1);
	assert_int_equal(acd_call_answer(f->a, T0 + 400, c_hi), 0);
	assert_int_equal(acd_call_hangup(f->a, T0 + 500, c_hi), 0);
	/* Equal priority: the call that has waited longest. */
	assert_int_equal(offered_to(f, c_lo), 1);
	assert_int_equal(offered_to(f, c_lo2), 0);
	fx_free(f);
}

static void test_fifo_within_group(void **state)
{
	struct fx *f = fx_new();
	uint64_t c[3];

	(void)state;
	group(f, 1);
	for (int i = 0; i < 3; i++)
		c[i] = arrive(f, T0 + i * 1000, 1);
	assert_int_equal(position(f, c[0]), 1);
	assert_int_equal(position(f, c[2]), 3);
	assert_int_equal(find_act(f, ACD_ACT_QUEUED, c[2], 0)->position, 3);
	agent1(f, T0 + 5000, 1, 1, 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(offered_to(f, c[i]), 1);
		assert_int_equal(acd_call_answer(f->a, T0 + 6000 + i * 100, c[i]), 0);
		assert_int_equal(acd_call_hangup(f->a, T0 + 6050 + i * 100, c[i]), 0);
	}
	assert_int_equal(count_ev(f, ACD_EV_CALL_ENDED), 3);
	fx_free(f);
}

static void test_no_answer_requeues_front_and_pauses(void **state)
{
	struct fx *f = fx_new();
	uint64_t c1, c2;
	const struct acd_event *e;
	struct acd_agent_info ai;

	(void)state;
	group(f, 1);
	agent1(f, T0, 1, 1, 1);
	c1 = arrive(f, T0 + 1000, 1);
	c2 = arrive(f, T0 + 2000, 1);
	assert_int_equal(offered_to(f, c1), 1);
	assert_int_equal(position(f, c2), 1);
	assert_int_equal(acd_next_deadline(f->a), T0 + 1000 + 20000);
	assert_int_equal(acd_timer(f->a, T0 + 21000), 0);
	assert_non_null(find_act(f, ACD_ACT_CANCEL_OFFER, c1, 0));
	e = find_ev(f, ACD_EV_CALL_NO_ANSWER, c1, 0);
	assert_non_null(e);
	assert_int_equal(e->agent, 1);
	e = find_ev(f, ACD_EV_AGENT_PAUSED, 0, 0);
	assert_non_null(e);
	assert_int_equal(e->reason, ACD_PAUSE_NO_ANSWER);
	assert_int_equal(acd_agent_info(f->a, 1, &ai), 0);
	assert_int_equal(ai.state, ACD_AGENT_PAUSED);
	assert_int_equal(ai.pause, ACD_PAUSE_NO_ANSWER);
	assert_int_equal(position(f, c1), 1);
	assert_int_equal(position(f, c2), 2);
	/* Another agent gets the requeued call first; a reject works the same. */
	agent1(f, T0 + 22000, 2, 1, 1);
	assert_int_equal(offered_to(f, c1), 2);
	assert_int_equal(acd_call_reject(f->a, T0 + 23000, c1), 0);
	assert_int_equal(count_ev(f, ACD_EV_CALL_NO_ANSWER), 2);
	assert_int_equal(astate(f, 2), ACD_AGENT_PAUSED);
	assert_int_equal(position(f, c1), 1);
	assert_int_equal(acd_agent_ready(f->a, T0 + 24000, 1), 0);
	assert_int_equal(offered_to(f, c1), 1);
	fx_free(f);
}

static void test_abandon_waiting(void **state)
{
	struct fx *f = fx_new();
	uint64_t c1, c2;
	const struct acd_event *e;
	struct acd_group_snapshot s;

	(void)state;
	group(f, 1);
	c1 = arrive(f, T0, 1);
	c2 = arrive(f, T0 + 1000, 1);
	assert_int_equal(acd_call_hangup(f->a, T0 + 9000, c1), 0);
	e = find_ev(f, ACD_EV_CALL_ABANDONED, c1, 0);
	assert_non_null(e);
	assert_int_equal(e->wait_ms, 9000);
	assert_int_equal(e->group, 1);
	assert_int_equal(acd_call_info(f->a, c1, &(struct acd_call_info){0}), ENOENT);
	assert_int_equal(position(f, c2), 1);
	assert_int_equal(acd_group_snapshot(f->a, T0 + 9000, 1, &s), 0);
	assert_int_equal(s.waiting, 1);
	assert_int_equal(s.longest_wait_ms, 8000);
	fx_free(f);
}

static void test_abandon_offered_keeps_idle_place(void **state)
{
	struct fx *f = fx_new();
	uint64_t c1, c2;
	const struct acd_event *e;

	(void)state;
	group(f, 1);
	agent1(f, T0, 1, 1, 1);
	agent1(f, T0 + 500, 2, 1, 1);
	c1 = arrive(f, T0 + 1000, 1);
	assert_int_equal(offered_to(f, c1), 1);
	assert_int_equal(acd_call_hangup(f->a, T0 + 4000, c1), 0);
	assert_non_null(find_act(f, ACD_ACT_CANCEL_OFFER, c1, 0));
	e = find_ev(f, ACD_EV_CALL_ABANDONED, c1, 0);
	assert_int_equal(e->wait_ms, 3000);
	assert_int_equal(e->agent, 1);
	assert_int_equal(astate(f, 1), ACD_AGENT_READY);
	assert_int_equal(acd_next_deadline(f->a), INT64_MAX); /* offer timer gone */
	/* Agent 1 is still the longest idle. */
	c2 = arrive(f, T0 + 5000, 1);
	assert_int_equal(offered_to(f, c2), 1);
	fx_free(f);
}

static void test_wrapup_then_next_call(void **state)
{
	struct fx *f = fx_new();
	struct acd_group_cfg c = cfg(1);
	uint64_t c1, c2;
	const struct acd_event *e;

	(void)state;
	c.wrapup_ms = 10000;
	set_group(f, &c);
	agent1(f, T0, 1, 1, 1);
	c1 = arrive(f, T0 + 1000, 1);
	c2 = arrive(f, T0 + 2000, 1);
	assert_int_equal(acd_call_answer(f->a, T0 + 3000, c1), 0);
	e = find_ev(f, ACD_EV_CALL_ANSWERED, c1, 0);
	assert_int_equal(e->wait_ms, 2000);
	assert_int_equal(acd_call_hangup(f->a, T0 + 63000, c1), 0);
	e = find_ev(f, ACD_EV_CALL_ENDED, c1, 0);
	assert_int_equal(e->talk_ms, 60000);
	e = find_ev(f, ACD_EV_AGENT_WRAPUP, 0, 0);
	assert_non_null(e);
	assert_int_equal(e->group, 1);
	assert_int_equal(astate(f, 1), ACD_AGENT_WRAPUP);
	assert_int_equal(offered_to(f, c2), 0);
	assert_int_equal(acd_next_deadline(f->a), T0 + 73000);
	assert_int_equal(acd_timer(f->a, T0 + 73000), 0);
	assert_non_null(find_ev(f, ACD_EV_AGENT_READY, 0, 1));
	assert_int_equal(offered_to(f, c2), 1);
	assert_int_equal(find_ev(f, ACD_EV_CALL_OFFERED, c2, 0)->t_ms, T0 + 73000);
	fx_free(f);
}

/* ---- overflow --------------------------------------------------------------- */

static void test_max_wait_overflow(void **state)
{
	struct fx *f = fx_new();
	struct acd_group_cfg g1 = cfg(1), g3 = cfg(3), g4 = cfg(4);
	struct acd_call_info ci;
	const struct acd_event *e;
	const struct acd_action *x;
	uint64_t call, c3, c4;

	(void)state;
	g1.max_wait_ms = 60000;
	g1.overflow_group = 2;
	set_group(f, &g1);
	group(f, 2);
	call = arrive(f, T0, 1);
	assert_int_equal(acd_next_deadline(f->a), T0 + 60000);
	assert_int_equal(acd_timer(f->a, T0 + 60000), 0);
	e = find_ev(f, ACD_EV_CALL_OVERFLOWED, call, 0);
	assert_non_null(e);
	assert_int_equal(e->group, 1);
	assert_int_equal(e->to_group, 2);
	assert_int_equal(e->reason, ACD_OVERFLOW_MAX_WAIT);
	x = find_act(f, ACD_ACT_QUEUED, call, 1);
	assert_non_null(x);
	assert_int_equal(x->group, 2);
	e = find_ev(f, ACD_EV_CALL_QUEUED, call, 1);
	assert_non_null(e);
	assert_int_equal(e->group, 2);
	assert_int_equal(acd_call_info(f->a, call, &ci), 0);
	assert_int_equal(ci.group, 2);
	assert_int_equal(ci.arrived_ms, T0);
	assert_int_equal(ci.n_hops, 2);
	assert_int_equal(ci.hops[0].kind, ACD_HOP_ENTRY);
	assert_int_equal(ci.hops[0].group, 1);
	assert_int_equal(ci.hops[1].kind, ACD_HOP_OVERFLOW);
	assert_int_equal(ci.hops[1].group, 2);
	assert_int_equal(ci.hops[1].at_ms, T0 + 60000);
	agent1(f, T0 + 90000, 5, 2, 1);
	assert_int_equal(acd_call_answer(f->a, T0 + 95000, call), 0);
	assert_int_equal(find_ev(f, ACD_EV_CALL_ANSWERED, call, 0)->wait_ms, 95000);

	/* No overflow group: to the switchboard number. */
	g3.max_wait_ms = 1000;
	memcpy(g3.overflow_number, "0855500000", 11);
	set_group(f, &g3);
	c3 = arrive(f, T0 + 100000, 3);
	assert_int_equal(acd_timer(f->a, T0 + 101000), 0);
	e = find_ev(f, ACD_EV_CALL_OVERFLOWED, c3, 0);
	assert_int_equal(e->to_group, 0);
	x = find_act(f, ACD_ACT_FORWARD, c3, 0);
	assert_string_equal(x->number, "0855500000");
	assert_string_equal(find_ev(f, ACD_EV_CALL_FORWARDED, c3, 0)->text, "0855500000");
	assert_int_equal(acd_call_info(f->a, c3, &ci), ENOENT);

	/* Neither: the caller stays. */
	g4.max_wait_ms = 1000;
	set_group(f, &g4);
	c4 = arrive(f, T0 + 200000, 4);
	assert_int_equal(acd_timer(f->a, T0 + 201000), 0);
	assert_null(find_ev(f, ACD_EV_CALL_OVERFLOWED, c4, 0));
	assert_int_equal(position(f, c4), 1);
	assert_int_equal(acd_next_deadline(f->a), INT64_MAX);
	fx_free(f);
}

static void test_queue_full_overflow(void **state)
{
	struct fx *f = fx_new();
	struct acd_group_cfg g1 = cfg(1);
	uint64_t c1, c2;
	const struct acd_event *e;

	(void)state;
	g1.max_queue = 1;
	g1.overflow_group = 2;
	set_group(f, &g1);
	group(f, 2);
	c1 = arrive(f, T0, 1);
	c2 = arrive(f, T0 + 1000, 1);
	assert_null(find_ev(f, ACD_EV_CALL_OVERFLOWED, c1, 0));
	e = find_ev(f, ACD_EV_CALL_OVERFLOWED, c2, 0);
	assert_non_null(e);
	assert_int_equal(e->group, 1);
	assert_int_equal(e->to_group, 2);
	assert_int_equal(e->reason, ACD_OVERFLOW_QUEUE_FULL);
	assert_int_equal(find_ev(f, ACD_EV_CALL_QUEUED, c2, 0)->group, 2);
	assert_null(find_ev(f, ACD_EV_CALL_QUEUED, c2, 1));
	/* When the first caller leaves, group 1 has room again. */
	assert_int_equal(acd_call_hangup(f->a, T0 + 2000, c1), 0);
	assert_int_equal(find_ev(f, ACD_EV_CALL_QUEUED, arrive(f, T0 + 3000, 1), 0)->group, 1);
	fx_free(f);
}

static void test_closed_chain(void **state)
{
	struct fx *f = fx_new();
	struct acd_closure all = {T0 - 1000000, T0 + 1000000};
	struct acd_group_cfg g1 = cfg(1), g2 = cfg(2);
	uint64_t c1, c2;
	const struct acd_event *e;
	const struct acd_action *x;

	(void)state;
	g1.closures = &all;
	g1.n_closures = 1;
	g1.overflow_group = 2;
	set_group(f, &g1);
	set_group(f, &g2);
	c1 = arrive(f, T0, 1);
	e = find_ev(f, ACD_EV_CALL_OVERFLOWED, c1, 0);
	assert_non_null(e);
	assert_int_equal(e->reason, ACD_OVERFLOW_CLOSED);
	assert_int_equal(e->to_group, 2);
	assert_int_equal(find_ev(f, ACD_EV_CALL_QUEUED, c1, 0)->group, 2);

	/* Now the overflow group closes too: the closed message, never queued. */
	g2.closures = &all;
	g2.n_closures = 1;
	set_group(f, &g2);
	c2 = arrive(f, T0 + 10, 1);
	x = find_act(f, ACD_ACT_CLOSED, c2, 0);
	assert_non_null(x);
	assert_int_equal(x->group, 1);
	assert_non_null(find_ev(f, ACD_EV_CALL_CLOSED, c2, 0));
	assert_null(find_ev(f, ACD_EV_CALL_QUEUED, c2, 0));
	assert_null(find_ev(f, ACD_EV_CALL_OVERFLOWED, c2, 0));
	assert_int_equal(acd_call_info(f->a, c2, &(struct acd_call_info){0}), ENOENT);
	/* The caller already queued in 2 stays while it is closed. */
	assert_int_equal(position(f, c1), 1);

	/* A loop 1 → 2 → 1, both closed, ends too. */
	g2.overflow_group = 1;
	set_group(f, &g2);
	c2 = arrive(f, T0 + 20, 2);
	assert_non_null(find_act(f, ACD_ACT_CLOSED, c2, 0));
	fx_free(f);
}

static void test_scheduled_closure(void **state)
{
	struct fx *f = fx_new();
	struct acd_closure meeting = {T0 + 3600000, T0 + 7200000}; /* an hour's APT */
	struct acd_group_cfg g = cfg(1);
	struct acd_group_snapshot s;
	uint64_t before, during, after;

	(void)state;
	g.closures = &meeting;
	g.n_closures = 1;
	set_group(f, &g);
	before = arrive(f, T0 + 3599999, 1);
	during = arrive(f, T0 + 3600000, 1);
	after = arrive(f, T0 + 7200000, 1);
	assert_non_null(find_ev(f, ACD_EV_CALL_QUEUED, before, 0));
	assert_non_null(find_ev(f, ACD_EV_CALL_CLOSED, during, 0));
	assert_non_null(find_ev(f, ACD_EV_CALL_QUEUED, after, 0));
	assert_int_equal(acd_group_snapshot(f->a, T0 + 3600001, 1, &s), 0);
	assert_false(s.open);
	assert_int_equal(s.waiting, 2); /* the caller from before stays */
	assert_int_equal(acd_group_snapshot(f->a, T0 + 7200000, 1, &s), 0);
	assert_true(s.open);
	/* A group closing is no deadline: waiting callers stay, so nothing to do. */
	assert_int_equal(acd_next_deadline(f->a), INT64_MAX);
	fx_free(f);
}

static void expect_open(struct fx *f, uint32_t g, int64_t t, bool open)
{
	uint64_t call = arrive(f, t, g);
	struct acd_group_snapshot s;

	assert_int_equal(acd_group_snapshot(f->a, t, g, &s), 0);
	assert_int_equal(s.open, open);
	if (open)
		assert_non_null(find_ev(f, ACD_EV_CALL_QUEUED, call, 0));
	else
		assert_non_null(find_ev(f, ACD_EV_CALL_CLOSED, call, 0));
}

static void test_hours_dst_and_holiday(void **state)
{
	struct hours *sun = parse_hours("{\"weekly\":{\"sun\":[[\"00:00\",\"24:00\"]]},"
	                                "\"holidays\":\"ignore\"}");
	struct hours *office = parse_hours(
	        "{\"weekly\":{\"mon\":[[\"08:00\",\"16:00\"]],\"tue\":[[\"08:00\",\"16:00\"]],"
	        "\"wed\":[[\"08:00\",\"16:00\"]],\"thu\":[[\"08:00\",\"16:00\"]],"
	        "\"fri\":[[\"08:00\",\"16:00\"]]}}");
	struct fx *f = fx_new();
	struct acd_group_cfg g1 = cfg(1), g2 = cfg(2);

	(void)state;
	g1.hours = sun;
	g2.hours = office;
	set_group(f, &g1);
	set_group(f, &g2);
	/* Spring: Sunday 29 March 2026 has 23 hours, all of them open. */
	expect_open(f, 1, at(2026, 3, 28, 23, 59), false);
	expect_open(f, 1, at(2026, 3, 29, 0, 0), true);
	expect_open(f, 1, at(2026, 3, 29, 1, 59), true);
	expect_open(f, 1, at(2026, 3, 29, 3, 0), true);
	expect_open(f, 1, at(2026, 3, 29, 23, 59), true);
	expect_open(f, 1, at(2026, 3, 30, 0, 0), false);
	/* Autumn: Sunday 25 October 2026 has 25 hours; 02:30 occurs twice. */
	expect_open(f, 1, at(2026, 10, 24, 23, 59), false);
	expect_open(f, 1, at(2026, 10, 25, 2, 30), true);
	expect_open(f, 1, at(2026, 10, 25, 2, 30) + 3600000, true); /* the second 02:30 */
	expect_open(f, 1, at(2026, 10, 25, 23, 59), true);
	expect_open(f, 1, at(2026, 10, 26, 0, 0), false);
	/* Juldagen, a Friday, is closed by default; the Monday after is open. */
	expect_open(f, 2, at(2026, 12, 25, 10, 0), false);
	expect_open(f, 2, at(2026, 12, 28, 10, 0), true);
	expect_open(f, 2, at(2026, 12, 28, 7, 59), false);
	fx_free(f);
	hours_free(sun);
	hours_free(office);
}

static void test_urgent_forward(void **state)
{
	struct fx *f = fx_new();
	struct acd_group_cfg g = cfg(1);
	struct acd_closure night = {T0 - 1000, T0 + 1000};
	uint64_t c1, c2;

	(void)state;
	memcpy(g.urgent_number, "0812345678", 11);
	g.closures = &night; /* urgent callers are forwarded even when closed */
	g.n_closures = 1;
	set_group(f, &g);
	c1 = arrive_as(f, T0, 1, "0701112233", true);
	assert_string_equal(find_act(f, ACD_ACT_FORWARD, c1, 0)->number, "0812345678");
	assert_string_equal(find_ev(f, ACD_EV_CALL_FORWARDED, c1, 0)->text, "0812345678");
	assert_null(find_ev(f, ACD_EV_CALL_QUEUED, c1, 0));
	assert_null(find_ev(f, ACD_EV_CALL_CLOSED, c1, 0));
	/* Without an urgent number the urgent option is an ordinary call. */
	g = cfg(2);
	set_group(f, &g);
	c2 = arrive_as(f, T0 + 2000, 2, "0701112233", true);
	assert_non_null(find_ev(f, ACD_EV_CALL_QUEUED, c2, 0));
	fx_free(f);
}

/* Without an on-call number an urgent caller waits ahead of the others (behind earlier
 * urgent ones) and a level-2 agent may take them before the group widens. */
static void test_urgent_waits_first(void **state)
{
	struct fx *f = fx_new();
	struct acd_group_cfg g = cfg(1);
	uint64_t c1, c2, u1, u2;

	(void)state;
	g.widen_after_ms = 60000;
	set_group(f, &g);
	c1 = arrive(f, T0, 1);
	c2 = arrive(f, T0 + 1000, 1);
	u1 = arrive_as(f, T0 + 2000, 1, "0701112233", true);
	u2 = arrive_as(f, T0 + 3000, 1, "0702223344", true);
	assert_int_equal(position(f, u1), 1);
	assert_int_equal(position(f, u2), 2);
	assert_int_equal(position(f, c1), 3);
	assert_int_equal(position(f, c2), 4);
	assert_int_equal(find_act(f, ACD_ACT_QUEUED, u2, 0)->position, 2);
	/* A level-2 agent before the widening: the urgent callers, in their order. */
	agent1(f, T0 + 4000, 7, 1, 2);
	assert_int_equal(offered_to(f, u1), 7);
	assert_int_equal(acd_call_answer(f->a, T0 + 4100, u1), 0);
	assert_int_equal(acd_call_hangup(f->a, T0 + 4200, u1), 0);
	assert_int_equal(offered_to(f, u2), 7);
	assert_int_equal(acd_call_answer(f->a, T0 + 4300, u2), 0);
	assert_int_equal(acd_call_hangup(f->a, T0 + 4400, u2), 0);
	/* The ordinary callers still wait for the widening. */
	assert_int_equal(offered_to(f, c1), 0);
	assert_int_equal(position(f, c1), 1);
	fx_free(f);
}

/* ---- callbacks -------------------------------------------------------------- */

static struct acd_group_cfg callback_cfg(uint32_t id)
{
	struct acd_group_cfg g = cfg(id);

	g.callback_offer_ms = 60000;
	g.aht_ms = 180000;
	return g;
}

static void test_callback_keeps_place(void **state)
{
	struct fx *f = fx_new();
	struct acd_group_cfg g = callback_cfg(1);
	struct acd_membership m = {1, 1};
	const struct acd_action *x;
	const struct acd_event *e;
	struct acd_call_info ci;
	uint64_t cb, later;

	(void)state;
	set_group(f, &g);
	assert_int_equal(acd_agent_set(f->a, 1, &m, 1), 0);
	assert_int_equal(acd_agent_login(f->a, T0, 1), 0); /* paused: nobody ready */
	cb = arrive(f, T0 + 1000, 1);
	x = find_act(f, ACD_ACT_OFFER_CALLBACK, cb, 0);
	assert_non_null(x);
	assert_int_equal(x->position, 1);
	assert_non_null(find_ev(f, ACD_EV_CALLBACK_OFFERED, cb, 0));
	assert_int_equal(acd_callback_accept(f->a, T0 + 5000, cb), 0);
	assert_non_null(find_ev(f, ACD_EV_CALLBACK_REQUESTED, cb, 0));
	later = arrive_as(f, T0 + 6000, 1, "", false); /* withheld: no callback offer */
	assert_null(find_act(f, ACD_ACT_OFFER_CALLBACK, later, 0));
	assert_int_equal(position(f, later), 2);
	assert_int_equal(acd_call_info(f->a, cb, &ci), 0);
	assert_true(ci.callback);
	assert_int_equal(ci.position, 1);
	assert_int_equal(acd_call_hangup(f->a, T0 + 6500, cb), EPERM); /* left the line already */

	assert_int_equal(acd_agent_ready(f->a, T0 + 10000, 1), 0);
	x = find_act(f, ACD_ACT_CALLBACK_DIAL, cb, 0);
	assert_non_null(x);
	assert_int_equal(x->agent, 1);
	assert_string_equal(x->number, "0701112233");
	assert_int_equal(find_ev(f, ACD_EV_CALLBACK_DIALLED, cb, 0)->agent, 1);
	assert_int_equal(astate(f, 1), ACD_AGENT_OFFERED);
	assert_int_equal(offered_to(f, later), 0);
	assert_int_equal(acd_call_answer(f->a, T0 + 11000, cb), EPERM);
	assert_int_equal(acd_callback_result(f->a, T0 + 30000, cb, true), 0);
	assert_non_null(find_act(f, ACD_ACT_CONNECT, cb, 0));
	e = find_ev(f, ACD_EV_CALLBACK_ANSWERED, cb, 0);
	assert_non_null(e);
	assert_int_equal(e->wait_ms, 29000); /* from the original arrival */
	assert_int_equal(astate(f, 1), ACD_AGENT_TALKING);
	assert_int_equal(position(f, later), 1);
	assert_int_equal(acd_call_hangup(f->a, T0 + 90000, cb), 0);
	assert_int_equal(find_ev(f, ACD_EV_CALL_ENDED, cb, 0)->talk_ms, 60000);
	assert_int_equal(offered_to(f, later), 1);
	fx_free(f);
}

static void test_callbacks_never_exceed_ready_agents(void **state)
{
	struct fx *f = fx_new();
	struct acd_group_cfg g = callback_cfg(1);
	struct acd_membership m = {1, 1};
	uint64_t cb[4];

	(void)state;
	set_group(f, &g);
	for (uint32_t i = 1; i <= 2; i++) {
		assert_int_equal(acd_agent_set(f->a, i, &m, 1), 0);
		assert_int_equal(acd_agent_login(f->a, T0, i), 0);
	}
	for (int i = 0; i < 4; i++) {
		cb[i] = arrive(f, T0 + 1000 + i, 1);
		assert_int_equal(acd_callback_accept(f->a, T0 + 2000, cb[i]), 0);
	}
	assert_int_equal(acd_agent_ready(f->a, T0 + 3000, 1), 0);
	assert_int_equal(count_act(f, ACD_ACT_CALLBACK_DIAL), 1);
	assert_int_equal(acd_agent_ready(f->a, T0 + 3000, 2), 0);
	assert_int_equal(count_act(f, ACD_ACT_CALLBACK_DIAL), 2);
	assert_int_equal(offered_to(f, cb[0]), 1);
	assert_int_equal(offered_to(f, cb[1]), 2);
	assert_int_equal(offered_to(f, cb[2]), 0);
	assert_int_equal(acd_timer(f->a, T0 + 3600000), 0); /* no timer dials more */
	assert_int_equal(count_act(f, ACD_ACT_CALLBACK_DIAL), 2);
	fx_free(f);
}

static void test_callback_retry_and_failure(void **state)
{
	struct fx *f = fx_new();
	struct acd_group_cfg g = callback_cfg(1);
	struct acd_membership m = {1, 1};
	uint64_t cb, plain;

	(void)state;
	g.callback_retry_ms = 60000;
	g.callback_max_attempts = 2;
	set_group(f, &g);
	assert_int_equal(acd_agent_set(f->a, 1, &m, 1), 0);
	assert_int_equal(acd_agent_login(f->a, T0, 1), 0);
	cb = arrive(f, T0 + 1000, 1);
	assert_int_equal(acd_callback_accept(f->a, T0 + 2000, cb), 0);
	assert_int_equal(acd_agent_ready(f->a, T0 + 3000, 1), 0);
	assert_int_equal(offered_to(f, cb), 1);
	assert_int_equal(acd_callback_result(f->a, T0 + 33000, cb, false), 0);
	assert_int_equal(astate(f, 1), ACD_AGENT_READY);
	assert_int_equal(offered_to(f, cb), 0);
	assert_int_equal(position(f, cb), 1); /* keeps its place */
	assert_int_equal(acd_next_deadline(f->a), T0 + 93000);
	/* While it waits out the retry pause, a caller behind it is served. */
	plain = arrive(f, T0 + 40000, 1);
	assert_int_equal(offered_to(f, plain), 1);
	assert_int_equal(acd_call_answer(f->a, T0 + 41000, plain), 0);
	assert_int_equal(acd_call_hangup(f->a, T0 + 42000, plain), 0);
	assert_int_equal(astate(f, 1), ACD_AGENT_READY);
	assert_int_equal(offered_to(f, cb), 0);
	assert_int_equal(acd_timer(f->a, T0 + 93000), 0);
	assert_int_equal(offered_to(f, cb), 1);
	assert_int_equal(count_act(f, ACD_ACT_CALLBACK_DIAL), 2);
	assert_int_equal(acd_callback_result(f->a, T0 + 120000, cb, false), 0);
	assert_non_null(find_ev(f, ACD_EV_CALLBACK_FAILED, cb, 0));
	assert_int_equal(acd_call_info(f->a, cb, &(struct acd_call_info){0}), ENOENT);
	assert_int_equal(astate(f, 1), ACD_AGENT_READY);
	assert_int_equal(acd_next_deadline(f->a), INT64_MAX);
	fx_free(f);
}

/* ---- transfer, estimates, deadlines, announcements ------------------------- */

static void test_transfer(void **state)
{
	struct fx *f = fx_new();
	struct acd_group_cfg g1 = cfg(1);
	struct acd_call_info ci;
	const struct acd_event *e;
	uint64_t call;

	(void)state;
	g1.wrapup_ms = 5000;
	set_group(f, &g1);
	group(f, 2);
	agent1(f, T0, 1, 1, 1);
	call = arrive(f, T0 + 1000, 1);
	assert_int_equal(acd_call_answer(f->a, T0 + 2000, call), 0);
	assert_int_equal(acd_call_transfer(f->a, T0 + 32000, call, 2), 0);
	e = find_ev(f, ACD_EV_CALL_TRANSFERRED, call, 0);
	assert_non_null(e);
	assert_int_equal(e->group, 1);
	assert_int_equal(e->to_group, 2);
	assert_int_equal(e->agent, 1);
	assert_int_equal(e->talk_ms, 30000);
	assert_int_equal(find_ev(f, ACD_EV_AGENT_WRAPUP, 0, 0)->group, 1);
	assert_int_equal(astate(f, 1), ACD_AGENT_WRAPUP);
	assert_int_equal(find_act(f, ACD_ACT_QUEUED, call, 1)->group, 2);
	assert_int_equal(find_ev(f, ACD_EV_CALL_QUEUED, call, 1)->group, 2);
	assert_null(find_ev(f, ACD_EV_CALL_ENDED, call, 0));
	assert_int_equal(acd_call_info(f->a, call, &ci), 0);
	assert_int_equal(ci.group, 2);
	assert_int_equal(ci.agent, 0);
	assert_false(ci.talking);
	assert_int_equal(ci.arrived_ms, T0 + 1000);
	assert_int_equal(ci.n_hops, 2);
	assert_int_equal(ci.hops[1].kind, ACD_HOP_TRANSFER);
	assert_int_equal(ci.hops[1].group, 2);
	agent1(f, T0 + 40000, 2, 2, 1);
	assert_int_equal(acd_call_answer(f->a, T0 + 41000, call), 0);
	assert_int_equal(find_ev(f, ACD_EV_CALL_ANSWERED, call, 1)->wait_ms, 40000);
	assert_int_equal(acd_call_transfer(f->a, T0 + 42000, call, 99), ENOENT);
	fx_free(f);
}

static void test_estimated_wait(void **state)
{
	struct fx *f = fx_new();
	struct acd_group_cfg g = cfg(1);
	struct acd_membership m = {1, 1};
	struct acd_group_snapshot s;
	uint64_t c[3];

	(void)state;
	g.aht_ms = 120000;
	set_group(f, &g);
	assert_int_equal(acd_estimated_wait(f->a, 1, 3), 3 * 120000); /* nobody serving: 1 */
	for (uint32_t i = 1; i <= 3; i++) {
		assert_int_equal(acd_agent_set(f->a, i, &m, 1), 0);
		assert_int_equal(acd_agent_login(f->a, T0, i), 0);
	}
	assert_int_equal(acd_estimated_wait(f->a, 1, 2), 2 * 120000); /* all paused */
	assert_int_equal(acd_agent_ready(f->a, T0, 1), 0);
	assert_int_equal(acd_agent_ready(f->a, T0, 2), 0);
	assert_int_equal(acd_estimated_wait(f->a, 1, 3), 3 * 120000 / 2);
	/* Talking agents still serve the group. */
	for (int i = 0; i < 3; i++)
		c[i] = arrive(f, T0 + 1000, 1);
	assert_int_equal(acd_call_answer(f->a, T0 + 2000, c[0]), 0);
	assert_int_equal(find_act(f, ACD_ACT_QUEUED, c[2], 0)->position, 1);
	assert_int_equal(find_act(f, ACD_ACT_QUEUED, c[2], 0)->ewt_ms, 120000 / 2);
	assert_int_equal(acd_group_snapshot(f->a, T0 + 3000, 1, &s), 0);
	assert_int_equal(s.waiting, 1);
	assert_int_equal(s.ewt_ms, 2 * 120000 / 2);
	assert_int_equal(s.agents_logged_in, 3);
	assert_int_equal(s.agents_by_state[ACD_AGENT_TALKING], 1);
	assert_int_equal(s.agents_by_state[ACD_AGENT_OFFERED], 1);
	assert_int_equal(s.agents_by_state[ACD_AGENT_PAUSED], 1);
	assert_int_equal(acd_estimated_wait(f->a, 99, 1), 0);
	fx_free(f);
}

static void test_next_deadline_exact(void **state)
{
	struct fx *f = fx_new();
	struct acd_group_cfg g = cfg(1);
	struct acd_membership m = {1, 1};
	uint64_t call;

	(void)state;
	g.max_wait_ms = 600000;
	g.widen_after_ms = 30000;
	g.wrapup_ms = 15000;
	set_group(f, &g);
	assert_int_equal(acd_next_deadline(f->a), INT64_MAX);
	assert_int_equal(acd_agent_set(f->a, 1, &m, 1), 0);
	assert_int_equal(acd_agent_login(f->a, T0, 1), 0);
	call = arrive(f, T0 + 1000, 1);
	assert_int_equal(acd_next_deadline(f->a), T0 + 31000); /* widening */
	assert_int_equal(acd_timer(f->a, T0 + 31000), 0);
	assert_int_equal(acd_next_deadline(f->a), T0 + 601000); /* max wait */
	assert_int_equal(acd_agent_ready(f->a, T0 + 40000, 1), 0);
	assert_int_equal(acd_next_deadline(f->a), T0 + 60000); /* ring time; max wait gone */
	assert_int_equal(acd_call_answer(f->a, T0 + 45000, call), 0);
	assert_int_equal(acd_next_deadline(f->a), INT64_MAX);
	assert_int_equal(acd_call_hangup(f->a, T0 + 50000, call), 0);
	assert_int_equal(acd_next_deadline(f->a), T0 + 65000);     /* wrap-up */
	assert_int_equal(acd_agent_ready(f->a, T0 + 55000, 1), 0); /* ends wrap-up early */
	assert_int_equal(acd_next_deadline(f->a), INT64_MAX);
	fx_free(f);
}

static void test_announcements(void **state)
{
	struct fx *f = fx_new();
	struct acd_group_cfg g = cfg(1);
	uint64_t c1, c2;

	(void)state;
	g.announce_every_ms = 30000;
	g.aht_ms = 60000;
	set_group(f, &g);
	c1 = arrive(f, T0, 1);
	c2 = arrive(f, T0 + 10000, 1);
	assert_int_equal(acd_timer(f->a, T0 + 30000), 0);
	assert_int_equal(find_act(f, ACD_ACT_ANNOUNCE, c1, 0)->position, 1);
	assert_int_equal(find_act(f, ACD_ACT_ANNOUNCE, c1, 0)->ewt_ms, 60000);
	assert_null(find_act(f, ACD_ACT_ANNOUNCE, c2, 0));
	assert_int_equal(acd_timer(f->a, T0 + 40000), 0);
	assert_int_equal(find_act(f, ACD_ACT_ANNOUNCE, c2, 0)->position, 2);
	assert_int_equal(acd_call_hangup(f->a, T0 + 45000, c1), 0);
	assert_int_equal(acd_timer(f->a, T0 + 70000), 0);
	assert_int_equal(find_act(f, ACD_ACT_ANNOUNCE, c2, 1)->position, 1);
	assert_int_equal(count_act(f, ACD_ACT_ANNOUNCE), 3);
	fx_free(f);
}

/* ---- errors ----------------------------------------------------------------- */

static void test_errors_leave_state_unchanged(void **state)
{
	struct fx *f = fx_new();
	struct acd_group_cfg g = cfg(1);
	struct acd_membership m = {1, 1}, bad = {1, 10}, nog = {7, 1};
	struct acd_agent_info a1, a2;
	struct acd_call_info c1, c2;
	uint64_t talking, waiting, id = 0;
	int64_t deadline;
	struct acd_call_in in;

	(void)state;
	set_group(f, &g);
	agent1(f, T0, 1, 1, 1);
	talking = arrive(f, T0, 1);
	assert_int_equal(acd_call_answer(f->a, T0 + 1, talking), 0);
	waiting = arrive(f, T0 + 2, 1);
	clear(f);
	assert_int_equal(acd_agent_info(f->a, 1, &a1), 0);
	assert_int_equal(acd_call_info(f->a, waiting, &c1), 0);
	deadline = acd_next_deadline(f->a);

	assert_int_equal(acd_call_answer(f->a, T0 + 5, 12345), ENOENT);
	assert_int_equal(acd_call_hangup(f->a, T0 + 5, 12345), ENOENT);
	assert_int_equal(acd_call_reject(f->a, T0 + 5, 12345), ENOENT);
	assert_int_equal(acd_call_transfer(f->a, T0 + 5, 12345, 1), ENOENT);
	assert_int_equal(acd_callback_accept(f->a, T0 + 5, 12345), ENOENT);
	assert_int_equal(acd_callback_result(f->a, T0 + 5, 12345, true), ENOENT);
	assert_int_equal(acd_agent_login(f->a, T0 + 5, 99), ENOENT);
	assert_int_equal(acd_agent_ready(f->a, T0 + 5, 99), ENOENT);
	assert_int_equal(acd_agent_pause(f->a, T0 + 5, 99, ACD_PAUSE_BREAK), ENOENT);
	assert_int_equal(acd_agent_logout(f->a, T0 + 5, 99), ENOENT);
	memset(&in, 0, sizeof(in));
	in.group = 42;
	assert_int_equal(acd_call_arrive(f->a, T0 + 5, &in, &id), ENOENT);
	assert_int_equal(acd_call_answer(f->a, T0 + 5, waiting), EPERM); /* not offered */
	assert_int_equal(acd_call_reject(f->a, T0 + 5, waiting), EPERM);
	assert_int_equal(acd_call_answer(f->a, T0 + 5, talking), EPERM);
	assert_int_equal(acd_call_transfer(f->a, T0 + 5, waiting, 1), EPERM);
	assert_int_equal(acd_callback_result(f->a, T0 + 5, waiting, false), EPERM);
	assert_int_equal(acd_callback_accept(f->a, T0 + 5, talking), EPERM);
	assert_int_equal(acd_agent_logout(f->a, T0 + 5, 1), EPERM); /* talking */
	assert_int_equal(acd_agent_pause(f->a, T0 + 5, 1, ACD_PAUSE_BREAK), EPERM);
	assert_int_equal(acd_agent_ready(f->a, T0 + 5, 1), EPERM);
	assert_int_equal(acd_agent_login(f->a, T0 + 5, 1), EPERM);
	assert_int_equal(acd_agent_pause(f->a, T0 + 5, 1, ACD_PAUSE_NONE), EINVAL);
	assert_int_equal(acd_agent_set(f->a, 1, &bad, 1), EINVAL);
	assert_int_equal(acd_agent_set(f->a, 1, &nog, 1), ENOENT);
	assert_int_equal(acd_agent_set(f->a, 0, &m, 1), EINVAL);
	assert_int_equal(acd_agent_set(f->a, 1, &m, ACD_MAX_MEMBERSHIPS + 1), EINVAL);
	g.wrapup_ms = -1;
	assert_int_equal(acd_group_set(f->a, &g), EINVAL);
	g = cfg(0);
	assert_int_equal(acd_group_set(f->a, &g), EINVAL);

	drain(f);
	assert_int_equal(f->n_act, 0);
	assert_int_equal(f->n_ev, 0);
	assert_int_equal(acd_agent_info(f->a, 1, &a2), 0);
	assert_memory_equal(&a1, &a2, sizeof(a1));
	assert_int_equal(acd_call_info(f->a, waiting, &c2), 0);
	assert_memory_equal(&c1, &c2, sizeof(c1));
	assert_int_equal(acd_next_deadline(f->a), deadline);
	/* Still works afterwards; ids are not used up by errors. */
	assert_int_equal(arrive(f, T0 + 6, 1), waiting + 1);
	fx_free(f);
}

static void test_names(void **state)
{
	enum acd_event_kind k;
	enum acd_pause_reason r;

	(void)state;
	assert_string_equal(acd_event_kind_name(ACD_EV_CALL_ARRIVED), "call_arrived");
	assert_string_equal(acd_event_kind_name(ACD_EV_CALLBACK_DIALLED), "callback_dialled");
	assert_string_equal(acd_event_kind_name(ACD_EV_AGENT_WRAPUP), "agent_wrapup");
	for (int i = 1; i < ACD_EV_KIND_MAX; i++) {
		assert_int_equal(
		        acd_event_kind_parse(acd_event_kind_name((enum acd_event_kind)i), &k), 0);
		assert_int_equal(k, i);
	}
	assert_int_equal(acd_event_kind_parse("call_lost", &k), EINVAL);
	assert_string_equal(acd_pause_reason_name(ACD_PAUSE_NO_ANSWER), "no_answer");
	assert_int_equal(acd_pause_reason_parse("email", &r), 0);
	assert_int_equal(r, ACD_PAUSE_EMAIL);
	assert_int_equal(acd_pause_reason_parse("lunch", &r), EINVAL);
	assert_string_equal(acd_agent_state_name(ACD_AGENT_LOGGED_OUT), "logged_out");
	assert_string_equal(acd_agent_state_name(ACD_AGENT_WRAPUP), "wrapup");
}

/* Every action kind has its own name (the event stream's "action" and the log lines
 * carry it, and telephony no longer keeps a table of its own); outside the enum: "unknown". */
static void test_action_names(void **state)
{
	(void)state;
	for (int i = ACD_ACT_QUEUED; i < ACD_ACT_KIND_MAX; i++) {
		const char *n = acd_action_name((enum acd_action_kind)i);

		assert_non_null(n);
		assert_true(n[0] != '\0');
		assert_string_not_equal(n, "unknown");
		for (int j = ACD_ACT_QUEUED; j < i; j++)
			assert_string_not_equal(n, acd_action_name((enum acd_action_kind)j));
	}
	/* the names the event stream has always shown */
	assert_string_equal(acd_action_name(ACD_ACT_QUEUED), "queued");
	assert_string_equal(acd_action_name(ACD_ACT_CANCEL_OFFER), "cancel_offer");
	assert_string_equal(acd_action_name(ACD_ACT_OFFER_CALLBACK), "offer_callback");
	assert_string_equal(acd_action_name(ACD_ACT_CALLBACK_DIAL), "callback_dial");
	assert_string_equal(acd_action_name(ACD_ACT_FORWARD), "forward");
	assert_string_equal(acd_action_name((enum acd_action_kind)0), "unknown");
	assert_string_equal(acd_action_name((enum acd_action_kind)ACD_ACT_KIND_MAX), "unknown");
}

/* ---- randomized run ----------------------------------------------------------- */

#define P_GROUPS    4
#define P_AGENTS    10
#define P_CALLS_MAX 4096

struct prop {
	struct acd *a;
	uint64_t rng;
	int64_t now;
	uint64_t live[P_CALLS_MAX]; /* calls not yet ended, by the event log */
	int n_live;
	unsigned char *seen; /* per call id: 1 arrived, 2 answered, 3 ended */
	size_t seen_cap;
	int outcomes;
	int arrived;
	int kinds[ACD_EV_KIND_MAX]; /* events seen per kind */
};

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static uint32_t rnd(struct prop *p, uint32_t n)
{
	return (uint32_t)(xorshift(&p->rng) % n);
}

static void live_remove(struct prop *p, uint64_t call)
{
	for (int i = 0; i < p->n_live; i++) {
		if (p->live[i] == call) {
			p->live[i] = p->live[--p->n_live];
			return;
		}
	}
	fail_msg("call %llu ended twice or never arrived", (unsigned long long)call);
}

/* Fold the event log: every call ends exactly once; "ended" only after an answer. */
static void prop_drain(struct prop *p)
{
	struct acd_action x;
	struct acd_event e;

	while (acd_next_action(p->a, &x))
		assert_true(x.kind >= ACD_ACT_QUEUED && x.kind <= ACD_ACT_FORWARD);
	while (acd_next_event(p->a, &e)) {
		assert_int_equal(e.t_ms, p->now);
		assert_true(e.call < p->seen_cap);
		assert_true(e.kind > 0 && e.kind < ACD_EV_KIND_MAX);
		p->kinds[e.kind]++;
		switch (e.kind) {
		case ACD_EV_CALL_ARRIVED:
			assert_int_equal(p->seen[e.call], 0);
			p->seen[e.call] = 1;
			assert_true(p->n_live < P_CALLS_MAX);
			p->live[p->n_live++] = e.call;
			p->arrived++;
			break;
		case ACD_EV_CALL_ANSWERED:
		case ACD_EV_CALLBACK_ANSWERED:
			assert_int_equal(p->seen[e.call], 1);
			p->seen[e.call] = 2;
			break;
		case ACD_EV_CALL_TRANSFERRED:
			assert_int_equal(p->seen[e.call], 2);
			p->seen[e.call] = 1;
			break;
		case ACD_EV_CALL_ENDED:
			assert_int_equal(p->seen[e.call], 2);
			p->seen[e.call] = 3;
			live_remove(p, e.call);
			p->outcomes++;
			break;
		case ACD_EV_CALL_ABANDONED:
		case ACD_EV_CALL_CLOSED:
		case ACD_EV_CALL_FORWARDED:
		case ACD_EV_CALLBACK_FAILED:
			assert_int_equal(p->seen[e.call], 1);
			p->seen[e.call] = 3;
			live_remove(p, e.call);
			p->outcomes++;
			break;
		default:
			break;
		}
	}
}

static void prop_check(struct prop *p)
{
	struct acd_agent_info ai;
	struct acd_call_info ci;
	int waiting[P_GROUPS + 1] = {0}, cbs[P_GROUPS + 1] = {0};
	int by_state[P_GROUPS + 1][ACD_AGENT_PAUSED + 1];
	uint64_t holding[P_AGENTS + 1] = {0};

	memset(by_state, 0, sizeof(by_state));
	assert_true(acd_next_deadline(p->a) > p->now);
	for (uint32_t ag = 1; ag <= P_AGENTS; ag++) {
		assert_int_equal(acd_agent_info(p->a, ag, &ai), 0);
		for (int i = 0; i < ai.n_groups; i++)
			by_state[ai.groups[i].group][ai.state]++;
		if (ai.state == ACD_AGENT_OFFERED || ai.state == ACD_AGENT_TALKING) {
			assert_int_not_equal(ai.call, 0);
			assert_int_equal(acd_call_info(p->a, ai.call, &ci), 0);
			assert_int_equal(ci.agent, ag);
			assert_int_equal(ci.talking, ai.state == ACD_AGENT_TALKING);
			for (uint32_t o = 1; o < ag; o++)
				assert_true(holding[o] != ai.call); /* one agent per call */
			holding[ag] = ai.call;
		} else {
			assert_int_equal(ai.call, 0);
		}
	}
	for (int i = 0; i < p->n_live; i++) {
		assert_int_equal(acd_call_info(p->a, p->live[i], &ci), 0);
		if (ci.talking) {
			assert_int_equal(ci.position, 0); /* never both queued and talking */
			assert_int_not_equal(ci.agent, 0);
		} else if (ci.position > 0) {
			assert_true(ci.agent == 0 ||
			            ci.callback); /* a dialled callback keeps its place */
			if (ci.callback)
				cbs[ci.group]++;
			else
				waiting[ci.group]++;
		} else {
			assert_int_not_equal(ci.agent, 0); /* ringing */
		}
		if (ci.agent) {
			assert_int_equal(acd_agent_info(p->a, ci.agent, &ai), 0);
			assert_int_equal(ai.call, p->live[i]);
			assert_int_equal(ai.state,
			                 ci.talking ? ACD_AGENT_TALKING : ACD_AGENT_OFFERED);
		}
	}
	for (uint32_t g = 1; g <= P_GROUPS; g++) {
		struct acd_group_snapshot s;
		assert_int_equal(acd_group_snapshot(p->a, p->now, g, &s), 0);
		assert_int_equal(s.waiting, waiting[g]);
		assert_int_equal(s.callbacks_waiting, cbs[g]);
		for (int st = 0; st <= ACD_AGENT_PAUSED; st++)
			assert_int_equal(s.agents_by_state[st], by_state[g][st]);
	}
}

static uint64_t pick_live(struct prop *p)
{
	return p->n_live ? p->live[rnd(p, (uint32_t)p->n_live)] : 12345678;
}

static void prop_setup(struct prop *p, struct acd_closure *closure)
{
	for (uint32_t g = 1; g <= P_GROUPS; g++) {
		struct acd_group_cfg c = cfg(g);
		c.priority = (int)(g % 3);
		c.wrapup_ms = g == 2 ? 0 : 20000;
		c.max_wait_ms = g == 4 ? 0 : 120000 * g;
		c.max_queue = g == 1 ? 5 : 0;
		c.overflow_group = g < P_GROUPS ? g + 1 : 0; /* 1 → 2 → 3 → 4 */
		if (g == 3)
			memcpy(c.overflow_number, "0855500000", 11);
		c.widen_after_ms = 30000;
		c.offer_timeout_ms = 15000;
		c.callback_offer_ms = 30000;
		c.callback_retry_ms = 60000;
		c.callback_max_attempts = 2;
		c.announce_every_ms = g == 1 ? 45000 : 0;
		if (g == 4)
			memcpy(c.urgent_number, "112", 4);
		if (g == 2 || g == 4) {
			c.closures = closure;
			c.n_closures = 1;
		}
		assert_int_equal(acd_group_set(p->a, &c), 0);
	}
	for (uint32_t ag = 1; ag <= P_AGENTS; ag++) {
		struct acd_membership m[P_GROUPS];
		int n = 0;
		for (uint32_t g = 1; g <= P_GROUPS; g++)
			if (rnd(p, 2) || g == ag % P_GROUPS + 1)
				m[n++] = (struct acd_membership){g, 1 + (int)rnd(p, 3)};
		assert_int_equal(acd_agent_set(p->a, ag, m, n), 0);
	}
}

/* The call an agent holds (so answers and hang-ups often hit), else any. */
static uint64_t pick_held(struct prop *p, uint32_t ag)
{
	struct acd_agent_info ai;

	assert_int_equal(acd_agent_info(p->a, ag, &ai), 0);
	return ai.call ? ai.call : pick_live(p);
}

static void prop_step(struct prop *p)
{
	uint32_t op = rnd(p, 100), ag = 1 + rnd(p, P_AGENTS);
	struct acd_call_in in;
	uint64_t id;

	if (op < 20) {
		memset(&in, 0, sizeof(in));
		in.group = 1 + rnd(p, P_GROUPS);
		memcpy(in.entry, "100", 4);
		if (rnd(p, 3))
			memcpy(in.caller, "0701234567", 11);
		in.urgent = rnd(p, 50) == 0;
		assert_int_equal(acd_call_arrive(p->a, p->now, &in, &id), 0);
	} else if (op < 35) {
		(void)acd_call_answer(p->a, p->now, pick_held(p, ag));
	} else if (op < 37) {
		(void)acd_call_reject(p->a, p->now, pick_held(p, ag));
	} else if (op < 42) {
		(void)acd_call_hangup(p->a, p->now, pick_live(p));
	} else if (op < 45) {
		(void)acd_agent_ready(p->a, p->now, ag);
	} else if (op < 52) {
		(void)acd_call_hangup(p->a, p->now, pick_held(p, ag));
	} else if (op < 55) {
		(void)acd_call_transfer(p->a, p->now, pick_held(p, ag), 1 + rnd(p, P_GROUPS + 1));
	} else if (op < 59) {
		(void)acd_callback_accept(p->a, p->now, pick_live(p));
	} else if (op < 64) {
		(void)acd_callback_result(p->a, p->now, pick_held(p, ag), rnd(p, 2));
	} else if (op < 67) {
		(void)acd_agent_login(p->a, p->now, ag);
	} else if (op < 69) {
		(void)acd_agent_logout(p->a, p->now, ag);
	} else if (op < 78) {
		(void)acd_agent_ready(p->a, p->now, ag);
	} else if (op < 81) {
		(void)acd_agent_pause(p->a, p->now, ag, (enum acd_pause_reason)(1 + rnd(p, 6)));
	} else if (op < 82) {
		struct acd_membership m = {1 + rnd(p, P_GROUPS), 1 + (int)rnd(p, 9)};
		assert_int_equal(acd_agent_set(p->a, ag, &m, 1), 0);
	} else {
		p->now += rnd(p, 8000);
	}
	if (acd_next_deadline(p->a) <= p->now)
		assert_int_equal(acd_timer(p->a, p->now), 0);
	prop_drain(p);
}

static void test_randomized_invariants(void **state)
{
	struct prop *p = calloc(1, sizeof(*p));
	struct acd_closure closure = {T0 + 3600000, T0 + 5400000};

	(void)state;
	assert_non_null(p);
	p->seen_cap = 20000;
	p->seen = calloc(p->seen_cap, 1);
	assert_non_null(p->seen);
	p->rng = UINT64_C(0x2545F4914F6CDD1D);
	p->now = T0;
	assert_int_equal(acd_alloc(&p->a), 0);
	prop_setup(p, &closure);
	for (int i = 0; i < 10000; i++) {
		prop_step(p);
		prop_check(p);
	}
	/* Wind down: everybody ready, every caller hangs up, every callback fails
	 * or is answered; then every call that arrived has exactly one outcome. */
	for (uint32_t ag = 1; ag <= P_AGENTS; ag++) {
		struct acd_membership all[P_GROUPS];
		for (uint32_t g = 1; g <= P_GROUPS; g++)
			all[g - 1] = (struct acd_membership){g, 1};
		assert_int_equal(acd_agent_set(p->a, ag, all, P_GROUPS), 0);
	}
	for (int round = 0; round < 200 && p->n_live; round++) {
		for (uint32_t ag = 1; ag <= P_AGENTS; ag++) {
			(void)acd_agent_login(p->a, p->now, ag);
			(void)acd_agent_ready(p->a, p->now, ag);
		}
		for (int i = p->n_live; i-- > 0;) {
			if (i >= p->n_live)
				continue;
			if (acd_call_hangup(p->a, p->now, p->live[i]) == EPERM)
				(void)acd_callback_result(p->a, p->now, p->live[i], false);
			prop_drain(p);
		}
		p->now += 200000;
		assert_int_equal(acd_timer(p->a, p->now), 0);
		prop_drain(p);
		prop_check(p);
	}
	assert_int_equal(p->n_live, 0);
	assert_int_equal(p->outcomes, p->arrived);
	assert_true(p->arrived > 1000);
	/* The run reached every outcome and path of calls, not just the easy ones (e-mail
	 * items' events are test_acd_mail's). */
	for (int k = 1; k <= ACD_EV_AGENT_WRAPUP; k++) {
		print_message("%-20s %d\n", acd_event_kind_name((enum acd_event_kind)k),
		              p->kinds[k]);
		assert_true(p->kinds[k] > 0);
	}
	acd_free(p->a);
	free(p->seen);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_longest_idle_among_best_level),
	        cmocka_unit_test(test_level2_only_after_widen),
	        cmocka_unit_test(test_language_preferred_then_widened),
	        cmocka_unit_test(test_group_priority_for_shared_agent),
	        cmocka_unit_test(test_fifo_within_group),
	        cmocka_unit_test(test_no_answer_requeues_front_and_pauses),
	        cmocka_unit_test(test_abandon_waiting),
	        cmocka_unit_test(test_abandon_offered_keeps_idle_place),
	        cmocka_unit_test(test_wrapup_then_next_call),
	        cmocka_unit_test(test_max_wait_overflow),
	        cmocka_unit_test(test_queue_full_overflow),
	        cmocka_unit_test(test_closed_chain),
	        cmocka_unit_test(test_scheduled_closure),
	        cmocka_unit_test(test_hours_dst_and_holiday),
	        cmocka_unit_test(test_urgent_forward),
	        cmocka_unit_test(test_urgent_waits_first),
	        cmocka_unit_test(test_callback_keeps_place),
	        cmocka_unit_test(test_callbacks_never_exceed_ready_agents),
	        cmocka_unit_test(test_callback_retry_and_failure),
	        cmocka_unit_test(test_transfer),
	        cmocka_unit_test(test_estimated_wait),
	        cmocka_unit_test(test_next_deadline_exact),
	        cmocka_unit_test(test_announcements),
	        cmocka_unit_test(test_errors_leave_state_unchanged),
	        cmocka_unit_test(test_names),
	        cmocka_unit_test(test_action_names),
	        cmocka_unit_test(test_randomized_invariants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
