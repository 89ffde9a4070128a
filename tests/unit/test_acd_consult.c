/* ACD engine, consultation: an agent a colleague calls to consult is busy — no queue
 * call or e-mail is offered to them until the consultation ends; cancelled, they are
 * ready again (or back in their pause), completed, they wrap up after the caller's call
 * as after a queue call. The time counts as talk time in the agent rollups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acd/acd.h"
#include "acd/acd_stats.h"

#define LOG_MAX 512
#define T0      INT64_C(1780000000000) /* 2026-05-28 */
#define SEC     INT64_C(1000)

enum { ANNA = 10, ERIK = 11, GROUP = 1 };

struct fx {
	struct acd *a;
	struct acd_stats *st;
	struct acd_action act[LOG_MAX];
	int n_act;
	struct acd_event ev[LOG_MAX];
	int n_ev;
};

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
		acd_stats_add(f->st, &e);
	}
}

static void clear(struct fx *f)
{
	drain(f);
	f->n_act = f->n_ev = 0;
}

/* Offers of `call` (0: any) made to `agent` since the last clear. */
static int offers(struct fx *f, uint32_t agent, uint64_t call)
{
	int n = 0;

	drain(f);
	for (int i = 0; i < f->n_act; i++)
		n += f->act[i].kind == ACD_ACT_OFFER && f->act[i].agent == agent &&
		     (!call || f->act[i].call == call);
	return n;
}

static int events(struct fx *f, enum acd_event_kind k, uint32_t agent)
{
	int n = 0;

	drain(f);
	for (int i = 0; i < f->n_ev; i++)
		n += f->ev[i].kind == k && f->ev[i].agent == agent;
	return n;
}

static enum acd_agent_state state_of(struct fx *f, uint32_t agent)
{
	struct acd_agent_info ai;

	assert_int_equal(acd_agent_info(f->a, agent, &ai), 0);
	return ai.state;
}

/* Group 1 with `wrapup_ms`; Anna and Erik its members, ready (Anna longest). */
static struct fx *fx_new(int64_t wrapup_ms)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct acd_group_cfg g = {.id = GROUP, .wrapup_ms = wrapup_ms};
	struct acd_membership m = {.group = GROUP, .level = 1};

	assert_non_null(f);
	assert_int_equal(acd_alloc(&f->a), 0);
	assert_int_equal(acd_stats_alloc(&f->st, 5000), 0);
	assert_int_equal(acd_group_set(f->a, &g), 0);
	for (uint32_t id = ANNA; id <= ERIK; id++) {
		assert_int_equal(acd_agent_set(f->a, id, &m, 1), 0);
		assert_int_equal(acd_agent_login(f->a, T0, id), 0);
		assert_int_equal(acd_agent_ready(f->a, T0 + id, id), 0);
	}
	clear(f);
	return f;
}

static void fx_free(struct fx *f)
{
	acd_free(f->a);
	acd_stats_free(f->st);
	free(f);
}

static uint64_t arrive(struct fx *f, int64_t now)
{
	struct acd_call_in in = {.group = GROUP};
	uint64_t id = 0;

	assert_int_equal(acd_call_arrive(f->a, now, &in, &id), 0);
	return id;
}

/* Anna talks with a caller and consults Erik. */
static uint64_t anna_consults_erik(struct fx *f, int64_t now)
{
	uint64_t c1 = arrive(f, now);

	assert_int_equal(offers(f, ANNA, c1), 1);
	assert_int_equal(acd_call_answer(f->a, now + 2 * SEC, c1), 0);
	assert_int_equal(acd_agent_consult(f->a, now + 10 * SEC, ERIK, 7001), 0);
	assert_int_equal(events(f, ACD_EV_AGENT_CONSULTED, ERIK), 1);
	clear(f);
	return c1;
}

static void waiting_caller_not_offered_to_consulted_agent_until_cancel(void **state)
{
	struct fx *f = fx_new(0);
	struct acd_group_snapshot sn;
	struct acd_agent_info ai;
	uint64_t c2;

	(void)state;
	anna_consults_erik(f, T0 + 100 * SEC);
	assert_int_equal(acd_agent_info(f->a, ERIK, &ai), 0);
	assert_int_equal(ai.state, ACD_AGENT_TALKING); /* "i samtal" on the wallboard */
	assert_int_equal(ai.call, 0);
	assert_int_equal(ai.consult, 7001); /* the call it is about, for Erik's desk */
	assert_false(ai.consult_taken);
	/* A new caller in their group waits: Anna talks, Erik is consulted. */
	c2 = arrive(f, T0 + 120 * SEC);
	assert_int_equal(offers(f, ERIK, 0), 0);
	assert_int_equal(offers(f, ANNA, 0), 0);
	assert_int_equal(acd_group_snapshot(f->a, T0 + 121 * SEC, GROUP, &sn), 0);
	assert_int_equal(sn.waiting, 1);
	assert_int_equal(sn.agents_by_state[ACD_AGENT_TALKING], 2);
	assert_int_equal(sn.agents_by_state[ACD_AGENT_READY], 0);
	/* Nor can Erik make himself ready or be consulted twice meanwhile. */
	assert_int_equal(acd_agent_ready(f->a, T0 + 122 * SEC, ERIK), EPERM);
	assert_int_equal(acd_agent_pause(f->a, T0 + 122 * SEC, ERIK, ACD_PAUSE_BREAK), EPERM);
	assert_int_equal(acd_agent_logout(f->a, T0 + 122 * SEC, ERIK), EPERM);
	assert_int_equal(acd_agent_consult(f->a, T0 + 122 * SEC, ERIK, 7002), EBUSY);
	assert_int_equal(acd_agent_consult(f->a, T0 + 122 * SEC, ANNA, 7002), EBUSY); /* talking */
	assert_int_equal(acd_timer(f->a, T0 + 600 * SEC), 0);
	assert_int_equal(offers(f, ERIK, 0), 0);
	/* Anna takes the caller back: Erik is ready again and gets the waiting caller. */
	assert_int_equal(acd_agent_consult_end(f->a, T0 + 601 * SEC, ERIK, 0), 0);
	assert_int_equal(offers(f, ERIK, c2), 1);
	assert_int_equal(events(f, ACD_EV_AGENT_WRAPUP, ERIK), 0); /* no wrap-up after a cancel */
	assert_int_equal(state_of(f, ERIK), ACD_AGENT_OFFERED);
	assert_int_equal(state_of(f, ANNA), ACD_AGENT_TALKING); /* still with her caller */
	/* Over once: ending it again is refused. */
	assert_int_equal(acd_agent_consult_end(f->a, T0 + 602 * SEC, ERIK, 0), EPERM);
	fx_free(f);
}

static void completed_consultation_keeps_the_agent_until_the_call_ends_then_wrapup(void **state)
{
	struct fx *f = fx_new(30 * SEC);
	struct acd_agent_info ai;
	uint64_t c1, c2;

	(void)state;
	c1 = anna_consults_erik(f, T0 + 100 * SEC);
	/* Anna hands the caller over: the queue is done with her call, she wraps up. */
	assert_int_equal(acd_call_hangup(f->a, T0 + 130 * SEC, c1), 0);
	assert_int_equal(acd_agent_consult_take(f->a, T0 + 130 * SEC, ERIK), 0);
	assert_int_equal(events(f, ACD_EV_AGENT_CONSULT_TAKEN, ERIK), 1); /* his desk hears it */
	assert_int_equal(acd_agent_consult_take(f->a, T0 + 131 * SEC, ERIK), EALREADY);
	assert_int_equal(acd_agent_consult_take(f->a, T0 + 131 * SEC, ANNA), EPERM);
	assert_int_equal(acd_agent_consult_take(f->a, T0 + 131 * SEC, 77), ENOENT);
	assert_int_equal(acd_agent_info(f->a, ERIK, &ai), 0);
	assert_int_equal(ai.consult, 7001); /* now the caller he talks with */
	assert_true(ai.consult_taken);
	assert_int_equal(state_of(f, ANNA), ACD_AGENT_WRAPUP);
	assert_int_equal(state_of(f, ERIK), ACD_AGENT_TALKING);
	c2 = arrive(f, T0 + 140 * SEC);
	assert_int_equal(acd_timer(f->a, T0 + 160 * SEC), 0); /* Anna's wrap-up is over */
	assert_int_equal(offers(f, ANNA, c2), 1);
	assert_int_equal(offers(f, ERIK, 0), 0);
	assert_int_equal(acd_call_hangup(f->a, T0 + 165 * SEC, c2), 0); /* gone while ringing */
	clear(f);
	/* Erik's talk with the caller ends: wrap-up of the caller's group, then ready. */
	assert_int_equal(acd_agent_consult_end(f->a, T0 + 400 * SEC, ERIK, 99), ENOENT);
	assert_int_equal(state_of(f, ERIK), ACD_AGENT_TALKING); /* nothing changed */
	assert_int_equal(acd_agent_consult_end(f->a, T0 + 400 * SEC, ERIK, GROUP), 0);
	assert_int_equal(events(f, ACD_EV_AGENT_WRAPUP, ERIK), 1);
	assert_int_equal(state_of(f, ERIK), ACD_AGENT_WRAPUP);
	assert_int_equal(acd_next_deadline(f->a), T0 + 430 * SEC);
	assert_int_equal(acd_timer(f->a, T0 + 430 * SEC), 0);
	assert_int_equal(state_of(f, ERIK), ACD_AGENT_READY);
	assert_int_equal(acd_agent_info(f->a, ERIK, &ai), 0);
	assert_int_equal(ai.consult, 0); /* over: the desk shows no consultation */
	assert_false(ai.consult_taken);
	fx_free(f);
}

static void a_paused_agent_consulted_returns_to_the_pause(void **state)
{
	struct fx *f = fx_new(0);
	struct acd_agent_info ai;
	uint64_t c1, c2;

	(void)state;
	assert_int_equal(acd_agent_pause(f->a, T0 + 50 * SEC, ERIK, ACD_PAUSE_MEETING), 0);
	c1 = arrive(f, T0 + 100 * SEC);
	assert_int_equal(acd_call_answer(f->a, T0 + 101 * SEC, c1), 0);
	assert_int_equal(acd_agent_consult(f->a, T0 + 110 * SEC, ERIK, 7002), 0);
	c2 = arrive(f, T0 + 111 * SEC);
	assert_int_equal(acd_agent_consult_end(f->a, T0 + 200 * SEC, ERIK, 0), 0);
	assert_int_equal(acd_agent_info(f->a, ERIK, &ai), 0);
	assert_int_equal(ai.state, ACD_AGENT_PAUSED);
	assert_int_equal(ai.pause, ACD_PAUSE_MEETING);
	assert_int_equal(offers(f, ERIK, c2), 0);
	fx_free(f);
}

static void refusals_change_nothing(void **state)
{
	struct fx *f = fx_new(0);
	struct acd_membership m = {.group = GROUP, .level = 1};
	uint64_t c1;

	(void)state;
	assert_int_equal(acd_agent_consult(f->a, T0 + SEC, 77, 7002), ENOENT);
	assert_int_equal(acd_agent_consult_end(f->a, T0 + SEC, 77, 0), ENOENT);
	assert_int_equal(acd_agent_consult_end(f->a, T0 + SEC, ERIK, 0), EPERM); /* not consulted */
	assert_int_equal(acd_agent_set(f->a, 12, &m, 1), 0);
	assert_int_equal(acd_agent_consult(f->a, T0 + SEC, 12, 7002), EPERM); /* logged out */
	c1 = arrive(f, T0 + 2 * SEC);
	assert_int_equal(offers(f, ANNA, c1), 1);
	assert_int_equal(acd_agent_consult(f->a, T0 + 3 * SEC, ANNA, 7002), EBUSY); /* ringing */
	assert_int_equal(state_of(f, ANNA), ACD_AGENT_OFFERED);
	assert_int_equal(state_of(f, ERIK), ACD_AGENT_READY);
	fx_free(f);
}

static void an_e_mail_waits_while_the_agent_is_consulted(void **state)
{
	struct fx *f = fx_new(0);
	struct acd_mail_in in = {.group = GROUP, .ref = 500, .due_ms = T0 + 3600 * SEC};
	int mail_offers = 0;

	(void)state;
	assert_int_equal(acd_agent_channels(f->a, ERIK, ACD_CHANNELS_ALL), 0);
	anna_consults_erik(f, T0 + 100 * SEC);
	assert_int_equal(acd_mail_arrive(f->a, T0 + 120 * SEC, &in), 0);
	assert_int_equal(acd_mail_take(f->a, T0 + 121 * SEC, 500, ERIK), EBUSY);
	drain(f);
	for (int i = 0; i < f->n_act; i++)
		mail_offers += f->act[i].kind == ACD_ACT_MAIL_OFFER;
	assert_int_equal(mail_offers, 0);
	assert_int_equal(acd_agent_consult_end(f->a, T0 + 200 * SEC, ERIK, 0), 0);
	drain(f);
	for (int i = 0; i < f->n_act; i++)
		mail_offers += f->act[i].kind == ACD_ACT_MAIL_OFFER && f->act[i].agent == ERIK;
	assert_int_equal(mail_offers, 1);
	fx_free(f);
}

static void consulted_time_is_talk_time(void **state)
{
	struct fx *f = fx_new(0);
	struct acd_agent_interval ai;
	int64_t talk = 0;
	size_t i = 0;

	(void)state;
	anna_consults_erik(f, T0 + 100 * SEC); /* Erik consulted at +110 s */
	assert_int_equal(acd_agent_consult_end(f->a, T0 + 170 * SEC, ERIK, 0), 0);
	drain(f);
	acd_stats_flush(f->st, T0 + 180 * SEC);
	while (acd_stats_next_agent(f->st, &i, &ai))
		if (ai.agent == ERIK)
			talk += ai.talk_ms;
	assert_int_equal(talk, 60 * SEC);
	assert_string_equal(acd_event_kind_name(ACD_EV_AGENT_CONSULTED), "agent_consulted");
	assert_string_equal(acd_event_kind_name(ACD_EV_AGENT_CONSULT_TAKEN), "agent_consult_taken");
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(waiting_caller_not_offered_to_consulted_agent_until_cancel),
	        cmocka_unit_test(
	                completed_consultation_keeps_the_agent_until_the_call_ends_then_wrapup),
	        cmocka_unit_test(a_paused_agent_consulted_returns_to_the_pause),
	        cmocka_unit_test(refusals_change_nothing),
	        cmocka_unit_test(an_e_mail_waits_while_the_agent_is_consulted),
	        cmocka_unit_test(consulted_time_is_talk_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
