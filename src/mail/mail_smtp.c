/* The SMTP sender (libcurl): one thread sends the outbox's messages the loop gives it,
 * one at a time, and posts each result back to the loop. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "base/log.h"
#include "mail/mail_net_int.h"

/* A server that does not take a message within this long has failed this attempt. */
#define SEND_TIMEOUT_S    120
#define CONNECT_TIMEOUT_S 20

struct mail_sender {
	struct mail_net *n;                /* where results go (borrowed) */
	const struct mail_net_config *cfg; /* settings (borrowed) */
	pthread_t thread;
	pthread_mutex_t mu;  /* guards job, has_job, stop */
	pthread_cond_t cv;   /* a job was given, or stop */
	struct mail_out job; /* the message being sent (owned) */
	bool has_job;
	atomic_bool stop;
};

/* The message body for curl's upload, read from memory. */
struct reader {
	const char *p;
	size_t left;
};

static size_t read_h(char *buf, size_t size, size_t nitems, void *arg)
{
	struct reader *rd = arg;
	size_t n = size * nitems;

	if (n > rd->left)
		n = rd->left;
	memcpy(buf, rd->p, n);
	rd->p += n;
	rd->left -= n;
	return n;
}

/* Ends a transfer early when the sender is stopping. */
static int progress_h(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                      curl_off_t ulnow)
{
	struct mail_sender *s = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load(&s->stop) ? 1 : 0;
}

/* Angle brackets around an address for MAIL FROM / RCPT TO. */
static void bracket(const char *addr, char *out, size_t n)
{
	snprintf(out, n, "<%s>", addr ? addr : "");
}

static int send_one(struct mail_sender *s, const struct mail_out *o, char *why, size_t whylen)
{
	const struct mail_net_config *c = s->cfg;
	CURL *curl = curl_easy_init();
	struct curl_slist *rcpt = NULL;
	struct reader rd = {o->raw, o->raw_len};
	char from[300], to[300], errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	int err = 0;

	if (!curl) {
		snprintf(why, whylen, "libcurl could not start");
		return ENOMEM;
	}
	bracket(o->from_addr, from, sizeof(from));
	bracket(o->to_addr, to, sizeof(to));
	rcpt = curl_slist_append(NULL, to);
	curl_easy_setopt(curl, CURLOPT_URL, c->smtp_url);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_h);
	curl_easy_setopt(curl, CURLOPT_READDATA, &rd);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)o->raw_len);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)SEND_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress_h);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, s);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	if (c->smtp_starttls)
		curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	/* libcurl checks the certificate and the name; against these CAs when given. */
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->smtp_ca_file && *c->smtp_ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->smtp_ca_file);
	if (c->smtp_user && c->smtp_user[0]) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, c->smtp_user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, c->smtp_password ? c->smtp_password : "");
	}
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		long code = 0;

		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
		if (code)
			snprintf(why, whylen, "%s (SMTP %ld)",
			         errbuf[0] ? errbuf : curl_easy_strerror(rc), code);
		else
			snprintf(why, whylen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
		err = rc == CURLE_COULDNT_CONNECT       ? ECONNREFUSED
		      : rc == CURLE_OPERATION_TIMEDOUT  ? ETIMEDOUT
		      : rc == CURLE_LOGIN_DENIED        ? EACCES
		      : rc == CURLE_ABORTED_BY_CALLBACK ? ECANCELED
		                                        : EIO;
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(curl);
	return err;
}

static void *send_main(void *arg)
{
	struct mail_sender *s = arg;
	sigset_t pipe;

	/* A server that closed the connection must not end the process: the write fails
	 * with EPIPE instead (SIGPIPE is the writing thread's, and stays blocked here). */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, NULL);

	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct mail_out o;
		char why[256] = "";
		int err;

		while (!s->has_job && !atomic_load(&s->stop))
			pthread_cond_wait(&s->cv, &s->mu);
		if (atomic_load(&s->stop))
			break;
		o = s->job;
		pthread_mutex_unlock(&s->mu);
		err = send_one(s, &o, why, sizeof(why));
		if (err != ECANCELED)
			mail_net_post_sent(s->n, o.id, err, why);
		pthread_mutex_lock(&s->mu);
		mail_out_reset(&s->job);
		s->has_job = false;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int mail_sender_start(struct mail_sender **sp, struct mail_net *n, const struct mail_net_config *c)
{
	struct mail_sender *s;
	int err;

	/* Not thread-safe in libcurl: called once here, on the loop, before any thread. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return EIO;
	s = calloc(1, sizeof(*s));
	if (!s) {
		curl_global_cleanup();
		return ENOMEM;
	}
	s->n = n;
	s->cfg = c;
	atomic_init(&s->stop, false);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	err = pthread_create(&s->thread, NULL, send_main, s);
	if (err) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		free(s);
		curl_global_cleanup();
		return err;
	}
	log_info("mail.send", "sender=on starttls=%s auth=%s", c->smtp_starttls ? "yes" : "no",
	         c->smtp_user && c->smtp_user[0] ? "yes" : "no");
	*sp = s;
	return 0;
}

int mail_sender_send(struct mail_sender *s, struct mail_out *o)
{
	int err = 0;

	pthread_mutex_lock(&s->mu);
	if (s->has_job) {
		err = EBUSY;
	} else {
		s->job = *o;
		memset(o, 0, sizeof(*o));
		s->has_job = true;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return err;
}

void mail_sender_stop(struct mail_sender *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	atomic_store(&s->stop, true);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	mail_out_reset(&s->job);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
	curl_global_cleanup();
}
