//go:build !linux && !darwin && !freebsd && !windows

package store

import "errors"

func diskFree(string) (uint64, error) { return 0, errors.New("free space unknown on this system") }

func dirWritable(string) error { return nil }
