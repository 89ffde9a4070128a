/* Settings of `lotsen serve`: defaults, then the --config file, then command-line flags. */
#ifndef LOTSEN_BASE_CONFIG_H
#define LOTSEN_BASE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct config {
	char db[512];               /* SQLite file */
	char http[128];             /* ADDR:PORT for HTTP */
	char sip[128];              /* ADDR:PORT for SIP, empty when telephony is off */
	char node[128];             /* this node's name; "": hostname:http-port */
	char prompts[512];          /* directory of NAME.wav prompts; empty: the build's */
	char recordings[512];       /* where call recordings go; empty: recordings/ beside db */
	char static_dir[512];       /* web files; empty: the installed ones, else web/ */
	char municipality[128];     /* the municipality's name on pages and reports */
	char log_level[16];         /* debug, info, warn, error */
	char durability[16];        /* full or normal */
	long token_ttl_s;           /* login lifetime */
	long max_body;              /* largest accepted request body, bytes */
	long attachment_max;        /* largest file attached to a case, bytes */
	long retention_months;      /* period of categories without their own; 0: keep */
	bool demo;                  /* load the demo municipality into an empty database */
	unsigned feedback_burst;    /* Tyck till: posts per address per period, 0: no limit */
	unsigned feedback_period_s; /* … refilled evenly over this many seconds */
	long rtp_timeout_s;         /* a call leg silent this long is hung up; 0: never */
	long http_per_address;      /* open HTTP connections per client address; 0: no cap */
	long http_head_timeout_s;   /* a request line and headers must arrive within this */
	long http_body_min_rate;    /* bytes/s a request body must average; 0: any */
	long read_workers;          /* threads with read-only connections for long reads; 0: loop */
	unsigned login_burst;       /* failed logins per username per period, 0: no limit */
	unsigned login_period_s;    /* … refilled evenly over this many seconds */
	unsigned login_addr_burst;  /* failed logins per client address per period, 0: none */
	unsigned login_addr_period_s;
	long mail_max_bytes;      /* a larger e-mail is kept raw, not parsed */
	long mail_max_attachment; /* a larger attachment is named, not stored */
	char mail_files[512];     /* mail files; empty: `<db>.files` */
	char files[512];          /* attachments (and mail files unless mail_files); empty:
	                             `<db>.files`, for PostgreSQL `lotsen.files` */
	char mail_domain[256];    /* right-hand side of our Message-IDs; empty: the mailbox's */
	/* OpenID Connect login (empty issuer: off); see docs/operations.md */
	char oidc_issuer[512];        /* the IdP's issuer URL, as its discovery document says */
	char oidc_client_id[256];     /* Lotsen's client at the IdP */
	char oidc_client_secret[512]; /* its secret: never logged, never answered */
	char oidc_redirect[512];      /* public URL of GET /api/v1/sso/callback */
	char oidc_scopes[256];        /* asked for at the authorize endpoint */
	char oidc_groups_claim[64];   /* the ID token's claim listing the user's groups */
	char oidc_role_map[2048]; /* IdP group → role[:group=N…][:client=N], comma-separated */
	long oidc_jwks_refresh_s; /* least seconds between refetches for an unknown key id */
	char local_passwords[16]; /* on, off, or admins (only admins log in by password) */
	char trusted_proxies[1024]; /* addresses/networks whose X-Forwarded-For is believed */
	char smtp_url[256];         /* smtp://host:port or smtps://…; empty: mail is not sent */
	char smtp_user[128];        /* SMTP AUTH user; empty: no AUTH */
	char smtp_password[256];    /* never logged */
	bool smtp_starttls;         /* demand STARTTLS on smtp:// */
	long mail_poll_s;           /* seconds between IMAP polls where there is no IDLE */
	char mail_ca_file[512];     /* trusted CAs (PEM) for the IMAP servers; empty: system */
	char smtp_ca_file[512];     /* trusted CAs (PEM) for the SMTP server; empty: system */
	char public_url[512];       /* base of the case links in notices (https://…) */
	long notice_every_s;        /* seconds between looks for overdue handovers */
	char notice_test_now[32];   /* test hook, only with LOTSEN_TEST_HOOKS=1: the reminders'
	                               "now" (ISO 8601) */
	char mail_test_crash[16];   /* test hook, only with LOTSEN_TEST_HOOKS=1 in the environment:
	                               before-store or after-store */
	char metrics_token[256];    /* bearer token for GET /metrics from beyond loopback */
};

void config_defaults(struct config *c);
/* Apply one key = value; the keys are the long flag names (db, http, sip, demo …).
 * EINVAL with a message in `err` when the key is unknown or the value wrong. */
int config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen);
/* Read a file of `key = value` lines; '#' starts a comment. */
int config_load(struct config *c, const char *path, char *err, size_t errlen);

#endif
