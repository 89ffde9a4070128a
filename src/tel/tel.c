/* The telephony module: SIP on UDP and TCP, OPTIONS, INVITEs to entry numbers, and the
 * queue engine's actions noted for the calls (call.c runs them). */
#include <errno.h>
#include <string.h>

#include "tel/tel_int.h" /* first: libre headers have no include guards */
#include <re_mem.h>
#include <re_net.h>
#include <re_uri.h>
#include <re_msg.h>
#include <re_sip.h>
#include <re_sipsess.h>

#include "acdhost/acd_host.h"
#include "base/log.h"
#include "core/app.h"
#include "base/contact.h"
#include "tel/tel.h"
#include "tel/tel_store.h"

#define SOFTWARE            "Lotsen"
#define TEL_EXPIRE_EVERY_MS (3600 * 1000) /* the retention job's period */
#define USER_MAX            64 /* longest request-URI or From user part taken as a number */

enum { TEL_HASH_SIZE = 4096 }; /* buckets of libre's SIP tables (a power of two) */

/* ---- the engine's actions ------------------------------------------------ */

static void act_tmr_h(void *arg)
{
	struct tel *t = arg;
	struct le *le;

	tel_run_actions(t);
	if (!t->recheck || t->closing)
		return;
	t->recheck = false;
	for (le = t->calls.head; le;) {
		struct tel_call *c = le->data;
		le = le->next; /* c may go */
		tel_call_recheck(c);
	}
}

/* The engine's listener: only note what to do; it is done on the next loop step, because
 * doing it may feed the engine, which must not happen inside its flush. */
static void note_h(enum acd_note_kind kind, uint32_t id, const struct acd_action *act,
                   const json_t *j, void *arg)
{
	struct tel *t = arg;
	struct tel_act *a;

	(void)id;
	(void)j;
	if (kind != ACD_NOTE_ACTION) {
		/* A hang-up through the API changes an agent or a group and has no action. */
		if (t->calls.head) {
			t->recheck = true;
			tmr_start(&t->act_tmr, 0, act_tmr_h, t);
		}
		return;
	}
	a = mem_zalloc(sizeof(*a), NULL);
	if (!a)
		return;
	a->act = *act;
	list_append(&t->acts, &a->le, a);
	tmr_start(&t->act_tmr, 0, act_tmr_h, t);
}

/* ---- SIP requests -------------------------------------------------------- */

static bool options_h(const struct sip_msg *msg, void *arg)
{
	struct tel *t = arg;

	if (pl_strcmp(&msg->met, "OPTIONS"))
		return false;
	if (!t->app->acd) {
		/* A standby node (another runs the queue): the front's probes take it out of
		 * the list, so calls go to the node that can queue them. */
		(void)sip_treplyf(NULL, NULL, t->sip, msg, false, 503, "Service Unavailable",
		                  "Retry-After: 1\r\n"
		                  "Warning: 399 lotsen \"the queue runs on another node\"\r\n"
		                  "Content-Length: 0\r\n\r\n");
		return true;
	}
	(void)sip_treplyf(NULL, NULL, t->sip, msg, false, 200, "OK",
	                  "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REGISTER\r\n"
	                  "Accept: application/sdp\r\n"
	                  "Content-Length: 0\r\n\r\n");
	return true;
}

/* A user part as a phone number ("0850836000", "+46…"); EINVAL when it is none. */
static int user_number(const struct pl *user, char *out, size_t n)
{
	char buf[USER_MAX];

	if (!pl_isset(user) || user->l >= sizeof(buf))
		return EINVAL;
	(void)pl_strcpy(user, buf, sizeof(buf));
	return contact_phone_normalize(buf, out, n);
}

static void reply_bad(struct tel *t, const struct sip_msg *msg, const char *why)
{
	log_info("tel.invite", "result=400 reason=\"%s\"", why);
	(void)sip_treplyf(NULL, NULL, t->sip, msg, false, 400, "Bad Request",
	                  "Warning: 399 lotsen \"%s\"\r\nContent-Length: 0\r\n\r\n", why);
}

/* Does the request take an SDP answer? No Accept header means application/sdp
 * (RFC 3261 20.1). */
static bool accept_h(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	struct pl type, sub;

	(void)msg;
	(void)arg;
	/* One pl per bracket group, the blanks' included. */
	if (re_regex(hdr->val.p, hdr->val.l, "[ \t]*[^ \t/;]+[ \t]*/[ \t]*[^ \t;]+", NULL, &type,
	             NULL, NULL, &sub))
		return false;
	return !pl_strcmp(&type, "*") || (!pl_strcasecmp(&type, "application") &&
	                                  (!pl_strcmp(&sub, "*") || !pl_strcasecmp(&sub, "sdp")));
}

static bool accepts_sdp(const struct sip_msg *msg)
{
	return !sip_msg_hdr(msg, SIP_HDR_ACCEPT) ||
	       sip_msg_hdr_apply(msg, true, SIP_HDR_ACCEPT, accept_h, NULL) != NULL;
}

static void invite_h(const struct sip_msg *msg, void *arg)
{
	struct tel *t = arg;
	char entry[ACD_NUMBER_MAX], caller[ACD_NUMBER_MAX] = "";
	uint32_t group;
	int64_t trunk;

	if (!t->app->acd) {
		log_info("tel.invite", "result=503 reason=standby");
		(void)sip_treplyf(NULL, NULL, t->sip, msg, false, 503, "Service Unavailable",
		                  "Retry-After: 1\r\n"
		                  "Warning: 399 lotsen \"the queue runs on another node\"\r\n"
		                  "Content-Length: 0\r\n\r\n");
		return;
	}
	if (!pl_isset(&msg->from.auri) || !pl_isset(&msg->from.tag)) {
		reply_bad(t, msg, "From with a tag is required");
		return;
	}
	if (!pl_isset(&msg->to.auri)) {
		reply_bad(t, msg, "To is required");
		return;
	}
	if (!pl_isset(&msg->callid)) {
		reply_bad(t, msg, "Call-ID is required");
		return;
	}
	if (!sip_msg_hdr(msg, SIP_HDR_CONTACT)) {
		reply_bad(t, msg, "Contact is required");
		return;
	}
	/* With trunks configured, only they may call in (by address or digest). */
	if (!tel_trunk_admit(t, msg, &trunk))
		return; /* answered: 407 or 403 */
	if (user_number(&msg->uri.user, entry, sizeof(entry)) != 0 ||
	    (group = tel_store_entry_group(t->app->db, entry)) == 0) {
		char user[USER_MAX] = "";
		(void)pl_strcpy(&msg->uri.user, user, sizeof(user));
		log_info("tel.invite", "result=404 user=\"%s\"", user);
		(void)sip_treply(NULL, t->sip, msg, 404, "Not Found");
		return;
	}
	if (!acd_host_has_group(t->app->acd, group)) {
		log_info("tel.invite", "result=480 group=%u reason=inactive", group);
		(void)sip_treply(NULL, t->sip, msg, 480, "Temporarily Unavailable");
		return;
	}
	if (msg->mb && mbuf_get_left(msg->mb) > 0 &&
	    !msg_ctype_cmp(&msg->ctyp, "application", "sdp")) {
		log_info("tel.invite", "result=415 reason=\"body not sdp\"");
		(void)sip_treplyf(NULL, NULL, t->sip, msg, false, 415, "Unsupported Media Type",
		                  "Accept: application/sdp\r\n"
		                  "Warning: 399 lotsen \"the body must be an SDP offer\"\r\n"
		                  "Content-Length: 0\r\n\r\n");
		return;
	}
	if (!accepts_sdp(msg)) {
		log_info("tel.invite", "result=406 reason=\"accept without sdp\"");
		(void)sip_treplyf(NULL, NULL, t->sip, msg, false, 406, "Not Acceptable",
		                  "Warning: 399 lotsen \"the answer is SDP, which Accept leaves "
		                  "out\"\r\nContent-Length: 0\r\n\r\n");
		return;
	}
	if (!msg->mb || mbuf_get_left(msg->mb) == 0) {
		log_info("tel.invite", "result=488 reason=\"no sdp offer\"");
		(void)sip_treplyf(
		        NULL, NULL, t->sip, msg, false, 488, "Not Acceptable Here",
		        "Warning: 399 lotsen \"an SDP offer in the INVITE is required\"\r\n"
		        "Content-Length: 0\r\n\r\n");
		return;
	}
	/* A caller whose From is no phone number is treated as withheld. */
	if (user_number(&msg->from.uri.user, caller, sizeof(caller)) != 0)
		caller[0] = '\0';
	tel_call_incoming(t, msg, group, entry, caller, tel_store_entry_menu(t->app->db, entry));
}

/* Retention: recordings older than their group's recording_days are deleted at start and
 * then every hour. */
static void expire_h(void *arg)
{
	struct tel *t = arg;
	int expired = 0;
	int err = tel_store_expire_recordings(t->app->db, acd_now_ms(), &expired);

	if (err || expired)
		log_info("tel.recordings", "expired=%d error=\"%s\"", expired,
		         err ? strerror(err) : "none");
	tmr_start(&t->expire_tmr, TEL_EXPIRE_EVERY_MS, expire_h, t);
}

/* Calls whose phone has vanished without BYE (lost network, a NAT binding gone): their
 * RTP stops. One timer for all calls, once a second, like the media clock. */
#define RTP_CHECK_MS 1000

static void rtp_check_h(void *arg)
{
	struct tel *t = arg;
	uint64_t now = tmr_jiffies();
	struct le *le;

	for (le = t->calls.head; le;) {
		struct tel_call *c = le->data;
		le = le->next; /* c may go; it frees no other call */
		tel_call_rtp_check(c, now, t->rtp_timeout_ms);
	}
	tmr_start(&t->rtp_tmr, RTP_CHECK_MS, rtp_check_h, t);
}

/* ---- setup --------------------------------------------------------------- */

static void tel_destructor(void *arg)
{
	struct tel *t = arg;
	struct le *le;

	t->closing = true;
	if (t->app && t->app->acd)
		acd_host_unlisten(t->app->acd, note_h, t);
	tmr_cancel(&t->act_tmr);
	tmr_cancel(&t->expire_tmr);
	tmr_cancel(&t->rtp_tmr);
	list_flush(&t->acts);
	/* Hang up every call: the engine logs them as abandoned or ended. */
	while ((le = list_head(&t->calls)) != NULL) {
		struct tel_call *c = le->data;
		tel_call_end_reason(c, "shutdown");
		tel_call_hangup(c);
	}
	tel_listen_stop_all(t);
	tel_surveys_stop(t);
	tel_registrar_close(t);
	/* Pending requests (BYEs just sent) are given up; their sessions then go. */
	sip_close(t->sip, true);
	mem_deref(t->lsnr);
	tel_check_close(t);
	mem_deref(t->sock);
	mem_deref(t->sip);
	list_flush(&t->prompts);
	list_flush(&t->dyn);
	mem_deref(t->clock);
}

int tel_alloc(struct tel **tp, struct app *app, const char *sip_addr, const char *prompts_dir,
              const char *rec_dir, uint32_t rtp_timeout_s)
{
	struct tel *t;
	int err, n = 0, expired = 0;

	if (!tp || !app || !app->db || !sip_addr)
		return EINVAL;
	t = mem_zalloc(sizeof(*t), tel_destructor);
	if (!t)
		return ENOMEM;
	t->app = app;
	tmr_init(&t->act_tmr);
	list_init(&t->calls);
	list_init(&t->surveys);
	list_init(&t->acts);
	list_init(&t->prompts);
	list_init(&t->bindings);
	list_init(&t->dyn);
	list_init(&t->listeners);
	tmr_init(&t->expire_tmr);
	tmr_init(&t->rtp_tmr);
	t->rtp_timeout_ms = (uint64_t)rtp_timeout_s * 1000;
	(void)re_snprintf(t->rec_dir, sizeof(t->rec_dir), "%s",
	                  rec_dir && rec_dir[0] ? rec_dir : "recordings");
	/* Retention: recordings older than their group's recording_days go at start, on the
	 * node that runs the queue (a standby's turn comes with tel_queue_attach). */
	if (app->acd) {
		err = tel_store_expire_recordings(app->db, acd_now_ms(), &expired);
		log_info("tel.recordings", "dir=\"%s\" expired=%d error=\"%s\"", t->rec_dir,
		         expired, err ? strerror(err) : "none");
		tmr_start(&t->expire_tmr, TEL_EXPIRE_EVERY_MS, expire_h, t);
	}
	if (!prompts_dir || !prompts_dir[0])
		prompts_dir = LOTSEN_PROMPTS_DIR;
	/* Without prompts calls still work: the tone stands in for each (a beep). */
	err = prompts_load(&t->prompts, prompts_dir, &n);
	if (err || n == 0)
		log_warn("tel.prompts", "dir=\"%s\" loaded=0 error=\"%s\"", prompts_dir,
		         err ? strerror(err) : "no .wav files");
	else
		log_info("tel.prompts", "dir=\"%s\" loaded=%d", prompts_dir, n);
	err = media_clock_alloc(&t->clock);
	if (err)
		goto out;
	err = sa_decode(&t->laddr, sip_addr, strlen(sip_addr));
	if (err || !sa_port(&t->laddr)) {
		err = EINVAL;
		goto out;
	}
	/* Media binds where SIP does; a wildcard address announces the default source. */
	sa_cpy(&t->media_ip, &t->laddr);
	if (sa_is_any(&t->media_ip)) {
		err = net_default_source_addr_get(sa_af(&t->laddr), &t->media_ip);
		if (err)
			goto out;
	}
	sa_set_port(&t->media_ip, 0);
	/* Transactions, dialogs and sessions are looked up by hash on every message: with
	 * a thousand calls waiting, 32 buckets made each lookup a walk of a long list. */
	err = sip_alloc(&t->sip, NULL, TEL_HASH_SIZE, TEL_HASH_SIZE, TEL_HASH_SIZE, SOFTWARE, NULL,
	                NULL);
	if (err)
		goto out;
	err = sip_transp_add(t->sip, SIP_TRANSP_UDP, &t->laddr);
	if (!err)
		err = sip_transp_add(t->sip, SIP_TRANSP_TCP, &t->laddr);
	if (err)
		goto out;
	err = tel_check_listen(t);
	if (!err)
		err = sipsess_listen(&t->sock, t->sip, TEL_HASH_SIZE, invite_h, t);
	if (!err)
		err = sip_listen(&t->lsnr, t->sip, true, options_h, t);
	if (!err)
		err = tel_registrar_listen(t);
	if (!err && app->acd)
		err = acd_host_listen(app->acd, note_h, t);
	if (err)
		goto out;
	if (app->acd)
		tel_registrar_load(t); /* phones registered before a restart ring at once */
	{
		char a[64];
		(void)re_snprintf(a, sizeof(a), "%J", &t->laddr);
		log_info("tel.ready", "sip=\"%s\" transports=udp,tcp rtp_timeout_s=%u", a,
		         rtp_timeout_s);
	}
	if (t->rtp_timeout_ms)
		tmr_start(&t->rtp_tmr, RTP_CHECK_MS, rtp_check_h, t);
out:
	if (err) {
		/* Not listening yet: the destructor must not unlisten someone else's arg. */
		mem_deref(t);
	} else {
		*tp = t;
	}
	return err;
}

int tel_queue_attach(struct tel *t)
{
	int err;

	if (!t || !t->app->acd)
		return EINVAL;
	err = acd_host_listen(t->app->acd, note_h, t);
	if (err)
		return err;
	tmr_start(&t->expire_tmr, 0, expire_h, t);
	tel_registrar_load(t); /* the phones that registered with the node before */
	return 0;
}

int tel_record(struct tel *t, int64_t call_id, uint32_t agent)
{
	struct tel_call *c = t ? tel_call_find(t, call_id) : NULL;

	if (!c)
		return ENOENT;
	return tel_call_record(c, agent);
}

int tel_transfer_out(struct tel *t, int64_t call_id, uint32_t agent, const char *number)
{
	struct tel_call *c = t ? tel_call_find(t, call_id) : NULL;

	if (!c)
		return ENOENT;
	return tel_call_transfer_out(c, agent, number);
}

int tel_consult(struct tel *t, int64_t call_id, uint32_t agent, uint32_t target_agent,
                const char *number, const char *note)
{
	struct tel_call *c = t ? tel_call_find(t, call_id) : NULL;

	if (!c)
		return ENOENT;
	return tel_call_consult(c, agent, target_agent, number, note);
}

int tel_consult_end(struct tel *t, int64_t call_id, uint32_t agent, bool complete)
{
	struct tel_call *c = t ? tel_call_find(t, call_id) : NULL;

	if (!c)
		return ENOENT;
	return tel_call_consult_end(c, agent, complete);
}

void tel_call_json(struct tel *t, int64_t call_id, json_t *o)
{
	struct tel_call *c = t && o ? tel_call_find(t, call_id) : NULL;

	if (c)
		tel_call_describe(c, o);
}

int tel_consulted(struct tel *t, int64_t call_id, uint32_t agent, uint32_t *by, bool *handed)
{
	struct tel_call *c = t ? tel_call_find(t, call_id) : NULL;

	return c ? tel_call_consulted(c, agent, by, handed) : ENOENT;
}

int tel_handed_json(struct tel *t, int64_t call_id, uint32_t agent, json_t **out)
{
	struct tel_call *c = t ? tel_call_find(t, call_id) : NULL;

	return c ? tel_call_handed_json(c, agent, out) : ENOENT;
}

int tel_handed_hangup(struct tel *t, int64_t call_id, uint32_t agent)
{
	struct tel_call *c = t ? tel_call_find(t, call_id) : NULL;

	return c ? tel_call_handed_hangup(c, agent) : ENOENT;
}

int tel_note(struct tel *t, int64_t call_id, const char *note)
{
	struct tel_call *c = t ? tel_call_find(t, call_id) : NULL;

	if (!c)
		return ENOENT;
	tel_call_note(c, note);
	return 0;
}

void tel_counts(const struct tel *t, uint32_t *calls, uint32_t *surveys)
{
	*calls = t ? list_count(&t->calls) : 0;
	*surveys = t ? list_count(&t->surveys) : 0;
}

void tel_free(struct tel *t)
{
	mem_deref(t);
}
