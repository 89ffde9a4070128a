/* Tenants on a shared PostgreSQL cluster (store/tenant_pg.c, included to reach the URL
 * builder): which names are tenants' names, the URL a tenant's nodes get, and errors that
 * come before any server is asked. The cluster's side is tests/integration/test_tenants.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/tenant_pg.c"

static void test_names(void **state)
{
	(void)state;
	assert_true(tenant_name_valid("sollentuna"));
	assert_true(tenant_name_valid("upplands_vasby"));
	assert_true(tenant_name_valid("a"));
	assert_true(tenant_name_valid("2026"));
	assert_true(tenant_name_valid("ssssssssssssssssssssssssssssssssssssssss"));   /* 40 */
	assert_false(tenant_name_valid("sssssssssssssssssssssssssssssssssssssssss")); /* 41 */
	assert_false(tenant_name_valid(""));
	assert_false(tenant_name_valid(NULL));
	assert_false(tenant_name_valid("Solna"));
	assert_false(tenant_name_valid("upplands-vasby"));
	assert_false(tenant_name_valid("täby"));
	assert_false(tenant_name_valid("a b"));
	assert_false(tenant_name_valid("x\";DROP"));
}

static void check_url(const char *cluster, const char *want)
{
	char *url = NULL, msg[200];

	assert_int_equal(tenant_url(cluster, "lotsen_solna", &url, msg, sizeof(msg)), 0);
	assert_string_equal(url, want);
	free(url);
}

static void test_url_keeps_the_place_and_options_and_drops_the_password(void **state)
{
	(void)state;
	check_url("postgresql://lotsen@/lotsen?host=/tmp/lotsen-pg.x1",
	          "postgresql://lotsen_solna@/lotsen_solna?host=/tmp/lotsen-pg.x1");
	check_url("postgresql://admin:hemligt@db.example.se:5433/postgres?sslmode=verify-full",
	          "postgresql://lotsen_solna@db.example.se:5433/lotsen_solna?sslmode=verify-full");
	check_url("postgres://db.example.se/postgres",
	          "postgresql://lotsen_solna@db.example.se/lotsen_solna");
	/* several hosts (libpq's ports: each empty, the default), an IPv6 address: in the
	 * query, where libpq reads them too */
	check_url("postgresql://admin@a.example.se,b.example.se/postgres",
	          "postgresql://lotsen_solna@/"
	          "lotsen_solna?host=a.example.se%2Cb.example.se&port=%2C");
	check_url("postgresql://admin@[::1]:5432/postgres",
	          "postgresql://lotsen_solna@/lotsen_solna?host=%3A%3A1&port=5432");
	check_url("host=db.example.se user=admin password=x dbname=postgres application_name='a b'",
	          "postgresql://lotsen_solna@db.example.se/lotsen_solna?application_name=a%20b");
}

static void test_errors_before_the_server(void **state)
{
	struct tenant_created t;
	char msg[300];

	(void)state;
	assert_int_equal(tenant_create("postgresql://x@/y?host=/nowhere", "Solna", false, &t, msg,
	                               sizeof(msg)),
	                 EINVAL);
	assert_non_null(strstr(msg, "bad tenant name \"Solna\""));
	assert_null(t.url);
	assert_int_equal(tenant_create("postgresql://x@/y?host=/nowhere/at/all", "solna", false, &t,
	                               msg, sizeof(msg)),
	                 EHOSTUNREACH);
	assert_non_null(strstr(msg, "cannot connect to the cluster"));
	assert_null(strstr(msg, "postgresql://")); /* never the URL */
	assert_int_equal(tenant_create("postgresql://x@/y?nosuchoption=1", "solna", false, &t, msg,
	                               sizeof(msg)),
	                 EINVAL);
	assert_non_null(strstr(msg, "cluster's URL"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_names),
	        cmocka_unit_test(test_url_keeps_the_place_and_options_and_drops_the_password),
	        cmocka_unit_test(test_errors_before_the_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
