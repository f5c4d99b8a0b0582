package bisect_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/internal/sinktest"
	"github.com/imsforensic/imsforensic/internal/testqueue"
	"github.com/imsforensic/imsforensic/inventory"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/replay/bisect"
	"github.com/imsforensic/imsforensic/smtpsink"
)

// oracle is a target in memory: it crashes on the first culprit of a
// group. With named it says which message it died on, as an SMTP server
// does when it drops the connection during that message's DATA; without,
// it only says whether it crashed, as a probe's exit status does.
type oracle struct {
	bad   map[string]bool
	named bool
}

func (o oracle) Test(_ context.Context, _ int, g []*model.Message) (bisect.Outcome, error) {
	for i, m := range g {
		if o.bad[m.Path] {
			if o.named {
				return bisect.Outcome{Crashed: true, Sent: i + 1, At: i + 1}, nil
			}
			return bisect.Outcome{Crashed: true, Sent: len(g)}, nil
		}
	}
	return bisect.Outcome{Sent: len(g)}, nil
}

func (o oracle) NamesCulprit() bool { return o.named }

func fakeQueue(n int) []*model.Message {
	ms := make([]*model.Message, n)
	for i := range ms {
		name := fmt.Sprintf("M%07d", i)
		ms[i] = &model.Message{Path: "IN/" + name, Name: name, Queue: model.QueueIN}
	}
	return ms
}

func paths(cs []model.Culprit) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Path
	}
	sort.Strings(out)
	return out
}

// sinkStore is the sink's folder: on a RAM file system when there is one,
// because the sink fsyncs every message it stores and the test stores a
// thousand; the behaviour under test (drop, 554, dedup) does not depend on
// the disk.
func sinkStore(t *testing.T) string {
	t.Helper()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "imsf-bisect-sink-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

// startSink runs an in-process sink emulating the IMS store on 127.0.0.1:0.
func startSink(t *testing.T) string {
	t.Helper()
	_, url := sinktest.Start(t, smtpsink.Config{Store: sinkStore(t), Emulate: smtpsink.EmulateIMS, Lint: sinktest.Lint})
	return url
}

func TestBisectAgainstSinkEmulatingIMS(t *testing.T) {
	const n = 1000
	target := startSink(t)
	for k, culprits := range map[int][]int{1: {613}, 2: {5, 871}, 3: {127, 128, 940}} {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			want := testqueue.Write(t, dir, n, culprits...)
			ms, err := inventory.Scan(context.Background(), []string{dir}, inventory.Options{Slim: true})
			if err != nil {
				t.Fatal(err)
			}
			sort.SliceStable(ms, func(i, j int) bool { return ms[i].ModTime.Before(ms[j].ModTime) })
			tester, err := bisect.NewSMTPTester(target, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer tester.Close()
			jpath := filepath.Join(t.TempDir(), "bisect.jsonl")
			j, err := atomicfile.OpenJSONL(jpath)
			if err != nil {
				t.Fatal(err)
			}
			res, err := bisect.Find(context.Background(), ms, tester, j, bisect.Options{})
			if cerr := j.Close(); cerr != nil {
				t.Fatal(cerr)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := paths(res.Culprits); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("found %v, want %v", got, want)
			}
			if res.Summary.Rounds > bisect.Bound(k, n) {
				t.Errorf("%d rounds, want at most k*ceil(log2 n)+k = %d", res.Summary.Rounds, bisect.Bound(k, n))
			}
			if len(tester.SkippedPaths()) != 0 {
				t.Errorf("messages not sent: %v", tester.SkippedPaths())
			}
			steps := journalSteps(t, jpath)
			if steps != res.Summary.Rounds {
				t.Errorf("journal holds %d rounds, summary says %d", steps, res.Summary.Rounds)
			}
			t.Logf("k=%d: %d rounds, %d sent; by hand %d rounds, %d sent", k, res.Summary.Rounds, res.Summary.Sent, res.Summary.ByHand.Rounds, res.Summary.ByHand.Sent)
		})
	}
}

func journalSteps(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	rounds := map[int]bool{}
	sawSummary := false
	for sc.Scan() {
		var rec struct {
			Type  string `json:"type"`
			Round int    `json:"round"`
			Phase string `json:"phase"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("journal line %q: %v", sc.Text(), err)
		}
		if rec.Type == "bisect-step" && rec.Phase != "isolated" {
			rounds[rec.Round] = true
		}
		sawSummary = sawSummary || rec.Type == "bisect"
	}
	if !sawSummary {
		t.Error("journal has no summary record")
	}
	return len(rounds)
}

func TestProbeExitStatusDecides(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the probe below is a POSIX shell command")
	}
	dir := t.TempDir()
	want := testqueue.Write(t, dir, 40, 17)
	ms, err := inventory.Scan(context.Background(), []string{dir}, inventory.Options{Slim: true})
	if err != nil {
		t.Fatal(err)
	}
	// The probe crashes when the folder holds a file with a blank charset.
	p, err := bisect.NewProbeTester(`! grep -rqs 'charset=""' {}`)
	if err != nil {
		t.Fatal(err)
	}
	res, err := bisect.Find(context.Background(), ms, p, nil, bisect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(res.Culprits); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("found %v, want %v", got, want)
	}
	if _, err := bisect.NewProbeTester("true"); err == nil {
		t.Error("a probe without {} was accepted")
	}
}
