// Package selection is the --select expression language of DESIGN.md
// section 3, shared by scan, triage, replay and bisect, and the
// --files-from list reader.
//
// Grammar (keywords and field names are case-insensitive):
//
//	expr    = orExpr
//	orExpr  = andExpr { "or" andExpr }
//	andExpr = unary { "and" unary }
//	unary   = "not" unary | "(" expr ")" | term
//	term    = FIELD OP VALUE
//	OP      = "=" | "!=" | "<" | "<=" | ">" | ">=" | "~"
//	VALUE   = "double quoted" | 'single quoted' | bare-word
//
// so "not" binds tighter than "and", which binds tighter than "or". Inside a
// quoted value the quote character is written twice ("say ""hi""");
// backslashes are literal, so regular expressions need no extra escaping.
// A bare word runs up to white space or a parenthesis.
//
// Fields:
//
//	queue, name, path    string, compared case-insensitively (NTFS); "\" equals "/"
//	from                 envelope MAIL FROM, angle brackets removed
//	to                   envelope RCPT TO: true when any recipient matches
//	subject              top-level Subject as written (case-sensitive)
//	rule                 true when any finding has that rule ID (or matches ~)
//	format               ims-spool, x-sender, mbox, smtp-transcript, rfc822
//	class                highest finding class; ordered info < risk < stall < crash ("none" is below info)
//	score                risk score (number)
//	size                 file size; units K, M, G (1024-based), optional B: 30K, 2M
//	age                  now minus mtime; units s, m, h, d, w, combinable: 3d, 12h, 1d12h
//	time                 mtime; RFC 3339, or 2006-01-02[T15:04[:05]] read as UTC
//
// "=" and "!=" on from, to, rule, format compare case-insensitively; "~" is
// an RE2 regular expression (Go regexp), matched case-insensitively for
// queue, name and path. Strings take = != ~ only; numbers, times and class
// take every operator but ~. A message without an mtime matches no age or
// time term.
package selection
