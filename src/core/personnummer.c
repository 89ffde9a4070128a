/* Swedish personnummer and samordningsnummer: parse, check and normalize. */
#include "core/personnummer.h"

#include <errno.h>
#include <string.h>

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* The Luhn digit over YYMMDDNNN (the ten-digit form without its last digit). */
static bool luhn_ok(const char ten[10])
{
	int sum = 0;

	for (int i = 0; i < 10; i++) {
		int v = (ten[i] - '0') * (i % 2 == 0 ? 2 : 1);

		sum += v > 9 ? v - 9 : v;
	}
	return sum % 10 == 0;
}

int pnr_parse(const char *in, const struct date *today, char out[13], enum pnr_error *why)
{
	char digits[13];
	size_t len;
	int year, month, day;
	char sep = 0;
	enum pnr_error e = PNR_OK;
	struct date born;

	if (!in)
		in = "";
	len = strlen(in);
	if (len == 13 && in[8] == '-' && all_digits(in, 8) && all_digits(in + 9, 4)) {
		memcpy(digits, in, 8);
		memcpy(digits + 8, in + 9, 4);
	} else if (len == 12 && all_digits(in, 12)) {
		memcpy(digits, in, 12);
	} else if ((len == 11 && (in[6] == '-' || in[6] == '+') && all_digits(in, 6) &&
	            all_digits(in + 6 + 1, 4)) ||
	           (len == 10 && all_digits(in, 10))) {
		/* Short form: the century is the one that makes the person at most 99
		 * years old, or 100+ when written with '+'. */
		int yy = num(in, 2), base;

		sep = len == 11 ? in[6] : '-';
		base = today->y - today->y % 100;
		year = base + yy;
		if (year > today->y)
			year -= 100;
		if (sep == '+')
			year -= 100;
		memcpy(digits + 2, in, 6);
		memcpy(digits + 8, in + (len == 11 ? 7 : 6), 4);
		digits[0] = (char)('0' + year / 1000 % 10);
		digits[1] = (char)('0' + year / 100 % 10);
	} else {
		e = PNR_FORMAT;
		goto out;
	}
	digits[12] = '\0';

	year = num(digits, 4);
	month = num(digits + 4, 2);
	day = num(digits + 6, 2);
	if (day > 60) /* samordningsnummer: the day plus 60 */
		day -= 60;
	if (!calendar_date_valid(year, month, day)) {
		e = PNR_DATE;
		goto out;
	}
	born = (struct date){year, month, day};
	if (calendar_date_to_days(&born) > calendar_date_to_days(today)) {
		e = PNR_FUTURE;
		goto out;
	}
	if (!luhn_ok(digits + 2)) {
		e = PNR_CHECKSUM;
		goto out;
	}
	memcpy(out, digits, 13);
out:
	if (why)
		*why = e;
	return e == PNR_OK ? 0 : EINVAL;
}

const char *pnr_error_text(enum pnr_error why, const char *lang)
{
	bool en = lang && strcmp(lang, "en") == 0;

	switch (why) {
	case PNR_OK:
		return en ? "valid" : "giltigt";
	case PNR_FORMAT:
		return en ? "not a personal identity number; write YYYYMMDD-NNNN"
		          : "inget personnummer; skriv ÅÅÅÅMMDD-NNNN";
	case PNR_DATE:
		return en ? "the date of birth is not a real date"
		          : "födelsedatum är inget giltigt datum";
	case PNR_FUTURE:
		return en ? "the date of birth lies in the future"
		          : "födelsedatum ligger i framtiden";
	case PNR_CHECKSUM:
		return en ? "the check digit is wrong (Luhn); check the last four digits"
		          : "kontrollsiffran stämmer inte (Luhn); kontrollera de fyra sista "
		            "siffrorna";
	}
	return "?";
}

bool pnr_is_coordination(const char pnr[13])
{
	return pnr[6] >= '6';
}

void pnr_mask(const char pnr[13], char out[14])
{
	memcpy(out, pnr, 8);
	memcpy(out + 8, "-****", 6);
}
