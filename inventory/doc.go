// Package inventory finds the message files under the paths an admin gives
// (a TempIMS folder with IN and OUT, an Imcdata folder with IN, OUT, their
// Archive folders and Pickup, any folder of message files, or single
// files), works out each file's queue from its folder names
// (case-insensitively, as on NTFS), and parses and checks them in parallel
// on all cores. An mbox file that holds several messages (RFC 4155) gives
// one Message per message, with its ordinal and file offset.
//
// It is read-only: files are opened for reading, never written, renamed or
// deleted. It does not follow symbolic links; a FIFO, device or unreadable
// file is reported as a message with Error set, so every regular file and
// every problem shows up in the output.
package inventory
