/* The mail module's tables (migrations of module "mail") and all of its SQL. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mail/mail_int.h"
#include "store/db.h"

/* Timestamps are INTEGER epoch seconds, as in the core schema. Message and attachment
 * content lives in files beside the database (raw_path, path: relative to the files
 * directory); the outbox keeps the composed message itself, as the sender needs it. */
static const struct migration mail_migrations[] = {
        {1, "mailboxes, messages, attachments, seen UIDs, outbox, auto-reply counts",
         "CREATE TABLE mailboxes ("
         " id INTEGER PRIMARY KEY,"
         " address TEXT NOT NULL UNIQUE,"
         " group_id INTEGER NOT NULL REFERENCES groups(id),"
         " imap_host TEXT,"
         " imap_port INTEGER CHECK (imap_port IS NULL OR imap_port BETWEEN 1 AND 65535),"
         " imap_security TEXT NOT NULL DEFAULT 'tls' CHECK (imap_security IN"
         "  ('tls','starttls','none')),"
         " imap_user TEXT,"
         " imap_password TEXT,"
         " folder TEXT NOT NULL DEFAULT 'INBOX',"
         " processed_folder TEXT," /* NULL: flag \\Seen and $Lotsen instead of moving */
         " signature TEXT,"
         " receipt_reply INTEGER NOT NULL DEFAULT 0 CHECK (receipt_reply IN (0,1)),"
         " active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),"
         " created_at INTEGER NOT NULL DEFAULT (unixepoch())"
         ") STRICT;"
         "CREATE INDEX mailboxes_group ON mailboxes(group_id);"
         "CREATE TABLE mail_outbox ("
         " id INTEGER PRIMARY KEY,"
         " case_id INTEGER REFERENCES cases(id),"
         " kind TEXT NOT NULL CHECK (kind IN ('answer','receipt','notice','report')),"
         " from_addr TEXT NOT NULL,"
         " to_addr TEXT NOT NULL,"
         " subject TEXT,"
         " message_id TEXT,"
         " raw BLOB NOT NULL,"
         " status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN"
         "  ('queued','sending','sent','failed')),"
         " attempts INTEGER NOT NULL DEFAULT 0,"
         " next_attempt_at INTEGER NOT NULL,"
         " last_error TEXT,"
         " created_at INTEGER NOT NULL,"
         " sent_at INTEGER"
         ") STRICT;"
         "CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at);"
         "CREATE INDEX mail_outbox_case ON mail_outbox(case_id);"
         "CREATE TABLE mail_messages ("
         " id INTEGER PRIMARY KEY,"
         " case_id INTEGER REFERENCES cases(id),"
         " mailbox_id INTEGER REFERENCES mailboxes(id),"
         " direction TEXT NOT NULL CHECK (direction IN ('in','out')),"
         " kind TEXT CHECK (kind IS NULL OR kind IN ('answer','receipt','notice','report')),"
         " message_id TEXT,"
         " in_reply_to TEXT,"
         " references_hdr TEXT,"
         " from_addr TEXT,"
         " from_name TEXT,"
         " reply_to TEXT,"
         " to_addrs TEXT,"
         " subject TEXT NOT NULL DEFAULT '',"
         " body_text TEXT NOT NULL DEFAULT '',"
         " body_was_html INTEGER NOT NULL DEFAULT 0 CHECK (body_was_html IN (0,1)),"
         " parsed INTEGER NOT NULL DEFAULT 1 CHECK (parsed IN (0,1)),"
         " auto_submitted INTEGER NOT NULL DEFAULT 0 CHECK (auto_submitted IN (0,1)),"
         " needs_review INTEGER NOT NULL DEFAULT 0 CHECK (needs_review IN (0,1)),"
         " claimed_case_id INTEGER,"
         " outbox_id INTEGER REFERENCES mail_outbox(id),"
         " raw_path TEXT,"
         " digest TEXT,"
         " size INTEGER NOT NULL DEFAULT 0,"
         " sent_at INTEGER,"
         " received_at INTEGER NOT NULL,"
         " created_at INTEGER NOT NULL"
         ") STRICT;"
         "CREATE INDEX mail_messages_message_id ON mail_messages(message_id);"
         "CREATE INDEX mail_messages_case ON mail_messages(case_id, received_at);"
         "CREATE INDEX mail_messages_from ON mail_messages(from_addr);"
         "CREATE TABLE mail_attachments ("
         " id INTEGER PRIMARY KEY,"
         " message_row INTEGER NOT NULL REFERENCES mail_messages(id) ON DELETE CASCADE,"
         " filename TEXT NOT NULL,"
         " content_type TEXT NOT NULL,"
         " content_id TEXT,"
         " size INTEGER NOT NULL,"
         " path TEXT," /* NULL: larger than the limit, recorded but not stored */
         " inline INTEGER NOT NULL DEFAULT 0 CHECK (inline IN (0,1))"
         ") STRICT;"
         "CREATE INDEX mail_attachments_message ON mail_attachments(message_row);"
         "CREATE TABLE mail_seen ("
         " mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id),"
         " uidvalidity INTEGER NOT NULL,"
         " uid INTEGER NOT NULL,"
         " message_row INTEGER NOT NULL REFERENCES mail_messages(id),"
         " PRIMARY KEY (mailbox_id, uidvalidity, uid)"
         ") STRICT;"
         "CREATE TABLE mail_autoreplies ("
         " address TEXT NOT NULL,"
         " day TEXT NOT NULL,"
         " count INTEGER NOT NULL,"
         " PRIMARY KEY (address, day)"
         ") STRICT;"},
        /* Overdue handovers are reminded once per working day: the days they were. */
        {2, "reminders of overdue handovers",
         "CREATE TABLE mail_reminders ("
         " handover_id INTEGER NOT NULL REFERENCES handovers(id),"
         " day TEXT NOT NULL," /* YYYY-MM-DD, Stockholm */
         " sent_at INTEGER NOT NULL,"
         " recipients INTEGER NOT NULL,"
         " PRIMARY KEY (handover_id, day)"
         ") STRICT;"},
        /* IMAP over TLS checks the server's certificate unless a mailbox says not to. */
        {3, "mailboxes: tls_verify",
         "ALTER TABLE mailboxes ADD COLUMN tls_verify INTEGER NOT NULL DEFAULT 1"
         " CHECK (tls_verify IN (0,1));"},
        /* A month's report goes to an agreement's recipients once: the sends made. */
        {4, "monthly reports e-mailed per agreement and month",
         "CREATE TABLE mail_report_sends ("
         " agreement_id INTEGER NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,"
         " month TEXT NOT NULL,"         /* YYYY-MM */
         " recipients INTEGER NOT NULL," /* messages queued (0: no mailbox to send from) */
         " created_at INTEGER NOT NULL,"
         " PRIMARY KEY (agreement_id, month)"
         ") STRICT;"},
};

int mail_migrate(struct db *db)
{
	return db_migrate(db, "mail", mail_migrations,
	                  sizeof(mail_migrations) / sizeof(mail_migrations[0]));
}

static int step_done(struct stmt *s)
{
	int rc = stmt_step(s);

	stmt_done(s);
	return rc == DB_DONE ? 0 : rc == DB_ROW ? EIO : rc;
}

static void copy_text(char *dst, size_t n, struct stmt *s, int col)
{
	const char *t = stmt_is_null(s, col) ? "" : stmt_text(s, col);

	snprintf(dst, n, "%s", t ? t : "");
}

/* A nullable integer column; NULL reads as 0 ("none"). */
static int64_t int_or_0(const struct stmt *s, int col)
{
	return stmt_is_null(s, col) ? 0 : stmt_int(s, col);
}

/* A lookup's step result: 0 for its row, ENOENT for none, else the error. */
static int row_found(int rc)
{
	return rc == DB_ROW ? 0 : rc == DB_DONE ? ENOENT : rc;
}

/* The first row's message row id and case (0 for none) of a bound statement s, which is
 * done after. */
static int row_case_read(struct stmt *s, int64_t *row, int64_t *case_id)
{
	int rc = stmt_step(s);

	if (rc == DB_ROW) {
		*row = stmt_int(s, 0);
		*case_id = int_or_0(s, 1);
	}
	stmt_done(s);
	return row_found(rc);
}

/* ======================================================================
 * Mailboxes
 * ====================================================================== */

#define BOX_COLS                                                                                   \
	"SELECT b.id, b.group_id, b.address, g.name, b.signature, b.receipt_reply, b.active"       \
	" FROM mailboxes b JOIN groups g ON g.id = b.group_id"

static int box_load(struct stmt *s, struct mail_box *b)
{
	int rc = stmt_step(s);

	if (rc == DB_ROW) {
		b->id = stmt_int(s, 0);
		b->group_id = stmt_int(s, 1);
		copy_text(b->address, sizeof(b->address), s, 2);
		copy_text(b->group_name, sizeof(b->group_name), s, 3);
		copy_text(b->signature, sizeof(b->signature), s, 4);
		b->receipt_reply = stmt_int(s, 5) != 0;
		b->active = stmt_int(s, 6) != 0;
	}
	stmt_done(s);
	return row_found(rc);
}

int mail_store_box(struct db *db, int64_t id, struct mail_box *b)
{
	struct stmt *s;
	int err = db_prepare(db, &s, BOX_COLS " WHERE b.id = ?", true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	return box_load(s, b);
}

int mail_store_box_by_address(struct db *db, const char *address, struct mail_box *b)
{
	struct stmt *s;
	int err = db_prepare(db, &s, BOX_COLS " WHERE b.address = ? COLLATE NOCASE", true);

	if (err)
		return err;
	stmt_bind_text(s, 1, address);
	return box_load(s, b);
}

/* The group's own active mailbox, else the first active one: notices go out from it. */
int mail_store_notice_box(struct db *db, int64_t group_id, struct mail_box *b)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     BOX_COLS " WHERE b.active = 1 ORDER BY b.group_id <> ?, b.id LIMIT 1",
	                     true);

	if (err)
		return err;
	stmt_bind_int(s, 1, group_id);
	return box_load(s, b);
}

/* ======================================================================
 * Exactly once: seen UIDs and duplicates
 * ====================================================================== */

int mail_store_seen_get(struct db *db, int64_t mailbox_id, const struct mail_seen_key *k,
                        int64_t *row, int64_t *case_id)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "SELECT m.id, m.case_id FROM mail_seen x"
	                     " JOIN mail_messages m ON m.id = x.message_row"
	                     " WHERE x.mailbox_id = ? AND x.uidvalidity = ? AND x.uid = ?",
	                     true);

	if (err)
		return err;
	stmt_bind_int(s, 1, mailbox_id);
	stmt_bind_int(s, 2, k->uidvalidity);
	stmt_bind_int(s, 3, k->uid);
	return row_case_read(s, row, case_id);
}

int mail_store_seen_put(struct db *db, int64_t mailbox_id, const struct mail_seen_key *k,
                        int64_t row)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "INSERT INTO mail_seen(mailbox_id, uidvalidity, uid, message_row)"
	                     " VALUES (?,?,?,?)",
	                     true);

	if (err)
		return err;
	stmt_bind_int(s, 1, mailbox_id);
	stmt_bind_int(s, 2, k->uidvalidity);
	stmt_bind_int(s, 3, k->uid);
	stmt_bind_int(s, 4, row);
	return step_done(s);
}

int mail_store_dup_get(struct db *db, int64_t mailbox_id, const char *message_id, size_t size,
                       const char *digest, int64_t *row, int64_t *case_id)
{
	struct stmt *s;
	int err;

	if (!message_id || !digest)
		return ENOENT;
	err = db_prepare(db, &s,
	                 "SELECT id, case_id FROM mail_messages WHERE message_id = ?"
	                 " AND direction = 'in' AND mailbox_id = ? AND size = ? AND digest = ?"
	                 " ORDER BY id LIMIT 1",
	                 true);
	if (err)
		return err;
	stmt_bind_text(s, 1, message_id);
	stmt_bind_int(s, 2, mailbox_id);
	stmt_bind_int(s, 3, (int64_t)size);
	stmt_bind_text(s, 4, digest);
	return row_case_read(s, row, case_id);
}

/* ======================================================================
 * Threading
 * ====================================================================== */

int64_t mail_store_case_of_message_id(struct db *db, const char *message_id)
{
	struct stmt *s;
	int64_t id = 0;

	if (!message_id || !*message_id)
		return 0;
	if (db_prepare(db, &s,
	               "SELECT case_id FROM mail_messages WHERE message_id = ?"
	               " AND case_id IS NOT NULL ORDER BY id DESC LIMIT 1",
	               true))
		return 0;
	stmt_bind_text(s, 1, message_id);
	if (stmt_step(s) == DB_ROW)
		id = stmt_int(s, 0);
	stmt_done(s);
	return id;
}

bool mail_store_case_exists(struct db *db, int64_t case_id)
{
	struct stmt *s;
	bool yes = false;

	if (case_id <= 0 || db_prepare(db, &s, "SELECT 1 FROM cases WHERE id = ?", true))
		return false;
	stmt_bind_int(s, 1, case_id);
	yes = stmt_step(s) == DB_ROW;
	stmt_done(s);
	return yes;
}

bool mail_store_addr_linked(struct db *db, int64_t case_id, const char *addr)
{
	struct stmt *s;
	bool yes = false;

	if (!addr || !*addr)
		return false;
	if (db_prepare(
	            db, &s,
	            "SELECT EXISTS(SELECT 1 FROM cases c JOIN citizens ci ON ci.id = c.citizen_id"
	            "  WHERE c.id = ?1 AND lower(ci.email) = ?2)"
	            " OR EXISTS(SELECT 1 FROM mail_messages m WHERE m.case_id = ?1 AND"
	            "  ((m.direction = 'in' AND (m.from_addr = ?2 OR m.reply_to = ?2)) OR"
	            "   (m.direction = 'out' AND m.to_addrs = ?2)))",
	            true))
		return false;
	stmt_bind_int(s, 1, case_id);
	stmt_bind_text(s, 2, addr);
	if (stmt_step(s) == DB_ROW)
		yes = stmt_int(s, 0) != 0;
	stmt_done(s);
	return yes;
}

/* The group's own categories before general ones, questions before other kinds, then the
 * oldest; clients in id order. A category whose boundary says "hand over" cannot be
 * logged without a receiving department's message, so it is left for the agent. */
int mail_store_case_target(struct db *db, int64_t group_id, const char *day, int64_t *client_id,
                           int64_t *category_id)
{
	struct stmt *s;
	int rc, err = db_prepare(
	                db, &s,
	                "SELECT a.client_id, k.id FROM agreements a"
	                " JOIN agreement_groups ag ON ag.agreement_id = a.id AND ag.group_id = ?1"
	                " JOIN clients cl ON cl.id = a.client_id AND cl.active = 1"
	                " JOIN categories k ON k.active = 1"
	                "  AND (k.group_id IS NULL OR k.group_id = ?1)"
	                "  AND (k.client_id IS NULL OR k.client_id = a.client_id)"
	                " WHERE a.valid_from <= ?2 AND (a.valid_to IS NULL OR a.valid_to >= ?2)"
	                "  AND NOT EXISTS(SELECT 1 FROM boundaries b WHERE b.agreement_id = a.id"
	                "   AND b.category_id = k.id AND b.action = 'handover')"
	                " ORDER BY k.group_id IS NULL, k.kind <> 'question', k.id, a.client_id"
	                " LIMIT 1",
	                true);

	if (err)
		return err;
	stmt_bind_int(s, 1, group_id);
	stmt_bind_text(s, 2, day);
	rc = stmt_step(s);
	if (rc == DB_ROW) {
		*client_id = stmt_int(s, 0);
		*category_id = stmt_int(s, 1);
	}
	stmt_done(s);
	return row_found(rc);
}

/* ======================================================================
 * Messages and attachments
 * ====================================================================== */

int mail_store_message_add(struct db *db, const struct mail_row *r, int64_t *row)
{
	struct stmt *s;
	int err = db_prepare(
	        db, &s,
	        "INSERT INTO mail_messages(case_id, mailbox_id, direction, kind, message_id,"
	        " in_reply_to, references_hdr, from_addr, from_name, reply_to, to_addrs, subject,"
	        " body_text, body_was_html, parsed, auto_submitted, needs_review, claimed_case_id,"
	        " outbox_id, raw_path, digest, size, sent_at, received_at, created_at)"
	        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	        true);

	if (err)
		return err;
	stmt_bind_id(s, 1, r->case_id);
	stmt_bind_id(s, 2, r->mailbox_id);
	stmt_bind_text(s, 3, r->direction);
	stmt_bind_text(s, 4, r->kind);
	stmt_bind_text(s, 5, r->message_id);
	stmt_bind_text(s, 6, r->in_reply_to);
	stmt_bind_text(s, 7, r->references);
	stmt_bind_text(s, 8, r->from_addr);
	stmt_bind_text(s, 9, r->from_name);
	stmt_bind_text(s, 10, r->reply_to);
	stmt_bind_text(s, 11, r->to_addrs);
	stmt_bind_text(s, 12, r->subject ? r->subject : "");
	stmt_bind_text(s, 13, r->body_text ? r->body_text : "");
	stmt_bind_int(s, 14, r->body_was_html);
	stmt_bind_int(s, 15, r->parsed);
	stmt_bind_int(s, 16, r->auto_submitted);
	stmt_bind_int(s, 17, r->needs_review);
	stmt_bind_id(s, 18, r->claimed_case_id);
	stmt_bind_id(s, 19, r->outbox_id);
	stmt_bind_text(s, 20, r->raw_path);
	stmt_bind_text(s, 21, r->digest);
	stmt_bind_int(s, 22, r->size);
	stmt_bind_id(s, 23, r->sent_at);
	stmt_bind_int(s, 24, r->received_at);
	stmt_bind_int(s, 25, r->created_at);
	err = step_done(s);
	if (!err)
		*row = db_last_id(db);
	return err;
}

int mail_store_message_set_id(struct db *db, int64_t row, const char *message_id, int64_t outbox_id)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "UPDATE mail_messages SET message_id = ?, outbox_id = ? WHERE id = ?",
	                     true);

	if (err)
		return err;
	stmt_bind_text(s, 1, message_id);
	stmt_bind_id(s, 2, outbox_id);
	stmt_bind_int(s, 3, row);
	return step_done(s);
}

int mail_store_attachment_add(struct db *db, int64_t message_row, const struct mail_att *a,
                              const char *path)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "INSERT INTO mail_attachments(message_row, filename, content_type,"
	                     " content_id, size, path, inline) VALUES (?,?,?,?,?,?,?)",
	                     true);

	if (err)
		return err;
	stmt_bind_int(s, 1, message_row);
	stmt_bind_text(s, 2, a->filename);
	stmt_bind_text(s, 3, a->content_type);
	stmt_bind_text(s, 4, a->content_id);
	stmt_bind_int(s, 5, (int64_t)a->size);
	stmt_bind_text(s, 6, path);
	stmt_bind_int(s, 7, a->inline_part);
	return step_done(s);
}

/* ======================================================================
 * Auto-replies and the outbox
 * ====================================================================== */

int mail_store_autoreply_take(struct db *db, const char *addr, const char *day)
{
	struct stmt *s;
	int64_t n = 0;
	int err = db_prepare(
	        db, &s, "SELECT count FROM mail_autoreplies WHERE address = ? AND day = ?", true);

	if (err)
		return err;
	stmt_bind_text(s, 1, addr);
	stmt_bind_text(s, 2, day);
	if (stmt_step(s) == DB_ROW)
		n = stmt_int(s, 0);
	stmt_done(s);
	if (n >= MAIL_AUTOREPLIES_PER_DAY)
		return EDQUOT;
	err = db_prepare(db, &s,
	                 "INSERT INTO mail_autoreplies(address, day, count) VALUES (?, ?, 1)"
	                 " ON CONFLICT(address, day) DO UPDATE SET count = count + 1",
	                 true);
	if (err)
		return err;
	stmt_bind_text(s, 1, addr);
	stmt_bind_text(s, 2, day);
	return step_done(s);
}

int mail_store_outbox_add(struct db *db, const struct mail_outrow *o, int64_t *id)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "INSERT INTO mail_outbox(case_id, kind, from_addr, to_addr, subject,"
	                     " message_id, raw, status, attempts, next_attempt_at, created_at)"
	                     " VALUES (?,?,?,?,?,?,?,'queued',0,?,?)",
	                     true);

	if (err)
		return err;
	stmt_bind_id(s, 1, o->case_id);
	stmt_bind_text(s, 2, o->kind);
	stmt_bind_text(s, 3, o->from_addr);
	stmt_bind_text(s, 4, o->to_addr);
	stmt_bind_text(s, 5, o->subject);
	stmt_bind_text(s, 6, o->message_id);
	stmt_bind_blob(s, 7, o->raw, o->raw_len);
	stmt_bind_int(s, 8, o->now);
	stmt_bind_int(s, 9, o->now);
	err = step_done(s);
	if (!err)
		*id = db_last_id(db);
	return err;
}

void mail_out_reset(struct mail_out *o)
{
	if (!o)
		return;
	free(o->from_addr);
	free(o->to_addr);
	free(o->raw);
	memset(o, 0, sizeof(*o));
}

int mail_outbox_next(struct db *db, int64_t now, struct mail_out *out)
{
	struct stmt *s;
	int rc, err;
	const void *blob;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	err = db_prepare(
	        db, &s,
	        "SELECT id, case_id, kind, from_addr, to_addr, raw, attempts FROM mail_outbox"
	        " WHERE status = 'queued' AND next_attempt_at <= ?"
	        " ORDER BY next_attempt_at, id LIMIT 1",
	        true);
	if (err)
		return err;
	stmt_bind_int(s, 1, now);
	rc = stmt_step(s);
	if (rc == DB_ROW) {
		out->id = stmt_int(s, 0);
		out->case_id = int_or_0(s, 1);
		snprintf(out->kind, sizeof(out->kind), "%s", stmt_text(s, 2));
		out->from_addr = strdup(stmt_text(s, 3));
		out->to_addr = strdup(stmt_text(s, 4));
		blob = stmt_blob(s, 5, &n);
		out->raw = malloc(n + 1);
		if (out->raw) {
			if (n)
				memcpy(out->raw, blob, n);
			out->raw[n] = '\0';
			out->raw_len = n;
		}
		out->attempts = stmt_int(s, 6);
	}
	stmt_done(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? ENOENT : rc;
	if (!out->from_addr || !out->to_addr || !out->raw) {
		mail_out_reset(out);
		return ENOMEM;
	}
	err = db_prepare(db, &s, "UPDATE mail_outbox SET status = 'sending' WHERE id = ?", true);
	if (!err) {
		stmt_bind_int(s, 1, out->id);
		err = step_done(s);
	}
	if (err)
		mail_out_reset(out);
	return err;
}

/* Seconds to wait after the n-th failed attempt (n from 1). */
static int64_t backoff_s(int64_t n)
{
	static const int64_t steps[] = {60, 5 * 60, 15 * 60, 60 * 60};

	return n >= 1 && n <= 4 ? steps[n - 1] : 4 * 3600;
}

int mail_outbox_done(struct db *db, int64_t id, int err, const char *error, int64_t now)
{
	struct stmt *s;
	int64_t attempts = 0, created = now;
	int rc, e;

	e = db_prepare(db, &s, "SELECT attempts, created_at FROM mail_outbox WHERE id = ?", true);
	if (e)
		return e;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	if (rc == DB_ROW) {
		attempts = stmt_int(s, 0) + 1;
		created = stmt_int(s, 1);
	}
	stmt_done(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? ENOENT : rc;
	if (!err) {
		e = db_prepare(db, &s,
		               "UPDATE mail_outbox SET status = 'sent', attempts = ?, sent_at = ?,"
		               " last_error = NULL WHERE id = ?",
		               true);
		if (e)
			return e;
		stmt_bind_int(s, 1, attempts);
		stmt_bind_int(s, 2, now);
		stmt_bind_int(s, 3, id);
		return step_done(s);
	}
	e = db_prepare(db, &s,
	               "UPDATE mail_outbox SET status = ?, attempts = ?, next_attempt_at = ?,"
	               " last_error = ? WHERE id = ?",
	               true);
	if (e)
		return e;
	stmt_bind_text(s, 1, now - created >= 24 * 3600 ? "failed" : "queued");
	stmt_bind_int(s, 2, attempts);
	stmt_bind_int(s, 3, now + backoff_s(attempts));
	stmt_bind_text(s, 4, error && *error ? error : "sending failed");
	stmt_bind_int(s, 5, id);
	return step_done(s);
}

int mail_outbox_recover(struct db *db)
{
	return db_exec(db, "UPDATE mail_outbox SET status = 'queued' WHERE status = 'sending'");
}

int mail_waiting(struct db *db, struct mail_waiting *out)
{
	struct stmt *s;
	int rc, err;

	memset(out, 0, sizeof(*out));
	err = db_prepare(
	        db, &s,
	        "SELECT (SELECT count(*) FROM mail_outbox WHERE status = 'queued'),"
	        " (SELECT count(*) FROM mail_outbox WHERE status = 'sending'),"
	        " (SELECT count(*) FROM mail_outbox WHERE status = 'failed'),"
	        " (SELECT count(*) FROM cases WHERE channel = 'email' AND status = 'open'),"
	        " (SELECT min(received_at) FROM cases WHERE channel = 'email' AND status = 'open')",
	        true);
	if (err)
		return err;
	rc = stmt_step(s);
	if (rc == DB_ROW) {
		out->outbox_queued = stmt_int(s, 0);
		out->outbox_sending = stmt_int(s, 1);
		out->outbox_failed = stmt_int(s, 2);
		out->cases_open = stmt_int(s, 3);
		out->oldest_open_at = int_or_0(s, 4);
		err = 0;
	} else {
		err = rc == DB_DONE ? ENOENT : rc;
	}
	stmt_done(s);
	return err;
}

/* ======================================================================
 * Answers and case notes
 * ====================================================================== */

int mail_store_reply_src(struct db *db, int64_t case_id, struct mail_reply_src *src)
{
	struct stmt *s;
	int rc, err;

	memset(src, 0, sizeof(*src));
	err = db_prepare(db, &s,
	                 "SELECT c.citizen_id, ci.email FROM cases c"
	                 " LEFT JOIN citizens ci ON ci.id = c.citizen_id WHERE c.id = ?",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, case_id);
	rc = stmt_step(s);
	if (rc == DB_ROW) {
		src->citizen_id = int_or_0(s, 0);
		copy_text(src->citizen_email, sizeof(src->citizen_email), s, 1);
	}
	stmt_done(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? ENOENT : rc;
	err = db_prepare(db, &s,
	                 "SELECT id, mailbox_id, message_id, references_hdr, subject,"
	                 " COALESCE(reply_to, from_addr) FROM mail_messages"
	                 " WHERE case_id = ? AND direction = 'in'"
	                 " ORDER BY received_at DESC, id DESC LIMIT 1",
	                 true);
	if (err)
		return err;
	stmt_bind_int(s, 1, case_id);
	rc = stmt_step(s);
	if (rc == DB_ROW) {
		src->row = stmt_int(s, 0);
		src->mailbox_id = int_or_0(s, 1);
		copy_text(src->message_id, sizeof(src->message_id), s, 2);
		copy_text(src->references, sizeof(src->references), s, 3);
		copy_text(src->subject, sizeof(src->subject), s, 4);
		copy_text(src->reply_addr, sizeof(src->reply_addr), s, 5);
	}
	stmt_done(s);
	return rc == DB_ROW ? 0 : rc == DB_DONE ? ENOMSG : rc;
}

int mail_store_case_note(struct db *db, int64_t case_id, int64_t user_id, int64_t now,
                         const char *field, const char *value)
{
	struct stmt *s;
	int err = db_prepare(db, &s,
	                     "INSERT INTO case_history(case_id, at, user_id, field, old_value,"
	                     " new_value) VALUES (?, ?, ?, ?, NULL, ?)",
	                     true);

	if (err)
		return err;
	stmt_bind_int(s, 1, case_id);
	stmt_bind_int(s, 2, now);
	stmt_bind_id(s, 3, user_id);
	stmt_bind_text(s, 4, field);
	stmt_bind_text(s, 5, value);
	return step_done(s);
}

/* ======================================================================
 * Reads for the API (access is decided by the caller, mail_read.c)
 * ====================================================================== */

#define MSG_COLS                                                                                   \
	"SELECT m.id, m.case_id, m.mailbox_id, b.address, m.direction, m.kind, m.message_id,"      \
	" m.in_reply_to, m.from_addr, m.from_name, m.to_addrs, m.subject, m.body_text,"            \
	" m.body_was_html, m.parsed, m.auto_submitted, m.needs_review, m.size, m.sent_at,"         \
	" m.received_at, o.status, o.last_error,"                                                  \
	" (SELECT count(*) FROM mail_attachments a WHERE a.message_row = m.id)"                    \
	" FROM mail_messages m LEFT JOIN mailboxes b ON b.id = m.mailbox_id"                       \
	" LEFT JOIN mail_outbox o ON o.id = m.outbox_id"

static json_t *opt_text(struct stmt *s, int col)
{
	return stmt_is_null(s, col) ? json_null() : json_string(stmt_text(s, col));
}

static json_t *opt_int(struct stmt *s, int col)
{
	return stmt_is_null(s, col) ? json_null() : json_integer(stmt_int(s, col));
}

static json_t *msg_json(struct stmt *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(stmt_int(s, 0)));
	json_object_set_new(o, "case_id", opt_int(s, 1));
	json_object_set_new(o, "mailbox_id", opt_int(s, 2));
	json_object_set_new(o, "mailbox", opt_text(s, 3));
	json_object_set_new(o, "direction", json_string(stmt_text(s, 4)));
	json_object_set_new(o, "kind", opt_text(s, 5));
	json_object_set_new(o, "message_id", opt_text(s, 6));
	json_object_set_new(o, "in_reply_to", opt_text(s, 7));
	json_object_set_new(o, "from", opt_text(s, 8));
	json_object_set_new(o, "from_name", opt_text(s, 9));
	json_object_set_new(o, "to", opt_text(s, 10));
	json_object_set_new(o, "subject", json_string(stmt_text(s, 11)));
	json_object_set_new(o, "text", json_string(stmt_text(s, 12)));
	json_object_set_new(o, "body_was_html", json_boolean(stmt_int(s, 13)));
	json_object_set_new(o, "parsed", json_boolean(stmt_int(s, 14)));
	json_object_set_new(o, "auto_submitted", json_boolean(stmt_int(s, 15)));
	json_object_set_new(o, "needs_review", json_boolean(stmt_int(s, 16)));
	json_object_set_new(o, "size", json_integer(stmt_int(s, 17)));
	json_object_set_new(o, "sent_at", opt_int(s, 18));
	json_object_set_new(o, "received_at", json_integer(stmt_int(s, 19)));
	json_object_set_new(o, "outbox_status", opt_text(s, 20));
	json_object_set_new(o, "outbox_error", opt_text(s, 21));
	json_object_set_new(o, "attachments_count", json_integer(stmt_int(s, 22)));
	return o;
}

int mail_store_case_mails(struct db *db, int64_t case_id, json_t **items)
{
	struct stmt *s;
	int rc, err = db_prepare(
	                db, &s, MSG_COLS " WHERE m.case_id = ? ORDER BY m.received_at, m.id", true);

	*items = NULL;
	if (err)
		return err;
	stmt_bind_int(s, 1, case_id);
	*items = json_array();
	while ((rc = stmt_step(s)) == DB_ROW)
		json_array_append_new(*items, msg_json(s));
	stmt_done(s);
	if (rc != DB_DONE) {
		json_decref(*items);
		*items = NULL;
		return rc;
	}
	return 0;
}

int mail_store_mail(struct db *db, int64_t row, json_t **out, int64_t *case_id)
{
	struct stmt *s;
	json_t *atts;
	int rc, err = db_prepare(db, &s, MSG_COLS " WHERE m.id = ?", true);

	*out = NULL;
	if (err)
		return err;
	stmt_bind_int(s, 1, row);
	rc = stmt_step(s);
	if (rc == DB_ROW) {
		*out = msg_json(s);
		*case_id = int_or_0(s, 1);
	}
	stmt_done(s);
	if (rc != DB_ROW)
		return rc == DB_DONE ? ENOENT : rc;
	err = db_prepare(
	        db, &s,
	        "SELECT id, filename, content_type, size, path IS NOT NULL, inline, content_id"
	        " FROM mail_attachments WHERE message_row = ? ORDER BY id",
	        true);
	if (err) {
		json_decref(*out);
		*out = NULL;
		return err;
	}
	stmt_bind_int(s, 1, row);
	atts = json_array();
	while ((rc = stmt_step(s)) == DB_ROW)
		json_array_append_new(
		        atts,
		        json_pack("{s:I,s:s,s:s,s:I,s:b,s:b,s:o}", "id", (json_int_t)stmt_int(s, 0),
		                  "filename", stmt_text(s, 1), "content_type", stmt_text(s, 2),
		                  "size", (json_int_t)stmt_int(s, 3), "stored", (int)stmt_int(s, 4),
		                  "inline", (int)stmt_int(s, 5), "content_id", opt_text(s, 6)));
	stmt_done(s);
	json_object_set_new(*out, "attachments", atts);
	return rc == DB_DONE ? 0 : rc;
}

int mail_store_raw_ref(struct db *db, int64_t row, int64_t *case_id, char *path, size_t pathn,
                       char **raw, size_t *rawn)
{
	struct stmt *s;
	int rc, err = db_prepare(db, &s,
	                         "SELECT m.case_id, m.raw_path, o.raw FROM mail_messages m"
	                         " LEFT JOIN mail_outbox o ON o.id = m.outbox_id WHERE m.id = ?",
	                         true);

	*raw = NULL;
	*rawn = 0;
	path[0] = '\0';
	if (err)
		return err;
	stmt_bind_int(s, 1, row);
	rc = stmt_step(s);
	if (rc == DB_ROW) {
		*case_id = int_or_0(s, 0);
		copy_text(path, pathn, s, 1);
		if (!stmt_is_null(s, 2)) {
			size_t n = 0;
			const void *b = stmt_blob(s, 2, &n);
			*raw = malloc(n + 1);
			if (*raw) {
				if (n)
					memcpy(*raw, b, n);
				*rawn = n;
			} else {
				rc = ENOMEM;
			}
		}
	}
	stmt_done(s);
	return row_found(rc);
}

int mail_store_attachment_ref(struct db *db, int64_t id, int64_t *case_id, char *path, size_t pathn,
                              char *filename, size_t fn, char *ctype, size_t cn)
{
	struct stmt *s;
	int rc, err = db_prepare(
	                db, &s,
	                "SELECT m.case_id, a.path, a.filename, a.content_type"
	                " FROM mail_attachments a JOIN mail_messages m ON m.id = a.message_row"
	                " WHERE a.id = ?",
	                true);

	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	if (rc == DB_ROW) {
		*case_id = int_or_0(s, 0);
		copy_text(path, pathn, s, 1);
		copy_text(filename, fn, s, 2);
		copy_text(ctype, cn, s, 3);
	}
	stmt_done(s);
	return row_found(rc);
}

int mail_store_outbox_json(struct db *db, int64_t id, json_t **out)
{
	struct stmt *s;
	int rc, err = db_prepare(
	                db, &s,
	                "SELECT id, case_id, kind, from_addr, to_addr, subject, message_id,"
	                " status, attempts, next_attempt_at, last_error, created_at, sent_at"
	                " FROM mail_outbox WHERE id = ?",
	                true);

	*out = NULL;
	if (err)
		return err;
	stmt_bind_int(s, 1, id);
	rc = stmt_step(s);
	if (rc == DB_ROW) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(stmt_int(s, 0)));
		json_object_set_new(o, "case_id", opt_int(s, 1));
		json_object_set_new(o, "kind", json_string(stmt_text(s, 2)));
		json_object_set_new(o, "from", json_string(stmt_text(s, 3)));
		json_object_set_new(o, "to", json_string(stmt_text(s, 4)));
		json_object_set_new(o, "subject", opt_text(s, 5));
		json_object_set_new(o, "message_id", opt_text(s, 6));
		json_object_set_new(o, "status", json_string(stmt_text(s, 7)));
		json_object_set_new(o, "attempts", json_integer(stmt_int(s, 8)));
		json_object_set_new(o, "next_attempt_at", json_integer(stmt_int(s, 9)));
		json_object_set_new(o, "last_error", opt_text(s, 10));
		json_object_set_new(o, "created_at", json_integer(stmt_int(s, 11)));
		json_object_set_new(o, "sent_at", opt_int(s, 12));
		*out = o;
	}
	stmt_done(s);
	return row_found(rc);
}
