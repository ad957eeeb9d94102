//go:build windows

package serial

import (
	"sort"
	"strings"

	"golang.org/x/sys/windows/registry"
)

// List returns the COM ports Windows knows about, from
// HKLM\HARDWARE\DEVICEMAP\SERIALCOMM (value name = driver object, data =
// COMx). USB ids are not read (that needs SetupAPI); Driver holds the
// kernel object name, e.g. \Device\Serial0 or \Device\VCP0.
func List() ([]PortInfo, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `HARDWARE\DEVICEMAP\SERIALCOMM`, registry.QUERY_VALUE)
	if err != nil {
		if err == registry.ErrNotExist {
			return nil, nil // no serial ports at all
		}
		return nil, err
	}
	defer k.Close()
	names, err := k.ReadValueNames(0)
	if err != nil {
		return nil, err
	}
	var out []PortInfo
	for _, n := range names {
		com, _, err := k.GetStringValue(n)
		if err != nil {
			continue
		}
		out = append(out, PortInfo{Path: com, Device: com, Driver: n})
	}
	sort.Slice(out, func(i, j int) bool { return comLess(out[i].Device, out[j].Device) })
	return out, nil
}

func comLess(a, b string) bool {
	na, nb := strings.TrimPrefix(strings.ToUpper(a), "COM"), strings.TrimPrefix(strings.ToUpper(b), "COM")
	if len(na) != len(nb) {
		return len(na) < len(nb)
	}
	return na < nb
}
