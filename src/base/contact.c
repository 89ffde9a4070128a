/* Phone numbers to E.164 and a plausibility check for e-mail addresses. */
#include "base/contact.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

int contact_phone_normalize(const char *in, char *out, size_t n)
{
	char digits[32];
	size_t nd = 0;
	bool plus = false;
	const char *p = in;

	if (!in)
		return EINVAL;
	while (*p == ' ')
		p++;
	if (*p == '+') {
		plus = true;
		p++;
	}
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (nd + 1 >= sizeof(digits))
				return EINVAL;
			digits[nd++] = *p;
		} else if (*p == '(' && p[1] == '0' && p[2] == ')' && plus) {
			p += 2; /* "+46 (0)8 …": the trunk zero in brackets is dropped */
		} else if (!strchr(" -/.()", *p)) {
			return EINVAL;
		}
	}
	digits[nd] = '\0';

	const char *national;
	char cc[4] = "46";

	if (plus) {
		national = NULL;
	} else if (nd > 2 && digits[0] == '0' && digits[1] == '0') {
		plus = true; /* "0046 …", "00358 …" */
		memmove(digits, digits + 2, nd - 1);
		nd -= 2;
		national = NULL;
	} else if (nd >= 2 && digits[0] == '0') {
		national = digits + 1; /* Swedish trunk prefix */
	} else {
		return EINVAL; /* no country and no trunk zero: a short number or a typo */
	}

	if (national) {
		size_t len = strlen(national);

		if (len < 6 || len > 12)
			return EINVAL;
		if (n < len + 4)
			return ENAMETOOLONG;
		out[0] = '+';
		memcpy(out + 1, cc, 2);
		memcpy(out + 3, national, len + 1);
		return 0;
	}
	/* E.164: at most 15 digits, country codes never start with 0. */
	if (nd < 7 || nd > 15 || digits[0] == '0')
		return EINVAL;
	if (n < nd + 2)
		return ENAMETOOLONG;
	out[0] = '+';
	memcpy(out + 1, digits, nd + 1);
	return 0;
}

int contact_email_validate(const char *s)
{
	const char *at, *dot;
	size_t len;

	if (!s)
		return EINVAL;
	len = strlen(s);
	if (len < 5 || len > 254)
		return EINVAL;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == ',' || *p == ';' ||
		    *p == '"' || *p == '\\')
			return EINVAL;
	at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@') || at - s > 64)
		return EINVAL;
	dot = strrchr(at + 1, '.');
	if (!dot || dot == at + 1 || dot[1] == '\0' || strstr(at + 1, "..") || at[1] == '.' ||
	    s[len - 1] == '.')
		return EINVAL;
	return 0;
}
