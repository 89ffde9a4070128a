/* Forecast of contacts per interval: weekday × smoothed level, shrunk intraday profiles. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "base/calendar.h"
#include "wfm/forecast.h"

enum day_kind { K_NORMAL, K_AFTER, K_BEFORE, K_HOLIDAY, K_COUNT };

/* Everything forecast_run() needs to decide whether a day is open. */
struct days_ctx {
	const struct forecast_history *h;
	const struct forecast_request *rq;
	bool weekday_open[7];
	bool holidays_open;
};

static int weekday_of(int64_t day)
{
	/* 1970-01-01 was a Thursday (3 with Monday = 0). */
	return (int)(((day % 7) + 7 + 3) % 7);
}

static bool is_holiday(int64_t day)
{
	struct date d;

	calendar_date_from_days(day, &d);
	return calendar_holiday_name(&d) != NULL;
}

static bool in_list(const int64_t *list, int n, int64_t day)
{
	for (int i = 0; i < n; i++)
		if (list[i] == day)
			return true;
	return false;
}

/* Open by the forecast's rule: the weekday pattern, holidays, the closed list. */
static bool rule_open(const struct days_ctx *c, int64_t day)
{
	if (!c->weekday_open[weekday_of(day)])
		return false;
	if (in_list(c->rq->closed, c->rq->n_closed, day))
		return false;
	return c->holidays_open || !is_holiday(day);
}

/* Open as far as known: the history where it has the day, else the rule. */
static bool known_open(const struct days_ctx *c, int64_t day)
{
	const struct forecast_history *h = c->h;

	if (day >= h->first_day && day < h->first_day + h->days)
		return h->open[day - h->first_day];
	if (day < h->first_day)
		return c->weekday_open[weekday_of(day)];
	return rule_open(c, day);
}

/* Whether the nearest day on an open weekday in direction dir (±1) is closed. */
static bool neighbour_closed(const struct days_ctx *c, int64_t day, int dir)
{
	for (int i = 1; i <= 7; i++) {
		int64_t d = day + dir * i;
		if (c->weekday_open[weekday_of(d)])
			return !known_open(c, d);
	}
	return false;
}

static enum day_kind kind_of(const struct days_ctx *c, int64_t day)
{
	if (is_holiday(day))
		return K_HOLIDAY;
	if (neighbour_closed(c, day, -1))
		return K_AFTER;
	if (neighbour_closed(c, day, +1))
		return K_BEFORE;
	return K_NORMAL;
}

static double row_total(const struct forecast_history *h, int i)
{
	double t = 0;

	for (int s = 0; s < h->slots; s++)
		t += h->calls[(size_t)i * h->slots + s];
	return t;
}

/* Empirical-Bayes shrinkage of counts c (total n) towards the shares m over the slots
 * first..last: treats c as Dirichlet-multinomial around m, κ·m the prior, and sets κ by
 * the method of moments from the dispersion beyond Poisson noise. `noise` is the
 * variance of each residual in units of the Poisson variance (larger when m was
 * estimated from the neighbours). Returns the weight n ÷ (n + κ) of the counts. */
static double shrink_weight(const double *c, double n, const double *m, const double *noise,
                            int first, int last)
{
	double x2 = 0, r, kappa;
	int df = 0;

	if (n <= 0)
		return 0;
	for (int s = first; s <= last; s++) {
		double e = n * m[s];
		if (e <= 0)
			continue;
		x2 += (c[s] - e) * (c[s] - e) / (e * (noise ? noise[s] : 1.0));
		df++;
	}
	df -= 1;
	if (df < 1)
		return 1;
	r = x2 / df;
	if (r <= 1)
		return 0;
	kappa = (n - r) / (r - 1);
	if (kappa <= 0)
		return 1;
	return n / (n + kappa);
}

void forecast_params_default(struct forecast_params *p)
{
	*p = (struct forecast_params){
	        .weeks = 16, .alpha = 0.1, .beta = 0.1, .phi = 0.9, .prior_days = 2};
}

static bool params_ok(const struct forecast_params *p)
{
	return p->weeks >= 1 && p->weeks <= 520 && p->alpha > 0 && p->alpha <= 1 && p->beta >= 0 &&
	       p->beta <= 1 && p->phi >= 0 && p->phi <= 1 && p->prior_days >= 0 &&
	       isfinite(p->prior_days);
}

static bool input_ok(const struct forecast_history *h, const struct forecast_request *rq)
{
	if (!h->calls || !h->open || h->days < 1 || h->slots < 1 || h->slots > FORECAST_MAX_SLOTS ||
	    1440 % h->slots != 0 || rq->days < 1 || rq->days > 100000 || rq->n_closed < 0 ||
	    rq->n_events < 0 || (rq->n_closed > 0 && !rq->closed) ||
	    (rq->n_events > 0 && !rq->events))
		return false;
	for (size_t i = 0; i < (size_t)h->days * h->slots; i++)
		if (!(h->calls[i] >= 0 && isfinite(h->calls[i])))
			return false;
	for (int i = 0; i < rq->n_events; i++)
		if (!isfinite(rq->events[i].extra_calls))
			return false;
	return true;
}

int forecast_run(const struct forecast_history *h, const struct forecast_request *rq,
                 const struct forecast_params *p, double *calls_out, bool *open_out,
                 struct forecast_model *model)
{
	struct days_ctx c = {.h = h, .rq = rq};
	struct forecast_model m = {0};
	static const double zero_row[FORECAST_MAX_SLOTS];
	double wsum[7] = {0}, factor_all = 0, ksum[K_COUNT] = {0}, kden[K_COUNT] = {0};
	double cw[7][FORECAST_MAX_SLOTS], pooled[FORECAST_MAX_SLOTS], smooth[FORECAST_MAX_SLOTS];
	double noise[FORECAST_MAX_SLOTS], share[7][FORECAST_MAX_SLOTS], nw[7] = {0}, npool = 0;
	int n_tot[7] = {0}, n_open[7] = {0}, wn[7] = {0}, kn[K_COUNT] = {0}, n_all = 0;
	int hol_open = 0, hol_closed = 0, ws, init_n = 0, S;
	double level = 0, trend = 0, init_sum = 0, pw = 1, damp = 0;
	bool any_open = false;

	if (!h || !rq || !p || !calls_out || !open_out || !params_ok(p) || !input_ok(h, rq))
		return EINVAL;
	S = h->slots;
	ws = h->days > p->weeks * 7 ? h->days - p->weeks * 7 : 0;

	/* Open weekdays: rows on more than half of the weekday's ordinary dates. */
	for (int pass = 0; pass < 2 && !any_open; pass++) {
		for (int i = pass ? 0 : ws; i < h->days; i++) {
			int64_t day = h->first_day + i;
			if (is_holiday(day))
				continue;
			n_tot[weekday_of(day)]++;
			n_open[weekday_of(day)] += h->open[i];
		}
		for (int w = 0; w < 7; w++) {
			c.weekday_open[w] = n_tot[w] > 0 && 2 * n_open[w] > n_tot[w];
			any_open |= c.weekday_open[w];
			n_tot[w] = n_open[w] = 0;
		}
	}
	if (!any_open)
		return EINVAL;
	for (int i = 0; i < h->days; i++) {
		int64_t day = h->first_day + i;
		if (is_holiday(day) && c.weekday_open[weekday_of(day)]) {
			hol_open += h->open[i];
			hol_closed += !h->open[i];
		}
	}
	c.holidays_open = hol_open > hol_closed;

	/* Weekday factors and profiles over the window's ordinary open days. */
	memset(cw, 0, sizeof(cw));
	memset(pooled, 0, sizeof(pooled));
	for (int pass = 0; pass < 2 && n_all == 0; pass++) {
		for (int i = pass ? 0 : ws; i < h->days; i++) {
			int64_t day = h->first_day + i;
			int w = weekday_of(day);
			const double *row = h->calls + (size_t)i * S;
			double t;
			if (!h->open[i] || !c.weekday_open[w] || kind_of(&c, day) != K_NORMAL)
				continue;
			t = row_total(h, i);
			wsum[w] += t;
			wn[w]++;
			factor_all += t;
			n_all++;
			for (int s = 0; s < S; s++) {
				cw[w][s] += row[s];
				pooled[s] += row[s];
			}
		}
	}
	if (n_all == 0 || factor_all <= 0) {
		/* No ordinary open day with calls: forecast nothing but the open days. */
		for (int w = 0; w < 7; w++)
			m.weekday_factor[w] = c.weekday_open[w];
		factor_all = 0;
	} else {
		factor_all /= n_all;
		for (int w = 0; w < 7; w++)
			m.weekday_factor[w] = !c.weekday_open[w] ? 0
			                      : wn[w]            ? wsum[w] / wn[w] / factor_all
			                                         : 1;
	}
	for (int w = 0; w < 7; w++)
		if (m.weekday_factor[w] <= 0 && c.weekday_open[w])
			m.weekday_factor[w] = 1;

	/* Level and damped trend over every ordinary open day of the history; how special
	 * days compare with the level expected on them. */
	for (int i = 0; i < h->days; i++) {
		int64_t day = h->first_day + i;
		int w = weekday_of(day);
		enum day_kind k;
		double y, pred, next;
		if (!h->open[i] || !c.weekday_open[w])
			continue;
		k = kind_of(&c, day);
		y = row_total(h, i) / m.weekday_factor[w];
		if (init_n < 5) {
			if (k == K_NORMAL) {
				init_sum += y;
				level = init_sum / ++init_n;
			}
			continue;
		}
		pred = level + p->phi * trend;
		if (k != K_NORMAL) {
			ksum[k] += y;
			kden[k] += pred > 0 ? pred : 0;
			kn[k]++;
			continue;
		}
		next = p->alpha * y + (1 - p->alpha) * pred;
		trend = p->beta * (next - level) + (1 - p->beta) * p->phi * trend;
		level = next;
	}
	m.level = level;
	m.trend = trend;
	{
		double f[K_COUNT];
		for (int k = 0; k < K_COUNT; k++) {
			double mean = kn[k] ? kden[k] / kn[k] : 0;
			f[k] = kn[k] && kden[k] > 0 ? (ksum[k] + p->prior_days * mean) /
			                                      (kden[k] + p->prior_days * mean)
			                            : 1;
		}
		m.after_closed = f[K_AFTER];
		m.before_closed = f[K_BEFORE];
		m.holiday_factor = f[K_HOLIDAY];
	}
	m.holidays_open = c.holidays_open;

	/* The profiles: pooled, shrunk towards its smoothed self, then each weekday's
	 * shrunk towards that. */
	m.first_slot = -1;
	for (int s = 0; s < S; s++) {
		npool += pooled[s];
		if (pooled[s] > 0) {
			if (m.first_slot < 0)
				m.first_slot = s;
			m.last_slot = s;
		}
	}
	if (m.first_slot < 0) {
		m.first_slot = 0;
		m.last_slot = S - 1;
		for (int s = 0; s < S; s++)
			pooled[s] = 1;
		npool = S;
	}
	{
		double loo[FORECAST_MAX_SLOTS] = {0}, full[FORECAST_MAX_SLOTS] = {0};
		double sum_loo = 0, sum_full = 0, wraw, ps[FORECAST_MAX_SLOTS];
		for (int s = m.first_slot; s <= m.last_slot; s++) {
			bool l = s > m.first_slot, r = s < m.last_slot;
			double nb = (l ? pooled[s - 1] : 0) + (r ? pooled[s + 1] : 0);
			int n = l + r;
			loo[s] = n ? nb / n : pooled[s];
			noise[s] = n ? 1 + 1.0 / n : 1;
			full[s] = (nb + 2 * pooled[s]) / (n + 2);
			sum_loo += loo[s];
			sum_full += full[s];
		}
		for (int s = 0; s < S; s++) {
			loo[s] = sum_loo > 0 ? loo[s] / sum_loo : 0;
			full[s] = sum_full > 0 ? full[s] / sum_full : 0;
		}
		wraw = shrink_weight(pooled, npool, loo, noise, m.first_slot, m.last_slot);
		m.smooth_weight = wraw;
		for (int s = 0; s < S; s++) {
			ps[s] = wraw * pooled[s] / npool + (1 - wraw) * full[s];
			smooth[s] = ps[s];
		}
		for (int w = 0; w < 7; w++) {
			double wt;
			for (int s = 0; s < S; s++)
				nw[w] += cw[w][s];
			wt = shrink_weight(cw[w], nw[w], smooth, NULL, m.first_slot, m.last_slot);
			m.profile_weight[w] = wt;
			for (int s = 0; s < S; s++)
				share[w][s] = nw[w] > 0
				                      ? wt * cw[w][s] / nw[w] + (1 - wt) * smooth[s]
				                      : smooth[s];
		}
	}

	/* The forecast. The trend's horizon counts the open days from the end of the
	 * history, also those before rq->first_day. */
	for (int64_t day = h->first_day + h->days; day < rq->first_day; day++) {
		if (!rule_open(&c, day))
			continue;
		pw *= p->phi;
		damp += pw;
		if (pw < 1e-12)
			break;
	}
	for (int d = 0; d < rq->days; d++) {
		int64_t day = rq->first_day + d;
		int w = weekday_of(day);
		double total, lvl;
		enum day_kind k;
		double *out = calls_out + (size_t)d * S;

		open_out[d] = rule_open(&c, day);
		memcpy(out, zero_row, sizeof(double) * S);
		if (!open_out[d])
			continue;
		pw *= p->phi; /* φ + φ² + … + φ^h for the h-th open day ahead */
		damp += pw;
		lvl = level + damp * trend;
		if (lvl < 0)
			lvl = 0;
		k = kind_of(&c, day);
		total = factor_all > 0 ? lvl * m.weekday_factor[w] : 0;
		total *= k == K_AFTER     ? m.after_closed
		         : k == K_BEFORE  ? m.before_closed
		         : k == K_HOLIDAY ? m.holiday_factor
		                          : 1;
		for (int e = 0; e < rq->n_events; e++)
			if (rq->events[e].day == day)
				total += rq->events[e].extra_calls;
		if (total < 0)
			total = 0;
		for (int s = 0; s < S; s++)
			out[s] = total * share[w][s];
	}
	for (int w = 0; w < 7; w++)
		m.weekday_open[w] = c.weekday_open[w];
	if (model)
		*model = m;
	return 0;
}

double forecast_wape(const double *forecast, const double *actual, int n)
{
	double num = 0, den = 0;

	for (int i = 0; i < n; i++) {
		num += fabs(forecast[i] - actual[i]);
		den += actual[i];
	}
	return den > 0 ? num / den : NAN;
}
