package serial

// PortInfo describes one serial port found on the machine.
type PortInfo struct {
	Path         string // what to pass to Open: a /dev/serial/by-id link when one exists, else /dev/ttyUSB0, COM3
	Device       string // kernel device, /dev/ttyUSB0 (Linux) or COM3
	ByID         string // /dev/serial/by-id/... (Linux), stable across replugging
	Driver       string // kernel driver: ch341, pl2303, cp210x, ftdi_sio, cdc_acm
	VendorID     string // USB idVendor, 4 hex digits, "" for non-USB
	ProductID    string
	SerialNumber string
	Manufacturer string
	Product      string
}

// Chip names the USB-serial chip from the vendor id, for display.
func (p PortInfo) Chip() string {
	switch p.VendorID {
	case "1a86":
		return "CH340/CH341"
	case "067b":
		return "PL2303"
	case "10c4":
		return "CP210x"
	case "0403":
		return "FTDI"
	}
	return ""
}
