/* The `oidc-role-map` setting, then the IdP groups of a login (the input's later lines) put
 * through it: the role granted must be one a map entry names, with at most SSO_GROUPS_MAX
 * response groups, and a client only for client_viewer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/auth.h"
#include "sso/sso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sso_map *m = NULL;
	const char *groups[16];
	size_t n = 0;
	char *buf, *p, *nl, err[200];
	struct sso_grant g;
	int64_t all[SSO_GROUPS_MAX];

	if (size > 8192)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	nl = strchr(buf, '\n');
	p = nl ? nl + 1 : NULL;
	if (nl)
		*nl = '\0';
	while (p && n < sizeof(groups) / sizeof(groups[0])) {
		groups[n++] = p;
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		p = nl ? nl + 1 : NULL;
	}
	if (sso_map_parse(&m, buf, err, sizeof(err)) == 0 && m) {
		if (sso_map_groups(m, all, SSO_GROUPS_MAX) > SSO_GROUPS_MAX)
			abort();
		if (sso_map_apply(m, groups, n, &g) == 0) {
			if (g.ngroups > SSO_GROUPS_MAX ||
			    (g.client_id && g.role != ROLE_CLIENT_VIEWER))
				abort();
		}
		sso_map_free(m);
	}
	free(buf);
	return 0;
}
