package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"suyuan/store/rules"
)

// ---------------------------------------------------------------------------
// 主体 profile

// Entity scales (组织形式) and types, as the platform models them (domain.md §2).
const (
	ScaleEnterprise  = "enterprise"
	ScaleCooperative = "cooperative"
	ScaleFamilyFarm  = "family_farm"
	ScaleIndividual  = "individual"

	EntityProduction = "production"
	EntityOperation  = "operation"
	EntityBoth       = "both"
)

// Entity is the site's 主体 profile (one row). SiteCode is the short code
// printed in every local trace code and certificate number.
type Entity struct {
	ID              int64
	Name            string
	Scale           string // ScaleEnterprise ...
	EntityType      string // EntityProduction ...
	CreditCode      string // 统一社会信用代码 (or 身份证号 for individuals/family farms)
	LegalRep        string
	ContactName     string
	ContactPhone    string
	Address         string
	DivisionCode    string // 6-digit 行政区划代码
	Longitude       *float64
	Latitude        *float64
	PlatformAccount string
	SiteCode        string
}

const entityCols = "id,name,scale,entity_type,credit_code,legal_rep,contact_name,contact_phone,address,division_code,longitude,latitude,platform_account,site_code"

func scanEntity(sc interface{ Scan(...any) error }) (Entity, error) {
	var e Entity
	var lon, lat sql.NullFloat64
	err := sc.Scan(&e.ID, &e.Name, &e.Scale, &e.EntityType, &e.CreditCode, &e.LegalRep, &e.ContactName, &e.ContactPhone,
		&e.Address, &e.DivisionCode, &lon, &lat, &e.PlatformAccount, &e.SiteCode)
	e.Longitude, e.Latitude = ptrFromNull(lon), ptrFromNull(lat)
	return e, err
}

func (e *Entity) normalize() {
	e.Name = strings.TrimSpace(e.Name)
	e.CreditCode = rules.NormalizeID(e.CreditCode)
	e.DivisionCode = strings.TrimSpace(e.DivisionCode)
	e.SiteCode = strings.ToUpper(strings.TrimSpace(e.SiteCode))
	e.LegalRep, e.ContactName = strings.TrimSpace(e.LegalRep), strings.TrimSpace(e.ContactName)
	e.ContactPhone, e.Address = strings.TrimSpace(e.ContactPhone), strings.TrimSpace(e.Address)
	e.PlatformAccount = strings.TrimSpace(e.PlatformAccount)
}

func (e Entity) validate() error {
	if e.Name == "" {
		return errRequired("主体名称", "entity name")
	}
	switch e.Scale {
	case ScaleEnterprise, ScaleCooperative, ScaleFamilyFarm, ScaleIndividual:
	default:
		return errf(CodeInvalid, nil, "组织形式“%s”无效，请选择企业、合作社、家庭农场或个人。", "the organisation form %q is not valid; choose enterprise, cooperative, family farm or individual", e.Scale)
	}
	switch e.EntityType {
	case EntityProduction, EntityOperation, EntityBoth:
	default:
		return errf(CodeInvalid, nil, "主体类型“%s”无效，请选择生产主体、经营主体或生产经营主体。", "the entity type %q is not valid; choose production, operation or both", e.EntityType)
	}
	if err := rules.ValidateUSCC(e.CreditCode); err != nil {
		// Individuals and family farms may be registered by 身份证号 (domain.md §2).
		if (e.Scale != ScaleIndividual && e.Scale != ScaleFamilyFarm) || !validIDNumber(e.CreditCode) {
			return err
		}
	}
	if err := rules.ValidateDivisionCode(e.DivisionCode); err != nil {
		return err
	}
	if err := validateLonLat(e.Longitude, e.Latitude); err != nil {
		return err
	}
	return validSiteCode(e.SiteCode)
}

// validIDNumber checks an 18-character 居民身份证号 (ISO 7064 MOD 11-2 check).
func validIDNumber(s string) bool {
	if len(s) != 18 {
		return false
	}
	w := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		sum += int(s[i]-'0') * w[i]
	}
	return s[17] == "10X98765432"[sum%11]
}

func validateLonLat(lon, lat *float64) error {
	if lon != nil && (math.IsNaN(*lon) || *lon < -180 || *lon > 180) {
		return errf(CodeInvalid, nil, "经度必须在 -180 到 180 之间。", "the longitude must be between -180 and 180")
	}
	if lat != nil && (math.IsNaN(*lat) || *lat < -90 || *lat > 90) {
		return errf(CodeInvalid, nil, "纬度必须在 -90 到 90 之间。", "the latitude must be between -90 and 90")
	}
	return nil
}

func errRequired(zh, en string) error {
	return errf(CodeInvalid, nil, "请填写%[1]s。", "enter the %[2]s", zh, en)
}

// SaveEntity creates the 主体 profile or updates the single existing row. The
// site code cannot change once lots exist: it is printed on their labels and
// certificates, and a changed code would make them untraceable.
func (db *DB) SaveEntity(ctx context.Context, actor Actor, e Entity) (Entity, error) {
	e.normalize()
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermSite); err != nil {
			return err
		}
		if err := e.validate(); err != nil {
			return err
		}
		old, err := scanEntity(tx.QueryRow(ctx, "SELECT "+entityCols+" FROM entity ORDER BY id LIMIT 1"))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			res, err := tx.Exec(ctx, `INSERT INTO entity(name,scale,entity_type,credit_code,legal_rep,contact_name,contact_phone,address,division_code,longitude,latitude,platform_account,site_code,jseq)
				VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,0)`, e.Name, e.Scale, e.EntityType, e.CreditCode, e.LegalRep, e.ContactName, e.ContactPhone,
				e.Address, e.DivisionCode, nullPtr(e.Longitude), nullPtr(e.Latitude), e.PlatformAccount, e.SiteCode)
			if err != nil {
				return fmt.Errorf("insert entity: %w", err)
			}
			e.ID, _ = res.LastInsertId()
			_, err = tx.Record(ctx, "entity", e.ID, "entity.create", "")
			return err
		case err != nil:
			return fmt.Errorf("read entity: %w", err)
		}
		if old.SiteCode != e.SiteCode {
			var n int
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM lots").Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return errf(CodeConflict, nil, "已有 %d 个批次使用站点代码 %s 打印了追溯码，站点代码不能再修改。", "%d lots already carry trace codes with the site code %s, so the site code can no longer change", n, old.SiteCode)
			}
		}
		e.ID = old.ID
		if _, err := tx.Exec(ctx, `UPDATE entity SET name=?,scale=?,entity_type=?,credit_code=?,legal_rep=?,contact_name=?,contact_phone=?,address=?,division_code=?,longitude=?,latitude=?,platform_account=?,site_code=? WHERE id=?`,
			e.Name, e.Scale, e.EntityType, e.CreditCode, e.LegalRep, e.ContactName, e.ContactPhone,
			e.Address, e.DivisionCode, nullPtr(e.Longitude), nullPtr(e.Latitude), e.PlatformAccount, e.SiteCode, e.ID); err != nil {
			return fmt.Errorf("update entity: %w", err)
		}
		_, err = tx.Record(ctx, "entity", e.ID, "entity.update", "")
		return err
	})
	if err != nil {
		return Entity{}, err
	}
	return e, nil
}

// GetEntity returns the 主体 profile, or a not-found error before the first-run
// wizard has saved it.
func (db *DB) GetEntity(ctx context.Context) (Entity, error) {
	e, err := scanEntity(db.r.QueryRowContext(ctx, "SELECT "+entityCols+" FROM entity ORDER BY id LIMIT 1"))
	if errors.Is(err, sql.ErrNoRows) {
		return Entity{}, errf(CodeNotFound, nil, "尚未填写主体信息，请先在“主体信息”中填写。", "the site profile has not been filled in yet; fill it in first")
	}
	return e, err
}

// ---------------------------------------------------------------------------
// 三品一标 certifications

// Certification kinds (三品一标).
const (
	CertGreen         = "green"          // 绿色食品
	CertOrganic       = "organic"        // 有机产品
	CertGI            = "gi"             // 农产品地理标志
	CertPollutionFree = "pollution_free" // 无公害农产品 (legacy)
)

// Certification is one 三品一标 certificate held by the site.
type Certification struct {
	ID          int64
	Kind        string
	Number      string
	ProductName string
	Issuer      string
	ValidFrom   time.Time
	ValidTo     time.Time
	Voided      bool
}

// reGreenFood is the 绿色食品 product number LB-XX-YYMMPPNNNNNA(A) (domain.md
// §9; the example LB-15-19012700330A has 11 digits, some sources say 10).
var reGreenFood = regexp.MustCompile(`^LB-[0-9]{2}-[0-9]{10,11}A{1,2}$`)

func validateCertification(kind, number, product string, from, to time.Time) error {
	switch kind {
	case CertGreen, CertOrganic, CertGI, CertPollutionFree:
	default:
		return errf(CodeInvalid, nil, "认证类别“%s”无效，请选择绿色食品、有机产品、地理标志或无公害农产品。", "the certification kind %q is not valid; choose green, organic, gi or pollution_free", kind)
	}
	if number == "" {
		return errRequired("证书编号", "certificate number")
	}
	if kind == CertGreen && !reGreenFood.MatchString(number) {
		return errf(CodeInvalid, nil, "绿色食品证书编号“%s”格式不对，应形如 LB-15-19012700330A，请对照证书重新输入。", "the green food number %q is not in the form LB-15-19012700330A; copy it again from the certificate", number)
	}
	if product == "" {
		return errRequired("认证产品名称", "certified product name")
	}
	if from.IsZero() || to.IsZero() {
		return errRequired("有效期起止日期", "validity dates")
	}
	if from.After(to) {
		return errf(CodeInvalid, nil, "有效期开始日期 %s 晚于结束日期 %s，请检查。", "the validity starts on %s, after it ends on %s; check the dates", formatDay(from), formatDay(to))
	}
	return nil
}

const certificationCols = "id,kind,number,product_name,issuer,valid_from,valid_to,voided"

func scanCertification(sc interface{ Scan(...any) error }) (Certification, error) {
	var c Certification
	var from, to string
	var voided int
	if err := sc.Scan(&c.ID, &c.Kind, &c.Number, &c.ProductName, &c.Issuer, &from, &to, &voided); err != nil {
		return c, err
	}
	c.Voided = voided != 0
	var err error
	if c.ValidFrom, err = parseDay(from); err == nil {
		c.ValidTo, err = parseDay(to)
	}
	return c, err
}

// AddCertification records a 三品一标 certificate.
func (db *DB) AddCertification(ctx context.Context, actor Actor, c Certification) (Certification, error) {
	c.Number = rules.NormalizeID(c.Number)
	c.ProductName, c.Issuer = strings.TrimSpace(c.ProductName), strings.TrimSpace(c.Issuer)
	c.ValidFrom, c.ValidTo, c.Voided = asDayOrZero(c.ValidFrom), asDayOrZero(c.ValidTo), false
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermSite); err != nil {
			return err
		}
		if err := validateCertification(c.Kind, c.Number, c.ProductName, c.ValidFrom, c.ValidTo); err != nil {
			return err
		}
		id, err := tx.insertJournaled(ctx, "certifications",
			"INSERT INTO certifications(kind,number,product_name,issuer,valid_from,valid_to,jseq) VALUES(?,?,?,?,?,?,0)",
			c.Kind, c.Number, c.ProductName, c.Issuer, formatDay(c.ValidFrom), formatDay(c.ValidTo))
		c.ID = id
		return err
	})
	if err != nil {
		return Certification{}, err
	}
	return c, nil
}

func asDayOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return asDay(t)
}

var certificationSearch = []string{"number", "product_name", "issuer"}

// ListCertifications pages certificates, latest expiry first.
func (db *DB) ListCertifications(ctx context.Context, q ListQuery) ([]Certification, error) {
	where, args := q.listWhere("voided", certificationSearch, sqlCond{})
	lim, off := q.page()
	return queryList(ctx, db, "SELECT "+certificationCols+" FROM certifications"+where+" ORDER BY valid_to DESC, id DESC LIMIT ? OFFSET ?",
		append(args, lim, off), scanCertification)
}

// CountCertifications counts what ListCertifications pages through.
func (db *DB) CountCertifications(ctx context.Context, q ListQuery) (int, error) {
	where, args := q.listWhere("voided", certificationSearch, sqlCond{})
	return db.countRows(ctx, "SELECT count(*) FROM certifications"+where, args)
}

// GetCertification returns one certificate.
func (db *DB) GetCertification(ctx context.Context, id int64) (Certification, error) {
	return getOne(ctx, db, "certifications", "SELECT "+certificationCols+" FROM certifications WHERE id=?", id, scanCertification)
}

// ExpiringCertifications returns the certificates in force that expire within
// the given time from today (soonest first), so the home screen can warn
// before a lapse costs the site its title.
func (db *DB) ExpiringCertifications(ctx context.Context, within time.Duration) ([]Certification, error) {
	today := siteToday(db.Now())
	until := asDay(today.Add(within))
	return queryList(ctx, db, "SELECT "+certificationCols+" FROM certifications WHERE voided=0 AND valid_to >= ? AND valid_to <= ? ORDER BY valid_to, id",
		[]any{formatDay(today), formatDay(until)}, scanCertification)
}

// ---------------------------------------------------------------------------
// 基地 and plots

// Base is a production base (基地). Optional measures are nil (coordinates)
// or 0 (area) when unknown.
type Base struct {
	ID           int64
	Name         string
	Address      string
	DivisionCode string
	AreaMu       float64
	Longitude    *float64
	Latitude     *float64
	AltitudeM    *float64
	Manager      string
	Phone        string
	Retired      bool
}

const baseCols = "id,name,address,division_code,area_mu,longitude,latitude,altitude_m,manager,phone,retired"

func scanBase(sc interface{ Scan(...any) error }) (Base, error) {
	var b Base
	var area, lon, lat, alt sql.NullFloat64
	var retired int
	err := sc.Scan(&b.ID, &b.Name, &b.Address, &b.DivisionCode, &area, &lon, &lat, &alt, &b.Manager, &b.Phone, &retired)
	b.AreaMu, b.Longitude, b.Latitude, b.AltitudeM, b.Retired = area.Float64, ptrFromNull(lon), ptrFromNull(lat), ptrFromNull(alt), retired != 0
	return b, err
}

func validateArea(a float64) error {
	if a < 0 || math.IsNaN(a) || math.IsInf(a, 0) {
		return errf(CodeInvalid, nil, "面积必须是正数（亩），不知道可以留空。", "the area must be a positive number of mu, or left empty")
	}
	return nil
}

func validateBase(b Base) error {
	if b.Name == "" {
		return errRequired("基地名称", "base name")
	}
	if b.DivisionCode != "" {
		if err := rules.ValidateDivisionCode(b.DivisionCode); err != nil {
			return err
		}
	}
	if err := validateArea(b.AreaMu); err != nil {
		return err
	}
	if b.AltitudeM != nil && (*b.AltitudeM < -500 || *b.AltitudeM > 9000) {
		return errf(CodeInvalid, nil, "海拔应在 -500 到 9000 米之间。", "the altitude must be between -500 and 9000 metres")
	}
	return validateLonLat(b.Longitude, b.Latitude)
}

// AddBase records a production base.
func (db *DB) AddBase(ctx context.Context, actor Actor, b Base) (Base, error) {
	b.Name, b.Address, b.DivisionCode = strings.TrimSpace(b.Name), strings.TrimSpace(b.Address), strings.TrimSpace(b.DivisionCode)
	b.Manager, b.Phone, b.Retired = strings.TrimSpace(b.Manager), strings.TrimSpace(b.Phone), false
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermSite); err != nil {
			return err
		}
		if err := validateBase(b); err != nil {
			return err
		}
		id, err := tx.insertJournaled(ctx, "bases",
			"INSERT INTO bases(name,address,division_code,area_mu,longitude,latitude,altitude_m,manager,phone,jseq) VALUES(?,?,?,?,?,?,?,?,?,0)",
			b.Name, b.Address, b.DivisionCode, nullFloat(b.AreaMu), nullPtr(b.Longitude), nullPtr(b.Latitude), nullPtr(b.AltitudeM), b.Manager, b.Phone)
		b.ID = id
		return err
	})
	if err != nil {
		return Base{}, err
	}
	return b, nil
}

var baseSearch = []string{"name", "address", "manager"}

// ListBases pages bases by name.
func (db *DB) ListBases(ctx context.Context, q ListQuery) ([]Base, error) {
	where, args := q.listWhere("retired", baseSearch, sqlCond{})
	lim, off := q.page()
	return queryList(ctx, db, "SELECT "+baseCols+" FROM bases"+where+" ORDER BY name, id LIMIT ? OFFSET ?", append(args, lim, off), scanBase)
}

// CountBases counts what ListBases pages through.
func (db *DB) CountBases(ctx context.Context, q ListQuery) (int, error) {
	where, args := q.listWhere("retired", baseSearch, sqlCond{})
	return db.countRows(ctx, "SELECT count(*) FROM bases"+where, args)
}

// GetBase returns one base.
func (db *DB) GetBase(ctx context.Context, id int64) (Base, error) {
	return getOne(ctx, db, "bases", "SELECT "+baseCols+" FROM bases WHERE id=?", id, scanBase)
}

// Plot is a field or orchard block (地块) of a base. CropCategory decides
// which pesticide rules apply to it.
type Plot struct {
	ID           int64
	BaseID       int64
	BaseName     string // read only
	Name         string
	AreaMu       float64
	Crop         string
	CropCategory string // one of rules.CropCategories
	Retired      bool
}

const plotCols = "p.id,p.base_id,b.name,p.name,p.area_mu,p.crop,p.crop_category,p.retired"
const plotFrom = " FROM plots p JOIN bases b ON b.id = p.base_id"

func scanPlot(sc interface{ Scan(...any) error }) (Plot, error) {
	var p Plot
	var area sql.NullFloat64
	var retired int
	err := sc.Scan(&p.ID, &p.BaseID, &p.BaseName, &p.Name, &area, &p.Crop, &p.CropCategory, &retired)
	p.AreaMu, p.Retired = area.Float64, retired != 0
	return p, err
}

func validateCropCategory(c string, required bool) error {
	if c == "" && !required {
		return nil
	}
	for _, k := range rules.CropCategories {
		if k == c {
			return nil
		}
	}
	return errf(CodeInvalid, nil, "作物类别“%s”无效，请从%s中选择。", "the crop category %q is not valid; choose one of %s", c, strings.Join(rules.CropCategories, "、"))
}

// AddPlot records a plot of an existing, active base.
func (db *DB) AddPlot(ctx context.Context, actor Actor, p Plot) (Plot, error) {
	p.Name, p.Crop, p.CropCategory, p.Retired = strings.TrimSpace(p.Name), strings.TrimSpace(p.Crop), strings.TrimSpace(p.CropCategory), false
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermSite); err != nil {
			return err
		}
		if p.Name == "" {
			return errRequired("地块名称", "plot name")
		}
		if err := validateArea(p.AreaMu); err != nil {
			return err
		}
		if err := validateCropCategory(p.CropCategory, true); err != nil {
			return err
		}
		var retired int
		if err := tx.QueryRow(ctx, "SELECT name, retired FROM bases WHERE id=?", p.BaseID).Scan(&p.BaseName, &retired); err != nil {
			return notFoundOr(err, "基地", "base", p.BaseID)
		}
		if retired != 0 {
			return errRetired("基地", "base", p.BaseName)
		}
		id, err := tx.insertJournaled(ctx, "plots", "INSERT INTO plots(base_id,name,area_mu,crop,crop_category,jseq) VALUES(?,?,?,?,?,0)",
			p.BaseID, p.Name, nullFloat(p.AreaMu), p.Crop, p.CropCategory)
		p.ID = id
		return err
	})
	if err != nil {
		return Plot{}, err
	}
	return p, nil
}

var plotSearch = []string{"p.name", "p.crop", "b.name"}

// ListPlots pages plots (of one base when baseID is not 0) by base and name.
func (db *DB) ListPlots(ctx context.Context, q ListQuery, baseID int64) ([]Plot, error) {
	where, args := q.listWhere("p.retired", plotSearch, idFilter("p.base_id", baseID))
	lim, off := q.page()
	return queryList(ctx, db, "SELECT "+plotCols+plotFrom+where+" ORDER BY b.name, p.name, p.id LIMIT ? OFFSET ?", append(args, lim, off), scanPlot)
}

// CountPlots counts what ListPlots pages through.
func (db *DB) CountPlots(ctx context.Context, q ListQuery, baseID int64) (int, error) {
	where, args := q.listWhere("p.retired", plotSearch, idFilter("p.base_id", baseID))
	return db.countRows(ctx, "SELECT count(*)"+plotFrom+where, args)
}

// GetPlot returns one plot.
func (db *DB) GetPlot(ctx context.Context, id int64) (Plot, error) {
	return getOne(ctx, db, "plots", "SELECT "+plotCols+plotFrom+" WHERE p.id=?", id, scanPlot)
}

// idFilter returns an extra condition for listWhere when id is set.
func idFilter(col string, id int64) sqlCond {
	if id == 0 {
		return sqlCond{}
	}
	return sqlCond{[]string{col + " = ?"}, []any{id}}
}

// ---------------------------------------------------------------------------
// 产地环境 tests

// Env test kinds and conclusions.
const (
	EnvSoil  = "soil"
	EnvWater = "water"
	EnvAir   = "air"
	EnvOther = "other"

	EnvPass = "pass"
	EnvFail = "fail"
)

// EnvTest is a 产地环境 test report (soil, irrigation water, air) for a base
// or one of its plots (PlotID 0: the whole base).
type EnvTest struct {
	ID         int64
	BaseID     int64
	PlotID     int64
	Kind       string
	TestedOn   time.Time
	Lab        string
	ReportNo   string
	Conclusion string
	Notes      string
	Voided     bool
}

const envTestCols = "id,base_id,plot_id,kind,tested_on,lab,report_no,conclusion,notes,voided"

func scanEnvTest(sc interface{ Scan(...any) error }) (EnvTest, error) {
	var e EnvTest
	var plot sql.NullInt64
	var on string
	var voided int
	if err := sc.Scan(&e.ID, &e.BaseID, &plot, &e.Kind, &on, &e.Lab, &e.ReportNo, &e.Conclusion, &e.Notes, &voided); err != nil {
		return e, err
	}
	e.PlotID, e.Voided = plot.Int64, voided != 0
	var err error
	e.TestedOn, err = parseDay(on)
	return e, err
}

func validateEnvTest(kind, conclusion string, on, today time.Time) error {
	switch kind {
	case EnvSoil, EnvWater, EnvAir, EnvOther:
	default:
		return errf(CodeInvalid, nil, "检测类别“%s”无效，请选择土壤、水、空气或其他。", "the test kind %q is not valid; choose soil, water, air or other", kind)
	}
	switch conclusion {
	case EnvPass, EnvFail:
	default:
		return errf(CodeInvalid, nil, "检测结论必须是“合格”或“不合格”。", "the conclusion must be pass or fail")
	}
	return validatePastDate(on, today, "检测日期", "test date")
}

// validatePastDate refuses a missing date and one after today: records say
// what happened, not what is planned.
func validatePastDate(on, today time.Time, zh, en string) error {
	if on.IsZero() {
		return errRequired(zh, en)
	}
	if on.After(today) {
		return errf(CodeInvalid, nil, "%[1]s %[3]s 晚于今天（%[4]s），不能记录未来发生的事，请检查日期和电脑时钟。",
			"the %[2]s %[3]s is after today (%[4]s); records cannot be dated in the future, check the date and the PC clock",
			zh, en, formatDay(on), formatDay(today))
	}
	return nil
}

// AddEnvTest records a 产地环境 test report.
func (db *DB) AddEnvTest(ctx context.Context, actor Actor, e EnvTest) (EnvTest, error) {
	e.Lab, e.ReportNo, e.Notes, e.Voided = strings.TrimSpace(e.Lab), strings.TrimSpace(e.ReportNo), strings.TrimSpace(e.Notes), false
	e.TestedOn = asDayOrZero(e.TestedOn)
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermInputs); err != nil {
			return err
		}
		if err := validateEnvTest(e.Kind, e.Conclusion, e.TestedOn, siteToday(tx.Now)); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM bases WHERE id=?", e.BaseID).Scan(&n); err != nil || n == 0 {
			return notFoundOr(err, "基地", "base", e.BaseID)
		}
		if e.PlotID != 0 {
			var base int64
			if err := tx.QueryRow(ctx, "SELECT base_id FROM plots WHERE id=?", e.PlotID).Scan(&base); err != nil {
				return notFoundOr(err, "地块", "plot", e.PlotID)
			}
			if base != e.BaseID {
				return errf(CodeInvalid, nil, "所选地块不属于所选基地。", "the plot chosen does not belong to the base chosen")
			}
		}
		id, err := tx.insertJournaled(ctx, "env_tests",
			"INSERT INTO env_tests(base_id,plot_id,kind,tested_on,lab,report_no,conclusion,notes,jseq) VALUES(?,?,?,?,?,?,?,?,0)",
			e.BaseID, nullID(e.PlotID), e.Kind, formatDay(e.TestedOn), e.Lab, e.ReportNo, e.Conclusion, e.Notes)
		e.ID = id
		return err
	})
	if err != nil {
		return EnvTest{}, err
	}
	return e, nil
}

var envTestSearch = []string{"lab", "report_no", "notes"}

// ListEnvTests pages env tests (of one base when baseID is not 0), newest first.
func (db *DB) ListEnvTests(ctx context.Context, q ListQuery, baseID int64) ([]EnvTest, error) {
	where, args := q.listWhere("voided", envTestSearch, idFilter("base_id", baseID))
	lim, off := q.page()
	return queryList(ctx, db, "SELECT "+envTestCols+" FROM env_tests"+where+" ORDER BY tested_on DESC, id DESC LIMIT ? OFFSET ?", append(args, lim, off), scanEnvTest)
}

// CountEnvTests counts what ListEnvTests pages through.
func (db *DB) CountEnvTests(ctx context.Context, q ListQuery, baseID int64) (int, error) {
	where, args := q.listWhere("voided", envTestSearch, idFilter("base_id", baseID))
	return db.countRows(ctx, "SELECT count(*) FROM env_tests"+where, args)
}

// GetEnvTest returns one env test.
func (db *DB) GetEnvTest(ctx context.Context, id int64) (EnvTest, error) {
	return getOne(ctx, db, "env_tests", "SELECT "+envTestCols+" FROM env_tests WHERE id=?", id, scanEnvTest)
}

// ---------------------------------------------------------------------------
// Attachments

// MaxAttachmentSize bounds one photo or scan: a phone photo is 2–5 MB and the
// file is copied to a USB stick at every backup.
const MaxAttachmentSize = 10 << 20

// Attachment is a photo or scan (营业执照, 检测报告, 证书) attached to a record.
// The bytes are in AttachmentData, keyed by SHA256.
type Attachment struct {
	ID       int64
	Ref      string // "<table>:<id>"
	FileName string
	MIME     string
	SHA256   string
	Size     int64 // read only
	Voided   bool
}

const attachmentCols = "a.id,a.ref,a.file_name,a.mime,a.sha256,length(b.data),a.voided"
const attachmentFrom = " FROM attachments a JOIN blobs b ON b.sha256 = a.sha256"

func scanAttachment(sc interface{ Scan(...any) error }) (Attachment, error) {
	var a Attachment
	var voided int
	err := sc.Scan(&a.ID, &a.Ref, &a.FileName, &a.MIME, &a.SHA256, &a.Size, &voided)
	a.Voided = voided != 0
	return a, err
}

// attachTargets are the tables a file may be attached to, with the
// permission needed to attach to them.
var attachTargets = map[string]Perm{
	"entity": PermSite, "certifications": PermSite, "bases": PermSite, "plots": PermSite, "products": PermSite, "materials": PermSite,
	"env_tests": PermInputs, "purchases": PermInputs, "applications": PermInputs,
	"lots": PermHarvest, "transformations": PermProcess, "inspections": PermInspect, "disposals": PermInspect,
	"shipments": PermShip, "receipts": PermShip, "certificates": PermCertify,
}

// sniffMIME checks that data really is the declared type, so a renamed file
// does not slip in as evidence nobody can open.
func sniffMIME(mime string, data []byte) bool {
	switch mime {
	case "image/jpeg":
		return bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF})
	case "image/png":
		return bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n"))
	case "application/pdf":
		return bytes.HasPrefix(data, []byte("%PDF-"))
	}
	return false
}

// Attach stores a file (JPEG, PNG or PDF, at most MaxAttachmentSize) and
// attaches it to the record ref ("<table>:<id>"). Identical files are stored
// once; the journal records the hash, not the bytes.
func (db *DB) Attach(ctx context.Context, actor Actor, ref string, fileName, mime string, data []byte) (Attachment, error) {
	fileName, mime = strings.TrimSpace(fileName), strings.ToLower(strings.TrimSpace(mime))
	table, idStr, _ := strings.Cut(ref, ":")
	perm, ok := attachTargets[table]
	id, err := strconv.ParseInt(idStr, 10, 64)
	if !ok || err != nil || id <= 0 {
		return Attachment{}, errf(CodeInvalid, nil, "附件所属的记录“%s”无效。", "the record %q to attach to is not valid", ref)
	}
	sum := sha256.Sum256(data)
	a := Attachment{Ref: ref, FileName: fileName, MIME: mime, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	err = db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(perm); err != nil {
			return err
		}
		if fileName == "" || utf8.RuneCountInString(fileName) > 200 {
			return errf(CodeInvalid, nil, "附件文件名不能为空，最多 200 个字符。", "the file name must be non-empty and at most 200 characters")
		}
		if len(data) == 0 || len(data) > MaxAttachmentSize {
			return errf(CodeInvalid, nil, "附件大小为 %.1f MB，必须在 0 到 10 MB 之间；请压缩照片后再上传。", "the file is %.1f MB; it must be between 0 and 10 MB, so shrink the photo and try again", float64(len(data))/(1<<20))
		}
		if !sniffMIME(mime, data) {
			return errf(CodeInvalid, nil, "只能附加 JPEG、PNG 照片或 PDF 文件，且文件内容必须与类型一致（%s）。", "only JPEG or PNG photos and PDF files can be attached, and the content must match the type (%s)", mime)
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+quoteIdent(table)+" WHERE id=?", id).Scan(&n); err != nil || n == 0 {
			return notFoundOr(err, "记录", "record", id)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO blobs(sha256,data) VALUES(?,?) ON CONFLICT(sha256) DO NOTHING", a.SHA256, data); err != nil {
			return fmt.Errorf("store blob: %w", err)
		}
		aid, err := tx.insertJournaled(ctx, "attachments", "INSERT INTO attachments(ref,file_name,mime,sha256,jseq) VALUES(?,?,?,?,0)",
			ref, fileName, mime, a.SHA256)
		a.ID = aid
		return err
	})
	if err != nil {
		return Attachment{}, err
	}
	return a, nil
}

// AttachmentData returns an attachment's metadata and bytes, after checking
// that the bytes still hash to what the journal recorded.
func (db *DB) AttachmentData(ctx context.Context, id int64) (Attachment, []byte, error) {
	a, err := db.GetAttachment(ctx, id)
	if err != nil {
		return Attachment{}, nil, err
	}
	var data []byte
	if err := db.r.QueryRowContext(ctx, "SELECT data FROM blobs WHERE sha256=?", a.SHA256).Scan(&data); err != nil {
		return Attachment{}, nil, fmt.Errorf("read blob: %w", err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != a.SHA256 {
		return Attachment{}, nil, errf(CodeCorrupt, nil, "附件“%s”的内容已被改动或损坏，请从备份恢复。", "the attachment %q was altered or damaged; restore it from a backup", a.FileName)
	}
	return a, data, nil
}

var attachmentSearch = []string{"a.file_name"}

// ListAttachments pages attachments (of one record when ref is not "").
func (db *DB) ListAttachments(ctx context.Context, q ListQuery, ref string) ([]Attachment, error) {
	where, args := q.listWhere("a.voided", attachmentSearch, refFilter(ref))
	lim, off := q.page()
	return queryList(ctx, db, "SELECT "+attachmentCols+attachmentFrom+where+" ORDER BY a.id DESC LIMIT ? OFFSET ?", append(args, lim, off), scanAttachment)
}

// CountAttachments counts what ListAttachments pages through.
func (db *DB) CountAttachments(ctx context.Context, q ListQuery, ref string) (int, error) {
	where, args := q.listWhere("a.voided", attachmentSearch, refFilter(ref))
	return db.countRows(ctx, "SELECT count(*)"+attachmentFrom+where, args)
}

func refFilter(ref string) sqlCond {
	if ref == "" {
		return sqlCond{}
	}
	return sqlCond{[]string{"a.ref = ?"}, []any{ref}}
}

// GetAttachment returns one attachment's metadata.
func (db *DB) GetAttachment(ctx context.Context, id int64) (Attachment, error) {
	return getOne(ctx, db, "attachments", "SELECT "+attachmentCols+attachmentFrom+" WHERE a.id=?", id, scanAttachment)
}

// ---------------------------------------------------------------------------
// Products

// Product is something the site sells, with the crop category the pesticide
// rules use.
type Product struct {
	ID                  int64
	Name                string
	Variety             string
	Crop                string
	CropCategory        string
	Unit                string
	Spec                string
	PlatformProductCode string
	CertificationID     int64 // 0: none
	Retired             bool
}

const productCols = "id,name,variety,crop,crop_category,unit,spec,platform_product_code,certification_id,retired"

func scanProduct(sc interface{ Scan(...any) error }) (Product, error) {
	var p Product
	var cert sql.NullInt64
	var retired int
	err := sc.Scan(&p.ID, &p.Name, &p.Variety, &p.Crop, &p.CropCategory, &p.Unit, &p.Spec, &p.PlatformProductCode, &cert, &retired)
	p.CertificationID, p.Retired = cert.Int64, retired != 0
	return p, err
}

// AddProduct records a product. The crop category is required: it decides
// which pesticides are banned on it.
func (db *DB) AddProduct(ctx context.Context, actor Actor, p Product) (Product, error) {
	p.Name, p.Variety, p.Crop, p.CropCategory = strings.TrimSpace(p.Name), strings.TrimSpace(p.Variety), strings.TrimSpace(p.Crop), strings.TrimSpace(p.CropCategory)
	p.Unit, p.Spec, p.PlatformProductCode, p.Retired = strings.TrimSpace(p.Unit), strings.TrimSpace(p.Spec), strings.TrimSpace(p.PlatformProductCode), false
	if p.Unit == "" {
		p.Unit = "kg"
	}
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermSite); err != nil {
			return err
		}
		if err := validateProduct(ctx, tx, p.Name, p.CropCategory, p.CertificationID); err != nil {
			return err
		}
		id, err := tx.insertJournaled(ctx, "products",
			"INSERT INTO products(name,variety,crop,crop_category,unit,spec,platform_product_code,certification_id,jseq) VALUES(?,?,?,?,?,?,?,?,0)",
			p.Name, p.Variety, p.Crop, p.CropCategory, p.Unit, p.Spec, p.PlatformProductCode, nullID(p.CertificationID))
		p.ID = id
		return err
	})
	if err != nil {
		return Product{}, err
	}
	return p, nil
}

func validateProduct(ctx context.Context, tx *Tx, name, category string, certID int64) error {
	if name == "" {
		return errRequired("产品名称", "product name")
	}
	if err := validateCropCategory(category, true); err != nil {
		return err
	}
	if certID != 0 {
		var voided int
		if err := tx.QueryRow(ctx, "SELECT voided FROM certifications WHERE id=?", certID).Scan(&voided); err != nil {
			return notFoundOr(err, "认证证书", "certification", certID)
		}
		if voided != 0 {
			return errf(CodeInvalid, nil, "所选认证证书已作废。", "the certification chosen has been voided")
		}
	}
	return nil
}

var productSearch = []string{"name", "variety", "crop"}

// ListProducts pages products by name.
func (db *DB) ListProducts(ctx context.Context, q ListQuery) ([]Product, error) {
	where, args := q.listWhere("retired", productSearch, sqlCond{})
	lim, off := q.page()
	return queryList(ctx, db, "SELECT "+productCols+" FROM products"+where+" ORDER BY name, id LIMIT ? OFFSET ?", append(args, lim, off), scanProduct)
}

// CountProducts counts what ListProducts pages through.
func (db *DB) CountProducts(ctx context.Context, q ListQuery) (int, error) {
	where, args := q.listWhere("retired", productSearch, sqlCond{})
	return db.countRows(ctx, "SELECT count(*) FROM products"+where, args)
}

// GetProduct returns one product.
func (db *DB) GetProduct(ctx context.Context, id int64) (Product, error) {
	return getOne(ctx, db, "products", "SELECT "+productCols+" FROM products WHERE id=?", id, scanProduct)
}

// ---------------------------------------------------------------------------
// Materials (农药, 肥料)

// Material kinds.
const (
	MaterialPesticide  = "pesticide"
	MaterialFertilizer = "fertilizer"
	MaterialOther      = "other"
)

// MaxPHIDays bounds a label's 安全间隔期; no label gives more than a year.
const MaxPHIDays = 365

// Material is an input product. For pesticides, PHIDays is the label's
// 安全间隔期 (required: there is no static table to fall back on) and
// ActiveIngredients are checked against the banned lists.
type Material struct {
	ID                int64
	Kind              string
	Name              string
	RegNo             string // 农药登记证号; for fertilisers the 登记证号 or the 执行标准
	ActiveIngredients []string
	Toxicity          string // label class, one of rules.ToxicityLevels (may be empty)
	Formulation       string
	Manufacturer      string
	PHIDays           *int // pesticides only
	Retired           bool
}

const materialCols = "id,kind,name,reg_no,active_ingredients,toxicity,formulation,manufacturer,phi_days,retired"

func scanMaterial(sc interface{ Scan(...any) error }) (Material, error) {
	var m Material
	var ings string
	var phi sql.NullInt64
	var retired int
	if err := sc.Scan(&m.ID, &m.Kind, &m.Name, &m.RegNo, &ings, &m.Toxicity, &m.Formulation, &m.Manufacturer, &phi, &retired); err != nil {
		return m, err
	}
	if phi.Valid {
		v := int(phi.Int64)
		m.PHIDays = &v
	}
	m.Retired = retired != 0
	if err := json.Unmarshal([]byte(ings), &m.ActiveIngredients); err != nil {
		return m, fmt.Errorf("material %d: active ingredients: %w", m.ID, err)
	}
	return m, nil
}

func (m *Material) normalize() {
	m.Name, m.Toxicity = strings.TrimSpace(m.Name), strings.TrimSpace(m.Toxicity)
	m.Formulation, m.Manufacturer = strings.TrimSpace(m.Formulation), strings.TrimSpace(m.Manufacturer)
	m.RegNo = rules.NormalizeID(m.RegNo)
	seen := map[string]bool{}
	var ings []string
	for _, s := range m.ActiveIngredients {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			ings = append(ings, s)
		}
	}
	m.ActiveIngredients = ings
	if m.Kind != MaterialPesticide {
		m.PHIDays = nil
	}
}

// validateMaterial checks a material as it would be registered on day: for a
// pesticide the registration number, ingredients, PHI and toxicity, and that
// no ingredient is banned outright on that day.
func validateMaterial(m Material, list *rules.PesticideList, day time.Time) error {
	if m.Name == "" {
		return errRequired("投入品名称", "input name")
	}
	switch m.Kind {
	case MaterialPesticide:
		if err := rules.ValidatePesticideRegNo(m.RegNo); err != nil {
			return err
		}
		if len(m.ActiveIngredients) == 0 {
			return errf(CodeInvalid, nil, "请按标签填写农药的有效成分（至少一种），否则无法核对禁限用规定。", "enter the pesticide's active ingredients from the label (at least one), or the ban lists cannot be checked")
		}
		if m.PHIDays == nil || *m.PHIDays < 0 || *m.PHIDays > MaxPHIDays {
			return errf(CodeInvalid, nil, "请按农药标签填写安全间隔期（0 到 365 天）。", "enter the pre-harvest interval from the pesticide label (0 to 365 days)")
		}
		if err := bannedOnly(list).Check(m.ActiveIngredients, rules.CropInfo{Category: "其他"}, m.Toxicity, day); err != nil {
			// A list holding only crop bans has no banned rules to check against.
			if !rules.IsRule(err, rules.RulePesticideList) {
				return err
			}
		}
	case MaterialFertilizer:
		if err := rules.ValidateFertilizerRegNo(m.RegNo); err != nil {
			return err
		}
	case MaterialOther:
	default:
		return errf(CodeInvalid, nil, "投入品类别“%s”无效，请选择农药、肥料或其他。", "the input kind %q is not valid; choose pesticide, fertilizer or other", m.Kind)
	}
	return nil
}

// bannedOnly is the part of list that bans an ingredient everywhere: the
// check at registration, where the crop is not known yet.
func bannedOnly(list *rules.PesticideList) *rules.PesticideList {
	out := &rules.PesticideList{Source: list.Source, Version: list.Version, Date: list.Date}
	for _, r := range list.Rules {
		if r.Kind == rules.KindBanned {
			out.Rules = append(out.Rules, r)
		}
	}
	return out
}

// AddMaterial registers an input product. A pesticide whose ingredient is
// banned today is refused with the rule's message.
func (db *DB) AddMaterial(ctx context.Context, actor Actor, m Material) (Material, error) {
	m.normalize()
	m.Retired = false
	err := db.Write(ctx, actor, func(tx *Tx) error {
		if err := actor.Require(PermSite); err != nil {
			return err
		}
		if err := validateMaterial(m, db.PesticideList(), siteToday(tx.Now)); err != nil {
			return err
		}
		ings, err := json.Marshal(nonNilStrings(m.ActiveIngredients))
		if err != nil {
			return err
		}
		var phi any
		if m.PHIDays != nil {
			phi = *m.PHIDays
		}
		id, err := tx.insertJournaled(ctx, "materials",
			"INSERT INTO materials(kind,name,reg_no,active_ingredients,toxicity,formulation,manufacturer,phi_days,jseq) VALUES(?,?,?,?,?,?,?,?,0)",
			m.Kind, m.Name, m.RegNo, string(ings), m.Toxicity, m.Formulation, m.Manufacturer, phi)
		m.ID = id
		return err
	})
	if err != nil {
		return Material{}, err
	}
	return m, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

var materialSearch = []string{"name", "reg_no", "active_ingredients", "manufacturer"}

// ListMaterials pages materials (of one kind when kind is not "") by name.
func (db *DB) ListMaterials(ctx context.Context, q ListQuery, kind string) ([]Material, error) {
	where, args := q.listWhere("retired", materialSearch, kindFilter(kind))
	lim, off := q.page()
	return queryList(ctx, db, "SELECT "+materialCols+" FROM materials"+where+" ORDER BY name, id LIMIT ? OFFSET ?", append(args, lim, off), scanMaterial)
}

// CountMaterials counts what ListMaterials pages through.
func (db *DB) CountMaterials(ctx context.Context, q ListQuery, kind string) (int, error) {
	where, args := q.listWhere("retired", materialSearch, kindFilter(kind))
	return db.countRows(ctx, "SELECT count(*) FROM materials"+where, args)
}

func kindFilter(kind string) sqlCond {
	if kind == "" {
		return sqlCond{}
	}
	return sqlCond{[]string{"kind = ?"}, []any{kind}}
}

// GetMaterial returns one material.
func (db *DB) GetMaterial(ctx context.Context, id int64) (Material, error) {
	return getOne(ctx, db, "materials", "SELECT "+materialCols+" FROM materials WHERE id=?", id, scanMaterial)
}

// BannedList returns the rules of the store's pesticide list in force today
// (banned outright and crop-banned), for the "禁限用农药" screen.
func (db *DB) BannedList(ctx context.Context) ([]rules.PesticideRule, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	today := formatDay(siteToday(db.Now()))
	var out []rules.PesticideRule
	for _, r := range db.PesticideList().Rules {
		if (r.From == "" || r.From <= today) && (r.To == "" || today <= r.To) {
			out = append(out, r)
		}
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// shared helpers

// insertJournaled runs an INSERT of one journaled row (with jseq 0) and
// journals it as "<table>.create".
func (tx *Tx) insertJournaled(ctx context.Context, table, q string, args ...any) (int64, error) {
	res, err := tx.execCached(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("insert %s: %w", table, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if _, err := tx.Record(ctx, table, id, table+".create", ""); err != nil {
		return 0, err
	}
	return id, nil
}

func queryList[T any](ctx context.Context, db *DB, q string, args []any, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (db *DB) countRows(ctx context.Context, q string, args []any) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	return n, nil
}

func getOne[T any](ctx context.Context, db *DB, table, q string, id int64, scan func(interface{ Scan(...any) error }) (T, error)) (T, error) {
	v, err := scan(db.r.QueryRowContext(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return v, errf(CodeNotFound, nil, "记录 %s:%d 不存在。", "record %s:%d does not exist", table, id)
	}
	return v, err
}

// notFoundOr turns a missing row into a not-found error naming what was
// looked for; other errors pass through.
func notFoundOr(err error, zh, en string, id int64) error {
	if err == nil || errors.Is(err, sql.ErrNoRows) {
		return errf(CodeNotFound, err, "找不到所选的%[1]s（编号 %[3]d），请重新选择。", "the %[2]s chosen (no. %[3]d) does not exist; choose again", zh, en, id)
	}
	return err
}

func errRetired(zh, en, name string) error {
	return errf(CodeInvalid, nil, "%[1]s“%[3]s”已停用，不能再使用。", "the %[2]s %[3]q is retired and can no longer be used", zh, en, name)
}
