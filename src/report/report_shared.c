/* What the report files share: the channel names in their order, who may read reports,
 * and reading a report's JSON for the exporters (CSV, XLSX, PDF). */
/* memfd_create needs _GNU_SOURCE, which the build sets */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "report/report_int.h"

const char *const report_kinds[REPORT_NKINDS] = {"question", "matter", "opinion",     "complaint",
                                                 "praise",   "idea",   "fault_report"};

const char *const report_channels[REPORT_NCHANNELS] = {"phone", "email", "letter", "fax",
                                                       "visit", "web",   "social"};

/* Who may read reports: managers and admins any client's; a client viewer only its own
 * department's (a client_id of 0 becomes theirs). */
int report_access_check(const struct principal *who, int64_t *client_id)
{
	if (who->role == ROLE_CLIENT_VIEWER) {
		if (who->client_id <= 0)
			return EPERM;
		if (*client_id == 0)
			*client_id = who->client_id;
		return *client_id == who->client_id ? 0 : EPERM;
	}
	return (who->role & (ROLE_MANAGER | ROLE_ADMIN)) ? 0 : EPERM;
}

const json_t *report_get_path(const json_t *o, const char *key)
{
	const char *dot = strchr(key, '.');
	char head[32];

	if (!dot)
		return json_object_get(o, key);
	snprintf(head, sizeof(head), "%.*s", (int)(dot - key), key);
	return report_get_path(json_object_get(o, head), dot + 1);
}

const char *report_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

const char *report_name_sv(const char *s)
{
	static const char *const names[][2] = {
	        {"question", "Fråga"},
	        {"matter", "Ärende"},
	        {"opinion", "Synpunkt"},
	        {"complaint", "Klagomål"},
	        {"praise", "Beröm"},
	        {"idea", "Idé"},
	        {"fault_report", "Felanmälan"},
	        {"phone", "Telefon"},
	        {"email", "E-post"},
	        {"letter", "Brev"},
	        {"fax", "Fax"},
	        {"visit", "Besök"},
	        {"web", "Webb"},
	        {"social", "Sociala medier"},
	};

	if (!s)
		return "";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i][0]) == 0)
			return names[i][1];
	return s;
}

bool report_fig(const struct report_row *r, enum report_of of, enum report_fig k, double *v)
{
	const struct report_figures *f = of == OF_NOW                 ? &r->f
	                                 : of == OF_PREV && r->prev   ? &r->prev->f
	                                 : of == OF_CHANGE && r->prev ? &r->change
	                                                              : NULL;
	double x;

	if (!f)
		return false;
	if (k >= RF_PHONE && k <= RF_PRAISE && !r->full)
		return false;
	if (k >= RF_OFFERED && k <= RF_AHT_S && !r->calls)
		return false;
	if (k >= RF_SAT_ANSWERS && k <= RF_SAT_INDEX && !r->sat)
		return false;
	switch (k) {
	case RF_CASES:
		x = (double)f->c.cases;
		break;
	case RF_RESOLVED:
		x = (double)f->c.outcome[0];
		break;
	case RF_GUIDED:
		x = (double)f->c.outcome[1];
		break;
	case RF_HANDED_OVER:
		x = (double)f->c.outcome[2];
		break;
	case RF_FORWARDED_URGENT:
		x = (double)f->c.outcome[3];
		break;
	case RF_FCR:
		x = f->c.fcr;
		break;
	case RF_FCR_INCL_GUIDED:
		x = f->c.fcr_incl_guided;
		break;
	case RF_PHONE:
	case RF_EMAIL:
	case RF_LETTER:
	case RF_FAX:
	case RF_VISIT:
	case RF_WEB:
	case RF_SOCIAL:
		x = (double)f->c.channel[k - RF_PHONE];
		break;
	case RF_COMPLAINTS:
		x = (double)f->c.complaints;
		break;
	case RF_PRAISE:
		x = (double)f->c.praise;
		break;
	case RF_OFFERED:
		x = (double)f->calls.offered;
		break;
	case RF_ANSWERED:
		x = (double)f->calls.answered;
		break;
	case RF_ANSWERED_60:
		x = (double)f->calls.answered_60;
		break;
	case RF_ANSWERED_180:
		x = (double)f->calls.answered_180;
		break;
	case RF_ABANDONED:
		x = (double)f->calls.abandoned;
		break;
	case RF_SHORT_ABANDONED:
		x = (double)f->calls.short_abandoned;
		break;
	case RF_HANDLED:
		x = (double)f->calls.handled;
		break;
	case RF_SL60:
		x = f->calls.service_level_60;
		break;
	case RF_SL180:
		x = f->calls.service_level_180;
		break;
	case RF_ABANDON_RATE:
		x = f->calls.abandon_rate;
		break;
	case RF_ASA_S:
		x = f->calls.asa_s;
		break;
	case RF_AHT_S:
		x = f->calls.aht_s;
		break;
	case RF_SAT_ANSWERS:
		x = (double)f->sat.answers;
		break;
	case RF_SAT_3_5:
		x = f->sat.share_3_5;
		break;
	case RF_SAT_4_5:
		x = f->sat.share_4_5;
		break;
	case RF_SAT_INDEX:
		x = f->sat.index;
		break;
	/* the distances belong to the row itself: a previous row or a change has none */
	case RF_VS_FCR:
		x = of == OF_NOW ? r->vs_fcr : NAN;
		break;
	case RF_VS_SL60:
		x = of == OF_NOW ? r->vs_sl60 : NAN;
		break;
	case RF_VS_SAT:
		x = of == OF_NOW ? r->vs_sat : NAN;
		break;
	default:
		return false;
	}
	if (isnan(x))
		return false;
	*v = x;
	return true;
}

bool report_fig_applies(const struct report_row *r, enum report_of of, enum report_fig k)
{
	if (k >= RF_PHONE && k <= RF_PRAISE && !r->full)
		return false;
	if (k >= RF_OFFERED && k <= RF_AHT_S && !r->calls)
		return false;
	if (k >= RF_SAT_ANSWERS && k <= RF_SAT_INDEX && !r->sat)
		return false;
	if (k >= RF_VS_FCR)
		return of == OF_NOW && (k == RF_VS_FCR || (k == RF_VS_SL60 ? r->calls : r->sat));
	return of != OF_PREV || r->prev;
}

int report_memfile_open(int *fd, char *path, size_t n)
{
	int f = memfd_create("lotsen-report", MFD_CLOEXEC);

	if (f < 0) {
		const char *dir = getenv("TMPDIR");
		char tmp[512];

		snprintf(tmp, sizeof(tmp), "%s/lotsen-report-XXXXXX", dir && *dir ? dir : "/tmp");
		f = mkostemp(tmp, O_CLOEXEC);
		if (f < 0)
			return EIO;
		unlink(tmp);
	}
	if (snprintf(path, n, "/proc/self/fd/%d", f) >= (int)n) {
		close(f);
		return EINVAL;
	}
	*fd = f;
	return 0;
}

int report_memfile_take(int fd, char **buf, size_t *n)
{
	struct stat st;
	char *b = NULL;
	size_t len = 0;
	int err = 0;

	if (buf) {
		if (fstat(fd, &st) != 0 || st.st_size < 0) {
			err = EIO;
		} else if (!(b = malloc((size_t)st.st_size + 1))) {
			err = ENOMEM;
		} else {
			while (len < (size_t)st.st_size) {
				ssize_t got =
				        pread(fd, b + len, (size_t)st.st_size - len, (off_t)len);

				if (got <= 0) {
					err = EIO;
					break;
				}
				len += (size_t)got;
			}
		}
		if (err) {
			free(b);
			b = NULL;
			len = 0;
		}
		*buf = b;
		*n = len;
	}
	close(fd);
	return err;
}
