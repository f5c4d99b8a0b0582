package evidence

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestZippedEvidenceSaysExtractIt: an event log as the customer sent it,
// zipped, is refused with what to do, not only "not a known format".
func TestZippedEvidenceSaysExtractIt(t *testing.T) {
	evt, err := os.ReadFile(filepath.Join("testdata", "evt", "SysEvent.Evt"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("SysEvent.Evt")
	w.Write(evt[:4096])
	zw.Close()
	f := readAll(bytes.NewReader(b.Bytes()), "AppEvent.zip", nil, FormatUnknown)
	if !errors.Is(f.Err, ErrNotEvidence) || !strings.Contains(f.Err.Error(), "a zip archive: extract a copy of it") {
		t.Errorf("err %v", f.Err)
	}
}
