/*
 * test_htpasswd.c: unit tests for lib/htpasswd.c on a temporary
 * directory: hashing and verification, locked hashes, set/del keeping
 * other users, atomic rewrite (mode, no temp files left, old file intact
 * on failure), the user-name rule and name validation. One output line
 * per case (tests/unit/check.h); a failed case names every failed
 * condition by line.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "htpasswd.h"
#include "xalloc.h"

static char dir[64];
static char *file;

/*
 * Inside a case (which declares int ok = 1 and char why[512] = ""):
 * records a failed condition in why, for check()'s detail.
 */
#define CHECK(cond) do {						\
	if (!(cond)) {							\
		failed_at(why, sizeof(why), __LINE__, #cond);		\
		ok = 0;							\
	}								\
} while (0)

/* Appends "line N: cond" to why (truncated when full). */
static void
failed_at(char *why, size_t whysz, int line, const char *cond)
{
	size_t n = strlen(why);

	snprintf(why + n, whysz - n, "%sline %d: %s", n ? "; " : "", line,
	    cond);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = xcalloc(1, 65536);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
count_entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

static int
has_user(const char *name, const char *hash)
{
	char *h = htpasswd_lookup(file, name);
	int r = h != NULL && (hash == NULL || strcmp(h, hash) == 0);

	free(h);
	return r;
}

static void
test_hash_verify(void)
{
	char *h = htpasswd_hash("correct horse"), *h2;
	int ok = 1;
	char why[512] = "";

	CHECK(h != NULL && strncmp(h, "$y$", 3) == 0);
	CHECK(h != NULL && strchr(h, ':') == NULL);
	CHECK(htpasswd_matches("correct horse", h) == 1);
	CHECK(htpasswd_matches("correct horsE", h) == 0);
	CHECK(htpasswd_matches("", h) == 0);
	h2 = htpasswd_hash("correct horse");
	CHECK(h2 != NULL && strcmp(h, h2) != 0);	/* fresh salt */
	CHECK(htpasswd_matches("correct horse", h2) == 1);
	free(h);
	free(h2);
	check("hash_verify_yescrypt", ok, why);
}

static void
test_verify_refuses(void)
{
	int ok = 1;
	char why[512] = "";

	CHECK(htpasswd_matches("x", "") == 0);
	CHECK(htpasswd_matches("x", "*") == 0);
	CHECK(htpasswd_matches("x", "!") == 0);
	CHECK(htpasswd_matches("", "*") == 0);
	CHECK(htpasswd_matches("x", "!$y$j9T$abc$def") == 0);
	CHECK(htpasswd_matches("x", "$unknown$method") == 0);
	CHECK(htpasswd_matches("x", NULL) == 0);
	check("verify_refuses_locked_and_unknown", ok, why);
}

static void
test_missing_file(void)
{
	int ok = 1;
	char why[512] = "";

	unlink(file);
	CHECK(htpasswd_lookup(file, "alice") == NULL);
	CHECK(htpasswd_del(file, "alice") == SL_OK);
	CHECK(access(file, F_OK) == -1);
	check("missing_file_means_no_users", ok, why);
}

static void
test_set_keeps_others(void)
{
	char *ha = htpasswd_hash("a"), *hb = htpasswd_hash("b"),
	    *hc = htpasswd_hash("c"), *text;
	struct stat sb;
	int ok = 1;
	char why[512] = "";

	unlink(file);
	CHECK(htpasswd_set(file, "alice", ha) == SL_OK);
	CHECK(htpasswd_set(file, "bob", hb) == SL_OK);
	CHECK(htpasswd_set(file, "carol@example.org", hc) == SL_OK);
	CHECK(has_user("alice", ha) && has_user("bob", hb) &&
	    has_user("carol@example.org", hc));
	/* Replacing bob keeps alice and carol and bob's position. */
	CHECK(htpasswd_set(file, "bob", ha) == SL_OK);
	CHECK(has_user("alice", ha) && has_user("bob", ha) &&
	    has_user("carol@example.org", hc));
	text = slurp(file);
	CHECK(text != NULL && strstr(text, "alice:") == text);
	CHECK(text != NULL && strstr(text, "\nbob:") != NULL &&
	    strstr(text, "\nbob:") < strstr(text, "\ncarol@"));
	free(text);
	/* A prefix of a name is another user. */
	CHECK(!has_user("al", NULL) && !has_user("alice2", NULL));
	CHECK(stat(file, &sb) == 0 && (sb.st_mode & 0777) == 0640);
	CHECK(count_entries(dir) == 1);	/* no temp files left */
	text = htpasswd_lookup(file, "alice");
	CHECK(text != NULL && htpasswd_matches("a", text) == 1);
	free(text);
	free(ha);
	free(hb);
	free(hc);
	check("set_adds_replaces_keeps_others", ok, why);
}

static void
test_del_keeps_others(void)
{
	int ok = 1;
	char why[512] = "";

	CHECK(htpasswd_del(file, "bob") == SL_OK);
	CHECK(!has_user("bob", NULL));
	CHECK(has_user("alice", NULL) && has_user("carol@example.org", NULL));
	CHECK(htpasswd_del(file, "bob") == SL_OK);
	CHECK(htpasswd_del(file, "alice") == SL_OK);
	CHECK(htpasswd_del(file, "carol@example.org") == SL_OK);
	CHECK(!has_user("alice", NULL));
	CHECK(count_entries(dir) == 1);
	check("del_removes_one_keeps_others", ok, why);
}

static void
test_name_rule(void)
{
	static const char *good[] = {
		"alice", "A", "carol@example.org", "a.b-c_d", "0",
		"0123456789012345678901234567890123456789"
		"012345678901234567890123", NULL
	};
	static const char *bad[] = {
		"", "a:b", "a b", "a\nb", "\xc3\xa9", "a/b", "a\tb", "a\\b",
		"a,b", "a\"b",
		"0123456789012345678901234567890123456789"
		"0123456789012345678901234", NULL
	};
	char rule[16];
	int ok = 1;
	char why[512] = "";

	for (int i = 0; good[i] != NULL; i++)
		CHECK(htpasswd_name_valid(good[i]) == 1);
	for (int i = 0; bad[i] != NULL; i++)
		CHECK(htpasswd_name_valid(bad[i]) == 0);
	CHECK(htpasswd_name_valid(NULL) == 0);
	CHECK(strlen(good[5]) == HTPASSWD_NAME_MAX);
	/* The text told to people says the same length. */
	snprintf(rule, sizeof(rule), "1-%d ", HTPASSWD_NAME_MAX);
	CHECK(strncmp(HTPASSWD_NAME_RULE, rule, strlen(rule)) == 0);
	/* The file's writers follow the rule exactly. */
	unlink(file);
	for (int i = 0; good[i] != NULL; i++)
		CHECK(htpasswd_set(file, good[i], "$y$x") == SL_OK &&
		    htpasswd_del(file, good[i]) == SL_OK);
	unlink(file);
	check("user_name_rule", ok, why);
}

static void
test_bad_names(void)
{
	static const char *bad[] = {
		"", "a:b", "a b", "a\nb", "é", "a/b", "a\tb",
		"0123456789012345678901234567890123456789"
		"0123456789012345678901234", NULL
	};
	char *h = htpasswd_hash("p"), *before, *after;
	int ok = 1;
	char why[512] = "";

	CHECK(htpasswd_set(file, "keeper", h) == SL_OK);
	before = slurp(file);
	for (int i = 0; bad[i] != NULL; i++) {
		CHECK(htpasswd_set(file, bad[i], h) == SL_INVALID);
		CHECK(htpasswd_del(file, bad[i]) == SL_INVALID);
		CHECK(htpasswd_lookup(file, bad[i]) == NULL);
	}
	CHECK(htpasswd_set(file, NULL, h) == SL_INVALID);
	/* Hashes that would break the line format are refused. */
	CHECK(htpasswd_set(file, "x", "a:b") == SL_INVALID);
	CHECK(htpasswd_set(file, "x", "a\nevil:$y$") == SL_INVALID);
	CHECK(htpasswd_set(file, "x", "") == SL_INVALID);
	CHECK(htpasswd_set(file, "x", NULL) == SL_INVALID);
	/* 64 characters is the longest name. */
	CHECK(htpasswd_set(file, "0123456789012345678901234567890123456789"
	    "012345678901234567890123", h) == SL_OK);
	CHECK(htpasswd_del(file, "0123456789012345678901234567890123456789"
	    "012345678901234567890123") == SL_OK);
	after = slurp(file);
	CHECK(before && after && strcmp(before, after) == 0);
	free(before);
	free(after);
	free(h);
	check("bad_names_and_hashes_refused", ok, why);
}

static void
test_nginx_format(void)
{
	FILE *f;
	char *h, *text;
	int ok = 1;
	char why[512] = "";

	/* Comments, blank lines, CRLF and a third field are tolerated. */
	f = fopen(file, "w");
	fputs("old:{PLAIN}x:some comment\r\n\nzed:$y$abc\n", f);
	fclose(f);
	h = htpasswd_lookup(file, "old");
	CHECK(h != NULL && strcmp(h, "{PLAIN}x") == 0);
	free(h);
	h = htpasswd_lookup(file, "zed");
	CHECK(h != NULL && strcmp(h, "$y$abc") == 0);
	free(h);
	CHECK(htpasswd_set(file, "new", "$y$def") == SL_OK);
	text = slurp(file);
	CHECK(text != NULL && strcmp(text,
	    "old:{PLAIN}x:some comment\nzed:$y$abc\nnew:$y$def\n") == 0);
	free(text);
	check("nginx_format_tolerated", ok, why);
}

static void
test_write_failure_keeps_file(void)
{
	struct rlimit saved, small;
	char *before, *after, *big;
	int ok = 1;
	char why[512] = "";

	/*
	 * A file size limit below the new file's size makes the write fail
	 * (EFBIG) even for root; the old file must survive untouched.
	 */
	before = slurp(file);
	big = xmalloc(300);
	memset(big, 'x', 299);
	big[0] = '$';
	big[299] = '\0';
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &saved);
	small = saved;
	small.rlim_cur = before ? strlen(before) + 10 : 10;
	setrlimit(RLIMIT_FSIZE, &small);
	CHECK(htpasswd_set(file, "blocked", big) == SL_IO);
	setrlimit(RLIMIT_FSIZE, &saved);
	after = slurp(file);
	CHECK(before && after && strcmp(before, after) == 0);
	CHECK(count_entries(dir) == 1);
	free(big);
	free(before);
	free(after);
	check("write_failure_keeps_old_file", ok, why);
}

static void
test_concurrent_writers(void)
{
	enum { WRITERS = 6, EACH = 15 };
	char name[32], *h;
	pid_t pids[WRITERS];
	char why[512] = "";
	int ok = 1, status, missing = 0;

	unlink(file);
	fflush(stdout);
	for (int w = 0; w < WRITERS; w++) {
		if ((pids[w] = fork()) == 0) {
			for (int i = 0; i < EACH; i++) {
				snprintf(name, sizeof(name), "w%d-u%d", w, i);
				if (htpasswd_set(file, name, "$y$x") != SL_OK)
					_exit(1);
			}
			_exit(0);
		}
		CHECK(pids[w] > 0);
	}
	for (int w = 0; w < WRITERS; w++) {
		CHECK(waitpid(pids[w], &status, 0) == pids[w] &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	for (int w = 0; w < WRITERS; w++)
		for (int i = 0; i < EACH; i++) {
			snprintf(name, sizeof(name), "w%d-u%d", w, i);
			if ((h = htpasswd_lookup(file, name)) == NULL)
				missing++;
			free(h);
		}
	CHECK(missing == 0);
	CHECK(count_entries(dir) == 1);
	if (missing)
		printf("    %d of %d users lost\n", missing, WRITERS * EACH);
	unlink(file);
	check("concurrent_writers_lose_nothing", ok, why);
}

static void
test_missing_dir(void)
{
	char *p = xasprintf("%s/nope/htpasswd", dir);
	int ok = 1;
	char why[512] = "";

	CHECK(htpasswd_set(p, "alice", "$y$x") == SL_IO);
	CHECK(htpasswd_lookup(p, "alice") == NULL);
	free(p);
	check("missing_directory_fails_cleanly", ok, why);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_htpasswd.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	file = xasprintf("%s/htpasswd", dir);
	test_hash_verify();
	test_verify_refuses();
	test_missing_file();
	test_set_keeps_others();
	test_del_keeps_others();
	test_name_rule();
	test_bad_names();
	test_nginx_format();
	test_write_failure_keeps_file();
	test_concurrent_writers();
	test_missing_dir();
	unlink(file);
	rmdir(dir);
	free(file);
	return check_status();
}
