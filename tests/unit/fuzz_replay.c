/* Every fuzz harness over its seeds, crashes found so far included, in the normal and the
 * sanitizer builds (a test binary test_fuzz_<name> per fuzz/fuzz_<name>.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int read_all(const char *path, uint8_t **out, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;
	int err = 0;

	if (!f)
		return 1;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		err = 1;
		goto out;
	}
	buf = malloc((size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
		err = 1;
		goto out;
	}
	*out = buf;
	*n = (size_t)len;
out:
	fclose(f);
	return err;
}

static void test_replay_seeds(void **state)
{
	const char *dir = LOTSEN_SOURCE_DIR "/fuzz/corpus/" FUZZ_NAME;
	struct dirent **names = NULL;
	int n, runs = 0;

	(void)state;
	n = scandir(dir, &names, NULL, alphasort);
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		char path[1024];
		uint8_t *data = NULL;
		size_t len = 0;

		if (names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			assert_int_equal(read_all(path, &data, &len), 0);
			LLVMFuzzerTestOneInput(data, len);
			free(data);
			runs++;
		}
		free(names[i]);
	}
	free(names);
	assert_true(runs > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_replay_seeds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
