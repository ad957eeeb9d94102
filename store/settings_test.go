package store

import (
	"context"
	"testing"
)

func TestSettings(t *testing.T) {
	db := openTest(t)
	seedFixtureUsers(t, db)
	ctx := context.Background()
	admin := fxAdmin
	head0, _, _ := db.Head(ctx)
	if v, err := db.Setting(ctx, SettingPrinterURI); err != nil || v != "" {
		t.Fatalf("unset setting: %q %v", v, err)
	}
	if err := db.SetSetting(ctx, admin, SettingPrinterURI, "tcp://127.0.0.1:9100"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetSetting(ctx, admin, SettingPrinterURI, "usb://"); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.Setting(ctx, SettingPrinterURI); v != "usb://" {
		t.Fatalf("setting = %q", v)
	}
	if err := db.SetSetting(ctx, fxPacker, SettingPrinterURI, "x"); ErrorCode(err) != CodeForbidden {
		t.Fatalf("packer changed settings: %v", err)
	}
	if err := db.SetSetting(ctx, admin, "sync.secret", "x"); ErrorCode(err) != CodeInvalid {
		t.Fatalf("sync secret through SetSetting: %v", err)
	}
	if seq, _, _ := db.Head(ctx); seq != head0 {
		t.Fatalf("settings were journaled: head %d", seq)
	}
}
