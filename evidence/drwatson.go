package evidence

import (
	"io"
	"regexp"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// Drwtsn32.log (Dr. Watson for NT 4.0 and Windows 2000) appends one block
// per crash:
//
//	Application exception occurred:
//	        App: store.exe (pid=212)
//	        When: 3/14/2001 @ 10:32:11.421
//	        Exception number: c0000005 (access violation)
//
// then system information, the task and module lists and a state dump per
// thread, where "function: NAME" lines precede disassembly and the line
// with "FAULT ->" marks the faulting instruction; each dump ends with a
// "Stack Back Trace". Q192186: find the last fault and note the function.
//
// The faulting function is the last "function:" line before "FAULT ->" in
// that block; when there is none, the first frame of the stack back trace
// that follows the fault (or, with no fault marker at all, the first stack
// back trace of the block). Module prefixes ("store!") and offsets
// ("+0x2a") are removed: "CmnBptMessage::cleanTNEF" is what the KB table
// of poison-rules.md matches.

var (
	// "App:" or, in some KB articles' copies, "Application:"; the pid as
	// "(pid=208)" or "(pid-208)"; a trailing "*" is a footnote mark of
	// the article the log was pasted from (Q254384).
	drwApp  = regexp.MustCompile(`^\s*App(?:lication)?:\s*(.*?)\s*(?:\(pid[=\- ]([^)]*)\))?[\s*]*$`)
	drwWhen = regexp.MustCompile(`^\s*When:\s*(.+?)[\s*]*$`)
	// drwKey finds the fields of a block's head where a copy ran them
	// together on one line ("Application exception occurred: App: X
	// (pid=1) When: ... Exception number: c0000005", Q198398).
	drwKey = regexp.MustCompile(`\s(?:App(?:lication)?|When|Exception number):\s`)
	// drwColonMillis is "9:21:18:771", the milliseconds after a colon
	// (Q196573's copy).
	drwColonMillis = regexp.MustCompile(`^(\d{1,2}:\d{1,2}:\d{1,2}):(\d{1,3})$`)
	drwException   = regexp.MustCompile(`^\s*Exception number:\s*([0-9A-Fa-f]{1,8})\b\s*(?:\((.*)\))?`)
	drwComputer    = regexp.MustCompile(`^\s*Computer Name:\s*(\S.*?)\s*$`)
	// drwUser is the System Information's "User Name:" (MSG_SYSINFO_USER
	// of drwtsn32's messages.mc): the account the program ran as, which
	// every real log found so far writes (NT 4.0, Windows 2000).
	drwUser = regexp.MustCompile(`^\s*User Name:\s*(\S.*?)\s*$`)
	// drwTask is a line of the "Task List" (NT 4.0 and Windows 2000):
	// the pid in decimal, as "(pid=66)" writes it, and the image name.
	drwTask     = regexp.MustCompile(`^\s*(\d{1,10})\s+(\S.*?)\s*$`)
	drwFunction = regexp.MustCompile(`^\s*function:\s*(\S+)`)
	drwFrame    = regexp.MustCompile(`^\s*[0-9A-Fa-f]{8}\s+[0-9A-Fa-f]{8}\s.*?(\S+)\s*$`)
	drwSymbol   = regexp.MustCompile(`^[A-Za-z_~?@$][\w:~<>@$?` + "`" + `']*$`)
)

type drwBlock struct {
	ev           model.Event
	lastFunction string
	faulted      bool
	faultFunc    string
	inStack      bool
	stackAfter   bool // the current stack trace follows the fault
	frameAny     string
	frameAfter   string
	stackFrames  int
	// wrapped is the first frame's "Class::" when the KB or a narrow
	// window wrapped the name to the next line ("store!MDB_BASE::" /
	// "   FreeLockid [omap]").
	wrapped string
	// pid is the App line's pid when that line names no program (NT 4.0
	// writes "App:  (pid=66)" when it could not read the image name);
	// inTasks is set inside the block's task list, tasks holds the
	// names it gives that pid (one, in every real log found).
	pid     string
	inTasks bool
	tasks   []string
}

// maxTaskNames bounds what a block's task list can make the reader keep.
const maxTaskNames = 4

func readDrWatson(r io.Reader, name string, o *Options, p *problems) []model.Event {
	var (
		events []model.Event
		b      *drwBlock
	)
	end := func() {
		if b == nil {
			return
		}
		ev := b.ev
		b.programFromTasks(&ev, p)
		switch {
		case b.faultFunc != "":
			ev.FaultingFunction = b.faultFunc
		case b.faulted:
			ev.FaultingFunction = b.frameAfter
		default:
			ev.FaultingFunction = b.frameAny
		}
		events = append(events, ev)
		b = nil
	}
	for l := range lines(r, o, p) {
		line := l.text
		if drwBlockHead(line) {
			end()
			if len(events) >= o.MaxEvents {
				p.add(&LimitError{Limit: "MaxEvents", Max: int64(o.MaxEvents)})
				return events
			}
			b = &drwBlock{ev: l.event("drwatson", name)}
			b.ev.Source = "DrWatson"
			b.ev.Level = "error"
			_, rest, _ := strings.Cut(line, "Application exception occurred")
			line = strings.TrimPrefix(rest, ":")
		}
		if b != nil {
			for _, field := range drwFields(line) {
				b.add(field, o)
			}
		}
	}
	end()
	for _, ev := range events {
		if ev.Time.IsZero() {
			p.warn("line %d: fault entry without a readable \"When:\" time", ev.Line)
		}
	}
	return events
}

// drwBlockHead reports the line that opens a fault block: it starts with
// "Application exception occurred" (after the indentation of a copy; a
// KB copy may run the head's fields on after it). Source code and prose
// that only mention the words (a logger's format string such as
// LogWarning("Application exception occurred: {Message}"), found in
// public repositories) open none, and are not taken for a log.
func drwBlockHead(line string) bool {
	return strings.HasPrefix(strings.TrimSpace(line), "Application exception occurred")
}

// drwBanner reports Dr. Watson's banner, "Microsoft (R) Windows NT (TM)
// Version 4.00 DrWtsn32", "Microsoft (R) Windows 2000 (TM) Version 5.00
// DrWtsn32" or (XP) "Microsoft (R) DrWtsn32": a file that starts with it
// is a Dr. Watson log with no fault yet.
func drwBanner(line string) bool {
	l := strings.TrimSpace(line)
	return strings.HasPrefix(l, "Microsoft (R)") && strings.HasSuffix(l, "DrWtsn32")
}

// drwFields splits a line that holds more than one of the head's fields
// ("App: X (pid=1) When: ... Exception number: ...") before each; any
// other line is one field.
func drwFields(line string) []string {
	at := drwKey.FindAllStringIndex(line, -1)
	if len(at) == 0 || len(at) == 1 && strings.TrimSpace(line[:at[0][0]]) == "" {
		return []string{line}
	}
	var out []string
	start := 0
	for _, a := range at {
		if s := line[start:a[0]]; strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
		start = a[0]
	}
	return append(out, line[start:])
}

func (b *drwBlock) add(line string, o *Options) {
	ev := &b.ev
	if b.inStack {
		if m := drwFrame.FindStringSubmatch(line); m != nil {
			b.stackFrames++
			b.wrapped = ""
			if b.stackFrames == 1 {
				if strings.HasSuffix(m[1], "::") {
					b.wrapped = m[1]
				}
				b.setFrame(cleanFunction(m[1]))
			}
			return
		}
		if f := strings.Fields(line); b.wrapped != "" && len(f) > 0 && line[0] == ' ' {
			b.setFrame(cleanFunction(b.wrapped + f[0]))
			b.wrapped = ""
			return
		}
		if strings.TrimSpace(line) == "" || strings.Contains(line, "FramePtr") {
			return
		}
		b.inStack = false
	}
	switch {
	case strings.Contains(line, "Stack Back Trace"):
		b.inStack, b.stackAfter, b.stackFrames = true, b.faulted, 0
	case strings.Contains(line, "FAULT ->"):
		if !b.faulted {
			b.faulted = true
			b.faultFunc = b.lastFunction
		}
	case ev.Application == "" && b.pid == "" && drwApp.MatchString(line):
		m := drwApp.FindStringSubmatch(line)
		ev.Application = capString(m[1], o.MaxStringBytes)
		if ev.Application == "" {
			b.pid = strings.TrimSpace(m[2])
		}
	case strings.Contains(line, "*----> Task List <----*"):
		b.inTasks = b.pid != ""
	case b.inTasks:
		m := drwTask.FindStringSubmatch(line)
		switch {
		case m == nil:
			b.inTasks = false
		case m[1] == b.pid && len(b.tasks) < maxTaskNames:
			b.tasks = append(b.tasks, capString(m[2], o.MaxStringBytes))
		}
	case ev.Time.IsZero() && drwWhen.MatchString(line):
		d, c := splitDateTime(drwWhen.FindStringSubmatch(line)[1])
		c = drwColonMillis.ReplaceAllString(c, "$1.$2")
		if t, ok := looseLocalTime(d, c, o.TZ); ok {
			ev.Time = t
		}
	case ev.ExceptionCode == "" && drwException.MatchString(line):
		m := drwException.FindStringSubmatch(line)
		ev.ExceptionCode = strings.ToLower(m[1])
		ev.Message = model.Text(capString(strings.TrimSpace(m[2]), o.MaxStringBytes))
	case ev.Computer == "" && drwComputer.MatchString(line):
		ev.Computer = capString(drwComputer.FindStringSubmatch(line)[1], o.MaxStringBytes)
	case ev.User == "" && drwUser.MatchString(line):
		ev.User = capString(drwUser.FindStringSubmatch(line)[1], o.MaxStringBytes)
	default:
		if m := drwFunction.FindStringSubmatch(line); m != nil {
			b.lastFunction = cleanFunction(m[1])
		}
	}
}

// programFromTasks names the faulting program of a block whose "App:"
// line names none ("App:  (pid=66)", NT 4.0) from the same block's task
// list, where Dr. Watson wrote that pid's image name ("66
// EveryDiscord.ex.exe", the name cut to 15 characters as NT keeps it).
// That is read, not guessed: the pid is the one the App line gives, and
// a warning says where the name came from. With no such line, or more
// than one, the program stays unknown and the warning says so; triage
// then counts the block as a possible store or IMS crash.
func (b *drwBlock) programFromTasks(ev *model.Event, p *problems) {
	if ev.Application != "" || b.pid == "" {
		return
	}
	switch len(b.tasks) {
	case 1:
		ev.Application = b.tasks[0]
		p.warn("line %d: \"App:\" names no program, only pid %s; read %q from the block's task list", ev.Line, b.pid, ev.Application)
	case 0:
		p.warn("line %d: \"App:\" names no program and pid %s is not in the block's task list: the program is unknown", ev.Line, b.pid)
	default:
		p.warn("line %d: \"App:\" names no program and the block's task list gives pid %s more than one name (%s): the program is unknown", ev.Line, b.pid, strings.Join(b.tasks, ", "))
	}
}

// setFrame records the first frame of a stack back trace: the first of
// the block, and the first after the fault. A wrapped name read whole
// (again) replaces the "Class::" its first line gave.
func (b *drwBlock) setFrame(fn string) {
	if b.frameAny == "" || strings.HasSuffix(b.frameAny, "::") {
		b.frameAny = fn
	}
	if b.stackAfter && (b.frameAfter == "" || strings.HasSuffix(b.frameAfter, "::")) {
		b.frameAfter = fn
	}
}

// cleanFunction turns "store!CmnBptMessage::cleanTNEF+0x2a" into
// "CmnBptMessage::cleanTNEF"; it returns "" for "<nosymbols>", bare
// addresses and anything that is not a symbol.
func cleanFunction(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '!'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.Index(s, "+0x"); i >= 0 {
		s = s[:i]
	} else if i := strings.LastIndexByte(s, '+'); i > 0 {
		s = s[:i]
	}
	if !drwSymbol.MatchString(s) || isHex(s) && len(s) == 8 {
		return ""
	}
	return s
}
