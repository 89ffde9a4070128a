/* Telephony: SIP calls into the queue engine, agents' phones rung over SIP, media anchored here. */
#ifndef LOTSEN_TEL_TEL_H
#define LOTSEN_TEL_TEL_H

#include <stdint.h>

struct app;
struct tel;

/* Listen for SIP on `sip_addr` ("127.0.0.1:5060"; UDP and TCP) and take the calls dialled
 * to the entry numbers into the queue of `app->acd`, which must be running and outlive the
 * module. Agents' phones are where they REGISTERed (digest auth with their SIP secret),
 * else the users' sip_uri. Prompts are the NAME.wav files of
 * `prompts_dir` (NULL or "": the ones the build made); none is no error. Recordings are
 * written under `rec_dir` (made when missing). EINVAL for a bad address, EADDRINUSE and the
 * like when the port cannot be bound. */
int tel_alloc(struct tel **tp, struct app *app, const char *sip_addr, const char *prompts_dir,
              const char *rec_dir);
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

#endif
