package evidence

import (
	"testing"
	"time"

	"github.com/imsforensic/imsforensic/model"
)

func TestParseDateAmbiguity(t *testing.T) {
	cases := []struct {
		in      string
		y, m, d int
		ok      bool
	}{
		{"3/4/2001", 2001, 3, 4, true},     // ambiguous: US month first
		{"13/4/2001", 2001, 4, 13, true},   // 13 cannot be a month: day first
		{"4/13/2001", 2001, 4, 13, true},   // US
		{"12/12/2001", 2001, 12, 12, true}, // same either way
		{"13/13/2001", 0, 0, 0, false},     // neither order
		{"2/30/2001", 0, 0, 0, false},      // no such day
		{"4/11/95", 1995, 4, 11, true},     // dumpel sample (Q129266)
		{"5/13/00", 2000, 5, 13, true},     // protocol log sample (Q262945)
		{"1/1/69", 2069, 1, 1, true},
		{"2001-03-14", 2001, 3, 14, true}, // ISO
		{"2001/3/4", 2001, 3, 4, true},
		{"14.03.2001", 2001, 3, 14, true}, // dots: day first
		{"3.4.2001", 2001, 4, 3, true},
		{"3/4", 0, 0, 0, false},
		{"a/b/c", 0, 0, 0, false},
		{"3/4/20011", 0, 0, 0, false},
	}
	for _, c := range cases {
		y, m, d, ok := parseDate(c.in)
		if ok != c.ok || y != c.y || m != c.m || d != c.d {
			t.Errorf("parseDate(%q) = %d-%d-%d %v, want %d-%d-%d %v", c.in, y, m, d, ok, c.y, c.m, c.d, c.ok)
		}
	}
}

func TestParseClock(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"10:32:11 AM", 10*time.Hour + 32*time.Minute + 11*time.Second, true},
		{"12:00:00 AM", 0, true},
		{"12:00:01 PM", 12*time.Hour + time.Second, true},
		{"4:58:39 PM", 16*time.Hour + 58*time.Minute + 39*time.Second, true},
		{"4:58:39pm", 16*time.Hour + 58*time.Minute + 39*time.Second, true},
		{"22:31:55", 22*time.Hour + 31*time.Minute + 55*time.Second, true},
		{"10:32:11.421", 10*time.Hour + 32*time.Minute + 11*time.Second + 421*time.Millisecond, true},
		{"10:32", 10*time.Hour + 32*time.Minute, true},
		{"13:00:00 PM", 0, false},
		{"0:10:00 AM", 0, false},
		{"24:00:00", 0, false},
		{"10:60:00", 0, false},
		{"10:5:00", 0, false},
	}
	for _, c := range cases {
		got, ok := parseClock(c.in)
		if ok != c.ok || ok && got != c.want {
			t.Errorf("parseClock(%q) = %v %v, want %v %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestExportDateOrderInContext(t *testing.T) {
	// A D/M/Y export where only some lines are forced: each line is read
	// on its own, never by majority vote (that would be a guess).
	in := "13/03/2001\t10:00:00\tMSExchangeIMC\tError\tNone\t4116\tN/A\tEXCH1\tx\r\n" +
		"03/04/2001\t10:00:00\tMSExchangeIMC\tError\tNone\t4116\tN/A\tEXCH1\ty\r\n"
	evs, err := ReadFormat(stringsReader(in), FormatText, "dm.txt", &Options{TZ: time.UTC})
	if err != nil || len(evs) != 2 {
		t.Fatalf("%v %v", evs, err)
	}
	got := map[model.Text]time.Month{}
	for _, e := range evs {
		got[e.Message] = e.Time.Month()
	}
	if got["x"] != time.March || got["y"] != time.March {
		t.Errorf("months = %v, want x March (forced D/M), y March (US order 03/04)", got)
	}
}
