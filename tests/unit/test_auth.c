/* Authorization rules: who may read and change which case, and which client's data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/auth.h"

static const struct principal agent = {.id = 1, .role = ROLE_AGENT};
static const struct principal lead = {.id = 2, .role = ROLE_GROUP_LEAD};
static const struct principal manager = {.id = 3, .role = ROLE_MANAGER};
static const struct principal admin = {.id = 4, .role = ROLE_ADMIN};
static const struct principal viewer = {.id = 5, .role = ROLE_CLIENT_VIEWER, .client_id = 7};
static const struct principal orphan_viewer = {.id = 6, .role = ROLE_CLIENT_VIEWER};

static void test_ordinary_case_visible_to_staff(void **state)
{
	struct case_access c = {.group_id = 1, .client_id = 7};

	(void)state;
	assert_true(auth_can_read_case(&agent, &c));
	assert_true(auth_can_read_case(&lead, &c));
	assert_true(auth_can_read_case(&manager, &c));
	assert_true(auth_can_read_case(&admin, &c));
	assert_true(auth_can_write_case(&agent, &c));
}

static void test_confidential_only_group_and_managers(void **state)
{
	struct case_access c = {.group_id = 1, .client_id = 7, .confidential = true};

	(void)state;
	assert_false(auth_can_read_case(&agent, &c));
	assert_false(auth_can_read_case(&lead, &c));
	assert_true(auth_can_read_case(&manager, &c));
	assert_true(auth_can_read_case(&admin, &c));
	c.member_of_group = true;
	assert_true(auth_can_read_case(&agent, &c));
	assert_true(auth_can_read_case(&lead, &c));
}

static void test_client_viewer_only_own_handed_over(void **state)
{
	struct case_access c = {.group_id = 1, .client_id = 7};

	(void)state;
	assert_false(auth_can_read_case(&viewer, &c)); /* resolved by the center: not theirs */
	c.handed_over = true;
	assert_true(auth_can_read_case(&viewer, &c));
	assert_false(auth_can_write_case(&viewer, &c)); /* they answer handovers, never edit */
	c.client_id = 8;
	assert_false(auth_can_read_case(&viewer, &c));
	c.client_id = 0;
	assert_false(auth_can_read_case(&orphan_viewer, &c));
}

static void test_client_visibility(void **state)
{
	(void)state;
	assert_true(auth_can_see_client(&viewer, 7));
	assert_false(auth_can_see_client(&viewer, 8));
	assert_false(auth_can_see_client(&orphan_viewer, 0));
	assert_true(auth_can_see_client(&agent, 8));
	assert_true(auth_can_see_client(&manager, 8));
}

static void test_role_names_round_trip(void **state)
{
	static const char *const names[] = {"agent", "group_lead", "manager", "admin",
	                                    "client_viewer"};
	enum role r;

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(role_parse(names[i], &r), 0);
		assert_string_equal(role_name(r), names[i]);
	}
	assert_int_not_equal(role_parse("Admin", &r), 0);
	assert_int_not_equal(role_parse("", &r), 0);
	assert_int_not_equal(role_parse(NULL, &r), 0);
}

static void test_password_hash_is_argon2id_and_salted(void **state)
{
	char a[128], b[128];

	(void)state;
	assert_int_equal(auth_password_hash("rätt-lösenord", a), 0);
	assert_int_equal(auth_password_hash("rätt-lösenord", b), 0);
	assert_memory_equal(a, "$argon2id$", 10);
	assert_string_not_equal(a, b); /* a fresh salt each time */
	assert_true(auth_password_verify(a, "rätt-lösenord"));
	assert_false(auth_password_verify(a, "fel-lösenord"));
	assert_false(auth_password_verify(a, ""));
	assert_false(auth_password_verify("not-a-hash", "rätt-lösenord"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ordinary_case_visible_to_staff),
	        cmocka_unit_test(test_confidential_only_group_and_managers),
	        cmocka_unit_test(test_client_viewer_only_own_handed_over),
	        cmocka_unit_test(test_client_visibility),
	        cmocka_unit_test(test_role_names_round_trip),
	        cmocka_unit_test(test_password_hash_is_argon2id_and_salted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
