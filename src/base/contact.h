/* Phone numbers and e-mail addresses as citizens and departments write them. */
#ifndef LOTSEN_BASE_CONTACT_H
#define LOTSEN_BASE_CONTACT_H

#include <stddef.h>

/* Swedish and international forms to E.164: "08-508 360 00" → "+46850836000",
 * "070-123 45 67" → "+46701234567", "+46 (0)8 123" and "0046…" too.
 * Only digits, spaces, '-', '/', '.', "()" and one leading '+' are allowed.
 * Returns 0, EINVAL or ENAMETOOLONG. */
int contact_phone_normalize(const char *in, char *out, size_t n);

/* A plausible address: one '@', a local part, a domain with a dot, no spaces.
 * Returns 0 or EINVAL. */
int contact_email_validate(const char *s);

#endif
