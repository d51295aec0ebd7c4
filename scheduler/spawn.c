/*
 * spawn.c: starts one attempt of a task as a child process. The child
 * runs as the uid of the slot it is given (taskuser.c decides who that
 * is), in its own process group, with stdin from /dev/null, stdout and
 * stderr on pipes read by logsink.c, no descriptor above 2 (close_range),
 * the scheduler's environment (minus the passwords the launcher may have
 * left in it) with the definition's env on top plus SLUICE_RUN_ID,
 * SLUICE_FLOW, SLUICE_TASK, SLUICE_ATTEMPT, SLUICE_PARAMS, SLUICE_SCRATCH,
 * SLUICE_RESULT, SLUICE_UPSTREAM_FILE and SLUICE_UPSTREAM (and, run as a
 * slot uid, HOME and TMPDIR in its scratch folder and USER and LOGNAME
 * naming the task user), and argv with {{params.X}} rendered (never
 * through a shell). A workdir the task cannot enter fails the attempt
 * with a line naming the folder.
 *
 * The upstream results (a JSON object keyed by upstream task name) are
 * always written to upstream.json in the attempt's scratch folder before
 * it starts, and its path is passed in SLUICE_UPSTREAM_FILE; the task
 * leaves its result in result.json there (SLUICE_RESULT). SLUICE_UPSTREAM carries the same JSON only when
 * exec can take it: Linux refuses one environment string of more than
 * 128 KiB (MAX_ARG_STRLEN) and argv plus environment of more than a
 * quarter of the stack rlimit, both with E2BIG. When it cannot, it is
 * left unset and a "sluice: " line in the task's log says so.
 *
 * The child waits on a pipe until the parent has recorded the attempt as
 * RUNNING (with pid and /proc start time) through the worker interface
 * (task_start), so no task ever runs without a row saying so; if that
 * fails the child is killed before it execs. A started process becomes a
 * struct attempt (attempt_new, attempt.c) hung on its task.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flowdef.h"
#include "json.h"
#include "log.h"
#include "code.h"
#include "proc.h"
#include "sched.h"
#include "timefmt.h"
#include "venv.h"
#include "xalloc.h"

extern char **environ;

/* Longest single argv or environment string exec takes, with its NUL. */
#define EXEC_STRING_MAX (32 * 4096)
/* exec's floor and cap for argv plus environment (ARG_MAX, 3/4 _STK_LIM). */
#define EXEC_TOTAL_MIN (32 * 4096)
#define EXEC_TOTAL_CAP (6 * 1024 * 1024)
/* Room kept for what exec copies besides argv and envp (the file name). */
#define EXEC_SLACK 8192

struct strv {
	char **v;
	size_t n, cap;
};

static void
strv_add(struct strv *sv, char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = sv->cap * 2 + 16;
		sv->v = xrealloc(sv->v, sv->cap * sizeof(char *));
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

static void
strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

/*
 * Variables of the scheduler's own environment that no task may see.
 * The scheduler inherits its environment from the launcher
 * (scripts/sluice-run), which may be started with the admin's first
 * password or a sluicectl password exported. The launcher removes them
 * too, but the scheduler drops them itself here (defense in depth): a
 * different launcher, a service file or a shell profile must not be able
 * to hand a password to every task and so to every log and flow author.
 */
static const char *const secret_vars[] = { "SLUICE_ADMIN_PASSWORD=",
    "SLUICE_PASSWORD=", NULL };

/* Variables the scheduler sets itself; inherited values are dropped. */
static const char *const our_vars[] = { "SLUICE_RUN_ID=", "SLUICE_FLOW=",
    "SLUICE_TASK=", "SLUICE_ATTEMPT=", "SLUICE_PARAMS=", "SLUICE_RESULT=",
    "SLUICE_UPSTREAM=", "SLUICE_UPSTREAM_FILE=", "SLUICE_SCRATCH=",
    "SLUICE_REPO=", "SLUICE_COMMIT=", NULL };

/* Who a task run as a slot uid is; set unless the definition sets them. */
static const char *const identity_vars[] = { "HOME=", "TMPDIR=", "USER=",
    "LOGNAME=", NULL };

/* Returns 1 when "NAME=value" e starts with one of the "NAME=" in list. */
static int
env_listed(const char *e, const char *const *list)
{
	for (int i = 0; list[i] != NULL; i++)
		if (strncmp(e, list[i], strlen(list[i])) == 0)
			return 1;
	return 0;
}

/* Returns 1 when the definition's env sets the variable of "NAME=". */
static int
def_sets(struct json_object *def_env, const char *name_eq)
{
	char *name = xstrndup(name_eq, strcspn(name_eq, "="));
	int set = json_object_is_type(def_env, json_type_object) &&
	    jsonx_get(def_env, name) != NULL;

	free(name);
	return set;
}

/*
 * Adds HOME and TMPDIR (the scratch folder) and USER and LOGNAME (the
 * task user) for a task run as a slot uid, each unless def_env sets it.
 */
static void
identity_env(struct strv *env, struct json_object *def_env,
    const struct taskuser *tu, const char *scratch)
{
	const char *val[] = { scratch, scratch, tu->name, tu->name };

	for (int i = 0; identity_vars[i] != NULL; i++)
		if (!def_sets(def_env, identity_vars[i]))
			strv_add(env, xasprintf("%s%s", identity_vars[i],
			    val[i]));
}

/*
 * Adds the scheduler's environment without the names def_env overrides,
 * our own variables and the passwords (and the identity variables of a
 * task run as a slot uid), then the definition's env, then our variables
 * except SLUICE_UPSTREAM, which spawn_attempt adds when it fits.
 */
static void
build_env(struct strv *env, struct run *r, struct task *t,
    const struct taskuser *tu, const char *scratch)
{
	struct json_object *def_env = jsonx_get(t->def, "env");

	for (char **e = environ; *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		int skip;

		if (eq == NULL)
			continue;
		skip = env_listed(*e, our_vars) ||
		    env_listed(*e, secret_vars) || def_sets(def_env, *e) ||
		    (tu->drop && env_listed(*e, identity_vars));
		if (!skip)
			strv_add(env, xstrdup(*e));
	}
	if (tu->drop)
		identity_env(env, def_env, tu, scratch);
	if (json_object_is_type(def_env, json_type_object)) {
		json_object_object_foreach(def_env, k, v) {
			char *kv = xasprintf("%s=%s", k,
			    json_object_is_type(v, json_type_string) ?
			    json_object_get_string(v) : jsonx_text(v));

			/* flowdef.c refuses SLUICE_* names; still. */
			if (env_listed(kv, secret_vars)) {
				free(kv);
				continue;
			}
			strv_add(env, kv);
		}
	}
	strv_add(env, xasprintf("SLUICE_RUN_ID=%s", r->id));
	strv_add(env, xasprintf("SLUICE_FLOW=%s", r->flow));
	strv_add(env, xasprintf("SLUICE_TASK=%s", t->name));
	strv_add(env, xasprintf("SLUICE_ATTEMPT=%d", t->attempt));
	strv_add(env, xasprintf("SLUICE_PARAMS=%s", jsonx_text(r->params)));
	strv_add(env, xasprintf("SLUICE_SCRATCH=%s", scratch));
	strv_add(env, xasprintf("SLUICE_RESULT=%s/" SCRATCH_RESULT, scratch));
	strv_add(env, xasprintf("SLUICE_UPSTREAM_FILE=%s/" SCRATCH_UPSTREAM,
	    scratch));
}

/*
 * For a run of a repository flow: SLUICE_REPO and SLUICE_COMMIT, and with
 * a virtual environment VIRTUAL_ENV and its bin/ first on PATH.
 */
static void
repo_env(struct strv *env, const char *data_dir, const struct run *r)
{
	char *venv, *path = NULL;

	strv_add(env, xasprintf("SLUICE_REPO=%s", r->repo));
	strv_add(env, xasprintf("SLUICE_COMMIT=%s", r->commit_id));
	if (r->venv == NULL)
		return;
	venv = venv_path(data_dir, r->venv);
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], "PATH=", 5) == 0) {
			path = env->v[i];
			env->v[i] = xasprintf("PATH=%s/bin:%s", venv, path + 5);
		}
	if (path == NULL)
		strv_add(env, xasprintf("PATH=%s/bin:/usr/local/bin:/usr/bin:"
		    "/bin", venv));
	strv_add(env, xasprintf("VIRTUAL_ENV=%s", venv));
	free(path);
	free(venv);
}

/*
 * Returns the upstream results of t as JSON text, an object keyed by
 * upstream task name (null for a task that left no result); the caller
 * frees it.
 */
static char *
upstream_json(struct run *r, struct task *t)
{
	struct json_object *up = json_object_new_object();
	char *text;

	for (int j = 0; j < t->ndeps; j++) {
		struct task *d = &r->tasks[t->deps[j]];
		struct json_object *res = NULL;
		char why[128];

		if (d->result != NULL)
			res = jsonx_parse(d->result, strlen(d->result), why,
			    sizeof(why));
		json_object_object_add(up, d->name, res);
	}
	text = xstrdup(jsonx_text(up));
	json_object_put(up);
	return text;
}

/* Bytes exec needs for the strings of v and their pointers. */
static size_t
exec_size(const struct strv *v)
{
	size_t n = 0;

	for (size_t i = 0; i < v->n; i++)
		n += strlen(v->v[i]) + 1 + sizeof(char *);
	return n;
}

/*
 * Bytes exec accepts for argv plus environment (strings and pointers):
 * a quarter of the stack rlimit, at least 128 KiB and at most 6 MiB, as
 * in the kernel's bprm_stack_limits(). The child inherits our rlimit.
 */
static size_t
exec_limit(void)
{
	struct rlimit rl;
	size_t lim = EXEC_TOTAL_CAP;

	if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 < lim)
		lim = (size_t)(rl.rlim_cur / 4);
	if (lim < EXEC_TOTAL_MIN)
		lim = EXEC_TOTAL_MIN;
	return lim - EXEC_SLACK;
}

/*
 * Checks that exec will take argv and env: no string longer than exec
 * allows and not too much in all. Returns 0, or -1 with why.
 */
static int
exec_check(const struct strv *argv, const struct strv *env, char *why,
    size_t whysz)
{
	const struct strv *both[] = { argv, env };
	size_t total = exec_size(argv) + exec_size(env), lim = exec_limit();

	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < both[k]->n; i++) {
			const char *str = both[k]->v[i];
			size_t len = strlen(str) + 1;

			if (len <= EXEC_STRING_MAX)
				continue;
			if (k == 0)
				snprintf(why, whysz, "argument %zu is %zu "
				    "bytes, more than the %d exec accepts",
				    i, len, EXEC_STRING_MAX);
			else
				snprintf(why, whysz, "environment variable "
				    "%.*s is %zu bytes, more than the %d "
				    "exec accepts", (int)strcspn(str, "="),
				    str, len, EXEC_STRING_MAX);
			return -1;
		}
	}
	if (total > lim) {
		snprintf(why, whysz, "arguments and environment are %zu bytes, "
		    "more than the %zu exec accepts (a quarter of the stack "
		    "limit)", total, lim);
		return -1;
	}
	return 0;
}

/* Renders argv; returns 0, or -1 with why. */
static int
build_argv(struct strv *argv, struct run *r, struct task *t, char *why,
    size_t whysz)
{
	struct json_object *cmd = jsonx_get(t->def, "command");
	size_t n = json_object_is_type(cmd, json_type_array) ?
	    json_object_array_length(cmd) : 0;

	if (n == 0) {
		snprintf(why, whysz, "command is empty");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *arg = json_object_get_string(
		    json_object_array_get_idx(cmd, i));
		char *s = flowdef_render_arg(arg ? arg : "", r->params, why,
		    whysz);

		if (s == NULL)
			return -1;
		strv_add(argv, s);
	}
	return 0;
}

/*
 * The child's side, right after fork: stdin from /dev/null, stdout and
 * stderr on their pipes, the go-ahead pipe on 3 and nothing else -- not
 * the database, not other attempts' logs, not the go-ahead's write end,
 * whose copy would keep it waiting forever once the scheduler is gone.
 */
static void
child_fds(int out_fd, int err_fd, int go_fd)
{
	int devnull = open("/dev/null", O_RDONLY);

	if (devnull == -1 || dup2(devnull, 0) == -1 || dup2(out_fd, 1) == -1 ||
	    dup2(err_fd, 2) == -1 || (go_fd != 3 && dup2(go_fd, 3) == -1))
		_exit(126);
	proc_close_from(4);
}

/*
 * The child's side: waits for the go-ahead, becomes the slot's uid, then
 * execs; until exec it dies with the scheduler (parent), so a child whose
 * attempt was never recorded cannot outlive it. Only async-signal-safe
 * calls after fork.
 */
static void __attribute__((noreturn))
child(pid_t parent, int out_fd, int err_fd, int go_fd,
    const struct taskuser *tu, int slot, const char *workdir, char **argv,
    char **envp)
{
	char c = 0;

	proc_child_start(parent);
	setpgid(0, 0);
	child_fds(out_fd, err_fd, go_fd);
	while (read(3, &c, 1) == -1 && errno == EINTR)
		;
	if (c != 'g')
		_exit(125);
	proc_close_from(3);
	if (taskuser_enter(tu, slot) == -1) {
		dprintf(2, "sluice: cannot become uid %d: %s\n",
		    (int)taskuser_uid(tu, slot), strerror(errno));
		_exit(126);
	}
	proc_die_with(parent);
	if (workdir != NULL && chdir(workdir) == -1) {
		dprintf(2, "sluice: cannot enter the workdir %s as uid %d: %s\n",
		    workdir, (int)getuid(), strerror(errno));
		_exit(127);
	}
	environ = envp;
	/* A started task outlives a scheduler that dies: recovery knows it. */
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	execvp(argv[0], argv);
	dprintf(2, "sluice: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/*
 * Records an attempt that could not even start as FAILED with why. In
 * terms of states.c it moves through RUNNING (started_at = ended_at): no
 * process ran, and retrying cannot fix a bad argument.
 */
static void
fail_unstarted(struct sched *s, struct run *r, int ti, const char *why)
{
	struct task *t = &r->tasks[ti];
	struct worker_change c = { .kind = WORKER_FAIL_UNSTARTED,
	    .task = t->name, .attempt = t->attempt, .reason = why };
	enum sl_status st;

	log_warnx("run %s: task %s attempt %d cannot start: %s", r->id,
	    t->name, t->attempt, why);
	st = s->w->ops->tasks_update(s->w, r->id, &c, 1);
	if (st == SL_OK)
		t->state = TASK_FAILED;
	else if (st == SL_NOTFOUND)
		r->lost = 1;
}

/* What one start of an attempt holds until the process runs. */
struct launch {
	struct strv argv, env;
	int slot;		/* taken from s->tu, -1 = none */
	char *scratch, *logpath, *uptext;
	int out[2], err[2], go[2];	/* stdout, stderr, go-ahead pipes */
	struct logsink log;
	int log_open;		/* log is ours to finish */
	char *workdir;		/* where it starts, or NULL: not set */
};

static void
launch_init(struct launch *l)
{
	memset(l, 0, sizeof(*l));
	l->slot = -1;
	for (int i = 0; i < 2; i++)
		l->out[i] = l->err[i] = l->go[i] = -1;
	l->log.file = -1;
}

/*
 * Releases what l still holds (the attempt took what it keeps), giving
 * back the slot of an attempt of task t of run r that did not start.
 */
static void
launch_fini(struct sched *s, struct run *r, struct task *t,
    struct launch *l)
{
	if (l->slot != -1)
		taskuser_release(&s->tu, l->slot, l->scratch, r->id, t->name,
		    t->attempt);
	else
		free(l->scratch);
	if (l->log_open)
		logsink_fini(&l->log);
	for (int i = 0; i < 2; i++) {
		if (l->out[i] != -1)
			close(l->out[i]);
		if (l->err[i] != -1)
			close(l->err[i]);
		if (l->go[i] != -1)
			close(l->go[i]);
	}
	strv_free(&l->argv);
	strv_free(&l->env);
	free(l->logpath);
	free(l->uptext);
	free(l->workdir);
}

/* The name of the attempt's scratch folder; the caller frees it. */
static char *
scratch_label(const struct run *r, const struct task *t)
{
	return xasprintf("%s.%s.%d", r->id, t->name, t->attempt);
}

/*
 * Creates the run's log folder, names the attempt's log and makes its
 * scratch folder holding the upstream file. Returns 0, or -1 with why.
 */
static int
launch_files(struct sched *s, struct run *r, struct task *t,
    struct launch *l, char *why, size_t whysz)
{
	char *dir = xasprintf("%s/logs/%s", s->cfg.data_dir, r->id), *label;

	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		snprintf(why, whysz, "cannot create %s: %s", dir,
		    strerror(errno));
		free(dir);
		return -1;
	}
	l->logpath = xasprintf("%s/%s.%d.log", dir, t->name, t->attempt);
	free(dir);
	l->uptext = upstream_json(r, t);
	label = scratch_label(r, t);
	l->scratch = taskuser_scratch(&s->tu, l->slot, label, l->uptext, why,
	    whysz);
	free(label);
	return l->scratch != NULL ? 0 : -1;
}

/*
 * Opens the three pipes and the log file (which then owns the read ends
 * of stdout and stderr). Returns SL_OK; SL_IO when a pipe could not be
 * made (logged); SL_INVALID with why when the log cannot be opened.
 */
static enum sl_status
launch_pipes(struct sched *s, struct launch *l, char *why, size_t whysz)
{
	if (pipe2(l->out, O_CLOEXEC) == -1 || pipe2(l->err, O_CLOEXEC) == -1 ||
	    pipe2(l->go, O_CLOEXEC) == -1) {
		log_warn("spawn_attempt: pipe");
		return SL_IO;
	}
	if (logsink_open(&l->log, l->logpath, l->out[0], l->err[0],
	    s->cfg.log_max_bytes) == -1) {
		l->out[0] = l->err[0] = -1;	/* closed by logsink_open */
		snprintf(why, whysz, "cannot open %s", l->logpath);
		return SL_INVALID;
	}
	l->out[0] = l->err[0] = -1;	/* owned by log now */
	l->log_open = 1;
	return SL_OK;
}

/*
 * Adds SLUICE_UPSTREAM only when exec takes it: one string of at most
 * 128 KiB, and room left in the total. The file is always there; when
 * the variable is left out, the task's log says so.
 */
static void
launch_upstream(struct run *r, struct task *t, struct launch *l)
{
	char *upvar = xasprintf("SLUICE_UPSTREAM=%s", l->uptext);
	size_t len = strlen(upvar) + 1;

	if (len <= EXEC_STRING_MAX && exec_size(&l->argv) +
	    exec_size(&l->env) + len + sizeof(char *) <= exec_limit()) {
		strv_add(&l->env, upvar);
		return;
	}
	free(upvar);
	logsink_note(&l->log, "sluice: upstream results are %zu bytes, too "
	    "large for the environment: SLUICE_UPSTREAM is not set; read "
	    "the file named in SLUICE_UPSTREAM_FILE (%s/" SCRATCH_UPSTREAM ")",
	    strlen(l->uptext), l->scratch);
	log_info("run %s: task %s attempt %d: upstream results are %zu bytes, "
	    "passed in SLUICE_UPSTREAM_FILE only", r->id, t->name, t->attempt,
	    strlen(l->uptext));
}

/*
 * Forks the child, records the attempt RUNNING with its pid and start
 * time (*proc_start) and only then lets it exec. Returns the pid, or -1
 * when it did not start (logged; the attempt is left as it was).
 */
static pid_t
launch_fork(struct sched *s, struct run *r, struct task *t,
    struct launch *l, int64_t *proc_start)
{
	const char *workdir = l->workdir;
	int kill_parent = FAULT_DUE(&s->fault, FAULT_AFTER_FORK_BEFORE_EXEC);
	pid_t parent = getpid(), pid = fork();
	enum sl_status st;

	if (pid == -1) {
		log_warn("spawn_attempt: fork");
		return -1;
	}
	if (pid == 0) {
		if (kill_parent)
			kill(parent, SIGKILL);
		child(parent, l->out[1], l->err[1], l->go[0], &s->tu, l->slot,
		    workdir, l->argv.v, l->env.v);
	}
	setpgid(pid, pid);
	close(l->out[1]);
	close(l->err[1]);
	close(l->go[0]);
	l->out[1] = l->err[1] = l->go[0] = -1;
	*proc_start = proc_start_time(pid);
	st = s->w->ops->task_start(s->w, r->id, t->name, t->attempt, pid,
	    *proc_start);
	if (st != SL_OK) {
		/* Taken over while we were away: drop it, never try again. */
		if (st == SL_NOTFOUND)
			r->lost = 1;
		/* The child sees EOF instead of the go-ahead and exits. */
		close(l->go[1]);
		l->go[1] = -1;
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		log_warnx("run %s: task %s attempt %d not started (run "
		    "cancelled, taken over, or database busy)", r->id,
		    t->name, t->attempt);
		return -1;
	}
	FAULT(&s->fault, FAULT_AFTER_ATTEMPT_COMMIT);
	if (write(l->go[1], "g", 1) != 1)
		log_warn("spawn_attempt: go-ahead to pid %d", (int)pid);
	return pid;
}

/*
 * Starts the current attempt (PENDING or AWAITING_RETRY in the database)
 * of task ti of run r. On success the attempt is RUNNING in the database,
 * t->proc is set and s->nprocs counts it; returns 0. Returns -1 when it
 * did not start: the attempt is then FAILED (bad arguments, missing
 * folder) or left as it was (busy database, run cancelled meanwhile).
 */
int
spawn_attempt(struct sched *s, struct run *r, int ti)
{
	struct task *t = &r->tasks[ti];
	struct launch l;
	char why[512];
	enum sl_status st = SL_INVALID;	/* fail the attempt with why */
	char *label;
	int cleaning;
	int64_t proc_start;
	pid_t pid;

	if (!states_task_can(t->state, TASK_RUNNING))
		return -1;
	/* A start refused a moment ago: its folder is not gone yet. */
	label = scratch_label(r, t);
	cleaning = taskuser_cleaning(&s->tu, label);
	free(label);
	if (cleaning)
		return -1;
	launch_init(&l);
	if ((l.slot = taskuser_claim(&s->tu)) == -1) {
		log_warnx("run %s: task %s attempt %d waits: every task uid "
		    "is in use", r->id, t->name, t->attempt);
		return -1;
	}
	if (build_argv(&l.argv, r, t, why, sizeof(why)) == -1 ||
	    launch_files(s, r, t, &l, why, sizeof(why)) == -1 ||
	    code_run_workdir(s->cfg.data_dir, r->repo, r->commit_id,
	    jsonx_get_str(t->def, "workdir"), &l.workdir, why,
	    sizeof(why)) != SL_OK)
		goto out;
	build_env(&l.env, r, t, &s->tu, l.scratch);
	if (r->repo != NULL)
		repo_env(&l.env, s->cfg.data_dir, r);
	if ((st = launch_pipes(s, &l, why, sizeof(why))) != SL_OK)
		goto out;
	launch_upstream(r, t, &l);
	if (exec_check(&l.argv, &l.env, why, sizeof(why)) == -1) {
		logsink_note(&l.log, "sluice: cannot start: %s", why);
		st = SL_INVALID;
		goto out;
	}
	st = SL_IO;	/* from here on, a failure leaves the attempt */
	if ((pid = launch_fork(s, r, t, &l, &proc_start)) == -1)
		goto out;
	t->proc = attempt_new(r, ti, pid, proc_start, &s->tu, l.slot,
	    l.scratch, &l.log);
	l.slot = -1;
	l.scratch = NULL;
	l.log_open = 0;
	t->state = TASK_RUNNING;
	s->nprocs++;
	log_info("run %s: task %s attempt %d started pid %d", r->id, t->name,
	    t->attempt, (int)pid);
	st = SL_OK;
out:
	if (st == SL_INVALID)
		fail_unstarted(s, r, ti, why);
	launch_fini(s, r, t, &l);
	return st == SL_OK ? 0 : -1;
}
