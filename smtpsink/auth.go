package smtpsink

import (
	"bufio"
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// LoadAuth reads an --auth file: one "user:password" per line; blank
// lines and lines starting with '#' are skipped. The password is what
// follows the first ':' (it may contain ':').
func LoadAuth(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("smtpsink: auth file: %w", err)
	}
	users := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		user, pass, ok := strings.Cut(line, ":")
		if !ok || user == "" {
			return nil, fmt.Errorf("smtpsink: auth file %s line %d: want user:password", path, n)
		}
		users[user] = pass
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("smtpsink: auth file %s: no user:password line", path)
	}
	return users, nil
}

var _ smtp.AuthSession = (*session)(nil)

// AuthMechanisms offers PLAIN and LOGIN when users are configured. go-smtp
// advertises them only over TLS when the sink has a certificate (RFC 4954
// section 4: no cleartext password on a link that offers TLS).
func (ss *session) AuthMechanisms() []string {
	if ss.sink.cfg.Auth == nil {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

// errAuthFailed is RFC 4954's reply to wrong credentials.
var errAuthFailed = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8},
	Message: "authentication credentials invalid"}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if ss.sink.cfg.Auth == nil {
		return nil, smtp.ErrAuthUnsupported
	}
	switch strings.ToUpper(mech) {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error {
			if identity != "" && identity != user {
				return ss.authFailed(user, errors.New("identity differs from user"))
			}
			return ss.login(user, pass)
		}), nil
	case sasl.Login:
		return &loginServer{ss: ss}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// login checks a user and password in constant time per user.
func (ss *session) login(user, pass string) error {
	want, ok := ss.sink.cfg.Auth[user]
	if !ok || subtle.ConstantTimeCompare([]byte(want), []byte(pass)) != 1 {
		return ss.authFailed(user, errors.New("wrong user or password"))
	}
	ss.authUser = user
	ss.sink.logEvent("auth", map[string]any{"conn": ss.connID, "user": user})
	return nil
}

func (ss *session) authFailed(user string, why error) error {
	ss.sink.stats.authFailures.Add(1)
	ss.sink.logEvent("auth-failed", map[string]any{"conn": ss.connID, "user": user, "error": why.Error()})
	return errAuthFailed
}

// loginServer is the LOGIN mechanism (draft-murchison-sasl-login): the
// challenges "Username:" and "Password:", each answer base64, an initial
// response taken as the user name.
type loginServer struct {
	ss   *session
	user *string
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch {
	case l.user == nil && resp == nil:
		return []byte("Username:"), false, nil
	case l.user == nil:
		u := string(resp)
		l.user = &u
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.ss.login(*l.user, string(resp))
	}
}

// errAuthRequired refuses MAIL before AUTH on a sink with users.
var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0},
	Message: "authentication required"}
