/*
 * cryptbench.c: measures what one password check costs with each crypt(3)
 * scheme Sluice could store, to justify remembering verified logins (see
 * README "Why logins are both strong and cheap"). Prints one line per
 * scheme. Part of `make bench`, not of the tests.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void
measure(const char *prefix, unsigned long cost, const char *label)
{
	struct crypt_data cd;
	char *salt, *hash;
	double t;
	int i, n = 20;

	salt = crypt_gensalt_ra(prefix, cost, NULL, 0);
	memset(&cd, 0, sizeof(cd));
	hash = strdup(crypt_r("correct horse", salt, &cd));
	t = now();
	for (i = 0; i < n; i++) {
		memset(&cd, 0, sizeof(cd));
		crypt_r("correct horse", hash, &cd);
	}
	t = (now() - t) / n;
	printf("crypt %-22s %6.1f ms per check, %6.0f checks/s per core\n",
	    label, t * 1000, 1 / t);
	free(hash);
	free(salt);
}

int
main(void)
{
	measure("$y$", 0, "yescrypt (default)");
	measure("$2b$", 10, "bcrypt cost 10");
	measure("$6$", 0, "sha512crypt (default)");
	return 0;
}
