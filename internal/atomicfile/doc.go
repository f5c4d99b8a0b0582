// Package atomicfile writes files so that a crash at any instant leaves
// either no file or the whole file (DESIGN.md section 4, promise 2), and
// appends fsynced JSON Lines records for replay journals (STYLE.md item 13).
//
// A file is written under a temporary name (".imsf-<random>.tmp" by
// default) in a directory on the same volume, copied, fsynced, closed,
// renamed into place, and then the destination directory is fsynced so the
// rename itself survives a power loss. Directory fsync is skipped on Windows,
// where directories cannot be opened for sync; NTFS journals the rename.
//
// Many files at once (Stage and Committer, for the SMTP sink): the files
// of concurrent callers share their syncs (group commit), on Linux one
// syncfs(2) per step instead of an fsync per file and folder, and a
// NoReplace file is created unnamed (O_TMPFILE) and linked under its
// final name once its contents are durable (group.go). With
// Committer.OneSync the link comes as soon as the file is written and one
// sync makes contents and names durable together (half the latency): a
// crash of the machine may then leave a name with contents that never
// reached the disk, which the caller checks at restart, helped by a
// Checkpoint (checkpoint.go: two CRC-checked slots rewritten in turn, made
// durable by the steps' own syncs).
//
// Exclusive creation (Options.NoReplace) never replaces an existing file:
//   - Linux: renameat2(RENAME_NOREPLACE), atomic in the kernel.
//   - Windows: MoveFileEx without MOVEFILE_REPLACE_EXISTING, atomic too.
//   - elsewhere, or where the file system refuses renameat2 (EINVAL,
//     ENOSYS): link(temp, dest) then unlink(temp); link fails with EEXIST
//     when dest exists, so this is atomic as well.
//   - last resort, when hard links are not supported either (some network
//     and FAT volumes): Lstat(dest) then rename. QUIRK: this leaves a race
//     window between the check and the rename in which another writer could
//     create dest and be replaced. The replay engine accepts it because its
//     journal records the intent before each write and the replay is the
//     only writer of the names it creates.
package atomicfile
