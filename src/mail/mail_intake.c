/* A message into Lotsen: parsed, stored with its files, threaded into a case or opening
 * one, and the fetcher's exactly-once key, in one transaction. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "base/log.h"
#include "core/auth.h"
#include "base/calendar.h"
#include "core/cases.h"
#include "base/contact.h"
#include "base/valid.h"
#include "mail/mail_int.h"
#include "store/db.h"

#define SUMMARY_MAX_BYTES 3900 /* a case summary holds 4000 characters */
#define NAME_MAX_CHARS    120

/* ======================================================================
 * Settings kept with the connection
 * ====================================================================== */

static void cfg_free(void *p)
{
	free(p);
}

/* Mail files without --mail-files: beside the database file, as the attachments; a
 * PostgreSQL database has no file, so they go to lotsen.files in the working directory,
 * where serve keeps the attachments too (main.c). An in-memory database has none. */
static void files_default(struct db *db, char *out, size_t n)
{
	const char *f = db_filename(db);

	out[0] = '\0';
	if (*f)
		snprintf(out, n, "%s.files", f);
	else if (db_dialect(db) == DB_POSTGRES)
		snprintf(out, n, "lotsen.files");
}

int mail_setup(struct db *db, const struct mail_config *c)
{
	struct mail_cfg *x = calloc(1, sizeof(*x));

	if (!x)
		return ENOMEM;
	x->max_bytes = c && c->max_bytes ? c->max_bytes : MAIL_MAX_BYTES_DEFAULT;
	x->max_attachment =
	        c && c->max_attachment ? c->max_attachment : MAIL_MAX_ATTACHMENT_DEFAULT;
	x->max_parts = c && c->max_parts ? c->max_parts : MAIL_MAX_PARTS_DEFAULT;
	if (c && c->files && *c->files)
		snprintf(x->files, sizeof(x->files), "%s", c->files);
	else
		files_default(db, x->files, sizeof(x->files));
	if (c && c->domain)
		snprintf(x->domain, sizeof(x->domain), "%s", c->domain);
	if (c && c->public_url) {
		size_t n;
		snprintf(x->public_url, sizeof(x->public_url), "%s", c->public_url);
		n = strlen(x->public_url);
		while (n && x->public_url[n - 1] == '/')
			x->public_url[--n] = '\0';
	}
	return db_slot_set(db, DB_SLOT_MAIL, x, cfg_free);
}

void mail_cfg_get(struct db *db, struct mail_cfg *out)
{
	const struct mail_cfg *x = db_slot_get(db, DB_SLOT_MAIL);

	if (x) {
		*out = *x;
		return;
	}
	memset(out, 0, sizeof(*out));
	out->max_bytes = MAIL_MAX_BYTES_DEFAULT;
	out->max_attachment = MAIL_MAX_ATTACHMENT_DEFAULT;
	out->max_parts = MAIL_MAX_PARTS_DEFAULT;
	files_default(db, out->files, sizeof(out->files));
}

/* ======================================================================
 * Loop and bulk rules
 * ====================================================================== */

static bool ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
		if (x != y)
			return false;
	}
	return *a == *b;
}

bool mail_may_autoreply(const struct mail_head *h)
{
	static const char *const robots[] = {
	        "mailer-daemon", "postmaster",   "noreply", "no-reply", "no_reply", "donotreply",
	        "do-not-reply",  "do_not_reply", "bounce",  "bounces",  NULL};
	const char *at;
	char local[65];
	size_t n;

	if (!h || !h->from_addr || !*h->from_addr)
		return false;
	if (h->auto_submitted && *h->auto_submitted && !ieq(h->auto_submitted, "no"))
		return false;
	if (h->precedence && (ieq(h->precedence, "bulk") || ieq(h->precedence, "list") ||
	                      ieq(h->precedence, "junk")))
		return false;
	if ((h->list_id && *h->list_id) || (h->list_unsubscribe && *h->list_unsubscribe))
		return false;
	at = strrchr(h->from_addr, '@');
	if (!at || at == h->from_addr)
		return false;
	n = (size_t)(at - h->from_addr);
	if (n >= sizeof(local))
		return true;
	memcpy(local, h->from_addr, n);
	local[n] = '\0';
	/* "bounce+abc" and "noreply-news" are robots too */
	for (const char *const *r = robots; *r; r++) {
		size_t k = strlen(*r);
		if (strncmp(local, *r, k) == 0 && (local[k] == '\0' || strchr("+-._", local[k])))
			return false;
	}
	if (h->own_domain && *h->own_domain && ieq(at + 1, h->own_domain))
		return false;
	if (h->message_id && strncmp(h->message_id, "lotsen.", 7) == 0)
		return false;
	return true;
}

/* ======================================================================
 * Intake
 * ====================================================================== */

/* Cut `s` to at most `max` bytes on a character boundary (in place). */
static void utf8_cut(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return;
	while (max && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	s[max] = '\0';
}

static size_t utf8_chars_prefix(const char *s, size_t chars)
{
	size_t i = 0, c = 0;

	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (c == chars)
				return i;
			c++;
		}
	}
	return i;
}

static const char *box_domain(const struct mail_box *b)
{
	const char *at = strrchr(b->address, '@');

	return at ? at + 1 : "";
}

static void day_of(int64_t now, char day[11])
{
	struct local_time lt;

	calendar_local_from_utc(now, &lt);
	calendar_date_format(&lt.date, day);
}

/* A new case for the message: channel email, the mailbox's group, the citizen by address. */
static int open_case(struct db *db, const struct mail_box *box, const struct mail_msg *m,
                     int64_t now, int64_t *case_id)
{
	struct principal nobody = {0};
	struct verrors v;
	int64_t client = 0, category = 0;
	char day[11], *summary, *name = NULL;
	json_t *in, *citizen;
	int err;

	day_of(now, day);
	err = mail_store_case_target(db, box->group_id, day, &client, &category);
	if (err)
		return err;
	summary = strdup(m->subject && *m->subject ? m->subject : "(inget ämne)");
	if (!summary)
		return ENOMEM;
	utf8_cut(summary, SUMMARY_MAX_BYTES);
	if (!summary[strspn(summary, " ")]) {
		free(summary);
		summary = strdup("(inget ämne)");
		if (!summary)
			return ENOMEM;
	}
	/* Not yet handled by an agent: no agent and no outcome, an open case that counts in
	 * reports and invoices once an agent sets its outcome; see docs/mail.md. */
	in = json_pack("{s:I,s:I,s:I,s:s,s:s}", "group_id", (json_int_t)box->group_id, "client_id",
	               (json_int_t)client, "category_id", (json_int_t)category, "channel", "email",
	               "summary", summary);
	free(summary);
	if (!in)
		return ENOMEM;
	citizen = json_object();
	if (m->from_addr && contact_email_validate(m->from_addr) == 0)
		json_object_set_new(citizen, "email", json_string(m->from_addr));
	if (json_object_size(citizen) && m->from_name && *m->from_name) {
		name = strndup(m->from_name, utf8_chars_prefix(m->from_name, NAME_MAX_CHARS));
		if (name && *name)
			json_object_set_new(citizen, "name", json_string(name));
		free(name);
	}
	if (json_object_size(citizen))
		json_object_set(in, "citizen", citizen);
	json_decref(citizen);
	valid_init(&v, true);
	err = case_create(db, &nobody, in, now, case_id, &v);
	json_decref(in);
	if (valid_has_errors(&v)) {
		char *s = json_dumps(v.list, JSON_COMPACT);
		log_error("mail.case_invalid", "mailbox=%lld errors=%s", (long long)box->id,
		          s ? s : "?");
		free(s);
		err = err ? err : EINVAL;
	}
	valid_free(&v);
	return err;
}

/* Threading: 1) In-Reply-To, then References (newest first), name a stored message →
 * its case; 2) "[Lotsen #N]" in the subject → case N. Either only when the sender is
 * linked to that case; a reference to a case the sender has no link to is `claimed` and
 * never joined. */
static int64_t thread_case(struct db *db, const struct mail_msg *m, int64_t *claimed)
{
	int64_t c = 0;

	*claimed = 0;
	if (m->in_reply_to)
		c = mail_store_case_of_message_id(db, m->in_reply_to);
	if (!c && m->references) {
		char *refs = strdup(m->references), *p;
		/* newest last in References: look from the end */
		while (refs && !c && (p = strrchr(refs, ' ')) != NULL) {
			c = mail_store_case_of_message_id(db, p + 1);
			*p = '\0';
		}
		if (refs && !c)
			c = mail_store_case_of_message_id(db, refs);
		free(refs);
	}
	if (!c) {
		int64_t t = mail_subject_token(m->subject);
		if (t && mail_store_case_exists(db, t))
			c = t;
	}
	if (!c)
		return 0;
	if (mail_store_addr_linked(db, c, m->from_addr) ||
	    (m->reply_to && mail_store_addr_linked(db, c, m->reply_to)))
		return c;
	*claimed = c;
	return 0;
}

/* ======================================================================
 * Prepare (any thread): parse, digest, files
 * ====================================================================== */

void mail_prepared_free(struct mail_prepared *p, bool remove_files)
{
	if (!p)
		return;
	if (remove_files && p->files[0]) {
		if (p->raw_rel[0])
			mail_file_remove(p->files, p->raw_rel);
		for (size_t i = 0; p->att_rel && p->m && i < p->m->n_atts; i++)
			if (p->att_rel[i][0])
				mail_file_remove(p->files, p->att_rel[i]);
	}
	free(p->att_rel);
	mail_msg_free(p->m);
	free(p);
}

int mail_intake_prepare(const struct mail_cfg *cfg, const char *raw, size_t len, int64_t now,
                        struct mail_prepared **out)
{
	return mail_intake_prepare_ex(cfg, raw, len, now, true, out);
}

int mail_intake_prepare_ex(const struct mail_cfg *cfg, const char *raw, size_t len, int64_t now,
                           bool sync, struct mail_prepared **out)
{
	int (*write_file)(const char *, int64_t, const char *, const void *, size_t, char *,
	                  size_t) = sync ? mail_file_write : mail_file_write_nosync;
	struct mail_limits lim = {cfg->max_bytes, cfg->max_attachment, cfg->max_parts};
	unsigned char hash[16];
	struct mail_prepared *p;
	int err;

	*out = NULL;
	if (!raw && len)
		return EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return ENOMEM;
	p->len = len;
	err = mail_parse(raw ? raw : "", len, &lim, &p->m);
	if (err) {
		free(p);
		return err;
	}
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)raw, len, NULL, 0);
	sodium_bin2hex(p->digest, sizeof(p->digest), hash, sizeof(hash));
	if (p->m->n_atts) {
		p->att_rel = calloc(p->m->n_atts, sizeof(*p->att_rel));
		if (!p->att_rel) {
			mail_prepared_free(p, false);
			return ENOMEM;
		}
	}
	/* The files are written (and synced) before the transaction that names them: a
	 * crash in between leaves a file no row names, which is harmless. */
	if (cfg->files[0]) {
		snprintf(p->files, sizeof(p->files), "%s", cfg->files);
		err = write_file(cfg->files, now, ".eml", raw, len, p->raw_rel, sizeof(p->raw_rel));
		for (size_t i = 0; !err && i < p->m->n_atts; i++) {
			const struct mail_att *a = &p->m->atts[i];

			if (a->data)
				err = write_file(cfg->files, now, ".bin", a->data, a->size,
				                 p->att_rel[i], sizeof(p->att_rel[i]));
		}
		if (err) {
			mail_prepared_free(p, true);
			return err;
		}
	}
	/* What the store needs of the attachments is their metadata: the bytes are in
	 * their files now. */
	for (size_t i = 0; i < p->m->n_atts; i++)
		if (p->files[0]) {
			free(p->m->atts[i].data);
			p->m->atts[i].data = NULL;
		}
	*out = p;
	return 0;
}

/* ======================================================================
 * Store (the loop): one transaction
 * ====================================================================== */

int mail_intake(struct db *db, int64_t mailbox_id, const char *raw, size_t len, int64_t now,
                const struct mail_seen_key *seen, int64_t *case_id, int64_t *message_row)
{
	return mail_intake_ex(db, mailbox_id, raw, len, now, seen, case_id, message_row, NULL);
}

int mail_intake_ex(struct db *db, int64_t mailbox_id, const char *raw, size_t len, int64_t now,
                   const struct mail_seen_key *seen, int64_t *case_id, int64_t *message_row,
                   struct mail_intake_info *info)
{
	struct mail_prepared *p = NULL;
	struct mail_cfg cfg;
	struct mail_box box;
	int err;

	*case_id = 0;
	*message_row = 0;
	if (info)
		memset(info, 0, sizeof(*info));
	if (!raw && len)
		return EINVAL;
	/* An unknown or inactive mailbox writes no files. */
	err = mail_store_box(db, mailbox_id, &box);
	if (err)
		return err;
	if (!box.active)
		return ENOENT;
	mail_cfg_get(db, &cfg);
	err = mail_intake_prepare(&cfg, raw, len, now, &p);
	if (err)
		return err;
	err = mail_intake_store(db, mailbox_id, p, now, seen, case_id, message_row, info);
	mail_prepared_free(p, err != 0);
	return err;
}

int mail_intake_store(struct db *db, int64_t mailbox_id, const struct mail_prepared *p, int64_t now,
                      const struct mail_seen_key *seen, int64_t *case_id, int64_t *message_row,
                      struct mail_intake_info *info)
{
	struct mail_intake_info dummy;
	struct mail_cfg cfg;
	struct mail_box box;
	const struct mail_msg *m = p->m;
	struct mail_row row = {0};
	int64_t claimed = 0, thread = 0;
	size_t len = p->len;
	int err;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	*case_id = 0;
	*message_row = 0;
	err = mail_store_box(db, mailbox_id, &box);
	if (err)
		return err;
	if (!box.active)
		return ENOENT;
	mail_cfg_get(db, &cfg);

	err = db_begin(db);
	if (err)
		return err;
	if (seen && mail_store_seen_get(db, mailbox_id, seen, message_row, case_id) == 0) {
		err = EEXIST;
		goto out;
	}
	if (mail_store_dup_get(db, mailbox_id, m->message_id, len, p->digest, message_row,
	                       case_id) == 0) {
		/* The same message again (an import run twice, a server that lost its UIDs):
		 * record the new key against the stored one, write nothing else. */
		err = seen ? mail_store_seen_put(db, mailbox_id, seen, *message_row) : 0;
		if (!err)
			err = db_commit(db);
		if (!err)
			return EEXIST;
		db_rollback(db);
		*case_id = 0;
		*message_row = 0;
		return err;
	}

	thread = thread_case(db, m, &claimed);
	if (thread) {
		*case_id = thread;
		info->threaded = true;
	} else {
		err = open_case(db, &box, m, now, case_id);
		if (err)
			goto out;
	}
	info->parsed = m->parsed;
	info->needs_review = claimed != 0;

	row.case_id = *case_id;
	row.mailbox_id = mailbox_id;
	row.direction = "in";
	row.message_id = m->message_id;
	row.in_reply_to = m->in_reply_to;
	row.references = m->references;
	row.from_addr = m->from_addr;
	row.from_name = m->from_name;
	row.reply_to = m->reply_to;
	row.to_addrs = m->to_addrs;
	row.subject = m->subject;
	row.body_text = m->body_text;
	row.body_was_html = m->body_was_html;
	row.parsed = m->parsed;
	row.auto_submitted = m->auto_submitted && !ieq(m->auto_submitted, "no");
	row.needs_review = claimed != 0;
	row.claimed_case_id = claimed;
	row.raw_path = p->raw_rel[0] ? p->raw_rel : NULL;
	row.digest = p->digest;
	row.size = (int64_t)len;
	row.sent_at = m->date;
	row.received_at = now;
	row.created_at = now;
	err = mail_store_message_add(db, &row, message_row);
	for (size_t i = 0; !err && i < m->n_atts; i++) {
		const char *rel = p->att_rel && p->att_rel[i][0] ? p->att_rel[i] : NULL;

		err = mail_store_attachment_add(db, *message_row, &m->atts[i], rel);
	}
	if (!err && seen)
		err = mail_store_seen_put(db, mailbox_id, seen, *message_row);
	if (!err && claimed)
		err = mail_store_case_note(
		        db, *case_id, 0, now, "mail_review",
		        "Meddelandet hänvisar till ett annat ärende som avsändaren inte är kopplad "
		        "till. Det kopplades inte dit; en handläggare behöver avgöra vart det "
		        "hör.");
	if (!err && thread)
		err = mail_store_case_note(db, *case_id, 0, now, "mail", "Nytt e-postmeddelande");
	if (!err && !thread && !m->parsed)
		err = mail_store_case_note(db, *case_id, 0, now, "mail",
		                           "Meddelandet kunde inte tolkas och visas som det kom");
	if (!err && !thread && box.receipt_reply) {
		struct mail_head h = {.from_addr = m->reply_to ? m->reply_to : m->from_addr,
		                      .auto_submitted = m->auto_submitted,
		                      .precedence = m->precedence,
		                      .list_id = m->list_id,
		                      .list_unsubscribe = m->list_unsubscribe,
		                      .message_id = m->message_id,
		                      .own_domain = cfg.domain[0] ? cfg.domain : box_domain(&box)};
		char day[11];

		day_of(now, day);
		if (mail_may_autoreply(&h) && contact_email_validate(h.from_addr) == 0) {
			err = mail_store_autoreply_take(db, h.from_addr, day);
			if (!err) {
				err = mail_compose_receipt(db, &box, *case_id, m, h.from_addr, now);
				info->receipt = !err;
			} else if (err == EDQUOT) {
				err = 0;
			}
		}
	}
	if (!err)
		err = db_commit(db);
	/* Stored on its own (an import): announced now. Inside the fetcher's group commit the
	 * message is announced by mail_net.c once that batch is on disk. */
	if (!err && db_tx_depth(db) == 0)
		mail_stored_notify(*case_id, *message_row);
out:
	if (err) {
		db_rollback(db);
		if (err != EEXIST) {
			*case_id = 0;
			*message_row = 0;
		}
	}
	if (!err)
		log_debug("mail.intake",
		          "mailbox=%lld case=%lld row=%lld threaded=%s parsed=%s "
		          "review=%s attachments=%zu bytes=%zu",
		          (long long)mailbox_id, (long long)*case_id, (long long)*message_row,
		          info->threaded ? "yes" : "no", m->parsed ? "yes" : "no",
		          claimed ? "yes" : "no", m->n_atts, len);
	return err;
}
