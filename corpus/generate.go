package corpus

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// gen is the state of one Generate run. It is not safe for concurrent use.
type gen struct {
	cfg    Config
	rng    *rand.Rand
	server string // NetBIOS name, as in MTS-IDs and event logs
	fqdn   string
	domain string
	org    string
	seq    uint32
	names  map[string]struct{} // spool names in use (lookups only, never iterated)

	msg     bytes.Buffer // the RFC 822 part of the message being built
	env     bytes.Buffer // its envelope
	scratch []byte
	bw      *bufio.Writer // reused for every message file

	crash     time.Time // incident time (UTC); zero for a quiet day
	faultAddr uint32
	metas     []msgMeta
}

// msgMeta is what evidence and truth.json need of a written file, kept for
// the whole run (a few hundred bytes per message, never the content).
type msgMeta struct {
	TruthFile
	dir       string
	envFrom   string
	rcpts     []string // at most maxKeptRcpts
	nrcpt     int
	subject   string
	msgID     string
	mtsID     string
	helo, ip  string
	t         time.Time
	size      int64
	isCulprit bool
}

const maxKeptRcpts = 200 // larger lists are bulkRecipients, regenerated on demand

var servers = []string{"MAILGATE", "EXCH01", "RAYDEN", "NTMAIL1", "HQMAIL"}
var orgs = []struct{ org, domain string }{
	{"Northwind", "northwind-traders.example"}, {"Fabrikam", "fabrikam.example"}, {"Contoso", "contoso.example"},
}

// pcgStream is the second PCG word; fixed so that Seed alone decides.
const pcgStream = 0x1F2E3D4C5B6A7988

// ErrNotEmpty is returned by Generate for a folder that already holds
// something: synthetic messages mixed into a real queue, or a truth.json
// written over another corpus's, would be worse than no corpus.
var ErrNotEmpty = errors.New("corpus: the folder is not empty")

// refuseNonEmpty lets Generate write only into a new or empty folder.
func refuseNonEmpty(dir string) error {
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if len(names) > 0 {
		return fmt.Errorf("%w: %s holds %s; give a new or empty folder", ErrNotEmpty, dir, names[0])
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("corpus: list %s: %w", dir, err)
	}
	return nil
}

// Generate writes a corpus under dir (created if needed) and returns its
// ground truth, which it also writes as dir/truth.json. dir must be new or
// empty (ErrNotEmpty). It stops early with ctx's error
// when ctx is cancelled; what was written until then stays.
func Generate(ctx context.Context, dir string, cfg Config) (*Truth, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	g := &gen{cfg: cfg, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), pcgStream)), names: make(map[string]struct{})}
	g.server = servers[g.rng.IntN(len(servers))]
	o := orgs[g.rng.IntN(len(orgs))]
	g.org, g.domain = o.org, o.domain
	g.fqdn = strings.ToLower(g.server) + "." + g.domain
	g.seq = g.rng.Uint32() & 0xFFFF
	if cfg.Scenario.Kind != KindQuiet {
		g.crash = cfg.Now.Add(time.Duration(8*3600+g.rng.IntN(9*3600)) * time.Second).Add(time.Duration(g.rng.IntN(1000)) * time.Millisecond).UTC()
	}

	if err := refuseNonEmpty(dir); err != nil {
		return nil, err
	}
	if err := g.makeDirs(dir); err != nil {
		return nil, err
	}
	plan := g.plan()
	for i, item := range plan {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("corpus: generate: %w", err)
		}
		if err := g.writeMessage(dir, item); err != nil {
			return nil, err
		}
		if cfg.Progress != nil && (i%256 == 0 || i == len(plan)-1) {
			cfg.Progress(i+1, len(plan))
		}
	}
	t := g.truth()
	if cfg.Evidence {
		ev, err := g.writeEvidence(ctx, dir)
		if err != nil {
			return nil, err
		}
		t.Evidence = ev
	}
	if err := writeTruth(dir, t); err != nil {
		return nil, err
	}
	return t, nil
}

func (g *gen) makeDirs(dir string) error {
	sub := []string{"IN", "OUT"}
	if g.cfg.Layout == LayoutImcdata {
		sub = []string{"IN", "IN/Archive", "OUT", "OUT/Archive", "Pickup", "Pickup/Archive", "Log"}
	}
	for _, s := range sub {
		if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(s)), 0o755); err != nil {
			return fmt.Errorf("corpus: %w", err)
		}
	}
	return nil
}

// planItem is one message to write: clean (rule == "") or poison.
type planItem struct {
	rule    string
	variant int
	culprit bool
}

// plan lays out the messages: every poison item at a random position
// among clean ones, the scenario's culprit among them.
func (g *gen) plan() []planItem {
	var items []planItem
	seen := map[string]bool{}
	for _, r := range catalogue { // catalogue order, not Config order: stable output
		if !slices.Contains(g.cfg.Poison, r.id) || seen[r.id] {
			continue
		}
		seen[r.id] = true
		for v := range poisonVariants(r.id) {
			items = append(items, planItem{rule: r.id, variant: v})
		}
	}
	if sc := g.cfg.Scenario; sc.Kind == KindContent {
		i := slices.IndexFunc(items, func(p planItem) bool { return p.rule == sc.Culprit })
		if i < 0 {
			items = append(items, planItem{rule: sc.Culprit})
			i = len(items) - 1
		}
		items[i].culprit = true
	}
	n := max(g.cfg.Messages, len(items))
	plan := make([]planItem, n)
	perm := g.rng.Perm(n)
	for k, it := range items {
		plan[perm[k]] = it
	}
	return plan
}

// spoolName returns a fresh 8-character [0-9A-Z] name (ims-kb.md 1.4).
func (g *gen) spoolName() string {
	const alpha = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for {
		var b [8]byte
		for i := range b {
			b[i] = alpha[g.rng.IntN(len(alpha))]
		}
		s := string(b[:])
		if _, dup := g.names[s]; !dup {
			g.names[s] = struct{}{}
			return s
		}
	}
}

// placeClean picks the queue of a clean message.
func (g *gen) placeClean() (queue, dir string) {
	p := g.rng.IntN(100)
	if g.cfg.Layout == LayoutTempIMS {
		if p < 65 {
			return "IN", "IN"
		}
		return "OUT", "OUT"
	}
	switch {
	case p < 58:
		return "IN", "IN"
	case p < 88:
		return "OUT", "OUT"
	case p < 93:
		return "IN/Archive", "IN"
	case p < 97:
		return "OUT/Archive", "OUT"
	default:
		return "Pickup", "OUT"
	}
}

func (g *gen) placePoison(item planItem) (queue, dir string) {
	r, _ := ruleByID(item.rule)
	dir = r.dir
	if g.cfg.Scenario.Kind == KindMTSOut && (item.rule == "header-block-over-32k" || item.rule == "header-field-over-21k") {
		dir = "IN" // the MTS-OUT story: no OUT file with oversize headers
	}
	if item.culprit && g.cfg.Scenario.Dir != "" {
		dir = g.cfg.Scenario.Dir
	}
	queue = dir
	if item.culprit && g.cfg.Layout == LayoutImcdata && (g.cfg.Scenario.Naming == NameBy4117 || g.cfg.Scenario.Naming == NameBy12006) {
		queue = "IN/Archive" // 4117: "moved to the IMCDATA\IN\ARCHIVE directory"
	}
	return queue, dir
}

func (g *gen) writeMessage(dir string, item planItem) error {
	m := &mail{name: g.spoolName(), role: "clean"}
	if item.rule == "" {
		m.queue, m.dir = g.placeClean()
	} else {
		m.queue, m.dir = g.placePoison(item)
		m.role = "poison"
	}
	day := g.cfg.Now.UTC()
	m.t = day.Add(time.Duration(g.rng.Int64N(int64(24 * time.Hour))))
	switch {
	case item.culprit:
		m.role = "culprit"
		m.t = g.crash.Add(-time.Duration(5+g.rng.IntN(85))*time.Second - time.Duration(g.rng.IntN(1000))*time.Millisecond)
	case item.rule != "" && !g.crash.IsZero():
		// One consistent world: the culprit is the first poison message
		// the IMS meets in its processing order (file time), so every
		// other planted poison message arrived after the incident. Had
		// one been there earlier, it, not the culprit, would have crashed
		// the store first, and the evidence would name it.
		rest := day.Add(24*time.Hour).Sub(g.crash) - 2*time.Second
		m.t = g.crash.Add(time.Second + time.Duration(g.rng.Int64N(int64(max(rest, time.Second)))))
	}
	g.setupAddresses(m)
	g.msg.Reset()
	g.env.Reset()
	if item.rule == "" {
		m.rules = g.buildClean(&g.msg, m, g.pickSize())
	} else {
		poisonBuilders[item.rule](g, &g.msg, m, item.variant)
		m.rules = append([]string{item.rule}, extraRules[item.rule]...)
	}
	format := "ims-spool"
	switch {
	case m.emptyFile:
		g.msg.Reset()
		format = ""
	case m.queue == "Pickup":
		format = "x-sender"
		writeXSender(&g.env, m)
	default:
		g.writeEnvelope(&g.env, m)
		if m.envOnly {
			g.msg.Reset()
		}
	}
	rel := m.queue + "/" + m.name
	path := filepath.Join(dir, filepath.FromSlash(rel))
	sum, err := g.writeFile(path, g.env.Bytes(), g.msg.Bytes(), m.t)
	if err != nil {
		return err
	}
	slices.Sort(m.rules)
	meta := msgMeta{
		TruthFile: TruthFile{Path: rel, Name: m.name, Queue: m.queue, Format: format, Rules: m.rules, Class: topClass(m.rules),
			Role: m.role, Size: int64(g.env.Len() + g.msg.Len()), SHA256: sum, MTime: m.t},
		dir: m.dir, envFrom: m.envFrom, nrcpt: len(m.rcpts), subject: m.plain, msgID: m.msgID, mtsID: m.mtsID,
		helo: m.helo, ip: m.ip, t: m.t, size: int64(g.env.Len() + g.msg.Len()), isCulprit: item.culprit,
	}
	if meta.Rules == nil {
		meta.Rules = []string{}
	}
	meta.rcpts = append([]string(nil), m.rcpts[:min(len(m.rcpts), maxKeptRcpts)]...)
	g.metas = append(g.metas, meta)
	return nil
}

// writeFile writes head then body to path through bufio, sets the file
// time and returns the sha256 of the bytes written.
func (g *gen) writeFile(path string, head, body []byte, t time.Time) (string, error) {
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("corpus: %w", err)
	}
	if g.bw == nil {
		g.bw = bufio.NewWriterSize(f, 64<<10)
	}
	w := g.bw
	w.Reset(f)
	h := sha256.New()
	h.Write(head)
	h.Write(body)
	_, err = w.Write(head)
	if err == nil {
		_, err = w.Write(body)
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chtimes(path, t, t)
	}
	if err != nil {
		return "", fmt.Errorf("corpus: write %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
