package evidence

import (
	"strconv"
	"strings"
	"time"
)

// Dates in exports are the server's local wall-clock time without a zone,
// written in the server's short-date format. The rules (DESIGN: never
// guess beyond what the text forces):
//   - YYYY-MM-DD or YYYY/MM/DD: ISO order;
//   - D.M.YYYY (dots): day first, as every locale that writes dots does;
//   - A/B/YYYY or A-B-YYYY: US month-first order, unless A > 12 forces
//     day-first;
//   - two-digit years 70..99 are 19xx, 00..69 are 20xx (Exchange 4.0/5.x
//     ran 1996-2000s).

// parseDate reads a date; ok is false when it is not one.
func parseDate(s string) (year, month, day int, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) < 6 || len(s) > 10 {
		return 0, 0, 0, false
	}
	sep := byte(0)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '/' || c == '-' || c == '.' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return 0, 0, 0, false
	}
	parts := strings.Split(s, string(sep))
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	var n [3]int
	for i, p := range parts {
		if p == "" || len(p) > 4 || !isUint(p) {
			return 0, 0, 0, false
		}
		n[i], _ = strconv.Atoi(p)
	}
	switch {
	case len(parts[0]) == 4:
		year, month, day = n[0], n[1], n[2]
	case len(parts[2]) != 4 && len(parts[2]) != 2 || len(parts[0]) > 2 || len(parts[1]) > 2:
		return 0, 0, 0, false
	case sep == '.':
		day, month, year = n[0], n[1], n[2]
	case n[0] > 12:
		day, month, year = n[0], n[1], n[2]
	default:
		month, day, year = n[0], n[1], n[2]
	}
	if len(parts[0]) != 4 && len(parts[2]) == 2 {
		if year >= 70 {
			year += 1900
		} else {
			year += 2000
		}
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || year < 1601 || year > 9999 {
		return 0, 0, 0, false
	}
	return year, month, day, true
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseClock reads "H:MM[:SS[.fff]]" with an optional AM/PM (12-hour
// clock) and returns the time since midnight.
func parseClock(s string) (time.Duration, bool) { return parseClockDigits(s, false) }

// parseClockDigits is parseClock; loose also accepts minutes and seconds
// written without their leading zero, as NT 4.0's and Windows 2000's
// Dr. Watson do ("When: 8/29/1997 @ 16:1:58.640"), and reads up to three
// fraction digits as a count of milliseconds, which is what they print.
func parseClockDigits(s string, loose bool) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 4 || len(s) > 20 {
		return 0, false
	}
	ampm := ""
	if u := strings.ToUpper(s); strings.HasSuffix(u, "AM") || strings.HasSuffix(u, "PM") {
		ampm = u[len(u)-2:]
		s = strings.TrimSpace(s[:len(s)-2])
	}
	frac := time.Duration(0)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		f := s[i+1:]
		if f == "" || len(f) > 9 || !isUint(f) {
			return 0, false
		}
		v, _ := strconv.Atoi(f)
		if loose && len(f) <= 3 {
			// Dr. Watson prints the milliseconds as a number (%d):
			// ".42" is 42 ms, as written, not 420.
			v *= 1e6
		} else {
			for k := len(f); k < 9; k++ {
				v *= 10
			}
		}
		frac = time.Duration(v)
		s = s[:i]
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	var n [3]int
	for i, p := range parts {
		if p == "" || len(p) > 2 || !isUint(p) || i > 0 && len(p) != 2 && !loose {
			return 0, false
		}
		n[i], _ = strconv.Atoi(p)
	}
	h, m, sec := n[0], n[1], n[2]
	switch ampm {
	case "AM", "PM":
		if h < 1 || h > 12 {
			return 0, false
		}
		h %= 12
		if ampm == "PM" {
			h += 12
		}
	default:
		if h > 23 {
			return 0, false
		}
	}
	if m > 59 || sec > 59 {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second + frac, true
}

// localTime joins a date and a clock reading in loc; ok is false unless
// both read.
func localTime(date, clock string, loc *time.Location) (time.Time, bool) {
	return dateClock(date, clock, loc, false)
}

// looseLocalTime is localTime with parseClockDigits' loose clock.
func looseLocalTime(date, clock string, loc *time.Location) (time.Time, bool) {
	return dateClock(date, clock, loc, true)
}

func dateClock(date, clock string, loc *time.Location, loose bool) (time.Time, bool) {
	y, mo, d, ok := parseDate(date)
	if !ok {
		return time.Time{}, false
	}
	c, ok := parseClockDigits(clock, loose)
	if !ok {
		return time.Time{}, false
	}
	return wallClock(y, mo, d, c, loc), true
}

// wallClock builds the wall-clock time in loc. Across a DST gap Go picks a
// valid instant; that is the best a zone-less export allows.
func wallClock(y, mo, d int, c time.Duration, loc *time.Location) time.Time {
	h := int(c / time.Hour)
	m := int(c % time.Hour / time.Minute)
	sec := int(c % time.Minute / time.Second)
	ns := int(c % time.Second)
	return time.Date(y, time.Month(mo), d, h, m, sec, ns, loc)
}

// splitDateTime splits "3/14/2001 10:32:11 AM" (or with " @ ") into date
// and clock.
func splitDateTime(s string) (date, clock string) {
	s = strings.TrimSpace(s)
	if d, c, ok := strings.Cut(s, "@"); ok {
		return strings.TrimSpace(d), strings.TrimSpace(c)
	}
	d, c, _ := strings.Cut(s, " ")
	return d, strings.TrimSpace(c)
}
