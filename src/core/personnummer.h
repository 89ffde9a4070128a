/* Swedish personal identity numbers (personnummer) and coordination numbers
 * (samordningsnummer, day + 60). Accepted forms: YYYYMMDD-NNNN, YYYYMMDDNNNN,
 * YYMMDD-NNNN, YYMMDDNNNN and YYMMDD+NNNN (100 years or older). The result is
 * always the twelve digits YYYYMMDDNNNN. */
#ifndef LOTSEN_CORE_PERSONNUMMER_H
#define LOTSEN_CORE_PERSONNUMMER_H

#include "base/calendar.h"

enum pnr_error {
	PNR_OK = 0,
	PNR_FORMAT,   /* not one of the accepted forms */
	PNR_DATE,     /* no such date */
	PNR_FUTURE,   /* born after today */
	PNR_CHECKSUM, /* the last digit does not match (Luhn) */
};

/* `today` decides the century of the short forms and what "future" means. */
int pnr_parse(const char *in, const struct date *today, char out[13], enum pnr_error *why);
const char *pnr_error_text(enum pnr_error why, const char *lang);
bool pnr_is_coordination(const char pnr[13]);
/* "19811218-****" for lists where the full number is not needed. */
void pnr_mask(const char pnr[13], char out[14]);

#endif
