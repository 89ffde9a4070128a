/* Serves the web application's files from the static directory (GET only, no listings). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http/http_int.h"

static const struct {
	const char *ext;
	const char *ctype;
} types[] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
};

static const char *ctype_for(const char *path)
{
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].ctype;
	return "application/octet-stream";
}

int static_serve(struct req *r)
{
	char file[1024];
	struct stat st;
	struct MHD_Response *resp;
	const char *p = r->path;
	int fd, n;

	/* Only "/…": an empty path has no last character to look at. */
	if (!r->app->static_dir || p[0] != '/' || strstr(p, "..") || strchr(p, '\\'))
		return ENOENT;
	n = snprintf(file, sizeof(file), "%s%s%s", r->app->static_dir, p,
	             p[strlen(p) - 1] == '/' ? "index.html" : "");
	if (n < 0 || (size_t)n >= sizeof(file))
		return ENOENT;
	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
		n = snprintf(file, sizeof(file), "%s%s/index.html", r->app->static_dir, p);
		if (n < 0 || (size_t)n >= sizeof(file))
			return ENOENT;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ENOENT;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ENOENT;
	}
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!resp) {
		close(fd);
		return ENOMEM;
	}
	MHD_add_response_header(resp, "Content-Type", ctype_for(file));
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	resp_frame_guard(resp, "default-src 'self'; img-src 'self' data:; object-src 'none'");
	if (r->resp)
		MHD_destroy_response(r->resp);
	r->resp = resp;
	r->status = 200;
	return 0;
}
