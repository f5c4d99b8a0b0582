package readonly

import "golang.org/x/sys/unix"

// noatime is O_NOATIME: reads leave the access time alone.
const noatime = unix.O_NOATIME
