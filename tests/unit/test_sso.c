/* OpenID Connect login's pure parts: the role map and PKCE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sso/sso.h"

static const char MAP[] = "kc-agenter=agent:group=1, kc-ledare=lead:group=2, kc-chefer=manager,"
                          " it-admin=admin, socialtjansten=client_viewer:client=7";

static struct sso_map *map(const char *spec)
{
	struct sso_map *m = NULL;
	char err[200] = "";

	assert_int_equal(sso_map_parse(&m, spec, err, sizeof(err)), 0);
	return m;
}

static void test_roles_by_rank(void **state)
{
	struct sso_map *m = map(MAP);
	struct sso_grant g;
	const char *agent[] = {"kc-agenter"};
	const char *lead[] = {"kc-agenter", "kc-ledare", "okänd"};
	const char *boss[] = {"kc-ledare", "kc-chefer"};
	const char *social[] = {"socialtjansten"};
	const char *social_agent[] = {"socialtjansten", "kc-agenter"};
	const char *none[] = {"bibliotek", "KC-AGENTER"};

	(void)state;
	assert_int_equal(sso_map_apply(m, agent, 1, &g), 0);
	assert_int_equal(g.role, ROLE_AGENT);
	assert_int_equal(g.ngroups, 1);
	assert_int_equal(g.groups[0], 1);
	assert_int_equal(g.client_id, 0);
	/* a lead is in both groups (the agents' and the leads') */
	assert_int_equal(sso_map_apply(m, lead, 3, &g), 0);
	assert_int_equal(g.role, ROLE_GROUP_LEAD);
	assert_string_equal(g.idp_group, "kc-ledare");
	assert_int_equal(g.ngroups, 2);
	assert_int_equal(g.groups[0] + g.groups[1], 3);
	assert_int_equal(sso_map_apply(m, boss, 2, &g), 0);
	assert_int_equal(g.role, ROLE_MANAGER);
	assert_int_equal(g.ngroups, 1); /* still group 2 from kc-ledare */
	assert_int_equal(sso_map_apply(m, social, 1, &g), 0);
	assert_int_equal(g.role, ROLE_CLIENT_VIEWER);
	assert_int_equal(g.client_id, 7);
	/* staff and a department: the staff role, no client */
	assert_int_equal(sso_map_apply(m, social_agent, 2, &g), 0);
	assert_int_equal(g.role, ROLE_AGENT);
	assert_int_equal(g.client_id, 0);
	/* names are exact (case matters) */
	assert_int_equal(sso_map_apply(m, none, 2, &g), ENOENT);
	assert_int_equal(sso_map_apply(m, NULL, 0, &g), ENOENT);
	sso_map_free(m);
}

static void test_groups_named(void **state)
{
	struct sso_map *m = map("a=agent:group=3:group=4, b=lead:group=4:group=5, c=admin");
	int64_t g[8];

	(void)state;
	assert_int_equal(sso_map_groups(m, g, 8), 3);
	assert_int_equal(g[0], 3);
	assert_int_equal(g[1], 4);
	assert_int_equal(g[2], 5);
	sso_map_free(m);
	/* a group name with '=' in it (an LDAP name): the role follows the last '=' */
	m = map("CN=Kontaktcenter=agent:group=1");
	{
		const char *cn[] = {"CN=Kontaktcenter"};
		struct sso_grant gr;
		assert_int_equal(sso_map_apply(m, cn, 1, &gr), 0);
		assert_int_equal(gr.role, ROLE_AGENT);
	}
	sso_map_free(m);
}

static void test_bad_maps(void **state)
{
	static const struct {
		const char *spec;
		const char *says;
	} bad[] = {
	        {"", "no entries"},
	        {" , ", "no entries"},
	        {"kc-agenter", "IDP-GROUP=ROLE"},
	        {"=agent", "IDP-GROUP=ROLE"},
	        {"kc=kung", "unknown role \"kung\""},
	        {"kc=agent:group=0", "group=ID"},
	        {"kc=agent:group=-1", "group=ID"},
	        {"kc=agent:group=x", "group=ID"},
	        {"kc=agent:grupp=1", "grupp=1"},
	        {"soc=client_viewer", "needs :client=ID"},
	        {"soc=client_viewer:client=1:client=2", "client=2"},
	        {"soc=client_viewer:client=1:group=2", "takes no :group"},
	        {"kc=agent:client=1", "only client_viewer"},
	};
	char err[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sso_map *m = (struct sso_map *)1;
		err[0] = '\0';
		assert_int_equal(sso_map_parse(&m, bad[i].spec, err, sizeof(err)), EINVAL);
		assert_null(m);
		if (!strstr(err, bad[i].says))
			fail_msg("%s: \"%s\" does not say \"%s\"", bad[i].spec, err, bad[i].says);
	}
}

static void test_pkce_and_randoms(void **state)
{
	char c[44], a[44], b[44];
	enum sso_passwords pw;

	(void)state;
	/* RFC 7636, appendix B */
	sso_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", c);
	assert_string_equal(c, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
	sso_random(a);
	sso_random(b);
	assert_int_equal(strlen(a), 43);
	assert_string_not_equal(a, b);
	assert_int_equal(
	        strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
	assert_int_equal(sso_passwords_parse("admins", &pw), 0);
	assert_int_equal(pw, SSO_PASSWORDS_ADMINS);
	assert_int_equal(sso_passwords_parse("yes", &pw), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_roles_by_rank),
	        cmocka_unit_test(test_groups_named),
	        cmocka_unit_test(test_bad_maps),
	        cmocka_unit_test(test_pkce_and_randoms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
