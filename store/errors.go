package store

import (
	"errors"
	"fmt"
)

// Code classifies store errors for callers that branch on them.
type Code string

const (
	CodeNotFound   Code = "not-found"
	CodeInvalid    Code = "invalid"
	CodeConflict   Code = "conflict"
	CodeForbidden  Code = "forbidden"
	CodeRule       Code = "rule"
	CodeNewerFile  Code = "newer-file"
	CodeNotSuyuan  Code = "not-suyuan"
	CodeCorrupt    Code = "corrupt"
	CodeAuth       Code = "auth"
	CodeDuplicated Code = "duplicate"
)

// Error is a store error a user may see. Zh and En are complete sentences
// that say what happened and what to do; Err keeps the cause for logs.
type Error struct {
	Code Code
	Zh   string
	En   string
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.En + ": " + e.Err.Error()
	}
	return e.En
}

func (e *Error) Unwrap() error { return e.Err }

// UserMessage returns the message in the user's language ("zh" or "en").
// A wrapped error with its own user message (a rule violation) is preferred
// when this error carries no text of its own.
func (e *Error) UserMessage(lang string) string {
	if e.Zh == "" && e.En == "" {
		var um interface{ UserMessage(string) string }
		if errors.As(e.Err, &um) {
			return um.UserMessage(lang)
		}
	}
	if lang == "en" {
		return e.En
	}
	return e.Zh
}

// errf builds an *Error with bilingual text; format verbs are applied to both.
func errf(code Code, cause error, zh, en string, args ...any) *Error {
	return &Error{Code: code, Zh: fmt.Sprintf(zh, args...), En: fmt.Sprintf(en, args...), Err: cause}
}

// ErrorCode returns the Code of the first *Error in err's chain, or "".
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsNotFound reports whether err is a not-found store error.
func IsNotFound(err error) bool { return ErrorCode(err) == CodeNotFound }
