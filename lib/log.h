/* log.h: printf-style logging to stderr (see log.c). */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

#define LOG_PRINTF __attribute__((format(printf, 1, 2)))

void log_warn(const char *fmt, ...) LOG_PRINTF;
void log_warnx(const char *fmt, ...) LOG_PRINTF;
void log_info(const char *fmt, ...) LOG_PRINTF;
void log_debug(const char *fmt, ...) LOG_PRINTF;
void fatal(const char *fmt, ...) LOG_PRINTF __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_PRINTF __attribute__((noreturn));

#endif
