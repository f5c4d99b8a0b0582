package replay

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/model"
)

func TestDotPadCopy(t *testing.T) {
	for in, want := range map[string]string{
		"a\r\n.\r\nb\r\n":    "a\r\n..\r\nb\r\n",
		".\n":                "..\n",
		"a\n.":               "a\n..",
		"a\r\n.\r":           "a\r\n..\r",
		"..\r\n.x\r\n. \r\n": "..\r\n.x\r\n. \r\n",
		"x.\r\n":             "x.\r\n",
		"":                   "",
	} {
		var b bytes.Buffer
		n, err := dotPadCopy(&b, strings.NewReader(in))
		if err != nil || b.String() != want || n != int64(len(want)) {
			t.Errorf("dotPadCopy(%q) = %q (%d), %v; want %q", in, b.String(), n, err, want)
		}
	}
	// A line longer than the read buffer that ends in a dot is not a lone dot.
	long := strings.Repeat("x", 70000) + "\n.\n"
	var b bytes.Buffer
	dotPadCopy(&b, strings.NewReader(long))
	if b.String() != strings.Repeat("x", 70000)+"\n..\n" {
		t.Error("long line handling")
	}
}

func pickupFixture(t *testing.T) (*model.Message, string) {
	ev := t.TempDir()
	m := writeSpool(t, ev, "OUT", model.QueueOUT, "VMS95LCZ", body1, "")
	m.Envelope.FromParams = "BODY=8BITMIME"
	m.Envelope.ToParams = []string{"NOTIFY=NEVER", ""}
	m.Envelope.Helo = "mail.contoso.com"
	dir := filepath.Join(t.TempDir(), "Imcdata", "Pickup")
	os.MkdirAll(dir, 0o755)
	return m, dir
}

func TestPickupConversion(t *testing.T) {
	m, dir := pickupFixture(t)
	tg, err := NewPickupTarget(dir, PickupOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var recs []model.ReplayRecord
	sum, err := Run(context.Background(), []*model.Message{m}, tg, Options{JournalPath: filepath.Join(t.TempDir(), "j")}, collect(&recs))
	if err != nil || sum.Written != 1 {
		t.Fatalf("%v %+v\n%s", err, sum, reasons(recs))
	}
	got, _ := os.ReadFile(filepath.Join(dir, "VMS95LCZ.eml"))
	want := "X-Sender: alice@contoso.com BODY=8BITMIME\r\n" +
		"X-Receiver: bob@example.com NOTIFY=NEVER\r\n" +
		"X-Receiver: carol@example.com\r\n" +
		strings.Replace(body1, "\r\n.\r\n", "\r\n..\r\n", 1)
	if string(got) != want {
		t.Fatalf("pickup file:\n%q\nwant:\n%q", got, want)
	}
	if recs[len(recs)-1].SHA256After != sha([]byte(want)) || recs[len(recs)-1].SHA256Before != m.SHA256 {
		t.Fatalf("hashes not recorded: %+v", recs[len(recs)-1])
	}
	tg.Close()
	if ents, _ := os.ReadDir(filepath.Dir(dir)); len(ents) != 1 {
		t.Fatalf("temporary folder left beside Pickup: %v", ents)
	}
}

func TestPickupRefusals(t *testing.T) {
	m, dir := pickupFixture(t)
	norcpt := *m
	norcpt.Name = "NORCPT01"
	norcpt.Envelope.To = nil
	tg, _ := NewPickupTarget(dir, PickupOptions{MaxBytes: 100})
	var recs []model.ReplayRecord
	sum, err := Run(context.Background(), []*model.Message{m, &norcpt}, tg, Options{DryRun: true}, collect(&recs))
	if err != nil || sum.Refused != 2 {
		t.Fatalf("%v %+v\n%s", err, sum, reasons(recs))
	}
	r := reasons(recs)
	if !strings.Contains(r, "over the Pickup limit of 100") || !strings.Contains(r, "no envelope recipient") {
		t.Fatalf("reasons:\n%s", r)
	}
}

func TestReplayDirGolden(t *testing.T) {
	m, _ := pickupFixture(t)
	dir := filepath.Join(t.TempDir(), "TransportRoles", "Replay")
	os.MkdirAll(dir, 0o755)
	tg, _ := NewReplayDirTarget(dir)
	sum, err := Run(context.Background(), []*model.Message{m}, tg, Options{JournalPath: filepath.Join(t.TempDir(), "j")}, nil)
	if err != nil || sum.Written != 1 {
		t.Fatalf("%v %+v", err, sum)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "VMS95LCZ.eml"))
	golden, err := os.ReadFile(filepath.Join("testdata", "replay-dir", "VMS95LCZ.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, golden) {
		t.Fatalf("replay-dir file:\n%q\nwant:\n%q", got, golden)
	}
	xh := "X-Sender: <alice@contoso.com> BODY=8BITMIME\r\nX-Receiver: <bob@example.com> NOTIFY=NEVER\r\nX-Receiver: <carol@example.com>\r\nX-CreatedBy: imsforensic\r\nX-HeloDomain: mail.contoso.com\r\n"
	if !bytes.HasPrefix(got, []byte(xh+"X-EndOfInjectedXHeaders: 180\r\n"+body1)) || len(xh) != 180 {
		t.Fatalf("X-EndOfInjectedXHeaders does not count the X-header bytes (%d)", len(xh))
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]TargetSpec{
		`imcdata:D:\Exchsrvr\Imcdata`:       {SchemeImcdata, `D:\Exchsrvr\Imcdata`},
		`IMCDATA:C:\x`:                      {SchemeImcdata, `C:\x`},
		`pickup:C:\Exchsrvr\Imcdata\Pickup`: {SchemePickup, `C:\Exchsrvr\Imcdata\Pickup`},
		`replay-dir:/srv/replay`:            {SchemeReplayDir, "/srv/replay"},
		`pickup:\\server\share\Pickup`:      {SchemePickup, `\\server\share\Pickup`},
		`smtp://127.0.0.1:2525`:             {SchemeSMTP, "smtp://127.0.0.1:2525"},
	} {
		got, err := ParseTarget(in)
		if err != nil || got != want {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{`D:\Exchsrvr\Imcdata`, "imcdata:", "ftp://x", "smtp:x", "", "/tmp/x"} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("ParseTarget(%q) accepted", bad)
		}
	}
	if runtime.GOOS == "windows" {
		spec, _ := ParseTarget(`imcdata:D:\Exchsrvr\Imcdata`)
		tg, err := NewImcdataTarget(spec.Path, ImcdataOptions{})
		if err != nil || tg.String() != `imcdata:D:\Exchsrvr\Imcdata` {
			t.Errorf("windows path: %v %v", tg, err)
		}
	}
}

// A spool file whose name Windows would not keep (a device name, a
// trailing dot, a character NTFS refuses) is refused by every file
// target with the reason, and nothing is written: on Exchange's server
// "NUL.eml" would have swallowed the message and "A." would have landed
// on "A".
func TestNamesWindowsCannotKeepAreRefused(t *testing.T) {
	m, _ := pickupFixture(t)
	bad := map[string]string{
		"NUL":       "device",
		"con.txt":   "device",
		"Com1":      "device",
		"LPT\u00b9": "device",
		"AUX .x":    "device",
		"KPFY.":     "drops",
		"KPFY ":     "drops",
		"a:b":       "<>:",
		"a?b":       "<>:",
		"a\x01b":    "control character",
		`a\b`:       "separator",
		"..":        "not a file name",
	}
	for _, target := range []string{"pickup", "replay-dir", "imcdata"} {
		dir := t.TempDir()
		var tg Target
		var err error
		switch target {
		case "pickup":
			tg, err = NewPickupTarget(dir, PickupOptions{})
		case "replay-dir":
			tg, err = NewReplayDirTarget(dir)
		default:
			tg, err = NewImcdataTarget(dir, ImcdataOptions{})
		}
		if err != nil {
			t.Fatal(err)
		}
		var msgs []*model.Message
		byPath := map[string]string{}
		for name := range bad {
			c := *m
			c.Name = name
			c.Queue = model.QueueIN
			c.Path = filepath.Join(filepath.Dir(m.Path), "as-"+strconv.Itoa(len(msgs)))
			byPath[c.Path] = name
			msgs = append(msgs, &c)
		}
		var recs []model.ReplayRecord
		sum, err := Run(context.Background(), msgs, tg, Options{JournalPath: filepath.Join(t.TempDir(), "j")}, collect(&recs))
		if err != nil || sum.Refused != len(bad) || sum.Written != 0 {
			t.Fatalf("%s: %v %+v\n%s", target, err, sum, reasons(recs))
		}
		for _, r := range recs {
			name, ok := byPath[r.Path]
			if !ok {
				t.Errorf("%s: a record of an unknown source %q", target, r.Path)
			}
			if want := bad[name]; !strings.Contains(r.Reason, want) {
				t.Errorf("%s: %q refused for %q, want a reason naming %q", target, name, r.Reason, want)
			}
		}
		var files []string
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, p)
			}
			return nil
		})
		if len(files) != 0 {
			t.Errorf("%s: files written: %q", target, files)
		}
	}
	for _, ok := range []string{"KPFYCMQB", "VMS95LCZ.eml", "COM10", "CONSOLE", "nul-not", "LPT0", "a.b.c"} {
		if why := unsafeName(ok); why != "" {
			t.Errorf("unsafeName(%q) = %q, want it kept", ok, why)
		}
	}
}
