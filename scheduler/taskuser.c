/*
 * taskuser.c: who tasks run as, and the private folder each attempt gets.
 *
 * When the scheduler may change users (it holds CAP_SETUID: started as
 * root, see lib/privs.c), every attempt runs under a uid of its own for
 * as long as it runs: slot i of SLUICE_TASK_UID_BASE (default 62000) + i,
 * with the group of SLUICE_TASK_USER (default sluice-task, made by the
 * launcher). Sharing no uid, a task cannot signal, trace or read the
 * environment of another run's task, nor of any Sluice process, and
 * RLIMIT_NPROC (SLUICE_TASK_NPROC, default 512) bounds each one's
 * processes. A slot is held with an abstract socket named after its uid,
 * so two schedulers on one host never share one. When an attempt ends,
 * a cleaner process, running as the slot's uid, kills every process
 * left with that uid -- one that called setsid or double-forked
 * included -- and empties the attempt's scratch folder; only then is the
 * slot free again. Started as an ordinary user, tasks run as that user
 * (they can then do whatever that user can; the README says so) and
 * leftovers are found by their SLUICE_RUN_ID, SLUICE_TASK and
 * SLUICE_ATTEMPT instead (proc.c).
 *
 * The scratch folder (SLUICE_SCRATCH, also HOME and TMPDIR of a task run
 * as a slot uid) is <base>/<run>.<task>.<attempt>, owned by the task and
 * the scheduler's group, mode 2750, so what the task writes there with
 * its umask (007) is readable by the scheduler and no other task; <base>
 * is made per scheduler under $TMPDIR or /tmp, mode 0711, so no task can
 * list or rename another's. It holds the upstream results the scheduler
 * writes before the start and the result file the task leaves (which
 * the scheduler also reads with CAP_DAC_READ_SEARCH where it has it, as
 * outside containers, should the task have made it private).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "config.h"
#include "log.h"
#include "privs.h"
#include "proc.h"
#include "sched.h"
#include "xalloc.h"

#define TASK_SLOTS 256

/* Finds the task user and checks that no account owns a slot uid. */
static int
identity_load(struct taskuser *tu, char *why, size_t whysz)
{
	const char *name = getenv("SLUICE_TASK_USER");
	struct passwd *pw;
	int64_t base, nproc;

	tu->name = xstrdup(name && *name ? name : "sluice-task");
	if ((pw = getpwnam(tu->name)) == NULL) {
		snprintf(why, whysz, "the task user %s does not exist (the "
		    "launcher creates it; or set SLUICE_TASK_USER)", tu->name);
		return -1;
	}
	tu->gid = pw->pw_gid;
	if (config_int("SLUICE_TASK_UID_BASE", 62000, 1000,
	    2147483647L - TASK_SLOTS, &base, why, whysz) == -1 ||
	    config_int("SLUICE_TASK_NPROC", 512, 16, 1L << 22, &nproc, why,
	    whysz) == -1)
		return -1;
	tu->uid_base = (uid_t)base;
	tu->nproc = (uint64_t)nproc;
	for (int i = 0; i < TASK_SLOTS; i++)
		if ((pw = getpwuid(tu->uid_base + (uid_t)i)) != NULL) {
			snprintf(why, whysz, "uid %d of SLUICE_TASK_UID_BASE's "
			    "range %lld-%lld belongs to %s; choose another "
			    "base", (int)(tu->uid_base + (uid_t)i),
			    (long long)base, (long long)base + TASK_SLOTS - 1,
			    pw->pw_name);
			return -1;
		}
	return 0;
}

/*
 * Decides who tasks run as and makes the scratch base. Returns 0, or -1
 * with why (the scheduler cannot start).
 */
int
taskuser_init(struct taskuser *tu, char *why, size_t whysz)
{
	const char *tmp = getenv("TMPDIR");

	memset(tu, 0, sizeof(*tu));
	tu->drop = privs_have(CAP_SETUID);
	if (tu->drop && identity_load(tu, why, whysz) == -1)
		return -1;
	tu->slots = xcalloc(TASK_SLOTS, sizeof(*tu->slots));
	for (int i = 0; i < TASK_SLOTS; i++)
		tu->slots[i].lock = -1;
	tu->base = xasprintf("%s/sluice-scratch.XXXXXX",
	    tmp && *tmp == '/' ? tmp : "/tmp");
	if (mkdtemp(tu->base) == NULL || chmod(tu->base, 0711) == -1) {
		snprintf(why, whysz, "cannot make a scratch folder %s: %s",
		    tu->base, strerror(errno));
		return -1;
	}
	if (tu->drop)
		log_info("taskuser: tasks run as uids %d-%d, group %s, at most "
		    "%llu processes each", (int)tu->uid_base,
		    (int)tu->uid_base + TASK_SLOTS - 1, tu->name,
		    (unsigned long long)tu->nproc);
	else
		log_info("taskuser: tasks run as this scheduler's user (uid "
		    "%d)", (int)getuid());
	return 0;
}

/* Waits for the cleaners, then removes the scratch base. */
void
taskuser_fini(struct taskuser *tu)
{
	taskuser_drain(tu);
	if (tu->slots != NULL)
		for (int i = 0; i < TASK_SLOTS; i++) {
			if (tu->slots[i].lock != -1)
				close(tu->slots[i].lock);
			free(tu->slots[i].scratch);
		}
	if (tu->base != NULL && rmdir(tu->base) == -1 && errno != ENOENT)
		log_warn("taskuser: rmdir %s", tu->base);
	free(tu->slots);
	free(tu->base);
	free(tu->name);
	memset(tu, 0, sizeof(*tu));
}

/* Holds uid for this process: -1 when another scheduler holds it. */
static int
uid_lock(uid_t uid)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int n, fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd == -1)
		return -1;
	n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1,
	    "sluice-task-uid-%d", (int)uid);
	if (bind(fd, (struct sockaddr *)&a,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    (size_t)n)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Takes a free slot for an attempt. Returns its index, or -1 when every
 * slot is in use (the attempt starts later).
 */
int
taskuser_claim(struct taskuser *tu)
{
	for (int i = 0; i < TASK_SLOTS; i++) {
		struct task_slot *sl = &tu->slots[i];

		if (sl->busy)
			continue;
		if (tu->drop &&
		    (sl->lock = uid_lock(tu->uid_base + (uid_t)i)) == -1)
			continue;
		sl->busy = 1;
		return i;
	}
	return -1;
}

/* The uid slot runs as (the scheduler's own when tasks do not drop). */
uid_t
taskuser_uid(const struct taskuser *tu, int slot)
{
	return tu->drop ? tu->uid_base + (uid_t)slot : getuid();
}

/*
 * Writes text to a new file path readable by its owner only. Returns 0,
 * or -1 with why.
 */
static int
write_private(const char *path, const char *text, char *why, size_t whysz)
{
	size_t n = strlen(text), off = 0;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		goto fail;
	while (off < n) {
		ssize_t w = write(fd, text + off, n - off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail_fd;
		off += (size_t)w;
	}
	if (close(fd) == -1)
		goto fail;
	return 0;
fail_fd:
	close(fd);
fail:
	snprintf(why, whysz, "cannot write %s: %s", path, strerror(errno));
	return -1;
}

/*
 * Makes the scratch folder of an attempt in slot, named label, holding
 * upstream.json with the text upstream, all owned by the slot's uid.
 * Returns the folder's path (the caller frees it), or NULL with why.
 */
char *
taskuser_scratch(struct taskuser *tu, int slot, const char *label,
    const char *upstream, char *why, size_t whysz)
{
	char *dir = xasprintf("%s/%s", tu->base, label);
	char *up = xasprintf("%s/" SCRATCH_UPSTREAM, dir);
	uid_t uid = taskuser_uid(tu, slot);

	if (mkdir(dir, 0700) == -1) {
		snprintf(why, whysz, "cannot make %s: %s", dir,
		    strerror(errno));
		goto fail;
	}
	if (write_private(up, upstream, why, whysz) == -1)
		goto fail_rm;
	/* chmod while still ours; chown keeps a folder's setgid bit. */
	if (tu->drop && (lchown(up, uid, getegid()) == -1 ||
	    chmod(dir, 02750) == -1 || chown(dir, uid, getegid()) == -1)) {
		snprintf(why, whysz, "cannot give %s to uid %d: %s", dir,
		    (int)uid, strerror(errno));
		goto fail_rm;
	}
	free(up);
	return dir;
fail_rm:
	unlink(up);
	rmdir(dir);
fail:
	free(up);
	free(dir);
	return NULL;
}

/*
 * Returns 1 while a slot's cleaner is still removing the scratch folder
 * named label: that of a start of the same attempt refused a moment ago
 * (busy database), which a new start must wait for, else 0.
 */
int
taskuser_cleaning(const struct taskuser *tu, const char *label)
{
	char *dir = xasprintf("%s/%s", tu->base, label);
	int busy = 0;

	for (int i = 0; i < TASK_SLOTS && !busy; i++)
		busy = tu->slots[i].busy && tu->slots[i].cleaner != 0 &&
		    tu->slots[i].scratch != NULL &&
		    strcmp(tu->slots[i].scratch, dir) == 0;
	free(dir);
	return busy;
}

/*
 * The child's side of a start in slot (async-signal-safe): becomes the
 * slot's uid with nothing more, and kills whatever a scheduler that died
 * left running under it. Returns 0, or -1 with errno set.
 */
int
taskuser_enter(const struct taskuser *tu, int slot)
{
	uid_t uid = tu->uid_base + (uid_t)slot;

	if (!tu->drop)
		return 0;
	if (privs_task_drop(uid, tu->gid, tu->nproc) == -1)
		return -1;
	if (getuid() != uid || geteuid() != uid)
		return -1;
	kill(-1, SIGKILL);	/* every other process of uid, not us */
	return 0;
}

/* The cleaner: as the slot's uid, kills what is left, removes scratch. */
static void __attribute__((noreturn))
cleaner(const struct taskuser *tu, int slot, const char *scratch)
{
	sigset_t none;
	int devnull = open("/dev/null", O_RDWR);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* rm cannot remove the folder itself: not worth a line. */
	if (devnull == -1 || dup2(devnull, 0) == -1 || dup2(devnull, 1) == -1 ||
	    dup2(devnull, 2) == -1)
		_exit(1);
	if (close_range(3, ~0U, 0) == -1)
		_exit(1);
	if (tu->drop && taskuser_enter(tu, slot) == -1)
		_exit(1);
	if (scratch != NULL)
		execl("/bin/rm", "rm", "-rf", "--", scratch, (char *)NULL);
	_exit(0);
}

/*
 * An attempt in slot ended: stops what it left running and removes its
 * scratch folder (taken; may be NULL). The slot stays taken until the
 * cleaner is reaped (taskuser_reaped).
 */
void
taskuser_release(struct taskuser *tu, int slot, char *scratch,
    const char *run_id, const char *task, int attempt)
{
	struct task_slot *sl = &tu->slots[slot];
	int n;
	pid_t pid;

	if (!tu->drop && (n = proc_kill_attempt(run_id, task, attempt)) > 0)
		log_info("run %s: task %s attempt %d: killed %d processes it "
		    "left running", run_id, task, attempt, n);
	free(sl->scratch);
	sl->scratch = scratch;
	if ((pid = fork()) == 0)
		cleaner(tu, slot, scratch);
	if (pid == -1) {
		log_warn("taskuser: fork of the cleaner of slot %d", slot);
		taskuser_reaped_slot(tu, slot);
		return;
	}
	sl->cleaner = pid;
}

/* Frees slot: its scratch folder gone, its uid no longer held. */
void
taskuser_reaped_slot(struct taskuser *tu, int slot)
{
	struct task_slot *sl = &tu->slots[slot];

	/* Emptied by the cleaner, which may not remove it from base. */
	if (sl->scratch != NULL && rmdir(sl->scratch) == -1 &&
	    errno != ENOENT)
		log_warn("taskuser: rmdir %s", sl->scratch);
	free(sl->scratch);
	sl->scratch = NULL;
	if (sl->lock != -1)
		close(sl->lock);
	sl->lock = -1;
	sl->cleaner = 0;
	sl->busy = 0;
}

/*
 * Called for every reaped child that is not an attempt: when pid was a
 * cleaner, frees its slot and returns 1; else returns 0.
 */
int
taskuser_reaped(struct taskuser *tu, pid_t pid)
{
	for (int i = 0; i < TASK_SLOTS; i++)
		if (tu->slots[i].busy && tu->slots[i].cleaner == pid) {
			taskuser_reaped_slot(tu, i);
			return 1;
		}
	return 0;
}

/* Waits for the cleaners still running (at exit; they are quick). */
void
taskuser_drain(struct taskuser *tu)
{
	for (int i = 0; tu->slots != NULL && i < TASK_SLOTS; i++) {
		pid_t pid = tu->slots[i].cleaner;

		if (pid <= 0)
			continue;
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		taskuser_reaped_slot(tu, i);
	}
}
