/* The administrative records of a center: units, groups, clients, contacts, categories,
 * agreements and their boundaries, closures, users — described as data. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/auth.h"
#include "base/calendar.h"
#include "base/contact.h"
#include "base/hours.h"
#include "core/resource.h"
#include "store/db.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ======================================================================
 * Field checks
 * ====================================================================== */

static int check_phone(const json_t *v, json_t **norm, char *msg, size_t n, bool en)
{
	char out[32];

	if (contact_phone_normalize(json_string_value(v), out, sizeof(out)) != 0) {
		snprintf(msg, n,
		         en ? "\"%s\" is not a phone number (e.g. 08-508 000 00 or +46850800000)"
		            : "\"%s\" är inget telefonnummer (t.ex. 08-508 000 00 eller "
		              "+46850800000)",
		         json_string_value(v));
		return EBADMSG;
	}
	*norm = json_string(out);
	return 0;
}

static int check_email(const json_t *v, json_t **norm, char *msg, size_t n, bool en)
{
	(void)norm;
	if (contact_email_validate(json_string_value(v)) != 0) {
		snprintf(msg, n,
		         en ? "\"%s\" is not an e-mail address (name@example.se)"
		            : "\"%s\" är ingen e-postadress (namn@exempel.se)",
		         json_string_value(v));
		return EBADMSG;
	}
	return 0;
}

/* An agreement's report recipients: a list of distinct e-mail addresses, kept lower-case. */
#define RECIPIENTS_MAX 20
static int check_recipients(const json_t *v, json_t **norm, char *msg, size_t n, bool en)
{
	json_t *x, *out;
	size_t i;

	if (!json_is_array(v)) {
		snprintf(msg, n, "%s",
		         en ? "must be a list of e-mail addresses, e.g. [\"namn@kommun.se\"]"
		            : "ska vara en lista av e-postadresser, t.ex. [\"namn@kommun.se\"]");
		return EBADMSG;
	}
	if (json_array_size(v) > RECIPIENTS_MAX) {
		snprintf(msg, n, en ? "at most %d addresses" : "högst %d adresser", RECIPIENTS_MAX);
		return EBADMSG;
	}
	out = json_array();
	json_array_foreach(v, i, x)
	{
		const char *s = json_string_value(x);
		char low[256];
		size_t k;
		bool twice = false;
		json_t *y;

		if (!s) {
			snprintf(
			        msg, n,
			        en ? "item %zu is not text: an e-mail address is written as a "
			             "string"
			           : "post %zu är ingen text: en e-postadress skrivs som en sträng",
			        i + 1);
			json_decref(out);
			return EBADMSG;
		}
		if (strlen(s) >= sizeof(low) || contact_email_validate(s) != 0) {
			snprintf(msg, n,
			         en ? "item %zu: \"%s\" is not an e-mail address (name@example.se)"
			            : "post %zu: \"%s\" är ingen e-postadress (namn@exempel.se)",
			         i + 1, s);
			json_decref(out);
			return EBADMSG;
		}
		for (k = 0; s[k]; k++)
			low[k] = s[k] >= 'A' && s[k] <= 'Z' ? (char)(s[k] - 'A' + 'a') : s[k];
		low[k] = '\0';
		json_array_foreach(out, k, y) twice |= strcmp(json_string_value(y), low) == 0;
		if (!twice)
			json_array_append_new(out, json_string(low));
	}
	*norm = out;
	return 0;
}

static int check_hours(const json_t *v, json_t **norm, char *msg, size_t n, bool en)
{
	struct hours *h = NULL;
	char err[300];

	(void)norm;
	if (hours_parse(&h, v, err, sizeof(err)) != 0) {
		snprintf(msg, n, en ? "opening hours: %s" : "öppettider: %s", err);
		return EBADMSG;
	}
	hours_free(h);
	return 0;
}

static const char *const channels[] = {"phone", "email", "letter", "fax",
                                       "visit", "web",   "social", NULL};

static const char *const price_kinds[] = {"question", "matter", "opinion",      "complaint",
                                          "praise",   "idea",   "fault_report", NULL};

/* {name: price ≥ 0}; `names` NULL accepts any name of 1–60 bytes. */
static int check_price_map(const char *what, const json_t *v, const char *const *names, char *msg,
                           size_t n, bool en)
{
	const char *k;
	json_t *p;

	if (!json_is_object(v)) {
		snprintf(msg, n,
		         en ? "\"%s\" must be an object of name → price"
		            : "\"%s\" ska vara ett objekt namn → pris",
		         what);
		return EBADMSG;
	}
	json_object_foreach((json_t *)v, k, p)
	{
		bool known = names == NULL && *k && strlen(k) <= 60;
		for (const char *const *c = names; c && *c; c++)
			known |= strcmp(*c, k) == 0;
		if (!known) {
			snprintf(msg, n,
			         en ? "unknown name \"%s\" in \"%s\""
			            : "okänt namn \"%s\" i \"%s\"",
			         k, what);
			return EBADMSG;
		}
		if (!json_is_number(p) || json_number_value(p) < 0) {
			snprintf(msg, n,
			         en ? "price for \"%s\" must be a number ≥ 0 (SEK)"
			            : "priset för \"%s\" ska vara ett tal ≥ 0 (kr)",
			         k);
			return EBADMSG;
		}
	}
	return 0;
}

static int check_prices(const json_t *v, json_t **norm, char *msg, size_t n, bool en)
{
	const char *k;
	json_t *p;

	(void)norm;
	if (!json_is_object(v)) {
		snprintf(msg, n, "%s",
		         en ? "must be an object of channel → price, e.g. {\"phone\": 42.5}"
		            : "ska vara ett objekt kanal → pris, t.ex. {\"phone\": 42.5}");
		return EBADMSG;
	}
	json_object_foreach((json_t *)v, k, p)
	{
		bool known = false;
		/* prices by complexity: per category kind, per named price class */
		if (strcmp(k, "kinds") == 0 || strcmp(k, "classes") == 0) {
			if (check_price_map(k, p, strcmp(k, "kinds") == 0 ? price_kinds : NULL, msg,
			                    n, en))
				return EBADMSG;
			continue;
		}
		for (const char *const *c = channels; *c; c++)
			known |= strcmp(*c, k) == 0;
		if (!known) {
			snprintf(
			        msg, n,
			        en ? "unknown channel \"%s\"; accepted: phone, email, letter, fax, "
			             "visit, web, social"
			           : "okänd kanal \"%s\"; tillåtna: phone, email, letter, fax, "
			             "visit, "
			             "web, social",
			        k);
			return EBADMSG;
		}
		if (!json_is_number(p) || json_number_value(p) < 0) {
			snprintf(msg, n,
			         en ? "price for \"%s\" must be a number ≥ 0 (SEK)"
			            : "priset för \"%s\" ska vara ett tal ≥ 0 (kr)",
			         k);
			return EBADMSG;
		}
	}
	return 0;
}

#define CHECKLIST_STEPS    30
#define CHECKLIST_STEP_MAX 200

/* A category's checklist: a list of short steps, none empty. */
static int check_checklist(const json_t *v, json_t **norm, char *msg, size_t n, bool en)
{
	size_t i;
	json_t *x;

	(void)norm;
	if (!json_is_array(v) || json_array_size(v) > CHECKLIST_STEPS) {
		snprintf(msg, n,
		         en ? "must be a list of at most %d steps (texts)"
		            : "ska vara en lista med högst %d steg (texter)",
		         CHECKLIST_STEPS);
		return EBADMSG;
	}
	json_array_foreach(v, i, x)
	{
		const char *s = json_string_value(x);
		size_t len = 0;
		bool blank = true;
		for (const char *p = s ? s : ""; *p; p++) {
			len += ((unsigned char)*p & 0xC0) != 0x80;
			blank &= *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
		}
		if (!s || blank || len > CHECKLIST_STEP_MAX) {
			snprintf(msg, n,
			         en ? "step %zu must be a text of 1–%d characters"
			            : "steg %zu ska vara en text på 1–%d tecken",
			         i + 1, CHECKLIST_STEP_MAX);
			return EBADMSG;
		}
	}
	return 0;
}

/* A list of phone numbers, normalized. */
static int check_phone_list(const json_t *v, json_t **norm, char *msg, size_t n, bool en)
{
	size_t i;
	json_t *x, *out;

	if (!json_is_array(v)) {
		snprintf(msg, n, "%s",
		         en ? "must be a list of phone numbers"
		            : "ska vara en lista med telefonnummer");
		return EBADMSG;
	}
	out = json_array();
	json_array_foreach(v, i, x)
	{
		json_t *one = NULL;
		if (!json_is_string(x) || check_phone(x, &one, msg, n, en) != 0) {
			if (!json_is_string(x))
				snprintf(msg, n, "%s",
				         en ? "must be a list of phone numbers (strings)"
				            : "ska vara en lista med telefonnummer (texter)");
			json_decref(out);
			return EBADMSG;
		}
		json_array_append_new(out, one);
	}
	*norm = out;
	return 0;
}

static int check_id_list(const json_t *v, json_t **norm, char *msg, size_t n, bool en)
{
	size_t i;
	json_t *x;

	(void)norm;
	if (!json_is_array(v))
		goto bad;
	json_array_foreach(v, i, x) if (!json_is_integer(x) || json_integer_value(x) <= 0) goto bad;
	return 0;
bad:
	snprintf(msg, n, "%s",
	         en ? "must be a list of ids (integers)" : "ska vara en lista med id (heltal)");
	return EBADMSG;
}

static int check_memberships(const json_t *v, json_t **norm, char *msg, size_t n, bool en)
{
	size_t i;
	json_t *x;

	(void)norm;
	if (!json_is_array(v))
		goto bad;
	json_array_foreach(v, i, x)
	{
		json_t *g = json_object_get(x, "group_id"), *s = json_object_get(x, "skill");
		if (!json_is_object(x) || !json_is_integer(g) ||
		    (s && (!json_is_integer(s) || json_integer_value(s) < 1 ||
		           json_integer_value(s) > 9)))
			goto bad;
	}
	return 0;
bad:
	snprintf(msg, n, "%s",
	         en ? "must be a list of {\"group_id\": id, \"skill\": 1–9} (1 = best)"
	            : "ska vara en lista med {\"group_id\": id, \"skill\": 1–9} (1 = bäst)");
	return EBADMSG;
}

static int check_username(const json_t *v, json_t **norm, char *msg, size_t n, bool en)
{
	const char *s = json_string_value(v);
	size_t len = strlen(s);

	(void)norm;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '_' || *p == '-'))
			len = 0;
	if (len < 2 || len > 64) {
		snprintf(msg, n, "%s",
		         en ? "2–64 characters: lower-case a–z, digits, . _ -"
		            : "2–64 tecken: gemena a–z, siffror, . _ -");
		return EBADMSG;
	}
	return 0;
}

/* ======================================================================
 * Link tables kept by hooks
 * ====================================================================== */

static int exec_id(struct db *db, const char *sql, int64_t id)
{
	struct stmt *s;
	int err = db_prepare(db, &s, sql, true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	return err;
}

static int insert_pair(struct db *db, const char *sql, int64_t a, int64_t b, int64_t c,
                       const char *text)
{
	struct stmt *s;
	int err = db_prepare(db, &s, sql, true);

	if (err)
		return err;
	if (text)
		stmt_bind_text(s, 1, text);
	else
		stmt_bind_int(s, 1, a);
	stmt_bind_int(s, 2, b);
	if (c)
		stmt_bind_int(s, 3, c);
	err = stmt_step(s);
	stmt_done(s);
	return err == DB_DONE ? 0 : err;
}

static json_t *select_list(struct db *db, const char *sql, int64_t id, bool pairs)
{
	struct stmt *s;
	json_t *arr = json_array();

	if (db_prepare(db, &s, sql, true))
		return arr;
	stmt_bind_int(s, 1, id);
	while (stmt_step(s) == DB_ROW) {
		if (pairs)
			json_array_append_new(arr, json_pack("{s:I,s:I}", "group_id",
			                                     (json_int_t)stmt_int(s, 0), "skill",
			                                     (json_int_t)stmt_int(s, 1)));
		else if (stmt_col_is_int(s, 0))
			json_array_append_new(arr, json_integer(stmt_int(s, 0)));
		else
			json_array_append_new(arr, json_string(stmt_text(s, 0)));
	}
	stmt_done(s);
	return arr;
}

/* --- groups: entry numbers --- */

/* A target's value after this write: the input's, else the stored one (-1: none). */
static int64_t target_after(struct db *db, const json_t *in, int64_t id, const char *col)
{
	char q[96];
	struct stmt *s;
	json_t *x = json_object_get(in, col);
	int64_t val = -1;

	if (x)
		return json_is_integer(x) ? json_integer_value(x) : -1;
	if (!id)
		return -1;
	/* col is one of the two pairs' names below, never the client's text. */
	snprintf(q, sizeof(q), "SELECT %s FROM groups WHERE id=?", col);
	if (db_prepare(db, &s, q, false) != 0)
		return -1;
	stmt_bind_int(s, 1, id);
	if (stmt_step(s) == DB_ROW && !stmt_is_null(s, 0))
		val = stmt_int(s, 0);
	stmt_done(s);
	return val;
}

/* A wallboard's warning comes before its alarm: warn ≤ alarm when both are set. */
static void target_order(struct db *db, const json_t *in, int64_t id, const char *warn,
                         const char *alarm, struct verrors *v)
{
	int64_t w = target_after(db, in, id, warn), a = target_after(db, in, id, alarm);

	if (w >= 0 && a >= 0 && w > a)
		valid_add(
		        v, json_object_get(in, warn) ? warn : alarm,
		        VL(v,
		           "varningsnivån (%s = %lld) får inte vara högre än larmnivån (%s = %lld)",
		           "the warning level (%s = %lld) may not be above the alarm level (%s = "
		           "%lld)"),
		        warn, (long long)w, alarm, (long long)a);
}

static void group_validate(struct db *db, const json_t *in, int64_t id, struct verrors *v)
{
	json_t *ov = json_object_get(in, "overflow_group_id"), *x;

	if (id && json_is_integer(ov) && json_integer_value(ov) == id)
		valid_add(v, "overflow_group_id", "%s",
		          VL(v, "en grupp kan inte flöda över till sig själv",
		             "a group cannot overflow to itself"));
	x = json_object_get(in, "target_sl_s");
	if (json_is_integer(x) && json_integer_value(x) != 60 && json_integer_value(x) != 180)
		valid_add(
		        v, "target_sl_s", "%s",
		        VL(v, "ska vara 60 eller 180: köns statistik räknar svar inom 60 och 180 s",
		           "must be 60 or 180: the queue's statistics count answers within 60 and "
		           "180 s"));
	target_order(db, in, id, "wait_warn_s", "wait_alarm_s", v);
	target_order(db, in, id, "abandon_warn_pct", "abandon_alarm_pct", v);
}

static int group_write(struct db *db, int64_t id, const json_t *in)
{
	json_t *nums = json_object_get(in, "entry_numbers"), *x;
	size_t i;
	int err;

	if (!nums)
		return 0;
	err = exec_id(db, "DELETE FROM entry_numbers WHERE group_id=?", id);
	json_array_foreach(nums, i, x)
	{
		char out[32];
		if (err)
			break;
		if (contact_phone_normalize(json_string_value(x), out, sizeof(out)) != 0)
			return EINVAL;
		err = insert_pair(db, "INSERT INTO entry_numbers(number, group_id) VALUES (?,?)", 0,
		                  id, 0, out);
	}
	return err;
}

static int group_read(struct db *db, int64_t id, json_t *out)
{
	json_object_set_new(out, "entry_numbers",
	                    select_list(db,
	                                "SELECT number FROM entry_numbers WHERE group_id=?"
	                                " ORDER BY number",
	                                id, false));
	return 0;
}

/* --- agreements: the groups they cover --- */

static void agreement_validate(struct db *db, const json_t *in, int64_t id, struct verrors *v)
{
	const char *from = json_string_value(json_object_get(in, "valid_from"));
	const char *to = json_string_value(json_object_get(in, "valid_to"));
	json_t *gids = json_object_get(in, "group_ids"), *x;
	size_t i;

	if (from && to && strcmp(to, from) < 0)
		valid_add(v, "valid_to", "%s",
		          VL(v, "får inte vara före valid_from", "may not be before valid_from"));
	if (id == 0 && !json_object_get(in, "prices") && !json_object_get(in, "fixed_annual_price"))
		valid_add(v, "prices", "%s",
		          VL(v,
		             "ett avtal behöver pris per ärende (prices) eller fast årspris "
		             "(fixed_annual_price)",
		             "an agreement needs a price per case (prices) or a fixed annual price "
		             "(fixed_annual_price)"));
	json_array_foreach(gids, i, x) if (!record_exists(db, "groups", json_integer_value(x)))
	        valid_add(v, "group_ids",
	                  VL(v, "svarsgrupp %lld finns inte", "group %lld does not exist"),
	                  (long long)json_integer_value(x));
}

static int agreement_write(struct db *db, int64_t id, const json_t *in)
{
	json_t *gids = json_object_get(in, "group_ids"), *x;
	size_t i;
	int err;

	if (!gids)
		return 0;
	err = exec_id(db, "DELETE FROM agreement_groups WHERE agreement_id=?", id);
	json_array_foreach(gids, i, x)
	{
		if (err)
			break;
		err = insert_pair(db,
		                  "INSERT OR IGNORE INTO agreement_groups(agreement_id, group_id)"
		                  " VALUES (?,?)",
		                  id, json_integer_value(x), 0, NULL);
	}
	return err;
}

static int agreement_read(struct db *db, int64_t id, json_t *out)
{
	json_object_set_new(out, "group_ids",
	                    select_list(db,
	                                "SELECT group_id FROM agreement_groups"
	                                " WHERE agreement_id=? ORDER BY group_id",
	                                id, false));
	return 0;
}

/* --- boundaries: handover needs a contact of the agreement's own client --- */

static void boundary_validate(struct db *db, const json_t *in, int64_t id, struct verrors *v)
{
	const char *action = json_string_value(json_object_get(in, "action"));
	json_t *cid = json_object_get(in, "contact_id");
	int64_t agr = json_integer_value(json_object_get(in, "agreement_id"));
	int64_t client;

	if (id && !agr)
		agr = db_scalar_int(db, "SELECT agreement_id FROM boundaries WHERE id=?", id);
	if (id && !action) {
		/* keep the stored action when only other fields change */
		struct stmt *s;
		if (!db_prepare(db, &s, "SELECT action, contact_id FROM boundaries WHERE id=?",
		                true)) {
			stmt_bind_int(s, 1, id);
			if (stmt_step(s) == DB_ROW && strcmp(stmt_text(s, 0), "handover") == 0 &&
			    !cid && stmt_is_null(s, 1))
				valid_add(v, "contact_id", "%s",
				          VL(v, "krävs när action är handover",
				             "is required when action is handover"));
			stmt_done(s);
		}
	}
	if (action && strcmp(action, "handover") == 0 && (!cid || json_is_null(cid)) && id == 0)
		valid_add(v, "contact_id", "%s",
		          VL(v, "krävs när action är handover: vem på förvaltningen tar emot",
		             "is required when action is handover: who in the department receives "
		             "it"));
	client = db_scalar_int(db, "SELECT client_id FROM agreements WHERE id=?", agr);
	if (json_is_integer(cid) && db_scalar_int(db, "SELECT client_id FROM contacts WHERE id=?",
	                                          json_integer_value(cid)) != client)
		valid_add(v, "contact_id", "%s",
		          VL(v, "kontakten hör inte till avtalets uppdragsgivare",
		             "the contact does not belong to the agreement's client"));
	if (json_is_integer(json_object_get(in, "category_id"))) {
		int64_t cc = db_scalar_int(db, "SELECT client_id FROM categories WHERE id=?",
		                           json_integer_value(json_object_get(in, "category_id")));
		if (cc && cc != client)
			valid_add(v, "category_id", "%s",
			          VL(v, "kategorin hör till en annan uppdragsgivare",
			             "the category belongs to another client"));
	}
}

/* --- contacts --- */

/* A contact's sub-unit belongs to the contact's own department. */
static void contact_validate(struct db *db, const json_t *in, int64_t id, struct verrors *v)
{
	json_t *u = json_object_get(in, "client_unit_id"), *c = json_object_get(in, "client_id");
	int64_t client;

	if (!json_is_integer(u))
		return;
	client = json_is_integer(c)
	                 ? json_integer_value(c)
	                 : db_scalar_int(db, "SELECT client_id FROM contacts WHERE id=?", id);
	if (db_scalar_int(db, "SELECT client_id FROM client_units WHERE id=?",
	                  json_integer_value(u)) != client)
		valid_add(v, "client_unit_id", "%s",
		          VL(v, "enheten hör till en annan uppdragsgivare",
		             "the sub-unit belongs to another client"));
}

/* --- closures --- */

static void closure_validate(struct db *db, const json_t *in, int64_t id, struct verrors *v)
{
	int64_t a, b;
	const char *s = json_string_value(json_object_get(in, "starts_at"));
	const char *e = json_string_value(json_object_get(in, "ends_at"));

	(void)db;
	(void)id;
	if (s && e && calendar_parse_iso8601(s, &a) == 0 && calendar_parse_iso8601(e, &b) == 0 &&
	    b <= a)
		valid_add(v, "ends_at", "%s",
		          VL(v, "måste vara efter starts_at", "must be after starts_at"));
}

/* --- users: password and group memberships --- */

static void user_validate(struct db *db, const json_t *in, int64_t id, struct verrors *v)
{
	const char *role = json_string_value(json_object_get(in, "role"));
	const char *pw = json_string_value(json_object_get(in, "password"));
	json_t *cid = json_object_get(in, "client_id");
	json_t *groups = json_object_get(in, "groups"), *x;
	size_t i;

	if (id == 0 && !json_object_get(in, "password"))
		valid_add(v, "password", "%s", VL(v, "måste anges", "is required"));
	if (pw && strlen(pw) < AUTH_MIN_PASSWORD)
		valid_add(v, "password",
		          VL(v, "måste ha minst %d tecken", "must have at least %d characters"),
		          AUTH_MIN_PASSWORD);
	if (id && !role) {
		struct stmt *s;
		if (!db_prepare(db, &s, "SELECT role FROM users WHERE id=?", true)) {
			stmt_bind_int(s, 1, id);
			if (stmt_step(s) == DB_ROW && strcmp(stmt_text(s, 0), "client_viewer") == 0)
				role = "client_viewer";
			stmt_done(s);
		}
	}
	if (role && strcmp(role, "client_viewer") == 0 && id == 0 && (!cid || json_is_null(cid)))
		valid_add(v, "client_id", "%s",
		          VL(v, "krävs för rollen client_viewer: vilken förvaltning användaren ser",
		             "is required for the client_viewer role: which department the user "
		             "sees"));
	if (role && strcmp(role, "client_viewer") != 0 && json_is_integer(cid))
		valid_add(v, "client_id", "%s",
		          VL(v, "får bara anges för rollen client_viewer",
		             "may only be set for the client_viewer role"));
	json_array_foreach(groups, i, x)
	{
		int64_t g = json_integer_value(json_object_get(x, "group_id"));
		if (!record_exists(db, "groups", g))
			valid_add(v, "groups",
			          VL(v, "svarsgrupp %lld finns inte", "group %lld does not exist"),
			          (long long)g);
	}
}

static int user_write(struct db *db, int64_t id, const json_t *in)
{
	const char *pw = json_string_value(json_object_get(in, "password"));
	json_t *groups = json_object_get(in, "groups"), *x;
	size_t i;
	int err = 0;

	if (pw) {
		char hash[128];
		struct stmt *s;
		err = auth_password_hash(pw, hash);
		if (!err)
			err = db_prepare(db, &s, "UPDATE users SET password_hash=? WHERE id=?",
			                 true);
		if (!err) {
			stmt_bind_text(s, 1, hash);
			stmt_bind_int(s, 2, id);
			err = stmt_step(s) == DB_DONE ? 0 : EIO;
			stmt_done(s);
		}
		/* A changed password ends the user's other sessions. */
		if (!err)
			err = exec_id(db, "DELETE FROM sessions WHERE user_id=?", id);
	}
	if (!err && json_is_false(json_object_get(in, "active")))
		err = exec_id(db, "DELETE FROM sessions WHERE user_id=?", id);
	if (err || !groups)
		return err;
	err = exec_id(db, "DELETE FROM user_groups WHERE user_id=?", id);
	json_array_foreach(groups, i, x)
	{
		json_t *sk = json_object_get(x, "skill");
		if (err)
			break;
		err = insert_pair(
		        db, "INSERT INTO user_groups(user_id, group_id, skill) VALUES (?,?,?)", id,
		        json_integer_value(json_object_get(x, "group_id")),
		        sk ? json_integer_value(sk) : 1, NULL);
	}
	return err;
}

static int user_read(struct db *db, int64_t id, json_t *out)
{
	json_object_set_new(out, "groups",
	                    select_list(db,
	                                "SELECT group_id, skill FROM user_groups WHERE user_id=?"
	                                " ORDER BY skill, group_id",
	                                id, true));
	return 0;
}

/* ======================================================================
 * The resources
 * ====================================================================== */

static const char *const kinds[] = {"question", "matter", "opinion",      "complaint",
                                    "praise",   "idea",   "fault_report", NULL};
static const char *const actions[] = {"resolve", "handover", NULL};
static const char *const role_names[] = {"agent", "group_lead",    "manager",
                                         "admin", "client_viewer", NULL};

static const struct field unit_fields[] = {
        {"name", FT_TEXT, FF_REQUIRED, NULL, NULL, 0, 120, NULL},
        {"manager_id", FT_REF, 0, "users", NULL, 0, 0, NULL},
        {"created_at", FT_INT, FF_READONLY, NULL, NULL, 0, 0, NULL},
};

static const struct field group_fields[] = {
        {"name", FT_TEXT, FF_REQUIRED, NULL, NULL, 0, 120, NULL},
        {"unit_id", FT_REF, FF_REQUIRED, "units", NULL, 0, 0, NULL},
        {"email", FT_TEXT, 0, NULL, NULL, 0, 254, check_email},
        {"opening_hours", FT_JSON, 0, NULL, NULL, 0, 0, check_hours},
        {"overflow_group_id", FT_REF, 0, "groups", NULL, 0, 0, NULL},
        {"max_wait_s", FT_INT, 0, NULL, NULL, 1, 3600, NULL},
        {"wrapup_s", FT_INT, FF_NOTNULL, NULL, NULL, 0, 600, NULL},
        {"priority", FT_INT, FF_NOTNULL, NULL, NULL, -100, 100, NULL},
        {"callback_threshold_s", FT_INT, 0, NULL, NULL, 0, 3600, NULL},
        {"max_queue", FT_INT, 0, NULL, NULL, 1, 10000, NULL},
        {"widen_after_s", FT_INT, 0, NULL, NULL, 0, 3600, NULL},
        {"language_widen_s", FT_INT, 0, NULL, NULL, 1, 3600, NULL},
        {"email_answer_days", FT_INT, 0, NULL, NULL, 0, 20, NULL},
        {"offer_timeout_s", FT_INT, 0, NULL, NULL, 5, 120, NULL},
        {"callback_retry_s", FT_INT, 0, NULL, NULL, 30, 3600, NULL},
        {"callback_attempts", FT_INT, 0, NULL, NULL, 1, 10, NULL},
        {"aht_s", FT_INT, 0, NULL, NULL, 10, 7200, NULL},
        {"announce_every_s", FT_INT, 0, NULL, NULL, 15, 600, NULL},
        {"urgent_number", FT_TEXT, 0, NULL, NULL, 0, 32, check_phone},
        {"overflow_number", FT_TEXT, 0, NULL, NULL, 0, 32, check_phone},
        {"target_sl_pct", FT_INT, 0, NULL, NULL, 1, 100, NULL},
        {"target_sl_s", FT_INT, 0, NULL, NULL, 1, 3600, NULL},
        {"wait_warn_s", FT_INT, 0, NULL, NULL, 1, 86400, NULL},
        {"wait_alarm_s", FT_INT, 0, NULL, NULL, 1, 86400, NULL},
        {"abandon_warn_pct", FT_INT, 0, NULL, NULL, 0, 100, NULL},
        {"abandon_alarm_pct", FT_INT, 0, NULL, NULL, 0, 100, NULL},
        {"active", FT_BOOL, FF_NOTNULL, NULL, NULL, 0, 0, NULL},
        {"entry_numbers", FT_LIST, FF_VIRTUAL, NULL, NULL, 0, 0, check_phone_list},
        {"created_at", FT_INT, FF_READONLY, NULL, NULL, 0, 0, NULL},
};

static const struct field closure_fields[] = {
        {"group_id", FT_REF, FF_REQUIRED, "groups", NULL, 0, 0, NULL},
        {"starts_at", FT_TIME, FF_REQUIRED, NULL, NULL, 0, 0, NULL},
        {"ends_at", FT_TIME, FF_REQUIRED, NULL, NULL, 0, 0, NULL},
        {"reason", FT_TEXT, FF_REQUIRED, NULL, NULL, 0, 200, NULL},
};

static const struct field client_fields[] = {
        {"name", FT_TEXT, FF_REQUIRED, NULL, NULL, 0, 160, NULL},
        {"short_name", FT_TEXT, 0, NULL, NULL, 0, 40, NULL},
        {"org_number", FT_TEXT, 0, NULL, NULL, 0, 20, NULL},
        {"active", FT_BOOL, FF_NOTNULL, NULL, NULL, 0, 0, NULL},
        {"created_at", FT_INT, FF_READONLY, NULL, NULL, 0, 0, NULL},
};

static const struct field contact_fields[] = {
        {"client_id", FT_REF, FF_REQUIRED, "clients", NULL, 0, 0, NULL},
        {"name", FT_TEXT, FF_REQUIRED, NULL, NULL, 0, 120, NULL},
        {"role", FT_TEXT, 0, NULL, NULL, 0, 120, NULL},
        {"phone", FT_TEXT, 0, NULL, NULL, 0, 40, check_phone},
        {"email", FT_TEXT, 0, NULL, NULL, 0, 254, check_email},
        {"phone_hours", FT_JSON, 0, NULL, NULL, 0, 0, check_hours},
        {"client_unit_id", FT_REF, 0, "client_units", NULL, 0, 0, NULL},
        {"active", FT_BOOL, FF_NOTNULL, NULL, NULL, 0, 0, NULL},
};

/* A department's sub-units (enheter på förvaltningen): a contact, a handover and a case may
 * name one, and lists filter by it. */
static const struct field client_unit_fields[] = {
        {"client_id", FT_REF, FF_REQUIRED, "clients", NULL, 0, 0, NULL},
        {"name", FT_TEXT, FF_REQUIRED, NULL, NULL, 0, 160, NULL},
        {"active", FT_BOOL, FF_NOTNULL, NULL, NULL, 0, 0, NULL},
};

static const struct field category_fields[] = {
        {"name", FT_TEXT, FF_REQUIRED, NULL, NULL, 0, 120, NULL},
        {"kind", FT_ENUM, FF_REQUIRED, NULL, kinds, 0, 0, NULL},
        {"group_id", FT_REF, 0, "groups", NULL, 0, 0, NULL},
        {"client_id", FT_REF, 0, "clients", NULL, 0, 0, NULL},
        {"checklist", FT_JSON, 0, NULL, NULL, 0, 0, check_checklist},
        {"price_class", FT_TEXT, 0, NULL, NULL, 0, 60, NULL},
        {"active", FT_BOOL, FF_NOTNULL, NULL, NULL, 0, 0, NULL},
};

/* Named price classes ("enkel", "komplex"): an agreement prices them under
 * prices.classes, a category names one (price_class); retired by active false. The table
 * is the report module's (report_rollup.c, migration 4). */
static const struct field price_class_fields[] = {
        {"name", FT_TEXT, FF_REQUIRED, NULL, NULL, 1, 60, NULL},
        {"description", FT_TEXT, 0, NULL, NULL, 0, 400, NULL},
        {"active", FT_BOOL, FF_NOTNULL, NULL, NULL, 0, 0, NULL},
};

static const struct field agreement_fields[] = {
        {"client_id", FT_REF, FF_REQUIRED, "clients", NULL, 0, 0, NULL},
        {"name", FT_TEXT, FF_REQUIRED, NULL, NULL, 0, 160, NULL},
        {"valid_from", FT_DATE, FF_REQUIRED, NULL, NULL, 0, 0, NULL},
        {"valid_to", FT_DATE, 0, NULL, NULL, 0, 0, NULL},
        {"prices", FT_JSON, 0, NULL, NULL, 0, 0, check_prices},
        {"fixed_annual_price", FT_REAL, 0, NULL, NULL, 0, 0, NULL},
        {"notes", FT_TEXT, 0, NULL, NULL, 0, 4000, NULL},
        {"recipients", FT_JSON, 0, NULL, NULL, 0, 0, check_recipients},
        {"group_ids", FT_LIST, FF_VIRTUAL, NULL, NULL, 0, 0, check_id_list},
        {"created_at", FT_INT, FF_READONLY, NULL, NULL, 0, 0, NULL},
};

static const struct field boundary_fields[] = {
        {"agreement_id", FT_REF, FF_REQUIRED, "agreements", NULL, 0, 0, NULL},
        {"category_id", FT_REF, FF_REQUIRED, "categories", NULL, 0, 0, NULL},
        {"action", FT_ENUM, FF_REQUIRED, NULL, actions, 0, 0, NULL},
        {"contact_id", FT_REF, 0, "contacts", NULL, 0, 0, NULL},
        {"instructions", FT_TEXT, 0, NULL, NULL, 0, 4000, NULL},
        {"due_working_days", FT_INT, FF_NOTNULL, NULL, NULL, 0, 60, NULL},
};

static const struct field user_fields[] = {
        {"username", FT_TEXT, FF_REQUIRED, NULL, NULL, 0, 64, check_username},
        {"display_name", FT_TEXT, FF_REQUIRED, NULL, NULL, 0, 120, NULL},
        {"role", FT_ENUM, FF_REQUIRED, NULL, role_names, 0, 0, NULL},
        {"password", FT_TEXT, FF_VIRTUAL | FF_WRITEONLY, NULL, NULL, 0, 200, NULL},
        {"client_id", FT_REF, 0, "clients", NULL, 0, 0, NULL},
        {"unit_id", FT_REF, 0, "units", NULL, 0, 0, NULL},
        {"email", FT_TEXT, 0, NULL, NULL, 0, 254, check_email},
        {"sip_uri", FT_TEXT, 0, NULL, NULL, 0, 200, NULL},
        {"active", FT_BOOL, FF_NOTNULL, NULL, NULL, 0, 0, NULL},
        {"groups", FT_LIST, FF_VIRTUAL, NULL, NULL, 0, 0, check_memberships},
        {"created_at", FT_INT, FF_READONLY, NULL, NULL, 0, 0, NULL},
};

#define ADMIN_WRITE (ROLE_ADMIN)
#define LEADS_WRITE (ROLE_ADMIN | ROLE_MANAGER | ROLE_GROUP_LEAD)
/* Users carry e-mail addresses and SIP URIs: managers and admins read them; a group lead
 * sees the agents of the queue through /api/v1/acd/agents, not here. */
#define USERS_READ (ROLE_ADMIN | ROLE_MANAGER)

static const struct resource r_units = {
        "units",     "units", "enheten", "unit", unit_fields, N(unit_fields), ROLES_STAFF,
        ADMIN_WRITE, false,   "name",    NULL,   NULL,        NULL,           NULL};
static const struct resource r_groups = {"groups",       "groups",
                                         "svarsgruppen", "response group",
                                         group_fields,   N(group_fields),
                                         ROLES_STAFF,    ROLE_ADMIN | ROLE_MANAGER,
                                         false,          "name",
                                         group_validate, group_write,
                                         group_read,     NULL};
static const struct resource r_closures = {
        "closures",        "closures",  "stängningen", "closure", closure_fields,
        N(closure_fields), ROLES_STAFF, LEADS_WRITE,   false,     "starts_at",
        closure_validate,  NULL,        NULL,          NULL};
static const struct resource r_clients = {"clients",   "clients",     "uppdragsgivaren",
                                          "client",    client_fields, N(client_fields),
                                          ROLES_STAFF, ADMIN_WRITE,   false,
                                          "name",      NULL,          NULL,
                                          NULL,        NULL};
/* A contact is found by name, role, phone number or e-mail address. */
static const char *const contact_search[] = {"name", "role", "phone", "email", NULL};
static const struct resource r_client_units = {"client_units",
                                               "client_units",
                                               "förvaltningens enhet",
                                               "department sub-unit",
                                               client_unit_fields,
                                               N(client_unit_fields),
                                               ROLES_STAFF,
                                               ADMIN_WRITE | ROLE_MANAGER,
                                               false,
                                               "name",
                                               NULL,
                                               NULL,
                                               NULL,
                                               NULL};
static const struct resource r_contacts = {"contacts",
                                           "contacts",
                                           "kontakten",
                                           "department contact",
                                           contact_fields,
                                           N(contact_fields),
                                           ROLES_STAFF,
                                           LEADS_WRITE,
                                           true,
                                           "name",
                                           contact_validate,
                                           NULL,
                                           NULL,
                                           contact_search};
static const struct resource r_categories = {"categories",
                                             "categories",
                                             "kategorin",
                                             "category",
                                             category_fields,
                                             N(category_fields),
                                             ROLES_STAFF,
                                             LEADS_WRITE,
                                             false,
                                             "name",
                                             NULL,
                                             NULL,
                                             NULL,
                                             NULL};
static const struct resource r_agreements = {"agreements",
                                             "agreements",
                                             "avtalet",
                                             "agreement",
                                             agreement_fields,
                                             N(agreement_fields),
                                             ROLES_STAFF,
                                             ADMIN_WRITE | ROLE_MANAGER,
                                             false,
                                             "valid_from",
                                             agreement_validate,
                                             agreement_write,
                                             agreement_read,
                                             NULL};
static const struct resource r_boundaries = {"boundaries",
                                             "boundaries",
                                             "gränssnittsregeln",
                                             "boundary rule",
                                             boundary_fields,
                                             N(boundary_fields),
                                             ROLES_STAFF,
                                             ADMIN_WRITE | ROLE_MANAGER,
                                             false,
                                             "id",
                                             boundary_validate,
                                             NULL,
                                             NULL,
                                             NULL};
static const struct resource r_users = {
        "users",     "users", "användaren", "user",        user_fields, N(user_fields), USERS_READ,
        ADMIN_WRITE, true,    "username",   user_validate, user_write,  user_read,      NULL};

static const struct resource r_price_classes = {"price_classes",
                                                "price_classes",
                                                "prisklassen",
                                                "price class",
                                                price_class_fields,
                                                N(price_class_fields),
                                                ROLES_STAFF,
                                                ROLE_ADMIN | ROLE_MANAGER,
                                                false,
                                                "name",
                                                NULL,
                                                NULL,
                                                NULL,
                                                NULL};
const struct resource *const resources[] = {
        &r_units,      &r_groups,     &r_closures, &r_clients,      &r_contacts,      &r_categories,
        &r_agreements, &r_boundaries, &r_users,    &r_client_units, &r_price_classes, NULL,
};

const struct resource *resource_find(const char *name)
{
	for (const struct resource *const *r = resources; *r; r++)
		if (strcmp((*r)->name, name) == 0)
			return *r;
	return NULL;
}

/* ======================================================================
 * Records as other modules read them
 * ====================================================================== */

int resource_groups_each(struct db *db, bool active_only, group_row_h *h, void *arg)
{
	struct stmt *s;
	int rc, err = db_prepare(db, &s,
	                         "SELECT id, name, email, opening_hours FROM groups"
	                         " WHERE (?1 = 0 OR active = 1) ORDER BY id",
	                         false);

	if (err)
		return err;
	stmt_bind_int(s, 1, active_only);
	while ((rc = stmt_step(s)) == DB_ROW) {
		struct group_row g = {stmt_int(s, 0), stmt_text(s, 1), stmt_text(s, 2),
		                      stmt_text(s, 3)};
		err = h(&g, arg);
		if (err)
			break;
	}
	stmt_done(s);
	if (!err && rc != DB_DONE)
		err = EIO;
	return err;
}

int resource_group_numbers(struct db *db, int64_t group, json_t *out)
{
	struct stmt *s;
	int rc, err = db_prepare(
	                db, &s,
	                "SELECT number FROM entry_numbers WHERE group_id = ? ORDER BY number",
	                true);

	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	while ((rc = stmt_step(s)) == DB_ROW)
		json_array_append_new(out, json_string(stmt_text(s, 0)));
	stmt_done(s);
	return rc == DB_DONE ? 0 : EIO;
}

int resource_contact_phone(struct db *db, int64_t contact, char *out, size_t n)
{
	struct stmt *s;
	int err = db_prepare(db, &s, "SELECT phone FROM contacts WHERE id = ?", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, contact);
	err = ENOENT;
	if (stmt_step(s) == DB_ROW) {
		err = 0;
		snprintf(out, n, "%s", stmt_text(s, 0) ? stmt_text(s, 0) : "");
	}
	stmt_done(s);
	return err;
}

int resource_group_targets(struct db *db, json_t **out)
{
	static const char *const cols[] = {"target_sl_pct",    "target_sl_s",
	                                   "wait_warn_s",      "wait_alarm_s",
	                                   "abandon_warn_pct", "abandon_alarm_pct"};
	struct stmt *s;
	json_t *list;
	int err =
	        db_prepare(db, &s,
	                   "SELECT id, name, target_sl_pct, target_sl_s, wait_warn_s, wait_alarm_s,"
	                   " abandon_warn_pct, abandon_alarm_pct FROM groups WHERE active = 1"
	                   " ORDER BY id",
	                   true);

	if (err)
		return err;
	list = json_array();
	while (stmt_step(s) == DB_ROW) {
		json_t *t = json_object();

		for (int i = 0; i < 6; i++)
			json_object_set_new(t, cols[i],
			                    stmt_is_null(s, i + 2)
			                            ? json_null()
			                            : json_integer(stmt_int(s, i + 2)));
		json_array_append_new(list, json_pack("{s:I,s:s,s:o}", "group_id",
		                                      (json_int_t)stmt_int(s, 0), "name",
		                                      stmt_text(s, 1), "targets", t));
	}
	stmt_done(s);
	*out = list;
	return 0;
}
