/* Intake of generated real-looking messages (plain, multipart/alternative, attachments,
 * replies that thread) into a temporary database file: messages per second, end to end
 * (parse, files, case, threading, commit). Usage: mail_intake [N] [durability full|normal] */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acd/acd_host.h"
#include "core/demo.h"
#include "kb/kb.h"
#include "mail/mail.h"
#include "report/report.h"
#include "store/db.h"
#include "store/schema.h"
#include "tel/tel_store.h"

#define NOW 1795428000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const names[] = {"Anna Svensson", "Göran Åberg", "Leila Haddad", "Per Öst",
                                    "Karin Björk"};
static const char *const subjects[] = {"Fråga om förskoleplats", "Bygglov för altan",
                                       "Snöröjning på Ängsvägen", "Faktura hemtjänst",
                                       "Parkeringstillstånd"};

/* Message i: one in four is a reply to an earlier one, one in five carries a 40 kB PDF. */
static size_t make(char *buf, size_t cap, int i)
{
	/* a reply comes from the sender of the message it answers */
	int who = (i % 4 == 3 ? i - 3 : i) % 997, kind = i % 3;
	size_t n = 0;

	n += (size_t)snprintf(buf + n, cap - n,
	                      "From: %s <person%d@example.se>\r\nTo: kontaktcenter@lotsen.example\r\n"
	                      "Subject: %s%s\r\nDate: Mon, 23 Nov 2026 09:%02d:00 +0100\r\n"
	                      "Message-ID: <bench-%d@example.se>\r\n",
	                      names[who % 5], who, i % 4 == 3 ? "Re: " : "", subjects[who % 5],
	                      i % 60, i);
	if (i % 4 == 3)
		n += (size_t)snprintf(buf + n, cap - n, "In-Reply-To: <bench-%d@example.se>\r\n", i - 3);
	n += (size_t)snprintf(buf + n, cap - n, "MIME-Version: 1.0\r\n");
	if (i % 5 == 0 || kind == 1) {
		n += (size_t)snprintf(
		        buf + n, cap - n,
		        "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\n"
		        "Content-Type: multipart/alternative; boundary=\"a\"\r\n\r\n--a\r\n"
		        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
		        "quoted-printable\r\n\r\nHej!=0D=0AJag undrar hur det g=C3=A5r med mitt "
		        "=C3=A4rende.\r\n--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
		        "<html><body><p>Hej!</p><p>Jag undrar hur det g&aring;r med mitt "
		        "&auml;rende.</p></body></html>\r\n--a--\r\n");
		if (i % 5 == 0) {
			n += (size_t)snprintf(buf + n, cap - n,
			                      "--m\r\nContent-Type: application/pdf\r\n"
			                      "Content-Disposition: attachment; filename=\"intyg.pdf\"\r\n"
			                      "Content-Transfer-Encoding: base64\r\n\r\n");
			for (int l = 0; l < 720; l++)
				n += (size_t)snprintf(buf + n, cap - n, "%s\r\n",
				                      "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVy");
		}
		n += (size_t)snprintf(buf + n, cap - n, "--m--\r\n");
	} else {
		n += (size_t)snprintf(buf + n, cap - n,
		                      "Content-Type: text/plain; charset=utf-8\r\n\r\nHej!\r\n\r\nJag har "
		                      "en fråga om %s. Kan ni höra av er?\r\n\r\nMvh\r\n%s\r\n",
		                      subjects[who % 5], names[who % 5]);
	}
	return n;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
	bool full = argc > 2 && strcmp(argv[2], "full") == 0;
	char dir[] = "/tmp/lotsen-bench-mail-XXXXXX", path[128], cmd[160];
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	struct db *db;
	bool loaded;
	long threaded = 0, failed = 0;
	double t0, t1;

	if (!buf || n < 1 || !mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/lotsen.db", dir);
	mail_init();
	if (db_open(&db, path,
	            &(struct db_opts){.durability = full ? DB_DURABLE_FULL : DB_DURABLE_NORMAL}) ||
	    schema_migrate(db) || kb_migrate(db) || acd_store_migrate(db) || tel_store_migrate(db) ||
	    report_store_migrate(db) || mail_migrate(db) ||
	    demo_load_if_empty(db, NOW - 86400, &loaded) ||
	    db_exec(db, "INSERT INTO mailboxes(address, group_id) SELECT"
	                " 'kontaktcenter@lotsen.example', id FROM groups ORDER BY id LIMIT 1"))
		return 1;
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		struct mail_intake_info info;
		int64_t c, r;
		size_t len = make(buf, cap, (int)i);
		if (mail_intake_ex(db, 1, buf, len, NOW + i / 100, NULL, &c, &r, &info))
			failed++;
		threaded += info.threaded;
	}
	t1 = now_s();
	printf("mail_intake messages=%ld threaded=%ld failed=%ld durability=%s seconds=%.2f "
	       "messages_per_s=%.0f\n",
	       n, threaded, failed, full ? "full" : "normal", t1 - t0, (double)n / (t1 - t0));
	db_close(db);
	free(buf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 && !failed ? 0 : 1;
}
