package report_test

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/corpus"
	"github.com/imsforensic/imsforensic/inventory"
	"github.com/imsforensic/imsforensic/model"
	"github.com/imsforensic/imsforensic/report"
)

// viaEncodingJSON is a scan record as encoding/json writes it: the
// reference of MessageWriter's own JSON encoder.
func viaEncodingJSON(t *testing.T, m *model.Message) (string, error) {
	t.Helper()
	var b bytes.Buffer
	err := report.WriteJSONRecord(&b, model.NewMessageRecord(m))
	return b.String(), err
}

func viaMessageWriter(t *testing.T, m *model.Message) (string, error) {
	t.Helper()
	var b bytes.Buffer
	mw, err := report.NewMessageWriter(&b, report.JSON, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := mw.Write(m); err != nil {
		return "", err
	}
	err = mw.Close()
	return b.String(), err
}

// TestAppendMessageRecordIsEncodingJSON holds MessageWriter's JSON (its
// own encoder) to encoding/json's bytes: on every message of a generated
// queue with every poison rule planted and of the sample TempIMS, and on
// records whose every field holds random bytes (controls, quotes,
// backslashes, HTML characters, invalid UTF-8, U+2028), random floats
// (both exponent forms), odd times and empty or nil lists. A record the
// own encoder leaves to encoding/json (NaN score, year 10000) must come
// out the same too, error included.
func TestAppendMessageRecordIsEncodingJSON(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.Generate(context.Background(), dir, corpus.Config{Messages: 150, Seed: 7, Poison: corpus.PoisonAll()}); err != nil {
		t.Fatal(err)
	}
	ms, err := inventory.Scan(context.Background(), []string{dir, filepath.Join("..", "testdata", "sample-tempims")}, inventory.Options{Slim: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 150 {
		t.Fatalf("%d messages scanned, want at least 150", len(ms))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		ms = append(ms, randomMessage(rng))
	}
	for _, m := range ms {
		want, werr := viaEncodingJSON(t, m)
		got, gerr := viaMessageWriter(t, m)
		if (werr == nil) != (gerr == nil) || got != want {
			t.Fatalf("%s:\nencoding/json: %q (%v)\nMessageWriter: %q (%v)", m.Path, want, werr, got, gerr)
		}
	}
}

func randomMessage(rng *rand.Rand) *model.Message {
	pieces := []string{"", "a", "\"", "\\", "\\x41", "\t", "\n", "\r", "\b", "\f", "\x00", "\x1f", "\x7f", "<&>", "\u2028", "\u2029",
		"\xff", "\xe2\x80", "é", "日本", "\U0001F600", "@", "=?utf-8?b?", " ", "\u00a0", "\ufffd"}
	str := func() string {
		var b strings.Builder
		for range rng.IntN(6) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	list := func() []string {
		switch rng.IntN(4) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		l := make([]string, rng.IntN(4)+1)
		for i := range l {
			l[i] = str()
		}
		return l
	}
	floats := []float64{0, 1, 0.5, 1e-7, 1.5e-7, 1e21, 2.5e22, 123456789.125, -3, 1e-6, 999999999999999999999, math.SmallestNonzeroFloat64, math.MaxFloat64}
	num := func() float64 {
		if rng.IntN(2) == 0 {
			return floats[rng.IntN(len(floats))]
		}
		return rng.NormFloat64() * math.Pow(10, float64(rng.IntN(50)-25))
	}
	times := []time.Time{{}, time.Date(2001, 3, 14, 9, 26, 53, 589793238, time.UTC), time.Date(2001, 3, 14, 9, 26, 53, 0, time.FixedZone("EST", -5*3600)),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2001, 1, 1, 0, 0, 0, 0, time.FixedZone("odd", 5*3600+30*60+17))}
	m := &model.Message{Path: str(), Name: str(), Queue: str(), Format: model.Format(str()), Size: rng.Int64N(1 << 40), SHA256: str(),
		MboxOrdinal: rng.IntN(3), FileOffset: rng.Int64N(3) - 1, ModTime: times[rng.IntN(len(times))], Subject: model.Text(str()),
		SubjectDecoded: model.Text(str()), Score: num(), Error: str()}
	m.Envelope = model.Envelope{From: str(), To: list(), FromParams: str(), ToParams: list(), Helo: str(), MTSID: str(), Source: str(),
		RawOffset: rng.Int64N(3), RawLength: rng.Int64N(3)}
	if rng.IntN(20) == 0 {
		m.Score = math.NaN()
	}
	if rng.IntN(3) > 0 {
		for range rng.IntN(4) {
			m.Findings = append(m.Findings, model.Finding{Rule: str(), Class: model.Class(rng.IntN(5)), Part: str(), Offset: rng.Int64N(1000) - 1,
				Evidence: model.Text(str()), Detail: str(), KB: list(), Confidence: num()})
		}
	}
	return m
}
