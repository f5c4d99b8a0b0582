package corpus

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"time"
)

var typeNames = map[uint16]string{evError: "Error", evWarning: "Warning", evInfo: "Information"}

// Wall-clock formats of the US-English Event Viewer exports and dumpel:
// local server time, no zone.
const (
	exportDate = "1/2/2006"
	exportTime = "3:04:05 PM"
	dumpelDate = "1/2/06"
)

func writeLines(path string, each func(w *bufio.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	w := bufio.NewWriter(f)
	err = each(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("corpus: write %s: %w", path, err)
	}
	return nil
}

// writeCSV writes the Windows Server 2003 Event Viewer "Save As" CSV
// export: no header line, newest event first, fields Date, Time, Source,
// Type, Category, Event, User, Computer, Description; only Description is
// quoted (it may hold commas, quotes and line breaks). The data section is
// not exported.
func writeCSV(path string, evs []logEvent, computer string, tz *time.Location) error {
	return writeLines(path, func(w *bufio.Writer) error {
		for i := len(evs) - 1; i >= 0; i-- {
			e := &evs[i]
			t := e.t.In(tz)
			_, err := fmt.Fprintf(w, "%s,%s,%s,%s,%s,%d,N/A,%s,\"%s\"\r\n", t.Format(exportDate), t.Format(exportTime), e.source,
				typeNames[e.typ], e.catName, e.code, computer, strings.ReplaceAll(e.desc, `"`, `""`))
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// writeTXT writes the tab-delimited text export: the same fields, one event
// per line, line breaks and tabs inside the description replaced by spaces.
func writeTXT(path string, evs []logEvent, computer string, tz *time.Location) error {
	flat := strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ")
	return writeLines(path, func(w *bufio.Writer) error {
		for i := len(evs) - 1; i >= 0; i-- {
			e := &evs[i]
			t := e.t.In(tz)
			_, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\tN/A\t%s\t%s\r\n", t.Format(exportDate), t.Format(exportTime), e.source,
				typeNames[e.typ], e.catName, e.code, computer, flat.Replace(e.desc))
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// writeDumpel writes dumpel output (Q129266): oldest first, tab-separated
// date, time, type number, category number, event ID, user, source,
// computer, then the insertion strings separated by spaces.
func writeDumpel(path string, evs []logEvent, computer string, tz *time.Location) error {
	return writeLines(path, func(w *bufio.Writer) error {
		for i := range evs {
			e := &evs[i]
			t := e.t.In(tz)
			_, err := fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\tN/A\t%s\t%s\t%s\r\n", t.Format(dumpelDate), t.Format(exportTime), e.typ, e.category,
				e.code, e.source, computer, strings.Join(e.strs, " "))
			if err != nil {
				return err
			}
		}
		return nil
	})
}
