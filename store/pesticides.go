package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"suyuan/store/rules"
)

// PesticideList returns the banned/crop-banned list in force for this store:
// the one set with SetPesticideList (or loaded from the data directory's
// pesticides.json at Open), else the list built into the program. Callers
// must not modify it.
func (db *DB) PesticideList() *rules.PesticideList {
	if l := db.pesticides.Load(); l != nil {
		return l
	}
	return defaultPesticideList()
}

var (
	defaultPLOnce sync.Once
	defaultPL     *rules.PesticideList
)

func defaultPesticideList() *rules.PesticideList {
	defaultPLOnce.Do(func() { defaultPL = rules.DefaultList() })
	return defaultPL
}

// SetPesticideList replaces the list used by every later write (a site loads
// a newer list when the ministry publishes a notice). nil restores the
// built-in list. A list without rules is refused: it would let every banned
// product through.
func (db *DB) SetPesticideList(l *rules.PesticideList) error {
	if l == nil {
		db.pesticides.Store(nil)
		return nil
	}
	if len(l.Rules) == 0 {
		return errf(CodeInvalid, nil, "农药清单没有任何规则，已拒绝使用；继续使用内置清单。",
			"the pesticide list has no rules and was not used; the built-in list stays in force")
	}
	db.pesticides.Store(l)
	return nil
}

// PesticideListFile is the file name a site may drop into its data directory
// to replace the built-in pesticide list.
const PesticideListFile = "pesticides.json"

// LoadPesticideListFile reads a pesticide list file (format of
// store/rules/data/pesticides.json). A missing file returns an error for
// which errors.Is(err, fs.ErrNotExist) holds, so the caller can fall back to
// the built-in list; a malformed file is refused with the rule's message.
func LoadPesticideListFile(path string) (*rules.PesticideList, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open pesticide list: %w", err)
	}
	defer f.Close()
	l, err := rules.LoadList(f)
	if err != nil {
		return nil, &Error{Code: CodeInvalid, Err: fmt.Errorf("pesticide list %s: %w", path, err),
			Zh: "农药清单文件 " + path + " 格式有误，请改正或删除该文件（删除后使用内置清单）。",
			En: "the pesticide list file " + path + " is malformed; fix or remove it (without it the built-in list is used)"}
	}
	return l, nil
}

// loadSitePesticideList applies <dir of the store>/pesticides.json if present.
func (db *DB) loadSitePesticideList() error {
	path := filepath.Join(filepath.Dir(db.path), PesticideListFile)
	l, err := LoadPesticideListFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return db.SetPesticideList(l)
}
