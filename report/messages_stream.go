package report

import (
	"bufio"
	"container/heap"
	"encoding/json"
	"fmt"
	"io"

	"github.com/imsforensic/imsforensic/model"
)

// DefaultTableRows is how many messages the scan table shows at most: the
// riskiest, then a line with the totals of those left out. JSON and CSV
// have every message.
const DefaultTableRows = 1000

// MessageWriter writes scan records as they come, in the caller's order,
// for JSON Lines and CSV; for the table it keeps only the riskiest rows
// it will show (model.SortMessages order) and counts the rest. Memory is
// bounded whatever the number of messages.
type MessageWriter struct {
	w    io.Writer
	f    Format
	enc  *json.Encoder
	bw   *bufio.Writer // JSON: one write per 64 KiB, not one per record
	buf  []byte        // JSON: the record being written (appendMessageRecord)
	cw   csvWriter
	top  riskHeap
	rows int
	left struct{ messages, withFindings int }
	tot  Totals
}

// NewMessageWriter writes to w in f; rows bounds the table (0 means
// DefaultTableRows).
func NewMessageWriter(w io.Writer, f Format, rows int) (*MessageWriter, error) {
	if rows <= 0 {
		rows = DefaultTableRows
	}
	mw := &MessageWriter{w: w, f: f, rows: rows}
	switch f {
	case JSON:
		mw.bw = bufio.NewWriterSize(w, 64<<10)
		mw.enc = newJSONLines(mw.bw)
	case CSV:
		mw.cw = newCSVWriter(w)
		if err := mw.cw.Write(messageCSVHeader); err != nil {
			return nil, fmt.Errorf("write csv: %w", err)
		}
	}
	return mw, nil
}

// Write writes (or, for the table, keeps) one message.
func (mw *MessageWriter) Write(m *model.Message) error {
	switch mw.f {
	case JSON:
		rec := model.NewMessageRecord(m)
		b, ok := appendMessageRecord(mw.buf[:0], &rec)
		mw.buf = b
		if !ok {
			if err := mw.enc.Encode(rec); err != nil {
				return fmt.Errorf("write json: %w", err)
			}
			return nil
		}
		if _, err := mw.bw.Write(b); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
		return nil
	case CSV:
		if err := mw.cw.Write(messageCSVRow(m)); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
		return nil
	}
	mw.tot.Add(m)
	heap.Push(&mw.top, m)
	if mw.top.Len() > mw.rows {
		out := heap.Pop(&mw.top).(*model.Message)
		mw.left.messages++
		if len(out.Findings) > 0 {
			mw.left.withFindings++
		}
	}
	return nil
}

// Flush writes out the JSON and CSV records written so far (a scan cut
// short by a signal still delivers every record it wrote).
func (mw *MessageWriter) Flush() error {
	switch mw.f {
	case JSON:
		if err := mw.bw.Flush(); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
	case CSV:
		mw.cw.Flush()
		if err := mw.cw.Error(); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	return nil
}

// Close flushes JSON and CSV, or renders the table riskiest first with a totals
// line for the messages left out.
func (mw *MessageWriter) Close() error {
	switch mw.f {
	case JSON:
		return mw.Flush()
	case CSV:
		mw.cw.Flush()
		return mw.cw.Error()
	}
	ms := []*model.Message(mw.top)
	model.SortMessages(ms)
	if len(ms) > 0 {
		// No table for no message: the totals line says 0, and the
		// inputs that could not be read are listed on stderr.
		if err := writeMessagesTable(mw.w, ms); err != nil {
			return err
		}
	}
	if mw.left.messages > 0 {
		if _, err := fmt.Fprintf(mw.w, "... and %d less risky messages not shown (%d with findings); --format json or csv lists all\n",
			mw.left.messages, mw.left.withFindings); err != nil {
			return fmt.Errorf("write table: %w", err)
		}
	}
	if _, err := fmt.Fprintln(mw.w, mw.tot.String()); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// riskHeap is a min-heap on riskiness: its root is the least risky kept
// message, the first to leave when the table is full.
type riskHeap []*model.Message

func (h riskHeap) Len() int { return len(h) }
func (h riskHeap) Less(i, j int) bool {
	if h[i].Score != h[j].Score {
		return h[i].Score < h[j].Score
	}
	return h[i].Path > h[j].Path
}
func (h riskHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *riskHeap) Push(x any)   { *h = append(*h, x.(*model.Message)) }
func (h *riskHeap) Pop() any {
	old := *h
	m := old[len(old)-1]
	*h = old[:len(old)-1]
	return m
}
