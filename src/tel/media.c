/* RTP for one call leg: SDP offer/answer, a tone with comfort noise while the caller
 * waits, and the relay between the caller's and the agent's legs (media anchored here). */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "tel/tel_int.h" /* first: libre headers have no include guards */
#include <re_main.h>
#include <re_mem.h>
#include <re_rtp.h>
#include <re_sdp.h>
#include <re_sys.h>
#include <re_telev.h>

#define FRAME_MS      20
#define FRAME_SAMPLES 160 /* 20 ms at 8 kHz */
#define RTP_PORT_MIN  10000
#define RTP_PORT_MAX  20000
#define TONE_HZ       425.0  /* the Swedish tone frequency */
#define TONE_AMPL     3000.0 /* about -21 dBm0: audible, not loud */
#define TONE_ON       10     /* frames of tone (200 ms) … */
#define TONE_CYCLE    150    /* … every 3 s; the rest is comfort noise */
#define NOISE_AMPL    24     /* comfort noise, well below speech */
#define PLAY_MAX      16     /* prompts queued on a leg */
#define BEEP_FRAMES   50     /* a missing prompt is one second of tone */

struct media {
	struct rtp_sock *rtp;      /* our RTP socket (no RTCP in this slice) */
	struct sdp_session *sdp;   /* offer/answer state; owns sdpm */
	struct sdp_media *sdpm;    /* the audio stream, borrowed from sdp */
	struct sa raddr;           /* the remote side's RTP address; unset until SDP */
	int pt;                    /* agreed audio payload type, -1 before */
	bool alaw;                 /* PCMA (else PCMU) */
	int te_pt;                 /* the remote side's telephone-event type, -1 none */
	struct media *peer;        /* bridged leg (borrowed; each clears the other when freed) */
	struct media_clock *clock; /* sends our frames while we stream (referenced) */
	struct le cle;             /* in clock->legs while streaming */
	uint64_t next;             /* when the next frame is due (tmr_jiffies) */
	uint32_t ts;               /* our RTP timestamp */
	bool marker;               /* set the marker bit on the next packet sent */
	double phase;              /* tone oscillator, radians */
	uint32_t frame;            /* frames sent, for the tone cadence */
	uint32_t seed;             /* comfort-noise generator */
	uint64_t rx, tx, relayed;  /* counters, logged when the call ends */
	uint64_t heard_at;         /* tmr_jiffies of the remote's last RTP or RTCP, or of its
	                            * last SDP (a new offer or answer starts the count again) */
	bool tone_on;              /* the tone plays when no prompt does */
	struct prompt *play[PLAY_MAX]; /* prompts to play, referenced */
	size_t nplay, cur, off;        /* how many, which one is playing, its next sample */
	uint32_t beep;                 /* frames of tone left in place of missing prompts */
	media_done_h *doneh;           /* after the last prompt */
	void *done_arg;
	struct telev *telev;  /* RFC 4733 receiver */
	media_dtmf_h *dtmfh;  /* digits while not bridged */
	struct recorder *rec; /* what this leg receives is recorded here (borrowed) */
	int rec_side;         /* as which side */
	struct recorder *mon; /* … and mixed for a coach listening in (borrowed) */
	int mon_side;
	void *dtmf_arg;
};

/* One 20 ms tick for every leg that streams, from a timerfd of its own. A timer per leg
 * was O(calls) to re-arm: libre keeps its timers in one sorted list, and each call leaves
 * a 32 s one (its INVITE and BYE transactions') behind, so a 20 ms timer re-armed fifty
 * times a second walked past them all. A periodic timerfd is never re-armed. */
struct media_clock {
	int fd;           /* the timerfd, listened to on the loop */
	bool armed;       /* ticking: some leg streams */
	struct list legs; /* struct media (cle), not referenced: a leg leaves when freed */
};

#define DONE_MAX 64 /* prompts that may end in one tick; more wait for the next */

static void clock_arm(struct media_clock *c, bool on)
{
	struct itimerspec its = {0};

	if (c->armed == on || c->fd < 0)
		return;
	if (on) {
		its.it_value.tv_nsec = 1; /* the first tick now, then every 20 ms */
		its.it_interval.tv_nsec = FRAME_MS * 1000000L;
	}
	if (timerfd_settime(c->fd, 0, &its, NULL) == 0)
		c->armed = on;
}

static void clock_destructor(void *arg)
{
	struct media_clock *c = arg;

	if (c->fd >= 0) {
		fd_close(c->fd);
		(void)close(c->fd);
	}
	list_clear(&c->legs); /* empty: every leg holds a reference */
}

/* Comfort noise, encoded once: a leg in the tone's silence (most of its wait) copies its
 * frames from here, starting where its own seed says, instead of encoding 160 samples. */
#define NOISE_LEN 8000                  /* one second */
static uint8_t noise_enc[2][NOISE_LEN]; /* [0] µ-law, [1] A-law */
static pthread_once_t noise_once = PTHREAD_ONCE_INIT;

static void noise_init(void)
{
	uint32_t seed = 0x4c6f7473u;

	for (size_t i = 0; i < NOISE_LEN; i++) {
		int16_t s;

		seed = seed * 1103515245u + 12345u;
		s = (int16_t)((int)((seed >> 16) % (2 * NOISE_AMPL + 1)) - NOISE_AMPL);
		noise_enc[0][i] = g711_ulaw_encode(s);
		noise_enc[1][i] = g711_alaw_encode(s);
	}
}

static void noise_frame(struct media *m, uint8_t *enc)
{
	const uint8_t *src = noise_enc[m->alaw ? 1 : 0];
	size_t at = m->seed % NOISE_LEN, n = FRAME_SAMPLES;

	if (at + n > NOISE_LEN) {
		size_t first = NOISE_LEN - at;

		memcpy(enc, src + at, first);
		memcpy(enc + first, src, n - first);
	} else {
		memcpy(enc, src + at, n);
	}
	m->seed = (uint32_t)((at + n) % NOISE_LEN);
}

static void clock_fd_h(int flags, void *arg);

int media_clock_alloc(struct media_clock **cp)
{
	struct media_clock *c;

	if (!cp)
		return EINVAL;
	c = mem_zalloc(sizeof(*c), clock_destructor);
	if (!c)
		return ENOMEM;
	list_init(&c->legs);
	c->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->fd < 0) {
		int err = errno;
		mem_deref(c);
		return err;
	}
	int err = fd_listen(c->fd, FD_READ, clock_fd_h, c);
	if (err) {
		mem_deref(c);
		return err;
	}
	*cp = c;
	return 0;
}

static void clock_leave(struct media *m)
{
	list_unlink(&m->cle);
	if (m->clock && !m->clock->legs.head)
		clock_arm(m->clock, false);
}

static void play_clear(struct media *m)
{
	for (size_t i = 0; i < m->nplay; i++)
		m->play[i] = mem_deref(m->play[i]);
	m->nplay = m->cur = m->off = 0;
	m->beep = 0;
}

static void destructor(void *arg)
{
	struct media *m = arg;

	clock_leave(m);
	if (m->peer)
		m->peer->peer = NULL;
	play_clear(m);
	mem_deref(m->telev);
	mem_deref(m->rtp);
	mem_deref(m->sdp);
	mem_deref(m->clock);
}

/* Forward what one side sends to the bridged side, translating payload types. */
static void recv_h(const struct sa *src, const struct rtp_header *hdr, struct mbuf *mb, void *arg)
{
	struct media *m = arg, *p = m->peer;
	uint8_t pt;

	(void)src;
	m->rx++;
	m->heard_at = tmr_jiffies();
	if (m->te_pt >= 0 && hdr->pt == m->te_pt && (!p || p->te_pt < 0)) {
		int event;
		bool end;
		/* One report per key (its end); a digit is only for us while not relayed. */
		if (!p && telev_recv(m->telev, mb, &event, &end) == 0 && end && m->dtmfh) {
			int d = telev_code2digit(event);
			if (d > 0)
				m->dtmfh((char)d, m->dtmf_arg);
		}
		return;
	}
	if (!p || p->pt < 0 || !sa_isset(&p->raddr, SA_ALL) || m->pt < 0)
		return;
	if (m->te_pt >= 0 && hdr->pt == m->te_pt) {
		if (p->te_pt < 0)
			return;
		pt = (uint8_t)p->te_pt;
	} else if (hdr->pt == m->pt) {
		if (m->rec || m->mon) {
			int16_t lin[320];
			size_t n = mbuf_get_left(mb);
			if (n > 320)
				n = 320;
			for (size_t i = 0; i < n; i++)
				lin[i] = m->alaw ? g711_alaw_decode(mb->buf[mb->pos + i])
				                 : g711_ulaw_decode(mb->buf[mb->pos + i]);
			recorder_feed(m->rec, m->rec_side, lin, n);
			recorder_feed(m->mon, m->mon_side, lin, n);
		}
		if (m->alaw != p->alaw) {
			for (size_t i = mb->pos; i < mb->end; i++)
				mb->buf[i] = m->alaw ? g711_alaw_to_ulaw(mb->buf[i])
				                     : g711_ulaw_to_alaw(mb->buf[i]);
		}
		pt = (uint8_t)p->pt;
	} else {
		return; /* comfort noise (13) and the like are not passed on */
	}
	if (mb->pos < RTP_HEADER_SIZE)
		return;
	if (rtp_send(p->rtp, &p->raddr, false, hdr->m || p->marker, pt, hdr->ts, mb) == 0) {
		p->tx++;
		m->relayed++;
		p->marker = false;
	}
}

/* RTCP is not otherwise used (no session of our own), but a report proves the remote side
 * is still there as well as RTP does. */
static void rtcp_h(const struct sa *src, struct rtcp_msg *msg, void *arg)
{
	struct media *m = arg;

	(void)src;
	(void)msg;
	m->heard_at = tmr_jiffies();
}

int media_alloc(struct media **mp, const struct sa *ip, struct media_clock *clock)
{
	struct media *m;
	int err;

	if (!mp || !ip || !clock)
		return EINVAL;
	m = mem_zalloc(sizeof(*m), destructor);
	if (!m)
		return ENOMEM;
	m->clock = mem_ref(clock);
	m->pt = m->te_pt = -1;
	m->marker = true;
	m->seed = (uint32_t)rand_u32();
	(void)pthread_once(&noise_once, noise_init);
	m->ts = rand_u32();
	err = telev_alloc(&m->telev, TELEV_PTIME);
	if (err)
		goto out;
	err = rtp_listen(&m->rtp, IPPROTO_UDP, ip, RTP_PORT_MIN, RTP_PORT_MAX, false, recv_h,
	                 rtcp_h, m);
	if (err)
		goto out;
	err = sdp_session_alloc(&m->sdp, ip);
	if (err)
		goto out;
	err = sdp_media_add(&m->sdpm, m->sdp, "audio", sa_port(rtp_local(m->rtp)), "RTP/AVP");
	if (err)
		goto out;
	err = sdp_format_add(NULL, m->sdpm, false, "0", "PCMU", 8000, 1, NULL, NULL, NULL, false,
	                     NULL);
	err |= sdp_format_add(NULL, m->sdpm, false, "8", "PCMA", 8000, 1, NULL, NULL, NULL, false,
	                      NULL);
	err |= sdp_format_add(NULL, m->sdpm, false, "101", "telephone-event", 8000, 1, NULL, NULL,
	                      NULL, false, "0-15");
out:
	if (err)
		mem_deref(m);
	else
		*mp = m;
	return err;
}

/* After the remote SDP: the first audio codec both sides have, in the remote's order. */
static int choose(struct media *m)
{
	const struct list *rl = sdp_media_format_lst(m->sdpm, false);
	const struct sa *ra = sdp_media_raddr(m->sdpm);
	struct le *le;

	m->pt = m->te_pt = -1;
	for (le = rl ? rl->head : NULL; le; le = le->next) {
		const struct sdp_format *f = le->data;
		if (!f->sup || !f->name)
			continue;
		if (m->pt < 0 && (!strcasecmp(f->name, "PCMU") || !strcasecmp(f->name, "PCMA"))) {
			m->pt = f->pt;
			m->alaw = !strcasecmp(f->name, "PCMA");
		} else if (m->te_pt < 0 && !strcasecmp(f->name, "telephone-event")) {
			m->te_pt = f->pt;
		}
	}
	if (m->pt < 0 || !ra || !sa_isset(ra, SA_ALL))
		return EPROTO;
	sa_cpy(&m->raddr, ra);
	return 0;
}

int media_answer(struct media *m, struct mbuf *offer, struct mbuf **answer)
{
	int err;

	if (!m || !offer || !answer)
		return EINVAL;
	if (sdp_decode(m->sdp, offer, true) != 0)
		return EBADMSG;
	m->heard_at = tmr_jiffies();
	err = choose(m);
	if (err)
		return err;
	return sdp_encode(answer, m->sdp, false);
}

int media_offer(struct media *m, struct mbuf **offer)
{
	if (!m || !offer)
		return EINVAL;
	return sdp_encode(offer, m->sdp, true);
}

int media_accept(struct media *m, struct mbuf *answer)
{
	if (!m || !answer)
		return EINVAL;
	if (sdp_decode(m->sdp, answer, false) != 0)
		return EBADMSG;
	m->heard_at = tmr_jiffies();
	return choose(m);
}

static int16_t noise(struct media *m)
{
	m->seed = m->seed * 1103515245u + 12345u;
	return (int16_t)((int)((m->seed >> 16) % (2 * NOISE_AMPL + 1)) - NOISE_AMPL);
}

static int16_t tone_sample(struct media *m)
{
	int16_t s = (int16_t)(noise(m) + TONE_AMPL * sin(m->phase));

	m->phase += 2 * M_PI * TONE_HZ / 8000.0;
	if (m->phase > 2 * M_PI)
		m->phase -= 2 * M_PI;
	return s;
}

static bool streaming(const struct media *m)
{
	return m->cur < m->nplay || m->beep > 0 || m->tone_on;
}

/* Send one 20 ms frame: the prompt playing, else a beep for a missing one, else the tone.
 * true when the last prompt ended: its done_h (NULL when none) is for the caller to run. */
static bool frame_send(struct media *m, media_done_h **donehp, void **argp)
{
	uint8_t enc[FRAME_SAMPLES];
	struct mbuf *mb;
	bool playing = m->cur < m->nplay || m->beep > 0;
	bool on = m->frame % TONE_CYCLE < TONE_ON;

	*donehp = NULL;
	if (!playing && !(m->tone_on && on))
		noise_frame(m, enc);
	else
		for (int i = 0; i < FRAME_SAMPLES; i++) {
			int16_t s;
			if (m->cur < m->nplay) {
				const struct prompt *p = m->play[m->cur];
				s = m->off < p->n ? p->s[m->off++] : noise(m);
			} else if (m->beep > 0 || (m->tone_on && on)) {
				s = tone_sample(m);
			} else {
				s = noise(m);
			}
			enc[i] = m->alaw ? g711_alaw_encode(s) : g711_ulaw_encode(s);
		}
	mb = mbuf_alloc(RTP_HEADER_SIZE + FRAME_SAMPLES);
	if (mb) {
		mb->pos = mb->end = RTP_HEADER_SIZE;
		(void)mbuf_write_mem(mb, enc, sizeof(enc));
		mb->pos = RTP_HEADER_SIZE;
		if (m->pt >= 0 && sa_isset(&m->raddr, SA_ALL) &&
		    rtp_send(m->rtp, &m->raddr, false, m->marker, (uint8_t)m->pt, m->ts, mb) == 0) {
			m->tx++;
			m->marker = false;
		}
		mem_deref(mb);
	}
	m->ts += FRAME_SAMPLES;
	if (m->cur < m->nplay) {
		if (m->off >= m->play[m->cur]->n) {
			m->cur++; /* the next prompt starts on the next frame */
			m->off = 0;
		}
	} else if (m->beep > 0) {
		m->beep--;
	} else {
		m->frame++;
	}
	if (!playing || m->cur < m->nplay || m->beep > 0)
		return false;
	/* The last prompt has played: the tone's cadence starts over; done_h runs after the
	 * tick, as it may free the media. */
	play_clear(m);
	m->frame = 0;
	*donehp = m->doneh;
	*argp = m->done_arg;
	m->doneh = NULL;
	return true;
}

/* One tick for one leg: the frames due by the clock (a late tick sends two, so a leg gets
 * 50 a second however the loop runs); after a stall of more than a few frames the count
 * starts over rather than bursting. A prompt that ends leaves its done_h in *done. */
static void leg_tick(struct media *m, uint64_t now, media_done_h **doneh, void **arg)
{
	int n = 0;

	*doneh = NULL;
	if (m->next + 5 * FRAME_MS < now)
		m->next = now;
	while (m->next <= now && n++ < 3) {
		m->next += FRAME_MS;
		if (frame_send(m, doneh, arg) || !streaming(m))
			break;
	}
	if (!streaming(m))
		clock_leave(m);
}

static void clock_fd_h(int flags, void *arg)
{
	struct media_clock *c = arg;
	struct {
		media_done_h *h;
		void *arg;
	} done[DONE_MAX];
	uint64_t ticks;
	uint64_t now = tmr_jiffies();
	size_t nd = 0;
	struct le *le;

	(void)flags;
	/* How many ticks passed does not matter: each leg counts its own frames by the clock. */
	if (read(c->fd, &ticks, sizeof(ticks)) != (ssize_t)sizeof(ticks))
		return;
	/* No handler runs inside the walk: a done_h may free legs (its own and others). */
	for (le = c->legs.head; le && nd < DONE_MAX;) {
		struct media *m = le->data;
		le = le->next;
		leg_tick(m, now, &done[nd].h, &done[nd].arg);
		if (done[nd].h)
			nd++;
	}
	if (!c->legs.head)
		clock_arm(c, false);
	for (size_t i = 0; i < nd; i++)
		done[i].h(done[i].arg);
}

static void kick(struct media *m)
{
	struct media_clock *c = m->clock;

	if (!streaming(m)) {
		clock_leave(m);
		return;
	}
	if (m->cle.list)
		return;
	m->marker = true;
	m->next = tmr_jiffies(); /* the first frame is due at the next tick */
	list_append(&c->legs, &m->cle, m);
	clock_arm(c, true);
}

void media_tone(struct media *m, bool on)
{
	if (!m)
		return;
	if (on && (m->pt < 0 || !sa_isset(&m->raddr, SA_ALL)))
		on = false;
	if (on && !m->tone_on)
		m->frame = 0;
	m->tone_on = on;
	kick(m);
}

void media_play(struct media *m, struct prompt *const *p, size_t n, bool append,
                media_done_h *doneh, void *arg)
{
	if (!m)
		return;
	if (!append || m->cur >= m->nplay) {
		play_clear(m);
	} else if (m->cur > 0) {
		/* Drop what has played so the list has room. */
		for (size_t i = 0; i < m->cur; i++)
			m->play[i] = mem_deref(m->play[i]);
		memmove(m->play, m->play + m->cur, (m->nplay - m->cur) * sizeof(m->play[0]));
		m->nplay -= m->cur;
		m->cur = 0;
	}
	for (size_t i = 0; i < n && m->nplay < PLAY_MAX; i++)
		if (p[i])
			m->play[m->nplay++] = mem_ref(p[i]);
	if (m->nplay == 0)
		m->beep = BEEP_FRAMES;
	m->doneh = doneh;
	m->done_arg = arg;
	kick(m);
}

void media_stop(struct media *m)
{
	if (!m)
		return;
	play_clear(m);
	m->doneh = NULL;
	kick(m);
}

bool media_playing(const struct media *m)
{
	return m && (m->cur < m->nplay || m->beep > 0);
}

void media_set_dtmf(struct media *m, media_dtmf_h *dtmfh, void *arg)
{
	if (!m)
		return;
	m->dtmfh = dtmfh;
	m->dtmf_arg = arg;
}

void media_bridge(struct media *a, struct media *b)
{
	if (!a || !b || a == b)
		return;
	media_stop(a);
	media_stop(b);
	media_tone(a, false);
	media_tone(b, false);
	if (a->peer)
		a->peer->peer = NULL;
	if (b->peer)
		b->peer->peer = NULL;
	a->peer = b;
	b->peer = a;
	a->marker = b->marker = true;
}

void media_unbridge(struct media *m)
{
	if (!m || !m->peer)
		return;
	m->peer->peer = NULL;
	m->peer = NULL;
}

void media_record(struct media *m, struct recorder *r, int side)
{
	if (!m)
		return;
	m->rec = r;
	m->rec_side = side;
}

void media_monitor(struct media *m, struct recorder *r, int side)
{
	if (!m)
		return;
	m->mon = r;
	m->mon_side = side;
}

void media_send_pcm(struct media *m, const int16_t *s, size_t n)
{
	struct mbuf *mb;

	if (!m || m->pt < 0 || !sa_isset(&m->raddr, SA_ALL))
		return;
	mb = mbuf_alloc(RTP_HEADER_SIZE + n);
	if (!mb)
		return;
	mb->pos = mb->end = RTP_HEADER_SIZE;
	for (size_t i = 0; i < n; i++)
		(void)mbuf_write_u8(mb, m->alaw ? g711_alaw_encode(s[i]) : g711_ulaw_encode(s[i]));
	mb->pos = RTP_HEADER_SIZE;
	if (rtp_send(m->rtp, &m->raddr, false, m->marker, (uint8_t)m->pt, m->ts, mb) == 0) {
		m->tx++;
		m->marker = false;
	}
	m->ts += (uint32_t)n;
	mem_deref(mb);
}

uint64_t media_silence(const struct media *m, uint64_t now)
{
	/* libre keeps the remote's direction from our side: SDP_SENDRECV is a phone that says
	 * it sends; sendonly (hold with music from the phone, which many phones send nothing
	 * for), recvonly and inactive are not held against it. */
	if (!m || m->pt < 0 || !m->heard_at || sdp_media_rdir(m->sdpm) != SDP_SENDRECV ||
	    now < m->heard_at)
		return 0;
	return now - m->heard_at;
}

void media_counts(const struct media *m, uint64_t *rx, uint64_t *tx, uint64_t *relayed)
{
	*rx = m ? m->rx : 0;
	*tx = m ? m->tx : 0;
	*relayed = m ? m->relayed : 0;
}

const char *media_codec(const struct media *m)
{
	if (!m || m->pt < 0)
		return "none";
	return m->alaw ? "PCMA" : "PCMU";
}
