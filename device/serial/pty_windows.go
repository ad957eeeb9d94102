//go:build windows

package serial

import (
	"errors"
	"os"
)

// OpenPTY is not available on Windows; use com0com for manual tests.
func OpenPTY() (master *os.File, slavePath string, err error) {
	return nil, "", errors.New("serial: pseudo-terminals are not available on Windows (use com0com)")
}
