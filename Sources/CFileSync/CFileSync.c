/* sync_file_range is a GNU extension: declared only with _GNU_SOURCE, which Swift's Glibc
   module is built without, hence this one C function. */
#define _GNU_SOURCE
#include <fcntl.h>
#include "CFileSync.h"

int m365_start_writeback(int fd, int64_t offset, int64_t count) {
#ifdef __linux__
    return sync_file_range(fd, (off_t)offset, (off_t)count, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd; (void)offset; (void)count;
    return 0;
#endif
}
