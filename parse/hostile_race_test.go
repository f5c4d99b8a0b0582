//go:build race

package parse_test

const hostileRace = true
