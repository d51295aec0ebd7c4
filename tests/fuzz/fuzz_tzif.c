/*
 * fuzz_tzif.c: libFuzzer target for the TZif reader and the POSIX TZ
 * footer rules (lib/tz.c). The input is written to a memory file and
 * loaded with tz_load_file; a loaded zone is asked for offsets and local
 * times across a wide range. Build and run with
 * `make -f tests/fuzz/fuzz.mk fuzz`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], why[256];
	struct tz *tz;
	struct tm tm;
	int fd = memfd_create("tzif", MFD_CLOEXEC);

	if (fd == -1)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	tz = tz_load_file(path, "fuzz", why, sizeof(why));
	if (tz != NULL) {
		for (int64_t t = -4000000000LL; t < 8000000000LL;
		    t += 86400 * 97 + 3601) {
			long off = tz_offset_at(tz, t);

			if (off < -26 * 3600 || off > 26 * 3600)
				__builtin_trap();
			tz_localtime(tz, t, &tm);
		}
		tz_free(tz);
	}
	close(fd);
	return 0;
}
