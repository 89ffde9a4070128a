/* Open-loop HTTP load for Lotsen's benchmarks: requests are scheduled at a fixed rate and
 * latency is measured from the scheduled time, so a slow server cannot hide its queueing.
 * A probe thread notes meanwhile how late the machine wakes a thread that only sleeps
 * (host_probe); --rate 0 runs the probe alone (with --spin N busy threads at the lowest
 * priority beside it); --trace FILE writes each request's scheduled time and latency. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAXC 512

struct conn {
	int fd;          /* socket */
	int busy;        /* a request is in flight */
	double sched;    /* when the request in flight was scheduled */
	char buf[16384]; /* response bytes so far */
	size_t len;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The host probe: a thread that only sleeps 1 ms at a time and notes how late it wakes.
 * It does no work, so when it wakes late the machine itself gave no core: another guest
 * on the host, or the host throttling this one. A run whose probe saw stalls is a run the
 * server had stalls in that are none of its own making. */
#define PROBE_MAX 120000
static atomic_bool probe_stop;
static double probe_late[PROBE_MAX]; /* ms late per wake-up */
static size_t probe_n;

static void *probe_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&probe_stop) && probe_n < PROBE_MAX) {
		struct timespec d = {0, 1000000};
		double t = now_s();
		nanosleep(&d, NULL);
		probe_late[probe_n++] = (now_s() - t) * 1e3 - 1.0;
	}
	return NULL;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void probe_report(void)
{
	size_t s5 = 0, s2 = 0;

	if (probe_n == 0)
		return;
	for (size_t i = 0; i < probe_n; i++) {
		s2 += probe_late[i] > 2.0;
		s5 += probe_late[i] > 5.0;
	}
	qsort(probe_late, probe_n, sizeof(double), cmp_d);
	printf("host_probe wakeups=%zu late_over_2ms=%zu late_over_5ms=%zu late_p99_ms=%.2f "
	       "late_max_ms=%.2f\n",
	       probe_n, s2, s5, probe_late[probe_n * 99 / 100], probe_late[probe_n - 1]);
}

/* --spin: a thread that only burns CPU at the lowest priority. Inside this machine it
 * yields to anything else at once, so what the probe then sees is the host's answer to a
 * guest whose cores are all busy. */
static void *spin_main(void *arg)
{
	volatile unsigned long n = 0;

	(void)arg;
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
	while (!atomic_load(&probe_stop))
		n++;
	return NULL;
}

/* --rate 0: no requests, only the probe (and --spin threads) for --duration seconds. */
static int probe_only(double duration, int spin)
{
	pthread_t probe, spinners[16];
	int nspin = 0;

	if (pthread_create(&probe, NULL, probe_main, NULL) != 0)
		return 1;
	for (; nspin < spin && nspin < 16; nspin++)
		if (pthread_create(&spinners[nspin], NULL, spin_main, NULL) != 0)
			break;
	struct timespec d = {(time_t)duration, (long)((duration - (double)(time_t)duration) * 1e9)};
	nanosleep(&d, NULL);
	atomic_store(&probe_stop, true);
	pthread_join(probe, NULL);
	for (int i = 0; i < nspin; i++)
		pthread_join(spinners[i], NULL);
	printf("probe_only duration_s=%.0f spinning_threads=%d\n", duration, nspin);
	probe_report();
	return 0;
}

static int dial(const char *host, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	inet_pton(AF_INET, host, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* A whole response is in: headers plus Content-Length bytes. Returns its size or 0. */
static size_t complete(struct conn *c, int *status)
{
	char *hdr_end;
	char *cl;
	size_t body = 0, hl;

	c->buf[c->len] = '\0';
	hdr_end = strstr(c->buf, "\r\n\r\n");
	if (!hdr_end)
		return 0;
	hl = (size_t)(hdr_end - c->buf) + 4;
	cl = strcasestr(c->buf, "Content-Length:");
	if (cl && cl < hdr_end)
		body = strtoul(cl + 15, NULL, 10);
	if (c->len < hl + body)
		return 0;
	*status = (int)strtol(c->buf + 9, NULL, 10);
	return hl + body;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *path = "/api/v1/cases", *token = "", *bodyf = NULL,
	           *tracef = NULL;
	int port = 8080, nconn = 32, expect = 201, spin = 0;
	double rate = 1000, duration = 10;
	char req[8192], body[4096] = "";
	size_t reqlen, bodylen = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port"))
			port = (int)strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--path"))
			path = argv[i + 1];
		else if (!strcmp(argv[i], "--token"))
			token = argv[i + 1];
		else if (!strcmp(argv[i], "--body"))
			bodyf = argv[i + 1];
		else if (!strcmp(argv[i], "--rate"))
			rate = strtod(argv[i + 1], NULL);
		else if (!strcmp(argv[i], "--duration"))
			duration = strtod(argv[i + 1], NULL);
		else if (!strcmp(argv[i], "--connections"))
			nconn = (int)strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--expect"))
			expect = (int)strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--trace"))
			tracef = argv[i + 1];
		else if (!strcmp(argv[i], "--spin"))
			spin = (int)strtol(argv[i + 1], NULL, 10);
	}
	if (rate <= 0)
		return probe_only(duration, spin);
	if (nconn > MAXC)
		nconn = MAXC;
	if (bodyf) {
		FILE *f = fopen(bodyf, "r");
		if (!f) {
			perror(bodyf);
			return 1;
		}
		bodylen = fread(body, 1, sizeof(body) - 1, f);
		fclose(f);
	}
	/* "#######" in the body is replaced by the request's number, so every request can
	 * carry its own citizen (as real traffic does) while the length stays the same. */
	char *slot = strstr(body, "#######");
	reqlen = (size_t)snprintf(req, sizeof(req),
	                          "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
	                          "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
	                          bodyf ? "POST" : "GET", path, host, token, bodylen, body);
	char *rslot = slot ? req + reqlen - bodylen + (size_t)(slot - body) : NULL;

	struct conn *cs = calloc((size_t)nconn, sizeof(*cs));
	int ep = epoll_create1(0);
	for (int i = 0; i < nconn; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
		cs[i].fd = dial(host, port);
		epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
	}
	/* The next send time is a timer in the epoll set: the generator sleeps until then
	 * instead of spinning (epoll_wait counts in whole milliseconds, and at 2 000/s the
	 * gap is half of one), so it takes no core from the server it measures. */
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct epoll_event tev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &tev);
	size_t total = (size_t)(rate * duration), sent = 0, done = 0, bad = 0;
	double *lat = calloc(total, sizeof(double));
	double *at = calloc(total, sizeof(double)); /* when each answered request was scheduled */
	pthread_t probe;
	int probing = pthread_create(&probe, NULL, probe_main, NULL) == 0;
	double t0 = now_s();
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	double t0_real = (double)rt.tv_sec + (double)rt.tv_nsec / 1e9;

	while (done < total) {
		double t = now_s();
		int stalled = 0;
		/* start every request whose time has come on an idle connection */
		while (sent < total && t0 + (double)sent / rate <= t) {
			int k = -1;
			for (int i = 0; i < nconn; i++)
				if (!cs[i].busy) {
					k = i;
					break;
				}
			if (k < 0) {
				stalled = 1; /* a response frees a connection and wakes the loop */
				break;
			}
			cs[k].busy = 1;
			cs[k].sched = t0 + (double)sent / rate;
			cs[k].len = 0;
			if (rslot) {
				char num[8];
				snprintf(num, sizeof(num), "%07zu", sent % 10000000);
				memcpy(rslot, num, 7);
			}
			if (write(cs[k].fd, req, reqlen) != (ssize_t)reqlen) {
				perror("write");
				return 1;
			}
			sent++;
		}
		if (sent < total && !stalled) {
			double next = t0 + (double)sent / rate;
			struct itimerspec its = {
			        .it_value = {.tv_sec = (time_t)next,
			                     .tv_nsec =
			                             (long)((next - (double)(time_t)next) * 1e9)}};
			if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
				its.it_value.tv_nsec = 1;
			timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
		}
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, 100);
		for (int e = 0; e < n; e++) {
			if (evs[e].data.u32 == UINT32_MAX) {
				uint64_t ticks;
				if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
					perror("timerfd");
				continue;
			}
			struct conn *c = &cs[evs[e].data.u32];
			ssize_t r = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
			int status = 0;
			size_t used;
			if (r <= 0) {
				if (r < 0 && errno == EAGAIN)
					continue;
				fprintf(stderr, "connection closed by server\n");
				return 1;
			}
			c->len += (size_t)r;
			used = complete(c, &status);
			if (!used)
				continue;
			at[done] = c->sched - t0;
			lat[done++] = now_s() - c->sched;
			bad += status != expect;
			c->busy = 0;
			c->len = 0;
		}
	}
	double elapsed = now_s() - t0;
	if (probing) {
		atomic_store(&probe_stop, true);
		pthread_join(probe, NULL);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	/* --trace: one line per request, "scheduled_s latency_ms", to see whether the slow
	 * ones come alone or in bursts (a stall of the server or of the host) */
	if (tracef) {
		FILE *tf = fopen(tracef, "w");
		if (tf) {
			fprintf(tf, "# t0_realtime %.6f\n", t0_real);
			for (size_t i = 0; i < done; i++)
				fprintf(tf, "%.6f %.3f\n", at[i], lat[i] * 1e3);
			fclose(tf);
		}
	}
	free(at);
	qsort(lat, done, sizeof(double), cmp_d);
	printf("rate=%.0f achieved=%.0f requests=%zu errors=%zu p50_ms=%.2f p90_ms=%.2f "
	       "p99_ms=%.2f max_ms=%.2f loadgen_cpu_ms=%.0f\n",
	       rate, (double)done / elapsed, done, bad, lat[done / 2] * 1e3,
	       lat[done * 9 / 10] * 1e3, lat[done * 99 / 100] * 1e3, lat[done - 1] * 1e3,
	       (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	               (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3);
	if (probing)
		probe_report();
	free(lat);
	free(cs);
	return bad ? 2 : 0;
}
