/* Server-Sent Events: long-lived responses the loop writes to (queue snapshots, offers to agents,
 * urgent notices).
 *
 * A stream is a libmicrohttpd callback response. When its buffer is empty the reader
 * suspends the connection and returns nothing (the pattern libmicrohttpd prescribes, so
 * the loop does not spin); a push appends to the buffer and resumes it. A client that
 * does not read falls behind by at most SSE_MAX_BUFFER bytes, then its stream is closed
 * and the browser's EventSource reconnects and starts from a fresh snapshot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
#include <re_types.h>
#include <re_list.h>
#include <re_tmr.h>

#include "acdhost/acd_host.h"
#include "http/http_int.h"

#define SSE_MAX_BUFFER (256u * 1024)
#define SSE_PING_MS    15000

struct sse_stream {
	struct sse_stream *next, *prev; /* the hub's list */
	struct sse_hub *hub;            /* borrowed */
	struct MHD_Connection *conn;    /* borrowed from libmicrohttpd */
	struct principal who;           /* whose stream: decides what it receives */
	char *buf;                      /* bytes not yet handed to libmicrohttpd (owned) */
	size_t len, off, cap;
	int64_t groups[64]; /* a display's groups: the only group events it hears */
	size_t ngroups;     /* how many; with all_groups false and 0, it hears none */
	bool all_groups;    /* every group event (everyone but a display naming groups) */
	bool suspended;     /* the reader found nothing and parked the connection */
	bool closing;       /* end the response at the next read */
};

struct sse_hub {
	struct sse_stream *head; /* open streams */
	struct tmr ping;         /* comment lines keep proxies and dead peers honest */
	size_t count;
	void (*kick)(void *arg); /* makes the server run libmicrohttpd soon (NULL: none) */
	void *kick_arg;
	/* A standby node (no engine here): the last snapshots relayed from the node running
	 * the queue, by id as text, so a stream opened here starts from them (owned). */
	json_t *relayed_groups;
	json_t *relayed_agents;
};

static void wake(struct sse_stream *s)
{
	if (s->suspended) {
		s->suspended = false;
		MHD_resume_connection(s->conn);
		/* With the loop's own epoll a resumed connection is served at the next
		 * MHD_run: a push from outside a request (a timer, mail intake) asks for one. */
		if (s->hub && s->hub->kick)
			s->hub->kick(s->hub->kick_arg);
	}
}

static void push(struct sse_stream *s, const char *text, size_t n)
{
	if (s->closing)
		return;
	if (s->len + n > SSE_MAX_BUFFER) {
		s->closing = true;
		wake(s);
		return;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *p;

		while (cap < s->len + n)
			cap *= 2;
		p = realloc(s->buf, cap);
		if (!p) {
			s->closing = true;
			wake(s);
			return;
		}
		s->buf = p;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, text, n);
	s->len += n;
	wake(s);
}

static void push_event(struct sse_stream *s, const char *event, const json_t *data)
{
	char *js = json_dumps(data, JSON_COMPACT | JSON_REAL_PRECISION(15)); /* as resp.c */
	char head[64];
	int hn;

	if (!js)
		return;
	hn = snprintf(head, sizeof(head), "event: %s\ndata: ", event);
	push(s, head, (size_t)hn);
	push(s, js, strlen(js));
	push(s, "\n\n", 2);
	free(js);
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse_stream *s = cls;
	size_t n;

	(void)pos;
	if (s->off < s->len) {
		n = s->len - s->off;
		if (n > max)
			n = max;
		memcpy(buf, s->buf + s->off, n);
		s->off += n;
		if (s->off == s->len)
			s->off = s->len = 0;
		return (ssize_t)n;
	}
	if (s->closing)
		return MHD_CONTENT_READER_END_OF_STREAM;
	s->suspended = true;
	MHD_suspend_connection(s->conn);
	return 0;
}

static void stream_free(void *cls)
{
	struct sse_stream *s = cls;

	if (s->prev)
		s->prev->next = s->next;
	else if (s->hub)
		s->hub->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	if (s->hub)
		s->hub->count--;
	free(s->buf);
	free(s);
}

static void ping_h(void *arg)
{
	struct sse_hub *hub = arg;

	for (struct sse_stream *s = hub->head; s; s = s->next)
		push(s, ": ping\n\n", 8);
	tmr_start(&hub->ping, SSE_PING_MS, ping_h, hub);
}

int sse_hub_alloc(struct sse_hub **hp)
{
	struct sse_hub *hub = calloc(1, sizeof(*hub));

	if (!hub)
		return ENOMEM;
	tmr_init(&hub->ping);
	tmr_start(&hub->ping, SSE_PING_MS, ping_h, hub);
	*hp = hub;
	return 0;
}

void sse_hub_close_all(struct sse_hub *hub)
{
	if (!hub)
		return;
	for (struct sse_stream *s = hub->head; s; s = s->next) {
		s->closing = true;
		wake(s);
	}
}

void sse_hub_free(struct sse_hub *hub)
{
	if (!hub)
		return;
	tmr_cancel(&hub->ping);
	json_decref(hub->relayed_groups);
	json_decref(hub->relayed_agents);
	/* Streams still open (the daemon is gone) forget their hub. */
	for (struct sse_stream *s = hub->head; s; s = s->next)
		s->hub = NULL;
	free(hub);
}

void sse_hub_set_kick(struct sse_hub *hub, void (*kick)(void *arg), void *arg)
{
	hub->kick = kick;
	hub->kick_arg = arg;
}

size_t sse_hub_count(const struct sse_hub *hub)
{
	return hub ? hub->count : 0;
}

/* ======================================================================
 * The queue's notes to streams
 * ====================================================================== */

static bool hears_group(const struct sse_stream *s, uint32_t group)
{
	if (s->all_groups)
		return true;
	for (size_t i = 0; i < s->ngroups; i++)
		if (s->groups[i] == (int64_t)group)
			return true;
	return false;
}

void sse_close_display(struct sse_hub *hub, int64_t display_id)
{
	if (!hub || display_id <= 0)
		return;
	for (struct sse_stream *s = hub->head; s; s = s->next) {
		if (s->who.display_id != display_id)
			continue;
		s->closing = true;
		wake(s);
	}
}

static bool is_lead(const struct principal *p)
{
	return (p->role & ROLES_LEADS) != 0;
}

/* An action as the stream shows it; the stream is the only place actions become JSON. */
static json_t *action_json(const struct acd_action *act)
{
	json_t *j = json_pack("{s:s,s:I,s:i,s:i,s:i,s:I}", "action", acd_action_name(act->kind),
	                      "call_id", (json_int_t)act->call, "group_id", (int)act->group,
	                      "position", act->position, "agent_id", (int)act->agent, "ewt_s",
	                      (json_int_t)((act->ewt_ms + 999) / 1000));

	if (j && act->number[0])
		json_object_set_new(j, "number", json_string(act->number));
	return j;
}

void sse_acd_note_h(enum acd_note_kind kind, uint32_t id, const struct acd_action *act,
                    const json_t *json, void *arg)
{
	struct sse_hub *hub = arg;
	json_t *wfm = NULL;
	json_t *aj = NULL;

	/* The steering board's figures of an interval changed with the group's: leads hear
	 * a `wfm` event naming the group and refetch /api/v1/wfm/today. */
	if (kind == ACD_NOTE_GROUP)
		wfm = json_pack("{s:i,s:O,s:O,s:O}", "group_id", (int)id, "at",
		                json_object_get(json, "at"), "today",
		                json_object_get(json, "today"), "agents",
		                json_object_get(json, "agents"));
	for (struct sse_stream *s = hub->head; s; s = s->next) {
		switch (kind) {
		case ACD_NOTE_GROUP:
			if (!hears_group(s, id))
				break;
			push_event(s, "group", json);
			if (wfm && is_lead(&s->who))
				push_event(s, "wfm", wfm);
			break;
		case ACD_NOTE_AGENT:
			if (s->who.id == (int64_t)id || is_lead(&s->who))
				push_event(s, "agent", json);
			break;
		case ACD_NOTE_ACTION:
			/* An agent hears what concerns them; an admin (a test driver, a
			 * telephony observer) hears every action. */
			if (!((id && s->who.id == (int64_t)id) || s->who.role == ROLE_ADMIN))
				break;
			if (!aj)
				aj = action_json(
				        act); /* once, for the first stream that hears it */
			if (aj)
				push_event(s, "action", aj);
			break;
		case ACD_NOTE_MAIL:
			/* The agent offered an e-mail hears it like a call offer; admins
			 * (test drivers) hear every one. */
			if ((id && s->who.id == (int64_t)id) || s->who.role == ROLE_ADMIN)
				push_event(s,
				           act->kind == ACD_ACT_MAIL_OFFER
				                   ? "email_offer"
				                   : "email_offer_cancelled",
				           json);
			break;
		}
	}
	json_decref(wfm);
	json_decref(aj);
}

void sse_relay_note_h(enum acd_note_kind kind, uint32_t id, const struct acd_action *act,
                      const json_t *json, void *arg)
{
	struct sse_hub *hub = arg;
	json_t **cache = kind == ACD_NOTE_GROUP   ? &hub->relayed_groups
	                 : kind == ACD_NOTE_AGENT ? &hub->relayed_agents
	                                          : NULL;

	if (cache && json) {
		char key[16];

		if (!*cache)
			*cache = json_object();
		snprintf(key, sizeof(key), "%u", id);
		if (*cache)
			json_object_set_new(*cache, key, json_deep_copy(json));
	}
	sse_acd_note_h(kind, id, act, json, hub);
}

void sse_notice(struct sse_hub *hub, int64_t id)
{
	json_t *j;

	if (!hub || !hub->head)
		return;
	/* The id alone: the notice's groups and text stay behind GET /api/v1/kb/notices,
	 * which decides what each reader sees. The page's refetch is a later request, so it
	 * is served after this turn's group commit; should the commit fail, it finds the
	 * notices as they were, which is what the page showed anyway. */
	j = json_pack("{s:I}", "id", (json_int_t)id);
	if (!j)
		return;
	for (struct sse_stream *s = hub->head; s; s = s->next)
		push_event(s, "notice", j);
	json_decref(j);
}

/* GET /api/v1/acd/stream: the snapshot of every group and the caller's own agent
 * state first, then changes as they happen. */
int sse_open(struct req *r, struct sse_hub *hub)
{
	struct sse_stream *s = calloc(1, sizeof(*s));
	struct MHD_Response *resp;

	if (!s)
		return ENOMEM;
	s->hub = hub;
	s->conn = r->conn;
	s->who = r->who;
	s->all_groups = true;
	if (r->who.display_id && auth_display_groups(r->app->db, r->who.display_id, s->groups, 64,
	                                             &s->ngroups, &s->all_groups) != 0) {
		free(s);
		return EIO;
	}
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, s, stream_free);
	if (!resp) {
		free(s);
		return ENOMEM;
	}
	MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	resp_frame_guard(resp, NULL);
	s->next = hub->head;
	if (hub->head)
		hub->head->prev = s;
	hub->head = s;
	hub->count++;
	push(s, "retry: 2000\n\n", 13);
	if (r->app->acd) {
		int64_t now = acd_now_ms();
		json_t *j;

		uint32_t ids[512];
		size_t n = acd_host_groups(r->app->acd, ids, 512);

		for (size_t i = 0; i < n; i++) {
			if (hears_group(s, ids[i]) &&
			    acd_host_group_json(r->app->acd, now, ids[i], &j) == 0) {
				push_event(s, "group", j);
				json_decref(j);
			}
		}
		if (r->who.id &&
		    acd_host_agent_json(r->app->acd, now, (uint32_t)r->who.id, &j) == 0) {
			push_event(s, "agent", j);
			json_decref(j);
		}
	} else if (r->app->clustered) {
		/* A standby: the holder's snapshots as last relayed. */
		const char *key;
		json_t *j;
		char me[16];

		json_object_foreach(hub->relayed_groups, key, j)
		{
			if (hears_group(s, (uint32_t)strtoul(key, NULL, 10)))
				push_event(s, "group", j);
		}
		snprintf(me, sizeof(me), "%lld", (long long)r->who.id);
		j = r->who.id ? json_object_get(hub->relayed_agents, me) : NULL;
		if (j)
			push_event(s, "agent", j);
	}
	r->status = 200;
	r->resp = resp;
	return 0;
}
