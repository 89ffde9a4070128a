/* Queue statistics folded from the ACD event log into 15-minute intervals.
 *
 * Pure: the same events always give the same rollups, so the rollups kept in
 * the database can be rebuilt from the event log after a restart and must then
 * agree with what was kept. Definitions (../shared/DESIGN.md, KPI section):
 *  - a call counts in the interval and group where it was QUEUED (offered);
 *    its outcome (answered, abandoned, overflowed) is counted there too,
 *    whenever it happens; a call overflowed from A to B is offered in both;
 *  - abandons within short_abandon_ms are short abandons: counted apart and
 *    left out of offered and of every rate;
 *  - service level = answered within T ÷ offered (abandons and overflows in the
 *    denominator), for T = 60 s and 180 s; callbacks count from the original
 *    arrival;
 *  - ASA = answer wait sum ÷ answered; AHT = (talk + wrap-up) ÷ handled;
 *  - an e-mail item counts as queued in the interval it arrived (not again when it is
 *    restored after a restart) and as taken, with its wait from arrival, in the
 *    interval an agent first took it; an agent's time on an offered or taken e-mail
 *    counts as offered and talk time;
 *  - agent time (logged in, paused, talking, wrap-up, offered) is kept per agent
 *    and interval; a group's occupancy and login rate sum its members' rows. */
#ifndef LOTSEN_ACD_ACD_STATS_H
#define LOTSEN_ACD_ACD_STATS_H

#include <stdint.h>

#include "acd/acd.h"

#define ACD_INTERVAL_MS (15 * 60 * 1000)

struct acd_group_interval {
	uint32_t group;
	int64_t start_ms; /* multiple of ACD_INTERVAL_MS */
	int offered;      /* queued while open, short abandons excluded */
	int answered;
	int answered_60;  /* wait ≤ 60 s */
	int answered_180; /* wait ≤ 180 s */
	int abandoned;    /* excluding short abandons */
	int short_abandoned;
	int overflowed; /* left this group for another or the switchboard */
	int closed;     /* arrived while closed, got the closed message */
	int forwarded;  /* urgent or external overflow */
	int callbacks_requested;
	int callbacks_answered;
	int callbacks_failed;
	int64_t wait_answered_ms;  /* sum of answer waits */
	int64_t wait_abandoned_ms; /* sum of abandon waits */
	int64_t longest_wait_ms;   /* answered or abandoned */
	int handled;               /* calls ended after talk in this group */
	int64_t talk_ms;           /* of handled calls */
	int64_t wrapup_ms;         /* of handled calls */
	int emails_queued;         /* e-mail items that arrived */
	int emails_taken;          /* first taken by an agent */
	int64_t email_wait_ms;     /* sum of their waits, arrival → taken */
	int64_t email_longest_wait_ms;
};

struct acd_agent_interval {
	uint32_t agent;
	int64_t start_ms;
	int64_t logged_in_ms; /* any state but logged out */
	int64_t paused_ms;    /* all reasons */
	int64_t ready_ms;
	int64_t offered_ms;
	int64_t talk_ms;
	int64_t wrapup_ms;
	int no_answers;
};

struct acd_stats;

/* short_abandon_ms: DESIGN default 5 000. */
int acd_stats_alloc(struct acd_stats **sp, int64_t short_abandon_ms);
void acd_stats_free(struct acd_stats *s);
/* 0, or ENOMEM when a row or call record could not be kept (sticky; the
 * rollups are then incomplete). */
int acd_stats_status(const struct acd_stats *s);
/* Calls queued and not yet ended: what the fold still remembers. */
size_t acd_stats_live_calls(const struct acd_stats *s);

/* Fold one event (events must come in time order). */
void acd_stats_add(struct acd_stats *s, const struct acd_event *ev);
/* Close open agent states up to `now` (before reading agent time). */
void acd_stats_flush(struct acd_stats *s, int64_t now);

/* Forget rows starting before `before_ms` (the host has stored them); live calls
 * are kept. A late outcome of a call queued in a forgotten row makes a new partial row
 * there, which the host never stores again. */
void acd_stats_prune(struct acd_stats *s, int64_t before_ms);

/* The calls the fold still remembers (queued and not ended), in no order; for the
 * host to close the calls a stopped run left behind. *i starts at 0. */
struct acd_live_call {
	uint64_t call;
	uint32_t group;      /* the group it counts in */
	uint32_t agent;      /* offered/talking agent; 0 when none */
	int64_t answered_ms; /* when answered; -1 when waiting */
};
bool acd_stats_next_live(const struct acd_stats *s, size_t *i, struct acd_live_call *out);

/* Iterate rollups in (start_ms, group/agent) order; *i starts at 0; false at the end. */
bool acd_stats_next_group(const struct acd_stats *s, size_t *i, struct acd_group_interval *out);
bool acd_stats_next_agent(const struct acd_stats *s, size_t *i, struct acd_agent_interval *out);

/* Sums over a period and some groups, for reports and the simulator. */
struct acd_totals {
	int offered, answered, answered_60, answered_180, abandoned, short_abandoned;
	int overflowed, closed, forwarded, callbacks_requested, callbacks_answered;
	int64_t wait_answered_ms, longest_wait_ms, talk_ms, wrapup_ms;
	int handled;
	int emails_queued, emails_taken;
	int64_t email_wait_ms, email_longest_wait_ms;
	double service_level_60; /* answered_60 ÷ offered; 1 when nothing offered */
	double service_level_180;
	double asa_s;
	double aht_s;
	double abandon_rate; /* abandoned ÷ offered */
};
void acd_totals_add(struct acd_totals *t, const struct acd_group_interval *g);
void acd_totals_finish(struct acd_totals *t);

#endif
