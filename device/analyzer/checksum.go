package analyzer

// Checksums used by analyzer protocols. All are table-free: frames are short
// and the line rate is at most 115200 baud.

// Sum8 is the 8-bit sum of b (DY-3000, text mode).
func Sum8(b []byte) byte {
	var s byte
	for _, x := range b {
		s += x
	}
	return s
}

// Xor8 is the XOR of all bytes.
func Xor8(b []byte) byte {
	var s byte
	for _, x := range b {
		s ^= x
	}
	return s
}

// CRC8 is CRC-8 with polynomial 0x31, init 0, MSB first, no reflection, no
// final XOR (Dayuan LZ-4000T / TL-310).
func CRC8(b []byte) byte {
	var c byte
	for _, x := range b {
		c ^= x
		for i := 0; i < 8; i++ {
			if c&0x80 != 0 {
				c = c<<1 ^ 0x31
			} else {
				c <<= 1
			}
		}
	}
	return c
}

// CRC16Modbus is CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF),
// transmitted low byte first.
func CRC16Modbus(b []byte) uint16 {
	c := uint16(0xFFFF)
	for _, x := range b {
		c ^= uint16(x)
		for i := 0; i < 8; i++ {
			if c&1 != 0 {
				c = c>>1 ^ 0xA001
			} else {
				c >>= 1
			}
		}
	}
	return c
}
