//go:build race

package replay

const raceEnabledReplay = true
