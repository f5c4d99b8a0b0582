package smtpsink

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/imsforensic/imsforensic/internal/atomicfile"
	"github.com/imsforensic/imsforensic/model"
)

// fingerprint identifies "the same message" for crash counting: the body
// hash and the envelope, as the Exchange poison bookkeeping identifies a
// message in flight (ims-kb.md 6.1, 6.2).
func (ss *session) fingerprint(bodySHA string) (string, []string) {
	rcpts := make([]string, 0, len(ss.rcpts))
	for _, r := range ss.rcpts {
		rcpts = append(rcpts, r.Addr)
	}
	sort.Strings(rcpts)
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s", bodySHA, ss.mail.From, strings.Join(rcpts, "\x00"))
	return hex.EncodeToString(h.Sum(nil)), rcpts
}

// emulateCrash handles a message with a crash-class finding under
// Emulate "ims": the first PoisonThreshold times the connection is dropped
// after DATA, before any reply, as a store that dies while converting the
// message; after that it is refused with 554 5.6.0 and listed as poison
// (Stats, poison.jsonl, one copy in poison/<fingerprint>.eml).
func (ss *session) emulateCrash(tmp *atomicfile.Staged, bodySHA string, summary []model.FindingSummary) error {
	s := ss.sink
	fp, rcpts := ss.fingerprint(bodySHA)

	s.emuMu.Lock()
	p, isPoison := s.poison[fp]
	n := s.crashes[fp]
	if !isPoison && n < s.cfg.PoisonThreshold {
		s.crashes[fp] = n + 1
		s.emuMu.Unlock()
		s.stats.crashes.Add(1)
		s.logEvent("crash", map[string]any{"conn": ss.connID, "fingerprint": fp[:16], "crashes": n + 1,
			"threshold": s.cfg.PoisonThreshold, "findings": topFindings(summary, 3)})
		ss.drop()
		return errDropped
	}
	if !isPoison {
		p = model.SinkPoison{Type: model.TypeSinkPoison, Schema: model.SchemaVersion, Fingerprint: fp, SHA256: bodySHA,
			From: ss.mail.From, Rcpts: rcpts, Crashes: n, File: filepath.ToSlash(filepath.Join(poisonDir, fp+".eml")),
			Time: time.Now().UTC()}
		for _, f := range summary {
			if f.Class == model.ClassCrash {
				p.Rules = append(p.Rules, f.Rule)
			}
		}
		s.poison[fp] = p
	}
	s.emuMu.Unlock()

	if !isPoison {
		if err := s.keepPoison(tmp, p); err != nil {
			s.logEvent("error", map[string]any{"conn": ss.connID, "error": err.Error()})
		}
		s.logEvent("poison", map[string]any{"conn": ss.connID, "fingerprint": fp[:16], "crashes": p.Crashes, "rules": p.Rules})
	}
	s.stats.rejected.Add(1)
	return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: fmt.Sprintf("message is poison (crashed the store %d times)", p.Crashes)}
}

// keepPoison stores one copy of the poison message and appends its entry
// to poison.jsonl.
func (s *Sink) keepPoison(tmp *atomicfile.Staged, p model.SinkPoison) error {
	dir := filepath.Join(s.cfg.Store, poisonDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("smtpsink: create poison dir: %w", err)
	}
	if _, _, err := atomicfile.WriteFile(filepath.Join(s.cfg.Store, filepath.FromSlash(p.File)), tmp.Reader(), 0o644); err != nil {
		return fmt.Errorf("smtpsink: keep poison copy: %w", err)
	}
	return s.store.appendJSONL(poisonJournal, p)
}
