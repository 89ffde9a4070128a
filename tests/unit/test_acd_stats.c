/* Queue statistics: hand-built ACD event logs folded into 15-minute rollups. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "acd/acd_stats.h"

#define T0     1767225600000LL /* 2026-01-01 00:00 UTC, an interval boundary */
#define S(x)   ((int64_t)(x)*1000)
#define MIN(x) ((int64_t)(x)*60000)

static struct acd_event E(int64_t t, enum acd_event_kind k, uint64_t call, uint32_t group) {
	struct acd_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.t_ms = t;
	ev.kind = k;
	ev.call = call;
	ev.group = group;
	return ev;
}

static void
add(struct acd_stats *s, int64_t t, enum acd_event_kind k, uint64_t call, uint32_t group)
{
	struct acd_event ev = E(t, k, call, group);

	acd_stats_add(s, &ev);
}

static void add_agent(struct acd_stats *s, int64_t t, enum acd_event_kind k, uint64_t call,
                      uint32_t group, uint32_t agent)
{
	struct acd_event ev = E(t, k, call, group);

	ev.agent = agent;
	acd_stats_add(s, &ev);
}

static void add_wait(struct acd_stats *s, int64_t t, enum acd_event_kind k, uint64_t call,
                     uint32_t group, uint32_t agent, int64_t wait)
{
	struct acd_event ev = E(t, k, call, group);

	ev.agent = agent;
	ev.wait_ms = wait;
	acd_stats_add(s, &ev);
}

static void add_end(struct acd_stats *s, int64_t t, uint64_t call, uint32_t group, uint32_t agent,
                    int64_t talk)
{
	struct acd_event ev = E(t, ACD_EV_CALL_ENDED, call, group);

	ev.agent = agent;
	ev.talk_ms = talk;
	acd_stats_add(s, &ev);
}

static void add_overflow(struct acd_stats *s, int64_t t, uint64_t call, uint32_t from, uint32_t to,
                         int reason)
{
	struct acd_event ev = E(t, ACD_EV_CALL_OVERFLOWED, call, from);

	ev.to_group = to;
	ev.reason = reason;
	acd_stats_add(s, &ev);
}

/* The row for (group, start); fails the test when there is none. */
static struct acd_group_interval group_at(const struct acd_stats *s, uint32_t group, int64_t start)
{
	struct acd_group_interval g;
	size_t i = 0;

	while (acd_stats_next_group(s, &i, &g))
		if (g.group == group && g.start_ms == start)
			return g;
	fail_msg("no row for group %u at %lld", group, (long long)start);
	return g;
}

static struct acd_agent_interval agent_at(const struct acd_stats *s, uint32_t agent, int64_t start)
{
	struct acd_agent_interval a;
	size_t i = 0;

	while (acd_stats_next_agent(s, &i, &a))
		if (a.agent == agent && a.start_ms == start)
			return a;
	fail_msg("no row for agent %u at %lld", agent, (long long)start);
	return a;
}

/* A call queued at `q`, answered by `agent` after `wait`, talking `talk`. */
static void answered_call(struct acd_stats *s, uint64_t call, uint32_t group, int64_t q,
                          int64_t wait, uint32_t agent, int64_t talk)
{
	add(s, q - S(2), ACD_EV_CALL_ARRIVED, call, group);
	add(s, q, ACD_EV_CALL_QUEUED, call, group);
	add_agent(s, q + wait, ACD_EV_CALL_OFFERED, call, group, agent);
	add_wait(s, q + wait, ACD_EV_CALL_ANSWERED, call, group, agent, wait);
	add_end(s, q + wait + talk, call, group, agent, talk);
}

static void test_service_level_boundaries(void **state)
{
	static const int64_t waits[] = {0, 5000, 60000, 60001, 180000, 180001};
	struct acd_stats *s;
	struct acd_group_interval g;
	struct acd_totals t = {0};

	(void)state;
	assert_int_equal(acd_stats_alloc(&s, 5000), 0);
	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++)
		answered_call(s, 100 + i, 7, T0 + S(10 * i), waits[i], 0, S(60));
	g = group_at(s, 7, T0);
	assert_int_equal(g.offered, 6);
	assert_int_equal(g.answered, 6);
	assert_int_equal(g.answered_60, 3);  /* 0, 5 s and exactly 60 s */
	assert_int_equal(g.answered_180, 5); /* … and 60.001 s, exactly 180 s */
	assert_int_equal(g.wait_answered_ms, 0 + 5000 + 60000 + 60001 + 180000 + 180001);
	assert_int_equal(g.longest_wait_ms, 180001);
	assert_int_equal(g.handled, 6);
	assert_int_equal(g.talk_ms, 6 * 60000);
	acd_totals_add(&t, &g);
	acd_totals_finish(&t);
	assert_float_equal(t.service_level_60, 0.5, 1e-12);
	assert_float_equal(t.service_level_180, 5.0 / 6, 1e-12);
	assert_float_equal(t.asa_s, 485.002 / 6, 1e-9);
	assert_int_equal(acd_stats_live_calls(s), 0);
	assert_int_equal(acd_stats_status(s), 0);
	acd_stats_free(s);
}

static void test_short_abandons(void **state)
{
	struct acd_stats *s;
	struct acd_group_interval g;
	struct acd_totals t = {0};

	(void)state;
	assert_int_equal(acd_stats_alloc(&s, 5000), 0);
	/* Abandons after 3 s and exactly 5 s are short; 5.001 s and 90 s count. */
	add(s, T0 + S(1), ACD_EV_CALL_QUEUED, 1, 3);
	add_wait(s, T0 + S(4), ACD_EV_CALL_ABANDONED, 1, 3, 0, 3000);
	add(s, T0 + S(10), ACD_EV_CALL_QUEUED, 2, 3);
	add_wait(s, T0 + S(15), ACD_EV_CALL_ABANDONED, 2, 3, 0, 5000);
	add(s, T0 + S(20), ACD_EV_CALL_QUEUED, 3, 3);
	add_wait(s, T0 + S(25) + 1, ACD_EV_CALL_ABANDONED, 3, 3, 0, 5001);
	add(s, T0 + S(30), ACD_EV_CALL_QUEUED, 4, 3);
	add_wait(s, T0 + S(120), ACD_EV_CALL_ABANDONED, 4, 3, 0, 90000);
	answered_call(s, 5, 3, T0 + S(40), S(20), 0, S(100));
	g = group_at(s, 3, T0);
	assert_int_equal(g.offered, 3);
	assert_int_equal(g.short_abandoned, 2);
	assert_int_equal(g.abandoned, 2);
	assert_int_equal(g.wait_abandoned_ms, 95001);
	assert_int_equal(g.longest_wait_ms, 90000);
	acd_totals_add(&t, &g);
	acd_totals_finish(&t);
	assert_float_equal(t.abandon_rate, 2.0 / 3, 1e-12);
	assert_float_equal(t.service_level_60, 1.0 / 3, 1e-12);
	assert_int_equal(t.short_abandoned, 2);
	acd_stats_free(s);

	/* With short_abandon_ms 0 (the simulator's Erlang comparison) every abandon counts. */
	assert_int_equal(acd_stats_alloc(&s, 0), 0);
	add(s, T0, ACD_EV_CALL_QUEUED, 1, 3);
	add_wait(s, T0, ACD_EV_CALL_ABANDONED, 1, 3, 0, 0);
	g = group_at(s, 3, T0);
	assert_int_equal(g.offered, 1);
	assert_int_equal(g.abandoned, 1);
	assert_int_equal(g.short_abandoned, 0);
	acd_stats_free(s);
}

static void test_overflow_counts_in_both_groups(void **state)
{
	struct acd_stats *s;
	struct acd_group_interval a, b;

	(void)state;
	assert_int_equal(acd_stats_alloc(&s, 5000), 0);
	/* Queued in 1 at 14:00, max wait 2 min: overflows to 2 at 16:00, which is the
	 * next interval; answered there 70 s after the original arrival. */
	add(s, T0 + MIN(14), ACD_EV_CALL_ARRIVED, 9, 1);
	add(s, T0 + MIN(14), ACD_EV_CALL_QUEUED, 9, 1);
	add_overflow(s, T0 + MIN(16), 9, 1, 2, ACD_OVERFLOW_MAX_WAIT);
	add(s, T0 + MIN(16), ACD_EV_CALL_QUEUED, 9, 2);
	add_agent(s, T0 + MIN(16) + S(10), ACD_EV_CALL_OFFERED, 9, 2, 5);
	add_wait(s, T0 + MIN(16) + S(10), ACD_EV_CALL_ANSWERED, 9, 2, 5, S(130));
	add_end(s, T0 + MIN(20), 9, 2, 5, MIN(4) - S(10));
	a = group_at(s, 1, T0);
	b = group_at(s, 2, T0 + MIN(15));
	assert_int_equal(a.offered, 1);
	assert_int_equal(a.overflowed, 1);
	assert_int_equal(a.answered, 0);
	assert_int_equal(a.handled, 0);
	assert_int_equal(b.offered, 1);
	assert_int_equal(b.overflowed, 0);
	assert_int_equal(b.answered, 1);
	assert_int_equal(b.answered_60, 0);
	assert_int_equal(b.answered_180, 1);
	assert_int_equal(b.wait_answered_ms, S(130));
	assert_int_equal(b.handled, 1);

	/* Closed on arrival, passed on through 3 to 4: 3 saw it go but never offered it. */
	add(s, T0 + MIN(30), ACD_EV_CALL_ARRIVED, 10, 3);
	add_overflow(s, T0 + MIN(30), 10, 3, 4, ACD_OVERFLOW_CLOSED);
	add(s, T0 + MIN(30), ACD_EV_CALL_QUEUED, 10, 4);
	add_wait(s, T0 + MIN(31), ACD_EV_CALL_ABANDONED, 10, 4, 0, S(60));
	a = group_at(s, 3, T0 + MIN(30));
	b = group_at(s, 4, T0 + MIN(30));
	assert_int_equal(a.offered, 0);
	assert_int_equal(a.overflowed, 1);
	assert_int_equal(b.offered, 1);
	assert_int_equal(b.abandoned, 1);

	/* Closed everywhere: the closed message counts where the call arrived. Urgent:
	 * forwarded. A queue overflow to the switchboard: overflowed and forwarded in
	 * the group that queued it. */
	add(s, T0 + MIN(45), ACD_EV_CALL_ARRIVED, 11, 3);
	add(s, T0 + MIN(45), ACD_EV_CALL_CLOSED, 11, 3);
	add(s, T0 + MIN(46), ACD_EV_CALL_ARRIVED, 12, 3);
	add(s, T0 + MIN(46), ACD_EV_CALL_FORWARDED, 12, 3);
	add(s, T0 + MIN(47), ACD_EV_CALL_QUEUED, 13, 3);
	add_overflow(s, T0 + MIN(52), 13, 3, 0, ACD_OVERFLOW_MAX_WAIT);
	add(s, T0 + MIN(52), ACD_EV_CALL_FORWARDED, 13, 3);
	a = group_at(s, 3, T0 + MIN(45));
	assert_int_equal(a.closed, 1);
	assert_int_equal(a.forwarded, 2);
	assert_int_equal(a.offered, 1);
	assert_int_equal(a.overflowed, 1);
	assert_int_equal(acd_stats_live_calls(s), 0);
	acd_stats_free(s);
}

static void test_callback_wait_from_arrival(void **state)
{
	struct acd_stats *s;
	struct acd_group_interval g;
	struct acd_agent_interval ag;

	(void)state;
	assert_int_equal(acd_stats_alloc(&s, 5000), 0);
	add(s, T0 + MIN(5), ACD_EV_CALL_ARRIVED, 1, 6);
	add(s, T0 + MIN(5), ACD_EV_CALL_QUEUED, 1, 6);
	add(s, T0 + MIN(5) + S(30), ACD_EV_CALLBACK_OFFERED, 1, 6);
	add(s, T0 + MIN(5) + S(40), ACD_EV_CALLBACK_REQUESTED, 1, 6);
	add_agent(s, T0 + MIN(14), ACD_EV_AGENT_LOGIN, 0, 0, 8);
	add_agent(s, T0 + MIN(14), ACD_EV_AGENT_READY, 0, 0, 8);
	add_agent(s, T0 + MIN(20), ACD_EV_CALLBACK_DIALLED, 1, 6, 8);
	add_wait(s, T0 + MIN(20) + S(15), ACD_EV_CALLBACK_ANSWERED, 1, 6, 8, MIN(15) + S(15));
	add_end(s, T0 + MIN(25), 1, 6, 8, MIN(5) - S(15));
	/* A second callback that never gets through. */
	add(s, T0 + MIN(6), ACD_EV_CALL_QUEUED, 2, 6);
	add(s, T0 + MIN(7), ACD_EV_CALLBACK_REQUESTED, 2, 6);
	add_agent(s, T0 + MIN(26), ACD_EV_CALLBACK_DIALLED, 2, 6, 8);
	add_agent(s, T0 + MIN(27), ACD_EV_CALLBACK_FAILED, 2, 6, 8);
	acd_stats_flush(s, T0 + MIN(30));

	g = group_at(s, 6, T0);
	assert_int_equal(g.offered, 2);
	assert_int_equal(g.callbacks_requested, 2);
	assert_int_equal(g.callbacks_answered, 1);
	assert_int_equal(g.callbacks_failed, 1);
	assert_int_equal(g.answered, 1);
	assert_int_equal(g.answered_180, 0);
	assert_int_equal(g.wait_answered_ms, MIN(15) + S(15));
	assert_int_equal(g.handled, 1);
	assert_int_equal(acd_stats_live_calls(s), 0);
	/* Dialling reserves the agent (offered); a failed callback frees it. */
	ag = agent_at(s, 8, T0 + MIN(15));
	assert_int_equal(ag.offered_ms, S(15) + MIN(1));
	assert_int_equal(ag.talk_ms, MIN(5) - S(15));
	assert_int_equal(ag.ready_ms, MIN(15) - ag.offered_ms - ag.talk_ms);
	acd_stats_free(s);
}

static void test_agent_time_split_across_boundary(void **state)
{
	struct acd_stats *s;
	struct acd_agent_interval a1, a2;
	struct acd_group_interval g;
	size_t i = 0;

	(void)state;
	assert_int_equal(acd_stats_alloc(&s, 5000), 0);
	add_agent(s, T0 + MIN(14), ACD_EV_AGENT_LOGIN, 0, 0, 4);         /* paused 30 s */
	add_agent(s, T0 + MIN(14) + S(30), ACD_EV_AGENT_READY, 0, 0, 4); /* ready 20 s */
	add(s, T0 + MIN(14) + S(40), ACD_EV_CALL_QUEUED, 1, 2);
	add_agent(s, T0 + MIN(14) + S(50), ACD_EV_CALL_OFFERED, 1, 2, 4);       /* offered 15 s */
	add_wait(s, T0 + MIN(15) + S(5), ACD_EV_CALL_ANSWERED, 1, 2, 4, S(25)); /* talk 60 s */
	add_end(s, T0 + MIN(16) + S(5), 1, 2, 4, S(60));
	add_agent(s, T0 + MIN(16) + S(5), ACD_EV_AGENT_WRAPUP, 0, 2, 4); /* wrap-up 30 s */
	add_agent(s, T0 + MIN(16) + S(35), ACD_EV_AGENT_READY, 0, 0, 4);
	add_agent(s, T0 + MIN(20), ACD_EV_AGENT_PAUSED, 0, 0, 4); /* email */
	add_agent(s, T0 + MIN(40), ACD_EV_AGENT_LOGOUT, 0, 0, 4);
	acd_stats_flush(s, T0 + MIN(60));

	a1 = agent_at(s, 4, T0);
	assert_int_equal(a1.logged_in_ms, S(60));
	assert_int_equal(a1.paused_ms, S(30));
	assert_int_equal(a1.ready_ms, S(20));
	assert_int_equal(a1.offered_ms, S(10));
	assert_int_equal(a1.talk_ms, 0);
	a2 = agent_at(s, 4, T0 + MIN(15));
	assert_int_equal(a2.logged_in_ms, MIN(15));
	assert_int_equal(a2.offered_ms, S(5));
	assert_int_equal(a2.talk_ms, S(60));
	assert_int_equal(a2.wrapup_ms, S(30));
	assert_int_equal(a2.ready_ms, MIN(3) + S(25));
	assert_int_equal(a2.paused_ms, MIN(10));
	a1 = agent_at(s, 4, T0 + MIN(30));
	assert_int_equal(a1.logged_in_ms, MIN(10));
	assert_int_equal(a1.paused_ms, MIN(10));
	/* Logged out from 40 min on: no row for the last interval. */
	while (acd_stats_next_agent(s, &i, &a1))
		assert_true(a1.start_ms < T0 + MIN(45));
	assert_int_equal(i, 3);
	/* The wrap-up also counts for the call's group row (where it was queued). */
	g = group_at(s, 2, T0);
	assert_int_equal(g.wrapup_ms, S(30));
	assert_int_equal(g.talk_ms, S(60));
	acd_stats_free(s);
}

static void test_aht_and_totals(void **state)
{
	struct acd_stats *s;
	struct acd_group_interval g;
	struct acd_totals t = {0};
	int64_t last = INT64_MIN;
	uint32_t last_id = 0;
	size_t i = 0;
	int rows = 0;

	(void)state;
	assert_int_equal(acd_stats_alloc(&s, 5000), 0);
	add_agent(s, T0, ACD_EV_AGENT_LOGIN, 0, 0, 1);
	add_agent(s, T0, ACD_EV_AGENT_READY, 0, 0, 1);
	/* Call 1: talk 100 s, wrap-up 30 s; call 2: talk 200 s, no wrap-up. */
	answered_call(s, 1, 2, T0 + S(10), S(10), 1, S(100));
	add_agent(s, T0 + S(120), ACD_EV_AGENT_WRAPUP, 0, 2, 1);
	add_agent(s, T0 + S(150), ACD_EV_AGENT_READY, 0, 0, 1);
	answered_call(s, 2, 2, T0 + S(160), S(20), 1, S(200));
	/* Another group, another interval. */
	answered_call(s, 3, 1, T0 + MIN(20), S(90), 1, S(60));
	add(s, T0 + MIN(21), ACD_EV_CALL_QUEUED, 4, 1);
	add_wait(s, T0 + MIN(23), ACD_EV_CALL_ABANDONED, 4, 1, 0, S(120));

	while (acd_stats_next_group(s, &i, &g)) {
		/* (start_ms, group) order */
		assert_true(g.start_ms > last || (g.start_ms == last && g.group > last_id));
		last = g.start_ms;
		last_id = g.group;
		acd_totals_add(&t, &g);
		rows++;
	}
	assert_int_equal(rows, 2);
	acd_totals_finish(&t);
	assert_int_equal(t.offered, 4);
	assert_int_equal(t.answered, 3);
	assert_int_equal(t.answered_60, 2);
	assert_int_equal(t.answered_180, 3);
	assert_int_equal(t.abandoned, 1);
	assert_int_equal(t.handled, 3);
	assert_int_equal(t.talk_ms, S(360));
	assert_int_equal(t.wrapup_ms, S(30));
	assert_int_equal(t.longest_wait_ms, S(120));
	assert_float_equal(t.aht_s, 390.0 / 3, 1e-9);
	assert_float_equal(t.asa_s, 40.0, 1e-9);
	assert_float_equal(t.service_level_60, 0.5, 1e-12);
	assert_float_equal(t.service_level_180, 0.75, 1e-12);
	assert_float_equal(t.abandon_rate, 0.25, 1e-12);

	/* Nothing offered: SL 1, the rest 0. */
	memset(&t, 0, sizeof(t));
	acd_totals_finish(&t);
	assert_float_equal(t.service_level_60, 1.0, 0);
	assert_float_equal(t.asa_s, 0.0, 0);
	assert_float_equal(t.aht_s, 0.0, 0);
	assert_float_equal(t.abandon_rate, 0.0, 0);
	acd_stats_free(s);
}

/* A day's mixed log: logins, answered calls, abandons, overflows, callbacks. */
static void fold_mixed_log(struct acd_stats *s)
{
	uint64_t call = 1;

	for (uint32_t a = 1; a <= 3; a++) {
		add_agent(s, T0 + MIN(a), ACD_EV_AGENT_LOGIN, 0, 0, a);
		add_agent(s, T0 + MIN(a) + S(20), ACD_EV_AGENT_READY, 0, 0, a);
	}
	for (int k = 0; k < 40; k++) {
		int64_t q = T0 + MIN(5) + MIN(3) * k;
		uint32_t grp = 1 + (uint32_t)(k % 2), agent = 1 + (uint32_t)(k % 3);

		switch (k % 5) {
		case 0:
		case 1:
			answered_call(s, call, grp, q, S(7 * k), agent, S(100 + k));
			add_agent(s, q + S(7 * k) + S(100 + k), ACD_EV_AGENT_WRAPUP, 0, grp, agent);
			add_agent(s, q + S(7 * k) + S(130 + k), ACD_EV_AGENT_READY, 0, 0, agent);
			break;
		case 2:
			add(s, q, ACD_EV_CALL_QUEUED, call, grp);
			add_wait(s, q + S(k), ACD_EV_CALL_ABANDONED, call, grp, 0, S(k));
			break;
		case 3:
			add(s, q, ACD_EV_CALL_QUEUED, call, grp);
			add_overflow(s, q + S(60), call, grp, 3, ACD_OVERFLOW_MAX_WAIT);
			add(s, q + S(60), ACD_EV_CALL_QUEUED, call, 3);
			add_wait(s, q + S(100), ACD_EV_CALL_ABANDONED, call, 3, 0, S(100));
			break;
		default:
			add(s, q, ACD_EV_CALL_QUEUED, call, grp);
			add(s, q + S(30), ACD_EV_CALLBACK_REQUESTED, call, grp);
			add(s, q + S(40), ACD_EV_CALLBACK_FAILED, call, grp);
			break;
		}
		call++;
	}
	acd_stats_flush(s, T0 + MIN(150));
}

static void test_rebuild_is_identical(void **state)
{
	struct acd_stats *s1, *s2;
	struct acd_group_interval g1, g2;
	struct acd_agent_interval a1, a2;
	size_t i = 0, j = 0;
	int n = 0;

	(void)state;
	assert_int_equal(acd_stats_alloc(&s1, 5000), 0);
	assert_int_equal(acd_stats_alloc(&s2, 5000), 0);
	fold_mixed_log(s1);
	fold_mixed_log(s2);
	for (;;) {
		bool more1 = acd_stats_next_group(s1, &i, &g1),
		     more2 = acd_stats_next_group(s2, &j, &g2);

		assert_int_equal(more1, more2);
		if (!more1)
			break;
		assert_memory_equal(&g1, &g2, sizeof(g1));
		n++;
	}
	assert_true(n > 10);
	i = j = 0;
	n = 0;
	for (;;) {
		bool more1 = acd_stats_next_agent(s1, &i, &a1),
		     more2 = acd_stats_next_agent(s2, &j, &a2);

		assert_int_equal(more1, more2);
		if (!more1)
			break;
		assert_memory_equal(&a1, &a2, sizeof(a1));
		/* every logged-in millisecond is in exactly one state */
		assert_int_equal(a1.logged_in_ms, a1.paused_ms + a1.ready_ms + a1.offered_ms +
		                                          a1.talk_ms + a1.wrapup_ms);
		n++;
	}
	assert_true(n >= 3 * 9);
	assert_int_equal(acd_stats_live_calls(s1), 0);
	acd_stats_free(s1);
	acd_stats_free(s2);
}

static void test_unknown_calls_and_agents(void **state)
{
	static const enum acd_event_kind kinds[] = {
	        ACD_EV_CALL_OFFERED,      ACD_EV_CALL_NO_ANSWER,     ACD_EV_CALL_ANSWERED,
	        ACD_EV_CALL_ABANDONED,    ACD_EV_CALL_ENDED,         ACD_EV_CALL_OVERFLOWED,
	        ACD_EV_CALL_TRANSFERRED,  ACD_EV_CALLBACK_REQUESTED, ACD_EV_CALLBACK_DIALLED,
	        ACD_EV_CALLBACK_ANSWERED, ACD_EV_CALLBACK_FAILED,    ACD_EV_AGENT_WRAPUP,
	        ACD_EV_AGENT_READY,       ACD_EV_AGENT_LOGOUT,       (enum acd_event_kind)0,
	        ACD_EV_KIND_MAX,
	};
	struct acd_stats *s;
	struct acd_group_interval g;
	struct acd_totals t = {0};
	size_t i = 0;

	(void)state;
	assert_int_equal(acd_stats_alloc(&s, 5000), 0);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct acd_event ev = E(T0 + S(k), kinds[k], 424242 + k, 0);

		ev.agent = 77;
		ev.wait_ms = 1000;
		acd_stats_add(s, &ev);
		ev.group = 5;
		ev.call = 0;
		acd_stats_add(s, &ev);
	}
	acd_stats_add(s, NULL);
	acd_stats_add(NULL, NULL);
	acd_stats_flush(s, T0 + MIN(30));
	acd_stats_flush(NULL, 0);
	while (acd_stats_next_group(s, &i, &g))
		acd_totals_add(&t, &g);
	assert_int_equal(t.offered, 0);
	assert_int_equal(t.answered, 0);
	assert_int_equal(t.abandoned, 0);
	assert_int_equal(t.handled, 0);
	assert_int_equal(acd_stats_live_calls(s), 0);
	assert_int_equal(acd_stats_status(s), 0);
	acd_stats_free(s);
	acd_stats_free(NULL);
	assert_int_equal(acd_stats_alloc(&s, -1), EINVAL);
}

/* Many calls live at once: the call table grows and shrinks back correctly. */
static void test_many_live_calls(void **state)
{
	struct acd_stats *s;
	struct acd_totals t = {0};
	struct acd_group_interval g;
	size_t i = 0;

	(void)state;
	assert_int_equal(acd_stats_alloc(&s, 0), 0);
	for (uint64_t c = 1; c <= 5000; c++)
		add(s, T0 + (int64_t)c, ACD_EV_CALL_QUEUED, c * 7919, 1 + (uint32_t)(c % 4));
	assert_int_equal(acd_stats_live_calls(s), 5000);
	/* End them in a scrambled order, half answered and half abandoned. */
	for (uint64_t k = 0; k < 5000; k++) {
		uint64_t c = 1 + (k * 2654435761ULL) % 5000;
		int64_t now = T0 + 10000 + (int64_t)k;

		if (c % 2)
			add_wait(s, now, ACD_EV_CALL_ABANDONED, c * 7919, 0, 0,
			         now - T0 - (int64_t)c);
		else {
			add_wait(s, now, ACD_EV_CALL_ANSWERED, c * 7919, 0, 1,
			         now - T0 - (int64_t)c);
			add_end(s, now, c * 7919, 0, 1, 0);
		}
	}
	assert_int_equal(acd_stats_live_calls(s), 0);
	while (acd_stats_next_group(s, &i, &g))
		acd_totals_add(&t, &g);
	assert_int_equal(t.offered, 5000);
	assert_int_equal(t.answered, 2500);
	assert_int_equal(t.abandoned, 2500);
	acd_stats_free(s);
}

/* A blind transfer: handled (with its talk time) where it was answered, then
 * offered again in the group it was sent to. */
static void test_transfer(void **state)
{
	struct acd_stats *s;
	struct acd_group_interval a, b;
	struct acd_event ev;

	(void)state;
	assert_int_equal(acd_stats_alloc(&s, 5000), 0);
	add(s, T0 + S(10), ACD_EV_CALL_QUEUED, 1, 1);
	add_agent(s, T0 + S(20), ACD_EV_CALL_OFFERED, 1, 1, 3);
	add_wait(s, T0 + S(20), ACD_EV_CALL_ANSWERED, 1, 1, 3, S(10));
	ev = E(T0 + S(80), ACD_EV_CALL_TRANSFERRED, 1, 1);
	ev.agent = 3;
	ev.to_group = 2;
	ev.talk_ms = S(60);
	acd_stats_add(s, &ev);
	add_agent(s, T0 + S(80), ACD_EV_AGENT_WRAPUP, 0, 1, 3);
	add(s, T0 + S(80), ACD_EV_CALL_QUEUED, 1, 2);
	add_agent(s, T0 + S(95), ACD_EV_AGENT_READY, 0, 0, 3);
	add_agent(s, T0 + S(200), ACD_EV_CALL_OFFERED, 1, 2, 4);
	add_wait(s, T0 + S(200), ACD_EV_CALL_ANSWERED, 1, 2, 4, S(190));
	add_end(s, T0 + S(260), 1, 2, 4, S(60));
	a = group_at(s, 1, T0);
	b = group_at(s, 2, T0);
	assert_int_equal(a.offered, 1);
	assert_int_equal(a.answered, 1);
	assert_int_equal(a.handled, 1);
	assert_int_equal(a.talk_ms, S(60));
	assert_int_equal(a.wrapup_ms, S(15));
	assert_int_equal(b.offered, 1);
	assert_int_equal(b.answered, 1);
	assert_int_equal(b.answered_180, 0); /* waited 190 s since the first arrival */
	assert_int_equal(b.handled, 1);
	assert_int_equal(acd_stats_live_calls(s), 0);
	acd_stats_free(s);
}

/* The host stores old rows and prunes them; live calls survive the prune. */
static void test_prune(void **state)
{
	struct acd_stats *s;
	struct acd_group_interval g;
	struct acd_agent_interval a;
	size_t i = 0;

	(void)state;
	assert_int_equal(acd_stats_alloc(&s, 5000), 0);
	add_agent(s, T0, ACD_EV_AGENT_LOGIN, 0, 0, 1);
	add_agent(s, T0, ACD_EV_AGENT_READY, 0, 0, 1);
	answered_call(s, 1, 2, T0 + MIN(1), S(10), 1, S(60));
	add(s, T0 + MIN(10), ACD_EV_CALL_QUEUED, 2, 2); /* still waiting at the prune */
	answered_call(s, 3, 2, T0 + MIN(20), S(10), 1, S(60));
	acd_stats_flush(s, T0 + MIN(30));
	acd_stats_prune(s, T0 + MIN(15));
	while (acd_stats_next_group(s, &i, &g))
		assert_true(g.start_ms >= T0 + MIN(15));
	i = 0;
	while (acd_stats_next_agent(s, &i, &a))
		assert_true(a.start_ms >= T0 + MIN(15));
	assert_int_equal(acd_stats_live_calls(s), 1);
	/* The late outcome makes a partial row in the pruned interval. */
	add_wait(s, T0 + MIN(31), ACD_EV_CALL_ABANDONED, 2, 2, 0, MIN(21));
	g = group_at(s, 2, T0);
	assert_int_equal(g.offered, 0);
	assert_int_equal(g.abandoned, 1);
	g = group_at(s, 2, T0 + MIN(15));
	assert_int_equal(g.offered, 1);
	assert_int_equal(g.answered, 1);
	acd_stats_prune(s, INT64_MAX);
	i = 0;
	assert_false(acd_stats_next_group(s, &i, &g));
	acd_stats_prune(NULL, 0);
	acd_stats_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_service_level_boundaries),
	        cmocka_unit_test(test_short_abandons),
	        cmocka_unit_test(test_overflow_counts_in_both_groups),
	        cmocka_unit_test(test_callback_wait_from_arrival),
	        cmocka_unit_test(test_agent_time_split_across_boundary),
	        cmocka_unit_test(test_aht_and_totals),
	        cmocka_unit_test(test_rebuild_is_identical),
	        cmocka_unit_test(test_unknown_calls_and_agents),
	        cmocka_unit_test(test_many_live_calls),
	        cmocka_unit_test(test_transfer),
	        cmocka_unit_test(test_prune),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
