//go:build linux

package serial

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// List returns serial ports with a device behind them (USB adapters, CDC
// instruments, real UARTs), taken from /sys/class/tty and
// /dev/serial/by-id. Virtual consoles and ptys are skipped.
func List() ([]PortInfo, error) {
	return listFrom("/sys/class/tty", "/dev/serial/by-id", "/dev")
}

func listFrom(sysTTY, byIDDir, devDir string) ([]PortInfo, error) {
	byID := map[string]string{} // ttyUSB0 -> /dev/serial/by-id/...
	if ents, err := os.ReadDir(byIDDir); err == nil {
		for _, e := range ents {
			link := filepath.Join(byIDDir, e.Name())
			if target, err := filepath.EvalSymlinks(link); err == nil {
				byID[filepath.Base(target)] = link
			}
		}
	}
	ents, err := os.ReadDir(sysTTY)
	if err != nil {
		return nil, err
	}
	var out []PortInfo
	for _, e := range ents {
		name := e.Name()
		devLink := filepath.Join(sysTTY, name, "device")
		devPath, err := filepath.EvalSymlinks(devLink)
		if err != nil {
			continue // no device: virtual tty
		}
		info := PortInfo{Device: filepath.Join(devDir, name), ByID: byID[name]}
		if drv, err := filepath.EvalSymlinks(filepath.Join(devPath, "driver")); err == nil {
			info.Driver = filepath.Base(drv)
		}
		// Platform UARTs (ttyS*) without a USB parent are listed only when
		// the serial8250 driver did not mark them as absent ("port" type 0).
		if usb := usbParent(devPath); usb != "" {
			info.VendorID = readTrim(filepath.Join(usb, "idVendor"))
			info.ProductID = readTrim(filepath.Join(usb, "idProduct"))
			info.SerialNumber = readTrim(filepath.Join(usb, "serial"))
			info.Manufacturer = readTrim(filepath.Join(usb, "manufacturer"))
			info.Product = readTrim(filepath.Join(usb, "product"))
		} else if strings.HasPrefix(name, "ttyS") {
			if t := readTrim(filepath.Join(sysTTY, name, "type")); t == "0" {
				continue
			}
		}
		info.Path = info.Device
		if info.ByID != "" {
			info.Path = info.ByID
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Device < out[j].Device })
	return out, nil
}

// usbParent walks up from a tty's device directory to the USB device that
// carries idVendor (interface -> device).
func usbParent(dir string) string {
	for d := dir; d != "/" && d != "." && len(d) > 1; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "idVendor")); err == nil {
			return d
		}
	}
	return ""
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// osPortName is what the OS open call is given for a port path.
func osPortName(p string) string { return p }
