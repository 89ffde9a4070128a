/* The `--config` file of `lotsen serve`: `key = value` lines, comments, quotes. The input
 * is handed over as a file, as the server reads it. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct config c;
	char path[64], err[300];

	if (size > 65536)
		return 0;
	if (fd < 0 && (fd = memfd_create("lotsen-fuzz.conf", 0)) < 0)
		return 0;
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	config_defaults(&c);
	(void)config_load(&c, path, err, sizeof(err));
	return 0;
}
