#ifndef M365_CFILESYNC_H
#define M365_CFILESYNC_H
#include <stdint.h>

/* Starts writing [offset, offset + count) of fd's dirty pages to disk without waiting
   (Linux sync_file_range with SYNC_FILE_RANGE_WRITE; elsewhere nothing). A download calls it
   as it goes, so the fsync at its end finds little left to write. Returns 0 or -1 with errno. */
int m365_start_writeback(int fd, int64_t offset, int64_t count);

#endif
