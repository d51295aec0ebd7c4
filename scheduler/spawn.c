/*
 * spawn.c: starts one attempt of a task as a child process. The child
 * gets its own process group, stdin from /dev/null, stdout and stderr on
 * pipes read by logsink.c, no descriptor above 2 (close_range), the
 * scheduler's environment with the definition's env on top plus
 * SLUICE_RUN_ID, SLUICE_FLOW, SLUICE_TASK, SLUICE_ATTEMPT, SLUICE_PARAMS,
 * SLUICE_RESULT and SLUICE_UPSTREAM, and argv with {{params.X}} rendered
 * (never through a shell). The child waits on a pipe until the parent has
 * recorded the attempt as RUNNING (with pid and /proc start time) through
 * the worker interface (task_start), so no task ever runs without a row
 * saying so; if that fails the child is killed before it execs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flowdef.h"
#include "json.h"
#include "log.h"
#include "sched.h"
#include "timefmt.h"
#include "xalloc.h"

extern char **environ;

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
 * Returns the start time of process pid in clock ticks after boot (field
 * 22 of /proc/<pid>/stat), or -1 when the process does not exist.
 */
int64_t
spawn_proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	long long v = -1;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may contain spaces and parentheses. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	p++;
	/* Fields 3..21 precede the start time. */
	for (int field = 3; field <= 22 && p != NULL; field++) {
		while (*p == ' ')
			p++;
		if (field == 22) {
			v = strtoll(p, NULL, 10);
			break;
		}
		p = strchr(p, ' ');
	}
	return v;
}

/* Adds the scheduler's environment without the names def_env overrides. */
static void
build_env(struct strv *env, struct run *r, struct task *t, int attempt,
    const char *result_path)
{
	struct json_object *def_env = jsonx_get(t->def, "env");
	struct json_object *up = json_object_new_object();
	static const char *const ours[] = { "SLUICE_RUN_ID=", "SLUICE_FLOW=",
	    "SLUICE_TASK=", "SLUICE_ATTEMPT=", "SLUICE_PARAMS=",
	    "SLUICE_RESULT=", "SLUICE_UPSTREAM=", NULL };

	for (char **e = environ; *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		int skip = 0;

		if (eq == NULL)
			continue;
		for (int i = 0; ours[i] != NULL; i++)
			if (strncmp(*e, ours[i], strlen(ours[i])) == 0)
				skip = 1;
		if (!skip && json_object_is_type(def_env, json_type_object)) {
			char *name = xstrndup(*e, (size_t)(eq - *e));

			skip = jsonx_get(def_env, name) != NULL;
			free(name);
		}
		if (!skip)
			strv_add(env, xstrdup(*e));
	}
	if (json_object_is_type(def_env, json_type_object)) {
		json_object_object_foreach(def_env, k, v) {
			strv_add(env, xasprintf("%s=%s", k,
			    json_object_is_type(v, json_type_string) ?
			    json_object_get_string(v) : jsonx_text(v)));
		}
	}
	for (int j = 0; j < t->ndeps; j++) {
		struct task *d = &r->tasks[t->deps[j]];
		struct json_object *res = NULL;
		char why[128];

		if (d->result != NULL)
			res = jsonx_parse(d->result, strlen(d->result), why,
			    sizeof(why));
		json_object_object_add(up, d->name, res);
	}
	strv_add(env, xasprintf("SLUICE_RUN_ID=%s", r->id));
	strv_add(env, xasprintf("SLUICE_FLOW=%s", r->flow));
	strv_add(env, xasprintf("SLUICE_TASK=%s", t->name));
	strv_add(env, xasprintf("SLUICE_ATTEMPT=%d", attempt));
	strv_add(env, xasprintf("SLUICE_PARAMS=%s", jsonx_text(r->params)));
	strv_add(env, xasprintf("SLUICE_RESULT=%s", result_path));
	strv_add(env, xasprintf("SLUICE_UPSTREAM=%s", jsonx_text(up)));
	json_object_put(up);
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
 * The child's side: waits for the go-ahead on go_fd, then execs. Only
 * async-signal-safe calls after fork.
 */
static void __attribute__((noreturn))
child(int out_fd, int err_fd, int go_fd, const char *workdir, char **argv,
    char **envp)
{
	sigset_t none;
	char c = 0;
	int devnull;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setpgid(0, 0);
	devnull = open("/dev/null", O_RDONLY);
	if (devnull == -1 || dup2(devnull, 0) == -1 || dup2(out_fd, 1) == -1 ||
	    dup2(err_fd, 2) == -1)
		_exit(126);
	while (read(go_fd, &c, 1) == -1 && errno == EINTR)
		;
	if (c != 'g')
		_exit(125);
	if (close_range(3, ~0U, 0) == -1)	/* kernels before 5.9 */
		for (int fd = 3; fd < 65536; fd++)
			close(fd);
	if (workdir != NULL && chdir(workdir) == -1) {
		dprintf(2, "sluice: chdir %s: %s\n", workdir, strerror(errno));
		_exit(127);
	}
	environ = envp;
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

	log_warnx("run %s: task %s attempt %d cannot start: %s", r->id,
	    t->name, t->attempt, why);
	if (s->w->ops->tasks_update(s->w, r->id, &c, 1) == SL_OK)
		t->state = TASK_FAILED;
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
	struct strv argv = { 0 }, env = { 0 };
	struct attempt *a = NULL;
	char why[512], *dir = NULL, *logpath = NULL, *respath = NULL;
	const char *workdir = jsonx_get_str(t->def, "workdir");
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, go[2] = { -1, -1 };
	int logfile_ok = 0, ret = -1;
	struct logsink log;
	int64_t proc_start;
	pid_t pid;

	memset(&log, 0, sizeof(log));
	log.file = -1;
	if (!states_task_can(t->state, TASK_RUNNING))
		return -1;
	if (build_argv(&argv, r, t, why, sizeof(why)) == -1) {
		fail_unstarted(s, r, ti, why);
		goto out;
	}
	dir = xasprintf("%s/logs/%s", s->cfg.data_dir, r->id);
	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		snprintf(why, sizeof(why), "cannot create %s: %s", dir,
		    strerror(errno));
		fail_unstarted(s, r, ti, why);
		goto out;
	}
	logpath = xasprintf("%s/%s.%d.log", dir, t->name, t->attempt);
	respath = xasprintf("%s/%s.%d.result", dir, t->name, t->attempt);
	unlink(respath);
	build_env(&env, r, t, t->attempt, respath);
	if (pipe2(out, O_CLOEXEC) == -1 || pipe2(err, O_CLOEXEC) == -1 ||
	    pipe2(go, O_CLOEXEC) == -1) {
		log_warn("spawn_attempt: pipe");
		goto out;
	}
	if (logsink_open(&log, logpath, out[0], err[0], s->cfg.log_max_bytes)
	    == -1) {
		out[0] = err[0] = -1;	/* closed by logsink_open */
		snprintf(why, sizeof(why), "cannot open %s", logpath);
		fail_unstarted(s, r, ti, why);
		goto out;
	}
	out[0] = err[0] = -1;	/* owned by log now */
	logfile_ok = 1;
	pid = fork();
	if (pid == -1) {
		log_warn("spawn_attempt: fork");
		goto out;
	}
	if (pid == 0)
		child(out[1], err[1], go[0], workdir, argv.v, env.v);
	setpgid(pid, pid);
	close(out[1]);
	close(err[1]);
	close(go[0]);
	out[1] = err[1] = go[0] = -1;
	proc_start = spawn_proc_start(pid);
	if (s->w->ops->task_start(s->w, r->id, t->name, t->attempt, pid,
	    proc_start) != SL_OK) {
		/* The child sees EOF instead of the go-ahead and exits. */
		close(go[1]);
		go[1] = -1;
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		log_warnx("run %s: task %s attempt %d not started (run "
		    "cancelled, taken over, or database busy)", r->id,
		    t->name, t->attempt);
		goto out;
	}
	if (write(go[1], "g", 1) != 1)
		log_warn("spawn_attempt: go-ahead to pid %d", (int)pid);
	a = xcalloc(1, sizeof(*a));
	a->run = r;
	a->task = ti;
	a->attempt = t->attempt;
	a->pid = pid;
	a->proc_start = proc_start;
	a->started_mono = timefmt_mono_ms();
	if (t->timeout_s > 0)
		a->deadline_mono = a->started_mono + t->timeout_s * 1000;
	a->result_path = respath;
	respath = NULL;
	a->log = log;
	a->log.reported_at = a->started_mono;
	logfile_ok = 0;
	t->proc = a;
	t->state = TASK_RUNNING;
	s->nprocs++;
	log_info("run %s: task %s attempt %d started pid %d", r->id, t->name,
	    t->attempt, (int)pid);
	ret = 0;
out:
	if (logfile_ok)
		logsink_fini(&log);
	for (int i = 0; i < 2; i++) {
		if (out[i] != -1)
			close(out[i]);
		if (err[i] != -1)
			close(err[i]);
		if (go[i] != -1)
			close(go[i]);
	}
	strv_free(&argv);
	strv_free(&env);
	free(dir);
	free(logpath);
	free(respath);
	return ret;
}
