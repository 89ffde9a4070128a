/* The map from the OpenID provider's groups to Lotsen's roles, response groups and client. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sso/sso.h"

#define ENTRY_GROUPS_MAX 16 /* response groups one entry may name */

struct entry {
	char *idp_group;                  /* the provider's group name (owned) */
	enum role role;                   /* what it maps to */
	int64_t client_id;                /* client_viewer's department */
	int64_t groups[ENTRY_GROUPS_MAX]; /* Lotsen response groups */
	size_t ngroups;
};

struct sso_map {
	size_t n;
	struct entry *e; /* owned */
};

int sso_passwords_parse(const char *s, enum sso_passwords *out)
{
	if (s && strcmp(s, "on") == 0)
		*out = SSO_PASSWORDS_ON;
	else if (s && strcmp(s, "off") == 0)
		*out = SSO_PASSWORDS_OFF;
	else if (s && strcmp(s, "admins") == 0)
		*out = SSO_PASSWORDS_ADMINS;
	else
		return EINVAL;
	return 0;
}

void sso_map_free(struct sso_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->e[i].idp_group);
	free(m->e);
	free(m);
}

static char *trimmed(const char *s, size_t len)
{
	char *out;

	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	out = malloc(len + 1);
	if (out) {
		memcpy(out, s, len);
		out[len] = '\0';
	}
	return out;
}

static bool positive(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || *s < '1' || *s > '9')
		return false;
	v = strtoll(s, &end, 10);
	if (*end || v <= 0)
		return false;
	*out = v;
	return true;
}

/* One "IDP-GROUP=ROLE[:group=N…][:client=N]" entry, already trimmed. */
static int entry_parse(char *text, struct entry *e, char *err, size_t errlen)
{
	char *eq = strrchr(text, '='), *colon, *opt;

	/* The IdP group may hold '=' itself (an LDAP DN); the role is after the last '='
	 * that precedes the options. */
	colon = strchr(text, ':');
	if (colon) {
		*colon = '\0';
		eq = strrchr(text, '=');
		*colon = ':';
	}
	if (!eq || eq == text) {
		snprintf(err, errlen, "\"%.80s\" is not IDP-GROUP=ROLE", text);
		return EINVAL;
	}
	*eq = '\0';
	e->idp_group = trimmed(text, strlen(text));
	if (!e->idp_group)
		return ENOMEM;
	opt = eq + 1;
	colon = strchr(opt, ':');
	if (colon)
		*colon = '\0';
	{
		char *role = trimmed(opt, strlen(opt));
		int bad;

		if (!role)
			return ENOMEM;
		bad = strcmp(role, "lead") == 0 ? (e->role = ROLE_GROUP_LEAD, 0)
		                                : role_parse(role, &e->role);
		if (!bad && e->role == ROLE_WALLBOARD)
			bad = EINVAL; /* displays log in with their own token, never by SSO */
		if (bad) {
			snprintf(err, errlen,
			         "\"%.60s\": unknown role \"%.30s\" (agent, group_lead, manager, "
			         "admin, "
			         "client_viewer)",
			         e->idp_group, role);
			free(role);
			return EINVAL;
		}
		free(role);
	}
	while (colon) {
		char *next = strchr(colon + 1, ':');
		int64_t v;

		opt = colon + 1;
		if (next)
			*next = '\0';
		if (strncmp(opt, "group=", 6) == 0 && positive(opt + 6, &v)) {
			if (e->ngroups == ENTRY_GROUPS_MAX) {
				snprintf(err, errlen, "\"%.60s\": at most %d groups", e->idp_group,
				         ENTRY_GROUPS_MAX);
				return EINVAL;
			}
			e->groups[e->ngroups++] = v;
		} else if (strncmp(opt, "client=", 7) == 0 && positive(opt + 7, &v) &&
		           !e->client_id) {
			e->client_id = v;
		} else {
			snprintf(
			        err, errlen,
			        "\"%.60s\": \"%.40s\" is not group=ID or client=ID (a positive id, "
			        "client once)",
			        e->idp_group, opt);
			return EINVAL;
		}
		colon = next;
	}
	if (e->role == ROLE_CLIENT_VIEWER && !e->client_id) {
		snprintf(err, errlen, "\"%.60s\": client_viewer needs :client=ID", e->idp_group);
		return EINVAL;
	}
	if (e->role != ROLE_CLIENT_VIEWER && e->client_id) {
		snprintf(err, errlen, "\"%.60s\": only client_viewer takes :client=ID",
		         e->idp_group);
		return EINVAL;
	}
	if (e->role == ROLE_CLIENT_VIEWER && e->ngroups) {
		snprintf(err, errlen, "\"%.60s\": client_viewer takes no :group=ID", e->idp_group);
		return EINVAL;
	}
	return 0;
}

int sso_map_parse(struct sso_map **mp, const char *spec, char *err, size_t errlen)
{
	struct sso_map *m;
	const char *p = spec ? spec : "";
	size_t cap = 1;
	int rc = 0;

	*mp = NULL;
	for (const char *q = p; *q; q++)
		cap += *q == ',';
	m = calloc(1, sizeof(*m));
	if (!m || !(m->e = calloc(cap, sizeof(*m->e)))) {
		free(m);
		return ENOMEM;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		char *text = trimmed(p, len);

		if (!text) {
			rc = ENOMEM;
			break;
		}
		if (*text) {
			rc = entry_parse(text, &m->e[m->n], err, errlen);
			if (m->e[m->n].idp_group)
				m->n++; /* freed with the map, even when wrong */
		}
		free(text);
		if (rc)
			break;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!rc && m->n == 0) {
		snprintf(err, errlen, "no entries: give IDP-GROUP=ROLE[:group=ID][:client=ID], …");
		rc = EINVAL;
	}
	if (rc) {
		sso_map_free(m);
		return rc;
	}
	*mp = m;
	return 0;
}

static int rank(enum role r)
{
	switch (r) {
	case ROLE_ADMIN:
		return 5;
	case ROLE_MANAGER:
		return 4;
	case ROLE_GROUP_LEAD:
		return 3;
	case ROLE_AGENT:
		return 2;
	case ROLE_CLIENT_VIEWER:
		return 1;
	case ROLE_WALLBOARD:
		return 0; /* a display's role, never a person's */
	}
	return 0;
}

static void add_group(struct sso_grant *g, int64_t id)
{
	for (size_t i = 0; i < g->ngroups; i++)
		if (g->groups[i] == id)
			return;
	if (g->ngroups < SSO_GROUPS_MAX)
		g->groups[g->ngroups++] = id;
}

int sso_map_apply(const struct sso_map *m, const char *const *idp_groups, size_t n,
                  struct sso_grant *g)
{
	const struct entry *best = NULL;

	memset(g, 0, sizeof(*g));
	for (size_t i = 0; m && i < m->n; i++) {
		const struct entry *e = &m->e[i];
		bool member = false;

		for (size_t k = 0; k < n && !member; k++)
			member = idp_groups[k] && strcmp(idp_groups[k], e->idp_group) == 0;
		if (!member)
			continue;
		if (!best || rank(e->role) > rank(best->role))
			best = e;
		/* staff memberships add up (an agent in two groups' IdP groups is in both) */
		if (e->role != ROLE_CLIENT_VIEWER)
			for (size_t k = 0; k < e->ngroups; k++)
				add_group(g, e->groups[k]);
	}
	if (!best)
		return ENOENT;
	g->role = best->role;
	g->idp_group = best->idp_group;
	if (best->role == ROLE_CLIENT_VIEWER) {
		g->client_id = best->client_id;
		g->ngroups = 0; /* a department sees no queue */
	}
	return 0;
}

size_t sso_map_groups(const struct sso_map *m, int64_t *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; m && i < m->n; i++)
		for (size_t k = 0; k < m->e[i].ngroups; k++) {
			bool seen = false;
			for (size_t j = 0; j < n && !seen; j++)
				seen = out[j] == m->e[i].groups[k];
			if (!seen && n < max)
				out[n++] = m->e[i].groups[k];
		}
	return n;
}
