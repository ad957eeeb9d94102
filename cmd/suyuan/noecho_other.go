//go:build !linux && !windows

package main

import "os"

// noEcho: on other systems the password is read as one plain line.
func noEcho(f *os.File) (restore func(), ok bool) { return nil, false }
