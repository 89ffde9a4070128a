/* What every request handler may reach: the database and the server's settings.
 * One `struct app` lives in main.c for the life of the process and is borrowed by all. */
#ifndef LOTSEN_CORE_APP_H
#define LOTSEN_CORE_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct db_batch;
struct ratelimit;
struct sso;
struct proxy_list;

struct app {
	struct db *db;                    /* the loop's read-write connection */
	struct db_batch *batch;           /* the loop's group commit on db (store/batch.h) */
	const char *db_path;              /* for workers that open their own read-only connection */
	int64_t token_ttl_s;              /* how long a login token is valid */
	size_t max_body;                  /* largest request body accepted, bytes */
	size_t attachment_max;            /* largest attachment (its own body limit), bytes */
	const char *files_dir;            /* attachments: <db>.files, NULL for an in-memory db */
	const char *municipality;         /* shown on citizen pages and reports */
	const char *static_dir;           /* web files served at / */
	struct acd_host *acd;             /* the queue engine's host, NULL until started */
	struct tel *tel;                  /* telephony, NULL without --sip */
	struct mail_net *mail;            /* mail fetchers and sender, NULL until started */
	struct ratelimit *feedback_limit; /* per-address limit of Tyck till, NULL: none */
	struct ratelimit *login_user_limit; /* failed logins per username, NULL: none */
	struct ratelimit *login_addr_limit; /* failed logins per client address, NULL: none */
	unsigned http_per_address;          /* open HTTP connections per client address, 0: any */
	unsigned http_head_timeout_s;       /* a request's head must be in within this */
	unsigned http_body_min_rate;        /* bytes/s a body must keep up after the head time */
	unsigned read_workers;              /* threads for searches, lists and reports; 0: loop */
	struct sso *sso;                    /* OpenID Connect login, NULL when not configured */
	int local_passwords;                /* enum sso_passwords: on, off, admins only */
	const struct proxy_list
	        *trusted_proxies;  /* peers whose X-Forwarded-For counts, NULL: none */
	const char *metrics_token; /* bearer token for GET /metrics beyond loopback, NULL: none */
	const char *node;          /* this node's name (--node): /healthz and the logs */
	bool clustered; /* several nodes share the database (PostgreSQL): while `acd` is NULL
	                   another node runs the queue (a standby) */
	void (*queue_reload)(void *arg); /* standby: ask the queue's node to reload the groups */
	void *queue_reload_arg;
	void (*mailboxes_reload)(void *arg); /* several nodes: the jobs' node reloads its fetchers
	                                        (used while `mail` is NULL here) */
	void *mailboxes_reload_arg;
};

#endif
