/* The mail module's network side: one IMAP fetcher thread per active mailbox and one SMTP
 * sender thread, which hand their work to the loop (where every write happens).
 *
 * Fetch (mail_imap.c): connect (TLS, STARTTLS or plain), LOGIN, SELECT the mailbox's
 * folder, UID SEARCH the messages not yet taken, UID FETCH them raw and hand them to the
 * loop, where mail_intake stores each with its (UIDVALIDITY, UID) key in one transaction;
 * once that is on disk the thread moves the messages to the processed folder or flags
 * them \Seen $Lotsen. Then IDLE where the server has it, else poll. A crash between the
 * store and the move leaves the key in mail_seen: the next round only moves. Send
 * (mail_smtp.c): the loop takes the outbox's next due row, the thread sends it with
 * libcurl and the loop records sent or the retry (mail_outbox_done). See docs/mail.md. */
#ifndef LOTSEN_MAIL_MAIL_NET_H
#define LOTSEN_MAIL_MAIL_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct db;
struct mail_net;

/* Settings of `lotsen serve` (borrowed: they must outlive mail_net_stop). */
struct db_batch;

struct mail_net_config {
	const char *smtp_url;      /* smtp://host:port or smtps://…; NULL or "": no sending */
	const char *smtp_user;     /* AUTH user; NULL or "": no AUTH */
	const char *smtp_password; /* never logged */
	bool smtp_starttls;        /* demand STARTTLS on smtp:// */
	const char *smtp_ca_file;  /* trusted CAs for the SMTP server (PEM); NULL or "": the
	                              system's store. The certificate is always checked. */
	const char *mail_ca_file;  /* the same for the IMAP servers of mailboxes whose
	                              tls_verify is on (the default) */
	unsigned poll_s;           /* seconds between polls where the server has no IDLE */
	struct db_batch *batch;    /* the loop's group commit (borrowed): fetched mail is
	                              stored in its transaction and a fetcher hears back once
	                              the batch's fsync is done; NULL: a commit of its own */
	/* Test hook, honoured only with LOTSEN_TEST_HOOKS=1 in the environment: the process
	 * kills itself (SIGKILL) "before-store" or "after-store" of the first fetched message.
	 * NULL or "": off. */
	const char *test_crash;
};

/* Start the fetchers of the active mailboxes and the sender, on the loop thread after
 * the loop is set up (libre is initialised). `db` is the loop's connection (borrowed). */
int mail_net_start(struct mail_net **np, struct db *db, const struct mail_net_config *c);
/* Mailboxes were created, changed or removed: the fetchers start over with the
 * database's settings (on the loop; returns at once). */
void mail_net_reload(struct mail_net *n);
/* The outbox got a row: look for due messages now rather than at the next tick. */
void mail_net_kick(struct mail_net *n);
/* Stop and join every thread; what a thread had handed over and the loop had not yet
 * stored is dropped (it is fetched again next time). NULL is accepted. */
void mail_net_stop(struct mail_net *n);

/* What one mailbox's fetcher is doing, for the admin API (copied out). */
struct mail_net_status {
	bool running;         /* a fetcher thread exists for it */
	bool connected;       /* logged in and the folder selected */
	bool idle;            /* waiting with IDLE (else polling) */
	int64_t fetched;      /* messages stored (or found stored) since start */
	int64_t last_ok;      /* epoch seconds of the last good round, 0: none yet */
	char last_error[200]; /* the last failure (no password in it), "" when none */
};
/* ENOENT when no fetcher runs for the mailbox. */
int mail_net_status(struct mail_net *n, int64_t mailbox_id, struct mail_net_status *st);

/* For the mailbox administration (SQL in mail_store_net.c). */
/* Whether the mailbox has an IMAP password stored. ENOENT: no such mailbox. */
int mail_store_box_password_set(struct db *db, int64_t id, bool *set);
/* Remove a mailbox and its fetch keys. ENOENT; EBUSY when messages were taken from it
 * (they keep naming it: deactivate it instead). */
int mail_store_box_delete(struct db *db, int64_t id);

/* The outbox for the admin API: rows with `status` (NULL: all), newest first, without
 * the message itself; *rows a JSON array (jansson's json_t, owned by the caller). */
int mail_store_outbox_list(struct db *db, const char *status, int64_t limit, int64_t offset,
                           json_t **rows, int64_t *total);

#endif
