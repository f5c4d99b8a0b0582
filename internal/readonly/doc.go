// Package readonly opens evidence for a forensic read. Every command and
// package that reads an input file (a spool file, an evidence log, a
// --files-from list, a rules file) opens it here, so that one policy holds
// everywhere (DESIGN.md section 4, item 1; SECURITY.md):
//
//   - Only regular files are read. The open itself never blocks: on Unix it
//     is done with O_NONBLOCK, so a FIFO (whose plain open waits for a
//     writer, forever, and ignores SIGINT) is opened, found not regular by
//     fstat, and reported with ErrNotRegular without a byte being read.
//     Devices, sockets and folders are reported the same way.
//   - Access times are left alone where the OS allows: O_NOATIME on Linux
//     (permitted to the file's owner and to CAP_FOWNER; otherwise the file
//     is opened without it), and on Windows a handle with "do not update
//     the last access time" set (SetFileTime with 0xFFFFFFFF, which needs
//     FILE_WRITE_ATTRIBUTES on the handle; read-only media fall back to a
//     plain read handle). What remains is listed in SECURITY.md.
//   - A File reads no further than the size the file had when it was
//     opened, and reports a file that grew, shrank or was rewritten while it
//     was read with ErrChanged, instead of chasing a writer (a live IMS, a
//     copy in progress) for as long as it writes.
//
// The package never writes, renames or deletes anything.
package readonly
