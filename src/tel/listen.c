/* Listening in (medlyssning): a coach hears a bridged call live. Lotsen calls the coach's
 * phone and sends it the caller and the agent mixed — decoded, summed with clipping, encoded
 * in the coach leg's codec — one way; nothing the coach's phone sends reaches the call. */
#include <errno.h>
#include <string.h>

#include "tel/tel_int.h" /* first: libre headers have no include guards */
#include <re_mem.h>
#include <re_uri.h>
#include <re_msg.h>
#include <re_sip.h>
#include <re_sipsess.h>

#include "base/log.h"
#include "core/app.h"
#include "tel/tel.h"

#define LISTEN_CUSER "lotsen"
#define LISTEN_ALLOW "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n"
#define LOUD_RMS     300 /* a frame above this is speech or tone, not silence or noise */

struct tel_listen {
	struct le le;          /* in tel->listeners, which holds one reference */
	struct tel *tel;       /* borrowed */
	int64_t call_id;       /* the call listened to */
	uint32_t coach;        /* who listens (users.id) */
	char uri[256];         /* the coach's phone */
	struct sipsess *sess;  /* the coach's leg */
	struct media *media;   /* its RTP, send only in effect */
	struct recorder *mix;  /* the two sides mixed, 20 ms at a time */
	bool up;               /* the coach answered */
	uint64_t frames, loud; /* frames sent; of them above LOUD_RMS */
	struct tmr tmr;        /* ends it on the next loop step (not inside a SIP handler) */
};

static void listen_destructor(void *arg)
{
	struct tel_listen *l = arg;

	tmr_cancel(&l->tmr);
	list_unlink(&l->le);
	mem_deref(l->mix);
	mem_deref(l->sess);
	mem_deref(l->media);
}

/* Take the mix off the call (if it still runs) and hang the coach up. */
static void listen_end(struct tel_listen *l, const char *why)
{
	struct tel_call *c = tel_call_find(l->tel, l->call_id);
	uint64_t rx, tx, rel;

	if (!l->le.list)
		return;
	if (c) {
		(void)tel_call_monitor(c, NULL);
		tel_call_unwatch(c, l);
	}
	media_counts(l->media, &rx, &tx, &rel);
	log_info("tel.listen",
	         "call=%lld coach=%u end=true reason=\"%s\" frames=%llu loud=%llu tx=%llu rx=%llu",
	         (long long)l->call_id, l->coach, why, (unsigned long long)l->frames,
	         (unsigned long long)l->loud, (unsigned long long)tx, (unsigned long long)rx);
	list_unlink(&l->le);
	mem_deref(l);
}

/* The call ended or moved on to another agent. */
static void gone_h(void *arg)
{
	listen_end(arg, "call ended");
}

static void sink_h(const int16_t *s, size_t n, void *arg)
{
	struct tel_listen *l = arg;
	int64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (int64_t)s[i] * s[i];
	l->frames++;
	if (n && sum / (int64_t)n > (int64_t)LOUD_RMS * LOUD_RMS)
		l->loud++;
	media_send_pcm(l->media, s, n);
}

static int offer_h(struct mbuf **descp, const struct sip_msg *msg, void *arg)
{
	struct tel_listen *l = arg;

	return media_answer(l->media, msg->mb, descp);
}

static int answer_h(const struct sip_msg *msg, void *arg)
{
	struct tel_listen *l = arg;

	return media_accept(l->media, msg->mb);
}

static void progr_h(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
}

static void later_h(void *arg)
{
	listen_end(arg, "call not talking");
}

static void estab_h(const struct sip_msg *msg, void *arg)
{
	struct tel_listen *l = arg;
	struct tel_call *c = tel_call_find(l->tel, l->call_id);
	int err;

	(void)msg;
	l->up = true;
	err = c ? recorder_alloc_sink(&l->mix, sink_h, l) : ENOENT;
	if (!err)
		err = tel_call_monitor(c, l->mix);
	log_info("tel.listen", "call=%lld coach=%u answered=true error=\"%s\"",
	         (long long)l->call_id, l->coach, err ? strerror(err) : "none");
	if (err)
		tmr_start(&l->tmr, 0, later_h, l);
}

static void close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct tel_listen *l = arg;

	/* Freeing the session inside its own close handler is safe (libre has ended it). */
	listen_end(l, err == ECONNRESET   ? "coach hung up"
	              : msg && msg->scode ? "not answered"
	                                  : "failed");
}

int tel_listen(struct tel *t, int64_t call_id, uint32_t coach, const char *uri)
{
	struct tel_call *c = t ? tel_call_find(t, call_id) : NULL;
	struct tel_listen *l;
	struct mbuf *desc = NULL;
	char from[128];
	int err;

	if (!c)
		return ENOENT;
	for (struct le *le = t->listeners.head; le; le = le->next)
		if (((struct tel_listen *)le->data)->call_id == call_id)
			return EBUSY;
	if (!tel_call_bridged(c))
		return EBUSY;
	l = mem_zalloc(sizeof(*l), listen_destructor);
	if (!l)
		return ENOMEM;
	tmr_init(&l->tmr);
	l->tel = t;
	l->call_id = call_id;
	l->coach = coach;
	if (uri && uri[0])
		(void)re_snprintf(l->uri, sizeof(l->uri), "%s", uri);
	else if (tel_agent_uri(t, coach, l->uri, sizeof(l->uri)) != 0) {
		mem_deref(l);
		return EINVAL;
	}
	(void)re_snprintf(from, sizeof(from), "sip:lotsen@%J", &t->laddr);
	err = media_alloc(&l->media, &t->media_ip, t->clock);
	if (!err)
		err = media_offer(l->media, &desc);
	if (!err)
		err = sipsess_connect(&l->sess, t->sock, l->uri, "Lotsen", from, LISTEN_CUSER, NULL,
		                      0, "application/sdp", desc, NULL, NULL, false, offer_h,
		                      answer_h, progr_h, estab_h, NULL, NULL, close_h, l,
		                      "X-Lotsen-Listen: %lld\r\n" LISTEN_ALLOW, (long long)call_id);
	mem_deref(desc);
	if (err) {
		log_warn("tel.listen", "call=%lld coach=%u uri=\"%s\" error=\"%s\"",
		         (long long)call_id, coach, l->uri, strerror(err));
		mem_deref(l);
		return EINVAL;
	}
	list_append(&t->listeners, &l->le, l);
	(void)tel_call_watch(c, gone_h, l); /* the one listener of this call (checked above) */
	log_info("tel.listen", "call=%lld coach=%u uri=\"%s\"", (long long)call_id, coach, l->uri);
	return 0;
}

void tel_listen_stop_all(struct tel *t)
{
	struct le *le;

	while ((le = list_head(&t->listeners)) != NULL)
		listen_end(le->data, "shutdown");
}
