/* A call: the caller's SIP leg into the queue, the agent's leg it is offered to, and what
 * the engine is told when either side answers, declines or hangs up. */
#include <errno.h>
#include <string.h>

#include "tel/tel_int.h" /* first: libre headers have no include guards */
#include <re_mem.h>
#include <re_uri.h>
#include <re_msg.h>
#include <re_sip.h>
#include <re_sipsess.h>

#include "acd/acd_host.h"
#include "base/log.h"
#include "core/app.h"
#include "store/db.h"

#define CLOSED_TONE_MS 1500     /* the closed group's tone before we hang up */
#define CUSER          "lotsen" /* our Contact user part */
#define ALLOW          "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n"

struct leg {
	struct sipsess *sess; /* the dialog; freeing it sends 486, CANCEL or BYE */
	struct media *media;  /* its RTP */
	bool up;              /* answered and acknowledged */
};

/* Packets counted on a leg, kept after its media is freed for the call's last log line. */
struct leg_counts {
	uint64_t rx, tx, relayed;
};

struct tel_call {
	struct le le;             /* in tel->calls, which holds one reference */
	struct tel *tel;          /* borrowed; outlives its calls */
	int64_t id;               /* the API's call id, 0 before the engine took the call */
	bool known;               /* the engine still has the call: tell it when it ends */
	bool answered;            /* 200 OK sent to the caller */
	bool talking;             /* the engine connected caller and agent */
	struct leg caller;        /* the citizen's leg */
	struct leg agent;         /* the agent's phone, while ringing or talking */
	uint32_t agent_id;        /* whose phone agent is; 0 when none */
	struct mbuf *answer;      /* our SDP answer until the 200 OK carries it */
	struct tmr tmr;           /* hangs up after the closed tone */
	struct leg_counts cc, ac; /* caller's and agents' packet counts */
	char host[64];            /* the request URI's host, for 302 Contacts */
};

static int feed(struct tel_call *c, int what);

static void call_destructor(void *arg)
{
	struct tel_call *c = arg;

	tmr_cancel(&c->tmr);
	list_unlink(&c->le);
	mem_deref(c->agent.sess);
	mem_deref(c->agent.media);
	mem_deref(c->caller.sess);
	mem_deref(c->caller.media);
	mem_deref(c->answer);
}

static struct acd_host *host(const struct tel_call *c)
{
	return c->tel->app->acd;
}

static void add_counts(struct leg_counts *lc, const struct media *m)
{
	uint64_t rx, tx, rel;

	media_counts(m, &rx, &tx, &rel);
	lc->rx += rx;
	lc->tx += tx;
	lc->relayed += rel;
}

/* Free the agent's leg (CANCEL when ringing, BYE when up). Safe inside its own handlers:
 * libre has already marked the session terminated when it calls them. */
static void agent_leg_free(struct tel_call *c)
{
	if (c->agent.media)
		add_counts(&c->ac, c->agent.media);
	c->agent.sess = mem_deref(c->agent.sess);
	c->agent.media = mem_deref(c->agent.media);
	c->agent.up = false;
	c->agent_id = 0;
}

void tel_call_drop(struct tel_call *c)
{
	if (!c || !c->le.list)
		return;
	add_counts(&c->cc, c->caller.media);
	if (c->agent.media)
		add_counts(&c->ac, c->agent.media);
	if (c->id) /* refused INVITEs never became calls */
		log_info("tel.call_end",
		         "call=%lld codec=%s caller_rx=%llu caller_tx=%llu caller_relayed=%llu "
		         "agent_rx=%llu agent_tx=%llu agent_relayed=%llu",
		         (long long)c->id, media_codec(c->caller.media),
		         (unsigned long long)c->cc.rx, (unsigned long long)c->cc.tx,
		         (unsigned long long)c->cc.relayed, (unsigned long long)c->ac.rx,
		         (unsigned long long)c->ac.tx, (unsigned long long)c->ac.relayed);
	c->known = false;
	list_unlink(&c->le);
	mem_deref(c);
}

/* ---- feeding the engine (never from inside the acd listener) ------------- */

enum { FEED_HANGUP, FEED_REJECT, FEED_ANSWER };

static int feed(struct tel_call *c, int what)
{
	struct acd *e;
	uint64_t eid;
	int64_t now = acd_now_ms();
	int err;

	if (!c->known || acd_host_call_engine_id(host(c), c->id, &eid) != 0)
		return ENOENT;
	e = acd_host_engine(host(c), now);
	switch (what) {
	case FEED_HANGUP:
		err = acd_call_hangup(e, now, eid);
		c->known = false;
		break;
	case FEED_REJECT:
		err = acd_call_reject(e, now, eid);
		break;
	default:
		err = acd_call_answer(e, now, eid);
		break;
	}
	acd_host_flush(host(c), now);
	if (err)
		log_info("tel.engine", "call=%lld op=%s error=\"%s\"", (long long)c->id,
		         what == FEED_HANGUP   ? "hangup"
		         : what == FEED_REJECT ? "reject"
		                               : "answer",
		         strerror(err));
	return err;
}

void tel_call_hangup(struct tel_call *c)
{
	mem_ref(c);
	feed(c, FEED_HANGUP);
	tel_call_drop(c);
	mem_deref(c);
}

/* ---- the caller's leg ---------------------------------------------------- */

static void answer(struct tel_call *c)
{
	int err;

	if (c->answered || !c->caller.sess)
		return;
	err = sipsess_answer(c->caller.sess, 200, "OK", c->answer, ALLOW);
	c->answer = mem_deref(c->answer);
	if (err) {
		log_warn("tel.answer", "call=%lld error=\"%s\"", (long long)c->id, strerror(err));
		return;
	}
	c->answered = true;
	media_tone(c->caller.media, true);
}

static int caller_offer_h(struct mbuf **descp, const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;

	/* A re-INVITE (hold, a new address): answer from the same media. */
	return media_answer(c->caller.media, msg->mb, descp);
}

static int caller_answer_h(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return 0;
}

static void caller_estab_h(const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;

	(void)msg;
	c->caller.up = true;
}

static void caller_close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;

	(void)msg;
	/* ECONNRESET is the caller's BYE or CANCEL; anything else a failure (no ACK). */
	log_info("tel.hangup", "call=%lld side=caller talking=%s reason=\"%s\"", (long long)c->id,
	         c->talking ? "true" : "false",
	         err == ECONNRESET ? "bye or cancel"
	         : err             ? strerror(err)
	                           : "closed");
	feed(c, FEED_HANGUP);
	tel_call_drop(c);
}

void tel_call_incoming(struct tel *t, const struct sip_msg *msg, uint32_t group, const char *entry,
                       const char *caller)
{
	struct acd_call_in ci;
	struct tel_call *c;
	uint64_t eid;
	int64_t now;
	int err;

	c = mem_zalloc(sizeof(*c), call_destructor);
	if (!c) {
		(void)sip_treply(NULL, t->sip, msg, 500, "Server Internal Error");
		return;
	}
	c->tel = t;
	tmr_init(&c->tmr);
	list_append(&t->calls, &c->le, c);
	(void)pl_strcpy(&msg->uri.host, c->host, sizeof(c->host));

	err = media_alloc(&c->caller.media, &t->media_ip);
	if (err) {
		log_error("tel.media", "error=\"%s\"", strerror(err));
		(void)sip_treply(NULL, t->sip, msg, 500, "Server Internal Error");
		goto drop;
	}
	err = media_answer(c->caller.media, msg->mb, &c->answer);
	if (err) {
		log_info("tel.invite", "result=488 reason=\"%s\"",
		         err == EPROTO ? "no common codec" : "bad sdp");
		(void)sip_treplyf(NULL, NULL, t->sip, msg, false, 488, "Not Acceptable Here",
		                  "Warning: 399 lotsen \"%s\"\r\n"
		                  "Content-Length: 0\r\n\r\n",
		                  err == EPROTO ? "audio with PCMU or PCMA is required"
		                                : "the SDP offer does not parse");
		goto drop;
	}
	err = sipsess_accept(&c->caller.sess, t->sock, msg, 180, "Ringing", CUSER,
	                     "application/sdp", NULL, NULL, NULL, false, caller_offer_h,
	                     caller_answer_h, caller_estab_h, NULL, NULL, caller_close_h, c, ALLOW);
	if (err) {
		/* No dialog could be made of it (a From without tag, a bad Contact). */
		log_info("tel.invite", "result=400 error=\"%s\"", strerror(err));
		(void)sip_treply(NULL, t->sip, msg, 400, "Bad Request");
		goto drop;
	}

	memset(&ci, 0, sizeof(ci));
	ci.group = group;
	(void)re_snprintf(ci.entry, sizeof(ci.entry), "%s", entry);
	(void)re_snprintf(ci.caller, sizeof(ci.caller), "%s", caller);
	now = acd_now_ms();
	err = acd_call_arrive(acd_host_engine(t->app->acd, now), now, &ci, &eid);
	if (err) {
		log_warn("tel.invite", "result=480 group=%u error=\"%s\"", group, strerror(err));
		(void)sipsess_reject(c->caller.sess, 480, "Temporarily Unavailable", NULL);
		goto drop;
	}
	c->id = acd_host_call_id(t->app->acd, eid);
	c->known = true;
	log_info("tel.invite", "result=accepted call=%lld group=%u entry=%s codec=%s",
	         (long long)c->id, group, entry, media_codec(c->caller.media));
	/* What the engine decided (queued, offered, closed, forwarded) is done right away,
	 * so a forward can still be a 302; anything else is answered. */
	mem_ref(c);
	acd_host_flush(t->app->acd, now);
	tel_run_actions(t);
	if (c->le.list)
		answer(c);
	mem_deref(c);
	return;
drop:
	tel_call_drop(c);
}

struct tel_call *tel_call_find(struct tel *t, int64_t id)
{
	for (struct le *le = t->calls.head; le; le = le->next) {
		struct tel_call *c = le->data;
		if (c->id == id)
			return c;
	}
	return NULL;
}

/* ---- the agent's leg ----------------------------------------------------- */

static int agent_offer_h(struct mbuf **descp, const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;

	return media_answer(c->agent.media, msg->mb, descp);
}

static int agent_answer_h(const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;
	int err = media_accept(c->agent.media, msg->mb);

	if (err)
		log_info("tel.agent", "call=%lld agent=%u sdp=unusable error=\"%s\"",
		         (long long)c->id, c->agent_id, strerror(err));
	return err;
}

static void agent_progr_h(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
}

static void bridge(struct tel_call *c)
{
	if (c->talking && c->agent.up)
		media_bridge(c->caller.media, c->agent.media);
}

static void agent_estab_h(const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;
	struct acd_call_info info;
	uint64_t eid;

	(void)msg;
	c->agent.up = true;
	log_info("tel.agent", "call=%lld agent=%u answered=true", (long long)c->id, c->agent_id);
	mem_ref(c);
	feed(c, FEED_ANSWER);
	/* The engine may have moved on (the offer timed out a moment ago): then this phone
	 * has no call to take, and is hung up. */
	if (c->known && acd_host_call_engine_id(host(c), c->id, &eid) == 0 &&
	    acd_call_info(acd_host_engine(host(c), acd_now_ms()), eid, &info) == 0 &&
	    info.talking && info.agent == c->agent_id) {
		c->talking = true;
		bridge(c);
	} else if (c->le.list) {
		agent_leg_free(c);
		media_tone(c->caller.media, true);
	}
	mem_deref(c);
}

static void agent_close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;
	bool was_talking = c->talking || c->agent.up;

	log_info("tel.agent", "call=%lld agent=%u closed=\"%s\" scode=%u", (long long)c->id,
	         c->agent_id,
	         err == ECONNRESET ? "bye"
	         : err             ? strerror(err)
	                           : "final response",
	         msg ? msg->scode : 0);
	agent_leg_free(c);
	mem_ref(c);
	if (was_talking) {
		/* The agent hung up: the call ends (agent to wrap-up) and the caller gets BYE. */
		feed(c, FEED_HANGUP);
		tel_call_drop(c);
	} else {
		/* Busy, declined, unreachable or timed out: the engine re-queues the call and
		 * pauses the agent. */
		feed(c, FEED_REJECT);
		if (c->le.list && !c->agent.sess)
			media_tone(c->caller.media, true);
	}
	mem_deref(c);
}

/* The agent's phone from users.sip_uri; ENOENT when none is set. */
static int agent_uri(struct tel *t, uint32_t agent, char *uri, size_t n)
{
	struct stmt *s;
	int err;

	err = db_prepare(t->app->db, &s, "SELECT sip_uri FROM users WHERE id = ? AND active = 1",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, agent);
	err = ENOENT;
	if (stmt_step(s) == DB_ROW && stmt_text(s, 0) && stmt_text(s, 0)[0]) {
		(void)re_snprintf(uri, n, "%s", stmt_text(s, 0));
		err = 0;
	}
	stmt_done(s);
	return err;
}

/* ---- the engine's actions ----------------------------------------------- */

void tel_call_queued(struct tel_call *c)
{
	answer(c);
	if (!c->agent.sess)
		media_tone(c->caller.media, true);
}

void tel_call_offer(struct tel_call *c, uint32_t agent)
{
	struct tel *t = c->tel;
	struct mbuf *desc = NULL;
	const char *caller = NULL;
	char uri[256], from[128];
	struct acd_call_info info;
	uint64_t eid;
	int err;

	answer(c);
	if (c->agent.sess)
		agent_leg_free(c);
	err = agent_uri(t, agent, uri, sizeof(uri));
	if (err) {
		/* No phone: the agent may still answer from the desktop; the engine's offer
		 * timeout moves the call on otherwise. */
		log_warn("tel.offer", "call=%lld agent=%u sip_uri=none", (long long)c->id, agent);
		return;
	}
	if (acd_host_call_engine_id(host(c), c->id, &eid) == 0 &&
	    acd_call_info(acd_host_engine(host(c), acd_now_ms()), eid, &info) == 0 &&
	    info.caller[0])
		caller = info.caller;
	(void)re_snprintf(from, sizeof(from), "sip:%s@%J", caller ? caller : "anonymous",
	                  &t->laddr);
	err = media_alloc(&c->agent.media, &t->media_ip);
	if (!err)
		err = media_offer(c->agent.media, &desc);
	if (!err)
		err = sipsess_connect(&c->agent.sess, t->sock, uri, caller ? caller : "Lotsen",
		                      from, CUSER, NULL, 0, "application/sdp", desc, NULL, NULL,
		                      false, agent_offer_h, agent_answer_h, agent_progr_h,
		                      agent_estab_h, NULL, NULL, agent_close_h, c,
		                      "X-Lotsen-Call: %lld\r\n" ALLOW, (long long)c->id);
	mem_deref(desc);
	if (err) {
		log_warn("tel.offer", "call=%lld agent=%u uri=\"%s\" error=\"%s\"",
		         (long long)c->id, agent, uri, strerror(err));
		agent_leg_free(c);
		feed(c, FEED_REJECT);
		return;
	}
	c->agent_id = agent;
	log_info("tel.offer", "call=%lld agent=%u uri=\"%s\"", (long long)c->id, agent, uri);
}

void tel_call_cancel_offer(struct tel_call *c, uint32_t agent)
{
	if (c->talking || c->agent_id != agent || !c->agent.sess)
		return;
	log_info("tel.offer", "call=%lld agent=%u cancelled=true", (long long)c->id, agent);
	agent_leg_free(c);
	media_tone(c->caller.media, true);
}

void tel_call_connect(struct tel_call *c, uint32_t agent)
{
	c->talking = true;
	if (c->agent_id != agent || !c->agent.up)
		log_info("tel.connect", "call=%lld agent=%u phone=not_answered", (long long)c->id,
		         agent);
	bridge(c);
}

void tel_call_recheck(struct tel_call *c)
{
	struct acd_call_info info;
	uint64_t eid;

	if (!c->known)
		return;
	if (acd_host_call_engine_id(host(c), c->id, &eid) == 0 &&
	    acd_call_info(acd_host_engine(host(c), acd_now_ms()), eid, &info) == 0)
		return;
	log_info("tel.hangup", "call=%lld side=engine talking=%s", (long long)c->id,
	         c->talking ? "true" : "false");
	tel_call_drop(c);
}

static void close_tmr_h(void *arg)
{
	tel_call_drop(arg);
}

void tel_call_closed(struct tel_call *c)
{
	c->known = false; /* the engine has ended it */
	answer(c);
	tmr_start(&c->tmr, CLOSED_TONE_MS, close_tmr_h, c);
}

void tel_call_forward(struct tel_call *c, const char *number)
{
	c->known = false;
	if (!c->answered && c->caller.sess && number && number[0]) {
		int err = sipsess_reject(c->caller.sess, 302, "Moved Temporarily",
		                         "Contact: <sip:%s@%s>\r\nContent-Length: 0\r\n\r\n",
		                         number, c->host);
		log_info("tel.forward", "call=%lld number=%s via=302 error=\"%s\"",
		         (long long)c->id, number, err ? strerror(err) : "none");
	} else {
		log_info("tel.forward", "call=%lld number=%s via=bye", (long long)c->id,
		         number ? number : "");
	}
	tel_call_drop(c);
}
