module github.com/imsforensic/imsforensic

go 1.26.0

require (
	github.com/emersion/go-message v0.18.2 // indirect
	github.com/spf13/pflag v1.1.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/term v0.48.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)
