/* The latency histogram behind GET /metrics (base/metric.c), the entity tag of records
 * (core/resource.c), and the OpenAPI table's entries, each of which must name a route
 * that exists (http/api_openapi.c, included to reach its static table). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/metric.h"
#include "core/resource.h"
#include "http/api_openapi.c"

static void test_buckets_are_cumulative_and_inf_counts_all(void **state)
{
	struct metric_hist h = {0};

	(void)state;
	metric_hist_observe(&h, 0.0001); /* first bucket */
	metric_hist_observe(&h, 0.001);  /* exactly on a bound: that bucket (le) */
	metric_hist_observe(&h, 0.3);
	metric_hist_observe(&h, 60); /* above the last bound: only +Inf */
	metric_hist_observe(&h, -1); /* a clock step back counts as 0 */
	assert_int_equal(h.count, 5);
	assert_int_equal(metric_hist_le(&h, 0), 2);
	assert_int_equal(metric_hist_le(&h, 1), 3);
	assert_int_equal(metric_hist_le(&h, 8), 3); /* le 0.25 */
	assert_int_equal(metric_hist_le(&h, 9), 4); /* le 0.5 */
	assert_int_equal(metric_hist_le(&h, METRIC_BUCKETS - 1), 4);
	assert_true(h.sum > 60.30 && h.sum < 60.31);
	for (int i = 1; i < METRIC_BUCKETS; i++)
		assert_true(metric_bounds[i] > metric_bounds[i - 1]);
}

static void test_record_etag_follows_content_not_key_order(void **state)
{
	char a[RESOURCE_ETAG_SIZE], b[RESOURCE_ETAG_SIZE], c[RESOURCE_ETAG_SIZE];
	json_t *x = json_pack("{s:i,s:s}", "id", 7, "name", "Kultur");
	json_t *y = json_pack("{s:s,s:i}", "name", "Kultur", "id", 7);
	json_t *z = json_pack("{s:i,s:s}", "id", 7, "name", "Kultur och fritid");

	(void)state;
	assert_int_equal(resource_etag(x, a), 0);
	assert_int_equal(resource_etag(y, b), 0);
	assert_int_equal(resource_etag(z, c), 0);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), 35);
	assert_true(a[0] == '"' && a[1] == 'r' && a[34] == '"');
	assert_int_equal(resource_etag(NULL, a), EINVAL);
	json_decref(x);
	json_decref(y);
	json_decref(z);
}

static bool route_exists(const char *method, const char *pattern)
{
	for (size_t t = 0; router_tables[t]; t++)
		for (const struct route *rt = router_tables[t]; rt->pattern; rt++)
			if (strcmp(rt->method, method) == 0 && strcmp(rt->pattern, pattern) == 0)
				return true;
	return false;
}

static void test_every_documented_operation_is_a_route(void **state)
{
	json_t *doc;

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		if (!route_exists(docs[i].method, docs[i].pattern))
			fail_msg("documented but not routed: %s %s", docs[i].method,
			         docs[i].pattern);
	}
	assert_int_equal(api_openapi_document(&doc), 0);
	assert_non_null(json_object_get(json_object_get(doc, "paths"), "/api/v1/openapi.json"));
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_buckets_are_cumulative_and_inf_counts_all),
	        cmocka_unit_test(test_record_etag_follows_content_not_key_order),
	        cmocka_unit_test(test_every_documented_operation_is_a_route),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
