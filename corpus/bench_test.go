package corpus

import (
	"context"
	"testing"
)

// BenchmarkGenerate10k measures a 10,000-message corpus with every poison
// rule and the evidence set (the "10,000 messages in seconds").
func BenchmarkGenerate10k(b *testing.B) {
	sc, _ := ScenarioByName("tnef-corrupt-unnamed")
	for b.Loop() {
		dir := b.TempDir()
		if _, err := Generate(context.Background(), dir, Config{Messages: 10000, Seed: 1, Poison: PoisonAll(), Evidence: true, Scenario: sc, Layout: LayoutImcdata}); err != nil {
			b.Fatal(err)
		}
	}
}
