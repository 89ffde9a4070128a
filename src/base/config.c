/* Settings from a `key = value` file whose keys mirror the command-line flags. */
#include "base/config.h"
#include "base/proxy.h"
#include "base/ratelimit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->db, sizeof(c->db), "lotsen.db");
	snprintf(c->http, sizeof(c->http), "127.0.0.1:8080");
	snprintf(c->municipality, sizeof(c->municipality), "Lotsens kommun");
	snprintf(c->log_level, sizeof(c->log_level), "info");
	snprintf(c->durability, sizeof(c->durability), "full");
	c->token_ttl_s = 12 * 3600; /* one working day */
	c->max_body = 1 << 20;
	c->attachment_max = 10L << 20; /* a scanned letter or a phone's photo */
	c->retention_months = 24;      /* the records plan's usual two years */
	c->feedback_burst = 5;         /* feedback posts per address in ten minutes */
	c->feedback_period_s = 600;
	c->rtp_timeout_s = 60; /* well past any hold-free gap a working phone leaves */
	/* A whole office behind one NAT address still fits; one address alone never
	 * fills the server's 4000 connections. */
	c->http_per_address = 256;
	c->http_head_timeout_s = 10;
	c->http_body_min_rate = 1024;
	c->mail_max_bytes = 25L << 20;
	c->mail_max_attachment = 20L << 20;
	c->read_workers = 2; /* searches and reports beside each other, one core left */
	c->login_burst = 10; /* wrong passwords per username, one more every minute */
	c->login_period_s = 600;
	c->login_addr_burst = 50; /* per address: an office shares one */
	c->login_addr_period_s = 600;
	snprintf(c->oidc_scopes, sizeof(c->oidc_scopes), "openid profile email groups");
	snprintf(c->oidc_groups_claim, sizeof(c->oidc_groups_claim), "groups");
	c->oidc_jwks_refresh_s = 60; /* a rotation is seen within a minute, a flood of forged
	                                key ids costs the IdP one fetch a minute */
	snprintf(c->local_passwords, sizeof(c->local_passwords), "on");
	c->mail_poll_s = 60;
	c->notice_every_s = 600;
}

static int set_yes_no(bool *dst, const char *v, char *err, size_t errlen, const char *key)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
		*dst = true;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
		*dst = false;
	else {
		snprintf(err, errlen, "%s: use yes or no", key);
		return EINVAL;
	}
	return 0;
}

static int set_str(char *dst, size_t n, const char *v, char *err, size_t errlen, const char *key)
{
	if (strlen(v) >= n) {
		snprintf(err, errlen, "%s: value too long (at most %zu characters)", key, n - 1);
		return EINVAL;
	}
	snprintf(dst, n, "%s", v);
	return 0;
}

static int set_long(long *dst, const char *v, long min, long max, char *err, size_t errlen,
                    const char *key)
{
	char *end;
	long x = strtol(v, &end, 10);

	if (!*v || *end || x < min || x > max) {
		snprintf(err, errlen, "%s: \"%s\" is not an integer %ld–%ld", key, v, min, max);
		return EINVAL;
	}
	*dst = x;
	return 0;
}

int config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen)
{
	if (strcmp(key, "db") == 0)
		return set_str(c->db, sizeof(c->db), value, err, errlen, key);
	if (strcmp(key, "http") == 0)
		return set_str(c->http, sizeof(c->http), value, err, errlen, key);
	if (strcmp(key, "sip") == 0)
		return set_str(c->sip, sizeof(c->sip), value, err, errlen, key);
	if (strcmp(key, "prompts") == 0)
		return set_str(c->prompts, sizeof(c->prompts), value, err, errlen, key);
	if (strcmp(key, "recordings") == 0)
		return set_str(c->recordings, sizeof(c->recordings), value, err, errlen, key);
	if (strcmp(key, "static") == 0)
		return set_str(c->static_dir, sizeof(c->static_dir), value, err, errlen, key);
	if (strcmp(key, "municipality") == 0)
		return set_str(c->municipality, sizeof(c->municipality), value, err, errlen, key);
	if (strcmp(key, "log-level") == 0 || strcmp(key, "log_level") == 0) {
		if (strcmp(value, "debug") && strcmp(value, "info") && strcmp(value, "warn") &&
		    strcmp(value, "error")) {
			snprintf(err, errlen, "%s: use debug, info, warn or error", key);
			return EINVAL;
		}
		return set_str(c->log_level, sizeof(c->log_level), value, err, errlen, key);
	}
	if (strcmp(key, "durability") == 0) {
		if (strcmp(value, "full") && strcmp(value, "normal")) {
			snprintf(err, errlen, "%s: use full (fsync every commit) or normal", key);
			return EINVAL;
		}
		return set_str(c->durability, sizeof(c->durability), value, err, errlen, key);
	}
	if (strcmp(key, "token-ttl") == 0 || strcmp(key, "token_ttl") == 0)
		return set_long(&c->token_ttl_s, value, 60, 30L * 86400, err, errlen, key);
	if (strcmp(key, "max-body") == 0 || strcmp(key, "max_body") == 0)
		return set_long(&c->max_body, value, 1024, 64L << 20, err, errlen, key);
	if (strcmp(key, "attachment-max-bytes") == 0 || strcmp(key, "attachment_max_bytes") == 0)
		return set_long(&c->attachment_max, value, 1024, 64L << 20, err, errlen, key);
	if (strcmp(key, "retention-months") == 0 || strcmp(key, "retention_months") == 0)
		return set_long(&c->retention_months, value, 0, 1200, err, errlen, key);
	if (strcmp(key, "feedback-limit") == 0 || strcmp(key, "feedback_limit") == 0) {
		if (ratelimit_parse(value, &c->feedback_burst, &c->feedback_period_s) != 0) {
			snprintf(err, errlen, "%s: \"%s\" is not POSTS/SECONDS (e.g. 5/600) or off",
			         key, value);
			return EINVAL;
		}
		return 0;
	}
	if (strcmp(key, "login-limit") == 0 || strcmp(key, "login_limit") == 0 ||
	    strcmp(key, "login-address-limit") == 0 || strcmp(key, "login_address_limit") == 0) {
		bool per_user = strstr(key, "address") == NULL;
		if (ratelimit_parse(value, per_user ? &c->login_burst : &c->login_addr_burst,
		                    per_user ? &c->login_period_s : &c->login_addr_period_s) != 0) {
			snprintf(err, errlen,
			         "%s: \"%s\" is not FAILURES/SECONDS (e.g. 10/600) or off", key,
			         value);
			return EINVAL;
		}
		return 0;
	}
	if (strcmp(key, "http-per-address") == 0 || strcmp(key, "http_per_address") == 0)
		return set_long(&c->http_per_address, value, 0, 4000, err, errlen, key);
	if (strcmp(key, "http-head-timeout") == 0 || strcmp(key, "http_head_timeout") == 0)
		return set_long(&c->http_head_timeout_s, value, 1, 300, err, errlen, key);
	if (strcmp(key, "http-body-min-rate") == 0 || strcmp(key, "http_body_min_rate") == 0)
		return set_long(&c->http_body_min_rate, value, 0, 1L << 30, err, errlen, key);
	if (strcmp(key, "read-workers") == 0 || strcmp(key, "read_workers") == 0)
		return set_long(&c->read_workers, value, 0, 8, err, errlen, key);
	if (strcmp(key, "mail-max-bytes") == 0 || strcmp(key, "mail_max_bytes") == 0)
		return set_long(&c->mail_max_bytes, value, 64L << 10, 1L << 30, err, errlen, key);
	if (strcmp(key, "mail-max-attachment") == 0 || strcmp(key, "mail_max_attachment") == 0)
		return set_long(&c->mail_max_attachment, value, 1024, 1L << 30, err, errlen, key);
	if (strcmp(key, "mail-files") == 0 || strcmp(key, "mail_files") == 0)
		return set_str(c->mail_files, sizeof(c->mail_files), value, err, errlen, key);
	if (strcmp(key, "files") == 0)
		return set_str(c->files, sizeof(c->files), value, err, errlen, key);
	if (strcmp(key, "mail-domain") == 0 || strcmp(key, "mail_domain") == 0)
		return set_str(c->mail_domain, sizeof(c->mail_domain), value, err, errlen, key);
	if (strcmp(key, "rtp-timeout") == 0 || strcmp(key, "rtp_timeout") == 0)
		return set_long(&c->rtp_timeout_s, value, 0, 86400, err, errlen, key);
	if (strcmp(key, "oidc-issuer") == 0)
		return set_str(c->oidc_issuer, sizeof(c->oidc_issuer), value, err, errlen, key);
	if (strcmp(key, "oidc-client-id") == 0)
		return set_str(c->oidc_client_id, sizeof(c->oidc_client_id), value, err, errlen,
		               key);
	if (strcmp(key, "oidc-client-secret") == 0)
		return set_str(c->oidc_client_secret, sizeof(c->oidc_client_secret), value, err,
		               errlen, key);
	if (strcmp(key, "oidc-redirect") == 0)
		return set_str(c->oidc_redirect, sizeof(c->oidc_redirect), value, err, errlen, key);
	if (strcmp(key, "oidc-scopes") == 0)
		return set_str(c->oidc_scopes, sizeof(c->oidc_scopes), value, err, errlen, key);
	if (strcmp(key, "oidc-groups-claim") == 0)
		return set_str(c->oidc_groups_claim, sizeof(c->oidc_groups_claim), value, err,
		               errlen, key);
	if (strcmp(key, "oidc-role-map") == 0)
		return set_str(c->oidc_role_map, sizeof(c->oidc_role_map), value, err, errlen, key);
	if (strcmp(key, "oidc-jwks-refresh") == 0)
		return set_long(&c->oidc_jwks_refresh_s, value, 0, 86400, err, errlen, key);
	if (strcmp(key, "local-passwords") == 0) {
		if (strcmp(value, "on") && strcmp(value, "off") && strcmp(value, "admins")) {
			snprintf(err, errlen,
			         "%s: use on, off, or admins (only administrators log in by "
			         "password)",
			         key);
			return EINVAL;
		}
		return set_str(c->local_passwords, sizeof(c->local_passwords), value, err, errlen,
		               key);
	}
	if (strcmp(key, "trusted-proxies") == 0) {
		struct proxy_list *l = NULL;
		char why[200];
		int e = proxy_list_parse(&l, value, why, sizeof(why));

		proxy_list_free(l);
		if (e) {
			snprintf(err, errlen, "%s: %s", key, e == EINVAL ? why : "out of memory");
			return EINVAL;
		}
		return set_str(c->trusted_proxies, sizeof(c->trusted_proxies), value, err, errlen,
		               key);
	}
	if (strcmp(key, "smtp-url") == 0) {
		if (*value && strncmp(value, "smtp://", 7) != 0 &&
		    strncmp(value, "smtps://", 8) != 0) {
			snprintf(err, errlen, "%s: use smtp://HOST:PORT or smtps://HOST:PORT", key);
			return EINVAL;
		}
		return set_str(c->smtp_url, sizeof(c->smtp_url), value, err, errlen, key);
	}
	if (strcmp(key, "smtp-user") == 0)
		return set_str(c->smtp_user, sizeof(c->smtp_user), value, err, errlen, key);
	if (strcmp(key, "smtp-password") == 0)
		return set_str(c->smtp_password, sizeof(c->smtp_password), value, err, errlen, key);
	if (strcmp(key, "smtp-starttls") == 0)
		return set_yes_no(&c->smtp_starttls, value, err, errlen, key);
	if (strcmp(key, "mail-poll-seconds") == 0)
		return set_long(&c->mail_poll_s, value, 1, 86400, err, errlen, key);
	if (strcmp(key, "public-url") == 0) {
		if (*value && strncmp(value, "https://", 8) != 0 &&
		    strncmp(value, "http://", 7) != 0) {
			snprintf(err, errlen, "%s: use https://HOST[/PATH]", key);
			return EINVAL;
		}
		return set_str(c->public_url, sizeof(c->public_url), value, err, errlen, key);
	}
	if (strcmp(key, "mail-ca-file") == 0)
		return set_str(c->mail_ca_file, sizeof(c->mail_ca_file), value, err, errlen, key);
	if (strcmp(key, "smtp-ca-file") == 0)
		return set_str(c->smtp_ca_file, sizeof(c->smtp_ca_file), value, err, errlen, key);
	if (strcmp(key, "notice-check-seconds") == 0)
		return set_long(&c->notice_every_s, value, 1, 86400, err, errlen, key);
	if (strcmp(key, "notice-test-now") == 0)
		return set_str(c->notice_test_now, sizeof(c->notice_test_now), value, err, errlen,
		               key);
	if (strcmp(key, "mail-test-crash") == 0) {
		if (*value && strcmp(value, "before-store") && strcmp(value, "after-store")) {
			snprintf(err, errlen, "%s: use before-store or after-store", key);
			return EINVAL;
		}
		return set_str(c->mail_test_crash, sizeof(c->mail_test_crash), value, err, errlen,
		               key);
	}
	if (strcmp(key, "node") == 0) {
		for (const char *p = value; *p; p++)
			if ((unsigned char)*p < 0x21 || *p == '"' || *p == '\\') {
				snprintf(err, errlen,
				         "%s: a name without spaces, quotes or backslashes", key);
				return EINVAL;
			}
		return set_str(c->node, sizeof(c->node), value, err, errlen, key);
	}
	if (strcmp(key, "metrics-token") == 0) {
		/* Compared in full on every scrape; short ones would be guessed. */
		if (value[0] && strlen(value) < 16) {
			snprintf(err, errlen, "%s: use at least 16 characters", key);
			return EINVAL;
		}
		return set_str(c->metrics_token, sizeof(c->metrics_token), value, err, errlen, key);
	}
	if (strcmp(key, "demo") == 0) {
		if (strcmp(value, "true") && strcmp(value, "false")) {
			snprintf(err, errlen, "%s: use true or false", key);
			return EINVAL;
		}
		c->demo = strcmp(value, "true") == 0;
		return 0;
	}
	snprintf(err, errlen,
	         "unknown setting \"%s\" (known: db, http, sip, static, prompts, recordings, "
	         "municipality, log-level, durability, token-ttl, max-body, attachment-max-bytes, "
	         "retention-months, "
	         "feedback-limit, "
	         "login-limit, login-address-limit, http-per-address, http-head-timeout, "
	         "http-body-min-rate, read-workers, rtp-timeout, mail-max-bytes, "
	         "mail-max-attachment, mail-files, files, mail-domain, demo, oidc-issuer, "
	         "oidc-client-id, oidc-client-secret, oidc-redirect, oidc-scopes, "
	         "oidc-groups-claim, oidc-role-map, oidc-jwks-refresh, local-passwords, "
	         "trusted-proxies, smtp-url, smtp-user, smtp-password, smtp-starttls, "
	         "mail-poll-seconds, metrics-token, node, public-url, notice-check-seconds, "
	         "mail-ca-file, smtp-ca-file)",
	         key);
	return EINVAL;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	char line[4096], msg[300];
	FILE *f = fopen(path, "r");
	int lineno = 0, rc = 0;

	if (!f) {
		snprintf(err, errlen, "%s: cannot open", path);
		return ENOENT;
	}
	while (fgets(line, sizeof(line), f)) {
		char *k, *v, *eq, *hash;

		lineno++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		k = trim(line);
		if (!*k)
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
			rc = EINVAL;
			break;
		}
		*eq = '\0';
		v = trim(eq + 1);
		k = trim(k);
		if (strlen(v) >= 2 && v[0] == '"' && v[strlen(v) - 1] == '"') {
			v[strlen(v) - 1] = '\0';
			v++;
		}
		if (config_set(c, k, v, msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			rc = EINVAL;
			break;
		}
	}
	fclose(f);
	return rc;
}
