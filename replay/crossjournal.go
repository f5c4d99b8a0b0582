package replay

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/imsforensic/imsforensic/internal/readonly"
	"github.com/imsforensic/imsforensic/model"
)

// What other journals say of this server (Options.SendAgain turns it off).
//
// An SMTP server cannot tell a duplicate: a message replayed to it by one
// journal and again by another (the queue, then its IN folder; a copy of
// the queue in another folder; the same files selected another way) is
// delivered twice. Folder targets do not need this: a file of identical
// content already at the destination is skipped. So before an smtp://
// replay sends, it reads the other journals that reached the same server
// (the identity rules of smtp_identity.go: the addresses a header
// recorded, or its host resolved now for a journal written before headers
// did) and keeps, per message, whether one of them delivered it or left it
// in doubt.
//
// "The same message" is the sha256 of its source file (the plan and begin
// records' sha256_before, Message.SHA256; an mbox message's own bytes):
// the IMS spool file holds the envelope (sender, recipients) and the RFC
// 822 part, so the same sha256 is the same message to the same
// recipients. The done record's sha256_before (the RFC 822 part alone)
// would take a message queued to other recipients for the same one; the
// path would miss a copy. A done record closes the begin of its path
// (journalState.doneKey), whose key carries the file's sha256.

// otherJournals is what the other journals of this server record: per
// message sha256 the journal that delivered it, or that left it in doubt
// (begun with no outcome, or refused by a rerun as in doubt). It holds 32
// bytes and an index per message, never the records.
type otherJournals struct {
	paths []string         // journals of this server, in the order read
	done  map[[32]byte]int // delivered (done ok) -> index in paths
	doubt map[[32]byte]int // in doubt, and delivered by none
	// claimed are the messages this run sends, by sha256, with the file
	// (claim); planOne may run on several goroutines.
	mu      sync.Mutex
	claimed map[[32]byte]string
	seen    int   // journal files looked at (their first line)
	lines   int   // lines read from journals of this server
	bytes   int64 // bytes read from them
}

// The summary's reasons for messages another journal of the server
// delivered or left in doubt (each record names the journal).
const (
	reasonSameInRun          = "same content as another file this journal sent"
	reasonDeliveredElsewhere = "already delivered to this server (another journal)"
	reasonInDoubtElsewhere   = "in doubt in another journal of this server"
)

// inDoubtReason starts the reason of every refusal of an interrupted
// delivery (engine.go recover, the SMTP target's recover): a journal
// whose rerun refused a message so still does not know whether the server
// has it.
const inDoubtReason = "interrupted during delivery; outcome unknown"

// otherJournalFolders are where the other journals are looked for: the
// per-user state folder, where every default journal lives, and the
// folder of the run's journal when --journal put it elsewhere.
func otherJournalFolders(own string) []string {
	var dirs []string
	if d, err := StateDir(); err == nil {
		dirs = append(dirs, d)
	}
	if d := filepath.Dir(absPath(own)); len(dirs) == 0 || sourceKey(d) != sourceKey(dirs[0]) {
		dirs = append(dirs, d)
	}
	return dirs
}

// readOtherJournals reads the journals other than own that reached the
// server t is. In the state folder it looks at the default journals'
// names (replay-smtp*.jsonl); beside a --journal elsewhere at every
// *.jsonl. Each file's first line is read first (its header, or the first
// record of a journal written before headers): a journal of another
// target is not read further. A journal of this server is read once,
// line by line, read-only, without repairing it (torn lines are passed
// over). A file named as a default journal that cannot be read is an
// error: what it sent is unknown.
func readOtherJournals(t *SMTPTarget, own string) (*otherJournals, error) {
	o := &otherJournals{done: map[[32]byte]int{}, doubt: map[[32]byte]int{}, claimed: map[[32]byte]string{}}
	looked := map[string]bool{sourceKey(own): true} // the run's journal, and each file once
	ownInfo, _ := os.Stat(own)
	id := t.identity()
	resolved := map[string]smtpIdentity{}
	for i, dir := range otherJournalFolders(own) {
		pattern := "replay-smtp*.jsonl"
		if i > 0 {
			pattern = "*.jsonl"
		}
		paths, _ := filepath.Glob(filepath.Join(dir, pattern)) // the pattern is fixed: Glob fails only on a bad one
		sort.Strings(paths)
		for _, p := range paths {
			k := sourceKey(p)
			if looked[k] {
				continue
			}
			looked[k] = true
			fi, err := os.Stat(p)
			if err != nil || !fi.Mode().IsRegular() || ownInfo != nil && os.SameFile(fi, ownInfo) {
				continue
			}
			o.seen++
			h, err := firstJournalLine(p)
			if err != nil {
				if strings.HasPrefix(filepath.Base(p), "replay-smtp") {
					return nil, fmt.Errorf("replay: journal %s: %w; it may record messages delivered to this server: make it readable, or give --send-again to send regardless", p, err)
				}
				continue
			}
			if h == nil {
				continue
			}
			other, ok := identityFromHeader(h, t.opts.Resolver, resolved)
			if !ok || id.shared(other) == "" {
				continue
			}
			if err := o.read(p); err != nil {
				return nil, err
			}
		}
	}
	return o, nil
}

// firstJournalLine is the server a journal names on its first line: its
// header, or for a journal written before headers (or whose header was
// lost) its first record's target, as a header without addresses. nil,
// nil: the file is no journal.
func firstJournalLine(path string) (*model.JournalHeader, error) {
	f, err := readonly.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	line, err := bufio.NewReaderSize(io.LimitReader(f, 64<<10), 4096).ReadSlice('\n')
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) && !errors.Is(err, readonly.ErrChanged) {
		return nil, err
	}
	if errors.Is(err, bufio.ErrBufferFull) {
		// A first line longer than 4 KiB: read it whole (up to 64 KiB).
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(io.LimitReader(f, 64<<10))
		line, _, _ = bytes.Cut(b, []byte("\n"))
	}
	var probe struct {
		Type      model.RecordType `json:"type"`
		Target    string           `json:"target"`
		Addresses []string         `json:"addresses"`
	}
	if json.Unmarshal(bytes.TrimSpace(line), &probe) != nil || probe.Target == "" {
		return nil, nil
	}
	switch probe.Type {
	case model.TypeJournal:
		return &model.JournalHeader{Type: probe.Type, Target: probe.Target, Addresses: probe.Addresses}, nil
	case model.TypeReplay:
		return &model.JournalHeader{Type: model.TypeJournal, Target: probe.Target}, nil
	}
	return nil, nil
}

// Lines that cannot change what a journal says a message became: plan
// lines, skips and hold-backs (a quote inside a JSON string is escaped, so
// these cannot match a path or a reason).
var inertLines = [][]byte{[]byte(`"result":"planned"`), []byte(`"result":"skipped"`), []byte(`"result":"held"`)}

// journalLine is the part of a replay record that says what became of a
// message (the fields of model.ReplayRecord that journalState.add reads
// for a send: no Dest, an SMTP delivery is never undone).
type journalLine struct {
	Type         model.RecordType   `json:"type"`
	Path         string             `json:"path"`
	Action       model.ReplayAction `json:"action"`
	SHA256Before string             `json:"sha256_before"`
	Result       model.ReplayResult `json:"result"`
	Reason       string             `json:"reason"`
}

// read adds one journal of this server: it replays its lines through
// the journal's own state machine (journalState.add, the rules a resume
// of that journal follows) and keeps the messages delivered and in doubt.
func (o *otherJournals) read(path string) error {
	f, err := readonly.Open(path)
	if err != nil {
		return fmt.Errorf("replay: journal %s: %w; it records messages sent to this server: make it readable, or give --send-again to send regardless", path, err)
	}
	defer f.Close()
	js := newJournalState()
	js.noRecords = true
	br := bufio.NewReaderSize(f, 64<<10)
	var long []byte // a line longer than the buffer, gathered
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, line...)
			continue
		}
		if long != nil {
			line, long = append(long, line...), nil
		}
		o.bytes += int64(len(line))
		if len(line) > 0 {
			o.lines++
			o.addLine(js, line)
		}
		// A journal that grew while read (a dry run beside a running
		// replay; a real run holds the server's locks) is taken as it
		// was when opened: its last line, torn or not, then its
		// messages in flight are in doubt.
		if errors.Is(err, io.EOF) || errors.Is(err, readonly.ErrChanged) {
			break
		}
		if err != nil {
			return fmt.Errorf("replay: read journal %s: %w", path, err)
		}
	}
	o.take(js, path)
	return nil
}

// take keeps what the journal js (read from path) delivered and left in
// doubt.
func (o *otherJournals) take(js *journalState, path string) {
	idx := len(o.paths)
	o.paths = append(o.paths, path)
	for k, st := range js.state {
		switch st {
		case stateWritten:
		case stateBegun:
		case stateRefused:
			if !strings.HasPrefix(js.refused[k].Reason, inDoubtReason) {
				continue // refused for good (bare LF, ...): never sent
			}
		default:
			continue
		}
		h := shaKey(k[strings.LastIndexByte(k, 0)+1:])
		if st == stateWritten {
			o.done[h] = idx
			delete(o.doubt, h)
		} else if _, ok := o.done[h]; !ok {
			if _, ok := o.doubt[h]; !ok {
				o.doubt[h] = idx
			}
		}
	}
}

// claim records that the message with this sha256, at path, is sent by
// this run; when another file of the same content was claimed first, it
// returns that file's path and the message is not sent (two copies of a
// file among one run's sources, or a file and its copy).
func (o *otherJournals) claim(sha, path string) string {
	if o == nil || sha == "" {
		return ""
	}
	k := shaKey(sha)
	o.mu.Lock()
	defer o.mu.Unlock()
	if prev, ok := o.claimed[k]; ok && prev != path {
		return prev
	}
	o.claimed[k] = path
	return ""
}

func (o *otherJournals) addLine(js *journalState, line []byte) {
	for _, p := range inertLines {
		if bytes.Contains(line, p) {
			return
		}
	}
	var l journalLine
	if json.Unmarshal(line, &l) != nil || l.Type != model.TypeReplay {
		return // the header, or a line torn by a kill
	}
	js.add(model.ReplayRecord{Type: l.Type, Path: l.Path, Action: l.Action, SHA256Before: l.SHA256Before, Result: l.Result, Reason: l.Reason})
}

// shaKey is a hex sha256 as 32 bytes (anything else hashed, so that it
// still compares equal to itself).
func shaKey(s string) [32]byte {
	var k [32]byte
	if len(s) == 64 {
		if _, err := hex.Decode(k[:], []byte(s)); err == nil {
			return k
		}
	}
	return sha256.Sum256([]byte(s))
}

// lookup is what the other journals say of the message whose source has
// this sha256: stateWritten (delivered) or stateBegun (in doubt), with the
// journal; stateNone when none of them sent it.
func (o *otherJournals) lookup(sha string) (msgState, string) {
	if o == nil || sha == "" {
		return stateNone, ""
	}
	k := shaKey(sha)
	if i, ok := o.done[k]; ok {
		return stateWritten, o.paths[i]
	}
	if i, ok := o.doubt[k]; ok {
		return stateBegun, o.paths[i]
	}
	return stateNone, ""
}
