package corpus

import (
	"bufio"
	"fmt"
	"strings"
	"time"
)

// faultEntry is one "Application exception occurred" block of Drwtsn32.log.
type faultEntry struct {
	t        time.Time
	app      string // store.exe, msexcimc.exe
	pid      int
	function string // the faulting function (last "function:" before "FAULT ->")
	stack    []string
	addr     uint32
}

// callers gives realistic back traces for the functions the generator uses
// (frames from the KB articles where they name them, e.g. Q275714).
var callers = map[string][]string{
	"CmnContent::hrAddParm":              {"CmcvtrHdrParm::hrAddParm", "CmcvtrHdrParm::hrExtract", "CINETextr::hrExtract", "CConvertStream::Write"},
	"CmnBptMessage::cleanTNEF":           {"CmnBptMessage::hrProcessTNEF", "CINETextr::hrExtract", "CConvertStream::Write"},
	"ScHandleAHref":                      {"ScConvertHtmlTag", "HrHtmlToRtf", "CConvertStream::Write"},
	"HrDecodeEncapsulation":              {"HrProcessReport", "CINETextr::hrExtract", "CConvertStream::Write"},
	"CmnContent::cbGetFileNamePart":      {"CmnContent::hrGetAttachName", "CINETextr::hrExtract", "CConvertStream::Write"},
	"FreePadrlist":                       {"CmnBptMessage::hrEmbeddedMsg", "CINETextr::hrExtract", "CConvertStream::Write"},
	"HrEncodeString":                     {"HrEncodeDisplayName", "CINETextr::hrExtract", "CConvertStream::Write"},
	"CMtsOutQueue::LoadCachedDetailInfo": {"CMtsOutQueue::HrGetNextMessage", "COutboundThread::Run", "ThreadProc"},
	"EcFormatMVString8":                  {"TNEF_ExtractProps", "CmnBptMessage::hrProcessTNEF", "CINETextr::hrExtract"},
	"CMDBMessage::HrSetRTFBodyTag":       {"HrSetRTFBody", "TNEF_ExtractProps", "CmnBptMessage::hrProcessTNEF"},
}

func (g *gen) stateDump(w *bufio.Writer, tid int, function string, base uint32, fault bool) {
	fmt.Fprintf(w, "\r\nState Dump for Thread Id 0x%x\r\n\r\n", tid)
	fmt.Fprintf(w, "eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x\r\n", 0, g.rng.Uint32(), g.rng.Uint32()&0xFFFF, 0, g.rng.Uint32(), g.rng.Uint32())
	fmt.Fprintf(w, "eip=%08x esp=%08x ebp=%08x iopl=0         nv up ei pl zr na po nc\r\n", base+0x1a, 0x0012f3a0, 0x0012f3c4)
	w.WriteString("cs=001b  ss=0023  ds=0023  es=0023  fs=0038  gs=0000             efl=00000246\r\n\r\n\r\n")
	fmt.Fprintf(w, "function: %s\r\n", function)
	ins := []string{"push    ebp", "mov     ebp,esp", "sub     esp,0x10", "push    ebx", "push    esi", "mov     esi,[ebp+0x8]", "test    esi,esi"}
	for i, s := range ins {
		fmt.Fprintf(w, "        %08x %-16s %s\r\n", base+uint32(i*2), "8bec", s)
	}
	if fault {
		fmt.Fprintf(w, "FAULT ->%08x 8b08             mov     ecx,[eax]                         ds:00000000=????????\r\n", base+0x1a)
	} else {
		fmt.Fprintf(w, "        %08x c3               ret\r\n", base+0x1a)
	}
	fmt.Fprintf(w, "        %08x 85c9             test    ecx,ecx\r\n        %08x 7405             jz      %08x\r\n", base+0x1c, base+0x1e, base+0x25)
}

func (g *gen) writeFault(w *bufio.Writer, f faultEntry, tz *time.Location) {
	lt := f.t.In(tz)
	fmt.Fprintf(w, "\r\nApplication exception occurred:\r\n        App: %s (pid=%d)\r\n        When: %d/%d/%d @ %s\r\n        Exception number: c0000005 (access violation)\r\n\r\n",
		f.app, f.pid, lt.Month(), lt.Day(), lt.Year(), fmt.Sprintf("%d:%02d:%02d.%03d", lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond()/1e6))
	fmt.Fprintf(w, "*----> System Information <----*\r\n        Computer Name: %s\r\n        User Name: SYSTEM\r\n        Number of Processors: 2\r\n        Processor Type: x86 Family 6 Model 8 Stepping 3\r\n        Windows Version: 4.0\r\n        Current Build: 1381\r\n        Service Pack: 6\r\n        Current Type: Multiprocessor Free\r\n        Registered Organization: %s\r\n        Registered Owner: Administrator\r\n\r\n", g.server, g.org)
	w.WriteString("*----> Task List <----*\r\n   0 Idle.exe\r\n   2 System.exe\r\n  24 smss.exe\r\n  32 csrss.exe\r\n  38 winlogon.exe\r\n  46 services.exe\r\n  49 lsass.exe\r\n 171 dsamain.exe\r\n")
	fmt.Fprintf(w, "%4d store.exe\r\n 241 emsmta.exe\r\n 268 msexcimc.exe\r\n 301 drwtsn32.exe\r\n\r\n", 212)
	w.WriteString("*----> Module List <----*\r\n(00400000 - 00658000) store.exe\r\n(77f60000 - 77fbe000) ntdll.dll\r\n(6a200000 - 6a27c000) mdbmsg.dll\r\n(6a600000 - 6a66a000) gapi32.dll\r\n(77f00000 - 77f5e000) KERNEL32.dll\r\n\r\n")
	g.stateDump(w, 0xa8, "ntdll!ZwWaitForSingleObject", 0x77f682b0, false)
	g.stateDump(w, 0x100+g.rng.IntN(0x300), f.function, f.addr-0x1a, true)
	w.WriteString("\r\n*----> Stack Back Trace <----*\r\n\r\nFramePtr ReturnAd Param#1  Param#2  Param#3  Param#4  Function Name\r\n")
	frames := append([]string{f.function}, callers[f.function]...)
	fp := uint32(0x0012f3c4)
	for _, fn := range frames {
		mod := "mdbmsg!"
		if strings.HasPrefix(f.app, "msexcimc") {
			mod = "msexcimc!"
		}
		fmt.Fprintf(w, "%08x %08x %08x %08x %08x %08x %s%s \r\n", fp, 0x6a200000+g.rng.Uint32()&0x7ffff, g.rng.Uint32()&0xffffff, 0, 1, 0, mod, fn)
		fp += 0x40 + uint32(g.rng.IntN(0x100))&^3
	}
	g.stateDump(w, 0x1c4, "ntdll!ZwReplyWaitReceivePort", 0x77f67e10, false)
}

// writeDrWatson writes Drwtsn32.log: two older faults of other functions,
// then, when the scenario has one, the incident's fault last (Q192186
// reads the file bottom-up to the last FAULT).
func (g *gen) writeDrWatson(path string) error {
	day := g.cfg.Now.UTC()
	entries := []faultEntry{
		{t: day.Add(-23*24*time.Hour + 11*time.Hour + 7*time.Minute), app: "store.exe", pid: 209, function: "EcFormatMVString8", addr: 0x6a21c3b6},
		{t: day.Add(-12*24*time.Hour + 15*time.Hour + 41*time.Minute), app: "store.exe", pid: 215, function: "CMDBMessage::HrSetRTFBodyTag", addr: 0x6a2410de},
	}
	if sc := g.cfg.Scenario; sc.Kind == KindContent && sc.FaultingFunction != "" {
		entries = append(entries, faultEntry{t: g.crash, app: sc.FaultingApp, pid: 212, function: sc.FaultingFunction, addr: g.faultAddress()})
	}
	return writeLines(path, func(w *bufio.Writer) error {
		for _, e := range entries {
			g.writeFault(w, e, g.cfg.TZ)
		}
		return nil
	})
}
