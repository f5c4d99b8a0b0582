package parse

import (
	"sync"

	"github.com/imsforensic/imsforensic/model"
)

// Pooled part storage. A scan parses every file of a queue and drops each
// message's parts once the rules have run (inventory.Slim): the Parts
// slice and the parts' Header slices were 40% of the bytes a scan
// allocated. Recycle hands them to a later parse instead.

// recycled is the part storage of one dropped message.
type recycled struct {
	parts   []model.Part          // length 0
	headers [][]model.HeaderField // each of length 0
}

var recycledParts sync.Pool

// Storage larger than these is left to the collector: a pool should not
// keep the parts of one huge message alive for the rest of a run.
const (
	maxRecycledParts  = 256
	maxRecycledFields = 1024
)

// Recycle drops m's parts (m.Parts becomes nil) and keeps their storage
// for the next Parse. The caller promises that nothing refers to m.Parts,
// to a part or to a part's Header any more: strings taken from them (a
// subject, a finding's evidence) stay valid, slices do not.
func Recycle(m *model.Message) {
	parts := m.Parts
	m.Parts = nil
	if cap(parts) == 0 || cap(parts) > maxRecycledParts {
		return
	}
	// An emptied recycled (takeRecycled's) carries the storage of its list
	// of headers: two allocations per message fewer.
	r, _ := recycledShells.Get().(*recycled)
	if r == nil {
		r = new(recycled)
	}
	r.parts = parts[:0]
	if cap(r.headers) < len(parts) {
		r.headers = make([][]model.HeaderField, 0, len(parts))
	}
	// Last part first: newHeader hands out the last one kept first, so
	// the next message's first part (the top-level header, most often the
	// longest) gets this one's, and its fields fit without growing it.
	for i := len(parts) - 1; i >= 0; i-- {
		if h := parts[i].Header; cap(h) > 0 && cap(h) <= maxRecycledFields {
			clear(h) // the pool keeps no field values alive
			r.headers = append(r.headers, h[:0])
		}
	}
	clear(parts)
	recycledParts.Put(r)
}

// takeRecycled gives p the storage of a recycled message, if any: the
// parts, and the headers copied into p's own list, so that the emptied
// recycled can go back for the next Recycle.
func (p *parser) takeRecycled() {
	if r, ok := recycledParts.Get().(*recycled); ok {
		p.msg.Parts = r.parts
		p.freeHeaders = append(p.freeHeaders[:0], r.headers...)
		clear(r.headers)
		r.parts, r.headers = nil, r.headers[:0]
		recycledShells.Put(r)
	}
}

// recycledShells holds emptied recycled values (no parts, no headers),
// for Recycle.
var recycledShells sync.Pool

// newHeader returns an empty Header with room, from recycled storage
// when there is some.
func (p *parser) newHeader() []model.HeaderField {
	n := len(p.freeHeaders)
	if n == 0 {
		return nil
	}
	h := p.freeHeaders[n-1]
	p.freeHeaders = p.freeHeaders[:n-1]
	return h
}
