/*
 * wake.h: how sluice-api wakes local schedulers (implemented in wake.c).
 * Each scheduler binds a unix datagram socket at
 * <data>/run/scheduler-<worker>.sock; wake_schedulers sends one byte to
 * every such socket without blocking. Schedulers also poll every second,
 * so a lost datagram only delays work.
 */
#ifndef SLUICE_WAKE_H
#define SLUICE_WAKE_H

int wake_listen(const char *worker_name, char **path_out);
void wake_schedulers(void);
void wake_drain(int fd);

#endif
