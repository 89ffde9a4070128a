/* ACD engine, e-mail items: channels, the blended rule (no call and e-mail at once, never
 * two offers), due order, opening hours not applying, take/release/done, and the wait
 * measured in the events and the rollups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acd/acd.h"
#include "acd/acd_stats.h"
#include "base/hours.h"

#define LOG_MAX 1024
#define T0      INT64_C(1780000000000) /* 2026-05-28 */
#define HOUR    INT64_C(3600000)

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

static int count_act(struct fx *f, enum acd_action_kind k, uint32_t agent)
{
	int n = 0;

	drain(f);
	for (int i = 0; i < f->n_act; i++)
		n += f->act[i].kind == k && (!agent || f->act[i].agent == agent);
	return n;
}

static const struct acd_action *last_act(struct fx *f, enum acd_action_kind k)
{
	drain(f);
	for (int i = f->n_act; i-- > 0;)
		if (f->act[i].kind == k)
			return &f->act[i];
	return NULL;
}

static const struct acd_event *find_ev(struct fx *f, enum acd_event_kind k, uint64_t call)
{
	drain(f);
	for (int i = 0; i < f->n_ev; i++)
		if (f->ev[i].kind == k && (!call || f->ev[i].call == call))
			return &f->ev[i];
	return NULL;
}

/* Group 1 (closed all week when `closed`), agents 10 (voice), 11 (voice + e-mail), 12
 * (e-mail only), all members of group 1 at level 1, logged in and paused. */
static struct fx *fx_new(bool closed, struct hours **hp)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct acd_group_cfg g = {.id = 1};
	struct acd_membership m = {.group = 1, .level = 1};

	assert_non_null(f);
	assert_int_equal(acd_alloc(&f->a), 0);
	assert_int_equal(acd_stats_alloc(&f->st, 5000), 0);
	*hp = NULL;
	if (closed) {
		char err[100];
		json_t *j = json_pack("{s:{},s:s}", "weekly", "holidays", "closed");
		assert_int_equal(hours_parse(hp, j, err, sizeof(err)), 0);
		json_decref(j);
		g.hours = *hp;
	}
	assert_int_equal(acd_group_set(f->a, &g), 0);
	for (uint32_t id = 10; id <= 12; id++) {
		assert_int_equal(acd_agent_set(f->a, id, &m, 1), 0);
		assert_int_equal(acd_agent_login(f->a, T0, id), 0);
	}
	assert_int_equal(acd_agent_channels_get(f->a, 10), ACD_CHANNEL_VOICE); /* default */
	assert_int_equal(acd_agent_channels(f->a, 11, ACD_CHANNELS_ALL), 0);
	assert_int_equal(acd_agent_channels(f->a, 12, ACD_CHANNEL_EMAIL), 0);
	clear(f);
	return f;
}

static void fx_free(struct fx *f, struct hours *h)
{
	acd_free(f->a);
	acd_stats_free(f->st);
	hours_free(h);
	free(f);
}

static int mail_in(struct fx *f, int64_t now, uint64_t ref, int64_t due)
{
	struct acd_mail_in in = {.group = 1, .ref = ref, .due_ms = due};

	return acd_mail_arrive(f->a, now, &in);
}

static enum acd_agent_state state_of(struct fx *f, uint32_t agent, uint64_t *mail, uint64_t *call)
{
	struct acd_agent_info ai;

	assert_int_equal(acd_agent_info(f->a, agent, &ai), 0);
	if (mail)
		*mail = ai.mail;
	if (call)
		*call = ai.call;
	return ai.state;
}

/* ---- channels ---------------------------------------------------------------------- */

static void test_channels_checked(void **state)
{
	struct hours *h;
	struct fx *f = fx_new(false, &h);

	(void)state;
	assert_int_equal(acd_agent_channels(f->a, 10, 0), EINVAL);
	assert_int_equal(acd_agent_channels(f->a, 10, 4), EINVAL);
	assert_int_equal(acd_agent_channels(f->a, 99, ACD_CHANNEL_EMAIL), ENOENT);
	assert_int_equal(acd_agent_channels_get(f->a, 99), 0);
	assert_int_equal(mail_in(f, T0, 0, T0 + HOUR), EINVAL); /* no ref */
	assert_int_equal(mail_in(f, T0, 5, 0), EINVAL);         /* no due time */
	{
		struct acd_mail_in in = {.group = 7, .ref = 5, .due_ms = T0};
		assert_int_equal(acd_mail_arrive(f->a, T0, &in), ENOENT); /* unknown group */
	}
	assert_int_equal(mail_in(f, T0, 5, T0 + HOUR), 0);
	assert_int_equal(mail_in(f, T0, 5, T0 + HOUR), EEXIST);
	assert_int_equal(acd_mail_take(f->a, T0, 6, 11), ENOENT);
	assert_int_equal(acd_mail_take(f->a, T0, 5, 99), ENOENT);
	assert_int_equal(acd_mail_release(f->a, T0, 5), EPERM); /* waiting: nothing to release */
	assert_int_equal(acd_mail_done(f->a, T0, 6), ENOENT);
	fx_free(f, h);
}

/* A voice-only agent never gets an e-mail; an e-mail-only agent never a call. */
static void test_offers_follow_channels(void **state)
{
	struct hours *h;
	struct fx *f = fx_new(false, &h);
	struct acd_call_in ci = {.group = 1};
	uint64_t call, mail;

	(void)state;
	assert_int_equal(acd_agent_ready(f->a, T0, 10), 0);
	assert_int_equal(mail_in(f, T0 + 1, 100, T0 + HOUR), 0);
	assert_int_equal(count_act(f, ACD_ACT_MAIL_OFFER, 0), 0);
	assert_int_equal(acd_agent_ready(f->a, T0 + 2, 12), 0);
	assert_int_equal(count_act(f, ACD_ACT_MAIL_OFFER, 12), 1);
	assert_int_equal(last_act(f, ACD_ACT_MAIL_OFFER)->call, 100); /* the item's ref */
	assert_int_equal(state_of(f, 12, &mail, NULL), ACD_AGENT_OFFERED);
	assert_int_equal(mail, 100);
	clear(f);
	/* agent 12 is busy with the e-mail; a call goes to agent 10, never to 12 */
	assert_int_equal(acd_call_arrive(f->a, T0 + 3, &ci, &call), 0);
	assert_int_equal(count_act(f, ACD_ACT_OFFER, 10), 1);
	assert_int_equal(count_act(f, ACD_ACT_OFFER, 12), 0);
	/* an e-mail-only agent who is free still gets no call */
	assert_int_equal(acd_mail_done(f->a, T0 + 4, 100), 0);
	assert_int_equal(state_of(f, 12, NULL, NULL), ACD_AGENT_READY);
	assert_int_equal(acd_call_arrive(f->a, T0 + 5, &ci, &call), 0);
	assert_int_equal(count_act(f, ACD_ACT_OFFER, 12), 0);
	fx_free(f, h);
}

/* Blended: an agent with a call offered or in talk is not offered an e-mail, and an
 * agent offered or working an e-mail is not offered a call until they release it. */
static void test_blended_no_double_offer(void **state)
{
	struct hours *h;
	struct fx *f = fx_new(false, &h);
	struct acd_call_in ci = {.group = 1};
	uint64_t call, call2, mail, c;

	(void)state;
	assert_int_equal(acd_agent_ready(f->a, T0, 11), 0);
	assert_int_equal(acd_call_arrive(f->a, T0 + 1, &ci, &call), 0);
	assert_int_equal(count_act(f, ACD_ACT_OFFER, 11), 1);
	/* offered a call: the e-mail waits */
	assert_int_equal(mail_in(f, T0 + 2, 200, T0 + HOUR), 0);
	assert_int_equal(count_act(f, ACD_ACT_MAIL_OFFER, 0), 0);
	/* talking: still waits, and taking it by hand is refused */
	assert_int_equal(acd_call_answer(f->a, T0 + 3, call), 0);
	assert_int_equal(count_act(f, ACD_ACT_MAIL_OFFER, 0), 0);
	assert_int_equal(acd_mail_take(f->a, T0 + 4, 200, 11), EBUSY);
	/* the call ends (no wrap-up): the agent gets the e-mail */
	assert_int_equal(acd_call_hangup(f->a, T0 + 5, call), 0);
	assert_int_equal(count_act(f, ACD_ACT_MAIL_OFFER, 11), 1);
	assert_int_equal(state_of(f, 11, &mail, &c), ACD_AGENT_OFFERED);
	assert_int_equal(mail, 200);
	assert_int_equal(c, 0);
	clear(f);
	/* offered the e-mail: a new call is not offered to them */
	assert_int_equal(acd_call_arrive(f->a, T0 + 6, &ci, &call2), 0);
	assert_int_equal(count_act(f, ACD_ACT_OFFER, 0), 0);
	/* working it: still no call, and the call cannot be answered by them */
	assert_int_equal(acd_mail_take(f->a, T0 + 7, 200, 11), 0);
	assert_int_equal(state_of(f, 11, NULL, NULL), ACD_AGENT_TALKING);
	assert_int_equal(count_act(f, ACD_ACT_OFFER, 0), 0);
	/* put back: the agent is ready again and the waiting call comes first */
	assert_int_equal(acd_mail_release(f->a, T0 + 8, 200), 0);
	assert_int_equal(count_act(f, ACD_ACT_OFFER, 11), 1);
	assert_int_equal(count_act(f, ACD_ACT_MAIL_OFFER, 0), 0);
	assert_int_equal(state_of(f, 11, &mail, &c), ACD_AGENT_OFFERED);
	assert_int_equal(c, call2);
	assert_int_equal(mail, 0);
	fx_free(f, h);
}

/* Items are offered by due time, then arrival; the list shows the same order. */
static void test_due_order(void **state)
{
	struct hours *h;
	struct fx *f = fx_new(false, &h);
	struct acd_mail_info list[8];
	uint64_t mail;

	(void)state;
	assert_int_equal(mail_in(f, T0, 1, T0 + 48 * HOUR), 0);
	assert_int_equal(mail_in(f, T0 + 1, 2, T0 + 24 * HOUR), 0);
	assert_int_equal(mail_in(f, T0 + 2, 3, T0 + 48 * HOUR), 0);
	assert_int_equal(mail_in(f, T0 + 3, 4, T0 + 24 * HOUR), 0);
	assert_int_equal(acd_mail_waiting(f->a, 1, list, 8), 4);
	assert_int_equal(list[0].ref, 2);
	assert_int_equal(list[1].ref, 4);
	assert_int_equal(list[2].ref, 1);
	assert_int_equal(list[3].ref, 3);
	assert_int_equal(list[3].position, 4);
	assert_int_equal(acd_mail_waiting(f->a, 1, list, 2), 4); /* count beyond max */
	assert_int_equal(acd_agent_ready(f->a, T0 + 10, 12), 0);
	assert_int_equal(state_of(f, 12, &mail, NULL), ACD_AGENT_OFFERED);
	assert_int_equal(mail, 2);
	assert_int_equal(acd_mail_take(f->a, T0 + 11, 2, 12), 0);
	assert_int_equal(acd_mail_done(f->a, T0 + 12, 2), 0);
	assert_int_equal(state_of(f, 12, &mail, NULL), ACD_AGENT_OFFERED);
	assert_int_equal(mail, 4);
	assert_int_equal(acd_mail_waiting(f->a, 1, list, 8), 2);
	assert_int_equal(list[0].ref, 1);
	fx_free(f, h);
}

/* Opening hours and closures do not apply: a closed group's e-mail waits and is offered. */
static void test_closed_group_takes_mail(void **state)
{
	struct hours *h;
	struct fx *f = fx_new(true, &h);
	struct acd_group_snapshot sn;
	struct acd_call_in ci = {.group = 1};
	uint64_t call;

	(void)state;
	assert_int_equal(acd_call_arrive(f->a, T0, &ci, &call), 0);
	assert_non_null(last_act(f, ACD_ACT_CLOSED)); /* a call gets the closed message */
	assert_int_equal(mail_in(f, T0 + 1000, 300, T0 + HOUR), 0);
	assert_int_equal(acd_group_snapshot(f->a, T0 + 61000, 1, &sn), 0);
	assert_false(sn.open);
	assert_int_equal(sn.emails_waiting, 1);
	assert_int_equal(sn.email_longest_wait_ms, 60000);
	assert_int_equal(sn.waiting, 0);
	assert_int_equal(acd_agent_ready(f->a, T0 + 2000, 12), 0);
	assert_int_equal(count_act(f, ACD_ACT_MAIL_OFFER, 12), 1);
	fx_free(f, h);
}

/* Take from the list, then a second agent's take is refused; the wait is measured from
 * arrival into the event and the rollups, once even when taken again. */
static void test_take_twice_and_wait_measured(void **state)
{
	struct hours *h;
	struct fx *f = fx_new(false, &h);
	struct acd_membership other = {.group = 2, .level = 1};
	struct acd_group_cfg g2 = {.id = 2};
	struct acd_mail_info mi;
	struct acd_group_interval gi;
	const struct acd_event *e;
	size_t i = 0;
	bool seen = false;

	(void)state;
	assert_int_equal(acd_group_set(f->a, &g2), 0);
	assert_int_equal(acd_agent_set(f->a, 20, &other, 1), 0);
	assert_int_equal(acd_agent_login(f->a, T0, 20), 0);
	assert_int_equal(acd_agent_channels(f->a, 20, ACD_CHANNEL_EMAIL), 0);
	{
		struct acd_mail_in in = {
		        .group = 1, .ref = 400, .arrived_ms = T0 - 5000, .due_ms = T0 + HOUR};
		assert_int_equal(acd_mail_arrive(f->a, T0, &in), 0);
	}
	/* agent 12 is paused: no offer, but may take it from the list */
	assert_int_equal(count_act(f, ACD_ACT_MAIL_OFFER, 0), 0);
	assert_int_equal(acd_mail_take(f->a, T0 + 90000, 400, 20), EACCES); /* not a member */
	assert_int_equal(acd_mail_take(f->a, T0 + 90000, 400, 12), 0);
	assert_int_equal(acd_mail_take(f->a, T0 + 90001, 400, 11), EBUSY); /* already taken */
	assert_int_equal(acd_mail_info(f->a, 400, &mi), 0);
	assert_true(mi.taken);
	assert_int_equal(mi.agent, 12);
	e = find_ev(f, ACD_EV_MAIL_TAKEN, 400);
	assert_non_null(e);
	assert_int_equal(e->agent, 12);
	assert_int_equal(e->wait_ms, 95000);
	assert_int_equal(e->reason, 0);
	/* put back: the agent returns to its pause; taken again by 11, wait not counted twice */
	assert_int_equal(acd_mail_release(f->a, T0 + 100000, 400), 0);
	assert_int_equal(state_of(f, 12, NULL, NULL), ACD_AGENT_PAUSED);
	assert_int_equal(acd_mail_take(f->a, T0 + 110000, 400, 11), 0);
	assert_int_equal(acd_mail_done(f->a, T0 + 170000, 400), 0);
	assert_int_equal(find_ev(f, ACD_EV_MAIL_DONE, 400)->talk_ms, 60000);
	assert_int_equal(acd_mail_info(f->a, 400, &mi), ENOENT);
	while (acd_stats_next_group(f->st, &i, &gi)) {
		if (gi.group != 1)
			continue;
		seen = true;
		assert_int_equal(gi.emails_queued, 1);
		assert_int_equal(gi.emails_taken, 1);
		assert_int_equal(gi.email_wait_ms, 95000);
		assert_int_equal(gi.email_longest_wait_ms, 95000);
		assert_int_equal(gi.offered, 0); /* e-mail is not a call offered */
	}
	assert_true(seen);
	fx_free(f, h);
}

/* An offer not taken in time goes back to the line and pauses the agent; a declined
 * offer is not made to the same agent again but goes to another. */
static void test_offer_timeout_and_decline(void **state)
{
	struct hours *h;
	struct fx *f = fx_new(false, &h);
	struct acd_agent_info ai;
	uint64_t mail;

	(void)state;
	assert_int_equal(acd_agent_ready(f->a, T0, 12), 0);
	assert_int_equal(mail_in(f, T0 + 1, 500, T0 + HOUR), 0);
	assert_int_equal(count_act(f, ACD_ACT_MAIL_OFFER, 12), 1);
	assert_int_equal(acd_next_deadline(f->a), T0 + 1 + 60000); /* default offer time */
	assert_int_equal(acd_timer(f->a, T0 + 1 + 60000), 0);
	assert_int_equal(count_act(f, ACD_ACT_MAIL_CANCEL, 12), 1);
	assert_non_null(find_ev(f, ACD_EV_MAIL_NO_ANSWER, 500));
	assert_int_equal(acd_agent_info(f->a, 12, &ai), 0);
	assert_int_equal(ai.state, ACD_AGENT_PAUSED);
	assert_int_equal(ai.pause, ACD_PAUSE_NO_ANSWER);
	clear(f);
	/* ready again: offered again; declined: agent 11 gets it, 12 stays ready */
	assert_int_equal(acd_agent_ready(f->a, T0 + 70000, 12), 0);
	assert_int_equal(count_act(f, ACD_ACT_MAIL_OFFER, 12), 1);
	assert_int_equal(acd_mail_release(f->a, T0 + 71000, 500), 0);
	assert_int_equal(state_of(f, 12, NULL, NULL), ACD_AGENT_READY);
	assert_int_equal(count_act(f, ACD_ACT_MAIL_OFFER, 12), 1); /* not twice */
	assert_int_equal(acd_agent_ready(f->a, T0 + 72000, 11), 0);
	assert_int_equal(count_act(f, ACD_ACT_MAIL_OFFER, 11), 1);
	assert_int_equal(state_of(f, 11, &mail, NULL), ACD_AGENT_OFFERED);
	assert_int_equal(mail, 500);
	/* answered from the case while offered: the offer is withdrawn, 11 ready again */
	assert_int_equal(acd_mail_done(f->a, T0 + 73000, 500), 0);
	assert_int_equal(count_act(f, ACD_ACT_MAIL_CANCEL, 11), 1);
	assert_int_equal(state_of(f, 11, NULL, NULL), ACD_AGENT_READY);
	fx_free(f, h);
}

/* A logged-out agent cannot take; call functions do not reach e-mail items; a restored
 * item is not counted as queued again. */
static void test_edges(void **state)
{
	struct hours *h;
	struct fx *f = fx_new(false, &h);
	struct acd_mail_in in = {.group = 1,
	                         .ref = 600,
	                         .due_ms = T0 + HOUR,
	                         .restored = true,
	                         .taken_before = true};
	struct acd_group_interval gi;
	size_t i = 0;

	(void)state;
	assert_int_equal(acd_agent_set(f->a, 13, &(struct acd_membership){1, 1}, 1), 0);
	assert_int_equal(acd_mail_arrive(f->a, T0, &in), 0);
	assert_int_equal(acd_mail_take(f->a, T0, 600, 13), EPERM); /* logged out */
	/* the item's engine slot is no call */
	assert_int_equal(acd_call_answer(f->a, T0, 1), ENOENT);
	assert_int_equal(acd_call_hangup(f->a, T0, 1), ENOENT);
	assert_false(acd_call_exists(f->a, 1));
	assert_int_equal(acd_mail_take(f->a, T0 + 1000, 600, 10), 0); /* voice-only may take */
	assert_int_equal(find_ev(f, ACD_EV_MAIL_TAKEN, 600)->reason, 1);
	assert_int_equal(acd_agent_logout(f->a, T0 + 1001, 10), EPERM); /* working it */
	assert_int_equal(acd_mail_done(f->a, T0 + 2000, 600), 0);
	assert_int_equal(state_of(f, 10, NULL, NULL), ACD_AGENT_PAUSED);
	while (acd_stats_next_group(f->st, &i, &gi))
		assert_false(gi.group == 1 && (gi.emails_queued || gi.emails_taken));
	fx_free(f, h);
}

/* A seeded random run of calls, e-mails and agents: after every step each agent holds at
 * most one piece of work (a call or an e-mail, never both), its state agrees with it, and
 * every item's holder holds it back. */
static uint64_t rng = 88172645463325252ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void check_agents(struct fx *f)
{
	for (uint32_t id = 10; id <= 12; id++) {
		struct acd_agent_info ai;
		bool busy;

		assert_int_equal(acd_agent_info(f->a, id, &ai), 0);
		assert_false(ai.call && ai.mail);
		busy = ai.state == ACD_AGENT_OFFERED || ai.state == ACD_AGENT_TALKING;
		assert_int_equal(busy, ai.call != 0 || ai.mail != 0);
		if (ai.mail) {
			struct acd_mail_info mi;
			assert_int_equal(acd_mail_info(f->a, ai.mail, &mi), 0);
			assert_int_equal(mi.agent, id);
			assert_int_equal(mi.taken, ai.state == ACD_AGENT_TALKING);
		}
	}
}

static void test_randomized_one_thing_at_a_time(void **state)
{
	struct hours *h;
	struct fx *f = fx_new(false, &h);
	struct acd_call_in ci = {.group = 1};
	uint64_t calls[64];
	int n_calls = 0, offers = 0, mail_offers = 0;
	uint64_t next_ref = 1000;
	int64_t now = T0;

	(void)state;
	for (int step = 0; step < 20000; step++) {
		uint32_t ag = 10 + rnd(3);
		uint64_t ref = next_ref - 1 - rnd(8); /* one of the newest items */

		now += rnd(5000);
		if (acd_next_deadline(f->a) <= now)
			assert_int_equal(acd_timer(f->a, now), 0);
		switch (rnd(14)) {
		case 0:
		case 1:
			if (n_calls < 64 && acd_call_arrive(f->a, now, &ci, &calls[n_calls]) == 0)
				n_calls++;
			break;
		case 2:
			(void)mail_in(f, now, next_ref++, now + rnd(4) * HOUR + HOUR);
			break;
		case 3:
		case 4:
		case 5:
			(void)acd_agent_ready(f->a, now, ag);
			break;
		case 6:
			(void)acd_agent_pause(f->a, now, ag, ACD_PAUSE_BREAK);
			break;
		case 7:
			if (n_calls)
				(void)acd_call_answer(f->a, now, calls[rnd((uint32_t)n_calls)]);
			break;
		case 8:
			if (n_calls) {
				int i = (int)rnd((uint32_t)n_calls);
				if (acd_call_hangup(f->a, now, calls[i]) == 0)
					calls[i] = calls[--n_calls];
			}
			break;
		case 9:
		case 10:
			(void)acd_mail_take(f->a, now, ref, ag);
			break;
		case 11:
			(void)acd_mail_release(f->a, now, ref);
			break;
		case 12:
			(void)acd_mail_done(f->a, now, ref);
			break;
		default:
			(void)acd_agent_channels(f->a, ag, 1 + rnd(3));
			break;
		}
		drain(f);
		for (int i = 0; i < f->n_act; i++) {
			offers += f->act[i].kind == ACD_ACT_OFFER;
			mail_offers += f->act[i].kind == ACD_ACT_MAIL_OFFER;
		}
		f->n_act = f->n_ev = 0;
		check_agents(f);
	}
	print_message("offers %d, e-mail offers %d\n", offers, mail_offers);
	/* the run reached both kinds of offer */
	assert_true(offers > 20);
	assert_true(mail_offers > 10);
	fx_free(f, h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_channels_checked),
	        cmocka_unit_test(test_offers_follow_channels),
	        cmocka_unit_test(test_blended_no_double_offer),
	        cmocka_unit_test(test_due_order),
	        cmocka_unit_test(test_closed_group_takes_mail),
	        cmocka_unit_test(test_take_twice_and_wait_measured),
	        cmocka_unit_test(test_offer_timeout_and_decline),
	        cmocka_unit_test(test_edges),
	        cmocka_unit_test(test_randomized_one_thing_at_a_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
