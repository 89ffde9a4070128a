/* The OpenID provider seen from Lotsen: discovery, its keys (JWKS), the code-for-tokens
 * request and the ID token's validation. Runs on worker threads (libcurl blocks); the
 * cache of endpoints and keys is shared under a lock. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjose/cjose.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "base/log.h"
#include "sso/sso.h"

#define FETCH_MAX       (1 << 20) /* bytes accepted from the provider in one answer */
#define FETCH_TIMEOUT   10L       /* seconds for one request to the provider */
#define CONNECT_TIMEOUT 5L
#define DISCOVERY_TTL_S 3600 /* endpoints are fetched again after an hour */
#define JWKS_TTL_S      3600 /* keys too, besides the refetch for an unknown kid */
#define LEEWAY_S        60   /* clocks of Lotsen and the provider may differ this much */

struct sso {
	/* the settings (owned copies) */
	char *issuer, *client_id, *client_secret, *redirect, *scopes, *groups_claim;
	long jwks_refresh_s;
	struct sso_map *map; /* owned */
	pthread_mutex_t mu;  /* guards everything below */
	char *authorize_ep;  /* from discovery, or NULL (owned) */
	char *token_ep;      /* (owned) */
	char *jwks_uri;      /* (owned) */
	int64_t discovered_at;
	char *jwks;      /* the provider's keys as JSON text, or NULL (owned) */
	int64_t jwks_at; /* when they were fetched */
};

/* https, or http to the machine itself (a test provider, a local proxy). */
static bool url_allowed(const char *u)
{
	static const char *const local[] = {"http://127.0.0.1:", "http://127.0.0.1/",
	                                    "http://localhost:", "http://localhost/",
	                                    "http://[::1]:",     "http://[::1]/"};

	if (!u)
		return false;
	if (strncmp(u, "https://", 8) == 0 && u[8])
		return true;
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (strncmp(u, local[i], strlen(local[i])) == 0)
			return true;
	return false;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int sso_alloc(struct sso **sp, const struct sso_conf *c, char *err, size_t errlen)
{
	struct sso *s;
	int rc;

	*sp = NULL;
	if (!c->issuer || !*c->issuer)
		return EINVAL;
	if (!url_allowed(c->issuer)) {
		snprintf(err, errlen,
		         "oidc-issuer: \"%.200s\" is not an https URL (http only to "
		         "127.0.0.1, localhost or ::1)",
		         c->issuer);
		return EINVAL;
	}
	if (!c->client_id || !*c->client_id) {
		snprintf(err, errlen, "oidc-client-id: required with oidc-issuer");
		return EINVAL;
	}
	if (!url_allowed(c->redirect)) {
		snprintf(err, errlen,
		         "oidc-redirect: required with oidc-issuer, the public https URL "
		         "of /api/v1/sso/callback");
		return EINVAL;
	}
	if (!strstr(c->redirect, "/api/v1/sso/callback")) {
		snprintf(err, errlen, "oidc-redirect: \"%.200s\" must end in /api/v1/sso/callback",
		         c->redirect);
		return EINVAL;
	}
	if (!c->scopes || !strstr(c->scopes, "openid")) {
		snprintf(err, errlen, "oidc-scopes: must include openid");
		return EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	rc = sso_map_parse(&s->map, c->role_map, err, errlen);
	if (rc == EINVAL) {
		char why[300];
		snprintf(why, sizeof(why), "oidc-role-map: %s", err);
		snprintf(err, errlen, "%s", why);
	}
	if (!rc && !(s->issuer = dup_or_null(c->issuer)))
		rc = ENOMEM;
	if (!rc && !(s->client_id = dup_or_null(c->client_id)))
		rc = ENOMEM;
	if (!rc && !(s->client_secret = strdup(c->client_secret ? c->client_secret : "")))
		rc = ENOMEM;
	if (!rc && !(s->redirect = dup_or_null(c->redirect)))
		rc = ENOMEM;
	if (!rc && !(s->scopes = dup_or_null(c->scopes)))
		rc = ENOMEM;
	if (!rc && !(s->groups_claim = strdup(c->groups_claim ? c->groups_claim : "groups")))
		rc = ENOMEM;
	if (!rc && (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || sodium_init() < 0))
		rc = EIO;
	if (rc) {
		sso_map_free(s->map);
		free(s->issuer);
		free(s->client_id);
		free(s->client_secret);
		free(s->redirect);
		free(s->scopes);
		free(s->groups_claim);
		free(s);
		return rc;
	}
	s->jwks_refresh_s = c->jwks_refresh_s;
	pthread_mutex_init(&s->mu, NULL);
	*sp = s;
	return 0;
}

void sso_free(struct sso *s)
{
	if (!s)
		return;
	sso_map_free(s->map);
	free(s->issuer);
	free(s->client_id);
	if (s->client_secret) {
		sodium_memzero(s->client_secret, strlen(s->client_secret));
		free(s->client_secret);
	}
	free(s->redirect);
	free(s->scopes);
	free(s->groups_claim);
	free(s->authorize_ep);
	free(s->token_ep);
	free(s->jwks_uri);
	free(s->jwks);
	pthread_mutex_destroy(&s->mu);
	free(s);
	curl_global_cleanup();
}

const struct sso_map *sso_role_map(const struct sso *s)
{
	return s->map;
}

const char *sso_issuer(const struct sso *s)
{
	return s->issuer;
}

void sso_identity_clear(struct sso_identity *id)
{
	for (size_t i = 0; i < id->ngroups; i++)
		free(id->groups[i]);
	free(id->groups);
	memset(id, 0, sizeof(*id));
}

void sso_random(char out[44])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, 44, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void sso_pkce_challenge(const char *verifier, char out[44])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)verifier, strlen(verifier));
	sodium_bin2base64(out, 44, h, sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* ------------------------------------------------------------------------------------
 * HTTP to the provider */

struct buf {
	char *p;
	size_t len;
	bool over; /* the answer was larger than FETCH_MAX */
};

static size_t write_h(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;
	char *p;

	if (b->len + n > FETCH_MAX) {
		b->over = true;
		return 0;
	}
	p = realloc(b->p, b->len + n + 1);
	if (!p)
		return 0;
	memcpy(p + b->len, data, n);
	b->p = p;
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

/* GET `url` (or POST `form` when given, with HTTP Basic client authentication): the
 * answer's body as JSON in *out. EIO with `why` when the request failed or the answer is
 * no JSON object; *status is the HTTP status (0 when none came). */
static int fetch_json(const struct sso *s, const char *url, const char *form, json_t **out,
                      long *status, char *why, size_t whylen)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	struct buf b = {0};
	json_error_t jerr;
	CURLcode cc;
	int rc = 0;

	*out = NULL;
	*status = 0;
	if (!c) {
		snprintf(why, whylen, "curl_easy_init failed");
		return EIO;
	}
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, FETCH_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "Lotsen");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_h);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (form) {
		/* client_secret_basic: id and secret form-encoded, then Basic (RFC 6749 2.3.1) */
		char *id = curl_easy_escape(c, s->client_id, 0);
		char *secret = curl_easy_escape(c, s->client_secret, 0);

		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, id ? id : "");
		curl_easy_setopt(c, CURLOPT_PASSWORD, secret ? secret : "");
		cc = curl_easy_perform(c);
		if (secret) {
			sodium_memzero(secret, strlen(secret));
			curl_free(secret);
		}
		curl_free(id);
	} else {
		cc = curl_easy_perform(c);
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	if (cc != CURLE_OK) {
		snprintf(why, whylen, "%s: %s", url,
		         b.over ? "answer too large" : curl_easy_strerror(cc));
		rc = EIO;
	} else if (!b.p || !(*out = json_loadb(b.p, b.len, 0, &jerr)) || !json_is_object(*out)) {
		snprintf(why, whylen, "%s: HTTP %ld, not a JSON object", url, *status);
		json_decref(*out);
		*out = NULL;
		rc = EIO;
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	free(b.p);
	return rc;
}

/* The endpoints, discovered unless known and fresh. Copies for the caller (owned). */
static int discover(struct sso *s, int64_t now, char **authorize, char **token, char **jwks_uri,
                    char *why, size_t whylen)
{
	char url[600];
	json_t *doc = NULL;
	long status;
	const char *iss, *a, *t, *j;
	int rc = 0;
	size_t il;

	pthread_mutex_lock(&s->mu);
	if (s->authorize_ep && now - s->discovered_at < DISCOVERY_TTL_S) {
		*authorize = dup_or_null(s->authorize_ep);
		*token = dup_or_null(s->token_ep);
		*jwks_uri = dup_or_null(s->jwks_uri);
		pthread_mutex_unlock(&s->mu);
		return *authorize && *token && *jwks_uri ? 0 : ENOMEM;
	}
	pthread_mutex_unlock(&s->mu);
	il = strlen(s->issuer);
	snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration",
	         (int)(il && s->issuer[il - 1] == '/' ? il - 1 : il), s->issuer);
	rc = fetch_json(s, url, NULL, &doc, &status, why, whylen);
	if (rc)
		return rc;
	iss = json_string_value(json_object_get(doc, "issuer"));
	a = json_string_value(json_object_get(doc, "authorization_endpoint"));
	t = json_string_value(json_object_get(doc, "token_endpoint"));
	j = json_string_value(json_object_get(doc, "jwks_uri"));
	if (status != 200) {
		snprintf(why, whylen, "%s: HTTP %ld", url, status);
		rc = EIO;
	} else if (!iss || strcmp(iss, s->issuer) != 0) {
		/* OpenID Connect Discovery 4.3: the document must name the issuer asked */
		snprintf(why, whylen, "discovery names issuer \"%.200s\", not the configured one",
		         iss ? iss : "");
		rc = EIO;
	} else if (!url_allowed(a) || !url_allowed(t) || !url_allowed(j)) {
		snprintf(why, whylen,
		         "discovery lacks https authorization, token or jwks endpoints");
		rc = EIO;
	}
	if (!rc) {
		pthread_mutex_lock(&s->mu);
		free(s->authorize_ep);
		free(s->token_ep);
		free(s->jwks_uri);
		s->authorize_ep = strdup(a);
		s->token_ep = strdup(t);
		s->jwks_uri = strdup(j);
		s->discovered_at = now;
		*authorize = dup_or_null(a);
		*token = dup_or_null(t);
		*jwks_uri = dup_or_null(j);
		pthread_mutex_unlock(&s->mu);
		if (!*authorize || !*token || !*jwks_uri)
			rc = ENOMEM;
		else
			log_info("sso.discovered", "issuer=\"%s\" authorize=\"%s\" token=\"%s\"",
			         s->issuer, a, t);
	}
	json_decref(doc);
	return rc;
}

/* Percent-encode `v` (all but the unreserved characters) after `out[*len]`. */
static bool append_enc(char *out, size_t n, size_t *len, const char *key, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	int w = snprintf(out + *len, n - *len, "%s%s=", *len && out[*len - 1] != '?' ? "&" : "",
	                 key);

	if (w < 0 || (size_t)w >= n - *len)
		return false;
	*len += (size_t)w;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		             (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
		             *p == '~';
		if (*len + 4 >= n)
			return false;
		if (plain) {
			out[(*len)++] = (char)*p;
		} else {
			out[(*len)++] = '%';
			out[(*len)++] = hex[*p >> 4];
			out[(*len)++] = hex[*p & 15];
		}
	}
	out[*len] = '\0';
	return true;
}

int sso_authorize_url(struct sso *s, int64_t now, const char *state, const char *nonce,
                      const char *challenge, char **url, char *why, size_t whylen)
{
	char *a = NULL, *t = NULL, *j = NULL, *u;
	size_t n, len;
	int rc;

	*url = NULL;
	rc = discover(s, now, &a, &t, &j, why, whylen);
	if (rc)
		goto out;
	n = strlen(a) + 3 * (strlen(s->client_id) + strlen(s->redirect) + strlen(s->scopes)) +
	    3 * (strlen(state) + strlen(nonce) + strlen(challenge)) + 256;
	u = malloc(n);
	if (!u) {
		rc = ENOMEM;
		goto out;
	}
	len = (size_t)snprintf(u, n, "%s%s", a, strchr(a, '?') ? "&" : "?");
	if (!append_enc(u, n, &len, "response_type", "code") ||
	    !append_enc(u, n, &len, "client_id", s->client_id) ||
	    !append_enc(u, n, &len, "redirect_uri", s->redirect) ||
	    !append_enc(u, n, &len, "scope", s->scopes) ||
	    !append_enc(u, n, &len, "state", state) || !append_enc(u, n, &len, "nonce", nonce) ||
	    !append_enc(u, n, &len, "code_challenge", challenge) ||
	    !append_enc(u, n, &len, "code_challenge_method", "S256")) {
		free(u);
		rc = ENOMEM;
		goto out;
	}
	*url = u;
out:
	free(a);
	free(t);
	free(j);
	return rc;
}

/* ------------------------------------------------------------------------------------
 * The ID token */

/* The provider's keys as JSON text (a copy), fetched when missing or stale, or when
 * `refetch` asks (an unknown kid) and the last fetch is jwks_refresh_s old. */
static int jwks_get(struct sso *s, int64_t now, bool refetch, char **out, char *why, size_t whylen)
{
	char *a = NULL, *t = NULL, *uri = NULL;
	json_t *doc = NULL;
	long status;
	int rc;

	*out = NULL;
	pthread_mutex_lock(&s->mu);
	if (s->jwks && now - s->jwks_at < JWKS_TTL_S &&
	    (!refetch || now - s->jwks_at < s->jwks_refresh_s)) {
		*out = strdup(s->jwks);
		pthread_mutex_unlock(&s->mu);
		return refetch ? EAGAIN : *out ? 0 : ENOMEM;
	}
	pthread_mutex_unlock(&s->mu);
	rc = discover(s, now, &a, &t, &uri, why, whylen);
	if (!rc)
		rc = fetch_json(s, uri, NULL, &doc, &status, why, whylen);
	if (!rc && (status != 200 || !json_is_array(json_object_get(doc, "keys")))) {
		snprintf(why, whylen, "%s: HTTP %ld, no keys", uri, status);
		rc = EIO;
	}
	if (!rc) {
		char *text = json_dumps(doc, JSON_COMPACT);

		pthread_mutex_lock(&s->mu);
		if (text) {
			free(s->jwks);
			s->jwks = text;
			s->jwks_at = now;
			*out = strdup(text);
		}
		pthread_mutex_unlock(&s->mu);
		rc = *out ? 0 : ENOMEM;
		if (!rc)
			log_info("sso.jwks", "keys=%zu reason=%s",
			         json_array_size(json_object_get(doc, "keys")),
			         refetch ? "unknown-kid" : "fetch");
	}
	json_decref(doc);
	free(a);
	free(t);
	free(uri);
	return rc;
}

/* The key for (alg, kid) in a JWKS text: RS256 wants an RSA key, ES256 an EC P-256 one;
 * without a kid the only such key. NULL when there is none. */
static cjose_jwk_t *jwk_find(const char *jwks, const char *alg, const char *kid)
{
	json_t *doc = json_loads(jwks, 0, NULL), *keys = json_object_get(doc, "keys"), *k;
	const char *want = strcmp(alg, "RS256") == 0 ? "RSA" : "EC";
	json_t *found = NULL;
	size_t i, matches = 0;
	cjose_jwk_t *jwk = NULL;

	json_array_foreach(keys, i, k)
	{
		const char *kty = json_string_value(json_object_get(k, "kty"));
		const char *use = json_string_value(json_object_get(k, "use"));
		const char *kkid = json_string_value(json_object_get(k, "kid"));
		const char *crv = json_string_value(json_object_get(k, "crv"));
		const char *kalg = json_string_value(json_object_get(k, "alg"));

		if (!kty || strcmp(kty, want) != 0 || (use && strcmp(use, "sig") != 0))
			continue;
		if (kalg && strcmp(kalg, alg) != 0)
			continue;
		if (strcmp(want, "EC") == 0 && (!crv || strcmp(crv, "P-256") != 0))
			continue;
		if (kid ? (kkid && strcmp(kkid, kid) == 0) : true) {
			found = k;
			matches++;
		}
	}
	if (found && matches == 1) {
		char *text = json_dumps(found, JSON_COMPACT);
		cjose_err e;

		if (text) {
			jwk = cjose_jwk_import(text, strlen(text), &e);
			free(text);
		}
	}
	json_decref(doc);
	return jwk;
}

static int refuse(const char **reason, const char *code, char *why, size_t whylen, const char *fmt,
                  const char *arg)
{
	*reason = code;
	if (fmt) /* NULL: `why` says it already */
		snprintf(why, whylen, fmt, arg ? arg : "");
	return EPERM;
}

static void copy_claim(json_t *claims, const char *name, char *out, size_t n)
{
	const char *v = json_string_value(json_object_get(claims, name));

	if (v && *v && !out[0])
		snprintf(out, n, "%s", v);
}

static bool aud_ok(json_t *aud, const char *client_id)
{
	size_t i;
	json_t *v;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), client_id) == 0;
	json_array_foreach(aud, i, v)
	{
		if (json_is_string(v) && strcmp(json_string_value(v), client_id) == 0)
			return true;
	}
	return false;
}

int sso_verify_id_token(struct sso *s, const char *jwt, const char *nonce, int64_t now,
                        struct sso_identity *id, const char **reason, char *why, size_t whylen)
{
	cjose_err e;
	cjose_jws_t *jws = NULL;
	cjose_jwk_t *jwk = NULL;
	cjose_header_t *hdr;
	const char *alg, *kid, *iss, *sub, *azp, *got_nonce;
	char *jwks = NULL, kidbuf[128] = "";
	uint8_t *plain = NULL;
	size_t plain_len = 0;
	json_t *claims = NULL, *exp, *iat, *aud, *groups;
	int rc = 0;

	memset(id, 0, sizeof(*id));
	*reason = NULL;
	jws = jwt ? cjose_jws_import(jwt, strlen(jwt), &e) : NULL;
	if (!jws) {
		rc = refuse(reason, SSO_REFUSED_CLAIMS, why, whylen, "id_token is not a JWS%s", "");
		goto out;
	}
	hdr = cjose_jws_get_protected(jws);
	alg = hdr ? cjose_header_get(hdr, CJOSE_HDR_ALG, &e) : NULL;
	kid = hdr ? cjose_header_get(hdr, CJOSE_HDR_KID, &e) : NULL;
	if (kid)
		snprintf(kidbuf, sizeof(kidbuf), "%s", kid);
	/* Only the provider's asymmetric keys: never "none", never HS256 with a public key. */
	if (!alg || (strcmp(alg, "RS256") != 0 && strcmp(alg, "ES256") != 0)) {
		rc = refuse(reason, SSO_REFUSED_SIGNATURE, why, whylen,
		            "alg \"%.20s\" is not RS256 or ES256", alg);
		goto out;
	}
	rc = jwks_get(s, now, false, &jwks, why, whylen);
	if (rc) {
		rc = refuse(reason, SSO_REFUSED_IDP, why, whylen, NULL, NULL);
		goto out;
	}
	jwk = jwk_find(jwks, alg, kid ? kidbuf : NULL);
	if (!jwk) {
		/* a new key (rotation): fetch the keys again, at most every jwks_refresh_s */
		free(jwks);
		jwks = NULL;
		rc = jwks_get(s, now, true, &jwks, why, whylen);
		if (rc == EAGAIN) {
			log_warn("sso.jwks_refetch_limited", "kid=\"%.64s\"", kidbuf);
		} else if (rc) {
			rc = refuse(reason, SSO_REFUSED_IDP, why, whylen, NULL, NULL);
			goto out;
		}
		jwk = jwks ? jwk_find(jwks, alg, kid ? kidbuf : NULL) : NULL;
	}
	if (!jwk) {
		rc = refuse(reason, SSO_REFUSED_SIGNATURE, why, whylen,
		            "no key of the provider has kid \"%.64s\"", kidbuf);
		goto out;
	}
	if (!cjose_jws_verify(jws, jwk, &e)) {
		rc = refuse(reason, SSO_REFUSED_SIGNATURE, why, whylen,
		            "the signature does not verify (kid \"%.64s\")", kidbuf);
		goto out;
	}
	if (!cjose_jws_get_plaintext(jws, &plain, &plain_len, &e) ||
	    !(claims = json_loadb((const char *)plain, plain_len, 0, NULL)) ||
	    !json_is_object(claims)) {
		rc = refuse(reason, SSO_REFUSED_CLAIMS, why, whylen,
		            "the claims are no JSON object%s", "");
		goto out;
	}
	iss = json_string_value(json_object_get(claims, "iss"));
	if (!iss || strcmp(iss, s->issuer) != 0) {
		rc = refuse(reason, SSO_REFUSED_ISSUER, why, whylen, "iss \"%.200s\"", iss);
		goto out;
	}
	aud = json_object_get(claims, "aud");
	azp = json_string_value(json_object_get(claims, "azp"));
	if (!aud_ok(aud, s->client_id) || (azp && strcmp(azp, s->client_id) != 0) ||
	    (json_is_array(aud) && json_array_size(aud) > 1 && !azp)) {
		char *a = json_dumps(aud, JSON_ENCODE_ANY | JSON_COMPACT);
		rc = refuse(reason, SSO_REFUSED_AUDIENCE, why, whylen, "aud %.200s",
		            a ? a : "none");
		free(a);
		goto out;
	}
	exp = json_object_get(claims, "exp");
	iat = json_object_get(claims, "iat");
	if (!json_is_integer(exp) || !json_is_integer(iat)) {
		rc = refuse(reason, SSO_REFUSED_CLAIMS, why, whylen, "exp or iat missing%s", "");
		goto out;
	}
	if (json_integer_value(exp) + LEEWAY_S < now) {
		char t[64];
		snprintf(t, sizeof(t), "%lld s ago", (long long)(now - json_integer_value(exp)));
		rc = refuse(reason, SSO_REFUSED_EXPIRED, why, whylen, "expired %s", t);
		goto out;
	}
	if (json_integer_value(iat) > now + LEEWAY_S) {
		rc = refuse(reason, SSO_REFUSED_EXPIRED, why, whylen, "issued in the future%s", "");
		goto out;
	}
	got_nonce = json_string_value(json_object_get(claims, "nonce"));
	if (!got_nonce || !nonce || strcmp(got_nonce, nonce) != 0) {
		rc = refuse(reason, SSO_REFUSED_NONCE, why, whylen, "nonce %s",
		            got_nonce ? "differs" : "missing");
		goto out;
	}
	sub = json_string_value(json_object_get(claims, "sub"));
	if (!sub || !*sub || strlen(sub) >= sizeof(id->sub)) {
		rc = refuse(reason, SSO_REFUSED_CLAIMS, why, whylen, "sub missing or too long%s",
		            "");
		goto out;
	}
	snprintf(id->sub, sizeof(id->sub), "%s", sub);
	copy_claim(claims, "preferred_username", id->username, sizeof(id->username));
	copy_claim(claims, "email", id->username, sizeof(id->username));
	copy_claim(claims, "sub", id->username, sizeof(id->username));
	copy_claim(claims, "name", id->display_name, sizeof(id->display_name));
	copy_claim(claims, "preferred_username", id->display_name, sizeof(id->display_name));
	copy_claim(claims, "sub", id->display_name, sizeof(id->display_name));
	copy_claim(claims, "email", id->email, sizeof(id->email));
	groups = json_object_get(claims, s->groups_claim);
	if (json_is_string(groups) || json_is_array(groups)) {
		size_t n = json_is_string(groups) ? 1 : json_array_size(groups), i;
		json_t *g;

		id->groups = calloc(n ? n : 1, sizeof(char *));
		if (!id->groups) {
			rc = ENOMEM;
			goto out;
		}
		if (json_is_string(groups)) {
			id->groups[id->ngroups] = strdup(json_string_value(groups));
			if (id->groups[id->ngroups])
				id->ngroups++;
		} else {
			json_array_foreach(groups, i, g)
			{
				if (!json_is_string(g))
					continue;
				id->groups[id->ngroups] = strdup(json_string_value(g));
				if (id->groups[id->ngroups])
					id->ngroups++;
			}
		}
	}
out:
	if (rc)
		sso_identity_clear(id);
	json_decref(claims);
	if (jwk)
		cjose_jwk_release(jwk);
	if (jws)
		cjose_jws_release(jws);
	free(jwks);
	return rc;
}

int sso_exchange(struct sso *s, const char *code, const char *verifier, const char *nonce,
                 int64_t now, struct sso_identity *id, const char **reason, char *why,
                 size_t whylen)
{
	char *a = NULL, *t = NULL, *j = NULL, *form = NULL;
	json_t *answer = NULL;
	long status = 0;
	size_t n, len = 0;
	int rc;

	memset(id, 0, sizeof(*id));
	*reason = SSO_REFUSED_IDP;
	rc = discover(s, now, &a, &t, &j, why, whylen);
	if (rc) {
		rc = EPERM;
		goto out;
	}
	n = 3 * (strlen(code) + strlen(verifier) + strlen(s->redirect)) + 128;
	form = malloc(n);
	if (!form) {
		rc = ENOMEM;
		goto out;
	}
	form[0] = '\0';
	if (!append_enc(form, n, &len, "grant_type", "authorization_code") ||
	    !append_enc(form, n, &len, "code", code) ||
	    !append_enc(form, n, &len, "redirect_uri", s->redirect) ||
	    !append_enc(form, n, &len, "code_verifier", verifier)) {
		rc = ENOMEM;
		goto out;
	}
	rc = fetch_json(s, t, form, &answer, &status, why, whylen);
	if (rc && status == 0) {
		rc = EPERM; /* unreachable: reason idp */
		goto out;
	}
	if (status != 200 || !json_is_string(json_object_get(answer, "id_token"))) {
		const char *err = json_string_value(json_object_get(answer, "error"));
		char st[16];

		snprintf(st, sizeof(st), "%ld", status);
		*reason = SSO_REFUSED_TOKEN;
		snprintf(why, whylen, "token endpoint: HTTP %s, error \"%.100s\"", st,
		         err ? err : "");
		rc = EPERM;
		goto out;
	}
	rc = sso_verify_id_token(s, json_string_value(json_object_get(answer, "id_token")), nonce,
	                         now, id, reason, why, whylen);
out:
	json_decref(answer);
	if (form) {
		sodium_memzero(form, strlen(form));
		free(form);
	}
	free(a);
	free(t);
	free(j);
	return rc;
}
