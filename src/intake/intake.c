/* Intake: checks a contact that arrived without an agent and logs it as a case. */
#include "intake/intake.h"

#include <errno.h>
#include <string.h>

#include "core/audit.h"
#include "base/calendar.h"
#include "core/cases.h"
#include "base/contact.h"
#include "store/db.h"

const char *const intake_kinds[] = {"complaint", "praise", "idea", "opinion", "fault_report", NULL};

int64_t intake_catch_all_group(struct db *db)
{
	return db_scalar_intv(db, "SELECT id FROM groups WHERE active = 1 ORDER BY id LIMIT 1",
	                      NULL, 0);
}

int intake_clients(struct db *db, int64_t group, const char *today, json_t *out)
{
	struct stmt *s;
	int rc, err = db_prepare(db, &s,
	                         "SELECT DISTINCT c.id, c.name FROM clients c"
	                         " JOIN agreements a ON a.client_id = c.id"
	                         " JOIN agreement_groups ag ON ag.agreement_id = a.id"
	                         " WHERE c.active = 1 AND ag.group_id = ? AND a.valid_from <= ?"
	                         " AND (a.valid_to IS NULL OR a.valid_to >= ?) ORDER BY c.name",
	                         true);

	if (err)
		return err;
	stmt_bind_int(s, 1, group);
	stmt_bind_text(s, 2, today);
	stmt_bind_text(s, 3, today);
	while ((rc = stmt_step(s)) == DB_ROW)
		json_array_append_new(out, json_pack("{s:I,s:s}", "id", (json_int_t)stmt_int(s, 0),
		                                     "name", stmt_text(s, 1)));
	stmt_done(s);
	return rc == DB_DONE ? 0 : EIO;
}

int64_t intake_category(struct db *db, const char *kind, int64_t group, int64_t client)
{
	struct stmt *s;
	int64_t id = 0;

	if (db_prepare(
	            db, &s,
	            "SELECT c.id FROM categories c WHERE c.active = 1 AND c.kind = ?"
	            " AND (c.group_id IS NULL OR c.group_id = ?)"
	            " AND (c.client_id IS NULL OR c.client_id = ?)"
	            " ORDER BY EXISTS (SELECT 1 FROM boundaries b"
	            "  JOIN agreements a ON a.id = b.agreement_id"
	            "  WHERE b.category_id = c.id AND a.client_id = ? AND b.action = 'handover'),"
	            " c.id LIMIT 1",
	            true))
		return 0;
	stmt_bind_text(s, 1, kind);
	stmt_bind_int(s, 2, group);
	stmt_bind_int(s, 3, client);
	stmt_bind_int(s, 4, client);
	if (stmt_step(s) == DB_ROW)
		id = stmt_int(s, 0);
	stmt_done(s);
	return id;
}

static bool listed(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static bool in_array_id(const json_t *arr, int64_t id)
{
	size_t i;
	json_t *x;

	json_array_foreach(arr, i, x)
	{
		if (json_integer_value(json_object_get(x, "id")) == id)
			return true;
	}
	return false;
}

/* Character count of UTF-8 text (the limits are in characters, as the form says). */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static const char *given(const char *s)
{
	return s && *s ? s : NULL;
}

static void check(const struct intake *in, const json_t *clients, struct verrors *fe)
{
	const char *name = given(in->name), *email = given(in->email), *phone = given(in->phone);
	char norm[32];

	if (!listed(intake_kinds, in->kind))
		valid_add(
		        fe, "kind", "%s",
		        VL(fe,
		           "välj vad det gäller: complaint, praise, idea, opinion eller "
		           "fault_report",
		           "choose what it is: complaint, praise, idea, opinion or fault_report"));
	if (in->kind && strcmp(in->kind, "fault_report") != 0 &&
	    (given(in->address) || in->has_coords))
		valid_add(fe, given(in->address) ? "address" : "latitude", "%s",
		          VL(fe, "anges bara i en felanmälan (kind fault_report)",
		             "is only given in a fault report (kind fault_report)"));
	if (!in_array_id(clients, in->client_id))
		valid_add(
		        fe, "client_id", "%s",
		        VL(fe, "välj ett av områdena i listan", "choose one of the listed areas"));
	if (!given(in->message))
		valid_add(fe, "message", "%s",
		          VL(fe, "skriv vad du vill framföra", "write what you want to tell us"));
	else if (utf8_chars(in->message) > INTAKE_MESSAGE_MAX)
		valid_add(fe, "message",
		          VL(fe, "får vara högst %d tecken (nu %zu)",
		             "may be at most %d characters (now %zu)"),
		          INTAKE_MESSAGE_MAX, utf8_chars(in->message));
	if (name && utf8_chars(name) > INTAKE_NAME_MAX)
		valid_add(fe, "name",
		          VL(fe, "får vara högst %d tecken", "may be at most %d characters"),
		          INTAKE_NAME_MAX);
	if (email && contact_email_validate(email) != 0)
		valid_add(fe, "email", "%s",
		          VL(fe, "är ingen e-postadress (t.ex. namn@exempel.se)",
		             "is not an e-mail address (e.g. name@example.com)"));
	if (phone && contact_phone_normalize(phone, norm, sizeof(norm)) != 0)
		valid_add(fe, "phone", "%s",
		          VL(fe, "är inget telefonnummer (t.ex. 070-123 45 67)",
		             "is not a phone number (e.g. 070-123 45 67)"));
}

/* The case's JSON as case_create takes it (new reference): no outcome, so the case is
 * open and unhandled until an agent sets one. */
static json_t *case_of(const struct intake *in, int64_t group, int64_t category)
{
	json_t *c, *citizen = json_object(), *place = json_object();

	if (given(in->name))
		json_object_set_new(citizen, "name", json_string(in->name));
	if (given(in->email))
		json_object_set_new(citizen, "email", json_string(in->email));
	if (given(in->phone))
		json_object_set_new(citizen, "phone", json_string(in->phone));
	if (given(in->address))
		json_object_set_new(place, "address", json_string(in->address));
	if (in->has_coords) {
		json_object_set_new(place, "latitude", json_real(in->latitude));
		json_object_set_new(place, "longitude", json_real(in->longitude));
	}
	c = json_pack("{s:I,s:I,s:I,s:s,s:s}", "group_id", (json_int_t)group, "client_id",
	              (json_int_t)in->client_id, "category_id", (json_int_t)category, "channel",
	              in->channel ? in->channel : "", "summary", in->message);
	if (c && json_object_size(citizen))
		json_object_set(c, "citizen", citizen);
	if (c && json_object_size(place))
		json_object_set(c, "place", place);
	json_decref(citizen);
	json_decref(place);
	return c;
}

/* Name the intake's fields in case_create's errors, not the case's (summary is the
 * message, citizen.email the e-mail …). */
static void rename_fields(struct verrors *fe)
{
	size_t i;
	json_t *e;

	json_array_foreach(fe->list, i, e)
	{
		const char *f = json_string_value(json_object_get(e, "field"));
		if (f && strcmp(f, "summary") == 0)
			json_object_set_new(e, "field", json_string("message"));
		else if (f && strncmp(f, "citizen.", 8) == 0)
			json_object_set_new(e, "field", json_string(f + 8));
		else if (f && strncmp(f, "place.", 6) == 0)
			json_object_set_new(e, "field", json_string(f + 6));
	}
}

int intake_create(struct db *db, const struct intake *in, int64_t now, struct verrors *fe,
                  int64_t *case_id)
{
	struct principal nobody = {0};
	struct local_time lt;
	char today[11];
	int64_t group = in->group_id ? in->group_id : intake_catch_all_group(db), category, id = 0;
	json_t *clients, *c;
	int err;

	calendar_local_from_utc(now, &lt);
	calendar_date_format(&lt.date, today);
	clients = json_array();
	if (!group || !clients || intake_clients(db, group, today, clients) != 0) {
		json_decref(clients);
		return ENOENT;
	}
	check(in, clients, fe);
	json_decref(clients);
	if (valid_has_errors(fe))
		return EBADMSG;
	category = intake_category(db, in->kind, group, in->client_id);
	if (!category)
		return ENOTSUP;
	c = case_of(in, group, category);
	if (!c)
		return ENOMEM;
	err = case_create(db, &nobody, c, now, &id, fe);
	json_decref(c);
	if (valid_has_errors(fe)) {
		rename_fields(fe);
		return EBADMSG;
	}
	if (!err)
		err = audit_record(db, now, 0,
		                   in->channel && strcmp(in->channel, "web") == 0
		                           ? "public_feedback"
		                           : "intake",
		                   "case", id, in->kind);
	if (!err)
		*case_id = id;
	return err;
}
