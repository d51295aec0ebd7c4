/* paths.h: where Sluice's files live (see paths.c). */
#ifndef SLUICE_PATHS_H
#define SLUICE_PATHS_H

const char *paths_data_dir(void);
char *paths_data(const char *rel);
char *paths_share(const char *rel, const char *env);
char *paths_migrations_dir(void);

#endif
