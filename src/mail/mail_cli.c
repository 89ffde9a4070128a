/* `lotsen mail import`: .eml files and Maildirs through the same intake as IMAP. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "mail/mail_int.h"
#include "store/db.h"

struct counts {
	long taken, threaded, raw_only, review, duplicates, failed;
};

static int usage(void)
{
	fprintf(stderr, "usage: lotsen mail import --mailbox ADDRESS --db FILE FILE.eml|MAILDIR…\n"
	                "(a Maildir's cur/ and new/ are read; each message is taken once: the "
	                "same message imported again is counted as a duplicate)\n");
	return 2;
}

static int read_file(const char *path, char **data, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, len = 0;
	int err = 0;

	if (!f)
		return errno;
	for (;;) {
		size_t r;
		if (len + 65536 > cap) {
			size_t nc = cap ? cap * 2 : 131072;
			char *nb = realloc(buf, nc);
			if (!nb) {
				err = ENOMEM;
				break;
			}
			buf = nb;
			cap = nc;
		}
		r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0) {
			if (ferror(f))
				err = EIO;
			break;
		}
	}
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	*data = buf;
	*n = len;
	return 0;
}

static void import_file(struct db *db, int64_t box, const char *path, struct counts *c)
{
	struct mail_intake_info info;
	int64_t case_id, row;
	char *raw = NULL;
	size_t n = 0;
	int err = read_file(path, &raw, &n);

	if (!err)
		err = mail_intake_ex(db, box, raw, n, (int64_t)time(NULL), NULL, &case_id, &row,
		                     &info);
	free(raw);
	if (err == EEXIST) {
		c->duplicates++;
		return;
	}
	if (err) {
		fprintf(stderr, "lotsen mail import: %s: %s\n", path,
		        err == ENOENT ? "no agreement covers the mailbox's group today"
		                      : strerror(err));
		c->failed++;
		return;
	}
	c->taken++;
	c->threaded += info.threaded;
	c->raw_only += !info.parsed;
	c->review += info.needs_review;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void import_dir(struct db *db, int64_t box, const char *dir, struct counts *c)
{
	static const char *const subs[] = {"cur", "new"};

	for (size_t k = 0; k < 2; k++) {
		char sub[4096];
		struct dirent **names = NULL;
		int n;

		snprintf(sub, sizeof(sub), "%s/%s", dir, subs[k]);
		n = scandir(sub, &names, NULL, by_name);
		for (int i = 0; i < n; i++) {
			char path[8192];
			struct stat st;

			if (names[i]->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", sub, names[i]->d_name);
				if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
					import_file(db, box, path, c);
			}
			free(names[i]);
		}
		free(names);
	}
}

int mail_cli(struct db *db, int argc, char **argv)
{
	const char *address = NULL;
	struct mail_box box;
	struct counts c = {0};
	int files = 0;

	if (argc < 2 || strcmp(argv[1], "import") != 0)
		return usage();
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--mailbox") == 0 && i + 1 < argc)
			address = argv[++i];
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			i++;
		else if (argv[i][0] == '-')
			return usage();
		else
			files++;
	}
	if (!address || !files)
		return usage();
	if (mail_store_box_by_address(db, address, &box) != 0) {
		fprintf(stderr,
		        "lotsen mail import: no mailbox %s (add it with POST /api/v1/mailboxes)\n",
		        address);
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		struct stat st;

		if (strcmp(argv[i], "--mailbox") == 0 || strcmp(argv[i], "--db") == 0) {
			i++;
			continue;
		}
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "lotsen mail import: %s: %s\n", argv[i], strerror(errno));
			c.failed++;
		} else if (S_ISDIR(st.st_mode)) {
			import_dir(db, box.id, argv[i], &c);
		} else {
			import_file(db, box.id, argv[i], &c);
		}
	}
	printf("taken %ld (threaded %ld, raw only %ld, for review %ld), duplicates %ld, failed "
	       "%ld\n",
	       c.taken, c.threaded, c.raw_only, c.review, c.duplicates, c.failed);
	return c.failed ? 1 : 0;
}
