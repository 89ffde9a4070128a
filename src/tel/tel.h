/* Telephony: SIP calls into the queue engine, agents' phones rung over SIP, media anchored here. */
#ifndef LOTSEN_TEL_TEL_H
#define LOTSEN_TEL_TEL_H

#include <stdint.h>

struct app;
struct tel;

/* Listen for SIP on `sip_addr` ("127.0.0.1:5060"; UDP and TCP) and take the calls dialled
 * to the entry numbers into the queue of `app->acd`, which must outlive the module. A
 * standby node (app->acd NULL: another node runs the queue) answers OPTIONS and new
 * INVITEs 503, so the front in front of the nodes sends calls elsewhere, until
 * tel_queue_attach. Agents' phones are where they REGISTERed (digest auth with their SIP secret),
 * else the users' sip_uri. Prompts are the NAME.wav files of
 * `prompts_dir` (NULL or "": the ones the build made); none is no error. Recordings are
 * written under `rec_dir` (made when missing). A call whose caller (or agent) leg has sent
 * no RTP or RTCP for `rtp_timeout_s` seconds, not on hold, is ended as if hung up (0: never).
 * EINVAL for a bad address, EADDRINUSE and the like when the port cannot be bound. */
int tel_alloc(struct tel **tp, struct app *app, const char *sip_addr, const char *prompts_dir,
              const char *rec_dir, uint32_t rtp_timeout_s);
/* The standby took over the queue (app->acd is set now): calls are taken from here on. */
int tel_queue_attach(struct tel *t);
/* Hang up every call (the engine hears of it) and close the sockets. NULL is a no-op. */
void tel_free(struct tel *t);

/* What the module holds now: calls (caller legs, with their agent legs) and post-call
 * survey calls. Both are 0 once every caller has hung up; /healthz shows them. */
void tel_counts(const struct tel *t, uint32_t *calls, uint32_t *surveys);

/* The talking agent asks for the call to be recorded from now on. ENOENT: no such call on
 * the phone network; EPERM: `agent` is not the one talking; EIO: the file cannot be made. */
int tel_record(struct tel *t, int64_t call_id, uint32_t agent);

/* Set a user's SIP secret for REGISTER: only its digest HA1, MD5(username:lotsen:secret),
 * is stored. Works without the module running. ENOENT: no such user. */
struct db;
int tel_sip_secret_set(struct db *db, int64_t user_id, const char *secret, int64_t now_ms);

/* ---- administration (the HTTP API calls these) ---- */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct verrors;

#define TEL_MENU_DEPTH 3 /* a menu, its submenus and theirs */

typedef bool(tel_prompt_known_h)(const char *name, void *arg);

struct tel_menu_ctx {
	struct db *db;             /* groups named by the menu must exist here */
	tel_prompt_known_h *known; /* is there a prompt of this name? NULL: any well-formed name */
	void *arg;
};

/* Check a voice menu fully (keys, digits, groups that exist, prompts, timeouts, nesting);
 * every problem is added to `e` with its field ("menu.options.1.group"). EBADMSG when any. */
int tel_menu_check(const struct tel_menu_ctx *x, const json_t *menu, struct verrors *e);
/* The option a digit chooses in a menu (borrowed from it), or NULL when there is none. */
const json_t *tel_menu_option(const json_t *menu, char digit);
/* Where the digits `keys` lead in an entry number's menu, as a caller pressing them: an
 * option with `group` ends the walk there, `menu` goes down, `announcement` and `repeat`
 * stay. Digits that end in a menu give its `default_group` (or the top menu's), else
 * `fallback`. Commas and spaces between digits are ignored. EINVAL when a digit has no
 * option (*bad is its index in keys) or a digit follows the group. */
int tel_menu_follow(const json_t *menu, const char *keys, uint32_t fallback, uint32_t *group,
                    size_t *bad);
/* Is there a prompt called `name`: among the running module's, or (t NULL) among the build's
 * files? */
bool tel_prompt_known(const char *name, void *t);
/* Speak `text` (Swedish, espeak-ng + sox) into an 8 kHz mono 16-bit WAV; *wav malloc'ed.
 * EINVAL: empty or too long text; ENOEXEC: the programs are missing or failed. */
int tel_tts(const char *text, uint8_t **wav, size_t *n);
#define TEL_TTS_MAX 1000 /* characters of text */
/* Check an uploaded WAV is 8 kHz mono 16-bit PCM. EBADMSG: not a WAV; ENOTSUP: another
 * format. */
int tel_wav_check(const uint8_t *wav, size_t n, int64_t *duration_ms);
/* Base64 text to bytes (*out malloc'ed). EBADMSG: not base64. */
int tel_base64_decode(const char *in, uint8_t **out, size_t *n);
/* A group's announcement or the crisis message (group 0) changed: calls from now on hear
 * the new one. NULL t is a no-op. */
void tel_announcement_changed(struct tel *t, uint32_t group);

/* The talking agent sends the call to an outside number (E.164) through the outbound trunk.
 * ENOENT: no such call on the phone network; EPERM: not the agent talking; ENOTSUP: no
 * outbound trunk. */
int tel_transfer_out(struct tel *t, int64_t call_id, uint32_t agent, const char *number);

/* The note a transfer carries (bytes, NUL not counted, less than this). */
#define TEL_NOTE_MAX 512
/* A language code: 2 or 3 lowercase letters ("fi", "sv", "ar"). */
bool tel_lang_ok(const char *s);

/* Consultative (announced) transfer, for the agent talking in the call: hold the caller and
 * call `target_agent`'s phone, or when 0 `number` (E.164) through the outbound trunk; the
 * note (NULL: none) follows the call to the target's phone and the call's record. ENOENT:
 * no such call on the phone network; EPERM: not this agent's talking call; EBUSY: a
 * consultation runs already; ECONNREFUSED: the target agent is busy in the queue (ringing,
 * talking, consulted by someone else); ENOTSUP: no outbound trunk; EHOSTUNREACH: the agent
 * has no phone; EINVAL: the agent itself. The queue offers a consulted agent nothing until
 * the consultation ends (completed: until the call ends, then wrap-up). */
int tel_consult(struct tel *t, int64_t call_id, uint32_t agent, uint32_t target_agent,
                const char *number, const char *note);
/* Complete (caller bridged to the target, the agent released to wrap-up) or cancel (back to
 * the caller). ENOENT: no such call; EALREADY: no consultation; EPERM: not this agent's;
 * EBUSY (complete): the target has not answered yet. */
int tel_consult_end(struct tel *t, int64_t call_id, uint32_t agent, bool complete);
/* Add what the phone network knows of a call to its JSON: "lang" (asked for), "note" (the
 * transfer note), "urgent", "consulting". Nothing when the call is not on the network. */
void tel_call_json(struct tel *t, int64_t call_id, json_t *o);
/* The agent is consulted in the call: rung by the colleague who talks with its caller
 * (*handed false), or handed that caller by the colleague (*handed true); *by is the
 * colleague. ENOENT: no such call on the network, or the agent is not consulted in it. */
int tel_consulted(struct tel *t, int64_t call_id, uint32_t agent, uint32_t *by, bool *handed);
/* A call handed over to the agent by a consultation, which the queue no longer holds: as
 * the queue saw it at the hand-over (caller, entry number, path), talking with the agent,
 * "handed_over": true, and what tel_call_json adds. ENOENT: not handed over to agent. */
int tel_handed_json(struct tel *t, int64_t call_id, uint32_t agent, json_t **out);
/* The agent hangs up, from the desk, the call a consultation handed over to them: the
 * caller gets BYE, the agent's phone too, the agent wraps up. ENOENT: not handed to them. */
int tel_handed_hangup(struct tel *t, int64_t call_id, uint32_t agent);
/* A note that follows the call from now on (a blind transfer's). ENOENT: no such call on
 * the phone network (a call of the test entry: nothing to carry it). */
int tel_note(struct tel *t, int64_t call_id, const char *note);

/* A trunk's digest HA1, MD5(username:lotsen:secret), as hex. */
int tel_digest_ha1(const char *username, const char *secret, char ha1[33]);

/* A coach listens to a bridged call: Lotsen calls `uri` and sends it the caller and the
 * agent mixed, one way. ENOENT: no such call on the phone network; EBUSY: not talking
 * (yet) or someone listens already; EINVAL: a bad URI. */
int tel_listen(struct tel *t, int64_t call_id, uint32_t coach, const char *uri);

#endif
