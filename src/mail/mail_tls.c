/* The IMAP servers' certificates, checked with GnuTLS: libetpan makes the TLS connection
 * but does not verify what the server presents, so the fetcher asks here before it logs
 * in. Only the server's own certificate is available from libetpan: a server whose
 * certificate is signed by an intermediate CA needs that CA in mail-ca-file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "mail/mail_net_int.h"

int mail_tls_check(const unsigned char *der, size_t len, const char *host, const char *ca_file,
                   char *why, size_t whylen)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_datum_t d = {(unsigned char *)der, (unsigned)len};
	gnutls_typed_vdata_st vd = {
	        .type = GNUTLS_DT_DNS_HOSTNAME, .data = (unsigned char *)host, .size = 0};
	unsigned status = 0;
	int r, err = EBADMSG;

	if (gnutls_x509_crt_init(&crt) < 0 || gnutls_x509_trust_list_init(&tl, 0) < 0) {
		snprintf(why, whylen, "cannot check certificates: out of memory");
		err = ENOMEM;
		goto out;
	}
	r = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER);
	if (r < 0) {
		snprintf(why, whylen, "%.100s: unreadable certificate (%s)", host,
		         gnutls_strerror(r));
		goto out;
	}
	if (ca_file && *ca_file)
		r = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL, GNUTLS_X509_FMT_PEM, 0,
		                                          0);
	else
		r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (r <= 0) {
		snprintf(why, whylen, "no trusted CA certificates in %.200s",
		         ca_file && *ca_file ? ca_file : "the system's store");
		goto out;
	}
	r = gnutls_x509_trust_list_verify_crt2(tl, &crt, 1, &vd, 1, 0, &status, NULL);
	if (r < 0) {
		snprintf(why, whylen, "%.100s: certificate not checked (%s)", host,
		         gnutls_strerror(r));
		goto out;
	}
	if (status) {
		gnutls_datum_t txt = {0};
		if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &txt,
		                                                 0) == 0) {
			snprintf(why, whylen, "%.100s: certificate refused: %.200s", host,
			         (const char *)txt.data);
			gnutls_free(txt.data);
		} else {
			snprintf(why, whylen, "%.100s: certificate refused", host);
		}
		goto out;
	}
	err = 0;
out:
	if (tl)
		gnutls_x509_trust_list_deinit(tl, 1);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return err;
}
