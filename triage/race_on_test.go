//go:build race

package triage_test

// raceEnabled: the race detector slows parsing about tenfold, which turns
// the 10,000-message test into minutes.
const raceEnabled = true
