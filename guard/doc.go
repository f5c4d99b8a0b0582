// Package guard is the one check behind the first safety promise (DESIGN.md
// section 4, item 1): no output of any command (a report, transcript,
// journal, store, corpus, probe folder or any future --out) may be an input
// file or lie inside an input folder. Commands build Inputs from the paths
// they read and Check every output before they open it; replay.Run,
// bisect's ProbeTester and the sink apply it themselves, so a program that
// calls the library gets the same protection as the command line.
//
// Paths are compared by file identity (os.SameFile on the output and each
// of its existing ancestors), not by spelling, so "." and "..", symbolic
// links, case differences on NTFS and Windows short names cannot hide an
// output inside the evidence. A target folder that holds the evidence (as
// Imcdata holds TempIMS in KB Q197792) is fine; the reverse is not.
package guard
