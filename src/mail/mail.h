/* E-mail: group mailboxes in (parse, store, thread into cases), answers and notices out.
 *
 * Intake is the same for IMAP and `lotsen mail import`: the raw RFC 5322 message goes to
 * mail_intake, which parses it with GMime, stores the message, its raw file and its
 * attachments, threads it into a case or opens one (channel email, the mailbox's group)
 * and records the fetcher's exactly-once key, all in one transaction. Answers are
 * composed into mail_outbox, which the sender (mail_smtp.c) empties. See docs/mail.md.
 */
#ifndef LOTSEN_MAIL_MAIL_H
#define LOTSEN_MAIL_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
#include "core/cases.h" /* enum case_notice */

/* GMime's one-time set-up: call once at start-up before any other mail function (and
 * before threads that parse mail start). mail_shutdown undoes it at exit. */
void mail_init(void);
void mail_shutdown(void);

/* The "mail" migrations: mailboxes, messages, attachments, seen UIDs, outbox. */
int mail_migrate(struct db *db);

/* Limits and places, kept with the database connection (mail_setup). A connection that
 * was never set up uses the defaults and `<db file>.files` (none for :memory:). */
#define MAIL_MAX_BYTES_DEFAULT      (25 * 1024 * 1024) /* setting mail-max-bytes */
#define MAIL_MAX_ATTACHMENT_DEFAULT (20 * 1024 * 1024) /* larger: named, not stored */
#define MAIL_MAX_PARTS_DEFAULT      500                /* more: kept raw, parsed = 0 */
struct mail_config {
	size_t max_bytes;       /* a larger message is kept raw (parsed = 0), not parsed */
	size_t max_attachment;  /* a larger attachment is recorded by name and size only */
	size_t max_parts;       /* MIME parts a message may have before it is kept raw */
	const char *files;      /* directory for message and attachment files (setting
	                           mail-files); NULL or "": `<db file>.files` */
	const char *domain;     /* right-hand side of our Message-IDs (setting mail-domain);
	                           NULL or "": the mailbox address's domain */
	const char *public_url; /* where staff and departments reach Lotsen (setting
	                           public-url, e.g. https://lotsen.kommun.se): the base of
	                           the case links in notices; NULL or "": no link */
};
/* Copy `c` into the connection (0 fields: defaults). ENOMEM. */
int mail_setup(struct db *db, const struct mail_config *c);

/* The fetcher's exactly-once key of a message in a mailbox's folder. */
struct mail_seen_key {
	int64_t uidvalidity;
	int64_t uid;
};

/* Take one raw message that arrived in mailbox `mailbox_id`: parse, store, thread into a
 * case or open one, record `seen` (NULL for an import), all in one transaction.
 * Returns 0 (*case_id and *message_row set); EEXIST when `seen` was recorded before, or
 * (import) this very message (same Message-ID and bytes) is already stored in the
 * mailbox: nothing written, *case_id and *message_row name the earlier one; ENOENT for an
 * unknown or inactive mailbox or when no agreement covers the mailbox's group (nothing
 * written: the message stays where it was); or another errno value. A message that
 * cannot be parsed is stored raw (parsed = 0) and still gets a case. */
int mail_intake(struct db *db, int64_t mailbox_id, const char *raw, size_t len, int64_t now,
                const struct mail_seen_key *seen, int64_t *case_id, int64_t *message_row);

/* Told after mail_intake committed a new incoming message (its own commit: a caller's
 * outer transaction may still be open, and the observer's writes join it): the case and
 * the message's row. `lotsen serve` sets the queue host here (acd_host_mail_stored); one
 * per process, NULL for none. */
typedef void(mail_stored_h)(int64_t case_id, int64_t message_row, void *arg);
void mail_set_stored_observer(mail_stored_h *h, void *arg);
void mail_stored_notify(int64_t case_id, int64_t message_row);

/* What mail_intake did, for counts (the import's summary, the fetcher's log). */
struct mail_intake_info {
	bool threaded;     /* joined an existing case (else a new case was opened) */
	bool parsed;       /* false: kept raw only */
	bool needs_review; /* referred to a case the sender has no link to: a new case was
	                      opened and marked for a human */
	bool receipt;      /* a receipt auto-reply was queued */
};
int mail_intake_ex(struct db *db, int64_t mailbox_id, const char *raw, size_t len, int64_t now,
                   const struct mail_seen_key *seen, int64_t *case_id, int64_t *message_row,
                   struct mail_intake_info *info);

/* The headers the loop and bulk rules look at (borrowed strings, NULL when absent). */
struct mail_head {
	const char *from_addr;      /* the sender's address */
	const char *auto_submitted; /* Auto-Submitted */
	const char *precedence;     /* Precedence */
	const char *list_id;        /* List-Id */
	const char *list_unsubscribe;
	const char *message_id; /* without <> */
	const char *own_domain; /* our Message-ID domain: mail from it is ours */
};
/* Whether an automatic reply (a receipt) may go to this sender: not to Auto-Submitted
 * other than "no", Precedence bulk/list/junk, mailing lists, mailer-daemon, postmaster or
 * no-reply senders, an empty sender, or our own messages. The daily cap per address is
 * checked by the caller (mail_autoreply_take). */
bool mail_may_autoreply(const struct mail_head *h);
#define MAIL_AUTOREPLIES_PER_DAY 3

/* Compose an agent's answer to the latest incoming mail of case `case_id`: Message-ID,
 * In-Reply-To, References, "[Lotsen #case]" in the subject, the mailbox's signature,
 * UTF-8 quoted-printable. Queued in mail_outbox and kept on the case as an outgoing
 * message, in one transaction. ENOENT: no such case; ENOMSG: the case has no incoming
 * mail to answer; EDESTADDRREQ: no address to answer to; EINVAL: empty text. */
int mail_compose_answer(struct db *db, int64_t case_id, int64_t user_id, const char *text,
                        int64_t now, int64_t *outbox_id);

/* --- Notices by e-mail (mail_notice.c). Each is queued in the outbox (kind notice,
 * Auto-Submitted: auto-generated) from the case group's mailbox, kept on the case, and
 * also kept in-app (notifications), in the caller's transaction. No e-mail where there is
 * no address or no active mailbox to send from. --- */
/* The handler core calls for a handover (cases_set_notice(mail_notice_handover)). */

int mail_notice_handover(struct db *db, enum case_notice what, int64_t handover_id, int64_t now);
/* Remind the contact and the group leads of each handover overdue on the Stockholm day of
 * `day_of` (0: of `now`) that was not reminded that day (only on working days); queued
 * and recorded at `now`; *sent reminders queued. */
int mail_notice_reminders(struct db *db, int64_t now, int64_t day_of, int *sent);

/* A client's monthly report just stored (borrowed; the report module's
 * struct report_stored_set, handed over by `lotsen`'s start-up code). */
struct mail_report {
	const char *month; /* "YYYY-MM" */
	int64_t client_id;
	const char *pdf;
	size_t pdf_len;
	const char *csv;
	size_t csv_len;
};
/* E-mail the report to every recipient of each agreement of the client in force that month
 * (PDF and CSV attached, "Månadsrapport november 2026 – <kund>"), queued in the outbox
 * from the mailbox of the agreement's first group (else the first active one), with an
 * in-app notice, and recorded per agreement and month: an agreement already recorded for
 * the month gets nothing (exactly once, also across restarts). In the caller's
 * transaction; *queued (may be NULL) gets the messages queued. */
int mail_report_send(struct db *db, const struct mail_report *r, int64_t now, int *queued);

/* One queued message for the sender (owned strings; mail_out_reset frees them). */
struct mail_out {
	int64_t id;       /* mail_outbox.id */
	int64_t case_id;  /* 0 if none */
	char kind[16];    /* answer, receipt, notice, report */
	char *from_addr;  /* envelope sender: the mailbox's address */
	char *to_addr;    /* envelope recipient */
	char *raw;        /* the composed RFC 5322 message, CRLF line ends */
	size_t raw_len;   /* bytes of raw */
	int64_t attempts; /* sends tried before this one */
};
void mail_out_reset(struct mail_out *o);
/* The next queued message due at `now` (status becomes 'sending'); ENOENT if none. */
int mail_outbox_next(struct db *db, int64_t now, struct mail_out *out);
/* The sender's result: err 0 → sent; else retried after 1, 5, 15, 60 minutes and then
 * every 4 hours, and 'failed' (kept and shown) once 24 hours have passed since it was
 * queued. `error` is the server's answer (no password in it). */
int mail_outbox_done(struct db *db, int64_t id, int err, const char *error, int64_t now);
/* Rows left 'sending' by a process that stopped go back to 'queued' (at start-up). */
int mail_outbox_recover(struct db *db);

/* E-mail waiting, for GET /metrics and the wallboard: counts only, nothing about anyone. */
struct mail_waiting {
	int64_t outbox_queued;  /* answers and notices not yet sent (retries included) */
	int64_t outbox_sending; /* handed to the sender now */
	int64_t outbox_failed;  /* given up after 24 hours, kept and shown */
	int64_t cases_open;     /* e-mail cases no agent has taken on (status open) */
	int64_t oldest_open_at; /* when the oldest of them arrived (epoch s), 0 when none */
};
int mail_waiting(struct db *db, struct mail_waiting *out);

/* --- Reads and the answer for the API: the case access rule (core/auth.h) decides, every
 * read is audited. ENOENT (no such row or case), EPERM (the case is hidden from `who`),
 * ENODATA (the raw file or the attachment was not kept). Borrowed `who`. --- */
struct principal;
#include <jansson.h>
/* The case's mails, oldest first (bodies included, attachments counted). */
int mail_case_list(struct db *db, const struct principal *who, int64_t case_id, int64_t now,
                   json_t **items);
/* One mail with its attachments listed. */
int mail_get(struct db *db, const struct principal *who, int64_t row, int64_t now, json_t **out);
/* The message as it arrived (or as it was composed), malloc'ed. */
int mail_raw_get(struct db *db, const struct principal *who, int64_t row, int64_t now, char **data,
                 size_t *n);
int mail_attachment_get(struct db *db, const struct principal *who, int64_t id, int64_t now,
                        char **data, size_t *n, char filename[256], char ctype[128]);
/* An answer by `who` (who must be allowed to change the case): mail_compose_answer's
 * errors, and the outbox row as JSON. */
int mail_answer(struct db *db, const struct principal *who, int64_t case_id, const char *text,
                int64_t now, json_t **outbox_row);

/* `lotsen mail import --mailbox ADDRESS --db FILE FILE.eml|MAILDIR…` on a database the
 * caller opened and migrated (argv[0] is "mail"). Returns the exit status. */
int mail_cli(struct db *db, int argc, char **argv);

#endif
