/* What the mail module's own files share: the parsed message, the store's functions, files. */
#ifndef LOTSEN_MAIL_MAIL_INT_H
#define LOTSEN_MAIL_MAIL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/mail.h"

struct db;

/* The effective settings of a connection (defaults filled in; strings owned). */
struct mail_cfg {
	size_t max_bytes, max_attachment, max_parts;
	char files[1024];     /* "" when there is nowhere to write files (in-memory database) */
	char domain[256];     /* "" to use the mailbox's domain */
	char public_url[512]; /* base of the links in notices, no trailing '/'; "" none */
};
/* The connection's settings: those given to mail_setup, else the defaults. */
void mail_cfg_get(struct db *db, struct mail_cfg *out);

/* ----------------------------------------------------------------------
 * Parsing (mail_parse.c): pure, no database; safe on any thread after mail_init.
 * ---------------------------------------------------------------------- */

/* One attachment or inline part. */
struct mail_att {
	char *filename;      /* sanitized: no path, no control characters, never empty */
	char *content_type;  /* "type/subtype", lower case */
	char *content_id;    /* for inline images (without <>), or NULL */
	size_t size;         /* decoded bytes */
	unsigned char *data; /* decoded content; NULL when larger than max_attachment */
	bool inline_part;    /* shown in the body (Content-Disposition inline, Content-ID) */
};

/* A parsed message. Every string is UTF-8 (decoded from RFC 2047 and the part's
 * charset), owned, and NULL only where said. */
struct mail_msg {
	bool parsed;          /* false: kept raw only (too large, too many parts, not MIME);
	                         the header fields below are still filled where readable */
	char *message_id;     /* without <>, or NULL */
	char *in_reply_to;    /* first id of In-Reply-To, without <>, or NULL */
	char *references;     /* ids of References, space separated, oldest first, or NULL */
	char *from_addr;      /* lower-cased address, or NULL (empty or unreadable From) */
	char *from_name;      /* display name, or NULL */
	char *reply_to;       /* lower-cased address of Reply-To, or NULL */
	char *to_addrs;       /* addresses of To and Cc, ", " separated, or NULL */
	char *subject;        /* "" when absent */
	char *body_text;      /* the text shown: text/plain preferred, else HTML as text;
	                         forwarded messages follow as quoted text; "" when none */
	bool body_was_html;   /* the body came from HTML */
	char *auto_submitted; /* header values (trimmed) or NULL */
	char *precedence;
	char *list_id;
	char *list_unsubscribe;
	int64_t date; /* the Date header, epoch seconds, 0 if absent or unreadable */
	size_t parts; /* MIME parts seen */
	size_t size;  /* bytes of the raw message */
	struct mail_att *atts;
	size_t n_atts;
};

struct mail_limits {
	size_t max_bytes, max_attachment, max_parts;
};
/* Parse `raw`. Never fails on bad input (it is kept raw, parsed = false); ENOMEM only. */
int mail_parse(const char *raw, size_t len, const struct mail_limits *lim, struct mail_msg **mp);
void mail_msg_free(struct mail_msg *m);

/* HTML to plain text: script, style and head content dropped, tags removed (block tags
 * become line breaks, list items "- "), entities decoded, whitespace collapsed. Input is
 * UTF-8; the result is malloc'ed UTF-8 (NULL only when out of memory). */
char *mail_html_to_text(const char *html, size_t len);

/* A sender's address as stored and compared: trimmed, lower case. 0, EINVAL (not an
 * address) or ENAMETOOLONG. */
int mail_addr_normalize(const char *in, char *out, size_t n);

/* The case token "[Lotsen #1234]" in a subject: the case id, or 0. */
int64_t mail_subject_token(const char *subject);

/* ----------------------------------------------------------------------
 * Files beside the database (mail_files.c)
 * ---------------------------------------------------------------------- */

/* Write `data` under `<files>/mail/YYYY/MM/` (month of `now`, Stockholm) with a random
 * name ending in `ext`, synced to disk; `rel` gets the path relative to `files`. */
int mail_file_write(const char *files, int64_t now, const char *ext, const void *data, size_t n,
                    char *rel, size_t reln);
/* The same without the sync: the caller syncs a batch of them with mail_files_sync
 * before any row names them. */
int mail_file_write_nosync(const char *files, int64_t now, const char *ext, const void *data,
                           size_t n, char *rel, size_t reln);
/* Sync the file system `files` is on (syncfs): every file written before is on disk. */
int mail_files_sync(const char *files);
/* Read a stored file whole (malloc'ed; *n its size). ENOENT, EINVAL for a bad path. */
int mail_file_read(const char *files, const char *rel, char **data, size_t *n);
void mail_file_remove(const char *files, const char *rel);

/* ----------------------------------------------------------------------
 * Intake in two halves (mail_intake.c): prepare on any thread, store on the loop
 * ---------------------------------------------------------------------- */

/* A message parsed, digested and its files written, waiting to be stored. */
struct mail_prepared {
	struct mail_msg *m;  /* parsed; the attachments' bytes dropped once in files */
	size_t len;          /* bytes of the raw message */
	char digest[33];     /* BLAKE2b-128 of the raw message, hex */
	char files[1024];    /* where the files are ("" none were written) */
	char raw_rel[96];    /* the raw message's file, relative to files, or "" */
	char (*att_rel)[96]; /* per attachment of m: its file, or "" (too large) */
};
/* Parse `raw` with the limits of `cfg` and write the raw file and the attachments' files
 * under cfg->files (synced). No database: safe on a fetcher thread after mail_init. */
int mail_intake_prepare(const struct mail_cfg *cfg, const char *raw, size_t len, int64_t now,
                        struct mail_prepared **out);
/* The same; without `sync` the files are not synced: the caller runs mail_files_sync
 * (once for many messages) before they are stored. */
int mail_intake_prepare_ex(const struct mail_cfg *cfg, const char *raw, size_t len, int64_t now,
                           bool sync, struct mail_prepared **out);
/* Free; `remove_files` also removes its files (it was not stored, or EEXIST). */
void mail_prepared_free(struct mail_prepared *p, bool remove_files);
/* mail_intake_ex's transaction for a prepared message (same results). On any result but
 * 0 the files are named by no row: the caller removes them (mail_prepared_free). */
int mail_intake_store(struct db *db, int64_t mailbox_id, const struct mail_prepared *p, int64_t now,
                      const struct mail_seen_key *seen, int64_t *case_id, int64_t *message_row,
                      struct mail_intake_info *info);

/* ----------------------------------------------------------------------
 * The store (mail_store.c): all of the module's SQL
 * ---------------------------------------------------------------------- */

struct mail_box {
	int64_t id, group_id;
	char address[256];
	char group_name[128];
	char signature[2048];
	bool receipt_reply, active;
};
/* ENOENT when there is no such mailbox. */
int mail_store_box(struct db *db, int64_t id, struct mail_box *b);
int mail_store_box_by_address(struct db *db, const char *address, struct mail_box *b);
/* The mailbox notices of group `group_id` go out from: the group's active mailbox, else
 * the first active one. ENOENT when there is none. */
int mail_store_notice_box(struct db *db, int64_t group_id, struct mail_box *b);

/* The message row and case recorded for `seen` before; ENOENT if none. */
int mail_store_seen_get(struct db *db, int64_t mailbox_id, const struct mail_seen_key *k,
                        int64_t *row, int64_t *case_id);
int mail_store_seen_put(struct db *db, int64_t mailbox_id, const struct mail_seen_key *k,
                        int64_t row);
/* An identical incoming message already stored in the mailbox (same Message-ID, size
 * and digest); ENOENT if none. */
int mail_store_dup_get(struct db *db, int64_t mailbox_id, const char *message_id, size_t size,
                       const char *digest, int64_t *row, int64_t *case_id);

/* The case of a stored message with this Message-ID (the newest), 0 if none. */
int64_t mail_store_case_of_message_id(struct db *db, const char *message_id);
/* Whether case `case_id` exists. */
bool mail_store_case_exists(struct db *db, int64_t case_id);
/* Whether `addr` is linked to the case: the case's citizen has that e-mail, a message on
 * the case came from it or an answer went to it. */
bool mail_store_addr_linked(struct db *db, int64_t case_id, const char *addr);
/* A client and category under which a case of `group_id` can be opened on `day`
 * (YYYY-MM-DD): an agreement covering the group, an active category of the group (or of
 * none) whose boundary does not demand a handover. ENOENT if there is none. */
int mail_store_case_target(struct db *db, int64_t group_id, const char *day, int64_t *client_id,
                           int64_t *category_id);

/* One row of mail_messages. */
struct mail_row {
	int64_t case_id, mailbox_id;
	const char *direction; /* "in" or "out" */
	const char *kind;      /* NULL for incoming; answer, receipt, notice, report */
	const char *message_id, *in_reply_to, *references, *from_addr, *from_name, *reply_to,
	        *to_addrs, *subject, *body_text, *raw_path, *digest;
	bool body_was_html, parsed, auto_submitted, needs_review;
	int64_t claimed_case_id; /* the case a reply referred to but was not joined to, or 0 */
	int64_t outbox_id;       /* for outgoing: its mail_outbox row, or 0 */
	int64_t size, sent_at, received_at, created_at;
};
int mail_store_message_add(struct db *db, const struct mail_row *r, int64_t *row);
int mail_store_message_set_id(struct db *db, int64_t row, const char *message_id,
                              int64_t outbox_id);
int mail_store_attachment_add(struct db *db, int64_t message_row, const struct mail_att *a,
                              const char *path);

/* Take one of today's auto-replies for `addr`: 0 and counted, or EDQUOT when
 * MAIL_AUTOREPLIES_PER_DAY were already sent today (`day` YYYY-MM-DD). */
int mail_store_autoreply_take(struct db *db, const char *addr, const char *day);

struct mail_outrow {
	int64_t case_id;
	const char *kind, *from_addr, *to_addr, *subject, *message_id;
	const char *raw;
	size_t raw_len;
	int64_t now;
};
int mail_store_outbox_add(struct db *db, const struct mail_outrow *o, int64_t *id);

/* What an answer needs of a case's latest incoming message. */
struct mail_reply_src {
	int64_t row, mailbox_id, citizen_id;
	char message_id[1000];
	char references[4000];
	char subject[1000];
	char reply_addr[256]; /* Reply-To, else From; "" when neither */
	char citizen_email[256];
};
/* ENOENT: no such case; ENOMSG: the case has no incoming message. */
int mail_store_reply_src(struct db *db, int64_t case_id, struct mail_reply_src *src);

/* A note in the case's history (`field` "mail" or "mail_review") by `user_id` (0: the
 * system), written in the caller's transaction. */
int mail_store_case_note(struct db *db, int64_t case_id, int64_t user_id, int64_t now,
                         const char *field, const char *value);

/* Reads for the API; the caller decides access by the returned case. */
#include <jansson.h>
int mail_store_case_mails(struct db *db, int64_t case_id, json_t **items);
int mail_store_mail(struct db *db, int64_t row, json_t **out, int64_t *case_id);
/* The raw message: `path` of its file (incoming) or the composed bytes (outgoing). */
int mail_store_raw_ref(struct db *db, int64_t row, int64_t *case_id, char *path, size_t pathn,
                       char **raw, size_t *rawn);
/* `path` "" when the attachment was too large to be kept. */
int mail_store_attachment_ref(struct db *db, int64_t id, int64_t *case_id, char *path, size_t pathn,
                              char *filename, size_t fn, char *ctype, size_t cn);
int mail_store_outbox_json(struct db *db, int64_t id, json_t **out);

/* ----------------------------------------------------------------------
 * Composing (mail_compose.c)
 * ---------------------------------------------------------------------- */

/* Queue the receipt auto-reply for a new case opened by message `m` (to `to`), in the
 * caller's transaction, and keep it on the case. */
int mail_compose_receipt(struct db *db, const struct mail_box *box, int64_t case_id,
                         const struct mail_msg *m, const char *to, int64_t now);

/* Queue a notice (Auto-Submitted: auto-generated) from `box` to `to` about case
 * `case_id`, in the caller's transaction, and keep it on the case. */
int mail_compose_notice(struct db *db, const struct mail_box *box, int64_t case_id, const char *to,
                        const char *subject, const char *text, int64_t now);

/* One file attached to a composed message (borrowed). */
struct mail_file_part {
	const char *filename;     /* shown to the recipient (UTF-8) */
	const char *content_type; /* "type/subtype" */
	const char *charset;      /* for text types, or NULL */
	const char *data;
	size_t len;
};
/* Queue a message with attachments (Auto-Submitted: auto-generated) from `box` to `to`,
 * not about a case, in the caller's transaction. EDESTADDRREQ for a broken address. */
int mail_compose_report(struct db *db, const struct mail_box *box, const char *to,
                        const char *subject, const char *text, const struct mail_file_part *files,
                        size_t nfiles, int64_t now);

/* ----------------------------------------------------------------------
 * Notices (mail_notice.c, SQL in mail_store_notice.c)
 * ---------------------------------------------------------------------- */

/* What a notice about a handover needs (strings "" when absent). */
struct mail_notice_facts {
	int64_t handover_id, case_id, group_id, client_id, agent_id;
	char status[16];      /* the handover's */
	char case_status[32]; /* its case's */
	char due_date[11];    /* YYYY-MM-DD */
	char group_name[128], group_email[256];
	char contact_name[256], contact_email[256];
	char agent_email[256];
};
/* ENOENT when there is no such handover. */
int mail_store_notice_facts(struct db *db, int64_t handover_id, struct mail_notice_facts *f);
/* In-app notifications (kind, message) for the department's users who are the contact
 * (client_viewer of the client with the contact's e-mail), in the caller's transaction. */
int mail_store_notify_contact_users(struct db *db, const struct mail_notice_facts *f,
                                    const char *kind, const char *message, int64_t now);
/* … and for the group leads of the case's group. */
int mail_store_notify_group_leads(struct db *db, const struct mail_notice_facts *f,
                                  const char *kind, const char *message, int64_t now);
/* The e-mail addresses of the active group leads of group `group_id` (", " separated,
 * at most `n` bytes; "" when none). */
int mail_store_group_lead_emails(struct db *db, int64_t group_id, char *out, size_t n);
/* Handovers waiting for the department whose due date is before `today` (YYYY-MM-DD),
 * with the last day each was reminded ("" never), in id order; *n of them (malloc'ed). */
struct mail_overdue {
	int64_t handover_id;
	char due_date[11];
	char last_day[11];
};
int mail_store_overdue(struct db *db, const char *today, struct mail_overdue **list, size_t *n);
/* Record that handover `id` was reminded on `day` (EEXIST: it was already). */
int mail_store_reminder_put(struct db *db, int64_t id, const char *day, int64_t now,
                            int recipients);

/* An agreement of a client in force during a month, with its report recipients. */
struct mail_report_agr {
	int64_t id;
	int64_t group_id; /* the first group it covers (the mailbox to send from), or 0 */
	char name[256];   /* the agreement's */
	char client_name[256];
	char *recipients; /* JSON array of addresses (owned), NULL when none */
};
/* The agreements of `client_id` in force some day of `month` (YYYY-MM) that have report
 * recipients, by id (malloc'ed; mail_store_report_agrs_free). */
int mail_store_report_agrs(struct db *db, int64_t client_id, const char *month,
                           struct mail_report_agr **list, size_t *n);
void mail_store_report_agrs_free(struct mail_report_agr *list, size_t n);
/* Record that the month's report of agreement `id` goes out to `recipients` messages:
 * EEXIST when it was recorded before (nothing written). */
int mail_store_report_mark(struct db *db, int64_t id, const char *month, int recipients,
                           int64_t now);
/* In-app notifications about a report sent: the client's viewers and the users whose
 * e-mail is among `recipients` (JSON array), in the caller's transaction. */
int mail_store_report_notify(struct db *db, int64_t client_id, const char *recipients,
                             const char *message, int64_t now);

/* Whether an overdue reminder is due today: the due date (YYYY-MM-DD) is before `today`,
 * today is a working day, and the last reminder ("" none) was not today. Pure. */
bool mail_reminder_due(const char *due_date, const char *last_day, const char *today,
                       bool working_day);

#endif
