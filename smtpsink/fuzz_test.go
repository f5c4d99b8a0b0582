package smtpsink

import "testing"

// FuzzParseFault: no spec panics, and an accepted spec names a known
// phase and a reply code in range.
func FuzzParseFault(f *testing.F) {
	for _, s := range []string{`RCPT:451:to~@bad\.example$`, `MAIL:550:from~spam`, `DATA:554:rule=blank-charset`, `DATA:452*2`, `DATA:2s`, `DATA*1:from~x`, `RCPT:451:to~(`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		for _, parse := range []func(string) (Fault, error){ParseFault, ParseDelay, ParseDisconnect} {
			ft, err := parse(spec)
			if err != nil {
				continue
			}
			if _, ok := phaseFields[ft.Phase]; !ok {
				t.Fatalf("%q: unknown phase %q accepted", spec, ft.Phase)
			}
			if ft.Kind == FaultFail && (ft.Code < 400 || ft.Code > 599) {
				t.Fatalf("%q: code %d accepted", spec, ft.Code)
			}
			ft.matches(&faultSubject{from: "a@b", to: []string{"c@d"}, body: []byte("x")})
		}
	})
}
