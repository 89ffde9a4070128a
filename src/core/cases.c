/* The case log: validation against agreements and boundaries, citizens, handovers with
 * due dates in Swedish working days, history, audit and threat notifications. */
#include "core/cases.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/attachments.h"
#include "core/audit.h"
#include "base/calendar.h"
#include "base/contact.h"
#include "core/personnummer.h"
#include "core/resource.h"
#include "store/db.h"
#include "text/text.h"

static case_observer_h *observer;

void cases_set_observer(case_observer_h *h)
{
	observer = h;
}

static int observe(struct db *db, int64_t case_id, int sign)
{
	return observer ? observer(db, case_id, sign) : 0;
}

static case_notice_h *noticer;

void cases_set_notice(case_notice_h *h)
{
	noticer = h;
}

int case_notice(struct db *db, enum case_notice what, int64_t handover_id, int64_t now)
{
	return noticer ? noticer(db, what, handover_id, now) : 0;
}

static const char *const channels[] = {"phone", "email", "letter", "fax",
                                       "visit", "web",   "social", NULL};
static const char *const outcomes[] = {"resolved", "guided", "handed_over", "forwarded_urgent",
                                       NULL};

static bool in_list(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* ======================================================================
 * Small helpers over the store
 * ====================================================================== */

static void today_of(int64_t now, struct date *d)
{
	struct local_time lt;

	calendar_local_from_utc(now, &lt);
	*d = lt.date;
}

static int history_add(struct db *db, int64_t case_id, int64_t at, int64_t user, const char *field,
                       const char *old_v, const char *new_v)
{
	struct stmt *s;
	int err = db_prepare(
	        db, &s,
	        "INSERT INTO case_history(case_id, at, user_id, field, old_value, new_value)"
	        " VALUES (?,?,?,?,?,?)",
	        true);

	if (err)
		return err;
	stmt_bind_int(s, 1, case_id);
	stmt_bind_int(s, 2, at);
	stmt_bind_id(s, 3, user);
	stmt_bind_text(s, 4, field);
	stmt_bind_text(s, 5, old_v);
	stmt_bind_text(s, 6, new_v);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	return err;
}

/* ======================================================================
 * Agreement and boundary
 * ====================================================================== */

struct boundary {
	int64_t agreement_id; /* the agreement in force, 0 if none */
	bool has_rule;        /* a rule exists for the category */
	bool handover;        /* the rule says: hand over (else: resolve here) */
	int64_t contact_id;   /* the rule's receiving contact, or 0 */
	int due_days;         /* working days the department has to answer */
	char instructions[1024];
};

static int find_boundary(struct db *db, int64_t client, int64_t group, int64_t category,
                         const struct date *on, struct boundary *b)
{
	struct stmt *s;
	char day[11];
	int err;

	memset(b, 0, sizeof(*b));
	b->due_days = 5;
	calendar_date_format(on, day);
	err = db_prepare(
	        db, &s,
	        "SELECT a.id FROM agreements a JOIN agreement_groups ag ON ag.agreement_id = a.id"
	        " WHERE a.client_id = ? AND ag.group_id = ? AND a.valid_from <= ?"
	        " AND (a.valid_to IS NULL OR a.valid_to >= ?) ORDER BY a.valid_from DESC LIMIT 1",
	        true);
	if (err)
		return err;
	stmt_bind_int(s, 1, client);
	stmt_bind_int(s, 2, group);
	stmt_bind_text(s, 3, day);
	stmt_bind_text(s, 4, day);
	if (stmt_step(s) == DB_ROW)
		b->agreement_id = stmt_int(s, 0);
	stmt_done(s);
	if (!b->agreement_id)
		return 0;
	err = db_prepare(db, &s,
	                 "SELECT action, contact_id, due_working_days, instructions FROM boundaries"
	                 " WHERE agreement_id = ? AND category_id = ?",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, b->agreement_id);
	stmt_bind_int(s, 2, category);
	if (stmt_step(s) == DB_ROW) {
		b->has_rule = true;
		b->handover = strcmp(stmt_text(s, 0), "handover") == 0;
		b->contact_id = stmt_is_null(s, 1) ? 0 : stmt_int(s, 1);
		b->due_days = (int)stmt_int(s, 2);
		snprintf(b->instructions, sizeof(b->instructions), "%s",
		         stmt_is_null(s, 3) ? "" : stmt_text(s, 3));
	}
	stmt_done(s);
	return 0;
}

/* The outcome must respect the boundary agreed with the department (gränssnittet). */
static void check_boundary(const struct boundary *b, const char *outcome, struct verrors *v)
{
	if (!b->has_rule || !outcome)
		return;
	if (b->handover && (strcmp(outcome, "resolved") == 0 || strcmp(outcome, "guided") == 0))
		valid_add(
		        v, "outcome",
		        VL(v,
		           "enligt avtalets gränssnitt ska ärenden i den här kategorin lämnas över "
		           "till förvaltningen (handed_over)%s%s",
		           "the agreement's boundary says cases in this category are handed over "
		           "to "
		           "the department (handed_over)%s%s"),
		        b->instructions[0] ? ": " : "", b->instructions);
	if (!b->handover && strcmp(outcome, "handed_over") == 0)
		valid_add(v, "outcome",
		          VL(v,
		             "enligt avtalets gränssnitt löser kontaktcentret ärenden i den här "
		             "kategorin själv (resolved eller guided)%s%s",
		             "the agreement's boundary says the center resolves cases in this "
		             "category "
		             "itself (resolved or guided)%s%s"),
		          b->instructions[0] ? ": " : "", b->instructions);
}

/* ======================================================================
 * Citizens
 * ====================================================================== */

struct citizen_in {
	const char *name, *email;
	char phone[32];
	char pnr[13];
	bool any;
};

static void parse_citizen(const json_t *c, int64_t now, struct citizen_in *ci, struct verrors *v)
{
	const char *k;
	json_t *x;
	struct date today;

	memset(ci, 0, sizeof(*ci));
	if (!c || json_is_null(c))
		return;
	if (!json_is_object(c)) {
		valid_add(v, "citizen", "%s",
		          VL(v, "ska vara ett objekt {name, phone, email, personal_id}",
		             "must be an object {name, phone, email, personal_id}"));
		return;
	}
	today_of(now, &today);
	json_object_foreach((json_t *)c, k, x)
	{
		const char *s = json_string_value(x);
		char field[48];

		snprintf(field, sizeof(field), "citizen.%s", k);
		if (json_is_null(x))
			continue;
		if (!in_list((const char *const[]){"name", "phone", "email", "personal_id", NULL},
		             k)) {
			valid_add(v, field, "%s",
			          VL(v, "okänt fält; tillåtna: name, phone, email, personal_id",
			             "unknown field; accepted: name, phone, email, personal_id"));
			continue;
		}
		if (!s) {
			valid_add(v, field, "%s", VL(v, "ska vara en text", "must be a string"));
			continue;
		}
		if (strcmp(k, "name") == 0) {
			if (strlen(s) > 120)
				valid_add(v, field, "%s",
				          VL(v, "är för långt (högst 120 tecken)",
				             "is too long (at most 120 characters)"));
			ci->name = s;
		} else if (strcmp(k, "phone") == 0) {
			if (contact_phone_normalize(s, ci->phone, sizeof(ci->phone)) != 0)
				valid_add(v, field,
				          VL(v, "\"%s\" är inget telefonnummer",
				             "\"%s\" is not a phone number"),
				          s);
		} else if (strcmp(k, "email") == 0) {
			if (contact_email_validate(s) != 0)
				valid_add(v, field,
				          VL(v, "\"%s\" är ingen e-postadress",
				             "\"%s\" is not an e-mail address"),
				          s);
			ci->email = s;
		} else {
			enum pnr_error why;
			if (pnr_parse(s, &today, ci->pnr, &why) != 0)
				valid_add(v, field,
				          VL(v, "ogiltigt personnummer: %s (format ÅÅÅÅMMDD-NNNN)",
				             "invalid personal identity number: %s (format "
				             "YYYYMMDD-NNNN)"),
				          pnr_error_text(why, v->en ? "en" : "sv"));
		}
		ci->any = true;
	}
}

/* Link the case to a known citizen: same personnummer, else same phone, else same e-mail. */
static int upsert_citizen(struct db *db, const struct citizen_in *ci, int64_t *id)
{
	struct stmt *s;
	int err;

	*id = 0;
	if (!ci->any)
		return 0;
	static const char q_pnr[] = "SELECT id FROM citizens WHERE personal_id = ?";
	static const char q_phone[] =
	        "SELECT id FROM citizens WHERE phone = ? AND personal_id IS NULL"
	        " ORDER BY id DESC LIMIT 1";
	static const char q_email[] =
	        "SELECT id FROM citizens WHERE email = ? AND personal_id IS NULL"
	        " ORDER BY id DESC LIMIT 1";
	const char *sql = ci->pnr[0] ? q_pnr : ci->phone[0] ? q_phone : ci->email ? q_email : NULL;
	const char *key = ci->pnr[0] ? ci->pnr : ci->phone[0] ? ci->phone : ci->email;

	if (sql) {
		err = db_prepare(db, &s, sql, true);
		if (err)
			return err;
		stmt_bind_text(s, 1, key);
		if (stmt_step(s) == DB_ROW)
			*id = stmt_int(s, 0);
		stmt_done(s);
	}
	if (*id) {
		/* Fill in what was missing; never overwrite what an earlier contact gave. */
		err = db_prepare(
		        db, &s,
		        "UPDATE citizens SET name = COALESCE(name, ?), phone = COALESCE(phone, ?),"
		        " email = COALESCE(email, ?) WHERE id = ?",
		        true);
		if (err)
			return err;
	} else {
		err = db_prepare(
		        db, &s,
		        "INSERT INTO citizens(name, phone, email, personal_id) VALUES (?,?,?,?)",
		        true);
		if (err)
			return err;
		stmt_bind_text(s, 4, ci->pnr[0] ? ci->pnr : NULL);
	}
	stmt_bind_text(s, 1, ci->name);
	stmt_bind_text(s, 2, ci->phone[0] ? ci->phone : NULL);
	stmt_bind_text(s, 3, ci->email);
	if (*id)
		stmt_bind_int(s, 4, *id);
	err = stmt_step(s);
	stmt_done(s);
	if (err != DB_DONE)
		return err;
	if (!*id)
		*id = db_last_id(db);
	return 0;
}

/* ======================================================================
 * Handover
 * ====================================================================== */

struct handover_in {
	int64_t contact_id;
	int64_t client_unit_id; /* the department's sub-unit, 0: the contact's own */
	const char *message;
	struct date due;
	bool due_given;
	bool present;
};

static void parse_handover(const json_t *h, struct handover_in *hi, struct verrors *v)
{
	const char *k;
	json_t *x;

	memset(hi, 0, sizeof(*hi));
	if (!h || json_is_null(h))
		return;
	hi->present = true;
	if (!json_is_object(h)) {
		valid_add(v, "handover", "%s",
		          VL(v, "ska vara ett objekt {contact_id, message, due_date}",
		             "must be an object {contact_id, message, due_date}"));
		return;
	}
	json_object_foreach((json_t *)h, k, x)
	{
		char field[48];
		snprintf(field, sizeof(field), "handover.%s", k);
		if (strcmp(k, "contact_id") == 0) {
			if (!json_is_integer(x))
				valid_add(v, field, "%s",
				          VL(v, "ska vara ett heltal", "must be an integer"));
			else
				hi->contact_id = json_integer_value(x);
		} else if (strcmp(k, "client_unit_id") == 0) {
			if (!json_is_integer(x) || json_integer_value(x) <= 0)
				valid_add(v, field, "%s",
				          VL(v, "ska vara ett heltal (id)",
				             "must be an integer (id)"));
			else
				hi->client_unit_id = json_integer_value(x);
		} else if (strcmp(k, "message") == 0) {
			if (!json_is_string(x) || json_string_length(x) == 0 ||
			    json_string_length(x) > 4000)
				valid_add(v, field, "%s",
				          VL(v, "ska vara en text på 1–4000 tecken",
				             "must be a string of 1–4000 characters"));
			else
				hi->message = json_string_value(x);
		} else if (strcmp(k, "due_date") == 0) {
			if (!json_is_string(x) ||
			    calendar_date_parse(json_string_value(x), &hi->due) != 0)
				valid_add(v, field, "%s",
				          VL(v, "ska vara ett datum ÅÅÅÅ-MM-DD",
				             "must be a date YYYY-MM-DD"));
			else
				hi->due_given = true;
		} else {
			valid_add(
			        v, field, "%s",
			        VL(v,
			           "okänt fält; tillåtna: contact_id, client_unit_id, message, "
			           "due_date",
			           "unknown field; accepted: contact_id, client_unit_id, message, "
			           "due_date"));
		}
	}
	if (!hi->message && !valid_has_errors(v))
		valid_add(v, "handover.message", "%s",
		          VL(v, "måste anges: vad förvaltningen ska göra",
		             "is required: what the department is asked to do"));
}

static int insert_handover(struct db *db, int64_t case_id, int64_t client_id,
                           const struct handover_in *hi, const struct boundary *b, int64_t now,
                           int64_t *hid, struct verrors *v)
{
	struct stmt *s;
	struct date today, due;
	char due_s[11];
	int64_t contact = hi->contact_id ? hi->contact_id : b->contact_id;
	int err;

	if (!contact) {
		valid_add(v, "handover.contact_id", "%s",
		          VL(v,
		             "måste anges: vem på förvaltningen som tar emot (avtalet anger ingen)",
		             "is required: who in the department receives it (the agreement names "
		             "nobody)"));
		return EBADMSG;
	}
	if (db_scalar_int(db, "SELECT client_id FROM contacts WHERE id = ? AND active = 1",
	                  contact) != client_id) {
		valid_add(v, "handover.contact_id",
		          VL(v, "kontakt %lld finns inte hos ärendets uppdragsgivare",
		             "contact %lld does not exist at the case's client"),
		          (long long)contact);
		return EBADMSG;
	}
	int64_t unit =
	        hi->client_unit_id
	                ? hi->client_unit_id
	                : db_scalar_int(db, "SELECT client_unit_id FROM contacts WHERE id = ?",
	                                contact);
	if (hi->client_unit_id &&
	    db_scalar_int(db, "SELECT client_id FROM client_units WHERE id = ? AND active = 1",
	                  unit) != client_id) {
		valid_add(v, "handover.client_unit_id",
		          VL(v, "enhet %lld finns inte hos ärendets uppdragsgivare",
		             "sub-unit %lld does not exist at the case's client"),
		          (long long)unit);
		return EBADMSG;
	}
	today_of(now, &today);
	if (hi->due_given) {
		if (calendar_date_to_days(&hi->due) < calendar_date_to_days(&today)) {
			valid_add(
			        v, "handover.due_date", "%s",
			        VL(v, "får inte ligga i det förflutna", "may not be in the past"));
			return EBADMSG;
		}
		due = hi->due;
	} else {
		calendar_add_working_days(&today, b->due_days, &due);
	}
	calendar_date_format(&due, due_s);
	err = db_prepare(
	        db, &s,
	        "INSERT INTO handovers(case_id, contact_id, client_id, message, instructions,"
	        " created_at, due_date, client_unit_id) VALUES (?,?,?,?,?,?,?,?)",
	        true);
	if (err)
		return err;
	stmt_bind_int(s, 1, case_id);
	stmt_bind_int(s, 2, contact);
	stmt_bind_int(s, 3, client_id);
	stmt_bind_text(s, 4, hi->message);
	stmt_bind_text(s, 5, b->instructions[0] ? b->instructions : NULL);
	stmt_bind_int(s, 6, now);
	stmt_bind_text(s, 7, due_s);
	stmt_bind_id(s, 8, unit);
	err = stmt_step(s);
	stmt_done(s);
	if (err != DB_DONE)
		return err;
	*hid = db_last_id(db);
	/* The case waits for the department (and names its sub-unit, for lists and reports:
	 * the observer moves its count to the sub-unit). */
	err = observe(db, case_id, -1);
	if (!err)
		err = db_prepare(db, &s,
		                 "UPDATE cases SET client_unit_id = COALESCE(?, client_unit_id)"
		                 " WHERE id = ?",
		                 true);
	if (err)
		return err;
	stmt_bind_id(s, 1, unit);
	stmt_bind_int(s, 2, case_id);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	/* The department contact hears of it (by e-mail where notices are sent). */
	if (!err)
		err = case_notice(db, CASE_NOTICE_HANDOVER, *hid, now);
	if (!err)
		err = observe(db, case_id, 1);
	return err;
}

/* A threat flag notifies the manager of the group's unit (or every manager if none is set). */
static int notify_threat(struct db *db, int64_t case_id, int64_t group_id, int64_t now)
{
	struct stmt *s;
	int64_t manager =
	        db_scalar_int(db,
	                      "SELECT u.manager_id FROM groups g JOIN units u ON u.id = g.unit_id"
	                      " WHERE g.id = ?",
	                      group_id);
	char msg[160];
	int err;

	snprintf(msg, sizeof(msg), "Ärende %lld är hotflaggat och behöver ses över.",
	         (long long)case_id);
	err = db_prepare(db, &s,
	                 "INSERT INTO notifications(user_id, kind, case_id, message, created_at)"
	                 " SELECT id, 'threat', ?, ?, ? FROM users WHERE active = 1 AND"
	                 " (id = ? OR (? = 0 AND role = 'manager'))",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, case_id);
	stmt_bind_text(s, 2, msg);
	stmt_bind_int(s, 3, now);
	stmt_bind_int(s, 4, manager);
	stmt_bind_int(s, 5, manager);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	return err;
}

/* ======================================================================
 * Create
 * ====================================================================== */

/* Characters, not bytes: "4000 tecken" holds for å, ä and ö too. */
static size_t utf8_length(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static const char *const case_keys[] = {"group_id",     "client_id", "category_id", "channel",
                                        "outcome",      "summary",   "citizen",     "received_at",
                                        "confidential", "threat",    "call_id",     "handover",
                                        "status",       "place",     NULL};

/* Where a fault report points (case_create's "place"): an address, and optionally WGS 84
 * coordinates, both or neither. */
struct place_in {
	const char *address; /* NULL: none given */
	bool has_coords;
	double lat, lon;
};

static void parse_place(const json_t *x, struct place_in *p, struct verrors *v)
{
	const char *k;
	json_t *y, *lat, *lon;

	memset(p, 0, sizeof(*p));
	if (!x || json_is_null(x))
		return;
	if (!json_is_object(x)) {
		valid_add(v, "place", "%s",
		          VL(v, "ska vara ett objekt {address, latitude, longitude}",
		             "must be an object {address, latitude, longitude}"));
		return;
	}
	json_object_foreach(
	        (json_t *)x, k,
	        y) if (!in_list((const char *const[]){"address", "latitude", "longitude", NULL}, k))
	        valid_add(v, "place", "%s",
	                  VL(v, "okänt fält; tillåtna: address, latitude, longitude",
	                     "unknown field; accepted: address, latitude, longitude"));
	y = json_object_get(x, "address");
	if (y && !json_is_null(y)) {
		if (!json_is_string(y) || json_string_length(y) == 0 ||
		    utf8_length(json_string_value(y)) > 200)
			valid_add(v, "place.address", "%s",
			          VL(v, "ska vara en text på 1–200 tecken",
			             "must be a string of 1–200 characters"));
		else
			p->address = json_string_value(y);
	}
	lat = json_object_get(x, "latitude");
	lon = json_object_get(x, "longitude");
	if (lat && json_is_null(lat))
		lat = NULL;
	if (lon && json_is_null(lon))
		lon = NULL;
	if (!lat != !lon) {
		valid_add(v, lat ? "place.longitude" : "place.latitude", "%s",
		          VL(v, "anges tillsammans med den andra koordinaten",
		             "is given together with the other coordinate"));
		return;
	}
	if (!lat)
		return;
	if (!json_is_number(lat) || json_number_value(lat) < -90 || json_number_value(lat) > 90)
		valid_add(v, "place.latitude", "%s",
		          VL(v, "ska vara ett tal mellan -90 och 90 (WGS 84)",
		             "must be a number between -90 and 90 (WGS 84)"));
	if (!json_is_number(lon) || json_number_value(lon) < -180 || json_number_value(lon) > 180)
		valid_add(v, "place.longitude", "%s",
		          VL(v, "ska vara ett tal mellan -180 och 180 (WGS 84)",
		             "must be a number between -180 and 180 (WGS 84)"));
	if (json_is_number(lat) && json_is_number(lon)) {
		p->has_coords = true;
		p->lat = json_number_value(lat);
		p->lon = json_number_value(lon);
	}
}

static int64_t req_ref(struct db *db, const json_t *in, const char *key, const char *table,
                       struct verrors *v)
{
	json_t *x = json_object_get(in, key);

	if (!x) {
		valid_add(v, key, "%s", VL(v, "måste anges", "is required"));
		return 0;
	}
	if (!json_is_integer(x)) {
		valid_add(v, key, "%s",
		          VL(v, "har fel typ: ska vara ett heltal (id)",
		             "has the wrong type: must be an integer (id)"));
		return 0;
	}
	if (!record_exists(db, table, json_integer_value(x))) {
		valid_add(v, key, VL(v, "id %lld finns inte", "id %lld does not exist"),
		          (long long)json_integer_value(x));
		return 0;
	}
	return json_integer_value(x);
}

static const char *req_enum(const json_t *in, const char *key, const char *const *values,
                            const char *accepted, struct verrors *v)
{
	json_t *x = json_object_get(in, key);

	if (!x) {
		valid_add(v, key, VL(v, "måste anges; tillåtna: %s", "is required; accepted: %s"),
		          accepted);
		return NULL;
	}
	if (!json_is_string(x) || !in_list(values, json_string_value(x))) {
		valid_add(v, key,
		          VL(v, "är inte tillåtet; tillåtna: %s", "is not accepted; accepted: %s"),
		          accepted);
		return NULL;
	}
	return json_string_value(x);
}

static bool opt_bool(const json_t *in, const char *key, struct verrors *v)
{
	json_t *x = json_object_get(in, key);

	if (x && !json_is_boolean(x))
		valid_add(v, key, "%s",
		          VL(v, "ska vara true eller false", "must be true or false"));
	return json_is_true(x);
}

/* The category must belong to the case's group and client when it is scoped to them. */
static void check_category(struct db *db, int64_t cat, int64_t group, int64_t client,
                           struct verrors *v)
{
	int64_t cg = db_scalar_int(db, "SELECT group_id FROM categories WHERE id = ?", cat);
	int64_t cc = db_scalar_int(db, "SELECT client_id FROM categories WHERE id = ?", cat);

	if (cg && group && cg != group)
		valid_add(v, "category_id", "%s",
		          VL(v, "kategorin hör till en annan svarsgrupp",
		             "the category belongs to another response group"));
	if (cc && client && cc != client)
		valid_add(v, "category_id", "%s",
		          VL(v, "kategorin hör till en annan uppdragsgivare",
		             "the category belongs to another client"));
	if (!db_scalar_int(db, "SELECT active FROM categories WHERE id = ?", cat))
		valid_add(v, "category_id", "%s",
		          VL(v, "kategorin är inaktiverad", "the category is deactivated"));
}

/* A case names the call it came from by the call's id in the ACD's event log, where every
 * call is recorded from the moment it arrives. */
static bool call_known(struct db *db, const char *call_id)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(call_id, &end, 10);
	if (!*call_id || *end || errno || n <= 0)
		return false;
	return db_scalar_int(db, "SELECT EXISTS(SELECT 1 FROM acd_events WHERE call_id = ?)", n) !=
	       0;
}

int case_create(struct db *db, const struct principal *who, const json_t *in, int64_t now,
                int64_t *id, struct verrors *v)
{
	struct citizen_in ci;
	struct handover_in hi;
	struct place_in pl;
	struct boundary b;
	struct local_time lt;
	struct stmt *s;
	const char *k, *channel, *outcome = NULL, *summary, *call_id = NULL, *status = NULL;
	json_t *x;
	int64_t group, client, category, received = now, citizen = 0, hid = 0;
	bool confidential, threat, outcome_none = false;
	int err;

	json_object_foreach((json_t *)in, k, x) if (!in_list(case_keys, k)) valid_add(
	        v, k, "%s",
	        VL(v,
	           "okänt fält; tillåtna: group_id, client_id, category_id, channel, outcome, "
	           "summary, citizen, received_at, confidential, threat, call_id, handover, "
	           "status, place",
	           "unknown field; accepted: group_id, client_id, category_id, channel, outcome, "
	           "summary, citizen, received_at, confidential, threat, call_id, handover, "
	           "status, place"));

	group = req_ref(db, in, "group_id", "groups", v);
	client = req_ref(db, in, "client_id", "clients", v);
	category = req_ref(db, in, "category_id", "categories", v);
	channel = req_enum(in, "channel", channels, "phone, email, letter, fax, visit, web, social",
	                   v);
	/* A contact that came in without an agent (an intake: no principal) has no outcome
	 * until an agent handles it; an agent's case always has one. */
	if (who->id || json_object_get(in, "outcome"))
		outcome = req_enum(in, "outcome", outcomes,
		                   "resolved, guided, handed_over, forwarded_urgent", v);
	x = json_object_get(in, "summary");
	summary = json_string_value(x);
	if (!x)
		valid_add(v, "summary", "%s", VL(v, "måste anges", "is required"));
	else if (!summary)
		valid_add(v, "summary", "%s", VL(v, "ska vara en text", "must be a string"));
	else if (json_string_length(x) == 0 || utf8_length(summary) > 4000)
		valid_add(v, "summary", "%s",
		          VL(v, "ska vara 1–4000 tecken", "must be 1–4000 characters"));
	x = json_object_get(in, "received_at");
	if (x &&
	    (!json_is_string(x) || calendar_parse_iso8601(json_string_value(x), &received) != 0))
		valid_add(v, "received_at", "%s",
		          VL(v, "ska vara en tidpunkt ISO 8601 (t.ex. 2026-05-04T09:30:00Z)",
		             "must be an ISO 8601 timestamp (e.g. 2026-05-04T09:30:00Z)"));
	else if (x && received > now + 300)
		valid_add(v, "received_at", "%s",
		          VL(v, "får inte ligga i framtiden", "may not be in the future"));
	x = json_object_get(in, "call_id");
	if (x && (!json_is_string(x) || json_string_length(x) > 128))
		valid_add(v, "call_id", "%s",
		          VL(v, "ska vara en text (högst 128 tecken)",
		             "must be a string (at most 128)"));
	else if (x && !call_known(db, json_string_value(x)))
		valid_add(v, "call_id",
		          VL(v, "samtal %s finns inte i samtalsloggen",
		             "call %s is not in the call records"),
		          json_string_value(x));
	call_id = json_string_value(x);
	confidential = opt_bool(in, "confidential", v);
	threat = opt_bool(in, "threat", v);
	parse_citizen(json_object_get(in, "citizen"), now, &ci, v);
	parse_handover(json_object_get(in, "handover"), &hi, v);
	parse_place(json_object_get(in, "place"), &pl, v);
	/* A first contact ends resolved (closed), open (the center has more to do) or waiting
	 * for the citizen; a handover makes the case wait for the department. */
	x = json_object_get(in, "status");
	if (x && (!json_is_string(x) ||
	          !in_list((const char *const[]){"open", "waiting_for_citizen", "closed", NULL},
	                   json_string_value(x))))
		valid_add(v, "status", "%s",
		          VL(v, "är inte tillåtet; tillåtna: open, waiting_for_citizen, closed",
		             "is not accepted; accepted: open, waiting_for_citizen, closed"));
	else if (x && outcome && strcmp(outcome, "handed_over") == 0)
		valid_add(v, "status", "%s",
		          VL(v, "anges inte för ett överlämnat ärende: det väntar på förvaltningen",
		             "is not given for a handed-over case: it waits for the department"));
	status = json_string_value(x);
	if (valid_has_errors(v))
		return EBADMSG;
	if (!status)
		status = !outcome                              ? "open"
		         : strcmp(outcome, "handed_over") == 0 ? "waiting_for_department"
		                                               : "closed";

	check_category(db, category, group, client, v);
	calendar_local_from_utc(received, &lt);
	err = find_boundary(db, client, group, category, &lt.date, &b);
	if (err)
		return err;
	if (!b.agreement_id) {
		char day[11];
		calendar_date_format(&lt.date, day);
		valid_add(v, "client_id",
		          VL(v, "inget avtal med uppdragsgivaren omfattar svarsgruppen den %s",
		             "no agreement with the client covers the response group on %s"),
		          day);
	}
	check_boundary(&b, outcome, v);
	if (!outcome)
		outcome_none = true, outcome = "";
	if (strcmp(outcome, "handed_over") == 0 && !hi.present && !b.contact_id)
		valid_add(v, "handover", "%s",
		          VL(v, "krävs när outcome är handed_over: {contact_id, message}",
		             "is required when outcome is handed_over: {contact_id, message}"));
	if (strcmp(outcome, "handed_over") == 0 && !hi.present && b.contact_id)
		valid_add(
		        v, "handover.message", "%s",
		        VL(v, "krävs när outcome är handed_over: vad förvaltningen ska göra",
		           "is required when outcome is handed_over: what the department is asked "
		           "to do"));
	if (strcmp(outcome, "handed_over") != 0 && hi.present)
		valid_add(v, "handover", "%s",
		          VL(v, "får bara anges när outcome är handed_over",
		             "may only be given when outcome is handed_over"));
	if (valid_has_errors(v))
		return EBADMSG;

	err = db_begin(db);
	if (err)
		return err;
	err = upsert_citizen(db, &ci, &citizen);
	if (err)
		goto out;
	err = db_prepare(
	        db, &s,
	        "INSERT INTO cases(channel, group_id, client_id, category_id, outcome, summary,"
	        " citizen_id, received_at, created_at, updated_at, agent_id, confidential,"
	        " threat, call_id, status, status_changed_at, status_changed_by, closed_at,"
	        " closed_by, place_address, place_lat, place_lon)"
	        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	        true);
	if (err)
		goto out;
	stmt_bind_text(s, 1, channel);
	stmt_bind_int(s, 2, group);
	stmt_bind_int(s, 3, client);
	stmt_bind_int(s, 4, category);
	if (outcome_none)
		stmt_bind_null(s, 5);
	else
		stmt_bind_text(s, 5, outcome);
	stmt_bind_text(s, 6, summary);
	stmt_bind_id(s, 7, citizen);
	stmt_bind_int(s, 8, received);
	stmt_bind_int(s, 9, now);
	stmt_bind_int(s, 10, now);
	stmt_bind_id(s, 11, who->id);
	stmt_bind_int(s, 12, confidential);
	stmt_bind_int(s, 13, threat);
	stmt_bind_text(s, 14, call_id);
	stmt_bind_text(s, 15, status);
	stmt_bind_int(s, 16, now);
	if (who->id) {
		stmt_bind_int(s, 17, who->id);
		stmt_bind_int(s, 19, who->id);
	} else {
		stmt_bind_null(s, 17);
		stmt_bind_null(s, 19);
	}
	if (strcmp(status, "closed") == 0) {
		stmt_bind_int(s, 18, now);
	} else {
		stmt_bind_null(s, 18);
		stmt_bind_null(s, 19);
	}
	stmt_bind_text(s, 20, pl.address);
	if (pl.has_coords) {
		stmt_bind_double(s, 21, pl.lat);
		stmt_bind_double(s, 22, pl.lon);
	} else {
		stmt_bind_null(s, 21);
		stmt_bind_null(s, 22);
	}
	err = stmt_step(s);
	stmt_done(s);
	if (err != DB_DONE)
		goto out;
	*id = db_last_id(db);
	err = observe(db, *id, 1);
	if (!err)
		err = history_add(db, *id, now, who->id, "created", NULL,
		                  outcome_none ? NULL : outcome);
	if (!err)
		err = history_add(db, *id, now, who->id, "status", NULL, status);
	if (!err && strcmp(outcome, "handed_over") == 0)
		err = insert_handover(db, *id, client, &hi, &b, now, &hid, v);
	if (!err && threat)
		err = notify_threat(db, *id, group, now);
	if (!err)
		err = audit_record(db, now, who->id, "create", "case", *id,
		                   citizen ? "with citizen data and earlier cases" : NULL);
	if (!err)
		err = db_commit(db);
out:
	if (err == DB_DONE || err == DB_ROW)
		err = EIO;
	if (err)
		db_rollback(db);
	return err;
}

/* ======================================================================
 * Read
 * ====================================================================== */

static json_t *text_or_null(struct stmt *s, int col)
{
	return stmt_is_null(s, col) ? json_null() : json_string(stmt_text(s, col));
}

static json_t *time_json(int64_t t)
{
	char buf[32];

	calendar_format_iso8601(t, buf);
	return json_string(buf);
}

#define CASE_COLUMNS                                                                               \
	"c.id, c.channel, c.group_id, g.name, c.client_id, cl.name, c.category_id, cat.name,"      \
	" cat.kind, c.outcome, c.summary, c.citizen_id, c.received_at, c.created_at,"              \
	" c.updated_at, c.agent_id, c.confidential, c.threat, c.call_id, c.status,"                \
	" c.status_changed_at, c.status_changed_by, c.closed_at, c.closed_by, c.closing_reason,"   \
	" c.citizen_informed, c.version, c.client_unit_id, cu.name, c.place_address, c.place_lat," \
	" c.place_lon"
#define CASE_JOINS                                                                                 \
	" JOIN groups g ON g.id = c.group_id JOIN clients cl ON cl.id = c.client_id"               \
	" JOIN categories cat ON cat.id = c.category_id"                                           \
	" LEFT JOIN client_units cu ON cu.id = c.client_unit_id"
#define CASE_FROM " FROM cases c" CASE_JOINS

static json_t *case_row(struct stmt *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(stmt_int(s, 0)));
	json_object_set_new(o, "channel", json_string(stmt_text(s, 1)));
	json_object_set_new(o, "group_id", json_integer(stmt_int(s, 2)));
	json_object_set_new(o, "group", json_string(stmt_text(s, 3)));
	json_object_set_new(o, "client_id", json_integer(stmt_int(s, 4)));
	json_object_set_new(o, "client", json_string(stmt_text(s, 5)));
	json_object_set_new(o, "category_id", json_integer(stmt_int(s, 6)));
	json_object_set_new(o, "category", json_string(stmt_text(s, 7)));
	json_object_set_new(o, "category_kind", json_string(stmt_text(s, 8)));
	/* NULL: came in without an agent and not yet handled (open work, not counted) */
	json_object_set_new(o, "outcome", text_or_null(s, 9));
	json_object_set_new(o, "handled", json_boolean(!stmt_is_null(s, 9)));
	json_object_set_new(o, "summary", json_string(stmt_text(s, 10)));
	json_object_set_new(o, "citizen_id",
	                    stmt_is_null(s, 11) ? json_null() : json_integer(stmt_int(s, 11)));
	json_object_set_new(o, "received_at", time_json(stmt_int(s, 12)));
	json_object_set_new(o, "created_at", time_json(stmt_int(s, 13)));
	json_object_set_new(o, "updated_at", time_json(stmt_int(s, 14)));
	json_object_set_new(o, "agent_id",
	                    stmt_is_null(s, 15) ? json_null() : json_integer(stmt_int(s, 15)));
	json_object_set_new(o, "confidential", json_boolean(stmt_int(s, 16)));
	json_object_set_new(o, "threat", json_boolean(stmt_int(s, 17)));
	json_object_set_new(o, "call_id", text_or_null(s, 18));
	json_object_set_new(o, "status", json_string(stmt_text(s, 19)));
	json_object_set_new(o, "status_changed_at",
	                    stmt_is_null(s, 20) ? json_null() : time_json(stmt_int(s, 20)));
	json_object_set_new(o, "status_changed_by",
	                    stmt_is_null(s, 21) ? json_null() : json_integer(stmt_int(s, 21)));
	json_object_set_new(o, "closed_at",
	                    stmt_is_null(s, 22) ? json_null() : time_json(stmt_int(s, 22)));
	json_object_set_new(o, "closed_by",
	                    stmt_is_null(s, 23) ? json_null() : json_integer(stmt_int(s, 23)));
	json_object_set_new(o, "closing_reason", text_or_null(s, 24));
	json_object_set_new(o, "citizen_informed", text_or_null(s, 25));
	json_object_set_new(o, "version", json_integer(stmt_int(s, 26)));
	json_object_set_new(o, "client_unit_id",
	                    stmt_is_null(s, 27) ? json_null() : json_integer(stmt_int(s, 27)));
	json_object_set_new(o, "client_unit", text_or_null(s, 28));
	if (!stmt_is_null(s, 29) || !stmt_is_null(s, 30))
		json_object_set_new(
		        o, "place",
		        json_pack("{s:o,s:o,s:o}", "address", text_or_null(s, 29), "latitude",
		                  stmt_is_null(s, 30) ? json_null() : json_real(stmt_double(s, 30)),
		                  "longitude",
		                  stmt_is_null(s, 31) ? json_null()
		                                      : json_real(stmt_double(s, 31))));
	return o;
}

static json_t *handovers_of(struct db *db, int64_t case_id)
{
	struct stmt *s;
	json_t *arr = json_array();

	if (db_prepare(
	            db, &s,
	            "SELECT h.id, h.contact_id, ct.name, h.message, h.instructions, h.created_at,"
	            " h.due_date, h.answered_at, h.answer, h.status, h.question, h.question_at,"
	            " h.reply, h.answered_via, h.answered_by, h.client_unit_id, cu.name"
	            " FROM handovers h JOIN contacts ct ON ct.id = h.contact_id"
	            " LEFT JOIN client_units cu ON cu.id = h.client_unit_id"
	            " WHERE h.case_id = ? ORDER BY h.id",
	            true))
		return arr;
	stmt_bind_int(s, 1, case_id);
	while (stmt_step(s) == DB_ROW) {
		json_t *h = json_pack("{s:I,s:I,s:s,s:s}", "id", (json_int_t)stmt_int(s, 0),
		                      "contact_id", (json_int_t)stmt_int(s, 1), "contact",
		                      stmt_text(s, 2), "message", stmt_text(s, 3));
		json_object_set_new(h, "instructions", text_or_null(s, 4));
		json_object_set_new(h, "created_at", time_json(stmt_int(s, 5)));
		json_object_set_new(h, "due_date", json_string(stmt_text(s, 6)));
		json_object_set_new(h, "answered_at",
		                    stmt_is_null(s, 7) ? json_null() : time_json(stmt_int(s, 7)));
		json_object_set_new(h, "answer", text_or_null(s, 8));
		json_object_set_new(h, "status", json_string(stmt_text(s, 9)));
		json_object_set_new(h, "question", text_or_null(s, 10));
		json_object_set_new(h, "question_at",
		                    stmt_is_null(s, 11) ? json_null() : time_json(stmt_int(s, 11)));
		json_object_set_new(h, "reply", text_or_null(s, 12));
		json_object_set_new(h, "answered_via", text_or_null(s, 13));
		json_object_set_new(h, "answered_by",
		                    stmt_is_null(s, 14) ? json_null()
		                                        : json_integer(stmt_int(s, 14)));
		json_object_set_new(h, "client_unit_id",
		                    stmt_is_null(s, 15) ? json_null()
		                                        : json_integer(stmt_int(s, 15)));
		json_object_set_new(h, "client_unit", text_or_null(s, 16));
		json_array_append_new(arr, h);
	}
	stmt_done(s);
	return arr;
}

static json_t *history_of(struct db *db, int64_t case_id)
{
	struct stmt *s;
	json_t *arr = json_array();

	if (db_prepare(db, &s,
	               "SELECT h.at, h.user_id, u.username, h.field, h.old_value, h.new_value"
	               " FROM case_history h LEFT JOIN users u ON u.id = h.user_id"
	               " WHERE h.case_id = ? ORDER BY h.id",
	               true))
		return arr;
	stmt_bind_int(s, 1, case_id);
	while (stmt_step(s) == DB_ROW) {
		json_t *h = json_object();
		json_object_set_new(h, "at", time_json(stmt_int(s, 0)));
		json_object_set_new(h, "user_id",
		                    stmt_is_null(s, 1) ? json_null()
		                                       : json_integer(stmt_int(s, 1)));
		json_object_set_new(h, "user", text_or_null(s, 2));
		json_object_set_new(h, "field", json_string(stmt_text(s, 3)));
		json_object_set_new(h, "old", text_or_null(s, 4));
		json_object_set_new(h, "new", text_or_null(s, 5));
		json_array_append_new(arr, h);
	}
	stmt_done(s);
	return arr;
}

static json_t *citizen_of(struct db *db, int64_t id)
{
	struct stmt *s;
	json_t *o = json_null();

	if (!id ||
	    db_prepare(db, &s,
	               "SELECT id, name, phone, email, personal_id FROM citizens WHERE id = ?",
	               true))
		return o;
	stmt_bind_int(s, 1, id);
	if (stmt_step(s) == DB_ROW) {
		o = json_object();
		json_object_set_new(o, "id", json_integer(stmt_int(s, 0)));
		json_object_set_new(o, "name", text_or_null(s, 1));
		json_object_set_new(o, "phone", text_or_null(s, 2));
		json_object_set_new(o, "email", text_or_null(s, 3));
		json_object_set_new(o, "personal_id", text_or_null(s, 4));
	}
	stmt_done(s);
	return o;
}

/* Earlier cases of the same citizen that this principal may see (newest first). */
static json_t *earlier_of(struct db *db, const struct principal *who, int64_t case_id,
                          int64_t citizen)
{
	static const char q[] = "SELECT c.id, c.received_at, g.name, c.outcome, c.summary,"
	                        " " AUTH_SQL_CASE_FACTS " FROM cases c"
	                        " JOIN groups g ON g.id = c.group_id"
	                        " WHERE c.citizen_id = ?2 AND c.id <> ?3"
	                        " ORDER BY c.received_at DESC LIMIT 20";
	struct stmt *s;
	json_t *arr = json_array();

	if (!citizen || db_prepare(db, &s, q, true))
		return arr;
	stmt_bind_int(s, 1, who->id);
	stmt_bind_int(s, 2, citizen);
	stmt_bind_int(s, 3, case_id);
	while (stmt_step(s) == DB_ROW) {
		struct case_access a;

		auth_case_access_row(s, 5, &a);
		/* A department sees the cases handed over to it, never the citizen's other
		 * contacts with the center. */
		if (who->role == ROLE_CLIENT_VIEWER || !auth_can_read_case(who, &a))
			continue;
		json_t *o = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)stmt_int(s, 0), "group",
		                      stmt_text(s, 2), "outcome", stmt_text(s, 3));
		json_object_set_new(o, "received_at", time_json(stmt_int(s, 1)));
		json_object_set_new(o, "summary", json_string(stmt_text(s, 4)));
		json_array_append_new(arr, o);
	}
	stmt_done(s);
	return arr;
}

/* The case with its citizen, handovers, earlier cases and history; `read` adds the
 * read to the audit log. */
static int case_load(struct db *db, const struct principal *who, int64_t id, int64_t now, bool read,
                     json_t **out)
{
	struct stmt *s;
	json_t *o = NULL;
	int err = db_prepare(db, &s, "SELECT " CASE_COLUMNS CASE_FROM " WHERE c.id = ?", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	if (stmt_step(s) == DB_ROW)
		o = case_row(s);
	stmt_done(s);
	if (!o)
		return ENOENT;
	int64_t citizen = json_integer_value(json_object_get(o, "citizen_id"));
	json_object_set_new(o, "citizen", citizen_of(db, citizen));
	json_object_set_new(o, "handovers", handovers_of(db, id));
	json_object_set_new(o, "earlier_cases", earlier_of(db, who, id, citizen));
	json_object_set_new(o, "history", history_of(db, id));
	json_object_set_new(o, "attachments", attachments_of(db, id));
	err = read ? audit_record(db, now, who->id, "read", "case", id,
	                          citizen ? "with citizen data" : NULL)
	           : 0;
	if (err) {
		json_decref(o);
		return err;
	}
	*out = o;
	return 0;
}

int case_get(struct db *db, const struct principal *who, int64_t id, int64_t now, json_t **out)
{
	struct case_access a;
	int err = auth_case_load(db, who, id, &a);

	if (err)
		return err;
	if (!auth_can_read_case(who, &a)) {
		audit_record(db, now, who->id, "read_denied", "case", id, NULL);
		return EPERM;
	}
	return case_load(db, who, id, now, true, out);
}

int case_get_created(struct db *db, const struct principal *who, int64_t id, int64_t now,
                     json_t **out)
{
	return case_load(db, who, id, now, false, out);
}

/* ======================================================================
 * Update
 * ====================================================================== */

int case_update(struct db *db, const struct principal *who, int64_t id, const json_t *in,
                int64_t now, struct verrors *v)
{
	struct case_access a;
	struct boundary b;
	struct local_time lt;
	struct stmt *s;
	const char *k, *outcome = NULL, *old_outcome = NULL;
	/* The history keeps the old summary whole: a summary is at most 4000 characters of
	 * UTF-8, and a cut one could end inside a character. */
	char old_out[32] = "", old_summary[4000 * 4 + 1] = "";
	json_t *x;
	int64_t category = 0, old_category = 0, received = 0;
	bool old_confidential = false, old_threat = false, unhandled = false;
	int err;

	err = auth_case_load(db, who, id, &a);
	if (err)
		return err;
	if (!auth_can_write_case(who, &a))
		return EPERM;
	json_object_foreach(
	        (json_t *)in, k,
	        x) if (!in_list((const char *const[]){"category_id", "outcome", "summary",
	                                              "confidential", "threat", NULL},
	                        k))
	        valid_add(v, k, "%s",
	                  VL(v,
	                     "kan inte ändras här; ändringsbara fält: category_id, outcome, "
	                     "summary, confidential, threat",
	                     "cannot be changed here; changeable fields: category_id, outcome, "
	                     "summary, confidential, threat"));
	if (json_object_get(in, "category_id"))
		category = req_ref(db, in, "category_id", "categories", v);
	if (json_object_get(in, "outcome"))
		outcome = req_enum(in, "outcome", outcomes,
		                   "resolved, guided, handed_over, forwarded_urgent", v);
	x = json_object_get(in, "summary");
	if (x && (!json_is_string(x) || json_string_length(x) == 0 ||
	          utf8_length(json_string_value(x)) > 4000))
		valid_add(v, "summary", "%s",
		          VL(v, "ska vara en text på 1–4000 tecken",
		             "must be a string of 1–4000 characters"));
	opt_bool(in, "confidential", v);
	opt_bool(in, "threat", v);
	if (valid_has_errors(v))
		return EBADMSG;

	err = db_prepare(db, &s,
	                 "SELECT outcome, category_id, received_at, summary, confidential, threat"
	                 " FROM cases WHERE id = ?",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	if (stmt_step(s) == DB_ROW) {
		unhandled = stmt_is_null(s, 0);
		if (!unhandled)
			snprintf(old_out, sizeof(old_out), "%s", stmt_text(s, 0));
		old_category = stmt_int(s, 1);
		received = stmt_int(s, 2);
		snprintf(old_summary, sizeof(old_summary), "%s", stmt_text(s, 3));
		old_confidential = stmt_int(s, 4) != 0;
		old_threat = stmt_int(s, 5) != 0;
	}
	stmt_done(s);
	old_outcome = unhandled ? NULL : old_out;
	if (!category)
		category = old_category;
	if (!outcome)
		outcome = old_out; /* "" when still unhandled */
	if (strcmp(outcome, "handed_over") == 0 && strcmp(old_outcome, "handed_over") != 0)
		valid_add(v, "outcome", "%s",
		          VL(v, "lämna över med POST /api/v1/cases/{id}/handovers",
		             "hand over with POST /api/v1/cases/{id}/handovers"));
	check_category(db, category, a.group_id, a.client_id, v);
	calendar_local_from_utc(received, &lt);
	err = find_boundary(db, a.client_id, a.group_id, category, &lt.date, &b);
	if (err)
		return err;
	check_boundary(&b, outcome, v);
	if (valid_has_errors(v))
		return EBADMSG;

	err = db_begin(db);
	if (err)
		return err;
	/* the observer: out under the old values, back in under the new */
	err = observe(db, id, -1);
	if (err) {
		db_rollback(db);
		return err;
	}
	json_object_foreach((json_t *)in, k, x)
	{
		char oldv[64] = "", newv[64];
		const char *oldp = oldv, *newp = newv;
		static const char *const sql[] = {
		        "UPDATE cases SET category_id = ?, updated_at = ? WHERE id = ?",
		        "UPDATE cases SET outcome = ?, updated_at = ? WHERE id = ?",
		        "UPDATE cases SET summary = ?, updated_at = ? WHERE id = ?",
		        "UPDATE cases SET confidential = ?, updated_at = ? WHERE id = ?",
		        "UPDATE cases SET threat = ?, updated_at = ? WHERE id = ?",
		};
		int which = strcmp(k, "category_id") == 0    ? 0
		            : strcmp(k, "outcome") == 0      ? 1
		            : strcmp(k, "summary") == 0      ? 2
		            : strcmp(k, "confidential") == 0 ? 3
		                                             : 4;
		err = db_prepare(db, &s, sql[which], true);
		if (err)
			break;
		if (which == 0) {
			snprintf(oldv, sizeof(oldv), "%lld", (long long)old_category);
			snprintf(newv, sizeof(newv), "%lld", (long long)json_integer_value(x));
			stmt_bind_int(s, 1, json_integer_value(x));
		} else if (which == 1 || which == 2) {
			oldp = which == 1 ? old_outcome : old_summary;
			newp = json_string_value(x);
			stmt_bind_text(s, 1, newp);
		} else {
			bool old = which == 3 ? old_confidential : old_threat;
			snprintf(oldv, sizeof(oldv), "%s", old ? "true" : "false");
			snprintf(newv, sizeof(newv), "%s", json_is_true(x) ? "true" : "false");
			stmt_bind_int(s, 1, json_is_true(x));
		}
		stmt_bind_int(s, 2, now);
		stmt_bind_int(s, 3, id);
		err = stmt_step(s) == DB_DONE ? 0 : EIO;
		stmt_done(s);
		if (!err)
			err = history_add(db, id, now, who->id, k, oldp, newp);
		/* Setting the outcome of a case that came in without an agent is handling it:
		 * the agent who did becomes the case's agent (their figures count it). */
		if (!err && which == 1 && unhandled && who->id) {
			err = db_prepare(
			        db, &s,
			        "UPDATE cases SET agent_id = ? WHERE id = ? AND agent_id IS NULL",
			        true);
			if (!err) {
				stmt_bind_int(s, 1, who->id);
				stmt_bind_int(s, 2, id);
				err = stmt_step(s) == DB_DONE ? 0 : EIO;
				stmt_done(s);
			}
			if (!err)
				err = history_add(db, id, now, who->id, "handled", NULL, newp);
		}
		if (!err && which == 4 && json_is_true(x))
			err = notify_threat(db, id, a.group_id, now);
		if (err)
			break;
	}
	if (!err)
		err = observe(db, id, 1);
	if (!err)
		err = audit_record(db, now, who->id, "update", "case", id, NULL);
	if (!err)
		err = db_commit(db);
	if (err)
		db_rollback(db);
	return err;
}

/* ======================================================================
 * Handover after the fact, and the department's answer
 * ====================================================================== */

int case_handover(struct db *db, const struct principal *who, int64_t case_id, const json_t *in,
                  int64_t now, int64_t *hid, struct verrors *v)
{
	struct case_access a;
	struct handover_in hi;
	struct boundary b;
	struct local_time lt;
	struct stmt *s;
	char old_outcome[32] = "";
	int64_t category = 0, received = 0;
	int err = auth_case_load(db, who, case_id, &a);

	if (err)
		return err;
	if (!auth_can_write_case(who, &a))
		return EPERM;
	parse_handover(in, &hi, v);
	if (valid_has_errors(v))
		return EBADMSG;
	err = db_prepare(db, &s, "SELECT category_id, received_at, outcome FROM cases WHERE id = ?",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, case_id);
	if (stmt_step(s) == DB_ROW) {
		category = stmt_int(s, 0);
		received = stmt_int(s, 1);
		if (!stmt_is_null(s, 2))
			snprintf(old_outcome, sizeof(old_outcome), "%s", stmt_text(s, 2));
	}
	stmt_done(s);
	calendar_local_from_utc(received, &lt);
	err = find_boundary(db, a.client_id, a.group_id, category, &lt.date, &b);
	if (err)
		return err;
	if (b.has_rule && !b.handover) {
		check_boundary(&b, "handed_over", v);
		return EBADMSG;
	}
	err = db_begin(db);
	if (err)
		return err;
	err = insert_handover(db, case_id, a.client_id, &hi, &b, now, hid, v);
	if (!err && strcmp(old_outcome, "handed_over") != 0) {
		err = db_prepare(db, &s,
		                 "UPDATE cases SET outcome = 'handed_over', updated_at = ?1,"
		                 " agent_id = COALESCE(agent_id, ?3) WHERE id = ?2",
		                 true);
		if (!err)
			err = observe(db, case_id, -1);
		if (!err) {
			stmt_bind_int(s, 1, now);
			stmt_bind_int(s, 2, case_id);
			stmt_bind_id(s, 3, who->id);
			err = stmt_step(s) == DB_DONE ? 0 : EIO;
			stmt_done(s);
		}
		if (!err)
			err = observe(db, case_id, 1);
		if (!err)
			err = history_add(db, case_id, now, who->id, "outcome",
			                  *old_outcome ? old_outcome : NULL, "handed_over");
	}
	if (!err)
		err = history_add(db, case_id, now, who->id, "handover", NULL, hi.message);
	if (!err)
		err = case_status_write(db, case_id, who->id, now, "waiting_for_department", NULL,
		                        NULL);
	if (!err)
		err = audit_record(db, now, who->id, "handover", "case", case_id, NULL);
	if (!err)
		err = db_commit(db);
	if (err)
		db_rollback(db);
	return err;
}

/* Working days from `today` to `due`: how many working days are left (the due day
 * counted), or, once it has passed, minus the working days since. */
static int64_t working_days_left(const struct date *today, const struct date *due)
{
	int64_t a = calendar_date_to_days(today), b = calendar_date_to_days(due), n = 0;
	/* A year either way is plenty: beyond it the sign is what matters. */
	int64_t lo = a < b ? a : b, hi = a < b ? b : a;

	if (hi - lo > 366)
		hi = lo + 366;
	for (int64_t d = lo + 1; d <= hi; d++) {
		struct date x;
		calendar_date_from_days(d, &x);
		if (calendar_is_working_day(&x))
			n++;
	}
	return b >= a ? n : -n;
}

int handover_list(struct db *db, const struct principal *who, const struct handover_query *q,
                  int64_t now, json_t **items, int64_t *total)
{
	static const char sql[] =
	        "SELECT h.id, h.case_id, h.client_id, cl.name, h.contact_id, ct.name, h.message,"
	        " h.created_at, h.due_date, h.answered_at, h.answer, " AUTH_SQL_CASE_FACTS ","
	        " h.status, h.question, h.reply, h.client_unit_id, cu.name, c.status, c.summary,"
	        " cat.name"
	        " FROM handovers h JOIN cases c ON c.id = h.case_id"
	        " JOIN clients cl ON cl.id = h.client_id"
	        " JOIN contacts ct ON ct.id = h.contact_id"
	        " JOIN categories cat ON cat.id = c.category_id"
	        " LEFT JOIN client_units cu ON cu.id = h.client_unit_id"
	        " WHERE (?2 = 0 OR h.client_id = ?3)"
	        " AND (?4 = 0 OR h.status IN ('open','question'))"
	        " AND (?5 = 0 OR (h.status IN ('open','question') AND h.due_date < ?6))"
	        " AND (?7 = 0 OR c.group_id = ?8)"
	        " AND (?9 IS NULL OR h.status = ?9)"
	        " AND (?10 = 0 OR h.client_unit_id = ?10)"
	        " ORDER BY h.due_date, h.id";
	struct stmt *s;
	struct date today;
	char day[11];
	json_t *arr = json_array();
	int64_t client_id = q->client_id, seen = 0;
	int err;

	if (who->role == ROLE_CLIENT_VIEWER)
		client_id = who->client_id;
	today_of(now, &today);
	calendar_date_format(&today, day);
	err = db_prepare(db, &s, sql, true);
	if (err) {
		json_decref(arr);
		return err;
	}
	stmt_bind_int(s, 1, who->id);
	/* A client viewer without a department sees nothing (-1 matches no client). */
	stmt_bind_int(s, 2, who->role == ROLE_CLIENT_VIEWER ? 1 : client_id);
	stmt_bind_int(s, 3, who->role == ROLE_CLIENT_VIEWER && !client_id ? -1 : client_id);
	stmt_bind_int(s, 4, q->open_only || q->overdue);
	stmt_bind_int(s, 5, q->overdue);
	stmt_bind_text(s, 6, day);
	stmt_bind_int(s, 7, q->group_id);
	stmt_bind_int(s, 8, q->group_id);
	stmt_bind_text(s, 9, q->status);
	stmt_bind_int(s, 10, q->client_unit_id);
	while (stmt_step(s) == DB_ROW) {
		struct case_access a;
		struct date due;
		bool waiting;

		auth_case_access_row(s, 11, &a);
		if (!auth_can_read_case(who, &a))
			continue;
		/* Only the page is built; the rest are counted for the total. */
		if (seen++ < q->offset || seen - q->offset > q->limit)
			continue;
		json_t *o =
		        json_pack("{s:I,s:I,s:I,s:s,s:I,s:s,s:s}", "id", (json_int_t)stmt_int(s, 0),
		                  "case_id", (json_int_t)stmt_int(s, 1), "client_id",
		                  (json_int_t)stmt_int(s, 2), "client", stmt_text(s, 3),
		                  "contact_id", (json_int_t)stmt_int(s, 4), "contact",
		                  stmt_text(s, 5), "message", stmt_text(s, 6));
		json_object_set_new(o, "created_at", time_json(stmt_int(s, 7)));
		json_object_set_new(o, "due_date", json_string(stmt_text(s, 8)));
		json_object_set_new(o, "group_id", json_integer(a.group_id));
		json_object_set_new(o, "answered_at",
		                    stmt_is_null(s, 9) ? json_null() : time_json(stmt_int(s, 9)));
		json_object_set_new(o, "answer", text_or_null(s, 10));
		json_object_set_new(o, "status", json_string(stmt_text(s, 16)));
		json_object_set_new(o, "question", text_or_null(s, 17));
		json_object_set_new(o, "reply", text_or_null(s, 18));
		json_object_set_new(o, "client_unit_id",
		                    stmt_is_null(s, 19) ? json_null()
		                                        : json_integer(stmt_int(s, 19)));
		json_object_set_new(o, "client_unit", text_or_null(s, 20));
		json_object_set_new(o, "case_status", json_string(stmt_text(s, 21)));
		json_object_set_new(o, "case_summary", json_string(stmt_text(s, 22)));
		json_object_set_new(o, "category", json_string(stmt_text(s, 23)));
		waiting = strcmp(stmt_text(s, 16), "open") == 0 ||
		          strcmp(stmt_text(s, 16), "question") == 0;
		json_object_set_new(o, "overdue",
		                    json_boolean(waiting && strcmp(stmt_text(s, 8), day) < 0));
		if (waiting && calendar_date_parse(stmt_text(s, 8), &due) == 0)
			json_object_set_new(o, "working_days_left",
			                    json_integer(working_days_left(&today, &due)));
		else
			json_object_set_new(o, "working_days_left", json_null());
		json_array_append_new(arr, o);
	}
	stmt_done(s);
	*items = arr;
	*total = seen;
	return 0;
}

/* ======================================================================
 * Search
 * ====================================================================== */

/* The statement is put together from fixed pieces, one per filter given, so that SQLite
 * sees only the filters that apply and can answer each from its index (migration 7 in
 * store/schema.c); every value is a bound parameter, no input becomes SQL. Parameters:
 * ?1 group, ?2 client, ?3 category, ?4 citizen, ?5 agent, ?6 outcome, ?7 channel, ?8 from,
 * ?9 to, ?10 the text's MATCH expression (on PostgreSQL the text), ?11 personnummer, ?12 phone,
 * ?13–?15 the principal, ?16 limit, ?17 offset, ?18–?19 the cursor (received_at, id), ?20 where the
 * count stops, ?21 status, ?22 the department's sub-unit.
 *
 * Two shapes. Text without a citizen: the text index drives, newest key first (its rowid
 * orders as received_at, id), and the other filters check each hit; a page stops after
 * `limit` hits. Everything else: the cases table drives through the index of the most
 * selective filter given, newest first, and text (if any) is a lookup of the case's key
 * in the text index. */
#define SEARCH_KEY_BITS 30
#define SEARCH_ID_MASK  "1073741823"

struct search_sql {
	char list[2048], count[2048];
};

static void sql_add(char *buf, size_t cap, const char *piece)
{
	size_t n = strlen(buf), m = strlen(piece);

	if (n + m < cap)
		memcpy(buf + n, piece, m + 1);
}

/* The WHERE pieces shared by the page and the count, into `w`. */
static void search_where(const struct case_query *q, const struct principal *who, bool fts_drives,
                         bool pg, char *w, size_t cap)
{
	/* The equality filters, the most selective kind first. Only the first one given is
	 * offered to SQLite as an index, the others are checked on its rows (a unary + hides
	 * a column's index): without statistics SQLite cannot tell a citizen (tens of cases)
	 * from an outcome (a quarter of all of them). A department contact sees only its
	 * own department's cases: said as a filter too, the client index answers it. */
	const struct {
		bool on;
		const char *expr;
	} eq[] = {
	        {q->threat, "c.threat = 1"},
	        {q->citizen_id != 0, "c.citizen_id = ?4"},
	        {q->personal_id != NULL,
	         "c.citizen_id IN (SELECT id FROM citizens WHERE personal_id = ?11)"},
	        {q->phone != NULL, "c.citizen_id IN (SELECT id FROM citizens WHERE phone = ?12)"},
	        {q->agent_id != 0, "c.agent_id = ?5"},
	        {q->category_id != 0, "c.category_id = ?3"},
	        {q->group_id != 0, "c.group_id = ?1"},
	        {q->client_id != 0, "c.client_id = ?2"},
	        {who->role == ROLE_CLIENT_VIEWER, "c.client_id = ?15"},
	        {q->client_unit_id != 0, "c.client_unit_id = ?22"},
	        {q->channel != NULL, "c.channel = ?7"},
	        {q->outcome != NULL && strcmp(q->outcome, "none") != 0, "c.outcome = ?6"},
	        {q->outcome != NULL && strcmp(q->outcome, "none") == 0, "c.outcome IS NULL"},
	        {q->status != NULL && strcmp(q->status, "active") != 0, "c.status = ?21"},
	        {q->status != NULL && strcmp(q->status, "active") == 0, "c.status <> 'closed'"},
	};
	bool indexed = false;

	w[0] = '\0';
	sql_add(w, cap, " WHERE 1");
	for (size_t i = 0; i < sizeof(eq) / sizeof(eq[0]); i++) {
		if (!eq[i].on)
			continue;
		sql_add(w, cap, indexed ? " AND +" : " AND ");
		sql_add(w, cap, eq[i].expr);
		indexed = true;
	}
	if (fts_drives) {
		if (q->from)
			sql_add(w, cap, " AND f.rowid >= (?8 << 30)");
		if (q->to)
			sql_add(w, cap, " AND f.rowid < (?9 << 30)");
		if (q->after_id)
			sql_add(w, cap, " AND f.rowid < ((?18 << 30) | ?19)");
	} else {
		if (q->from)
			sql_add(w, cap, " AND c.received_at >= ?8");
		if (q->to)
			sql_add(w, cap, " AND c.received_at < ?9");
		if (q->after_id)
			sql_add(w, cap,
			        " AND c.received_at <= ?18 AND (c.received_at < ?18 OR c.id < "
			        "?19)");
		if (q->text && pg)
			sql_add(w, cap,
			        " AND c.id IN (SELECT case_id FROM cases_search"
			        " WHERE tsv @@ lotsen_sv_query(?10))");
		else if (q->text)
			sql_add(w, cap,
			        " AND EXISTS(SELECT 1 FROM cases_fts(?10) f"
			        " WHERE f.rowid = ((c.received_at << 30) | c.id))");
	}
	sql_add(w, cap, " AND " AUTH_SQL_CAN_READ_CASE("?13", "?14", "?15"));
}

static void search_sql_build(const struct case_query *q, const struct principal *who, bool pg,
                             struct search_sql *out)
{
	/* A citizen has few cases: found through the citizen's index, each checked
	 * against the text, beats walking every case that has the word. PostgreSQL's
	 * planner chooses between its GIN index and the others itself: there the cases
	 * table's shape serves every search. */
	bool fts_drives = !pg && q->text && !q->citizen_id && !q->personal_id && !q->phone;
	char w[1536];
	const char *from = fts_drives ? " FROM cases_fts(?10) f CROSS JOIN cases c"
	                                " ON c.id = (f.rowid & " SEARCH_ID_MASK ")"
	                              : " FROM cases c";

	search_where(q, who, fts_drives, pg, w, sizeof(w));
	out->list[0] = out->count[0] = '\0';
	sql_add(out->list, sizeof(out->list), "SELECT " CASE_COLUMNS);
	sql_add(out->list, sizeof(out->list), from);
	sql_add(out->list, sizeof(out->list), CASE_JOINS);
	sql_add(out->list, sizeof(out->list), w);
	sql_add(out->list, sizeof(out->list),
	        fts_drives ? " ORDER BY f.rowid DESC LIMIT ?16 OFFSET ?17"
	                   : " ORDER BY c.received_at DESC, c.id DESC LIMIT ?16 OFFSET ?17");
	/* Counting stops one past CASE_COUNT_MAX: past it the answer says "more than". */
	sql_add(out->count, sizeof(out->count), "SELECT count(*) FROM (SELECT 1");
	sql_add(out->count, sizeof(out->count), from);
	sql_add(out->count, sizeof(out->count), w);
	sql_add(out->count, sizeof(out->count), " LIMIT ?20)");
}

static void search_bind(struct stmt *s, const struct case_query *q, const struct principal *who,
                        const char *match)
{
	/* Parameters a statement does not hold refuse their value, harmlessly. */
	stmt_bind_int(s, 1, q->group_id);
	stmt_bind_int(s, 2, q->client_id);
	stmt_bind_int(s, 3, q->category_id);
	stmt_bind_int(s, 4, q->citizen_id);
	stmt_bind_int(s, 5, q->agent_id);
	stmt_bind_text(s, 6, q->outcome);
	stmt_bind_text(s, 7, q->channel);
	stmt_bind_int(s, 8, q->from);
	stmt_bind_int(s, 9, q->to);
	stmt_bind_text(s, 10, match);
	stmt_bind_text(s, 11, q->personal_id);
	stmt_bind_text(s, 12, q->phone);
	stmt_bind_text(s, 13, role_name(who->role));
	stmt_bind_int(s, 14, who->id);
	stmt_bind_int(s, 15, who->client_id);
	stmt_bind_int(s, 18, q->after_at);
	stmt_bind_int(s, 19, q->after_id);
	stmt_bind_text(s, 21, q->status);
	stmt_bind_int(s, 22, q->client_unit_id);
}

int case_search(struct db *db, const struct principal *who, const struct case_query *q, int64_t now,
                json_t **items, int64_t *total)
{
	struct search_sql *sql = NULL;
	struct stmt *s;
	json_t *arr = NULL;
	char *match = NULL;
	size_t nterms = 0;
	bool pg = db_dialect(db) == DB_POSTGRES;
	int err;

	*items = NULL;
	*total = 0;
	if (q->text) {
		/* On PostgreSQL too: it tells a text without a searchable word (400). There
		 * the text itself is bound and lotsen_sv_query (store/schema.c, migration 16)
		 * makes the same words of it. */
		err = text_fts_query(q->text, &match, &nterms);
		if (err == ENOENT)
			err = EBADMSG;
		if (err)
			goto out;
	}
	sql = malloc(sizeof(*sql));
	if (!sql) {
		err = ENOMEM;
		goto out;
	}
	search_sql_build(q, who, pg, sql);
	if (q->budget_ms >= 0)
		db_budget_set(db, q->budget_ms ? q->budget_ms : CASE_SEARCH_WORK_MS,
		              q->budget_ms ? q->budget_ms * 12 : CASE_SEARCH_WAIT_MS);
	err = db_prepare(db, &s, sql->count, false);
	if (err)
		goto out;
	search_bind(s, q, who, pg ? q->text : match);
	stmt_bind_int(s, 20, q->count_all ? -1 : CASE_COUNT_MAX + 1);
	err = stmt_step(s);
	if (err == DB_ROW) {
		*total = stmt_int(s, 0);
		err = 0;
	}
	stmt_done(s);
	if (err)
		goto out;
	err = db_prepare(db, &s, sql->list, false);
	if (err)
		goto out;
	search_bind(s, q, who, pg ? q->text : match);
	stmt_bind_int(s, 16, q->limit);
	stmt_bind_int(s, 17, q->offset);
	arr = json_array();
	while ((err = stmt_step(s)) == DB_ROW)
		json_array_append_new(arr, case_row(s));
	stmt_done(s);
	if (err != DB_DONE)
		goto out;
	err = 0;
	*items = arr;
	arr = NULL;
out:
	db_budget_set(db, 0, 0);
	json_decref(arr);
	free(match);
	free(sql);
	if (err)
		return err;
	(void)now;
	return 0;
}

void case_search_audit(struct db *db, const struct principal *who, const struct case_query *q,
                       int64_t now)
{
	/* A list of threat-flagged cases shows their summaries to leads: recorded like a
	 * search for a citizen. */
	if (q->threat)
		audit_record(db, now, who->id, "search", "case", 0, "threat-flagged");
	if (q->personal_id || q->phone || q->citizen_id)
		audit_record(db, now, who->id, "search", "citizen", q->citizen_id,
		             q->personal_id ? "by personal_id"
		             : q->phone     ? "by phone"
		                            : "by citizen_id");
}

int case_cursor_encode(int64_t received_at, int64_t id, char out[CASE_CURSOR_MAX])
{
	char raw[48];
	int n = snprintf(raw, sizeof(raw), "%lld:%lld", (long long)received_at, (long long)id);

	if (n < 0 || (size_t)n >= sizeof(raw) ||
	    sodium_base64_ENCODED_LEN((size_t)n, sodium_base64_VARIANT_URLSAFE_NO_PADDING) >
	            CASE_CURSOR_MAX)
		return EINVAL;
	sodium_bin2base64(out, CASE_CURSOR_MAX, (const unsigned char *)raw, (size_t)n,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

int case_cursor_decode(const char *s, int64_t *received_at, int64_t *id)
{
	unsigned char raw[48];
	size_t n = 0;
	char *end;
	long long at, cid;

	if (!s || sodium_base642bin(raw, sizeof(raw) - 1, s, strlen(s), NULL, &n, NULL,
	                            sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return EBADMSG;
	raw[n] = '\0';
	errno = 0;
	at = strtoll((const char *)raw, &end, 10);
	if (errno || end == (char *)raw || *end != ':' || at < 0)
		return EBADMSG;
	cid = strtoll(end + 1, &end, 10);
	if (errno || *end || cid <= 0)
		return EBADMSG;
	*received_at = at;
	*id = cid;
	return 0;
}

/* ======================================================================
 * Citizens
 * ====================================================================== */

/* ENOENT if there is no such citizen; EPERM, recorded in the audit log, when the
 * principal may read none of the citizen's cases. */
static int citizen_access(struct db *db, const struct principal *who, int64_t id, int64_t now)
{
	static const char q[] = "SELECT EXISTS(SELECT 1 FROM citizens WHERE id = ?1),"
	                        " EXISTS(SELECT 1 FROM cases c WHERE c.citizen_id = ?1"
	                        "  AND " AUTH_SQL_CAN_READ_CASE("?2", "?3", "?4") ")";
	struct stmt *s;
	bool exists = false, through_case = false;
	int err = db_prepare(db, &s, q, true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	stmt_bind_text(s, 2, role_name(who->role));
	stmt_bind_int(s, 3, who->id);
	stmt_bind_int(s, 4, who->client_id);
	if (stmt_step(s) == DB_ROW) {
		exists = stmt_int(s, 0) != 0;
		through_case = stmt_int(s, 1) != 0;
	}
	stmt_done(s);
	if (!exists)
		return ENOENT;
	if (!auth_can_read_citizen(who, through_case)) {
		audit_record(db, now, who->id, "read_denied", "citizen", id, NULL);
		return EPERM;
	}
	return 0;
}

int case_citizen_get(struct db *db, const struct principal *who, int64_t id, int64_t now,
                     json_t **out)
{
	int err = citizen_access(db, who, id, now);

	if (err)
		return err;
	*out = citizen_of(db, id);
	if (json_is_null(*out))
		return ENOENT;
	err = audit_record(db, now, who->id, "read", "citizen", id, NULL);
	if (err) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}

int case_citizen_cases(struct db *db, const struct principal *who, int64_t id, int64_t now,
                       int64_t limit, int64_t offset, json_t **items, int64_t *total)
{
	struct case_query q = {
	        .citizen_id = id, .limit = limit, .offset = offset, .count_all = true};
	int err = citizen_access(db, who, id, now);

	if (!err)
		err = case_search(db, who, &q, now, items, total);
	if (!err)
		case_search_audit(db, who, &q, now);
	return err;
}

int case_history_add(struct db *db, int64_t case_id, int64_t at, int64_t user, const char *field,
                     const char *old_v, const char *new_v)
{
	return history_add(db, case_id, at, user, field, old_v, new_v);
}

/* ======================================================================
 * Counts of the day
 * ====================================================================== */

int case_count_logged(struct db *db, int64_t agent_id, int64_t from, int64_t to, case_count_h *h,
                      void *arg)
{
	struct stmt *s;
	int rc = DB_DONE,
	    err = db_prepare(
	            db, &s,
	            "SELECT outcome, COUNT(*) FROM cases WHERE agent_id = ? AND created_at >= ?"
	            " AND created_at < ? AND outcome IS NOT NULL GROUP BY outcome",
	            true);

	if (err)
		return err;
	stmt_bind_int(s, 1, agent_id);
	stmt_bind_int(s, 2, from);
	stmt_bind_int(s, 3, to);
	while (!err && (rc = stmt_step(s)) == DB_ROW)
		err = h(stmt_text(s, 0), NULL, false, stmt_int(s, 1), arg);
	stmt_done(s);
	return err ? err : rc == DB_DONE ? 0 : EIO;
}

int case_count_received(struct db *db, int64_t group_id, int64_t from, int64_t to, case_count_h *h,
                        void *arg)
{
	struct stmt *s;
	int rc = DB_DONE,
	    err = db_prepare(
	            db, &s,
	            "SELECT outcome, channel, threat, COUNT(*) FROM cases"
	            " WHERE (?1 = 0 OR group_id = ?1) AND received_at >= ?2 AND received_at < ?3"
	            " AND outcome IS NOT NULL GROUP BY outcome, channel, threat",
	            true);

	if (err)
		return err;
	stmt_bind_int(s, 1, group_id);
	stmt_bind_int(s, 2, from);
	stmt_bind_int(s, 3, to);
	while (!err && (rc = stmt_step(s)) == DB_ROW)
		err = h(stmt_text(s, 0), stmt_text(s, 1), stmt_int(s, 2) != 0, stmt_int(s, 3), arg);
	stmt_done(s);
	return err ? err : rc == DB_DONE ? 0 : EIO;
}

/* ======================================================================
 * Notifications
 * ====================================================================== */

int notification_list(struct db *db, int64_t user_id, int64_t limit, int64_t offset, json_t **items,
                      int64_t *total)
{
	struct stmt *s;
	json_t *arr;
	int err;

	*total = db_scalar_int(db, "SELECT COUNT(*) FROM notifications WHERE user_id = ?", user_id);
	err = db_prepare(db, &s,
	                 "SELECT id, kind, case_id, message, created_at, read_at FROM notifications"
	                 " WHERE user_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, user_id);
	stmt_bind_int(s, 2, limit);
	stmt_bind_int(s, 3, offset);
	arr = json_array();
	while (stmt_step(s) == DB_ROW) {
		json_t *o =
		        json_pack("{s:I,s:s,s:s,s:I,s:b}", "id", (json_int_t)stmt_int(s, 0), "kind",
		                  stmt_text(s, 1), "message", stmt_text(s, 3), "created_at",
		                  (json_int_t)stmt_int(s, 4), "read", !stmt_is_null(s, 5));
		json_object_set_new(o, "case_id",
		                    stmt_is_null(s, 2) ? json_null()
		                                       : json_integer(stmt_int(s, 2)));
		json_array_append_new(arr, o);
	}
	stmt_done(s);
	*items = arr;
	return 0;
}

int notification_read(struct db *db, int64_t user_id, int64_t id, int64_t now)
{
	struct stmt *s;
	int err = db_prepare(
	        db, &s, "UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ?", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, now);
	stmt_bind_int(s, 2, id);
	stmt_bind_int(s, 3, user_id);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	if (!err && db_changes(db) == 0)
		err = ENOENT;
	return err;
}
