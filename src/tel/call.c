/* A call: the caller's SIP leg into the queue, the agent's leg it is offered to, and what
 * the engine is told when either side answers, declines or hangs up. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tel/tel_int.h" /* first: libre headers have no include guards */
#include <re_mem.h>
#include <re_uri.h>
#include <re_msg.h>
#include <re_sip.h>
#include <re_sipsess.h>

#include "acdhost/acd_host.h"
#include "base/log.h"
#include "core/app.h"
#include "store/batch.h"
#include "base/contact.h"
#include "tel/tel.h"
#include "tel/tel_store.h"

#define CUSER          "lotsen" /* our Contact user part */
#define ALLOW          "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO\r\n"
#define MENU_TIMEOUT_S 5      /* a menu without timeout_s waits this long for a digit */
#define MENU_PROMPT    "meny" /* a menu without prompt plays this */

struct leg {
	struct sipsess *sess; /* the dialog; freeing it sends 486, CANCEL or BYE */
	struct media *media;  /* its RTP */
	bool up;              /* answered and acknowledged */
};

/* Packets counted on a leg, kept after its media is freed for the call's last log line. */
struct leg_counts {
	uint64_t rx, tx, relayed;
};

/* Where the caller is, for what a digit means. */
enum phase {
	PH_DIRECT = 0, /* straight to the group (no menu) */
	PH_MENU,       /* listening to the entry number's menu */
	PH_QUEUE,      /* in the engine: queued, ringing or talking */
	PH_CB_CONFIRM, /* callback accepted; the confirmation plays, then we hang up */
	PH_CB_WAIT,    /* no line: the engine keeps the place */
	PH_CB_DIAL,    /* we are calling the citizen back */
	PH_OUTSIDE,    /* transferred out: the agent's leg now goes to an outside number */
};

struct tel_call {
	struct le le;                   /* in tel->calls, which holds one reference */
	struct tel *tel;                /* borrowed; outlives its calls */
	int64_t id;                     /* the API's call id, 0 before the engine took the call */
	bool known;                     /* the engine still has the call: tell it when it ends */
	bool answered;                  /* 200 OK sent to the caller */
	bool answering;                 /* the 200 OK waits for the turn's writes on disk */
	bool talking;                   /* the engine connected caller and agent */
	struct leg caller;              /* the citizen's leg */
	struct leg agent;               /* the agent's phone, while ringing or talking */
	uint32_t agent_id;              /* whose phone agent is; 0 when none */
	struct mbuf *answer;            /* our SDP answer until the 200 OK carries it */
	struct tmr tmr;                 /* after the closed prompt, or the callback confirmation */
	void (*gone_h)(void *arg);      /* the watcher (a coach listening in), or NULL */
	void *gone_arg;                 /* its argument */
	struct leg_counts cc, ac;       /* caller's and agents' packet counts */
	char host[64];                  /* the request URI's host, for 302 Contacts */
	enum phase phase;               /* what a digit means now */
	json_t *menu_root;              /* the entry number's menu while in it; owned */
	json_t *menu;                   /* the (sub)menu the caller is in; borrowed from the root */
	int menu_tries;                 /* invalid digits so far */
	int menu_silent;                /* times the menu timed out without a digit */
	char ivr[8];                    /* the digits chosen through the menus */
	bool greeted;                   /* the crisis message (if on) has played */
	uint32_t ann_group;             /* the group whose announcement has played */
	struct tmr menu_tmr;            /* no digit in time: the default group */
	uint32_t group;                 /* the entry number's group */
	char entry[ACD_NUMBER_MAX];     /* the number dialled */
	char caller_no[ACD_NUMBER_MAX]; /* the caller's number, "" withheld */
	char contact[80];               /* host:port of the caller's Contact, for callbacks */
	int said_pos, said_min;         /* the last announcement, not repeated unchanged */
	bool welcomed;                  /* the welcome prompt has played */
	bool callback;                  /* a callback call: the engine is not told of answers */
	bool cb_offered;                /* the engine offered a callback: "1" accepts */
	uint32_t cb_agent;              /* the agent reserved for the callback being dialled */
	char digits[8];                 /* received, handled on the next loop step */
	struct tmr dtmf_tmr;            /* runs digits_tmr_h for the digits above */
	char sip_callid[128];           /* the caller leg's SIP Call-ID */
	char agent_callid[128];         /* the answered agent leg's SIP Call-ID */
	int64_t arrived_ms;             /* in the queue (or back in it after a transfer) */
	int64_t answered_ms;            /* the agent's phone answered; 0 not yet */
	uint32_t talked_agent;          /* who answered, for the call record */
	const char *end_reason;         /* why the call ends, for its record; NULL: derived */
	struct recorder *rec;           /* the recording while one runs; owned */
	char rec_path[512];             /* its file */
	bool survey_offered;            /* the survey offer has played (once per call) */
	bool survey_last;               /* it was the last offer: "1" opts in */
	bool survey_optin;              /* the caller pressed 1: call back after the call */
	uint32_t survey_agent;          /* the agent who talked last, for the answers */
	char out_number[ACD_NUMBER_MAX]; /* a REFER's outside number, transferred next step */
	uint32_t out_agent;              /* the agent who asked for it */
	char lang[ACD_LANG_MAX];         /* the language asked for (entry number, menu); "" any */
	bool urgent;                     /* the caller chose an urgent menu option */
	bool menu_out;                   /* the menu sent the caller to an outside number */
	char outside[ACD_NUMBER_MAX];    /* the outside number the call went to, for its record */
	char note[TEL_NOTE_MAX];         /* the transfer note that follows the call */
	struct leg consult;              /* the consulted party while the agent consults */
	uint32_t consult_agent;          /* the agent consulted; 0: an outside number */
	char consult_number[ACD_NUMBER_MAX]; /* the outside number consulted, "" an agent */
	int64_t consult_answered_ms;         /* the consulted party answered */
	bool consult_done;                   /* completed: `agent` is now the consulted party */
	uint32_t consult_held;  /* the consulted agent the queue keeps busy for this call; 0 none */
	uint32_t consult_group; /* completed: the group whose wrap-up follows; 0 not completed */
	uint32_t consult_by;    /* completed: the agent who consulted and handed the caller over */
	json_t *handed;         /* completed: the queue's view of the call at the hand-over */
};

static int feed(struct tel_call *c, int what);
static void consult_release(struct tel_call *c);

static void call_destructor(void *arg)
{
	struct tel_call *c = arg;

	tmr_cancel(&c->tmr);
	tmr_cancel(&c->menu_tmr);
	tmr_cancel(&c->dtmf_tmr);
	json_decref(c->menu_root);
	json_decref(c->handed);
	list_unlink(&c->le);
	mem_deref(c->consult.sess);
	mem_deref(c->consult.media);
	mem_deref(c->agent.sess);
	mem_deref(c->agent.media);
	mem_deref(c->caller.sess);
	mem_deref(c->caller.media);
	mem_deref(c->answer);
	mem_deref(c->rec); /* after both media: they borrow it */
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

/* Write the call record of the caller leg and the agent leg it talked to (if any), and
 * stop the recording; the next pair (after a transfer) starts now. */
static void record_pair(struct tel_call *c, const char *reason)
{
	struct tel_record r;
	int err;

	if (!c->id && !c->menu_out) /* a menu's outside call never had a queue id */
		return;
	memset(&r, 0, sizeof(r));
	r.call_id = c->id;
	(void)re_snprintf(r.caller_callid, sizeof(r.caller_callid), "%s", c->sip_callid);
	(void)re_snprintf(r.agent_callid, sizeof(r.agent_callid), "%s", c->agent_callid);
	(void)re_snprintf(r.caller, sizeof(r.caller), "%s", c->caller_no);
	(void)re_snprintf(r.entry, sizeof(r.entry), "%s", c->entry);
	r.group = c->group;
	r.agent = c->talked_agent;
	r.arrived_ms = c->arrived_ms;
	r.answered_ms = c->answered_ms;
	r.ended_ms = acd_now_ms();
	r.end_reason = reason ? reason : c->answered_ms ? "ended" : "abandoned";
	(void)re_snprintf(r.outside, sizeof(r.outside), "%s", c->outside);
	(void)re_snprintf(r.note, sizeof(r.note), "%s", c->note);
	(void)re_snprintf(r.lang, sizeof(r.lang), "%s", c->lang);
	if (c->rec) {
		media_record(c->caller.media, NULL, 0);
		media_record(c->agent.media, NULL, 0);
		r.recording_ms = recorder_stop(c->rec);
		c->rec = mem_deref(c->rec);
		(void)re_snprintf(r.recording, sizeof(r.recording), "%s", c->rec_path);
	}
	/* Acknowledged to nobody (the BYE's 200 went out from libre already): it joins the
	 * turn's batch rather than waiting for the disk on the loop. */
	(void)db_batch_join(c->tel->app->batch);
	err = tel_store_record(c->tel->app->db, &r);
	log_info("tel.record", "call=%lld agent=%u reason=%s recording_ms=%lld error=\"%s\"",
	         (long long)c->id, r.agent, r.end_reason, (long long)r.recording_ms,
	         err ? strerror(err) : "none");
	c->answered_ms = 0;
	c->talked_agent = 0;
	c->agent_callid[0] = '\0';
	c->rec_path[0] = '\0';
	c->arrived_ms = r.ended_ms;
}

int tel_call_record(struct tel_call *c, uint32_t agent)
{
	int err;

	if (!c->talking || !c->agent.up || !agent || agent != c->agent_id)
		return EPERM;
	if (c->rec)
		return 0;
	if (mkdir(c->tel->rec_dir, 0750) != 0 && errno != EEXIST)
		log_warn("tel.record", "dir=\"%s\" error=\"%s\"", c->tel->rec_dir, strerror(errno));
	(void)re_snprintf(c->rec_path, sizeof(c->rec_path), "%s/call-%lld-%lld.wav",
	                  c->tel->rec_dir, (long long)c->id, (long long)acd_now_ms());
	err = recorder_alloc(&c->rec, c->rec_path);
	if (err) {
		log_warn("tel.record", "call=%lld file=\"%s\" error=\"%s\"", (long long)c->id,
		         c->rec_path, strerror(err));
		c->rec_path[0] = '\0';
		return EIO;
	}
	media_record(c->caller.media, c->rec, 0);
	media_record(c->agent.media, c->rec, 1);
	log_info("tel.record", "call=%lld agent=%u file=\"%s\"", (long long)c->id, agent,
	         c->rec_path);
	return 0;
}

int tel_call_watch(struct tel_call *c, void (*gone_h)(void *arg), void *arg)
{
	if (c->gone_h)
		return EBUSY;
	c->gone_h = gone_h;
	c->gone_arg = arg;
	return 0;
}

void tel_call_unwatch(struct tel_call *c, void *arg)
{
	if (c->gone_arg == arg)
		c->gone_h = NULL;
}

/* The call ends or moves on: its watcher (there is at most one) is told, once. */
static void tell_watcher(struct tel_call *c)
{
	void (*h)(void *) = c->gone_h;

	c->gone_h = NULL;
	if (h)
		h(c->gone_arg);
}

bool tel_call_bridged(const struct tel_call *c)
{
	return c->talking && c->agent.up && c->caller.media && c->agent.media;
}

int tel_call_monitor(struct tel_call *c, struct recorder *mix)
{
	if (mix && !tel_call_bridged(c))
		return EBUSY;
	media_monitor(c->caller.media, mix, 0);
	media_monitor(c->agent.media, mix, 1);
	return 0;
}

void tel_call_end_reason(struct tel_call *c, const char *reason)
{
	if (c && !c->end_reason)
		c->end_reason = reason;
}

/* The call ends: an opted-in caller who talked to an agent is called back for the survey,
 * if the group's survey is still running (max_answers not reached). */
static void survey_after(struct tel_call *c)
{
	struct tel_policy pol;

	if (!c->survey_optin || !c->survey_agent || !c->id || c->tel->closing)
		return;
	c->survey_optin = false;
	if (tel_store_policy(c->tel->app->db, c->group, &pol) != 0)
		return;
	if (pol.survey)
		tel_survey_start(c->tel, c->id, c->group, c->survey_agent, c->caller_no, c->contact,
		                 c->entry, json_object_get(pol.survey, "questions"));
	json_decref(pol.survey);
}

void tel_call_drop(struct tel_call *c)
{
	if (!c || !c->le.list)
		return;
	tell_watcher(c);
	survey_after(c);
	consult_release(c);
	/* Written when it was transferred out, unless the outside party is the call's own
	 * (the menu's number, the consulted party). */
	if (c->phase != PH_OUTSIDE || c->menu_out || c->consult_done)
		record_pair(c, c->end_reason);
	if (c->consult.media)
		add_counts(&c->ac, c->consult.media);
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

enum { FEED_HANGUP, FEED_REJECT, FEED_ANSWER, FEED_CB_ACCEPT, FEED_CB_OK, FEED_CB_FAIL };

static const char *const feed_names[] = {"hangup",   "reject",      "answer",
                                         "callback", "callback_ok", "callback_failed"};

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
	case FEED_CB_ACCEPT:
		err = acd_callback_accept(e, now, eid);
		break;
	case FEED_CB_OK:
	case FEED_CB_FAIL:
		err = acd_callback_result(e, now, eid, what == FEED_CB_OK);
		break;
	default:
		err = acd_call_answer(e, now, eid);
		break;
	}
	acd_host_flush(host(c), now);
	if (err)
		log_info("tel.engine", "call=%lld op=%s error=\"%s\"", (long long)c->id,
		         feed_names[what], strerror(err));
	return err;
}

void tel_call_hangup(struct tel_call *c)
{
	mem_ref(c);
	feed(c, FEED_HANGUP);
	tel_call_drop(c);
	mem_deref(c);
}

void tel_call_rtp_check(struct tel_call *c, uint64_t now, uint64_t limit_ms)
{
	uint64_t caller = c->caller.up ? media_silence(c->caller.media, now) : 0;
	uint64_t agent = c->agent.up ? media_silence(c->agent.media, now) : 0;
	bool by_caller = caller >= limit_ms;

	/* The callback confirmation ends by itself, and the place is kept then. */
	if (!limit_ms || c->phase == PH_CB_CONFIRM || (!by_caller && agent < limit_ms))
		return;
	log_info("tel.rtp_timeout", "call=%lld side=%s silent_ms=%llu talking=%s agent=%u",
	         (long long)c->id,
	         by_caller                ? "caller"
	         : c->phase == PH_OUTSIDE ? "outside"
	                                  : "agent",
	         (unsigned long long)(by_caller ? caller : agent), c->talking ? "true" : "false",
	         c->agent_id);
	if (by_caller)
		c->survey_optin = false; /* no survey call to a phone that has vanished */
	tel_call_end_reason(c, "rtp_timeout");
	tel_call_hangup(c);
}

/* ---- the caller's leg ---------------------------------------------------- */

static void answer_now(struct tel_call *c)
{
	int err;

	c->answering = false;
	if (c->answered || !c->caller.sess)
		return;
	err = sipsess_answer(c->caller.sess, 200, "OK", c->answer, ALLOW);
	c->answer = mem_deref(c->answer);
	if (err) {
		log_warn("tel.answer", "call=%lld error=\"%s\"", (long long)c->id, strerror(err));
		return;
	}
	c->answered = true;
}

/* The turn's writes (the call's arrival in the event log) are on disk, or failed. */
static void answer_stored_h(int err, bool committed, void *arg)
{
	struct tel_call *c = arg;

	if (c->answering && c->le.list) {
		if (!err) {
			answer_now(c);
		} else {
			/* The caller is not told the call was taken when its arrival was not
			 * stored: 503, and the engine lets it go. */
			log_error("tel.answer", "call=%lld stored=false committed=%s error=\"%s\"",
			          (long long)c->id, committed ? "true" : "false", strerror(err));
			c->answering = false;
			if (c->caller.sess)
				(void)sipsess_reject(c->caller.sess, 503, "Service Unavailable",
				                     NULL);
			tel_call_end_reason(c, "storage");
			tel_call_hangup(c);
		}
	}
	mem_deref(c);
}

/* The caller's 200 OK. What the engine wrote for the call this turn (its arrival, its
 * queueing) is in the loop's open batch: the 200 goes out once the batch's fsync is done,
 * so an answered call is never missing from the event log after a crash. The media
 * (tone, prompts) starts at once, as the caller may hear it before the 200 arrives. */
static void answer(struct tel_call *c)
{
	struct db_batch *b = c->tel->app->batch;

	if (c->answered || c->answering || !c->caller.sess)
		return;
	media_tone(c->caller.media, true);
	if (!db_batch_open(b)) {
		answer_now(c);
		return;
	}
	c->answering = true;
	mem_ref(c);
	if (db_batch_wait(b, answer_stored_h, c) != 0) {
		mem_deref(c);
		answer_now(c);
	}
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
	if (c->phase == PH_CB_CONFIRM || (c->phase == PH_CB_DIAL && !c->caller.up)) {
		/* Gone before the confirmation ended (the place is kept), or the citizen did
		 * not answer our callback (busy, declined, no answer: the engine retries). */
		bool dialled = c->phase == PH_CB_DIAL;
		add_counts(&c->cc, c->caller.media);
		c->caller.sess = mem_deref(c->caller.sess);
		c->caller.media = mem_deref(c->caller.media);
		c->phase = PH_CB_WAIT;
		c->callback = true;
		if (dialled) {
			log_info("tel.callback", "call=%lld answered=false scode=%u",
			         (long long)c->id, msg ? msg->scode : 0);
			feed(c, FEED_CB_FAIL);
		}
		return;
	}
	if (!c->end_reason)
		c->end_reason = c->talking || c->consult_done || c->menu_out ? "caller_hangup"
		                                                             : "abandoned";
	feed(c, FEED_HANGUP);
	tel_call_drop(c);
}

/* ---- prompts and digits --------------------------------------------------- */

/* Play `pre` (announcements, borrowed) then prompts by name on the caller's leg; a missing
 * one is skipped (none left: a beep). */
static void say_with(struct tel_call *c, struct prompt *const *pre, size_t npre,
                     const char *const *names, size_t n, bool append, media_done_h *doneh)
{
	struct prompt *p[16];
	size_t k = 0;

	for (size_t i = 0; i < npre && k < sizeof(p) / sizeof(p[0]); i++)
		if (pre[i])
			p[k++] = pre[i];
	for (size_t i = 0; i < n && k < sizeof(p) / sizeof(p[0]); i++) {
		p[k] = prompt_find(&c->tel->prompts, names[i]);
		if (p[k])
			k++;
		else
			log_debug("tel.prompt", "call=%lld name=%s missing=true", (long long)c->id,
			          names[i]);
	}
	media_play(c->caller.media, p, k, append, doneh, c);
}

static void say(struct tel_call *c, const char *const *names, size_t n, bool append,
                media_done_h *doneh)
{
	say_with(c, NULL, 0, names, n, append, doneh);
}

/* The crisis message, once per call, when an administrator has switched it on. */
static struct prompt *crisis(struct tel_call *c)
{
	struct prompt *p;

	if (c->greeted)
		return NULL;
	c->greeted = true;
	p = tel_announcement(c->tel, 0);
	if (p)
		log_info("tel.crisis", "call=%lld entry=%s played=true", (long long)c->id,
		         c->entry);
	return p;
}

static void digits_tmr_h(void *arg)
{
	struct tel_call *c = arg;

	mem_ref(c);
	while (c->digits[0] && c->le.list) {
		char d = c->digits[0];
		memmove(c->digits, c->digits + 1, sizeof(c->digits) - 1);
		tel_call_digit(c, d);
	}
	mem_deref(c);
}

/* From the media's receive handler: the digit is handled on the next loop step, because
 * handling it may free the media. */
static void caller_dtmf_h(char digit, void *arg)
{
	struct tel_call *c = arg;
	size_t n = strlen(c->digits);

	if (n + 1 < sizeof(c->digits)) {
		c->digits[n] = digit;
		c->digits[n + 1] = '\0';
	}
	tmr_start(&c->dtmf_tmr, 0, digits_tmr_h, c);
}

/* SIP INFO with application/dtmf-relay ("Signal=1"), for phones without RFC 4733. */
static void caller_info_h(struct sip *sip, const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;
	const char *b = msg->mb ? (const char *)mbuf_buf(msg->mb) : NULL;
	size_t n = msg->mb ? mbuf_get_left(msg->mb) : 0, i;
	char d = 0;

	for (i = 0; b && i + 7 < n; i++) {
		if (!memcmp(b + i, "Signal=", 7)) {
			for (i += 7; i < n && b[i] == ' '; i++)
				;
			if (i < n && strchr("0123456789*#", b[i]) && b[i])
				d = b[i];
			break;
		}
	}
	if (!d || !msg_ctype_cmp(&msg->ctyp, "application", "dtmf-relay")) {
		(void)sip_treply(NULL, sip, msg, 415, "Unsupported Media Type");
		return;
	}
	(void)sip_treply(NULL, sip, msg, 200, "OK");
	caller_dtmf_h(d, c);
}

/* ---- the menu ------------------------------------------------------------ */

static int arrive(struct tel_call *c, uint32_t group, const char *ivr);

/* A setting of the menu the caller is in, else of the entry number's menu. */
static json_t *menu_get(const struct tel_call *c, const char *key)
{
	json_t *v = json_object_get(c->menu, key);

	return v ? v : json_object_get(c->menu_root, key);
}

static json_int_t menu_int(const struct tel_call *c, const char *key, json_int_t lo, json_int_t hi,
                           json_int_t def)
{
	json_t *v = menu_get(c, key);

	return json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi
	               ? json_integer_value(v)
	               : def;
}

static uint32_t menu_default(const struct tel_call *c)
{
	json_int_t d = menu_int(c, "default_group", 1, UINT32_MAX, 0);

	return d > 0 ? (uint32_t)d : c->group;
}

static void menu_route(struct tel_call *c, uint32_t group, const char *ivr)
{
	int err;

	tmr_cancel(&c->menu_tmr);
	media_stop(c->caller.media);
	if (!acd_host_has_group(host(c), group))
		group = menu_default(c);
	json_decref(c->menu_root);
	c->menu_root = c->menu = NULL;
	mem_ref(c);
	err = arrive(c, group, ivr);
	if (err) {
		log_warn("tel.menu", "entry=%s group=%u error=\"%s\"", c->entry, group,
		         strerror(err));
		tel_call_drop(c);
	}
	mem_deref(c);
}

static void menu_play(struct tel_call *c, const char *first);

static void menu_timeout_h(void *arg)
{
	struct tel_call *c = arg;

	log_info("tel.menu", "entry=%s digit=none", c->entry);
	/* No input: the menu again as often as it says, then the default group. */
	if (c->menu_silent++ < menu_int(c, "no_input_repeats", 0, 3, 0)) {
		menu_play(c, NULL);
		return;
	}
	menu_route(c, menu_default(c), c->ivr);
}

static void menu_prompt_done_h(void *arg)
{
	struct tel_call *c = arg;
	json_int_t s = menu_int(c, "timeout_s", 1, 60, MENU_TIMEOUT_S);

	tmr_start(&c->menu_tmr, (uint64_t)s * 1000, menu_timeout_h, c);
}

static void menu_play(struct tel_call *c, const char *first)
{
	const char *prompt = json_string_value(json_object_get(c->menu, "prompt"));
	struct prompt *pre;
	const char *names[2];
	size_t n = 0;

	if (first)
		names[n++] = first;
	names[n++] = prompt ? prompt : MENU_PROMPT;
	tmr_cancel(&c->menu_tmr);
	pre = crisis(c);
	say_with(c, &pre, pre ? 1 : 0, names, n, false, menu_prompt_done_h);
}

static int out_answer_h(const struct sip_msg *msg, void *arg);
static void out_estab_h(const struct sip_msg *msg, void *arg);
static void out_close_h(int err, const struct sip_msg *msg, void *arg);
static int agent_offer_h(struct mbuf **descp, const struct sip_msg *msg, void *arg);
static void agent_progr_h(const struct sip_msg *msg, void *arg);

/* Relay the answered caller to an outside number through the outbound trunk; the outside
 * leg is the call's own and the call's record, written when it ends, says where it went.
 * ENOTSUP: no outbound trunk (nothing changed); the call may be dropped on other errors. */
static int relay_outside(struct tel_call *c, const char *num, const char *what)
{
	struct tel *t = c->tel;
	struct mbuf *desc = NULL;
	char uri[160], from[128];
	int64_t trunk = 0;
	int err;

	tel_trunk_route(t, num, "", c->entry, uri, sizeof(uri), from, sizeof(from), &trunk);
	if (!trunk)
		return ENOTSUP;
	c->phase = PH_OUTSIDE;
	c->menu_out = true;
	c->arrived_ms = acd_now_ms();
	(void)re_snprintf(c->outside, sizeof(c->outside), "%s", num);
	log_info(what, "call=%lld entry=%s ivr=\"%s\" dial=\"%s\" trunk=%lld", (long long)c->id,
	         c->entry, c->ivr, uri, (long long)trunk);
	media_tone(c->caller.media, true);
	err = media_alloc(&c->agent.media, &t->media_ip, t->clock);
	if (!err)
		err = media_offer(c->agent.media, &desc);
	if (!err)
		err = sipsess_connect(&c->agent.sess, t->sock, uri,
		                      c->caller_no[0] ? c->caller_no : "Lotsen", from, CUSER, NULL,
		                      0, "application/sdp", desc, NULL, NULL, false, agent_offer_h,
		                      out_answer_h, agent_progr_h, out_estab_h, NULL, NULL,
		                      out_close_h, c, "X-Lotsen-Entry: %s\r\n" ALLOW, c->entry);
	mem_deref(desc);
	if (err) {
		log_warn(what, "call=%lld entry=%s dial=failed error=\"%s\"", (long long)c->id,
		         c->entry, strerror(err));
		tel_call_end_reason(c, "outside_failed");
		tel_call_drop(c);
	}
	return 0;
}

/* A menu option to an outside number (the switchboard, an on-call line): the caller is
 * relayed to it and never queues. Without a trunk the caller goes to the menu's default
 * group instead. */
static void menu_outside(struct tel_call *c, const char *number)
{
	char num[ACD_NUMBER_MAX];

	tmr_cancel(&c->menu_tmr);
	media_stop(c->caller.media);
	if (contact_phone_normalize(number, num, sizeof(num)) != 0 ||
	    relay_outside(c, num, "tel.menu_outside") == ENOTSUP) {
		log_warn("tel.menu", "entry=%s outside=\"%s\" trunk=none", c->entry, number);
		menu_route(c, menu_default(c), c->ivr);
		return;
	}
	json_decref(c->menu_root);
	c->menu_root = c->menu = NULL;
}

static void menu_digit(struct tel_call *c, char d)
{
	const json_t *opt = tel_menu_option(c->menu, d);
	json_t *g = json_object_get(opt, "group"), *a = json_object_get(opt, "announcement");
	json_t *sub = json_object_get(opt, "menu");
	const char *inv = json_string_value(menu_get(c, "invalid_prompt"));
	size_t n = strlen(c->ivr);

	log_info("tel.menu", "entry=%s digit=%c", c->entry, d);
	media_stop(c->caller.media); /* barge-in */
	if (opt && n + 1 < sizeof(c->ivr)) {
		c->ivr[n] = d;
		c->ivr[n + 1] = '\0';
	}
	if (json_is_integer(g) && json_integer_value(g) > 0) {
		const char *lang = json_string_value(json_object_get(opt, "lang"));
		if (lang && tel_lang_ok(lang))
			(void)re_snprintf(c->lang, sizeof(c->lang), "%s", lang);
		if (json_is_true(json_object_get(opt, "urgent")))
			c->urgent = true;
		menu_route(c, (uint32_t)json_integer_value(g), c->ivr);
	} else if (json_is_string(json_object_get(opt, "outside"))) {
		menu_outside(c, json_string_value(json_object_get(opt, "outside")));
	} else if (json_is_object(sub)) {
		c->menu = sub;
		c->menu_tries = c->menu_silent = 0;
		menu_play(c, NULL);
	} else if (json_is_true(json_object_get(opt, "repeat"))) {
		c->ivr[n] = '\0';
		menu_play(c, NULL);
	} else if (json_is_string(a)) {
		c->ivr[n] = '\0';
		menu_play(c, json_string_value(a));
	} else if (c->menu_tries++ < menu_int(c, "max_invalid", 1, 5, 1)) {
		menu_play(c, inv ? inv : "ogiltigt_val");
	} else {
		menu_route(c, menu_default(c), "");
	}
}

static void callback_confirmed_tmr_h(void *arg)
{
	struct tel_call *c = arg;

	/* The engine keeps the place; the line is let go (BYE). */
	add_counts(&c->cc, c->caller.media);
	c->caller.sess = mem_deref(c->caller.sess);
	c->caller.media = mem_deref(c->caller.media);
	c->caller.up = false;
	c->answered = false;
	c->phase = PH_CB_WAIT;
	c->callback = true;
	log_info("tel.callback", "call=%lld line=released", (long long)c->id);
}

static void callback_confirmed_h(void *arg)
{
	struct tel_call *c = arg;

	/* Not inside the media's own timer: the media goes. */
	tmr_start(&c->tmr, 0, callback_confirmed_tmr_h, c);
}

void tel_call_digit(struct tel_call *c, char digit)
{
	static const char *const confirm[] = {"callback_bekraftelse"};

	switch (c->phase) {
	case PH_MENU:
		menu_digit(c, digit);
		break;
	case PH_QUEUE:
		if (digit == '1' && c->survey_last && !c->survey_optin && !c->talking) {
			c->survey_optin = true;
			c->survey_last = false;
			log_info("tel.survey", "call=%lld optin=true", (long long)c->id);
			break;
		}
		if (digit != '1' || !c->cb_offered || c->talking || c->agent.sess)
			break;
		if (feed(c, FEED_CB_ACCEPT) != 0)
			break;
		log_info("tel.callback", "call=%lld accepted=true contact=\"%s\"", (long long)c->id,
		         c->contact);
		c->phase = PH_CB_CONFIRM;
		say(c, confirm, 1, false, callback_confirmed_h);
		break;
	default:
		break;
	}
}

/* Into the engine with the group the entry number or the menu chose; what it decided
 * (queued, offered, closed, forwarded) is done right away, so a forward can still be a
 * 302; anything else is answered. */
static int arrive(struct tel_call *c, uint32_t group, const char *ivr)
{
	struct tel *t = c->tel;
	struct acd_call_in ci;
	uint64_t eid;
	int64_t now;
	int err;

	memset(&ci, 0, sizeof(ci));
	ci.group = group;
	(void)re_snprintf(ci.entry, sizeof(ci.entry), "%s", c->entry);
	(void)re_snprintf(ci.ivr, sizeof(ci.ivr), "%s", ivr);
	(void)re_snprintf(ci.caller, sizeof(ci.caller), "%s", c->caller_no);
	(void)re_snprintf(ci.lang, sizeof(ci.lang), "%s", c->lang);
	ci.urgent = c->urgent;
	now = acd_now_ms();
	err = acd_call_arrive(acd_host_engine(t->app->acd, now), now, &ci, &eid);
	if (err)
		return err;
	c->id = acd_host_call_id(t->app->acd, eid);
	c->known = true;
	c->group = group;
	c->arrived_ms = now;
	c->phase = PH_QUEUE;
	log_info(
	        "tel.invite",
	        "result=accepted call=%lld group=%u entry=%s ivr=\"%s\" codec=%s lang=%s urgent=%s",
	        (long long)c->id, group, c->entry, ivr, media_codec(c->caller.media),
	        c->lang[0] ? c->lang : "any", c->urgent ? "true" : "false");
	mem_ref(c);
	acd_host_flush(t->app->acd, now);
	tel_run_actions(t);
	if (c->le.list)
		answer(c);
	mem_deref(c);
	return 0;
}

void tel_call_incoming(struct tel *t, const struct sip_msg *msg, uint32_t group, const char *entry,
                       const char *caller, json_t *menu)
{
	const struct sip_hdr *ch = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	struct sip_addr ca;
	struct tel_call *c;
	int err;

	c = mem_zalloc(sizeof(*c), call_destructor);
	if (!c) {
		json_decref(menu);
		(void)sip_treply(NULL, t->sip, msg, 500, "Server Internal Error");
		return;
	}
	c->tel = t;
	c->menu_root = c->menu = menu;
	c->group = group;
	tmr_init(&c->tmr);
	tmr_init(&c->menu_tmr);
	tmr_init(&c->dtmf_tmr);
	list_append(&t->calls, &c->le, c);
	(void)pl_strcpy(&msg->uri.host, c->host, sizeof(c->host));
	(void)re_snprintf(c->entry, sizeof(c->entry), "%s", entry);
	(void)re_snprintf(c->caller_no, sizeof(c->caller_no), "%s", caller);
	(void)pl_strcpy(&msg->callid, c->sip_callid, sizeof(c->sip_callid));
	tel_store_entry_language(t->app->db, c->entry, c->lang, sizeof(c->lang));
	/* Where a callback goes while there is no trunk: the caller's own host and port. */
	if (ch && sip_addr_decode(&ca, &ch->val) == 0 && pl_isset(&ca.uri.host)) {
		if (ca.uri.port)
			(void)re_snprintf(c->contact, sizeof(c->contact), "%r:%u", &ca.uri.host,
			                  ca.uri.port);
		else
			(void)re_snprintf(c->contact, sizeof(c->contact), "%r", &ca.uri.host);
	}

	err = media_alloc(&c->caller.media, &t->media_ip, t->clock);
	if (err) {
		log_error("tel.media", "error=\"%s\"", strerror(err));
		(void)sip_treply(NULL, t->sip, msg, 500, "Server Internal Error");
		goto drop;
	}
	media_set_dtmf(c->caller.media, caller_dtmf_h, c);
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
	                     caller_answer_h, caller_estab_h, caller_info_h, NULL, caller_close_h,
	                     c, ALLOW);
	if (err) {
		/* No dialog could be made of it (a From without tag, a bad Contact). */
		log_info("tel.invite", "result=400 error=\"%s\"", strerror(err));
		(void)sip_treply(NULL, t->sip, msg, 400, "Bad Request");
		goto drop;
	}
	if (c->menu) {
		/* The menu first: answered at once, the engine hears of the call on a choice. */
		log_info("tel.invite", "result=menu entry=%s codec=%s", entry,
		         media_codec(c->caller.media));
		c->phase = PH_MENU;
		answer_now(c); /* nothing written: the engine has not heard of the call */
		media_tone(c->caller.media, false);
		if (c->answered)
			menu_play(c, NULL);
		else
			tel_call_drop(c);
		return;
	}
	err = arrive(c, group, "");
	if (err) {
		log_warn("tel.invite", "result=480 group=%u error=\"%s\"", group, strerror(err));
		(void)sipsess_reject(c->caller.sess, 480, "Temporarily Unavailable", NULL);
		goto drop;
	}
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
	if (!c->callback) /* a callback is connected already, when the citizen answered */
		feed(c, FEED_ANSWER);
	/* The engine may have moved on (the offer timed out a moment ago): then this phone
	 * has no call to take, and is hung up. */
	if (c->known && acd_host_call_engine_id(host(c), c->id, &eid) == 0 &&
	    acd_call_info(acd_host_engine(host(c), acd_now_ms()), eid, &info) == 0 &&
	    info.talking && info.agent == c->agent_id) {
		struct tel_policy pol;
		c->talking = true;
		c->answered_ms = acd_now_ms();
		c->talked_agent = c->agent_id;
		c->survey_agent = c->agent_id;
		(void)re_snprintf(c->agent_callid, sizeof(c->agent_callid), "%s",
		                  sip_dialog_callid(sipsess_dialog(c->agent.sess)));
		bridge(c);
		if (tel_store_policy(c->tel->app->db, c->group, &pol) == 0) {
			if (pol.record)
				(void)tel_call_record(c, c->agent_id);
			json_decref(pol.survey);
		}
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
		c->end_reason = "agent_hangup";
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

/* ---- transferred out: to an outside number through the trunk ---------------- */

static int out_answer_h(const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;

	return media_accept(c->agent.media, msg->mb);
}

static void out_estab_h(const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;

	(void)msg;
	c->agent.up = true;
	if (c->menu_out)
		c->answered_ms = acd_now_ms();
	log_info("tel.transfer_out", "call=%lld answered=true", (long long)c->id);
	media_bridge(c->caller.media, c->agent.media);
}

static void out_close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;

	/* Answered and hung up, or busy, declined, unreachable: the caller is let go too. */
	log_info("tel.transfer_out", "call=%lld closed=\"%s\" scode=%u answered=%s",
	         (long long)c->id,
	         err == ECONNRESET ? "bye"
	         : err             ? strerror(err)
	                           : "final response",
	         msg ? msg->scode : 0, c->agent.up ? "true" : "false");
	if (c->agent.media)
		add_counts(&c->ac, c->agent.media);
	c->agent.sess = mem_deref(c->agent.sess);
	c->agent.media = mem_deref(c->agent.media);
	c->agent.up = false;
	if (c->menu_out)
		tel_call_end_reason(c, c->answered_ms ? "outside_hangup" : "outside_unanswered");
	tel_call_drop(c);
}

int tel_call_transfer_out(struct tel_call *c, uint32_t agent, const char *number)
{
	struct tel *t = c->tel;
	struct mbuf *desc = NULL;
	char uri[160], from[128];
	int64_t trunk = 0;
	int err;

	if (!c->talking || !c->agent.up || !agent || agent != c->agent_id)
		return EPERM;
	tel_trunk_route(t, number, "", c->entry, uri, sizeof(uri), from, sizeof(from), &trunk);
	if (!trunk)
		return ENOTSUP; /* no outbound trunk: nowhere to send it */
	log_info("tel.transfer_out", "call=%lld agent=%u dial=\"%s\" trunk=%lld", (long long)c->id,
	         agent, uri, (long long)trunk);
	/* The agent's part ends here: its record, the engine (agent to wrap-up), its phone. */
	mem_ref(c);
	tell_watcher(c);
	(void)re_snprintf(c->outside, sizeof(c->outside), "%s", number);
	record_pair(c, "transferred_out");
	feed(c, FEED_HANGUP);
	agent_leg_free(c);
	c->talking = false;
	c->phase = PH_OUTSIDE;
	c->end_reason = "transferred_out";
	media_tone(c->caller.media, true);
	err = media_alloc(&c->agent.media, &t->media_ip, t->clock);
	if (!err)
		err = media_offer(c->agent.media, &desc);
	if (!err)
		err = sipsess_connect(
		        &c->agent.sess, t->sock, uri, c->caller_no[0] ? c->caller_no : "Lotsen",
		        from, CUSER, NULL, 0, "application/sdp", desc, NULL, NULL, false,
		        agent_offer_h, out_answer_h, agent_progr_h, out_estab_h, NULL, NULL,
		        out_close_h, c, "X-Lotsen-Call: %lld\r\n" ALLOW, (long long)c->id);
	mem_deref(desc);
	if (err) {
		log_warn("tel.transfer_out", "call=%lld dial=failed error=\"%s\"", (long long)c->id,
		         strerror(err));
		tel_call_drop(c);
	}
	mem_deref(c);
	return 0;
}

/* ---- consultative transfer: the agent calls someone while the caller holds ---------- */

void tel_call_describe(const struct tel_call *c, json_t *o)
{
	if (c->lang[0])
		json_object_set_new(o, "lang", json_string(c->lang));
	if (c->note[0])
		json_object_set_new(o, "note", json_string(c->note));
	if (c->urgent)
		json_object_set_new(o, "urgent", json_true());
	json_object_set_new(o, "consulting", json_boolean(c->consult.sess != NULL));
	if (c->consult.sess && c->consult_agent)
		json_object_set_new(o, "consult_agent_id", json_integer(c->consult_agent));
}

int tel_call_consulted(const struct tel_call *c, uint32_t agent, uint32_t *by, bool *handed)
{
	if (!agent)
		return ENOENT;
	if (c->consult.sess && c->consult_agent == agent && !c->consult_done) {
		*by = c->agent_id;
		*handed = false;
		return 0;
	}
	if (c->consult_done && c->agent_id == agent && c->agent.sess) {
		*by = c->consult_by;
		*handed = true;
		return 0;
	}
	return ENOENT;
}

int tel_call_handed_hangup(struct tel_call *c, uint32_t agent)
{
	uint32_t by;
	bool handed;

	if (tel_call_consulted(c, agent, &by, &handed) != 0 || !handed)
		return ENOENT;
	log_info("tel.consult", "call=%lld agent=%u hangup=desk", (long long)c->id, agent);
	tel_call_end_reason(c, "agent_hangup");
	tel_call_drop(c);
	return 0;
}

int tel_call_handed_json(const struct tel_call *c, uint32_t agent, json_t **out)
{
	uint32_t by;
	bool handed;
	json_t *o;

	if (tel_call_consulted(c, agent, &by, &handed) != 0 || !handed || !c->handed)
		return ENOENT;
	o = json_deep_copy(c->handed);
	if (!o)
		return ENOMEM;
	/* The caller talks with the agent now; the queue is done with the call. */
	json_object_set_new(o, "talking", json_true());
	json_object_set_new(o, "position", json_integer(0));
	json_object_set_new(o, "agent_id", json_integer(agent));
	json_object_set_new(o, "handed_over", json_true());
	tel_call_describe(c, o);
	*out = o;
	return 0;
}

static void offer_headers(const struct tel_call *c, char *h, size_t n);

void tel_call_note(struct tel_call *c, const char *note)
{
	size_t i;

	if (!note || !note[0])
		return;
	(void)re_snprintf(c->note, sizeof(c->note), "%s", note);
	/* It travels in a SIP header: one line. */
	for (i = 0; c->note[i]; i++)
		if ((unsigned char)c->note[i] < 0x20 || c->note[i] == 0x7f)
			c->note[i] = ' ';
}

/* The queue keeps the consulted agent busy (acd_agent_consult) until this: cancelled or
 * unanswered (group 0), or the handed-over call ended (its group's wrap-up). */
static void consult_release(struct tel_call *c)
{
	uint32_t agent = c->consult_held;
	int64_t now;
	int err;

	if (!agent || !c->tel->app->acd)
		return;
	c->consult_held = 0;
	now = acd_now_ms();
	err = acd_agent_consult_end(acd_host_engine(host(c), now), now, agent, c->consult_group);
	if (err == ENOENT && c->consult_group) /* the group is gone: no wrap-up */
		err = acd_agent_consult_end(acd_host_engine(host(c), now), now, agent, 0);
	acd_host_flush(host(c), now);
	if (err)
		log_info("tel.consult", "call=%lld target_agent=%u release=failed error=\"%s\"",
		         (long long)c->id, agent, strerror(err));
}

static void consult_leg_free(struct tel_call *c)
{
	if (!c->consult_done)
		consult_release(c);
	if (c->consult.media)
		add_counts(&c->ac, c->consult.media);
	c->consult.sess = mem_deref(c->consult.sess);
	c->consult.media = mem_deref(c->consult.media);
	c->consult.up = false;
	c->consult_agent = 0;
	c->consult_answered_ms = 0;
	c->consult_number[0] = '\0';
}

/* The consultation ended without a transfer: caller and agent talk again. */
static void consult_back(struct tel_call *c)
{
	if (c->talking && c->agent.up && c->caller.media && c->agent.media)
		media_bridge(c->caller.media, c->agent.media);
	else if (c->caller.media)
		media_tone(c->caller.media, true);
}

static int consult_answer_h(const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;

	return media_accept(c->consult_done ? c->agent.media : c->consult.media, msg->mb);
}

static void consult_estab_h(const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;

	(void)msg;
	c->consult.up = true;
	c->consult_answered_ms = acd_now_ms();
	log_info("tel.consult", "call=%lld agent=%u answered=true target_agent=%u",
	         (long long)c->id, c->agent_id, c->consult_agent);
	if (c->agent.media)
		media_bridge(c->agent.media, c->consult.media);
}

static void consult_close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;

	log_info("tel.consult", "call=%lld closed=\"%s\" scode=%u completed=%s", (long long)c->id,
	         err == ECONNRESET ? "bye"
	         : err             ? strerror(err)
	                           : "final response",
	         msg ? msg->scode : 0, c->consult_done ? "true" : "false");
	if (c->consult_done) {
		/* The party the caller was transferred to hung up: the call ends. */
		if (c->agent.media)
			add_counts(&c->ac, c->agent.media);
		c->agent.sess = mem_deref(c->agent.sess);
		c->agent.media = mem_deref(c->agent.media);
		c->agent.up = false;
		tel_call_end_reason(c, "agent_hangup");
		tel_call_drop(c);
		return;
	}
	/* Busy, declined, unanswered, or hung up before the transfer: back to the caller. */
	consult_leg_free(c);
	consult_back(c);
}

int tel_call_consult(struct tel_call *c, uint32_t agent, uint32_t target_agent, const char *number,
                     const char *note)
{
	struct tel *t = c->tel;
	struct mbuf *desc = NULL;
	char uri[256], from[128], hdrs[TEL_NOTE_MAX + 64];
	const char *show = c->caller_no[0] ? c->caller_no : "Lotsen";
	int64_t trunk = 0;
	int err;

	if (!c->talking || !c->agent.up || !agent || agent != c->agent_id)
		return EPERM;
	if (c->consult.sess)
		return EBUSY;
	if (target_agent == agent)
		return EINVAL;
	if (target_agent) {
		if (tel_agent_uri(t, target_agent, uri, sizeof(uri)) != 0)
			return EHOSTUNREACH;
		(void)re_snprintf(from, sizeof(from), "sip:%s@%J",
		                  c->caller_no[0] ? c->caller_no : "anonymous", &t->laddr);
	} else {
		tel_trunk_route(t, number, "", c->entry, uri, sizeof(uri), from, sizeof(from),
		                &trunk);
		if (!trunk)
			return ENOTSUP;
	}
	if (target_agent && t->app->acd) {
		/* The queue offers the consulted agent nothing meanwhile; one already busy
		 * (ringing, talking, consulted) is not called. Logged out of the queue: rung
		 * all the same, there is nothing to keep from it. */
		int64_t now = acd_now_ms();
		err = acd_agent_consult(acd_host_engine(host(c), now), now, target_agent,
		                        (uint64_t)c->id);
		acd_host_flush(host(c), now);
		if (err == EBUSY)
			return ECONNREFUSED;
		if (!err)
			c->consult_held = target_agent;
		c->consult_group = 0;
	}
	tel_call_note(c, note);
	offer_headers(c, hdrs, sizeof(hdrs));
	err = media_alloc(&c->consult.media, &t->media_ip, t->clock);
	if (!err)
		err = media_offer(c->consult.media, &desc);
	if (!err)
		err = sipsess_connect(&c->consult.sess, t->sock, uri, show, from, CUSER, NULL, 0,
		                      "application/sdp", desc, NULL, NULL, false, agent_offer_h,
		                      consult_answer_h, agent_progr_h, consult_estab_h, NULL, NULL,
		                      consult_close_h, c,
		                      "X-Lotsen-Call: %lld\r\nX-Lotsen-Consult: %u\r\n%s" ALLOW,
		                      (long long)c->id, agent, hdrs);
	mem_deref(desc);
	if (err) {
		log_warn("tel.consult", "call=%lld dial=failed error=\"%s\"", (long long)c->id,
		         strerror(err));
		consult_leg_free(c);
		return err;
	}
	c->consult_agent = target_agent;
	(void)re_snprintf(c->consult_number, sizeof(c->consult_number), "%s",
	                  target_agent ? "" : number);
	/* The caller holds, hearing the tone; the agent hears the target ring out. */
	media_unbridge(c->caller.media);
	media_tone(c->caller.media, true);
	log_info("tel.consult", "call=%lld agent=%u dial=\"%s\" target_agent=%u trunk=%lld note=%s",
	         (long long)c->id, agent, uri, target_agent, (long long)trunk,
	         c->note[0] ? "true" : "false");
	return 0;
}

int tel_call_consult_end(struct tel_call *c, uint32_t agent, bool complete)
{
	if (!c->consult.sess)
		return EALREADY;
	if (!agent || agent != c->agent_id)
		return EPERM;
	if (!complete) {
		log_info("tel.consult", "call=%lld agent=%u cancelled=true", (long long)c->id,
		         agent);
		consult_leg_free(c);
		consult_back(c);
		return 0;
	}
	if (!c->consult.up)
		return EBUSY;
	log_info("tel.consult", "call=%lld agent=%u completed=true target_agent=%u",
	         (long long)c->id, agent, c->consult_agent);
	mem_ref(c);
	tell_watcher(c);
	record_pair(c, "consult_transferred");
	{
		/* The consulted agent wraps up after the call as after one of its group. */
		struct acd_call_info info;
		uint64_t eid;
		c->consult_group = c->group;
		if (c->known && acd_host_call_engine_id(host(c), c->id, &eid) == 0 &&
		    acd_call_info(acd_host_engine(host(c), acd_now_ms()), eid, &info) == 0)
			c->consult_group = info.group;
		/* What the consulted agent's desk shows of the call once the queue forgets it:
		 * the caller, the entry number, the path. */
		json_decref(c->handed);
		c->handed = NULL;
		if (c->known && acd_host_call_json(host(c), acd_now_ms(), c->id, &c->handed) != 0)
			c->handed = NULL;
	}
	c->consult_by = agent;
	feed(c, FEED_HANGUP); /* the agent to wrap-up; the queue is done with the call */
	if (c->consult_held) {
		/* The consulted agent's desk learns that the caller is theirs now. */
		int64_t now = acd_now_ms();
		int err =
		        acd_agent_consult_take(acd_host_engine(host(c), now), now, c->consult_held);
		acd_host_flush(host(c), now);
		if (err)
			log_info("tel.consult",
			         "call=%lld target_agent=%u take=failed error=\"%s\"",
			         (long long)c->id, c->consult_held, strerror(err));
	}
	agent_leg_free(c);
	c->talking = false;
	c->phase = PH_OUTSIDE;
	c->consult_done = true;
	/* The consulted party becomes the caller's other side, with its own record. */
	c->agent = c->consult;
	memset(&c->consult, 0, sizeof(c->consult));
	c->agent_id = c->consult_agent;
	c->talked_agent = c->consult_agent;
	c->answered_ms = c->consult_answered_ms;
	c->arrived_ms = c->consult_answered_ms;
	c->consult_agent = 0;
	(void)re_snprintf(c->outside, sizeof(c->outside), "%s", c->consult_number);
	(void)re_snprintf(c->agent_callid, sizeof(c->agent_callid), "%s",
	                  sip_dialog_callid(sipsess_dialog(c->agent.sess)));
	media_bridge(c->caller.media, c->agent.media);
	mem_deref(c);
	return 0;
}

static void refer_out_tmr_h(void *arg)
{
	struct tel_call *c = arg;
	int err = tel_call_transfer_out(c, c->out_agent, c->out_number);

	if (err)
		log_info("tel.refer", "call=%lld outside=failed error=\"%s\"", (long long)c->id,
		         strerror(err));
}

/* A blind transfer from the agent's phone: Refer-To an entry number or a group id at
 * Lotsen. There is no trunk, so anything else (an outside number) is declined (603). The
 * agent's leg gets BYE when the engine queues the call in the new group. */
static void agent_refer_h(struct sip *sip, const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;
	const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_REFER_TO);
	char user[64] = "", num[ACD_NUMBER_MAX];
	struct sip_addr a;
	uint32_t group = 0;
	uint64_t eid;
	int64_t now = acd_now_ms();
	int err;

	if (!h || sip_addr_decode(&a, &h->val) != 0 || !pl_isset(&a.uri.user) ||
	    a.uri.user.l >= sizeof(user)) {
		(void)sip_treplyf(
		        NULL, NULL, sip, msg, false, 400, "Bad Request",
		        "Warning: 399 lotsen \"Refer-To with a user part is required\"\r\n"
		        "Content-Length: 0\r\n\r\n");
		return;
	}
	(void)pl_strcpy(&a.uri.user, user, sizeof(user));
	if (contact_phone_normalize(user, num, sizeof(num)) == 0)
		group = tel_store_entry_group(c->tel->app->db, num);
	if (!group) {
		char *end;
		long g = strtol(user, &end, 10);
		if (end != user && !*end && g > 0 && g < 100000 &&
		    acd_host_has_group(host(c), (uint32_t)g))
			group = (uint32_t)g;
	}
	if (!group && contact_phone_normalize(user, num, sizeof(num)) == 0 && c->talking &&
	    tel_trunk_outbound(c->tel)) {
		/* An outside number: out through the trunk, after this handler (it frees the
		 * agent's dialog). */
		(void)re_snprintf(c->out_number, sizeof(c->out_number), "%s", num);
		c->out_agent = c->agent_id;
		tmr_start(&c->tmr, 0, refer_out_tmr_h, c);
		log_info("tel.refer", "call=%lld agent=%u to=\"%s\" outside=true", (long long)c->id,
		         c->agent_id, num);
		(void)sip_treplyf(NULL, NULL, sip, msg, false, 202, "Accepted",
		                  "Content-Length: 0\r\n\r\n");
		return;
	}
	err = !group ? ENOENT : !c->talking ? EPERM : 0;
	if (!err && acd_host_call_engine_id(host(c), c->id, &eid) != 0)
		err = ENOENT;
	if (!err) {
		err = acd_call_transfer(acd_host_engine(host(c), now), now, eid, group);
		acd_host_flush(host(c), now);
	}
	log_info("tel.refer", "call=%lld agent=%u to=\"%s\" group=%u error=\"%s\"",
	         (long long)c->id, c->agent_id, user, group, err ? strerror(err) : "none");
	if (err) {
		(void)sip_treplyf(NULL, NULL, sip, msg, false, 603, "Decline",
		                  "Warning: 399 lotsen \"%s\"\r\nContent-Length: 0\r\n\r\n",
		                  err == ENOENT
		                          ? "only entry numbers and groups of Lotsen: no trunk"
		                          : "the call cannot be transferred now");
		return;
	}
	(void)sip_treplyf(NULL, NULL, sip, msg, false, 202, "Accepted",
	                  "Content-Length: 0\r\n\r\n");
}

/* The agent's phone: the Contact it registered while that binding is live, else
 * users.sip_uri; ENOENT when neither is set. */
int tel_agent_uri(struct tel *t, uint32_t agent, char *uri, size_t n)
{
	if (tel_binding_uri(t, agent, uri, n) == 0)
		return 0;
	return tel_store_user_sip_uri(t->app->db, agent, uri, n);
}

/* ---- the engine's actions ----------------------------------------------- */

/* "Du är nummer N i kön. Beräknad väntetid är ungefär M minuter." — unless it would say
 * the same as last time. */
static void announce(struct tel_call *c, int pos, int64_t ewt_s, bool welcome)
{
	const char *names[8];
	char pos_name[16], min_name[16];
	int min = (int)((ewt_s + 30) / 60);
	size_t n = 0;

	if (min < 1)
		min = 1;
	if (pos == c->said_pos && min == c->said_min) {
		/* Nothing changed: the caller keeps hearing the tone, not the same words again. */
		log_info("tel.announce", "call=%lld skipped=unchanged", (long long)c->id);
		return;
	}
	c->said_pos = pos;
	c->said_min = min;
	if (welcome)
		names[n++] = "valkommen";
	if (pos >= 1 && pos <= 20) {
		(void)re_snprintf(pos_name, sizeof(pos_name), "tal_%d", pos);
		names[n++] = "du_ar_nummer";
		names[n++] = pos_name;
		names[n++] = "i_kon";
	}
	names[n++] = "vantetid";
	if (min <= 20) {
		/* "en minut", not "ett minut" */
		(void)re_snprintf(min_name, sizeof(min_name), min == 1 ? "en" : "tal_%d", min);
		names[n++] = min_name;
	} else {
		names[n++] = "over_20";
	}
	names[n++] = min == 1 ? "minut" : "minuter";
	log_info("tel.announce", "call=%lld position=%d minutes=%d", (long long)c->id, pos, min);
	say(c, names, n, true, NULL);
}

/* The engine moved a talking call on (a transfer): the pair's record is written, the
 * agent's phone gets BYE and the caller hears the queue again. */
static void transferred(struct tel_call *c)
{
	if (!c->talking)
		return;
	log_info("tel.transfer", "call=%lld agent=%u", (long long)c->id, c->agent_id);
	tell_watcher(c);
	record_pair(c, "transferred");
	c->talking = false;
	agent_leg_free(c);
	media_tone(c->caller.media, true);
}

/* The group runs a survey: offer it once, after the welcome and announcement. */
static void survey_offer(struct tel_call *c)
{
	static const char *const offer[] = {"enkat_erbjudande"};
	struct tel_policy pol;

	/* Only when the survey call can be made: back to the caller's host or a trunk. */
	if (c->survey_offered || !c->caller_no[0] ||
	    (!c->contact[0] && !tel_trunk_outbound(c->tel)) || c->callback ||
	    tel_store_policy(c->tel->app->db, c->group, &pol) != 0)
		return;
	if (pol.survey) {
		c->survey_offered = true;
		c->survey_last = true;
		log_info("tel.survey", "call=%lld offered=true", (long long)c->id);
		say(c, offer, 1, true, NULL);
	}
	json_decref(pol.survey);
}

void tel_call_queued(struct tel_call *c, uint32_t group, int position, int64_t ewt_s)
{
	bool first = !c->welcomed;

	/* A talking call is queued again only by a transfer. */
	transferred(c);
	c->group = group;
	answer(c);
	c->phase = PH_QUEUE;
	if (c->agent.sess)
		return;
	media_tone(c->caller.media, true);
	{
		/* The crisis message (once), then the group's own announcement (once per group,
		 * again after a transfer to another group), before anything else. */
		struct prompt *pre[2];
		size_t n = 0;
		pre[n] = crisis(c);
		if (pre[n])
			n++;
		if (c->ann_group != group) {
			c->ann_group = group;
			pre[n] = tel_announcement(c->tel, group);
			if (pre[n]) {
				log_info("tel.announcement", "call=%lld group=%u played=true",
				         (long long)c->id, group);
				n++;
			}
		}
		if (n)
			say_with(c, pre, n, NULL, 0, true, NULL);
	}
	if (tel_store_group_announces(c->tel->app->db, group)) {
		c->welcomed = true;
		announce(c, position, ewt_s, first);
	}
	survey_offer(c);
}

void tel_call_announce(struct tel_call *c, int position, int64_t ewt_s)
{
	if (c->phase != PH_QUEUE || c->talking || c->agent.sess || !c->caller.media)
		return;
	announce(c, position, ewt_s, false);
}

void tel_call_offer_callback(struct tel_call *c)
{
	static const char *const offer[] = {"callback_erbjudande"};

	c->cb_offered = true;
	c->survey_last = false; /* "1" now means the callback */
	if (c->phase != PH_QUEUE || c->talking || !c->caller.media)
		return;
	log_info("tel.callback", "call=%lld offered=true", (long long)c->id);
	say(c, offer, 1, true, NULL);
}

/* What the agent's phone shows beside the caller: the language asked for and the note that
 * followed the call (one header line each; control characters become spaces). */
static void offer_headers(const struct tel_call *c, char *h, size_t n)
{
	size_t k;

	h[0] = '\0';
	if (c->lang[0])
		(void)re_snprintf(h, n, "X-Lotsen-Lang: %s\r\n", c->lang);
	if (c->note[0]) {
		k = strlen(h);
		(void)re_snprintf(h + k, n - k, "X-Lotsen-Note: %s\r\n", c->note);
	}
}

void tel_call_offer(struct tel_call *c, uint32_t agent)
{
	struct tel *t = c->tel;
	struct mbuf *desc = NULL;
	const char *caller = NULL;
	char uri[256], from[128], hdrs[TEL_NOTE_MAX + 64];
	struct acd_call_info info;
	uint64_t eid;
	int err;

	transferred(c); /* straight to an agent of the new group */
	answer(c);
	if (c->agent.sess)
		agent_leg_free(c);
	if (acd_host_call_engine_id(host(c), c->id, &eid) == 0 &&
	    acd_call_info(acd_host_engine(host(c), acd_now_ms()), eid, &info) == 0)
		c->group = info.group;
	err = tel_agent_uri(t, agent, uri, sizeof(uri));
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
	offer_headers(c, hdrs, sizeof(hdrs));
	err = media_alloc(&c->agent.media, &t->media_ip, t->clock);
	if (!err)
		err = media_offer(c->agent.media, &desc);
	if (!err)
		err = sipsess_connect(&c->agent.sess, t->sock, uri, caller ? caller : "Lotsen",
		                      from, CUSER, NULL, 0, "application/sdp", desc, NULL, NULL,
		                      false, agent_offer_h, agent_answer_h, agent_progr_h,
		                      agent_estab_h, NULL, agent_refer_h, agent_close_h, c,
		                      "X-Lotsen-Call: %lld\r\n%s" ALLOW, (long long)c->id, hdrs);
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
	uint64_t eid;

	if (!c->known)
		return;
	/* Every call is rechecked after each change of a group or an agent: constant time. */
	if (acd_host_call_engine_id(host(c), c->id, &eid) == 0 &&
	    acd_call_exists(acd_host_engine(host(c), acd_now_ms()), eid))
		return;
	/* Waiting for a callback with no line: the engine gave up after its last attempt. */
	if (c->phase == PH_CB_WAIT && !c->caller.sess) {
		log_info("tel.callback", "call=%lld gave_up=true", (long long)c->id);
		c->end_reason = "callback_failed";
	} else {
		log_info("tel.hangup", "call=%lld side=engine talking=%s", (long long)c->id,
		         c->talking ? "true" : "false");
		c->end_reason = "api_hangup";
	}
	tel_call_drop(c);
}

static void close_tmr_h(void *arg)
{
	tel_call_drop(arg);
}

static void closed_done_h(void *arg)
{
	struct tel_call *c = arg;

	/* Not inside the media's own timer: the media goes. */
	tmr_start(&c->tmr, 0, close_tmr_h, c);
}

void tel_call_closed(struct tel_call *c)
{
	static const char *const closed[] = {"stangt"};

	c->known = false; /* the engine has ended it */
	c->end_reason = "closed";
	answer(c);
	if (!c->caller.media) {
		tmr_start(&c->tmr, 0, close_tmr_h, c);
		return;
	}
	say(c, closed, 1, false, closed_done_h);
}

/* ---- calling the citizen back -------------------------------------------- */

static int cb_answer_h(const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;

	return media_accept(c->caller.media, msg->mb);
}

static void cb_estab_h(const struct sip_msg *msg, void *arg)
{
	struct tel_call *c = arg;

	(void)msg;
	c->caller.up = true;
	c->answered = true;
	c->phase = PH_QUEUE;
	log_info("tel.callback", "call=%lld answered=true agent=%u", (long long)c->id, c->cb_agent);
	mem_ref(c);
	/* The engine connects the reserved agent; that agent's phone is rung now. */
	feed(c, FEED_CB_OK);
	if (c->le.list) {
		media_tone(c->caller.media, true);
		tel_call_offer(c, c->cb_agent);
	}
	mem_deref(c);
}

void tel_call_callback_dial(struct tel_call *c, uint32_t agent, const char *number)
{
	struct tel *t = c->tel;
	struct mbuf *desc = NULL;
	char uri[160], from[128];
	int64_t trunk = 0;
	int err = 0;

	if (c->phase != PH_CB_WAIT || c->caller.sess)
		err = EALREADY;
	else if (!number || !number[0])
		err = ENOENT;
	if (!err) {
		/* Through the outbound trunk, else the number at the host the caller called
		 * from. */
		tel_trunk_route(t, number, c->contact, c->entry, uri, sizeof(uri), from,
		                sizeof(from), &trunk);
		if (!trunk && !c->contact[0])
			err = ENOENT;
	}
	if (!err) {
		err = media_alloc(&c->caller.media, &t->media_ip, t->clock);
		if (!err)
			err = media_offer(c->caller.media, &desc);
		if (!err)
			err = sipsess_connect(&c->caller.sess, t->sock, uri, "Lotsen", from, CUSER,
			                      NULL, 0, "application/sdp", desc, NULL, NULL, false,
			                      caller_offer_h, cb_answer_h, agent_progr_h,
			                      cb_estab_h, caller_info_h, NULL, caller_close_h, c,
			                      ALLOW);
		mem_deref(desc);
	}
	if (err) {
		log_warn("tel.callback", "call=%lld agent=%u dial=failed error=\"%s\"",
		         (long long)c->id, agent, strerror(err));
		if (err == EALREADY)
			return;
		c->caller.sess = mem_deref(c->caller.sess);
		c->caller.media = mem_deref(c->caller.media);
		feed(c, FEED_CB_FAIL);
		return;
	}
	media_set_dtmf(c->caller.media, caller_dtmf_h, c);
	c->phase = PH_CB_DIAL;
	c->cb_agent = agent;
	c->caller.up = false;
	log_info("tel.callback", "call=%lld agent=%u dial=\"%s\" trunk=%lld", (long long)c->id,
	         agent, uri, (long long)trunk);
}

void tel_call_forward(struct tel_call *c, const char *number)
{
	c->known = false;
	c->end_reason = "forwarded";
	c->answering = false;
	if (!c->answered && c->caller.sess && number && number[0]) {
		int err = sipsess_reject(c->caller.sess, 302, "Moved Temporarily",
		                         "Contact: <sip:%s@%s>\r\nContent-Length: 0\r\n\r\n",
		                         number, c->host);
		log_info("tel.forward", "call=%lld number=%s via=302 error=\"%s\"",
		         (long long)c->id, number, err ? strerror(err) : "none");
	} else if (c->answered && c->caller.media && number && number[0] &&
	           relay_outside(c, number, "tel.forward") == 0) {
		/* Answered already (a menu came first): relayed through the trunk instead. */
		return;
	} else {
		log_info("tel.forward", "call=%lld number=%s via=bye", (long long)c->id,
		         number ? number : "");
	}
	tel_call_drop(c);
}

/* ---- running what the engine asked for, in order ------------------------------ */

static void act_run(struct tel *t, const struct acd_action *a)
{
	struct tel_call *c = tel_call_find(t, (int64_t)a->call);
	int64_t ewt_s = (a->ewt_ms + 999) / 1000; /* rounded up, as the event stream shows it */

	if (!c)
		return; /* an HTTP test call, or one that already hung up */
	mem_ref(c);
	switch (a->kind) {
	case ACD_ACT_QUEUED:
		tel_call_queued(c, a->group, a->position, ewt_s);
		break;
	case ACD_ACT_ANNOUNCE:
		tel_call_announce(c, a->position, ewt_s);
		break;
	case ACD_ACT_OFFER_CALLBACK:
		tel_call_offer_callback(c);
		break;
	case ACD_ACT_CALLBACK_DIAL:
		tel_call_callback_dial(c, a->agent, a->number);
		break;
	case ACD_ACT_OFFER:
		tel_call_offer(c, a->agent);
		break;
	case ACD_ACT_CANCEL_OFFER:
		tel_call_cancel_offer(c, a->agent);
		break;
	case ACD_ACT_CONNECT:
		tel_call_connect(c, a->agent);
		break;
	case ACD_ACT_CLOSED:
		tel_call_closed(c);
		break;
	case ACD_ACT_FORWARD:
		tel_call_forward(c, a->number);
		break;
	case ACD_ACT_MAIL_OFFER: /* e-mail items are the desk's, never a SIP call */
	case ACD_ACT_MAIL_CANCEL:
		break;
	}
	mem_deref(c);
}

void tel_run_actions(struct tel *t)
{
	struct le *le;

	/* Running one may feed the engine, which appends more: take them in order. */
	while ((le = list_head(&t->acts)) != NULL) {
		struct tel_act *a = le->data;
		list_unlink(le);
		if (!t->closing)
			act_run(t, &a->act);
		mem_deref(a);
	}
}
