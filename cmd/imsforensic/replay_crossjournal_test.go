package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/internal/sinktest"
	"github.com/imsforensic/imsforensic/internal/teststate"
	"github.com/imsforensic/imsforensic/smtpsink"
)

// TestReplayOfTheINFolderAfterTheQueueSendsNothingTwice: `replay TempIMS
// --to smtp://S`, then `replay TempIMS/IN --to smtp://S`: the second (a
// journal of its own) sends nothing the first delivered; its dry run and
// its rows say so, naming the first journal, and the summary counts them.
// `--send-again` sends them again on purpose, beside --journal too. It
// sent every IN message twice before.
func TestReplayOfTheINFolderAfterTheQueueSendsNothingTwice(t *testing.T) {
	teststate.Set(t, t.TempDir())
	src := sampleCopy(t)
	s, url := sinktest.Start(t, smtpsink.Config{})
	_, errOut, code := runCLI(t, "", "replay", src, "--to", url)
	if code != exitOK && code != exitRefused { // the sample's bare-LF and recipient-less messages are refused
		t.Fatalf("replay TempIMS: exit %d\n%s", code, errOut)
	}
	sent := s.Stats().Stored
	journal := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(errOut, "\n", 2)[0], "journal: "))
	if sent == 0 || !strings.HasSuffix(journal, ".jsonl") {
		t.Fatalf("replay TempIMS sent %d, journal %q\n%s", sent, journal, errOut)
	}
	in := filepath.Join(src, "IN")
	skip := "already delivered to this server, journal"
	// --wide: the journal's name is looked for whole, and a Windows
	// temporary folder is long enough to wrap it in the table.
	out, errOut, code := runCLI(t, "", "replay", in, "--to", url, "--dry-run", "--verbose", "--wide")
	if code != exitOK || strings.Count(out, skip) != int(sent) || !strings.Contains(out, filepath.Base(journal)) || !strings.Contains(out, "already delivered to this server (another journal)") {
		t.Errorf("--dry-run of TempIMS/IN: exit %d, want %d rows %q naming %s and the summary's count\n%s\n%s", code, sent, skip, journal, out, errOut)
	}
	out, errOut, code = runCLI(t, "", "replay", in, "--to", url, "--verbose")
	if code != exitOK && code != exitRefused || strings.Count(out, skip) != int(sent) || !strings.Contains(out, "written 0") {
		t.Errorf("replay TempIMS/IN: exit %d\n%s\n%s", code, out, errOut)
	}
	if st := s.Stats(); st.Stored != sent || st.Duplicates != 0 {
		t.Fatalf("the server stored %d (duplicates %d), want the first run's %d only", st.Stored, st.Duplicates, sent)
	}
	other := filepath.Join(t.TempDir(), "again.jsonl")
	out, errOut, code = runCLI(t, "", "replay", in, "--to", url, "--send-again", "--journal", other)
	if code != exitOK && code != exitRefused || strings.Contains(out, skip) {
		t.Errorf("--send-again --journal: exit %d\n%s\n%s", code, out, errOut)
	}
	if st := s.Stats(); st.Duplicates != sent {
		t.Errorf("after --send-again the sink counts %d duplicates, want %d (each sent twice, on purpose)", st.Duplicates, sent)
	}
}

// TestReplayOfAQueueAndItsCopyInOneRunSendsOnce: `replay TempIMS COPY
// --to smtp://S` sends each message once; the copy's rows name the file
// sent.
func TestReplayOfAQueueAndItsCopyInOneRunSendsOnce(t *testing.T) {
	teststate.Set(t, t.TempDir())
	src, cp := sampleCopy(t), sampleCopy(t)
	s, url := sinktest.Start(t, smtpsink.Config{})
	out, errOut, code := runCLI(t, "", "replay", src, cp, "--to", url, "--format", "json", "--concurrency", "2")
	if code != exitOK && code != exitRefused {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	st := s.Stats()
	if st.Stored == 0 || st.Duplicates != 0 || strings.Count(out, "same content as") != int(st.Stored) {
		t.Errorf("stored %d, duplicates %d; want each once, the copies skipped\n%s", st.Stored, st.Duplicates, out)
	}
}
