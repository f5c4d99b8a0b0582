package replay

import (
	"errors"
	"testing"
)

// TestOptionsMinusOneMeansNone: the Options convention of HACKING.md for
// the targets' limits: -1 is "none", below it is an error.
func TestOptionsMinusOneMeansNone(t *testing.T) {
	dir := t.TempDir()
	if _, err := NewPickupTarget(dir, PickupOptions{MaxBytes: -1}); err != nil {
		t.Errorf("pickup MaxBytes -1: %v", err)
	}
	if _, err := NewPickupTarget(dir, PickupOptions{MaxBytes: -2}); !errors.Is(err, ErrBadTarget) {
		t.Errorf("pickup MaxBytes -2: %v, want ErrBadTarget", err)
	}
	tg, err := NewSMTPTarget("smtp://127.0.0.1:25", SMTPOptions{Rate: -1, Retries: -1})
	if err != nil {
		t.Fatalf("smtp Rate -1: %v", err)
	}
	tg.Close()
	if _, err := NewSMTPTarget("smtp://127.0.0.1:25", SMTPOptions{Rate: -2}); err == nil {
		t.Error("smtp Rate -2 accepted")
	}
}
