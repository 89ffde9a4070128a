/* What the network side's files share (mail_net.c, mail_imap.c, mail_smtp.c,
 * mail_store_net.c): mailbox settings, the fetchers' hand-over to the loop, the sender. */
#ifndef LOTSEN_MAIL_MAIL_NET_INT_H
#define LOTSEN_MAIL_MAIL_NET_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/mail.h"
#include "mail/mail_net.h"

struct db;
struct mail_prepared;

/* One mailbox's IMAP account, copied out of the database for its fetcher (owned). */
struct mail_box_net {
	int64_t id;
	char address[256];
	char host[256];
	unsigned port;     /* 0: the security's default (993 or 143) */
	char security[16]; /* tls, starttls or none */
	char user[256];
	char password[256];  /* never logged */
	char folder[256];    /* where new mail arrives */
	char processed[256]; /* where taken mail goes; "": flag \Seen $Lotsen instead */
	bool tls_verify;     /* check the server's certificate and name (tls, starttls) */
	char ca_file[512];   /* trusted CAs (PEM, setting mail-ca-file); "": the system's */
};

/* ----------------------------------------------------------------------
 * The store (mail_store_net.c)
 * ---------------------------------------------------------------------- */

/* The active mailboxes that have an IMAP host (malloc'ed array, *n entries). */
int mail_store_net_boxes(struct db *db, struct mail_box_net **out, size_t *n);

/* Check the certificate a TLS server presented (DER) for `host`: signed by a CA of
 * `ca_file` (PEM; NULL or "": the system's store), valid now, naming `host`. 0, or
 * EBADMSG with the reason in `why`. */
int mail_tls_check(const unsigned char *der, size_t len, const char *host, const char *ca_file,
                   char *why, size_t whylen);
/* ----------------------------------------------------------------------
 * A fetcher's hand-over to the loop (mail_net.c)
 * ---------------------------------------------------------------------- */

/* One fetched message. */
struct mail_fetched {
	int64_t uid;
	char *raw;                  /* the message as the server has it (owned); freed once
	                               prepared */
	size_t len;                 /* bytes of raw */
	struct mail_prepared *prep; /* parsed and its files written on the fetcher (owned);
	                               NULL when that failed (result says why) */
	int result;                 /* EINPROGRESS until the loop has stored it and the commit is on
	                               disk; then 0 stored, EEXIST stored before, else not stored */
	int64_t case_id;            /* set by the loop with result 0 or EEXIST */
	int64_t message_row;        /* the same */
};

/* Messages of one mailbox handed to the loop at once. Owned by the fetcher until it is
 * handed over; then whoever sees it last (the fetcher after `done`, or the loop when
 * the fetcher gave up on it) frees it with mail_batch_free. */
struct mail_batch {
	struct mail_batch *next; /* in the loop's list of batches to store */
	int64_t mailbox_id;
	int64_t uidvalidity;
	struct mail_fetched *items;
	size_t n;       /* items filled */
	size_t stored;  /* items the loop has gone through */
	bool done;      /* the loop has stored them all, on disk */
	bool abandoned; /* the fetcher stopped waiting: the loop frees it */
};
/* Frees the batch; the files of a message that was not stored (any result but 0) are
 * removed. */
void mail_batch_free(struct mail_batch *b);
/* On a fetcher thread, after fetching: parse each message and write its files (the
 * connection's mail settings as the loop had them at start). */
void mail_net_prepare(struct mail_net *n, struct mail_batch *b);

/* On a fetcher thread: hand `b` to the loop to be stored (0), or ECANCELED when `stop` is
 * set (b is still the caller's). After 0, the caller may fetch more meanwhile but must
 * call mail_net_wait before it touches b again. */
int mail_net_push(struct mail_net *n, struct mail_batch *b, atomic_bool *stop);
/* Wait until the loop has stored b and its commit is on disk (0: the results are in
 * b->items and b is the caller's again) or `stop` is set (ECANCELED: b is the loop's,
 * which frees it). */
int mail_net_wait(struct mail_net *n, struct mail_batch *b, atomic_bool *stop);
/* On the sender thread: message `outbox_id` was sent (err 0) or not (`error` says why, in
 * the server's words; no password in it). The loop records it. */
void mail_net_post_sent(struct mail_net *n, int64_t outbox_id, int err, const char *error);
/* Wake whoever waits in mail_net_wait (their stop flag was set). */
void mail_net_wake(struct mail_net *n);
/* The poll interval where a server has no IDLE. */
unsigned mail_net_poll_s(const struct mail_net *n);

/* ----------------------------------------------------------------------
 * Fetchers (mail_imap.c)
 * ---------------------------------------------------------------------- */

struct mail_fetcher;
/* Start a thread for mailbox `b` (copied). */
int mail_fetcher_start(struct mail_fetcher **fp, struct mail_net *n, const struct mail_box_net *b);
/* Ask the thread to end (it breaks off its connection); returns at once. */
void mail_fetcher_cancel(struct mail_fetcher *f);
/* Join the thread (after mail_fetcher_cancel) and free the fetcher. */
void mail_fetcher_free(struct mail_fetcher *f);
int64_t mail_fetcher_mailbox(const struct mail_fetcher *f);
void mail_fetcher_status(struct mail_fetcher *f, struct mail_net_status *st);

/* ----------------------------------------------------------------------
 * The sender (mail_smtp.c)
 * ---------------------------------------------------------------------- */

struct mail_sender;
/* Start the sender thread; it reports each message's end with mail_net_post_sent. */
int mail_sender_start(struct mail_sender **sp, struct mail_net *n, const struct mail_net_config *c);
/* Give the thread one message to send (its strings are taken; *o is reset). EBUSY while
 * the last one is still being sent. */
int mail_sender_send(struct mail_sender *s, struct mail_out *o);
/* Cancel a send in progress, join the thread and free it; a message it had not sent
 * yet stays 'sending' in the outbox until the next start recovers it. */
void mail_sender_stop(struct mail_sender *s);

#endif
