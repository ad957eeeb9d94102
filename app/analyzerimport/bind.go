package analyzerimport

import (
	"context"
	"fmt"
	"strings"

	"suyuan/device/scanner"
	"suyuan/store"
)

// LotCode turns what the technician scanned or typed into the code to look
// up. The scan goes through scanner.Parse, which undoes what scanners and
// IMEs do to a code (full-width forms, caps lock, AIM prefixes, trailing
// CR/LF…): a recognised lot or national trace code gives its normalised
// code; content that is not a recognised code (a code typed by hand in
// another layout) is passed on trimmed, and the store's lookup decides. A
// code that looks like a lot code but fails its check digit is refused
// (never guessed), and so is a code of another kind (a certificate, a GS1
// product barcode, a pesticide label), which would never match a lot.
func LotCode(scanned string) (string, error) {
	sc := scanner.Parse(scanned)
	switch sc.Kind {
	case scanner.KindUnknown:
		s := strings.TrimSpace(scanned)
		if s == "" {
			return "", &msgError{zh: "请扫描或输入批次追溯码。", en: "scan or enter the lot's trace code"}
		}
		return s, nil
	case scanner.KindLocalLot, scanner.KindNationalLong, scanner.KindNationalShort, scanner.KindNationalOID:
		if sc.Err != nil {
			return "", sc.Err
		}
		return sc.Code, nil
	}
	return "", &msgError{
		zh: fmt.Sprintf("扫描到的是%s，不是批次追溯码。请扫描批次标签上的追溯码。", sc.Kind.Label("zh")),
		en: fmt.Sprintf("the scan is a %s, not a lot trace code; scan the trace code on the lot's label", strings.ToLower(sc.Kind.Label("en"))),
	}
}

// Bind records pending reading readingID as a rapid inspection of the lot
// whose code was scanned (see LotCode). The store judges it by the
// inhibition-rate rule (≥ 50 % positive; control ΔA ≤ 0 or a rate above
// 100 % invalid, never a pass) and a positive puts the lot on hold in the
// same transaction.
//
// A reading tested more than store.BindTestDateLimit days before the lot's
// harvest/production date is refused; BindOverride binds it with an
// administrator's reason.
func Bind(ctx context.Context, db *store.DB, actor store.Actor, readingID int64, scanned string) (store.Inspection, error) {
	return BindOverride(ctx, db, actor, readingID, scanned, "")
}

// BindOverride is Bind with an override reason for the test-date rule
// (store.BindReadingOverride: administrators only, recorded in the journal).
func BindOverride(ctx context.Context, db *store.DB, actor store.Actor, readingID int64, scanned, reason string) (store.Inspection, error) {
	code, err := LotCode(scanned)
	if err != nil {
		return store.Inspection{}, err
	}
	return db.BindReadingOverride(ctx, actor, readingID, code, reason)
}

// BindExternal records pending reading readingID for a sample brought by
// another producer (testing-station mode), identified by the producer's
// name and/or the upstream trace code (normalised like a lot code when it
// is one). Nothing of this site is put on hold.
func BindExternal(ctx context.Context, db *store.DB, actor store.Actor, readingID int64, entity, code string) (store.Inspection, error) {
	entity = strings.TrimSpace(entity)
	if strings.TrimSpace(code) != "" {
		sc := scanner.Parse(code)
		if sc.Kind != scanner.KindUnknown && sc.Err == nil && sc.Code != "" {
			code = sc.Code
		} else {
			code = strings.TrimSpace(code)
		}
	}
	return db.BindReadingExternal(ctx, actor, readingID, entity, code)
}
