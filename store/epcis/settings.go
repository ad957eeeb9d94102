package epcis

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"suyuan/store"
)

// GS1 is the site's GS1 identification: the company prefix and the GTINs
// of its products (by product id), as the settings hold them.
type GS1 struct {
	Prefix string
	GTINs  map[int64]string
}

// ReadGS1 returns the GS1 settings.
func ReadGS1(ctx context.Context, db *store.DB) (GS1, error) {
	g := GS1{GTINs: map[int64]string{}}
	var err error
	if g.Prefix, err = db.Setting(ctx, SettingGS1Prefix); err != nil {
		return g, err
	}
	rows, err := db.Reader().QueryContext(ctx, "SELECT key, value FROM settings WHERE key LIKE 'epcis.gtin.%' AND value <> '' ORDER BY key")
	if err != nil {
		return g, fmt.Errorf("epcis gtins: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return g, err
		}
		if id, err := strconv.ParseInt(strings.TrimPrefix(k, SettingGTINPrefix), 10, 64); err == nil {
			g.GTINs[id] = v
		}
	}
	return g, rows.Err()
}

// SetGS1Prefix stores the site's GS1 company prefix (6 to 12 digits, as GS1
// China assigns them), or clears it with "". Needs PermSettings.
func SetGS1Prefix(ctx context.Context, db *store.DB, actor store.Actor, prefix string) error {
	prefix = strings.TrimSpace(prefix)
	if prefix != "" {
		ok := len(prefix) >= 6 && len(prefix) <= 12
		for _, c := range prefix {
			ok = ok && c >= '0' && c <= '9'
		}
		if !ok {
			return &store.Error{Code: store.CodeInvalid,
				Zh: fmt.Sprintf("GS1厂商识别代码“%s”应为6到12位数字（见中国物品编码中心的注册证书），请核对后重新输入。", prefix),
				En: fmt.Sprintf("the GS1 company prefix %q must be 6 to 12 digits (see the GS1 China registration certificate); check it and enter it again", prefix)}
		}
	}
	return db.SetSetting(ctx, actor, SettingGS1Prefix, prefix)
}

// SetGTIN stores product productID's GTIN (checked: digits, check digit,
// the site's company prefix when one is set), or clears it with "".
func SetGTIN(ctx context.Context, db *store.DB, actor store.Actor, productID int64, gtin string) error {
	p, err := db.GetProduct(ctx, productID)
	if err != nil {
		return err
	}
	gtin = strings.TrimSpace(gtin)
	if gtin != "" {
		g, err := NormalizeGTIN(gtin)
		if err != nil {
			return &store.Error{Code: store.CodeInvalid, Err: err,
				Zh: fmt.Sprintf("“%s”不是有效的GTIN（商品条码）：应为8、12、13或14位数字且校验位正确，请核对条码后重新输入。", gtin),
				En: fmt.Sprintf("%q is not a valid GTIN: it must be 8, 12, 13 or 14 digits with a correct check digit (%v); check the barcode and enter it again", gtin, err)}
		}
		prefix, err := db.Setting(ctx, SettingGS1Prefix)
		if err != nil {
			return err
		}
		if prefix = strings.TrimSpace(prefix); prefix != "" && !strings.HasPrefix(g[1:], prefix) {
			return &store.Error{Code: store.CodeInvalid,
				Zh: fmt.Sprintf("GTIN %s 不属于本站的GS1厂商识别代码 %s，请核对条码或厂商识别代码。", gtin, prefix),
				En: fmt.Sprintf("the GTIN %s does not belong to this site's GS1 company prefix %s; check the barcode or the prefix", gtin, prefix)}
		}
		gtin = g
	}
	return db.SetSetting(ctx, actor, SettingGTINPrefix+strconv.FormatInt(p.ID, 10), gtin)
}
