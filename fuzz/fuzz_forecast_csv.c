/* The files of `lotsen forecast`: the history of counts (interval_start,calls), the events
 * file (date,extra_calls) and the --closed list of dates. The first byte picks which. */
#include "../src/wfm/wfm_cli.c"

#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct rows rows = {0};
	struct forecast_event *ev = NULL;
	int64_t *days = NULL;
	char path[64], *s;
	int n = 0;

	if (size < 1 || size > 65536)
		return 0;
	if (fd < 0 && (fd = memfd_create("lotsen-fuzz.csv", 0)) < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	switch (data[0] % 3) {
	case 0:
	case 1:
		if (ftruncate(fd, 0) != 0 ||
		    pwrite(fd, data + 1, size - 1, 0) != (ssize_t)(size - 1))
			return 0;
		if (data[0] % 3 == 0)
			(void)read_counts("forecast", path, &rows);
		else
			(void)read_events(path, &ev, &n);
		break;
	case 2:
		s = malloc(size);
		if (!s)
			return 0;
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		(void)parse_closed(s, &days, &n);
		free(s);
		break;
	}
	free(rows.v);
	free(ev);
	free(days);
	return 0;
}
