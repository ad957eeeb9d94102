package store

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Settings keys for local configuration. Settings are not evidence: they are
// not journaled and are never uploaded.
const (
	SettingPrinterURI     = "printer.uri"
	SettingPrinterSize    = "printer.size"
	SettingPrinterDPI     = "printer.dpi"
	SettingPrinterLang    = "printer.lang"
	SettingURLTemplate    = "print.url_template"
	SettingScannerMode    = "scanner.mode"
	SettingAnalyzerPort   = "analyzer.port"
	SettingAnalyzerDriver = "analyzer.driver"
	SettingAnalyzerBaud   = "analyzer.baud"
	SettingBackupDir      = "backup.dir"
)

// Setting returns a setting's value, or "" if it was never set.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	return db.setting(ctx, key)
}

// SetSetting stores a local setting. Only users with PermSettings may change
// them; the platform secret goes through SetSyncConfig instead.
func (db *DB) SetSetting(ctx context.Context, actor Actor, key, value string) error {
	if strings.HasPrefix(key, "sync.") {
		return errf(CodeInvalid, nil, "平台账户请在“同步”设置中修改。", "change the platform account in the sync settings")
	}
	return db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermSettings); err != nil {
			return err
		}
		return tx.putSetting(ctx, key, value)
	})
}

// putSetting stores a local setting inside tx (not journaled).
func (tx *Tx) putSetting(ctx context.Context, key, value string) error {
	if _, err := tx.Exec(ctx, "INSERT INTO settings(key,value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value", key, value); err != nil {
		return fmt.Errorf("save setting %s: %w", key, err)
	}
	return nil
}

// UseSimulatedPrinter points the printer setting at the label printer
// simulator a training or tour window starts on this PC. It needs no login
// (the window sets it before anyone logs in) and is the only setting that
// does: it accepts nothing but a loopback tcp:// address, so it cannot send
// a real site's labels anywhere.
func (db *DB) UseSimulatedPrinter(ctx context.Context, uri string) error {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "tcp" || u.Port() == "" || u.Path != "" || u.User != nil {
		return errf(CodeInvalid, err, "模拟打印机地址“%s”无效，应为 tcp://127.0.0.1:端口。", "the simulated printer address %q is invalid; it must be tcp://127.0.0.1:PORT", uri)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return errf(CodeInvalid, nil, "模拟打印机只能在本机（127.0.0.1），不能是“%s”。", "the simulated printer must be on this PC (127.0.0.1), not %q", u.Host)
	}
	return db.Write(ctx, systemActor, func(tx *Tx) error {
		return tx.putSetting(ctx, SettingPrinterURI, uri)
	})
}
