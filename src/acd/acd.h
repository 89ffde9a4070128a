/* The ACD engine: response-group queues, routing, overflow, callbacks.
 *
 * Pure: no I/O and no clock reads. The host (telephony, the HTTP test entry,
 * the simulator) feeds events in with the time they happened, then drains the
 * actions the engine wants carried out and the events to log. Given the same
 * inputs the engine always makes the same decisions, so tests and the
 * simulator drive it exactly.
 *
 * Time is milliseconds since the Unix epoch (UTC); opening hours are looked up
 * through base/hours.h with that time divided by 1000.
 *
 * Routing rules, in the order they apply:
 *  - a call for a closed group (weekly hours, holidays, date exceptions, a
 *    scheduled closure) goes to the group's overflow group if that is open,
 *    following at most ACD_MAX_HOPS groups, else it gets ACD_ACT_CLOSED;
 *  - an urgent call (IVR option) is forwarded to the group's urgent number; without
 *    one it waits ahead of every non-urgent call (behind earlier urgent ones) and any
 *    skill level may take it at once;
 *  - a full queue (max_queue) or a wait beyond max_wait_ms overflows the same way
 *    (or to overflow_number when there is no overflow group);
 *  - a waiting call goes to the longest-idle ready agent among the best skill
 *    level (1 is best) that has a ready agent; levels above 1 become eligible
 *    only after widen_after_ms of waiting (0: at once);
 *  - an agent who becomes free takes the oldest call of the highest-priority
 *    group among its groups with an eligible waiting call;
 *  - an offer not answered within offer_timeout_ms puts the call back at the
 *    front of its queue and the agent in pause (reason no_answer);
 *  - a callback keeps the caller's place: it waits in the queue like a call
 *    and, when it reaches the front and an agent is free, that agent is
 *    reserved and the caller dialled (so callbacks in progress never exceed
 *    free agents); unanswered, it is retried after callback_retry_ms up to
 *    callback_max_attempts, keeping its original arrival time.
 *
 * E-mail items (channel email) wait in their group's own line, ordered by due time (the
 * working-day answer target the host computed), then arrival; opening hours, closures,
 * overflow and skill widening do not apply to them. They are offered only to agents with
 * the e-mail channel enabled (acd_agent_channels; voice only by default), best skill
 * level first, longest idle first. Blended agents: an agent offered or talking a call
 * is not ready, so gets no e-mail; an agent offered or working an e-mail is offered no
 * call until the e-mail is released (taken back, put back, declined, timed out) or done.
 * A ready agent with both channels takes a waiting call before a waiting e-mail.
 *
 * Consultation: an agent a colleague calls to consult (acd_agent_consult) is busy
 * (talking, without a queue call) and offered no call or e-mail until the consultation
 * ends, or, when the caller was handed over to them, until that call ends. */
#ifndef LOTSEN_ACD_ACD_H
#define LOTSEN_ACD_ACD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hours;
struct acd;

#define ACD_MAX_HOPS        16 /* groups a call may pass through */
#define ACD_MAX_MEMBERSHIPS 32 /* groups an agent may belong to */
#define ACD_NUMBER_MAX      32 /* phone numbers, NUL included */
#define ACD_LANG_MAX        4  /* a language code and its NUL */
#define ACD_MAX_LANGS       8  /* languages per agent */
#define ACD_IVR_MAX         32 /* IVR path ("1,3,2"), NUL included */

/* ---- configuration ------------------------------------------------------ */

struct acd_closure {
	int64_t from_ms; /* closed from … */
	int64_t to_ms;   /* … until, exclusive */
};

struct acd_group_cfg {
	uint32_t id;             /* groups.id; nonzero */
	int priority;            /* higher is served first by shared agents */
	int64_t wrapup_ms;       /* wrap-up after each call; 0 = straight to ready */
	int64_t max_wait_ms;     /* overflow after this wait; 0 = no limit */
	int max_queue;           /* callers beyond this overflow at once; 0 = no limit */
	uint32_t overflow_group; /* where closed/full/too-long calls go; 0 = none */
	char overflow_number[ACD_NUMBER_MAX]; /* external switchboard when no overflow group; "" =
	                                         none */
	int64_t widen_after_ms;    /* skill levels > 1 eligible after this wait; 0 = at once */
	int64_t language_widen_ms; /* a call asking for a language waits this long for an agent
	                              who speaks it, then any agent may take it; 0 = 60 000 */
	int64_t offer_timeout_ms;  /* ring time before no-answer; 0 = 20 000 */
	int64_t mail_offer_ms;     /* an e-mail offer stands this long; 0 = 60 000 */
	int64_t callback_offer_ms; /* offer a callback when the estimated wait exceeds this; 0 =
	                              never */
	int64_t callback_retry_ms; /* pause between callback attempts; 0 = 120 000 */
	int callback_max_attempts; /* 0 = 3 */
	int64_t aht_ms;            /* handle time used for the wait estimate; 0 = 180 000 */
	int64_t announce_every_ms; /* position/wait announcements while queued; 0 = never */
	char urgent_number[ACD_NUMBER_MAX]; /* on-call number for urgent callers; "" = none */
	const struct hours *hours;          /* borrowed, must outlive its use; NULL = always open */
	const struct acd_closure *closures; /* copied; scheduled closures (meetings) */
	int n_closures;
};

/* An agent's membership of one group with a skill level, 1 (best) … 9. */
struct acd_membership {
	uint32_t group;
	int level;
};

enum acd_agent_state {
	ACD_AGENT_LOGGED_OUT = 0,
	ACD_AGENT_READY,
	ACD_AGENT_OFFERED, /* ringing, or reserved for a callback being dialled */
	ACD_AGENT_TALKING,
	ACD_AGENT_WRAPUP,
	ACD_AGENT_PAUSED,
};

enum acd_pause_reason {
	ACD_PAUSE_NONE = 0,
	ACD_PAUSE_MEETING,
	ACD_PAUSE_TRAINING,
	ACD_PAUSE_EMAIL, /* e-mail and letter work */
	ACD_PAUSE_BREAK,
	ACD_PAUSE_NO_ANSWER, /* set by the engine after an unanswered offer */
	ACD_PAUSE_OTHER,
};

/* Allocate an empty engine. */
int acd_alloc(struct acd **ap);
void acd_free(struct acd *a);

/* Add or replace a group's configuration. Waiting calls stay. EINVAL for a
 * zero id or negative durations. An overflow_group that does not exist (yet)
 * is allowed and skipped at routing time. */
int acd_group_set(struct acd *a, const struct acd_group_cfg *cfg);

/* Set an agent's groups (replacing earlier ones); creates the agent logged
 * out. EINVAL for agent 0, a level outside 1…9, n > ACD_MAX_MEMBERSHIPS;
 * ENOENT for an unknown group. */
int acd_agent_set(struct acd *a, uint32_t agent, const struct acd_membership *m, int n);

/* The channels an agent takes work from (a set of bits). */
enum acd_channel {
	ACD_CHANNEL_VOICE = 1,
	ACD_CHANNEL_EMAIL = 2,
};
#define ACD_CHANNELS_ALL (ACD_CHANNEL_VOICE | ACD_CHANNEL_EMAIL)

/* Set an agent's channels (an agent starts with voice only). EINVAL for 0 or unknown
 * bits, ENOENT for an unknown agent. Work already offered or taken stays. */
int acd_agent_channels(struct acd *a, uint32_t agent, unsigned channels);
unsigned acd_agent_channels_get(const struct acd *a, uint32_t agent); /* 0: unknown */

/* ---- events in ---------------------------------------------------------- */
/* Each returns 0, ENOENT (unknown call/agent/group) or EPERM (not allowed in
 * the current state, e.g. answering a call not offered to that agent); on an
 * error nothing changed. Actions and events produced are queued for draining. */

int acd_agent_login(struct acd *a, int64_t now, uint32_t agent); /* → paused(other) until ready */
int acd_agent_logout(struct acd *a, int64_t now, uint32_t agent); /* EPERM while offered/talking */
int acd_agent_ready(struct acd *a, int64_t now, uint32_t agent);  /* from paused or wrap-up */
int acd_agent_pause(struct acd *a, int64_t now, uint32_t agent, enum acd_pause_reason why);

struct acd_call_in {
	uint32_t group;              /* the group the entry number/IVR led to */
	char entry[ACD_NUMBER_MAX];  /* the number dialled */
	char ivr[ACD_IVR_MAX];       /* menu choices, e.g. "2,1" */
	char caller[ACD_NUMBER_MAX]; /* for callbacks; "" = withheld (no callback offered) */
	bool urgent;                 /* the caller chose the urgent option */
	char lang[ACD_LANG_MAX];     /* language asked for ("fi"); "" = any */
};

/* An agent's languages ("sv", "fi", "ar", "so", "en" …: 2 or 3 lowercase letters),
 * replacing earlier ones; n = 0 clears them. EINVAL for a malformed code or n >
 * ACD_MAX_LANGS, ENOENT for an unknown agent. A call asking for a language is offered
 * only to agents who speak it until the group's language_widen_ms has passed. */
int acd_agent_languages(struct acd *a, uint32_t agent, const char *const *langs, int n);

/* A call arrives; *call gets its id (ids are never reused). */
int acd_call_arrive(struct acd *a, int64_t now, const struct acd_call_in *in, uint64_t *call);
/* The agent the call was offered to answered: connect them. */
int acd_call_answer(struct acd *a, int64_t now, uint64_t call);
/* The agent declined or the agent's phone failed: same as no answer. */
int acd_call_reject(struct acd *a, int64_t now, uint64_t call);
/* The caller (or, when talking, either side) hung up. Waiting → abandoned;
 * offered → abandoned and the offer cancelled; talking → ended, agent to wrap-up. */
int acd_call_hangup(struct acd *a, int64_t now, uint64_t call);
/* The agent sends a talking call to another group's queue (blind transfer);
 * the agent goes to wrap-up, the call keeps its path and original arrival. */
int acd_call_transfer(struct acd *a, int64_t now, uint64_t call, uint32_t group);
/* Consultation: a colleague talking with a caller calls this agent to consult (the
 * colleague's own call stays theirs, talking). The consulted agent is busy (talking,
 * without a queue call) and offered nothing until acd_agent_consult_end. EBUSY: the agent
 * is offered or talking a call or an e-mail, or consulted already; EPERM: logged out
 * (nothing to keep from the queue). From wrap-up the wrap-up ends; from a pause the
 * agent returns to it afterwards. ref: the host's id of the call consulted about (shown
 * in the agent's info, so that their desk can show whom and what it is about). */
int acd_agent_consult(struct acd *a, int64_t now, uint32_t agent, uint64_t ref);
/* The consulting colleague handed the caller over to the consulted agent: the agent
 * stays busy (talking) and the consultation's ref now names the agent's own caller, until
 * acd_agent_consult_end. EPERM: not consulted; EALREADY: taken already; ENOENT. */
int acd_agent_consult_take(struct acd *a, int64_t now, uint32_t agent);
/* The consultation is over for the agent. group 0: without the caller (cancelled,
 * unanswered, hung up before the transfer): back to ready (last in idle order) or to the
 * pause they were in, no wrap-up. group nonzero: the consultation was completed, the
 * agent talked with the caller of that group and that call has now ended: wrap-up per
 * the group (as after a queue call), or ready. EPERM: the agent is not consulted;
 * ENOENT: unknown agent (or group). */
int acd_agent_consult_end(struct acd *a, int64_t now, uint32_t agent, uint32_t group);
/* The caller accepted the callback offer: the call leaves the line but keeps its place. */
int acd_callback_accept(struct acd *a, int64_t now, uint64_t call);
/* Result of an ACD_ACT_CALLBACK_DIAL: the citizen answered (agent and citizen
 * are connected, talking) or did not (retry later, agent ready again). */
int acd_callback_result(struct acd *a, int64_t now, uint64_t call, bool answered);
/* ---- e-mail items ---- */

/* An e-mail waiting for an agent. `ref` names it (nonzero, unique among the engine's
 * items: the host's row id); arrived_ms is when the message came (0: now), the wait is
 * measured from it. `restored`: the item was waiting before a restart (not counted as
 * queued again); `taken_before`: an agent took it once already (its wait was counted). */
struct acd_mail_in {
	uint32_t group;
	uint64_t ref;
	int64_t arrived_ms;
	int64_t due_ms;
	bool restored;
	bool taken_before;
};
/* EINVAL (ref 0, due 0), ENOENT (unknown group), EEXIST (ref already in the engine). */
int acd_mail_arrive(struct acd *a, int64_t now, const struct acd_mail_in *in);
/* The agent takes the item: accepts the offer made to them, or takes it from the
 * group's line. ENOENT (unknown item or agent), EACCES (the agent is not a member of
 * the item's group), EBUSY (the item is offered to or taken by someone else, or the
 * agent has a call or another e-mail), EPERM (the agent is logged out). */
int acd_mail_take(struct acd *a, int64_t now, uint64_t ref, uint32_t agent);
/* The item goes back to its line (declined offer or put back after taking); it is not
 * offered to that agent again by the engine, who may still take it from the list. The
 * agent returns to what they were doing before (ready, or paused). EPERM: waiting. */
int acd_mail_release(struct acd *a, int64_t now, uint64_t ref);
/* The item is finished (its case answered): it leaves the engine, whatever its state;
 * an agent working or offered it returns to what they were doing before. */
int acd_mail_done(struct acd *a, int64_t now, uint64_t ref);

struct acd_mail_info {
	uint64_t ref;
	uint32_t group;
	uint32_t agent; /* offered to or taken by; 0 when waiting */
	bool taken;
	int64_t arrived_ms;
	int64_t due_ms;
	int position; /* 1-based in the group's line when waiting, else 0 */
};
int acd_mail_info(const struct acd *a, uint64_t ref, struct acd_mail_info *out);
/* The group's waiting items in line order (due, then arrival), at most max of them in
 * out; returns how many wait. */
size_t acd_mail_waiting(const struct acd *a, uint32_t group, struct acd_mail_info *out, size_t max);

/* Run everything due at `now` (max wait, widening, offer timeouts, wrap-up end,
 * callback retries, announcements, opening-hour changes). */
int acd_timer(struct acd *a, int64_t now);
/* The earliest time acd_timer has something to do; INT64_MAX when nothing. */
int64_t acd_next_deadline(const struct acd *a);

/* ---- actions out: what the host must do --------------------------------- */

enum acd_action_kind {
	ACD_ACT_QUEUED = 1,     /* call waits in `group`: play queue media; position, ewt_ms */
	ACD_ACT_ANNOUNCE,       /* tell the caller position and ewt_ms */
	ACD_ACT_OFFER,          /* ring `agent` with `call` */
	ACD_ACT_CANCEL_OFFER,   /* stop ringing `agent` */
	ACD_ACT_CONNECT,        /* bridge `call` and `agent` */
	ACD_ACT_OFFER_CALLBACK, /* ask the caller whether they want to be called back */
	ACD_ACT_CALLBACK_DIAL,  /* dial `number` (the caller) for `agent` */
	ACD_ACT_CLOSED,         /* play the closed message of `group`, then hang up */
	ACD_ACT_FORWARD,        /* forward the call to `number` (urgent, external overflow) */
	ACD_ACT_MAIL_OFFER,     /* show e-mail item `call` (its ref) to `agent` */
	ACD_ACT_MAIL_CANCEL,    /* the e-mail offer to `agent` is withdrawn */
};
/* One past the last kind, for tables indexed by kind (not an enumerator, so switches
 * over the kinds stay complete without it). */
#define ACD_ACT_KIND_MAX (ACD_ACT_MAIL_CANCEL + 1)

struct acd_action {
	enum acd_action_kind kind;
	uint64_t call;
	uint32_t agent;              /* 0 when none */
	uint32_t group;              /* the call's current group */
	int position;                /* 1 = next in line; 0 when not queued */
	int64_t ewt_ms;              /* estimated wait from now */
	char number[ACD_NUMBER_MAX]; /* FORWARD and CALLBACK_DIAL */
};

/* Take the oldest pending action; false when there is none. */
bool acd_next_action(struct acd *a, struct acd_action *out);

/* Stable lower-case names of action kinds ("queued", "offer", …), the one table the
 * event stream's JSON and log lines use; "unknown" for a value outside the enum. */
const char *acd_action_name(enum acd_action_kind k);

/* ---- events out: the log that statistics are folded from ----------------- */

enum acd_event_kind {
	ACD_EV_CALL_ARRIVED = 1, /* group = entry group; text = entry number */
	ACD_EV_CALL_QUEUED,      /* entered group's queue while it was open (= offered) */
	ACD_EV_CALL_OFFERED,     /* agent */
	ACD_EV_CALL_NO_ANSWER,   /* agent did not answer (or declined) */
	ACD_EV_CALL_ANSWERED,    /* agent; wait_ms from original arrival */
	ACD_EV_CALL_ABANDONED,   /* wait_ms from original arrival */
	ACD_EV_CALL_ENDED,       /* agent; talk_ms */
	ACD_EV_CALL_OVERFLOWED,  /* group → to_group (0: to overflow_number); reason */
	ACD_EV_CALL_CLOSED,      /* closed message played */
	ACD_EV_CALL_FORWARDED,   /* urgent or external overflow; text = number */
	ACD_EV_CALL_TRANSFERRED, /* by agent, group → to_group */
	ACD_EV_CALLBACK_OFFERED,
	ACD_EV_CALLBACK_REQUESTED,
	ACD_EV_CALLBACK_DIALLED,  /* agent */
	ACD_EV_CALLBACK_ANSWERED, /* agent; wait_ms from original arrival */
	ACD_EV_CALLBACK_FAILED,   /* gave up after the last attempt */
	ACD_EV_AGENT_LOGIN,
	ACD_EV_AGENT_LOGOUT,
	ACD_EV_AGENT_READY,
	ACD_EV_AGENT_PAUSED, /* reason = enum acd_pause_reason */
	ACD_EV_AGENT_WRAPUP, /* wrap-up started; group of the call */
	/* E-mail items: `call` is the item's ref. */
	ACD_EV_MAIL_QUEUED,         /* reason 1: restored after a restart */
	ACD_EV_MAIL_OFFERED,        /* agent */
	ACD_EV_MAIL_NO_ANSWER,      /* agent did not take the offer in time */
	ACD_EV_MAIL_TAKEN,          /* agent; wait_ms from arrival; reason 1: taken again */
	ACD_EV_MAIL_RELEASED,       /* agent put it back or declined the offer */
	ACD_EV_MAIL_DONE,           /* agent (0: finished while nobody held it); talk_ms */
	ACD_EV_AGENT_CONSULTED,     /* a colleague called the agent to consult: busy (talking) */
	ACD_EV_AGENT_CONSULT_TAKEN, /* the consulted agent was handed the caller (still talking) */
	ACD_EV_KIND_MAX
};

/* Why a call overflowed. */
enum acd_overflow_reason {
	ACD_OVERFLOW_CLOSED = 1,
	ACD_OVERFLOW_QUEUE_FULL,
	ACD_OVERFLOW_MAX_WAIT,
};

struct acd_event {
	int64_t t_ms;
	enum acd_event_kind kind;
	uint64_t call;             /* 0 for agent events */
	uint32_t agent;            /* 0 when none */
	uint32_t group;            /* the call's group at the time; for agent events 0 */
	uint32_t to_group;         /* OVERFLOWED, TRANSFERRED */
	int64_t wait_ms;           /* ANSWERED, ABANDONED, CALLBACK_ANSWERED */
	int64_t talk_ms;           /* ENDED */
	int reason;                /* PAUSED: acd_pause_reason; OVERFLOWED: acd_overflow_reason */
	char text[ACD_NUMBER_MAX]; /* ARRIVED: entry number; FORWARDED: number */
};

/* Take the oldest pending event; false when there is none. */
bool acd_next_event(struct acd *a, struct acd_event *out);

/* Stable lower-case names ("call_arrived", "agent_paused", …) used in the
 * database and the API; parse returns EINVAL for an unknown name. */
const char *acd_event_kind_name(enum acd_event_kind k);
int acd_event_kind_parse(const char *s, enum acd_event_kind *out);
const char *acd_pause_reason_name(enum acd_pause_reason r); /* "meeting", … */
int acd_pause_reason_parse(const char *s, enum acd_pause_reason *out);
const char *acd_agent_state_name(enum acd_agent_state s); /* "ready", … */

/* ---- looking in --------------------------------------------------------- */

struct acd_group_snapshot {
	uint32_t group;
	bool open;               /* by hours and closures at `now` */
	int waiting;             /* callers on the line */
	int callbacks_waiting;   /* callbacks keeping a place */
	int64_t longest_wait_ms; /* of those waiting (calls and callbacks) */
	int emails_waiting;      /* e-mail items in the line (not offered, not taken) */
	int64_t email_longest_wait_ms;
	int64_t ewt_ms;       /* estimate for a caller arriving now */
	int agents_logged_in; /* members not logged out */
	int agents_by_state[ACD_AGENT_PAUSED + 1];
};
int acd_group_snapshot(const struct acd *a, int64_t now, uint32_t group,
                       struct acd_group_snapshot *out);

enum acd_hop_kind {
	ACD_HOP_ENTRY = 1, /* first group, from the entry number / IVR */
	ACD_HOP_OVERFLOW,
	ACD_HOP_TRANSFER,
};
struct acd_hop {
	enum acd_hop_kind kind;
	uint32_t group;
	int64_t at_ms;
};

/* Where a call is and where it has been ("Var är jag?"). */
struct acd_call_info {
	uint64_t call;
	uint32_t group;     /* current */
	uint32_t agent;     /* offered/talking agent; 0 when none */
	int64_t arrived_ms; /* original arrival */
	bool callback;      /* keeping its place as a callback */
	bool talking;
	int position; /* 1-based when waiting, else 0 */
	char entry[ACD_NUMBER_MAX];
	char ivr[ACD_IVR_MAX];
	char caller[ACD_NUMBER_MAX];
	int n_hops;
	struct acd_hop hops[ACD_MAX_HOPS];
};
int acd_call_info(const struct acd *a, uint64_t call, struct acd_call_info *out);
/* Whether the engine still has the call, in constant time (acd_call_info computes the
 * queue position, which walks the queue). */
bool acd_call_exists(const struct acd *a, uint64_t call);

struct acd_agent_info {
	uint32_t agent;
	enum acd_agent_state state;
	enum acd_pause_reason pause;
	int64_t since_ms;   /* in this state since */
	uint64_t call;      /* offered/talking call; 0 when none */
	uint64_t mail;      /* ref of the e-mail offered or taken; 0 when none */
	unsigned channels;  /* enum acd_channel bits */
	uint64_t consult;   /* consulted: the host's id of the call (acd_agent_consult); 0 not */
	bool consult_taken; /* consulted, and that call's caller was handed over to the agent */
	int n_groups;
	struct acd_membership groups[ACD_MAX_MEMBERSHIPS];
};
int acd_agent_info(const struct acd *a, uint32_t agent, struct acd_agent_info *out);

/* Estimated wait for position p (1-based) in the group: p · AHT ÷ agents
 * serving the group (logged in and not paused; at least 1), less the time the
 * first-in-line has waited is NOT subtracted — a simple, explainable figure. */
int64_t acd_estimated_wait(const struct acd *a, uint32_t group, int position);

#endif
