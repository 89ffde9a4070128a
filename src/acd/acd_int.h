/* Private structures of the ACD engine, shared by acd.c, acd_timer.c, acd_util.c. */
#ifndef LOTSEN_ACD_ACD_INT_H
#define LOTSEN_ACD_ACD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acd/acd.h"

#define ACD_LEVELS                   9     /* skill levels 1 … 9 */
#define ACD_DEFAULT_LANG_WIDEN_MS    60000 /* language_widen_ms when 0 */
#define ACD_HOPS_INLINE              4     /* hops kept in the call; more go to call.more_hops */
#define ACD_CALL_SLAB                1024  /* calls allocated per slab */
#define ACD_DEFAULT_OFFER_TIMEOUT_MS 20000
#define ACD_DEFAULT_CB_RETRY_MS      120000
#define ACD_DEFAULT_CB_ATTEMPTS      3
#define ACD_DEFAULT_AHT_MS           180000
#define ACD_DEFAULT_MAIL_OFFER_MS    60000

/* ---- intrusive circular doubly linked list with a sentinel ------------- */

struct dnode {
	struct dnode *prev; /* the sentinel's prev is the tail */
	struct dnode *next; /* the sentinel's next is the head */
};

#define ACD_CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* ---- open-addressing hash map: uint64 key → pointer --------------------- */

struct u64map_slot {
	uint64_t key; /* 0 = empty (every id used here is nonzero) */
	void *val;    /* borrowed */
};

struct u64map {
	struct u64map_slot *slots; /* owned; cap is a power of two */
	size_t cap;                /* 0 before the first insert */
	size_t n;                  /* keys present; kept ≤ cap / 2 */
};

int u64map_reserve(struct u64map *m, size_t more);
void *u64map_get(const struct u64map *m, uint64_t key);
void u64map_put(struct u64map *m, uint64_t key, void *val); /* needs u64map_reserve first */
void u64map_del(struct u64map *m, uint64_t key);
void u64map_free(struct u64map *m);

/* ---- growable FIFO ring of fixed-size items ----------------------------- */

struct ring {
	unsigned char *buf; /* owned; cap * size bytes */
	size_t size;        /* bytes per item */
	size_t cap;         /* items; a power of two or 0 */
	size_t head;        /* index of the oldest item */
	size_t n;           /* items held */
};

int ring_reserve(struct ring *r, size_t more);
void ring_push(struct ring *r,
               const void *item); /* grows; drops the item only when out of memory */
bool ring_pop(struct ring *r, void *out);
void ring_free(struct ring *r);

/* ---- deadline heap with lazy deletion ----------------------------------- */

enum timer_kind {
	TIMER_OFFER = 0, /* call: ring time over → no answer */
	TIMER_MAX_WAIT,  /* call: waited max_wait_ms in this group → overflow */
	TIMER_WIDEN,     /* call: levels > 1 become eligible */
	TIMER_RETRY,     /* call: a callback may be dialled again */
	TIMER_ANNOUNCE,  /* call: tell position and wait */
	TIMER_LANG,      /* call: any agent may take it, whatever language it asked for */
	TIMER_CALL_KINDS,
	TIMER_WRAPUP = TIMER_CALL_KINDS, /* agent: wrap-up over */
	TIMER_AGENT_KICK,                /* agent: groups changed while ready, look for work */
	TIMER_GROUP_KICK,                /* group: configuration changed, route its queue */
};

/* An entry is live while the slot it was made for still holds its token;
 * cancelling a timer only clears the slot, the entry is dropped when it
 * reaches the top (the top is kept live so acd_next_deadline is exact). */
struct timer {
	int64_t at;     /* due time */
	uint64_t token; /* unique, increasing: also orders equal due times */
	void *obj;      /* struct call, agent or group; none is freed before acd_free */
	int kind;       /* enum timer_kind */
};

struct theap {
	struct timer *v; /* owned */
	size_t n, cap;
	size_t live; /* entries whose slot still holds their token */
};

/* ---- engine objects ----------------------------------------------------- */

struct group;
struct agent;

/* An agent's place in one group: the node sits in that group's ready list of
 * its level while the agent is ready. */
struct member {
	struct dnode node;   /* in group->ready[level - 1] while ready */
	struct agent *agent; /* owner */
	struct group *group; /* borrowed */
	int level;           /* 1 … 9 */
};

struct agent {
	uint32_t id;
	enum acd_agent_state state;
	enum acd_pause_reason pause; /* while paused */
	int64_t since_ms;            /* in this state since */
	int64_t idle_since_ms;       /* orders the ready lists: longest idle first */
	struct call *call;           /* offered, dialling or talking; NULL when none */
	uint64_t t_wrapup;           /* timer tokens; 0 = none */
	uint64_t t_kick;
	int n_members;
	struct member members[ACD_MAX_MEMBERSHIPS];
	unsigned channels;                       /* enum acd_channel bits; voice by default */
	enum acd_agent_state mail_prev;          /* state to return to after an e-mail */
	enum acd_pause_reason mail_prev_why;     /* its pause reason */
	bool consulted;                          /* a colleague's consultation holds the agent */
	enum acd_pause_reason consult_prev_why;  /* paused before it (NONE: was not paused) */
	uint64_t consult_ref;                    /* the host's id of the call consulted about */
	bool consult_taken;                      /* the caller was handed over to the agent */
	int n_langs;                             /* entries in langs */
	char langs[ACD_MAX_LANGS][ACD_LANG_MAX]; /* languages spoken */
};

struct group {
	struct acd_group_cfg cfg;     /* closures points at the owned copy below */
	struct acd_closure *closures; /* owned */
	struct dnode queue; /* struct call.qnode: waiting calls and callbacks in line order */
	int n_calls;        /* callers on the line in the queue */
	int n_callbacks;    /* callbacks keeping a place (waiting, retrying, dialling) */
	struct dnode mailq; /* struct call.qnode of e-mail items: due, then arrival order */
	int n_mails;        /* e-mail items in mailq */
	struct dnode ready[ACD_LEVELS];    /* struct member.node per level, longest idle first */
	int n_state[ACD_AGENT_PAUSED + 1]; /* members per agent state */
	uint64_t t_kick;                   /* timer token; 0 = none */
};

enum call_state {
	CALL_QUEUED = 1, /* in its group's queue (a callback in any of its phases too) */
	CALL_OFFERED,    /* ringing an agent; out of the queue */
	CALL_TALKING,    /* connected; out of the queue */
};

struct hop {
	int64_t at_ms;
	uint32_t group;
	uint8_t kind; /* enum acd_hop_kind */
};

struct call {
	uint64_t id;         /* 0 while on the free list */
	struct dnode qnode;  /* in group->queue while state == CALL_QUEUED */
	struct group *group; /* current group */
	struct agent *agent; /* offered/talking agent, or reserved for a callback dial */
	enum call_state state;
	uint8_t channel;              /* ACD_CHANNEL_VOICE or ACD_CHANNEL_EMAIL */
	bool urgent;                  /* queued ahead of the non-urgent, any level may take it */
	uint64_t ref;                 /* e-mail: the host's item id */
	int64_t due_ms;               /* e-mail: answer due */
	uint32_t released_by;         /* e-mail: not offered again to this agent */
	bool taken_before;            /* e-mail: its wait was counted */
	bool callback;                /* keeping its place as a callback */
	bool cb_offered;              /* OFFER_CALLBACK already sent (once per call) */
	bool cb_retrying;             /* callback waiting out callback_retry_ms */
	int cb_attempts;              /* dials that failed */
	int64_t arrived_ms;           /* original arrival */
	int64_t entered_ms;           /* entered the current group's queue */
	int64_t answered_ms;          /* connected */
	uint64_t t[TIMER_CALL_KINDS]; /* timer tokens by enum timer_kind; 0 = none */
	char entry[ACD_NUMBER_MAX];
	char ivr[ACD_IVR_MAX];
	char caller[ACD_NUMBER_MAX];
	char lang[ACD_LANG_MAX]; /* language asked for; "" = any */
	int n_hops;
	struct hop hops[ACD_HOPS_INLINE];
	struct hop *more_hops;  /* owned; ACD_MAX_HOPS - ACD_HOPS_INLINE, allocated on need */
	struct call *next_free; /* free list link */
};

struct call_slab {
	struct call_slab *next;
	struct call calls[ACD_CALL_SLAB];
};

struct acd {
	struct u64map groups;    /* id → struct group * (owned) */
	struct u64map agents;    /* id → struct agent * (owned) */
	struct u64map calls;     /* id → struct call * (in a slab) */
	struct u64map mails;     /* e-mail ref → struct call * (also in calls) */
	struct call_slab *slabs; /* owned */
	struct call *free_calls;
	uint64_t next_call_id; /* ids are sequential from 1 and never reused */
	uint64_t next_token;   /* timer tokens */
	int64_t last_now;      /* latest time seen; kicks from calls without a time are due then */
	struct theap timers;
	struct ring actions; /* struct acd_action */
	struct ring events;  /* struct acd_event */
};

/* acd_timer.c */
int theap_reserve(struct theap *h, size_t more);
void theap_push(struct theap *h, const struct timer *t); /* needs theap_reserve first */
void theap_pop(struct theap *h, struct timer *out);
void theap_free(struct theap *h);
/* Drop dead entries from the top; rebuild when dead entries dominate. */
void theap_trim(struct theap *h);
bool timer_is_live(const struct timer *t);

#endif
