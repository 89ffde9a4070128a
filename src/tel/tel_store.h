/* Telephony's own tables: call records, group policies (recording, survey) and survey answers. */
#ifndef LOTSEN_TEL_TEL_STORE_H
#define LOTSEN_TEL_TEL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct db;

/* One caller leg with the agent leg it talked to (or none), written when that pair ends. */
struct tel_record {
	int64_t call_id;         /* the API's call id */
	char caller_callid[128]; /* SIP Call-ID of the caller's leg */
	char agent_callid[128];  /* SIP Call-ID of the agent's leg, "" when none answered */
	char caller[32];         /* the caller's number, "" withheld */
	char entry[32];          /* the number dialled */
	uint32_t group;          /* the group at the end of the pair */
	uint32_t agent;          /* the agent who talked, 0 none */
	int64_t arrived_ms;      /* the caller reached the queue (or the agent, after a transfer) */
	int64_t answered_ms;     /* the agent's phone answered, 0 never */
	int64_t ended_ms;        /* the pair ended */
	const char *end_reason;  /* caller_hangup, agent_hangup, transferred, closed, … */
	char recording[512];     /* the WAV file, "" none */
	int64_t recording_ms;    /* its length */
	char outside[32];        /* the outside number the call was sent to, "" none */
	char note[512];          /* the transfer note that followed the call, "" none */
	char lang[4];            /* the language the caller asked for, "" any */
};

/* The group an entry number leads to; 0 when none. */
uint32_t tel_store_entry_group(struct db *db, const char *number);
/* An entry number's language ("fi"; "" when none asked for), and setting it (NULL or ""
 * clears; ENOENT: no such number). */
void tel_store_entry_language(struct db *db, const char *number, char *lang, size_t n);
int tel_store_entry_language_set(struct db *db, const char *number, const char *lang);
/* The menu JSON of an entry number (new reference) or NULL; logs a menu that does not parse. */
json_t *tel_store_entry_menu(struct db *db, const char *number);
/* Does the group announce position and wait (announce_every_s set)? */
bool tel_store_group_announces(struct db *db, uint32_t group);

/* The "tel" migrations (after the acd ones). */
int tel_store_migrate(struct db *db);
int tel_store_record(struct db *db, const struct tel_record *rec);
/* Which rows a list of calls or survey answers gives: [from_ms, to_ms) of one group or all
 * (0), `limit` of them after skipping `offset`. */
struct tel_range {
	int64_t from_ms, to_ms;
	uint32_t group;
	int64_t limit, offset;
};
/* The calls ended in the range, oldest first; *total counts them all. */
int tel_store_calls_json(struct db *db, const struct tel_range *q, json_t **items, int64_t *total);

/* A group's policy; absent rows mean no recording, no retention limit, no survey. */
struct tel_policy {
	bool record;        /* record every bridged call of the group */
	int recording_days; /* delete recordings older than this at start; 0 keeps them */
	json_t *survey;     /* the active survey (new reference) or NULL */
};
int tel_store_policy(struct db *db, uint32_t group, struct tel_policy *p);
/* One more answer to the group's survey; the survey ends itself after max_answers calls. */
int tel_store_survey_answer(struct db *db, int64_t call_id, uint32_t group, uint32_t agent,
                            int question, const char *prompt, int answer, int64_t t_ms);
/* A survey call finished: count it against max_answers. */
int tel_store_survey_done(struct db *db, uint32_t group);
/* The survey answers given in the range, oldest first; *total counts them all. */
int tel_store_answers_json(struct db *db, const struct tel_range *q, json_t **items,
                           int64_t *total);
/* Delete recording files older than their group's recording_days; `deleted` counts them. */
int tel_store_expire_recordings(struct db *db, int64_t now_ms, int *deleted);

/* ---- users and groups as the SIP side reads them ---- */

/* A phone's registration (REGISTER), kept so that the node that runs the queue next (a
 * restart, a failover) reaches the phone before it registers again. */
int tel_store_binding_put(struct db *db, int64_t user, const char *contact, int64_t expires_ms);
int tel_store_binding_delete(struct db *db, int64_t user);
/* Each registration that runs past now_ms (the lapsed ones are deleted first). */
typedef void(tel_binding_h)(int64_t user, const char *contact, int64_t expires_ms, void *arg);
int tel_store_bindings_each(struct db *db, int64_t now_ms, tel_binding_h *h, void *arg);

/* An active user's users.sip_uri into uri (cut to n); ENOENT when inactive, unknown or unset. */
int tel_store_user_sip_uri(struct db *db, uint32_t user, char *uri, size_t n);
/* A user's username (*name malloc'ed, free it); ENOENT when there is no such user. */
int tel_store_username(struct db *db, int64_t user_id, char **name);
/* Is there a group with this id (active or not)? false also for ids <= 0. */
bool tel_store_group_exists(struct db *db, int64_t group);

/* ---- administration ---- */

/* {"group_id","record","recording_days","survey","survey_calls"} (defaults when no row). */
int tel_store_policy_json(struct db *db, uint32_t group, json_t **out);
/* Write a group's whole policy; `survey` is JSON text or NULL (none); `reset_calls` starts
 * counting survey calls against max_answers from 0 again. */
int tel_store_policy_put(struct db *db, uint32_t group, bool record, int recording_days,
                         const char *survey, bool reset_calls);
/* A group's announcement (talsvar) or, for group 0, the crisis message: an 8 kHz mono
 * 16-bit WAV and the text it was spoken from (NULL: uploaded). */
int tel_store_announcement_set(struct db *db, uint32_t group, const char *text, const void *wav,
                               size_t n, bool active, int64_t now_ms);
/* Switch one on or off; ENOENT when there is none. */
int tel_store_announcement_active(struct db *db, uint32_t group, bool active, int64_t now_ms);
int tel_store_announcement_delete(struct db *db, uint32_t group);
/* The active announcement's WAV (*wav malloc'ed, free it) and when it changed; ENOENT none. */
int tel_store_announcement(struct db *db, uint32_t group, uint8_t **wav, size_t *n,
                           int64_t *updated_ms);
/* [{"group_id","text","active","updated_ms","duration_ms","source"}], without the audio. */
int tel_store_announcements_json(struct db *db, json_t **out);
/* [{"number","group_id","menu"}] of every entry number. */
int tel_store_entries_json(struct db *db, json_t **out);
/* Set (JSON text) or clear (NULL) an entry number's menu; ENOENT: no such number. */
int tel_store_entry_menu_set(struct db *db, const char *number, const char *menu);

/* ---- trunks: operators and PBXs that send calls in and take calls out ---- */

struct tel_trunk {
	const char *name;        /* what the administrator calls it */
	const char *sources;     /* JSON list of IP addresses whose INVITEs are let in */
	const char *username;    /* digest user for calls in, or NULL */
	char ha1[33];            /* MD5(username:lotsen:secret), "" none */
	bool outbound;           /* calls out go through it */
	const char *proxy;       /* "IP:port" calls out are sent to */
	const char *from_number; /* the number calls out show, or NULL (the entry number) */
	bool active;
};
/* [{…}] of every trunk (id 0) or the one trunk (ENOENT none); never the HA1. */
int tel_store_trunks_json(struct db *db, int64_t id, json_t **out);
/* Create (*id 0: the new id comes back) or replace a trunk. EEXIST: the username is taken. */
int tel_store_trunk_put(struct db *db, int64_t *id, const struct tel_trunk *tr, int64_t now_ms);
/* The stored HA1 of a trunk ("" none), to keep it when a change leaves the secret alone. */
int tel_store_trunk_ha1_of(struct db *db, int64_t id, char ha1[33]);
int tel_store_trunk_delete(struct db *db, int64_t id);
/* May an INVITE from `ip` come in? ENOENT: no active trunk at all (everyone may); else 0 with
 * *id the trunk whose sources hold ip (0 none) and whether any trunk takes digest auth. */
int tel_store_trunk_admit(struct db *db, const char *ip, int64_t *id, bool *digest_any);
/* The active trunk with this digest username; ENOENT none. */
int tel_store_trunk_digest(struct db *db, const char *username, int64_t *id, char ha1[33]);
/* The active outbound trunk (the lowest id): its proxy and from-number; ENOENT none. */
int tel_store_trunk_outbound(struct db *db, int64_t *id, char *proxy, size_t np, char *from,
                             size_t nf);

/* A user's SIP digest secret, stored only as HA1 = hex MD5(username:lotsen:secret). */
int tel_store_sip_ha1_set(struct db *db, int64_t user_id, const char *ha1, int64_t now_ms);
/* The HA1 of an active user by username; ENOENT when there is no such user or no secret. */
int tel_store_sip_ha1(struct db *db, const char *username, int64_t *user_id, char ha1[33]);

#endif
