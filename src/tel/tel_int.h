/* What the telephony module's files share: the module, its calls and their media. */
#ifndef LOTSEN_TEL_TEL_INT_H
#define LOTSEN_TEL_TEL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <re_types.h>
#include <re_fmt.h>
#include <re_mbuf.h>
#include <re_list.h>
#include <re_sa.h>
#include <re_tmr.h>

#include <jansson.h>

#include "acd/acd.h"

struct app;
struct sip;
struct sip_msg;
struct sipsess_sock;
struct sip_lsnr;

/* ---- tel.c: the module ------------------------------------------------- */

struct tel {
	struct app *app;           /* borrowed; app->acd and app->db are used */
	struct sip *sip;           /* the SIP stack, UDP and TCP on laddr */
	struct sipsess_sock *sock; /* INVITE/BYE/CANCEL dialogs */
	struct sip_lsnr *lsnr;     /* OPTIONS */
	struct sa laddr;           /* where SIP listens */
	struct sa media_ip;        /* where RTP binds and what SDP announces (port 0) */
	struct list calls;         /* struct tel_call, the list holds one reference each */
	struct list surveys; /* struct tel_survey: post-call survey calls, one reference each */
	struct list acts;    /* struct tel_act: the engine's actions not yet done */
	struct tmr act_tmr;  /* runs acts on the next loop step */
	bool recheck;        /* the engine changed: look for calls it ended on its own */
	bool closing;        /* tel_free is hanging up: no more engine feeding */
	struct list prompts; /* struct prompt, loaded at start; may be empty */
	char rec_dir[512];   /* where recordings are written */
	struct sip_lsnr *reg_lsnr;   /* REGISTER */
	struct list bindings;        /* struct binding: registered phones, one per user */
	uint8_t nonce_key[16];       /* signs the registrar's nonces; random at start */
	struct sip_lsnr *check_lsnr; /* refuses malformed requests before any handler */
	struct media_clock *clock;   /* sends every leg's tone and prompt frames */
	struct list dyn;         /* struct prompt: announcements cached from the database ("@N") */
	struct tmr expire_tmr;   /* the recordings' retention job, hourly */
	struct list listeners;   /* struct tel_listen: coaches listening in */
	uint64_t rtp_timeout_ms; /* a leg silent this long ends its call; 0: never */
	struct tmr rtp_tmr;      /* looks for such legs once a second */
};

/* ---- check.c: requests refused before any handler sees them ------------- */

#define TEL_BODY_MAX 16384 /* a larger body is refused with 413 */

/* Refuse what RFC 3261 forbids and libre lets through (400, 413, 416, 420); must be called
 * before the other listeners are added, as libre asks them in order. */
int tel_check_listen(struct tel *t);
void tel_check_close(struct tel *t);

/* ---- registrar.c: REGISTER with digest auth, bindings in memory -------- */

#define TEL_SIP_REALM "lotsen"
#define TEL_REG_MIN_S 60   /* shorter: 423 Interval Too Brief */
#define TEL_REG_MAX_S 3600 /* longer is cut to this; also the default */

/* Answer REGISTER on t->sip (after t->sip exists). */
int tel_registrar_listen(struct tel *t);
/* Stop answering and forget every binding. */
void tel_registrar_close(struct tel *t);
/* The registrations kept in the database that still run (tel_store_binding_put): the
 * node that runs the queue reaches the phones at once. */
void tel_registrar_load(struct tel *t);
/* The Contact an agent's phone registered, while the binding is live; ENOENT otherwise. */
int tel_binding_uri(struct tel *t, uint32_t agent, char *uri, size_t n);
/* A trunk's INVITE is challenged like a REGISTER, with 407 and Proxy-Authenticate. */
void tel_digest_challenge(struct tel *t, const struct sip_msg *msg, bool stale);
/* Check its Proxy-Authorization against the trunks' secrets: 0 (*trunk set); ENOENT: none
 * or not our nonce; ETIMEDOUT: a stale nonce; EPERM: a wrong user or response. */
int tel_digest_verify(struct tel *t, const struct sip_msg *msg, int64_t *trunk);

/* ---- trunk.c: operators and PBXs ------------------------------------------ */

/* May this INVITE come in? true: yes (*trunk the trunk, 0 when none is configured); false:
 * it has been answered (407 challenge or 403). */
bool tel_trunk_admit(struct tel *t, const struct sip_msg *msg, int64_t *trunk);
/* Where a call out to `number` goes: through the outbound trunk when there is one (its
 * proxy and from-number), else to `fallback_host` ("host:port") from `fallback_from`. */
/* Is there an active outbound trunk? */
bool tel_trunk_outbound(struct tel *t);
void tel_trunk_route(struct tel *t, const char *number, const char *fallback_host,
                     const char *fallback_from, char *uri, size_t nu, char *from, size_t nf,
                     int64_t *trunk);

/* ---- prompt.c: recorded or generated speech ------------------------------ */

struct prompt {
	struct le le;  /* in tel->prompts */
	char name[48]; /* the file name without .wav */
	int16_t *s;    /* 8 kHz linear samples */
	size_t n;      /* how many */
};

/* 8 kHz mono 16-bit PCM WAV in, its samples out (*sp new, mem_deref it). EBADMSG: not a
 * WAV; ENOTSUP: another rate, width or channel count. */
int prompt_wav_decode(const uint8_t *buf, size_t len, int16_t **sp, size_t *np);
/* Append every DIR/NAME.wav to `l` (files that do not load are logged and skipped). */
int prompts_load(struct list *l, const char *dir, int *count);
/* The destructor of a struct prompt (frees its samples, leaves its list). */
void prompt_destructor(void *arg);
/* The prompt called `name`, or NULL. Borrowed. */
struct prompt *prompt_find(const struct list *l, const char *name);

/* ---- announce.c: announcements and the crisis message ------------------ */

/* The group's active announcement (group 0: the crisis message), or NULL. Borrowed: the
 * cache keeps it until tel_announcement_changed. */
struct prompt *tel_announcement(struct tel *t, uint32_t group);

/* ---- g711.c: the codecs ------------------------------------------------ */

uint8_t g711_ulaw_encode(int16_t s);
int16_t g711_ulaw_decode(uint8_t u);
uint8_t g711_alaw_encode(int16_t s);
int16_t g711_alaw_decode(uint8_t a);
uint8_t g711_ulaw_to_alaw(uint8_t u);
uint8_t g711_alaw_to_ulaw(uint8_t a);

/* ---- media.c: one RTP leg ---------------------------------------------- */

struct media;
struct media_clock;

/* The one 20 ms timer that sends the frames of every leg playing a tone or prompts. */
int media_clock_alloc(struct media_clock **cp);
/* An RTP socket on `ip` (a free even port) with its SDP: PCMU, PCMA, telephone-event; its
 * frames go out on `clock`'s ticks (referenced). */
int media_alloc(struct media **mp, const struct sa *ip, struct media_clock *clock);
/* The caller's offer in, our answer out (*answer is new). EPROTO: no common codec or no
 * audio; EBADMSG: the SDP does not parse. */
int media_answer(struct media *m, struct mbuf *offer, struct mbuf **answer);
/* Our offer (new mbuf) for an outgoing leg, and the answer that came back. */
int media_offer(struct media *m, struct mbuf **offer);
int media_accept(struct media *m, struct mbuf *answer);
/* The 20 ms tone-and-comfort-noise stream to the remote side, while waiting. */
void media_tone(struct media *m, bool on);
typedef void(media_done_h)(void *arg);
typedef void(media_dtmf_h)(char digit, void *arg);
/* Play prompts one after another (referenced until played), replacing what was playing
 * unless `append`; then call done_h (after the clock's tick: it may free this media, but
 * must not free other calls at once) and go back to the tone if it is on. No prompts: one second of
 * tone instead, so a missing file is heard as a beep. */
void media_play(struct media *m, struct prompt *const *p, size_t n, bool append,
                media_done_h *doneh, void *arg);
/* Stop the prompts (barge-in) without calling done_h. */
void media_stop(struct media *m);
bool media_playing(const struct media *m);
/* Digits the remote side sends (RFC 4733) while the leg is not bridged. */
void media_set_dtmf(struct media *m, media_dtmf_h *dtmfh, void *arg);
/* Relay RTP both ways between two legs (transcoding µ-law ↔ A-law when they differ);
 * stops their tones. Either side's free ends the relay. */
void media_bridge(struct media *a, struct media *b);
/* End the relay between this leg and its bridged leg (a hold); both stay. */
void media_unbridge(struct media *m);
/* How long (ms) the remote side has sent nothing, RTP or RTCP, since its last packet or its
 * last SDP; 0 while it is not expected to send (no SDP yet, or its SDP says sendonly,
 * recvonly or inactive: a hold). `now` is tmr_jiffies(). */
uint64_t media_silence(const struct media *m, uint64_t now);
/* Packets received from the remote side, sent to it, and relayed on to the bridged leg. */
void media_counts(const struct media *m, uint64_t *rx, uint64_t *tx, uint64_t *relayed);
const char *media_codec(const struct media *m);

/* ---- record.c: a call's recording --------------------------------------- */

struct recorder;

/* Start writing an 8 kHz mono 16-bit WAV at `path`; the two sides are mixed. */
int recorder_alloc(struct recorder **rp, const char *path);
/* Samples one side (0 caller, 1 agent) sent. */
void recorder_feed(struct recorder *r, int side, const int16_t *s, size_t n);
/* Mix the two sides the same way but hand each 20 ms frame to `sink` instead of a file
 * (listening in). The sink must not free the recorder. */
typedef void(recorder_sink_h)(const int16_t *s, size_t n, void *arg);
int recorder_alloc_sink(struct recorder **rp, recorder_sink_h *sink, void *arg);
/* Close the file (the header gets its sizes); the recording's length in ms. Idempotent. */
int64_t recorder_stop(struct recorder *r);
/* What a leg receives goes to `r` as side `side` (NULL stops). `r` is borrowed. */
void media_record(struct media *m, struct recorder *r, int side);
/* The same for a second mix (a coach listening in); NULL stops. `r` is borrowed. */
void media_monitor(struct media *m, struct recorder *r, int side);
/* Send linear samples to the remote side in the leg's codec (a one-way stream). */
void media_send_pcm(struct media *m, const int16_t *s, size_t n);

/* ---- survey.c: the post-call survey ------------------------------------- */

/* In SURVEY_DELAY_MS, call sip:<number>@<contact> (from the entry number), play each
 * question of `questions` (prompt names, or {"prompt":…,"max":N}), store one digit per
 * question for call_id/group/agent, thank and hang up. */
void tel_survey_start(struct tel *t, int64_t call_id, uint32_t group, uint32_t agent,
                      const char *number, const char *contact, const char *entry,
                      json_t *questions);
/* Hang up every survey call (at shutdown). */
void tel_surveys_stop(struct tel *t);

/* ---- call.c: a caller, its agent leg, their state ------------------------ */

struct tel_call;

/* An action the engine asked for, kept until the next loop step. */
struct tel_act {
	struct le le;
	struct acd_action act; /* copied from the host's note; `call` is the API's call id */
};

/* Do the actions the engine asked for since the last run (t->acts). Never from a listener. */
void tel_run_actions(struct tel *t);

/* An INVITE to an entry number (the request handler already checked the headers):
 * answers, feeds the engine (after the menu when `menu`, which the call takes). Replies itself on
 * every path. */
void tel_call_incoming(struct tel *t, const struct sip_msg *msg, uint32_t group, const char *entry,
                       const char *caller, json_t *menu);
/* A digit from the caller (RFC 4733 or SIP INFO): menus and the callback offer. */
void tel_call_digit(struct tel_call *c, char digit);
/* The call with this external (API) id, or NULL. Borrowed. */
struct tel_call *tel_call_find(struct tel *t, int64_t id);
/* The engine's actions for one call. */
void tel_call_queued(struct tel_call *c, uint32_t group, int position, int64_t ewt_s);
void tel_call_announce(struct tel_call *c, int position, int64_t ewt_s);
void tel_call_offer_callback(struct tel_call *c);
void tel_call_callback_dial(struct tel_call *c, uint32_t agent, const char *number);
void tel_call_offer(struct tel_call *c, uint32_t agent);
void tel_call_cancel_offer(struct tel_call *c, uint32_t agent);
void tel_call_connect(struct tel_call *c, uint32_t agent);
void tel_call_closed(struct tel_call *c);
void tel_call_forward(struct tel_call *c, const char *number);
/* Hang up the call when the engine no longer has it (an agent or admin ended it through
 * the API: the engine has no action for that). */
void tel_call_recheck(struct tel_call *c);
/* Hang up both legs without telling the engine (it already knows). */
void tel_call_drop(struct tel_call *c);
/* Start recording the bridged call (the talking agent or the group's policy asked). */
int tel_call_record(struct tel_call *c, uint32_t agent);
/* Put a coach's mix on the bridged call's two legs (NULL takes it off). EBUSY: the call is
 * not talking with the agent's phone up. */
int tel_call_monitor(struct tel_call *c, struct recorder *mix);
/* Someone follows the call (a coach listening in): `gone_h` is called once when the call
 * ends or moves on to another agent, unless tel_call_unwatch came first. EBUSY: the call
 * has a watcher already. */
int tel_call_watch(struct tel_call *c, void (*gone_h)(void *arg), void *arg);
void tel_call_unwatch(struct tel_call *c, void *arg);
/* Talking, with the agent's phone up and both legs' media there. */
bool tel_call_bridged(const struct tel_call *c);
/* The agent's phone: the registered Contact, else users.sip_uri. ENOENT: none. */
int tel_agent_uri(struct tel *t, uint32_t agent, char *uri, size_t n);

/* ---- listen.c: coaches listening in ------------------------------------ */

/* Hang up every listener (at shutdown). */
void tel_listen_stop_all(struct tel *t);

/* The talking agent sends the caller to an outside number through the outbound trunk: the
 * agent's part ends (record, engine, BYE) and Lotsen relays caller and outside leg until
 * either hangs up. EPERM: not this agent's talking call; ENOTSUP: no outbound trunk. */
int tel_call_transfer_out(struct tel_call *c, uint32_t agent, const char *number);

/* Consultative transfer. The talking agent puts the caller on hold (the tone) and calls
 * `target_agent`'s phone or, when 0, `number` through the outbound trunk; the note (may be
 * NULL) goes with the call. EPERM: not this agent's talking call; EBUSY: a consultation
 * runs already; ECONNREFUSED: the target agent is busy in the queue (ringing, talking,
 * consulted); ENOTSUP: no outbound trunk; EHOSTUNREACH: the agent has no phone; EINVAL:
 * the agent consults itself. A consulted agent the queue knows is kept busy there until
 * the consultation ends or, completed, until the call ends (then wrap-up as after a call
 * of its group). */
int tel_call_consult(struct tel_call *c, uint32_t agent, uint32_t target_agent, const char *number,
                     const char *note);
/* Complete (the caller is bridged to the consulted party, the agent released) or cancel
 * (the consulted party's leg ends, caller and agent talk again). EALREADY: no
 * consultation; EPERM: not this agent's; EBUSY (complete): the target has not answered. */
int tel_call_consult_end(struct tel_call *c, uint32_t agent, bool complete);
/* The agent is consulted in the call: rung by the colleague talking with its caller
 * (handed false), or handed that caller (handed true); by: the colleague. ENOENT: not. */
int tel_call_consulted(const struct tel_call *c, uint32_t agent, uint32_t *by, bool *handed);
/* The call handed over to the agent, as the queue last saw it and talking with the agent
 * now ("handed_over": true). ENOENT: not handed over to this agent. */
int tel_call_handed_json(const struct tel_call *c, uint32_t agent, json_t **out);
/* The agent hangs up the call handed over to them (from the desk). ENOENT: not theirs. */
int tel_call_handed_hangup(struct tel_call *c, uint32_t agent);
/* What the phone network knows of the call beyond the queue (lang, note, urgent,
 * consulting), added to `o`. */
void tel_call_describe(const struct tel_call *c, json_t *o);
/* The note that follows the call from now on (a blind transfer's): shown to the next
 * agent's phone and kept on the call's record. */
void tel_call_note(struct tel_call *c, const char *note);

/* Why the call ends, for its record (a static string). */
void tel_call_end_reason(struct tel_call *c, const char *reason);
/* Tell the engine the call is over, then hang up both legs. */
void tel_call_hangup(struct tel_call *c);
/* End the call as if its caller had hung up when a leg that is up (the caller's, or the
 * agent's or outside number's) has sent no RTP or RTCP for `limit_ms`; holds do not count.
 * The call may be freed. `now` is tmr_jiffies(). */
void tel_call_rtp_check(struct tel_call *c, uint64_t now, uint64_t limit_ms);

#endif
