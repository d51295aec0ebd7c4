/*
 * repo_git.c: the git program's part in following a flow repository. Each
 * repository has a bare clone, <data>/code/git/<name>.git, private to the
 * service user; a fetch brings the asked ref into it and pins the commit
 * under refs/sluice/commits/, so commits that runs use survive a force
 * push. Files are read straight from commits (ls-tree, cat-file) and a
 * commit is exported with `git archive` for its checkout. Every call is
 * an argv (never a shell) with a timeout, no terminal prompt, and the
 * repository's credentials in the environment only: an https token as an
 * extra header, an ssh deploy key in a 0600 file removed afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command.h"
#include "repo_git.h"
#include "xalloc.h"

#define GIT_TIMEOUT_S 120
#define LIST_MAX (4 * 1024 * 1024)

/* Standard base64 of n bytes of p, for an Authorization header. */
static char *
base64(const char *p, size_t n)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc(4 * ((n + 2) / 3) + 1), *o = out;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)p[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)p[i + 2];
		*o++ = abc[v >> 18 & 63];
		*o++ = abc[v >> 12 & 63];
		*o++ = i + 1 < n ? abc[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? abc[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static void
env_add(struct repo_git *g, char *kv)
{
	size_t n = 0;

	while (g->env != NULL && g->env[n] != NULL)
		n++;
	g->env = xrealloc(g->env, (n + 2) * sizeof(*g->env));
	g->env[n] = kv;
	g->env[n + 1] = NULL;
}

/* Writes the ssh deploy key to a private file and points ssh at it. */
static enum sl_status
use_ssh_key(struct repo_git *g, const char *home, const char *key,
    char *why, size_t whysz)
{
	size_t len = strlen(key);
	int fd;

	g->key_path = xasprintf("%s/key-%s", home, g->name);
	unlink(g->key_path);
	fd = open(g->key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1 || write(fd, key, len) != (ssize_t)len ||
	    (len > 0 && key[len - 1] != '\n' && write(fd, "\n", 1) != 1)) {
		snprintf(why, whysz, "cannot write the deploy key: %s",
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return SL_IO;
	}
	close(fd);
	env_add(g, xasprintf("GIT_SSH_COMMAND=ssh -i %s -o IdentitiesOnly=yes"
	    " -o BatchMode=yes -o StrictHostKeyChecking=accept-new"
	    " -o UserKnownHostsFile=%s/known_hosts", g->key_path, home));
	return SL_OK;
}

/*
 * A local repository belongs to whoever made it, not to us: the admin
 * who registered its path vouches for it. git takes that only from a
 * global configuration (not the environment, which it clears for a local
 * fetch's other side), so HOME/.gitconfig says it.
 */
static enum sl_status
trust_local(const char *home, char *why, size_t whysz)
{
	static const char conf[] = "[safe]\n\tdirectory = *\n";
	char *path = xasprintf("%s/.gitconfig", home);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	enum sl_status s = SL_OK;

	if (fd == -1 || write(fd, conf, sizeof(conf) - 1) !=
	    (ssize_t)sizeof(conf) - 1) {
		snprintf(why, whysz, "cannot write %s: %s", path,
		    strerror(errno));
		s = SL_IO;
	}
	if (fd != -1)
		close(fd);
	free(path);
	return s;
}

enum sl_status
repo_git_open(struct repo_git *g, const char *data_dir, const char *name,
    const struct repo_auth *auth, char *why, size_t whysz)
{
	char *home = xasprintf("%s/code/home", data_dir), *hdr, *cred;

	memset(g, 0, sizeof(*g));
	g->name = name;
	g->git_dir = xasprintf("%s/code/git/%s.git", data_dir, name);
	env_add(g, xstrdup("GIT_TERMINAL_PROMPT=0"));
	env_add(g, xstrdup("GIT_CONFIG_NOSYSTEM=1"));
	env_add(g, xasprintf("HOME=%s", home));
	if (trust_local(home, why, whysz) != SL_OK) {
		free(home);
		return SL_IO;
	}
	if (auth->token != NULL) {
		cred = xasprintf("x-access-token:%s", auth->token);
		hdr = base64(cred, strlen(cred));
		env_add(g, xstrdup("GIT_CONFIG_COUNT=1"));
		env_add(g, xstrdup("GIT_CONFIG_KEY_0=http.extraHeader"));
		env_add(g, xasprintf("GIT_CONFIG_VALUE_0=Authorization: Basic "
		    "%s", hdr));
		free(cred);
		free(hdr);
	}
	if (auth->ssh_key != NULL &&
	    use_ssh_key(g, home, auth->ssh_key, why, whysz) != SL_OK) {
		free(home);
		return SL_IO;
	}
	free(home);
	return SL_OK;
}

void
repo_git_close(struct repo_git *g)
{
	if (g->key_path != NULL)
		unlink(g->key_path);
	free(g->key_path);
	for (size_t i = 0; g->env != NULL && g->env[i] != NULL; i++)
		free(g->env[i]);
	free(g->env);
	free(g->git_dir);
	memset(g, 0, sizeof(*g));
}

/*
 * Runs git with --git-dir and the arguments (NULL-terminated), stdout
 * captured (up to out_max) or into out_fd. SL_OK, or a status with why.
 */
static enum sl_status
git(struct repo_git *g, struct command *c, char *why, size_t whysz,
    const char *const *args)
{
	char *argv[16];
	size_t n = 0;
	enum sl_status s;

	argv[n++] = "git";
	argv[n++] = "--git-dir";
	argv[n++] = g->git_dir;
	while (*args != NULL && n < 15)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	c->argv = argv;
	c->env = g->env;
	c->timeout_s = GIT_TIMEOUT_S;
	if (c->out_max == 0)
		c->out_max = LIST_MAX;
	if ((s = command_run(c)) != SL_OK)
		command_why(c, why, whysz);
	return s;
}

/* git with captured output, freed unless the caller keeps c.out. */
static enum sl_status
git_out(struct repo_git *g, char **out, size_t max, char *why, size_t whysz,
    const char *const *args)
{
	struct command c = { .out_fd = -1, .out_max = max };
	enum sl_status s = git(g, &c, why, whysz, args);

	if (s == SL_OK && out != NULL) {
		*out = c.out != NULL ? c.out : xstrdup("");	/* printed nothing */
		c.out = NULL;
	}
	command_free(&c);
	return s;
}

/* The first line of text, trimmed, copied into out. */
static void
first_line(const char *text, char *out, size_t outsz)
{
	snprintf(out, outsz, "%.*s", (int)strcspn(text, "\r\n"), text);
}

enum sl_status
repo_git_fetch(struct repo_git *g, const char *url, const char *ref,
    char commit[REPO_COMMIT_LEN], char **subject, char *why, size_t whysz)
{
	char *spec = xasprintf("+%s:refs/sluice/fetched", ref), *out = NULL;
	char *pin;
	struct stat sb;
	enum sl_status s = SL_OK;

	if (stat(g->git_dir, &sb) == -1)
		s = git_out(g, NULL, 0, why, whysz, (const char *[]){ "init",
		    "--quiet", "--bare", NULL });
	if (s == SL_OK)
		s = git_out(g, NULL, 0, why, whysz, (const char *[]){ "fetch",
		    "--quiet", "--no-tags", "--no-write-fetch-head",
		    "--end-of-options", url, spec, NULL });
	free(spec);
	if (s == SL_OK)
		s = git_out(g, &out, 0, why, whysz, (const char *[]){
		    "rev-parse", "--verify", "--quiet",
		    "refs/sluice/fetched^{commit}", NULL });
	if (s != SL_OK)
		return s;
	first_line(out, commit, REPO_COMMIT_LEN);
	free(out);
	pin = xasprintf("refs/sluice/commits/%s", commit);
	s = git_out(g, NULL, 0, why, whysz, (const char *[]){ "update-ref",
	    pin, commit, NULL });
	free(pin);
	if (s == SL_OK)
		s = git_out(g, subject, 0, why, whysz, (const char *[]){ "log",
		    "-1", "--format=%s", commit, "--", NULL });
	if (s == SL_OK)
		(*subject)[strcspn(*subject, "\n")] = '\0';
	return s;
}

enum sl_status
repo_git_files(struct repo_git *g, const char *commit, const char *path,
    char **list, size_t *len, char *why, size_t whysz)
{
	struct command c = { .out_fd = -1, .out_max = LIST_MAX };
	const char *dir = path[0] != '\0' ? path : ".";
	enum sl_status s;

	s = git(g, &c, why, whysz, (const char *[]){ "ls-tree", "-r", "-z",
	    "--name-only", "--full-tree", commit, "--", dir, NULL });
	if (s == SL_OK) {
		*list = c.out ? c.out : xstrdup("");
		*len = c.outlen;
		c.out = NULL;
	}
	command_free(&c);
	return s;
}

enum sl_status
repo_git_blob(struct repo_git *g, const char *commit, const char *file,
    size_t max, char **text, char *why, size_t whysz)
{
	char *obj = xasprintf("%s:%s", commit, file);
	enum sl_status s;

	s = git_out(g, text, max, why, whysz, (const char *[]){ "cat-file",
	    "blob", obj, NULL });
	free(obj);
	return s;
}

enum sl_status
repo_git_blob_id(struct repo_git *g, const char *commit, const char *file,
    char id[REPO_COMMIT_LEN])
{
	char *obj = xasprintf("%s:%s", commit, file), *out = NULL, why[64];
	enum sl_status s;

	s = git_out(g, &out, 0, why, sizeof(why), (const char *[]){
	    "rev-parse", "--verify", "--quiet", obj, NULL });
	free(obj);
	if (s != SL_OK)
		return SL_NOTFOUND;
	first_line(out, id, REPO_COMMIT_LEN);
	free(out);
	return SL_OK;
}

enum sl_status
repo_git_archive(struct repo_git *g, const char *commit, int out_fd,
    char *why, size_t whysz)
{
	struct command c = { .out_fd = out_fd };
	enum sl_status s;

	s = git(g, &c, why, whysz, (const char *[]){ "-c", "tar.umask=022",
	    "archive", "--format=tar", commit, NULL });
	command_free(&c);
	return s;
}
