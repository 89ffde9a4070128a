/* What every request handler may reach: the database and the server's settings.
 * One `struct app` lives in main.c for the life of the process and is borrowed by all. */
#ifndef LOTSEN_CORE_APP_H
#define LOTSEN_CORE_APP_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct ratelimit;

struct app {
	struct db *db;                    /* the loop's read-write connection */
	const char *db_path;              /* for workers that open their own read-only connection */
	int64_t token_ttl_s;              /* how long a login token is valid */
	size_t max_body;                  /* largest request body accepted, bytes */
	const char *municipality;         /* shown on citizen pages and reports */
	const char *static_dir;           /* web files served at / */
	struct acd_host *acd;             /* the queue engine's host, NULL until started */
	struct tel *tel;                  /* telephony, NULL without --sip */
	struct ratelimit *feedback_limit; /* per-address limit of Tyck till, NULL: none */
};

#endif
