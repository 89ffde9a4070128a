/* The web files: which request paths static_serve answers from the static directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <microhttpd.h>

#include "http/http_int.h"

static int serve(const char *path, unsigned *status)
{
	struct app app = {.static_dir = LOTSEN_SOURCE_DIR "/web"};
	struct req r = {.app = &app, .method = "GET", .path = path, .lang = "sv"};
	int err = static_serve(&r);

	*status = r.status;
	if (r.resp)
		MHD_destroy_response(r.resp);
	return err;
}

static void test_serves_files_and_index(void **state)
{
	unsigned status;

	(void)state;
	assert_int_equal(serve("/", &status), 0);
	assert_int_equal(status, 200);
	assert_int_equal(serve("/index.html", &status), 0);
	assert_int_equal(serve("/no-such-file.html", &status), ENOENT);
}

/* Found by fuzzing: an empty path was read one byte before its start. */
static void test_refuses_paths_not_from_the_root(void **state)
{
	unsigned status;

	(void)state;
	assert_int_equal(serve("", &status), ENOENT);
	assert_int_equal(serve("index.html", &status), ENOENT);
	assert_int_equal(serve("/../CMakeLists.txt", &status), ENOENT);
	assert_int_equal(serve("/css\\..\\index.html", &status), ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_serves_files_and_index),
	        cmocka_unit_test(test_refuses_paths_not_from_the_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
