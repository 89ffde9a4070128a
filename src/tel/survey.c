/* The post-call survey: after an answered call whose caller pressed 1 on the offer, Lotsen
 * calls the citizen back at the original Contact host (no trunk yet), plays each question,
 * takes one digit per question and stores it with the call id and the agent. */
#include <errno.h>
#include <string.h>

#include "tel/tel_int.h" /* first: libre headers have no include guards */
#include <re_mem.h>
#include <re_uri.h>
#include <re_msg.h>
#include <re_sip.h>
#include <re_sipsess.h>

#include "acdhost/acd_host.h"
#include "base/log.h"
#include "core/app.h"
#include "tel/tel_store.h"

#define SURVEY_CUSER      "lotsen"
#define SURVEY_ALLOW      "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO\r\n"
#define SURVEY_DELAY_MS   2000  /* after the call, before dialling: the citizen hangs up first */
#define SURVEY_TIMEOUT_MS 5000  /* no digit this long after a question: no answer to it */
#define SURVEY_RING_MS    30000 /* the citizen does not answer: give up */
#define SURVEY_MAX_Q      16

struct tel_survey {
	struct le le;      /* in tel->surveys, which holds one reference */
	struct tel *tel;   /* borrowed */
	int64_t call_id;   /* the API's call id the answers belong to */
	uint32_t group;    /* the group whose survey it is */
	uint32_t agent;    /* the agent who talked */
	char uri[160];     /* sip:<caller>@<Contact host:port> */
	char from[128];    /* the entry number at Lotsen */
	json_t *questions; /* the survey's questions (owned) */
	size_t q;          /* the question playing or waiting for its digit */
	int answered;      /* digits stored */
	bool up;           /* the citizen answered */
	bool thanking;     /* the thank-you plays; then BYE */
	struct sipsess *sess;
	struct media *media;
	struct tmr tmr;      /* the dial delay, a question's timeout, the end */
	struct tmr dtmf_tmr; /* digits are handled on the next loop step */
	char digits[8];
};

static void survey_destructor(void *arg)
{
	struct tel_survey *s = arg;

	tmr_cancel(&s->tmr);
	tmr_cancel(&s->dtmf_tmr);
	list_unlink(&s->le);
	mem_deref(s->sess);
	mem_deref(s->media);
	json_decref(s->questions);
}

/* Hang up (BYE, or CANCEL while ringing) and forget the survey. */
static void survey_end(struct tel_survey *s)
{
	if (!s->le.list)
		return;
	log_info("tel.survey", "call=%lld end=true answered=%s answers=%d", (long long)s->call_id,
	         s->up ? "true" : "false", s->answered);
	if (s->up)
		(void)tel_store_survey_done(s->tel->app->db, s->group);
	list_unlink(&s->le);
	mem_deref(s);
}

static void end_tmr_h(void *arg)
{
	survey_end(arg);
}

static const char *q_prompt(const struct tel_survey *s, size_t i)
{
	json_t *q = json_array_get(s->questions, i);

	return json_is_string(q) ? json_string_value(q)
	                         : json_string_value(json_object_get(q, "prompt"));
}

/* The highest answer a question takes ({"prompt":…,"max":4}); 5 by default. */
static int q_max(const struct tel_survey *s, size_t i)
{
	json_t *m = json_object_get(json_array_get(s->questions, i), "max");

	return json_is_integer(m) && json_integer_value(m) >= 1 && json_integer_value(m) <= 9
	               ? (int)json_integer_value(m)
	               : 5;
}

static void play(struct tel_survey *s, const char *name, media_done_h *doneh)
{
	struct prompt *p = name ? prompt_find(&s->tel->prompts, name) : NULL;

	media_play(s->media, &p, p ? 1 : 0, false, doneh, s);
}

static void ask(struct tel_survey *s);

static void thanks_done_h(void *arg)
{
	struct tel_survey *s = arg;

	/* Not inside the media's own timer: the media goes. */
	tmr_start(&s->tmr, 0, end_tmr_h, s);
}

static void next_question(struct tel_survey *s)
{
	s->q++;
	ask(s);
}

static void q_timeout_h(void *arg)
{
	struct tel_survey *s = arg;

	log_info("tel.survey", "call=%lld question=%zu answer=none", (long long)s->call_id,
	         s->q + 1);
	next_question(s);
}

static void q_played_h(void *arg)
{
	struct tel_survey *s = arg;

	tmr_start(&s->tmr, SURVEY_TIMEOUT_MS, q_timeout_h, s);
}

static void ask(struct tel_survey *s)
{
	tmr_cancel(&s->tmr);
	if (s->q >= json_array_size(s->questions) || s->q >= SURVEY_MAX_Q) {
		s->thanking = true;
		play(s, "enkat_tack", thanks_done_h);
		return;
	}
	play(s, q_prompt(s, s->q), q_played_h);
}

static void digit(struct tel_survey *s, char d)
{
	int v = d - '0';
	int err;

	if (!s->up || s->thanking || s->q >= json_array_size(s->questions))
		return;
	if (v < 1 || v > q_max(s, s->q)) {
		log_info("tel.survey", "call=%lld question=%zu digit=%c valid=false",
		         (long long)s->call_id, s->q + 1, d);
		return; /* the question waits on */
	}
	err = tel_store_survey_answer(s->tel->app->db, s->call_id, s->group, s->agent,
	                              (int)s->q + 1, q_prompt(s, s->q), v, acd_now_ms());
	if (!err)
		s->answered++;
	log_info("tel.survey", "call=%lld question=%zu answer=%d error=\"%s\"",
	         (long long)s->call_id, s->q + 1, v, err ? strerror(err) : "none");
	media_stop(s->media); /* barge-in */
	next_question(s);
}

static void dtmf_tmr_h(void *arg)
{
	struct tel_survey *s = arg;

	mem_ref(s);
	while (s->digits[0] && s->le.list) {
		char d = s->digits[0];
		memmove(s->digits, s->digits + 1, sizeof(s->digits) - 1);
		digit(s, d);
	}
	mem_deref(s);
}

static void dtmf_h(char d, void *arg)
{
	struct tel_survey *s = arg;
	size_t n = strlen(s->digits);

	if (n + 1 < sizeof(s->digits)) {
		s->digits[n] = d;
		s->digits[n + 1] = '\0';
	}
	tmr_start(&s->dtmf_tmr, 0, dtmf_tmr_h, s);
}

static int offer_h(struct mbuf **descp, const struct sip_msg *msg, void *arg)
{
	struct tel_survey *s = arg;

	return media_answer(s->media, msg->mb, descp);
}

static int answer_h(const struct sip_msg *msg, void *arg)
{
	struct tel_survey *s = arg;

	return media_accept(s->media, msg->mb);
}

static void progr_h(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
}

static void estab_h(const struct sip_msg *msg, void *arg)
{
	struct tel_survey *s = arg;

	(void)msg;
	s->up = true;
	log_info("tel.survey", "call=%lld answered=true", (long long)s->call_id);
	ask(s);
}

static void close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct tel_survey *s = arg;

	log_info("tel.survey", "call=%lld closed=\"%s\" scode=%u", (long long)s->call_id,
	         err == ECONNRESET ? "bye"
	         : err             ? strerror(err)
	                           : "final response",
	         msg ? msg->scode : 0);
	survey_end(s);
}

static void ring_timeout_h(void *arg)
{
	struct tel_survey *s = arg;

	log_info("tel.survey", "call=%lld answered=false reason=timeout", (long long)s->call_id);
	survey_end(s);
}

static void dial_h(void *arg)
{
	struct tel_survey *s = arg;
	struct tel *t = s->tel;
	struct mbuf *desc = NULL;
	int err;

	err = media_alloc(&s->media, &t->media_ip, t->clock);
	if (!err)
		err = media_offer(s->media, &desc);
	if (!err)
		err = sipsess_connect(&s->sess, t->sock, s->uri, "Lotsen", s->from, SURVEY_CUSER,
		                      NULL, 0, "application/sdp", desc, NULL, NULL, false, offer_h,
		                      answer_h, progr_h, estab_h, NULL, NULL, close_h, s,
		                      SURVEY_ALLOW);
	mem_deref(desc);
	log_info("tel.survey", "call=%lld dial=\"%s\" error=\"%s\"", (long long)s->call_id, s->uri,
	         err ? strerror(err) : "none");
	if (err) {
		survey_end(s);
		return;
	}
	media_set_dtmf(s->media, dtmf_h, s);
	tmr_start(&s->tmr, SURVEY_RING_MS, ring_timeout_h, s);
}

void tel_survey_start(struct tel *t, int64_t call_id, uint32_t group, uint32_t agent,
                      const char *number, const char *contact, const char *entry, json_t *questions)
{
	struct tel_survey *s;
	int64_t trunk = 0;

	if (t->closing || !number || !number[0] || !json_is_array(questions))
		return;
	s = mem_zalloc(sizeof(*s), survey_destructor);
	if (!s)
		return;
	s->tel = t;
	s->call_id = call_id;
	s->group = group;
	s->agent = agent;
	s->questions = json_incref(questions);
	tmr_init(&s->tmr);
	tmr_init(&s->dtmf_tmr);
	/* Through the outbound trunk, else back to the host the caller called from. */
	tel_trunk_route(t, number, contact ? contact : "", entry, s->uri, sizeof(s->uri), s->from,
	                sizeof(s->from), &trunk);
	if (!trunk && (!contact || !contact[0])) {
		mem_deref(s);
		return;
	}
	list_append(&t->surveys, &s->le, s);
	log_info("tel.survey", "call=%lld group=%u agent=%u questions=%zu trunk=%lld",
	         (long long)call_id, group, agent, json_array_size(questions), (long long)trunk);
	tmr_start(&s->tmr, SURVEY_DELAY_MS, dial_h, s);
}

void tel_surveys_stop(struct tel *t)
{
	struct le *le;

	while ((le = list_head(&t->surveys)) != NULL)
		survey_end(le->data);
}
