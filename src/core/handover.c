/* What a department does with a handover: answer (and perhaps close the case), ask the
 * center back, take the case over; and the center's reply to a question. Each moves the
 * handover's and the case's status together, in one transaction with history and audit. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "core/cases.h"
#include "store/db.h"

/* A handover and what decides who may act on it. */
struct handover_facts {
	int64_t case_id, client_id;
	char status[16];      /* the handover's */
	char case_status[32]; /* its case's */
	struct case_access a;
};

static int load(struct db *db, const struct principal *who, int64_t id, struct handover_facts *f)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "SELECT h.case_id, h.client_id, h.status, c.status FROM handovers h"
	                     " JOIN cases c ON c.id = h.case_id WHERE h.id = ?",
	                     true);

	if (err)
		return err;
	memset(f, 0, sizeof(*f));
	stmt_bind_int(s, 1, id);
	if (stmt_step(s) == DB_ROW) {
		f->case_id = stmt_int(s, 0);
		f->client_id = stmt_int(s, 1);
		snprintf(f->status, sizeof(f->status), "%s", stmt_text(s, 2));
		snprintf(f->case_status, sizeof(f->case_status), "%s", stmt_text(s, 3));
	}
	stmt_done(s);
	if (!f->case_id)
		return ENOENT;
	return auth_case_load(db, who, f->case_id, &f->a);
}

int handover_case(struct db *db, int64_t id, int64_t *case_id)
{
	struct stmt *s;
	int err = db_prepare(db, &s, "SELECT case_id FROM handovers WHERE id = ?", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	err = ENOENT;
	if (stmt_step(s) == DB_ROW) {
		*case_id = stmt_int(s, 0);
		err = 0;
	}
	stmt_done(s);
	return err;
}

/* Only the listed keys; `accepted` names them in the error. */
static void known_keys(const json_t *in, const char *const *keys, const char *accepted,
                       struct verrors *v)
{
	const char *k;
	json_t *x;

	json_object_foreach((json_t *)in, k, x)
	{
		bool ok = false;
		for (const char *const *p = keys; *p; p++)
			ok = ok || strcmp(*p, k) == 0;
		if (!ok)
			valid_add(v, k,
			          VL(v, "okänt fält; tillåtna: %s", "unknown field; accepted: %s"),
			          accepted);
	}
}

static const char *req_text(const json_t *in, const char *key, struct verrors *v)
{
	json_t *x = json_object_get(in, key);

	if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > 4000) {
		valid_add(v, key, "%s",
		          VL(v, "måste anges som en text på 1–4000 tecken",
		             "is required, a string of 1–4000 characters"));
		return NULL;
	}
	return json_string_value(x);
}

/* The input of a step that takes one text: {key: "…"} and nothing else. */
static const char *only_text(const json_t *in, const char *key, struct verrors *v)
{
	known_keys(in, (const char *const[]){key, NULL}, key, v);
	return req_text(in, key, v);
}

static bool waiting_for_department(const struct handover_facts *f)
{
	return (strcmp(f->status, "open") == 0 || strcmp(f->status, "question") == 0) &&
	       strcmp(f->case_status, "closed") != 0;
}

/* Handovers of the case other than `id` still waiting for the department. */
static int64_t others_waiting(struct db *db, int64_t case_id, int64_t id)
{
	struct stmt *s;
	int64_t n = 0;

	if (db_prepare(db, &s,
	               "SELECT COUNT(*) FROM handovers WHERE case_id = ? AND id <> ?"
	               " AND status IN ('open','question')",
	               true))
		return 0;
	stmt_bind_int(s, 1, case_id);
	stmt_bind_int(s, 2, id);
	if (stmt_step(s) == DB_ROW)
		n = stmt_int(s, 0);
	stmt_done(s);
	return n;
}

/* Set the handover's state; `answer` ends it (answered_at/by) when not NULL. */
static int handover_set(struct db *db, int64_t id, const char *status, const char *answer,
                        const char *via, int64_t by, int64_t now)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "UPDATE handovers SET status = ?1,"
	                     " answered_at = CASE WHEN ?2 IS NULL THEN answered_at ELSE ?3 END,"
	                     " answer = COALESCE(?2, answer),"
	                     " answered_by = CASE WHEN ?2 IS NULL THEN answered_by ELSE ?4 END,"
	                     " answered_via = CASE WHEN ?2 IS NULL THEN answered_via ELSE ?5 END"
	                     " WHERE id = ?6",
	                     true);

	if (err)
		return err;
	stmt_bind_text(s, 1, status);
	stmt_bind_text(s, 2, answer);
	stmt_bind_int(s, 3, now);
	stmt_bind_int(s, 4, by);
	stmt_bind_text(s, 5, via);
	stmt_bind_int(s, 6, id);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	return err;
}

static int set_text(struct db *db, const char *sql, const char *text, int64_t now, int64_t id)
{
	struct stmt *s;
	int err = db_prepare(db, &s, sql, false);

	if (err)
		return err;
	stmt_bind_text(s, 1, text);
	stmt_bind_int(s, 2, now);
	stmt_bind_int(s, 3, id);
	err = stmt_step(s) == DB_DONE ? 0 : EIO;
	stmt_done(s);
	return err;
}

/* The opening every step shares: the handover's facts into f; may `who` take the step
 * (the department's side, or the center's: it writes the case); the input's errors in v;
 * is the handover in `status` on an unclosed case (NULL: waiting for the department); then
 * the step's transaction is begun. */
static int step_begin(struct db *db, const struct principal *who, int64_t id, bool department,
                      const char *status, const struct verrors *v, struct handover_facts *f)
{
	int err = load(db, who, id, f);

	if (err)
		return err;
	if (department ? !auth_can_answer_handover(who, &f->a, f->client_id)
	               : !auth_can_write_case(who, &f->a))
		return EPERM;
	if (valid_has_errors(v))
		return EBADMSG;
	if (status ? strcmp(f->status, status) != 0 || strcmp(f->case_status, "closed") == 0
	           : !waiting_for_department(f))
		return EEXIST;
	return db_begin(db);
}

/* The end every step shares: after err 0 the step is audited as `action` and committed;
 * otherwise, or when that fails, rolled back. */
static int step_finish(struct db *db, int err, const struct principal *who, int64_t id, int64_t now,
                       const char *action, const char *detail)
{
	if (!err)
		err = audit_record(db, now, who->id, action, "handover", id, detail);
	if (!err)
		err = db_commit(db);
	if (err)
		db_rollback(db);
	return err;
}

int handover_answer(struct db *db, const struct principal *who, int64_t id, const json_t *in,
                    int64_t now, struct verrors *v)
{
	struct handover_facts f;
	const char *answer, *via, *informed = NULL;
	bool close;
	char msg[200];
	json_t *x;
	int err;

	known_keys(in, (const char *const[]){"answer", "via", "close", "citizen_informed", NULL},
	           "answer, via, close, citizen_informed", v);
	answer = req_text(in, "answer", v);
	x = json_object_get(in, "via");
	via = who->role == ROLE_CLIENT_VIEWER ? "web" : "phone";
	if (x && !json_is_null(x) && (!json_is_string(x) || strcmp(json_string_value(x), via) != 0))
		valid_add(
		        v, "via", "%s",
		        who->role == ROLE_CLIENT_VIEWER
		                ? VL(v,
		                     "förvaltningen svarar här: web (svar per telefon registreras "
		                     "av kontaktcentret)",
		                     "the department answers here: web (answers by phone are "
		                     "recorded by the center)")
		                : VL(v,
		                     "kontaktcentret registrerar förvaltningens svar per telefon: "
		                     "phone",
		                     "the center records the department's answer given by phone: "
		                     "phone"));
	x = json_object_get(in, "close");
	if (x && !json_is_boolean(x))
		valid_add(v, "close", "%s",
		          VL(v, "ska vara true eller false", "must be true or false"));
	close = json_is_true(x);
	x = json_object_get(in, "citizen_informed");
	if (x && !json_is_null(x)) {
		bool ok = false;
		informed = json_string_value(x);
		for (const char *const *p = case_informed_ways; informed && *p; p++)
			ok = ok || strcmp(*p, informed) == 0;
		if (!ok || !close)
			valid_add(
			        v, "citizen_informed", "%s",
			        !ok ? VL(v,
			                 "är inte tillåtet; tillåtna: phone, email, letter, visit",
			                 "is not accepted; accepted: phone, email, letter, visit")
			            : VL(v, "anges bara när ärendet avslutas (close: true)",
			                 "is only given when the case is closed (close: true)"));
	}
	/* The same rule as for the case itself: whoever may not see a confidential case may
	 * not answer for its department either. */
	err = step_begin(db, who, id, true, NULL, v, &f);
	if (err)
		return err;
	err = handover_set(db, id, close ? "closed" : "answered", answer, via, who->id, now);
	if (!err)
		err = case_history_add(db, f.case_id, now, who->id,
		                       strcmp(via, "phone") == 0 ? "handover_answer_phone"
		                                                 : "handover_answer",
		                       NULL, answer);
	/* Back to the center, unless the department closed the case or is still asked about
	 * another part of it. */
	if (!err && close)
		err = case_status_write(db, f.case_id, who->id, now, "closed", answer, informed);
	else if (!err && !others_waiting(db, f.case_id, id))
		err = case_status_write(db, f.case_id, who->id, now, "open", NULL, NULL);
	snprintf(msg, sizeof(msg),
	         close ? "Förvaltningen har svarat och avslutat ärende %lld."
	               : "Förvaltningen har svarat på ärende %lld.",
	         (long long)f.case_id);
	if (!err && who->role == ROLE_CLIENT_VIEWER)
		err = case_notify_agent(db, f.case_id, "handover_answer", msg, now);
	if (!err && who->role == ROLE_CLIENT_VIEWER)
		err = case_notice(db, CASE_NOTICE_ANSWER, id, now);
	return step_finish(db, err, who, id, now, close ? "answer_close" : "answer",
	                   strcmp(via, "phone") == 0 ? "by phone" : NULL);
}

int handover_question(struct db *db, const struct principal *who, int64_t id, const json_t *in,
                      int64_t now, struct verrors *v)
{
	struct handover_facts f;
	const char *q;
	char msg[200];
	int err;

	q = only_text(in, "question", v);
	err = step_begin(db, who, id, true, "open", v, &f);
	if (err)
		return err;
	err = handover_set(db, id, "question", NULL, NULL, who->id, now);
	if (!err)
		err = set_text(db,
		               "UPDATE handovers SET question = ?1, question_at = ?2, reply = NULL"
		               " WHERE id = ?3",
		               q, now, id);
	if (!err)
		err = case_history_add(db, f.case_id, now, who->id, "handover_question", NULL, q);
	if (!err)
		err = case_status_write(db, f.case_id, who->id, now, "open", NULL, NULL);
	snprintf(msg, sizeof(msg), "Förvaltningen har en fråga om ärende %lld.",
	         (long long)f.case_id);
	if (!err)
		err = case_notify_agent(db, f.case_id, "handover_question", msg, now);
	if (!err)
		err = case_notice(db, CASE_NOTICE_QUESTION, id, now);
	return step_finish(db, err, who, id, now, "question", NULL);
}

int handover_reply(struct db *db, const struct principal *who, int64_t id, const json_t *in,
                   int64_t now, struct verrors *v)
{
	struct handover_facts f;
	const char *reply;
	int err;

	reply = only_text(in, "reply", v);
	err = step_begin(db, who, id, false, "question", v, &f);
	if (err)
		return err;
	err = handover_set(db, id, "open", NULL, NULL, who->id, now);
	if (!err)
		err = set_text(db,
		               "UPDATE handovers SET reply = ?1 WHERE id = ?3 AND ?2 IS NOT NULL",
		               reply, now, id);
	if (!err)
		err = case_history_add(db, f.case_id, now, who->id, "handover_reply", NULL, reply);
	if (!err)
		err = case_status_write(db, f.case_id, who->id, now, "waiting_for_department", NULL,
		                        NULL);
	return step_finish(db, err, who, id, now, "reply", NULL);
}

int handover_takeover(struct db *db, const struct principal *who, int64_t id, const json_t *in,
                      int64_t now, struct verrors *v)
{
	struct handover_facts f;
	const char *text;
	char msg[200];
	int err;

	text = only_text(in, "text", v);
	err = step_begin(db, who, id, true, NULL, v, &f);
	if (err)
		return err;
	err = handover_set(db, id, "taken_over", text,
	                   who->role == ROLE_CLIENT_VIEWER ? "web" : "phone", who->id, now);
	if (!err)
		err = case_history_add(db, f.case_id, now, who->id, "handover_takeover", NULL,
		                       text);
	/* The department owns the case now: it leaves the center's open and waiting lists. */
	if (!err)
		err = case_status_write(db, f.case_id, who->id, now, "closed", text, NULL);
	snprintf(msg, sizeof(msg), "Förvaltningen har tagit över ärende %lld.",
	         (long long)f.case_id);
	if (!err && who->role == ROLE_CLIENT_VIEWER)
		err = case_notify_agent(db, f.case_id, "handover_takeover", msg, now);
	if (!err && who->role == ROLE_CLIENT_VIEWER)
		err = case_notice(db, CASE_NOTICE_ANSWER, id, now);
	return step_finish(db, err, who, id, now, "takeover", NULL);
}
