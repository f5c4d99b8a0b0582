package simulate

import (
	"fmt"
	"strings"

	"github.com/imsforensic/imsforensic/model"
)

// Event sources as the Application log names them.
const (
	SourceIMC      = "MSExchangeIMC"
	SourceIS       = "MSExchangeIS"
	SourceDrWatson = "DrWatson"
)

// ev is one logged event, in the order the Event Viewer shows its fields.
func ev(source string, id uint32, level, text, data string) model.LoggedEvent {
	return model.LoggedEvent{Source: source, EventID: id, Level: level, Text: text, Data: data}
}

// spoolName is the name the events quote: the 8-character spool name,
// upper-cased as the IMS writes it (ims-kb.md 1.4).
func spoolName(m *model.Message) string { return strings.ToUpper(m.Name) }

// outOfMemoryRules are the Q193639 outbound triggers: the IMS stops on
// the memory error 0x8007000E instead of the store crashing.
var outOfMemoryRules = map[string]bool{"header-block-over-32k": true, "header-field-over-21k": true}

// crashEvents are what the server logs when m crashes it (ims-kb.md 2.1,
// 3.1, 3.2): inbound, the Dr. Watson of store.exe, 4116 and 3039 with
// 0x80040115 (Q192186, Q278320, Q293288), 4182 naming the spool file and
// 4102 as the IMS shuts down.
func crashEvents(m *model.Message, f model.Finding) []model.LoggedEvent {
	name := spoolName(m)
	if direction(m.Queue) == model.QueueOUT {
		if outOfMemoryRules[f.Rule] {
			return []model.LoggedEvent{
				ev(SourceIMC, 4116, "error", `An error was returned from the messaging software the Internet Mail Service uses to process messages (out of memory fetching the message's properties; Q193639). The message will be retried when the service is restarted.`, "00050074 8007000e"),
				ev(SourceIMC, 4102, "error", "A serious error has occurred. The Internet Mail Service is being shut down.", ""),
			}
		}
		return []model.LoggedEvent{
			ev(SourceDrWatson, 4097, "error", "The application, exe\\MSEXCIMC.dbg, generated an application error. The exception generated was c0000005.", ""),
			ev(SourceIMC, 4116, "error", `An error was returned from the messaging software the Internet Mail Service uses to process messages. It will be retried when the service is restarted.`, ""),
		}
	}
	return []model.LoggedEvent{
		ev(SourceDrWatson, 4097, "error", "The application, store.dbg, generated an application error. The exception generated was c0000005.", ""),
		ev(SourceIMC, 4116, "error", `An error was returned from the messaging software the Internet Mail Service uses to process messages. It will be retried when the service is restarted.`, "00050074 80040115"),
		ev(SourceIMC, 3039, "error", "The error 0x80040115 was encountered while trying to communicate with the message store. An attempt to refresh the connection will be made. If not successful, the service will be shut down.", "00140667 80040115"),
		ev(SourceIMC, 4182, "error", fmt.Sprintf("An error was returned from the messaging software. As a result, the message in spool file %s will be retried when the server is restarted.", name), ""),
		ev(SourceIMC, 4102, "error", "A serious error has occurred while trying to send mail into the Exchange Information Store. The Internet Mail Service is being shut down.", ""),
	}
}

func crashDetail(m *model.Message, f model.Finding, n int) string {
	who := "store.exe died converting it"
	if direction(m.Queue) == model.QueueOUT {
		who = "the IMS stopped on it"
		if outOfMemoryRules[f.Rule] {
			who = "the IMS stopped on 0x8007000E fetching its properties"
		}
	}
	kb := ""
	if len(f.KB) > 0 {
		kb = " (" + strings.Join(f.KB, ", ") + ")"
	}
	return fmt.Sprintf("crash %d: %s: %s%s", n, who, f.Rule, kb)
}

// stallOutcome is what the IMS does with a stall-class message.
type stallOutcome struct {
	action  model.SimAction
	finding model.Finding
	detail  string
	events  func(m *model.Message) []model.LoggedEvent
}

// stallRules maps each stall rule of the catalogue to the KB's outcome
// (ims-kb.md 2.3, 2.4; poison-rules.md). A rule not listed stays in the
// queue without an event.
var stallRules = map[string]struct {
	action model.SimAction
	detail string
	events func(name string) []model.LoggedEvent
}{
	"received-comment-date": {model.SimArchived, "the store refuses it (date in a Received comment, Q190084): moved to IN\\Archive", func(n string) []model.LoggedEvent {
		return []model.LoggedEvent{is12006(n), imc4117(n)}
	}},
	"mac-attributes-invalid": {model.SimArchived, "the store refuses it (X-Mac-Creator / X-Mac-Type, Q252624): moved to IN\\Archive", func(n string) []model.LoggedEvent {
		return []model.LoggedEvent{is12006(n), imc4117(n)}
	}},
	"recipients-over-limit": {model.SimArchived, "over Max Recipients on Submit (Q246051): moved to IN\\Archive, no NDR", func(n string) []model.LoggedEvent {
		e := imc4117(n)
		e.Data = "0001037f 80004005"
		return []model.LoggedEvent{e}
	}},
	"recipients-over-32766": {model.SimStuck, "more than 32,766 recipients (Q272672): never delivered, retried at every restart", func(n string) []model.LoggedEvent {
		return []model.LoggedEvent{
			ev(SourceIMC, 4120, "error", "The non-delivery report for a failed message could not be created; the sender is not informed. Spool file "+n+" (data).", "0002019a 8007000e"),
			ev(SourceIMC, 4131, "information", "An unexpected error occurred in the Internet Mail Service. Information about this error is stored in the data portion of this event (spool file "+n+").", "0001023e 8007000e"),
		}
	}},
	"multipart-digest-foreign-charset": {model.SimStuck, "multipart/digest with a part in another code page (Q157705): stays in IN", func(n string) []model.LoggedEvent {
		return []model.LoggedEvent{ev(SourceIMC, 4037, "error", "An exception has occurred which was handled internally by the Internet Mail Service. This may have resulted in a message not being delivered. Code: 0xc0000005", "")}
	}},
	"charset-unknown": {model.SimStuck, "a charset no code page covers (Q163080): conversion fails, stays in IN", func(n string) []model.LoggedEvent {
		return []model.LoggedEvent{ev(SourceIMC, 4081, "warning", "Conversion failed while processing file d:\\exchsrvr\\imcdata\\in\\"+n+".", "")}
	}},
	"header-8bit":             {model.SimReturned, "8-bit bytes in the Subject (Q194505): returned to the sender with an NDR", nil},
	"uuencode-junk-after-end": {model.SimDelivered, "delivered, but as a Message.txt attachment (junk after the uuencode end line, Q164662)", nil},
	"no-final-crlf":           {model.SimStuck, "does not end in CRLF (Q146993): stays in OUT", nil},
}

func is12006(n string) model.LoggedEvent {
	return ev(SourceIS, 12006, "error", "Error 80040C05-F20000E9 occurred while processing message. The archive filename is '"+n+"'.", "")
}

func imc4117(n string) model.LoggedEvent {
	return ev(SourceIMC, 4117, "error", "An error was returned from the messaging software. As a result, the message in spool file "+n+" failed to be delivered. The message has been moved to the IMCDATA\\IN\\ARCHIVE directory.", "")
}

// severity orders outcomes: the one that keeps the message furthest from
// its recipient decides.
var severity = map[model.SimAction]int{model.SimDelivered: 0, model.SimReturned: 1, model.SimArchived: 2, model.SimStuck: 3}

// stallOutcomeOf decides among m's stall findings.
func stallOutcomeOf(m *model.Message) stallOutcome {
	best := stallOutcome{action: "", detail: ""}
	for _, f := range m.Findings {
		if f.Class != model.ClassStall {
			continue
		}
		r, ok := stallRules[f.Rule]
		o := stallOutcome{action: model.SimStuck, finding: f, detail: f.Rule + ": the IMS cannot process it; it stays in the queue"}
		if ok {
			o.action, o.detail = r.action, r.detail
			if r.events != nil {
				ev := r.events
				o.events = func(m *model.Message) []model.LoggedEvent { return ev(spoolName(m)) }
			}
		}
		if best.action == "" || severity[o.action] > severity[best.action] {
			best = o
		}
	}
	if best.events == nil {
		best.events = func(*model.Message) []model.LoggedEvent { return nil }
	}
	if best.action == model.SimArchived && direction(m.Queue) == model.QueueOUT {
		best.detail = strings.ReplaceAll(best.detail, `IN\Archive`, `OUT\Archive`)
	}
	return best
}
