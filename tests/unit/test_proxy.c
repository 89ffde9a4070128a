/* Trusted proxies: which peers' X-Forwarded-For / Forwarded are believed, and the client
 * address read from them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/proxy.h"

static struct proxy_list *list(const char *spec)
{
	struct proxy_list *l = NULL;
	char err[160] = "";

	assert_int_equal(proxy_list_parse(&l, spec, err, sizeof(err)), 0);
	return l;
}

/* The client address for peer + headers under `spec`. */
static const char *client(const char *spec, const char *peer, const char *xff, const char *fwd)
{
	static char out[64];
	struct proxy_list *l = list(spec);

	proxy_client_addr(l, peer, xff, fwd, out, sizeof(out));
	proxy_list_free(l);
	return out;
}

static void test_parse(void **state)
{
	struct proxy_list *l = NULL;
	char err[160] = "";

	(void)state;
	assert_int_equal(proxy_list_parse(&l, "", err, sizeof(err)), 0);
	assert_null(l);
	assert_int_equal(proxy_list_parse(&l, "none", err, sizeof(err)), 0);
	assert_null(l);
	l = list("127.0.0.1, 10.0.0.0/8 ::1,fd00::/8");
	assert_true(proxy_list_has(l, "127.0.0.1"));
	assert_false(proxy_list_has(l, "127.0.0.2"));
	assert_true(proxy_list_has(l, "10.200.3.4"));
	assert_false(proxy_list_has(l, "11.0.0.1"));
	assert_true(proxy_list_has(l, "::1"));
	assert_true(proxy_list_has(l, "fd12:3456::1"));
	assert_false(proxy_list_has(l, "fe80::1"));
	assert_false(proxy_list_has(l, "garbage"));
	assert_false(proxy_list_has(l, NULL));
	proxy_list_free(l);
	/* a /12 that does not end on a byte */
	l = list("172.16.0.0/12");
	assert_true(proxy_list_has(l, "172.31.255.255"));
	assert_false(proxy_list_has(l, "172.32.0.0"));
	proxy_list_free(l);

	assert_int_equal(proxy_list_parse(&l, "10.0.0.0/33", err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "10.0.0.0/33"));
	assert_int_equal(proxy_list_parse(&l, "10.0.0.1, proxy.example", err, sizeof(err)), EINVAL);
	assert_non_null(strstr(err, "proxy.example"));
	assert_int_equal(proxy_list_parse(&l, "10.0.0.0/", err, sizeof(err)), EINVAL);
	assert_int_equal(proxy_list_parse(&l, "10.0.0.0/-1", err, sizeof(err)), EINVAL);
	assert_int_equal(proxy_list_parse(&l, "none, 10.0.0.1", err, sizeof(err)), EINVAL);
	assert_null(l);
}

/* Tabs separate entries as commas and spaces do; a list of them is not read past its end
 * (ASan caught the overflow through fuzz/fuzz_proxy.c, seed corpus/proxy/crash-tab-list). */
static void test_tab_separated(void **state)
{
	struct proxy_list *l;

	(void)state;
	l = list("10.0.0.0/8\t10.0.0.9\t\t192.0.2.1");
	assert_true(proxy_list_has(l, "10.1.2.3"));
	assert_true(proxy_list_has(l, "192.0.2.1"));
	assert_false(proxy_list_has(l, "192.0.2.2"));
	proxy_list_free(l);
}

static void test_untrusted_peer_ignored(void **state)
{
	(void)state;
	/* No proxies trusted: the peer, whatever it says. */
	assert_string_equal(client("", "127.0.0.1", "198.51.100.7", NULL), "127.0.0.1");
	/* A peer outside the list says it forwards for someone: not believed. */
	assert_string_equal(client("10.0.0.1", "192.0.2.50", "198.51.100.7", NULL), "192.0.2.50");
	assert_string_equal(client("10.0.0.1", "192.0.2.50", NULL, "for=198.51.100.7"),
	                    "192.0.2.50");
	/* A trusted peer without the headers is the client itself. */
	assert_string_equal(client("10.0.0.1", "10.0.0.1", NULL, NULL), "10.0.0.1");
}

static void test_ipv4(void **state)
{
	(void)state;
	assert_string_equal(client("127.0.0.1", "127.0.0.1", "198.51.100.7", NULL), "198.51.100.7");
	assert_string_equal(client("127.0.0.1", "127.0.0.1", " 198.51.100.7 ", NULL),
	                    "198.51.100.7");
	/* with a port (Azure's balancers add one) */
	assert_string_equal(client("127.0.0.1", "127.0.0.1", "198.51.100.7:50123", NULL),
	                    "198.51.100.7");
	assert_string_equal(client("127.0.0.1", "127.0.0.1", NULL, "for=198.51.100.7;proto=https"),
	                    "198.51.100.7");
	assert_string_equal(
	        client("127.0.0.1", "127.0.0.1", NULL, "proto=https;For=\"198.51.100.7:80\""),
	        "198.51.100.7");
}

static void test_ipv6(void **state)
{
	(void)state;
	assert_string_equal(client("::1", "::1", "2001:db8::7", NULL), "2001:db8::7");
	assert_string_equal(client("::1", "::1", "[2001:db8::7]:4711", NULL), "2001:db8::7");
	assert_string_equal(client("::1", "::1", "[2001:DB8:0::7]", NULL), "2001:db8::7");
	assert_string_equal(client("::1", "::1", NULL, "for=\"[2001:db8:cafe::17]:4711\""),
	                    "2001:db8:cafe::17");
	/* an IPv4 client behind an IPv6 proxy, and the reverse */
	assert_string_equal(client("::1", "::1", "198.51.100.7", NULL), "198.51.100.7");
	assert_string_equal(client("127.0.0.1", "127.0.0.1", "2001:db8::7", NULL), "2001:db8::7");
}

static void test_several_hops(void **state)
{
	(void)state;
	/* Client → CDN (10.1.0.9, trusted) → nginx (127.0.0.1): the rightmost untrusted. */
	assert_string_equal(
	        client("127.0.0.1, 10.1.0.0/16", "127.0.0.1", "198.51.100.7, 10.1.0.9", NULL),
	        "198.51.100.7");
	/* A client that writes its own X-Forwarded-For: its forged hops are to the left of
	 * its real address, which the proxy appended. */
	assert_string_equal(client("127.0.0.1", "127.0.0.1", "1.2.3.4, 203.0.113.9", NULL),
	                    "203.0.113.9");
	/* Two header lines joined by the server: the same rule. */
	assert_string_equal(client("127.0.0.1", "127.0.0.1", "1.2.3.4,203.0.113.9", NULL),
	                    "203.0.113.9");
	assert_string_equal(client("127.0.0.1, 10.1.0.0/16", "127.0.0.1", NULL,
	                           "for=198.51.100.7, for=10.1.0.9;by=10.1.0.1"),
	                    "198.51.100.7");
	/* Every hop trusted: the leftmost one. */
	assert_string_equal(
	        client("127.0.0.1, 10.1.0.0/16", "127.0.0.1", "10.1.0.3, 10.1.0.9", NULL),
	        "10.1.0.3");
	/* X-Forwarded-For wins over Forwarded when both came. */
	assert_string_equal(client("127.0.0.1", "127.0.0.1", "203.0.113.9", "for=1.2.3.4"),
	                    "203.0.113.9");
}

static void test_garbage(void **state)
{
	(void)state;
	/* A hop that is no address ends the walk at the last trusted hop. */
	assert_string_equal(client("127.0.0.1", "127.0.0.1", "unknown", NULL), "127.0.0.1");
	assert_string_equal(
	        client("127.0.0.1, 10.1.0.0/16", "127.0.0.1", "198.51.100.7, junk, 10.1.0.9", NULL),
	        "10.1.0.9");
	assert_string_equal(client("127.0.0.1", "127.0.0.1", "198.51.100.7:port", NULL),
	                    "127.0.0.1");
	assert_string_equal(client("127.0.0.1", "127.0.0.1", "[2001:db8::7", NULL), "127.0.0.1");
	assert_string_equal(client("127.0.0.1", "127.0.0.1", "[198.51.100.7]", NULL), "127.0.0.1");
	assert_string_equal(client("127.0.0.1", "127.0.0.1", "[2001:db8::7]x", NULL), "127.0.0.1");
	assert_string_equal(client("127.0.0.1", "127.0.0.1", ",", NULL), "127.0.0.1");
	assert_string_equal(client("127.0.0.1", "127.0.0.1", NULL, "for=_hidden"), "127.0.0.1");
	assert_string_equal(client("127.0.0.1", "127.0.0.1", NULL, "proto=http"), "127.0.0.1");
	assert_string_equal(client("127.0.0.1", "127.0.0.1", NULL, "for=\"unterminated"),
	                    "127.0.0.1");
	/* Too many hops: none believed. */
	{
		char many[40 * 12] = "";
		size_t off = 0;
		for (int i = 0; i < 40; i++)
			off += (size_t)snprintf(many + off, sizeof(many) - off, "%s10.9.0.%d",
			                        i ? "," : "", i + 1);
		assert_string_equal(client("127.0.0.1", "127.0.0.1", many, NULL), "127.0.0.1");
	}
	/* A peer address that is no address is passed on as it is. */
	assert_string_equal(client("127.0.0.1", "unknown", "198.51.100.7", NULL), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parse),
	        cmocka_unit_test(test_tab_separated),
	        cmocka_unit_test(test_untrusted_peer_ignored),
	        cmocka_unit_test(test_ipv4),
	        cmocka_unit_test(test_ipv6),
	        cmocka_unit_test(test_several_hops),
	        cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
