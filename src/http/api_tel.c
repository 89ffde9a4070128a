/* /api/v1/telephony: what callers hear, set by an administrator while the server runs —
 * voice menus on entry numbers, announcements per group, the crisis message, the survey
 * and recording policy per group — and listening in on a call. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acd/acd.h"
#include "acdhost/acd_host.h"
#include "acdhost/acd_store.h"
#include "core/audit.h"
#include "base/contact.h"
#include "core/resource.h"
#include "base/valid.h"
#include "http/http_int.h"
#include "tel/tel.h"
#include "tel/tel_store.h"

#define RETENTION_MAX_DAYS 3650
#define SURVEY_MAX_Q       16
#define SURVEY_MAX_ANSWERS 1000000

static int one_error(struct req *r, const char *field, const char *msg)
{
	struct problem p;

	problem_init(&p);
	valid_add(&p.errors, field, "%s", msg);
	return resp_problem(r, &p);
}

/* Calls, listening in and transfers need the SIP side (serve --sip). */
static int tel_down(struct req *r)
{
	return resp_error(
	        r, 503, "unavailable", L(r, "Ej tillgängligt", "Unavailable"), "%s",
	        L(r, "Telefonin är inte igång (--sip).", "Telephony is not running (--sip)."));
}

/* The phone number of department contact cid (a JSON integer), normalized into number.
 * Returns 0 with number set; else the request is answered (an unknown contact, one with
 * no phone number, a store failure), *answer is what the handler returns and the result is
 * nonzero. */
static int contact_number(struct req *r, const json_t *cid, char *number, size_t n, int *answer)
{
	char phone[128];
	int err = json_is_integer(cid) ? resource_contact_phone(r->app->db, json_integer_value(cid),
	                                                        phone, sizeof(phone))
	                               : ENOENT;

	if (err && err != ENOENT) {
		*answer = resp_store_error(r, err, "contact");
		return err;
	}
	if (!err && (!phone[0] || contact_phone_normalize(phone, number, n) != 0))
		err = EINVAL;
	if (err)
		*answer = one_error(r, "contact_id",
		                    err == ENOENT ? L(r, "kontakten finns inte", "no such contact")
		                                  : L(r, "kontakten har inget telefonnummer",
		                                      "the contact has no phone number"));
	return err;
}

static int audited(struct req *r, const char *action, const char *entity, int64_t id,
                   const char *detail)
{
	if (audit_record(r->app->db, r->now, r->who.id, action, entity, id, detail))
		return resp_store_error(r, EIO, "audit");
	return 0;
}

static int no_group(struct req *r)
{
	return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
	                  L(r, "Det finns ingen svarsgrupp med id %lld.",
	                    "There is no response group with id %lld."),
	                  (long long)r->params[0]);
}

/* ---- overview ------------------------------------------------------------ */

struct policy_walk {
	struct db *db;
	json_t *policies;
};

static int policy_h(const struct group_row *g, void *arg)
{
	struct policy_walk *w = arg;
	json_t *p;

	if (tel_store_policy_json(w->db, (uint32_t)g->id, &p) == 0)
		json_array_append_new(w->policies, p);
	return 0;
}

static int overview(struct req *r)
{
	json_t *o = json_object(), *entries = NULL, *ann = NULL, *pol = json_array();
	struct policy_walk pw = {r->app->db, pol};
	int err;

	err = tel_store_entries_json(r->app->db, &entries);
	if (!err)
		err = tel_store_announcements_json(r->app->db, &ann);
	if (!err)
		err = resource_groups_each(r->app->db, false, policy_h, &pw);
	if (err) {
		json_decref(o);
		json_decref(entries);
		json_decref(ann);
		json_decref(pol);
		return resp_store_error(r, err, "telephony");
	}
	{
		/* The crisis message is announcement 0; it is shown apart. */
		json_t *crisis = json_pack("{s:b,s:n}", "active", 0, "text");
		size_t i;
		json_t *a;
		json_array_foreach(ann, i, a)
		{
			if (json_integer_value(json_object_get(a, "group_id")) == 0) {
				json_decref(crisis);
				crisis = json_incref(a);
				json_array_remove(ann, i);
				break;
			}
		}
		json_object_set_new(o, "crisis", crisis);
	}
	json_object_set_new(o, "entries", entries);
	json_object_set_new(o, "announcements", ann);
	json_object_set_new(o, "policies", pol);
	{
		json_t *tr = NULL;
		if (tel_store_trunks_json(r->app->db, 0, &tr) == 0)
			json_object_set_new(o, "trunks", tr);
	}
	json_object_set_new(o, "running", json_boolean(r->app->tel != NULL));
	return resp_json(r, 200, o);
}

/* ---- menus --------------------------------------------------------------- */

/* PUT /api/v1/telephony/menus {"number": "08-508 001 00", "menu": {…} | null} */
static int menu_put(struct req *r)
{
	json_t *body, *menu, *lang;
	const char *num;
	char number[32];
	struct verrors v;
	bool has_menu;
	int err;

	if (req_json_object(r, &body))
		return 0;
	num = json_string_value(json_object_get(body, "number"));
	menu = json_object_get(body, "menu");
	valid_init(&v, r->lang[0] == 'e');
	if (!num || contact_phone_normalize(num, number, sizeof(number)) != 0)
		valid_add(&v, "number", "%s",
		          VL(&v, "ska vara ett inringningsnummer, t.ex. 08-508 001 00",
		             "must be an entry number, e.g. 08-508 001 00"));
	lang = json_object_get(body, "language");
	if (lang && !json_is_null(lang) && !tel_lang_ok(json_string_value(lang)))
		valid_add(&v, "language", "%s",
		          VL(&v, "ska vara en språkkod (2–3 små bokstäver, t.ex. fi) eller null",
		             "must be a language code (2–3 lowercase letters, e.g. fi) or null"));
	if (!menu)
		valid_add(&v, "menu", "%s",
		          VL(&v, "krävs: en meny eller null för ingen",
		             "is required: a menu, or null for none"));
	else if (!json_is_null(menu)) {
		struct tel_menu_ctx x = {r->app->db, tel_prompt_known, r->app->tel};
		(void)tel_menu_check(&x, menu, &v);
	}
	if (valid_has_errors(&v)) {
		json_decref(body);
		err = resp_field_errors(r, &v);
		valid_free(&v);
		return err;
	}
	valid_free(&v);
	{
		char *text = json_is_null(menu) ? NULL : json_dumps(menu, JSON_COMPACT);
		err = tel_store_entry_menu_set(r->app->db, number, text);
		free(text);
	}
	if (!err && lang)
		err = tel_store_entry_language_set(r->app->db, number, json_string_value(lang));
	has_menu = !json_is_null(menu);
	json_decref(body);
	if (err == ENOENT)
		return resp_error(
		        r, 404, "not-found", L(r, "Finns inte", "Not found"),
		        L(r, "%s är inget inringningsnummer (lägg till det på svarsgruppen).",
		          "%s is no entry number (add it to the response group)."),
		        number);
	if (err)
		return resp_store_error(r, err, "entry number");
	if ((err = audited(r, "update", "entry_menu", 0, number)) != 0)
		return err;
	{
		char l[4];
		tel_store_entry_language(r->app->db, number, l, sizeof(l));
		return resp_json(r, 200,
		                 json_pack("{s:s,s:b,s:o}", "number", number, "menu", has_menu,
		                           "language", l[0] ? json_string(l) : json_null()));
	}
}

/* ---- survey and recording policy ---------------------------------------- */

static void check_survey(struct req *r, const json_t *sv, struct verrors *v)
{
	json_t *q = json_object_get(sv, "questions"), *x, *max;
	const char *key;
	size_t i;

	if (!json_is_object(sv)) {
		valid_add(v, "survey", "%s",
		          VL(v, "ska vara ett objekt {active, questions, max_answers} eller null",
		             "must be an object {active, questions, max_answers} or null"));
		return;
	}
	json_object_foreach((json_t *)sv, key, x) if (strcmp(key, "active") &&
	                                              strcmp(key, "questions") &&
	                                              strcmp(key, "max_answers"))
	{
		char f[80];
		if (snprintf(f, sizeof(f), "survey.%s", key) >= (int)sizeof(f))
			f[sizeof(f) - 1] = '\0';
		valid_add(v, f, "%s",
		          VL(v, "okänd nyckel; tillåtna: active, questions, max_answers",
		             "unknown key; accepted: active, questions, max_answers"));
	}
	x = json_object_get(sv, "active");
	if (x && !json_is_boolean(x))
		valid_add(v, "survey.active", "%s",
		          VL(v, "ska vara true eller false", "must be true or false"));
	max = json_object_get(sv, "max_answers");
	if (max && !json_is_null(max) &&
	    (!json_is_integer(max) || json_integer_value(max) < 1 ||
	     json_integer_value(max) > SURVEY_MAX_ANSWERS))
		valid_add(v, "survey.max_answers",
		          VL(v, "ska vara ett heltal 1–%d (eller null: ingen gräns)",
		             "must be an integer 1–%d (or null: no limit)"),
		          SURVEY_MAX_ANSWERS);
	if (!json_is_array(q) || json_array_size(q) < 1 || json_array_size(q) > SURVEY_MAX_Q) {
		valid_add(v, "survey.questions",
		          VL(v, "ska vara en lista med 1–%d frågor",
		             "must be a list of 1–%d questions"),
		          SURVEY_MAX_Q);
		return;
	}
	json_array_foreach(q, i, x)
	{
		char f[64];
		const char *p = json_is_string(x) ? json_string_value(x)
		                                  : json_string_value(json_object_get(x, "prompt"));
		json_t *m = json_object_get(x, "max");
		(void)snprintf(f, sizeof(f), "survey.questions[%zu]", i);
		if (!p || (!json_is_string(x) && !json_is_object(x))) {
			valid_add(v, f, "%s",
			          VL(v,
			             "ska vara ett promptnamn eller {\"prompt\": …, \"max\": 1–9}",
			             "must be a prompt name or {\"prompt\": …, \"max\": 1–9}"));
			continue;
		}
		if (!tel_prompt_known(p, r->app->tel))
			valid_add(v, f,
			          VL(v, "prompten \"%s\" finns inte", "there is no prompt \"%s\""),
			          p);
		if (json_is_object(x) && (json_object_size(x) > (m ? 2u : 1u) ||
		                          (m && (!json_is_integer(m) || json_integer_value(m) < 1 ||
		                                 json_integer_value(m) > 9))))
			valid_add(
			        v, f, "%s",
			        VL(v,
			           "max ska vara ett heltal 1–9; inga andra nycklar än prompt och "
			           "max",
			           "max must be an integer 1–9; no keys but prompt and max"));
	}
}

/* PATCH /api/v1/telephony/groups/{id}/policy {"record", "recording_days", "survey",
 * "reset_survey_calls"}: only what is given changes. */
static int policy_patch(struct req *r)
{
	json_t *body, *cur = NULL, *x;
	struct verrors v;
	bool record, reset = false;
	int days, err, expired = 0;
	char *survey = NULL;
	const char *key;

	if (!record_exists(r->app->db, "groups", r->params[0]))
		return no_group(r);
	if (req_json_object(r, &body))
		return 0;
	valid_init(&v, r->lang[0] == 'e');
	json_object_foreach(body, key,
	                    x) if (strcmp(key, "record") && strcmp(key, "recording_days") &&
	                           strcmp(key, "survey") && strcmp(key, "reset_survey_calls"))
	        valid_add(&v, key, "%s",
	                  VL(&v,
	                     "okänt fält; tillåtna: record, recording_days, survey, "
	                     "reset_survey_calls",
	                     "unknown field; accepted: record, recording_days, survey, "
	                     "reset_survey_calls"));
	x = json_object_get(body, "record");
	if (x && !json_is_boolean(x))
		valid_add(&v, "record", "%s",
		          VL(&v, "ska vara true eller false", "must be true or false"));
	x = json_object_get(body, "reset_survey_calls");
	if (x && !json_is_boolean(x))
		valid_add(&v, "reset_survey_calls", "%s",
		          VL(&v, "ska vara true eller false", "must be true or false"));
	x = json_object_get(body, "recording_days");
	if (x && (!json_is_integer(x) || json_integer_value(x) < 0 ||
	          json_integer_value(x) > RETENTION_MAX_DAYS))
		valid_add(&v, "recording_days",
		          VL(&v, "ska vara ett heltal 0–%d (0: sparas tills vidare)",
		             "must be an integer 0–%d (0: kept until further notice)"),
		          RETENTION_MAX_DAYS);
	x = json_object_get(body, "survey");
	if (x && !json_is_null(x))
		check_survey(r, x, &v);
	if (valid_has_errors(&v)) {
		json_decref(body);
		err = resp_field_errors(r, &v);
		valid_free(&v);
		return err;
	}
	valid_free(&v);
	err = tel_store_policy_json(r->app->db, (uint32_t)r->params[0], &cur);
	if (err) {
		json_decref(body);
		return resp_store_error(r, err, "policy");
	}
	x = json_object_get(body, "record");
	record = x ? json_is_true(x) : json_is_true(json_object_get(cur, "record"));
	x = json_object_get(body, "recording_days");
	days = (int)json_integer_value(x ? x : json_object_get(cur, "recording_days"));
	x = json_object_get(body, "survey");
	if (!x)
		x = json_object_get(cur, "survey");
	if (x && !json_is_null(x))
		survey = json_dumps(x, JSON_COMPACT);
	reset = json_is_true(json_object_get(body, "reset_survey_calls"));
	err = tel_store_policy_put(r->app->db, (uint32_t)r->params[0], record, days, survey, reset);
	free(survey);
	json_decref(cur);
	json_decref(body);
	if (err)
		return resp_store_error(r, err, "policy");
	/* A shorter retention applies now, not at the next hourly run. */
	(void)tel_store_expire_recordings(r->app->db, acd_now_ms(), &expired);
	if ((err = audited(r, "update", "tel_policy", r->params[0], "survey and recording policy")))
		return err;
	err = tel_store_policy_json(r->app->db, (uint32_t)r->params[0], &cur);
	if (err)
		return resp_store_error(r, err, "policy");
	json_object_set_new(cur, "recordings_expired", json_integer(expired));
	return resp_json(r, 200, cur);
}

/* ---- announcements and the crisis message --------------------------------- */

/* {"text": "…"} is spoken; {"wav_base64": "…"} is an uploaded 8 kHz mono 16-bit WAV;
 * "active" switches it. `group` 0 is the crisis message. */
static int announcement_put_group(struct req *r, uint32_t group)
{
	json_t *body, *act;
	const char *text, *b64;
	uint8_t *wav = NULL;
	size_t n = 0;
	int err;
	bool active;
	const char *what = group ? "announcement" : "crisis";

	if (req_json_object(r, &body))
		return 0;
	text = json_string_value(json_object_get(body, "text"));
	b64 = json_string_value(json_object_get(body, "wav_base64"));
	act = json_object_get(body, "active");
	if (act && !json_is_boolean(act)) {
		json_decref(body);
		return one_error(r, "active",
		                 L(r, "ska vara true eller false", "must be true or false"));
	}
	active = !act || json_is_true(act);
	if (text && b64) {
		json_decref(body);
		return one_error(r, "text",
		                 L(r, "ange text eller wav_base64, inte båda",
		                   "give text or wav_base64, not both"));
	}
	if (json_object_get(body, "text") && (!text || !text[0] || strlen(text) > TEL_TTS_MAX)) {
		json_decref(body);
		return one_error(r, "text",
		                 L(r, "ska vara en text med 1–1000 tecken",
		                   "must be a text of 1–1000 characters"));
	}
	if (!text && !b64) {
		/* Only switching an existing one on or off. */
		json_decref(body);
		if (!act)
			return one_error(r, "text",
			                 L(r, "text, wav_base64 eller active krävs",
			                   "text, wav_base64 or active is required"));
		err = tel_store_announcement_active(r->app->db, group, active, acd_now_ms());
		if (err == ENOENT)
			return one_error(
			        r, "active",
			        L(r,
			          "det finns inget meddelande att slå på; ange text eller "
			          "wav_base64",
			          "there is no message to switch on; give text or wav_base64"));
		if (err)
			return resp_store_error(r, err, what);
		goto done;
	}
	if (text) {
		err = tel_tts(text, &wav, &n);
		if (err) {
			json_decref(body);
			return resp_error(
			        r, 503, "speech", L(r, "Talsyntes saknas", "Speech unavailable"),
			        "%s",
			        L(r, "Texten kunde inte talas in (espeak-ng och sox krävs).",
			          "The text could not be spoken (espeak-ng and sox are needed)."));
		}
	} else {
		int64_t ms = 0;
		err = tel_base64_decode(b64, &wav, &n);
		if (err) {
			json_decref(body);
			return one_error(r, "wav_base64", L(r, "är inte base64", "is not base64"));
		}
		err = tel_wav_check(wav, n, &ms);
		if (err) {
			free(wav);
			json_decref(body);
			return one_error(r, "wav_base64",
			                 err == ENOTSUP
			                         ? L(r,
			                             "ska vara 8 kHz mono 16-bitars PCM (sox "
			                             "in.wav -r 8000 -c 1 -b 16 ut.wav)",
			                             "must be 8 kHz mono 16-bit PCM (sox in.wav -r "
			                             "8000 -c 1 -b 16 out.wav)")
			                         : L(r, "är ingen WAV-fil", "is not a WAV file"));
		}
	}
	err = tel_store_announcement_set(r->app->db, group, text, wav, n, active, acd_now_ms());
	free(wav);
	if (err) {
		json_decref(body);
		return resp_store_error(r, err, what);
	}
	json_decref(body);
done:
	tel_announcement_changed(r->app->tel, group);
	if ((err = audited(r, "update", group ? "tel_announcement" : "tel_crisis", group,
	                   text ? "spoken from text" : "uploaded WAV or switched")))
		return err;
	return overview(r);
}

static int announcement_put(struct req *r)
{
	if (!record_exists(r->app->db, "groups", r->params[0]))
		return no_group(r);
	return announcement_put_group(r, (uint32_t)r->params[0]);
}

static int announcement_delete(struct req *r)
{
	int err;

	if (!record_exists(r->app->db, "groups", r->params[0]))
		return no_group(r);
	err = tel_store_announcement_delete(r->app->db, (uint32_t)r->params[0]);
	if (err == ENOENT)
		return resp_error(
		        r, 404, "not-found", L(r, "Finns inte", "Not found"), "%s",
		        L(r, "Gruppen har inget talsvar.", "The group has no announcement."));
	if (err)
		return resp_store_error(r, err, "announcement");
	tel_announcement_changed(r->app->tel, (uint32_t)r->params[0]);
	if ((err = audited(r, "delete", "tel_announcement", r->params[0], "announcement")))
		return err;
	return resp_empty(r, 204);
}

static int crisis_put(struct req *r)
{
	return announcement_put_group(r, 0);
}

/* ---- listening in ----------------------------------------------------------- */

/* POST /api/v1/calls/{id}/listen {"uri": "sip:coach@10.0.0.7:5060"} */
static int listen_post(struct req *r)
{
	json_t *body;
	const char *uri;
	char u[256] = "";
	int err;

	if (!r->app->tel)
		return tel_down(r);
	if (req_json_object(r, &body))
		return 0;
	uri = json_string_value(json_object_get(body, "uri"));
	/* Without uri: the coach's own phone (registered, else sip_uri). */
	if ((json_object_get(body, "uri") && !uri) ||
	    (uri && (strncmp(uri, "sip:", 4) != 0 || strlen(uri) > 200))) {
		json_decref(body);
		return one_error(r, "uri",
		                 L(r, "ska vara en SIP-adress, t.ex. sip:coach@10.0.0.7:5060",
		                   "must be a SIP URI, e.g. sip:coach@10.0.0.7:5060"));
	}
	if (uri)
		(void)snprintf(u, sizeof(u), "%s", uri);
	json_decref(body);
	err = tel_listen(r->app->tel, r->params[0], (uint32_t)r->who.id, u[0] ? u : NULL);
	if (err == ENOENT)
		return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
		                  L(r, "Inget telefonsamtal %lld.", "No phone call %lld."),
		                  (long long)r->params[0]);
	if (err == EBUSY)
		return resp_error(
		        r, 409, "conflict", L(r, "Går inte nu", "Not now"), "%s",
		        L(r,
		          "Samtalet är inte kopplat till en handläggare, eller någon lyssnar "
		          "redan.",
		          "The call is not connected to an agent, or someone listens already."));
	if (err == EINVAL)
		return one_error(
		        r, "uri",
		        u[0] ? L(r, "SIP-adressen går inte att ringa",
		                 "the SIP URI cannot be called")
		             : L(r, "krävs: du har ingen registrerad telefon eller SIP-adress",
		                 "is required: you have no registered phone or SIP URI"));
	if (err)
		return resp_store_error(r, err, "listen");
	if ((err = audited(r, "listen", "call", r->params[0], "coach listens in")))
		return err;
	return resp_json(
	        r, 202,
	        json_pack("{s:I,s:b}", "call_id", (json_int_t)r->params[0], "listening", 1));
}

/* ---- trunks ------------------------------------------------------------------ */

static bool ip_literal(const char *s)
{
	unsigned char buf[16];

	return s && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

/* "IP:port" or "[IPv6]:port". */
static bool host_port(const char *s)
{
	char host[64];
	const char *colon;
	char *end;
	long port;
	size_t n;

	if (!s || !s[0])
		return false;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':')
			return false;
		n = (size_t)(rb - s - 1);
		colon = rb + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return false;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, s, n);
	host[n] = '\0';
	port = strtol(colon + 1, &end, 10);
	return ip_literal(host) && end != colon + 1 && !*end && port > 0 && port < 65536;
}

static bool trunk_username_ok(const char *u)
{
	size_t n = u ? strlen(u) : 0;

	if (n == 0 || n > 64)
		return false;
	for (; *u; u++)
		if (!((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') ||
		      (*u >= '0' && *u <= '9') || *u == '.' || *u == '_' || *u == '-'))
			return false;
	return true;
}

/* Check the trunk `m` (the stored one with the request's changes over it); `had_digest`:
 * the stored trunk has a secret for `old_user`. */
static void trunk_check(const json_t *in, json_t *m, const char *old_user, bool had_digest,
                        struct verrors *v)
{
	static const char *const keys[] = {"name",     "sources", "username",    "secret",
	                                   "outbound", "proxy",   "from_number", "active"};
	const char *key, *name = json_string_value(json_object_get(m, "name"));
	const char *user = json_string_value(json_object_get(m, "username"));
	json_t *x, *src = json_object_get(m, "sources");
	size_t i;

	json_object_foreach((json_t *)in, key, x)
	{
		bool known = false;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			known |= !strcmp(key, keys[i]);
		if (!known)
			valid_add(v, key, "%s",
			          VL(v,
			             "okänt fält; tillåtna: name, sources, username, secret, "
			             "outbound, "
			             "proxy, from_number, active",
			             "unknown field; accepted: name, sources, username, secret, "
			             "outbound, "
			             "proxy, from_number, active"));
	}
	if (!name || !name[0] || strlen(name) > 80)
		valid_add(v, "name", "%s",
		          VL(v, "krävs: en text med 1–80 tecken",
		             "is required: a text of 1–80 characters"));
	if (!json_is_array(src) || json_array_size(src) > 32)
		valid_add(v, "sources", "%s",
		          VL(v, "ska vara en lista med högst 32 IP-adresser",
		             "must be a list of at most 32 IP addresses"));
	else
		json_array_foreach(src, i, x) if (!ip_literal(json_string_value(x)))
		{
			char f[32];
			(void)snprintf(f, sizeof(f), "sources[%zu]", i);
			valid_add(v, f, "%s",
			          VL(v,
			             "ska vara en IP-adress (t.ex. 192.0.2.10 eller 2001:db8::1)",
			             "must be an IP address (e.g. 192.0.2.10 or 2001:db8::1)"));
		}
	x = json_object_get(m, "username");
	if (x && !json_is_null(x) && !trunk_username_ok(user))
		valid_add(v, "username", "%s",
		          VL(v, "1–64 tecken: a–z, A–Z, 0–9, . _ -",
		             "1–64 characters: a–z, A–Z, 0–9, . _ -"));
	x = json_object_get(in, "secret");
	if (x && (!json_is_string(x) || strlen(json_string_value(x)) < 12 ||
	          strlen(json_string_value(x)) > 200))
		valid_add(v, "secret", "%s",
		          VL(v, "ska vara en text med 12–200 tecken",
		             "must be a string of 12–200 characters"));
	else if (user && !x && !(had_digest && old_user && !strcmp(old_user, user)))
		valid_add(v, "secret", "%s",
		          VL(v, "krävs med username (digest för inkommande samtal)",
		             "is required with username (digest for calls in)"));
	else if (x && !user)
		valid_add(v, "username", "%s",
		          VL(v, "krävs med secret", "is required with secret"));
	for (i = 0; i < 2; i++) {
		const char *k = i ? "active" : "outbound";
		x = json_object_get(m, k);
		if (!json_is_boolean(x))
			valid_add(v, k, "%s",
			          VL(v, "ska vara true eller false", "must be true or false"));
	}
	x = json_object_get(m, "proxy");
	if (x && !json_is_null(x) && !host_port(json_string_value(x)))
		valid_add(v, "proxy", "%s",
		          VL(v, "ska vara IP:port, t.ex. 192.0.2.1:5060",
		             "must be IP:port, e.g. 192.0.2.1:5060"));
	else if (json_is_true(json_object_get(m, "outbound")) && (!x || json_is_null(x)))
		valid_add(v, "proxy", "%s",
		          VL(v, "krävs när outbound är true: vart utgående samtal skickas",
		             "is required when outbound is true: where calls out are sent"));
	x = json_object_get(m, "from_number");
	if (x && !json_is_null(x)) {
		char num[32];
		if (!json_is_string(x) ||
		    contact_phone_normalize(json_string_value(x), num, sizeof(num)) != 0)
			valid_add(v, "from_number", "%s",
			          VL(v, "ska vara ett telefonnummer, t.ex. 08-508 000 00",
			             "must be a phone number, e.g. 08-508 000 00"));
		else
			json_object_set_new(m, "from_number", json_string(num));
	}
	if (json_is_array(src) && json_array_size(src) == 0 && !user &&
	    !json_is_true(json_object_get(m, "outbound")))
		valid_add(v, "sources", "%s",
		          VL(v, "en trunk behöver källadresser, digest (username) eller outbound",
		             "a trunk needs source addresses, digest (username) or outbound"));
}

static int trunk_save(struct req *r, int64_t id)
{
	json_t *body, *m = NULL, *x;
	const char *key, *old_user = NULL;
	char ha1[33] = "", olduser[72] = "";
	struct tel_trunk tr;
	struct verrors v;
	char *sources = NULL;
	int err;

	if (id) {
		err = tel_store_trunks_json(r->app->db, id, &m);
		if (err == ENOENT)
			return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
			                  L(r, "Det finns ingen trunk med id %lld.",
			                    "There is no trunk with id %lld."),
			                  (long long)id);
		if (err)
			return resp_store_error(r, err, "trunk");
		(void)tel_store_trunk_ha1_of(r->app->db, id, ha1);
		if (json_string_value(json_object_get(m, "username")))
			(void)snprintf(olduser, sizeof(olduser), "%s",
			               json_string_value(json_object_get(m, "username")));
		old_user = olduser[0] ? olduser : NULL;
	} else {
		m = json_pack("{s:[],s:n,s:b,s:n,s:n,s:b}", "sources", "username", "outbound", 0,
		              "proxy", "from_number", "active", 1);
	}
	if (req_json_object(r, &body)) {
		json_decref(m);
		return 0;
	}
	json_object_foreach(body, key, x) if (strcmp(key, "secret")) json_object_set(m, key, x);
	valid_init(&v, r->lang[0] == 'e');
	trunk_check(body, m, old_user, ha1[0] != '\0', &v);
	if (valid_has_errors(&v)) {
		json_decref(body);
		json_decref(m);
		err = resp_field_errors(r, &v);
		valid_free(&v);
		return err;
	}
	valid_free(&v);
	memset(&tr, 0, sizeof(tr));
	tr.name = json_string_value(json_object_get(m, "name"));
	sources = json_dumps(json_object_get(m, "sources"), JSON_COMPACT);
	tr.sources = sources;
	tr.username = json_string_value(json_object_get(m, "username"));
	tr.outbound = json_is_true(json_object_get(m, "outbound"));
	tr.proxy = json_string_value(json_object_get(m, "proxy"));
	tr.from_number = json_string_value(json_object_get(m, "from_number"));
	tr.active = json_is_true(json_object_get(m, "active"));
	if (json_string_value(json_object_get(body, "secret")))
		(void)tel_digest_ha1(tr.username,
		                     json_string_value(json_object_get(body, "secret")), ha1);
	else if (!tr.username)
		ha1[0] = '\0';
	memcpy(tr.ha1, ha1, sizeof(tr.ha1));
	err = tel_store_trunk_put(r->app->db, &id, &tr, acd_now_ms());
	free(sources);
	json_decref(body);
	json_decref(m);
	if (err == EEXIST) {
		struct problem p;
		problem_init(&p);
		p.status = 409;
		valid_add(&p.errors, "username", "%s",
		          L(r, "används redan av en annan trunk",
		            "is used by another trunk already"));
		return resp_problem(r, &p);
	}
	if (err)
		return resp_store_error(r, err, "trunk");
	if ((err = audited(r, r->method[0] == 'P' && r->method[1] == 'A' ? "update" : "create",
	                   "tel_trunk", id, "trunk")))
		return err;
	err = tel_store_trunks_json(r->app->db, id, &m);
	if (err)
		return resp_store_error(r, err, "trunk");
	return resp_json(r, r->method[1] == 'O' ? 201 : 200, m);
}

static int trunks_list(struct req *r)
{
	struct page pg;
	json_t *a;
	int err;

	if (req_query_page(r, 100, 1000, &pg))
		return 0;
	err = tel_store_trunks_json(r->app->db, 0, &a);
	if (err)
		return resp_store_error(r, err, "trunks");
	return resp_list_slice(r, a, &pg);
}

static int trunk_create(struct req *r)
{
	return trunk_save(r, 0);
}

static int trunk_patch(struct req *r)
{
	return trunk_save(r, r->params[0]);
}

static int trunk_delete(struct req *r)
{
	int err = tel_store_trunk_delete(r->app->db, r->params[0]);

	if (err == ENOENT)
		return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
		                  L(r, "Det finns ingen trunk med id %lld.",
		                    "There is no trunk with id %lld."),
		                  (long long)r->params[0]);
	if (err)
		return resp_store_error(r, err, "trunk");
	if ((err = audited(r, "delete", "tel_trunk", r->params[0], "trunk")))
		return err;
	return resp_empty(r, 204);
}

/* ---- transfer out ------------------------------------------------------------ */

/* POST /api/v1/calls/{id}/transfer-out {"number": "08-508 123 45"} or {"contact_id": 3}: the
 * talking agent sends the caller to a department contact or any number, through the
 * outbound trunk. */
static int transfer_out(struct req *r)
{
	json_t *body, *cid;
	const char *num;
	char number[32] = "";
	int err, answer;

	if (!r->app->tel)
		return tel_down(r);
	if (req_json_object(r, &body))
		return 0;
	num = json_string_value(json_object_get(body, "number"));
	cid = json_object_get(body, "contact_id");
	if ((num && cid) || (!num && !json_is_integer(cid))) {
		json_decref(body);
		return one_error(r, "number",
		                 L(r, "ange number eller contact_id (en kontakt med telefonnummer)",
		                   "give number or contact_id (a contact with a phone number)"));
	}
	if (num && contact_phone_normalize(num, number, sizeof(number)) != 0) {
		json_decref(body);
		return one_error(r, "number",
		                 L(r, "är inget telefonnummer", "is not a phone number"));
	}
	if (cid && contact_number(r, cid, number, sizeof(number), &answer)) {
		json_decref(body);
		return answer;
	}
	json_decref(body);
	err = tel_transfer_out(r->app->tel, r->params[0], (uint32_t)r->who.id, number);
	if (err == ENOENT)
		return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
		                  L(r, "Inget telefonsamtal %lld.", "No phone call %lld."),
		                  (long long)r->params[0]);
	if (err == EPERM)
		return resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
		                  L(r,
		                    "Bara handläggaren som talar i samtalet kan koppla det vidare.",
		                    "Only the agent talking in the call may transfer it."));
	if (err == ENOTSUP)
		return resp_error(r, 409, "conflict", L(r, "Ingen trunk", "No trunk"), "%s",
		                  L(r,
		                    "Det finns ingen utgående trunk att koppla ut samtalet genom.",
		                    "There is no outbound trunk to send the call out through."));
	if (err)
		return resp_store_error(r, err, "transfer");
	if ((err = audited(r, "transfer_out", "call", r->params[0], number)))
		return err;
	return resp_json(
	        r, 202,
	        json_pack("{s:I,s:s}", "call_id", (json_int_t)r->params[0], "number", number));
}

/* ---- agents' languages ------------------------------------------------------ */

static int no_user(struct req *r)
{
	return resp_error(
	        r, 404, "not-found", L(r, "Finns inte", "Not found"),
	        L(r, "Det finns ingen användare med id %lld.", "There is no user with id %lld."),
	        (long long)r->params[0]);
}

static int languages_get(struct req *r)
{
	json_t *a;
	int err;

	err = acd_store_agent_languages(r->app->db, r->params[0], &a);
	if (err == ENOENT)
		return no_user(r);
	if (err)
		return resp_store_error(r, err, "languages");
	return resp_json(
	        r, 200,
	        json_pack("{s:I,s:o}", "agent_id", (json_int_t)r->params[0], "languages", a));
}

/* PUT /api/v1/agents/{id}/languages {"languages":["sv","fi"]}: the languages an agent takes
 * calls in; the queue uses them at once. */
static int languages_put(struct req *r)
{
	const char *codes[ACD_MAX_LANGS];
	json_t *body, *a, *x;
	struct verrors v;
	char detail[64] = "";
	size_t i, n;
	int err;

	if (req_json_object(r, &body))
		return 0;
	a = json_object_get(body, "languages");
	valid_init(&v, r->lang[0] == 'e');
	n = json_array_size(a);
	if (!json_is_array(a) || n > ACD_MAX_LANGS)
		valid_add(&v, "languages",
		          VL(&v, "ska vara en lista med högst %d språkkoder, t.ex. [\"sv\",\"fi\"]",
		             "must be a list of at most %d language codes, e.g. [\"sv\",\"fi\"]"),
		          ACD_MAX_LANGS);
	else
		json_array_foreach(a, i, x)
		{
			char f[32];
			(void)snprintf(f, sizeof(f), "languages[%zu]", i);
			if (!tel_lang_ok(json_string_value(x)))
				valid_add(&v, f, "%s",
				          VL(&v,
				             "ska vara en språkkod: 2–3 små bokstäver, t.ex. fi",
				             "must be a language code: 2–3 lowercase letters, e.g. "
				             "fi"));
			else
				codes[i] = json_string_value(x);
		}
	if (valid_has_errors(&v)) {
		json_decref(body);
		err = resp_field_errors(r, &v);
		valid_free(&v);
		return err;
	}
	valid_free(&v);
	err = acd_store_agent_languages_set(r->app->db, r->params[0], codes, (int)n);
	for (i = 0; !err && i < n; i++) {
		size_t k = strlen(detail);
		(void)snprintf(detail + k, sizeof(detail) - k, "%s%s", i ? "," : "", codes[i]);
	}
	json_decref(body);
	if (err == ENOENT)
		return no_user(r);
	if (err)
		return resp_store_error(r, err, "languages");
	if ((err = audited(r, "update", "agent_languages", r->params[0], detail)) != 0)
		return err;
	if (r->app->acd)
		(void)acd_host_agent_languages(r->app->acd, (uint32_t)r->params[0]);
	return languages_get(r);
}

/* ---- consultative transfer --------------------------------------------------- */

/* A consult or its end failed: the problem a desk shows. */
static int consult_error(struct req *r, int err)
{
	switch (err) {
	case ENOENT:
		return resp_error(r, 404, "not-found", L(r, "Finns inte", "Not found"),
		                  L(r, "Inget telefonsamtal %lld.", "No phone call %lld."),
		                  (long long)r->params[0]);
	case EPERM:
		return resp_error(r, 403, "forbidden", L(r, "Ej behörig", "Forbidden"), "%s",
		                  L(r, "Bara handläggaren som talar i samtalet kan koppla det.",
		                    "Only the agent talking in the call may transfer it."));
	case EBUSY:
		return resp_error(
		        r, 409, "conflict", L(r, "Konflikt", "Conflict"), "%s",
		        L(r,
		          "En konsultation pågår redan, eller den som söks har inte svarat "
		          "än.",
		          "A consultation runs already, or the target has not answered "
		          "yet."));
	case EALREADY:
		return resp_error(r, 409, "conflict", L(r, "Konflikt", "Conflict"), "%s",
		                  L(r, "Ingen konsultation pågår i samtalet.",
		                    "No consultation runs in the call."));
	case ECONNREFUSED:
		return resp_error(r, 409, "conflict", L(r, "Upptagen", "Busy"), "%s",
		                  L(r, "Handläggaren är upptagen i ett annat samtal.",
		                    "The agent is busy in another call."));
	case ENOTSUP:
		return resp_error(r, 409, "conflict", L(r, "Ingen trunk", "No trunk"), "%s",
		                  L(r, "Det finns ingen utgående trunk att ringa numret genom.",
		                    "There is no outbound trunk to call the number through."));
	case EHOSTUNREACH:
		return one_error(r, "agent_id",
		                 L(r, "handläggaren har ingen telefon registrerad",
		                   "the agent has no phone registered"));
	case EINVAL:
		return one_error(r, "agent_id",
		                 L(r, "kan inte vara du själv", "cannot be yourself"));
	default:
		return resp_store_error(r, err, "consult");
	}
}

/* POST /api/v1/calls/{id}/consult {"agent_id":N | "group_id":N | "number":"08-…" |
 * "contact_id":N, "note":"…"}: the talking agent holds the caller and calls the target (for
 * a group, its member ready longest). */
static int consult_post(struct req *r)
{
	json_t *body, *aid, *cid, *nt, *gid;
	const char *num, *note;
	char number[32] = "";
	int targets, err, answer;
	uint32_t target = 0;

	if (!r->app->tel)
		return tel_down(r);
	if (req_json_object(r, &body))
		return 0;
	num = json_string_value(json_object_get(body, "number"));
	aid = json_object_get(body, "agent_id");
	cid = json_object_get(body, "contact_id");
	nt = json_object_get(body, "note");
	note = json_string_value(nt);
	targets = (json_object_get(body, "number") != NULL) + (aid != NULL) + (cid != NULL);
	gid = json_object_get(body, "group_id");
	targets += gid != NULL;
	if (targets != 1) {
		json_decref(body);
		return one_error(r, "agent_id",
		                 L(r, "ange ett av agent_id, group_id, number eller contact_id",
		                   "give one of agent_id, group_id, number or contact_id"));
	}
	if (nt && (!note || strlen(note) >= TEL_NOTE_MAX)) {
		json_decref(body);
		return one_error(
		        r, "note",
		        L(r, "ska vara text, högst 511 byte", "must be text, at most 511 bytes"));
	}
	if (gid) {
		/* A group: the member ready longest is called. */
		err = json_is_integer(gid) && json_integer_value(gid) > 0 &&
		                      json_integer_value(gid) <= UINT32_MAX && r->app->acd
		              ? acd_host_ready_agent(r->app->acd, (uint32_t)json_integer_value(gid),
		                                     (uint32_t)r->who.id, &target)
		              : ENOENT;
		if (err) {
			json_decref(body);
			if (err == EAGAIN)
				return resp_error(
				        r, 409, "conflict", L(r, "Ingen ledig", "Nobody free"),
				        "%s",
				        L(r, "Ingen i svarsgruppen är ledig just nu.",
				          "Nobody in the response group is free right now."));
			if (err == ENOENT)
				return one_error(r, "group_id",
				                 L(r, "finns inte som svarsgrupp",
				                   "is not a response group"));
			return resp_store_error(r, err, "consult");
		}
	} else if (aid) {
		if (!json_is_integer(aid) || json_integer_value(aid) <= 0 ||
		    json_integer_value(aid) > UINT32_MAX) {
			json_decref(body);
			return one_error(r, "agent_id",
			                 L(r, "ska vara id för en handläggare (heltal)",
			                   "must be the id of an agent (an integer)"));
		}
		target = (uint32_t)json_integer_value(aid);
	} else if (json_object_get(body, "number")) {
		if (!num || contact_phone_normalize(num, number, sizeof(number)) != 0) {
			json_decref(body);
			return one_error(r, "number",
			                 L(r, "är inget telefonnummer", "is not a phone number"));
		}
	} else if (contact_number(r, cid, number, sizeof(number), &answer)) {
		json_decref(body);
		return answer;
	}
	err = tel_consult(r->app->tel, r->params[0], (uint32_t)r->who.id, target, number, note);
	json_decref(body);
	if (err)
		return consult_error(r, err);
	{
		char detail[64];
		if (target)
			(void)snprintf(detail, sizeof(detail), "agent %u", target);
		else
			(void)snprintf(detail, sizeof(detail), "%s", number);
		if ((err = audited(r, "consult", "call", r->params[0], detail)))
			return err;
		return resp_json(r, 202,
		                 json_pack("{s:I,s:s,s:o,s:o}", "call_id", (json_int_t)r->params[0],
		                           "state", "consulting", "agent_id",
		                           target ? json_integer(target) : json_null(), "number",
		                           target ? json_null() : json_string(number)));
	}
}

static int consult_end(struct req *r, bool complete)
{
	int err;

	if (!r->app->tel)
		return tel_down(r);
	err = tel_consult_end(r->app->tel, r->params[0], (uint32_t)r->who.id, complete);
	if (err)
		return consult_error(r, err);
	if ((err = audited(r, complete ? "consult_complete" : "consult_cancel", "call",
	                   r->params[0], NULL)))
		return err;
	return resp_json(r, 200,
	                 json_pack("{s:I,s:s}", "call_id", (json_int_t)r->params[0], "state",
	                           complete ? "transferred" : "talking"));
}

static int consult_complete(struct req *r)
{
	return consult_end(r, true);
}

static int consult_cancel(struct req *r)
{
	return consult_end(r, false);
}

const struct route api_tel_routes[] = {
        {"GET", "/api/v1/telephony", ROLE_ADMIN, overview},
        {"PUT", "/api/v1/telephony/menus", ROLE_ADMIN, menu_put},
        {"PATCH", "/api/v1/telephony/groups/{id32}/policy", ROLE_ADMIN, policy_patch},
        {"PUT", "/api/v1/telephony/groups/{id32}/announcement", ROLE_ADMIN, announcement_put},
        {"DELETE", "/api/v1/telephony/groups/{id32}/announcement", ROLE_ADMIN, announcement_delete},
        {"PUT", "/api/v1/telephony/crisis", ROLE_ADMIN, crisis_put},
        {"POST", "/api/v1/calls/{id}/listen", ROLES_LEADS | ROUTE_QUEUE, listen_post},
        {"POST", "/api/v1/calls/{id}/transfer-out", ROLE_AGENT | ROLE_GROUP_LEAD | ROUTE_QUEUE,
         transfer_out},
        {"POST", "/api/v1/calls/{id}/consult", ROLE_AGENT | ROLE_GROUP_LEAD | ROUTE_QUEUE,
         consult_post},
        {"POST", "/api/v1/calls/{id}/consult/complete", ROLE_AGENT | ROLE_GROUP_LEAD | ROUTE_QUEUE,
         consult_complete},
        {"POST", "/api/v1/calls/{id}/consult/cancel", ROLE_AGENT | ROLE_GROUP_LEAD | ROUTE_QUEUE,
         consult_cancel},
        {"GET", "/api/v1/agents/{id32}/languages", ROLES_LEADS, languages_get},
        {"PUT", "/api/v1/agents/{id32}/languages", ROLE_ADMIN | ROLE_GROUP_LEAD | ROUTE_QUEUE,
         languages_put},
        {"GET", "/api/v1/telephony/trunks", ROLE_ADMIN, trunks_list},
        {"POST", "/api/v1/telephony/trunks", ROLE_ADMIN, trunk_create},
        {"PATCH", "/api/v1/telephony/trunks/{id}", ROLE_ADMIN, trunk_patch},
        {"DELETE", "/api/v1/telephony/trunks/{id}", ROLE_ADMIN, trunk_delete},
        {NULL, NULL, 0, NULL},
};
