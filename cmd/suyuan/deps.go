package main

// Blank imports pin the project's chosen dependencies in go.mod until the
// packages that use them land. Delete a line once real code imports it.
import (
	_ "fyne.io/fyne/v2/app"
	_ "fyne.io/fyne/v2/test"
	_ "github.com/creack/pty"
	_ "github.com/go-pdf/fpdf"
	_ "github.com/skip2/go-qrcode"
	_ "github.com/tarm/serial"
	_ "github.com/xuri/excelize/v2"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/image/font/opentype"
	_ "golang.org/x/text/encoding/simplifiedchinese"
	_ "modernc.org/sqlite"
)
