/*
 * netrc.c: reads the login and password for one host from a netrc file
 * (~/.netrc), the fallback of sluicectl's credentials when SLUICE_USER or
 * SLUICE_PASSWORD is unset. It owns the file's syntax and nothing else:
 * which host to ask for and what to do with the answer are http.c's.
 *
 * The syntax is the one ftp(1) and curl read: whitespace-separated
 * tokens; "machine NAME" starts an entry for NAME (compared without
 * case), "default" one for every other host (used only when no machine
 * entry fits); "login", "password" and "account" take a value; "macdef
 * NAME" is followed by a macro running to the next empty line (skipped).
 * A token may be double-quoted, with backslash escapes (\n, \t, \r, and
 * \x for any other x), so a password can hold spaces. A line whose first
 * non-blank character is '#' is a comment. Unknown words are ignored.
 *
 * Being careful with a file of passwords: it is refused (with why) when
 * it is not a regular file owned by the user or when group or others may
 * read or write it, as ftp(1) does; it is read whole (at most
 * NETRC_MAX bytes) and wiped from memory once parsed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "netrc.h"
#include "xalloc.h"

#define NETRC_MAX (64 * 1024)

/* The text being read and where. */
struct lexer {
	const char *p, *end;
	int line_start;		/* nothing but blanks since the last newline */
};

/* The entry being read, and what was found so far. */
struct scan {
	const char *host, *want;	/* want: the login asked for, or NULL */
	int kind;			/* ENTRY_* of the current entry */
	char *login, *password;		/* the current entry's */
	struct netrc_login found, fallback;	/* a machine's, default's */
};

enum { ENTRY_NONE, ENTRY_MATCH, ENTRY_OTHER, ENTRY_DEFAULT };

static void
wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Releases l's strings (wiping them); l itself is the caller's. */
void
netrc_login_fini(struct netrc_login *l)
{
	wipe_free(l->login);
	wipe_free(l->password);
	l->login = l->password = NULL;
}

/* Skips blanks and comment lines. */
static void
skip_space(struct lexer *lx)
{
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == '\n') {
			lx->line_start = 1;
		} else if (c == '#' && lx->line_start) {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
			continue;
		} else if (c != ' ' && c != '\t' && c != '\r' && c != '\f' &&
		    c != '\v') {
			return;
		}
		lx->p++;
	}
}

/* Reads a double-quoted token (lx->p at the quote) into out. */
static int
quoted(struct lexer *lx, char *out, size_t *n)
{
	for (lx->p++; lx->p < lx->end && *lx->p != '"'; lx->p++) {
		char c = *lx->p;

		if (c == '\\' && lx->p + 1 < lx->end) {
			c = *++lx->p;
			c = c == 'n' ? '\n' : c == 't' ? '\t' :
			    c == 'r' ? '\r' : c;
		}
		out[(*n)++] = c;
	}
	if (lx->p == lx->end)
		return -1;
	lx->p++;
	return 0;
}

/*
 * Returns the next token (caller wipes and frees), or NULL at the end of
 * the text, or NULL with *bad set for an unterminated quote.
 */
static char *
next_token(struct lexer *lx, int *bad)
{
	char *out;
	size_t n = 0;

	skip_space(lx);
	if (lx->p >= lx->end)
		return NULL;
	lx->line_start = 0;
	/* A token is never longer than the rest of the text. */
	out = xmalloc((size_t)(lx->end - lx->p) + 1);
	if (*lx->p == '"') {
		if (quoted(lx, out, &n) == -1) {
			*bad = 1;
			free(out);
			return NULL;
		}
	} else {
		while (lx->p < lx->end && strchr(" \t\r\n\f\v", *lx->p) == NULL)
			out[n++] = *lx->p++;
	}
	out[n] = '\0';
	return out;
}

/* Skips a macdef's body: everything up to the next empty line. */
static void
skip_macro(struct lexer *lx)
{
	while (lx->p < lx->end && *lx->p != '\n')
		lx->p++;
	while (lx->p < lx->end) {
		if (*lx->p == '\n' && lx->p + 1 < lx->end &&
		    lx->p[1] == '\n') {
			lx->p += 2;
			lx->line_start = 1;
			return;
		}
		lx->p++;
	}
}

/*
 * Ends the current entry: keeps it as the answer (a machine's) or the
 * fallback (the default's) when it fits the login asked for and has a
 * password. Returns 1 once a machine entry fitted.
 */
static int
end_entry(struct scan *sc)
{
	struct netrc_login *to = sc->kind == ENTRY_MATCH ? &sc->found :
	    sc->kind == ENTRY_DEFAULT && sc->fallback.password == NULL ?
	    &sc->fallback : NULL;
	int fits = sc->password != NULL && (sc->want != NULL ?
	    sc->login == NULL || strcmp(sc->login, sc->want) == 0 :
	    sc->login != NULL);

	if (to != NULL && fits) {
		to->login = sc->login ? sc->login : xstrdup(sc->want);
		to->password = sc->password;
		sc->login = sc->password = NULL;
	}
	wipe_free(sc->login);
	wipe_free(sc->password);
	sc->login = sc->password = NULL;
	sc->kind = ENTRY_NONE;
	return sc->found.password != NULL;
}

/* Stores the value of keyword kw (login or password) in the entry. */
static void
keep_value(struct scan *sc, const char *kw, char *value)
{
	char **to = strcmp(kw, "login") == 0 ? &sc->login :
	    strcmp(kw, "password") == 0 ? &sc->password : NULL;

	if (to == NULL || sc->kind == ENTRY_NONE) {
		wipe_free(value);
		return;
	}
	wipe_free(*to);
	*to = value;
}

/*
 * Reads the tokens of text into sc until a machine entry fits. Returns
 * SL_OK, or SL_INVALID for an unterminated quote.
 */
static enum sl_status
parse(struct scan *sc, const char *text, size_t len)
{
	struct lexer lx = { text, text + len, 1 };
	char *tok, *arg;
	int bad = 0, done = 0;

	while (!done && (tok = next_token(&lx, &bad)) != NULL) {
		if (strcmp(tok, "machine") == 0 ||
		    strcmp(tok, "default") == 0) {
			done = end_entry(sc);
			sc->kind = tok[0] == 'd' ? ENTRY_DEFAULT : ENTRY_OTHER;
			if (tok[0] == 'm' && (arg = next_token(&lx, &bad))) {
				if (strcasecmp(arg, sc->host) == 0)
					sc->kind = ENTRY_MATCH;
				free(arg);
			}
		} else if (strcmp(tok, "login") == 0 ||
		    strcmp(tok, "password") == 0 ||
		    strcmp(tok, "account") == 0) {
			if ((arg = next_token(&lx, &bad)) != NULL)
				keep_value(sc, tok, arg);
		} else if (strcmp(tok, "macdef") == 0) {
			free(next_token(&lx, &bad));
			skip_macro(&lx);
		}
		wipe_free(tok);
	}
	if (!done)
		end_entry(sc);
	return bad ? SL_INVALID : SL_OK;
}

/*
 * Opens path and reads it whole if it may hold passwords: a regular file
 * of ours that group and others cannot read or write. Returns the text
 * (caller wipes and frees) with its length, or NULL with errno ENOENT
 * when there is no file, or NULL with why for a refused file.
 */
static char *
read_private(const char *path, size_t *len, char *why, size_t whysz)
{
	struct stat sb;
	FILE *f;
	char *text = NULL;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	*why = '\0';
	if (fd == -1) {
		if (errno != ENOENT)
			snprintf(why, whysz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode))
		snprintf(why, whysz, "%s is not a regular file", path);
	else if (sb.st_uid != geteuid())
		snprintf(why, whysz, "%s is not yours; it is not read", path);
	else if (sb.st_mode & 077)
		snprintf(why, whysz, "%s may be read by others (mode %04o); "
		    "chmod 600 it", path, (unsigned)(sb.st_mode & 07777));
	if (*why != '\0' || (f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return NULL;
	}
	if ((text = fileio_read(f, NETRC_MAX, len)) == NULL)
		snprintf(why, whysz, "%s: %s", path, errno == EFBIG ?
		    "too large for a netrc file" : strerror(errno));
	fclose(f);
	return text;
}

/*
 * Finds the credentials for host (without brackets or port) in the netrc
 * file at path. login, when not NULL, is the login already chosen: only
 * an entry with that login or with none fits. A machine entry is
 * preferred to the default one. Returns SL_OK with *out filled (release
 * it with netrc_login_fini); SL_NOTFOUND when there is no file or no entry
 * fits; SL_INVALID with why when the file is refused or malformed.
 */
enum sl_status
netrc_find(const char *path, const char *host, const char *login,
    struct netrc_login *out, char *why, size_t whysz)
{
	struct scan sc = { .host = host, .want = login };
	enum sl_status s;
	size_t len = 0;
	char *text;

	memset(out, 0, sizeof(*out));
	if ((text = read_private(path, &len, why, whysz)) == NULL)
		return *why ? SL_INVALID : SL_NOTFOUND;
	if ((s = parse(&sc, text, len)) != SL_OK)
		snprintf(why, whysz, "%s: a quoted word has no closing quote",
		    path);
	explicit_bzero(text, len);
	free(text);
	if (s == SL_OK && sc.found.password != NULL) {
		*out = sc.found;
		netrc_login_fini(&sc.fallback);
		return SL_OK;
	}
	netrc_login_fini(&sc.found);
	if (s == SL_OK && sc.fallback.password != NULL) {
		*out = sc.fallback;
		return SL_OK;
	}
	netrc_login_fini(&sc.fallback);
	return s == SL_OK ? SL_NOTFOUND : s;
}
