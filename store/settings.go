package store

import (
	"context"
	"fmt"
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
		if _, err := tx.Exec(ctx, "INSERT INTO settings(key,value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value", key, value); err != nil {
			return fmt.Errorf("save setting %s: %w", key, err)
		}
		return nil
	})
}
