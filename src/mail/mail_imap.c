/* IMAP fetchers (libetpan): one thread per active mailbox takes its new messages, hands
 * them to the loop to be stored, then moves or flags them on the server. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "base/log.h"
#include "mail/mail_net_int.h"

/* Messages fetched and handed to the loop at once: one commit covers them all. */
#define BATCH_MAX 32
/* IMAP keyword of messages taken (where they are flagged rather than moved). */
#define KEYWORD "$Lotsen"
/* A server may end an IDLE after 30 minutes (RFC 2177): it is renewed before. */
#define IDLE_MAX_S (25 * 60)
/* Reconnecting after a failure waits 1, 2, 4 … seconds, at most this long. */
#define BACKOFF_MAX_S 300
/* A server that does not answer within this long is given up on (then reconnect). */
#define IO_TIMEOUT_S 60

struct mail_fetcher {
	struct mail_net *n;        /* the network side (borrowed) */
	struct mail_box_net box;   /* the account (owned copy; the password is wiped at free) */
	pthread_t thread;          /* the fetcher */
	atomic_bool stop;          /* mail_fetcher_cancel was called */
	int wake;                  /* eventfd: stop, wakes a wait */
	pthread_mutex_t mu;        /* guards sock and st */
	int sock;                  /* the connection's descriptor while connected, else -1 */
	struct mail_net_status st; /* for the admin API */
};

/* ----------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------- */

static void set_error(struct mail_fetcher *f, const char *why)
{
	pthread_mutex_lock(&f->mu);
	snprintf(f->st.last_error, sizeof(f->st.last_error), "%s", why);
	f->st.connected = false;
	f->st.idle = false;
	pthread_mutex_unlock(&f->mu);
}

static void set_sock(struct mail_fetcher *f, mailimap *imap)
{
	int fd = -1;

	if (imap && imap->imap_stream)
		fd = mailstream_low_get_fd(mailstream_get_low(imap->imap_stream));
	pthread_mutex_lock(&f->mu);
	f->sock = fd;
	pthread_mutex_unlock(&f->mu);
}

/* Wait `ms` or until woken (stop); true when stopping. */
static bool nap(struct mail_fetcher *f, int ms)
{
	struct pollfd p = {.fd = f->wake, .events = POLLIN};
	uint64_t cnt;

	if (atomic_load(&f->stop))
		return true;
	if (poll(&p, 1, ms) > 0 && read(f->wake, &cnt, sizeof(cnt)) < 0) {
		/* drained already */
	}
	return atomic_load(&f->stop);
}

/* The server's last words (without the tag), for the log and the status. */
static const char *server_said(mailimap *imap)
{
	return imap && imap->imap_response ? imap->imap_response : "";
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* ----------------------------------------------------------------------
 * One round: search, fetch, hand over, move or flag
 * ---------------------------------------------------------------------- */

/* The UIDs of messages in the folder not yet taken, ascending (malloc'ed). */
static int search_new(mailimap *imap, uint32_t **out, size_t *n)
{
	struct mailimap_search_key *key;
	clist *res = NULL;
	size_t i = 0;
	char *kw = strdup(KEYWORD);
	int r;

	*out = NULL;
	*n = 0;
	if (!kw)
		return ENOMEM;
	key = mailimap_search_key_new_unkeyword(kw);
	if (!key) {
		free(kw);
		return ENOMEM;
	}
	r = mailimap_uid_search(imap, NULL, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return EIO;
	if (clist_count(res) > 0) {
		*out = calloc((size_t)clist_count(res), sizeof(**out));
		if (!*out) {
			mailimap_search_result_free(res);
			return ENOMEM;
		}
		for (clistiter *c = clist_begin(res); c; c = clist_next(c))
			(*out)[i++] = *(uint32_t *)clist_content(c);
		qsort(*out, i, sizeof(**out), cmp_u32);
	}
	*n = i;
	mailimap_search_result_free(res);
	return 0;
}

/* UID FETCH (UID BODY.PEEK[]) of `uids` into b's items. */
static int fetch_raw(mailimap *imap, const uint32_t *uids, size_t n, struct mail_batch *b)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	clist *res = NULL;
	int r, err = 0;

	if (!set || !ft) {
		err = ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		mailimap_set_add_single(set, uids[i]);
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(
	        ft, mailimap_fetch_att_new_body_peek_section(mailimap_section_new(NULL)));
	r = mailimap_uid_fetch(imap, set, ft, &res);
	if (r != MAILIMAP_NO_ERROR) {
		err = EIO;
		goto out;
	}
	for (clistiter *c = clist_begin(res); c && b->n < n; c = clist_next(c)) {
		struct mailimap_msg_att *ma = clist_content(c);
		uint32_t uid = 0;
		const char *body = NULL;
		size_t len = 0;

		for (clistiter *a = clist_begin(ma->att_list); a; a = clist_next(a)) {
			struct mailimap_msg_att_item *item = clist_content(a);
			struct mailimap_msg_att_static *st;

			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			st = item->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID)
				uid = st->att_data.att_uid;
			else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION &&
			         st->att_data.att_body_section) {
				body = st->att_data.att_body_section->sec_body_part;
				len = st->att_data.att_body_section->sec_length;
			}
		}
		if (!uid || !body)
			continue; /* an unsolicited FETCH (flags changed elsewhere) */
		b->items[b->n].raw = malloc(len + 1);
		if (!b->items[b->n].raw) {
			err = ENOMEM;
			break;
		}
		memcpy(b->items[b->n].raw, body, len);
		b->items[b->n].raw[len] = '\0';
		b->items[b->n].len = len;
		b->items[b->n].uid = uid;
		b->n++;
	}
out:
	if (res)
		mailimap_fetch_list_free(res);
	if (ft)
		mailimap_fetch_type_free(ft);
	if (set)
		mailimap_set_free(set);
	return err;
}

/* Move the taken messages to the processed folder, or flag them \Seen $Lotsen. */
static int put_away(struct mail_fetcher *f, mailimap *imap, struct mailimap_set *set)
{
	int r;

	if (f->box.processed[0]) {
		if (mailimap_has_extension(imap, "MOVE")) {
			r = mailimap_uid_move(imap, set, f->box.processed);
			if (r != MAILIMAP_NO_ERROR && strstr(server_said(imap), "TRYCREATE")) {
				mailimap_create(imap, f->box.processed);
				r = mailimap_uid_move(imap, set, f->box.processed);
			}
			return r == MAILIMAP_NO_ERROR ? 0 : EIO;
		}
		r = mailimap_uid_copy(imap, set, f->box.processed);
		if (r != MAILIMAP_NO_ERROR && strstr(server_said(imap), "TRYCREATE")) {
			mailimap_create(imap, f->box.processed);
			r = mailimap_uid_copy(imap, set, f->box.processed);
		}
		if (r != MAILIMAP_NO_ERROR)
			return EIO;
	}
	{
		struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
		struct mailimap_store_att_flags *att;
		char *kw = strdup(KEYWORD);

		if (!fl || !kw) {
			free(kw);
			if (fl)
				mailimap_flag_list_free(fl);
			return ENOMEM;
		}
		if (f->box.processed[0]) {
			mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
			free(kw);
		} else {
			mailimap_flag_list_add(fl, mailimap_flag_new_seen());
			mailimap_flag_list_add(fl, mailimap_flag_new_flag_keyword(kw));
		}
		att = mailimap_store_att_flags_new_add_flags_silent(fl);
		r = mailimap_uid_store(imap, set, att);
		mailimap_store_att_flags_free(att);
		if (r != MAILIMAP_NO_ERROR)
			return EIO;
	}
	if (f->box.processed[0]) {
		r = mailimap_has_extension(imap, "UIDPLUS") ? mailimap_uid_expunge(imap, set)
		                                            : mailimap_expunge(imap);
		if (r != MAILIMAP_NO_ERROR)
			return EIO;
	}
	return 0;
}

/* Wait for a handed-over batch, then move or flag what the loop stored. UIDs it could not
 * store go into `skip` until the next wait, so one bad message does not spin. */
static int finish_batch(struct mail_fetcher *f, mailimap *imap, struct mail_batch *b, size_t *taken,
                        uint32_t **skip, size_t *nskip, char *why, size_t whylen)
{
	struct mailimap_set *done_set;
	size_t ndone = 0;
	int err = mail_net_wait(f->n, b, &f->stop);

	if (err) /* stopping: the batch is the loop's now */
		return err;
	done_set = mailimap_set_new_empty();
	for (size_t i = 0; i < b->n; i++) {
		int res = b->items[i].result;
		if (res == 0 || res == EEXIST) {
			if (done_set)
				mailimap_set_add_single(done_set, (uint32_t)b->items[i].uid);
			ndone++;
		} else {
			uint32_t *s = realloc(*skip, (*nskip + 1) * sizeof(**skip));
			if (s) {
				*skip = s;
				s[(*nskip)++] = (uint32_t)b->items[i].uid;
			}
		}
	}
	mail_batch_free(b);
	if (!done_set)
		return ENOMEM;
	if (ndone) {
		err = put_away(f, imap, done_set);
		if (err)
			snprintf(why, whylen, "moving or flagging taken mail failed: %s",
			         server_said(imap));
	}
	mailimap_set_free(done_set);
	if (err)
		return err;
	*taken += ndone;
	pthread_mutex_lock(&f->mu);
	f->st.fetched += (int64_t)ndone;
	pthread_mutex_unlock(&f->mu);
	return 0;
}

/* Take what is new. *taken: messages stored (or found stored) and put away. While the loop
 * stores one batch, the next is fetched: the network and the loop work side by side. */
static int take_new(struct mail_fetcher *f, mailimap *imap, uint32_t uidvalidity, size_t *taken,
                    uint32_t **skip, size_t *nskip, char *why, size_t whylen)
{
	uint32_t *uids = NULL, todo[BATCH_MAX];
	size_t nuids = 0, pos = 0;
	struct mail_batch *prev = NULL; /* handed over, not yet put away */
	int err;

	*taken = 0;
	err = search_new(imap, &uids, &nuids);
	if (err) {
		snprintf(why, whylen, "UID SEARCH failed: %s", server_said(imap));
		return err;
	}
	while (pos < nuids && !atomic_load(&f->stop)) {
		struct mail_batch *b;
		size_t nt = 0;

		while (pos < nuids && nt < BATCH_MAX) {
			bool skipped = false;
			for (size_t i = 0; i < *nskip; i++)
				skipped |= (*skip)[i] == uids[pos];
			if (!skipped)
				todo[nt++] = uids[pos];
			pos++;
		}
		if (!nt)
			break;
		b = calloc(1, sizeof(*b));
		if (b)
			b->items = calloc(nt, sizeof(*b->items));
		if (!b || !b->items) {
			free(b);
			err = ENOMEM;
			break;
		}
		b->mailbox_id = f->box.id;
		b->uidvalidity = uidvalidity;
		err = fetch_raw(imap, todo, nt, b);
		if (err) {
			snprintf(why, whylen, "UID FETCH failed: %s", server_said(imap));
			mail_batch_free(b);
			break;
		}
		if (b->n == 0) {
			mail_batch_free(b);
			continue;
		}
		/* Parsed and its files written here, so the loop only stores rows. */
		mail_net_prepare(f->n, b);
		err = mail_net_push(f->n, b, &f->stop);
		if (err) {
			mail_batch_free(b);
			break;
		}
		if (prev) {
			err = finish_batch(f, imap, prev, taken, skip, nskip, why, whylen);
			prev = NULL;
			if (err) {
				if (mail_net_wait(f->n, b, &f->stop) == 0)
					mail_batch_free(b); /* stored; moved in a later round */
				break;
			}
		}
		prev = b;
	}
	if (prev) {
		if (err) {
			if (mail_net_wait(f->n, prev, &f->stop) == 0)
				mail_batch_free(prev);
		} else {
			err = finish_batch(f, imap, prev, taken, skip, nskip, why, whylen);
		}
	}
	free(uids);
	return err;
}

/* ----------------------------------------------------------------------
 * A session: connect, log in, select, then rounds and waits until an error or stop
 * ---------------------------------------------------------------------- */

/* Wait for news: IDLE where the server has it (ends on any untagged answer), else a nap
 * of the poll interval. */
static int wait_news(struct mail_fetcher *f, mailimap *imap, bool idle, char *why, size_t whylen)
{
	struct pollfd p[2];
	int r;

	if (!idle) {
		nap(f, (int)mail_net_poll_s(f->n) * 1000);
		return 0;
	}
	r = mailimap_idle(imap);
	if (r != MAILIMAP_NO_ERROR) {
		snprintf(why, whylen, "IDLE failed: %s", server_said(imap));
		return EIO;
	}
	pthread_mutex_lock(&f->mu);
	f->st.idle = true;
	pthread_mutex_unlock(&f->mu);
	/* An answer may already sit in libetpan's buffer: then there is no wait. */
	if (imap->imap_stream->read_buffer_len == 0) {
		p[0] = (struct pollfd){.fd = mailimap_idle_get_fd(imap), .events = POLLIN};
		p[1] = (struct pollfd){.fd = f->wake, .events = POLLIN};
		poll(p, 2, IDLE_MAX_S * 1000);
	}
	pthread_mutex_lock(&f->mu);
	f->st.idle = false;
	pthread_mutex_unlock(&f->mu);
	if (atomic_load(&f->stop))
		return ECANCELED;
	r = mailimap_idle_done(imap);
	if (r != MAILIMAP_NO_ERROR) {
		snprintf(why, whylen, "IDLE DONE failed: %s", server_said(imap));
		return EIO;
	}
	return 0;
}

/* The TLS server's certificate, checked unless the mailbox's tls_verify is off. */
static int verify_server(mailimap *imap, const struct mail_box_net *bx, char *why, size_t whylen)
{
	unsigned char *der = NULL;
	ssize_t len;
	int err;

	if (!bx->tls_verify)
		return 0;
	len = mailstream_ssl_get_certificate(imap->imap_stream, &der);
	if (len <= 0 || !der) {
		snprintf(why, whylen, "%.100s presented no certificate", bx->host);
		free(der);
		return EBADMSG;
	}
	err = mail_tls_check(der, (size_t)len, bx->host, bx->ca_file, why, whylen);
	free(der);
	return err;
}

static int session(struct mail_fetcher *f, bool *was_connected, char *why, size_t whylen)
{
	const struct mail_box_net *bx = &f->box;
	bool tls = strcmp(bx->security, "tls") == 0;
	uint16_t port = (uint16_t)(bx->port ? bx->port : tls ? 993 : 143);
	mailimap *imap = mailimap_new(0, NULL);
	struct mailimap_capability_data *cap = NULL;
	uint32_t *skip = NULL, uidvalidity;
	size_t nskip = 0;
	bool idle;
	int r, err = 0;

	*was_connected = false;
	if (!imap)
		return ENOMEM;
	mailimap_set_timeout(imap, IO_TIMEOUT_S);
	r = tls ? mailimap_ssl_connect(imap, bx->host, port)
	        : mailimap_socket_connect(imap, bx->host, port);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED && r != MAILIMAP_NO_ERROR_AUTHENTICATED) {
		snprintf(why, whylen, "cannot connect to %.100s:%u%s", bx->host, port,
		         tls ? " with TLS" : "");
		err = ECONNREFUSED;
		goto out;
	}
	set_sock(f, imap);
	if (strcmp(bx->security, "starttls") == 0) {
		r = mailimap_socket_starttls(imap);
		if (r != MAILIMAP_NO_ERROR) {
			snprintf(why, whylen, "STARTTLS failed: %s", server_said(imap));
			err = EPROTO;
			goto out;
		}
		set_sock(f, imap);
	}
	/* Before the password goes over it: is this the server we meant? */
	if (tls || strcmp(bx->security, "starttls") == 0) {
		err = verify_server(imap, bx, why, whylen);
		if (err)
			goto out;
	}
	r = mailimap_login(imap, bx->user, bx->password);
	if (r != MAILIMAP_NO_ERROR) {
		snprintf(why, whylen, "LOGIN as %.80s refused: %.80s", bx->user, server_said(imap));
		err = EACCES;
		goto out;
	}
	if (mailimap_capability(imap, &cap) == MAILIMAP_NO_ERROR)
		mailimap_capability_data_free(cap);
	idle = mailimap_has_idle(imap);
	r = mailimap_select(imap, bx->folder);
	if (r != MAILIMAP_NO_ERROR || !imap->imap_selection_info) {
		snprintf(why, whylen, "SELECT %.60s failed: %.100s", bx->folder, server_said(imap));
		err = ENOENT;
		goto out;
	}
	uidvalidity = imap->imap_selection_info->sel_uidvalidity;
	*was_connected = true;
	pthread_mutex_lock(&f->mu);
	f->st.connected = true;
	f->st.last_error[0] = '\0';
	pthread_mutex_unlock(&f->mu);
	log_info("mail.fetch",
	         "mailbox=%lld host=%s port=%u security=%s folder=\"%s\" idle=%s "
	         "uidvalidity=%u",
	         (long long)bx->id, bx->host, port, bx->security, bx->folder, idle ? "yes" : "no",
	         uidvalidity);
	while (!atomic_load(&f->stop)) {
		size_t taken = 0;

		err = take_new(f, imap, uidvalidity, &taken, &skip, &nskip, why, whylen);
		if (err)
			break;
		pthread_mutex_lock(&f->mu);
		f->st.last_ok = (int64_t)time(NULL);
		pthread_mutex_unlock(&f->mu);
		if (taken > 0)
			continue; /* more may have come meanwhile */
		err = wait_news(f, imap, idle, why, whylen);
		if (err)
			break;
		free(skip); /* after a wait, what failed is tried again */
		skip = NULL;
		nskip = 0;
		if (imap->imap_selection_info &&
		    imap->imap_selection_info->sel_uidvalidity != uidvalidity &&
		    imap->imap_selection_info->sel_uidvalidity != 0) {
			snprintf(why, whylen, "UIDVALIDITY changed");
			err = ESTALE;
			break;
		}
	}
	if (!atomic_load(&f->stop) && !err)
		mailimap_logout(imap);
out:
	free(skip);
	/* The descriptor is closed below: nobody may shut it down after this. */
	set_sock(f, NULL);
	mailimap_free(imap);
	return err;
}

static void *fetch_main(void *arg)
{
	struct mail_fetcher *f = arg;
	unsigned backoff = 1;
	sigset_t pipe;

	/* A server that closed the connection must not end the process: the write fails
	 * with EPIPE instead (SIGPIPE is the writing thread's, and stays blocked here). */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, NULL);

	while (!atomic_load(&f->stop)) {
		char why[200] = "";
		bool was_connected;
		int err = session(f, &was_connected, why, sizeof(why));

		if (atomic_load(&f->stop))
			break;
		if (was_connected)
			backoff = 1;
		if (!why[0])
			snprintf(why, sizeof(why), "%s", strerror(err ? err : EIO));
		set_error(f, why);
		log_warn("mail.fetch", "mailbox=%lld address=%s error=\"%s\" retry_s=%u",
		         (long long)f->box.id, f->box.address, why, backoff);
		if (nap(f, (int)backoff * 1000))
			break;
		backoff = backoff * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : backoff * 2;
	}
	return NULL;
}

/* ----------------------------------------------------------------------
 * Start, stop, status
 * ---------------------------------------------------------------------- */

int mail_fetcher_start(struct mail_fetcher **fp, struct mail_net *n, const struct mail_box_net *b)
{
	struct mail_fetcher *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return ENOMEM;
	f->n = n;
	f->box = *b;
	f->sock = -1;
	atomic_init(&f->stop, false);
	f->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->wake < 0) {
		err = errno;
		free(f);
		return err;
	}
	pthread_mutex_init(&f->mu, NULL);
	f->st.running = true;
	err = pthread_create(&f->thread, NULL, fetch_main, f);
	if (err) {
		close(f->wake);
		pthread_mutex_destroy(&f->mu);
		explicit_bzero(f, sizeof(*f));
		free(f);
		return err;
	}
	*fp = f;
	return 0;
}

void mail_fetcher_cancel(struct mail_fetcher *f)
{
	uint64_t one = 1;

	if (!f)
		return;
	atomic_store(&f->stop, true);
	if (write(f->wake, &one, sizeof(one)) < 0) {
		/* cannot overflow */
	}
	/* Break off a read or write in progress (the thread sees stop afterwards). */
	pthread_mutex_lock(&f->mu);
	if (f->sock >= 0)
		shutdown(f->sock, SHUT_RDWR);
	pthread_mutex_unlock(&f->mu);
}

void mail_fetcher_free(struct mail_fetcher *f)
{
	if (!f)
		return;
	mail_fetcher_cancel(f);
	mail_net_wake(f->n);
	pthread_join(f->thread, NULL);
	close(f->wake);
	pthread_mutex_destroy(&f->mu);
	explicit_bzero(&f->box, sizeof(f->box));
	free(f);
}

int64_t mail_fetcher_mailbox(const struct mail_fetcher *f)
{
	return f->box.id;
}

void mail_fetcher_status(struct mail_fetcher *f, struct mail_net_status *st)
{
	pthread_mutex_lock(&f->mu);
	*st = f->st;
	pthread_mutex_unlock(&f->mu);
}
