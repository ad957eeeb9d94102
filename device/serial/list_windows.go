//go:build windows

package serial

import (
	"sort"
	"strings"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// guidDevClassPorts is the "Ports (COM & LPT)" device setup class.
var guidDevClassPorts = windows.GUID{Data1: 0x4d36e978, Data2: 0xe325, Data3: 0x11ce, Data4: [8]byte{0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18}}

// List returns the COM ports Windows knows about: those of the Ports class
// through SetupAPI, with the friendly name Device Manager shows
// ("USB-SERIAL CH340 (COM3)"), the USB vendor/product ids and the driver
// service; then any port only the registry's HARDWARE\DEVICEMAP\SERIALCOMM
// lists (virtual ports such as com0com, or when SetupAPI fails), by name.
func List() ([]PortInfo, error) {
	seen := map[string]bool{}
	out, setupErr := listSetupAPI()
	for _, p := range out {
		seen[p.Device] = true
	}
	reg, regErr := listSerialComm()
	for _, p := range reg {
		if !seen[p.Device] {
			seen[p.Device] = true
			out = append(out, p)
		}
	}
	if len(out) == 0 && setupErr != nil && regErr != nil {
		return nil, regErr
	}
	sort.Slice(out, func(i, j int) bool { return comLess(out[i].Device, out[j].Device) })
	return out, nil
}

func listSetupAPI() ([]PortInfo, error) {
	set, err := windows.SetupDiGetClassDevsEx(&guidDevClassPorts, "", 0, windows.DIGCF_PRESENT, 0, "")
	if err != nil {
		return nil, err
	}
	defer set.Close()
	var out []PortInfo
	for i := 0; ; i++ {
		dev, err := set.EnumDeviceInfo(i)
		if err == windows.ERROR_NO_MORE_ITEMS {
			break
		}
		if err != nil {
			continue
		}
		friendly := regString(set, dev, windows.SPDRP_FRIENDLYNAME)
		product, com := splitFriendlyName(friendly)
		if name := portName(set, dev); name != "" {
			com = name
		}
		if !isCOM(com) {
			continue // LPT ports share the class
		}
		info := PortInfo{Path: strings.ToUpper(com), Device: strings.ToUpper(com), Product: product,
			Manufacturer: regString(set, dev, windows.SPDRP_MFG), Driver: regString(set, dev, windows.SPDRP_SERVICE)}
		if ids, ok := regStrings(set, dev, windows.SPDRP_HARDWAREID); ok {
			info.VendorID, info.ProductID, _ = parseHardwareID(ids)
		}
		if id, err := set.DeviceInstanceID(dev); err == nil {
			info.SerialNumber = instanceSerial(id)
		}
		out = append(out, info)
	}
	return out, nil
}

// portName is the device's "PortName" value (COM3) from its hardware key.
func portName(set windows.DevInfo, dev *windows.DevInfoData) string {
	h, err := set.OpenDevRegKey(dev, windows.DICS_FLAG_GLOBAL, 0, windows.DIREG_DEV, windows.KEY_READ)
	if err != nil {
		return ""
	}
	k := registry.Key(h)
	defer k.Close()
	v, _, err := k.GetStringValue("PortName")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(v)
}

func regString(set windows.DevInfo, dev *windows.DevInfoData, p windows.SPDRP) string {
	v, err := set.DeviceRegistryProperty(dev, p)
	if err != nil {
		return ""
	}
	switch s := v.(type) {
	case string:
		return s
	case []string:
		if len(s) > 0 {
			return s[0]
		}
	}
	return ""
}

func regStrings(set windows.DevInfo, dev *windows.DevInfoData, p windows.SPDRP) ([]string, bool) {
	v, err := set.DeviceRegistryProperty(dev, p)
	if err != nil {
		return nil, false
	}
	switch s := v.(type) {
	case []string:
		return s, true
	case string:
		return []string{s}, true
	}
	return nil, false
}

// listSerialComm reads HKLM\HARDWARE\DEVICEMAP\SERIALCOMM (value name =
// driver object such as \Device\VCP0, data = COMx).
func listSerialComm() ([]PortInfo, error) {
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
		com = strings.ToUpper(strings.TrimSpace(com))
		out = append(out, PortInfo{Path: com, Device: com, Driver: n})
	}
	return out, nil
}

// osPortName is what the OS open call is given for a port path.
func osPortName(p string) string { return WindowsPortName(p) }
