/* Notices by e-mail: a handover tells the department contact, the department's answer or
 * question tells the agent who logged the case (else the group), an overdue handover
 * reminds the contact and the group leads once per working day. Each is queued in the
 * outbox from the case group's mailbox and kept in-app beside it. The texts carry the
 * case number, the due date and a link, never the citizen's matter: e-mail leaves the
 * system, the case is read behind the login. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/calendar.h"
#include "base/log.h"
#include "mail/mail_int.h"
#include "store/db.h"

bool mail_reminder_due(const char *due_date, const char *last_day, const char *today,
                       bool working_day)
{
	struct date due, t;

	if (!working_day || !due_date || !today || calendar_date_parse(due_date, &due) != 0 ||
	    calendar_date_parse(today, &t) != 0)
		return false;
	if (calendar_date_to_days(&due) >= calendar_date_to_days(&t))
		return false; /* due today or later: not overdue yet */
	return !last_day || strcmp(last_day, today) != 0;
}

/* "Länk: <public-url>/case.html?id=N" — the department's web opens the case there too. */
static void link_line(struct db *db, int64_t case_id, char *out, size_t n)
{
	struct mail_cfg cfg;

	mail_cfg_get(db, &cfg);
	if (cfg.public_url[0])
		snprintf(out, n, "Öppna ärendet: %s/case.html?id=%lld\n", cfg.public_url,
		         (long long)case_id);
	else
		snprintf(out, n, "Öppna ärendet i Lotsen: ärende %lld.\n", (long long)case_id);
}

/* Queue one notice; a missing address or mailbox only means no e-mail (logged). */
static int send_one(struct db *db, const struct mail_notice_facts *f, const char *to,
                    const char *subject, const char *text, int64_t now, int *sent)
{
	struct mail_box box;
	int err;

	if (!to || !*to)
		return 0;
	err = mail_store_notice_box(db, f->group_id, &box);
	if (err == ENOENT) {
		log_info("mail.notice", "case=%lld handover=%lld sent=false reason=\"no mailbox\"",
		         (long long)f->case_id, (long long)f->handover_id);
		return 0;
	}
	if (err)
		return err;
	err = mail_compose_notice(db, &box, f->case_id, to, subject, text, now);
	if (err == EDESTADDRREQ) {
		log_info("mail.notice",
		         "case=%lld handover=%lld sent=false reason=\"no valid address\"",
		         (long long)f->case_id, (long long)f->handover_id);
		return 0;
	}
	if (!err && sent)
		(*sent)++;
	return err;
}

static int notice_handover(struct db *db, const struct mail_notice_facts *f, int64_t now)
{
	char subject[200], link[700], text[2000];
	int err;

	snprintf(subject, sizeof(subject), "Nytt ärende %lld från kontaktcenter – svar senast %s",
	         (long long)f->case_id, f->due_date);
	link_line(db, f->case_id, link, sizeof(link));
	snprintf(text, sizeof(text),
	         "Hej%s%s!\n\n"
	         "Kontaktcenter (%s) har lämnat över ärende %lld till er.\n"
	         "Svara senast %s.\n\n%s\n"
	         "Ärendet och medborgarens uppgifter visas bara efter inloggning.\n\n"
	         "Det här är ett automatiskt meddelande från Lotsen.",
	         f->contact_name[0] ? " " : "", f->contact_name, f->group_name,
	         (long long)f->case_id, f->due_date, link);
	err = mail_store_notify_contact_users(db, f, "handover", subject, now);
	if (!err)
		err = send_one(db, f, f->contact_email, subject, text, now, NULL);
	return err;
}

static int notice_to_center(struct db *db, const struct mail_notice_facts *f, bool question,
                            int64_t now)
{
	char subject[200], link[700], text[2000];
	const char *to = f->agent_email[0] ? f->agent_email : f->group_email;

	/* The agent's in-app notification is core's (case_notify_agent). */
	snprintf(subject, sizeof(subject),
	         question ? "Förvaltningen har en fråga om ärende %lld"
	                  : "Förvaltningen har svarat på ärende %lld",
	         (long long)f->case_id);
	link_line(db, f->case_id, link, sizeof(link));
	snprintf(text, sizeof(text),
	         "Hej!\n\n%s (%s).\n\n%s\n"
	         "Det här är ett automatiskt meddelande från Lotsen.",
	         subject, f->contact_name[0] ? f->contact_name : "förvaltningen", link);
	return send_one(db, f, to, subject, text, now, NULL);
}

int mail_notice_handover(struct db *db, enum case_notice what, int64_t handover_id, int64_t now)
{
	struct mail_notice_facts f;
	int err = mail_store_notice_facts(db, handover_id, &f);

	if (err)
		return err;
	switch (what) {
	case CASE_NOTICE_HANDOVER:
		return notice_handover(db, &f, now);
	case CASE_NOTICE_ANSWER:
		return notice_to_center(db, &f, false, now);
	case CASE_NOTICE_QUESTION:
		return notice_to_center(db, &f, true, now);
	}
	return EINVAL;
}

/* One overdue handover's reminder, in its own transaction with its record. */
static int remind(struct db *db, int64_t handover_id, const char *today, int64_t now, int *sent)
{
	struct mail_notice_facts f;
	char subject[200], link[700], text[2000], leads[2048];
	char *save = NULL;
	int n = 0, err = mail_store_notice_facts(db, handover_id, &f);

	if (err)
		return err;
	err = mail_store_group_lead_emails(db, f.group_id, leads, sizeof(leads));
	if (err)
		return err;
	snprintf(subject, sizeof(subject), "Påminnelse: ärende %lld skulle ha besvarats senast %s",
	         (long long)f.case_id, f.due_date);
	link_line(db, f.case_id, link, sizeof(link));
	snprintf(text, sizeof(text),
	         "Hej!\n\n"
	         "Ärende %lld lämnades över från kontaktcenter (%s) till %s och skulle ha "
	         "besvarats senast %s. Det väntar fortfarande på svar.\n\n%s\n"
	         "Det här är ett automatiskt meddelande från Lotsen. En påminnelse skickas "
	         "varje arbetsdag tills ärendet är besvarat.",
	         (long long)f.case_id, f.group_name,
	         f.contact_name[0] ? f.contact_name : "förvaltningen", f.due_date, link);
	err = db_begin(db);
	if (err)
		return err;
	err = mail_store_notify_contact_users(db, &f, "handover_overdue", subject, now);
	if (!err)
		err = mail_store_notify_group_leads(db, &f, "handover_overdue", subject, now);
	if (!err)
		err = send_one(db, &f, f.contact_email, subject, text, now, &n);
	for (char *a = strtok_r(leads, ", ", &save); !err && a; a = strtok_r(NULL, ", ", &save))
		if (strcmp(a, f.contact_email) != 0)
			err = send_one(db, &f, a, subject, text, now, &n);
	/* The record last: EEXIST (reminded today already) undoes the above. */
	if (!err)
		err = mail_store_reminder_put(db, handover_id, today, now, n);
	if (!err)
		err = db_commit(db);
	if (err) {
		db_rollback(db);
		return err == EEXIST ? 0 : err;
	}
	*sent += n;
	return 0;
}

int mail_notice_reminders(struct db *db, int64_t now, int64_t day_of, int *sent)
{
	struct local_time lt;
	struct mail_overdue *list = NULL;
	char today[11];
	size_t n = 0;
	int err;

	*sent = 0;
	calendar_local_from_utc(day_of ? day_of : now, &lt);
	calendar_date_format(&lt.date, today);
	if (!calendar_is_working_day(&lt.date))
		return 0;
	err = mail_store_overdue(db, today, &list, &n);
	if (err)
		return err;
	for (size_t i = 0; i < n && !err; i++)
		if (mail_reminder_due(list[i].due_date, list[i].last_day, today, true))
			err = remind(db, list[i].handover_id, today, now, sent);
	free(list);
	return err;
}
