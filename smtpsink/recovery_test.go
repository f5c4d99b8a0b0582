package smtpsink

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/internal/lock"
	"github.com/imsforensic/imsforensic/model"
)

// What a machine crash in the middle of a step's sync can leave (a name
// whose contents never reached the disk, one name of the two), planted
// after the checkpoint of a sink that stored two messages: the next start
// moves every torn pair the checkpoint does not cover to broken/, logged
// and counted, and leaves the good pairs alone, the ones the checkpoint
// covers unread (a torn one planted below it stays: the check is of the
// last steps, not of the store).
func TestRestartQuarantinesTornPairsAfterCheckpoint(t *testing.T) {
	dir := t.TempDir()
	s, stop := serveSinkLoopback(t, Config{Store: dir, Logger: testLog{t}})
	rc := dialRaw(t, s)
	rc.expect("EHLO x", 250)
	for _, body := range []string{"Subject: one\r\n\r\nfirst\r\n", "Subject: two\r\n\r\nsecond\r\n"} {
		if code, text := rc.sendMessage("a@x", []string{"b@x"}, body); code != 250 {
			t.Fatalf("DATA: %d %s", code, text)
		}
	}
	rc.c.Close()
	stop()
	ck, payload, ok, err := atomicfile.OpenCheckpoint(filepath.Join(dir, checkpointFile))
	if err != nil {
		t.Fatal(err)
	}
	ck.Close()
	below, covered := parseCheckpoint(payload, ok)
	if !covered {
		t.Fatalf("no valid checkpoint after a clean stop: %q", payload)
	}
	good := storedMessages(t, dir)
	if len(good) != 2 {
		t.Fatalf("%d stored, want 2", len(good))
	}
	for id := range good {
		if !idBefore(id, below) {
			t.Errorf("stored %s is not below the last checkpoint %s", id, below)
		}
	}

	// Planted pairs: ids after the checkpoint (the far future: no later
	// id of the sink's can sort above them in this test) and one before.
	bt, _, _ := parseID(below)
	after := func(n uint64) string { return formatID("20991231T000000.000000Z", n) }
	plant := func(id, eml string, env any) {
		t.Helper()
		if eml != "-" {
			if err := os.WriteFile(filepath.Join(dir, id+".eml"), []byte(eml), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var b []byte
		switch e := env.(type) {
		case nil:
			return
		case string:
			b = []byte(e)
		default:
			b, _ = json.MarshalIndent(e, "", "  ")
		}
		if err := os.WriteFile(filepath.Join(dir, id+".json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	envOf := func(id, eml string) model.SinkMessage {
		sum := sha256.Sum256([]byte(eml))
		return model.SinkMessage{Type: model.TypeSinkMsg, Schema: model.SchemaVersion, ID: id, File: id + ".eml",
			Size: int64(len(eml)), SHA256: hex.EncodeToString(sum[:]), Mail: model.SinkMail{From: "a@x", EnvID: "planted"}}
	}
	const whole = "Subject: whole\r\n\r\nall of it\r\n"
	goodAfter := after(1) // a pair the last step made durable whole
	plant(goodAfter, whole, envOf(goodAfter, whole))
	short := after(2) // the .eml's data never written: empty
	plant(short, "", envOf(short, whole))
	changed := after(3) // same size, other bytes
	plant(changed, strings.Replace(whole, "all", "ALL", 1), envOf(changed, whole))
	tornJSON := after(4) // the .json cut short
	full, _ := json.Marshal(envOf(tornJSON, whole))
	plant(tornJSON, whole, string(full[:len(full)/2]))
	noEml := after(5) // only the .json's name reached the disk
	plant(noEml, "-", envOf(noEml, whole))
	wrongID := after(6) // a .json that names another message
	plant(wrongID, whole, envOf(goodAfter, whole))
	coveredTorn := formatID(bt, 0) // below the checkpoint: never read
	if !idBefore(coveredTorn, below) {
		t.Fatalf("%s not below %s", coveredTorn, below)
	}
	plant(coveredTorn, "", envOf(coveredTorn, whole))

	var log2 bytes.Buffer
	s2, err := New(Config{Store: dir, Logger: &log2})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.store.close()
	wantMoved := []string{short, changed, tornJSON, noEml, wrongID}
	for _, id := range wantMoved {
		for _, ext := range []string{".eml", ".json"} {
			if id == noEml && ext == ".eml" {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, id+ext)); err == nil {
				t.Errorf("%s%s still in the store", id, ext)
			}
			if _, err := os.Stat(filepath.Join(dir, brokenDir, id+ext)); err != nil {
				t.Errorf("%s%s not in broken/: %v", id, ext, err)
			}
			if !strings.Contains(log2.String(), "file="+id+ext) {
				t.Errorf("%s%s not named in the log:\n%s", id, ext, log2.String())
			}
		}
	}
	if got, want := s2.Stats().Quarantined, int64(2*len(wantMoved)-1); got != want {
		t.Errorf("Stats.Quarantined = %d, want %d", got, want)
	}
	for _, want := range []string{"torn .eml (0 bytes", "torn .eml (sha256", "torn .json (does not decode)", "no .eml", "torn .json (id is not its name)"} {
		if !strings.Contains(log2.String(), want) {
			t.Errorf("no reason %q in the log:\n%s", want, log2.String())
		}
	}
	// Untouched: the sink's own pairs, the whole one after the checkpoint
	// (indexed: its ENVID is known), and the torn one the checkpoint covers.
	after2 := storedMessages(t, dir)
	for id, m := range good {
		if !bytes.Equal(after2[id].eml, m.eml) {
			t.Errorf("stored message %s changed", id)
		}
	}
	if string(after2[goodAfter].eml) != whole {
		t.Errorf("the whole pair after the checkpoint was not kept")
	}
	if _, ok := after2[coveredTorn]; !ok {
		t.Errorf("the pair below the checkpoint was read and moved: the check is not of the last steps only")
	}
	if len(after2) != 4 {
		t.Errorf("%d pairs left, want 4", len(after2))
	}
	sum := sha256.Sum256([]byte(whole))
	if s2.store.byEnvID[dedupKey("planted", hex.EncodeToString(sum[:]))] != goodAfter {
		t.Errorf("the whole pair after the checkpoint is not in the ENVID index")
	}
}

// Without a valid checkpoint (a store from before checkpoints, or both
// slots torn) every pair is checked.
func TestRestartWithoutCheckpointChecksEveryPair(t *testing.T) {
	dir := t.TempDir()
	id := formatID("20000101T000000.000000Z", 7)
	env, _ := json.Marshal(model.SinkMessage{ID: id, File: id + ".eml", Size: 5, SHA256: strings.Repeat("0", 64)})
	os.WriteFile(filepath.Join(dir, id+".eml"), []byte("hello"), 0o644)
	os.WriteFile(filepath.Join(dir, id+".json"), env, 0o644)
	s, err := New(Config{Store: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.store.close()
	if _, err := os.Stat(filepath.Join(dir, brokenDir, id+".eml")); err != nil {
		t.Errorf("a mismatching pair in a store without checkpoint was kept: %v", err)
	}
	if s.Stats().Quarantined != 2 {
		t.Errorf("Quarantined = %d, want 2", s.Stats().Quarantined)
	}
}

// A second sink on a store in use is refused before its restart check,
// which would otherwise take the first sink's messages in flight for a
// crash's leftovers and move them to broken/. Once the first has stopped,
// the store is free again.
func TestSecondSinkOnALiveStoreIsRefused(t *testing.T) {
	dir := t.TempDir()
	_, stop := serveSinkLoopback(t, Config{Store: dir, Logger: testLog{t}})
	// What the first sink's restart check would take for a leftover: an
	// .eml whose .json is not named yet, as a session in flight has it.
	inflight := "99991231T235959.000000Z-000001.eml"
	if err := os.WriteFile(filepath.Join(dir, inflight), []byte("Subject: x\r\n\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	_, err := New(Config{Store: dir})
	if !errors.Is(err, lock.ErrLocked) || !strings.Contains(err.Error(), "process "+strconv.Itoa(os.Getpid())) ||
		!strings.Contains(err.Error(), "another --store") {
		t.Fatalf("second sink on the store: %v, want lock.ErrLocked naming process %d and what to do", err, os.Getpid())
	}
	if _, err := os.Stat(filepath.Join(dir, inflight)); err != nil {
		t.Fatalf("the refused sink touched the live store: %v", err)
	}

	stop()
	s, err := New(Config{Store: dir})
	if err != nil {
		t.Fatalf("sink after the first stopped: %v", err)
	}
	defer s.store.close()
	if s.Stats().Quarantined != 1 {
		t.Errorf("restart moved %d files, want the 1 left without its .json", s.Stats().Quarantined)
	}
}
