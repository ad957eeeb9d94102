// Package printer turns a rendered 1-bit label (Bitmap) into printer jobs and
// sends them.
//
// Everything is rendered in Go and sent as a raster image, so a label prints
// the same on TSC, 佳博 Gprinter, 芯烨 Xprinter, 汉印 HPRT and Zebra printers
// whatever fonts or code pages the printer has. Encoders: TSPL (BITMAP, where
// bit 1 = white), ZPL (^GFA, bit 1 = black), ESC/POS (GS v 0, bit 1 = black),
// PNG and PDF (A4 sheets of labels, full-page certificates).
//
// Transports are chosen by a URI (see Open): tcp://, lp://, file://,
// spool:// (Windows) and usb:// (registered by package device/usb, the only
// cgo package, so this package builds with CGO_ENABLED=0 on every OS).
//
// One label is one job: a print run of N copies with serial numbers is sent
// label by label, so a caller that records each successful Write can resume
// from serial k after a power cut or paper-out.
package printer
